/*
 * test_grid.c: the one table renderer (grid.h), which writes the report's,
 * compare's and the analyses' tables: alignment, the rules around the
 * header and the total, markdown's alignment row and bold total, the
 * (none) of an empty key, the 48-column cut of keys in a table, escapes of
 * control bytes, compare's "no trailing blanks", a NUL byte kept in a cell
 * (it used to cut the analyses' names short), and many rows.
 */
#include "unit.h"

#include "grid.h"

static const char *const heads[] = { "name", "kind", "n" };
static const int numeric[] = { 0, 0, 1 };

static char *
render(const struct grid *g, const struct grid *totals, const char *title,
    enum view_format fmt, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	assert_int_equal(grid_write(g, totals, title, NULL, f, fmt), 0);
	assert_int_equal(fclose(f), 0);
	if (len != NULL)
		*len = n;
	return buf;
}

static void
assert_render(const struct grid *g, const struct grid *totals,
    const char *title, enum view_format fmt, const char *want)
{
	char *got = render(g, totals, title, fmt, NULL);

	assert_string_equal(got, want);
	free(got);
}

/* A grid of two rows and its totals. */
static void
sample(struct grid *g, struct grid *t)
{
	size_t r;

	grid_init(g, heads, numeric, 3, 1);
	grid_init(t, heads, numeric, 3, 1);
	r = grid_row(g);
	grid_setstr(g, r, 0, "web");
	grid_setstr(g, r, 1, "a");
	grid_setstr(g, r, 2, "1,234");
	r = grid_row(g);
	grid_setstr(g, r, 1, "bb");	/* an empty key: (none) */
	grid_setstr(g, r, 2, "5");
	r = grid_row(t);
	grid_setstr(t, r, 0, "TOTAL");
	grid_setstr(t, r, 2, "1,239");
}

static void
test_table(void **state)
{
	struct grid g, t;

	(void)state;
	sample(&g, &t);
	assert_render(&g, &t, "Title", FMT_TABLE,
	    "Title\n\n"
	    "name    kind      n\n"
	    "-------------------\n"
	    "web     a     1,234\n"
	    "(none)  bb        5\n"
	    "-------------------\n"
	    "TOTAL         1,239\n");
	/* no totals: no rule at the end */
	assert_render(&g, NULL, NULL, FMT_TABLE,
	    "name    kind      n\n"
	    "-------------------\n"
	    "web     a     1,234\n"
	    "(none)  bb        5\n");
	grid_release(&g);
	grid_release(&t);
}

static void
test_markdown(void **state)
{
	struct grid g, t;

	(void)state;
	sample(&g, &t);
	/* an escape counts as the one character markdown shows */
	grid_setstr(&g, 0, 1, "a|b");
	assert_render(&g, &t, "Title", FMT_MARKDOWN,
	    "**Title**\n\n"
	    "| name      | kind |         n |\n"
	    "| :-------- | :--- | --------: |\n"
	    "| web       | a\\|b  |     1,234 |\n"
	    "| (none)    | bb   |         5 |\n"
	    "| **TOTAL** |      | **1,239** |\n");
	grid_release(&g);
	grid_release(&t);
}

/* The last column left-aligned and empty: trailing blanks or none. */
static void
test_trim_last(void **state)
{
	static const char *const h[] = { "k", "v", "trend" };
	static const int num[] = { 0, 1, 0 };
	struct grid g, t;
	size_t r;

	(void)state;
	grid_init(&g, h, num, 3, 1);
	grid_init(&t, h, num, 3, 1);
	r = grid_row(&g);
	grid_setstr(&g, r, 0, "x");
	grid_setstr(&g, r, 1, "10");
	grid_setstr(&g, r, 2, "up");
	r = grid_row(&t);
	grid_setstr(&t, r, 0, "TOTAL");
	grid_setstr(&t, r, 1, "10");
	assert_render(&g, &t, NULL, FMT_TABLE,
	    "k       v  trend\n"
	    "----------------\n"
	    "x      10  up\n"
	    "----------------\n"
	    "TOTAL  10  \n");
	g.trim_last = 1;
	assert_render(&g, &t, NULL, FMT_TABLE,
	    "k       v  trend\n"
	    "----------------\n"
	    "x      10  up\n"
	    "----------------\n"
	    "TOTAL  10\n");
	/* markdown keeps its cells whatever the flag */
	assert_render(&g, &t, NULL, FMT_MARKDOWN,
	    "| k         |      v | trend |\n"
	    "| :-------- | -----: | :---- |\n"
	    "| x         |     10 | up    |\n"
	    "| **TOTAL** | **10** |       |\n");
	grid_release(&g);
	grid_release(&t);
}

/* Keys are cut at 48 columns in a table, and control bytes escaped. */
static void
test_cut_and_escape(void **state)
{
	struct grid g;
	char *out;
	size_t r;

	(void)state;
	grid_init(&g, heads, numeric, 3, 1);
	r = grid_row(&g);
	grid_setstr(&g, r, 0, "0123456789012345678901234567890123456789"
	    "0123456789");
	grid_setstr(&g, r, 1, "\x1b[31m");
	out = render(&g, NULL, NULL, FMT_TABLE, NULL);
	assert_non_null(strstr(out, "\n01234567890123456789012345678901234"
	    "567890123456\xe2\x80\xa6  \\x1b[31m   \n"));
	assert_null(strchr(out, '\x1b'));
	free(out);
	grid_release(&g);
}

/* A NUL byte in a name is part of it in every format. */
static void
test_nul_kept(void **state)
{
	struct grid g;
	char *out;
	size_t r, len;

	(void)state;
	grid_init(&g, heads, numeric, 3, 1);
	r = grid_row(&g);
	grid_set(&g, r, 0, "in\0fra", 6);
	grid_setstr(&g, r, 2, "1");
	out = render(&g, NULL, NULL, FMT_TABLE, NULL);
	assert_non_null(strstr(out, "in\\x00fra"));
	free(out);
	out = render(&g, NULL, NULL, FMT_JSON, NULL);
	assert_non_null(strstr(out, "\"name\": \"in\\u0000fra\""));
	free(out);
	out = render(&g, NULL, NULL, FMT_CSV, &len);
	assert_int_equal(len, strlen("name,kind,n\n") + 10);
	assert_memory_equal(out + strlen("name,kind,n\n"), "in\0fra,,1\n",
	    10);
	free(out);
	grid_release(&g);
}

/* Many rows: each where it was put (the cells grow by doubling). */
static void
test_many_rows(void **state)
{
	struct grid g;
	char buf[32];
	size_t i, r, len;
	char *out;

	(void)state;
	grid_init(&g, heads, numeric, 3, 1);
	for (i = 0; i < 10000; i++) {
		r = grid_row(&g);
		assert_int_equal(r, i);
		snprintf(buf, sizeof(buf), "p%zu", i);
		grid_setstr(&g, r, 0, buf);
		snprintf(buf, sizeof(buf), "%zu", i);
		grid_setstr(&g, r, 2, buf);
	}
	out = render(&g, NULL, NULL, FMT_CSV, &len);
	assert_non_null(strstr(out, "\np0,,0\np1,,1\n"));
	assert_non_null(strstr(out, "\np9999,,9999\n"));
	free(out);
	grid_release(&g);
	assert_int_equal(g.nrows, 0);
	/* a released grid takes rows again */
	assert_int_equal(grid_row(&g), 0);
	grid_release(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_trim_last),
		cmocka_unit_test(test_cut_and_escape),
		cmocka_unit_test(test_nul_kept),
		cmocka_unit_test(test_many_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
