/* sl_ctl_table.h: sluicectl's aligned text tables and human numbers. */
#ifndef SL_CTL_TABLE_H
#define SL_CTL_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SL_CTL_TABLE_MAX_COLS 16

/* One column: its header and whether its cells are right-aligned
 * (numbers) or left-aligned (names). */
struct sl_ctl_col {
	const char *header;
	int right;
};

/* A table filled cell by cell, row after row. cells holds n_cells
 * strings (owned, sanitized: printable ASCII only), row-major with n_cols
 * per row; the last row may be incomplete while it is being filled.
 * width[i] is the widest cell or header of column i. failed is set once
 * an allocation failed: the table then takes no more cells and
 * sl_ctl_table_print() reports the failure. */
struct sl_ctl_table {
	const struct sl_ctl_col *cols;
	unsigned n_cols;
	size_t n_cells;
	size_t cap;
	char **cells;
	size_t width[SL_CTL_TABLE_MAX_COLS];
	int failed;
};

/* Starts an empty table of n_cols (1..SL_CTL_TABLE_MAX_COLS) columns;
 * cols must outlive it. */
void sl_ctl_table_init(struct sl_ctl_table *t, const struct sl_ctl_col *cols,
		       unsigned n_cols);

/* Appends one cell, printf-style, to the current row (a new row starts
 * after every n_cols cells). Bytes that are not printable ASCII are
 * shown as '?': cells carry names from the network. */
void sl_ctl_table_cell(struct sl_ctl_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Number of complete rows. */
size_t sl_ctl_table_rows(const struct sl_ctl_table *t);

/* Prints the header and the rows, columns two spaces apart, to f.
 * Returns 0, or -1 when the table ran out of memory. */
int sl_ctl_table_print(const struct sl_ctl_table *t, FILE *f);

/* Frees the cells; t can be initialized again. */
void sl_ctl_table_free(struct sl_ctl_table *t);

/* Room for any human number, duration or byte count below. */
#define SL_CTL_HUMAN_LEN 24

/* v as "999", "1.2k", "12k", "3.4M", "5.6G", "7.8T": three significant
 * digits at most. Returns out. */
char *sl_ctl_human(uint64_t v, char out[SL_CTL_HUMAN_LEN]);

/* Bytes, 1024-based: "512B", "1.2KiB", "34MiB", ... Returns out. */
char *sl_ctl_human_bytes(uint64_t v, char out[SL_CTL_HUMAN_LEN]);

/* A duration in ms: "0", "850ms", "1.2s", "3s" (whole seconds), "42s",
 * "3m05s", "2h03m", "4d02h". Returns out. */
char *sl_ctl_human_ms(uint64_t ms, char out[SL_CTL_HUMAN_LEN]);

#endif
