/*
 * strtab.c: string interning in an open-addressing table (linear probing,
 * at most half full), the strings in an arena of 64 KiB chunks.
 *
 * The table is small and hot (a column has tens to thousands of distinct
 * values), so a lookup is one hash of the value, usually one probe and one
 * short memcmp, all in cache.
 */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "util.h"

#define STRTAB_SEED 0x3c6ef372fe94f82bULL

void
strtab_init(struct strtab *t)
{
	memset(t, 0, sizeof(*t));
	t->nslots = 64;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	t->max = STRTAB_MAX;
}

void
strtab_release(struct strtab *t)
{
	arena_release(&t->strs);
	free(t->ents);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static void
strtab_rehash(struct strtab *t)
{
	size_t n = t->nslots * 2, i;
	uint32_t *slots = xcalloc(n, sizeof(*slots));

	for (i = 0; i < t->n; i++) {
		size_t j = (size_t)t->ents[i].hash & (n - 1);

		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
}

uint32_t
strtab_intern(struct strtab *t, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len, STRTAB_SEED);
	size_t j = (size_t)h & (t->nslots - 1);
	struct strtab_ent *e;

	for (;;) {
		uint32_t v = t->slots[j];

		if (v == 0)
			break;
		e = &t->ents[v - 1];
		if (e->hash == h && e->len == len && hash_equal(e->s, s, len))
			return v - 1;
		j = (j + 1) & (t->nslots - 1);
	}
	if ((t->n >= t->max && t->n > 0) || len > UINT32_MAX) {
		/* the caller reports it once the table is filled; an id it
		 * may use meanwhile (the empty string's, made if need be) */
		t->full = 1;
		return t->n > 0 ? 0 : strtab_intern(t, "", 0);
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->ents = xreallocarray(t->ents, t->cap, sizeof(*t->ents));
	}
	e = &t->ents[t->n];
	e->hash = h;
	e->s = arena_store(&t->strs, s, len);
	e->len = (uint32_t)len;
	t->slots[j] = (uint32_t)(++t->n);
	if (t->n * 2 > t->nslots)
		strtab_rehash(t);
	return (uint32_t)(t->n - 1);
}

int
strtab_check(const struct strtab *t)
{
	return t->full ? error("too many distinct values") : 0;
}
