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
#include <sys/mman.h>

#include "hash.h"
#include "util.h"

#define DEDUP_SHARDS 256
#define DEDUP_MIN_SLOTS 16

#define fp dedup_fp

struct dedup_shard {
	pthread_mutex_t lock;
	struct fp *slots;
	size_t nslots;		/* a power of two */
	size_t used;
	int has_zero;
	char pad[64];		/* keep shards' locks on their own lines */
};

/*
 * A shard's table as prefetching sees it, without the lock.  Apart from
 * the shards: their lines are written at every insert (the lock, the
 * count), and a prefetch that read them would wait for the other core's
 * copy as often as not.  These change only when a table grows.
 */
struct dedup_pub {
	struct fp *_Atomic slots;
	_Atomic size_t mask;
};

struct dedup {
	struct dedup_pub pub[DEDUP_SHARDS];
	struct dedup_shard shards[DEDUP_SHARDS];
	/*
	 * The shards' first tables, carved from one mapping backed by huge
	 * pages where the kernel allows: the lookups land anywhere in it, and
	 * with 4 KB pages nearly every one would also miss the TLB.
	 */
	char *arena;
	size_t arena_len;
};

#define HUGE_PAGE ((size_t)2 << 20)

static void shard_grow(struct dedup *d, struct dedup_shard *s, size_t n);

/*
 * A table of n zeroed slots.  Big ones are mapped directly, so that the
 * tables a shard outgrows go back to the system at once instead of
 * lingering in the heap.
 */
static struct fp *
table_alloc(size_t n)
{
	size_t len = n * sizeof(struct fp);
	void *p;

	if (len < 65536)
		return xcalloc(n, sizeof(struct fp));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die(EXIT_FAILURE_OTHER, "out of memory (%zu bytes)", len);
	return p;
}

static void
table_free(struct fp *t, size_t n)
{
	size_t len = n * sizeof(struct fp);

	if (t == NULL)
		return;
	if (len < 65536)
		free(t);
	else
		munmap(t, len);
}

static int
in_arena(const struct dedup *d, const struct fp *slots)
{
	return d->arena != NULL && (const char *)slots >= d->arena &&
	    (const char *)slots < d->arena + d->arena_len;
}

struct dedup *
dedup_new(size_t expect)
{
	struct dedup *d = xcalloc(1, sizeof(*d));
	size_t i, per = expect / DEDUP_SHARDS, n = DEDUP_MIN_SLOTS, len;

	/* room for `per` at most three quarters full */
	while (n < SIZE_MAX / 8 && n * 3 < per * 4)
		n *= 2;
	len = n * sizeof(struct fp) * DEDUP_SHARDS;
	if (len >= HUGE_PAGE) {
		/* round up to whole huge pages; the mapping comes zeroed */
		len = (len + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
		d->arena = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (d->arena == MAP_FAILED) {
			d->arena = NULL;
		} else {
			/* align to a huge page; give back the slack */
			char *a = (char *)(((uintptr_t)d->arena +
			    HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
			size_t head = (size_t)(a - d->arena);

			if (head)
				munmap(d->arena, head);
			if (HUGE_PAGE - head)
				munmap(a + len, HUGE_PAGE - head);
			d->arena = a;
			d->arena_len = len;
#ifdef MADV_HUGEPAGE
			madvise(a, len, MADV_HUGEPAGE);
#endif
		}
	}
	for (i = 0; i < DEDUP_SHARDS; i++) {
		struct dedup_shard *s = &d->shards[i];

		pthread_mutex_init(&s->lock, NULL);
		if (d->arena != NULL) {
			s->slots = (struct fp *)(d->arena +
			    i * n * sizeof(struct fp));
			s->nslots = n;
			atomic_store_explicit(&d->pub[i].slots, s->slots,
			    memory_order_relaxed);
			atomic_store_explicit(&d->pub[i].mask, n - 1,
			    memory_order_relaxed);
		}
		/* else its table comes with its first fingerprint */
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
		if (!in_arena(d, d->shards[i].slots))
			table_free(d->shards[i].slots, d->shards[i].nslots);
	}
	if (d->arena != NULL)
		munmap(d->arena, d->arena_len);
	free(d);
}

#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL

/* Per byte of x (all below 0x80): the high bit set where byte >= c. */
static inline uint64_t
bytes_ge(uint64_t x, unsigned c)
{
	return ((x | HIGH) - c * ONES) & HIGH;
}

/*
 * Eight hex digits, as loaded from memory, to their 32-bit value; sets
 * *bad when any byte is not a hex digit.  Eight bytes at a time in one
 * register: random hex mixes digits and letters, which a byte-at-a-time
 * branchy version mispredicts on almost every character.
 */
static inline uint64_t
hex8(const char *s, int *bad)
{
	uint64_t x, lo, digit, letter;

	memcpy(&x, s, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);	/* first character in the low byte */
#endif
	lo = x | 0x2020202020202020ULL;
	digit = bytes_ge(x, 0x30) & ~bytes_ge(x, 0x3a);
	letter = bytes_ge(lo, 0x61) & ~bytes_ge(lo, 0x67);
	*bad |= (x & HIGH) != 0 || (digit | letter) != HIGH;
	/* each byte to its nibble: letters have bit 6 set and need 9 more */
	x = (x & 0x0f0f0f0f0f0f0f0fULL) + ((x >> 6) & ONES) * 9;
	/* the first character is the most significant nibble */
	x = __builtin_bswap64(x);
	x = (x | x >> 4) & 0x00ff00ff00ff00ffULL;
	x = (x | x >> 8) & 0x0000ffff0000ffffULL;
	x = (x | x >> 16) & 0x00000000ffffffffULL;
	return x;
}

/* A canonical 8-4-4-4-12 UUID as 128 bits; -1 if `s` is not one. */
static int
uuid_parse(const char *s, size_t len, struct fp *out)
{
	char h[32];
	int bad = 0;

	if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' ||
	    s[23] != '-')
		return -1;
	memcpy(h, s, 8);
	memcpy(h + 8, s + 9, 4);
	memcpy(h + 12, s + 14, 4);
	memcpy(h + 16, s + 19, 4);
	memcpy(h + 20, s + 24, 12);
	out->a = hex8(h, &bad) << 32 | hex8(h + 8, &bad);
	out->b = hex8(h + 16, &bad) << 32 | hex8(h + 24, &bad);
	return bad ? -1 : 0;
}

static size_t
fp_slot(const struct fp *f)
{
	return (size_t)hash_mix(f->a ^ 0x9e3779b97f4a7c15ULL,
	    f->b ^ 0xc2b2ae3d27d4eb4fULL);
}

static void
shard_grow(struct dedup *d, struct dedup_shard *s, size_t n)
{
	struct fp *slots = table_alloc(n);
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
	if (!in_arena(d, s->slots))
		table_free(s->slots, s->nslots);
#ifdef MADV_DONTNEED
	else	/* give the outgrown table's pages back */
		madvise(s->slots, s->nslots * sizeof(*slots), MADV_DONTNEED);
#endif
	s->slots = slots;
	s->nslots = n;
	atomic_store_explicit(&d->pub[s - d->shards].slots, slots,
	    memory_order_relaxed);
	atomic_store_explicit(&d->pub[s - d->shards].mask, n - 1,
	    memory_order_relaxed);
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
	struct dedup_pub *p = &d->pub[h & (DEDUP_SHARDS - 1)];
	struct fp *slots = atomic_load_explicit(&p->slots,
	    memory_order_relaxed);
	size_t mask = atomic_load_explicit(&p->mask, memory_order_relaxed);

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
		shard_grow(d, s, s->nslots ? s->nslots * 2 : DEDUP_MIN_SLOTS);
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
