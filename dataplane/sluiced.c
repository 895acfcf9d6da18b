/* sluiced: the appliance daemon.
 *
 * lcore roles, as DESIGN.md draws them:
 *   main lcore     control: signals, periodic counters, the shutdown
 *                  sequence; hosts the embedded Kafka when configured.
 *   receive lcore  polls its inputs (a DPDK queue of every port, or its own
 *                  SO_REUSEPORT socket) and dispatches each message to the
 *                  ring of the worker that owns its source.
 *   worker lcore   dequeues, parses, routes and produces to Kafka on its
 *                  own producer; serves that producer's delivery reports
 *                  and sends RELP answers back to the stream lcores.
 *   stream lcore   (when a TCP, TLS or RELP listener is on) accepts
 *                  kernel TCP connections, frames their messages into the
 *                  rings like a receive lcore, and answers RELP commands
 *                  once their worker reports the Kafka outcome.
 * In run-to-completion mode lcore i is receive lcore i and worker i at
 * once (small boxes); in pipeline mode the roles are separate lcores.
 *
 * Shutdown (SIGTERM, SIGINT): receive lcores stop taking input and hand
 * off what they hold, workers empty their rings, then every producer
 * flushes; all of it within [shutdown] drain_timeout, after which what is
 * left is counted as dropped at shutdown and reported.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <systemd/sd-daemon.h>

#include "sl_config.h"
#include "sl_ethdev.h"
#include "sl_exception.h"
#include "sl_kafka.h"
#include "sl_envelope.h"
#include "sl_http.h"
#include "sl_kafka_embedded.h"
#include "sl_keyfeed.h"
#include "sl_keys.h"
#include "sl_log.h"
#include "sl_mempool.h"
#include "sl_observe.h"
#include "sl_meta.h"
#include "sl_ring.h"
#include "sl_sockudp.h"
#include "sl_source.h"
#include "sl_stats.h"
#include "sl_stream.h"
#include "sl_telemetry.h"
#include "sl_tls.h"
#include "sl_worker.h"

#define EAL_ARGV_MAX 64
#define IDLE_ROUNDS_BEFORE_SLEEP 256

/* What one lcore runs. Invariants: has_rx implies disp != NULL and either
 * sock or n_rxq > 0; worker may be NULL (pipeline receive lcore). */
struct lcore_role {
	int has_rx;
	struct sl_dispatcher *disp;
	struct sl_sockudp *sock;
	unsigned n_rxq;
	struct sl_ethdev_rxq *rxq[SL_CONFIG_MAX_PORTS];
	struct sl_worker *worker;
	struct sl_stream *stream;   /* a stream lcore (no other role) */
	unsigned idle_sleep_us;
	int sock_drained;   /* shutdown: the socket had nothing queued */
};

/* State shared between the main lcore and the data path. Written by main
 * only (rx_stop, deadline) or counted down once per receive lcore
 * (rx_running); everything else is set before launch. */
static struct {
	int rx_stop;
	uint64_t deadline_tsc;
	unsigned rx_running;
	unsigned producing;   /* workers still producing at shutdown */
	unsigned n_pollers;   /* workers that poll a producer */
	unsigned drained;     /* of those, how many drained theirs */
} run;

static struct lcore_role roles[RTE_MAX_LCORE];

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One receive round: finish a held hand-off first (ring_full = wait),
 * else read one burst from each input and dispatch it. Returns the number
 * of messages read. */
static unsigned
rx_round(struct lcore_role *r)
{
	struct rte_mbuf *msgs[SL_BURST_MAX];
	uint64_t now_ns;
	unsigned i, n, total = 0;

	if (sl_dispatch_pending(r->disp) > 0 &&
	    sl_dispatch_flush(r->disp) > 0)
		return 0;
	now_ns = wall_ns();
	if (r->sock != NULL) {
		n = sl_sockudp_rx(r->sock, msgs, now_ns);
		if (n > 0)
			sl_dispatch(r->disp, msgs, n);
		return n;
	}
	for (i = 0; i < r->n_rxq; i++) {
		n = sl_ethdev_rx(r->rxq[i], msgs, now_ns);
		if (n == 0)
			continue;
		total += n;
		if (sl_dispatch(r->disp, msgs, n) > 0)
			break;
	}
	return total;
}

static void
idle_wait(struct lcore_role *r, unsigned *idle_rounds)
{
	if (++*idle_rounds < IDLE_ROUNDS_BEFORE_SLEEP || r->idle_sleep_us == 0) {
		rte_pause();
		return;
	}
	rte_delay_us_sleep(r->idle_sleep_us);
}

/* A stream lcore: serves its connections until the stop, then hands off
 * what it framed (it counts as a receiver until then), keeps answering
 * until every message it handed off has its answer or the bound runs
 * out, and ends the sessions (RELP "serverclose"). */
static void
stream_main(struct lcore_role *r)
{
	struct sl_stream *s = r->stream;
	uint64_t deadline;
	int handed_off = 0;

	sl_stream_bind(s);
	while (!__atomic_load_n(&run.rx_stop, __ATOMIC_ACQUIRE))
		sl_stream_poll(s, r->idle_sleep_us);
	deadline = __atomic_load_n(&run.deadline_tsc, __ATOMIC_ACQUIRE);
	sl_stream_stop(s);
	while (rte_rdtsc() < deadline) {
		sl_stream_poll(s, r->idle_sleep_us);
		if (!handed_off && sl_stream_handed_off(s)) {
			__atomic_fetch_sub(&run.rx_running, 1, __ATOMIC_RELEASE);
			handed_off = 1;
		}
		if (handed_off && sl_stream_pending(s) == 0)
			break;
	}
	if (sl_stream_pending(s) > 0)
		SL_LOG(WARNING, "stream %u: %u answer(s) not back before the shutdown bound; their senders will resend",
		       s->id, sl_stream_pending(s));
	sl_stream_close_all(s);
	if (!handed_off)
		__atomic_fetch_sub(&run.rx_running, 1, __ATOMIC_RELEASE);
}

/* Receive side of the shutdown, one step: socket inputs are read until
 * the kernel has nothing queued (those datagrams were received before the
 * stop); DPDK ports are not polled any more. Returns 1 once this lcore
 * holds no input: the dispatcher has handed everything off. */
static int
rx_finish_step(struct lcore_role *r)
{
	if (r->sock != NULL && !r->sock_drained &&
	    sl_dispatch_pending(r->disp) == 0) {
		if (rx_round(r) > 0)
			return 0;
		r->sock_drained = 1;
	}
	return sl_dispatch_pending(r->disp) == 0 ||
	       sl_dispatch_flush(r->disp) == 0;
}

/* Ends this lcore's receive role: what it still holds (the bound ran
 * out) and what is still queued in its socket is counted as dropped at
 * shutdown. */
static void
rx_close(struct lcore_role *r)
{
	sl_dispatch_discard(r->disp, SL_DROP_SHUTDOWN);
	if (r->sock != NULL)
		sl_sockudp_discard(r->sock);
	__atomic_fetch_sub(&run.rx_running, 1, __ATOMIC_RELEASE);
}

/* The shutdown sequence of one lcore, whatever its roles: hand off what
 * the receive side holds, and keep the worker side running (in run to
 * completion, this lcore consumes its own rings, so both must progress
 * together) until every receive lcore is done and the worker's rings
 * are empty; then flush the producer with what is left of the bound.
 * Anything still in a ring at the deadline is counted at teardown. A
 * producer shared by several workers is drained by its poller once all
 * of them stopped producing; the others keep settling the reports it
 * forwards until every poller is done. */
static void
lcore_finish(struct lcore_role *r)
{
	uint64_t deadline = __atomic_load_n(&run.deadline_tsc, __ATOMIC_ACQUIRE);
	uint64_t hz = rte_get_tsc_hz(), now;
	unsigned idle_rounds = 0, work;
	int rx_open = r->has_rx, left_ms, purged;

	while ((now = rte_rdtsc()) < deadline) {
		work = 0;
		if (rx_open && rx_finish_step(r)) {
			rx_close(r);
			rx_open = 0;
		}
		if (r->worker != NULL) {
			work = sl_worker_poll(r->worker);
			if (work == 0 && !rx_open &&
			    __atomic_load_n(&run.rx_running, __ATOMIC_ACQUIRE) == 0 &&
			    sl_worker_idle(r->worker) && sl_worker_flush(r->worker))
				break;
		} else if (!rx_open) {
			break;
		}
		if (work > 0)
			idle_rounds = 0;
		else
			idle_wait(r, &idle_rounds);
	}
	if (rx_open)
		rx_close(r);
	if (r->worker == NULL)
		return;
	__atomic_fetch_sub(&run.producing, 1, __ATOMIC_RELEASE);
	if (!r->worker->polls_kafka) {
		while (__atomic_load_n(&run.drained, __ATOMIC_ACQUIRE) < run.n_pollers &&
		       rte_rdtsc() < deadline) {
			sl_worker_settle(r->worker);
			rte_delay_us_sleep(100);
		}
		return;
	}
	/* Not bounded by the deadline: the other workers' loops are, and a
	 * purge must not run while one of them can still produce. */
	while (__atomic_load_n(&run.producing, __ATOMIC_ACQUIRE) > 0)
		sl_worker_serve(r->worker, 1);
	now = rte_rdtsc();
	left_ms = now < deadline ? (int)((deadline - now) * 1000 / hz) : 0;
	purged = sl_kafka_drain(r->worker->kafka, left_ms);
	if (purged > 0)
		SL_LOG(WARNING, "worker %u: %d message(s) not delivered before the shutdown bound",
		       r->worker->id, purged);
	__atomic_fetch_add(&run.drained, 1, __ATOMIC_RELEASE);
}

static int
lcore_main(void *arg)
{
	struct lcore_role *r = arg;
	unsigned idle_rounds = 0, work, i;

	if (r->stream != NULL) {
		stream_main(r);
		return 0;
	}
	if (r->sock != NULL)
		sl_sockudp_bind(r->sock);
	for (i = 0; i < r->n_rxq; i++)
		sl_ethdev_rxq_bind(r->rxq[i]);
	if (r->disp != NULL)
		r->disp->stats = sl_stats_self();
	if (r->worker != NULL)
		sl_worker_bind(r->worker);

	while (!__atomic_load_n(&run.rx_stop, __ATOMIC_ACQUIRE)) {
		unsigned worked = 0;

		work = 0;
		if (r->has_rx)
			work += rx_round(r);
		if (r->worker != NULL)
			work += worked = sl_worker_poll(r->worker);
		if (r->sock != NULL && r->idle_sleep_us > 0 && worked == 0 &&
		    sl_sockudp_drained(r->sock)) {
			/* A kernel socket read short is empty: polling it
			 * again costs a system call per datagram at a few
			 * hundred thousand a second. Waiting lets the kernel
			 * queue a burst for one recvmmsg, as a NIC's
			 * interrupt moderation would; not while the worker
			 * has messages of other inputs (the stream lcores)
			 * to take. */
			idle_rounds = 0;
			rte_delay_us_sleep(r->idle_sleep_us);
		} else if (work > 0) {
			idle_rounds = 0;
		} else {
			idle_wait(r, &idle_rounds);
		}
	}
	lcore_finish(r);
	if (r->worker != NULL)
		sl_worker_unbind(r->worker);
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sluiced --config FILE [--set section.key=value]... [--check-config [--probe]]\n"
		"\n"
		"  -c, --config FILE     configuration file (docs/configuration.md)\n"
		"  -s, --set S.K=V       override one key; repeatable, applied after the file\n"
		"      --check-config    validate the configuration and exit\n"
		"      --probe           with --check-config: also probe the DPDK ports\n"
		"                        (queues, descriptors, RSS) with EAL\n"
		"  -h, --help            this text\n"
		"  -V, --version         print the version\n"
		"\n"
		"Signals: SIGTERM/SIGINT drain and stop, SIGHUP reloads the configuration,\n"
		"SIGUSR1 prints the counters.\n");
}

/* The configuration as the command line gives it: a file and overrides,
 * read again as they are on every reload. */
static struct {
	const char *path;
	const char *sets[256];
	int n_sets;
} cmdline;

/* Reads cmdline's file and overrides into *c and validates them. Returns
 * 0, or -1 with the error in err. */
static int
read_config(struct sl_config *c, char *err, size_t errlen)
{
	int i;

	sl_config_defaults(c);
	if (sl_config_load(c, cmdline.path, err, errlen) != 0)
		return -1;
	for (i = 0; i < cmdline.n_sets; i++)
		if (sl_config_set(c, cmdline.sets[i], err, errlen) != 0)
			return -1;
	return sl_config_validate(c, err, errlen);
}

/* Reads the command line and the configuration into *c. Returns 0, or -1
 * after printing the error. */
static int
load_config(struct sl_config *c, int argc, char **argv, int *check_only)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "probe", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[1024];
	int opt;

	while ((opt = getopt_long(argc, argv, "c:s:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cmdline.path = optarg;
			break;
		case 's':
			if (cmdline.n_sets == (int)RTE_DIM(cmdline.sets)) {
				fprintf(stderr, "sluiced: too many --set options\n");
				return -1;
			}
			cmdline.sets[cmdline.n_sets++] = optarg;
			break;
		case 'k':
			*check_only |= 1;
			break;
		case 'p':
			*check_only |= 2;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("sluiced %s\n", SLUICE_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || cmdline.path == NULL) {
		usage(stderr);
		return -1;
	}
	if (read_config(c, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "sluiced: %s\n", err);
	return -1;
}

/* Fills cpus with the CPU list of eal.cores, or the CPUs this process
 * may run on. Returns the count, or -1 on a malformed list. */
static int
cpu_list(const char *spec, unsigned *cpus, unsigned max)
{
	cpu_set_t set;
	unsigned n = 0, c;

	if (spec[0] == '\0') {
		if (sched_getaffinity(0, sizeof(set), &set) == -1)
			return -1;
		for (c = 0; c < CPU_SETSIZE && n < max; c++)
			if (CPU_ISSET(c, &set))
				cpus[n++] = c;
		return (int)n;
	}
	while (*spec != '\0' && n < max) {
		char *end;
		unsigned long lo = strtoul(spec, &end, 10), hi = lo;

		if (end == spec)
			return -1;
		if (*end == '-') {
			spec = end + 1;
			hi = strtoul(spec, &end, 10);
			if (end == spec || hi < lo)
				return -1;
		}
		for (c = (unsigned)lo; c <= hi && n < max; c++)
			cpus[n++] = c;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -1;
		spec = end;
	}
	return (int)n;
}

/* Returns 1 when EAL can use hugepages here: some are free and a
 * hugetlbfs is mounted (EAL needs both). */
static int
hugepages_usable(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long free_pages = 0;
	int mounted = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
			break;
	fclose(f);
	if (free_pages <= 0)
		return 0;
	f = fopen("/proc/mounts", "r");
	if (f == NULL)
		return 0;
	while (!mounted && fgets(line, sizeof(line), f) != NULL)
		mounted = strstr(line, " hugetlbfs ") != NULL;
	fclose(f);
	return mounted;
}

/* What the configuration takes in hugepage memory: the pools and rings
 * sluiced creates with EAL, each as DPDK lays it out. Invariant: total
 * is the sum of the hugepage parts; batches (heap, librdkafka aside) is
 * reported but not in total. */
struct sizing {
	uint64_t mbufs, stream_mbufs, rings, settle, replies, sources;
	uint64_t total;
	uint64_t batches;
};

/* EAL's own hugepage memory (memzones, telemetry, fragment tables,
 * per-lcore caches), and the share added to the estimate before it is
 * turned into pages: DPDK fragments memory by page and by NUMA node. */
#define SIZING_EAL_BYTES (64ull << 20)
#define SIZING_MARGIN_PCT 25u
#define HUGEPAGE_2M (2ull << 20)

/* Bytes of a ring of count elements of esize bytes, count rounded up to
 * the power of two rte_ring_create() makes of it. */
static uint64_t
ring_bytes(unsigned esize, unsigned count)
{
	ssize_t n = rte_ring_get_memsize_elem(esize, rte_align32pow2(count + 1));

	return n < 0 ? 0 : (uint64_t)n;
}

/* Fills *s from the configuration c, with n_streams stream lcores. */
static void
sizing_compute(const struct sl_config *c, unsigned n_streams, struct sizing *s)
{
	uint64_t obj = RTE_ALIGN_CEIL(sizeof(struct rte_mbuf) + SL_META_PRIV_SIZE +
				      c->mbuf_size, RTE_CACHE_LINE_SIZE) +
		       2 * RTE_CACHE_LINE_SIZE;
	unsigned producers = c->kafka_producers != 0 ? c->kafka_producers : c->workers;

	memset(s, 0, sizeof(*s));
	s->mbufs = obj * c->mbufs;
	s->stream_mbufs = n_streams > 0 ? obj * c->stream_mbufs : 0;
	s->rings = (uint64_t)(c->rx_lcores + n_streams) * c->workers *
		   ring_bytes(sizeof(void *), c->ring_size - 1);
	s->settle = producers != c->workers ?
		    (uint64_t)c->workers * ring_bytes(sizeof(void *), (1u << 21) - 1) : 0;
	s->replies = (uint64_t)c->workers * n_streams *
		     ring_bytes(sizeof(struct sl_ack_token), c->stream_max_pending);
	s->sources = (uint64_t)c->workers * (c->max_sources + 1) *
		     (sizeof(struct sl_source) + 64);
	s->batches = (uint64_t)c->workers * c->env_max_open *
		     (c->env_batch_bytes + c->max_message);
	s->total = s->mbufs + s->stream_mbufs + s->rings + s->settle +
		   s->replies + s->sources + SIZING_EAL_BYTES;
}

/* 2 MiB pages to reserve for *s, the margin included. */
static uint64_t
sizing_pages(const struct sizing *s)
{
	uint64_t bytes = s->total + s->total / 100 * SIZING_MARGIN_PCT;

	return (bytes + HUGEPAGE_2M - 1) / HUGEPAGE_2M;
}

/* Prints the commands that reserve pages 2 MiB hugepages, now and at
 * every boot, to f. */
static void
print_hugepage_commands(FILE *f, uint64_t pages)
{
	fprintf(f,
		"  now:        echo %" PRIu64 " > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages\n"
		"              (or: dpdk-hugepages.py --pagesize 2M --setup %" PRIu64 "M)\n"
		"  every boot: NR_2M_PAGES=%" PRIu64 " in /etc/dpdk/dpdk.conf (dpdk.service),\n"
		"              or hugeadm --pool-pages-min 2MB:%" PRIu64 "\n",
		pages, pages * 2, pages, pages);
}

/* Bytes of free hugepages of the default size (HugePages_Free x
 * Hugepagesize in /proc/meminfo); 0 when unknown. */
static uint64_t
hugepages_free_bytes(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long n, free_pages = 0, kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "HugePages_Free: %llu", &n) == 1)
			free_pages = n;
		else if (sscanf(line, "Hugepagesize: %llu kB", &n) == 1)
			kb = n;
	}
	fclose(f);
	return free_pages * kb * 1024;
}

/* Checks what the configuration asks of the machine: the CPUs of [eal]
 * cores exist and this process may run on them, enough of them for the
 * lcores, and each PCI port is a device here. Prints each finding to
 * stderr; returns the number of errors. */
static int
check_machine(const struct sl_config *c, unsigned n_lcores)
{
	unsigned cpus[256], i, j, distinct = 0;
	int n, errors = 0;
	cpu_set_t allowed;
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t len;

	n = cpu_list(c->eal_cores, cpus, RTE_DIM(cpus));
	if (n <= 0) {
		fprintf(stderr, "sluiced: %s: [eal] cores: bad CPU list \"%s\"\n",
			c->path, c->eal_cores);
		return 1;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == -1)
		CPU_ZERO(&allowed);
	for (i = 0; i < (unsigned)n; i++) {
		if (cpus[i] >= CPU_SETSIZE || !CPU_ISSET(cpus[i], &allowed)) {
			fprintf(stderr, "sluiced: %s: [eal] cores: CPU %u is not online or not allowed here (see /sys/devices/system/cpu/online and taskset -p PID)\n",
				c->path, cpus[i]);
			errors++;
		}
		for (j = 0; j < i && cpus[j] != cpus[i]; j++)
			;
		distinct += j == i;
	}
	/* The main lcore does not poll: it may share a CPU. */
	if (distinct < n_lcores - 1)
		fprintf(stderr, "sluiced: %s: warning: %u data-plane lcores on %u CPU(s): lcores share CPUs and poll each other off them; list one CPU per lcore in [eal] cores for throughput\n",
			c->path, n_lcores - 1, distinct);
	for (i = 0; c->driver == SL_DRIVER_DPDK && i < c->n_ports; i++) {
		const char *dev = c->ports[i].devargs;
		unsigned dom, bus, slot, fn;

		if (sscanf(dev, "%4x:%2x:%2x.%1x", &dom, &bus, &slot, &fn) != 4)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.12s", dev);
		if (access(path, F_OK) == -1) {
			fprintf(stderr, "sluiced: %s: [port.%s] %s: no such PCI device here (dpdk-devbind.py --status)\n",
				c->path, c->ports[i].name, dev);
			errors++;
			continue;
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.12s/driver", dev);
		len = readlink(path, link, sizeof(link) - 1);
		link[len > 0 ? len : 0] = '\0';
		if (strstr(link, "vfio-pci") == NULL && strstr(link, "uio") == NULL)
			fprintf(stderr, "sluiced: %s: warning: [port.%s] %s is bound to %s, not vfio-pci: add it to /etc/dpdk/interfaces or run dpdk-devbind.py -b vfio-pci %.12s\n",
				c->path, c->ports[i].name, dev,
				len > 0 ? strrchr(link, '/') + 1 : "no driver", dev);
	}
	return errors;
}

/* --check-config: prints what the configuration takes (hugepages and
 * heap) and checks it against the machine. Returns the exit status. */
static int
check_config(const struct sl_config *c, unsigned n_streams, unsigned n_lcores)
{
	struct sizing s;
	uint64_t pages;
	const double mib = 1024.0 * 1024.0;

	if (check_machine(c, n_lcores) != 0)
		return 2;
	sizing_compute(c, n_streams, &s);
	pages = sizing_pages(&s);
	printf("sluiced: %s: configuration OK\n", c->path);
	printf("sizing (%u lcores: 1 main, %u receive, %u worker, %u stream):\n",
	       n_lcores, c->rx_lcores, c->workers, n_streams);
	printf("  mbufs          %9u x %u B   %10.1f MiB\n", c->mbufs,
	       c->mbuf_size, (double)s.mbufs / mib);
	printf("  stream mbufs   %9u x %u B   %10.1f MiB\n",
	       n_streams > 0 ? c->stream_mbufs : 0, c->mbuf_size,
	       (double)s.stream_mbufs / mib);
	printf("  rings          %9u x %u slots %8.1f MiB\n",
	       (c->rx_lcores + n_streams) * c->workers, c->ring_size,
	       (double)s.rings / mib);
	printf("  settle rings   %9u            %10.1f MiB\n",
	       s.settle > 0 ? c->workers : 0, (double)s.settle / mib);
	printf("  reply rings    %9u            %10.1f MiB\n",
	       c->workers * n_streams, (double)s.replies / mib);
	printf("  source tables  %9u x %u      %10.1f MiB\n", c->workers,
	       c->max_sources, (double)s.sources / mib);
	printf("  EAL            %9s            %10.1f MiB\n", "",
	       (double)SIZING_EAL_BYTES / mib);
	printf("  hugepage total                      %10.1f MiB: %" PRIu64 " pages of 2 MiB with %u%% margin\n",
	       (double)s.total / mib, pages, SIZING_MARGIN_PCT);
	printf("  batches (heap) %9u x %u B   %10.1f MiB, plus librdkafka's queues ([kafka.producer] queue.buffering.max.kbytes per producer)\n",
	       c->workers * c->env_max_open, c->env_batch_bytes + c->max_message,
	       (double)s.batches / mib);
	if (c->eal_hugepages == SL_HUGEPAGES_NO) {
		printf("hugepages = no: EAL takes [eal] memory = %u MB of ordinary memory instead%s\n",
		       c->eal_memory_mb,
		       (uint64_t)c->eal_memory_mb << 20 < s.total ? " (less than the total above: raise it)" : "");
		return 0;
	}
	printf("hugepages: %" PRIu64 " MiB free here; to reserve %" PRIu64 " pages:\n",
	       hugepages_free_bytes() >> 20, pages);
	print_hugepage_commands(stdout, pages);
	return 0;
}

/* With [eal] hugepages = yes, fails early, saying how to reserve them,
 * when fewer hugepages are free than the pools and rings take. Returns 0
 * when there are enough (or hugepages are not required), -1 after the
 * error. */
static int
check_hugepages(const struct sl_config *c, unsigned n_streams)
{
	struct sizing s;
	uint64_t avail;

	if (c->eal_hugepages != SL_HUGEPAGES_YES)
		return 0;
	sizing_compute(c, n_streams, &s);
	avail = hugepages_usable() ? hugepages_free_bytes() : 0;
	if (avail >= s.total)
		return 0;
	fprintf(stderr, "sluiced: %s: [eal] hugepages = yes, but %" PRIu64 " MiB of hugepages are free%s and the configuration needs %" PRIu64 " MiB (sluiced --check-config details it); reserve them:\n",
		c->path, avail >> 20,
		hugepages_usable() ? "" : " or no hugetlbfs is mounted",
		s.total >> 20);
	print_hugepage_commands(stderr, sizing_pages(&s));
	fprintf(stderr, "  and mount a hugetlbfs if none is (dpdk.service does; or: mount -t hugetlbfs nodev /dev/hugepages)\n");
	return -1;
}

/* Splits the next word off s in place: words are separated by blanks, and
 * a "..." group is one word without its quotes (the config checked that
 * quotes balance). Returns the word, or NULL at the end; *rest is where
 * the next call starts. */
static char *
next_word(char *s, char **rest)
{
	char *word, *out;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return NULL;
	word = out = s;
	while (*s != '\0' && *s != ' ' && *s != '\t') {
		if (*s == '"') {
			for (s++; *s != '\0' && *s != '"'; s++)
				*out++ = *s;
			if (*s == '"')
				s++;
			continue;
		}
		*out++ = *s++;
	}
	*rest = *s != '\0' ? s + 1 : s;
	*out = '\0';
	return word;
}

/* Returns the NUMA node of CPU cpu as sysfs names it (the "nodeN" entry
 * of /sys/devices/system/cpu/cpuN), or -1 when it names none. */
static int
cpu_node(unsigned cpu)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int node = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u", cpu);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (sscanf(e->d_name, "node%d", &node) == 1)
			break;
	closedir(d);
	return node;
}

/* Writes EAL's --lcores value for n_lcores lcores (the main one and the
 * data-plane ones) on cpus[0..n_cpus) into out[0..len). Returns 0, or -1
 * when out is too small.
 *
 * Lcore i runs on the i-th CPU of the list, wrapping around: a box with
 * fewer CPUs than lcores still runs (slower), and a tuned box lists
 * exactly one CPU per lcore, the first for the main lcore. The main lcore
 * only sleeps and reports, but the threads it starts inherit its CPUs,
 * librdkafka's among them: it gets every CPU of the list that no other
 * lcore polls, and all of them when each has a poller, so that librdkafka
 * is not confined to a CPU it must win back from a polling lcore (two
 * run-to-completion lcores on two CPUs). Only CPUs of the first one's
 * NUMA node: spanning nodes, the main lcore would have no socket id, and
 * the pools and rings it creates no placement. */
static int
lcores_arg(const unsigned *cpus, unsigned n_cpus, unsigned n_lcores,
	   char *out, size_t len)
{
	int every_cpu_polled = n_lcores > n_cpus, node = cpu_node(cpus[0]);
	size_t used;
	unsigned i;
	int n;

	n = snprintf(out, len, "0@(%u", cpus[0]);
	for (i = 1; n >= 0 && (size_t)n < len && i < n_cpus; i++)
		if ((every_cpu_polled || i >= n_lcores) &&
		    cpu_node(cpus[i]) == node)
			n += snprintf(out + n, len - (size_t)n, ",%u", cpus[i]);
	if (n >= 0 && (size_t)n < len)
		n += snprintf(out + n, len - (size_t)n, ")");
	for (i = 1; n >= 0 && (size_t)n < len && i < n_lcores; i++)
		n += snprintf(out + n, len - (size_t)n, ",%u@%u", i,
			      cpus[i % n_cpus]);
	used = n >= 0 ? (size_t)n : len;
	return used < len ? 0 : -1;
}

/* Builds EAL's argv from the configuration: lcore placement, memory,
 * devices, file prefix, then eal.args verbatim. Returns argc, or -1. */
static int
eal_argv(const struct sl_config *c, unsigned n_lcores, char **argv)
{
	static char lcores[4096], prefix[96], memory[32], extra[SL_CONFIG_LONGSTR];
	unsigned cpus[256];
	int n_cpus, argc = 0;
	char *tok, *rest;

	n_cpus = cpu_list(c->eal_cores, cpus, RTE_DIM(cpus));
	if (n_cpus <= 0) {
		fprintf(stderr, "sluiced: %s: [eal] cores: bad CPU list \"%s\"\n",
			c->path, c->eal_cores);
		return -1;
	}
	if (lcores_arg(cpus, (unsigned)n_cpus, n_lcores, lcores,
		       sizeof(lcores)) != 0) {
		fprintf(stderr, "sluiced: %s: [eal] cores: %d CPUs and %u lcores do not fit EAL's --lcores argument (%zu bytes)\n",
			c->path, n_cpus, n_lcores, sizeof(lcores));
		return -1;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", c->eal_file_prefix);
	argv[argc++] = (char *)(uintptr_t)"sluiced";
	argv[argc++] = (char *)(uintptr_t)"--lcores";
	argv[argc++] = lcores;
	argv[argc++] = prefix;
	if (c->eal_hugepages == SL_HUGEPAGES_NO ||
	    (c->eal_hugepages == SL_HUGEPAGES_AUTO && !hugepages_usable())) {
		snprintf(memory, sizeof(memory), "%u", c->eal_memory_mb);
		argv[argc++] = (char *)(uintptr_t)"--no-huge";
		argv[argc++] = (char *)(uintptr_t)"-m";
		argv[argc++] = memory;
	}
	if (sl_ethdev_eal_args(c, argv, &argc, EAL_ARGV_MAX - 1) != 0)
		return -1;
	snprintf(extra, sizeof(extra), "%s", c->eal_args);
	for (tok = extra; (tok = next_word(tok, &rest)) != NULL; tok = rest) {
		if (argc == EAL_ARGV_MAX - 1) {
			fprintf(stderr, "sluiced: %s: [eal] args: too many arguments\n",
				c->path);
			return -1;
		}
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	return argc;
}

/* The readiness thread: what it reads, and the flag that ends it. */
static struct {
	struct sl_kafka *kafka;
	const char *brokers;
	pthread_t thread;
	int started;
	int stop;
} ready;

/* Tells systemd sluiced is ready once Kafka answered (a unit ordered
 * after it finds it delivering), or after 10 s without an answer: then
 * it runs and buffers, and says so. A thread of its own, asking in short
 * steps, so signals are served meanwhile and a stop ends it at once. */
static void *
ready_thread(void *arg)
{
	char why[256] = "no answer";
	unsigned i;

	(void)arg;
	for (i = 0; i < 40 && !__atomic_load_n(&ready.stop, __ATOMIC_ACQUIRE); i++) {
		if (sl_kafka_wait_metadata(ready.kafka, 250, why, sizeof(why)) == 0) {
			sd_notifyf(0, "READY=1\nSTATUS=running, Kafka %s",
				   ready.brokers);
			return NULL;
		}
	}
	if (__atomic_load_n(&ready.stop, __ATOMIC_ACQUIRE))
		return NULL;
	SL_LOG(WARNING, "Kafka %s not reachable yet (%s): buffering until it is",
	       ready.brokers, why);
	sd_notifyf(0, "READY=1\nSTATUS=running, Kafka %s not reachable yet",
		   ready.brokers);
	return NULL;
}

static void
announce_ready(struct sl_kafka *kafka, const char *brokers)
{
	ready.kafka = kafka;
	ready.brokers = brokers;
	if (pthread_create(&ready.thread, NULL, ready_thread, NULL) != 0) {
		SL_LOG(WARNING, "readiness thread: %s; ready without waiting for Kafka",
		       strerror(errno));
		sd_notifyf(0, "READY=1\nSTATUS=running, Kafka %s", brokers);
		return;
	}
	ready.started = 1;
}

/* Ends the readiness thread before the producer it asks goes away. */
static void
end_ready(void)
{
	if (!ready.started)
		return;
	__atomic_store_n(&ready.stop, 1, __ATOMIC_RELEASE);
	pthread_join(ready.thread, NULL);
	ready.started = 0;
}

/* Raises the open-file limit to what want connections need (plus the
 * daemon's own descriptors), as far as the hard limit allows; says so
 * when the hard limit is lower. */
static void
raise_fd_limit(unsigned want)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)want + 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ?
		      need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < need)
		fprintf(stderr, "sluiced: open-file limit %llu is below the %llu that [stream] max_connections needs; raise it (LimitNOFILE=, ulimit -n)\n",
			(unsigned long long)rl.rlim_cur, (unsigned long long)need);
}

/* Says which stream listeners are on. */
static void
log_stream_listeners(const struct sl_config *c)
{
	const struct {
		const char *name;
		const struct sl_config_stream *st;
	} in[] = {
		{ "tcp", &c->tcp }, { "tls", &c->tls_in }, { "relp", &c->relp },
	};
	char listen[SL_ADDR_STRLEN];
	unsigned i;

	for (i = 0; i < RTE_DIM(in); i++) {
		if (!in[i].st->enabled)
			continue;
		sl_addr_format(&in[i].st->listen, listen);
		SL_LOG(NOTICE, "listening on %s %s%s%s", in[i].name, listen,
		       in[i].st->tls && strcmp(in[i].name, "tls") != 0 ? " (TLS)" : "",
		       strcmp(in[i].name, "relp") == 0 ? "" :
		       in[i].st->framing == SL_FRAMING_LF ? ", framing lf" :
		       in[i].st->framing == SL_FRAMING_OCTET ? ", framing octet" :
		       ", framing auto");
	}
}

/* --check-config --probe: starts EAL without hugepages on a file prefix
 * of its own, probes the configured DPDK ports and checks what the
 * configuration asks of them (queues for every receive lcore,
 * descriptors, RSS). Devices in use by a running sluiced cannot be
 * probed: run it before starting. Returns 0, or 2 after printing why. */
static int
probe_ports(const struct sl_config *c)
{
	static char prefix[64];
	char *argv[EAL_ARGV_MAX], err[512];
	int argc = 0, rc = 0;
	unsigned i;

	if (c->driver != SL_DRIVER_DPDK) {
		printf("sluiced: no DPDK ports to probe (socket driver)\n");
		return 0;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=sluice_probe_%d",
		 (int)getpid());
	argv[argc++] = (char *)(uintptr_t)"sluiced";
	argv[argc++] = (char *)(uintptr_t)"-l";
	argv[argc++] = (char *)(uintptr_t)"0";
	argv[argc++] = (char *)(uintptr_t)"--no-huge";
	argv[argc++] = (char *)(uintptr_t)"-m";
	argv[argc++] = (char *)(uintptr_t)"256";
	argv[argc++] = (char *)(uintptr_t)"--no-shconf";
	argv[argc++] = (char *)(uintptr_t)"--log-level=lib.*:error";
	argv[argc++] = prefix;
	if (sl_ethdev_eal_args(c, argv, &argc, EAL_ARGV_MAX - 1) != 0) {
		fprintf(stderr, "sluiced: too many ports to probe\n");
		return 2;
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "sluiced: probe: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	for (i = 0; i < c->n_ports; i++) {
		if (sl_ethdev_check(c, i, c->rx_lcores, err, sizeof(err)) != 0) {
			fprintf(stderr, "sluiced: %s: %s\n", c->path, err);
			rc = 2;
		} else {
			printf("sluiced: %s\n", err);
		}
	}
	rte_eal_cleanup();
	return rc;
}

/* Everything the daemon builds, so one function can tear it down. */
struct daemon_state {
	struct sl_config cfg;
	struct sl_kafka_embedded *embedded;
	struct rte_mempool *mp;
	struct rte_mempool *stream_mp;    /* stream lcores' own */
	struct sl_ring_set rings;
	unsigned n_workers;
	struct sl_worker *workers[SL_MAX_WORKERS];
	unsigned n_producers;
	struct sl_kafka *producers[SL_MAX_WORKERS];
	struct rte_ring *settle[SL_MAX_WORKERS];  /* when producers are shared */
	unsigned n_rx;
	struct sl_dispatcher *disp[SL_MAX_PRODUCERS];
	struct sl_sockudp *socks[SL_MAX_PRODUCERS];
	unsigned n_rxq;
	struct sl_ethdev_rxq *rxqs[SL_MAX_PRODUCERS * SL_CONFIG_MAX_PORTS];
	uint16_t port_ids[SL_CONFIG_MAX_PORTS];
	unsigned n_streams;
	struct sl_stream *streams[SL_ACK_MAX_STREAMS];
	/* replies[w][s]: worker w's answers to stream lcore s */
	struct rte_ring *replies[SL_MAX_WORKERS][SL_ACK_MAX_STREAMS];
	SSL_CTX *tls;
	/* Control plane: what telemetry and HTTP read, the RCU the routing
	 * table is swapped under, the workers' command rings; reload_lock
	 * serialises reloads (SIGHUP, telemetry); router is the table the
	 * workers use after the first reload (malloc'd), NULL before. */
	struct sl_observe obs;
	struct rte_rcu_qsbr *qsbr;
	struct rte_ring *control[SL_MAX_WORKERS];
	pthread_mutex_t reload_lock;
	struct sl_router *router;
	int drain_requested;
	struct sl_keyfeed *keys;          /* encryption on */
	struct timespec key_stamp;        /* key file change time */
	uint32_t key_id;                  /* id published last */
};

/* Returns 1 when some route (or the default) produces envelopes. */
static int
uses_envelopes(const struct sl_router *r)
{
	unsigned i;

	if (r->default_format == SL_FORMAT_ENVELOPE)
		return 1;
	for (i = 0; i < r->n_rules; i++)
		if (r->rules[i].format == SL_FORMAT_ENVELOPE)
			return 1;
	return 0;
}

static enum sl_envelope_aead
aead_of(enum sl_config_encryption e)
{
	switch (e) {
	case SL_ENCRYPTION_AUTO:
		return SL_AEAD_AUTO;
	case SL_ENCRYPTION_AES256GCM:
		return SL_AEAD_AES256GCM;
	case SL_ENCRYPTION_XCHACHA20:
		return SL_AEAD_XCHACHA20;
	case SL_ENCRYPTION_OFF:
		break;
	}
	return SL_AEAD_NONE;
}

/* Loads the envelope key file and publishes its current key: at start
 * (creating the feed), and again whenever the file changes. Returns 0, or
 * -1 (logged; at start this stops sluiced, later the old key stays). */
static int
load_keys(struct daemon_state *d)
{
	const struct sl_config *c = &d->cfg;
	struct sl_keyring *kr;
	char err[512];
	uint32_t id;
	int rc = 0;

	kr = sl_keyring_load(c->env_key_file, err, sizeof(err));
	if (kr == NULL) {
		SL_LOG(ERR, "envelope keys: %s", err);
		return -1;
	}
	id = sl_keyring_current(kr);
	if (d->keys == NULL) {
		d->keys = sl_keyfeed_new(d->n_workers, id, sl_keyring_get(kr, id));
		if (d->keys == NULL) {
			SL_LOG(ERR, "envelope keys: no locked memory for the key feed");
			rc = -1;
		}
	} else if (id != d->key_id) {
		if (sl_keyfeed_publish(d->keys, id, sl_keyring_get(kr, id)) != 0) {
			SL_LOG(WARNING, "envelope keys: a worker still uses an old key; key %u is taken on the next check",
			       id);
			d->key_stamp = (struct timespec){ 0 };
			rc = -1;
		}
	}
	if (rc == 0 && id != d->key_id) {
		SL_LOG(NOTICE, "envelope keys: encrypting with key %u of %s",
		       id, c->env_key_file);
		d->key_id = id;
	}
	sl_keyring_free(kr);
	return rc;
}

static int
create_fixed_topic(struct sl_kafka_embedded *ke, const char *topic)
{
	char err[512];

	if (strchr(topic, '{') != NULL)
		return 0;
	if (sl_kafka_embedded_topic(ke, topic, 0, err, sizeof(err)) < 0) {
		SL_LOG(ERR, "embedded Kafka: topic %s: %s", topic, err);
		return -1;
	}
	return 0;
}

/* Creates the producer pool: one rd_kafka_t per worker, or [kafka]
 * producers of them, worker w using producer w mod producers and worker
 * p polling producer p. Shared producers forward delivery reports to the
 * owning worker's settle ring, sized for twice what librdkafka may hold
 * (queue.buffering.max.messages, limited to 1000000 when shared). */
static int
setup_producers(struct daemon_state *d, const char *brokers)
{
	const struct sl_config *c = &d->cfg;
	char err[512], name[RTE_RING_NAMESIZE];
	unsigned i;

	d->n_producers = c->kafka_producers != 0 ? c->kafka_producers : d->n_workers;
	for (i = 0; i < d->n_producers; i++) {
		d->producers[i] = sl_kafka_new(i, brokers, c->kafka_props,
					       c->n_kafka_props, err, sizeof(err));
		if (d->producers[i] == NULL) {
			SL_LOG(ERR, "%s", err);
			return -1;
		}
	}
	run.n_pollers = d->n_producers;
	if (d->n_producers == d->n_workers)
		return 0;
	for (i = 0; i < d->n_workers; i++) {
		snprintf(name, sizeof(name), "sl_settle_%u", i);
		d->settle[i] = rte_ring_create(name, 1u << 21, (int)rte_socket_id(),
					       RING_F_SC_DEQ);
		if (d->settle[i] == NULL) {
			SL_LOG(ERR, "settle ring %u: %s", i, rte_strerror(rte_errno));
			return -1;
		}
	}
	for (i = 0; i < d->n_producers; i++)
		sl_kafka_share(d->producers[i], i, d->settle);
	SL_LOG(NOTICE, "%u producer(s) shared by %u workers", d->n_producers,
	       d->n_workers);
	return 0;
}

static int
setup_kafka(struct daemon_state *d, const char **brokers)
{
	struct sl_config *c = &d->cfg;
	char err[512];
	unsigned w;

	*brokers = c->kafka_brokers;
	if (strcmp(c->kafka_brokers, "embedded") == 0) {
		d->embedded = sl_kafka_embedded_start(c->kafka_embedded_brokers,
			c->kafka_embedded_partitions, err, sizeof(err));
		if (d->embedded == NULL) {
			SL_LOG(ERR, "embedded Kafka: %s", err);
			return -1;
		}
		*brokers = sl_kafka_embedded_bootstrap(d->embedded);
		/* Topics with fixed names get the configured partition count;
		 * templated ones are auto-created by the mock with its own
		 * fixed default (4). */
		if (create_fixed_topic(d->embedded, c->router.default_topic) != 0)
			return -1;
		for (w = 0; w < c->router.n_rules; w++)
			if (create_fixed_topic(d->embedded, c->router.rules[w].topic) != 0)
				return -1;
		SL_LOG(NOTICE, "embedded Kafka (development only, kept in memory) at %s",
		       *brokers);
	}
	if (uses_envelopes(&c->router) && c->env_encryption != SL_ENCRYPTION_OFF) {
		if (sl_keyring_changed(c->env_key_file, &d->key_stamp) < 0 ||
		    load_keys(d) != 0) {
			SL_LOG(ERR, "envelope keys: cannot use %s", c->env_key_file);
			return -1;
		}
	}
	if (setup_producers(d, *brokers) != 0)
		return -1;
	for (w = 0; w < d->n_workers; w++) {
		struct sl_worker_params p = {
			.id = w,
			.burst = c->burst,
			.max_message = c->max_message,
			.poll_interval_us = c->kafka_poll_interval_us,
			.max_sources = c->max_sources,
			.source_idle_ns = (uint64_t)c->source_idle_s * 1000000000ull,
			.site_rule = {
				.separator = c->site_separator,
				.field = c->site_field,
			},
			.rings = &d->rings,
			.router = &c->router,
			.socket = (int)rte_socket_id(),
			.batch = {
				.max_open = c->env_max_open,
				.buckets = c->env_buckets,
				.batch_bytes = c->env_batch_bytes,
				.batch_messages = c->env_batch_messages,
				.max_message = c->max_message,
				.linger_us = c->env_linger_us,
				.socket = (int)rte_socket_id(),
			},
			.keys = d->keys,
			.n_streams = d->n_streams,
			.replies = d->replies[w],
			.acks_in_flight = d->n_streams * c->stream_max_pending,
			.control = d->control[w],
			.qsbr = d->qsbr,
		};

		if (uses_envelopes(&c->router)) {
			p.encoder = sl_envelope_encoder_new(aead_of(c->env_encryption),
				(int)c->env_lz4_acceleration, err, sizeof(err));
			if (p.encoder == NULL) {
				SL_LOG(ERR, "worker %u: envelope encoder: %s", w, err);
				return -1;
			}
		}
		p.kafka = d->producers[w % d->n_producers];
		p.polls_kafka = w < d->n_producers;
		p.settle = d->settle[w];
		d->workers[w] = sl_worker_create(&p);
		if (d->workers[w] == NULL) {
			sl_envelope_encoder_free(p.encoder);
			SL_LOG(ERR, "worker %u: %s", w, rte_strerror(rte_errno));
			return -1;
		}
	}
	return 0;
}

static int
setup_inputs(struct daemon_state *d)
{
	struct sl_config *c = &d->cfg;
	char err[512];
	unsigned r, p;
	uint16_t *port_ids = d->port_ids, exc_ports[SL_CONFIG_MAX_PORTS] = { 0 };

	for (r = 0; r < d->n_rx; r++) {
		d->disp[r] = rte_zmalloc("sl_dispatcher", sizeof(*d->disp[r]),
					 RTE_CACHE_LINE_SIZE);
		if (d->disp[r] == NULL) {
			SL_LOG(ERR, "dispatcher %u: out of memory", r);
			return -1;
		}
		sl_dispatcher_init(d->disp[r], &d->rings, r,
				   c->ring_full == SL_RING_FULL_WAIT, sl_stats_self());
		/* A port keeps each sender on one queue (RSS by address, or
		 * spread = device), so a run-to-completion lcore can be the
		 * worker of everything it receives: per-source order holds
		 * and no message crosses to another core. Kernel sockets
		 * spread by address and port (SO_REUSEPORT), so a sender
		 * using several ports would be split: they hash. */
		if (c->mode == SL_MODE_RUN_TO_COMPLETION &&
		    c->driver == SL_DRIVER_DPDK)
			sl_dispatcher_set_local(d->disp[r], r);
	}
	if (c->driver == SL_DRIVER_SOCKET) {
		for (r = 0; r < d->n_rx; r++) {
			d->socks[r] = sl_sockudp_open(&c->listen, c->rcvbuf,
				d->n_rx > 1, c->burst, c->max_message, 0, d->mp,
				err, sizeof(err));
			if (d->socks[r] == NULL) {
				SL_LOG(ERR, "%s", err);
				return -1;
			}
		}
		return 0;
	}
	for (p = 0; p < c->n_ports; p++) {
		if (sl_ethdev_start(c, p, d->n_rx, d->mp, &port_ids[p], err,
				    sizeof(err)) != 0 ||
		    (c->ports[p].exception[0] != '\0' &&
		     sl_exception_start(c, p, port_ids[p], d->n_rx, d->mp,
					&exc_ports[p], err, sizeof(err)) != 0)) {
			SL_LOG(ERR, "%s", err);
			return -1;
		}
	}
	for (r = 0; r < d->n_rx; r++) {
		for (p = 0; p < c->n_ports; p++) {
			struct sl_ethdev_rxq *q = rte_zmalloc("sl_rxq", sizeof(*q),
							      RTE_CACHE_LINE_SIZE);

			if (q == NULL) {
				SL_LOG(ERR, "port.%s: out of memory", c->ports[p].name);
				return -1;
			}
			if (sl_ethdev_rxq_init(q, c, p, port_ids[p], (uint16_t)r,
					       exc_ports[p], (int)rte_socket_id(),
					       err, sizeof(err)) != 0) {
				rte_free(q);
				SL_LOG(ERR, "%s", err);
				return -1;
			}
			d->rxqs[d->n_rxq++] = q;
		}
	}
	return 0;
}

/* The reply rings (one per worker and stream lcore, each with room for
 * every answer its stream lcore can wait for), then the stream lcores
 * with their listening sockets. */
static int
setup_replies(struct daemon_state *d)
{
	char name[RTE_RING_NAMESIZE];
	unsigned w, st;
	size_t qsz = rte_rcu_qsbr_get_memsize(d->n_workers);

	d->qsbr = rte_zmalloc("sl_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (d->qsbr == NULL || rte_rcu_qsbr_init(d->qsbr, d->n_workers) != 0) {
		SL_LOG(ERR, "RCU of %u workers: %s", d->n_workers,
		       rte_strerror(rte_errno));
		return -1;
	}
	for (w = 0; w < d->n_workers; w++) {
		snprintf(name, sizeof(name), "sl_ctl_%u", w);
		d->control[w] = rte_ring_create_elem(name,
			sizeof(struct sl_worker_command), 64,
			(int)rte_socket_id(), RING_F_SC_DEQ);
		if (d->control[w] == NULL) {
			SL_LOG(ERR, "control ring %s: %s", name,
			       rte_strerror(rte_errno));
			return -1;
		}
	}

	for (w = 0; w < d->n_workers; w++) {
		for (st = 0; st < d->n_streams; st++) {
			if (snprintf(name, sizeof(name), "sl_reply_%u_%u", w, st) >=
			    (int)sizeof(name)) {
				SL_LOG(ERR, "reply ring name too long");
				return -1;
			}
			d->replies[w][st] = rte_ring_create_elem(name,
				sizeof(struct sl_ack_token),
				rte_align32pow2(d->cfg.stream_max_pending + 1),
				(int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (d->replies[w][st] == NULL) {
				SL_LOG(ERR, "reply ring %s: %s", name,
				       rte_strerror(rte_errno));
				return -1;
			}
		}
	}
	return 0;
}

static int
setup_streams(struct daemon_state *d)
{
	const struct sl_config *c = &d->cfg;
	struct rte_ring *replies[SL_MAX_WORKERS];
	char err[512];
	unsigned st, w;

	if (d->n_streams == 0)
		return 0;
	if ((c->tls_in.enabled || (c->relp.enabled && c->relp.tls)) &&
	    (d->tls = sl_tls_server_ctx(c, err, sizeof(err))) == NULL) {
		SL_LOG(ERR, "%s: %s", c->path, err);
		return -1;
	}
	/* Their own pool: stream messages wait for mbufs (TCP can), and
	 * never take the ones the UDP receive side cannot wait for. */
	d->stream_mp = sl_mempool_create("sl_stream_mbufs", c->stream_mbufs,
					 c->mbuf_cache, (uint16_t)c->mbuf_size,
					 (int)rte_socket_id());
	if (d->stream_mp == NULL) {
		SL_LOG(ERR, "stream mbuf pool of %u: %s", c->stream_mbufs,
		       rte_strerror(rte_errno));
		return -1;
	}
	for (st = 0; st < d->n_streams; st++) {
		struct sl_stream_params p = {
			.id = st,
			.cfg = c,
			.tls = d->tls,
			.mp = d->stream_mp,
			.rings = &d->rings,
			.producer = d->n_rx + st,
			.replies = replies,
			.reuseport = d->n_streams > 1,
			.socket = (int)rte_socket_id(),
		};

		for (w = 0; w < d->n_workers; w++)
			replies[w] = d->replies[w][st];
		d->streams[st] = sl_stream_create(&p, err, sizeof(err));
		if (d->streams[st] == NULL) {
			SL_LOG(ERR, "%s", err);
			return -1;
		}
	}
	return 0;
}

/* Assigns roles to the worker lcores in EAL order and launches them. */
static int
launch(struct daemon_state *d)
{
	const struct sl_config *c = &d->cfg;
	unsigned lcore, slot = 0, r, p;
	unsigned n_work_only = c->mode == SL_MODE_PIPELINE ? d->n_workers : 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct lcore_role *role = &roles[lcore];

		role->idle_sleep_us = c->idle_sleep_us;
		if (slot < d->n_rx) {
			r = slot;
			role->has_rx = 1;
			role->disp = d->disp[r];
			role->sock = d->socks[r];
			for (p = 0; p < c->n_ports && c->driver == SL_DRIVER_DPDK; p++)
				role->rxq[role->n_rxq++] = d->rxqs[r * c->n_ports + p];
			if (c->mode == SL_MODE_RUN_TO_COMPLETION)
				role->worker = d->workers[r];
		} else if (c->mode == SL_MODE_PIPELINE && slot < d->n_rx + d->n_workers) {
			role->worker = d->workers[slot - d->n_rx];
		} else if (slot < d->n_rx + n_work_only + d->n_streams) {
			role->stream = d->streams[slot - d->n_rx - n_work_only];
		} else {
			continue;
		}
		slot++;
	}
	run.rx_running = d->n_rx + d->n_streams;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (!roles[lcore].has_rx && roles[lcore].worker == NULL &&
		    roles[lcore].stream == NULL)
			continue;
		/* Only launched workers count: a poller waits for them all
		 * to stop producing before it purges. */
		if (roles[lcore].worker != NULL)
			__atomic_fetch_add(&run.producing, 1, __ATOMIC_RELEASE);
		if (rte_eal_remote_launch(lcore_main, &roles[lcore], lcore) != 0) {
			if (roles[lcore].worker != NULL)
				__atomic_fetch_sub(&run.producing, 1, __ATOMIC_RELEASE);
			SL_LOG(ERR, "lcore %u: launch failed", lcore);
			return -1;
		}
	}
	return 0;
}

/* Appends name to the comma-separated list out (len bytes). */
static void
list_add(char *out, size_t len, const char *name)
{
	size_t n = strlen(out);

	if (strstr(out, name) == NULL)
		snprintf(out + n, len - n, "%s%s", n > 0 ? ", " : "", name);
}

#define SAME(a, b, field) (memcmp(&(a)->field, &(b)->field, sizeof((a)->field)) == 0)

/* Writes into out the sections whose change in b (from a) a reload
 * cannot apply: what the data path was built from (lcores, pools, rings,
 * ports, listeners, producers, envelopes). */
static void
restart_needed(const struct sl_config *a, const struct sl_config *b,
	       char *out, size_t len)
{
	out[0] = '\0';
	if (!SAME(a, b, eal_args) || !SAME(a, b, eal_file_prefix) ||
	    !SAME(a, b, eal_cores) || !SAME(a, b, eal_hugepages) ||
	    !SAME(a, b, eal_memory_mb))
		list_add(out, len, "[eal]");
	if (!SAME(a, b, mode) || !SAME(a, b, rx_lcores) || !SAME(a, b, workers) ||
	    !SAME(a, b, ring_size) || !SAME(a, b, burst) || !SAME(a, b, mbufs) ||
	    !SAME(a, b, mbuf_cache) || !SAME(a, b, mbuf_size) ||
	    !SAME(a, b, max_message) || !SAME(a, b, ring_full) ||
	    !SAME(a, b, idle_sleep_us) || !SAME(a, b, frag_max_flows) ||
	    !SAME(a, b, frag_ttl_ms) || !SAME(a, b, max_sources))
		list_add(out, len, "[dataplane]");
	if (!SAME(a, b, driver) || !SAME(a, b, listen) || !SAME(a, b, rcvbuf))
		list_add(out, len, "[input.udp]");
	if (!SAME(a, b, n_ports) || !SAME(a, b, ports))
		list_add(out, len, "[port.*]");
	if (!SAME(a, b, tcp) || !SAME(a, b, tls_in) || !SAME(a, b, relp) ||
	    !SAME(a, b, relp_window))
		list_add(out, len, "[input.tcp/tls/relp]");
	if (!SAME(a, b, stream_lcores) || !SAME(a, b, stream_max_connections) ||
	    !SAME(a, b, stream_max_pending) || !SAME(a, b, stream_max_output) ||
	    !SAME(a, b, stream_mbufs))
		list_add(out, len, "[stream] (but idle_timeout, max_connections_per_source)");
	if (!SAME(a, b, tls_cert) || !SAME(a, b, tls_key) || !SAME(a, b, tls_ca) ||
	    !SAME(a, b, tls_verify))
		list_add(out, len, "[tls]");
	if (!SAME(a, b, kafka_brokers) || !SAME(a, b, kafka_embedded_brokers) ||
	    !SAME(a, b, kafka_embedded_partitions) ||
	    !SAME(a, b, kafka_poll_interval_us) || !SAME(a, b, kafka_producers))
		list_add(out, len, "[kafka]");
	if (!SAME(a, b, n_kafka_props) || !SAME(a, b, kafka_props))
		list_add(out, len, "[kafka.producer]");
	if (!SAME(a, b, http_enabled) || !SAME(a, b, http_listen) ||
	    !SAME(a, b, http_public) || !SAME(a, b, http_token) ||
	    !SAME(a, b, http_top_sources))
		list_add(out, len, "[http]");
	if (!SAME(a, b, env_batch_bytes) || !SAME(a, b, env_batch_messages) ||
	    !SAME(a, b, env_linger_us) || !SAME(a, b, env_buckets) ||
	    !SAME(a, b, env_max_open) || !SAME(a, b, env_lz4_acceleration) ||
	    !SAME(a, b, env_encryption) || !SAME(a, b, env_key_file))
		list_add(out, len, "[envelope]");
}

/* sl_observe_ops.reload: reads the configuration again; swaps the
 * routing table (RCU: the old one is freed once every worker passed a
 * quiescent point), the site rule, source eviction, the stream lcores'
 * idle_timeout and max_connections_per_source, [stats] and [shutdown];
 * names the rest, which needs a restart. A configuration that does not
 * load or validate changes nothing. */
static int
reload(void *ctx, char *err, size_t errlen, char *restart, size_t restartlen)
{
	struct daemon_state *d = ctx;
	struct sl_config *c = malloc(sizeof(*c));
	struct sl_router *router = NULL, *old;
	unsigned w, st;
	int rc = -1;

	restart[0] = '\0';
	pthread_mutex_lock(&d->reload_lock);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (read_config(c, err, errlen) != 0)
		goto out;
	if (uses_envelopes(&c->router) && d->workers[0]->batcher == NULL) {
		snprintf(err, errlen, "%s: routes with format envelope need a restart (no route produced envelopes at start)",
			 cmdline.path);
		goto out;
	}
	router = malloc(sizeof(*router));
	if (router == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	*router = c->router;
	restart_needed(&d->cfg, c, restart, restartlen);
	for (w = 0; w < d->n_workers; w++) {
		struct sl_source_table *t = d->workers[w]->sources;

		sl_worker_set_router(d->workers[w], router);
		__atomic_store_n(&t->idle_ns, (uint64_t)c->source_idle_s * 1000000000ull,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&t->site_rule.field, c->site_field, __ATOMIC_RELAXED);
		__atomic_store_n(&t->site_rule.separator, c->site_separator,
				 __ATOMIC_RELAXED);
		/* Known hosts get their site again at their next message. */
		__atomic_fetch_add(&t->site_gen, 1, __ATOMIC_RELEASE);
	}
	for (st = 0; st < d->n_streams; st++) {
		__atomic_store_n(&d->streams[st]->idle_tsc,
				 rte_get_tsc_hz() / 1000 * c->stream_idle_timeout_ms,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&d->streams[st]->max_per_source,
				 c->stream_max_per_source, __ATOMIC_RELAXED);
	}
	/* Workers not running (stopped, or offline) need no waiting. */
	rte_rcu_qsbr_synchronize(d->qsbr, RTE_QSBR_THRID_INVALID);
	pthread_mutex_lock(&d->obs.lock);
	old = d->router;
	d->router = router;
	router = old;
	d->cfg.router = c->router;
	d->cfg.source_idle_s = c->source_idle_s;
	d->cfg.site_separator = c->site_separator;
	d->cfg.site_field = c->site_field;
	d->cfg.stream_idle_timeout_ms = c->stream_idle_timeout_ms;
	d->cfg.stream_max_per_source = c->stream_max_per_source;
	d->cfg.stats_interval_ms = c->stats_interval_ms;
	d->cfg.drain_timeout_ms = c->drain_timeout_ms;
	d->obs.reloads++;
	snprintf(d->obs.last_reload, sizeof(d->obs.last_reload), "ok");
	pthread_mutex_unlock(&d->obs.lock);
	SL_LOG(NOTICE, "configuration reloaded from %s%s%s", cmdline.path,
	       restart[0] ? "; a restart applies: " : "", restart);
	rc = 0;
out:
	if (rc != 0) {
		pthread_mutex_lock(&d->obs.lock);
		d->obs.reload_errors++;
		snprintf(d->obs.last_reload, sizeof(d->obs.last_reload), "%s", err);
		pthread_mutex_unlock(&d->obs.lock);
		SL_LOG(ERR, "reload refused, the running configuration stays: %s", err);
	}
	pthread_mutex_unlock(&d->reload_lock);
	free(router);
	free(c);
	return rc;
}

/* sl_observe_ops.drain: the control loop stops the input at its next
 * tick. */
static void
request_drain(void *ctx)
{
	struct daemon_state *d = ctx;

	__atomic_store_n(&d->drain_requested, 1, __ATOMIC_RELEASE);
}

/* Publishes the running daemon to the control plane and registers the
 * telemetry commands. */
static int
setup_observe(struct daemon_state *d, const char *brokers)
{
	struct sl_observe *o = &d->obs;
	unsigned w, lcore, p;

	pthread_mutex_lock(&o->lock);
	o->cfg = &d->cfg;
	o->brokers = brokers;
	o->n_rx = d->n_rx;
	o->n_workers = d->n_workers;
	o->n_streams = d->n_streams;
	for (w = 0; w < d->n_workers; w++) {
		o->workers[w] = d->workers[w];
		o->control[w] = d->control[w];
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
		if (roles[lcore].worker != NULL)
			o->worker_lcore[roles[lcore].worker->id] = lcore;
	o->rings = &d->rings;
	o->n_producers = d->n_producers;
	for (p = 0; p < d->n_producers; p++)
		o->producers[p] = d->producers[p];
	o->n_ports = d->cfg.driver == SL_DRIVER_DPDK ? d->cfg.n_ports : 0;
	for (p = 0; p < o->n_ports; p++)
		o->port_ids[p] = d->port_ids[p];
	o->ops = (struct sl_observe_ops){
		.reload = reload, .drain = request_drain, .ctx = d,
	};
	o->state = SL_STATE_RUNNING;
	pthread_mutex_unlock(&o->lock);
	if (sl_observe_attach(o) != 0) {
		SL_LOG(ERR, "control plane: out of memory");
		return -1;
	}
	if (sl_telemetry_register(o) != 0) {
		SL_LOG(ERR, "telemetry: cannot register the /sluice/ commands");
		return -1;
	}
	return 0;
}

/* Prints the lcore counters and, after them, the ports' own. */
static void
print_stats(const char *label)
{
	char nic[256];

	sl_ethdev_format_stats(nic, sizeof(nic));
	sl_stats_print(stdout, label, nic);
}

/* Runs the control loop on the main lcore until SIGTERM, SIGINT or a
 * drain request: the counters, the control plane's samples, reloads
 * (SIGHUP), and key rotation (the key file is checked every tick).
 * Returns 1 for a drain, 0 for a signal. */
static int
control_loop(struct daemon_state *d, const sigset_t *sigs)
{
	const struct sl_config *c = &d->cfg;
	unsigned interval_ms = c->stats_interval_ms;
	const struct timespec tick = { .tv_nsec = 100000000L };
	uint64_t next_stats = 0, next_sample = 0, now, watchdog_us;
	char err[512], restart[512];
	int sig, watchdog = sd_watchdog_enabled(0, &watchdog_us) > 0;

	if (interval_ms > 0)
		next_stats = wall_ns() / 1000000 + interval_ms;
	for (;;) {
		sig = sigtimedwait(sigs, NULL, &tick);
		if (watchdog)
			sd_notify(0, "WATCHDOG=1");
		if (sig == SIGTERM || sig == SIGINT) {
			SL_LOG(NOTICE, "%s: stopping input, draining (bound %u ms)",
			       strsignal(sig), c->drain_timeout_ms);
			sd_notify(0, "STOPPING=1\nSTATUS=stopping, delivering what is in flight");
			sl_observe_set_state(&d->obs, SL_STATE_STOPPING);
			return 0;
		}
		if (__atomic_load_n(&d->drain_requested, __ATOMIC_ACQUIRE)) {
			SL_LOG(NOTICE, "drain: stopping input, delivering what is in flight (bound %u ms)",
			       c->drain_timeout_ms);
			sl_observe_set_state(&d->obs, SL_STATE_DRAINING);
			sd_notify(0, "STATUS=draining, delivering what is in flight");
			return 1;
		}
		if (sig == SIGHUP) {
			sd_notify(0, "RELOADING=1");
			reload(d, err, sizeof(err), restart, sizeof(restart));
			sd_notify(0, "READY=1");
		}
		if (sig == SIGUSR1)
			print_stats("sluiced: stats");
		if (d->keys != NULL &&
		    sl_keyring_changed(c->env_key_file, &d->key_stamp) == 1)
			load_keys(d);
		now = wall_ns() / 1000000;
		if (now >= next_sample) {
			sl_observe_sample(&d->obs, now * 1000000);
			next_sample = now + 1000;
		}
		if (interval_ms != c->stats_interval_ms) {
			interval_ms = c->stats_interval_ms;
			next_stats = now + interval_ms;
		}
		if (interval_ms > 0 && now >= next_stats) {
			print_stats("sluiced: stats");
			next_stats = now + interval_ms;
		}
	}
}

/* After a drain: the data path stopped and delivered what it could;
 * reports what is still unacknowledged (0 unless the drain bound ran
 * out), then stays up, serving telemetry in state "drained", until
 * SIGTERM or SIGINT. */
static void
wait_drained(struct daemon_state *d, const sigset_t *sigs)
{
	const struct timespec tick = { .tv_nsec = 100000000L };
	struct sl_obs_status st;
	uint64_t watchdog_us;
	unsigned w;
	int sig, watchdog = sd_watchdog_enabled(0, &watchdog_us) > 0;

	for (w = 0; w < d->n_workers; w++)
		sl_worker_settle(d->workers[w]);
	sl_observe_status(&d->obs, &st);
	sl_observe_set_state(&d->obs, SL_STATE_DRAINED);
	SL_LOG(NOTICE, "drained: %" PRIu64 " message(s) unacknowledged; waiting for SIGTERM",
	       st.unacked);
	sd_notifyf(0, "STATUS=drained, %" PRIu64 " message(s) unacknowledged; waiting for SIGTERM",
		   st.unacked);
	/* Still alive for the watchdog while it waits to be stopped. */
	do {
		sig = sigtimedwait(sigs, NULL, &tick);
		if (watchdog)
			sd_notify(0, "WATCHDOG=1");
	} while (sig != SIGTERM && sig != SIGINT);
	sd_notify(0, "STOPPING=1");
	sl_observe_set_state(&d->obs, SL_STATE_STOPPING);
}

static void
teardown(struct daemon_state *d)
{
	unsigned i, left;

	end_ready();
	sl_http_stop();
	sl_observe_detach(&d->obs);
	for (i = 0; i < d->n_workers; i++) {
		if (d->workers[i] == NULL)
			continue;
		/* Reports a poller forwarded after this worker stopped. */
		sl_worker_settle(d->workers[i]);
		sl_source_table_print(d->workers[i]->sources, stdout,
				      "sluiced: source", 64);
	}
	for (i = 0; i < d->n_producers; i++)
		sl_kafka_print_errors(d->producers[i], stdout,
				      "sluiced: kafka failures");

	for (i = 0; i < d->n_streams; i++)
		sl_stream_free(d->streams[i]);
	for (i = 0; i < d->n_workers; i++)
		sl_worker_free(d->workers[i]);
	for (i = 0; i < d->n_producers; i++)
		sl_kafka_free(d->producers[i]);
	for (i = 0; i < d->n_workers; i++) {
		unsigned st;

		rte_ring_free(d->settle[i]);
		for (st = 0; st < d->n_streams; st++)
			rte_ring_free(d->replies[i][st]);
	}
	SSL_CTX_free(d->tls);
	for (i = 0; i < d->n_workers; i++)
		rte_ring_free(d->control[i]);
	rte_free(d->qsbr);
	free(d->router);
	left = sl_ring_set_free(&d->rings);
	if (left > 0)
		SL_STAT_DROP(sl_stats_self(), SL_DROP_SHUTDOWN, left);
	for (i = 0; i < d->n_rxq; i++) {
		sl_ethdev_rxq_free(d->rxqs[i]);
		rte_free(d->rxqs[i]);
	}
	if (d->cfg.driver == SL_DRIVER_DPDK)
		sl_ethdev_stop_all();
	for (i = 0; i < d->n_rx; i++) {
		sl_sockudp_close(d->socks[i]);
		rte_free(d->disp[i]);
	}
	rte_mempool_free(d->mp);
	rte_mempool_free(d->stream_mp);
	sl_keyfeed_free(d->keys);
	sl_kafka_embedded_stop(d->embedded);
}

/* Reports the final counters; nic holds the ports' counters, read before
 * the ports were closed. */
static void
report_shutdown(const char *nic)
{
	struct sl_lcore_stats t;
	uint64_t dropped = 0;
	unsigned r;

	sl_stats_sum(&t);
	for (r = 0; r < SL_DROP__COUNT; r++)
		dropped += t.drops[r];
	sl_stats_print(stdout, "sluiced: final", nic);
	SL_LOG(NOTICE, "shutdown: %" PRIu64 " message(s) delivered to Kafka, %" PRIu64
	       " failed in Kafka, %" PRIu64 " dropped at shutdown, %" PRIu64
	       " dropped in all (see drop_* counters)",
	       t.kafka_delivered, t.drops[SL_DROP_KAFKA_FAILED],
	       t.drops[SL_DROP_SHUTDOWN], dropped);
}

int
main(int argc, char **argv)
{
	static struct daemon_state d;
	char *eal[EAL_ARGV_MAX], nic[256];
	const char *brokers;
	unsigned n_lcores;
	sigset_t sigs;
	int check_only = 0, eal_argc, rc = 1, drain;

	if (load_config(&d.cfg, argc, argv, &check_only) != 0)
		return 2;
	sl_observe_init(&d.obs);
	pthread_mutex_init(&d.reload_lock, NULL);
	d.n_rx = d.cfg.rx_lcores;
	d.n_workers = d.cfg.workers;
	d.n_streams = sl_config_stream_lcores(&d.cfg);
	n_lcores = 1 + d.n_rx + (d.cfg.mode == SL_MODE_PIPELINE ? d.n_workers : 0) +
		   d.n_streams;
	if (check_only == 2) {
		fprintf(stderr, "sluiced: --probe goes with --check-config\n");
		return 2;
	}
	if (check_only) {
		rc = check_config(&d.cfg, d.n_streams, n_lcores);
		if (rc == 0 && (check_only & 2))
			rc = probe_ports(&d.cfg);
		return rc;
	}
	if (check_hugepages(&d.cfg, d.n_streams) != 0)
		return 2;
	if (d.n_streams > 0)
		raise_fd_limit(d.cfg.stream_max_connections * d.n_streams);

	/* Block the control signals before EAL and librdkafka start their
	 * threads, so the threads inherit the mask and only the control loop
	 * ever takes these signals (sigtimedwait). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0) {
		fprintf(stderr, "sluiced: cannot block signals\n");
		return 1;
	}

	eal_argc = eal_argv(&d.cfg, n_lcores, eal);
	if (eal_argc < 0)
		return 2;
	if (rte_eal_init(eal_argc, eal) < 0) {
		fprintf(stderr, "sluiced: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	d.mp = sl_mempool_create("sl_mbufs", d.cfg.mbufs, d.cfg.mbuf_cache,
				 (uint16_t)d.cfg.mbuf_size, (int)rte_socket_id());
	if (d.mp == NULL) {
		SL_LOG(ERR, "mbuf pool of %u: %s", d.cfg.mbufs,
		       rte_strerror(rte_errno));
		goto out;
	}
	if (sl_ring_set_create(&d.rings, "sl_ring", d.n_rx + d.n_streams, d.n_workers,
			       d.cfg.ring_size, (int)rte_socket_id()) != 0) {
		SL_LOG(ERR, "rings: %s", rte_strerror(rte_errno));
		goto out;
	}
	if (setup_replies(&d) != 0 || setup_kafka(&d, &brokers) != 0 ||
	    setup_inputs(&d) != 0 || setup_streams(&d) != 0)
		goto out;
	{
		char listen[SL_ADDR_STRLEN];

		sl_addr_format(&d.cfg.listen, listen);
		SL_LOG(NOTICE, "listening on udp %s (%s driver), %u receive lcore(s), %u worker(s), %s, Kafka %s",
		       listen, d.cfg.driver == SL_DRIVER_DPDK ? "dpdk" : "socket",
		       d.n_rx, d.n_workers,
		       d.cfg.mode == SL_MODE_PIPELINE ? "pipeline" : "run-to-completion",
		       brokers);
		log_stream_listeners(&d.cfg);
	}
	if (launch(&d) != 0 || setup_observe(&d, brokers) != 0 ||
	    sl_http_start(&d.obs) != 0) {
		__atomic_store_n(&run.rx_stop, 1, __ATOMIC_RELEASE);
		rte_eal_mp_wait_lcore();
		goto out;
	}
	announce_ready(d.producers[0], brokers);
	drain = control_loop(&d, &sigs);
	__atomic_store_n(&run.deadline_tsc, rte_rdtsc() +
			 rte_get_tsc_hz() / 1000 * d.cfg.drain_timeout_ms,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&run.rx_stop, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	if (drain)
		wait_drained(&d, &sigs);
	rc = 0;
out:
	sl_ethdev_format_stats(nic, sizeof(nic));
	teardown(&d);
	report_shutdown(nic);
	rte_eal_cleanup();
	return rc;
}
