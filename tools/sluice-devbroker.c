/* sluice-devbroker: runs the embedded Kafka (librdkafka's mock cluster) as
 * a process for development and tests. It prints the bootstrap address,
 * optionally publishes it in a file once the requested topics exist, and
 * serves until SIGTERM or SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl_kafka_embedded.h"

#define DEVBROKER_MAX_TOPICS 256

/* One --topic NAME[:PARTITIONS]; partitions 0 means the --partitions
 * default. name points into argv. */
struct devbroker_topic {
	const char *name;
	int partitions;
};

/* Parsed command line. Every field is within the bounds the embedded
 * cluster accepts once parse_args() returned 0. */
struct devbroker_args {
	unsigned brokers;
	unsigned partitions;
	const char *bootstrap_file;
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->brokers = 3;
	a->partitions = SL_KAFKA_EMBEDDED_AUTO_PARTITIONS;
	a->bootstrap_file = NULL;
	a->n_topics = 0;

	while ((c = getopt_long(argc, argv, "b:p:t:f:h", opts, NULL)) != -1) {
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

int
main(int argc, char **argv)
{
	static struct devbroker_args args;
	struct sl_kafka_embedded *ke = NULL;
	const char *bootstrap;
	char err[512];
	sigset_t stop_signals;
	int published = 0;
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
	if (published && unlink(args.bootstrap_file) < 0) {
		fprintf(stderr, "sluice-devbroker: %s: %s\n",
			args.bootstrap_file, strerror(errno));
		status = 1;
	}
	sl_kafka_embedded_stop(ke);
	return status;
}
