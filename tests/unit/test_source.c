/* test_source.c: per-source accounting: the table (hosts, not sockets;
 * overflow; eviction of idle hosts), unacknowledged counts and lag as
 * messages are taken in and settled, hostnames and the site rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

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
		cmocka_unit_test(test_sites),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
