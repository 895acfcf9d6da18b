/* sl_batch.h: grouping messages into envelope batches per route (topic
 * and source bucket), and deciding when a batch is sealed: on size, on
 * message count, on the number of sources, or on linger time. The
 * records are copied once from the mbufs into the batch buffer, so no
 * mbuf waits for a batch to close and the receive pools never starve. */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include "sl_ack-t.h"
#include "sl_batch-t.h"
#include "sl_envelope.h"
#include "sl_meta-t.h"

/* Batcher parameters (the [envelope] section). */
struct sl_batcher_params {
	unsigned max_open;
	unsigned buckets;
	size_t batch_bytes;
	uint32_t batch_messages;
	uint32_t max_message;     /* largest message a record may carry */
	unsigned linger_us;
	int socket;
};

/* Creates a batcher. Returns it, or NULL (rte_errno set). */
struct sl_batcher *sl_batcher_create(const struct sl_batcher_params *p);

/* Frees b and its buffers (seal or count what is open first). */
void sl_batcher_free(struct sl_batcher *b);

/* Returns the bucket of a source hash: a source always lands in the same
 * bucket, and so in the same partition. */
static inline uint32_t
sl_batcher_bucket(const struct sl_batcher *b, uint32_t src_hash)
{
	return src_hash % b->buckets;
}

/* Returns the open batch of (topic, bucket), or NULL. */
struct sl_batch *sl_batcher_find(struct sl_batcher *b, const char *topic,
				 uint32_t bucket);

/* Opens a batch for (topic, bucket), which must not be open, at time
 * now_tsc. Returns it, or NULL when max_open batches are open (seal the
 * oldest first). */
struct sl_batch *sl_batcher_open(struct sl_batcher *b, const char *topic,
				 uint32_t bucket, uint64_t now_tsc);

/* Returns 1 when a record of msg_len bytes does not fit in batch t below
 * the size threshold, or t already holds as many messages or sources as
 * a batch may, so t must be sealed before it is added. */
int sl_batch_full_for(const struct sl_batcher *b, const struct sl_batch *t,
		      uint32_t msg_len);

/* Appends message data[0..len) of src, received as meta says, to t (the
 * caller checked sl_batch_full_for first). Returns 1 when t should now be
 * sealed (size, count or source limit reached), else 0. */
int sl_batch_add(const struct sl_batcher *b, struct sl_batch *t,
		 const struct sl_meta *meta, struct sl_source *src,
		 const uint8_t *data, uint32_t len);

/* Seals and closes batch t for sl_batcher_put(). Returns 0 when it did,
 * -1 when it cannot now (the caller's previous envelope still waits for
 * Kafka); t then stays open. */
typedef int (*sl_batch_seal_fn)(void *ctx, struct sl_batch *t);

/* Puts one message into the batch of (topic, the bucket of its source),
 * sealing through seal what must be sealed first (the batch, when the
 * record would pass the size threshold; the oldest batch, when all are
 * open) and the batch itself once it is full. Returns 0 when the message
 * is in a batch, -1 when no batch could take it (count it as dropped). */
int sl_batcher_put(struct sl_batcher *b, const char *topic,
		   const struct sl_meta *meta, struct sl_source *src,
		   const uint8_t *data, uint32_t len, uint64_t now_tsc,
		   sl_batch_seal_fn seal, void *ctx);

/* Writes the hosts of ack as "ip,ip,..." into out (cap bytes, at least
 * 64), "+N" for those that do not fit: the sluice.sources header.
 * Returns the length written. */
size_t sl_envelope_ack_sources(const struct sl_envelope_ack *ack, char *out,
			       size_t cap);

/* Seals t with enc into a new envelope: *payload (malloc'd, its length in
 * *len) and *ack (malloc'd: t's sources, counts and tokens, owner set,
 * acker NULL for the caller to set, for the delivery report). t is left as it was (close it afterwards). Returns 0,
 * or -1 with a reason in err and nothing allocated. */
int sl_batch_seal(const struct sl_batch *t, struct sl_envelope_encoder *enc,
		  unsigned owner, uint8_t **payload, size_t *len,
		  struct sl_envelope_ack **ack, char *err, size_t errlen);

/* Closes t after it was sealed (or dropped): frees its slot. */
void sl_batcher_close(struct sl_batcher *b, struct sl_batch *t);

/* Returns the oldest open batch if it has lingered past the limit at
 * now_tsc, else NULL. */
struct sl_batch *sl_batcher_expired(const struct sl_batcher *b,
				    uint64_t now_tsc);

#endif
