#!/usr/bin/python3
"""bench_suite: sluiced beside rsyslog, syslog-ng and kcat -P, in one run,
on the same senders, the same corpus and the same embedded broker, with
acks=all everywhere. Not a test: it measures, it does not judge; the
targets of issue 6 are ratios taken within the run.

    tests/perf/bench_suite.py BUILD_DIR [--quick] [--only SCENARIO,...]
                              [--no-doc] [--no-profile] [--out DIR]
                              [--peers-prefix DIR]

Scenarios (--only takes these names):
  udp     sluice-blast udp at several offered rates and flat out, into
          sluiced (records, envelopes), rsyslog imudp, syslog-ng udp
  tcp     sluice-blast tcp (64 connections from as many loopback
          addresses, LF framing), flat out, into
          sluiced, rsyslog imptcp, syslog-ng tcp
  relp    sluice-blast relp (2 sessions from 2 addresses, window 1024)
          into sluiced and
          rsyslog imrelp: acknowledged messages/s and time to the answer
  pcap    a capture replayed through DPDK net_pcap, lossless
          (ring_full = wait): what sluiced's lcores sustain, records,
          envelopes, encrypted envelopes, one lcore, the pipeline with
          one and two workers, two run-to-completion lcores (with
          sluiced's defaults, and with the throughput settings)
  memif   sluice-blast memif (DPDK to DPDK, no kernel) at offered rates
  afpacket sluice-blast udp from a network namespace over a veth into
          sluiced's DPDK net_af_packet port, at the udp scenario's rates
  kcat    kcat -P from a file of the same messages: no network at all
  worker  the worker path alone (bench_worker: parse, route, batch, lz4,
          AEAD; no NIC, no Kafka) next to lz4 -b1 on the same bytes

Where a target is missed, sluiced's run behind it is repeated under
perf record (not measured) and its busiest symbols go into the report.

Every run: a fresh broker with topic logs:256 made before the peer starts,
the peer started and sent one probe message that must come out of Kafka
before the clock starts, the same socket receive buffer for every peer,
then N messages, then sluice-cat --verify over the topic: delivered,
lost, duplicated, latency from send time to record time stamp. The clock
runs from the first message sent to the last record's time stamp; CPU is
the peer's (all its threads, from /proc) up to that moment.

Writes results.json, results.md, the PNG plots and every program's log
into --out (default BUILD_DIR/tests/perf/suite) and, unless --no-doc,
docs/benchmarks.md and docs/benchmarks/*.png. Exits 1 when a run could not
be measured (the others still are), 2 on bad usage."""

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "suite"))

from harness import (CpuSampler, Proc, SuiteError, Tools, capture_tcp_stream, free_port,  # noqa: E402
                     run_timed, udp_socket_drops, wait_for)
from peers import SRC, Rsyslog, Sluiced, SluicedAfPacket, SyslogNg  # noqa: E402
import report  # noqa: E402

SCENARIOS = ("udp", "tcp", "relp", "pcap", "memif", "afpacket", "kcat", "worker")
# The embedded broker (librdkafka's mock cluster) keeps at most 5 MiB
# per partition and silently drops older records beyond that: partitions
# and hosts enough that a run stays well below it (a run whose verifier
# found records already dropped is refused, see Suite.check_retention),
# and envelope buckets as a real
# deployment has them, so envelopes are as large as they would be.
PARTITIONS = 256
ENVELOPE_BUCKETS = 64
# The throughput settings of the two-lcore envelope replay (issue 3's
# 2M msg/s on 2 cores): a topic of 16 partitions and as many buckets, so
# a worker keeps 16 open batches of 64 KiB, which stay in its L2 cache
# until lz4 reads them (64 of them did not: 30 % fewer msg/s), and
# librdkafka gathering 20 ms of envelopes per request on one producer.
# At 16 partitions the mock broker's 5 MiB each hold about 1.2M
# envelope-packed messages: the run replays half the capture.
TUNED_PARTITIONS = 16
TUNED_SETS = ["routing.default_format=envelope",
              "envelope.buckets=%d" % TUNED_PARTITIONS,
              "kafka.producer.linger.ms=20", "kafka.producers=1"]
# The one socket receive buffer of every peer (net.core.rmem_max is
# raised to it for the run).
RCVBUF = 32 * 1024 * 1024
# Input threads of the peers that have them (rsyslog imudp/imptcp,
# syslog-ng): one per core.
THREADS = os.cpu_count()
HOSTS = 1024
SITES = 16
# The stream senders, each connection from its own loopback address, as
# many senders would be: sluiced keeps a partition per sender address
# (per-source order), so one address would put a whole run into one
# partition, past the mock broker's 5 MiB.
TCP_SENDERS = ["--connections", "64", "--sources", "64"]
RELP_SENDERS = ["--connections", "2", "--sources", "2", "--window", "1024"]


class Plan:
    """Counts and rates of a run: the full suite, or --quick, which runs
    every scenario with small counts to show the rig works (CI)."""

    def __init__(self, quick):
        # Seconds without a new message after which the verifier ends a
        # run: longer than any pause of a peer under load.
        self.verify_idle = 3 if quick else 5
        if quick:
            self.udp_rates = [200000, 0]
            self.udp_seconds = 1
            self.udp_max = 40000
            self.tcp_count = 40000
            self.relp_count = 20000
            self.pcap_count = 100000
            self.memif_rates = [50000]
            self.memif_count = 50000
            self.kcat_count = 40000
            self.kcat_repeats = 1
            self.worker_seconds = 0.5
        else:
            self.udp_rates = [50000, 100000, 200000, 300000, 0]
            self.udp_seconds = 5
            self.udp_max = 1500000
            self.tcp_count = 500000
            self.relp_count = 400000
            self.pcap_count = 2000000
            self.memif_rates = [250000, 500000, 1000000, 0]
            self.memif_count = 2000000
            self.kcat_count = 1000000
            self.kcat_repeats = 3
            self.worker_seconds = 3

    def udp_count(self, rate):
        return self.udp_max if rate == 0 else min(self.udp_max, rate * self.udp_seconds)


class Suite:
    def __init__(self, args):
        self.build = os.path.abspath(args.build)
        self.out = os.path.abspath(args.out or os.path.join(self.build, "tests", "perf", "suite"))
        self.work = os.path.join(self.out, "work")
        # A run that was killed may have left its capture tmpfs mounted.
        stale = os.path.join(self.work, "pcap.mnt")
        while os.path.ismount(stale):
            subprocess.run(["umount", stale], check=True)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        corpus = os.path.join(self.build, "tests", "unit", "corpus")
        if not os.path.isdir(corpus):
            corpus = os.path.join(SRC, "..", "shared", "corpus")
        self.tools = Tools(self.build, corpus, self.work)
        self.plan = Plan(args.quick)
        self.peers_prefix = args.peers_prefix or os.path.join(self.build, "tests", "perf", "peers")
        self.rows = []
        self.capture_store = None
        self.worker = None
        self.failures = []

    def log(self, msg):
        print("bench_suite: %s" % msg, file=sys.stderr, flush=True)

    def record(self, row):
        self.rows.append(row)
        self.log(json.dumps(row, sort_keys=True))

    # --- one run of a peer behind a kernel socket -----------------------
    def socket_run(self, scenario, peer, mode, count, rate=0, extra=(), key_file=None,
                   offered_label=None, profile=None):
        """Starts a broker and PEER, probes, sends COUNT messages with
        sluice-blast MODE (paced at RATE msg/s, 0 = flat out), verifies
        and records one row. With PROFILE (a path), the run is recorded
        by perf there instead, and not measured."""
        name = "%s_%s_%s" % (scenario, peer.name, rate)
        broker, brokers = self.tools.broker(name, partitions=PARTITIONS)
        sampler = None
        try:
            port = free_port()
            peer.start(brokers, port, RCVBUF, THREADS)
            target = ["--target", "%s:%d" % (peer.target_host, peer.port)]
            self.tools.run_blast(name + ".probe", mode,
                                 target + ["--count", "1", "--hosts", "1", "--format", "3164"], 60,
                                 peer.blast_wrap)
            target += list(extra)
            self.tools.probe(brokers)
            sock_drops = mode == "udp" and peer.has_socket
            drops0 = udp_socket_drops(port) if sock_drops else 0
            sampler = CpuSampler([peer.pid, broker.pid])
            sampler.start()
            args = target + ["--count", str(count), "--hosts", str(HOSTS), "--sites", str(SITES)]
            if rate:
                args += ["--rate", str(rate)]
            bound = 60 + (count // rate if rate else count // 20000)
            perf = Perf(peer.pid, profile, self.work) if profile else None
            t0 = time.time()
            # The verifier reads along: every peer's clock stops when its
            # last message could be read, whatever its producer stamps.
            ver = self.tools.verify_start(name, brokers, count, self.plan.verify_idle,
                                          key_file=key_file,
                                          sent_after_ms=int(t0 * 1000), live=True)
            try:
                blast = self.tools.run_blast(name, mode, args + ["--duration", str(bound)],
                                             bound + 30, peer.blast_wrap)
            finally:
                ver = self.tools.verify_finish(ver)
                if perf is not None:
                    perf.stop()
            sampler.stop()
            if not profile:
                self.check_retention(name, ver)
            kdrops = udp_socket_drops(port) - drops0 if sock_drops else None
        finally:
            if sampler is not None and sampler.is_alive():
                sampler.stop()
            try:
                peer.stop()
            finally:
                broker.stop()
        row = self.measure(scenario, peer.label, mode, count, blast, ver, sampler,
                           int(ver["first_sent_ms"]) / 1000.0, int(ver["last_read_ms"]) / 1000.0,
                           offered_label if offered_label is not None else rate)
        if not peer.stamps_produce_time:
            row["p50_ms"] = row["p99_ms"] = None
        row["kernel_drops"] = kdrops
        if mode == "relp":
            row["acked"] = int(blast.get("acked", 0))
            row["acked_rate"] = float(blast.get("acked_rate", 0))
            row["ack_p50_ms"] = int(blast.get("p50_us", 0)) / 1000.0
            row["ack_p99_ms"] = int(blast.get("p99_us", 0)) / 1000.0
        if not profile:
            self.record(row)
        return row

    def wait_settled(self, brokers, peer, quiet=1.0, timeout=300):
        """Waits until the topic's end offsets stopped moving for QUIET
        seconds: the peer delivered what it will deliver, and the verifier
        does not take CPU from a peer still at work."""
        last, since = None, time.monotonic()
        deadline = since + timeout
        argv = ["kcat", "-Q", "-b", brokers]
        for p in range(PARTITIONS):
            argv += ["-t", "logs:%d:-1" % p]
        while time.monotonic() < deadline:
            peer.proc.check_alive()
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               timeout=30)
            ends = r.stdout if r.returncode == 0 else None
            if ends is not None and ends == last:
                if time.monotonic() - since >= quiet:
                    return
            else:
                last, since = ends, time.monotonic()
            time.sleep(0.25)
        raise SuiteError("%s still producing after %ds" % (peer.label, timeout))

    @staticmethod
    def check_retention(name, ver):
        """Refuses a run whose verifier found offsets the embedded broker
        had already dropped (it keeps 5 MiB per partition): what it counts
        lost would then be the broker's retention, not the peer's loss."""
        if int(ver["skipped"]) > 0:
            raise SuiteError("%s: the verifier found %s records the embedded broker had "
                             "already dropped (it keeps 5 MiB per partition): fewer "
                             "messages, more partitions or more hosts"
                             % (name, ver["skipped"]))

    def measure(self, scenario, label, mode, count, blast, ver, sampler, t0, last,
                offered_target):
        """One row from the sender's summary, the verifier's and the CPU
        samples, the clock running from T0 to LAST (seconds since the
        epoch)."""
        distinct = int(ver["distinct"])
        sent = int(blast.get("sent", count))
        secs = max(last - t0, 1e-3)
        cpus = sampler.at(last)
        cpus0 = sampler.at(t0)
        peer_cpu = cpus[0] - cpus0[0]
        broker_cpu = cpus[1] - cpus0[1]
        return {
            "scenario": scenario, "peer": label, "input": mode,
            "target_rate": offered_target, "offered": float(blast.get("rate", 0)),
            "sent": sent, "delivered": distinct,
            "lost": max(0, sent - distinct),
            "loss_pct": 100.0 * max(0, sent - distinct) / sent if sent else 0.0,
            "duplicated": int(ver["duplicated"]),
            "seconds": secs, "rate": distinct / secs,
            "cpu_s": peer_cpu,
            "cpu_s_per_m": peer_cpu * 1e6 / distinct if distinct else None,
            "broker_cpu_s_per_m": broker_cpu * 1e6 / distinct if distinct else None,
            "p50_ms": float(ver["p50_ms"]), "p99_ms": float(ver["p99_ms"]),
        }

    def attempt(self, what, fn, *a, **kw):
        """Runs one measurement; a failure is recorded and the suite goes on
        with the next, so one broken peer does not cost the whole run."""
        try:
            return fn(*a, **kw)
        except (SuiteError, subprocess.TimeoutExpired, OSError) as e:
            self.failures.append("%s: %s" % (what, e))
            self.log("FAILED %s: %s" % (what, e))
            return None

    def stream_peers(self, kind):
        peers = [Sluiced(kind, self.work, "sluiced_record_" + kind, self.tools, "record"),
                 Sluiced(kind, self.work, "sluiced_envelope_" + kind, self.tools, "envelope"),
                 Rsyslog(kind, self.work, "rsyslog_" + kind)]
        if kind != "relp":
            peers.append(SyslogNg(kind, self.work, "syslogng_" + kind,
                                  os.path.join(self.peers_prefix, "syslog-ng")))
        return peers

    # --- scenarios --------------------------------------------------------
    def scenario_udp(self):
        for rate in self.plan.udp_rates:
            for peer in self.stream_peers("udp"):
                self.attempt("udp %s at %s" % (peer.label, rate or "flat out"),
                             self.socket_run, "udp", peer, "udp",
                             self.plan.udp_count(rate), rate)

    def scenario_tcp(self):
        for peer in self.stream_peers("tcp"):
            self.attempt("tcp %s" % peer.label, self.socket_run, "tcp", peer, "tcp",
                         self.plan.tcp_count, 0, TCP_SENDERS)

    def scenario_relp(self):
        for peer in self.stream_peers("relp"):
            self.attempt("relp %s" % peer.label, self.socket_run, "relp", peer, "relp",
                         self.plan.relp_count, 0, RELP_SENDERS)

    def dpdk_run(self, scenario, name, conf, sets, count, sender=None, key_file=None,
                 target_rate=0, label="sluiced", profile=None, partitions=PARTITIONS):
        """sluiced on a DPDK port (CONF with SETS): either it replays a
        capture by itself (SENDER None) or SENDER (argv of sluice-blast
        memif) feeds it. The clock starts when sluiced listens (replay) or
        when the sender starts. The topic has PARTITIONS partitions."""
        broker, brokers = self.tools.broker(name, partitions=partitions)
        sl = None
        sampler = None
        try:
            argv = [self.tools.sluiced, "--config", os.path.join(SRC, "deploy", "examples", conf),
                    "--set", "kafka.brokers=" + brokers,
                    "--set", "eal.file_prefix=suite_%s_%d" % (name, os.getpid()),
                    "--set", "stats.interval=0", "--set", "http.listen="]
            for s in sets:
                argv += ["--set", s]
            sl = Proc("sluiced", argv, os.path.join(self.work, name + ".log"))
            sampler = CpuSampler([sl.pid, broker.pid], period=0.02)
            sampler.start()

            def listening():
                sl.check_alive()
                return "listening on udp" in sl.log_text()
            wait_for(listening, 60, "sluiced to listen (log: %s)" % sl.log_path, poll=0.002)
            perf = Perf(sl.pid, profile, self.work) if profile else None
            t0 = time.time()
            blast = {"sent": str(count), "rate": "0"}
            if sender is not None:
                blast = self.tools.run_blast(name, "memif", sender, 600)
            self.wait_settled(brokers, _Running(sl))
            if perf is not None:
                perf.stop()
            # A memif sender's clock starts at its first message, after its
            # own EAL start; a replay's when sluiced listens.
            ver = self.tools.verify(name, brokers, count, self.plan.verify_idle, key_file=key_file,
                                    sent_after_ms=int(t0 * 1000) if sender else None)
            if sender is not None:
                t0 = int(ver["first_sent_ms"]) / 1000.0
            sampler.stop()
            if not profile:
                self.check_retention(name, ver)
        finally:
            if sampler is not None and sampler.is_alive():
                sampler.stop()
            try:
                if sl is not None and sl.stop() != 0:
                    raise SuiteError("sluiced exited %s; log: %s" % (sl.popen.returncode,
                                                                      sl.log_path))
            finally:
                broker.stop()
        row = self.measure(scenario, label, scenario, count, blast, ver, sampler, t0,
                           int(ver["last_stored_ms"]) / 1000.0, target_rate)
        row["config"] = name
        if sender is None:
            # A capture's send times are when it was written, long before
            # the replay: no latency to speak of.
            row["p50_ms"] = row["p99_ms"] = None
        if not profile:
            self.record(row)
        return row

    def capture_dir(self):
        """Where the captures go, and whether it is a mount of ours to
        undo: in memory, since a capture read back from disk would put
        block I/O into the receive lcore's time. Best a tmpfs of our own
        with huge=always (root only): its files have a 2 MiB block size,
        so libpcap's stdio reads a capture 2 MiB at a time instead of
        4 KiB, which took a fifth of a receive lcore (a NIC costs none: it
        writes frames to memory by DMA). Else /dev/shm."""
        mnt = os.path.join(self.work, "pcap.mnt")
        os.makedirs(mnt, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=50%,huge=always,mode=0700",
                            "sluice-suite", mnt], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if r.returncode == 0:
            self.capture_store = "a tmpfs with huge=always (2 MiB reads)"
            return mnt, True
        if os.access("/dev/shm", os.W_OK):
            self.capture_store = "/dev/shm (4 KiB reads)"
            return "/dev/shm", False
        self.capture_store = "the disk"
        return self.work, False

    def scenario_pcap(self, only=None, profile=None):
        """Every replay, or with ONLY (a label) that one, profiled into
        PROFILE."""
        where, mounted = self.capture_dir()
        pcap = os.path.join(where, "suite_%d.pcap" % os.getpid())
        queues = [os.path.join(where, "suite_%d.q%d.pcap" % (os.getpid(), q)) for q in (0, 1)]
        keys = os.path.join(self.work, "keys")
        try:
            # A profile attaches to a running sluiced, after its start: a
            # longer replay keeps the part it misses small.
            count = self.plan.pcap_count * (3 if profile else 1)
            gen = ["--hosts", str(HOSTS), "--sites", str(SITES), "--dst", "198.18.0.1:514"]
            self.tools.run_blast("pcap_gen", "pcap",
                                 ["--out", pcap, "--count", str(count)] + gen, 600)
            # The same load split by host over two captures, one per
            # receive queue; half of it (see TUNED_PARTITIONS).
            count2 = count // 2
            self.tools.run_blast("pcap_gen2", "pcap",
                                 ["--out", queues[0], "--out", queues[1],
                                  "--count", str(count2)] + gen, 600)
            if os.path.exists(keys):
                os.unlink(keys)
            subprocess.run([self.tools.keygen, "--id", "1", "--file", keys], check=True,
                           stdout=subprocess.DEVNULL)
            port = "port.pcap0.devargs=net_pcap0,rx_pcap=%s,tx_pcap=/dev/null" % pcap
            # A replay reads faster than Kafka takes messages: wait, not
            # drop, so the rate is what the lcores sustain at 0 loss.
            base = [port, "dataplane.ring_full=wait"]
            env = ["routing.default_format=envelope", "envelope.buckets=%d" % ENVELOPE_BUCKETS]
            aead = env + ["envelope.encryption=auto", "envelope.key_file=" + keys]
            # Two run-to-completion lcores: one port of two queues, a
            # capture each; net_pcap has no RSS, but each capture holds
            # its own hosts (spread = device).
            two = ["port.pcap0.devargs=net_pcap0,rx_pcap=%s,rx_pcap=%s,"
                   "tx_pcap=/dev/null,tx_pcap=/dev/null" % tuple(queues),
                   "port.pcap0.spread=device", "dataplane.rx_lcores=2",
                   "dataplane.ring_full=wait"]
            # One capture, one queue: more lcores on it means the pipeline,
            # one receiver feeding workers.
            runs = [
                ("pcap_rtc_record", "sluiced record, 1 lcore",
                 base + ["routing.default_format=record"], None, count, PARTITIONS),
                ("pcap_rtc_envelope", "sluiced envelope, 1 lcore", base + env, None, count,
                 PARTITIONS),
                ("pcap_rtc_aead", "sluiced envelope+AEAD, 1 lcore", base + aead, keys, count,
                 PARTITIONS),
                ("pcap_pipe_envelope", "sluiced envelope, 1 RX + 1 worker",
                 base + ["dataplane.mode=pipeline", "dataplane.workers=1"] + env, None, count,
                 PARTITIONS),
                ("pcap_pipe2_envelope", "sluiced envelope, 1 RX + 2 workers",
                 base + ["dataplane.mode=pipeline", "dataplane.workers=2"] + env, None, count,
                 PARTITIONS),
                ("pcap_rtc2_envelope", "sluiced envelope, 2 lcores", two + env, None, count2,
                 PARTITIONS),
                ("pcap_rtc2_tuned", report.TUNED_LABEL, two + TUNED_SETS, None, count2,
                 TUNED_PARTITIONS),
            ]
            for name, label, sets, kf, n, parts in runs:
                if only is None:
                    self.attempt(label, self.dpdk_run, "pcap", name, "pcap.conf", sets,
                                 n, key_file=kf, label=label, partitions=parts)
                elif label == only:
                    self.dpdk_run("pcap", name, "pcap.conf", sets, n,
                                  key_file=kf, label=label, profile=profile, partitions=parts)
        finally:
            for f in [pcap] + queues:
                if os.path.exists(f):
                    os.unlink(f)
            if mounted and subprocess.run(["umount", where]).returncode != 0:
                self.failures.append("pcap: could not umount %s" % where)

    def scenario_memif(self):
        for rate in self.plan.memif_rates:
            sock = os.path.join(self.work, "memif_%d.sock" % rate)
            name = "memif_%d" % rate
            sender = ["--socket", sock, "--count", str(self.plan.memif_count),
                      "--hosts", str(HOSTS), "--sites", str(SITES)]
            if rate:
                sender += ["--rate", str(rate)]
            sets = ["eal.hugepages=no", "routing.default_format=envelope",
                    "envelope.buckets=%d" % ENVELOPE_BUCKETS,
                    "port.memif0.devargs=net_memif0,role=server,socket=" + sock]
            self.attempt("memif at %s" % (rate or "flat out"), self.dpdk_run, "memif", name,
                         "memif.conf", sets, self.plan.memif_count, sender=sender,
                         target_rate=rate, label="sluiced envelope")

    def scenario_afpacket(self):
        for rate in self.plan.udp_rates:
            for fmt in ("record", "envelope"):
                peer = SluicedAfPacket(self.work, "afpacket_%s" % fmt, self.tools, fmt)
                self.attempt("af_packet %s at %s" % (fmt, rate or "flat out"), self.socket_run,
                             "afpacket", peer, "udp", self.plan.udp_count(rate), rate)

    def scenario_kcat(self):
        """kcat -P from a file, KCAT_REPEATS times on a fresh broker each;
        the run with the median rate is recorded (a short run of a single
        process is noisy)."""
        count = self.plan.kcat_count
        path = os.path.join(self.work, "kcat.messages")
        self.attempt("kcat -P: the file", capture_tcp_stream, self.tools, path, count,
                     HOSTS, SITES)
        if not os.path.exists(path):
            return
        # Keyed by host, as sluiced's records are: librdkafka's sticky
        # partitioner would put unkeyed lines into few partitions, past the
        # mock broker's 5 MiB each.
        keyed = path + ".keyed"
        with open(path, "rb") as src, open(keyed, "wb") as dst:
            for line in src:
                dst.write(line.split(b" ", 3)[2] + b"\t" + line)
        path = keyed
        rows = []
        for i in range(self.plan.kcat_repeats):
            row = self.attempt("kcat -P, run %d" % (i + 1), self.kcat_run, path, count, i)
            if row is not None:
                rows.append(row)
        if rows:
            rows.sort(key=lambda r: r["rate"])
            row = rows[len(rows) // 2]
            row["runs"] = [round(r["rate"]) for r in rows]
            self.record(row)

    def scenario_worker(self):
        """bench_worker: what one worker lcore does alone (the replay
        into mbufs timed apart), without and with each AEAD, next to
        LZ4_compress_fast and the lz4 command line tool (lz4 -b1) on the
        record areas it sealed. Its whole report goes into the doc."""
        log = os.path.join(self.work, "bench_worker.log")
        argv = [os.path.join(self.build, "bench_worker"), "--corpus", self.tools.corpus,
                "--seconds", str(self.plan.worker_seconds)]
        try:
            r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as e:
            self.failures.append("worker: %s" % e)
            return
        with open(log, "w") as f:
            f.write(r.stdout)
        if r.returncode != 0:
            self.failures.append("worker: bench_worker exited %d; log: %s" % (r.returncode, log))
            return
        w = {"text": r.stdout.strip(), "command": " ".join(shlex.quote(a) for a in argv)}
        for key, pattern in (
                ("pct_lz4", r"^worker \(none\) record MB/s / lz4 -b1 MB/s: ([0-9.]+) %$"),
                ("pct_lz4_fastest",
                 r"^worker \(none\) fastest pass record MB/s / lz4 -b1 MB/s: ([0-9.]+) %$"),
                ("lz4_mbs", r"^\S+ -b1 on the same bytes: ([0-9.]+) MB/s"),
                ("aead_cost", r"^cost of aes256gcm over none: ([0-9.-]+) % of msgs/s$"),
                ("aead_cost_fastest",
                 r"^cost of aes256gcm over none, fastest passes: ([0-9.-]+) % of msgs/s$")):
            m = re.search(pattern, r.stdout, re.M)
            w[key] = float(m.group(1)) if m else None
        if w["pct_lz4"] is None:
            self.failures.append("worker: no worker/lz4 -b1 line in %s" % log)
            return
        self.worker = w
        self.log(json.dumps({k: v for k, v in w.items() if k != "text"}, sort_keys=True))

    def kcat_run(self, path, count, i):
        """One kcat -P of the file at PATH (COUNT messages, each line KEY
        TAB MESSAGE), acks=all, librdkafka's default producer settings but
        a queue large enough for the whole file; returns its row."""
        name = "kcat_%d" % i
        broker, brokers = self.tools.broker(name, partitions=PARTITIONS)
        try:
            subprocess.run(["kcat", "-P", "-b", brokers, "-t", "logs", "-X", "acks=all"],
                           input=b"<13>Jan  1 00:00:00 probe sl seq=1 t=1\n", check=True,
                           timeout=60)
            bsampler = CpuSampler([broker.pid])
            bsampler.start()
            t0 = time.time()
            rc, wall, cpu = run_timed(["kcat", "-P", "-b", brokers, "-t", "logs", "-K", "\t",
                                       "-X", "acks=all",
                                       "-X", "queue.buffering.max.messages=2000000",
                                       "-l", path], os.path.join(self.work, name + ".log"), 600)
            if rc != 0:
                raise SuiteError("kcat -P exited %d" % rc)
            # The probe's send time (t=1 ns) leaves it out of the count.
            ver = self.tools.verify(name, brokers, count, self.plan.verify_idle,
                                    sent_after_ms=1)
            bsampler.stop()
            self.check_retention(name, ver)
        finally:
            broker.stop()
        distinct = int(ver["distinct"])
        bcpu = bsampler.at(t0 + wall)[0] - bsampler.samples[0][1][0]
        return {"scenario": "kcat", "peer": "kcat -P", "input": "file",
                "target_rate": 0, "offered": 0.0, "sent": count, "delivered": distinct,
                "lost": count - distinct,
                "loss_pct": 100.0 * (count - distinct) / count,
                "duplicated": int(ver["duplicated"]), "seconds": wall,
                "rate": distinct / wall, "cpu_s": cpu,
                "cpu_s_per_m": cpu * 1e6 / distinct if distinct else None,
                "broker_cpu_s_per_m": bcpu * 1e6 / distinct if distinct else None,
                "p50_ms": None, "p99_ms": None}

    def profile_missed(self):
        """Runs sluiced again, under perf, in each run behind a missed
        target; returns what report.profiles_text() shows."""
        out = []
        for (scenario, label, rate), whats in report.missed_runs(self.rows):
            path = os.path.join(self.work, "perf_%s_%s_%s.data"
                                % (scenario, label.replace(" ", "_").replace(",", ""), rate))
            entry = {"run": "%s, %s%s" % (scenario, label,
                                          ", " + report.rate_label(rate) if scenario == "udp"
                                          else ""),
                     "targets": whats, "how": "perf record -F 999 -g, all threads"}
            try:
                if scenario == "pcap":
                    self.scenario_pcap(only=label, profile=path)
                else:
                    fmt = label.split()[-1]
                    peer = Sluiced(scenario, self.work, "profile_%s_%s" % (scenario, fmt),
                                   self.tools, fmt)
                    extra = RELP_SENDERS if scenario == "relp" else []
                    count = (self.plan.udp_count(rate) if scenario == "udp"
                             else self.plan.relp_count)
                    self.socket_run(scenario, peer, scenario, count, rate, extra, profile=path)
                entry.update(perf_top(path))
            except (SuiteError, subprocess.SubprocessError, OSError) as e:
                entry["error"] = str(e)
            self.log("profile %s: %s" % (entry["run"], entry.get("error", "done")))
            out.append(entry)
        return out


class Perf:
    """perf record of a process and all its threads, from now until
    stop()."""

    def __init__(self, pid, path, work):
        self.proc = Proc("perf", ["perf", "record", "-F", "999", "-g", "-p", str(pid),
                                  "-o", path], os.path.join(work, "perf.log"))
        # perf needs a moment to attach to every thread.
        time.sleep(0.5)

    def stop(self):
        if self.proc.alive():
            os.killpg(self.proc.pid, signal.SIGINT)
        self.proc.stop()


def perf_top(path, limit=20):
    """The symbols with the most samples in a perf.data, and the share of
    each thread: {"top": [[pct, thread, object, symbol]...], "threads":
    [[thread, pct]...]}."""
    def report_(sort):
        r = subprocess.run(["perf", "report", "-i", path, "--stdio", "--no-children",
                            "-g", "none", "--percent-limit", "0.5", "--sort", sort],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=300)
        if r.returncode != 0:
            raise SuiteError("perf report: %s" % r.stderr.strip()[-300:])
        return [ln for ln in r.stdout.splitlines() if ln.strip() and not ln.startswith("#")]
    top = []
    for ln in report_("comm,dso,sym"):
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+(\S+)\s+\[.\]\s+(.*\S)", ln)
        if m and len(top) < limit:
            top.append([m.group(1), m.group(2), m.group(3), m.group(4).replace("|", "\\|")])
    threads = []
    for ln in report_("comm"):
        m = re.match(r"\s*([\d.]+)%\s+(.*\S)", ln)
        if m:
            threads.append([m.group(2), m.group(1)])
    if not top:
        raise SuiteError("perf recorded no samples (%s)" % path)
    return {"top": top, "threads": threads}


class _Running:
    """What wait_settled needs of a peer, for a bare Proc."""

    def __init__(self, proc):
        self.proc = proc
        self.label = proc.name


def machine_record(argv, quick):
    """What the numbers were measured on, and how to measure them again."""
    def cmd(*a):
        try:
            return subprocess.run(a, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    pkgs = {}
    for p in ("rsyslog", "rsyslog-kafka", "rsyslog-relp", "librdkafka1", "kcat",
              "libdpdk-dev", "liblz4-1", "libssl3", "gnuplot-nox"):
        v = cmd("dpkg-query", "-W", "-f", "${Version}", p)
        if v:
            pkgs[p] = v
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1048576, 1),
        "kernel": platform.release(), "os": cmd("sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"),
        "packages": pkgs,
        "commit": cmd("git", "-C", SRC, "rev-parse", "--short", "HEAD"),
        "dirty": bool(cmd("git", "-C", SRC, "status", "--porcelain", "--untracked-files=no")),
        "loadavg": open("/proc/loadavg").read().split()[:3],
        "command": "tests/perf/bench_suite.py " + " ".join(shlex.quote(a) for a in argv),
        "quick": quick,
    }


def busy_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", help="meson build directory")
    ap.add_argument("--quick", action="store_true", help="small counts: shows the rig works")
    ap.add_argument("--only", default=",".join(SCENARIOS),
                    help="comma-separated scenarios (%s)" % ", ".join(SCENARIOS))
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    ap.add_argument("--no-profile", dest="profile", action="store_false",
                    help="do not profile sluiced where a target is missed")
    ap.add_argument("--out", help="where results, plots and logs go")
    ap.add_argument("--peers-prefix", help="where install.sh unpacked syslog-ng")
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    for s in only:
        if s not in SCENARIOS:
            ap.error("unknown scenario %s" % s)
    suite = Suite(args)
    setup = subprocess.run(["bash", os.path.join(SRC, "tests", "perf", "peers", "install.sh"),
                            suite.peers_prefix], stdout=subprocess.PIPE, text=True)
    if setup.returncode != 0:
        sys.exit("bench_suite: tests/perf/peers/install.sh failed")
    rmem = open("/proc/sys/net/core/rmem_max").read().strip()
    if int(rmem) < RCVBUF:
        with open("/proc/sys/net/core/rmem_max", "w") as f:
            f.write(str(RCVBUF))
    machine = machine_record(sys.argv[1:], args.quick)
    machine["syslog_ng"] = setup.stdout.strip().splitlines()[-1] if setup.stdout.strip() else ""
    machine["rmem_max"] = max(int(rmem), RCVBUF)
    b0 = busy_jiffies()
    t0 = time.time()
    for s in only:
        suite.log("scenario %s" % s)
        getattr(suite, "scenario_" + s)()
    profiles = suite.profile_missed() if args.profile else []
    b1 = busy_jiffies()
    machine["minutes"] = round((time.time() - t0) / 60, 1)
    machine["captures"] = suite.capture_store
    machine["busy_pct"] = round(100.0 * (b1[0] - b0[0]) / max(1, b1[1] - b0[1]))
    results = {"machine": machine, "rows": suite.rows, "failures": suite.failures,
               "profiles": profiles, "worker": suite.worker}
    with open(os.path.join(suite.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    report.write(results, suite.out, None if args.no_doc else os.path.join(SRC, "docs"))
    suite.log("%d measurements, %d failed; results in %s"
              % (len(suite.rows), len(suite.failures), suite.out))
    sys.exit(1 if suite.failures else 0)


if __name__ == "__main__":
    main()
