/*
 * utilhist.c: the utilization histograms (utilhist.h): an open-addressing
 * table with linear probing, grown at half full.
 */
#include <stdlib.h>
#include <string.h>

#include "dec.h"
#include "utilhist.h"
#include "util.h"

void
utilhist_init(struct utilhist *h)
{
	memset(h, 0, sizeof(*h));
}

void
utilhist_release(struct utilhist *h)
{
	free(h->bins);
	free(h->slots);
	utilhist_init(h);
}

static uint64_t
utilhist_hash(uint32_t group, uint32_t col, int64_t value)
{
	uint64_t x = ((uint64_t)group << 2 | col) * 0x9e3779b97f4a7c15ULL;

	x ^= (uint64_t)value * 0xc2b2ae3d27d4eb4fULL;
	x ^= x >> 29;
	return x * 0x165667b19e3779f9ULL;
}

static void
utilhist_grow(struct utilhist *h)
{
	size_t n = h->nslots ? h->nslots * 2 : 1024, i;

	free(h->slots);
	h->slots = xcalloc(n, sizeof(*h->slots));
	h->nslots = n;
	for (i = 0; i < h->n; i++) {
		const struct utilhist_bin *b = &h->bins[i];
		size_t s = utilhist_hash(b->group, b->col, b->value) & (n - 1);

		while (h->slots[s] != 0)
			s = (s + 1) & (n - 1);
		h->slots[s] = (uint32_t)(i + 1);
	}
}

void
utilhist_add(struct utilhist *h, uint32_t group, uint32_t col,
    int64_t value, uint64_t count)
{
	size_t s;

	if ((h->n + 1) * 2 > h->nslots)
		utilhist_grow(h);
	s = utilhist_hash(group, col, value) & (h->nslots - 1);
	while (h->slots[s] != 0) {
		struct utilhist_bin *b = &h->bins[h->slots[s] - 1];

		if (b->group == group && b->col == col && b->value == value) {
			b->count += count;
			return;
		}
		s = (s + 1) & (h->nslots - 1);
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->bins = xreallocarray(h->bins, h->cap, sizeof(*h->bins));
	}
	h->bins[h->n] = (struct utilhist_bin){ group, col, value, count };
	h->slots[s] = (uint32_t)(++h->n);
}

int
utilhist_value(const char *s, size_t len, int64_t *out)
{
	dec_t d, unit = DEC_ONE / 1000000;

	if (dec_parse(s, len, &d) < 0 || d < 0 || d % unit != 0 ||
	    d / unit >= (dec_t)1000000000000000000LL)
		return -1;
	*out = (int64_t)(d / unit);
	return 0;
}
