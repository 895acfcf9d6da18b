/* sluice-keygen: makes a random envelope key (docs/envelope.md, "Key
 * files"). With --file it appends the key line to a key file, creating it
 * with mode 0600, after checking that the file, new line included, still
 * loads (ownership, mode, syntax, no duplicate id); without, it prints
 * the line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sl_args.h"
#include "sl_keys.h"

#define KEY_LEN 32
/* "ID BASE64\n": 10 digits, a space, 44 characters, newline, and a newline
 * put before it when the file does not end with one. */
#define LINE_MAX_LEN 64

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-keygen --id N [--file FILE]\n"
		"\n"
		"Generates a random 32-byte envelope key with id N (1..4294967295).\n"
		"\n"
		"  --id N       id of the new key\n"
		"  --file FILE  append the key to FILE (created with mode 0600 when\n"
		"               missing) and print N; without it the key line is\n"
		"               printed\n"
		"  --help       show this help\n");
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Appends line to the key file path once the file with it parses.
 * Returns 0, or -1 after printing why. */
static int
append_key(const char *path, const char *line, size_t line_len)
{
	char err[512];
	struct sl_keyring *kr;
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, rc = -1;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "sluice-keygen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (sl_keyring_check_fd(fd, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice-keygen: %s\n", err);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "sluice-keygen: %s: %s\n", path, strerror(errno));
		goto out;
	}
	/* The file's keys and the new one, in guarded memory. */
	text = sodium_malloc((size_t)st.st_size + 1 + line_len);
	if (text == NULL) {
		fprintf(stderr, "sluice-keygen: out of memory\n");
		goto out;
	}
	while (len < (size_t)st.st_size) {
		r = pread(fd, text + len, (size_t)st.st_size - len, (off_t)len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "sluice-keygen: %s: %s\n", path,
				r < 0 ? strerror(errno) : "changed while being read");
			goto out;
		}
		len += (size_t)r;
	}
	if (len > 0 && text[len - 1] != '\n')
		text[len++] = '\n';
	memcpy(text + len, line, line_len);
	kr = sl_keyring_parse(path, text, len + line_len, err, sizeof(err));
	if (kr == NULL) {
		fprintf(stderr, "sluice-keygen: %s\n", err);
		goto out;
	}
	sl_keyring_free(kr);
	if (write_all(fd, text + st.st_size, len + line_len - (size_t)st.st_size) < 0 ||
	    fsync(fd) < 0) {
		fprintf(stderr, "sluice-keygen: %s: %s\n", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sodium_free(text);
	if (close(fd) < 0 && rc == 0) {
		fprintf(stderr, "sluice-keygen: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char b64[sodium_base64_ENCODED_LEN(KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char line[LINE_MAX_LEN];
	const char *file = NULL;
	uint8_t *key;
	uint64_t id = 0;
	int c, n, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (sl_args_count(optarg, 1, UINT32_MAX, &id) < 0) {
				fprintf(stderr, "sluice-keygen: --id must be 1..4294967295\n");
				return 2;
			}
			break;
		case 'f':
			file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || id == 0) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "sluice-keygen: libsodium failed to initialise\n");
		return 1;
	}
	key = sodium_malloc(KEY_LEN);
	if (key == NULL) {
		fprintf(stderr, "sluice-keygen: out of memory\n");
		return 1;
	}
	randombytes_buf(key, KEY_LEN);
	sodium_bin2base64(b64, sizeof(b64), key, KEY_LEN,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_free(key);
	n = snprintf(line, sizeof(line), "%llu %s\n", (unsigned long long)id, b64);
	if (file == NULL) {
		rc = fputs(line, stdout) == EOF || fflush(stdout) != 0;
	} else {
		rc = append_key(file, line, (size_t)n) < 0;
		if (rc == 0)
			printf("%llu\n", (unsigned long long)id);
	}
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(line, sizeof(line));
	return rc;
}
