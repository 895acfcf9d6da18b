/* sl_blast_gen.h: the load sluice-blast sends. A corpus of real log lines
 * is cycled and each line is wrapped in a syslog header that names a
 * simulated host and carries that host's sequence number and the send
 * time, so a verifier can find losses, duplicates, reordering and latency
 * from what comes out of Kafka. The format is specified in
 * docs/benchmarks.md ("Message format"). */
#ifndef SL_BLAST_GEN_H
#define SL_BLAST_GEN_H

#include <stddef.h>
#include <stdint.h>

/* Largest UDP payload over IPv4: no message is longer. */
#define SL_BLAST_MSG_MAX 65507u
/* Longest header any format writes (PRI, time, host, app, seq, t). */
#define SL_BLAST_HDR_MAX 192u
/* IANA's example enterprise number (RFC 5612), for the SD-ID sl@32473. */
#define SL_BLAST_PEN "32473"

enum sl_blast_format { SL_BLAST_RFC3164, SL_BLAST_RFC5424 };

/* Log lines without their line ends. Line i is data[off[i] .. off[i] +
 * len[i]), never empty; n_lines >= 1 once loaded; longest is the largest
 * len[i]. The corpus owns data, off and len. */
struct sl_blast_corpus {
	char *data;
	size_t *off;
	uint32_t *len;
	size_t n_lines;
	size_t longest;
};

/* Loads every *.log of dir (name order) or, when dir is NULL, the single
 * file. Line ends are LF with an optional CR before it; empty lines are
 * skipped. Returns 0, or -1 with a message in err (c is then empty). */
int sl_blast_corpus_load(struct sl_blast_corpus *c, const char *dir,
			 const char *file, char *err, size_t errlen);

/* Frees what sl_blast_corpus_load() allocated; c may be empty. */
void sl_blast_corpus_free(struct sl_blast_corpus *c);

/* One message generator: a cursor in the corpus and a cached time stamp.
 * Not shared between threads; each sending thread has its own. Host h is
 * named site<h % sites>-host<h / sites>. */
struct sl_blast_gen {
	const struct sl_blast_corpus *corpus;
	enum sl_blast_format format;
	unsigned sites;
	size_t line;
	uint64_t stamp_sec;
	size_t stamp_len;
	char stamp[32];
};

/* Sets g up to cycle through corpus (which must outlive g) starting at
 * line first_line (taken modulo the line count). A message, header
 * included, is at most SL_BLAST_MSG_MAX bytes: a longer line is cut on a
 * UTF-8 character boundary. */
void sl_blast_gen_init(struct sl_blast_gen *g,
		       const struct sl_blast_corpus *corpus,
		       enum sl_blast_format format, unsigned sites,
		       size_t first_line);

/* Returns the room one message can take: a buffer of this size always
 * holds what sl_blast_gen_next() writes. */
size_t sl_blast_gen_room(const struct sl_blast_gen *g);

/* Writes the next corpus line as a message of host number host with
 * sequence number seq and send time t_ns (CLOCK_REALTIME, ns) to buf,
 * which has sl_blast_gen_room() bytes. Returns the message length; no
 * terminating NUL is written. */
size_t sl_blast_gen_next(struct sl_blast_gen *g, unsigned host, uint64_t seq,
			 uint64_t t_ns, char *buf);

#endif
