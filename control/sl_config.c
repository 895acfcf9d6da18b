/* sl_config.c: sluiced's configuration file, --set overrides and the
 * cross-key checks.
 *
 * Every key is described once in a table (name, parser, where it is
 * stored, range); the file reader and sl_config_set() both end in
 * apply_key(), so a key behaves the same wherever it comes from. A parser
 * checks the whole value before it stores anything, so a rejected value
 * never leaves a half-written field behind.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sl_config.h"
#include "sl_envelope.h"
#include "sl_meta.h"
#include "sl_route.h"
#include "sl_syslog.h"

/* Longest line the reader accepts; a config line is never near this, a
 * binary file fed by mistake soon is. */
#define SL_CONFIG_LINE_MAX 8192

/* Most keys one section has (for the duplicate-key bookkeeping). */
#define SL_CONFIG_SECTION_KEYS 16

/* Highest CPU number an [eal] cores list may name (CPU_SETSIZE). */
#define SL_CONFIG_MAX_CPU 1023

#define SL_CFG_US_MS 1000ull
#define SL_CFG_US_S  1000000ull
#define SL_CFG_US_M  60000000ull

enum sl_config_section_kind {
	SECT_EAL,
	SECT_DATAPLANE,
	SECT_INPUT_UDP,
	SECT_INPUT_TCP,
	SECT_INPUT_TLS,
	SECT_INPUT_RELP,
	SECT_STREAM,
	SECT_TLS,
	SECT_SOURCES,
	SECT_KAFKA,
	SECT_KAFKA_PRODUCER,
	SECT_ROUTING,
	SECT_ENVELOPE,
	SECT_SHUTDOWN,
	SECT_STATS,
	SECT_HTTP,
	SECT_FIXED_COUNT, /* sections above have one instance */
	SECT_PORT = SECT_FIXED_COUNT,
	SECT_ROUTE,
};

struct sl_config_key;

/* Parses value v into the object a section stores into. Returns 0, or -1
 * with a predicate ("must be 1..512") in why. Stores nothing on error. */
typedef int (*sl_config_parse_fn)(void *obj, const struct sl_config_key *k,
				  const char *v, char *why, size_t whylen);

/* One key. off/size locate the field inside the section's object
 * (struct sl_config, struct sl_config_port or struct sl_route_rule);
 * min/max bound numbers (in the stored unit for durations, in
 * microseconds); unit is the stored unit of a duration and bare the unit
 * of a duration written without suffix (both in microseconds). */
struct sl_config_key {
	const char *name;
	sl_config_parse_fn parse;
	size_t off;
	size_t size;
	uint64_t min;
	uint64_t max;
	uint64_t unit;
	uint64_t bare;
	int pow2;
};

/* Where an assignment comes from, for messages: a file line, or a --set. */
struct sl_config_origin {
	const char *file;        /* NULL for --set */
	unsigned line;
	const char *assignment;  /* the --set text */
};

/* The section an assignment goes to. Invariant: obj points into the
 * struct sl_config being filled; keys/n_keys is the section's key table
 * (NULL for [kafka.producer], which takes any key); index is the port or
 * rule index for SECT_PORT / SECT_ROUTE, and created says whether opening
 * the section added that port or rule (it is then the last one). */
struct sl_config_section {
	enum sl_config_section_kind kind;
	char name[80];           /* as written in brackets, for messages */
	void *obj;
	const struct sl_config_key *keys;
	unsigned n_keys;
	unsigned index;
	int created;             /* the port or rule did not exist before */
};

/* Per-load bookkeeping: the line each key was first set on (0: not yet),
 * so a second assignment in the same file is reported with the first. */
struct sl_config_seen {
	unsigned fixed[SECT_FIXED_COUNT][SL_CONFIG_SECTION_KEYS];
	unsigned port[SL_CONFIG_MAX_PORTS][SL_CONFIG_SECTION_KEYS];
	unsigned route[SL_ROUTE_MAX_RULES][SL_CONFIG_SECTION_KEYS];
	unsigned prop[SL_CONFIG_MAX_KAFKA_PROPS];
};

/* ---- messages ---------------------------------------------------------- */

/* Writes an error about section/key. predicate says whether reason reads
 * after the key name ("burst must be 1..512"); it always reads after a
 * colon in the file form. key may be NULL for errors about a section. */
__attribute__((format(printf, 7, 8)))
static void
report(const struct sl_config_origin *o, char *err, size_t errlen,
       const char *section, const char *key, int predicate,
       const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (o->file != NULL) {
		if (key != NULL)
			snprintf(err, errlen, "%s:%u: [%s] %s: %s", o->file,
				 o->line, section, key, reason);
		else
			snprintf(err, errlen, "%s:%u: [%s]: %s", o->file,
				 o->line, section, reason);
	} else if (key != NULL) {
		snprintf(err, errlen, "--set %s: %s%s %s", o->assignment, key,
			 predicate ? "" : ":", reason);
	} else {
		snprintf(err, errlen, "--set %s: [%s] %s", o->assignment,
			 section, reason);
	}
}

/* snprintf into why; a helper so every parser reads the same. */
__attribute__((format(printf, 3, 4)))
static int
fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Formats a byte count with the largest suffix that divides it. */
static void
format_size(uint64_t v, char *buf, size_t len)
{
	if (v != 0 && v % (1ull << 30) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
	else if (v != 0 && v % (1ull << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else if (v != 0 && v % (1ull << 10) == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* Formats a duration in microseconds with the largest unit dividing it. */
static void
format_duration(uint64_t us, char *buf, size_t len)
{
	if (us == 0)
		snprintf(buf, len, "0");
	else if (us % SL_CFG_US_M == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(us / SL_CFG_US_M));
	else if (us % SL_CFG_US_S == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(us / SL_CFG_US_S));
	else if (us % SL_CFG_US_MS == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(us / SL_CFG_US_MS));
	else
		snprintf(buf, len, "%lluus", (unsigned long long)us);
}

/* Returns the name of a duration unit given in microseconds. */
static const char *
unit_name(uint64_t us)
{
	switch (us) {
	case SL_CFG_US_M: return "minutes";
	case SL_CFG_US_S: return "seconds";
	case SL_CFG_US_MS: return "milliseconds";
	default: return "microseconds";
	}
}

/* Levenshtein distance between a and b, or SIZE_MAX when either is too
 * long to be worth comparing. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[65];

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Returns 1 when candidate is close enough to word to suggest it: one
 * typo in a short word, two in a longer one. */
static int
is_close(const char *word, const char *candidate)
{
	size_t d = edit_distance(word, candidate);

	return d != 0 && d <= (strlen(word) >= 6 ? 2u : 1u);
}

/* ---- value helpers ----------------------------------------------------- */

/* Parses the decimal digits at the start of s into *v. Returns the end,
 * or NULL when s starts with no digit or the number overflows. */
static const char *
scan_u64(const char *s, uint64_t *v)
{
	uint64_t n = 0;

	if (*s < '0' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (n > (UINT64_MAX - d) / 10)
			return NULL;
		n = n * 10 + d;
	}
	*v = n;
	return s;
}

/* Stores v into the unsigned field of k->size bytes at obj + k->off. */
static void
store_uint(void *obj, const struct sl_config_key *k, uint64_t v)
{
	char *p = (char *)obj + k->off;

	if (k->size == sizeof(uint16_t)) {
		uint16_t x = (uint16_t)v;

		memcpy(p, &x, sizeof(x));
	} else {
		unsigned x = (unsigned)v;

		memcpy(p, &x, sizeof(x));
	}
}

/* Parses a plain integer within k's range (power of two when k->pow2). */
static int
get_uint(const struct sl_config_key *k, const char *v, uint64_t *out,
	 char *why, size_t whylen)
{
	const char *end = scan_u64(v, out);
	const char *what = k->pow2 ? "a power of two " : "";

	if (end == NULL || *end != '\0' || *out < k->min || *out > k->max ||
	    (k->pow2 && (*out & (*out - 1)) != 0))
		return fail(why, whylen, "must be %s%llu..%llu, not \"%s\"",
			    what, (unsigned long long)k->min,
			    (unsigned long long)k->max, v);
	return 0;
}

static int
parse_uint(void *obj, const struct sl_config_key *k, const char *v,
	   char *why, size_t whylen)
{
	uint64_t n;

	if (get_uint(k, v, &n, why, whylen) != 0)
		return -1;
	store_uint(obj, k, n);
	return 0;
}

/* Parses a byte count with an optional k/M/G suffix (powers of 1024). */
static int
parse_size(void *obj, const struct sl_config_key *k, const char *v,
	   char *why, size_t whylen)
{
	char lo[32], hi[32];
	uint64_t n, mult = 1;
	const char *end = scan_u64(v, &n);

	if (end != NULL && *end != '\0') {
		switch (*end) {
		case 'k': case 'K': mult = 1ull << 10; break;
		case 'm': case 'M': mult = 1ull << 20; break;
		case 'g': case 'G': mult = 1ull << 30; break;
		default: end = NULL; break;
		}
		if (end != NULL && end[1] != '\0')
			end = NULL;
	}
	if (end != NULL && n > UINT64_MAX / mult)
		end = NULL;
	if (end != NULL)
		n *= mult;
	if (end == NULL || n < k->min || n > k->max) {
		format_size(k->min, lo, sizeof(lo));
		format_size(k->max, hi, sizeof(hi));
		return fail(why, whylen,
			    "must be a size %s..%s (suffix k, M or G), not \"%s\"",
			    lo, hi, v);
	}
	store_uint(obj, k, n);
	return 0;
}

/* Parses a duration: a number with us, ms, s or m, or a bare number in
 * k->bare; stores it in k->unit, which must divide it. */
static int
parse_duration(void *obj, const struct sl_config_key *k, const char *v,
	       char *why, size_t whylen)
{
	char lo[32], hi[32];
	uint64_t n, mult = k->bare;
	int whole;
	const char *end = scan_u64(v, &n);

	if (end != NULL) {
		if (strcmp(end, "us") == 0)
			mult = 1;
		else if (strcmp(end, "ms") == 0)
			mult = SL_CFG_US_MS;
		else if (strcmp(end, "s") == 0)
			mult = SL_CFG_US_S;
		else if (strcmp(end, "m") == 0)
			mult = SL_CFG_US_M;
		else if (*end != '\0')
			end = NULL;
	}
	if (end != NULL && n > UINT64_MAX / mult)
		end = NULL;
	if (end != NULL)
		n *= mult;
	whole = end == NULL || n % k->unit == 0;
	if (end == NULL || n < k->min || n > k->max || !whole) {
		format_duration(k->min, lo, sizeof(lo));
		format_duration(k->max, hi, sizeof(hi));
		if (!whole)
			return fail(why, whylen,
				    "must be a whole number of %s, not \"%s\"",
				    unit_name(k->unit), v);
		return fail(why, whylen,
			    "must be a duration %s..%s (suffix us, ms, s or m; a bare number is in %s), not \"%s\"",
			    lo, hi, unit_name(k->bare), v);
	}
	store_uint(obj, k, n / k->unit);
	return 0;
}

/* Returns 1 or 0 for a boolean word, -1 for anything else. */
static int
bool_value(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int
parse_bool(void *obj, const struct sl_config_key *k, const char *v,
	   char *why, size_t whylen)
{
	int b = bool_value(v);

	if (b < 0)
		return fail(why, whylen,
			    "must be yes/no/true/false/on/off/1/0, not \"%s\"", v);
	memcpy((char *)obj + k->off, &b, sizeof(b));
	return 0;
}

/* Returns the index of v in the NULL-terminated list, or -1 after writing
 * the choices into why. */
static int
choice(const char *v, const char *const *list, char *why, size_t whylen)
{
	char all[128] = "";
	int i;

	for (i = 0; list[i] != NULL; i++)
		if (strcasecmp(v, list[i]) == 0)
			return i;
	for (i = 0; list[i] != NULL; i++) {
		strncat(all, i == 0 ? "" : list[i + 1] ? ", " : " or ",
			sizeof(all) - strlen(all) - 1);
		strncat(all, list[i], sizeof(all) - strlen(all) - 1);
	}
	fail(why, whylen, "must be %s, not \"%s\"", all, v);
	return -1;
}

/* Copies v into the string field of k, which must hold it with its NUL. */
static int
parse_string(void *obj, const struct sl_config_key *k, const char *v,
	     char *why, size_t whylen)
{
	size_t len = strlen(v);

	if (len >= k->size)
		return fail(why, whylen, "must be at most %zu characters",
			    k->size - 1);
	memcpy((char *)obj + k->off, v, len + 1);
	return 0;
}

/* Returns 1 when name is 1..63 characters of [A-Za-z0-9_-]. */
static int
is_name(const char *name)
{
	size_t len = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return len > 0 && len < 64 && name[len] == '\0';
}

/* ---- [eal] ------------------------------------------------------------- */

/* EAL arguments are split by the daemon on whitespace with "..." groups
 * kept together, so an unbalanced quote would swallow the rest. */
static int
parse_eal_args(void *obj, const struct sl_config_key *k, const char *v,
	       char *why, size_t whylen)
{
	size_t quotes = 0;
	const char *p;

	for (p = v; *p != '\0'; p++)
		quotes += *p == '"';
	if (quotes % 2 != 0)
		return fail(why, whylen, "has an unbalanced '\"'");
	return parse_string(obj, k, v, why, whylen);
}

static int
parse_file_prefix(void *obj, const struct sl_config_key *k, const char *v,
		  char *why, size_t whylen)
{
	if (!is_name(v))
		return fail(why, whylen,
			    "must be 1..63 characters of A-Z a-z 0-9 _ -, not \"%s\"",
			    v);
	return parse_string(obj, k, v, why, whylen);
}

/* A CPU list: "N" or "N-M" items separated by commas, "" for all CPUs. */
static int
parse_cores(void *obj, const struct sl_config_key *k, const char *v,
	    char *why, size_t whylen)
{
	const char *p = v;

	while (*p != '\0') {
		uint64_t a, b;

		p = scan_u64(p, &a);
		if (p == NULL)
			break;
		b = a;
		if (*p == '-') {
			p = scan_u64(p + 1, &b);
			if (p == NULL)
				break;
		}
		if (a > b || b > SL_CONFIG_MAX_CPU)
			return fail(why, whylen,
				    "must name CPUs 0..%u in ascending ranges, not \"%s\"",
				    SL_CONFIG_MAX_CPU, v);
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			break;
	}
	if (p == NULL || *p != '\0')
		return fail(why, whylen,
			    "must be a CPU list such as \"0-3,6\", not \"%s\"", v);
	return parse_string(obj, k, v, why, whylen);
}

static int
parse_hugepages(void *obj, const struct sl_config_key *k, const char *v,
		char *why, size_t whylen)
{
	static const char *const names[] = { "auto", "yes", "no", NULL };
	static const enum sl_hugepages values[] = {
		SL_HUGEPAGES_AUTO, SL_HUGEPAGES_YES, SL_HUGEPAGES_NO,
	};
	int i = choice(v, names, why, whylen);

	(void)k;
	if (i < 0)
		return -1;
	((struct sl_config *)obj)->eal_hugepages = values[i];
	return 0;
}

static const struct sl_config_key eal_keys[] = {
	{ .name = "args", .parse = parse_eal_args,
	  .off = offsetof(struct sl_config, eal_args),
	  .size = sizeof(((struct sl_config *)0)->eal_args) },
	{ .name = "file_prefix", .parse = parse_file_prefix,
	  .off = offsetof(struct sl_config, eal_file_prefix),
	  .size = sizeof(((struct sl_config *)0)->eal_file_prefix) },
	{ .name = "cores", .parse = parse_cores,
	  .off = offsetof(struct sl_config, eal_cores),
	  .size = sizeof(((struct sl_config *)0)->eal_cores) },
	{ .name = "hugepages", .parse = parse_hugepages },
	{ .name = "memory", .parse = parse_uint,
	  .off = offsetof(struct sl_config, eal_memory_mb),
	  .size = sizeof(unsigned), .min = 64, .max = 65536 },
};

/* ---- [dataplane] ------------------------------------------------------- */

static int
parse_mode(void *obj, const struct sl_config_key *k, const char *v,
	   char *why, size_t whylen)
{
	static const char *const names[] = {
		"run-to-completion", "pipeline", NULL,
	};
	int i = choice(v, names, why, whylen);

	(void)k;
	if (i < 0)
		return -1;
	((struct sl_config *)obj)->mode =
		i == 0 ? SL_MODE_RUN_TO_COMPLETION : SL_MODE_PIPELINE;
	return 0;
}

static int
parse_ring_full(void *obj, const struct sl_config_key *k, const char *v,
		char *why, size_t whylen)
{
	static const char *const names[] = { "drop", "wait", NULL };
	int i = choice(v, names, why, whylen);

	(void)k;
	if (i < 0)
		return -1;
	((struct sl_config *)obj)->ring_full =
		i == 0 ? SL_RING_FULL_DROP : SL_RING_FULL_WAIT;
	return 0;
}

/* workers follows rx_lcores until it is given itself, so "rx_lcores = 4"
 * alone is a valid run-to-completion config. */
static int
parse_rx_lcores(void *obj, const struct sl_config_key *k, const char *v,
		char *why, size_t whylen)
{
	struct sl_config *c = obj;
	uint64_t n;

	if (get_uint(k, v, &n, why, whylen) != 0)
		return -1;
	c->rx_lcores = (unsigned)n;
	if (!c->workers_set)
		c->workers = (unsigned)n;
	return 0;
}

static int
parse_workers(void *obj, const struct sl_config_key *k, const char *v,
	      char *why, size_t whylen)
{
	struct sl_config *c = obj;
	uint64_t n;

	if (get_uint(k, v, &n, why, whylen) != 0)
		return -1;
	c->workers = (unsigned)n;
	c->workers_set = 1;
	return 0;
}

static const struct sl_config_key dataplane_keys[] = {
	{ .name = "mode", .parse = parse_mode },
	{ .name = "rx_lcores", .parse = parse_rx_lcores, .min = 1, .max = 16 },
	{ .name = "workers", .parse = parse_workers, .min = 1, .max = 16 },
	{ .name = "ring_size", .parse = parse_uint,
	  .off = offsetof(struct sl_config, ring_size),
	  .size = sizeof(unsigned), .min = 64, .max = 1048576, .pow2 = 1 },
	{ .name = "burst", .parse = parse_uint,
	  .off = offsetof(struct sl_config, burst),
	  .size = sizeof(unsigned), .min = 1, .max = 512 },
	{ .name = "mbufs", .parse = parse_uint,
	  .off = offsetof(struct sl_config, mbufs),
	  .size = sizeof(unsigned), .min = 1023, .max = 16u << 20 },
	{ .name = "mbuf_cache", .parse = parse_uint,
	  .off = offsetof(struct sl_config, mbuf_cache),
	  .size = sizeof(unsigned), .min = 0, .max = 512 },
	{ .name = "mbuf_size", .parse = parse_size,
	  .off = offsetof(struct sl_config, mbuf_size),
	  .size = sizeof(unsigned), .min = 1024, .max = 65535 },
	{ .name = "max_message", .parse = parse_size,
	  .off = offsetof(struct sl_config, max_message),
	  .size = sizeof(unsigned), .min = 64, .max = 65535 },
	{ .name = "ring_full", .parse = parse_ring_full },
	{ .name = "idle_sleep_us", .parse = parse_uint,
	  .off = offsetof(struct sl_config, idle_sleep_us),
	  .size = sizeof(unsigned), .min = 0, .max = 100000 },
	{ .name = "frag_max_flows", .parse = parse_uint,
	  .off = offsetof(struct sl_config, frag_max_flows),
	  .size = sizeof(unsigned), .min = 16, .max = 1u << 20 },
	{ .name = "frag_ttl", .parse = parse_duration,
	  .off = offsetof(struct sl_config, frag_ttl_ms),
	  .size = sizeof(unsigned), .min = SL_CFG_US_MS, .max = 60 * SL_CFG_US_S,
	  .unit = SL_CFG_US_MS, .bare = SL_CFG_US_S },
	{ .name = "max_sources", .parse = parse_uint,
	  .off = offsetof(struct sl_config, max_sources),
	  .size = sizeof(unsigned), .min = 16, .max = 16u << 20 },
};

/* ---- [input.udp] ------------------------------------------------------- */

static int
parse_driver(void *obj, const struct sl_config_key *k, const char *v,
	     char *why, size_t whylen)
{
	static const char *const names[] = { "socket", "dpdk", NULL };
	int i = choice(v, names, why, whylen);

	(void)k;
	if (i < 0)
		return -1;
	((struct sl_config *)obj)->driver =
		i == 0 ? SL_DRIVER_SOCKET : SL_DRIVER_DPDK;
	return 0;
}

static int
parse_listen(void *obj, const struct sl_config_key *k, const char *v,
	     char *why, size_t whylen)
{
	static const uint8_t zero[16];
	struct sl_config *c = obj;
	struct sl_addr a;

	(void)k;
	if (sl_addr_parse(v, &a) != 0 || a.port == 0)
		return fail(why, whylen,
			    "must be ADDRESS:PORT or [IPV6]:PORT with port 1..65535, not \"%s\"",
			    v);
	c->listen = a;
	c->listen_any = memcmp(a.ip, zero, sizeof(zero)) == 0;
	return 0;
}

static const struct sl_config_key input_udp_keys[] = {
	{ .name = "driver", .parse = parse_driver },
	{ .name = "listen", .parse = parse_listen },
	{ .name = "rcvbuf", .parse = parse_size,
	  .off = offsetof(struct sl_config, rcvbuf),
	  .size = sizeof(unsigned), .min = 64u << 10, .max = 1u << 30 },
};

/* ---- [input.tcp], [input.tls], [input.relp], [stream], [tls] ----------- */

/* The listener a stream section configures. */
static struct sl_config_stream *
stream_of(struct sl_config *c, const struct sl_config_key *k)
{
	return (struct sl_config_stream *)((char *)c + k->off);
}

static int
parse_stream_listen(void *obj, const struct sl_config_key *k, const char *v,
		    char *why, size_t whylen)
{
	struct sl_config_stream *st = stream_of(obj, k);
	struct sl_addr a;

	if (v[0] == '\0') {
		st->enabled = 0;
		return 0;
	}
	if (sl_addr_parse(v, &a) != 0 || a.port == 0)
		return fail(why, whylen,
			    "must be ADDRESS:PORT or [IPV6]:PORT with port 1..65535 (or empty: off), not \"%s\"",
			    v);
	st->listen = a;
	st->enabled = 1;
	return 0;
}

static int
parse_framing(void *obj, const struct sl_config_key *k, const char *v,
	      char *why, size_t whylen)
{
	static const char *const names[] = { "auto", "lf", "octet", NULL };
	static const enum sl_framing values[] = {
		SL_FRAMING_AUTO, SL_FRAMING_LF, SL_FRAMING_OCTET,
	};
	int i = choice(v, names, why, whylen);

	if (i < 0)
		return -1;
	stream_of(obj, k)->framing = values[i];
	return 0;
}

static int
parse_stream_tls(void *obj, const struct sl_config_key *k, const char *v,
		 char *why, size_t whylen)
{
	static const char *const names[] = { "off", "on", NULL };
	int i = choice(v, names, why, whylen);

	if (i < 0)
		return -1;
	stream_of(obj, k)->tls = i;
	return 0;
}

#define STREAM_KEY(field) .off = offsetof(struct sl_config, field)

static const struct sl_config_key input_tcp_keys[] = {
	{ .name = "listen", .parse = parse_stream_listen, STREAM_KEY(tcp) },
	{ .name = "framing", .parse = parse_framing, STREAM_KEY(tcp) },
};

static const struct sl_config_key input_tls_keys[] = {
	{ .name = "listen", .parse = parse_stream_listen, STREAM_KEY(tls_in) },
	{ .name = "framing", .parse = parse_framing, STREAM_KEY(tls_in) },
};

static const struct sl_config_key input_relp_keys[] = {
	{ .name = "listen", .parse = parse_stream_listen, STREAM_KEY(relp) },
	{ .name = "tls", .parse = parse_stream_tls, STREAM_KEY(relp) },
	{ .name = "window", .parse = parse_uint,
	  .off = offsetof(struct sl_config, relp_window),
	  .size = sizeof(unsigned), .min = 1, .max = 65536, .pow2 = 1 },
};

static const struct sl_config_key stream_keys[] = {
	{ .name = "lcores", .parse = parse_uint,
	  .off = offsetof(struct sl_config, stream_lcores),
	  .size = sizeof(unsigned), .min = 1, .max = SL_ACK_MAX_STREAMS },
	{ .name = "max_connections", .parse = parse_uint,
	  .off = offsetof(struct sl_config, stream_max_connections),
	  .size = sizeof(unsigned), .min = 1, .max = 1u << 20 },
	{ .name = "max_connections_per_source", .parse = parse_uint,
	  .off = offsetof(struct sl_config, stream_max_per_source),
	  .size = sizeof(unsigned), .min = 1, .max = 1u << 20 },
	{ .name = "idle_timeout", .parse = parse_duration,
	  .off = offsetof(struct sl_config, stream_idle_timeout_ms),
	  .size = sizeof(unsigned), .min = SL_CFG_US_S, .max = 24 * 60 * SL_CFG_US_M,
	  .unit = SL_CFG_US_MS, .bare = SL_CFG_US_S },
	{ .name = "max_pending", .parse = parse_uint,
	  .off = offsetof(struct sl_config, stream_max_pending),
	  .size = sizeof(unsigned), .min = 64, .max = 1u << 20 },
	{ .name = "max_output", .parse = parse_size,
	  .off = offsetof(struct sl_config, stream_max_output),
	  .size = sizeof(unsigned), .min = 4u << 10, .max = 64u << 20 },
	{ .name = "mbufs", .parse = parse_uint,
	  .off = offsetof(struct sl_config, stream_mbufs),
	  .size = sizeof(unsigned), .min = 1023, .max = 16u << 20 },
};

static int
parse_tls_verify(void *obj, const struct sl_config_key *k, const char *v,
		 char *why, size_t whylen)
{
	static const char *const names[] = {
		"none", "optional", "required", NULL,
	};
	static const enum sl_tls_verify values[] = {
		SL_TLS_VERIFY_NONE, SL_TLS_VERIFY_OPTIONAL,
		SL_TLS_VERIFY_REQUIRED,
	};
	int i = choice(v, names, why, whylen);

	(void)k;
	if (i < 0)
		return -1;
	((struct sl_config *)obj)->tls_verify = values[i];
	return 0;
}

static const struct sl_config_key tls_keys[] = {
	{ .name = "cert", .parse = parse_string,
	  .off = offsetof(struct sl_config, tls_cert),
	  .size = sizeof(((struct sl_config *)0)->tls_cert) },
	{ .name = "key", .parse = parse_string,
	  .off = offsetof(struct sl_config, tls_key),
	  .size = sizeof(((struct sl_config *)0)->tls_key) },
	{ .name = "ca", .parse = parse_string,
	  .off = offsetof(struct sl_config, tls_ca),
	  .size = sizeof(((struct sl_config *)0)->tls_ca) },
	{ .name = "verify_client", .parse = parse_tls_verify },
};

/* ---- [port.NAME] ------------------------------------------------------- */

static int
parse_devargs(void *obj, const struct sl_config_key *k, const char *v,
	      char *why, size_t whylen)
{
	if (v[0] == '\0')
		return fail(why, whylen,
			    "must name a device, such as \"0000:03:00.0\" or \"net_pcap0,rx_pcap=FILE\"");
	if (strpbrk(v, " \t") != NULL)
		return fail(why, whylen, "must not contain whitespace");
	return parse_string(obj, k, v, why, whylen);
}

/* Splits "ADDRESS[/PREFIX]" in v into addr (NUL-terminated, len bytes)
 * and *prefix (max when absent). Returns 0, or -1 on a bad prefix. */
static int
split_prefix(const char *v, char *addr, size_t len, unsigned max,
	     uint8_t *prefix)
{
	const char *slash = strchr(v, '/');
	size_t n = slash != NULL ? (size_t)(slash - v) : strlen(v);
	char *end;
	unsigned long p;

	if (n >= len)
		return -1;
	memcpy(addr, v, n);
	addr[n] = '\0';
	*prefix = (uint8_t)max;
	if (slash == NULL)
		return 0;
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || p > max)
		return -1;
	*prefix = (uint8_t)p;
	return 0;
}

static int
parse_address4(void *obj, const struct sl_config_key *k, const char *v,
	       char *why, size_t whylen)
{
	struct sl_config_port *p = obj;
	char text[INET_ADDRSTRLEN];
	struct in_addr a;
	uint8_t prefix;

	(void)k;
	if (v[0] == '\0') {
		p->has_ip4 = 0;
		p->ip4 = 0;
		return 0;
	}
	if (split_prefix(v, text, sizeof(text), 32, &prefix) != 0 ||
	    inet_pton(AF_INET, text, &a) != 1)
		return fail(why, whylen,
			    "must be an IPv4 address, optionally with /PREFIX (0..32), not \"%s\"",
			    v);
	p->ip4 = a.s_addr;
	p->prefix4 = prefix;
	p->has_ip4 = 1;
	return 0;
}

static int
parse_address6(void *obj, const struct sl_config_key *k, const char *v,
	       char *why, size_t whylen)
{
	struct sl_config_port *p = obj;
	char text[INET6_ADDRSTRLEN];
	uint8_t a[16], prefix;

	(void)k;
	if (v[0] == '\0') {
		p->has_ip6 = 0;
		memset(p->ip6, 0, sizeof(p->ip6));
		return 0;
	}
	if (split_prefix(v, text, sizeof(text), 128, &prefix) != 0 ||
	    inet_pton(AF_INET6, text, a) != 1)
		return fail(why, whylen,
			    "must be an IPv6 address, optionally with /PREFIX (0..128), not \"%s\"",
			    v);
	memcpy(p->ip6, a, sizeof(a));
	p->prefix6 = prefix;
	p->has_ip6 = 1;
	return 0;
}

/* A kernel interface name (IFNAMSIZ - 1 bytes of letters, digits, '-',
 * '_', '.'), or "" for none. */
static int
parse_ifname(void *obj, const struct sl_config_key *k, const char *v,
	     char *why, size_t whylen)
{
	const char *c;

	for (c = v; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' &&
		    *c != '.')
			return fail(why, whylen,
				    "must be an interface name (letters, digits, '-', '_', '.'), not \"%s\"",
				    v);
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return fail(why, whylen, "must be an interface name, not \"%s\"", v);
	return parse_string(obj, k, v, why, whylen);
}

/* [port.NAME] spread: "rss" or "device" into the port's spread. */
static int
parse_spread(void *obj, const struct sl_config_key *k, const char *v,
	     char *why, size_t whylen)
{
	static const char *const names[] = { "rss", "device", NULL };
	int i = choice(v, names, why, whylen);

	(void)k;
	if (i < 0)
		return -1;
	((struct sl_config_port *)obj)->spread =
		i == 0 ? SL_SPREAD_RSS : SL_SPREAD_DEVICE;
	return 0;
}

static const struct sl_config_key port_keys[] = {
	{ .name = "devargs", .parse = parse_devargs,
	  .off = offsetof(struct sl_config_port, devargs),
	  .size = sizeof(((struct sl_config_port *)0)->devargs) },
	{ .name = "address", .parse = parse_address4 },
	{ .name = "address6", .parse = parse_address6 },
	{ .name = "exception", .parse = parse_ifname,
	  .off = offsetof(struct sl_config_port, exception),
	  .size = sizeof(((struct sl_config_port *)0)->exception) },
	{ .name = "rx_desc", .parse = parse_uint,
	  .off = offsetof(struct sl_config_port, rx_desc),
	  .size = sizeof(uint16_t), .min = 64, .max = 16384, .pow2 = 1 },
	{ .name = "tx_desc", .parse = parse_uint,
	  .off = offsetof(struct sl_config_port, tx_desc),
	  .size = sizeof(uint16_t), .min = 64, .max = 16384, .pow2 = 1 },
	{ .name = "promiscuous", .parse = parse_bool,
	  .off = offsetof(struct sl_config_port, promiscuous) },
	{ .name = "spread", .parse = parse_spread },
};

/* ---- [kafka] ----------------------------------------------------------- */

/* "embedded", or host:port items separated by commas (host may be
 * [IPv6]); librdkafka resolves the names later. */
static int
parse_brokers(void *obj, const struct sl_config_key *k, const char *v,
	      char *why, size_t whylen)
{
	const char *p = v;

	if (strcmp(v, "embedded") == 0)
		return parse_string(obj, k, v, why, whylen);
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		const char *colon = NULL, *q;
		uint64_t port = 0;

		for (q = p; q < p + len; q++)
			if (*q == ':')
				colon = q;
		if (colon == NULL || colon == p ||
		    memchr(p, ' ', len) != NULL || memchr(p, '\t', len) != NULL)
			break;
		q = scan_u64(colon + 1, &port);
		if (q != p + len || port == 0 || port > 65535)
			break;
		p += len;
		if (*p == ',' && p[1] != '\0')
			p++;
	}
	if (v[0] == '\0' || *p != '\0')
		return fail(why, whylen,
			    "must be \"embedded\" or HOST:PORT[,HOST:PORT...], not \"%s\"",
			    v);
	return parse_string(obj, k, v, why, whylen);
}

static const struct sl_config_key kafka_keys[] = {
	{ .name = "brokers", .parse = parse_brokers,
	  .off = offsetof(struct sl_config, kafka_brokers),
	  .size = sizeof(((struct sl_config *)0)->kafka_brokers) },
	{ .name = "embedded_brokers", .parse = parse_uint,
	  .off = offsetof(struct sl_config, kafka_embedded_brokers),
	  .size = sizeof(unsigned), .min = 1, .max = 16 },
	{ .name = "embedded_partitions", .parse = parse_uint,
	  .off = offsetof(struct sl_config, kafka_embedded_partitions),
	  .size = sizeof(unsigned), .min = 1, .max = 1024 },
	{ .name = "producers", .parse = parse_uint,
	  .off = offsetof(struct sl_config, kafka_producers),
	  .size = sizeof(unsigned), .min = 0, .max = 16 },
	{ .name = "poll_interval", .parse = parse_duration,
	  .off = offsetof(struct sl_config, kafka_poll_interval_us),
	  .size = sizeof(unsigned), .min = 0, .max = SL_CFG_US_S,
	  .unit = 1, .bare = SL_CFG_US_MS },
};

/* ---- [routing] and [route.NAME] --------------------------------------- */

static int
parse_topic(void *obj, const struct sl_config_key *k, const char *v,
	    char *why, size_t whylen)
{
	char reason[200];

	if (v[0] == '\0')
		return fail(why, whylen, "must not be empty");
	if (strlen(v) >= k->size)
		return fail(why, whylen, "must be at most %zu characters",
			    k->size - 1);
	reason[0] = '\0';
	if (sl_route_template_check(v, reason, sizeof(reason)) != 0)
		return fail(why, whylen, "is not a valid topic template (%s): \"%s\"",
			    reason, v);
	return parse_string(obj, k, v, why, whylen);
}

/* Splits a comma-separated list of globs (spaces around each trimmed)
 * into out and *n_out; leaves both alone on error. */
static int
parse_globs(const char *v, char out[SL_ROUTE_MAX_GLOBS][SL_ROUTE_PATTERN_MAX],
	    unsigned *n_out, char *why, size_t whylen)
{
	char globs[SL_ROUTE_MAX_GLOBS][SL_ROUTE_PATTERN_MAX];
	const char *p = v;
	unsigned n = 0;

	for (;;) {
		size_t len = strcspn(p, ",");
		const char *end = p + len;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == p)
			return fail(why, whylen,
				    "must be a comma-separated list of non-empty globs, not \"%s\"",
				    v);
		if (n == SL_ROUTE_MAX_GLOBS)
			return fail(why, whylen, "must have at most %u globs",
				    SL_ROUTE_MAX_GLOBS);
		if ((size_t)(end - p) >= SL_ROUTE_PATTERN_MAX)
			return fail(why, whylen,
				    "must have globs of at most %u characters",
				    SL_ROUTE_PATTERN_MAX - 1);
		memcpy(globs[n], p, (size_t)(end - p));
		globs[n][end - p] = '\0';
		n++;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p++;
	}
	memcpy(out, globs, sizeof(globs));
	*n_out = n;
	return 0;
}

static int
parse_app(void *obj, const struct sl_config_key *k, const char *v,
	  char *why, size_t whylen)
{
	struct sl_route_rule *r = obj;

	(void)k;
	return parse_globs(v, r->app, &r->n_app, why, whylen);
}

static int
parse_host(void *obj, const struct sl_config_key *k, const char *v,
	   char *why, size_t whylen)
{
	struct sl_route_rule *r = obj;

	(void)k;
	return parse_globs(v, r->host, &r->n_host, why, whylen);
}

/* A comma-separated list of facility keywords or numbers 0..23. */
static int
parse_facility(void *obj, const struct sl_config_key *k, const char *v,
	       char *why, size_t whylen)
{
	struct sl_route_rule *r = obj;
	uint32_t mask = 0;
	const char *p = v;

	(void)k;
	for (;;) {
		char item[32];
		size_t len = strcspn(p, ",");
		const char *end = p + len;
		uint64_t num;
		const char *q;
		int f = -1;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > p && (size_t)(end - p) < sizeof(item)) {
			memcpy(item, p, (size_t)(end - p));
			item[end - p] = '\0';
			q = scan_u64(item, &num);
			if (q != NULL && *q == '\0')
				f = num <= 23 ? (int)num : -1;
			else
				f = sl_syslog_facility_parse(item);
		}
		if (f < 0 || f > 23)
			return fail(why, whylen,
				    "must be a comma-separated list of facility names (kern, user, ..., local7) or numbers 0..23, not \"%s\"",
				    v);
		mask |= 1u << f;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p++;
	}
	r->facility_mask = mask;
	return 0;
}

static int
parse_network(void *obj, const struct sl_config_key *k, const char *v,
	      char *why, size_t whylen)
{
	struct sl_route_rule *r = obj;
	struct sl_addr net;
	unsigned prefix;

	(void)k;
	if (sl_net_parse(v, &net, &prefix) != 0)
		return fail(why, whylen,
			    "must be a network ADDRESS/PREFIX, not \"%s\"", v);
	r->net = net;
	r->net_prefix = (int)prefix;
	return 0;
}

/* Parses record|envelope into the enum sl_route_format at k->off. */
static int
parse_format(void *obj, const struct sl_config_key *k, const char *v,
	     char *why, size_t whylen)
{
	static const char *const names[] = { "record", "envelope", NULL };
	int i = choice(v, names, why, whylen);

	if (i < 0)
		return -1;
	*(enum sl_route_format *)((char *)obj + k->off) =
		i == 0 ? SL_FORMAT_RECORD : SL_FORMAT_ENVELOPE;
	return 0;
}

static const struct sl_config_key routing_keys[] = {
	{ .name = "default_topic", .parse = parse_topic,
	  .off = offsetof(struct sl_config, router.default_topic),
	  .size = sizeof(((struct sl_router *)0)->default_topic) },
	{ .name = "default_format", .parse = parse_format,
	  .off = offsetof(struct sl_config, router.default_format) },
};

static const struct sl_config_key route_keys[] = {
	{ .name = "app", .parse = parse_app },
	{ .name = "host", .parse = parse_host },
	{ .name = "facility", .parse = parse_facility },
	{ .name = "network", .parse = parse_network },
	{ .name = "topic", .parse = parse_topic,
	  .off = offsetof(struct sl_route_rule, topic),
	  .size = sizeof(((struct sl_route_rule *)0)->topic) },
	{ .name = "format", .parse = parse_format,
	  .off = offsetof(struct sl_route_rule, format) },
};

/* ---- [envelope] --------------------------------------------------------- */

static int
parse_encryption(void *obj, const struct sl_config_key *k, const char *v,
		 char *why, size_t whylen)
{
	static const char *const names[] = {
		"off", "auto", "aes256gcm", "xchacha20", NULL,
	};
	static const enum sl_config_encryption values[] = {
		SL_ENCRYPTION_OFF, SL_ENCRYPTION_AUTO, SL_ENCRYPTION_AES256GCM,
		SL_ENCRYPTION_XCHACHA20,
	};
	int i = choice(v, names, why, whylen);

	(void)k;
	if (i < 0)
		return -1;
	((struct sl_config *)obj)->env_encryption = values[i];
	return 0;
}

static const struct sl_config_key envelope_keys[] = {
	{ .name = "batch_bytes", .parse = parse_size,
	  .off = offsetof(struct sl_config, env_batch_bytes),
	  .size = sizeof(unsigned), .min = 4096, .max = 16u << 20 },
	{ .name = "batch_messages", .parse = parse_uint,
	  .off = offsetof(struct sl_config, env_batch_messages),
	  .size = sizeof(unsigned), .min = 1, .max = 1u << 20 },
	{ .name = "linger", .parse = parse_duration,
	  .off = offsetof(struct sl_config, env_linger_us),
	  .size = sizeof(unsigned), .min = 0, .max = 10 * SL_CFG_US_S,
	  .unit = 1, .bare = SL_CFG_US_MS },
	{ .name = "buckets", .parse = parse_uint,
	  .off = offsetof(struct sl_config, env_buckets),
	  .size = sizeof(unsigned), .min = 1, .max = 1024 },
	{ .name = "max_open_batches", .parse = parse_uint,
	  .off = offsetof(struct sl_config, env_max_open),
	  .size = sizeof(unsigned), .min = 16, .max = 65536 },
	{ .name = "lz4_acceleration", .parse = parse_uint,
	  .off = offsetof(struct sl_config, env_lz4_acceleration),
	  .size = sizeof(unsigned), .min = 1, .max = 65537 },
	{ .name = "encryption", .parse = parse_encryption },
	{ .name = "key_file", .parse = parse_string,
	  .off = offsetof(struct sl_config, env_key_file),
	  .size = sizeof(((struct sl_config *)0)->env_key_file) },
};

/* ---- [sources] --------------------------------------------------------- */

static int
parse_separator(void *obj, const struct sl_config_key *k, const char *v,
		char *why, size_t whylen)
{
	(void)k;
	if (strlen(v) != 1 || !isprint((unsigned char)v[0]) || v[0] == ' ')
		return fail(why, whylen,
			    "must be one printable character, such as \"-\" or \".\"");
	((struct sl_config *)obj)->site_separator = v[0];
	return 0;
}

static const struct sl_config_key sources_keys[] = {
	{ .name = "idle_evict", .parse = parse_duration,
	  .off = offsetof(struct sl_config, source_idle_s),
	  .size = sizeof(unsigned), .min = SL_CFG_US_S, .max = 7 * 24 * 60 * SL_CFG_US_M,
	  .unit = SL_CFG_US_S, .bare = SL_CFG_US_S },
	{ .name = "site_separator", .parse = parse_separator },
	{ .name = "site_field", .parse = parse_uint,
	  .off = offsetof(struct sl_config, site_field),
	  .size = sizeof(unsigned), .min = 0, .max = 16 },
};

/* ---- [shutdown] and [stats] -------------------------------------------- */

static const struct sl_config_key shutdown_keys[] = {
	{ .name = "drain_timeout", .parse = parse_duration,
	  .off = offsetof(struct sl_config, drain_timeout_ms),
	  .size = sizeof(unsigned), .min = 0, .max = 10 * SL_CFG_US_M,
	  .unit = SL_CFG_US_MS, .bare = SL_CFG_US_S },
};

static const struct sl_config_key stats_keys[] = {
	{ .name = "interval", .parse = parse_duration,
	  .off = offsetof(struct sl_config, stats_interval_ms),
	  .size = sizeof(unsigned), .min = 0, .max = 60 * SL_CFG_US_M,
	  .unit = SL_CFG_US_MS, .bare = SL_CFG_US_S },
};

/* ---- [http] ------------------------------------------------------------ */

static int
parse_http_listen(void *obj, const struct sl_config_key *k, const char *v,
		  char *why, size_t whylen)
{
	struct sl_config *c = obj;
	struct sl_addr a;

	(void)k;
	if (v[0] == '\0') {
		c->http_enabled = 0;
		return 0;
	}
	if (sl_addr_parse(v, &a) != 0 || a.port == 0)
		return fail(why, whylen,
			    "must be ADDRESS:PORT or [IPV6]:PORT with port 1..65535 (or empty: off), not \"%s\"",
			    v);
	c->http_listen = a;
	c->http_enabled = 1;
	return 0;
}

/* The token travels in "Authorization: Bearer TOKEN": RFC 6750's
 * b64token characters, long enough not to be guessed by trying. */
static int
parse_http_token(void *obj, const struct sl_config_key *k, const char *v,
		 char *why, size_t whylen)
{
	size_t len = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "abcdefghijklmnopqrstuvwxyz0123456789-._~+/=");

	if (v[0] != '\0' && (v[len] != '\0' || len < 16))
		return fail(why, whylen,
			    "must be 16..%zu characters of A-Z a-z 0-9 - . _ ~ + / = (or empty: no mutations over HTTP)",
			    k->size - 1);
	return parse_string(obj, k, v, why, whylen);
}

static const struct sl_config_key http_keys[] = {
	{ .name = "listen", .parse = parse_http_listen },
	{ .name = "public", .parse = parse_bool,
	  .off = offsetof(struct sl_config, http_public) },
	{ .name = "token", .parse = parse_http_token,
	  .off = offsetof(struct sl_config, http_token),
	  .size = sizeof(((struct sl_config *)0)->http_token) },
	{ .name = "top_sources", .parse = parse_uint,
	  .off = offsetof(struct sl_config, http_top_sources),
	  .size = sizeof(unsigned), .min = 0, .max = 1000 },
};

#define KEYS(t) t, sizeof(t) / sizeof(t[0])
#define FITS(t) (sizeof(t) / sizeof(t[0]) <= SL_CONFIG_SECTION_KEYS)

/* struct sl_config_seen keeps SL_CONFIG_SECTION_KEYS lines per section. */
_Static_assert(FITS(eal_keys) && FITS(dataplane_keys) &&
	       FITS(input_udp_keys) && FITS(input_tcp_keys) &&
	       FITS(input_tls_keys) && FITS(input_relp_keys) &&
	       FITS(stream_keys) && FITS(tls_keys) && FITS(sources_keys) &&
	       FITS(port_keys) && FITS(kafka_keys) &&
	       FITS(routing_keys) && FITS(route_keys) && FITS(envelope_keys) &&
	       FITS(shutdown_keys) && FITS(stats_keys) && FITS(http_keys),
	       "a section has more keys than SL_CONFIG_SECTION_KEYS");

/* The sections with one instance, indexed by enum sl_config_section_kind. */
static const struct {
	const char *name;
	const struct sl_config_key *keys;
	unsigned n_keys;
} fixed_sections[SECT_FIXED_COUNT] = {
	[SECT_EAL] = { "eal", KEYS(eal_keys) },
	[SECT_DATAPLANE] = { "dataplane", KEYS(dataplane_keys) },
	[SECT_INPUT_UDP] = { "input.udp", KEYS(input_udp_keys) },
	[SECT_INPUT_TCP] = { "input.tcp", KEYS(input_tcp_keys) },
	[SECT_INPUT_TLS] = { "input.tls", KEYS(input_tls_keys) },
	[SECT_INPUT_RELP] = { "input.relp", KEYS(input_relp_keys) },
	[SECT_STREAM] = { "stream", KEYS(stream_keys) },
	[SECT_TLS] = { "tls", KEYS(tls_keys) },
	[SECT_SOURCES] = { "sources", KEYS(sources_keys) },
	[SECT_KAFKA] = { "kafka", KEYS(kafka_keys) },
	[SECT_KAFKA_PRODUCER] = { "kafka.producer", NULL, 0 },
	[SECT_ROUTING] = { "routing", KEYS(routing_keys) },
	[SECT_ENVELOPE] = { "envelope", KEYS(envelope_keys) },
	[SECT_SHUTDOWN] = { "shutdown", KEYS(shutdown_keys) },
	[SECT_STATS] = { "stats", KEYS(stats_keys) },
	[SECT_HTTP] = { "http", KEYS(http_keys) },
};

/* ---- sections ---------------------------------------------------------- */

/* Writes " (did you mean [x]?)" for the closest known section to name,
 * or "" when none is close. */
static void
suggest_section(const char *name, char *out, size_t len)
{
	const char *dot = strchr(name, '.');
	char cand[80];
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < SECT_FIXED_COUNT; i++) {
		if (is_close(name, fixed_sections[i].name)) {
			snprintf(out, len, " (did you mean [%s]?)",
				 fixed_sections[i].name);
			return;
		}
	}
	if (dot == NULL || strlen(dot) > 64)
		return;
	snprintf(cand, sizeof(cand), "port%s", dot);
	if (!is_close(name, cand))
		snprintf(cand, sizeof(cand), "route%s", dot);
	if (is_close(name, cand))
		snprintf(out, len, " (did you mean [%s]?)", cand);
}

/* Finds or creates the port called name. Returns its index, or -1. */
static int
port_get(struct sl_config *c, const char *name)
{
	struct sl_config_port *p;
	unsigned i;

	for (i = 0; i < c->n_ports; i++)
		if (strcmp(c->ports[i].name, name) == 0)
			return (int)i;
	if (c->n_ports == SL_CONFIG_MAX_PORTS)
		return -1;
	p = &c->ports[c->n_ports];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->rx_desc = 1024;
	p->prefix4 = 32;
	p->prefix6 = 128;
	p->tx_desc = 1024;
	return (int)c->n_ports++;
}

/* Finds or creates the routing rule called name. Returns its index, or
 * -1 when the table is full. */
static int
route_get(struct sl_config *c, const char *name)
{
	struct sl_router *rt = &c->router;
	struct sl_route_rule *r;
	unsigned i;

	for (i = 0; i < rt->n_rules; i++)
		if (strcmp(rt->rules[i].name, name) == 0)
			return (int)i;
	if (rt->n_rules == SL_ROUTE_MAX_RULES)
		return -1;
	r = &rt->rules[rt->n_rules];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->net_prefix = -1;
	return (int)rt->n_rules++;
}

/* Resolves a section name ("dataplane", "port.eth0", ...) into *s,
 * creating the port or rule it names. Returns 0, or -1 with a message. */
static int
section_open(struct sl_config *c, const char *name,
	     const struct sl_config_origin *o, struct sl_config_section *s,
	     char *err, size_t errlen)
{
	char hint[100];
	unsigned i, before;
	int idx;

	memset(s, 0, sizeof(*s));
	if (strlen(name) >= sizeof(s->name)) {
		report(o, err, errlen, "...", NULL, 0, "section name is too long");
		return -1;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	for (i = 0; i < SECT_FIXED_COUNT; i++) {
		if (strcmp(name, fixed_sections[i].name) == 0) {
			s->kind = (enum sl_config_section_kind)i;
			s->obj = c;
			s->keys = fixed_sections[i].keys;
			s->n_keys = fixed_sections[i].n_keys;
			return 0;
		}
	}
	if (strncmp(name, "port.", 5) == 0) {
		if (!is_name(name + 5)) {
			report(o, err, errlen, name, NULL, 0,
			       "port name must be 1..63 characters of A-Z a-z 0-9 _ -");
			return -1;
		}
		before = c->n_ports;
		idx = port_get(c, name + 5);
		if (idx < 0) {
			report(o, err, errlen, name, NULL, 0,
			       "too many ports (at most %u)", SL_CONFIG_MAX_PORTS);
			return -1;
		}
		s->kind = SECT_PORT;
		s->created = c->n_ports != before;
		s->index = (unsigned)idx;
		s->obj = &c->ports[idx];
		s->keys = port_keys;
		s->n_keys = sizeof(port_keys) / sizeof(port_keys[0]);
		return 0;
	}
	if (strncmp(name, "route.", 6) == 0) {
		if (!is_name(name + 6)) {
			report(o, err, errlen, name, NULL, 0,
			       "route name must be 1..63 characters of A-Z a-z 0-9 _ -");
			return -1;
		}
		before = c->router.n_rules;
		idx = route_get(c, name + 6);
		if (idx < 0) {
			report(o, err, errlen, name, NULL, 0,
			       "too many routes (at most %u)", SL_ROUTE_MAX_RULES);
			return -1;
		}
		s->kind = SECT_ROUTE;
		s->created = c->router.n_rules != before;
		s->index = (unsigned)idx;
		s->obj = &c->router.rules[idx];
		s->keys = route_keys;
		s->n_keys = sizeof(route_keys) / sizeof(route_keys[0]);
		return 0;
	}
	suggest_section(name, hint, sizeof(hint));
	report(o, err, errlen, name, NULL, 0, "unknown section%s", hint);
	return -1;
}

/* ---- assignments ------------------------------------------------------- */

/* Sets a librdkafka property. A key this file already set is a duplicate;
 * any other earlier setting is replaced in place, so --set overrides the
 * file and keeps the property where the file put it. */
static int
apply_kafka_prop(struct sl_config *c, const char *key, const char *value,
		 const struct sl_config_origin *o, struct sl_config_seen *seen,
		 char *err, size_t errlen)
{
	struct sl_config_kv *kv;
	unsigned i;

	if (strlen(key) >= sizeof(kv->key)) {
		report(o, err, errlen, "kafka.producer", key, 1,
		       "must be a name of at most %zu characters",
		       sizeof(kv->key) - 1);
		return -1;
	}
	if (strlen(value) >= sizeof(kv->value)) {
		report(o, err, errlen, "kafka.producer", key, 1,
		       "must be at most %zu characters", sizeof(kv->value) - 1);
		return -1;
	}
	for (i = 0; i < c->n_kafka_props; i++) {
		if (strcmp(c->kafka_props[i].key, key) != 0)
			continue;
		if (seen != NULL && seen->prop[i] != 0) {
			report(o, err, errlen, "kafka.producer", key, 0,
			       "duplicate key (first set on line %u)",
			       seen->prop[i]);
			return -1;
		}
		break;
	}
	if (i == c->n_kafka_props) {
		if (c->n_kafka_props == SL_CONFIG_MAX_KAFKA_PROPS) {
			report(o, err, errlen, "kafka.producer", key, 0,
			       "too many properties (at most %u)",
			       SL_CONFIG_MAX_KAFKA_PROPS);
			return -1;
		}
		c->n_kafka_props++;
	}
	kv = &c->kafka_props[i];
	snprintf(kv->key, sizeof(kv->key), "%s", key);
	snprintf(kv->value, sizeof(kv->value), "%s", value);
	if (seen != NULL)
		seen->prop[i] = o->line;
	return 0;
}

/* Returns the duplicate-tracking slots of section s in seen. */
static unsigned *
seen_slots(struct sl_config_seen *seen, const struct sl_config_section *s)
{
	if (s->kind == SECT_PORT)
		return seen->port[s->index];
	if (s->kind == SECT_ROUTE)
		return seen->route[s->index];
	return seen->fixed[s->kind];
}

/* Applies key = value to section s. seen is NULL for --set (a later
 * setting replaces), else the file's bookkeeping (a repeat is an error). */
static int
apply_key(struct sl_config *c, const struct sl_config_section *s,
	  const char *key, const char *value,
	  const struct sl_config_origin *o, struct sl_config_seen *seen,
	  char *err, size_t errlen)
{
	char why[400];
	unsigned i, *slots;

	if (s->kind == SECT_KAFKA_PRODUCER)
		return apply_kafka_prop(c, key, value, o, seen, err, errlen);
	for (i = 0; i < s->n_keys; i++)
		if (strcmp(s->keys[i].name, key) == 0)
			break;
	if (i == s->n_keys) {
		const char *best = NULL;
		unsigned j;

		for (j = 0; j < s->n_keys && best == NULL; j++)
			if (is_close(key, s->keys[j].name))
				best = s->keys[j].name;
		if (best != NULL)
			report(o, err, errlen, s->name, key, 0,
			       "unknown key (did you mean \"%s\"?)", best);
		else
			report(o, err, errlen, s->name, key, 0, "unknown key");
		return -1;
	}
	if (seen != NULL) {
		slots = seen_slots(seen, s);
		if (slots[i] != 0) {
			report(o, err, errlen, s->name, key, 0,
			       "duplicate key (first set on line %u)", slots[i]);
			return -1;
		}
		slots[i] = o->line;
	}
	why[0] = '\0';
	if (s->keys[i].parse(s->obj, &s->keys[i], value, why, sizeof(why)) != 0) {
		report(o, err, errlen, s->name, key, 1, "%s", why);
		return -1;
	}
	return 0;
}

/* ---- public API -------------------------------------------------------- */

void
sl_config_defaults(struct sl_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->eal_file_prefix, sizeof(c->eal_file_prefix), "sluice");
	c->eal_hugepages = SL_HUGEPAGES_AUTO;
	c->eal_memory_mb = 512;

	c->mode = SL_MODE_RUN_TO_COMPLETION;
	c->rx_lcores = 1;
	c->workers = 1;
	c->ring_size = 4096;
	c->burst = 32;
	c->mbufs = 65535;
	c->mbuf_cache = 256;
	c->mbuf_size = 2176;
	c->max_message = 65535;
	c->ring_full = SL_RING_FULL_DROP;
	c->idle_sleep_us = 100;
	c->frag_max_flows = 4096;
	c->frag_ttl_ms = 2000;
	c->max_sources = 65536;

	c->driver = SL_DRIVER_SOCKET;
	sl_addr_parse("127.0.0.1:5514", &c->listen);
	c->rcvbuf = 32u << 20;

	c->tls_in.tls = 1;
	c->relp_window = 128;
	c->stream_lcores = 1;
	c->stream_max_connections = 16384;
	c->stream_max_per_source = 64;
	c->stream_idle_timeout_ms = 300000;
	c->stream_max_pending = 65536;
	c->stream_max_output = 256u << 10;
	c->stream_mbufs = 8191;
	c->tls_verify = SL_TLS_VERIFY_NONE;
	c->source_idle_s = 600;
	c->site_separator = '-';
	c->site_field = 1;

	snprintf(c->kafka_brokers, sizeof(c->kafka_brokers), "embedded");
	c->kafka_embedded_brokers = 1;
	c->kafka_embedded_partitions = 4;
	c->kafka_poll_interval_us = 1000;

	snprintf(c->router.default_topic, sizeof(c->router.default_topic),
		 "logs");
	c->router.default_format = SL_FORMAT_RECORD;

	c->env_batch_bytes = 64u << 10;
	c->env_batch_messages = 10000;
	c->env_linger_us = 5000;
	c->env_buckets = 64;
	c->env_max_open = 1024;
	c->env_lz4_acceleration = 1;
	c->env_encryption = SL_ENCRYPTION_OFF;

	c->drain_timeout_ms = 10000;
	c->stats_interval_ms = 10000;

	c->http_top_sources = 50;
}

/* Returns 1 when s holds a control character (tab excepted). */
static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/* Trims spaces and tabs from both ends of s in place; returns the start. */
static char *
trim(char *s)
{
	char *end = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

/* Returns 1 when key is 1.. characters of [A-Za-z0-9._-]. */
static int
is_key(const char *key)
{
	size_t len = strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "abcdefghijklmnopqrstuvwxyz0123456789._-");

	return len > 0 && key[len] == '\0';
}

/* Removes the double quotes around v in place, resolving \" and \\.
 * Unquoted values are left alone. Returns 0, or -1 with a reason. */
static int
unquote(char *v, char *why, size_t whylen)
{
	char *r = v + 1, *w = v;

	if (v[0] != '"')
		return 0;
	for (; *r != '\0' && *r != '"'; r++) {
		if (*r == '\\') {
			r++;
			if (*r != '"' && *r != '\\')
				return fail(why, whylen,
					    "has an escape other than \\\" or \\\\");
		}
		*w++ = *r;
	}
	if (*r != '"')
		return fail(why, whylen, "has no closing '\"'");
	if (r[1] != '\0')
		return fail(why, whylen, "has text after the closing '\"'");
	*w = '\0';
	return 0;
}

/* Handles one line of the file (without its newline). */
static int
load_line(struct sl_config *c, char *line, struct sl_config_section *s,
	  int *in_section, const struct sl_config_origin *o,
	  struct sl_config_seen *seen, char *err, size_t errlen)
{
	char why[200], *p = trim(line), *eq, *key, *value;

	if (*p == '\0' || *p == '#' || *p == ';')
		return 0;
	if (*p == '[') {
		size_t len = strlen(p);

		if (p[len - 1] != ']')
			goto syntax;
		p[len - 1] = '\0';
		p = trim(p + 1);
		if (*p == '\0')
			goto syntax;
		if (section_open(c, p, o, s, err, errlen) != 0)
			return -1;
		*in_section = 1;
		return 0;
	}
	eq = strchr(p, '=');
	if (eq == NULL)
		goto syntax;
	*eq = '\0';
	key = trim(p);
	value = trim(eq + 1);
	if (!is_key(key))
		goto syntax;
	if (!*in_section) {
		snprintf(err, errlen, "%s:%u: %s: key outside of any [section]",
			 o->file, o->line, key);
		return -1;
	}
	if (unquote(value, why, sizeof(why)) != 0) {
		report(o, err, errlen, s->name, key, 0, "quoted value %s", why);
		return -1;
	}
	return apply_key(c, s, key, value, o, seen, err, errlen);
syntax:
	snprintf(err, errlen, "%s:%u: expected \"key = value\" or \"[section]\"",
		 o->file, o->line);
	return -1;
}

int
sl_config_load(struct sl_config *c, const char *path, char *err,
	       size_t errlen)
{
	struct sl_config_origin o = { .file = path };
	struct sl_config_section s;
	struct sl_config_seen *seen = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int in_section = 0, rc = -1;
	FILE *f = NULL;

	if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errlen, "%s: path is too long (at most %zu characters)",
			 path, sizeof(c->path) - 1);
		return -1;
	}
	seen = calloc(1, sizeof(*seen));
	if (seen == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	memset(&s, 0, sizeof(s));
	errno = 0;
	while ((len = getline(&line, &cap, f)) != -1) {
		o.line++;
		if (len > SL_CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%u: line is longer than %d bytes",
				 path, o.line, SL_CONFIG_LINE_MAX);
			goto out;
		}
		if ((size_t)len != strlen(line)) {
			snprintf(err, errlen, "%s:%u: line holds a NUL byte",
				 path, o.line);
			goto out;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (has_control(line)) {
			snprintf(err, errlen, "%s:%u: line holds a control character",
				 path, o.line);
			goto out;
		}
		if (load_line(c, line, &s, &in_section, &o, seen, err, errlen) != 0)
			goto out;
		errno = 0;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path,
			 strerror(errno ? errno : EIO));
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(line);
	free(seen);
	return rc;
}

int
sl_config_set(struct sl_config *c, const char *assignment, char *err,
	      size_t errlen)
{
	struct sl_config_origin o = { .assignment = assignment };
	struct sl_config_section s;
	char buf[SL_CONFIG_LINE_MAX], *eq, *dot, *key, *value, *section;
	size_t len = strlen(assignment);

	if (len >= sizeof(buf)) {
		snprintf(err, errlen, "--set: assignment is longer than %zu bytes",
			 sizeof(buf) - 1);
		return -1;
	}
	memcpy(buf, assignment, len + 1);
	eq = strchr(buf, '=');
	if (eq == NULL || has_control(buf))
		goto syntax;
	*eq = '\0';
	value = eq + 1;
	section = buf;
	if (strncmp(buf, "kafka.producer.", 15) == 0) {
		dot = buf + 14;
	} else {
		dot = strchr(buf, '.');
		if (dot != NULL && (strncmp(buf, "input.", 6) == 0 ||
				    strncmp(buf, "route.", 6) == 0 ||
				    strncmp(buf, "port.", 5) == 0))
			dot = strchr(dot + 1, '.');
	}
	if (dot == NULL)
		goto syntax;
	*dot = '\0';
	key = dot + 1;
	if (!is_key(section) || !is_key(key))
		goto syntax;
	if (section_open(c, section, &o, &s, err, errlen) != 0)
		return -1;
	if (apply_key(c, &s, key, value, &o, NULL, err, errlen) == 0)
		return 0;
	/* An override that fails leaves no empty port or rule behind. */
	if (s.created && s.kind == SECT_PORT)
		c->n_ports--;
	else if (s.created && s.kind == SECT_ROUTE)
		c->router.n_rules--;
	return -1;
syntax:
	snprintf(err, errlen, "--set %s: expected section.key=value", assignment);
	return -1;
}

/* Formats "[section] " context for validate messages, naming the file
 * when there is one. */
/* Returns 1 (with the topic named in why) when one fixed topic name is
 * given to both record and envelope routes: librdkafka keeps one handle
 * per topic name, so one of the two would get the other's compression. */
static int
mixed_formats(const struct sl_router *r, char *why, size_t whylen)
{
	unsigned i, j;

	for (i = 0; i <= r->n_rules; i++) {
		const char *ti = i < r->n_rules ? r->rules[i].topic : r->default_topic;
		enum sl_route_format fi = i < r->n_rules &&
			r->rules[i].format != SL_FORMAT_DEFAULT ?
			r->rules[i].format : r->default_format;

		if (strchr(ti, '{') != NULL)
			continue;
		for (j = i + 1; j <= r->n_rules; j++) {
			const char *tj = j < r->n_rules ? r->rules[j].topic : r->default_topic;
			enum sl_route_format fj = j < r->n_rules &&
				r->rules[j].format != SL_FORMAT_DEFAULT ?
				r->rules[j].format : r->default_format;

			if (fi != fj && strcmp(ti, tj) == 0) {
				snprintf(why, whylen,
					 "[routing] topic %s gets both record and envelope routes: give each format its own topics",
					 ti);
				return 1;
			}
		}
	}
	return 0;
}

__attribute__((format(printf, 4, 5)))
static void
validate_error(const struct sl_config *c, char *err, size_t errlen,
	       const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (c->path[0] != '\0')
		snprintf(err, errlen, "%s: %s", c->path, reason);
	else
		snprintf(err, errlen, "%s", reason);
}

/* Returns 1 when some port carries the (non-wildcard) listen address. */
static int
listen_on_port(const struct sl_config *c)
{
	unsigned i;

	for (i = 0; i < c->n_ports; i++) {
		const struct sl_config_port *p = &c->ports[i];

		if (c->listen.family == AF_INET && p->has_ip4 &&
		    memcmp(&p->ip4, c->listen.ip, 4) == 0)
			return 1;
		if (c->listen.family == AF_INET6 && p->has_ip6 &&
		    memcmp(p->ip6, c->listen.ip, 16) == 0)
			return 1;
	}
	return 0;
}

/* An envelope holds up to batch_bytes plus one largest record before it
 * is sealed; sealed, it must fit Kafka's message.max.bytes or every
 * message in it fails. Returns 0, or -1 with the reason in why. */
static int
envelopes_fit(const struct sl_config *c, char *why, size_t whylen)
{
	unsigned long long max = 1000000;   /* librdkafka's default */
	size_t sealed;
	unsigned i;
	int used = c->router.default_format == SL_FORMAT_ENVELOPE;

	for (i = 0; i < c->router.n_rules; i++)
		used |= c->router.rules[i].format == SL_FORMAT_ENVELOPE;
	if (!used)
		return 0;
	for (i = 0; i < c->n_kafka_props; i++)
		if (strcmp(c->kafka_props[i].key, "message.max.bytes") == 0)
			max = strtoull(c->kafka_props[i].value, NULL, 10);
	sealed = sl_envelope_sealed_bound(c->env_batch_bytes +
					  sl_envelope_record_size(c->max_message));
	if (sealed <= max)
		return 0;
	snprintf(why, whylen,
		 "[envelope] batch_bytes = %u: an envelope may reach %zu bytes sealed (batch_bytes, one record of max_message, header), more than [kafka.producer] message.max.bytes = %llu; lower batch_bytes or raise message.max.bytes (and the brokers' limit)",
		 c->env_batch_bytes, sealed, max);
	return -1;
}

/* Returns 1 when a is in 127.0.0.0/8, is ::1, or is an IPv4-mapped
 * loopback address. */
static int
is_loopback(const struct sl_addr *a)
{
	static const uint8_t v6_loop[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->family == AF_INET)
		return a->ip[0] == 127;
	return memcmp(a->ip, v6_loop, sizeof(v6_loop)) == 0 ||
	       (memcmp(a->ip, v4_mapped, sizeof(v4_mapped)) == 0 &&
		a->ip[12] == 127);
}

/* The HTTP server takes a TCP port: not one a stream listener has.
 * Returns 0, or -1 with the error in err. */
static int
http_clash(const struct sl_config *c, char *err, size_t errlen)
{
	const struct {
		const char *name;
		const struct sl_config_stream *st;
	} in[] = {
		{ "input.tcp", &c->tcp },
		{ "input.tls", &c->tls_in },
		{ "input.relp", &c->relp },
	};
	char listen[SL_ADDR_STRLEN];
	unsigned i;

	for (i = 0; c->http_enabled && i < sizeof(in) / sizeof(in[0]); i++) {
		if (in[i].st->enabled &&
		    memcmp(&in[i].st->listen, &c->http_listen,
			   sizeof(c->http_listen)) == 0) {
			sl_addr_format(&c->http_listen, listen);
			validate_error(c, err, errlen,
				       "[%s] and [http] both listen on %s",
				       in[i].name, listen);
			return -1;
		}
	}
	return 0;
}

unsigned
sl_config_stream_lcores(const struct sl_config *c)
{
	return c->tcp.enabled || c->tls_in.enabled || c->relp.enabled ?
	       c->stream_lcores : 0;
}

/* The stream listeners: distinct addresses, TLS material where TLS is
 * on. Returns 0, or -1 with the error in err. */
static int
validate_streams(const struct sl_config *c, char *err, size_t errlen)
{
	const struct {
		const char *name;
		const struct sl_config_stream *st;
	} in[] = {
		{ "input.tcp", &c->tcp },
		{ "input.tls", &c->tls_in },
		{ "input.relp", &c->relp },
	};
	char listen[SL_ADDR_STRLEN];
	unsigned i, j;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		if (!in[i].st->enabled)
			continue;
		for (j = 0; j < i; j++) {
			if (in[j].st->enabled &&
			    memcmp(&in[j].st->listen, &in[i].st->listen,
				   sizeof(in[i].st->listen)) == 0) {
				sl_addr_format(&in[i].st->listen, listen);
				validate_error(c, err, errlen,
					       "[%s] and [%s] both listen on %s",
					       in[j].name, in[i].name, listen);
				return -1;
			}
		}
		if (in[i].st->tls &&
		    (c->tls_cert[0] == '\0' || c->tls_key[0] == '\0')) {
			validate_error(c, err, errlen,
				       "[%s] uses TLS: [tls] cert and key are required",
				       in[i].name);
			return -1;
		}
	}
	if (c->tls_verify != SL_TLS_VERIFY_NONE && c->tls_ca[0] == '\0') {
		validate_error(c, err, errlen,
			       "[tls] verify_client needs ca (the certificates clients are checked against)");
		return -1;
	}
	return 0;
}

int
sl_config_validate(const struct sl_config *c, char *err, size_t errlen)
{
	uint64_t need, rx_desc = 0;
	char listen[SL_ADDR_STRLEN], why[400];
	unsigned i, j, lcores, segs;

	if (c->driver == SL_DRIVER_DPDK && c->n_ports == 0) {
		validate_error(c, err, errlen,
			       "[input.udp] driver = dpdk needs at least one [port.NAME] section");
		return -1;
	}
	if (c->driver == SL_DRIVER_SOCKET && c->n_ports > 0) {
		validate_error(c, err, errlen,
			       "[port.%s]: ports are used only with [input.udp] driver = dpdk (driver is socket)",
			       c->ports[0].name);
		return -1;
	}
	if (c->mode == SL_MODE_RUN_TO_COMPLETION && c->workers != c->rx_lcores) {
		validate_error(c, err, errlen,
			       "[dataplane] workers = %u but rx_lcores = %u: in mode run-to-completion each lcore receives and works, so they must be equal (or use mode = pipeline)",
			       c->workers, c->rx_lcores);
		return -1;
	}
	if (c->burst >= c->ring_size) {
		validate_error(c, err, errlen,
			       "[dataplane] burst = %u must be smaller than ring_size = %u",
			       c->burst, c->ring_size);
		return -1;
	}
	for (i = 0; i < c->n_ports; i++) {
		const struct sl_config_port *p = &c->ports[i];

		if (p->devargs[0] == '\0') {
			validate_error(c, err, errlen,
				       "[port.%s] devargs is required", p->name);
			return -1;
		}
		if (!p->has_ip4 && !p->has_ip6 && !c->listen_any) {
			validate_error(c, err, errlen,
				       "[port.%s] needs address or address6 (or [input.udp] listen on 0.0.0.0 or ::)",
				       p->name);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(c->ports[j].devargs, p->devargs) == 0) {
				validate_error(c, err, errlen,
					       "[port.%s] and [port.%s] have the same devargs \"%s\"",
					       c->ports[j].name, p->name,
					       p->devargs);
				return -1;
			}
		}
		if (p->exception[0] != '\0' && !p->has_ip4 && !p->has_ip6) {
			validate_error(c, err, errlen,
				       "[port.%s] exception needs address or address6 (the kernel interface gets them)",
				       p->name);
			return -1;
		}
		for (j = 0; j < i && p->exception[0] != '\0'; j++) {
			if (strcmp(c->ports[j].exception, p->exception) == 0) {
				validate_error(c, err, errlen,
					       "[port.%s] and [port.%s] have the same exception interface \"%s\"",
					       c->ports[j].name, p->name,
					       p->exception);
				return -1;
			}
		}
		rx_desc += p->rx_desc;
	}
	if (c->driver == SL_DRIVER_DPDK && !c->listen_any && !listen_on_port(c)) {
		sl_addr_format_ip(&c->listen, listen);
		validate_error(c, err, errlen,
			       "[input.udp] listen address %s is not the address of any port (set it as a port's address or address6, or listen on 0.0.0.0 or ::)",
			       listen);
		return -1;
	}
	for (i = 0; i < c->router.n_rules; i++) {
		if (c->router.rules[i].topic[0] == '\0') {
			validate_error(c, err, errlen,
				       "[route.%s] topic is required",
				       c->router.rules[i].name);
			return -1;
		}
	}
	if (c->kafka_producers > c->workers) {
		validate_error(c, err, errlen,
			       "[kafka] producers = %u is more than the %u worker(s): each producer serves at least one worker",
			       c->kafka_producers, c->workers);
		return -1;
	}
	if (c->kafka_producers != 0 && c->kafka_producers < c->workers) {
		/* A shared producer's reports for other workers wait in their
		 * settle rings (2^21 entries): what librdkafka may hold must
		 * fit, twice over for the purge at shutdown. */
		for (i = 0; i < c->n_kafka_props; i++) {
			if (strcmp(c->kafka_props[i].key, "queue.buffering.max.messages") == 0 &&
			    strtoull(c->kafka_props[i].value, NULL, 10) > 1000000) {
				validate_error(c, err, errlen,
					       "[kafka.producer] queue.buffering.max.messages above 1000000 needs one producer per worker ([kafka] producers = 0)");
				return -1;
			}
		}
	}
	if (mixed_formats(&c->router, why, sizeof(why))) {
		validate_error(c, err, errlen, "%s", why);
		return -1;
	}
	if (envelopes_fit(c, why, sizeof(why)) != 0) {
		validate_error(c, err, errlen, "%s", why);
		return -1;
	}
	if (c->env_encryption != SL_ENCRYPTION_OFF && c->env_key_file[0] == '\0') {
		validate_error(c, err, errlen,
			       "[envelope] encryption needs key_file (make one with sluice-keygen)");
		return -1;
	}
	if (validate_streams(c, err, errlen) != 0)
		return -1;
	if (http_clash(c, err, errlen) != 0)
		return -1;
	if (c->http_enabled && !c->http_public && !is_loopback(&c->http_listen)) {
		sl_addr_format(&c->http_listen, listen);
		validate_error(c, err, errlen,
			       "[http] listen = %s is not a loopback address: set [http] public = yes to serve the metrics and dashboard there (and token only if mutations over HTTP are wanted)",
			       listen);
		return -1;
	}
	/* A message longer than one mbuf is a chain (reassembled datagrams,
	 * stream messages), of at most SL_MAX_SEGS segments. */
	segs = (c->max_message + (c->mbuf_size - RTE_PKTMBUF_HEADROOM) - 1) /
	       (c->mbuf_size - RTE_PKTMBUF_HEADROOM);
	if (segs > SL_MAX_SEGS) {
		validate_error(c, err, errlen,
			       "[dataplane] max_message = %u needs %u mbufs of mbuf_size = %u (%u bytes of data each), more than the %u of a chain: raise mbuf_size or lower max_message",
			       c->max_message, segs, c->mbuf_size,
			       c->mbuf_size - RTE_PKTMBUF_HEADROOM, SL_MAX_SEGS);
		return -1;
	}
	/* Every RX queue full, every ring (one per receive lcore and worker
	 * pair) full and every lcore holding a burst plus a full mempool
	 * cache: below this the pool can run dry with nothing wrong but the
	 * size. Stream lcores have a pool of their own ([stream] mbufs): a
	 * dry one only makes them wait, as full rings do. */
	lcores = c->rx_lcores +
		 (c->mode == SL_MODE_PIPELINE ? c->workers : 0);
	/* An exception interface (net_tap) fills its receive queues, one
	 * per receive lcore, from the same pool. */
	for (i = 0; i < c->n_ports; i++)
		if (c->ports[i].exception[0] != '\0')
			rx_desc += SL_EXCEPTION_RX_DESC;
	need = (uint64_t)c->rx_lcores * rx_desc +
	       (uint64_t)c->rx_lcores * c->workers * c->ring_size +
	       (uint64_t)lcores * (c->burst + c->mbuf_cache);
	if (c->mbufs < need) {
		validate_error(c, err, errlen,
			       "[dataplane] mbufs = %u is too small: needs at least %llu (rx_lcores x sum of ports' rx_desc + rx_lcores x workers x ring_size + lcores x (burst + mbuf_cache))",
			       c->mbufs, (unsigned long long)need);
		return -1;
	}
	return 0;
}
