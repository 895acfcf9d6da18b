/* sl_relp.h: the server side of RELP, rsyslog's Reliable Event Logging
 * Protocol: frame parsing, the client's offers, response building and
 * the window that puts responses back in command order.
 *
 * Frame: TXNR SP COMMAND SP DATALEN [SP DATA] LF. When DATALEN is 0 the
 * LF follows DATALEN at once (librelp sends "3 close 0\n"). Numbers may
 * carry leading zeros (the grammar is 1*9DIGIT); a TXNR of 0 is refused,
 * since 0 is reserved for hints and a client sends none. DATALEN above
 * the server's limit ends the session, as librelp's server does: RELP has
 * no way to skip a frame.
 *
 * Responses are what librelp's server writes, byte for byte, so
 * rsyslog's omrelp (a librelp client) accepts them: the data of an "rsp"
 * is "CODE SP TEXT" with CODE three digits, then LF and command data when
 * there is any; the answer to "open" carries the offers
 * "relp_version=0\nrelp_software=...\ncommands=syslog" after "200 OK\n".
 * Version 0 is what librelp speaks; its client refuses a higher one.
 *
 * Nothing here allocates except sl_relp_window_alloc(), and nothing
 * copies: parsed frames point into the caller's buffer.
 */
#ifndef SL_RELP_H
#define SL_RELP_H

#include <stddef.h>
#include <stdint.h>

#include "sl_relp-t.h"

/* Parses one frame at the start of buf[0, len) (buf may be NULL when len
 * is 0). max_data is the largest DATALEN accepted (values above
 * SL_RELP_DATALEN_MAX act as that). Returns the number of bytes of the
 * complete frame, with *f filled and pointing into buf; 0 when buf holds
 * a valid prefix of a frame and more bytes are needed (never once
 * len >= max_data + SL_RELP_HEADROOM); -1 on a malformed or too large
 * frame, with *err set to a static string ("relp: bad txnr", "relp: bad
 * command", "relp: bad datalen", "relp: frame too large", "relp: missing
 * trailer"), after which the session must be closed. *f is written only
 * on success, *err only on failure. */
int sl_relp_parse(const uint8_t *buf, size_t len, size_t max_data,
		  struct sl_relp_frame *f, const char **err);

/* Parses the offers of an "open" command, data[0, len): lines separated
 * by LF, each "name", "name=" or "name=value,value,...", names of 1..32
 * bytes, values of at most 255 bytes; empty lines are ignored. Fills *o
 * (see struct sl_relp_offers). Returns 0, or -1 when the offers are
 * malformed (a name empty, too long or a value too long, or a
 * relp_version that is not one number of at most 9 digits). */
int sl_relp_offers_parse(const uint8_t *data, size_t len,
			 struct sl_relp_offers *o);

/* Writes the response frame "TXNR rsp DATALEN CODE SP TEXT[LF EXTRA]LF"
 * into out[0, cap); DATALEN counts CODE through EXTRA. txnr is
 * 1..SL_RELP_TXNR_MAX, code 100..999, text (NUL-terminated) at most
 * SL_RELP_TEXT_MAX bytes without LF; extra is NULL or NUL-terminated.
 * Returns the frame length (out is not NUL-terminated), or 0 when cap is
 * too small or an argument is outside those bounds. */
size_t sl_relp_rsp(char *out, size_t cap, uint32_t txnr, unsigned code,
		   const char *text, const char *extra);

/* Writes the "200 OK" answer to an "open" command into out[0, cap),
 * offering relp_version=0, relp_software=software and commands=syslog.
 * software is NUL-terminated, without LF; by the spec it is "name",
 * "name,version" or "name,version,url". Returns the frame length, or 0
 * when cap is too small or an argument is out of bounds (as
 * sl_relp_rsp()). */
size_t sl_relp_open_rsp(char *out, size_t cap, uint32_t txnr,
			const char *software);

/* Writes the "serverclose" hint "0 serverclose 0\n" into out[0, cap).
 * Returns its length, or 0 when cap is too small. */
size_t sl_relp_serverclose(char *out, size_t cap);

/* Returns the transaction number a client uses after txnr: they count
 * from 1 and wrap from SL_RELP_TXNR_MAX back to 1. */
static inline uint32_t
sl_relp_txnr_next(uint32_t txnr)
{
	return txnr >= SL_RELP_TXNR_MAX ? 1 : txnr + 1;
}

/* Makes w an empty window over the caller's slots[0, capacity), which
 * stay the caller's; the first command pushed gets sequence number
 * first_seq. capacity is a power of two, 1..SL_RELP_WINDOW_MAX. Returns
 * 0, or -1 when capacity is not. */
int sl_relp_window_init(struct sl_relp_window *w, struct sl_relp_slot *slots,
			uint32_t capacity, uint32_t first_seq);

/* As sl_relp_window_init() with slots from malloc(), which
 * sl_relp_window_free() releases. Returns 0, or -1 on a bad capacity or
 * when memory is short. */
int sl_relp_window_alloc(struct sl_relp_window *w, uint32_t capacity,
			 uint32_t first_seq);

/* Releases the slots of a window made by sl_relp_window_alloc() (nothing
 * for one made by sl_relp_window_init()) and leaves w without storage. */
void sl_relp_window_free(struct sl_relp_window *w);

/* Drops every entry (a session ended). Sequence numbers go on from where
 * they were, so completions still in flight for the dropped entries are
 * refused by sl_relp_window_complete(). */
void sl_relp_window_reset(struct sl_relp_window *w);

/* Appends a pending command txnr. Returns 0 with *seq set to its
 * sequence number (the handle sl_relp_window_complete() takes), or -1
 * when the window is full. */
int sl_relp_window_push(struct sl_relp_window *w, uint32_t txnr,
			uint32_t *seq);

/* Appends a command whose response code is already known (open, close,
 * a refused command), so its response still leaves in order. code is
 * 1..65535. Returns 0, or -1 when the window is full or code is 0. */
int sl_relp_window_push_done(struct sl_relp_window *w, uint32_t txnr,
			     uint16_t code);

/* Records the response code (1..65535) of the pending command seq.
 * Returns 0, or -1 when seq is not outstanding (already popped, from
 * before a reset, never issued) or already has its code, or code is 0;
 * the window is then unchanged. */
int sl_relp_window_complete(struct sl_relp_window *w, uint32_t seq,
			    uint16_t code);

/* Removes the oldest entry when its code is known. Returns 1 with *txnr
 * and *code set, or 0 when the window is empty or its oldest command is
 * still pending. */
int sl_relp_window_pop_ready(struct sl_relp_window *w, uint32_t *txnr,
			     uint16_t *code);

/* Returns the number of outstanding commands. */
static inline uint32_t
sl_relp_window_count(const struct sl_relp_window *w)
{
	return w->tail - w->head;
}

/* Returns 1 when no command can be pushed. */
static inline int
sl_relp_window_full(const struct sl_relp_window *w)
{
	return w->tail - w->head > w->mask;
}

/* Returns 1 when no command is outstanding. */
static inline int
sl_relp_window_empty(const struct sl_relp_window *w)
{
	return w->tail == w->head;
}

#endif
