/* sl_exception.c: net_tap exception interfaces. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "sl_config.h"
#include "sl_exception.h"
#include "sl_log.h"

/* struct in6_ifreq of <linux/ipv6.h>, which cannot be included beside
 * <netinet/in.h>: the argument of SIOCSIFADDR on an AF_INET6 socket. */
struct sl_in6_ifreq {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

/* Gives the kernel interface ifname the port's addresses. Returns 0, or
 * -1 with the reason in err. */
static int
set_addresses(const struct sl_config_port *p, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->exception);
	if (p->has_ip4) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ifr.ifr_addr;

		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "port.%s: socket: %s", p->name,
				 strerror(errno));
			return -1;
		}
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = p->ip4;
		if (ioctl(fd, SIOCSIFADDR, &ifr) != 0)
			goto fail4;
		a->sin_addr.s_addr = p->prefix4 == 0 ? 0 :
			htonl(~0u << (32 - p->prefix4));
		if (ioctl(fd, SIOCSIFNETMASK, &ifr) != 0)
			goto fail4;
		close(fd);
	}
	if (p->has_ip6) {
		struct sl_in6_ifreq r6;

		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			snprintf(err, errlen, "port.%s: socket: %s", p->name,
				 strerror(errno));
			return -1;
		}
		memcpy(&r6.addr, p->ip6, 16);
		r6.prefixlen = p->prefix6;
		r6.ifindex = (int)if_nametoindex(p->exception);
		if (r6.ifindex == 0 || ioctl(fd, SIOCSIFADDR, &r6) != 0) {
			snprintf(err, errlen, "port.%s: exception %s: IPv6 address: %s",
				 p->name, p->exception, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
fail4:
	snprintf(err, errlen, "port.%s: exception %s: IPv4 address: %s",
		 p->name, p->exception, strerror(errno));
	close(fd);
	return -1;
}

int
sl_exception_start(const struct sl_config *c, unsigned i, uint16_t port_id,
		   unsigned n_queues, struct rte_mempool *mp, uint16_t *tap_port,
		   char *err, size_t errlen)
{
	const struct sl_config_port *p = &c->ports[i];
	char name[RTE_ETH_NAME_MAX_LEN], args[192];
	struct rte_eth_conf conf = { 0 };
	struct rte_ether_addr mac;
	uint16_t q;
	int rc;

	rc = rte_eth_macaddr_get(port_id, &mac);
	if (rc != 0) {
		snprintf(err, errlen, "port.%s: MAC address: %s", p->name,
			 rte_strerror(-rc));
		return -1;
	}
	snprintf(name, sizeof(name), "net_tap_sl%u", i);
	snprintf(args, sizeof(args), "%s,iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT,
		 name, p->exception, RTE_ETHER_ADDR_BYTES(&mac));
	rc = rte_dev_probe(args);
	if (rc != 0) {
		snprintf(err, errlen, "port.%s: exception interface %s (net_tap): %s",
			 p->name, p->exception, rte_strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, tap_port) != 0) {
		snprintf(err, errlen, "port.%s: exception interface %s: no port",
			 p->name, p->exception);
		return -1;
	}
	rc = rte_eth_dev_configure(*tap_port, (uint16_t)n_queues,
				   (uint16_t)n_queues, &conf);
	for (q = 0; rc == 0 && q < n_queues; q++) {
		rc = rte_eth_rx_queue_setup(*tap_port, q, SL_EXCEPTION_RX_DESC,
					    rte_socket_id(), NULL, mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(*tap_port, q,
						    SL_EXCEPTION_RX_DESC,
						    rte_socket_id(), NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(*tap_port);
	if (rc != 0) {
		snprintf(err, errlen, "port.%s: exception interface %s: %s",
			 p->name, p->exception, rte_strerror(-rc));
		return -1;
	}
	if (set_addresses(p, err, errlen) != 0)
		return -1;
	SL_LOG(INFO, "port.%s: exception interface %s (port %u, %u queue(s))",
	       p->name, p->exception, *tap_port, n_queues);
	return 0;
}
