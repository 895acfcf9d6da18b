/* sl_route-t.h: routing rules: which Kafka topic a message goes to. */
#ifndef SL_ROUTE_T_H
#define SL_ROUTE_T_H

#include <stdint.h>

#include "sl_meta-t.h"

#define SL_ROUTE_MAX_RULES   256
#define SL_ROUTE_MAX_GLOBS   8
#define SL_ROUTE_PATTERN_MAX 128
#define SL_TOPIC_MAX         249 /* Kafka's limit on a topic name */

/* What a route produces: one Kafka record per message, or lz4 envelopes
 * of many messages (docs/envelope.md). SL_FORMAT_DEFAULT on a rule means
 * the router's default_format. */
enum sl_route_format {
	SL_FORMAT_DEFAULT = 0,
	SL_FORMAT_RECORD,
	SL_FORMAT_ENVELOPE,
};

/* One rule. Invariants: a condition with count 0 (or facility_mask 0, or
 * net_prefix < 0) is not checked; the checked conditions are ANDed, the
 * globs inside one condition are ORed; topic is a template in which
 * {app}, {host}, {facility} and {severity} are replaced (see sl_route.h). */
struct sl_route_rule {
	char name[64];
	unsigned n_app;
	char app[SL_ROUTE_MAX_GLOBS][SL_ROUTE_PATTERN_MAX];
	unsigned n_host;
	char host[SL_ROUTE_MAX_GLOBS][SL_ROUTE_PATTERN_MAX];
	uint32_t facility_mask;     /* bit f set: facility f matches */
	struct sl_addr net;
	int net_prefix;             /* -1: no network condition */
	char topic[SL_TOPIC_MAX + 1];
	enum sl_route_format format;
};

/* The routing table. Invariants: rules are tried in order and the first
 * match wins; default_topic (a template too) takes what none matched. */
struct sl_router {
	unsigned n_rules;
	struct sl_route_rule rules[SL_ROUTE_MAX_RULES];
	char default_topic[SL_TOPIC_MAX + 1];
	enum sl_route_format default_format; /* never SL_FORMAT_DEFAULT */
};

#endif
