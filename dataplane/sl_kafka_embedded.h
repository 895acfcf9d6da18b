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

/* Broker id meaning "every broker" to the fault calls below. */
#define SL_KAFKA_EMBEDDED_ALL_BROKERS 0

/* Most errors one sl_kafka_embedded_push_errors() call queues. */
#define SL_KAFKA_EMBEDDED_MAX_PUSH 1024

/* Longest round-trip delay sl_kafka_embedded_broker_set_rtt() accepts,
 * in milliseconds: beyond it clients time out rather than run slow. */
#define SL_KAFKA_EMBEDDED_MAX_RTT_MS 600000

/* Returns how many brokers ke runs; their ids are 1..that number. */
unsigned sl_kafka_embedded_brokers(const struct sl_kafka_embedded *ke);

/* Takes broker id (1..sl_kafka_embedded_brokers(), or
 * SL_KAFKA_EMBEDDED_ALL_BROKERS) down when down is non-zero: it drops
 * its connections and stops listening, so clients see "connection
 * refused" as from a dead broker's host. down 0 brings it back up on the
 * same port. The other brokers' metadata keeps naming a down broker and
 * the partitions it leads. Returns 0, or -1 with a reason in
 * err (errlen bytes). Safe from any thread while the cluster runs. */
int sl_kafka_embedded_broker_set_down(struct sl_kafka_embedded *ke,
				      unsigned id, int down, char *err,
				      size_t errlen);

/* Delays every answer of broker id (as for _set_down()) by rtt_ms
 * (0..SL_KAFKA_EMBEDDED_MAX_RTT_MS; 0 removes the delay), for slow links.
 * Returns 0, or -1 with a reason in err (errlen bytes). Safe from any
 * thread while the cluster runs. */
int sl_kafka_embedded_broker_set_rtt(struct sl_kafka_embedded *ke,
				     unsigned id, unsigned rtt_ms, char *err,
				     size_t errlen);

/* Returns the Kafka API key of a request type named as in the protocol
 * (case ignored): Produce 0, Fetch 1, ListOffsets 2, Metadata 3,
 * OffsetCommit 8, OffsetFetch 9, FindCoordinator 10, JoinGroup 11,
 * Heartbeat 12, LeaveGroup 13, SyncGroup 14, ApiVersions 18,
 * InitProducerId 22, AddPartitionsToTxn 24, AddOffsetsToTxn 25, EndTxn 26,
 * TxnOffsetCommit 28. Returns -1 for any other name. */
int sl_kafka_embedded_api_key(const char *name);

/* Queues errors for the next n requests of type api_key (from
 * sl_kafka_embedded_api_key()), whichever broker gets them: the first
 * such request is answered with names[0], the next with names[1], and so
 * on; requests after them are served again. names[i] is a librdkafka
 * broker error name without its RD_KAFKA_RESP_ERR_ prefix, case ignored
 * (NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, NOT_LEADER_FOR_PARTITION, ...,
 * or NO_ERROR to let one request through), or _TRANSPORT, which closes
 * the connection instead of answering; librdkafka's other local errors
 * (leading '_') are refused. n is 1..SL_KAFKA_EMBEDDED_MAX_PUSH. Queues
 * nothing unless every name is known. Returns 0, or -1 with a reason in
 * err (errlen bytes). Safe from any thread while the cluster runs. */
int sl_kafka_embedded_push_errors(struct sl_kafka_embedded *ke, int api_key,
				  const char *const *names, size_t n,
				  char *err, size_t errlen);

/* Drops the errors still queued for requests of type api_key. */
void sl_kafka_embedded_clear_errors(struct sl_kafka_embedded *ke,
				    int api_key);

/* Stops the cluster: closes its listeners, drops every connection and
 * every stored message, and frees ke. Clients still connected see the
 * brokers go down. ke may be NULL. */
void sl_kafka_embedded_stop(struct sl_kafka_embedded *ke);

#endif
