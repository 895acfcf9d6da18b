/* fuzz_config.c: the configuration reader, --set overrides and the
 * cross-key checks.
 *
 * Each input is a configuration file. sl_config_load() takes a path, so
 * the bytes go into a memfd that is read back through /proc/self/fd/N
 * (no disk, nothing left behind). The first line is also tried as a
 * --set assignment, on top of the loaded file and on fresh defaults. No
 * input may crash; every failure must leave a non-empty NUL-terminated
 * message; a configuration that passes validation must hold only what
 * the loader promises (legal topic templates, bounded tables). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "sl_config.h"
#include "sl_fuzz.h"
#include "sl_route.h"

/* Error buffers are heap blocks of exactly their stated size, so a write
 * past errlen is an ASan report; the short one makes long messages hit
 * the truncation path. */
#define ERR_LEN       512
#define ERR_LEN_SHORT 24

/* struct sl_config holds the whole router; keep it off the stack. */
static struct sl_config cfg;
static int memfd = -1;
static char memfd_path[64];

static int
str_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static char *
err_alloc(size_t len)
{
	char *err = malloc(len);

	SL_FUZZ_CHECK(err != NULL);
	memset(err, 0x7F, len);
	return err;
}

/* Checks the error contract of a step that returned rc. */
static void
check_err(int rc, const char *err, size_t errlen)
{
	SL_FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == 0)
		return;
	SL_FUZZ_CHECK(str_terminated(err, errlen));
	SL_FUZZ_CHECK(err[0] != '\0');
}

/* What a configuration that passed validation must look like. */
static void
check_valid(const struct sl_config *c)
{
	unsigned i, j;

	SL_FUZZ_CHECK(c->n_ports <= SL_CONFIG_MAX_PORTS);
	SL_FUZZ_CHECK(c->n_kafka_props <= SL_CONFIG_MAX_KAFKA_PROPS);
	SL_FUZZ_CHECK(c->router.n_rules <= SL_ROUTE_MAX_RULES);
	SL_FUZZ_CHECK(str_terminated(c->router.default_topic,
				     sizeof(c->router.default_topic)));
	SL_FUZZ_CHECK(sl_route_template_check(c->router.default_topic, NULL, 0) == 0);
	for (i = 0; i < c->router.n_rules; i++) {
		const struct sl_route_rule *r = &c->router.rules[i];

		SL_FUZZ_CHECK(str_terminated(r->name, sizeof(r->name)));
		SL_FUZZ_CHECK(str_terminated(r->topic, sizeof(r->topic)));
		SL_FUZZ_CHECK(sl_route_template_check(r->topic, NULL, 0) == 0);
		SL_FUZZ_CHECK(r->n_app <= SL_ROUTE_MAX_GLOBS);
		SL_FUZZ_CHECK(r->n_host <= SL_ROUTE_MAX_GLOBS);
		for (j = 0; j < r->n_app; j++)
			SL_FUZZ_CHECK(str_terminated(r->app[j], SL_ROUTE_PATTERN_MAX));
		for (j = 0; j < r->n_host; j++)
			SL_FUZZ_CHECK(str_terminated(r->host[j], SL_ROUTE_PATTERN_MAX));
		SL_FUZZ_CHECK(r->net_prefix >= -1 && r->net_prefix <= 128);
	}
	for (i = 0; i < c->n_ports; i++) {
		SL_FUZZ_CHECK(str_terminated(c->ports[i].name, sizeof(c->ports[i].name)));
		SL_FUZZ_CHECK(str_terminated(c->ports[i].devargs,
					     sizeof(c->ports[i].devargs)));
		SL_FUZZ_CHECK(c->ports[i].devargs[0] != '\0');
	}
	for (i = 0; i < c->n_kafka_props; i++) {
		SL_FUZZ_CHECK(str_terminated(c->kafka_props[i].key,
					     sizeof(c->kafka_props[i].key)));
		SL_FUZZ_CHECK(str_terminated(c->kafka_props[i].value,
					     sizeof(c->kafka_props[i].value)));
	}
	SL_FUZZ_CHECK(str_terminated(c->eal_args, sizeof(c->eal_args)));
	SL_FUZZ_CHECK(str_terminated(c->eal_file_prefix, sizeof(c->eal_file_prefix)));
	SL_FUZZ_CHECK(str_terminated(c->eal_cores, sizeof(c->eal_cores)));
	SL_FUZZ_CHECK(str_terminated(c->kafka_brokers, sizeof(c->kafka_brokers)));
	SL_FUZZ_CHECK(str_terminated(c->path, sizeof(c->path)));
}

/* Validates c and, when it passes, checks what it holds. */
static void
validate(const struct sl_config *c)
{
	char *err = err_alloc(ERR_LEN);
	int rc;

	rc = sl_config_validate(c, err, ERR_LEN);
	check_err(rc, err, ERR_LEN);
	if (rc == 0)
		check_valid(c);
	free(err);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	memfd = memfd_create("sluice-fuzz-config", MFD_CLOEXEC);
	if (memfd < 0) {
		fprintf(stderr, "fuzz_config: memfd_create: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl != NULL ? (size_t)(nl - data) : size;
	char *err, *line;
	ssize_t w;
	int rc;

	SL_FUZZ_CHECK(ftruncate(memfd, 0) == 0);
	w = size > 0 ? pwrite(memfd, data, size, 0) : 0;
	SL_FUZZ_CHECK(w >= 0 && (size_t)w == size);

	sl_config_defaults(&cfg);
	validate(&cfg);

	err = err_alloc(ERR_LEN);
	rc = sl_config_load(&cfg, memfd_path, err, ERR_LEN);
	check_err(rc, err, ERR_LEN);
	free(err);
	if (rc == 0)
		validate(&cfg);

	/* The first line as an override: a NUL inside it ends the string,
	 * as it would for a command-line argument. */
	line = malloc(first + 1);
	SL_FUZZ_CHECK(line != NULL);
	memcpy(line, data, first);
	line[first] = '\0';

	err = err_alloc(ERR_LEN);
	rc = sl_config_set(&cfg, line, err, ERR_LEN);
	check_err(rc, err, ERR_LEN);
	free(err);
	validate(&cfg);

	sl_config_defaults(&cfg);
	err = err_alloc(ERR_LEN_SHORT);
	rc = sl_config_set(&cfg, line, err, ERR_LEN_SHORT);
	check_err(rc, err, ERR_LEN_SHORT);
	free(err);
	validate(&cfg);

	free(line);
	return 0;
}
