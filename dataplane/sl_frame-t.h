/* sl_frame-t.h: framing state of one syslog-over-TCP connection. */
#ifndef SL_FRAME_T_H
#define SL_FRAME_T_H

#include <stddef.h>
#include <stdint.h>

/* How a connection delimits its messages (RFC 6587 section 3.4). */
enum sl_framing {
	SL_FRAMING_AUTO = 0, /* decided by the first byte of the connection */
	SL_FRAMING_LF,       /* non-transparent framing, trailer LF */
	SL_FRAMING_OCTET,    /* octet counting: MSG-LEN SP SYSLOG-MSG */
};

/* Result of one sl_frame_next() call. */
enum sl_frame_rc {
	SL_FRAME_MSG = 0,  /* a message: buf[off, off + len) */
	SL_FRAME_NEED,     /* no complete frame yet: read more */
	SL_FRAME_OVERSIZE, /* a message longer than max_message: counted,
			    * the parser discards it by itself */
	SL_FRAME_ERROR,    /* garbage framing: close the connection */
};

/* Most digits of an octet-counting MSG-LEN: 999999999 bytes. */
#define SL_FRAME_OCTET_DIGITS 9

/* Bytes a receive buffer needs beyond max_message: the octet-counting
 * header (9 digits and SP = 10 bytes) fits, and so does an LF-framed
 * message of max_message bytes with its CR and LF. sl_frame_next() never
 * answers SL_FRAME_NEED with nothing consumed once its buffer holds
 * max_message + SL_FRAME_HEADROOM bytes, so a buffer of that size can
 * never stall. */
#define SL_FRAME_HEADROOM 16

/* Per-connection parser state. Invariants: mode is SL_FRAMING_AUTO only
 * until the first byte has been seen; skip > 0 only in octet mode (the
 * bytes of an oversize message still to discard) and skip_line only in
 * LF mode (discarding through the next LF), never both; scanned is the
 * number of bytes at the front of the caller's buffer already known to
 * hold no LF, so a message arriving in small pieces is searched once,
 * not once per piece. */
struct sl_frame_state {
	enum sl_framing mode;
	uint8_t skip_line;
	size_t skip;
	size_t scanned;
};

/* What sl_frame_next() found. consumed is the number of bytes the caller
 * drops from the front of its buffer (possibly 0 with SL_FRAME_NEED;
 * with SL_FRAME_ERROR, for the log, the offset of the bad header after
 * the tail of a skipped message). off and len locate the message inside
 * the buffer that was passed (SL_FRAME_MSG), or the known part and the
 * length of an oversize message (SL_FRAME_OVERSIZE: len is the full
 * length in octet mode and when the LF was seen, else the length
 * received so far). reason is a static string with SL_FRAME_ERROR, else
 * NULL. */
struct sl_frame_msg {
	size_t consumed;
	size_t off;
	size_t len;
	const char *reason;
};

#endif
