#!/usr/bin/env bash
# test_relp_kill: sluiced is killed with SIGKILL while rsyslog's omrelp is
# sending, then started again on the same ports. Everything rsyslog sent
# (it resends what was not answered) is in Kafka at least once: an answer
# was only ever given for a stored message, so the kill loses nothing;
# messages stored but not yet answered come twice, and are counted.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_stream.sh"

count=20000
sl_devbroker --topic logs:4
relp=$(sl_free_port tcp)
args=(--set "input.udp.listen=127.0.0.1:$(sl_free_port udp)"
	--set "input.tcp.listen=127.0.0.1:$(sl_free_port tcp)"
	--set "input.relp.listen=127.0.0.1:$relp"
	--set "kafka.brokers=$SL_BROKERS")
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" "${args[@]}"
first_pid=$SL_SLUICED_PID

sl_rsyslog_start relp \
	"action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$relp\" windowSize=\"256\")"
sl_seq_lines "$SL_WORK/relp.lines" 1 "$count" 400 0.05 &
writer=$!
SL_PIDS+=("$writer")
sl_wait_for 30 sh -c "[ \$(grep -c . '$SL_WORK/relp.lines') -ge $((count / 4)) ]" ||
	sl_fail "the sender did not get going"
acked=$(sl_live_stat relp_acked)
[ "$acked" -gt 0 ] || sl_fail "nothing acknowledged before the kill"
kill -KILL "$first_pid"
wait "$first_pid" 2>/dev/null || true
sl_log "killed sluiced with $acked message(s) acknowledged"
mv "$SL_WORK/sluiced.log" "$SL_WORK/sluiced-killed.log"
sleep 1
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" "${args[@]}"
wait "$writer"
sl_kafka_seq logs "$count" at-least-once 90
dups=$(sed -n 's/.* duplicates=\([0-9]*\).*/\1/p' <<<"$("$SL_PY" \
	"$SL_SRC/tests/integration/seqcheck.py" "$SL_WORK/kafka.txt" "$count" at-least-once)")
sl_sluiced_stop
sl_expect_stat ack_stale 0
sl_log "PASS: all $count messages in Kafka after a SIGKILL, $dups duplicate(s) (resent, not lost)"
