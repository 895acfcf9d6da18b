/* test_keys.c: envelope key files (docs/envelope.md, "Key files"):
 * syntax, errors naming file and line, file ownership and mode checks,
 * and change detection for rotation without restart. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sl_keys.h"

/* Base64 of the 32 bytes 0, 1, ..., 31 and of 32 bytes of 0xff. */
#define K_SEQ "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define K_FF  "//////////////////////////////////////////8="

static char tmpdir[] = "/tmp/test_keys.XXXXXX";

static int
group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 || mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct sl_keyring *
parse(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return sl_keyring_parse("keys", text, strlen(text), err, errlen);
}

/* Expects text to be rejected with a message containing what. */
static void
expect_error(const char *text, const char *what)
{
	char err[256];

	assert_null(parse(text, err, sizeof(err)));
	if (strstr(err, what) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, what);
}

/* Writes text to tmpdir/name with the given mode; returns the path in a
 * static buffer. */
static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return path;
}

static void
test_parse(void **state)
{
	char err[256];
	struct sl_keyring *kr;
	const uint8_t *k;
	uint8_t seq[32];
	size_t i;

	(void)state;
	for (i = 0; i < 32; i++)
		seq[i] = (uint8_t)i;
	kr = parse("# sluice keys\n"
		   "\n"
		   "7 " K_SEQ "\r\n"
		   "   \t\n"
		   "\t4294967295\t" K_FF "   \n"
		   "  # indented comment\n"
		   "3 " K_FF, err, sizeof(err));
	if (kr == NULL)
		fail_msg("%s", err);
	assert_int_equal(sl_keyring_count(kr), 3);
	assert_int_equal(sl_keyring_current(kr), 4294967295u);
	k = sl_keyring_get(kr, 7);
	assert_non_null(k);
	assert_memory_equal(k, seq, 32);
	k = sl_keyring_get(kr, 3);
	assert_non_null(k);
	for (i = 0; i < 32; i++)
		assert_int_equal(k[i], 0xff);
	assert_non_null(sl_keyring_get(kr, 4294967295u));
	assert_null(sl_keyring_get(kr, 0));
	assert_null(sl_keyring_get(kr, 4));
	assert_null(sl_keyring_get(kr, 8));
	sl_keyring_free(kr);
	sl_keyring_free(NULL);

	kr = parse("1 " K_SEQ "\ncurrent 1\n2 " K_FF "\n", err, sizeof(err));
	if (kr == NULL)
		fail_msg("%s", err);
	assert_int_equal(sl_keyring_current(kr), 1);
	sl_keyring_free(kr);
	kr = parse("5 " K_SEQ, err, sizeof(err));
	assert_non_null(kr);
	assert_int_equal(sl_keyring_current(kr), 5);
	sl_keyring_free(kr);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	expect_error("", "keys: no keys");
	expect_error("# only a comment\n\n", "no keys");
	expect_error("1 " K_SEQ "\n1 " K_FF "\n", "key id 1 appears twice");
	expect_error("1 " K_SEQ "\n2\n", "keys:2: expected 'ID KEY'");
	expect_error("1 " K_SEQ " extra\n", "keys:1: expected");
	expect_error("0 " K_SEQ "\n", "keys:1: key id must be 1..4294967295");
	expect_error("4294967296 " K_SEQ "\n", "key id must be");
	expect_error("-1 " K_SEQ "\n", "key id must be");
	expect_error("0x10 " K_SEQ "\n", "key id must be");
	expect_error("one " K_SEQ "\n", "key id must be");
	expect_error("\n\n1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",
		     "keys:3: key 1 must be 32 bytes in base64 (44 characters), not 43");
	expect_error("1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8fHw==\n",
		     "not 48 characters");
	expect_error("1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd!h8=\n",
		     "keys:1: key 1 is not valid base64");
	expect_error("1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd-_8=\n",
		     "not valid base64");
	expect_error("1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\n",
		     "keys:1: key 1 is 31 bytes, not 32");
	expect_error("1 " K_SEQ "\ncurrent 2\n", "'current 2' names no key");
	expect_error("1 " K_SEQ "\ncurrent 1\ncurrent 1\n",
		     "keys:3: second 'current' line");
	expect_error("1 " K_SEQ "\ncurrent 0\n", "keys:2: key id must be");
	expect_error("1 " K_SEQ "\ncurrent\n", "keys:2: expected");
	expect_error("[keys]\n", "keys:1: expected");
}

static void
test_load_file(void **state)
{
	char err[256], big_name[64];
	struct sl_keyring *kr;
	const char *path;
	char *big;
	size_t i;
	int fd;

	(void)state;
	path = write_file("ok", "9 " K_SEQ "\n", 0600);
	kr = sl_keyring_load(path, err, sizeof(err));
	if (kr == NULL)
		fail_msg("%s", err);
	assert_int_equal(sl_keyring_current(kr), 9);
	sl_keyring_free(kr);
	path = write_file("ro", "9 " K_SEQ "\n", 0400);
	kr = sl_keyring_load(path, err, sizeof(err));
	assert_non_null(kr);
	sl_keyring_free(kr);

	path = write_file("world", "9 " K_SEQ "\n", 0644);
	assert_null(sl_keyring_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "group or others (mode 0644)"));
	path = write_file("group", "9 " K_SEQ "\n", 0640);
	assert_null(sl_keyring_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "mode 0640"));
	path = write_file("other-x", "9 " K_SEQ "\n", 0601);
	assert_null(sl_keyring_load(path, err, sizeof(err)));

	path = write_file("syntax", "9 " K_SEQ "\nbad line here\n", 0600);
	assert_null(sl_keyring_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: expected"));
	assert_non_null(strstr(err, path));

	assert_null(sl_keyring_load(tmpdir, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));
	snprintf(big_name, sizeof(big_name), "%s/missing", tmpdir);
	assert_null(sl_keyring_load(big_name, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));

	/* Over the size limit. */
	big = malloc(SL_KEYRING_FILE_MAX + 2);
	assert_non_null(big);
	for (i = 0; i <= SL_KEYRING_FILE_MAX; i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	big[SL_KEYRING_FILE_MAX + 1] = '\0';
	path = write_file("big", big, 0600);
	free(big);
	assert_null(sl_keyring_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "larger than"));

	/* Owned by someone else: only root can make such a file here. */
	if (geteuid() == 0) {
		path = write_file("other-owner", "9 " K_SEQ "\n", 0600);
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(fchown(fd, 65534, (gid_t)-1), 0);
		assert_int_equal(close(fd), 0);
		assert_null(sl_keyring_load(path, err, sizeof(err)));
		assert_non_null(strstr(err, "owned by uid 65534"));
	}
}

static void
test_changed(void **state)
{
	struct timespec stamp = { 0, 0 }, pause = { 0, 20 * 1000 * 1000 };
	char path[256], tmp[256];
	const char *p;

	(void)state;
	p = write_file("rot", "1 " K_SEQ "\n", 0600);
	snprintf(path, sizeof(path), "%s", p);
	assert_int_equal(sl_keyring_changed(path, &stamp), 1);
	assert_int_equal(sl_keyring_changed(path, &stamp), 0);
	assert_int_equal(sl_keyring_changed(path, &stamp), 0);
	/* Rotation the documented way: a new file renamed over the old. */
	nanosleep(&pause, NULL);
	p = write_file("rot.new", "1 " K_SEQ "\n2 " K_FF "\n", 0600);
	snprintf(tmp, sizeof(tmp), "%s", p);
	assert_int_equal(rename(tmp, path), 0);
	assert_int_equal(sl_keyring_changed(path, &stamp), 1);
	assert_int_equal(sl_keyring_changed(path, &stamp), 0);
	/* A change in place (even one that restores the mtime) too. */
	nanosleep(&pause, NULL);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(sl_keyring_changed(path, &stamp), 1);
	assert_int_equal(sl_keyring_changed(path, &stamp), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(sl_keyring_changed(path, &stamp), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_changed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
