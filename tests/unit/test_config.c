/* test_config.c: the configuration file reader, --set and validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl_config.h"
#include "sl_meta.h"

#define ERRLEN 1024

/* A config loaded from text. path names the temporary file, already
 * removed when the helper returns; it stays valid for error checks. */
struct loaded {
	struct sl_config c;
	char path[64];
	char err[ERRLEN];
	int rc;
};

/* Writes text into a fresh file under /tmp, loads it over defaults,
 * removes the file. The struct is large, so it lives on the heap. */
static struct loaded *
load_text(const char *text)
{
	struct loaded *l = calloc(1, sizeof(*l));
	size_t len = strlen(text);
	int fd;

	assert_non_null(l);
	snprintf(l->path, sizeof(l->path), "/tmp/sl_config_test.XXXXXX");
	fd = mkstemp(l->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	sl_config_defaults(&l->c);
	l->rc = sl_config_load(&l->c, l->path, l->err, sizeof(l->err));
	assert_int_equal(unlink(l->path), 0);
	return l;
}

/* Loads text that must be accepted. */
static struct loaded *
load_ok(const char *text)
{
	struct loaded *l = load_text(text);

	if (l->rc != 0)
		fail_msg("unexpected error: %s\n--- config:\n%s", l->err, text);
	return l;
}

/* Loads text that must be rejected with an error that starts with
 * "PATH:LINE: " and contains each of the NULL-terminated fragments. */
static void
load_fails(const char *text, unsigned line, ...)
{
	struct loaded *l = load_text(text);
	char prefix[96];
	const char *frag;
	va_list ap;

	if (l->rc == 0)
		fail_msg("accepted, expected an error at line %u:\n%s", line, text);
	snprintf(prefix, sizeof(prefix), "%s:%u: ", l->path, line);
	if (strncmp(l->err, prefix, strlen(prefix)) != 0)
		fail_msg("error \"%s\" does not start with \"%s\"", l->err, prefix);
	va_start(ap, line);
	while ((frag = va_arg(ap, const char *)) != NULL)
		if (strstr(l->err, frag) == NULL)
			fail_msg("error \"%s\" lacks \"%s\"", l->err, frag);
	va_end(ap);
	free(l);
}

/* Expects sl_config_set to fail with exactly the message want, or with a
 * message containing want when exact is 0. */
static void
set_fails(struct sl_config *c, const char *assignment, const char *want,
	  int exact)
{
	char err[ERRLEN] = "";

	if (sl_config_set(c, assignment, err, sizeof(err)) == 0)
		fail_msg("--set %s accepted", assignment);
	if (exact ? strcmp(err, want) != 0 : strstr(err, want) == NULL)
		fail_msg("--set %s: got \"%s\", want \"%s\"", assignment, err,
			 want);
}

static void
set_ok(struct sl_config *c, const char *assignment)
{
	char err[ERRLEN] = "";

	if (sl_config_set(c, assignment, err, sizeof(err)) != 0)
		fail_msg("--set %s: %s", assignment, err);
}

/* Runs validate and expects failure with want in the message. */
static void
validate_fails(const struct sl_config *c, const char *want)
{
	char err[ERRLEN] = "";

	if (sl_config_validate(c, err, sizeof(err)) == 0)
		fail_msg("validate accepted, expected \"%s\"", want);
	if (strstr(err, want) == NULL)
		fail_msg("validate: got \"%s\", want \"%s\"", err, want);
}

static void
validate_ok(const struct sl_config *c)
{
	char err[ERRLEN] = "";

	if (sl_config_validate(c, err, sizeof(err)) != 0)
		fail_msg("validate: %s", err);
}

static uint32_t
ip4(const char *text)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	return a.s_addr;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_defaults(void **state)
{
	struct sl_config *c = calloc(1, sizeof(*c));
	char buf[SL_ADDR_STRLEN];

	(void)state;
	assert_non_null(c);
	memset(c, 0xa5, sizeof(*c));
	sl_config_defaults(c);
	assert_string_equal(c->eal_args, "");
	assert_string_equal(c->eal_file_prefix, "sluice");
	assert_string_equal(c->eal_cores, "");
	assert_int_equal(c->eal_hugepages, SL_HUGEPAGES_AUTO);
	assert_int_equal(c->eal_memory_mb, 512);
	assert_int_equal(c->mode, SL_MODE_RUN_TO_COMPLETION);
	assert_int_equal(c->rx_lcores, 1);
	assert_int_equal(c->workers, 1);
	assert_int_equal(c->workers_set, 0);
	assert_int_equal(c->ring_size, 4096);
	assert_int_equal(c->burst, 32);
	assert_int_equal(c->mbufs, 65535);
	assert_int_equal(c->mbuf_cache, 256);
	assert_int_equal(c->mbuf_size, 2176);
	assert_int_equal(c->max_message, 65535);
	assert_int_equal(c->ring_full, SL_RING_FULL_DROP);
	assert_int_equal(c->idle_sleep_us, 100);
	assert_int_equal(c->frag_max_flows, 4096);
	assert_int_equal(c->frag_ttl_ms, 2000);
	assert_int_equal(c->max_sources, 65536);
	assert_int_equal(c->driver, SL_DRIVER_SOCKET);
	sl_addr_format(&c->listen, buf);
	assert_string_equal(buf, "127.0.0.1:5514");
	assert_int_equal(c->listen_any, 0);
	assert_int_equal(c->rcvbuf, 32u << 20);
	assert_int_equal(c->n_ports, 0);
	assert_string_equal(c->kafka_brokers, "embedded");
	assert_int_equal(c->kafka_embedded_brokers, 1);
	assert_int_equal(c->kafka_embedded_partitions, 4);
	assert_int_equal(c->kafka_poll_interval_us, 1000);
	assert_int_equal(c->n_kafka_props, 0);
	assert_int_equal(c->router.n_rules, 0);
	assert_string_equal(c->router.default_topic, "logs");
	assert_int_equal(c->drain_timeout_ms, 10000);
	assert_int_equal(c->stats_interval_ms, 10000);
	assert_string_equal(c->path, "");
	validate_ok(c);
	free(c);
}

static void
test_every_key(void **state)
{
	static const char text[] =
		"# every key, with a non-default value\n"
		"[eal]\n"
		"args = --log-level=8 --vdev \"net_null0\"\n"
		"file_prefix = sl-test_1\n"
		"cores = 0-3,6\n"
		"hugepages = no\n"
		"memory = 1024\n"
		"[dataplane]\n"
		"mode = pipeline\n"
		"rx_lcores = 2\n"
		"workers = 3\n"
		"ring_size = 1024\n"
		"burst = 64\n"
		"mbufs = 131071\n"
		"mbuf_cache = 128\n"
		"mbuf_size = 9344\n"
		"max_message = 8k\n"
		"ring_full = wait\n"
		"idle_sleep_us = 0\n"
		"frag_max_flows = 1024\n"
		"frag_ttl = 500ms\n"
		"max_sources = 1000\n"
		"[input.udp]\n"
		"driver = dpdk\n"
		"listen = [2001:db8::1]:514\n"
		"rcvbuf = 4M\n"
		"[port.p0]\n"
		"devargs = net_pcap0,rx_pcap=/tmp/x.pcap\n"
		"address = 198.18.0.1\n"
		"address6 = 2001:db8::1\n"
		"rx_desc = 512\n"
		"tx_desc = 256\n"
		"promiscuous = yes\n"
		"spread = device\n"
		"[kafka]\n"
		"brokers = k1:9092,[::1]:9093\n"
		"embedded_brokers = 3\n"
		"embedded_partitions = 16\n"
		"poll_interval = 250us\n"
		"[kafka.producer]\n"
		"linger.ms = 20\n"
		"compression.codec = zstd\n"
		"[routing]\n"
		"default_topic = logs.{host}\n"
		"[route.r1]\n"
		"app = sshd, sudo\n"
		"host = web-*,db?\n"
		"facility = auth, authpriv, 16\n"
		"network = 198.18.0.0/15\n"
		"topic = logs.auth\n"
		"[shutdown]\n"
		"drain_timeout = 1m\n"
		"[stats]\n"
		"interval = 0\n";
	struct loaded *l = load_ok(text);
	const struct sl_config *c = &l->c;
	const struct sl_config_port *p = &c->ports[0];
	const struct sl_route_rule *r = &c->router.rules[0];
	char buf[SL_ADDR_STRLEN];
	uint8_t ip6[16];

	(void)state;
	assert_string_equal(c->path, l->path);
	assert_string_equal(c->eal_args, "--log-level=8 --vdev \"net_null0\"");
	assert_string_equal(c->eal_file_prefix, "sl-test_1");
	assert_string_equal(c->eal_cores, "0-3,6");
	assert_int_equal(c->eal_hugepages, SL_HUGEPAGES_NO);
	assert_int_equal(c->eal_memory_mb, 1024);
	assert_int_equal(c->mode, SL_MODE_PIPELINE);
	assert_int_equal(c->rx_lcores, 2);
	assert_int_equal(c->workers, 3);
	assert_int_equal(c->workers_set, 1);
	assert_int_equal(c->ring_size, 1024);
	assert_int_equal(c->burst, 64);
	assert_int_equal(c->mbufs, 131071);
	assert_int_equal(c->mbuf_cache, 128);
	assert_int_equal(c->mbuf_size, 9344);
	assert_int_equal(c->max_message, 8192);
	assert_int_equal(c->ring_full, SL_RING_FULL_WAIT);
	assert_int_equal(c->idle_sleep_us, 0);
	assert_int_equal(c->frag_max_flows, 1024);
	assert_int_equal(c->frag_ttl_ms, 500);
	assert_int_equal(c->max_sources, 1000);
	assert_int_equal(c->driver, SL_DRIVER_DPDK);
	sl_addr_format(&c->listen, buf);
	assert_string_equal(buf, "[2001:db8::1]:514");
	assert_int_equal(c->listen_any, 0);
	assert_int_equal(c->rcvbuf, 4u << 20);
	assert_int_equal(c->n_ports, 1);
	assert_string_equal(p->name, "p0");
	assert_string_equal(p->devargs, "net_pcap0,rx_pcap=/tmp/x.pcap");
	assert_int_equal(p->has_ip4, 1);
	assert_int_equal(p->ip4, ip4("198.18.0.1"));
	assert_int_equal(p->has_ip6, 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", ip6), 1);
	assert_memory_equal(p->ip6, ip6, 16);
	assert_int_equal(p->rx_desc, 512);
	assert_int_equal(p->tx_desc, 256);
	assert_int_equal(p->promiscuous, 1);
	assert_int_equal(p->spread, SL_SPREAD_DEVICE);
	assert_string_equal(c->kafka_brokers, "k1:9092,[::1]:9093");
	assert_int_equal(c->kafka_embedded_brokers, 3);
	assert_int_equal(c->kafka_embedded_partitions, 16);
	assert_int_equal(c->kafka_poll_interval_us, 250);
	assert_int_equal(c->n_kafka_props, 2);
	assert_string_equal(c->kafka_props[0].key, "linger.ms");
	assert_string_equal(c->kafka_props[0].value, "20");
	assert_string_equal(c->kafka_props[1].key, "compression.codec");
	assert_string_equal(c->kafka_props[1].value, "zstd");
	assert_string_equal(c->router.default_topic, "logs.{host}");
	assert_int_equal(c->router.n_rules, 1);
	assert_string_equal(r->name, "r1");
	assert_int_equal(r->n_app, 2);
	assert_string_equal(r->app[0], "sshd");
	assert_string_equal(r->app[1], "sudo");
	assert_int_equal(r->n_host, 2);
	assert_string_equal(r->host[0], "web-*");
	assert_string_equal(r->host[1], "db?");
	assert_int_equal(r->facility_mask, (1u << 4) | (1u << 10) | (1u << 16));
	assert_int_equal(r->net_prefix, 15);
	sl_addr_format_ip(&r->net, buf);
	assert_string_equal(buf, "198.18.0.0");
	assert_string_equal(r->topic, "logs.auth");
	assert_int_equal(c->drain_timeout_ms, 60000);
	assert_int_equal(c->stats_interval_ms, 0);
	validate_ok(c);
	free(l);
}

/* One key with values that must be accepted and one that must not. The
 * bad value sits on line 3 (after a comment line and the header), and
 * the error must name file:3, the section and key, and contain want. */
struct key_case {
	const char *section;
	const char *key;
	const char *good[4];
	const char *bad;
	const char *want;
};

static const struct key_case key_cases[] = {
	{ "eal", "args", { "", "-a \"x y\"" }, "--vdev \"net_null0", "unbalanced" },
	{ "eal", "file_prefix", { "a", "x_y-Z9" }, "a/b", "A-Z a-z 0-9 _ -" },
	{ "eal", "file_prefix", { "a" }, "", "A-Z a-z 0-9 _ -" },
	{ "eal", "cores", { "", "0", "0-3,6,8-9", "1023" }, "1024", "0..1023" },
	{ "eal", "cores", { "5-5" }, "3-1", "ascending" },
	{ "eal", "cores", { "2" }, "0,", "CPU list" },
	{ "eal", "hugepages", { "auto", "yes", "no", "NO" }, "maybe", "must be auto, yes or no" },
	{ "eal", "memory", { "64", "65536" }, "63", "must be 64..65536" },
	{ "eal", "memory", { "512" }, "65537", "must be 64..65536" },
	{ "eal", "memory", { "512" }, "-1", "must be 64..65536" },
	{ "eal", "memory", { "512" }, "5x", "must be 64..65536" },
	{ "dataplane", "mode", { "run-to-completion", "pipeline" }, "rtc", "run-to-completion or pipeline" },
	{ "dataplane", "rx_lcores", { "1", "16" }, "0", "must be 1..16" },
	{ "dataplane", "rx_lcores", { "1" }, "17", "must be 1..16" },
	{ "dataplane", "workers", { "1", "16" }, "0", "must be 1..16" },
	{ "dataplane", "workers", { "1" }, "17", "must be 1..16" },
	{ "dataplane", "ring_size", { "64", "1048576" }, "32", "power of two 64..1048576" },
	{ "dataplane", "ring_size", { "4096" }, "1000", "power of two" },
	{ "dataplane", "ring_size", { "4096" }, "2097152", "power of two 64..1048576" },
	{ "dataplane", "burst", { "1", "512" }, "0", "must be 1..512" },
	{ "dataplane", "burst", { "32" }, "513", "must be 1..512" },
	{ "dataplane", "mbufs", { "1023", "16777216" }, "1022", "must be 1023..16777216" },
	{ "dataplane", "mbufs", { "65535" }, "16777217", "must be 1023..16777216" },
	{ "dataplane", "mbuf_cache", { "0", "512" }, "513", "must be 0..512" },
	{ "dataplane", "mbuf_size", { "1024", "9k" }, "1023", "must be a size 1k..65535" },
	{ "dataplane", "max_message", { "64", "65535", "1k", "63K" }, "64k", "must be a size 64..65535" },
	{ "dataplane", "max_message", { "2048" }, "63", "must be a size 64..65535" },
	{ "dataplane", "max_message", { "2048" }, "1kb", "must be a size" },
	{ "dataplane", "ring_full", { "drop", "wait" }, "block", "must be drop or wait" },
	{ "dataplane", "idle_sleep_us", { "0", "100000" }, "100001", "must be 0..100000" },
	{ "dataplane", "frag_max_flows", { "16", "1048576" }, "15", "must be 16..1048576" },
	{ "dataplane", "frag_max_flows", { "16" }, "1048577", "must be 16..1048576" },
	{ "dataplane", "frag_ttl", { "1ms", "60s", "1m", "2" }, "0", "duration 1ms..1m" },
	{ "dataplane", "frag_ttl", { "1000us" }, "61s", "duration 1ms..1m" },
	{ "dataplane", "frag_ttl", { "2s" }, "1500us", "whole number of milliseconds" },
	{ "dataplane", "frag_ttl", { "2s" }, "2h", "duration" },
	{ "dataplane", "frag_ttl", { "2s" }, "1.5s", "duration" },
	{ "dataplane", "max_sources", { "16", "16777216" }, "15", "must be 16..16777216" },
	{ "dataplane", "max_sources", { "16" }, "16777217", "must be 16..16777216" },
	{ "input.udp", "driver", { "socket", "dpdk" }, "xdp", "must be socket or dpdk" },
	{ "input.udp", "listen", { "0.0.0.0:514", "[::]:1", "127.0.0.1:65535" }, "127.0.0.1", "port 1..65535" },
	{ "input.udp", "listen", { "1.2.3.4:5" }, "127.0.0.1:0", "port 1..65535" },
	{ "input.udp", "listen", { "1.2.3.4:5" }, "127.0.0.1:65536", "port 1..65535" },
	{ "input.udp", "listen", { "1.2.3.4:5" }, "localhost:514", "ADDRESS:PORT" },
	{ "input.udp", "rcvbuf", { "64k", "1G", "65536", "1024M" }, "65535", "must be a size 64k..1G" },
	{ "input.udp", "rcvbuf", { "1M" }, "2G", "must be a size 64k..1G" },
	{ "input.udp", "rcvbuf", { "1M" }, "99999999999999999999999", "must be a size" },
	{ "port.p", "devargs", { "0000:03:00.0", "net_ring0" }, "", "must name a device" },
	{ "port.p", "devargs", { "net_ring0" }, "net_pcap0, rx_pcap=x", "whitespace" },
	{ "port.p", "address", { "10.0.0.1", "" }, "10.0.0.256", "IPv4 address" },
	{ "port.p", "address", { "10.0.0.1" }, "::1", "IPv4 address" },
	{ "port.p", "address6", { "::1", "fe80::1" }, "10.0.0.1", "IPv6 address" },
	{ "port.p", "rx_desc", { "64", "16384" }, "32", "power of two 64..16384" },
	{ "port.p", "rx_desc", { "1024" }, "1000", "power of two 64..16384" },
	{ "port.p", "tx_desc", { "64", "16384" }, "32768", "power of two 64..16384" },
	{ "port.p", "promiscuous", { "yes", "off", "TRUE", "0" }, "maybe", "yes/no/true/false/on/off/1/0" },
	{ "port.p", "spread", { "rss", "device" }, "hash", "rss or device" },
	{ "kafka", "brokers", { "embedded", "a:1", "a:1,b.example:9092" }, "a", "HOST:PORT" },
	{ "kafka", "brokers", { "a:1" }, "a:1,", "HOST:PORT" },
	{ "kafka", "brokers", { "a:1" }, "a:0", "HOST:PORT" },
	{ "kafka", "brokers", { "a:1" }, "", "HOST:PORT" },
	{ "kafka", "brokers", { "a:1" }, ":9092", "HOST:PORT" },
	{ "kafka", "embedded_brokers", { "1", "16" }, "17", "must be 1..16" },
	{ "kafka", "embedded_partitions", { "1", "1024" }, "1025", "must be 1..1024" },
	{ "kafka", "embedded_partitions", { "1" }, "0", "must be 1..1024" },
	{ "kafka", "poll_interval", { "0", "1s", "1000ms", "5" }, "2s", "duration 0..1s" },
	{ "kafka", "poll_interval", { "0" }, "1001", "duration 0..1s" },
	{ "kafka", "producers", { "0", "1" }, "17", "must be 0..16" },
	{ "routing", "default_format", { "record", "envelope" }, "json", "must be record or envelope" },
	{ "envelope", "batch_bytes", { "4k", "64k", "16M" }, "1k", "must be a size 4k..16M" },
	{ "envelope", "batch_messages", { "1", "1048576" }, "0", "must be 1..1048576" },
	{ "envelope", "linger", { "0", "5ms", "10s", "20" }, "11s", "duration 0..10s" },
	{ "envelope", "buckets", { "1", "1024" }, "1025", "must be 1..1024" },
	{ "envelope", "max_open_batches", { "16", "65536" }, "15", "must be 16..65536" },
	{ "envelope", "lz4_acceleration", { "1", "65537" }, "0", "must be 1..65537" },
	{ "envelope", "encryption", { "off", "auto", "aes256gcm", "xchacha20" }, "rot13", "must be off, auto, aes256gcm or xchacha20" },
	{ "routing", "default_topic", { "logs", "logs.{app}.{facility}" }, "logs.{nope}", "not a valid topic template" },
	{ "routing", "default_topic", { "logs" }, "", "must not be empty" },
	{ "routing", "default_topic", { "logs" }, "a b", "not a valid topic template" },
	{ "route.r", "app", { "sshd", "a*, b?,[cd]x" }, "a,,b", "non-empty globs" },
	{ "route.r", "app", { "a" }, "a,b,c,d,e,f,g,h,i", "at most 8 globs" },
	{ "route.r", "host", { "web-*" }, "", "non-empty globs" },
	{ "route.r", "facility", { "kern", "0, 23, local7" }, "24", "facility names" },
	{ "route.r", "facility", { "user" }, "bogus", "facility names" },
	{ "route.r", "facility", { "user" }, "user,", "facility names" },
	{ "route.r", "network", { "10.0.0.0/8", "2001:db8::/32", "10.1.2.3" }, "10.0.0.0/33", "ADDRESS/PREFIX" },
	{ "route.r", "network", { "10.0.0.0/8" }, "10.0.0.0:5", "ADDRESS/PREFIX" },
	{ "route.r", "topic", { "logs.{app}" }, "logs.{", "not a valid topic template" },
	{ "shutdown", "drain_timeout", { "0", "10m", "600s", "30" }, "601s", "duration 0..10m" },
	{ "stats", "interval", { "0", "1s", "60m", "5" }, "61m", "duration 0..60m" },
};

static void
test_key_table(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *k = &key_cases[i];
		char text[512], where[128];

		for (j = 0; j < 4 && k->good[j] != NULL; j++) {
			snprintf(text, sizeof(text), "# good\n[%s]\n%s = %s\n",
				 k->section, k->key, k->good[j]);
			free(load_ok(text));
		}
		snprintf(text, sizeof(text), "# bad\n[%s]\n%s = %s\n",
			 k->section, k->key, k->bad);
		snprintf(where, sizeof(where), "[%s] %s: ", k->section, k->key);
		load_fails(text, 3, where, k->want, NULL);
	}
}

static void
test_suffixes(void **state)
{
	struct loaded *l;

	(void)state;
	l = load_ok("[dataplane]\n"
		    "max_message = 1K\n"
		    "frag_ttl = 3\n"
		    "[input.udp]\n"
		    "rcvbuf = 1G\n"
		    "[kafka]\n"
		    "poll_interval = 7\n"
		    "[shutdown]\n"
		    "drain_timeout = 2500ms\n"
		    "[stats]\n"
		    "interval = 2m\n");
	assert_int_equal(l->c.max_message, 1024);
	assert_int_equal(l->c.frag_ttl_ms, 3000);       /* bare: seconds */
	assert_int_equal(l->c.rcvbuf, 1u << 30);
	assert_int_equal(l->c.kafka_poll_interval_us, 7000); /* bare: ms */
	assert_int_equal(l->c.drain_timeout_ms, 2500);
	assert_int_equal(l->c.stats_interval_ms, 120000);
	free(l);

	l = load_ok("[input.udp]\nrcvbuf = 512k\n[shutdown]\ndrain_timeout = 45\n"
		    "[kafka]\npoll_interval = 1500us\n");
	assert_int_equal(l->c.rcvbuf, 512u << 10);
	assert_int_equal(l->c.drain_timeout_ms, 45000); /* bare: seconds */
	assert_int_equal(l->c.kafka_poll_interval_us, 1500);
	free(l);
}

static void
test_unknown_key(void **state)
{
	(void)state;
	load_fails("[dataplane]\nbursts = 4\n", 2,
		   "[dataplane] bursts: unknown key (did you mean \"burst\"?)",
		   NULL);
	load_fails("[dataplane]\nburst = 4\n\nwrokers = 1\n", 4,
		   "[dataplane] wrokers: unknown key (did you mean \"workers\"?)",
		   NULL);
	load_fails("[kafka]\nbroker = a:1\n", 2,
		   "did you mean \"brokers\"?", NULL);
	load_fails("[port.x]\naddr6 = ::1\n", 2, "[port.x] addr6: unknown key",
		   NULL);
	load_fails("[input.udp]\ncompletely_unrelated = 1\n", 2,
		   "[input.udp] completely_unrelated: unknown key", NULL);
	{
		struct loaded *l = load_text("[eal]\nzzz = 1\n");

		assert_int_equal(l->rc, -1);
		assert_null(strstr(l->err, "did you mean"));
		free(l);
	}
}

static void
test_unknown_section(void **state)
{
	(void)state;
	load_fails("[eal]\n[dataplne]\nburst = 4\n", 2,
		   "[dataplne]: unknown section (did you mean [dataplane]?)",
		   NULL);
	load_fails("[ports.eth0]\n", 1,
		   "unknown section (did you mean [port.eth0]?)", NULL);
	load_fails("[routes.web]\n", 1,
		   "unknown section (did you mean [route.web]?)", NULL);
	load_fails("[input.sctp]\n", 1, "[input.sctp]: unknown section", NULL);
	load_fails("[nothing_like_it]\n", 1, "unknown section", NULL);
	load_fails("[port.bad/name]\n", 1, "[port.bad/name]: port name must be",
		   NULL);
	load_fails("[route.]\n", 1, "route name must be", NULL);
	load_fails("[port.a234567890123456789012345678901234567890123456789012345678901234]\n",
		   1, "port name must be", NULL);
}

/* The stream listeners: on with listen, off with an empty one; framing,
 * TLS and [stream] limits parsed and checked. */
static void
test_streams(void **state)
{
	struct loaded *l;
	struct sl_config c;

	(void)state;
	l = load_ok("[input.tcp]\nlisten = 127.0.0.1:5514\nframing = octet\n"
		    "[input.relp]\nlisten = [::1]:20514\nwindow = 256\n"
		    "[stream]\nlcores = 2\nmax_connections = 100\n"
		    "max_connections_per_source = 3\nidle_timeout = 2s\n"
		    "max_pending = 1024\nmax_output = 64k\n");
	assert_true(l->c.tcp.enabled);
	assert_int_equal(l->c.tcp.framing, SL_FRAMING_OCTET);
	assert_int_equal(l->c.tcp.listen.port, 5514);
	assert_true(l->c.relp.enabled);
	assert_int_equal(l->c.relp.listen.family, AF_INET6);
	assert_int_equal(l->c.relp_window, 256);
	assert_false(l->c.tls_in.enabled);
	assert_int_equal(l->c.stream_lcores, 2);
	assert_int_equal(l->c.stream_max_connections, 100);
	assert_int_equal(l->c.stream_max_per_source, 3);
	assert_int_equal(l->c.stream_idle_timeout_ms, 2000);
	assert_int_equal(l->c.stream_max_pending, 1024);
	assert_int_equal(l->c.stream_max_output, 64 << 10);
	assert_int_equal(sl_config_stream_lcores(&l->c), 2);
	assert_int_equal(sl_config_validate(&l->c, l->err, sizeof(l->err)), 0);
	free(l);

	load_fails("[input.tcp]\nlisten = 127.0.0.1\n", 2,
		   "[input.tcp] listen:", "ADDRESS:PORT", NULL);
	load_fails("[input.tcp]\nframing = crlf\n", 2,
		   "[input.tcp] framing:", "auto", NULL);
	load_fails("[input.relp]\nwindow = 100\n", 2,
		   "[input.relp] window:", "power of two", NULL);
	load_fails("[input.relp]\ntls = maybe\n", 2, "[input.relp] tls:", NULL);
	load_fails("[stream]\nlcores = 9\n", 2, "[stream] lcores:", NULL);
	load_fails("[tls]\nverify_client = always\n", 2,
		   "[tls] verify_client:", "required", NULL);

	sl_config_defaults(&c);
	assert_int_equal(sl_config_stream_lcores(&c), 0);
	set_ok(&c, "input.tcp.listen=127.0.0.1:5514");
	set_ok(&c, "input.relp.listen=127.0.0.1:5514");
	validate_fails(&c, "[input.tcp] and [input.relp] both listen on 127.0.0.1:5514");
	set_ok(&c, "input.relp.listen=127.0.0.1:20514");
	set_ok(&c, "input.relp.tls=on");
	validate_fails(&c, "[input.relp] uses TLS: [tls] cert and key are required");
	set_ok(&c, "tls.cert=/etc/sluice/cert.pem");
	set_ok(&c, "tls.key=/etc/sluice/key.pem");
	set_ok(&c, "tls.verify_client=required");
	validate_fails(&c, "[tls] verify_client needs ca");
	set_ok(&c, "tls.ca=/etc/sluice/ca.pem");
	assert_int_equal(sl_config_validate(&c, NULL, 0), 0);
	set_ok(&c, "input.tcp.listen=");
	set_ok(&c, "input.relp.listen=");
	assert_int_equal(sl_config_stream_lcores(&c), 0);
}

static void
test_duplicate(void **state)
{
	(void)state;
	load_fails("[dataplane]\nburst = 4\n# x\nburst = 8\n", 4,
		   "[dataplane] burst: duplicate key (first set on line 2)",
		   NULL);
	/* A section opened twice is still one section. */
	load_fails("[stats]\ninterval = 1s\n[eal]\n[stats]\ninterval = 2s\n", 5,
		   "[stats] interval: duplicate key (first set on line 2)", NULL);
	load_fails("[port.a]\ndevargs = x\n[port.b]\ndevargs = y\n[port.a]\ndevargs = z\n",
		   6, "[port.a] devargs: duplicate key (first set on line 2)",
		   NULL);
	load_fails("[route.a]\ntopic = t\n[route.a]\ntopic = u\n", 4,
		   "[route.a] topic: duplicate key", NULL);
	load_fails("[kafka.producer]\nlinger.ms = 5\nacks = 1\nlinger.ms = 6\n",
		   4, "[kafka.producer] linger.ms: duplicate key (first set on line 2)",
		   NULL);
}

static void
test_syntax(void **state)
{
	static const char *const bad[] = {
		"[eal]\njust words\n",
		"[eal]\n[eal\n",
		"[eal]\n[]\n",
		"[eal]\n= 5\n",
		"[eal]\nmy key = 5\n",
		"[eal]\nkey[0] = 5\n",
	};
	char *big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		load_fails(bad[i], 2,
			   "expected \"key = value\" or \"[section]\"", NULL);
	load_fails("burst = 4\n", 1, "burst: key outside of any [section]",
		   NULL);
	/* A '#' after a value is part of the value, not a comment. */
	load_fails("[dataplane]\nburst = 4 # four\n", 2,
		   "[dataplane] burst: must be 1..512", NULL);
	load_fails("[eal]\nargs = a\x01z\n", 2, "control character", NULL);

	big = malloc(10000);
	assert_non_null(big);
	memset(big, 'a', 9999);
	memcpy(big, "[eal]\nargs = ", 13);
	big[9998] = '\n';
	big[9999] = '\0';
	load_fails(big, 2, "line is longer than", NULL);
	free(big);
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "[eal]\nargs = a\0b\n";
	char path[] = "/tmp/sl_config_test.XXXXXX", err[ERRLEN];
	struct sl_config *c = calloc(1, sizeof(*c));
	int fd = mkstemp(path);

	(void)state;
	assert_non_null(c);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
			 (ssize_t)sizeof(text) - 1);
	assert_int_equal(close(fd), 0);
	sl_config_defaults(c);
	assert_int_equal(sl_config_load(c, path, err, sizeof(err)), -1);
	assert_int_equal(unlink(path), 0);
	assert_non_null(strstr(err, ":2: line holds a NUL byte"));
	free(c);
}

static void
test_missing_file(void **state)
{
	struct sl_config *c = calloc(1, sizeof(*c));
	char err[ERRLEN];

	(void)state;
	assert_non_null(c);
	sl_config_defaults(c);
	assert_int_equal(sl_config_load(c, "/nonexistent/sluice.conf", err,
					 sizeof(err)), -1);
	assert_string_equal(err,
			    "/nonexistent/sluice.conf: No such file or directory");
	free(c);
}

static void
test_quoting(void **state)
{
	struct loaded *l;

	(void)state;
	l = load_ok("[eal]\n"
		    "args = \"--vdev \\\"net_null0\\\" # not a comment\"\n"
		    "cores = \"0-1\"\n"
		    "[port.p]\n"
		    "devargs = \"net_pcap0,rx_pcap=/x/a#b.pcap\"\n"
		    "[port.q]\n"
		    "devargs = net_af_packet0,iface=x;y\n"
		    "[kafka.producer]\n"
		    "ssl.key.password = \"back\\\\slash\"\n"
		    "client.id = \"\"\n");
	assert_string_equal(l->c.eal_args, "--vdev \"net_null0\" # not a comment");
	assert_string_equal(l->c.eal_cores, "0-1");
	assert_string_equal(l->c.ports[0].devargs, "net_pcap0,rx_pcap=/x/a#b.pcap");
	assert_string_equal(l->c.ports[1].devargs, "net_af_packet0,iface=x;y");
	assert_string_equal(l->c.kafka_props[0].value, "back\\slash");
	assert_string_equal(l->c.kafka_props[1].value, "");
	free(l);

	load_fails("[eal]\nargs = \"abc\n", 2,
		   "[eal] args: quoted value has no closing '\"'", NULL);
	load_fails("[eal]\nargs = \"a\\nb\"\n", 2,
		   "[eal] args: quoted value has an escape other than \\\" or \\\\", NULL);
	load_fails("[eal]\nargs = \"a\" b\n", 2,
		   "[eal] args: quoted value has text after the closing", NULL);
	load_fails("[eal]\nargs = \"a\\\"\n", 2, "no closing", NULL);
}

static void
test_crlf_and_whitespace(void **state)
{
	struct loaded *l;

	(void)state;
	l = load_ok("");                   /* an empty file is all defaults */
	assert_int_equal(l->c.burst, 32);
	free(l);
	l = load_ok("# comment\r\n"
		    "   ; another comment\r\n"
		    "\t# indented comment\r\n"
		    "\r\n"
		    "  [ dataplane ]  \r\n"
		    "burst=16   \r\n"
		    "\tring_size   =\t 2048\t\r\n"
		    "[eal]\r\n"
		    "args =\r\n"
		    "[kafka]\r\n"
		    "brokers = a:1");
	assert_int_equal(l->c.burst, 16);
	assert_int_equal(l->c.ring_size, 2048);
	assert_string_equal(l->c.eal_args, "");
	assert_string_equal(l->c.kafka_brokers, "a:1");
	free(l);
	load_fails("[dataplane]\r\nburst = 0\r\n", 2,
		   "[dataplane] burst: must be 1..512, not \"0\"", NULL);
}

static void
test_workers_follow_rx_lcores(void **state)
{
	struct loaded *l;

	(void)state;
	l = load_ok("[dataplane]\nrx_lcores = 4\nring_size = 2048\n");
	assert_int_equal(l->c.rx_lcores, 4);
	assert_int_equal(l->c.workers, 4);
	validate_ok(&l->c);
	set_ok(&l->c, "dataplane.rx_lcores=2");
	assert_int_equal(l->c.workers, 2);
	set_ok(&l->c, "dataplane.workers=3");
	assert_int_equal(l->c.workers_set, 1);
	validate_fails(&l->c,
		       "[dataplane] workers = 3 but rx_lcores = 2: in mode run-to-completion");
	set_ok(&l->c, "dataplane.mode=pipeline");
	validate_ok(&l->c);
	set_ok(&l->c, "dataplane.rx_lcores=5");
	assert_int_equal(l->c.workers, 3);   /* explicit: no longer follows */
	free(l);

	l = load_ok("[dataplane]\nworkers = 2\nrx_lcores = 1\n");
	assert_int_equal(l->c.workers, 2);
	validate_fails(&l->c, "must be equal");
	free(l);

	l = load_ok("[dataplane]\nmode = pipeline\nrx_lcores = 2\n");
	assert_int_equal(l->c.workers, 2);
	validate_ok(&l->c);
	free(l);
}

static void
test_set(void **state)
{
	struct sl_config *c = calloc(1, sizeof(*c));
	char buf[SL_ADDR_STRLEN];

	(void)state;
	assert_non_null(c);
	sl_config_defaults(c);
	set_ok(c, "eal.args=--log-level=lib.eal:debug -a 0000:01:00.0");
	assert_string_equal(c->eal_args, "--log-level=lib.eal:debug -a 0000:01:00.0");
	set_ok(c, "eal.hugepages=yes");
	assert_int_equal(c->eal_hugepages, SL_HUGEPAGES_YES);
	set_ok(c, "dataplane.burst=64");
	assert_int_equal(c->burst, 64);
	set_ok(c, "dataplane.burst=128");
	assert_int_equal(c->burst, 128);
	set_ok(c, "input.udp.driver=dpdk");
	assert_int_equal(c->driver, SL_DRIVER_DPDK);
	set_ok(c, "input.udp.listen=0.0.0.0:514");
	sl_addr_format(&c->listen, buf);
	assert_string_equal(buf, "0.0.0.0:514");
	assert_int_equal(c->listen_any, 1);

	/* Ports: created on first mention, then updated in place. */
	set_ok(c, "port.eth0.devargs=0000:03:00.0");
	set_ok(c, "port.eth1.devargs=net_pcap0,rx_pcap=/a=b.pcap");
	set_ok(c, "port.eth0.address=10.1.2.3");
	assert_int_equal(c->n_ports, 2);
	assert_string_equal(c->ports[0].name, "eth0");
	assert_string_equal(c->ports[0].devargs, "0000:03:00.0");
	assert_int_equal(c->ports[0].has_ip4, 1);
	assert_int_equal(c->ports[0].ip4, ip4("10.1.2.3"));
	assert_int_equal(c->ports[0].rx_desc, 1024);
	assert_int_equal(c->ports[0].tx_desc, 1024);
	assert_int_equal(c->ports[0].promiscuous, 0);
	assert_int_equal(c->ports[0].spread, SL_SPREAD_RSS);
	assert_string_equal(c->ports[1].name, "eth1");
	assert_string_equal(c->ports[1].devargs, "net_pcap0,rx_pcap=/a=b.pcap");
	assert_int_equal(c->ports[1].has_ip4, 0);

	set_ok(c, "kafka.brokers=b1:9092");
	assert_string_equal(c->kafka_brokers, "b1:9092");

	/* kafka.producer: keys with dots, a second --set replaces in place. */
	set_ok(c, "kafka.producer.linger.ms=5");
	set_ok(c, "kafka.producer.batch.size=1000000");
	set_ok(c, "kafka.producer.linger.ms=50");
	assert_int_equal(c->n_kafka_props, 2);
	assert_string_equal(c->kafka_props[0].key, "linger.ms");
	assert_string_equal(c->kafka_props[0].value, "50");
	assert_string_equal(c->kafka_props[1].key, "batch.size");
	assert_string_equal(c->kafka_props[1].value, "1000000");

	set_ok(c, "routing.default_topic=logs.{app}");
	assert_string_equal(c->router.default_topic, "logs.{app}");
	set_ok(c, "route.auth.app=sshd,sudo");
	set_ok(c, "route.all.topic=everything");
	set_ok(c, "route.auth.topic=logs.auth");
	assert_int_equal(c->router.n_rules, 2);
	assert_string_equal(c->router.rules[0].name, "auth");
	assert_int_equal(c->router.rules[0].n_app, 2);
	assert_int_equal(c->router.rules[0].net_prefix, -1);
	assert_string_equal(c->router.rules[0].topic, "logs.auth");
	assert_string_equal(c->router.rules[1].name, "all");
	assert_int_equal(c->router.rules[1].n_app, 0);
	assert_int_equal(c->router.rules[1].facility_mask, 0);

	set_ok(c, "shutdown.drain_timeout=0");
	assert_int_equal(c->drain_timeout_ms, 0);
	set_ok(c, "stats.interval=5s");
	assert_int_equal(c->stats_interval_ms, 5000);

	/* Nothing is trimmed or unquoted on the command line. */
	set_fails(c, "dataplane.burst= 5",
		  "--set dataplane.burst= 5: burst must be 1..512, not \" 5\"", 1);
	set_ok(c, "eal.args=\"quoted\"");
	assert_string_equal(c->eal_args, "\"quoted\"");

	assert_int_equal(c->eal_hugepages, SL_HUGEPAGES_YES);
	validate_ok(c);
	free(c);
}

static void
test_set_errors(void **state)
{
	struct sl_config *c = calloc(1, sizeof(*c));
	unsigned i;

	(void)state;
	assert_non_null(c);
	sl_config_defaults(c);
	set_fails(c, "dataplane.burst=0",
		  "--set dataplane.burst=0: burst must be 1..512, not \"0\"", 1);
	assert_int_equal(c->burst, 32);
	set_fails(c, "dataplane.bursts=4",
		  "--set dataplane.bursts=4: bursts: unknown key (did you mean \"burst\"?)",
		  1);
	set_fails(c, "dataplan.burst=4",
		  "--set dataplan.burst=4: [dataplan] unknown section (did you mean [dataplane]?)",
		  1);
	set_fails(c, "input.udp.rcvbuf=1k",
		  "--set input.udp.rcvbuf=1k: rcvbuf must be a size 64k..1G", 0);
	set_fails(c, "burst=4", "--set burst=4: expected section.key=value", 1);
	set_fails(c, "dataplane.burst", "expected section.key=value", 0);
	set_fails(c, "input.udp=4", "expected section.key=value", 0);
	set_fails(c, "port.x=4", "expected section.key=value", 0);
	set_fails(c, "dataplane.=4", "expected section.key=value", 0);
	set_fails(c, "=4", "expected section.key=value", 0);
	set_fails(c, "port.a b.devargs=x", "expected section.key=value", 0);
	set_fails(c, "port.p!.devargs=x", "expected section.key=value", 0);
	set_fails(c, "route.r.topic=a{b", "--set route.r.topic=a{b: topic is not a valid topic template", 0);
	set_fails(c, "route.r.topic=", "topic must not be empty", 0);
	set_fails(c, "port.q.rx_desc=3", "rx_desc must be a power of two", 0);
	/* A failed --set does not leave the port or route it named behind. */
	assert_int_equal(c->router.n_rules, 0);
	assert_int_equal(c->n_ports, 0);
	set_fails(c, "eal.args=a\nb", "expected section.key=value", 0);

	for (i = 0; i < SL_CONFIG_MAX_PORTS; i++) {
		char a[64];

		snprintf(a, sizeof(a), "port.p%u.devargs=net_ring%u", i, i);
		set_ok(c, a);
	}
	set_fails(c, "port.one_too_many.devargs=net_null0",
		  "--set port.one_too_many.devargs=net_null0: [port.one_too_many] too many ports (at most 8)",
		  1);
	assert_int_equal(c->n_ports, SL_CONFIG_MAX_PORTS);

	for (i = 0; i < SL_CONFIG_MAX_KAFKA_PROPS; i++) {
		char a[64];

		snprintf(a, sizeof(a), "kafka.producer.p%u=v", i);
		set_ok(c, a);
	}
	set_fails(c, "kafka.producer.extra=1", "too many properties (at most 128)", 0);
	set_ok(c, "kafka.producer.p7=replaced");
	assert_string_equal(c->kafka_props[7].value, "replaced");
	free(c);
}

static void
test_routes(void **state)
{
	struct loaded *l;
	char text[SL_ROUTE_MAX_RULES * 40 + 64];
	size_t off = 0;
	unsigned i;

	(void)state;
	l = load_ok("[route.first]\napp = a\ntopic = t1\n"
		    "[route.catch_all]\ntopic = t2\n"
		    "[route.first]\nhost = h*\n");
	assert_int_equal(l->c.router.n_rules, 2);
	assert_string_equal(l->c.router.rules[0].name, "first");
	assert_int_equal(l->c.router.rules[0].n_host, 1);
	assert_string_equal(l->c.router.rules[0].host[0], "h*");
	assert_string_equal(l->c.router.rules[1].name, "catch_all");
	assert_int_equal(l->c.router.rules[1].n_app, 0);
	assert_int_equal(l->c.router.rules[1].n_host, 0);
	assert_int_equal(l->c.router.rules[1].facility_mask, 0);
	assert_int_equal(l->c.router.rules[1].net_prefix, -1);
	validate_ok(&l->c);
	free(l);

	l = load_ok("[route.r]\napp = x\n");
	validate_fails(&l->c, "[route.r] topic is required");
	free(l);

	/* Glob length limit: 127 characters fit, 128 do not. */
	{
		char g[SL_ROUTE_PATTERN_MAX + 1];

		memset(g, 'g', sizeof(g));
		g[SL_ROUTE_PATTERN_MAX - 1] = '\0';
		snprintf(text, sizeof(text), "[route.r]\napp = %s\n", g);
		free(load_ok(text));
		g[SL_ROUTE_PATTERN_MAX - 1] = 'g';
		g[SL_ROUTE_PATTERN_MAX] = '\0';
		snprintf(text, sizeof(text), "[route.r]\napp = %s\n", g);
		load_fails(text, 2, "globs of at most 127 characters", NULL);
	}

	for (i = 0; i < SL_ROUTE_MAX_RULES; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"[route.r%u]\ntopic = t\n", i);
	free(load_ok(text));
	snprintf(text + off, sizeof(text) - off, "[route.extra]\n");
	load_fails(text, SL_ROUTE_MAX_RULES * 2 + 1,
		   "[route.extra]: too many routes (at most 256)", NULL);
}

static void
test_validate(void **state)
{
	struct sl_config *c = calloc(1, sizeof(*c));
	struct loaded *l;

	(void)state;
	assert_non_null(c);
	sl_config_defaults(c);
	set_ok(c, "route.a.topic=logs");
	set_ok(c, "route.a.format=envelope");
	validate_fails(c, "topic logs gets both record and envelope routes");
	set_ok(c, "route.a.topic=logs.env");
	validate_ok(c);
	set_ok(c, "envelope.encryption=auto");
	validate_fails(c, "[envelope] encryption needs key_file");
	set_ok(c, "envelope.encryption=off");
	set_ok(c, "dataplane.rx_lcores=2");
	set_ok(c, "kafka.producers=3");
	validate_fails(c, "producers = 3 is more than the 2 worker(s)");
	set_ok(c, "kafka.producers=1");
	validate_ok(c);
	set_ok(c, "kafka.producer.queue.buffering.max.messages=2000000");
	validate_fails(c, "queue.buffering.max.messages above 1000000 needs one producer per worker");
	sl_config_defaults(c);
	set_ok(c, "input.udp.driver=dpdk");
	validate_fails(c, "[input.udp] driver = dpdk needs at least one [port.NAME] section");
	set_ok(c, "port.p0.address=198.18.0.1");
	validate_fails(c, "[port.p0] devargs is required");
	set_ok(c, "port.p0.devargs=net_ring0");
	validate_fails(c, "[input.udp] listen address 127.0.0.1 is not the address of any port");
	set_ok(c, "input.udp.listen=198.18.0.1:514");
	validate_ok(c);
	set_ok(c, "port.p1.devargs=net_ring0");
	validate_fails(c, "[port.p1] needs address or address6");
	set_ok(c, "input.udp.listen=[::]:514");
	validate_fails(c, "[port.p0] and [port.p1] have the same devargs \"net_ring0\"");
	set_ok(c, "port.p1.devargs=net_ring1");
	validate_ok(c);                    /* listen any: no address needed */
	set_ok(c, "port.p1.address6=2001:db8::6");
	set_ok(c, "input.udp.listen=[2001:db8::5]:514");
	validate_fails(c, "listen address 2001:db8::5 is not the address of any port");
	set_ok(c, "port.p1.address6=2001:db8::5");
	validate_ok(c);
	set_ok(c, "input.udp.driver=socket");
	validate_fails(c, "ports are used only with [input.udp] driver = dpdk");

	/* mbufs lower bound: 1 x (1024 + 1024) + 1 x 4096 + 1 x (32 + 256). */
	set_ok(c, "input.udp.driver=dpdk");
	set_ok(c, "dataplane.mbufs=6431");
	validate_fails(c, "[dataplane] mbufs = 6431 is too small: needs at least 6432");
	set_ok(c, "dataplane.mbufs=6432");
	validate_ok(c);
	/* Pipeline: more lcores hold bursts and caches. */
	set_ok(c, "dataplane.mode=pipeline");
	validate_fails(c, "needs at least 6720");
	set_ok(c, "dataplane.mbuf_cache=0");
	validate_ok(c);

	set_ok(c, "dataplane.ring_size=64");
	set_ok(c, "dataplane.burst=64");
	validate_fails(c, "[dataplane] burst = 64 must be smaller than ring_size = 64");
	free(c);

	/* Validate errors name the file the config came from. */
	l = load_ok("[input.udp]\ndriver = dpdk\n");
	validate_fails(&l->c, l->path);
	free(l);
}

static void
test_examples(void **state)
{
	const char *root = getenv("SL_SOURCE_ROOT");
	char dir[512], path[1024], err[ERRLEN];
	struct sl_config *c = calloc(1, sizeof(*c));
	struct dirent *e;
	unsigned n = 0;
	DIR *d;

	(void)state;
	assert_non_null(c);
	if (root == NULL)
		fail_msg("SL_SOURCE_ROOT is not set: it must name the source tree");
	snprintf(dir, sizeof(dir), "%s/deploy/examples", root);
	d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		sl_config_defaults(c);
		if (sl_config_load(c, path, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		if (sl_config_validate(c, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		n++;
	}
	closedir(d);
	assert_true(n >= 6);

	/* The pcap example as the tests use it. */
	snprintf(path, sizeof(path), "%s/pcap.conf", dir);
	sl_config_defaults(c);
	assert_int_equal(sl_config_load(c, path, err, sizeof(err)), 0);
	set_ok(c, "port.pcap0.devargs=net_pcap0,rx_pcap=/tmp/other.pcap");
	assert_int_equal(c->n_ports, 1);
	assert_string_equal(c->ports[0].devargs, "net_pcap0,rx_pcap=/tmp/other.pcap");
	assert_int_equal(c->ring_full, SL_RING_FULL_WAIT);
	assert_int_equal(c->eal_hugepages, SL_HUGEPAGES_NO);
	validate_ok(c);

	snprintf(path, sizeof(path), "%s/loopback.conf", dir);
	sl_config_defaults(c);
	assert_int_equal(sl_config_load(c, path, err, sizeof(err)), 0);
	assert_int_equal(c->driver, SL_DRIVER_SOCKET);
	assert_string_equal(c->kafka_brokers, "embedded");
	assert_string_equal(c->router.default_topic, "logs");
	assert_int_equal(c->router.n_rules, 0);
	assert_int_equal(c->stats_interval_ms, 5000);

	snprintf(path, sizeof(path), "%s/routes.conf", dir);
	sl_config_defaults(c);
	assert_int_equal(sl_config_load(c, path, err, sizeof(err)), 0);
	assert_true(c->router.n_rules >= 3);
	free(c);
}

/* The complete example of docs/configuration.md loads and validates, and
 * so does the eal.args example of the same page. */
static void
test_doc_example(void **state)
{
	const char *root = getenv("SL_SOURCE_ROOT");
	char path[512], *doc, *start, *end;
	struct loaded *l;
	long size;
	FILE *f;

	(void)state;
	if (root == NULL)
		fail_msg("SL_SOURCE_ROOT is not set: it must name the source tree");
	snprintf(path, sizeof(path), "%s/docs/configuration.md", root);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	doc = calloc(1, (size_t)size + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)size, f), (size_t)size);
	fclose(f);

	start = strstr(doc, "## A complete example");
	assert_non_null(start);
	start = strstr(start, "```ini\n");
	assert_non_null(start);
	start += strlen("```ini\n");
	end = strstr(start, "```");
	assert_non_null(end);
	*end = '\0';
	l = load_ok(start);
	assert_int_equal(l->c.mode, SL_MODE_PIPELINE);
	assert_int_equal(l->c.router.n_rules, 3);
	validate_ok(&l->c);
	free(l);

	start = strstr(doc, "      args = ");
	assert_non_null(start);
	start += strlen("      ");
	end = strchr(start, '\n');
	assert_non_null(end);
	end[1] = '\0';
	memmove(doc, "[eal]\n", 6);
	memmove(doc + 6, start, strlen(start) + 1);
	l = load_ok(doc);
	assert_string_equal(l->c.eal_args,
			    "--log-level=lib.eal:debug --vdev \"net_pcap1,rx_pcap=/data/my capture.pcap\"");
	free(l);
	free(doc);
}

/* [http]: listen (off by default, loopback unless public), public,
 * token (the mutations), top_sources. */
static void
test_http(void **state)
{
	struct sl_config *c = calloc(1, sizeof(*c));
	char buf[SL_ADDR_STRLEN];
	struct loaded *l;

	(void)state;
	assert_non_null(c);
	sl_config_defaults(c);
	assert_int_equal(c->http_enabled, 0);
	assert_int_equal(c->http_public, 0);
	assert_string_equal(c->http_token, "");
	assert_int_equal(c->http_top_sources, 50);
	validate_ok(c);

	l = load_ok("[http]\nlisten = 127.0.0.1:9514\ntop_sources = 0\n"
		    "token = abcdefghijklmnop-._~+/=\n");
	assert_int_equal(l->c.http_enabled, 1);
	sl_addr_format(&l->c.http_listen, buf);
	assert_string_equal(buf, "127.0.0.1:9514");
	assert_int_equal(l->c.http_top_sources, 0);
	assert_string_equal(l->c.http_token, "abcdefghijklmnop-._~+/=");
	validate_ok(&l->c);
	free(l);

	l = load_ok("[http]\nlisten = [::1]:80\ntop_sources = 1000\n");
	assert_int_equal(l->c.http_enabled, 1);
	assert_int_equal(l->c.http_top_sources, 1000);
	validate_ok(&l->c);
	free(l);

	/* A public address needs public = yes; the error names both keys. */
	l = load_ok("[http]\nlisten = 0.0.0.0:9514\n");
	validate_fails(&l->c, "[http] listen = 0.0.0.0:9514 is not a loopback address: set [http] public = yes");
	free(l);
	l = load_ok("[http]\nlisten = [2001:db8::1]:9514\n");
	validate_fails(&l->c, "public = yes");
	free(l);
	l = load_ok("[http]\nlisten = 198.18.0.1:9514\npublic = yes\n");
	assert_int_equal(l->c.http_public, 1);
	validate_ok(&l->c);
	free(l);
	/* public alone turns nothing on; an empty listen is off. */
	l = load_ok("[http]\npublic = yes\n");
	assert_int_equal(l->c.http_enabled, 0);
	validate_ok(&l->c);
	free(l);
	l = load_ok("[http]\nlisten =\n");
	assert_int_equal(l->c.http_enabled, 0);
	validate_ok(&l->c);
	free(l);

	/* Not on a stream listener's TCP port. */
	l = load_ok("[input.tcp]\nlisten = 127.0.0.1:5514\n"
		    "[http]\nlisten = 127.0.0.1:5514\n");
	validate_fails(&l->c, "[input.tcp] and [http] both listen on 127.0.0.1:5514");
	free(l);

	load_fails("[http]\nlisten = localhost:80\n", 2,
		   "[http] listen: must be ADDRESS:PORT", NULL);
	load_fails("[http]\nlisten = 127.0.0.1\n", 2,
		   "[http] listen: must be ADDRESS:PORT", "(or empty: off)", NULL);
	load_fails("[http]\npublic = maybe\n", 2, "[http] public: must be yes/no", NULL);
	load_fails("[http]\ntoken = short\n", 2,
		   "[http] token: must be 16..255 characters", NULL);
	load_fails("[http]\ntoken = \"with a space in it, long\"\n", 2,
		   "[http] token: must be 16..255 characters", NULL);
	load_fails("[http]\ntop_sources = 1001\n", 2,
		   "[http] top_sources: must be 0..1000", NULL);
	load_fails("[http]\nlisen = 127.0.0.1:1\n", 2,
		   "[http] lisen: unknown key (did you mean \"listen\"?)", NULL);

	set_ok(c, "http.listen=127.0.0.1:8080");
	set_ok(c, "http.token=0123456789abcdef0123");
	assert_int_equal(c->http_enabled, 1);
	assert_string_equal(c->http_token, "0123456789abcdef0123");
	set_ok(c, "http.listen=");
	assert_int_equal(c->http_enabled, 0);
	set_ok(c, "http.token=");
	assert_string_equal(c->http_token, "");
	set_fails(c, "http.top_sources=-1", "top_sources must be 0..1000", 0);
	free(c);

	/* deploy/examples/loopback.conf serves HTTP on loopback (issue 5). */
	{
		const char *root = getenv("SL_SOURCE_ROOT");
		char path[512], err[ERRLEN];

		assert_non_null(root);
		snprintf(path, sizeof(path), "%s/deploy/examples/loopback.conf", root);
		c = calloc(1, sizeof(*c));
		assert_non_null(c);
		sl_config_defaults(c);
		assert_int_equal(sl_config_load(c, path, err, sizeof(err)), 0);
		assert_int_equal(c->http_enabled, 1);
		sl_addr_format(&c->http_listen, buf);
		assert_string_equal(buf, "127.0.0.1:9514");
		validate_ok(c);
		free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_key_table),
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_unknown_section),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_crlf_and_whitespace),
		cmocka_unit_test(test_workers_follow_rx_lcores),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_http),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
