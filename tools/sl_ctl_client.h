/* sl_ctl_client.h: sluicectl's client of DPDK telemetry sockets.
 *
 * A DPDK application serves telemetry on the AF_UNIX SOCK_SEQPACKET
 * socket RUNTIME_DIR/FILE_PREFIX/dpdk_telemetry.v2. On connect it sends a
 * greeting, a JSON object with max_output_len; then every request
 * "COMMAND[,PARAMS]" gets one packet back, the JSON object
 * {"COMMAND": VALUE}, VALUE null for a command it does not know. */
#ifndef SL_CTL_CLIENT_H
#define SL_CTL_CLIENT_H

#include <limits.h>
#include <stddef.h>

#include <jansson.h>

#define SL_CTL_SOCKET_NAME "dpdk_telemetry.v2"
/* Where DPDK keeps the runtime directories of the applications root runs. */
#define SL_CTL_RUNTIME_DIR "/var/run/dpdk"
/* Longest request DPDK telemetry reads in one packet, with its NUL. */
#define SL_CTL_MAX_REQUEST 1024
/* Most prefixes sl_ctl_find() reports when several sluiced run. */
#define SL_CTL_MAX_FOUND 16
/* Room for one file prefix (a directory name) and its NUL. */
#define SL_CTL_PREFIX_LEN 256

/* How a connection or a request failed, so the caller can word it and
 * choose the exit status. */
enum sl_ctl_error {
	SL_CTL_OK = 0,
	SL_CTL_ENOTRUNNING,   /* no socket, or nothing listening on it */
	SL_CTL_EACCES,        /* the socket or its directory is not ours */
	SL_CTL_ETIMEDOUT,     /* no greeting or answer in time */
	SL_CTL_ECLOSED,       /* the server hung up */
	SL_CTL_EPROTO,        /* an answer that is not the JSON we expect */
	SL_CTL_ENOTSLUICE,    /* a DPDK application without /sluice/ commands */
	SL_CTL_ESYS,          /* any other system error */
};

/* One open connection. fd is -1 when closed. buf holds max_len + 1 bytes:
 * after a successful sl_ctl_request() it holds the raw answer, NUL
 * terminated, len bytes long. path names the socket for messages; it may
 * be longer than a sockaddr_un holds (see sl_ctl_connect()). */
struct sl_ctl_conn {
	int fd;
	int timeout_ms;
	size_t max_len;
	size_t len;
	char *buf;
	char path[PATH_MAX];
};

/* Connects to the telemetry socket at path and reads its greeting,
 * waiting at most timeout_ms for each. A path too long for a sockaddr_un
 * is reached through its directory, /proc/self/fd/N/NAME. Returns SL_CTL_OK with *c open
 * (close it with sl_ctl_close()), or an error with a sentence naming path
 * in err and *c closed. */
enum sl_ctl_error sl_ctl_connect(struct sl_ctl_conn *c, const char *path,
				 int timeout_ms, char *err, size_t errlen);

/* Sends "cmd" or "cmd,params" (params NULL or "" for none) and reads the
 * answer. Returns SL_CTL_OK with *value set to a new reference to VALUE
 * (the caller json_decref()s it; never JSON null), or an error with err
 * set. SL_CTL_ENOTSLUICE when VALUE is null: the application does not
 * know the command. */
enum sl_ctl_error sl_ctl_request(struct sl_ctl_conn *c, const char *cmd,
				 const char *params, json_t **value,
				 char *err, size_t errlen);

/* Closes c; harmless on a closed connection. */
void sl_ctl_close(struct sl_ctl_conn *c);

/* Builds the socket path of file prefix under runtime_dir into out.
 * Returns 0, or -1 when it does not fit in outlen (PATH_MAX is enough)
 * or prefix is not a plain name. */
int sl_ctl_socket_path(const char *runtime_dir, const char *prefix,
		       char *out, size_t outlen);

/* Looks in runtime_dir/STAR/dpdk_telemetry.v2 for the sockets of running
 * sluiced, those that answer /sluice/status (other DPDK applications and
 * stale sockets are skipped). Copies the prefixes of the first
 * SL_CTL_MAX_FOUND into found, sorted, and returns how many there are in
 * all. Returns -1 with *why and err set when runtime_dir cannot be read,
 * or when none was found and some sockets refused us (SL_CTL_EACCES). */
int sl_ctl_find(const char *runtime_dir, int timeout_ms,
		char found[][SL_CTL_PREFIX_LEN], enum sl_ctl_error *why,
		char *err, size_t errlen);

#endif
