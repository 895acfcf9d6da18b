/* test_route.c: first-match routing and topic templates. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_meta.h"
#include "sl_route.h"
#include "sl_syslog.h"
#include "sl_test_copy.h"

/* The router is 600 KiB: heap, never the stack. */
static int
setup(void **state)
{
	struct sl_router *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -1;
	snprintf(r->default_topic, sizeof(r->default_topic), "logs.default");
	*state = r;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

static struct sl_route_rule *
rule_add(struct sl_router *r, const char *topic)
{
	struct sl_route_rule *rule = &r->rules[r->n_rules];

	assert_true(r->n_rules < SL_ROUTE_MAX_RULES);
	memset(rule, 0, sizeof(*rule));
	snprintf(rule->name, sizeof(rule->name), "rule%u", r->n_rules);
	snprintf(rule->topic, sizeof(rule->topic), "%s", topic);
	rule->net_prefix = -1;
	assert_int_equal(sl_route_template_check(topic, NULL, 0), 0);
	r->n_rules++;
	return rule;
}

static void
glob_add(char (*globs)[SL_ROUTE_PATTERN_MAX], unsigned *n, const char *g)
{
	assert_true(*n < SL_ROUTE_MAX_GLOBS);
	snprintf(globs[*n], SL_ROUTE_PATTERN_MAX, "%s", g);
	(*n)++;
}

static void
net_set(struct sl_route_rule *rule, const char *cidr)
{
	unsigned prefix;

	assert_int_equal(sl_net_parse(cidr, &rule->net, &prefix), 0);
	rule->net_prefix = (int)prefix;
}

static struct sl_addr
addr(const char *text)
{
	struct sl_addr a;

	assert_int_equal(sl_addr_parse(text, &a), 0);
	return a;
}

/* Parses msg (from a heap copy), routes it from src and returns the rule
 * index; the topic lands in res. */
static int
route(const struct sl_router *r, const char *msg, const char *src,
      struct sl_route_result *res)
{
	size_t n = strlen(msg);
	uint8_t *b = sl_test_copy(msg, n);
	struct sl_syslog_msg m;
	struct sl_addr a = addr(src);

	sl_syslog_parse(b, (uint32_t)n, &m);
	memset(res, 0x5a, sizeof(*res));
	sl_route_message(r, b, &m, &a, res);
	free(b);
	assert_true(strlen(res->topic) <= SL_TOPIC_MAX);
	return res->rule;
}

static const char *
topic_of(const struct sl_router *r, const char *msg, const char *src)
{
	static struct sl_route_result res;

	route(r, msg, src, &res);
	return res.topic;
}

#define M_SSHD  "<38>Jun 14 15:16:01 web1 sshd[42]: Accepted publickey"
#define M_CRON  "<78>Jun 14 15:16:01 db7 CRON[7]: (root) CMD (true)"
#define M_5424  "<155>1 - app3.example.com nginx 99 - - GET /"
#define M_NONE  "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok"

static void
test_default(void **state)
{
	struct sl_router *r = *state;
	struct sl_route_result res;

	assert_int_equal(route(r, M_SSHD, "198.18.0.1", &res), -1);
	assert_string_equal(res.topic, "logs.default");
}

static void
test_first_match(void **state)
{
	struct sl_router *r = *state;
	struct sl_route_result res;
	struct sl_route_rule *a, *b;

	a = rule_add(r, "first");
	glob_add(a->app, &a->n_app, "ssh*");
	b = rule_add(r, "second");
	glob_add(b->app, &b->n_app, "sshd");
	rule_add(r, "catchall");

	assert_int_equal(route(r, M_SSHD, "198.18.0.1", &res), 0);
	assert_string_equal(res.topic, "first");
	assert_int_equal(route(r, M_CRON, "198.18.0.1", &res), 2);
	assert_string_equal(res.topic, "catchall");
	/* Swapping the order swaps the winner. */
	snprintf(a->app[0], SL_ROUTE_PATTERN_MAX, "nomatch");
	assert_int_equal(route(r, M_SSHD, "198.18.0.1", &res), 1);
	assert_string_equal(res.topic, "second");
}

static void
test_and_or(void **state)
{
	struct sl_router *r = *state;
	struct sl_route_result res;
	struct sl_route_rule *a;

	a = rule_add(r, "both");
	glob_add(a->app, &a->n_app, "nginx");
	glob_add(a->app, &a->n_app, "sshd");
	glob_add(a->app, &a->n_app, "CRON");
	glob_add(a->host, &a->n_host, "web*");
	glob_add(a->host, &a->n_host, "app?.example.com");

	/* app OR, host OR, the two ANDed. */
	assert_int_equal(route(r, M_SSHD, "198.18.0.1", &res), 0);
	assert_int_equal(route(r, M_5424, "198.18.0.1", &res), 0);
	assert_int_equal(route(r, M_CRON, "198.18.0.1", &res), -1); /* db7 */
	assert_int_equal(route(r, "<38>Jun 14 15:16:01 web1 su: x", "198.18.0.1",
			       &res), -1); /* su */
	/* Case-sensitive. */
	assert_int_equal(route(r, "<38>Jun 14 15:16:01 WEB1 sshd: x", "198.18.0.1",
			       &res), -1);

	/* Facility and network ANDed in as well. */
	a->facility_mask = 1u << 4; /* auth */
	assert_int_equal(route(r, M_SSHD, "198.18.0.1", &res), 0);
	assert_int_equal(route(r, M_5424, "198.18.0.1", &res), -1); /* local3 */
	net_set(a, "198.18.0.0/24");
	assert_int_equal(route(r, M_SSHD, "198.18.0.200", &res), 0);
	assert_int_equal(route(r, M_SSHD, "198.18.1.1", &res), -1);
}

static void
test_facility_mask(void **state)
{
	struct sl_router *r = *state;
	struct sl_route_result res;
	struct sl_route_rule *a;

	a = rule_add(r, "local");
	a->facility_mask = 0xffu << 16; /* local0..local7 */
	rule_add(r, "{facility}");

	assert_int_equal(route(r, M_5424, "198.18.0.1", &res), 0); /* local3 */
	assert_int_equal(route(r, "<184>x", "198.18.0.1", &res), 0); /* local7 */
	assert_int_equal(route(r, "<127>x", "198.18.0.1", &res), 1); /* 15 */
	assert_string_equal(res.topic, "solaris-cron");
	assert_int_equal(route(r, M_CRON, "198.18.0.1", &res), 1);
	assert_string_equal(res.topic, "cron");
	/* No PRI: facility user (1). */
	a->facility_mask = 1u << 1;
	assert_int_equal(route(r, M_NONE, "198.18.0.1", &res), 0);
	assert_int_equal(route(r, "<0>x", "198.18.0.1", &res), 1);
	assert_string_equal(res.topic, "kern");
}

static void
test_networks(void **state)
{
	struct sl_router *r = *state;
	struct sl_route_result res;
	struct sl_route_rule *v4, *v6, *host;

	v4 = rule_add(r, "bench");
	net_set(v4, "198.18.0.0/15");
	v6 = rule_add(r, "doc6");
	net_set(v6, "2001:db8::/32");
	host = rule_add(r, "one");
	net_set(host, "10.1.2.3");
	rule_add(r, "zero");
	net_set(&r->rules[3], "0.0.0.0/0");

	assert_int_equal(route(r, M_SSHD, "198.18.0.1", &res), 0);
	assert_int_equal(route(r, M_SSHD, "198.19.255.255", &res), 0);
	assert_int_equal(route(r, M_SSHD, "198.20.0.0", &res), 3);
	assert_int_equal(route(r, M_SSHD, "[2001:db8:ffff::1]:514", &res), 1);
	assert_int_equal(route(r, M_SSHD, "2001:db9::1", &res), -1);
	assert_int_equal(route(r, M_SSHD, "10.1.2.3:514", &res), 2);
	assert_int_equal(route(r, M_SSHD, "10.1.2.4", &res), 3);
	/* A v4-mapped v6 address is v6: not in a v4 network. */
	assert_int_equal(route(r, M_SSHD, "::ffff:198.18.0.1", &res), -1);
}

static void
test_placeholders(void **state)
{
	struct sl_router *r = *state;

	snprintf(r->default_topic, sizeof(r->default_topic),
		 "logs.{app}.{host}.{facility}.{severity}");
	assert_string_equal(topic_of(r, M_SSHD, "198.18.0.1"),
			    "logs.sshd.web1.auth.info");
	assert_string_equal(topic_of(r, M_5424, "198.18.0.1"),
			    "logs.nginx.app3.example.com.local3.err");
	/* No header at all: app unknown, host from the source address,
	 * facility user, severity notice. */
	assert_string_equal(topic_of(r, M_NONE, "198.18.0.9:514"),
			    "logs.unknown.198.18.0.9.user.notice");
	assert_string_equal(topic_of(r, M_NONE, "[2001:db8::1]:514"),
			    "logs.unknown.2001_db8__1.user.notice");
	/* 5424 NILVALUEs are absent fields. */
	assert_string_equal(topic_of(r, "<8>1 - - - - - - x", "198.18.0.2"),
			    "logs.unknown.198.18.0.2.user.emerg");
	/* Same placeholder twice, placeholders back to back. */
	snprintf(r->default_topic, sizeof(r->default_topic), "{app}{app}-{host}");
	assert_string_equal(topic_of(r, M_SSHD, "198.18.0.1"), "sshdsshd-web1");
	/* Literal only. */
	snprintf(r->default_topic, sizeof(r->default_topic), "plain");
	assert_string_equal(topic_of(r, M_SSHD, "198.18.0.1"), "plain");
}

static void
test_sanitise(void **state)
{
	struct sl_router *r = *state;
	char want[SL_TOPIC_MAX + 1];
	char *msg;
	size_t i;

	snprintf(r->default_topic, sizeof(r->default_topic), "t.{app}.{host}");
	assert_string_equal(topic_of(r, "Jun 14 15:16:01 combo sshd(pam_unix)[1]: x",
				     "198.18.0.1"),
			    "t.sshd_pam_unix_.combo");
	assert_string_equal(topic_of(r, "<13>1 - h/x:y@z a+b!c - - - m",
				     "198.18.0.1"),
			    "t.a_b_c.h_x_y_z");
	/* Results Kafka refuses become "unknown". */
	snprintf(r->default_topic, sizeof(r->default_topic), "{app}");
	assert_string_equal(topic_of(r, "<13>1 - h . - - - m", "198.18.0.1"),
			    "unknown");
	assert_string_equal(topic_of(r, "<13>1 - h .. - - - m", "198.18.0.1"),
			    "unknown");
	assert_string_equal(topic_of(r, "<13>1 - h ... - - - m", "198.18.0.1"),
			    "...");
	snprintf(r->default_topic, sizeof(r->default_topic), "%s", "");
	assert_string_equal(topic_of(r, M_SSHD, "198.18.0.1"), "unknown");
	/* An unknown placeholder that bypassed the check stays literal. */
	snprintf(r->default_topic, sizeof(r->default_topic), "a.{nope}.{app");
	assert_string_equal(topic_of(r, M_SSHD, "198.18.0.1"), "a._nope_._app");

	/* Cut at 249: a 255-byte hostname. */
	msg = malloc(300);
	assert_non_null(msg);
	memcpy(msg, "<13>1 - ", 8);
	memset(msg + 8, 'h', 255);
	strcpy(msg + 8 + 255, " a - - - m");
	snprintf(r->default_topic, sizeof(r->default_topic), "logs.{host}.tail");
	memcpy(want, "logs.", 5);
	for (i = 5; i < SL_TOPIC_MAX; i++)
		want[i] = 'h';
	want[SL_TOPIC_MAX] = '\0';
	assert_string_equal(topic_of(r, msg, "198.18.0.1"), want);
	free(msg);

	/* A template of exactly 249 literal bytes survives whole. */
	memset(r->default_topic, 'x', SL_TOPIC_MAX);
	r->default_topic[SL_TOPIC_MAX] = '\0';
	assert_int_equal(strlen(topic_of(r, M_SSHD, "198.18.0.1")), SL_TOPIC_MAX);
}

static void
test_host_fallback_glob(void **state)
{
	struct sl_router *r = *state;
	struct sl_route_result res;
	struct sl_route_rule *a, *b;

	a = rule_add(r, "bynet.{host}");
	glob_add(a->host, &a->n_host, "198.18.*");
	b = rule_add(r, "anyapp");
	glob_add(b->app, &b->n_app, "*");

	/* No hostname: the host glob sees the source IP. */
	assert_int_equal(route(r, M_NONE, "198.18.3.4", &res), 0);
	assert_string_equal(res.topic, "bynet.198.18.3.4");
	/* With a hostname, that is what the glob sees. */
	assert_int_equal(route(r, M_SSHD, "198.18.3.4", &res), 1);
	/* "*" matches an absent app too. */
	assert_int_equal(route(r, M_NONE, "10.0.0.1", &res), 1);
	assert_string_equal(res.topic, "anyapp");
}

/* A span holding a NUL byte must not match a glob that matches the text
 * before it, and a span past m.len is treated as absent. */
static void
test_hostile_fields(void **state)
{
	struct sl_router *r = *state;
	struct sl_route_result res;
	struct sl_route_rule *a;
	static const uint8_t buf[] = "sshd\0evil";
	struct sl_syslog_msg m;
	struct sl_addr src = addr("198.18.0.1");

	a = rule_add(r, "ssh.{app}");
	glob_add(a->app, &a->n_app, "sshd");
	memset(&m, 0, sizeof(m));
	m.pri = -1;
	m.facility = 1;
	m.severity = 5;
	m.len = sizeof(buf) - 1;
	m.app_name.off = 0;
	m.app_name.len = 9;
	sl_route_message(r, buf, &m, &src, &res);
	assert_int_equal(res.rule, -1);
	m.app_name.len = 4;
	sl_route_message(r, buf, &m, &src, &res);
	assert_int_equal(res.rule, 0);
	assert_string_equal(res.topic, "ssh.sshd");
	m.app_name.off = 8;
	m.app_name.len = 4;
	sl_route_message(r, buf, &m, &src, &res);
	assert_int_equal(res.rule, -1);

	/* A glob with no NUL in its array matches nothing. */
	memset(a->app[0], '*', SL_ROUTE_PATTERN_MAX);
	m.app_name.off = 0;
	sl_route_message(r, buf, &m, &src, &res);
	assert_int_equal(res.rule, -1);
}

static void
test_template_check(void **state)
{
	static const char *const good[] = {
		"logs", "logs.{app}", "{host}", "a-b_c.{facility}.{severity}",
		"{app}{host}", "...", "x.{app}.{app}",
	};
	static const struct {
		const char *t;
		const char *why;
	} bad[] = {
		{ "", "empty" },
		{ "logs.{app", "unbalanced '{'" },
		{ "logs.app}", "unbalanced '}'" },
		{ "logs.{ap{p}}", "nested" },
		{ "logs.{msg}", "unknown placeholder '{msg}'" },
		{ "logs.{}", "unknown placeholder '{}'" },
		{ "logs.{APP}", "unknown placeholder" },
		{ "logs/app", "'/'" },
		{ "logs app", "' '" },
		{ "logs\x01", "0x01" },
		{ "l\xC3\xA9", "0xc3" },
		{ ".", "not a legal" },
		{ "..", "not a legal" },
	};
	char err[256], big[SL_TOPIC_MAX + 8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(sl_route_template_check(good[i], err, sizeof(err)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(sl_route_template_check(bad[i].t, err, sizeof(err)), -1);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("template \"%s\": error \"%s\" lacks \"%s\"",
				 bad[i].t, err, bad[i].why);
	}
	assert_int_equal(sl_route_template_check(NULL, err, sizeof(err)), -1);
	/* NULL err and a tiny err buffer are fine. */
	assert_int_equal(sl_route_template_check("a b", NULL, 0), -1);
	assert_int_equal(sl_route_template_check("a b", err, 4), -1);
	assert_int_equal(strlen(err), 3);

	memset(big, 'x', SL_TOPIC_MAX);
	big[SL_TOPIC_MAX] = '\0';
	assert_int_equal(sl_route_template_check(big, err, sizeof(err)), 0);
	big[SL_TOPIC_MAX] = 'x';
	big[SL_TOPIC_MAX + 1] = '\0';
	assert_int_equal(sl_route_template_check(big, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "250"));
	/* Placeholders do not count towards the literal limit. */
	memcpy(big + SL_TOPIC_MAX - 6, "{host}", 7);
	assert_int_equal(sl_route_template_check(big, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_and_or, setup, teardown),
		cmocka_unit_test_setup_teardown(test_facility_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_placeholders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sanitise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_fallback_glob, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_fields, setup, teardown),
		cmocka_unit_test(test_template_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
