/*
 * test_strtab.c: the string table (strtab.h): dense ids in order of first
 * appearance, the same id for the same bytes (NUL and empty included),
 * growth past many rehashes and arena chunks, a full table; and hash.h's word-load
 * helpers against the byte-by-byte code they replace.
 */
#include "unit.h"

#include "hash.h"
#include "strtab.h"

static uint32_t
intern(struct strtab *t, const char *s)
{
	return strtab_intern(t, s, strlen(s));
}

static void
assert_str(const struct strtab *t, uint32_t id, const char *s, size_t n)
{
	size_t len = 99;
	const char *p = strtab_str(t, id, &len);

	assert_int_equal(len, n);
	assert_memory_equal(p, s, n);
}

static void
test_ids(void **state)
{
	struct strtab t;

	(void)state;
	strtab_init(&t);
	assert_int_equal(intern(&t, "web"), 0);
	assert_int_equal(intern(&t, "api"), 1);
	assert_int_equal(intern(&t, "web"), 0);
	assert_int_equal(strtab_intern(&t, "", 0), 2);
	assert_int_equal(strtab_intern(&t, "a\0b", 3), 3);
	assert_int_equal(strtab_intern(&t, "a\0c", 3), 4);
	assert_int_equal(strtab_intern(&t, "a", 1), 5);
	assert_int_equal(strtab_intern(&t, "a\0b", 3), 3);
	assert_int_equal(strtab_intern(&t, "", 0), 2);
	assert_int_equal(t.n, 6);
	assert_str(&t, 0, "web", 3);
	assert_str(&t, 2, "", 0);
	assert_str(&t, 3, "a\0b", 3);
	strtab_release(&t);
	strtab_release(&t);	/* released twice: a no-op */
}

/* Many strings of every length, some longer than an arena chunk. */
static void
test_growth(void **state)
{
	struct strtab t;
	char buf[64];
	char *big = xmalloc(200 * 1024);
	uint32_t i;

	(void)state;
	memset(big, 'x', 200 * 1024);
	strtab_init(&t);
	for (i = 0; i < 50000; i++) {
		int n = snprintf(buf, sizeof(buf), "%u-%.*s", i, (int)(i % 40),
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");

		assert_int_equal(strtab_intern(&t, buf, (size_t)n), i);
	}
	assert_int_equal(strtab_intern(&t, big, 200 * 1024), 50000);
	big[100] = 'y';
	assert_int_equal(strtab_intern(&t, big, 200 * 1024), 50001);
	for (i = 0; i < 50000; i += 7) {
		int n = snprintf(buf, sizeof(buf), "%u-%.*s", i, (int)(i % 40),
		    "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");

		assert_int_equal(strtab_intern(&t, buf, (size_t)n), i);
		assert_str(&t, i, buf, (size_t)n);
	}
	assert_int_equal(strtab_intern(&t, big, 200 * 1024), 50001);
	assert_int_equal(t.n, 50002);
	strtab_release(&t);
	free(big);
}

/* hash_bytes() as it was, copying the tail byte by byte. */
static uint64_t
hash_bytes_ref(const void *data, size_t len, uint64_t seed)
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

/*
 * Every length to 70 at every alignment, each string in an allocation of
 * its own size (so that ASan sees a read past either end): the same hash
 * as before on little-endian machines, and hash_equal() == memcmp().
 */
static void
test_hash_helpers(void **state)
{
	unsigned char src[80];
	size_t len, off, i;
	uint32_t x = 1;

	(void)state;
	for (i = 0; i < sizeof(src); i++) {
		x = x * 1103515245 + 12345;
		src[i] = (unsigned char)(x >> 16);
	}
	for (len = 0; len <= 70; len++) {
		for (off = 0; off < 8; off++) {
			unsigned char *a = xmalloc(len ? len : 1);
			unsigned char *b = xmalloc(len ? len : 1);

			memcpy(a, src + off, len);
			memcpy(b, a, len);
			if (hash_little_endian())
				assert_true(hash_bytes(a, len, 7) ==
				    hash_bytes_ref(a, len, 7));
			assert_true(hash_bytes(a, len, 7) ==
			    hash_bytes(b, len, 7));
			assert_true(hash_equal(a, b, len));
			for (i = 0; i < len; i++) {
				b[i] ^= 0x20;
				assert_false(hash_equal(a, b, len));
				assert_true(hash_bytes(a, len, 7) !=
				    hash_bytes(b, len, 7));
				b[i] ^= 0x20;
			}
			free(a);
			free(b);
		}
	}
}

/*
 * A table at its cap: the string past it is not added, the table says it
 * is full, an id in range is given meanwhile, and strtab_check() reports
 * it (the caller exits 1); nothing exits.
 */
static void
test_full(void **state)
{
	struct unit_capture c;
	struct strtab t;
	char *err;

	(void)state;
	strtab_init(&t);
	t.max = 2;
	assert_int_equal(intern(&t, "a"), 0);
	assert_int_equal(intern(&t, "b"), 1);
	assert_false(t.full);
	assert_int_equal(strtab_check(&t), 0);
	assert_true(intern(&t, "c") < t.n);
	assert_true(t.full);
	assert_int_equal(t.n, 2);
	assert_int_equal(intern(&t, "b"), 1);
	unit_capture_begin(&c);
	assert_int_equal(strtab_check(&t), -1);
	err = unit_capture_end(&c);
	assert_text_free(err, "circleci-usage: too many distinct values\n");
	strtab_release(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_hash_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
