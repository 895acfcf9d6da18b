/* sl_ethdev-t.h: DPDK ethdev ports and their receive queues. */
#ifndef SL_ETHDEV_T_H
#define SL_ETHDEV_T_H

#include <stdint.h>

#include "sl_pkt-t.h"
#include "sl_ring-t.h"

/* One receive queue of one port, polled by exactly one receive lcore,
 * which also transmits that queue's replies on the tx queue of the same
 * number. Invariants: pkt is this queue's own packet context (its frag
 * table is private to the lcore); with an exception interface
 * (pkt.exception), the same lcore owns queue pair `queue` of exc_port:
 * it sends the kernel's frames there and the kernel's answers out on
 * this port's tx queue. */
struct sl_ethdev_rxq {
	uint16_t port_id;
	uint16_t queue;
	uint16_t exc_port;
	unsigned burst;
	struct sl_pkt_ctx pkt;
};

#endif
