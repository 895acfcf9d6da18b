/* sl_source.c: per-worker source table on rte_hash. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "sl_meta.h"
#include "sl_source.h"

struct sl_source_table *
sl_source_table_create(const char *name, unsigned capacity, int socket,
		       unsigned owner)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(struct sl_addr),
		.socket_id = socket,
		/* Single writer (the owning worker) and no concurrent
		 * reader on the hot path: the default, lock-free mode. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct sl_source_table *t;

	t = rte_zmalloc_socket("sl_source_table", sizeof(*t), 0, socket);
	if (t == NULL)
		goto fail;
	t->capacity = capacity;
	t->owner = owner;
	t->entries = rte_zmalloc_socket("sl_sources",
		(size_t)(capacity + 1) * sizeof(struct sl_source),
		RTE_CACHE_LINE_SIZE, socket);
	if (t->entries == NULL)
		goto fail;
	t->index = rte_hash_create(&hp);
	if (t->index == NULL)
		goto fail;
	t->entries[capacity].tag.kind = SL_ACK_SOURCE;
	t->entries[capacity].owner = owner;
	return t;
fail:
	{
		int err = rte_errno;

		sl_source_table_free(t);
		rte_errno = err != 0 ? err : ENOMEM;
	}
	return NULL;
}

void
sl_source_table_free(struct sl_source_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->index);
	rte_free(t->entries);
	rte_free(t);
}

struct sl_source *
sl_source_get(struct sl_source_table *t, const struct sl_addr *a,
	      uint32_t hash)
{
	struct sl_addr key = *a;
	struct sl_source *s;
	int32_t pos;

	key.port = 0;
	pos = rte_hash_lookup_with_hash(t->index, &key, hash);
	if (pos >= 0)
		return &t->entries[pos];
	if (t->used < t->capacity)
		pos = rte_hash_add_key_with_hash(t->index, &key, hash);
	if (pos < 0 || (unsigned)pos >= t->capacity) {
		t->overflowed++;
		return &t->entries[t->capacity];
	}
	t->used++;
	s = &t->entries[pos];
	memset(s, 0, sizeof(*s));
	s->addr = key;
	s->tag.partition_hash = hash;
	s->tag.kind = SL_ACK_SOURCE;
	s->owner = t->owner;
	{
		char text[SL_ADDR_STRLEN];
		size_t n = sl_addr_format_ip(&key, text);

		if (n < sizeof(s->ip_text)) {
			memcpy(s->ip_text, text, n + 1);
			s->ip_len = (uint8_t)n;
		}
	}
	return s;
}

static int
busier_first(const void *a, const void *b)
{
	const struct sl_source *x = *(const struct sl_source *const *)a;
	const struct sl_source *y = *(const struct sl_source *const *)b;

	return x->msgs_in < y->msgs_in ? 1 : x->msgs_in > y->msgs_in ? -1 : 0;
}

static void
print_one(FILE *f, const char *label, const char *host,
	  const struct sl_source *s)
{
	fprintf(f, "%s host=%s in=%" PRIu64 " bytes=%" PRIu64 " delivered=%"
		PRIu64 " failed=%" PRIu64 " unacked=%" PRIu64 "\n", label, host,
		s->msgs_in, s->bytes_in, s->delivered, s->failed,
		s->msgs_in - s->delivered - s->failed);
}

void
sl_source_table_print(const struct sl_source_table *t, FILE *f,
		      const char *label, unsigned max)
{
	const struct sl_source **order;
	const struct sl_source *over = &t->entries[t->capacity];
	char host[SL_ADDR_STRLEN];
	unsigned i, n = 0;

	order = malloc(sizeof(*order) * (t->used + 1));
	if (order == NULL) {
		fprintf(f, "%s (out of memory listing %u sources)\n", label, t->used);
		return;
	}
	for (i = 0; i < t->capacity && n < t->used; i++)
		if (t->entries[i].addr.family != 0)
			order[n++] = &t->entries[i];
	qsort(order, n, sizeof(*order), busier_first);
	for (i = 0; i < n && i < max; i++) {
		sl_addr_format_ip(&order[i]->addr, host);
		print_one(f, label, host, order[i]);
	}
	if (n > max)
		fprintf(f, "%s ... %u more source(s)\n", label, n - max);
	if (over->msgs_in != 0)
		print_one(f, label, "(beyond max_sources)", over);
	free(order);
}
