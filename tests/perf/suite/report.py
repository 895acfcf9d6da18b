"""Turns the rows of a suite run into tables, the target ratios, gnuplot
PNG plots and docs/benchmarks.md (from tests/perf/suite/benchmarks.md.in,
whose @NAME@ markers take the generated parts)."""

import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
# The two-lcore envelope replay with the throughput settings
# (bench_suite.TUNED_SETS), judged against issue 3's 2M msg/s.
TUNED_LABEL = "sluiced envelope, 2 lcores, throughput settings"

# Peers in the order of every table and plot.
ORDER = ["sluiced record", "sluiced envelope", "rsyslog", "syslog-ng",
         "sluiced record, af_packet", "sluiced envelope, af_packet"]


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "{:,.{d}f}".format(v, d=digits).replace(",", " ")
    return "{:,}".format(v).replace(",", " ")


def rate_label(r):
    return "flat out" if not r else fmt(r)


def table(header, rows):
    out = ["| " + " | ".join(h for h, _ in header) + " |",
           "|" + "|".join("---:" if right else "---" for _, right in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def by(rows, scenario):
    return [r for r in rows if r["scenario"] == scenario]


def peer_key(r):
    return ORDER.index(r["peer"]) if r["peer"] in ORDER else len(ORDER)


def socket_table(rows, with_rate=True):
    header = [("peer", False)]
    if with_rate:
        header += [("target msg/s", True), ("offered msg/s", True)]
    header += [("sent", True), ("delivered", True), ("loss %", True), ("kernel drops", True),
               ("msg/s", True), ("CPU s / M msgs", True), ("broker CPU s / M", True),
               ("p50 ms", True), ("p99 ms", True)]
    out = []
    for r in sorted(rows, key=lambda r: (r["target_rate"] or 1e12, peer_key(r))):
        c = [r["peer"]]
        if with_rate:
            c += [rate_label(r["target_rate"]), fmt(r["offered"])]
        c += [fmt(r["sent"]), fmt(r["delivered"]), fmt(r["loss_pct"], 2),
              fmt(r.get("kernel_drops")), fmt(r["rate"]), fmt(r["cpu_s_per_m"], 2),
              fmt(r["broker_cpu_s_per_m"], 2), fmt(r["p50_ms"], 1), fmt(r["p99_ms"], 1)]
        out.append(c)
    return table(header, out)


def relp_table(rows):
    header = [("peer", False), ("sent", True), ("acknowledged", True), ("in Kafka", True),
              ("duplicated", True), ("acked msg/s", True), ("answer p50 ms", True),
              ("answer p99 ms", True), ("CPU s / M msgs", True)]
    out = [[r["peer"], fmt(r["sent"]), fmt(r.get("acked")), fmt(r["delivered"]),
            fmt(r["duplicated"]), fmt(r.get("acked_rate")), fmt(r.get("ack_p50_ms"), 1),
            fmt(r.get("ack_p99_ms"), 1), fmt(r["cpu_s_per_m"], 2)]
           for r in sorted(rows, key=peer_key)]
    return table(header, out)


def dpdk_table(rows):
    header = [("configuration", False), ("offered msg/s", True), ("messages", True),
              ("delivered", True), ("loss %", True), ("msg/s", True),
              ("sluiced CPU s / M msgs", True), ("broker CPU s / M", True),
              ("p50 ms", True), ("p99 ms", True)]
    out = [[r["peer"], rate_label(r["target_rate"]) if r["scenario"] == "memif" else "replay",
            fmt(r["sent"]), fmt(r["delivered"]), fmt(r["loss_pct"], 2), fmt(r["rate"]),
            fmt(r["cpu_s_per_m"], 2), fmt(r["broker_cpu_s_per_m"], 2), fmt(r["p50_ms"], 1),
            fmt(r["p99_ms"], 1)] for r in rows]
    return table(header, out)


def find(rows, scenario, peer, rate=None):
    for r in rows:
        if r["scenario"] == scenario and r["peer"] == peer and \
                (rate is None or r["target_rate"] == rate):
            return r
    return None


def verdict(got, need):
    """'met', or by how much a ratio falls short of what it needs."""
    if got >= need:
        return "met"
    return "missed by %.0f %% (%.2fx of %gx)" % (100.0 * (need - got) / need, got, need)


def targets(rows, worker=None):
    """The targets of issues 3 and 6, each measured within this run: a
    list of (target, measured, verdict, run) rows; a missing measurement
    says so. run is (scenario, peer, rate) of the sluiced run a profile of
    a missed target should watch (None: not a sluiced run). WORKER is
    bench_worker's parsed report."""
    out = []
    rs = find(rows, "udp", "rsyslog", 200000)
    for f in ("record", "envelope"):
        what = "UDP at 200k msg/s: sluiced (%s) spends at most 1/5 of rsyslog's CPU per message" % f
        sl = find(rows, "udp", "sluiced " + f, 200000)
        if rs and sl and rs["cpu_s_per_m"] and sl["cpu_s_per_m"]:
            ratio = rs["cpu_s_per_m"] / sl["cpu_s_per_m"]
            out.append((what, "rsyslog %.2f, sluiced %.2f CPU s / M msgs: %.1fx less"
                        % (rs["cpu_s_per_m"], sl["cpu_s_per_m"], ratio), verdict(ratio, 5.0),
                        ("udp", "sluiced " + f, 200000)))
        else:
            out.append((what, "not measured (udp scenario)", "-", None))
    for f in ("record", "envelope"):
        what = "UDP flat out: sluiced (%s) loses nothing" % f
        sl = find(rows, "udp", "sluiced " + f, 0)
        others = ", ".join("%s lost %.2f %%" % (p, r["loss_pct"]) for p in ("rsyslog", "syslog-ng")
                           for r in [find(rows, "udp", p, 0)] if r)
        if sl:
            out.append((what, "sluiced lost %d of %d at %s msg/s offered (%s)"
                        % (sl["lost"], sl["sent"], fmt(sl["offered"]), others or "no peers"),
                        "met" if sl["lost"] == 0 else "missed: %d lost" % sl["lost"],
                        ("udp", "sluiced " + f, 0)))
        else:
            out.append((what, "not measured (udp scenario)", "-", None))
    cap = find(rows, "pcap", "sluiced envelope, 1 lcore")
    what = "capacity: one lcore (DPDK, 0 loss) at least 8x rsyslog's messages per CPU-second"
    if cap and rs and rs["cpu_s_per_m"]:
        per_cpu = 1e6 / rs["cpu_s_per_m"]
        ratio = cap["rate"] / per_cpu
        out.append((what, "one lcore %s msg/s (loss %.2f %%), rsyslog %s msgs per CPU-second: %.1fx"
                    % (fmt(cap["rate"]), cap["loss_pct"], fmt(per_cpu), ratio),
                    verdict(ratio, 8.0) if cap["lost"] == 0 else "missed: not lossless",
                    ("pcap", cap["peer"], 0)))
    else:
        out.append((what, "not measured (pcap and udp scenarios)", "-", None))
    rr = find(rows, "relp", "rsyslog")
    for f in ("record", "envelope"):
        what = ("RELP: sluiced (%s, answers after Kafka) at least 2x rsyslog imrelp's "
                "acknowledged msg/s" % f)
        sr = find(rows, "relp", "sluiced " + f)
        if rr and sr and rr.get("acked_rate"):
            ratio = sr["acked_rate"] / rr["acked_rate"]
            out.append((what, "sluiced %s, rsyslog %s acknowledged msg/s: %.2fx"
                        % (fmt(sr["acked_rate"]), fmt(rr["acked_rate"]), ratio),
                        verdict(ratio, 2.0), ("relp", "sluiced " + f, 0)))
        else:
            out.append((what, "not measured (relp scenario)", "-", None))
    kc = find(rows, "kcat", "kcat -P")
    two = find(rows, "pcap", "sluiced envelope, 2 lcores")
    what = "envelope mode end to end at least 2x kcat -P from a file"
    if kc and (cap or two):
        # The best of sluiced's envelope replays with the settings kcat
        # has too (its topic, librdkafka's defaults).
        best = max((r for r in (cap, two) if r), key=lambda r: r["rate"])
        ratio = best["rate"] / kc["rate"]
        out.append((what, "sluiced %s (%s), kcat -P %s msg/s: %.2fx"
                    % (fmt(best["rate"]), best["peer"][len("sluiced "):], fmt(kc["rate"]),
                       ratio), verdict(ratio, 2.0), ("pcap", best["peer"], 0)))
    else:
        out.append((what, "not measured (pcap and kcat scenarios)", "-", None))
    tuned = find(rows, "pcap", TUNED_LABEL)
    what = ("envelope mode end to end, DPDK replay, acks=all, 0 loss: at least 2M msg/s "
            "on the 2-core machine")
    if tuned:
        others = ", ".join("%s %s" % (r["peer"][len("sluiced "):], fmt(r["rate"]))
                           for r in (cap, two) if r)
        out.append((what, "%s msg/s (loss %.2f %%) with the throughput settings; %s"
                    % (fmt(tuned["rate"]), tuned["loss_pct"], others or "no other replay"),
                    (verdict(tuned["rate"] / 2e6, 1.0) if tuned["lost"] == 0
                     else "missed: not lossless"), ("pcap", TUNED_LABEL, 0)))
    else:
        out.append((what, "not measured (pcap scenario)", "-", None))
    what = "worker path alone (parse, route, batch, lz4) at least 70 % of lz4 -b1 on the same bytes"
    if worker and worker.get("pct_lz4_fastest") is not None:
        # lz4 -b reports the fastest of its runs: the worker's fastest
        # pass is what compares with it; the mean of all passes, which
        # carries whatever else the machine did, is shown beside.
        out.append((what, "%.1f %% (fastest pass, as lz4 -b reports its fastest run); mean of "
                    "the timed passes %.1f %%; lz4 -b1 %.0f MB/s"
                    % (worker["pct_lz4_fastest"], worker["pct_lz4"], worker["lz4_mbs"] or 0),
                    verdict(worker["pct_lz4_fastest"] / 100.0, 0.70), None))
    else:
        out.append((what, "not measured (worker scenario)", "-", None))
    what = "encryption (AES-256-GCM) costs under 10 % of msg/s"
    env1 = find(rows, "pcap", "sluiced envelope, 1 lcore")
    aead1 = find(rows, "pcap", "sluiced envelope+AEAD, 1 lcore")
    e2e = ("; end to end, one replay each: %.1f %%" % (100.0 * (1 - aead1["rate"] / env1["rate"]))
           if env1 and aead1 else "")
    if worker and worker.get("aead_cost") is not None:
        out.append((what, "worker path %.1f %% (mean of passes, the cases taking turns), %.1f %% "
                    "(fastest passes)%s" % (worker["aead_cost"], worker["aead_cost_fastest"] or 0,
                                            e2e),
                    "met" if worker["aead_cost"] < 10.0 else
                    "missed: %.1f %%" % worker["aead_cost"], None))
    else:
        out.append((what, "not measured (worker scenario, or no AES-NI)%s" % e2e, "-", None))
    return out


GNUPLOT_HEAD = """set terminal png size 900,520 font ",11" noenhanced
set grid
set key outside right
"""


GNUPLOT_BARS = GNUPLOT_HEAD + """set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
"""


def plots(rows, outdir):
    """Writes the PNG plots into OUTDIR with gnuplot; returns their names."""
    udp = by(rows, "udp") + by(rows, "afpacket")
    made = []
    peers = [p for p in ORDER if any(r["peer"] == p for r in udp)]
    if udp:
        for p in peers:
            pts = sorted((r["offered"], r["rate"], r["loss_pct"]) for r in udp if r["peer"] == p)
            with open(os.path.join(outdir, "udp_%s.dat" % p.replace(" ", "_")), "w") as f:
                for o, rate, loss in pts:
                    f.write("%f %f %f\n" % (o, rate, loss))
        def series(col):
            return ", ".join("'udp_%s.dat' using 1:%d with linespoints lw 2 title '%s'"
                             % (p.replace(" ", "_"), col, p) for p in peers)
        gp = GNUPLOT_HEAD + """
set output 'udp_throughput.png'
set title 'UDP: delivered against offered (acks=all)'
set xlabel 'offered msg/s'
set ylabel 'delivered to Kafka, msg/s'
set format x '%%.0s%%c'
set format y '%%.0s%%c'
plot %s, x with lines dt 2 lc rgb 'gray' title 'offered'
set output 'udp_loss.png'
set title 'UDP: loss against offered load'
set ylabel 'lost %%'
set format y '%%g'
set yrange [0:1<*]
plot %s
""" % (series(2), series(3))
        run_gnuplot(gp, outdir)
        made += ["udp_throughput.png", "udp_loss.png"]
    # CPU per million messages, one cluster per scenario, one bar per peer
    # measured in at least one of them.
    clusters = []
    for name, scen, rate in (("UDP 200k", "udp", 200000), ("UDP 100k", "udp", 100000),
                             ("TCP", "tcp", 0), ("RELP", "relp", 0)):
        vals = {}
        for p in ORDER:
            r = find(rows, scen, p, rate)
            if r and r["cpu_s_per_m"] is not None:
                vals[p] = r["cpu_s_per_m"]
        if vals:
            clusters.append((name, vals))
    cols = [p for p in ORDER if any(p in v for _, v in clusters)]
    if clusters:
        with open(os.path.join(outdir, "cpu.dat"), "w") as f:
            f.write("scenario " + " ".join('"%s"' % p for p in cols) + "\n")
            for name, vals in clusters:
                f.write('"%s" %s\n' % (name, " ".join("%f" % vals[p] if p in vals else "NaN"
                                                      for p in cols)))
        gp = GNUPLOT_BARS + """
set output 'cpu.png'
set title 'CPU seconds per million messages (lower is better)'
set ylabel 'CPU s / M msgs'
set yrange [0:*]
plot for [i=2:%d] 'cpu.dat' using i:xtic(1) title columnheader(i)
""" % (len(cols) + 1)
        run_gnuplot(gp, outdir)
        made.append("cpu.png")
    lat = []
    for name, scen, rate in (("UDP 100k", "udp", 100000), ("UDP 200k", "udp", 200000),
                             ("TCP", "tcp", 0), ("RELP", "relp", 0)):
        for p in ORDER:
            r = find(rows, scen, p, rate)
            if r and r["p50_ms"] is not None:
                lat.append(("%s, %s" % (p, name), r["p50_ms"], r["p99_ms"]))
    if lat:
        with open(os.path.join(outdir, "latency.dat"), "w") as f:
            for label, p50, p99 in lat:
                f.write('"%s" %f %f\n' % (label, p50, p99))
        gp = GNUPLOT_BARS + """
set output 'latency.png'
set title 'From send time to the Kafka record time stamp'
set ylabel 'ms'
set logscale y
set xtics rotate by -35
plot 'latency.dat' using 2:xtic(1) title 'p50', '' using 3 title 'p99'
"""
        run_gnuplot(gp, outdir, height=620)
        made.append("latency.png")
    thr = [(r["peer"], r["rate"]) for r in by(rows, "pcap") + by(rows, "kcat")]
    thr += [("RELP acked, " + r["peer"], r["acked_rate"]) for r in by(rows, "relp")
            if r.get("acked_rate")]
    if thr:
        with open(os.path.join(outdir, "capacity.dat"), "w") as f:
            for label, v in thr:
                f.write('"%s" %f\n' % (label, v))
        gp = GNUPLOT_HEAD + """
set output 'capacity.png'
set title 'Messages per second into Kafka, acks=all, 0 loss'
set style data histograms
set style fill solid 0.8 border -1
set format y '%.0s%c'
set yrange [0:*]
set xtics rotate by -35
unset key
plot 'capacity.dat' using 2:xtic(1)
"""
        run_gnuplot(gp, outdir, height=620)
        made.append("capacity.png")
    return made


def missed_runs(rows):
    """The sluiced runs behind the missed targets, each once: (scenario,
    peer, rate) and the targets it missed."""
    runs = {}
    for what, _, verdict_, run in targets(rows):
        if run is not None and verdict_.startswith("missed"):
            runs.setdefault(run, []).append(what)
    return list(runs.items())


def profiles_text(profiles):
    """Markdown for the profiles of the missed targets."""
    if not profiles:
        return "No target missed: nothing profiled."
    out = []
    for p in profiles:
        out.append("**%s** (%s), for: %s." % (p["run"], p["how"], "; ".join(p["targets"])))
        out.append("")
        if p.get("error"):
            out.append("Not profiled: %s" % p["error"])
        else:
            out.append(table([("% of samples", True), ("thread", False), ("object", False),
                              ("symbol", False)], p["top"]))
            out.append("")
            out.append("By thread: " + ", ".join("%s %s %%" % (t, v) for t, v in p["threads"]))
        out.append("")
    return "\n".join(out).rstrip()


def run_gnuplot(script, outdir, height=None):
    if height:
        script = script.replace("size 900,520", "size 900,%d" % height)
    path = os.path.join(outdir, "plot.gp")
    with open(path, "w") as f:
        f.write(script)
    subprocess.run(["gnuplot", "plot.gp"], cwd=outdir, check=True)


def machine_text(m):
    pk = ", ".join("%s %s" % kv for kv in sorted(m["packages"].items()))
    return "\n".join([
        "- when: %s, %s minutes; commit %s%s" % (m["date"], m["minutes"], m["commit"],
                                                 " (with uncommitted changes)" if m["dirty"] else ""),
        "- machine: %s, %d cores, %s GiB, %s, Linux %s" % (m["cpu"], m["cores"], m["memory_gib"],
                                                          m["os"], m["kernel"]),
        "- load average at the start %s; all CPUs together %s %% busy during the run"
        % (" ".join(m["loadavg"]), m["busy_pct"]),
        "- packages: %s; syslog-ng: %s" % (pk, m.get("syslog_ng") or "-"),
        "- socket receive buffer of every peer: 32 MiB (net.core.rmem_max %d)" % m["rmem_max"],
        "- command: `%s`" % m["command"],
    ])


def worker_text(w):
    """bench_worker's report as it printed it, with its command."""
    if not w:
        return "Not run."
    return "`%s`\n\n```\n%s\n```" % (w["command"], w["text"])


def write(results, outdir, docsdir):
    """Writes plots and results.md into OUTDIR and, when DOCSDIR is set,
    docs/benchmarks.md and its plots."""
    rows = results["rows"]
    made = plots(rows, outdir)
    parts = {
        "MACHINE": machine_text(results["machine"]),
        "TARGETS": table([("target", False), ("measured in this run", False), ("verdict", False)],
                         [t[:3] for t in targets(rows, results.get("worker"))]),
        "PROFILES": profiles_text(results.get("profiles", [])),
        "UDP": socket_table(by(rows, "udp")) if by(rows, "udp") else "Not run.",
        "TCP": socket_table(by(rows, "tcp"), False) if by(rows, "tcp") else "Not run.",
        "RELP": relp_table(by(rows, "relp")) if by(rows, "relp") else "Not run.",
        "AFPACKET": socket_table(by(rows, "afpacket")) if by(rows, "afpacket") else "Not run.",
        "DPDK": dpdk_table(by(rows, "pcap") + by(rows, "memif"))
        if by(rows, "pcap") + by(rows, "memif") else "Not run.",
        "KCAT": socket_table(by(rows, "kcat"), False) if by(rows, "kcat") else "Not run.",
        "PLOTS": "\n\n".join("![%s](benchmarks/%s)" % (p[:-4].replace("_", " "), p)
                             for p in made) or "None made.",
        "FAILURES": "\n".join("- " + f for f in results["failures"]) or "None.",
        "CAPTURES": results["machine"].get("captures") or "(no replay in this run)",
        "TUNED": TUNED_LABEL,
        "WORKER": worker_text(results.get("worker")),
    }
    with open(os.path.join(HERE, "benchmarks.md.in")) as f:
        text = f.read()
    for k, v in parts.items():
        text = text.replace("@%s@" % k, v)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(text)
    if docsdir:
        with open(os.path.join(docsdir, "benchmarks.md"), "w") as f:
            f.write(text)
        pdir = os.path.join(docsdir, "benchmarks")
        os.makedirs(pdir, exist_ok=True)
        for p in made:
            shutil.copy(os.path.join(outdir, p), os.path.join(pdir, p))
