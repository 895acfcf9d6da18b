#!/usr/bin/env bash
# deploy/dev.sh: the two commands of the README quickstart.
#
#   deploy/dev.sh demo   install what is missing, build, run sluiced with the
#                        embedded Kafka, send it the corpus with logger, show
#                        the counters, sluicectl's view and messages read
#                        back from Kafka
#   deploy/dev.sh test   install what is missing, build, run every test (unit,
#                        integration, the unit tests again under ASan and
#                        UBSan, and the libFuzzer targets for a bounded
#                        time, SL_FUZZ_SECONDS each, default 30); ends with
#                        "N passed, N failed"
#
# Both are idempotent and run as root on a fresh Debian 12 machine.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SLUICE_BUILD:-$SRC/build}
BUILD_ASAN=${SLUICE_BUILD_ASAN:-$SRC/build-asan}
BUILD_FUZZ=${SLUICE_BUILD_FUZZ:-$SRC/build-fuzz}
CORPUS=${SLUICE_CORPUS:-$SRC/../shared/corpus}

# Debian packages: build, run, and the real peers the tests use.
PACKAGES=(
	gcc pkg-config meson ninja-build
	libdpdk-dev dpdk librdkafka-dev liblz4-dev libsodium-dev libcmocka-dev libpcap-dev
	libssl-dev openssl libjansson-dev libmicrohttpd-dev libsystemd-dev
	libhugetlbfs-bin kcat rsyslog rsyslog-relp rsyslog-gnutls rsyslog-kafka gnuplot-nox
	bsdutils iproute2 iputils-ping ethtool
	procps python3 python3-scapy lz4
	clang libclang-rt-14-dev
	prometheus chromium
	dpkg-dev debhelper systemd
)

log() { printf 'dev.sh: %s\n' "$*" >&2; }

install_packages() {
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# Debian starts rsyslog on install; the tests run their own instances.
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now rsyslog.service >/dev/null 2>&1 || true
	fi
}

# configure DIR [meson options]: sets the build up once, reconfigures when
# it exists (so a changed option or meson.build is picked up).
configure() {
	local dir=$1 out
	shift
	if [ -f "$dir/build.ninja" ]; then
		set -- --reconfigure "$@"
	fi
	if ! out=$(meson setup "$@" "$dir" "$SRC" 2>&1); then
		printf '%s\n' "$out" >&2
		return 1
	fi
}

build() {
	[ -d "$CORPUS" ] || { log "no corpus at $CORPUS"; exit 1; }
	configure "$BUILD" -Dcorpus="$CORPUS"
	ninja -C "$BUILD"
}

demo() {
	local dir="$BUILD/demo" port=5514 bootstrap pid i
	mkdir -p "$dir"
	log "starting sluiced: kernel UDP on 127.0.0.1:$port, embedded Kafka"
	"$BUILD/sluiced" --config "$SRC/deploy/examples/loopback.conf" \
		--set stats.interval=2s --set eal.file_prefix=sluice_demo \
		>"$dir/sluiced.log" 2>&1 &
	pid=$!
	trap 'kill -TERM $pid 2>/dev/null || true' EXIT
	for i in $(seq 1 100); do
		grep -q "sluice: listening on" "$dir/sluiced.log" && break
		kill -0 "$pid" 2>/dev/null || { cat "$dir/sluiced.log"; exit 1; }
		sleep 0.1
	done
	bootstrap=$(sed -n 's/.*embedded Kafka .* at \([^ ]*\)$/\1/p' "$dir/sluiced.log" | head -n 1)
	grep "sluice: listening on" "$dir/sluiced.log"
	log "sending every corpus line (RFC 5424 and RFC 3164) with logger"
	for f in "$CORPUS"/*.log; do
		logger -n 127.0.0.1 -P "$port" -d --size 65000 --rfc5424 \
			-t "$(basename "$f" _2k.log)" -f "$f"
		logger -n 127.0.0.1 -P "$port" -d --size 65000 --rfc3164 \
			-t "$(basename "$f" _2k.log)" -f "$f"
	done
	log "and a few over TCP (logger --tcp, octet counting)"
	for i in 1 2 3; do
		logger -n 127.0.0.1 -P "$port" --tcp --octet-count --rfc5424 \
			-t demo "message $i over TCP"
	done
	sleep 3
	log "counters so far (a line every 2 s):"
	grep "sluiced: stats" "$dir/sluiced.log" | tail -n 2
	log "sluicectl status and the busiest sources (dashboard: http://127.0.0.1:9514/):"
	"$BUILD/tools/sluicectl" --prefix sluice_demo status
	"$BUILD/tools/sluicectl" --prefix sluice_demo sources --sort in --top 5
	log "five messages read back from Kafka topic 'logs' at $bootstrap:"
	"$BUILD/tools/sluice-cat" --brokers "$bootstrap" --topic logs \
		--from-beginning --count 5 --timeout 20 --format json
	log "stopping sluiced (SIGTERM: drain, flush, report)"
	kill -TERM "$pid"
	wait "$pid" || true
	trap - EXIT
	grep -E "sluiced: (final|source)|sluice: shutdown" "$dir/sluiced.log"
	log "full log: $dir/sluiced.log"
}

# Counts meson's results from its JSON test log.
count_results() {
	python3 - "$@" <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except FileNotFoundError:
        failed += 1
        continue
    for line in lines:
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(passed, failed, skipped)
PY
}

run_tests() {
	local rc=0 passed failed skipped
	build
	configure "$BUILD_ASAN" -Dcorpus="$CORPUS" -Db_sanitize=address,undefined \
		-Db_lundef=false -Dintegration=false
	ninja -C "$BUILD_ASAN"
	# libFuzzer needs clang; its runtime is in libclang-rt-14-dev, which
	# clang only recommends.
	CC=clang configure "$BUILD_FUZZ" -Dcorpus="$CORPUS" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dintegration=false -Dtests=true
	ninja -C "$BUILD_FUZZ"
	log "unit and integration tests"
	meson test -C "$BUILD" --no-rebuild --print-errorlogs || rc=1
	log "unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$BUILD_ASAN" --no-rebuild --print-errorlogs \
		--suite unit || rc=1
	log "fuzz targets, ${SL_FUZZ_SECONDS:-30} s each"
	meson test -C "$BUILD_FUZZ" --suite fuzz --no-rebuild --print-errorlogs ||
		rc=1
	read -r passed failed skipped < <(count_results \
		"$BUILD/meson-logs/testlog.json" "$BUILD_ASAN/meson-logs/testlog.json" \
		"$BUILD_FUZZ/meson-logs/testlog.json")
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
}

case "${1:-}" in
demo)
	install_packages
	build
	demo
	;;
test)
	install_packages
	run_tests
	;;
*)
	echo "usage: $0 demo|test" >&2
	exit 2
	;;
esac
