/* sl_metrics.h: Prometheus text exposition format 0.0.4 (the /metrics
 * page of sl_http) made from the views of sl_observe, and the text
 * helpers (escaping, JSON strings) the HTTP answers share. */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <stdint.h>

#include "sl_metrics-t.h"
#include "sl_observe-t.h"

/* Makes b empty. */
void sl_metrics_buf_init(struct sl_metrics_buf *b);

/* Frees b's text and makes it empty. */
void sl_metrics_buf_free(struct sl_metrics_buf *b);

/* Hands b's text over: returns it (malloc'd, NUL-terminated; the caller
 * frees it) with its length in *len, or NULL when memory ran out while
 * building it (then b's text is freed). b is empty afterwards. */
char *sl_metrics_buf_take(struct sl_metrics_buf *b, size_t *len);

/* Appends len bytes of s to b. */
void sl_metrics_append(struct sl_metrics_buf *b, const char *s, size_t len);

/* Appends formatted text to b. */
void sl_metrics_printf(struct sl_metrics_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends s as a label value without the quotes: backslash, double quote
 * and newline escaped as the exposition format says, invalid UTF-8
 * replaced by U+FFFD. */
void sl_metrics_label_value(struct sl_metrics_buf *b, const char *s);

/* Appends s as a JSON string with its quotes: '"', '\' and control
 * characters escaped, invalid UTF-8 replaced by U+FFFD. */
void sl_metrics_json_string(struct sl_metrics_buf *b, const char *s);

/* Appends the "# HELP" and "# TYPE" lines of metric name (help escaped
 * as the format says). */
void sl_metrics_family(struct sl_metrics_buf *b, const char *name,
		       enum sl_metrics_type type, const char *help);

/* Appends one sample line "name{labels} value" (no braces without
 * labels). */
void sl_metrics_sample(struct sl_metrics_buf *b, const char *name,
		       const struct sl_metrics_label *labels, unsigned n_labels,
		       uint64_t value);

/* As sl_metrics_sample, for a value that is not a whole number. */
void sl_metrics_sample_double(struct sl_metrics_buf *b, const char *name,
			      const struct sl_metrics_label *labels,
			      unsigned n_labels, double value);

/* Appends the whole /metrics page of o to b: status, lcore and drop
 * counters, workers, rings, Kafka producers, DPDK ports, routes, sites,
 * and the top_sources sources with the most unacknowledged messages
 * (none when top_sources is 0 or o is detached). Returns 0, or -1 when
 * memory ran out. */
int sl_metrics_render(struct sl_observe *o, unsigned top_sources,
		      struct sl_metrics_buf *b);

#endif
