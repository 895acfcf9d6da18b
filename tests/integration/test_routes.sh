#!/usr/bin/env bash
# test_routes: deploy/examples/routes.conf end to end. logger sends
# messages that each rule should catch (app, facility, host glob) and some
# it should not; each lands in its topic, the rest in the default topic.
source "$(dirname "$0")/lib.sh"

sl_devbroker --topic logs:2 --topic logs.auth:2 --topic logs.web:2
port=$(sl_free_port udp)
sl_sluiced "$SL_SRC/deploy/examples/routes.conf" \
	--set "input.udp.listen=127.0.0.1:$port" --set "kafka.brokers=$SL_BROKERS" \
	--set "route.tmpl.app=tmpl-*" --set "route.tmpl.topic=logs.app.{app}.{severity}"

send() { logger -n 127.0.0.1 -P "$port" -d "$@"; }
send --rfc5424=notq -t sshd -p auth.info "sshd by app"
send --rfc5424=notq -t sudo -p user.notice "sudo by app"
send --rfc3164 -t login -p authpriv.warning "login by facility"
send --rfc5424=notq,nohost -t nginx -p local0.info "not web: no host"
send --rfc3164 -t nginx -p local0.info "plain app"
printf '<134>Nov 26 11:20:00 web-17 nginx[5]: from a web host\n' >"$SL_WORK/web.txt"
"$SL_PY" - "$port" "$SL_WORK/web.txt" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(open(sys.argv[2], "rb").read(), ("127.0.0.1", int(sys.argv[1])))
PY
send --rfc5424=notq -t tmpl-x -p local3.err "templated"

# expect TOPIC MESSAGE...: the topic holds exactly these messages.
expect() {
	local topic=$1 m
	shift
	"$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic "$topic" \
		--from-beginning --count "$#" --timeout 20 >"$SL_WORK/$topic.txt" ||
		sl_fail "$topic: expected $# messages"
	for m in "$@"; do
		grep -q "$m\$" "$SL_WORK/$topic.txt" || sl_fail "$topic: no \"$m\""
	done
	"$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic "$topic" \
		--from-beginning --count $(($# + 1)) --timeout 2 >/dev/null 2>&1 &&
		sl_fail "$topic: more than $# messages"
	return 0
}
expect logs.auth "sshd by app" "sudo by app" "login by facility"
expect logs.web "from a web host"
expect logs.app.tmpl-x.err "templated"
expect logs "not web: no host" "plain app"
sl_sluiced_stop
sl_expect_stat kafka_delivered 7
sl_log "PASS"
