/* sl_kafka.c: one producer of the pool: configuration, the topic handle
 * cache, the source partitioner and delivery-report accounting. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_pause.h>

#include "sl_ack.h"
#include "sl_kafka.h"
#include "sl_log.h"
#include "sl_meta.h"
#include "sl_source.h"
#include "sl_stats.h"

/* Defaults applied before the operator's [kafka.producer] properties.
 * acks=all and idempotence are the reliability contract (no loss, no
 * duplicates from producer retries, per-partition order); lz4 because it
 * costs little CPU per MB; a short linger because syslog arrives one small
 * message at a time and batching is where Kafka's throughput comes from. */
static const char *const producer_defaults[][2] = {
	{ "acks", "all" },
	{ "enable.idempotence", "true" },
	{ "compression.codec", "lz4" },
	{ "linger.ms", "5" },
	{ "batch.num.messages", "10000" },
	{ "queue.buffering.max.messages", "1000000" },
	{ "message.timeout.ms", "300000" },
};

/* Picks the partition from the source, not from the key: a source whose
 * hostname changes (or has none) still keeps its order in one partition,
 * and an envelope goes where the records of its sources' bucket would
 * (sl_ack-t.h). Records without an opaque (none today) fall back to
 * librdkafka's consistent-random partitioner. */
static int32_t
partition_by_source(const rd_kafka_topic_t *rkt, const void *key,
		    size_t key_len, int32_t partition_cnt, void *rkt_opaque,
		    void *msg_opaque)
{
	const struct sl_ack_tag *tag = msg_opaque;

	if (tag == NULL)
		return rd_kafka_msg_partitioner_consistent_random(rkt, key,
			key_len, partition_cnt, rkt_opaque, msg_opaque);
	return (int32_t)(tag->partition_hash % (uint32_t)partition_cnt);
}

/* Counts n messages that failed with err. */
static void
count_error(struct sl_kafka *k, rd_kafka_resp_err_t err, uint64_t n)
{
	unsigned i;

	for (i = 0; i < k->n_errors; i++) {
		if (k->errors[i].err == err) {
			k->errors[i].count += n;
			return;
		}
	}
	if (k->n_errors < SL_KAFKA_ERR_SLOTS) {
		k->errors[k->n_errors].err = err;
		k->errors[k->n_errors].count = n;
		k->n_errors++;
		SL_LOG(WARNING, "producer %u: delivery failed: %s (first of its kind; counted from now on)",
		       k->id, rd_kafka_err2str(err));
		return;
	}
	k->errors[SL_KAFKA_ERR_SLOTS - 1].count += n;
}

/* Counts messages produced (n > 0) or reported (n < 0). A producer of
 * its own worker has one thread; a shared one has several producing and
 * one reporting, and only then is the update atomic. */
static inline void
in_flight_add(struct sl_kafka *k, int64_t n)
{
	if (k->settle != NULL)
		__atomic_fetch_add(&k->in_flight, n, __ATOMIC_RELAXED);
	else
		k->in_flight += n;
}

void
sl_kafka_share(struct sl_kafka *k, unsigned poller, struct rte_ring **settle)
{
	k->poller = poller;
	k->settle = settle;
}

/* The drop reason of a failed delivery report's outcome. */
static enum sl_drop_reason
drop_reason_of(enum sl_ack_outcome outcome)
{
	return outcome == SL_ACK_PURGED ? SL_DROP_SHUTDOWN : SL_DROP_KAFKA_FAILED;
}

void
sl_kafka_settle(void *opaque, enum sl_ack_outcome outcome)
{
	const struct sl_ack_tag *tag = opaque;
	uint32_t i;

	switch ((enum sl_ack_kind)tag->kind) {
	case SL_ACK_ENVELOPE: {
		struct sl_envelope_ack *ack = opaque;

		for (i = 0; i < ack->n_srcs; i++) {
			sl_source_settled(ack->srcs[i].src, ack->srcs[i].n,
					  outcome == SL_ACK_DELIVERED);
			if (outcome != SL_ACK_DELIVERED)
				sl_source_dropped(ack->srcs[i].src,
						  drop_reason_of(outcome),
						  ack->srcs[i].n);
		}
		if (ack->n_tokens > 0)
			sl_ack_reply_all(ack->acker, ack->tokens, ack->n_tokens,
					 outcome);
		free(ack);
		return;
	}
	case SL_ACK_MESSAGE:
		if (outcome != SL_ACK_DELIVERED)
			sl_source_dropped(((struct sl_msg_ack *)opaque)->src,
					  drop_reason_of(outcome), 1);
		sl_ack_msg_settle(opaque, outcome);
		return;
	case SL_ACK_SOURCE:
		sl_source_settled(opaque, 1, outcome == SL_ACK_DELIVERED);
		if (outcome != SL_ACK_DELIVERED)
			sl_source_dropped(opaque, drop_reason_of(outcome), 1);
		return;
	}
}

/* Returns the worker that owns what tag acknowledges. */
static unsigned
ack_owner(const struct sl_ack_tag *tag)
{
	switch ((enum sl_ack_kind)tag->kind) {
	case SL_ACK_ENVELOPE:
		return ((const struct sl_envelope_ack *)tag)->owner;
	case SL_ACK_MESSAGE:
		return ((const struct sl_msg_ack *)tag)->acker->owner;
	case SL_ACK_SOURCE:
		break;
	}
	return ((const struct sl_source *)tag)->owner;
}

/* Returns 1 for the delivery errors about the record itself, which no
 * resend can cure (a waiting sender is told so and does not resend);
 * anything else (brokers down, timeouts, permissions) may pass later. */
static int
refused_for_good(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_INVALID_RECORD:
	case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
		return 1;
	default:
		return 0;
	}
}

/* Delivery report: runs on the polling worker's lcore inside
 * rd_kafka_poll(). Counts the outcome (totals and reasons), then settles
 * the per-source counts here or, for another worker's messages, on that
 * worker through its settle ring. */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct sl_kafka *k = opaque;
	const struct sl_ack_tag *tag = m->_private;
	struct sl_lcore_stats *st = sl_stats_self();
	enum sl_ack_outcome outcome;
	uint32_t count = 1, owner;

	(void)rk;
	if (tag != NULL && tag->kind == SL_ACK_ENVELOPE)
		count = ((const struct sl_envelope_ack *)tag)->count;
	in_flight_add(k, -(int64_t)count);
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		outcome = SL_ACK_DELIVERED;
		SL_STAT_ADD(st, kafka_delivered, count);
		if (tag != NULL && tag->kind == SL_ACK_ENVELOPE)
			SL_STAT_ADD(st, env_delivered, 1);
	} else if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
		   m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		outcome = SL_ACK_PURGED;
		k->purged += count;
		SL_STAT_DROP(st, SL_DROP_SHUTDOWN, count);
	} else {
		outcome = refused_for_good(m->err) ? SL_ACK_REJECTED :
						     SL_ACK_FAILED;
		SL_STAT_DROP(st, SL_DROP_KAFKA_FAILED, count);
		count_error(k, m->err, count);
	}
	if (tag == NULL)
		return;
	owner = ack_owner(tag);
	if (k->settle != NULL && owner != k->poller) {
		void *item = (void *)((uintptr_t)m->_private | (uintptr_t)outcome);

		/* The ring holds every record that can be in flight, and its
		 * owner drains it until this producer is drained: a full ring
		 * only means its owner is between two rounds. */
		while (rte_ring_mp_enqueue(k->settle[owner], item) != 0)
			rte_pause();
		return;
	}
	sl_kafka_settle(m->_private, outcome);
}

/* librdkafka's own log lines (from its threads) go where sluice's go, at
 * the same level: syslog levels 0..7 are RTE_LOG_EMERG..RTE_LOG_DEBUG
 * minus one. */
static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	uint32_t rte_level = level < 0 ? RTE_LOG_EMERG :
		level > 7 ? RTE_LOG_DEBUG : (uint32_t)level + 1;

	rte_log(rte_level, sl_logtype, "sluice: kafka %s: %s: %s\n",
		rd_kafka_name(rk), fac, buf);
}

/* librdkafka's error events. Most are transient (brokers down, and it
 * keeps retrying: the messages wait, and fail at message.timeout.ms);
 * a fatal one (idempotence broken) ends the producer, and every later
 * message of this worker fails, so it is logged as such. */
static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	const struct sl_kafka *k = opaque;
	char why[512];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, why, sizeof(why));
		SL_LOG(ERR, "producer %u: fatal error, it delivers nothing more (restart sluiced): %s",
		       k->id, why);
		return;
	}
	SL_LOG(WARNING, "producer %u: %s: %s", k->id,
	       rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static int
conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
	 char *err, size_t errlen)
{
	char why[256];

	if (rd_kafka_conf_set(conf, key, value, why, sizeof(why)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka property %s=%s: %s", key, value, why);
		return -1;
	}
	return 0;
}

struct sl_kafka *
sl_kafka_new(unsigned id, const char *brokers,
	     const struct sl_config_kv *props, unsigned n_props, char *err,
	     size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_conf_t *tconf = rd_kafka_topic_conf_new();
	struct sl_kafka *k;
	char client_id[64], why[512];
	unsigned i;

	k = rte_zmalloc("sl_kafka", sizeof(*k), RTE_CACHE_LINE_SIZE);
	if (k == NULL) {
		snprintf(err, errlen, "producer %u: out of memory", id);
		goto fail;
	}
	k->id = id;
	/* The default topic conf must be in place before topic-level
	 * properties (acks, partitioner settings) are set on conf, which
	 * writes them into it. */
	rd_kafka_topic_conf_set_partitioner_cb(tconf, partition_by_source);
	rd_kafka_conf_set_default_topic_conf(conf, tconf);
	tconf = NULL;
	snprintf(client_id, sizeof(client_id), "sluice-w%u", id);
	if (conf_set(conf, "bootstrap.servers", brokers, err, errlen) != 0 ||
	    conf_set(conf, "client.id", client_id, err, errlen) != 0)
		goto fail;
	for (i = 0; i < RTE_DIM(producer_defaults); i++)
		if (conf_set(conf, producer_defaults[i][0],
			     producer_defaults[i][1], err, errlen) != 0)
			goto fail;
	for (i = 0; i < n_props; i++)
		if (conf_set(conf, props[i].key, props[i].value, err, errlen) != 0)
			goto fail;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_opaque(conf, k);
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (k->rk == NULL) {
		snprintf(err, errlen, "producer %u: %s", id, why);
		goto fail;
	}
	return k;
fail:
	if (tconf != NULL)
		rd_kafka_topic_conf_destroy(tconf);
	if (k == NULL || k->rk == NULL)
		rd_kafka_conf_destroy(conf);
	rte_free(k);
	return NULL;
}

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

/* Makes a handle for topic; an envelope topic gets Kafka-side
 * compression off. Returns NULL on failure (rd_kafka_last_error()). */
static rd_kafka_topic_t *
topic_new(struct sl_kafka *k, const char *topic, int envelope)
{
	rd_kafka_topic_conf_t *tconf;
	char why[256];

	if (!envelope)
		return rd_kafka_topic_new(k->rk, topic, NULL);
	tconf = rd_kafka_default_topic_conf_dup(k->rk);
	if (tconf == NULL)
		return NULL;
	if (rd_kafka_topic_conf_set(tconf, "compression.codec", "none", why,
				    sizeof(why)) != RD_KAFKA_CONF_OK) {
		rd_kafka_topic_conf_destroy(tconf);
		return NULL;
	}
	return rd_kafka_topic_new(k->rk, topic, tconf);
}

/* Returns the cached handle of topic for a format, creating it on first
 * use. When the cache is full the handle is made for this call only
 * (*uncached set) and the caller destroys it after producing: slower,
 * never wrong. */
static rd_kafka_topic_t *
topic_get(struct sl_kafka *k, const char *topic, int envelope, int *uncached)
{
	uint64_t h = name_hash(topic) ^ (uint64_t)envelope;
	unsigned mask = SL_KAFKA_TOPIC_SLOTS - 1, i = (unsigned)h & mask;
	struct sl_kafka_topic *t;

	*uncached = 0;
	for (;; i = (i + 1) & mask) {
		t = &k->topics[i];
		if (t->name[0] == '\0')
			break;
		if (t->hash == h && t->envelope == envelope &&
		    strcmp(t->name, topic) == 0)
			return t->rkt;
	}
	if (k->n_topics + 1 >= SL_KAFKA_TOPIC_SLOTS ||
	    strlen(topic) >= sizeof(t->name)) {
		*uncached = 1;
		k->topics_uncached++;
		return topic_new(k, topic, envelope);
	}
	t->rkt = topic_new(k, topic, envelope);
	if (t->rkt == NULL)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", topic);
	t->hash = h;
	t->envelope = envelope;
	k->n_topics++;
	return t->rkt;
}

/* Writes v in decimal at p, returns the length. Faster than snprintf on
 * the per-message path, where it runs twice per record. */
static size_t
put_decimal(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/* Writes the source header value "ip:port" ("[ip6]:port") into buf
 * (SL_ADDR_STRLEN bytes), from the text the source entry keeps. */
static size_t
source_text(const struct sl_meta *meta, const struct sl_source *src,
	    char *buf)
{
	size_t n = 0;

	if (src == NULL || src->ip_len == 0)
		return sl_addr_format(&meta->src, buf);
	if (meta->src.family == AF_INET6)
		buf[n++] = '[';
	memcpy(buf + n, src->ip_text, src->ip_len);
	n += src->ip_len;
	if (meta->src.family == AF_INET6)
		buf[n++] = ']';
	buf[n++] = ':';
	return n + put_decimal(buf + n, meta->src.port);
}

int
sl_kafka_produce(struct sl_kafka *k, const char *topic, const void *key,
		 size_t key_len, const void *value, size_t value_len,
		 const struct sl_meta *meta, struct sl_source *src,
		 struct sl_ack_tag *ack)
{
	struct sl_lcore_stats *st = sl_stats_self();
	char source[SL_ADDR_STRLEN], rx_ns[24];
	size_t source_len, rx_len;
	rd_kafka_topic_t *rkt;
	rd_kafka_resp_err_t e;
	int uncached;

	rkt = topic_get(k, topic, 0, &uncached);
	if (rkt == NULL) {
		SL_STAT_DROP(st, SL_DROP_KAFKA_REJECTED, 1);
		count_error(k, rd_kafka_last_error(), 1);
		return -EINVAL;
	}
	source_len = source_text(meta, src, source);
	rx_len = put_decimal(rx_ns, meta->rx_ns);
	e = rd_kafka_producev(k->rk,
		RD_KAFKA_V_RKT(rkt),
		RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_VALUE((void *)(uintptr_t)value, value_len),
		RD_KAFKA_V_KEY(key, key_len),
		RD_KAFKA_V_HEADER(SL_KAFKA_HDR_SOURCE, source, (ssize_t)source_len),
		RD_KAFKA_V_HEADER(SL_KAFKA_HDR_RX_NS, rx_ns, (ssize_t)rx_len),
		RD_KAFKA_V_OPAQUE(ack),
		RD_KAFKA_V_END);
	if (uncached)
		rd_kafka_topic_destroy(rkt);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
		SL_STAT_ADD(st, kafka_produced, 1);
		in_flight_add(k, 1);
		return 0;
	}
	if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		SL_STAT_ADD(st, kafka_queue_full, 1);
		return -EAGAIN;
	}
	SL_STAT_DROP(st, SL_DROP_KAFKA_REJECTED, 1);
	count_error(k, e, 1);
	return refused_for_good(e) ? -EMSGSIZE : -EINVAL;
}

int
sl_kafka_produce_envelope(struct sl_kafka *k, const struct sl_kafka_envelope *e)
{
	struct sl_lcore_stats *st = sl_stats_self();
	char key[12], count[12], first[24], last[24], key_id[12];
	size_t key_len, count_len, first_len, last_len, key_id_len;
	rd_kafka_topic_t *rkt;
	rd_kafka_headers_t *hdrs;
	rd_kafka_resp_err_t err;
	int uncached;

	rkt = topic_get(k, e->topic, 1, &uncached);
	if (rkt == NULL) {
		err = rd_kafka_last_error();
		goto refused;
	}
	key_len = put_decimal(key, e->ack->tag.partition_hash);
	count_len = put_decimal(count, e->count);
	first_len = put_decimal(first, e->first_rx_ns);
	last_len = put_decimal(last, e->last_rx_ns);
	key_id_len = put_decimal(key_id, e->key_id);
	hdrs = rd_kafka_headers_new(6);
	rd_kafka_header_add(hdrs, SL_KAFKA_HDR_FORMAT, -1,
			    SL_KAFKA_ENVELOPE_FORMAT, -1);
	rd_kafka_header_add(hdrs, SL_KAFKA_HDR_COUNT, -1, count,
			    (ssize_t)count_len);
	rd_kafka_header_add(hdrs, SL_KAFKA_HDR_FIRST_NS, -1, first,
			    (ssize_t)first_len);
	rd_kafka_header_add(hdrs, SL_KAFKA_HDR_LAST_NS, -1, last,
			    (ssize_t)last_len);
	rd_kafka_header_add(hdrs, SL_KAFKA_HDR_SOURCES, -1, e->sources,
			    (ssize_t)e->sources_len);
	if (e->key_id != 0)
		rd_kafka_header_add(hdrs, SL_KAFKA_HDR_KEY_ID, -1, key_id,
				    (ssize_t)key_id_len);
	/* F_FREE: librdkafka frees the payload once delivered or failed;
	 * no copy of the (large) envelope is made. */
	err = rd_kafka_producev(k->rk,
		RD_KAFKA_V_RKT(rkt),
		RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
		RD_KAFKA_V_VALUE(e->payload, e->len),
		RD_KAFKA_V_KEY(key, key_len),
		RD_KAFKA_V_HEADERS(hdrs),
		RD_KAFKA_V_OPAQUE(e->ack),
		RD_KAFKA_V_END);
	if (uncached)
		rd_kafka_topic_destroy(rkt);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		SL_STAT_ADD(st, kafka_produced, e->count);
		in_flight_add(k, e->count);
		SL_STAT_ADD(st, env_sealed, 1);
		SL_STAT_ADD(st, env_bytes, e->len);
		return 0;
	}
	/* On failure the headers are still ours (producev takes them only
	 * when it succeeds). */
	rd_kafka_headers_destroy(hdrs);
	if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		SL_STAT_ADD(st, kafka_queue_full, 1);
		return -EAGAIN;
	}
refused:
	SL_STAT_DROP(st, SL_DROP_KAFKA_REJECTED, e->count);
	count_error(k, err, e->count);
	return -EINVAL;
}

int
sl_kafka_wait_metadata(struct sl_kafka *k, int timeout_ms, char *err,
		       size_t errlen)
{
	const struct rd_kafka_metadata *md;
	rd_kafka_resp_err_t e;

	e = rd_kafka_metadata(k->rk, 0, NULL, &md, timeout_ms);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "%s", rd_kafka_err2str(e));
		return -1;
	}
	rd_kafka_metadata_destroy(md);
	return 0;
}

int
sl_kafka_poll(struct sl_kafka *k, int timeout_ms)
{
	return rd_kafka_poll(k->rk, timeout_ms);
}

int
sl_kafka_outstanding(const struct sl_kafka *k)
{
	return rd_kafka_outq_len(k->rk);
}

int
sl_kafka_drain(struct sl_kafka *k, int timeout_ms)
{
	uint64_t before = k->purged;
	int64_t left;
	int rounds;

	rd_kafka_flush(k->rk, timeout_ms);
	if (rd_kafka_outq_len(k->rk) == 0)
		return 0;
	rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	/* Purged records come back as failed delivery reports; serve them
	 * (for at most a second) so every one is counted. */
	for (rounds = 0; rounds < 100 && rd_kafka_outq_len(k->rk) > 0; rounds++)
		rd_kafka_poll(k->rk, 10);
	left = __atomic_load_n(&k->in_flight, __ATOMIC_RELAXED);
	if (left > 0) {
		SL_STAT_DROP(sl_stats_self(), SL_DROP_SHUTDOWN, (uint64_t)left);
		SL_LOG(WARNING, "producer %u: %" PRId64 " message(s) still unreported after the purge, counted as dropped at shutdown",
		       k->id, left);
	}
	return (int)(k->purged - before + (uint64_t)(left > 0 ? left : 0));
}

void
sl_kafka_print_errors(const struct sl_kafka *k, FILE *f, const char *label)
{
	unsigned i;

	for (i = 0; i < k->n_errors; i++)
		fprintf(f, "%s producer=%u reason=%s count=%" PRIu64 "%s\n", label,
			k->id, rd_kafka_err2name(k->errors[i].err),
			k->errors[i].count,
			i == SL_KAFKA_ERR_SLOTS - 1 ? " (and later reasons)" : "");
}

void
sl_kafka_free(struct sl_kafka *k)
{
	unsigned i;

	if (k == NULL)
		return;
	for (i = 0; i < SL_KAFKA_TOPIC_SLOTS; i++)
		if (k->topics[i].rkt != NULL)
			rd_kafka_topic_destroy(k->topics[i].rkt);
	rd_kafka_destroy(k->rk);
	rte_free(k);
}
