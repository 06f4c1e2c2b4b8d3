/*
 * test_util.c: the strict option-value parsers of util.h: parse_uint
 * (whole numbers in range) and parse_size (sizes with K/M/G/T suffixes,
 * powers of 1024, as --max-part-size takes them); the escaping of outside
 * text for the terminal (str_escape, and error() through it); UUIDs; and
 * path_inside, which resolves a path on the disk.
 */
#include "unit.h"

#include <limits.h>

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

static void
escapes(const char *in, size_t len, const char *want)
{
	char out[256];
	size_t n = str_escape(out, sizeof(out), in, len);

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	assert_int_equal(str_has_control(in, len), strcmp(in, want) != 0 ||
	    len != strlen(in));
}

static void
test_escape(void **state)
{
	char out[8], *e;
	struct unit_capture c;

	(void)state;
	escapes("plain name.csv.gz", 17, "plain name.csv.gz");
	/* a window title and a colour: no ESC, no BEL reaches a terminal */
	escapes("\x1b]0;pwned\x07.csv", 14, "\\x1b]0;pwned\\x07.csv");
	escapes("\x1b[31mred", 8, "\\x1b[31mred");
	/* one line: a newline, a return, a tab are spelled out */
	escapes("a\nb\rc\td", 7, "a\\nb\\rc\\td");
	escapes("del\x7f", 4, "del\\x7f");
	/* UTF-8 is kept; C1 controls (CSI is U+009B) and bidi overrides
	 * are not; bytes that are not UTF-8 are shown as bytes */
	escapes("caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac");
	escapes("\xc2\x9b" "31m", 5, "\\u009b31m");
	escapes("a\xe2\x80\xae" "b", 5, "a\\u202eb");
	escapes("\xff\xfe", 2, "\\xff\\xfe");
	escapes("\xc3", 1, "\\xc3");
	escapes("\xe0\x80\x80", 3, "\\xe0\\x80\\x80");	/* overlong */
	escapes("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");	/* a surrogate */
	/* an escaped text escapes to itself; a NUL inside is shown */
	escapes("\\x1b", 4, "\\x1b");
	escapes("a\0b", 3, "a\\x00b");
	/* never half an escape when cut */
	assert_int_equal(str_escape(out, sizeof(out), "abcde\x1b", 6), 5);
	assert_string_equal(out, "abcde");
	assert_int_equal(str_escape(out, 1, "abc", 3), 0);
	e = xescape("\x1b[2J\x1b[H");
	assert_string_equal(e, "\\x1b[2J\\x1b[H");
	free(e);

	/* error(), warning(), notice() print through it: one line each */
	unit_capture_begin(&c);
	error("cannot read '%s'", "evil\x1b]0;x\x07\nname");
	warning("%s", "\x1b[31m");
	notice("downloaded %s", "a\rb");
	e = unit_capture_end(&c);
	assert_string_equal(e,
	    "circleci-usage: cannot read 'evil\\x1b]0;x\\x07\\nname'\n"
	    "circleci-usage: warning: \\x1b[31m\n"
	    "circleci-usage: downloaded a\\rb\n");
	free(e);
}

static void
test_uuid(void **state)
{
	(void)state;
	assert_true(str_is_uuid("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"));
	assert_true(str_is_uuid("0B1C2D3E-4F50-6172-8394-A5B6C7D8E9F0"));
	assert_false(str_is_uuid(""));
	assert_false(str_is_uuid("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f"));
	assert_false(str_is_uuid("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f00"));
	assert_false(str_is_uuid("0b1c2d3e-4f50-6172-8394_a5b6c7d8e9f0"));
	assert_false(str_is_uuid("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9g0"));
	assert_false(str_is_uuid("../../../../evil?x=1#"));
	assert_false(str_is_uuid("0b1c2d3e-4f50-6172-8394-a5b6c7d8\r\n90"));
}

static void
inside(const char *root, const char *rel, int want, const char *why)
{
	char buf[PATH_MAX + 200] = "";

	if (path_inside(root, rel, buf, sizeof(buf)) != want)
		fail_msg("path_inside(%s) is not %d: %s", rel, want, buf);
	if (why != NULL)
		assert_contains(buf, why);
}

static void
test_path_inside(void **state)
{
	char *top = unit_tmpdir(), *root = unit_path(top, "root");
	char *p;

	(void)state;
	unit_mkdir(root);
	p = unit_path(top, "out");
	unit_mkdir(p);
	free(p);
	p = unit_path(root, "d");
	unit_mkdir(p);
	free(p);

	/* lexically: relative, no ".." */
	inside(root, "", 0, "expected a relative path");
	inside(root, "/etc/passwd", 0, "expected a relative path");
	inside(root, "d/../../x", 0, "with no '..'");
	inside(root, "..", 0, "with no '..'");
	/* what does not exist yet is inside; "..."  is a name */
	inside(root, "d/new/part.csv.gz", 1, NULL);
	inside(root, "...", 1, NULL);
	inside(root, "d", 1, NULL);
	inside(root, ".", 1, NULL);
	/* on the disk: links out, at the end or on the way */
	p = unit_path(root, "up");
	assert_int_equal(symlink("..", p), 0);
	free(p);
	inside(root, "up", 0, "'up' leads out of the directory");
	inside(root, "up/out/x", 0, "'up/out' leads out of the directory");
	p = unit_path(root, "abs");
	assert_int_equal(symlink("/tmp", p), 0);
	free(p);
	inside(root, "abs/x.csv", 0, "'abs' leads out");
	p = unit_path(root, "d/dangling");
	assert_int_equal(symlink("../../out/later", p), 0);
	free(p);
	inside(root, "d/dangling", 0, "'d/dangling' is a symbolic link to "
	    "nothing");
	inside(root, "d/dangling/x", 0, "is a symbolic link to nothing");
	p = unit_path(root, "loop");
	assert_int_equal(symlink("loop", p), 0);
	free(p);
	inside(root, "loop/x", 0, "is a symbolic link loop");
	/* a link that stays inside is followed */
	p = unit_path(root, "here");
	assert_int_equal(symlink("d", p), 0);
	free(p);
	inside(root, "here/x", 1, NULL);
	/* a root that is not there is an error */
	p = unit_path(top, "none");
	assert_int_equal(path_inside(p, "x", (char[64]){ 0 }, 64), -1);
	free(p);
	unit_rmtree(top);
	free(root);
	free(top);
}

/*
 * secret_read(): the first variable set and not empty (an empty one is
 * skipped), trimmed; the message names where a bad one came from; none
 * at all prints the caller's message.
 */
static void
test_secret_read(void **state)
{
	static const char *const vars[] = { "CU_TEST_A", "CU_TEST_B" };
	struct unit_capture c;
	char *sec, *err;

	(void)state;
	setenv("CU_TEST_A", "", 1);
	setenv("CU_TEST_B", " key\n", 1);
	sec = secret_read(NULL, "--key-file", vars, 2, "the key", "none");
	assert_string_equal(sec, "key");
	free(sec);
	setenv("CU_TEST_A", "a\tb", 1);
	unit_capture_begin(&c);
	sec = secret_read(NULL, "--key-file", vars, 2, "the key", "none");
	err = unit_capture_end(&c);
	assert_null(sec);
	assert_string_equal(err, "circleci-usage: the key from CU_TEST_A "
	    "holds a space or control character\n");
	free(err);
	unsetenv("CU_TEST_A");
	unsetenv("CU_TEST_B");
	unit_capture_begin(&c);
	sec = secret_read(NULL, "--key-file", vars, 2, "the key",
	    "no key: set CU_TEST_A");
	err = unit_capture_end(&c);
	assert_null(sec);
	assert_string_equal(err, "circleci-usage: no key: set CU_TEST_A\n");
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_size_rejects),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_path_inside),
		cmocka_unit_test(test_secret_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
