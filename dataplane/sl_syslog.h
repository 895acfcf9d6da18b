/* sl_syslog.h: RFC 3164 / RFC 5424 header parser.
 *
 * The parser never copies and never fails: a message that has no valid
 * header is still a message (format SL_SYSLOG_NONE) that sluice delivers
 * with the source address as host. It only reads [buf, buf + len).
 *
 * What it recognises, in this order:
 *
 * PRI. "<" 1*3DIGIT ">" with a value 0..191 and no leading zero ("<0>" is
 * fine, "<013>" is not). A malformed PRI ("<999>", "<>", "<1a>", "<0013>")
 * is taken as no PRI at all: F_NO_PRI is set and the header search starts
 * at byte 0, where the "<" stops it, so the message is format NONE with
 * the whole text as MSG. Nothing the sender wrote is hidden behind a
 * guess.
 *
 * RFC 5424, after a valid PRI: VERSION (NONZERO-DIGIT 0*2DIGIT) SP
 * TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA
 * [SP MSG]. The header fields must be PRINTUSASCII within the RFC limits
 * (SL_SYSLOG_*_MAX) and the timestamp must be the RFC 3339 form of the
 * RFC (fractions of 1 to 9 digits are accepted: senders with nanosecond
 * clocks exist). When any of that fails the message is not 5424 and the
 * 3164 rules below apply from the byte after the PRI. When the header
 * through MSGID is valid but STRUCTURED-DATA is not (unclosed element,
 * unclosed quoted value, missing "=", garbage after "]"), the message
 * stays 5424 with F_BAD_SD set, sdata empty and MSG running from where
 * the structured data began to the end, so the text reaches Kafka in the
 * MSG field. Inside a quoted PARAM-VALUE a backslash escapes the next
 * byte and only an unescaped '"' ends the value, so "]" there never ends
 * the element. A UTF-8 BOM at the start of MSG sets F_BOM and is left out
 * of the msg span.
 *
 * RFC 3164 and its real-world variants, with or without PRI (F_NO_PRI):
 * TIMESTAMP is "Mmm dd hh:mm:ss" (day "dd", " d" or "d"), optionally with
 * a year ("Mmm dd yyyy hh:mm:ss") or fractional seconds, or an RFC 3339
 * timestamp (rsyslog's RFC3339 forwarding format). The TAG is the run of
 * bytes up to '[', ':' or SP ("sshd(pam_unix)" is an APP-NAME); it is a
 * tag only when it ends in ": " or "[PID]" (optionally followed by ':')
 * and then SP or the end, so "http://x" or free text is not mistaken for
 * one. HOSTNAME is the token after the timestamp unless that token is
 * itself a tag ("<13>Jun 14 15:16:01 sshd[1]: msg" has no host). A token
 * after the host that is not a tag leaves APP-NAME empty and starts MSG.
 * After a valid PRI without a recognisable timestamp the message is 3164
 * with everything after the PRI as MSG (what RFC 3164 section 4.3.2 tells
 * relays to do). Without a PRI and without a timestamp the message is
 * format NONE (Apache, Java logs, Thunderbird alert lines).
 *
 * F_BAD_UTF8 covers the whole message [0, len), not only MSG.
 */
#ifndef SL_SYSLOG_H
#define SL_SYSLOG_H

#include <stdint.h>

#include "sl_syslog-t.h"

/* Parses the header of the message in buf[0..len) into *out. buf need not
 * be NUL-terminated; len may be 0. Returns out->format. */
enum sl_syslog_format sl_syslog_parse(const uint8_t *buf, uint32_t len,
				      struct sl_syslog_msg *out);

/* Same as sl_syslog_parse() without the walk of an RFC 5424
 * STRUCTURED-DATA, for the worker path, which needs the header fields
 * (routing: host, app, facility, severity; the record key and the source
 * accounting: HOSTNAME; the counters: format and F_BAD_UTF8) and len, but
 * never the structured data or where MSG begins. *out is what
 * sl_syslog_parse() gives except, when the format is SL_SYSLOG_5424:
 * sdata is empty, F_BAD_SD and F_BOM are never set, and msg runs from the
 * first byte after MSGID's SP (where STRUCTURED-DATA begins) to len.
 * Format, pri, facility, severity, len, every other flag and the spans
 * timestamp, hostname, app_name, procid and msgid are always the same:
 * whether a header is 5424 does not depend on its structured data.
 * Returns out->format. */
enum sl_syslog_format sl_syslog_parse_min(const uint8_t *buf, uint32_t len,
					  struct sl_syslog_msg *out);

/* Returns 1 when buf[0..len) is valid UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), else 0. */
int sl_utf8_valid(const uint8_t *buf, uint32_t len);

/* Returns the keyword of a facility number (0..23): "kern", "user", ...,
 * "local7"; NULL when out of range. The names are those of RFC 5424
 * table 1 as syslog.conf spells them; 13, 14 and 15 are "security",
 * "console" and "solaris-cron". */
const char *sl_syslog_facility_name(unsigned facility);

/* Returns the facility number of a keyword (case-insensitive), or -1 when
 * unknown. name must be NUL-terminated. */
int sl_syslog_facility_parse(const char *name);

/* Returns the keyword of a severity number (0..7): "emerg", "alert",
 * "crit", "err", "warning", "notice", "info", "debug"; NULL when out of
 * range. */
const char *sl_syslog_severity_name(unsigned severity);

#endif
