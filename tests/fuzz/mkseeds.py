#!/usr/bin/env python3
"""mkseeds.py NAME DIR: writes hand-made seed inputs of fuzz target NAME
(syslog, route, config, pkt, frame, relp) into DIR, in the input format the target's
source file describes. The packet seeds are built with scapy, so their
checksums and fragment offsets are right and the fuzzer starts from
frames that reach deep into the packet stage; the configuration seeds
include the examples of docs/configuration.md."""

import os
import struct
import sys

SYSLOG = [
    b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
    b"\xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8",
    b'<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - '
    b"%% It's time to make the do-nuts.",
    b'<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - '
    b'ID47 [exampleSDID@32473 iut="3" eventSource="Application" '
    b'eventID="1011"][examplePriority@32473 class="high"]',
    b'<165>1 2003-10-11T22:14:15.123456789Z host app 1 m [a b="\\"]\\\\"] x',
    b'<13>1 2003-10-11T22:14:15Z host app - - [unclosed x="1" tail',
    b'<13>1 - - - - - -',
    b"<13>Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure",
    b"<86>Dec  3 2005 04:05:06 host sudo: pam_unix(sudo:session): opened",
    b"<13>Jun 14 15:16:01 sshd[1]: no host here\r\n",
    b"<13>2023-01-02T03:04:05.123+01:00 host app[9]: rfc3339 in 3164",
    b"Jun  9 06:06:20 combo syslogd 1.4.1: restart.",
    b"<999>bad pri", b"<>empty", b"<1a>x", b"<013>leading zero", b"<0>",
    b"<191>1 2003-10-11T22:14:15.003Z h a p m - \xc3\x28 bad utf8",
    b"\xf0\x9f\x92\xa9 \xed\xa0\x80 \xf4\x90\x80\x80 \xe0\x80\xaf",
    b"", b"\n", b"\r\n\x00",
]

ROUTE_TEMPLATES = [
    b"logs.{app}", b"{host}.{facility}.{severity}", b"{app}{app}{host}",
    b"plain-topic_1", b".", b"..", b"{nope}", b"{app", b"app}", b"a b",
    b"{{app}}", b"x" * 250, b"{host}" * 40,
]

CONFIG_FIRST_LINES = [
    b"route.web.topic=logs.{host}\n[routing]\ndefault_topic = logs\n",
    b"kafka.producer.linger.ms=5\n[kafka.producer]\nacks = all\n",
    b"input.udp.listen=[::1]:514\n[dataplane]\nworkers = 2\nmode = pipeline\n",
    b"port.p0.devargs=net_null0\n[input.udp]\ndriver = dpdk\n"
    b"[port.p0]\ndevargs = net_null0\nip4 = 198.18.0.1\n",
    b"[route.x]\nfacility = local0, kern\nnetwork = 10.0.0.0/8\n"
    b"host = web-*, db-?\napp = *\ntopic = {app}.{severity}\n",
]


def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def syslog(d):
    for i, s in enumerate(SYSLOG):
        write(d, "hand-%02d" % i, s)


def route(d):
    # TEMPLATE NUL facility severity source-kind host(off, len) app(off, len)
    msg = b"web-01.example.com sshd message text"
    for i, t in enumerate(ROUTE_TEMPLATES):
        ctl = struct.pack(">BBBHHHH", i % 24, i % 8, i % 2, 0, 18, 19, 4)
        write(d, "tmpl-%02d" % i, t + b"\0" + ctl + msg)
    write(d, "out-of-range", b"{host}-{app}\0" +
          struct.pack(">BBBHHHH", 30, 9, 1, 60000, 10, 5, 1000) + msg)


def config(d):
    for i, s in enumerate(CONFIG_FIRST_LINES):
        write(d, "set-%02d.conf" % i, s)
    # The ```ini examples of the configuration reference, the complete
    # one included: between them they use every section and most keys.
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "docs", "configuration.md")
    block, n = None, 0
    with open(doc, "rb") as f:
        for line in f:
            if block is None and line.startswith(b"```ini"):
                block = []
            elif block is not None and line.startswith(b"```"):
                write(d, "doc-%02d.conf" % n, b"".join(block))
                block, n = None, n + 1
            elif block is not None:
                block.append(line)


def pkt(d):
    from scapy.all import (ARP, Dot1AD, Dot1Q, Ether, ICMP, ICMPv6EchoRequest,
                           ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IP, IPv6,
                           IPv6ExtHdrHopByHop, TCP, UDP, Raw,
                           fragment)

    ours4, peer4 = "198.18.0.1", "198.18.0.2"
    ours6, peer6 = "2001:db8::1", "2001:db8::2"
    mac, peer = "02:00:00:00:00:01", "02:00:00:00:00:02"
    msg = b"<13>1 2024-01-01T00:00:00Z host app - - - hello"

    def frame(pkt, flags=0):
        raw = bytes(pkt)
        return struct.pack(">HB", len(raw), flags) + raw

    def seed(name, frames, ctl=0):
        write(d, name, bytes([ctl]) + b"".join(frames))

    eth = Ether(src=peer, dst=mac)
    udp4 = eth / IP(src=peer4, dst=ours4) / UDP(sport=40000, dport=514) / msg
    udp6 = eth / IPv6(src=peer6, dst=ours6) / UDP(sport=40000, dport=514) / msg
    seed("udp4", [frame(udp4)])
    seed("udp6", [frame(udp6)])
    seed("udp4-chained", [frame(udp4, 0x40)])
    seed("udp4-hwcsum-good", [frame(udp4, 0x0a)])
    seed("vlan", [frame(Ether(src=peer, dst=mac) / Dot1Q(vlan=100) /
                        IP(src=peer4, dst=ours4) / UDP(dport=514) / msg)])
    seed("qinq", [frame(Ether(src=peer, dst=mac) / Dot1AD(vlan=10) /
                        Dot1Q(vlan=20) / IPv6(src=peer6, dst=ours6) /
                        UDP(dport=514) / msg)])
    seed("arp", [frame(Ether(src=peer, dst="ff:ff:ff:ff:ff:ff") /
                       ARP(op=1, hwsrc=peer, psrc=peer4, pdst=ours4))])
    seed("icmp-echo", [frame(eth / IP(src=peer4, dst=ours4) /
                             ICMP(type=8, id=1, seq=1) / b"ping")])
    seed("icmp6-echo", [frame(eth / IPv6(src=peer6, dst=ours6) /
                              ICMPv6EchoRequest(id=1, seq=1, data=b"ping"))])
    seed("ns", [frame(Ether(src=peer, dst="33:33:ff:00:00:01") /
                      IPv6(src=peer6, dst="ff02::1:ff00:1", hlim=255) /
                      ICMPv6ND_NS(tgt=ours6) / ICMPv6NDOptSrcLLAddr(lladdr=peer))])
    seed("hbh", [frame(eth / IPv6(src=peer6, dst=ours6) / IPv6ExtHdrHopByHop() /
                       UDP(dport=514) / msg)])
    # One seed per way to be dropped, so each check starts reachable.
    seed("udp4-empty", [frame(eth / IP(src=peer4, dst=ours4) /
                              UDP(sport=40000, dport=514))])
    seed("udp6-oversize", [frame(eth / IPv6(src=peer6, dst=ours6) /
                                 UDP(dport=514) / Raw(b"x" * 5000), 0x80)])
    seed("udp4-badsum", [frame(eth / IP(src=peer4, dst=ours4) /
                               UDP(dport=514, chksum=0x1234) / msg)])
    seed("udp4-other-port", [frame(eth / IP(src=peer4, dst=ours4) /
                                   UDP(dport=515) / msg)])
    seed("udp4-other-ip", [frame(eth / IP(src=peer4, dst="198.18.0.3") /
                                 UDP(dport=514) / msg)], ctl=1)
    seed("tcp", [frame(eth / IP(src=peer4, dst=ours4) / TCP(dport=514) / msg)])
    seed("truncated", [frame(udp4)[:40]])
    big = IP(src=peer4, dst=ours4, id=7) / UDP(sport=40000, dport=514) / \
        Raw(msg * 8)
    frags = fragment(big, fragsize=200)
    seed("frags", [frame(eth / f) for f in frags])
    seed("frags-reversed", [frame(eth / f) for f in reversed(frags)])
    # The last fragment comes after the reassembly timeout.
    seed("frags-timeout", [frame(eth / f) for f in frags],
         ctl=((len(frags) - 1) << 3) | (2 << 6))
    seed("mixed", [frame(udp4), frame(udp6), frame(eth / IP(src=peer4, dst=ours4) /
                                                   ICMP(type=8) / b"x"),
                   frame(eth / frags[0])], ctl=(2 << 3) | (1 << 6))


def octet(*msgs):
    return b"".join(b"%d %s" % (len(m), m) for m in msgs)


def relp_frame(txnr, cmd, data=b""):
    if not data:
        return b"%d %s 0\n" % (txnr, cmd)
    return b"%d %s %d %s\n" % (txnr, cmd, len(data), data)


# fuzz_frame input: control byte (bits 0-1: max_message 1/16/100/1000),
# then the stream.
FRAME = [
    b"\x03" + b"".join(s + b"\n" for s in SYSLOG[:6]),
    b"\x03" + b"".join(s + b"\r\n" for s in SYSLOG[6:12]),
    b"\x03" + octet(*SYSLOG[:8]),
    b"\x01" + b"one\n" + b"x" * 40 + b"\r\ntwo\r\n\n" + b"y" * 30,
    b"\x01" + octet(b"one", b"x" * 40, b"two", b"y" * 17),
    b"\x02" + b"a\r\r\nb\x00c\n\r\n\n",
    b"\x02" + b"05 hello", b"\x02" + b"1234567890 x", b"\x02" + b"12x",
    b"\x02" + b"2 ok\n3 abc", b"\x00" + b"999999999 " + b"z" * 20,
]

# fuzz_relp input: control byte (bits 0-1: max_data 0/8/64/4096), then
# what a client sends; the open offers are librelp 1.11's.
RELP_OFFERS = (b"relp_version=0\nrelp_software=librelp,1.11.0,"
               b"http://librelp.adiscon.com\ncommands=syslog")
RELP = [
    b"\x03" + relp_frame(1, b"open", RELP_OFFERS) +
    b"".join(relp_frame(2 + i, b"syslog", s) for i, s in enumerate(SYSLOG[:5])) +
    relp_frame(7, b"close"),
    b"\x03" + relp_frame(1, b"open", b"relp_version=1\ncommands=foo,syslog\n"),
    b"\x03" + relp_frame(1, b"open", b"relp_version=x\n=\ncommands"),
    b"\x01" + relp_frame(1, b"syslog", b"too long for eight"),
    b"\x02" + relp_frame(3, b"rsp", b"200 OK") + relp_frame(4, b"serverclose"),
    b"\x02" + b"00012 starttls 003 a\nb\n1 close 0 \n",
    b"\x02" + b"0 syslog 1 a\n", b"\x02" + b"1 sys1og 1 a\n",
    b"\x02" + b"1 syslog 5 hello!", b"\x03" + b"1 syslog 1234567890 ",
]


def frame(d):
    for i, s in enumerate(FRAME):
        write(d, "frame-%02d" % i, s)


def relp(d):
    for i, s in enumerate(RELP):
        write(d, "relp-%02d" % i, s)


TARGETS = {"syslog": syslog, "route": route, "config": config, "pkt": pkt,
           "frame": frame, "relp": relp}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in TARGETS:
        sys.exit("usage: mkseeds.py {%s} DIR" % ",".join(TARGETS))
    os.makedirs(sys.argv[2], exist_ok=True)
    TARGETS[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
