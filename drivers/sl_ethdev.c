/* sl_ethdev.c: ethdev port set-up and the receive burst. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "sl_ethdev.h"
#include "sl_log.h"
#include "sl_pkt.h"
#include "sl_stats.h"

static int
is_vdev(const char *devargs)
{
	return strncmp(devargs, "net_", 4) == 0;
}

int
sl_ethdev_eal_args(const struct sl_config *c, char **argv, int *argc, int max)
{
	static char vdev_args[SL_CONFIG_MAX_PORTS][SL_CONFIG_LONGSTR + 8];
	int any_pci = 0;
	unsigned i;

	for (i = 0; i < c->n_ports; i++) {
		const char *devargs = c->ports[i].devargs;

		if (*argc + 2 > max)
			return -1;
		if (is_vdev(devargs)) {
			snprintf(vdev_args[i], sizeof(vdev_args[i]), "--vdev=%s",
				 devargs);
			argv[(*argc)++] = vdev_args[i];
		} else {
			argv[(*argc)++] = (char *)(uintptr_t)"-a";
			argv[(*argc)++] = (char *)(uintptr_t)devargs;
			any_pci = 1;
		}
	}
	if (!any_pci) {
		if (*argc + 1 > max)
			return -1;
		argv[(*argc)++] = (char *)(uintptr_t)"--no-pci";
	}
	return 0;
}

/* Returns 1 when port p, with n_queues receive queues, must spread by IP
 * address (RSS, spread = rss) and the device info says it cannot:
 * without an address hash a host's datagrams could be spread over queues
 * and reach its worker reordered. SL_ETHDEV_NO_RSS is what to say then. */
#define SL_ETHDEV_NO_RSS "cannot spread by IP address (no RSS): use rx_lcores = 1, pipeline mode with one receive lcore, or spread = device if the device keeps each sender on one queue"

static int
lacks_address_rss(const struct sl_config_port *p, unsigned n_queues,
		  const struct rte_eth_dev_info *info)
{
	return n_queues > 1 && p->spread == SL_SPREAD_RSS &&
	       (info->flow_type_rss_offloads & RTE_ETH_RSS_IP) == 0;
}

/* The device name is devargs up to the first ',': what EAL names the
 * port ("net_pcap0", "0000:03:00.0"). */
static void
device_name(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
}

int
sl_ethdev_start(const struct sl_config *c, unsigned i, unsigned n_queues,
		struct rte_mempool *mp, uint16_t *port_id, char *err,
		size_t errlen)
{
	const struct sl_config_port *p = &c->ports[i];
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t rx_desc = p->rx_desc, tx_desc = p->tx_desc, q;
	int socket, rc;

	device_name(p->devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		snprintf(err, errlen, "port.%s: no device %s (devargs %s)",
			 p->name, name, p->devargs);
		return -1;
	}
	rc = rte_eth_dev_info_get(*port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port.%s: device info: %s", p->name,
			 rte_strerror(-rc));
		return -1;
	}
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		snprintf(err, errlen,
			 "port.%s: %u receive lcores need %u queues, %s has %u rx / %u tx",
			 p->name, n_queues, n_queues, info.driver_name,
			 info.max_rx_queues, info.max_tx_queues);
		return -1;
	}
	/* Let the NIC check IP and UDP checksums where it can; the packet
	 * stage reads the verdict from ol_flags and computes the rest. */
	conf.rxmode.offloads = info.rx_offload_capa &
		(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	if (lacks_address_rss(p, n_queues, &info)) {
		snprintf(err, errlen, "port.%s: %s " SL_ETHDEV_NO_RSS, p->name,
			 info.driver_name);
		return -1;
	}
	if (n_queues > 1 && p->spread == SL_SPREAD_RSS) {
		/* Spread by addresses only, so a source's datagrams stay on
		 * one queue whatever its port. */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP &
			info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(*port_id, (uint16_t)n_queues,
				   (uint16_t)n_queues, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(*port_id, &rx_desc, &tx_desc);
	if (rc != 0) {
		snprintf(err, errlen, "port.%s: configure: %s", p->name,
			 rte_strerror(-rc));
		return -1;
	}
	socket = rte_eth_dev_socket_id(*port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (q = 0; q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(*port_id, q, rx_desc,
					    (unsigned)socket, NULL, mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(*port_id, q, tx_desc,
						    (unsigned)socket, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "port.%s: queue %u: %s", p->name,
				 q, rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(*port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port.%s: start: %s", p->name,
			 rte_strerror(-rc));
		return -1;
	}
	if (p->promiscuous) {
		rc = rte_eth_promiscuous_enable(*port_id);
		if (rc != 0 && rc != -ENOTSUP) {
			snprintf(err, errlen, "port.%s: promiscuous: %s",
				 p->name, rte_strerror(-rc));
			return -1;
		}
	}
	SL_LOG(INFO, "port.%s: %s (%s) port %u, %u queue(s), %u/%u descriptors",
	       p->name, name, info.driver_name, *port_id, n_queues, rx_desc,
	       tx_desc);
	return 0;
}

int
sl_ethdev_check(const struct sl_config *c, unsigned i, unsigned n_queues,
		char *msg, size_t len)
{
	const struct sl_config_port *p = &c->ports[i];
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t port_id;
	int rc;

	device_name(p->devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &port_id) != 0) {
		snprintf(msg, len, "[port.%s]: no device %s (devargs %s): EAL could not probe it (its lines above say why; a PCI device must be bound to vfio-pci)",
			 p->name, name, p->devargs);
		return -1;
	}
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(msg, len, "[port.%s]: device info: %s", p->name,
			 rte_strerror(-rc));
		return -1;
	}
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		snprintf(msg, len, "[port.%s]: %u receive lcores need %u queues, %s has %u rx / %u tx ([dataplane] rx_lcores)",
			 p->name, n_queues, n_queues, info.driver_name,
			 info.max_rx_queues, info.max_tx_queues);
		return -1;
	}
	if ((info.rx_desc_lim.nb_max != 0 && p->rx_desc > info.rx_desc_lim.nb_max) ||
	    p->rx_desc < info.rx_desc_lim.nb_min) {
		snprintf(msg, len, "[port.%s] rx_desc = %u: %s takes %u..%u",
			 p->name, p->rx_desc, info.driver_name,
			 info.rx_desc_lim.nb_min, info.rx_desc_lim.nb_max);
		return -1;
	}
	if ((info.tx_desc_lim.nb_max != 0 && p->tx_desc > info.tx_desc_lim.nb_max) ||
	    p->tx_desc < info.tx_desc_lim.nb_min) {
		snprintf(msg, len, "[port.%s] tx_desc = %u: %s takes %u..%u",
			 p->name, p->tx_desc, info.driver_name,
			 info.tx_desc_lim.nb_min, info.tx_desc_lim.nb_max);
		return -1;
	}
	if (lacks_address_rss(p, n_queues, &info)) {
		snprintf(msg, len, "[port.%s]: %s " SL_ETHDEV_NO_RSS, p->name,
			 info.driver_name);
		return -1;
	}
	snprintf(msg, len, "[port.%s]: %s (%s) port %u: up to %u rx / %u tx queues, %u needed; descriptors %u/%u fit",
		 p->name, name, info.driver_name, port_id, info.max_rx_queues,
		 info.max_tx_queues, n_queues, p->rx_desc, p->tx_desc);
	return 0;
}

int
sl_ethdev_rxq_init(struct sl_ethdev_rxq *rxq, const struct sl_config *c,
		   unsigned i, uint16_t port_id, uint16_t q, uint16_t exc_port,
		   int socket, char *err, size_t errlen)
{
	const struct sl_config_port *p = &c->ports[i];
	struct sl_pkt_ctx *ctx = &rxq->pkt;
	int rc;

	memset(rxq, 0, sizeof(*rxq));
	rxq->port_id = port_id;
	rxq->queue = q;
	rxq->burst = RTE_MIN(c->burst, (unsigned)SL_BURST_MAX);
	rc = rte_eth_macaddr_get(port_id, &ctx->mac);
	if (rc != 0) {
		snprintf(err, errlen, "port.%s: MAC address: %s", p->name,
			 rte_strerror(-rc));
		return -1;
	}
	ctx->has_ip4 = p->has_ip4;
	ctx->ip4 = p->ip4;
	ctx->has_ip6 = p->has_ip6;
	memcpy(ctx->ip6, p->ip6, sizeof(ctx->ip6));
	ctx->listen_port = c->listen.port;
	ctx->listen_any = c->listen_any;
	ctx->max_message = c->max_message;
	ctx->input = (uint16_t)i;
	ctx->exception = p->exception[0] != '\0';
	rxq->exc_port = exc_port;
	ctx->stats = sl_stats_self();
	if (sl_pkt_ctx_frag_init(ctx, c->frag_max_flows, c->frag_ttl_ms,
				 socket) != 0) {
		snprintf(err, errlen, "port.%s: reassembly table: %s", p->name,
			 rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void
sl_ethdev_rxq_free(struct sl_ethdev_rxq *rxq)
{
	sl_pkt_ctx_free(&rxq->pkt);
}

void
sl_ethdev_rxq_bind(struct sl_ethdev_rxq *rxq)
{
	rxq->pkt.stats = sl_stats_self();
}

/* Sends pkts[0..n) on queue q of port, freeing and counting as
 * tx_failed what it does not take. */
static void
send_or_count(uint16_t port, uint16_t q, struct rte_mbuf **pkts, unsigned n,
	      struct sl_lcore_stats *st)
{
	unsigned sent = rte_eth_tx_burst(port, q, pkts, (uint16_t)n);

	if (sent < n) {
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		SL_STAT_ADD(st, tx_failed, n - sent);
	}
}

/* Sends what the kernel sent on the exception interface out through the
 * port. */
static void
from_kernel(struct sl_ethdev_rxq *rxq)
{
	struct rte_mbuf *pkts[SL_BURST_MAX];
	unsigned n;

	n = rte_eth_rx_burst(rxq->exc_port, rxq->queue, pkts,
			     (uint16_t)rxq->burst);
	if (n == 0)
		return;
	SL_STAT_ADD(rxq->pkt.stats, exc_from_kernel, n);
	send_or_count(rxq->port_id, rxq->queue, pkts, n, rxq->pkt.stats);
}

unsigned
sl_ethdev_rx(struct sl_ethdev_rxq *rxq, struct rte_mbuf **out, uint64_t rx_ns)
{
	struct rte_mbuf *pkts[SL_BURST_MAX], *tx[SL_BURST_MAX];
	struct rte_mbuf *kern[SL_BURST_MAX];
	struct sl_lcore_stats *st = rxq->pkt.stats;
	unsigned n, i, n_out, n_tx = 0, n_kern = 0;
	uint64_t bytes = 0;

	if (rxq->pkt.exception)
		from_kernel(rxq);
	n = rte_eth_rx_burst(rxq->port_id, rxq->queue, pkts,
			     (uint16_t)rxq->burst);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	SL_STAT_ADD(st, rx_packets, n);
	SL_STAT_ADD(st, rx_bytes, bytes);
	n_out = sl_pkt_process(&rxq->pkt, pkts, n, out, tx, &n_tx, kern,
			       &n_kern, rte_rdtsc(), rx_ns);
	if (n_tx > 0)
		send_or_count(rxq->port_id, rxq->queue, tx, n_tx, st);
	if (n_kern > 0) {
		SL_STAT_ADD(st, exc_to_kernel, n_kern);
		send_or_count(rxq->exc_port, rxq->queue, kern, n_kern, st);
	}
	return n_out;
}

void
sl_ethdev_format_stats(char *buf, size_t len)
{
	struct rte_eth_stats s, sum = { 0 };
	uint16_t port_id;
	int any = 0;

	buf[0] = '\0';
	RTE_ETH_FOREACH_DEV(port_id) {
		if (rte_eth_stats_get(port_id, &s) != 0)
			continue;
		sum.ipackets += s.ipackets;
		sum.imissed += s.imissed;
		sum.ierrors += s.ierrors;
		sum.rx_nombuf += s.rx_nombuf;
		any = 1;
	}
	if (any)
		snprintf(buf, len, " nic_ipackets=%" PRIu64 " nic_imissed=%" PRIu64
			 " nic_ierrors=%" PRIu64 " nic_rx_nombuf=%" PRIu64,
			 sum.ipackets, sum.imissed, sum.ierrors, sum.rx_nombuf);
}

void
sl_ethdev_stop_all(void)
{
	uint16_t port_id;

	RTE_ETH_FOREACH_DEV(port_id) {
		int rc = rte_eth_dev_stop(port_id);

		if (rc != 0)
			SL_LOG(WARNING, "port %u: stop: %s", port_id,
			       rte_strerror(-rc));
		rte_eth_dev_close(port_id);
	}
}
