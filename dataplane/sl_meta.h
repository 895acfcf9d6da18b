/* sl_meta.h: access to the metadata in an mbuf's private area, and the
 * source-address helpers every stage shares (hash, format, parse). */
#ifndef SL_META_H
#define SL_META_H

#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "sl_meta-t.h"

/* Private area size every sluice mempool reserves per mbuf. */
#define SL_META_PRIV_SIZE RTE_ALIGN(sizeof(struct sl_meta), RTE_MBUF_PRIV_ALIGN)

/* Most mbufs one message's chain may take: the stream lcores copy a
 * message into at most this many, and the configuration refuses a
 * max_message that would need more (sl_config_validate). */
#define SL_MAX_SEGS 64

/* Longest text sl_addr_format() writes, with the NUL: "[v6]:port". */
#define SL_ADDR_STRLEN 56

/* Returns the metadata of m. m must come from a pool created with at least
 * SL_META_PRIV_SIZE bytes of private area (sl_mempool_create does). */
static inline struct sl_meta *
sl_meta(struct rte_mbuf *m)
{
	return (struct sl_meta *)rte_mbuf_to_priv(m);
}

/* Hash of the source identity (family and IP, not the port). Stable across
 * runs, so a source keeps its worker and its Kafka partition. */
static inline uint32_t
sl_addr_hash(const struct sl_addr *a)
{
	uint32_t h = rte_hash_crc_4byte(a->family, 0x5f1c3e);

	if (a->family == AF_INET)
		return rte_hash_crc(a->ip, 4, h);
	return rte_hash_crc(a->ip, 16, h);
}

/* Fills a from an IPv4 address in network byte order and a host-order port. */
static inline void
sl_addr_set_v4(struct sl_addr *a, uint32_t ip_be, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->ip, &ip_be, 4);
	a->port = port;
}

/* Fills a from a 16-byte IPv6 address and a host-order port. */
static inline void
sl_addr_set_v6(struct sl_addr *a, const uint8_t ip[16], uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->ip, ip, 16);
	a->port = port;
}

/* Writes the IP of a (no port) into buf as text. Returns the length
 * written, without the NUL. buf must hold SL_ADDR_STRLEN bytes. */
size_t sl_addr_format_ip(const struct sl_addr *a, char *buf);

/* Writes "ip:port" or "[ip6]:port" into buf. Returns the length written,
 * without the NUL. buf must hold SL_ADDR_STRLEN bytes. */
size_t sl_addr_format(const struct sl_addr *a, char *buf);

/* Parses "ip:port", "[ip6]:port" or a bare "ip" (port 0) into a.
 * Returns 0, or -1 when text is not such an address. */
int sl_addr_parse(const char *text, struct sl_addr *a);

/* Parses "ip/prefix" into a network: a->ip holds the masked address and
 * *prefix the prefix length. A bare ip gets the full-length prefix.
 * Returns 0, or -1 on malformed text or a prefix out of range. */
int sl_net_parse(const char *text, struct sl_addr *a, unsigned *prefix);

/* Returns 1 when a lies inside the network (net, prefix), else 0. */
int sl_net_contains(const struct sl_addr *net, unsigned prefix,
		    const struct sl_addr *a);

#endif
