/* sl_mempool.h: the mbuf pools sluice receives into. */
#ifndef SL_MEMPOOL_H
#define SL_MEMPOOL_H

#include <rte_mempool.h>

/* Creates a pool of n packet mbufs with cache per-lcore cache entries,
 * data_room bytes of buffer each (headroom included) and SL_META_PRIV_SIZE
 * bytes of private area for struct sl_meta, on NUMA node socket. Returns
 * the pool, or NULL with rte_errno set. The caller frees it with
 * rte_mempool_free() once no mbuf of it is in use. */
struct rte_mempool *sl_mempool_create(const char *name, unsigned n,
				      unsigned cache, uint16_t data_room,
				      int socket);

#endif
