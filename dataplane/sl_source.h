/* sl_source.h: the per-worker table of sending hosts and their counters. */
#ifndef SL_SOURCE_H
#define SL_SOURCE_H

#include <stdio.h>

#include "sl_source-t.h"

/* Creates the table of worker owner for up to capacity sources (plus the
 * overflow entry), its hash named name (unique per process), on NUMA node
 * socket. Returns
 * the table, or NULL with rte_errno set. Freed with sl_source_table_free. */
struct sl_source_table *sl_source_table_create(const char *name,
					       unsigned capacity, int socket,
					       unsigned owner);

void sl_source_table_free(struct sl_source_table *t);

/* Returns the entry of the host of a (port ignored), whose sl_addr_hash is
 * hash, creating it on first sight; when the table is full, the overflow
 * entry. Never NULL. Only the owning worker may call it. */
struct sl_source *sl_source_get(struct sl_source_table *t,
				const struct sl_addr *a, uint32_t hash);

/* Writes one line per source of t to f, busiest first, at most max lines
 * (then a line saying how many more), each "label host=IP in=N bytes=N
 * delivered=N failed=N unacked=N", and one for the overflow entry when
 * it counted anything. Only call it while the owning worker is stopped:
 * it reads the counters without synchronisation. */
void sl_source_table_print(const struct sl_source_table *t, FILE *f,
			   const char *label, unsigned max);

#endif
