#!/usr/bin/env bash
# test_http: sluiced's HTTP side ([http], issue 5) while it takes syslog
# over UDP from twelve hosts of three sites (fra1-web-01..05,
# ams2-db-01..03, lon1-app-01..04, each from its own 127.0.0.x address):
# /metrics passes `promtool check metrics` and carries per-source and
# per-site series; the /api views list the hosts; errors are JSON with
# the right status; mutations are refused without a token and work with
# one (reload, a refused reload, pause/resume, drain); and headless
# Chromium renders the dashboard with a cell per host and non-zero
# counts, and saves a screenshot as $SL_BUILD/dashboard.png.
source "$(dirname "$0")/lib.sh"

for tool in curl promtool chromium; do
	command -v "$tool" >/dev/null ||
		sl_fail "$tool is missing (deploy/dev.sh installs it)"
done

udp=$(sl_free_port udp)
http=$(sl_free_port tcp)
base="http://127.0.0.1:$http"
token="sluice-test-token-0123456789abcdef"
conf="$SL_WORK/sluiced.conf"
cp "$SL_SRC/deploy/examples/loopback.conf" "$conf"
# The stream listeners are not under test; off, so no fixed port is taken.
args=(--set "input.udp.listen=127.0.0.1:$udp" --set "input.tcp.listen="
      --set "input.relp.listen=" --set "http.listen=127.0.0.1:$http")

# The sender: NAME@ADDRESS hosts, each sending RFC 5424 messages with
# its HOSTNAME from its own source address. "burst N" sends N per host;
# "flow SECONDS" keeps sending 20 a second per host for SECONDS.
cat >"$SL_WORK/send.py" <<'PY'
import socket, sys, time
port, mode, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
hosts = []
for spec in sys.argv[4:]:
    name, addr = spec.split("@")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    hosts.append((name, s))
def send_round(seq):
    for name, s in hosts:
        msg = "<134>1 2026-01-01T00:00:00.000Z %s app 1 - - message %d" % (name, seq)
        s.sendto(msg.encode(), ("127.0.0.1", port))
if mode == "burst":
    for i in range(n):
        send_round(i)
        if i % 50 == 49:
            time.sleep(0.01)
else:
    end = time.time() + n
    i = 0
    while time.time() < end:
        send_round(i)
        i += 1
        time.sleep(0.05)
PY
hosts=()
for i in 1 2 3 4 5; do hosts+=("fra1-web-0$i@127.0.0.1$i"); done
for i in 1 2 3; do hosts+=("ams2-db-0$i@127.0.0.2$i"); done
for i in 1 2 3 4; do hosts+=("lon1-app-0$i@127.0.0.3$i"); done
send() { "$SL_PY" "$SL_WORK/send.py" "$udp" "$@" "${hosts[@]}"; }

# get PATH OUTFILE: the HTTP status of GET PATH (body in OUTFILE).
get() { curl -s -o "$2" -w '%{http_code}' "$base$1"; }
# post PATH OUTFILE [CURL ARGS...]: the HTTP status of POST PATH.
post() {
	local path=$1 out=$2
	shift 2
	curl -s -o "$out" -w '%{http_code}' -X POST "$@" "$base$path"
}
expect_status() {
	[ "$1" = "$2" ] || sl_fail "$3: HTTP $1, expected $2: $(head -c 300 "$4")"
}
http_up() { curl -sf -o /dev/null "$base/api/status"; }
# msg_in_at_least N: /api/status counts at least N messages taken in.
msg_in_at_least() {
	curl -sf "$base/api/status" | "$SL_PY" -c \
		'import json, sys; sys.exit(json.load(sys.stdin)["msg_in"] < int(sys.argv[1]))' "$1"
}

sl_sluiced "$conf" "${args[@]}"
sl_wait_for 10 http_up || sl_fail "no HTTP on $base"
grep -q "http: dashboard and /metrics on http://127.0.0.1:$http/, mutations off" \
	"$SL_WORK/sluiced.log" || sl_fail "no HTTP start line"

send burst 100
sl_wait_for 20 msg_in_at_least 1200 || sl_fail "sluiced did not take 1200 messages"

# --- /metrics ---------------------------------------------------------------
code=$(get /metrics "$SL_WORK/metrics.txt")
expect_status "$code" 200 /metrics "$SL_WORK/metrics.txt"
curl -s -o /dev/null -w '%{content_type}' "$base/metrics" | grep -q '^text/plain; version=0.0.4' ||
	sl_fail "/metrics content type"
if ! promtool check metrics <"$SL_WORK/metrics.txt" >"$SL_WORK/promtool.txt" 2>&1; then
	cat "$SL_WORK/promtool.txt" >&2
	sl_fail "promtool check metrics failed"
fi
[ ! -s "$SL_WORK/promtool.txt" ] || { cat "$SL_WORK/promtool.txt" >&2; sl_fail "promtool complained"; }
# metric NAME{LABELS}: the value of that exact series.
metric() {
	awk -v s="$1" 'index($0, s " ") == 1 { print $NF }' "$SL_WORK/metrics.txt"
}
in_total=$(metric sluice_messages_in_total)
[ -n "$in_total" ] && [ "$in_total" -ge 1200 ] ||
	sl_fail "sluice_messages_in_total is \"$in_total\", expected >= 1200"
v=$(metric 'sluice_source_messages_total{ip="127.0.0.11",host="fra1-web-01",site="fra1",worker="0"}')
[ "$v" = 100 ] || sl_fail "source series of fra1-web-01: \"$v\", expected 100"
[ "$(metric 'sluice_site_hosts{site="fra1"}')" = 5 ] || sl_fail "site fra1 hosts"
[ "$(metric 'sluice_site_hosts{site="ams2"}')" = 3 ] || sl_fail "site ams2 hosts"
[ "$(metric 'sluice_site_hosts{site="lon1"}')" = 4 ] || sl_fail "site lon1 hosts"
[ "$(metric 'sluice_state{state="running"}')" = 1 ] || sl_fail "state series"
grep -q '^sluice_drops_total{reason="ring_full"} ' "$SL_WORK/metrics.txt" || sl_fail "drop series"
grep -q '^sluice_kafka_in_flight{producer="0"} ' "$SL_WORK/metrics.txt" || sl_fail "kafka series"
grep -q '^sluice_ring_fill_ratio{ring="sl_ring_0_0"} ' "$SL_WORK/metrics.txt" || sl_fail "ring series"
grep -q '^sluice_route_info{route="default",position="0",topic="logs",format="record"} 1$' \
	"$SL_WORK/metrics.txt" || sl_fail "route series"
[ "$(grep -c '^sluice_source_unacked{' "$SL_WORK/metrics.txt")" = 12 ] ||
	sl_fail "expected 12 per-source series"

# --- /api ------------------------------------------------------------------
code=$(get "/api/sources?top=100000&sort=in" "$SL_WORK/sources.json")
expect_status "$code" 200 /api/sources "$SL_WORK/sources.json"
"$SL_PY" - "$SL_WORK/sources.json" "${hosts[@]}" <<'PY' || sl_fail "/api/sources"
import json, sys
d = json.load(open(sys.argv[1]))
want = {h.split("@")[0]: h.split("@")[1] for h in sys.argv[2:]}
got = {s["host"]: s for s in d["sources"]}
assert d["total"] == len(want) == d["shown"], (d["total"], d["shown"])
for host, ip in want.items():
    s = got[host]
    assert s["ip"] == ip and s["site"] == host.split("-")[0], s
    assert s["in"] == 100 and s["delivered"] + s["failed"] + s["unacked"] == 100, s
PY
code=$(get "/api/sources?site=ams2&sort=lag&top=2" "$SL_WORK/ams2.json")
expect_status "$code" 200 "/api/sources?site=ams2" "$SL_WORK/ams2.json"
"$SL_PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["total"] == 3 and d["shown"] == 2, d
assert all(s["site"] == "ams2" for s in d["sources"]), d' "$SL_WORK/ams2.json" ||
	sl_fail "/api/sources?site=ams2"
code=$(get /api/sites "$SL_WORK/sites.json")
expect_status "$code" 200 /api/sites "$SL_WORK/sites.json"
"$SL_PY" -c 'import json, sys
d = {s["site"]: s for s in json.load(open(sys.argv[1]))["sites"]}
assert sorted(d) == ["ams2", "fra1", "lon1"], d
assert d["fra1"]["hosts"] == 5 and d["fra1"]["in"] == 500, d' "$SL_WORK/sites.json" ||
	sl_fail "/api/sites"
code=$(get /api/workers "$SL_WORK/workers.json")
expect_status "$code" 200 /api/workers "$SL_WORK/workers.json"
"$SL_PY" -c 'import json, sys
w = json.load(open(sys.argv[1]))["workers"]
assert sum(x["msg_in"] for x in w) >= 1200 and sum(x["sources"] for x in w) == 12, w' \
	"$SL_WORK/workers.json" || sl_fail "/api/workers"
code=$(get /api/status "$SL_WORK/status.json")
expect_status "$code" 200 /api/status "$SL_WORK/status.json"
"$SL_PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["state"] == "running" and d["sources"] == 12 and d["mutations"] is False, d' \
	"$SL_WORK/status.json" || sl_fail "/api/status"

# Errors: JSON bodies with the right status; the server stays up.
json_error() {
	"$SL_PY" -c 'import json, sys; assert json.load(open(sys.argv[1]))["error"]' "$1" ||
		sl_fail "error body is not JSON with an error: $(head -c 200 "$1")"
}
for case in "/nope 404" "/api/sources?top=0 400" "/api/sources?top=100001 400" \
	"/api/sources?sort=size 400" "/api/sources?colour=red 400" \
	"/api/sources?site=%ff%00%22 200" "/api/status?x=1 400"; do
	read -r path want <<<"$case"
	code=$(get "$path" "$SL_WORK/err.json")
	expect_status "$code" "$want" "GET $path" "$SL_WORK/err.json"
	[ "$want" = 200 ] || json_error "$SL_WORK/err.json"
done
code=$(curl -s -o "$SL_WORK/err.json" -w '%{http_code}' -X DELETE "$base/metrics")
expect_status "$code" 405 "DELETE /metrics" "$SL_WORK/err.json"
code=$(get /api/reload "$SL_WORK/err.json")
expect_status "$code" 405 "GET /api/reload" "$SL_WORK/err.json"

# No token configured: every mutation is refused, with or without one.
code=$(post /api/reload "$SL_WORK/reload.json")
expect_status "$code" 403 "POST /api/reload without token" "$SL_WORK/reload.json"
json_error "$SL_WORK/reload.json"
code=$(post /api/drain "$SL_WORK/drain.json" -H "Authorization: Bearer $token")
expect_status "$code" 403 "POST /api/drain, no token configured" "$SL_WORK/drain.json"

# --- the dashboard in headless Chromium ---------------------------------------
for f in / /dashboard.js /dashboard.css; do
	code=$(get "$f" "$SL_WORK/file")
	expect_status "$code" 200 "GET $f" "$SL_WORK/file"
done
curl -s -o /dev/null -w '%{content_type}' "$base/dashboard.js" | grep -q '^text/javascript' ||
	sl_fail "dashboard.js content type"
# Traffic keeps flowing while the browser looks (bounded: 40 s).
send flow 40 &
sender=$!
SL_PIDS+=("$sender")
chrome() {
	timeout 90 chromium --headless=new --no-sandbox --disable-gpu \
		--no-first-run --disable-extensions --hide-scrollbars \
		--user-data-dir="$SL_WORK/chromium" "$@" 2>>"$SL_WORK/chromium.log"
}
chrome --virtual-time-budget=8000 --dump-dom "$base/" >"$SL_WORK/dom.html" ||
	sl_fail "chromium --dump-dom failed"
"$SL_PY" - "$SL_WORK/dom.html" "${hosts[@]}" <<'PY' || sl_fail "dashboard DOM"
import html.parser, sys
class Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.sites = {}, set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-host" in a:
            self.cells[a["data-host"]] = a
        if tag == "section" and "data-site" in a:
            self.sites.add(a["data-site"])
p = Cells()
p.feed(open(sys.argv[1]).read())
want = [h.split("@")[0] for h in sys.argv[2:]]
missing = [h for h in want if h not in p.cells]
assert not missing, "no cell for %s (cells: %s)" % (missing, sorted(p.cells))
for h in want:
    c = p.cells[h]
    assert int(c["data-in"]) >= 100, c
    assert c["data-site"] == h.split("-")[0], c
    assert any(k in c["class"].split() for k in ("lag-ok", "lag-warn", "lag-bad", "idle")), c
assert p.sites == {"fra1", "ams2", "lon1"}, p.sites
print("dashboard: %d host cells in %d sites" % (len(p.cells), len(p.sites)))
PY
rm -f "$SL_BUILD/dashboard.png"
chrome --virtual-time-budget=8000 --window-size=1280,900 \
	--screenshot="$SL_BUILD/dashboard.png" "$base/" >/dev/null ||
	sl_fail "chromium --screenshot failed"
size=$(stat -c %s "$SL_BUILD/dashboard.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] || sl_fail "screenshot $SL_BUILD/dashboard.png is $size bytes"
head -c 8 "$SL_BUILD/dashboard.png" | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a' ||
	sl_fail "screenshot is not a PNG"
sl_log "screenshot: $SL_BUILD/dashboard.png ($size bytes)"
kill "$sender" 2>/dev/null || true
wait "$sender" 2>/dev/null || true
sl_sluiced_stop

# --- mutations with a token ---------------------------------------------------
printf '\n[http]\ntoken = %s\n' "$token" >>"$conf"
sl_sluiced "$conf" "${args[@]}"
sl_wait_for 10 http_up || sl_fail "no HTTP on $base (second run)"
grep -q "mutations with the token" "$SL_WORK/sluiced.log" || sl_fail "token not taken"
send burst 10
sl_wait_for 20 msg_in_at_least 120 || sl_fail "sluiced did not take 120 messages"

code=$(post /api/reload "$SL_WORK/reload.json")
expect_status "$code" 403 "POST /api/reload without the header" "$SL_WORK/reload.json"
code=$(post /api/reload "$SL_WORK/reload.json" -H "Authorization: Bearer ${token}x")
expect_status "$code" 403 "POST /api/reload with a wrong token" "$SL_WORK/reload.json"
code=$(post /api/reload "$SL_WORK/reload.json" -H "Authorization: Bearer $token")
expect_status "$code" 200 "POST /api/reload" "$SL_WORK/reload.json"
grep -q '"result":"ok"' "$SL_WORK/reload.json" || sl_fail "reload: $(cat "$SL_WORK/reload.json")"

# A bad file is refused with file, line and key; the old one keeps running.
cp "$conf" "$SL_WORK/good.conf"
printf '[dataplane]\nburst = 0\n' >>"$conf"
code=$(post /api/reload "$SL_WORK/reload.json" -H "Authorization: Bearer $token")
expect_status "$code" 422 "POST /api/reload, bad file" "$SL_WORK/reload.json"
grep -q "sluiced.conf:[0-9]*: \[dataplane\] burst" "$SL_WORK/reload.json" ||
	sl_fail "refused reload: $(cat "$SL_WORK/reload.json")"
cp "$SL_WORK/good.conf" "$conf"
code=$(get /api/status "$SL_WORK/status.json")
grep -q '"reloads":1,"reload_errors":1' "$SL_WORK/status.json" ||
	sl_fail "status after reloads: $(cat "$SL_WORK/status.json")"

auth=(-H "Authorization: Bearer $token")
code=$(post "/api/pause_source?ip=127.0.0.21" "$SL_WORK/pause.json" "${auth[@]}")
expect_status "$code" 200 "pause 127.0.0.21" "$SL_WORK/pause.json"
code=$(post "/api/resume_source?ip=127.0.0.21" "$SL_WORK/pause.json" "${auth[@]}")
expect_status "$code" 200 "resume 127.0.0.21" "$SL_WORK/pause.json"
code=$(post "/api/pause_source?ip=192.0.2.1" "$SL_WORK/pause.json" "${auth[@]}")
expect_status "$code" 409 "pause an unknown source" "$SL_WORK/pause.json"
code=$(post "/api/pause_source?ip=not-an-ip" "$SL_WORK/pause.json" "${auth[@]}")
expect_status "$code" 400 "pause a bad address" "$SL_WORK/pause.json"
code=$(post /api/pause_source "$SL_WORK/pause.json" "${auth[@]}")
expect_status "$code" 400 "pause without ip" "$SL_WORK/pause.json"

code=$(post /api/drain "$SL_WORK/drain.json" "${auth[@]}")
expect_status "$code" 202 "POST /api/drain" "$SL_WORK/drain.json"
drained() { curl -sf "$base/api/status" | grep -q '"state":"drained"'; }
sl_wait_for 20 drained || sl_fail "not drained: $(curl -s "$base/api/status")"
curl -sf "$base/api/status" | grep -q '"unacked":0,' || sl_fail "drained with unacked messages"
sl_sluiced_stop
sl_log "PASS"
