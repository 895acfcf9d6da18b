/* sl_relp-t.h: RELP frames, offers and the response window of a session. */
#ifndef SL_RELP_T_H
#define SL_RELP_T_H

#include <stddef.h>
#include <stdint.h>

/* Limits of the RELP frame grammar (doc/relp.md of librelp):
 * NUMBER = 1*9DIGIT for TXNR and DATALEN, COMMAND = 1*32ALPHA. */
#define SL_RELP_TXNR_MAX     999999999u
#define SL_RELP_DATALEN_MAX  999999999u
#define SL_RELP_NUMBER_DIGITS 9
#define SL_RELP_CMD_MAX      32

/* The longest header: TXNR SP COMMAND SP DATALEN SP = 9 + 1 + 32 + 1 + 9
 * + 1 bytes. */
#define SL_RELP_HEADER_MAX   53

/* A whole frame is at most datalen + SL_RELP_HEADROOM bytes (header and
 * trailer LF): a receive buffer of max_data + SL_RELP_HEADROOM bytes
 * holds any frame sl_relp_parse() accepts with that max_data. */
#define SL_RELP_HEADROOM     (SL_RELP_HEADER_MAX + 1)

/* The human-readable text of a response, "*80ALPHA" in the spec; the
 * librelp client reads at most 80 bytes of it. */
#define SL_RELP_TEXT_MAX     80

/* Offer name and value limits of the spec (FEATURENAME = *32OCTET,
 * VALUE = *255OCTET). */
#define SL_RELP_OFFER_NAME_MAX  32
#define SL_RELP_OFFER_VALUE_MAX 255

/* Response codes of RELP. */
#define SL_RELP_CODE_OK    200
#define SL_RELP_CODE_ERROR 500

enum sl_relp_cmd {
	SL_RELP_OPEN = 0,
	SL_RELP_SYSLOG,
	SL_RELP_CLOSE,
	SL_RELP_RSP,
	SL_RELP_SERVERCLOSE,
	SL_RELP_OTHER, /* a well-formed command this server does not know */
};

/* One parsed frame. Invariants: 1 <= txnr <= SL_RELP_TXNR_MAX;
 * cmd_text[0, cmd_len) is 1..32 ASCII letters and cmd is its meaning
 * (names are case-sensitive, as in librelp); data[0, datalen) lies in
 * the parsed buffer, datalen <= the max_data of the parse, and data is
 * never NULL (it points at the trailer when datalen is 0). */
struct sl_relp_frame {
	uint32_t txnr;
	enum sl_relp_cmd cmd;
	const uint8_t *cmd_text;
	size_t cmd_len;
	const uint8_t *data;
	size_t datalen;
};

/* What a client offered in its "open" command. relp_version is -1 when
 * the offer is absent, else 0..999999999; syslog is 1 when the
 * "commands" offer lists "syslog". */
struct sl_relp_offers {
	int relp_version;
	int syslog;
};

/* One outstanding command of a session. code is 0 while the command
 * awaits its outcome, then the RELP response code to send (200, 500). */
struct sl_relp_slot {
	uint32_t txnr;
	uint16_t code;
};

/* The commands of one session that still owe a response, in arrival
 * order, so responses leave strictly in txnr order however the outcomes
 * arrive (Kafka confirms partitions independently).
 *
 * Invariants: capacity is a power of two, 1..SL_RELP_WINDOW_MAX, and
 * mask = capacity - 1; the entries are the sequence numbers
 * [head, tail) (uint32_t arithmetic, wrapping), tail - head <= capacity,
 * and sequence number s lives in slots[s & mask]. A sequence number is
 * outstanding exactly when s - head < tail - head, which stays right
 * across the 2^32 wrap; after sl_relp_window_reset() the numbers go on
 * from tail, so a completion from before the reset is refused until 2^32
 * more commands have been pushed. owned is 1 when slots came from
 * sl_relp_window_alloc(). */
struct sl_relp_window {
	struct sl_relp_slot *slots;
	uint32_t mask;
	uint32_t head;
	uint32_t tail;
	uint8_t owned;
};

#define SL_RELP_WINDOW_MAX 65536u

#endif
