/* sl_blast_frame.c: Ethernet/IPv4/UDP frames for sluice-blast's DPDK
 * modes (layout in sl_blast_frame.h and docs/benchmarks.md). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sl_blast_frame.h"

#define FRAME_SRC_BASE 0xc6128001u         /* 198.18.128.1 */
#define FRAME_SPORT_BASE 32768u
#define FRAME_SPORT_SPAN 28232u
#define FRAME_DEFAULT_DST "198.18.0.1:514"
#define FRAME_DEFAULT_MAC "02:00:00:00:00:01"
#define IP4_MF 0x2000u

static int
parse_dst(const char *text, struct sl_blast_frame_dst *d)
{
	const char *colon = strrchr(text, ':');
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;
	uint16_t p;

	if (colon == NULL || (size_t)(colon - text) >= sizeof(ip))
		return -1;
	memcpy(ip, text, (size_t)(colon - text));
	ip[colon - text] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1 ||
	    sl_blast_port_parse(colon + 1, &p) != 0)
		return -1;
	d->ip = ntohl(a.s_addr);
	d->port = p;
	return 0;
}

static int
parse_mac(const char *text, uint8_t mac[6])
{
	unsigned v[6], i;
	char tail;

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &tail) != 6 || strlen(text) != 17)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

int
sl_blast_frame_dst_parse(const struct sl_blast_opts *o,
			 struct sl_blast_frame_dst *d)
{
	const char *dst = o->dst != NULL ? o->dst : FRAME_DEFAULT_DST;
	const char *mac = o->dst_mac != NULL ? o->dst_mac : FRAME_DEFAULT_MAC;

	if (parse_dst(dst, d) != 0) {
		fprintf(stderr, "sluice-blast: bad --dst \"%s\": want IPV4:PORT\n",
			dst);
		return -1;
	}
	if (parse_mac(mac, d->mac) != 0) {
		fprintf(stderr, "sluice-blast: bad --dst-mac \"%s\": want "
			"xx:xx:xx:xx:xx:xx\n", mac);
		return -1;
	}
	return 0;
}

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Adds p[0..n) as big-endian 16-bit words to a one's complement sum. */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Writes an IPv4 header at p: total length tot, identification id,
 * flags/fragment offset field frag, and its checksum. */
static void
put_ip4(uint8_t *p, uint32_t src, uint32_t dst, uint32_t tot, uint32_t id,
	uint32_t frag)
{
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, tot);
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = 17;
	put16(p + 10, 0);
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, csum_fold(csum_add(0, p, SL_BLAST_FRAME_IP4)));
}

unsigned
sl_blast_frame_build(const struct sl_blast_frame_dst *d, unsigned mtu,
		     unsigned host, uint16_t id, uint8_t *frame,
		     size_t msg_len, uint8_t *frag, sl_blast_frame_out out,
		     void *arg)
{
	uint32_t src = FRAME_SRC_BASE + host;
	uint32_t udp_len = (uint32_t)(SL_BLAST_FRAME_UDP + msg_len);
	uint32_t off, piece, max_piece;
	uint8_t *udp = frame + SL_BLAST_FRAME_ETH + SL_BLAST_FRAME_IP4;
	uint8_t pseudo[12];
	unsigned n = 0;
	uint64_t sum;

	memcpy(frame, d->mac, 6);
	frame[6] = 0x02;
	frame[7] = 0x00;
	put32(frame + 8, src);
	put16(frame + 12, 0x0800);
	put16(udp, FRAME_SPORT_BASE + host % FRAME_SPORT_SPAN);
	put16(udp + 2, d->port);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	put32(pseudo, src);
	put32(pseudo + 4, d->ip);
	put16(pseudo + 8, 17);
	put16(pseudo + 10, udp_len);
	sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof(pseudo)), udp, udp_len));
	/* 0 means "no checksum" in UDP over IPv4; all ones stands for it. */
	put16(udp + 6, sum == 0 ? 0xffff : (uint32_t)sum);

	if (SL_BLAST_FRAME_IP4 + udp_len <= mtu) {
		put_ip4(frame + SL_BLAST_FRAME_ETH, src, d->ip,
			SL_BLAST_FRAME_IP4 + udp_len, id, 0);
		out(arg, frame, SL_BLAST_FRAME_ETH + SL_BLAST_FRAME_IP4 + udp_len);
		return 1;
	}
	max_piece = (mtu - SL_BLAST_FRAME_IP4) & ~7u;
	memcpy(frag, frame, SL_BLAST_FRAME_ETH);
	for (off = 0; off < udp_len; off += piece) {
		uint32_t more = udp_len - off > max_piece ? IP4_MF : 0;

		piece = more ? max_piece : udp_len - off;
		put_ip4(frag + SL_BLAST_FRAME_ETH, src, d->ip,
			SL_BLAST_FRAME_IP4 + piece, id, more | off / 8);
		memcpy(frag + SL_BLAST_FRAME_ETH + SL_BLAST_FRAME_IP4, udp + off,
		       piece);
		out(arg, frag, SL_BLAST_FRAME_ETH + SL_BLAST_FRAME_IP4 + piece);
		n++;
	}
	return n;
}
