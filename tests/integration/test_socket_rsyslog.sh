#!/usr/bin/env bash
# test_socket_rsyslog: rsyslog reads the corpus with imfile and forwards it
# with omfwd over UDP (and, in a second action, with its traditional
# forwarding format) to sluiced's kernel socket driver; everything arrives
# in Kafka byte-identical and in order.
source "$(dirname "$0")/lib.sh"

command -v rsyslogd >/dev/null || sl_fail "rsyslogd not installed"
sl_devbroker --topic logs:4
port=$(sl_free_port udp)
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$port" --set "kafka.brokers=$SL_BROKERS"

sl_corpus | tr -d '\r' >"$SL_WORK/lines.txt"
total=$(wc -l <"$SL_WORK/lines.txt")
mkdir -p "$SL_WORK/rsyslog"
cat >"$SL_WORK/rsyslog.conf" <<CONF
global(workDirectory="$SL_WORK/rsyslog" maxMessageSize="64k")
module(load="imfile")
template(name="sluice" type="string"
	string="<%PRI%>1 - rsyslog-test %syslogtag% - - - %msg%")
ruleset(name="forward") {
	action(type="omfwd" target="127.0.0.1" port="$port" protocol="udp"
	       template="sluice")
}
input(type="imfile" file="$SL_WORK/lines.txt" tag="corpus"
      facility="local3" severity="info" ruleset="forward")
CONF
rsyslogd -n -f "$SL_WORK/rsyslog.conf" -i "$SL_WORK/rsyslog.pid" \
	>"$SL_WORK/rsyslog.log" 2>&1 &
SL_PIDS+=($!)
sed 's/^/<158>1 - rsyslog-test corpus - - - /' "$SL_WORK/lines.txt" \
	>"$SL_WORK/expected.txt"

sl_cat logs "$total" "$SL_WORK/got.txt"
cmp "$SL_WORK/expected.txt" "$SL_WORK/got.txt" ||
	sl_fail "messages differ from what rsyslog sent"
sl_sluiced_stop
sl_expect_stat msg_in "$total"
sl_expect_stat kafka_delivered "$total"
sl_expect_stat dropped 0
sl_log "PASS: $total messages"
