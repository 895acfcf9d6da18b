#!/usr/bin/env bash
# test_af_packet: sluiced owns one end of a veth pair through DPDK's
# net_af_packet; the other end sits in a network namespace made here, where
# the kernel's own stack sends: ping (ARP and ICMP echo answered by
# sluiced) and util-linux logger with every corpus line (lines longer than
# the 1500-byte MTU arrive as IPv4 fragments and are reassembled).
source "$(dirname "$0")/lib.sh"

for tool in ip ethtool ping logger; do
	command -v "$tool" >/dev/null || sl_fail "$tool not installed"
done
ns="sl-ns-$$"
host_if="slh$$"
peer_if="sln$$"
ip netns add "$ns"
SL_CLEANUPS+=("ip netns del $ns")
ip link add "$host_if" type veth peer name "$peer_if" netns "$ns"
SL_CLEANUPS+=("ip link del $host_if")
# No IPv6 autoconfiguration noise on the wire, and no checksum offload on
# the sender: af_packet hands DPDK the frame as the kernel queued it, and
# with offload on, the UDP checksum would not be filled in yet.
sysctl -qw "net.ipv6.conf.$host_if.disable_ipv6=1"
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.all.disable_ipv6=1"
ip link set "$host_if" up
ethtool -K "$host_if" gro off >/dev/null 2>&1 || true
ip -n "$ns" link set lo up
ip -n "$ns" addr add 198.18.0.2/24 dev "$peer_if"
ip -n "$ns" link set "$peer_if" up
ip netns exec "$ns" ethtool -K "$peer_if" tx off gso off tso off >/dev/null 2>&1 || true

sl_devbroker --topic logs:4
sl_sluiced "$SL_SRC/deploy/examples/af_packet.conf" \
	--set "port.veth.devargs=net_af_packet0,iface=$host_if,framesz=8192,blocksz=8192,framecnt=2048" \
	--set "kafka.brokers=$SL_BROKERS"

ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 198.18.0.1 >"$SL_WORK/ping.log" ||
	sl_fail "no echo reply from sluiced"

sl_corpus >"$SL_WORK/lines.txt"
total=$(wc -l <"$SL_WORK/lines.txt")
long=$(tr -d '\r' <"$SL_WORK/lines.txt" | awk 'length($0) + 24 > 1472' | wc -l)
# In chunks: a kernel sender floods a veth far faster than the one shared
# CPU can always drain the af_packet ring, and UDP cannot push back. What
# is lost there is counted by the port (nic_imissed), checked below.
split -l 500 "$SL_WORK/lines.txt" "$SL_WORK/chunk."
for chunk in "$SL_WORK"/chunk.*; do
	ip netns exec "$ns" logger -n 198.18.0.1 -P 514 -d --size 65000 \
		--rfc5424=notq,notime,nohost --id=7 -t corpus -f "$chunk"
	sleep 0.05
done
tr -d '\r' <"$SL_WORK/lines.txt" | sed 's/^/<13>1 - - corpus 7 - - /' \
	>"$SL_WORK/expected.txt"

if ! "$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic logs \
	--from-beginning --count "$total" --timeout 30 >"$SL_WORK/got.txt"; then
	sl_sluiced_stop
	sl_fail "got $(wc -l <"$SL_WORK/got.txt") of $total; port dropped $(sl_stat nic_imissed), sluiced dropped $(sl_stat dropped)"
fi
cmp "$SL_WORK/expected.txt" "$SL_WORK/got.txt" ||
	sl_fail "messages differ from what logger sent"
sl_sluiced_stop
sl_expect_stat nic_imissed 0
sl_expect_stat msg_in "$total"
sl_expect_stat kafka_delivered "$total"
sl_expect_stat dropped 0
sl_expect_stat icmp_echo 3
[ "$(sl_stat arp_replies)" -ge 1 ] || sl_fail "no ARP reply counted"
sl_log "PASS: $total messages, $long of them sent as fragments"
