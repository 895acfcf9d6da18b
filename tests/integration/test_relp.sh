#!/usr/bin/env bash
# test_relp: rsyslog's omrelp (librelp, a sender we did not write) sends
# numbered messages over RELP; sluiced answers each only after Kafka
# stored it, and Kafka holds every message exactly once, in order. Then
# the session ends cleanly on sluiced's shutdown ("serverclose").
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_stream.sh"

count=20000
sl_devbroker --topic logs:4
relp=$(sl_free_port tcp)
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$(sl_free_port udp)" \
	--set "input.tcp.listen=127.0.0.1:$(sl_free_port tcp)" \
	--set "input.relp.listen=127.0.0.1:$relp" \
	--set "kafka.brokers=$SL_BROKERS"

sl_seq_lines "$SL_WORK/relp.lines" 1 "$count"
sl_rsyslog_start relp \
	"action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$relp\" windowSize=\"256\")"
sl_kafka_seq logs "$count" exactly-once
"$SL_PY" - "$SL_WORK/kafka.txt" <<'PY' || sl_fail "messages out of order or altered"
import re, sys
nums = [int(m.group(1)) for m in map(re.compile(r"seq=(\d+)").search, open(sys.argv[1])) if m]
assert nums == sorted(nums), "out of order"
line = open(sys.argv[1]).readline()
assert re.match(r"<166>1 \S+ rsyslog-relp seqtest - - - seq=00000001 sluice stream test message$", line), line
PY
[ "$(sl_live_stat relp_acked)" = "$count" ] ||
	sl_fail "relp_acked is not $count"
sl_sluiced_stop
sl_expect_stat msg_in "$count"
sl_expect_stat kafka_delivered "$count"
sl_expect_stat relp_sessions 1
sl_expect_stat relp_acked "$count"
sl_expect_stat relp_nacked 0
sl_expect_stat ack_stale 0
sl_expect_stat dropped 0
sl_expect_sources_settled
sl_log "PASS: $count messages over RELP, each answered after Kafka stored it"
