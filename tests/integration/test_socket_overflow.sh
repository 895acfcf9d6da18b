#!/usr/bin/env bash
# test_socket_overflow: UDP cannot push back. With sluiced stopped
# (SIGSTOP) and a small socket buffer, the kernel drops what does not fit;
# sluiced learns the kernel's count (SO_RXQ_OVFL) with the next datagram
# and counts every one of them as drop_socket_full: received plus dropped
# is exactly what was sent.
source "$(dirname "$0")/lib.sh"

sl_devbroker --topic logs:4
port=$(sl_free_port udp)
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$port" --set "kafka.brokers=$SL_BROKERS" \
	--set input.udp.rcvbuf=64k
sent=2000
seq 1 "$sent" | sed 's/^/overflow message /' >"$SL_WORK/lines.txt"
kill -STOP "$SL_SLUICED_PID"
logger -n 127.0.0.1 -P "$port" -d --rfc3164 -t flood -f "$SL_WORK/lines.txt"
kill -CONT "$SL_SLUICED_PID"
sleep 0.5
logger -n 127.0.0.1 -P "$port" -d --rfc3164 -t flood "probe after the flood"
sent=$((sent + 1))
sl_wait_for 20 sh -c "kill -USR1 $SL_SLUICED_PID; grep 'sluiced: stats' '$SL_WORK/sluiced.log' | tail -n 1 | grep -q 'drop_socket_full='" ||
	sl_fail "no socket_full drops counted"
sleep 1
sl_sluiced_stop
in=$(sl_stat msg_in)
lost=$(sl_stat drop_socket_full)
[ "$lost" -gt 0 ] || sl_fail "expected the kernel to drop some of the flood"
[ $((in + lost)) -eq "$sent" ] ||
	sl_fail "received $in + dropped $lost != sent $sent"
sl_expect_stat kafka_delivered "$in"
sl_log "PASS: $in received, $lost dropped by the kernel and counted"
