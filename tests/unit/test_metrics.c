/* test_metrics.c: the Prometheus exposition of sl_metrics: escaping of
 * label values, HELP and JSON strings, invalid UTF-8, the HELP/TYPE
 * structure of a whole page, and a page made from a real source table
 * (top N by unacknowledged, lag, sites, routes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_config.h"
#include "sl_meta.h"
#include "sl_metrics.h"
#include "sl_observe.h"
#include "sl_ring.h"
#include "sl_source.h"
#include "sl_stats.h"
#include "sl_test_eal.h"
#include "sl_worker-t.h"

#define S_NS 1000000000ull

static int
group_setup(void **state)
{
	(void)state;
	return sl_test_eal_init("test_metrics", "0") < 0 ? -1 : 0;
}

/* Returns the text of b (the caller frees it). */
static char *
take(struct sl_metrics_buf *b)
{
	size_t len;
	char *p = sl_metrics_buf_take(b, &len);

	assert_non_null(p);
	assert_int_equal(strlen(p), len);
	return p;
}

static void
test_label_escaping(void **state)
{
	struct sl_metrics_buf b;
	char *p;

	(void)state;
	sl_metrics_buf_init(&b);
	sl_metrics_label_value(&b, "a\\b\"c\nd\te");
	p = take(&b);
	assert_string_equal(p, "a\\\\b\\\"c\\nd\te");
	free(p);

	/* Valid UTF-8 stays; invalid bytes, overlong forms and surrogates
	 * become U+FFFD; a truncated sequence at the end is invalid too. */
	sl_metrics_label_value(&b, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	p = take(&b);
	assert_string_equal(p, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	free(p);
	sl_metrics_label_value(&b, "x\xffy\xc0\xafz\xed\xa0\x80w\xe2\x82");
	p = take(&b);
	assert_string_equal(p, "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbdz"
			       "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdw"
			       "\xef\xbf\xbd\xef\xbf\xbd");
	free(p);
}

static void
test_json_string(void **state)
{
	struct sl_metrics_buf b;
	char *p;

	(void)state;
	sl_metrics_buf_init(&b);
	sl_metrics_json_string(&b, "q\"b\\n\nt\tc\x01\x1f\x7f \xc3\xa9\xff");
	p = take(&b);
	assert_string_equal(p, "\"q\\\"b\\\\n\\nt\\u0009c\\u0001\\u001f\x7f "
			       "\xc3\xa9\xef\xbf\xbd\"");
	free(p);
	sl_metrics_json_string(&b, "");
	p = take(&b);
	assert_string_equal(p, "\"\"");
	free(p);
}

static void
test_family_and_samples(void **state)
{
	const struct sl_metrics_label l[] = {
		{ "ip", "10.0.0.1" }, { "host", "we\"ird\\" },
	};
	struct sl_metrics_buf b;
	char *p;

	(void)state;
	sl_metrics_buf_init(&b);
	sl_metrics_family(&b, "sluice_x_total", SL_METRICS_COUNTER,
			  "Counts \\ things\nover lines.");
	sl_metrics_sample(&b, "sluice_x_total", NULL, 0, 18446744073709551615ull);
	sl_metrics_sample(&b, "sluice_x_total", l, 2, 7);
	sl_metrics_family(&b, "sluice_y_seconds", SL_METRICS_GAUGE, "Y \"quoted\".");
	sl_metrics_sample_double(&b, "sluice_y_seconds", l, 1, 1.25);
	p = take(&b);
	assert_string_equal(p,
		"# HELP sluice_x_total Counts \\\\ things\\nover lines.\n"
		"# TYPE sluice_x_total counter\n"
		"sluice_x_total 18446744073709551615\n"
		"sluice_x_total{ip=\"10.0.0.1\",host=\"we\\\"ird\\\\\"} 7\n"
		"# HELP sluice_y_seconds Y \"quoted\".\n"
		"# TYPE sluice_y_seconds gauge\n"
		"sluice_y_seconds{ip=\"10.0.0.1\"} 1.25\n");
	free(p);
}

static void
test_buf(void **state)
{
	struct sl_metrics_buf b;
	size_t len, i;
	char *p;

	(void)state;
	sl_metrics_buf_init(&b);
	p = take(&b);                    /* nothing appended: "" */
	assert_string_equal(p, "");
	free(p);
	for (i = 0; i < 100000; i++)
		sl_metrics_printf(&b, "%zu,", i % 10);
	p = take(&b);
	assert_int_equal(strlen(p), 200000);
	assert_memory_equal(p + 199990, "5,6,7,8,9,", 10);
	free(p);

	sl_metrics_printf(&b, "lost");
	b.failed = 1;                    /* as after a failed allocation */
	sl_metrics_printf(&b, "more");
	assert_null(sl_metrics_buf_take(&b, &len));
	assert_int_equal(len, 0);
	assert_null(b.p);
	assert_int_equal(b.failed, 0);
}

/* Returns 1 when c may appear in a metric name. */
static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == ':';
}

/* Checks the structure of a page: every sample belongs to the family of
 * the last TYPE line, each family has HELP then TYPE and appears once,
 * counters end in _total and gauges do not, and every sample line ends
 * in a number. Returns the number of families. */
static unsigned
check_page(char *page)
{
	char family[128] = "", *line, *save = NULL;
	char seen[400][128];
	unsigned n_seen = 0, i;
	int help = 0;

	for (line = strtok_r(page, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], type[16];
		size_t len = 0;

		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%127s", name), 1);
			for (i = 0; i < n_seen; i++)
				if (strcmp(seen[i], name) == 0)
					fail_msg("family %s appears twice", name);
			assert_true(n_seen < 400);
			strcpy(seen[n_seen++], name);
			strcpy(family, name);
			help = 1;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%127s %15s", name, type), 2);
			assert_true(help);
			assert_string_equal(name, family);
			len = strlen(name);
			if (strcmp(type, "counter") == 0)
				assert_true(len > 6 && strcmp(name + len - 6, "_total") == 0);
			else if (strcmp(type, "gauge") == 0)
				assert_false(len > 6 && strcmp(name + len - 6, "_total") == 0);
			else
				fail_msg("type %s", type);
			help = 0;
			continue;
		}
		assert_true(line[0] != '#');
		while (name_char(line[len]))
			len++;
		if (len != strlen(family) || strncmp(line, family, len) != 0)
			fail_msg("sample \"%s\" outside its family %s", line, family);
		assert_true(line[len] == ' ' || line[len] == '{');
		{
			const char *v = strrchr(line, ' ');
			char *end;

			assert_non_null(v);
			strtod(v + 1, &end);
			assert_true(end != v + 1 && *end == '\0');
		}
	}
	return n_seen;
}

static void
test_page_detached(void **state)
{
	struct sl_observe *o = calloc(1, sizeof(*o));
	struct sl_metrics_buf b;
	char *p, *copy;

	(void)state;
	assert_non_null(o);
	sl_observe_init(o);
	memset(sl_lcore_stats, 0, sizeof(sl_lcore_stats));
	sl_lcore_stats[0].msg_in = 40;
	sl_lcore_stats[RTE_MAX_LCORE - 1].msg_in = 2;  /* a non-EAL thread */
	sl_lcore_stats[0].drops[SL_DROP_RING_FULL] = 7;
	sl_metrics_buf_init(&b);
	assert_int_equal(sl_metrics_render(o, 50, &b), 0);
	p = take(&b);
	assert_non_null(strstr(p, "# TYPE sluice_messages_in_total counter\n"
				  "sluice_messages_in_total 42\n"));
	assert_non_null(strstr(p, "\nsluice_lcore_messages_in_total{lcore=\"0\"} 40\n"));
	assert_non_null(strstr(p, "\nsluice_lcore_messages_in_total{lcore=\"127\"} 2\n"));
	assert_null(strstr(p, "{lcore=\"1\"}"));      /* not an lcore of ours */
	assert_non_null(strstr(p, "\nsluice_drops_total{reason=\"ring_full\"} 7\n"));
	assert_non_null(strstr(p, "\nsluice_drops_total{reason=\"paused\"} 0\n"));
	assert_non_null(strstr(p, "\nsluice_lcore_drops_total{lcore=\"0\",reason=\"ring_full\"} 7\n"));
	assert_non_null(strstr(p, "\nsluice_state{state=\"starting\"} 1\n"));
	assert_non_null(strstr(p, "\nsluice_state{state=\"running\"} 0\n"));
	assert_non_null(strstr(p, "\nsluice_build_info{version=\"" SLUICE_VERSION "\"} 1\n"));
	/* Detached: no route, worker or source figures. */
	assert_null(strstr(p, "sluice_route_info{"));
	assert_null(strstr(p, "sluice_worker_messages_in_total{"));
	assert_null(strstr(p, "sluice_source_unacked{"));
	copy = strdup(p);
	assert_non_null(copy);
	assert_true(check_page(copy) > 60);
	free(copy);
	free(p);
	memset(sl_lcore_stats, 0, sizeof(sl_lcore_stats));
	free(o);
}

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * S_NS + (uint64_t)ts.tv_nsec;
}

/* Takes n messages from host (named hostname) in at rx_ns and settles
 * settled of them. */
static void
traffic(struct sl_source_table *t, const char *ip, const char *hostname,
	unsigned n, unsigned settled, uint64_t rx_ns)
{
	struct sl_addr a;
	struct sl_source *s;
	unsigned i;

	assert_int_equal(sl_addr_parse(ip, &a), 0);
	s = sl_source_get(t, &a, sl_addr_hash(&a), rx_ns);
	sl_source_learn_host(t, s, (const uint8_t *)hostname,
			     (uint32_t)strlen(hostname));
	for (i = 0; i < n; i++)
		sl_source_received(s, rx_ns, 100);
	if (settled > 0)
		sl_source_settled(s, settled, 1);
}

static void
test_page_sources(void **state)
{
	static const struct sl_site_rule dash1 = { '-', 1 };
	struct sl_observe *o = calloc(1, sizeof(*o));
	struct sl_config *c = calloc(1, sizeof(*c));
	struct sl_worker *wk = calloc(1, sizeof(*wk));
	struct sl_ring_set rs;
	struct sl_metrics_buf b;
	uint64_t now = wall_ns();
	char *p, *copy;

	(void)state;
	assert_non_null(o);
	assert_non_null(c);
	assert_non_null(wk);
	sl_config_defaults(c);
	c->router.n_rules = 1;
	snprintf(c->router.rules[0].name, sizeof(c->router.rules[0].name), "web");
	snprintf(c->router.rules[0].topic, sizeof(c->router.rules[0].topic),
		 "logs.web");
	c->router.rules[0].format = SL_FORMAT_ENVELOPE;
	wk->sources = sl_source_table_create("t_metrics", 16, SOCKET_ID_ANY, 0,
					     UINT64_MAX, &dash1);
	assert_non_null(wk->sources);
	wk->stats = &sl_lcore_stats[0];
	assert_int_equal(sl_ring_set_create(&rs, "t_metrics", 1, 1, 64,
					    SOCKET_ID_ANY), 0);

	traffic(wk->sources, "10.0.0.1", "fra1-web-01", 10, 10, now - 5 * S_NS);
	traffic(wk->sources, "10.0.0.2", "fra1-web-02", 30, 10, now - 5 * S_NS);
	traffic(wk->sources, "10.0.0.3", "we\"ird\\x-01", 20, 0, now - 2 * S_NS);
	traffic(wk->sources, "2001:db8::9", "\xff\xfe-bad", 5, 0, now - S_NS);

	sl_observe_init(o);
	pthread_mutex_lock(&o->lock);
	o->cfg = c;
	o->n_workers = 1;
	o->workers[0] = wk;
	o->rings = &rs;
	o->state = SL_STATE_RUNNING;
	pthread_mutex_unlock(&o->lock);
	assert_int_equal(sl_observe_attach(o), 0);

	sl_metrics_buf_init(&b);
	assert_int_equal(sl_metrics_render(o, 2, &b), 0);
	p = take(&b);
	/* The top 2 by unacknowledged: 10.0.0.2 (20), 10.0.0.3 (20). */
	assert_non_null(strstr(p, "\nsluice_source_unacked{ip=\"10.0.0.2\",host=\"fra1-web-02\",site=\"fra1\",worker=\"0\"} 20\n"));
	assert_non_null(strstr(p, "\nsluice_source_unacked{ip=\"10.0.0.3\",host=\"we\\\"ird\\\\x-01\",site=\"we\\\"ird\\\\x\",worker=\"0\"} 20\n"));
	assert_non_null(strstr(p, "\nsluice_source_messages_total{ip=\"10.0.0.2\",host=\"fra1-web-02\",site=\"fra1\",worker=\"0\"} 30\n"));
	assert_null(strstr(p, "ip=\"10.0.0.1\""));
	assert_null(strstr(p, "ip=\"2001:db8::9\""));
	{
		const char *lag = strstr(p, "\nsluice_source_lag_seconds{ip=\"10.0.0.2\"");
		double v;

		assert_non_null(lag);
		v = strtod(strchr(lag, '}') + 2, NULL);
		assert_true(v >= 4.9 && v < 60.0);
	}
	/* Sites: every host, not only the top ones. */
	assert_non_null(strstr(p, "\nsluice_site_hosts{site=\"fra1\"} 2\n"));
	assert_non_null(strstr(p, "\nsluice_site_unacked{site=\"fra1\"} 20\n"));
	assert_non_null(strstr(p, "\nsluice_site_hosts{site=\"\xef\xbf\xbd\xef\xbf\xbd\"} 1\n"));
	assert_non_null(strstr(p, "\nsluice_worker_unacked{worker=\"0\",lcore=\"0\"} 45\n"));
	assert_non_null(strstr(p, "\nsluice_unacked 45\n"));
	assert_non_null(strstr(p, "\nsluice_sources 4\n"));
	assert_non_null(strstr(p, "\nsluice_ring_capacity{ring=\"t_metrics_0_0\"} 63\n"));
	assert_non_null(strstr(p, "\nsluice_routes 1\n"));
	assert_non_null(strstr(p, "\nsluice_route_info{route=\"web\",position=\"0\",topic=\"logs.web\",format=\"envelope\"} 1\n"));
	assert_non_null(strstr(p, "\nsluice_route_info{route=\"default\",position=\"1\",topic=\"logs\",format=\"record\"} 1\n"));
	assert_non_null(strstr(p, "\nsluice_state{state=\"running\"} 1\n"));
	copy = strdup(p);
	assert_non_null(copy);
	check_page(copy);
	free(copy);
	free(p);

	/* top 0: no per-source series at all, the rest unchanged. */
	assert_int_equal(sl_metrics_render(o, 0, &b), 0);
	p = take(&b);
	assert_null(strstr(p, "sluice_source_"));
	assert_non_null(strstr(p, "\nsluice_site_hosts{site=\"fra1\"} 2\n"));
	free(p);

	sl_observe_detach(o);
	assert_int_equal(sl_metrics_render(o, 10, &b), 0);
	p = take(&b);
	assert_null(strstr(p, "sluice_source_unacked{"));
	assert_null(strstr(p, "sluice_site_hosts{"));
	free(p);
	sl_ring_set_free(&rs);
	sl_source_table_free(wk->sources);
	free(wk);
	free(c);
	free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_page_detached),
		cmocka_unit_test(test_page_sources),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
