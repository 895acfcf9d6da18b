/* sl_meta-t.h: types of the per-message metadata carried in every mbuf.
 *
 * Every mbuf that travels from a receive lcore to a worker carries a
 * struct sl_meta in its private area (the mempools are created with
 * SL_META_PRIV_SIZE bytes of private room), so the payload stays where
 * the NIC or the socket put it and the metadata costs no extra cache line
 * on the data.
 */
#ifndef SL_META_T_H
#define SL_META_T_H

#include <stdint.h>

#include "sl_ack-t.h"

/* A sender address. Invariants: family is AF_INET or AF_INET6; for
 * AF_INET only ip[0..3] is used and ip[4..15] are zero, so two equal
 * addresses compare equal with memcmp over the whole struct; port is in
 * host byte order and is not part of the source identity (a host sends
 * from many ports, it is still one source). */
struct sl_addr {
	uint8_t ip[16];
	uint16_t port;
	uint8_t family;
	uint8_t pad;
};

/* Metadata of one received message. Invariants: rx_ns is the wall clock
 * (CLOCK_REALTIME, ns since the epoch) when the receive lcore took the
 * message; src_hash is sl_addr_hash(&src) and decides the worker where
 * senders are hashed to workers (sl_ring_worker_of; a run-to-completion
 * lcore on DPDK ports is instead the worker of its own queues), so all
 * messages of one source reach the same worker in arrival order; ack is
 * set only with SL_META_F_ACK: the sender waits for an answer that the
 * delivery report of this message releases. */
struct sl_meta {
	uint64_t rx_ns;
	struct sl_addr src;
	uint32_t src_hash;
	uint16_t input;     /* index of the input (port or socket) it came from */
	uint16_t flags;     /* SL_META_F_* */
	struct sl_ack_token ack;
};

#define SL_META_F_FRAGMENTED 0x0001 /* reassembled from IPv4 fragments */
#define SL_META_F_ACK        0x0002 /* ack holds the sender's token */

#endif
