/* sl_blast_udp.c: sluice-blast's udp mode. T threads, each with its own
 * connected UDP socket, format batches of messages and hand them to the
 * kernel with one sendmmsg call per batch. Host h is always sent by
 * thread h % T, so each simulated host has one source address and port
 * and its messages leave in sequence order.
 *
 * Pacing (--rate) is a token bucket (sl_blast_pace) per thread that
 * refills continuously
 * and holds at most about 2 ms of messages; a thread sends at most 1 ms
 * worth of messages per call, so the offered load is steady at the
 * millisecond scale instead of arriving in bursts. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sl_blast.h"
#include "sl_blast_run.h"


/* One sending thread. Everything above the tally is set before the
 * thread starts and read-only afterwards, except gen, seq, msgs, iov and
 * bufs, which only the thread touches; fatal_errno is written by the
 * thread and read once it has been joined. The tally is the thread's
 * counters, read by the monitor. */
struct udp_thread {
	struct udp_run *run;
	unsigned idx;
	int fd;
	unsigned n_hosts;
	uint64_t *seq;
	uint64_t quota;         /* UINT64_MAX: no --count */
	uint64_t rate;
	struct sl_blast_gen gen;
	size_t room;
	char *bufs;
	struct mmsghdr *msgs;
	struct iovec *iov;
	int fatal_errno;
	struct sl_blast_tally tally;
};

/* State of one udp run. threads[0..n_threads) exist once run_udp() set
 * them up; abort is set (atomically) when a thread hit a fatal error, so
 * the others stop too. */
struct udp_run {
	const struct sl_blast_opts *o;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint64_t deadline_ns;
	int abort;
	unsigned n_threads;
	struct udp_thread *threads;
};

static int
udp_check(const struct sl_blast_opts *o)
{
	if (sl_blast_target_check(o->target) != 0)
		return -1;
	if (o->threads > o->hosts) {
		fprintf(stderr, "sluice-blast: --threads %u exceeds --hosts %u: "
			"each host is sent by one thread\n", o->threads, o->hosts);
		return -1;
	}
	if (o->rate != 0 && o->rate < o->threads) {
		fprintf(stderr, "sluice-blast: --rate %llu is below one message "
			"per second per thread\n", (unsigned long long)o->rate);
		return -1;
	}
	return 0;
}

static int
run_stopping(struct udp_run *r)
{
	return sl_blast_stopping() || __atomic_load_n(&r->abort, __ATOMIC_RELAXED);
}

/* Formats n messages and sends them. Transient failures (ENOBUFS, EAGAIN)
 * are counted and retried; returns 0, or -1 with t->fatal_errno set (what
 * went out before the error is counted either way). When
 * the run stops during retries the rest of the batch is not sent: those
 * are the last messages of their hosts, so no host shows a gap. */
static int
send_batch(struct udp_thread *t, unsigned n, unsigned *host_k)
{
	uint64_t now = sl_blast_wall_ns(), bytes = 0;
	unsigned i, done = 0;
	int sent, rc = 0;

	for (i = 0; i < n; i++) {
		unsigned host = t->idx + *host_k * t->run->n_threads;

		t->iov[i].iov_len = sl_blast_gen_next(&t->gen, host,
						      t->seq[*host_k]++, now,
						      t->iov[i].iov_base);
		if (++*host_k == t->n_hosts)
			*host_k = 0;
	}
	while (done < n) {
		sent = sendmmsg(t->fd, t->msgs + done, n - done, 0);
		if (sent == -1) {
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EWOULDBLOCK) {
				t->fatal_errno = errno;
				rc = -1;
				break;
			}
			__atomic_store_n(&t->tally.errors, t->tally.errors + 1,
					 __ATOMIC_RELAXED);
			if (run_stopping(t->run))
				break;
			sched_yield();
			continue;
		}
		for (i = done; i < done + (unsigned)sent; i++)
			bytes += t->iov[i].iov_len;
		done += (unsigned)sent;
	}
	__atomic_store_n(&t->tally.sent, t->tally.sent + done, __ATOMIC_RELAXED);
	__atomic_store_n(&t->tally.bytes, t->tally.bytes + bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&t->tally.last_ns, sl_blast_mono_ns(), __ATOMIC_RELAXED);
	return rc;
}

static void *
udp_thread_main(void *arg)
{
	struct udp_thread *t = arg;
	struct udp_run *r = t->run;
	struct sl_blast_pace pace;
	unsigned host_k = 0, want;
	uint64_t now, ns;

	now = sl_blast_mono_ns();
	sl_blast_pace_init(&pace, t->rate, r->o->batch, now);
	__atomic_store_n(&t->tally.first_ns, now, __ATOMIC_RELAXED);
	while (!run_stopping(r)) {
		uint64_t left = t->quota - t->tally.sent;

		if (left == 0)
			break;
		want = (unsigned)(left < pace.slice ? left : pace.slice);
		now = sl_blast_mono_ns();
		if (r->deadline_ns != 0 && now >= r->deadline_ns)
			break;
		ns = sl_blast_pace_due(&pace, want, now);
		if (ns != 0) {
			sl_blast_sleep_ns(ns);
			continue;
		}
		sl_blast_pace_take(&pace, want);
		if (send_batch(t, want, &host_k) != 0) {
			__atomic_store_n(&r->abort, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	__atomic_store_n(&t->tally.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Sets up thread i: its hosts, quota, rate, socket and buffers. Returns
 * 0, or -1 after printing why. */
static int
thread_init(struct udp_run *r, unsigned i)
{
	const struct sl_blast_opts *o = r->o;
	struct udp_thread *t = &r->threads[i];
	unsigned n = r->n_threads, b;

	t->run = r;
	t->idx = i;
	t->fd = -1;
	t->n_hosts = o->hosts / n + (i < o->hosts % n);
	t->quota = o->count == 0 ? UINT64_MAX : o->count / n + (i < o->count % n);
	t->rate = o->rate / n + (i < o->rate % n);
	/* Threads start at different corpus lines so they do not all send
	 * the same text at the same time. */
	sl_blast_gen_init(&t->gen, o->corpus, o->format, o->sites,
			  o->corpus->n_lines / n * i);
	t->room = sl_blast_gen_room(&t->gen);
	t->seq = calloc(t->n_hosts, sizeof(*t->seq));
	t->bufs = malloc((size_t)o->batch * t->room);
	t->msgs = calloc(o->batch, sizeof(*t->msgs));
	t->iov = calloc(o->batch, sizeof(*t->iov));
	if (t->seq == NULL || t->bufs == NULL || t->msgs == NULL ||
	    t->iov == NULL) {
		fprintf(stderr, "sluice-blast: udp: out of memory\n");
		return -1;
	}
	for (b = 0; b < t->n_hosts; b++)
		t->seq[b] = 1;
	for (b = 0; b < o->batch; b++) {
		t->iov[b].iov_base = t->bufs + (size_t)b * t->room;
		t->msgs[b].msg_hdr.msg_iov = &t->iov[b];
		t->msgs[b].msg_hdr.msg_iovlen = 1;
	}
	t->fd = socket(r->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->fd == -1) {
		fprintf(stderr, "sluice-blast: udp: socket: %s\n", strerror(errno));
		return -1;
	}
	/* Connected: the kernel routes once, and an ICMP port unreachable
	 * comes back as ECONNREFUSED instead of silent loss. */
	if (connect(t->fd, (const struct sockaddr *)&r->addr, r->addr_len) == -1) {
		fprintf(stderr, "sluice-blast: udp %s: connect: %s\n", o->target,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void
thread_free(struct udp_thread *t)
{
	if (t->fd != -1)
		close(t->fd);
	free(t->seq);
	free(t->bufs);
	free(t->msgs);
	free(t->iov);
}

static void *
crew_arg(void *ctx, unsigned i)
{
	struct udp_run *r = ctx;

	return &r->threads[i];
}

static struct sl_blast_tally *
crew_tally(void *ctx, unsigned i)
{
	struct udp_run *r = ctx;

	return &r->threads[i].tally;
}

static int
udp_run(const struct sl_blast_opts *o, struct sl_blast_result *res)
{
	struct udp_run r = { .o = o, .n_threads = o->threads };
	struct sl_blast_crew crew = {
		.mode = "udp", .n_threads = o->threads, .main = udp_thread_main,
		.arg = crew_arg, .tally = crew_tally, .ctx = &r, .abort = &r.abort,
	};
	unsigned i, started;
	int rc = -1;

	if (sl_blast_target_resolve(o->target, SOCK_DGRAM, "udp", &r.addr,
				    &r.addr_len) != 0)
		return -1;
	r.threads = sl_blast_crew_alloc("udp", _Alignof(struct udp_thread),
					sizeof(*r.threads), r.n_threads);
	if (r.threads == NULL)
		return -1;
	for (i = 0; i < r.n_threads; i++)
		r.threads[i].fd = -1;
	for (i = 0; i < r.n_threads; i++)
		if (thread_init(&r, i) != 0)
			goto out;

	if (o->duration_ns != 0)
		r.deadline_ns = sl_blast_mono_ns() + o->duration_ns;
	started = sl_blast_crew_run(&crew, res);
	rc = started == r.n_threads ? 0 : -1;
	for (i = 0; i < started; i++) {
		if (r.threads[i].fatal_errno == 0)
			continue;
		fprintf(stderr, "sluice-blast: udp %s: sendmmsg: %s%s\n",
			o->target, strerror(r.threads[i].fatal_errno),
			r.threads[i].fatal_errno == ECONNREFUSED ?
			" (nothing listens there)" : "");
		rc = -1;
		break;
	}
out:
	for (i = 0; i < r.n_threads; i++)
		thread_free(&r.threads[i]);
	free(r.threads);
	return rc;
}

const struct sl_blast_mode sl_blast_mode_udp = {
	.name = "udp",
	.synopsis = "--target HOST:PORT [--corpus DIR|--file FILE] [--count N]\n"
		    "                   [--rate MSGS_PER_S] [--threads T] "
		    "[--sites S] [--hosts H]\n"
		    "                   [--format 3164|5424] [--batch B] "
		    "[--duration SECONDS]",
	.options = SL_BLAST_OPT_TARGET | SL_BLAST_OPT_CORPUS | SL_BLAST_OPT_FILE |
		   SL_BLAST_OPT_COUNT | SL_BLAST_OPT_RATE | SL_BLAST_OPT_THREADS |
		   SL_BLAST_OPT_SITES | SL_BLAST_OPT_HOSTS | SL_BLAST_OPT_FORMAT |
		   SL_BLAST_OPT_BATCH | SL_BLAST_OPT_DURATION,
	.required = SL_BLAST_OPT_TARGET,
	.check = udp_check,
	.run = udp_run,
};
