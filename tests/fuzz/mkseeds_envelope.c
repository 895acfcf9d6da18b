/* mkseeds_envelope: writes the seed envelopes of fuzz_envelope into DIR
 * (usage: mkseeds_envelope DIR), one file per name in seed_names, so the
 * fuzzer starts from valid envelopes of every kind: LZ4 and stored,
 * empty, one record, IPv4 and IPv6 sources, encrypted with each AEAD
 * under the target's key (AES-256-GCM where the CPU has AES-NI, else a
 * second XChaCha20 seed under the same name, since the build output
 * list is fixed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fuzz_envelope.h"
#include "sl_envelope.h"

#define RAW_CAP 8192

struct seed {
	const char *name;
	enum sl_envelope_aead aead;
	unsigned records;   /* corpus-like lines */
	int random;         /* one incompressible record instead */
};

static const struct seed seeds[] = {
	{ "envelope-lz4", SL_AEAD_NONE, 12, 0 },
	{ "envelope-stored", SL_AEAD_NONE, 0, 1 },
	{ "envelope-empty", SL_AEAD_NONE, 0, 0 },
	{ "envelope-one", SL_AEAD_NONE, 1, 0 },
	{ "envelope-xchacha", SL_AEAD_XCHACHA20, 12, 0 },
	{ "envelope-xchacha-stored", SL_AEAD_XCHACHA20, 0, 1 },
	{ "envelope-aes", SL_AEAD_AES256GCM, 12, 0 },
};

static const char *const lines[] = {
	"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed",
	"<13>Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; rhost=218.188.2.4",
	"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
	"",
};

static size_t
pack(const struct seed *s, uint8_t *raw)
{
	struct sl_envelope_rec r;
	uint8_t noise[600];
	size_t len = 0;
	unsigned i;
	const char *l;

	for (i = 0; i < s->records; i++) {
		memset(&r, 0, sizeof(r));
		r.rx_ns = 1700000000000000000ull + i;
		r.port = (uint16_t)(514 + i);
		r.family = i % 2 ? 6 : 4;
		r.addr[0] = 198;
		r.addr[1] = 18;
		r.addr[3] = (uint8_t)i;
		l = lines[i % (sizeof(lines) / sizeof(lines[0]))];
		sl_envelope_put(raw, &len, &r, l, (uint32_t)strlen(l));
	}
	if (s->random) {
		memset(&r, 0, sizeof(r));
		r.family = 6;
		r.addr[15] = 1;
		randombytes_buf(noise, sizeof(noise));
		sl_envelope_put(raw, &len, &r, noise, sizeof(noise));
	}
	return len;
}

int
main(int argc, char **argv)
{
	uint8_t key[32], raw[RAW_CAP], out[RAW_CAP + 256];
	struct sl_envelope_encoder *enc;
	enum sl_envelope_aead aead;
	char err[256], path[4096];
	size_t raw_len, len, bin_len, i;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds_envelope DIR\n");
		return 2;
	}
	if (sodium_init() < 0 ||
	    sodium_base642bin(key, sizeof(key), FUZZ_ENVELOPE_KEY_B64,
			      strlen(FUZZ_ENVELOPE_KEY_B64), NULL, &bin_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != sizeof(key)) {
		fprintf(stderr, "mkseeds_envelope: bad key or libsodium\n");
		return 1;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		aead = seeds[i].aead;
		if (aead == SL_AEAD_AES256GCM && !crypto_aead_aes256gcm_is_available())
			aead = SL_AEAD_XCHACHA20;
		enc = sl_envelope_encoder_new(aead, 1, err, sizeof(err));
		if (enc == NULL ||
		    (aead != SL_AEAD_NONE &&
		     sl_envelope_encoder_set_key(enc, FUZZ_ENVELOPE_KEY_ID, key) < 0)) {
			fprintf(stderr, "mkseeds_envelope: %s\n",
				enc == NULL ? err : "cannot set the key");
			return 1;
		}
		raw_len = pack(&seeds[i], raw);
		len = sl_envelope_seal(enc, raw, raw_len, seeds[i].records + (unsigned)seeds[i].random,
				       seeds[i].records ? 1700000000000000000ull : 0,
				       seeds[i].records ? 1700000000000000000ull + seeds[i].records - 1 : 0,
				       out, sizeof(out), err, sizeof(err));
		sl_envelope_encoder_free(enc);
		if (len == 0) {
			fprintf(stderr, "mkseeds_envelope: %s\n", err);
			return 1;
		}
		snprintf(path, sizeof(path), "%s/%s", argv[1], seeds[i].name);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(out, 1, len, f) != len || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
