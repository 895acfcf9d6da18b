/* sl_blast_net.c: the --target of sluice-blast's socket modes (udp, tcp,
 * relp): its syntax and its resolution. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_blast.h"

int
sl_blast_port_parse(const char *text, uint16_t *port)
{
	unsigned long p;
	char *end;

	errno = 0;
	p = strtoul(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 ||
	    p == 0 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

/* Splits "HOST:PORT" or "[HOST]:PORT" into host and port. Returns 0, or
 * -1 when it is neither. */
static int
split_target(const char *target, char *host, size_t hostlen, char *port,
	     size_t portlen)
{
	const char *colon, *h = target;
	size_t n;
	uint16_t p;

	if (target[0] == '[') {
		const char *close = strchr(target, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		h = target + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(target, ':');
		if (colon == NULL || memchr(target, ':', (size_t)(colon - target)))
			return -1;
		n = (size_t)(colon - target);
	}
	if (n == 0 || n >= hostlen || strlen(colon + 1) >= portlen ||
	    sl_blast_port_parse(colon + 1, &p) != 0)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

int
sl_blast_target_check(const char *target)
{
	char host[256], port[8];

	if (split_target(target, host, sizeof(host), port, sizeof(port)) != 0) {
		fprintf(stderr, "sluice-blast: bad --target \"%s\": want "
			"HOST:PORT or [IPV6]:PORT\n", target);
		return -1;
	}
	return 0;
}

int
sl_blast_target_resolve(const char *target, int socktype, const char *mode,
			struct sockaddr_storage *addr, socklen_t *addr_len)
{
	struct addrinfo hints, *ai;
	char host[256], port[8];
	int rc;

	if (split_target(target, host, sizeof(host), port, sizeof(port)) != 0) {
		fprintf(stderr, "sluice-blast: bad --target \"%s\"\n", target);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "sluice-blast: %s %s: %s\n", mode, target,
			gai_strerror(rc));
		return -1;
	}
	memcpy(addr, ai->ai_addr, ai->ai_addrlen);
	*addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int
sl_blast_bind_source(int fd, const struct sockaddr_storage *addr,
		     unsigned idx, unsigned sources, const char *mode)
{
	const struct sockaddr_in *to = (const struct sockaddr_in *)addr;
	struct sockaddr_in from;

	if (sources <= 1)
		return 0;
	/* Only loopback has a whole /8 of our own to send from. */
	if (addr->ss_family != AF_INET ||
	    (ntohl(to->sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "sluice-blast: %s: --sources needs an IPv4 "
			"loopback --target (127.x.x.x)\n", mode);
		return -1;
	}
	memset(&from, 0, sizeof(from));
	from.sin_family = AF_INET;
	from.sin_addr.s_addr = htonl(0x7f000001u + idx % sources);
	if (bind(fd, (const struct sockaddr *)&from, sizeof(from)) == -1) {
		fprintf(stderr, "sluice-blast: %s: bind to 127.0.0.%u: %s\n",
			mode, 1 + idx % sources, strerror(errno));
		return -1;
	}
	return 0;
}
