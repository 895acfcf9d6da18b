/* sl_meta.c: source-address text forms and network matching. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_meta.h"

size_t
sl_addr_format_ip(const struct sl_addr *a, char *buf)
{
	if (inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->ip, buf,
		      SL_ADDR_STRLEN) == NULL) {
		buf[0] = '\0';
		return 0;
	}
	return strlen(buf);
}

size_t
sl_addr_format(const struct sl_addr *a, char *buf)
{
	char ip[SL_ADDR_STRLEN];
	int n;

	sl_addr_format_ip(a, ip);
	if (a->family == AF_INET6)
		n = snprintf(buf, SL_ADDR_STRLEN, "[%s]:%u", ip, a->port);
	else
		n = snprintf(buf, SL_ADDR_STRLEN, "%s:%u", ip, a->port);
	return n < 0 ? 0 : (size_t)n;
}

/* Parses a decimal port 0..65535 that makes up all of text. */
static int
parse_port(const char *text, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*text < '0' || *text > '9')
		return -1;
	v = strtoul(text, &end, 10);
	if (*end != '\0' || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
sl_addr_parse(const char *text, struct sl_addr *a)
{
	char host[SL_ADDR_STRLEN];
	const char *port_text = NULL;
	uint16_t port = 0;
	uint8_t ip[16];
	size_t hlen;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (close == NULL)
			return -1;
		hlen = (size_t)(close - text - 1);
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != '\0')
			return -1;
		text++;
	} else {
		const char *colon = strrchr(text, ':');

		/* More than one colon without brackets: a bare IPv6 address. */
		if (colon != NULL && strchr(text, ':') == colon) {
			hlen = (size_t)(colon - text);
			port_text = colon + 1;
		} else {
			hlen = strlen(text);
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (port_text != NULL && parse_port(port_text, &port) != 0)
		return -1;
	if (inet_pton(AF_INET, host, ip) == 1) {
		uint32_t v4;

		memcpy(&v4, ip, 4);
		sl_addr_set_v4(a, v4, port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, ip) == 1) {
		sl_addr_set_v6(a, ip, port);
		return 0;
	}
	return -1;
}

int
sl_net_parse(const char *text, struct sl_addr *a, unsigned *prefix)
{
	char buf[SL_ADDR_STRLEN];
	const char *slash = strchr(text, '/');
	unsigned max, p, i;
	size_t len = slash ? (size_t)(slash - text) : strlen(text);

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (strchr(buf, '[') != NULL || sl_addr_parse(buf, a) != 0 || a->port != 0)
		return -1;
	max = a->family == AF_INET ? 32 : 128;
	p = max;
	if (slash != NULL) {
		char *end;
		unsigned long v;

		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		v = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || v > max)
			return -1;
		p = (unsigned)v;
	}
	for (i = 0; i < max / 8; i++) {
		unsigned keep = p > i * 8 ? p - i * 8 : 0;

		if (keep < 8)
			a->ip[i] &= (uint8_t)(0xff00u >> keep);
	}
	*prefix = p;
	return 0;
}

int
sl_net_contains(const struct sl_addr *net, unsigned prefix,
		const struct sl_addr *a)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (net->family != a->family)
		return 0;
	if (memcmp(net->ip, a->ip, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((net->ip[full] ^ a->ip[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}
