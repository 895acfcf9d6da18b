/* sl_stats.c: the per-lcore counter array and its read side. */
#include <inttypes.h>
#include <string.h>

#include "sl_stats.h"

struct sl_lcore_stats sl_lcore_stats[RTE_MAX_LCORE];

static const char *const drop_names[SL_DROP__COUNT] = {
	[SL_DROP_RING_FULL] = "ring_full",
	[SL_DROP_NOMBUF] = "nombuf",
	[SL_DROP_TRUNCATED] = "truncated",
	[SL_DROP_BAD_CSUM] = "bad_checksum",
	[SL_DROP_MALFORMED] = "malformed",
	[SL_DROP_FRAGMENT] = "fragment",
	[SL_DROP_OVERSIZE] = "oversize",
	[SL_DROP_NOT_LISTENED] = "not_listened",
	[SL_DROP_UNSUPPORTED] = "unsupported",
	[SL_DROP_EMPTY] = "empty",
	[SL_DROP_KAFKA_REJECTED] = "kafka_rejected",
	[SL_DROP_KAFKA_FAILED] = "kafka_failed",
	[SL_DROP_SHUTDOWN] = "shutdown",
	[SL_DROP_SOCKET_FULL] = "socket_full",
	[SL_DROP_ENVELOPE] = "envelope",
	[SL_DROP_PAUSED] = "paused",
};

const char *
sl_drop_name(enum sl_drop_reason r)
{
	return (unsigned)r < SL_DROP__COUNT ? drop_names[r] : "unknown";
}

#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)

void
sl_stats_sum(struct sl_lcore_stats *t)
{
	unsigned i, d;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		const struct sl_lcore_stats *s = &sl_lcore_stats[i];

		t->rx_packets += LOAD(s->rx_packets);
		t->rx_bytes += LOAD(s->rx_bytes);
		t->rx_fragments += LOAD(s->rx_fragments);
		t->rx_reassembled += LOAD(s->rx_reassembled);
		t->rx_arp_replies += LOAD(s->rx_arp_replies);
		t->rx_icmp_echo += LOAD(s->rx_icmp_echo);
		t->tx_failed += LOAD(s->tx_failed);
		t->exc_to_kernel += LOAD(s->exc_to_kernel);
		t->exc_from_kernel += LOAD(s->exc_from_kernel);
		t->ring_enqueued += LOAD(s->ring_enqueued);
		t->msg_in += LOAD(s->msg_in);
		t->msg_bytes += LOAD(s->msg_bytes);
		t->msg_no_header += LOAD(s->msg_no_header);
		t->msg_bad_utf8 += LOAD(s->msg_bad_utf8);
		t->kafka_produced += LOAD(s->kafka_produced);
		t->kafka_delivered += LOAD(s->kafka_delivered);
		t->kafka_queue_full += LOAD(s->kafka_queue_full);
		t->env_sealed += LOAD(s->env_sealed);
		t->env_delivered += LOAD(s->env_delivered);
		t->env_raw_bytes += LOAD(s->env_raw_bytes);
		t->env_bytes += LOAD(s->env_bytes);
		t->tcp_accepted += LOAD(s->tcp_accepted);
		t->tcp_closed += LOAD(s->tcp_closed);
		t->tcp_refused += LOAD(s->tcp_refused);
		t->tcp_bad_frame += LOAD(s->tcp_bad_frame);
		t->tcp_idle += LOAD(s->tcp_idle);
		t->tcp_tls_failed += LOAD(s->tcp_tls_failed);
		t->tcp_messages += LOAD(s->tcp_messages);
		t->tcp_discarded += LOAD(s->tcp_discarded);
		t->relp_sessions += LOAD(s->relp_sessions);
		t->relp_acked += LOAD(s->relp_acked);
		t->relp_nacked += LOAD(s->relp_nacked);
		t->ack_stale += LOAD(s->ack_stale);
		for (d = 0; d < SL_DROP__COUNT; d++)
			t->drops[d] += LOAD(s->drops[d]);
	}
}

void
sl_stats_print(FILE *f, const char *label, const char *extra)
{
	struct sl_lcore_stats t;
	uint64_t dropped = 0;
	unsigned d;

	sl_stats_sum(&t);
	for (d = 0; d < SL_DROP__COUNT; d++)
		dropped += t.drops[d];
	fprintf(f, "%s rx_packets=%" PRIu64 " rx_bytes=%" PRIu64
		" rx_fragments=%" PRIu64 " rx_reassembled=%" PRIu64
		" arp_replies=%" PRIu64 " icmp_echo=%" PRIu64
		" msg_in=%" PRIu64 " msg_bytes=%" PRIu64
		" msg_no_header=%" PRIu64 " msg_bad_utf8=%" PRIu64
		" kafka_produced=%" PRIu64 " kafka_delivered=%" PRIu64
		" kafka_queue_full=%" PRIu64 " dropped=%" PRIu64,
		label, t.rx_packets, t.rx_bytes, t.rx_fragments,
		t.rx_reassembled, t.rx_arp_replies, t.rx_icmp_echo, t.msg_in,
		t.msg_bytes, t.msg_no_header, t.msg_bad_utf8, t.kafka_produced,
		t.kafka_delivered, t.kafka_queue_full, dropped);
	for (d = 0; d < SL_DROP__COUNT; d++)
		if (t.drops[d] != 0)
			fprintf(f, " drop_%s=%" PRIu64, drop_names[d], t.drops[d]);
	if (t.tx_failed != 0)
		fprintf(f, " tx_failed=%" PRIu64, t.tx_failed);
	if (t.exc_to_kernel != 0 || t.exc_from_kernel != 0)
		fprintf(f, " exc_to_kernel=%" PRIu64 " exc_from_kernel=%" PRIu64,
			t.exc_to_kernel, t.exc_from_kernel);
	if (t.env_sealed != 0)
		fprintf(f, " env_sealed=%" PRIu64 " env_delivered=%" PRIu64
			" env_raw_bytes=%" PRIu64 " env_bytes=%" PRIu64,
			t.env_sealed, t.env_delivered, t.env_raw_bytes,
			t.env_bytes);
	if (t.tcp_accepted != 0)
		fprintf(f, " tcp_accepted=%" PRIu64 " tcp_closed=%" PRIu64
			" tcp_refused=%" PRIu64 " tcp_bad_frame=%" PRIu64
			" tcp_idle=%" PRIu64 " tcp_tls_failed=%" PRIu64
			" tcp_messages=%" PRIu64 " tcp_discarded=%" PRIu64
			" relp_sessions=%" PRIu64
			" relp_acked=%" PRIu64 " relp_nacked=%" PRIu64
			" ack_stale=%" PRIu64,
			t.tcp_accepted, t.tcp_closed, t.tcp_refused,
			t.tcp_bad_frame, t.tcp_idle, t.tcp_tls_failed,
			t.tcp_messages, t.tcp_discarded, t.relp_sessions,
			t.relp_acked,
			t.relp_nacked, t.ack_stale);
	fprintf(f, "%s\n", extra);
	fflush(f);
}
