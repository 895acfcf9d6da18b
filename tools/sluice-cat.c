/* sluice-cat: reads one Kafka topic without a consumer group and prints
 * its messages, raw or as JSON lines. Made for tests and for looking at
 * what sluiced delivered: it can stop after a number of messages or a
 * time, and says by its exit status whether the number was reached.
 * With --verify it prints nothing of the messages but checks the ones
 * sluice-blast sent (sl_verify.h) for losses, duplicates, reordering and
 * latency, and says by its exit status whether all arrived. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "sl_args.h"
#include "sl_envelope.h"
#include "sl_keys.h"
#include "sl_syslog.h"
#include "sl_verify.h"

#define CAT_MAX_PROPS 64
#define CAT_BATCH 4096
/* Longest single wait for messages, so a signal is noticed in time. */
#define CAT_WAIT_MS 200
/* Longest wait for one metadata or offsets answer before asking again. */
#define CAT_REQUEST_MS 2000
/* Pause between two looks for a topic that does not exist yet. */
#define CAT_TOPIC_RETRY_MS 250
#define CAT_MAX_TIMEOUT_S 31536000.0
/* --verify without --timeout: stop after this long without a message. */
#define CAT_VERIFY_IDLE_MS 10000
#define CAT_VERIFY_TOP 20

enum cat_format { CAT_RAW, CAT_JSON };

/* Parsed command line. topic and brokers are set once parse_args()
 * returned 0; count 0 means "no count", timeout_ms -1 "no timeout",
 * partition -1 "every partition". With verify set, from_beginning is set
 * too and timeout_ms (never -1 then) is the longest wait without a new
 * message; the expect fields and top are used only then. Strings point
 * into argv. */
struct cat_args {
	const char *brokers;
	const char *topic;
	int from_beginning;
	uint64_t count;
	int64_t timeout_ms;
	int32_t partition;
	enum cat_format format;
	int keys;
	int no_decode;          /* print envelopes as stored */
	const char *key_file;   /* keys of encrypted envelopes, or NULL */
	int verify;
	int exactly_once;       /* --verify: a duplicate fails the run too */
	uint64_t sent_after_ms; /* --verify: older blast messages left out */
	struct sl_verify_expect expect;
	uint64_t top;
	unsigned n_props;
	char *props[CAT_MAX_PROPS];
};

/* State of one run. parts[0..n_parts) are the partition ids consumed
 * through queue, of which the first `started` run. at_eof[p], for a
 * partition id p below n_eof (the topic's partition count), is 1 while
 * that partition has nothing more to give. */
struct cat_run {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	rd_kafka_queue_t *queue;
	int n_parts;
	int32_t *parts;
	int n_eof;
	uint8_t *at_eof;
	int started;
	uint64_t printed;
	uint64_t eofs;
	int64_t start_ms;
	int64_t deadline_ms;
	struct sl_envelope_decoder *dec;  /* NULL with --no-decode */
	uint64_t bad_envelopes;
	struct sl_verify *ver;            /* set with --verify only */
	uint64_t ver_counted;             /* what ver had counted ... */
	int64_t last_read_ms;             /* ... when it last moved (epoch) */
	int64_t *next_offset;             /* --verify: per partition id */
	uint64_t skipped;                 /* offsets the log no longer had */
};

static volatile sig_atomic_t cat_stop;
/* Set from librdkafka's error callback when going on makes no sense. */
static volatile sig_atomic_t cat_fatal;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-cat --brokers B --topic T [--from-beginning] "
		"[--count N]\n"
		"                  [--timeout S] [--partition P] "
		"[--format raw|json] [--keys]\n"
		"                  [--key-file FILE | --no-decode] "
		"[-X KEY=VALUE]...\n"
		"       sluice-cat --verify --brokers B --topic T [--count N] "
		"[--timeout S]\n"
		"                  [--expect N | --expect-total N] "
		"[--exactly-once] [--top N] ...\n"
		"\n"
		"Prints the messages of topic T, one per line, in partition "
		"order. Sluice\n"
		"envelopes (docs/envelope.md) are opened and their messages "
		"printed one by one.\n"
		"\n"
		"  --brokers B        bootstrap servers, host:port[,...]\n"
		"  --topic T          topic to read; waited for if it does not "
		"exist yet\n"
		"  --from-beginning   start at the oldest message (default: "
		"only new ones)\n"
		"  --count N          stop after N messages; exit 1 if they "
		"do not come\n"
		"                     within --timeout\n"
		"  --timeout S        stop after S seconds (decimals allowed)\n"
		"  --partition P      read partition P only\n"
		"  --format raw|json  raw: the value bytes as they are, then "
		"'\\n' (default)\n"
		"                     json: one object per line with topic, "
		"partition,\n"
		"                     offset, key, timestamp_ms, headers, "
		"value\n"
		"                     (with host, source and rx_ns of each "
		"message)\n"
		"  --keys             raw format: print KEY<TAB>VALUE\n"
		"  --key-file FILE    key file of encrypted envelopes "
		"(sluice-keygen)\n"
		"  --no-decode        print envelopes as stored, do not open "
		"them\n"
		"  -X KEY=VALUE       librdkafka consumer property "
		"(repeatable)\n"
		"  --verify           check sluice-blast's messages instead of "
		"printing them:\n"
		"                     per host received, lost, duplicated, "
		"reordered and\n"
		"                     latency, then one summary line; reads "
		"from the\n"
		"                     beginning, --timeout S is the idle time "
		"(default 10)\n"
		"  --expect N         --verify: each host sent seq 1..N\n"
		"  --expect-total N   --verify: all hosts together sent N "
		"messages\n"
		"  --exactly-once     --verify: a duplicate fails the check "
		"too\n"
		"  --sent-after MS    --verify: leave out messages sent before "
		"MS (ms since\n"
		"                     the epoch), e.g. a probe or an earlier "
		"run\n"
		"  --top N            --verify: hosts in the table, most lost "
		"first (20)\n"
		"  --help             show this help\n"
		"\n"
		"Exit status: 0 done, 1 --count not reached or a Kafka error, "
		"2 bad usage.\n"
		"With --verify: 0 nothing lost (and, with --exactly-once, "
		"nothing duplicated),\n"
		"1 otherwise or on a Kafka error, 2 bad usage.\n");
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Parses --timeout into milliseconds (at least 1). */
static int
parse_timeout(const char *text, int64_t *ms)
{
	double v;

	if (sl_args_seconds(text, CAT_MAX_TIMEOUT_S, &v) != 0)
		return -1;
	*ms = (int64_t)(v * 1000.0);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	cat_stop = 1;
}

/* Returns 0, 1 for --help, or -1 with a message on stderr. */
static int
parse_args(int argc, char **argv, struct cat_args *a)
{
	static const struct option opts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "from-beginning", no_argument, NULL, 'B' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "partition", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'F' },
		{ "keys", no_argument, NULL, 'k' },
		{ "key-file", required_argument, NULL, 'K' },
		{ "no-decode", no_argument, NULL, 'N' },
		{ "verify", no_argument, NULL, 'V' },
		{ "expect", required_argument, NULL, 'e' },
		{ "expect-total", required_argument, NULL, 'E' },
		{ "exactly-once", no_argument, NULL, 'O' },
		{ "sent-after", required_argument, NULL, 'A' },
		{ "top", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int format_given = 0, verify_only = 0;
	uint64_t v;
	int c;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = -1;
	a->partition = -1;
	a->format = CAT_RAW;
	a->top = CAT_VERIFY_TOP;

	while ((c = getopt_long(argc, argv, "b:t:Bc:T:p:F:khX:", opts,
				NULL)) != -1) {
		switch (c) {
		case 'b':
			a->brokers = optarg;
			break;
		case 't':
			a->topic = optarg;
			break;
		case 'B':
			a->from_beginning = 1;
			break;
		case 'c':
			if (sl_args_count(optarg, 1, UINT64_MAX, &a->count) < 0) {
				fprintf(stderr, "sluice-cat: bad --count \"%s\"\n",
					optarg);
				return -1;
			}
			break;
		case 'T':
			if (parse_timeout(optarg, &a->timeout_ms) < 0) {
				fprintf(stderr, "sluice-cat: bad --timeout \"%s\": "
					"want seconds > 0\n", optarg);
				return -1;
			}
			break;
		case 'p':
			if (sl_args_count(optarg, 0, INT32_MAX, &v) < 0) {
				fprintf(stderr, "sluice-cat: bad --partition "
					"\"%s\"\n", optarg);
				return -1;
			}
			a->partition = (int32_t)v;
			break;
		case 'F':
			if (strcmp(optarg, "raw") == 0) {
				a->format = CAT_RAW;
			} else if (strcmp(optarg, "json") == 0) {
				a->format = CAT_JSON;
			} else {
				fprintf(stderr, "sluice-cat: bad --format \"%s\": "
					"want raw or json\n", optarg);
				return -1;
			}
			format_given = 1;
			break;
		case 'k':
			a->keys = 1;
			break;
		case 'K':
			a->key_file = optarg;
			break;
		case 'N':
			a->no_decode = 1;
			break;
		case 'V':
			a->verify = 1;
			break;
		case 'e':
		case 'E':
			if (sl_args_count(optarg, 1, c == 'e' ? SL_VERIFY_SEQ_MAX :
					  UINT64_MAX, &v) < 0) {
				fprintf(stderr, "sluice-cat: bad --%s \"%s\"\n",
					c == 'e' ? "expect" : "expect-total",
					optarg);
				return -1;
			}
			if (c == 'e')
				a->expect.expect_host = v;
			else
				a->expect.expect_total = v;
			verify_only = 1;
			break;
		case 'O':
			a->exactly_once = 1;
			verify_only = 1;
			break;
		case 'A':
			/* Up to 2^63 ns, where the send time in ns would wrap. */
			if (sl_args_count(optarg, 1, INT64_MAX / 1000000,
					  &a->sent_after_ms) < 0) {
				fprintf(stderr, "sluice-cat: bad --sent-after "
					"\"%s\": want ms since the epoch\n",
					optarg);
				return -1;
			}
			verify_only = 1;
			break;
		case 'o':
			if (sl_args_count(optarg, 0, UINT32_MAX, &a->top) < 0) {
				fprintf(stderr, "sluice-cat: bad --top \"%s\"\n",
					optarg);
				return -1;
			}
			verify_only = 1;
			break;
		case 'X':
			if (a->n_props == CAT_MAX_PROPS ||
			    strchr(optarg, '=') == NULL || optarg[0] == '=') {
				fprintf(stderr, "sluice-cat: bad -X \"%s\": want "
					"KEY=VALUE, at most %d\n", optarg,
					CAT_MAX_PROPS);
				return -1;
			}
			a->props[a->n_props++] = optarg;
			break;
		case 'h':
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sluice-cat: unexpected argument \"%s\"\n",
			argv[optind]);
		return -1;
	}
	if (a->brokers == NULL || a->brokers[0] == '\0' || a->topic == NULL ||
	    a->topic[0] == '\0') {
		fprintf(stderr, "sluice-cat: --brokers and --topic are "
			"required\n");
		return -1;
	}
	if (a->key_file != NULL && a->no_decode) {
		fprintf(stderr, "sluice-cat: --key-file decrypts envelopes, "
			"--no-decode prints them as stored: choose one\n");
		return -1;
	}
	if (a->keys && a->format != CAT_RAW) {
		fprintf(stderr, "sluice-cat: --keys is for --format raw; json "
			"always has the key\n");
		return -1;
	}
	if (verify_only && !a->verify) {
		fprintf(stderr, "sluice-cat: --expect, --expect-total, "
			"--exactly-once and --top go with --verify\n");
		return -1;
	}
	if (a->verify && (a->keys || format_given)) {
		fprintf(stderr, "sluice-cat: --verify prints no messages: "
			"--format and --keys do not apply\n");
		return -1;
	}
	if (a->expect.expect_host > 0 && a->expect.expect_total > 0) {
		fprintf(stderr, "sluice-cat: --expect and --expect-total: "
			"choose one\n");
		return -1;
	}
	if (a->verify) {
		a->from_beginning = 1;
		if (a->timeout_ms < 0)
			a->timeout_ms = CAT_VERIFY_IDLE_MS;
	}
	return 0;
}

/* Returns the length of the well-formed UTF-8 sequence at p[0..n), or 0
 * when there is none (stray continuation byte, overlong form, surrogate,
 * beyond U+10FFFF, or cut short). Table 3-7 of the Unicode standard. */
static size_t
utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Writes data[0..len) as a JSON string: well-formed UTF-8 goes through,
 * quotes, backslashes, control characters and DEL are escaped, and every
 * byte that is not part of well-formed UTF-8 becomes \u00XX, so any
 * input yields valid JSON and binary data stays recognisable. */
static void
json_string(FILE *f, const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	size_t run = 0, i = 0;

	putc_unlocked('"', f);
	while (i < len) {
		unsigned char c = p[i];
		size_t seq;
		char short_esc;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (seq = utf8_seq_len(p + i, len - i)) > 0) {
			i += seq;
			continue;
		}
		fwrite_unlocked(p + run, 1, i - run, f);
		switch (c) {
		case '"': short_esc = '"'; break;
		case '\\': short_esc = '\\'; break;
		case '\b': short_esc = 'b'; break;
		case '\f': short_esc = 'f'; break;
		case '\n': short_esc = 'n'; break;
		case '\r': short_esc = 'r'; break;
		case '\t': short_esc = 't'; break;
		default: short_esc = '\0'; break;
		}
		putc_unlocked('\\', f);
		if (short_esc != '\0') {
			putc_unlocked(short_esc, f);
		} else {
			fputs_unlocked("u00", f);
			putc_unlocked(hex[c >> 4], f);
			putc_unlocked(hex[c & 0xf], f);
		}
		i++;
		run = i;
	}
	fwrite_unlocked(p + run, 1, i - run, f);
	putc_unlocked('"', f);
}

/* JSON string of data, or null when data is NULL (no key, a tombstone). */
static void
json_bytes(FILE *f, const void *data, size_t len)
{
	if (data == NULL)
		fputs_unlocked("null", f);
	else
		json_string(f, data, len);
}

/* Prints ,"field":VALUE from header name of m (null when absent); the
 * value as a JSON number when numeric is set and it is all digits. */
static void
print_header_field(FILE *f, const rd_kafka_message_t *m, const char *field,
		   const char *name, int numeric)
{
	rd_kafka_headers_t *hdrs;
	const void *val = NULL;
	size_t size = 0, i;

	fprintf(f, ",\"%s\":", field);
	if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_header_get_last(hdrs, name, &val, &size) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR || val == NULL) {
		fputs_unlocked("null", f);
		return;
	}
	for (i = 0; numeric && i < size; i++)
		if (((const char *)val)[i] < '0' || ((const char *)val)[i] > '9')
			numeric = 0;
	if (numeric && size > 0)
		fwrite_unlocked(val, 1, size, f);
	else
		json_bytes(f, val, size);
}

static void
print_json(FILE *f, const rd_kafka_message_t *m)
{
	rd_kafka_timestamp_type_t tstype;
	rd_kafka_headers_t *hdrs;
	int64_t ts = rd_kafka_message_timestamp(m, &tstype);
	const char *name;
	const void *val;
	size_t size, idx;

	fputs_unlocked("{\"topic\":", f);
	json_string(f, rd_kafka_topic_name(m->rkt),
		    strlen(rd_kafka_topic_name(m->rkt)));
	fprintf(f, ",\"partition\":%" PRId32 ",\"offset\":%" PRId64 ",\"key\":",
		m->partition, m->offset);
	json_bytes(f, m->key, m->key_len);
	if (tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE)
		fputs_unlocked(",\"timestamp_ms\":null", f);
	else
		fprintf(f, ",\"timestamp_ms\":%" PRId64, ts);
	fputs_unlocked(",\"headers\":{", f);
	/* The headers belong to m; rd_kafka_message_headers() parses them
	 * on first use. */
	if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		for (idx = 0; rd_kafka_header_get_all(hdrs, idx, &name, &val,
						      &size) ==
			      RD_KAFKA_RESP_ERR_NO_ERROR; idx++) {
			if (idx > 0)
				putc_unlocked(',', f);
			json_string(f, name, strlen(name));
			putc_unlocked(':', f);
			json_bytes(f, val, size);
		}
	}
	fputs_unlocked("},\"host\":", f);
	json_bytes(f, m->key, m->key_len);
	print_header_field(f, m, "source", "sluice.source", 0);
	print_header_field(f, m, "rx_ns", "sluice.rx_ns", 1);
	fputs_unlocked(",\"value\":", f);
	json_bytes(f, m->payload, m->len);
	fputs_unlocked("}\n", f);
}

/* Prints one message of an envelope: raw, or JSON with where it came
 * from (host from its syslog header, else its source IP). */
static void
print_envelope_msg(FILE *f, const struct cat_args *a,
		   const rd_kafka_message_t *m, uint32_t index,
		   const struct sl_envelope_msg *e)
{
	char ip[INET6_ADDRSTRLEN];
	struct sl_syslog_msg hdr;

	if (inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, ip,
		      sizeof(ip)) == NULL)
		snprintf(ip, sizeof(ip), "?");
	if (a->format == CAT_RAW) {
		if (a->keys)
			fprintf(f, "%s\t", ip);
		fwrite_unlocked(e->data, 1, e->len, f);
		putc_unlocked('\n', f);
		return;
	}
	sl_syslog_parse(e->data, e->len, &hdr);
	fputs_unlocked("{\"topic\":", f);
	json_string(f, rd_kafka_topic_name(m->rkt),
		    strlen(rd_kafka_topic_name(m->rkt)));
	fprintf(f, ",\"partition\":%" PRId32 ",\"offset\":%" PRId64
		",\"index\":%" PRIu32 ",\"host\":", m->partition, m->offset,
		index);
	if (hdr.hostname.len > 0)
		json_bytes(f, e->data + hdr.hostname.off, hdr.hostname.len);
	else
		json_string(f, ip, strlen(ip));
	fprintf(f, e->family == 6 ? ",\"source\":\"[%s]:%u\"" :
		",\"source\":\"%s:%u\"", ip, e->port);
	fprintf(f, ",\"rx_ns\":%" PRIu64 ",\"value\":", e->rx_ns);
	json_bytes(f, e->data, e->len);
	fputs_unlocked("}\n", f);
}

/* Returns the record time stamp of m in ms since the epoch, or -1 when
 * the broker gave none. */
static int64_t
record_ms(const rd_kafka_message_t *m)
{
	rd_kafka_timestamp_type_t tstype;
	int64_t ts = rd_kafka_message_timestamp(m, &tstype);

	return tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || ts < 0 ? -1 : ts;
}

/* Hands the value of m (a plain message) to the verifier. Returns 0, or
 * -1 when out of memory (said on stderr). */
static int
verify_record(struct cat_run *r, const rd_kafka_message_t *m)
{
	static const uint8_t none[1];
	const uint8_t *data = m->payload != NULL ? m->payload : none;

	if (sl_verify_add(r->ver, data, m->payload != NULL ? m->len : 0,
			  record_ms(m)) < 0) {
		fprintf(stderr, "sluice-cat: verify: out of memory\n");
		return -1;
	}
	return 0;
}

/* Prints the messages of envelope m, at most limit of them, or with
 * --verify hands them to the verifier, each with the record's time
 * stamp. Returns how many, or -1 when the envelope cannot be opened or
 * the verifier ran out of memory (said on stderr). */
static int64_t
read_envelope(FILE *f, const struct cat_args *a, struct cat_run *r,
	      const rd_kafka_message_t *m, uint64_t limit)
{
	int64_t ts_ms = record_ms(m);
	struct sl_envelope_header h;
	struct sl_envelope_msg e;
	enum sl_envelope_error err;
	uint64_t n = 0;
	int rc;

	err = sl_envelope_open(r->dec, m->payload, m->len, &h);
	if (err != SL_ENV_OK) {
		fprintf(stderr, "sluice-cat: %s [%" PRId32 "] offset %" PRId64
			": envelope not read: %s\n", a->topic, m->partition,
			m->offset, sl_envelope_strerror(err));
		r->bad_envelopes++;
		return -1;
	}
	while (n < limit && (rc = sl_envelope_next(r->dec, &e)) == 1) {
		if (r->ver == NULL) {
			print_envelope_msg(f, a, m, (uint32_t)n, &e);
		} else if (sl_verify_add(r->ver, e.data, e.len, ts_ms) < 0) {
			fprintf(stderr, "sluice-cat: verify: out of memory\n");
			return -1;
		}
		n++;
	}
	if (n < limit && rc < 0) {
		fprintf(stderr, "sluice-cat: %s [%" PRId32 "] offset %" PRId64
			": envelope record %" PRIu64 ": %s\n", a->topic,
			m->partition, m->offset, n,
			sl_envelope_strerror((enum sl_envelope_error)-rc));
		r->bad_envelopes++;
	}
	return (int64_t)n;
}

static void
print_raw(FILE *f, const rd_kafka_message_t *m, int keys)
{
	if (keys) {
		if (m->key != NULL)
			fwrite_unlocked(m->key, 1, m->key_len, f);
		putc_unlocked('\t', f);
	}
	if (m->payload != NULL)
		fwrite_unlocked(m->payload, 1, m->len, f);
	putc_unlocked('\n', f);
}

static void
kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= LOG_WARNING)
		fprintf(stderr, "sluice-cat: kafka: %s: %s\n", fac, buf);
}

/* Transport failures already come through kafka_log(); only what the log
 * does not say, or what ends the run, is reported here. */
static void
kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)rk;
	(void)opaque;
	switch (err) {
	case RD_KAFKA_RESP_ERR__FATAL:
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
		fprintf(stderr, "sluice-cat: kafka error: %s\n", reason);
		cat_fatal = 1;
		break;
	case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
		fprintf(stderr, "sluice-cat: kafka error: %s\n", reason);
		break;
	default:
		break;
	}
}

/* Milliseconds to wait next: at most cap, never past the deadline.
 * Returns 0 once the deadline passed. */
static int
left_ms(const struct cat_run *r, int cap)
{
	int64_t left;

	if (r->deadline_ms < 0)
		return cap;
	left = r->deadline_ms - now_ms();
	if (left <= 0)
		return 0;
	return left < cap ? (int)left : cap;
}

static int
create_consumer(const struct cat_args *a, struct cat_run *r)
{
	/* Large fetches and a deep local queue: sluice-cat is often asked to
	 * read millions of small messages. The short fetch wait keeps it
	 * lively when it follows a topic. */
	static const char *const tuning[][2] = {
		{ "client.id", "sluice-cat" },
		{ "enable.partition.eof", "true" },
		{ "fetch.wait.max.ms", "100" },
		{ "fetch.message.max.bytes", "4194304" },
		{ "queued.min.messages", "500000" },
		{ "queued.max.messages.kbytes", "262144" },
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[512];
	size_t i;

	rd_kafka_conf_set_log_cb(conf, kafka_log);
	rd_kafka_conf_set_error_cb(conf, kafka_error);
	if (rd_kafka_conf_set(conf, "bootstrap.servers", a->brokers, err,
			      sizeof(err)) != RD_KAFKA_CONF_OK)
		goto fail;
	for (i = 0; i < sizeof(tuning) / sizeof(tuning[0]); i++)
		if (rd_kafka_conf_set(conf, tuning[i][0], tuning[i][1], err,
				      sizeof(err)) != RD_KAFKA_CONF_OK)
			goto fail;
	/* After the tuning, so -X overrides it. */
	for (i = 0; i < a->n_props; i++) {
		char *eq = strchr(a->props[i], '=');
		rd_kafka_conf_res_t res;

		*eq = '\0';
		res = rd_kafka_conf_set(conf, a->props[i], eq + 1, err,
					sizeof(err));
		*eq = '=';
		if (res != RD_KAFKA_CONF_OK)
			goto fail;
	}

	/* On success rd_kafka_new() owns conf. */
	r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (r->rk == NULL)
		goto fail;
	r->rkt = rd_kafka_topic_new(r->rk, a->topic, NULL);
	if (r->rkt == NULL) {
		fprintf(stderr, "sluice-cat: topic %s: %s\n", a->topic,
			rd_kafka_err2str(rd_kafka_last_error()));
		return -1;
	}
	r->queue = rd_kafka_queue_new(r->rk);
	return 0;

fail:
	fprintf(stderr, "sluice-cat: %s\n", err);
	rd_kafka_conf_destroy(conf);
	return -1;
}

/* Topic errors that go away by themselves on a cluster that is creating
 * the topic or electing leaders. */
static int
topic_err_transient(rd_kafka_resp_err_t err)
{
	return err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
	       err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
	       err == RD_KAFKA_RESP_ERR__TRANSPORT ||
	       err == RD_KAFKA_RESP_ERR__TIMED_OUT;
}

/* Looks the topic up until it exists, fills r->parts with the partitions
 * to read, and sets *waited when the cluster reported the topic missing
 * or leaderless before it appeared. Returns 0, 1 when stopped (signal or deadline) before the topic
 * appeared, or -1 on an error that waiting will not cure. */
static int
find_partitions(const struct cat_args *a, struct cat_run *r, int *waited)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
	int told = 0;
	int i, rc = -1;

	*waited = 0;
	for (;;) {
		int ms = left_ms(r, CAT_REQUEST_MS);

		if (cat_stop || cat_fatal)
			return cat_fatal ? -1 : 1;
		if (ms == 0) {
			fprintf(stderr, "sluice-cat: topic %s not found in time: "
				"%s\n", a->topic, rd_kafka_err2str(err));
			return 1;
		}
		err = rd_kafka_metadata(r->rk, 0, r->rkt, &md, ms);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (md->topic_cnt == 1)
				err = md->topics[0].err;
			else
				err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
			if (err == RD_KAFKA_RESP_ERR_NO_ERROR &&
			    md->topics[0].partition_cnt > 0)
				break;
			if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
				err = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
			rd_kafka_metadata_destroy(md);
			md = NULL;
		}
		if (!topic_err_transient(err)) {
			fprintf(stderr, "sluice-cat: topic %s: %s\n", a->topic,
				rd_kafka_err2str(err));
			return -1;
		}
		if (!told) {
			fprintf(stderr, "sluice-cat: waiting for topic %s (%s)\n",
				a->topic, rd_kafka_err2str(err));
			told = 1;
		}
		/* Only a cluster that answered "no such topic (yet)" says the
		 * topic is new; one that could not be reached says nothing. */
		if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
		    err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
			*waited = 1;
		ms = left_ms(r, CAT_TOPIC_RETRY_MS);
		if (ms > 0) {
			struct timespec ts = { 0, (long)ms * 1000000L };

			nanosleep(&ts, NULL);
		}
	}

	if (a->partition >= 0) {
		for (i = 0; i < md->topics[0].partition_cnt; i++)
			if (md->topics[0].partitions[i].id == a->partition)
				break;
		if (i == md->topics[0].partition_cnt) {
			fprintf(stderr, "sluice-cat: topic %s has no partition "
				"%" PRId32 " (%d partitions)\n", a->topic,
				a->partition, md->topics[0].partition_cnt);
			goto out;
		}
		r->n_parts = 1;
	} else {
		r->n_parts = md->topics[0].partition_cnt;
	}
	r->parts = calloc((size_t)r->n_parts, sizeof(*r->parts));
	/* Partition ids run from 0 to the partition count minus one, so the
	 * end-of-log marks are indexed by id: no search per message. */
	r->n_eof = md->topics[0].partition_cnt;
	r->at_eof = calloc((size_t)r->n_eof, sizeof(*r->at_eof));
	if (a->verify)
		r->next_offset = calloc((size_t)r->n_eof,
					sizeof(*r->next_offset));
	if (r->parts == NULL || r->at_eof == NULL ||
	    (a->verify && r->next_offset == NULL)) {
		fprintf(stderr, "sluice-cat: out of memory\n");
		goto out;
	}
	if (a->partition >= 0)
		r->parts[0] = a->partition;
	else
		for (i = 0; i < r->n_parts; i++)
			r->parts[i] = md->topics[0].partitions[i].id;
	rc = 0;
out:
	rd_kafka_metadata_destroy(md);
	return rc;
}

/* Starts every partition on the shared queue. "New messages only" is
 * pinned to the end offsets as they are now, not whenever the fetchers
 * get to it, so what is produced after this returns is seen. */
static int
start_partitions(const struct cat_args *a, struct cat_run *r, int waited)
{
	rd_kafka_topic_partition_list_t *tpl = NULL;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
	int i, rc = -1;

	/* A topic that appeared while we waited holds only messages that
	 * came after sluice-cat started: read all of it. */
	if (a->from_beginning || waited) {
		for (i = 0; i < r->n_parts; i++) {
			if (rd_kafka_consume_start_queue(r->rkt, r->parts[i],
							 RD_KAFKA_OFFSET_BEGINNING,
							 r->queue) < 0)
				goto start_failed;
			r->started = i + 1;
		}
		return 0;
	}

	tpl = rd_kafka_topic_partition_list_new(r->n_parts);
	for (i = 0; i < r->n_parts; i++)
		rd_kafka_topic_partition_list_add(tpl, a->topic, r->parts[i])
			->offset = RD_KAFKA_OFFSET_END;
	for (;;) {
		int ms = left_ms(r, CAT_REQUEST_MS);

		if (cat_stop || cat_fatal || ms == 0) {
			fprintf(stderr, "sluice-cat: topic %s: end offsets: %s\n",
				a->topic, rd_kafka_err2str(err));
			goto out;
		}
		err = rd_kafka_offsets_for_times(r->rk, tpl, ms);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
			break;
		if (!topic_err_transient(err)) {
			fprintf(stderr, "sluice-cat: topic %s: end offsets: %s\n",
				a->topic, rd_kafka_err2str(err));
			goto out;
		}
	}
	for (i = 0; i < r->n_parts; i++) {
		const rd_kafka_topic_partition_t *p = &tpl->elems[i];
		int64_t off = p->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
			      p->offset >= 0 ? p->offset : RD_KAFKA_OFFSET_END;

		if (rd_kafka_consume_start_queue(r->rkt, p->partition, off,
						 r->queue) < 0)
			goto start_failed;
		r->started = i + 1;
	}
	rc = 0;
	goto out;

start_failed:
	fprintf(stderr, "sluice-cat: topic %s [%" PRId32 "]: %s\n", a->topic,
		r->parts[r->started], rd_kafka_err2str(rd_kafka_last_error()));
out:
	if (tpl != NULL)
		rd_kafka_topic_partition_list_destroy(tpl);
	return rc;
}

/* Marks partition p at or off its end of log. */
static void
set_eof(struct cat_run *r, int32_t p, uint8_t v)
{
	if (p >= 0 && p < r->n_eof)
		r->at_eof[p] = v;
}

/* Prints the message m, or hands it to the verifier, and counts it.
 * Returns 0, or -1 when the verifier ran out of memory. */
static int
take_message(FILE *out, const struct cat_args *a, struct cat_run *r,
	     const rd_kafka_message_t *m)
{
	if (r->dec != NULL && sl_envelope_is_envelope(m->payload, m->len)) {
		int64_t got = read_envelope(out, a, r, m,
					    a->count ? a->count - r->printed :
						       UINT64_MAX);

		if (got > 0)
			r->printed += (uint64_t)got;
		return got < 0 && r->ver != NULL ? -1 : 0;
	}
	if (r->ver != NULL) {
		if (verify_record(r, m) < 0)
			return -1;
	} else if (a->format == CAT_JSON) {
		print_json(out, m);
	} else {
		print_raw(out, m, a->keys);
	}
	r->printed++;
	return 0;
}

/* Prints messages until the count, the deadline, a signal or a fatal
 * error. With --verify the deadline moves on with every message, so it
 * ends the run after --timeout without one. Returns 0, or -1 on a
 * failure already reported. */
/* With --verify, counts the offsets of m's partition that were never read
 * because the log no longer had them (its start moved past them before
 * they were fetched: a broker's retention). Such records count as lost
 * too, but were not lost by whoever produced them. Offsets are read in
 * order per partition, from the first. */
static void
note_offset(struct cat_run *r, const rd_kafka_message_t *m)
{
	int64_t *next;

	if (m->partition < 0 || m->partition >= r->n_eof)
		return;
	next = &r->next_offset[m->partition];
	if (m->offset > *next)
		r->skipped += (uint64_t)(m->offset - *next);
	if (m->offset >= *next)
		*next = m->offset + 1;
}

/* With --verify, notes the time (ms since the epoch) when the verifier's
 * count last moved: the moment the last blast message became readable, a
 * clock that does not depend on how a producer stamps its records
 * (rsyslog's omkafka stamps the syslog header's time, in whole seconds).
 * Called once per batch read, so it is late by at most one batch. */
static void
note_read(struct cat_run *r)
{
	struct timespec now;
	uint64_t counted;

	if (r->ver == NULL)
		return;
	counted = sl_verify_counted(r->ver);
	if (counted == r->ver_counted)
		return;
	r->ver_counted = counted;
	clock_gettime(CLOCK_REALTIME, &now);
	r->last_read_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int
consume(const struct cat_args *a, struct cat_run *r)
{
	static rd_kafka_message_t *msgs[CAT_BATCH];
	FILE *out = stdout;

	while (!cat_stop && !cat_fatal &&
	       (a->count == 0 || r->printed < a->count)) {
		int ms = left_ms(r, CAT_WAIT_MS);
		ssize_t n, i;

		if (ms == 0)
			break;
		n = rd_kafka_consume_batch_queue(r->queue, ms, msgs, CAT_BATCH);
		if (n < 0) {
			fprintf(stderr, "sluice-cat: consume: %s\n",
				rd_kafka_err2str(rd_kafka_last_error()));
			return -1;
		}
		for (i = 0; i < n; i++) {
			rd_kafka_message_t *m = msgs[i];
			int failed = 0;

			if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				r->eofs++;
				set_eof(r, m->partition, 1);
			} else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
				fprintf(stderr, "sluice-cat: %s [%" PRId32 "]: "
					"%s\n", a->topic, m->partition,
					rd_kafka_message_errstr(m));
			} else if (a->count == 0 || r->printed < a->count) {
				set_eof(r, m->partition, 0);
				if (r->next_offset != NULL)
					note_offset(r, m);
				failed = take_message(out, a, r, m);
				if (a->verify)
					r->deadline_ms = now_ms() + a->timeout_ms;
			}
			rd_kafka_message_destroy(m);
			if (failed < 0) {
				while (++i < n)
					rd_kafka_message_destroy(msgs[i]);
				return -1;
			}
		}
		/* Flushed per batch so a reader following the topic sees
		 * messages as they come, not when a buffer fills. */
		if (fflush(out) == EOF) {
			fprintf(stderr, "sluice-cat: stdout: %s\n",
				strerror(errno));
			return -1;
		}
		note_read(r);
		rd_kafka_poll(r->rk, 0);
	}
	return cat_fatal ? -1 : 0;
}

/* Prints the per-host table and the summary line of --verify on stdout.
 * Returns the exit status: 0 when nothing was lost (nor, with
 * --exactly-once, duplicated), else 1. */
static int
report_verify(const struct cat_args *a, const struct cat_run *r)
{
	static struct sl_verify_totals t;

	if (sl_verify_print_hosts(stdout, r->ver, &a->expect,
				  (size_t)a->top) < 0) {
		fprintf(stderr, "sluice-cat: verify: out of memory\n");
		return 1;
	}
	sl_verify_totals(r->ver, &a->expect, &t);
	printf("sluice-cat: verify hosts=%" PRIu64 " received=%" PRIu64
	       " distinct=%" PRIu64 " lost=%" PRIu64 " duplicated=%" PRIu64
	       " reordered=%" PRIu64 " foreign=%" PRIu64 " older=%" PRIu64
	       " skipped=%" PRIu64 " p50_ms=%.3f"
	       " p99_ms=%.3f p999_ms=%.3f max_ms=%.3f first_sent_ms=%" PRIu64
	       " last_stored_ms=%" PRIu64 " last_read_ms=%" PRId64 "\n",
	       t.hosts, t.received,
	       t.distinct, t.lost, t.duplicated, t.reordered, t.foreign,
	       t.older, r->skipped,
	       (double)sl_hist_quantile(&t.lat, 0.5) / 1000.0,
	       (double)sl_hist_quantile(&t.lat, 0.99) / 1000.0,
	       (double)sl_hist_quantile(&t.lat, 0.999) / 1000.0,
	       (double)t.lat.max / 1000.0, t.first_sent_ns / 1000000u,
	       t.last_stored_ms, r->last_read_ms);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "sluice-cat: stdout: %s\n", strerror(errno));
		return 1;
	}
	if (t.lost > 0 || (a->exactly_once && t.duplicated > 0))
		return 1;
	return 0;
}

static void
close_run(struct cat_run *r)
{
	int i;

	for (i = 0; i < r->started; i++)
		rd_kafka_consume_stop(r->rkt, r->parts[i]);
	if (r->queue != NULL)
		rd_kafka_queue_destroy(r->queue);
	if (r->rkt != NULL)
		rd_kafka_topic_destroy(r->rkt);
	if (r->rk != NULL)
		rd_kafka_destroy(r->rk);
	sl_envelope_decoder_free(r->dec);
	sl_verify_free(r->ver);
	free(r->parts);
	free(r->at_eof);
	free(r->next_offset);
}

int
main(int argc, char **argv)
{
	static struct cat_args args;
	static char outbuf[1 << 20];
	struct cat_run run = { 0 };
	struct sl_keyring *keyring = NULL;
	struct sigaction sa;
	char err[512];
	int status = 1;
	int waited;
	int rc, i, at_end;

	rc = parse_args(argc, argv, &args);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0) {
		fprintf(stderr, "sluice-cat: sigaction: %s\n", strerror(errno));
		return 1;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (args.key_file != NULL) {
		keyring = sl_keyring_load(args.key_file, err, sizeof(err));
		if (keyring == NULL) {
			fprintf(stderr, "sluice-cat: %s\n", err);
			return 2;
		}
	}
	if (!args.no_decode) {
		run.dec = sl_envelope_decoder_new(keyring);
		if (run.dec == NULL) {
			fprintf(stderr, "sluice-cat: out of memory\n");
			goto out;
		}
	}

	if (args.verify) {
		run.ver = sl_verify_new();
		if (run.ver == NULL) {
			fprintf(stderr, "sluice-cat: out of memory\n");
			goto out;
		}
		sl_verify_sent_after(run.ver, args.sent_after_ms * 1000000u);
	}

	run.start_ms = now_ms();
	run.deadline_ms = args.timeout_ms < 0 ? -1 :
			  run.start_ms + args.timeout_ms;

	if (create_consumer(&args, &run) < 0)
		goto out;
	rc = find_partitions(&args, &run, &waited);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		if (start_partitions(&args, &run, waited) < 0)
			goto out;
		if (consume(&args, &run) < 0)
			goto out;
	}

	if (args.verify) {
		status = report_verify(&args, &run);
		goto out;
	}
	if (args.count > 0 && run.printed < args.count) {
		for (i = 0, at_end = 0; i < run.n_parts; i++)
			at_end += run.parts[i] < run.n_eof ?
				  run.at_eof[run.parts[i]] : 0;
		fprintf(stderr, "sluice-cat: got %" PRIu64 " of %" PRIu64
			" messages in %.1f s\n", run.printed, args.count,
			(double)(now_ms() - run.start_ms) / 1000.0);
		if (run.n_parts > 0)
			fprintf(stderr, "sluice-cat: %d of %d partitions at end "
				"of log, %" PRIu64 " end-of-log events\n", at_end,
				run.n_parts, run.eofs);
		goto out;
	}
	status = 0;
out:
	if (run.bad_envelopes > 0) {
		fprintf(stderr, "sluice-cat: %" PRIu64 " envelope(s) could not be "
			"read (see above)\n", run.bad_envelopes);
		status = 1;
	}
	close_run(&run);
	sl_keyring_free(keyring);
	return status;
}
