# lib.sh: shared helpers of the integration tests (sourced, bash).
#
# Every test gets its own directory under the build tree ($SL_WORK), its
# own EAL file prefix and its own ports, and cleans up through the EXIT
# trap even when it fails. Waits are bounded in time.

set -euo pipefail

SL_BUILD=${1:?usage: $0 BUILD_DIR}
SL_BUILD=$(cd "$SL_BUILD" && pwd)
SL_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SL_TEST=${SL_TEST_NAME:-$(basename "$0" .sh)}
SL_WORK="$SL_BUILD/tests/integration/work/$SL_TEST"
SL_CORPUS="$SL_BUILD/tests/unit/corpus"
SL_PY=/usr/bin/python3
SL_PIDS=()
SL_CLEANUPS=()

rm -rf "$SL_WORK"
mkdir -p "$SL_WORK"

sl_log() { printf '%s: %s\n' "$SL_TEST" "$*" >&2; }
sl_fail() { sl_log "FAIL: $*"; exit 1; }

sl_cleanup() {
	local rc=$? pid c
	for pid in "${SL_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${SL_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	for c in "${SL_CLEANUPS[@]}"; do
		eval "$c" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ]; then
		sl_log "logs kept in $SL_WORK"
		for f in "$SL_WORK"/*.log; do
			[ -f "$f" ] || continue
			echo "----- $f (last 30 lines)" >&2
			tail -n 30 "$f" >&2
		done
	fi
	exit "$rc"
}
trap sl_cleanup EXIT

# sl_wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds.
sl_wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# sl_free_udp_port / sl_free_tcp_port: a port nothing listens on now.
sl_free_port() {
	"$SL_PY" -c 'import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=="udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}

# sl_devbroker [ARGS...]: starts a sluice-devbroker (a new one each call);
# sets SL_BROKERS.
SL_DEVBROKERS=0
sl_devbroker() {
	local file
	SL_DEVBROKERS=$((SL_DEVBROKERS + 1))
	file="$SL_WORK/bootstrap.$SL_DEVBROKERS"
	"$SL_BUILD/tools/sluice-devbroker" --bootstrap-file "$file" "$@" \
		>"$SL_WORK/devbroker.$SL_DEVBROKERS.log" 2>&1 &
	SL_PIDS+=($!)
	sl_wait_for 20 test -s "$file" || sl_fail "devbroker did not start"
	SL_BROKERS=$(cat "$file")
	sl_log "devbroker at $SL_BROKERS"
}

# sl_sluiced CONFIG [--set ...]...: starts sluiced in the background with a
# unique EAL file prefix and the overrides in $SL_EXTRA (how meson runs a
# test in another shape, e.g. pipeline mode); sets SL_SLUICED_PID; waits
# until it listens.
sl_sluiced() {
	local conf=$1
	shift
	# HTTP off unless the test turns it on: the examples' fixed port
	# must not clash between runs.
	"$SL_BUILD/sluiced" --config "$conf" \
		--set "eal.file_prefix=sl_${SL_TEST}_$$" \
		--set stats.interval=0 --set http.listen= "$@" ${SL_EXTRA:-} \
		>"$SL_WORK/sluiced.log" 2>&1 &
	SL_SLUICED_PID=$!
	SL_PIDS+=("$SL_SLUICED_PID")
	sl_wait_for 30 sl_sluiced_ready || sl_fail "sluiced did not start"
}

sl_sluiced_ready() {
	grep -qs "sluice: listening on" "$SL_WORK/sluiced.log" && return 0
	kill -0 "$SL_SLUICED_PID" 2>/dev/null ||
		sl_fail "sluiced exited during start-up"
	return 1
}

# sl_sluiced_stop: SIGTERM, waits for the exit (bounded), checks status 0.
sl_sluiced_stop() {
	kill -TERM "$SL_SLUICED_PID"
	local i
	for i in $(seq 1 300); do
		kill -0 "$SL_SLUICED_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SL_SLUICED_PID" 2>/dev/null; then
		sl_fail "sluiced did not stop within 30 s of SIGTERM"
	fi
	wait "$SL_SLUICED_PID" || sl_fail "sluiced exited with status $?"
	grep -q "sluiced: final" "$SL_WORK/sluiced.log" ||
		sl_fail "sluiced printed no final counters"
}

# sl_stat NAME: a counter from sluiced's final line (0 when absent).
sl_stat() {
	local v
	v=$(grep "sluiced: final" "$SL_WORK/sluiced.log" | tail -n 1 |
		tr ' ' '\n' | sed -n "s/^$1=//p")
	echo "${v:-0}"
}

# sl_expect_stat NAME VALUE
sl_expect_stat() {
	local got
	got=$(sl_stat "$1")
	[ "$got" = "$2" ] || sl_fail "counter $1 is $got, expected $2"
}

# sl_expect_sources_settled: every source sluiced listed at exit had all
# its messages delivered: delivered = in, failed = 0, unacked = 0.
sl_expect_sources_settled() {
	local bad
	grep -q "sluiced: source host=" "$SL_WORK/sluiced.log" ||
		sl_fail "no per-source lines"
	bad=$(grep "sluiced: source host=" "$SL_WORK/sluiced.log" |
		awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		       if (v["in"] != v["delivered"] || v["failed"] != 0 || v["unacked"] != 0) print }')
	[ -z "$bad" ] || sl_fail "sources not settled: $bad"
}

# sl_cat TOPIC COUNT OUTFILE [ARGS...]: reads COUNT messages from the start.
sl_cat() {
	local topic=$1 count=$2 out=$3
	shift 3
	"$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic "$topic" \
		--from-beginning --count "$count" --timeout 60 "$@" >"$out" ||
		sl_fail "sluice-cat got $(wc -l <"$out") of $count messages"
}

# sl_corpus: every corpus line as the files have it (CRLF), in file
# order, each file's last line ended even where the file does not end it.
sl_corpus() {
	awk 1 "$SL_CORPUS"/*.log
}

# sl_devbroker_controlled [ARGS...]: sl_devbroker with a control FIFO,
# $SL_WORK/devbroker.N.ctl beside its log devbroker.N.log, for
# sl_devbroker_ctl; sets SL_BROKERS, SL_DEVBROKER_CTL (the FIFO) and
# SL_DEVBROKER_LOG (where its answers go).
sl_devbroker_controlled() {
	local n=$((SL_DEVBROKERS + 1))
	sl_devbroker --control "$SL_WORK/devbroker.$n.ctl" "$@"
	SL_DEVBROKER_CTL="$SL_WORK/devbroker.$n.ctl"
	SL_DEVBROKER_LOG="$SL_WORK/devbroker.$n.log"
}

# sl_devbroker_ctl CMD...: sends the line "CMD..." (words joined by single
# spaces) to the devbroker that sl_devbroker_controlled started last and
# waits up to 10 s for its answer; fails the test unless the answer is
# "devbroker: control: CMD...: ok". E.g. sl_devbroker_ctl down all,
# sl_devbroker_ctl errors Produce NOT_ENOUGH_REPLICAS*3.
sl_devbroker_ctl() {
	local fifo=${SL_DEVBROKER_CTL:?sl_devbroker_ctl: no controlled devbroker}
	local prefix="devbroker: control: $*: " before answer
	# A repeated command has older answers in the log: wait for a new one.
	before=$(grep -cF -- "$prefix" "$SL_DEVBROKER_LOG" || true)
	# shellcheck disable=SC2016 # the inner bash expands $1 and $2
	timeout 10 bash -c 'printf "%s\n" "$1" >"$2"' sl_devbroker_ctl "$*" \
		"$fifo" || sl_fail "devbroker control FIFO not open: $*"
	sl_wait_for 10 sl_devbroker_answered "$prefix" "$before" ||
		sl_fail "devbroker did not answer \"$*\" within 10 s"
	answer=$(grep -F -- "$prefix" "$SL_DEVBROKER_LOG" | tail -n 1)
	[ "$answer" = "${prefix}ok" ] || sl_fail "$answer"
	sl_log "devbroker: $*"
}

# sl_devbroker_answered PREFIX COUNT: more than COUNT answers start with
# PREFIX in the controlled devbroker's log.
sl_devbroker_answered() {
	[ "$(grep -cF -- "$1" "$SL_DEVBROKER_LOG" || true)" -gt "$2" ]
}

# sl_streamclient MODE ARGS...: runs tests/integration/streamclient.py
# (garbage, stall, flood, relp: misbehaving TCP and RELP clients) with
# /usr/bin/python3; its output on stdout, its exit status returned.
sl_streamclient() {
	"$SL_PY" "$SL_SRC/tests/integration/streamclient.py" "$@"
}
