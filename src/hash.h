/*
 * hash.h: a fast 64-bit hash of byte strings for the in-memory tables.
 * Not for anything an attacker could exploit beyond slowing a table down.
 */
#ifndef CU_HASH_H
#define CU_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 64x64 -> 128-bit multiply, folded: the mixing step. */
static inline uint64_t
hash_mix(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t
hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ hash_mix(len ^ 0x9e3779b97f4a7c15ULL,
	    0xa0761d6478bd642fULL);
	uint64_t v;

	while (len >= 16) {
		uint64_t a, b;

		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = hash_mix(h ^ a ^ 0xe7037ed1a0b428dbULL,
		    b ^ 0x8ebc6af09c88c6e3ULL);
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		memcpy(&v, p, 8);
		h = hash_mix(h ^ v, 0xe7037ed1a0b428dbULL);
		p += 8;
		len -= 8;
	}
	v = 0;
	memcpy(&v, p, len);
	h = hash_mix(h ^ v ^ ((uint64_t)len << 59), 0x589965cc75374cc3ULL);
	return hash_mix(h, 0x1d8e4e27c47d124fULL);
}

#endif
