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
ip netns exec "$ns" ethtool -K "$peer_if" tx off >/dev/null

sl_devbroker --topic logs:4
sl_sluiced "$SL_SRC/deploy/examples/af_packet.conf" \
	--set "port.veth.devargs=net_af_packet0,iface=$host_if,framecnt=4096" \
	--set "kafka.brokers=$SL_BROKERS"

ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 198.18.0.1 >"$SL_WORK/ping.log" ||
	sl_fail "no echo reply from sluiced"

sl_corpus >"$SL_WORK/lines.txt"
total=$(wc -l <"$SL_WORK/lines.txt")
long=$(tr -d '\r' <"$SL_WORK/lines.txt" | awk 'length($0) + 24 > 1472' | wc -l)
ip netns exec "$ns" logger -n 198.18.0.1 -P 514 -d --size 65000 \
	--rfc5424=notq,notime,nohost --id=7 -t corpus -f "$SL_WORK/lines.txt"
tr -d '\r' <"$SL_WORK/lines.txt" | sed 's/^/<13>1 - - corpus 7 - - /' \
	>"$SL_WORK/expected.txt"

sl_cat logs "$total" "$SL_WORK/got.txt"
cmp "$SL_WORK/expected.txt" "$SL_WORK/got.txt" ||
	sl_fail "messages differ from what logger sent"
sl_sluiced_stop
sl_expect_stat msg_in "$total"
sl_expect_stat kafka_delivered "$total"
sl_expect_stat rx_reassembled "$long"
sl_expect_stat icmp_echo 3
[ "$(sl_stat arp_replies)" -ge 1 ] || sl_fail "no ARP reply counted"
sl_log "PASS: $total messages, $long reassembled from fragments"
