/* sl_pkt.c: the packet stage. Turns received Ethernet frames into syslog
 * payload mbufs, reassembles IPv4 fragments, and answers ARP, ICMP echo
 * and IPv6 neighbour solicitation / echo for the appliance's addresses.
 *
 * It runs on a receive lcore on bursts straight from rte_eth_rx_burst(),
 * so it is written the DPDK l3fwd way: one pass per burst with the data of
 * the frames ahead prefetched, no function pointers, no allocation (a
 * reply is the request rewritten in its own mbuf). Every header it looks
 * at is checked to lie inside the frame and inside the first segment
 * before it is read; a frame shorter than its headers is counted
 * TRUNCATED and never read past.
 *
 * IPv6 reassembly is out of scope: a frame carrying an IPv6 fragment
 * header is dropped as SL_DROP_FRAGMENT. Syslog senders keep IPv6 UDP
 * datagrams within the path MTU, and IPv6 routers never fragment.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "sl_meta.h"
#include "sl_pkt.h"
#include "sl_stats.h"

/* How many frames ahead of the one being parsed get their data
 * prefetched (l3fwd's PREFETCH_OFFSET). */
#define SL_PKT_PREFETCH_AHEAD 3

/* Ethernet, one 802.1Q tag, and an 802.1ad outer tag: more is refused. */
#define SL_PKT_MAX_VLAN_TAGS 2

/* IPv6 hop-by-hop, routing and destination-option headers walked before
 * the upper layer; real traffic has zero or one. */
#define SL_PKT_IPV6_MAX_EXT 8

/* Reassembly table shape: 16-way buckets (a power of two, as
 * rte_ip_frag_table_create() requires) and one bucket per 8 flows. The
 * library doubles the buckets (two hash choices) and rounds them up to a
 * power of two, so the table has at least 4 slots per flow: lookups stay
 * short and an insert never fails for want of a slot, at a quarter of the
 * memory of one bucket per flow. */
#define SL_PKT_FRAG_BUCKET_ENTRIES   16
#define SL_PKT_FRAG_FLOWS_PER_BUCKET 8
#define SL_PKT_FRAG_MAX_FLOWS        (1u << 20)

/* Most mbufs one rte_ipv4_frag_reassemble_packet() call can put on the
 * death row: a timed-out flow it evicts, the flow it abandons (each up to
 * RTE_LIBRTE_IP_FRAG_MAX_FRAG fragments) and the new fragment. The row
 * has no bound check of its own, so it is emptied before it could
 * overflow. */
#define SL_PKT_DR_PER_CALL (2 * RTE_LIBRTE_IP_FRAG_MAX_FRAG + 1)

/* ICMPv6 and neighbour discovery numbers (RFC 4443, RFC 4861); DPDK 22.11
 * has no names for them. */
#define SL_PKT_ICMP6_ECHO_REQUEST 128
#define SL_PKT_ICMP6_ECHO_REPLY   129
#define SL_PKT_ICMP6_NS           135
#define SL_PKT_ICMP6_NA           136
#define SL_PKT_ND_OPT_SLLA        1
#define SL_PKT_ND_OPT_TLLA        2
#define SL_PKT_ND_HOP_LIMIT       255
#define SL_PKT_NA_FLAG_SOLICITED  0x40000000u
#define SL_PKT_NA_FLAG_OVERRIDE   0x20000000u

/* TTL / hop limit of echo replies. */
#define SL_PKT_REPLY_TTL 64

/* A neighbour solicitation or advertisement up to its options. */
struct sl_pkt_nd {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	rte_be32_t flags;       /* NA: router, solicited, override; NS: 0 */
	uint8_t target[16];
} __rte_packed;

/* A neighbour discovery link-layer address option for Ethernet. */
struct sl_pkt_nd_lla {
	uint8_t type;
	uint8_t len;            /* in units of 8 bytes */
	struct rte_ether_addr addr;
} __rte_packed __rte_aligned(2);

/* What one frame turned into. */
enum sl_pkt_verdict {
	SL_PKT_DROP,  /* to be freed, counted under sl_pkt_frame.why */
	SL_PKT_MSG,   /* a listened UDP payload, for msgs[] */
	SL_PKT_REPLY, /* rewritten into a reply, for tx[] */
	SL_PKT_HELD,  /* taken by the reassembly table, which counts its drops */
	SL_PKT_KERNEL, /* for the kernel behind the exception interface */
};

/* What the receive path does with an IP protocol (ICMP meaning ICMPv6
 * over IPv6). */
enum sl_pkt_l4 {
	SL_PKT_L4_UDP,
	SL_PKT_L4_ICMP,
	SL_PKT_L4_OTHER,
};

/* Parse state of one frame. Invariants: m is the mbuf the verdict is
 * about (a completed reassembly swaps in the datagram's chain head);
 * l2_len counts the Ethernet header and its VLAN tags; meta_flags holds
 * the SL_META_F_* a message will carry; why is set whenever a step
 * returns SL_PKT_DROP. */
struct sl_pkt_frame {
	struct rte_mbuf *m;
	enum sl_drop_reason why;
	uint32_t l2_len;
	uint16_t meta_flags;
	int mac_group;          /* destination MAC is multicast or broadcast */
};

static const uint8_t sl_pkt_snm_prefix[13] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff
};
static const uint8_t sl_pkt_all_nodes[16] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
};
static const struct rte_ether_addr sl_pkt_all_nodes_mac = {
	.addr_bytes = { 0x33, 0x33, 0, 0, 0, 0x01 }
};
static const uint8_t sl_pkt_ip6_unspecified[16];

/* The one place that decides what an IP protocol gets on the receive
 * path, for IPv4 and IPv6 alike. With an exception interface, ICMP and
 * the other protocols to our address go to the kernel (the callers). */
static inline enum sl_pkt_l4
sl_pkt_l4_class(uint8_t proto, int ipv6)
{
	if (proto == IPPROTO_UDP)
		return SL_PKT_L4_UDP;
	if (proto == (ipv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
		return SL_PKT_L4_ICMP;
	return SL_PKT_L4_OTHER;
}

static inline enum sl_pkt_verdict
sl_pkt_drop(struct sl_pkt_frame *f, enum sl_drop_reason why)
{
	f->why = why;
	return SL_PKT_DROP;
}

/* Returns the len bytes at off, or NULL with f->why set: TRUNCATED when
 * the frame ends first, UNSUPPORTED when the frame holds them but its
 * first segment does not (a PMD splitting headers across segments;
 * parsing and in-place replies need them contiguous). */
static inline void *
sl_pkt_hdr(struct sl_pkt_frame *f, uint32_t off, uint32_t len)
{
	struct rte_mbuf *m = f->m;

	if (likely(off + len <= rte_pktmbuf_data_len(m)))
		return rte_pktmbuf_mtod_offset(m, char *, off);
	f->why = off + len > rte_pktmbuf_pkt_len(m) ? SL_DROP_TRUNCATED
						     : SL_DROP_UNSUPPORTED;
	return NULL;
}

/* Cuts m down to len bytes (0 < len < pkt_len): the Ethernet padding
 * after an IP datagram. The padding may span segments on a scattering
 * PMD, so segments left empty are freed rather than trimmed. */
static void
sl_pkt_trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t before = 0;
	uint16_t nb_segs = 1;

	while (before + seg->data_len < len) {
		before += seg->data_len;
		seg = seg->next;
		nb_segs++;
	}
	seg->data_len = (uint16_t)(len - before);
	if (seg->next != NULL) {
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
	}
	m->nb_segs = nb_segs;
	m->pkt_len = len;
}

/* Returns the ones' complement sum of the len bytes at off in m, over
 * any number of segments; 0 (which no valid message sums to) when the
 * range is outside m. */
static inline uint16_t
sl_pkt_raw_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint16_t sum;

	if (rte_raw_cksum_mbuf(m, off, len, &sum) != 0)
		return 0;
	return sum;
}

/* Returns what the port said about the L4 checksum: 1 good, 0 bad, -1
 * not checked. A reassembled datagram was never seen whole by the port. */
static inline int
sl_pkt_hw_l4_csum(const struct sl_pkt_frame *f)
{
	if (f->meta_flags & SL_META_F_FRAGMENTED)
		return -1;
	switch (f->m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
	case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
	case RTE_MBUF_F_RX_L4_CKSUM_NONE:
		return 1;
	case RTE_MBUF_F_RX_L4_CKSUM_BAD:
		return 0;
	default:
		return -1;
	}
}

static inline int
sl_pkt_is_ip4(const struct sl_pkt_ctx *ctx, rte_be32_t addr)
{
	return ctx->has_ip4 && addr == ctx->ip4;
}

/* Returns 1 when a UDP datagram to IPv4 address addr is for us: our
 * address, or with listen_any any unicast one (not 224.0.0.0/4, not the
 * limited broadcast). */
static inline int
sl_pkt_ip4_listened(const struct sl_pkt_ctx *ctx, rte_be32_t addr)
{
	uint32_t a = rte_be_to_cpu_32(addr);

	if (sl_pkt_is_ip4(ctx, addr))
		return 1;
	return ctx->listen_any && (a & 0xf0000000u) != 0xe0000000u &&
	       a != UINT32_MAX;
}

/* Returns 1 when addr is the solicited-node group of our IPv6 address
 * (ff02::1:ffXX:XXXX with our low 24 bits). */
static inline int
sl_pkt_is_snm(const struct sl_pkt_ctx *ctx, const uint8_t addr[16])
{
	return ctx->has_ip6 &&
	       memcmp(addr, sl_pkt_snm_prefix, sizeof(sl_pkt_snm_prefix)) == 0 &&
	       memcmp(addr + 13, ctx->ip6 + 13, 3) == 0;
}

/* Returns 1 for the MAC of an IPv6 solicited-node group, 33:33:ff:... */
static inline int
sl_pkt_mac_is_snm(const struct rte_ether_addr *a)
{
	return a->addr_bytes[0] == 0x33 && a->addr_bytes[1] == 0x33 &&
	       a->addr_bytes[2] == 0xff;
}

static inline int
sl_pkt_ipv6_is_ext(uint8_t proto)
{
	return proto == IPPROTO_HOPOPTS || proto == IPPROTO_ROUTING ||
	       proto == IPPROTO_DSTOPTS;
}

/* Readies m, rewritten in place, to leave by the port it came in on:
 * receive flags go, and VLAN tags the port stripped on receive are put
 * back by the port on send (vlan_tci and vlan_tci_outer still hold the
 * request's). Tags present in the frame stay where they are. */
static inline void
sl_pkt_reply_flags(struct rte_mbuf *m)
{
	uint64_t tx = 0;

	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED)
		tx |= RTE_MBUF_F_TX_VLAN;
	if (m->ol_flags & RTE_MBUF_F_RX_QINQ_STRIPPED)
		tx |= RTE_MBUF_F_TX_QINQ;
	m->ol_flags = tx;
}

/* Addresses the Ethernet header of a reply: to `to`, from us. */
static inline void
sl_pkt_eth_reply(const struct sl_pkt_ctx *ctx, struct rte_ether_hdr *eth,
		 const struct rte_ether_addr *to)
{
	rte_ether_addr_copy(to, &eth->dst_addr);
	rte_ether_addr_copy(&ctx->mac, &eth->src_addr);
}

/* Checks the UDP header at l4_off, the IP payload being l4_len bytes:
 * its length must be the whole payload (the checksum covers exactly
 * that) and its port the listened one. Returns the header, or NULL with
 * f->why set. */
static inline struct rte_udp_hdr *
sl_pkt_udp_hdr(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
	       uint32_t l4_off, uint32_t l4_len)
{
	struct rte_udp_hdr *udp;
	uint32_t ulen;

	if (unlikely(l4_len < sizeof(*udp))) {
		f->why = SL_DROP_MALFORMED;
		return NULL;
	}
	udp = sl_pkt_hdr(f, l4_off, sizeof(*udp));
	if (unlikely(udp == NULL))
		return NULL;
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (unlikely(ulen != l4_len)) {
		f->why = ulen > l4_len ? SL_DROP_TRUNCATED : SL_DROP_MALFORMED;
		return NULL;
	}
	if (rte_be_to_cpu_16(udp->dst_port) != ctx->listen_port) {
		f->why = SL_DROP_NOT_LISTENED;
		return NULL;
	}
	return udp;
}

/* Checks a payload length against the message limits. Returns 1, or 0
 * with f->why set. */
static inline int
sl_pkt_payload_ok(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
		  uint32_t len)
{
	if (unlikely(len == 0)) {
		f->why = SL_DROP_EMPTY;
		return 0;
	}
	if (unlikely(len > ctx->max_message)) {
		f->why = SL_DROP_OVERSIZE;
		return 0;
	}
	return 1;
}

/* Completes the metadata (src is already set) and moves the data start
 * of f->m to the payload at payload_off. */
static inline enum sl_pkt_verdict
sl_pkt_deliver(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
	       struct sl_meta *meta, uint32_t payload_off, uint64_t rx_ns)
{
	meta->rx_ns = rx_ns;
	meta->src_hash = sl_addr_hash(&meta->src);
	meta->input = ctx->input;
	meta->flags = f->meta_flags;
	/* The UDP header lies in the first segment (sl_pkt_hdr checked it),
	 * so the payload offset is within it and adj cannot fail. */
	rte_pktmbuf_adj(f->m, (uint16_t)payload_off);
	return SL_PKT_MSG;
}

/* Verifies a UDP checksum over IPv4: the port's verdict, or the sum of
 * the pseudo header and the l4_len bytes of the datagram at l4_off, which
 * is all ones (0xffff) when the checksum field is right. */
static inline int
sl_pkt_udp4_csum_ok(const struct sl_pkt_frame *f,
		    const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp,
		    uint32_t l4_off, uint32_t l4_len)
{
	int hw = sl_pkt_hw_l4_csum(f);

	if (hw >= 0)
		return hw;
	if (f->m->nb_segs == 1)
		return sl_pkt_csum(udp, l4_len, rte_ipv4_phdr_cksum(ip, 0)) ==
		       0xffff;
	return rte_ipv4_udptcp_cksum_mbuf_verify(f->m, ip, (uint16_t)l4_off) == 0;
}

/* A UDP datagram over IPv4, not fragmented or reassembled: l4_len bytes
 * of IP payload at l4_off, ip's total_length matching. */
static enum sl_pkt_verdict
sl_pkt_udp4(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
	    const struct rte_ipv4_hdr *ip, uint32_t l4_off, uint32_t l4_len,
	    uint64_t rx_ns)
{
	struct rte_udp_hdr *udp = sl_pkt_udp_hdr(ctx, f, l4_off, l4_len);
	struct sl_meta *meta;

	if (udp == NULL)
		return SL_PKT_DROP;
	if (!sl_pkt_ip4_listened(ctx, ip->dst_addr))
		return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
	/* Over IPv4 a zero checksum means the sender computed none. */
	if (udp->dgram_cksum != 0 &&
	    !sl_pkt_udp4_csum_ok(f, ip, udp, l4_off, l4_len))
		return sl_pkt_drop(f, SL_DROP_BAD_CSUM);
	if (!sl_pkt_payload_ok(ctx, f, l4_len - sizeof(*udp)))
		return SL_PKT_DROP;
	meta = sl_meta(f->m);
	sl_addr_set_v4(&meta->src, ip->src_addr, rte_be_to_cpu_16(udp->src_port));
	return sl_pkt_deliver(ctx, f, meta, l4_off + sizeof(*udp), rx_ns);
}

/* An IPv4 UDP fragment (header checked, padding trimmed). Hands it to
 * the reassembly table and, when it completes a datagram, goes on with
 * the datagram. */
static enum sl_pkt_verdict
sl_pkt_ipv4_frag(struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
		 struct rte_ipv4_hdr *ip, uint32_t ihl, uint64_t now_tsc,
		 uint64_t rx_ns)
{
	struct rte_ip_frag_death_row *dr = &ctx->death_row;
	struct rte_mbuf *m = f->m, *dgram;
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	uint32_t ofs = (fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
	uint32_t len = tot - ihl, before, l4_len;

	if (!sl_pkt_ip4_listened(ctx, ip->dst_addr))
		return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
	if (ctx->frag_tbl == NULL)
		return sl_pkt_drop(f, SL_DROP_FRAGMENT);
	/* The table trusts these: an empty fragment, a middle one that is no
	 * multiple of 8, or one ending past 64 KiB would make it chain a
	 * datagram that disagrees with its own header. */
	if (len == 0 || ofs + tot > UINT16_MAX ||
	    ((fo & RTE_IPV4_HDR_MF_FLAG) && len % RTE_IPV4_HDR_OFFSET_UNITS != 0))
		return sl_pkt_drop(f, SL_DROP_MALFORMED);

	m->l2_len = f->l2_len;
	m->l3_len = ihl;
	if (dr->cnt > RTE_IP_FRAG_DEATH_ROW_MBUF_LEN - SL_PKT_DR_PER_CALL)
		rte_ip_frag_free_death_row(dr, SL_PKT_PREFETCH_AHEAD);
	/* NULL means held or dropped alike; what the table dropped (this
	 * fragment, its flow, or a timed-out flow it evicted) is what it
	 * put on the death row. */
	before = dr->cnt;
	dgram = rte_ipv4_frag_reassemble_packet(ctx->frag_tbl, dr, m, now_tsc, ip);
	SL_STAT_ADD(ctx->stats, rx_fragments, 1);
	if (dr->cnt != before)
		SL_STAT_DROP(ctx->stats, SL_DROP_FRAGMENT, dr->cnt - before);
	if (dgram == NULL)
		return SL_PKT_HELD;
	SL_STAT_ADD(ctx->stats, rx_reassembled, 1);

	/* The datagram is the first fragment's mbuf with the others chained,
	 * their headers cut; the library rewrote total_length and zeroed the
	 * header checksum. The chain is the truth for the length; a first
	 * fragment with longer options than the last could have wrapped the
	 * 16-bit total_length, which the checksum helpers read. */
	f->m = dgram;
	f->l2_len = dgram->l2_len;
	f->meta_flags |= SL_META_F_FRAGMENTED;
	l4_len = dgram->pkt_len - dgram->l2_len - dgram->l3_len;
	if (dgram->l3_len + l4_len > UINT16_MAX)
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	ip = rte_pktmbuf_mtod_offset(dgram, struct rte_ipv4_hdr *, dgram->l2_len);
	return sl_pkt_udp4(ctx, f, ip, dgram->l2_len + dgram->l3_len, l4_len, rx_ns);
}

/* An ICMP message over IPv4 (header checked, padding trimmed): echo
 * requests to our address become echo replies. Only unfragmented,
 * option-less requests are answered: their reply is the request with
 * fields swapped, nothing to reorder. */
static enum sl_pkt_verdict
sl_pkt_icmp4(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
	     struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot)
{
	struct rte_mbuf *m = f->m;
	uint32_t off = f->l2_len + ihl, len = tot - ihl;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_icmp_hdr *icmp;

	if (!sl_pkt_is_ip4(ctx, ip->dst_addr))
		return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
	if (rte_ipv4_frag_pkt_is_fragmented(ip) || ihl != sizeof(*ip))
		return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	if (len < sizeof(*icmp))
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	icmp = sl_pkt_hdr(f, off, sizeof(*icmp));
	if (icmp == NULL)
		return SL_PKT_DROP;
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0)
		return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	if (!rte_is_unicast_ether_addr(&eth->src_addr))
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	if (sl_pkt_raw_sum(m, off, len) != 0xffff)
		return sl_pkt_drop(f, SL_DROP_BAD_CSUM);

	sl_pkt_eth_reply(ctx, eth, &eth->src_addr);
	ip->dst_addr = ip->src_addr;
	ip->src_addr = ctx->ip4;
	ip->time_to_live = SL_PKT_REPLY_TTL;
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~sl_pkt_raw_sum(m, off, len);
	sl_pkt_reply_flags(m);
	SL_STAT_ADD(ctx->stats, rx_icmp_echo, 1);
	return SL_PKT_REPLY;
}

/* An IPv4 packet at f->l2_len. */
static enum sl_pkt_verdict
sl_pkt_ipv4(struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f, uint64_t now_tsc,
	    uint64_t rx_ns)
{
	struct rte_mbuf *m = f->m;
	struct rte_ipv4_hdr *ip = sl_pkt_hdr(f, f->l2_len, sizeof(*ip));
	uint64_t hw_csum;
	uint32_t ihl, tot, end;

	if (ip == NULL)
		return SL_PKT_DROP;
	ihl = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != IPVERSION || ihl < sizeof(*ip) || tot < ihl)
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	end = f->l2_len + tot;
	if (end > rte_pktmbuf_pkt_len(m))
		return sl_pkt_drop(f, SL_DROP_TRUNCATED);
	if (sl_pkt_hdr(f, f->l2_len, ihl) == NULL)
		return SL_PKT_DROP;
	hw_csum = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (hw_csum == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (hw_csum == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && rte_ipv4_cksum(ip) != 0))
		return sl_pkt_drop(f, SL_DROP_BAD_CSUM);
	if (unlikely(rte_pktmbuf_pkt_len(m) > end))
		sl_pkt_trim_to(m, end);

	switch (sl_pkt_l4_class(ip->next_proto_id, 0)) {
	case SL_PKT_L4_UDP:
		if (rte_ipv4_frag_pkt_is_fragmented(ip))
			return sl_pkt_ipv4_frag(ctx, f, ip, ihl, now_tsc, rx_ns);
		return sl_pkt_udp4(ctx, f, ip, f->l2_len + ihl, tot - ihl, rx_ns);
	case SL_PKT_L4_ICMP:
		if (ctx->exception && sl_pkt_is_ip4(ctx, ip->dst_addr))
			return SL_PKT_KERNEL;
		return sl_pkt_icmp4(ctx, f, ip, ihl, tot);
	case SL_PKT_L4_OTHER:
		if (ctx->exception && sl_pkt_is_ip4(ctx, ip->dst_addr))
			return SL_PKT_KERNEL;
		break;
	}
	return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
}

/* Verifies a UDP checksum over IPv6. DPDK's helpers take the pseudo
 * header from the IPv6 header itself, which names the wrong protocol and
 * length once extension headers sit between: they get a copy naming UDP
 * and its length instead. */
static inline int
sl_pkt_udp6_csum_ok(const struct sl_pkt_frame *f,
		    const struct rte_ipv6_hdr *ip6, const struct rte_udp_hdr *udp,
		    uint32_t l4_off, uint32_t l4_len)
{
	struct rte_ipv6_hdr pseudo;
	int hw = sl_pkt_hw_l4_csum(f);

	if (hw >= 0)
		return hw;
	if (l4_off != f->l2_len + sizeof(*ip6)) {
		pseudo = *ip6;
		pseudo.proto = IPPROTO_UDP;
		pseudo.payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		ip6 = &pseudo;
	}
	if (f->m->nb_segs == 1)
		return sl_pkt_csum(udp, l4_len, rte_ipv6_phdr_cksum(ip6, 0)) ==
		       0xffff;
	return rte_ipv6_udptcp_cksum_mbuf_verify(f->m, ip6, (uint16_t)l4_off) == 0;
}

/* A UDP datagram over IPv6: l4_len bytes at l4_off, after any extension
 * headers. */
static enum sl_pkt_verdict
sl_pkt_udp6(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
	    const struct rte_ipv6_hdr *ip6, uint32_t l4_off, uint32_t l4_len,
	    int dst_ours, uint64_t rx_ns)
{
	struct rte_udp_hdr *udp = sl_pkt_udp_hdr(ctx, f, l4_off, l4_len);
	struct sl_meta *meta;

	if (udp == NULL)
		return SL_PKT_DROP;
	/* listen_any takes unicast destinations only, never a group. */
	if (!dst_ours && !(ctx->listen_any && ip6->dst_addr[0] != 0xff))
		return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
	/* RFC 8200 8.1: over IPv6 a zero UDP checksum is invalid. */
	if (udp->dgram_cksum == 0 ||
	    !sl_pkt_udp6_csum_ok(f, ip6, udp, l4_off, l4_len))
		return sl_pkt_drop(f, SL_DROP_BAD_CSUM);
	if (!sl_pkt_payload_ok(ctx, f, l4_len - sizeof(*udp)))
		return SL_PKT_DROP;
	meta = sl_meta(f->m);
	sl_addr_set_v6(&meta->src, ip6->src_addr, rte_be_to_cpu_16(udp->src_port));
	return sl_pkt_deliver(ctx, f, meta, l4_off + sizeof(*udp), rx_ns);
}

/* Verifies an ICMPv6 checksum. The pseudo header is the same as UDP's
 * with next header 58, so DPDK's UDP/TCP helpers compute it right from
 * the IPv6 header when no extension header sits between (the caller
 * made sure). */
static inline int
sl_pkt_icmp6_csum_ok(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6,
		     const void *icmp, uint32_t off)
{
	if (m->nb_segs == 1)
		return rte_ipv6_udptcp_cksum_verify(ip6, icmp) == 0;
	return rte_ipv6_udptcp_cksum_mbuf_verify(m, ip6, (uint16_t)off) == 0;
}

/* An ICMPv6 echo request to our address, len bytes at off: answered. */
static enum sl_pkt_verdict
sl_pkt_echo6(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
	     struct rte_ipv6_hdr *ip6, uint32_t off, uint32_t len)
{
	struct rte_mbuf *m = f->m;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_icmp_hdr *icmp;

	if (len < sizeof(*icmp))
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	icmp = sl_pkt_hdr(f, off, sizeof(*icmp));
	if (icmp == NULL)
		return SL_PKT_DROP;
	if (icmp->icmp_code != 0)
		return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	if (!rte_is_unicast_ether_addr(&eth->src_addr) || ip6->src_addr[0] == 0xff)
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	if (!sl_pkt_icmp6_csum_ok(m, ip6, icmp, off))
		return sl_pkt_drop(f, SL_DROP_BAD_CSUM);

	sl_pkt_eth_reply(ctx, eth, &eth->src_addr);
	memcpy(ip6->dst_addr, ip6->src_addr, sizeof(ip6->dst_addr));
	memcpy(ip6->src_addr, ctx->ip6, sizeof(ip6->src_addr));
	ip6->hop_limits = SL_PKT_REPLY_TTL;
	icmp->icmp_type = SL_PKT_ICMP6_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = m->nb_segs == 1 ?
		rte_ipv6_udptcp_cksum(ip6, icmp) :
		rte_ipv6_udptcp_cksum_mbuf(m, ip6, (uint16_t)off);
	sl_pkt_reply_flags(m);
	SL_STAT_ADD(ctx->stats, rx_icmp_echo, 1);
	return SL_PKT_REPLY;
}

/* A neighbour solicitation, len bytes at off, possibly for our address:
 * answered with a neighbour advertisement carrying our MAC (RFC 4861
 * 7.2.4), or, for duplicate address detection from ::, defended with an
 * unsolicited one to all nodes. */
static enum sl_pkt_verdict
sl_pkt_ns(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
	  struct rte_ipv6_hdr *ip6, uint32_t off, uint32_t len, int dst_snm)
{
	struct rte_mbuf *m = f->m;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct sl_pkt_nd *nd;
	struct sl_pkt_nd_lla *tlla;
	uint32_t o, na_len = sizeof(*nd) + sizeof(*tlla), na_flags;
	int dad, has_slla = 0;

	if (len < sizeof(*nd))
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	nd = sl_pkt_hdr(f, off, len);
	if (nd == NULL)
		return SL_PKT_DROP;
	if (memcmp(nd->target, ctx->ip6, sizeof(nd->target)) != 0)
		return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
	/* RFC 4861 7.1.1: a hop limit below 255 means the message crossed a
	 * router and is forged. */
	if (ip6->hop_limits != SL_PKT_ND_HOP_LIMIT || nd->code != 0)
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	if (!sl_pkt_icmp6_csum_ok(m, ip6, nd, off))
		return sl_pkt_drop(f, SL_DROP_BAD_CSUM);
	for (o = sizeof(*nd); o < len; ) {
		const uint8_t *opt = (const uint8_t *)nd + o;

		if (len - o < 2 || opt[1] == 0 || opt[1] * 8u > len - o)
			return sl_pkt_drop(f, SL_DROP_MALFORMED);
		if (opt[0] == SL_PKT_ND_OPT_SLLA)
			has_slla = 1;
		o += opt[1] * 8u;
	}
	dad = memcmp(ip6->src_addr, sl_pkt_ip6_unspecified, 16) == 0;
	if ((dad && (!dst_snm || has_slla)) || ip6->src_addr[0] == 0xff ||
	    !rte_is_unicast_ether_addr(&eth->src_addr))
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	/* The advertisement is the solicitation's size or 8 bytes more (no
	 * option came with it); the tailroom of the request holds that. */
	if (m->nb_segs != 1)
		return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	if (len < na_len) {
		if (rte_pktmbuf_append(m, (uint16_t)(na_len - len)) == NULL)
			return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	} else if (len > na_len) {
		rte_pktmbuf_trim(m, (uint16_t)(len - na_len));
	}

	if (dad) {
		sl_pkt_eth_reply(ctx, eth, &sl_pkt_all_nodes_mac);
		memcpy(ip6->dst_addr, sl_pkt_all_nodes, sizeof(ip6->dst_addr));
		na_flags = SL_PKT_NA_FLAG_OVERRIDE;
	} else {
		sl_pkt_eth_reply(ctx, eth, &eth->src_addr);
		memcpy(ip6->dst_addr, ip6->src_addr, sizeof(ip6->dst_addr));
		na_flags = SL_PKT_NA_FLAG_SOLICITED | SL_PKT_NA_FLAG_OVERRIDE;
	}
	memcpy(ip6->src_addr, ctx->ip6, sizeof(ip6->src_addr));
	ip6->vtc_flow = rte_cpu_to_be_32((uint32_t)6 << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)na_len);
	nd->type = SL_PKT_ICMP6_NA;
	nd->code = 0;
	nd->flags = rte_cpu_to_be_32(na_flags);
	tlla = (struct sl_pkt_nd_lla *)(nd + 1);
	tlla->type = SL_PKT_ND_OPT_TLLA;
	tlla->len = sizeof(*tlla) / 8;
	rte_ether_addr_copy(&ctx->mac, &tlla->addr);
	nd->cksum = 0;
	nd->cksum = rte_ipv6_udptcp_cksum(ip6, nd);
	sl_pkt_reply_flags(m);
	SL_STAT_ADD(ctx->stats, rx_arp_replies, 1);
	return SL_PKT_REPLY;
}

/* An ICMPv6 message, len bytes at off. Answers are built only for bare
 * ICMPv6 right after the IPv6 header: a reply to a request with
 * extension headers would have to rebuild them. */
static enum sl_pkt_verdict
sl_pkt_icmp6(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
	     struct rte_ipv6_hdr *ip6, uint32_t off, uint32_t len, int dst_ours,
	     int dst_snm)
{
	const uint8_t *type;

	if (!dst_ours && !dst_snm)
		return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
	if (off != f->l2_len + sizeof(*ip6))
		return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	if (len < 4)
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	type = sl_pkt_hdr(f, off, 1);
	if (type == NULL)
		return SL_PKT_DROP;
	switch (*type) {
	case SL_PKT_ICMP6_NS:
		return sl_pkt_ns(ctx, f, ip6, off, len, dst_snm);
	case SL_PKT_ICMP6_ECHO_REQUEST:
		if (!dst_ours)
			return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
		return sl_pkt_echo6(ctx, f, ip6, off, len);
	default:
		return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	}
}

/* An IPv6 packet at f->l2_len. */
static enum sl_pkt_verdict
sl_pkt_ipv6(struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f, uint64_t rx_ns)
{
	struct rte_mbuf *m = f->m;
	struct rte_ipv6_hdr *ip6 = sl_pkt_hdr(f, f->l2_len, sizeof(*ip6));
	uint32_t off, end;
	uint8_t proto;
	int dst_ours, dst_snm;
	unsigned n_ext;

	if (ip6 == NULL)
		return SL_PKT_DROP;
	if ((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6)
		return sl_pkt_drop(f, SL_DROP_MALFORMED);
	off = f->l2_len + sizeof(*ip6);
	end = off + rte_be_to_cpu_16(ip6->payload_len);
	if (end > rte_pktmbuf_pkt_len(m))
		return sl_pkt_drop(f, SL_DROP_TRUNCATED);
	if (unlikely(rte_pktmbuf_pkt_len(m) > end))
		sl_pkt_trim_to(m, end);
	dst_ours = ctx->has_ip6 &&
		   memcmp(ip6->dst_addr, ctx->ip6, sizeof(ip6->dst_addr)) == 0;
	dst_snm = sl_pkt_is_snm(ctx, ip6->dst_addr);
	/* The one group served is our solicited-node group (neighbour
	 * solicitations); the MAC check let only its MACs through. */
	if (f->mac_group && !dst_snm)
		return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);

	proto = ip6->proto;
	for (n_ext = 0; sl_pkt_ipv6_is_ext(proto); n_ext++) {
		const uint8_t *ext;

		if (n_ext == SL_PKT_IPV6_MAX_EXT)
			return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
		ext = sl_pkt_hdr(f, off, 2);
		if (ext == NULL)
			return SL_PKT_DROP;
		proto = ext[0];
		off += (ext[1] + 1u) * 8;
	}
	/* IPv6 reassembly is not in scope (see the top of this file). */
	if (proto == IPPROTO_FRAGMENT)
		return sl_pkt_drop(f, SL_DROP_FRAGMENT);
	if (off > end)
		return sl_pkt_drop(f, SL_DROP_TRUNCATED);

	switch (sl_pkt_l4_class(proto, 1)) {
	case SL_PKT_L4_UDP:
		return sl_pkt_udp6(ctx, f, ip6, off, end - off, dst_ours, rx_ns);
	case SL_PKT_L4_ICMP:
		if (ctx->exception && (dst_ours || dst_snm))
			return SL_PKT_KERNEL;
		return sl_pkt_icmp6(ctx, f, ip6, off, end - off, dst_ours, dst_snm);
	case SL_PKT_L4_OTHER:
		if (ctx->exception && dst_ours)
			return SL_PKT_KERNEL;
		break;
	}
	return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
}

/* An ARP packet at f->l2_len: a request for our IPv4 address becomes the
 * reply. Replies, gratuitous announcements and requests for other hosts
 * are ordinary LAN chatter and count as SL_DROP_NOT_LISTENED. */
static enum sl_pkt_verdict
sl_pkt_arp(const struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(f->m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = sl_pkt_hdr(f, f->l2_len, sizeof(*arp));
	struct rte_arp_ipv4 *a;

	if (arp == NULL)
		return SL_PKT_DROP;
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	a = &arp->arp_data;
	/* The kernel resolves its own neighbours: requests for our address
	 * and the replies to its own requests. */
	if (ctx->exception && sl_pkt_is_ip4(ctx, a->arp_tip))
		return SL_PKT_KERNEL;
	if (arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
	    !sl_pkt_is_ip4(ctx, a->arp_tip) || a->arp_sip == a->arp_tip)
		return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
	if (!rte_is_unicast_ether_addr(&a->arp_sha))
		return sl_pkt_drop(f, SL_DROP_MALFORMED);

	sl_pkt_eth_reply(ctx, eth, &a->arp_sha);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&a->arp_sha, &a->arp_tha);
	a->arp_tip = a->arp_sip;
	rte_ether_addr_copy(&ctx->mac, &a->arp_sha);
	a->arp_sip = ctx->ip4;
	sl_pkt_reply_flags(f->m);
	SL_STAT_ADD(ctx->stats, rx_arp_replies, 1);
	return SL_PKT_REPLY;
}

/* One received frame: Ethernet and its VLAN tags, then by EtherType.
 * Group destination MACs are LAN chatter except ARP broadcasts and IPv6
 * solicited-node groups. */
static inline enum sl_pkt_verdict
sl_pkt_classify(struct sl_pkt_ctx *ctx, struct sl_pkt_frame *f,
		uint64_t now_tsc, uint64_t rx_ns)
{
	struct rte_ether_hdr *eth = sl_pkt_hdr(f, 0, sizeof(*eth));
	const struct rte_ether_addr *dst;
	uint32_t off = sizeof(*eth);
	rte_be16_t type;
	unsigned tags;

	if (eth == NULL)
		return SL_PKT_DROP;
	type = eth->ether_type;
	for (tags = 0; type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
		       type == RTE_BE16(RTE_ETHER_TYPE_QINQ); tags++) {
		const struct rte_vlan_hdr *vlan;

		if (tags == SL_PKT_MAX_VLAN_TAGS)
			return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
		vlan = sl_pkt_hdr(f, off, sizeof(*vlan));
		if (vlan == NULL)
			return SL_PKT_DROP;
		type = vlan->eth_proto;
		off += sizeof(*vlan);
	}
	f->l2_len = off;
	dst = &eth->dst_addr;
	f->mac_group = rte_is_multicast_ether_addr(dst);

	switch (type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		if (f->mac_group)
			return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
		return sl_pkt_ipv4(ctx, f, now_tsc, rx_ns);
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		if (f->mac_group && !sl_pkt_mac_is_snm(dst))
			return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
		return sl_pkt_ipv6(ctx, f, rx_ns);
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		if (f->mac_group && !rte_is_broadcast_ether_addr(dst))
			return sl_pkt_drop(f, SL_DROP_NOT_LISTENED);
		return sl_pkt_arp(ctx, f);
	default:
		return sl_pkt_drop(f, SL_DROP_UNSUPPORTED);
	}
}

unsigned
sl_pkt_process(struct sl_pkt_ctx *ctx, struct rte_mbuf **in, unsigned n,
	       struct rte_mbuf **msgs, struct rte_mbuf **tx, unsigned *n_tx,
	       struct rte_mbuf **kern, unsigned *n_kern, uint64_t now_tsc,
	       uint64_t rx_ns)
{
	struct sl_lcore_stats *st = ctx->stats;
	unsigned i, n_msg = 0, n_reply = 0, n_k = 0;

	for (i = 0; i < n && i < SL_PKT_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(in[i], void *));
	for (i = 0; i < n; i++) {
		struct sl_pkt_frame f = { .m = in[i] };

		if (i + SL_PKT_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(in[i + SL_PKT_PREFETCH_AHEAD],
						       void *));
		switch (sl_pkt_classify(ctx, &f, now_tsc, rx_ns)) {
		case SL_PKT_MSG:
			msgs[n_msg++] = f.m;
			break;
		case SL_PKT_REPLY:
			tx[n_reply++] = f.m;
			break;
		case SL_PKT_KERNEL:
			kern[n_k++] = f.m;
			break;
		case SL_PKT_HELD:
			break;
		case SL_PKT_DROP:
			SL_STAT_DROP(st, f.why, 1);
			rte_pktmbuf_free(f.m);
			break;
		}
	}

	/* Flows that timed out are evicted here too, not only when a later
	 * fragment happens to hash next to them, so their mbufs come back
	 * to the pool within a burst of the timeout. */
	if (ctx->frag_tbl != NULL) {
		uint32_t before = ctx->death_row.cnt;

		rte_ip_frag_table_del_expired_entries(ctx->frag_tbl,
						      &ctx->death_row, now_tsc);
		if (ctx->death_row.cnt != before)
			SL_STAT_DROP(st, SL_DROP_FRAGMENT,
				     ctx->death_row.cnt - before);
		if (ctx->death_row.cnt != 0)
			rte_ip_frag_free_death_row(&ctx->death_row,
						   SL_PKT_PREFETCH_AHEAD);
	}
	*n_tx = n_reply;
	*n_kern = n_k;
	return n_msg;
}

int
sl_pkt_ctx_frag_init(struct sl_pkt_ctx *ctx, uint32_t max_flows,
		     uint32_t ttl_ms, int socket)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t max_cycles;
	uint32_t buckets;

	if (max_flows == 0 || max_flows > SL_PKT_FRAG_MAX_FLOWS || ttl_ms == 0) {
		rte_errno = EINVAL;
		return -1;
	}
	/* Split so that hz * ttl_ms cannot overflow. */
	max_cycles = hz / 1000 * ttl_ms + hz % 1000 * ttl_ms / 1000;
	buckets = (max_flows + SL_PKT_FRAG_FLOWS_PER_BUCKET - 1) /
		  SL_PKT_FRAG_FLOWS_PER_BUCKET;
	ctx->frag_tbl = rte_ip_frag_table_create(buckets,
						 SL_PKT_FRAG_BUCKET_ENTRIES,
						 max_flows, max_cycles, socket);
	if (ctx->frag_tbl == NULL) {
		rte_errno = ENOMEM;
		return -1;
	}
	ctx->death_row.cnt = 0;
	return 0;
}

void
sl_pkt_ctx_free(struct sl_pkt_ctx *ctx)
{
	uint32_t flushed;

	rte_ip_frag_free_death_row(&ctx->death_row, 0);
	if (ctx->frag_tbl == NULL)
		return;
	/* Every flow still held counts as dropped: expire them all (a
	 * death row at a time) rather than let the table free them
	 * unseen. */
	do {
		rte_ip_frag_table_del_expired_entries(ctx->frag_tbl,
						      &ctx->death_row, UINT64_MAX);
		flushed = ctx->death_row.cnt;
		if (flushed != 0 && ctx->stats != NULL)
			SL_STAT_DROP(ctx->stats, SL_DROP_FRAGMENT, flushed);
		rte_ip_frag_free_death_row(&ctx->death_row, 0);
	} while (flushed != 0);
	rte_ip_frag_table_destroy(ctx->frag_tbl);
	ctx->frag_tbl = NULL;
}
