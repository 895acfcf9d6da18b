/* fuzz_envelope.c: the envelope decoder (sl_envelope_open/next/peek) on
 * arbitrary input.
 *
 * Input: an envelope (docs/envelope.md). Each input is opened twice: as
 * it is, and with its checksum recomputed, so mutations also reach the
 * checks behind the CRC (decryption, LZ4, the record parser). The
 * keyring holds one key, id FUZZ_ENVELOPE_KEY_ID, which the seeds
 * (mkseeds_envelope) are encrypted with. One decoder serves every input,
 * as in a consumer, so stale buffer contents cannot leak into a result.
 *
 * Checked: open and peek agree on header errors; an opened envelope
 * yields exactly count records that tile the record area, and writing
 * them again with sl_envelope_put() gives the decoded area byte for
 * byte (a reader accepts only the canonical encoding). */
#include <string.h>

#include "fuzz_envelope.h"
#include "sl_crc32c.h"
#include "sl_envelope.h"
#include "sl_fuzz.h"
#include "sl_keys.h"

static struct sl_keyring *keys;
static struct sl_envelope_decoder *dec;
static uint8_t *repack;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = "1 " FUZZ_ENVELOPE_KEY_B64 "\n";
	char err[256];

	(void)argc;
	(void)argv;
	keys = sl_keyring_parse("fuzz", text, sizeof(text) - 1, err, sizeof(err));
	SL_FUZZ_CHECK(keys != NULL);
	dec = sl_envelope_decoder_new(keys);
	SL_FUZZ_CHECK(dec != NULL);
	repack = malloc(SL_ENVELOPE_MAX_RAW);
	SL_FUZZ_CHECK(repack != NULL);
	return 0;
}

static int
header_error(enum sl_envelope_error e)
{
	return e == SL_ENV_TRUNCATED || e == SL_ENV_BAD_MAGIC ||
	       e == SL_ENV_UNSUPPORTED_VERSION || e == SL_ENV_UNSUPPORTED_FLAGS ||
	       e == SL_ENV_UNSUPPORTED_CODEC || e == SL_ENV_UNSUPPORTED_AEAD ||
	       e == SL_ENV_BAD_CHECKSUM || e == SL_ENV_TOO_LARGE ||
	       e == SL_ENV_BAD_HEADER || e == SL_ENV_TRAILING_DATA;
}

static void
check(const uint8_t *data, size_t size)
{
	struct sl_envelope_header h, hp;
	struct sl_envelope_rec r;
	struct sl_envelope_msg m;
	enum sl_envelope_error e, ep;
	const uint8_t *area = NULL, *expect = NULL;
	size_t total = 0, len = 0;
	uint32_t n = 0;
	int rc;

	e = sl_envelope_open(dec, data, size, &h);
	ep = sl_envelope_peek(data, size, &hp);
	SL_FUZZ_CHECK(e <= SL_ENV_TRAILING_DATA);
	SL_FUZZ_CHECK(header_error(ep) || ep == SL_ENV_OK);
	if (ep != SL_ENV_OK) {
		SL_FUZZ_CHECK(e == ep);
		SL_FUZZ_CHECK(sl_envelope_next(dec, &m) == 0);
		return;
	}
	SL_FUZZ_CHECK(!header_error(e));
	SL_FUZZ_CHECK(h.version == hp.version && h.flags == hp.flags &&
		      h.codec == hp.codec && h.aead == hp.aead &&
		      h.count == hp.count && h.raw_len == hp.raw_len &&
		      h.body_len == hp.body_len && h.key_id == hp.key_id &&
		      h.first_rx_ns == hp.first_rx_ns &&
		      h.last_rx_ns == hp.last_rx_ns);
	SL_FUZZ_CHECK(size == SL_ENVELOPE_HEADER_LEN + h.body_len);
	if (e != SL_ENV_OK) {
		SL_FUZZ_CHECK(sl_envelope_next(dec, &m) == 0);
		return;
	}
	while ((rc = sl_envelope_next(dec, &m)) == 1) {
		SL_FUZZ_CHECK(m.family == 4 || m.family == 6);
		if (area == NULL)
			area = expect = m.data - SL_ENVELOPE_REC_HDR;
		SL_FUZZ_CHECK(m.data == expect + SL_ENVELOPE_REC_HDR);
		expect = m.data + m.len;
		total += sl_envelope_record_size(m.len);
		SL_FUZZ_CHECK(total <= h.raw_len);
		memset(&r, 0, sizeof(r));
		r.rx_ns = m.rx_ns;
		r.family = m.family;
		r.port = m.port;
		memcpy(r.addr, m.addr, sizeof(r.addr));
		sl_envelope_put(repack, &len, &r, m.data, m.len);
		n++;
	}
	SL_FUZZ_CHECK(rc == 0);
	SL_FUZZ_CHECK(n == h.count);
	SL_FUZZ_CHECK(total == h.raw_len && len == h.raw_len);
	SL_FUZZ_CHECK(len == 0 || memcmp(repack, area, len) == 0);
	SL_FUZZ_CHECK(sl_envelope_next(dec, &m) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	uint32_t crc;

	/* Exactly size bytes on the heap: ASan sees a read past the end. */
	copy = malloc(size ? size : 1);
	SL_FUZZ_CHECK(copy != NULL);
	if (size > 0)
		memcpy(copy, data, size);
	check(copy, size);
	if (size >= SL_ENVELOPE_HEADER_LEN) {
		crc = sl_crc32c(0, copy, 64);
		crc = sl_crc32c(crc, copy + SL_ENVELOPE_HEADER_LEN,
				size - SL_ENVELOPE_HEADER_LEN);
		copy[64] = (uint8_t)crc;
		copy[65] = (uint8_t)(crc >> 8);
		copy[66] = (uint8_t)(crc >> 16);
		copy[67] = (uint8_t)(crc >> 24);
		check(copy, size);
	}
	free(copy);
	return 0;
}
