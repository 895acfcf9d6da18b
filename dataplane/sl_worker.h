/* sl_worker.h: the worker stage. */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include "sl_batch.h"
#include "sl_route.h"
#include "sl_syslog-t.h"
#include "sl_keyfeed-t.h"
#include "sl_worker-t.h"

/* Worker parameters: rings it consumes, its producer and routing table. */
struct sl_worker_params {
	unsigned id;
	unsigned burst;                 /* 1..SL_BURST_MAX */
	uint32_t max_message;
	unsigned poll_interval_us;
	unsigned max_sources;
	uint64_t source_idle_ns;        /* evictable after this idle */
	struct sl_site_rule site_rule;
	const struct sl_ring_set *rings;
	struct sl_kafka *kafka;         /* its producer (the caller's, and it
					 * must outlive the worker) */
	int polls_kafka;                /* this worker serves kafka's reports */
	struct rte_ring *settle;        /* this worker's settle ring, or NULL */
	const struct sl_router *router; /* must outlive the worker */
	int socket;
	/* Envelope routes: encoder non-NULL (ownership passes to the
	 * worker) turns batching on with these parameters. */
	struct sl_envelope_encoder *encoder;
	struct sl_batcher_params batch;
	struct sl_keyfeed *keys;        /* key rotations, or NULL */
	/* Senders that wait (stream lcores): replies[s] is the reply ring
	 * to stream lcore s (the caller's), acks_in_flight how many of its
	 * messages may be in flight at once. */
	unsigned n_streams;
	struct rte_ring *const *replies;
	uint32_t acks_in_flight;
	/* Control plane: pause/resume commands (struct sl_obs_command
	 * elements, the caller's ring) and the RCU the router is swapped
	 * under; both may be NULL. */
	struct rte_ring *control;
	struct rte_rcu_qsbr *qsbr;
};

/* A pause (pause = 1) or resume of the source addr (port 0), whose
 * sl_addr_hash is hash, for the worker that owns it. */
struct sl_worker_command {
	struct sl_addr addr;
	uint32_t hash;
	uint8_t pause;
};

/* Creates worker params->id consuming rings[*][id]. Returns the worker,
 * or NULL with rte_errno set (the encoder is then still the caller's). */
struct sl_worker *sl_worker_create(const struct sl_worker_params *params);

/* Frees w, its batches and its source table (drain its producer and
 * settle what was forwarded first; the producer stays the caller's). Returns the number of messages it still held, in mbufs or in
 * envelopes not handed to Kafka (counted as SL_DROP_SHUTDOWN). */
unsigned sl_worker_free(struct sl_worker *w);

/* Frees mbufs[0..n) that w will not deliver, counting them as drop
 * reason r and answering their waiting senders with a failure. */
void sl_worker_discard(struct sl_worker *w, struct rte_mbuf **mbufs,
		       unsigned n, enum sl_drop_reason r);

/* Swaps w's routing table for router (reload): the worker takes it at
 * its next message; the old one may be freed once rte_rcu_qsbr_check
 * says every worker passed a quiescent point after this. */
static inline void
sl_worker_set_router(struct sl_worker *w, const struct sl_router *router)
{
	__atomic_store_n(&w->router, router, __ATOMIC_RELEASE);
}

/* Binds w's counters to the calling lcore's block. Call once on the lcore
 * that runs w, before the first sl_worker_poll(). */
void sl_worker_bind(struct sl_worker *w);

/* Ends what sl_worker_bind started on this lcore (the RCU reader
 * registration). Call once w's lcore stopped polling it. */
void sl_worker_unbind(struct sl_worker *w);

/* One round: produces held messages, then dequeues up to one burst per
 * ring and produces it, and serves delivery reports when due. Never
 * blocks. Returns the number of messages taken off rings or produced
 * (0 when idle). */
unsigned sl_worker_poll(struct sl_worker *w);

/* Serves delivery reports: those forwarded to w, and, when w polls its
 * producer, the producer's own for up to timeout_ms. A worker that shares
 * a producer it does not poll waits up to timeout_ms instead. */
void sl_worker_serve(struct sl_worker *w, int timeout_ms);

/* Applies the delivery reports a shared producer's poller forwarded to
 * w. Returns how many. */
unsigned sl_worker_settle(struct sl_worker *w);

/* Returns 1 when w holds nothing and its rings are empty (open envelope
 * batches do not count: see sl_worker_flush). */
int sl_worker_idle(const struct sl_worker *w);

/* Seals every open envelope batch and hands it to Kafka, as far as
 * Kafka's queue allows. Returns 1 when nothing is left in w's batches,
 * 0 when an envelope still waits for room (poll and call again). */
int sl_worker_flush(struct sl_worker *w);

/* One message as a worker sees it once read: where it came from, its
 * bytes (in the mbuf, or made contiguous in the scratch buffer), its
 * parsed header (sl_syslog_parse_min: no structured data, MSG not
 * located), its route and its source entry. */
struct sl_worker_msg {
	const struct sl_meta *meta;
	const uint8_t *data;
	struct sl_syslog_msg hdr;
	struct sl_route_result route;
	struct sl_source *src;
};

/* Reads message mbuf m the way every worker does: checks its size
 * against max_message, makes a chained message contiguous in scratch
 * (max_message bytes), parses its header, routes it and finds its source
 * in sources. Returns 0 with *x filled, or -1 when m is to be dropped
 * (counted in st as oversize or empty). m stays the caller's. */
int sl_worker_read(struct rte_mbuf *m, uint32_t max_message, uint8_t *scratch,
		   const struct sl_router *router,
		   struct sl_source_table *sources, struct sl_lcore_stats *st,
		   struct sl_worker_msg *x);

/* Counts message x as taken by a worker: its source's in counters and the
 * lcore's message counters. */
void sl_worker_count(const struct sl_worker_msg *x, struct sl_lcore_stats *st);

/* Processes one message mbuf m (sl_meta filled, data = the message):
 * parse, route, produce. Frees m unless Kafka's queue is full, in which
 * case it returns -EAGAIN and m is still the caller's. Returns 0 when m
 * was produced or dropped (and counted). Exposed for tests. */
int sl_worker_handle(struct sl_worker *w, struct rte_mbuf *m);

#endif
