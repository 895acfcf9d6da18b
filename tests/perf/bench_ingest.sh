#!/usr/bin/env bash
# bench_ingest: end-to-end ingest benchmark of sluiced into the embedded
# broker (sluice-devbroker). Not a test: it measures, it does not judge.
#
#   tests/perf/bench_ingest.sh BUILD_DIR [--messages N] [--rates "R ..."]
#                              [--threads T] [--pcap-messages N]
#                              [--dpdk "MODE:FORMAT[+aead] ..."]
#                              [--partitions P]
#                              [--set SECTION.KEY=VALUE]... [--no-doc]
#
# a) socket path: sluiced with deploy/examples/loopback.conf, sluice-blast
#    udp at each rate of --rates (0 = flat out), N messages each;
# b) DPDK path: a capture of --pcap-messages messages made by sluice-blast
#    pcap, replayed through net_pcap with deploy/examples/pcap.conf
#    (lossless: ring_full = wait), so the rate is what sluiced + librdkafka
#    + the broker sustain; once per item of --dpdk: MODE rtc (one
#    run-to-completion lcore), rtc2 (two, the capture split by host into
#    one file per queue, port spread = device) or pipeline (1 receive + 1
#    worker lcore),
#    FORMAT record or envelope (routing.default_format, one envelope
#    bucket per partition), +aead: envelopes encrypted (encryption = auto,
#    a key file made by sluice-keygen).
# --partitions: of the topic (default 64); envelopes use as many buckets.
# --set passes an override to every sluiced of the run (after the
# scenario's own), for tuning studies.
# Every scenario gets a fresh devbroker and sluiced. Counters come from
# sluiced itself (SIGUSR1 "sluiced: stats" while running, "sluiced: final"
# at exit), CPU time from /proc/PID/stat, kernel drops from the socket's
# counter in /proc/net/udp (cross-checked with Udp: RcvbufErrors of
# /proc/net/snmp).
# Prints a markdown table on stdout and rewrites the "Results" section of
# docs/perf-notes.md (unless --no-doc). Column meanings: docs/perf-notes.md.
set -euo pipefail

usage() {
	echo "usage: $0 BUILD_DIR [--messages N] [--rates \"R ...\"] [--threads T]" >&2
	echo "       [--pcap-messages N] [--dpdk \"MODE:FORMAT[+aead] ...\"]" >&2
	echo "       [--partitions P] [--set SECTION.KEY=VALUE]... [--no-doc]" >&2
	echo "       MODE: rtc, rtc2, pipeline; FORMAT: record, envelope" >&2
	exit 2
}

[ $# -ge 1 ] || usage
BUILD=$(cd "$1" && pwd) || usage
shift
MESSAGES=1000000
RATES="50000 100000 200000 400000 0"
THREADS=1
PCAP_MESSAGES=4000000
DPDK="rtc:record rtc:envelope rtc:envelope+aead rtc:envelope rtc:envelope+aead rtc2:envelope pipeline:record pipeline:envelope pipeline:envelope+aead"
UPDATE_DOC=1
EXTRA_SETS=()
PARTITIONS=64
while [ $# -gt 0 ]; do
	case $1 in
	--messages) [ $# -ge 2 ] || usage; MESSAGES=$2; shift 2 ;;
	--rates) [ $# -ge 2 ] || usage; RATES=$2; shift 2 ;;
	--threads) [ $# -ge 2 ] || usage; THREADS=$2; shift 2 ;;
	--pcap-messages) [ $# -ge 2 ] || usage; PCAP_MESSAGES=$2; shift 2 ;;
	--dpdk) [ $# -ge 2 ] || usage; DPDK=$2; shift 2 ;;
	--partitions) [ $# -ge 2 ] || usage; PARTITIONS=$2; shift 2 ;;
	--set) [ $# -ge 2 ] || usage; EXTRA_SETS+=(--set "$2"); shift 2 ;;
	--no-doc) UPDATE_DOC=0; shift ;;
	*) usage ;;
	esac
done
[[ $MESSAGES =~ ^[1-9][0-9]*$ ]] || usage
[[ $PCAP_MESSAGES =~ ^[1-9][0-9]*$ ]] || usage
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || usage
[[ $PARTITIONS =~ ^[1-9][0-9]*$ ]] && [ "$PARTITIONS" -le 1024 ] || usage
for r in $RATES; do [[ $r =~ ^[0-9]+$ ]] || usage; done
for d in $DPDK; do [[ $d =~ ^(rtc|rtc2|pipeline):(record|envelope|envelope\+aead)$ ]] || usage; done

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK="$BUILD/tests/perf/work/bench_ingest"
CORPUS="$BUILD/tests/unit/corpus"
BLAST="$BUILD/tools/sluice-blast"
HZ=$(getconf CLK_TCK)
# Hosts of the pcap scenario: many source addresses, so the source
# partitioner spreads them over the partitions.
PCAP_HOSTS=1024
PCAP_SITES=16
# Bounds: a stuck run fails instead of hanging.
START_TIMEOUT=30
SETTLE_TIMEOUT=120
POLL=0.05

for f in "$BUILD/sluiced" "$BUILD/tools/sluice-devbroker" "$BLAST" \
	"$BUILD/tools/sluice-keygen"; do
	[ -x "$f" ] || { echo "bench_ingest: $f missing: build first" >&2; exit 1; }
done
[ -d "$CORPUS" ] || CORPUS=$SRC/../shared/corpus
[ -d "$CORPUS" ] || { echo "bench_ingest: no corpus" >&2; exit 1; }

# A run that was killed may have left its capture tmpfs mounted.
while mountpoint -q "$WORK/pcap.mnt"; do
	umount "$WORK/pcap.mnt" || { echo "bench_ingest: cannot umount $WORK/pcap.mnt" >&2; exit 1; }
done
rm -rf "$WORK"
mkdir -p "$WORK"
PIDS=()
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
# cpu_jiffies: "busy total" jiffies of the whole machine (/proc/stat).
cpu_jiffies() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
read -r BUSY0 TOTAL0 < <(cpu_jiffies)

log() { printf 'bench_ingest: %s\n' "$*" >&2; }
die() { log "FAILED: $*"; log "logs in $WORK"; exit 1; }

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	# EAL leaves its runtime directory behind; these are ours alone.
	rm -rf /var/run/dpdk/bench_*_"$$"
	if [ -n "${PCAP_MNT:-}" ]; then
		umount "$PCAP_MNT" || log "warning: could not umount $PCAP_MNT"
	elif [ -n "${PCAP_DIR:-}" ]; then
		rm -rf "$PCAP_DIR"
	fi
}
trap cleanup EXIT

now_ns() { date +%s%N; }

# wait_for SECONDS CMD...: runs CMD every POLL s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep "$POLL"
	done
}

free_udp_port() {
	/usr/bin/python3 -c 'import socket
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# cpu_ticks PID: user + system time of the process (all threads), ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

rcvbuf_errors() {
	awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }' \
		/proc/net/snmp
}

# socket_drops PORT: the kernel's drop counter of the UDP sockets bound to
# 127.0.0.1:PORT (/proc/net/udp, last column): datagrams discarded because
# the receive buffer was full. Unlike RcvbufErrors it counts only ours.
socket_drops() {
	awk -v a="$(printf '0100007F:%04X' "$1")" '$2 == a { s += $NF } END { print s + 0 }' \
		/proc/net/udp
}

# field LINE NAME: the value of NAME=... in a counters line (0 if absent).
field() {
	local v
	v=$(tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n 1)
	echo "${v:-0}"
}

# drops LINE: the sum of the drop_* counters of a counters line, except
# drop_socket_full: those datagrams never reached sluiced (no msg_in) and
# the kernel drops column counts them.
drops() {
	tr ' ' '\n' <<<"$1" |
		awk -F= '/^drop_/ && $1 != "drop_socket_full" { s += $2 } END { print s + 0 }'
}

calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# start_broker NAME: a fresh devbroker with topic logs:PARTITIONS.
start_broker() {
	rm -f "$WORK/$1.bootstrap"
	"$BUILD/tools/sluice-devbroker" --topic "logs:$PARTITIONS" \
		--bootstrap-file "$WORK/$1.bootstrap" >"$WORK/$1.devbroker.log" 2>&1 &
	BROKER_PID=$!
	PIDS+=("$BROKER_PID")
	wait_for "$START_TIMEOUT" test -s "$WORK/$1.bootstrap" || die "devbroker did not start"
	BROKERS=$(cat "$WORK/$1.bootstrap")
}

# start_sluiced NAME CONFIG [--set ...]: sets SLUICED_PID, SLUICED_LOG.
start_sluiced() {
	local name=$1 conf=$2
	shift 2
	SLUICED_LOG="$WORK/$name.sluiced.log"
	"$BUILD/sluiced" --config "$conf" --set "kafka.brokers=$BROKERS" \
		--set "eal.file_prefix=bench_${name}_$$" --set stats.interval=0 \
		"$@" "${EXTRA_SETS[@]}" >"$SLUICED_LOG" 2>&1 &
	SLUICED_PID=$!
	PIDS+=("$SLUICED_PID")
}

# stats_now: asks sluiced for its counters (SIGUSR1) and sets STATS to the
# line it prints.
stats_now() {
	local before
	before=$(grep -c "^sluiced: stats" "$SLUICED_LOG" || true)
	kill -USR1 "$SLUICED_PID"
	wait_for 5 stats_printed "$before" || die "sluiced did not answer SIGUSR1"
	STATS=$(grep "^sluiced: stats" "$SLUICED_LOG" | tail -n 1)
}
stats_printed() { [ "$(grep -c "^sluiced: stats" "$SLUICED_LOG" || true)" -gt "$1" ]; }

# settle WANT_IN: polls the counters until every message sluiced took in
# (msg_in, at least WANT_IN) is delivered or dropped and msg_in has
# stopped moving. The udp scenarios call it once sluice-blast is done, so
# a message not yet in msg_in waits in the socket buffer and msg_in still
# moves; the pcap scenario needs the whole capture taken in. Sets T_LAST (ns, first poll that saw the
# final kafka_delivered), CPU_LAST and BROKER_CPU_LAST (ticks at T_LAST).
settle() {
	local want=$1 deadline=$((SECONDS + SETTLE_TIMEOUT))
	local last_in=-1 last_del=-1 t cpu bcpu in del dropped
	while :; do
		t=$(now_ns)
		cpu=$(cpu_ticks "$SLUICED_PID")
		bcpu=$(cpu_ticks "$BROKER_PID")
		stats_now
		in=$(field "$STATS" msg_in)
		del=$(field "$STATS" kafka_delivered)
		dropped=$(drops "$STATS")
		if [ "$del" != "$last_del" ]; then
			T_LAST=$t CPU_LAST=$cpu BROKER_CPU_LAST=$bcpu
			last_del=$del
		fi
		if [ "$in" -ge "$want" ] && [ "$in" = "$last_in" ] &&
			[ $((del + dropped)) -ge "$in" ]; then
			return 0
		fi
		last_in=$in
		[ "$SECONDS" -lt "$deadline" ] || die "sluiced did not settle: $STATS"
		sleep "$POLL"
	done
}

# stop_sluiced: SIGTERM, bounded wait, sets FINAL to the final counters.
stop_sluiced() {
	kill -TERM "$SLUICED_PID"
	wait_for 60 sh -c "! kill -0 $SLUICED_PID 2>/dev/null" || die "sluiced did not stop"
	wait "$SLUICED_PID" || die "sluiced exited with status $?"
	FINAL=$(grep "^sluiced: final" "$SLUICED_LOG" | tail -n 1)
	[ -n "$FINAL" ] || die "sluiced printed no final counters"
}

stop_broker() {
	kill -TERM "$BROKER_PID"
	wait "$BROKER_PID" || true
}

ROWS=()

# row SCENARIO TARGET OFFERED SENT DELIVERED KDROPS SDROPS SECONDS BYTES CPU BCPU
row() {
	local loss rate mbs cpu_m bcpu_m
	if [ "$5" -eq 0 ]; then
		ROWS+=("| $1 | $2 | $3 | $4 | 0 | $6 | $7 | 100 | 0 | 0 | - | - |")
		log "${ROWS[-1]}"
		return
	fi
	loss=$(calc "%.2f" "($4 - $5) * 100 / $4")
	rate=$(calc "%.0f" "$5 / $8")
	mbs=$(calc "%.1f" "$9 / $8 / 1e6")
	cpu_m=$(calc "%.2f" "${10} / $HZ / $5 * 1e6")
	bcpu_m=$(calc "%.2f" "${11} / $HZ / $5 * 1e6")
	ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 | $loss | $rate | $mbs | $cpu_m | $bcpu_m |")
	log "${ROWS[-1]}"
}

# --- a) socket path -------------------------------------------------------
udp_scenario() {
	local rate=$1 name port bound summary sent offered t0 cpu0 bcpu0 rcv0 rcv1
	local in0 bytes0 del received kdrops sdrops label target pace=()
	name="udp_${rate}"
	if [ "$rate" -eq 0 ]; then
		bound=120
		label="socket, flat out"
		target="max"
	else
		bound=$((MESSAGES * 3 / rate + 30))
		label="socket"
		target=$rate
		pace=(--rate "$rate")
	fi
	port=$(free_udp_port)
	start_broker "$name"
	start_sluiced "$name" "$SRC/deploy/examples/loopback.conf" \
		--set "input.udp.listen=127.0.0.1:$port"
	wait_for "$START_TIMEOUT" grep -q "listening on" "$SLUICED_LOG" || die "sluiced did not start"
	# A probe first: the measurement starts with the producer connected
	# and the topic's metadata known.
	"$BLAST" udp --target "127.0.0.1:$port" --corpus "$CORPUS" --count 1 \
		--hosts 1 >/dev/null
	wait_for "$START_TIMEOUT" probe_delivered || die "probe message not delivered"
	in0=$(field "$STATS" msg_in)
	bytes0=$(field "$STATS" msg_bytes)
	rcv0=$(rcvbuf_errors)
	cpu0=$(cpu_ticks "$SLUICED_PID")
	bcpu0=$(cpu_ticks "$BROKER_PID")
	t0=$(now_ns)
	summary=$("$BLAST" udp --target "127.0.0.1:$port" --corpus "$CORPUS" \
		--count "$MESSAGES" "${pace[@]}" --threads "$THREADS" \
		--duration "$bound" 2>"$WORK/$name.blast.err" | tail -n 1) ||
		die "sluice-blast failed: $(cat "$WORK/$name.blast.err")"
	echo "$summary" >"$WORK/$name.blast.log"
	sent=$(field "$summary" sent)
	offered=$(field "$summary" rate)
	settle 0
	rcv1=$(rcvbuf_errors)
	kdrops=$(socket_drops "$port")
	stop_sluiced
	stop_broker
	del=$(($(field "$FINAL" kafka_delivered) - in0))
	received=$(($(field "$FINAL" msg_in) - in0))
	sdrops=$(drops "$FINAL")
	if [ $((received + kdrops)) -ne "$sent" ]; then
		log "note: $name: sent $sent, sluiced received $received, its socket dropped $kdrops:" \
			"datagrams vanished elsewhere"
	fi
	if [ "$(field "$FINAL" drop_socket_full)" -ne "$kdrops" ]; then
		log "note: $name: sluiced's drop_socket_full is $(field "$FINAL" drop_socket_full)," \
			"the socket's kernel counter $kdrops"
	fi
	if [ $((rcv1 - rcv0)) -ne "$kdrops" ]; then
		log "note: $name: Udp RcvbufErrors grew by $((rcv1 - rcv0)), sluiced's socket" \
			"dropped $kdrops: other UDP traffic on this machine"
	fi
	row "$label" "$target" "$offered" "$sent" "$del" "$kdrops" "$sdrops" \
		"$(calc "%.6f" "($T_LAST - $t0) / 1e9")" \
		"$(($(field "$FINAL" msg_bytes) - bytes0))" \
		"$((CPU_LAST - cpu0))" "$((BROKER_CPU_LAST - bcpu0))"
}
probe_delivered() { stats_now; [ "$(field "$STATS" kafka_delivered)" -ge 1 ]; }

# --- b) DPDK path ---------------------------------------------------------
# A replay lasts a few seconds, so its clock must be read to within a few
# ms, and the polling must not take CPU from sluiced on a 2-core machine:
# the helpers below fork nothing. The log is read line by line from an
# open descriptor, counters are taken apart with bash's regex matching,
# the time is $EPOCHREALTIME, CPU times come from /proc with read, and
# naps are read timeouts on a pipe that never delivers.
DPDK_POLL=0.02
mkfifo "$WORK/nap"
exec {NAP_FD}<>"$WORK/nap"
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }
now_us() { NOW_US=${EPOCHREALTIME/./}; }
# ticks_of PID: sets TICKS to user + system time of the process.
ticks_of() {
	local st
	read -r -a st <"/proc/$1/stat"
	TICKS=$((st[13] + st[14]))
}
# getf LINE NAME: sets REPLY to the value of NAME=... in LINE (0 if absent).
getf() {
	if [[ " $1 " =~ [[:space:]]$2=([0-9]+)[[:space:]] ]]; then
		REPLY=${BASH_REMATCH[1]}
	else
		REPLY=0
	fi
}
# drops_of LINE: sets REPLY to the sum of the drop_* counters but
# drop_socket_full (see drops).
drops_of() {
	local w sum=0
	for w in $1; do
		[[ $w == drop_* && $w != drop_socket_full=* ]] && sum=$((sum + ${w#*=}))
	done
	REPLY=$sum
}
# next_line: sets LINE to the next whole line of sluiced's log; returns 1
# when there is none yet (a line being written is kept for later).
next_line() {
	local l
	if IFS= read -r -u "$LOG_FD" l; then
		LINE=$PARTIAL$l
		PARTIAL=
		return 0
	fi
	PARTIAL+=$l
	return 1
}
# wait_line GLOB SECONDS: reads the log until a line that matches GLOB
# (set in LINE), checking every 2 ms; returns 1 on timeout or when
# sluiced is gone.
wait_line() {
	local deadline=$((SECONDS + $2))
	while :; do
		while next_line; do
			# shellcheck disable=SC2053 # GLOB is a pattern
			[[ $LINE == $1 ]] && return 0
		done
		[ "$SECONDS" -lt "$deadline" ] || return 1
		kill -0 "$SLUICED_PID" 2>/dev/null || return 1
		nap 0.002
	done
}
# settle_fast WANT_IN: settle (above) for the DPDK path, polling every
# DPDK_POLL s. Sets T_LAST_US, CPU_LAST and BROKER_CPU_LAST.
settle_fast() {
	local want=$1 deadline=$((SECONDS + SETTLE_TIMEOUT))
	local last_in=-1 last_del=-1 t cpu bcpu in del dropped
	while :; do
		now_us
		t=$NOW_US
		ticks_of "$SLUICED_PID"
		cpu=$TICKS
		ticks_of "$BROKER_PID"
		bcpu=$TICKS
		kill -USR1 "$SLUICED_PID"
		wait_line "sluiced: stats *" 5 || die "sluiced did not answer SIGUSR1"
		getf "$LINE" msg_in
		in=$REPLY
		getf "$LINE" kafka_delivered
		del=$REPLY
		drops_of "$LINE"
		dropped=$REPLY
		if [ "$del" != "$last_del" ]; then
			T_LAST_US=$t CPU_LAST=$cpu BROKER_CPU_LAST=$bcpu
			last_del=$del
		fi
		if [ "$in" -ge "$want" ] && [ "$in" = "$last_in" ] &&
			[ $((del + dropped)) -ge "$in" ]; then
			return 0
		fi
		last_in=$in
		[ "$SECONDS" -lt "$deadline" ] || die "sluiced did not settle: $LINE"
		nap "$DPDK_POLL"
	done
}

DROWS=()
# Sums and counts of msg/s and CPU per message per MODE:FORMAT, for the
# encryption cost (a scenario may be listed several times, interleaved).
declare -A RATE_SUM CPU_SUM RUNS

# pcap_scenario MODE FORMAT: one replay of the capture ($PCAP, $PCAP_SENT
# messages); FORMAT is record, envelope or envelope+aead.
pcap_scenario() {
	local mode=$1 format=$2 name="pcap_${1}_${2/+/_}" sets=() t0 cpu0 bcpu0
	local del sdrops secs rate mbs cpu_m bcpu_m loss lcores enc envs raw envb
	local per_env ratio
	case $mode in
	pipeline)
		sets=(--set "port.pcap0.devargs=net_pcap0,rx_pcap=$PCAP,tx_pcap=/dev/null"
			--set dataplane.mode=pipeline --set dataplane.workers=1)
		lcores="pipeline, 1 RX + 1 worker" ;;
	rtc2)
		sets=(--set "port.pcap0.devargs=net_pcap0,rx_pcap=$PCAP_Q0,rx_pcap=$PCAP_Q1,tx_pcap=/dev/null,tx_pcap=/dev/null"
			--set port.pcap0.spread=device --set dataplane.rx_lcores=2)
		lcores="run-to-completion, 2" ;;
	*)
		sets=(--set "port.pcap0.devargs=net_pcap0,rx_pcap=$PCAP,tx_pcap=/dev/null")
		lcores="run-to-completion, 1" ;;
	esac
	enc=-
	case $format in
	record)
		sets+=(--set routing.default_format=record) ;;
	envelope*)
		sets+=(--set routing.default_format=envelope
			--set "envelope.buckets=$PARTITIONS")
		if [ "$format" = envelope+aead ]; then
			sets+=(--set envelope.encryption=auto
				--set "envelope.key_file=$WORK/keys")
			enc=$AEAD_AUTO
		fi ;;
	esac
	start_broker "$name"
	# The log exists before sluiced starts, so it can be opened at once.
	: >"$WORK/$name.sluiced.log"
	start_sluiced "$name" "$SRC/deploy/examples/pcap.conf" "${sets[@]}"
	exec {LOG_FD}<"$SLUICED_LOG"
	PARTIAL=
	# Receiving starts right after the "listening" line: take the time,
	# and the CPU spent so far (EAL and pool set-up) as the baseline.
	wait_line "*listening on*" "$START_TIMEOUT" || die "sluiced did not start"
	now_us
	t0=$NOW_US
	ticks_of "$SLUICED_PID"
	cpu0=$TICKS
	ticks_of "$BROKER_PID"
	bcpu0=$TICKS
	settle_fast "$PCAP_SENT"
	exec {LOG_FD}<&-
	stop_sluiced
	stop_broker
	del=$(field "$FINAL" kafka_delivered)
	sdrops=$(drops "$FINAL")
	if [ "$(field "$FINAL" msg_in)" -ne "$PCAP_SENT" ]; then
		log "note: $name: $PCAP_SENT messages in the capture, sluiced took in $(field "$FINAL" msg_in)"
	fi
	secs=$(calc "%.6f" "($T_LAST_US - $t0) / 1e6")
	if [ "$del" -eq 0 ]; then
		DROWS+=("| $lcores | $format | $enc | $PCAP_SENT | 0 | $sdrops | 100 | 0 | 0 | - | - | - | - | - |")
		log "${DROWS[-1]}"
		return
	fi
	loss=$(calc "%.2f" "($PCAP_SENT - $del) * 100 / $PCAP_SENT")
	rate=$(calc "%.0f" "$del / $secs")
	mbs=$(calc "%.1f" "$(field "$FINAL" msg_bytes) / $secs / 1e6")
	cpu_m=$(calc "%.2f" "($CPU_LAST - $cpu0) / $HZ / $del * 1e6")
	bcpu_m=$(calc "%.2f" "($BROKER_CPU_LAST - $bcpu0) / $HZ / $del * 1e6")
	envs=$(field "$FINAL" env_sealed)
	raw=$(field "$FINAL" env_raw_bytes)
	envb=$(field "$FINAL" env_bytes)
	if [ "$envs" -gt 0 ] && [ "$envb" -gt 0 ]; then
		per_env=$(calc "%.0f" "$del / $envs")
		ratio=$(calc "%.2f" "$raw / $envb")
	else
		envs=- per_env=- ratio=-
	fi
	RATE_SUM[$mode:$format]=$(calc "%.2f" "${RATE_SUM[$mode:$format]:-0} + $rate")
	CPU_SUM[$mode:$format]=$(calc "%.4f" "${CPU_SUM[$mode:$format]:-0} + $cpu_m")
	RUNS[$mode:$format]=$((${RUNS[$mode:$format]:-0} + 1))
	DROWS+=("| $lcores | $format | $enc | $PCAP_SENT | $del | $sdrops | $loss | $rate | $mbs | $cpu_m | $bcpu_m | $envs | $per_env | $ratio |")
	log "${DROWS[-1]}"
}

for r in $RATES; do
	log "socket path, rate ${r/#0/flat out}, $MESSAGES messages"
	udp_scenario "$r"
done
if [ -n "$DPDK" ]; then
	# In memory: a capture read back from the disk puts block I/O into
	# the receive lcore's time. Best on a tmpfs of our own with
	# huge=always (root only): its files have a 2 MiB block size
	# (st_blksize), so libpcap's stdio reads the capture 2 MiB at a time
	# instead of 4 KiB, and reading it drops from about a fifth of a
	# receive lcore's time to little (a NIC costs none: it writes the
	# frames to memory by DMA). Else /dev/shm, else the disk.
	mkdir -p "$WORK/pcap.mnt"
	PCAP_MNT="$WORK/pcap.mnt"
	if mount -t tmpfs -o size=50%,huge=always,mode=0700 sluice-bench \
		"$PCAP_MNT" 2>/dev/null; then
		PCAP_DIR=$PCAP_MNT
		PCAP_STORE="a tmpfs with huge=always (2 MiB reads)"
	else
		PCAP_MNT=
		if [ -d /dev/shm ] && [ -w /dev/shm ]; then
			PCAP_DIR=$(mktemp -d /dev/shm/bench_ingest.XXXXXX)
			PCAP_STORE="/dev/shm (4 KiB reads)"
		else
			PCAP_DIR=$(mktemp -d "$WORK/pcap.XXXXXX")
			PCAP_STORE="the disk"
		fi
	fi
	log "captures on $PCAP_STORE"
	PCAP="$PCAP_DIR/bench.pcap"
	log "writing $PCAP_MESSAGES messages to $PCAP"
	summary=$("$BLAST" pcap --out "$PCAP" --corpus "$CORPUS" --count "$PCAP_MESSAGES" \
		--hosts "$PCAP_HOSTS" --sites "$PCAP_SITES" | tail -n 1) || die "sluice-blast pcap failed"
	echo "$summary" >"$WORK/pcap.blast.log"
	PCAP_SENT=$(field "$summary" sent)
	if [[ " $DPDK" == *" rtc2:"* ]]; then
		# The same messages again, hosts split over two captures, one
		# per receive queue.
		PCAP_Q0="$PCAP_DIR/bench.q0.pcap" PCAP_Q1="$PCAP_DIR/bench.q1.pcap"
		"$BLAST" pcap --out "$PCAP_Q0" --out "$PCAP_Q1" --corpus "$CORPUS" \
			--count "$PCAP_MESSAGES" --hosts "$PCAP_HOSTS" \
			--sites "$PCAP_SITES" >/dev/null || die "sluice-blast pcap failed"
	fi
	"$BUILD/tools/sluice-keygen" --id 1 --file "$WORK/keys" >/dev/null ||
		die "sluice-keygen failed"
	# What encryption = auto picks (docs/envelope.md).
	if grep -qw aes /proc/cpuinfo && grep -qw pclmulqdq /proc/cpuinfo; then
		AEAD_AUTO=AES-256-GCM
	else
		AEAD_AUTO=XChaCha20-Poly1305
	fi
	for d in $DPDK; do
		log "DPDK path, ${d%%:*}, ${d#*:}, $PCAP_SENT messages"
		pcap_scenario "${d%%:*}" "${d#*:}"
	done
	if [ -n "${PCAP_MNT:-}" ]; then
		umount "$PCAP_MNT" || die "umount $PCAP_MNT failed"
		PCAP_MNT=
	else
		rm -rf "$PCAP_DIR"
	fi
	PCAP_DIR=
fi

HEADER="| scenario | target msg/s | offered msg/s | sent | delivered | kernel drops | sluiced drops | loss % | msg/s | MB/s | sluiced CPU s / M msgs | broker CPU s / M msgs |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
DHEADER="| lcores | format | encryption | messages | delivered | sluiced drops | loss % | msg/s | MB/s | sluiced CPU s / M msgs | broker CPU s / M msgs | envelopes | msgs / envelope | ratio |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
TABLE=
[ "${#ROWS[@]}" -gt 0 ] && TABLE=$(printf '%s\n' "$HEADER" "${ROWS[@]}")
DTABLE=
[ "${#DROWS[@]}" -gt 0 ] && DTABLE=$(printf '%s\n' "$DHEADER" "${DROWS[@]}")
# The cost of encryption: throughput lost, and CPU per message added,
# from the means of the runs of each.
COST=()
for m in rtc rtc2 pipeline; do
	p=$m:envelope e=$m:envelope+aead
	if [ -n "${RUNS[$p]:-}" ] && [ -n "${RUNS[$e]:-}" ]; then
		COST+=("- $m: encryption ($AEAD_AUTO) costs $(calc "%.1f" \
			"(1 - ${RATE_SUM[$e]} / ${RUNS[$e]} / (${RATE_SUM[$p]} / ${RUNS[$p]})) * 100") % of msg/s and adds $(calc "%.1f" \
			"(${CPU_SUM[$e]} / ${RUNS[$e]} / (${CPU_SUM[$p]} / ${RUNS[$p]}) - 1) * 100") % sluiced CPU per message (means of ${RUNS[$p]} and ${RUNS[$e]} runs)")
	fi
done
[ -n "$TABLE" ] && printf '%s\n\n' "$TABLE"
[ -n "$DTABLE" ] && printf '%s\n\n' "$DTABLE"
[ "${#COST[@]}" -gt 0 ] && printf '%s\n' "${COST[@]}"

read -r BUSY1 TOTAL1 < <(cpu_jiffies)
MACHINE_BUSY=$(calc "%.0f" "($BUSY1 - $BUSY0) * 100 / ($TOTAL1 - $TOTAL0)")
log "machine CPU busy during the run: $MACHINE_BUSY %"

if [ "$UPDATE_DOC" -eq 1 ]; then
	DOC="$SRC/docs/perf-notes.md"
	CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	{
		echo "## Results"
		echo
		echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($CPU_MODEL), Linux $(uname -r),"
		echo "load average $LOADAVG when it started, all CPUs together $MACHINE_BUSY % busy during"
		echo "the run (ours and anything else running on the machine)."
		echo "Command:"
		echo
		echo "    tests/perf/bench_ingest.sh BUILD_DIR --messages $MESSAGES --rates \"$RATES\" --threads $THREADS \\"
		echo "        --pcap-messages $PCAP_MESSAGES --dpdk \"$DPDK\" --partitions $PARTITIONS${EXTRA_SETS[*]:+ ${EXTRA_SETS[*]}}"
		echo
		echo "$(nproc) cores shared by everything: sluiced (its data-plane lcores, its main"
		echo "thread and librdkafka's threads), sluice-devbroker and sluice-blast."
		if [ -n "$TABLE" ]; then
			echo
			echo "Socket path:"
			echo
			printf '%s\n' "$TABLE"
		fi
		if [ -n "$DTABLE" ]; then
			echo
			echo "DPDK path (net_pcap replay of captures on $PCAP_STORE, acks=all, $PARTITIONS partitions):"
			echo
			printf '%s\n' "$DTABLE"
		fi
		if [ "${#COST[@]}" -gt 0 ]; then
			echo
			printf '%s\n' "${COST[@]}"
		fi
	} >"$WORK/results.md"
	/usr/bin/python3 - "$DOC" "$WORK/results.md" <<'PY'
import re, sys
doc, res = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
m = re.search(r"^## Results\n.*?(?=^## |\Z)", text, re.S | re.M)
if m is None:
    sys.exit("bench_ingest: no '## Results' section in " + doc)
rest = text[m.end():]
open(doc, "w").write(text[:m.start()] + res + ("\n" + rest if rest else ""))
PY
	log "results written to $DOC"
fi
