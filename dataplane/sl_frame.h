/* sl_frame.h: splitting a syslog-over-TCP byte stream into messages
 * (RFC 6587).
 *
 * Two framings exist on the wire. Non-transparent framing ends each
 * message with LF; a CR right before the LF is part of the trailer and
 * removed (senders on Windows and rsyslog's "\r\n" templates write it),
 * NUL is an ordinary byte. Octet counting prefixes each message with its
 * length: MSG-LEN SP SYSLOG-MSG, MSG-LEN = NONZERO-DIGIT 0*8DIGIT; the
 * message is delivered exactly as counted. With SL_FRAMING_AUTO the first
 * byte of the connection decides once: a digit 1-9 can only start a
 * MSG-LEN (a syslog message starts with "<" or text), anything else means
 * LF framing. A connection never changes framing afterwards.
 *
 * The parser never copies: a message is a span of the caller's buffer.
 * It keeps no pointer into that buffer between calls. The caller owns
 * one receive buffer per connection: it appends what it reads, calls
 * sl_frame_next() until SL_FRAME_NEED, and drops out->consumed bytes from
 * the front after each call. The state remembers how far the buffer was
 * searched for LF, so the caller must present the same bytes again
 * (minus what it dropped, plus what it appended) and must not edit them.
 */
#ifndef SL_FRAME_H
#define SL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "sl_frame-t.h"

/* Prepares st for a new connection using framing mode. */
void sl_frame_init(struct sl_frame_state *st, enum sl_framing mode);

/* Looks for the next frame in buf[0, len) (buf may be NULL when len is 0)
 * and fills *out (see struct sl_frame_msg). max_message is the largest
 * message delivered; the caller's buffer must be able to hold
 * max_message + SL_FRAME_HEADROOM bytes. Returns:
 *   SL_FRAME_MSG      a message buf[out->off, out->off + out->len), at
 *                     most max_message bytes, possibly empty (an empty
 *                     line); it stays valid until the caller drops
 *                     out->consumed bytes.
 *   SL_FRAME_NEED     no complete frame in buf; out->consumed bytes (of a
 *                     message being discarded) may still be dropped.
 *   SL_FRAME_OVERSIZE a message longer than max_message, reported once;
 *                     the rest of it is discarded by the following calls
 *                     (octet: exactly MSG-LEN bytes; LF: through the next
 *                     LF) and the connection goes on.
 *   SL_FRAME_ERROR    octet counting with a MSG-LEN that is not a digit,
 *                     starts with 0, has more than SL_FRAME_OCTET_DIGITS
 *                     digits or is not followed by SP; out->reason tells
 *                     which. The connection must be closed: the stream
 *                     has no message boundary left to resync on.
 * With AUTO the first byte decides the framing and st->mode holds the
 * resolved one from then on. */
enum sl_frame_rc sl_frame_next(struct sl_frame_state *st, const uint8_t *buf,
			       size_t len, size_t max_message,
			       struct sl_frame_msg *out);

/* Returns the name of a framing mode ("auto", "lf", "octet"), or NULL for
 * a value outside the enum. */
const char *sl_framing_name(enum sl_framing mode);

#endif
