"""Process plumbing of the benchmark suite: starting and stopping the
programs under test, their CPU time, the embedded broker, the senders and
the verifier. Nothing here knows a scenario; bench_suite.py composes them.

Every wait is bounded: a stuck program fails the run with its log named,
it never hangs the suite."""

import os
import re
import signal
import socket
import subprocess
import threading
import time

HZ = os.sysconf("SC_CLK_TCK")


class SuiteError(Exception):
    """A run that could not be measured (a program did not start, a probe
    never arrived); the message says which and where its log is."""


def wait_for(pred, timeout, what, poll=0.02):
    """Calls pred() every poll seconds until it returns a true value, which
    is returned; raises SuiteError naming what after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise SuiteError("timed out after %gs waiting for %s" % (timeout, what))
        time.sleep(poll)


def free_port(kind=socket.SOCK_STREAM):
    """A port on 127.0.0.1 free for both TCP and UDP at the time of the call."""
    while True:
        s = socket.socket(socket.AF_INET, kind)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        other = socket.socket(socket.AF_INET,
                              socket.SOCK_DGRAM if kind == socket.SOCK_STREAM
                              else socket.SOCK_STREAM)
        try:
            other.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            other.close()
            s.close()


def cpu_seconds(pid):
    """utime + stime of the process, all its threads, in seconds; None once
    it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return None
    # The command name may hold spaces: fields count from after its ')'.
    fields = st[st.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def udp_socket_drops(port):
    """Datagrams the kernel dropped for lack of receive buffer on the UDP
    sockets bound to 127.0.0.1:port (/proc/net/udp, last column): the same
    count for every peer, whatever it reports itself."""
    want = "0100007F:%04X" % port
    drops = 0
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            cols = line.split()
            if cols[1] == want:
                drops += int(cols[-1])
    return drops


def summary_fields(line):
    """The key=value pairs of a summary line (sluice-blast, sluice-cat
    --verify) as a dict of strings."""
    return dict(re.findall(r"(\w+)=(\S+)", line))


class Proc:
    """A program of the run, started in its own process group with its
    output in a log file. stop() ends it with SIGTERM (SIGKILL after
    timeout) and is safe to call twice."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.popen = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=env,
                                      start_new_session=True)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def check_alive(self):
        if not self.alive():
            raise SuiteError("%s exited with status %s; log: %s"
                             % (self.name, self.popen.returncode, self.log_path))

    def stop(self, timeout=30):
        if self.alive():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait()
        self.log.close()
        return self.popen.returncode


class CpuSampler(threading.Thread):
    """Samples the CPU seconds of some processes every period seconds, so
    the CPU spent up to a moment found afterwards (the last record in Kafka)
    can be read back: at(t) is the first sample taken at or after t."""

    def __init__(self, pids, period=0.05):
        super().__init__(daemon=True)
        self.pids = pids
        self.period = period
        self.samples = []
        self.halt = threading.Event()

    def take(self):
        self.samples.append((time.time(), [cpu_seconds(p) for p in self.pids]))

    def run(self):
        while not self.halt.is_set():
            self.take()
            self.halt.wait(self.period)

    def stop(self):
        self.halt.set()
        self.join()
        self.take()

    def at(self, t):
        for ts, cpus in self.samples:
            if ts >= t:
                return cpus
        return self.samples[-1][1]


class Tools:
    """Where the binaries of the build are, and the calls into them the
    scenarios share."""

    def __init__(self, build, corpus, work):
        self.build = build
        self.corpus = corpus
        self.work = work
        self.blast = os.path.join(build, "tools", "sluice-blast")
        self.cat = os.path.join(build, "tools", "sluice-cat")
        self.devbroker = os.path.join(build, "tools", "sluice-devbroker")
        self.keygen = os.path.join(build, "tools", "sluice-keygen")
        self.sluiced = os.path.join(build, "sluiced")
        for f in (self.blast, self.cat, self.devbroker, self.keygen, self.sluiced):
            if not os.access(f, os.X_OK):
                raise SuiteError("%s missing: build first" % f)

    def broker(self, name, topic="logs", partitions=64):
        """A fresh embedded broker with TOPIC pre-created; returns (Proc,
        bootstrap address)."""
        boot = os.path.join(self.work, name + ".bootstrap")
        if os.path.exists(boot):
            os.unlink(boot)
        p = Proc(name + "-broker", [self.devbroker, "--topic", "%s:%d" % (topic, partitions),
                                    "--bootstrap-file", boot],
                 os.path.join(self.work, name + ".devbroker.log"))

        def ready():
            p.check_alive()
            return os.path.exists(boot) and os.path.getsize(boot) > 0
        wait_for(ready, 30, "the embedded broker (%s)" % p.log_path)
        with open(boot) as f:
            return p, f.read().strip()

    def blast_cmd(self, mode, args, wrap=()):
        return list(wrap) + [self.blast, mode, "--corpus", self.corpus] + list(args)

    def run_blast(self, name, mode, args, timeout, wrap=()):
        """Runs sluice-blast (behind WRAP, e.g. ip netns exec NS) to the
        end; returns its summary line as a dict. Raises SuiteError when it
        fails or outlives timeout."""
        log = os.path.join(self.work, name + ".blast.log")
        with open(log, "wb") as err:
            p = subprocess.Popen(self.blast_cmd(mode, args, wrap), stdout=subprocess.PIPE,
                                 stderr=err, stdin=subprocess.DEVNULL)
            try:
                out, _ = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.communicate()
                raise SuiteError("sluice-blast %s ran longer than %ds; log: %s"
                                 % (mode, timeout, log))
        lines = out.decode().strip().splitlines()
        if p.returncode != 0 or not lines:
            raise SuiteError("sluice-blast %s exited %s; log: %s" % (mode, p.returncode, log))
        return summary_fields(lines[-1])

    def probe(self, brokers, topic="logs", timeout=60):
        """Waits until at least one record is in TOPIC: the peer's producer
        is connected and knows the topic's metadata."""
        r = subprocess.run([self.cat, "--brokers", brokers, "--topic", topic,
                            "--from-beginning", "--count", "1", "--timeout", str(timeout),
                            "--no-decode"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout + 30)
        if r.returncode != 0:
            raise SuiteError("the probe message never reached Kafka: %s"
                             % r.stderr.decode().strip())

    def verify_start(self, name, brokers, expect_total, idle, key_file=None, topic="logs",
                     sent_after_ms=None, live=False):
        """Starts sluice-cat --verify over the whole topic, leaving out what
        was sent before SENT_AFTER_MS (the probe). LIVE: it reads along
        while the load runs, so its last_read_ms is when the last message
        became readable. It exits after IDLE seconds without a message.
        Returns the handle verify_finish() takes."""
        argv = [self.cat, "--verify", "--brokers", brokers, "--topic", topic,
                "--expect-total", str(expect_total), "--timeout", str(idle)]
        if sent_after_ms:
            argv += ["--sent-after", str(sent_after_ms)]
        if live:
            # The mock broker holds a fetch without data for its whole wait
            # and does not wake it for new data: short waits keep the read
            # close to the moment the record became readable.
            argv += ["-X", "fetch.wait.max.ms=5", "-X", "fetch.error.backoff.ms=5"]
        if key_file:
            argv += ["--key-file", key_file]
        out_path = os.path.join(self.work, name + ".verify.txt")
        out = open(out_path, "wb")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        out.close()
        return p, out_path

    def verify_finish(self, handle, timeout=900):
        """Waits for the verifier of verify_start(); returns its summary
        dict (received, distinct, lost, p50_ms, first_sent_ms,
        last_stored_ms, last_read_ms...)."""
        p, out_path = handle
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise SuiteError("sluice-cat --verify still reading after %ds: %s"
                             % (timeout, out_path))
        if rc not in (0, 1):
            raise SuiteError("sluice-cat --verify exited %d; output: %s" % (rc, out_path))
        with open(out_path) as f:
            last = [ln for ln in f if ln.startswith("sluice-cat: verify ")]
        if not last:
            raise SuiteError("sluice-cat --verify printed no summary: %s" % out_path)
        return summary_fields(last[-1])

    def verify(self, name, brokers, expect_total, idle, **kw):
        """verify_start() and verify_finish() in one, for a topic that no
        longer grows."""
        return self.verify_finish(self.verify_start(name, brokers, expect_total, idle, **kw))


def run_timed(argv, log_path, timeout):
    """Runs argv to the end; returns (exit status, wall seconds, CPU
    seconds of the child from its rusage)."""
    with open(log_path, "wb") as log:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid == p.pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                _, status, ru = os.wait4(p.pid, 0)
                raise SuiteError("%s ran longer than %ds; log: %s" % (argv[0], timeout, log_path))
            time.sleep(0.005)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, wall, ru.ru_utime + ru.ru_stime


def capture_tcp_stream(tools, path, count, hosts, sites):
    """Writes COUNT messages of sluice-blast, one per line, into PATH: the
    same generator as every other run, taken from its TCP mode (LF
    framing) by a listener here, for the peers that read a file."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(60)
    port = srv.getsockname()[1]
    failure = []

    def take():
        try:
            conn, _ = srv.accept()
            conn.settimeout(60)
            with conn, open(path, "wb") as out:
                while True:
                    chunk = conn.recv(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
        except OSError as e:
            failure.append(e)
    t = threading.Thread(target=take)
    t.start()
    try:
        tools.run_blast("capture", "tcp", ["--target", "127.0.0.1:%d" % port,
                                           "--count", str(count), "--hosts", str(hosts),
                                           "--sites", str(sites)], 600)
    finally:
        t.join()
        srv.close()
    if failure:
        raise SuiteError("taking sluice-blast's stream into %s: %s" % (path, failure[0]))
    with open(path, "rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    if lines != count:
        raise SuiteError("%s holds %d messages, not %d" % (path, lines, count))
