/* sl_stats-t.h: per-lcore counters.
 *
 * Each lcore owns one struct sl_lcore_stats (indexed by rte_lcore_id())
 * and is the only writer of it; the control thread reads all of them and
 * sums. Writers use relaxed atomic stores of their own load+add, which on
 * x86 and arm64 compile to plain loads and stores: no locked instruction
 * on the hot path, and no torn or racy reads for the reader.
 */
#ifndef SL_STATS_T_H
#define SL_STATS_T_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_config.h>

/* Why a packet or message was not delivered. Every drop in sluice is one
 * of these; the names are what the logs and (later) metrics print. */
enum sl_drop_reason {
	SL_DROP_RING_FULL,      /* worker ring full (UDP cannot push back) */
	SL_DROP_NOMBUF,         /* mempool empty */
	SL_DROP_TRUNCATED,      /* frame shorter than its headers say */
	SL_DROP_BAD_CSUM,       /* IPv4 header or UDP checksum wrong */
	SL_DROP_MALFORMED,      /* header fields impossible (IHL, version, lengths) */
	SL_DROP_FRAGMENT,       /* fragment not reassembled (table full, timeout, overlap) */
	SL_DROP_OVERSIZE,       /* message longer than dataplane.max_message */
	SL_DROP_NOT_LISTENED,   /* UDP to an address or port nobody listens on */
	SL_DROP_UNSUPPORTED,    /* not IP/ARP, or IP protocol we do not serve */
	SL_DROP_EMPTY,          /* zero-length message */
	SL_DROP_KAFKA_REJECTED, /* produce() refused it (not queue-full) */
	SL_DROP_KAFKA_FAILED,   /* delivery report carried an error */
	SL_DROP_SHUTDOWN,       /* still queued when the shutdown bound ran out */
	SL_DROP_SOCKET_FULL,    /* kernel socket buffer overflowed (SO_RXQ_OVFL) */
	SL_DROP_ENVELOPE,       /* could not be batched or sealed (memory, crypto) */
	SL_DROP_PAUSED,         /* its source is paused (sluicectl pause-source) */
	SL_DROP__COUNT
};

/* Counters of one lcore. A receive lcore fills the rx_* and exception
 * fields, a worker the msg_* and kafka_* fields, a lcore doing both (run
 * to completion) fills both. drops[] is shared by both roles. */
struct sl_lcore_stats {
	uint64_t rx_packets;     /* frames or datagrams taken from an input */
	uint64_t rx_bytes;       /* their bytes (frame bytes on DPDK ports) */
	uint64_t rx_fragments;   /* IPv4 fragments taken into reassembly */
	uint64_t rx_reassembled; /* datagrams completed from fragments */
	uint64_t rx_arp_replies; /* ARP requests for our address answered */
	uint64_t rx_icmp_echo;   /* ICMP echo requests answered */
	uint64_t tx_failed;      /* replies the port did not take */
	uint64_t exc_to_kernel;  /* frames handed to the exception interface */
	uint64_t exc_from_kernel;/* frames the kernel sent out through a port */
	uint64_t ring_enqueued;  /* messages handed to worker rings */
	uint64_t msg_in;         /* messages a worker dequeued */
	uint64_t msg_bytes;      /* their payload bytes */
	uint64_t msg_no_header;  /* delivered without a valid syslog header */
	uint64_t msg_bad_utf8;   /* delivered, but not valid UTF-8 */
	uint64_t kafka_produced; /* accepted by produce() */
	uint64_t kafka_delivered;/* delivery report: stored with acks=all */
	uint64_t kafka_queue_full; /* produce() said queue full (retried) */
	uint64_t env_sealed;     /* envelopes sealed and produced */
	uint64_t env_delivered;  /* envelopes stored with acks=all */
	uint64_t env_raw_bytes;  /* record bytes that went into envelopes */
	uint64_t env_bytes;      /* bytes of the sealed envelopes */
	uint64_t tcp_accepted;   /* stream connections accepted */
	uint64_t tcp_closed;     /* ... closed, for any reason */
	uint64_t tcp_refused;    /* ... closed at once: connection limits */
	uint64_t tcp_bad_frame;  /* ... closed for garbage framing */
	uint64_t tcp_idle;       /* ... closed after idle_timeout */
	uint64_t tcp_tls_failed; /* ... closed: TLS handshake or record error */
	uint64_t tcp_messages;   /* messages framed from streams */
	uint64_t tcp_discarded;  /* bytes read, never framed: a connection
				  * ended mid-frame or was closed with input */
	uint64_t relp_sessions;  /* RELP sessions opened */
	uint64_t relp_acked;     /* "rsp 200" for a syslog command */
	uint64_t relp_nacked;    /* syslog commands not stored: "rsp 500"
				  * (empty), or a failed delivery that
				  * closed the session for a resend */
	uint64_t ack_stale;      /* answers for a connection already gone */
	uint64_t drops[SL_DROP__COUNT];
} __rte_cache_aligned;

#endif
