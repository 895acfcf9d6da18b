/* sl_worker-t.h: a worker: parse, route and produce the messages of the
 * sources it owns. */
#ifndef SL_WORKER_T_H
#define SL_WORKER_T_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "sl_batch-t.h"
#include "sl_kafka.h"
#include "sl_kafka-t.h"
#include "sl_ring-t.h"
#include "sl_route-t.h"
#include "sl_source-t.h"
#include "sl_stats-t.h"

/* Invariants: the worker is run by exactly one lcore at a time, which owns
 * kafka, sources and stats; in[0..n_in) are the rings whose consumer it is
 * (one per producer); held[held_pos..n_held) are dequeued mbufs that Kafka
 * had no room for yet, in arrival order, and are produced before anything
 * new is dequeued, so backpressure never reorders a source; scratch holds
 * a chained (reassembled) message made contiguous, max_message bytes. */
struct sl_worker {
	unsigned id;
	unsigned burst;
	uint32_t max_message;
	uint64_t poll_interval_tsc;
	uint64_t last_poll_tsc;
	unsigned n_in;
	unsigned next_in;
	struct rte_ring *in[SL_MAX_PRODUCERS];
	struct sl_kafka *kafka;       /* its own, or shared (then polls_kafka
				       * says whether this worker polls it) */
	int polls_kafka;
	struct rte_ring *settle;      /* reports from a shared producer's poller */
	struct rte_ring *control;     /* pause/resume of sources, or NULL */
	struct rte_rcu_qsbr *qsbr;    /* reload: quiescent reports, or NULL */
	struct sl_source_table *sources;
	struct sl_acker *acker;       /* answers to senders that wait */
	const struct sl_router *router; /* swapped by reload (RCU) */
	struct sl_lcore_stats *stats;
	uint8_t *scratch;
	unsigned n_held;
	unsigned held_pos;
	struct rte_mbuf *held[SL_BURST_MAX];

	/* Envelope routes (NULL when the configuration has none). pending
	 * is a sealed envelope Kafka had no room for (pending.payload !=
	 * NULL): nothing else is produced before it, so a bucket's
	 * envelopes stay in order. */
	struct sl_batcher *batcher;
	struct sl_envelope_encoder *encoder;
	uint32_t key_id;                      /* 0: not encrypting */
	struct sl_keyfeed *keys;              /* rotations, or NULL */
	uint64_t key_gen;                     /* last generation taken */
	struct sl_kafka_envelope pending;
	char pending_topic[SL_TOPIC_MAX + 1];
	char sources_text[1024];              /* pending.sources value */
};

#endif
