/* sl_config.h: read sluiced's configuration file and --set overrides.
 *
 * The file is INI-like: "[section]" lines, "key = value" lines, '#' or ';'
 * comments on their own lines, blank lines. Sections and keys are listed
 * in docs/configuration.md; anything else is an error. Every error names
 * the file, the line and the key ("FILE:LINE: [section] key: reason"), or
 * for an override "--set section.key=value: reason".
 *
 * This is a parser of our own rather than rte_cfgfile because rte_cfgfile
 * keeps no line numbers and so cannot say where a bad key is.
 */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stddef.h>

#include "sl_config-t.h"

/* Fills *c with the documented defaults. */
void sl_config_defaults(struct sl_config *c);

/* Reads path into *c (which holds defaults or earlier settings). Returns
 * 0, or -1 with a message naming file, line and key in err. */
int sl_config_load(struct sl_config *c, const char *path, char *err,
		   size_t errlen);

/* Applies one override "section.key=value" (route.NAME.key, port.NAME.key,
 * input.udp.key and kafka.producer.<librdkafka key> included). Returns 0,
 * or -1 with a message in err. */
int sl_config_set(struct sl_config *c, const char *assignment, char *err,
		  size_t errlen);

/* Checks the cross-key rules once everything is applied (a DPDK driver
 * needs a port, pipeline needs workers, ...). Returns 0, or -1 with a
 * message in err. */
int sl_config_validate(const struct sl_config *c, char *err, size_t errlen);

/* Returns the number of stream lcores sluiced runs: [stream] lcores when
 * a stream listener ([input.tcp], [input.tls], [input.relp]) is on, else
 * 0. */
unsigned sl_config_stream_lcores(const struct sl_config *c);

/* Receive descriptors of an exception interface's queue (each filled
 * from the main mbuf pool). */
#define SL_EXCEPTION_RX_DESC 512

#endif
