/* test_source.c: per-source accounting: the table (hosts, not sockets;
 * overflow; eviction of idle hosts; its cache of recent sources agreeing
 * with the index), unacknowledged counts and lag as messages are taken
 * in and settled, hostnames and the site rule, and the per-source counts
 * of envelope batches. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <rte_hash.h>

#include "sl_batch.h"
#include "sl_meta.h"
#include "sl_source.h"
#include "sl_test_eal.h"

#define S_NS 1000000000ull
#define MS_NS 1000000ull

static const struct sl_site_rule dash1 = { '-', 1 };

static int
group_setup(void **state)
{
	(void)state;
	return sl_test_eal_init("test_source", "0") < 0 ? -1 : 0;
}

static struct sl_source *
get_v4(struct sl_source_table *t, uint32_t ip, uint64_t now_ns)
{
	struct sl_addr a;

	sl_addr_set_v4(&a, rte_cpu_to_be_32(ip), 514);
	return sl_source_get(t, &a, sl_addr_hash(&a), now_ns);
}

static void
test_table(void **state)
{
	struct sl_source_table *t = sl_source_table_create("t_src", 16,
		SOCKET_ID_ANY, 3, UINT64_MAX, &dash1);
	struct sl_source *s1, *s2, *over;
	struct sl_addr a, b;
	unsigned i;

	(void)state;
	assert_non_null(t);
	assert_int_equal(sl_addr_parse("198.18.0.1:1111", &a), 0);
	assert_int_equal(sl_addr_parse("198.18.0.1:2222", &b), 0);
	s1 = sl_source_get(t, &a, sl_addr_hash(&a), 1);
	s2 = sl_source_get(t, &b, sl_addr_hash(&b), 1);
	assert_ptr_equal(s1, s2);
	assert_int_equal(s1->addr.port, 0);
	assert_int_equal(s1->owner, 3);
	assert_int_equal(s1->tag.kind, SL_ACK_SOURCE);
	assert_int_equal(s1->tag.partition_hash, sl_addr_hash(&a));
	assert_string_equal(s1->ip_text, "198.18.0.1");
	assert_int_equal(t->used, 1);
	sl_source_received(s1, 1, 10);
	for (i = 0; i < 15; i++)
		assert_ptr_not_equal(get_v4(t, 0x0a000000u + i, 1),
				     &t->entries[t->capacity]);
	assert_int_equal(t->used, 16);
	/* Full and nothing evictable: the overflow entry, still counted. */
	over = get_v4(t, 0x0b000000u, 2);
	assert_ptr_equal(over, &t->entries[t->capacity]);
	assert_int_equal(over->addr.family, 0);
	assert_int_equal(t->overflowed, 1);
	assert_ptr_equal(sl_source_get(t, &a, sl_addr_hash(&a), 2), s1);
	assert_int_equal(s1->msgs_in, 1);
	sl_source_table_free(t);
}

/* unacked and lag follow what is taken in and what Kafka reports. */
static void
test_unacked_and_lag(void **state)
{
	struct sl_source_table *t = sl_source_table_create("t_lag", 16,
		SOCKET_ID_ANY, 0, UINT64_MAX, &dash1);
	struct sl_source *s = get_v4(t, 0x0a000001u, 0);
	uint64_t t0 = 1000 * S_NS;
	unsigned i;

	(void)state;
	assert_int_equal(sl_source_unacked(s), 0);
	assert_int_equal(sl_source_lag_ns(s, t0), 0);
	/* Three runs: at t0, t0 + 10 ms, t0 + 20 ms, 5 messages each. */
	for (i = 0; i < 15; i++)
		sl_source_received(s, t0 + (i / 5) * 10 * MS_NS + i, 100);
	assert_int_equal(s->msgs_in, 15);
	assert_int_equal(s->bytes_in, 1500);
	assert_int_equal(s->first_rx_ns, t0);
	assert_int_equal(sl_source_unacked(s), 15);
	assert_int_equal(s->lag.len, 3);
	assert_int_equal(sl_source_lag_ns(s, t0 + S_NS), S_NS);
	/* Four of the first run delivered: the oldest still waits. */
	sl_source_settled(s, 4, 1);
	assert_int_equal(sl_source_unacked(s), 11);
	assert_int_equal(sl_source_lag_ns(s, t0 + S_NS), S_NS);
	/* Its last one and two of the second failed: lag moves on. */
	sl_source_settled(s, 3, 0);
	assert_int_equal(s->delivered, 4);
	assert_int_equal(s->failed, 3);
	assert_int_equal(sl_source_unacked(s), 8);
	assert_int_equal(sl_source_lag_ns(s, t0 + S_NS), S_NS - 10 * MS_NS - 5);
	sl_source_settled(s, 8, 1);
	assert_int_equal(sl_source_unacked(s), 0);
	assert_int_equal(sl_source_lag_ns(s, t0 + S_NS), 0);
	assert_int_equal(s->lag.len, 0);
	/* A clock behind the oldest is no negative lag. */
	sl_source_received(s, t0 + 5 * S_NS, 1);
	assert_int_equal(sl_source_lag_ns(s, t0), 0);
	sl_source_settled(s, 1, 1);

	/* More runs than slots: the newest run grows, the oldest stays
	 * exact, and the counts still add up. */
	for (i = 0; i < 3 * SL_LAG_SLOTS; i++)
		sl_source_received(s, t0 + 10 * S_NS + i * 10 * MS_NS, 1);
	assert_int_equal(s->lag.len, SL_LAG_SLOTS);
	assert_int_equal(sl_source_lag_ns(s, t0 + 11 * S_NS), S_NS);
	sl_source_settled(s, 1, 1);
	assert_int_equal(sl_source_lag_ns(s, t0 + 11 * S_NS), S_NS - 10 * MS_NS);
	sl_source_settled(s, 3 * SL_LAG_SLOTS - 1, 1);
	assert_int_equal(s->lag.len, 0);
	assert_int_equal(sl_source_unacked(s), 0);
	sl_source_table_free(t);
}

/* A full table evicts a host idle long enough with nothing waiting, never
 * one with messages in flight (reports point at it). */
static void
test_eviction(void **state)
{
	struct sl_source_table *t = sl_source_table_create("t_evict", 16,
		SOCKET_ID_ANY, 0, 60 * S_NS, &dash1);
	struct sl_source *s[16], *n;
	uint64_t now = 1000 * S_NS;
	unsigned i;

	(void)state;
	for (i = 0; i < 16; i++) {
		s[i] = get_v4(t, 0x0a000000u + i, now);
		sl_source_received(s[i], now, 1);
	}
	/* Not idle yet: overflow. */
	assert_ptr_equal(get_v4(t, 0x0b000001u, now + S_NS),
			 &t->entries[t->capacity]);
	/* Idle, but every host still waits for Kafka: overflow. */
	assert_ptr_equal(get_v4(t, 0x0b000001u, now + 120 * S_NS),
			 &t->entries[t->capacity]);
	assert_int_equal(t->evicted, 0);
	/* One host settled: it is the one evicted. */
	sl_source_settled(s[7], 1, 1);
	n = get_v4(t, 0x0b000001u, now + 120 * S_NS);
	assert_ptr_not_equal(n, &t->entries[t->capacity]);
	assert_int_equal(t->evicted, 1);
	assert_int_equal(t->used, 16);
	assert_int_equal(n->msgs_in, 0);
	assert_int_equal(n->addr.family, AF_INET);
	/* The evicted host comes back as new. */
	sl_source_settled(n, 0, 1);
	for (i = 0; i < 16; i++)
		if (s[i] != n)
			sl_source_settled(s[i], 1, 1);
	n = get_v4(t, 0x0a000007u, now + 240 * S_NS);
	assert_int_equal(n->msgs_in, 0);
	assert_int_equal(t->evicted, 2);
	sl_source_table_free(t);
}

/* What the index holds for ip (port ignored), or NULL. */
static struct sl_source *
indexed_v4(struct sl_source_table *t, uint32_t ip)
{
	struct sl_addr a;
	int32_t pos;

	sl_addr_set_v4(&a, rte_cpu_to_be_32(ip), 0);
	pos = rte_hash_lookup_with_hash(t->index, &a, sl_addr_hash(&a));
	return pos < 0 ? NULL : &t->entries[pos];
}

/* The cache of recent sources never answers other than the index: more
 * hosts than slots (so they share slots), lookups in changing orders,
 * and evictions that reuse an entry for another host. */
static void
test_recent_cache(void **state)
{
	struct sl_source_table *t = sl_source_table_create("t_recent", 64,
		SOCKET_ID_ANY, 0, 60 * S_NS, &dash1);
	struct sl_source *first[64], *s;
	uint64_t now = 1000 * S_NS;
	unsigned i, round;

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->recent_mask, 63);
	for (i = 0; i < 64; i++) {
		first[i] = get_v4(t, 0x0a000000u + i, now);
		assert_ptr_equal(first[i], indexed_v4(t, 0x0a000000u + i));
	}
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 64; i++) {
			unsigned h = round & 1 ? 63 - i : (i * 7 + round) % 64;

			s = get_v4(t, 0x0a000000u + h, now);
			assert_ptr_equal(s, first[h]);
			assert_ptr_equal(s, indexed_v4(t, 0x0a000000u + h));
		}
	}
	/* Every host idle and settled: new hosts take their entries, and an
	 * old host asked again must not get the entry it used to have. */
	for (i = 0; i < 64; i++) {
		sl_source_received(first[i], now, 1);
		sl_source_settled(first[i], 1, 1);
	}
	now += 120 * S_NS;
	for (i = 0; i < 32; i++) {
		s = get_v4(t, 0x0b000000u + i, now);
		assert_ptr_not_equal(s, &t->entries[t->capacity]);
		assert_ptr_equal(s, indexed_v4(t, 0x0b000000u + i));
		sl_source_received(s, now, 1);
	}
	assert_int_equal(t->evicted, 32);
	for (i = 0; i < 64; i++) {
		struct sl_source *want = indexed_v4(t, 0x0a000000u + i);

		s = get_v4(t, 0x0a000000u + i, now);
		if (want != NULL)
			assert_ptr_equal(s, want);
		else
			assert_int_equal(s->msgs_in, 0);
		assert_ptr_equal(s, indexed_v4(t, 0x0a000000u + i));
		assert_int_equal(s->addr.family, AF_INET);
		assert_memory_equal(s->addr.ip, indexed_v4(t, 0x0a000000u + i)->addr.ip, 4);
	}
	for (i = 0; i < 32; i++)
		assert_ptr_equal(get_v4(t, 0x0b000000u + i, now),
				 indexed_v4(t, 0x0b000000u + i));
	sl_source_table_free(t);
}

/* Checks that srcs[] of t lists each source once and adds up to count. */
static void
batch_srcs_ok(const struct sl_batch *t)
{
	uint32_t sum = 0;
	unsigned i, j;

	for (i = 0; i < t->n_srcs; i++) {
		assert_true(t->srcs[i].n > 0);
		sum += t->srcs[i].n;
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(t->srcs[i].src, t->srcs[j].src);
	}
	assert_int_equal(sum, t->count);
}

/* A batch counts each source once however its messages interleave with
 * other sources and other batches (the hint a source keeps of its last
 * batch goes stale in every way: another batch, the same batch sealed
 * and reopened, its slot taken by another source). */
static void
test_batch_sources(void **state)
{
	struct sl_batcher_params bp = {
		.max_open = 4,
		.buckets = 1,
		.batch_bytes = 1 << 20,
		.batch_messages = 10000,
		.max_message = 64,
		.linger_us = 1000,
		.socket = SOCKET_ID_ANY,
	};
	struct sl_source_table *st = sl_source_table_create("t_bsrc", 64,
		SOCKET_ID_ANY, 0, UINT64_MAX, &dash1);
	struct sl_batcher *b = sl_batcher_create(&bp);
	struct sl_source *src[8];
	struct sl_batch *x, *y;
	struct sl_meta meta;
	unsigned i;

	(void)state;
	assert_non_null(st);
	assert_non_null(b);
	memset(&meta, 0, sizeof(meta));
	for (i = 0; i < 8; i++)
		src[i] = get_v4(st, 0x0a000000u + i, 1);
	x = sl_batcher_open(b, "x", 0, 1);
	y = sl_batcher_open(b, "y", 0, 1);
	assert_non_null(x);
	assert_non_null(y);
	/* Sources 0..7 in a pattern that alternates batches and revisits. */
	for (i = 0; i < 200; i++) {
		struct sl_source *s = src[(i * 5 + i / 16) % 8];

		meta.src = s->addr;
		assert_int_equal(sl_batch_add(b, i % 3 ? x : y, &meta, s,
					      (const uint8_t *)"msg", 3), 0);
	}
	batch_srcs_ok(x);
	batch_srcs_ok(y);
	assert_int_equal(x->n_srcs, 8);
	assert_int_equal(y->n_srcs, 8);
	assert_int_equal(x->count + y->count, 200);
	/* x closed and reopened (the same struct): the hints now name a
	 * slot of a batch that starts empty, then one held by others. */
	sl_batcher_close(b, x);
	assert_ptr_equal(sl_batcher_open(b, "x", 0, 2), x);
	assert_int_equal(x->n_srcs, 0);
	for (i = 0; i < 40; i++) {
		struct sl_source *s = src[7 - i % 8];

		meta.src = s->addr;
		sl_batch_add(b, x, &meta, s, (const uint8_t *)"m", 1);
		sl_batch_add(b, y, &meta, src[i % 8], (const uint8_t *)"m", 1);
	}
	batch_srcs_ok(x);
	batch_srcs_ok(y);
	assert_int_equal(x->n_srcs, 8);
	assert_ptr_equal(x->srcs[0].src, src[7]);
	assert_int_equal(x->srcs[0].n, 5);
	assert_int_equal(x->count, 40);
	while (b->oldest != NULL)
		sl_batcher_close(b, b->oldest);
	sl_batcher_free(b);
	sl_source_table_free(st);
}

static void
site_is(const struct sl_site_rule *r, const char *host, const char *want)
{
	char out[SL_SOURCE_SITE_MAX];
	size_t n = sl_site_of(r, (const uint8_t *)host, strlen(host), out,
			      sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void
test_sites(void **state)
{
	const struct sl_site_rule dot2 = { '.', 2 }, off = { '-', 0 };
	struct sl_source_table *t = sl_source_table_create("t_site", 16,
		SOCKET_ID_ANY, 0, UINT64_MAX, &dash1);
	struct sl_source *s = get_v4(t, 0x0a000001u, 0);

	(void)state;
	site_is(&dash1, "fra1-web-03", "fra1");
	site_is(&dash1, "web03", "");
	site_is(&dash1, "-web", "");
	site_is(&dash1, "", "");
	site_is(&dot2, "web03.fra1.example.com", "fra1");
	site_is(&dot2, "web03.fra1", "fra1");
	site_is(&dot2, "web03", "");
	site_is(&dot2, "web03..x", "");
	site_is(&off, "fra1-web-03", "");
	site_is(&dash1, "a23456789012345678901234567890123-x", "");

	sl_source_learn_host(t, s, (const uint8_t *)"ams2-db-1", 9);
	assert_string_equal(s->host, "ams2-db-1");
	assert_string_equal(s->site, "ams2");
	assert_int_equal(s->site_len, 4);
	sl_source_learn_host(t, s, (const uint8_t *)"ams2-db-1x", 9);
	assert_string_equal(s->host, "ams2-db-1");
	sl_source_learn_host(t, s, (const uint8_t *)"lon1-db-2", 9);
	assert_string_equal(s->host, "lon1-db-2");
	assert_string_equal(s->site, "lon1");
	sl_source_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_unacked_and_lag),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_recent_cache),
		cmocka_unit_test(test_batch_sources),
		cmocka_unit_test(test_sites),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
