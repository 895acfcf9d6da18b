/* sl_stream-t.h: a stream lcore: the kernel TCP connections of syslog
 * over TCP, syslog over TLS and RELP, framed into messages for the
 * workers, and the RELP answers the workers release. */
#ifndef SL_STREAM_T_H
#define SL_STREAM_T_H

#include <stdint.h>

#include <openssl/ssl.h>
#include <rte_hash.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "sl_config-t.h"
#include "sl_frame-t.h"
#include "sl_hist.h"
#include "sl_meta-t.h"
#include "sl_relp-t.h"
#include "sl_ring-t.h"
#include "sl_stats-t.h"

#define SL_STREAM_LISTENERS 3

/* One listening socket of this lcore. Invariants: fd is non-blocking;
 * tls is the server context when the listener speaks TLS, else NULL
 * (shared by every stream lcore, never modified after start). */
struct sl_stream_listener {
	int fd;
	int relp;                  /* RELP, else syslog framing */
	enum sl_framing framing;   /* syslog: the configured framing */
	SSL_CTX *tls;
	uint16_t input;
	const char *name;          /* "tcp", "tls", "relp" */
};

enum sl_stream_conn_state {
	SL_CONN_FREE = 0,
	SL_CONN_HANDSHAKE,         /* TLS handshake in progress */
	SL_CONN_OPEN,
	SL_CONN_CLOSING,           /* sends what is queued, then closes */
};

/* One connection. Invariants: a slot is in use exactly when state is
 * not SL_CONN_FREE; gen changes every time the slot is taken, so an
 * answer for an earlier connection of the slot is recognised as stale;
 * in[0..in_len) are bytes read and not framed yet (malloc'd, at most two
 * reads' worth: 2 x (max_message + SL_RELP_HEADROOM)); a connection that
 * keeps input asks for no EPOLLIN while it waits on the backlog, paused,
 * or after its end; out[out_off..out_len) are response bytes not
 * written yet (malloc'd, out_cap <= max_output); win holds the RELP
 * commands still owed a response, in txnr order; paused means EPOLLIN is
 * off because the window or the output is full; in_backlog means the
 * slot is on the lcore's backlog list (it has input waiting for room in
 * the rings, or TLS records OpenSSL read ahead) and dirty that it is on
 * the list of connections with answers to write; both flags outlive a
 * close, so a reused slot is never listed twice. */
struct sl_stream_conn {
	int fd;
	uint32_t gen;
	uint8_t state;
	uint8_t relp;
	uint8_t relp_open;         /* "open" was answered */
	uint8_t paused;
	uint8_t want_write;        /* EPOLLOUT is on */
	uint8_t in_backlog;
	uint8_t dirty;             /* on the lcore's list of news to answer */
	uint8_t eof;               /* the peer closed its side */
	uint8_t close_when_done;   /* RELP "close" answered: end then */
	uint32_t ev;               /* the epoll events asked for now */
	uint32_t relp_skip;        /* bytes of a refused frame still to skip */
	const struct sl_stream_listener *l;
	SSL *ssl;
	struct sl_addr peer;
	uint32_t src_hash;
	int32_t src_pos;           /* per-source count entry */
	struct sl_frame_state frame;
	uint8_t *in;
	uint32_t in_len;
	uint32_t in_cap;
	char *out;
	uint32_t out_off;
	uint32_t out_len;
	uint32_t out_cap;
	uint32_t close_txnr;       /* the RELP "close" to end with */
	struct sl_relp_window win;
	uint64_t *rx_tsc;          /* RELP: when each window entry was read */
	uint64_t last_tsc;         /* last input, for idle_timeout */
	uint32_t next_free;
};

/* A stream lcore. Invariants: only its lcore touches it after start;
 * conns[0..max_conns) with the free slots chained from free_head
 * (UINT32_MAX ends the chain); pending is the number of tokens handed to
 * workers and not answered yet, at most max_pending, which every reply
 * ring can hold; burst[0..n_burst) are framed messages not dispatched
 * yet; while the dispatcher holds messages (rings full) no input is
 * framed, and conns with input left wait on backlog[0..n_backlog)
 * (backlog_work is the copy a round works through); dirty[0..n_dirty)
 * are the connections with answers to write this round; src_counts[] is
 * indexed by the position src_index gives a source. */
struct sl_stream {
	unsigned id;
	int epfd;
	unsigned n_listeners;
	struct sl_stream_listener listeners[SL_STREAM_LISTENERS];
	struct rte_mempool *mp;
	struct sl_dispatcher *disp;
	unsigned n_workers;
	struct rte_ring *replies[SL_MAX_WORKERS];
	struct sl_lcore_stats *stats;
	uint32_t max_message;
	uint32_t max_conns;
	uint32_t max_per_source;
	uint32_t max_pending;
	uint32_t max_output;
	uint32_t relp_window;
	uint64_t idle_tsc;
	unsigned burst_size;
	uint32_t used;
	uint32_t pending;
	uint32_t free_head;
	struct sl_stream_conn *conns;
	struct rte_hash *src_index;
	uint32_t *src_counts;
	uint32_t n_backlog;
	uint32_t *backlog;
	uint32_t *backlog_work;
	uint32_t n_dirty;
	uint32_t *dirty;
	uint8_t *rbuf;             /* framing buffer, rbuf_cap bytes */
	uint32_t rbuf_cap;
	unsigned n_burst;
	struct rte_mbuf *burst[SL_BURST_MAX];
	uint64_t next_idle_check;
	uint64_t accept_pause_until;
	int accept_paused;         /* listeners out of epoll (no descriptors) */
	int starved;               /* the mbuf pool ran dry this round */
	int stopping;              /* no accepting, no new input */
	uint64_t log_window_tsc;   /* rate limit of per-connection logs */
	unsigned log_count;
	uint64_t log_suppressed;
	struct sl_hist answer_us;  /* RELP syslog: read to answer released */
};

#endif
