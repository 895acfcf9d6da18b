/* sl_kafka.h: the producer pool member a worker delivers through: record
 * format (one Kafka record per message), acks=all and idempotence by
 * default, partition chosen by source so per-source order holds. */
#ifndef SL_KAFKA_H
#define SL_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "sl_ack-t.h"
#include "sl_config-t.h"
#include "sl_kafka-t.h"
#include "sl_meta-t.h"
#include "sl_source-t.h"

/* Record header names; their values are text so any consumer can read
 * them: source "ip:port", receive time as decimal ns since the epoch. */
#define SL_KAFKA_HDR_SOURCE "sluice.source"
#define SL_KAFKA_HDR_RX_NS  "sluice.rx_ns"

/* Creates producer number id for brokers with the sluice defaults
 * (acks=all, enable.idempotence=true, compression.codec=lz4, linger.ms=5,
 * ...) overridden by props[0..n_props) in order. Returns the producer, or
 * NULL with the librdkafka error in err. Freed with sl_kafka_free(). */
struct sl_kafka *sl_kafka_new(unsigned id, const char *brokers,
			      const struct sl_config_kv *props,
			      unsigned n_props, char *err, size_t errlen);

/* Produces one record to topic: value is copied (the caller keeps its
 * buffer), key is the host, headers carry meta's source and receive time;
 * src is the worker's entry of the source; ack is what the delivery
 * report settles: &src->tag, or a struct sl_msg_ack whose sender waits
 * (still the caller's unless 0 is returned). Returns 0 when queued,
 * -EAGAIN when the local queue is full (nothing queued; poll and retry),
 * -EMSGSIZE when librdkafka refused the record itself (too large,
 * invalid: a resend would be refused too), or -EINVAL when it refused it
 * for another reason (fatal producer error, unknown topic: a resend may
 * pass later); both counted as SL_DROP_KAFKA_REJECTED. */
int sl_kafka_produce(struct sl_kafka *k, const char *topic,
		     const void *key, size_t key_len, const void *value,
		     size_t value_len, const struct sl_meta *meta,
		     struct sl_source *src, struct sl_ack_tag *ack);

/* An envelope to produce. payload (malloc'd) passes to librdkafka when
 * queued; ack (malloc'd) comes back in the delivery report, which frees
 * it. sources is "ip,ip,..." of the hosts inside (header sluice.sources,
 * so consumers can filter without decoding). */
struct sl_kafka_envelope {
	const char *topic;
	void *payload;
	size_t len;
	uint32_t count;
	uint64_t first_rx_ns;
	uint64_t last_rx_ns;
	uint32_t key_id;              /* 0: not encrypted */
	const char *sources;
	size_t sources_len;
	struct sl_envelope_ack *ack;
};

/* Envelope record header names. */
#define SL_KAFKA_HDR_FORMAT   "sluice.format"
#define SL_KAFKA_HDR_COUNT    "sluice.count"
#define SL_KAFKA_HDR_FIRST_NS "sluice.first_rx_ns"
#define SL_KAFKA_HDR_LAST_NS  "sluice.last_rx_ns"
#define SL_KAFKA_HDR_SOURCES  "sluice.sources"
#define SL_KAFKA_HDR_KEY_ID   "sluice.key_id"
#define SL_KAFKA_ENVELOPE_FORMAT "envelope/1"

/* Produces envelope e, keyed by its bucket, partitioned like its
 * sources' records would be. Returns 0 when queued (payload and ack now
 * belong to librdkafka and the delivery report), -EAGAIN when the local
 * queue is full (nothing queued, both still the caller's), or -EINVAL
 * when refused for good (counted as SL_DROP_KAFKA_REJECTED for every
 * message; payload and ack still the caller's, to free). */
int sl_kafka_produce_envelope(struct sl_kafka *k, const struct sl_kafka_envelope *e);

/* Makes k a producer shared by several workers: worker poller serves its
 * delivery reports and forwards those of another worker's messages to
 * settle[owner] (multi-producer rings, one per worker, each large enough
 * for every record in flight). */
void sl_kafka_share(struct sl_kafka *k, unsigned poller,
		    struct rte_ring **settle);

/* Applies one delivery outcome to what opaque (a record's or envelope's
 * ack, sl_ack-t.h) acknowledges: per-source delivered or failed counts;
 * frees an envelope's ack. Called by the owning worker only. */
void sl_kafka_settle(void *opaque, enum sl_ack_outcome outcome);

/* Waits up to timeout_ms for the cluster's metadata (the brokers answer).
 * Returns 0 once they did, or -1 with librdkafka's reason in err. Call
 * before the producer's worker runs (it is not thread-safe against
 * nothing, but it queues behind the worker's own calls). */
int sl_kafka_wait_metadata(struct sl_kafka *k, int timeout_ms, char *err,
			   size_t errlen);

/* Serves delivery reports for up to timeout_ms. Returns how many. */
int sl_kafka_poll(struct sl_kafka *k, int timeout_ms);

/* Number of records produced and not yet reported. */
int sl_kafka_outstanding(const struct sl_kafka *k);

/* Waits up to timeout_ms for every outstanding record, then purges what
 * is left (each purged record is reported failed, reason
 * SL_DROP_SHUTDOWN). Returns the number of records not delivered for
 * want of time. */
int sl_kafka_drain(struct sl_kafka *k, int timeout_ms);

/* Writes one line per librdkafka error that failed deliveries on k, with
 * its count, prefixed by label. Call only while k's worker is stopped. */
void sl_kafka_print_errors(const struct sl_kafka *k, FILE *f,
			   const char *label);

/* Destroys the producer (call sl_kafka_drain first). */
void sl_kafka_free(struct sl_kafka *k);

#endif
