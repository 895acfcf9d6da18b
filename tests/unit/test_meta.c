/* test_meta.c: source addresses (parse, format, networks, hash) and the
 * per-worker source table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <rte_mbuf.h>

#include "sl_meta.h"
#include "sl_source.h"
#include "sl_test_eal.h"

static int
group_setup(void **state)
{
	(void)state;
	return sl_test_eal_init("test_meta", "0") < 0 ? -1 : 0;
}

static void
roundtrip(const char *in, const char *expect)
{
	struct sl_addr a;
	char buf[SL_ADDR_STRLEN];

	assert_int_equal(sl_addr_parse(in, &a), 0);
	sl_addr_format(&a, buf);
	assert_string_equal(buf, expect);
}

static void
test_addr_parse_format(void **state)
{
	struct sl_addr a;
	char buf[SL_ADDR_STRLEN];

	(void)state;
	roundtrip("127.0.0.1:5514", "127.0.0.1:5514");
	roundtrip("198.18.0.1", "198.18.0.1:0");
	roundtrip("[::1]:514", "[::1]:514");
	roundtrip("2001:db8::5", "[2001:db8::5]:0");
	roundtrip("0.0.0.0:65535", "0.0.0.0:65535");
	assert_int_equal(sl_addr_parse("[2001:db8::5]", &a), 0);
	assert_int_equal(sl_addr_format_ip(&a, buf), strlen("2001:db8::5"));
	assert_string_equal(buf, "2001:db8::5");
	assert_int_equal(sl_addr_parse("127.0.0.1:65536", &a), -1);
	assert_int_equal(sl_addr_parse("127.0.0.1:", &a), -1);
	assert_int_equal(sl_addr_parse("127.0.0.1:x", &a), -1);
	assert_int_equal(sl_addr_parse("localhost:514", &a), -1);
	assert_int_equal(sl_addr_parse("[::1", &a), -1);
	assert_int_equal(sl_addr_parse("[::1]x", &a), -1);
	assert_int_equal(sl_addr_parse("", &a), -1);
	assert_int_equal(sl_addr_parse("1.2.3.4.5", &a), -1);
}

static void
test_addr_identity_ignores_port(void **state)
{
	struct sl_addr a, b, c;

	(void)state;
	assert_int_equal(sl_addr_parse("198.18.0.7:1000", &a), 0);
	assert_int_equal(sl_addr_parse("198.18.0.7:2000", &b), 0);
	assert_int_equal(sl_addr_parse("198.18.0.8:1000", &c), 0);
	assert_int_equal(sl_addr_hash(&a), sl_addr_hash(&b));
	assert_int_not_equal(sl_addr_hash(&a), sl_addr_hash(&c));
	/* Unused bytes are zero, so whole-struct compares work. */
	assert_memory_equal(&a.ip[4], "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
}

static void
test_networks(void **state)
{
	struct sl_addr net, a;
	unsigned prefix;

	(void)state;
	assert_int_equal(sl_net_parse("198.18.0.0/15", &net, &prefix), 0);
	assert_int_equal(prefix, 15);
	assert_int_equal(sl_addr_parse("198.19.255.255", &a), 0);
	assert_true(sl_net_contains(&net, prefix, &a));
	assert_int_equal(sl_addr_parse("198.20.0.0", &a), 0);
	assert_false(sl_net_contains(&net, prefix, &a));
	assert_int_equal(sl_net_parse("198.18.77.1/15", &net, &prefix), 0);
	assert_int_equal(net.ip[1], 18);
	assert_int_equal(net.ip[2], 0);
	assert_int_equal(sl_net_parse("10.1.2.3", &net, &prefix), 0);
	assert_int_equal(prefix, 32);
	assert_int_equal(sl_net_parse("0.0.0.0/0", &net, &prefix), 0);
	assert_true(sl_net_contains(&net, prefix, &a));
	assert_int_equal(sl_net_parse("2001:db8::/32", &net, &prefix), 0);
	assert_int_equal(sl_addr_parse("2001:db8:ffff::1", &a), 0);
	assert_true(sl_net_contains(&net, prefix, &a));
	assert_int_equal(sl_addr_parse("2001:db9::1", &a), 0);
	assert_false(sl_net_contains(&net, prefix, &a));
	assert_int_equal(sl_addr_parse("198.18.0.1", &a), 0);
	assert_false(sl_net_contains(&net, prefix, &a));
	assert_int_equal(sl_net_parse("2001:db8::/129", &net, &prefix), -1);
	assert_int_equal(sl_net_parse("10.0.0.0/33", &net, &prefix), -1);
	assert_int_equal(sl_net_parse("10.0.0.0/", &net, &prefix), -1);
	assert_int_equal(sl_net_parse("10.0.0.0:5/8", &net, &prefix), -1);
	assert_int_equal(sl_net_parse("/8", &net, &prefix), -1);
}

static void
test_source_table(void **state)
{
	struct sl_source_table *t = sl_source_table_create("t_src", 16, SOCKET_ID_ANY, 3);
	struct sl_source *s1, *s2, *s3, *over;
	struct sl_addr a, b;
	unsigned i;

	(void)state;
	assert_non_null(t);
	assert_int_equal(sl_addr_parse("198.18.0.1:1111", &a), 0);
	assert_int_equal(sl_addr_parse("198.18.0.1:2222", &b), 0);
	s1 = sl_source_get(t, &a, sl_addr_hash(&a));
	s2 = sl_source_get(t, &b, sl_addr_hash(&b));
	assert_ptr_equal(s1, s2);
	assert_int_equal(s1->addr.port, 0);
	assert_int_equal(s1->owner, 3);
	assert_int_equal(s1->tag.kind, SL_ACK_SOURCE);
	assert_int_equal(s1->tag.partition_hash, sl_addr_hash(&a));
	assert_int_equal(t->used, 1);
	s1->msgs_in = 5;
	for (i = 0; i < 15; i++) {
		sl_addr_set_v4(&a, rte_cpu_to_be_32(0x0a000000u + i), 514);
		s3 = sl_source_get(t, &a, sl_addr_hash(&a));
		assert_ptr_not_equal(s3, &t->entries[t->capacity]);
	}
	assert_int_equal(t->used, 16);
	/* Full: a new host lands on the overflow entry, still counted. */
	sl_addr_set_v4(&a, rte_cpu_to_be_32(0x0b000000u), 514);
	over = sl_source_get(t, &a, sl_addr_hash(&a));
	assert_ptr_equal(over, &t->entries[t->capacity]);
	assert_int_equal(over->addr.family, 0);
	assert_int_equal(t->overflowed, 1);
	/* Known hosts still find their entry. */
	assert_int_equal(sl_addr_parse("198.18.0.1:9", &a), 0);
	assert_ptr_equal(sl_source_get(t, &a, sl_addr_hash(&a)), s1);
	assert_int_equal(s1->msgs_in, 5);
	sl_source_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_format),
		cmocka_unit_test(test_addr_identity_ignores_port),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_source_table),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
