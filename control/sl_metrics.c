/* sl_metrics.c: the Prometheus exposition of a running sluiced, and the
 * escaping the HTTP answers share.
 *
 * Cardinality stays bounded whatever the senders do: per-source series
 * only for the top_sources sources with most unacknowledged messages,
 * sites at most METRICS_MAX_SITES (largest first); everything else is
 * bounded by the configuration (lcores, workers, ports, routes).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "sl_kafka.h"
#include "sl_metrics.h"
#include "sl_observe.h"
#include "sl_stats.h"

#define METRICS_MAX_SITES 1000
#define METRICS_MIN_CAP   4096

/* ---- text -------------------------------------------------------------- */

void
sl_metrics_buf_init(struct sl_metrics_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
sl_metrics_buf_free(struct sl_metrics_buf *b)
{
	free(b->p);
	sl_metrics_buf_init(b);
}

char *
sl_metrics_buf_take(struct sl_metrics_buf *b, size_t *len)
{
	char *p = b->p;

	*len = b->len;
	if (b->failed) {
		free(p);
		p = NULL;
		*len = 0;
	} else if (p == NULL) {
		p = calloc(1, 1);
	}
	sl_metrics_buf_init(b);
	return p;
}

/* Makes room for n more bytes and the NUL. Returns 0, or -1 (and marks b
 * failed) when memory ran out. */
static int
reserve(struct sl_metrics_buf *b, size_t n)
{
	size_t cap = b->cap < METRICS_MIN_CAP ? METRICS_MIN_CAP : b->cap;
	char *p;

	if (b->failed)
		return -1;
	if (n < b->cap - b->len)
		return 0;
	if (n > SIZE_MAX / 4 - b->len) {
		b->failed = 1;
		return -1;
	}
	while (cap - b->len <= n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void
sl_metrics_append(struct sl_metrics_buf *b, const char *s, size_t len)
{
	if (reserve(b, len) != 0)
		return;
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
sl_metrics_printf(struct sl_metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (reserve(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Returns the length of the valid UTF-8 sequence at s (1..4), or 0 when
 * s does not start one (overlong forms, surrogates and code points above
 * U+10FFFF are invalid). s is NUL-terminated, so reading on while bytes
 * are continuation bytes never passes the end. */
static size_t
utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

#define REPLACEMENT "\xef\xbf\xbd"

/* Appends s with the characters of esc ("\\\"\n", NUL-terminated)
 * backslash-escaped (newline as \n), control characters other than those
 * kept as \u00XX when json is set, invalid UTF-8 replaced. */
static void
append_escaped(struct sl_metrics_buf *b, const char *s, const char *esc,
	       int json)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n = utf8_seq(p);

		if (n == 0) {
			sl_metrics_append(b, REPLACEMENT, 3);
			p++;
		} else if (*p == '\n' && strchr(esc, '\n') != NULL) {
			sl_metrics_append(b, "\\n", 2);
			p++;
		} else if (*p != '\n' && strchr(esc, *p) != NULL) {
			sl_metrics_append(b, "\\", 1);
			sl_metrics_append(b, (const char *)p, 1);
			p++;
		} else if (json && *p < 0x20) {
			sl_metrics_printf(b, "\\u%04x", *p);
			p++;
		} else {
			sl_metrics_append(b, (const char *)p, n);
			p += n;
		}
	}
}

void
sl_metrics_label_value(struct sl_metrics_buf *b, const char *s)
{
	append_escaped(b, s, "\\\"\n", 0);
}

void
sl_metrics_json_string(struct sl_metrics_buf *b, const char *s)
{
	sl_metrics_append(b, "\"", 1);
	append_escaped(b, s, "\\\"\n", 1);
	sl_metrics_append(b, "\"", 1);
}

void
sl_metrics_family(struct sl_metrics_buf *b, const char *name,
		  enum sl_metrics_type type, const char *help)
{
	sl_metrics_printf(b, "# HELP %s ", name);
	append_escaped(b, help, "\\\n", 0);
	sl_metrics_printf(b, "\n# TYPE %s %s\n", name,
			  type == SL_METRICS_COUNTER ? "counter" : "gauge");
}

static void
sample_start(struct sl_metrics_buf *b, const char *name,
	     const struct sl_metrics_label *labels, unsigned n_labels)
{
	unsigned i;

	sl_metrics_append(b, name, strlen(name));
	for (i = 0; i < n_labels; i++) {
		sl_metrics_printf(b, "%s%s=\"", i == 0 ? "{" : ",",
				  labels[i].name);
		sl_metrics_label_value(b, labels[i].value);
		sl_metrics_append(b, "\"", 1);
	}
	if (n_labels > 0)
		sl_metrics_append(b, "}", 1);
}

void
sl_metrics_sample(struct sl_metrics_buf *b, const char *name,
		  const struct sl_metrics_label *labels, unsigned n_labels,
		  uint64_t value)
{
	sample_start(b, name, labels, n_labels);
	sl_metrics_printf(b, " %" PRIu64 "\n", value);
}

void
sl_metrics_sample_double(struct sl_metrics_buf *b, const char *name,
			 const struct sl_metrics_label *labels,
			 unsigned n_labels, double value)
{
	sample_start(b, name, labels, n_labels);
	sl_metrics_printf(b, " %.9g\n", value);
}

/* ---- the page ---------------------------------------------------------- */

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* One counter of struct sl_lcore_stats, as a metric. */
struct lcore_field {
	const char *name;     /* after "sluice_" and "sluice_lcore_" */
	const char *help;
	size_t off;
};

#define FIELD(f, n, h) { n, h, offsetof(struct sl_lcore_stats, f) }

static const struct lcore_field lcore_fields[] = {
	FIELD(rx_packets, "rx_packets_total", "Frames or datagrams taken from an input."),
	FIELD(rx_bytes, "rx_bytes_total", "Bytes of those frames or datagrams."),
	FIELD(rx_fragments, "rx_fragments_total", "IPv4 fragments taken into reassembly."),
	FIELD(rx_reassembled, "rx_reassembled_total", "Datagrams completed from fragments."),
	FIELD(rx_arp_replies, "rx_arp_replies_total", "ARP requests for our address answered."),
	FIELD(rx_icmp_echo, "rx_icmp_echo_total", "ICMP echo requests answered."),
	FIELD(tx_failed, "tx_failed_total", "Replies the port did not take."),
	FIELD(exc_to_kernel, "exception_to_kernel_total", "Frames handed to the exception interface."),
	FIELD(exc_from_kernel, "exception_from_kernel_total", "Frames the kernel sent out through a port."),
	FIELD(ring_enqueued, "ring_enqueued_total", "Messages handed to worker rings."),
	FIELD(msg_in, "messages_in_total", "Messages a worker took in."),
	FIELD(msg_bytes, "message_bytes_total", "Payload bytes of those messages."),
	FIELD(msg_no_header, "messages_no_header_total", "Messages delivered without a valid syslog header."),
	FIELD(msg_bad_utf8, "messages_bad_utf8_total", "Messages delivered that are not valid UTF-8."),
	FIELD(kafka_produced, "kafka_produced_total", "Messages accepted by the Kafka producer (in records, or inside envelopes)."),
	FIELD(kafka_delivered, "kafka_delivered_total", "Messages stored by Kafka (acks=all), in records or inside envelopes."),
	FIELD(kafka_queue_full, "kafka_queue_full_total", "Produce calls refused with a full queue (retried)."),
	FIELD(env_sealed, "envelopes_sealed_total", "Envelopes sealed and produced."),
	FIELD(env_delivered, "envelopes_delivered_total", "Envelopes stored by Kafka (acks=all)."),
	FIELD(env_raw_bytes, "envelope_raw_bytes_total", "Record bytes that went into envelopes."),
	FIELD(env_bytes, "envelope_bytes_total", "Bytes of the sealed envelopes."),
	FIELD(tcp_accepted, "stream_accepted_total", "Stream connections accepted."),
	FIELD(tcp_closed, "stream_closed_total", "Stream connections closed, for any reason."),
	FIELD(tcp_refused, "stream_refused_total", "Stream connections closed at once by the connection limits."),
	FIELD(tcp_bad_frame, "stream_bad_frame_total", "Stream connections closed for garbage framing."),
	FIELD(tcp_idle, "stream_idle_closed_total", "Stream connections closed after idle_timeout."),
	FIELD(tcp_tls_failed, "stream_tls_failed_total", "Stream connections closed on a TLS handshake or record error."),
	FIELD(tcp_messages, "stream_messages_total", "Messages framed from streams."),
	FIELD(tcp_discarded, "stream_discarded_bytes_total", "Stream bytes read but never framed."),
	FIELD(relp_sessions, "relp_sessions_total", "RELP sessions opened."),
	FIELD(relp_acked, "relp_acked_total", "RELP syslog commands answered rsp 200."),
	FIELD(relp_nacked, "relp_nacked_total", "RELP syslog commands not stored."),
	FIELD(ack_stale, "ack_stale_total", "Answers for a connection already gone."),
};

static uint64_t
field_of(const struct sl_lcore_stats *s, const struct lcore_field *f)
{
	const uint64_t *p = (const uint64_t *)(const void *)
			    ((const char *)s + f->off);

	return LOAD(*p);
}

/* Returns 1 when lcore id has counters to show: an lcore of this process,
 * or the shared slot of non-EAL threads once it counted something. */
static int
lcore_shown(unsigned id)
{
	const struct sl_lcore_stats *s = &sl_lcore_stats[id];
	size_t i;

	if (rte_lcore_is_enabled(id))
		return 1;
	for (i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		if (LOAD(((const uint64_t *)(const void *)s)[i]) != 0)
			return 1;
	return 0;
}

static void
render_counters(struct sl_metrics_buf *b)
{
	struct sl_lcore_stats t;
	struct sl_metrics_label l[2];
	char name[96], help[160], lcore[16];
	unsigned id, r;
	size_t f;

	sl_stats_sum(&t);
	for (f = 0; f < RTE_DIM(lcore_fields); f++) {
		snprintf(name, sizeof(name), "sluice_%s", lcore_fields[f].name);
		sl_metrics_family(b, name, SL_METRICS_COUNTER, lcore_fields[f].help);
		sl_metrics_sample(b, name, NULL, 0, field_of(&t, &lcore_fields[f]));
	}
	sl_metrics_family(b, "sluice_drops_total", SL_METRICS_COUNTER,
			  "Messages or packets not delivered, by reason.");
	for (r = 0; r < SL_DROP__COUNT; r++) {
		l[0] = (struct sl_metrics_label){ "reason", sl_drop_name(r) };
		sl_metrics_sample(b, "sluice_drops_total", l, 1, t.drops[r]);
	}
	for (f = 0; f < RTE_DIM(lcore_fields); f++) {
		snprintf(name, sizeof(name), "sluice_lcore_%s", lcore_fields[f].name);
		snprintf(help, sizeof(help), "%s Per lcore.", lcore_fields[f].help);
		sl_metrics_family(b, name, SL_METRICS_COUNTER, help);
		for (id = 0; id < RTE_MAX_LCORE; id++) {
			if (!lcore_shown(id))
				continue;
			snprintf(lcore, sizeof(lcore), "%u", id);
			l[0] = (struct sl_metrics_label){ "lcore", lcore };
			sl_metrics_sample(b, name, l, 1,
					  field_of(&sl_lcore_stats[id], &lcore_fields[f]));
		}
	}
	sl_metrics_family(b, "sluice_lcore_drops_total", SL_METRICS_COUNTER,
			  "Messages or packets not delivered, by reason, per lcore.");
	for (id = 0; id < RTE_MAX_LCORE; id++) {
		if (!lcore_shown(id))
			continue;
		snprintf(lcore, sizeof(lcore), "%u", id);
		for (r = 0; r < SL_DROP__COUNT; r++) {
			l[0] = (struct sl_metrics_label){ "lcore", lcore };
			l[1] = (struct sl_metrics_label){ "reason", sl_drop_name(r) };
			sl_metrics_sample(b, "sluice_lcore_drops_total", l, 2,
					  LOAD(sl_lcore_stats[id].drops[r]));
		}
	}
}

static void
render_status(struct sl_observe *o, struct sl_metrics_buf *b)
{
	static const enum sl_run_state states[] = {
		SL_STATE_STARTING, SL_STATE_RUNNING, SL_STATE_DRAINING,
		SL_STATE_DRAINED, SL_STATE_STOPPING,
	};
	struct sl_obs_status st;
	struct sl_metrics_label l;
	size_t i;

	sl_observe_status(o, &st);
	sl_metrics_family(b, "sluice_build_info", SL_METRICS_GAUGE,
			  "Version of sluiced (always 1).");
	l = (struct sl_metrics_label){ "version", SLUICE_VERSION };
	sl_metrics_sample(b, "sluice_build_info", &l, 1, 1);
	sl_metrics_family(b, "sluice_state", SL_METRICS_GAUGE,
			  "Run state: 1 for the current one, 0 for the others.");
	for (i = 0; i < RTE_DIM(states); i++) {
		l = (struct sl_metrics_label){ "state",
					       sl_observe_state_name(states[i]) };
		sl_metrics_sample(b, "sluice_state", &l, 1, st.state == states[i]);
	}
	sl_metrics_family(b, "sluice_uptime_seconds", SL_METRICS_GAUGE,
			  "Seconds since sluiced started.");
	sl_metrics_sample(b, "sluice_uptime_seconds", NULL, 0, st.uptime_s);
	sl_metrics_family(b, "sluice_unacked", SL_METRICS_GAUGE,
			  "Messages taken in and not yet settled by Kafka.");
	sl_metrics_sample(b, "sluice_unacked", NULL, 0, st.unacked);
	sl_metrics_family(b, "sluice_sources", SL_METRICS_GAUGE,
			  "Sending hosts tracked now, all workers.");
	sl_metrics_sample(b, "sluice_sources", NULL, 0, st.sources);
	sl_metrics_family(b, "sluice_reloads_total", SL_METRICS_COUNTER,
			  "Configuration reloads applied.");
	sl_metrics_sample(b, "sluice_reloads_total", NULL, 0, st.reloads);
	sl_metrics_family(b, "sluice_reload_errors_total", SL_METRICS_COUNTER,
			  "Configuration reloads refused.");
	sl_metrics_sample(b, "sluice_reload_errors_total", NULL, 0,
			  st.reload_errors);
}

/* One per-worker metric: its name, help, type and where its value is. */
struct worker_metric {
	const char *name;
	const char *help;
	enum sl_metrics_type type;
	size_t off;
};

#define WM(n, t, f, h) { n, h, t, offsetof(struct sl_obs_worker, f) }

static const struct worker_metric worker_metrics[] = {
	WM("sluice_worker_messages_in_total", SL_METRICS_COUNTER, msg_in,
	   "Messages the worker took in."),
	WM("sluice_worker_message_bytes_total", SL_METRICS_COUNTER, msg_bytes,
	   "Payload bytes the worker took in."),
	WM("sluice_worker_kafka_produced_total", SL_METRICS_COUNTER, kafka_produced,
	   "Messages the worker produced."),
	WM("sluice_worker_kafka_delivered_total", SL_METRICS_COUNTER, kafka_delivered,
	   "Messages of the worker stored by Kafka."),
	WM("sluice_worker_kafka_queue_full_total", SL_METRICS_COUNTER, kafka_queue_full,
	   "Produce calls of the worker refused with a full queue."),
	WM("sluice_worker_envelopes_sealed_total", SL_METRICS_COUNTER, env_sealed,
	   "Envelopes the worker sealed."),
	WM("sluice_worker_envelopes_delivered_total", SL_METRICS_COUNTER, env_delivered,
	   "Envelopes of the worker stored by Kafka."),
	WM("sluice_worker_sources", SL_METRICS_GAUGE, sources,
	   "Sources the worker tracks now."),
	WM("sluice_worker_sources_evicted_total", SL_METRICS_COUNTER, evicted,
	   "Idle sources the worker evicted."),
	WM("sluice_worker_overflow_messages_total", SL_METRICS_COUNTER, overflowed,
	   "Messages from hosts beyond max_sources."),
	WM("sluice_worker_unacked", SL_METRICS_GAUGE, unacked,
	   "Messages of the worker not yet settled by Kafka."),
	WM("sluice_worker_drops_total", SL_METRICS_COUNTER, dropped,
	   "Messages of the worker dropped, every reason."),
};

static void
render_workers(struct sl_observe *o, struct sl_metrics_buf *b)
{
	struct sl_obs_worker w[SL_MAX_WORKERS];
	struct sl_metrics_label l[2];
	char id[16], lcore[16];
	unsigned n, i;
	size_t m;

	n = sl_observe_workers(o, w, SL_MAX_WORKERS);
	for (m = 0; m < RTE_DIM(worker_metrics); m++) {
		const struct worker_metric *wm = &worker_metrics[m];

		sl_metrics_family(b, wm->name, wm->type, wm->help);
		for (i = 0; i < n; i++) {
			const uint64_t *v = (const uint64_t *)(const void *)
					    ((const char *)&w[i] + wm->off);

			snprintf(id, sizeof(id), "%u", w[i].id);
			snprintf(lcore, sizeof(lcore), "%u", w[i].lcore);
			l[0] = (struct sl_metrics_label){ "worker", id };
			l[1] = (struct sl_metrics_label){ "lcore", lcore };
			sl_metrics_sample(b, wm->name, l, 2, *v);
		}
	}
}

/* A ring's fill, read under o->lock. */
struct ring_fill {
	char name[RTE_RING_NAMESIZE];
	unsigned producer;
	unsigned worker;
	unsigned count;
	unsigned capacity;
};

static void
render_rings(struct sl_observe *o, struct sl_metrics_buf *b)
{
	struct ring_fill *r = malloc(sizeof(*r) * SL_MAX_PRODUCERS * SL_MAX_WORKERS);
	struct sl_metrics_label l[3];
	char p[16], w[16];
	unsigned n = 0, i, k;

	if (r == NULL) {
		b->failed = 1;
		return;
	}
	pthread_mutex_lock(&o->lock);
	for (i = 0; o->attached && o->rings != NULL &&
		    i < o->rings->n_producers; i++) {
		for (k = 0; k < o->rings->n_workers; k++) {
			const struct rte_ring *ring = o->rings->rings[i][k];

			snprintf(r[n].name, sizeof(r[n].name), "%s", ring->name);
			r[n].producer = i;
			r[n].worker = k;
			r[n].count = rte_ring_count(ring);
			r[n].capacity = rte_ring_get_capacity(ring);
			n++;
		}
	}
	pthread_mutex_unlock(&o->lock);
	sl_metrics_family(b, "sluice_ring_entries", SL_METRICS_GAUGE,
			  "Messages queued in a ring from a producer lcore to a worker.");
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%u", r[i].producer);
		snprintf(w, sizeof(w), "%u", r[i].worker);
		l[0] = (struct sl_metrics_label){ "ring", r[i].name };
		l[1] = (struct sl_metrics_label){ "producer", p };
		l[2] = (struct sl_metrics_label){ "worker", w };
		sl_metrics_sample(b, "sluice_ring_entries", l, 3, r[i].count);
	}
	sl_metrics_family(b, "sluice_ring_capacity", SL_METRICS_GAUGE,
			  "Entries a ring holds at most.");
	for (i = 0; i < n; i++) {
		l[0] = (struct sl_metrics_label){ "ring", r[i].name };
		sl_metrics_sample(b, "sluice_ring_capacity", l, 1, r[i].capacity);
	}
	sl_metrics_family(b, "sluice_ring_fill_ratio", SL_METRICS_GAUGE,
			  "Fill of a ring, 0 (empty) to 1 (full).");
	for (i = 0; i < n; i++) {
		l[0] = (struct sl_metrics_label){ "ring", r[i].name };
		sl_metrics_sample_double(b, "sluice_ring_fill_ratio", l, 1,
					 r[i].capacity == 0 ? 0.0 :
					 (double)r[i].count / r[i].capacity);
	}
	free(r);
}

/* A producer's figures, read under o->lock. */
struct producer_fig {
	int64_t in_flight;
	uint64_t queue_len;
	unsigned n_errors;
	struct sl_kafka_err_count errors[SL_KAFKA_ERR_SLOTS];
};

static void
render_kafka(struct sl_observe *o, struct sl_metrics_buf *b)
{
	struct producer_fig k[SL_MAX_WORKERS];
	struct sl_metrics_label l[2];
	char id[16];
	unsigned n = 0, i, e;

	pthread_mutex_lock(&o->lock);
	for (i = 0; o->attached && i < o->n_producers; i++) {
		const struct sl_kafka *p = o->producers[i];

		k[n].in_flight = sl_kafka_outstanding(p);
		k[n].queue_len = (uint64_t)rd_kafka_outq_len(p->rk);
		k[n].n_errors = LOAD(p->n_errors);
		if (k[n].n_errors > SL_KAFKA_ERR_SLOTS)
			k[n].n_errors = SL_KAFKA_ERR_SLOTS;
		for (e = 0; e < k[n].n_errors; e++) {
			k[n].errors[e].err = p->errors[e].err;
			k[n].errors[e].count = LOAD(p->errors[e].count);
		}
		n++;
	}
	pthread_mutex_unlock(&o->lock);
	sl_metrics_family(b, "sluice_kafka_in_flight", SL_METRICS_GAUGE,
			  "Messages a producer produced and has no delivery report for.");
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%u", i);
		l[0] = (struct sl_metrics_label){ "producer", id };
		sl_metrics_sample(b, "sluice_kafka_in_flight", l, 1,
				  k[i].in_flight > 0 ? (uint64_t)k[i].in_flight : 0);
	}
	sl_metrics_family(b, "sluice_kafka_queue_length", SL_METRICS_GAUGE,
			  "Messages and requests queued in a producer (rd_kafka_outq_len).");
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%u", i);
		l[0] = (struct sl_metrics_label){ "producer", id };
		sl_metrics_sample(b, "sluice_kafka_queue_length", l, 1,
				  k[i].queue_len);
	}
	sl_metrics_family(b, "sluice_kafka_delivery_failures_total",
			  SL_METRICS_COUNTER,
			  "Messages a producer failed to deliver, by librdkafka error.");
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%u", i);
		for (e = 0; e < k[i].n_errors; e++) {
			l[0] = (struct sl_metrics_label){ "producer", id };
			l[1] = (struct sl_metrics_label){
				"error", rd_kafka_err2name(k[i].errors[e].err) };
			sl_metrics_sample(b, "sluice_kafka_delivery_failures_total",
					  l, 2, k[i].errors[e].count);
		}
	}
}

/* A port's counters, read under o->lock. */
struct port_fig {
	char name[64];
	char id[16];
	struct rte_eth_stats s;
};

/* One port metric: its name, help and where its value is. */
struct port_metric {
	const char *name;
	const char *help;
	size_t off;
};

#define PM(n, f, h) { n, h, offsetof(struct rte_eth_stats, f) }

static const struct port_metric port_metrics[] = {
	PM("sluice_port_rx_packets_total", ipackets, "Packets a DPDK port received."),
	PM("sluice_port_tx_packets_total", opackets, "Packets a DPDK port sent."),
	PM("sluice_port_rx_bytes_total", ibytes, "Bytes a DPDK port received."),
	PM("sluice_port_tx_bytes_total", obytes, "Bytes a DPDK port sent."),
	PM("sluice_port_rx_missed_total", imissed, "Packets a DPDK port dropped: RX queues full."),
	PM("sluice_port_rx_errors_total", ierrors, "Erroneous packets a DPDK port received."),
	PM("sluice_port_rx_nombuf_total", rx_nombuf, "RX mbuf allocation failures of a DPDK port."),
};

static void
render_ports(struct sl_observe *o, struct sl_metrics_buf *b)
{
	struct port_fig p[SL_CONFIG_MAX_PORTS];
	struct sl_metrics_label l[2];
	unsigned n = 0, i;
	size_t m;

	pthread_mutex_lock(&o->lock);
	for (i = 0; o->attached && i < o->n_ports; i++) {
		if (rte_eth_stats_get(o->port_ids[i], &p[n].s) != 0)
			continue;
		snprintf(p[n].name, sizeof(p[n].name), "%s", o->cfg->ports[i].name);
		snprintf(p[n].id, sizeof(p[n].id), "%u", o->port_ids[i]);
		n++;
	}
	pthread_mutex_unlock(&o->lock);
	for (m = 0; m < RTE_DIM(port_metrics); m++) {
		sl_metrics_family(b, port_metrics[m].name, SL_METRICS_COUNTER,
				  port_metrics[m].help);
		for (i = 0; i < n; i++) {
			const uint64_t *v = (const uint64_t *)(const void *)
				((const char *)&p[i].s + port_metrics[m].off);

			l[0] = (struct sl_metrics_label){ "port", p[i].name };
			l[1] = (struct sl_metrics_label){ "port_id", p[i].id };
			sl_metrics_sample(b, port_metrics[m].name, l, 2, *v);
		}
	}
}

static const char *
format_name(enum sl_route_format f, enum sl_route_format dflt)
{
	if (f == SL_FORMAT_DEFAULT)
		f = dflt;
	return f == SL_FORMAT_ENVELOPE ? "envelope" : "record";
}

/* The routes are read under o->lock, since a reload replaces them. */
static void
render_routes(struct sl_observe *o, struct sl_metrics_buf *b)
{
	struct sl_metrics_label l[4];
	char pos[16];
	unsigned i;

	pthread_mutex_lock(&o->lock);
	if (o->cfg == NULL) {
		pthread_mutex_unlock(&o->lock);
		return;
	}
	sl_metrics_family(b, "sluice_routes", SL_METRICS_GAUGE,
			  "Routing rules, the default route not counted.");
	sl_metrics_sample(b, "sluice_routes", NULL, 0, o->cfg->router.n_rules);
	sl_metrics_family(b, "sluice_route_info", SL_METRICS_GAUGE,
			  "A routing rule in rule order, with its topic and format (always 1).");
	for (i = 0; i <= o->cfg->router.n_rules; i++) {
		const struct sl_router *r = &o->cfg->router;
		int dflt = i == r->n_rules;

		snprintf(pos, sizeof(pos), "%u", i);
		l[0] = (struct sl_metrics_label){ "route",
			dflt ? "default" : r->rules[i].name };
		l[1] = (struct sl_metrics_label){ "position", pos };
		l[2] = (struct sl_metrics_label){ "topic",
			dflt ? r->default_topic : r->rules[i].topic };
		l[3] = (struct sl_metrics_label){ "format",
			dflt ? format_name(r->default_format, SL_FORMAT_RECORD) :
			       format_name(r->rules[i].format, r->default_format) };
		sl_metrics_sample(b, "sluice_route_info", l, 4, 1);
	}
	pthread_mutex_unlock(&o->lock);
}

static void
render_sites(struct sl_observe *o, struct sl_metrics_buf *b)
{
	struct sl_obs_site *s = malloc(sizeof(*s) * METRICS_MAX_SITES);
	struct sl_metrics_label l;
	unsigned n, i;

	if (s == NULL) {
		b->failed = 1;
		return;
	}
	n = sl_observe_sites(o, s, METRICS_MAX_SITES);
	sl_metrics_family(b, "sluice_site_hosts", SL_METRICS_GAUGE,
			  "Hosts of a site tracked now (site \"\": hosts without a site).");
	for (i = 0; i < n; i++) {
		l = (struct sl_metrics_label){ "site", s[i].site };
		sl_metrics_sample(b, "sluice_site_hosts", &l, 1, s[i].hosts);
	}
	sl_metrics_family(b, "sluice_site_unacked", SL_METRICS_GAUGE,
			  "Messages of a site's hosts not yet settled by Kafka.");
	for (i = 0; i < n; i++) {
		l = (struct sl_metrics_label){ "site", s[i].site };
		sl_metrics_sample(b, "sluice_site_unacked", &l, 1, s[i].unacked);
	}
	sl_metrics_family(b, "sluice_site_lag_seconds", SL_METRICS_GAUGE,
			  "Age of the oldest unacknowledged message of a site's hosts.");
	for (i = 0; i < n; i++) {
		l = (struct sl_metrics_label){ "site", s[i].site };
		sl_metrics_sample_double(b, "sluice_site_lag_seconds", &l, 1,
					 (double)s[i].lag_ms / 1000.0);
	}
	free(s);
}

/* The per-source families, in output order. */
enum source_metric { SRC_UNACKED, SRC_LAG, SRC_MESSAGES, SRC__COUNT };

static void
render_sources(struct sl_observe *o, unsigned top, struct sl_metrics_buf *b)
{
	static const struct {
		const char *name;
		enum sl_metrics_type type;
		const char *help;
	} fam[SRC__COUNT] = {
		[SRC_UNACKED] = { "sluice_source_unacked", SL_METRICS_GAUGE,
			"Messages of a host not yet settled by Kafka (only the top_sources hosts with most)." },
		[SRC_LAG] = { "sluice_source_lag_seconds", SL_METRICS_GAUGE,
			"Age of the oldest unacknowledged message of a host (same hosts)." },
		[SRC_MESSAGES] = { "sluice_source_messages_total", SL_METRICS_COUNTER,
			"Messages a host sent (same hosts)." },
	};
	struct sl_obs_query q = { .sort = SL_OBS_SORT_UNACKED, .top = top };
	struct sl_obs_source *s;
	struct sl_metrics_label l[4];
	char w[16];
	unsigned n, i, total, k;
	int attached;

	pthread_mutex_lock(&o->lock);
	attached = o->attached;
	pthread_mutex_unlock(&o->lock);
	if (top == 0 || !attached)
		return;
	s = malloc(sizeof(*s) * top);
	if (s == NULL) {
		b->failed = 1;
		return;
	}
	n = sl_observe_sources(o, &q, s, top, &total);
	for (k = 0; k < SRC__COUNT; k++) {
		sl_metrics_family(b, fam[k].name, fam[k].type, fam[k].help);
		for (i = 0; i < n; i++) {
			/* worker keeps the overflow entries of the workers
			 * (all "(beyond max_sources)") apart. */
			snprintf(w, sizeof(w), "%u", s[i].worker);
			l[0] = (struct sl_metrics_label){ "ip", s[i].ip };
			l[1] = (struct sl_metrics_label){ "host", s[i].host };
			l[2] = (struct sl_metrics_label){ "site", s[i].site };
			l[3] = (struct sl_metrics_label){ "worker", w };
			if (k == SRC_UNACKED)
				sl_metrics_sample(b, fam[k].name, l, 4, s[i].unacked);
			else if (k == SRC_LAG)
				sl_metrics_sample_double(b, fam[k].name, l, 4,
							 (double)s[i].lag_ms / 1000.0);
			else
				sl_metrics_sample(b, fam[k].name, l, 4, s[i].in);
		}
	}
	free(s);
}

int
sl_metrics_render(struct sl_observe *o, unsigned top_sources,
		  struct sl_metrics_buf *b)
{
	render_status(o, b);
	render_counters(b);
	render_workers(o, b);
	render_rings(o, b);
	render_kafka(o, b);
	render_ports(o, b);
	render_routes(o, b);
	render_sites(o, b);
	render_sources(o, top_sources, b);
	return b->failed ? -1 : 0;
}
