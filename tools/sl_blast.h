/* sl_blast.h: what sluice-blast's modes share. A mode (udp, pcap, ...) is
 * one entry of a table in sluice-blast.c: the options it takes, a check of
 * their values and a run function that fills a result. The main program
 * parses the command line once for every mode, loads the corpus, prints
 * the progress line and the summary, so a new mode only generates load. */
#ifndef SL_BLAST_H
#define SL_BLAST_H

#include <stddef.h>
#include <stdint.h>

#include "sl_blast_gen.h"

/* Command-line options, one bit each, so a mode can say which it takes
 * and which it needs. */
enum sl_blast_opt {
	SL_BLAST_OPT_TARGET = 1u << 0,
	SL_BLAST_OPT_OUT = 1u << 1,
	SL_BLAST_OPT_DST = 1u << 2,
	SL_BLAST_OPT_DST_MAC = 1u << 3,
	SL_BLAST_OPT_CORPUS = 1u << 4,
	SL_BLAST_OPT_FILE = 1u << 5,
	SL_BLAST_OPT_COUNT = 1u << 6,
	SL_BLAST_OPT_RATE = 1u << 7,
	SL_BLAST_OPT_THREADS = 1u << 8,
	SL_BLAST_OPT_SITES = 1u << 9,
	SL_BLAST_OPT_HOSTS = 1u << 10,
	SL_BLAST_OPT_FORMAT = 1u << 11,
	SL_BLAST_OPT_BATCH = 1u << 12,
	SL_BLAST_OPT_DURATION = 1u << 13,
	SL_BLAST_OPT_MTU = 1u << 14,
};

#define SL_BLAST_MAX_THREADS 64
#define SL_BLAST_MAX_BATCH 1024
#define SL_BLAST_MAX_HOSTS 1000000u
#define SL_BLAST_MAX_SITES 10000u

/* Parsed command line. Numbers are within the ranges the parser enforces
 * (threads 1..SL_BLAST_MAX_THREADS, batch 1..SL_BLAST_MAX_BATCH, sites
 * 1..hosts, hosts 1..SL_BLAST_MAX_HOSTS); count 0 means "no count", rate
 * 0 "flat out", duration_ns 0 "no time limit". Strings point into argv or
 * are NULL when not given; a mode's check() parses the ones it takes.
 * corpus is loaded by the main program before check() is called. */
struct sl_blast_opts {
	const char *target;
	const char *out;
	const char *dst;
	const char *dst_mac;
	uint64_t count;
	uint64_t rate;
	uint64_t duration_ns;
	unsigned threads;
	unsigned sites;
	unsigned hosts;
	unsigned batch;
	unsigned mtu;
	enum sl_blast_format format;
	const struct sl_blast_corpus *corpus;
};

/* What a run did. sent counts messages, bytes their syslog bytes (UDP
 * payload, without any header below it); frames is the number of link
 * frames written where a mode writes frames (0 otherwise); errors counts
 * transient send failures that were retried; seconds is the time from
 * the first message to the last. */
struct sl_blast_result {
	uint64_t sent;
	uint64_t bytes;
	uint64_t frames;
	uint64_t errors;
	double seconds;
};

/* One mode. options lists every option it accepts, required those it
 * cannot run without (besides --corpus/--file, see the main program).
 * check() validates what the parser cannot (addresses, cross-option
 * limits) and returns 0, or -1 after printing why on stderr (the program
 * then prints the usage and exits 2). run() generates the load and
 * returns 0, or -1 after printing a fatal error; either way *res holds
 * what was done. */
struct sl_blast_mode {
	const char *name;
	const char *synopsis;
	uint32_t options;
	uint32_t required;
	int (*check)(const struct sl_blast_opts *o);
	int (*run)(const struct sl_blast_opts *o, struct sl_blast_result *res);
};

extern const struct sl_blast_mode sl_blast_mode_udp;
extern const struct sl_blast_mode sl_blast_mode_pcap;

/* Returns 1 once SIGINT or SIGTERM asked the run to stop, else 0. Any
 * thread may call it. */
int sl_blast_stopping(void);

/* Returns CLOCK_MONOTONIC in nanoseconds. */
uint64_t sl_blast_mono_ns(void);

/* Returns CLOCK_REALTIME in nanoseconds: the send time messages carry. */
uint64_t sl_blast_wall_ns(void);

/* Progress line on a terminal. The state is owned by the caller and
 * starts zeroed; only one thread may use one. */
struct sl_blast_progress {
	uint64_t start_ns;
	uint64_t last_ns;
	uint64_t last_sent;
	int tty;
	int shown;
};

/* Starts the progress line of a run beginning at start_ns (monotonic). It
 * shows only when stdout is a terminal. */
void sl_blast_progress_start(struct sl_blast_progress *p, uint64_t start_ns);

/* Redraws the line with the totals so far if half a second has passed
 * since the last drawing; cheap to call more often. */
void sl_blast_progress_update(struct sl_blast_progress *p, const char *mode,
			      uint64_t sent, uint64_t bytes, uint64_t errors);

/* Erases the line, so the summary starts on a clean line. */
void sl_blast_progress_end(struct sl_blast_progress *p);

#endif
