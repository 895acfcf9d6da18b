/* sl_metrics-t.h: text built for the HTTP side of the control plane: the
 * Prometheus exposition of /metrics and the JSON answers of /api. */
#ifndef SL_METRICS_T_H
#define SL_METRICS_T_H

#include <stddef.h>

/* A text being built. Invariants: p is NULL until the first append, then
 * p[0..len) is the text and p[len] is a NUL, len < cap; failed is set
 * once memory ran out and stays set: appends do nothing after it, so a
 * caller checks once, at the end. */
struct sl_metrics_buf {
	char *p;
	size_t len;
	size_t cap;
	int failed;
};

/* The metric types sluice exposes (an info metric is a gauge of 1). */
enum sl_metrics_type {
	SL_METRICS_COUNTER,
	SL_METRICS_GAUGE,
};

/* One label of a sample. name is a valid label name; value is any
 * NUL-terminated bytes (escaped, and invalid UTF-8 replaced, on output). */
struct sl_metrics_label {
	const char *name;
	const char *value;
};

#endif
