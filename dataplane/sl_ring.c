/* sl_ring.c: receive-to-worker rings and the burst dispatcher. */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "sl_meta.h"
#include "sl_ring.h"
#include "sl_stats.h"

int
sl_ring_set_create(struct sl_ring_set *rs, const char *prefix,
		   unsigned n_producers, unsigned n_workers, unsigned size,
		   int socket)
{
	char name[RTE_RING_NAMESIZE];
	unsigned p, w;

	memset(rs, 0, sizeof(*rs));
	if (n_producers == 0 || n_producers > SL_MAX_PRODUCERS ||
	    n_workers == 0 || n_workers > SL_MAX_WORKERS) {
		rte_errno = EINVAL;
		return -1;
	}
	rs->n_producers = n_producers;
	rs->n_workers = n_workers;
	for (p = 0; p < n_producers; p++) {
		for (w = 0; w < n_workers; w++) {
			snprintf(name, sizeof(name), "%s_%u_%u", prefix, p, w);
			rs->rings[p][w] = rte_ring_create(name, size, socket,
				RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (rs->rings[p][w] == NULL)
				goto fail;
		}
	}
	return 0;
fail:
	{
		int err = rte_errno;

		sl_ring_set_free(rs);
		rte_errno = err;
	}
	return -1;
}

unsigned
sl_ring_set_free(struct sl_ring_set *rs)
{
	struct rte_mbuf *burst[64];
	unsigned p, w, n, total = 0;

	for (p = 0; p < SL_MAX_PRODUCERS; p++) {
		for (w = 0; w < SL_MAX_WORKERS; w++) {
			struct rte_ring *r = rs->rings[p][w];

			if (r == NULL)
				continue;
			while ((n = rte_ring_dequeue_burst(r, (void **)burst,
					RTE_DIM(burst), NULL)) > 0) {
				rte_pktmbuf_free_bulk(burst, n);
				total += n;
			}
			rte_ring_free(r);
			rs->rings[p][w] = NULL;
		}
	}
	return total;
}

void
sl_dispatcher_init(struct sl_dispatcher *d, const struct sl_ring_set *rs,
		   unsigned producer, int wait, struct sl_lcore_stats *stats)
{
	memset(d, 0, sizeof(*d));
	d->rs = rs;
	d->producer = producer;
	d->wait = wait;
	d->local = rs->n_workers == 1 ? 0 : -1;
	d->stats = stats;
}

void
sl_dispatcher_set_local(struct sl_dispatcher *d, unsigned w)
{
	RTE_ASSERT(w < d->rs->n_workers);
	d->local = (int)w;
}

/* Enqueues what d holds for worker w; with the drop policy frees and
 * counts the rest, with the wait policy keeps it at the front of held[w]. */
static void
flush_worker(struct sl_dispatcher *d, unsigned w)
{
	struct rte_ring *r = d->rs->rings[d->producer][w];
	unsigned n = d->n_held[w], sent;

	if (n == 0)
		return;
	sent = rte_ring_sp_enqueue_burst(r, (void **)d->held[w], n, NULL);
	SL_STAT_ADD(d->stats, ring_enqueued, sent);
	if (sent == n) {
		d->n_held[w] = 0;
		d->held_total -= n;
		return;
	}
	if (!d->wait) {
		rte_pktmbuf_free_bulk(&d->held[w][sent], n - sent);
		SL_STAT_DROP(d->stats, SL_DROP_RING_FULL, n - sent);
		d->n_held[w] = 0;
		d->held_total -= n;
		return;
	}
	if (sent > 0)
		memmove(&d->held[w][0], &d->held[w][sent],
			(n - sent) * sizeof(d->held[w][0]));
	d->n_held[w] = (uint16_t)(n - sent);
	d->held_total -= sent;
}

unsigned
sl_dispatch(struct sl_dispatcher *d, struct rte_mbuf **msgs, unsigned n)
{
	const struct sl_ring_set *rs = d->rs;
	unsigned i;

	if (d->local >= 0) {
		unsigned w = (unsigned)d->local;

		memcpy(d->held[w], msgs, n * sizeof(msgs[0]));
		d->n_held[w] = (uint16_t)n;
		d->held_total = n;
	} else {
		for (i = 0; i < n; i++) {
			unsigned w = sl_ring_worker_of(rs, sl_meta(msgs[i])->src_hash);

			d->held[w][d->n_held[w]++] = msgs[i];
		}
		d->held_total = n;
	}
	return sl_dispatch_flush(d);
}

unsigned
sl_dispatch_flush(struct sl_dispatcher *d)
{
	unsigned w;

	for (w = 0; w < d->rs->n_workers && d->held_total > 0; w++)
		flush_worker(d, w);
	return d->held_total;
}

unsigned
sl_dispatch_discard(struct sl_dispatcher *d, enum sl_drop_reason r)
{
	unsigned w, total = d->held_total;

	for (w = 0; w < d->rs->n_workers; w++) {
		if (d->n_held[w] == 0)
			continue;
		rte_pktmbuf_free_bulk(d->held[w], d->n_held[w]);
		d->n_held[w] = 0;
	}
	SL_STAT_DROP(d->stats, r, total);
	d->held_total = 0;
	return total;
}
