/* sl_frame.c: RFC 6587 framing of syslog over TCP (rules in sl_frame.h).
 *
 * Offsets are size_t and every read is guarded by "i < len"; a message
 * length read from the wire has at most 9 digits, so arithmetic on it
 * cannot overflow. LF is searched with memchr(), which the C library
 * vectorises: the common case costs one pass over the bytes.
 */
#include <string.h>

#include "sl_frame.h"

static inline int
sl_frame_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline enum sl_frame_rc
sl_frame_set(struct sl_frame_msg *out, enum sl_frame_rc rc, size_t consumed,
	     size_t off, size_t len, const char *reason)
{
	out->consumed = consumed;
	out->off = off;
	out->len = len;
	out->reason = reason;
	return rc;
}

/* Non-transparent framing. Bytes before st->scanned were searched by an
 * earlier call and hold no LF. */
static enum sl_frame_rc
sl_frame_lf(struct sl_frame_state *st, const uint8_t *buf, size_t len,
	    size_t max_message, struct sl_frame_msg *out)
{
	const uint8_t *lf;
	size_t start = 0, from, end, mlen;

	if (st->skip_line) {
		lf = len > 0 ? memchr(buf, '\n', len) : NULL;
		if (lf == NULL) {
			st->scanned = 0;
			return sl_frame_set(out, SL_FRAME_NEED, len, 0, 0, NULL);
		}
		start = (size_t)(lf - buf) + 1;
		st->skip_line = 0;
		st->scanned = 0;
	}

	from = st->scanned < len ? st->scanned : len;
	if (from < start)
		from = start;
	lf = from < len ? memchr(buf + from, '\n', len - from) : NULL;
	if (lf != NULL) {
		end = (size_t)(lf - buf);
		mlen = end - start;
		if (mlen > 0 && buf[end - 1] == '\r')
			mlen--;
		st->scanned = 0;
		return sl_frame_set(out, mlen > max_message ? SL_FRAME_OVERSIZE :
				    SL_FRAME_MSG, end + 1, start, mlen, NULL);
	}

	/* No LF yet. A trailing CR may be the first half of the trailer, so
	 * it does not count towards the length until the next byte shows. */
	mlen = len - start;
	if (mlen > 0 && buf[len - 1] == '\r')
		mlen--;
	if (mlen > max_message) {
		st->skip_line = 1;
		st->scanned = 0;
		return sl_frame_set(out, SL_FRAME_OVERSIZE, len, start, mlen,
				    NULL);
	}
	st->scanned = len - start;
	return sl_frame_set(out, SL_FRAME_NEED, start, 0, 0, NULL);
}

/* Octet counting. st->skip bytes of an oversize message go first. */
static enum sl_frame_rc
sl_frame_octet(struct sl_frame_state *st, const uint8_t *buf, size_t len,
	       size_t max_message, struct sl_frame_msg *out)
{
	size_t start = 0, i, hdr, avail;
	uint32_t n = 0;

	if (st->skip > 0) {
		start = st->skip < len ? st->skip : len;
		st->skip -= start;
		if (st->skip > 0)
			return sl_frame_set(out, SL_FRAME_NEED, start, 0, 0,
					    NULL);
	}
	if (start == len)
		return sl_frame_set(out, SL_FRAME_NEED, start, 0, 0, NULL);
	if (buf[start] == '0')
		return sl_frame_set(out, SL_FRAME_ERROR, start, 0, 0,
				    "octet count: leading zero");
	if (!sl_frame_is_digit(buf[start]))
		return sl_frame_set(out, SL_FRAME_ERROR, start, 0, 0,
				    "octet count: non-digit");
	for (i = start; i < len && sl_frame_is_digit(buf[i]); i++) {
		if (i - start == SL_FRAME_OCTET_DIGITS)
			return sl_frame_set(out, SL_FRAME_ERROR, start, 0, 0,
					    "octet count: more than 9 digits");
		n = n * 10 + (uint32_t)(buf[i] - '0');
	}
	if (i == len)
		return sl_frame_set(out, SL_FRAME_NEED, start, 0, 0, NULL);
	if (buf[i] != ' ')
		return sl_frame_set(out, SL_FRAME_ERROR, start, 0, 0,
				    "octet count: no SP after the length");
	hdr = i + 1;
	avail = len - hdr;
	if (n > max_message) {
		if (avail >= n)
			return sl_frame_set(out, SL_FRAME_OVERSIZE, hdr + n,
					    hdr, n, NULL);
		st->skip = n - avail;
		return sl_frame_set(out, SL_FRAME_OVERSIZE, len, hdr, n, NULL);
	}
	if (avail < n)
		return sl_frame_set(out, SL_FRAME_NEED, start, 0, 0, NULL);
	return sl_frame_set(out, SL_FRAME_MSG, hdr + n, hdr, n, NULL);
}

void
sl_frame_init(struct sl_frame_state *st, enum sl_framing mode)
{
	st->mode = mode;
	st->skip_line = 0;
	st->skip = 0;
	st->scanned = 0;
}

enum sl_frame_rc
sl_frame_next(struct sl_frame_state *st, const uint8_t *buf, size_t len,
	      size_t max_message, struct sl_frame_msg *out)
{
	if (st->mode == SL_FRAMING_AUTO) {
		if (len == 0)
			return sl_frame_set(out, SL_FRAME_NEED, 0, 0, 0, NULL);
		st->mode = buf[0] >= '1' && buf[0] <= '9' ? SL_FRAMING_OCTET :
			   SL_FRAMING_LF;
	}
	if (st->mode == SL_FRAMING_OCTET)
		return sl_frame_octet(st, buf, len, max_message, out);
	return sl_frame_lf(st, buf, len, max_message, out);
}

const char *
sl_framing_name(enum sl_framing mode)
{
	switch (mode) {
	case SL_FRAMING_AUTO:
		return "auto";
	case SL_FRAMING_LF:
		return "lf";
	case SL_FRAMING_OCTET:
		return "octet";
	}
	return NULL;
}
