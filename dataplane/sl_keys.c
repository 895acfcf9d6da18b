/* sl_keys.c: envelope key files: checks, parsing, lookups. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "sl_keys.h"

#define KEY_LEN     32
#define KEY_B64_LEN 44 /* 32 bytes in base64 with padding */

struct sl_keyring_key {
	uint32_t id;
	uint8_t key[KEY_LEN];
};

/* A loaded key file. Invariants: keys is sodium_malloc'd, read-only,
 * holds n >= 1 entries sorted by id with no duplicate; current is the id
 * of one of them. */
struct sl_keyring {
	struct sl_keyring_key *keys;
	size_t n;
	uint32_t current;
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Parses a decimal id of 1..UINT32_MAX spelled in tok[0..len). */
static int
parse_id(const char *tok, size_t len, uint32_t *id)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(tok[i] - '0');
	}
	if (v == 0 || v > UINT32_MAX)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* Splits line[0..len) into at most 3 white-space separated tokens;
 * returns how many were found (3 means "3 or more"). */
static unsigned
split(const char *line, size_t len, const char *tok[3], size_t tlen[3])
{
	unsigned n = 0;
	size_t i = 0, s;

	while (n < 3) {
		while (i < len && is_space(line[i]))
			i++;
		if (i == len)
			break;
		s = i;
		while (i < len && !is_space(line[i]))
			i++;
		tok[n] = line + s;
		tlen[n] = i - s;
		n++;
	}
	return n;
}

static int
key_cmp(const void *a, const void *b)
{
	const struct sl_keyring_key *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct sl_keyring *
sl_keyring_parse(const char *name, const char *text, size_t len, char *err,
		 size_t errlen)
{
	struct sl_keyring *kr = NULL;
	struct sl_keyring_key *keys = NULL;
	const char *line, *eol, *tok[3];
	size_t tlen[3], max = 1, n = 0, binlen, i;
	uint32_t current = 0, id;
	unsigned lineno = 0, ntok;
	const char *b64end;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "%s: libsodium failed to initialise", name);
		return NULL;
	}
	for (i = 0; i < len; i++)
		max += text[i] == '\n';
	keys = sodium_malloc(max * sizeof(*keys));
	if (keys == NULL) {
		snprintf(err, errlen, "%s: out of locked memory for keys", name);
		return NULL;
	}
	for (line = text; line < text + len; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(text + len - line));
		if (eol == NULL)
			eol = text + len;
		lineno++;
		ntok = split(line, (size_t)(eol - line), tok, tlen);
		if (ntok == 0 || tok[0][0] == '#')
			continue;
		if (ntok != 2) {
			snprintf(err, errlen, "%s:%u: expected 'ID KEY' or 'current ID'",
				 name, lineno);
			goto fail;
		}
		if (tlen[0] == 7 && memcmp(tok[0], "current", 7) == 0) {
			if (current != 0) {
				snprintf(err, errlen, "%s:%u: second 'current' line",
					 name, lineno);
				goto fail;
			}
			if (parse_id(tok[1], tlen[1], &current) < 0) {
				snprintf(err, errlen, "%s:%u: key id must be 1..4294967295",
					 name, lineno);
				goto fail;
			}
			continue;
		}
		if (parse_id(tok[0], tlen[0], &id) < 0) {
			snprintf(err, errlen, "%s:%u: key id must be 1..4294967295",
				 name, lineno);
			goto fail;
		}
		if (tlen[1] != KEY_B64_LEN) {
			snprintf(err, errlen,
				 "%s:%u: key %u must be 32 bytes in base64 (44 characters), not %zu characters",
				 name, lineno, id, tlen[1]);
			goto fail;
		}
		if (sodium_base642bin(keys[n].key, KEY_LEN, tok[1], tlen[1], NULL,
				      &binlen, &b64end,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    b64end != tok[1] + tlen[1]) {
			snprintf(err, errlen, "%s:%u: key %u is not valid base64",
				 name, lineno, id);
			goto fail;
		}
		if (binlen != KEY_LEN) {
			snprintf(err, errlen, "%s:%u: key %u is %zu bytes, not 32",
				 name, lineno, id, binlen);
			goto fail;
		}
		keys[n++].id = id;
	}
	if (n == 0) {
		snprintf(err, errlen, "%s: no keys", name);
		goto fail;
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n; i++) {
		if (keys[i].id == keys[i - 1].id) {
			snprintf(err, errlen, "%s: key id %u appears twice", name,
				 keys[i].id);
			goto fail;
		}
	}
	kr = malloc(sizeof(*kr));
	if (kr == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	kr->keys = keys;
	kr->n = n;
	kr->current = current != 0 ? current : keys[n - 1].id;
	if (sl_keyring_get(kr, kr->current) == NULL) {
		snprintf(err, errlen, "%s: 'current %u' names no key in the file",
			 name, current);
		free(kr);
		kr = NULL;
		goto fail;
	}
	sodium_mprotect_readonly(keys);
	return kr;

fail:
	sodium_free(keys);
	return NULL;
}

int
sl_keyring_check_fd(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: key file is not a regular file", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen,
			 "%s: key file is owned by uid %u, not by the running user (uid %u)",
			 path, (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen,
			 "%s: key file is accessible by group or others (mode %04o): it holds secrets, chmod 600 it",
			 path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_size > (off_t)SL_KEYRING_FILE_MAX) {
		snprintf(err, errlen, "%s: key file is larger than %u bytes", path,
			 SL_KEYRING_FILE_MAX);
		return -1;
	}
	return 0;
}

struct sl_keyring *
sl_keyring_load(const char *path, char *err, size_t errlen)
{
	struct sl_keyring *kr = NULL;
	char *text = NULL;
	size_t len = 0;
	ssize_t r;
	int fd;

	if (sodium_init() < 0) {
		snprintf(err, errlen, "%s: libsodium failed to initialise", path);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (sl_keyring_check_fd(fd, path, err, errlen) < 0)
		goto out;
	/* The text holds the keys in base64: guarded memory too. One byte
	 * more than the limit tells a file that grew past it since fstat. */
	text = sodium_malloc(SL_KEYRING_FILE_MAX + 1);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of locked memory", path);
		goto out;
	}
	for (;;) {
		r = read(fd, text + len, SL_KEYRING_FILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > SL_KEYRING_FILE_MAX) {
			snprintf(err, errlen, "%s: key file is larger than %u bytes",
				 path, SL_KEYRING_FILE_MAX);
			goto out;
		}
	}
	kr = sl_keyring_parse(path, text, len, err, errlen);
out:
	sodium_free(text);
	close(fd);
	return kr;
}

void
sl_keyring_free(struct sl_keyring *kr)
{
	if (kr == NULL)
		return;
	sodium_free(kr->keys); /* wipes the keys */
	free(kr);
}

const uint8_t *
sl_keyring_get(const struct sl_keyring *kr, uint32_t id)
{
	size_t lo = 0, hi = kr->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (kr->keys[mid].id == id)
			return kr->keys[mid].key;
		if (kr->keys[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint32_t
sl_keyring_current(const struct sl_keyring *kr)
{
	return kr->current;
}

size_t
sl_keyring_count(const struct sl_keyring *kr)
{
	return kr->n;
}

int
sl_keyring_changed(const char *path, struct timespec *stamp)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if (st.st_ctim.tv_sec == stamp->tv_sec &&
	    st.st_ctim.tv_nsec == stamp->tv_nsec)
		return 0;
	*stamp = st.st_ctim;
	return 1;
}
