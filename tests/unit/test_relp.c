/* test_relp.c: RELP frames (what librelp 1.11's client sends, split at
 * every offset), every malformed frame, the client's offers, the exact
 * bytes of our responses, and the response window (out-of-order
 * completion, full window, stale and wrapping sequence numbers).
 *
 * Every parsed buffer is a heap copy of exactly the bytes under test, so
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

#include "sl_relp.h"
#include "sl_test_copy.h"

/* The offers of librelp 1.11's client, as relpOffersToString() joins
 * them. */
#define LIBRELP_OFFERS "relp_version=0\nrelp_software=librelp,1.11.0," \
		       "http://librelp.adiscon.com\ncommands=syslog"

/* Parses a heap copy of s[0, len). */
static int
parse_n(const char *s, size_t len, size_t max_data, struct sl_relp_frame *f,
	const char **err)
{
	uint8_t *b = sl_test_copy(s, len);
	int r;

	r = sl_relp_parse(b, len, max_data, f, err);
	if (r > 0) {
		/* Rebase the pointers onto s before the copy goes. */
		assert_true((size_t)r <= len);
		assert_true(f->data >= b && f->data + f->datalen <= b + len);
		assert_true(f->cmd_text > b && f->cmd_text + f->cmd_len < b + len);
		f->data = (const uint8_t *)s + (f->data - b);
		f->cmd_text = (const uint8_t *)s + (f->cmd_text - b);
	}
	free(b);
	return r;
}

static void
test_frames(void **state)
{
	static const struct {
		const char *in;
		uint32_t txnr;
		enum sl_relp_cmd cmd;
		const char *cmd_text;
		const char *data;
	} cases[] = {
		{ "1 open 86 " LIBRELP_OFFERS "\n", 1, SL_RELP_OPEN, "open",
		  LIBRELP_OFFERS },
		{ "2 syslog 44 <13>Jun 14 15:16:01 host app[1]: hello world\n",
		  2, SL_RELP_SYSLOG, "syslog",
		  "<13>Jun 14 15:16:01 host app[1]: hello world" },
		{ "999999999 close 0\n", 999999999, SL_RELP_CLOSE, "close", "" },
		{ "7 syslog 3 a\nb\n", 7, SL_RELP_SYSLOG, "syslog", "a\nb" },
		{ "00012 syslog 003 \0\r\n\n", 12, SL_RELP_SYSLOG, "syslog",
		  "\0\r\n" },
		{ "3 rsp 6 200 OK\n", 3, SL_RELP_RSP, "rsp", "200 OK" },
		{ "4 serverclose 0\n", 4, SL_RELP_SERVERCLOSE, "serverclose", "" },
		{ "5 starttls 0\n", 5, SL_RELP_OTHER, "starttls", "" },
		{ "6 SYSLOG 1 x\n", 6, SL_RELP_OTHER, "SYSLOG", "x" },
		{ "8 abcdefghijklmnopqrstuvwxyzABCDEF 0\n", 8, SL_RELP_OTHER,
		  "abcdefghijklmnopqrstuvwxyzABCDEF", "" },
	};
	struct sl_relp_frame f;
	const char *err;
	size_t i, k, len, dlen;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *in = cases[i].in;

		/* The NUL case: its length is the header plus 3 + LF. */
		len = i == 4 ? 21 : strlen(in);
		dlen = i == 4 ? 3 : strlen(cases[i].data);
		for (k = 0; k < len; k++) {
			err = NULL;
			if (parse_n(in, k, 1000, &f, &err) != 0)
				fail_msg("case %zu: prefix %zu not a prefix (%s)",
					 i, k, err ? err : "");
		}
		memset(&f, 0, sizeof(f));
		assert_int_equal(parse_n(in, len, 1000, &f, &err), (int)len);
		assert_int_equal(f.txnr, cases[i].txnr);
		assert_int_equal(f.cmd, cases[i].cmd);
		assert_int_equal(f.cmd_len, strlen(cases[i].cmd_text));
		assert_memory_equal(f.cmd_text, cases[i].cmd_text, f.cmd_len);
		assert_int_equal(f.datalen, dlen);
		assert_non_null(f.data);
		assert_memory_equal(f.data, cases[i].data, dlen);
	}
}

/* Frames back to back come out one by one, each consuming its bytes. */
static void
test_stream(void **state)
{
	static const char in[] = "1 open 86 " LIBRELP_OFFERS "\n"
				 "2 syslog 5 hello\n3 syslog 5 world\n4 close 0\n5 sys";
	static const enum sl_relp_cmd want[] = {
		SL_RELP_OPEN, SL_RELP_SYSLOG, SL_RELP_SYSLOG, SL_RELP_CLOSE,
	};
	struct sl_relp_frame f;
	struct sl_relp_offers o;
	const char *err;
	size_t pos = 0, n = sizeof(in) - 1, i;
	int r;

	(void)state;
	for (i = 0; i < 4; i++) {
		r = parse_n(in + pos, n - pos, 100, &f, &err);
		assert_true(r > 0);
		assert_int_equal(f.txnr, i + 1);
		assert_int_equal(f.cmd, want[i]);
		if (f.cmd == SL_RELP_OPEN) {
			assert_int_equal(sl_relp_offers_parse(f.data, f.datalen,
							      &o), 0);
			assert_int_equal(o.relp_version, 0);
			assert_int_equal(o.syslog, 1);
		}
		pos += (size_t)r;
	}
	assert_int_equal(parse_n(in + pos, n - pos, 100, &f, &err), 0);
	assert_int_equal(sl_relp_parse(NULL, 0, 100, &f, &err), 0);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *in;
		size_t max_data;
		const char *err;
	} cases[] = {
		{ "x", 100, "relp: bad txnr" },
		{ " 1 syslog 1 a\n", 100, "relp: bad txnr" },
		{ "0 syslog 1 a\n", 100, "relp: bad txnr" },
		{ "000 close 0\n", 100, "relp: bad txnr" },
		{ "1234567890", 100, "relp: bad txnr" },
		{ "1x syslog 1 a\n", 100, "relp: bad txnr" },
		{ "1\tsyslog 1 a\n", 100, "relp: bad txnr" },
		{ "-1 syslog 1 a\n", 100, "relp: bad txnr" },
		{ "1  syslog 1 a\n", 100, "relp: bad command" },
		{ "1 sys1og 1 a\n", 100, "relp: bad command" },
		{ "1 syslog\n", 100, "relp: bad command" },
		{ "1 abcdefghijklmnopqrstuvwxyzABCDEFG 0\n", 100,
		  "relp: bad command" },
		{ "1 abcdefghijklmnopqrstuvwxyzABCDEFG", 100,
		  "relp: bad command" },
		{ "1 syslog x\n", 100, "relp: bad datalen" },
		{ "1 syslog  1 a\n", 100, "relp: bad datalen" },
		{ "1 syslog -1 a\n", 100, "relp: bad datalen" },
		{ "1 syslog 1234567890", 2000000000, "relp: bad datalen" },
		{ "1 syslog 5\nhello\n", 100, "relp: bad datalen" },
		{ "1 syslog 5x", 100, "relp: bad datalen" },
		{ "1 syslog 101 ", 100, "relp: frame too large" },
		{ "1 syslog 999999999 ", 1000000, "relp: frame too large" },
		{ "1 close 0 \n", 100, "relp: missing trailer" },
		{ "1 close 0\r\n", 100, "relp: missing trailer" },
		{ "1 close 00x", 100, "relp: missing trailer" },
		{ "1 syslog 5 hello!", 100, "relp: missing trailer" },
		{ "1 syslog 5 hello\r\n", 100, "relp: missing trailer" },
		{ "1 syslog 4 hello\n", 100, "relp: missing trailer" },
	};
	struct sl_relp_frame f;
	const char *err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err = NULL;
		if (parse_n(cases[i].in, strlen(cases[i].in), cases[i].max_data,
			    &f, &err) != -1)
			fail_msg("case %zu (%s) accepted", i, cases[i].in);
		assert_non_null(err);
		if (strcmp(err, cases[i].err) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, err,
				 cases[i].err);
	}
}

/* DATALEN up to max_data is fine; the longest frame is exactly
 * max_data + SL_RELP_HEADROOM bytes and its every prefix waits. */
static void
test_limits(void **state)
{
	enum { MAX = 100 };
	char frame[MAX + SL_RELP_HEADROOM];
	struct sl_relp_frame f;
	const char *err;
	size_t hdr;

	(void)state;
	hdr = (size_t)snprintf(frame, sizeof(frame), "999999999 %s 000000100 ",
			       "abcdefghijklmnopqrstuvwxyzABCDEF");
	assert_int_equal(hdr, SL_RELP_HEADER_MAX);
	memset(frame + hdr, 'x', MAX);
	frame[hdr + MAX] = '\n';
	assert_int_equal(parse_n(frame, sizeof(frame), MAX, &f, &err),
			 (int)sizeof(frame));
	assert_int_equal(f.datalen, MAX);
	assert_int_equal(f.txnr, 999999999);
	assert_int_equal(parse_n(frame, sizeof(frame) - 1, MAX, &f, &err), 0);
	assert_int_equal(parse_n(frame, sizeof(frame), MAX - 1, &f, &err), -1);
	assert_string_equal(err, "relp: frame too large");

	/* max_data above the protocol limit acts as that limit. */
	assert_int_equal(parse_n("1 syslog 999999999 ", 19, SIZE_MAX, &f, &err), 0);

	assert_int_equal(sl_relp_txnr_next(1), 2);
	assert_int_equal(sl_relp_txnr_next(999999998), 999999999);
	assert_int_equal(sl_relp_txnr_next(999999999), 1);
}

static int
offers_n(const char *s, size_t len, struct sl_relp_offers *o)
{
	uint8_t *b = sl_test_copy(s, len);
	int r;

	r = sl_relp_offers_parse(b, len, o);
	free(b);
	return r;
}

static void
test_offers(void **state)
{
	static const struct {
		const char *in;
		int rc;
		int version;
		int syslog;
	} cases[] = {
		{ LIBRELP_OFFERS, 0, 0, 1 },
		{ LIBRELP_OFFERS "\n", 0, 0, 1 },
		{ "\n\nrelp_version=1\n\n", 0, 1, 0 },
		{ "commands=syslog", 0, -1, 1 },
		{ "commands=foo,syslog,bar\nrelp_version=0", 0, 0, 1 },
		{ "commands=", 0, -1, 0 },
		{ "commands", 0, -1, 0 },
		{ "commands=,,", 0, -1, 0 },
		{ "commands=syslogx,Syslog,sys", 0, -1, 0 },
		{ "syslog=commands", 0, -1, 0 },
		{ "relp_software=syslog", 0, -1, 0 },
		{ "unknown_offer=1,2,3\nflag", 0, -1, 0 },
		{ "relp_version=999999999", 0, 999999999, 0 },
		{ "", 0, -1, 0 },
		{ "relp_version=1234567890", -1, 0, 0 },
		{ "relp_version=", -1, 0, 0 },
		{ "relp_version", -1, 0, 0 },
		{ "relp_version=x", -1, 0, 0 },
		{ "relp_version=1,2", -1, 0, 0 },
		{ "relp_version= 1", -1, 0, 0 },
		{ "=x", -1, 0, 0 },
		{ "commands=syslog\n=", -1, 0, 0 },
		{ "abcdefghijklmnopqrstuvwxyzABCDEFG=1", -1, 0, 0 },
	};
	struct sl_relp_offers o;
	char buf[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&o, 0x5A, sizeof(o));
		if (offers_n(cases[i].in, strlen(cases[i].in), &o) != cases[i].rc)
			fail_msg("case %zu (%s): wrong result", i, cases[i].in);
		if (cases[i].rc != 0)
			continue;
		assert_int_equal(o.relp_version, cases[i].version);
		assert_int_equal(o.syslog, cases[i].syslog);
	}

	/* Name of 32 bytes and a value of 255 are the limits. */
	memset(buf, 'n', 32);
	buf[32] = '=';
	memset(buf + 33, 'v', 256);
	assert_int_equal(offers_n(buf, 33 + 255, &o), 0);
	assert_int_equal(offers_n(buf, 33 + 256, &o), -1);
	memset(buf, 'n', 33);
	buf[33] = '=';
	buf[34] = '1';
	assert_int_equal(offers_n(buf, 35, &o), -1);
	assert_int_equal(offers_n(buf + 1, 34, &o), 0);
}

static void
assert_bytes(const char *got, size_t n, const char *want)
{
	if (n != strlen(want) || memcmp(got, want, n) != 0)
		fail_msg("got \"%.*s\" (%zu), want \"%s\"", (int)n, got, n, want);
}

static void
test_rsp(void **state)
{
	static const char open_want[] =
		"1 rsp 64 200 OK\nrelp_version=0\nrelp_software=sluice,0.1.0\n"
		"commands=syslog\n";
	char out[512], text[SL_RELP_TEXT_MAX + 2];
	struct sl_relp_frame f;
	struct sl_relp_offers o;
	const char *err;
	size_t n;

	(void)state;
	n = sl_relp_rsp(out, sizeof(out), 5, 200, "OK", NULL);
	assert_bytes(out, n, "5 rsp 6 200 OK\n");
	n = sl_relp_rsp(out, sizeof(out), 999999999, 500, "kafka delivery failed",
			NULL);
	assert_bytes(out, n, "999999999 rsp 25 500 kafka delivery failed\n");
	n = sl_relp_rsp(out, sizeof(out), 12, 200, "OK", "a=b");
	assert_bytes(out, n, "12 rsp 10 200 OK\na=b\n");
	n = sl_relp_rsp(out, sizeof(out), 12, 200, "", NULL);
	assert_bytes(out, n, "12 rsp 4 200 \n");

	/* Exactly fitting, one byte short. */
	assert_int_equal(sl_relp_rsp(out, 15, 5, 200, "OK", NULL), 15);
	assert_int_equal(sl_relp_rsp(out, 14, 5, 200, "OK", NULL), 0);
	assert_int_equal(sl_relp_rsp(out, 0, 5, 200, "OK", NULL), 0);

	/* Arguments RELP cannot carry. */
	assert_int_equal(sl_relp_rsp(out, sizeof(out), 0, 200, "OK", NULL), 0);
	assert_int_equal(sl_relp_rsp(out, sizeof(out), 1000000000, 200, "OK",
				     NULL), 0);
	assert_int_equal(sl_relp_rsp(out, sizeof(out), 1, 99, "OK", NULL), 0);
	assert_int_equal(sl_relp_rsp(out, sizeof(out), 1, 1000, "OK", NULL), 0);
	assert_int_equal(sl_relp_rsp(out, sizeof(out), 1, 200, "O\nK", NULL), 0);
	memset(text, 'a', SL_RELP_TEXT_MAX);
	text[SL_RELP_TEXT_MAX] = '\0';
	assert_int_equal(sl_relp_rsp(out, sizeof(out), 1, 200, text, NULL),
			 9 + 4 + SL_RELP_TEXT_MAX + 1);
	text[SL_RELP_TEXT_MAX] = 'a';
	text[SL_RELP_TEXT_MAX + 1] = '\0';
	assert_int_equal(sl_relp_rsp(out, sizeof(out), 1, 200, text, NULL), 0);

	/* What we write parses as an rsp with the right DATALEN. */
	n = sl_relp_rsp(out, sizeof(out), 77, 500, "no", "x\ny");
	assert_int_equal(parse_n(out, n, 100, &f, &err), (int)n);
	assert_int_equal(f.cmd, SL_RELP_RSP);
	assert_int_equal(f.txnr, 77);
	assert_int_equal(f.datalen, 10);
	assert_memory_equal(f.data, "500 no\nx\ny", 10);

	/* The answer to open, as librelp's server words it. */
	n = sl_relp_open_rsp(out, sizeof(out), 1, "sluice,0.1.0");
	assert_bytes(out, n, open_want);
	assert_int_equal(parse_n(out, n, 1000, &f, &err), (int)n);
	assert_int_equal(f.cmd, SL_RELP_RSP);
	assert_memory_equal(f.data, "200 OK\n", 7);
	assert_int_equal(sl_relp_offers_parse(f.data + 7, f.datalen - 7, &o), 0);
	assert_int_equal(o.relp_version, 0);
	assert_int_equal(o.syslog, 1);
	assert_int_equal(sl_relp_open_rsp(out, sizeof(open_want) - 1, 1,
					  "sluice,0.1.0"), sizeof(open_want) - 1);
	assert_int_equal(sl_relp_open_rsp(out, sizeof(open_want) - 2, 1,
					  "sluice,0.1.0"), 0);
	assert_int_equal(sl_relp_open_rsp(out, sizeof(out), 0, "sluice"), 0);
	assert_int_equal(sl_relp_open_rsp(out, sizeof(out), 1, ""), 0);
	assert_int_equal(sl_relp_open_rsp(out, sizeof(out), 1, "a\nb"), 0);

	n = sl_relp_serverclose(out, sizeof(out));
	assert_bytes(out, n, "0 serverclose 0\n");
	assert_int_equal(sl_relp_serverclose(out, 16), 16);
	assert_int_equal(sl_relp_serverclose(out, 15), 0);
}

/* The open answer with the longest software string the offers allow. */
static void
test_open_rsp_software(void **state)
{
	char sw[3 * SL_RELP_OFFER_VALUE_MAX + 4], out[1024];
	struct sl_relp_frame f;
	struct sl_relp_offers o;
	const char *err;
	size_t n;

	(void)state;
	memset(sw, 'a', sizeof(sw));
	sw[SL_RELP_OFFER_VALUE_MAX] = ',';
	sw[2 * SL_RELP_OFFER_VALUE_MAX + 1] = ',';
	sw[3 * SL_RELP_OFFER_VALUE_MAX + 2] = '\0';
	n = sl_relp_open_rsp(out, sizeof(out), 3, sw);
	assert_true(n > 0);
	assert_int_equal(parse_n(out, n, 1000, &f, &err), (int)n);
	assert_int_equal(sl_relp_offers_parse(f.data + 7, f.datalen - 7, &o), 0);
	assert_int_equal(o.syslog, 1);
	/* One value one byte too long. */
	sw[SL_RELP_OFFER_VALUE_MAX] = 'a';
	sw[SL_RELP_OFFER_VALUE_MAX + 1] = ',';
	assert_int_equal(sl_relp_open_rsp(out, sizeof(out), 3, sw), 0);
}

static void
test_window_order(void **state)
{
	struct sl_relp_slot slots[8];
	struct sl_relp_window w;
	uint32_t seq[5], txnr;
	uint16_t code;
	unsigned i;

	(void)state;
	assert_int_equal(sl_relp_window_init(&w, slots, 8, 100), 0);
	assert_true(sl_relp_window_empty(&w));
	/* open answered at once, four syslog commands pending. */
	assert_int_equal(sl_relp_window_push_done(&w, 1, 200), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(sl_relp_window_push(&w, 2 + i, &seq[i]), 0);
		assert_int_equal(seq[i], 101 + i);
	}
	assert_int_equal(sl_relp_window_count(&w), 5);

	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 1);
	assert_int_equal(txnr, 1);
	assert_int_equal(code, 200);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 0);

	/* Confirmations out of order: nothing leaves before txnr 2. */
	assert_int_equal(sl_relp_window_complete(&w, seq[3], 200), 0);
	assert_int_equal(sl_relp_window_complete(&w, seq[1], 500), 0);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 0);
	/* A second outcome for the same command is refused. */
	assert_int_equal(sl_relp_window_complete(&w, seq[1], 200), -1);
	assert_int_equal(sl_relp_window_complete(&w, seq[2], 0), -1);
	assert_int_equal(sl_relp_window_complete(&w, seq[0], 200), 0);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 1);
	assert_int_equal(txnr, 2);
	assert_int_equal(code, 200);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 1);
	assert_int_equal(txnr, 3);
	assert_int_equal(code, 500);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 0);
	/* A command refused at once still waits for the older one. */
	assert_int_equal(sl_relp_window_push_done(&w, 6, 500), 0);
	assert_int_equal(sl_relp_window_push_done(&w, 7, 0), -1);
	assert_int_equal(sl_relp_window_complete(&w, seq[2], 200), 0);
	for (i = 4; i <= 6; i++) {
		assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 1);
		assert_int_equal(txnr, i);
	}
	assert_int_equal(code, 500);
	assert_true(sl_relp_window_empty(&w));
	/* Popped entries are no longer outstanding. */
	assert_int_equal(sl_relp_window_complete(&w, seq[0], 200), -1);
	assert_int_equal(sl_relp_window_complete(&w, seq[3], 200), -1);
}

static void
test_window_full(void **state)
{
	struct sl_relp_slot slots[4], one[1];
	struct sl_relp_window w;
	uint32_t seq, first, txnr;
	uint16_t code;
	unsigned i;

	(void)state;
	assert_int_equal(sl_relp_window_init(&w, slots, 0, 0), -1);
	assert_int_equal(sl_relp_window_init(&w, slots, 3, 0), -1);
	assert_int_equal(sl_relp_window_init(&w, slots, 131072, 0), -1);
	assert_int_equal(sl_relp_window_init(&w, NULL, 4, 0), -1);
	assert_int_equal(sl_relp_window_alloc(&w, 6, 0), -1);

	assert_int_equal(sl_relp_window_init(&w, slots, 4, 7), 0);
	for (i = 0; i < 4; i++) {
		assert_false(sl_relp_window_full(&w));
		assert_int_equal(sl_relp_window_push(&w, i + 1, &seq), 0);
	}
	assert_true(sl_relp_window_full(&w));
	assert_int_equal(sl_relp_window_push(&w, 5, &seq), -1);
	assert_int_equal(sl_relp_window_push_done(&w, 5, 200), -1);
	assert_int_equal(sl_relp_window_count(&w), 4);
	/* Never issued. */
	assert_int_equal(sl_relp_window_complete(&w, 11, 200), -1);
	assert_int_equal(sl_relp_window_complete(&w, 6, 200), -1);
	assert_int_equal(sl_relp_window_complete(&w, 7, 200), 0);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 1);
	assert_false(sl_relp_window_full(&w));
	assert_int_equal(sl_relp_window_push(&w, 5, &seq), 0);
	assert_int_equal(seq, 11);

	/* Capacity 1. */
	assert_int_equal(sl_relp_window_init(&w, one, 1, 0), 0);
	assert_int_equal(sl_relp_window_push(&w, 1, &first), 0);
	assert_true(sl_relp_window_full(&w));
	assert_int_equal(sl_relp_window_push(&w, 2, &seq), -1);
	assert_int_equal(sl_relp_window_complete(&w, first, 200), 0);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 1);
	assert_int_equal(sl_relp_window_push(&w, 2, &seq), 0);
	/* The old sequence number maps to the same slot but is stale. */
	assert_int_equal(sl_relp_window_complete(&w, first, 500), -1);
	assert_int_equal(sl_relp_window_complete(&w, seq, 500), 0);

	/* The largest window, from malloc. */
	assert_int_equal(sl_relp_window_alloc(&w, SL_RELP_WINDOW_MAX, 0), 0);
	for (i = 0; i < SL_RELP_WINDOW_MAX; i++)
		assert_int_equal(sl_relp_window_push(&w, i + 1, &seq), 0);
	assert_true(sl_relp_window_full(&w));
	assert_int_equal(sl_relp_window_count(&w), SL_RELP_WINDOW_MAX);
	assert_int_equal(sl_relp_window_push(&w, 1, &seq), -1);
	sl_relp_window_free(&w);
	assert_null(w.slots);
	assert_int_equal(sl_relp_window_alloc(&w, 1, 0), 0);
	sl_relp_window_free(&w);
}

/* Sequence numbers wrap past 2^32 and a reset makes every number handed
 * out before it stale. */
static void
test_window_wrap(void **state)
{
	struct sl_relp_slot slots[16];
	struct sl_relp_window w;
	uint32_t seq[40], txnr, next_txnr = 1, popped = 0, s;
	uint16_t code;
	unsigned i, j;

	(void)state;
	assert_int_equal(sl_relp_window_init(&w, slots, 16, UINT32_MAX - 20), 0);
	for (i = 0; i < 40; i++) {
		assert_int_equal(sl_relp_window_push(&w, i + 1, &seq[i]), 0);
		assert_int_equal(seq[i], (uint32_t)(UINT32_MAX - 20 + i));
		/* Keep eight in flight, completed newest first. */
		if (sl_relp_window_count(&w) == 8) {
			for (j = 0; j < 8; j++)
				assert_int_equal(sl_relp_window_complete(&w,
						 seq[i - j], 200), 0);
			while (sl_relp_window_pop_ready(&w, &txnr, &code) == 1) {
				assert_int_equal(txnr, next_txnr);
				next_txnr++;
				popped++;
			}
		}
	}
	assert_int_equal(popped, 40);
	assert_true(seq[39] < seq[0]); /* it did wrap */
	for (i = 0; i < 40; i++)
		assert_int_equal(sl_relp_window_complete(&w, seq[i], 200), -1);

	/* A session ended with commands in flight: their late outcomes
	 * must not land on the new session's commands in the same slots. */
	assert_int_equal(sl_relp_window_push(&w, 1, &s), 0);
	assert_int_equal(sl_relp_window_push(&w, 2, &seq[0]), 0);
	sl_relp_window_reset(&w);
	assert_true(sl_relp_window_empty(&w));
	assert_int_equal(sl_relp_window_push(&w, 1, &seq[1]), 0);
	assert_int_equal(sl_relp_window_push(&w, 2, &seq[2]), 0);
	assert_int_equal(sl_relp_window_complete(&w, s, 500), -1);
	assert_int_equal(sl_relp_window_complete(&w, seq[0], 500), -1);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 0);
	assert_int_equal(sl_relp_window_complete(&w, seq[1], 200), 0);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 1);
	assert_int_equal(txnr, 1);

	/* A full window straddling the wrap: the numbers just outside it on
	 * both sides are refused. */
	assert_int_equal(sl_relp_window_init(&w, slots, 16, UINT32_MAX - 7), 0);
	for (i = 0; i < 16; i++)
		assert_int_equal(sl_relp_window_push(&w, i + 1, &seq[i]), 0);
	assert_int_equal(sl_relp_window_complete(&w, UINT32_MAX - 8, 200), -1);
	assert_int_equal(sl_relp_window_complete(&w, 8, 200), -1);
	assert_int_equal(sl_relp_window_complete(&w, 7, 200), 0);
	assert_int_equal(sl_relp_window_complete(&w, UINT32_MAX - 7, 200), 0);
	assert_int_equal(sl_relp_window_pop_ready(&w, &txnr, &code), 1);
	assert_int_equal(txnr, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_offers),
		cmocka_unit_test(test_rsp),
		cmocka_unit_test(test_open_rsp_software),
		cmocka_unit_test(test_window_order),
		cmocka_unit_test(test_window_full),
		cmocka_unit_test(test_window_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
