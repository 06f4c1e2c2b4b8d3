/*
 * test_jsonw.c: the JSON string writer, on quotes, controls, '<' in a
 * script block, valid UTF-8 of each length and each kind of invalid byte.
 */
#include "unit.h"

#include "jsonw.h"

static char *
json_of(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	jsonw_string(f, s, len);
	fclose(f);
	return buf;
}

static void
assert_json(const char *s, size_t len, const char *want)
{
	char *got = json_of(s, len);

	assert_string_equal(got, want);
	free(got);
}

static void
test_json_strings(void **state)
{
	(void)state;
	assert_json("plain", 5, "\"plain\"");
	assert_json("", 0, "\"\"");
	assert_json("q\"b\\", 4, "\"q\\\"b\\\\\"");
	assert_json("a\nb\rc\td", 7, "\"a\\nb\\rc\\td\"");
	assert_json("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	assert_json("\0z", 2, "\"\\u0000z\"");
	assert_json("</script>", 9, "\"\\u003c/script>\"");
	/* valid UTF-8 passes through */
	assert_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	assert_json("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\"");
	/* invalid: a lone continuation byte, overlong forms, surrogates,
	 * past U+10FFFF, a cut sequence */
	assert_json("\x80", 1, "\"\\ufffd\"");
	assert_json("\xc0\x80", 2, "\"\\ufffd\\ufffd\"");
	assert_json("\xe0\x80\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json("\xf4\x90\x80\x80", 4,
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	assert_json("a\xe2\x82", 3, "\"a\\ufffd\\ufffd\"");
	assert_json("\xff" "ok", 3, "\"\\ufffdok\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
