#!/usr/bin/env bash
# test_exception: DPDK mode with an exception interface. sluiced owns one
# end of a veth pair through net_af_packet; its peer sits in a network
# namespace made here. UDP syslog to 198.18.0.1 goes through the data
# path; everything else reaches the kernel through the exception
# interface (net_tap, same MAC and address): ping is answered by the
# kernel, and TCP connections to the stream listeners bound to 198.18.0.1
# work end to end: logger --tcp, and a RELP session whose answers come
# only after Kafka stored each message.
source "$(dirname "$0")/lib.sh"

for tool in ip ethtool ping logger; do
	command -v "$tool" >/dev/null || sl_fail "$tool not installed"
done
[ -c /dev/net/tun ] || sl_fail "/dev/net/tun missing: net_tap needs it"
ns="sl-ns-$$"
host_if="slh$$"
peer_if="sln$$"
exc_if="slx$$"
ip netns add "$ns"
SL_CLEANUPS+=("ip netns del $ns")
ip link add "$host_if" type veth peer name "$peer_if" netns "$ns"
SL_CLEANUPS+=("ip link del $host_if")
sysctl -qw "net.ipv6.conf.$host_if.disable_ipv6=1"
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.all.disable_ipv6=1"
ip link set "$host_if" up
ethtool -K "$host_if" gro off >/dev/null 2>&1 || true
# The host end belongs to sluiced: the host's own stack must not answer
# on it (it would, for the address the exception interface gets): no ARP
# answers there, and strict reverse-path filtering drops what arrives on
# it from addresses routed through the exception interface. Packet
# sockets see frames before any of that, so DPDK still gets them.
sysctl -qw "net.ipv4.conf.$host_if.arp_ignore=8"
sysctl -qw "net.ipv4.conf.$host_if.rp_filter=1"
ip -n "$ns" link set lo up
ip -n "$ns" addr add 198.18.0.2/24 dev "$peer_if"
ip -n "$ns" link set "$peer_if" up
ip netns exec "$ns" ethtool -K "$peer_if" tx off gso off tso off >/dev/null 2>&1 || true

sl_devbroker --topic logs:4
sl_sluiced "$SL_SRC/deploy/examples/af_packet_tcp.conf" \
	--set "port.veth.devargs=net_af_packet0,iface=$host_if,framesz=8192,blocksz=8192,framecnt=2048" \
	--set "port.veth.exception=$exc_if" \
	--set "kafka.brokers=$SL_BROKERS"
addrs=$(ip -4 addr show dev "$exc_if")
grep -q "inet 198.18.0.1/24" <<<"$addrs" ||
	sl_fail "exception interface $exc_if lacks 198.18.0.1/24: $addrs"

ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 198.18.0.1 >"$SL_WORK/ping.log" ||
	sl_fail "no echo reply through the exception interface"
for i in $(seq 1 20); do
	ip netns exec "$ns" logger -n 198.18.0.1 -P 514 -d -t udptest "seq=$(printf %08d "$i") over udp"
done
for i in $(seq 21 40); do
	ip netns exec "$ns" logger --tcp -n 198.18.0.1 -P 5514 -t tcptest "seq=$(printf %08d "$i") over tcp"
done
ip netns exec "$ns" "$SL_PY" "$SL_SRC/tests/integration/streamclient.py" relp \
	--host 198.18.0.1 --port 20514 --count 2000 --window 128 --seconds 60 \
	>"$SL_WORK/relp.txt" || sl_fail "RELP session failed: $(cat "$SL_WORK/relp.txt")"
grep -q "relp: sent=2000 acked=2000 nacked=0" "$SL_WORK/relp.txt" ||
	sl_fail "RELP: $(cat "$SL_WORK/relp.txt")"
sl_cat logs 2040 "$SL_WORK/got.txt"
[ "$(grep -c 'over udp$' "$SL_WORK/got.txt")" = 20 ] || sl_fail "UDP messages missing"
[ "$(grep -c 'over tcp$' "$SL_WORK/got.txt")" = 20 ] || sl_fail "TCP messages missing"
sl_sluiced_stop
[ "$(sl_stat exc_to_kernel)" -gt 0 ] || sl_fail "nothing went to the kernel"
[ "$(sl_stat exc_from_kernel)" -gt 0 ] || sl_fail "nothing came from the kernel"
sl_expect_stat icmp_echo 0
sl_expect_stat relp_acked 2000
sl_expect_stat msg_in 2040
sl_expect_stat dropped 0
cat "$SL_WORK/relp.txt" >&2
sl_log "PASS: UDP on the data path; ping, TCP and RELP through the kernel exception interface"
