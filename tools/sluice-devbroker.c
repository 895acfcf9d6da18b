/* sluice-devbroker: runs the embedded Kafka (librdkafka's mock cluster) as
 * a process for development and tests. It prints the bootstrap address,
 * optionally publishes it in a file once the requested topics exist, and
 * serves until SIGTERM or SIGINT. With --control it also reads fault
 * commands (brokers down and up, request errors, slow links) from a FIFO,
 * so integration tests can fail the cluster on purpose. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl_kafka_embedded.h"

#define DEVBROKER_MAX_TOPICS 256

/* Longest control line, newline excluded; longer ones are refused whole. */
#define CONTROL_LINE_MAX 4095
/* A line of CONTROL_LINE_MAX bytes holds at most this many words. */
#define CONTROL_MAX_WORDS ((CONTROL_LINE_MAX + 1) / 2)
/* Longest part of a refused line echoed back in the answer. */
#define CONTROL_ECHO_MAX 64

/* One --topic NAME[:PARTITIONS]; partitions 0 means the --partitions
 * default. name points into argv. */
struct devbroker_topic {
	const char *name;
	int partitions;
};

/* The --control reader: a thread that takes line commands from the FIFO
 * at path and applies them to ke. line[0..len) is the part of the
 * current line read so far; overflow is set once that line outgrew
 * CONTROL_LINE_MAX, and the rest of it is skipped up to its newline.
 * wake is a pipe whose read end the thread polls beside the FIFO: main
 * writes one byte to stop it. Only the thread touches line, words and
 * names. */
struct devbroker_control {
	struct sl_kafka_embedded *ke;
	const char *path;
	int wake[2];
	pthread_t thread;
	size_t len;
	int overflow;
	char line[CONTROL_LINE_MAX + 1];
	char *words[CONTROL_MAX_WORDS];
	const char *names[SL_KAFKA_EMBEDDED_MAX_PUSH];
};

/* Parsed command line. Every field is within the bounds the embedded
 * cluster accepts once parse_args() returned 0. */
struct devbroker_args {
	unsigned brokers;
	unsigned partitions;
	const char *bootstrap_file;
	const char *control;
	unsigned n_topics;
	struct devbroker_topic topics[DEVBROKER_MAX_TOPICS];
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-devbroker [--brokers N] [--partitions N]\n"
		"                        [--topic NAME[:PARTITIONS]]... "
		"[--bootstrap-file FILE]\n"
		"                        [--control FIFO]\n"
		"\n"
		"Runs an in-memory Kafka cluster (librdkafka mock brokers on "
		"127.0.0.1)\n"
		"for development and tests, until SIGTERM or SIGINT.\n"
		"\n"
		"  --brokers N           brokers in the cluster, 1..%d "
		"(default 3)\n"
		"  --partitions N        partitions of a --topic without "
		":PARTITIONS,\n"
		"                        1..%d (default %d); topics that "
		"clients create\n"
		"                        on the fly always get %d\n"
		"  --topic NAME[:P]      create topic NAME with P partitions "
		"before\n"
		"                        publishing the address; repeatable\n"
		"  --bootstrap-file FILE once the topics exist, write the "
		"bootstrap\n"
		"                        address to FILE (atomically), remove "
		"it on exit\n"
		"  --control FIFO        create FIFO (mode 0600) and apply the "
		"commands\n"
		"                        written to it, one a line; remove it "
		"on exit:\n"
		"                          down all|ID     up all|ID\n"
		"                          rtt all|ID MS\n"
		"                          errors API ERROR[*N]...   clear API\n"
		"                        each answered on stdout with "
		"\"devbroker: control:\n"
		"                        CMD: ok\" or \"...: error: REASON\"\n"
		"  --help                show this help\n"
		"\n"
		"The bootstrap address (\"127.0.0.1:PORT,...\") is printed on "
		"stdout.\n",
		SL_KAFKA_EMBEDDED_MAX_BROKERS, SL_KAFKA_EMBEDDED_MAX_PARTITIONS,
		SL_KAFKA_EMBEDDED_AUTO_PARTITIONS,
		SL_KAFKA_EMBEDDED_AUTO_PARTITIONS);
}

/* Parses a decimal in [min, max] that makes up all of text. */
static int
parse_uint(const char *text, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Splits "NAME[:PARTITIONS]" in place and checks both parts; text is
 * left as it was when they are not good. */
static int
parse_topic(char *text, struct devbroker_topic *t)
{
	char *colon = strrchr(text, ':');
	unsigned p = 0;

	if (colon != NULL) {
		if (parse_uint(colon + 1, 1, SL_KAFKA_EMBEDDED_MAX_PARTITIONS,
			       &p) < 0)
			return -1;
		*colon = '\0';
	}
	if (!sl_kafka_embedded_topic_name_ok(text)) {
		if (colon != NULL)
			*colon = ':';
		return -1;
	}
	t->name = text;
	t->partitions = (int)p;
	return 0;
}

/* Returns 0, 1 for --help, or -1 with a message on stderr. */
static int
parse_args(int argc, char **argv, struct devbroker_args *a)
{
	static const struct option opts[] = {
		{ "brokers", required_argument, NULL, 'b' },
		{ "partitions", required_argument, NULL, 'p' },
		{ "topic", required_argument, NULL, 't' },
		{ "bootstrap-file", required_argument, NULL, 'f' },
		{ "control", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->brokers = 3;
	a->partitions = SL_KAFKA_EMBEDDED_AUTO_PARTITIONS;
	a->bootstrap_file = NULL;
	a->control = NULL;
	a->n_topics = 0;

	while ((c = getopt_long(argc, argv, "b:p:t:f:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_uint(optarg, 1, SL_KAFKA_EMBEDDED_MAX_BROKERS,
				       &a->brokers) < 0) {
				fprintf(stderr, "sluice-devbroker: bad --brokers "
					"\"%s\"\n", optarg);
				return -1;
			}
			break;
		case 'p':
			if (parse_uint(optarg, 1,
				       SL_KAFKA_EMBEDDED_MAX_PARTITIONS,
				       &a->partitions) < 0) {
				fprintf(stderr, "sluice-devbroker: bad "
					"--partitions \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 't':
			if (a->n_topics == DEVBROKER_MAX_TOPICS) {
				fprintf(stderr, "sluice-devbroker: more than %d "
					"--topic\n", DEVBROKER_MAX_TOPICS);
				return -1;
			}
			if (parse_topic(optarg, &a->topics[a->n_topics]) < 0) {
				fprintf(stderr, "sluice-devbroker: bad --topic "
					"\"%s\": want NAME[:PARTITIONS], NAME of "
					"[A-Za-z0-9._-], PARTITIONS 1..%d\n",
					optarg,
					SL_KAFKA_EMBEDDED_MAX_PARTITIONS);
				return -1;
			}
			a->n_topics++;
			break;
		case 'f':
			if (optarg[0] == '\0') {
				fprintf(stderr, "sluice-devbroker: empty "
					"--bootstrap-file\n");
				return -1;
			}
			a->bootstrap_file = optarg;
			break;
		case 'c':
			if (optarg[0] == '\0') {
				fprintf(stderr, "sluice-devbroker: empty "
					"--control\n");
				return -1;
			}
			a->control = optarg;
			break;
		case 'h':
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sluice-devbroker: unexpected argument \"%s\"\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

/* Writes all of buf to fd, across short writes and EINTR. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Publishes text + '\n' as path: writes path.tmp, then renames it over
 * path, so a reader never sees a partial address. */
static int
publish_file(const char *path, const char *text)
{
	char *tmp = NULL;
	int fd = -1;
	int rc = -1;
	size_t len = strlen(text);

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		fprintf(stderr, "sluice-devbroker: out of memory\n");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "sluice-devbroker: %s: %s\n", tmp,
			strerror(errno));
		goto out;
	}
	if (write_all(fd, text, len) < 0 || write_all(fd, "\n", 1) < 0) {
		fprintf(stderr, "sluice-devbroker: %s: %s\n", tmp,
			strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		fprintf(stderr, "sluice-devbroker: %s: %s\n", tmp,
			strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "sluice-devbroker: rename %s to %s: %s\n", tmp,
			path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Parses "all" or a broker id; the cluster checks the id against its
 * size. */
static int
parse_broker(const char *text, unsigned *id)
{
	if (strcmp(text, "all") == 0) {
		*id = SL_KAFKA_EMBEDDED_ALL_BROKERS;
		return 0;
	}
	return parse_uint(text, 1, SL_KAFKA_EMBEDDED_MAX_BROKERS, id);
}

/* Parses the API word of "errors" and "clear". */
static int
control_api(const char *text, int *api, char *err, size_t errlen)
{
	*api = sl_kafka_embedded_api_key(text);
	if (*api >= 0)
		return 0;
	snprintf(err, errlen, "unknown API \"%.64s\": want a request type "
		 "such as Produce, Fetch, Metadata, FindCoordinator or "
		 "InitProducerId", text);
	return -1;
}

/* "errors API ERROR[*N]...": ERROR*N stands for N times ERROR. */
static int
control_errors(struct devbroker_control *c, char **w, size_t n, char *err,
	       size_t errlen)
{
	size_t total = 0, i;
	int api;

	if (n < 3) {
		snprintf(err, errlen, "bad arguments: want errors API "
			 "ERROR[*N]...");
		return -1;
	}
	if (control_api(w[1], &api, err, errlen) < 0)
		return -1;
	for (i = 2; i < n; i++) {
		char *star = strchr(w[i], '*');
		unsigned times = 1, k;

		if (star != NULL) {
			if (parse_uint(star + 1, 1, SL_KAFKA_EMBEDDED_MAX_PUSH,
				       &times) < 0) {
				snprintf(err, errlen, "bad repeat in \"%.64s\": "
					 "want ERROR*N, N 1..%d", w[i],
					 SL_KAFKA_EMBEDDED_MAX_PUSH);
				return -1;
			}
			*star = '\0';
		}
		if (times > SL_KAFKA_EMBEDDED_MAX_PUSH - total) {
			snprintf(err, errlen, "more than %d errors in one "
				 "command", SL_KAFKA_EMBEDDED_MAX_PUSH);
			return -1;
		}
		for (k = 0; k < times; k++)
			c->names[total++] = w[i];
	}
	return sl_kafka_embedded_push_errors(c->ke, api, c->names, total, err,
					     errlen);
}

/* Applies the command w[0..n), n >= 1. Returns 0, or -1 with the reason
 * in err (errlen bytes). */
static int
control_apply(struct devbroker_control *c, char **w, size_t n, char *err,
	      size_t errlen)
{
	unsigned id, ms;
	int api;

	if (strcmp(w[0], "down") == 0 || strcmp(w[0], "up") == 0) {
		if (n != 2 || parse_broker(w[1], &id) < 0) {
			snprintf(err, errlen, "bad arguments: want %s all|ID, "
				 "ID 1..%u", w[0], sl_kafka_embedded_brokers(c->ke));
			return -1;
		}
		return sl_kafka_embedded_broker_set_down(c->ke, id,
							 w[0][0] == 'd', err,
							 errlen);
	}
	if (strcmp(w[0], "rtt") == 0) {
		if (n != 3 || parse_broker(w[1], &id) < 0 ||
		    parse_uint(w[2], 0, SL_KAFKA_EMBEDDED_MAX_RTT_MS, &ms) < 0) {
			snprintf(err, errlen, "bad arguments: want rtt all|ID MS, "
				 "ID 1..%u, MS 0..%d",
				 sl_kafka_embedded_brokers(c->ke),
				 SL_KAFKA_EMBEDDED_MAX_RTT_MS);
			return -1;
		}
		return sl_kafka_embedded_broker_set_rtt(c->ke, id, ms, err,
							errlen);
	}
	if (strcmp(w[0], "errors") == 0)
		return control_errors(c, w, n, err, errlen);
	if (strcmp(w[0], "clear") == 0) {
		if (n != 2) {
			snprintf(err, errlen, "bad arguments: want clear API");
			return -1;
		}
		if (control_api(w[1], &api, err, errlen) < 0)
			return -1;
		sl_kafka_embedded_clear_errors(c->ke, api);
		return 0;
	}
	snprintf(err, errlen, "unknown command \"%.64s\": want down, up, rtt, "
		 "errors or clear", w[0]);
	return -1;
}

/* Copies text[0..len) to out (outlen bytes, room for the NUL) with
 * anything but printable ASCII shown as '?', so a garbled command
 * cannot garble the log. */
static void
control_echo(char *out, size_t outlen, const char *text, size_t len)
{
	size_t i;

	if (len > outlen - 1)
		len = outlen - 1;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		out[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[len] = '\0';
}

/* Prints the answer to a command: echo is the command as control_echo()
 * shows it, error NULL for success. error may quote the command, so it
 * is shown the same way. Answers go to stdout, after the bootstrap
 * address, so a test finds them in one log. */
static void
control_answer(const char *echo, const char *error)
{
	char shown[512];
	int rc;

	if (error == NULL) {
		rc = printf("devbroker: control: %s: ok\n", echo);
	} else {
		control_echo(shown, sizeof(shown), error, strlen(error));
		rc = printf("devbroker: control: %s: error: %s\n", echo, shown);
	}
	if (rc < 0 || fflush(stdout) == EOF)
		fprintf(stderr, "sluice-devbroker: control: stdout: %s\n",
			strerror(errno));
}

/* Runs the line in c->line[0..c->len): splits it into words, applies it
 * and answers. Blank lines and lines starting with '#' are skipped
 * without an answer. */
static void
control_line(struct devbroker_control *c)
{
	char echo[CONTROL_LINE_MAX + 1];
	char err[512];
	size_t n = 0, e = 0, i;
	char *p = c->line;
	char *end = c->line + c->len;

	if (c->overflow) {
		char head[CONTROL_ECHO_MAX + 1];

		control_echo(head, sizeof(head), c->line, c->len);
		snprintf(err, sizeof(err), "line longer than %d bytes",
			 CONTROL_LINE_MAX);
		snprintf(echo, sizeof(echo), "%s...", head);
		control_answer(echo, err);
		return;
	}
	*end = '\0';
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			*p++ = '\0';
		if (p == end)
			break;
		c->words[n++] = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
	}
	if (n == 0 || c->words[0][0] == '#')
		return;

	/* The echo is made before control_apply() cuts ERROR*N words. */
	for (i = 0; i < n; i++) {
		size_t wl = strlen(c->words[i]);

		if (i > 0)
			echo[e++] = ' ';
		control_echo(echo + e, sizeof(echo) - e, c->words[i], wl);
		e += wl;
	}
	if (control_apply(c, c->words, n, err, sizeof(err)) < 0)
		control_answer(echo, err);
	else
		control_answer(echo, NULL);
}

/* Takes bytes read from the FIFO. A NUL would end a word early and could
 * turn garbage into a valid command, so it becomes 0x01, which no
 * command or name contains. */
static void
control_feed(struct devbroker_control *c, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = buf[i] == '\0' ? '\x01' : buf[i];

		if (ch == '\n') {
			control_line(c);
			c->len = 0;
			c->overflow = 0;
		} else if (c->len == CONTROL_LINE_MAX) {
			c->overflow = 1;
		} else if (!c->overflow) {
			c->line[c->len++] = ch;
		}
	}
}

/* Serves the FIFO, opened as fd, until its last writer closed it
 * (returns 0), main asked to stop (1), or reading failed (-1). A line
 * the writer left without a newline is run as it stands. */
static int
control_serve(struct devbroker_control *c, int fd)
{
	char buf[4096];
	struct pollfd pfd[2];
	ssize_t n;

	for (;;) {
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = c->wake[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sluice-devbroker: control: poll: %s\n",
				strerror(errno));
			return -1;
		}
		if (pfd[1].revents != 0)
			return 1;
		if (pfd[0].revents == 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			control_feed(c, buf, (size_t)n);
			continue;
		}
		if (n == 0) {
			if (c->len > 0 || c->overflow)
				control_line(c);
			c->len = 0;
			c->overflow = 0;
			return 0;
		}
		if (errno == EINTR || errno == EAGAIN)
			continue;
		fprintf(stderr, "sluice-devbroker: control: %s: %s\n", c->path,
			strerror(errno));
		return -1;
	}
}

/* The control thread. A FIFO reader sees end-of-file for good once its
 * writers are gone, so it opens the FIFO anew for the next writer.
 * O_NONBLOCK lets open() return without a writer, and the thread waits
 * in poll() instead, where main's wake byte reaches it. */
static void *
control_thread(void *arg)
{
	struct devbroker_control *c = arg;
	int rc = 0;

	while (rc == 0) {
		int fd = open(c->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sluice-devbroker: control: %s: %s\n",
				c->path, strerror(errno));
			return NULL;
		}
		rc = control_serve(c, fd);
		if (close(fd) < 0)
			fprintf(stderr, "sluice-devbroker: control: close: %s\n",
				strerror(errno));
	}
	return NULL;
}

/* Creates the FIFO at path and starts the thread that serves it. Returns
 * 0, or -1 with a message on stderr and nothing left behind. */
static int
control_start(struct devbroker_control *c, struct sl_kafka_embedded *ke,
	      const char *path)
{
	int rc;

	c->ke = ke;
	c->path = path;
	c->len = 0;
	c->overflow = 0;
	if (mkfifo(path, 0600) < 0) {
		fprintf(stderr, "sluice-devbroker: mkfifo %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (pipe2(c->wake, O_CLOEXEC) < 0) {
		fprintf(stderr, "sluice-devbroker: pipe: %s\n", strerror(errno));
		goto fail_fifo;
	}
	rc = pthread_create(&c->thread, NULL, control_thread, c);
	if (rc != 0) {
		fprintf(stderr, "sluice-devbroker: control thread: %s\n",
			strerror(rc));
		goto fail_pipe;
	}
	return 0;

fail_pipe:
	close(c->wake[0]);
	close(c->wake[1]);
fail_fifo:
	unlink(path);
	return -1;
}

/* Stops the control thread, which may be in the middle of a command, and
 * removes the FIFO. Must run before the cluster stops. Returns 0, or -1
 * with a message on stderr. */
static int
control_stop(struct devbroker_control *c)
{
	int status = 0;
	int rc;

	/* One byte into an empty pipe whose reader is open cannot block,
	 * and without it the join below would never return. */
	if (write_all(c->wake[1], "x", 1) < 0) {
		fprintf(stderr, "sluice-devbroker: control: wake: %s\n",
			strerror(errno));
		exit(1);
	}
	rc = pthread_join(c->thread, NULL);
	if (rc != 0) {
		fprintf(stderr, "sluice-devbroker: control: join: %s\n",
			strerror(rc));
		status = -1;
	}
	close(c->wake[0]);
	close(c->wake[1]);
	if (unlink(c->path) < 0) {
		fprintf(stderr, "sluice-devbroker: %s: %s\n", c->path,
			strerror(errno));
		status = -1;
	}
	return status;
}

int
main(int argc, char **argv)
{
	static struct devbroker_args args;
	static struct devbroker_control control;
	struct sl_kafka_embedded *ke = NULL;
	const char *bootstrap;
	char err[512];
	sigset_t stop_signals;
	int published = 0;
	int controlled = 0;
	int status = 1;
	int sig;
	unsigned i;
	int rc;

	rc = parse_args(argc, argv, &args);
	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}

	/* Blocked before the cluster starts, so its threads inherit the mask
	 * and the signals wait for sigwait() below. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	rc = pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	if (rc != 0) {
		fprintf(stderr, "sluice-devbroker: pthread_sigmask: %s\n",
			strerror(rc));
		return 1;
	}

	ke = sl_kafka_embedded_start(args.brokers, args.partitions, err,
				     sizeof(err));
	if (ke == NULL) {
		fprintf(stderr, "sluice-devbroker: %s\n", err);
		return 1;
	}
	for (i = 0; i < args.n_topics; i++) {
		rc = sl_kafka_embedded_topic(ke, args.topics[i].name,
					     args.topics[i].partitions, err,
					     sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "sluice-devbroker: %s\n", err);
			goto out;
		}
		if (rc > 0)
			fprintf(stderr, "sluice-devbroker: topic %s given "
				"twice, first one kept\n", args.topics[i].name);
	}

	/* Before the address is out, so a test that sees it can send
	 * commands at once. */
	if (args.control != NULL) {
		if (control_start(&control, ke, args.control) < 0)
			goto out;
		controlled = 1;
	}

	bootstrap = sl_kafka_embedded_bootstrap(ke);
	if (printf("%s\n", bootstrap) < 0 || fflush(stdout) == EOF) {
		fprintf(stderr, "sluice-devbroker: stdout: %s\n",
			strerror(errno));
		goto out;
	}
	if (args.bootstrap_file != NULL) {
		if (publish_file(args.bootstrap_file, bootstrap) < 0)
			goto out;
		published = 1;
	}

	for (;;) {
		rc = sigwait(&stop_signals, &sig);
		if (rc == 0)
			break;
		if (rc != EINTR) {
			fprintf(stderr, "sluice-devbroker: sigwait: %s\n",
				strerror(rc));
			goto out;
		}
	}
	status = 0;
out:
	if (controlled && control_stop(&control) < 0)
		status = 1;
	if (published && unlink(args.bootstrap_file) < 0) {
		fprintf(stderr, "sluice-devbroker: %s: %s\n",
			args.bootstrap_file, strerror(errno));
		status = 1;
	}
	sl_kafka_embedded_stop(ke);
	return status;
}
