/* sl_ack.c: per-worker acknowledgement pool and reply rings. */
#include <errno.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "sl_ack.h"
#include "sl_log.h"
#include "sl_source.h"

struct sl_acker *
sl_acker_create(unsigned owner, struct rte_ring *const *replies,
		unsigned n_streams, uint32_t pool_size, int socket)
{
	struct sl_acker *a;
	uint32_t i;

	a = rte_zmalloc_socket("sl_acker", sizeof(*a), RTE_CACHE_LINE_SIZE,
			       socket);
	if (a == NULL)
		goto fail;
	a->owner = owner;
	a->n_streams = n_streams;
	for (i = 0; i < n_streams; i++)
		a->replies[i] = replies[i];
	a->pool_size = pool_size;
	if (pool_size > 0) {
		a->pool = rte_malloc_socket("sl_msg_acks",
					    sizeof(*a->pool) * pool_size,
					    RTE_CACHE_LINE_SIZE, socket);
		if (a->pool == NULL)
			goto fail;
	}
	for (i = pool_size; i > 0; i--) {
		a->pool[i - 1].acker = a;
		a->pool[i - 1].tag.kind = SL_ACK_MESSAGE;
		a->pool[i - 1].next_free = a->free_list;
		a->free_list = &a->pool[i - 1];
	}
	return a;
fail:
	sl_acker_free(a);
	rte_errno = ENOMEM;
	return NULL;
}

void
sl_acker_free(struct sl_acker *a)
{
	if (a == NULL)
		return;
	rte_free(a->pool);
	rte_free(a);
}

struct sl_msg_ack *
sl_ack_msg_get(struct sl_acker *a, struct sl_source *src,
	       uint32_t partition_hash, const struct sl_ack_token *t)
{
	struct sl_msg_ack *m = a->free_list;

	if (m == NULL)
		return NULL;
	a->free_list = m->next_free;
	a->in_use++;
	m->tag.partition_hash = partition_hash;
	m->src = src;
	m->token = *t;
	return m;
}

void
sl_ack_msg_put(struct sl_msg_ack *m)
{
	struct sl_acker *a = m->acker;

	m->next_free = a->free_list;
	a->free_list = m;
	a->in_use--;
}

void
sl_ack_reply(struct sl_acker *a, const struct sl_ack_token *t,
	     enum sl_ack_outcome outcome)
{
	struct sl_ack_token r = *t;

	r.outcome = (uint16_t)outcome;
	if (r.stream >= a->n_streams ||
	    rte_ring_sp_enqueue_elem(a->replies[r.stream], &r, sizeof(r)) != 0) {
		/* The ring has room for everything its stream lcore can have
		 * outstanding; reaching here is a sizing bug, and the sender
		 * then times out and resends. */
		if (a->lost++ == 0)
			SL_LOG(ERR, "worker %u: reply to stream lcore %u lost",
			       a->owner, r.stream);
	}
}

void
sl_ack_reply_all(struct sl_acker *a, const struct sl_ack_token *tokens,
		 uint32_t n, enum sl_ack_outcome outcome)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		sl_ack_reply(a, &tokens[i], outcome);
}

void
sl_ack_msg_settle(struct sl_msg_ack *m, enum sl_ack_outcome outcome)
{
	sl_source_settled(m->src, 1, outcome == SL_ACK_DELIVERED);
	sl_ack_reply(m->acker, &m->token, outcome);
	sl_ack_msg_put(m);
}
