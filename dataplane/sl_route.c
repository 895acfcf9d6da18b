/* sl_route.c: first-match routing of messages to Kafka topics.
 *
 * Called once per message on a worker lcore: no allocation, no locks;
 * the fields a rule looks at are copied (bounded) to NUL-terminated text
 * only when a rule or the template asks for them.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sl_meta.h"
#include "sl_route.h"
#include "sl_syslog.h"

/* Longest field a glob is matched against: a 5424 HOSTNAME. */
#define SL_ROUTE_FIELD_MAX 255

#define SL_ROUTE_UNKNOWN "unknown"

enum sl_route_placeholder {
	SL_ROUTE_PH_APP,
	SL_ROUTE_PH_HOST,
	SL_ROUTE_PH_FACILITY,
	SL_ROUTE_PH_SEVERITY,
	SL_ROUTE_PH_COUNT,
};

static const char *const sl_route_placeholders[SL_ROUTE_PH_COUNT] = {
	"app", "host", "facility", "severity",
};

/* A message field as text. Invariants: when usable, s holds len bytes and
 * a NUL; when not (longer than SL_ROUTE_FIELD_MAX or holding a NUL byte),
 * len is 0, s is "" and no glob matches it. */
struct sl_route_text {
	int usable;
	size_t len;
	char s[SL_ROUTE_FIELD_MAX + 1];
};

/* What routing one message looks at. Invariants: have_app / have_host say
 * whether app / host were filled in yet; they are filled at most once. */
struct sl_route_ctx {
	const uint8_t *buf;
	const struct sl_syslog_msg *m;
	const struct sl_addr *src;
	int have_app;
	int have_host;
	struct sl_route_text app;
	struct sl_route_text host;
};

/* Kafka's legal topic characters; anything else becomes '_'. */
static inline int
sl_route_legal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static void
sl_route_text_set(struct sl_route_text *t, const void *p, size_t len)
{
	if (len > SL_ROUTE_FIELD_MAX || memchr(p, '\0', len) != NULL) {
		t->usable = 0;
		t->len = 0;
		t->s[0] = '\0';
		return;
	}
	memcpy(t->s, p, len);
	t->s[len] = '\0';
	t->len = len;
	t->usable = 1;
}

/* Fills t from span s of the message; a span outside [0, m->len) (a
 * caller bug) is treated as absent rather than read. */
static void
sl_route_text_span(struct sl_route_text *t, const struct sl_route_ctx *c,
		   struct sl_span s)
{
	if ((uint64_t)s.off + s.len > c->m->len)
		s.len = 0;
	sl_route_text_set(t, c->buf + s.off, s.len);
}

static const struct sl_route_text *
sl_route_app(struct sl_route_ctx *c)
{
	if (!c->have_app) {
		sl_route_text_span(&c->app, c, c->m->app_name);
		c->have_app = 1;
	}
	return &c->app;
}

static const struct sl_route_text *
sl_route_host(struct sl_route_ctx *c)
{
	if (!c->have_host) {
		if (c->m->hostname.len > 0) {
			sl_route_text_span(&c->host, c, c->m->hostname);
		} else {
			char ip[SL_ADDR_STRLEN];
			size_t n = sl_addr_format_ip(c->src, ip);

			sl_route_text_set(&c->host, ip, n);
		}
		c->have_host = 1;
	}
	return &c->host;
}

/* Returns 1 when one of the n globs matches t. A glob that fills its
 * whole array without a NUL is corrupt and matches nothing. */
static int
sl_route_globs(const char (*globs)[SL_ROUTE_PATTERN_MAX], unsigned n,
	       const struct sl_route_text *t)
{
	unsigned i;

	if (!t->usable)
		return 0;
	if (n > SL_ROUTE_MAX_GLOBS)
		n = SL_ROUTE_MAX_GLOBS;
	for (i = 0; i < n; i++) {
		if (memchr(globs[i], '\0', SL_ROUTE_PATTERN_MAX) == NULL)
			continue;
		if (fnmatch(globs[i], t->s, 0) == 0)
			return 1;
	}
	return 0;
}

static int
sl_route_rule_matches(const struct sl_route_rule *rule, struct sl_route_ctx *c)
{
	if (rule->facility_mask != 0 &&
	    (c->m->facility >= 32 ||
	     (rule->facility_mask & (UINT32_C(1) << c->m->facility)) == 0))
		return 0;
	if (rule->net_prefix >= 0 &&
	    !sl_net_contains(&rule->net, (unsigned)rule->net_prefix, c->src))
		return 0;
	if (rule->n_app > 0 &&
	    !sl_route_globs(rule->app, rule->n_app, sl_route_app(c)))
		return 0;
	if (rule->n_host > 0 &&
	    !sl_route_globs(rule->host, rule->n_host, sl_route_host(c)))
		return 0;
	return 1;
}

/* Returns the placeholder named at tmpl[0..n) ("{name}..."), setting
 * *skip to its length with the braces, or -1 when there is none. */
static int
sl_route_placeholder_at(const char *tmpl, size_t n, size_t *skip)
{
	int ph;

	for (ph = 0; ph < SL_ROUTE_PH_COUNT; ph++) {
		size_t k = strlen(sl_route_placeholders[ph]);

		if (n >= k + 2 && tmpl[0] == '{' && tmpl[k + 1] == '}' &&
		    memcmp(tmpl + 1, sl_route_placeholders[ph], k) == 0) {
			*skip = k + 2;
			return ph;
		}
	}
	return -1;
}

/* Appends the sanitised bytes s[0..len) to out[0..*n), stopping at
 * SL_TOPIC_MAX. */
static void
sl_route_append(char *out, size_t *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && *n < SL_TOPIC_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[(*n)++] = sl_route_legal(ch) ? (char)ch : '_';
	}
}

static void
sl_route_append_value(char *out, size_t *n, int ph, struct sl_route_ctx *c)
{
	const struct sl_route_text *t = NULL;
	const char *s = NULL;

	switch (ph) {
	case SL_ROUTE_PH_APP:
		t = sl_route_app(c);
		break;
	case SL_ROUTE_PH_HOST:
		t = sl_route_host(c);
		break;
	case SL_ROUTE_PH_FACILITY:
		s = sl_syslog_facility_name(c->m->facility);
		break;
	default:
		s = sl_syslog_severity_name(c->m->severity);
		break;
	}
	if (t != NULL && t->len > 0)
		sl_route_append(out, n, t->s, t->len);
	else if (s != NULL)
		sl_route_append(out, n, s, strlen(s));
	else
		sl_route_append(out, n, SL_ROUTE_UNKNOWN, strlen(SL_ROUTE_UNKNOWN));
}

/* Expands the template tmpl (an array of SL_TOPIC_MAX + 1 bytes, maybe
 * without a NUL when corrupt) into out. An unknown "{...}" is copied as
 * literal text (its braces become '_'): sl_route_template_check keeps
 * those out of a loaded config. */
static void
sl_route_expand(const char *tmpl, struct sl_route_ctx *c, char *out)
{
	size_t tlen = strnlen(tmpl, SL_TOPIC_MAX + 1);
	size_t i = 0, n = 0, skip;

	while (i < tlen && n < SL_TOPIC_MAX) {
		int ph = tmpl[i] == '{' ?
			 sl_route_placeholder_at(tmpl + i, tlen - i, &skip) : -1;

		if (ph >= 0) {
			sl_route_append_value(out, &n, ph, c);
			i += skip;
		} else {
			sl_route_append(out, &n, tmpl + i, 1);
			i++;
		}
	}
	out[n] = '\0';
	if (n == 0 || (n <= 2 && out[0] == '.' && out[n - 1] == '.'))
		memcpy(out, SL_ROUTE_UNKNOWN, sizeof(SL_ROUTE_UNKNOWN));
}

void
sl_route_message(const struct sl_router *r, const uint8_t *buf,
		 const struct sl_syslog_msg *m, const struct sl_addr *src,
		 struct sl_route_result *res)
{
	struct sl_route_ctx c;
	unsigned i, n = r->n_rules;

	c.buf = buf;
	c.m = m;
	c.src = src;
	c.have_app = 0;
	c.have_host = 0;
	if (n > SL_ROUTE_MAX_RULES)
		n = SL_ROUTE_MAX_RULES;
	for (i = 0; i < n; i++) {
		if (sl_route_rule_matches(&r->rules[i], &c)) {
			res->rule = (int)i;
			res->format = r->rules[i].format != SL_FORMAT_DEFAULT ?
				      r->rules[i].format : r->default_format;
			sl_route_expand(r->rules[i].topic, &c, res->topic);
			return;
		}
	}
	res->rule = -1;
	res->format = r->default_format;
	sl_route_expand(r->default_topic, &c, res->topic);
}

__attribute__((format(printf, 3, 4)))
static int
sl_route_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
sl_route_template_check(const char *tmpl, char *err, size_t errlen)
{
	size_t i, len, literal = 0, skip;

	if (tmpl == NULL || tmpl[0] == '\0')
		return sl_route_err(err, errlen, "empty topic template");
	len = strlen(tmpl);
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)tmpl[i];

		if (ch == '{') {
			const char *close = strchr(tmpl + i, '}');
			size_t nlen;

			if (close == NULL)
				return sl_route_err(err, errlen,
						    "unbalanced '{' at offset %zu", i);
			nlen = (size_t)(close - (tmpl + i)) - 1;
			if (memchr(tmpl + i + 1, '{', nlen) != NULL)
				return sl_route_err(err, errlen,
						    "nested '{' at offset %zu", i);
			if (sl_route_placeholder_at(tmpl + i, len - i, &skip) < 0)
				return sl_route_err(err, errlen,
						    "unknown placeholder '{%.*s}' (use {app}, {host}, {facility} or {severity})",
						    (int)(nlen > 64 ? 64 : nlen),
						    tmpl + i + 1);
			i += skip - 1;
		} else if (ch == '}') {
			return sl_route_err(err, errlen,
					    "unbalanced '}' at offset %zu", i);
		} else if (!sl_route_legal(ch)) {
			if (ch >= 0x20 && ch < 0x7f)
				return sl_route_err(err, errlen,
						    "character '%c' at offset %zu is not allowed in a Kafka topic name ([A-Za-z0-9._-])",
						    ch, i);
			return sl_route_err(err, errlen,
					    "byte 0x%02x at offset %zu is not allowed in a Kafka topic name ([A-Za-z0-9._-])",
					    ch, i);
		} else {
			literal++;
		}
	}
	if (literal > SL_TOPIC_MAX)
		return sl_route_err(err, errlen,
				    "literal text of %zu bytes exceeds the Kafka topic name limit of %d",
				    literal, SL_TOPIC_MAX);
	if (strcmp(tmpl, ".") == 0 || strcmp(tmpl, "..") == 0)
		return sl_route_err(err, errlen,
				    "'%s' is not a legal Kafka topic name", tmpl);
	return 0;
}
