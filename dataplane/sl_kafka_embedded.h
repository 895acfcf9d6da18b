/* sl_kafka_embedded.h: an in-process Kafka cluster for development, tests
 * and demos, built on librdkafka's mock cluster. It listens on loopback
 * ephemeral ports, keeps everything in memory and drops a partition's
 * oldest batches beyond about 5 MiB: never a home for production data.
 *
 * Topics a client asks for in a Metadata request are created on the fly
 * with 4 partitions: librdkafka 2.0.2 fixes that number in
 * rd_kafka_mock_cluster_new() (defaults.partition_cnt = 4) and offers no
 * property or call to change it. The default partition count given to
 * sl_kafka_embedded_start() therefore applies to topics created through
 * sl_kafka_embedded_topic(); create every topic whose name is known up
 * front that way, before producers ask for it. */
#ifndef SL_KAFKA_EMBEDDED_H
#define SL_KAFKA_EMBEDDED_H

#include <stddef.h>

/* Bounds on what sl_kafka_embedded_start() and _topic() accept. */
#define SL_KAFKA_EMBEDDED_MAX_BROKERS    32
#define SL_KAFKA_EMBEDDED_MAX_PARTITIONS 1024

/* Partition count librdkafka 2.0.2's mock cluster gives to auto-created
 * topics; see the top of this file. */
#define SL_KAFKA_EMBEDDED_AUTO_PARTITIONS 4

/* Longest Kafka topic name. */
#define SL_KAFKA_EMBEDDED_TOPIC_MAX 249

struct sl_kafka_embedded;

/* Starts a cluster of brokers (1..SL_KAFKA_EMBEDDED_MAX_BROKERS) brokers,
 * whose sl_kafka_embedded_topic() default is default_partitions
 * (1..SL_KAFKA_EMBEDDED_MAX_PARTITIONS). Topics get a replication factor
 * of min(3, brokers). The cluster serves from its own thread until
 * sl_kafka_embedded_stop(); that thread inherits the caller's signal mask,
 * so a program that waits for signals with sigwait() blocks them first.
 * librdkafka messages of level warning and above go to stderr, prefixed
 * "sluice-embedded-kafka:". Returns the cluster, owned by the caller, or
 * NULL with a reason in err (errlen bytes). */
struct sl_kafka_embedded *sl_kafka_embedded_start(unsigned brokers,
						  unsigned default_partitions,
						  char *err, size_t errlen);

/* Returns the bootstrap list "127.0.0.1:PORT,127.0.0.1:PORT,...", one
 * entry per broker. The string belongs to the cluster and lives until
 * sl_kafka_embedded_stop(). */
const char *sl_kafka_embedded_bootstrap(const struct sl_kafka_embedded *ke);

/* Returns 1 when name is a legal Kafka topic name: 1..249 of
 * [A-Za-z0-9._-], not "." or "..". Else 0. */
int sl_kafka_embedded_topic_name_ok(const char *name);

/* Creates topic name with partitions partitions (1..
 * SL_KAFKA_EMBEDDED_MAX_PARTITIONS, or 0 for the cluster's default).
 * name must pass sl_kafka_embedded_topic_name_ok(). Returns 0 once the topic exists and is served, 1 when a
 * topic of that name already existed (left as it was, whatever its
 * partition count), or -1 with a reason in err (errlen bytes). Safe to
 * call from any thread while the cluster runs. */
int sl_kafka_embedded_topic(struct sl_kafka_embedded *ke, const char *name,
			    int partitions, char *err, size_t errlen);

/* Stops the cluster: closes its listeners, drops every connection and
 * every stored message, and frees ke. Clients still connected see the
 * brokers go down. ke may be NULL. */
void sl_kafka_embedded_stop(struct sl_kafka_embedded *ke);

#endif
