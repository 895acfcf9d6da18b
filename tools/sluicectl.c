/* sluicectl: the operator's command line of a running sluiced. It speaks
 * the /sluice/ commands of sluiced's DPDK telemetry socket
 * (docs/telemetry.md): prints status, sources, sites, ports, workers,
 * Kafka producers, routes and rings as tables (or the raw JSON answers
 * with --json), reloads the configuration, drains the box, pauses and
 * resumes a sending host, and shows a live view of the busiest hosts. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sl_args.h"
#include "sl_ctl_client.h"
#include "sl_ctl_table.h"

#define CTL_EXIT_OK 0
#define CTL_EXIT_ERROR 1
#define CTL_EXIT_USAGE 2

/* How long one answer may take; a probe while looking for sluiced. */
#define CTL_TIMEOUT_MS 5000
#define CTL_PROBE_MS 1000
/* sluiced answers at most this many sources (docs/telemetry.md). */
#define CTL_MAX_TOP 100
#define CTL_DEFAULT_WAIT_S 60.0
#define CTL_MAX_SECONDS 86400.0
/* How often drain looks at the state. */
#define CTL_DRAIN_POLL_MS 200
/* Lines of a watch frame that are not source rows. */
#define CTL_WATCH_CHROME 5
#define CTL_WATCH_TOP_PIPE 10

/* Options that belong to one command or another, one bit each, so a
 * command can refuse the ones it does not take. */
enum ctl_opt {
	CTL_OPT_SITE = 1u << 0,
	CTL_OPT_SORT = 1u << 1,
	CTL_OPT_TOP = 1u << 2,
	CTL_OPT_WAIT = 1u << 3,
	CTL_OPT_INTERVAL = 1u << 4,
	CTL_OPT_COUNT = 1u << 5,
};

/* Parsed command line. Strings point into argv or are NULL when not
 * given; numbers are in the ranges parse_args() enforces (top
 * 1..CTL_MAX_TOP or 0 for "not given", wait_s and interval_s above 0);
 * given has a bit per command option that appeared. */
struct ctl_args {
	const char *prefix;
	const char *socket;
	const char *runtime_dir;
	int json;
	const char *site;
	const char *sort;
	unsigned top;
	double wait_s;
	double interval_s;
	uint64_t count;
	unsigned given;
	const char *command;
	const char *ip;
};

struct ctl_command {
	const char *name;
	unsigned opts;
	int takes_ip;
	int (*run)(struct sl_ctl_conn *c, const struct ctl_args *a);
};

static volatile sig_atomic_t ctl_stop;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sluicectl [--prefix P | --socket PATH] [--runtime-dir DIR] "
		"[--json] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  status                       state and totals of sluiced\n"
		"  sources [--site S] [--sort unacked|lag|rate|in] [--top N]\n"
		"                               sending hosts: unacknowledged, "
		"lag, rate\n"
		"  sites                        hosts, unacknowledged and lag per site\n"
		"  ports                        DPDK ports (none with the socket driver)\n"
		"  workers                      per-worker counters\n"
		"  kafka                        Kafka producers: in flight, failures\n"
		"  routes                       routing rules, in order\n"
		"  rings                        ring fill levels\n"
		"  reload                       read the configuration file again\n"
		"  drain [--wait S]             stop input, deliver everything, wait "
		"(default 60 s)\n"
		"                               until nothing is unacknowledged\n"
		"  pause-source IP              drop (counted) the messages of host IP\n"
		"  resume-source IP             end a pause\n"
		"  watch [--interval S] [--count N] [--top N]\n"
		"                               live view: rates and the hosts with "
		"the most lag\n"
		"\n"
		"Options:\n"
		"  --prefix P        the sluiced of EAL file prefix P ([eal] file_prefix)\n"
		"  --socket PATH     its telemetry socket "
		"(DIR/P/" SL_CTL_SOCKET_NAME ")\n"
		"  --runtime-dir DIR DPDK's runtime directory (default "
		SL_CTL_RUNTIME_DIR ", where DPDK\n"
		"                    keeps it for root; $XDG_RUNTIME_DIR/dpdk or "
		"/tmp/dpdk for other users)\n"
		"  --json            print sluiced's JSON answer as it came\n"
		"  --help            show this help\n"
		"\n"
		"Without --prefix or --socket, sluicectl talks to the one sluiced "
		"running here.\n"
		"Exit status: 0 done, 1 sluiced reported an error or is not reachable, "
		"2 bad usage.\n");
}

static void
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("sluicectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_signal(int sig)
{
	(void)sig;
	ctl_stop = 1;
}

/* Sleeps s seconds or until SIGINT/SIGTERM. */
static void
pause_s(double s)
{
	struct timespec ts = {
		.tv_sec = (time_t)s,
		.tv_nsec = (long)((s - (double)(time_t)s) * 1e9),
	};

	if (!ctl_stop)
		nanosleep(&ts, NULL);
}

/* A counter of an answer: a non-negative integer, 0 when absent. */
static uint64_t
num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return (uint64_t)json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) >= 0.0)
		return (uint64_t)json_real_value(v);
	return 0;
}

/* A string of an answer, "" when absent. */
static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* Entry i of a dict keyed by position ("0", "1", ...), or NULL. */
static json_t *
nth(json_t *o, unsigned i)
{
	char key[16];
	json_t *v;

	snprintf(key, sizeof(key), "%u", i);
	v = json_object_get(o, key);
	return json_is_object(v) ? v : NULL;
}

/* Sends one command; prints the error and returns CTL_EXIT_ERROR on
 * failure, else 0 with *v set (the caller json_decref()s it). */
static int
request(struct sl_ctl_conn *c, const char *cmd, const char *params,
	json_t **v)
{
	char err[512];

	if (sl_ctl_request(c, cmd, params, v, err, sizeof(err)) != SL_CTL_OK) {
		fail("%s", err);
		return CTL_EXIT_ERROR;
	}
	if (!json_is_object(*v)) {
		json_decref(*v);
		fail("%s: the answer to %s is not an object", c->path, cmd);
		return CTL_EXIT_ERROR;
	}
	return 0;
}

static void
print_raw(const struct sl_ctl_conn *c)
{
	fwrite(c->buf, 1, c->len, stdout);
	fputc('\n', stdout);
}

/* Prints t, or note under the header when it has no rows. */
static int
print_table(struct sl_ctl_table *t, const char *note)
{
	int rc = sl_ctl_table_print(t, stdout);

	if (rc == 0 && sl_ctl_table_rows(t) == 0 && note != NULL)
		printf("(%s)\n", note);
	sl_ctl_table_free(t);
	if (rc != 0) {
		fail("out of memory");
		return CTL_EXIT_ERROR;
	}
	return CTL_EXIT_OK;
}

/* Runs a read-only command: --json prints the answer, else show() does. */
static int
show_command(struct sl_ctl_conn *c, const struct ctl_args *a,
	     const char *cmd, const char *params, int (*show)(json_t *v))
{
	json_t *v;
	int rc = request(c, cmd, params, &v);

	if (rc != 0)
		return rc;
	if (a->json)
		print_raw(c);
	else
		rc = show(v);
	json_decref(v);
	return rc;
}

static int
show_status(json_t *v)
{
	char up[SL_CTL_HUMAN_LEN];

	printf("%-14s %s\n", "state", str(v, "state"));
	printf("%-14s %s\n", "version", str(v, "version"));
	printf("%-14s %" PRIu64 "\n", "pid", num(v, "pid"));
	printf("%-14s %s\n", "file prefix", str(v, "file_prefix"));
	printf("%-14s %s\n", "config", str(v, "config"));
	printf("%-14s %s\n", "uptime", sl_ctl_human_ms(num(v, "uptime_s") * 1000, up));
	printf("%-14s %s, %s driver\n", "mode", str(v, "mode"), str(v, "driver"));
	printf("%-14s %" PRIu64 " receive, %" PRIu64 " worker, %" PRIu64 " stream\n",
	       "lcores", num(v, "rx_lcores"), num(v, "workers"),
	       num(v, "stream_lcores"));
	printf("%-14s %s\n", "kafka", str(v, "kafka"));
	printf("%-14s %" PRIu64 "\n", "msg_in", num(v, "msg_in"));
	printf("%-14s %" PRIu64 "\n", "delivered", num(v, "kafka_delivered"));
	printf("%-14s %" PRIu64 "\n", "unacked", num(v, "unacked"));
	printf("%-14s %" PRIu64 "\n", "dropped", num(v, "dropped"));
	printf("%-14s %" PRIu64 "\n", "sources", num(v, "sources"));
	printf("%-14s %" PRIu64 "\n", "reloads", num(v, "reloads"));
	printf("%-14s %" PRIu64 "\n", "reload_errors", num(v, "reload_errors"));
	printf("%-14s %s\n", "last_reload", str(v, "last_reload"));
	return CTL_EXIT_OK;
}

static int
run_status(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	return show_command(c, a, "/sluice/status", NULL, show_status);
}

static const char *
site_name(const char *site)
{
	return site[0] != '\0' ? site : "-";
}

static int
show_sources(json_t *v)
{
	static const struct sl_ctl_col cols[] = {
		{ "IP", 0 }, { "HOST", 0 }, { "SITE", 0 }, { "W", 1 },
		{ "IN", 1 }, { "RATE/S", 1 }, { "UNACKED", 1 }, { "LAG", 1 },
		{ "DELIVERED", 1 }, { "FAILED", 1 }, { "DROPPED", 1 },
		{ "BYTES", 1 }, { "SEEN", 1 }, { "STATE", 0 },
	};
	char h[6][SL_CTL_HUMAN_LEN];
	struct sl_ctl_table t;
	json_t *s;
	unsigned i;
	int rc;

	if (json_is_string(json_object_get(v, "error"))) {
		fail("sources: %s", str(v, "error"));
		return CTL_EXIT_ERROR;
	}
	sl_ctl_table_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; (s = nth(v, i)) != NULL; i++) {
		sl_ctl_table_cell(&t, "%s", str(s, "ip"));
		sl_ctl_table_cell(&t, "%s", site_name(str(s, "host")));
		sl_ctl_table_cell(&t, "%s", site_name(str(s, "site")));
		sl_ctl_table_cell(&t, "%" PRIu64, num(s, "worker"));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(s, "in"), h[0]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(s, "rate"), h[1]));
		sl_ctl_table_cell(&t, "%" PRIu64, num(s, "unacked"));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human_ms(num(s, "lag_ms"), h[2]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(s, "delivered"), h[3]));
		sl_ctl_table_cell(&t, "%" PRIu64, num(s, "failed"));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(s, "dropped"), h[4]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human_bytes(num(s, "bytes"), h[5]));
		sl_ctl_table_cell(&t, "%" PRIu64 "s ago", num(s, "last_seen_s"));
		sl_ctl_table_cell(&t, "%s", num(s, "paused") != 0 ? "paused" : "");
	}
	rc = print_table(&t, "no source matches");
	if (rc == CTL_EXIT_OK)
		printf("%u of %" PRIu64 " source(s); %" PRIu64 " site(s) in all\n",
		       i, num(v, "total"), num(v, "sites"));
	return rc;
}

static int
run_sources(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	char params[SL_CTL_MAX_REQUEST] = "";
	size_t len = 0;
	json_t *v;
	int rc;

	if (a->site != NULL)
		len += (size_t)snprintf(params + len, sizeof(params) - len,
					"site=%s;", a->site);
	if (a->sort != NULL && len < sizeof(params))
		len += (size_t)snprintf(params + len, sizeof(params) - len,
					"sort=%s;", a->sort);
	if (a->top != 0 && len < sizeof(params))
		len += (size_t)snprintf(params + len, sizeof(params) - len,
					"top=%u;", a->top);
	if (len >= sizeof(params)) {
		fail("--site too long");
		return CTL_EXIT_USAGE;
	}
	if (len > 0)
		params[len - 1] = '\0';
	rc = request(c, "/sluice/sources", params, &v);
	if (rc != 0)
		return rc;
	if (a->json) {
		print_raw(c);
		if (json_is_string(json_object_get(v, "error"))) {
			fail("sources: %s", str(v, "error"));
			rc = CTL_EXIT_ERROR;
		}
	} else {
		rc = show_sources(v);
	}
	json_decref(v);
	return rc;
}

static int
show_sites(json_t *v)
{
	static const struct sl_ctl_col cols[] = {
		{ "SITE", 0 }, { "HOSTS", 1 }, { "IN", 1 }, { "RATE/S", 1 },
		{ "UNACKED", 1 }, { "LAG", 1 },
	};
	char h[3][SL_CTL_HUMAN_LEN];
	struct sl_ctl_table t;
	json_t *s;
	unsigned i;

	sl_ctl_table_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; (s = nth(v, i)) != NULL; i++) {
		sl_ctl_table_cell(&t, "%s", site_name(str(s, "site")));
		sl_ctl_table_cell(&t, "%" PRIu64, num(s, "hosts"));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(s, "in"), h[0]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(s, "rate"), h[1]));
		sl_ctl_table_cell(&t, "%" PRIu64, num(s, "unacked"));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human_ms(num(s, "lag_ms"), h[2]));
	}
	return print_table(&t, "no sources yet");
}

static int
run_sites(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	return show_command(c, a, "/sluice/sites", NULL, show_sites);
}

static int
show_ports(json_t *v)
{
	static const struct sl_ctl_col cols[] = {
		{ "PORT", 1 }, { "NAME", 0 }, { "DRIVER", 0 }, { "RX PKTS", 1 },
		{ "RX BYTES", 1 }, { "TX PKTS", 1 }, { "TX BYTES", 1 },
		{ "MISSED", 1 }, { "ERRORS", 1 }, { "NOMBUF", 1 },
		{ "EXCEPTION", 0 },
	};
	char h[4][SL_CTL_HUMAN_LEN];
	struct sl_ctl_table t;
	const char *key;
	json_t *p;

	sl_ctl_table_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	json_object_foreach(v, key, p) {
		if (!json_is_object(p))
			continue;
		sl_ctl_table_cell(&t, "%" PRIu64, num(p, "port_id"));
		sl_ctl_table_cell(&t, "%s", str(p, "name"));
		sl_ctl_table_cell(&t, "%s", str(p, "driver"));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(p, "ipackets"), h[0]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human_bytes(num(p, "ibytes"), h[1]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(p, "opackets"), h[2]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human_bytes(num(p, "obytes"), h[3]));
		sl_ctl_table_cell(&t, "%" PRIu64, num(p, "imissed"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(p, "ierrors"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(p, "rx_nombuf"));
		sl_ctl_table_cell(&t, "%s", site_name(str(p, "exception")));
	}
	return print_table(&t, "no DPDK ports: the socket driver has none");
}

static int
run_ports(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	return show_command(c, a, "/sluice/ports", NULL, show_ports);
}

static int
show_workers(json_t *v)
{
	static const struct sl_ctl_col cols[] = {
		{ "WORKER", 1 }, { "LCORE", 1 }, { "IN", 1 }, { "BYTES", 1 },
		{ "PRODUCED", 1 }, { "DELIVERED", 1 }, { "UNACKED", 1 },
		{ "QUEUE FULL", 1 }, { "DROPPED", 1 }, { "SOURCES", 1 },
		{ "EVICTED", 1 }, { "OVERFLOWED", 1 }, { "ENV SEALED", 1 },
		{ "ENV DELIVERED", 1 },
	};
	char h[4][SL_CTL_HUMAN_LEN];
	struct sl_ctl_table t;
	const char *key;
	json_t *w;

	sl_ctl_table_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	json_object_foreach(v, key, w) {
		if (!json_is_object(w))
			continue;
		sl_ctl_table_cell(&t, "%s", key);
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "lcore"));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(w, "msg_in"), h[0]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human_bytes(num(w, "msg_bytes"), h[1]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(w, "kafka_produced"), h[2]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(w, "kafka_delivered"), h[3]));
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "unacked"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "kafka_queue_full"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "dropped"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "sources"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "sources_evicted"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "sources_overflowed"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "env_sealed"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(w, "env_delivered"));
	}
	return print_table(&t, "no workers running");
}

static int
run_workers(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	return show_command(c, a, "/sluice/workers", NULL, show_workers);
}

static int
show_kafka(json_t *v)
{
	static const struct sl_ctl_col cols[] = {
		{ "PRODUCER", 1 }, { "WORKERS", 1 }, { "IN FLIGHT", 1 },
		{ "QUEUE", 1 }, { "FAILED", 1 }, { "FAILURES BY ERROR", 0 },
	};
	static const char *const known[] = {
		"workers", "in_flight", "queue_len", "failed",
	};
	struct sl_ctl_table t;
	const char *key, *ek;
	json_t *p, *ev;

	sl_ctl_table_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	json_object_foreach(v, key, p) {
		char errors[256] = "";
		size_t len = 0;

		if (!json_is_object(p))
			continue;
		json_object_foreach(p, ek, ev) {
			unsigned k;
			int n;

			for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
				if (strcmp(ek, known[k]) == 0)
					break;
			if (k < sizeof(known) / sizeof(known[0]) || len >= sizeof(errors))
				continue;
			n = snprintf(errors + len, sizeof(errors) - len, "%s%s=%" PRIu64,
				     len > 0 ? " " : "", ek, num(p, ek));
			len = n < 0 ? sizeof(errors) : len + (size_t)n;
		}
		sl_ctl_table_cell(&t, "%s", key);
		sl_ctl_table_cell(&t, "%" PRIu64, num(p, "workers"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(p, "in_flight"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(p, "queue_len"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(p, "failed"));
		sl_ctl_table_cell(&t, "%s", errors[0] != '\0' ? errors : "-");
	}
	return print_table(&t, "no Kafka producers running");
}

static int
run_kafka(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	return show_command(c, a, "/sluice/kafka", NULL, show_kafka);
}

static int
show_routes(json_t *v)
{
	static const struct sl_ctl_col cols[] = {
		{ "#", 1 }, { "NAME", 0 }, { "TOPIC", 0 }, { "FORMAT", 0 },
		{ "MATCHES", 0 },
	};
	struct sl_ctl_table t;
	json_t *r;
	unsigned i;

	sl_ctl_table_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; (r = nth(v, i)) != NULL; i++) {
		char match[512] = "";
		size_t len = 0;
		int n;

		if (json_object_get(r, "app") != NULL) {
			n = snprintf(match + len, sizeof(match) - len, " app=%s",
				     str(r, "app"));
			len = n < 0 ? sizeof(match) : len + (size_t)n;
		}
		if (json_object_get(r, "host") != NULL && len < sizeof(match)) {
			n = snprintf(match + len, sizeof(match) - len, " host=%s",
				     str(r, "host"));
			len = n < 0 ? sizeof(match) : len + (size_t)n;
		}
		if (json_object_get(r, "facility_mask") != NULL && len < sizeof(match)) {
			n = snprintf(match + len, sizeof(match) - len,
				     " facilities=0x%06" PRIx64, num(r, "facility_mask"));
			len = n < 0 ? sizeof(match) : len + (size_t)n;
		}
		if (json_object_get(r, "network") != NULL && len < sizeof(match))
			snprintf(match + len, sizeof(match) - len, " network=%s",
				 str(r, "network"));
		sl_ctl_table_cell(&t, "%u", i);
		sl_ctl_table_cell(&t, "%s", str(r, "name"));
		sl_ctl_table_cell(&t, "%s", str(r, "topic"));
		sl_ctl_table_cell(&t, "%s", str(r, "format"));
		if (match[0] != '\0')
			sl_ctl_table_cell(&t, "%s", match + 1);
		else if (strcmp(str(r, "name"), "default") == 0 && nth(v, i + 1) == NULL)
			sl_ctl_table_cell(&t, "(all other messages)");
		else
			sl_ctl_table_cell(&t, "(every message)");
	}
	return print_table(&t, "no routes");
}

static int
run_routes(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	return show_command(c, a, "/sluice/routes", NULL, show_routes);
}

static int
show_rings(json_t *v)
{
	static const struct sl_ctl_col cols[] = {
		{ "RING", 0 }, { "PRODUCER", 1 }, { "WORKER", 1 }, { "COUNT", 1 },
		{ "CAPACITY", 1 }, { "FILL", 1 },
	};
	struct sl_ctl_table t;
	const char *key;
	json_t *r;

	sl_ctl_table_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	json_object_foreach(v, key, r) {
		uint64_t cap = num(r, "capacity"), count = num(r, "count");

		if (!json_is_object(r))
			continue;
		sl_ctl_table_cell(&t, "%s", key);
		sl_ctl_table_cell(&t, "%" PRIu64, num(r, "producer"));
		sl_ctl_table_cell(&t, "%" PRIu64, num(r, "worker"));
		sl_ctl_table_cell(&t, "%" PRIu64, count);
		sl_ctl_table_cell(&t, "%" PRIu64, cap);
		sl_ctl_table_cell(&t, "%.0f%%",
				  cap > 0 ? (double)count * 100.0 / (double)cap : 0.0);
	}
	return print_table(&t, "no rings");
}

static int
run_rings(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	return show_command(c, a, "/sluice/rings", NULL, show_rings);
}

/* A mutation's answer: {"result": "ok"|..., "error": "..."}. Prints it
 * (raw with --json); returns CTL_EXIT_ERROR with the error on stderr
 * unless result is want. */
static int
mutation(struct sl_ctl_conn *c, const struct ctl_args *a, const char *cmd,
	 const char *params, const char *want, json_t **answer)
{
	json_t *v;
	int rc = request(c, cmd, params, &v);

	if (rc != 0)
		return rc;
	if (a->json)
		print_raw(c);
	if (strcmp(str(v, "result"), want) != 0) {
		const char *e = str(v, "error");

		fail("%s: %s", a->command,
		     e[0] != '\0' ? e : "sluiced refused it without a reason");
		json_decref(v);
		return CTL_EXIT_ERROR;
	}
	*answer = v;
	return CTL_EXIT_OK;
}

static int
run_reload(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	json_t *v;
	int rc = mutation(c, a, "/sluice/reload", NULL, "ok", &v);

	if (rc != 0)
		return rc;
	if (!a->json) {
		printf("reload: ok\n");
		if (str(v, "restart_needed")[0] != '\0')
			printf("changed, applied only after a restart: %s\n",
			       str(v, "restart_needed"));
	}
	json_decref(v);
	return CTL_EXIT_OK;
}

static int
run_pause(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	int pause = strcmp(a->command, "pause-source") == 0;
	json_t *v;
	int rc;

	rc = mutation(c, a, pause ? "/sluice/pause_source" : "/sluice/resume_source",
		      a->ip, "ok", &v);
	if (rc != 0)
		return rc;
	if (!a->json)
		printf("%s %s\n", pause ? "paused" : "resumed", a->ip);
	json_decref(v);
	return CTL_EXIT_OK;
}

static int
run_drain(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	double wait_s = a->given & CTL_OPT_WAIT ? a->wait_s : CTL_DEFAULT_WAIT_S;
	double deadline = now_s() + wait_s;
	struct ctl_args quiet = *a;
	json_t *v;
	int rc;

	/* --json prints the final state, not the "draining" acknowledgement. */
	quiet.json = 0;
	rc = mutation(c, &quiet, "/sluice/drain", NULL, "draining", &v);
	if (rc != 0)
		return rc;
	json_decref(v);
	for (;;) {
		const char *state;
		uint64_t unacked;

		rc = request(c, "/sluice/status", NULL, &v);
		if (rc != 0)
			return rc;
		state = str(v, "state");
		unacked = num(v, "unacked");
		if (strcmp(state, "drained") == 0) {
			if (a->json)
				print_raw(c);
			else
				printf("drained: %" PRIu64 " message(s) unacknowledged\n",
				       unacked);
			json_decref(v);
			if (unacked > 0) {
				fail("drained with %" PRIu64 " message(s) unacknowledged "
				     "(the [shutdown] drain bound ran out)", unacked);
				return CTL_EXIT_ERROR;
			}
			return CTL_EXIT_OK;
		}
		if (strcmp(state, "draining") != 0 && strcmp(state, "running") != 0) {
			fail("sluiced is %s, not draining (stopped meanwhile?)", state);
			json_decref(v);
			return CTL_EXIT_ERROR;
		}
		json_decref(v);
		if (ctl_stop || now_s() >= deadline) {
			fail("still draining after %.1f s: %" PRIu64
			     " message(s) unacknowledged", wait_s, unacked);
			return CTL_EXIT_ERROR;
		}
		pause_s(CTL_DRAIN_POLL_MS / 1000.0);
	}
}

/* Rows of the terminal on stdout, 0 when unknown. */
static unsigned
terminal_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_row;
}

/* A per-second rate of a counter between two reads, or "-". */
static const char *
rate(uint64_t now, uint64_t before, double dt, int have_before,
     char out[SL_CTL_HUMAN_LEN])
{
	if (!have_before || now < before || dt <= 0.0)
		return "-";
	return sl_ctl_human((uint64_t)((double)(now - before) / dt + 0.5), out);
}

/* The previous status read of watch, for its rates. */
struct watch_prev {
	int have;
	double at;
	uint64_t msg_in;
	uint64_t delivered;
};

static int
watch_frame(struct sl_ctl_conn *c, unsigned top, struct watch_prev *prev)
{
	static const struct sl_ctl_col cols[] = {
		{ "HOST", 0 }, { "IP", 0 }, { "SITE", 0 }, { "UNACKED", 1 },
		{ "LAG", 1 }, { "RATE/S", 1 }, { "IN", 1 }, { "STATE", 0 },
	};
	char params[32], h[6][SL_CTL_HUMAN_LEN], clock[16];
	struct sl_ctl_table t;
	json_t *st, *src;
	json_t *s;
	struct tm tm;
	time_t wall;
	double at;
	unsigned i;
	int rc;

	rc = request(c, "/sluice/status", NULL, &st);
	if (rc != 0)
		return rc;
	at = now_s();
	snprintf(params, sizeof(params), "sort=lag;top=%u", top);
	rc = request(c, "/sluice/sources", params, &src);
	if (rc != 0) {
		json_decref(st);
		return rc;
	}
	wall = time(NULL);
	if (localtime_r(&wall, &tm) == NULL ||
	    strftime(clock, sizeof(clock), "%H:%M:%S", &tm) == 0)
		snprintf(clock, sizeof(clock), "-");
	printf("sluiced %s (pid %" PRIu64 ")  %s  up %s  %s\n",
	       str(st, "file_prefix"), num(st, "pid"), str(st, "state"),
	       sl_ctl_human_ms(num(st, "uptime_s") * 1000, h[0]), clock);
	printf("in %s msg/s  delivered %s msg/s  unacked %" PRIu64 "  dropped %"
	       PRIu64 "  sources %" PRIu64 " in %" PRIu64 " site(s)\n\n",
	       rate(num(st, "msg_in"), prev->msg_in, at - prev->at, prev->have, h[1]),
	       rate(num(st, "kafka_delivered"), prev->delivered, at - prev->at,
		    prev->have, h[2]),
	       num(st, "unacked"), num(st, "dropped"), num(src, "total"),
	       num(src, "sites"));
	prev->have = 1;
	prev->at = at;
	prev->msg_in = num(st, "msg_in");
	prev->delivered = num(st, "kafka_delivered");
	sl_ctl_table_init(&t, cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; (s = nth(src, i)) != NULL; i++) {
		sl_ctl_table_cell(&t, "%s", site_name(str(s, "host")));
		sl_ctl_table_cell(&t, "%s", str(s, "ip"));
		sl_ctl_table_cell(&t, "%s", site_name(str(s, "site")));
		sl_ctl_table_cell(&t, "%" PRIu64, num(s, "unacked"));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human_ms(num(s, "lag_ms"), h[3]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(s, "rate"), h[4]));
		sl_ctl_table_cell(&t, "%s", sl_ctl_human(num(s, "in"), h[5]));
		sl_ctl_table_cell(&t, "%s", num(s, "paused") != 0 ? "paused" : "");
	}
	json_decref(st);
	json_decref(src);
	return print_table(&t, "no sources yet");
}

static int
run_watch(struct sl_ctl_conn *c, const struct ctl_args *a)
{
	int tty = isatty(STDOUT_FILENO);
	double interval = a->given & CTL_OPT_INTERVAL ? a->interval_s : 1.0;
	struct watch_prev prev = { 0 };
	unsigned top = a->top;
	uint64_t frame;
	int rc;

	if (top == 0) {
		unsigned rows = tty ? terminal_rows() : 0;

		top = rows > CTL_WATCH_CHROME + 1 ? rows - CTL_WATCH_CHROME - 1 :
						    CTL_WATCH_TOP_PIPE;
		if (top > CTL_MAX_TOP)
			top = CTL_MAX_TOP;
	}
	for (frame = 0; !ctl_stop && (a->count == 0 || frame < a->count); frame++) {
		if (frame > 0)
			pause_s(interval);
		if (ctl_stop)
			break;
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (frame > 0)
			fputs("----\n", stdout);
		rc = watch_frame(c, top, &prev);
		fflush(stdout);
		if (rc != 0)
			return rc;
	}
	return CTL_EXIT_OK;
}

static const struct ctl_command commands[] = {
	{ "status", 0, 0, run_status },
	{ "sources", CTL_OPT_SITE | CTL_OPT_SORT | CTL_OPT_TOP, 0, run_sources },
	{ "sites", 0, 0, run_sites },
	{ "ports", 0, 0, run_ports },
	{ "workers", 0, 0, run_workers },
	{ "kafka", 0, 0, run_kafka },
	{ "routes", 0, 0, run_routes },
	{ "rings", 0, 0, run_rings },
	{ "reload", 0, 0, run_reload },
	{ "drain", CTL_OPT_WAIT, 0, run_drain },
	{ "pause-source", 0, 1, run_pause },
	{ "resume-source", 0, 1, run_pause },
	{ "watch", CTL_OPT_INTERVAL | CTL_OPT_COUNT | CTL_OPT_TOP, 0, run_watch },
};

static const char *const opt_names[] = {
	"--site", "--sort", "--top", "--wait", "--interval", "--count",
};

/* Returns the command, or NULL with a message on stderr (bad usage). */
static const struct ctl_command *
check_command(const struct ctl_args *a)
{
	const struct ctl_command *cmd = NULL;
	unsigned i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, a->command) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		fail("unknown command \"%s\"", a->command);
		return NULL;
	}
	for (i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++) {
		if ((a->given & (1u << i)) && !(cmd->opts & (1u << i))) {
			fail("%s is not an option of %s", opt_names[i], cmd->name);
			return NULL;
		}
	}
	if (cmd->takes_ip && a->ip == NULL) {
		fail("%s needs the IP address of the source", cmd->name);
		return NULL;
	}
	if (!cmd->takes_ip && a->ip != NULL) {
		fail("%s takes no argument (got \"%s\")", cmd->name, a->ip);
		return NULL;
	}
	if (cmd->run == run_watch && a->json) {
		fail("watch has no --json: use status or sources --json");
		return NULL;
	}
	return cmd;
}

/* Returns 0, 1 for --help, or -1 with a message on stderr. */
static int
parse_args(int argc, char **argv, struct ctl_args *a)
{
	static const struct option opts[] = {
		{ "prefix", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 'S' },
		{ "runtime-dir", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "site", required_argument, NULL, 's' },
		{ "sort", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(a, 0, sizeof(*a));
	a->runtime_dir = SL_CTL_RUNTIME_DIR;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			a->prefix = optarg;
			break;
		case 'S':
			a->socket = optarg;
			break;
		case 'R':
			a->runtime_dir = optarg;
			break;
		case 'j':
			a->json = 1;
			break;
		case 's':
			if (optarg[0] == '\0' || strpbrk(optarg, ";&") != NULL) {
				fail("bad --site \"%s\": a site name (\"-\" for hosts without one)",
				     optarg);
				return -1;
			}
			a->site = optarg;
			a->given |= CTL_OPT_SITE;
			break;
		case 'o':
			if (strcmp(optarg, "unacked") != 0 && strcmp(optarg, "lag") != 0 &&
			    strcmp(optarg, "rate") != 0 && strcmp(optarg, "in") != 0) {
				fail("bad --sort \"%s\": unacked, lag, rate or in", optarg);
				return -1;
			}
			a->sort = optarg;
			a->given |= CTL_OPT_SORT;
			break;
		case 't':
			if (sl_args_count(optarg, 1, CTL_MAX_TOP, &v) != 0) {
				fail("bad --top \"%s\": 1..%u", optarg, CTL_MAX_TOP);
				return -1;
			}
			a->top = (unsigned)v;
			a->given |= CTL_OPT_TOP;
			break;
		case 'w':
			if (sl_args_seconds(optarg, CTL_MAX_SECONDS, &a->wait_s) != 0) {
				fail("bad --wait \"%s\": seconds", optarg);
				return -1;
			}
			a->given |= CTL_OPT_WAIT;
			break;
		case 'i':
			if (sl_args_seconds(optarg, CTL_MAX_SECONDS, &a->interval_s) != 0) {
				fail("bad --interval \"%s\": seconds", optarg);
				return -1;
			}
			a->given |= CTL_OPT_INTERVAL;
			break;
		case 'c':
			if (sl_args_count(optarg, 1, UINT64_MAX, &a->count) != 0) {
				fail("bad --count \"%s\"", optarg);
				return -1;
			}
			a->given |= CTL_OPT_COUNT;
			break;
		case 'h':
			return 1;
		default:
			fail("%s: unknown option, or its value is missing",
			     optind > 1 ? argv[optind - 1] : "?");
			return -1;
		}
	}
	if (optind >= argc) {
		fail("no command");
		return -1;
	}
	a->command = argv[optind++];
	if (optind < argc)
		a->ip = argv[optind++];
	if (optind < argc) {
		fail("too many arguments (\"%s\")", argv[optind]);
		return -1;
	}
	if (a->prefix != NULL && a->socket != NULL) {
		fail("--prefix and --socket both name the sluiced: give one");
		return -1;
	}
	return 0;
}

/* Connects to the sluiced the command line names, or to the only one
 * running. Returns CTL_EXIT_OK with *c open, or an exit status. */
static int
connect_sluiced(const struct ctl_args *a, struct sl_ctl_conn *c)
{
	char path[sizeof(c->path)], err[768];
	char found[SL_CTL_MAX_FOUND][SL_CTL_PREFIX_LEN];
	enum sl_ctl_error why;
	int n, i;

	if (a->socket != NULL) {
		snprintf(path, sizeof(path), "%s", a->socket);
		if (strlen(a->socket) >= sizeof(path)) {
			fail("--socket: path too long");
			return CTL_EXIT_USAGE;
		}
	} else if (a->prefix != NULL) {
		if (sl_ctl_socket_path(a->runtime_dir, a->prefix, path,
				       sizeof(path)) != 0) {
			fail("bad --prefix \"%s\": a file prefix names a directory "
			     "of %s", a->prefix, a->runtime_dir);
			return CTL_EXIT_USAGE;
		}
	} else {
		n = sl_ctl_find(a->runtime_dir, CTL_PROBE_MS, found, &why, err,
				sizeof(err));
		if (n < 0) {
			fail("%s", err);
			return CTL_EXIT_ERROR;
		}
		if (n == 0) {
			fail("no running sluiced found (looked in %s/*/%s)",
			     a->runtime_dir, SL_CTL_SOCKET_NAME);
			return CTL_EXIT_ERROR;
		}
		if (n > 1) {
			size_t len = 0;

			err[0] = '\0';
			for (i = 0; i < n && i < SL_CTL_MAX_FOUND && len < sizeof(err); i++) {
				int w = snprintf(err + len, sizeof(err) - len, "%s%s",
						 i > 0 ? ", " : "", found[i]);

				len = w < 0 ? sizeof(err) : len + (size_t)w;
			}
			fail("%d sluiced are running here (file prefixes: %s%s); "
			     "choose one with --prefix", n, err,
			     n > SL_CTL_MAX_FOUND ? ", ..." : "");
			return CTL_EXIT_ERROR;
		}
		if (sl_ctl_socket_path(a->runtime_dir, found[0], path,
				       sizeof(path)) != 0) {
			fail("%s/%s: path too long", a->runtime_dir, found[0]);
			return CTL_EXIT_ERROR;
		}
	}
	if (sl_ctl_connect(c, path, CTL_TIMEOUT_MS, err, sizeof(err)) != SL_CTL_OK) {
		fail("%s", err);
		return CTL_EXIT_ERROR;
	}
	return CTL_EXIT_OK;
}

int
main(int argc, char **argv)
{
	const struct ctl_command *cmd;
	struct sigaction sa = { .sa_handler = on_signal };
	struct sl_ctl_conn c;
	struct ctl_args a;
	int rc;

	rc = parse_args(argc, argv, &a);
	if (rc == 1) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (rc != 0 || (cmd = check_command(&a)) == NULL) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	/* No SA_RESTART: a signal ends watch's and drain's sleeps. */
	if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0) {
		fail("sigaction: %s", strerror(errno));
		return CTL_EXIT_ERROR;
	}
	rc = connect_sluiced(&a, &c);
	if (rc != CTL_EXIT_OK)
		return rc;
	rc = cmd->run(&c, &a);
	sl_ctl_close(&c);
	if (fflush(stdout) != 0) {
		fail("stdout: %s", strerror(errno));
		return CTL_EXIT_ERROR;
	}
	return rc;
}
