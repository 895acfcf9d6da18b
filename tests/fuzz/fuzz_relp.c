/* fuzz_relp.c: the RELP frame parser, the offers parser and the response
 * builders on hostile input.
 *
 * Input: one control byte, then the bytes a RELP client wrote. Bits 0-1
 * of the control byte pick max_data (0, 8, 64 or 4096). Frames are parsed
 * one after another from a heap copy of exactly the remaining bytes, so
 * a read past them is an ASan report, until the parser needs more or
 * fails. Each frame is checked against the grammar (TXNR, COMMAND,
 * DATALEN, trailer), must be refused as "need more" when cut one byte
 * short, and its data goes through the offers parser. The response
 * builders get the frame's data as text, extra data and software name;
 * whatever they write must parse back as the frame they meant.
 */
#include <string.h>

#include "sl_fuzz.h"
#include "sl_relp.h"

static const size_t fuzz_max_data[4] = { 0, 8, 64, 4096 };

static int
is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static enum sl_relp_cmd
ref_cmd(const uint8_t *t, size_t n)
{
	static const struct {
		const char *name;
		enum sl_relp_cmd cmd;
	} names[] = {
		{ "open", SL_RELP_OPEN }, { "syslog", SL_RELP_SYSLOG },
		{ "close", SL_RELP_CLOSE }, { "rsp", SL_RELP_RSP },
		{ "serverclose", SL_RELP_SERVERCLOSE },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, t, n) == 0)
			return names[i].cmd;
	return SL_RELP_OTHER;
}

static int
parse_copy(const uint8_t *p, size_t n, size_t max, struct sl_relp_frame *f,
	   const char **err)
{
	uint8_t *b = malloc(n > 0 ? n : 1);
	int r;

	SL_FUZZ_CHECK(b != NULL);
	if (n > 0)
		memcpy(b, p, n);
	r = sl_relp_parse(b, n, max, f, err);
	if (r > 0) {
		SL_FUZZ_CHECK(f->data >= b && f->datalen <= n &&
			      f->data + f->datalen < b + r);
		SL_FUZZ_CHECK(f->cmd_text > b && f->cmd_text + f->cmd_len < f->data);
		f->data = p + (f->data - b);
		f->cmd_text = p + (f->cmd_text - b);
	}
	free(b);
	return r;
}

static void
check_frame(const uint8_t *p, size_t n, size_t max, int r,
	    const struct sl_relp_frame *f)
{
	struct sl_relp_frame g;
	const char *err;
	size_t i, hdr;

	SL_FUZZ_CHECK((size_t)r <= n);
	SL_FUZZ_CHECK(p[r - 1] == '\n');
	SL_FUZZ_CHECK(f->txnr >= 1 && f->txnr <= SL_RELP_TXNR_MAX);
	SL_FUZZ_CHECK(f->cmd_len >= 1 && f->cmd_len <= SL_RELP_CMD_MAX);
	for (i = 0; i < f->cmd_len; i++)
		SL_FUZZ_CHECK(is_alpha(f->cmd_text[i]));
	SL_FUZZ_CHECK(f->cmd == ref_cmd(f->cmd_text, f->cmd_len));
	SL_FUZZ_CHECK(f->cmd_text[-1] == ' ' && f->cmd_text[f->cmd_len] == ' ');
	SL_FUZZ_CHECK(f->datalen <= max);
	SL_FUZZ_CHECK(f->data + f->datalen == p + r - 1);
	hdr = (size_t)(f->data - p);
	SL_FUZZ_CHECK(hdr <= SL_RELP_HEADER_MAX);
	SL_FUZZ_CHECK((size_t)r <= max + SL_RELP_HEADROOM);
	if (f->datalen > 0)
		SL_FUZZ_CHECK(p[hdr - 1] == ' ');
	/* One byte short is a valid prefix. */
	SL_FUZZ_CHECK(parse_copy(p, (size_t)r - 1, max, &g, &err) == 0);
}

/* NUL-terminated copy of p[0, n), or NULL when p holds a NUL. */
static char *
cstr(const uint8_t *p, size_t n)
{
	char *s;

	if (n > 0 && memchr(p, '\0', n) != NULL)
		return NULL;
	s = malloc(n + 1);
	SL_FUZZ_CHECK(s != NULL);
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

static void
check_builders(const struct sl_relp_frame *f)
{
	size_t cap = f->datalen + 2 * SL_RELP_HEADROOM + 128, n, tlen;
	char *out = malloc(cap), *s = cstr(f->data, f->datalen);
	struct sl_relp_frame g;
	struct sl_relp_offers o;
	const char *err;
	unsigned code = 100 + f->txnr % 900;

	SL_FUZZ_CHECK(out != NULL);
	if (s != NULL) {
		/* The data as text: fine when it is short and has no LF. */
		tlen = strlen(s);
		n = sl_relp_rsp(out, cap, f->txnr, code, s, NULL);
		SL_FUZZ_CHECK((n > 0) == (tlen <= SL_RELP_TEXT_MAX &&
					  memchr(s, '\n', tlen) == NULL));
		if (n > 0) {
			SL_FUZZ_CHECK(parse_copy((const uint8_t *)out, n, cap,
						 &g, &err) == (int)n);
			SL_FUZZ_CHECK(g.cmd == SL_RELP_RSP && g.txnr == f->txnr);
			SL_FUZZ_CHECK(g.datalen == 4 + tlen);
		}
		/* The data as extra data: always fits. */
		n = sl_relp_rsp(out, cap, f->txnr, code, "OK", s);
		SL_FUZZ_CHECK(n > 0);
		SL_FUZZ_CHECK(parse_copy((const uint8_t *)out, n, cap, &g,
					 &err) == (int)n);
		SL_FUZZ_CHECK(g.datalen == 7 + tlen);
		SL_FUZZ_CHECK(tlen == 0 || memcmp(g.data + 7, s, tlen) == 0);
		/* The data as software name: when accepted, the client's
		 * view of the offers must be version 0 with syslog. */
		n = sl_relp_open_rsp(out, cap, f->txnr, s);
		if (n > 0) {
			SL_FUZZ_CHECK(parse_copy((const uint8_t *)out, n, cap,
						 &g, &err) == (int)n);
			SL_FUZZ_CHECK(g.datalen >= 7 &&
				      memcmp(g.data, "200 OK\n", 7) == 0);
			SL_FUZZ_CHECK(sl_relp_offers_parse(g.data + 7,
							   g.datalen - 7, &o) == 0);
			SL_FUZZ_CHECK(o.relp_version == 0 && o.syslog == 1);
		}
		free(s);
	}
	free(out);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_relp_frame f;
	struct sl_relp_offers o;
	const char *err;
	size_t max, pos = 0;
	int r;

	if (size == 0)
		return 0;
	max = fuzz_max_data[data[0] & 3];
	data++;
	size--;
	for (;;) {
		err = NULL;
		r = parse_copy(data + pos, size - pos, max, &f, &err);
		if (r == 0) {
			SL_FUZZ_CHECK(size - pos < max + SL_RELP_HEADROOM);
			break;
		}
		if (r < 0) {
			SL_FUZZ_CHECK(r == -1);
			SL_FUZZ_CHECK(err != NULL && strncmp(err, "relp: ", 6) == 0);
			break;
		}
		check_frame(data + pos, size - pos, max, r, &f);
		memset(&o, 0x5A, sizeof(o));
		if (sl_relp_offers_parse(f.data, f.datalen, &o) == 0)
			SL_FUZZ_CHECK(o.relp_version >= -1 &&
				      (o.syslog == 0 || o.syslog == 1));
		check_builders(&f);
		pos += (size_t)r;
	}
	return 0;
}
