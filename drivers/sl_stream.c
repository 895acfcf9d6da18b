/* sl_stream.c: stream lcores: epoll over kernel TCP sockets, TLS through
 * OpenSSL, framing (sl_frame, sl_relp), hand-off to the workers and the
 * RELP answers in txnr order. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "sl_frame.h"
#include "sl_log.h"
#include "sl_meta.h"
#include "sl_relp.h"
#include "sl_ring.h"
#include "sl_stats.h"
#include "sl_stream.h"
#include "sl_tls.h"

#define STREAM_EVENTS        64
#define STREAM_ACCEPTS       64
#define STREAM_REPLY_BURST   64
#define STREAM_LISTEN_BACKLOG 4096
#define STREAM_LOGS_PER_S    10
#define STREAM_OUT_MIN       1024
/* Room one RELP response needs: "TXNR rsp DATALEN CODE SP TEXT LF". */
#define STREAM_RSP_MAX       (SL_RELP_NUMBER_DIGITS * 2 + 16 + SL_RELP_TEXT_MAX)
#define STREAM_SOFTWARE      "sluice,1,https://github.com/sluice"
#define EV_LISTENER          (1ull << 63)
/* Window code of a message Kafka did not store. Never sent: librelp's
 * client drops a message answered "500" instead of resending it, so the
 * session is closed there and the client resends everything unanswered
 * on its next session. */
#define STREAM_CODE_RESEND   1
#define SLOT_NONE            UINT32_MAX

/* What framing a connection's input did. */
enum frame_result {
	FRAME_DONE,     /* everything complete was taken; read more */
	FRAME_BLOCKED,  /* the rings or the answer budget are full */
	FRAME_PAUSED,   /* this connection's window or output is full */
	FRAME_CLOSE,    /* garbage: the connection ends */
};

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Logs one line about connection c, at most STREAM_LOGS_PER_S a second
 * per lcore, so a flood of bad clients cannot flood the log; what is
 * left out is counted and said. */
static void
conn_log(struct sl_stream *s, const struct sl_stream_conn *c, const char *what)
{
	uint64_t now = rte_rdtsc();
	char peer[SL_ADDR_STRLEN];

	if (now - s->log_window_tsc > rte_get_tsc_hz()) {
		if (s->log_suppressed > 0)
			SL_LOG(WARNING, "stream %u: %" PRIu64 " more connection message(s) not logged",
			       s->id, s->log_suppressed);
		s->log_window_tsc = now;
		s->log_count = 0;
		s->log_suppressed = 0;
	}
	if (s->log_count++ >= STREAM_LOGS_PER_S) {
		s->log_suppressed++;
		return;
	}
	sl_addr_format(&c->peer, peer);
	SL_LOG(WARNING, "%s %s: %s", c->l->name, peer, what);
}

/* ---- per-source connection counts -------------------------------------- */

/* Counts a new connection of peer. Returns its entry, or -1 when the host
 * already has max_per_source connections here (or the table is full). */
static int32_t
src_acquire(struct sl_stream *s, const struct sl_addr *peer)
{
	struct sl_addr key = *peer;
	int32_t pos;

	key.port = 0;
	pos = rte_hash_lookup(s->src_index, &key);
	if (pos < 0) {
		pos = rte_hash_add_key(s->src_index, &key);
		if (pos < 0)
			return -1;
		s->src_counts[pos] = 0;
	}
	/* Reload may change the limit from the control thread. */
	if (s->src_counts[pos] >= __atomic_load_n(&s->max_per_source,
						  __ATOMIC_RELAXED))
		return -1;
	s->src_counts[pos]++;
	return pos;
}

static void
src_release(struct sl_stream *s, const struct sl_stream_conn *c)
{
	struct sl_addr key = c->peer;

	if (--s->src_counts[c->src_pos] > 0)
		return;
	key.port = 0;
	rte_hash_del_key(s->src_index, &key);
}

/* ---- connections ------------------------------------------------------- */

/* Asks epoll for what c can use now: input only while it would read it
 * (level-triggered events it would not act on would spin the lcore),
 * output while a write waits for room. */
static void
conn_update_events(struct sl_stream *s, struct sl_stream_conn *c,
		   uint32_t slot)
{
	struct epoll_event ev = { .events = 0 };

	if (c->state == SL_CONN_HANDSHAKE)
		ev.events = EPOLLIN;
	else if (c->state == SL_CONN_OPEN && !c->paused && !c->eof &&
		 !c->close_when_done && !c->in_backlog && !s->stopping)
		ev.events = EPOLLIN;
	if (c->want_write)
		ev.events |= EPOLLOUT;
	if (ev.events == c->ev)
		return;
	ev.data.u64 = slot | (uint64_t)c->gen << 32;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
		SL_LOG(ERR, "stream %u: epoll_ctl(MOD): %s", s->id,
		       strerror(errno));
		return;
	}
	c->ev = ev.events;
}

/* Ends connection slot: frees what it holds and makes the slot free for
 * the next connection. Answers still in flight for it become stale. */
static void
conn_close(struct sl_stream *s, uint32_t slot)
{
	struct sl_stream_conn *c = &s->conns[slot];

	if (c->in_len > 0) {
		/* Read, never framed into a message: counted, not lost
		 * silently (a partial frame, or input left at shutdown). */
		SL_STAT_ADD(s->stats, tcp_discarded, c->in_len);
		c->in_len = 0;
	}
	if (c->ssl != NULL) {
		ERR_clear_error();
		/* Best effort: close_notify on a socket that may be gone. */
		if (c->state == SL_CONN_OPEN || c->state == SL_CONN_CLOSING)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	if (close(c->fd) != 0)
		SL_LOG(DEBUG, "stream %u: close: %s", s->id, strerror(errno));
	free(c->in);
	free(c->out);
	if (c->relp)
		sl_relp_window_free(&c->win);
	free(c->rx_tsc);
	c->rx_tsc = NULL;
	src_release(s, c);
	c->ssl = NULL;
	c->in = NULL;
	c->out = NULL;
	c->state = SL_CONN_FREE;
	c->gen++;
	c->next_free = s->free_head;
	s->free_head = slot;
	s->used--;
	SL_STAT_ADD(s->stats, tcp_closed, 1);
}

/* Queues slot for the backlog: input framed later, when the rings have
 * room. A slot is on the list at most once (in_backlog), also across a
 * close and reuse, so the list never needs more than max_conns entries. */
static void
backlog_add(struct sl_stream *s, uint32_t slot)
{
	struct sl_stream_conn *c = &s->conns[slot];

	if (c->in_backlog)
		return;
	c->in_backlog = 1;
	s->backlog[s->n_backlog++] = slot;
	if (c->state != SL_CONN_FREE)
		conn_update_events(s, c, slot);
}

static void
dirty_add(struct sl_stream *s, uint32_t slot)
{
	if (s->conns[slot].dirty)
		return;
	s->conns[slot].dirty = 1;
	s->dirty[s->n_dirty++] = slot;
}

/* Makes room for need more bytes of output. Returns 0, or -1 when the
 * connection already holds max_output bytes of unsent responses. */
static int
out_reserve(struct sl_stream *s, struct sl_stream_conn *c, uint32_t need)
{
	uint32_t cap;
	char *p;

	if (c->out_off > 0 && c->out_len + need > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + need <= c->out_cap)
		return 0;
	cap = c->out_cap == 0 ? STREAM_OUT_MIN : c->out_cap * 2;
	while (cap < c->out_len + need)
		cap *= 2;
	if (cap > s->max_output)
		cap = s->max_output;
	if (cap < c->out_len + need)
		return -1;
	p = realloc(c->out, cap);
	if (p == NULL)
		return -1;
	c->out = p;
	c->out_cap = cap;
	return 0;
}

/* Writes what c has queued. Returns 0 (all written, or the socket is
 * full and EPOLLOUT is on), or -1 when the connection failed (the
 * caller closes it). */
static int
conn_flush(struct sl_stream *s, struct sl_stream_conn *c, uint32_t slot)
{
	int want_write = 0;

	while (c->out_off < c->out_len) {
		size_t left = c->out_len - c->out_off, done;
		ssize_t n;

		if (c->ssl != NULL) {
			ERR_clear_error();
			if (SSL_write_ex(c->ssl, c->out + c->out_off, left,
					 &done) == 1) {
				c->out_off += (uint32_t)done;
				continue;
			}
			n = SSL_get_error(c->ssl, 0);
			if (n == SSL_ERROR_WANT_WRITE || n == SSL_ERROR_WANT_READ) {
				want_write = n == SSL_ERROR_WANT_WRITE;
				break;
			}
			SL_STAT_ADD(s->stats, tcp_tls_failed, 1);
			return -1;
		}
		n = send(c->fd, c->out + c->out_off, left, MSG_NOSIGNAL);
		if (n >= 0) {
			c->out_off += (uint32_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			want_write = 1;
			break;
		}
		return -1;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (want_write != c->want_write) {
		c->want_write = (uint8_t)want_write;
		conn_update_events(s, c, slot);
	}
	return 0;
}

/* Closes c once it has nothing left to do: a RELP session after its
 * "close" was answered, or any connection whose peer ended its side,
 * once every response it is owed went out. Returns 1 when closed. */
static int
conn_finish_if_done(struct sl_stream *s, struct sl_stream_conn *c,
		    uint32_t slot)
{
	if (c->state != SL_CONN_CLOSING && !c->eof)
		return 0;
	if (c->relp && !sl_relp_window_empty(&c->win))
		return 0;
	if (c->out_len > c->out_off || c->in_backlog)
		return 0;
	conn_close(s, slot);
	return 1;
}

/* Reads into buf[0..cap). Returns the bytes read, 0 when nothing is
 * there now, -1 at the end of the stream, -2 on an error (closed by the
 * caller). */
static ssize_t
conn_recv(struct sl_stream *s, struct sl_stream_conn *c, uint32_t slot,
	  uint8_t *buf, size_t cap)
{
	size_t got;
	ssize_t n;
	int e;

	if (c->ssl == NULL) {
		for (;;) {
			n = recv(c->fd, buf, cap, 0);
			if (n > 0)
				return n;
			if (n == 0)
				return -1;
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -2;
		}
	}
	ERR_clear_error();
	if (SSL_read_ex(c->ssl, buf, cap, &got) == 1)
		return (ssize_t)got;
	e = SSL_get_error(c->ssl, 0);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return 0;
	case SSL_ERROR_WANT_WRITE:
		if (!c->want_write) {
			c->want_write = 1;
			conn_update_events(s, c, slot);
		}
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		return -1;
	default:
		SL_STAT_ADD(s->stats, tcp_tls_failed, 1);
		return -2;
	}
}

/* ---- hand-off ---------------------------------------------------------- */

/* Copies data[0..len) into a new mbuf chain. Returns it, or NULL when the
 * pool is empty (the caller waits, as for a full ring). */
static struct rte_mbuf *
mbuf_from(struct sl_stream *s, const uint8_t *data, uint32_t len)
{
	uint16_t room = (uint16_t)(rte_pktmbuf_data_room_size(s->mp) -
				   RTE_PKTMBUF_HEADROOM);
	struct rte_mbuf *segs[SL_MAX_SEGS], *head;
	unsigned n = (len + room - 1) / room, i;
	uint32_t off = 0;

	/* More segments than a chain may have is refused by the config
	 * check (sl_config_validate), so NULL means the pool is empty. */
	if (n > RTE_DIM(segs) || rte_pktmbuf_alloc_bulk(s->mp, segs, n) != 0) {
		s->starved = 1;
		return NULL;
	}
	head = segs[0];
	for (i = 0; i < n; i++) {
		uint16_t part = (uint16_t)RTE_MIN(len - off, (uint32_t)room);

		memcpy(rte_pktmbuf_mtod(segs[i], uint8_t *), data + off, part);
		segs[i]->data_len = part;
		off += part;
		if (i > 0)
			segs[i - 1]->next = segs[i];
	}
	head->nb_segs = (uint16_t)n;
	head->pkt_len = len;
	return head;
}

/* Hands the staged messages to the rings (the dispatcher holds what does
 * not fit, and nothing is framed until it got rid of it). */
static void
burst_dispatch(struct sl_stream *s)
{
	if (s->n_burst == 0 || sl_dispatch_pending(s->disp) > 0)
		return;
	sl_dispatch(s->disp, s->burst, s->n_burst);
	s->n_burst = 0;
}

/* Stages message m of connection c (ack: its token, or NULL). */
static void
stage(struct sl_stream *s, const struct sl_stream_conn *c, struct rte_mbuf *m,
      const struct sl_ack_token *ack)
{
	struct sl_meta *meta = sl_meta(m);

	meta->rx_ns = wall_ns();
	meta->src = c->peer;
	meta->src_hash = c->src_hash;
	meta->input = c->l->input;
	meta->flags = 0;
	if (ack != NULL) {
		meta->flags = SL_META_F_ACK;
		meta->ack = *ack;
	}
	SL_STAT_ADD(s->stats, tcp_messages, 1);
	s->burst[s->n_burst++] = m;
	if (s->n_burst == s->burst_size)
		burst_dispatch(s);
}

static int
blocked(const struct sl_stream *s)
{
	return sl_dispatch_pending(s->disp) > 0;
}

/* ---- framing ----------------------------------------------------------- */

static enum frame_result
frame_syslog(struct sl_stream *s, struct sl_stream_conn *c,
	     const uint8_t *buf, uint32_t len, uint32_t *off)
{
	struct sl_frame_state before;
	struct sl_frame_msg m;
	struct rte_mbuf *mb;

	while (*off < len) {
		if (blocked(s))
			return FRAME_BLOCKED;
		before = c->frame;
		switch (sl_frame_next(&c->frame, buf + *off, len - *off,
				      s->max_message, &m)) {
		case SL_FRAME_MSG:
			if (m.len == 0) {
				SL_STAT_DROP(s->stats, SL_DROP_EMPTY, 1);
				*off += (uint32_t)m.consumed;
				break;
			}
			mb = mbuf_from(s, buf + *off + m.off, (uint32_t)m.len);
			if (mb == NULL) {
				/* The same bytes come again: so must the
				 * state they were framed from. */
				c->frame = before;
				return FRAME_BLOCKED;
			}
			stage(s, c, mb, NULL);
			*off += (uint32_t)m.consumed;
			break;
		case SL_FRAME_NEED:
			*off += (uint32_t)m.consumed;
			return FRAME_DONE;
		case SL_FRAME_OVERSIZE:
			SL_STAT_DROP(s->stats, SL_DROP_OVERSIZE, 1);
			*off += (uint32_t)m.consumed;
			break;
		case SL_FRAME_ERROR:
			conn_log(s, c, m.reason);
			SL_STAT_ADD(s->stats, tcp_bad_frame, 1);
			return FRAME_CLOSE;
		}
	}
	return FRAME_DONE;
}

/* Answers the RELP commands of c whose outcome is known, in txnr order,
 * as far as its output has room, and writes them. Returns -1 when the
 * connection failed (the caller closes it), else 0. */
static int
relp_answer(struct sl_stream *s, struct sl_stream_conn *c, uint32_t slot)
{
	uint32_t txnr;
	uint16_t code;
	size_t n;

	while (!sl_relp_window_empty(&c->win) &&
	       out_reserve(s, c, STREAM_RSP_MAX) == 0 &&
	       sl_relp_window_pop_ready(&c->win, &txnr, &code)) {
		if (code == STREAM_CODE_RESEND) {
			conn_log(s, c, "relp: Kafka did not store a message; session closed so the sender resends it");
			conn_flush(s, c, slot);
			return -1;
		}
		n = sl_relp_rsp(c->out + c->out_len, c->out_cap - c->out_len,
				txnr, code, code == SL_RELP_CODE_OK ? "OK" :
				"message refused (empty, too large or rejected by Kafka)",
				NULL);
		c->out_len += (uint32_t)n;
		c->last_tsc = rte_rdtsc();
		if (c->close_when_done && txnr == c->close_txnr) {
			c->state = SL_CONN_CLOSING;
			conn_update_events(s, c, slot);
		}
	}
	if (conn_flush(s, c, slot) != 0)
		return -1;
	if (c->paused && !sl_relp_window_full(&c->win) &&
	    c->out_len - c->out_off + STREAM_RSP_MAX <= s->max_output) {
		c->paused = 0;
		conn_update_events(s, c, slot);
		if (c->in_len > 0)
			backlog_add(s, slot);
	}
	return 0;
}

/* The answer to "open": the offers must name the syslog command. */
static enum frame_result
relp_open(struct sl_stream *s, struct sl_stream_conn *c,
	  const struct sl_relp_frame *f)
{
	struct sl_relp_offers o;
	size_t n;

	if (c->relp_open) {
		conn_log(s, c, "relp: second open");
		SL_STAT_ADD(s->stats, tcp_bad_frame, 1);
		return FRAME_CLOSE;
	}
	if (out_reserve(s, c, STREAM_RSP_MAX + 64) != 0)
		return FRAME_PAUSED;
	if (sl_relp_offers_parse(f->data, f->datalen, &o) != 0 || !o.syslog ||
	    o.relp_version < 0) {
		n = sl_relp_rsp(c->out + c->out_len, c->out_cap - c->out_len,
				f->txnr, SL_RELP_CODE_ERROR,
				"offers lack relp_version or command syslog",
				NULL);
		c->out_len += (uint32_t)n;
		c->state = SL_CONN_CLOSING;
		c->close_when_done = 1;
		conn_log(s, c, "relp: open without the syslog command");
		SL_STAT_ADD(s->stats, tcp_bad_frame, 1);
		return FRAME_DONE;
	}
	n = sl_relp_open_rsp(c->out + c->out_len, c->out_cap - c->out_len,
			     f->txnr, STREAM_SOFTWARE);
	c->out_len += (uint32_t)n;
	c->relp_open = 1;
	SL_STAT_ADD(s->stats, relp_sessions, 1);
	return FRAME_DONE;
}

/* One "syslog" command: handed to its worker with a token, answered when
 * the worker reports the Kafka outcome. */
static enum frame_result
relp_syslog(struct sl_stream *s, struct sl_stream_conn *c, uint32_t slot,
	    const struct sl_relp_frame *f)
{
	struct sl_ack_token t;
	struct rte_mbuf *mb;

	if (sl_relp_window_full(&c->win))
		return FRAME_PAUSED;
	if (f->datalen == 0) {
		SL_STAT_DROP(s->stats, SL_DROP_EMPTY, 1);
		SL_STAT_ADD(s->stats, relp_nacked, 1);
		sl_relp_window_push_done(&c->win, f->txnr, SL_RELP_CODE_ERROR);
		return FRAME_DONE;
	}
	if (s->pending >= s->max_pending)
		return FRAME_BLOCKED;
	mb = mbuf_from(s, f->data, (uint32_t)f->datalen);
	if (mb == NULL)
		return FRAME_BLOCKED;
	sl_relp_window_push(&c->win, f->txnr, &t.seq);
	c->rx_tsc[t.seq & c->win.mask] = rte_rdtsc();
	t.conn = slot;
	t.gen = c->gen;
	t.stream = (uint16_t)s->id;
	t.outcome = 0;
	s->pending++;
	stage(s, c, mb, &t);
	return FRAME_DONE;
}

/* Parses the unsigned decimal at *p (advancing it); the frame parser
 * vouched for its digits. */
static uint64_t
header_number(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;

	while (*p < end && **p >= '0' && **p <= '9')
		v = v * 10 + (uint64_t)(*(*p)++ - '0');
	return v;
}

/* A frame whose DATALEN passes max_message: its header is well formed
 * (sl_relp_parse checked it up to DATALEN), its data is never stored.
 * librelp's client drops a message answered "500" (a resend could not
 * succeed either), so it is answered so, and its bytes are skipped, the
 * session going on. *off is moved past the header. */
static enum frame_result
relp_refuse_large(struct sl_stream *s, struct sl_stream_conn *c,
		  const uint8_t *buf, size_t len, uint32_t *off)
{
	const uint8_t *p = buf, *end = buf + len;
	uint64_t txnr, datalen;

	txnr = header_number(&p, end);
	while (p < end && *p == ' ')
		p++;
	while (p < end && *p != ' ')
		p++;
	while (p < end && *p == ' ')
		p++;
	datalen = header_number(&p, end);
	if (p < end && *p == ' ')
		p++;
	if (!c->relp_open || txnr == 0 || txnr > SL_RELP_TXNR_MAX ||
	    datalen > SL_RELP_DATALEN_MAX) {
		conn_log(s, c, "relp: frame too large");
		SL_STAT_ADD(s->stats, tcp_bad_frame, 1);
		return FRAME_CLOSE;
	}
	if (sl_relp_window_push_done(&c->win, (uint32_t)txnr,
				     SL_RELP_CODE_ERROR) != 0)
		return FRAME_PAUSED;
	conn_log(s, c, "relp: message larger than max_message refused (500)");
	SL_STAT_DROP(s->stats, SL_DROP_OVERSIZE, 1);
	SL_STAT_ADD(s->stats, relp_nacked, 1);
	*off += (uint32_t)(p - buf);
	c->relp_skip = (uint32_t)datalen + 1;   /* data and trailer */
	return FRAME_DONE;
}

static enum frame_result
frame_relp(struct sl_stream *s, struct sl_stream_conn *c, uint32_t slot,
	   const uint8_t *buf, uint32_t len, uint32_t *off)
{
	enum frame_result r = FRAME_DONE;
	struct sl_relp_frame f;
	const char *err;
	int n;

	dirty_add(s, slot);
	while (*off < len && r == FRAME_DONE) {
		if (c->relp_skip > 0) {
			uint32_t k = RTE_MIN(c->relp_skip, len - *off);

			c->relp_skip -= k;
			*off += k;
			continue;
		}
		if (c->close_when_done || c->state == SL_CONN_CLOSING) {
			/* Nothing follows "close": what does is ignored. */
			*off = len;
			break;
		}
		if (blocked(s))
			return FRAME_BLOCKED;
		n = sl_relp_parse(buf + *off, len - *off, s->max_message, &f, &err);
		if (n == 0)
			break;
		if (n < 0 && strcmp(err, "relp: frame too large") == 0) {
			r = relp_refuse_large(s, c, buf + *off, len - *off, off);
			continue;
		}
		if (n < 0) {
			conn_log(s, c, err);
			SL_STAT_ADD(s->stats, tcp_bad_frame, 1);
			return FRAME_CLOSE;
		}
		if (!c->relp_open && f.cmd != SL_RELP_OPEN) {
			conn_log(s, c, "relp: command before open");
			SL_STAT_ADD(s->stats, tcp_bad_frame, 1);
			return FRAME_CLOSE;
		}
		switch (f.cmd) {
		case SL_RELP_OPEN:
			r = relp_open(s, c, &f);
			break;
		case SL_RELP_SYSLOG:
			r = relp_syslog(s, c, slot, &f);
			break;
		case SL_RELP_CLOSE:
			if (sl_relp_window_push_done(&c->win, f.txnr,
						     SL_RELP_CODE_OK) != 0) {
				r = FRAME_PAUSED;
				break;
			}
			c->close_when_done = 1;
			c->close_txnr = f.txnr;
			conn_update_events(s, c, slot);
			break;
		case SL_RELP_OTHER:
			if (sl_relp_window_push_done(&c->win, f.txnr,
						     SL_RELP_CODE_ERROR) != 0)
				r = FRAME_PAUSED;
			break;
		case SL_RELP_RSP:
		case SL_RELP_SERVERCLOSE:
			conn_log(s, c, "relp: client sent a server command");
			SL_STAT_ADD(s->stats, tcp_bad_frame, 1);
			return FRAME_CLOSE;
		}
		if (r == FRAME_CLOSE)
			return FRAME_CLOSE;
		if (r == FRAME_DONE)
			*off += (uint32_t)n;
	}
	return r;
}

/* Frames c's input: what it kept from before, then (do_read) what the
 * socket has, when there is room for a whole frame after what it kept.
 * Keeps what could not be framed yet; closes c on garbage, errors, and
 * at the end of its stream once nothing is owed. Returns 1 when it read
 * or framed anything, else 0. */
static int
conn_input(struct sl_stream *s, uint32_t slot, int do_read)
{
	struct sl_stream_conn *c = &s->conns[slot];
	uint32_t len = c->in_len, off = 0;
	enum frame_result r;
	ssize_t n = 0;

	if (len > 0)
		memcpy(s->rbuf, c->in, len);
	if (do_read && !c->eof && s->rbuf_cap - len >= s->rbuf_cap / 2) {
		n = conn_recv(s, c, slot, s->rbuf + len, s->rbuf_cap - len);
		if (n == -2) {
			conn_close(s, slot);
			return 1;
		}
		if (n == -1) {
			c->eof = 1;
			conn_update_events(s, c, slot);
		} else if (n > 0) {
			len += (uint32_t)n;
			c->last_tsc = rte_rdtsc();
			SL_STAT_ADD(s->stats, rx_bytes, (uint64_t)n);
		}
	}
	r = c->relp ? frame_relp(s, c, slot, s->rbuf, len, &off)
		    : frame_syslog(s, c, s->rbuf, len, &off);
	if (r == FRAME_CLOSE) {
		c->in_len = len - off;
		conn_close(s, slot);
		return 1;
	}
	if (len - off > c->in_cap) {
		uint8_t *p = realloc(c->in, len - off);

		if (p == NULL) {
			conn_log(s, c, "out of memory for its input");
			c->in_len = len - off;
			conn_close(s, slot);
			return 1;
		}
		c->in = p;
		c->in_cap = len - off;
	}
	c->in_len = len - off;
	if (c->in_len > 0)
		memcpy(c->in, s->rbuf + off, c->in_len);
	else if (c->in_cap > 4096) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
	if (r == FRAME_BLOCKED)
		backlog_add(s, slot);
	else if (r == FRAME_PAUSED && !c->paused) {
		c->paused = 1;
		conn_update_events(s, c, slot);
	} else if (c->ssl != NULL && !c->eof && !s->stopping &&
		   SSL_has_pending(c->ssl))
		backlog_add(s, slot);
	if (c->eof && r == FRAME_DONE && !c->in_backlog) {
		if (c->in_len > 0) {
			/* The peer ended mid-frame. */
			SL_STAT_DROP(s->stats, SL_DROP_TRUNCATED, 1);
			SL_STAT_ADD(s->stats, tcp_discarded, c->in_len);
			c->in_len = 0;
		}
		if (!c->relp)
			c->state = SL_CONN_CLOSING;
		conn_finish_if_done(s, c, slot);
	}
	return n > 0 || off > 0;
}

static void
conn_handshake(struct sl_stream *s, uint32_t slot)
{
	struct sl_stream_conn *c = &s->conns[slot];
	char why[256], tls_err[200];
	int r, e;

	ERR_clear_error();
	r = SSL_accept(c->ssl);
	if (r == 1) {
		c->state = SL_CONN_OPEN;
		c->want_write = 0;
		conn_update_events(s, c, slot);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		if (c->want_write != (e == SSL_ERROR_WANT_WRITE)) {
			c->want_write = e == SSL_ERROR_WANT_WRITE;
			conn_update_events(s, c, slot);
		}
		return;
	}
	snprintf(why, sizeof(why), "TLS handshake failed: %s",
		 sl_tls_error(tls_err, sizeof(tls_err)));
	conn_log(s, c, why);
	SL_STAT_ADD(s->stats, tcp_tls_failed, 1);
	conn_close(s, slot);
}

/* Out of descriptors (or kernel memory): the listeners leave epoll for a
 * tenth of a second (the kernel keeps their queues, bounded by the
 * listen backlog), so the lcore neither spins on them nor logs more than
 * once per pause. */
static void
listeners_pause(struct sl_stream *s, int err)
{
	unsigned i;

	if (s->accept_paused)
		return;
	for (i = 0; i < s->n_listeners; i++)
		if (epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listeners[i].fd, NULL) != 0)
			SL_LOG(ERR, "stream %u: epoll_ctl(DEL): %s", s->id,
			       strerror(errno));
	s->accept_paused = 1;
	s->accept_pause_until = rte_rdtsc() + rte_get_tsc_hz() / 10;
	SL_LOG(WARNING, "stream %u: accept: %s: not accepting for 100 ms",
	       s->id, strerror(err));
}

static void
listeners_resume(struct sl_stream *s)
{
	struct epoll_event ev;
	unsigned i;

	for (i = 0; i < s->n_listeners; i++) {
		ev.events = EPOLLIN;
		ev.data.u64 = EV_LISTENER | i;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listeners[i].fd, &ev) != 0)
			SL_LOG(ERR, "stream %u: epoll_ctl(ADD): %s", s->id,
			       strerror(errno));
	}
	s->accept_paused = 0;
}

static void
listener_accept(struct sl_stream *s, const struct sl_stream_listener *l)
{
	struct sockaddr_storage ss;
	struct epoll_event ev;
	struct sl_stream_conn *c;
	struct sl_addr peer;
	socklen_t sl;
	uint32_t slot;
	int32_t pos;
	int fd, i, one = 1;

	for (i = 0; i < STREAM_ACCEPTS; i++) {
		sl = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: the listen queue waits
				 * (the kernel keeps it bounded) until some
				 * connection ends. */
				listeners_pause(s, errno);
				return;
			}
			continue;   /* the connection died in the queue */
		}
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)&ss;

			sl_addr_set_v4(&peer, a->sin_addr.s_addr, ntohs(a->sin_port));
		} else {
			const struct sockaddr_in6 *a = (const void *)&ss;

			sl_addr_set_v6(&peer, a->sin6_addr.s6_addr,
				       ntohs(a->sin6_port));
		}
		if (s->free_head == SLOT_NONE ||
		    (pos = src_acquire(s, &peer)) < 0) {
			SL_STAT_ADD(s->stats, tcp_refused, 1);
			if (close(fd) != 0)
				SL_LOG(DEBUG, "stream %u: close: %s", s->id,
				       strerror(errno));
			continue;
		}
		slot = s->free_head;
		c = &s->conns[slot];
		s->free_head = c->next_free;
		s->used++;
		c->fd = fd;
		c->l = l;
		c->peer = peer;
		c->src_hash = sl_addr_hash(&peer);
		c->src_pos = pos;
		c->state = l->tls != NULL ? SL_CONN_HANDSHAKE : SL_CONN_OPEN;
		c->relp = (uint8_t)l->relp;
		c->relp_open = c->paused = c->want_write = c->eof = 0;
		c->close_when_done = 0;
		c->relp_skip = 0;
		c->ev = EPOLLIN;
		c->in_len = c->in_cap = 0;
		c->out_off = c->out_len = c->out_cap = 0;
		c->last_tsc = rte_rdtsc();
		sl_frame_init(&c->frame, l->framing);
		SL_STAT_ADD(s->stats, tcp_accepted, 1);
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
			SL_LOG(DEBUG, "stream %u: TCP_NODELAY: %s", s->id,
			       strerror(errno));
		if ((c->relp && (sl_relp_window_alloc(&c->win, s->relp_window, 0) != 0 ||
				 (c->rx_tsc = malloc(sizeof(*c->rx_tsc) *
						     s->relp_window)) == NULL)) ||
		    (l->tls != NULL && (c->ssl = SSL_new(l->tls)) == NULL)) {
			conn_log(s, c, "out of memory for a new connection");
			ERR_clear_error();
			conn_close(s, slot);
			continue;
		}
		ev.events = EPOLLIN;
		ev.data.u64 = slot | (uint64_t)c->gen << 32;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			SL_LOG(ERR, "stream %u: epoll_ctl(ADD): %s", s->id,
			       strerror(errno));
			conn_close(s, slot);
			continue;
		}
		if (c->ssl != NULL) {
			if (SSL_set_fd(c->ssl, fd) != 1) {
				conn_log(s, c, "TLS: cannot attach the socket");
				SL_STAT_ADD(s->stats, tcp_tls_failed, 1);
				conn_close(s, slot);
				continue;
			}
			conn_handshake(s, slot);
		}
	}
}

/* ---- answers from the workers ------------------------------------------ */

static unsigned
replies_drain(struct sl_stream *s)
{
	struct sl_ack_token t[STREAM_REPLY_BURST];
	uint64_t now = rte_rdtsc(), tsc_us = rte_get_tsc_hz() / 1000000;
	unsigned w, n, i, total = 0;

	for (w = 0; w < s->n_workers; w++) {
		while ((n = rte_ring_sc_dequeue_burst_elem(s->replies[w], t,
				sizeof(t[0]), RTE_DIM(t), NULL)) > 0) {
			total += n;
			s->pending -= n;
			for (i = 0; i < n; i++) {
				struct sl_stream_conn *c;
				int ok = t[i].outcome == SL_ACK_DELIVERED;
				/* Refused for good: "500", which the sender
				 * takes as final; any other failure closes
				 * the session, so the sender resends. */
				uint16_t code = ok ? SL_RELP_CODE_OK :
					t[i].outcome == SL_ACK_REJECTED ?
					SL_RELP_CODE_ERROR : STREAM_CODE_RESEND;

				if (t[i].conn >= s->max_conns) {
					SL_STAT_ADD(s->stats, ack_stale, 1);
					continue;
				}
				c = &s->conns[t[i].conn];
				if (c->state == SL_CONN_FREE ||
				    c->gen != t[i].gen || !c->relp ||
				    sl_relp_window_complete(&c->win, t[i].seq,
							    code) != 0) {
					SL_STAT_ADD(s->stats, ack_stale, 1);
					continue;
				}
				if (ok)
					SL_STAT_ADD(s->stats, relp_acked, 1);
				else
					SL_STAT_ADD(s->stats, relp_nacked, 1);
				sl_hist_put(&s->answer_us, (now -
					c->rx_tsc[t[i].seq & c->win.mask]) / tsc_us);
				dirty_add(s, t[i].conn);
			}
		}
	}
	return total;
}

/* Answers every connection that has news, once per round. */
static void
dirty_run(struct sl_stream *s)
{
	uint32_t i, slot;

	for (i = 0; i < s->n_dirty; i++) {
		struct sl_stream_conn *c;

		slot = s->dirty[i];
		c = &s->conns[slot];
		c->dirty = 0;
		if (c->state == SL_CONN_FREE || c->state == SL_CONN_HANDSHAKE)
			continue;
		if (c->relp && relp_answer(s, c, slot) != 0) {
			conn_close(s, slot);
			continue;
		}
		if (!c->relp && conn_flush(s, c, slot) != 0) {
			conn_close(s, slot);
			continue;
		}
		conn_finish_if_done(s, c, slot);
	}
	s->n_dirty = 0;
}

/* Frames the input of the connections that waited for room in the rings,
 * oldest first, until the rings are full again. */
static unsigned
backlog_run(struct sl_stream *s)
{
	uint32_t n = s->n_backlog, i, slot;
	unsigned done = 0;

	/* What waits for answers or mbufs would only be framed and blocked
	 * again: it waits for the next round. */
	if (n == 0 || s->pending >= s->max_pending || s->starved)
		return 0;
	memcpy(s->backlog_work, s->backlog, n * sizeof(s->backlog[0]));
	s->n_backlog = 0;
	for (i = 0; i < n; i++) {
		struct sl_stream_conn *c;

		if (blocked(s)) {
			/* Still queued (in_backlog is set): keep them. */
			memcpy(&s->backlog[s->n_backlog], &s->backlog_work[i],
			       (n - i) * sizeof(s->backlog[0]));
			s->n_backlog += n - i;
			break;
		}
		slot = s->backlog_work[i];
		c = &s->conns[slot];
		c->in_backlog = 0;
		if (c->state != SL_CONN_OPEN && c->state != SL_CONN_CLOSING)
			continue;
		done += (unsigned)conn_input(s, slot, c->ssl != NULL &&
					     !s->stopping &&
					     SSL_has_pending(c->ssl));
		if (c->state == SL_CONN_FREE)
			continue;
		if (!c->in_backlog && c->eof)
			conn_finish_if_done(s, c, slot);
		else if (c->state != SL_CONN_FREE)
			conn_update_events(s, c, slot);
	}
	return done;
}

static void
idle_check(struct sl_stream *s, uint64_t now)
{
	uint64_t idle_tsc = __atomic_load_n(&s->idle_tsc, __ATOMIC_RELAXED);
	uint32_t slot;

	for (slot = 0; slot < s->max_conns; slot++) {
		struct sl_stream_conn *c = &s->conns[slot];

		/* last_tsc may be later than now: read in this very round. */
		if (c->state == SL_CONN_FREE || now <= c->last_tsc ||
		    now - c->last_tsc < idle_tsc)
			continue;
		/* Waiting for us (answers, room in the rings), not idle. */
		if (c->in_backlog || c->paused ||
		    (c->relp && !sl_relp_window_empty(&c->win)))
			continue;
		conn_log(s, c, "idle timeout");
		SL_STAT_ADD(s->stats, tcp_idle, 1);
		conn_close(s, slot);
	}
}

static void
conn_event(struct sl_stream *s, uint64_t data, uint32_t events, int can_read)
{
	uint32_t slot = (uint32_t)data;
	struct sl_stream_conn *c;

	if (slot >= s->max_conns)
		return;
	c = &s->conns[slot];
	if (c->state == SL_CONN_FREE || c->gen != (uint32_t)(data >> 32))
		return;   /* closed earlier in this batch */
	if (c->state == SL_CONN_HANDSHAKE) {
		conn_handshake(s, slot);
		return;
	}
	if (events & EPOLLOUT) {
		if (conn_flush(s, c, slot) != 0) {
			conn_close(s, slot);
			return;
		}
		if (c->relp)
			dirty_add(s, slot);   /* room again: answer, unpause */
	}
	if (events & EPOLLERR) {
		conn_close(s, slot);
		return;
	}
	if ((events & EPOLLHUP) && !(events & EPOLLIN)) {
		/* Both directions are gone. Answers cannot reach a RELP
		 * sender (it resends what was not answered); a syslog
		 * stream's last bytes are framed from the backlog. HUP
		 * cannot be masked, so the socket leaves epoll. */
		if (c->relp || c->in_len == 0) {
			conn_close(s, slot);
			return;
		}
		c->eof = 1;
		if (epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL) != 0)
			SL_LOG(ERR, "stream %u: epoll_ctl(DEL): %s", s->id,
			       strerror(errno));
		c->ev = 0;
		backlog_add(s, slot);
		return;
	}
	if (c->out_off == c->out_len && conn_finish_if_done(s, c, slot))
		return;
	if (can_read && !c->paused && !c->eof && c->state == SL_CONN_OPEN &&
	    !c->close_when_done && !c->in_backlog &&
	    (events & (EPOLLIN | EPOLLHUP) || (c->ssl != NULL && (events & EPOLLOUT))))
		conn_input(s, slot, 1);
}

unsigned
sl_stream_poll(struct sl_stream *s, unsigned wait_us)
{
	struct epoll_event ev[STREAM_EVENTS];
	struct timespec ts = { 0, 0 };
	unsigned work = 0;
	uint64_t now;
	int n, i, can_read;

	s->starved = 0;
	work += replies_drain(s);
	if (sl_dispatch_pending(s->disp) > 0 && sl_dispatch_flush(s->disp) == 0)
		work++;
	if (!blocked(s))
		work += backlog_run(s);
	burst_dispatch(s);
	can_read = !blocked(s) && !s->stopping;
	if (work == 0 && can_read && s->n_dirty == 0)
		ts.tv_nsec = (long)wait_us * 1000;
	n = epoll_pwait2(s->epfd, ev, STREAM_EVENTS, &ts, NULL);
	if (n < 0 && errno != EINTR)
		SL_LOG(ERR, "stream %u: epoll_pwait2: %s", s->id, strerror(errno));
	now = rte_rdtsc();
	if (s->accept_paused && now >= s->accept_pause_until && !s->stopping)
		listeners_resume(s);
	for (i = 0; i < n; i++) {
		if (ev[i].data.u64 & EV_LISTENER) {
			if (can_read)
				listener_accept(s, &s->listeners[ev[i].data.u64 &
								0xff]);
			continue;
		}
		conn_event(s, ev[i].data.u64, ev[i].events, can_read);
		if (can_read)
			work++;
	}
	burst_dispatch(s);
	dirty_run(s);
	/* While this lcore makes its connections wait, none is idle. */
	if (now >= s->next_idle_check && !blocked(s) &&
	    s->pending < s->max_pending) {
		idle_check(s, now);
		s->next_idle_check = now + rte_get_tsc_hz();
	}
	if (work == 0 && !can_read && wait_us > 0)
		rte_delay_us_sleep(wait_us);
	return work;
}

/* ---- life cycle -------------------------------------------------------- */

static int
listener_open(struct sl_stream *s, struct sl_stream_listener *l,
	      const struct sl_addr *a, int reuseport, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct epoll_event ev;
	char text[SL_ADDR_STRLEN];
	socklen_t sl;
	int one = 1;

	sl_addr_format(a, text);
	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->ip, 4);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->port);
		memcpy(&in6->sin6_addr, a->ip, 16);
		sl = sizeof(*in6);
	}
	l->fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0) {
		snprintf(err, errlen, "[input.%s] socket: %s", l->name,
			 strerror(errno));
		return -1;
	}
	if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (reuseport && setsockopt(l->fd, SOL_SOCKET, SO_REUSEPORT, &one,
				     sizeof(one)) != 0)) {
		snprintf(err, errlen, "[input.%s] setsockopt: %s", l->name,
			 strerror(errno));
		return -1;
	}
	if (bind(l->fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(err, errlen, "[input.%s] listen %s: bind: %s", l->name,
			 text, strerror(errno));
		return -1;
	}
	if (listen(l->fd, STREAM_LISTEN_BACKLOG) != 0) {
		snprintf(err, errlen, "[input.%s] listen %s: %s", l->name, text,
			 strerror(errno));
		return -1;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = EV_LISTENER | (uint64_t)(l - s->listeners);
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, l->fd, &ev) != 0) {
		snprintf(err, errlen, "[input.%s] epoll_ctl: %s", l->name,
			 strerror(errno));
		return -1;
	}
	return 0;
}

struct sl_stream *
sl_stream_create(const struct sl_stream_params *p, char *err, size_t errlen)
{
	const struct sl_config *cfg = p->cfg;
	const struct {
		const struct sl_config_stream *st;
		const char *name;
		int relp;
	} in[SL_STREAM_LISTENERS] = {
		{ &cfg->tcp, "tcp", 0 },
		{ &cfg->tls_in, "tls", 0 },
		{ &cfg->relp, "relp", 1 },
	};
	struct rte_hash_parameters hp = { 0 };
	char name[RTE_HASH_NAMESIZE];
	struct sl_stream *s;
	unsigned i;

	s = rte_zmalloc_socket("sl_stream", sizeof(*s), RTE_CACHE_LINE_SIZE,
			       p->socket);
	if (s == NULL) {
		snprintf(err, errlen, "stream %u: out of memory", p->id);
		return NULL;
	}
	s->id = p->id;
	s->epfd = -1;
	for (i = 0; i < SL_STREAM_LISTENERS; i++)
		s->listeners[i].fd = -1;
	s->mp = p->mp;
	s->n_workers = p->rings->n_workers;
	for (i = 0; i < s->n_workers; i++)
		s->replies[i] = p->replies[i];
	s->stats = sl_stats_self();
	s->max_message = cfg->max_message;
	s->max_conns = cfg->stream_max_connections;
	s->max_per_source = cfg->stream_max_per_source;
	s->max_pending = cfg->stream_max_pending;
	s->max_output = cfg->stream_max_output;
	s->relp_window = cfg->relp_window;
	s->idle_tsc = rte_get_tsc_hz() / 1000 * cfg->stream_idle_timeout_ms;
	s->burst_size = RTE_MIN(cfg->burst, (unsigned)SL_BURST_MAX);
	s->rbuf_cap = 2 * (cfg->max_message + SL_RELP_HEADROOM);
	s->disp = rte_zmalloc_socket("sl_stream_disp", sizeof(*s->disp),
				     RTE_CACHE_LINE_SIZE, p->socket);
	s->conns = rte_zmalloc_socket("sl_stream_conns",
				      sizeof(*s->conns) * s->max_conns,
				      RTE_CACHE_LINE_SIZE, p->socket);
	s->backlog = rte_malloc_socket("sl_stream_backlog",
		sizeof(*s->backlog) * s->max_conns, 0, p->socket);
	s->backlog_work = rte_malloc_socket("sl_stream_backlog",
		sizeof(*s->backlog) * s->max_conns, 0, p->socket);
	s->dirty = rte_malloc_socket("sl_stream_dirty",
		sizeof(*s->dirty) * s->max_conns, 0, p->socket);
	snprintf(name, sizeof(name), "sl_strsrc_%u", p->id);
	hp.name = name;
	hp.entries = RTE_MAX(s->max_conns, 8u);
	hp.key_len = sizeof(struct sl_addr);
	hp.socket_id = p->socket;
	/* Never refuse a host for a full bucket below capacity. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	/* Positions run up to hp.entries - 1. */
	s->src_counts = rte_malloc_socket("sl_stream_srcs",
		sizeof(*s->src_counts) * hp.entries, 0, p->socket);
	s->rbuf = rte_malloc_socket("sl_stream_rbuf", s->rbuf_cap, 0, p->socket);
	s->src_index = rte_hash_create(&hp);
	if (s->disp == NULL || s->conns == NULL || s->backlog == NULL ||
	    s->backlog_work == NULL || s->dirty == NULL ||
	    s->src_counts == NULL || s->rbuf == NULL || s->src_index == NULL) {
		snprintf(err, errlen, "stream %u: out of memory for %u connections",
			 p->id, s->max_conns);
		goto fail;
	}
	sl_dispatcher_init(s->disp, p->rings, p->producer, 1, s->stats);
	s->free_head = SLOT_NONE;
	for (i = s->max_conns; i > 0; i--) {
		s->conns[i - 1].next_free = s->free_head;
		s->free_head = i - 1;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		snprintf(err, errlen, "stream %u: epoll_create1: %s", p->id,
			 strerror(errno));
		goto fail;
	}
	for (i = 0; i < SL_STREAM_LISTENERS; i++) {
		struct sl_stream_listener *l = &s->listeners[s->n_listeners];

		if (!in[i].st->enabled)
			continue;
		l->relp = in[i].relp;
		l->framing = in[i].st->framing;
		l->tls = in[i].st->tls ? p->tls : NULL;
		l->input = (uint16_t)(0x100 + i);
		l->name = in[i].name;
		s->n_listeners++;
		if (listener_open(s, l, &in[i].st->listen, p->reuseport, err,
				  errlen) != 0)
			goto fail;
	}
	return s;
fail:
	sl_stream_free(s);
	return NULL;
}

void
sl_stream_bind(struct sl_stream *s)
{
	s->stats = sl_stats_self();
	s->disp->stats = s->stats;
}

void
sl_stream_stop(struct sl_stream *s)
{
	uint32_t slot;
	unsigned i;

	s->stopping = 1;
	for (i = 0; i < s->n_listeners; i++) {
		if (s->listeners[i].fd >= 0 && close(s->listeners[i].fd) != 0)
			SL_LOG(DEBUG, "stream %u: close: %s", s->id,
			       strerror(errno));
		s->listeners[i].fd = -1;
	}
	for (slot = 0; slot < s->max_conns; slot++)
		if (s->conns[slot].state != SL_CONN_FREE)
			conn_update_events(s, &s->conns[slot], slot);
}

int
sl_stream_handed_off(const struct sl_stream *s)
{
	return s->n_burst == 0 && sl_dispatch_pending(s->disp) == 0 &&
	       s->n_backlog == 0;
}

void
sl_stream_close_all(struct sl_stream *s)
{
	char bye[32];
	uint32_t slot;
	size_t n;

	if (s->n_burst > 0) {
		rte_pktmbuf_free_bulk(s->burst, s->n_burst);
		SL_STAT_DROP(s->stats, SL_DROP_SHUTDOWN, s->n_burst);
		s->n_burst = 0;
	}
	sl_dispatch_discard(s->disp, SL_DROP_SHUTDOWN);
	if (s->answer_us.count > 0)
		SL_LOG(NOTICE, "stream %u: %" PRIu64 " RELP answer(s) from Kafka, read to answer p50=%" PRIu64
		       "us p99=%" PRIu64 "us p99.9=%" PRIu64 "us max=%" PRIu64 "us",
		       s->id, s->answer_us.count,
		       sl_hist_quantile(&s->answer_us, 0.5),
		       sl_hist_quantile(&s->answer_us, 0.99),
		       sl_hist_quantile(&s->answer_us, 0.999), s->answer_us.max);
	n = sl_relp_serverclose(bye, sizeof(bye));
	for (slot = 0; slot < s->max_conns; slot++) {
		struct sl_stream_conn *c = &s->conns[slot];

		if (c->state == SL_CONN_FREE)
			continue;
		if (c->relp && c->relp_open && c->state == SL_CONN_OPEN &&
		    out_reserve(s, c, (uint32_t)n) == 0) {
			memcpy(c->out + c->out_len, bye, n);
			c->out_len += (uint32_t)n;
		}
		if (c->out_len > c->out_off)
			conn_flush(s, c, slot);
		conn_close(s, slot);
	}
}

void
sl_stream_free(struct sl_stream *s)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < SL_STREAM_LISTENERS; i++)
		if (s->listeners[i].fd >= 0 && close(s->listeners[i].fd) != 0)
			SL_LOG(DEBUG, "stream %u: close: %s", s->id,
			       strerror(errno));
	if (s->epfd >= 0 && close(s->epfd) != 0)
		SL_LOG(DEBUG, "stream %u: close: %s", s->id, strerror(errno));
	rte_hash_free(s->src_index);
	rte_free(s->rbuf);
	rte_free(s->src_counts);
	rte_free(s->dirty);
	rte_free(s->backlog_work);
	rte_free(s->backlog);
	rte_free(s->conns);
	rte_free(s->disp);
	rte_free(s);
}
