/* sl_verify.c: per-host accounting of sluice-blast messages read back from
 * Kafka. Hosts live in an open-addressing hash table keyed by name and
 * marker form; each host remembers the sequence numbers it has seen in a
 * bitmap cut into chunks that are allocated on first use, so a million
 * messages per host cost 125 KiB and a stray large number costs one
 * chunk, not a bitmap up to it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sl_syslog.h"
#include "sl_verify.h"

/* One chunk covers 2^16 sequence numbers: 8 KiB. */
#define VERIFY_CHUNK_SHIFT 16
#define VERIFY_CHUNK_BITS  (1ull << VERIFY_CHUNK_SHIFT)
#define VERIFY_CHUNK_WORDS (VERIFY_CHUNK_BITS / 64)
#define VERIFY_MAX_CHUNKS  ((SL_VERIFY_SEQ_MAX >> VERIFY_CHUNK_SHIFT) + 1)
#define VERIFY_FIRST_SLOTS 64

/* One simulated host. Invariants: distinct <= received; received =
 * distinct + duplicated; reordered <= distinct; bit s of the bitmap is set
 * exactly for the sequence numbers s seen, max_seq being the largest;
 * chunks[0..n_chunks) may hold NULL for chunks with no number seen. */
struct verify_host {
	uint64_t received;
	uint64_t distinct;
	uint64_t duplicated;
	uint64_t reordered;
	uint64_t max_seq;
	uint64_t **chunks;
	size_t n_chunks;
	struct sl_hist lat;
	uint32_t hash;
	enum sl_verify_form form;
	uint32_t name_len;
	uint8_t name[SL_SYSLOG_HOSTNAME_MAX];
};

/* The verifier. slots has n_slots entries, a power of two, NULL where
 * free; n_hosts are used, never more than half, so probing ends. Blast
 * messages sent before sent_after_ns are only counted in older. lat holds
 * the latencies of all hosts together, first_sent_ns the smallest send
 * time counted (0 before the first), last_stored_ms the largest record
 * time stamp among them. */
struct sl_verify {
	struct verify_host **slots;
	size_t n_slots;
	size_t n_hosts;
	uint64_t foreign;
	uint64_t sent_after_ns;
	uint64_t older;
	uint64_t counted;
	uint64_t first_sent_ns;
	uint64_t last_stored_ms;
	struct sl_hist lat;
};

/* A host and what it lost, for sorting the table. */
struct verify_row {
	const struct verify_host *h;
	uint64_t lost;
};

/* Finds lit in [p, end) where it starts a token (at p, or after a space
 * or '['). Returns a pointer to the byte after it, or NULL. */
static const uint8_t *
find_token(const uint8_t *p, const uint8_t *end, const char *lit)
{
	size_t n = strlen(lit);
	const uint8_t *start = p;

	while ((size_t)(end - p) >= n) {
		const uint8_t *m = memmem(p, (size_t)(end - p), lit, n);

		if (m == NULL)
			return NULL;
		if (m == start || m[-1] == ' ' || m[-1] == '[')
			return m + n;
		p = m + 1;
	}
	return NULL;
}

/* Reads a decimal number of 1 to 20 digits at *pp, within a pair of
 * optional double quotes, into *v. Returns 0 and advances *pp, or -1
 * when there are no digits or the number overflows 64 bits. */
static int
parse_number(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t n = 0;
	size_t digits = 0;

	if (p < end && *p == '"')
		p++;
	while (p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
		digits++;
		p++;
	}
	if (digits == 0)
		return -1;
	if (p < end && *p == '"')
		p++;
	*v = n;
	*pp = p;
	return 0;
}

int
sl_verify_parse(const uint8_t *msg, size_t len, struct sl_verify_mark *mk)
{
	const uint8_t *end = msg + len, *p, *after;
	struct sl_syslog_msg hdr;

	if (len > UINT32_MAX)
		return 0;
	if (sl_syslog_parse_min(msg, (uint32_t)len, &hdr) == SL_SYSLOG_NONE ||
	    hdr.hostname.len == 0 ||
	    hdr.hostname.len > SL_SYSLOG_HOSTNAME_MAX)
		return 0;
	after = msg + hdr.hostname.off + hdr.hostname.len;
	p = find_token(after, end, "sl@" "32473" " seq=");
	if (p != NULL) {
		mk->form = SL_VERIFY_5424;
	} else {
		p = find_token(after, end, "sl seq=");
		if (p == NULL)
			return 0;
		mk->form = SL_VERIFY_3164;
	}
	if (parse_number(&p, end, &mk->seq) < 0 ||
	    (size_t)(end - p) < 3 || memcmp(p, " t=", 3) != 0)
		return 0;
	p += 3;
	if (parse_number(&p, end, &mk->t_ns) < 0)
		return 0;
	if (mk->seq == 0 || mk->seq > SL_VERIFY_SEQ_MAX)
		return 0;
	mk->host = msg + hdr.hostname.off;
	mk->host_len = hdr.hostname.len;
	return 1;
}

struct sl_verify *
sl_verify_new(void)
{
	struct sl_verify *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	v->slots = calloc(VERIFY_FIRST_SLOTS, sizeof(*v->slots));
	if (v->slots == NULL) {
		free(v);
		return NULL;
	}
	v->n_slots = VERIFY_FIRST_SLOTS;
	return v;
}

static void
host_free(struct verify_host *h)
{
	size_t i;

	for (i = 0; i < h->n_chunks; i++)
		free(h->chunks[i]);
	free(h->chunks);
	free(h);
}

void
sl_verify_free(struct sl_verify *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n_slots; i++)
		if (v->slots[i] != NULL)
			host_free(v->slots[i]);
	free(v->slots);
	free(v);
}

/* FNV-1a over the form and the name. */
static uint32_t
host_hash(const struct sl_verify_mark *mk)
{
	uint32_t h = 2166136261u ^ (uint32_t)mk->form;
	uint32_t i;

	h *= 16777619u;
	for (i = 0; i < mk->host_len; i++) {
		h ^= mk->host[i];
		h *= 16777619u;
	}
	return h;
}

/* Doubles the table. Returns 0, or -1 when out of memory (v unchanged). */
static int
grow_slots(struct sl_verify *v)
{
	size_t n = v->n_slots * 2, i, j;
	struct verify_host **s = calloc(n, sizeof(*s));

	if (s == NULL)
		return -1;
	for (i = 0; i < v->n_slots; i++) {
		if (v->slots[i] == NULL)
			continue;
		for (j = v->slots[i]->hash & (n - 1); s[j] != NULL;
		     j = (j + 1) & (n - 1))
			;
		s[j] = v->slots[i];
	}
	free(v->slots);
	v->slots = s;
	v->n_slots = n;
	return 0;
}

/* Returns the host of mk, created when new, or NULL when out of memory. */
static struct verify_host *
find_host(struct sl_verify *v, const struct sl_verify_mark *mk)
{
	uint32_t hash = host_hash(mk);
	struct verify_host *h;
	size_t i;

	for (i = hash & (v->n_slots - 1); v->slots[i] != NULL;
	     i = (i + 1) & (v->n_slots - 1)) {
		h = v->slots[i];
		if (h->hash == hash && h->form == mk->form &&
		    h->name_len == mk->host_len &&
		    memcmp(h->name, mk->host, mk->host_len) == 0)
			return h;
	}
	if ((v->n_hosts + 1) * 2 > v->n_slots) {
		if (grow_slots(v) < 0)
			return NULL;
		for (i = hash & (v->n_slots - 1); v->slots[i] != NULL;
		     i = (i + 1) & (v->n_slots - 1))
			;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->hash = hash;
	h->form = mk->form;
	h->name_len = mk->host_len;
	memcpy(h->name, mk->host, mk->host_len);
	v->slots[i] = h;
	v->n_hosts++;
	return h;
}

/* Sets the bit of seq (1..SL_VERIFY_SEQ_MAX). Returns 1 when it was
 * clear, 0 when it was set already, -1 when out of memory. */
static int
mark_seq(struct verify_host *h, uint64_t seq)
{
	size_t ci = (size_t)(seq >> VERIFY_CHUNK_SHIFT);
	uint64_t bit = seq & (VERIFY_CHUNK_BITS - 1), mask;
	uint64_t *word;

	if (ci >= h->n_chunks) {
		size_t n = h->n_chunks ? h->n_chunks * 2 : 16;
		uint64_t **c;

		if (n <= ci)
			n = ci + 1;
		if (n > VERIFY_MAX_CHUNKS)
			n = VERIFY_MAX_CHUNKS;
		c = realloc(h->chunks, n * sizeof(*c));
		if (c == NULL)
			return -1;
		memset(c + h->n_chunks, 0, (n - h->n_chunks) * sizeof(*c));
		h->chunks = c;
		h->n_chunks = n;
	}
	if (h->chunks[ci] == NULL) {
		h->chunks[ci] = calloc(VERIFY_CHUNK_WORDS, sizeof(uint64_t));
		if (h->chunks[ci] == NULL)
			return -1;
	}
	word = &h->chunks[ci][bit / 64];
	mask = 1ull << (bit % 64);
	if (*word & mask)
		return 0;
	*word |= mask;
	return 1;
}

/* Returns how many of the sequence numbers 1..n h has seen. */
static uint64_t
count_upto(const struct verify_host *h, uint64_t n)
{
	size_t last = (size_t)(n >> VERIFY_CHUNK_SHIFT), i, w, words;
	uint64_t b = n & (VERIFY_CHUNK_BITS - 1), c = 0;

	for (i = 0; i < h->n_chunks && i <= last; i++) {
		const uint64_t *ch = h->chunks[i];

		if (ch == NULL)
			continue;
		words = i == last ? (size_t)(b / 64) : VERIFY_CHUNK_WORDS;
		for (w = 0; w < words; w++)
			c += (uint64_t)__builtin_popcountll(ch[w]);
		if (i == last) {
			uint64_t keep = b % 64 == 63 ? ~0ull :
					(1ull << (b % 64 + 1)) - 1;

			c += (uint64_t)__builtin_popcountll(ch[b / 64] & keep);
		}
	}
	return c;
}

/* What h lost under ex: the numbers it should have sent and did not. */
static uint64_t
host_lost(const struct verify_host *h, const struct sl_verify_expect *ex)
{
	uint64_t expected = ex->expect_host > 0 ? ex->expect_host : h->max_seq;
	uint64_t seen = expected >= h->max_seq ? h->distinct :
			count_upto(h, expected);

	return expected - seen;
}

void
sl_verify_sent_after(struct sl_verify *v, uint64_t t_ns)
{
	v->sent_after_ns = t_ns;
}

int
sl_verify_add(struct sl_verify *v, const uint8_t *msg, size_t len,
	      int64_t ts_ms)
{
	struct sl_verify_mark mk;
	struct verify_host *h;
	int fresh;

	if (!sl_verify_parse(msg, len, &mk)) {
		v->foreign++;
		return 0;
	}
	if (mk.t_ns < v->sent_after_ns) {
		v->older++;
		return 0;
	}
	h = find_host(v, &mk);
	if (h == NULL)
		return -1;
	fresh = mark_seq(h, mk.seq);
	if (fresh < 0)
		return -1;
	h->received++;
	v->counted++;
	if (v->first_sent_ns == 0 || mk.t_ns < v->first_sent_ns)
		v->first_sent_ns = mk.t_ns;
	if (fresh) {
		h->distinct++;
		if (mk.seq < h->max_seq)
			h->reordered++;
		else
			h->max_seq = mk.seq;
	} else {
		h->duplicated++;
	}
	if (ts_ms >= 0) {
		/* The record time stamp has millisecond resolution: a message
		 * stored within the millisecond it was sent may look older
		 * than its send time, which is 0 here. */
		uint64_t sent_us = mk.t_ns / 1000u;
		uint64_t stored_us = (uint64_t)ts_ms * 1000u;
		uint64_t us = stored_us > sent_us ? stored_us - sent_us : 0;

		sl_hist_put(&h->lat, us);
		sl_hist_put(&v->lat, us);
		if ((uint64_t)ts_ms > v->last_stored_ms)
			v->last_stored_ms = (uint64_t)ts_ms;
	}
	return 1;
}

uint64_t
sl_verify_counted(const struct sl_verify *v)
{
	return v->counted;
}

void
sl_verify_totals(const struct sl_verify *v, const struct sl_verify_expect *ex,
		 struct sl_verify_totals *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < v->n_slots; i++) {
		const struct verify_host *h = v->slots[i];

		if (h == NULL)
			continue;
		t->hosts++;
		t->received += h->received;
		t->distinct += h->distinct;
		t->duplicated += h->duplicated;
		t->reordered += h->reordered;
		t->lost += host_lost(h, ex);
	}
	/* The gaps miss hosts that lost their last messages, or never got
	 * through at all; the expected total catches those. */
	if (ex->expect_total > t->distinct &&
	    ex->expect_total - t->distinct > t->lost)
		t->lost = ex->expect_total - t->distinct;
	t->foreign = v->foreign;
	t->older = v->older;
	t->first_sent_ns = v->first_sent_ns;
	t->last_stored_ms = v->last_stored_ms;
	t->lat = v->lat;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct verify_row *x = a, *y = b;
	uint32_t n;
	int c;

	if (x->lost != y->lost)
		return x->lost > y->lost ? -1 : 1;
	if (x->h->duplicated != y->h->duplicated)
		return x->h->duplicated > y->h->duplicated ? -1 : 1;
	n = x->h->name_len < y->h->name_len ? x->h->name_len : y->h->name_len;
	c = memcmp(x->h->name, y->h->name, n);
	if (c != 0)
		return c;
	if (x->h->name_len != y->h->name_len)
		return x->h->name_len < y->h->name_len ? -1 : 1;
	return (int)x->h->form - (int)y->h->form;
}

/* Prints name padded to width, bytes outside printable ASCII as '?': the
 * names come from the network. */
static void
print_name(FILE *f, const uint8_t *name, uint32_t len, int width)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		putc(name[i] > 0x20 && name[i] < 0x7f ? name[i] : '?', f);
	for (; (int)i < width; i++)
		putc(' ', f);
}

int
sl_verify_print_hosts(FILE *f, const struct sl_verify *v,
		      const struct sl_verify_expect *ex, size_t top)
{
	struct verify_row *rows;
	size_t i, n = 0, shown;
	int width = 4;

	if (v->n_hosts == 0)
		return 0;
	rows = calloc(v->n_hosts, sizeof(*rows));
	if (rows == NULL)
		return -1;
	for (i = 0; i < v->n_slots; i++) {
		if (v->slots[i] == NULL)
			continue;
		rows[n].h = v->slots[i];
		rows[n].lost = host_lost(v->slots[i], ex);
		n++;
	}
	qsort(rows, n, sizeof(*rows), row_cmp);
	shown = n < top ? n : top;
	for (i = 0; i < shown; i++)
		if ((int)rows[i].h->name_len > width)
			width = (int)rows[i].h->name_len;
	fprintf(f, "%-*s %4s %10s %10s %10s %8s %8s %9s %9s %9s\n", width,
		"host", "form", "received", "distinct", "lost", "dup", "reord",
		"p50_ms", "p99_ms", "max_ms");
	for (i = 0; i < shown; i++) {
		const struct verify_host *h = rows[i].h;

		print_name(f, h->name, h->name_len, width);
		fprintf(f, " %4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			" %8" PRIu64 " %8" PRIu64 " %9.3f %9.3f %9.3f\n",
			h->form == SL_VERIFY_5424 ? "5424" : "3164",
			h->received, h->distinct, rows[i].lost, h->duplicated,
			h->reordered,
			(double)sl_hist_quantile(&h->lat, 0.5) / 1000.0,
			(double)sl_hist_quantile(&h->lat, 0.99) / 1000.0,
			(double)h->lat.max / 1000.0);
	}
	if (shown < n)
		fprintf(f, "(%zu more hosts, none losing more)\n", n - shown);
	free(rows);
	return 0;
}
