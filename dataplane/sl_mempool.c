/* sl_mempool.c: mbuf pools with room for struct sl_meta. */
#include <rte_mbuf.h>

#include "sl_meta.h"
#include "sl_mempool.h"

struct rte_mempool *
sl_mempool_create(const char *name, unsigned n, unsigned cache,
		  uint16_t data_room, int socket)
{
	return rte_pktmbuf_pool_create(name, n, cache, SL_META_PRIV_SIZE,
				       data_room, socket);
}
