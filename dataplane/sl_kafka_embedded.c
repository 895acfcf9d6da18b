/* sl_kafka_embedded.c: librdkafka's mock cluster wrapped as sluice's
 * embedded Kafka. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "sl_kafka_embedded.h"

/* The mock cluster needs an rd_kafka_t for its bookkeeping; host is a
 * producer created only for that and never given a message. mcluster
 * lives while host does and is destroyed before it. */
struct sl_kafka_embedded {
	rd_kafka_t *host;
	rd_kafka_mock_cluster_t *mcluster;
	unsigned brokers;
	int default_partitions;
};

/* Forwards warnings and worse; the mock cluster is chatty at notice level
 * about every connection it accepts. */
static void
embedded_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= LOG_WARNING)
		fprintf(stderr, "sluice-embedded-kafka: %s: %s\n", fac, buf);
}

static int
conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, char *err,
	 size_t errlen)
{
	if (rd_kafka_conf_set(conf, key, val, err, errlen) != RD_KAFKA_CONF_OK)
		return -1;
	return 0;
}

struct sl_kafka_embedded *
sl_kafka_embedded_start(unsigned brokers, unsigned default_partitions,
			char *err, size_t errlen)
{
	struct sl_kafka_embedded *ke = NULL;
	rd_kafka_conf_t *conf = NULL;

	if (brokers < 1 || brokers > SL_KAFKA_EMBEDDED_MAX_BROKERS) {
		snprintf(err, errlen, "embedded kafka: %u brokers, want 1..%d",
			 brokers, SL_KAFKA_EMBEDDED_MAX_BROKERS);
		return NULL;
	}
	if (default_partitions < 1 ||
	    default_partitions > SL_KAFKA_EMBEDDED_MAX_PARTITIONS) {
		snprintf(err, errlen,
			 "embedded kafka: %u default partitions, want 1..%d",
			 default_partitions, SL_KAFKA_EMBEDDED_MAX_PARTITIONS);
		return NULL;
	}

	ke = calloc(1, sizeof(*ke));
	if (ke == NULL) {
		snprintf(err, errlen, "embedded kafka: out of memory");
		return NULL;
	}
	ke->brokers = brokers;
	ke->default_partitions = (int)default_partitions;

	conf = rd_kafka_conf_new();
	if (conf_set(conf, "client.id", "sluice-embedded-kafka", err, errlen) < 0)
		goto fail;
	rd_kafka_conf_set_log_cb(conf, embedded_log);

	/* On success rd_kafka_new() owns conf. */
	ke->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
	if (ke->host == NULL)
		goto fail;
	conf = NULL;

	ke->mcluster = rd_kafka_mock_cluster_new(ke->host, (int)brokers);
	if (ke->mcluster == NULL) {
		snprintf(err, errlen,
			 "embedded kafka: cannot start the mock cluster "
			 "(loopback listen sockets or threads unavailable)");
		goto fail;
	}
	return ke;

fail:
	if (conf != NULL)
		rd_kafka_conf_destroy(conf);
	if (ke->host != NULL)
		rd_kafka_destroy(ke->host);
	free(ke);
	return NULL;
}

const char *
sl_kafka_embedded_bootstrap(const struct sl_kafka_embedded *ke)
{
	return rd_kafka_mock_cluster_bootstraps(ke->mcluster);
}

/* Kafka's own rule; "." and ".." would clash with directory names on a
 * real broker. */
int
sl_kafka_embedded_topic_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		char c = name[i];

		if (i >= SL_KAFKA_EMBEDDED_TOPIC_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return 0;
	}
	if (i == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	return 1;
}

int
sl_kafka_embedded_topic(struct sl_kafka_embedded *ke, const char *name,
			int partitions, char *err, size_t errlen)
{
	rd_kafka_resp_err_t rc;
	int replicas = ke->brokers < 3 ? (int)ke->brokers : 3;

	if (!sl_kafka_embedded_topic_name_ok(name)) {
		snprintf(err, errlen,
			 "embedded kafka: illegal topic name \"%.*s\": want 1..%d "
			 "of [A-Za-z0-9._-]", SL_KAFKA_EMBEDDED_TOPIC_MAX, name,
			 SL_KAFKA_EMBEDDED_TOPIC_MAX);
		return -1;
	}
	if (partitions == 0)
		partitions = ke->default_partitions;
	if (partitions < 1 || partitions > SL_KAFKA_EMBEDDED_MAX_PARTITIONS) {
		snprintf(err, errlen,
			 "embedded kafka: topic %s: %d partitions, want 1..%d",
			 name, partitions, SL_KAFKA_EMBEDDED_MAX_PARTITIONS);
		return -1;
	}

	/* Runs on the cluster's thread; the call returns once it is done. */
	rc = rd_kafka_mock_topic_create(ke->mcluster, name, partitions, replicas);
	if (rc == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
		return 1;
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "embedded kafka: topic %s: %s", name,
			 rd_kafka_err2str(rc));
		return -1;
	}
	return 0;
}

unsigned
sl_kafka_embedded_brokers(const struct sl_kafka_embedded *ke)
{
	return ke->brokers;
}

/* Checks id against the cluster: 1..brokers, or every broker. */
static int
broker_id_ok(const struct sl_kafka_embedded *ke, unsigned id, char *err,
	     size_t errlen)
{
	if (id == SL_KAFKA_EMBEDDED_ALL_BROKERS || id <= ke->brokers)
		return 0;
	snprintf(err, errlen, "embedded kafka: no broker %u, want 1..%u", id,
		 ke->brokers);
	return -1;
}

/* The mock cluster's calls take one broker; "every broker" is a loop,
 * stopped at the first failure. */
static int
broker_each(struct sl_kafka_embedded *ke, unsigned id, const char *what,
	    rd_kafka_resp_err_t (*fn)(rd_kafka_mock_cluster_t *, int32_t, int),
	    int arg, char *err, size_t errlen)
{
	unsigned first = id, last = id, b;

	if (broker_id_ok(ke, id, err, errlen) < 0)
		return -1;
	if (id == SL_KAFKA_EMBEDDED_ALL_BROKERS) {
		first = 1;
		last = ke->brokers;
	}
	for (b = first; b <= last; b++) {
		rd_kafka_resp_err_t rc = fn(ke->mcluster, (int32_t)b, arg);

		if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(err, errlen, "embedded kafka: broker %u: %s: %s",
				 b, what, rd_kafka_err2str(rc));
			return -1;
		}
	}
	return 0;
}

/* rd_kafka_mock_broker_set_down() and _set_up() in the shape of
 * rd_kafka_mock_broker_set_rtt(), for broker_each(). */
static rd_kafka_resp_err_t
mock_set_updown(rd_kafka_mock_cluster_t *mcluster, int32_t id, int down)
{
	if (down)
		return rd_kafka_mock_broker_set_down(mcluster, id);
	return rd_kafka_mock_broker_set_up(mcluster, id);
}

int
sl_kafka_embedded_broker_set_down(struct sl_kafka_embedded *ke, unsigned id,
				  int down, char *err, size_t errlen)
{
	return broker_each(ke, id, down ? "down" : "up", mock_set_updown, down,
			   err, errlen);
}

int
sl_kafka_embedded_broker_set_rtt(struct sl_kafka_embedded *ke, unsigned id,
				 unsigned rtt_ms, char *err, size_t errlen)
{
	if (rtt_ms > SL_KAFKA_EMBEDDED_MAX_RTT_MS) {
		snprintf(err, errlen, "embedded kafka: rtt %u ms, want 0..%d",
			 rtt_ms, SL_KAFKA_EMBEDDED_MAX_RTT_MS);
		return -1;
	}
	return broker_each(ke, id, "rtt", rd_kafka_mock_broker_set_rtt,
			   (int)rtt_ms, err, errlen);
}

/* Request types a test may want to fail; names as the Kafka protocol
 * spells them. */
static const struct {
	const char *name;
	int key;
} embedded_apis[] = {
	{ "Produce", 0 },
	{ "Fetch", 1 },
	{ "ListOffsets", 2 },
	{ "Metadata", 3 },
	{ "OffsetCommit", 8 },
	{ "OffsetFetch", 9 },
	{ "FindCoordinator", 10 },
	{ "JoinGroup", 11 },
	{ "Heartbeat", 12 },
	{ "LeaveGroup", 13 },
	{ "SyncGroup", 14 },
	{ "ApiVersions", 18 },
	{ "InitProducerId", 22 },
	{ "AddPartitionsToTxn", 24 },
	{ "AddOffsetsToTxn", 25 },
	{ "EndTxn", 26 },
	{ "TxnOffsetCommit", 28 },
};

int
sl_kafka_embedded_api_key(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(embedded_apis) / sizeof(embedded_apis[0]); i++)
		if (strcasecmp(name, embedded_apis[i].name) == 0)
			return embedded_apis[i].key;
	return -1;
}

/* Looks name up in librdkafka's own table, so every broker error it
 * knows is accepted under the name its enum gives it. Of the local
 * errors only _TRANSPORT means something to the mock cluster: it drops
 * the connection instead of answering. */
static int
error_by_name(const char *name, rd_kafka_resp_err_t *code)
{
	const struct rd_kafka_err_desc *descs;
	size_t n, i;

	rd_kafka_get_err_descs(&descs, &n);
	for (i = 0; i < n; i++) {
		if (descs[i].name == NULL ||
		    (descs[i].code < 0 &&
		     descs[i].code != RD_KAFKA_RESP_ERR__TRANSPORT))
			continue;
		if (strcasecmp(name, descs[i].name) == 0) {
			*code = descs[i].code;
			return 0;
		}
	}
	return -1;
}

int
sl_kafka_embedded_push_errors(struct sl_kafka_embedded *ke, int api_key,
			      const char *const *names, size_t n, char *err,
			      size_t errlen)
{
	rd_kafka_resp_err_t *codes;
	size_t i;

	if (api_key < 0 || api_key > INT16_MAX) {
		snprintf(err, errlen, "embedded kafka: api key %d, want 0..%d",
			 api_key, INT16_MAX);
		return -1;
	}
	if (n < 1 || n > SL_KAFKA_EMBEDDED_MAX_PUSH) {
		snprintf(err, errlen, "embedded kafka: %zu errors, want 1..%d",
			 n, SL_KAFKA_EMBEDDED_MAX_PUSH);
		return -1;
	}
	codes = calloc(n, sizeof(*codes));
	if (codes == NULL) {
		snprintf(err, errlen, "embedded kafka: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (error_by_name(names[i], &codes[i]) < 0) {
			snprintf(err, errlen,
				 "embedded kafka: unknown broker error \"%.64s\"",
				 names[i]);
			free(codes);
			return -1;
		}
	}
	/* Copies codes before it returns. */
	rd_kafka_mock_push_request_errors_array(ke->mcluster, (int16_t)api_key,
						n, codes);
	free(codes);
	return 0;
}

void
sl_kafka_embedded_clear_errors(struct sl_kafka_embedded *ke, int api_key)
{
	if (api_key >= 0 && api_key <= INT16_MAX)
		rd_kafka_mock_clear_request_errors(ke->mcluster,
						   (int16_t)api_key);
}

void
sl_kafka_embedded_stop(struct sl_kafka_embedded *ke)
{
	if (ke == NULL)
		return;
	rd_kafka_mock_cluster_destroy(ke->mcluster);
	rd_kafka_destroy(ke->host);
	free(ke);
}
