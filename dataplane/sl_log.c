/* sl_log.c: registration of the "sluice" log type. */
#include "sl_log.h"

RTE_LOG_REGISTER(sl_logtype, sluice, INFO);
