/* sl_envelope.c: envelope format v1, encoder and decoder
 * (docs/envelope.md is the specification this follows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "sl_crc32c.h"
#include "sl_envelope.h"
#include "sl_keys.h"

/* Header field offsets (docs/envelope.md, "Header"). */
#define OFF_VERSION  4
#define OFF_FLAGS    5
#define OFF_CODEC    6
#define OFF_AEAD     7
#define OFF_COUNT    8
#define OFF_RAW_LEN  12
#define OFF_BODY_LEN 16
#define OFF_KEY_ID   20
#define OFF_FIRST_RX 24
#define OFF_LAST_RX  32
#define OFF_NONCE    40
#define OFF_CHECKSUM 64
#define AD_LEN       64 /* header bytes authenticated: all but the checksum */
#define NONCE_LEN    24
#define GCM_NONCE    12

static const uint8_t magic[4] = { 'S', 'L', 'E', 'V' };

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* LZ4_COMPRESSBOUND for any size, in size_t arithmetic. */
static size_t
lz4_bound(size_t n)
{
	return n + n / 255 + 16;
}

/* ---- encoder ---------------------------------------------------------- */

/* Key material of an encoder, in one sodium_malloc'd block (locked,
 * guarded, wiped on free). */
struct enc_key {
	uint8_t key[SL_ENVELOPE_KEY_LEN];
};

/* An encoder. Invariants: aead is NONE, AES256GCM or XCHACHA20 (AUTO is
 * resolved at creation); key is NULL (no encryption) or holds the key
 * key_id != 0 names, and then, for AES-256-GCM, gcm is an OpenSSL
 * context keyed with it (NULL otherwise): AES-GCM goes through OpenSSL,
 * whose AES-NI/VAES code is more than twice as fast as libsodium's; the
 * output is the same GCM. The AES-GCM nonce is salt || counter, counter
 * started at counter_start and wrapped is set once it came back to it
 * (the nonce space of this encoder is used up). */
struct sl_envelope_encoder {
	void *lz4_state;
	int accel;
	enum sl_envelope_aead aead;
	struct enc_key *key;
	EVP_CIPHER_CTX *gcm;
	uint32_t key_id;
	uint8_t salt[4];
	uint64_t counter;
	uint64_t counter_start;
	int wrapped;
};

size_t
sl_envelope_record_size(uint32_t msg_len)
{
	return SL_ENVELOPE_REC_HDR + (size_t)msg_len;
}

static uint8_t *
put_rec_header(uint8_t *p, const struct sl_envelope_rec *r, uint32_t msg_len)
{
	put32(p, msg_len);
	put64(p + 4, r->rx_ns);
	p[12] = r->family;
	p[13] = 0;
	put16(p + 14, r->port);
	if (r->family == 4) {
		memcpy(p + 16, r->addr, 4);
		memset(p + 20, 0, 12);
	} else {
		memcpy(p + 16, r->addr, 16);
	}
	return p + SL_ENVELOPE_REC_HDR;
}

void
sl_envelope_put(uint8_t *buf, size_t *len, const struct sl_envelope_rec *r,
		const void *msg, uint32_t msg_len)
{
	uint8_t *p = put_rec_header(buf + *len, r, msg_len);

	memcpy(p, msg, msg_len);
	*len += sl_envelope_record_size(msg_len);
}

void
sl_envelope_put_segments(uint8_t *buf, size_t *len,
			 const struct sl_envelope_rec *r,
			 const struct iovec *seg, unsigned n_seg, uint32_t msg_len)
{
	uint8_t *p = put_rec_header(buf + *len, r, msg_len);
	size_t left = msg_len, take;
	unsigned i;

	for (i = 0; i < n_seg && left > 0; i++) {
		take = seg[i].iov_len < left ? seg[i].iov_len : left;
		memcpy(p, seg[i].iov_base, take);
		p += take;
		left -= take;
	}
	*len += sl_envelope_record_size(msg_len);
}

struct sl_envelope_encoder *
sl_envelope_encoder_new(enum sl_envelope_aead aead, int lz4_acceleration,
			char *err, size_t errlen)
{
	struct sl_envelope_encoder *enc;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "envelope: libsodium failed to initialise");
		return NULL;
	}
	switch (aead) {
	case SL_AEAD_NONE:
	case SL_AEAD_XCHACHA20:
		break;
	case SL_AEAD_AES256GCM:
		if (!crypto_aead_aes256gcm_is_available()) {
			snprintf(err, errlen,
				 "envelope: AES-256-GCM needs a CPU with AES-NI and CLMUL; use XChaCha20-Poly1305");
			return NULL;
		}
		break;
	case SL_AEAD_AUTO:
		aead = crypto_aead_aes256gcm_is_available() ? SL_AEAD_AES256GCM :
							      SL_AEAD_XCHACHA20;
		break;
	default:
		snprintf(err, errlen, "envelope: unknown AEAD %d", (int)aead);
		return NULL;
	}
	enc = calloc(1, sizeof(*enc));
	if (enc == NULL)
		goto nomem;
	enc->lz4_state = malloc((size_t)LZ4_sizeofState());
	if (enc->lz4_state == NULL)
		goto nomem;
	enc->accel = lz4_acceleration > 0 ? lz4_acceleration : 1;
	enc->aead = aead;
	randombytes_buf(enc->salt, sizeof(enc->salt));
	randombytes_buf(&enc->counter_start, sizeof(enc->counter_start));
	enc->counter = enc->counter_start;
	return enc;

nomem:
	snprintf(err, errlen, "envelope: out of memory for an encoder");
	sl_envelope_encoder_free(enc);
	return NULL;
}

void
sl_envelope_encoder_free(struct sl_envelope_encoder *enc)
{
	if (enc == NULL)
		return;
	sodium_free(enc->key);
	EVP_CIPHER_CTX_free(enc->gcm);
	free(enc->lz4_state);
	free(enc);
}

/* Returns a context for AES-256-GCM encryption (enc 1) or decryption
 * (enc 0) keyed with key (NULL: no key yet), owned by the caller
 * (EVP_CIPHER_CTX_free, which wipes the key schedule), or NULL when
 * OpenSSL fails. The nonce is set per envelope (gcm_start). */
static EVP_CIPHER_CTX *
gcm_new(const uint8_t *key, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	if (ctx == NULL)
		return NULL;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_NONCE, NULL) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Starts one AES-256-GCM message on ctx: key (NULL: the one ctx holds),
 * the 12-byte nonce and the AD_LEN bytes of header ad. Returns 1 or 0. */
static int
gcm_start(EVP_CIPHER_CTX *ctx, const uint8_t *key, const uint8_t *nonce,
	  const uint8_t *ad)
{
	int n;

	return EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, -1) == 1 &&
	       EVP_CipherUpdate(ctx, NULL, &n, ad, AD_LEN) == 1;
}

/* Encrypts body[0..len) in place with the header out as associated data
 * and the nonce in it, and writes the tag at body + len: the layout
 * crypto_aead_aes256gcm_encrypt_detached gives. Returns 1 or 0. */
static int
gcm_seal(EVP_CIPHER_CTX *ctx, const uint8_t *out, uint8_t *body, size_t len)
{
	int n;

	if (!gcm_start(ctx, NULL, out + OFF_NONCE, out))
		return 0;
	if (len > 0 && (EVP_CipherUpdate(ctx, body, &n, body, (int)len) != 1 ||
			(size_t)n != len))
		return 0;
	return EVP_CipherFinal_ex(ctx, body + len, &n) == 1 && n == 0 &&
	       EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG,
				   SL_ENVELOPE_TAG_LEN, body + len) == 1;
}

int
sl_envelope_encoder_set_key(struct sl_envelope_encoder *enc, uint32_t key_id,
			    const uint8_t key[32])
{
	EVP_CIPHER_CTX *gcm = NULL;
	struct enc_key *k;

	if (key == NULL) {
		sodium_free(enc->key);
		EVP_CIPHER_CTX_free(enc->gcm);
		enc->key = NULL;
		enc->gcm = NULL;
		enc->key_id = 0;
		return 0;
	}
	if (key_id == 0 || enc->aead == SL_AEAD_NONE)
		return -1;
	if (enc->aead == SL_AEAD_AES256GCM) {
		gcm = gcm_new(key, 1);
		if (gcm == NULL)
			return -1;
	}
	k = sodium_malloc(sizeof(*k));
	if (k == NULL) {
		EVP_CIPHER_CTX_free(gcm);
		return -1;
	}
	memcpy(k->key, key, SL_ENVELOPE_KEY_LEN);
	sodium_mprotect_readonly(k);
	sodium_free(enc->key);
	EVP_CIPHER_CTX_free(enc->gcm);
	enc->key = k;
	enc->gcm = gcm;
	enc->key_id = key_id;
	return 0;
}

enum sl_envelope_aead
sl_envelope_encoder_aead(const struct sl_envelope_encoder *enc)
{
	return enc->aead;
}

size_t
sl_envelope_sealed_bound(size_t raw_len)
{
	return SL_ENVELOPE_HEADER_LEN + lz4_bound(raw_len) + SL_ENVELOPE_TAG_LEN;
}

/* Writes the nonce of the next envelope into n (NONCE_LEN bytes, zeroed
 * by the caller). Returns 0, or -1 when the AES-GCM nonce space of this
 * encoder is used up. */
static int
next_nonce(struct sl_envelope_encoder *enc, uint8_t *n)
{
	if (enc->aead == SL_AEAD_XCHACHA20) {
		randombytes_buf(n, NONCE_LEN);
		return 0;
	}
	if (enc->wrapped)
		return -1;
	memcpy(n, enc->salt, 4);
	put64(n + 4, enc->counter);
	enc->counter++;
	enc->wrapped = enc->counter == enc->counter_start;
	return 0;
}

size_t
sl_envelope_seal(struct sl_envelope_encoder *enc, const uint8_t *raw,
		 size_t raw_len, uint32_t count, uint64_t first_rx_ns,
		 uint64_t last_rx_ns, uint8_t *out, size_t out_cap, char *err,
		 size_t errlen)
{
	uint8_t *body = out + SL_ENVELOPE_HEADER_LEN;
	size_t stored = raw_len, body_len;
	uint8_t codec = SL_ENVELOPE_CODEC_NONE;
	int encrypt = enc->key != NULL;
	uint32_t crc;
	int clen = 0;

	if (raw_len > SL_ENVELOPE_MAX_RAW || count > SL_ENVELOPE_MAX_COUNT) {
		snprintf(err, errlen,
			 "envelope: %zu bytes in %u records exceed the limits (%u bytes, %u records)",
			 raw_len, count, SL_ENVELOPE_MAX_RAW, SL_ENVELOPE_MAX_COUNT);
		return 0;
	}
	if ((uint64_t)count * SL_ENVELOPE_REC_HDR > raw_len) {
		snprintf(err, errlen, "envelope: %u records cannot fit in %zu bytes",
			 count, raw_len);
		return 0;
	}
	if (out_cap < sl_envelope_sealed_bound(raw_len)) {
		snprintf(err, errlen, "envelope: output buffer of %zu bytes, need %zu",
			 out_cap, sl_envelope_sealed_bound(raw_len));
		return 0;
	}
	memset(out, 0, SL_ENVELOPE_HEADER_LEN);
	if (encrypt && next_nonce(enc, out + OFF_NONCE) < 0) {
		snprintf(err, errlen,
			 "envelope: AES-GCM nonces of this encoder used up; restart it or rotate the key");
		return 0;
	}
	/* Stored uncompressed when LZ4 does not shrink the area (already
	 * compressed payloads, the empty area): the body never exceeds
	 * raw_len + tag and the reader skips a useless pass. */
	if (raw_len > 0)
		clen = LZ4_compress_fast_extState(enc->lz4_state, (const char *)raw,
						  (char *)body, (int)raw_len,
						  (int)lz4_bound(raw_len), enc->accel);
	if (clen > 0 && (size_t)clen < raw_len) {
		codec = SL_ENVELOPE_CODEC_LZ4;
		stored = (size_t)clen;
	} else {
		memcpy(body, raw, raw_len);
	}
	body_len = stored + (encrypt ? SL_ENVELOPE_TAG_LEN : 0);

	memcpy(out, magic, sizeof(magic));
	out[OFF_VERSION] = SL_ENVELOPE_VERSION;
	out[OFF_FLAGS] = encrypt ? SL_ENVELOPE_F_ENCRYPTED : 0;
	out[OFF_CODEC] = codec;
	out[OFF_AEAD] = encrypt ? (uint8_t)enc->aead : 0;
	put32(out + OFF_COUNT, count);
	put32(out + OFF_RAW_LEN, (uint32_t)raw_len);
	put32(out + OFF_BODY_LEN, (uint32_t)body_len);
	put32(out + OFF_KEY_ID, encrypt ? enc->key_id : 0);
	put64(out + OFF_FIRST_RX, first_rx_ns);
	put64(out + OFF_LAST_RX, last_rx_ns);

	if (encrypt) {
		/* In place: OpenSSL and libsodium allow c == m. */
		if (enc->aead == SL_AEAD_AES256GCM) {
			if (!gcm_seal(enc->gcm, out, body, stored)) {
				snprintf(err, errlen,
					 "envelope: AES-256-GCM encryption failed in OpenSSL");
				return 0;
			}
		} else {
			crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
				body, body + stored, NULL, body, stored, out,
				AD_LEN, NULL, out + OFF_NONCE, enc->key->key);
		}
	}
	crc = sl_crc32c(0, out, AD_LEN);
	crc = sl_crc32c(crc, body, body_len);
	put32(out + OFF_CHECKSUM, crc);
	return SL_ENVELOPE_HEADER_LEN + body_len;
}

/* ---- decoder ---------------------------------------------------------- */

/* A decoder. Invariants: raw holds raw_len bytes of a record area that
 * passed every check of open (raw_len is 0 when nothing is open); pos is
 * the offset of the next record and left how many records remain, so
 * left == 0 exactly when pos == raw_len. body is scratch for a decrypted
 * compressed body. Capacities never exceed the v1 limits. gcm is NULL
 * until the first AES-256-GCM envelope, then the OpenSSL context every
 * later one is decrypted with (keyed per envelope). */
struct sl_envelope_decoder {
	const struct sl_keyring *keys;
	EVP_CIPHER_CTX *gcm;
	uint8_t *raw;
	size_t raw_cap;
	uint8_t *body;
	size_t body_cap;
	size_t raw_len;
	size_t pos;
	uint32_t left;
};

const char *
sl_envelope_strerror(enum sl_envelope_error e)
{
	switch (e) {
	case SL_ENV_OK:
		return "no error";
	case SL_ENV_TRUNCATED:
		return "envelope is truncated (shorter than its header says)";
	case SL_ENV_BAD_MAGIC:
		return "not an envelope (bad magic)";
	case SL_ENV_UNSUPPORTED_VERSION:
		return "envelope version not supported by this reader";
	case SL_ENV_UNSUPPORTED_FLAGS:
		return "envelope has flags this reader does not know";
	case SL_ENV_UNSUPPORTED_CODEC:
		return "envelope codec not supported by this reader";
	case SL_ENV_BAD_CHECKSUM:
		return "envelope checksum mismatch (corrupted)";
	case SL_ENV_NO_KEY:
		return "envelope is encrypted with a key id not in the key file";
	case SL_ENV_DECRYPT_FAILED:
		return "envelope failed authentication (wrong key or tampered)";
	case SL_ENV_DECOMPRESS_FAILED:
		return "envelope body does not decompress to its stated size";
	case SL_ENV_BAD_RECORD:
		return "envelope record area is malformed";
	case SL_ENV_TOO_LARGE:
		return "envelope exceeds the format's size limits";
	case SL_ENV_NOMEM:
		return "out of memory decoding an envelope";
	case SL_ENV_BAD_HEADER:
		return "envelope header fields are inconsistent";
	case SL_ENV_UNSUPPORTED_AEAD:
		return "envelope encryption algorithm not supported here";
	case SL_ENV_TRAILING_DATA:
		return "bytes after the end of the envelope";
	}
	return "unknown envelope error";
}

int
sl_envelope_is_envelope(const void *data, size_t len)
{
	return len >= sizeof(magic) && memcmp(data, magic, sizeof(magic)) == 0;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Checks the header fields alone (steps 4..8 of the specification). */
static enum sl_envelope_error
check_header(const uint8_t *p, const struct sl_envelope_header *h)
{
	int enc = (h->flags & SL_ENVELOPE_F_ENCRYPTED) != 0;
	uint64_t tag = enc ? SL_ENVELOPE_TAG_LEN : 0;

	if ((h->flags & ~SL_ENVELOPE_F_ENCRYPTED) != 0)
		return SL_ENV_UNSUPPORTED_FLAGS;
	if (h->codec > SL_ENVELOPE_CODEC_LZ4)
		return SL_ENV_UNSUPPORTED_CODEC;
	if (h->aead > SL_AEAD_XCHACHA20)
		return SL_ENV_UNSUPPORTED_AEAD;
	if (h->count > SL_ENVELOPE_MAX_COUNT || h->raw_len > SL_ENVELOPE_MAX_RAW ||
	    h->body_len > lz4_bound(h->raw_len) + SL_ENVELOPE_TAG_LEN)
		return SL_ENV_TOO_LARGE;
	if ((h->aead != 0) != enc || (h->key_id != 0) != enc ||
	    (!enc && !all_zero(p + OFF_NONCE, NONCE_LEN)) ||
	    (h->aead == SL_AEAD_AES256GCM &&
	     !all_zero(p + OFF_NONCE + GCM_NONCE, NONCE_LEN - GCM_NONCE)) ||
	    (uint64_t)h->count * SL_ENVELOPE_REC_HDR > h->raw_len ||
	    (h->codec == SL_ENVELOPE_CODEC_NONE &&
	     h->body_len != h->raw_len + tag) ||
	    h->body_len < tag)
		return SL_ENV_BAD_HEADER;
	return SL_ENV_OK;
}

enum sl_envelope_error
sl_envelope_peek(const void *data, size_t len, struct sl_envelope_header *h)
{
	const uint8_t *p = data;
	enum sl_envelope_error e;
	size_t n = len < sizeof(magic) ? len : sizeof(magic);
	size_t total;
	uint32_t crc;

	if (n > 0 && memcmp(p, magic, n) != 0)
		return SL_ENV_BAD_MAGIC;
	if (len <= OFF_VERSION)
		return SL_ENV_TRUNCATED;
	if (p[OFF_VERSION] != SL_ENVELOPE_VERSION)
		return SL_ENV_UNSUPPORTED_VERSION;
	if (len < SL_ENVELOPE_HEADER_LEN)
		return SL_ENV_TRUNCATED;
	h->version = p[OFF_VERSION];
	h->flags = p[OFF_FLAGS];
	h->codec = p[OFF_CODEC];
	h->aead = p[OFF_AEAD];
	h->count = get32(p + OFF_COUNT);
	h->raw_len = get32(p + OFF_RAW_LEN);
	h->body_len = get32(p + OFF_BODY_LEN);
	h->key_id = get32(p + OFF_KEY_ID);
	h->first_rx_ns = get64(p + OFF_FIRST_RX);
	h->last_rx_ns = get64(p + OFF_LAST_RX);
	e = check_header(p, h);
	if (e != SL_ENV_OK)
		return e;
	total = SL_ENVELOPE_HEADER_LEN + (size_t)h->body_len;
	if (len < total)
		return SL_ENV_TRUNCATED;
	if (len > total)
		return SL_ENV_TRAILING_DATA;
	crc = sl_crc32c(0, p, AD_LEN);
	crc = sl_crc32c(crc, p + SL_ENVELOPE_HEADER_LEN, h->body_len);
	if (crc != get32(p + OFF_CHECKSUM))
		return SL_ENV_BAD_CHECKSUM;
	return SL_ENV_OK;
}

struct sl_envelope_decoder *
sl_envelope_decoder_new(const struct sl_keyring *keys)
{
	struct sl_envelope_decoder *dec;

	if (sodium_init() < 0)
		return NULL;
	dec = calloc(1, sizeof(*dec));
	if (dec != NULL)
		dec->keys = keys;
	return dec;
}

void
sl_envelope_decoder_set_keys(struct sl_envelope_decoder *dec,
			     const struct sl_keyring *keys)
{
	dec->keys = keys;
}

void
sl_envelope_decoder_free(struct sl_envelope_decoder *dec)
{
	if (dec == NULL)
		return;
	EVP_CIPHER_CTX_free(dec->gcm);
	free(dec->raw);
	free(dec->body);
	free(dec);
}

/* Makes *buf hold at least need bytes (at least 1, so an empty area
 * still has a valid pointer). Returns 0 or -1. */
static int
reserve(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *p;

	if (need == 0)
		need = 1;
	if (*cap >= need)
		return 0;
	p = realloc(*buf, need);
	if (p == NULL)
		return -1;
	*buf = p;
	*cap = need;
	return 0;
}

/* Reads the record at p with left bytes remaining into *m; returns its
 * size, or 0 when it is malformed (a record is never shorter than 32). */
static size_t
read_record(const uint8_t *p, size_t left, struct sl_envelope_msg *m)
{
	uint32_t msg_len;

	if (left < SL_ENVELOPE_REC_HDR)
		return 0;
	msg_len = get32(p);
	if (msg_len > left - SL_ENVELOPE_REC_HDR)
		return 0;
	if ((p[12] != 4 && p[12] != 6) || p[13] != 0 ||
	    (p[12] == 4 && !all_zero(p + 20, 12)))
		return 0;
	m->len = msg_len;
	m->rx_ns = get64(p + 4);
	m->family = p[12];
	m->port = get16(p + 14);
	memcpy(m->addr, p + 16, 16);
	m->data = p + SL_ENVELOPE_REC_HDR;
	return SL_ENVELOPE_REC_HDR + (size_t)msg_len;
}

/* Decrypts the AES-256-GCM body c[0..clen) + tag of the checked
 * envelope p into dst with key. Returns SL_ENV_OK, SL_ENV_NOMEM or
 * SL_ENV_DECRYPT_FAILED (dst then wiped: nothing unauthenticated stays). */
static enum sl_envelope_error
gcm_open(struct sl_envelope_decoder *dec, const uint8_t *p, const uint8_t *c,
	 size_t clen, const uint8_t *key, uint8_t *dst)
{
	uint8_t tag[SL_ENVELOPE_TAG_LEN];
	int n, ok;

	if (dec->gcm == NULL) {
		dec->gcm = gcm_new(NULL, 0);
		if (dec->gcm == NULL)
			return SL_ENV_NOMEM;
	}
	/* The tag control takes a non-const pointer. */
	memcpy(tag, c + clen, sizeof(tag));
	ok = gcm_start(dec->gcm, key, p + OFF_NONCE, p) &&
	     (clen == 0 ||
	      (EVP_CipherUpdate(dec->gcm, dst, &n, c, (int)clen) == 1 &&
	       (size_t)n == clen)) &&
	     EVP_CIPHER_CTX_ctrl(dec->gcm, EVP_CTRL_GCM_SET_TAG, sizeof(tag),
				 tag) == 1 &&
	     EVP_CipherFinal_ex(dec->gcm, dst + clen, &n) == 1;
	if (!ok) {
		sodium_memzero(dst, clen);
		return SL_ENV_DECRYPT_FAILED;
	}
	return SL_ENV_OK;
}

/* Decrypts the body of the checked envelope p into dst (body_len - tag
 * bytes). */
static enum sl_envelope_error
decrypt(struct sl_envelope_decoder *dec, const uint8_t *p,
	const struct sl_envelope_header *h, uint8_t *dst)
{
	const uint8_t *c = p + SL_ENVELOPE_HEADER_LEN;
	size_t clen = h->body_len - SL_ENVELOPE_TAG_LEN;
	const uint8_t *key;

	key = dec->keys != NULL ? sl_keyring_get(dec->keys, h->key_id) : NULL;
	if (key == NULL)
		return SL_ENV_NO_KEY;
	if (h->aead == SL_AEAD_AES256GCM) {
		if (!crypto_aead_aes256gcm_is_available())
			return SL_ENV_UNSUPPORTED_AEAD;
		return gcm_open(dec, p, c, clen, key, dst);
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
		    dst, NULL, c, clen, c + clen, p, AD_LEN, p + OFF_NONCE, key) != 0)
		return SL_ENV_DECRYPT_FAILED;
	return SL_ENV_OK;
}

/* Walks the whole record area: exactly count well-formed records. */
static enum sl_envelope_error
check_records(const uint8_t *raw, size_t raw_len, uint32_t count)
{
	struct sl_envelope_msg m;
	size_t pos = 0, n;
	uint32_t i;

	for (i = 0; i < count; i++) {
		n = read_record(raw + pos, raw_len - pos, &m);
		if (n == 0)
			return SL_ENV_BAD_RECORD;
		pos += n;
	}
	return pos == raw_len ? SL_ENV_OK : SL_ENV_BAD_RECORD;
}

enum sl_envelope_error
sl_envelope_open(struct sl_envelope_decoder *dec, const void *data, size_t len,
		 struct sl_envelope_header *h)
{
	struct sl_envelope_header hh;
	const uint8_t *p = data;
	const uint8_t *src = p + SL_ENVELOPE_HEADER_LEN;
	size_t n;
	enum sl_envelope_error e;
	int r;

	dec->raw_len = 0;
	dec->pos = 0;
	dec->left = 0;
	if (h == NULL)
		h = &hh;
	e = sl_envelope_peek(data, len, h);
	if (e != SL_ENV_OK)
		return e;
	/* From here on every length is within the v1 limits. */
	if (reserve(&dec->raw, &dec->raw_cap, h->raw_len) < 0)
		return SL_ENV_NOMEM;
	n = h->body_len;
	if (h->flags & SL_ENVELOPE_F_ENCRYPTED) {
		n -= SL_ENVELOPE_TAG_LEN;
		if (h->codec == SL_ENVELOPE_CODEC_NONE) {
			e = decrypt(dec, p, h, dec->raw);
			if (e != SL_ENV_OK)
				return e;
			src = dec->raw;
		} else {
			if (reserve(&dec->body, &dec->body_cap, n) < 0)
				return SL_ENV_NOMEM;
			e = decrypt(dec, p, h, dec->body);
			if (e != SL_ENV_OK)
				return e;
			src = dec->body;
		}
	}
	if (h->codec == SL_ENVELOPE_CODEC_LZ4) {
		r = LZ4_decompress_safe((const char *)src, (char *)dec->raw, (int)n,
					(int)h->raw_len);
		if (r < 0 || (uint32_t)r != h->raw_len)
			return SL_ENV_DECOMPRESS_FAILED;
	} else if (src != dec->raw) {
		memcpy(dec->raw, src, h->raw_len);
	}
	e = check_records(dec->raw, h->raw_len, h->count);
	if (e != SL_ENV_OK)
		return e;
	dec->raw_len = h->raw_len;
	dec->left = h->count;
	return SL_ENV_OK;
}

int
sl_envelope_next(struct sl_envelope_decoder *dec, struct sl_envelope_msg *m)
{
	size_t n;

	if (dec->left == 0)
		return 0;
	n = read_record(dec->raw + dec->pos, dec->raw_len - dec->pos, m);
	if (n == 0) {
		dec->left = 0;
		return -SL_ENV_BAD_RECORD;
	}
	dec->pos += n;
	dec->left--;
	return 1;
}
