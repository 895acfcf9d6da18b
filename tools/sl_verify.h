/* sl_verify.h: the bookkeeping of `sluice-cat --verify`. It is handed the
 * messages read from Kafka one by one, recognises those sluice-blast sent
 * (docs/benchmarks.md, "Message format") and keeps, per simulated host,
 * which sequence numbers arrived, how often and in what order, and how
 * long each took from its send time to its Kafka record time stamp. */
#ifndef SL_VERIFY_H
#define SL_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_hist.h"

/* Largest sequence number taken: a blast message with a larger one (or
 * with 0) is counted as foreign, so a stray number cannot make the
 * per-host bitmap huge. */
#define SL_VERIFY_SEQ_MAX 0xffffffffull

/* A simulated host is its HOSTNAME together with the form of its marker:
 * a 3164 run and a 5424 run of sluice-blast name the same hosts, but
 * number their messages each from 1. */
enum sl_verify_form { SL_VERIFY_5424, SL_VERIFY_3164 };

/* What one blast message carries. host points into the message. */
struct sl_verify_mark {
	const uint8_t *host;
	uint32_t host_len;
	enum sl_verify_form form;
	uint64_t seq;
	uint64_t t_ns;
};

/* How to count losses. With expect_host > 0 every host seen should have
 * sent seq 1..expect_host; with expect_total > 0 all hosts together
 * should have sent that many distinct messages; with neither, each host's
 * largest seq seen is what it sent (so only gaps count, not a lost tail).
 * At most one of the two is set. */
struct sl_verify_expect {
	uint64_t expect_host;
	uint64_t expect_total;
};

/* Totals over all hosts. lost follows struct sl_verify_expect; older
 * counts blast messages left out for being sent before the verifier's
 * sent-after time; lat holds every blast message that had a record time
 * stamp, in microseconds. first_sent_ns is the earliest send time of a
 * counted message (0 when none), last_stored_ms the latest record time
 * stamp (ms since the epoch, 0 when none had one): a benchmark's clock
 * runs between the two, whoever produced the records. */
struct sl_verify_totals {
	uint64_t hosts;
	uint64_t received;
	uint64_t distinct;
	uint64_t lost;
	uint64_t duplicated;
	uint64_t reordered;
	uint64_t foreign;
	uint64_t older;
	uint64_t first_sent_ns;
	uint64_t last_stored_ms;
	struct sl_hist lat;
};

struct sl_verify;

/* Finds the blast marker in the syslog message msg[0..len): HOSTNAME
 * from the header, then `sl@32473 seq="N" t="N"` (RFC 5424) or
 * `sl seq=N t=N` (RFC 3164) after it, quotes optional. Reads only
 * msg[0..len). Returns 1 with *mk filled, or 0 when msg is not a blast
 * message (no header host, no marker, seq outside 1..SL_VERIFY_SEQ_MAX,
 * a number that overflows 64 bits). */
int sl_verify_parse(const uint8_t *msg, size_t len,
		    struct sl_verify_mark *mk);

/* Returns an empty verifier, or NULL when out of memory. The caller
 * frees it with sl_verify_free(). */
struct sl_verify *sl_verify_new(void);

/* Frees v and everything it holds; v may be NULL. */
void sl_verify_free(struct sl_verify *v);

/* Leaves out, from then on, the blast messages sent before t_ns (ns since
 * the epoch): what a topic held before a run, or the probe that opened
 * it. They are counted in totals.older only. 0, the default, keeps all. */
void sl_verify_sent_after(struct sl_verify *v, uint64_t t_ns);

/* Counts one message read from Kafka: msg[0..len) its bytes (not kept),
 * ts_ms its record time stamp in ms since the epoch, or -1 when the
 * record has none (no latency is taken then). Returns 1 for a blast
 * message counted, 0 for a foreign one or one sent before the sent-after
 * time, -1 when out of memory (nothing counted). */
int sl_verify_add(struct sl_verify *v, const uint8_t *msg, size_t len,
		  int64_t ts_ms);

/* Returns how many blast messages v has counted so far (repeats
 * included, older ones not): a reader that sees it move knows when the
 * last one arrived. */
uint64_t sl_verify_counted(const struct sl_verify *v);

/* Sums up v under ex into *t. */
void sl_verify_totals(const struct sl_verify *v,
		      const struct sl_verify_expect *ex,
		      struct sl_verify_totals *t);

/* Prints a table of at most top hosts to f, most lost first (then most
 * duplicated, then by name), with a line saying how many were left out.
 * Returns 0, or -1 when out of memory (nothing printed). */
int sl_verify_print_hosts(FILE *f, const struct sl_verify *v,
			  const struct sl_verify_expect *ex, size_t top);

#endif
