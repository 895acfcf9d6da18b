/* sl_blast_memif.c: sluice-blast's memif mode. The frames of the pcap
 * mode (sl_blast_frame.h) go over a DPDK net_memif port, so sluiced's
 * DPDK path is measured without a NIC or the kernel in between. EAL runs
 * in plain memory (--no-huge --no-shconf and a file prefix of its own:
 * no hugepages, nothing shared with sluiced's EAL) on one lcore; the memif port is the client of sluiced's
 * server socket (deploy/examples/memif.conf) or, with --role server, the
 * server sluiced connects to.
 *
 * A full ring is backpressure: the rest of the burst is offered again
 * (each retry counted in errors) until it goes, so no message is lost
 * on this side. Pacing (--rate) is sl_blast_pace. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>

#include "sl_blast.h"
#include "sl_blast_run.h"
#include "sl_blast_frame.h"

#define MEMIF_PORT_NAME "net_memif0"
#define MEMIF_LINGER_MS 1000
#define MEMIF_POOL_SIZE 8191u
#define MEMIF_POOL_CACHE 256u
#define MEMIF_RING 1024u
#define MEMIF_LINK_WAIT_NS 30000000000ull
#define MEMIF_EAL_ARGS 14

/* State of one memif run. burst[0, n_burst) are frames made but not yet
 * sent (at most 2 * batch: a message's fragments may go past batch);
 * fail is set when an mbuf could not be had. */
struct memif_run {
	const struct sl_blast_opts *o;
	struct sl_blast_frame_dst dst;
	uint16_t port;
	struct rte_mempool *pool;
	struct rte_mbuf **burst;
	unsigned n_burst;
	unsigned burst_max;
	int fail;
	struct sl_blast_result *res;
};

static int
memif_check(const struct sl_blast_opts *o)
{
	struct sl_blast_frame_dst d;

	if (sl_blast_frame_dst_parse(o, &d) != 0)
		return -1;
	if (o->hosts > SL_BLAST_FRAME_MAX_HOSTS) {
		fprintf(stderr, "sluice-blast: --hosts %u: memif mode has "
			"addresses for %u hosts\n", o->hosts,
			SL_BLAST_FRAME_MAX_HOSTS);
		return -1;
	}
	if (o->socket[0] == '\0' || strchr(o->socket, ',') != NULL ||
	    strlen(o->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "sluice-blast: bad --socket \"%s\": a path "
			"without ',' shorter than %zu bytes\n", o->socket,
			sizeof(((struct sockaddr_un *)0)->sun_path));
		return -1;
	}
	return 0;
}

/* Hands burst[0, n_burst) to the port, offering what a full ring refused
 * again until it is taken. When the run stops meanwhile the rest is
 * freed unsent. */
static void
flush_burst(struct memif_run *r)
{
	unsigned done = 0;

	while (done < r->n_burst) {
		done += rte_eth_tx_burst(r->port, 0, r->burst + done,
					 (uint16_t)(r->n_burst - done));
		if (done == r->n_burst)
			break;
		r->res->errors++;
		if (sl_blast_stopping()) {
			rte_pktmbuf_free_bulk(r->burst + done, r->n_burst - done);
			break;
		}
		rte_pause();
	}
	r->res->frames += done;
	r->n_burst = 0;
}

/* sl_blast_frame_out: copies a frame into an mbuf of the burst. */
static void
add_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct memif_run *r = arg;
	struct rte_mbuf *m;
	char *p;

	if (r->n_burst == r->burst_max)
		flush_burst(r);
	m = rte_pktmbuf_alloc(r->pool);
	if (m == NULL) {
		r->fail = 1;
		return;
	}
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		r->fail = 1;
		return;
	}
	memcpy(p, frame, len);
	r->burst[r->n_burst++] = m;
}

/* Frees whatever sluiced sends back (ARP, ICMP): the ring must not fill. */
static void
drain_rx(struct memif_run *r)
{
	struct rte_mbuf *rx[32];
	uint16_t n;

	while ((n = rte_eth_rx_burst(r->port, 0, rx, RTE_DIM(rx))) > 0)
		rte_pktmbuf_free_bulk(rx, n);
}

/* Starts EAL with the memif port. Returns 0, or -1 after printing why. */
static int
eal_start(const struct sl_blast_opts *o)
{
	char vdev[160], lcore[16], prefix[48];
	char *argv[MEMIF_EAL_ARGS];
	cpu_set_t set;
	int argc = 0, cpu = 0;

	/* The main lcore runs on a CPU this process may use. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
			cpu++;
	snprintf(lcore, sizeof(lcore), "%d", cpu);
	snprintf(prefix, sizeof(prefix), "--file-prefix=sluice-blast-%ld",
		 (long)getpid());
	snprintf(vdev, sizeof(vdev), "--vdev=" MEMIF_PORT_NAME ",role=%s,socket=%s",
		 o->memif_server ? "server" : "client", o->socket);
	argv[argc++] = (char *)(uintptr_t)"sluice-blast";
	argv[argc++] = (char *)(uintptr_t)"-l";
	argv[argc++] = lcore;
	argv[argc++] = (char *)(uintptr_t)"--no-huge";
	argv[argc++] = (char *)(uintptr_t)"-m";
	argv[argc++] = (char *)(uintptr_t)"256";
	argv[argc++] = (char *)(uintptr_t)"--no-shconf";
	argv[argc++] = prefix;
	argv[argc++] = (char *)(uintptr_t)"--no-pci";
	argv[argc++] = (char *)(uintptr_t)"--log-level=*:warning";
	argv[argc++] = vdev;
	argv[argc] = NULL;
	/* EAL logs to stdout by default; stdout carries only the summary. */
	rte_openlog_stream(stderr);
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "sluice-blast: memif: EAL: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* Sets the port up: one queue each way, started, link up. Returns 0, or
 * -1 after printing why. */
static int
port_start(struct memif_run *r)
{
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	uint64_t end;
	int rc;

	if (rte_eth_dev_get_port_by_name(MEMIF_PORT_NAME, &r->port) != 0) {
		fprintf(stderr, "sluice-blast: memif: no port %s\n",
			MEMIF_PORT_NAME);
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(r->port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(r->port, 0, MEMIF_RING, SOCKET_ID_ANY,
					    NULL, r->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(r->port, 0, MEMIF_RING, SOCKET_ID_ANY,
					    NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(r->port);
	if (rc != 0) {
		fprintf(stderr, "sluice-blast: memif: port set-up: %s\n",
			rte_strerror(-rc));
		return -1;
	}
	end = sl_blast_mono_ns() + MEMIF_LINK_WAIT_NS;
	for (;;) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(r->port, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (sl_blast_stopping() || sl_blast_mono_ns() >= end)
			break;
		sl_blast_sleep_ns(10000000u);
	}
	fprintf(stderr, "sluice-blast: memif %s: no peer connected in %llu s\n",
		r->o->socket,
		(unsigned long long)(MEMIF_LINK_WAIT_NS / 1000000000u));
	return -1;
}

/* Sends until the count, the time or a signal says stop. Returns 0, or
 * -1 when mbufs ran out. */
static int
send_loop(struct memif_run *r, struct sl_blast_gen *gen, uint8_t *frame,
	  uint8_t *frag, uint64_t *seq)
{
	const struct sl_blast_opts *o = r->o;
	struct sl_blast_result *res = r->res;
	uint64_t quota = o->count == 0 ? UINT64_MAX : o->count;
	uint64_t now, ns, start, deadline = 0;
	struct sl_blast_progress prog;
	struct sl_blast_pace pace;
	unsigned h = 0, want, i;

	start = sl_blast_mono_ns();
	sl_blast_pace_init(&pace, o->rate, o->batch, start);
	if (o->duration_ns != 0)
		deadline = start + o->duration_ns;
	sl_blast_progress_start(&prog, start);
	while (!sl_blast_stopping() && res->sent < quota && !r->fail) {
		uint64_t left = quota - res->sent, t_ns;

		now = sl_blast_mono_ns();
		if (deadline != 0 && now >= deadline)
			break;
		want = (unsigned)(left < pace.slice ? left : pace.slice);
		ns = sl_blast_pace_due(&pace, want, now);
		if (ns != 0) {
			drain_rx(r);
			sl_blast_sleep_ns(ns);
			continue;
		}
		sl_blast_pace_take(&pace, want);
		t_ns = sl_blast_wall_ns();
		for (i = 0; i < want && !r->fail; i++) {
			size_t len = sl_blast_gen_next(gen, h, ++seq[h], t_ns,
						       (char *)frame +
						       SL_BLAST_FRAME_HDRS);

			sl_blast_frame_build(&r->dst, o->mtu, h, (uint16_t)seq[h],
					     frame, len, frag, add_frame, r);
			if (r->fail)
				break;
			res->sent++;
			res->bytes += len;
			if (++h == o->hosts)
				h = 0;
		}
		flush_burst(r);
		drain_rx(r);
		res->seconds = (double)(sl_blast_mono_ns() - start) / 1e9;
		sl_blast_progress_update(&prog, "memif", res);
	}
	sl_blast_progress_end(&prog);
	if (r->fail) {
		fprintf(stderr, "sluice-blast: memif: out of mbufs\n");
		return -1;
	}
	return 0;
}

/* Keeps the port up for ms milliseconds, reading (and freeing) what the
 * peer sends back meanwhile. */
static void
linger(struct memif_run *r, unsigned ms)
{
	uint64_t end = sl_blast_mono_ns() + (uint64_t)ms * 1000000u;

	while (sl_blast_mono_ns() < end) {
		drain_rx(r);
		rte_delay_us_sleep(10000);
	}
}

static int
memif_run(const struct sl_blast_opts *o, struct sl_blast_result *res)
{
	struct memif_run r = { .o = o, .res = res };
	struct sl_blast_gen gen;
	uint8_t *frame = NULL, *frag = NULL;
	uint64_t *seq = NULL;
	unsigned data_room;
	int rc = -1, port_up = 0;

	sl_blast_frame_dst_parse(o, &r.dst);
	if (eal_start(o) != 0)
		return -1;
	sl_blast_gen_init(&gen, o->corpus, o->format, o->sites, 0);
	frame = malloc(SL_BLAST_FRAME_HDRS + sl_blast_gen_room(&gen));
	frag = malloc(SL_BLAST_FRAME_ETH + o->mtu);
	seq = calloc(o->hosts, sizeof(*seq));
	r.burst_max = 2 * o->batch;
	r.burst = calloc(r.burst_max, sizeof(*r.burst));
	if (frame == NULL || frag == NULL || seq == NULL || r.burst == NULL) {
		fprintf(stderr, "sluice-blast: memif: out of memory\n");
		goto out;
	}
	/* One mbuf holds any frame: at most the MTU and its Ethernet header. */
	data_room = RTE_PKTMBUF_HEADROOM + SL_BLAST_FRAME_ETH + o->mtu;
	if (data_room < RTE_MBUF_DEFAULT_BUF_SIZE)
		data_room = RTE_MBUF_DEFAULT_BUF_SIZE;
	r.pool = rte_pktmbuf_pool_create("blast", MEMIF_POOL_SIZE,
					 MEMIF_POOL_CACHE, 0, (uint16_t)data_room,
					 SOCKET_ID_ANY);
	if (r.pool == NULL) {
		fprintf(stderr, "sluice-blast: memif: mbuf pool: %s\n",
			rte_strerror(rte_errno));
		goto out;
	}
	port_up = 1;
	if (port_start(&r) != 0)
		goto out;
	rc = send_loop(&r, &gen, frame, frag, seq);
	/* What the last bursts put in the shared ring is the peer's to take:
	 * closing the port at once would take it away. memif tells the
	 * sender nothing of the peer's progress, so the port lingers. */
	if (rc == 0)
		linger(&r, MEMIF_LINGER_MS);
out:
	if (port_up) {
		rte_eth_dev_stop(r.port);
		rte_eth_dev_close(r.port);
	}
	rte_mempool_free(r.pool);
	rte_eal_cleanup();
	free(frame);
	free(frag);
	free(seq);
	free(r.burst);
	return rc;
}

const struct sl_blast_mode sl_blast_mode_memif = {
	.name = "memif",
	.synopsis = "[--socket PATH] [--role client|server] [--dst IP:PORT] "
		    "[--dst-mac MAC]\n"
		    "                   [--corpus DIR|--file FILE] [--count N] "
		    "[--rate MSGS_PER_S]\n"
		    "                   [--sites S] [--hosts H] "
		    "[--format 3164|5424] [--batch B]\n"
		    "                   [--mtu 1500] [--duration SECONDS]",
	.options = SL_BLAST_OPT_SOCKET | SL_BLAST_OPT_ROLE | SL_BLAST_OPT_DST |
		   SL_BLAST_OPT_DST_MAC | SL_BLAST_OPT_CORPUS | SL_BLAST_OPT_FILE |
		   SL_BLAST_OPT_COUNT | SL_BLAST_OPT_RATE | SL_BLAST_OPT_SITES |
		   SL_BLAST_OPT_HOSTS | SL_BLAST_OPT_FORMAT | SL_BLAST_OPT_BATCH |
		   SL_BLAST_OPT_MTU | SL_BLAST_OPT_DURATION,
	.required = 0,
	.check = memif_check,
	.run = memif_run,
};
