/* sl_sockudp-t.h: a kernel UDP socket read in bursts into mbufs. */
#ifndef SL_SOCKUDP_T_H
#define SL_SOCKUDP_T_H

#include <stdint.h>
#include <sys/socket.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sl_ring-t.h"
#include "sl_stats-t.h"

/* Largest UDP payload the kernel can hand over (65535 - 8 - 20). */
#define SL_SOCKUDP_MAX_DGRAM 65507

/* One SO_REUSEPORT socket, owned by one receive lcore. Invariants:
 * mbufs[i] is allocated for every i < burst whose slot is armed (iov[i][0]
 * points into it); a datagram that does not fit in its mbuf spills into
 * overflow + i * slot (slot = what max_message needs) and is copied into chained mbufs,
 * so small datagrams land in their mbuf with no copy at all; kernel_drops
 * is the last drop count the kernel reported, so only its increase is
 * counted (as SL_DROP_SOCKET_FULL). Slots [0, armed) are armed but for
 * [0, stale), which the last read filled (the kernel rewrote their
 * headers and their mbufs may be gone): only those are set up again, not
 * the whole burst for every read. drained says the last read found fewer
 * datagrams than it had room for: the socket was empty. */
struct sl_sockudp {
	int fd;
	unsigned burst;
	uint16_t input;
	uint32_t max_message;
	struct rte_mempool *mp;
	struct sl_lcore_stats *stats;
	uint8_t *overflow;
	uint32_t slot;      /* bytes of overflow per datagram */
	struct rte_mbuf *mbufs[SL_BURST_MAX];
	struct mmsghdr msgs[SL_BURST_MAX];
	struct iovec iov[SL_BURST_MAX][2];
	struct sockaddr_storage from[SL_BURST_MAX];
	/* SO_RXQ_OVFL: the kernel's running count of datagrams this socket
	 * dropped for want of buffer, delivered as a control message. */
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} control[SL_BURST_MAX];
	uint32_t kernel_drops;
	unsigned armed;
	unsigned stale;
	int drained;
};

#endif
