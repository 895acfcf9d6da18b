/* sl_telemetry.h: sluiced's DPDK telemetry commands under /sluice/
 * (docs/telemetry.md): the figures of sl_observe for dpdk-telemetry.py,
 * exporters and sluicectl, and the control commands (reload, drain,
 * pause/resume a source). */
#ifndef SL_TELEMETRY_H
#define SL_TELEMETRY_H

#include "sl_observe-t.h"

/* Registers the commands, reading and acting through o (which must
 * outlive the process: telemetry has no unregister). Returns 0, or -1
 * when DPDK refused a command. */
int sl_telemetry_register(struct sl_observe *o);

#endif
