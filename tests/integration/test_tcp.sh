#!/usr/bin/env bash
# test_tcp: syslog over TCP from senders we did not write, into the one
# auto-detecting listener: rsyslog's omfwd with its traditional newline
# framing and with RFC 6587 octet counting, and logger --tcp both ways.
# Every message arrives exactly once, in order, byte-identical. Then
# sluice-blast keeps four connections busy for several seconds: none is
# taken for idle (the idle check runs once a second, in a round that may
# just have read from it), nothing is lost.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_stream.sh"

count=20000
steady=350000
sl_devbroker --topic logs:4 --topic octet:4 --topic logger:4 --topic blast:8
tcp=$(sl_free_port tcp)
cat >"$SL_WORK/routes.conf" <<CONF
[route.octet]
host = rsyslog-octet
topic = octet
[route.logger]
app = tcptest
topic = logger
[route.blast]
app = blast
topic = blast
CONF
cat "$SL_SRC/deploy/examples/loopback.conf" "$SL_WORK/routes.conf" >"$SL_WORK/sluiced.conf"
sl_sluiced "$SL_WORK/sluiced.conf" \
	--set "input.udp.listen=127.0.0.1:$(sl_free_port udp)" \
	--set "input.tcp.listen=127.0.0.1:$tcp" \
	--set "input.relp.listen=127.0.0.1:$(sl_free_port tcp)" \
	--set "kafka.brokers=$SL_BROKERS"

sl_seq_lines "$SL_WORK/lf.lines" 1 "$count"
sl_seq_lines "$SL_WORK/octet.lines" 1 "$count"
sl_rsyslog_start lf \
	"action(type=\"omfwd\" target=\"127.0.0.1\" port=\"$tcp\" protocol=\"tcp\")"
sl_rsyslog_start octet \
	"action(type=\"omfwd\" target=\"127.0.0.1\" port=\"$tcp\" protocol=\"tcp\" TCP_Framing=\"octet-counted\")"
for i in $(seq 1 50); do
	logger --tcp -n 127.0.0.1 -P "$tcp" -t tcptest "seq=$(printf %08d "$i") newline framed"
done
for i in $(seq 51 100); do
	logger --tcp --octet-count -n 127.0.0.1 -P "$tcp" -t tcptest "seq=$(printf %08d "$i") octet counted"
done

sl_kafka_seq logs "$count" exactly-once
cp "$SL_WORK/kafka.txt" "$SL_WORK/kafka-lf.txt"
sl_kafka_seq octet "$count" exactly-once
sl_kafka_seq logger 100 exactly-once
"$SL_PY" - "$SL_WORK" <<'PY' || sl_fail "messages out of order or altered"
import re, sys
w = sys.argv[1]
for name, host in (("kafka-lf.txt", "rsyslog-lf"), ("kafka.txt", None)):
    lines = open(w + "/" + name).read().splitlines()
    nums = [int(re.search(r"seq=(\d+)", l).group(1)) for l in lines]
    assert nums == sorted(nums), name + ": out of order"
    if host:
        assert all(re.match(r"<166>1 \S+ %s seqtest - - - seq=\d{8} sluice stream test message$" % host, l)
                   for l in lines), name + ": altered"
for l in open(w + "/kafka.txt"):
    assert l.rstrip("\n").endswith(("newline framed", "octet counted")), l
PY

# About 3.5 s of steady traffic over four connections. The verifier reads
# along: all of it goes to one partition (one sender address), more than
# the embedded broker keeps of a partition (5 MiB).
"$SL_BUILD/tools/sluice-cat" --verify --brokers "$SL_BROKERS" --topic blast \
	--expect-total "$steady" --exactly-once --timeout 5 >"$SL_WORK/verify.out" &
verifier=$!
SL_PIDS+=("$verifier")
timeout 60 "$SL_BUILD/tools/sluice-blast" tcp --target "127.0.0.1:$tcp" \
	--connections 4 --count "$steady" --rate 100000 --hosts 64 \
	--corpus "$SL_CORPUS" >"$SL_WORK/blast.sum" 2>"$SL_WORK/blast.log" ||
	sl_fail "sluice-blast tcp exited $?: $(cat "$SL_WORK/blast.log")"
wait "$verifier" || sl_fail "steady tcp: $(tail -n 1 "$SL_WORK/verify.out")"
sl_sluiced_stop
sl_expect_stat tcp_idle 0
sl_expect_stat msg_in $((2 * count + 100 + steady))
sl_expect_stat kafka_delivered $((2 * count + 100 + steady))
sl_expect_stat tcp_bad_frame 0
sl_expect_stat dropped 0
sl_log "PASS: newline and octet-counted TCP from rsyslog and logger, exactly once"
