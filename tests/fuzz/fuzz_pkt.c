/* fuzz_pkt.c: the packet stage on hostile frames.
 *
 * Input layout (so the fuzzer can control what a PMD would):
 *   byte 0: context bits
 *     bit 0     listen_any
 *     bit 1     no IPv4 address on the port
 *     bit 2     no IPv6 address on the port
 *     bits 3-5  index of the frame where a second sl_pkt_process() call
 *               starts (0: one call for the whole burst)
 *     bits 6-7  how far the clock moves before that second call
 *               (0, 1 ms, past the reassembly TTL, 10 s)
 *   the whole input's length: odd turns the exception interface on
 *   then up to MAX_FRAMES frames, each:
 *     2 bytes   length, big endian (the last frame takes what is left)
 *     1 byte    receive flags
 *       bits 0-1  IP checksum offload state (unknown, bad, good, none)
 *       bits 2-3  L4 checksum offload state (unknown, bad, good, none)
 *       bit 4     VLAN tag stripped by the port
 *       bit 5     QinQ tags stripped by the port
 *       bits 6-7  segmentation: one mbuf, or a chain of 64, 256 or 1024
 *                 byte segments (a scattering PMD)
 *     length bytes of frame
 *
 * Every input runs on a fresh reassembly table that is torn down at the
 * end, so an input reproduces on its own, and the mempool must be full
 * again afterwards: a leaked or double-freed mbuf is caught on the input
 * that caused it. Every mbuf handed back is checked with
 * rte_mbuf_check(); messages against the sl_meta contract, replies for
 * our MAC and correct checksums. */
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sl_fuzz.h"
#include "sl_meta.h"
#include "sl_pkt.h"
#include "sl_stats.h"

#define MAX_FRAMES    8
#define POOL_SIZE     2047
#define MAX_MESSAGE   4096
#define LISTEN_PORT   514
#define INPUT_ID      3
#define FRAG_FLOWS    16
#define FRAG_TTL_MS   100
#define CHAIN_MAX     9216 /* jumbo frame: longest chained input */
#define RX_NS         UINT64_C(1700000000000000000)
#define ARP_LEN       42   /* Ethernet + ARP, the smallest reply */

static struct rte_mempool *pool;
static struct sl_pkt_ctx ctx;
static struct sl_lcore_stats stats;
static uint64_t tsc_hz;

static const struct rte_ether_addr our_mac = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64];
	char *eal_argv[] = {
		(*argv)[0], (char *)(uintptr_t)"-l", (char *)(uintptr_t)"0",
		(char *)(uintptr_t)"--no-huge", (char *)(uintptr_t)"-m",
		(char *)(uintptr_t)"128", (char *)(uintptr_t)"--no-pci",
		(char *)(uintptr_t)"--no-shconf", (char *)(uintptr_t)"--no-telemetry",
		(char *)(uintptr_t)"--log-level=lib.*:error",
		/* rte_ip_frag logs every table it creates under USER1. */
		(char *)(uintptr_t)"--log-level=user1:error", prefix,
	};

	(void)argc;
	snprintf(prefix, sizeof(prefix), "--file-prefix=fuzz_pkt_%ld",
		 (long)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv), eal_argv) < 0) {
		fprintf(stderr, "fuzz_pkt: rte_eal_init failed\n");
		exit(1);
	}
	pool = rte_pktmbuf_pool_create("fuzz_pkt", POOL_SIZE, 0, SL_META_PRIV_SIZE,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "fuzz_pkt: mempool creation failed\n");
		exit(1);
	}
	tsc_hz = rte_get_tsc_hz();
	ctx.mac = our_mac;
	SL_FUZZ_CHECK(inet_pton(AF_INET, "198.18.0.1", &ctx.ip4) == 1);
	SL_FUZZ_CHECK(inet_pton(AF_INET6, "2001:db8::1", ctx.ip6) == 1);
	ctx.listen_port = LISTEN_PORT;
	ctx.max_message = MAX_MESSAGE;
	ctx.input = INPUT_ID;
	ctx.stats = &stats;
	return 0;
}

static uint64_t
rx_flags(uint8_t f)
{
	static const uint64_t ip[4] = {
		RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, RTE_MBUF_F_RX_IP_CKSUM_BAD,
		RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_NONE,
	};
	static const uint64_t l4[4] = {
		RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, RTE_MBUF_F_RX_L4_CKSUM_BAD,
		RTE_MBUF_F_RX_L4_CKSUM_GOOD, RTE_MBUF_F_RX_L4_CKSUM_NONE,
	};
	uint64_t fl = ip[f & 3] | l4[(f >> 2) & 3];

	if (f & 0x10)
		fl |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	if (f & 0x20)
		fl |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED |
		      RTE_MBUF_F_RX_QINQ | RTE_MBUF_F_RX_QINQ_STRIPPED;
	return fl;
}

/* Builds the mbuf (or chain) a PMD would hand over for frame p[0..len).
 * Returns NULL only when the pool is empty, which the sizes here rule
 * out. */
static struct rte_mbuf *
make_frame(const uint8_t *p, size_t len, uint8_t flags)
{
	static const uint16_t segs[4] = { 0, 64, 256, 1024 };
	uint16_t seg = segs[flags >> 6];
	struct rte_mbuf *head = NULL;
	size_t done = 0;

	if (seg == 0) {
		seg = (uint16_t)(RTE_MBUF_DEFAULT_BUF_SIZE - RTE_PKTMBUF_HEADROOM);
		if (len > seg)
			len = seg;
	} else if (len > CHAIN_MAX) {
		len = CHAIN_MAX;
	}
	do {
		size_t k = len - done < seg ? len - done : seg;
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		char *d;

		SL_FUZZ_CHECK(m != NULL);
		d = rte_pktmbuf_append(m, (uint16_t)k);
		SL_FUZZ_CHECK(d != NULL);
		if (k > 0)
			memcpy(d, p + done, k);
		if (head == NULL)
			head = m;
		else
			SL_FUZZ_CHECK(rte_pktmbuf_chain(head, m) == 0);
		done += k;
	} while (done < len);
	head->ol_flags = rx_flags(flags);
	head->vlan_tci = 100;
	head->vlan_tci_outer = 200;
	return head;
}

static void
check_mbuf(const struct rte_mbuf *m)
{
	const char *reason = NULL;

	if (rte_mbuf_check(m, 1, &reason) != 0) {
		fprintf(stderr, "fuzz_pkt: bad mbuf: %s\n", reason);
		abort();
	}
}

static void
check_msg(struct rte_mbuf *m)
{
	const struct sl_meta *meta = sl_meta(m);
	static const uint8_t zero[12];

	check_mbuf(m);
	SL_FUZZ_CHECK(rte_pktmbuf_pkt_len(m) >= 1);
	SL_FUZZ_CHECK(rte_pktmbuf_pkt_len(m) <= MAX_MESSAGE);
	SL_FUZZ_CHECK(meta->src.family == AF_INET || meta->src.family == AF_INET6);
	if (meta->src.family == AF_INET)
		SL_FUZZ_CHECK(memcmp(meta->src.ip + 4, zero, sizeof(zero)) == 0);
	SL_FUZZ_CHECK(meta->src_hash == sl_addr_hash(&meta->src));
	SL_FUZZ_CHECK(meta->input == INPUT_ID);
	SL_FUZZ_CHECK(meta->rx_ns == RX_NS);
	SL_FUZZ_CHECK((meta->flags & ~SL_META_F_FRAGMENTED) == 0);
}

/* Ones'-complement sum of m[off, off + len) must fold to 0xffff. */
static int
csum_ok(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t seed)
{
	uint16_t raw;

	if (rte_raw_cksum_mbuf(m, off, len, &raw) != 0)
		return 0;
	return __rte_raw_cksum_reduce(seed + raw) == 0xffff;
}

static void
check_reply(struct rte_mbuf *m)
{
	uint8_t hdr[ARP_LEN + 2 * sizeof(struct rte_vlan_hdr) + 40];
	const struct rte_ether_hdr *eth;
	uint32_t len = rte_pktmbuf_pkt_len(m), off, n;
	uint16_t type;
	int tags = 0;

	check_mbuf(m);
	SL_FUZZ_CHECK(len >= ARP_LEN);
	SL_FUZZ_CHECK((m->ol_flags & ~(RTE_MBUF_F_TX_VLAN | RTE_MBUF_F_TX_QINQ)) == 0);
	n = len < sizeof(hdr) ? len : (uint32_t)sizeof(hdr);
	eth = rte_pktmbuf_read(m, 0, n, hdr);
	SL_FUZZ_CHECK(eth != NULL);
	SL_FUZZ_CHECK(rte_is_same_ether_addr(&eth->src_addr, &our_mac));
	off = sizeof(*eth);
	type = rte_be_to_cpu_16(eth->ether_type);
	while (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) {
		const struct rte_vlan_hdr *v =
			(const struct rte_vlan_hdr *)((const uint8_t *)eth + off);

		SL_FUZZ_CHECK(++tags <= 2 && off + sizeof(*v) <= n);
		type = rte_be_to_cpu_16(v->eth_proto);
		off += sizeof(*v);
	}
	if (type == RTE_ETHER_TYPE_ARP) {
		const struct rte_arp_hdr *arp =
			(const struct rte_arp_hdr *)((const uint8_t *)eth + off);

		SL_FUZZ_CHECK(off + sizeof(*arp) <= len);
		SL_FUZZ_CHECK(arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY));
		SL_FUZZ_CHECK(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &our_mac));
		SL_FUZZ_CHECK(arp->arp_data.arp_sip == ctx.ip4);
	} else if (type == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ip =
			(const struct rte_ipv4_hdr *)((const uint8_t *)eth + off);
		uint32_t ihl;

		SL_FUZZ_CHECK(off + sizeof(*ip) <= n);
		ihl = rte_ipv4_hdr_len(ip);
		SL_FUZZ_CHECK(ip->src_addr == ctx.ip4);
		SL_FUZZ_CHECK(ip->next_proto_id == IPPROTO_ICMP);
		SL_FUZZ_CHECK(rte_be_to_cpu_16(ip->total_length) >= ihl);
		SL_FUZZ_CHECK(off + rte_be_to_cpu_16(ip->total_length) <= len);
		SL_FUZZ_CHECK(csum_ok(m, off, ihl, 0));
		SL_FUZZ_CHECK(csum_ok(m, off + ihl,
				      rte_be_to_cpu_16(ip->total_length) - ihl, 0));
	} else {
		const struct rte_ipv6_hdr *ip6 =
			(const struct rte_ipv6_hdr *)((const uint8_t *)eth + off);
		uint32_t plen, seed;

		SL_FUZZ_CHECK(type == RTE_ETHER_TYPE_IPV6);
		SL_FUZZ_CHECK(off + sizeof(*ip6) <= n);
		SL_FUZZ_CHECK(memcmp(ip6->src_addr, ctx.ip6, 16) == 0);
		plen = rte_be_to_cpu_16(ip6->payload_len);
		SL_FUZZ_CHECK(off + sizeof(*ip6) + plen <= len);
		if (ip6->proto == IPPROTO_ICMPV6) {
			seed = rte_ipv6_phdr_cksum(ip6, 0);
			SL_FUZZ_CHECK(csum_ok(m, off + (uint32_t)sizeof(*ip6), plen, seed));
		}
	}
}

/* Runs in[0..n) through the stage, checks and frees what comes out. */
static void
process(struct rte_mbuf **in, unsigned n, uint64_t now)
{
	struct rte_mbuf *msgs[MAX_FRAMES], *tx[MAX_FRAMES], *kern[MAX_FRAMES];
	unsigned n_msg, n_tx = ~0u, n_kern = ~0u, i;

	n_msg = sl_pkt_process(&ctx, in, n, msgs, tx, &n_tx, kern, &n_kern,
			       now, RX_NS);
	SL_FUZZ_CHECK(n_msg <= n && n_tx <= n && n_kern <= n &&
		      n_msg + n_tx + n_kern <= n);
	SL_FUZZ_CHECK(ctx.exception || n_kern == 0);
	for (i = 0; i < n_msg; i++)
		check_msg(msgs[i]);
	for (i = 0; i < n_tx; i++)
		check_reply(tx[i]);
	rte_pktmbuf_free_bulk(msgs, n_msg);
	rte_pktmbuf_free_bulk(tx, n_tx);
	rte_pktmbuf_free_bulk(kern, n_kern);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t steps[4] = {
		0, tsc_hz / 1000, tsc_hz / 1000 * (FRAG_TTL_MS + 50), tsc_hz * 10,
	};
	struct rte_mbuf *in[MAX_FRAMES];
	unsigned n = 0, split;
	uint64_t now = tsc_hz;
	size_t off = 1;
	uint8_t c;

	if (size < 1)
		return 0;
	c = data[0];
	ctx.listen_any = c & 1;
	ctx.has_ip4 = !(c & 2);
	ctx.has_ip6 = !(c & 4);
	ctx.exception = size & 1;
	split = (c >> 3) & 7;

	while (n < MAX_FRAMES && size - off >= 3) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		uint8_t flags = data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		in[n++] = make_frame(data + off, len, flags);
		off += len;
	}

	SL_FUZZ_CHECK(sl_pkt_ctx_frag_init(&ctx, FRAG_FLOWS, FRAG_TTL_MS,
					   SOCKET_ID_ANY) == 0);
	if (split == 0 || split >= n) {
		process(in, n, now);
	} else {
		process(in, split, now);
		now += steps[c >> 6];
		process(in + split, n - split, now);
	}
	sl_pkt_ctx_free(&ctx);
	SL_FUZZ_CHECK(ctx.frag_tbl == NULL);
	SL_FUZZ_CHECK(ctx.death_row.cnt == 0);
	SL_FUZZ_CHECK(rte_mempool_avail_count(pool) == POOL_SIZE);
	return 0;
}
