#!/usr/bin/env bash
# test_tls: syslog over TLS (RFC 5425) from rsyslog's omfwd with its gtls
# driver, and RELP over TLS from omrelp, both with client certificates
# that sluiced verifies (verify_client = required) against a CA the test
# makes; every message arrives exactly once. A client without a
# certificate, and plain text on the TLS port, are refused and counted.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_stream.sh"

count=5000
pki="$SL_WORK/pki"
mkdir -p "$pki"
(
	cd "$pki"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sluice test CA" \
		-keyout ca-key.pem -out ca.pem
	for who in server client; do
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
			-keyout "$who-key.pem" -out "$who.csr"
		printf 'subjectAltName=DNS:localhost\n' >"$who.ext"
		openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca-key.pem \
			-CAcreateserial -days 2 -extfile "$who.ext" -out "$who.pem"
	done
) >"$SL_WORK/openssl.log" 2>&1 || sl_fail "openssl could not make the test PKI"

sl_devbroker --topic logs:4 --topic tls:4
tls=$(sl_free_port tcp)
relp=$(sl_free_port tcp)
cat >"$SL_WORK/extra.conf" <<CONF
[route.tls]
host = rsyslog-tls
topic = tls
[tls]
cert = $pki/server.pem
key = $pki/server-key.pem
ca = $pki/ca.pem
verify_client = required
CONF
cat "$SL_SRC/deploy/examples/loopback.conf" "$SL_WORK/extra.conf" >"$SL_WORK/sluiced.conf"
sl_sluiced "$SL_WORK/sluiced.conf" \
	--set "input.udp.listen=127.0.0.1:$(sl_free_port udp)" \
	--set "input.tcp.listen=127.0.0.1:$(sl_free_port tcp)" \
	--set "input.tls.listen=127.0.0.1:$tls" \
	--set "input.relp.listen=127.0.0.1:$relp" --set input.relp.tls=on \
	--set "kafka.brokers=$SL_BROKERS"

sl_seq_lines "$SL_WORK/tls.lines" 1 "$count"
sl_seq_lines "$SL_WORK/relp.lines" 1 "$count"
sl_rsyslog_start tls \
	"action(type=\"omfwd\" target=\"127.0.0.1\" port=\"$tls\" protocol=\"tcp\" TCP_Framing=\"octet-counted\" StreamDriver=\"gtls\" StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\" StreamDriverPermittedPeers=\"localhost\")" \
	"global(DefaultNetstreamDriverCAFile=\"$pki/ca.pem\" DefaultNetstreamDriverCertFile=\"$pki/client.pem\" DefaultNetstreamDriverKeyFile=\"$pki/client-key.pem\")"
sl_rsyslog_start relp \
	"action(type=\"omrelp\" target=\"127.0.0.1\" port=\"$relp\" tls=\"on\" tls.caCert=\"$pki/ca.pem\" tls.myCert=\"$pki/client.pem\" tls.myPrivKey=\"$pki/client-key.pem\" tls.authMode=\"name\" tls.permittedPeer=[\"localhost\"])"

sl_kafka_seq tls "$count" exactly-once 60
sl_kafka_seq logs "$count" exactly-once 60

# No client certificate: the handshake fails; plain text: not TLS.
timeout 10 openssl s_client -connect "127.0.0.1:$tls" -CAfile "$pki/ca.pem" \
	</dev/null >"$SL_WORK/s_client.log" 2>&1 || true
printf '12 <13>plaintext\n' | timeout 5 "$SL_PY" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
s.settimeout(4)
try:
    s.recv(100)
except OSError:
    pass' "$tls" || true
sl_wait_for 10 sh -c "[ \$(kill -USR1 $SL_SLUICED_PID; sleep 0.3; grep 'sluiced: stats' '$SL_WORK/sluiced.log' | tail -n 1 | tr ' ' '\n' | sed -n 's/^tcp_tls_failed=//p') -ge 2 ]" ||
	sl_fail "refused TLS clients not counted"
sl_sluiced_stop
sl_expect_stat relp_acked "$count"
sl_expect_stat msg_in $((2 * count))
sl_log "PASS: syslog over TLS and RELP over TLS with client certificates, exactly once; bad clients refused"
