#!/usr/bin/env bash
# bench_relp: acknowledged RELP throughput of sluiced into the embedded
# broker (acks=all), with rsyslog's omrelp (librelp) as the sender. Not a
# test: it measures, it does not judge.
#
#   tests/perf/bench_relp.sh BUILD_DIR [--messages N] [--senders S]
#                            [--window W] [--set SECTION.KEY=VALUE]...
#
# S rsyslog instances, each from its own address (127.0.0.1..S, so S
# sources and partitions), each forwards N/S numbered lines (read with
# imfile from a file written beforehand) over one RELP session with
# windowSize W. The clock runs from the first message sluiced takes to
# the moment its relp_acked counter reaches N; the rate is N over that
# time. CPU is sluiced's (utime + stime from /proc) over the same span.
# The receive-to-answer percentiles are sluiced's own (its stream
# lcore's histogram, printed at exit): from the moment a RELP frame was
# read to the moment its answer was released by the Kafka delivery
# report. Prints one summary line.
set -euo pipefail

usage() {
	echo "usage: $0 BUILD_DIR [--messages N] [--senders S] [--window W] [--set SECTION.KEY=VALUE]..." >&2
	exit 2
}
[ $# -ge 1 ] || usage
BUILD=$(cd "$1" && pwd) || usage
shift
SRC=$(cd "$(dirname "$0")/../.." && pwd)
MESSAGES=400000
SENDERS=2
WINDOW=1024
SETS=()
while [ $# -gt 0 ]; do
	case $1 in
	--messages) [ $# -ge 2 ] || usage; MESSAGES=$2; shift 2 ;;
	--senders) [ $# -ge 2 ] || usage; SENDERS=$2; shift 2 ;;
	--window) [ $# -ge 2 ] || usage; WINDOW=$2; shift 2 ;;
	--set) [ $# -ge 2 ] || usage; SETS+=(--set "$2"); shift 2 ;;
	*) usage ;;
	esac
done
WORK=$(mktemp -d /tmp/bench_relp.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
stat_of() {   # NAME: from a fresh SIGUSR1 line (0 while absent)
	local before v
	before=$(grep -c "sluiced: stats" "$WORK/sluiced.log" || true)
	kill -USR1 "$SLUICED"
	while [ "$(grep -c "sluiced: stats" "$WORK/sluiced.log" || true)" -le "$before" ]; do
		sleep 0.02
	done
	v=$(grep "sluiced: stats" "$WORK/sluiced.log" | tail -n 1 | tr ' ' '\n' |
		sed -n "s/^$1=//p")
	echo "${v:-0}"
}

"$BUILD/tools/sluice-devbroker" --bootstrap-file "$WORK/bootstrap" \
	--topic "logs:$SENDERS" >"$WORK/devbroker.log" 2>&1 &
PIDS+=($!)
while [ ! -s "$WORK/bootstrap" ]; do sleep 0.1; done
relp=$(free_port)
"$BUILD/sluiced" --config "$SRC/deploy/examples/loopback.conf" \
	--set "eal.file_prefix=bench_relp_$$" --set stats.interval=0 \
	--set "input.udp.listen=127.0.0.1:$(free_port)" \
	--set "input.tcp.listen=127.0.0.1:$(free_port)" \
	--set "input.relp.listen=127.0.0.1:$relp" \
	--set "input.relp.window=$(python3 -c "import math; print(2 ** math.ceil(math.log2($WINDOW)))")" \
	--set "kafka.brokers=$(cat "$WORK/bootstrap")" "${SETS[@]}" \
	>"$WORK/sluiced.log" 2>&1 &
SLUICED=$!
PIDS+=("$SLUICED")
until grep -q "listening on relp" "$WORK/sluiced.log"; do sleep 0.1; done

per=$((MESSAGES / SENDERS))
for s in $(seq 1 "$SENDERS"); do
	mkdir -p "$WORK/rs$s"
	seq -f "seq=%08g sluice relp benchmark message from a sender" 1 "$per" >"$WORK/rs$s/lines"
	cat >"$WORK/rs$s/rsyslog.conf" <<CONF
global(workDirectory="$WORK/rs$s")
module(load="imfile")
module(load="omrelp")
main_queue(queue.type="LinkedList" queue.size="1000000")
template(name="t" type="string" string="<%PRI%>1 %TIMESTAMP:::date-rfc3339% bench-$s %syslogtag% - - - %msg%")
input(type="imfile" file="$WORK/rs$s/lines" tag="bench" ruleset="fwd")
ruleset(name="fwd" queue.type="LinkedList" queue.size="1000000") {
	action(type="omrelp" target="127.0.0.1" port="$relp" localClientIp="127.0.0.$s"
	       windowSize="$WINDOW" template="t" queue.type="LinkedList" queue.size="1000000"
	       action.resumeRetryCount="-1")
}
CONF
done
for s in $(seq 1 "$SENDERS"); do
	rsyslogd -n -f "$WORK/rs$s/rsyslog.conf" -i "$WORK/rs$s/pid" >"$WORK/rs$s/log" 2>&1 &
	PIDS+=($!)
done
until [ "$(stat_of tcp_messages)" -gt 0 ]; do sleep 0.01; done
t0=$(date +%s.%N)
c0=$(cpu_ticks "$SLUICED")
total=$((per * SENDERS))
while [ "$(stat_of relp_acked)" -lt "$total" ]; do sleep 0.2; done
t1=$(date +%s.%N)
c1=$(cpu_ticks "$SLUICED")
kill -TERM "$SLUICED"
wait "$SLUICED" || true
hz=$(getconf CLK_TCK)
lat=$(grep "RELP answer(s) from Kafka" "$WORK/sluiced.log" | sed 's/.*read to answer //')
python3 - "$total" "$t0" "$t1" "$c0" "$c1" "$hz" "$lat" "$SENDERS" "$WINDOW" <<'PY'
import sys
n, t0, t1, c0, c1, hz = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
secs = t1 - t0
cpu = (c1 - c0) / hz
print("bench_relp: messages=%d senders=%s window=%s seconds=%.2f acked_per_s=%.0f sluiced_cpu_s_per_M=%.2f %s"
      % (n, sys.argv[8], sys.argv[9], secs, n / secs, cpu / n * 1e6, sys.argv[7]))
PY
