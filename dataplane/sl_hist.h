/* sl_hist.h: a log-linear histogram of durations in microseconds, for
 * latency percentiles without keeping samples: exact below 16 us, then 8
 * buckets per power of two (each within 12.5% of its values). One writer
 * (the owning lcore); fixed size, no allocation. */
#ifndef SL_HIST_H
#define SL_HIST_H

#include <stdint.h>

#define SL_HIST_EXACT   16
#define SL_HIST_SUB     8
#define SL_HIST_MAX_EXP 40
#define SL_HIST_BUCKETS (SL_HIST_EXACT + (SL_HIST_MAX_EXP - 3) * SL_HIST_SUB)

/* Invariants: count is the sum of bucket[]; max the largest value put. */
struct sl_hist {
	uint64_t count;
	uint64_t max;
	uint64_t bucket[SL_HIST_BUCKETS];
};

static inline unsigned
sl_hist_index(uint64_t us)
{
	unsigned e;

	if (us < SL_HIST_EXACT)
		return (unsigned)us;
	e = 63u - (unsigned)__builtin_clzll(us);
	if (e > SL_HIST_MAX_EXP)
		return SL_HIST_BUCKETS - 1;
	return SL_HIST_EXACT + (e - 4) * SL_HIST_SUB +
	       (unsigned)((us >> (e - 3)) & (SL_HIST_SUB - 1));
}

/* Adds one duration of us microseconds. */
static inline void
sl_hist_put(struct sl_hist *h, uint64_t us)
{
	h->bucket[sl_hist_index(us)]++;
	h->count++;
	if (us > h->max)
		h->max = us;
}

/* Returns the upper bound in microseconds of the bucket holding the
 * q-quantile (0 < q <= 1), at most the largest value put; 0 when h is
 * empty. */
static inline uint64_t
sl_hist_quantile(const struct sl_hist *h, double q)
{
	uint64_t want = (uint64_t)((double)h->count * q + 0.999999), seen = 0;
	unsigned i, e;
	uint64_t upper;

	if (h->count == 0)
		return 0;
	for (i = 0; i < SL_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want)
			break;
	}
	if (i < SL_HIST_EXACT)
		upper = i;
	else {
		e = 4 + (i - SL_HIST_EXACT) / SL_HIST_SUB;
		upper = ((uint64_t)(SL_HIST_SUB + (i - SL_HIST_EXACT) % SL_HIST_SUB + 1)
			 << (e - 3)) - 1;
	}
	return upper < h->max ? upper : h->max;
}

#endif
