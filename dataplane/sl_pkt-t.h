/* sl_pkt-t.h: types of the packet stage (frames from DPDK ports to
 * syslog payload mbufs, and the small replies the appliance answers). */
#ifndef SL_PKT_T_H
#define SL_PKT_T_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip_frag.h>

#include "sl_meta-t.h"
#include "sl_stats-t.h"

/* Per-receive-lcore, per-port packet context. Invariants: owned by one
 * lcore (the frag table is not thread-safe); has_ip4/has_ip6 say whether
 * ip4/ip6 hold the appliance's address on this port (ARP, ICMP echo,
 * neighbour discovery are answered only for those); a UDP datagram is
 * taken when its destination port is listen_port and its destination
 * address is ours or listen_any is set (listen_any never takes a group
 * address); frag_tbl may be NULL (fragments are then dropped as
 * SL_DROP_FRAGMENT); death_row is empty between sl_pkt_process calls;
 * stats points to the owning lcore's counters; with exception set, the
 * kernel behind the port's exception interface owns the address for
 * everything but the listened UDP port: ARP, ICMP, TCP and the rest to
 * our address go to it instead of being answered or dropped here. */
struct sl_pkt_ctx {
	struct rte_ether_addr mac;
	int has_ip4;
	uint32_t ip4;              /* network byte order */
	int has_ip6;
	uint8_t ip6[16];
	uint16_t listen_port;      /* host byte order */
	int listen_any;
	uint32_t max_message;      /* larger UDP payloads: SL_DROP_OVERSIZE */
	uint16_t input;            /* copied into sl_meta.input */
	int exception;             /* a kernel interface takes the rest */
	struct rte_ip_frag_tbl *frag_tbl;
	struct rte_ip_frag_death_row death_row;
	struct sl_lcore_stats *stats;
};

#endif
