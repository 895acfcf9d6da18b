/* sl_blast_pcap.c: sluice-blast's pcap mode. Writes the load as a packet
 * capture of Ethernet/IPv4/UDP frames that net_pcap replays into the DPDK
 * receive path. Host h sends from 198.18.128.1 + h (inside the
 * benchmarking range 198.18.0.0/15, in its upper half 198.18.128.0/17),
 * from MAC 02:00 followed by that address and from UDP port
 * 32768 + h % 28232. Checksums are computed and datagrams longer than the
 * MTU are fragmented as a router would: 8-byte aligned pieces, MF on all
 * but the last, each with its own header checksum. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "sl_blast.h"

#define ETH_LEN 14
#define IP4_LEN 20
#define UDP_LEN 8
#define HDRS_LEN (ETH_LEN + IP4_LEN + UDP_LEN)
#define PCAP_SNAPLEN 65535
#define PCAP_SRC_BASE 0xc6128001u         /* 198.18.128.1 */
#define PCAP_MAX_HOSTS 32766u             /* up to 198.18.255.254 */
#define PCAP_SPORT_BASE 32768u
#define PCAP_SPORT_SPAN 28232u
#define PCAP_DEFAULT_DST "198.18.0.1:514"
#define PCAP_DEFAULT_MAC "02:00:00:00:00:01"
#define PCAP_PROGRESS_EVERY 4096u
#define IP4_MF 0x2000u

/* Destination of the frames, parsed from --dst and --dst-mac. ip is in
 * host byte order. */
struct pcap_dst {
	uint32_t ip;
	uint16_t port;
	uint8_t mac[6];
};

static int
parse_dst(const char *text, struct pcap_dst *d)
{
	const char *colon = strrchr(text, ':');
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;
	unsigned long p;
	char *end;

	if (colon == NULL || (size_t)(colon - text) >= sizeof(ip))
		return -1;
	memcpy(ip, text, (size_t)(colon - text));
	ip[colon - text] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || errno != 0 ||
	    p == 0 || p > 65535)
		return -1;
	d->ip = ntohl(a.s_addr);
	d->port = (uint16_t)p;
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

/* Parses --dst and --dst-mac, or their defaults. */
static int
parse_target(const struct sl_blast_opts *o, struct pcap_dst *d)
{
	const char *dst = o->dst != NULL ? o->dst : PCAP_DEFAULT_DST;
	const char *mac = o->dst_mac != NULL ? o->dst_mac : PCAP_DEFAULT_MAC;

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

static int
pcap_check(const struct sl_blast_opts *o)
{
	struct pcap_dst d;

	if (parse_target(o, &d) != 0)
		return -1;
	if (strcmp(o->out, "-") == 0) {
		fprintf(stderr, "sluice-blast: --out must be a file: stdout "
			"carries the summary\n");
		return -1;
	}
	if (o->hosts > PCAP_MAX_HOSTS) {
		fprintf(stderr, "sluice-blast: --hosts %u: pcap mode has "
			"addresses for %u hosts\n", o->hosts, PCAP_MAX_HOSTS);
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
	put16(p + 10, csum_fold(csum_add(0, p, IP4_LEN)));
}

/* State of one pcap run. frame holds the whole unfragmented frame of the
 * current message (headers, then the message at HDRS_LEN); frag is room
 * for one fragment's frame. */
struct pcap_run {
	const struct sl_blast_opts *o;
	struct pcap_dst dst;
	pcap_dumper_t *dumper;
	uint8_t *frame;
	uint8_t *frag;
	uint64_t *seq;
	struct sl_blast_result *res;
};

static void
dump(struct pcap_run *r, const uint8_t *frame, size_t len, uint64_t t_ns)
{
	struct pcap_pkthdr h = {
		.ts = {
			.tv_sec = (time_t)(t_ns / 1000000000u),
			.tv_usec = (suseconds_t)(t_ns % 1000000000u / 1000u),
		},
		.caplen = (bpf_u_int32)len,
		.len = (bpf_u_int32)len,
	};

	pcap_dump((u_char *)r->dumper, &h, frame);
	r->res->frames++;
}

/* Completes the frame of a message of len bytes from host h and writes
 * it, as one frame or as fragments. */
static void
write_message(struct pcap_run *r, unsigned h, size_t len, uint64_t t_ns)
{
	uint32_t src = PCAP_SRC_BASE + h, udp_len = (uint32_t)(UDP_LEN + len);
	uint32_t id = (uint32_t)(r->seq[h] & 0xffff), off, piece, max_piece;
	uint8_t *f = r->frame, *udp = f + ETH_LEN + IP4_LEN, pseudo[12];
	uint64_t sum;

	memcpy(f, r->dst.mac, 6);
	f[6] = 0x02;
	f[7] = 0x00;
	put32(f + 8, src);
	put16(f + 12, 0x0800);
	put16(udp, PCAP_SPORT_BASE + h % PCAP_SPORT_SPAN);
	put16(udp + 2, r->dst.port);
	put16(udp + 4, udp_len);
	put16(udp + 6, 0);
	put32(pseudo, src);
	put32(pseudo + 4, r->dst.ip);
	put16(pseudo + 8, 17);
	put16(pseudo + 10, udp_len);
	sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof(pseudo)), udp, udp_len));
	/* 0 means "no checksum" in UDP over IPv4; all ones stands for it. */
	put16(udp + 6, sum == 0 ? 0xffff : sum);

	if (IP4_LEN + udp_len <= r->o->mtu) {
		put_ip4(f + ETH_LEN, src, r->dst.ip, IP4_LEN + udp_len, id, 0);
		dump(r, f, ETH_LEN + IP4_LEN + udp_len, t_ns);
		return;
	}
	max_piece = (r->o->mtu - IP4_LEN) & ~7u;
	memcpy(r->frag, f, ETH_LEN);
	for (off = 0; off < udp_len; off += piece) {
		uint32_t more = udp_len - off > max_piece ? IP4_MF : 0;

		piece = more ? max_piece : udp_len - off;
		put_ip4(r->frag + ETH_LEN, src, r->dst.ip, IP4_LEN + piece, id,
			more | off / 8);
		memcpy(r->frag + ETH_LEN + IP4_LEN, udp + off, piece);
		dump(r, r->frag, ETH_LEN + IP4_LEN + piece, t_ns);
	}
}

static int
pcap_run(const struct sl_blast_opts *o, struct sl_blast_result *res)
{
	struct pcap_run r = { .o = o, .res = res };
	struct sl_blast_progress prog;
	struct sl_blast_gen gen;
	uint64_t count = o->count != 0 ? o->count : o->corpus->n_lines;
	uint64_t start, i, t_ns;
	pcap_t *p = NULL;
	unsigned h;
	size_t len;
	FILE *f;
	int rc = -1;

	parse_target(o, &r.dst);
	sl_blast_gen_init(&gen, o->corpus, o->format, o->sites, 0);
	r.frame = malloc(HDRS_LEN + sl_blast_gen_room(&gen));
	r.frag = malloc(ETH_LEN + o->mtu);
	r.seq = calloc(o->hosts, sizeof(*r.seq));
	if (r.frame == NULL || r.frag == NULL || r.seq == NULL) {
		fprintf(stderr, "sluice-blast: pcap: out of memory\n");
		goto out;
	}
	p = pcap_open_dead(DLT_EN10MB, PCAP_SNAPLEN);
	if (p == NULL) {
		fprintf(stderr, "sluice-blast: pcap: pcap_open_dead failed\n");
		goto out;
	}
	r.dumper = pcap_dump_open(p, o->out);
	if (r.dumper == NULL) {
		fprintf(stderr, "sluice-blast: pcap: %s\n", pcap_geterr(p));
		goto out;
	}
	f = pcap_dump_file(r.dumper);

	start = sl_blast_mono_ns();
	sl_blast_progress_start(&prog, start);
	for (i = 0; i < count && !sl_blast_stopping(); i++) {
		if (o->duration_ns != 0 && i % PCAP_PROGRESS_EVERY == 0 &&
		    sl_blast_mono_ns() - start >= o->duration_ns)
			break;
		h = (unsigned)(i % o->hosts);
		t_ns = sl_blast_wall_ns();
		len = sl_blast_gen_next(&gen, h, ++r.seq[h], t_ns,
					(char *)r.frame + HDRS_LEN);
		write_message(&r, h, len, t_ns);
		res->sent++;
		res->bytes += len;
		if (i % PCAP_PROGRESS_EVERY == 0) {
			if (ferror(f))
				break;
			sl_blast_progress_update(&prog, "pcap", res->sent,
						 res->bytes, 0);
		}
	}
	if (pcap_dump_flush(r.dumper) != 0 || ferror(f)) {
		fprintf(stderr, "sluice-blast: %s: write error: %s\n", o->out,
			strerror(errno));
	} else {
		rc = 0;
	}
	res->seconds = (double)(sl_blast_mono_ns() - start) / 1e9;
	sl_blast_progress_end(&prog);
out:
	if (r.dumper != NULL)
		pcap_dump_close(r.dumper);
	if (p != NULL)
		pcap_close(p);
	free(r.frame);
	free(r.frag);
	free(r.seq);
	return rc;
}

const struct sl_blast_mode sl_blast_mode_pcap = {
	.name = "pcap",
	.synopsis = "--out FILE [--dst IP:PORT] [--dst-mac MAC] "
		    "[--corpus DIR|--file FILE]\n"
		    "                   [--count N] [--sites S] [--hosts H] "
		    "[--format 3164|5424]\n"
		    "                   [--mtu 1500] [--duration SECONDS]",
	.options = SL_BLAST_OPT_OUT | SL_BLAST_OPT_DST | SL_BLAST_OPT_DST_MAC |
		   SL_BLAST_OPT_CORPUS | SL_BLAST_OPT_FILE | SL_BLAST_OPT_COUNT |
		   SL_BLAST_OPT_SITES | SL_BLAST_OPT_HOSTS | SL_BLAST_OPT_FORMAT |
		   SL_BLAST_OPT_MTU | SL_BLAST_OPT_DURATION,
	.required = SL_BLAST_OPT_OUT,
	.check = pcap_check,
	.run = pcap_run,
};
