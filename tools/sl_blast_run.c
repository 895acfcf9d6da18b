/* sl_blast_run.c: the pace of every mode, and the crew of sending
 * threads of the udp and tcp modes: start, monitor with a progress line,
 * join, sum. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_blast_run.h"

#define CREW_MONITOR_NS 100000000L
/* Largest share of a second one paced send may carry (1 ms), and the
 * most a sender may save up while it waits (2 ms). */
#define PACE_SLICE_PER_S 1000u
#define PACE_DEPTH_PER_S 500u

void
sl_blast_pace_init(struct sl_blast_pace *p, uint64_t rate, unsigned batch,
		   uint64_t now_ns)
{
	p->rate = rate;
	p->slice = batch;
	p->depth = 0;
	p->last_ns = now_ns;
	p->tokens = 0.0;
	if (rate == 0)
		return;
	p->slice = rate / PACE_SLICE_PER_S;
	p->slice = p->slice < 1 ? 1 : p->slice > batch ? batch : p->slice;
	p->depth = rate / PACE_DEPTH_PER_S;
	if (p->depth < 2 * p->slice)
		p->depth = 2 * p->slice;
	p->tokens = (double)p->slice;
}

uint64_t
sl_blast_pace_due(struct sl_blast_pace *p, unsigned want, uint64_t now_ns)
{
	if (p->rate == 0)
		return 0;
	p->tokens += (double)(now_ns - p->last_ns) * (double)p->rate / 1e9;
	if (p->tokens > (double)p->depth)
		p->tokens = (double)p->depth;
	p->last_ns = now_ns;
	if (p->tokens >= want)
		return 0;
	return (uint64_t)(((double)want - p->tokens) * 1e9 / (double)p->rate) + 1;
}

void
sl_blast_pace_take(struct sl_blast_pace *p, unsigned n)
{
	p->tokens -= n;
}

void *
sl_blast_crew_alloc(const char *mode, size_t align, size_t size, unsigned n)
{
	void *p = aligned_alloc(align, size * n);

	if (p == NULL) {
		fprintf(stderr, "sluice-blast: %s: out of memory\n", mode);
		return NULL;
	}
	memset(p, 0, size * n);
	return p;
}

/* Sums the tallies of the crew into res. Returns how many threads have
 * finished. */
static unsigned
crew_collect(const struct sl_blast_crew *c, struct sl_blast_result *res)
{
	uint64_t first = UINT64_MAX, last = 0;
	unsigned i, done = 0;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < c->n_threads; i++) {
		const struct sl_blast_tally *t = c->tally(c->ctx, i);
		uint64_t sent = __atomic_load_n(&t->sent, __ATOMIC_RELAXED);
		uint64_t f = __atomic_load_n(&t->first_ns, __ATOMIC_RELAXED);
		uint64_t l = __atomic_load_n(&t->last_ns, __ATOMIC_RELAXED);

		done += (unsigned)__atomic_load_n(&t->done, __ATOMIC_ACQUIRE);
		res->sent += sent;
		res->bytes += __atomic_load_n(&t->bytes, __ATOMIC_RELAXED);
		res->errors += __atomic_load_n(&t->errors, __ATOMIC_RELAXED);
		if (sent == 0)
			continue;
		if (f < first)
			first = f;
		if (l > last)
			last = l;
	}
	if (last > first)
		res->seconds = (double)(last - first) / 1e9;
	return done;
}

unsigned
sl_blast_crew_run(const struct sl_blast_crew *c, struct sl_blast_result *res)
{
	const struct timespec tick = { .tv_nsec = CREW_MONITOR_NS };
	pthread_t tid[SL_BLAST_MAX_THREADS];
	struct sl_blast_progress prog;
	unsigned i, started = 0;

	sl_blast_progress_start(&prog, sl_blast_mono_ns());
	for (; started < c->n_threads; started++) {
		int err = pthread_create(&tid[started], NULL, c->main,
					 c->arg(c->ctx, started));

		if (err != 0) {
			fprintf(stderr, "sluice-blast: %s: thread: %s\n", c->mode,
				strerror(err));
			__atomic_store_n(c->abort, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	while (crew_collect(c, res) < started) {
		sl_blast_progress_update(&prog, c->mode, res);
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	sl_blast_progress_end(&prog);
	crew_collect(c, res);
	return started;
}
