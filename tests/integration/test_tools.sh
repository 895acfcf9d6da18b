#!/bin/bash
# test_tools.sh BUILD_DIR: sluice-devbroker and sluice-cat against each
# other and against a real client (kcat): bootstrap file life cycle,
# byte-exact raw output, JSON output, keys and headers, --count/--timeout
# exit codes, a topic that does not exist yet, a million messages, and a
# clean SIGTERM. Then sluice-blast's stream and DPDK modes into sluiced:
# tcp (octet-counted) and relp into the socket inputs, memif into a
# net_memif port, each message found in Kafka exactly once.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
devbroker=$build/tools/sluice-devbroker
cat_bin=$build/tools/sluice-cat
python=/usr/bin/python3

for tool in kcat "$python"; do
	if ! command -v "$tool" >/dev/null; then
		echo "SKIP: $tool not installed" >&2
		exit 77
	fi
done

tmp=$(mktemp -d "$build/test_tools.XXXXXX")
broker_pid=
cleanup() {
	if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
		kill -KILL "$broker_pid" 2>/dev/null || true
		wait "$broker_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	echo "test_tools: $passed passed, 1 failed"
	exit 1
}
ok() {
	passed=$((passed + 1))
	echo "ok $passed - $*"
}

# Runs sluice-cat with the given arguments; stdout to $tmp/cat.out, stderr
# to $tmp/cat.err, exit status in $rc.
run_cat() {
	rc=0
	"$cat_bin" "$@" >"$tmp/cat.out" 2>"$tmp/cat.err" || rc=$?
}

# --- bad arguments --------------------------------------------------------
rc=0; "$devbroker" --brokers 0 >/dev/null 2>"$tmp/usage.err" || rc=$?
[ "$rc" -eq 2 ] || fail "devbroker --brokers 0 exited $rc, want 2"
grep -q '^usage:' "$tmp/usage.err" || fail "devbroker: no usage on stderr"
rc=0; "$devbroker" --topic 'bad name:3' >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "devbroker with a bad topic exited $rc, want 2"
for args in "--topic t" "--brokers x --topic t --count 0" \
	"--brokers x --topic t --format xml" "--brokers x --topic t --timeout -1" \
	"--brokers x --topic t stray"; do
	# shellcheck disable=SC2086 # word splitting of $args is wanted
	run_cat $args
	[ "$rc" -eq 2 ] || fail "sluice-cat $args exited $rc, want 2"
done
rm -f "$tmp/cat.err" "$tmp/usage.err"
ok "bad arguments exit 2 with usage"

# --- start the broker -----------------------------------------------------
"$devbroker" --brokers 3 --topic t:3 --topic big:16 \
	--bootstrap-file "$tmp/bootstrap" >"$tmp/broker.out" 2>"$tmp/broker.err" &
broker_pid=$!
for _ in $(seq 200); do
	[ -f "$tmp/bootstrap" ] && break
	kill -0 "$broker_pid" 2>/dev/null || fail "devbroker died at start"
	sleep 0.1
done
[ -f "$tmp/bootstrap" ] || fail "no bootstrap file after 20 s"
bs=$(cat "$tmp/bootstrap")
[[ "$bs" =~ ^127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+,127\.0\.0\.1:[0-9]+$ ]] ||
	fail "bootstrap \"$bs\" is not three loopback brokers"
[ "$(cat "$tmp/broker.out")" = "$bs" ] || fail "stdout and bootstrap file differ"
[ ! -e "$tmp/bootstrap.tmp" ] || fail "bootstrap.tmp left behind"
ok "devbroker published $bs"

kcat -L -b "$bs" -t t >"$tmp/meta.txt" 2>"$tmp/kcat.err"
grep -q ' 3 brokers:' "$tmp/meta.txt" || fail "kcat -L: not 3 brokers"
grep -q 'topic "t" with 3 partitions' "$tmp/meta.txt" ||
	fail "kcat -L: topic t has not 3 partitions"
grep -q 'replicas: [0-9],[0-9],[0-9],' "$tmp/meta.txt" ||
	fail "kcat -L: topic t is not 3-way replicated"
ok "kcat sees 3 brokers and topic t with 3 partitions"

# --- raw, byte for byte ---------------------------------------------------
# All to partition 0 so the order is the production order; the binary
# line holds NUL, invalid UTF-8, CR, TAB and DEL, but no LF (kcat's
# delimiter); kcat drops empty lines, so there is none.
{
	printf 'first line\n'
	printf 'bin:\x00\x01\x7f\x80\xff\xfe\xc3\x28\r\tend\n'
	printf 'quote " backslash \\ unicode \xc3\xa9\xe2\x9c\x93\n'
	printf 'last line\n'
} >"$tmp/in.raw"
n_in=4
kcat -P -b "$bs" -t t -p 0 -l "$tmp/in.raw" 2>"$tmp/kcat.err" ||
	fail "kcat could not produce"

run_cat --brokers "$bs" --topic t --from-beginning --count "$n_in" --timeout 20
[ "$rc" -eq 0 ] || fail "sluice-cat --count $n_in exited $rc"
cmp "$tmp/in.raw" "$tmp/cat.out" || fail "raw output differs from input"
ok "raw output is byte-identical ($n_in messages, one binary)"

# --- json -----------------------------------------------------------------
run_cat --brokers "$bs" --topic t --from-beginning --count "$n_in" \
	--timeout 20 --format json
[ "$rc" -eq 0 ] || fail "sluice-cat --format json exited $rc"
"$python" -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert len(rows) == 4, len(rows)
assert [r["offset"] for r in rows] == [0, 1, 2, 3], rows
for r in rows:
    assert r["topic"] == "t" and r["partition"] == 0, r
    assert r["key"] is None and r["headers"] == {}, r
    assert isinstance(r["timestamp_ms"], int) and r["timestamp_ms"] > 0, r
assert rows[0]["value"] == "first line", rows[0]
assert rows[1]["value"] == "bin:\x00\x01\x7f\x80\xff\xfe\xc3(\r\tend", rows[1]
assert rows[2]["value"] == "quote \" backslash \\ unicode \u00e9\u2713", rows[2]
assert rows[3]["value"] == "last line", rows[3]
' <"$tmp/cat.out" || fail "json output wrong: $(cat "$tmp/cat.out")"
ok "json output parses, with escapes and UTF-8 kept"

# --- keys and headers -----------------------------------------------------
printf 'k1:v1\nk2:v2\n' |
	kcat -P -b "$bs" -t t -p 1 -K: -H trace=abc -H src=10.0.0.1 \
		2>"$tmp/kcat.err" || fail "kcat could not produce keyed messages"
run_cat --brokers "$bs" --topic t --partition 1 --from-beginning --count 2 \
	--timeout 20 --keys
[ "$rc" -eq 0 ] || fail "sluice-cat --keys exited $rc"
printf 'k1\tv1\nk2\tv2\n' | cmp - "$tmp/cat.out" || fail "--keys output wrong"
run_cat --brokers "$bs" --topic t --partition 1 --from-beginning --count 1 \
	--timeout 20 --format json
"$python" -c '
import json, sys
r = json.loads(sys.stdin.read())
assert r["key"] == "k1" and r["value"] == "v1" and r["partition"] == 1, r
assert r["headers"] == {"trace": "abc", "src": "10.0.0.1"}, r
' <"$tmp/cat.out" || fail "json key/headers wrong: $(cat "$tmp/cat.out")"
ok "keys and headers"

# --- --count / --timeout exit codes ---------------------------------------
total=$((n_in + 2))
run_cat --brokers "$bs" --topic t --from-beginning --count $((total + 1)) \
	--timeout 1
[ "$rc" -eq 1 ] || fail "count not reached: exit $rc, want 1"
grep -q "^sluice-cat: got $total of $((total + 1)) messages in [0-9.]* s\$" \
	"$tmp/cat.err" || fail "no 'got X of N' line: $(cat "$tmp/cat.err")"
[ "$(wc -l <"$tmp/cat.out")" -eq "$total" ] || fail "count short: wrong output"
run_cat --brokers "$bs" --topic t --from-beginning --timeout 1
[ "$rc" -eq 0 ] || fail "timeout without count: exit $rc, want 0"
[ "$(wc -l <"$tmp/cat.out")" -eq "$total" ] ||
	fail "timeout without count printed $(wc -l <"$tmp/cat.out") lines"
run_cat --brokers "$bs" --topic t --timeout 1
if [ "$rc" -ne 0 ] || [ -s "$tmp/cat.out" ]; then
	fail "without --from-beginning old messages came out (exit $rc)"
fi
rm -f "$tmp/cat.err"
ok "--count/--timeout exit codes"

# --- reader started before the topic and the traffic ----------------------
"$cat_bin" --brokers "$bs" --topic late --from-beginning --count 3 \
	--timeout 20 >"$tmp/late.out" 2>"$tmp/late.err" &
late_pid=$!
sleep 1
printf 'a\nb\nc\n' | kcat -P -b "$bs" -t late -p 0 2>"$tmp/kcat.err" ||
	fail "kcat could not produce to topic late"
rc=0; wait "$late_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "late reader exited $rc"
printf 'a\nb\nc\n' | cmp - "$tmp/late.out" || fail "late reader output wrong"
rm -f "$tmp/late.err"
ok "reader started before the traffic"

# --- a million small messages ---------------------------------------------
# 16 partitions keep each one far below the mock's 5 MiB retention, if
# the messages spread evenly: sticky partitioning would put runs of
# hundreds of thousands into one partition, so it is turned off.
seq -w 1 1000000 | sed 's/^/msg-/' >"$tmp/big.in"
kcat -P -b "$bs" -t big -X linger.ms=20 -X sticky.partitioning.linger.ms=0 \
	-l "$tmp/big.in" 2>"$tmp/kcat.err" ||
	fail "kcat could not produce 1M messages"
start=$(date +%s.%N)
run_cat --brokers "$bs" --topic big --from-beginning --count 1000000 \
	--timeout 60
end=$(date +%s.%N)
[ "$rc" -eq 0 ] || fail "1M read exited $rc"
LC_ALL=C sort "$tmp/cat.out" | cmp - "$tmp/big.in" || fail "1M read: messages differ"
secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
ok "read 1000000 messages in $secs s"
# Check the order in one partition, the first one sluice-cat names.
run_cat --brokers "$bs" --topic big --from-beginning --count 1 --format json \
	--timeout 20
part=$("$python" -c 'import json, sys; print(json.load(sys.stdin)["partition"])' \
	<"$tmp/cat.out") || fail "no partition in $(cat "$tmp/cat.out")"
run_cat --brokers "$bs" --topic big --partition "$part" --from-beginning \
	--timeout 2
if [ "$rc" -ne 0 ] || [ ! -s "$tmp/cat.out" ]; then
	fail "partition $part: exit $rc or empty"
fi
LC_ALL=C sort -c "$tmp/cat.out" || fail "partition $part is out of order"
ok "partition $part alone, $(wc -l <"$tmp/cat.out") messages in order"
rm -f "$tmp/big.in" "$tmp/cat.out" "$tmp/cat.err" "$tmp/kcat.err"

# --- clean stop -----------------------------------------------------------
kill -TERM "$broker_pid"
rc=0; wait "$broker_pid" || rc=$?
broker_pid=
[ "$rc" -eq 0 ] || fail "devbroker exited $rc on SIGTERM"
[ ! -e "$tmp/bootstrap" ] || fail "bootstrap file left after SIGTERM"
[ ! -s "$tmp/broker.err" ] || fail "devbroker wrote to stderr"
ok "devbroker stops on SIGTERM, exit 0, bootstrap file removed"

# --- control FIFO: fail the cluster on purpose ---------------------------
rc=0; : >"$tmp/taken"
"$devbroker" --control "$tmp/taken" >/dev/null 2>"$tmp/taken.err" || rc=$?
[ "$rc" -eq 1 ] || fail "devbroker --control on an existing file exited $rc"
grep -q "mkfifo $tmp/taken: File exists" "$tmp/taken.err" ||
	fail "no mkfifo error: $(cat "$tmp/taken.err")"
rm -f "$tmp/taken" "$tmp/taken.err"

"$devbroker" --brokers 3 --topic c:1 --control "$tmp/ctl" \
	--bootstrap-file "$tmp/bootstrap" >"$tmp/ctl.out" 2>"$tmp/ctl.err" &
broker_pid=$!
for _ in $(seq 200); do
	[ -f "$tmp/bootstrap" ] && break
	kill -0 "$broker_pid" 2>/dev/null || fail "controlled devbroker died"
	sleep 0.1
done
bs=$(cat "$tmp/bootstrap") || fail "no bootstrap file for the controlled devbroker"
[ "$(stat -c %F:%a "$tmp/ctl")" = "fifo:600" ] ||
	fail "control is $(stat -c %F:%a "$tmp/ctl"), want fifo:600"

# ctl LINE: writes LINE to the FIFO, waits up to 10 s for the new answer
# to it and puts that answer in $answer.
ctl() {
	local prefix="devbroker: control: $1: " before
	before=$(grep -cF -- "$prefix" "$tmp/ctl.out" || true)
	# shellcheck disable=SC2016 # the inner bash expands $1 and $2
	timeout 10 bash -c 'printf "%s\n" "$1" >"$2"' ctl "$1" "$tmp/ctl" ||
		fail "control FIFO not open for \"$1\""
	for _ in $(seq 100); do
		[ "$(grep -cF -- "$prefix" "$tmp/ctl.out" || true)" -gt "$before" ] &&
			break
		sleep 0.1
	done
	answer=$(grep -F -- "$prefix" "$tmp/ctl.out" | tail -n 1)
	[ -n "$answer" ] || fail "no answer to \"$1\" in 10 s"
}

ctl "down all"
[ "$answer" = "devbroker: control: down all: ok" ] || fail "$answer"
rc=0
printf 'lost\n' | kcat -P -b "$bs" -t c -p 0 -X message.timeout.ms=2000 \
	-X topic.metadata.refresh.interval.ms=500 >/dev/null 2>"$tmp/down.log" ||
	rc=$?
[ "$rc" -ne 0 ] || fail "kcat produced to a cluster that is down"
grep -q "Connection refused" "$tmp/down.log" ||
	fail "kcat saw no refused connection: $(tail -n 3 "$tmp/down.log")"
ctl "up all"
[ "$answer" = "devbroker: control: up all: ok" ] || fail "$answer"
printf 'back\n' | kcat -P -b "$bs" -t c -p 0 -X message.timeout.ms=5000 \
	2>"$tmp/kcat.err" || fail "kcat could not produce after up all"
ok "down all refuses connections and fails kcat; up all serves again"

# Two pushed errors: the producer retries twice, then gets through.
ctl "errors Produce NOT_ENOUGH_REPLICAS*2"
[ "$answer" = "devbroker: control: errors Produce NOT_ENOUGH_REPLICAS*2: ok" ] ||
	fail "$answer"
printf 'retried\n' | kcat -P -b "$bs" -t c -p 0 -X message.timeout.ms=5000 \
	-d msg 2>"$tmp/retry.log" || fail "kcat could not produce past 2 errors"
[ "$(grep -c 'Not enough in-sync replicas (actions Retry' "$tmp/retry.log")" \
	-eq 2 ] || fail "kcat did not retry twice: $(grep -i replicas "$tmp/retry.log")"
run_cat --brokers "$bs" --topic c --from-beginning --count 2 --timeout 10
[ "$rc" -eq 0 ] || fail "sluice-cat after the faults exited $rc"
printf 'back\nretried\n' | cmp - "$tmp/cat.out" || fail "topic c holds $(cat "$tmp/cat.out")"
ok "pushed Produce errors are retried; topic c holds exactly what got through"

for line in "frobnicate 1" "down 4" "up" "rtt 1 fast" "errors Produce NOPE" \
	"errors Nope REQUEST_TIMED_OUT" "errors Produce NOT_ENOUGH_REPLICAS*0"; do
	ctl "$line"
	case $answer in
	"devbroker: control: $line: error: "?*) ;;
	*) fail "\"$line\" answered \"$answer\"" ;;
	esac
done
grep -qF 'frobnicate 1: error: unknown command "frobnicate"' "$tmp/ctl.out" ||
	fail "unknown command error unclear"
ctl "rtt all 0"
[ "$answer" = "devbroker: control: rtt all 0: ok" ] || fail "$answer"
ok "bad commands get an error line, and the FIFO keeps serving"

kill -TERM "$broker_pid"
rc=0; wait "$broker_pid" || rc=$?
broker_pid=
[ "$rc" -eq 0 ] || fail "controlled devbroker exited $rc on SIGTERM"
[ ! -e "$tmp/ctl" ] || fail "control FIFO left after SIGTERM"
[ ! -s "$tmp/ctl.err" ] || fail "controlled devbroker wrote to stderr"
rm -f "$tmp/down.log" "$tmp/retry.log" "$tmp/kcat.err" "$tmp/cat.err"
ok "controlled devbroker stops on SIGTERM, FIFO removed"

# --- sluice-blast tcp, relp and memif into sluiced ------------------------
# In a subshell with lib.sh's helpers and clean-up; a failure there ends
# this script too (errexit).
(
set -- "$build"
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
blast=$SL_BUILD/tools/sluice-blast
n=20000
tcp_port=$(sl_free_port tcp)
relp_port=$(sl_free_port tcp)
sl_devbroker --topic logs:4 --topic memif:2
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$(sl_free_port udp)" \
	--set "input.tcp.listen=127.0.0.1:$tcp_port" \
	--set "input.relp.listen=127.0.0.1:$relp_port" \
	--set "kafka.brokers=$SL_BROKERS"
# 3164 over tcp, 5424 over relp: the verifier tells the two apart. The
# tcp connections come from four addresses (--sources), so sluiced sees
# four senders.
"$blast" tcp --target "127.0.0.1:$tcp_port" --connections 4 --threads 2 \
	--sources 4 --framing octet --format 3164 --hosts 40 --count "$n" \
	--corpus "$SL_CORPUS" >"$SL_WORK/tcp.sum" 2>"$SL_WORK/tcp.log" ||
	sl_fail "sluice-blast tcp exited $?"
grep -q "^sluice-blast: mode=tcp sent=$n .* errors=0\$" "$SL_WORK/tcp.sum" ||
	sl_fail "tcp summary: $(cat "$SL_WORK/tcp.sum")"
"$blast" relp --target "127.0.0.1:$relp_port" --connections 2 --window 128 \
	--hosts 20 --count "$n" --corpus "$SL_CORPUS" \
	>"$SL_WORK/relp.sum" 2>"$SL_WORK/relp.log" ||
	sl_fail "sluice-blast relp exited $?"
grep -Eq "^sluice-blast: mode=relp sent=$n .* acked=$n nacked=0 broken=0 acked_rate=[0-9]+ p50_us=[0-9]+ p99_us=[0-9]+ p999_us=[0-9]+\$" \
	"$SL_WORK/relp.sum" || sl_fail "relp summary: $(cat "$SL_WORK/relp.sum")"
sl_cat logs $((2 * n)) "$SL_WORK/logs.txt"
sl_sluiced_stop
sl_expect_stat relp_acked "$n"
[ "$(grep -Eo '^sluiced: source host=127\.0\.0\.[1-4] ' "$SL_WORK/sluiced.log" | sort -u | wc -l)" -eq 4 ] ||
	sl_fail "--sources 4: not four senders: $(grep '^sluiced: source' "$SL_WORK/sluiced.log")"
"$SL_PY" - "$SL_WORK/logs.txt" "$n" <<'PY' || sl_fail "tcp/relp messages lost or repeated"
import re, sys
seqs = {}
pat = re.compile(r'^<134>(1 )?.*? (site\d+-host\d+) blast(?: - - \[sl@32473 seq="|: sl seq=)(\d+)')
for line in open(sys.argv[1]):
    m = pat.match(line)
    assert m, line
    seqs.setdefault((m.group(1), m.group(2)), []).append(int(m.group(3)))
assert len(seqs) == 60, len(seqs)
assert sum(map(len, seqs.values())) == 2 * int(sys.argv[2])
for k, v in seqs.items():
    assert sorted(v) == list(range(1, len(v) + 1)), k
PY
sl_log "tcp and relp: $n messages each, every host's sequence complete"

# memif: sluiced is the server of a socket in the work directory, blast
# the client; paced, so the example's ring_full = drop drops nothing.
sl_sluiced "$SL_SRC/deploy/examples/memif.conf" \
	--set "port.memif0.devargs=net_memif0,role=server,socket=$SL_WORK/memif.sock" \
	--set "kafka.brokers=$SL_BROKERS" --set routing.default_topic=memif
m=5000
timeout 60 "$blast" memif --socket "$SL_WORK/memif.sock" --count "$m" \
	--rate 20000 --corpus "$SL_CORPUS" >"$SL_WORK/memif.sum" \
	2>"$SL_WORK/memif.log" || sl_fail "sluice-blast memif exited $?"
grep -Eq "^sluice-blast: mode=memif sent=$m .* frames=[0-9]+\$" "$SL_WORK/memif.sum" ||
	sl_fail "memif summary: $(cat "$SL_WORK/memif.sum")"
sl_cat memif "$m" "$SL_WORK/memif.txt"
[ "$(grep -c 'seq="' "$SL_WORK/memif.txt")" -eq "$m" ] ||
	sl_fail "memif: not $m messages in Kafka"
sl_sluiced_stop
sl_expect_stat dropped 0
)
ok "sluice-blast tcp, relp (acked == sent) and memif into sluiced"

# --- sluice-cat --verify on what sluice-blast sent through sluiced --------
# udp (5424) and relp (3164) name the same hosts; the verifier keeps the
# two forms apart. Then a check that must fail: more expected than sent,
# and a copy of the topic with a known number of messages taken out.
(
set -- "$build"
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
blast=$SL_BUILD/tools/sluice-blast
udp_port=$(sl_free_port udp)
relp_port=$(sl_free_port tcp)
sl_devbroker --topic logs:4 --topic gap:16
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$udp_port" \
	--set "input.tcp.listen=127.0.0.1:$(sl_free_port tcp)" \
	--set "input.relp.listen=127.0.0.1:$relp_port" \
	--set "kafka.brokers=$SL_BROKERS"
"$blast" udp --target "127.0.0.1:$udp_port" --count 20000 --hosts 8 \
	--sites 2 --rate 20000 --corpus "$SL_CORPUS" \
	>"$SL_WORK/udp.sum" 2>"$SL_WORK/udp.log" ||
	sl_fail "sluice-blast udp exited $?"
between_ms=$(date +%s%3N)
"$blast" relp --target "127.0.0.1:$relp_port" --format 3164 --hosts 4 \
	--count 20000 --corpus "$SL_CORPUS" \
	>"$SL_WORK/relp.sum" 2>"$SL_WORK/relp.log" ||
	sl_fail "sluice-blast relp exited $?"
verify() {
	rc=0
	"$SL_BUILD/tools/sluice-cat" --verify --brokers "$SL_BROKERS" "$@" \
		>"$SL_WORK/verify.out" 2>"$SL_WORK/verify.log" || rc=$?
}
summary() { tail -n 1 "$SL_WORK/verify.out"; }
verify --topic logs --count 40000 --timeout 20 --expect-total 40000 \
	--exactly-once
[ "$rc" -eq 0 ] || sl_fail "verify exited $rc: $(cat "$SL_WORK/verify.out")"
summary | grep -Eq '^sluice-cat: verify hosts=12 received=40000 distinct=40000 lost=0 duplicated=0 reordered=0 foreign=0 older=0 skipped=0 p50_ms=[0-9.]+ p99_ms=[0-9.]+ p999_ms=[0-9.]+ max_ms=[0-9.]+ first_sent_ms=[1-9][0-9]{12} last_stored_ms=[1-9][0-9]{12} last_read_ms=[1-9][0-9]{12}$' ||
	sl_fail "verify summary: $(summary)"
[ "$(grep -Ec '^site[01]-host[0-3] +5424 +2500 +2500 +0 +0 +0 ' "$SL_WORK/verify.out")" -eq 8 ] ||
	sl_fail "udp hosts not 8 x 2500: $(cat "$SL_WORK/verify.out")"
[ "$(grep -Ec '^site0-host[0-3] +3164 +5000 +5000 +0 +0 +0 ' "$SL_WORK/verify.out")" -eq 4 ] ||
	sl_fail "relp hosts not 4 x 5000: $(cat "$SL_WORK/verify.out")"
sl_log "verify: $(summary)"

# Only what was sent after the udp run: the udp messages are older, the
# last one read after this verifier started.
read_from_ms=$(date +%s%3N)
verify --topic logs --timeout 3 --expect-total 20000 --sent-after "$between_ms"
[ "$rc" -eq 0 ] || sl_fail "verify --sent-after exited $rc: $(cat "$SL_WORK/verify.out")"
summary | grep -Eq '^sluice-cat: verify hosts=4 received=20000 distinct=20000 lost=0 duplicated=0 reordered=0 foreign=0 older=20000 skipped=0 ' ||
	sl_fail "verify --sent-after summary: $(summary)"
first=$(summary | sed -n 's/.* first_sent_ms=\([0-9]*\) .*/\1/p')
last=$(summary | sed -n 's/.* last_read_ms=\([0-9]*\)$/\1/p')
[ "$first" -ge "$between_ms" ] && [ "$last" -ge "$read_from_ms" ] ||
	sl_fail "verify --sent-after: sent from $first, read until $last, verifier started at $read_from_ms"

# More expected than sent: the missing ones count as lost, exit 1.
verify --topic logs --timeout 3 --expect-total 40500
[ "$rc" -eq 1 ] || sl_fail "verify of a short topic exited $rc, want 1"
summary | grep -q ' received=40000 distinct=40000 lost=500 ' ||
	sl_fail "short topic: $(summary)"

# Real gaps, in a copy of the topic: the udp messages of site1-host2 with seq 101..130 left out,
# seq 7 of site0-host0 moved after its seq 9 (reordered) and its seq 20
# repeated (duplicated, which --exactly-once would fail on). Keyed by
# host so that each host's messages stay in order in one partition, and
# spread so that no partition outgrows the devbroker's retention.
"$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic logs \
	--from-beginning --count 40000 --timeout 20 >"$SL_WORK/logs.txt" ||
	sl_fail "sluice-cat could not read topic logs back"
awk '/ site1-host2 blast - - \[sl@32473 seq="(10[1-9]|11[0-9]|12[0-9]|130)"/ { next }
	/ site0-host0 blast - - \[sl@32473 seq="7"/ { moved = $0; next }
	{ print }
	/ site0-host0 blast - - \[sl@32473 seq="9"/ { print moved }
	/ site0-host0 blast - - \[sl@32473 seq="20"/ { print }' \
	"$SL_WORK/logs.txt" |
	awk '{ match($0, / site[0-9]+-host[0-9]+ /)
		form = index($0, "[sl@32473 ") ? "5424" : "3164"
		print substr($0, RSTART + 1, RLENGTH - 2) "/" form "\t" $0 }' \
	>"$SL_WORK/gap.txt"
printf 'x\tnot a blast message\n' >>"$SL_WORK/gap.txt"
kcat -P -b "$SL_BROKERS" -t gap -K '\t' -l "$SL_WORK/gap.txt" ||
	sl_fail "kcat could not produce topic gap"
verify --topic gap --timeout 3
[ "$rc" -eq 1 ] || sl_fail "verify of topic gap exited $rc, want 1"
summary | grep -q ' received=39971 distinct=39970 lost=30 duplicated=1 reordered=1 foreign=1 ' ||
	sl_fail "topic gap: $(summary)"
head -n 2 "$SL_WORK/verify.out" | tail -n 1 | grep -Eq '^site1-host2 +5424 +2470 +2470 +30 ' ||
	sl_fail "topic gap: site1-host2 not first: $(cat "$SL_WORK/verify.out")"
# A partition holding more than the embedded broker keeps (5 MiB): its
# oldest records are gone before the verifier reads them, and it says how
# many it never saw.
"$SL_PY" -c 'import sys
for i in range(7000):
    sys.stdout.write("%06d %s\n" % (i, "y" * 1000))' >"$SL_WORK/trim.txt"
kcat -P -b "$SL_BROKERS" -t trim -p 0 -l "$SL_WORK/trim.txt" ||
	sl_fail "kcat could not produce topic trim"
verify --topic trim --timeout 3
foreign=$(summary | sed -n 's/.* foreign=\([0-9]*\) .*/\1/p')
skipped=$(summary | sed -n 's/.* skipped=\([0-9]*\) .*/\1/p')
[ "${skipped:-0}" -gt 0 ] && [ $((foreign + skipped)) -eq 7000 ] ||
	sl_fail "topic trim: $(summary)"
verify --topic gap --timeout 3 --expect 2600 --top 2
[ "$rc" -eq 1 ] || sl_fail "verify --expect of topic gap exited $rc"
summary | grep -q ' lost=830 ' || sl_fail "topic gap, --expect 2600: $(summary)"
grep -q '^(10 more hosts, none losing more)$' "$SL_WORK/verify.out" ||
	sl_fail "topic gap, --top 2: $(cat "$SL_WORK/verify.out")"
sl_sluiced_stop
)
ok "sluice-cat --verify: udp and relp through sluiced complete, gaps found"

echo "test_tools: $passed passed, 0 failed"
