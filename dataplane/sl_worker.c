/* sl_worker.c: dequeue, parse, route, produce. */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "sl_kafka.h"
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
	w->sources = sl_source_table_create(name, p->max_sources, p->socket);
	if (w->scratch == NULL || w->sources == NULL) {
		sl_source_table_free(w->sources);
		rte_free(w->scratch);
		rte_free(w);
		rte_errno = ENOMEM;
		return NULL;
	}
	w->kafka = p->kafka;
	return w;
}

unsigned
sl_worker_free(struct sl_worker *w)
{
	unsigned left;

	if (w == NULL)
		return 0;
	left = w->n_held - w->held_pos;
	if (left > 0) {
		rte_pktmbuf_free_bulk(&w->held[w->held_pos], left);
		SL_STAT_DROP(w->stats, SL_DROP_SHUTDOWN, left);
	}
	sl_kafka_free(w->kafka);
	sl_source_table_free(w->sources);
	rte_free(w->scratch);
	rte_free(w);
	return left;
}

void
sl_worker_bind(struct sl_worker *w)
{
	w->stats = sl_stats_self();
}

int
sl_worker_handle(struct sl_worker *w, struct rte_mbuf *m)
{
	const struct sl_meta *meta = sl_meta(m);
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
	struct sl_route_result route;
	struct sl_syslog_msg msg;
	char host_text[SL_ADDR_STRLEN];
	const uint8_t *data, *key;
	struct sl_source *src;
	size_t key_len;
	int rc;

	if (pkt_len > w->max_message) {
		/* Receive stages enforce the limit; a message over it here
		 * would overflow scratch, so it is checked once more. */
		SL_STAT_DROP(w->stats, SL_DROP_OVERSIZE, 1);
		goto done;
	}
	if (m->nb_segs == 1)
		data = rte_pktmbuf_mtod(m, const uint8_t *);
	else
		data = rte_pktmbuf_read(m, 0, pkt_len, w->scratch);
	sl_syslog_parse(data, pkt_len, &msg);
	if (msg.len == 0) {
		SL_STAT_DROP(w->stats, SL_DROP_EMPTY, 1);
		goto done;
	}
	sl_route_message(w->router, data, &msg, &meta->src, &route);
	src = sl_source_get(w->sources, &meta->src, meta->src_hash);
	if (msg.hostname.len > 0) {
		key = data + msg.hostname.off;
		key_len = msg.hostname.len;
	} else if (src->ip_len > 0) {
		key = (const uint8_t *)src->ip_text;
		key_len = src->ip_len;
	} else {
		key_len = sl_addr_format_ip(&meta->src, host_text);
		key = (const uint8_t *)host_text;
	}
	rc = sl_kafka_produce(w->kafka, route.topic, key, key_len, data,
			      msg.len, meta, src);
	if (rc == -EAGAIN)
		return -EAGAIN;
	src->msgs_in++;
	src->bytes_in += msg.len;
	src->last_rx_ns = meta->rx_ns;
	if (rc != 0)
		src->failed++;
	SL_STAT_ADD(w->stats, msg_in, 1);
	SL_STAT_ADD(w->stats, msg_bytes, msg.len);
	if (msg.format == SL_SYSLOG_NONE)
		SL_STAT_ADD(w->stats, msg_no_header, 1);
	if (msg.flags & SL_SYSLOG_F_BAD_UTF8)
		SL_STAT_ADD(w->stats, msg_bad_utf8, 1);
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

unsigned
sl_worker_poll(struct sl_worker *w)
{
	struct rte_mbuf *burst[SL_BURST_MAX];
	uint64_t now = rte_rdtsc();
	unsigned done = 0, r, n;

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
		sl_kafka_poll(w->kafka, 1);
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
		sl_kafka_poll(w->kafka, 0);
		w->last_poll_tsc = now;
	}
	return done;
}

int
sl_worker_idle(const struct sl_worker *w)
{
	unsigned r;

	if (w->held_pos < w->n_held)
		return 0;
	for (r = 0; r < w->n_in; r++)
		if (!rte_ring_empty(w->in[r]))
			return 0;
	return 1;
}
