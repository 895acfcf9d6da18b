/* sl_telemetry.c: /sluice/... telemetry commands. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "sl_kafka.h"
#include "sl_meta.h"
#include "sl_observe.h"
#include "sl_route.h"
#include "sl_telemetry.h"

/* DPDK telemetry answers fit 16 KiB: at most this many sources. */
#define TEL_MAX_SOURCES 100
#define TEL_MAX_SITES   200

/* DPDK telemetry accepts only [A-Za-z0-9_/] in names, and arrays hold
 * only plain values, so what is keyed by a free-form name (routes, ports,
 * sites, sources) is a dict keyed by position or number, each entry
 * carrying its name inside. */

/* Telemetry callbacks take no context: the one daemon's observe. */
static struct sl_observe *obs;

static void
add_u64(struct rte_tel_data *d, const char *name, uint64_t v)
{
	rte_tel_data_add_dict_u64(d, name, v);
}

static int
cmd_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sl_config *c = obs->cfg;
	struct sl_obs_status st;
	char text[64];

	(void)cmd;
	(void)params;
	sl_observe_status(obs, &st);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", SLUICE_VERSION);
	rte_tel_data_add_dict_string(d, "state", sl_observe_state_name(st.state));
	add_u64(d, "pid", (uint64_t)getpid());
	rte_tel_data_add_dict_string(d, "file_prefix", c->eal_file_prefix);
	rte_tel_data_add_dict_string(d, "config", c->path);
	add_u64(d, "uptime_s", st.uptime_s);
	rte_tel_data_add_dict_string(d, "mode",
		c->mode == SL_MODE_PIPELINE ? "pipeline" : "run-to-completion");
	rte_tel_data_add_dict_string(d, "driver",
		c->driver == SL_DRIVER_DPDK ? "dpdk" : "socket");
	add_u64(d, "rx_lcores", obs->n_rx);
	add_u64(d, "workers", obs->n_workers);
	add_u64(d, "stream_lcores", obs->n_streams);
	snprintf(text, sizeof(text), "%.63s", obs->brokers != NULL ? obs->brokers : "");
	rte_tel_data_add_dict_string(d, "kafka", text);
	add_u64(d, "msg_in", st.msg_in);
	add_u64(d, "kafka_delivered", st.kafka_delivered);
	add_u64(d, "dropped", st.dropped);
	add_u64(d, "unacked", st.unacked);
	add_u64(d, "sources", st.sources);
	add_u64(d, "reloads", st.reloads);
	add_u64(d, "reload_errors", st.reload_errors);
	st.last_reload[RTE_TEL_MAX_STRING_LEN - 1] = '\0';
	rte_tel_data_add_dict_string(d, "last_reload", st.last_reload);
	return 0;
}

static int
cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_obs_worker w[SL_MAX_WORKERS];
	unsigned n, i;
	char id[16];

	(void)cmd;
	(void)params;
	n = sl_observe_workers(obs, w, SL_MAX_WORKERS);
	rte_tel_data_start_dict(d);
	for (i = 0; i < n; i++) {
		struct rte_tel_data *x = rte_tel_data_alloc();

		if (x == NULL)
			return -1;
		rte_tel_data_start_dict(x);
		add_u64(x, "lcore", w[i].lcore);
		add_u64(x, "msg_in", w[i].msg_in);
		add_u64(x, "msg_bytes", w[i].msg_bytes);
		add_u64(x, "kafka_produced", w[i].kafka_produced);
		add_u64(x, "kafka_delivered", w[i].kafka_delivered);
		add_u64(x, "kafka_queue_full", w[i].kafka_queue_full);
		add_u64(x, "env_sealed", w[i].env_sealed);
		add_u64(x, "env_delivered", w[i].env_delivered);
		add_u64(x, "sources", w[i].sources);
		add_u64(x, "sources_evicted", w[i].evicted);
		add_u64(x, "sources_overflowed", w[i].overflowed);
		add_u64(x, "unacked", w[i].unacked);
		add_u64(x, "dropped", w[i].dropped);
		snprintf(id, sizeof(id), "%u", w[i].id);
		rte_tel_data_add_dict_container(d, id, x, 0);
	}
	return 0;
}

static int
cmd_rings(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sl_ring_set *rs = obs->rings;
	char name[RTE_RING_NAMESIZE];
	unsigned p, w;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&obs->lock);
	for (p = 0; obs->attached && p < rs->n_producers; p++) {
		for (w = 0; w < rs->n_workers; w++) {
			const struct rte_ring *r = rs->rings[p][w];
			struct rte_tel_data *x = rte_tel_data_alloc();

			if (x == NULL)
				break;
			rte_tel_data_start_dict(x);
			add_u64(x, "count", rte_ring_count(r));
			add_u64(x, "capacity", rte_ring_get_capacity(r));
			add_u64(x, "producer", p);
			add_u64(x, "worker", w);
			snprintf(name, sizeof(name), "%s", r->name);
			rte_tel_data_add_dict_container(d, name, x, 0);
		}
	}
	pthread_mutex_unlock(&obs->lock);
	return 0;
}

static int
cmd_kafka(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char id[16];
	unsigned i, e;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&obs->lock);
	for (i = 0; obs->attached && i < obs->n_producers; i++) {
		const struct sl_kafka *k = obs->producers[i];
		struct rte_tel_data *x = rte_tel_data_alloc();
		uint64_t failed = 0;

		if (x == NULL)
			break;
		rte_tel_data_start_dict(x);
		add_u64(x, "workers", (obs->n_workers + obs->n_producers - 1 - i) /
				      obs->n_producers);
		add_u64(x, "in_flight", (uint64_t)RTE_MAX(0, sl_kafka_outstanding(k)));
		add_u64(x, "queue_len", (uint64_t)rd_kafka_outq_len(k->rk));
		for (e = 0; e < k->n_errors; e++) {
			failed += k->errors[e].count;
			add_u64(x, rd_kafka_err2name(k->errors[e].err),
				k->errors[e].count);
		}
		add_u64(x, "failed", failed);
		snprintf(id, sizeof(id), "%u", i);
		rte_tel_data_add_dict_container(d, id, x, 0);
	}
	pthread_mutex_unlock(&obs->lock);
	return 0;
}

static int
cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sl_config *c = obs->cfg;
	struct rte_eth_dev_info info;
	struct rte_eth_stats s;
	char id[16];
	unsigned i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&obs->lock);
	for (i = 0; obs->attached && i < obs->n_ports; i++) {
		struct rte_tel_data *x;

		if (rte_eth_stats_get(obs->port_ids[i], &s) != 0 ||
		    rte_eth_dev_info_get(obs->port_ids[i], &info) != 0)
			continue;
		x = rte_tel_data_alloc();
		if (x == NULL)
			break;
		rte_tel_data_start_dict(x);
		add_u64(x, "port_id", obs->port_ids[i]);
		rte_tel_data_add_dict_string(x, "driver", info.driver_name);
		add_u64(x, "ipackets", s.ipackets);
		add_u64(x, "opackets", s.opackets);
		add_u64(x, "ibytes", s.ibytes);
		add_u64(x, "obytes", s.obytes);
		add_u64(x, "imissed", s.imissed);
		add_u64(x, "ierrors", s.ierrors);
		add_u64(x, "rx_nombuf", s.rx_nombuf);
		rte_tel_data_add_dict_string(x, "exception", c->ports[i].exception);
		rte_tel_data_add_dict_string(x, "name", c->ports[i].name);
		snprintf(id, sizeof(id), "%u", obs->port_ids[i]);
		rte_tel_data_add_dict_container(d, id, x, 0);
	}
	pthread_mutex_unlock(&obs->lock);
	return 0;
}

static const char *
format_name(enum sl_route_format f, enum sl_route_format dflt)
{
	if (f == SL_FORMAT_DEFAULT)
		f = dflt;
	return f == SL_FORMAT_ENVELOPE ? "envelope" : "record";
}

static int
cmd_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sl_router *r;
	char text[RTE_TEL_MAX_STRING_LEN], id[16];
	struct rte_tel_data *x;
	unsigned i;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&obs->lock);
	r = &obs->cfg->router;
	for (i = 0; i < r->n_rules && i < RTE_TEL_MAX_DICT_ENTRIES - 1; i++) {
		const struct sl_route_rule *rule = &r->rules[i];

		x = rte_tel_data_alloc();
		if (x == NULL)
			break;
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_string(x, "name", rule->name);
		snprintf(text, sizeof(text), "%.127s", rule->topic);
		rte_tel_data_add_dict_string(x, "topic", text);
		rte_tel_data_add_dict_string(x, "format",
			format_name(rule->format, r->default_format));
		if (rule->n_app > 0)
			rte_tel_data_add_dict_string(x, "app", rule->app[0]);
		if (rule->n_host > 0)
			rte_tel_data_add_dict_string(x, "host", rule->host[0]);
		if (rule->facility_mask != 0)
			add_u64(x, "facility_mask", rule->facility_mask);
		if (rule->net_prefix >= 0) {
			char ip[SL_ADDR_STRLEN];

			sl_addr_format_ip(&rule->net, ip);
			snprintf(text, sizeof(text), "%s/%d", ip, rule->net_prefix);
			rte_tel_data_add_dict_string(x, "network", text);
		}
		snprintf(id, sizeof(id), "%u", i);
		rte_tel_data_add_dict_container(d, id, x, 0);
	}
	x = rte_tel_data_alloc();
	if (x != NULL) {
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_string(x, "name", "default");
		snprintf(id, sizeof(id), "%u", i);
		snprintf(text, sizeof(text), "%.127s", r->default_topic);
		rte_tel_data_add_dict_string(x, "topic", text);
		rte_tel_data_add_dict_string(x, "format",
			format_name(r->default_format, SL_FORMAT_RECORD));
		rte_tel_data_add_dict_container(d, id, x, 0);
	}
	pthread_mutex_unlock(&obs->lock);
	return 0;
}

static int
cmd_sources(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_obs_source *v;
	struct sl_obs_site sites[TEL_MAX_SITES];
	struct sl_obs_query q;
	unsigned n, i, total;
	char err[128], id[16];

	(void)cmd;
	rte_tel_data_start_dict(d);
	if (sl_observe_parse_query(params, &q, err, sizeof(err)) != 0) {
		rte_tel_data_add_dict_string(d, "error", err);
		return 0;
	}
	v = malloc(sizeof(*v) * TEL_MAX_SOURCES);
	if (v == NULL)
		return -1;
	n = sl_observe_sources(obs, &q, v, TEL_MAX_SOURCES, &total);
	add_u64(d, "total", total);
	add_u64(d, "sites", sl_observe_sites(obs, sites, TEL_MAX_SITES));
	for (i = 0; i < n; i++) {
		struct rte_tel_data *x = rte_tel_data_alloc();

		if (x == NULL)
			break;
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_string(x, "ip", v[i].ip);
		rte_tel_data_add_dict_string(x, "host", v[i].host);
		rte_tel_data_add_dict_string(x, "site", v[i].site);
		add_u64(x, "worker", v[i].worker);
		add_u64(x, "in", v[i].in);
		add_u64(x, "bytes", v[i].bytes);
		add_u64(x, "delivered", v[i].delivered);
		add_u64(x, "failed", v[i].failed);
		add_u64(x, "unacked", v[i].unacked);
		add_u64(x, "lag_ms", v[i].lag_ms);
		add_u64(x, "rate", v[i].rate);
		add_u64(x, "dropped", v[i].dropped);
		add_u64(x, "last_seen_s", v[i].last_seen_s);
		add_u64(x, "paused", (uint64_t)v[i].paused);
		snprintf(id, sizeof(id), "%u", i);
		rte_tel_data_add_dict_container(d, id, x, 0);
	}
	free(v);
	return 0;
}

static int
cmd_sites(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_obs_site *v = malloc(sizeof(*v) * TEL_MAX_SITES);
	unsigned n, i;
	char id[16];

	(void)cmd;
	(void)params;
	if (v == NULL)
		return -1;
	n = sl_observe_sites(obs, v, TEL_MAX_SITES);
	rte_tel_data_start_dict(d);
	for (i = 0; i < n && i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		struct rte_tel_data *x = rte_tel_data_alloc();

		if (x == NULL)
			break;
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_string(x, "site", v[i].site);
		add_u64(x, "hosts", v[i].hosts);
		add_u64(x, "in", v[i].in);
		add_u64(x, "unacked", v[i].unacked);
		add_u64(x, "lag_ms", v[i].lag_ms);
		add_u64(x, "rate", v[i].rate);
		snprintf(id, sizeof(id), "%u", i);
		rte_tel_data_add_dict_container(d, id, x, 0);
	}
	free(v);
	return 0;
}

static int
cmd_reload(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char err[512] = "", restart[512] = "";
	int rc;

	(void)cmd;
	(void)params;
	rc = obs->ops.reload(obs->ops.ctx, err, sizeof(err), restart,
			     sizeof(restart));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", rc == 0 ? "ok" : "error");
	err[RTE_TEL_MAX_STRING_LEN - 1] = '\0';
	restart[RTE_TEL_MAX_STRING_LEN - 1] = '\0';
	if (rc != 0)
		rte_tel_data_add_dict_string(d, "error", err);
	rte_tel_data_add_dict_string(d, "restart_needed", restart);
	return 0;
}

static int
cmd_drain(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	obs->ops.drain(obs->ops.ctx);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "result", "draining");
	return 0;
}

static int
pause_common(const char *params, int pause, struct rte_tel_data *d)
{
	char err[128];

	rte_tel_data_start_dict(d);
	if (params == NULL || params[0] == '\0') {
		rte_tel_data_add_dict_string(d, "result", "error");
		rte_tel_data_add_dict_string(d, "error", "give the source IP: ,IP");
		return 0;
	}
	if (sl_observe_pause(obs, params, pause, err, sizeof(err)) != 0) {
		rte_tel_data_add_dict_string(d, "result", "error");
		rte_tel_data_add_dict_string(d, "error", err);
		return 0;
	}
	rte_tel_data_add_dict_string(d, "result", "ok");
	return 0;
}

static int
cmd_pause(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return pause_common(params, 1, d);
}

static int
cmd_resume(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return pause_common(params, 0, d);
}

int
sl_telemetry_register(struct sl_observe *o)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/sluice/status", cmd_status, "sluiced state and totals. No parameters" },
		{ "/sluice/workers", cmd_workers, "Per-worker counters. No parameters" },
		{ "/sluice/rings", cmd_rings, "Ring fill levels. No parameters" },
		{ "/sluice/kafka", cmd_kafka, "Producers: in flight, failures. No parameters" },
		{ "/sluice/ports", cmd_ports, "DPDK ports. No parameters" },
		{ "/sluice/routes", cmd_routes, "Routing rules. No parameters" },
		{ "/sluice/sources", cmd_sources, "Sending hosts. Parameters: site=S;sort=unacked|lag|rate|in;top=N" },
		{ "/sluice/sites", cmd_sites, "Sites: hosts, unacknowledged, lag. No parameters" },
		{ "/sluice/reload", cmd_reload, "Reload the configuration file. No parameters" },
		{ "/sluice/drain", cmd_drain, "Stop input, deliver everything, wait. No parameters" },
		{ "/sluice/pause_source", cmd_pause, "Drop (counted) a host's messages. Parameter: IP" },
		{ "/sluice/resume_source", cmd_resume, "End a pause. Parameter: IP" },
	};
	unsigned i;

	obs = o;
	for (i = 0; i < RTE_DIM(cmds); i++)
		if (rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn,
					       cmds[i].help) != 0)
			return -1;
	return 0;
}
