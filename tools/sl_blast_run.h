/* sl_blast_run.h: what the sending loops of sluice-blast's modes share.
 * The pace is the token bucket every mode paces --rate with. The crew is
 * the set of sending threads the udp and tcp modes run: a mode keeps its
 * own thread struct and thread main; each thread counts what it did in a
 * tally, and the crew starts the threads, redraws the progress line from
 * the tallies until every thread has finished, joins them and leaves the
 * totals in the result. */
#ifndef SL_BLAST_RUN_H
#define SL_BLAST_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "sl_blast.h"

/* Token bucket of a sender that paces to rate messages per second (0:
 * flat out). It refills continuously and holds at most depth tokens
 * (about 2 ms of messages, at least two slices); slice is the most one
 * send may carry (about 1 ms of messages, 1..batch; batch when rate is
 * 0), so the offered load is steady at the millisecond scale instead of
 * arriving in bursts. last_ns is the monotonic time of the last refill. */
struct sl_blast_pace {
	uint64_t rate;
	uint64_t slice;
	uint64_t depth;
	uint64_t last_ns;
	double tokens;
};

/* Sets p up to pace to rate messages per second, in sends of at most
 * batch (>= 1) messages, starting full by one slice at now_ns
 * (monotonic). */
void sl_blast_pace_init(struct sl_blast_pace *p, uint64_t rate,
			unsigned batch, uint64_t now_ns);

/* Refills p up to now_ns (monotonic). Returns 0 when want messages may go
 * now (always, when p does not pace), else the nanoseconds until they
 * may. */
uint64_t sl_blast_pace_due(struct sl_blast_pace *p, unsigned want,
			   uint64_t now_ns);

/* Takes the tokens of n messages that went out. */
void sl_blast_pace_take(struct sl_blast_pace *p, unsigned n);

/* Counters of one sending thread. Only the thread writes them (relaxed
 * atomic stores; done last, with release); the monitor reads them. They
 * sit on their own cache line so the reads do not slow the writer.
 * first_ns and last_ns are monotonic times of the thread's start and of
 * its last send; done is 1 once the thread sends no more. */
struct sl_blast_tally {
	_Alignas(64) uint64_t sent;
	uint64_t bytes;
	uint64_t errors;
	uint64_t first_ns;
	uint64_t last_ns;
	int done;
};

/* One run of n_threads (1..SL_BLAST_MAX_THREADS) threads of mode (named
 * in messages and on the progress line). Thread i runs main(arg(ctx, i))
 * and counts in tally(ctx, i); both stay valid until the run returns.
 * abort is the flag the mode's threads watch: the crew sets it (relaxed
 * atomic store) when a thread cannot be started, so the others stop. */
struct sl_blast_crew {
	const char *mode;
	unsigned n_threads;
	void *(*main)(void *arg);
	void *(*arg)(void *ctx, unsigned i);
	struct sl_blast_tally *(*tally)(void *ctx, unsigned i);
	void *ctx;
	int *abort;
};

/* Returns a zeroed array of n elements of size bytes each (size a
 * multiple of align), aligned to align, or NULL after printing that mode
 * is out of memory. The caller frees it with free(). */
void *sl_blast_crew_alloc(const char *mode, size_t align, size_t size,
			  unsigned n);

/* Starts the threads in order up to the first that fails (printed as
 * "thread: " and the error, with abort set), shows the progress every
 * 100 ms until each started thread is done, joins them and sums every
 * tally into *res (sent, bytes, errors; seconds from the earliest start
 * to the latest send of the threads that sent). Returns how many threads
 * were started: n_threads unless one failed. */
unsigned sl_blast_crew_run(const struct sl_blast_crew *c,
			   struct sl_blast_result *res);

#endif
