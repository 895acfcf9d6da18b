#!/usr/bin/env bash
# test_kafka_down: Kafka unreachable. Messages wait in the producer until
# message.timeout.ms, then fail; each failure is counted in total, per
# source and per librdkafka reason, and sluiced still stops cleanly on
# SIGTERM within its bound. Then a second run where the broker dies with
# messages queued: SIGTERM purges them within drain_timeout and counts
# them as dropped at shutdown.
source "$(dirname "$0")/lib.sh"

dead_port=$(sl_free_port tcp)
port=$(sl_free_port udp)
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$port" \
	--set "kafka.brokers=127.0.0.1:$dead_port" \
	--set kafka.producer.message.timeout.ms=2000
for i in $(seq 1 50); do
	logger -n 127.0.0.1 -P "$port" -d --rfc3164 -t app "unlucky message $i"
done
# Past the message timeout every record has failed.
sleep 4
sl_sluiced_stop
sl_expect_stat msg_in 50
sl_expect_stat kafka_delivered 0
sl_expect_stat drop_kafka_failed 50
grep -q "sluiced: source host=127.0.0.1 in=50 bytes=[0-9]* delivered=0 failed=50 unacked=0" \
	"$SL_WORK/sluiced.log" || sl_fail "per-source failure count missing"
grep -q "sluiced: kafka failures producer=0 reason=_MSG_TIMED_OUT count=50" \
	"$SL_WORK/sluiced.log" || sl_fail "per-reason failure count missing"

mv "$SL_WORK/sluiced.log" "$SL_WORK/sluiced-timeout.log"
sl_sluiced "$SL_SRC/deploy/examples/loopback.conf" \
	--set "input.udp.listen=127.0.0.1:$port" \
	--set "kafka.brokers=127.0.0.1:$dead_port" \
	--set shutdown.drain_timeout=1s
for i in $(seq 1 30); do
	logger -n 127.0.0.1 -P "$port" -d --rfc3164 -t app "stuck message $i"
done
sl_wait_for 10 sh -c "kill -USR1 $SL_SLUICED_PID; grep -q 'msg_in=30 ' '$SL_WORK/sluiced.log'" ||
	sl_fail "sluiced did not take the 30 messages"
start=$SECONDS
sl_sluiced_stop
[ $((SECONDS - start)) -le 5 ] || sl_fail "shutdown took $((SECONDS - start)) s with a 1 s bound"
sl_expect_stat kafka_delivered 0
sl_expect_stat drop_shutdown 30
grep -q "30 dropped at shutdown" "$SL_WORK/sluiced.log" ||
	sl_fail "shutdown report does not name the undelivered messages"
sl_log "PASS"
