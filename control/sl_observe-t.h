/* sl_observe-t.h: what the control plane reads of a running sluiced
 * (telemetry commands, HTTP metrics and dashboard), and the views it
 * makes of it. */
#ifndef SL_OBSERVE_T_H
#define SL_OBSERVE_T_H

#include <pthread.h>
#include <stdint.h>

#include "sl_config-t.h"
#include "sl_kafka-t.h"
#include "sl_ring-t.h"
#include "sl_source-t.h"
#include "sl_worker-t.h"

enum sl_run_state {
	SL_STATE_STARTING = 0,
	SL_STATE_RUNNING,
	SL_STATE_DRAINING,   /* input stopped, delivering what is in flight */
	SL_STATE_DRAINED,    /* drain done: nothing unacknowledged */
	SL_STATE_STOPPING,   /* SIGTERM: tearing down */
};

/* Operations the control plane asks of the daemon (sluiced.c provides
 * them). reload re-reads the configuration file and applies it: returns
 * 0, or -1 with the reason in err; restart names the keys that changed
 * but need a restart ("" when none). drain starts a drain. */
struct sl_observe_ops {
	int (*reload)(void *ctx, char *err, size_t errlen, char *restart,
		      size_t restartlen);
	void (*drain)(void *ctx);
	void *ctx;
};

/* A running sluiced as the control plane sees it. Invariants: lock is
 * held by every reader while it reads through the pointers, and by the
 * daemon while it changes them (reload) or tears them down (it sets
 * attached to 0 first, after which readers find nothing); the workers
 * own what they count and readers read it unsynchronised (aligned 64-bit
 * words: a value may be a moment old, never torn); rate_prev[w] and
 * rate[w] hold, per source entry of worker w, msgs_in at the last sample
 * and the messages per second it saw (sl_observe_sample, once a second,
 * under lock). */
struct sl_observe {
	pthread_mutex_t lock;
	int attached;
	enum sl_run_state state;
	const struct sl_config *cfg;
	const char *brokers;
	uint64_t start_ns;
	unsigned n_rx;
	unsigned n_workers;
	unsigned n_streams;
	struct sl_worker *workers[SL_MAX_WORKERS];
	unsigned worker_lcore[SL_MAX_WORKERS];
	const struct sl_ring_set *rings;
	unsigned n_producers;
	struct sl_kafka *producers[SL_MAX_WORKERS];
	unsigned n_ports;
	uint16_t port_ids[SL_CONFIG_MAX_PORTS];
	uint64_t reloads;
	uint64_t reload_errors;
	char last_reload[512];
	uint64_t sample_ns;
	uint64_t *rate_prev[SL_MAX_WORKERS];
	uint32_t *rate[SL_MAX_WORKERS];
	struct sl_observe_ops ops;
	struct rte_ring *control[SL_MAX_WORKERS];  /* pause/resume to workers */
};

/* Orders of a sources view. */
enum sl_obs_sort {
	SL_OBS_SORT_UNACKED,
	SL_OBS_SORT_LAG,
	SL_OBS_SORT_RATE,
	SL_OBS_SORT_IN,
};

/* Which sources a view shows. site_set selects one site (site "" means
 * hosts without a site); top bounds how many. */
struct sl_obs_query {
	int site_set;
	char site[SL_SOURCE_SITE_MAX];
	enum sl_obs_sort sort;
	unsigned top;
};

/* One source in a view. */
struct sl_obs_source {
	char ip[46];
	char host[SL_SOURCE_HOST_MAX];
	char site[SL_SOURCE_SITE_MAX];
	unsigned worker;
	uint64_t in;
	uint64_t bytes;
	uint64_t delivered;
	uint64_t failed;
	uint64_t unacked;
	uint64_t lag_ms;
	uint64_t rate;
	uint64_t dropped;
	uint64_t last_seen_s;
	int paused;
};

/* One site in a view: its hosts summed (lag_ms: the largest). */
struct sl_obs_site {
	char site[SL_SOURCE_SITE_MAX];
	uint64_t hosts;
	uint64_t in;
	uint64_t unacked;
	uint64_t lag_ms;
	uint64_t rate;
};

/* The daemon-wide figures of /sluice/status. */
struct sl_obs_status {
	enum sl_run_state state;
	uint64_t uptime_s;
	uint64_t msg_in;
	uint64_t kafka_delivered;
	uint64_t dropped;
	uint64_t unacked;
	uint64_t sources;
	uint64_t reloads;
	uint64_t reload_errors;
	char last_reload[512];
};

/* One worker's figures. */
struct sl_obs_worker {
	unsigned id;
	unsigned lcore;
	uint64_t msg_in;
	uint64_t msg_bytes;
	uint64_t kafka_produced;
	uint64_t kafka_delivered;
	uint64_t kafka_queue_full;
	uint64_t env_sealed;
	uint64_t env_delivered;
	uint64_t sources;
	uint64_t evicted;
	uint64_t overflowed;
	uint64_t unacked;
	uint64_t dropped;
};


#endif
