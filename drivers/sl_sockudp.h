/* sl_sockudp.h: the kernel-socket UDP input, for boxes without a DPDK
 * NIC: one SO_REUSEPORT socket per receive lcore, recvmmsg bursts. */
#ifndef SL_SOCKUDP_H
#define SL_SOCKUDP_H

#include <stddef.h>

#include "sl_meta-t.h"
#include "sl_sockudp-t.h"

/* Opens a socket bound to listen with a receive buffer of rcvbuf bytes
 * (SO_RCVBUFFORCE, so the sysctl cap does not apply to root). With
 * reuseport set (several receive lcores) each lcore opens its own with
 * SO_REUSEPORT and the kernel spreads flows (by address and port) over
 * them; without it, a second process on the same port fails to bind
 * instead of silently taking half the traffic. Returns the socket state
 * (rte_malloc'd), or NULL with a reason in err. */
struct sl_sockudp *sl_sockudp_open(const struct sl_addr *listen,
				   unsigned rcvbuf, int reuseport,
				   unsigned burst, uint32_t max_message,
				   uint16_t input, struct rte_mempool *mp,
				   char *err, size_t errlen);

/* Reads and counts as SL_DROP_SHUTDOWN what is still queued in the
 * socket (for at most 100 ms), then counts the drops the kernel made
 * since the last datagram read (SO_MEMINFO). Call once, at shutdown,
 * from the lcore that owns s. Returns the number read and dropped. */
unsigned sl_sockudp_discard(struct sl_sockudp *s);

/* Closes the socket and frees its mbufs and buffers. */
void sl_sockudp_close(struct sl_sockudp *s);

/* Binds the counters to the calling lcore. */
void sl_sockudp_bind(struct sl_sockudp *s);

/* Reads what is queued, without waiting, up to one burst. Each datagram
 * becomes an mbuf (chained when large) with sl_meta filled, written to
 * out[]; ownership passes to the caller. Empty and oversize datagrams are
 * counted and skipped. Returns the number written to out (room for burst
 * entries needed). */
unsigned sl_sockudp_rx(struct sl_sockudp *s, struct rte_mbuf **out,
		       uint64_t rx_ns);

/* Returns 1 when the last read found fewer datagrams than a burst (the
 * socket had nothing more queued), else 0. */
int sl_sockudp_drained(const struct sl_sockudp *s);

#endif
