/* test_hist.c: the latency histogram's buckets and quantiles. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "sl_hist.h"

/* Every value lands in a bucket whose upper bound is at least the value
 * and within 12.5% of it; buckets never go backwards. */
static void
test_buckets(void **state)
{
	unsigned prev = 0, idx;
	uint64_t v;

	(void)state;
	for (v = 0; v < (1ull << 22); v += 1 + v / 64) {
		struct sl_hist h;
		uint64_t q;

		idx = sl_hist_index(v);
		assert_true(idx >= prev);
		assert_true(idx < SL_HIST_BUCKETS);
		prev = idx;
		memset(&h, 0, sizeof(h));
		h.max = UINT64_MAX;
		h.bucket[idx] = 1;
		h.count = 1;
		q = sl_hist_quantile(&h, 0.5);
		assert_true(q >= v);
		assert_true(q - v <= v / 8);
	}
	assert_int_equal(sl_hist_index(UINT64_MAX), SL_HIST_BUCKETS - 1);
}

static void
test_quantiles(void **state)
{
	static struct sl_hist h;
	uint64_t i;

	(void)state;
	assert_int_equal(sl_hist_quantile(&h, 0.5), 0);
	for (i = 1; i <= 1000; i++)
		sl_hist_put(&h, i);
	assert_int_equal(h.count, 1000);
	assert_int_equal(h.max, 1000);
	assert_in_range(sl_hist_quantile(&h, 0.5), 500, 500 + 500 / 8);
	assert_in_range(sl_hist_quantile(&h, 0.99), 990, 1000);
	assert_int_equal(sl_hist_quantile(&h, 1.0), 1000);
	sl_hist_put(&h, 7);
	assert_in_range(sl_hist_quantile(&h, 0.001), 1, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_quantiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
