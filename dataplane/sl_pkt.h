/* sl_pkt.h: the packet stage: Ethernet (with up to two VLAN tags), IPv4
 * and IPv6, UDP, with checksum validation, IPv4 reassembly, and answers to
 * ARP, ICMP echo and IPv6 neighbour solicitation / echo for our address. */
#ifndef SL_PKT_H
#define SL_PKT_H

#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "sl_pkt-t.h"

/* Returns the ones' complement sum (RFC 1071) of buf[0..len) plus sum,
 * folded to 16 bits, in the byte order of memory as DPDK's rte_raw_cksum()
 * does, and equal to it. DPDK adds one 16-bit word at a time, which the
 * compiler does not vectorise at -O2: on net_pcap, where no NIC checks
 * the UDP checksum, that took 6-8 % of a run-to-completion lcore. This
 * adds the two 32-bit halves of each 64-bit load into a 64-bit
 * accumulator, a quarter of the additions; 2^32 and 2^16 are both 1
 * modulo 0xffff, so the folded sum is the same. */
static inline uint16_t
sl_pkt_csum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum, w;

	for (; len >= sizeof(w); p += sizeof(w), len -= sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, p, len);
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffu) + (acc >> 16);
	acc = (acc & 0xffffu) + (acc >> 16);
	return (uint16_t)acc;
}

/* Creates the IPv4 reassembly table of ctx for up to max_flows datagrams
 * in flight (1 .. 1048576), each done within ttl_ms (> 0); ctx->frag_tbl
 * must be NULL before. Returns 0, or -1 (rte_errno EINVAL or ENOMEM). */
int sl_pkt_ctx_frag_init(struct sl_pkt_ctx *ctx, uint32_t max_flows,
			 uint32_t ttl_ms, int socket);

/* Frees what sl_pkt_ctx_frag_init() made, and any fragments still held
 * (counted as SL_DROP_FRAGMENT in ctx->stats when it is set). Call it on
 * the owning lcore or once that lcore stopped using ctx. */
void sl_pkt_ctx_free(struct sl_pkt_ctx *ctx);

/* Processes a burst of received frames. Ownership of every in[i] passes to
 * this function; each ends up in exactly one place:
 *  - msgs[]: a UDP payload for a listened port, the mbuf trimmed (adj) so
 *    data starts at the payload, sl_meta filled (rx_ns, src, src_hash,
 *    input, flags). A reassembled datagram is a chain whose first segment
 *    may be short or even empty: read it with rte_pktmbuf_read() or walk
 *    the segments;
 *  - tx[]: a reply built in place (ARP reply, ICMP/ICMPv6 echo reply,
 *    neighbour advertisement), to be sent on the same port; VLAN tags of
 *    the request stay in the frame, tags the port stripped are asked back
 *    with RTE_MBUF_F_TX_VLAN / RTE_MBUF_F_TX_QINQ;
 *  - kern[]: with ctx->exception, a frame for the kernel behind the
 *    exception interface (ARP for our address, ICMP, TCP and other
 *    protocols to it), untouched;
 *  - held by the reassembly table (a fragment of an incomplete datagram);
 *  - freed, with the drop counted in ctx->stats by reason.
 * ctx->stats receives the fragment, reply and drop counters (rx_packets
 * and rx_bytes are the caller's); a neighbour advertisement counts as
 * rx_arp_replies. ARP and neighbour traffic not for us, and frames to
 * group MACs other than ARP broadcast and our IPv6 solicited-node group,
 * are LAN chatter: SL_DROP_NOT_LISTENED.
 * msgs, tx and kern must each have room for n entries. now_tsc is
 * rte_rdtsc() (reassembly timeouts); rx_ns is the receive wall clock for
 * sl_meta. Returns the number of entries written to msgs; *n_tx and
 * *n_kern get the numbers written to tx and kern. */
unsigned sl_pkt_process(struct sl_pkt_ctx *ctx, struct rte_mbuf **in,
			unsigned n, struct rte_mbuf **msgs, struct rte_mbuf **tx,
			unsigned *n_tx, struct rte_mbuf **kern, unsigned *n_kern,
			uint64_t now_tsc, uint64_t rx_ns);

#endif
