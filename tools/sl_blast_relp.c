/* sl_blast_relp.c: sluice-blast's relp mode, a RELP client (rules in
 * dataplane/sl_relp.h, whose parser reads the server's frames). C
 * sessions open with the offers of rsyslog's omrelp, send "syslog"
 * commands with at most W unanswered per session, and close once every
 * command is answered. Host h is always sent on session h % C.
 *
 * One thread serves all sessions over non-blocking sockets and epoll: the
 * server's answers come back after Kafka stored the message, so the time
 * goes into waiting, not into sending. Each session's output buffer is
 * filled with a batch (within the window) when it is empty and drained
 * as the kernel takes it: backpressure slows the sender, nothing is
 * dropped. The time from filling a command to its "rsp 200" goes into a
 * histogram; any other code counts as nacked. A session that ends
 * otherwise than by an answered "close" (reset, closed, "serverclose",
 * a malformed frame) counts as broken, and the run then fails. */
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
#include "sl_relp.h"

#define RELP_BUF_MIN 65536u
/* "TXNR syslog DATALEN " before the message, LF after it. */
#define RELP_FRAME_OVERHEAD (SL_RELP_NUMBER_DIGITS + 8 + \
			     SL_RELP_NUMBER_DIGITS + 2)
/* Largest answer read: "rsp" data is a code, a text and, for "open",
 * the server's offers. */
#define RELP_RSP_MAX 4096u
#define RELP_EVENTS 64
#define RELP_WAIT_MS 100
/* How long the end of a run waits for the last answers. */
#define RELP_FINISH_NS 30000000000ull
#define RELP_OFFERS "relp_version=0\nrelp_software=sluice-blast\ncommands=syslog"

enum relp_state {
	RELP_OPENING,   /* "open" sent, its answer awaited */
	RELP_OPEN,      /* sending syslog commands */
	RELP_CLOSING,   /* "close" sent, its answer awaited */
	RELP_CLOSED,    /* closed cleanly */
	RELP_BROKEN,    /* ended any other way */
};

/* One session. Unanswered syslog commands are the counters [head, tail)
 * (tail - head <= window), counter i in slot i & mask with its txnr and
 * the time it was made; done[slot] marks one answered out of order. out[off,
 * len) is still to be written and batch counts the commands in out[0,
 * len), which count as sent once off reaches len. in[0, in_len) holds
 * received bytes not yet parsed. txnr is the next transaction number.
 * fd is -1 once the session is closed or broken. */
struct relp_conn {
	int fd;
	unsigned idx;
	enum relp_state state;
	unsigned n_hosts;
	unsigned next;
	uint64_t *seq;
	uint32_t txnr;
	uint32_t ctl_txnr;      /* of "open" or "close" */
	uint32_t mask;
	uint32_t head;
	uint32_t tail;
	uint32_t *txnrs;
	uint64_t *made_ns;
	uint8_t *done;
	char *out;
	size_t cap;
	size_t len;
	size_t off;
	unsigned batch;
	uint8_t in[RELP_RSP_MAX + SL_RELP_HEADROOM];
	size_t in_len;
};

/* State of one relp run. sending is 0 once no more commands are made
 * (count reached, time up, signal, or every session gone). */
struct relp_run {
	const struct sl_blast_opts *o;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	int ep;
	unsigned n_conns;
	unsigned window;
	struct relp_conn *conns;
	struct sl_blast_gen gen;
	size_t room;
	char *scratch;
	uint64_t queued;
	uint64_t first_ns;
	uint64_t last_ns;
	int sending;
	struct sl_blast_result *res;
};

static int
relp_check(const struct sl_blast_opts *o)
{
	if (sl_blast_target_check(o->target) != 0)
		return -1;
	if (o->connections > o->hosts) {
		fprintf(stderr, "sluice-blast: --connections %u exceeds --hosts "
			"%u: each session sends for its own hosts\n",
			o->connections, o->hosts);
		return -1;
	}
	return 0;
}

static uint32_t
outstanding(const struct relp_conn *c)
{
	return c->tail - c->head;
}

static void
conn_end(struct relp_run *r, struct relp_conn *c, enum relp_state state,
	 const char *why)
{
	if (state == RELP_BROKEN) {
		fprintf(stderr, "sluice-blast: relp %s: session %u: %s (%u "
			"commands unanswered)\n", r->o->target, c->idx, why,
			outstanding(c));
		r->res->broken++;
		r->res->errors++;
	}
	close(c->fd);
	c->fd = -1;
	c->state = state;
	c->len = c->off = 0;
	c->batch = 0;
}

/* Writes c's buffer until it is empty or the kernel takes no more. */
static void
conn_flush(struct relp_run *r, struct relp_conn *c)
{
	ssize_t n;

	while (c->fd != -1 && c->off < c->len) {
		n = send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_end(r, c, RELP_BROKEN, strerror(errno));
			return;
		}
		c->off += (size_t)n;
		r->res->bytes += (uint64_t)n;
	}
	if (c->fd != -1 && c->len != 0 && c->off == c->len) {
		r->res->sent += c->batch;
		r->last_ns = sl_blast_mono_ns();
		c->len = c->off = 0;
		c->batch = 0;
	}
}

/* Appends a frame without data ("TXNR CMD 0\n") or with it to the empty
 * buffer of c and writes it. */
static void
conn_command(struct relp_run *r, struct relp_conn *c, const char *cmd,
	     const char *data)
{
	c->ctl_txnr = c->txnr;
	c->txnr = sl_relp_txnr_next(c->txnr);
	if (data == NULL)
		c->len = (size_t)snprintf(c->out, c->cap, "%u %s 0\n",
					  c->ctl_txnr, cmd);
	else
		c->len = (size_t)snprintf(c->out, c->cap, "%u %s %zu %s\n",
					  c->ctl_txnr, cmd, strlen(data), data);
	conn_flush(r, c);
}

/* Fills the empty buffer of c with up to want syslog commands. Returns
 * how many it wrote. */
static unsigned
conn_fill(struct relp_run *r, struct relp_conn *c, unsigned want)
{
	unsigned n = 0, stride = r->n_conns;
	uint64_t wall = sl_blast_wall_ns(), mono = sl_blast_mono_ns();

	while (n < want && outstanding(c) <= c->mask &&
	       outstanding(c) < r->window &&
	       c->cap - c->len >= r->room + RELP_FRAME_OVERHEAD) {
		unsigned host = c->idx + c->next * stride;
		uint32_t slot = c->tail & c->mask;
		size_t len;
		char *p = c->out + c->len;

		len = sl_blast_gen_next(&r->gen, host, c->seq[c->next]++, wall,
					r->scratch);
		if (++c->next == c->n_hosts)
			c->next = 0;
		p += snprintf(p, RELP_FRAME_OVERHEAD, "%u syslog %zu ", c->txnr,
			      len);
		memcpy(p, r->scratch, len);
		p += len;
		*p++ = '\n';
		c->len = (size_t)(p - c->out);
		c->txnrs[slot] = c->txnr;
		c->made_ns[slot] = mono;
		c->done[slot] = 0;
		c->txnr = sl_relp_txnr_next(c->txnr);
		c->tail++;
		n++;
	}
	c->batch = n;
	if (r->first_ns == 0 && n > 0)
		r->first_ns = mono;
	return n;
}

/* The code of an "rsp": its data starts with three digits. Returns it, or
 * 0 when the data does not. */
static unsigned
rsp_code(const struct sl_relp_frame *f)
{
	const uint8_t *d = f->data;

	if (f->datalen < 3 || d[0] < '1' || d[0] > '9' || d[1] < '0' ||
	    d[1] > '9' || d[2] < '0' || d[2] > '9' ||
	    (f->datalen > 3 && d[3] != ' ' && d[3] != '\n'))
		return 0;
	return (unsigned)(d[0] - '0') * 100 + (unsigned)(d[1] - '0') * 10 +
	       (unsigned)(d[2] - '0');
}

/* The answer to the syslog command txnr. Returns 0, or -1 when no such
 * command is unanswered. */
static int
answer_syslog(struct relp_run *r, struct relp_conn *c, uint32_t txnr,
	      unsigned code)
{
	uint32_t first, d, slot;
	uint64_t now;

	if (outstanding(c) == 0)
		return -1;
	first = c->txnrs[c->head & c->mask];
	/* Transaction numbers wrap from SL_RELP_TXNR_MAX to 1. */
	d = txnr >= first ? txnr - first : txnr + SL_RELP_TXNR_MAX - first;
	if (d >= outstanding(c))
		return -1;
	slot = (c->head + d) & c->mask;
	if (c->txnrs[slot] != txnr || c->done[slot])
		return -1;
	c->done[slot] = 1;
	now = sl_blast_mono_ns();
	if (code == SL_RELP_CODE_OK) {
		r->res->acked++;
		sl_hist_put(&r->res->lat, (now - c->made_ns[slot]) / 1000u);
	} else {
		r->res->nacked++;
	}
	r->last_ns = now;
	while (outstanding(c) > 0 && c->done[c->head & c->mask])
		c->head++;
	return 0;
}

/* Handles one frame from the server. Returns 0, or -1 once the session
 * ended. */
static int
handle_frame(struct relp_run *r, struct relp_conn *c,
	     const struct sl_relp_frame *f)
{
	struct sl_relp_offers offers;
	const uint8_t *lf;
	unsigned code;

	if (f->cmd == SL_RELP_SERVERCLOSE) {
		conn_end(r, c, RELP_BROKEN, "server closed the session");
		return -1;
	}
	if (f->cmd != SL_RELP_RSP) {
		conn_end(r, c, RELP_BROKEN, "unexpected command from the server");
		return -1;
	}
	/* librelp answers "close" with an empty rsp (no status) and then
	 * sends "serverclose": any rsp to our close ends the session well. */
	if (c->state == RELP_CLOSING && f->txnr == c->ctl_txnr) {
		conn_end(r, c, RELP_CLOSED, NULL);
		return -1;
	}
	code = rsp_code(f);
	if (code == 0) {
		conn_end(r, c, RELP_BROKEN, "malformed rsp");
		return -1;
	}
	if (c->state == RELP_OPENING && f->txnr == c->ctl_txnr) {
		lf = memchr(f->data, '\n', f->datalen);
		if (code != SL_RELP_CODE_OK || lf == NULL ||
		    sl_relp_offers_parse(lf + 1, f->datalen - (size_t)(lf + 1 -
							      f->data),
					 &offers) != 0 || !offers.syslog) {
			conn_end(r, c, RELP_BROKEN, "open refused or without "
				 "commands=syslog");
			return -1;
		}
		c->state = RELP_OPEN;
		return 0;
	}
	if (c->state == RELP_OPENING ||
	    answer_syslog(r, c, f->txnr, code) != 0) {
		conn_end(r, c, RELP_BROKEN, "rsp to no unanswered command");
		return -1;
	}
	return 0;
}

/* Reads and handles what the server sent. */
static void
conn_read(struct relp_run *r, struct relp_conn *c)
{
	struct sl_relp_frame f;
	const char *err;
	size_t pos;
	ssize_t n;
	int k;

	while (c->fd != -1) {
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				conn_end(r, c, RELP_BROKEN, strerror(errno));
			return;
		}
		if (n == 0) {
			conn_end(r, c, RELP_BROKEN, "closed by the server");
			return;
		}
		c->in_len += (size_t)n;
		pos = 0;
		while ((k = sl_relp_parse(c->in + pos, c->in_len - pos,
					  RELP_RSP_MAX, &f, &err)) > 0) {
			pos += (size_t)k;
			if (handle_frame(r, c, &f) != 0)
				return;
		}
		if (k < 0) {
			conn_end(r, c, RELP_BROKEN, err);
			return;
		}
		memmove(c->in, c->in + pos, c->in_len - pos);
		c->in_len -= pos;
	}
}

static void
wait_events(struct relp_run *r, int ms)
{
	struct epoll_event ev[RELP_EVENTS];
	int n, i;

	n = epoll_wait(r->ep, ev, RELP_EVENTS, ms);
	for (i = 0; i < n; i++) {
		struct relp_conn *c = ev[i].data.ptr;

		if (c->fd != -1 && c->len != 0)
			conn_flush(r, c);
		if (c->fd != -1)
			conn_read(r, c);
	}
}

/* Returns the next open session at or after *rr with an empty buffer and
 * room in its window, or NULL. */
static struct relp_conn *
next_ready(struct relp_run *r, unsigned *rr)
{
	unsigned i;

	for (i = 0; i < r->n_conns; i++) {
		struct relp_conn *c = &r->conns[(*rr + i) % r->n_conns];

		if (c->state == RELP_OPEN && c->len == 0 &&
		    outstanding(c) < r->window) {
			*rr = (*rr + i + 1) % r->n_conns;
			return c;
		}
	}
	return NULL;
}

/* Sends "close" on every open session that has all its answers; returns
 * how many sessions are still open or closing. */
static unsigned
close_idle(struct relp_run *r)
{
	unsigned i, live = 0;

	for (i = 0; i < r->n_conns; i++) {
		struct relp_conn *c = &r->conns[i];

		if (c->state == RELP_OPEN && c->len == 0 && outstanding(c) == 0) {
			c->state = RELP_CLOSING;
			conn_command(r, c, "close", NULL);
		}
		if (c->state == RELP_OPENING || c->state == RELP_OPEN ||
		    c->state == RELP_CLOSING)
			live++;
	}
	return live;
}

static unsigned
count_state(const struct relp_run *r, enum relp_state s)
{
	unsigned i, n = 0;

	for (i = 0; i < r->n_conns; i++)
		n += r->conns[i].state == s;
	return n;
}

/* Opens session i: connected, non-blocking, in the epoll set, "open"
 * sent. Returns 0, or -1 after printing why. */
static int
conn_open(struct relp_run *r, unsigned i)
{
	const struct sl_blast_opts *o = r->o;
	struct relp_conn *c = &r->conns[i];
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
		.data.ptr = c,
	};
	uint32_t cap = 1, k;
	int one = 1, fl;

	while (cap < r->window)
		cap <<= 1;
	c->idx = i;
	c->state = RELP_OPENING;
	c->txnr = 1;
	c->mask = cap - 1;
	c->n_hosts = o->hosts / r->n_conns + (i < o->hosts % r->n_conns);
	c->cap = r->room + RELP_FRAME_OVERHEAD;
	if (c->cap < RELP_BUF_MIN)
		c->cap = RELP_BUF_MIN;
	c->seq = malloc(c->n_hosts * sizeof(*c->seq));
	c->txnrs = malloc(cap * sizeof(*c->txnrs));
	c->made_ns = malloc(cap * sizeof(*c->made_ns));
	c->done = malloc(cap);
	c->out = malloc(c->cap);
	if (c->seq == NULL || c->txnrs == NULL || c->made_ns == NULL ||
	    c->done == NULL || c->out == NULL) {
		fprintf(stderr, "sluice-blast: relp: out of memory\n");
		return -1;
	}
	for (k = 0; k < c->n_hosts; k++)
		c->seq[k] = 1;
	c->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		fprintf(stderr, "sluice-blast: relp: socket: %s\n", strerror(errno));
		return -1;
	}
	if (sl_blast_bind_source(c->fd, &r->addr, i, o->sources, "relp") != 0)
		return -1;
	if (connect(c->fd, (const struct sockaddr *)&r->addr, r->addr_len) == -1) {
		fprintf(stderr, "sluice-blast: relp %s: connect: %s\n", o->target,
			strerror(errno));
		return -1;
	}
	/* Latency is measured per command: no waiting for a full segment. */
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1 ||
	    (fl = fcntl(c->fd, F_GETFL)) == -1 ||
	    fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		fprintf(stderr, "sluice-blast: relp: socket options: %s\n",
			strerror(errno));
		return -1;
	}
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		fprintf(stderr, "sluice-blast: relp: epoll_ctl: %s\n",
			strerror(errno));
		return -1;
	}
	conn_command(r, c, "open", RELP_OFFERS);
	return 0;
}

static void
conns_free(struct relp_run *r)
{
	unsigned i;

	for (i = 0; r->conns != NULL && i < r->n_conns; i++) {
		struct relp_conn *c = &r->conns[i];

		if (c->fd != -1)
			close(c->fd);
		free(c->seq);
		free(c->txnrs);
		free(c->made_ns);
		free(c->done);
		free(c->out);
	}
	free(r->conns);
	free(r->scratch);
	if (r->ep != -1)
		close(r->ep);
}

/* Sends until the count, the time or a signal says stop, pacing to
 * o->rate when it is set. */
static void
send_phase(struct relp_run *r, struct sl_blast_progress *prog)
{
	const struct sl_blast_opts *o = r->o;
	uint64_t quota = o->count == 0 ? UINT64_MAX : o->count;
	uint64_t now, ns, deadline = 0;
	struct sl_blast_pace pace;
	unsigned rr = 0, want;

	now = sl_blast_mono_ns();
	sl_blast_pace_init(&pace, o->rate, o->batch, now);
	if (o->duration_ns != 0)
		deadline = now + o->duration_ns;
	while (!sl_blast_stopping() && r->queued < quota &&
	       count_state(r, RELP_BROKEN) < r->n_conns) {
		uint64_t left = quota - r->queued;
		struct relp_conn *c;

		now = sl_blast_mono_ns();
		if (deadline != 0 && now >= deadline)
			break;
		sl_blast_progress_update(prog, "relp", r->res);
		want = (unsigned)(left < pace.slice ? left : pace.slice);
		ns = sl_blast_pace_due(&pace, want, now);
		if (ns != 0) {
			wait_events(r, 0);
			sl_blast_sleep_ns(ns);
			continue;
		}
		c = next_ready(r, &rr);
		if (c == NULL) {
			wait_events(r, RELP_WAIT_MS);
			continue;
		}
		want = conn_fill(r, c, want);
		sl_blast_pace_take(&pace, want);
		r->queued += want;
		conn_flush(r, c);
		/* Answers come in while sending, not only when every window
		 * is full. */
		wait_events(r, 0);
	}
}

static int
relp_run(const struct sl_blast_opts *o, struct sl_blast_result *res)
{
	struct relp_run r = {
		.o = o, .ep = -1, .n_conns = o->connections, .window = o->window,
		.res = res,
	};
	struct sl_blast_progress prog;
	uint64_t finish_end;
	unsigned i;
	int rc = -1;

	res->acks = 1;
	if (sl_blast_target_resolve(o->target, SOCK_STREAM, "relp", &r.addr,
				    &r.addr_len) != 0)
		return -1;
	sl_blast_gen_init(&r.gen, o->corpus, o->format, o->sites, 0);
	r.room = sl_blast_gen_room(&r.gen);
	r.scratch = malloc(r.room);
	r.conns = calloc(r.n_conns, sizeof(*r.conns));
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (r.scratch == NULL || r.conns == NULL || r.ep == -1) {
		fprintf(stderr, "sluice-blast: relp: %s\n", r.ep == -1 ?
			strerror(errno) : "out of memory");
		goto out;
	}
	for (i = 0; i < r.n_conns; i++)
		r.conns[i].fd = -1;
	for (i = 0; i < r.n_conns; i++)
		if (conn_open(&r, i) != 0)
			goto out;

	sl_blast_progress_start(&prog, sl_blast_mono_ns());
	send_phase(&r, &prog);
	/* Every session closes once its last command is answered; the
	 * answers get a bounded time, signals or not. */
	finish_end = sl_blast_mono_ns() + RELP_FINISH_NS;
	while (close_idle(&r) > 0 && sl_blast_mono_ns() < finish_end) {
		sl_blast_progress_update(&prog, "relp", res);
		wait_events(&r, RELP_WAIT_MS);
	}
	sl_blast_progress_end(&prog);
	for (i = 0; i < r.n_conns; i++)
		if (r.conns[i].fd != -1)
			conn_end(&r, &r.conns[i], RELP_BROKEN,
				 "no answer in time");
	if (r.last_ns > r.first_ns && r.first_ns != 0)
		res->seconds = (double)(r.last_ns - r.first_ns) / 1e9;
	rc = res->broken == 0 ? 0 : -1;
out:
	conns_free(&r);
	return rc;
}

const struct sl_blast_mode sl_blast_mode_relp = {
	.name = "relp",
	.synopsis = "--target HOST:PORT [--connections C] [--window W]\n"
		    "                   [--corpus DIR|--file FILE] [--count N] "
		    "[--rate MSGS_PER_S]\n"
		    "                   [--sites S] [--hosts H] "
		    "[--format 3164|5424] [--batch B]\n"
		    "                   [--duration SECONDS] [--sources N]",
	.options = SL_BLAST_OPT_TARGET | SL_BLAST_OPT_CONNECTIONS |
		   SL_BLAST_OPT_SOURCES |
		   SL_BLAST_OPT_WINDOW | SL_BLAST_OPT_CORPUS | SL_BLAST_OPT_FILE |
		   SL_BLAST_OPT_COUNT | SL_BLAST_OPT_RATE | SL_BLAST_OPT_SITES |
		   SL_BLAST_OPT_HOSTS | SL_BLAST_OPT_FORMAT | SL_BLAST_OPT_BATCH |
		   SL_BLAST_OPT_DURATION,
	.required = SL_BLAST_OPT_TARGET,
	.check = relp_check,
	.run = relp_run,
};
