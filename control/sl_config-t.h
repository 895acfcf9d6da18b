/* sl_config-t.h: the parsed configuration of sluiced.
 *
 * Every key of docs/configuration.md has a field here. A struct sl_config
 * is filled once at start (defaults, then the file, then --set overrides,
 * in that order) and is read-only afterwards.
 */
#ifndef SL_CONFIG_T_H
#define SL_CONFIG_T_H

#include <stdint.h>

#include "sl_frame-t.h"
#include "sl_meta-t.h"
#include "sl_route-t.h"

#define SL_CONFIG_MAX_PORTS      8
#define SL_CONFIG_MAX_KAFKA_PROPS 128
#define SL_CONFIG_STR            256
#define SL_CONFIG_LONGSTR        1024

enum sl_dataplane_mode {
	SL_MODE_RUN_TO_COMPLETION, /* each lcore receives and works */
	SL_MODE_PIPELINE,          /* receive lcores feed worker lcores */
};

enum sl_input_driver {
	SL_DRIVER_SOCKET, /* kernel UDP sockets, recvmmsg, SO_REUSEPORT */
	SL_DRIVER_DPDK,   /* DPDK ethdev ports ([port.NAME] sections) */
};

enum sl_ring_full_policy {
	SL_RING_FULL_DROP, /* drop and count what does not fit */
	SL_RING_FULL_WAIT, /* hold the burst and stop polling the input */
};

/* How a port with several receive queues keeps a sender on one queue
 * ([port.NAME] spread). */
enum sl_port_spread {
	SL_SPREAD_RSS,    /* the NIC hashes IP addresses (RSS) */
	SL_SPREAD_DEVICE, /* the device does it itself: one capture or
			   * sender per queue, split by source address */
};

enum sl_hugepages {
	SL_HUGEPAGES_AUTO, /* use them when the machine has free ones */
	SL_HUGEPAGES_YES,
	SL_HUGEPAGES_NO,
};

enum sl_config_encryption {
	SL_ENCRYPTION_OFF,
	SL_ENCRYPTION_AUTO,       /* AES-256-GCM with AES-NI, else XChaCha20 */
	SL_ENCRYPTION_AES256GCM,
	SL_ENCRYPTION_XCHACHA20,
};

/* One DPDK port. Invariants: devargs non-empty; has_ip4/has_ip6 say which
 * address fields are set; prefix4/prefix6 are the prefix lengths written
 * after them (32 and 128 when none was), used for the exception
 * interface; exception is the name of the kernel interface that takes
 * this port's non-syslog traffic, "" when there is none. */
struct sl_config_port {
	char name[64];
	char devargs[SL_CONFIG_LONGSTR];
	int has_ip4;
	uint32_t ip4;           /* network byte order */
	uint8_t prefix4;
	int has_ip6;
	uint8_t ip6[16];
	uint8_t prefix6;
	char exception[16];     /* IFNAMSIZ */
	uint16_t rx_desc;
	uint16_t tx_desc;
	int promiscuous;
	enum sl_port_spread spread;
};

/* Client certificates a TLS listener asks for ([tls] verify_client). */
enum sl_tls_verify {
	SL_TLS_VERIFY_NONE,      /* not asked for */
	SL_TLS_VERIFY_OPTIONAL,  /* asked for, checked against ca if sent */
	SL_TLS_VERIFY_REQUIRED,  /* a client without a valid one is refused */
};

/* One stream listener: [input.tcp] (syslog over TCP), [input.tls]
 * (syslog over TLS, RFC 5425) or [input.relp]. Invariants: enabled once
 * listen is set to an address (an empty listen turns it off); framing is
 * meaningful for tcp and tls only (RELP frames itself); tls is always set
 * for [input.tls]. */
struct sl_config_stream {
	int enabled;
	struct sl_addr listen;
	enum sl_framing framing;
	int tls;
};

/* A librdkafka property passed through verbatim. */
struct sl_config_kv {
	char key[128];
	char value[SL_CONFIG_STR];
};

struct sl_config {
	char path[SL_CONFIG_STR];          /* file it was read from */

	/* [eal] */
	char eal_args[SL_CONFIG_LONGSTR];  /* extra EAL arguments */
	char eal_file_prefix[64];
	char eal_cores[SL_CONFIG_STR];     /* CPU list lcores run on, "" = all */
	enum sl_hugepages eal_hugepages;
	unsigned eal_memory_mb;            /* memory without hugepages */

	/* [dataplane] */
	enum sl_dataplane_mode mode;
	unsigned rx_lcores;                /* receive lcores (RTC: lcores) */
	unsigned workers;                  /* worker lcores (RTC: = rx_lcores) */
	int workers_set;                   /* workers was given explicitly;
					    * until then it follows rx_lcores */
	unsigned ring_size;
	unsigned burst;
	unsigned mbufs;
	unsigned mbuf_cache;
	unsigned mbuf_size;                /* data room per mbuf, headroom included */
	unsigned max_message;              /* bytes */
	enum sl_ring_full_policy ring_full;
	unsigned idle_sleep_us;
	unsigned frag_max_flows;
	unsigned frag_ttl_ms;
	unsigned max_sources;              /* per worker */

	/* [input.udp] */
	enum sl_input_driver driver;
	struct sl_addr listen;             /* address and port */
	int listen_any;                    /* listen address is 0.0.0.0 or :: */
	unsigned rcvbuf;                   /* socket receive buffer, bytes */

	/* [input.tcp], [input.tls], [input.relp] */
	struct sl_config_stream tcp;
	struct sl_config_stream tls_in;
	struct sl_config_stream relp;
	unsigned relp_window;              /* commands in flight per session */

	/* [stream] */
	unsigned stream_lcores;
	unsigned stream_max_connections;   /* per stream lcore */
	unsigned stream_max_per_source;    /* connections of one host, per
					    * stream lcore */
	unsigned stream_idle_timeout_ms;
	unsigned stream_max_pending;       /* waiting answers per stream lcore */
	unsigned stream_max_output;        /* unsent response bytes per
					    * connection before it stops reading */
	unsigned stream_mbufs;             /* the stream lcores' own pool */

	/* [tls] */
	char tls_cert[SL_CONFIG_STR];
	char tls_key[SL_CONFIG_STR];
	char tls_ca[SL_CONFIG_STR];
	enum sl_tls_verify tls_verify;

	/* [port.NAME], in file order */
	unsigned n_ports;
	struct sl_config_port ports[SL_CONFIG_MAX_PORTS];

	/* [kafka] */
	char kafka_brokers[SL_CONFIG_LONGSTR]; /* "embedded" or a list */
	unsigned kafka_embedded_brokers;
	unsigned kafka_embedded_partitions;
	unsigned kafka_poll_interval_us;
	unsigned kafka_producers;          /* 0: one per worker */

	/* [kafka.producer]: librdkafka properties, in file order */
	unsigned n_kafka_props;
	struct sl_config_kv kafka_props[SL_CONFIG_MAX_KAFKA_PROPS];

	/* [route.NAME] (in order of first appearance) and [routing] */
	struct sl_router router;

	/* [envelope] */
	unsigned env_batch_bytes;          /* close a batch at this raw size */
	unsigned env_batch_messages;       /* ... or this many messages */
	unsigned env_linger_us;            /* ... or when its oldest is this old */
	unsigned env_buckets;              /* batches per topic (by source) */
	unsigned env_max_open;             /* open batches per worker */
	unsigned env_lz4_acceleration;
	enum sl_config_encryption env_encryption;
	char env_key_file[SL_CONFIG_STR];

	/* [sources] */
	unsigned source_idle_s;            /* evictable after this idle */
	char site_separator;
	unsigned site_field;               /* 0: no sites */

	/* [shutdown] */
	unsigned drain_timeout_ms;

	/* [stats] */
	unsigned stats_interval_ms;        /* 0: only on SIGUSR1 and at exit */

	/* [http]: enabled once listen is set to an address (empty: off);
	 * a listen address other than loopback needs http_public; an empty
	 * token turns the mutating routes off. */
	int http_enabled;
	struct sl_addr http_listen;
	int http_public;
	char http_token[SL_CONFIG_STR];
	unsigned http_top_sources;         /* per-source series in /metrics */
};

#endif
