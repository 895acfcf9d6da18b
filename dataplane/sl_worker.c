/* sl_worker.c: dequeue, parse, route, produce: one record per message,
 * or batched into envelopes (sl_batch) sealed on this lcore. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "sl_ack.h"
#include "sl_envelope.h"
#include "sl_kafka.h"
#include "sl_keyfeed.h"
#include "sl_log.h"
#include "sl_meta.h"
#include "sl_route.h"
#include "sl_source.h"
#include "sl_stats.h"
#include "sl_syslog.h"
#include "sl_worker.h"

struct sl_worker *
sl_worker_create(const struct sl_worker_params *p)
{
	char name[RTE_HASH_NAMESIZE];
	struct sl_worker *w;
	unsigned i;

	w = rte_zmalloc_socket("sl_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
			       p->socket);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->id = p->id;
	w->burst = RTE_MIN(p->burst, (unsigned)SL_BURST_MAX);
	w->max_message = p->max_message;
	w->poll_interval_tsc = rte_get_tsc_hz() / 1000000 * p->poll_interval_us;
	w->router = p->router;
	w->stats = sl_stats_self();
	w->n_in = p->rings->n_producers;
	for (i = 0; i < w->n_in; i++)
		w->in[i] = p->rings->rings[i][p->id];
	w->scratch = rte_malloc_socket("sl_worker_scratch", p->max_message, 0,
				       p->socket);
	snprintf(name, sizeof(name), "sl_src_%u", p->id);
	w->sources = sl_source_table_create(name, p->max_sources, p->socket,
					    p->id, p->source_idle_ns,
					    &p->site_rule);
	if (p->encoder != NULL)
		w->batcher = sl_batcher_create(&p->batch);
	w->acker = sl_acker_create(p->id, p->replies, p->n_streams,
				   p->acks_in_flight, p->socket);
	if (w->scratch == NULL || w->sources == NULL || w->acker == NULL ||
	    (p->encoder != NULL && w->batcher == NULL)) {
		sl_acker_free(w->acker);
		sl_batcher_free(w->batcher);
		sl_source_table_free(w->sources);
		rte_free(w->scratch);
		rte_free(w);
		rte_errno = ENOMEM;
		return NULL;
	}
	w->kafka = p->kafka;
	w->polls_kafka = p->polls_kafka;
	w->settle = p->settle;
	w->control = p->control;
	w->qsbr = p->qsbr;
	w->encoder = p->encoder;
	w->keys = p->keys;
	if (w->keys != NULL)
		w->key_id = sl_keyfeed_take(w->keys, w->id, &w->key_gen,
					    w->encoder, 0);
	return w;
}

/* Counts the n messages of every source in ack as failed (reason r,
 * already counted by the caller or here when count_drop is set) and frees
 * the envelope. */
static void
envelope_fail(struct sl_worker *w, void *payload, struct sl_envelope_ack *ack,
	      enum sl_drop_reason r, int count_drop)
{
	uint32_t i;

	for (i = 0; i < ack->n_srcs; i++) {
		sl_source_settled(ack->srcs[i].src, ack->srcs[i].n, 0);
		sl_source_dropped(ack->srcs[i].src, r, ack->srcs[i].n);
	}
	sl_ack_reply_all(w->acker, ack->tokens, ack->n_tokens, SL_ACK_FAILED);
	if (count_drop)
		SL_STAT_DROP(w->stats, r, ack->count);
	free(payload);
	free(ack);
}

/* Tries to queue the pending envelope. Returns 1 when nothing is pending
 * any more (queued, or refused for good and counted), 0 when Kafka's
 * queue is still full. */
static int
pending_produce(struct sl_worker *w)
{
	int rc;

	if (w->pending.payload == NULL)
		return 1;
	rc = sl_kafka_produce_envelope(w->kafka, &w->pending);
	if (rc == -EAGAIN)
		return 0;
	if (rc != 0)
		envelope_fail(w, w->pending.payload, w->pending.ack,
			      SL_DROP_KAFKA_REJECTED, 0);
	w->pending.payload = NULL;
	w->pending.ack = NULL;
	return 1;
}

/* Counts the messages of batch t as failed (reason r), answers their
 * waiting senders, and closes t. */
static void
batch_fail(struct sl_worker *w, struct sl_batch *t, enum sl_drop_reason r)
{
	uint32_t i;

	for (i = 0; i < t->n_srcs; i++) {
		sl_source_settled(t->srcs[i].src, t->srcs[i].n, 0);
		sl_source_dropped(t->srcs[i].src, r, t->srcs[i].n);
	}
	sl_ack_reply_all(w->acker, t->tokens, t->n_tokens, SL_ACK_FAILED);
	SL_STAT_DROP(w->stats, r, t->count);
	sl_batcher_close(w->batcher, t);
}

/* Seals batch t, closes it, and hands the envelope to Kafka (or keeps it
 * pending when Kafka's queue is full). Called only with nothing pending. */
static void
seal(struct sl_worker *w, struct sl_batch *t)
{
	struct sl_envelope_ack *ack;
	uint8_t *payload;
	char err[256];
	size_t len;

	if (sl_batch_seal(t, w->encoder, w->id, &payload, &len, &ack, err,
			  sizeof(err)) != 0) {
		SL_LOG(ERR, "worker %u: envelope of %u messages for %s not sealed: %s",
		       w->id, t->count, t->topic, err);
		batch_fail(w, t, SL_DROP_ENVELOPE);
		return;
	}
	ack->acker = w->acker;
	SL_STAT_ADD(w->stats, env_raw_bytes, t->len);
	memcpy(w->pending_topic, t->topic, sizeof(w->pending_topic));
	w->pending = (struct sl_kafka_envelope){
		.topic = w->pending_topic,
		.payload = payload,
		.len = len,
		.count = t->count,
		.first_rx_ns = t->first_rx_ns,
		.last_rx_ns = t->last_rx_ns,
		.key_id = w->key_id,
		.sources = w->sources_text,
		.ack = ack,
	};
	w->pending.sources_len = sl_envelope_ack_sources(ack, w->sources_text,
							 sizeof(w->sources_text));
	sl_batcher_close(w->batcher, t);
	pending_produce(w);
}

/* sl_batch_seal_fn of the worker: one envelope may wait for Kafka at a
 * time, so nothing is sealed while one is pending. */
static int
seal_for_batcher(void *ctx, struct sl_batch *t)
{
	struct sl_worker *w = ctx;

	if (w->pending.payload != NULL)
		return -1;
	seal(w, t);
	return 0;
}

void
sl_worker_discard(struct sl_worker *w, struct rte_mbuf **mbufs, unsigned n,
		  enum sl_drop_reason r)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		const struct sl_meta *meta = sl_meta(mbufs[i]);

		if (meta->flags & SL_META_F_ACK)
			sl_ack_reply(w->acker, &meta->ack, SL_ACK_FAILED);
	}
	rte_pktmbuf_free_bulk(mbufs, n);
	SL_STAT_DROP(w->stats, r, n);
}

unsigned
sl_worker_free(struct sl_worker *w)
{
	unsigned left;

	if (w == NULL)
		return 0;
	left = w->n_held - w->held_pos;
	if (left > 0) {
		sl_worker_discard(w, &w->held[w->held_pos], left,
				  SL_DROP_SHUTDOWN);
		w->held_pos = w->n_held;
	}
	if (w->pending.payload != NULL) {
		left += w->pending.count;
		envelope_fail(w, w->pending.payload, w->pending.ack,
			      SL_DROP_SHUTDOWN, 1);
	}
	while (w->batcher != NULL && w->batcher->oldest != NULL) {
		left += w->batcher->oldest->count;
		batch_fail(w, w->batcher->oldest, SL_DROP_SHUTDOWN);
	}
	sl_batcher_free(w->batcher);
	sl_acker_free(w->acker);
	sl_envelope_encoder_free(w->encoder);
	sl_source_table_free(w->sources);
	rte_free(w->scratch);
	rte_free(w);
	return left;
}

void
sl_worker_bind(struct sl_worker *w)
{
	w->stats = sl_stats_self();
	if (w->qsbr != NULL) {
		rte_rcu_qsbr_thread_register(w->qsbr, w->id);
		rte_rcu_qsbr_thread_online(w->qsbr, w->id);
	}
}

void
sl_worker_unbind(struct sl_worker *w)
{
	if (w->qsbr != NULL) {
		rte_rcu_qsbr_thread_offline(w->qsbr, w->id);
		rte_rcu_qsbr_thread_unregister(w->qsbr, w->id);
	}
}

int
sl_worker_read(struct rte_mbuf *m, uint32_t max_message, uint8_t *scratch,
	       const struct sl_router *router, struct sl_source_table *sources,
	       struct sl_lcore_stats *st, struct sl_worker_msg *x)
{
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);

	x->meta = sl_meta(m);
	if (pkt_len > max_message) {
		/* Receive stages enforce the limit; a message over it here
		 * would overflow scratch, so it is checked once more. */
		SL_STAT_DROP(st, SL_DROP_OVERSIZE, 1);
		return -1;
	}
	if (m->nb_segs == 1)
		x->data = rte_pktmbuf_mtod(m, const uint8_t *);
	else
		x->data = rte_pktmbuf_read(m, 0, pkt_len, scratch);
	/* Nothing past the header is read on this path (routing, record
	 * key, source host, counters): the structured data is not walked. */
	sl_syslog_parse_min(x->data, pkt_len, &x->hdr);
	if (x->hdr.len == 0) {
		SL_STAT_DROP(st, SL_DROP_EMPTY, 1);
		return -1;
	}
	sl_route_message(router, x->data, &x->hdr, &x->meta->src, &x->route);
	x->src = sl_source_get(sources, &x->meta->src, x->meta->src_hash,
			       x->meta->rx_ns);
	if (x->hdr.hostname.len > 0)
		sl_source_learn_host(sources, x->src, x->data + x->hdr.hostname.off,
				     x->hdr.hostname.len);
	return 0;
}

void
sl_worker_count(const struct sl_worker_msg *x, struct sl_lcore_stats *st)
{
	sl_source_received(x->src, x->meta->rx_ns, x->hdr.len);
	SL_STAT_ADD(st, msg_in, 1);
	SL_STAT_ADD(st, msg_bytes, x->hdr.len);
	if (x->hdr.format == SL_SYSLOG_NONE)
		SL_STAT_ADD(st, msg_no_header, 1);
	if (x->hdr.flags & SL_SYSLOG_F_BAD_UTF8)
		SL_STAT_ADD(st, msg_bad_utf8, 1);
}

int
sl_worker_handle(struct sl_worker *w, struct rte_mbuf *m)
{
	char host_text[SL_ADDR_STRLEN];
	struct sl_msg_ack *msg_ack = NULL;
	struct sl_worker_msg x;
	struct sl_ack_tag *ack;
	const uint8_t *key;
	size_t key_len;
	int rc;

	if (w->pending.payload != NULL && !pending_produce(w))
		return -EAGAIN;
	if (sl_worker_read(m, w->max_message, w->scratch,
			   __atomic_load_n(&w->router, __ATOMIC_ACQUIRE),
			   w->sources, w->stats, &x) != 0) {
		/* Empty or oversize: no retry makes it storable. */
		if (x.meta->flags & SL_META_F_ACK)
			sl_ack_reply(w->acker, &x.meta->ack, SL_ACK_REJECTED);
		goto done;
	}
	if (unlikely(x.src->paused)) {
		sl_source_dropped(x.src, SL_DROP_PAUSED, 1);
		SL_STAT_DROP(w->stats, SL_DROP_PAUSED, 1);
		if (x.meta->flags & SL_META_F_ACK)
			sl_ack_reply(w->acker, &x.meta->ack, SL_ACK_FAILED);
		goto done;
	}
	if (x.route.format == SL_FORMAT_ENVELOPE && w->batcher != NULL) {
		rc = sl_batcher_put(w->batcher, x.route.topic, x.meta, x.src,
				    x.data, x.hdr.len, rte_rdtsc(),
				    seal_for_batcher, w);
		sl_worker_count(&x, w->stats);
		if (rc != 0) {
			sl_source_settled(x.src, 1, 0);
			sl_source_dropped(x.src, SL_DROP_ENVELOPE, 1);
			SL_STAT_DROP(w->stats, SL_DROP_ENVELOPE, 1);
			if (x.meta->flags & SL_META_F_ACK)
				sl_ack_reply(w->acker, &x.meta->ack,
					     SL_ACK_FAILED);
		}
		goto done;
	}
	if (x.hdr.hostname.len > 0) {
		key = x.data + x.hdr.hostname.off;
		key_len = x.hdr.hostname.len;
	} else if (x.src->ip_len > 0) {
		key = (const uint8_t *)x.src->ip_text;
		key_len = x.src->ip_len;
	} else {
		key_len = sl_addr_format_ip(&x.meta->src, host_text);
		key = (const uint8_t *)host_text;
	}
	ack = &x.src->tag;
	if (x.meta->flags & SL_META_F_ACK) {
		msg_ack = sl_ack_msg_get(w->acker, x.src, x.meta->src_hash,
					 &x.meta->ack);
		if (msg_ack == NULL)
			return -EAGAIN;   /* every answer is in flight */
		ack = &msg_ack->tag;
	}
	rc = sl_kafka_produce(w->kafka, x.route.topic, key, key_len, x.data,
			      x.hdr.len, x.meta, x.src, ack);
	if (rc == -EAGAIN) {
		if (msg_ack != NULL)
			sl_ack_msg_put(msg_ack);
		return -EAGAIN;
	}
	sl_worker_count(&x, w->stats);
	if (rc != 0) {
		/* Refused (counted as kafka_rejected by the producer): for
		 * good when the record itself is at fault, so a waiting
		 * sender is told not to resend; else it resends later. */
		sl_source_dropped(x.src, SL_DROP_KAFKA_REJECTED, 1);
		if (msg_ack != NULL)
			sl_ack_msg_settle(msg_ack, rc == -EMSGSIZE ?
					  SL_ACK_REJECTED : SL_ACK_FAILED);
		else
			sl_source_settled(x.src, 1, 0);
	}
done:
	rte_pktmbuf_free(m);
	return 0;
}

/* Produces mbufs[0..n); what Kafka has no room for is kept in held[].
 * Returns the number handled. */
static unsigned
handle_burst(struct sl_worker *w, struct rte_mbuf **mbufs, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 1], void *));
		if (sl_worker_handle(w, mbufs[i]) == -EAGAIN)
			break;
	}
	if (i < n) {
		memmove(w->held, &mbufs[i], (n - i) * sizeof(mbufs[0]));
		w->n_held = n - i;
		w->held_pos = 0;
	}
	return i;
}

void
sl_worker_serve(struct sl_worker *w, int timeout_ms)
{
	sl_worker_settle(w);
	if (w->polls_kafka)
		sl_kafka_poll(w->kafka, timeout_ms);
	else if (timeout_ms > 0)
		rte_delay_us_sleep((unsigned)timeout_ms * 1000);
}

/* Applies the control plane's pause/resume commands. */
static void
apply_commands(struct sl_worker *w)
{
	struct sl_worker_command cmd;
	int32_t pos;

	while (rte_ring_sc_dequeue_elem(w->control, &cmd, sizeof(cmd)) == 0) {
		pos = rte_hash_lookup_with_hash(w->sources->index, &cmd.addr,
						cmd.hash);
		if (pos >= 0 && (unsigned)pos < w->sources->capacity)
			w->sources->entries[pos].paused = cmd.pause;
	}
}

unsigned
sl_worker_poll(struct sl_worker *w)
{
	struct rte_mbuf *burst[SL_BURST_MAX];
	uint64_t now = rte_rdtsc();
	struct sl_batch *t;
	unsigned done = 0, r, n;

	if (w->qsbr != NULL)
		rte_rcu_qsbr_quiescent(w->qsbr, w->id);
	if (w->control != NULL && !rte_ring_empty(w->control))
		apply_commands(w);

	if (w->keys != NULL)
		w->key_id = sl_keyfeed_take(w->keys, w->id, &w->key_gen,
					    w->encoder, w->key_id);
	if (!pending_produce(w)) {
		sl_worker_serve(w, 1);
		w->last_poll_tsc = rte_rdtsc();
		return 0;
	}
	while (w->batcher != NULL && w->pending.payload == NULL &&
	       (t = sl_batcher_expired(w->batcher, now)) != NULL)
		seal(w, t);

	while (w->held_pos < w->n_held) {
		if (sl_worker_handle(w, w->held[w->held_pos]) == -EAGAIN)
			break;
		w->held_pos++;
		done++;
	}
	if (w->held_pos < w->n_held) {
		/* Kafka's queue is full: stop taking from the rings so they
		 * fill and push back on the receive side, and give librdkafka
		 * a moment to drain. */
		sl_worker_serve(w, 1);
		w->last_poll_tsc = rte_rdtsc();
		return done;
	}
	w->n_held = w->held_pos = 0;
	for (r = 0; r < w->n_in; r++) {
		struct rte_ring *ring = w->in[w->next_in];

		w->next_in = w->next_in + 1 == w->n_in ? 0 : w->next_in + 1;
		n = rte_ring_sc_dequeue_burst(ring, (void **)burst, w->burst,
					      NULL);
		if (n == 0)
			continue;
		done += n;
		if (handle_burst(w, burst, n) < n)
			break;
	}
	if (now - w->last_poll_tsc >= w->poll_interval_tsc || done == 0) {
		sl_worker_serve(w, 0);
		w->last_poll_tsc = now;
	}
	return done;
}

unsigned
sl_worker_settle(struct sl_worker *w)
{
	void *items[64];
	unsigned n, i, total = 0;

	if (w->settle == NULL)
		return 0;
	while ((n = rte_ring_sc_dequeue_burst(w->settle, items, RTE_DIM(items),
					      NULL)) > 0) {
		for (i = 0; i < n; i++) {
			uintptr_t v = (uintptr_t)items[i];

			sl_kafka_settle((void *)(v & ~SL_ACK_OUTCOME_MASK),
				(enum sl_ack_outcome)(v & SL_ACK_OUTCOME_MASK));
		}
		total += n;
	}
	return total;
}

int
sl_worker_flush(struct sl_worker *w)
{
	if (!pending_produce(w))
		return 0;
	while (w->batcher != NULL && w->batcher->oldest != NULL) {
		seal(w, w->batcher->oldest);
		if (w->pending.payload != NULL)
			return 0;
	}
	return 1;
}

int
sl_worker_idle(const struct sl_worker *w)
{
	unsigned r;

	if (w->held_pos < w->n_held || w->pending.payload != NULL)
		return 0;
	for (r = 0; r < w->n_in; r++)
		if (!rte_ring_empty(w->in[r]))
			return 0;
	return 1;
}
