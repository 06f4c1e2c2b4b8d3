/*
 * test_csvw.c: the CSV field writer: quoting (commas, quotes, line ends)
 * and --csv-safe's neutralised formulas, with signed numbers left alone.
 */
#include "unit.h"

#include "csvw.h"

static char *
csv_of(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	csvw_field(f, s, len);
	fclose(f);
	return buf;
}

static char *
csv_text_of(const char *s, int safe)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	csvw_text(f, s, strlen(s), safe);
	fclose(f);
	return buf;
}

/* --csv-safe: a leading = + - @ tab or CR gets a quote; numbers do not */
static void
test_csv_safe(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"" },
		{ "=1+2", "'=1+2" },
		{ "+cmd", "'+cmd" },
		{ "-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\tx", "'\tx" },
		{ "\rx", "\"'\rx\"" },
		{ "=a,b", "\"'=a,b\"" },
		{ "-", "'-" },
		{ "-.5", "'-.5" },
		{ "-12", "-12" },
		{ "-3.25", "-3.25" },
		{ "+7", "+7" },
		{ "a=b", "a=b" },
		{ "", "" },
		{ "plain", "plain" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = csv_text_of(cases[i].in, 1);
		char *off = csv_text_of(cases[i].in, 0);
		char *plain = csv_of(cases[i].in, strlen(cases[i].in));

		assert_string_equal(got, cases[i].want);
		/* off: exactly csvw_field */
		assert_string_equal(off, plain);
		free(got);
		free(off);
		free(plain);
	}
}

static void
test_csv_fields(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a,b", "\"a,b\"" },
		{ "say \"x\"", "\"say \"\"x\"\"\"" },
		{ "\"", "\"\"\"\"" },
		{ "l1\nl2", "\"l1\nl2\"" },
		{ "cr\r", "\"cr\r\"" },
		{ " spaced ", " spaced " },
		{ "back\\slash", "back\\slash" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = csv_of(cases[i].in, strlen(cases[i].in));

		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

/* the predicate agrees with what csvw_text does, and stops at len */
static void
test_needs_neutralising(void **state)
{
	(void)state;
	assert_true(csvw_needs_neutralising("=1", 2));
	assert_true(csvw_needs_neutralising("-x", 2));
	assert_false(csvw_needs_neutralising("-12", 3));
	assert_false(csvw_needs_neutralising("-1.5", 4));
	/* "-1." is the number -1 */
	assert_false(csvw_needs_neutralising("-1.", 3));
	assert_false(csvw_needs_neutralising("", 0));
	assert_false(csvw_needs_neutralising("\0=", 2));
	/* "-12x" cut to 3 bytes is the number -12 */
	assert_false(csvw_needs_neutralising("-12x", 3));
	assert_true(csvw_needs_neutralising("-12x", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_fields),
		cmocka_unit_test(test_csv_safe),
		cmocka_unit_test(test_needs_neutralising),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
