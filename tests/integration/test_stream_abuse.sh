#!/usr/bin/env bash
# test_stream_abuse: misbehaving TCP clients next to well-behaved ones.
# A client sending garbage framing is closed (counted, logged), one that
# stalls mid-frame is closed at the idle timeout (5 s here: long enough
# that a well-behaved sender on a loaded machine is never idle that long),
# one that opens 10 000 connections gets the per-source limit (the rest
# refused and counted);
# meanwhile rsyslog over RELP and over TCP deliver every message exactly
# once, from another address.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_stream.sh"

count=20000
per_source=64
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
sl_devbroker --topic logs:4 --topic tcp:4
tcp=$(sl_free_port tcp)
relp=$(sl_free_port tcp)
cat >"$SL_WORK/routes.conf" <<CONF
[route.tcp]
host = rsyslog-tcp
topic = tcp
CONF
cat "$SL_SRC/deploy/examples/loopback.conf" "$SL_WORK/routes.conf" >"$SL_WORK/sluiced.conf"
sl_sluiced "$SL_WORK/sluiced.conf" \
	--set "input.udp.listen=127.0.0.1:$(sl_free_port udp)" \
	--set "input.tcp.listen=127.0.0.1:$tcp" \
	--set "input.relp.listen=127.0.0.1:$relp" \
	--set "kafka.brokers=$SL_BROKERS" \
	--set stream.idle_timeout=5s \
	--set "stream.max_connections_per_source=$per_source"

sl_rsyslog_start relp \
	"action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$relp\")"
sl_rsyslog_start tcp \
	"action(type=\"omfwd\" target=\"127.0.0.1\" port=\"$tcp\" protocol=\"tcp\" TCP_Framing=\"octet-counted\")"
sl_seq_lines "$SL_WORK/relp.lines" 1 "$count" 1000 0.1 &
SL_PIDS+=($!)
sl_seq_lines "$SL_WORK/tcp.lines" 1 "$count" 1000 0.1 &
SL_PIDS+=($!)

sl_streamclient flood --port "$tcp" --source 127.0.0.9 --connections 10000 \
	--seconds 8 >"$SL_WORK/flood.txt" &
flood=$!
SL_PIDS+=("$flood")
sl_streamclient garbage --port "$tcp" --source 127.0.0.10 --seconds 8 >"$SL_WORK/garbage-tcp.txt" ||
	sl_fail "garbage on the TCP listener was not closed: $(cat "$SL_WORK/garbage-tcp.txt")"
sl_streamclient garbage --port "$relp" --source 127.0.0.10 --seconds 5 >"$SL_WORK/garbage-relp.txt" ||
	sl_fail "garbage on the RELP listener was not closed: $(cat "$SL_WORK/garbage-relp.txt")"
sl_streamclient stall --port "$tcp" --source 127.0.0.11 --seconds 10 >"$SL_WORK/stall.txt" ||
	sl_fail "a stalled client was not closed: $(cat "$SL_WORK/stall.txt")"
wait "$flood" || sl_fail "flood client failed: $(cat "$SL_WORK/flood.txt")"
cat "$SL_WORK/flood.txt" "$SL_WORK/stall.txt" >&2

sl_kafka_seq logs "$count" exactly-once 90
sl_kafka_seq tcp "$count" exactly-once 90
refused=$(sl_live_stat tcp_refused)
[ "$refused" -ge $((10000 - per_source)) ] ||
	sl_fail "only $refused connections refused, expected at least $((10000 - per_source))"
[ "$(sl_live_stat tcp_bad_frame)" -gt 0 ] || sl_fail "garbage not counted"
[ "$(sl_live_stat tcp_idle)" -gt 0 ] || sl_fail "idle close not counted"
grep -q "idle timeout" "$SL_WORK/sluiced.log" || sl_fail "idle close not logged"
sl_sluiced_stop
sl_expect_stat relp_acked "$count"
sl_log "PASS: garbage, a stall and 10000 connections counted and bounded; the other senders delivered exactly once"
