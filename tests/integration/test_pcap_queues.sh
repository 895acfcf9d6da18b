#!/usr/bin/env bash
# test_pcap_queues: two run-to-completion lcores on one net_pcap port of
# two receive queues, one capture per queue (sluice-blast pcap --out
# twice, hosts split by index). net_pcap has no RSS: sluiced refuses the
# port until it says spread = device, and then each lcore is the worker
# of the hosts of its own queue. Every message comes back once and in
# per-host order (sluice-cat --verify), and each host is counted by the
# worker of the queue its capture was replayed on.
source "$(dirname "$0")/lib.sh" "$@"

BLAST=$SL_BUILD/tools/sluice-blast
CTL=$SL_BUILD/tools/sluicectl
HOSTS=8
COUNT=40000
q0=$SL_WORK/q0.pcap q1=$SL_WORK/q1.pcap
prefix="sl_${SL_TEST}_$$"

"$BLAST" pcap --out "$q0" --out "$q1" --hosts "$HOSTS" --sites 2 \
	--count "$COUNT" --corpus "$SL_CORPUS" >"$SL_WORK/blast.sum" \
	2>"$SL_WORK/blast.log" || sl_fail "sluice-blast pcap exited $?"
grep -q "sent=$COUNT " "$SL_WORK/blast.sum" ||
	sl_fail "sluice-blast: $(cat "$SL_WORK/blast.sum")"
# Host h (198.18.128.1 + h) is in capture h mod 2, and only there.
"$SL_PY" - "$q0" "$q1" "$HOSTS" <<'PY'
import sys
from scapy.all import IP, PcapReader
hosts = int(sys.argv[3])
for q, path in enumerate(sys.argv[1:3]):
    seen = {int(p[IP].src.split(".")[3]) - 1 for p in PcapReader(path)}
    want = {h for h in range(hosts) if h % 2 == q}
    assert seen == want, f"{path}: hosts {sorted(seen)}, want {sorted(want)}"
print("captures: hosts split by index")
PY

# Refused: a file twice, more files than hosts, more than 16 files.
refused() {
	local want=$1 rc=0
	shift
	"$BLAST" pcap "$@" --count 10 --corpus "$SL_CORPUS" \
		>/dev/null 2>"$SL_WORK/refused.log" || rc=$?
	[ "$rc" -eq 2 ] && grep -q -- "$want" "$SL_WORK/refused.log" ||
		sl_fail "sluice-blast pcap $*: exit $rc, $(cat "$SL_WORK/refused.log")"
}
refused "given twice" --out "$SL_WORK/x.pcap" --out "$SL_WORK/x.pcap"
refused "each file needs a host" --hosts 1 --out "$SL_WORK/x.pcap" \
	--out "$SL_WORK/y.pcap"
many=()
for i in $(seq 0 16); do many+=(--out "$SL_WORK/m$i.pcap"); done
refused "at most 16 files" "${many[@]}"

devargs="net_pcap0,rx_pcap=$q0,rx_pcap=$q1,tx_pcap=/dev/null,tx_pcap=/dev/null"
two=(--set "port.pcap0.devargs=$devargs" --set dataplane.rx_lcores=2)

# Without RSS, two queues need the promise that the device keeps each
# sender on one of them.
if "$SL_BUILD/sluiced" --config "$SL_SRC/deploy/examples/pcap.conf" \
	--check-config --probe "${two[@]}" >"$SL_WORK/probe_rss.log" 2>&1; then
	sl_fail "probe accepted 2 queues on net_pcap without RSS"
fi
grep -q "net_pcap cannot spread by IP address (no RSS): .*spread = device" \
	"$SL_WORK/probe_rss.log" ||
	sl_fail "probe's refusal unclear: $(cat "$SL_WORK/probe_rss.log")"
"$SL_BUILD/sluiced" --config "$SL_SRC/deploy/examples/pcap.conf" \
	--check-config --probe "${two[@]}" --set port.pcap0.spread=device \
	>"$SL_WORK/probe.log" 2>&1 ||
	sl_fail "probe refused spread = device: $(cat "$SL_WORK/probe.log")"
grep -q '\[port.pcap0\]: net_pcap0 (net_pcap) port 0: up to 2 rx / 2 tx queues, 2 needed' \
	"$SL_WORK/probe.log" || sl_fail "probe: $(cat "$SL_WORK/probe.log")"

sl_devbroker --topic logs:8
sl_sluiced "$SL_SRC/deploy/examples/pcap.conf" "${two[@]}" \
	--set port.pcap0.spread=device \
	--set routing.default_format=envelope --set envelope.buckets=8 \
	--set "kafka.brokers=$SL_BROKERS"
grep -q "2 receive lcore(s), 2 worker(s), run-to-completion" "$SL_WORK/sluiced.log" ||
	sl_fail "not two run-to-completion lcores: $(grep listening "$SL_WORK/sluiced.log")"

rc=0
"$SL_BUILD/tools/sluice-cat" --verify --brokers "$SL_BROKERS" --topic logs \
	--count "$COUNT" --expect-total "$COUNT" --timeout 30 --exactly-once \
	>"$SL_WORK/verify.out" 2>"$SL_WORK/verify.log" || rc=$?
[ "$rc" -eq 0 ] || sl_fail "verify exited $rc: $(cat "$SL_WORK/verify.out")"
tail -n 1 "$SL_WORK/verify.out" | grep -Eq "^sluice-cat: verify hosts=$HOSTS received=$COUNT distinct=$COUNT lost=0 duplicated=0 reordered=0 foreign=0 " ||
	sl_fail "verify: $(tail -n 1 "$SL_WORK/verify.out")"
sl_log "verify: $(tail -n 1 "$SL_WORK/verify.out")"

# Each host was counted by one worker, the lcore of its capture's queue,
# and that worker settled all of its messages.
"$CTL" --prefix "$prefix" --json sources --top 100 >"$SL_WORK/sources.json" ||
	sl_fail "sluicectl sources failed"
"$SL_PY" - "$SL_WORK/sources.json" "$HOSTS" "$COUNT" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
v = next(iter(r.values()))
hosts, count = int(sys.argv[2]), int(sys.argv[3])
rows = [s for k, s in v.items() if k.isdigit()]
assert len(rows) == hosts, f"{len(rows)} source rows, want {hosts}: {rows}"
workers = {}
for s in rows:
    h = int(s["ip"].split(".")[3]) - 1
    workers.setdefault(h % 2, set()).add(s["worker"])
    assert s["in"] == count // hosts and s["unacked"] == 0, s
assert all(len(w) == 1 for w in workers.values()) and \
    workers[0] != workers[1], f"queues to workers: {workers}"
print("sources: each queue's hosts on one worker of their own", workers)
PY

sl_sluiced_stop
sl_expect_stat msg_in "$COUNT"
sl_expect_stat kafka_delivered "$COUNT"
sl_expect_stat dropped 0
sl_expect_sources_settled
sl_log "PASS"
