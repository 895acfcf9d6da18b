/* sl_source.c: per-worker source table on rte_hash. */
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "sl_source.h"

struct sl_source_table *
sl_source_table_create(const char *name, unsigned capacity, int socket)
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
	t->entries = rte_zmalloc_socket("sl_sources",
		(size_t)(capacity + 1) * sizeof(struct sl_source),
		RTE_CACHE_LINE_SIZE, socket);
	if (t->entries == NULL)
		goto fail;
	t->index = rte_hash_create(&hp);
	if (t->index == NULL)
		goto fail;
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
	s->hash = hash;
	return s;
}
