/* fuzz_route.c: topic templates and their expansion.
 *
 * Input: TEMPLATE NUL CONTROL MESSAGE, where CONTROL is 11 bytes:
 * facility, severity, source kind, then the HOSTNAME and APP-NAME spans
 * as big-endian 16-bit offset and length each. The template goes through
 * sl_route_template_check(); when it is accepted it becomes the topic of
 * a rule that matches everything, the spans (which may point anywhere,
 * as a buggy caller's would) describe fields of MESSAGE, and the topic
 * sl_route_message() produces is compared with a reference expansion
 * written here from the contract in sl_route.h. */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "sl_fuzz.h"
#include "sl_meta.h"
#include "sl_route.h"
#include "sl_syslog.h"

#define CONTROL_LEN 11
#define FIELD_MAX   255

static struct sl_router router;

static int
legal(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static void
ref_append(char *out, size_t *n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && *n < SL_TOPIC_MAX; i++)
		out[(*n)++] = legal((unsigned char)s[i]) ? s[i] : '_';
}

/* The text a span of the message expands to: NULL when the field is
 * absent, outside the message, too long for a glob or holding a NUL. */
static const char *
ref_field(const uint8_t *buf, const struct sl_syslog_msg *m, struct sl_span s,
	  size_t *len)
{
	if (s.len == 0 || (uint64_t)s.off + s.len > m->len || s.len > FIELD_MAX ||
	    memchr(buf + s.off, '\0', s.len) != NULL)
		return NULL;
	*len = s.len;
	return (const char *)buf + s.off;
}

/* Expands an accepted template the way sl_route.h describes it. */
static void
ref_expand(const char *tmpl, const uint8_t *buf, const struct sl_syslog_msg *m,
	   const struct sl_addr *src, char *out)
{
	char ip[SL_ADDR_STRLEN];
	size_t n = 0, i = 0, tlen = strlen(tmpl);

	while (i < tlen) {
		const char *v = NULL;
		size_t vlen = 0;

		if (tmpl[i] != '{') {
			ref_append(out, &n, tmpl + i, 1);
			i++;
			continue;
		}
		if (strncmp(tmpl + i, "{app}", 5) == 0) {
			v = ref_field(buf, m, m->app_name, &vlen);
			i += 5;
		} else if (strncmp(tmpl + i, "{host}", 6) == 0) {
			if (m->hostname.len > 0) {
				v = ref_field(buf, m, m->hostname, &vlen);
			} else {
				vlen = sl_addr_format_ip(src, ip);
				v = ip;
			}
			i += 6;
		} else if (strncmp(tmpl + i, "{facility}", 10) == 0) {
			v = sl_syslog_facility_name(m->facility);
			i += 10;
		} else {
			SL_FUZZ_CHECK(strncmp(tmpl + i, "{severity}", 10) == 0);
			v = sl_syslog_severity_name(m->severity);
			i += 10;
		}
		if (v != NULL && vlen == 0)
			vlen = strlen(v);
		if (v == NULL) {
			v = "unknown";
			vlen = 7;
		}
		ref_append(out, &n, v, vlen);
	}
	out[n] = '\0';
	if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		strcpy(out, "unknown");
}

/* What sl_route_template_check() promises about an accepted template. */
static void
check_accepted(const char *tmpl)
{
	size_t i, literal = 0;

	SL_FUZZ_CHECK(tmpl[0] != '\0');
	SL_FUZZ_CHECK(strcmp(tmpl, ".") != 0 && strcmp(tmpl, "..") != 0);
	for (i = 0; tmpl[i] != '\0'; i++) {
		if (tmpl[i] == '{') {
			const char *close = strchr(tmpl + i, '}');

			SL_FUZZ_CHECK(close != NULL);
			SL_FUZZ_CHECK(strncmp(tmpl + i, "{app}", 5) == 0 ||
				      strncmp(tmpl + i, "{host}", 6) == 0 ||
				      strncmp(tmpl + i, "{facility}", 10) == 0 ||
				      strncmp(tmpl + i, "{severity}", 10) == 0);
			i = (size_t)(close - tmpl);
		} else {
			SL_FUZZ_CHECK(legal((unsigned char)tmpl[i]));
			literal++;
		}
	}
	SL_FUZZ_CHECK(literal <= SL_TOPIC_MAX);
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	router.n_rules = 1;
	router.rules[0].net_prefix = -1;
	snprintf(router.default_topic, sizeof(router.default_topic), "unused");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	const uint8_t *nul = memchr(data, '\0', size);
	size_t tlen = nul != NULL ? (size_t)(nul - data) : size;
	struct sl_route_result res;
	struct sl_syslog_msg m;
	struct sl_addr src;
	char err[128], want[SL_TOPIC_MAX + 1];
	char *tmpl;
	uint8_t *buf;
	size_t mlen;
	int rc;

	tmpl = malloc(tlen + 1);
	SL_FUZZ_CHECK(tmpl != NULL);
	memcpy(tmpl, data, tlen);
	tmpl[tlen] = '\0';

	memset(err, 0x7F, sizeof(err));
	rc = sl_route_template_check(tmpl, err, sizeof(err));
	SL_FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		SL_FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		SL_FUZZ_CHECK(err[0] != '\0');
		SL_FUZZ_CHECK(sl_route_template_check(tmpl, NULL, 0) == -1);
		goto out;
	}
	check_accepted(tmpl);
	/* An accepted template longer than the topic field (placeholders do
	 * not count against the limit) cannot be stored in a rule: the
	 * config loader refuses it, so it is not routed here either. */
	if (tlen > SL_TOPIC_MAX || nul == NULL || size - tlen - 1 < CONTROL_LEN)
		goto out;

	memset(&m, 0, sizeof(m));
	m.facility = nul[1];
	m.severity = nul[2];
	if (nul[3] % 2 == 0)
		sl_addr_set_v4(&src, htonl(0xC6120000u | nul[3]), 514);
	else
		sl_addr_set_v6(&src, v6, 514);
	m.hostname.off = be16(nul + 4);
	m.hostname.len = be16(nul + 6);
	m.app_name.off = be16(nul + 8);
	m.app_name.len = be16(nul + 10);
	mlen = size - tlen - 1 - CONTROL_LEN;
	buf = malloc(mlen > 0 ? mlen : 1);
	SL_FUZZ_CHECK(buf != NULL);
	if (mlen > 0)
		memcpy(buf, nul + 1 + CONTROL_LEN, mlen);
	m.len = (uint32_t)mlen;
	m.msg.len = (uint32_t)mlen;

	memcpy(router.rules[0].topic, tmpl, tlen + 1);
	sl_route_message(&router, buf, &m, &src, &res);
	SL_FUZZ_CHECK(res.rule == 0);
	ref_expand(tmpl, buf, &m, &src, want);
	if (strcmp(res.topic, want) != 0) {
		fprintf(stderr, "template \"%s\"\n got \"%s\"\nwant \"%s\"\n",
			tmpl, res.topic, want);
		abort();
	}
	free(buf);
out:
	free(tmpl);
	return 0;
}
