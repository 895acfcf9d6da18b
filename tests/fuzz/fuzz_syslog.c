/* fuzz_syslog.c: the syslog header parser and the router behind it.
 *
 * Each input is one datagram as a sender could write it. The parser gets
 * a heap copy of exactly size bytes, so a read past the end is an ASan
 * report, and its result is checked against the contract of
 * sl_syslog-t.h; sl_utf8_valid() is checked against a decoder written
 * here the slow, obvious way. The message is then routed through a small
 * fixed router whose templates use every placeholder, and the topic must
 * be a legal Kafka name. sl_syslog_parse_min(), the worker's parse, must
 * agree with the full parse as sl_syslog.h says, and route the message
 * to the same topic. */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "sl_fuzz.h"
#include "sl_meta.h"
#include "sl_route.h"
#include "sl_syslog.h"

/* The router is large (SL_ROUTE_MAX_RULES rules): one static copy,
 * filled once. */
static struct sl_router router;
static struct sl_addr sources[3];

/* Reference UTF-8 check: decode each sequence to its code point, then
 * refuse overlong forms, surrogates and anything above U+10FFFF. */
static int
ref_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		uint32_t cp, min;
		size_t need, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0) {
			need = 1;
			cp = c & 0x1Fu;
			min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2;
			cp = c & 0x0Fu;
			min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3;
			cp = c & 0x07u;
			min = 0x10000;
		} else {
			return 0;
		}
		if (n - i - 1 < need)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* Reference PRI: "<" 1*3DIGIT ">", 0..191, no leading zero. Returns the
 * value or -1. */
static int
ref_pri(const uint8_t *p, uint32_t n)
{
	uint32_t i = 1;
	int v = 0;

	if (n < 3 || p[0] != '<')
		return -1;
	while (i < n && i <= 4 && p[i] >= '0' && p[i] <= '9') {
		v = v * 10 + (p[i] - '0');
		i++;
	}
	if (i == 1 || i > 4 || i >= n || p[i] != '>')
		return -1;
	if (i > 2 && p[1] == '0')
		return -1;
	return v <= 191 ? v : -1;
}

static int
span_inside(struct sl_span s, uint32_t len)
{
	return (uint64_t)s.off + s.len <= len;
}

/* An absent header field is {0, 0}, never a stray offset. */
static int
span_canonical(struct sl_span s)
{
	return s.len > 0 || s.off == 0;
}

static int
span_all(const uint8_t *buf, struct sl_span s, int (*ok)(uint8_t))
{
	uint32_t i;

	for (i = 0; i < s.len; i++)
		if (!ok(buf[s.off + i]))
			return 0;
	return 1;
}

static int
is_printusascii(uint8_t c)
{
	return c >= 33 && c <= 126;
}

static int
is_tag_byte(uint8_t c)
{
	return c != ' ' && c != ':' && c != '[';
}

static int
topic_legal(const char *t)
{
	size_t n = strnlen(t, SL_TOPIC_MAX + 1), i;

	if (n == 0 || n > SL_TOPIC_MAX)
		return 0;
	if (strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Appends one glob to a rule condition. */
static void
add_glob(char (*globs)[SL_ROUTE_PATTERN_MAX], unsigned *n, const char *glob)
{
	SL_FUZZ_CHECK(*n < SL_ROUTE_MAX_GLOBS);
	snprintf(globs[(*n)++], SL_ROUTE_PATTERN_MAX, "%s", glob);
}

/* Appends a rule without app or host globs; net may be NULL. */
static struct sl_route_rule *
add_rule(const char *name, uint32_t facility_mask, const char *net,
	 const char *topic)
{
	struct sl_route_rule *r = &router.rules[router.n_rules++];
	unsigned prefix;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->facility_mask = facility_mask;
	r->net_prefix = -1;
	if (net != NULL) {
		SL_FUZZ_CHECK(sl_net_parse(net, &r->net, &prefix) == 0);
		r->net_prefix = (int)prefix;
	}
	SL_FUZZ_CHECK(sl_route_template_check(topic, NULL, 0) == 0);
	snprintf(r->topic, sizeof(r->topic), "%s", topic);
	return r;
}

/* A router shaped like deploy/examples/routes.conf, with templates that
 * use every placeholder and one that overflows the topic limit. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x07 };
	struct sl_route_rule *r;

	(void)argc;
	(void)argv;
	r = add_rule("auth", 0, NULL, "logs.auth.{host}");
	add_glob(r->app, &r->n_app, "sshd");
	add_glob(r->app, &r->n_app, "su*");
	r = add_rule("local", 0xFF0000u, NULL, "{facility}.{severity}.{app}");
	add_glob(r->host, &r->n_host, "web-[0-9]*");
	add_rule("bench", 0, "198.18.0.0/15", "bench.{host}");
	r = add_rule("v6", 0, "2001:db8::/32", "{host}-{app}");
	add_glob(r->app, &r->n_app, "*");
	r = add_rule("long", 0, NULL, "{host}.{host}.{app}.{app}");
	add_glob(r->app, &r->n_app, "?*");
	add_glob(r->host, &r->n_host, "*");
	SL_FUZZ_CHECK(sl_route_template_check("logs.{app}", NULL, 0) == 0);
	snprintf(router.default_topic, sizeof(router.default_topic),
		 "logs.{app}");
	sl_addr_set_v4(&sources[0], htonl(0xC6120005u), 40000);
	sl_addr_set_v4(&sources[1], htonl(0x0A000001u), 514);
	sl_addr_set_v6(&sources[2], v6, 5140);
	return 0;
}

static void
check_parse(const uint8_t *buf, size_t size, const struct sl_syslog_msg *m)
{
	const struct sl_span hdr[] = {
		m->timestamp, m->hostname, m->app_name, m->procid, m->msgid,
		m->sdata,
	};
	uint32_t len = (uint32_t)size, prev_end = 0;
	int pri = -1;
	size_t i;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
			   buf[len - 1] == '\0'))
		len--;
	SL_FUZZ_CHECK(m->len == len);
	SL_FUZZ_CHECK(m->format == SL_SYSLOG_NONE || m->format == SL_SYSLOG_3164 ||
		      m->format == SL_SYSLOG_5424);

	/* Spans: inside [0, len), absent ones canonical, in header order,
	 * and MSG after all of them. */
	for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		SL_FUZZ_CHECK(span_inside(hdr[i], len));
		SL_FUZZ_CHECK(span_canonical(hdr[i]));
		if (hdr[i].len > 0) {
			SL_FUZZ_CHECK(hdr[i].off >= prev_end);
			prev_end = hdr[i].off + hdr[i].len;
		}
	}
	SL_FUZZ_CHECK(span_inside(m->msg, len));
	SL_FUZZ_CHECK(m->msg.off >= prev_end);
	SL_FUZZ_CHECK(m->msg.len <= size);

	SL_FUZZ_CHECK(m->hostname.len <= SL_SYSLOG_HOSTNAME_MAX);
	SL_FUZZ_CHECK(m->app_name.len <= SL_SYSLOG_APPNAME_MAX);
	SL_FUZZ_CHECK(m->procid.len <= SL_SYSLOG_PROCID_MAX);
	SL_FUZZ_CHECK(m->msgid.len <= SL_SYSLOG_MSGID_MAX);

	/* PRI against the reference, facility and severity derived. */
	if (len >= 3)
		pri = ref_pri(buf, len);
	SL_FUZZ_CHECK(m->pri == pri);
	if (m->pri < 0) {
		SL_FUZZ_CHECK(m->flags & SL_SYSLOG_F_NO_PRI);
		SL_FUZZ_CHECK(m->facility == 1 && m->severity == 5);
		if (len > 0 && buf[0] == '<')
			SL_FUZZ_CHECK(m->format == SL_SYSLOG_NONE);
	} else {
		SL_FUZZ_CHECK(!(m->flags & SL_SYSLOG_F_NO_PRI));
		SL_FUZZ_CHECK(m->facility == m->pri / 8);
		SL_FUZZ_CHECK(m->severity == m->pri % 8);
	}

	SL_FUZZ_CHECK(((m->flags & SL_SYSLOG_F_BAD_UTF8) == 0) == ref_utf8_valid(buf, len));

	switch (m->format) {
	case SL_SYSLOG_NONE:
		for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++)
			SL_FUZZ_CHECK(hdr[i].len == 0);
		SL_FUZZ_CHECK(m->msg.off == 0 && m->msg.len == len);
		SL_FUZZ_CHECK(!(m->flags & (SL_SYSLOG_F_BOM | SL_SYSLOG_F_BAD_SD)));
		break;
	case SL_SYSLOG_3164:
		SL_FUZZ_CHECK(!(m->flags & (SL_SYSLOG_F_BOM | SL_SYSLOG_F_BAD_SD)));
		SL_FUZZ_CHECK(m->msgid.len == 0 && m->sdata.len == 0);
		SL_FUZZ_CHECK(span_all(buf, m->app_name, is_tag_byte));
		SL_FUZZ_CHECK(m->msg.off + m->msg.len == len);
		break;
	case SL_SYSLOG_5424:
		SL_FUZZ_CHECK(m->pri >= 0);
		SL_FUZZ_CHECK(span_all(buf, m->hostname, is_printusascii));
		SL_FUZZ_CHECK(span_all(buf, m->app_name, is_printusascii));
		SL_FUZZ_CHECK(span_all(buf, m->procid, is_printusascii));
		SL_FUZZ_CHECK(span_all(buf, m->msgid, is_printusascii));
		if (m->flags & SL_SYSLOG_F_BAD_SD)
			SL_FUZZ_CHECK(m->sdata.len == 0);
		if (m->sdata.len > 0)
			SL_FUZZ_CHECK(buf[m->sdata.off] == '[' &&
				      buf[m->sdata.off + m->sdata.len - 1] == ']');
		if (m->flags & SL_SYSLOG_F_BOM)
			SL_FUZZ_CHECK(m->msg.off >= 3 &&
				      memcmp(buf + m->msg.off - 3, "\xEF\xBB\xBF", 3) == 0);
		SL_FUZZ_CHECK(m->msg.off + m->msg.len == len);
		break;
	}
}

static void
check_utf8(const uint8_t *buf, size_t size)
{
	size_t off;

	/* Every start offset in the first 32-byte block, so the ASCII fast
	 * paths (32-byte blocks, words, the last word overlapping) meet
	 * every alignment of a multi-byte sequence. */
	for (off = 0; off <= size && off < 33; off++)
		SL_FUZZ_CHECK(sl_utf8_valid(buf + off, (uint32_t)(size - off)) ==
			      ref_utf8_valid(buf + off, size - off));
}

static void
check_route(const uint8_t *buf, size_t size, const struct sl_syslog_msg *m)
{
	const struct sl_addr *src = &sources[size % 3];
	struct sl_route_result res, again;

	memset(&res, 0x5A, sizeof(res));
	sl_route_message(&router, buf, m, src, &res);
	SL_FUZZ_CHECK(res.rule >= -1 && res.rule < (int)router.n_rules);
	SL_FUZZ_CHECK(topic_legal(res.topic));
	memset(&again, 0, sizeof(again));
	sl_route_message(&router, buf, m, src, &again);
	SL_FUZZ_CHECK(again.rule == res.rule);
	SL_FUZZ_CHECK(strcmp(again.topic, res.topic) == 0);
}

static int
span_eq(struct sl_span a, struct sl_span b)
{
	return a.off == b.off && a.len == b.len;
}

/* The minimal parse h of buf against the full parse m. */
static void
check_min(const uint8_t *buf, size_t size, const struct sl_syslog_msg *m)
{
	const uint32_t sd_flags = SL_SYSLOG_F_BAD_SD | SL_SYSLOG_F_BOM;
	const struct sl_addr *src = &sources[size % 3];
	struct sl_route_result a, b;
	struct sl_syslog_msg h;

	SL_FUZZ_CHECK(sl_syslog_parse_min(buf, (uint32_t)size, &h) == m->format);
	SL_FUZZ_CHECK(h.format == m->format && h.len == m->len &&
		      h.pri == m->pri && h.facility == m->facility &&
		      h.severity == m->severity);
	SL_FUZZ_CHECK(span_eq(h.timestamp, m->timestamp) &&
		      span_eq(h.hostname, m->hostname) &&
		      span_eq(h.app_name, m->app_name) &&
		      span_eq(h.procid, m->procid) && span_eq(h.msgid, m->msgid));
	if (m->format == SL_SYSLOG_5424) {
		SL_FUZZ_CHECK(h.flags == (m->flags & ~sd_flags));
		SL_FUZZ_CHECK(h.sdata.len == 0);
		SL_FUZZ_CHECK(h.msg.off <= m->msg.off &&
			      h.msg.off + h.msg.len == h.len);
	} else {
		SL_FUZZ_CHECK(h.flags == m->flags);
		SL_FUZZ_CHECK(span_eq(h.sdata, m->sdata) && span_eq(h.msg, m->msg));
	}
	sl_route_message(&router, buf, m, src, &a);
	sl_route_message(&router, buf, &h, src, &b);
	SL_FUZZ_CHECK(a.rule == b.rule && a.format == b.format);
	SL_FUZZ_CHECK(strcmp(a.topic, b.topic) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_syslog_msg m, again;
	uint8_t *buf;

	if (size > UINT32_MAX)
		return 0;
	/* malloc(0) may return NULL; one byte keeps the pointer valid while
	 * the parser is still told 0 bytes. */
	buf = malloc(size > 0 ? size : 1);
	SL_FUZZ_CHECK(buf != NULL);
	if (size > 0)
		memcpy(buf, data, size);

	SL_FUZZ_CHECK(sl_syslog_parse(buf, (uint32_t)size, &m) == m.format);
	check_parse(buf, size, &m);
	sl_syslog_parse(buf, (uint32_t)size, &again);
	SL_FUZZ_CHECK(memcmp(&m, &again, sizeof(m)) == 0);
	check_utf8(buf, size);
	check_route(buf, size, &m);
	check_min(buf, size, &m);

	free(buf);
	return 0;
}
