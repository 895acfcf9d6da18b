#!/usr/bin/env bash
# test_bench_suite: the benchmark rig itself works on a fresh machine.
# Runs tests/perf/bench_suite.py --quick (every scenario, small counts):
# peers installed and unpacked by tests/perf/peers/install.sh, rsyslog
# and syslog-ng started from their templates, every run measured, the
# targets table filled and the plots drawn. It judges no speed: a test
# with timed assertions would fail on a busy runner, not on slow code.
# It does check what must hold at any speed: every run measured, nothing
# lost where nothing may be lost.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || { sl_log "needs root (apt-get, DPDK); skipped"; exit 77; }

out="$SL_WORK/suite"
sl_log "tests/perf/bench_suite.py --quick (about 2 minutes)"
"$SL_PY" "$SL_SRC/tests/perf/bench_suite.py" "$SL_BUILD" --quick --no-doc \
	--out "$out" --peers-prefix "$SL_BUILD/tests/perf/peers" \
	>"$SL_WORK/suite.log" 2>&1 ||
	sl_fail "bench_suite exited $?: $(tail -n 20 "$SL_WORK/suite.log")"

"$SL_PY" - "$out" <<'PY' || sl_fail "results: see above"
import json, os, sys

out = sys.argv[1]
res = json.load(open(os.path.join(out, "results.json")))
bad = []
if res["failures"]:
    bad.append("runs failed: %s" % res["failures"])
want = {"udp": 8, "tcp": 4, "relp": 3, "pcap": 7, "memif": 1, "afpacket": 4,
        "kcat": 1}
got = {}
for r in res["rows"]:
    got[r["scenario"]] = got.get(r["scenario"], 0) + 1
if got != want:
    bad.append("runs per scenario %s, want %s" % (got, want))
for r in res["rows"]:
    what = "%s %s %s" % (r["scenario"], r["peer"], r["target_rate"])
    if r["delivered"] + r["lost"] != r["sent"] or r["rate"] <= 0:
        bad.append("%s: sent %d, delivered %d, lost %d, %.0f msg/s"
                   % (what, r["sent"], r["delivered"], r["lost"], r["rate"]))
    # Lossless by design: streams with backpressure, the lossless
    # replay, kcat from a file. UDP and memif may drop on a busy runner.
    if r["scenario"] in ("tcp", "relp", "pcap", "kcat") and r["lost"]:
        bad.append("%s: lost %d" % (what, r["lost"]))
    if r["scenario"] == "relp" and r["acked"] != r["sent"]:
        bad.append("%s: acknowledged %d of %d" % (what, r["acked"], r["sent"]))
    if r["cpu_s_per_m"] is None or r["cpu_s_per_m"] <= 0:
        bad.append("%s: no CPU measured" % what)
w = res.get("worker") or {}
if w.get("pct_lz4") is None or w.get("lz4_mbs") is None:
    bad.append("no worker path measurement: %s" % w)
m = res["machine"]
for k in ("cpu", "cores", "kernel", "packages", "command", "commit", "captures"):
    if not m.get(k):
        bad.append("machine record has no %s" % k)
md = open(os.path.join(out, "results.md")).read()
if "@" + "TARGETS@" in md or "| target | measured in this run | verdict |" not in md:
    bad.append("results.md has no targets table")
# Every target judged; the encryption one cannot be without AES-NI.
head = "| target | measured in this run | verdict |"
rows = md.split(head, 1)[1].split("\n\n", 1)[0].splitlines()[2:] if head in md else []
judged = [r for r in rows if r.endswith("| met |") or "| missed" in r]
unjudged = [r for r in rows if r not in judged]
aes = "aes" in open("/proc/cpuinfo").read().split()
if len(rows) != 11 or (unjudged and (aes or len(unjudged) > 1 or
                                     "encryption" not in unjudged[0])):
    bad.append("results.md: not every target judged: %s" % unjudged)
for p in ("udp_throughput", "udp_loss", "cpu", "latency", "capacity"):
    with open(os.path.join(out, p + ".png"), "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            bad.append("%s.png is not a PNG" % p)
for b in bad:
    print("test_bench_suite: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
sl_log "ok: $(grep -c '^bench_suite: {' "$SL_WORK/suite.log") runs measured, targets judged, plots drawn"
