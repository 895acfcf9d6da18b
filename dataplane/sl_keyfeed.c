/* sl_keyfeed.c: publish/take of envelope keys between threads. */
#include <sodium.h>
#include <string.h>

#include "sl_keyfeed.h"
#include "sl_log.h"

struct sl_keyfeed *
sl_keyfeed_new(unsigned n_workers, uint32_t id, const uint8_t key[32])
{
	struct sl_keyfeed *f = sodium_malloc(sizeof(*f));

	if (f == NULL)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->n_workers = n_workers;
	f->slot[1].id = id;
	memcpy(f->slot[1].key, key, 32);
	f->gen = 1;
	return f;
}

void
sl_keyfeed_free(struct sl_keyfeed *f)
{
	if (f != NULL)
		sodium_free(f);   /* zeroes the memory before releasing it */
}

int
sl_keyfeed_publish(struct sl_keyfeed *f, uint32_t id, const uint8_t key[32])
{
	uint64_t next = f->gen + 1;
	unsigned w, s = (unsigned)(next % SL_KEYFEED_SLOTS);

	/* Slot s was last used by generation next - SLOTS: every worker must
	 * have moved past it. */
	for (w = 0; w < f->n_workers; w++)
		if (next >= SL_KEYFEED_SLOTS &&
		    __atomic_load_n(&f->seen[w], __ATOMIC_ACQUIRE) <=
		    next - SL_KEYFEED_SLOTS)
			return -1;
	f->slot[s].id = id;
	memcpy(f->slot[s].key, key, 32);
	__atomic_store_n(&f->gen, next, __ATOMIC_RELEASE);
	return 0;
}

uint32_t
sl_keyfeed_take(struct sl_keyfeed *f, unsigned w, uint64_t *gen,
		struct sl_envelope_encoder *enc, uint32_t current)
{
	uint64_t g = __atomic_load_n(&f->gen, __ATOMIC_ACQUIRE);
	unsigned s;

	if (g == *gen)
		return current;
	s = (unsigned)(g % SL_KEYFEED_SLOTS);
	if (sl_envelope_encoder_set_key(enc, f->slot[s].id,
					f->slot[s].id != 0 ? f->slot[s].key : NULL) != 0)
		SL_LOG(ERR, "worker %u: key %u refused by the encoder, keeping key %u",
		       w, f->slot[s].id, current);
	else
		current = f->slot[s].id;
	*gen = g;
	__atomic_store_n(&f->seen[w], g, __ATOMIC_RELEASE);
	return current;
}
