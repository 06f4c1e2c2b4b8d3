/*
 * test_xmlw.c: the one XML/HTML escaper (the SVG charts' and the page's):
 * the five special characters, in content and quoted attributes, and what
 * it leaves alone (UTF-8, control bytes, NUL: made safe before, by
 * chart_safe_text).
 */
#include "unit.h"

#include "xmlw.h"

/* Escape s[0..len); expect want[0..wlen). */
static void
assert_xmln(const char *s, size_t len, const char *want, size_t wlen)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	xmlw_escape(f, s, len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(n, wlen);
	assert_memory_equal(buf, want, n);
	free(buf);
}

static void
assert_xml(const char *s, size_t len, const char *want)
{
	assert_xmln(s, len, want, strlen(want));
}

static void
test_specials(void **state)
{
	(void)state;
	assert_xml("", 0, "");
	assert_xml("plain text", 10, "plain text");
	assert_xml("&", 1, "&amp;");
	assert_xml("<script>", 8, "&lt;script&gt;");
	assert_xml("a<&\"'b", 6, "a&lt;&amp;&quot;&#39;b");
	/* an entity in the data is escaped again, not trusted */
	assert_xml("&amp;", 5, "&amp;amp;");
	assert_xml("x=\"1\" onload='y'", 16,
	    "x=&quot;1&quot; onload=&#39;y&#39;");
}

static void
test_passes_through(void **state)
{
	(void)state;
	/* UTF-8, tabs, line ends and other controls are the caller's */
	assert_xml("caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac");
	assert_xml("a\tb\nc\x01", 6, "a\tb\nc\x01");
	/* the length rules, not a NUL */
	assert_xmln("a\0<", 3, "a\0&lt;", 6);
	assert_xml("<<", 1, "&lt;");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_passes_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
