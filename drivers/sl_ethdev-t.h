/* sl_ethdev-t.h: DPDK ethdev ports and their receive queues. */
#ifndef SL_ETHDEV_T_H
#define SL_ETHDEV_T_H

#include <stdint.h>

#include "sl_pkt-t.h"
#include "sl_ring-t.h"

/* One receive queue of one port, polled by exactly one receive lcore,
 * which also transmits that queue's replies on the tx queue of the same
 * number. Invariants: pkt is this queue's own packet context (its frag
 * table is private to the lcore). */
struct sl_ethdev_rxq {
	uint16_t port_id;
	uint16_t queue;
	unsigned burst;
	struct sl_pkt_ctx pkt;
};

#endif
