/* sl_dashboard.h: the dashboard's files, compiled into sluiced
 * (dashboard/embed.py writes sl_dashboard_data.c from control/dashboard
 * at build time). */
#ifndef SL_DASHBOARD_H
#define SL_DASHBOARD_H

#include <stddef.h>

/* One file. Invariants: path starts with '/' ("/" for index.html);
 * data[0..len) is the file's content, static for the life of the
 * process; content_type matches the file's kind. */
struct sl_dashboard_file {
	const char *path;
	const char *content_type;
	const unsigned char *data;
	size_t len;
};

extern const struct sl_dashboard_file sl_dashboard_files[];
extern const unsigned sl_dashboard_n_files;

#endif
