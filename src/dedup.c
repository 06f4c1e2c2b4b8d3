/*
 * dedup.c: sharded open-addressing sets of 128-bit fingerprints.
 *
 * Slots hold the fingerprint itself; all-zero marks an empty slot, so the
 * one fingerprint that is genuinely zero (the nil UUID) is tracked by a
 * flag of its shard.  Linear probing from a hash of the fingerprint; a
 * shard doubles when it is three quarters full.
 */
#include "dedup.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "util.h"

#define DEDUP_SHARDS 256
#define DEDUP_MIN_SLOTS 256

#define fp dedup_fp

struct dedup_shard {
	pthread_mutex_t lock;
	struct fp *_Atomic slots_pub;	/* for prefetching without the lock */
	_Atomic size_t mask_pub;
	struct fp *slots;
	size_t nslots;		/* a power of two */
	size_t used;
	int has_zero;
	char pad[64];		/* keep shards' locks on their own lines */
};

struct dedup {
	struct dedup_shard shards[DEDUP_SHARDS];
};

static void shard_grow(struct dedup_shard *s, size_t n);

struct dedup *
dedup_new(size_t expect)
{
	struct dedup *d = xcalloc(1, sizeof(*d));
	size_t i, per = expect / DEDUP_SHARDS, n = DEDUP_MIN_SLOTS;

	/* room for `per` at most three quarters full */
	while (n < SIZE_MAX / 8 && n * 3 < per * 4)
		n *= 2;
	for (i = 0; i < DEDUP_SHARDS; i++) {
		pthread_mutex_init(&d->shards[i].lock, NULL);
		shard_grow(&d->shards[i], n);
	}
	return d;
}

void
dedup_free(struct dedup *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < DEDUP_SHARDS; i++) {
		pthread_mutex_destroy(&d->shards[i].lock);
		free(d->shards[i].slots);
	}
	free(d);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A canonical 8-4-4-4-12 UUID as 128 bits; -1 if `s` is not one. */
static int
uuid_parse(const char *s, size_t len, struct fp *out)
{
	uint64_t w[2] = { 0, 0 };
	size_t i;
	int k = 0;

	if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' ||
	    s[23] != '-')
		return -1;
	for (i = 0; i < 36; i++) {
		int v;

		if (i == 8 || i == 13 || i == 18 || i == 23)
			continue;
		v = hexval(s[i]);
		if (v < 0)
			return -1;
		w[k / 16] = w[k / 16] << 4 | (uint64_t)v;
		k++;
	}
	out->a = w[0];
	out->b = w[1];
	return 0;
}

static size_t
fp_slot(const struct fp *f)
{
	return (size_t)hash_mix(f->a ^ 0x9e3779b97f4a7c15ULL,
	    f->b ^ 0xc2b2ae3d27d4eb4fULL);
}

static void
shard_grow(struct dedup_shard *s, size_t n)
{
	struct fp *slots = xcalloc(n, sizeof(*slots));
	size_t i;

	for (i = 0; i < s->nslots; i++) {
		struct fp *f = &s->slots[i];
		size_t j;

		if (f->a == 0 && f->b == 0)
			continue;
		j = (fp_slot(f) >> 8) & (n - 1);
		while (slots[j].a != 0 || slots[j].b != 0)
			j = (j + 1) & (n - 1);
		slots[j] = *f;
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = n;
	atomic_store_explicit(&s->slots_pub, slots, memory_order_relaxed);
	atomic_store_explicit(&s->mask_pub, n - 1, memory_order_relaxed);
}

void
dedup_fingerprint(const char *id, size_t len, struct dedup_fp *f)
{
	if (uuid_parse(id, len, f) < 0) {
		f->a = hash_bytes(id, len, 0x243f6a8885a308d3ULL);
		f->b = hash_bytes(id, len, 0x13198a2e03707344ULL);
	}
}

void
dedup_prefetch(struct dedup *d, const struct dedup_fp *f)
{
	size_t h = fp_slot(f);
	struct dedup_shard *s = &d->shards[h & (DEDUP_SHARDS - 1)];
	struct fp *slots = atomic_load_explicit(&s->slots_pub,
	    memory_order_relaxed);
	size_t mask = atomic_load_explicit(&s->mask_pub, memory_order_relaxed);

	/* the pair may be stale or torn during a resize: a prefetch of a
	 * wrong address is only a wasted hint, never a fault */
	if (slots != NULL)
		__builtin_prefetch((const char *)slots +
		    ((h >> 8) & mask) * sizeof(*slots));
}

int
dedup_insert(struct dedup *d, const struct dedup_fp *fp)
{
	struct fp f = *fp;
	struct dedup_shard *s;
	size_t h, j;
	int added = 1;

	h = fp_slot(&f);
	s = &d->shards[h & (DEDUP_SHARDS - 1)];
	pthread_mutex_lock(&s->lock);
	if (f.a == 0 && f.b == 0) {
		added = !s->has_zero;
		s->has_zero = 1;
		goto out;
	}
	if ((s->used + 1) * 4 > s->nslots * 3)
		shard_grow(s, s->nslots * 2);
	j = (h >> 8) & (s->nslots - 1);
	for (;;) {
		struct fp *slot = &s->slots[j];

		if (slot->a == 0 && slot->b == 0) {
			*slot = f;
			s->used++;
			break;
		}
		if (slot->a == f.a && slot->b == f.b) {
			added = 0;
			break;
		}
		j = (j + 1) & (s->nslots - 1);
	}
out:
	pthread_mutex_unlock(&s->lock);
	return added;
}

int
dedup_add(struct dedup *d, const char *id, size_t len)
{
	struct fp f;

	dedup_fingerprint(id, len, &f);
	return dedup_insert(d, &f);
}

size_t
dedup_bytes(struct dedup *d)
{
	size_t i, n = 0;

	for (i = 0; i < DEDUP_SHARDS; i++)
		n += d->shards[i].nslots * sizeof(struct fp);
	return n;
}
