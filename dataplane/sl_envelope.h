/* sl_envelope.h: the envelope codec, format v1 (docs/envelope.md).
 *
 * Encoder side: a worker appends records to a raw area with
 * sl_envelope_put*(), then seals the area (LZ4, optional AEAD, CRC32C)
 * into an envelope with its sl_envelope_encoder. Decoder side: a consumer
 * opens an envelope with an sl_envelope_decoder, which checks everything,
 * and iterates its records.
 *
 * This module does not depend on DPDK: it is also built as the shared
 * library libsluice-envelope (pkg-config sluice-envelope). */
#ifndef SL_ENVELOPE_H
#define SL_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sl_envelope-t.h"

#define SL_ENVELOPE_VERSION    1
#define SL_ENVELOPE_HEADER_LEN 68u          /* fixed header, body follows */
#define SL_ENVELOPE_REC_HDR    32u          /* record bytes before the message */
#define SL_ENVELOPE_TAG_LEN    16u          /* AEAD tag at the end of the body */
#define SL_ENVELOPE_KEY_LEN    32u
#define SL_ENVELOPE_MAX_COUNT  (1u << 24)   /* records per envelope */
#define SL_ENVELOPE_MAX_RAW    (64u << 20)  /* bytes of record area */

#define SL_ENVELOPE_F_ENCRYPTED 0x01
#define SL_ENVELOPE_CODEC_NONE  0
#define SL_ENVELOPE_CODEC_LZ4   1

struct sl_keyring;
struct sl_envelope_encoder;
struct sl_envelope_decoder;

/* Bytes a record with a msg_len-byte message takes in the raw area:
 * SL_ENVELOPE_REC_HDR + msg_len. */
size_t sl_envelope_record_size(uint32_t msg_len);

/* Appends one record to the raw area buf at offset *len and advances *len.
 * The caller guarantees room (capacity - *len >= record size) and that
 * r->family is 4 or 6. */
void sl_envelope_put(uint8_t *buf, size_t *len, const struct sl_envelope_rec *r,
		     const void *msg, uint32_t msg_len);

/* Same as sl_envelope_put() for a message in n_seg pieces (an mbuf
 * chain): the segments are copied in order, at most msg_len bytes in all
 * (the caller guarantees the segments hold at least msg_len bytes). */
void sl_envelope_put_segments(uint8_t *buf, size_t *len,
			      const struct sl_envelope_rec *r,
			      const struct iovec *seg, unsigned n_seg,
			      uint32_t msg_len);

/* Creates an encoder (one per worker; not thread-safe). aead is the
 * algorithm used once a key is set: SL_AEAD_NONE (never encrypt),
 * SL_AEAD_AUTO (AES-256-GCM when the CPU has AES-NI, else XChaCha20),
 * or a concrete one; SL_AEAD_AES256GCM fails where the CPU lacks AES-NI.
 * lz4_acceleration is LZ4_compress_fast's (1 = best ratio; <= 0 means 1).
 * Returns the encoder, owned by the caller (sl_envelope_encoder_free),
 * or NULL with a message in err. */
struct sl_envelope_encoder *sl_envelope_encoder_new(enum sl_envelope_aead aead,
						    int lz4_acceleration,
						    char *err, size_t errlen);

/* Frees an encoder and wipes its key. NULL is a no-op. */
void sl_envelope_encoder_free(struct sl_envelope_encoder *enc);

/* Sets the key the next seals encrypt with (key_id != 0; the 32 key bytes
 * are copied into locked memory), or turns encryption off when key is
 * NULL. Returns 0, or -1 (key_id 0 with a key, an encoder created with
 * SL_AEAD_NONE, or no memory; the previous key then stays in use). */
int sl_envelope_encoder_set_key(struct sl_envelope_encoder *enc, uint32_t key_id,
				const uint8_t key[32]);

/* The AEAD the encoder encrypts with when a key is set: SL_AEAD_NONE,
 * SL_AEAD_AES256GCM or SL_AEAD_XCHACHA20 (AUTO resolved). */
enum sl_envelope_aead sl_envelope_encoder_aead(const struct sl_envelope_encoder *enc);

/* Upper bound of the sealed size of raw_len bytes of records (header,
 * worst-case LZ4 output, tag). raw_len must be <= SL_ENVELOPE_MAX_RAW. */
size_t sl_envelope_sealed_bound(size_t raw_len);

/* Seals raw[0..raw_len), holding count records appended with
 * sl_envelope_put*(), into out. first_rx_ns and last_rx_ns are the
 * receive times of the first and last record (0 when count is 0).
 * out_cap must be >= sl_envelope_sealed_bound(raw_len); out must not
 * overlap raw. Returns the envelope's length, or 0 with a message in err
 * (limits exceeded, out too small, nonce space exhausted). */
size_t sl_envelope_seal(struct sl_envelope_encoder *enc, const uint8_t *raw,
			size_t raw_len, uint32_t count, uint64_t first_rx_ns,
			uint64_t last_rx_ns, uint8_t *out, size_t out_cap,
			char *err, size_t errlen);

/* A sentence describing e, for messages; never NULL (static storage). */
const char *sl_envelope_strerror(enum sl_envelope_error e);

/* 1 when data starts with the envelope magic (len >= 4), else 0. Says
 * nothing about validity; a cheap test to tell envelopes from records. */
int sl_envelope_is_envelope(const void *data, size_t len);

/* Checks an envelope's header and checksum, without a key and without
 * decrypting or decompressing, and fills *h. Returns SL_ENV_OK or the
 * first error found, in the order of docs/envelope.md. *h is filled
 * whenever the whole 68-byte header was readable and its fields passed
 * their checks, that is also with SL_ENV_TRUNCATED (input shorter than
 * 68 + body_len: a stream reader learns how much to read),
 * SL_ENV_TRAILING_DATA and SL_ENV_BAD_CHECKSUM. */
enum sl_envelope_error sl_envelope_peek(const void *data, size_t len,
					struct sl_envelope_header *h);

/* Creates a decoder that decrypts with keys (may be NULL: encrypted
 * envelopes then give SL_ENV_NO_KEY). keys is borrowed and must outlive
 * the decoder (or be replaced with sl_envelope_decoder_set_keys()).
 * A decoder is used by one thread at a time; its buffers grow to the
 * largest envelope opened (at most the v1 limits) and are kept.
 * Returns the decoder, owned by the caller, or NULL when out of memory. */
struct sl_envelope_decoder *sl_envelope_decoder_new(const struct sl_keyring *keys);

/* Replaces the keyring a decoder uses (may be NULL), for a reader that
 * reloads its key file. */
void sl_envelope_decoder_set_keys(struct sl_envelope_decoder *dec,
				  const struct sl_keyring *keys);

/* Frees a decoder and its buffers. NULL is a no-op. */
void sl_envelope_decoder_free(struct sl_envelope_decoder *dec);

/* Opens the envelope data[0..len): checks the header and checksum,
 * decrypts, decompresses into the decoder's buffer and checks the whole
 * record area, then positions the iterator on the first record. data is
 * not kept. Returns SL_ENV_OK, or an error after which sl_envelope_next()
 * returns 0. *h is filled as by sl_envelope_peek() (may be NULL). */
enum sl_envelope_error sl_envelope_open(struct sl_envelope_decoder *dec,
					const void *data, size_t len,
					struct sl_envelope_header *h);

/* Next record of the opened envelope: returns 1 with *m filled (m->data
 * points into the decoder's buffer, valid until the next open), 0 at the
 * end (or when no envelope is open), -SL_ENV_BAD_RECORD on a malformed
 * record area. */
int sl_envelope_next(struct sl_envelope_decoder *dec, struct sl_envelope_msg *m);

#endif
