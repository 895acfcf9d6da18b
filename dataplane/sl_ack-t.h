/* sl_ack-t.h: what a Kafka record's delivery report acknowledges.
 *
 * Every record produced carries an opaque pointer that librdkafka hands
 * back to the partitioner and to the delivery report. It points at a
 * struct whose first member is a struct sl_ack_tag: a source entry for a
 * record-format message, a struct sl_msg_ack for a record-format message
 * whose sender waits for an acknowledgement (RELP), a struct
 * sl_envelope_ack for an envelope. The tag says which, and carries the
 * hash that picks the partition, so all keep a source's messages in one
 * partition.
 *
 * A message whose sender waits carries a struct sl_ack_token from the
 * stream lcore that read it, through the ring, the record or envelope
 * and the delivery report, back to that stream lcore (sl_ack.h), which
 * answers the sender only then.
 */
#ifndef SL_ACK_T_H
#define SL_ACK_T_H

#include <stdint.h>

#define SL_ACK_MAX_STREAMS 8

struct rte_ring;

enum sl_ack_kind {
	SL_ACK_SOURCE = 1,   /* struct sl_source: one message of it */
	SL_ACK_ENVELOPE,     /* struct sl_envelope_ack: many messages */
	SL_ACK_MESSAGE,      /* struct sl_msg_ack: one message, answered */
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
	SL_ACK_FAILED = 1,   /* not stored now: a resend may be */
	SL_ACK_PURGED = 2,   /* failed: purged at shutdown */
	SL_ACK_REJECTED = 3, /* refused for good: a resend would be too */
};
#define SL_ACK_OUTCOME_MASK ((uintptr_t)3)

struct sl_source;
struct sl_acker;

/* Where the answer for one message goes. Invariants: stream is the index
 * of the stream lcore that read the message, conn the slot of its
 * connection there and gen that slot's generation at the time (a slot is
 * reused by later connections, which have another gen); seq is the
 * message's place in the session's response window. outcome is set only
 * in the reply a worker sends back. */
struct sl_ack_token {
	uint32_t conn;
	uint32_t gen;
	uint32_t seq;
	uint16_t stream;
	uint16_t outcome;    /* enum sl_ack_outcome, in a reply */
};

/* A record-format message in flight whose sender waits. Invariants: taken
 * from its acker's pool when produced, given back by its delivery report
 * (or at once when the produce fails); tag.partition_hash is that of src,
 * so it lands where the source's other records do. */
struct sl_msg_ack {
	struct sl_ack_tag tag;
	struct sl_acker *acker;
	struct sl_source *src;
	struct sl_ack_token token;
	struct sl_msg_ack *next_free;
};

/* An envelope in flight. Invariants: allocated when the envelope is
 * produced, freed by its delivery report; srcs[0..n_srcs) are the
 * envelope's sources and how many of its count messages each sent, so a
 * delivery report moves exactly count messages from unacknowledged to
 * delivered (or failed), source by source; tokens[0..n_tokens) (in the
 * same allocation, after srcs) are the messages whose senders wait, in
 * the order they were batched, answered through acker. */
struct sl_envelope_ack {
	struct sl_ack_tag tag;
	uint32_t owner;      /* worker whose sources these are */
	uint32_t count;
	uint32_t n_srcs;
	uint32_t n_tokens;
	struct sl_acker *acker;
	struct sl_ack_token *tokens;
	struct {
		struct sl_source *src;
		uint32_t n;
	} srcs[];
};

/* The answering side of one worker. Invariants: owned by the worker
 * (only its lcore touches it); replies[s] is the single-producer ring to
 * stream lcore s, holding struct sl_ack_token elements, with room for
 * every token stream lcore s can have outstanding, so a reply always
 * fits; pool[0..pool_size) are the struct sl_msg_ack of this worker, the
 * unused ones chained from free_list; lost counts replies a ring refused
 * (never, when the sizes hold). */
struct sl_acker {
	unsigned owner;
	unsigned n_streams;
	struct rte_ring *replies[SL_ACK_MAX_STREAMS];
	struct sl_msg_ack *free_list;
	struct sl_msg_ack *pool;
	uint32_t pool_size;
	uint32_t in_use;
	uint64_t lost;
};

#endif
