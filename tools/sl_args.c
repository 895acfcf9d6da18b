/* sl_args.c: command-line value parsing shared by the tools. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sl_args.h"

int
sl_args_count(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	uint64_t mul = 1;
	char *end;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == 'k')
		mul = 1000;
	else if (*end == 'M')
		mul = 1000000;
	if (mul != 1)
		end++;
	if (*end != '\0' || v > UINT64_MAX / mul || v * mul < min ||
	    v * mul > max)
		return -1;
	*out = v * mul;
	return 0;
}

int
sl_args_seconds(const char *text, double max_s, double *seconds)
{
	char *end;
	double v;

	if ((*text < '0' || *text > '9') && *text != '.')
		return -1;
	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v <= 0.0 || v > max_s)
		return -1;
	*seconds = v;
	return 0;
}
