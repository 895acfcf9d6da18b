#!/bin/bash
# Installs the benchmark peers of tests/perf/bench_suite.py (rsyslog and
# syslog-ng, both into Kafka) and the tools the suite uses, on Debian 12.
#
#   tests/perf/peers/install.sh PREFIX_DIR
#
# - apt-get installs (only if missing): rsyslog, rsyslog-kafka (omkafka),
#   rsyslog-relp (imrelp), gnuplot-nox, kcat, lz4 (bench_worker runs
#   lz4 -b1 beside the worker path).
# - syslog-ng: Debian's syslog-ng-core conflicts with rsyslog as a package,
#   so it is NOT installed: syslog-ng-core and syslog-ng-mod-rdkafka (3.38.1)
#   are fetched with `apt-get download` and unpacked with `dpkg -x` into
#   PREFIX_DIR/syslog-ng; only their library dependencies (none of which
#   conflicts with rsyslog) are apt-get installed.
#
# Idempotent. Run as root. On success the last line on stdout is the path of
# the syslog-ng binary; run it with
#   LD_LIBRARY_PATH=PREFIX_DIR/syslog-ng/usr/lib/syslog-ng \
#   PREFIX_DIR/syslog-ng/usr/sbin/syslog-ng \
#       --module-path=PREFIX_DIR/syslog-ng/usr/lib/syslog-ng/3.38 ...
# (its RUNPATH points at /usr/lib/syslog-ng, hence LD_LIBRARY_PATH).
set -euo pipefail

die() { echo "install.sh: error: $*" >&2; exit 1; }
note() { echo "install.sh: $*" >&2; }

[ $# -eq 1 ] || die "usage: $0 PREFIX_DIR"
[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get install)"
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
	die "apt-get/dpkg not found: Debian 12 is required"
fi

PREFIX=$1
mkdir -p "$PREFIX" || die "cannot create $PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
SNG=$PREFIX/syslog-ng
SNG_VERSION=3.38          # module directory name of Debian 12's syslog-ng
SNG_BIN=$SNG/usr/sbin/syslog-ng
SNG_LIB=$SNG/usr/lib/syslog-ng
SNG_MODDIR=$SNG_LIB/$SNG_VERSION

export DEBIAN_FRONTEND=noninteractive

# Packages not yet installed ("install ok installed"), of the arguments.
missing() {
	local p
	for p in "$@"; do
		if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != \
		     "install ok installed" ]; then
			echo "$p"
		fi
	done
}

apt_updated=0
apt_install() {
	local todo
	mapfile -t todo < <(missing "$@")
	[ ${#todo[@]} -gt 0 ] || return 0
	if [ $apt_updated -eq 0 ]; then
		note "apt-get update"
		apt-get update -q >&2 || die "apt-get update failed"
		apt_updated=1
	fi
	note "apt-get install ${todo[*]}"
	apt-get install -y -q --no-install-recommends "${todo[@]}" >&2 ||
		die "apt-get install ${todo[*]} failed"
}

# syslog-ng-core must never be installed as a package: it would remove
# rsyslog (the packages conflict).
if [ -z "$(missing syslog-ng-core)" ]; then
	note "warning: syslog-ng-core is installed as a package; the private" \
	     "copy in $SNG is used anyway"
fi

# 1. rsyslog and its Kafka and RELP modules, the suite's tools.
apt_install rsyslog rsyslog-kafka rsyslog-relp gnuplot-nox kcat lz4
grep -q '/omkafka\.so$' <<<"$(dpkg -L rsyslog-kafka 2>/dev/null || true)" ||
	die "rsyslog-kafka is installed but omkafka.so was not found"

# 2. syslog-ng's library dependencies (from `dpkg -I` of syslog-ng-core and
# syslog-ng-mod-rdkafka, less sysvinit-utils/lsb-base, which only the init
# script needs). None of them conflicts with rsyslog.
apt_install libc6 libcap2 libglib2.0-0 libivykis0 libjson-c5 libnet1 \
	libpcre3 libssl3 libsystemd0 libwrap0 librdkafka1

# 3. The private syslog-ng.
if [ ! -x "$SNG_BIN" ] || [ ! -e "$SNG_MODDIR/libkafka.so" ] ||
   [ ! -e "$SNG_MODDIR/libafsocket.so" ]; then
	dl=$(mktemp -d "${TMPDIR:-/tmp}/sluice-peers-dl.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	# _apt (apt's download sandbox user) may write into it: no warning.
	chmod 0755 "$dl"
	chown _apt "$dl" 2>/dev/null || true
	if ! (cd "$dl" && apt-get download syslog-ng-core syslog-ng-mod-rdkafka >&2); then
		note "apt-get download failed; retrying after apt-get update"
		apt-get update -q >&2 || die "apt-get update failed"
		(cd "$dl" && apt-get download syslog-ng-core syslog-ng-mod-rdkafka >&2) ||
			die "apt-get download syslog-ng-core syslog-ng-mod-rdkafka failed"
	fi
	rm -rf "$SNG.tmp"
	mkdir -p "$SNG.tmp"
	for deb in "$dl"/syslog-ng-core_*.deb "$dl"/syslog-ng-mod-rdkafka_*.deb; do
		[ -f "$deb" ] || die "downloaded package missing: $deb"
		note "unpacking $(basename "$deb") into $SNG"
		dpkg -x "$deb" "$SNG.tmp" || die "dpkg -x $deb failed"
	done
	# Put it in place in one step, so an interrupted run leaves no half tree.
	rm -rf "$SNG"
	mv "$SNG.tmp" "$SNG"
fi

[ -x "$SNG_BIN" ] || die "$SNG_BIN missing after unpacking"
[ -e "$SNG_MODDIR/libkafka.so" ] ||
	die "$SNG_MODDIR/libkafka.so missing (syslog-ng $SNG_VERSION expected," \
	    "found: $(cd "$SNG_LIB" 2>/dev/null && printf '%s ' [0-9]*.[0-9]*/))"

# Every library the binary and its modules need must resolve.
unresolved=$(for f in "$SNG_BIN" "$SNG_MODDIR"/*.so; do
		LD_LIBRARY_PATH=$SNG_LIB ldd "$f" 2>/dev/null | grep 'not found' || true
	done | sort -u)
[ -z "$unresolved" ] || die "syslog-ng libraries not found:
$unresolved"

LD_LIBRARY_PATH=$SNG_LIB "$SNG_BIN" --version >/dev/null 2>&1 ||
	die "$SNG_BIN --version failed"
registry=$(LD_LIBRARY_PATH=$SNG_LIB "$SNG_BIN" --module-path="$SNG_MODDIR" \
	--module-registry 2>&1 || true)
grep -q 'kafka_c' <<<"$registry" ||
	die "syslog-ng's kafka module does not load from $SNG_MODDIR"

echo "$SNG_BIN"
