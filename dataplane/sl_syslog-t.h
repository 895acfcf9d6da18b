/* sl_syslog-t.h: result of parsing one syslog message header. */
#ifndef SL_SYSLOG_T_H
#define SL_SYSLOG_T_H

#include <stdint.h>

/* A field as an offset and length into the parsed buffer; len 0 means the
 * field is absent (or RFC 5424 NILVALUE "-"). */
struct sl_span {
	uint32_t off;
	uint32_t len;
};

enum sl_syslog_format {
	SL_SYSLOG_NONE = 0, /* no recognisable header: whole text is the MSG */
	SL_SYSLOG_3164,     /* BSD syslog (and its real-world variants) */
	SL_SYSLOG_5424,     /* RFC 5424 */
};

#define SL_SYSLOG_F_NO_PRI   0x01 /* no <PRI> (3164 variants without it) */
#define SL_SYSLOG_F_BAD_UTF8 0x02 /* message is not valid UTF-8 */
#define SL_SYSLOG_F_BOM      0x04 /* 5424 MSG starts with a UTF-8 BOM */
#define SL_SYSLOG_F_BAD_SD   0x08 /* 5424 STRUCTURED-DATA is malformed */

/* Field length limits of RFC 5424 section 6; the 3164 parser applies the
 * same limits to the host, the tag (APP-NAME) and the pid (PROCID). */
#define SL_SYSLOG_HOSTNAME_MAX 255
#define SL_SYSLOG_APPNAME_MAX  48
#define SL_SYSLOG_PROCID_MAX   128
#define SL_SYSLOG_MSGID_MAX    32

/* A parsed header. Invariants: every span lies inside [0, len), that is
 * span.off + span.len <= len (an absent field, NILVALUE "-" included, is
 * {0, 0}; an empty MSG may sit at off == len); len is the input length
 * minus trailing CR, LF and NUL bytes (what sluice delivers);
 * msg is the part after the header (the whole text when format is NONE);
 * pri is -1 when absent, else 0..191 with facility = pri / 8 and
 * severity = pri % 8 (facility 1 "user", severity 5 "notice" when absent,
 * as RFC 3164 section 4.3.3 says a relay should assume). */
struct sl_syslog_msg {
	enum sl_syslog_format format;
	int16_t pri;
	uint8_t facility;
	uint8_t severity;
	uint32_t flags;     /* SL_SYSLOG_F_* */
	uint32_t len;
	struct sl_span timestamp;
	struct sl_span hostname;
	struct sl_span app_name;
	struct sl_span procid;
	struct sl_span msgid;
	struct sl_span sdata;   /* 5424 structured data, "[...]..." */
	struct sl_span msg;     /* without the BOM when F_BOM is set */
};

#endif
