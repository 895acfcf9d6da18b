#!/usr/bin/env bash
# test_relp_broker_down: every broker of the embedded Kafka goes down for
# 30 s while rsyslog's omrelp sends. While they are down sluiced answers
# nothing, so the sender's RELP window fills and it stops sending
# (backpressure); once they are back, everything is delivered exactly
# once and answered. Then produce errors are injected (the mock's
# push_request_errors): librdkafka retries, nothing is lost or doubled.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_stream.sh"

count=20000
window=128
sl_devbroker_controlled --topic logs:4
relp=$(sl_free_port tcp)
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$(sl_free_port udp)" \
	--set "input.tcp.listen=127.0.0.1:$(sl_free_port tcp)" \
	--set "input.relp.listen=127.0.0.1:$relp" \
	--set "kafka.brokers=$SL_BROKERS"

sl_rsyslog_start relp \
	"action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$relp\" windowSize=\"$window\")"
sl_seq_lines "$SL_WORK/relp.lines" 1 2000
sl_wait_for 30 sh -c "[ \$(grep -c . '$SL_WORK/relp.lines') -eq 2000 ]"
sl_kafka_seq logs 2000 exactly-once

sl_devbroker_ctl down all
down_at=$SECONDS
sl_seq_lines "$SL_WORK/relp.lines" 2001 "$count"
sleep 5
acked_before=$(sl_live_stat relp_acked)
taken_before=$(sl_live_stat tcp_messages)
sleep 20
acked_after=$(sl_live_stat relp_acked)
taken_after=$(sl_live_stat tcp_messages)
sl_log "brokers down: answered $acked_before -> $acked_after, taken $taken_before -> $taken_after"
[ "$acked_after" = "$acked_before" ] ||
	sl_fail "answers went out while every broker was down"
# The sender may have at most its window unanswered: it stopped.
[ $((taken_after - acked_after)) -le "$window" ] ||
	sl_fail "$((taken_after - acked_after)) messages taken unanswered, more than the window $window"
[ "$taken_after" -lt "$count" ] || sl_fail "the sender never had to wait"
sleep $((30 - (SECONDS - down_at)))
sl_devbroker_ctl up all
sl_kafka_seq logs "$count" exactly-once 120

sl_devbroker_ctl errors Produce NOT_ENOUGH_REPLICAS*3 REQUEST_TIMED_OUT*2
sl_seq_lines "$SL_WORK/relp.lines" $((count + 1)) $((count + 1000))
sl_kafka_seq logs $((count + 1000)) exactly-once 60
sl_sluiced_stop
sl_expect_stat relp_acked $((count + 1000))
sl_expect_stat relp_nacked 0
sl_expect_stat dropped 0
sl_expect_sources_settled
sl_log "PASS: no answer while Kafka was down, the sender waited, nothing lost after 30 s down and injected produce errors"
