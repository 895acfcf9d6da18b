#!/usr/bin/python3
"""mkpcap.py: builds the capture the net_pcap tests replay into sluiced.

Every corpus line becomes one syslog message (RFC 3164 or 5424 by source)
sent over UDP from one of several simulated hosts to the appliance. The
frames are made with scapy, so the checksums, fragments and headers come
from a peer we did not write. With --bad, malformed frames are interleaved
with the good ones, and the count of each kind is written out, so the test
can check that each is counted under its reason and that every good
message still arrives.

Writes OUT (pcap), and EXPECTED (JSON): {"messages": [{"source": ip,
"value": text}, ...] in send order, "bad": {reason: count}, "replies": n}.
"""
import argparse
import glob
import json
import os

from scapy.all import (ARP, ICMP, IP, UDP, Ether, IPv6, Raw, Dot1Q,
                       fragment, wrpcap)

MAC_APPLIANCE = "02:00:00:00:00:01"


def corpus_lines(directory):
    lines = []
    for path in sorted(glob.glob(os.path.join(directory, "*.log"))):
        with open(path, "rb") as f:
            for raw in f.read().split(b"\n"):
                line = raw.rstrip(b"\r")
                if line:
                    lines.append(line.decode("ascii"))
    return lines


def syslog(i, host, line):
    """Message number i from host, alternating header formats by host."""
    pri = 8 * (16 + i % 8) + i % 8
    if int(host.split("-host")[1]) % 2 == 0:
        return "<%d>Nov 26 11:%02d:%02d %s corpus[%d]: %s" % (
            pri, i // 60 % 60, i % 60, host, 1000 + i % 97, line)
    return "<%d>1 2026-11-26T11:00:00.%06dZ %s corpus %d - - %s" % (
        pri, i % 1000000, host, 1000 + i % 97, line)


_ip_id = [0]


def next_ip_id():
    """A fresh IPv4 identification, as a real stack gives every datagram:
    fragments are matched by (source, destination, protocol, id)."""
    _ip_id[0] = (_ip_id[0] + 1) & 0xffff
    return _ip_id[0]


def udp_frames(src_ip, dst_ip, sport, dport, payload, mtu=1500):
    pkt = (Ether(src="02:00:00:00:01:%02x" % (int(src_ip.split(".")[-1]) % 256),
                 dst=MAC_APPLIANCE) /
           IP(src=src_ip, dst=dst_ip, id=next_ip_id()) /
           UDP(sport=sport, dport=dport) /
           Raw(payload))
    if len(pkt[IP]) <= mtu:
        return [pkt]
    return [Ether(src=pkt.src, dst=pkt.dst) / f
            for f in fragment(pkt[IP], fragsize=mtu - 20 - 8 * 2)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--dst", default="198.18.0.1")
    ap.add_argument("--port", type=int, default=514)
    ap.add_argument("--sources", type=int, default=12)
    ap.add_argument("--bad", action="store_true")
    ap.add_argument("--max-message", type=int, default=4096,
                    help="what sluiced is configured with (for oversize)")
    args = ap.parse_args()

    hosts = ["198.18.1.%d" % (k + 1) for k in range(args.sources)]
    names = ["site%d-host%d" % (k % 3, k) for k in range(args.sources)]
    frames, messages = [], []
    bad = {"truncated": 0, "bad_checksum": 0, "malformed": 0,
           "fragment": 0, "oversize": 0, "not_listened": 0,
           "unsupported": 0, "empty": 0}
    replies = 0

    def good(i, k, text, vlan=False, v6=False):
        nonlocal frames
        if v6:
            src = "2001:db8::%x" % (k + 1)
            pkt = (Ether(dst=MAC_APPLIANCE) /
                   IPv6(src=src, dst="2001:db8::1") /
                   UDP(sport=40000 + k, dport=args.port) / Raw(text.encode()))
            frames.append(pkt)
            messages.append({"source": src, "value": text})
            return
        fr = udp_frames(hosts[k], args.dst, 40000 + k, args.port,
                        text.encode())
        if vlan:
            fr = [Ether(src=f.src, dst=f.dst) / Dot1Q(vlan=42) / f[IP]
                  for f in fr]
        frames.extend(fr)
        messages.append({"source": hosts[k], "value": text})

    for i, line in enumerate(corpus_lines(args.corpus)):
        k = i % args.sources
        good(i, k, syslog(i, names[k], line), vlan=(args.bad and i % 97 == 5))
        if not args.bad or i % 50 != 7:
            continue
        kind = (i // 50) % 11
        src = hosts[(k + 1) % args.sources]
        body = ("<13>bad %d " % i).encode() + b"x" * 40
        base = (Ether(dst=MAC_APPLIANCE) / IP(src=src, dst=args.dst, id=next_ip_id()) /
                UDP(sport=41000, dport=args.port) / Raw(body))
        raw = bytes(base)
        if kind == 0:
            frames.append(Ether(raw[:14 + 20 + 8 + 10]))
            bad["truncated"] += 1
        elif kind == 1:
            p = base.copy()
            p[IP].chksum = (IP(bytes(p[IP]))[IP].chksum + 1) & 0xffff
            frames.append(Ether(bytes(p)))
            bad["bad_checksum"] += 1
        elif kind == 2:
            p = base.copy()
            p[UDP].chksum = (IP(bytes(p[IP]))[UDP].chksum ^ 0x5a5a) or 1
            frames.append(Ether(bytes(p)))
            bad["bad_checksum"] += 1
        elif kind == 3:
            # IHL below 5: impossible header.
            b = bytearray(raw)
            b[14] = 0x44
            frames.append(Ether(bytes(b)))
            bad["malformed"] += 1
        elif kind == 4:
            # Fragments out of order: still a good message.
            text = syslog(i, names[k], line + " (reordered fragments)" +
                          " pad" * 500)
            fr = udp_frames(hosts[k], args.dst, 40000 + k, args.port,
                            text.encode())
            fr.reverse()
            frames.extend(fr)
            messages.append({"source": hosts[k], "value": text})
        elif kind == 5:
            # A datagram over max_message, in fragments.
            text = "<13>oversize " + "y" * (args.max_message + 100)
            frames.extend(udp_frames(src, args.dst, 41001, args.port,
                                     text.encode()))
            bad["oversize"] += 1
        elif kind == 6:
            frames.append(Ether(dst=MAC_APPLIANCE) /
                          IP(src=src, dst=args.dst, id=next_ip_id()) /
                          UDP(sport=41002, dport=args.port + 1) / Raw(body))
            bad["not_listened"] += 1
        elif kind == 7:
            frames.append(Ether(dst=MAC_APPLIANCE, type=0x88b5) /
                          Raw(b"\x00" * 46))
            bad["unsupported"] += 1
        elif kind == 8:
            frames.append(Ether(dst=MAC_APPLIANCE) /
                          IP(src=src, dst=args.dst, id=next_ip_id()) /
                          UDP(sport=41003, dport=args.port))
            bad["empty"] += 1
        elif kind == 9:
            # Only the first fragment of a datagram: never completes and
            # times out in the reassembly table.
            fr = udp_frames(src, args.dst, 41004, args.port,
                            b"<13>lost " + b"z" * 3000)
            frames.append(fr[0])
            bad["fragment"] += 1
        elif kind == 10:
            good(i, k, syslog(i, names[k], "over IPv6 " + line), v6=True)
    if args.bad:
        frames.append(Ether(dst="ff:ff:ff:ff:ff:ff", src="02:00:00:00:09:09") /
                      ARP(op=1, hwsrc="02:00:00:00:09:09", psrc="198.18.9.9",
                          pdst=args.dst))
        frames.append(Ether(dst=MAC_APPLIANCE, src="02:00:00:00:09:09") /
                      IP(src="198.18.9.9", dst=args.dst) /
                      ICMP(type=8, id=7, seq=1) / Raw(b"ping" * 8))
        replies = 2
    wrpcap(args.out, frames)
    with open(args.expected, "w") as f:
        json.dump({"messages": messages, "bad": bad, "replies": replies,
                   "frames": len(frames)}, f)


if __name__ == "__main__":
    main()
