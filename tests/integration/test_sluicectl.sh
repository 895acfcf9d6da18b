#!/usr/bin/env bash
# test_sluicectl: every sluicectl command against a running sluiced fed by
# simulated hosts of several sites (UDP from 127.0.0.x): the tables and
# --json of status, sources (site filter, sorts, top), sites, ports,
# workers, kafka, routes and rings; pausing a host (its messages dropped,
# counted, never in Kafka) and resuming it; a reload that adds a route and
# one that a bad key refuses (file:line and key named, old routes kept);
# watch; finding sluiced without --prefix (one, several, none, not ours);
# and a drain while rsyslog sends over RELP, which ends with nothing
# unacknowledged and every message Kafka got stored once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_stream.sh"

CTL="$SL_BUILD/tools/sluicectl"
prefix="sl_${SL_TEST}_$$"

sl_devbroker --topic logs:2 --topic logs.ams2:1
udp=$(sl_free_port udp)
relp=$(sl_free_port tcp)
conf="$SL_WORK/sluiced.conf"
cp "$SL_SRC/deploy/examples/loopback.conf" "$conf"
# Ports of our own for everything loopback.conf listens on.
ports() {
	local args=(--set "input.udp.listen=127.0.0.1:$1"
		--set "input.tcp.listen=127.0.0.1:$(sl_free_port tcp)"
		--set "input.relp.listen=127.0.0.1:$2"
		--set "kafka.brokers=$SL_BROKERS")
	if grep -q '^\[http\]' "$conf"; then
		args+=(--set "http.listen=127.0.0.1:$(sl_free_port tcp)")
	fi
	printf '%s\n' "${args[@]}"
}
mapfile -t args < <(ports "$udp" "$relp")
sl_sluiced "$conf" "${args[@]}"

ctl() { "$CTL" --prefix "$prefix" "$@"; }

# ctl_json EXPR ARGS...: sluicectl --json ARGS, then prints the Python
# expression EXPR of v, the answer's value.
ctl_json() {
	local expr=$1
	shift
	ctl --json "$@" | "$SL_PY" -c 'import json, sys
r = json.load(sys.stdin)
assert len(r) == 1, r
v = next(iter(r.values()))
print(eval(sys.argv[1]))' "$expr"
}

# expect_rc WANT OUT ARGS...: runs sluicectl ARGS (no --prefix added),
# stdout and stderr to OUT, and checks its exit status.
expect_rc() {
	local want=$1 out=$2 rc=0
	shift 2
	"$CTL" "$@" >"$out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || {
		cat "$out" >&2
		sl_fail "sluicectl $*: exit status $rc, want $want"
	}
}

# send IP HOST COUNT TAG: COUNT RFC 5424 messages over UDP from address IP
# with HOSTNAME HOST, "TAG n=I" as text.
send() {
	"$SL_PY" - "$udp" "$@" <<'PY'
import socket, sys, time
port, ip, host, count, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((ip, 0))
for i in range(count):
    s.sendto(f"<134>1 2024-05-01T12:00:00.000Z {host} app 42 - - {tag} n={i}".encode(),
             ("127.0.0.1", port))
    if i % 50 == 49:
        time.sleep(0.01)
PY
}

delivered_is() { [ "$(ctl_json 'v["kafka_delivered"]' status)" = "$1" ]; }
# source_is IP KEY VALUE: the source IP's KEY is VALUE.
source_is() {
	[ "$(ctl_json "[s['$2'] for k, s in v.items() if k.isdigit() and s['ip'] == '$1']" \
		sources --top 100)" = "[$3]" ]
}

# ---- traffic from six hosts of three sites (and one without a site)
hosts=(127.0.0.11:fra1-web-01:60 127.0.0.12:fra1-web-02:50 127.0.0.13:ams2-db-02:40
	127.0.0.14:ams2-db-03:30 127.0.0.15:nyc3-lb-01:20 127.0.0.16:standalone:10)
total=0
for h in "${hosts[@]}"; do
	IFS=: read -r ip host n <<<"$h"
	send "$ip" "$host" "$n" start
	total=$((total + n))
done
sl_wait_for 20 delivered_is "$total" || sl_fail "Kafka did not get the $total messages"

# ---- status
ctl status >"$SL_WORK/status.txt"
grep -Eq '^state +running$' "$SL_WORK/status.txt" || sl_fail "status: not running"
grep -Eq "^file prefix +$prefix$" "$SL_WORK/status.txt" || sl_fail "status: prefix"
[ "$(ctl_json 'v["msg_in"]' status)" = "$total" ] || sl_fail "status: msg_in"
[ "$(ctl_json 'v["unacked"]' status)" = 0 ] || sl_fail "status: unacked"

# ---- sources: table, site filter, sorts, top, json
ctl sources >"$SL_WORK/sources.txt"
grep -Eq '^127\.0\.0\.11 +fra1-web-01 +fra1 ' "$SL_WORK/sources.txt" ||
	sl_fail "sources: no row for fra1-web-01"
grep -Eq '^127\.0\.0\.16 +standalone +- ' "$SL_WORK/sources.txt" ||
	sl_fail "sources: a host without a site shows site -"
grep -q '^6 of 6 source(s); 4 site(s) in all$' "$SL_WORK/sources.txt" ||
	sl_fail "sources: footer: $(tail -n 1 "$SL_WORK/sources.txt")"
[ "$(ctl sources --site fra1 | grep -c ' fra1 ')" = 2 ] || sl_fail "sources --site fra1"
[ "$(ctl_json 'sorted(s["host"] for k, s in v.items() if k.isdigit())' sources --site ams2)" = \
	"['ams2-db-02', 'ams2-db-03']" ] || sl_fail "sources --site ams2 --json"
[ "$(ctl_json 'v["0"]["host"], v["total"], "1" in v' sources --sort in --top 1)" = \
	"('fra1-web-01', 6, False)" ] || sl_fail "sources --sort in --top 1"
for key in unacked lag rate in; do
	field=$key
	[ "$key" = lag ] && field=lag_ms
	ctl_json "[v[str(i)]['$field'] for i in range(6)]" sources --sort "$key" \
		>"$SL_WORK/sort.txt" || sl_fail "sources --sort $key --json"
	"$SL_PY" -c 'import ast, sys
x = ast.literal_eval(open(sys.argv[1]).read())
assert x == sorted(x, reverse=True), x' "$SL_WORK/sort.txt" ||
		sl_fail "sources --sort $key: not largest first"
done
[ "$(ctl sources --sort lag --top 3 | grep -c '^127\.')" = 3 ] || sl_fail "sources --top 3"
expect_rc 2 "$SL_WORK/usage.txt" --prefix "$prefix" sources --sort size
expect_rc 2 "$SL_WORK/usage.txt" --prefix "$prefix" sources --top 0
expect_rc 2 "$SL_WORK/usage.txt" --prefix "$prefix" status --site fra1
grep -q -- '--site is not an option of status' "$SL_WORK/usage.txt" || sl_fail "usage message"
expect_rc 2 "$SL_WORK/usage.txt" --prefix "$prefix" frobnicate
grep -q 'unknown command "frobnicate"' "$SL_WORK/usage.txt" || sl_fail "unknown command message"
grep -q '^usage: sluicectl' "$SL_WORK/usage.txt" || sl_fail "no usage on unknown command"

# ---- sites, ports, workers, kafka, routes, rings
ctl sites >"$SL_WORK/sites.txt"
grep -Eq '^fra1 +2 +110 ' "$SL_WORK/sites.txt" || sl_fail "sites: fra1 row"
grep -Eq '^ams2 +2 +70 ' "$SL_WORK/sites.txt" || sl_fail "sites: ams2 row"
[ "$(ctl_json 'sorted(s["site"] for s in v.values())' sites)" = "['', 'ams2', 'fra1', 'nyc3']" ] ||
	sl_fail "sites --json"
ctl ports >"$SL_WORK/ports.txt"
{ grep -q '^PORT  NAME' "$SL_WORK/ports.txt" && grep -q '^(no DPDK ports' "$SL_WORK/ports.txt"; } ||
	sl_fail "ports: socket driver shows an empty table"
[ "$(ctl_json 'v' ports)" = "{}" ] || sl_fail "ports --json"
ctl workers >"$SL_WORK/workers.txt"
grep -Eq '^ +0 +[0-9]+ +210 ' "$SL_WORK/workers.txt" || sl_fail "workers: worker 0 row"
[ "$(ctl_json 'sum(w["msg_in"] for w in v.values())' workers)" = "$total" ] ||
	sl_fail "workers --json: msg_in"
ctl kafka >"$SL_WORK/kafka.txt"
grep -Eq '^ +0 +[0-9]+ +0 +0 +0  -$' "$SL_WORK/kafka.txt" || sl_fail "kafka: producer 0 row"
[ "$(ctl_json 'v["0"]["in_flight"], v["0"]["failed"]' kafka)" = "(0, 0)" ] || sl_fail "kafka --json"
ctl routes >"$SL_WORK/routes.txt"
grep -Eq '^0 +default +logs +record +\(all other messages\)$' "$SL_WORK/routes.txt" ||
	sl_fail "routes: default"
ctl rings >"$SL_WORK/rings.txt"
grep -Eq '^sl_ring_0_0 +0 +0 +0 +[0-9]+ +0%$' "$SL_WORK/rings.txt" || sl_fail "rings: sl_ring_0_0"
[ "$(ctl_json '"sl_ring_0_0" in v' rings)" = True ] || sl_fail "rings --json"
sl_log "status, sources, sites, ports, workers, kafka, routes, rings: ok"

# ---- pause-source, resume-source
ctl pause-source 127.0.0.13 >"$SL_WORK/pause.txt"
grep -q '^paused 127.0.0.13$' "$SL_WORK/pause.txt" || sl_fail "pause-source output"
sl_wait_for 10 source_is 127.0.0.13 paused 1 || sl_fail "source 127.0.0.13 not paused"
send 127.0.0.13 ams2-db-02 20 phase=paused
sl_wait_for 10 source_is 127.0.0.13 dropped 20 ||
	sl_fail "the paused host's messages are not counted as dropped"
[ "$(sl_live_stat drop_paused)" = 20 ] || sl_fail "drop_paused is not 20"
ctl sources --site ams2 | grep -Eq '^127\.0\.0\.13 .* paused$' || sl_fail "sources: paused state"
ctl resume-source 127.0.0.13 | grep -q '^resumed 127.0.0.13$' || sl_fail "resume-source output"
sl_wait_for 10 source_is 127.0.0.13 paused 0 || sl_fail "source 127.0.0.13 not resumed"
send 127.0.0.13 ams2-db-02 10 phase=resumed
total=$((total + 10))
sl_wait_for 20 delivered_is "$total" || sl_fail "the resumed host's messages not delivered"
sl_cat logs "$total" "$SL_WORK/logs.txt"
[ "$(grep -c 'phase=paused' "$SL_WORK/logs.txt" || true)" = 0 ] || sl_fail "paused messages in Kafka"
[ "$(grep -c 'ams2-db-02 .*phase=resumed' "$SL_WORK/logs.txt")" = 10 ] ||
	sl_fail "resumed messages missing from Kafka"
expect_rc 1 "$SL_WORK/pause_unknown.txt" --prefix "$prefix" pause-source 10.9.9.9
grep -qx 'sluicectl: pause-source: unknown source 10.9.9.9' "$SL_WORK/pause_unknown.txt" ||
	sl_fail "pause of an unknown source: $(cat "$SL_WORK/pause_unknown.txt")"
expect_rc 2 "$SL_WORK/usage.txt" --prefix "$prefix" pause-source
sl_log "pause-source, resume-source: ok"

# ---- reload: a new route, then a bad key
cat >>"$conf" <<'CONF'

[route.ams2]
host = ams2-*
topic = logs.ams2
CONF
ctl reload >"$SL_WORK/reload.txt" || sl_fail "reload of a good file failed"
grep -q '^reload: ok$' "$SL_WORK/reload.txt" || sl_fail "reload output"
ctl routes | grep -Eq '^0 +ams2 +logs\.ams2 +record +host=ams2-\*$' || sl_fail "routes: no ams2 after reload"
send 127.0.0.14 ams2-db-03 5 phase=routed
sl_cat logs.ams2 5 "$SL_WORK/ams2.txt"
echo "colour = blue" >>"$conf"
bad_line=$(wc -l <"$conf")
expect_rc 1 "$SL_WORK/reload_bad.txt" --prefix "$prefix" reload
grep -q "^sluicectl: reload: $conf:$bad_line: \[route.ams2\] colour" "$SL_WORK/reload_bad.txt" ||
	sl_fail "bad reload message: $(cat "$SL_WORK/reload_bad.txt")"
[ "$(ctl_json 'v["reloads"], v["reload_errors"]' status)" = "(1, 1)" ] ||
	sl_fail "status: reloads/reload_errors"
ctl status | grep -Eq "^last_reload +$conf:$bad_line: .*colour" || sl_fail "status: last_reload"
ctl routes | grep -q 'logs\.ams2' || sl_fail "routes lost after a refused reload"
send 127.0.0.14 ams2-db-03 5 phase=still-routed
sl_cat logs.ams2 10 "$SL_WORK/ams2.txt"
[ "$(grep -c 'phase=still-routed' "$SL_WORK/ams2.txt")" = 5 ] || sl_fail "old routes after a refused reload"
sl_log "reload (good and refused): ok"

# ---- watch, not on a terminal
ctl watch --count 2 --interval 0.5 >"$SL_WORK/watch.txt" || sl_fail "watch failed"
! grep -q $'\033' "$SL_WORK/watch.txt" || sl_fail "watch: escapes when not on a terminal"
[ "$(grep -c '^----$' "$SL_WORK/watch.txt")" = 1 ] || sl_fail "watch: not two frames"
[ "$(grep -c "^sluiced $prefix (pid $SL_SLUICED_PID)  running" "$SL_WORK/watch.txt")" = 2 ] ||
	sl_fail "watch: frame headers"
grep -q '^in - msg/s  delivered - msg/s' "$SL_WORK/watch.txt" || sl_fail "watch: first frame rates"
grep -Eq '^in [0-9.]+[kM]? msg/s  delivered [0-9.]+[kM]? msg/s  unacked 0' "$SL_WORK/watch.txt" ||
	sl_fail "watch: second frame rates"
[ "$(grep -c '^fra1-web-01 ' "$SL_WORK/watch.txt")" = 2 ] || sl_fail "watch: sources"
expect_rc 2 "$SL_WORK/usage.txt" --prefix "$prefix" watch --json
sl_log "watch: ok"

# ---- finding sluiced without --prefix, in a runtime directory of our
# own (other sluiced may run on this machine): a stale socket and a
# directory without one are skipped; two sluiced are listed.
rt="$SL_WORK/runtime"
mkdir -p "$rt/$prefix" "$rt/empty" "$rt/stale" "$SL_WORK/runtime-none"
ln -s "/var/run/dpdk/$prefix/dpdk_telemetry.v2" "$rt/$prefix/dpdk_telemetry.v2"
"$SL_PY" -c 'import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind(sys.argv[1])' "$rt/stale/dpdk_telemetry.v2"
expect_rc 0 "$SL_WORK/find.txt" --runtime-dir "$rt" status
grep -Eq "^file prefix +$prefix$" "$SL_WORK/find.txt" || sl_fail "did not find the one sluiced"
expect_rc 1 "$SL_WORK/none.txt" --runtime-dir "$SL_WORK/runtime-none" status
grep -qx "sluicectl: no running sluiced found (looked in $SL_WORK/runtime-none/\*/dpdk_telemetry.v2)" \
	"$SL_WORK/none.txt" || sl_fail "no sluiced: $(cat "$SL_WORK/none.txt")"
expect_rc 1 "$SL_WORK/none.txt" --prefix "${prefix}_gone" status
grep -q "sluicectl: sluiced is not running at /var/run/dpdk/${prefix}_gone/dpdk_telemetry.v2" \
	"$SL_WORK/none.txt" || sl_fail "not running: $(cat "$SL_WORK/none.txt")"
prefix2="${prefix}_b"
mapfile -t args2 < <(ports "$(sl_free_port udp)" "$(sl_free_port tcp)")
"$SL_BUILD/sluiced" --config "$SL_SRC/deploy/examples/loopback.conf" \
	--set "eal.file_prefix=$prefix2" --set stats.interval=0 "${args2[@]}" \
	>"$SL_WORK/sluiced2.log" 2>&1 &
pid2=$!
SL_PIDS+=("$pid2")
sl_wait_for 30 grep -qs "sluice: listening on" "$SL_WORK/sluiced2.log" ||
	sl_fail "the second sluiced did not start"
mkdir -p "$rt/$prefix2"
ln -s "/var/run/dpdk/$prefix2/dpdk_telemetry.v2" "$rt/$prefix2/dpdk_telemetry.v2"
expect_rc 1 "$SL_WORK/two.txt" --runtime-dir "$rt" status
grep -qx "sluicectl: 2 sluiced are running here (file prefixes: $prefix, $prefix2); choose one with --prefix" \
	"$SL_WORK/two.txt" || sl_fail "two sluiced: $(cat "$SL_WORK/two.txt")"
expect_rc 0 "$SL_WORK/find.txt" --runtime-dir "$rt" --prefix "$prefix2" status
grep -Eq "^file prefix +$prefix2$" "$SL_WORK/find.txt" || sl_fail "--prefix with two sluiced"
kill -TERM "$pid2"
wait "$pid2" || sl_fail "the second sluiced exited with status $?"
if runuser -u nobody -- test -x "$CTL" 2>/dev/null; then
	rc=0
	runuser -u nobody -- "$CTL" --prefix "$prefix" status >"$SL_WORK/denied.txt" 2>&1 || rc=$?
	{ [ "$rc" = 1 ] && grep -q "permission denied: run sluicectl as the user sluiced runs as, or as root" \
		"$SL_WORK/denied.txt"; } || sl_fail "as nobody: $(cat "$SL_WORK/denied.txt")"
else
	sl_log "no runuser or nobody cannot run sluicectl: permission check skipped"
fi
sl_log "finding sluiced: ok"

# ---- drain while rsyslog sends over RELP
count=20000
sl_rsyslog_start relp \
	"action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$relp\" windowSize=\"256\")"
sl_seq_lines "$SL_WORK/relp.lines" 1 "$count" 400 0.05 &
writer=$!
SL_PIDS+=("$writer")
relp_in() {
	[ "$(ctl_json "sum(s['in'] for k, s in v.items() if k.isdigit() and s['ip'] == '127.0.0.1')" \
		sources --top 100)" -ge "$1" ]
}
sl_wait_for 30 relp_in 2000 || sl_fail "rsyslog did not get going"
ctl drain --wait 60 >"$SL_WORK/drain.txt" || sl_fail "drain failed: $(cat "$SL_WORK/drain.txt")"
grep -qx 'drained: 0 message(s) unacknowledged' "$SL_WORK/drain.txt" || sl_fail "drain output"
ctl status | grep -Eq '^state +drained$' || sl_fail "status after drain: not drained"
[ "$(ctl_json 'v["unacked"]' status)" = 0 ] || sl_fail "status after drain: unacked"
relp_msgs=$(ctl_json "sum(s['in'] for k, s in v.items() if k.isdigit() and s['ip'] == '127.0.0.1')" \
	sources --top 100)
delivered=$(ctl_json 'v["kafka_delivered"]' status)
[ "$relp_msgs" -lt "$count" ] || sl_fail "the drain came after all $count messages"
wait "$writer"
sl_sluiced_stop
sl_expect_sources_settled
[ "$(sl_stat kafka_delivered)" = "$delivered" ] || sl_fail "delivered after the drain"
sl_expect_stat drop_paused 20
# What sluiced took in over RELP is in Kafka, each message once, and
# sluiced answered no more than Kafka stored.
"$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic logs --from-beginning \
	--count "$((total + relp_msgs))" --timeout 30 >"$SL_WORK/logs.txt" ||
	sl_fail "Kafka holds $(wc -l <"$SL_WORK/logs.txt") of $((total + relp_msgs)) messages"
"$SL_PY" - "$SL_WORK/logs.txt" "$relp_msgs" "$(sl_stat relp_acked)" <<'PY' ||
import re, sys
seqs = [m.group(1) for m in map(re.compile(r"seq=(\d+)").search, open(sys.argv[1])) if m]
want, acked = int(sys.argv[2]), int(sys.argv[3])
assert len(seqs) == want, f"{len(seqs)} RELP messages in Kafka, sluiced took in {want}"
assert len(set(seqs)) == len(seqs), "a RELP message stored twice"
assert acked <= want, f"{acked} answered, {want} stored"
print(f"{want} RELP messages taken in before the drain, all in Kafka once; {acked} answered")
PY
	sl_fail "Kafka after the drain"
expect_rc 1 "$SL_WORK/stopped.txt" --prefix "$prefix" status
sl_log "PASS: every sluicectl command; drain during traffic ended with 0 unacknowledged"
