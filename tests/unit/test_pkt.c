/* test_pkt.c: the packet stage on hand-built frames: parsing, every drop
 * reason, checksums (software and offload flags), IPv4 reassembly, the
 * ARP / ICMP / neighbour discovery replies, and the mbuf ownership
 * contract (the pool is full again after every test). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_udp.h>

#include "sl_meta.h"
#include "sl_pkt.h"
#include "sl_stats.h"

#define POOL_SIZE   1023
#define LISTEN_PORT 514
#define PEER_PORT   40000
#define MAX_FRAME   16384
#define MAX_BURST   512
#define RX_NS       UINT64_C(1700000000123456789)
#define INPUT_ID    7
#define FRAG_TTL_MS 100

static struct rte_mempool *pool;
static struct sl_lcore_stats stats;
static struct sl_pkt_ctx ctx;

static const struct rte_ether_addr our_mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr peer_mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr bcast_mac = {
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
};
static const struct rte_ether_addr snm_mac = { { 0x33, 0x33, 0xff, 0, 0, 0x01 } };
static const struct rte_ether_addr allnodes_mac = { { 0x33, 0x33, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr mcast4_mac = { { 0x01, 0x00, 0x5e, 0, 0, 0x01 } };

static uint32_t our_ip4, peer_ip4, other_ip4;
static uint8_t our_ip6[16], peer_ip6[16], other_ip6[16], snm_ip6[16],
	allnodes_ip6[16], unspec_ip6[16];

/* Outputs of one sl_pkt_process() call. */
struct out {
	struct rte_mbuf *msgs[MAX_BURST];
	struct rte_mbuf *tx[MAX_BURST];
	struct rte_mbuf *kern[MAX_BURST];
	unsigned n_msg;
	unsigned n_tx;
	unsigned n_kern;
};

/* ---- mbufs and the pool ------------------------------------------------ */

static struct rte_mbuf *
mk(const void *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(p);
	memcpy(p, data, len);
	return m;
}

/* A frame as a scattering PMD delivers it: seg bytes per segment. */
static struct rte_mbuf *
mk_segs(const void *data, size_t len, size_t seg)
{
	struct rte_mbuf *head = NULL;
	size_t done = 0;

	do {
		size_t k = len - done < seg ? len - done : seg;
		struct rte_mbuf *m = mk((const uint8_t *)data + done, k);

		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		done += k;
	} while (done < len);
	return head;
}

static void
assert_pool_full(void)
{
	assert_int_equal(rte_mempool_avail_count(pool), POOL_SIZE);
}

static void
run_at(struct rte_mbuf **in, unsigned n, struct out *o, uint64_t now)
{
	o->n_msg = sl_pkt_process(&ctx, in, n, o->msgs, o->tx, &o->n_tx,
				  o->kern, &o->n_kern, now, RX_NS);
	assert_true(o->n_msg + o->n_tx + o->n_kern <= n);
}

static void
run(struct rte_mbuf **in, unsigned n, struct out *o)
{
	run_at(in, n, o, 1000);
}

static void
out_free(struct out *o)
{
	rte_pktmbuf_free_bulk(o->msgs, o->n_msg);
	rte_pktmbuf_free_bulk(o->tx, o->n_tx);
	rte_pktmbuf_free_bulk(o->kern, o->n_kern);
	o->n_msg = o->n_tx = o->n_kern = 0;
}

static uint64_t
drops_total(void)
{
	uint64_t t = 0;
	unsigned i;

	for (i = 0; i < SL_DROP__COUNT; i++)
		t += stats.drops[i];
	return t;
}

/* Processes one frame and checks it was dropped, once, for reason r. */
static void
expect_drop_m(struct rte_mbuf *m, enum sl_drop_reason r)
{
	uint64_t before = stats.drops[r], total = drops_total();
	struct out o;

	run(&m, 1, &o);
	if (o.n_msg != 0 || o.n_tx != 0 || stats.drops[r] != before + 1)
		print_error("expected drop %s, got msgs=%u tx=%u\n",
			    sl_drop_name(r), o.n_msg, o.n_tx);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(o.n_tx, 0);
	assert_int_equal(stats.drops[r], before + 1);
	assert_int_equal(drops_total(), total + 1);
}

static void
expect_drop(const void *frame, size_t len, enum sl_drop_reason r)
{
	expect_drop_m(mk(frame, len), r);
}

/* Processes one frame and checks it became a message; returns it. */
static struct rte_mbuf *
expect_msg_m(struct rte_mbuf *m)
{
	uint64_t total = drops_total();
	struct out o;

	run(&m, 1, &o);
	if (o.n_msg != 1) {
		unsigned i;

		for (i = 0; i < SL_DROP__COUNT; i++)
			if (stats.drops[i] != 0)
				print_error("drop %s=%lu\n", sl_drop_name(i),
					    (unsigned long)stats.drops[i]);
	}
	assert_int_equal(o.n_msg, 1);
	assert_int_equal(o.n_tx, 0);
	assert_int_equal(drops_total(), total);
	return o.msgs[0];
}

static struct rte_mbuf *
expect_msg(const void *frame, size_t len)
{
	return expect_msg_m(mk(frame, len));
}

/* Processes one frame and checks it became a reply; returns it. */
static struct rte_mbuf *
expect_reply(const void *frame, size_t len)
{
	uint64_t total = drops_total();
	struct rte_mbuf *m = mk(frame, len);
	struct out o;

	run(&m, 1, &o);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(o.n_tx, 1);
	assert_int_equal(drops_total(), total);
	return o.tx[0];
}

/* Checks that m holds exactly len bytes equal to want. */
static void
assert_payload(const struct rte_mbuf *m, const uint8_t *want, size_t len)
{
	static uint8_t buf[70000];
	const void *p;

	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
	p = rte_pktmbuf_read(m, 0, (uint32_t)len, buf);
	assert_non_null(p);
	assert_memory_equal(p, want, len);
}

/* ---- frame builders ---------------------------------------------------- */

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

/* Ethernet header with `vlans` tags: one is 802.1Q, two or more start
 * with an 802.1ad outer tag. Returns the L2 length. */
static size_t
put_l2(uint8_t *p, const struct rte_ether_addr *dst, int vlans, uint16_t type)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	size_t off = sizeof(*eth);
	int i;

	eth->dst_addr = *dst;
	eth->src_addr = peer_mac;
	eth->ether_type = htons(vlans == 0 ? type : vlans == 1 ?
				RTE_ETHER_TYPE_VLAN : RTE_ETHER_TYPE_QINQ);
	for (i = 0; i < vlans; i++) {
		struct rte_vlan_hdr *v = (struct rte_vlan_hdr *)(p + off);

		v->vlan_tci = htons((uint16_t)(100 + i));
		v->eth_proto = htons(i == vlans - 1 ? type : RTE_ETHER_TYPE_VLAN);
		off += sizeof(*v);
	}
	return off;
}

static void
put_ip4(struct rte_ipv4_hdr *ip, uint32_t src, uint32_t dst, uint8_t proto,
	size_t l4_len, uint16_t id, uint16_t frag)
{
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = htons((uint16_t)(sizeof(*ip) + l4_len));
	ip->packet_id = htons(id);
	ip->fragment_offset = htons(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* Recomputes the IPv4 header checksum of the frame's IP header at off. */
static void
fix_ip4_csum(uint8_t *p, size_t off)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + off);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void
put_ip6(struct rte_ipv6_hdr *ip6, const uint8_t *src, const uint8_t *dst,
	uint8_t proto, size_t payload_len, uint8_t hops)
{
	ip6->vtc_flow = htonl(6u << 28);
	ip6->payload_len = htons((uint16_t)payload_len);
	ip6->proto = proto;
	ip6->hop_limits = hops;
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
}

/* What a UDP test frame looks like. */
struct udp_opt {
	int ipv6;
	int vlans;
	const struct rte_ether_addr *dst_mac;
	uint32_t src4, dst4;
	const uint8_t *src6, *dst6;
	uint16_t dport;
	const uint8_t *payload;
	size_t plen;
	int no_csum;
};

static struct udp_opt
udp_opt(int ipv6, const uint8_t *payload, size_t plen)
{
	struct udp_opt o = {
		.ipv6 = ipv6, .dst_mac = &our_mac,
		.src4 = peer_ip4, .dst4 = our_ip4,
		.src6 = peer_ip6, .dst6 = our_ip6,
		.dport = LISTEN_PORT, .payload = payload, .plen = plen,
	};
	return o;
}

static size_t
build_udp(uint8_t *p, const struct udp_opt *o)
{
	size_t off = put_l2(p, o->dst_mac, o->vlans,
			    o->ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	size_t l4_len = sizeof(struct rte_udp_hdr) + o->plen;
	struct rte_udp_hdr *udp;

	if (o->ipv6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + off);

		put_ip6(ip6, o->src6, o->dst6, IPPROTO_UDP, l4_len, 64);
		udp = (struct rte_udp_hdr *)(ip6 + 1);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + off);

		put_ip4(ip, o->src4, o->dst4, IPPROTO_UDP, l4_len, 0x1234, 0);
		udp = (struct rte_udp_hdr *)(ip + 1);
	}
	udp->src_port = htons(PEER_PORT);
	udp->dst_port = htons(o->dport);
	udp->dgram_len = htons((uint16_t)l4_len);
	udp->dgram_cksum = 0;
	memcpy(udp + 1, o->payload, o->plen);
	if (!o->no_csum)
		udp->dgram_cksum = o->ipv6 ?
			rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)(p + off), udp) :
			rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)(p + off), udp);
	return off + (o->ipv6 ? sizeof(struct rte_ipv6_hdr) :
		      sizeof(struct rte_ipv4_hdr)) + l4_len;
}

/* Builds into dg the UDP part (header + payload) of an IPv4 datagram to
 * dst, checksummed. Returns its length. */
static size_t
build_udp4_dgram(uint8_t *dg, uint32_t dst, uint16_t dport,
		 const uint8_t *payload, size_t plen)
{
	struct rte_ipv4_hdr ip;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)dg;
	size_t l4_len = sizeof(*udp) + plen;

	put_ip4(&ip, peer_ip4, dst, IPPROTO_UDP, l4_len, 0, 0);
	udp->src_port = htons(PEER_PORT);
	udp->dst_port = htons(dport);
	udp->dgram_len = htons((uint16_t)l4_len);
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, plen);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(&ip, udp);
	return l4_len;
}

/* One IPv4 fragment carrying dg[ofs .. ofs+len). */
static size_t
build_frag4(uint8_t *p, const uint8_t *dg, size_t ofs, size_t len, int mf,
	    uint16_t id, uint32_t dst, uint8_t proto)
{
	size_t off = put_l2(p, &our_mac, 0, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + off);

	put_ip4(ip, peer_ip4, dst, proto, len, id,
		(uint16_t)(ofs / 8 | (mf ? RTE_IPV4_HDR_MF_FLAG : 0)));
	memcpy(ip + 1, dg + ofs, len);
	return off + sizeof(*ip) + len;
}

/* Splits dg (dg_len bytes) into fragments of at most chunk bytes
 * (a multiple of 8) as mbufs, in natural order. Returns their count. */
static unsigned
frags_of(const uint8_t *dg, size_t dg_len, size_t chunk, uint16_t id,
	 struct rte_mbuf **m)
{
	static uint8_t f[MAX_FRAME];
	size_t ofs;
	unsigned n = 0;

	for (ofs = 0; ofs < dg_len; ofs += chunk) {
		size_t len = dg_len - ofs < chunk ? dg_len - ofs : chunk;
		size_t fl = build_frag4(f, dg, ofs, len, ofs + len < dg_len, id,
					our_ip4, IPPROTO_UDP);

		m[n++] = mk(f, fl);
	}
	return n;
}

static size_t
build_arp(uint8_t *p, int vlans, const struct rte_ether_addr *dst_mac,
	  uint16_t op, uint32_t sip, uint32_t tip, size_t pad_to)
{
	size_t off = put_l2(p, dst_mac, vlans, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + off);
	size_t len = off + sizeof(*arp);

	arp->arp_hardware = htons(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = htons(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = htons(op);
	arp->arp_data.arp_sha = peer_mac;
	arp->arp_data.arp_sip = sip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = tip;
	if (pad_to > len) {
		memset(p + len, 0, pad_to - len);
		len = pad_to;
	}
	return len;
}

static size_t
build_echo4(uint8_t *p, uint32_t dst, uint8_t type, size_t plen)
{
	size_t off = put_l2(p, &our_mac, 0, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + off);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	put_ip4(ip, peer_ip4, dst, IPPROTO_ICMP, sizeof(*icmp) + plen, 7, 0);
	ip->time_to_live = 17;
	fix_ip4_csum(p, off);
	icmp->icmp_type = type;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = htons(0x4242);
	icmp->icmp_seq_nb = htons(9);
	fill((uint8_t *)(icmp + 1), plen, 3);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + plen);
	return off + sizeof(*ip) + sizeof(*icmp) + plen;
}

static size_t
build_echo6(uint8_t *p, const uint8_t *dst, const struct rte_ether_addr *dmac,
	    size_t plen)
{
	size_t off = put_l2(p, dmac, 0, RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + off);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip6 + 1);

	put_ip6(ip6, peer_ip6, dst, IPPROTO_ICMPV6, sizeof(*icmp) + plen, 64);
	icmp->icmp_type = 128;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = htons(0x4343);
	icmp->icmp_seq_nb = htons(1);
	fill((uint8_t *)(icmp + 1), plen, 5);
	icmp->icmp_cksum = rte_ipv6_udptcp_cksum(ip6, icmp);
	return off + sizeof(*ip6) + sizeof(*icmp) + plen;
}

/* A neighbour solicitation for target; slla adds the source link-layer
 * address option. */
static size_t
build_ns(uint8_t *p, int vlans, const uint8_t *src, const uint8_t *dst,
	 const struct rte_ether_addr *dmac, const uint8_t *target, int slla,
	 uint8_t hops)
{
	size_t off = put_l2(p, dmac, vlans, RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + off);
	uint8_t *nd = (uint8_t *)(ip6 + 1);
	size_t len = 24 + (slla ? 8 : 0);
	uint16_t ck;

	put_ip6(ip6, src, dst, IPPROTO_ICMPV6, len, hops);
	memset(nd, 0, len);
	nd[0] = 135;
	memcpy(nd + 8, target, 16);
	if (slla) {
		nd[24] = 1;
		nd[25] = 1;
		memcpy(nd + 26, &peer_mac, 6);
	}
	ck = rte_ipv6_udptcp_cksum(ip6, nd);
	memcpy(nd + 2, &ck, 2);
	return off + sizeof(*ip6) + len;
}

/* ---- setup ------------------------------------------------------------- */

static int
group_setup(void **state)
{
	char prefix[64];
	/* No --in-memory: DPDK 22.11 makes --no-huge imply legacy memory,
	 * which it refuses together with --in-memory. --no-shconf and a
	 * per-process prefix keep runs apart just the same. */
	char *argv[] = {
		"test_pkt", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
		"--log-level=lib.*:error", "--log-level=user1:error", prefix,
	};

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=test_pkt_%ld",
		 (long)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("pkt", POOL_SIZE, 0, SL_META_PRIV_SIZE,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL)
		return -1;
	if (inet_pton(AF_INET, "198.18.0.1", &our_ip4) != 1 ||
	    inet_pton(AF_INET, "198.18.0.2", &peer_ip4) != 1 ||
	    inet_pton(AF_INET, "198.18.0.3", &other_ip4) != 1 ||
	    inet_pton(AF_INET6, "2001:db8::1", our_ip6) != 1 ||
	    inet_pton(AF_INET6, "2001:db8::2", peer_ip6) != 1 ||
	    inet_pton(AF_INET6, "2001:db8::3", other_ip6) != 1 ||
	    inet_pton(AF_INET6, "ff02::1:ff00:1", snm_ip6) != 1 ||
	    inet_pton(AF_INET6, "ff02::1", allnodes_ip6) != 1)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_mempool_free(pool);
	return rte_eal_cleanup() == 0 ? 0 : -1;
}

static int
test_setup(void **state)
{
	(void)state;
	memset(&stats, 0, sizeof(stats));
	memset(&ctx, 0, sizeof(ctx));
	ctx.mac = our_mac;
	ctx.has_ip4 = 1;
	ctx.ip4 = our_ip4;
	ctx.has_ip6 = 1;
	memcpy(ctx.ip6, our_ip6, 16);
	ctx.listen_port = LISTEN_PORT;
	ctx.max_message = 65535;
	ctx.input = INPUT_ID;
	ctx.stats = &stats;
	return sl_pkt_ctx_frag_init(&ctx, 64, FRAG_TTL_MS, SOCKET_ID_ANY);
}

/* The ownership contract: once the test freed what it was handed, every
 * mbuf is back in the pool. */
static int
test_teardown(void **state)
{
	(void)state;
	sl_pkt_ctx_free(&ctx);
	if (rte_mempool_avail_count(pool) != POOL_SIZE) {
		print_error("pool: %u of %u mbufs back\n",
			    rte_mempool_avail_count(pool), POOL_SIZE);
		return -1;
	}
	return 0;
}

/* ---- UDP --------------------------------------------------------------- */

static const uint8_t syslog_line[] =
	"<13>Jan  1 00:00:00 host app: hello from the test";

static void
check_meta_v4(struct rte_mbuf *m, uint16_t flags)
{
	struct sl_meta *meta = sl_meta(m);
	struct sl_addr want;

	sl_addr_set_v4(&want, peer_ip4, PEER_PORT);
	assert_int_equal(meta->rx_ns, RX_NS);
	assert_memory_equal(&meta->src, &want, sizeof(want));
	assert_int_equal(meta->src_hash, sl_addr_hash(&want));
	assert_int_equal(meta->input, INPUT_ID);
	assert_int_equal(meta->flags, flags);
}

static void
test_udp4_good(void **state)
{
	uint8_t f[MAX_FRAME];
	struct udp_opt o = udp_opt(0, syslog_line, sizeof(syslog_line) - 1);
	struct rte_mbuf *m = expect_msg(f, build_udp(f, &o));

	(void)state;
	assert_int_equal(rte_pktmbuf_data_len(m), sizeof(syslog_line) - 1);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), syslog_line,
			    sizeof(syslog_line) - 1);
	assert_payload(m, syslog_line, sizeof(syslog_line) - 1);
	check_meta_v4(m, 0);
	assert_int_equal(drops_total(), 0);
	rte_pktmbuf_free(m);
	assert_pool_full();
}

static void
test_udp6_good(void **state)
{
	uint8_t f[MAX_FRAME];
	struct udp_opt o = udp_opt(1, syslog_line, sizeof(syslog_line) - 1);
	struct rte_mbuf *m = expect_msg(f, build_udp(f, &o));
	struct sl_meta *meta = sl_meta(m);
	struct sl_addr want;

	(void)state;
	assert_int_equal(rte_pktmbuf_data_len(m), sizeof(syslog_line) - 1);
	assert_payload(m, syslog_line, sizeof(syslog_line) - 1);
	sl_addr_set_v6(&want, peer_ip6, PEER_PORT);
	assert_memory_equal(&meta->src, &want, sizeof(want));
	assert_int_equal(meta->src_hash, sl_addr_hash(&want));
	assert_int_equal(meta->rx_ns, RX_NS);
	assert_int_equal(meta->input, INPUT_ID);
	assert_int_equal(meta->flags, 0);
	rte_pktmbuf_free(m);
	assert_pool_full();
}

static void
test_vlan(void **state)
{
	uint8_t f[MAX_FRAME];
	size_t len;
	int v6, vlans;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		for (vlans = 1; vlans <= 2; vlans++) {
			struct udp_opt o = udp_opt(v6, syslog_line, 10);
			struct rte_mbuf *m;

			o.vlans = vlans;
			m = expect_msg(f, build_udp(f, &o));
			assert_payload(m, syslog_line, 10);
			rte_pktmbuf_free(m);
		}
		/* Double 802.1Q (0x8100 outer) is taken as well. */
		{
			struct udp_opt o = udp_opt(v6, syslog_line, 10);
			struct rte_mbuf *m;

			o.vlans = 2;
			len = build_udp(f, &o);
			((struct rte_ether_hdr *)f)->ether_type = htons(RTE_ETHER_TYPE_VLAN);
			m = expect_msg(f, len);
			assert_payload(m, syslog_line, 10);
			rte_pktmbuf_free(m);
		}
		/* Three tags are refused. */
		{
			struct udp_opt o = udp_opt(v6, syslog_line, 10);

			o.vlans = 3;
			expect_drop(f, build_udp(f, &o), SL_DROP_UNSUPPORTED);
		}
	}
	assert_pool_full();
}

static void
test_padding_trimmed(void **state)
{
	uint8_t f[MAX_FRAME];
	struct rte_mbuf *m;
	size_t len;
	int v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		struct udp_opt o = udp_opt(v6, syslog_line, 4);

		/* Padding after the datagram (to the Ethernet minimum for
		 * IPv4, a trailer for IPv6). */
		len = build_udp(f, &o);
		memset(f + len, 0xee, 8);
		m = expect_msg(f, len + 8);
		assert_int_equal(rte_pktmbuf_data_len(m), 4);
		assert_payload(m, syslog_line, 4);
		rte_pktmbuf_free(m);

		/* Trailing garbage spanning several segments. */
		len = build_udp(f, &o);
		memset(f + len, 0xab, 300);
		m = expect_msg_m(mk_segs(f, len + 300, 64));
		assert_payload(m, syslog_line, 4);
		rte_pktmbuf_free(m);
	}
	assert_pool_full();
}

/* Every prefix of a good frame is counted TRUNCATED, never read past. */
static void
test_truncated_every_offset(void **state)
{
	static uint8_t f[8][MAX_FRAME];
	size_t flen[8], len;
	unsigned t;
	struct udp_opt o4 = udp_opt(0, syslog_line, 20);
	struct udp_opt o4v = udp_opt(0, syslog_line, 20);
	struct udp_opt o6 = udp_opt(1, syslog_line, 20);

	(void)state;
	o4v.vlans = 2;
	flen[0] = build_udp(f[0], &o4);
	flen[1] = build_udp(f[1], &o4v);
	flen[2] = build_udp(f[2], &o6);
	flen[3] = build_arp(f[3], 0, &bcast_mac, RTE_ARP_OP_REQUEST, peer_ip4,
			    our_ip4, 0);
	flen[4] = build_echo4(f[4], our_ip4, RTE_IP_ICMP_ECHO_REQUEST, 24);
	flen[5] = build_echo6(f[5], our_ip6, &our_mac, 24);
	flen[6] = build_ns(f[6], 1, peer_ip6, snm_ip6, &snm_mac, our_ip6, 1, 255);
	flen[7] = build_ns(f[7], 0, peer_ip6, our_ip6, &our_mac, our_ip6, 0, 255);
	for (t = 0; t < 8; t++) {
		/* The full frame is good... */
		struct rte_mbuf *m = mk(f[t], flen[t]);
		struct out o;

		run(&m, 1, &o);
		assert_int_equal(o.n_msg + o.n_tx, 1);
		out_free(&o);
		/* ...and each of its prefixes is truncated. */
		for (len = 0; len < flen[t]; len++)
			expect_drop(f[t], len, SL_DROP_TRUNCATED);
	}
	assert_pool_full();
}

static void
test_ip_malformed(void **state)
{
	uint8_t f[MAX_FRAME], g[MAX_FRAME];
	struct udp_opt o = udp_opt(0, syslog_line, 20);
	struct udp_opt o6 = udp_opt(1, syslog_line, 20);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(g + 14);
	size_t len = build_udp(f, &o), len6;

	(void)state;
	/* IHL below 5. */
	memcpy(g, f, len);
	ip->version_ihl = 0x44;
	expect_drop(g, len, SL_DROP_MALFORMED);
	/* Version 5 inside an IPv4 EtherType. */
	memcpy(g, f, len);
	ip->version_ihl = 0x55;
	expect_drop(g, len, SL_DROP_MALFORMED);
	/* total_length shorter than the header. */
	memcpy(g, f, len);
	ip->total_length = htons(12);
	fix_ip4_csum(g, 14);
	expect_drop(g, len, SL_DROP_MALFORMED);
	/* total_length past the frame. */
	memcpy(g, f, len);
	ip->total_length = htons((uint16_t)(len - 14 + 1));
	fix_ip4_csum(g, 14);
	expect_drop(g, len, SL_DROP_TRUNCATED);
	/* IPv6 version 4 inside an IPv6 EtherType. */
	len6 = build_udp(g, &o6);
	((struct rte_ipv6_hdr *)(g + 14))->vtc_flow = htonl(4u << 28);
	expect_drop(g, len6, SL_DROP_MALFORMED);
	assert_pool_full();
}

static void
test_ip_csum(void **state)
{
	uint8_t f[MAX_FRAME];
	struct udp_opt o = udp_opt(0, syslog_line, 20);
	size_t len = build_udp(f, &o);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	struct rte_mbuf *m;

	(void)state;
	/* Software check of a wrong header checksum. */
	ip->hdr_checksum ^= htons(0x0101);
	expect_drop(f, len, SL_DROP_BAD_CSUM);
	/* The port vouched for it: believed. */
	m = mk(f, len);
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	rte_pktmbuf_free(expect_msg_m(m));
	/* The port says bad on a good header: believed too. */
	ip->hdr_checksum ^= htons(0x0101);
	m = mk(f, len);
	m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_BAD;
	expect_drop_m(m, SL_DROP_BAD_CSUM);
	/* IPv4 options are covered by the checksum. */
	{
		uint8_t g[MAX_FRAME];
		struct rte_ipv4_hdr *gip = (struct rte_ipv4_hdr *)(g + 14);
		struct rte_udp_hdr *udp;

		memcpy(g, f, 34);
		memset(g + 34, 1, 4);                 /* four NOP options */
		memcpy(g + 38, f + 34, len - 34);
		gip->version_ihl = 0x46;
		gip->total_length = htons((uint16_t)(len - 14 + 4));
		fix_ip4_csum(g, 14);
		udp = (struct rte_udp_hdr *)(g + 38);
		udp->dgram_cksum = 0;
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(gip, udp);
		m = expect_msg(g, len + 4);
		assert_payload(m, syslog_line, 20);
		rte_pktmbuf_free(m);
		g[36] = 2;
		expect_drop(g, len + 4, SL_DROP_BAD_CSUM);
	}
	assert_pool_full();
}

static void
test_udp_csum(void **state)
{
	static uint8_t f[MAX_FRAME], big[9000];
	struct rte_mbuf *m;
	size_t len;
	int v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		struct udp_opt o = udp_opt(v6, syslog_line, 20);
		size_t l4 = 14 + (v6 ? 40 : 20);

		/* A flipped payload byte. */
		len = build_udp(f, &o);
		f[len - 1] ^= 0x40;
		expect_drop(f, len, SL_DROP_BAD_CSUM);
		/* The port vouched: believed; the port says bad: believed. */
		m = mk(f, len);
		m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		rte_pktmbuf_free(expect_msg_m(m));
		f[len - 1] ^= 0x40;
		m = mk(f, len);
		m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_BAD;
		expect_drop_m(m, SL_DROP_BAD_CSUM);
		/* Zero checksum: "none" over IPv4, invalid over IPv6. */
		o.no_csum = 1;
		len = build_udp(f, &o);
		assert_int_equal(((struct rte_udp_hdr *)(f + l4))->dgram_cksum, 0);
		if (v6) {
			expect_drop(f, len, SL_DROP_BAD_CSUM);
			m = mk(f, len);
			m->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD;
			expect_drop_m(m, SL_DROP_BAD_CSUM);
		} else {
			m = expect_msg(f, len);
			assert_payload(m, syslog_line, 20);
			rte_pktmbuf_free(m);
		}

		/* A jumbo frame in segments: checksum over the chain. */
		fill(big, sizeof(big), 11);
		o = udp_opt(v6, big, 8900);
		len = build_udp(f, &o);
		m = expect_msg_m(mk_segs(f, len, 1000));
		assert_true(m->nb_segs > 1);
		assert_payload(m, big, 8900);
		rte_pktmbuf_free(m);
		f[5000] ^= 0x01;
		expect_drop_m(mk_segs(f, len, 1000), SL_DROP_BAD_CSUM);
	}
	assert_pool_full();
}

/* sl_pkt_csum against DPDK's rte_raw_cksum: every length up to 300 at
 * every alignment, with and without a starting sum. */
static void
test_csum_sum(void **state)
{
	static uint8_t buf[320];
	static const uint32_t starts[] = { 0, 1, 0xfffe, 0xffff, 0x2fffd };
	size_t len, off, i;
	uint32_t folded;

	(void)state;
	fill(buf, sizeof(buf), 7);
	for (off = 0; off < 8; off++) {
		for (len = 0; len <= 300; len++) {
			uint16_t ref = rte_raw_cksum(buf + off, len);

			assert_int_equal(sl_pkt_csum(buf + off, len, 0), ref);
			for (i = 0; i < RTE_DIM(starts); i++) {
				folded = ref + starts[i];
				while (folded > 0xffff)
					folded = (folded & 0xffff) + (folded >> 16);
				assert_int_equal(sl_pkt_csum(buf + off, len,
							     starts[i]),
						 folded);
			}
		}
	}
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(sl_pkt_csum(buf, 300, 0), rte_raw_cksum(buf, 300));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(sl_pkt_csum(buf, 300, 0), 0);
}

/* A bit flipped in any payload byte, for payloads of every length up to
 * 40 (so the end falls at every alignment of the summing loop), is a bad
 * checksum; the untouched datagram passes. */
static void
test_udp_csum_every_byte(void **state)
{
	static uint8_t f[MAX_FRAME], payload[40];
	struct rte_mbuf *m;
	size_t plen, len, pos;
	int v6;

	(void)state;
	fill(payload, sizeof(payload), 3);
	for (v6 = 0; v6 <= 1; v6++) {
		for (plen = 1; plen <= sizeof(payload); plen++) {
			struct udp_opt o = udp_opt(v6, payload, plen);

			len = build_udp(f, &o);
			m = expect_msg(f, len);
			assert_payload(m, payload, plen);
			rte_pktmbuf_free(m);
			for (pos = len - plen; pos < len; pos++) {
				f[pos] ^= 0x04;
				expect_drop(f, len, SL_DROP_BAD_CSUM);
				f[pos] ^= 0x04;
			}
		}
	}
	assert_pool_full();
}

static void
test_udp_len(void **state)
{
	uint8_t f[MAX_FRAME];
	struct rte_udp_hdr *udp;
	size_t len;
	int v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		struct udp_opt o = udp_opt(v6, syslog_line, 20);
		size_t l4 = 14 + (v6 ? 40 : 20);

		len = build_udp(f, &o);
		udp = (struct rte_udp_hdr *)(f + l4);
		udp->dgram_len = htons(7);
		expect_drop(f, len, SL_DROP_MALFORMED);
		udp->dgram_len = htons(8 + 21);
		expect_drop(f, len, SL_DROP_TRUNCATED);
		udp->dgram_len = htons(8 + 19);
		expect_drop(f, len, SL_DROP_MALFORMED);
	}
	/* An IPv4 payload too short for a UDP header. */
	{
		struct udp_opt o = udp_opt(0, syslog_line, 0);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		len = build_udp(f, &o);
		ip->total_length = htons(20 + 4);
		fix_ip4_csum(f, 14);
		expect_drop(f, len, SL_DROP_MALFORMED);
	}
	assert_pool_full();
}

static void
test_not_listened(void **state)
{
	uint8_t f[MAX_FRAME];
	struct rte_mbuf *m;
	int v6;

	(void)state;
	for (v6 = 0; v6 <= 1; v6++) {
		struct udp_opt o = udp_opt(v6, syslog_line, 20);

		o.dport = LISTEN_PORT + 1;
		expect_drop(f, build_udp(f, &o), SL_DROP_NOT_LISTENED);
		o.dport = LISTEN_PORT;
		o.dst4 = other_ip4;
		o.dst6 = other_ip6;
		expect_drop(f, build_udp(f, &o), SL_DROP_NOT_LISTENED);
		ctx.listen_any = 1;
		m = expect_msg(f, build_udp(f, &o));
		assert_payload(m, syslog_line, 20);
		rte_pktmbuf_free(m);
		/* listen_any never takes a group address. */
		if (v6) {
			o.dst6 = allnodes_ip6;
		} else {
			o.dst4 = htonl(0xffffffffu);
		}
		expect_drop(f, build_udp(f, &o), SL_DROP_NOT_LISTENED);
		/* A group MAC is refused before anything else. */
		o = udp_opt(v6, syslog_line, 20);
		o.dst_mac = v6 ? &allnodes_mac : &mcast4_mac;
		expect_drop(f, build_udp(f, &o), SL_DROP_NOT_LISTENED);
		/* Our solicited-node MAC serves neighbour discovery only. */
		o.dst_mac = &snm_mac;
		expect_drop(f, build_udp(f, &o), SL_DROP_NOT_LISTENED);
		ctx.listen_any = 0;
	}
	/* No address of ours at all. */
	ctx.has_ip4 = 0;
	{
		struct udp_opt o = udp_opt(0, syslog_line, 20);

		expect_drop(f, build_udp(f, &o), SL_DROP_NOT_LISTENED);
	}
	assert_pool_full();
}

static void
test_sizes(void **state)
{
	static uint8_t f[MAX_FRAME], big[200];
	struct rte_mbuf *m;
	int v6;

	(void)state;
	fill(big, sizeof(big), 1);
	ctx.max_message = 100;
	for (v6 = 0; v6 <= 1; v6++) {
		struct udp_opt o = udp_opt(v6, big, 100);

		m = expect_msg(f, build_udp(f, &o));
		assert_payload(m, big, 100);
		rte_pktmbuf_free(m);
		o.plen = 101;
		expect_drop(f, build_udp(f, &o), SL_DROP_OVERSIZE);
		o.plen = 0;
		expect_drop(f, build_udp(f, &o), SL_DROP_EMPTY);
	}
	assert_pool_full();
}

static void
test_unsupported(void **state)
{
	uint8_t f[MAX_FRAME];
	struct udp_opt o4 = udp_opt(0, syslog_line, 20);
	struct udp_opt o6 = udp_opt(1, syslog_line, 20);
	size_t len;

	(void)state;
	/* Not IP, not ARP (LLDP). */
	len = put_l2(f, &our_mac, 0, 0x88cc);
	memset(f + len, 0, 46);
	expect_drop(f, len + 46, SL_DROP_UNSUPPORTED);
	/* TCP over IPv4 and IPv6. */
	len = build_udp(f, &o4);
	((struct rte_ipv4_hdr *)(f + 14))->next_proto_id = IPPROTO_TCP;
	fix_ip4_csum(f, 14);
	expect_drop(f, len, SL_DROP_UNSUPPORTED);
	len = build_udp(f, &o6);
	((struct rte_ipv6_hdr *)(f + 14))->proto = IPPROTO_TCP;
	expect_drop(f, len, SL_DROP_UNSUPPORTED);
	/* An IPv6 fragment header. */
	len = build_udp(f, &o6);
	((struct rte_ipv6_hdr *)(f + 14))->proto = IPPROTO_FRAGMENT;
	expect_drop(f, len, SL_DROP_FRAGMENT);
	/* ICMP other than echo request. */
	expect_drop(f, build_echo4(f, our_ip4, 13, 12), SL_DROP_UNSUPPORTED);
	assert_pool_full();
}

/* Writes an IPv6 UDP frame with a hop-by-hop and a destination-options
 * header in front of UDP, checksummed over the right pseudo header. */
static size_t
build_udp6_ext(uint8_t *p, const uint8_t *payload, size_t plen, int n_ext)
{
	size_t off = put_l2(p, &our_mac, 0, RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + off);
	struct rte_ipv6_hdr pseudo;
	uint8_t *e = (uint8_t *)(ip6 + 1);
	struct rte_udp_hdr *udp;
	size_t ext_len = 0, l4_len = sizeof(*udp) + plen;
	int i;

	for (i = 0; i < n_ext; i++) {
		/* Alternate hop-by-hop (8 bytes) and destination options (16). */
		size_t el = i % 2 ? 16 : 8;

		memset(e + ext_len, 0, el);
		e[ext_len] = i == n_ext - 1 ? IPPROTO_UDP : (i % 2 ? IPPROTO_HOPOPTS
								    : IPPROTO_DSTOPTS);
		e[ext_len + 1] = (uint8_t)(el / 8 - 1);
		e[ext_len + 2] = 1;                    /* PadN */
		e[ext_len + 3] = (uint8_t)(el - 4);
		ext_len += el;
	}
	put_ip6(ip6, peer_ip6, our_ip6, n_ext ? IPPROTO_HOPOPTS : IPPROTO_UDP,
		ext_len + l4_len, 64);
	udp = (struct rte_udp_hdr *)(e + ext_len);
	udp->src_port = htons(PEER_PORT);
	udp->dst_port = htons(LISTEN_PORT);
	udp->dgram_len = htons((uint16_t)l4_len);
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, plen);
	pseudo = *ip6;
	pseudo.proto = IPPROTO_UDP;
	pseudo.payload_len = htons((uint16_t)l4_len);
	udp->dgram_cksum = rte_ipv6_udptcp_cksum(&pseudo, udp);
	return off + sizeof(*ip6) + ext_len + l4_len;
}

static void
test_ipv6_ext_headers(void **state)
{
	uint8_t f[MAX_FRAME];
	struct rte_mbuf *m;
	size_t len;

	(void)state;
	m = expect_msg(f, build_udp6_ext(f, syslog_line, 20, 2));
	assert_payload(m, syslog_line, 20);
	rte_pktmbuf_free(m);
	/* A corrupted payload is still caught with extension headers. */
	len = build_udp6_ext(f, syslog_line, 20, 2);
	f[len - 1] ^= 1;
	expect_drop(f, len, SL_DROP_BAD_CSUM);
	/* Too many extension headers. */
	expect_drop(f, build_udp6_ext(f, syslog_line, 20, 9), SL_DROP_UNSUPPORTED);
	/* An extension header claiming more than the packet holds. */
	len = build_udp6_ext(f, syslog_line, 4, 1);
	f[14 + 40 + 1] = 200;
	expect_drop(f, len, SL_DROP_TRUNCATED);
	assert_pool_full();
}

/* ---- IPv4 reassembly --------------------------------------------------- */

static uint8_t dg_payload[70000];
static uint8_t dg[70000];

/* Sends frags[order[i]] in one burst (or one per burst) and returns the
 * outputs of the last call. */
static void
send_frags(struct rte_mbuf **frags, const unsigned *order, unsigned n,
	   int one_burst, struct out *o, uint64_t now)
{
	struct rte_mbuf *in[16];
	unsigned i;

	for (i = 0; i < n; i++)
		in[i] = frags[order[i]];
	if (one_burst) {
		run_at(in, n, o, now);
		return;
	}
	for (i = 0; i < n; i++) {
		run_at(&in[i], 1, o, now);
		if (i + 1 < n) {
			assert_int_equal(o->n_msg, 0);
			assert_int_equal(o->n_tx, 0);
		}
	}
}

static void
check_reassembled(struct rte_mbuf *m, size_t plen, unsigned nb_segs)
{
	assert_int_equal(m->nb_segs, nb_segs);
	assert_payload(m, dg_payload, plen);
	check_meta_v4(m, SL_META_F_FRAGMENTED);
}

static void
test_frag_in_order(void **state)
{
	struct rte_mbuf *fr[8];
	static const unsigned order[] = { 0, 1, 2 };
	struct out o;
	size_t dl;
	unsigned n;

	(void)state;
	fill(dg_payload, 3000, 21);
	dl = build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 3000);
	n = frags_of(dg, dl, 1480, 1, fr);
	assert_int_equal(n, 3);
	send_frags(fr, order, n, 0, &o, 1000);
	assert_int_equal(o.n_msg, 1);
	check_reassembled(o.msgs[0], 3000, 3);
	assert_int_equal(stats.rx_fragments, 3);
	assert_int_equal(stats.rx_reassembled, 1);
	assert_int_equal(drops_total(), 0);
	out_free(&o);
	assert_pool_full();
}

static void
test_frag_out_of_order(void **state)
{
	struct rte_mbuf *fr[8];
	static const unsigned order[] = { 2, 0, 1 };
	struct out o;
	size_t dl;

	(void)state;
	fill(dg_payload, 3000, 22);
	dl = build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 3000);
	assert_int_equal(frags_of(dg, dl, 1480, 2, fr), 3);
	send_frags(fr, order, 3, 1, &o, 1000);
	assert_int_equal(o.n_msg, 1);
	check_reassembled(o.msgs[0], 3000, 3);
	assert_int_equal(stats.rx_fragments, 3);
	assert_int_equal(stats.rx_reassembled, 1);
	out_free(&o);
	assert_pool_full();
}

/* A 9000-byte datagram in 6 fragments, shuffled, as one chained mbuf. */
static void
test_frag_jumbo(void **state)
{
	struct rte_mbuf *fr[8];
	static const unsigned order[] = { 3, 5, 0, 2, 4, 1 };
	struct out o;
	size_t dl;

	(void)state;
	fill(dg_payload, 9000 - 8, 23);
	dl = build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 9000 - 8);
	assert_int_equal(dl, 9000);
	assert_int_equal(frags_of(dg, dl, 1504, 3, fr), 6);
	send_frags(fr, order, 6, 1, &o, 1000);
	assert_int_equal(o.n_msg, 1);
	check_reassembled(o.msgs[0], 9000 - 8, 6);
	assert_int_equal(stats.rx_fragments, 6);
	assert_int_equal(stats.rx_reassembled, 1);
	assert_int_equal(drops_total(), 0);
	out_free(&o);
	assert_pool_full();
}

static void
test_frag_duplicate(void **state)
{
	struct rte_mbuf *fr[8];
	struct rte_mbuf *in[4];
	struct out o;
	size_t dl;

	(void)state;
	fill(dg_payload, 3000, 24);
	dl = build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 3000);

	/* A middle fragment twice: the library gives up the datagram when the
	 * sizes no longer add up; all four mbufs are counted. */
	frags_of(dg, dl, 1480, 4, fr);
	in[0] = fr[0];
	in[1] = fr[1];
	in[2] = rte_pktmbuf_copy(fr[1], pool, 0, UINT32_MAX);
	assert_non_null(in[2]);
	in[3] = fr[2];
	run(in, 4, &o);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], 4);
	assert_int_equal(stats.rx_fragments, 4);
	assert_pool_full();

	/* The first fragment twice: both go at once, the rest wait for the
	 * timeout. */
	frags_of(dg, dl, 1480, 5, fr);
	in[0] = fr[0];
	in[1] = rte_pktmbuf_copy(fr[0], pool, 0, UINT32_MAX);
	assert_non_null(in[1]);
	in[2] = fr[1];
	in[3] = fr[2];
	run_at(in, 4, &o, 1000);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], 4 + 2);
	run_at(NULL, 0, &o, 1000 + rte_get_tsc_hz());
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], 4 + 4);
	assert_int_equal(stats.rx_reassembled, 0);
	assert_pool_full();
}

static void
test_frag_overlap(void **state)
{
	static uint8_t f[MAX_FRAME];
	struct rte_mbuf *in[3];
	struct out o;
	size_t dl;

	(void)state;
	fill(dg_payload, 3000 - 8, 25);
	dl = build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 3000 - 8);
	assert_int_equal(dl, 3000);

	/* Overlap and a hole whose sizes add up to the datagram's. */
	in[0] = mk(f, build_frag4(f, dg, 0, 1480, 1, 6, our_ip4, IPPROTO_UDP));
	in[1] = mk(f, build_frag4(f, dg, 1000, 1000, 1, 6, our_ip4, IPPROTO_UDP));
	in[2] = mk(f, build_frag4(f, dg, 2480, 520, 0, 6, our_ip4, IPPROTO_UDP));
	run(in, 3, &o);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], 3);
	assert_pool_full();

	/* Overlap making more bytes than the datagram. */
	in[0] = mk(f, build_frag4(f, dg, 0, 1480, 1, 7, our_ip4, IPPROTO_UDP));
	in[1] = mk(f, build_frag4(f, dg, 1000, 1480, 1, 7, our_ip4, IPPROTO_UDP));
	in[2] = mk(f, build_frag4(f, dg, 2480, 520, 0, 7, our_ip4, IPPROTO_UDP));
	run(in, 3, &o);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], 6);
	assert_int_equal(stats.rx_reassembled, 0);
	assert_pool_full();
}

static void
test_frag_timeout(void **state)
{
	struct rte_mbuf *fr[8];
	static const unsigned first_last[] = { 0, 2 };
	uint64_t t0 = 1000, hz = rte_get_tsc_hz();
	struct out o;
	size_t dl;

	(void)state;
	fill(dg_payload, 3000, 26);
	dl = build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 3000);
	frags_of(dg, dl, 1480, 8, fr);
	send_frags(fr, first_last, 2, 1, &o, t0);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(drops_total(), 0);
	/* Still within the TTL: nothing expires. */
	run_at(NULL, 0, &o, t0 + hz * FRAG_TTL_MS / 2000);
	assert_int_equal(drops_total(), 0);
	/* Past it: both held fragments are dropped and counted. */
	run_at(NULL, 0, &o, t0 + hz);
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], 2);
	assert_int_equal(drops_total(), 2);
	/* The missing fragment arrives late: held alone, then expired. */
	run_at(&fr[1], 1, &o, t0 + hz);
	assert_int_equal(o.n_msg, 0);
	run_at(NULL, 0, &o, t0 + 3 * hz);
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], 3);
	assert_int_equal(stats.rx_fragments, 3);
	assert_int_equal(stats.rx_reassembled, 0);
	assert_pool_full();
}

static void
test_frag_checks(void **state)
{
	static uint8_t f[MAX_FRAME];
	struct rte_mbuf *fr[8];
	static const unsigned order[] = { 0, 1, 2 };
	struct out o;
	size_t dl;

	(void)state;
	fill(dg_payload, 3000, 27);
	dl = build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 3000);
	/* Not UDP: the kernel's business, not reassembled here. */
	expect_drop(f, build_frag4(f, dg, 0, 1480, 1, 9, our_ip4, IPPROTO_TCP),
		    SL_DROP_UNSUPPORTED);
	/* Not to us. */
	expect_drop(f, build_frag4(f, dg, 0, 1480, 1, 9, other_ip4, IPPROTO_UDP),
		    SL_DROP_NOT_LISTENED);
	/* A middle fragment whose length is no multiple of 8. */
	expect_drop(f, build_frag4(f, dg, 0, 1479, 1, 9, our_ip4, IPPROTO_UDP),
		    SL_DROP_MALFORMED);
	/* A fragment ending past 64 KiB. */
	{
		size_t len = build_frag4(f, dg, 0, 1480, 0, 9, our_ip4, IPPROTO_UDP);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		ip->fragment_offset = htons(65000 / 8);
		fix_ip4_csum(f, 14);
		expect_drop(f, len, SL_DROP_MALFORMED);
	}
	/* Ethernet padding on a fragment is trimmed before reassembly. */
	{
		struct rte_mbuf *in[3];
		size_t len;

		in[0] = mk(f, build_frag4(f, dg, 0, 1480, 1, 10, our_ip4, IPPROTO_UDP));
		in[1] = mk(f, build_frag4(f, dg, 1480, 1480, 1, 10, our_ip4,
					  IPPROTO_UDP));
		len = build_frag4(f, dg, 2960, dl - 2960, 0, 10, our_ip4, IPPROTO_UDP);
		memset(f + len, 0x55, 10);
		in[2] = mk(f, len + 10);
		run(in, 3, &o);
		assert_int_equal(o.n_msg, 1);
		assert_payload(o.msgs[0], dg_payload, 3000);
		out_free(&o);
	}
	/* A reassembled datagram with a bad UDP checksum. */
	dg[100] ^= 0x10;
	frags_of(dg, dl, 1480, 11, fr);
	send_frags(fr, order, 3, 1, &o, 1000);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(stats.drops[SL_DROP_BAD_CSUM], 1);
	/* The port never saw the datagram whole: its L4 verdict on the
	 * fragments is not taken for the datagram's. */
	frags_of(dg, dl, 1480, 14, fr);
	fr[0]->ol_flags = fr[1]->ol_flags = fr[2]->ol_flags =
		RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	send_frags(fr, order, 3, 1, &o, 1000);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(stats.drops[SL_DROP_BAD_CSUM], 2);
	dg[100] ^= 0x10;
	/* A reassembled datagram to a port nobody listens on. */
	dl = build_udp4_dgram(dg, our_ip4, LISTEN_PORT + 1, dg_payload, 3000);
	frags_of(dg, dl, 1480, 12, fr);
	send_frags(fr, order, 3, 1, &o, 1000);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(stats.drops[SL_DROP_NOT_LISTENED], 2);
	assert_int_equal(stats.rx_reassembled, 4);
	/* No reassembly table: fragments are dropped. */
	sl_pkt_ctx_free(&ctx);
	assert_null(ctx.frag_tbl);
	expect_drop(f, build_frag4(f, dg, 0, 1480, 1, 13, our_ip4, IPPROTO_UDP),
		    SL_DROP_FRAGMENT);
	assert_pool_full();
}

/* Many dropped fragments in one burst: the death row is emptied before
 * it could overflow, and every mbuf is counted. */
static void
test_frag_death_row(void **state)
{
	static uint8_t f[MAX_FRAME];
	static struct rte_mbuf *in[MAX_BURST];
	static struct out o;
	unsigned i, n = 300;

	(void)state;
	fill(dg_payload, 3000, 28);
	build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 3000);
	for (i = 0; i < n; i += 2) {
		size_t len = build_frag4(f, dg, 0, 1480, 1, (uint16_t)(100 + i),
					 our_ip4, IPPROTO_UDP);

		in[i] = mk(f, len);
		in[i + 1] = mk(f, len);
	}
	run(in, n, &o);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], n);
	assert_pool_full();
}

/* More flows than the table holds: the excess is dropped and counted,
 * and what is still held at shutdown is counted by sl_pkt_ctx_free(). */
static void
test_frag_table_full(void **state)
{
	static uint8_t f[MAX_FRAME];
	static struct rte_mbuf *in[MAX_BURST];
	static struct out o;
	unsigned i, n = 100;

	(void)state;
	fill(dg_payload, 3000, 29);
	build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 3000);
	for (i = 0; i < n; i++)
		in[i] = mk(f, build_frag4(f, dg, 0, 1480, 1, (uint16_t)(1000 + i),
					  our_ip4, IPPROTO_UDP));
	run(in, n, &o);
	assert_int_equal(o.n_msg, 0);
	assert_true(stats.drops[SL_DROP_FRAGMENT] >= n - 64);
	assert_int_equal(rte_mempool_avail_count(pool),
			 POOL_SIZE - (n - stats.drops[SL_DROP_FRAGMENT]));
	sl_pkt_ctx_free(&ctx);
	assert_int_equal(stats.drops[SL_DROP_FRAGMENT], n);
	assert_pool_full();
}

/* Processes one frame with the exception interface on and checks it went
 * to the kernel untouched. */
static void
expect_kernel(const uint8_t *frame, size_t len)
{
	uint64_t total = drops_total();
	struct rte_mbuf *m = mk(frame, len);
	struct out o;

	run(&m, 1, &o);
	assert_int_equal(o.n_msg, 0);
	assert_int_equal(o.n_tx, 0);
	assert_int_equal(o.n_kern, 1);
	assert_ptr_equal(o.kern[0], m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), len);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), frame, len);
	assert_int_equal(drops_total(), total);
	out_free(&o);
}

/* With an exception interface the kernel owns our address for all but
 * the listened UDP port: ARP, ICMP, TCP go to it; syslog still comes to
 * us, and what is not for our address is still dropped. */
static void
test_exception(void **state)
{
	uint8_t f[MAX_FRAME];
	struct udp_opt o4 = udp_opt(0, syslog_line, 20);
	struct udp_opt o6 = udp_opt(1, syslog_line, 20);
	struct rte_mbuf *m;
	size_t len;

	(void)state;
	ctx.exception = 1;
	expect_kernel(f, build_arp(f, 0, &bcast_mac, RTE_ARP_OP_REQUEST,
				   peer_ip4, our_ip4, 60));
	expect_kernel(f, build_arp(f, 0, &our_mac, RTE_ARP_OP_REPLY,
				   peer_ip4, our_ip4, 60));
	expect_kernel(f, build_echo4(f, our_ip4, RTE_IP_ICMP_ECHO_REQUEST, 12));
	expect_kernel(f, build_echo4(f, our_ip4, 13, 12));
	len = build_udp(f, &o4);
	((struct rte_ipv4_hdr *)(f + 14))->next_proto_id = IPPROTO_TCP;
	fix_ip4_csum(f, 14);
	expect_kernel(f, len);
	len = build_udp(f, &o6);
	((struct rte_ipv6_hdr *)(f + 14))->proto = IPPROTO_TCP;
	expect_kernel(f, len);
	m = expect_msg(f, build_udp(f, &o4));
	rte_pktmbuf_free(m);
	expect_drop(f, build_arp(f, 0, &bcast_mac, RTE_ARP_OP_REQUEST, peer_ip4,
				 other_ip4, 60), SL_DROP_NOT_LISTENED);
	expect_drop(f, build_echo4(f, other_ip4, RTE_IP_ICMP_ECHO_REQUEST, 12),
		    SL_DROP_NOT_LISTENED);
	assert_int_equal(stats.rx_arp_replies, 0);
	assert_int_equal(stats.rx_icmp_echo, 0);
}

/* ---- replies ----------------------------------------------------------- */

static void
test_arp(void **state)
{
	uint8_t f[MAX_FRAME], req[MAX_FRAME];
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	size_t len;

	(void)state;
	len = build_arp(req, 0, &bcast_mac, RTE_ARP_OP_REQUEST, peer_ip4, our_ip4, 60);
	m = expect_reply(req, len);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 60);
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	arp = (struct rte_arp_hdr *)(eth + 1);
	assert_memory_equal(&eth->dst_addr, &peer_mac, 6);
	assert_memory_equal(&eth->src_addr, &our_mac, 6);
	assert_int_equal(ntohs(eth->ether_type), RTE_ETHER_TYPE_ARP);
	assert_int_equal(ntohs(arp->arp_opcode), RTE_ARP_OP_REPLY);
	assert_int_equal(ntohs(arp->arp_hardware), RTE_ARP_HRD_ETHER);
	assert_int_equal(ntohs(arp->arp_protocol), RTE_ETHER_TYPE_IPV4);
	assert_memory_equal(&arp->arp_data.arp_sha, &our_mac, 6);
	assert_int_equal(arp->arp_data.arp_sip, our_ip4);
	assert_memory_equal(&arp->arp_data.arp_tha, &peer_mac, 6);
	assert_int_equal(arp->arp_data.arp_tip, peer_ip4);
	assert_int_equal(m->ol_flags, 0);
	assert_int_equal(stats.rx_arp_replies, 1);
	rte_pktmbuf_free(m);

	/* Tagged: the tags stay; a tag the port stripped is asked back. */
	len = build_arp(f, 2, &bcast_mac, RTE_ARP_OP_REQUEST, peer_ip4, our_ip4, 0);
	m = expect_reply(f, len);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 12), f + 12, 10);
	rte_pktmbuf_free(m);
	{
		struct rte_mbuf *in = mk(req, 60);
		struct out o;

		in->ol_flags = RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
		in->vlan_tci = 42;
		run(&in, 1, &o);
		assert_int_equal(o.n_tx, 1);
		assert_int_equal(o.tx[0]->ol_flags, RTE_MBUF_F_TX_VLAN);
		assert_int_equal(o.tx[0]->vlan_tci, 42);
		out_free(&o);
	}
	assert_int_equal(stats.rx_arp_replies, 3);

	/* LAN chatter. */
	expect_drop(f, build_arp(f, 0, &bcast_mac, RTE_ARP_OP_REQUEST, peer_ip4,
				 other_ip4, 60), SL_DROP_NOT_LISTENED);
	expect_drop(f, build_arp(f, 0, &our_mac, RTE_ARP_OP_REPLY, peer_ip4,
				 our_ip4, 60), SL_DROP_NOT_LISTENED);
	expect_drop(f, build_arp(f, 0, &bcast_mac, RTE_ARP_OP_REQUEST, our_ip4,
				 our_ip4, 60), SL_DROP_NOT_LISTENED);
	expect_drop(f, build_arp(f, 0, &mcast4_mac, RTE_ARP_OP_REQUEST, peer_ip4,
				 our_ip4, 60), SL_DROP_NOT_LISTENED);
	/* Not Ethernet/IPv4 ARP. */
	len = build_arp(f, 0, &bcast_mac, RTE_ARP_OP_REQUEST, peer_ip4, our_ip4, 60);
	((struct rte_arp_hdr *)(f + 14))->arp_hlen = 8;
	expect_drop(f, len, SL_DROP_UNSUPPORTED);
	/* No IPv4 address of ours. */
	ctx.has_ip4 = 0;
	expect_drop(req, 60, SL_DROP_NOT_LISTENED);
	assert_int_equal(stats.rx_arp_replies, 3);
	assert_pool_full();
}

static void
check_echo4_reply(struct rte_mbuf *m, size_t plen)
{
	static uint8_t buf[MAX_FRAME], want[MAX_FRAME];
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_icmp_hdr *icmp;
	uint16_t sum;

	eth = rte_pktmbuf_read(m, 0, 14 + 20 + 8, buf);
	assert_non_null(eth);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	icmp = (const struct rte_icmp_hdr *)(ip + 1);
	assert_memory_equal(&eth->dst_addr, &peer_mac, 6);
	assert_memory_equal(&eth->src_addr, &our_mac, 6);
	assert_int_equal(ip->src_addr, our_ip4);
	assert_int_equal(ip->dst_addr, peer_ip4);
	assert_int_equal(ip->time_to_live, 64);
	assert_int_equal(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(icmp->icmp_code, 0);
	assert_int_equal(ntohs(icmp->icmp_ident), 0x4242);
	assert_int_equal(ntohs(icmp->icmp_seq_nb), 9);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 20 + 8 + plen);
	assert_int_equal(rte_raw_cksum_mbuf(m, 34, (uint32_t)(8 + plen), &sum), 0);
	assert_int_equal(sum, 0xffff);
	fill(want, plen, 3);
	assert_memory_equal(rte_pktmbuf_read(m, 42, (uint32_t)plen, buf), want, plen);
}

static void
test_icmp_echo(void **state)
{
	static uint8_t f[MAX_FRAME];
	struct rte_mbuf *m;
	struct out o;
	size_t len;

	(void)state;
	len = build_echo4(f, our_ip4, RTE_IP_ICMP_ECHO_REQUEST, 56);
	m = expect_reply(f, len);
	check_echo4_reply(m, 56);
	rte_pktmbuf_free(m);
	/* An odd length checks the byte order of the last word. */
	len = build_echo4(f, our_ip4, RTE_IP_ICMP_ECHO_REQUEST, 57);
	m = expect_reply(f, len);
	check_echo4_reply(m, 57);
	rte_pktmbuf_free(m);
	/* A large ping in segments. */
	len = build_echo4(f, our_ip4, RTE_IP_ICMP_ECHO_REQUEST, 3001);
	m = mk_segs(f, len, 700);
	run(&m, 1, &o);
	assert_int_equal(o.n_tx, 1);
	check_echo4_reply(o.tx[0], 3001);
	out_free(&o);
	assert_int_equal(stats.rx_icmp_echo, 3);

	/* Bad checksum, not ours, options, fragments. */
	len = build_echo4(f, our_ip4, RTE_IP_ICMP_ECHO_REQUEST, 56);
	f[len - 1] ^= 1;
	expect_drop(f, len, SL_DROP_BAD_CSUM);
	expect_drop(f, build_echo4(f, other_ip4, RTE_IP_ICMP_ECHO_REQUEST, 56),
		    SL_DROP_NOT_LISTENED);
	len = build_echo4(f, our_ip4, RTE_IP_ICMP_ECHO_REQUEST, 56);
	((struct rte_ipv4_hdr *)(f + 14))->fragment_offset = htons(RTE_IPV4_HDR_MF_FLAG);
	fix_ip4_csum(f, 14);
	expect_drop(f, len, SL_DROP_UNSUPPORTED);
	len = build_echo4(f, our_ip4, RTE_IP_ICMP_ECHO_REQUEST, 56);
	((struct rte_ipv4_hdr *)(f + 14))->version_ihl = 0x46;
	fix_ip4_csum(f, 14);
	expect_drop(f, len, SL_DROP_UNSUPPORTED);
	assert_int_equal(stats.rx_icmp_echo, 3);
	assert_pool_full();
}

/* Checks the ICMPv6 checksum of the IPv6 packet at off in m. */
static void
assert_icmp6_csum(struct rte_mbuf *m, size_t off)
{
	static uint8_t buf[64];
	const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_read(m, (uint32_t)off,
							   sizeof(*ip6), buf);

	assert_non_null(ip6);
	assert_int_equal(ip6->proto, IPPROTO_ICMPV6);
	assert_int_equal(rte_ipv6_udptcp_cksum_mbuf_verify(m, ip6,
				(uint16_t)(off + sizeof(*ip6))), 0);
}

static void
check_na(struct rte_mbuf *m, size_t l2, const struct rte_ether_addr *dmac,
	 const uint8_t *dst, uint32_t flags)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)p;
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(p + l2);
	const uint8_t *na = (const uint8_t *)(ip6 + 1);
	uint32_t got_flags;

	assert_int_equal(rte_pktmbuf_pkt_len(m), l2 + 40 + 32);
	assert_memory_equal(&eth->dst_addr, dmac, 6);
	assert_memory_equal(&eth->src_addr, &our_mac, 6);
	assert_memory_equal(ip6->src_addr, our_ip6, 16);
	assert_memory_equal(ip6->dst_addr, dst, 16);
	assert_int_equal(ip6->hop_limits, 255);
	assert_int_equal(ntohs(ip6->payload_len), 32);
	assert_int_equal(na[0], 136);
	assert_int_equal(na[1], 0);
	memcpy(&got_flags, na + 4, 4);
	assert_int_equal(ntohl(got_flags), flags);
	assert_memory_equal(na + 8, our_ip6, 16);
	assert_int_equal(na[24], 2);
	assert_int_equal(na[25], 1);
	assert_memory_equal(na + 26, &our_mac, 6);
	assert_icmp6_csum(m, l2);
}

static void
test_ns_na(void **state)
{
	uint8_t f[MAX_FRAME];
	struct rte_mbuf *m;
	size_t len;

	(void)state;
	/* To our solicited-node group, with the sender's MAC option. */
	m = expect_reply(f, build_ns(f, 0, peer_ip6, snm_ip6, &snm_mac, our_ip6,
				     1, 255));
	check_na(m, 14, &peer_mac, peer_ip6, 0x60000000u);
	rte_pktmbuf_free(m);
	/* Unicast, no option: the advertisement grows by its option. */
	m = expect_reply(f, build_ns(f, 0, peer_ip6, our_ip6, &our_mac, our_ip6,
				     0, 255));
	check_na(m, 14, &peer_mac, peer_ip6, 0x60000000u);
	rte_pktmbuf_free(m);
	/* Tagged: the tag stays. */
	len = build_ns(f, 1, peer_ip6, snm_ip6, &snm_mac, our_ip6, 1, 255);
	m = expect_reply(f, len);
	check_na(m, 18, &peer_mac, peer_ip6, 0x60000000u);
	assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 12), f + 12, 6);
	rte_pktmbuf_free(m);
	/* Duplicate address detection: defended towards all nodes. */
	m = expect_reply(f, build_ns(f, 0, unspec_ip6, snm_ip6, &snm_mac, our_ip6,
				     0, 255));
	check_na(m, 14, &allnodes_mac, allnodes_ip6, 0x20000000u);
	rte_pktmbuf_free(m);
	assert_int_equal(stats.rx_arp_replies, 4);

	/* For someone else, forged, corrupted, bad options. */
	expect_drop(f, build_ns(f, 0, peer_ip6, snm_ip6, &snm_mac, other_ip6, 1,
				255), SL_DROP_NOT_LISTENED);
	expect_drop(f, build_ns(f, 0, peer_ip6, snm_ip6, &snm_mac, our_ip6, 1, 64),
		    SL_DROP_MALFORMED);
	len = build_ns(f, 0, peer_ip6, snm_ip6, &snm_mac, our_ip6, 1, 255);
	f[len - 1] ^= 1;
	expect_drop(f, len, SL_DROP_BAD_CSUM);
	{
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + 14);
		uint8_t *nd = (uint8_t *)(ip6 + 1);
		uint16_t ck;

		len = build_ns(f, 0, peer_ip6, snm_ip6, &snm_mac, our_ip6, 1, 255);
		nd[25] = 0;                               /* option length 0 */
		memset(nd + 2, 0, 2);
		ck = rte_ipv6_udptcp_cksum(ip6, nd);
		memcpy(nd + 2, &ck, 2);
		expect_drop(f, len, SL_DROP_MALFORMED);
	}
	/* DAD must not carry a source link-layer address. */
	expect_drop(f, build_ns(f, 0, unspec_ip6, snm_ip6, &snm_mac, our_ip6, 1,
				255), SL_DROP_MALFORMED);
	/* Other ICMPv6 (a router advertisement) to us. */
	len = build_ns(f, 0, peer_ip6, our_ip6, &our_mac, our_ip6, 0, 255);
	{
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(f + 14);
		uint8_t *nd = (uint8_t *)(ip6 + 1);
		uint16_t ck;

		nd[0] = 134;
		memset(nd + 2, 0, 2);
		ck = rte_ipv6_udptcp_cksum(ip6, nd);
		memcpy(nd + 2, &ck, 2);
	}
	expect_drop(f, len, SL_DROP_UNSUPPORTED);
	assert_int_equal(stats.rx_arp_replies, 4);
	assert_pool_full();
}

static void
test_icmp6_echo(void **state)
{
	static uint8_t f[MAX_FRAME], want[4000], buf[4000];
	struct rte_mbuf *m;
	struct out o;
	size_t len;
	unsigned i;
	static const size_t plens[] = { 56, 57, 3001 };

	(void)state;
	for (i = 0; i < RTE_DIM(plens); i++) {
		const struct rte_ipv6_hdr *ip6;
		const struct rte_icmp_hdr *icmp;
		uint8_t hdr[64];

		len = build_echo6(f, our_ip6, &our_mac, plens[i]);
		m = plens[i] > 1000 ? mk_segs(f, len, 700) : mk(f, len);
		run(&m, 1, &o);
		assert_int_equal(o.n_tx, 1);
		m = o.tx[0];
		assert_int_equal(rte_pktmbuf_pkt_len(m), len);
		ip6 = rte_pktmbuf_read(m, 14, 48, hdr);
		icmp = (const struct rte_icmp_hdr *)(ip6 + 1);
		assert_memory_equal(ip6->src_addr, our_ip6, 16);
		assert_memory_equal(ip6->dst_addr, peer_ip6, 16);
		assert_memory_equal(rte_pktmbuf_mtod(m, void *), &peer_mac, 6);
		assert_memory_equal(rte_pktmbuf_mtod_offset(m, void *, 6), &our_mac, 6);
		assert_int_equal(icmp->icmp_type, 129);
		assert_int_equal(ntohs(icmp->icmp_ident), 0x4343);
		assert_icmp6_csum(m, 14);
		fill(want, plens[i], 5);
		assert_memory_equal(rte_pktmbuf_read(m, 62, (uint32_t)plens[i], buf),
				    want, plens[i]);
		out_free(&o);
	}
	assert_int_equal(stats.rx_icmp_echo, 3);
	len = build_echo6(f, our_ip6, &our_mac, 56);
	f[len - 1] ^= 1;
	expect_drop(f, len, SL_DROP_BAD_CSUM);
	expect_drop(f, build_echo6(f, other_ip6, &our_mac, 56), SL_DROP_NOT_LISTENED);
	expect_drop(f, build_echo6(f, snm_ip6, &snm_mac, 56), SL_DROP_NOT_LISTENED);
	expect_drop(f, build_echo6(f, our_ip6, &allnodes_mac, 56),
		    SL_DROP_NOT_LISTENED);
	assert_int_equal(stats.rx_icmp_echo, 3);
	assert_pool_full();
}

/* ---- bursts and hostile input ------------------------------------------ */

/* A mixed burst larger than the prefetch window: outputs keep input
 * order and every frame is accounted for. */
static void
test_burst_mixed(void **state)
{
	static uint8_t f[MAX_FRAME];
	static struct rte_mbuf *in[MAX_BURST];
	static struct out o;
	unsigned i, n = 64, want_msg = 0;
	char line[32];

	(void)state;
	for (i = 0; i < n; i++) {
		struct udp_opt u;
		size_t len;

		snprintf(line, sizeof(line), "message %03u", i);
		u = udp_opt(i % 8 == 7, (const uint8_t *)line, strlen(line));
		switch (i % 4) {
		case 0:
		case 3:
			len = build_udp(f, &u);
			want_msg++;
			break;
		case 1:
			u.dport = 9;
			len = build_udp(f, &u);
			break;
		default:
			len = build_arp(f, 0, &bcast_mac, RTE_ARP_OP_REQUEST,
					peer_ip4, our_ip4, 60);
			break;
		}
		in[i] = mk(f, len);
	}
	run(in, n, &o);
	assert_int_equal(o.n_msg, want_msg);
	assert_int_equal(o.n_tx, n / 4);
	assert_int_equal(stats.drops[SL_DROP_NOT_LISTENED], n / 4);
	assert_int_equal(drops_total(), n / 4);
	for (i = 0; i < o.n_msg; i++) {
		unsigned idx = i / 2 * 4 + (i % 2 ? 3 : 0);

		snprintf(line, sizeof(line), "message %03u", idx);
		assert_payload(o.msgs[i], (const uint8_t *)line, strlen(line));
	}
	out_free(&o);
	assert_pool_full();
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Builds a random good frame of some kind, then damages it at random. */
static size_t
random_frame(uint8_t *f)
{
	static uint8_t pl[2000];
	size_t len, i, flips;
	struct udp_opt u = udp_opt((int)(rng() & 1), pl, rng() % 1500);

	fill(pl, sizeof(pl), rng());
	switch (rng() % 8) {
	case 0:
		u.vlans = (int)(rng() % 3);
		len = build_udp(f, &u);
		break;
	case 1:
		len = build_arp(f, (int)(rng() % 3), &bcast_mac,
				RTE_ARP_OP_REQUEST, peer_ip4, our_ip4, 60);
		break;
	case 2:
		len = build_echo4(f, our_ip4, RTE_IP_ICMP_ECHO_REQUEST, rng() % 1400);
		break;
	case 3:
		len = build_echo6(f, our_ip6, &our_mac, rng() % 1400);
		break;
	case 4:
		len = build_ns(f, (int)(rng() % 2), peer_ip6, snm_ip6, &snm_mac,
			       our_ip6, (int)(rng() & 1), 255);
		break;
	case 5:
		len = build_udp6_ext(f, pl, rng() % 1000, (int)(rng() % 4));
		break;
	case 6:
		len = build_frag4(f, dg, (rng() % 4) * 1480, 1480, (int)(rng() & 1),
				  (uint16_t)(rng() % 4), our_ip4, IPPROTO_UDP);
		break;
	default:
		len = 14 + rng() % 200;
		for (i = 0; i < len; i++)
			f[i] = (uint8_t)rng();
		break;
	}
	flips = rng() % 4;
	for (i = 0; i < flips; i++)
		f[rng() % (len < 80 ? len : 80)] ^= (uint8_t)(1u << (rng() % 8));
	if (rng() % 4 == 0)
		len = rng() % (len + 1);
	else if (rng() % 8 == 0) {
		size_t extra = rng() % 100;

		for (i = 0; i < extra; i++)
			f[len + i] = (uint8_t)rng();
		len += extra;
	}
	return len;
}

/* Random and damaged frames never crash, and with no reassembly table
 * every frame comes out exactly once: message, reply or counted drop. */
static void
test_fuzz(void **state)
{
	static uint8_t f[MAX_FRAME];
	static struct rte_mbuf *in[32];
	static struct out o;
	unsigned round, i;

	(void)state;
	fill(dg_payload, 6000, 30);
	build_udp4_dgram(dg, our_ip4, LISTEN_PORT, dg_payload, 5912);
	/* First half without a reassembly table (exact accounting), second
	 * half with a small one (fragments held across bursts). */
	sl_pkt_ctx_free(&ctx);
	for (round = 0; round < 400; round++) {
		uint64_t before = drops_total();
		int with_frag = round >= 200;

		if (round == 200)
			assert_int_equal(sl_pkt_ctx_frag_init(&ctx, 16, FRAG_TTL_MS,
							      SOCKET_ID_ANY), 0);
		for (i = 0; i < RTE_DIM(in); i++) {
			size_t len = random_frame(f);

			in[i] = rng() % 4 == 0 && len > 0 ?
				mk_segs(f, len, 64 + rng() % 200) : mk(f, len);
		}
		run_at(in, RTE_DIM(in), &o, 1000 + round * rte_get_tsc_hz() / 50);
		if (!with_frag)
			assert_int_equal(o.n_msg + o.n_tx + (drops_total() - before),
					 RTE_DIM(in));
		for (i = 0; i < o.n_msg; i++) {
			const struct sl_meta *meta = sl_meta(o.msgs[i]);

			assert_true(rte_pktmbuf_pkt_len(o.msgs[i]) > 0);
			assert_true(rte_pktmbuf_pkt_len(o.msgs[i]) <= ctx.max_message);
			assert_true(meta->src.family == AF_INET ||
				    meta->src.family == AF_INET6);
			assert_int_equal(meta->src_hash, sl_addr_hash(&meta->src));
		}
		for (i = 0; i < o.n_tx; i++)
			assert_true(rte_pktmbuf_pkt_len(o.tx[i]) >= 42);
		out_free(&o);
	}
	sl_pkt_ctx_free(&ctx);
	assert_pool_full();
}

static void
test_frag_init_args(void **state)
{
	struct sl_pkt_ctx c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(sl_pkt_ctx_frag_init(&c, 0, 100, SOCKET_ID_ANY), -1);
	assert_int_equal(rte_errno, EINVAL);
	assert_int_equal(sl_pkt_ctx_frag_init(&c, 16, 0, SOCKET_ID_ANY), -1);
	assert_int_equal(sl_pkt_ctx_frag_init(&c, (1u << 20) + 1, 100,
					      SOCKET_ID_ANY), -1);
	assert_null(c.frag_tbl);
	assert_int_equal(sl_pkt_ctx_frag_init(&c, 1, 100, SOCKET_ID_ANY), 0);
	assert_non_null(c.frag_tbl);
	sl_pkt_ctx_free(&c);
	assert_null(c.frag_tbl);
}

#define T(name) cmocka_unit_test_setup_teardown(name, test_setup, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_udp4_good),
		T(test_udp6_good),
		T(test_vlan),
		T(test_padding_trimmed),
		T(test_truncated_every_offset),
		T(test_ip_malformed),
		T(test_ip_csum),
		T(test_udp_csum),
		T(test_csum_sum),
		T(test_udp_csum_every_byte),
		T(test_udp_len),
		T(test_not_listened),
		T(test_sizes),
		T(test_unsupported),
		T(test_ipv6_ext_headers),
		T(test_frag_in_order),
		T(test_frag_out_of_order),
		T(test_frag_jumbo),
		T(test_frag_duplicate),
		T(test_frag_overlap),
		T(test_frag_timeout),
		T(test_frag_checks),
		T(test_frag_death_row),
		T(test_frag_table_full),
		T(test_arp),
		T(test_exception),
		T(test_icmp_echo),
		T(test_ns_na),
		T(test_icmp6_echo),
		T(test_burst_mixed),
		T(test_fuzz),
		T(test_frag_init_args),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
