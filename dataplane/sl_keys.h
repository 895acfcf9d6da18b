/* sl_keys.h: envelope key files (format in docs/envelope.md, "Key files").
 *
 * A keyring is the set of 32-byte keys of one key file, by id, and the id
 * writers encrypt with. Keys live in libsodium's guarded memory (locked,
 * between guard pages, read-only once loaded) and are wiped on free.
 * A loaded keyring is immutable, so threads may read it concurrently;
 * rotation loads a new keyring and swaps it in. */
#ifndef SL_KEYS_H
#define SL_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct sl_keyring;

/* Largest key file accepted. */
#define SL_KEYRING_FILE_MAX (1u << 20)

/* Loads the key file at path. The file must be a regular file owned by
 * the effective user with no group or other permission bits (it holds
 * secrets). Returns the keyring, owned by the caller (sl_keyring_free),
 * or NULL with a message naming the file (and line) in err. */
struct sl_keyring *sl_keyring_load(const char *path, char *err, size_t errlen);

/* Parses key file text[0..len) (need not be NUL-terminated); name is used
 * in error messages only. Same return as sl_keyring_load(), without the
 * file checks. */
struct sl_keyring *sl_keyring_parse(const char *name, const char *text, size_t len,
				    char *err, size_t errlen);

/* Checks that the open file fd (named path in messages) may hold keys:
 * a regular file, owned by the effective user, no group or other
 * permission bits, at most SL_KEYRING_FILE_MAX bytes. Returns 0, or -1
 * with a message in err. */
int sl_keyring_check_fd(int fd, const char *path, char *err, size_t errlen);

/* Frees a keyring, wiping its keys. NULL is a no-op. */
void sl_keyring_free(struct sl_keyring *kr);

/* The 32-byte key with this id, or NULL when the keyring has none. The
 * pointer is valid (read-only) until sl_keyring_free(kr). */
const uint8_t *sl_keyring_get(const struct sl_keyring *kr, uint32_t id);

/* Id of the key writers encrypt with (the file's `current` line, else the
 * highest id); never 0. */
uint32_t sl_keyring_current(const struct sl_keyring *kr);

/* Number of keys in the keyring (>= 1). */
size_t sl_keyring_count(const struct sl_keyring *kr);

/* For rotation without restart: stats path and compares its change time
 * (ctime, which also moves on rename-over and cannot be preserved by
 * cp -p, unlike the mtime) with *stamp. Returns 1 when it differs (then
 * *stamp is updated: reload the file), 0 when not, -1 when path cannot be
 * stat()ed (errno set). Start with *stamp zeroed: the first call says 1. */
int sl_keyring_changed(const char *path, struct timespec *stamp);

#endif
