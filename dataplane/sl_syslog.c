/* sl_syslog.c: RFC 3164 / RFC 5424 header parser (rules in sl_syslog.h).
 *
 * Every read is guarded by a check against len in the form "len - i >= n"
 * with i <= len, which cannot overflow. Byte classes are tested by hand:
 * the ctype functions depend on the locale and are not for untrusted
 * bytes on a hot path.
 */
#include <stddef.h>
#include <string.h>

#include "sl_syslog.h"

#define SL_SYSLOG_SDNAME_MAX 32 /* SD-ID and PARAM-NAME, RFC 5424 6.3 */
#define SL_SYSLOG_FRAC_MAX   9  /* fractional second digits we accept */

static const char *const sl_syslog_facilities[24] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console",
	"solaris-cron", "local0", "local1", "local2", "local3", "local4",
	"local5", "local6", "local7",
};

static const char *const sl_syslog_severities[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static const char sl_syslog_months[12][3] = {
	{'J', 'a', 'n'}, {'F', 'e', 'b'}, {'M', 'a', 'r'}, {'A', 'p', 'r'},
	{'M', 'a', 'y'}, {'J', 'u', 'n'}, {'J', 'u', 'l'}, {'A', 'u', 'g'},
	{'S', 'e', 'p'}, {'O', 'c', 't'}, {'N', 'o', 'v'}, {'D', 'e', 'c'},
};

static inline int
sl_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* PRINTUSASCII of RFC 5424: visible ASCII, no space. */
static inline int
sl_is_print(uint8_t c)
{
	return c >= 33 && c <= 126;
}

/* Eight bytes at p as a little-endian word, whatever the host's order:
 * byte k of memory is bits 8k..8k+7, so the lowest flagged byte of a
 * mask is the first one in memory. */
static inline uint64_t
sl_load_le64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

#define SL_BYTES_01 0x0101010101010101ull
#define SL_BYTES_80 0x8080808080808080ull

/* The high bit of each byte of w that is not PRINTUSASCII (below 33, or
 * 127 and above). Only the lowest flagged byte is exact: a borrow of
 * "- 33" or a carry of "+ 1" can flag a higher byte wrongly, but only
 * above a byte that is flagged rightly (below 33, or 255). */
static inline uint64_t
sl_nonprint_mask(uint64_t w)
{
	return (((w - 33 * SL_BYTES_01) & ~w) | (w + SL_BYTES_01) | w) &
	       SL_BYTES_80;
}

/* Returns the end of the run of PRINTUSASCII bytes at p: the first
 * position from p whose byte is not one, or len; once the run is longer
 * than max, any position past p + max (callers refuse those, so the
 * scan of a hostile run stops there). Header fields are a few to a few
 * dozen bytes: eight at a time, the rest one by one. */
static inline uint32_t
sl_print_run(const uint8_t *buf, uint32_t len, uint32_t p, uint32_t max)
{
	uint32_t i = p;
	uint64_t m;

	while (len - i >= 8 && i - p <= max) {
		m = sl_nonprint_mask(sl_load_le64(buf + i));
		if (m != 0)
			return i + (uint32_t)__builtin_ctzll(m) / 8;
		i += 8;
	}
	while (i < len && sl_is_print(buf[i]) && i - p <= max)
		i++;
	return i;
}

/* SD-NAME of RFC 5424: PRINTUSASCII except '=', SP, ']' and '"'. */
static inline int
sl_is_sdname(uint8_t c)
{
	return sl_is_print(c) && c != '=' && c != ']' && c != '"';
}

static inline struct sl_span
sl_span_make(uint32_t off, uint32_t len)
{
	struct sl_span s = { off, len };

	return s;
}

/* Value of the two digits at buf[i], or -1. The caller checked bounds. */
static inline int
sl_two_digits(const uint8_t *buf, uint32_t i)
{
	if (!sl_is_digit(buf[i]) || !sl_is_digit(buf[i + 1]))
		return -1;
	return (buf[i] - '0') * 10 + (buf[i + 1] - '0');
}

/* Skips "." 1*9DIGIT at i if present. Returns the position after it, or
 * 0 when a '.' is not followed by a digit (an invalid timestamp). */
static inline uint32_t
sl_skip_fraction(const uint8_t *buf, uint32_t len, uint32_t i)
{
	uint32_t start, lim;

	if (i == len || buf[i] != '.')
		return i;
	start = ++i;
	/* One bound instead of two tests per digit. */
	lim = len - start > SL_SYSLOG_FRAC_MAX ? start + SL_SYSLOG_FRAC_MAX : len;
	while (i < lim && sl_is_digit(buf[i]))
		i++;
	return i == start ? 0 : i;
}

/* Parses the RFC 3339 timestamp of RFC 5424 section 6.2.3 at p:
 * YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm). Returns the position after
 * it, or 0 when there is none. */
static uint32_t
sl_parse_rfc3339(const uint8_t *buf, uint32_t len, uint32_t p)
{
	const uint8_t *t = buf + p;
	int mon, day, hh, mm, ss;
	uint32_t i;

	if (len - p < 20)
		return 0;
	if (sl_two_digits(t, 0) < 0 || sl_two_digits(t, 2) < 0 ||
	    t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
	    t[16] != ':')
		return 0;
	mon = sl_two_digits(t, 5);
	day = sl_two_digits(t, 8);
	hh = sl_two_digits(t, 11);
	mm = sl_two_digits(t, 14);
	ss = sl_two_digits(t, 17);
	/* Second 60 is a leap second, which RFC 3339 allows. */
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 ||
	    mm < 0 || mm > 59 || ss < 0 || ss > 60)
		return 0;
	i = sl_skip_fraction(buf, len, p + 19);
	if (i == 0 || i == len)
		return 0;
	if (buf[i] == 'Z')
		return i + 1;
	if ((buf[i] != '+' && buf[i] != '-') || len - i < 6)
		return 0;
	hh = sl_two_digits(buf, i + 1);
	mm = sl_two_digits(buf, i + 4);
	if (hh < 0 || hh > 23 || buf[i + 3] != ':' || mm < 0 || mm > 59)
		return 0;
	return i + 6;
}

/* Parses a BSD timestamp at p: "Mmm dd hh:mm:ss" with the day as "dd",
 * " d" or "d", an optional year before the time and optional fractional
 * seconds. Returns the position after it, or 0 when there is none. */
static uint32_t
sl_parse_bsd_time(const uint8_t *buf, uint32_t len, uint32_t p)
{
	uint32_t i;
	int day, hh, mm, ss;
	unsigned m;

	/* Shortest form "Mmm d hh:mm:ss" is 14 bytes. */
	if (len - p < 14)
		return 0;
	for (m = 0; m < 12; m++)
		if (memcmp(buf + p, sl_syslog_months[m], 3) == 0)
			break;
	if (m == 12 || buf[p + 3] != ' ')
		return 0;
	i = p + 4;
	if (buf[i] == ' ' && sl_is_digit(buf[i + 1])) {
		day = buf[i + 1] - '0';
		i += 2;
	} else if (sl_is_digit(buf[i]) && buf[i + 1] == ' ') {
		day = buf[i] - '0';
		i += 1;
	} else {
		day = sl_two_digits(buf, i);
		i += 2;
	}
	if (day < 1 || day > 31 || buf[i] != ' ')
		return 0;
	i++;
	if (len - i >= 13 && sl_two_digits(buf, i) >= 0 &&
	    sl_two_digits(buf, i + 2) >= 0 && buf[i + 4] == ' ')
		i += 5;
	if (len - i < 8 || buf[i + 2] != ':' || buf[i + 5] != ':')
		return 0;
	hh = sl_two_digits(buf, i);
	mm = sl_two_digits(buf, i + 3);
	ss = sl_two_digits(buf, i + 6);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
		return 0;
	return sl_skip_fraction(buf, len, i + 8);
}

/* Parses "<PRI>" at the start of buf. Returns the PRI (0..191) and sets
 * *next past the '>', or returns -1 when there is no valid PRI. */
static int
sl_parse_pri(const uint8_t *buf, uint32_t len, uint32_t *next)
{
	uint32_t i = 1;
	int v = 0;

	if (len < 3 || buf[0] != '<')
		return -1;
	while (i < len && i <= 4 && sl_is_digit(buf[i]))
		v = v * 10 + (buf[i++] - '0');
	/* 1 to 3 digits, no leading zero, then '>' (RFC 5424 6.2.1). */
	if (i == 1 || i > 4 || i == len || buf[i] != '>' ||
	    (buf[1] == '0' && i > 2) || v > 191)
		return -1;
	*next = i + 1;
	return v;
}

/* Parses one RFC 5424 header field at p: NILVALUE or 1*max PRINTUSASCII,
 * followed by SP. Returns the position after the SP and sets *out (len 0
 * for NILVALUE), or returns 0 when the field is malformed. */
static inline uint32_t
sl_parse_field(const uint8_t *buf, uint32_t len, uint32_t p, uint32_t max,
	       struct sl_span *out)
{
	uint32_t i;

	/* NILVALUE first: PROCID and MSGID are "-" in most messages. */
	if (len - p >= 2 && buf[p] == '-' && buf[p + 1] == ' ') {
		*out = sl_span_make(0, 0);
		return p + 2;
	}
	i = sl_print_run(buf, len, p, max);
	if (i == p || i - p > max || i == len || buf[i] != ' ')
		return 0;
	if (i - p == 1 && buf[p] == '-')
		*out = sl_span_make(0, 0);
	else
		*out = sl_span_make(p, i - p);
	return i + 1;
}

/* Skips 1*32 SD-NAME at p. Returns the position after it, or 0. */
static uint32_t
sl_skip_sdname(const uint8_t *buf, uint32_t len, uint32_t p)
{
	uint32_t i = p;

	while (i < len && sl_is_sdname(buf[i]) && i - p <= SL_SYSLOG_SDNAME_MAX)
		i++;
	if (i == p || i - p > SL_SYSLOG_SDNAME_MAX)
		return 0;
	return i;
}

/* Skips 1*SD-ELEMENT at p (p < len, buf[p] == '['). Returns the position
 * after the last ']', or 0 when the structured data is malformed. */
static uint32_t
sl_skip_sdata(const uint8_t *buf, uint32_t len, uint32_t p)
{
	uint32_t i = p;

	while (i < len && buf[i] == '[') {
		i = sl_skip_sdname(buf, len, i + 1);
		if (i == 0)
			return 0;
		for (;;) {
			if (i == len)
				return 0;
			if (buf[i] == ']') {
				i++;
				break;
			}
			if (buf[i] != ' ')
				return 0;
			i = sl_skip_sdname(buf, len, i + 1);
			if (i == 0 || len - i < 2 || buf[i] != '=' ||
			    buf[i + 1] != '"')
				return 0;
			/* PARAM-VALUE: a backslash escapes the next byte, and
			 * only an unescaped '"' ends the value. */
			for (i += 2; i < len && buf[i] != '"'; i++)
				if (buf[i] == '\\' && ++i == len)
					return 0;
			if (i == len)
				return 0;
			i++;
		}
	}
	return i;
}

/* Parses an RFC 5424 header after "<PRI>" at p into *out. Returns 1 when
 * the header is 5424 (possibly with F_BAD_SD), 0 when it is not, in which
 * case *out is unchanged. With sd 0 the STRUCTURED-DATA is not walked:
 * msg then runs from where it begins to the end (sl_syslog_parse_min).
 *
 * The fields are kept in locals and stored one by one once the header is
 * known to be 5424, instead of copying the whole struct in and out: wide
 * loads of bytes the caller has just written with narrow stores wait for
 * the store buffer, and the copy made the minimal parse about 5 % slower
 * (tests/perf/bench_worker.c's message set). */
static int
sl_parse_5424(const uint8_t *buf, uint32_t len, uint32_t p, int sd,
	      struct sl_syslog_msg *out)
{
	struct sl_span ts = { 0, 0 }, host = { 0, 0 }, app = { 0, 0 };
	struct sl_span procid = { 0, 0 }, msgid = { 0, 0 };
	uint32_t i = p, end;

	if (i == len || buf[i] < '1' || buf[i] > '9')
		return 0;
	i++;
	while (i < len && sl_is_digit(buf[i]) && i - p < 3)
		i++;
	if (i == len || buf[i] != ' ')
		return 0;
	i++;
	if (len - i >= 2 && buf[i] == '-' && buf[i + 1] == ' ') {
		i += 2;
	} else {
		end = sl_parse_rfc3339(buf, len, i);
		if (end == 0 || end == len || buf[end] != ' ')
			return 0;
		ts = sl_span_make(i, end - i);
		i = end + 1;
	}
	i = sl_parse_field(buf, len, i, SL_SYSLOG_HOSTNAME_MAX, &host);
	if (i != 0)
		i = sl_parse_field(buf, len, i, SL_SYSLOG_APPNAME_MAX, &app);
	if (i != 0)
		i = sl_parse_field(buf, len, i, SL_SYSLOG_PROCID_MAX, &procid);
	if (i != 0)
		i = sl_parse_field(buf, len, i, SL_SYSLOG_MSGID_MAX, &msgid);
	if (i == 0 || i == len)
		return 0;
	out->format = SL_SYSLOG_5424;
	out->timestamp = ts;
	out->hostname = host;
	out->app_name = app;
	out->procid = procid;
	out->msgid = msgid;
	if (!sd) {
		out->msg = sl_span_make(i, len - i);
		return 1;
	}

	if (buf[i] == '-')
		end = i + 1;
	else if (buf[i] == '[')
		end = sl_skip_sdata(buf, len, i);
	else
		end = 0;
	if (end == 0 || (end < len && buf[end] != ' ')) {
		out->flags |= SL_SYSLOG_F_BAD_SD;
		out->msg = sl_span_make(i, len - i);
		return 1;
	}
	if (buf[i] == '[')
		out->sdata = sl_span_make(i, end - i);
	if (end < len)
		end++;
	if (len - end >= 3 && buf[end] == 0xEF && buf[end + 1] == 0xBB &&
	    buf[end + 2] == 0xBF) {
		out->flags |= SL_SYSLOG_F_BOM;
		end += 3;
	}
	out->msg = sl_span_make(end, len - end);
	return 1;
}

/* Parses a 3164 TAG at p: 1*48 visible bytes up to '[', ':' or SP, then
 * "[PID]" and/or ':' and then SP or the end. Sets app_name and procid
 * and *next (the start of MSG) and returns 1, or returns 0 when the token
 * at p is not a tag. */
static int
sl_parse_tag(const uint8_t *buf, uint32_t len, uint32_t p,
	     struct sl_syslog_msg *out, uint32_t *next)
{
	struct sl_span pid = { 0, 0 };
	uint32_t i = p, tag_end;
	int colon = 0;

	while (i < len && sl_is_print(buf[i]) && buf[i] != '[' &&
	       buf[i] != ':' && i - p <= SL_SYSLOG_APPNAME_MAX)
		i++;
	if (i == p || i == len || i - p > SL_SYSLOG_APPNAME_MAX)
		return 0;
	tag_end = i;
	if (buf[i] == '[') {
		uint32_t pid_off = ++i;

		while (i < len && sl_is_print(buf[i]) && buf[i] != ']' &&
		       i - pid_off <= SL_SYSLOG_PROCID_MAX)
			i++;
		if (i == len || buf[i] != ']' ||
		    i - pid_off > SL_SYSLOG_PROCID_MAX)
			return 0;
		if (i > pid_off)
			pid = sl_span_make(pid_off, i - pid_off);
		i++;
		if (i < len && buf[i] == ':') {
			colon = 1;
			i++;
		}
	} else if (buf[i] == ':') {
		colon = 1;
		i++;
		/* "tag:" must end the token: "http://x" is no tag. */
		if (i < len && buf[i] != ' ')
			return 0;
	} else {
		return 0;
	}
	/* After "[PID]:" MSG may follow without a space; after a bare
	 * "[PID]" only a space or the end proves the token was a tag. */
	if (i < len && buf[i] == ' ')
		i++;
	else if (i < len && !colon)
		return 0;
	out->app_name = sl_span_make(p, tag_end - p);
	out->procid = pid;
	*next = i;
	return 1;
}

/* Parses a 3164 header at p (after a valid PRI, or at 0 without one). */
static void
sl_parse_3164(const uint8_t *buf, uint32_t len, uint32_t p, int has_pri,
	      struct sl_syslog_msg *out)
{
	uint32_t ts, i, next;

	ts = sl_parse_bsd_time(buf, len, p);
	if (ts == 0)
		ts = sl_parse_rfc3339(buf, len, p);
	if (ts == 0 || (ts < len && buf[ts] != ' ')) {
		out->format = has_pri ? SL_SYSLOG_3164 : SL_SYSLOG_NONE;
		out->msg = sl_span_make(p, len - p);
		return;
	}
	out->format = SL_SYSLOG_3164;
	out->timestamp = sl_span_make(p, ts - p);
	if (ts == len) {
		out->msg = sl_span_make(len, 0);
		return;
	}
	i = ts + 1;
	if (sl_parse_tag(buf, len, i, out, &next)) {
		out->msg = sl_span_make(next, len - next);
		return;
	}
	next = sl_print_run(buf, len, i, SL_SYSLOG_HOSTNAME_MAX);
	if (next == i || next - i > SL_SYSLOG_HOSTNAME_MAX ||
	    (next < len && buf[next] != ' ')) {
		out->msg = sl_span_make(i, len - i);
		return;
	}
	out->hostname = sl_span_make(i, next - i);
	if (next < len)
		next++;
	i = next;
	if (sl_parse_tag(buf, len, i, out, &next))
		i = next;
	out->msg = sl_span_make(i, len - i);
}

/* sl_syslog_parse and sl_syslog_parse_min: sd says whether the 5424
 * STRUCTURED-DATA is walked. */
static enum sl_syslog_format
sl_parse(const uint8_t *buf, uint32_t len, int sd, struct sl_syslog_msg *out)
{
	uint32_t p = 0;
	int pri;

	memset(out, 0, sizeof(*out));
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
			   buf[len - 1] == '\0'))
		len--;
	out->len = len;

	pri = sl_parse_pri(buf, len, &p);
	if (pri >= 0) {
		out->pri = (int16_t)pri;
		out->facility = (uint8_t)(pri / 8);
		out->severity = (uint8_t)(pri % 8);
	} else {
		out->pri = -1;
		out->facility = 1;
		out->severity = 5;
		out->flags = SL_SYSLOG_F_NO_PRI;
		p = 0;
	}
	if (pri < 0 || !sl_parse_5424(buf, len, p, sd, out))
		sl_parse_3164(buf, len, p, pri >= 0, out);
	if (!sl_utf8_valid(buf, len))
		out->flags |= SL_SYSLOG_F_BAD_UTF8;
	return out->format;
}

enum sl_syslog_format
sl_syslog_parse(const uint8_t *buf, uint32_t len, struct sl_syslog_msg *out)
{
	return sl_parse(buf, len, 1, out);
}

enum sl_syslog_format
sl_syslog_parse_min(const uint8_t *buf, uint32_t len, struct sl_syslog_msg *out)
{
	return sl_parse(buf, len, 0, out);
}

static inline int
sl_is_cont(uint8_t c)
{
	return (c & 0xC0) == 0x80;
}

/* The exact check of buf[i..len), i at the start of a character: what
 * sl_utf8_valid() falls back to at the first word holding a byte above
 * 0x7F. ASCII runs between multi-byte characters still go a word at a
 * time. */
static int
sl_utf8_valid_from(const uint8_t *buf, uint32_t len, uint32_t i)
{
	while (i < len) {
		uint64_t w;
		uint8_t c = buf[i];

		if (len - i >= 8) {
			memcpy(&w, buf + i, sizeof(w));
			if ((w & SL_BYTES_80) == 0) {
				i += 8;
				continue;
			}
		}
		if (c < 0x80) {
			i++;
		} else if (c < 0xC2) {
			/* Stray continuation byte, or the overlong C0/C1. */
			return 0;
		} else if (c < 0xE0) {
			if (len - i < 2 || !sl_is_cont(buf[i + 1]))
				return 0;
			i += 2;
		} else if (c < 0xF0) {
			if (len - i < 3 || !sl_is_cont(buf[i + 1]) ||
			    !sl_is_cont(buf[i + 2]))
				return 0;
			/* E0 80..9F is overlong, ED A0..BF a surrogate. */
			if ((c == 0xE0 && buf[i + 1] < 0xA0) ||
			    (c == 0xED && buf[i + 1] > 0x9F))
				return 0;
			i += 3;
		} else if (c < 0xF5) {
			if (len - i < 4 || !sl_is_cont(buf[i + 1]) ||
			    !sl_is_cont(buf[i + 2]) || !sl_is_cont(buf[i + 3]))
				return 0;
			/* F0 80..8F is overlong, F4 90.. is above U+10FFFF. */
			if ((c == 0xF0 && buf[i + 1] < 0x90) ||
			    (c == 0xF4 && buf[i + 1] > 0x8F))
				return 0;
			i += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

int
sl_utf8_valid(const uint8_t *buf, uint32_t len)
{
	uint32_t i = 0;
	uint64_t x[4], w;

	/* Most messages are ASCII from end to end: tight loops over 32-byte
	 * blocks (the compiler makes one vector test of the four words),
	 * then words, then one last word that overlaps bytes already seen,
	 * so the tail costs no byte loop. A block or word with a byte above
	 * 0x7F hands over to the exact check at its start, a character
	 * boundary since everything before it is ASCII. */
	while (len - i >= 32) {
		memcpy(x, buf + i, sizeof(x));
		if (((x[0] | x[1] | x[2] | x[3]) & SL_BYTES_80) != 0)
			break;
		i += 32;
	}
	while (len - i >= 8) {
		memcpy(&w, buf + i, sizeof(w));
		if ((w & SL_BYTES_80) != 0)
			return sl_utf8_valid_from(buf, len, i);
		i += 8;
	}
	if (i == len)
		return 1;
	if (len >= 8) {
		memcpy(&w, buf + len - 8, sizeof(w));
		if ((w & SL_BYTES_80) == 0)
			return 1;
	}
	return sl_utf8_valid_from(buf, len, i);
}

const char *
sl_syslog_facility_name(unsigned facility)
{
	return facility < 24 ? sl_syslog_facilities[facility] : NULL;
}

const char *
sl_syslog_severity_name(unsigned severity)
{
	return severity < 8 ? sl_syslog_severities[severity] : NULL;
}

/* ASCII-only case folding: the locale has no say in config keywords. */
static inline char
sl_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int
sl_syslog_facility_parse(const char *name)
{
	unsigned f;
	size_t i;

	for (f = 0; f < 24; f++) {
		const char *k = sl_syslog_facilities[f];

		for (i = 0; k[i] != '\0' && sl_ascii_lower(name[i]) == k[i]; i++)
			;
		if (k[i] == '\0' && name[i] == '\0')
			return (int)f;
	}
	return -1;
}
