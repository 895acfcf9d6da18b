/* fuzz_frame.c: the RFC 6587 framer on hostile streams.
 *
 * Input: one control byte, then the bytes a TCP sender wrote. Bits 0-1
 * of the control byte pick max_message (1, 16, 100 or 1000, so oversize
 * messages are common); the control byte and the input size seed the
 * sizes of the simulated socket reads.
 *
 * The stream runs through a simulated connection (receive buffer of
 * max_message + SL_FRAME_HEADROOM bytes) in each of the three modes,
 * once with reads as large as the buffer allows and once in small random
 * pieces. Each call sees a heap copy of exactly the buffered bytes, so a
 * read past them is an ASan report. Checked: consumed <= len, a message
 * lies inside the buffer and within max_message, its trailer or its
 * count is really there, the parser never stalls on a full buffer, and
 * both read patterns give the same events at the same stream offsets.
 */
#include <string.h>

#include "sl_frame.h"
#include "sl_fuzz.h"

static const size_t fuzz_limits[4] = { 1, 16, 100, 1000 };

/* One event at its place in the stream; len is SIZE_MAX where it
 * depends on the reads (the partial length of an LF oversize message). */
struct event {
	enum sl_frame_rc rc;
	size_t at;
	size_t len;
};

struct trace {
	struct event *ev;
	size_t n;
	enum sl_framing mode;
};

static size_t
chunk_size(uint32_t *rng, int whole)
{
	uint32_t x = *rng;

	if (whole)
		return SIZE_MAX;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*rng = x;
	return 1 + x % 23;
}

/* The octet-counting header right before a message says its length
 * (what precedes the header may be the tail of a skipped message). */
static int
octet_header_ok(const uint8_t *b, size_t off, size_t len)
{
	char num[24];
	size_t nd = (size_t)snprintf(num, sizeof(num), "%zu", len);

	return nd <= SL_FRAME_OCTET_DIGITS && off >= nd + 1 &&
	       b[off - 1] == ' ' && memcmp(b + off - 1 - nd, num, nd) == 0;
}

static void
check_msg(enum sl_framing mode, const uint8_t *b, size_t blen,
	  const struct sl_frame_msg *m)
{
	size_t end = m->off + m->len;

	if (mode == SL_FRAMING_OCTET) {
		SL_FUZZ_CHECK(octet_header_ok(b, m->off, m->len));
		SL_FUZZ_CHECK(m->consumed == end);
		return;
	}
	SL_FUZZ_CHECK(m->len == 0 || memchr(b + m->off, '\n', m->len) == NULL);
	SL_FUZZ_CHECK(end < blen);
	if (b[end] == '\r') {
		SL_FUZZ_CHECK(end + 1 < blen && b[end + 1] == '\n');
		SL_FUZZ_CHECK(m->consumed == end + 2);
	} else {
		SL_FUZZ_CHECK(b[end] == '\n');
		SL_FUZZ_CHECK(m->len == 0 || b[end - 1] != '\r');
		SL_FUZZ_CHECK(m->consumed == end + 1);
	}
}

static void
run(enum sl_framing mode, size_t max, const uint8_t *in, size_t n,
    uint32_t seed, int whole, struct trace *t)
{
	struct sl_frame_state st;
	struct sl_frame_msg m;
	size_t cap = max + SL_FRAME_HEADROOM, len = 0, pos = 0, dropped = 0, k;
	uint8_t *buf = malloc(cap), *copy;
	enum sl_frame_rc rc;

	SL_FUZZ_CHECK(buf != NULL);
	t->n = 0;
	sl_frame_init(&st, mode);
	for (;;) {
		k = chunk_size(&seed, whole);
		if (k > cap - len)
			k = cap - len;
		if (k > n - pos)
			k = n - pos;
		memcpy(buf + len, in + pos, k);
		len += k;
		pos += k;
		do {
			copy = malloc(len > 0 ? len : 1);
			SL_FUZZ_CHECK(copy != NULL);
			memcpy(copy, buf, len);
			memset(&m, 0xA5, sizeof(m));
			rc = sl_frame_next(&st, copy, len, max, &m);
			SL_FUZZ_CHECK(st.mode != SL_FRAMING_AUTO || len == 0);
			SL_FUZZ_CHECK(mode == SL_FRAMING_AUTO || st.mode == mode);
			if (rc == SL_FRAME_ERROR) {
				SL_FUZZ_CHECK(m.reason != NULL);
				SL_FUZZ_CHECK(st.mode == SL_FRAMING_OCTET);
				SL_FUZZ_CHECK(m.consumed < len);
				t->ev[t->n++] = (struct event){
					rc, dropped + m.consumed, 0 };
				free(copy);
				t->mode = st.mode;
				free(buf);
				return;
			}
			SL_FUZZ_CHECK(m.reason == NULL);
			SL_FUZZ_CHECK(m.consumed <= len);
			if (rc == SL_FRAME_NEED) {
				SL_FUZZ_CHECK(m.consumed > 0 || len < cap);
			} else if (rc == SL_FRAME_MSG) {
				SL_FUZZ_CHECK(m.consumed > 0);
				SL_FUZZ_CHECK(m.len <= max);
				SL_FUZZ_CHECK(m.off <= len && m.len <= len - m.off);
				check_msg(st.mode, copy, len, &m);
				t->ev[t->n++] = (struct event){ rc, dropped + m.off,
								m.len };
			} else {
				SL_FUZZ_CHECK(rc == SL_FRAME_OVERSIZE);
				SL_FUZZ_CHECK(m.consumed > 0);
				SL_FUZZ_CHECK(m.len > max);
				SL_FUZZ_CHECK(m.off <= len);
				if (st.mode == SL_FRAMING_OCTET)
					SL_FUZZ_CHECK(octet_header_ok(copy, m.off,
								      m.len));
				t->ev[t->n++] = (struct event){
					rc, dropped + m.off,
					st.mode == SL_FRAMING_OCTET ||
					m.consumed < len ? m.len : SIZE_MAX };
			}
			free(copy);
			memmove(buf, buf + m.consumed, len - m.consumed);
			len -= m.consumed;
			dropped += m.consumed;
		} while (rc != SL_FRAME_NEED);
		if (pos == n && k == 0)
			break;
	}
	/* Everything read was either dropped or is still buffered. */
	SL_FUZZ_CHECK(dropped + len == n);
	t->mode = st.mode;
	free(buf);
}

/* The same events, except an LF oversize length cut by a read. */
static void
same_trace(const struct trace *a, const struct trace *b)
{
	size_t i;

	SL_FUZZ_CHECK(a->n == b->n);
	SL_FUZZ_CHECK(a->mode == b->mode);
	for (i = 0; i < a->n; i++) {
		SL_FUZZ_CHECK(a->ev[i].rc == b->ev[i].rc);
		SL_FUZZ_CHECK(a->ev[i].at == b->ev[i].at);
		if (a->ev[i].len != SIZE_MAX && b->ev[i].len != SIZE_MAX)
			SL_FUZZ_CHECK(a->ev[i].len == b->ev[i].len);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sl_framing modes[3] = {
		SL_FRAMING_AUTO, SL_FRAMING_LF, SL_FRAMING_OCTET,
	};
	struct trace whole, split;
	size_t max, i;
	uint32_t seed;

	if (size == 0)
		return 0;
	max = fuzz_limits[data[0] & 3];
	seed = (uint32_t)data[0] << 24 ^ (uint32_t)size ^ 0x9E3779B9u;
	data++;
	size--;
	/* Every event consumes at least one byte. */
	whole.ev = malloc((size + 1) * sizeof(*whole.ev));
	split.ev = malloc((size + 1) * sizeof(*split.ev));
	SL_FUZZ_CHECK(whole.ev != NULL && split.ev != NULL);
	for (i = 0; i < 3; i++) {
		run(modes[i], max, data, size, seed, 1, &whole);
		run(modes[i], max, data, size, seed, 0, &split);
		same_trace(&whole, &split);
	}
	free(whole.ev);
	free(split.ev);
	return 0;
}
