/* sl_blast.h: what sluice-blast's modes share. A mode (udp, tcp, ...) is
 * one entry of a table in sluice-blast.c: the options it takes, a check of
 * their values and a run function that fills a result. The main program
 * parses the command line once for every mode, loads the corpus, prints
 * the progress line and the summary, so a new mode only generates load. */
#ifndef SL_BLAST_H
#define SL_BLAST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sl_blast_gen.h"
#include "sl_hist.h"

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
	SL_BLAST_OPT_CONNECTIONS = 1u << 15,
	SL_BLAST_OPT_FRAMING = 1u << 16,
	SL_BLAST_OPT_WINDOW = 1u << 17,
	SL_BLAST_OPT_SOCKET = 1u << 18,
	SL_BLAST_OPT_ROLE = 1u << 19,
	SL_BLAST_OPT_SOURCES = 1u << 20,
};

/* How a stream mode delimits messages: a line feed after each (RFC 6587
 * non-transparent framing) or "LEN SP" before each (octet counting). */
enum sl_blast_framing { SL_BLAST_FRAMING_LF, SL_BLAST_FRAMING_OCTET };

#define SL_BLAST_MAX_THREADS 64
#define SL_BLAST_MAX_BATCH 1024
#define SL_BLAST_MAX_HOSTS 1000000u
#define SL_BLAST_MAX_SITES 10000u
#define SL_BLAST_MAX_CONNECTIONS 10000u
/* Source addresses of --sources: 127.0.0.1 .. 127.0.0.254. */
#define SL_BLAST_MAX_SOURCES 254u
#define SL_BLAST_MAX_WINDOW 65536u
/* Captures one pcap run writes (--out repeated): one per receive queue of
 * a net_pcap port, as many as sluiced has receive lcores. */
#define SL_BLAST_MAX_OUTS 16u

/* Parsed command line. Numbers are within the ranges the parser enforces
 * (threads 1..SL_BLAST_MAX_THREADS, batch 1..SL_BLAST_MAX_BATCH, sites
 * 1..hosts, hosts 1..SL_BLAST_MAX_HOSTS, connections
 * 1..SL_BLAST_MAX_CONNECTIONS, window 1..SL_BLAST_MAX_WINDOW, sources
 * 1..SL_BLAST_MAX_SOURCES); count 0
 * means "no count", rate 0 "flat out", duration_ns 0 "no time limit".
 * out[0..n_out) are the --out files in the order given.
 * Strings point into argv or are NULL when not given; a mode's check()
 * parses the ones it takes. memif_server is 1 for --role server. corpus
 * is loaded by the main program before check() is called. */
struct sl_blast_opts {
	const char *target;
	const char *out[SL_BLAST_MAX_OUTS];
	unsigned n_out;
	const char *dst;
	const char *dst_mac;
	const char *socket;
	uint64_t count;
	uint64_t rate;
	uint64_t duration_ns;
	unsigned threads;
	unsigned sites;
	unsigned hosts;
	unsigned batch;
	unsigned mtu;
	unsigned connections;
	unsigned window;
	unsigned sources;
	int memif_server;
	enum sl_blast_framing framing;
	enum sl_blast_format format;
	const struct sl_blast_corpus *corpus;
};

/* What a run did. sent counts messages, bytes their syslog bytes (UDP
 * payload, without any header below it) or, for the stream modes, the
 * bytes written to the sockets, framing included; frames is the number of
 * link frames written where a mode writes frames (0 otherwise); errors
 * counts transient send failures that were retried, and for the stream
 * modes the connections that broke; seconds is the time from the first
 * message to the last. A mode that waits for acknowledgements (relp) sets
 * acks to 1 and counts acked (answered 200) and nacked (any other code)
 * messages, broken sessions (closed by the peer, or failed, while
 * messages were unanswered) and puts each acknowledged message's time
 * from send to answer in lat. */
struct sl_blast_result {
	uint64_t sent;
	uint64_t bytes;
	uint64_t frames;
	uint64_t errors;
	double seconds;
	int acks;
	uint64_t acked;
	uint64_t nacked;
	uint64_t broken;
	struct sl_hist lat;
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
extern const struct sl_blast_mode sl_blast_mode_tcp;
extern const struct sl_blast_mode sl_blast_mode_relp;
extern const struct sl_blast_mode sl_blast_mode_memif;

/* Returns 1 once SIGINT or SIGTERM asked the run to stop, else 0. Any
 * thread may call it. */
int sl_blast_stopping(void);

/* Returns CLOCK_MONOTONIC in nanoseconds. */
uint64_t sl_blast_mono_ns(void);

/* Returns CLOCK_REALTIME in nanoseconds: the send time messages carry. */
uint64_t sl_blast_wall_ns(void);

/* Parses a port: decimal digits making up all of text, 1..65535. Returns
 * 0 with *port set, or -1. */
int sl_blast_port_parse(const char *text, uint16_t *port);

/* Checks that target is "HOST:PORT" or "[HOST]:PORT" with a port
 * 1..65535. Returns 0, or -1 after printing why (as option --target). */
int sl_blast_target_check(const char *target);

/* Resolves a target sl_blast_target_check() accepted into *addr, for
 * sockets of socktype (SOCK_DGRAM, SOCK_STREAM); mode names the mode in
 * an error message. Returns 0, or -1 after printing why. */
/* With sources > 1, binds fd (not yet connected, of the family of addr)
 * to source address 127.0.0.1 + idx mod sources, so a loopback target sees
 * that many senders; addr must then be IPv4 loopback. Does nothing for
 * sources 1. Returns 0, or -1 after printing why (mode names the mode). */
int sl_blast_bind_source(int fd, const struct sockaddr_storage *addr,
			 unsigned idx, unsigned sources, const char *mode);

int sl_blast_target_resolve(const char *target, int socktype,
			    const char *mode, struct sockaddr_storage *addr,
			    socklen_t *addr_len);

/* Sleeps ns nanoseconds (CLOCK_MONOTONIC); a signal may end it early. */
void sl_blast_sleep_ns(uint64_t ns);

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
 * shows only when stderr is a terminal, so stdout keeps nothing but the
 * summary. */
void sl_blast_progress_start(struct sl_blast_progress *p, uint64_t start_ns);

/* Redraws the line with the totals so far in r (sent, bytes, errors, and
 * acked and latency when r->acks) if a second has passed since the last
 * drawing; cheap to call more often. */
void sl_blast_progress_update(struct sl_blast_progress *p, const char *mode,
			      const struct sl_blast_result *r);

/* Erases the line, so the summary starts on a clean line. */
void sl_blast_progress_end(struct sl_blast_progress *p);

#endif
