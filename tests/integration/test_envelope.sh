#!/usr/bin/env bash
# test_envelope: envelope routes end to end.
#  1. A capture of every corpus line from 12 hosts replayed through
#     net_pcap, every message into lz4 envelopes: sluice-cat opens them and
#     returns every message byte-identical, with its source, in per-source
#     order; far fewer Kafka records than messages.
#  2. The same, encrypted (AEAD, key file): read back with the key file;
#     without it, sluice-cat says why and exits 1, and prints nothing.
#  3. Key rotation without restart (socket driver, logger): a new current
#     key is added to the file while sluiced runs; envelopes after it carry
#     the new key id, and the consumer reads both.
source "$(dirname "$0")/lib.sh"

"$SL_PY" "$SL_SRC/tests/integration/mkpcap.py" --corpus "$SL_CORPUS" \
	--out "$SL_WORK/in.pcap" --expected "$SL_WORK/expected.json"
total=$("$SL_PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["messages"]))' "$SL_WORK/expected.json")
keygen="$SL_BUILD/tools/sluice-keygen"
keys="$SL_WORK/keys"
"$keygen" --id 1 --file "$keys" >/dev/null

replay() {
	local name=$1
	shift
	sl_devbroker --topic logs:8
	sl_sluiced "$SL_SRC/deploy/examples/pcap.conf" \
		--set "port.pcap0.devargs=net_pcap0,rx_pcap=$SL_WORK/in.pcap,tx_pcap=$SL_WORK/out.pcap" \
		--set "kafka.brokers=$SL_BROKERS" --set routing.default_format=envelope \
		--set envelope.buckets=8 "$@"
	sl_cat logs "$total" "$SL_WORK/$name.jsonl" --format json \
		${SL_CAT_KEYS:+--key-file "$SL_CAT_KEYS"}
	"$SL_PY" "$SL_SRC/tests/integration/verify.py" "$SL_WORK/expected.json" \
		"$SL_WORK/$name.jsonl"
	sl_sluiced_stop
	sl_expect_stat msg_in "$total"
	sl_expect_stat kafka_delivered "$total"
	sl_expect_stat dropped 0
	sl_expect_sources_settled
	sealed=$(sl_stat env_sealed)
	[ "$sealed" -gt 0 ] && [ "$sealed" -lt $((total / 20)) ] ||
		sl_fail "$name: $sealed envelopes for $total messages"
	[ "$(sl_stat env_delivered)" = "$sealed" ] || sl_fail "$name: envelopes not all delivered"
	sl_log "$name: $total messages in $sealed envelopes, $(sl_stat env_raw_bytes) bytes -> $(sl_stat env_bytes)"
	mv "$SL_WORK/sluiced.log" "$SL_WORK/sluiced-$name.log"
}

replay plain
SL_CAT_KEYS=$keys replay encrypted --set envelope.encryption=auto \
	--set "envelope.key_file=$keys"

# Encrypted envelopes cannot be read without the key; then rotation.
sl_devbroker --topic logs:2
port=$(sl_free_port udp)
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$port" --set "kafka.brokers=$SL_BROKERS" \
	--set routing.default_format=envelope --set envelope.encryption=auto \
	--set "envelope.key_file=$keys" --set envelope.linger=1ms
logger -n 127.0.0.1 -P "$port" -d --rfc3164 -t rot "before rotation"
sl_wait_for 10 sh -c "kill -USR1 $SL_SLUICED_PID; grep -q 'env_delivered=1 ' '$SL_WORK/sluiced.log'" ||
	sl_fail "first envelope not delivered"
if "$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic logs \
	--from-beginning --count 1 --timeout 5 >"$SL_WORK/nokey.txt" 2>"$SL_WORK/nokey.err"; then
	sl_fail "an encrypted envelope was read without its key"
fi
grep -q "envelope not read" "$SL_WORK/nokey.err" || sl_fail "no clear error without the key"
[ ! -s "$SL_WORK/nokey.txt" ] || sl_fail "printed something without the key"

"$keygen" --id 2 --file "$keys" >/dev/null
printf 'current 2\n' >>"$keys"
# sluiced looks at the key file every second.
sl_wait_for 10 grep -q "encrypting with key 2" "$SL_WORK/sluiced.log" ||
	sl_fail "key rotation not picked up"
logger -n 127.0.0.1 -P "$port" -d --rfc3164 -t rot "after rotation"
"$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic logs \
	--from-beginning --count 2 --timeout 20 --key-file "$keys" \
	--format json >"$SL_WORK/rotated.jsonl" || sl_fail "rotated envelopes not read"
grep -q '"value":".*before rotation"' "$SL_WORK/rotated.jsonl" || sl_fail "message before rotation missing"
grep -q '"value":".*after rotation"' "$SL_WORK/rotated.jsonl" || sl_fail "message after rotation missing"
"$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic logs \
	--from-beginning --count 2 --timeout 20 --no-decode --format json \
	>"$SL_WORK/raw.jsonl"
grep -q '"sluice.key_id":"1"' "$SL_WORK/raw.jsonl" || sl_fail "no envelope with key 1"
grep -q '"sluice.key_id":"2"' "$SL_WORK/raw.jsonl" || sl_fail "no envelope with key 2"
sl_sluiced_stop
sl_expect_stat kafka_delivered 2
sl_log "PASS"
