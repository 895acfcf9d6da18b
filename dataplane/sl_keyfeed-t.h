/* sl_keyfeed-t.h: how a new envelope key reaches the workers. */
#ifndef SL_KEYFEED_T_H
#define SL_KEYFEED_T_H

#include <stdint.h>

#include "sl_ring-t.h"

#define SL_KEYFEED_SLOTS 8

/* The control thread publishes keys, the workers take them, without
 * locks. Invariants: slot[gen % SL_KEYFEED_SLOTS] holds the current key
 * (id 0: encryption off); gen is stored last, with release order, so a
 * worker that reads gen (acquire) finds its slot complete; a slot is
 * rewritten only once every worker's seen[] has passed the generation
 * that used it, so no worker ever reads a slot being written. The whole
 * struct lives in sodium_malloc'd (locked, guarded) memory. */
struct sl_keyfeed {
	uint64_t gen;
	unsigned n_workers;
	struct {
		uint32_t id;
		uint8_t key[32];
	} slot[SL_KEYFEED_SLOTS];
	uint64_t seen[SL_MAX_WORKERS];
};

#endif
