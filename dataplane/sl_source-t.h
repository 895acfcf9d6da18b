/* sl_source-t.h: per-source accounting owned by one worker. */
#ifndef SL_SOURCE_T_H
#define SL_SOURCE_T_H

#include <stdint.h>

#include "sl_ack-t.h"
#include "sl_meta-t.h"

/* What a worker knows of one sending host. Invariants: addr.port is 0
 * (a source is a host, not a socket); only the owning worker writes the
 * counters; delivered + failed <= msgs_in, and msgs_in - delivered -
 * failed is the number still waiting for Kafka (unacknowledged); a struct
 * sl_source is never freed or moved while any of its messages is in
 * flight, because delivery reports point at it; ip_text[0..ip_len) is
 * addr's IP as text (INET6_ADDRSTRLEN - 1 at most), kept so the record
 * key and headers cost no formatting per message. */
struct sl_source {
	struct sl_ack_tag tag;           /* partition_hash: sl_addr_hash */
	uint32_t owner;                  /* worker that owns the entry */
	struct sl_addr addr;
	uint64_t msgs_in;
	uint64_t bytes_in;
	uint64_t delivered;
	uint64_t failed;
	uint64_t last_rx_ns;
	uint8_t ip_len;                  /* 0 on the overflow entry */
	char ip_text[46];                /* the IP as text, made once */
};

/* A worker's table of sources. Invariants: entries[0..used) are live
 * sources; entries[capacity] is the overflow source (family 0) that counts
 * everything from hosts beyond capacity, so nothing goes uncounted. */
struct sl_source_table {
	struct rte_hash *index;   /* addr -> position in entries */
	unsigned owner;           /* worker id */
	unsigned capacity;
	unsigned used;
	uint64_t overflowed;      /* messages counted on the overflow entry */
	struct sl_source *entries;
};

#endif
