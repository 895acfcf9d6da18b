/* sl_keyfeed.h: key rotation without restart: the control thread
 * publishes the current envelope key, each worker takes it between two
 * messages. */
#ifndef SL_KEYFEED_H
#define SL_KEYFEED_H

#include <stdint.h>

#include "sl_envelope.h"
#include "sl_keyfeed-t.h"

/* Creates a feed for n_workers with key (id, key) as generation 1.
 * Returns it, or NULL when locked memory cannot be had. */
struct sl_keyfeed *sl_keyfeed_new(unsigned n_workers, uint32_t id,
				  const uint8_t key[32]);

/* Wipes and frees f (after the workers stopped). */
void sl_keyfeed_free(struct sl_keyfeed *f);

/* Publishes (id, key) as the next generation. Returns 0, or -1 when a
 * worker has not yet taken a generation old enough for its slot to be
 * reused (try again later). Control thread only. */
int sl_keyfeed_publish(struct sl_keyfeed *f, uint32_t id,
		       const uint8_t key[32]);

/* Called by worker w between messages: when a generation newer than *gen
 * is out, sets it on enc and updates *gen. Returns the key id in use
 * after the call. */
uint32_t sl_keyfeed_take(struct sl_keyfeed *f, unsigned w, uint64_t *gen,
			 struct sl_envelope_encoder *enc, uint32_t current);

#endif
