/* sl_batch-t.h: a worker's open envelope batches. */
#ifndef SL_BATCH_T_H
#define SL_BATCH_T_H

#include <stddef.h>
#include <stdint.h>

#include "sl_route-t.h"
#include "sl_source-t.h"

/* How many messages of one source a batch holds. */
struct sl_batch_src {
	struct sl_source *src;
	uint32_t n;
};

/* One batch: the records of one (topic, bucket) not sealed yet.
 * Invariants: raw and srcs are allocated on first use and kept; an open
 * batch has
 * 0 < count, len <= cap (cap leaves room for one largest record beyond
 * the size threshold, so appending never overflows); srcs[0..n_srcs)
 * add up to count; first_rx_ns/last_rx_ns are those of its first and
 * last record; tokens[0..n_tokens) are the tokens of its messages whose
 * senders wait, in batch order (tokens is allocated on the first such
 * message, with room for batch_messages, and kept); prev/next chain the
 * open batches oldest first. */
struct sl_batch {
	char topic[SL_TOPIC_MAX + 1];
	uint64_t hash;            /* of (topic, bucket) */
	uint32_t bucket;
	uint32_t count;
	size_t len;
	uint64_t first_rx_ns;
	uint64_t last_rx_ns;
	uint64_t opened_tsc;
	uint8_t *raw;
	unsigned n_srcs;
	struct sl_batch_src *srcs;
	uint32_t n_tokens;
	struct sl_ack_token *tokens;
	struct sl_batch *prev;
	struct sl_batch *next;
};

/* A worker's batches. Invariants: batches[0..max_open) never move (the
 * open list and callers hold pointers to them); table[] indexes the open
 * ones by (topic, bucket): an open-addressing table (linear probing,
 * backward-shift deletion) of n_slots entries holding index + 1 (0 is
 * empty), n_slots a power of two at least twice max_open so probes end;
 * free_stack[0..n_free) are the closed batches, reused last-closed first
 * so the buffers in use stay few and warm; oldest..newest lists exactly
 * the open batches. */
struct sl_batcher {
	unsigned n_slots;
	unsigned max_open;
	unsigned n_open;
	unsigned n_free;
	unsigned buckets;
	size_t batch_bytes;       /* seal once len reaches this */
	size_t cap;               /* raw buffer size */
	uint32_t batch_messages;  /* seal once count reaches this */
	unsigned max_srcs;        /* seal once this many sources are in */
	uint64_t linger_tsc;      /* seal once the first record is this old */
	uint32_t *table;
	uint32_t *free_stack;
	struct sl_batch *batches;
	struct sl_batch *oldest;
	struct sl_batch *newest;
};

#endif
