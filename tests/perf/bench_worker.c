/* bench_worker.c: the worker path alone, without a NIC and without Kafka
 * (not a test; results in docs/perf-notes.md).
 *
 * usage: bench_worker [--corpus DIR] [--seconds S] [--rounds R]
 *                     [--messages N]
 *                     [--hosts H] [--sites S] [--buckets B]
 *                     [--batch-bytes N] [--linger-us U]
 *                     [--cases none,aes256gcm,xchacha20]
 *                     [--lz4 PATH | --no-lz4-cli | --no-lz4] [--raw-out FILE]
 *
 * Every corpus line is wrapped as sluice-blast wraps it (RFC 5424, the
 * sl@32473 structured data, hosts site<S>-host<H>, sl_blast_gen.c itself)
 * into a set of messages, each with the metadata the receive stage would
 * give it (source 198.18.128.1 + host, as sluice-blast pcap sends from).
 * Then, burst after burst, the messages are replayed into mbufs of a
 * mempool as a receive stage does, and each mbuf goes through the steps
 * sl_worker_handle() takes for an envelope route: sl_syslog_parse_min,
 * sl_route_message (a default router, topic "logs", format envelope),
 * sl_source_get, the batcher (sl_batcher_find/open, sl_batch_full_for,
 * sl_batch_add, as batch_message() in dataplane/sl_worker.c), sl_batch_seal
 * when a batch is full or has lingered, the counters, and
 * rte_pktmbuf_free. sl_worker_handle needs a Kafka producer and the
 * worker's glue is static there, so the glue is replicated here: the same
 * functions in the same order; only the hand-over of a sealed envelope to
 * librdkafka is replaced by freeing it (its delivery report would free it
 * in sluiced).
 *
 * The replay (mbuf allocation and copy) and the worker steps are timed
 * apart with the TSC, per burst: "worker" rates are what one worker lcore
 * does, "replay + worker" what one run-to-completion lcore would do with
 * a receive stage as cheap as a memcpy. Each case (no encryption,
 * AES-256-GCM where the CPU has AES-NI, XChaCha20-Poly1305) has its own
 * worker, warmed up by one untimed pass; then the cases take turns.
 *
 * Envelopes are sealed when full (batch_bytes, batch_messages) or when
 * their first message is --linger-us old (default 5000, sluiced's), as
 * sl_worker_poll() checks before each burst; at these rates the linger
 * seals many batches before they are full, as it would in sluiced.
 *
 * Next to it: the record areas the worker seals on one pass without
 * linger (so full batch_bytes batches, no encryption) are compressed with
 * LZ4_compress_fast (acceleration 1, as the envelope does), and written
 * to a file on which the real lz4 command line tool runs its benchmark
 * (`lz4 -b1`, default 4 MiB blocks, and `lz4 -b1 -B65536`, 64 KiB blocks
 * like the envelopes; lz4 reports the fastest of its runs).
 *
 * MB are 10^6 bytes. Message bytes are the syslog messages (msg_bytes),
 * record bytes the envelope record areas (32 bytes + message each).
 *
 * The rates are means over every timed pass. Beside them, the fastest
 * pass of each case (one pass is the whole message set, --messages): on a
 * shared machine the mean moves with the other load, the fastest pass
 * much less, and `lz4 -b` itself reports its fastest run, so the
 * "fastest" lines compare like with like; the encryption cost is given
 * both ways.
 *
 * Options (defaults: sluiced's, and the senders of bench_ingest.sh):
 *   --corpus DIR         the log lines, every *.log (default $SL_CORPUS)
 *   --seconds S          timed seconds per case (3)
 *   --rounds R           the cases and LZ4 take turns, R times each for
 *                        S / R seconds (3), so a change of load on a
 *                        shared machine does not skew one case
 *   --messages N         messages in the replayed set (65536)
 *   --hosts H, --sites S simulated senders (1024 in 16 sites)
 *   --buckets B, --batch-bytes N, --linger-us U
 *                        [envelope] buckets (64), batch_bytes (65536)
 *                        and linger (5000 us)
 *   --cases LIST         the encryption cases, in order; the first is the
 *                        base of the encryption cost and of the LZ4 ratio
 *   --lz4 PATH           the lz4 command (lz4); --no-lz4-cli skips it,
 *                        --no-lz4 skips every LZ4 run (to profile the
 *                        worker alone)
 *   --raw-out FILE       keep the record areas given to lz4 in FILE */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <lz4.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <sodium.h>

#include "sl_ack-t.h"
#include "sl_batch.h"
#include "sl_blast_gen.h"
#include "sl_envelope.h"
#include "sl_mempool.h"
#include "sl_meta.h"
#include "sl_route.h"
#include "sl_source.h"
#include "sl_stats.h"
#include "sl_syslog.h"
#include "sl_test_eal.h"
#include "sl_worker.h"

#define BENCH_BURST      32       /* the worker's default burst */
#define BENCH_MBUFS      4095
#define BENCH_MBUF_CACHE 256
#define BENCH_DATA_ROOM  2176     /* [dataplane] mbuf_size default */
#define BENCH_MAX_MSG    65535u   /* [dataplane] max_message default */
#define BENCH_MAX_OPEN   1024u    /* [envelope] max_open_batches default */
#define BENCH_BATCH_MSGS 10000u   /* [envelope] batch_messages default */
#define BENCH_MAX_SOURCES 65536u  /* [dataplane] max_sources default */
#define BENCH_MAX_CASES  3
#define BENCH_NO_LINGER_US 10000000u  /* [envelope] linger maximum, 10 s */

struct bench_opts {
	const char *corpus;
	double seconds;
	unsigned rounds;
	unsigned messages;
	unsigned hosts;
	unsigned sites;
	unsigned buckets;
	size_t batch_bytes;
	unsigned linger_us;
	int lz4;                   /* compare with LZ4 (0: the worker only) */
	const char *lz4_cli;       /* NULL: do not run the command line tool */
	const char *raw_out;       /* NULL: a temporary file, removed */
	unsigned n_cases;
	enum sl_envelope_aead cases[BENCH_MAX_CASES];
};

/* The replayed messages: message i is data[off[i] .. off[i] + len[i])
 * with the metadata meta[i] a receive stage would have given it. */
struct bench_set {
	char *data;
	size_t *off;
	uint32_t *len;
	struct sl_meta *meta;
	unsigned n;
	uint64_t bytes;
};

/* Record areas captured as the worker sealed them (for the LZ4 runs):
 * area i is raw[off[i] .. off[i] + len[i]). */
struct bench_areas {
	uint8_t *raw;
	size_t used, cap;
	size_t *off;
	size_t *len;
	size_t n, n_cap;
};

/* The state of the replicated worker. Invariants: as struct sl_worker's
 * for the fields of the same name; nothing is ever pending (sealed
 * envelopes are discarded at once), so the "nothing pending" conditions
 * of sl_worker.c always hold. */
struct bench_worker {
	uint32_t max_message;
	struct sl_router *router;
	struct sl_source_table *sources;
	struct sl_lcore_stats *stats;
	uint8_t *scratch;
	struct sl_batcher *batcher;
	struct sl_envelope_encoder *encoder;
	char sources_text[1024];
	/* What the discarded envelopes would have carried. */
	uint64_t env_count;
	uint64_t env_bytes;
	struct bench_areas *capture;  /* non-NULL: copy each area sealed */
};

/* One case's results. */
struct bench_result {
	enum sl_envelope_aead aead;
	uint64_t msgs;
	uint64_t msg_bytes;
	uint64_t rec_bytes;
	uint64_t env_count;
	uint64_t env_raw;
	uint64_t env_bytes;
	double worker_s;
	double replay_s;
	double best_s;             /* worker time of the fastest pass */
	uint64_t pass_msgs;        /* what one pass handles */
	uint64_t pass_rec_bytes;
};

__attribute__((format(printf, 1, 2), noreturn))
static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_worker: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die("out of memory (%zu bytes)", n);
	return p;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
aead_name(enum sl_envelope_aead a)
{
	switch (a) {
	case SL_AEAD_NONE:
		return "none";
	case SL_AEAD_AES256GCM:
		return "aes256gcm";
	case SL_AEAD_XCHACHA20:
		return "xchacha20";
	default:
		return "auto";
	}
}

/* Builds the message set: n messages cycling through the corpus, message
 * i from host i mod hosts (as sluice-blast pcap sends them), each host's
 * seq counting from 1, send and receive times 500 ns apart. */
static void
build_set(const struct bench_opts *o, struct bench_set *s)
{
	struct sl_blast_corpus corpus;
	struct sl_blast_gen gen;
	uint64_t *seq, t0;
	struct timespec ts;
	size_t room, used = 0, cap;
	char err[512];
	unsigned i;

	if (sl_blast_corpus_load(&corpus, o->corpus, NULL, err, sizeof(err)) != 0)
		die("%s", err);
	sl_blast_gen_init(&gen, &corpus, SL_BLAST_RFC5424, o->sites, 0);
	room = sl_blast_gen_room(&gen);
	seq = calloc(o->hosts, sizeof(*seq));
	s->off = xmalloc(o->messages * sizeof(*s->off));
	s->len = xmalloc(o->messages * sizeof(*s->len));
	s->meta = xmalloc(o->messages * sizeof(*s->meta));
	cap = room * 1024;
	s->data = xmalloc(cap);
	if (seq == NULL)
		die("out of memory");
	clock_gettime(CLOCK_REALTIME, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (i = 0; i < o->messages; i++) {
		unsigned h = i % o->hosts;
		uint64_t t = t0 + (uint64_t)i * 500u;
		struct sl_meta *m = &s->meta[i];

		if (used + room > cap) {
			/* sl_blast_gen_next() needs room bytes free. */
			char *nd;

			cap *= 2;
			nd = realloc(s->data, cap);
			if (nd == NULL)
				die("out of memory");
			s->data = nd;
		}
		s->off[i] = used;
		s->len[i] = (uint32_t)sl_blast_gen_next(&gen, h, ++seq[h], t,
							s->data + used);
		used += s->len[i];
		s->bytes += s->len[i];
		memset(m, 0, sizeof(*m));
		m->rx_ns = t;
		sl_addr_set_v4(&m->src, htonl(0xc6128001u + h),
			       (uint16_t)(32768u + h % 28232u));
		m->src_hash = sl_addr_hash(&m->src);
	}
	s->n = o->messages;
	free(seq);
	sl_blast_corpus_free(&corpus);
}

/* Copies message i into a fresh mbuf (a chain of them when it is longer
 * than one buffer, as a stream lcore or the reassembly makes) with its
 * metadata: what a receive stage hands a worker. */
static struct rte_mbuf *
replay_one(struct rte_mempool *mp, const struct bench_set *s, unsigned i)
{
	const char *p = s->data + s->off[i];
	uint32_t left = s->len[i];
	struct rte_mbuf *head = NULL, *m;

	do {
		uint16_t room, take;

		m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			die("mbuf pool empty");
		room = rte_pktmbuf_tailroom(m);
		take = left < room ? (uint16_t)left : room;
		memcpy(rte_pktmbuf_append(m, take), p, take);
		p += take;
		left -= take;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			die("mbuf chain too long");
	} while (left > 0);
	*sl_meta(head) = s->meta[i];
	return head;
}

static void
capture_area(struct bench_areas *a, const uint8_t *raw, size_t len)
{
	if (a->n == a->n_cap) {
		a->n_cap = a->n_cap ? a->n_cap * 2 : 256;
		a->off = realloc(a->off, a->n_cap * sizeof(*a->off));
		a->len = realloc(a->len, a->n_cap * sizeof(*a->len));
		if (a->off == NULL || a->len == NULL)
			die("out of memory");
	}
	if (a->used + len > a->cap) {
		a->cap = a->cap ? a->cap * 2 : (size_t)16 << 20;
		while (a->cap < a->used + len)
			a->cap *= 2;
		a->raw = realloc(a->raw, a->cap);
		if (a->raw == NULL)
			die("out of memory");
	}
	memcpy(a->raw + a->used, raw, len);
	a->off[a->n] = a->used;
	a->len[a->n] = len;
	a->used += len;
	a->n++;
}

/* seal() of sl_worker.c, with the envelope discarded where sluiced hands
 * it to sl_kafka_produce_envelope (whose delivery report frees it). */
static void
seal(struct bench_worker *w, struct sl_batch *t)
{
	struct sl_envelope_ack *ack;
	uint8_t *payload;
	char err[256];
	size_t len;

	if (w->capture != NULL)
		capture_area(w->capture, t->raw, t->len);
	if (sl_batch_seal(t, w->encoder, 0, &payload, &len, &ack, err,
			  sizeof(err)) != 0)
		die("envelope of %u messages not sealed: %s", t->count, err);
	SL_STAT_ADD(w->stats, env_raw_bytes, t->len);
	sl_envelope_ack_sources(ack, w->sources_text, sizeof(w->sources_text));
	sl_batcher_close(w->batcher, t);
	w->env_count++;
	w->env_bytes += len;
	free(payload);
	free(ack);
}

/* The worker's sl_batch_seal_fn; nothing is ever pending here. */
static int
seal_for_batcher(void *ctx, struct sl_batch *t)
{
	seal(ctx, t);
	return 0;
}

/* The envelope branch of sl_worker_handle(), on the worker's own
 * sl_worker_read() and sl_worker_count(). */
static void
handle(struct bench_worker *w, struct rte_mbuf *m)
{
	struct sl_worker_msg x;

	if (sl_worker_read(m, w->max_message, w->scratch, w->router,
			   w->sources, w->stats, &x) == 0) {
		if (x.route.format != SL_FORMAT_ENVELOPE)
			die("message routed to a record route");
		if (sl_batcher_put(w->batcher, x.route.topic, x.meta, x.src,
				   x.data, x.hdr.len, rte_rdtsc(),
				   seal_for_batcher, w) != 0)
			die("no batch slot");
		sl_worker_count(&x, w->stats);
	}
	rte_pktmbuf_free(m);
}

/* One pass over the message set, burst by burst: replay (timed into
 * *replay_tsc), then the linger check sl_worker_poll() makes before each
 * dequeue and the burst's messages (timed into *worker_tsc). */
static void
run_pass(struct bench_worker *w, struct rte_mempool *mp,
	 const struct bench_set *s, uint64_t *replay_tsc, uint64_t *worker_tsc)
{
	struct rte_mbuf *burst[BENCH_BURST];
	struct sl_batch *t;
	uint64_t t0, t1, t2;
	unsigned i, j, n;

	for (i = 0; i < s->n; i += n) {
		n = RTE_MIN((unsigned)BENCH_BURST, s->n - i);
		t0 = rte_rdtsc();
		for (j = 0; j < n; j++)
			burst[j] = replay_one(mp, s, i + j);
		t1 = rte_rdtsc();
		while ((t = sl_batcher_expired(w->batcher, t1)) != NULL)
			seal(w, t);
		for (j = 0; j < n; j++) {
			if (j + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(burst[j + 1], void *));
			handle(w, burst[j]);
		}
		t2 = rte_rdtsc();
		*replay_tsc += t1 - t0;
		*worker_tsc += t2 - t1;
	}
}

static struct sl_envelope_encoder *
make_encoder(enum sl_envelope_aead aead)
{
	static const uint8_t key[SL_ENVELOPE_KEY_LEN] = {
		0x42, 0x17, 0x99, 0x03, 0x5e, 0xa1, 0x6c, 0xd4,
	};
	struct sl_envelope_encoder *enc;
	char err[256];

	enc = sl_envelope_encoder_new(aead, 1, err, sizeof(err));
	if (enc == NULL)
		die("encoder %s: %s", aead_name(aead), err);
	if (aead != SL_AEAD_NONE && sl_envelope_encoder_set_key(enc, 1, key) != 0)
		die("encoder %s: cannot set the key", aead_name(aead));
	return enc;
}

/* Sets up a fresh worker: source table, batcher (linger_us), encoder. */
static void
worker_init(struct bench_worker *w, const struct bench_opts *o,
	    struct sl_router *router, enum sl_envelope_aead aead,
	    unsigned linger_us)
{
	static unsigned n_tables;
	struct sl_batcher_params bp = {
		.max_open = BENCH_MAX_OPEN,
		.buckets = o->buckets,
		.batch_bytes = o->batch_bytes,
		.batch_messages = BENCH_BATCH_MSGS,
		.max_message = BENCH_MAX_MSG,
		.linger_us = linger_us,
		.socket = (int)rte_socket_id(),
	};
	char name[32];

	static const struct sl_site_rule site_rule = { '-', 1 };

	*w = (struct bench_worker){
		.max_message = BENCH_MAX_MSG,
		.router = router,
		.stats = sl_stats_self(),
	};
	snprintf(name, sizeof(name), "bench_src_%u", n_tables++);
	w->sources = sl_source_table_create(name, BENCH_MAX_SOURCES,
					    (int)rte_socket_id(), 0,
					    600 * 1000000000ull, &site_rule);
	w->batcher = sl_batcher_create(&bp);
	w->scratch = xmalloc(BENCH_MAX_MSG);
	if (w->sources == NULL || w->batcher == NULL)
		die("cannot create the worker's tables");
	w->encoder = make_encoder(aead);
}

static void
worker_fini(struct bench_worker *w)
{
	/* Open batches are the worker's business at shutdown, not here. */
	while (w->batcher->oldest != NULL)
		sl_batcher_close(w->batcher, w->batcher->oldest);
	sl_batcher_free(w->batcher);
	sl_source_table_free(w->sources);
	sl_envelope_encoder_free(w->encoder);
	free(w->scratch);
}

/* Runs passes of case w over the set for seconds of wall time and adds
 * what they did to *r. The counters are the lcore's, shared by every
 * case, so each segment counts its own differences. */
static void
run_segment(struct bench_worker *w, struct rte_mempool *mp,
	    const struct bench_set *s, double seconds, struct bench_result *r)
{
	struct sl_lcore_stats before = *w->stats;
	uint64_t replay_tsc = 0, worker_tsc = 0, msgs, e0 = w->env_count;
	uint64_t b0 = w->env_bytes, pass_tsc, m0, mb0;
	double t0 = now_s(), pass_s;

	do {
		m0 = w->stats->msg_in;
		mb0 = w->stats->msg_bytes;
		pass_tsc = worker_tsc;
		run_pass(w, mp, s, &replay_tsc, &worker_tsc);
		pass_s = (double)(worker_tsc - pass_tsc) / (double)rte_get_tsc_hz();
		if (r->best_s == 0 || pass_s < r->best_s) {
			r->best_s = pass_s;
			r->pass_msgs = w->stats->msg_in - m0;
			r->pass_rec_bytes = w->stats->msg_bytes - mb0 +
					    (uint64_t)SL_ENVELOPE_REC_HDR * r->pass_msgs;
		}
	} while (now_s() - t0 < seconds);
	msgs = w->stats->msg_in - before.msg_in;
	if (msgs == 0 || msgs % s->n != 0)
		die("%" PRIu64 " messages handled, not a multiple of %u (dropped?)",
		    msgs, s->n);
	r->aead = sl_envelope_encoder_aead(w->encoder);
	r->msgs += msgs;
	r->msg_bytes += w->stats->msg_bytes - before.msg_bytes;
	r->rec_bytes += w->stats->msg_bytes - before.msg_bytes +
			(uint64_t)SL_ENVELOPE_REC_HDR * msgs;
	r->env_raw += w->stats->env_raw_bytes - before.env_raw_bytes;
	r->env_count += w->env_count - e0;
	r->env_bytes += w->env_bytes - b0;
	r->worker_s += (double)worker_tsc / (double)rte_get_tsc_hz();
	r->replay_s += (double)replay_tsc / (double)rte_get_tsc_hz();
}

/* Captures the record areas the worker seals on one pass over the set
 * (after a pass to reach the steady state), with no linger, so every
 * area is a full batch_bytes batch: the bytes the LZ4 runs compress. */
static void
capture_areas(const struct bench_opts *o, struct rte_mempool *mp,
	      struct sl_router *router, const struct bench_set *s,
	      struct bench_areas *areas)
{
	struct bench_worker w;
	uint64_t replay_tsc = 0, worker_tsc = 0;

	worker_init(&w, o, router, SL_AEAD_NONE, BENCH_NO_LINGER_US);
	run_pass(&w, mp, s, &replay_tsc, &worker_tsc);
	w.capture = areas;
	run_pass(&w, mp, s, &replay_tsc, &worker_tsc);
	worker_fini(&w);
	if (areas->n == 0)
		die("no record area sealed: the message set is too small");
}

/* The fastest pass of r: messages/s and record MB/s. */
static void
print_best(const struct bench_result *r)
{
	printf("%-10s %11.0f %11.1f\n", aead_name(r->aead),
	       (double)r->pass_msgs / r->best_s,
	       (double)r->pass_rec_bytes / r->best_s / 1e6);
}

static void
print_result(const struct bench_result *r)
{
	printf("%-10s %11.0f %9.1f %11.1f %13.0f %9.1f %8.0f %7.3f\n",
	       aead_name(r->aead),
	       (double)r->msgs / r->worker_s,
	       (double)r->msg_bytes / r->worker_s / 1e6,
	       (double)r->rec_bytes / r->worker_s / 1e6,
	       (double)r->msgs / (r->worker_s + r->replay_s),
	       r->env_count ? (double)r->msgs / (double)r->env_count : 0.0,
	       r->env_count ? (double)r->env_raw / (double)r->env_count : 0.0,
	       r->env_bytes ? (double)r->env_raw / (double)r->env_bytes : 0.0);
}

/* LZ4_compress_fast, acceleration 1, over the captured areas for
 * seconds; adds input and output bytes and the time to *in, *out, *secs. */
static void
bench_lz4(const struct bench_areas *a, double seconds, char *buf,
	  size_t buf_cap, uint64_t *in, uint64_t *out, double *secs)
{
	double t0 = now_s(), t;
	size_t i;
	int c;

	do {
		for (i = 0; i < a->n; i++) {
			c = LZ4_compress_fast((const char *)a->raw + a->off[i], buf,
					      (int)a->len[i], (int)buf_cap, 1);
			if (c <= 0)
				die("LZ4_compress_fast failed");
			*in += a->len[i];
			*out += (uint64_t)c;
		}
		t = now_s() - t0;
	} while (t < seconds);
	*secs += t;
}

/* Runs `lz4 -b1 -i<seconds> [extra] file` and returns the compression
 * MB/s of its result ("=-file : IN -> OUT (RATIO), C MB/s , D MB/s"),
 * or -1 when it cannot be run or its output is not understood. */
static double
lz4_cli(const char *lz4, const char *file, unsigned seconds, const char *extra,
	double *ratio)
{
	char iarg[16], out[8192], *line, *save = NULL;
	size_t got = 0;
	ssize_t n;
	double c = -1, rr, cs, ds;
	int fd[2], status;
	pid_t pid;

	snprintf(iarg, sizeof(iarg), "-i%u", seconds);
	if (pipe(fd) == -1)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[6];
		int k = 0;

		argv[k++] = (char *)(uintptr_t)lz4;
		argv[k++] = (char *)(uintptr_t)"-b1";
		argv[k++] = iarg;
		if (extra != NULL)
			argv[k++] = (char *)(uintptr_t)extra;
		argv[k++] = (char *)(uintptr_t)file;
		argv[k] = NULL;
		close(fd[0]);
		if (dup2(fd[1], STDOUT_FILENO) == -1 || dup2(fd[1], STDERR_FILENO) == -1)
			_exit(127);
		execvp(lz4, argv);
		_exit(127);
	}
	close(fd[1]);
	while ((n = read(fd[0], out + got, sizeof(out) - 1 - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		got += (size_t)n;
		if (got == sizeof(out) - 1) {
			/* Keep the tail: the last line is the result. */
			memmove(out, out + sizeof(out) / 2, got - sizeof(out) / 2);
			got -= sizeof(out) / 2;
		}
	}
	out[got] = '\0';
	close(fd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	/* Progress is redrawn with CR, each time with the fastest run so
	 * far; the last segment with both speeds is the result. */
	for (line = strtok_r(out, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		const char *p = strrchr(line, ':');

		if (p == NULL)
			continue;
		if (sscanf(p, ": %*u -> %*u (%lf),%lf MB/s ,%lf MB/s", &rr, &cs,
			   &ds) == 3) {
			c = cs;
			*ratio = rr;
		}
	}
	return c;
}

static void
write_areas(const struct bench_areas *a, const char *path)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	if (fwrite(a->raw, 1, a->used, f) != a->used || fclose(f) != 0)
		die("%s: write failed", path);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: bench_worker [--corpus DIR] [--seconds S] [--rounds R]\n"
		"                    [--messages N]\n"
		"                    [--hosts H] [--sites S] [--buckets B]\n"
		"                    [--batch-bytes N] [--linger-us U]\n"
		"                    [--cases none,aes256gcm,xchacha20]\n"
		"                    [--lz4 PATH | --no-lz4-cli | --no-lz4]\n"
		"                    [--raw-out FILE]\n");
	exit(2);
}

static unsigned long
num_arg(const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

static void
parse_cases(struct bench_opts *o, const char *arg)
{
	char buf[128], *tok, *save = NULL;

	if (strlen(arg) >= sizeof(buf))
		usage();
	strcpy(buf, arg);
	o->n_cases = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->n_cases == BENCH_MAX_CASES)
			usage();
		if (strcmp(tok, "none") == 0)
			o->cases[o->n_cases++] = SL_AEAD_NONE;
		else if (strcmp(tok, "aes256gcm") == 0)
			o->cases[o->n_cases++] = SL_AEAD_AES256GCM;
		else if (strcmp(tok, "xchacha20") == 0)
			o->cases[o->n_cases++] = SL_AEAD_XCHACHA20;
		else
			usage();
	}
	if (o->n_cases == 0)
		usage();
}

static void
parse_args(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "corpus", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "messages", required_argument, NULL, 'n' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "sites", required_argument, NULL, 'S' },
		{ "buckets", required_argument, NULL, 'b' },
		{ "batch-bytes", required_argument, NULL, 'B' },
		{ "linger-us", required_argument, NULL, 'l' },
		{ "cases", required_argument, NULL, 'C' },
		{ "lz4", required_argument, NULL, 'z' },
		{ "no-lz4", no_argument, NULL, 'Z' },
		{ "no-lz4-cli", no_argument, NULL, 'L' },
		{ "raw-out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	*o = (struct bench_opts){
		.corpus = getenv("SL_CORPUS"),
		.seconds = 3.0,
		.rounds = 3,
		.messages = 65536,
		.hosts = 1024,
		.sites = 16,
		.buckets = 64,
		.batch_bytes = 65536,
		.linger_us = 5000,
		.lz4 = 1,
		.lz4_cli = "lz4",
		.n_cases = 3,
		.cases = { SL_AEAD_NONE, SL_AEAD_AES256GCM, SL_AEAD_XCHACHA20 },
	};
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->corpus = optarg;
			break;
		case 's':
			errno = 0;
			o->seconds = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(o->seconds > 0 && o->seconds <= 600))
				usage();
			break;
		case 'r':
			o->rounds = (unsigned)num_arg(optarg, 1, 100);
			break;
		case 'n':
			o->messages = (unsigned)num_arg(optarg, 1, 1u << 24);
			break;
		case 'H':
			o->hosts = (unsigned)num_arg(optarg, 1, 32766);
			break;
		case 'S':
			o->sites = (unsigned)num_arg(optarg, 1, 32766);
			break;
		case 'b':
			o->buckets = (unsigned)num_arg(optarg, 1, 1024);
			break;
		case 'B':
			o->batch_bytes = num_arg(optarg, 4096, 16u << 20);
			break;
		case 'l':
			o->linger_us = (unsigned)num_arg(optarg, 0, 10000000);
			break;
		case 'C':
			parse_cases(o, optarg);
			break;
		case 'z':
			o->lz4_cli = optarg;
			break;
		case 'Z':
			o->lz4 = 0;
			break;
		case 'L':
			o->lz4_cli = NULL;
			break;
		case 'o':
			o->raw_out = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->corpus == NULL)
		usage();
}

int
main(int argc, char **argv)
{
	struct bench_areas areas = { 0 };
	struct bench_result res[BENCH_MAX_CASES];
	struct bench_worker workers[BENCH_MAX_CASES];
	int usable[BENCH_MAX_CASES];
	struct bench_opts o;
	struct bench_set set = { 0 };
	struct sl_router *router;
	struct rte_mempool *mp;
	char tmp[] = "/tmp/bench_worker.XXXXXX", *lz4_buf = NULL;
	const char *raw_path;
	double lz4_secs = 0, cli_mbs = -1, cli_ratio = 0, cli64_mbs = -1;
	double cli64_ratio = 0, base_rec = 0, base_msgs = 0, slice, lz4_mbs;
	double best_msgs = 0, best_rec = 0;
	uint64_t lz4_in = 0, lz4_out = 0;
	size_t lz4_cap = 0;
	unsigned i, r, cli_secs;
	int fd;

	parse_args(argc, argv, &o);
	if (sl_test_eal_init("bench_worker", "0") < 0)
		die("EAL initialisation failed");
	if (sodium_init() < 0)
		die("libsodium failed to initialise");
	mp = sl_mempool_create("bench_worker", BENCH_MBUFS, BENCH_MBUF_CACHE,
			       BENCH_DATA_ROOM, (int)rte_socket_id());
	router = calloc(1, sizeof(*router));
	if (mp == NULL || router == NULL)
		die("cannot create the mbuf pool or the router");
	snprintf(router->default_topic, sizeof(router->default_topic), "logs");
	router->default_format = SL_FORMAT_ENVELOPE;
	build_set(&o, &set);

	printf("bench_worker: %u messages (%u hosts in %u sites, RFC 5424), "
	       "%.1f MB, %.1f bytes on average\n", set.n, o.hosts, o.sites,
	       (double)set.bytes / 1e6, (double)set.bytes / set.n);
	printf("envelope: buckets %u, batch_bytes %zu, batch_messages %u, "
	       "linger %u us; %.1f s per case in %u rounds, 1 lcore, "
	       "TSC %" PRIu64 " Hz\n", o.buckets, o.batch_bytes,
	       BENCH_BATCH_MSGS, o.linger_us, o.seconds, o.rounds,
	       rte_get_tsc_hz());
	if (o.lz4) {
		capture_areas(&o, mp, router, &set, &areas);
		for (i = 0; i < areas.n; i++)
			if ((size_t)LZ4_compressBound((int)areas.len[i]) > lz4_cap)
				lz4_cap = (size_t)LZ4_compressBound((int)areas.len[i]);
		lz4_buf = xmalloc(lz4_cap);
	}
	/* Every case has its own worker, warmed up by one pass; the cases
	 * (and LZ4) then take turns, so a change of load on a shared
	 * machine spreads over all of them instead of skewing one. */
	memset(res, 0, sizeof(res));
	for (i = 0; i < o.n_cases; i++) {
		usable[i] = o.cases[i] != SL_AEAD_AES256GCM ||
			    crypto_aead_aes256gcm_is_available();
		if (!usable[i])
			continue;
		worker_init(&workers[i], &o, router, o.cases[i], o.linger_us);
		run_segment(&workers[i], mp, &set, 0, &res[i]);
	}
	memset(res, 0, sizeof(res));
	slice = o.seconds / o.rounds;
	for (r = 0; r < o.rounds; r++) {
		for (i = 0; i < o.n_cases; i++)
			if (usable[i])
				run_segment(&workers[i], mp, &set, slice, &res[i]);
		if (o.lz4)
			bench_lz4(&areas, slice, lz4_buf, lz4_cap, &lz4_in,
				  &lz4_out, &lz4_secs);
	}

	printf("%-10s %11s %9s %11s %13s %9s %8s %7s\n", "aead", "msgs/s",
	       "msg MB/s", "record MB/s", "+replay msg/s", "msgs/env",
	       "raw/env", "ratio");
	for (i = 0; i < o.n_cases; i++) {
		if (usable[i])
			print_result(&res[i]);
		else
			printf("%-10s not available on this CPU (no AES-NI)\n",
			       aead_name(o.cases[i]));
	}
	if (usable[0]) {
		base_msgs = (double)res[0].msgs / res[0].worker_s;
		base_rec = (double)res[0].rec_bytes / res[0].worker_s / 1e6;
		for (i = 1; i < o.n_cases; i++)
			if (usable[i])
				printf("cost of %s over %s: %.1f %% of msgs/s\n",
				       aead_name(res[i].aead), aead_name(res[0].aead),
				       100.0 * (1.0 - (double)res[i].msgs /
						res[i].worker_s / base_msgs));
	}
	printf("fastest pass (%u messages) per case:\n%-10s %11s %11s\n",
	       set.n, "aead", "msgs/s", "record MB/s");
	for (i = 0; i < o.n_cases; i++)
		if (usable[i])
			print_best(&res[i]);
	if (usable[0]) {
		best_msgs = (double)res[0].pass_msgs / res[0].best_s;
		best_rec = (double)res[0].pass_rec_bytes / res[0].best_s / 1e6;
		for (i = 1; i < o.n_cases; i++)
			if (usable[i])
				printf("cost of %s over %s, fastest passes: %.1f %% of msgs/s\n",
				       aead_name(res[i].aead), aead_name(res[0].aead),
				       100.0 * (1.0 - (double)res[i].pass_msgs /
						res[i].best_s / best_msgs));
	}
	for (i = 0; i < o.n_cases; i++)
		if (usable[i])
			worker_fini(&workers[i]);
	if (!o.lz4)
		goto out;

	lz4_mbs = (double)lz4_in / lz4_secs / 1e6;
	printf("record areas of one pass without linger: %zu, %.1f MB, "
	       "%.0f bytes on average\n", areas.n, (double)areas.used / 1e6,
	       (double)areas.used / (double)areas.n);
	printf("LZ4_compress_fast (acceleration 1) on them: %.1f MB/s, ratio %.3f\n",
	       lz4_mbs, (double)lz4_in / (double)lz4_out);
	if (o.lz4_cli != NULL) {
		if (o.raw_out != NULL) {
			raw_path = o.raw_out;
		} else {
			fd = mkstemp(tmp);
			if (fd == -1)
				die("mkstemp: %s", strerror(errno));
			close(fd);
			raw_path = tmp;
		}
		write_areas(&areas, raw_path);
		cli_secs = o.seconds < 1 ? 1 : (unsigned)(o.seconds + 0.5);
		cli_mbs = lz4_cli(o.lz4_cli, raw_path, cli_secs, NULL, &cli_ratio);
		cli64_mbs = lz4_cli(o.lz4_cli, raw_path, cli_secs, "-B65536",
				    &cli64_ratio);
		if (o.raw_out == NULL)
			unlink(raw_path);
		if (cli_mbs < 0 || cli64_mbs < 0)
			die("%s -b1 could not be run or printed no result",
			    o.lz4_cli);
		printf("%s -b1 on the same bytes: %.1f MB/s, ratio %.3f\n",
		       o.lz4_cli, cli_mbs, cli_ratio);
		printf("%s -b1 -B65536 on the same bytes: %.1f MB/s, ratio %.3f\n",
		       o.lz4_cli, cli64_mbs, cli64_ratio);
	}
	if (usable[0]) {
		printf("worker (%s) record MB/s / LZ4_compress_fast MB/s: %.1f %%\n",
		       aead_name(res[0].aead), 100.0 * base_rec / lz4_mbs);
		if (cli_mbs > 0) {
			printf("worker (%s) record MB/s / lz4 -b1 MB/s: %.1f %%\n",
			       aead_name(res[0].aead), 100.0 * base_rec / cli_mbs);
			printf("worker (%s) fastest pass record MB/s / lz4 -b1 MB/s: %.1f %%\n",
			       aead_name(res[0].aead), 100.0 * best_rec / cli_mbs);
		}
	}
out:
	free(lz4_buf);
	free(areas.raw);
	free(areas.off);
	free(areas.len);
	free(set.data);
	free(set.off);
	free(set.len);
	free(set.meta);
	free(router);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
