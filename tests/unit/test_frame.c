/* test_frame.c: RFC 6587 framing against the corpus (as LF-framed and as
 * octet-counted streams, fed whole, byte by byte and in random pieces),
 * AUTO resolution, oversize messages and garbage framing.
 *
 * Streams run through a simulated connection: one heap receive buffer of
 * exactly max_message + SL_FRAME_HEADROOM bytes, filled as a socket read
 * would, drained by the consumed counts. The parser sees only that
 * buffer, so AddressSanitizer catches a read past its filled part only
 * where it is also past the allocation; the direct tests use heap copies
 * of exactly the input bytes for that.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_frame.h"
#include "sl_test_copy.h"

static const char *const corpus_names[] = {
	"Apache_2k.log", "HDFS_2k.log", "Hadoop_2k.log", "Linux_2k.log",
	"OpenSSH_2k.log", "Spark_2k.log", "Thunderbird_2k.log",
	"Zookeeper_2k.log",
};

/* ---- a simulated connection ---- */

/* One expected event; len SIZE_MAX means "any length" (the partial
 * length of an LF-framed oversize message depends on the reads). */
struct expect {
	enum sl_frame_rc rc;
	const uint8_t *data;
	size_t len;
};

struct run {
	enum sl_framing mode;   /* after the run */
	size_t events;          /* events matched */
	size_t leftover;        /* bytes still buffered at the end */
	int error;              /* ended on SL_FRAME_ERROR */
};

/* Chunk sizes of the reads: 0 = as much as fits, 1 = byte by byte, else
 * pseudo-random pieces seeded with the value. */
static size_t
next_chunk(uint32_t *rng)
{
	uint32_t x = *rng;

	if (x == 0)
		return SIZE_MAX;
	if (x == 1)
		return 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*rng = x;
	if (x % 5 == 0)
		return 1 + x % 3;
	return 1 + x % 700;
}

static void
run_stream(enum sl_framing mode, size_t max_message, const uint8_t *in,
	   size_t n, uint32_t chunking, const struct expect *exp, size_t n_exp,
	   struct run *r)
{
	struct sl_frame_state st;
	struct sl_frame_msg out;
	size_t cap = max_message + SL_FRAME_HEADROOM, len = 0, pos = 0, k;
	uint8_t *buf = malloc(cap);
	enum sl_frame_rc rc;

	assert_non_null(buf);
	memset(r, 0, sizeof(*r));
	sl_frame_init(&st, mode);
	for (;;) {
		k = next_chunk(&chunking);
		if (k > cap - len)
			k = cap - len;
		if (k > n - pos)
			k = n - pos;
		memcpy(buf + len, in + pos, k);
		len += k;
		pos += k;
		do {
			memset(&out, 0xA5, sizeof(out));
			rc = sl_frame_next(&st, buf, len, max_message, &out);
			if (rc == SL_FRAME_ERROR) {
				assert_non_null(out.reason);
				assert_true(r->events < n_exp);
				assert_int_equal(exp[r->events].rc, rc);
				r->events++;
				r->error = 1;
				r->leftover = len;
				r->mode = st.mode;
				free(buf);
				return;
			}
			assert_null(out.reason);
			assert_true(out.consumed <= len);
			if (rc == SL_FRAME_NEED) {
				assert_true(out.consumed > 0 || len < cap);
			} else {
				assert_true(out.consumed > 0);
				assert_true(out.off + out.len <= len ||
					    rc == SL_FRAME_OVERSIZE);
				if (r->events >= n_exp)
					fail_msg("unexpected event %d at stream byte %zu",
						 rc, pos - len);
				assert_int_equal(exp[r->events].rc, rc);
				if (exp[r->events].len != SIZE_MAX)
					assert_int_equal(exp[r->events].len, out.len);
				if (rc == SL_FRAME_MSG) {
					assert_true(out.len <= max_message);
					assert_memory_equal(exp[r->events].data,
							    buf + out.off, out.len);
				} else {
					assert_true(out.len > max_message);
				}
				r->events++;
			}
			memmove(buf, buf + out.consumed, len - out.consumed);
			len -= out.consumed;
		} while (rc != SL_FRAME_NEED);
		if (pos == n && k == 0)
			break;
	}
	r->leftover = len;
	r->mode = st.mode;
	free(buf);
}

/* ---- corpus ---- */

struct corpus {
	uint8_t *data;
	size_t len;
	uint8_t *octet;         /* the lines as an octet-counted stream */
	size_t octet_len;
	struct expect *lines;   /* every line, CR LF removed */
	size_t n_lines;
	size_t n_complete;      /* lines ending in LF */
	size_t tail;            /* bytes after the last LF */
};

static void
corpus_load(const char *name, struct corpus *c)
{
	const char *dir = getenv("SL_CORPUS");
	char path[4096];
	size_t pos = 0, i, o = 0;
	const uint8_t *lf;
	FILE *f;
	long n;

	memset(c, 0, sizeof(*c));
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
	c->data = malloc((size_t)n);
	assert_non_null(c->data);
	assert_int_equal(fread(c->data, 1, (size_t)n, f), (size_t)n);
	assert_int_equal(fclose(f), 0);
	c->len = (size_t)n;

	c->lines = calloc(c->len + 1, sizeof(*c->lines));
	assert_non_null(c->lines);
	while (pos < c->len) {
		struct expect *e = &c->lines[c->n_lines++];

		lf = memchr(c->data + pos, '\n', c->len - pos);
		e->rc = SL_FRAME_MSG;
		e->data = c->data + pos;
		if (lf == NULL) {
			e->len = c->len - pos;
			c->tail = e->len;
			pos = c->len;
			break;
		}
		e->len = (size_t)(lf - c->data) - pos;
		/* The corpus has CR LF endings: check it, so the CR strip is
		 * really exercised. */
		assert_true(e->len > 0 && e->data[e->len - 1] == '\r');
		e->len--;
		c->n_complete++;
		pos = (size_t)(lf - c->data) + 1;
	}
	assert_true(c->n_complete >= 1999);

	/* "LEN SP MSG" of every line; 10 bytes of header at most. */
	c->octet = malloc(c->len + 11 * c->n_lines);
	assert_non_null(c->octet);
	for (i = 0; i < c->n_lines; i++) {
		o += (size_t)sprintf((char *)c->octet + o, "%zu ",
				     c->lines[i].len);
		memcpy(c->octet + o, c->lines[i].data, c->lines[i].len);
		o += c->lines[i].len;
	}
	c->octet_len = o;
}

static void
corpus_free(struct corpus *c)
{
	free(c->data);
	free(c->octet);
	free(c->lines);
}

/* The events expected with a limit: lines longer than max_message turn
 * into OVERSIZE (full length known in octet mode only). */
static struct expect *
expect_limited(const struct corpus *c, size_t max_message, int octet,
	       size_t *n_oversize)
{
	struct expect *e = malloc((c->n_lines + 1) * sizeof(*e));
	size_t i;

	assert_non_null(e);
	*n_oversize = 0;
	for (i = 0; i < c->n_lines; i++) {
		e[i] = c->lines[i];
		if (e[i].len > max_message) {
			e[i].rc = SL_FRAME_OVERSIZE;
			if (!octet)
				e[i].len = SIZE_MAX;
			(*n_oversize)++;
		}
	}
	return e;
}

static void
test_corpus(void **state)
{
	/* Whole, byte by byte, and three random piece patterns. */
	static const uint32_t chunkings[] = { 0, 1, 0x9E3779B9u, 12345u, 777u };
	static const size_t limits[] = { 4096, 200 };
	size_t f, ci, li, n_over, n_lf, total_over = 0;
	struct corpus c;
	struct expect *e;
	struct run r;

	(void)state;
	for (f = 0; f < sizeof(corpus_names) / sizeof(corpus_names[0]); f++) {
		corpus_load(corpus_names[f], &c);
		for (li = 0; li < 2; li++) {
			for (ci = 0; ci < 5; ci++) {
				/* An unterminated last line above the limit
				 * is known to be oversize before its LF. */
				n_lf = c.n_complete + (c.tail > limits[li]);
				e = expect_limited(&c, limits[li], 0, &n_over);
				run_stream(SL_FRAMING_LF, limits[li], c.data,
					   c.len, chunkings[ci], e, n_lf, &r);
				assert_int_equal(r.events, n_lf);
				assert_false(r.error);
				assert_int_equal(r.mode, SL_FRAMING_LF);
				/* The unterminated last line stays buffered
				 * (or is being discarded when oversize). */
				if (c.tail <= limits[li])
					assert_int_equal(r.leftover, c.tail);
				free(e);

				e = expect_limited(&c, limits[li], 1, &n_over);
				run_stream(SL_FRAMING_AUTO, limits[li], c.octet,
					   c.octet_len, chunkings[ci], e,
					   c.n_lines, &r);
				assert_int_equal(r.events, c.n_lines);
				assert_false(r.error);
				assert_int_equal(r.mode, SL_FRAMING_OCTET);
				assert_int_equal(r.leftover, 0);
				run_stream(SL_FRAMING_OCTET, limits[li], c.octet,
					   c.octet_len, chunkings[ci], e,
					   c.n_lines, &r);
				assert_int_equal(r.events, c.n_lines);
				free(e);
				total_over += n_over;
			}
		}
		/* AUTO on the raw lines: LF framing, except for files whose
		 * first line starts with a digit 1-9 (Hadoop's timestamps),
		 * which look like octet counting; that is why AUTO exists only
		 * for syslog, whose messages start with "<". */
		if (c.data[0] >= '1' && c.data[0] <= '9') {
			struct expect err = { SL_FRAME_ERROR, NULL, 0 };

			run_stream(SL_FRAMING_AUTO, 4096, c.data, c.len, 0,
				   &err, 1, &r);
			assert_int_equal(r.mode, SL_FRAMING_OCTET);
			assert_true(r.error);
		} else {
			run_stream(SL_FRAMING_AUTO, 4096, c.data, c.len, 0,
				   c.lines, c.n_complete, &r);
			assert_int_equal(r.mode, SL_FRAMING_LF);
			assert_int_equal(r.events, c.n_complete);
		}
		corpus_free(&c);
	}
	/* The 200-byte limit really cut some corpus lines. */
	assert_true(total_over > 0);
}

/* ---- direct calls ---- */

struct hbuf {
	uint8_t *p;
	size_t len;
};

static struct hbuf
hbuf_make(const char *s, size_t len)
{
	struct hbuf b;

	b.p = sl_test_copy(s, len);
	b.len = len;
	return b;
}

/* One call on a heap copy of exactly s[0, len). */
static enum sl_frame_rc
next_n(struct sl_frame_state *st, const char *s, size_t len, size_t max,
       struct sl_frame_msg *out)
{
	struct hbuf b = hbuf_make(s, len);
	enum sl_frame_rc rc = sl_frame_next(st, b.p, b.len, max, out);

	assert_true(out->consumed <= len);
	if (rc == SL_FRAME_MSG)
		assert_true(out->off + out->len <= len);
	free(b.p);
	return rc;
}

#define NEXT(st, lit, max, out) next_n((st), (lit), sizeof(lit) - 1, (max), (out))

static void
assert_msg(const char *in, const struct sl_frame_msg *m, const char *want,
	   size_t consumed)
{
	assert_int_equal(m->len, strlen(want));
	assert_memory_equal(in + m->off, want, m->len);
	assert_int_equal(m->consumed, consumed);
	assert_null(m->reason);
}

static void
test_lf(void **state)
{
	static const char in[] = "a\nb\r\n\n\r\nc\r\r\nx\0y\ntail";
	struct sl_frame_state st;
	struct sl_frame_msg m;
	static const char *const want[] = { "a", "b", "", "", "c\r" };
	size_t pos = 0, n = sizeof(in) - 1, i;

	(void)state;
	sl_frame_init(&st, SL_FRAMING_LF);
	for (i = 0; i < 5; i++) {
		assert_int_equal(next_n(&st, in + pos, n - pos, 100, &m),
				 SL_FRAME_MSG);
		assert_int_equal(m.len, strlen(want[i]));
		assert_memory_equal(in + pos + m.off, want[i], m.len);
		pos += m.consumed;
	}
	/* NUL is an ordinary byte. */
	assert_int_equal(next_n(&st, in + pos, n - pos, 100, &m), SL_FRAME_MSG);
	assert_int_equal(m.len, 3);
	assert_memory_equal(in + pos + m.off, "x\0y", 3);
	pos += m.consumed;
	assert_int_equal(next_n(&st, in + pos, n - pos, 100, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 0);
	assert_int_equal(st.mode, SL_FRAMING_LF);

	/* An empty buffer. */
	sl_frame_init(&st, SL_FRAMING_LF);
	assert_int_equal(sl_frame_next(&st, NULL, 0, 100, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 0);
}

/* The buffer grows by appends between calls; the remembered scan offset
 * must not hide an LF or skip bytes. */
static void
test_lf_growing(void **state)
{
	static const char in[] = "abc\rdef\r\nghi\n";
	struct sl_frame_state st;
	struct sl_frame_msg m;
	size_t k;

	(void)state;
	sl_frame_init(&st, SL_FRAMING_LF);
	for (k = 0; k < 8; k++) {
		assert_int_equal(next_n(&st, in, k, 100, &m), SL_FRAME_NEED);
		assert_int_equal(m.consumed, 0);
	}
	assert_int_equal(next_n(&st, in, 9, 100, &m), SL_FRAME_MSG);
	assert_msg(in, &m, "abc\rdef", 9);
	assert_int_equal(NEXT(&st, "ghi\n", 100, &m), SL_FRAME_MSG);
	assert_msg("ghi\n", &m, "ghi", 4);
}

static void
test_lf_oversize(void **state)
{
	static const char two[] = "abcdef\nok\n";
	struct sl_frame_state st;
	struct sl_frame_msg m;

	(void)state;
	/* Whole message in the buffer: reported with its length, consumed
	 * through its LF, and the next message comes out. */
	sl_frame_init(&st, SL_FRAMING_LF);
	assert_int_equal(NEXT(&st, "abcdef\nok\n", 3, &m), SL_FRAME_OVERSIZE);
	assert_int_equal(m.len, 6);
	assert_int_equal(m.consumed, 7);
	assert_int_equal(next_n(&st, two + 7, 3, 3, &m), SL_FRAME_MSG);
	assert_msg(two + 7, &m, "ok", 3);

	/* Partial: reported once, then skipped across calls through the
	 * next LF; the message after it comes out of the same call. */
	sl_frame_init(&st, SL_FRAMING_LF);
	assert_int_equal(NEXT(&st, "abcd", 3, &m), SL_FRAME_OVERSIZE);
	assert_int_equal(m.len, 4);
	assert_int_equal(m.consumed, 4);
	assert_int_equal(NEXT(&st, "efgh", 3, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 4);
	assert_int_equal(NEXT(&st, "i\r", 3, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 2);
	assert_int_equal(NEXT(&st, "\nok\r\nmore", 3, &m), SL_FRAME_MSG);
	assert_msg("\nok\r\nmore", &m, "ok", 5);
	assert_int_equal(NEXT(&st, "more", 3, &m), SL_FRAME_OVERSIZE);

	/* A CR at the end may be the trailer: "abc\r" with limit 3 waits. */
	sl_frame_init(&st, SL_FRAMING_LF);
	assert_int_equal(NEXT(&st, "abc\r", 3, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 0);
	assert_int_equal(NEXT(&st, "abc\r\n", 3, &m), SL_FRAME_MSG);
	assert_msg("abc\r\n", &m, "abc", 5);
	assert_int_equal(NEXT(&st, "abc\rx", 3, &m), SL_FRAME_OVERSIZE);
	assert_int_equal(m.len, 5);

	/* Exactly max_message is fine. */
	sl_frame_init(&st, SL_FRAMING_LF);
	assert_int_equal(NEXT(&st, "abc\n", 3, &m), SL_FRAME_MSG);
	assert_int_equal(m.len, 3);
}

static void
test_octet(void **state)
{
	static const char in[] = "5 hello3 abc1 \n11 <13>x\r\ny\n z";
	struct sl_frame_state st;
	struct sl_frame_msg m;
	size_t pos = 0, n = sizeof(in) - 1;

	(void)state;
	sl_frame_init(&st, SL_FRAMING_OCTET);
	assert_int_equal(next_n(&st, in, n, 100, &m), SL_FRAME_MSG);
	assert_msg(in, &m, "hello", 7);
	pos += m.consumed;
	assert_int_equal(next_n(&st, in + pos, n - pos, 100, &m), SL_FRAME_MSG);
	assert_msg(in + pos, &m, "abc", 5);
	pos += m.consumed;
	/* Counted bytes are delivered as they are, LF and CR included. */
	assert_int_equal(next_n(&st, in + pos, n - pos, 100, &m), SL_FRAME_MSG);
	assert_msg(in + pos, &m, "\n", 3);
	pos += m.consumed;
	assert_int_equal(next_n(&st, in + pos, n - pos, 100, &m), SL_FRAME_MSG);
	assert_msg(in + pos, &m, "<13>x\r\ny\n z", 14);
	pos += m.consumed;
	assert_int_equal(pos, n);

	/* Valid prefixes wait. */
	assert_int_equal(NEXT(&st, "5 hell", 100, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 0);
	assert_int_equal(NEXT(&st, "12", 100, &m), SL_FRAME_NEED);
	assert_int_equal(NEXT(&st, "123456789", 1000000000, &m), SL_FRAME_NEED);
	assert_int_equal(NEXT(&st, "5 ", 100, &m), SL_FRAME_NEED);

	/* The largest count is 9 digits. */
	assert_int_equal(NEXT(&st, "999999999 x", 1000000000, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 0);
}

static void
test_octet_garbage(void **state)
{
	static const struct {
		const char *in;
		const char *reason;
	} cases[] = {
		{ "a", "non-digit" },
		{ "<13>x", "non-digit" },
		{ " 5 hello", "non-digit" },
		{ "\n", "non-digit" },
		{ "-1 x", "non-digit" },
		{ "0 ", "leading zero" },
		{ "05 hello", "leading zero" },
		{ "1234567890", "more than 9 digits" },
		{ "1234567890 x", "more than 9 digits" },
		{ "12x", "no SP" },
		{ "5\nhello", "no SP" },
		{ "5\thello", "no SP" },
		{ "5  hello", NULL }, /* valid: the message starts with SP */
	};
	struct sl_frame_state st;
	struct sl_frame_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sl_frame_rc rc;

		sl_frame_init(&st, SL_FRAMING_OCTET);
		rc = next_n(&st, cases[i].in, strlen(cases[i].in), 100, &m);
		if (cases[i].reason == NULL) {
			assert_int_equal(rc, SL_FRAME_MSG);
			assert_msg(cases[i].in, &m, " hell", 7);
			continue;
		}
		assert_int_equal(rc, SL_FRAME_ERROR);
		assert_non_null(m.reason);
		if (strstr(m.reason, cases[i].reason) == NULL)
			fail_msg("%s: reason \"%s\", want \"%s\"", cases[i].in,
				 m.reason, cases[i].reason);
		assert_true(strncmp(m.reason, "octet count: ", 13) == 0);
	}

	/* An LF after a counted message (a sender mixing framings) is
	 * garbage where the next MSG-LEN belongs. */
	sl_frame_init(&st, SL_FRAMING_OCTET);
	assert_int_equal(NEXT(&st, "2 ok\n3 abc", 100, &m), SL_FRAME_MSG);
	assert_int_equal(NEXT(&st, "\n3 abc", 100, &m), SL_FRAME_ERROR);
}

static void
test_octet_oversize(void **state)
{
	static const char next[] = "892 ok";
	struct sl_frame_state st;
	struct sl_frame_msg m;

	(void)state;
	/* Whole message present: consumed at once. */
	sl_frame_init(&st, SL_FRAMING_OCTET);
	assert_int_equal(NEXT(&st, "10 0123456789", 4, &m), SL_FRAME_OVERSIZE);
	assert_int_equal(m.len, 10);
	assert_int_equal(m.off, 3);
	assert_int_equal(m.consumed, 13);
	assert_int_equal(NEXT(&st, "2 ok", 4, &m), SL_FRAME_MSG);
	assert_msg("2 ok", &m, "ok", 4);

	/* Partial: exactly MSG-LEN bytes are skipped across calls, then the
	 * next message comes out of the same call that ends the skip. */
	sl_frame_init(&st, SL_FRAMING_OCTET);
	assert_int_equal(NEXT(&st, "10 01234", 4, &m), SL_FRAME_OVERSIZE);
	assert_int_equal(m.len, 10);
	assert_int_equal(m.consumed, 8);
	assert_int_equal(NEXT(&st, "567", 4, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 3);
	assert_int_equal(next_n(&st, next, sizeof(next) - 1, 4, &m), SL_FRAME_MSG);
	assert_msg(next, &m, "ok", 6);
	/* Skipping does not look inside the skipped bytes ("10 x" there
	 * would be garbage as a header). */
	sl_frame_init(&st, SL_FRAMING_OCTET);
	assert_int_equal(NEXT(&st, "5 ab", 1, &m), SL_FRAME_OVERSIZE);
	assert_int_equal(NEXT(&st, "x", 1, &m), SL_FRAME_NEED);
	assert_int_equal(NEXT(&st, "\n ", 1, &m), SL_FRAME_NEED);
	assert_int_equal(m.consumed, 2);
	assert_int_equal(NEXT(&st, "1 z", 1, &m), SL_FRAME_MSG);
	assert_msg("1 z", &m, "z", 3);
}

/* Once the buffer holds max_message + SL_FRAME_HEADROOM bytes, the
 * parser never asks for more without consuming. */
static void
test_progress(void **state)
{
	enum { MAX = 100 };
	char big[MAX + SL_FRAME_HEADROOM];
	struct sl_frame_state st;
	struct sl_frame_msg m;

	(void)state;
	memset(big, 'x', sizeof(big));
	sl_frame_init(&st, SL_FRAMING_LF);
	assert_int_equal(next_n(&st, big, sizeof(big), MAX, &m),
			 SL_FRAME_OVERSIZE);
	assert_int_equal(m.consumed, sizeof(big));
	sl_frame_init(&st, SL_FRAMING_LF);
	assert_int_equal(next_n(&st, big, MAX + 1, MAX, &m), SL_FRAME_OVERSIZE);
	sl_frame_init(&st, SL_FRAMING_LF);
	assert_int_equal(next_n(&st, big, MAX, MAX, &m), SL_FRAME_NEED);

	/* The longest octet frame that is still a message fits. */
	sl_frame_init(&st, SL_FRAMING_OCTET);
	memcpy(big, "100 ", 4);
	assert_int_equal(next_n(&st, big, 4 + MAX - 1, MAX, &m), SL_FRAME_NEED);
	assert_int_equal(next_n(&st, big, 4 + MAX, MAX, &m), SL_FRAME_MSG);
	assert_int_equal(m.len, MAX);
	memcpy(big, "000000100 ", 10);
	assert_int_equal(next_n(&st, big, 10, MAX, &m), SL_FRAME_ERROR);
}

static void
test_auto(void **state)
{
	static const struct {
		const char *in;
		enum sl_framing mode;
	} cases[] = {
		{ "1 x", SL_FRAMING_OCTET },
		{ "9", SL_FRAMING_OCTET },
		{ "<13>Jun 14 x\n", SL_FRAMING_LF },
		{ "0 x\n", SL_FRAMING_LF },
		{ "\n", SL_FRAMING_LF },
		{ " 1 x\n", SL_FRAMING_LF },
		{ "Jun 14 x", SL_FRAMING_LF },
	};
	struct sl_frame_state st;
	struct sl_frame_msg m;
	size_t i;

	(void)state;
	sl_frame_init(&st, SL_FRAMING_AUTO);
	assert_int_equal(sl_frame_next(&st, NULL, 0, 100, &m), SL_FRAME_NEED);
	assert_int_equal(st.mode, SL_FRAMING_AUTO);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sl_frame_init(&st, SL_FRAMING_AUTO);
		next_n(&st, cases[i].in, strlen(cases[i].in), 100, &m);
		assert_int_equal(st.mode, cases[i].mode);
	}
	/* Resolved once: a text line after an octet frame is garbage, a
	 * digit line after an LF frame is text. */
	sl_frame_init(&st, SL_FRAMING_AUTO);
	assert_int_equal(NEXT(&st, "2 ok", 100, &m), SL_FRAME_MSG);
	assert_int_equal(NEXT(&st, "<13>x\n", 100, &m), SL_FRAME_ERROR);
	sl_frame_init(&st, SL_FRAMING_AUTO);
	assert_int_equal(NEXT(&st, "x\n", 100, &m), SL_FRAME_MSG);
	assert_int_equal(NEXT(&st, "2 ok\n", 100, &m), SL_FRAME_MSG);
	assert_msg("2 ok\n", &m, "2 ok", 5);

	assert_string_equal(sl_framing_name(SL_FRAMING_AUTO), "auto");
	assert_string_equal(sl_framing_name(SL_FRAMING_LF), "lf");
	assert_string_equal(sl_framing_name(SL_FRAMING_OCTET), "octet");
	assert_null(sl_framing_name((enum sl_framing)7));
}

/* Oversize messages inside a stream, both framings, random reads: every
 * normal message around them still comes out. */
static void
test_stream_oversize(void **state)
{
	static const char lf[] = "one\n" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
				 "two\r\n\n" "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
				 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n" "three\n";
	static const char oc[] = "3 one40 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				 "3 two75 yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
				 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy5 three";
	const struct expect exp_lf[] = {
		{ SL_FRAME_MSG, (const uint8_t *)"one", 3 },
		{ SL_FRAME_OVERSIZE, NULL, SIZE_MAX },
		{ SL_FRAME_MSG, (const uint8_t *)"two", 3 },
		{ SL_FRAME_MSG, (const uint8_t *)"", 0 },
		{ SL_FRAME_OVERSIZE, NULL, SIZE_MAX },
		{ SL_FRAME_MSG, (const uint8_t *)"three", 5 },
	};
	const struct expect exp_oc[] = {
		{ SL_FRAME_MSG, (const uint8_t *)"one", 3 },
		{ SL_FRAME_OVERSIZE, NULL, 40 },
		{ SL_FRAME_MSG, (const uint8_t *)"two", 3 },
		{ SL_FRAME_OVERSIZE, NULL, 75 },
		{ SL_FRAME_MSG, (const uint8_t *)"three", 5 },
	};
	struct run r;
	uint32_t seed;

	(void)state;
	for (seed = 0; seed < 200; seed++) {
		run_stream(SL_FRAMING_AUTO, 8, (const uint8_t *)lf,
			   sizeof(lf) - 1, seed, exp_lf, 6, &r);
		assert_int_equal(r.events, 6);
		assert_int_equal(r.leftover, 0);
		run_stream(SL_FRAMING_AUTO, 8, (const uint8_t *)oc,
			   sizeof(oc) - 1, seed, exp_oc, 5, &r);
		assert_int_equal(r.events, 5);
		assert_int_equal(r.leftover, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_lf),
		cmocka_unit_test(test_lf_growing),
		cmocka_unit_test(test_lf_oversize),
		cmocka_unit_test(test_octet),
		cmocka_unit_test(test_octet_garbage),
		cmocka_unit_test(test_octet_oversize),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_stream_oversize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
