/* sl_observe.c: the control plane's views of a running sluiced. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "sl_kafka.h"
#include "sl_meta.h"
#include "sl_observe.h"
#include "sl_ring.h"
#include "sl_source.h"
#include "sl_stats.h"
#include "sl_worker.h"

#define OBS_NS_PER_MS 1000000ull
#define OBS_NS_PER_S  1000000000ull

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * OBS_NS_PER_S + (uint64_t)ts.tv_nsec;
}

void
sl_observe_init(struct sl_observe *o)
{
	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->lock, NULL);
	o->start_ns = wall_ns();
	snprintf(o->last_reload, sizeof(o->last_reload), "none");
}

int
sl_observe_attach(struct sl_observe *o)
{
	unsigned w;
	int rc = 0;

	pthread_mutex_lock(&o->lock);
	for (w = 0; w < o->n_workers; w++) {
		size_t n = (size_t)o->workers[w]->sources->capacity + 1;

		o->rate_prev[w] = calloc(n, sizeof(*o->rate_prev[w]));
		o->rate[w] = calloc(n, sizeof(*o->rate[w]));
		if (o->rate_prev[w] == NULL || o->rate[w] == NULL)
			rc = -1;
	}
	o->attached = rc == 0;
	pthread_mutex_unlock(&o->lock);
	return rc;
}

void
sl_observe_detach(struct sl_observe *o)
{
	unsigned w;

	pthread_mutex_lock(&o->lock);
	o->attached = 0;
	for (w = 0; w < SL_MAX_WORKERS; w++) {
		free(o->rate_prev[w]);
		free(o->rate[w]);
		o->rate_prev[w] = NULL;
		o->rate[w] = NULL;
	}
	pthread_mutex_unlock(&o->lock);
}

void
sl_observe_set_state(struct sl_observe *o, enum sl_run_state s)
{
	pthread_mutex_lock(&o->lock);
	o->state = s;
	pthread_mutex_unlock(&o->lock);
}

const char *
sl_observe_state_name(enum sl_run_state s)
{
	switch (s) {
	case SL_STATE_STARTING:
		return "starting";
	case SL_STATE_RUNNING:
		return "running";
	case SL_STATE_DRAINING:
		return "draining";
	case SL_STATE_DRAINED:
		return "drained";
	case SL_STATE_STOPPING:
		return "stopping";
	}
	return "unknown";
}

void
sl_observe_sample(struct sl_observe *o, uint64_t now_ns)
{
	uint64_t dt;
	unsigned w, i;

	pthread_mutex_lock(&o->lock);
	if (!o->attached) {
		pthread_mutex_unlock(&o->lock);
		return;
	}
	dt = o->sample_ns == 0 ? 0 : now_ns - o->sample_ns;
	for (w = 0; w < o->n_workers; w++) {
		const struct sl_source_table *t = o->workers[w]->sources;

		for (i = 0; i <= t->capacity; i++) {
			uint64_t in = __atomic_load_n(&t->entries[i].msgs_in,
						      __ATOMIC_RELAXED);

			/* A reused entry starts again from 0. */
			if (dt > 0 && in >= o->rate_prev[w][i])
				o->rate[w][i] = (uint32_t)((in - o->rate_prev[w][i]) *
							   OBS_NS_PER_S / dt);
			else
				o->rate[w][i] = 0;
			o->rate_prev[w][i] = in;
		}
	}
	o->sample_ns = now_ns;
	pthread_mutex_unlock(&o->lock);
}

static uint64_t
drops_of(const uint64_t *drops)
{
	uint64_t n = 0;
	unsigned r;

	for (r = 0; r < SL_DROP__COUNT; r++)
		n += __atomic_load_n(&drops[r], __ATOMIC_RELAXED);
	return n;
}

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

void
sl_observe_status(struct sl_observe *o, struct sl_obs_status *st)
{
	struct sl_lcore_stats t;
	unsigned w, i;

	memset(st, 0, sizeof(*st));
	sl_stats_sum(&t);
	pthread_mutex_lock(&o->lock);
	st->state = o->state;
	st->uptime_s = (wall_ns() - o->start_ns) / OBS_NS_PER_S;
	st->msg_in = t.msg_in;
	st->kafka_delivered = t.kafka_delivered;
	st->dropped = drops_of(t.drops);
	st->reloads = o->reloads;
	st->reload_errors = o->reload_errors;
	snprintf(st->last_reload, sizeof(st->last_reload), "%s", o->last_reload);
	for (w = 0; o->attached && w < o->n_workers; w++) {
		const struct sl_source_table *tb = o->workers[w]->sources;

		st->sources += LOAD(tb->used);
		for (i = 0; i <= tb->capacity; i++) {
			const struct sl_source *s = &tb->entries[i];

			st->unacked += LOAD(s->msgs_in) - LOAD(s->delivered) -
				       LOAD(s->failed);
		}
	}
	pthread_mutex_unlock(&o->lock);
}

unsigned
sl_observe_workers(struct sl_observe *o, struct sl_obs_worker *out,
		   unsigned max)
{
	unsigned w, i, n = 0;

	pthread_mutex_lock(&o->lock);
	for (w = 0; o->attached && w < o->n_workers && n < max; w++) {
		const struct sl_worker *wk = o->workers[w];
		const struct sl_lcore_stats *s = wk->stats;
		const struct sl_source_table *tb = wk->sources;
		struct sl_obs_worker *x = &out[n++];

		memset(x, 0, sizeof(*x));
		x->id = wk->id;
		x->lcore = o->worker_lcore[w];
		x->msg_in = LOAD(s->msg_in);
		x->msg_bytes = LOAD(s->msg_bytes);
		x->kafka_produced = LOAD(s->kafka_produced);
		x->kafka_delivered = LOAD(s->kafka_delivered);
		x->kafka_queue_full = LOAD(s->kafka_queue_full);
		x->env_sealed = LOAD(s->env_sealed);
		x->env_delivered = LOAD(s->env_delivered);
		x->dropped = drops_of(s->drops);
		x->sources = LOAD(tb->used);
		x->evicted = LOAD(tb->evicted);
		x->overflowed = LOAD(tb->overflowed);
		for (i = 0; i <= tb->capacity; i++) {
			const struct sl_source *src = &tb->entries[i];

			x->unacked += LOAD(src->msgs_in) - LOAD(src->delivered) -
				      LOAD(src->failed);
		}
	}
	pthread_mutex_unlock(&o->lock);
	return n;
}

/* One candidate of a sources view: where it is and what it sorts by. */
struct cand {
	uint64_t key;
	uint64_t in;              /* ties: the busier host first */
	unsigned worker;
	unsigned index;
};

static int
larger_first(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	if (x->in != y->in)
		return x->in < y->in ? 1 : -1;
	return x->worker != y->worker ? (x->worker < y->worker ? -1 : 1) :
	       (x->index < y->index ? -1 : x->index > y->index);
}

static void
fill_source(const struct sl_observe *o, unsigned w, unsigned i,
	    uint64_t now_ns, struct sl_obs_source *x)
{
	const struct sl_source *s = &o->workers[w]->sources->entries[i];
	uint64_t last = LOAD(s->last_rx_ns);

	memset(x, 0, sizeof(*x));
	if (s->addr.family == 0)
		snprintf(x->ip, sizeof(x->ip), "(beyond max_sources)");
	else
		sl_addr_format_ip(&s->addr, x->ip);
	memcpy(x->host, s->host, sizeof(x->host));
	x->host[sizeof(x->host) - 1] = '\0';
	memcpy(x->site, s->site, sizeof(x->site));
	x->site[sizeof(x->site) - 1] = '\0';
	x->worker = o->workers[w]->id;
	x->in = LOAD(s->msgs_in);
	x->bytes = LOAD(s->bytes_in);
	x->delivered = LOAD(s->delivered);
	x->failed = LOAD(s->failed);
	x->unacked = x->in - x->delivered - x->failed;
	x->lag_ms = x->unacked == 0 ? 0 : sl_source_lag_ns(s, now_ns) / OBS_NS_PER_MS;
	x->rate = o->rate[w] != NULL ? o->rate[w][i] : 0;
	x->dropped = drops_of(s->drops);
	x->last_seen_s = now_ns > last ? (now_ns - last) / OBS_NS_PER_S : 0;
	x->paused = s->paused;
}

/* Returns 1 when entry s is shown by q. */
static int
selected(const struct sl_source *s, const struct sl_obs_query *q)
{
	if (s->addr.family == 0 && LOAD(s->msgs_in) == 0)
		return 0;   /* a free entry, or an unused overflow entry */
	return !q->site_set || strcmp(s->site, q->site) == 0;
}

unsigned
sl_observe_sources(struct sl_observe *o, const struct sl_obs_query *q,
		   struct sl_obs_source *out, unsigned max, unsigned *total)
{
	uint64_t now_ns = wall_ns();
	struct cand *c = NULL;
	size_t n = 0, cap = 0;
	unsigned w, i, shown;

	*total = 0;
	pthread_mutex_lock(&o->lock);
	for (w = 0; o->attached && w < o->n_workers; w++)
		cap += (size_t)o->workers[w]->sources->capacity + 1;
	if (cap > 0)
		c = malloc(cap * sizeof(*c));
	for (w = 0; c != NULL && w < o->n_workers; w++) {
		const struct sl_source_table *tb = o->workers[w]->sources;

		for (i = 0; i <= tb->capacity; i++) {
			const struct sl_source *s = &tb->entries[i];
			uint64_t unacked;

			if (!selected(s, q))
				continue;
			unacked = LOAD(s->msgs_in) - LOAD(s->delivered) -
				  LOAD(s->failed);
			c[n].worker = w;
			c[n].index = i;
			c[n].in = LOAD(s->msgs_in);
			switch (q->sort) {
			case SL_OBS_SORT_UNACKED:
				c[n].key = unacked;
				break;
			case SL_OBS_SORT_LAG:
				c[n].key = unacked == 0 ? 0 :
					   sl_source_lag_ns(s, now_ns);
				break;
			case SL_OBS_SORT_RATE:
				c[n].key = o->rate[w] != NULL ? o->rate[w][i] : 0;
				break;
			case SL_OBS_SORT_IN:
				c[n].key = LOAD(s->msgs_in);
				break;
			}
			n++;
		}
	}
	if (n > 0)
		qsort(c, n, sizeof(*c), larger_first);
	shown = max < q->top ? max : q->top;
	if (n < shown)
		shown = (unsigned)n;
	for (i = 0; i < shown; i++)
		fill_source(o, c[i].worker, c[i].index, now_ns, &out[i]);
	pthread_mutex_unlock(&o->lock);
	free(c);
	*total = (unsigned)n;
	return shown;
}

static int
more_unacked(const void *a, const void *b)
{
	const struct sl_obs_site *x = a, *y = b;

	if (x->unacked != y->unacked)
		return x->unacked < y->unacked ? 1 : -1;
	return strcmp(x->site, y->site);
}

unsigned
sl_observe_sites(struct sl_observe *o, struct sl_obs_site *out, unsigned max)
{
	uint64_t now_ns = wall_ns();
	unsigned w, i, j, n = 0;

	pthread_mutex_lock(&o->lock);
	for (w = 0; o->attached && w < o->n_workers; w++) {
		const struct sl_source_table *tb = o->workers[w]->sources;

		for (i = 0; i < tb->capacity; i++) {
			const struct sl_source *s = &tb->entries[i];
			struct sl_obs_site *x = NULL;
			uint64_t unacked, lag;

			if (s->addr.family == 0)
				continue;
			for (j = 0; j < n; j++) {
				if (strcmp(out[j].site, s->site) == 0) {
					x = &out[j];
					break;
				}
			}
			if (x == NULL) {
				if (n == max)
					continue;
				x = &out[n++];
				memset(x, 0, sizeof(*x));
				memcpy(x->site, s->site, sizeof(x->site));
				x->site[sizeof(x->site) - 1] = '\0';
			}
			unacked = LOAD(s->msgs_in) - LOAD(s->delivered) -
				  LOAD(s->failed);
			lag = unacked == 0 ? 0 :
			      sl_source_lag_ns(s, now_ns) / OBS_NS_PER_MS;
			x->hosts++;
			x->in += LOAD(s->msgs_in);
			x->unacked += unacked;
			x->rate += o->rate[w] != NULL ? o->rate[w][i] : 0;
			if (lag > x->lag_ms)
				x->lag_ms = lag;
		}
	}
	pthread_mutex_unlock(&o->lock);
	qsort(out, n, sizeof(*out), more_unacked);
	return n;
}

int
sl_observe_parse_query(const char *params, struct sl_obs_query *q,
		       char *err, size_t errlen)
{
	char buf[256], *tok, *save = NULL;

	memset(q, 0, sizeof(*q));
	q->sort = SL_OBS_SORT_UNACKED;
	q->top = 50;
	if (params == NULL || params[0] == '\0')
		return 0;
	if (strlen(params) >= sizeof(buf)) {
		snprintf(err, errlen, "parameters too long");
		return -1;
	}
	strcpy(buf, params);
	for (tok = strtok_r(buf, ";&", &save); tok != NULL;
	     tok = strtok_r(NULL, ";&", &save)) {
		char *eq = strchr(tok, '='), *end;
		unsigned long v;

		if (eq == NULL) {
			snprintf(err, errlen, "\"%s\": want key=value", tok);
			return -1;
		}
		*eq++ = '\0';
		if (strcmp(tok, "site") == 0) {
			if (strlen(eq) >= sizeof(q->site)) {
				snprintf(err, errlen, "site too long");
				return -1;
			}
			q->site_set = 1;
			snprintf(q->site, sizeof(q->site), "%s",
				 strcmp(eq, "-") == 0 ? "" : eq);
		} else if (strcmp(tok, "sort") == 0) {
			if (strcmp(eq, "unacked") == 0)
				q->sort = SL_OBS_SORT_UNACKED;
			else if (strcmp(eq, "lag") == 0)
				q->sort = SL_OBS_SORT_LAG;
			else if (strcmp(eq, "rate") == 0)
				q->sort = SL_OBS_SORT_RATE;
			else if (strcmp(eq, "in") == 0)
				q->sort = SL_OBS_SORT_IN;
			else {
				snprintf(err, errlen,
					 "sort \"%s\": want unacked, lag, rate or in", eq);
				return -1;
			}
		} else if (strcmp(tok, "top") == 0) {
			errno = 0;
			v = strtoul(eq, &end, 10);
			if (errno != 0 || end == eq || *end != '\0' || v == 0 ||
			    v > 1000000) {
				snprintf(err, errlen, "top \"%s\": want 1..1000000", eq);
				return -1;
			}
			q->top = (unsigned)v;
		} else {
			snprintf(err, errlen, "unknown parameter \"%s\": want site, sort or top",
				 tok);
			return -1;
		}
	}
	return 0;
}

/* Returns 1 when table t has an entry for addr. */
static int
knows_source(const struct sl_source_table *t, const struct sl_addr *addr)
{
	unsigned i;

	for (i = 0; i < t->capacity; i++)
		if (t->entries[i].addr.family != 0 &&
		    memcmp(&t->entries[i].addr, addr, sizeof(*addr)) == 0)
			return 1;
	return 0;
}

int
sl_observe_pause(struct sl_observe *o, const char *ip, int pause, char *err,
		 size_t errlen)
{
	struct sl_worker_command cmd = { .pause = (uint8_t)(pause != 0) };
	unsigned w;
	int found = 0;

	if (sl_addr_parse(ip, &cmd.addr) != 0) {
		snprintf(err, errlen, "\"%s\" is not an IP address", ip);
		return -1;
	}
	cmd.addr.port = 0;
	cmd.hash = sl_addr_hash(&cmd.addr);
	pthread_mutex_lock(&o->lock);
	if (!o->attached) {
		pthread_mutex_unlock(&o->lock);
		snprintf(err, errlen, "sluiced is stopping");
		return -1;
	}
	/* Every worker that knows the source: a run-to-completion lcore is
	 * the worker of what its queues receive, so a host that also sends
	 * over TCP or RELP (hashed to a worker) can be known to two. */
	for (w = 0; w < o->n_workers; w++) {
		if (!knows_source(o->workers[w]->sources, &cmd.addr))
			continue;
		found = 1;
		if (rte_ring_mp_enqueue_elem(o->control[w], &cmd,
					     sizeof(cmd)) != 0) {
			pthread_mutex_unlock(&o->lock);
			snprintf(err, errlen, "worker %u is busy, try again", w);
			return -1;
		}
	}
	pthread_mutex_unlock(&o->lock);
	if (!found) {
		snprintf(err, errlen, "unknown source %s", ip);
		return -1;
	}
	return 0;
}
