/* test_syslog.c: syslog header parser against the corpus, real client
 * output (logger 2.38, captured over UDP) and hostile input.
 *
 * Every parsed buffer is a heap copy of exactly the message bytes, so
 * AddressSanitizer catches a read one byte past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_syslog.h"
#include "sl_test_copy.h"

#define SD_NASTY "[exampleSDID@32473 iut=\"3\" eventSource=\"Ap\\\"p\\]l]i[ca\\\\\" " \
		 "eventID=\"1011\"][examplePriority@32473 class=\"high\"][x]"

struct buf {
	uint8_t *p;
	uint32_t len;
};

static struct buf
buf_make(const void *data, size_t len)
{
	struct buf b;

	b.p = sl_test_copy(data, len);
	b.len = (uint32_t)len;
	return b;
}

static void
check_bounds(const struct sl_syslog_msg *m, uint32_t inlen)
{
	const struct sl_span *s[] = {
		&m->timestamp, &m->hostname, &m->app_name, &m->procid,
		&m->msgid, &m->sdata, &m->msg,
	};
	size_t i;

	assert_true(m->len <= inlen);
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		assert_true((uint64_t)s[i]->off + s[i]->len <= m->len);
	assert_true(m->format == SL_SYSLOG_NONE || m->format == SL_SYSLOG_3164 ||
		    m->format == SL_SYSLOG_5424);
	if (m->pri >= 0) {
		assert_true(m->pri <= 191);
		assert_int_equal(m->facility, m->pri / 8);
		assert_int_equal(m->severity, m->pri % 8);
		assert_false(m->flags & SL_SYSLOG_F_NO_PRI);
	} else {
		assert_int_equal(m->pri, -1);
		assert_int_equal(m->facility, 1);
		assert_int_equal(m->severity, 5);
		assert_true(m->flags & SL_SYSLOG_F_NO_PRI);
	}
}

static void
span_equal(struct sl_span a, struct sl_span b)
{
	assert_int_equal(a.off, b.off);
	assert_int_equal(a.len, b.len);
}

/* sl_syslog_parse_min on buf[0..len) agrees with the full parse m as
 * sl_syslog.h promises: the same but for a 5424 message's structured
 * data, which it leaves inside msg. */
static void
check_min(const uint8_t *buf, uint32_t len, const struct sl_syslog_msg *m)
{
	const uint32_t sd_flags = SL_SYSLOG_F_BAD_SD | SL_SYSLOG_F_BOM;
	struct sl_syslog_msg h;

	assert_int_equal(sl_syslog_parse_min(buf, len, &h), m->format);
	check_bounds(&h, len);
	assert_int_equal(h.format, m->format);
	assert_int_equal(h.len, m->len);
	assert_int_equal(h.pri, m->pri);
	assert_int_equal(h.facility, m->facility);
	assert_int_equal(h.severity, m->severity);
	span_equal(h.timestamp, m->timestamp);
	span_equal(h.hostname, m->hostname);
	span_equal(h.app_name, m->app_name);
	span_equal(h.procid, m->procid);
	span_equal(h.msgid, m->msgid);
	if (m->format != SL_SYSLOG_5424) {
		assert_int_equal(h.flags, m->flags);
		span_equal(h.sdata, m->sdata);
		span_equal(h.msg, m->msg);
		return;
	}
	assert_int_equal(h.flags, m->flags & ~sd_flags);
	assert_int_equal(h.sdata.len, 0);
	/* msg starts where the structured data does, and ends at len. */
	assert_int_equal(h.msg.off + h.msg.len, h.len);
	if (m->sdata.len > 0)
		assert_int_equal(h.msg.off, m->sdata.off);
	else if (m->flags & SL_SYSLOG_F_BAD_SD)
		assert_int_equal(h.msg.off, m->msg.off);
	else
		assert_true(buf[h.msg.off] == '-' && h.msg.off < m->msg.off);
}

/* Parses a heap copy of data[0..len) and checks the invariants, and that
 * the minimal parse agrees. The copy is freed; spans are checked against
 * the caller's data. */
static enum sl_syslog_format
parse_n(const void *data, size_t len, struct sl_syslog_msg *m)
{
	struct buf b = buf_make(data, len);
	enum sl_syslog_format f = sl_syslog_parse(b.p, b.len, m);

	assert_int_equal(f, m->format);
	check_bounds(m, b.len);
	check_min(b.p, b.len, m);
	free(b.p);
	return f;
}

static enum sl_syslog_format
parse_s(const char *s, struct sl_syslog_msg *m)
{
	return parse_n(s, strlen(s), m);
}

static void
span_is(const void *base, struct sl_span s, const char *want)
{
	size_t n = strlen(want);

	if (s.len != n)
		fail_msg("span len %u, want %zu (\"%s\"), got \"%.*s\"", s.len, n,
			 want, (int)s.len, (const char *)base + s.off);
	assert_memory_equal((const char *)base + s.off, want, n);
}

/* ---- corpus ---- */

struct corpus {
	char *data;
	size_t len;
};

static struct corpus
corpus_load(const char *name)
{
	const char *dir = getenv("SL_CORPUS");
	struct corpus c = { NULL, 0 };
	char path[4096];
	FILE *f;
	long n;

	if (dir == NULL)
		fail_msg("SL_CORPUS is not set");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	c.data = malloc((size_t)n);
	assert_non_null(c.data);
	assert_int_equal(fread(c.data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	c.len = (size_t)n;
	return c;
}

/* Calls fn for each line (without CR LF) of the corpus file; returns the
 * number of lines. */
static unsigned
corpus_each(const char *name, void (*fn)(const char *line, size_t len,
					 unsigned idx))
{
	struct corpus c = corpus_load(name);
	size_t pos = 0;
	unsigned n = 0;

	while (pos < c.len) {
		const char *nl = memchr(c.data + pos, '\n', c.len - pos);
		size_t end = nl ? (size_t)(nl - c.data) : c.len;
		size_t l = end - pos;

		if (l > 0 && c.data[pos + l - 1] == '\r')
			l--;
		fn(c.data + pos, l, n++);
		pos = end + 1;
	}
	free(c.data);
	return n;
}

/* Raw Linux / OpenSSH lines: "Mmm dd hh:mm:ss host tag...: msg" without
 * PRI. The expectation is derived independently from the line. */
static void
raw_bsd_line(const char *line, size_t len, unsigned idx)
{
	struct sl_syslog_msg m;
	char *wire = malloc(len + 2);
	const char *host, *tok, *sp, *br;
	size_t tlen;

	(void)idx;
	assert_non_null(wire);
	memcpy(wire, line, len);
	memcpy(wire + len, "\r\n", 2);
	assert_int_equal(parse_n(wire, len + 2, &m), SL_SYSLOG_3164);
	free(wire);
	assert_int_equal(m.len, len);
	assert_true(m.flags & SL_SYSLOG_F_NO_PRI);
	assert_false(m.flags & SL_SYSLOG_F_BAD_UTF8);
	assert_int_equal(m.timestamp.off, 0);
	assert_int_equal(m.timestamp.len, 15);

	host = line + 16;
	sp = memchr(host, ' ', len - 16);
	assert_non_null(sp);
	assert_int_equal(m.hostname.off, 16);
	assert_int_equal(m.hostname.len, (uint32_t)(sp - host));

	tok = sp + 1;
	sp = memchr(tok, ' ', len - (size_t)(tok - line));
	tlen = sp ? (size_t)(sp - tok) : len - (size_t)(tok - line);
	br = memchr(tok, '[', tlen);
	if (br != NULL) {
		const char *close = memchr(br, ']', tlen - (size_t)(br - tok));

		assert_non_null(close);
		assert_int_equal(m.app_name.off, tok - line);
		assert_int_equal(m.app_name.len, br - tok);
		assert_int_equal(m.procid.off, br + 1 - line);
		assert_int_equal(m.procid.len, close - br - 1);
	} else if (tlen > 0 && tok[tlen - 1] == ':') {
		assert_int_equal(m.app_name.off, tok - line);
		assert_int_equal(m.app_name.len, tlen - 1);
		assert_int_equal(m.procid.len, 0);
	} else {
		assert_int_equal(m.app_name.len, 0);
		assert_int_equal(m.msg.off, tok - line);
		return;
	}
	assert_int_equal(m.msg.off, sp ? (size_t)(sp + 1 - line) : len);
	assert_int_equal(m.msg.off + m.msg.len, len);
}

/* Lines of the other files have no header at all. */
static void
raw_none_line(const char *line, size_t len, unsigned idx)
{
	struct sl_syslog_msg m;
	char *wire = malloc(len + 3);

	assert_non_null(wire);
	memcpy(wire, line, len);
	/* Vary the trailer: CR LF, LF, NUL. */
	memcpy(wire + len, idx % 3 == 0 ? "\r\n\0" : idx % 3 == 1 ? "\n\n\n" : "\0\r\n", 3);
	assert_int_equal(parse_n(wire, len + 3, &m), SL_SYSLOG_NONE);
	free(wire);
	assert_int_equal(m.len, len);
	assert_true(m.flags & SL_SYSLOG_F_NO_PRI);
	assert_int_equal(m.msg.off, 0);
	assert_int_equal(m.msg.len, len);
	assert_int_equal(m.hostname.len + m.app_name.len + m.timestamp.len, 0);
}

static const char *const months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/* Builds header + line + "\r\n" into a heap buffer, parses it, and checks
 * that MSG is the line byte for byte. Returns the header length. */
static size_t
wrap_parse(const char *hdr, const char *line, size_t len,
	   struct sl_syslog_msg *m, enum sl_syslog_format want)
{
	size_t h = strlen(hdr);
	char *wire = malloc(h + len + 2);

	assert_non_null(wire);
	memcpy(wire, hdr, h);
	memcpy(wire + h, line, len);
	memcpy(wire + h + len, "\r\n", 2);
	assert_int_equal(parse_n(wire, h + len + 2, m), want);
	assert_int_equal(m->len, h + len);
	assert_int_equal(m->msg.off, h);
	assert_int_equal(m->msg.len, len);
	assert_memory_equal(wire + m->msg.off, line, len);
	free(wire);
	return h;
}

static void
wrapped_line(const char *line, size_t len, unsigned idx)
{
	struct sl_syslog_msg m;
	char hdr[512], ts[64];
	unsigned pri = idx % 192, day = 1 + idx % 31;
	const char *mon = months[idx % 12];
	int n;

	/* 3164 with PID, day space-padded like syslogd does. */
	n = snprintf(ts, sizeof(ts), "%s %2u %02u:%02u:%02u", mon, day,
		     idx % 24, idx % 60, (idx * 7) % 60);
	snprintf(hdr, sizeof(hdr), "<%u>%s web-%u.example.com app%u[%u]: ", pri,
		 ts, idx, idx % 7, idx * 13);
	wrap_parse(hdr, line, len, &m, SL_SYSLOG_3164);
	assert_int_equal(m.pri, pri);
	assert_false(m.flags & SL_SYSLOG_F_NO_PRI);
	span_is(hdr, m.timestamp, ts);
	assert_int_equal(m.timestamp.len, n);
	{
		char host[64], app[16], pid[16];

		snprintf(host, sizeof(host), "web-%u.example.com", idx);
		snprintf(app, sizeof(app), "app%u", idx % 7);
		snprintf(pid, sizeof(pid), "%u", idx * 13);
		span_is(hdr, m.hostname, host);
		span_is(hdr, m.app_name, app);
		span_is(hdr, m.procid, pid);
	}

	/* 3164 without PID, with rsyslog's RFC 3339 timestamp. */
	snprintf(hdr, sizeof(hdr),
		 "<%u>2024-%02u-%02uT%02u:00:00.%06u+02:00 db1 su: ", pri,
		 1 + idx % 12, day, idx % 24, idx);
	wrap_parse(hdr, line, len, &m, SL_SYSLOG_3164);
	span_is(hdr, m.hostname, "db1");
	span_is(hdr, m.app_name, "su");
	assert_int_equal(m.procid.len, 0);
	assert_int_equal(m.timestamp.len, 32);

	/* 5424 without structured data. */
	snprintf(hdr, sizeof(hdr),
		 "<%u>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog %u ID%u - ",
		 pri, idx, idx % 100);
	wrap_parse(hdr, line, len, &m, SL_SYSLOG_5424);
	assert_int_equal(m.pri, pri);
	span_is(hdr, m.timestamp, "2003-10-11T22:14:15.003Z");
	span_is(hdr, m.hostname, "mymachine.example.com");
	span_is(hdr, m.app_name, "evntslog");
	assert_int_equal(m.sdata.len, 0);
	assert_false(m.flags & SL_SYSLOG_F_BAD_SD);
	{
		char pid[16], mid[16];

		snprintf(pid, sizeof(pid), "%u", idx);
		snprintf(mid, sizeof(mid), "ID%u", idx % 100);
		span_is(hdr, m.procid, pid);
		span_is(hdr, m.msgid, mid);
	}

	/* 5424 with nasty structured data and NILVALUEs. */
	snprintf(hdr, sizeof(hdr), "<%u>1 - host - - - " SD_NASTY " ", pri);
	wrap_parse(hdr, line, len, &m, SL_SYSLOG_5424);
	span_is(hdr, m.sdata, SD_NASTY);
	span_is(hdr, m.hostname, "host");
	assert_int_equal(m.timestamp.len + m.app_name.len + m.procid.len +
			 m.msgid.len, 0);
	assert_false(m.flags & (SL_SYSLOG_F_BAD_SD | SL_SYSLOG_F_BOM |
				SL_SYSLOG_F_BAD_UTF8));
}

static void
test_corpus(void **state)
{
	static const char *const bsd[] = { "Linux_2k.log", "OpenSSH_2k.log" };
	static const char *const none[] = {
		"Apache_2k.log", "HDFS_2k.log", "Hadoop_2k.log", "Spark_2k.log",
		"Thunderbird_2k.log", "Zookeeper_2k.log",
	};
	unsigned total = 0;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(corpus_each(bsd[i], raw_bsd_line), 2000);
		total += corpus_each(bsd[i], wrapped_line);
	}
	for (i = 0; i < 6; i++) {
		assert_int_equal(corpus_each(none[i], raw_none_line), 2000);
		total += corpus_each(none[i], wrapped_line);
	}
	assert_int_equal(total, 16000);
}

/* ---- real clients ---- */

static void
test_logger(void **state)
{
	struct sl_syslog_msg m;
	const char *s;

	(void)state;
	/* logger 2.38 default (RFC 5424) over UDP. */
	s = "<13>1 2026-11-26T11:20:15.585057+00:00 vm root - - "
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"] hello 5424";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_int_equal(m.pri, 13);
	assert_int_equal(m.facility, 1);
	assert_int_equal(m.severity, 5);
	span_is(s, m.timestamp, "2026-11-26T11:20:15.585057+00:00");
	span_is(s, m.hostname, "vm");
	span_is(s, m.app_name, "root");
	assert_int_equal(m.procid.len, 0);
	assert_int_equal(m.msgid.len, 0);
	span_is(s, m.sdata, "[timeQuality tzKnown=\"1\" isSynced=\"0\"]");
	span_is(s, m.msg, "hello 5424");
	assert_int_equal(m.flags, 0);

	/* logger --rfc3164 */
	s = "<13>Nov 26 11:20:15 vm root: hello 3164";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_3164);
	span_is(s, m.timestamp, "Nov 26 11:20:15");
	span_is(s, m.hostname, "vm");
	span_is(s, m.app_name, "root");
	assert_int_equal(m.procid.len, 0);
	span_is(s, m.msg, "hello 3164");

	/* logger -i --rfc3164 -p local3.err */
	s = "<155>Nov 26 11:20:15 vm myapp[8363]: with pid";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_3164);
	assert_int_equal(m.facility, 19);
	assert_int_equal(m.severity, 3);
	span_is(s, m.app_name, "myapp");
	span_is(s, m.procid, "8363");
	span_is(s, m.msg, "with pid");

	/* logger --rfc5424=notq,notime */
	s = "<13>1 - vm app - - - no tq";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_int_equal(m.timestamp.len, 0);
	span_is(s, m.hostname, "vm");
	span_is(s, m.app_name, "app");
	assert_int_equal(m.sdata.len, 0);
	span_is(s, m.msg, "no tq");

	/* logger --sd-id zoo@123 --sd-param tiger="hungry" */
	s = "<13>1 2026-11-26T11:20:15.598822+00:00 vm app - - [timeQuality "
	    "tzKnown=\"1\" isSynced=\"0\"][zoo@123 tiger=\"hungry\"] sd";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	span_is(s, m.sdata, "[timeQuality tzKnown=\"1\" isSynced=\"0\"][zoo@123 tiger=\"hungry\"]");
	span_is(s, m.msg, "sd");

	/* logger --msgid ID47 */
	s = "<13>1 2026-11-26T11:20:15.601389+00:00 vm app - ID47 [timeQuality "
	    "tzKnown=\"1\" isSynced=\"0\"] msgid";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	span_is(s, m.msgid, "ID47");
	span_is(s, m.msg, "msgid");

	/* rsyslog RSYSLOG_TraditionalForwardFormat */
	s = "<30>Jun  4 08:01:02 host1 systemd[1]: Started Session 5 of user x.";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_3164);
	span_is(s, m.timestamp, "Jun  4 08:01:02");
	span_is(s, m.hostname, "host1");
	span_is(s, m.app_name, "systemd");
	span_is(s, m.procid, "1");
	span_is(s, m.msg, "Started Session 5 of user x.");

	/* rsyslog RSYSLOG_ForwardFormat (RFC 3339 timestamp) */
	s = "<13>2024-01-01T00:00:00Z host app: msg";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_3164);
	span_is(s, m.timestamp, "2024-01-01T00:00:00Z");
	span_is(s, m.hostname, "host");
	span_is(s, m.app_name, "app");
	span_is(s, m.msg, "msg");
}

/* ---- RFC 5424 ---- */

static void
test_5424_rfc_examples(void **state)
{
	struct sl_syslog_msg m;
	const char *s;

	(void)state;
	/* RFC 5424 section 6.5, example 1 (BOM written as bytes). */
	s = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
	    "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_int_equal(m.facility, 4);
	assert_int_equal(m.severity, 2);
	span_is(s, m.app_name, "su");
	span_is(s, m.msgid, "ID47");
	assert_true(m.flags & SL_SYSLOG_F_BOM);
	assert_false(m.flags & SL_SYSLOG_F_BAD_UTF8);
	span_is(s, m.msg, "'su root' failed for lonvick on /dev/pts/8");

	/* Example 2: no BOM, time offset. */
	s = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
	    "%% It's time to make the do-nuts.";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	span_is(s, m.timestamp, "2003-08-24T05:14:15.000003-07:00");
	span_is(s, m.hostname, "192.0.2.1");
	span_is(s, m.procid, "8710");
	assert_false(m.flags & SL_SYSLOG_F_BOM);

	/* Example 4: SD only, no MSG. */
	s = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
	    "ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
	    "eventID=\"1011\"][examplePriority@32473 class=\"high\"]";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	span_is(s, m.sdata, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
		"eventID=\"1011\"][examplePriority@32473 class=\"high\"]");
	assert_int_equal(m.msg.len, 0);
	assert_int_equal(m.msg.off, strlen(s));

	/* All NILVALUE, nothing after the SD. */
	s = "<0>1 - - - - - -";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_int_equal(m.pri, 0);
	assert_int_equal(m.timestamp.len + m.hostname.len + m.app_name.len +
			 m.procid.len + m.msgid.len + m.sdata.len + m.msg.len, 0);

	/* Empty MSG after the SP. */
	s = "<191>1 - h a p m - ";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_int_equal(m.pri, 191);
	assert_int_equal(m.msg.len, 0);

	/* A leap second and a 9-digit fraction are accepted. */
	s = "<13>1 2016-12-31T23:59:60.123456789Z h a - - - x";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	span_is(s, m.msg, "x");
}

static void
test_5424_sd(void **state)
{
	struct sl_syslog_msg m;
	const char *s;

	(void)state;
	/* ']' , escaped '"', escaped '\\' inside values; a ']' right after
	 * an escaped backslash. */
	s = "<13>1 - h a - - [a@1 k=\"v\\\"q\\]\" k2=\"]]\"][b x=\"\\\\\"][c] m";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	span_is(s, m.sdata, "[a@1 k=\"v\\\"q\\]\" k2=\"]]\"][b x=\"\\\\\"][c]");
	span_is(s, m.msg, "m");
	assert_false(m.flags & SL_SYSLOG_F_BAD_SD);

	/* Empty value and UTF-8 in a value. */
	s = "<13>1 - h a - - [a k=\"\" u=\"\xC3\xA9\"] m";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	span_is(s, m.sdata, "[a k=\"\" u=\"\xC3\xA9\"]");
	span_is(s, m.msg, "m");

	/* SD followed by the end of the message. */
	s = "<13>1 - h a - - [a]";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	span_is(s, m.sdata, "[a]");
	assert_int_equal(m.msg.len, 0);

	/* Malformed SD: the message stays 5424, MSG takes it all. */
	{
		static const char *const bad[] = {
			"[a k=\"v]",          /* unclosed value */
			"[a k=\"v\\\"]",      /* escaped closing quote */
			"[a k=v]",            /* unquoted value */
			"[a k]",              /* no '=' */
			"[a",                 /* unclosed element */
			"[]",                 /* empty SD-ID */
			"[a=b]",              /* '=' in SD-ID */
			"[a]x",               /* garbage after ']' */
			"[a] [b]",            /* SP between elements: [b] is MSG */
			"-x",                 /* not NILVALUE */
			"x",                  /* not SD */
			"[a k=\"v\\",         /* backslash at the very end */
			"[a  k=\"v\"]",       /* double space */
			"[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]", /* SD-ID of 33 */
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char w[128];

			snprintf(w, sizeof(w), "<13>1 - h a - - %s", bad[i]);
			assert_int_equal(parse_s(w, &m), SL_SYSLOG_5424);
			span_is(w, m.hostname, "h");
			if (i == 8) {
				/* "[a]" is well-formed; " [b]" is its MSG. */
				span_is(w, m.sdata, "[a]");
				span_is(w, m.msg, "[b]");
				assert_false(m.flags & SL_SYSLOG_F_BAD_SD);
				continue;
			}
			assert_true(m.flags & SL_SYSLOG_F_BAD_SD);
			assert_int_equal(m.sdata.len, 0);
			span_is(w, m.msg, bad[i]);
		}
	}
	/* SD-ID of exactly 32 is fine. */
	s = "<13>1 - h a - - [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa] m";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_false(m.flags & SL_SYSLOG_F_BAD_SD);
	assert_int_equal(m.sdata.len, 34);
}

static void
field_limit(size_t field, size_t n, int ok)
{
	static const char *const fmt = "<13>1 - %s %s %s %s - m";
	const char *f[4] = { "h", "a", "p", "i" };
	struct sl_syslog_msg m;
	char *v = malloc(n + 1), *w = malloc(n + 64);
	const struct sl_span *sp[4] = { &m.hostname, &m.app_name, &m.procid,
					&m.msgid };

	assert_non_null(v);
	assert_non_null(w);
	memset(v, 'x', n);
	v[n] = '\0';
	f[field] = v;
	snprintf(w, n + 64, fmt, f[0], f[1], f[2], f[3]);
	if (ok) {
		assert_int_equal(parse_s(w, &m), SL_SYSLOG_5424);
		assert_int_equal(sp[field]->len, n);
		span_is(w, m.msg, "m");
	} else {
		/* Not 5424: everything after the PRI is the 3164 MSG. */
		assert_int_equal(parse_s(w, &m), SL_SYSLOG_3164);
		assert_int_equal(m.msg.off, 4);
		assert_int_equal(m.msg.len, strlen(w) - 4);
	}
	free(v);
	free(w);
}

static void
test_5424_limits(void **state)
{
	struct sl_syslog_msg m;
	static const char *const notours[] = {
		"<13>1 2003-10-11 22:14:15 h a - - - m",  /* space, no T */
		"<13>1 2003-13-11T22:14:15Z h a - - - m", /* month 13 */
		"<13>1 2003-10-11T24:14:15Z h a - - - m", /* hour 24 */
		"<13>1 2003-10-11T22:14:15 h a - - - m",  /* no offset */
		"<13>1 2003-10-11T22:14:15.Z h a - - - m", /* empty fraction */
		"<13>1 2003-10-11T22:14:15.1234567890Z h a - - - m",
		"<13>1 2003-10-11T22:14:15+0100 h a - - - m",
		"<13>1 h a - - - m",                        /* no timestamp */
		"<13>1 - h a - -",                          /* no SD */
		"<13>1 - h a - - ",                         /* empty SD */
		"<13>1 - h  a - - - m",                     /* double space */
		"<13>0 - h a - - - m",                      /* version 0 */
		"<13>1234 - h a - - - m",                   /* 4-digit version */
		"<13>1- h a - - - m",
		"<13>1 - h\x7f a - - - m",                  /* DEL in host */
		"<13>1 - h \xC3\xA9 - - - m",               /* UTF-8 app */
	};
	size_t i;

	(void)state;
	field_limit(0, 255, 1);
	field_limit(0, 256, 0);
	field_limit(1, 48, 1);
	field_limit(1, 49, 0);
	field_limit(2, 128, 1);
	field_limit(2, 129, 0);
	field_limit(3, 32, 1);
	field_limit(3, 33, 0);
	for (i = 0; i < sizeof(notours) / sizeof(notours[0]); i++) {
		assert_int_equal(parse_s(notours[i], &m), SL_SYSLOG_3164);
		assert_int_equal(m.pri, 13);
		assert_int_equal(m.msg.off, 4);
		assert_int_equal(m.msg.len, strlen(notours[i]) - 4);
		assert_int_equal(m.hostname.len + m.app_name.len, 0);
	}
	/* Version 2 and 999 still parse by the grammar. */
	assert_int_equal(parse_s("<13>2 - h a - - - m", &m), SL_SYSLOG_5424);
	assert_int_equal(parse_s("<13>999 - h a - - - m", &m), SL_SYSLOG_5424);
}

/* Header fields are scanned eight bytes at a time: a byte outside
 * PRINTUSASCII (each edge of the range, and the bytes that carry or
 * borrow across a word) at every position of a field, in fields of
 * every length around a word, with the message ending at every point
 * after the field (so the word scan meets short tails), must end the
 * field exactly where the byte is. */
static void
test_5424_field_bytes(void **state)
{
	static const uint8_t bad[] = { 0x00, 0x1F, 0x20, 0x7F, 0x80, 0xFE, 0xFF };
	static const uint8_t good[] = { 0x21, 0x7E, 0x5D, 0x01 + 0x20 };
	char in[128];
	struct sl_syslog_msg m;
	size_t flen, k, b, n, tail;

	(void)state;
	for (flen = 1; flen <= 20; flen++) {
		for (k = 0; k < flen; k++) {
			for (b = 0; b < sizeof(bad) + sizeof(good); b++) {
				int ok = b >= sizeof(bad);
				uint8_t c = ok ? good[b - sizeof(bad)] : bad[b];
				/* A space inside splits the host in two
				 * fields, which still parse unless one of
				 * them is empty. */
				int split = c == ' ' && k > 0 && k + 1 < flen;

				n = (size_t)sprintf(in, "<13>1 - ");
				memset(in + n, 'h', flen);
				in[n + k] = (char)c;
				n += flen;
				n += (size_t)sprintf(in + n, " app - - m");
				assert_int_equal(parse_n(in, n, &m),
						 ok || split ? SL_SYSLOG_5424 :
						 SL_SYSLOG_3164);
				if (ok || split) {
					assert_int_equal(m.hostname.off, 8);
					assert_int_equal(m.hostname.len,
							 ok ? flen : k);
				}
				if (ok)
					span_is(in, m.app_name, "app");
			}
		}
		/* The message cut at every point after the host. */
		n = (size_t)sprintf(in, "<13>1 - ");
		memset(in + n, 'h', flen);
		n += flen;
		n += (size_t)sprintf(in + n, " a23456789 p1 m1 ");
		/* Up to and with the SP after MSGID: no MSG, so not 5424. */
		for (tail = n - 17; tail <= n; tail++)
			assert_int_equal(parse_n(in, tail, &m), SL_SYSLOG_3164);
		n += (size_t)sprintf(in + n, "x");
		assert_int_equal(parse_n(in, n, &m), SL_SYSLOG_5424);
		assert_int_equal(m.hostname.len, flen);
		span_is(in, m.app_name, "a23456789");
		span_is(in, m.procid, "p1");
		span_is(in, m.msgid, "m1");
		span_is(in, m.msg, "x");
	}
	/* A lone "-" is NILVALUE, "--" and "-x" are values. */
	assert_int_equal(parse_s("<13>1 - - -- -x - m", &m), SL_SYSLOG_5424);
	assert_int_equal(m.hostname.len, 0);
	span_is("<13>1 - - -- -x - m", m.app_name, "--");
	span_is("<13>1 - - -- -x - m", m.procid, "-x");
	assert_int_equal(m.msgid.len, 0);
	assert_int_equal(parse_s("<13>1 - h a - -", &m), SL_SYSLOG_3164);
}

/* ---- RFC 3164 variants ---- */

struct case3164 {
	const char *in;
	enum sl_syslog_format fmt;
	int pri;
	const char *ts, *host, *app, *pid, *msg;
};

static void
test_3164_variants(void **state)
{
	static const struct case3164 cs[] = {
		{ "<13>Jun 14 15:16:01 sshd[1]: msg", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "", "sshd", "1", "msg" },
		{ "<13>Nov 26 11:20:00 root: hello", SL_SYSLOG_3164, 13,
		  "Nov 26 11:20:00", "", "root", "", "hello" },
		{ "<13>Jun  4 15:16:01 h su: x", SL_SYSLOG_3164, 13,
		  "Jun  4 15:16:01", "h", "su", "", "x" },
		{ "<13>Nov 9 12:01:01 h crond: x", SL_SYSLOG_3164, 13,
		  "Nov 9 12:01:01", "h", "crond", "", "x" },
		{ "<13>Jun 14 2024 15:16:01 h app[9]: x", SL_SYSLOG_3164, 13,
		  "Jun 14 2024 15:16:01", "h", "app", "9", "x" },
		{ "<13>Jun 14 15:16:01.123 h app: x", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01.123", "h", "app", "", "x" },
		{ "<13>Jun 14 15:16:01 h sshd(pam_unix)[19939]: auth", SL_SYSLOG_3164,
		  13, "Jun 14 15:16:01", "h", "sshd(pam_unix)", "19939", "auth" },
		{ "<13>Jun 14 15:16:01 h app[12] no colon", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "app", "12", "no colon" },
		{ "<13>Jun 14 15:16:01 h app[12]:tight", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "app", "12", "tight" },
		{ "<13>Jun 14 15:16:01 h app[]: e", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "app", "", "e" },
		{ "<13>Jun 14 15:16:01 h app:", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "app", "", "" },
		{ "<13>Jun 14 15:16:01 h free text", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "", "", "free text" },
		{ "<13>Jun 14 15:16:01 h http://x y", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "", "", "http://x y" },
		{ "<13>Jun 14 15:16:01 h", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "", "", "" },
		{ "<13>Jun 14 15:16:01", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "", "", "", "" },
		{ "<13>Jun 14 15:16:01 fe80::1 app: v6", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "fe80::1", "app", "", "v6" },
		{ "<13>Jun 14 15:16:01 h kernel: [  1.0] x", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "kernel", "", "[  1.0] x" },
		{ "<13>2024-01-01T00:00:00.5-05:30 h a: m", SL_SYSLOG_3164, 13,
		  "2024-01-01T00:00:00.5-05:30", "h", "a", "", "m" },
		/* A bare PRI before text: RFC 3164 4.3.2. */
		{ "<13>hello world", SL_SYSLOG_3164, 13, "", "", "", "", "hello world" },
		{ "<13>", SL_SYSLOG_3164, 13, "", "", "", "", "" },
		{ "<0>x", SL_SYSLOG_3164, 0, "", "", "", "", "x" },
		{ "<13>Jun 14 15:16:01x h a: m", SL_SYSLOG_3164, 13, "", "", "", "",
		  "Jun 14 15:16:01x h a: m" },
		{ "<13>Jun 32 15:16:01 h a: m", SL_SYSLOG_3164, 13, "", "", "", "",
		  "Jun 32 15:16:01 h a: m" },
		{ "<13>jun 14 15:16:01 h a: m", SL_SYSLOG_3164, 13, "", "", "", "",
		  "jun 14 15:16:01 h a: m" },
		{ "<13>Jun 14 25:16:01 h a: m", SL_SYSLOG_3164, 13, "", "", "", "",
		  "Jun 14 25:16:01 h a: m" },
		/* Tag of 48 is a tag, 49 is not. */
		{ "<13>Jun 14 15:16:01 h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: m",
		  SL_SYSLOG_3164, 13, "Jun 14 15:16:01", "h",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", "m" },
		{ "<13>Jun 14 15:16:01 h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: m",
		  SL_SYSLOG_3164, 13, "Jun 14 15:16:01", "h", "", "",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: m" },
		{ "<13>Jun 14 15:16:01 h app[1 2]: m", SL_SYSLOG_3164, 13,
		  "Jun 14 15:16:01", "h", "", "", "app[1 2]: m" },
		/* Without PRI. */
		{ "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: x", SL_SYSLOG_3164, -1,
		  "Jun 14 15:16:01", "combo", "sshd(pam_unix)", "19939", "x" },
		{ "2024-01-01T00:00:00Z host app: msg", SL_SYSLOG_3164, -1,
		  "2024-01-01T00:00:00Z", "host", "app", "", "msg" },
		{ "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 "
		  "crond[2916]: (root)", SL_SYSLOG_NONE, -1, "", "", "", "",
		  "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 "
		  "crond[2916]: (root)" },
		{ "plain text", SL_SYSLOG_NONE, -1, "", "", "", "", "plain text" },
		/* Bad PRI: no PRI, whole text is MSG. */
		{ "<999>Jun 14 15:16:01 h a: m", SL_SYSLOG_NONE, -1, "", "", "", "",
		  "<999>Jun 14 15:16:01 h a: m" },
		{ "<192>x", SL_SYSLOG_NONE, -1, "", "", "", "", "<192>x" },
		{ "<>x", SL_SYSLOG_NONE, -1, "", "", "", "", "<>x" },
		{ "<1a>x", SL_SYSLOG_NONE, -1, "", "", "", "", "<1a>x" },
		{ "<0013>x", SL_SYSLOG_NONE, -1, "", "", "", "", "<0013>x" },
		{ "<013>x", SL_SYSLOG_NONE, -1, "", "", "", "", "<013>x" },
		{ "<00>x", SL_SYSLOG_NONE, -1, "", "", "", "", "<00>x" },
		{ "<1234>x", SL_SYSLOG_NONE, -1, "", "", "", "", "<1234>x" },
		{ "<13", SL_SYSLOG_NONE, -1, "", "", "", "", "<13" },
		{ "<", SL_SYSLOG_NONE, -1, "", "", "", "", "<" },
		{ "<-1>x", SL_SYSLOG_NONE, -1, "", "", "", "", "<-1>x" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		const struct case3164 *c = &cs[i];
		struct sl_syslog_msg m;

		print_message("case %zu: %s\n", i, c->in);
		assert_int_equal(parse_s(c->in, &m), c->fmt);
		assert_int_equal(m.pri, c->pri);
		span_is(c->in, m.timestamp, c->ts);
		span_is(c->in, m.hostname, c->host);
		span_is(c->in, m.app_name, c->app);
		span_is(c->in, m.procid, c->pid);
		span_is(c->in, m.msg, c->msg);
		assert_int_equal(m.msgid.len + m.sdata.len, 0);
	}
}

/* ---- hostile input ---- */

static void
test_truncation(void **state)
{
	static const char *const msgs[] = {
		("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 "
		 "[a@1 k=\"v\\\"q\\]\" k2=\"]]\"][b x=\"\\\\\"] \xEF\xBB\xBFmsg"),
		"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - x",
		"<13>Jun  4 2024 15:16:01.123 host sshd(pam_unix)[19939]: msg",
		"<13>2024-01-01T00:00:00.5-05:30 h a: m",
		"Jun 14 15:16:01 combo su[1]:x",
		"<13>Jun 14 15:16:01 app[1]: \xF0\x9F\x98\x80",
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		size_t n = strlen(msgs[i]);

		for (k = 0; k <= n; k++) {
			struct sl_syslog_msg m;

			parse_n(msgs[i], k, &m);
			assert_int_equal(m.len, k);
		}
	}
}

/* Random messages drawn from syntax-heavy bytes: the parser must keep
 * its invariants on anything. Deterministic (xorshift). */
static void
test_garbage(void **state)
{
	static const char alpha[] = "<>[]\"\\ :=-.T Z+0123456789 13 JunNov\r\n\xEF\xBB\xBF\xC3\xFF";
	static const char *const seeds[] = {
		"<13>1 ", "<13>", "Jun 14 15:16:01 ", "<13>1 - h a - - [",
		"<13>2024-01-01T00:00:00Z ", "",
	};
	uint64_t x = 0x9E3779B97F4A7C15ull;
	uint8_t b[96];
	unsigned iter;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		const char *seed = seeds[iter % 6];
		size_t sl = strlen(seed), n, j;
		struct sl_syslog_msg m;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = sl + x % (sizeof(b) - sl);
		memcpy(b, seed, sl);
		for (j = sl; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			b[j] = (uint8_t)alpha[x % (sizeof(alpha) - 1)];
		}
		parse_n(b, n, &m);
	}
}

static void
test_trailers(void **state)
{
	static const struct {
		const char *s;
		size_t n, len;
	} cs[] = {
		{ "msg\r\n", 5, 3 }, { "msg\n", 4, 3 }, { "msg\r", 4, 3 },
		{ "msg\0", 4, 3 }, { "msg\r\n\0\0", 7, 3 }, { "msg\n\r\n\r", 7, 3 },
		{ "\r\n", 2, 0 }, { "\0", 1, 0 }, { "m\0sg\n", 5, 4 },
		{ "<13>1 - h a - - - m\r\n", 21, 19 }, { "", 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		struct sl_syslog_msg m;

		parse_n(cs[i].s, cs[i].n, &m);
		assert_int_equal(m.len, cs[i].len);
		assert_int_equal(m.msg.off + m.msg.len, cs[i].len);
	}
}

static void
test_empty(void **state)
{
	struct sl_syslog_msg m;
	uint8_t one = 'x';

	(void)state;
	assert_int_equal(sl_syslog_parse(&one, 0, &m), SL_SYSLOG_NONE);
	assert_int_equal(m.len, 0);
	assert_int_equal(m.msg.len, 0);
	assert_int_equal(m.pri, -1);
	assert_int_equal(m.flags, SL_SYSLOG_F_NO_PRI);
}

static void
test_large(void **state)
{
	const size_t body = 70000;
	const char *h5 = "<13>1 2003-10-11T22:14:15.003Z host app - - [a k=\"v\"] ";
	const char *h3 = "<13>Oct 11 22:14:15 host app[1]: ";
	struct sl_syslog_msg m;
	char *w = malloc(body + 128);
	size_t hl;

	(void)state;
	assert_non_null(w);
	hl = strlen(h5);
	memcpy(w, h5, hl);
	memset(w + hl, 'a', body);
	memcpy(w + hl + body, "\r\n", 2);
	assert_int_equal(parse_n(w, hl + body + 2, &m), SL_SYSLOG_5424);
	assert_int_equal(m.msg.off, hl);
	assert_int_equal(m.msg.len, body);
	assert_int_equal(m.len, hl + body);

	hl = strlen(h3);
	memcpy(w, h3, hl);
	memset(w + hl, 'b', body);
	/* A non-UTF-8 byte near the end must be found by the validator. */
	w[hl + body - 3] = (char)0xFF;
	assert_int_equal(parse_n(w, hl + body, &m), SL_SYSLOG_3164);
	assert_int_equal(m.msg.len, body);
	assert_true(m.flags & SL_SYSLOG_F_BAD_UTF8);

	/* A 64 KiB run of SD: many elements, all walked. */
	{
		size_t pos = 0, k;

		pos += (size_t)sprintf(w, "<13>1 - h a - - ");
		for (k = 0; pos + 32 < body; k++)
			pos += (size_t)sprintf(w + pos, "[e%zu k=\"v\\]\"]", k % 1000);
		assert_int_equal(parse_n(w, pos, &m), SL_SYSLOG_5424);
		assert_false(m.flags & SL_SYSLOG_F_BAD_SD);
		assert_int_equal(m.sdata.off, 16);
		assert_int_equal(m.sdata.len, pos - 16);
	}
	free(w);
}

static int
utf8_ok(const char *s, size_t n)
{
	struct buf b = buf_make(s, n);
	int r = sl_utf8_valid(b.p, b.len);

	free(b.p);
	return r;
}

static void
test_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		int ok;
	} cs[] = {
		{ "", 0, 1 },
		{ "plain ascii, longer than eight bytes", 36, 1 },
		{ "\xC3\xA9", 2, 1 },                 /* U+00E9 */
		{ "\xE2\x82\xAC", 3, 1 },             /* U+20AC */
		{ "\xF0\x9F\x98\x80", 4, 1 },         /* U+1F600 */
		{ "\xF4\x8F\xBF\xBF", 4, 1 },         /* U+10FFFF */
		{ "\xED\x9F\xBF", 3, 1 },             /* U+D7FF */
		{ "\xEE\x80\x80", 3, 1 },             /* U+E000 */
		{ "\xEF\xBB\xBF", 3, 1 },             /* BOM */
		{ "\xC0\xAF", 2, 0 },                 /* overlong '/' */
		{ "\xC1\xBF", 2, 0 },                 /* overlong */
		{ "\xE0\x80\xAF", 3, 0 },             /* overlong */
		{ "\xE0\x9F\xBF", 3, 0 },             /* overlong U+07FF */
		{ "\xF0\x80\x80\xAF", 4, 0 },         /* overlong */
		{ "\xF0\x8F\xBF\xBF", 4, 0 },         /* overlong U+FFFF */
		{ "\xED\xA0\x80", 3, 0 },             /* surrogate U+D800 */
		{ "\xED\xBF\xBF", 3, 0 },             /* surrogate U+DFFF */
		{ "\xF4\x90\x80\x80", 4, 0 },         /* U+110000 */
		{ "\xF5\x80\x80\x80", 4, 0 },
		{ "\xFF", 1, 0 },
		{ "\x80", 1, 0 },                     /* lone continuation */
		{ "\xC3", 1, 0 },                     /* truncated */
		{ "\xE2\x82", 2, 0 },                 /* truncated */
		{ "\xF0\x9F\x98", 3, 0 },             /* truncated */
		{ "\xC3\x28", 2, 0 },                 /* bad continuation */
		{ "\xE2\x28\xA1", 3, 0 },
		{ "\xF0\x9F\x28\x80", 4, 0 },
		{ "abcdefgh\xC3\xA9ijklmnop", 18, 1 },
		{ "abcdefghijklmno\xC3", 16, 0 },     /* cut at the very end */
		{ "abcdefg\xE2\x82\xACxyz", 13, 1 },  /* across an 8-byte word */
	};
	struct sl_syslog_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		print_message("utf8 case %zu\n", i);
		assert_int_equal(utf8_ok(cs[i].s, cs[i].n), cs[i].ok);
	}
	parse_s("<13>1 - h a - - - \xED\xA0\x80", &m);
	assert_true(m.flags & SL_SYSLOG_F_BAD_UTF8);
	parse_s("<13>Jun 14 15:16:01 h a: \xC0\xAF", &m);
	assert_true(m.flags & SL_SYSLOG_F_BAD_UTF8);
	parse_s("raw \xF4\x90\x80\x80", &m);
	assert_true(m.flags & SL_SYSLOG_F_BAD_UTF8);
	parse_s("<13>1 - h a - - - \xE2\x82\xAC ok", &m);
	assert_false(m.flags & SL_SYSLOG_F_BAD_UTF8);
}

/* The ASCII fast path goes 32, then 8 bytes at a time and ends on a word
 * that overlaps what it has seen: every sequence, valid or not, at every
 * offset of buffers of every length around those sizes, must give what
 * the sequence alone gives. */
static void
test_utf8_alignment(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		int ok;
	} seq[] = {
		{ "\xC3\xA9", 2, 1 },
		{ "\xE2\x82\xAC", 3, 1 },
		{ "\xF0\x9F\x98\x80", 4, 1 },
		{ "\x80", 1, 0 },
		{ "\xC0\xAF", 2, 0 },
		{ "\xED\xA0\x80", 3, 0 },
		{ "\xF4\x90\x80\x80", 4, 0 },
		{ "\xFF", 1, 0 },
		{ "\xE2\x82", 2, 0 },
	};
	char in[80];
	size_t len, at, i;

	(void)state;
	for (len = 0; len <= sizeof(in); len++) {
		memset(in, 'a', sizeof(in));
		assert_int_equal(utf8_ok(in, len), 1);
		for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
			for (at = 0; at + seq[i].n <= len; at++) {
				memset(in, 'a', sizeof(in));
				memcpy(in + at, seq[i].s, seq[i].n);
				if (utf8_ok(in, len) != seq[i].ok)
					fail_msg("sequence %zu at %zu of %zu", i, at, len);
			}
			/* Cut by the end of the buffer. */
			if (seq[i].n > 1 && len >= 1) {
				memset(in, 'a', sizeof(in));
				memcpy(in + len - 1, seq[i].s, 1);
				assert_int_equal(utf8_ok(in, len),
						 (uint8_t)seq[i].s[0] < 0x80);
			}
		}
	}
}

static void
test_bom(void **state)
{
	struct sl_syslog_msg m;
	const char *s;

	(void)state;
	s = "<13>1 - h a - - [x] \xEF\xBB\xBFtext";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_true(m.flags & SL_SYSLOG_F_BOM);
	span_is(s, m.msg, "text");
	s = "<13>1 - h a - - - \xEF\xBB\xBF";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_true(m.flags & SL_SYSLOG_F_BOM);
	assert_int_equal(m.msg.len, 0);
	assert_int_equal(m.msg.off, strlen(s));
	/* Half a BOM is just bytes (and bad UTF-8). */
	s = "<13>1 - h a - - - \xEF\xBB";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_5424);
	assert_false(m.flags & SL_SYSLOG_F_BOM);
	assert_true(m.flags & SL_SYSLOG_F_BAD_UTF8);
	span_is(s, m.msg, "\xEF\xBB");
	/* The BOM flag is about 5424 MSG only. */
	s = "<13>Jun 14 15:16:01 h a: \xEF\xBB\xBFx";
	assert_int_equal(parse_s(s, &m), SL_SYSLOG_3164);
	assert_false(m.flags & SL_SYSLOG_F_BOM);
	span_is(s, m.msg, "\xEF\xBB\xBFx");
}

/* The minimal parse leaves a 5424 STRUCTURED-DATA, good or bad, in msg
 * and reads no byte of it: a message cut anywhere inside it gives the
 * same header. */
static void
test_min_5424(void **state)
{
	static const char *const hdrs[] = {
		"<165>1 2003-10-11T22:14:15.003Z host.example.com app 42 ID7 ",
		"<13>1 - h - - - ",
	};
	static const char *const rests[] = {
		SD_NASTY " msg", "- msg", "[unclosed x=\"1\" msg", "garbage", "-",
		"[a@1 k=\"v\"]\xEF\xBB\xBF\x62om", "[a@1 k=\"\xFF\"] bad utf-8",
	};
	size_t i, j, k;

	(void)state;
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		for (j = 0; j < sizeof(rests) / sizeof(rests[0]); j++) {
			size_t h = strlen(hdrs[i]), r = strlen(rests[j]);
			char *wire = malloc(h + r + 1);
			struct sl_syslog_msg m, full;

			assert_non_null(wire);
			memcpy(wire, hdrs[i], h);
			memcpy(wire + h, rests[j], r);
			wire[h + r] = '\n';
			parse_n(wire, h + r + 1, &full);
			assert_int_equal(sl_syslog_parse_min((uint8_t *)wire,
							     (uint32_t)(h + r + 1), &m),
					 SL_SYSLOG_5424);
			assert_int_equal(m.len, h + r);
			assert_int_equal(m.msg.off, h);
			assert_int_equal(m.msg.len, r);
			assert_int_equal(m.sdata.len, 0);
			assert_int_equal(m.flags & (SL_SYSLOG_F_BAD_SD | SL_SYSLOG_F_BOM), 0);
			assert_int_equal(m.flags & SL_SYSLOG_F_BAD_UTF8,
					 full.flags & SL_SYSLOG_F_BAD_UTF8);
			span_equal(m.hostname, full.hostname);
			for (k = 1; k <= r; k++) {
				struct sl_syslog_msg t;
				struct buf b = buf_make(wire, h + k);

				sl_syslog_parse_min(b.p, b.len, &t);
				assert_int_equal(t.format, SL_SYSLOG_5424);
				span_equal(t.hostname, m.hostname);
				span_equal(t.msgid, m.msgid);
				assert_int_equal(t.msg.off, h);
				free(b.p);
			}
			free(wire);
		}
	}
}

static void
test_facility_names(void **state)
{
	unsigned f;

	(void)state;
	for (f = 0; f < 24; f++) {
		const char *n = sl_syslog_facility_name(f);

		assert_non_null(n);
		assert_int_equal(sl_syslog_facility_parse(n), f);
	}
	assert_string_equal(sl_syslog_facility_name(0), "kern");
	assert_string_equal(sl_syslog_facility_name(10), "authpriv");
	assert_string_equal(sl_syslog_facility_name(13), "security");
	assert_string_equal(sl_syslog_facility_name(14), "console");
	assert_string_equal(sl_syslog_facility_name(15), "solaris-cron");
	assert_string_equal(sl_syslog_facility_name(16), "local0");
	assert_string_equal(sl_syslog_facility_name(23), "local7");
	assert_null(sl_syslog_facility_name(24));
	assert_null(sl_syslog_facility_name(~0u));
	assert_int_equal(sl_syslog_facility_parse("LOCAL3"), 19);
	assert_int_equal(sl_syslog_facility_parse("Mail"), 2);
	assert_int_equal(sl_syslog_facility_parse("Solaris-Cron"), 15);
	assert_int_equal(sl_syslog_facility_parse("local8"), -1);
	assert_int_equal(sl_syslog_facility_parse("local"), -1);
	assert_int_equal(sl_syslog_facility_parse("kernel"), -1);
	assert_int_equal(sl_syslog_facility_parse(""), -1);
	assert_int_equal(sl_syslog_facility_parse("clock"), -1);
	assert_string_equal(sl_syslog_severity_name(0), "emerg");
	assert_string_equal(sl_syslog_severity_name(3), "err");
	assert_string_equal(sl_syslog_severity_name(7), "debug");
	assert_null(sl_syslog_severity_name(8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_logger),
		cmocka_unit_test(test_5424_rfc_examples),
		cmocka_unit_test(test_5424_sd),
		cmocka_unit_test(test_5424_limits),
		cmocka_unit_test(test_5424_field_bytes),
		cmocka_unit_test(test_3164_variants),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_trailers),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_min_5424),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_utf8_alignment),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_facility_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
