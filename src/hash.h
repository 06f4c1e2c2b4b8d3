/*
 * hash.h: a fast 64-bit hash of byte strings for the in-memory tables.
 * Not for anything an attacker could exploit beyond slowing a table down.
 */
#ifndef CU_HASH_H
#define CU_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int
hash_little_endian(void)
{
	return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

/* 64x64 -> 128-bit multiply, folded: the mixing step. */
static inline uint64_t
hash_mix(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * The last len (0 to 7) bytes of a string as a little-endian word, as
 * memcpy(&v, p, len) into v = 0 gives on a little-endian machine, but
 * with whole-word loads: copying byte by byte and then loading the word
 * stalls on store forwarding, which cost short strings a third of their
 * hashing time.  `back` is how many bytes before p may be read (0 to 8).
 */
static inline uint64_t
hash_tail(const unsigned char *p, size_t len, size_t back)
{
	uint32_t lo, hi;
	uint64_t v;

	if (len == 0)
		return 0;
	if (back >= 8 - len) {
		/* the 8 bytes ending at p + len, the extra ones shifted out */
		memcpy(&v, p + len - 8, 8);
		if (!hash_little_endian())
			v = __builtin_bswap64(v);
		return v >> (8 * (8 - len));
	}
	if (len >= 4) {
		/* two overlapping 4-byte words; the overlap agrees */
		memcpy(&lo, p, 4);
		memcpy(&hi, p + len - 4, 4);
		if (!hash_little_endian()) {
			lo = __builtin_bswap32(lo);
			hi = __builtin_bswap32(hi);
		}
		return (uint64_t)lo | (uint64_t)hi << (8 * (len - 4));
	}
	return (uint64_t)p[0] | (uint64_t)p[len >> 1] << (8 * (len >> 1)) |
	    (uint64_t)p[len - 1] << (8 * (len - 1));
}

static inline uint64_t
hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ hash_mix(len ^ 0x9e3779b97f4a7c15ULL,
	    0xa0761d6478bd642fULL);
	size_t back = 0;
	uint64_t v;

	while (len >= 16) {
		uint64_t a, b;

		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = hash_mix(h ^ a ^ 0xe7037ed1a0b428dbULL,
		    b ^ 0x8ebc6af09c88c6e3ULL);
		p += 16;
		len -= 16;
		back = 8;
	}
	if (len >= 8) {
		memcpy(&v, p, 8);
		h = hash_mix(h ^ v, 0xe7037ed1a0b428dbULL);
		p += 8;
		len -= 8;
		back = 8;
	}
	v = hash_tail(p, len, back);
	h = hash_mix(h ^ v ^ ((uint64_t)len << 59), 0x589965cc75374cc3ULL);
	return hash_mix(h, 0x1d8e4e27c47d124fULL);
}

/*
 * memcmp(a, b, len) == 0, inline for the short keys the tables hold
 * (names, tuples of ids): overlapping word loads instead of a call.
 */
static inline int
hash_equal(const void *a, const void *b, size_t len)
{
	const unsigned char *p = a, *q = b;
	uint64_t x, y, u, v;
	uint32_t x4, y4, u4, v4;

	if (len > 16)
		return memcmp(a, b, len) == 0;
	if (len >= 8) {
		memcpy(&x, p, 8);
		memcpy(&y, q, 8);
		memcpy(&u, p + len - 8, 8);
		memcpy(&v, q + len - 8, 8);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	if (len >= 4) {
		memcpy(&x4, p, 4);
		memcpy(&y4, q, 4);
		memcpy(&u4, p + len - 4, 4);
		memcpy(&v4, q + len - 4, 4);
		return ((x4 ^ y4) | (u4 ^ v4)) == 0;
	}
	if (len == 0)
		return 1;
	return p[0] == q[0] && p[len >> 1] == q[len >> 1] &&
	    p[len - 1] == q[len - 1];
}

#endif
