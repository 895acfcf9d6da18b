/* sl_stream.h: a stream lcore: accepts kernel TCP connections (syslog
 * over TCP with LF or octet-counting framing, syslog over TLS, RELP with
 * or without TLS), frames their bytes into messages, hands them to the
 * workers of their sources through the rings, and answers RELP commands
 * once the workers report the Kafka outcome (sl_ack.h).
 *
 * Backpressure: when a ring is full the dispatcher holds the hand-off
 * and this lcore frames nothing more, so it reads nothing more, the
 * kernel's receive buffers fill and the TCP windows close; a RELP
 * session also stops being read while its window of unanswered commands
 * or its unsent responses are full. No buffer here grows without bound:
 * per connection at most max_message plus a frame header of input and
 * max_output of responses; per lcore max_pending answers in flight.
 */
#ifndef SL_STREAM_H
#define SL_STREAM_H

#include "sl_stream-t.h"

/* What a stream lcore is made from. replies[w] is the ring worker w
 * answers this lcore on (the caller's; room for max_pending tokens). */
struct sl_stream_params {
	unsigned id;
	const struct sl_config *cfg;
	SSL_CTX *tls;                      /* NULL when no listener uses TLS */
	struct rte_mempool *mp;
	const struct sl_ring_set *rings;
	unsigned producer;                 /* this lcore's index in rings */
	struct rte_ring *const *replies;
	int reuseport;                     /* several stream lcores listen */
	int socket;
};

/* Creates stream lcore p->id and opens its listening sockets. Returns it,
 * or NULL with the reason (which listener, which call) in err. */
struct sl_stream *sl_stream_create(const struct sl_stream_params *p,
				   char *err, size_t errlen);

/* Binds s's counters to the calling lcore. Call on the lcore that runs
 * it, before the first sl_stream_poll(). */
void sl_stream_bind(struct sl_stream *s);

/* One round: answers, hand-off, backlog, then up to one batch of socket
 * events, waiting at most wait_us for them when there is nothing else to
 * do. Returns the amount of work done (0 when idle). */
unsigned sl_stream_poll(struct sl_stream *s, unsigned wait_us);

/* Shutdown, first step: closes the listeners and stops reading
 * connections; what was read is still framed and handed off, and answers
 * still go out. */
void sl_stream_stop(struct sl_stream *s);

/* Returns 1 once s holds no message any more (everything framed was
 * handed to the rings), else 0. */
int sl_stream_handed_off(const struct sl_stream *s);

/* Returns the number of answers s still waits for from the workers. */
static inline uint32_t
sl_stream_pending(const struct sl_stream *s)
{
	return s->pending;
}

/* Shutdown, last step: frees what s still holds (counted as dropped at
 * shutdown), tells every open RELP session "serverclose", and closes
 * every connection. */
void sl_stream_close_all(struct sl_stream *s);

/* Frees s (after sl_stream_close_all). NULL is fine. */
void sl_stream_free(struct sl_stream *s);

#endif
