/* sl_blast_frame.h: the Ethernet/IPv4/UDP frames sluice-blast writes for
 * the DPDK path (pcap and memif modes). Host h sends from 198.18.128.1 + h
 * (inside the benchmarking range 198.18.0.0/15, in its upper half
 * 198.18.128.0/17), from MAC 02:00 followed by that address and from UDP
 * port 32768 + h % 28232. Checksums are computed and datagrams longer
 * than the MTU are fragmented as a router would: 8-byte aligned pieces,
 * MF on all but the last, each with its own header checksum. */
#ifndef SL_BLAST_FRAME_H
#define SL_BLAST_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "sl_blast.h"

#define SL_BLAST_FRAME_ETH 14u
#define SL_BLAST_FRAME_IP4 20u
#define SL_BLAST_FRAME_UDP 8u
/* Where the message starts in an unfragmented frame. */
#define SL_BLAST_FRAME_HDRS (SL_BLAST_FRAME_ETH + SL_BLAST_FRAME_IP4 + \
			     SL_BLAST_FRAME_UDP)
/* Hosts with an address of their own: up to 198.18.255.254. */
#define SL_BLAST_FRAME_MAX_HOSTS 32766u

/* Destination of the frames, from --dst and --dst-mac. ip is in host
 * byte order. */
struct sl_blast_frame_dst {
	uint32_t ip;
	uint16_t port;
	uint8_t mac[6];
};

/* Parses o->dst and o->dst_mac, or their defaults (198.18.0.1:514,
 * 02:00:00:00:00:01), into *d. Returns 0, or -1 after printing why. */
int sl_blast_frame_dst_parse(const struct sl_blast_opts *o,
			     struct sl_blast_frame_dst *d);

/* Receives one finished frame, frame[0, len), valid during the call. */
typedef void (*sl_blast_frame_out)(void *arg, const uint8_t *frame,
				   size_t len);

/* Completes the frame of a message of msg_len bytes from host (below
 * SL_BLAST_FRAME_MAX_HOSTS) with IPv4 identification id: the message is
 * already at frame + SL_BLAST_FRAME_HDRS and the headers are written in
 * front of it. Hands out the frame, or its fragments when the IPv4
 * datagram is longer than mtu (68..9216), one call of out each; frag is
 * the caller's room for one fragment, SL_BLAST_FRAME_ETH + mtu bytes.
 * Returns the number of frames handed out. */
unsigned sl_blast_frame_build(const struct sl_blast_frame_dst *d,
			      unsigned mtu, unsigned host, uint16_t id,
			      uint8_t *frame, size_t msg_len, uint8_t *frag,
			      sl_blast_frame_out out, void *arg);

#endif
