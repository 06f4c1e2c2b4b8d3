/*
 * test_util.c: the strict option-value parsers of util.h: parse_uint
 * (whole numbers in range) and parse_size (sizes with K/M/G/T suffixes,
 * powers of 1024, as --max-part-size takes them).
 */
#include "unit.h"

#include "util.h"

static unsigned long long
size_ok(const char *s)
{
	unsigned long long v = 7;

	if (parse_size(s, 1ULL << 50, &v) != 0)
		fail_msg("parse_size(\"%s\") failed", s);
	return v;
}

static void
size_rejects(const char *s, unsigned long long max)
{
	unsigned long long v = 7;

	if (parse_size(s, max, &v) == 0)
		fail_msg("parse_size(\"%s\") accepted %llu", s, v);
	assert_int_equal(v, 7);	/* untouched */
}

static void
test_parse_size(void **state)
{
	(void)state;
	assert_int_equal(size_ok("1"), 1);
	assert_int_equal(size_ok("4096"), 4096);
	assert_int_equal(size_ok("1K"), 1024);
	assert_int_equal(size_ok("2k"), 2048);
	assert_int_equal(size_ok("500M"), 500ULL << 20);
	assert_int_equal(size_ok("500MB"), 500ULL << 20);
	assert_int_equal(size_ok("16G"), 16ULL << 30);
	assert_int_equal(size_ok("16GiB"), 16ULL << 30);
	assert_int_equal(size_ok("3gib"), 3ULL << 30);
	assert_int_equal(size_ok("1T"), 1ULL << 40);
	assert_int_equal(size_ok("1024T"), 1ULL << 50);	/* the max itself */
}

static void
test_parse_size_rejects(void **state)
{
	(void)state;
	size_rejects("", 1ULL << 50);
	size_rejects("0", 1ULL << 50);
	size_rejects("0G", 1ULL << 50);
	size_rejects("-1", 1ULL << 50);
	size_rejects("+1", 1ULL << 50);
	size_rejects(" 1", 1ULL << 50);
	size_rejects("1 G", 1ULL << 50);
	size_rejects("1.5G", 1ULL << 50);
	size_rejects("G", 1ULL << 50);
	size_rejects("12Q", 1ULL << 50);
	size_rejects("1GG", 1ULL << 50);
	size_rejects("1Gx", 1ULL << 50);
	size_rejects("1025T", 1ULL << 50);	/* past the max */
	size_rejects("2K", 2047);
	size_rejects("99999999999999999999", ~0ULL);	/* overflows */
	size_rejects("17179869184G", ~0ULL);		/* 2^64 bytes */
	size_rejects(NULL, 1ULL << 50);
}

static void
test_parse_uint(void **state)
{
	unsigned long long v = 7;

	(void)state;
	assert_int_equal(parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("64", 64, &v), 0);
	assert_int_equal(v, 64);
	v = 7;
	assert_int_equal(parse_uint("65", 64, &v), -1);
	assert_int_equal(parse_uint("-1", 64, &v), -1);
	assert_int_equal(parse_uint("1x", 64, &v), -1);
	assert_int_equal(parse_uint("", 64, &v), -1);
	assert_int_equal(parse_uint(" 1", 64, &v), -1);
	assert_int_equal(parse_uint("18446744073709551616", ~0ULL, &v), -1);
	assert_int_equal(v, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_size_rejects),
		cmocka_unit_test(test_parse_uint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
