#!/usr/bin/env bash
# test_relp_nack: Kafka fails deliveries for good (brokers down past
# message.timeout.ms). sluiced never answers those RELP messages "200":
# it closes the session (librelp's client would drop a message answered
# "500"), rsyslog's omrelp opens a new one and sends everything
# unanswered again, and once the brokers are back every message is in
# Kafka at least once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_stream.sh"

count=3000
sl_devbroker_controlled --topic logs:4
relp=$(sl_free_port tcp)
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$(sl_free_port udp)" \
	--set "input.tcp.listen=127.0.0.1:$(sl_free_port tcp)" \
	--set "input.relp.listen=127.0.0.1:$relp" \
	--set "kafka.brokers=$SL_BROKERS" \
	--set kafka.producer.message.timeout.ms=2000

sl_rsyslog_start relp \
	"action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$relp\")"
sl_seq_lines "$SL_WORK/relp.lines" 1 1000
sl_kafka_seq logs 1000 exactly-once
sl_devbroker_ctl down all
sl_seq_lines "$SL_WORK/relp.lines" 1001 "$count"
sl_wait_for 30 sh -c "kill -USR1 $SL_SLUICED_PID; grep 'sluiced: stats' '$SL_WORK/sluiced.log' | tail -n 1 | grep -q 'relp_nacked=[1-9]'" ||
	sl_fail "no negative answer while deliveries failed"
sl_devbroker_ctl up all
sl_kafka_seq logs "$count" at-least-once 120
sl_sluiced_stop
nacked=$(sl_stat relp_nacked)
[ "$(sl_stat tcp_accepted)" -gt 1 ] || sl_fail "rsyslog never opened a new session"
[ "$(sl_stat drop_kafka_failed)" -ge "$nacked" ] ||
	sl_fail "relp_nacked=$nacked but only $(sl_stat drop_kafka_failed) deliveries failed"
sl_log "PASS: $nacked failed deliveries closed their session, resent by rsyslog, all $count messages in Kafka"
