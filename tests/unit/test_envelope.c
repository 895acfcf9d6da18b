/* test_envelope.c: envelope format v1 (docs/envelope.md): round trips
 * over the corpus with and without encryption, every header field, every
 * single-bit corruption, every truncation, wrong keys, crafted headers
 * and record areas that pass the checksum, limits, and CRC32C vectors.
 *
 * Envelopes are opened from heap copies of exactly their length (and at
 * odd addresses), so AddressSanitizer sees a read one byte past the end
 * and UBSan an unaligned access.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sl_crc32c.h"
#include "sl_envelope.h"
#include "sl_keys.h"

static const char *const corpus_files[] = {
	"Apache_2k.log", "HDFS_2k.log", "Hadoop_2k.log", "Linux_2k.log",
	"OpenSSH_2k.log", "Spark_2k.log", "Thunderbird_2k.log",
	"Zookeeper_2k.log",
};

#define N_CORPUS (sizeof(corpus_files) / sizeof(corpus_files[0]))

/* Messages of a test batch: pointers into a file's text. */
struct batch {
	char *text;
	const uint8_t **msg;
	uint32_t *len;
	size_t n;
};

static uint8_t key1[32], key2[32], key_wrong[32];

/* ---- helpers -------------------------------------------------------- */

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Recomputes the checksum of the envelope env[0..len) (as a writer
 * would), so a crafted change reaches the checks behind the CRC. */
static void
fix_crc(uint8_t *env, size_t len)
{
	uint32_t crc = sl_crc32c(0, env, 64);

	crc = sl_crc32c(crc, env + 68, len - 68);
	le32(env + 64, crc);
}

/* A keyring from key file text built for the given ids and keys. */
static struct sl_keyring *
make_keyring(const uint32_t *ids, uint8_t (*const *keys)[32], size_t n)
{
	char text[4096], b64[64], err[256];
	struct sl_keyring *kr;
	size_t off = 0, i;

	for (i = 0; i < n; i++) {
		sodium_bin2base64(b64, sizeof(b64), *keys[i], 32,
				  sodium_base64_VARIANT_ORIGINAL);
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%u %s\n",
					ids[i], b64);
	}
	kr = sl_keyring_parse("test", text, off, err, sizeof(err));
	if (kr == NULL)
		fail_msg("keyring: %s", err);
	return kr;
}

static struct sl_keyring *
keyring_1_2(void)
{
	static const uint32_t ids[] = { 1, 2 };
	uint8_t (*const keys[])[32] = { &key1, &key2 };

	return make_keyring(ids, keys, 2);
}

static struct sl_envelope_encoder *
encoder(enum sl_envelope_aead aead, uint32_t key_id, const uint8_t *key)
{
	char err[256];
	struct sl_envelope_encoder *enc = sl_envelope_encoder_new(aead, 1, err,
								    sizeof(err));

	if (enc == NULL)
		fail_msg("encoder: %s", err);
	if (key != NULL)
		assert_int_equal(sl_envelope_encoder_set_key(enc, key_id, key), 0);
	return enc;
}

/* The record of message i of a batch: v4 and v6 sources alternate. */
static void
make_rec(size_t i, struct sl_envelope_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->rx_ns = 1700000000000000000ull + i * 1000 + (i % 7);
	r->port = (uint16_t)(1024 + i * 13);
	if (i % 3 == 2) {
		r->family = 6;
		r->addr[0] = 0x20;
		r->addr[1] = 0x01;
		r->addr[2] = 0x0d;
		r->addr[3] = 0xb8;
		r->addr[15] = (uint8_t)i;
	} else {
		r->family = 4;
		r->addr[0] = 198;
		r->addr[1] = 18;
		r->addr[2] = (uint8_t)(i >> 8);
		r->addr[3] = (uint8_t)i;
	}
}

/* Packs msg[first..first+n) into a raw area (malloc'd, *raw_len set). */
static uint8_t *
pack(const struct batch *b, size_t first, size_t n, size_t *raw_len)
{
	struct sl_envelope_rec r;
	size_t cap = 0, i;
	uint8_t *raw;

	for (i = first; i < first + n; i++)
		cap += sl_envelope_record_size(b->len[i]);
	raw = malloc(cap ? cap : 1);
	assert_non_null(raw);
	*raw_len = 0;
	for (i = first; i < first + n; i++) {
		make_rec(i, &r);
		sl_envelope_put(raw, raw_len, &r, b->msg[i], b->len[i]);
	}
	assert_int_equal(*raw_len, cap);
	return raw;
}

/* Seals msg[first..first+n) with enc; returns a malloc'd envelope of
 * exactly *len bytes. */
static uint8_t *
seal(struct sl_envelope_encoder *enc, const struct batch *b, size_t first,
     size_t n, size_t *len)
{
	char err[256];
	size_t raw_len, cap;
	uint8_t *raw, *out, *env;
	struct sl_envelope_rec r0, rl;

	raw = pack(b, first, n, &raw_len);
	cap = sl_envelope_sealed_bound(raw_len);
	out = malloc(cap);
	assert_non_null(out);
	if (n > 0) {
		make_rec(first, &r0);
		make_rec(first + n - 1, &rl);
	} else {
		r0.rx_ns = rl.rx_ns = 0;
	}
	*len = sl_envelope_seal(enc, raw, raw_len, (uint32_t)n, r0.rx_ns, rl.rx_ns,
				out, cap, err, sizeof(err));
	if (*len == 0)
		fail_msg("seal: %s", err);
	assert_true(*len <= cap);
	env = malloc(*len);
	assert_non_null(env);
	memcpy(env, out, *len);
	free(out);
	free(raw);
	return env;
}

/* Opens env and checks that it holds exactly msg[first..first+n). */
static void
check_open(struct sl_envelope_decoder *dec, const uint8_t *env, size_t len,
	   const struct batch *b, size_t first, size_t n)
{
	struct sl_envelope_header h;
	struct sl_envelope_rec r;
	struct sl_envelope_msg m;
	uint8_t *odd;
	size_t i;

	/* At an odd address, exactly len bytes long. */
	odd = malloc(len + 1);
	assert_non_null(odd);
	memcpy(odd + 1, env, len);
	assert_int_equal(sl_envelope_open(dec, odd + 1, len, &h), SL_ENV_OK);
	free(odd);
	assert_int_equal(h.count, n);
	for (i = first; i < first + n; i++) {
		assert_int_equal(sl_envelope_next(dec, &m), 1);
		make_rec(i, &r);
		assert_int_equal(m.len, b->len[i]);
		assert_memory_equal(m.data, b->msg[i], m.len ? m.len : 0);
		assert_true(m.rx_ns == r.rx_ns);
		assert_int_equal(m.family, r.family);
		assert_int_equal(m.port, r.port);
		assert_memory_equal(m.addr, r.addr, 16);
	}
	assert_int_equal(sl_envelope_next(dec, &m), 0);
	assert_int_equal(sl_envelope_next(dec, &m), 0);
}

/* Loads a corpus file as a batch of its lines (without CR LF). */
static void
load_corpus(const char *name, struct batch *b)
{
	const char *dir = getenv("SL_CORPUS");
	char path[4096];
	size_t size, cap = 0, i, start;
	FILE *f;
	long sz;

	if (dir == NULL)
		fail_msg("SL_CORPUS is not set");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	assert_true(sz > 0);
	size = (size_t)sz;
	rewind(f);
	b->text = malloc(size);
	assert_non_null(b->text);
	assert_int_equal(fread(b->text, 1, size, f), size);
	fclose(f);
	for (i = 0; i < size; i++)
		cap += b->text[i] == '\n';
	b->msg = calloc(cap + 1, sizeof(*b->msg));
	b->len = calloc(cap + 1, sizeof(*b->len));
	assert_non_null(b->msg);
	assert_non_null(b->len);
	b->n = 0;
	for (start = 0, i = 0; i < size; i++) {
		if (b->text[i] != '\n')
			continue;
		b->msg[b->n] = (const uint8_t *)b->text + start;
		b->len[b->n] = (uint32_t)(i - start - (i > start && b->text[i - 1] == '\r'));
		b->n++;
		start = i + 1;
	}
	assert_true(b->n >= 1000);
}

static void
free_batch(struct batch *b)
{
	free(b->text);
	free(b->msg);
	free(b->len);
}

/* A small batch of three fixed messages, one of them empty. */
static void
small_batch(struct batch *b)
{
	static const char *const msgs[] = {
		"<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' failed",
		"",
		"<13>Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure",
	};
	size_t i;

	b->text = NULL;
	b->n = 3;
	b->msg = calloc(3, sizeof(*b->msg));
	b->len = calloc(3, sizeof(*b->len));
	assert_non_null(b->msg);
	assert_non_null(b->len);
	for (i = 0; i < 3; i++) {
		b->msg[i] = (const uint8_t *)msgs[i];
		b->len[i] = (uint32_t)strlen(msgs[i]);
	}
}

static int
group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(key1, sizeof(key1));
	randombytes_buf(key2, sizeof(key2));
	memcpy(key_wrong, key1, sizeof(key1));
	key_wrong[7] ^= 0x10;
	return 0;
}

/* The AEADs this machine can seal with (AES-GCM only with AES-NI). */
static size_t
aeads(enum sl_envelope_aead *a)
{
	size_t n = 0;

	a[n++] = SL_AEAD_NONE;
	a[n++] = SL_AEAD_XCHACHA20;
	if (crypto_aead_aes256gcm_is_available())
		a[n++] = SL_AEAD_AES256GCM;
	return n;
}

/* ---- tests ---------------------------------------------------------- */

static void
test_crc32c_vectors(void **state)
{
	/* RFC 3720 appendix B.4, and the common check value. */
	static const uint8_t iscsi_read[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
		0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	uint32_t (*const impl[])(uint32_t, const void *, size_t) = {
		sl_crc32c, sl_crc32c_sw, sl_crc32c_hw,
	};
	uint8_t buf[32], big[1000];
	size_t n_impl = sl_crc32c_hw_available() ? 3 : 2, k, i, split, off;
	uint32_t whole;

	(void)state;
	for (k = 0; k < n_impl; k++) {
		memset(buf, 0, sizeof(buf));
		assert_int_equal(impl[k](0, buf, 32), 0x8A9136AA);
		memset(buf, 0xff, sizeof(buf));
		assert_int_equal(impl[k](0, buf, 32), 0x62A8AB43);
		for (i = 0; i < 32; i++)
			buf[i] = (uint8_t)i;
		assert_int_equal(impl[k](0, buf, 32), 0x46DD794E);
		for (i = 0; i < 32; i++)
			buf[i] = (uint8_t)(31 - i);
		assert_int_equal(impl[k](0, buf, 32), 0x113FDB5C);
		assert_int_equal(impl[k](0, iscsi_read, 48), 0xD9963A56);
		assert_int_equal(impl[k](0, "123456789", 9), 0xE3069283);
		assert_int_equal(impl[k](0, "", 0), 0);
	}
	/* Every length and alignment, and chaining at every split, agree. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 131 + (i >> 3));
	for (off = 0; off < 9; off++) {
		for (i = 0; i + off <= 200; i++) {
			whole = sl_crc32c_sw(0, big + off, i);
			assert_int_equal(sl_crc32c(0, big + off, i), whole);
			if (n_impl == 3)
				assert_int_equal(sl_crc32c_hw(0, big + off, i), whole);
		}
	}
	whole = sl_crc32c_sw(0, big, sizeof(big));
	for (split = 0; split <= sizeof(big); split += 37) {
		assert_int_equal(sl_crc32c(sl_crc32c(0, big, split), big + split,
					   sizeof(big) - split), whole);
		assert_int_equal(sl_crc32c_sw(sl_crc32c_sw(0, big, split),
					      big + split, sizeof(big) - split),
				 whole);
	}
}

/* Every corpus line, in batches of 1, 7, 1000 and whole files, with each
 * AEAD this machine has, sealed and opened again. */
static void
test_roundtrip_corpus(void **state)
{
	static const size_t sizes[] = { 1, 7, 1000, 0 /* whole file */ };
	enum sl_envelope_aead a[3];
	size_t n_a = aeads(a), f, s, k, first, n, len;
	struct sl_keyring *kr = keyring_1_2();
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(kr);
	struct sl_envelope_encoder *enc;
	struct sl_envelope_header h;
	struct batch b;
	uint8_t *env;

	(void)state;
	assert_non_null(dec);
	for (f = 0; f < N_CORPUS; f++) {
		load_corpus(corpus_files[f], &b);
		for (k = 0; k < n_a; k++) {
			enc = encoder(a[k], 2, a[k] == SL_AEAD_NONE ? NULL : key2);
			for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
				n = sizes[s] ? sizes[s] : b.n;
				for (first = 0; first < b.n; first += n) {
					if (n > b.n - first)
						n = b.n - first;
					env = seal(enc, &b, first, n, &len);
					assert_int_equal(sl_envelope_peek(env, len, &h), SL_ENV_OK);
					assert_int_equal(h.aead, (uint8_t)a[k]);
					if (n >= 7)
						assert_int_equal(h.codec, SL_ENVELOPE_CODEC_LZ4);
					check_open(dec, env, len, &b, first, n);
					free(env);
				}
			}
			sl_envelope_encoder_free(enc);
		}
		free_batch(&b);
	}
	sl_envelope_decoder_free(dec);
	sl_keyring_free(kr);
}

/* Every header field, read back with peek and at its documented offset. */
static void
test_header_fields(void **state)
{
	struct sl_envelope_encoder *enc;
	struct sl_envelope_header h;
	struct sl_envelope_rec r0, r2;
	struct batch b;
	uint8_t *env, *raw;
	size_t len, raw_len, i;
	enum sl_envelope_aead a[3];
	size_t n_a = aeads(a), k;

	(void)state;
	load_corpus("HDFS_2k.log", &b);
	raw = pack(&b, 0, 1000, &raw_len);
	free(raw);
	make_rec(0, &r0);
	make_rec(999, &r2);
	for (k = 0; k < n_a; k++) {
		enc = encoder(a[k], 0x01020304, a[k] == SL_AEAD_NONE ? NULL : key1);
		env = seal(enc, &b, 0, 1000, &len);
		assert_int_equal(sl_envelope_peek(env, len, &h), SL_ENV_OK);
		assert_memory_equal(env, "SLEV", 4);
		assert_int_equal(h.version, 1);
		assert_int_equal(env[4], 1);
		assert_int_equal(h.flags, a[k] == SL_AEAD_NONE ? 0 : SL_ENVELOPE_F_ENCRYPTED);
		assert_int_equal(env[5], h.flags);
		assert_int_equal(h.codec, SL_ENVELOPE_CODEC_LZ4);
		assert_int_equal(env[6], 1);
		assert_int_equal(h.aead, (uint8_t)a[k]);
		assert_int_equal(env[7], h.aead);
		assert_int_equal(h.count, 1000);
		assert_int_equal(rd32(env + 8), 1000);
		assert_int_equal(h.raw_len, raw_len);
		assert_int_equal(rd32(env + 12), raw_len);
		assert_int_equal(h.body_len, len - 68);
		assert_int_equal(rd32(env + 16), len - 68);
		assert_true(h.body_len < raw_len / 2);
		assert_int_equal(h.key_id, a[k] == SL_AEAD_NONE ? 0 : 0x01020304);
		assert_int_equal(rd32(env + 20), h.key_id);
		assert_true(h.first_rx_ns == r0.rx_ns);
		assert_true(rd64(env + 24) == r0.rx_ns);
		assert_true(h.last_rx_ns == r2.rx_ns);
		assert_true(rd64(env + 32) == r2.rx_ns);
		if (a[k] == SL_AEAD_NONE) {
			for (i = 40; i < 64; i++)
				assert_int_equal(env[i], 0);
		}
		if (a[k] == SL_AEAD_AES256GCM) {
			for (i = 52; i < 64; i++)
				assert_int_equal(env[i], 0);
		}
		assert_int_equal(rd32(env + 64),
				 sl_crc32c(sl_crc32c(0, env, 64), env + 68, len - 68));
		assert_int_equal(sl_envelope_is_envelope(env, len), 1);
		free(env);
		sl_envelope_encoder_free(enc);
	}
	assert_int_equal(sl_envelope_is_envelope("SLE", 3), 0);
	assert_int_equal(sl_envelope_is_envelope("SLEX", 4), 0);
	assert_int_equal(sl_envelope_is_envelope("{\"a\"", 4), 0);
	free_batch(&b);
}

/* Record layout: an independent writer of the record area following the
 * specification's table gives the bytes sl_envelope_put() writes. */
static void
test_record_layout(void **state)
{
	struct sl_envelope_rec r;
	uint8_t buf[64], expect[64];
	size_t len = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.rx_ns = 0x1122334455667788ull;
	r.family = 4;
	r.port = 514;
	memcpy(r.addr, "\xc6\x12\x00\x01garbage-ignored", 16);
	memset(buf, 0xaa, sizeof(buf));
	sl_envelope_put(buf, &len, &r, "hello", 5);
	assert_int_equal(len, 37);
	assert_int_equal(sl_envelope_record_size(5), 37);
	memset(expect, 0, sizeof(expect));
	memcpy(expect, "\x05\x00\x00\x00\x88\x77\x66\x55\x44\x33\x22\x11\x04\x00\x02\x02"
		       "\xc6\x12\x00\x01", 20);
	memcpy(expect + 32, "hello", 5);
	assert_memory_equal(buf, expect, 37);
	assert_int_equal(buf[37], 0xaa);
}

/* An envelope of raw[0..raw_len) stored as the specification says for
 * codec 0 without encryption, written here independently of the
 * encoder. Returns a malloc'd envelope of *len bytes. */
static uint8_t *
craft_plain(const uint8_t *raw, size_t raw_len, uint32_t count, size_t *len)
{
	uint8_t *env = calloc(1, 68 + raw_len);

	assert_non_null(env);
	memcpy(env, "SLEV", 4);
	env[4] = 1;
	le32(env + 8, count);
	le32(env + 12, (uint32_t)raw_len);
	le32(env + 16, (uint32_t)raw_len);
	memcpy(env + 68, raw, raw_len);
	*len = 68 + raw_len;
	fix_crc(env, *len);
	return env;
}

/* Incompressible data is stored with codec 0, byte for byte as an
 * independent writer of the format would store it. */
static void
test_incompressible_matches_spec(void **state)
{
	struct sl_envelope_encoder *enc = encoder(SL_AEAD_NONE, 0, NULL);
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(NULL);
	struct sl_envelope_rec r;
	struct sl_envelope_msg m;
	uint8_t msg[3000], raw[3100], out[4000], *ref;
	char err[256];
	size_t raw_len = 0, len, ref_len;

	(void)state;
	randombytes_buf(msg, sizeof(msg));
	make_rec(5, &r);
	sl_envelope_put(raw, &raw_len, &r, msg, sizeof(msg));
	len = sl_envelope_seal(enc, raw, raw_len, 1, 0, 0, out, sizeof(out), err,
			       sizeof(err));
	assert_int_equal(len, 68 + raw_len);
	assert_int_equal(out[6], SL_ENVELOPE_CODEC_NONE);
	ref = craft_plain(raw, raw_len, 1, &ref_len);
	assert_int_equal(ref_len, len);
	assert_memory_equal(out, ref, len);
	assert_int_equal(sl_envelope_open(dec, ref, ref_len, NULL), SL_ENV_OK);
	assert_int_equal(sl_envelope_next(dec, &m), 1);
	assert_memory_equal(m.data, msg, sizeof(msg));
	free(ref);
	sl_envelope_decoder_free(dec);
	sl_envelope_encoder_free(enc);
}

/* Flipping any single bit of a small envelope, plain or encrypted, is an
 * error; for encrypted ones also after the checksum is made to match,
 * since the AEAD covers everything else. */
static void
test_bit_flips(void **state)
{
	struct sl_keyring *kr = keyring_1_2();
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(kr);
	struct sl_envelope_encoder *enc;
	struct sl_envelope_msg m;
	enum sl_envelope_aead a[3];
	size_t n_a = aeads(a), k, len, bit;
	enum sl_envelope_error e;
	struct batch b;
	uint8_t *env, *bad;

	(void)state;
	small_batch(&b);
	for (k = 0; k < n_a; k++) {
		enc = encoder(a[k], 1, a[k] == SL_AEAD_NONE ? NULL : key1);
		env = seal(enc, &b, 0, 3, &len);
		bad = malloc(len);
		assert_non_null(bad);
		for (bit = 0; bit < len * 8; bit++) {
			memcpy(bad, env, len);
			bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			e = sl_envelope_open(dec, bad, len, NULL);
			assert_int_not_equal(e, SL_ENV_OK);
			assert_int_equal(sl_envelope_next(dec, &m), 0);
			if (a[k] == SL_AEAD_NONE || (bit / 8 >= 64 && bit / 8 < 68))
				continue;
			fix_crc(bad, len);
			e = sl_envelope_open(dec, bad, len, NULL);
			assert_int_not_equal(e, SL_ENV_OK);
			assert_int_not_equal(e, SL_ENV_BAD_CHECKSUM);
		}
		/* The untouched envelope still opens with that decoder. */
		check_open(dec, env, len, &b, 0, 3);
		free(bad);
		free(env);
		sl_envelope_encoder_free(enc);
	}
	free_batch(&b);
	sl_envelope_decoder_free(dec);
	sl_keyring_free(kr);
}

/* Every prefix is TRUNCATED, one byte more is TRAILING_DATA. */
static void
test_truncation(void **state)
{
	struct sl_keyring *kr = keyring_1_2();
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(kr);
	struct sl_envelope_encoder *enc;
	struct sl_envelope_header h;
	enum sl_envelope_aead a[3];
	size_t n_a = aeads(a), k, len, cut;
	struct batch b;
	uint8_t *env, *p;

	(void)state;
	small_batch(&b);
	for (k = 0; k < n_a; k++) {
		enc = encoder(a[k], 1, a[k] == SL_AEAD_NONE ? NULL : key1);
		env = seal(enc, &b, 0, 3, &len);
		for (cut = 0; cut < len; cut++) {
			p = malloc(cut ? cut : 1);
			assert_non_null(p);
			memcpy(p, env, cut);
			assert_int_equal(sl_envelope_open(dec, p, cut, NULL),
					 SL_ENV_TRUNCATED);
			assert_int_equal(sl_envelope_peek(p, cut, &h), SL_ENV_TRUNCATED);
			if (cut >= 68)
				assert_int_equal(h.body_len, len - 68);
			free(p);
		}
		assert_int_equal(sl_envelope_open(dec, NULL, 0, NULL), SL_ENV_TRUNCATED);
		p = malloc(len + 1);
		assert_non_null(p);
		memcpy(p, env, len);
		p[len] = 0;
		assert_int_equal(sl_envelope_open(dec, p, len + 1, NULL),
				 SL_ENV_TRAILING_DATA);
		free(p);
		free(env);
		sl_envelope_encoder_free(enc);
	}
	free_batch(&b);
	sl_envelope_decoder_free(dec);
	sl_keyring_free(kr);
}

/* Unknown key id, no keyring, right id with the wrong key, rotation. */
static void
test_keys_and_rotation(void **state)
{
	static const uint32_t ids_wrong[] = { 1 };
	uint8_t (*const keys_wrong[])[32] = { &key_wrong };
	struct sl_keyring *kr = keyring_1_2();
	struct sl_keyring *kr_wrong = make_keyring(ids_wrong, keys_wrong, 1);
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(kr);
	struct sl_envelope_decoder *nokeys = sl_envelope_decoder_new(NULL);
	struct sl_envelope_encoder *enc;
	struct sl_envelope_header h;
	enum sl_envelope_aead a[3];
	size_t n_a = aeads(a), k, len1, len2, len3;
	struct batch b;
	uint8_t *e1, *e2, *e3;

	(void)state;
	small_batch(&b);
	for (k = 1; k < n_a; k++) {
		enc = encoder(a[k], 1, key1);
		assert_int_equal(sl_envelope_encoder_aead(enc), a[k]);
		e1 = seal(enc, &b, 0, 3, &len1);
		assert_int_equal(sl_envelope_encoder_set_key(enc, 2, key2), 0);
		e2 = seal(enc, &b, 0, 3, &len2);
		assert_int_equal(sl_envelope_encoder_set_key(enc, 0, NULL), 0);
		e3 = seal(enc, &b, 0, 3, &len3);
		assert_int_equal(sl_envelope_peek(e1, len1, &h), SL_ENV_OK);
		assert_int_equal(h.key_id, 1);
		assert_int_equal(sl_envelope_peek(e2, len2, &h), SL_ENV_OK);
		assert_int_equal(h.key_id, 2);
		assert_int_equal(sl_envelope_peek(e3, len3, &h), SL_ENV_OK);
		assert_int_equal(h.flags, 0);
		check_open(dec, e1, len1, &b, 0, 3);
		check_open(dec, e2, len2, &b, 0, 3);
		check_open(dec, e3, len3, &b, 0, 3);
		check_open(nokeys, e3, len3, &b, 0, 3);
		assert_int_equal(sl_envelope_open(nokeys, e1, len1, NULL), SL_ENV_NO_KEY);
		sl_envelope_decoder_set_keys(nokeys, kr_wrong);
		assert_int_equal(sl_envelope_open(nokeys, e1, len1, NULL),
				 SL_ENV_DECRYPT_FAILED);
		assert_int_equal(sl_envelope_open(nokeys, e2, len2, NULL), SL_ENV_NO_KEY);
		sl_envelope_decoder_set_keys(nokeys, NULL);
		free(e1);
		free(e2);
		free(e3);
		sl_envelope_encoder_free(enc);
	}
	free_batch(&b);
	sl_envelope_decoder_free(dec);
	sl_envelope_decoder_free(nokeys);
	sl_keyring_free(kr);
	sl_keyring_free(kr_wrong);
}

/* AES-GCM nonces: salt fixed per encoder, counter up by one, tail zero;
 * XChaCha20 nonces: fresh. */
static void
test_nonces(void **state)
{
	struct sl_envelope_encoder *enc;
	struct batch b;
	uint8_t *e1, *e2;
	size_t l1, l2, i;

	(void)state;
	small_batch(&b);
	enc = encoder(SL_AEAD_XCHACHA20, 1, key1);
	e1 = seal(enc, &b, 0, 3, &l1);
	e2 = seal(enc, &b, 0, 3, &l2);
	assert_memory_not_equal(e1 + 40, e2 + 40, 24);
	assert_memory_not_equal(e1 + 68, e2 + 68, l1 - 68);
	free(e1);
	free(e2);
	sl_envelope_encoder_free(enc);
	if (crypto_aead_aes256gcm_is_available()) {
		enc = encoder(SL_AEAD_AES256GCM, 1, key1);
		e1 = seal(enc, &b, 0, 3, &l1);
		e2 = seal(enc, &b, 0, 3, &l2);
		assert_memory_equal(e1 + 40, e2 + 40, 4);
		assert_true(rd64(e2 + 44) == rd64(e1 + 44) + 1);
		for (i = 52; i < 64; i++)
			assert_int_equal(e2[i], 0);
		free(e1);
		free(e2);
		sl_envelope_encoder_free(enc);
		enc = encoder(SL_AEAD_AUTO, 1, key1);
		assert_int_equal(sl_envelope_encoder_aead(enc), SL_AEAD_AES256GCM);
		sl_envelope_encoder_free(enc);
	}
	free_batch(&b);
}

/* AES-256-GCM is OpenSSL's in the codec; the format is libsodium's
 * crypto_aead_aes256gcm (the first implementation): the body libsodium
 * decrypts with the header as associated data is the LZ4 body sealed
 * without a key, and an envelope libsodium encrypts opens. */
static void
test_aes_gcm_libsodium(void **state)
{
	struct sl_envelope_encoder *enc, *plain;
	struct sl_envelope_decoder *dec;
	struct sl_keyring *kr;
	struct sl_envelope_msg m;
	struct batch b;
	uint8_t *env, *ref, *body;
	size_t len, ref_len, clen, i;

	(void)state;
	if (!crypto_aead_aes256gcm_is_available())
		skip();
	load_corpus("OpenSSH_2k.log", &b);
	enc = encoder(SL_AEAD_AES256GCM, 2, key2);
	plain = encoder(SL_AEAD_NONE, 0, NULL);
	env = seal(enc, &b, 0, 300, &len);
	ref = seal(plain, &b, 0, 300, &ref_len);
	assert_int_equal(env[6], SL_ENVELOPE_CODEC_LZ4);
	clen = len - 68 - SL_ENVELOPE_TAG_LEN;
	assert_int_equal(clen, ref_len - 68);
	body = malloc(clen);
	assert_non_null(body);
	assert_int_equal(crypto_aead_aes256gcm_decrypt_detached(
				 body, NULL, env + 68, clen, env + 68 + clen, env,
				 64, env + 40, key2), 0);
	assert_memory_equal(body, ref + 68, clen);

	/* The other way: a fresh nonce (counter + 1000), libsodium seals,
	 * the codec opens and gets every record back. */
	le32(env + 44, rd32(env + 44) + 1000);
	assert_int_equal(crypto_aead_aes256gcm_encrypt_detached(
				 env + 68, env + 68 + clen, NULL, body, clen, env,
				 64, NULL, env + 40, key2), 0);
	fix_crc(env, len);
	kr = keyring_1_2();
	dec = sl_envelope_decoder_new(kr);
	assert_non_null(dec);
	assert_int_equal(sl_envelope_open(dec, env, len, NULL), SL_ENV_OK);
	for (i = 0; i < 300; i++) {
		assert_int_equal(sl_envelope_next(dec, &m), 1);
		assert_int_equal(m.len, b.len[i]);
		assert_memory_equal(m.data, b.msg[i], m.len);
	}
	assert_int_equal(sl_envelope_next(dec, &m), 0);
	/* A flipped tag bit fails, and the decoder keeps nothing open. */
	env[len - 1] ^= 0x01;
	fix_crc(env, len);
	assert_int_equal(sl_envelope_open(dec, env, len, NULL),
			 SL_ENV_DECRYPT_FAILED);
	assert_int_equal(sl_envelope_next(dec, &m), 0);
	sl_envelope_decoder_free(dec);
	sl_keyring_free(kr);
	sl_envelope_encoder_free(enc);
	sl_envelope_encoder_free(plain);
	free(body);
	free(env);
	free(ref);
	free_batch(&b);
}

/* Headers crafted with a matching checksum, so the deeper checks run. */
static void
test_crafted_headers(void **state)
{
	struct sl_envelope_encoder *enc = encoder(SL_AEAD_NONE, 0, NULL);
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(NULL);
	struct sl_envelope_header h;
	struct batch b;
	uint8_t *env, *bad, *p;
	size_t len, i;

	(void)state;
	load_corpus("Linux_2k.log", &b);
	env = seal(enc, &b, 0, 50, &len);
	assert_int_equal(env[6], SL_ENVELOPE_CODEC_LZ4);
	bad = malloc(len + 64);
	assert_non_null(bad);

#define CRAFT(stmt, expect)                                                  \
	do {                                                                 \
		memcpy(bad, env, len);                                       \
		stmt;                                                        \
		fix_crc(bad, len);                                           \
		assert_int_equal(sl_envelope_open(dec, bad, len, NULL), expect); \
	} while (0)

	CRAFT(bad[0] = 'X', SL_ENV_BAD_MAGIC);
	CRAFT(bad[4] = 2, SL_ENV_UNSUPPORTED_VERSION);
	CRAFT(bad[4] = 0, SL_ENV_UNSUPPORTED_VERSION);
	CRAFT(bad[5] = 0x02, SL_ENV_UNSUPPORTED_FLAGS);
	CRAFT(bad[5] = 0x80, SL_ENV_UNSUPPORTED_FLAGS);
	CRAFT(bad[6] = 2, SL_ENV_UNSUPPORTED_CODEC);
	CRAFT(bad[7] = 3, SL_ENV_UNSUPPORTED_AEAD);
	CRAFT(bad[7] = 1, SL_ENV_BAD_HEADER);       /* aead without ENCRYPTED */
	CRAFT(bad[5] = 1, SL_ENV_BAD_HEADER);       /* ENCRYPTED without aead */
	CRAFT(bad[20] = 1, SL_ENV_BAD_HEADER);      /* key id, not encrypted */
	CRAFT(bad[63] = 1, SL_ENV_BAD_HEADER);      /* nonce, not encrypted */
	CRAFT(bad[6] = 0, SL_ENV_BAD_HEADER);       /* codec 0: body != raw */
	CRAFT(le32(bad + 8, 0x01000001), SL_ENV_TOO_LARGE);
	CRAFT(le32(bad + 12, (64u << 20) + 1), SL_ENV_TOO_LARGE);
	CRAFT(le32(bad + 16, 0xffffffff), SL_ENV_TOO_LARGE);
	CRAFT(le32(bad + 8, rd32(env + 12) / 32 + 1), SL_ENV_BAD_HEADER);
	/* Count lies: the record area holds 50. */
	CRAFT(le32(bad + 8, 51), SL_ENV_BAD_RECORD);
	CRAFT(le32(bad + 8, 49), SL_ENV_BAD_RECORD);
	CRAFT(le32(bad + 8, 0), SL_ENV_BAD_RECORD);
	/* raw_len lies: LZ4 must produce exactly raw_len bytes. */
	CRAFT(le32(bad + 12, rd32(env + 12) + 1), SL_ENV_DECOMPRESS_FAILED);
	CRAFT(le32(bad + 12, rd32(env + 12) - 1), SL_ENV_DECOMPRESS_FAILED);
	/* LZ4 body cut short (body_len one less, last byte dropped). */
	memcpy(bad, env, len);
	le32(bad + 16, rd32(env + 16) - 1);
	fix_crc(bad, len - 1);
	assert_int_equal(sl_envelope_open(dec, bad, len - 1, NULL),
			 SL_ENV_DECOMPRESS_FAILED);
	/* A header claiming more than the input holds, checksum or not. */
	memcpy(bad, env, len);
	le32(bad + 16, rd32(env + 16) + 10);
	assert_int_equal(sl_envelope_open(dec, bad, len, NULL), SL_ENV_TRUNCATED);
	assert_int_equal(sl_envelope_peek(bad, len, &h), SL_ENV_TRUNCATED);
	assert_int_equal(h.body_len, len - 68 + 10);
	/* Checksum mismatch alone. */
	memcpy(bad, env, len);
	bad[64] ^= 1;
	assert_int_equal(sl_envelope_open(dec, bad, len, NULL), SL_ENV_BAD_CHECKSUM);
	assert_int_equal(sl_envelope_peek(bad, len, &h), SL_ENV_BAD_CHECKSUM);
	/* Garbage and short magic. */
	for (i = 0; i < 64; i++)
		bad[i] = (uint8_t)(i * 7);
	assert_int_equal(sl_envelope_open(dec, bad, 64, NULL), SL_ENV_BAD_MAGIC);
	assert_int_equal(sl_envelope_open(dec, "SL", 2, NULL), SL_ENV_TRUNCATED);
	assert_int_equal(sl_envelope_open(dec, "SX", 2, NULL), SL_ENV_BAD_MAGIC);
	assert_int_equal(sl_envelope_open(dec, "SLEV\x02", 5, NULL),
			 SL_ENV_UNSUPPORTED_VERSION);
	/* The good one still opens after all that. */
	p = malloc(len);
	assert_non_null(p);
	memcpy(p, env, len);
	check_open(dec, p, len, &b, 0, 50);
	free(p);
#undef CRAFT
	free(bad);
	free(env);
	free_batch(&b);
	sl_envelope_encoder_free(enc);
	sl_envelope_decoder_free(dec);
}

/* Record areas that are wrong in each way a reader checks, stored with
 * codec 0 and a valid checksum. */
static void
test_crafted_records(void **state)
{
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(NULL);
	struct sl_envelope_rec r;
	struct sl_envelope_msg m;
	uint8_t raw[256], bad[256], *env;
	size_t raw_len = 0, len;

	(void)state;
	make_rec(0, &r);   /* v4 */
	sl_envelope_put(raw, &raw_len, &r, "first", 5);
	make_rec(2, &r);   /* v6 */
	sl_envelope_put(raw, &raw_len, &r, "second", 6);

#define CRAFT_RAW(stmt, count, expect)                                       \
	do {                                                                 \
		memcpy(bad, raw, raw_len);                                   \
		stmt;                                                        \
		env = craft_plain(bad, raw_len, count, &len);                \
		assert_int_equal(sl_envelope_open(dec, env, len, NULL), expect); \
		if (expect != SL_ENV_OK)                                     \
			assert_int_equal(sl_envelope_next(dec, &m), 0);      \
		free(env);                                                   \
	} while (0)

	CRAFT_RAW((void)0, 2, SL_ENV_OK);
	CRAFT_RAW(bad[12] = 5, 2, SL_ENV_BAD_RECORD);        /* family */
	CRAFT_RAW(bad[12] = 2, 2, SL_ENV_BAD_RECORD);          /* AF_INET */
	CRAFT_RAW(bad[13] = 1, 2, SL_ENV_BAD_RECORD);        /* reserved */
	CRAFT_RAW(bad[25] = 1, 2, SL_ENV_BAD_RECORD);        /* v4 padding */
	CRAFT_RAW(bad[37 + 12] = 4, 2, SL_ENV_BAD_RECORD);   /* v6 as v4 */
	CRAFT_RAW(le32(bad, 6), 2, SL_ENV_BAD_RECORD);       /* overlaps next */
	CRAFT_RAW(le32(bad, 4), 2, SL_ENV_BAD_RECORD);       /* gap */
	CRAFT_RAW(le32(bad + 37, 7), 2, SL_ENV_BAD_RECORD);  /* past the end */
	CRAFT_RAW(le32(bad + 37, 0xffffffff), 2, SL_ENV_BAD_RECORD);
	CRAFT_RAW(le32(bad + 37, 5), 2, SL_ENV_BAD_RECORD);  /* byte left over */
	CRAFT_RAW((void)0, 1, SL_ENV_BAD_RECORD);            /* count low */
	/* Lengths that make the second record too short for its header. */
	CRAFT_RAW(le32(bad, 5 + 32), 2, SL_ENV_BAD_RECORD);
	CRAFT_RAW(le32(bad, 5 + 20), 2, SL_ENV_BAD_RECORD);
#undef CRAFT_RAW
	sl_envelope_decoder_free(dec);
}

/* Empty batch and one-message batch, plain and encrypted. */
static void
test_empty_and_one(void **state)
{
	struct sl_keyring *kr = keyring_1_2();
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(kr);
	struct sl_envelope_encoder *enc;
	struct sl_envelope_header h;
	struct sl_envelope_msg m;
	enum sl_envelope_aead a[3];
	size_t n_a = aeads(a), k, len;
	struct batch b;
	uint8_t *env;

	(void)state;
	small_batch(&b);
	for (k = 0; k < n_a; k++) {
		enc = encoder(a[k], 2, a[k] == SL_AEAD_NONE ? NULL : key2);
		env = seal(enc, &b, 0, 0, &len);
		assert_int_equal(len, 68 + (a[k] == SL_AEAD_NONE ? 0 : 16));
		assert_int_equal(sl_envelope_open(dec, env, len, &h), SL_ENV_OK);
		assert_int_equal(h.count, 0);
		assert_int_equal(h.raw_len, 0);
		assert_int_equal(h.codec, SL_ENVELOPE_CODEC_NONE);
		assert_true(h.first_rx_ns == 0 && h.last_rx_ns == 0);
		assert_int_equal(sl_envelope_next(dec, &m), 0);
		free(env);
		env = seal(enc, &b, 0, 1, &len);
		check_open(dec, env, len, &b, 0, 1);
		free(env);
		env = seal(enc, &b, 1, 1, &len);  /* one empty message */
		check_open(dec, env, len, &b, 1, 1);
		free(env);
		sl_envelope_encoder_free(enc);
	}
	free_batch(&b);
	sl_envelope_decoder_free(dec);
	sl_keyring_free(kr);
}

/* Records of 65535-byte messages (random and repetitive), and an LZ4
 * codec 1 envelope with raw_len 0 crafted by hand. */
static void
test_max_size_messages(void **state)
{
	struct sl_keyring *kr = keyring_1_2();
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(kr);
	struct sl_envelope_encoder *enc;
	enum sl_envelope_aead a[3];
	size_t n_a = aeads(a), k, i, len;
	uint8_t *big[4], *env;
	struct batch b;

	(void)state;
	b.text = NULL;
	b.n = 4;
	b.msg = calloc(4, sizeof(*b.msg));
	b.len = calloc(4, sizeof(*b.len));
	assert_non_null(b.msg);
	assert_non_null(b.len);
	for (i = 0; i < 4; i++) {
		big[i] = malloc(65535);
		assert_non_null(big[i]);
		if (i % 2)
			randombytes_buf(big[i], 65535);
		else
			memset(big[i], 'a' + (int)i, 65535);
		b.msg[i] = big[i];
		b.len[i] = 65535;
	}
	for (k = 0; k < n_a; k++) {
		enc = encoder(a[k], 1, a[k] == SL_AEAD_NONE ? NULL : key1);
		env = seal(enc, &b, 0, 4, &len);
		check_open(dec, env, len, &b, 0, 4);
		free(env);
		env = seal(enc, &b, 1, 1, &len);   /* random: stored as is */
		assert_int_equal(env[6], SL_ENVELOPE_CODEC_NONE);
		check_open(dec, env, len, &b, 1, 1);
		free(env);
		sl_envelope_encoder_free(enc);
	}
	for (i = 0; i < 4; i++)
		free(big[i]);
	free_batch(&b);
	sl_envelope_decoder_free(dec);
	sl_keyring_free(kr);
}

/* The segments API writes what the contiguous one writes, for every
 * way of cutting a message into up to three pieces, and ignores bytes
 * beyond msg_len. */
static void
test_segments(void **state)
{
	static const char msg[] = "<13>Jun 14 15:16:01 combo sshd[1]: segmented";
	uint32_t n = (uint32_t)strlen(msg);
	struct sl_envelope_rec r;
	struct iovec seg[4];
	uint8_t a[128], b[128];
	size_t la, lb, c1, c2;

	(void)state;
	make_rec(4, &r);
	la = 3;
	memset(a, 0x55, sizeof(a));
	sl_envelope_put(a, &la, &r, msg, n);
	for (c1 = 0; c1 <= n; c1++) {
		for (c2 = c1; c2 <= n; c2++) {
			seg[0].iov_base = (void *)msg;
			seg[0].iov_len = c1;
			seg[1].iov_base = (void *)(msg + c1);
			seg[1].iov_len = c2 - c1;
			seg[2].iov_base = (void *)(msg + c2);
			seg[2].iov_len = n - c2 + 1;  /* the NUL is beyond msg_len */
			seg[3].iov_base = NULL;
			seg[3].iov_len = 100;
			lb = 3;
			memset(b, 0x55, sizeof(b));
			sl_envelope_put_segments(b, &lb, &r, seg, 4, n);
			assert_int_equal(lb, la);
			assert_memory_equal(a, b, sizeof(a));
		}
	}
}

/* Encoder argument errors and the messages of every error code. */
static void
test_api_errors(void **state)
{
	struct sl_envelope_encoder *enc = encoder(SL_AEAD_NONE, 0, NULL);
	struct sl_envelope_decoder *dec = sl_envelope_decoder_new(NULL);
	struct sl_envelope_msg m;
	uint8_t raw[64], out[256];
	char err[256];
	int e;

	(void)state;
	assert_int_equal(sl_envelope_encoder_set_key(enc, 1, key1), -1);
	assert_int_equal(sl_envelope_encoder_set_key(enc, 0, NULL), 0);
	sl_envelope_encoder_free(enc);
	enc = encoder(SL_AEAD_XCHACHA20, 0, NULL);
	assert_int_equal(sl_envelope_encoder_set_key(enc, 0, key1), -1);
	assert_null(sl_envelope_encoder_new((enum sl_envelope_aead)7, 1, err,
					    sizeof(err)));
	assert_non_null(strstr(err, "unknown AEAD"));
	memset(raw, 0, sizeof(raw));
	err[0] = '\0';
	assert_int_equal(sl_envelope_seal(enc, raw, 64, 3, 0, 0, out, sizeof(out),
					  err, sizeof(err)), 0);
	assert_non_null(strstr(err, "3 records"));
	assert_int_equal(sl_envelope_seal(enc, raw, 64, 1, 0, 0, out,
					  sl_envelope_sealed_bound(64) - 1, err,
					  sizeof(err)), 0);
	assert_non_null(strstr(err, "output buffer"));
	assert_int_equal(sl_envelope_seal(enc, raw, (64u << 20) + 1, 1, 0, 0, out,
					  sizeof(out), err, sizeof(err)), 0);
	assert_non_null(strstr(err, "limits"));
	assert_int_equal(sl_envelope_seal(enc, raw, 64, (1u << 24) + 1, 0, 0, out,
					  sizeof(out), err, sizeof(err)), 0);
	sl_envelope_encoder_free(enc);
	assert_true(sl_envelope_sealed_bound(65536) >= 68 + 65536 + 16);
	assert_int_equal(sl_envelope_next(dec, &m), 0);
	for (e = SL_ENV_OK; e <= SL_ENV_TRAILING_DATA; e++) {
		assert_non_null(sl_envelope_strerror((enum sl_envelope_error)e));
		assert_string_not_equal(sl_envelope_strerror((enum sl_envelope_error)e),
					"unknown envelope error");
	}
	assert_string_equal(sl_envelope_strerror((enum sl_envelope_error)99),
			    "unknown envelope error");
	sl_envelope_decoder_free(dec);
	sl_envelope_encoder_free(NULL);
	sl_envelope_decoder_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_roundtrip_corpus),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_record_layout),
		cmocka_unit_test(test_incompressible_matches_spec),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_keys_and_rotation),
		cmocka_unit_test(test_nonces),
		cmocka_unit_test(test_crafted_headers),
		cmocka_unit_test(test_crafted_records),
		cmocka_unit_test(test_empty_and_one),
		cmocka_unit_test(test_max_size_messages),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_aes_gcm_libsodium),
		cmocka_unit_test(test_api_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
