/* bench_envelope.c: seal throughput of the envelope encoder on the
 * corpus (not a test; results in docs/envelope.md).
 *
 * usage: bench_envelope CORPUS_DIR [SECONDS_PER_CASE] [BATCH_BYTES]
 *
 * Packs every line of the corpus files into raw record areas of about
 * BATCH_BYTES (default 65536) each, as a worker would, then seals them
 * over and over for SECONDS_PER_CASE (default 2) per case: LZ4 alone
 * (LZ4_compress_fast on the same areas, acceleration 1, what `lz4 -b1`
 * measures), seal without encryption, seal with XChaCha20-Poly1305 and,
 * where the CPU has AES-NI, with AES-256-GCM; then opens (decodes) them.
 * Rates are MB/s (10^6 bytes) of raw record area, one thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lz4.h>
#include <sodium.h>

#include "sl_envelope.h"
#include "sl_keys.h"

static const char *const files[] = {
	"Apache_2k.log", "HDFS_2k.log", "Hadoop_2k.log", "Linux_2k.log",
	"OpenSSH_2k.log", "Spark_2k.log", "Thunderbird_2k.log",
	"Zookeeper_2k.log",
};

/* One raw record area and its record count. */
struct area {
	uint8_t *raw;
	size_t len;
	uint32_t count;
	uint64_t first_rx, last_rx;
};

struct areas {
	struct area *a;
	size_t n;
	size_t cap;
	uint64_t bytes;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		fprintf(stderr, "bench_envelope: out of memory\n");
		exit(1);
	}
	return p;
}

static struct area *
new_area(struct areas *as, size_t batch)
{
	struct area *a;

	if (as->n == as->cap) {
		as->cap = as->cap ? as->cap * 2 : 64;
		as->a = realloc(as->a, as->cap * sizeof(*as->a));
		if (as->a == NULL) {
			fprintf(stderr, "bench_envelope: out of memory\n");
			exit(1);
		}
	}
	a = &as->a[as->n++];
	memset(a, 0, sizeof(*a));
	a->raw = xmalloc(batch);
	return a;
}

/* Packs the lines of every corpus file into areas of at most batch
 * bytes, sources spread over 256 IPv4 hosts. */
static void
load(const char *dir, size_t batch, struct areas *as)
{
	struct sl_envelope_rec r;
	struct area *a = NULL;
	char path[4096], *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	uint64_t seq = 0;
	FILE *f;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "r");
		if (f == NULL) {
			perror(path);
			exit(1);
		}
		while ((n = getline(&line, &cap, f)) > 0) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				n--;
			if (a == NULL || a->len + sl_envelope_record_size((uint32_t)n) > batch)
				a = new_area(as, batch);
			memset(&r, 0, sizeof(r));
			r.rx_ns = 1700000000000000000ull + seq * 1000;
			r.family = 4;
			r.port = (uint16_t)(40000 + seq % 1000);
			r.addr[0] = 198;
			r.addr[1] = 18;
			r.addr[3] = (uint8_t)seq;
			if (a->count == 0)
				a->first_rx = r.rx_ns;
			a->last_rx = r.rx_ns;
			sl_envelope_put(a->raw, &a->len, &r, line, (uint32_t)n);
			a->count++;
			as->bytes += sl_envelope_record_size((uint32_t)n);
			seq++;
		}
		fclose(f);
	}
	free(line);
}

static void
report(const char *name, uint64_t bytes, double secs, uint64_t out_bytes)
{
	printf("%-34s %9.1f MB/s", name, (double)bytes / secs / 1e6);
	if (out_bytes != 0)
		printf("   ratio %.2f", (double)bytes / (double)out_bytes);
	printf("\n");
}

/* Raw LZ4 on the same areas. */
static void
bench_lz4(const struct areas *as, double secs, uint8_t *out, size_t out_cap)
{
	uint64_t bytes = 0, out_bytes = 0;
	double t0 = now(), t;
	size_t i;
	int c;

	do {
		for (i = 0; i < as->n; i++) {
			c = LZ4_compress_fast((const char *)as->a[i].raw, (char *)out,
					      (int)as->a[i].len, (int)out_cap, 1);
			if (c <= 0) {
				fprintf(stderr, "bench_envelope: LZ4 failed\n");
				exit(1);
			}
			bytes += as->a[i].len;
			out_bytes += (uint64_t)c;
		}
		t = now() - t0;
	} while (t < secs);
	report("LZ4_compress_fast (accel 1)", bytes, t, out_bytes);
}

static void
bench_seal(const char *name, enum sl_envelope_aead aead, const struct areas *as,
	   double secs, uint8_t *out, size_t out_cap)
{
	static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct sl_envelope_encoder *enc;
	struct sl_envelope_decoder *dec;
	struct sl_keyring *kr;
	struct sl_envelope_msg m;
	uint64_t bytes = 0, out_bytes = 0;
	char err[256], text[128], b64[64], label[64];
	double t0, t;
	size_t i, len;

	enc = sl_envelope_encoder_new(aead, 1, err, sizeof(err));
	if (enc == NULL) {
		fprintf(stderr, "bench_envelope: %s\n", err);
		exit(1);
	}
	if (aead != SL_AEAD_NONE && sl_envelope_encoder_set_key(enc, 1, key) < 0) {
		fprintf(stderr, "bench_envelope: cannot set the key\n");
		exit(1);
	}
	t0 = now();
	do {
		for (i = 0; i < as->n; i++) {
			len = sl_envelope_seal(enc, as->a[i].raw, as->a[i].len,
					       as->a[i].count, as->a[i].first_rx,
					       as->a[i].last_rx, out, out_cap, err,
					       sizeof(err));
			if (len == 0) {
				fprintf(stderr, "bench_envelope: %s\n", err);
				exit(1);
			}
			bytes += as->a[i].len;
			out_bytes += len;
		}
		t = now() - t0;
	} while (t < secs);
	snprintf(label, sizeof(label), "seal %s", name);
	report(label, bytes, t, out_bytes);

	/* Open: the last area sealed, over and over (decoder side rate). */
	sodium_bin2base64(b64, sizeof(b64), key, 32, sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "1 %s\n", b64);
	kr = sl_keyring_parse("bench", text, strlen(text), err, sizeof(err));
	dec = kr != NULL ? sl_envelope_decoder_new(kr) : NULL;
	if (dec == NULL) {
		fprintf(stderr, "bench_envelope: decoder: %s\n", kr ? "no memory" : err);
		exit(1);
	}
	len = sl_envelope_seal(enc, as->a[0].raw, as->a[0].len, as->a[0].count,
			       as->a[0].first_rx, as->a[0].last_rx, out, out_cap,
			       err, sizeof(err));
	if (len == 0) {
		fprintf(stderr, "bench_envelope: %s\n", err);
		exit(1);
	}
	bytes = 0;
	t0 = now();
	do {
		for (i = 0; i < 256; i++) {
			if (sl_envelope_open(dec, out, len, NULL) != SL_ENV_OK) {
				fprintf(stderr, "bench_envelope: open failed\n");
				exit(1);
			}
			while (sl_envelope_next(dec, &m) == 1)
				bytes += sl_envelope_record_size(m.len);
		}
		t = now() - t0;
	} while (t < secs);
	snprintf(label, sizeof(label), "open+iterate %s", name);
	report(label, bytes, t, 0);
	sl_envelope_decoder_free(dec);
	sl_keyring_free(kr);
	sl_envelope_encoder_free(enc);
}

int
main(int argc, char **argv)
{
	struct areas as = { 0 };
	double secs = argc > 2 ? atof(argv[2]) : 2.0;
	size_t batch = argc > 3 ? (size_t)atol(argv[3]) : 65536;
	size_t out_cap, i;
	uint8_t *out;

	if (argc < 2 || secs <= 0 || batch < 4096 || batch > SL_ENVELOPE_MAX_RAW) {
		fprintf(stderr,
			"usage: bench_envelope CORPUS_DIR [SECONDS_PER_CASE] [BATCH_BYTES >= 4096]\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_envelope: libsodium failed to initialise\n");
		return 1;
	}
	load(argv[1], batch, &as);
	printf("%zu areas of up to %zu bytes, %.1f MB of records, %.1f s per case\n",
	       as.n, batch, (double)as.bytes / 1e6, secs);
	out_cap = sl_envelope_sealed_bound(batch);
	out = xmalloc(out_cap);
	bench_lz4(&as, secs, out, out_cap);
	bench_seal("no encryption", SL_AEAD_NONE, &as, secs, out, out_cap);
	bench_seal("XChaCha20-Poly1305", SL_AEAD_XCHACHA20, &as, secs, out, out_cap);
	if (crypto_aead_aes256gcm_is_available())
		bench_seal("AES-256-GCM", SL_AEAD_AES256GCM, &as, secs, out, out_cap);
	else
		printf("AES-256-GCM: not available on this CPU (no AES-NI)\n");
	for (i = 0; i < as.n; i++)
		free(as.a[i].raw);
	free(as.a);
	free(out);
	return 0;
}
