/* sl_ring-t.h: the hand-off from receive lcores to worker lcores. */
#ifndef SL_RING_T_H
#define SL_RING_T_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sl_stats-t.h"

#define SL_MAX_PRODUCERS 32
#define SL_MAX_WORKERS   16
#define SL_BURST_MAX     512

/* One single-producer/single-consumer ring per (producer, worker) pair.
 * Invariants: rings[p][w] is non-NULL for p < n_producers, w < n_workers;
 * only producer p enqueues on rings[p][*] and only worker w dequeues from
 * rings[*][w], so no ring ever sees two writers or two readers. */
struct sl_ring_set {
	unsigned n_producers;
	unsigned n_workers;
	struct rte_ring *rings[SL_MAX_PRODUCERS][SL_MAX_WORKERS];
};

/* A producer's side of the hand-off. Invariants: held[w][0..n_held[w])
 * are mbufs for worker w not yet enqueued (only with wait set: with wait
 * clear, what does not fit is freed and counted at once); the owner takes
 * new input only while held_total is 0, so held[w] never needs more room
 * than one burst. local is the one worker (< rs->n_workers) that gets
 * all messages, which a ring set of one worker always has, or -1 when
 * each goes to the worker of its source's hash. */
struct sl_dispatcher {
	const struct sl_ring_set *rs;
	unsigned producer;
	int wait;                          /* ring_full = wait */
	int local;
	struct sl_lcore_stats *stats;
	unsigned held_total;
	uint16_t n_held[SL_MAX_WORKERS];
	struct rte_mbuf *held[SL_MAX_WORKERS][SL_BURST_MAX];
};

#endif
