/* sl_observe.h: views of a running sluiced for the control plane: the
 * figures of the telemetry commands (sl_telemetry), the HTTP metrics and
 * the dashboard (sl_http). Every function takes o->lock itself and
 * returns nothing (0 entries) once the daemon detached. */
#ifndef SL_OBSERVE_H
#define SL_OBSERVE_H

#include <stddef.h>

#include "sl_observe-t.h"

/* Makes o empty and detached. */
void sl_observe_init(struct sl_observe *o);

/* Attaches the daemon's state (the fields set by the caller under
 * o->lock) once the data path runs: allocates the rate arrays. Returns
 * 0, or -1 when memory is short. */
int sl_observe_attach(struct sl_observe *o);

/* Detaches: no view reads the daemon's state after this returns. */
void sl_observe_detach(struct sl_observe *o);

/* Sets the run state. */
void sl_observe_set_state(struct sl_observe *o, enum sl_run_state s);

/* Returns the name of a run state ("running", ...). */
const char *sl_observe_state_name(enum sl_run_state s);

/* Takes the once-a-second sample the source rates come from; now_ns is
 * the wall clock. Called by the control loop. */
void sl_observe_sample(struct sl_observe *o, uint64_t now_ns);

/* Fills *st. */
void sl_observe_status(struct sl_observe *o, struct sl_obs_status *st);

/* Writes up to max workers into out. Returns how many. */
unsigned sl_observe_workers(struct sl_observe *o, struct sl_obs_worker *out,
			    unsigned max);

/* Writes the sources q selects, in q's order, at most min(q->top, max),
 * into out. *total gets the number that matched before the bound.
 * Returns how many were written. */
unsigned sl_observe_sources(struct sl_observe *o, const struct sl_obs_query *q,
			    struct sl_obs_source *out, unsigned max,
			    unsigned *total);

/* Writes up to max sites (largest unacknowledged first) into out; hosts
 * without a site are the site "". Returns how many. */
unsigned sl_observe_sites(struct sl_observe *o, struct sl_obs_site *out,
			  unsigned max);

/* Parses a sources query "site=S;sort=K;top=N" (any subset, any order;
 * NULL or "" for the defaults). Returns 0, or -1 with the reason in err. */
int sl_observe_parse_query(const char *params, struct sl_obs_query *q,
			   char *err, size_t errlen);

/* Asks every worker that knows host ip (text) to pause (pause = 1) or
 * resume its messages; a worker that meets the host only later does not
 * pause it. Returns 0, or -1 with the reason in err (not an address, not
 * a known source, a worker busy: the others may have paused it already,
 * and asking again is harmless). */
int sl_observe_pause(struct sl_observe *o, const char *ip, int pause,
		     char *err, size_t errlen);

#endif
