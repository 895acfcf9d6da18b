/* sl_ctl_table.c: sluicectl's aligned text tables and human numbers. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sl_ctl_table.h"

#define TABLE_FIRST_CAP 64

void
sl_ctl_table_init(struct sl_ctl_table *t, const struct sl_ctl_col *cols,
		  unsigned n_cols)
{
	unsigned i;

	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->n_cols = n_cols > SL_CTL_TABLE_MAX_COLS ? SL_CTL_TABLE_MAX_COLS : n_cols;
	for (i = 0; i < t->n_cols; i++)
		t->width[i] = strlen(cols[i].header);
}

void
sl_ctl_table_cell(struct sl_ctl_table *t, const char *fmt, ...)
{
	va_list ap;
	char *text;
	size_t col, len, i;
	int n;

	if (t->failed || t->n_cols == 0)
		return;
	if (t->n_cells == t->cap) {
		size_t cap = t->cap == 0 ? TABLE_FIRST_CAP : t->cap * 2;
		char **cells = realloc(t->cells, cap * sizeof(*cells));

		if (cells == NULL) {
			t->failed = 1;
			return;
		}
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = 1;
		return;
	}
	len = (size_t)n;
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
			text[i] = '?';
	col = t->n_cells % t->n_cols;
	if (len > t->width[col])
		t->width[col] = len;
	t->cells[t->n_cells++] = text;
}

size_t
sl_ctl_table_rows(const struct sl_ctl_table *t)
{
	return t->n_cols == 0 ? 0 : t->n_cells / t->n_cols;
}

/* Prints one cell padded to its column; a left-aligned last column gets
 * no trailing blanks. */
static void
print_cell(const struct sl_ctl_table *t, FILE *f, unsigned col,
	   const char *text)
{
	int w = (int)t->width[col];

	if (col + 1 == t->n_cols && !t->cols[col].right && text[0] == '\0')
		return;
	if (col > 0)
		fputs("  ", f);
	if (t->cols[col].right)
		fprintf(f, "%*s", w, text);
	else if (col + 1 == t->n_cols)
		fputs(text, f);
	else
		fprintf(f, "%-*s", w, text);
}

int
sl_ctl_table_print(const struct sl_ctl_table *t, FILE *f)
{
	size_t rows = sl_ctl_table_rows(t), r;
	unsigned c;

	if (t->failed)
		return -1;
	for (c = 0; c < t->n_cols; c++)
		print_cell(t, f, c, t->cols[c].header);
	fputc('\n', f);
	for (r = 0; r < rows; r++) {
		for (c = 0; c < t->n_cols; c++)
			print_cell(t, f, c, t->cells[r * t->n_cols + c]);
		fputc('\n', f);
	}
	return 0;
}

void
sl_ctl_table_free(struct sl_ctl_table *t)
{
	size_t i;

	for (i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->n_cells = 0;
	t->cap = 0;
}

/* v scaled by base through the units: one decimal below 10, none above,
 * so every value takes at most three digits and a unit. */
static char *
scaled(uint64_t v, unsigned base, const char *const *units, unsigned n_units,
       char out[SL_CTL_HUMAN_LEN])
{
	double x = (double)v;
	unsigned u = 0;

	if (v < base) {
		snprintf(out, SL_CTL_HUMAN_LEN, "%" PRIu64 "%s", v, units[0]);
		return out;
	}
	while (x >= base && u + 1 < n_units) {
		x /= base;
		u++;
	}
	/* Rounding 9.96 to one decimal gives 10.0: print it without one. */
	if (x < 9.95)
		snprintf(out, SL_CTL_HUMAN_LEN, "%.1f%s", x, units[u]);
	else if (x < 999.5 || u + 1 == n_units)
		snprintf(out, SL_CTL_HUMAN_LEN, "%.0f%s", x, units[u]);
	else
		snprintf(out, SL_CTL_HUMAN_LEN, "1.0%s", units[u + 1]);
	return out;
}

char *
sl_ctl_human(uint64_t v, char out[SL_CTL_HUMAN_LEN])
{
	static const char *const units[] = { "", "k", "M", "G", "T", "P", "E" };

	return scaled(v, 1000, units, sizeof(units) / sizeof(units[0]), out);
}

char *
sl_ctl_human_bytes(uint64_t v, char out[SL_CTL_HUMAN_LEN])
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};

	return scaled(v, 1024, units, sizeof(units) / sizeof(units[0]), out);
}

char *
sl_ctl_human_ms(uint64_t ms, char out[SL_CTL_HUMAN_LEN])
{
	uint64_t s = ms / 1000;

	if (ms == 0)
		snprintf(out, SL_CTL_HUMAN_LEN, "0");
	else if (ms < 1000)
		snprintf(out, SL_CTL_HUMAN_LEN, "%" PRIu64 "ms", ms);
	else if (ms < 10000 && ms % 1000 != 0)
		snprintf(out, SL_CTL_HUMAN_LEN, "%" PRIu64 ".%" PRIu64 "s", s,
			 ms % 1000 / 100);
	else if (s < 60)
		snprintf(out, SL_CTL_HUMAN_LEN, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(out, SL_CTL_HUMAN_LEN, "%" PRIu64 "m%02" PRIu64 "s",
			 s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, SL_CTL_HUMAN_LEN, "%" PRIu64 "h%02" PRIu64 "m",
			 s / 3600, s % 3600 / 60);
	else
		snprintf(out, SL_CTL_HUMAN_LEN, "%" PRIu64 "d%02" PRIu64 "h",
			 s / 86400, s % 86400 / 3600);
	return out;
}
