/* sl_relp.c: RELP frames, offers, responses and the response window
 * (rules in sl_relp.h).
 *
 * The parser works on the bytes at hand and keeps no state between
 * calls: a RELP header is at most SL_RELP_HEADER_MAX bytes, so parsing a
 * frame again from its start when more bytes arrive costs little, and a
 * caller cannot get a half-parsed frame out of step with its buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "sl_relp.h"

/* One part of the data of a frame being written. */
struct sl_relp_piece {
	const char *p;
	size_t n;
};

static const char sl_relp_serverclose_text[] = "0 serverclose 0\n";

static inline int
sl_relp_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static inline int
sl_relp_is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Reads NUMBER = 1*9DIGIT at buf[*pos]. Returns 1 with *val set and *pos
 * at the byte after the digits (which exists), 0 when the digits run to
 * the end of buf, -1 when there is no digit or a tenth one. */
static int
sl_relp_number(const uint8_t *buf, size_t len, size_t *pos, uint32_t *val)
{
	size_t start = *pos, i;
	uint32_t v = 0;

	if (start < len && !sl_relp_is_digit(buf[start]))
		return -1;
	for (i = start; i < len && sl_relp_is_digit(buf[i]); i++) {
		if (i - start == SL_RELP_NUMBER_DIGITS)
			return -1;
		v = v * 10 + (uint32_t)(buf[i] - '0');
	}
	if (i == len)
		return 0;
	*pos = i;
	*val = v;
	return 1;
}

/* Returns 1 when b[0, len) is the NUL-terminated name. */
static int
sl_relp_bytes_are(const uint8_t *b, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(b, name, len) == 0;
}

static enum sl_relp_cmd
sl_relp_cmd_of(const uint8_t *cmd, size_t len)
{
	if (sl_relp_bytes_are(cmd, len, "syslog"))
		return SL_RELP_SYSLOG;
	if (sl_relp_bytes_are(cmd, len, "open"))
		return SL_RELP_OPEN;
	if (sl_relp_bytes_are(cmd, len, "close"))
		return SL_RELP_CLOSE;
	if (sl_relp_bytes_are(cmd, len, "rsp"))
		return SL_RELP_RSP;
	if (sl_relp_bytes_are(cmd, len, "serverclose"))
		return SL_RELP_SERVERCLOSE;
	return SL_RELP_OTHER;
}

static int
sl_relp_fail(const char **err, const char *why)
{
	*err = why;
	return -1;
}

int
sl_relp_parse(const uint8_t *buf, size_t len, size_t max_data,
	      struct sl_relp_frame *f, const char **err)
{
	size_t i = 0, cmd_start, cmd_len;
	uint32_t txnr = 0, datalen = 0;
	int r;

	r = sl_relp_number(buf, len, &i, &txnr);
	if (r <= 0)
		return r < 0 ? sl_relp_fail(err, "relp: bad txnr") : 0;
	if (buf[i] != ' ' || txnr == 0)
		return sl_relp_fail(err, "relp: bad txnr");

	cmd_start = ++i;
	for (; i < len && sl_relp_is_alpha(buf[i]); i++)
		if (i - cmd_start == SL_RELP_CMD_MAX)
			return sl_relp_fail(err, "relp: bad command");
	if (i == len)
		return 0;
	if (i == cmd_start || buf[i] != ' ')
		return sl_relp_fail(err, "relp: bad command");
	cmd_len = i - cmd_start;

	i++;
	r = sl_relp_number(buf, len, &i, &datalen);
	if (r <= 0)
		return r < 0 ? sl_relp_fail(err, "relp: bad datalen") : 0;
	if (datalen > 0) {
		if (buf[i] != ' ')
			return sl_relp_fail(err, "relp: bad datalen");
		if (datalen > max_data)
			return sl_relp_fail(err, "relp: frame too large");
		i++;
		/* i <= SL_RELP_HEADER_MAX here, so the sum cannot wrap. */
		if (len - i <= datalen)
			return 0;
	}
	if (buf[i + datalen] != '\n')
		return sl_relp_fail(err, "relp: missing trailer");

	f->txnr = txnr;
	f->cmd_text = buf + cmd_start;
	f->cmd_len = cmd_len;
	f->cmd = sl_relp_cmd_of(f->cmd_text, cmd_len);
	f->data = buf + i;
	f->datalen = datalen;
	return (int)(i + datalen + 1);
}

/* Parses the value list v[0, n) of one offer (comma separated, each at
 * most SL_RELP_OFFER_VALUE_MAX bytes). Sets *count to the number of
 * values, *first and *first_len to the first one and *syslog to 1 when one of
 * them is "syslog". Returns 0, or -1 on a value too long. */
static int
sl_relp_offer_values(const uint8_t *v, size_t n, unsigned *count,
		     const uint8_t **first, size_t *first_len, int *syslog)
{
	size_t i = 0, end;
	const uint8_t *comma;

	*count = 0;
	*syslog = 0;
	for (;;) {
		comma = i < n ? memchr(v + i, ',', n - i) : NULL;
		end = comma != NULL ? (size_t)(comma - v) : n;
		if (end - i > SL_RELP_OFFER_VALUE_MAX)
			return -1;
		if (*count == 0) {
			*first = v + i;
			*first_len = end - i;
		}
		(*count)++;
		if (sl_relp_bytes_are(v + i, end - i, "syslog"))
			*syslog = 1;
		if (comma == NULL)
			return 0;
		i = end + 1;
	}
}

/* Reads the relp_version value v[0, n): one number of 1..9 digits.
 * Returns it, or -1. */
static int
sl_relp_offer_version(const uint8_t *v, size_t n)
{
	int version = 0;
	size_t k;

	if (n == 0 || n > SL_RELP_NUMBER_DIGITS)
		return -1;
	for (k = 0; k < n; k++) {
		if (!sl_relp_is_digit(v[k]))
			return -1;
		version = version * 10 + (v[k] - '0');
	}
	return version;
}

int
sl_relp_offers_parse(const uint8_t *data, size_t len, struct sl_relp_offers *o)
{
	struct sl_relp_offers res = { -1, 0 };
	const uint8_t *lf, *eq, *name, *first = NULL;
	size_t i = 0, eol, name_len, first_len = 0;
	unsigned count;
	int syslog;

	while (i < len) {
		lf = memchr(data + i, '\n', len - i);
		eol = lf != NULL ? (size_t)(lf - data) : len;
		name = data + i;
		i = eol + 1;
		if (name == data + eol)
			continue;
		eq = memchr(name, '=', (size_t)(data + eol - name));
		name_len = (size_t)((eq != NULL ? eq : data + eol) - name);
		if (name_len == 0 || name_len > SL_RELP_OFFER_NAME_MAX)
			return -1;
		count = 0;
		syslog = 0;
		if (eq != NULL &&
		    sl_relp_offer_values(eq + 1, (size_t)(data + eol - eq - 1),
					 &count, &first, &first_len,
					 &syslog) < 0)
			return -1;
		if (sl_relp_bytes_are(name, name_len, "commands") && syslog)
			res.syslog = 1;
		if (sl_relp_bytes_are(name, name_len, "relp_version")) {
			res.relp_version = count == 1 ?
				sl_relp_offer_version(first, first_len) : -1;
			if (res.relp_version < 0)
				return -1;
		}
	}
	*o = res;
	return 0;
}

/* Writes v in decimal into d (room for 10 digits). Returns the count. */
static size_t
sl_relp_u32(char *d, uint32_t v)
{
	char tmp[10];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		d[i] = tmp[n - 1 - i];
	return n;
}

/* Length of the NUL-terminated s when it is at most max bytes and holds
 * no LF; else max + 1. Reads at most max + 1 bytes of s. */
static size_t
sl_relp_line_len(const char *s, size_t max)
{
	size_t n;

	for (n = 0; n <= max && s[n] != '\0'; n++)
		if (s[n] == '\n')
			return max + 1;
	return n;
}

/* Writes the frame "TXNR SP CMD SP DATALEN [SP DATA] LF" whose data is
 * the concatenation of pc[0, n). Returns its length, or 0 when it does
 * not fit in cap or the data is longer than RELP allows. */
static size_t
sl_relp_write(char *out, size_t cap, uint32_t txnr, const char *cmd,
	      const struct sl_relp_piece *pc, unsigned n)
{
	char num_txnr[10], num_len[10];
	size_t datalen = 0, cmd_len = strlen(cmd), n_txnr, n_len, total, o;
	unsigned k;

	for (k = 0; k < n; k++) {
		if (pc[k].n > SL_RELP_DATALEN_MAX - datalen)
			return 0;
		datalen += pc[k].n;
	}
	n_txnr = sl_relp_u32(num_txnr, txnr);
	n_len = sl_relp_u32(num_len, (uint32_t)datalen);
	total = n_txnr + 1 + cmd_len + 1 + n_len + (datalen > 0 ? 1 : 0) +
		datalen + 1;
	if (total > cap)
		return 0;
	memcpy(out, num_txnr, n_txnr);
	o = n_txnr;
	out[o++] = ' ';
	memcpy(out + o, cmd, cmd_len);
	o += cmd_len;
	out[o++] = ' ';
	memcpy(out + o, num_len, n_len);
	o += n_len;
	if (datalen > 0)
		out[o++] = ' ';
	for (k = 0; k < n; k++) {
		memcpy(out + o, pc[k].p, pc[k].n);
		o += pc[k].n;
	}
	out[o++] = '\n';
	return o;
}

size_t
sl_relp_rsp(char *out, size_t cap, uint32_t txnr, unsigned code,
	    const char *text, const char *extra)
{
	struct sl_relp_piece pc[5];
	char num_code[10];
	size_t text_len;
	unsigned n = 0;

	if (txnr == 0 || txnr > SL_RELP_TXNR_MAX || code < 100 || code > 999)
		return 0;
	text_len = sl_relp_line_len(text, SL_RELP_TEXT_MAX);
	if (text_len > SL_RELP_TEXT_MAX)
		return 0;
	pc[n++] = (struct sl_relp_piece){ num_code,
					  sl_relp_u32(num_code, code) };
	pc[n++] = (struct sl_relp_piece){ " ", 1 };
	pc[n++] = (struct sl_relp_piece){ text, text_len };
	if (extra != NULL) {
		pc[n++] = (struct sl_relp_piece){ "\n", 1 };
		pc[n++] = (struct sl_relp_piece){ extra, strlen(extra) };
	}
	return sl_relp_write(out, cap, txnr, "rsp", pc, n);
}

size_t
sl_relp_open_rsp(char *out, size_t cap, uint32_t txnr, const char *software)
{
	static const char head[] = "200 OK\nrelp_version=0\nrelp_software=";
	static const char tail[] = "\ncommands=syslog";
	const size_t max = 3 * SL_RELP_OFFER_VALUE_MAX + 2;
	struct sl_relp_piece pc[3];
	size_t sw_len, i, value = 0;

	if (txnr == 0 || txnr > SL_RELP_TXNR_MAX)
		return 0;
	sw_len = sl_relp_line_len(software, max);
	if (sw_len == 0 || sw_len > max)
		return 0;
	/* Each of name, version and URL must pass the client's offer
	 * parser (and ours). */
	for (i = 0; i <= sw_len; i++) {
		if (i == sw_len || software[i] == ',') {
			if (i - value > SL_RELP_OFFER_VALUE_MAX)
				return 0;
			value = i + 1;
		}
	}
	pc[0] = (struct sl_relp_piece){ head, sizeof(head) - 1 };
	pc[1] = (struct sl_relp_piece){ software, sw_len };
	pc[2] = (struct sl_relp_piece){ tail, sizeof(tail) - 1 };
	return sl_relp_write(out, cap, txnr, "rsp", pc, 3);
}

size_t
sl_relp_serverclose(char *out, size_t cap)
{
	size_t n = sizeof(sl_relp_serverclose_text) - 1;

	if (cap < n)
		return 0;
	memcpy(out, sl_relp_serverclose_text, n);
	return n;
}

int
sl_relp_window_init(struct sl_relp_window *w, struct sl_relp_slot *slots,
		    uint32_t capacity, uint32_t first_seq)
{
	if (slots == NULL || capacity == 0 || capacity > SL_RELP_WINDOW_MAX ||
	    (capacity & (capacity - 1)) != 0)
		return -1;
	w->slots = slots;
	w->mask = capacity - 1;
	w->head = first_seq;
	w->tail = first_seq;
	w->owned = 0;
	return 0;
}

int
sl_relp_window_alloc(struct sl_relp_window *w, uint32_t capacity,
		     uint32_t first_seq)
{
	struct sl_relp_slot *slots;

	if (capacity == 0 || capacity > SL_RELP_WINDOW_MAX ||
	    (capacity & (capacity - 1)) != 0)
		return -1;
	slots = malloc((size_t)capacity * sizeof(*slots));
	if (slots == NULL)
		return -1;
	sl_relp_window_init(w, slots, capacity, first_seq);
	w->owned = 1;
	return 0;
}

void
sl_relp_window_free(struct sl_relp_window *w)
{
	if (w->owned)
		free(w->slots);
	w->slots = NULL;
	w->mask = 0;
	w->head = w->tail;
	w->owned = 0;
}

void
sl_relp_window_reset(struct sl_relp_window *w)
{
	w->head = w->tail;
}

/* Appends {txnr, code}. Returns the sequence number used via *seq. */
static int
sl_relp_window_append(struct sl_relp_window *w, uint32_t txnr, uint16_t code,
		      uint32_t *seq)
{
	struct sl_relp_slot *s;

	if (sl_relp_window_full(w))
		return -1;
	s = &w->slots[w->tail & w->mask];
	s->txnr = txnr;
	s->code = code;
	*seq = w->tail++;
	return 0;
}

int
sl_relp_window_push(struct sl_relp_window *w, uint32_t txnr, uint32_t *seq)
{
	return sl_relp_window_append(w, txnr, 0, seq);
}

int
sl_relp_window_push_done(struct sl_relp_window *w, uint32_t txnr,
			 uint16_t code)
{
	uint32_t seq;

	if (code == 0)
		return -1;
	return sl_relp_window_append(w, txnr, code, &seq);
}

int
sl_relp_window_complete(struct sl_relp_window *w, uint32_t seq, uint16_t code)
{
	struct sl_relp_slot *s;

	if (code == 0 || seq - w->head >= w->tail - w->head)
		return -1;
	s = &w->slots[seq & w->mask];
	if (s->code != 0)
		return -1;
	s->code = code;
	return 0;
}

int
sl_relp_window_pop_ready(struct sl_relp_window *w, uint32_t *txnr,
			 uint16_t *code)
{
	const struct sl_relp_slot *s;

	if (sl_relp_window_empty(w))
		return 0;
	s = &w->slots[w->head & w->mask];
	if (s->code == 0)
		return 0;
	*txnr = s->txnr;
	*code = s->code;
	w->head++;
	return 1;
}
