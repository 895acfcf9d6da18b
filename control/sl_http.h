/* sl_http.h: sluiced's HTTP server ([http] section, libmicrohttpd): the
 * Prometheus metrics at /metrics, JSON views under /api, the dashboard
 * at /, and, with [http] token set, the mutations (reload, drain, pause
 * and resume a source) for requests that carry the token.
 *
 * One server per process, served by one thread of libmicrohttpd's own;
 * it reads only through sl_observe, whose functions take o->lock. */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include "sl_observe-t.h"

/* Starts the server of o->cfg's [http] section, if its listen is set,
 * answering from o (attached by the caller, which keeps it alive until
 * sl_http_stop). Call it with the control signals blocked: the server's
 * thread inherits the mask. Returns 0 (also when [http] is off), or -1
 * after logging why (address in use, out of memory). */
int sl_http_start(struct sl_observe *o);

/* Stops the server: returns once the request in progress, if any, is
 * answered and its thread is gone. Does nothing when none runs. */
void sl_http_stop(void);

#endif
