/* sl_ack.h: the answers to senders that wait (RELP): a worker's pool of
 * per-message acknowledgements and the reply rings back to the stream
 * lcores. A reply leaves the worker only from a delivery report (or from
 * a failure that ends the message), so a sender hears "stored" only once
 * Kafka stored the message with acks=all. */
#ifndef SL_ACK_H
#define SL_ACK_H

#include <stdint.h>

#include "sl_ack-t.h"
#include "sl_source-t.h"

/* Creates the acker of worker owner: replies[0..n_streams) are the rings
 * to the stream lcores (elements of sizeof(struct sl_ack_token), the
 * caller keeps ownership), pool_size the struct sl_msg_ack it hands out
 * at most at once. Returns it, or NULL (rte_errno = ENOMEM). */
struct sl_acker *sl_acker_create(unsigned owner, struct rte_ring *const *replies,
				 unsigned n_streams, uint32_t pool_size,
				 int socket);

/* Frees a (NULL is fine); every struct sl_msg_ack it handed out must be
 * back, or no longer referenced. */
void sl_acker_free(struct sl_acker *a);

/* Takes a struct sl_msg_ack for one message of src with token t. Returns
 * it, or NULL when all are in flight (wait for delivery reports). */
struct sl_msg_ack *sl_ack_msg_get(struct sl_acker *a, struct sl_source *src,
				  uint32_t partition_hash,
				  const struct sl_ack_token *t);

/* Gives m back to its acker without answering (the produce did not
 * happen and will be retried). */
void sl_ack_msg_put(struct sl_msg_ack *m);

/* Sends outcome for the message of token t to its stream lcore. */
void sl_ack_reply(struct sl_acker *a, const struct sl_ack_token *t,
		  enum sl_ack_outcome outcome);

/* Sends outcome for tokens[0..n). */
void sl_ack_reply_all(struct sl_acker *a, const struct sl_ack_token *tokens,
		      uint32_t n, enum sl_ack_outcome outcome);

/* Answers m's sender with outcome, counts it settled on m's source (the
 * caller counts a drop reason), and gives m back to its acker. */
void sl_ack_msg_settle(struct sl_msg_ack *m, enum sl_ack_outcome outcome);

#endif
