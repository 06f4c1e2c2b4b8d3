/*
 * agg.c: an open-addressing table of groups, keys in an arena.
 */
#include "agg.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

int
metrics_add(struct metrics *dst, const struct metrics *src)
{
	struct metrics r;
	int i;

	/* into a copy: dst stays as it was when a sum does not fit */
	if (__builtin_add_overflow(dst->jobs, src->jobs, &r.jobs))
		return 1 + METRIC_JOBS;
	if (dec_add(dst->run_seconds, src->run_seconds, &r.run_seconds) < 0)
		return 1 + METRIC_SECONDS;
	for (i = 0; i < CR_COUNT; i++)
		if (dec_add(dst->credits[i], src->credits[i],
		    &r.credits[i]) < 0)
			return 1 + i;
	*dst = r;
	return 0;
}

void
metrics_add_bounded(struct metrics *dst, const struct metrics *src)
{
	int which = metrics_add(dst, src);

	if (which)
		die(EXIT_BAD_INPUT, "%s: a sum passes %s (a bug: its inputs "
		    "were checked)", metrics_column(which - 1),
		    "100000000000000000000");
}

int
metrics_add_abs(struct metrics *dst, const struct metrics *src)
{
	struct metrics a;
	int i;

	a.jobs = src->jobs;
	if (dec_abs(src->run_seconds, &a.run_seconds) < 0)
		return 1 + METRIC_SECONDS;
	for (i = 0; i < CR_COUNT; i++)
		if (dec_abs(src->credits[i], &a.credits[i]) < 0)
			return 1 + i;
	return metrics_add(dst, &a);
}

const char *
metrics_column(int which)
{
	static const char *const names[CR_COUNT + 2] = {
		"COMPUTE_CREDITS", "DLC_CREDITS", "USER_CREDITS",
		"STORAGE_CREDITS", "NETWORK_CREDITS", "LEASE_CREDITS",
		"LEASE_OVERAGE_CREDITS", "IPRANGES_CREDITS", "TOTAL_CREDITS",
		"JOB_RUN_SECONDS", "jobs"
	};

	return which >= 0 && which < CR_COUNT + 2 ? names[which] : "?";
}

void
agg_init(struct agg *a)
{
	memset(a, 0, sizeof(*a));
	a->nslots = 64;
	a->slots = xcalloc(a->nslots, sizeof(*a->slots));
	a->max = AGG_MAX;
}

void
agg_release(struct agg *a)
{
	arena_release(&a->keys);
	free(a->groups);
	free(a->slots);
	memset(a, 0, sizeof(*a));
}

uint64_t
agg_hash(const char *key, size_t len)
{
	return hash_bytes(key, len, 0x452821e638d01377ULL);
}

static void
agg_rehash(struct agg *a)
{
	size_t n = a->nslots * 2, i;
	uint32_t *slots = xcalloc(n, sizeof(*slots));

	for (i = 0; i < a->n; i++) {
		size_t j = (size_t)a->groups[i].hash & (n - 1);

		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(a->slots);
	a->slots = slots;
	a->nslots = n;
}

/* The slot of `key`: its group's, or the empty one it would take. */
static size_t
agg_slot(const struct agg *a, const char *key, size_t len, uint64_t hash)
{
	size_t j = (size_t)hash & (a->nslots - 1);

	for (;;) {
		uint32_t s = a->slots[j];
		const struct agg_group *g;

		if (s == 0)
			return j;
		g = &a->groups[s - 1];
		if (g->hash == hash && g->keylen == len &&
		    hash_equal(g->key, key, len))
			return j;
		j = (j + 1) & (a->nslots - 1);
	}
}

const struct agg_group *
agg_find(const struct agg *a, const char *key, size_t len)
{
	uint64_t hash = agg_hash(key, len);
	uint32_t s = a->nslots ? a->slots[agg_slot(a, key, len, hash)] : 0;

	return s ? &a->groups[s - 1] : NULL;
}

struct agg_group *
agg_get(struct agg *a, const char *key, size_t len, uint64_t hash)
{
	size_t j = agg_slot(a, key, len, hash);
	struct agg_group *g;

	if (a->slots[j] != 0)
		return &a->groups[a->slots[j] - 1];
	if (a->n >= a->max) {
		/* the caller reports it once the table is filled */
		a->full = 1;
		memset(&a->spill, 0, sizeof(a->spill));
		a->spill.key = "";
		return &a->spill;
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->groups = xreallocarray(a->groups, a->cap,
		    sizeof(*a->groups));
	}
	g = &a->groups[a->n];
	memset(g, 0, sizeof(*g));
	g->hash = hash;
	g->key = arena_store(&a->keys, key, len);
	g->keylen = (uint32_t)len;
	a->slots[j] = (uint32_t)(++a->n);
	if (a->n * 2 > a->nslots)
		agg_rehash(a);
	return &a->groups[a->n - 1];
}

int
agg_check(const struct agg *a)
{
	return a->full ? error("too many groups") : 0;
}

void
agg_merge(struct agg *dst, const struct agg *src)
{
	size_t i;

	for (i = 0; i < src->n; i++) {
		const struct agg_group *s = &src->groups[i];
		struct agg_group *d = agg_get(dst, s->key, s->keylen, s->hash);

		metrics_add_bounded(&d->m, &s->m);
	}
}

void
agg_key_add(struct sbuf *key, const char *v, size_t len)
{
	uint32_t n = (uint32_t)len;

	/* Keys are capped by the reader's record size, well below 4 GiB. */
	if (sbuf_add(key, &n, sizeof(n)) < 0 || sbuf_add(key, v, len) < 0)
		die(EXIT_FAILURE_OTHER, "group key too long");
}

const char *
agg_key_part(const char *key, size_t keylen, size_t i, size_t *len)
{
	size_t off = 0;
	uint32_t n;

	for (;;) {
		if (off + sizeof(n) > keylen) {
			*len = 0;
			return "";
		}
		memcpy(&n, key + off, sizeof(n));
		off += sizeof(n);
		if (i == 0) {
			*len = n;
			return key + off;
		}
		off += n;
		i--;
	}
}
