/* sl_ring.h: the rings between receive lcores and workers, and the
 * dispatch of a burst to the worker that owns each message's source. */
#ifndef SL_RING_H
#define SL_RING_H

#include "sl_ring-t.h"

/* Creates n_producers x n_workers SP/SC rings of size entries (a power of
 * two; a ring holds size - 1) named "<prefix>_<p>_<w>" on NUMA node
 * socket. Returns 0, or -1 with rte_errno set (rings made so far freed). */
int sl_ring_set_create(struct sl_ring_set *rs, const char *prefix,
		       unsigned n_producers, unsigned n_workers, unsigned size,
		       int socket);

/* Frees every mbuf still queued and every ring of rs. Returns the number
 * of mbufs that were still queued. */
unsigned sl_ring_set_free(struct sl_ring_set *rs);

/* Returns the worker that owns a source hash, for dispatchers that hash
 * (all but the local ones, sl_dispatcher_set_local). */
static inline unsigned
sl_ring_worker_of(const struct sl_ring_set *rs, uint32_t src_hash)
{
	return src_hash % rs->n_workers;
}

/* Prepares d as producer number producer of rs. wait selects the
 * ring_full = wait policy; stats is the producer lcore's block. */
void sl_dispatcher_init(struct sl_dispatcher *d, const struct sl_ring_set *rs,
			unsigned producer, int wait,
			struct sl_lcore_stats *stats);

/* Sends everything d dispatches to worker w instead of the worker of
 * each source: for a run-to-completion lcore whose input keeps every
 * sender on its queue (RSS by address, or a device that splits by
 * sender), so the lcore is its senders' worker and no message crosses to
 * another core. w must be below the ring set's n_workers. */
void sl_dispatcher_set_local(struct sl_dispatcher *d, unsigned w);

/* Hands msgs[0..n) (mbufs with sl_meta filled) to the rings of their
 * workers, keeping their order per worker. Ownership of every mbuf passes
 * to the rings, to d (held, wait policy) or is freed and counted as
 * SL_DROP_RING_FULL. n must not exceed SL_BURST_MAX and d must hold
 * nothing (sl_dispatch_pending() == 0). Returns the number still held. */
unsigned sl_dispatch(struct sl_dispatcher *d, struct rte_mbuf **msgs,
		     unsigned n);

/* Retries the enqueue of what d holds. Returns the number still held. */
unsigned sl_dispatch_flush(struct sl_dispatcher *d);

/* Frees what d holds, counting it as drop reason r. Returns how many. */
unsigned sl_dispatch_discard(struct sl_dispatcher *d, enum sl_drop_reason r);

static inline unsigned
sl_dispatch_pending(const struct sl_dispatcher *d)
{
	return d->held_total;
}

#endif
