/* test_verify.c: the bookkeeping of `sluice-cat --verify` (sl_verify),
 * fed with messages made by sluice-blast's own generator (sl_blast_gen)
 * so the two sides cannot drift apart, plus hand-made foreign ones.
 *
 * Every message is handed over as a heap copy of exactly its bytes, so
 * AddressSanitizer catches a read one byte past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_blast_gen.h"
#include "sl_verify.h"
#include "sl_test_copy.h"

/* 2023-11-14T22:13:20Z: the send time of every generated message, plus
 * an offset per message where latency matters. */
#define T0_NS 1700000000000000000ull
#define T0_MS ((int64_t)(T0_NS / 1000000u))

static char line_text[] = "pam_unix(sshd:session): session opened";

/* A one-line corpus in memory, and one generator per format; sites = 2
 * names host 0 site0-host0, host 1 site1-host0, host 2 site0-host1. */
struct fix {
	struct sl_blast_corpus corpus;
	size_t off[1];
	uint32_t len[1];
	struct sl_blast_gen gen[2];
	char *buf;
};

static struct fix F;

static int
setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	F.off[0] = 0;
	F.len[0] = (uint32_t)strlen(line_text);
	F.corpus.data = line_text;
	F.corpus.off = F.off;
	F.corpus.len = F.len;
	F.corpus.n_lines = 1;
	F.corpus.longest = F.len[0];
	sl_blast_gen_init(&F.gen[SL_BLAST_RFC5424], &F.corpus,
			  SL_BLAST_RFC5424, 2, 0);
	sl_blast_gen_init(&F.gen[SL_BLAST_RFC3164], &F.corpus,
			  SL_BLAST_RFC3164, 2, 0);
	F.buf = malloc(sl_blast_gen_room(&F.gen[SL_BLAST_RFC5424]));
	return F.buf == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(F.buf);
	return 0;
}

/* Hands msg[0..len) to v as an exact heap copy; returns what
 * sl_verify_add() returned. */
static int
add_bytes(struct sl_verify *v, const void *msg, size_t len, int64_t ts_ms)
{
	uint8_t *p = sl_test_copy(msg, len);
	int rc;

	rc = sl_verify_add(v, p, len, ts_ms);
	free(p);
	return rc;
}

static int
add_str(struct sl_verify *v, const char *msg, int64_t ts_ms)
{
	return add_bytes(v, msg, strlen(msg), ts_ms);
}

/* Sends one generated message of host with seq and send time t_ns;
 * asserts it is taken as a blast message. */
static void
add_gen(struct sl_verify *v, enum sl_blast_format fmt, unsigned host,
	uint64_t seq, uint64_t t_ns, int64_t ts_ms)
{
	size_t n = sl_blast_gen_next(&F.gen[fmt], host, seq, t_ns, F.buf);

	assert_int_equal(add_bytes(v, F.buf, n, ts_ms), 1);
}

static void
totals(const struct sl_verify *v, uint64_t expect_host, uint64_t expect_total,
       struct sl_verify_totals *t)
{
	struct sl_verify_expect ex = { expect_host, expect_total };

	sl_verify_totals(v, &ex, t);
}

/* What the generator writes parses back to the host, seq and t it was
 * given, in both forms; the marker is the documented one. */
static void
test_parse_generated(void **state)
{
	static const struct {
		enum sl_blast_format fmt;
		enum sl_verify_form form;
		unsigned host;
		const char *name;
		uint64_t seq;
		uint64_t t_ns;
	} c[] = {
		{ SL_BLAST_RFC5424, SL_VERIFY_5424, 0, "site0-host0", 1, T0_NS },
		{ SL_BLAST_RFC5424, SL_VERIFY_5424, 5, "site1-host2", 4242,
		  T0_NS + 123456789 },
		{ SL_BLAST_RFC5424, SL_VERIFY_5424, 2, "site0-host1",
		  SL_VERIFY_SEQ_MAX, UINT64_MAX },
		{ SL_BLAST_RFC3164, SL_VERIFY_3164, 0, "site0-host0", 1, T0_NS },
		{ SL_BLAST_RFC3164, SL_VERIFY_3164, 3, "site1-host1", 77, 0 },
	};
	struct sl_verify_mark mk;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t *p;

		n = sl_blast_gen_next(&F.gen[c[i].fmt], c[i].host, c[i].seq,
				      c[i].t_ns, F.buf);
		p = malloc(n);
		assert_non_null(p);
		memcpy(p, F.buf, n);
		memset(&mk, 0, sizeof(mk));
		assert_int_equal(sl_verify_parse(p, n, &mk), 1);
		assert_int_equal(mk.form, c[i].form);
		assert_int_equal(mk.seq, c[i].seq);
		assert_true(mk.t_ns == c[i].t_ns);
		assert_int_equal(mk.host_len, strlen(c[i].name));
		assert_memory_equal(mk.host, c[i].name, mk.host_len);
		assert_true(mk.host >= p && mk.host + mk.host_len <= p + n);
		free(p);
	}
	n = sl_blast_gen_next(&F.gen[SL_BLAST_RFC5424], 0, 9, T0_NS, F.buf);
	assert_non_null(memmem(F.buf, n, "[sl@32473 seq=\"9\" t=\"", 21));
	n = sl_blast_gen_next(&F.gen[SL_BLAST_RFC3164], 0, 9, T0_NS, F.buf);
	assert_non_null(memmem(F.buf, n, " sl seq=9 t=", 12));
}

/* Quotes are optional in either form, and the 5424 marker wins when a
 * message carries both. */
static void
test_parse_variants(void **state)
{
	struct sl_verify_mark mk;
	const char *m;

	(void)state;
	m = "<134>1 2023-11-14T22:13:20.000000Z hostA blast - - "
	    "[sl@32473 seq=12 t=34] x";
	assert_int_equal(sl_verify_parse((const uint8_t *)m, strlen(m), &mk), 1);
	assert_int_equal(mk.form, SL_VERIFY_5424);
	assert_int_equal(mk.seq, 12);
	assert_int_equal(mk.t_ns, 34);
	m = "<134>Nov 14 22:13:20 hostB blast: sl seq=\"5\" t=\"6\": x";
	assert_int_equal(sl_verify_parse((const uint8_t *)m, strlen(m), &mk), 1);
	assert_int_equal(mk.form, SL_VERIFY_3164);
	assert_int_equal(mk.seq, 5);
	assert_int_equal(mk.t_ns, 6);
	assert_int_equal(mk.host_len, 5);
	assert_memory_equal(mk.host, "hostB", 5);
	m = "<134>1 2023-11-14T22:13:20.000000Z hostA blast - - "
	    "[sl@32473 seq=\"3\" t=\"4\"] sl seq=8 t=9";
	assert_int_equal(sl_verify_parse((const uint8_t *)m, strlen(m), &mk), 1);
	assert_int_equal(mk.form, SL_VERIFY_5424);
	assert_int_equal(mk.seq, 3);
}

/* Messages that are not blast messages are counted as foreign and touch
 * no host. */
static void
test_foreign(void **state)
{
	static const char *const bad[] = {
		"",
		"sl seq=1 t=1",
		"<134>Nov 14 22:13:20 hostA sshd[1]: session opened",
		"<134>1 2023-11-14T22:13:20.000000Z hostA app - - - no marker",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=0 t=5: x",
		"<134>1 2023-11-14T22:13:20.000000Z hostA blast - - "
		"[sl@32473 seq=\"0\" t=\"5\"] x",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=4294967296 t=5: x",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=18446744073709551615 t=5: x",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=18446744073709551616 t=5: x",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=99999999999999999999999 t=5: x",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=1 t=18446744073709551616: x",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=1: x",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=1",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=1 t=",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=1 t=x",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=1  t=2",
		"<134>Nov 14 22:13:20 hostA blast: sl seq= t=2",
		"<134>Nov 14 22:13:20 hostA blast: sl seq=-1 t=2",
		"<134>Nov 14 22:13:20 hostA blast: xsl seq=1 t=2",
		"<134>1 2023-11-14T22:13:20.000000Z hostA blast - - "
		"[sl@32473 seq=\"1\"] x",
		"<134>1 2023-11-14T22:13:20.000000Z hostA blast - - "
		"[xsl@32473 seq=\"1\" t=\"2\"] x",
		"<134>1 2023-11-14T22:13:20.000000Z hostA blast - - "
		"[sl@32474 seq=\"1\" t=\"2\"] x",
	};
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;
	struct sl_verify_mark mk;
	size_t i;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sl_verify_parse((const uint8_t *)bad[i], strlen(bad[i]),
				    &mk) != 0)
			fail_msg("taken as blast: %s", bad[i]);
		assert_int_equal(add_str(v, bad[i], T0_MS), 0);
	}
	add_gen(v, SL_BLAST_RFC3164, 0, SL_VERIFY_SEQ_MAX, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.foreign, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(t.hosts, 1);
	assert_int_equal(t.received, 1);
	assert_int_equal(t.distinct, 1);
	assert_int_equal(t.lat.count, 1);
	/* seq 2^32-1 alone: every smaller number is a gap. */
	assert_int_equal(t.lost, SL_VERIFY_SEQ_MAX - 1);
	sl_verify_free(v);
}

/* Every prefix of a blast message is read within its bytes; a prefix is
 * either foreign or a blast message with a shorter t. */
static void
test_truncated(void **state)
{
	struct sl_verify_mark mk;
	size_t n, k;
	int f;

	(void)state;
	for (f = SL_BLAST_RFC3164; f <= SL_BLAST_RFC5424; f++) {
		n = sl_blast_gen_next(&F.gen[f], 1, 123, T0_NS, F.buf);
		for (k = 0; k <= n; k++) {
			uint8_t *p = malloc(k ? k : 1);

			assert_non_null(p);
			memcpy(p, F.buf, k);
			if (sl_verify_parse(p, k, &mk)) {
				assert_int_equal(mk.seq, 123);
				assert_true(mk.t_ns <= T0_NS);
				assert_true(mk.host + mk.host_len <= p + k);
			}
			free(p);
		}
	}
}

/* Several hosts in order, interleaved: everything received, nothing lost,
 * duplicated or reordered. */
static void
test_in_order(void **state)
{
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;
	uint64_t s;
	unsigned h;

	(void)state;
	assert_non_null(v);
	totals(v, 0, 0, &t);
	assert_int_equal(t.hosts, 0);
	assert_int_equal(t.received, 0);
	for (s = 1; s <= 100; s++)
		for (h = 0; h < 5; h++)
			add_gen(v, SL_BLAST_RFC5424, h, s, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.hosts, 5);
	assert_int_equal(t.received, 500);
	assert_int_equal(t.distinct, 500);
	assert_int_equal(t.lost, 0);
	assert_int_equal(t.duplicated, 0);
	assert_int_equal(t.reordered, 0);
	assert_int_equal(t.foreign, 0);
	totals(v, 100, 0, &t);
	assert_int_equal(t.lost, 0);
	totals(v, 0, 500, &t);
	assert_int_equal(t.lost, 0);
	sl_verify_free(v);
}

/* A gap is lost until the missing message turns up, late: then it is
 * reordered (once, on its first arrival) and a repeat of it a duplicate. */
static void
test_gap_dup_reorder(void **state)
{
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;

	(void)state;
	assert_non_null(v);
	add_gen(v, SL_BLAST_RFC5424, 0, 1, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 0, 2, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 0, 5, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.received, 3);
	assert_int_equal(t.distinct, 3);
	assert_int_equal(t.lost, 2);
	assert_int_equal(t.reordered, 0);

	add_gen(v, SL_BLAST_RFC5424, 0, 2, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.received, 4);
	assert_int_equal(t.distinct, 3);
	assert_int_equal(t.duplicated, 1);
	assert_int_equal(t.lost, 2);

	add_gen(v, SL_BLAST_RFC5424, 0, 3, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.distinct, 4);
	assert_int_equal(t.reordered, 1);
	assert_int_equal(t.lost, 1);

	add_gen(v, SL_BLAST_RFC5424, 0, 3, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 0, 5, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.received, 7);
	assert_int_equal(t.distinct, 4);
	assert_int_equal(t.duplicated, 3);
	assert_int_equal(t.reordered, 1);
	assert_int_equal(t.lost, 1);

	/* Another host's seq 4 fills nothing of host 0. */
	add_gen(v, SL_BLAST_RFC5424, 1, 4, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.hosts, 2);
	assert_int_equal(t.lost, 1 + 3);

	add_gen(v, SL_BLAST_RFC5424, 0, 4, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 0, 6, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.received, 10);
	assert_int_equal(t.distinct, 7);
	assert_int_equal(t.duplicated, 3);
	assert_int_equal(t.reordered, 2);
	assert_int_equal(t.lost, 3);
	assert_int_equal(t.received, t.distinct + t.duplicated);
	sl_verify_free(v);
}

/* The same HOSTNAME under both markers is two hosts, each numbering from
 * 1: seq 1 of one is no duplicate of seq 1 of the other. */
static void
test_forms_apart(void **state)
{
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;

	(void)state;
	assert_non_null(v);
	add_gen(v, SL_BLAST_RFC5424, 2, 1, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC3164, 2, 1, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC3164, 2, 2, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.hosts, 2);
	assert_int_equal(t.received, 3);
	assert_int_equal(t.distinct, 3);
	assert_int_equal(t.duplicated, 0);
	assert_int_equal(t.lost, 0);
	/* Per host: the 5424 one lost its seq 2 under --expect 2. */
	totals(v, 2, 0, &t);
	assert_int_equal(t.lost, 1);
	sl_verify_free(v);
}

/* Without expectations only gaps count; --expect N holds every host to
 * 1..N (numbers above N neither lost nor filling); --expect-total holds
 * all hosts together to that many distinct messages, and never reports
 * fewer than the gaps. */
static void
test_expect(void **state)
{
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;
	static const uint64_t a[] = { 1, 2, 3, 5 };
	size_t i;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		add_gen(v, SL_BLAST_RFC5424, 0, a[i], T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 1, 1, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 1, 2, T0_NS, T0_MS);

	totals(v, 0, 0, &t);
	assert_int_equal(t.distinct, 6);
	assert_int_equal(t.lost, 1);
	totals(v, 6, 0, &t);
	assert_int_equal(t.lost, (6 - 4) + (6 - 2));
	totals(v, 5, 0, &t);
	assert_int_equal(t.lost, 1 + 3);
	totals(v, 3, 0, &t);
	assert_int_equal(t.lost, 0 + 1);
	totals(v, 1, 0, &t);
	assert_int_equal(t.lost, 0);
	totals(v, 0, 10, &t);
	assert_int_equal(t.lost, 10 - 6);
	totals(v, 0, 7, &t);
	assert_int_equal(t.lost, 1);
	totals(v, 0, 6, &t);
	assert_int_equal(t.lost, 1);
	totals(v, 0, 3, &t);
	assert_int_equal(t.lost, 1);
	/* The other counters do not depend on the expectation. */
	assert_int_equal(t.hosts, 2);
	assert_int_equal(t.received, 6);
	assert_int_equal(t.distinct, 6);
	sl_verify_free(v);
}

/* --expect N counts the numbers up to N exactly, at word and chunk
 * boundaries of the bitmap (64 bits a word, 65536 a chunk). */
static void
test_expect_boundaries(void **state)
{
	static const uint64_t seen[] = {
		1, 63, 64, 65535, 65536, 65537, 200000,
	};
	static const struct {
		uint64_t n;
		uint64_t have;
	} c[] = {
		{ 1, 1 }, { 62, 1 }, { 63, 2 }, { 64, 3 }, { 65, 3 },
		{ 127, 3 }, { 65534, 3 }, { 65535, 4 }, { 65536, 5 },
		{ 65537, 6 }, { 131071, 6 }, { 199999, 6 }, { 200000, 7 },
		{ 300000, 7 },
	};
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;
	size_t i;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		add_gen(v, SL_BLAST_RFC3164, 1, seen[i], T0_NS, T0_MS);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		totals(v, c[i].n, 0, &t);
		if (t.lost != c[i].n - c[i].have)
			fail_msg("expect %llu: lost %llu, want %llu",
				 (unsigned long long)c[i].n,
				 (unsigned long long)t.lost,
				 (unsigned long long)(c[i].n - c[i].have));
	}
	totals(v, 0, 0, &t);
	assert_int_equal(t.lost, 200000 - 7);
	sl_verify_free(v);
}

/* Many hosts: the table grows and keeps each host apart. */
static void
test_many_hosts(void **state)
{
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;
	unsigned h;

	(void)state;
	assert_non_null(v);
	for (h = 0; h < 3000; h++)
		add_gen(v, SL_BLAST_RFC5424, h, 1, T0_NS, T0_MS);
	for (h = 0; h < 3000; h++)
		add_gen(v, SL_BLAST_RFC5424, h, h % 2 ? 3 : 2, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.hosts, 3000);
	assert_int_equal(t.received, 6000);
	assert_int_equal(t.distinct, 6000);
	assert_int_equal(t.lost, 1500);
	totals(v, 3, 0, &t);
	assert_int_equal(t.lost, 1500 + 1500);
	totals(v, 0, 10000, &t);
	assert_int_equal(t.lost, 10000 - 6000);
	/* One short of the total, but the gaps say more. */
	totals(v, 0, 6001, &t);
	assert_int_equal(t.lost, 1500);
	sl_verify_free(v);
}

/* Latency is record time stamp minus send time, in microseconds; a record
 * stamped (to the millisecond) before the send time counts 0, one without
 * a stamp counts nothing. */
static void
test_latency(void **state)
{
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;
	uint64_t s;

	(void)state;
	assert_non_null(v);
	/* 1..100 ms, each send time on a millisecond. */
	for (s = 1; s <= 100; s++)
		add_gen(v, SL_BLAST_RFC5424, 0, s, T0_NS + s * 1000000u,
			T0_MS + 2 * (int64_t)s);
	totals(v, 0, 0, &t);
	assert_int_equal(t.lat.count, 100);
	assert_int_equal(t.lat.max, 100000);
	assert_int_equal(t.last_stored_ms, T0_MS + 200);
	assert_in_range(sl_hist_quantile(&t.lat, 0.5), 50000, 50000 + 50000 / 8);
	assert_in_range(sl_hist_quantile(&t.lat, 0.99), 99000, 100000);
	assert_int_equal(sl_hist_quantile(&t.lat, 1.0), 100000);

	/* Sent 0.7 ms into the millisecond the record is stamped with. */
	add_gen(v, SL_BLAST_RFC3164, 0, 1, T0_NS + 700000u, T0_MS);
	/* Stamped a whole second before it was sent. */
	add_gen(v, SL_BLAST_RFC3164, 0, 2, T0_NS, T0_MS - 1000);
	/* 1.5 ms, taken to the microsecond of the send time. */
	add_gen(v, SL_BLAST_RFC3164, 0, 3, T0_NS + 500999u, T0_MS + 2);
	/* No record time stamp. */
	add_gen(v, SL_BLAST_RFC3164, 0, 4, T0_NS, -1);
	totals(v, 0, 0, &t);
	assert_int_equal(t.received, 104);
	assert_int_equal(t.lat.count, 103);
	assert_int_equal(t.lat.bucket[0], 2);
	assert_int_equal(t.lat.bucket[sl_hist_index(1500)], 1);
	assert_int_equal(t.lat.max, 100000);
	/* Neither an older stamp nor a missing one moves the latest. */
	assert_int_equal(t.last_stored_ms, T0_MS + 200);
	assert_int_equal(sl_hist_quantile(&t.lat, 0.01), 0);
	sl_verify_free(v);
}

/* With a sent-after time, older blast messages (a probe, an earlier run)
 * count only as older: not received, not lost, no latency, and the first
 * send time is the earliest of the rest. */
static void
test_sent_after(void **state)
{
	struct sl_verify *v = sl_verify_new();
	struct sl_verify_totals t;
	size_t n;

	(void)state;
	assert_non_null(v);
	add_gen(v, SL_BLAST_RFC5424, 0, 1, T0_NS, T0_MS);
	totals(v, 0, 0, &t);
	assert_int_equal(t.first_sent_ns, T0_NS);
	assert_int_equal(t.older, 0);

	sl_verify_sent_after(v, T0_NS + 5000000u);
	/* Sent 1 ns too early: left out. */
	n = sl_blast_gen_next(&F.gen[SL_BLAST_RFC3164], 1, 1,
			      T0_NS + 4999999u, F.buf);
	assert_int_equal(add_bytes(v, F.buf, n, T0_MS + 9), 0);
	add_gen(v, SL_BLAST_RFC3164, 1, 2, T0_NS + 7000000u, T0_MS + 8);
	add_gen(v, SL_BLAST_RFC3164, 1, 3, T0_NS + 5000000u, T0_MS + 7);
	totals(v, 0, 3, &t);
	assert_int_equal(t.older, 1);
	assert_int_equal(sl_verify_counted(v), 3);
	assert_int_equal(t.foreign, 0);
	assert_int_equal(t.received, 3);
	assert_int_equal(t.distinct, 3);
	assert_int_equal(t.lat.count, 3);
	assert_int_equal(t.last_stored_ms, T0_MS + 8);
	/* The message counted before the cut keeps the earliest send. */
	assert_int_equal(t.first_sent_ns, T0_NS);
	/* Host 1's seq 1 was left out, so it is a gap of host 1, the one
	 * loss (no more, as the three counted make the expected total). */
	assert_int_equal(t.lost, 1);
	sl_verify_free(v);
}

/* Reads what sl_verify_print_hosts() writes into a NUL-terminated heap
 * string the caller frees. */
static char *
print_hosts(const struct sl_verify *v, uint64_t expect_host, size_t top)
{
	struct sl_verify_expect ex = { expect_host, 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(sl_verify_print_hosts(f, v, &ex, top), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(out);
	return out;
}

/* One row of the host table: its counters and its latencies in ms. */
struct row {
	const char *at;
	uint64_t received, distinct, lost, dup, reord;
	double p50, p99, max;
};

/* Finds the row of host name in form in out; at is NULL when absent. */
static struct row
find_row(const char *out, const char *name, const char *form)
{
	struct row r;
	char key[64], got_name[64], got_form[8];

	memset(&r, 0, sizeof(r));
	snprintf(key, sizeof(key), "\n%s %s ", name, form);
	r.at = strstr(out, key);
	if (r.at == NULL)
		return r;
	r.at++;
	assert_int_equal(sscanf(r.at, "%63s %7s %" SCNu64 " %" SCNu64 " %"
				SCNu64 " %" SCNu64 " %" SCNu64 " %lf %lf %lf",
				got_name, got_form, &r.received, &r.distinct,
				&r.lost, &r.dup, &r.reord, &r.p50, &r.p99,
				&r.max), 10);
	assert_string_equal(got_name, name);
	assert_string_equal(got_form, form);
	return r;
}

/* The host table: most lost first, then most duplicated, then by name
 * (5424 before 3164); cut at top with a note of how many were left out. */
static void
test_print_hosts(void **state)
{
	struct sl_verify *v = sl_verify_new();
	struct row a, b, c, d;
	char *out;

	(void)state;
	assert_non_null(v);
	out = print_hosts(v, 0, 10);
	assert_string_equal(out, "");
	free(out);

	/* site0-host0: 1, 4, 3 ms late. site1-host0: 1 twice. site0-host1:
	 * 1, 2 in 5424 and 1 in 3164. */
	add_gen(v, SL_BLAST_RFC5424, 0, 1, T0_NS, T0_MS + 3);
	add_gen(v, SL_BLAST_RFC5424, 0, 4, T0_NS, T0_MS + 3);
	add_gen(v, SL_BLAST_RFC5424, 1, 1, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 1, 1, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 2, 1, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC5424, 2, 2, T0_NS, T0_MS);
	add_gen(v, SL_BLAST_RFC3164, 2, 1, T0_NS, T0_MS);

	out = print_hosts(v, 0, 10);
	assert_true(strncmp(out, "host ", 5) == 0);
	a = find_row(out, "site0-host0", "5424");
	b = find_row(out, "site1-host0", "5424");
	c = find_row(out, "site0-host1", "5424");
	d = find_row(out, "site0-host1", "3164");
	assert_non_null(a.at);
	assert_non_null(b.at);
	assert_non_null(c.at);
	assert_non_null(d.at);
	assert_true(a.at < b.at && b.at < c.at && c.at < d.at);
	assert_int_equal(a.received, 2);
	assert_int_equal(a.distinct, 2);
	assert_int_equal(a.lost, 2);
	assert_int_equal(a.dup, 0);
	assert_true(a.p50 == 3.0 && a.p99 == 3.0 && a.max == 3.0);
	assert_int_equal(b.received, 2);
	assert_int_equal(b.distinct, 1);
	assert_int_equal(b.lost, 0);
	assert_int_equal(b.dup, 1);
	assert_int_equal(c.distinct, 2);
	assert_int_equal(d.distinct, 1);
	assert_null(strstr(out, "more hosts"));
	free(out);

	out = print_hosts(v, 0, 1);
	assert_non_null(find_row(out, "site0-host0", "5424").at);
	assert_null(strstr(out, "site1-host0"));
	assert_non_null(strstr(out, "\n(3 more hosts, none losing more)\n"));
	free(out);

	/* Under --expect 2 three hosts lost one each: the one with a
	 * duplicate ranks first, then by name and form. */
	out = print_hosts(v, 2, 3);
	a = find_row(out, "site0-host0", "5424");
	b = find_row(out, "site1-host0", "5424");
	c = find_row(out, "site0-host1", "5424");
	d = find_row(out, "site0-host1", "3164");
	assert_non_null(a.at);
	assert_non_null(b.at);
	assert_null(c.at);
	assert_non_null(d.at);
	assert_true(b.at < a.at && a.at < d.at);
	assert_int_equal(a.lost, 1);
	assert_int_equal(b.lost, 1);
	assert_int_equal(d.lost, 1);
	assert_non_null(strstr(out, "\n(1 more hosts, none losing more)\n"));
	free(out);
	sl_verify_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_generated),
		cmocka_unit_test(test_parse_variants),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_gap_dup_reorder),
		cmocka_unit_test(test_forms_apart),
		cmocka_unit_test(test_expect),
		cmocka_unit_test(test_expect_boundaries),
		cmocka_unit_test(test_many_hosts),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_sent_after),
		cmocka_unit_test(test_print_hosts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
