/* sl_exception.h: the exception path of a DPDK port: a kernel interface
 * (DPDK's net_tap) with the port's MAC and addresses, so the kernel
 * serves what the data path does not (ARP, ICMP, and TCP for the stream
 * listeners, which are kernel sockets bound to the port's address), and
 * what the kernel sends leaves through the port. */
#ifndef SL_EXCEPTION_H
#define SL_EXCEPTION_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "sl_config-t.h"

/* Creates and starts the exception interface of port index i of c (whose
 * exception names the kernel interface), for the started DPDK port
 * port_id: n_queues queue pairs (queue q serves the receive lcore of the
 * port's queue q), receiving into mp; the kernel interface gets the
 * port's MAC, its address/prefix4 and address6/prefix6, and is up. Fills
 * *tap_port. Returns 0, or -1 with the reason in err. */
int sl_exception_start(const struct sl_config *c, unsigned i, uint16_t port_id,
		       unsigned n_queues, struct rte_mempool *mp,
		       uint16_t *tap_port, char *err, size_t errlen);

#endif
