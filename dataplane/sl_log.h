/* sl_log.h: sluice's DPDK log type, so our lines go where EAL's go
 * (stderr, or syslog/journal under systemd) and their level is set with
 * the usual --log-level=sluice:debug. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <rte_log.h>

extern int sl_logtype;

#define SL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sl_logtype, "sluice: " fmt "\n", ##__VA_ARGS__)

#endif
