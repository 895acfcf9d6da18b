/* sl_source-t.h: per-source accounting owned by one worker. */
#ifndef SL_SOURCE_T_H
#define SL_SOURCE_T_H

#include <stdint.h>

#include "sl_ack-t.h"
#include "sl_meta-t.h"
#include "sl_stats-t.h"

struct sl_batch;

#define SL_SOURCE_HOST_MAX 64
#define SL_SOURCE_SITE_MAX 32
#define SL_LAG_SLOTS       8

/* Receive times of a source's unacknowledged messages, oldest first, in
 * runs: slot i holds n[i] messages received at rx_ns[i] or later (and
 * before the next slot's time). Invariants: len <= SL_LAG_SLOTS; the
 * slots head..head+len-1 (mod SL_LAG_SLOTS) are in receive order and
 * their n add up to the source's unacknowledged count, as long as its
 * reports come back in the order it was produced (one partition per
 * source); when the ring is full a new message joins the newest run, so
 * the oldest time stays exact and only the newer ones coarsen. */
struct sl_lag {
	uint64_t rx_ns[SL_LAG_SLOTS];
	uint32_t n[SL_LAG_SLOTS];
	uint8_t head;
	uint8_t len;
};

/* How a site name is taken from a hostname: the field-th part (1-based)
 * of the hostname split at separator; field 0 turns sites off. */
struct sl_site_rule {
	char separator;
	unsigned field;
};

/* What a worker knows of one sending host. Invariants: addr.port is 0
 * (a source is a host, not a socket) and addr.family is 0 only on a free
 * entry and the overflow entry; only the owning worker writes the
 * counters (others read them unsynchronised: each is one aligned 64-bit
 * word); delivered + failed <= msgs_in, and msgs_in - delivered - failed
 * is the number still waiting for Kafka (unacknowledged), whose receive
 * times lag keeps; a struct sl_source is never freed, moved or reused
 * while any of its messages is in flight, because delivery reports point
 * at it (an entry is evicted only with nothing unacknowledged);
 * ip_text[0..ip_len) is addr's IP as text, kept so the record key and
 * headers cost no formatting per message; host[0..host_len) is the
 * HOSTNAME of its latest message that had one, site[0..site_len) the site
 * the rule derives from it; drops[] counts its messages not delivered,
 * by reason, among those the worker had already matched to it;
 * batch/batch_slot are only a hint of the batcher (sl_batch_add): the
 * batch it last joined and its slot in that batch's srcs[], trusted only
 * once that slot is seen to hold it. */
struct sl_source {
	struct sl_ack_tag tag;           /* partition_hash: sl_addr_hash */
	uint32_t owner;                  /* worker that owns the entry */
	struct sl_addr addr;
	uint64_t msgs_in;
	uint64_t bytes_in;
	uint64_t delivered;
	uint64_t failed;
	uint64_t first_rx_ns;
	uint64_t last_rx_ns;
	uint64_t drops[SL_DROP__COUNT];
	const struct sl_batch *batch;
	uint32_t batch_slot;
	struct sl_lag lag;
	uint8_t paused;                  /* sluicectl pause-source */
	uint8_t site_gen;                /* the table's site_gen it was made by */
	uint8_t ip_len;                  /* 0 on the overflow entry */
	uint8_t host_len;
	uint8_t site_len;
	char ip_text[46];                /* the IP as text, made once */
	char host[SL_SOURCE_HOST_MAX];
	char site[SL_SOURCE_SITE_MAX];
};

/* A worker's table of sources. Invariants: used entries of
 * entries[0..capacity) are live (addr.family != 0), indexed by their
 * position in index; entries[capacity] is the overflow source (family 0)
 * that counts everything from hosts beyond capacity once no idle entry
 * can be evicted, so nothing goes uncounted; evict_cursor is where the
 * search for an idle entry goes on next time; an entry idle for
 * idle_ns with nothing unacknowledged may be evicted (evicted counts
 * them). recent[0..recent_mask] (recent_mask + 1 a power of two) is a
 * direct-mapped cache in front of index: each slot is NULL or a live
 * entry of entries[0..capacity) (eviction clears the slot of the entry it
 * frees), so a hit needs only its address compared with the key. */
struct sl_source_table {
	struct rte_hash *index;   /* addr -> position in entries */
	struct sl_source **recent;
	uint32_t recent_mask;
	unsigned owner;           /* worker id */
	unsigned capacity;
	unsigned used;
	unsigned evict_cursor;
	uint64_t idle_ns;
	uint64_t evicted;
	uint64_t overflowed;      /* messages counted on the overflow entry */
	struct sl_site_rule site_rule;
	uint8_t site_gen;         /* changes with the site rule (reload) */
	struct sl_source *entries;
};

#endif
