/* sl_http.c: the HTTP server of sluiced: /metrics, /api, the dashboard.
 *
 * Every request is answered on its first call into handle(): no route
 * takes a body, so a body is never read (libmicrohttpd closes such a
 * connection after the answer). Requests are bounded by libmicrohttpd:
 * connections in all and per client address, memory per connection
 * (headers and URL), and an idle timeout.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "sl_dashboard.h"
#include "sl_http.h"
#include "sl_log.h"
#include "sl_meta.h"
#include "sl_metrics.h"
#include "sl_observe.h"

#define HTTP_MAX_CONNECTIONS   64
#define HTTP_MAX_PER_CLIENT    16
#define HTTP_TIMEOUT_S         10
#define HTTP_CONNECTION_MEMORY (32u << 10)
#define HTTP_MAX_SOURCES       100000
#define HTTP_MAX_SITES         4096

#define CT_JSON    "application/json; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

/* The running server. Invariants: mhd is non-NULL while it runs; obs,
 * token and top_sources are set before it starts and not changed while
 * it runs (a change of [http] needs a restart); token_len 0 turns the
 * mutations off. */
struct http_server {
	struct MHD_Daemon *mhd;
	struct sl_observe *obs;
	char token[SL_CONFIG_STR];
	size_t token_len;
	unsigned top_sources;
};

static struct http_server srv;

/* An answer being made. Invariants: body holds the text of a dynamic
 * answer; when data is set the answer is that static content instead
 * and body stays empty. */
struct http_reply {
	unsigned status;
	const char *type;
	struct sl_metrics_buf body;
	const unsigned char *data;
	size_t data_len;
	const char *allow;     /* Allow header of a 405 */
};

/* Makes r a JSON error answer {"result": "error", "error": why},
 * dropping what r held. */
__attribute__((format(printf, 3, 4)))
static void
reply_error(struct http_reply *r, unsigned status, const char *fmt, ...)
{
	char why[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sl_metrics_buf_free(&r->body);
	r->status = status;
	r->type = CT_JSON;
	sl_metrics_append(&r->body, "{\"result\":\"error\",\"error\":", 26);
	sl_metrics_json_string(&r->body, why);
	sl_metrics_append(&r->body, "}\n", 2);
}

/* Appends ,"key":value (no comma when first). */
static void
json_u64(struct sl_metrics_buf *b, const char *key, uint64_t v, int first)
{
	sl_metrics_printf(b, "%s\"%s\":%" PRIu64, first ? "" : ",", key, v);
}

/* Appends ,"key":"v" (no comma when first), v escaped. */
static void
json_str(struct sl_metrics_buf *b, const char *key, const char *v, int first)
{
	sl_metrics_printf(b, "%s\"%s\":", first ? "" : ",", key);
	sl_metrics_json_string(b, v);
}

/* Opens the i-th object of a JSON array. */
static void
json_item(struct sl_metrics_buf *b, unsigned i)
{
	if (i == 0)
		sl_metrics_append(b, "{", 1);
	else
		sl_metrics_append(b, ",{", 2);
}

/* ---- query parameters -------------------------------------------------- */

/* What the request's query string is checked against. */
struct arg_check {
	const char *const *allowed;   /* NULL-terminated */
	const char *bad;              /* first key not allowed, or NULL */
};

static enum MHD_Result
check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
	  const char *value)
{
	struct arg_check *a = cls;
	unsigned i;

	(void)kind;
	(void)value;
	if (key == NULL) {
		a->bad = "";
		return MHD_NO;
	}
	for (i = 0; a->allowed[i] != NULL; i++)
		if (strcmp(key, a->allowed[i]) == 0)
			return MHD_YES;
	a->bad = key;
	return MHD_NO;
}

/* Returns 0 when every query parameter of c is in allowed, else -1 with
 * r made a 400 answer. */
static int
args_allowed(struct MHD_Connection *c, const char *const *allowed,
	     struct http_reply *r)
{
	struct arg_check a = { .allowed = allowed };
	char names[128] = "";
	unsigned i;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &a);
	if (a.bad == NULL)
		return 0;
	for (i = 0; allowed[i] != NULL; i++) {
		strncat(names, i == 0 ? "" : ", ", sizeof(names) - strlen(names) - 1);
		strncat(names, allowed[i], sizeof(names) - strlen(names) - 1);
	}
	if (allowed[0] == NULL)
		reply_error(r, MHD_HTTP_BAD_REQUEST,
			    "unknown parameter \"%.64s\": this path takes none", a.bad);
	else
		reply_error(r, MHD_HTTP_BAD_REQUEST,
			    "unknown parameter \"%.64s\": want %s", a.bad, names);
	return -1;
}

/* Returns the value of query parameter key ("" when given without a
 * value), or NULL when absent. */
static const char *
arg(struct MHD_Connection *c, const char *key)
{
	const char *v;

	if (MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, key,
					  strlen(key), &v, NULL) != MHD_YES)
		return NULL;
	return v != NULL ? v : "";
}

/* ---- GET routes -------------------------------------------------------- */

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
get_metrics(struct MHD_Connection *c, struct http_reply *r)
{
	static const char *const none[] = { NULL };

	if (args_allowed(c, none, r) != 0)
		return;
	if (sl_metrics_render(srv.obs, srv.top_sources, &r->body) != 0) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	r->status = MHD_HTTP_OK;
	r->type = CT_METRICS;
}

static void
get_status(struct MHD_Connection *c, struct http_reply *r)
{
	static const char *const none[] = { NULL };
	struct sl_metrics_buf *b = &r->body;
	struct sl_observe *o = srv.obs;
	char prefix[64] = "", path[SL_CONFIG_STR] = "";
	struct sl_obs_status st;
	int pipeline = 0, dpdk = 0;

	if (args_allowed(c, none, r) != 0)
		return;
	sl_observe_status(o, &st);
	pthread_mutex_lock(&o->lock);
	if (o->cfg != NULL) {
		snprintf(prefix, sizeof(prefix), "%s", o->cfg->eal_file_prefix);
		snprintf(path, sizeof(path), "%s", o->cfg->path);
		pipeline = o->cfg->mode == SL_MODE_PIPELINE;
		dpdk = o->cfg->driver == SL_DRIVER_DPDK;
	}
	pthread_mutex_unlock(&o->lock);
	sl_metrics_append(b, "{", 1);
	json_str(b, "version", SLUICE_VERSION, 1);
	json_str(b, "state", sl_observe_state_name(st.state), 0);
	json_u64(b, "pid", (uint64_t)getpid(), 0);
	json_str(b, "file_prefix", prefix, 0);
	json_str(b, "config", path, 0);
	json_u64(b, "uptime_s", st.uptime_s, 0);
	json_u64(b, "time_ms", wall_ms(), 0);
	json_str(b, "mode", pipeline ? "pipeline" : "run-to-completion", 0);
	json_str(b, "driver", dpdk ? "dpdk" : "socket", 0);
	json_u64(b, "rx_lcores", o->n_rx, 0);
	json_u64(b, "workers", o->n_workers, 0);
	json_u64(b, "stream_lcores", o->n_streams, 0);
	json_str(b, "kafka", o->brokers != NULL ? o->brokers : "", 0);
	json_u64(b, "msg_in", st.msg_in, 0);
	json_u64(b, "kafka_delivered", st.kafka_delivered, 0);
	json_u64(b, "dropped", st.dropped, 0);
	json_u64(b, "unacked", st.unacked, 0);
	json_u64(b, "sources", st.sources, 0);
	json_u64(b, "reloads", st.reloads, 0);
	json_u64(b, "reload_errors", st.reload_errors, 0);
	json_str(b, "last_reload", st.last_reload, 0);
	sl_metrics_printf(b, ",\"mutations\":%s}\n",
			  srv.token_len > 0 ? "true" : "false");
	r->status = MHD_HTTP_OK;
	r->type = CT_JSON;
}

/* Builds q from the site, sort and top parameters. Returns 0, or -1
 * with r made a 400 answer. */
static int
sources_query(struct MHD_Connection *c, struct sl_obs_query *q,
	      struct http_reply *r)
{
	static const char *const keys[] = { "sort", "top" };
	const char *site = arg(c, "site");
	char params[160] = "", err[128];
	unsigned i;

	for (i = 0; i < 2; i++) {
		const char *v = arg(c, keys[i]);
		size_t n = strlen(params);

		if (v == NULL)
			continue;
		if (strlen(v) > 32 || strpbrk(v, ";&=") != NULL) {
			reply_error(r, MHD_HTTP_BAD_REQUEST,
				    "%s \"%.32s\": not a valid value", keys[i], v);
			return -1;
		}
		snprintf(params + n, sizeof(params) - n, "%s%s=%s",
			 n > 0 ? ";" : "", keys[i], v);
	}
	if (sl_observe_parse_query(params, q, err, sizeof(err)) != 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "%s", err);
		return -1;
	}
	if (q->top > HTTP_MAX_SOURCES) {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "top %u: want 1..%u", q->top,
			    HTTP_MAX_SOURCES);
		return -1;
	}
	if (site != NULL) {
		if (strlen(site) >= sizeof(q->site)) {
			reply_error(r, MHD_HTTP_BAD_REQUEST,
				    "site: at most %zu characters",
				    sizeof(q->site) - 1);
			return -1;
		}
		/* "-" names the hosts without a site, as in telemetry. */
		q->site_set = 1;
		snprintf(q->site, sizeof(q->site), "%s",
			 strcmp(site, "-") == 0 ? "" : site);
	}
	return 0;
}

static void
get_sources(struct MHD_Connection *c, struct http_reply *r)
{
	static const char *const allowed[] = { "site", "sort", "top", NULL };
	struct sl_metrics_buf *b = &r->body;
	struct sl_obs_status st;
	struct sl_obs_source *v;
	struct sl_obs_query q;
	unsigned n, i, total, max;

	if (args_allowed(c, allowed, r) != 0 || sources_query(c, &q, r) != 0)
		return;
	/* Room for what is tracked now and every worker's overflow entry; a
	 * source that arrives meanwhile may be left out, never overrun. */
	sl_observe_status(srv.obs, &st);
	max = st.sources + SL_MAX_WORKERS < q.top ?
	      (unsigned)st.sources + SL_MAX_WORKERS : q.top;
	v = malloc(sizeof(*v) * max);
	if (v == NULL) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	n = sl_observe_sources(srv.obs, &q, v, max, &total);
	sl_metrics_append(b, "{", 1);
	json_u64(b, "total", total, 1);
	json_u64(b, "shown", n, 0);
	sl_metrics_append(b, ",\"sources\":[", 12);
	for (i = 0; i < n; i++) {
		json_item(b, i);
		json_str(b, "ip", v[i].ip, 1);
		json_str(b, "host", v[i].host, 0);
		json_str(b, "site", v[i].site, 0);
		json_u64(b, "worker", v[i].worker, 0);
		json_u64(b, "in", v[i].in, 0);
		json_u64(b, "bytes", v[i].bytes, 0);
		json_u64(b, "delivered", v[i].delivered, 0);
		json_u64(b, "failed", v[i].failed, 0);
		json_u64(b, "unacked", v[i].unacked, 0);
		json_u64(b, "lag_ms", v[i].lag_ms, 0);
		json_u64(b, "rate", v[i].rate, 0);
		json_u64(b, "dropped", v[i].dropped, 0);
		json_u64(b, "last_seen_s", v[i].last_seen_s, 0);
		sl_metrics_printf(b, ",\"paused\":%s}", v[i].paused ? "true" : "false");
	}
	sl_metrics_append(b, "]}\n", 3);
	free(v);
	r->status = MHD_HTTP_OK;
	r->type = CT_JSON;
}

static void
get_sites(struct MHD_Connection *c, struct http_reply *r)
{
	static const char *const none[] = { NULL };
	struct sl_metrics_buf *b = &r->body;
	struct sl_obs_site *v;
	unsigned n, i;

	if (args_allowed(c, none, r) != 0)
		return;
	v = malloc(sizeof(*v) * HTTP_MAX_SITES);
	if (v == NULL) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	n = sl_observe_sites(srv.obs, v, HTTP_MAX_SITES);
	sl_metrics_append(b, "{\"sites\":[", 10);
	for (i = 0; i < n; i++) {
		json_item(b, i);
		json_str(b, "site", v[i].site, 1);
		json_u64(b, "hosts", v[i].hosts, 0);
		json_u64(b, "in", v[i].in, 0);
		json_u64(b, "unacked", v[i].unacked, 0);
		json_u64(b, "lag_ms", v[i].lag_ms, 0);
		json_u64(b, "rate", v[i].rate, 0);
		sl_metrics_append(b, "}", 1);
	}
	sl_metrics_append(b, "]}\n", 3);
	free(v);
	r->status = MHD_HTTP_OK;
	r->type = CT_JSON;
}

static void
get_workers(struct MHD_Connection *c, struct http_reply *r)
{
	static const char *const none[] = { NULL };
	struct sl_metrics_buf *b = &r->body;
	struct sl_obs_worker w[SL_MAX_WORKERS];
	unsigned n, i;

	if (args_allowed(c, none, r) != 0)
		return;
	n = sl_observe_workers(srv.obs, w, SL_MAX_WORKERS);
	sl_metrics_append(b, "{\"workers\":[", 12);
	for (i = 0; i < n; i++) {
		json_item(b, i);
		json_u64(b, "id", w[i].id, 1);
		json_u64(b, "lcore", w[i].lcore, 0);
		json_u64(b, "msg_in", w[i].msg_in, 0);
		json_u64(b, "msg_bytes", w[i].msg_bytes, 0);
		json_u64(b, "kafka_produced", w[i].kafka_produced, 0);
		json_u64(b, "kafka_delivered", w[i].kafka_delivered, 0);
		json_u64(b, "kafka_queue_full", w[i].kafka_queue_full, 0);
		json_u64(b, "env_sealed", w[i].env_sealed, 0);
		json_u64(b, "env_delivered", w[i].env_delivered, 0);
		json_u64(b, "sources", w[i].sources, 0);
		json_u64(b, "sources_evicted", w[i].evicted, 0);
		json_u64(b, "sources_overflowed", w[i].overflowed, 0);
		json_u64(b, "unacked", w[i].unacked, 0);
		json_u64(b, "dropped", w[i].dropped, 0);
		sl_metrics_append(b, "}", 1);
	}
	sl_metrics_append(b, "]}\n", 3);
	r->status = MHD_HTTP_OK;
	r->type = CT_JSON;
}

/* ---- POST routes (mutations) ------------------------------------------- */

/* Returns 1 when the request carries "Authorization: Bearer TOKEN" with
 * the configured token. The comparison takes the same time wherever the
 * first difference is, so timing tells nothing of the token. */
static int
authorized(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	unsigned char diff = 0;
	size_t i;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	if (strlen(h) != srv.token_len)
		return 0;
	for (i = 0; i < srv.token_len; i++)
		diff |= (unsigned char)(h[i] ^ srv.token[i]);
	return diff == 0;
}

static void
post_reload(struct MHD_Connection *c, struct http_reply *r)
{
	static const char *const none[] = { NULL };
	struct sl_observe_ops ops;
	char err[512] = "", restart[512] = "";

	if (args_allowed(c, none, r) != 0)
		return;
	pthread_mutex_lock(&srv.obs->lock);
	ops = srv.obs->ops;
	pthread_mutex_unlock(&srv.obs->lock);
	if (ops.reload == NULL) {
		reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "sluiced is not running");
		return;
	}
	if (ops.reload(ops.ctx, err, sizeof(err), restart, sizeof(restart)) != 0) {
		reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
			    "reload refused, the running configuration stays: %s", err);
		return;
	}
	sl_metrics_append(&r->body, "{", 1);
	json_str(&r->body, "result", "ok", 1);
	json_str(&r->body, "restart_needed", restart, 0);
	sl_metrics_append(&r->body, "}\n", 2);
	r->status = MHD_HTTP_OK;
	r->type = CT_JSON;
}

static void
post_drain(struct MHD_Connection *c, struct http_reply *r)
{
	static const char *const none[] = { NULL };
	struct sl_observe_ops ops;

	if (args_allowed(c, none, r) != 0)
		return;
	pthread_mutex_lock(&srv.obs->lock);
	ops = srv.obs->ops;
	pthread_mutex_unlock(&srv.obs->lock);
	if (ops.drain == NULL) {
		reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "sluiced is not running");
		return;
	}
	ops.drain(ops.ctx);
	sl_metrics_append(&r->body, "{", 1);
	json_str(&r->body, "result", "draining", 1);
	sl_metrics_append(&r->body, "}\n", 2);
	r->status = MHD_HTTP_ACCEPTED;
	r->type = CT_JSON;
}

static void
pause_common(struct MHD_Connection *c, int pause, struct http_reply *r)
{
	static const char *const allowed[] = { "ip", NULL };
	const char *ip = arg(c, "ip");
	struct sl_addr a;
	char err[128];

	if (args_allowed(c, allowed, r) != 0)
		return;
	if (ip == NULL || ip[0] == '\0') {
		reply_error(r, MHD_HTTP_BAD_REQUEST, "give the source: ?ip=ADDRESS");
		return;
	}
	if (strlen(ip) >= SL_ADDR_STRLEN || sl_addr_parse(ip, &a) != 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST,
			    "\"%.64s\" is not an IP address", ip);
		return;
	}
	if (sl_observe_pause(srv.obs, ip, pause, err, sizeof(err)) != 0) {
		reply_error(r, MHD_HTTP_CONFLICT, "%s", err);
		return;
	}
	sl_metrics_append(&r->body, "{", 1);
	json_str(&r->body, "result", "ok", 1);
	sl_metrics_append(&r->body, "}\n", 2);
	r->status = MHD_HTTP_OK;
	r->type = CT_JSON;
}

static void
post_pause(struct MHD_Connection *c, struct http_reply *r)
{
	pause_common(c, 1, r);
}

static void
post_resume(struct MHD_Connection *c, struct http_reply *r)
{
	pause_common(c, 0, r);
}

/* ---- dispatch ---------------------------------------------------------- */

static const struct {
	const char *path;
	int mutation;          /* POST, with the token */
	void (*fn)(struct MHD_Connection *c, struct http_reply *r);
} routes[] = {
	{ "/metrics", 0, get_metrics },
	{ "/api/status", 0, get_status },
	{ "/api/sources", 0, get_sources },
	{ "/api/sites", 0, get_sites },
	{ "/api/workers", 0, get_workers },
	{ "/api/reload", 1, post_reload },
	{ "/api/drain", 1, post_drain },
	{ "/api/pause_source", 1, post_pause },
	{ "/api/resume_source", 1, post_resume },
};

/* Fills r for a request of method on url. */
static void
route(struct MHD_Connection *c, const char *url, const char *method,
      struct http_reply *r)
{
	int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		  strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	unsigned i;

	for (i = 0; i < sl_dashboard_n_files; i++) {
		const struct sl_dashboard_file *f = &sl_dashboard_files[i];

		if (strcmp(url, f->path) != 0)
			continue;
		if (!get) {
			r->allow = "GET, HEAD";
			reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "%s takes GET", f->path);
			return;
		}
		r->status = MHD_HTTP_OK;
		r->type = f->content_type;
		r->data = f->data;
		r->data_len = f->len;
		return;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(url, routes[i].path) != 0)
			continue;
		if (routes[i].mutation ? !post : !get) {
			r->allow = routes[i].mutation ? "POST" : "GET, HEAD";
			reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "%s takes %s",
				    routes[i].path, r->allow);
			return;
		}
		if (routes[i].mutation && srv.token_len == 0) {
			reply_error(r, MHD_HTTP_FORBIDDEN,
				    "mutations over HTTP are off: set [http] token to allow them");
			return;
		}
		if (routes[i].mutation && !authorized(c)) {
			reply_error(r, MHD_HTTP_FORBIDDEN,
				    "this needs the header \"Authorization: Bearer TOKEN\" with [http] token");
			return;
		}
		routes[i].fn(c, r);
		return;
	}
	reply_error(r, MHD_HTTP_NOT_FOUND,
		    "no such path: see / (dashboard), /metrics and /api/status, /api/sources, /api/sites, /api/workers");
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url,
       const char *method, const char *version, const char *upload_data,
       size_t *upload_data_size, void **req_cls)
{
	struct http_reply r = { .status = MHD_HTTP_INTERNAL_SERVER_ERROR };
	struct MHD_Response *resp;
	enum MHD_Result rc;
	size_t len = 0;
	char *text;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	route(c, url, method, &r);
	if (r.data != NULL) {
		resp = MHD_create_response_from_buffer(r.data_len, (void *)(uintptr_t)r.data,
						       MHD_RESPMEM_PERSISTENT);
	} else {
		text = sl_metrics_buf_take(&r.body, &len);
		if (text == NULL)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, text,
						       MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			free(text);
	}
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.type) != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES ||
	    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    MHD_add_response_header(resp, "Content-Security-Policy",
				    "default-src 'self'; frame-ancestors 'none'") != MHD_YES ||
	    (r.allow != NULL &&
	     MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r.allow) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	rc = MHD_queue_response(c, r.status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* libmicrohttpd's complaints (malformed requests, connection limits)
 * are what a hostile client can cause at will: at most one line a second
 * reaches the log, with the number of those left out. Only the server's
 * thread logs once it runs (start and stop log before and after it). */
static uint64_t log_second;
static uint64_t log_skipped;

__attribute__((format(printf, 2, 0)))
static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	struct timespec ts;
	char line[256];
	size_t n;

	(void)cls;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((uint64_t)ts.tv_sec == log_second) {
		log_skipped++;
		return;
	}
	log_second = (uint64_t)ts.tv_sec;
	if (log_skipped > 0)
		SL_LOG(WARNING, "http: %" PRIu64 " more message(s) left out",
		       log_skipped);
	log_skipped = 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	SL_LOG(WARNING, "http: %s", line);
}

int
sl_http_start(struct sl_observe *o)
{
	const struct sl_config *cfg = o->cfg;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	char where[SL_ADDR_STRLEN];

	if (cfg == NULL || !cfg->http_enabled)
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (cfg->http_listen.family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(cfg->http_listen.port);
		memcpy(&a->sin6_addr, cfg->http_listen.ip, 16);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(cfg->http_listen.port);
		memcpy(&a->sin_addr, cfg->http_listen.ip, 4);
	}
	srv.obs = o;
	srv.top_sources = cfg->http_top_sources;
	snprintf(srv.token, sizeof(srv.token), "%s", cfg->http_token);
	srv.token_len = strlen(srv.token);
	sl_addr_format(&cfg->http_listen, where);
	srv.mhd = MHD_start_daemon(flags, cfg->http_listen.port, NULL, NULL,
				   handle, NULL,
				   MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
				   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   MHD_OPTION_CONNECTION_LIMIT,
				   (unsigned)HTTP_MAX_CONNECTIONS,
				   MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				   (unsigned)HTTP_MAX_PER_CLIENT,
				   MHD_OPTION_CONNECTION_TIMEOUT,
				   (unsigned)HTTP_TIMEOUT_S,
				   MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				   (size_t)HTTP_CONNECTION_MEMORY,
				   MHD_OPTION_END);
	if (srv.mhd == NULL) {
		SL_LOG(ERR, "http: cannot serve on %s (address in use, or not one of this machine?)",
		       where);
		memset(&srv, 0, sizeof(srv));
		return -1;
	}
	SL_LOG(NOTICE, "http: dashboard and /metrics on http://%s/%s", where,
	       srv.token_len > 0 ? ", mutations with the token" :
				   ", mutations off (no [http] token)");
	return 0;
}

void
sl_http_stop(void)
{
	if (srv.mhd == NULL)
		return;
	MHD_stop_daemon(srv.mhd);
	memset(&srv, 0, sizeof(srv));
	if (log_skipped > 0)
		SL_LOG(WARNING, "http: %" PRIu64 " more message(s) left out",
		       log_skipped);
	log_skipped = 0;
}
