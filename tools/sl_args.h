/* sl_args.h: command-line value parsing shared by the tools. */
#ifndef SL_ARGS_H
#define SL_ARGS_H

#include <stdint.h>

/* Parses a decimal in [min, max] with an optional k (10^3) or M (10^6)
 * suffix, making up all of text. Returns 0 with *out set, or -1. */
int sl_args_count(const char *text, uint64_t min, uint64_t max,
		  uint64_t *out);

/* Parses seconds, decimals allowed, more than 0 and at most max_s, making
 * up all of text. Returns 0 with *seconds set, or -1. */
int sl_args_seconds(const char *text, double max_s, double *seconds);

#endif
