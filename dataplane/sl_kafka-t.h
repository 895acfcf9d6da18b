/* sl_kafka-t.h: one Kafka producer of the pool (one per worker). */
#ifndef SL_KAFKA_T_H
#define SL_KAFKA_T_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>
#include <rte_ring.h>

#define SL_KAFKA_TOPIC_SLOTS 4096 /* power of two */
#define SL_KAFKA_ERR_SLOTS   16

/* A cached topic handle. name is empty for a free slot; a topic has one
 * handle per format, since envelope topics turn librdkafka's compression
 * off (the payload is lz4 already). */
struct sl_kafka_topic {
	char name[256];
	uint64_t hash;
	int envelope;             /* produced without Kafka-side compression */
	rd_kafka_topic_t *rkt;
};

/* Delivery failures of one librdkafka error code. */
struct sl_kafka_err_count {
	rd_kafka_resp_err_t err;
	uint64_t count;
};

/* A producer. Invariants: owned by one worker lcore, which is the only
 * thread that produces on it and the only one that serves its delivery
 * reports (rd_kafka_poll), so delivery callbacks update worker-owned
 * counters without locks; topics[] is an open-addressing cache of topic
 * handles (at most SL_KAFKA_TOPIC_SLOTS - 1 used, so probing ends);
 * errors[] counts failed deliveries per error code, the last slot taking
 * every code once the others are used. A producer shared by several
 * workers is polled by one of them (poller); the reports of the others'
 * messages go to their settle rings, so per-source counters keep a single
 * writer. */
struct sl_kafka {
	rd_kafka_t *rk;
	unsigned id;
	unsigned poller;          /* the worker that polls (serves reports) */
	struct rte_ring **settle; /* per worker, when shared; else NULL */
	unsigned n_topics;
	uint64_t topics_uncached;
	uint64_t purged;          /* messages reported failed by the purge */
	int64_t in_flight;        /* messages produced, not yet reported */
	unsigned n_errors;
	struct sl_kafka_err_count errors[SL_KAFKA_ERR_SLOTS];
	struct sl_kafka_topic topics[SL_KAFKA_TOPIC_SLOTS];
};

#endif
