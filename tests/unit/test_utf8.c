/*
 * test_utf8.c: the one UTF-8 decoder, on every case the four copies it
 * replaced (view.c, slack.c, chart.c, redact.c, util.c) told apart: valid
 * sequences of each length at their limits, invalid lead bytes, overlong
 * forms, surrogates, past U+10FFFF, a continuation missing, a sequence cut
 * by the length, and no length at all.
 */
#include "unit.h"

#include "utf8.h"

/* Decode `s` (len bytes); expect length n and, when n > 0, code point cp. */
static void
decodes(const char *s, size_t len, size_t n, unsigned cp)
{
	unsigned got = 0xdeadbeef;

	assert_int_equal(utf8_decode((const unsigned char *)s, len, &got), n);
	if (n > 0)
		assert_int_equal(got, cp);
	else
		assert_int_equal(got, 0xdeadbeef);	/* untouched */
	/* without a code point asked for: the same length */
	assert_int_equal(utf8_decode((const unsigned char *)s, len, NULL), n);
}

static void
test_valid(void **state)
{
	(void)state;
	decodes("a", 1, 1, 'a');
	decodes("\0", 1, 1, 0);
	decodes("\x7f", 1, 1, 0x7f);
	decodes("\xc2\x80", 2, 2, 0x80);
	decodes("\xc3\xa9", 2, 2, 0xe9);
	decodes("\xdf\xbf", 2, 2, 0x7ff);
	decodes("\xe0\xa0\x80", 3, 3, 0x800);
	decodes("\xe2\x80\xa6", 3, 3, 0x2026);
	decodes("\xed\x9f\xbf", 3, 3, 0xd7ff);	/* just below the surrogates */
	decodes("\xee\x80\x80", 3, 3, 0xe000);	/* just above them */
	decodes("\xef\xbf\xbf", 3, 3, 0xffff);
	decodes("\xf0\x90\x80\x80", 4, 4, 0x10000);
	decodes("\xf0\x9f\x98\x80", 4, 4, 0x1f600);
	decodes("\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff);
	/* only the first character is decoded; more bytes may follow */
	decodes("\xc3\xa9xyz", 5, 2, 0xe9);
}

static void
test_invalid_lead(void **state)
{
	(void)state;
	decodes("\x80", 1, 0, 0);	/* a continuation alone */
	decodes("\xbf\x80", 2, 0, 0);
	decodes("\xc0\xaf", 2, 0, 0);	/* overlong '/' */
	decodes("\xc1\xbf", 2, 0, 0);	/* overlong U+007F */
	decodes("\xf5\x80\x80\x80", 4, 0, 0);	/* would be past U+10FFFF */
	decodes("\xf8\x88\x80\x80\x80", 5, 0, 0);	/* 5-byte form */
	decodes("\xfe", 1, 0, 0);
	decodes("\xff", 1, 0, 0);
}

static void
test_overlong_surrogate_range(void **state)
{
	(void)state;
	decodes("\xe0\x80\x80", 3, 0, 0);	/* overlong U+0000 */
	decodes("\xe0\x9f\xbf", 3, 0, 0);	/* overlong U+07FF */
	decodes("\xf0\x80\x80\x80", 4, 0, 0);	/* overlong U+0000 */
	decodes("\xf0\x8f\xbf\xbf", 4, 0, 0);	/* overlong U+FFFF */
	decodes("\xed\xa0\x80", 3, 0, 0);	/* U+D800 */
	decodes("\xed\xb2\x80", 3, 0, 0);	/* U+DC80 */
	decodes("\xed\xbf\xbf", 3, 0, 0);	/* U+DFFF */
	decodes("\xf4\x90\x80\x80", 4, 0, 0);	/* U+110000 */
}

static void
test_truncated(void **state)
{
	(void)state;
	/* a continuation byte missing or replaced */
	decodes("\xc3" "a", 2, 0, 0);
	decodes("\xe2\x80" "a", 3, 0, 0);
	decodes("\xe2" "a\xa6", 3, 0, 0);
	decodes("\xf0\x9f\x98" "a", 4, 0, 0);
	decodes("\xc3\xc3\xa9", 3, 0, 0);
	/* cut by the length, though the bytes go on in memory */
	decodes("\xc3\xa9", 1, 0, 0);
	decodes("\xe2\x80\xa6", 2, 0, 0);
	decodes("\xf0\x9f\x98\x80", 3, 0, 0);
	decodes("\xf0\x9f\x98\x80", 1, 0, 0);
	/* nothing to read */
	decodes("a", 0, 0, 0);
}

/* Every 1- and 2-byte input against a reference written from RFC 3629. */
static size_t
reference_len(const unsigned char *s, size_t len)
{
	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return len >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	return 0;	/* the longer forms need more bytes than given */
}

static void
test_exhaustive_short(void **state)
{
	unsigned a, b;
	unsigned char s[2];

	(void)state;
	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		assert_int_equal(utf8_decode(s, 1, NULL), reference_len(s, 1));
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			if (a >= 0xe0)
				continue;	/* 3- and 4-byte leads: above */
			assert_int_equal(utf8_decode(s, 2, NULL),
			    reference_len(s, 2));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid_lead),
		cmocka_unit_test(test_overlong_surrogate_range),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_exhaustive_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
