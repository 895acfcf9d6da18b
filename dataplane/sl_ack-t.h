/* sl_ack-t.h: what a Kafka record's delivery report acknowledges.
 *
 * Every record produced carries an opaque pointer that librdkafka hands
 * back to the partitioner and to the delivery report. It points at a
 * struct whose first member is a struct sl_ack_tag: a source entry for a
 * record-format message, a struct sl_envelope_ack for an envelope. The
 * tag says which, and carries the hash that picks the partition, so both
 * keep a source's messages in one partition.
 */
#ifndef SL_ACK_T_H
#define SL_ACK_T_H

#include <stdint.h>

enum sl_ack_kind {
	SL_ACK_SOURCE = 1,   /* struct sl_source: one message of it */
	SL_ACK_ENVELOPE,     /* struct sl_envelope_ack: many messages */
};

struct sl_ack_tag {
	uint32_t partition_hash;
	uint32_t kind;       /* enum sl_ack_kind */
};

/* A delivery report handed from the worker that polls a shared producer
 * to the worker that owns the messages' sources (sl_kafka.h): the
 * pointer of the acknowledged struct (8-byte aligned) with its outcome
 * in the low bits. */
enum sl_ack_outcome {
	SL_ACK_DELIVERED = 0,
	SL_ACK_FAILED = 1,
	SL_ACK_PURGED = 2,   /* failed: purged at shutdown */
};
#define SL_ACK_OUTCOME_MASK ((uintptr_t)3)

struct sl_source;

/* An envelope in flight. Invariants: allocated when the envelope is
 * produced, freed by its delivery report; srcs[0..n_srcs) are the
 * envelope's sources and how many of its count messages each sent, so a
 * delivery report moves exactly count messages from unacknowledged to
 * delivered (or failed), source by source. */
struct sl_envelope_ack {
	struct sl_ack_tag tag;
	uint32_t owner;      /* worker whose sources these are */
	uint32_t count;
	uint32_t n_srcs;
	struct {
		struct sl_source *src;
		uint32_t n;
	} srcs[];
};

#endif
