/* sl_route.h: pick the topic of a message from the routing rules. */
#ifndef SL_ROUTE_H
#define SL_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "sl_route-t.h"
#include "sl_syslog-t.h"

/* Result of routing one message. */
struct sl_route_result {
	int rule;                          /* index of the rule, -1: default */
	enum sl_route_format format;       /* RECORD or ENVELOPE */
	char topic[SL_TOPIC_MAX + 1];      /* NUL-terminated topic name */
};

/* Checks a topic template: only {app} {host} {facility} {severity} as
 * placeholders, balanced braces, and literal parts that are legal Kafka
 * topic characters ([A-Za-z0-9._-]). Also rejects an empty template, one
 * whose literal parts alone exceed SL_TOPIC_MAX, and the literal names
 * "." and "..". Returns 0, or -1 with a NUL-terminated reason in err
 * (errlen bytes; err may be NULL when errlen is 0). */
int sl_route_template_check(const char *tmpl, char *err, size_t errlen);

/* Routes the message buf[0..m->len) from src: finds the first matching rule
 * (or the default) and expands its template into res->topic. A placeholder
 * whose field is absent expands to "unknown" ({host} falls back to the
 * source IP); characters that Kafka does not allow in a topic name become
 * '_', and the name is cut at SL_TOPIC_MAX. Host and app globs use
 * fnmatch(3) syntax, matched case-sensitively. Never fails.
 *
 * Details: {facility} and {severity} expand to their keywords ("local3",
 * "err"; facility "user" and severity "notice" when the message has no
 * PRI). A host glob is matched against the HOSTNAME, or the source IP text
 * when the message has none, the same text {host} gives; an app glob
 * against the APP-NAME, or "" when absent (so "*" matches every message).
 * A field longer than 255 bytes or holding a NUL byte matches no glob.
 * A name that comes out empty, "." or ".." (illegal in Kafka) becomes
 * "unknown". Only rules[0..n_rules) are tried, at most SL_ROUTE_MAX_RULES
 * and at most SL_ROUTE_MAX_GLOBS globs per condition. */
void sl_route_message(const struct sl_router *r, const uint8_t *buf,
		      const struct sl_syslog_msg *m, const struct sl_addr *src,
		      struct sl_route_result *res);

#endif
