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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_format),
		cmocka_unit_test(test_addr_identity_ignores_port),
		cmocka_unit_test(test_networks),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
