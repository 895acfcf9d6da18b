#!/usr/bin/env bash
# test_package: the Debian packages, as an operator gets them. Builds the
# .debs from the source tree with dpkg-buildpackage (or takes them from
# $SL_DEBS, a directory deploy/dev.sh test fills once), installs them,
# verifies the installed units with systemd-analyze, runs the installed
# sluiced --check-config on the shipped configuration (accepted) and on
# broken ones (rejected with a clear error), then starts the installed
# sluiced (not through systemd: CI need not run it as PID 1) inside a
# network namespace of its own, with the embedded broker, sends it
# messages with logger and reads them back with the installed sluice-cat.
# Purges the packages at the end, whatever happened.
source "$(dirname "$0")/lib.sh"

skip() { sl_log "$*; skipped"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg, ip netns)"
command -v dpkg-buildpackage >/dev/null || skip "no dpkg-buildpackage (dpkg-dev)"
command -v dh >/dev/null || skip "no debhelper"
command -v systemd-analyze >/dev/null || skip "no systemd-analyze (systemd)"
if dpkg-query -W -f='${Status}' sluice 2>/dev/null | grep -q "ok installed"; then
	skip "package sluice already installed here; not replacing it"
fi

debs=${SL_DEBS:-}
if [ -z "$debs" ] || ! ls "$debs"/sluice_*.deb >/dev/null 2>&1; then
	debs="$SL_WORK/debs"
	src="$debs/sluice"
	mkdir -p "$src"
	sl_log "building the packages (dpkg-buildpackage -b) in $debs"
	# The tracked and new files of the tree, not the build directories.
	(cd "$SL_SRC" && git ls-files -co --exclude-standard -z |
		tar --null -T - -cf -) | tar -xf - -C "$src"
	start=$SECONDS
	(cd "$src" && dpkg-buildpackage -us -uc -b -j2) >"$SL_WORK/build.log" 2>&1 ||
		sl_fail "dpkg-buildpackage failed (build.log)"
	sl_log "packages built in $((SECONDS - start)) s"
fi
pkgs=(sluice libsluice-envelope1 libsluice-envelope-dev)
had_user=0
getent passwd sluice >/dev/null && had_user=1
SL_CLEANUPS+=("dpkg --purge ${pkgs[*]} >/dev/null")
SL_CLEANUPS+=("[ $had_user -eq 1 ] || deluser --system --quiet sluice")
sl_log "installing $(cd "$debs" && echo sluice_*.deb libsluice-envelope1_*.deb libsluice-envelope-dev_*.deb)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	"$debs"/sluice_*.deb "$debs"/libsluice-envelope1_*.deb \
	"$debs"/libsluice-envelope-dev_*.deb >"$SL_WORK/install.log" 2>&1 ||
	sl_fail "apt-get install of the packages failed (install.log)"
for f in /usr/sbin/sluiced /usr/bin/sluicectl /usr/bin/sluice-cat \
	/usr/bin/sluice-keygen /etc/sluice/sluiced.conf \
	/lib/systemd/system/sluiced.service /usr/lib/sysctl.d/60-sluice.conf; do
	[ -e "$f" ] || sl_fail "$f not installed"
done
getent passwd sluice >/dev/null || sl_fail "no sluice system user after install"
pkg-config --exists sluice-envelope || sl_fail "pkg-config does not know sluice-envelope"

# Units: systemd-analyze verify, the template through one instance.
cp /lib/systemd/system/sluiced@.service "$SL_WORK/sluiced@pkgtest.service"
systemd-analyze verify /lib/systemd/system/sluiced.service \
	"$SL_WORK/sluiced@pkgtest.service" >"$SL_WORK/verify.log" 2>&1 ||
	sl_fail "systemd-analyze verify: $(cat "$SL_WORK/verify.log")"
sl_log "systemd-analyze verify: units OK"

# --check-config: the shipped file is accepted, with its sizing.
out=$(/usr/sbin/sluiced --check-config --config /etc/sluice/sluiced.conf 2>&1) ||
	sl_fail "the shipped configuration is rejected: $out"
grep -q "configuration OK" <<<"$out" || sl_fail "no 'configuration OK': $out"
grep -Eq "[0-9]+ pages of 2 MiB" <<<"$out" || sl_fail "no hugepage sizing: $out"
grep -q "nr_hugepages" <<<"$out" || sl_fail "no command to reserve hugepages: $out"

# reject FILE-CONTENT SET EXPECTED: --check-config must fail with EXPECTED.
reject() {
	local conf="$SL_WORK/broken.conf" out rc=0
	printf '%s\n' "$1" >"$conf"
	out=$(/usr/sbin/sluiced --check-config --config "$conf" $2 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || sl_fail "accepted a broken configuration ($3): $out"
	grep -q -- "$3" <<<"$out" || sl_fail "error does not say '$3': $out"
	sl_log "rejected: $(head -n 1 <<<"$out")"
}
shipped=$(cat /etc/sluice/sluiced.conf)
reject "$shipped
[kafka]
bogus_key = 1" "" "bogus_key"
reject "$shipped" "--set eal.cores=1000" "CPU 1000 is not online"
reject "$shipped" "--set dataplane.mbufs=12" "mbufs"
reject "[input.udp]
listen = 127.0.0.1:notaport" "" "listen"

# The installed sluiced in a namespace of its own: loopback only, the
# embedded broker, the shipped configuration.
ns="sl_pkg_$$"
ip netns add "$ns" || skip "cannot create a network namespace"
SL_CLEANUPS+=("ip netns del $ns")
ip -n "$ns" link set lo up
ip netns exec "$ns" /usr/sbin/sluiced --config /etc/sluice/sluiced.conf \
	--set eal.file_prefix="$ns" --set stats.interval=1s \
	>"$SL_WORK/sluiced.log" 2>&1 &
SL_PIDS+=($!)
sl_wait_for 60 grep -q "sluice: listening on" "$SL_WORK/sluiced.log" ||
	sl_fail "installed sluiced did not start"
bootstrap=$(sed -n 's/.*embedded Kafka .* at \([^ ]*\)$/\1/p' "$SL_WORK/sluiced.log" | head -n 1)
[ -n "$bootstrap" ] || sl_fail "no embedded broker address in the log"
n=50
tag="pkg$$"
for i in $(seq 1 "$n"); do
	ip netns exec "$ns" logger -d -n 127.0.0.1 -P 5514 --rfc5424 -t "$tag" \
		"package message $i"
done
ip netns exec "$ns" /usr/bin/sluice-cat --brokers "$bootstrap" --topic logs \
	--from-beginning --count "$n" --timeout 30 >"$SL_WORK/cat.out" 2>"$SL_WORK/cat.log" ||
	sl_fail "sluice-cat did not read $n messages back"
got=$(grep -c "package message" "$SL_WORK/cat.out" || true)
[ "$got" -eq "$n" ] || sl_fail "read back $got of $n messages"
sl_log "installed sluiced: $n messages over UDP read back with the installed sluice-cat"
ip netns exec "$ns" /usr/bin/sluicectl --prefix "$ns" status >"$SL_WORK/status.out" 2>&1 ||
	sl_fail "installed sluicectl cannot reach sluiced"
