/* sluice-blast: the load generator of the sluice test rig. It sends real
 * log lines as syslog from many simulated hosts, each message tagged with
 * its host's sequence number and its send time, over kernel UDP sockets,
 * TCP connections or RELP sessions, into a packet capture for net_pcap or
 * over net_memif for the DPDK path. Every mode ends with one
 * machine-readable summary line on stdout:
 *   sluice-blast: mode=udp sent=N bytes=B seconds=S rate=R errors=E
 * (relp adds acked=, nacked=, broken=, acked_rate=, p50_us=, p99_us=,
 * p999_us=). This file parses the command line for all modes, loads the
 * corpus and reports; the modes themselves are in sl_blast_<mode>.c. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sl_args.h"
#include "sl_blast.h"

#define BLAST_PROGRESS_NS 1000000000ull
#define BLAST_MAX_DURATION_S 31536000.0

static const struct sl_blast_mode *const blast_modes[] = {
	&sl_blast_mode_udp,
	&sl_blast_mode_tcp,
	&sl_blast_mode_relp,
	&sl_blast_mode_pcap,
	&sl_blast_mode_memif,
};

static int blast_stop;

static void
on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&blast_stop, 1, __ATOMIC_RELAXED);
}

int
sl_blast_stopping(void)
{
	return __atomic_load_n(&blast_stop, __ATOMIC_RELAXED);
}

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
sl_blast_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t
sl_blast_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void
sl_blast_sleep_ns(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u),
	};

	/* An early wake-up (signal) only means one more look at the clock. */
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

void
sl_blast_progress_start(struct sl_blast_progress *p, uint64_t start_ns)
{
	memset(p, 0, sizeof(*p));
	p->start_ns = start_ns;
	p->last_ns = start_ns;
	p->tty = isatty(STDERR_FILENO);
}

void
sl_blast_progress_update(struct sl_blast_progress *p, const char *mode,
			 const struct sl_blast_result *r)
{
	uint64_t now;
	double dt, total;

	if (!p->tty)
		return;
	now = sl_blast_mono_ns();
	if (now - p->last_ns < BLAST_PROGRESS_NS)
		return;
	dt = (double)(now - p->last_ns) / 1e9;
	total = (double)(now - p->start_ns) / 1e9;
	fprintf(stderr, "\rsluice-blast %s: %" PRIu64 " sent, %.0f msg/s now, "
		"%.0f msg/s avg, %.1f MB, %" PRIu64 " errors",
		mode, r->sent, (double)(r->sent - p->last_sent) / dt,
		total > 0 ? (double)r->sent / total : 0.0,
		(double)r->bytes / 1e6, r->errors);
	if (r->acks)
		fprintf(stderr, ", %" PRIu64 " acked, p50 %" PRIu64 " us, "
			"p99 %" PRIu64 " us", r->acked,
			sl_hist_quantile(&r->lat, 0.5),
			sl_hist_quantile(&r->lat, 0.99));
	/* \033[K clears what a longer previous line left behind. */
	fputs("\033[K", stderr);
	fflush(stderr);
	p->last_ns = now;
	p->last_sent = r->sent;
	p->shown = 1;
}

void
sl_blast_progress_end(struct sl_blast_progress *p)
{
	if (!p->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = 0;
}

/* The synopsis of every mode; with full, the option list too. */
static void
usage(FILE *f, int full)
{
	size_t i;

	fprintf(f, "usage:\n");
	for (i = 0; i < sizeof(blast_modes) / sizeof(blast_modes[0]); i++)
		fprintf(f, "  sluice-blast %s %s\n", blast_modes[i]->name,
			blast_modes[i]->synopsis);
	if (!full) {
		fprintf(f, "Try 'sluice-blast --help' for the options.\n");
		return;
	}
	fprintf(f,
		"\n"
		"Sends corpus lines as syslog from simulated hosts; each "
		"message carries its\n"
		"host's sequence number and send time (docs/benchmarks.md).\n"
		"\n"
		"  udp MODE: kernel UDP sockets, sendmmsg, T threads, "
		"optionally paced\n"
		"  tcp MODE: C connections, LF or octet-counted framing, T "
		"threads\n"
		"  relp MODE: C RELP sessions, W unanswered commands each, "
		"latency to \"rsp 200\"\n"
		"  pcap MODE: a capture of Ethernet/IPv4/UDP frames for "
		"net_pcap replay\n"
		"  memif MODE: the same frames sent over DPDK net_memif\n"
		"\n"
		"  --target HOST:PORT  where udp, tcp, relp send ([v6]:PORT "
		"for IPv6)\n"
		"  --connections C     tcp, relp: connections, hosts spread "
		"over them (default 1)\n"
		"  --sources N         tcp, relp: connections send from 127.0.0.1 "
		"..\n"
		"                      127.0.0.N in turn, N senders to a "
		"loopback target\n"
		"  --framing F         tcp: lf or octet (default lf)\n"
		"  --window W          relp: unanswered commands per session, "
		"1..%u (default 128)\n"
		"  --socket PATH       memif: control socket (default "
		"/run/sluice/memif.sock)\n"
		"  --role R            memif: client or server (default "
		"client)\n"
		"  --out FILE          pcap file to write; repeated (up to "
		"%u), the hosts\n"
		"                      are split over the files, one per "
		"receive queue\n"
		"  --dst IP:PORT       destination of the frames "
		"(default 198.18.0.1:514)\n"
		"  --dst-mac MAC       destination MAC (default "
		"02:00:00:00:00:01)\n"
		"  --corpus DIR        every *.log of DIR, in name order "
		"(default $SL_CORPUS)\n"
		"  --file FILE         one log file instead of a directory\n"
		"  --count N           messages in all (k and M suffixes: "
		"10k, 1M); udp\n"
		"                      default: until --duration or a "
		"signal; pcap default:\n"
		"                      one pass over the corpus\n"
		"  --rate R            messages/s in all, steadily paced "
		"(default: flat out)\n"
		"  --threads T         sending threads, each with its own "
		"sockets (default 1)\n"
		"  --sites S           sites the hosts are spread over "
		"(default 1)\n"
		"  --hosts H           simulated hosts (default 16)\n"
		"  --format F          3164 or 5424 (default 5424)\n"
		"  --batch B           messages per sendmmsg call, write or "
		"tx burst, 1..%d\n"
		"                      (default 64)\n"
		"  --duration S        stop after S seconds (decimals "
		"allowed)\n"
		"  --mtu M             IPv4 MTU; longer datagrams are "
		"fragmented (default 1500)\n"
		"  --help              this text\n"
		"\n"
		"Prints one summary line on stdout at the end:\n"
		"  sluice-blast: mode=M sent=N bytes=B seconds=S rate=R "
		"errors=E\n"
		"relp adds acked=A nacked=N broken=B acked_rate=R p50_us=U "
		"p99_us=U p999_us=U.\n"
		"Exit status: 0 done (also after SIGINT/SIGTERM), 1 a fatal "
		"error (relp: a\n"
		"session broke with messages unanswered), 2 bad usage.\n",
		SL_BLAST_MAX_WINDOW, SL_BLAST_MAX_OUTS, SL_BLAST_MAX_BATCH);
}

/* Parses --duration into nanoseconds (at least 1). */
static int
parse_duration(const char *text, uint64_t *ns)
{
	double v;

	if (sl_args_seconds(text, BLAST_MAX_DURATION_S, &v) != 0)
		return -1;
	*ns = (uint64_t)(v * 1e9);
	if (*ns == 0)
		*ns = 1;
	return 0;
}

static int
parse_unsigned(const char *text, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;

	if (sl_args_count(text, min, max, &v) != 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static const struct option blast_options[] = {
	{ "target", required_argument, NULL, 't' },
	{ "out", required_argument, NULL, 'o' },
	{ "dst", required_argument, NULL, 'd' },
	{ "dst-mac", required_argument, NULL, 'm' },
	{ "corpus", required_argument, NULL, 'C' },
	{ "file", required_argument, NULL, 'f' },
	{ "count", required_argument, NULL, 'n' },
	{ "rate", required_argument, NULL, 'r' },
	{ "threads", required_argument, NULL, 'T' },
	{ "sites", required_argument, NULL, 'S' },
	{ "hosts", required_argument, NULL, 'H' },
	{ "format", required_argument, NULL, 'F' },
	{ "batch", required_argument, NULL, 'b' },
	{ "duration", required_argument, NULL, 'D' },
	{ "mtu", required_argument, NULL, 'M' },
	{ "connections", required_argument, NULL, 'c' },
	{ "framing", required_argument, NULL, 'L' },
	{ "window", required_argument, NULL, 'w' },
	{ "socket", required_argument, NULL, 's' },
	{ "role", required_argument, NULL, 'R' },
	{ "sources", required_argument, NULL, 'A' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The option bit of each short code in blast_options. */
static uint32_t
option_bit(int code)
{
	switch (code) {
	case 't': return SL_BLAST_OPT_TARGET;
	case 'o': return SL_BLAST_OPT_OUT;
	case 'd': return SL_BLAST_OPT_DST;
	case 'm': return SL_BLAST_OPT_DST_MAC;
	case 'C': return SL_BLAST_OPT_CORPUS;
	case 'f': return SL_BLAST_OPT_FILE;
	case 'n': return SL_BLAST_OPT_COUNT;
	case 'r': return SL_BLAST_OPT_RATE;
	case 'T': return SL_BLAST_OPT_THREADS;
	case 'S': return SL_BLAST_OPT_SITES;
	case 'H': return SL_BLAST_OPT_HOSTS;
	case 'F': return SL_BLAST_OPT_FORMAT;
	case 'b': return SL_BLAST_OPT_BATCH;
	case 'D': return SL_BLAST_OPT_DURATION;
	case 'M': return SL_BLAST_OPT_MTU;
	case 'c': return SL_BLAST_OPT_CONNECTIONS;
	case 'L': return SL_BLAST_OPT_FRAMING;
	case 'w': return SL_BLAST_OPT_WINDOW;
	case 's': return SL_BLAST_OPT_SOCKET;
	case 'R': return SL_BLAST_OPT_ROLE;
	case 'A': return SL_BLAST_OPT_SOURCES;
	default: return 0;
	}
}

static const char *
option_name(uint32_t bit)
{
	const struct option *o;

	for (o = blast_options; o->name != NULL; o++)
		if (option_bit(o->val) == bit)
			return o->name;
	return "?";
}

/* One option's value into o. Returns 0, or -1 after printing why. */
static int
parse_value(int code, const char *arg, struct sl_blast_opts *o)
{
	int bad = 0;

	switch (code) {
	case 't': o->target = arg; break;
	case 'o':
		if (o->n_out == SL_BLAST_MAX_OUTS) {
			fprintf(stderr, "sluice-blast: --out: at most %u files\n",
				SL_BLAST_MAX_OUTS);
			return -1;
		}
		o->out[o->n_out++] = arg;
		break;
	case 'd': o->dst = arg; break;
	case 'm': o->dst_mac = arg; break;
	case 'n': bad = sl_args_count(arg, 1, UINT64_MAX, &o->count); break;
	case 'r': bad = sl_args_count(arg, 1, UINT64_MAX / 2, &o->rate); break;
	case 'T':
		bad = parse_unsigned(arg, 1, SL_BLAST_MAX_THREADS, &o->threads);
		break;
	case 'S': bad = parse_unsigned(arg, 1, SL_BLAST_MAX_SITES, &o->sites); break;
	case 'H': bad = parse_unsigned(arg, 1, SL_BLAST_MAX_HOSTS, &o->hosts); break;
	case 'b': bad = parse_unsigned(arg, 1, SL_BLAST_MAX_BATCH, &o->batch); break;
	case 'D': bad = parse_duration(arg, &o->duration_ns); break;
	case 'M': bad = parse_unsigned(arg, 68, 9216, &o->mtu); break;
	case 'c':
		bad = parse_unsigned(arg, 1, SL_BLAST_MAX_CONNECTIONS,
				     &o->connections);
		break;
	case 'w':
		bad = parse_unsigned(arg, 1, SL_BLAST_MAX_WINDOW, &o->window);
		break;
	case 'A':
		bad = parse_unsigned(arg, 1, SL_BLAST_MAX_SOURCES, &o->sources);
		break;
	case 's': o->socket = arg; break;
	case 'L':
		if (strcmp(arg, "lf") == 0)
			o->framing = SL_BLAST_FRAMING_LF;
		else if (strcmp(arg, "octet") == 0)
			o->framing = SL_BLAST_FRAMING_OCTET;
		else
			bad = -1;
		break;
	case 'R':
		if (strcmp(arg, "client") == 0)
			o->memif_server = 0;
		else if (strcmp(arg, "server") == 0)
			o->memif_server = 1;
		else
			bad = -1;
		break;
	case 'F':
		if (strcmp(arg, "3164") == 0)
			o->format = SL_BLAST_RFC3164;
		else if (strcmp(arg, "5424") == 0)
			o->format = SL_BLAST_RFC5424;
		else
			bad = -1;
		break;
	default:
		bad = -1;
		break;
	}
	if (bad != 0) {
		fprintf(stderr, "sluice-blast: bad --%s \"%s\"\n",
			option_name(option_bit(code)), arg);
		return -1;
	}
	return 0;
}

/* Parses "MODE [options]". Returns 0, 1 for --help, or -1 after printing
 * why; on 0, *mode is set and corpus_dir/corpus_file name the corpus. */
static int
parse_args(int argc, char **argv, const struct sl_blast_mode **mode,
	   struct sl_blast_opts *o, const char **corpus_dir,
	   const char **corpus_file)
{
	uint32_t given = 0;
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	o->threads = 1;
	o->sites = 1;
	o->hosts = 16;
	o->batch = 64;
	o->mtu = 1500;
	o->connections = 1;
	o->sources = 1;
	o->window = 128;
	o->socket = "/run/sluice/memif.sock";
	o->framing = SL_BLAST_FRAMING_LF;
	o->format = SL_BLAST_RFC5424;
	*corpus_dir = NULL;
	*corpus_file = NULL;
	*mode = NULL;

	if (argc < 2)
		return -1;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return 1;
	for (i = 0; i < sizeof(blast_modes) / sizeof(blast_modes[0]); i++)
		if (strcmp(argv[1], blast_modes[i]->name) == 0)
			*mode = blast_modes[i];
	if (*mode == NULL) {
		fprintf(stderr, "sluice-blast: unknown mode \"%s\"\n", argv[1]);
		return -1;
	}
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "h", blast_options, NULL)) != -1) {
		uint32_t bit = option_bit(c);

		if (c == 'h')
			return 1;
		if (bit == 0)
			return -1;
		if (!((*mode)->options & bit)) {
			fprintf(stderr, "sluice-blast: mode %s takes no --%s\n",
				(*mode)->name, option_name(bit));
			return -1;
		}
		if (c == 'C')
			*corpus_dir = optarg;
		else if (c == 'f')
			*corpus_file = optarg;
		else if (parse_value(c, optarg, o) != 0)
			return -1;
		given |= bit;
	}
	if (optind != argc) {
		fprintf(stderr, "sluice-blast: unexpected argument \"%s\"\n",
			argv[optind]);
		return -1;
	}
	if ((given & (*mode)->required) != (*mode)->required) {
		for (i = 0; i < 32; i++) {
			uint32_t bit = 1u << i;

			if (((*mode)->required & bit) && !(given & bit))
				fprintf(stderr, "sluice-blast: mode %s needs "
					"--%s\n", (*mode)->name, option_name(bit));
		}
		return -1;
	}
	if (*corpus_dir != NULL && *corpus_file != NULL) {
		fprintf(stderr, "sluice-blast: --corpus and --file exclude "
			"each other\n");
		return -1;
	}
	if (*corpus_dir == NULL && *corpus_file == NULL) {
		*corpus_dir = getenv("SL_CORPUS");
		if (*corpus_dir == NULL || (*corpus_dir)[0] == '\0') {
			fprintf(stderr, "sluice-blast: give --corpus DIR or "
				"--file FILE (or set SL_CORPUS)\n");
			return -1;
		}
	}
	if (o->sites > o->hosts) {
		fprintf(stderr, "sluice-blast: --sites %u exceeds --hosts %u\n",
			o->sites, o->hosts);
		return -1;
	}
	return 0;
}

static void
print_summary(const struct sl_blast_mode *mode, const struct sl_blast_result *r)
{
	printf("sluice-blast: mode=%s sent=%" PRIu64 " bytes=%" PRIu64
	       " seconds=%.3f rate=%.0f errors=%" PRIu64,
	       mode->name, r->sent, r->bytes, r->seconds,
	       r->seconds > 0 ? (double)r->sent / r->seconds : 0.0, r->errors);
	if (r->frames != 0)
		printf(" frames=%" PRIu64, r->frames);
	if (r->acks)
		printf(" acked=%" PRIu64 " nacked=%" PRIu64 " broken=%" PRIu64
		       " acked_rate=%.0f p50_us=%" PRIu64 " p99_us=%" PRIu64
		       " p999_us=%" PRIu64, r->acked, r->nacked, r->broken,
		       r->seconds > 0 ? (double)r->acked / r->seconds : 0.0,
		       sl_hist_quantile(&r->lat, 0.5),
		       sl_hist_quantile(&r->lat, 0.99),
		       sl_hist_quantile(&r->lat, 0.999));
	putchar('\n');
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	const struct sl_blast_mode *mode;
	struct sl_blast_corpus corpus;
	struct sl_blast_result res;
	struct sl_blast_opts o;
	struct sigaction sa;
	const char *dir, *file;
	char err[4352];
	int rc;

	rc = parse_args(argc, argv, &mode, &o, &dir, &file);
	if (rc == 1) {
		usage(stdout, 1);
		return 0;
	}
	if (rc != 0) {
		usage(stderr, 0);
		return 2;
	}
	if (sl_blast_corpus_load(&corpus, dir, file, err, sizeof(err)) != 0) {
		fprintf(stderr, "sluice-blast: %s\n", err);
		return 2;
	}
	o.corpus = &corpus;
	if (mode->check(&o) != 0) {
		usage(stderr, 0);
		rc = 2;
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1) {
		fprintf(stderr, "sluice-blast: sigaction: %s\n", strerror(errno));
		rc = 1;
		goto out;
	}
	memset(&res, 0, sizeof(res));
	rc = mode->run(&o, &res) == 0 ? 0 : 1;
	print_summary(mode, &res);
out:
	sl_blast_corpus_free(&corpus);
	return rc;
}
