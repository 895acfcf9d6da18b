/* sl_ctl_client.c: sluicectl's client of DPDK telemetry sockets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sl_ctl_client.h"

/* The greeting is a small object; DPDK sends well under this. */
#define CTL_GREETING_MAX 4096
/* Bounds on what a greeting may ask us to allocate per answer. */
#define CTL_MIN_OUTPUT 1024
#define CTL_MAX_OUTPUT (16u << 20)
/* What DPDK 22.11 sends when the greeting does not say. */
#define CTL_DEFAULT_OUTPUT 16384

static const char hint_access[] =
	"run sluicectl as the user sluiced runs as, or as root";

/* Waits until fd is readable. Returns SL_CTL_OK, SL_CTL_ETIMEDOUT or
 * SL_CTL_ESYS (errno set). */
static enum sl_ctl_error
wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return SL_CTL_ESYS;
	return rc == 0 ? SL_CTL_ETIMEDOUT : SL_CTL_OK;
}

/* Receives one packet of at most cap bytes into buf. Returns its length,
 * 0 when the peer closed, -1 with errno set, or -2 when the packet was
 * longer than cap. */
static ssize_t
recv_packet(int fd, char *buf, size_t cap)
{
	ssize_t n;

	do
		n = recv(fd, buf, cap, MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n > 0 && (size_t)n > cap)
		return -2;
	return n;
}

/* Reads and checks the greeting; sets c->max_len. */
static enum sl_ctl_error
read_greeting(struct sl_ctl_conn *c, char *err, size_t errlen)
{
	char text[CTL_GREETING_MAX + 1];
	enum sl_ctl_error e;
	json_error_t jerr;
	json_t *root, *v;
	ssize_t n;

	e = wait_readable(c->fd, c->timeout_ms);
	if (e == SL_CTL_ETIMEDOUT) {
		snprintf(err, errlen, "%s does not answer (no greeting within %d ms)",
			 c->path, c->timeout_ms);
		return e;
	}
	if (e != SL_CTL_OK) {
		snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
		return e;
	}
	n = recv_packet(c->fd, text, CTL_GREETING_MAX);
	if (n == 0) {
		snprintf(err, errlen, "%s closed the connection at once "
			 "(too many telemetry clients connected?)", c->path);
		return SL_CTL_ECLOSED;
	}
	if (n == -1) {
		snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
		return SL_CTL_ESYS;
	}
	if (n < 0) {
		snprintf(err, errlen, "%s: greeting too long: not DPDK telemetry",
			 c->path);
		return SL_CTL_EPROTO;
	}
	root = json_loadb(text, (size_t)n, 0, &jerr);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "%s: greeting is not a JSON object: not DPDK telemetry",
			 c->path);
		return SL_CTL_EPROTO;
	}
	c->max_len = CTL_DEFAULT_OUTPUT;
	v = json_object_get(root, "max_output_len");
	if (v != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < CTL_MIN_OUTPUT ||
		    json_integer_value(v) > CTL_MAX_OUTPUT) {
			json_decref(root);
			snprintf(err, errlen, "%s: greeting has a bad max_output_len",
				 c->path);
			return SL_CTL_EPROTO;
		}
		c->max_len = (size_t)json_integer_value(v);
	}
	json_decref(root);
	return SL_CTL_OK;
}

/* Fills sa with path, or when it is too long, with /proc/self/fd/N/NAME
 * where *dir_fd (N) is its directory opened here; the caller closes
 * *dir_fd (-1 when unused) after connect(). Returns 0 or -1 with errno. */
static int
socket_address(const char *path, struct sockaddr_un *sa, int *dir_fd)
{
	const char *slash;
	char dir[PATH_MAX];
	size_t dir_len;
	int n;

	*dir_fd = -1;
	if (strlen(path) < sizeof(sa->sun_path)) {
		memcpy(sa->sun_path, path, strlen(path) + 1);
		return 0;
	}
	slash = strrchr(path, '/');
	if (slash == NULL || (size_t)(slash - path) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	dir_len = slash == path ? 1 : (size_t)(slash - path);
	memcpy(dir, path, dir_len);
	dir[dir_len] = '\0';
	*dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dir_fd < 0)
		return -1;
	n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s",
		     *dir_fd, slash + 1);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path)) {
		close(*dir_fd);
		*dir_fd = -1;
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Words a failed connect() (or the open of the socket's directory). */
static enum sl_ctl_error
connect_error(int saved, const char *path, char *err, size_t errlen)
{
	if (saved == ENOENT || saved == ECONNREFUSED || saved == ENOTDIR) {
		snprintf(err, errlen, "sluiced is not running at %s (%s)", path,
			 strerror(saved));
		return SL_CTL_ENOTRUNNING;
	}
	if (saved == EACCES || saved == EPERM) {
		snprintf(err, errlen, "%s: permission denied: %s", path, hint_access);
		return SL_CTL_EACCES;
	}
	if (saved == EPROTOTYPE || saved == ENOTSOCK) {
		snprintf(err, errlen, "%s is not a DPDK telemetry socket", path);
		return SL_CTL_EPROTO;
	}
	snprintf(err, errlen, "%s: %s", path, strerror(saved));
	return SL_CTL_ESYS;
}

enum sl_ctl_error
sl_ctl_connect(struct sl_ctl_conn *c, const char *path, int timeout_ms,
	       char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	enum sl_ctl_error e;
	int dir_fd, rc, saved;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = timeout_ms;
	if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errlen, "socket path too long");
		return SL_CTL_ESYS;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (socket_address(path, &sa, &dir_fd) != 0)
		return connect_error(errno, path, err, errlen);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		saved = errno;
		if (dir_fd >= 0)
			close(dir_fd);
		snprintf(err, errlen, "socket: %s", strerror(saved));
		return SL_CTL_ESYS;
	}
	rc = connect(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	saved = errno;
	if (dir_fd >= 0)
		close(dir_fd);
	if (rc != 0) {
		sl_ctl_close(c);
		return connect_error(saved, path, err, errlen);
	}
	e = read_greeting(c, err, errlen);
	if (e == SL_CTL_OK) {
		c->buf = malloc(c->max_len + 1);
		if (c->buf == NULL) {
			snprintf(err, errlen, "out of memory");
			e = SL_CTL_ESYS;
		}
	}
	if (e != SL_CTL_OK)
		sl_ctl_close(c);
	return e;
}

/* Checks the raw answer in c->buf: {"cmd": VALUE}. */
static enum sl_ctl_error
parse_answer(struct sl_ctl_conn *c, const char *cmd, json_t **value,
	     char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *v;

	root = json_loadb(c->buf, c->len, 0, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "%s: bad JSON in the answer to %s: %s",
			 c->path, cmd, jerr.text);
		return SL_CTL_EPROTO;
	}
	v = json_object_get(root, cmd);
	if (!json_is_object(root) || json_object_size(root) != 1 || v == NULL) {
		json_decref(root);
		snprintf(err, errlen, "%s: the answer to %s is not {\"%s\": ...}",
			 c->path, cmd, cmd);
		return SL_CTL_EPROTO;
	}
	if (json_is_null(v)) {
		json_decref(root);
		snprintf(err, errlen, "%s does not know %s: a DPDK application, "
			 "not sluiced", c->path, cmd);
		return SL_CTL_ENOTSLUICE;
	}
	*value = json_incref(v);
	json_decref(root);
	return SL_CTL_OK;
}

enum sl_ctl_error
sl_ctl_request(struct sl_ctl_conn *c, const char *cmd, const char *params,
	       json_t **value, char *err, size_t errlen)
{
	char req[SL_CTL_MAX_REQUEST];
	enum sl_ctl_error e;
	ssize_t n;
	int len;

	*value = NULL;
	if (params != NULL && params[0] != '\0')
		len = snprintf(req, sizeof(req), "%s,%s", cmd, params);
	else
		len = snprintf(req, sizeof(req), "%s", cmd);
	if (len < 0 || (size_t)len >= sizeof(req)) {
		snprintf(err, errlen, "request too long (at most %zu bytes)",
			 sizeof(req) - 1);
		return SL_CTL_EPROTO;
	}
	do
		n = send(c->fd, req, (size_t)len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int saved = errno;

		snprintf(err, errlen, "%s: %s", c->path, strerror(saved));
		return saved == EPIPE || saved == ECONNRESET ? SL_CTL_ECLOSED :
							      SL_CTL_ESYS;
	}
	e = wait_readable(c->fd, c->timeout_ms);
	if (e == SL_CTL_ETIMEDOUT) {
		snprintf(err, errlen, "%s does not answer %s (waited %d ms)",
			 c->path, cmd, c->timeout_ms);
		return e;
	}
	if (e != SL_CTL_OK) {
		snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
		return e;
	}
	n = recv_packet(c->fd, c->buf, c->max_len);
	if (n == 0 || (n == -1 && errno == ECONNRESET)) {
		snprintf(err, errlen, "%s closed the connection (sluiced stopped?)",
			 c->path);
		return SL_CTL_ECLOSED;
	}
	if (n == -1) {
		snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
		return SL_CTL_ESYS;
	}
	if (n < 0) {
		snprintf(err, errlen, "%s: the answer to %s is longer than the "
			 "announced %zu bytes", c->path, cmd, c->max_len);
		return SL_CTL_EPROTO;
	}
	c->len = (size_t)n;
	c->buf[c->len] = '\0';
	return parse_answer(c, cmd, value, err, errlen);
}

void
sl_ctl_close(struct sl_ctl_conn *c)
{
	/* Every request was answered before: a failing close loses nothing. */
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
}

int
sl_ctl_socket_path(const char *runtime_dir, const char *prefix, char *out,
		   size_t outlen)
{
	int n;

	if (prefix[0] == '\0' || prefix[0] == '.' || strchr(prefix, '/') != NULL)
		return -1;
	n = snprintf(out, outlen, "%s/%s/%s", runtime_dir, prefix,
		     SL_CTL_SOCKET_NAME);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Whether the socket at path is a running sluiced's: it answers
 * /sluice/status with an object carrying state. Returns SL_CTL_OK,
 * SL_CTL_EACCES, or another error for "not a sluiced". */
static enum sl_ctl_error
probe(const char *path, int timeout_ms)
{
	struct sl_ctl_conn c;
	char err[256];
	enum sl_ctl_error e;
	json_t *v;

	e = sl_ctl_connect(&c, path, timeout_ms, err, sizeof(err));
	if (e != SL_CTL_OK)
		return e;
	e = sl_ctl_request(&c, "/sluice/status", NULL, &v, err, sizeof(err));
	sl_ctl_close(&c);
	if (e != SL_CTL_OK)
		return e;
	if (!json_is_object(v) || !json_is_string(json_object_get(v, "state")))
		e = SL_CTL_EPROTO;
	json_decref(v);
	return e;
}

static int
cmp_prefix(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
sl_ctl_find(const char *runtime_dir, int timeout_ms,
	    char found[][SL_CTL_PREFIX_LEN], enum sl_ctl_error *why, char *err,
	    size_t errlen)
{
	char path[PATH_MAX];
	unsigned denied = 0;
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d;

	d = opendir(runtime_dir);
	if (d == NULL) {
		if (errno == EACCES || errno == EPERM) {
			*why = SL_CTL_EACCES;
			snprintf(err, errlen, "cannot read %s: permission denied: %s",
				 runtime_dir, hint_access);
			return -1;
		}
		if (errno == ENOENT)
			return 0;
		*why = SL_CTL_ESYS;
		snprintf(err, errlen, "%s: %s", runtime_dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		enum sl_ctl_error e;

		if (sl_ctl_socket_path(runtime_dir, de->d_name, path,
				       sizeof(path)) != 0 ||
		    strlen(de->d_name) >= SL_CTL_PREFIX_LEN)
			continue;
		if (stat(path, &st) != 0) {
			if (errno == EACCES)
				denied++;
			continue;
		}
		if (!S_ISSOCK(st.st_mode))
			continue;
		e = probe(path, timeout_ms);
		if (e == SL_CTL_EACCES)
			denied++;
		if (e != SL_CTL_OK)
			continue;
		if (n < SL_CTL_MAX_FOUND)
			memcpy(found[n], de->d_name, strlen(de->d_name) + 1);
		n++;
	}
	if (closedir(d) != 0) {
		*why = SL_CTL_ESYS;
		snprintf(err, errlen, "%s: %s", runtime_dir, strerror(errno));
		return -1;
	}
	if (n == 0 && denied > 0) {
		*why = SL_CTL_EACCES;
		snprintf(err, errlen, "no running sluiced found that answers us: "
			 "permission denied on %u socket(s) in %s: %s", denied,
			 runtime_dir, hint_access);
		return -1;
	}
	qsort(found, n < SL_CTL_MAX_FOUND ? (size_t)n : SL_CTL_MAX_FOUND,
	      SL_CTL_PREFIX_LEN, cmp_prefix);
	return n;
}
