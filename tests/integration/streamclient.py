#!/usr/bin/python3
"""streamclient.py: misbehaving clients for sluiced's stream listeners
(syslog over TCP, RFC 6587, and RELP), for the integration tests.

Each subcommand opens connections to --host:--port, optionally from the
local address --source (e.g. 127.0.0.9, so sluiced sees another host),
does one thing wrong or one thing many times, prints what happened and
stops within --seconds:

  garbage  sends bytes that no framing accepts, one connection per kind;
           exit 0 when the server closed every one, 1 when not.
  stall    sends part of a frame (or nothing) and goes quiet; exit 0 when
           the server closed the connection, 1 when it was still open.
  flood    opens up to --connections connections at once (non-blocking
           connects) and holds them for --seconds, or until the server
           closed them all; prints
           "flood: opened=A closed_by_server=B failed=C", where opened
           counts the connects that completed (the server's kernel took
           them, whether or not sluiced accepted them yet), closed_by_server
           those of them the server ended (EOF or reset), failed the
           connects refused, unreachable or still pending at the end;
           exit 0.
  relp     a minimal RELP client sending --count numbered messages with
           up to --window unacknowledged; prints
           "relp: sent=N acked=A nacked=X" and the ack latency; exit 1 when
           the session breaks (no open, a lost answer, a serverclose, the
           time bound).

Exit status 2 is for bad arguments. Only the Python standard library is
used, so /usr/bin/python3 runs it anywhere the tests run.
"""

import argparse
import errno
import math
import os
import random
import resource
import selectors
import socket
import sys
import time

# Linux's IP_BIND_ADDRESS_NO_PORT (linux/in.h): bind() to an address
# leaves the port to connect(), so thousands of connections from one
# --source share ephemeral ports across destinations instead of each
# reserving one at bind() time.
IP_BIND_ADDRESS_NO_PORT = 24

# What garbage sends, one connection each. A digit first means octet
# counting to an RFC 6587 receiver, '<' means newline framing: each kind
# breaks one of the two, or starts with neither.
GARBAGE_KINDS = {
    "huge-count": b"99999999999 x",
    "zero-count": b"0abc",
    "letters-count": b"abc <13>not a count\n",
    "negative-count": b"-5 <13>x\n",
}

# Largest RELP frame accepted from the server (header and data); RELP
# answers are short, anything beyond is a broken peer.
RELP_MAX_FRAME = 128 * 1024
# RELP transaction numbers run 1..999999999 and then start again at 1.
RELP_TXNR_MAX = 999999999
RELP_OFFERS = b"relp_version=0\nrelp_software=streamclient\ncommands=syslog"


def log(mode, text):
    print(f"{mode}: {text}", flush=True)


def connect(args, timeout):
    """Opens one blocking TCP connection to --host:--port from --source."""
    source = (args.source, 0) if args.source else None
    return socket.create_connection((args.host, args.port), timeout=timeout,
                                    source_address=source)


def wait_closed(sock, deadline):
    """Reads and discards until the server closes the connection or the
    deadline passes. Returns (how, bytes_read): how is "EOF", "reset" or
    None while still open."""
    got = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, got
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return None, got
        except ConnectionResetError:
            return "reset", got
        if not data:
            return "EOF", got
        got += len(data)


def send_until_closed(sock, payload):
    """Sends payload; returns "reset" if the server already closed the
    connection on us, None once it is all out."""
    try:
        sock.sendall(payload)
    except (BrokenPipeError, ConnectionResetError):
        return "reset"
    return None


def random_garbage(rng, size):
    """size random bytes whose first one is neither a digit nor '<', so
    that no syslog framing can take them for the start of a frame."""
    first = rng.choice([c for c in range(256)
                        if not (0x30 <= c <= 0x39 or c == 0x3C)])
    return bytes([first]) + bytes(rng.getrandbits(8) for _ in range(size - 1))


def mode_garbage(args):
    kinds = dict(GARBAGE_KINDS)
    kinds["random"] = random_garbage(random.Random(args.seed), args.bytes)
    if args.kind != "all":
        kinds = {args.kind: kinds[args.kind]}

    closed = still_open = 0
    for name, payload in kinds.items():
        start = time.monotonic()
        try:
            sock = connect(args, args.seconds)
        except OSError as e:
            log("garbage", f"{name}: cannot connect: {e}")
            return 1
        with sock:
            how = send_until_closed(sock, payload)
            got = 0
            if how is None:
                how, got = wait_closed(sock, start + args.seconds)
        elapsed = time.monotonic() - start
        if how is None:
            still_open += 1
            log("garbage", f"{name}: sent {len(payload)} bytes, connection "
                f"still open after {elapsed:.3f} s")
        else:
            closed += 1
            log("garbage", f"{name}: sent {len(payload)} bytes, server "
                f"closed ({how}) after {elapsed:.3f} s, {got} bytes "
                "received")
    log("garbage", f"closed={closed} open={still_open}")
    return 0 if still_open == 0 else 1


def mode_stall(args):
    payload = b"" if args.nothing else args.frame.encode()
    start = time.monotonic()
    try:
        sock = connect(args, args.seconds)
    except OSError as e:
        log("stall", f"cannot connect: {e}")
        return 1
    with sock:
        how = send_until_closed(sock, payload)
        log("stall", f"sent {len(payload)} bytes: {payload!r}")
        got = 0
        if how is None:
            how, got = wait_closed(sock, start + args.seconds)
    elapsed = time.monotonic() - start
    if how is None:
        log("stall", f"open_after={elapsed:.3f}")
        return 1
    log("stall", f"closed_after={elapsed:.3f} how={how} received={got}")
    return 0


def raise_nofile(wanted):
    """Raises RLIMIT_NOFILE towards wanted descriptors, the hard limit too
    where that is allowed (root). Returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (wanted, max(hard, wanted)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def flood_socket(args, dest):
    """A non-blocking socket whose connect() to dest has been started."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        if args.source:
            sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            sock.bind((args.source, 0))
        err = sock.connect_ex(dest)
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, os.strerror(err))
    except OSError:
        sock.close()
        raise
    return sock


def mode_flood(args):
    # Room for the interpreter's own descriptors and the selector.
    limit = raise_nofile(args.connections + 64)
    wanted = min(args.connections, max(limit - 64, 0))
    if wanted < args.connections:
        log("flood", f"descriptor limit {limit}: opening {wanted} of "
            f"{args.connections}")
    dest = (socket.gethostbyname(args.host), args.port)

    sel = selectors.DefaultSelector()
    opened = closed = failed = 0
    errors = {}
    for _ in range(wanted):
        try:
            sock = flood_socket(args, dest)
        except OSError as e:
            failed += 1
            errors[e.strerror] = errors.get(e.strerror, 0) + 1
            continue
        sel.register(sock, selectors.EVENT_WRITE, "connecting")

    # The hold starts once every connect is on its way; connects still
    # pending at its end count as failed.
    deadline = time.monotonic() + args.seconds
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for key, _ in sel.select(timeout=min(left, 1.0)):
            sock = key.fileobj
            if key.data == "connecting":
                err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err != 0:
                    failed += 1
                    reason = os.strerror(err)
                    errors[reason] = errors.get(reason, 0) + 1
                    sel.unregister(sock)
                    sock.close()
                    continue
                opened += 1
                sel.modify(sock, selectors.EVENT_READ, "open")
                continue
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            except BlockingIOError:
                continue
            if not data:
                closed += 1
                sel.unregister(sock)
                sock.close()

    pending = 0
    for key in list(sel.get_map().values()):
        if key.data == "connecting":
            pending += 1
        key.fileobj.close()
    sel.close()
    if pending:
        failed += pending
        errors["still connecting at the end"] = pending
    for reason, count in sorted(errors.items()):
        log("flood", f"{count} failed: {reason}")
    log("flood", f"opened={opened} closed_by_server={closed} failed={failed}")
    return 0


class RelpBroken(Exception):
    """The RELP session cannot go on; the message says why."""


class RelpReader:
    """Splits what the server sends into RELP frames:
    TXNR SP COMMAND SP DATALEN [SP DATA] LF."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise RelpBroken("time bound reached")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise RelpBroken("time bound reached") from None
        except ConnectionResetError:
            raise RelpBroken("connection reset by the server") from None
        if not data:
            raise RelpBroken("server closed the connection")
        self.buf += data

    def frame(self, deadline):
        """Returns the next frame as (txnr, command, data)."""
        while True:
            parsed = self._parse()
            if parsed is not None:
                return parsed
            if len(self.buf) > RELP_MAX_FRAME:
                raise RelpBroken("server frame too long")
            self._fill(deadline)

    def _parse(self):
        # The header is three space-separated words; DATALEN ends with a
        # space when data follows and with LF when there is none.
        parts = self.buf.split(b" ", 2)
        if len(parts) < 3:
            return None
        txnr, command, rest = parts
        digits = 0
        while digits < len(rest) and rest[digits:digits + 1].isdigit():
            digits += 1
        if digits == len(rest):
            return None
        if not (txnr.isdigit() and command.isalpha() and digits > 0):
            raise RelpBroken(f"bad frame header {self.buf[:40]!r}")
        datalen = int(rest[:digits])
        if datalen > RELP_MAX_FRAME:
            raise RelpBroken(f"server announced {datalen} data bytes")
        body = rest[digits:]
        if datalen == 0:
            need, data = 1, b""
        else:
            if body[:1] != b" ":
                raise RelpBroken(f"bad frame header {self.buf[:40]!r}")
            need = 1 + datalen + 1
            data = body[1:1 + datalen]
        if len(body) < need:
            return None
        if body[need - 1:need] != b"\n":
            raise RelpBroken("frame without its trailing LF")
        self.buf = body[need:]
        return int(txnr), command.decode(), data


def relp_frame(txnr, command, data):
    if data:
        return b"%d %s %d %s\n" % (txnr, command, len(data), data)
    return b"%d %s 0\n" % (txnr, command)


def next_txnr(txnr):
    return 1 if txnr == RELP_TXNR_MAX else txnr + 1


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list; 0 for none."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def relp_session(args, sock, stats, deadline):
    reader = RelpReader(sock)
    sock.settimeout(max(deadline - time.monotonic(), 0.001))

    sock.sendall(relp_frame(1, b"open", RELP_OFFERS))
    txnr, command, data = reader.frame(deadline)
    if txnr != 1 or command != "rsp" or not data.startswith(b"200"):
        raise RelpBroken(f"open refused: {txnr} {command} {data[:80]!r}")

    txnr = 1
    pending = {}
    while stats["sent"] < args.count or pending:
        while stats["sent"] < args.count and len(pending) < args.window:
            txnr = next_txnr(txnr)
            msg = b"<13>1 - host app - - - seq=%08d" % stats["sent"]
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.sendall(relp_frame(txnr, b"syslog", msg))
            pending[txnr] = time.monotonic()
            stats["sent"] += 1
        rtxnr, command, data = reader.frame(deadline)
        if command == "serverclose":
            raise RelpBroken("server sent serverclose")
        if command != "rsp" or rtxnr not in pending:
            raise RelpBroken(f"unexpected {rtxnr} {command} {data[:80]!r}")
        stats["latency"].append(time.monotonic() - pending.pop(rtxnr))
        if data.startswith(b"200"):
            stats["acked"] += 1
        else:
            stats["nacked"] += 1

    txnr = next_txnr(txnr)
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    sock.sendall(relp_frame(txnr, b"close", b""))
    while True:
        rtxnr, command, _ = reader.frame(deadline)
        if command == "rsp" and rtxnr == txnr:
            return
        if command != "serverclose":
            raise RelpBroken(f"unexpected {rtxnr} {command} after close")


def mode_relp(args):
    stats = {"sent": 0, "acked": 0, "nacked": 0, "latency": []}
    deadline = time.monotonic() + args.seconds
    broken = None
    try:
        with connect(args, args.seconds) as sock:
            # Each frame leaves at once, as the latency is measured from
            # the send.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            relp_session(args, sock, stats, deadline)
    except RelpBroken as e:
        broken = str(e)
    except socket.timeout:
        broken = "time bound reached"
    except OSError as e:
        broken = str(e)
    lat = sorted(stats["latency"])
    log("relp", f"sent={stats['sent']} acked={stats['acked']} "
        f"nacked={stats['nacked']}")
    log("relp", f"ack latency ms: p50={percentile(lat, 50) * 1e3:.3f} "
        f"p99={percentile(lat, 99) * 1e3:.3f} "
        f"max={(lat[-1] if lat else 0.0) * 1e3:.3f}")
    if broken is not None:
        log("relp", f"session broken: {broken}")
        return 1
    return 0


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not positive")
    return value


def seconds(text):
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} is not in (0, 3600]")
    return value


def parse_args(argv):
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1",
                        help="server address (default 127.0.0.1)")
    common.add_argument("--port", type=int, required=True,
                        help="server port")
    common.add_argument("--source", default=None,
                        help="local address to connect from, e.g. 127.0.0.9")
    common.add_argument("--seconds", type=seconds, default=10.0,
                        help="time bound of the run (default 10)")

    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)

    g = sub.add_parser("garbage", parents=[common],
                       help="send unframeable bytes; expect a close")
    g.add_argument("--kind", default="all",
                   choices=["all", "random"] + list(GARBAGE_KINDS),
                   help="what to send (default: each, one connection each; "
                   "--seconds bounds each connection)")
    g.add_argument("--bytes", type=positive, default=4096,
                   help="size of the random garbage (default 4096)")
    g.add_argument("--seed", type=int, default=1,
                   help="seed of the random garbage (default 1)")

    s = sub.add_parser("stall", parents=[common],
                       help="send part of a frame, then nothing")
    s.add_argument("--frame", default="120 <13>partial",
                   help="what to send before going quiet "
                   "(default: '120 <13>partial', short of its count)")
    s.add_argument("--nothing", action="store_true",
                   help="send nothing at all")

    f = sub.add_parser("flood", parents=[common],
                       help="open many connections and hold them")
    f.add_argument("--connections", type=positive, required=True,
                   help="connections to open (bounded by RLIMIT_NOFILE)")

    r = sub.add_parser("relp", parents=[common],
                       help="a minimal RELP client")
    r.add_argument("--count", type=positive, default=1000,
                   help="syslog messages to send (default 1000)")
    r.add_argument("--window", type=positive, default=128,
                   help="most unacknowledged messages (default 128)")
    args = p.parse_args(argv)
    if not 0 < args.port < 65536:
        p.error(f"--port {args.port} is not in 1..65535")
    return args


def main(argv):
    args = parse_args(argv)
    modes = {"garbage": mode_garbage, "stall": mode_stall,
             "flood": mode_flood, "relp": mode_relp}
    return modes[args.mode](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
