/* sl_blast_tcp.c: sluice-blast's tcp mode. C connections carry the
 * messages of the simulated hosts, LF-terminated or octet-counted
 * (RFC 6587). Host h is always sent on connection h % C, so its messages
 * arrive in sequence order; connection c is served by thread c % T, which
 * keeps its connections non-blocking under one epoll set.
 *
 * Each connection has a buffer that is either filling or draining: the
 * thread fills an empty buffer with a batch of messages and writes it;
 * what the kernel does not take waits for EPOLLOUT, and the thread
 * meanwhile serves the connections that can take more. A message counts
 * as sent once its whole batch has been written, so backpressure slows
 * the sender and never loses a message. A connection that fails (reset,
 * closed by the peer) is closed, counted in errors and reported; what its
 * buffer held is not counted, and its hosts are sent no more.
 *
 * Pacing (--rate) is a token bucket per thread (sl_blast_pace): at most
 * 1 ms worth of messages per batch and 2 ms saved up. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sl_blast.h"
#include "sl_blast_run.h"

/* Buffer of a connection: at least this, and always one whole message. */
#define TCP_BUF_MIN 65536u
/* Longest octet-counting prefix: "65507 ". */
#define TCP_PREFIX_MAX 6u
#define TCP_EVENTS 64
#define TCP_WAIT_MS 100
/* How long the end of a run waits for buffers the peer does not take. */
#define TCP_DRAIN_NS 10000000000ull

/* One connection. buf[off, len) is written yet; batch counts the
 * messages in buf[0, len), which all count as sent once off reaches len.
 * len is 0 exactly when the buffer may be filled. fd is -1 once the
 * connection broke. Host k of the connection (k < n_hosts) is host
 * idx + k * C and has sent seq[k] - 1 messages; next is the host of the
 * next message. */
struct tcp_conn {
	int fd;
	unsigned idx;
	unsigned n_hosts;
	unsigned next;
	uint64_t *seq;
	char *buf;
	size_t cap;
	size_t len;
	size_t off;
	unsigned batch;
};

/* One sending thread and its connections. The fields above the tally are
 * set before the thread starts and then only the thread touches them; the
 * tally is the thread's counters, read by the monitor. */
struct tcp_thread {
	struct tcp_run *run;
	int ep;
	unsigned n_conns;
	unsigned alive;
	struct tcp_conn *conns;
	uint64_t quota;         /* UINT64_MAX: no --count */
	uint64_t queued;        /* messages put into buffers */
	uint64_t rate;
	struct sl_blast_gen gen;
	char *scratch;
	size_t room;
	struct sl_blast_tally tally;
};

/* State of one tcp run; abort is set (atomically) when a thread cannot go
 * on, so the others stop too. */
struct tcp_run {
	const struct sl_blast_opts *o;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint64_t deadline_ns;
	int abort;
	unsigned n_threads;
	struct tcp_thread *threads;
};

static int
tcp_check(const struct sl_blast_opts *o)
{
	if (sl_blast_target_check(o->target) != 0)
		return -1;
	if (o->connections > o->hosts) {
		fprintf(stderr, "sluice-blast: --connections %u exceeds --hosts "
			"%u: each connection sends for its own hosts\n",
			o->connections, o->hosts);
		return -1;
	}
	if (o->threads > o->connections) {
		fprintf(stderr, "sluice-blast: --threads %u exceeds --connections "
			"%u\n", o->threads, o->connections);
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
run_stopping(struct tcp_run *r)
{
	return sl_blast_stopping() || __atomic_load_n(&r->abort, __ATOMIC_RELAXED);
}

static void
conn_break(struct tcp_thread *t, struct tcp_conn *c, const char *why)
{
	fprintf(stderr, "sluice-blast: tcp %s: connection %u: %s\n",
		t->run->o->target, c->idx, why);
	close(c->fd);
	c->fd = -1;
	c->len = c->off = 0;
	c->batch = 0;
	t->alive--;
	__atomic_store_n(&t->tally.errors, t->tally.errors + 1,
			 __ATOMIC_RELAXED);
}

/* Writes what c's buffer holds until it is empty or the kernel takes no
 * more. A failed connection is broken. */
static void
conn_flush(struct tcp_thread *t, struct tcp_conn *c)
{
	uint64_t bytes = 0;
	ssize_t n;

	while (c->fd != -1 && c->off < c->len) {
		n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_break(t, c, strerror(errno));
			break;
		}
		c->off += (size_t)n;
		bytes += (uint64_t)n;
	}
	__atomic_store_n(&t->tally.bytes, t->tally.bytes + bytes,
			 __ATOMIC_RELAXED);
	if (c->fd != -1 && c->len != 0 && c->off == c->len) {
		__atomic_store_n(&t->tally.sent, t->tally.sent + c->batch,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&t->tally.last_ns, sl_blast_mono_ns(),
				 __ATOMIC_RELAXED);
		c->len = c->off = 0;
		c->batch = 0;
	}
}

/* Waits up to ms milliseconds for connections to take more and writes to
 * them. A connection the peer closed or reset is broken. */
static void
wait_writable(struct tcp_thread *t, int ms)
{
	struct epoll_event ev[TCP_EVENTS];
	int n, i;

	n = epoll_wait(t->ep, ev, TCP_EVENTS, ms);
	for (i = 0; i < n; i++) {
		struct tcp_conn *c = ev[i].data.ptr;

		if (c->fd == -1)
			continue;
		if (c->len != 0)
			conn_flush(t, c);
		if (c->fd != -1 && (ev[i].events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)))
			conn_break(t, c, "closed by the peer");
	}
}

/* Fills the empty buffer of c with up to want messages of its hosts.
 * Returns how many it wrote. */
static unsigned
conn_fill(struct tcp_thread *t, struct tcp_conn *c, unsigned want)
{
	unsigned n = 0, stride = t->run->o->connections;
	int octet = t->run->o->framing == SL_BLAST_FRAMING_OCTET;
	uint64_t now = sl_blast_wall_ns();

	while (n < want && c->cap - c->len >= t->room + TCP_PREFIX_MAX + 1) {
		unsigned host = c->idx + c->next * stride;
		uint64_t seq = c->seq[c->next]++;
		char *p = c->buf + c->len;
		size_t len;

		if (++c->next == c->n_hosts)
			c->next = 0;
		if (octet) {
			len = sl_blast_gen_next(&t->gen, host, seq, now, t->scratch);
			p += snprintf(p, TCP_PREFIX_MAX + 1, "%zu ", len);
			memcpy(p, t->scratch, len);
			p += len;
		} else {
			len = sl_blast_gen_next(&t->gen, host, seq, now, p);
			p += len;
			*p++ = '\n';
		}
		c->len = (size_t)(p - c->buf);
		n++;
	}
	c->batch = n;
	return n;
}

/* Returns the next connection at or after *rr whose buffer is empty, or
 * NULL when every live one is still draining. */
static struct tcp_conn *
next_idle(struct tcp_thread *t, unsigned *rr)
{
	unsigned i;

	for (i = 0; i < t->n_conns; i++) {
		struct tcp_conn *c = &t->conns[(*rr + i) % t->n_conns];

		if (c->fd != -1 && c->len == 0) {
			*rr = (*rr + i + 1) % t->n_conns;
			return c;
		}
	}
	return NULL;
}

/* Whether a live connection still has bytes to write. */
static int
any_draining(const struct tcp_thread *t)
{
	unsigned i;

	for (i = 0; i < t->n_conns; i++)
		if (t->conns[i].fd != -1 && t->conns[i].len != 0)
			return 1;
	return 0;
}

static void *
tcp_thread_main(void *arg)
{
	struct tcp_thread *t = arg;
	struct tcp_run *r = t->run;
	struct sl_blast_pace pace;
	unsigned rr = 0, want;
	uint64_t now, ns, drain_end;

	now = sl_blast_mono_ns();
	sl_blast_pace_init(&pace, t->rate, r->o->batch, now);
	__atomic_store_n(&t->tally.first_ns, now, __ATOMIC_RELAXED);
	while (!run_stopping(r) && t->alive > 0) {
		uint64_t left = t->quota - t->queued;
		struct tcp_conn *c;

		if (left == 0)
			break;
		now = sl_blast_mono_ns();
		if (r->deadline_ns != 0 && now >= r->deadline_ns)
			break;
		want = (unsigned)(left < pace.slice ? left : pace.slice);
		ns = sl_blast_pace_due(&pace, want, now);
		if (ns != 0) {
			/* Serve the draining connections, then wait the
			 * exact time the next batch is due. */
			wait_writable(t, 0);
			sl_blast_sleep_ns(ns);
			continue;
		}
		c = next_idle(t, &rr);
		if (c == NULL) {
			wait_writable(t, TCP_WAIT_MS);
			continue;
		}
		want = conn_fill(t, c, want);
		sl_blast_pace_take(&pace, want);
		t->queued += want;
		conn_flush(t, c);
	}
	/* Whatever was handed to a buffer goes out unless the peer stops
	 * taking it. */
	drain_end = sl_blast_mono_ns() + TCP_DRAIN_NS;
	while (any_draining(t) && sl_blast_mono_ns() < drain_end)
		wait_writable(t, TCP_WAIT_MS);
	if (t->alive < t->n_conns)
		__atomic_store_n(&r->abort, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&t->tally.done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Opens connection c (global number idx): connected, then non-blocking
 * and in t's epoll set. Returns 0, or -1 after printing why. */
static int
conn_open(struct tcp_run *r, struct tcp_thread *t, struct tcp_conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLRDHUP | EPOLLET };
	int one = 1, fl;

	c->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		fprintf(stderr, "sluice-blast: tcp: socket: %s\n", strerror(errno));
		return -1;
	}
	if (sl_blast_bind_source(c->fd, &r->addr, c->idx, r->o->sources,
				 "tcp") != 0)
		return -1;
	if (connect(c->fd, (const struct sockaddr *)&r->addr, r->addr_len) == -1) {
		fprintf(stderr, "sluice-blast: tcp %s: connect: %s\n", r->o->target,
			strerror(errno));
		return -1;
	}
	/* Paced batches leave when they are made, not when an ACK comes. */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1 ||
	    (fl = fcntl(c->fd, F_GETFL)) == -1 ||
	    fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		fprintf(stderr, "sluice-blast: tcp: socket options: %s\n",
			strerror(errno));
		return -1;
	}
	ev.data.ptr = c;
	if (epoll_ctl(t->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		fprintf(stderr, "sluice-blast: tcp: epoll_ctl: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Sets up thread i: its connections, hosts, quota and rate. Returns 0, or
 * -1 after printing why. */
static int
thread_init(struct tcp_run *r, unsigned i)
{
	const struct sl_blast_opts *o = r->o;
	struct tcp_thread *t = &r->threads[i];
	unsigned n = r->n_threads, j, k;

	t->run = r;
	t->n_conns = o->connections / n + (i < o->connections % n);
	t->quota = o->count == 0 ? UINT64_MAX : o->count / n + (i < o->count % n);
	t->rate = o->rate / n + (i < o->rate % n);
	sl_blast_gen_init(&t->gen, o->corpus, o->format, o->sites,
			  o->corpus->n_lines / n * i);
	t->room = sl_blast_gen_room(&t->gen);
	t->scratch = malloc(t->room);
	t->conns = calloc(t->n_conns, sizeof(*t->conns));
	if (t->scratch == NULL || t->conns == NULL) {
		fprintf(stderr, "sluice-blast: tcp: out of memory\n");
		return -1;
	}
	for (j = 0; j < t->n_conns; j++)
		t->conns[j].fd = -1;
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->ep == -1) {
		fprintf(stderr, "sluice-blast: tcp: epoll: %s\n", strerror(errno));
		return -1;
	}
	for (j = 0; j < t->n_conns; j++) {
		struct tcp_conn *c = &t->conns[j];

		c->idx = i + j * n;
		c->n_hosts = o->hosts / o->connections +
			     (c->idx < o->hosts % o->connections);
		c->cap = t->room + TCP_PREFIX_MAX + 1;
		if (c->cap < TCP_BUF_MIN)
			c->cap = TCP_BUF_MIN;
		c->seq = malloc(c->n_hosts * sizeof(*c->seq));
		c->buf = malloc(c->cap);
		if (c->seq == NULL || c->buf == NULL) {
			fprintf(stderr, "sluice-blast: tcp: out of memory\n");
			return -1;
		}
		for (k = 0; k < c->n_hosts; k++)
			c->seq[k] = 1;
		if (conn_open(r, t, c) != 0)
			return -1;
		t->alive++;
	}
	return 0;
}

static void
thread_free(struct tcp_thread *t)
{
	unsigned j;

	for (j = 0; t->conns != NULL && j < t->n_conns; j++) {
		if (t->conns[j].fd != -1)
			close(t->conns[j].fd);
		free(t->conns[j].seq);
		free(t->conns[j].buf);
	}
	if (t->ep != -1)
		close(t->ep);
	free(t->conns);
	free(t->scratch);
}

static void *
crew_arg(void *ctx, unsigned i)
{
	struct tcp_run *r = ctx;

	return &r->threads[i];
}

static struct sl_blast_tally *
crew_tally(void *ctx, unsigned i)
{
	struct tcp_run *r = ctx;

	return &r->threads[i].tally;
}

static int
tcp_run(const struct sl_blast_opts *o, struct sl_blast_result *res)
{
	struct tcp_run r = { .o = o, .n_threads = o->threads };
	struct sl_blast_crew crew = {
		.mode = "tcp", .n_threads = o->threads, .main = tcp_thread_main,
		.arg = crew_arg, .tally = crew_tally, .ctx = &r, .abort = &r.abort,
	};
	unsigned i, started;
	int rc = -1;

	if (sl_blast_target_resolve(o->target, SOCK_STREAM, "tcp", &r.addr,
				    &r.addr_len) != 0)
		return -1;
	r.threads = sl_blast_crew_alloc("tcp", _Alignof(struct tcp_thread),
					sizeof(*r.threads), r.n_threads);
	if (r.threads == NULL)
		return -1;
	for (i = 0; i < r.n_threads; i++)
		r.threads[i].ep = -1;
	for (i = 0; i < r.n_threads; i++)
		if (thread_init(&r, i) != 0)
			goto out;

	if (o->duration_ns != 0)
		r.deadline_ns = sl_blast_mono_ns() + o->duration_ns;
	started = sl_blast_crew_run(&crew, res);
	rc = started == r.n_threads && res->errors == 0 ? 0 : -1;
	for (i = 0; i < started; i++)
		if (any_draining(&r.threads[i])) {
			fprintf(stderr, "sluice-blast: tcp %s: the peer took no "
				"more for %llu s; unsent messages dropped\n",
				o->target,
				(unsigned long long)(TCP_DRAIN_NS / 1000000000u));
			rc = -1;
			break;
		}
out:
	for (i = 0; i < r.n_threads; i++)
		thread_free(&r.threads[i]);
	free(r.threads);
	return rc;
}

const struct sl_blast_mode sl_blast_mode_tcp = {
	.name = "tcp",
	.synopsis = "--target HOST:PORT [--connections C] [--framing lf|octet]\n"
		    "                   [--corpus DIR|--file FILE] [--count N] "
		    "[--rate MSGS_PER_S]\n"
		    "                   [--threads T] [--sites S] [--hosts H] "
		    "[--format 3164|5424]\n"
		    "                   [--batch B] [--duration SECONDS] "
		    "[--sources N]",
	.options = SL_BLAST_OPT_TARGET | SL_BLAST_OPT_CONNECTIONS |
		   SL_BLAST_OPT_SOURCES |
		   SL_BLAST_OPT_FRAMING | SL_BLAST_OPT_CORPUS | SL_BLAST_OPT_FILE |
		   SL_BLAST_OPT_COUNT | SL_BLAST_OPT_RATE | SL_BLAST_OPT_THREADS |
		   SL_BLAST_OPT_SITES | SL_BLAST_OPT_HOSTS | SL_BLAST_OPT_FORMAT |
		   SL_BLAST_OPT_BATCH | SL_BLAST_OPT_DURATION,
	.required = SL_BLAST_OPT_TARGET,
	.check = tcp_check,
	.run = tcp_run,
};
