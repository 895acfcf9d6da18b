/* sl_source.h: the per-worker table of sending hosts and their counters. */
#ifndef SL_SOURCE_H
#define SL_SOURCE_H

#include <stdio.h>

#include "sl_source-t.h"

/* Creates the table of worker owner for up to capacity sources (plus the
 * overflow entry), its hash named name (unique per process), on NUMA node
 * socket; a source idle for idle_ns with nothing unacknowledged may be
 * evicted to make room; rule derives sites from hostnames. Returns the
 * table, or NULL with rte_errno set. Freed with sl_source_table_free. */
struct sl_source_table *sl_source_table_create(const char *name,
					       unsigned capacity, int socket,
					       unsigned owner, uint64_t idle_ns,
					       const struct sl_site_rule *rule);

void sl_source_table_free(struct sl_source_table *t);

/* Returns the entry of the host of a (port ignored), whose sl_addr_hash is
 * hash, creating it on first sight (evicting an idle source when the
 * table is full, now_ns being the wall clock); when no room can be made,
 * the overflow entry. Never NULL. Only the owning worker may call it. */
struct sl_source *sl_source_get(struct sl_source_table *t,
				const struct sl_addr *a, uint32_t hash,
				uint64_t now_ns);

/* Counts one message of len bytes received at rx_ns as taken in (and
 * unacknowledged until settled). */
static inline void
sl_source_received(struct sl_source *s, uint64_t rx_ns, uint32_t len)
{
	struct sl_lag *l = &s->lag;
	unsigned tail;

	if (s->msgs_in == 0)
		s->first_rx_ns = rx_ns;
	s->msgs_in++;
	s->bytes_in += len;
	s->last_rx_ns = rx_ns;
	if (l->len > 0) {
		tail = (l->head + l->len - 1u) % SL_LAG_SLOTS;
		/* Runs of a millisecond: a busy source costs no slot churn. */
		if (l->len == SL_LAG_SLOTS || rx_ns < l->rx_ns[tail] + 1000000u) {
			l->n[tail]++;
			return;
		}
	}
	tail = (l->head + l->len) % SL_LAG_SLOTS;
	l->rx_ns[tail] = rx_ns;
	l->n[tail] = 1;
	l->len++;
}

/* Counts n unacknowledged messages of s, its oldest first, as delivered
 * (or failed when delivered is 0). */
static inline void
sl_source_settled(struct sl_source *s, uint32_t n, int delivered)
{
	struct sl_lag *l = &s->lag;

	if (delivered)
		s->delivered += n;
	else
		s->failed += n;
	while (n > 0 && l->len > 0) {
		uint32_t k = n < l->n[l->head] ? n : l->n[l->head];

		l->n[l->head] -= k;
		n -= k;
		if (l->n[l->head] == 0) {
			l->head = (uint8_t)((l->head + 1u) % SL_LAG_SLOTS);
			l->len--;
		}
	}
}

/* Counts n messages of s, already settled or never taken in, as dropped
 * for reason r. */
static inline void
sl_source_dropped(struct sl_source *s, enum sl_drop_reason r, uint32_t n)
{
	s->drops[r] += n;
}

/* Returns the number of messages of s not yet acknowledged by Kafka. */
static inline uint64_t
sl_source_unacked(const struct sl_source *s)
{
	return s->msgs_in - s->delivered - s->failed;
}

/* Returns how long the oldest unacknowledged message of s has waited at
 * now_ns, in ns (0 when nothing waits). Read by other threads too: the
 * answer may be a moment stale, never out of the ring's bounds. */
static inline uint64_t
sl_source_lag_ns(const struct sl_source *s, uint64_t now_ns)
{
	unsigned head = s->lag.head % SL_LAG_SLOTS;
	uint64_t oldest;

	if (s->lag.len == 0)
		return 0;
	oldest = s->lag.rx_ns[head];
	return now_ns > oldest ? now_ns - oldest : 0;
}

/* Records the HOSTNAME of s's latest message (host[0..len)), and the site
 * rule's site of it, when it changed. */
void sl_source_learn_host(struct sl_source_table *t, struct sl_source *s,
			  const uint8_t *host, uint32_t len);

/* Writes the site rule's site of hostname host[0..len) into out (cap
 * bytes, NUL-terminated). Returns its length (0: no site). */
size_t sl_site_of(const struct sl_site_rule *rule, const uint8_t *host,
		  size_t len, char *out, size_t cap);

/* Writes one line per source of t to f, busiest first, at most max lines
 * (then a line saying how many more), each "label host=IP in=N bytes=N
 * delivered=N failed=N unacked=N", and one for the overflow entry when
 * it counted anything. Only call it while the owning worker is stopped:
 * it reads the counters without synchronisation. */
void sl_source_table_print(const struct sl_source_table *t, FILE *f,
			   const char *label, unsigned max);

#endif
