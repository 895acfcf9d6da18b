/* sl_ethdev.h: DPDK ethdev ports from devargs (any PMD: NICs, net_pcap,
 * net_af_packet, net_memif, net_ring), their set-up, and the receive
 * burst that feeds the packet stage. */
#ifndef SL_ETHDEV_H
#define SL_ETHDEV_H

#include <stddef.h>

#include <rte_mempool.h>

#include "sl_config-t.h"
#include "sl_ethdev-t.h"

/* Appends to argv (at *argc, room for max entries) the EAL arguments that
 * make EAL create or allow the devices of c's ports: "--vdev=<devargs>"
 * for virtual devices (names starting with "net_"), "-a <devargs>" for
 * the others, and "--no-pci" when no port is a PCI device. The strings
 * point into c. Returns 0, or -1 when argv has no room. */
int sl_ethdev_eal_args(const struct sl_config *c, char **argv, int *argc,
		       int max);

/* Finds, configures (n_queues rx and tx queues, RSS on IP addresses when
 * n_queues > 1) and starts port index i of c, receiving into mp. Fills
 * *port_id. Returns 0, or -1 with a reason naming the port in err. */
int sl_ethdev_start(const struct sl_config *c, unsigned i, unsigned n_queues,
		    struct rte_mempool *mp, uint16_t *port_id, char *err,
		    size_t errlen);

/* Checks port index i of c, probed by EAL but not started, against what
 * sluiced would ask of it: n_queues rx and tx queues, rx_desc and
 * tx_desc within the device's limits, RSS on IP addresses when
 * n_queues > 1. Returns 0 with a one-line summary in msg, or -1 with the
 * reason in msg. */
int sl_ethdev_check(const struct sl_config *c, unsigned i, unsigned n_queues,
		    char *msg, size_t len);

/* Prepares rxq for queue q of port port_id (index i of c): packet context
 * with the port's MAC and addresses, the listen match and a reassembly
 * table on socket; exc_port is the port's exception interface when it
 * has one (c->ports[i].exception set), else ignored. Returns 0, or -1
 * with a reason in err. */
int sl_ethdev_rxq_init(struct sl_ethdev_rxq *rxq, const struct sl_config *c,
		       unsigned i, uint16_t port_id, uint16_t q,
		       uint16_t exc_port, int socket, char *err,
		       size_t errlen);

/* Frees what sl_ethdev_rxq_init() made. */
void sl_ethdev_rxq_free(struct sl_ethdev_rxq *rxq);

/* Binds the queue's counters to the calling lcore. */
void sl_ethdev_rxq_bind(struct sl_ethdev_rxq *rxq);

/* Receives one burst, answers ARP/ICMP on the same queue (or hands them,
 * and TCP, to the exception interface, and sends what the kernel sent
 * there), and writes the syslog payload mbufs to out (room for
 * rxq->burst entries); ownership of those passes to the caller. Returns
 * the number written. */
unsigned sl_ethdev_rx(struct sl_ethdev_rxq *rxq, struct rte_mbuf **out,
		      uint64_t rx_ns);

/* Writes the sum over all ports of what the ports themselves count, as
 * " nic_ipackets=N nic_imissed=N nic_ierrors=N nic_rx_nombuf=N" (frames
 * the NIC or PMD dropped before sluice saw them), into buf. Writes ""
 * when there is no port. */
void sl_ethdev_format_stats(char *buf, size_t len);

/* Stops and closes every started port. */
void sl_ethdev_stop_all(void);

#endif
