/* sl_sockudp.c: kernel UDP socket input with recvmmsg into mbufs. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/sock_diag.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "sl_meta.h"
#include "sl_sockudp.h"
#include "sl_stats.h"

static void
to_sockaddr(const struct sl_addr *a, struct sockaddr_storage *ss,
	    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->ip, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->ip, 4);
		*len = sizeof(*s4);
	}
}

struct sl_sockudp *
sl_sockudp_open(const struct sl_addr *listen, unsigned rcvbuf, int reuseport,
		unsigned burst, uint32_t max_message, uint16_t input,
		struct rte_mempool *mp, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sl_sockudp *s;
	char text[SL_ADDR_STRLEN];
	socklen_t sslen;
	int one = 1, size = (int)rcvbuf;

	sl_addr_format(listen, text);
	s = rte_zmalloc("sl_sockudp", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (s == NULL) {
		snprintf(err, errlen, "udp %s: out of memory", text);
		return NULL;
	}
	s->fd = -1;
	s->burst = RTE_MIN(burst, (unsigned)SL_BURST_MAX);
	s->input = input;
	s->max_message = max_message;
	s->mp = mp;
	s->stats = sl_stats_self();
	/* A datagram longer than max_message is dropped anyway: the overflow
	 * slot needs room for max_message (MSG_TRUNC flags anything longer). */
	s->slot = RTE_MIN(max_message, (uint32_t)SL_SOCKUDP_MAX_DGRAM);
	s->overflow = rte_malloc("sl_sockudp_overflow",
				 (size_t)s->burst * s->slot, 0);
	if (s->overflow == NULL) {
		snprintf(err, errlen, "udp %s: out of memory", text);
		goto fail;
	}
	s->fd = socket(listen->family == AF_INET6 ? AF_INET6 : AF_INET,
		       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1) {
		snprintf(err, errlen, "udp %s: socket: %s", text, strerror(errno));
		goto fail;
	}
	if (reuseport &&
	    setsockopt(s->fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == -1) {
		snprintf(err, errlen, "udp %s: SO_REUSEPORT: %s", text,
			 strerror(errno));
		goto fail;
	}
	if (setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) == -1) {
		snprintf(err, errlen, "udp %s: SO_RXQ_OVFL: %s", text,
			 strerror(errno));
		goto fail;
	}
	/* SO_RCVBUFFORCE ignores net.core.rmem_max (root only); fall back to
	 * SO_RCVBUF, which the kernel silently caps, for other users. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == -1 &&
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1) {
		snprintf(err, errlen, "udp %s: SO_RCVBUF %u: %s", text, rcvbuf,
			 strerror(errno));
		goto fail;
	}
	to_sockaddr(listen, &ss, &sslen);
	if (bind(s->fd, (struct sockaddr *)&ss, sslen) == -1) {
		snprintf(err, errlen, "udp %s: bind: %s", text, strerror(errno));
		goto fail;
	}
	return s;
fail:
	sl_sockudp_close(s);
	return NULL;
}

void
sl_sockudp_close(struct sl_sockudp *s)
{
	unsigned i;

	if (s == NULL)
		return;
	if (s->fd != -1)
		close(s->fd);
	for (i = 0; i < s->burst; i++)
		rte_pktmbuf_free(s->mbufs[i]);
	rte_free(s->overflow);
	rte_free(s);
}

/* Makes every slot point at an mbuf, setting up only the slots the last
 * read filled and those not armed yet. Returns the number of armed slots
 * (a prefix of the burst; fewer when the pool runs dry). */
static unsigned
arm(struct sl_sockudp *s)
{
	unsigned i;

	for (i = 0; i < s->burst; i++) {
		struct rte_mbuf *m = s->mbufs[i];

		if (i >= s->stale && i < s->armed)
			continue;
		if (m == NULL) {
			m = rte_pktmbuf_alloc(s->mp);
			if (m == NULL)
				break;
			s->mbufs[i] = m;
		}
		s->iov[i][0].iov_base = rte_pktmbuf_mtod(m, void *);
		s->iov[i][0].iov_len = rte_pktmbuf_tailroom(m);
		s->iov[i][1].iov_base = s->overflow + (size_t)i * s->slot;
		s->iov[i][1].iov_len = s->slot;
		s->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &s->from[i],
			.msg_namelen = sizeof(s->from[i]),
			.msg_iov = s->iov[i],
			.msg_iovlen = 2,
			.msg_control = s->control[i].buf,
			.msg_controllen = sizeof(s->control[i].buf),
		};
	}
	s->armed = i;
	s->stale = 0;
	return i;
}

/* Reads what is queued into the armed slots, without waiting. Returns
 * what recvmmsg() returns. */
static int
read_burst(struct sl_sockudp *s, unsigned armed)
{
	int got = recvmmsg(s->fd, s->msgs, armed, MSG_DONTWAIT, NULL);

	s->drained = got < (int)armed;
	if (got > 0)
		s->stale = (unsigned)got;
	return got;
}

unsigned
sl_sockudp_discard(struct sl_sockudp *s)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() / 10;
	uint32_t meminfo[SK_MEMINFO_VARS];
	socklen_t len = sizeof(meminfo);
	unsigned total = 0, armed;
	int got;

	armed = arm(s);
	while (armed > 0 && rte_rdtsc() < deadline) {
		got = read_burst(s, armed);
		if (got <= 0)
			break;
		total += (unsigned)got;
		armed = arm(s);
	}
	SL_STAT_DROP(s->stats, SL_DROP_SHUTDOWN, total);
	if (getsockopt(s->fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len) == 0 &&
	    len >= (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t) &&
	    meminfo[SK_MEMINFO_DROPS] != s->kernel_drops) {
		uint32_t more = meminfo[SK_MEMINFO_DROPS] - s->kernel_drops;

		SL_STAT_DROP(s->stats, SL_DROP_SOCKET_FULL, more);
		s->kernel_drops = meminfo[SK_MEMINFO_DROPS];
		total += more;
	}
	return total;
}

int
sl_sockudp_drained(const struct sl_sockudp *s)
{
	return s->drained;
}

void
sl_sockudp_bind(struct sl_sockudp *s)
{
	s->stats = sl_stats_self();
}

/* Copies the part of datagram i beyond its first mbuf into chained
 * segments. Returns 0, or -1 when the pool ran dry (the chain so far is
 * freed with the head by the caller). */
static int
spill(struct sl_sockudp *s, unsigned i, struct rte_mbuf *head, uint32_t rest)
{
	const uint8_t *from = s->iov[i][1].iov_base;
	struct rte_mbuf *tail = head;

	while (rest > 0) {
		struct rte_mbuf *seg = rte_pktmbuf_alloc(s->mp);
		uint32_t n;

		if (seg == NULL)
			return -1;
		n = RTE_MIN(rest, (uint32_t)rte_pktmbuf_tailroom(seg));
		memcpy(rte_pktmbuf_mtod(seg, void *), from, n);
		seg->data_len = (uint16_t)n;
		tail->next = seg;
		tail = seg;
		head->nb_segs++;
		head->pkt_len += n;
		from += n;
		rest -= n;
	}
	return 0;
}

/* Counts the kernel's socket drops reported with datagram i. The count
 * is cumulative and wraps at 2^32; unsigned subtraction handles that. */
static void
count_kernel_drops(struct sl_sockudp *s, unsigned i)
{
	struct msghdr *h = &s->msgs[i].msg_hdr;
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		uint32_t total;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL)
			continue;
		memcpy(&total, CMSG_DATA(c), sizeof(total));
		if (total != s->kernel_drops) {
			SL_STAT_DROP(s->stats, SL_DROP_SOCKET_FULL,
				     (uint32_t)(total - s->kernel_drops));
			s->kernel_drops = total;
		}
	}
}

static void
fill_source(struct sl_meta *meta, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			uint32_t v4;

			memcpy(&v4, &s6->sin6_addr.s6_addr[12], 4);
			sl_addr_set_v4(&meta->src, v4, ntohs(s6->sin6_port));
		} else {
			sl_addr_set_v6(&meta->src, s6->sin6_addr.s6_addr,
				       ntohs(s6->sin6_port));
		}
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		sl_addr_set_v4(&meta->src, s4->sin_addr.s_addr,
			       ntohs(s4->sin_port));
	}
	meta->src_hash = sl_addr_hash(&meta->src);
}

unsigned
sl_sockudp_rx(struct sl_sockudp *s, struct rte_mbuf **out, uint64_t rx_ns)
{
	unsigned armed, i, n_out = 0;
	uint64_t bytes = 0;
	int got;

	/* With the pool empty nothing is read: the datagrams wait in the
	 * socket buffer, and what overflows it the kernel counts. */
	armed = arm(s);
	if (armed == 0)
		return 0;
	got = read_burst(s, armed);
	if (got <= 0)
		return 0;
	for (i = 0; i < (unsigned)got; i++) {
		struct rte_mbuf *m = s->mbufs[i];
		uint32_t len = s->msgs[i].msg_len;
		uint32_t room = (uint32_t)s->iov[i][0].iov_len;
		struct sl_meta *meta;

		bytes += len;
		count_kernel_drops(s, i);
		if (len == 0) {
			SL_STAT_DROP(s->stats, SL_DROP_EMPTY, 1);
			continue;
		}
		if (len > s->max_message || (s->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			SL_STAT_DROP(s->stats, SL_DROP_OVERSIZE, 1);
			continue;
		}
		s->mbufs[i] = NULL;
		m->data_len = (uint16_t)RTE_MIN(len, room);
		m->pkt_len = m->data_len;
		if (len > room && spill(s, i, m, len - room) != 0) {
			rte_pktmbuf_free(m);
			SL_STAT_DROP(s->stats, SL_DROP_NOMBUF, 1);
			continue;
		}
		meta = sl_meta(m);
		meta->rx_ns = rx_ns;
		meta->input = s->input;
		meta->flags = 0;
		fill_source(meta, &s->from[i]);
		out[n_out++] = m;
	}
	SL_STAT_ADD(s->stats, rx_packets, (unsigned)got);
	SL_STAT_ADD(s->stats, rx_bytes, bytes);
	return n_out;
}
