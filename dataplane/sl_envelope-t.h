/* sl_envelope-t.h: types of the envelope codec (docs/envelope.md).
 *
 * Self-contained (standard C only): consumers include it through the
 * decoder library's installed headers, without DPDK. */
#ifndef SL_ENVELOPE_T_H
#define SL_ENVELOPE_T_H

#include <stdint.h>

/* AEAD an encoder encrypts with once it has a key. The numbers of the
 * concrete algorithms are the header's aead field. */
enum sl_envelope_aead {
	SL_AEAD_NONE = 0,       /* never encrypt */
	SL_AEAD_AES256GCM = 1,  /* needs AES-NI and CLMUL */
	SL_AEAD_XCHACHA20 = 2,  /* XChaCha20-Poly1305 (IETF) */
	SL_AEAD_AUTO = 255,     /* AES-256-GCM when available, else XChaCha20 */
};

/* What an envelope reader reports. SL_ENV_OK is 0; the order of the
 * values is part of the library's ABI (new ones are added at the end). */
enum sl_envelope_error {
	SL_ENV_OK = 0,
	SL_ENV_TRUNCATED,           /* input shorter than the header says */
	SL_ENV_BAD_MAGIC,           /* not an envelope */
	SL_ENV_UNSUPPORTED_VERSION, /* a version this reader does not know */
	SL_ENV_UNSUPPORTED_FLAGS,   /* flag bits this reader does not know */
	SL_ENV_UNSUPPORTED_CODEC,   /* a codec this reader does not know */
	SL_ENV_BAD_CHECKSUM,        /* CRC32C mismatch: corrupted */
	SL_ENV_NO_KEY,              /* encrypted with a key id we do not have */
	SL_ENV_DECRYPT_FAILED,      /* tag did not verify: wrong key or tampered */
	SL_ENV_DECOMPRESS_FAILED,   /* LZ4 data invalid or of the wrong size */
	SL_ENV_BAD_RECORD,          /* record area malformed or count wrong */
	SL_ENV_TOO_LARGE,           /* count or a length beyond the v1 limits */
	SL_ENV_NOMEM,               /* could not allocate the decode buffers */
	SL_ENV_BAD_HEADER,          /* header fields contradict each other */
	SL_ENV_UNSUPPORTED_AEAD,    /* unknown AEAD, or AES-GCM without AES-NI */
	SL_ENV_TRAILING_DATA,       /* bytes after the envelope's end */
};

/* One record to append (encoder side). Invariants: family is 4 or 6 (not
 * an AF_* value); for 4 the address is in addr[0..3], network order, and
 * the writer stores addr[4..15] as zero whatever the caller left there;
 * port is in host order; rx_ns is ns since the Unix epoch. */
struct sl_envelope_rec {
	uint64_t rx_ns;
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

/* A decoded header (host byte order). Filled by sl_envelope_peek() and
 * sl_envelope_open(); see docs/envelope.md for each field. */
struct sl_envelope_header {
	uint8_t version, flags, codec, aead;
	uint32_t count, raw_len, body_len, key_id;
	uint64_t first_rx_ns, last_rx_ns;
};

/* One decoded record. Invariants: data points to len bytes inside the
 * decoder's buffer, valid until the next sl_envelope_open() or
 * sl_envelope_decoder_free() on that decoder; family is 4 or 6 and for 4
 * addr[4..15] are zero. */
struct sl_envelope_msg {
	const uint8_t *data;
	uint32_t len;
	uint64_t rx_ns;
	uint8_t family;
	uint16_t port;
	uint8_t addr[16];
};

#endif
