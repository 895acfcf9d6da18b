"""The programs the suite puts side by side: sluiced on its kernel-socket
inputs, rsyslog and syslog-ng, each taking syslog from sluice-blast on
127.0.0.1 and producing every message into the embedded broker with
acks=all. A peer knows how to start, when it listens, which process to
charge CPU to, and how to stop; the scenario does the rest the same way
for all of them.

The peers' configurations are tests/perf/peers/*.conf.in, each tuning
setting explained there."""

import os
import socket
import string
import subprocess

from harness import Proc, SuiteError, free_port, wait_for

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
PEER_CONFS = os.path.join(SRC, "tests", "perf", "peers")


def _bound(port, proto):
    """Whether something on 127.0.0.1 has port bound: a UDP socket, or a
    TCP socket in LISTEN (state 0A) for tcp."""
    want = "0100007F:%04X" % port
    with open("/proc/net/" + proto) as f:
        next(f)
        for line in f:
            cols = line.split()
            if cols[1] == want and (proto == "udp" or cols[3] == "0A"):
                return True
    return False


class Peer:
    """One program under test. kind is the input (udp, tcp, relp); label
    names it in tables and plots. stamps_produce_time: its records carry
    the time they were produced, so record time stamps give latency.
    Subclasses set argv and env in start()."""

    label = None
    stamps_produce_time = True
    # Where the sender sends, and what it runs behind (a network
    # namespace for the DPDK peer).
    target_host = "127.0.0.1"
    blast_wrap = ()
    # The kernel counts a UDP socket's drops; a DPDK port has no socket.
    has_socket = True

    def __init__(self, kind, work, name):
        self.kind = kind
        self.work = work
        self.name = name
        self.proc = None
        self.port = None

    @property
    def pid(self):
        return self.proc.pid

    def listening(self):
        self.proc.check_alive()
        return _bound(self.port, "udp" if self.kind == "udp" else "tcp")

    def start(self, brokers, port, rcvbuf, threads):
        raise NotImplementedError

    def wait_listening(self):
        wait_for(self.listening, 60, "%s to listen on port %d (log: %s)"
                 % (self.label, self.port, self.proc.log_path))

    def stop(self):
        if self.proc is not None:
            self.proc.stop()

    def render(self, template, **values):
        """Writes tests/perf/peers/TEMPLATE with VALUES filled in into the
        work directory; returns its path."""
        with open(os.path.join(PEER_CONFS, template)) as f:
            text = string.Template(f.read()).substitute(values)
        path = os.path.join(self.work, "%s.%s" % (self.name, template[:-3]))
        with open(path, "w") as f:
            f.write(text)
        return path


class Sluiced(Peer):
    """sluiced with deploy/examples/loopback.conf: the kernel-socket UDP
    driver, the TCP and RELP stream lcores, records or envelopes."""

    def __init__(self, kind, work, name, tools, fmt, extra_sets=()):
        super().__init__(kind, work, name)
        self.tools = tools
        self.fmt = fmt
        self.extra_sets = list(extra_sets)
        self.label = "sluiced %s" % fmt

    def start(self, brokers, port, rcvbuf, threads):
        self.port = port
        spare = free_port(socket.SOCK_DGRAM)
        sets = {
            "kafka.brokers": brokers,
            "eal.file_prefix": "suite_%s_%d" % (self.name, os.getpid()),
            "stats.interval": "0",
            "http.listen": "",
            "input.udp.rcvbuf": str(rcvbuf),
            "routing.default_format": self.fmt,
        }
        if self.fmt == "envelope":
            sets["envelope.buckets"] = "64"
        if self.kind == "relp":
            # The sender's window (docs/configuration.md, [input.relp]
            # window: raise it for busy senders); librelp's imrelp has no
            # window of its own, so rsyslog reads whatever comes.
            sets["input.relp.window"] = "1024"
        # The UDP input cannot be turned off: when it is not the one
        # measured it listens where nobody sends. TCP and RELP are off
        # unless measured.
        for inp in ("udp", "tcp", "relp"):
            if inp == self.kind:
                sets["input.%s.listen" % inp] = "127.0.0.1:%d" % port
            elif inp == "udp":
                sets["input.udp.listen"] = "127.0.0.1:%d" % spare
            else:
                sets["input.%s.listen" % inp] = ""
        argv = [self.tools.sluiced, "--config",
                os.path.join(SRC, "deploy", "examples", "loopback.conf")]
        for k, v in sets.items():
            argv += ["--set", "%s=%s" % (k, v)]
        for s in self.extra_sets:
            argv += ["--set", s]
        self.proc = Proc(self.label, argv, os.path.join(self.work, self.name + ".log"))
        self.wait_listening()

    def stop(self):
        if self.proc is not None:
            rc = self.proc.stop()
            if rc != 0:
                raise SuiteError("sluiced exited %s; log: %s" % (rc, self.proc.log_path))


class SluicedAfPacket(Peer):
    """sluiced on DPDK's net_af_packet over one end of a veth pair; the
    other end is in a network namespace made here, where sluice-blast
    sends through the kernel's stack (deploy/examples/af_packet.conf).
    The port counts what its ring could not take (nic_imissed)."""

    has_socket = False

    def __init__(self, work, name, tools, fmt):
        super().__init__("udp", work, name)
        self.tools = tools
        self.fmt = fmt
        self.label = "sluiced %s, af_packet" % fmt
        tag = "%d" % (os.getpid() % 100000)
        self.ns = "sl-bench-" + tag
        self.host_if = "slbh" + tag
        self.peer_if = "slbn" + tag
        self.target_host = "198.18.0.1"
        self.blast_wrap = ("ip", "netns", "exec", self.ns)
        self.made = []

    def sh(self, *argv):
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise SuiteError("%s: %s" % (" ".join(argv), r.stdout.strip()))

    def start(self, brokers, port, rcvbuf, threads):
        self.port = 514
        self.sh("ip", "netns", "add", self.ns)
        self.made.append(("ip", "netns", "del", self.ns))
        self.sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name",
                self.peer_if, "netns", self.ns)
        self.made.append(("ip", "link", "del", self.host_if))
        # No IPv6 chatter on the wire; no checksum offload on the sender,
        # since af_packet hands DPDK the frame before the kernel filled it
        # in (as test_af_packet does).
        self.sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % self.host_if)
        self.sh("ip", "netns", "exec", self.ns, "sysctl", "-qw",
                "net.ipv6.conf.all.disable_ipv6=1")
        self.sh("ip", "link", "set", self.host_if, "up")
        self.sh("ip", "-n", self.ns, "link", "set", "lo", "up")
        self.sh("ip", "-n", self.ns, "addr", "add", "198.18.0.2/24", "dev", self.peer_if)
        self.sh("ip", "-n", self.ns, "link", "set", self.peer_if, "up")
        subprocess.run(["ip", "netns", "exec", self.ns, "ethtool", "-K", self.peer_if,
                        "tx", "off", "gso", "off", "tso", "off"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # The socket buffer of the others is the ring here: as many
        # frames as 32 MiB holds.
        frames = rcvbuf // 8192
        argv = [self.tools.sluiced, "--config",
                os.path.join(SRC, "deploy", "examples", "af_packet.conf"),
                "--set", "kafka.brokers=" + brokers,
                "--set", "eal.file_prefix=suite_%s_%d" % (self.name, os.getpid()),
                "--set", "stats.interval=0", "--set", "http.listen=",
                "--set", "port.veth.devargs=net_af_packet0,iface=%s,framesz=8192,"
                "blocksz=8192,framecnt=%d" % (self.host_if, frames),
                "--set", "dataplane.mbufs=%d" % (2 * frames + 4095),
                "--set", "routing.default_format=" + self.fmt]
        if self.fmt == "envelope":
            argv += ["--set", "envelope.buckets=64"]
        self.proc = Proc(self.label, argv, os.path.join(self.work, self.name + ".log"))

        def ready():
            self.proc.check_alive()
            return "listening on udp" in self.proc.log_text()
        wait_for(ready, 60, "%s to listen (log: %s)" % (self.label, self.proc.log_path))

    def stop(self):
        try:
            if self.proc is not None:
                rc = self.proc.stop()
                if rc != 0:
                    raise SuiteError("sluiced exited %s; log: %s" % (rc, self.proc.log_path))
        finally:
            for argv in reversed(self.made):
                subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.made = []


class Rsyslog(Peer):
    """A private rsyslogd (no system configuration, spool or /dev/log) with
    imudp, imptcp or imrelp into omkafka."""

    label = "rsyslog"
    # omkafka stamps a record with the syslog header's time, in whole
    # seconds, and has no setting to change that.
    stamps_produce_time = False

    def start(self, brokers, port, rcvbuf, threads):
        self.port = port
        wd = os.path.join(self.work, self.name + ".d")
        os.makedirs(wd, exist_ok=True)
        conf = self.render("rsyslog-%s.conf.in" % self.kind, PORT=port, BROKERS=brokers,
                           TOPIC="logs", WORKDIR=wd, RCVBUF=rcvbuf, THREADS=threads,
                           MODDIR="")
        self.proc = Proc(self.label, ["rsyslogd", "-n", "-f", conf,
                                      "-i", os.path.join(wd, "rsyslogd.pid")],
                         os.path.join(self.work, self.name + ".log"))
        self.wait_listening()


class SyslogNg(Peer):
    """syslog-ng from Debian's packages unpacked into a private prefix
    (tests/perf/peers/install.sh), since syslog-ng-core and rsyslog
    conflict as installed packages: network() into kafka-c()."""

    label = "syslog-ng"

    def __init__(self, kind, work, name, prefix):
        super().__init__(kind, work, name)
        self.prefix = prefix

    def start(self, brokers, port, rcvbuf, threads):
        self.port = port
        wd = os.path.join(self.work, self.name + ".d")
        os.makedirs(wd, exist_ok=True)
        moddir = os.path.join(self.prefix, "usr", "lib", "syslog-ng", "3.38")
        conf = self.render("syslog-ng-%s.conf.in" % self.kind, PORT=port, BROKERS=brokers,
                           TOPIC="logs", WORKDIR=wd, RCVBUF=rcvbuf, THREADS=threads,
                           MODDIR=moddir)
        env = dict(os.environ)
        libdirs = [os.path.join(self.prefix, "usr", "lib", "x86_64-linux-gnu"),
                   os.path.join(self.prefix, "usr", "lib", "syslog-ng")]
        env["LD_LIBRARY_PATH"] = ":".join(libdirs)
        argv = [os.path.join(self.prefix, "usr", "sbin", "syslog-ng"), "-F", "-f", conf,
                "--module-path", moddir,
                "--persist-file", os.path.join(wd, "syslog-ng.persist"),
                "--pidfile", os.path.join(wd, "syslog-ng.pid"),
                "--control", os.path.join(wd, "syslog-ng.ctl"),
                "--no-caps"]
        self.proc = Proc(self.label, argv, os.path.join(self.work, self.name + ".log"), env=env)
        self.wait_listening()
