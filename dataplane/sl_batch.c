/* sl_batch.c: per-worker envelope batches: lookup by (topic, bucket),
 * the seal conditions, and the open list for linger. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "sl_batch.h"
#include "sl_envelope.h"
#include "sl_meta-t.h"

static uint64_t
key_hash(const char *topic, uint32_t bucket)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*topic != '\0')
		h = (h ^ (uint8_t)*topic++) * 0x100000001b3ull;
	h ^= bucket;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

struct sl_batcher *
sl_batcher_create(const struct sl_batcher_params *p)
{
	struct sl_batcher *b;
	unsigned i;

	b = rte_zmalloc_socket("sl_batcher", sizeof(*b), RTE_CACHE_LINE_SIZE,
			       p->socket);
	if (b == NULL)
		goto fail;
	b->max_open = p->max_open;
	b->n_slots = rte_align32pow2(2 * p->max_open);
	b->buckets = p->buckets;
	b->batch_bytes = p->batch_bytes;
	b->cap = p->batch_bytes + sl_envelope_record_size(p->max_message);
	b->batch_messages = p->batch_messages;
	b->max_srcs = RTE_MIN(p->batch_messages, 1024u);
	b->linger_tsc = rte_get_tsc_hz() / 1000000 * p->linger_us;
	b->table = rte_zmalloc_socket("sl_batch_table",
		sizeof(*b->table) * b->n_slots, 0, p->socket);
	b->free_stack = rte_malloc_socket("sl_batch_free",
		sizeof(*b->free_stack) * b->max_open, 0, p->socket);
	b->batches = rte_zmalloc_socket("sl_batches",
		sizeof(*b->batches) * b->max_open, RTE_CACHE_LINE_SIZE, p->socket);
	if (b->table == NULL || b->free_stack == NULL || b->batches == NULL)
		goto fail;
	for (i = 0; i < b->max_open; i++)
		b->free_stack[i] = b->max_open - 1 - i;
	b->n_free = b->max_open;
	return b;
fail:
	sl_batcher_free(b);
	rte_errno = ENOMEM;
	return NULL;
}

void
sl_batcher_free(struct sl_batcher *b)
{
	unsigned i;

	if (b == NULL)
		return;
	for (i = 0; b->batches != NULL && i < b->max_open; i++) {
		free(b->batches[i].raw);
		free(b->batches[i].srcs);
		free(b->batches[i].tokens);
	}
	rte_free(b->batches);
	rte_free(b->free_stack);
	rte_free(b->table);
	rte_free(b);
}

/* Returns the table slot holding (topic, bucket), or the empty slot
 * where it would go. */
static unsigned
probe(const struct sl_batcher *b, const char *topic, uint32_t bucket,
      uint64_t h)
{
	unsigned mask = b->n_slots - 1, i = (unsigned)h & mask;

	for (;; i = (i + 1) & mask) {
		const struct sl_batch *t;

		if (b->table[i] == 0)
			return i;
		t = &b->batches[b->table[i] - 1];
		if (t->hash == h && t->bucket == bucket &&
		    strcmp(t->topic, topic) == 0)
			return i;
	}
}

struct sl_batch *
sl_batcher_find(struct sl_batcher *b, const char *topic, uint32_t bucket)
{
	unsigned i = probe(b, topic, bucket, key_hash(topic, bucket));

	return b->table[i] == 0 ? NULL : &b->batches[b->table[i] - 1];
}

struct sl_batch *
sl_batcher_open(struct sl_batcher *b, const char *topic, uint32_t bucket,
		uint64_t now_tsc)
{
	uint64_t h = key_hash(topic, bucket);
	struct sl_batch *t;
	uint32_t idx;
	unsigned slot;

	if (b->n_free == 0)
		return NULL;
	idx = b->free_stack[b->n_free - 1];
	t = &b->batches[idx];
	if (t->raw == NULL) {
		t->raw = malloc(b->cap);
		t->srcs = malloc(sizeof(*t->srcs) * b->max_srcs);
		if (t->raw == NULL || t->srcs == NULL) {
			free(t->raw);
			free(t->srcs);
			t->raw = NULL;
			t->srcs = NULL;
			return NULL;
		}
	}
	b->n_free--;
	slot = probe(b, topic, bucket, h);
	b->table[slot] = idx + 1;
	snprintf(t->topic, sizeof(t->topic), "%s", topic);
	t->hash = h;
	t->bucket = bucket;
	t->count = 0;
	t->len = 0;
	t->n_srcs = 0;
	t->n_tokens = 0;
	t->first_rx_ns = t->last_rx_ns = 0;
	t->opened_tsc = now_tsc;
	t->next = NULL;
	t->prev = b->newest;
	if (b->newest != NULL)
		b->newest->next = t;
	else
		b->oldest = t;
	b->newest = t;
	b->n_open++;
	return t;
}

int
sl_batch_full_for(const struct sl_batcher *b, const struct sl_batch *t,
		  uint32_t msg_len)
{
	/* Count and sources too: a batch whose seal was refused must not
	 * take a record past any limit (srcs[] has max_srcs entries). */
	return t->count > 0 &&
	       (t->len + sl_envelope_record_size(msg_len) > b->batch_bytes ||
		t->count >= b->batch_messages || t->n_srcs >= b->max_srcs);
}

int
sl_batch_add(const struct sl_batcher *b, struct sl_batch *t,
	     const struct sl_meta *meta, struct sl_source *src,
	     const uint8_t *data, uint32_t len)
{
	struct sl_envelope_rec rec;
	uint64_t rx_ns = meta->rx_ns;
	unsigned i;

	rec.rx_ns = rx_ns;
	rec.family = meta->src.family == AF_INET6 ? 6 : 4;
	rec.port = meta->src.port;
	memcpy(rec.addr, meta->src.ip, sizeof(rec.addr));
	sl_envelope_put(t->raw, &t->len, &rec, data, len);
	if (t->count == 0)
		t->first_rx_ns = rx_ns;
	t->last_rx_ns = rx_ns;
	t->count++;
	if (meta->flags & SL_META_F_ACK)
		t->tokens[t->n_tokens++] = meta->ack;
	/* The source's hint first: a batch of many sources would otherwise
	 * cost a scan of srcs[] per message. It may be stale (another batch
	 * joined since, or this one sealed and reopened), so it counts only
	 * when its slot holds src; else the scan, from the newest entry back
	 * since a source sends in runs, and the hint is renewed. */
	i = src->batch_slot;
	if (src->batch != t || i >= t->n_srcs || t->srcs[i].src != src) {
		for (i = t->n_srcs; i > 0 && t->srcs[i - 1].src != src; i--)
			;
		if (i > 0) {
			i--;
		} else {
			i = t->n_srcs++;
			t->srcs[i].src = src;
			t->srcs[i].n = 0;
		}
		src->batch = t;
		src->batch_slot = i;
	}
	t->srcs[i].n++;
	return t->len >= b->batch_bytes || t->count >= b->batch_messages ||
	       t->n_srcs >= b->max_srcs;
}

int
sl_batcher_put(struct sl_batcher *b, const char *topic,
	       const struct sl_meta *meta, struct sl_source *src,
	       const uint8_t *data, uint32_t len, uint64_t now_tsc,
	       sl_batch_seal_fn seal, void *ctx)
{
	uint32_t bucket = sl_batcher_bucket(b, meta->src_hash);
	struct sl_batch *t = sl_batcher_find(b, topic, bucket);

	if (t != NULL && sl_batch_full_for(b, t, len)) {
		if (seal(ctx, t) != 0)
			return -1;
		t = NULL;
	}
	if (t == NULL) {
		t = sl_batcher_open(b, topic, bucket, now_tsc);
		/* Every batch slot is open: the oldest makes room. */
		if (t == NULL && b->oldest != NULL && seal(ctx, b->oldest) == 0)
			t = sl_batcher_open(b, topic, bucket, now_tsc);
		if (t == NULL)
			return -1;
	}
	if ((meta->flags & SL_META_F_ACK) && t->tokens == NULL) {
		t->tokens = malloc(sizeof(*t->tokens) * b->batch_messages);
		if (t->tokens == NULL) {
			if (t->count == 0)
				sl_batcher_close(b, t);
			return -1;
		}
	}
	if (sl_batch_add(b, t, meta, src, data, len))
		seal(ctx, t);   /* when it cannot now, the next put does */
	return 0;
}

size_t
sl_envelope_ack_sources(const struct sl_envelope_ack *ack, char *out,
			size_t cap)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < ack->n_srcs; i++) {
		const struct sl_source *s = ack->srcs[i].src;
		size_t need = (size_t)s->ip_len + 1;

		if (n + need + 12 > cap) {
			n += (size_t)snprintf(out + n, cap - n, "%s+%u",
					      n ? "," : "", ack->n_srcs - i);
			break;
		}
		if (n > 0)
			out[n++] = ',';
		memcpy(out + n, s->ip_text, s->ip_len);
		n += s->ip_len;
	}
	return n;
}

int
sl_batch_seal(const struct sl_batch *t, struct sl_envelope_encoder *enc,
	      unsigned owner, uint8_t **payload, size_t *len,
	      struct sl_envelope_ack **ack, char *err, size_t errlen)
{
	size_t bound = sl_envelope_sealed_bound(t->len);
	struct sl_envelope_ack *a;
	uint8_t *out;
	uint32_t i;

	out = malloc(bound);
	a = malloc(sizeof(*a) + t->n_srcs * sizeof(a->srcs[0]) +
		   t->n_tokens * sizeof(a->tokens[0]));
	if (out == NULL || a == NULL) {
		snprintf(err, errlen, "out of memory for an envelope of %zu bytes",
			 bound);
		goto fail;
	}
	*len = sl_envelope_seal(enc, t->raw, t->len, t->count, t->first_rx_ns,
				t->last_rx_ns, out, bound, err, errlen);
	if (*len == 0)
		goto fail;
	a->tag.partition_hash = t->bucket;
	a->tag.kind = SL_ACK_ENVELOPE;
	a->owner = owner;
	a->count = t->count;
	a->n_srcs = t->n_srcs;
	for (i = 0; i < t->n_srcs; i++) {
		a->srcs[i].src = t->srcs[i].src;
		a->srcs[i].n = t->srcs[i].n;
	}
	a->acker = NULL;
	a->n_tokens = t->n_tokens;
	a->tokens = (struct sl_ack_token *)&a->srcs[t->n_srcs];
	if (t->n_tokens > 0)
		memcpy(a->tokens, t->tokens, t->n_tokens * sizeof(a->tokens[0]));
	*payload = out;
	*ack = a;
	return 0;
fail:
	free(out);
	free(a);
	return -1;
}

void
sl_batcher_close(struct sl_batcher *b, struct sl_batch *t)
{
	unsigned mask = b->n_slots - 1;
	unsigned i = probe(b, t->topic, t->bucket, t->hash), j, home;

	/* Backward-shift deletion: move later entries of the same probe run
	 * into the hole, so lookups never need tombstones. */
	b->table[i] = 0;
	for (j = (i + 1) & mask; b->table[j] != 0; j = (j + 1) & mask) {
		home = (unsigned)b->batches[b->table[j] - 1].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			b->table[i] = b->table[j];
			b->table[j] = 0;
			i = j;
		}
	}
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		b->oldest = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		b->newest = t->prev;
	t->prev = t->next = NULL;
	b->free_stack[b->n_free++] = (uint32_t)(t - b->batches);
	b->n_open--;
}

struct sl_batch *
sl_batcher_expired(const struct sl_batcher *b, uint64_t now_tsc)
{
	const struct sl_batch *t = b->oldest;

	if (t == NULL || now_tsc - t->opened_tsc < b->linger_tsc)
		return NULL;
	return b->oldest;
}
