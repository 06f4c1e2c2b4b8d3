/*
 * dedup.c: sharded open-addressing sets of job-run fingerprints.
 *
 * A slot holds 96 bits of a mix of the 128-bit fingerprint (slot_of()):
 * 12 bytes, so that a table three quarters full costs 16 bytes a job run.
 * Two JOB_IDs are taken for one only when those 96 bits agree: for any
 * two distinct IDs about one chance in 2^96, so once in 10^15 exports of
 * ten million job runs.  All-zero marks an empty
 * slot, so a fingerprint whose 96 bits are zero is tracked by a flag of
 * its shard.  Linear probing from a hash of the 96 bits, scaled to the
 * table's size (any size, not a power of two, so the tables are as big as
 * the expected job runs need); a shard grows by half when it is three
 * quarters full.
 */
#include "dedup.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hash.h"
#include "util.h"

#define DEDUP_SHARDS 256
#define DEDUP_MIN_SLOTS 16

#define fp dedup_fp

/* A slot: 96 bits of a fingerprint (slot_of()). */
struct slot {
	uint32_t w[3];
};

struct dedup_shard {
	pthread_mutex_t lock;
	struct slot *slots;
	size_t nslots;
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
	struct slot *_Atomic slots;
	_Atomic size_t n;
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
static struct slot *
table_alloc(size_t n)
{
	size_t len = n * sizeof(struct slot);
	void *p;

	if (len < 65536)
		return xcalloc(n, sizeof(struct slot));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die(EXIT_FAILURE_OTHER, "out of memory (%zu bytes)", len);
	return p;
}

static void
table_free(struct slot *t, size_t n)
{
	size_t len = n * sizeof(struct slot);

	if (t == NULL)
		return;
	if (len < 65536)
		free(t);
	else
		munmap(t, len);
}

static int
in_arena(const struct dedup *d, const struct slot *slots)
{
	return d->arena != NULL && (const char *)slots >= d->arena &&
	    (const char *)slots < d->arena + d->arena_len;
}

static size_t
isqrt(size_t x)
{
	size_t r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

struct dedup *
dedup_new(size_t expect)
{
	struct dedup *d = xcalloc(1, sizeof(*d));
	size_t i, per = expect / DEDUP_SHARDS, n = DEDUP_MIN_SLOTS, len;

	/* room for `per` at most three quarters full, and for four
	 * standard deviations more (the shards' shares vary): no shard of
	 * an export as big as expected grows */
	if (per > n * 3 / 4)
		n = (per + 4 * isqrt(per)) / 3 * 4 + 4;
	len = n * sizeof(struct slot) * DEDUP_SHARDS;
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
			s->slots = (struct slot *)(void *)(d->arena +
			    i * n * sizeof(struct slot));
			s->nslots = n;
			atomic_store_explicit(&d->pub[i].slots, s->slots,
			    memory_order_relaxed);
			atomic_store_explicit(&d->pub[i].n, n,
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

/* MurmurHash3's finalizer: a bijection of 64 bits, every bit in every. */
static inline uint64_t
fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/*
 * The 96 bits of f a slot keeps: f through a three-round Feistel network
 * (a bijection of its 128 bits, so distinct fingerprints stay distinct
 * before the cut, however alike: IDs one digit apart, counters), cut to
 * 96 bits.
 */
static inline struct slot
slot_of(const struct fp *f)
{
	uint64_t l = f->a, r = f->b;
	struct slot v;

	r ^= fmix64(l + 0x6a09e667f3bcc909ULL);
	l ^= fmix64(r + 0xbb67ae8584caa73bULL);
	r ^= fmix64(l + 0x3c6ef372fe94f82bULL);
	v.w[0] = (uint32_t)l;
	v.w[1] = (uint32_t)(l >> 32);
	v.w[2] = (uint32_t)r;
	return v;
}

static inline int
slot_empty(const struct slot *v)
{
	return (v->w[0] | v->w[1] | v->w[2]) == 0;
}

static inline int
slot_eq(const struct slot *x, const struct slot *y)
{
	return x->w[0] == y->w[0] && x->w[1] == y->w[1] && x->w[2] == y->w[2];
}

/*
 * The hash of a slot's bits: its first 64, already the output of the
 * Feistel network's last round (every bit depends on every bit of the
 * fingerprint), so not mixed again.  Its shard is the low byte, its home
 * the high bits (slot_home()).
 */
static inline uint64_t
slot_hash(const struct slot *v)
{
	return (uint64_t)v->w[1] << 32 | v->w[0];
}

/* Its home in a table of n slots: the hash's high bits, scaled. */
static inline size_t
slot_home(uint64_t h, size_t n)
{
	__extension__ unsigned __int128 r = (unsigned __int128)h * n;

	return (size_t)(r >> 64);
}

#ifdef MADV_DONTNEED
/*
 * The pages in [p, p + len) that hold nothing else: the tables in the
 * arena are not page-aligned, and a page they share with the next table
 * must keep its bytes.
 */
static void
pages_release(void *p, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + pg - 1) & ~(uintptr_t)(pg - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(uintptr_t)(pg - 1);

	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}
#endif

static void
shard_grow(struct dedup *d, struct dedup_shard *s, size_t n)
{
	struct slot *slots = table_alloc(n);
	size_t i;

	for (i = 0; i < s->nslots; i++) {
		struct slot *v = &s->slots[i];
		size_t j;

		if (slot_empty(v))
			continue;
		j = slot_home(slot_hash(v), n);
		while (!slot_empty(&slots[j]))
			j = j + 1 == n ? 0 : j + 1;
		slots[j] = *v;
	}
	if (!in_arena(d, s->slots))
		table_free(s->slots, s->nslots);
#ifdef MADV_DONTNEED
	else	/* give back the pages wholly the outgrown table's */
		pages_release(s->slots, s->nslots * sizeof(*slots));
#endif
	s->slots = slots;
	s->nslots = n;
	atomic_store_explicit(&d->pub[s - d->shards].slots, slots,
	    memory_order_relaxed);
	atomic_store_explicit(&d->pub[s - d->shards].n, n,
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
	struct slot v = slot_of(f);
	uint64_t h = slot_hash(&v);
	struct dedup_pub *p = &d->pub[h & (DEDUP_SHARDS - 1)];
	struct slot *slots = atomic_load_explicit(&p->slots,
	    memory_order_relaxed);
	size_t n = atomic_load_explicit(&p->n, memory_order_relaxed);

	/* the pair may be stale or torn during a resize: a prefetch of a
	 * wrong address is only a wasted hint, never a fault */
	if (slots != NULL)
		__builtin_prefetch(slots + slot_home(h, n));
}

int
dedup_insert(struct dedup *d, const struct dedup_fp *fp)
{
	struct slot v = slot_of(fp);
	uint64_t h = slot_hash(&v);
	struct dedup_shard *s = &d->shards[h & (DEDUP_SHARDS - 1)];
	size_t j;
	int added = 1;

	pthread_mutex_lock(&s->lock);
	if (slot_empty(&v)) {
		added = !s->has_zero;
		s->has_zero = 1;
		goto out;
	}
	if ((s->used + 1) * 4 > s->nslots * 3)
		shard_grow(d, s, s->nslots ? s->nslots + s->nslots / 2 :
		    DEDUP_MIN_SLOTS);
	j = slot_home(h, s->nslots);
	for (;;) {
		struct slot *x = &s->slots[j];

		if (slot_empty(x)) {
			*x = v;
			s->used++;
			break;
		}
		if (slot_eq(x, &v)) {
			added = 0;
			break;
		}
		j = j + 1 == s->nslots ? 0 : j + 1;
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
		n += d->shards[i].nslots * sizeof(struct slot);
	return n;
}
