/* sl_stats.h: per-lcore counters: the array, the owner-side increment,
 * and the control-side sum and report. */
#ifndef SL_STATS_H
#define SL_STATS_H

#include <stdio.h>

#include <rte_lcore.h>

#include "sl_stats-t.h"

extern struct sl_lcore_stats sl_lcore_stats[RTE_MAX_LCORE];

/* Adds n to counter field f of stats block s. Only the owning lcore may
 * call it; see sl_stats-t.h for why a relaxed load/store pair is enough. */
#define SL_STAT_ADD(s, f, n) \
	__atomic_store_n(&(s)->f, __atomic_load_n(&(s)->f, __ATOMIC_RELAXED) + (n), \
			 __ATOMIC_RELAXED)

#define SL_STAT_DROP(s, reason, n) SL_STAT_ADD(s, drops[reason], n)

/* Returns the stats block of the calling lcore. Non-EAL threads share the
 * last slot; sluice runs no data path on such threads. */
static inline struct sl_lcore_stats *
sl_stats_self(void)
{
	unsigned id = rte_lcore_id();

	return &sl_lcore_stats[id < RTE_MAX_LCORE ? id : RTE_MAX_LCORE - 1];
}

/* Returns the stable name of a drop reason ("ring_full", ...). */
const char *sl_drop_name(enum sl_drop_reason r);

/* Sums every lcore's counters into *total (read side, any thread). */
void sl_stats_sum(struct sl_lcore_stats *total);

/* Writes one line "key=value ..." of the summed counters to f, prefixed by
 * label and followed by extra (more " key=value" pairs, may be ""). Zero
 * drop counters are left out to keep the line readable. */
void sl_stats_print(FILE *f, const char *label, const char *extra);

#endif
