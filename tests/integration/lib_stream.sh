# lib_stream.sh: helpers of the stream (TCP, TLS, RELP) integration tests,
# sourced after lib.sh: numbered messages fed to a real rsyslog that
# forwards them to sluiced, and the check of what Kafka holds.

# sl_rsyslog_start NAME ACTION [PREAMBLE]: starts rsyslogd (its own work directory,
# pid file and log under $SL_WORK/NAME) that reads $SL_WORK/NAME.lines
# with imfile (tag "seqtest", facility local4) and forwards each line with
# the rsyslog action statement ACTION, e.g.
#   'action(type="omrelp" target="127.0.0.1" port="20514")'.
# Messages are RFC 5424 with HOSTNAME rsyslog-NAME. The action gets an
# in-memory queue that retries for ever, as an operator sets it for
# reliable forwarding. PREAMBLE goes before everything else (global
# settings such as the TLS files of omfwd's netstream driver).
sl_rsyslog_start() {
	local name=$1 action=$2 preamble=${3:-} dir="$SL_WORK/$1"
	mkdir -p "$dir"
	: >>"$SL_WORK/$name.lines"
	cat >"$dir/rsyslog.conf" <<CONF
$preamble
global(workDirectory="$dir" maxMessageSize="64k")
module(load="imfile")
module(load="omrelp")
template(name="seqtest" type="string"
	string="<%PRI%>1 %TIMESTAMP:::date-rfc3339% rsyslog-$name %syslogtag% - - - %msg%")
ruleset(name="forward" queue.type="LinkedList" queue.size="200000") {
	$action
}
input(type="imfile" file="$SL_WORK/$name.lines" tag="seqtest"
      facility="local4" severity="info" ruleset="forward")
CONF
	sed -i 's/^\(\t*action(\)/\1template="seqtest" queue.type="LinkedList" queue.size="200000" action.resumeRetryCount="-1" action.resumeInterval="1" /' \
		"$dir/rsyslog.conf"
	rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslog.pid" \
		>"$dir/rsyslog.log" 2>&1 &
	SL_PIDS+=($!)
	sl_log "rsyslog $name started"
}

# sl_seq_lines FILE FIRST LAST [CHUNK PAUSE]: appends the numbered lines
# "seq=%08d ..." FIRST..LAST to FILE, CHUNK lines at a time with PAUSE
# seconds between chunks (default: all at once).
sl_seq_lines() {
	local file=$1 first=$2 last=$3 chunk=${4:-0} pause=${5:-0} i
	if [ "$chunk" -eq 0 ]; then
		seq -f "seq=%08g sluice stream test message" "$first" "$last" >>"$file"
		return
	fi
	for ((i = first; i <= last; i += chunk)); do
		seq -f "seq=%08g sluice stream test message" "$i" \
			"$((i + chunk - 1 < last ? i + chunk - 1 : last))" >>"$file"
		sleep "$pause"
	done
}

# sl_kafka_seq TOPIC COUNT MODE [SECONDS]: reads the topic again and again
# (all of it) until seqcheck.py accepts it in MODE (exactly-once or
# at-least-once) or SECONDS (default 60) pass; fails the test then. The
# last read is $SL_WORK/kafka.txt, the verdict in the test log.
sl_kafka_seq() {
	local topic=$1 count=$2 mode=$3 limit=${4:-60} start=$SECONDS verdict
	while :; do
		"$SL_BUILD/tools/sluice-cat" --brokers "$SL_BROKERS" --topic "$topic" \
			--from-beginning --timeout 4 >"$SL_WORK/kafka.txt" 2>"$SL_WORK/kafka.err"
		if verdict=$("$SL_PY" "$SL_SRC/tests/integration/seqcheck.py" \
			"$SL_WORK/kafka.txt" "$count" "$mode"); then
			sl_log "$verdict"
			return 0
		fi
		if [ $((SECONDS - start)) -ge "$limit" ]; then
			sl_log "$verdict"
			sl_fail "Kafka does not hold the $count messages $mode after $limit s"
		fi
		sleep 1
	done
}

# sl_live_stat NAME: a counter from a fresh SIGUSR1 stats line of the
# running sluiced (0 when absent).
sl_live_stat() {
	local before after v i
	before=$(grep -c "sluiced: stats" "$SL_WORK/sluiced.log" || true)
	kill -USR1 "$SL_SLUICED_PID"
	for i in $(seq 1 50); do
		after=$(grep -c "sluiced: stats" "$SL_WORK/sluiced.log" || true)
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	v=$(grep "sluiced: stats" "$SL_WORK/sluiced.log" | tail -n 1 |
		tr ' ' '\n' | sed -n "s/^$1=//p")
	echo "${v:-0}"
}
