#!/usr/bin/env bash
# test_socket_logger: util-linux logger sends every corpus line over UDP to
# sluiced's kernel socket driver; every message comes back from Kafka
# byte-identical (the trailing CR logger keeps is trimmed) and in order.
source "$(dirname "$0")/lib.sh"

sl_devbroker --topic logs:4
port=$(sl_free_port udp)
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$port" --set "kafka.brokers=$SL_BROKERS"

sl_corpus >"$SL_WORK/lines.txt"
total=$(wc -l <"$SL_WORK/lines.txt")
logger -n 127.0.0.1 -P "$port" -d --size 65000 --rfc5424=notq,notime,nohost \
	--id=4242 -t corpus -f "$SL_WORK/lines.txt"
tr -d '\r' <"$SL_WORK/lines.txt" | sed 's/^/<13>1 - - corpus 4242 - - /' \
	>"$SL_WORK/expected.txt"

sl_cat logs "$total" "$SL_WORK/got.txt"
cmp "$SL_WORK/expected.txt" "$SL_WORK/got.txt" ||
	sl_fail "messages differ from what logger sent"
sl_sluiced_stop
sl_expect_stat msg_in "$total"
sl_expect_stat kafka_delivered "$total"
sl_expect_stat dropped 0
grep -q "sluiced: source host=127.0.0.1 in=$total bytes=[0-9]* delivered=$total failed=0 unacked=0" \
	"$SL_WORK/sluiced.log" || sl_fail "per-source counters wrong"
sl_log "PASS: $total messages"
