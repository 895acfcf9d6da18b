#!/usr/bin/env bash
# test_pcap: a capture of every corpus line from 12 simulated hosts, with
# malformed frames in between, replayed through net_pcap into sluiced and
# the embedded broker. Every good message comes back byte-identical and in
# per-source order; every bad frame is counted under its reason; ARP and
# ICMP echo for the appliance's address are answered.
source "$(dirname "$0")/lib.sh" "$@"

"$SL_PY" "$SL_SRC/tests/integration/mkpcap.py" --corpus "$SL_CORPUS" \
	--out "$SL_WORK/in.pcap" --expected "$SL_WORK/expected.json" --bad \
	--max-message 4096
total=$("$SL_PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["messages"]))' "$SL_WORK/expected.json")
sl_log "capture holds $total good messages"

# --check-config --probe checks the port as sluiced would use it.
probe=("$SL_BUILD/sluiced" --config "$SL_SRC/deploy/examples/pcap.conf"
	--check-config --probe --set "port.pcap0.devargs=net_pcap0,rx_pcap=$SL_WORK/in.pcap")
"${probe[@]}" >"$SL_WORK/probe.log" 2>&1 ||
	sl_fail "probe refused the port: $(cat "$SL_WORK/probe.log")"
grep -q '\[port.pcap0\]: net_pcap0 (net_pcap) port 0: up to 1 rx' "$SL_WORK/probe.log" ||
	sl_fail "probe did not describe the port: $(cat "$SL_WORK/probe.log")"
if "${probe[@]}" --set dataplane.rx_lcores=2 --set dataplane.workers=2 \
	>"$SL_WORK/probe2.log" 2>&1; then
	sl_fail "probe accepted 2 queues on net_pcap"
fi
grep -q "2 receive lcores need 2 queues, net_pcap has 1 rx" "$SL_WORK/probe2.log" ||
	sl_fail "probe's refusal unclear: $(cat "$SL_WORK/probe2.log")"

sl_devbroker --topic logs:8
sl_sluiced "$SL_SRC/deploy/examples/pcap.conf" \
	--set "port.pcap0.devargs=net_pcap0,rx_pcap=$SL_WORK/in.pcap,tx_pcap=$SL_WORK/out.pcap" \
	--set kafka.brokers="$SL_BROKERS" \
	--set dataplane.max_message=4096 \
	--set dataplane.frag_ttl=500ms \
	--set port.pcap0.address6=2001:db8::1
sl_cat logs "$total" "$SL_WORK/got.jsonl" --format json
"$SL_PY" "$SL_SRC/tests/integration/verify.py" "$SL_WORK/expected.json" "$SL_WORK/got.jsonl"

# The lone first fragments expire 500 ms after they arrived.
sleep 1
sl_sluiced_stop
sl_expect_stat msg_in "$total"
sl_expect_stat kafka_delivered "$total"
sl_expect_stat drop_ring_full 0
sl_expect_sources_settled
sl_expect_stat drop_kafka_failed 0
for reason in truncated bad_checksum malformed fragment oversize \
	not_listened unsupported empty; do
	want=$("$SL_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["bad"][sys.argv[2]])' \
		"$SL_WORK/expected.json" "$reason")
	sl_expect_stat "drop_$reason" "$want"
done
sl_expect_stat arp_replies 1
sl_expect_stat icmp_echo 1

# The replies went out on the port: an ARP reply and an echo reply.
"$SL_PY" - "$SL_WORK/out.pcap" <<'PY'
import sys
from scapy.all import ARP, ICMP, rdpcap
pkts = rdpcap(sys.argv[1])
arp = [p for p in pkts if ARP in p and p[ARP].op == 2 and p[ARP].psrc == "198.18.0.1"]
echo = [p for p in pkts if ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 7]
assert arp and arp[0][ARP].pdst == "198.18.9.9", "no ARP reply"
assert echo and bytes(echo[0][ICMP].payload) == b"ping" * 8, "no echo reply"
# scapy recomputes nothing on read: check the checksums we wrote.
from scapy.all import IP
e = echo[0]
raw = IP(bytes(e[IP]))
del raw[IP].chksum
del raw[ICMP].chksum
again = IP(bytes(raw))
assert again[IP].chksum == e[IP].chksum and again[ICMP].chksum == e[ICMP].chksum, "bad reply checksums"
print("replies: ARP and ICMP echo with valid checksums")
PY
sl_log "PASS"
