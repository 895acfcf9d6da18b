/* sl_kafka_embedded.c: librdkafka's mock cluster wrapped as sluice's
 * embedded Kafka. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void
sl_kafka_embedded_stop(struct sl_kafka_embedded *ke)
{
	if (ke == NULL)
		return;
	rd_kafka_mock_cluster_destroy(ke->mcluster);
	rd_kafka_destroy(ke->host);
	free(ke);
}
