/* sl_source.c: per-worker source table on rte_hash. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "sl_meta.h"
#include "sl_source.h"

/* Slots of a table's cache of recent sources: 64 KiB of pointers at
 * most, enough for the few thousand hosts a worker hears at a time. */
#define SL_SOURCE_RECENT_MAX 8192

/* The cache slot of a source hash. src_hash also picks the worker (and
 * the batch bucket), so its low bits are alike on one worker: the slot
 * comes from the high bits of a multiplicative mix instead. */
static inline uint32_t
recent_slot(const struct sl_source_table *t, uint32_t hash)
{
	return (hash * 0x9E3779B1u >> 16) & t->recent_mask;
}

struct sl_source_table *
sl_source_table_create(const char *name, unsigned capacity, int socket,
		       unsigned owner, uint64_t idle_ns,
		       const struct sl_site_rule *rule)
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
	t->idle_ns = idle_ns;
	t->site_rule = *rule;
	t->entries = rte_zmalloc_socket("sl_sources",
		(size_t)(capacity + 1) * sizeof(struct sl_source),
		RTE_CACHE_LINE_SIZE, socket);
	if (t->entries == NULL)
		goto fail;
	t->recent_mask = RTE_MIN(rte_align32pow2(capacity),
				 (uint32_t)SL_SOURCE_RECENT_MAX) - 1u;
	t->recent = rte_zmalloc_socket("sl_sources_recent",
		(size_t)(t->recent_mask + 1) * sizeof(*t->recent),
		RTE_CACHE_LINE_SIZE, socket);
	if (t->recent == NULL)
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
	rte_free(t->recent);
	rte_free(t->entries);
	rte_free(t);
}

/* Bound on the entries one eviction search looks at, so a full table of
 * busy sources costs a new host a bounded scan, not a walk of the table. */
#define SL_SOURCE_EVICT_SCAN 64

/* Frees one entry idle for t->idle_ns with nothing unacknowledged, looking
 * at up to SL_SOURCE_EVICT_SCAN entries from where the last search ended.
 * Returns 1 when one was freed. */
static int
evict_one(struct sl_source_table *t, uint64_t now_ns)
{
	unsigned i;

	for (i = 0; i < SL_SOURCE_EVICT_SCAN && i < t->capacity; i++) {
		struct sl_source *s = &t->entries[t->evict_cursor];

		t->evict_cursor = t->evict_cursor + 1 == t->capacity ?
				  0 : t->evict_cursor + 1;
		if (s->addr.family == 0 || sl_source_unacked(s) != 0 ||
		    now_ns - s->last_rx_ns <
		    __atomic_load_n(&t->idle_ns, __ATOMIC_RELAXED))
			continue;
		if (rte_hash_del_key_with_hash(t->index, &s->addr,
					       s->tag.partition_hash) < 0)
			continue;
		if (t->recent[recent_slot(t, s->tag.partition_hash)] == s)
			t->recent[recent_slot(t, s->tag.partition_hash)] = NULL;
		s->addr.family = 0;
		t->used--;
		t->evicted++;
		return 1;
	}
	return 0;
}

struct sl_source *
sl_source_get(struct sl_source_table *t, const struct sl_addr *a,
	      uint32_t hash, uint64_t now_ns)
{
	struct sl_source **slot = &t->recent[recent_slot(t, hash)];
	struct sl_addr key = *a;
	struct sl_source *s;
	int32_t pos;

	key.port = 0;
	/* The cache first: a hash lookup costs several times the compare
	 * (bucket scan, signature, key compare through memcmp). */
	s = *slot;
	if (s != NULL && memcmp(&s->addr, &key, sizeof(key)) == 0)
		return s;
	pos = rte_hash_lookup_with_hash(t->index, &key, hash);
	if (pos >= 0) {
		*slot = &t->entries[pos];
		return *slot;
	}
	if (t->used < t->capacity || evict_one(t, now_ns))
		pos = rte_hash_add_key_with_hash(t->index, &key, hash);
	if (pos < 0 || (unsigned)pos >= t->capacity) {
		t->overflowed++;
		return &t->entries[t->capacity];
	}
	t->used++;
	s = &t->entries[pos];
	*slot = s;
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

size_t
sl_site_of(const struct sl_site_rule *rule, const uint8_t *host, size_t len,
	   char *out, size_t cap)
{
	const uint8_t *start = host, *end = host + len, *p;
	unsigned field;
	size_t n;

	out[0] = '\0';
	if (rule->field == 0)
		return 0;
	for (field = 1; field < rule->field; field++) {
		p = memchr(start, rule->separator, (size_t)(end - start));
		if (p == NULL)
			return 0;
		start = p + 1;
	}
	p = memchr(start, rule->separator, (size_t)(end - start));
	/* A hostname without the separator has no site: "web01" is not a
	 * site of its own. */
	if (p == NULL && rule->field == 1)
		return 0;
	n = (size_t)((p != NULL ? p : end) - start);
	if (n == 0 || n >= cap)
		return 0;
	memcpy(out, start, n);
	out[n] = '\0';
	return n;
}

void
sl_source_learn_host(struct sl_source_table *t, struct sl_source *s,
		     const uint8_t *host, uint32_t len)
{
	struct sl_site_rule rule;

	uint8_t gen = __atomic_load_n(&t->site_gen, __ATOMIC_ACQUIRE);

	/* The overflow entry stands for many hosts: no name of its own. */
	if (len == 0 || len >= sizeof(s->host) || s == &t->entries[t->capacity] ||
	    (len == s->host_len && s->site_gen == gen &&
	     memcmp(s->host, host, len) == 0))
		return;
	s->site_gen = gen;
	memcpy(s->host, host, len);
	s->host[len] = '\0';
	s->host_len = (uint8_t)len;
	/* Reload may change the rule from the control thread. */
	rule.separator = __atomic_load_n(&t->site_rule.separator,
					 __ATOMIC_RELAXED);
	rule.field = __atomic_load_n(&t->site_rule.field, __ATOMIC_RELAXED);
	s->site_len = (uint8_t)sl_site_of(&rule, host, len, s->site,
					  sizeof(s->site));
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
