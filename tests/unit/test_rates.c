/*
 * test_rates.c: the resource class table (rates.h): the compiled-in copy
 * equals data/resource-classes.tsv and keys classes by executor; parse
 * errors name file:line (fields, rate, names, repeats, unknown or looping
 * next classes); CRLF and comments; the savings arithmetic, exact and
 * rounded half up, and its refusals.
 */
#include "unit.h"

#include "rates.h"

static void
test_rates_default(void **state)
{
	struct rates d, f;
	const struct rate *t;
	char err[256];
	size_t i;

	(void)state;
	rates_init(&d);
	rates_init(&f);
	assert_int_equal(rates_load_default(&d), 0);
	/* the compiled-in copy is the shipped file (make src/rates_data.h) */
	assert_int_equal(rates_load(&f, "data/resource-classes.tsv", err,
	    sizeof(err)), 0);
	assert_int_equal(d.n, f.n);
	for (i = 0; i < d.n; i++) {
		assert_string_equal(d.v[i].executor, f.v[i].executor);
		assert_string_equal(d.v[i].resource_class,
		    f.v[i].resource_class);
		assert_true(d.v[i].per_min == f.v[i].per_min);
	}
	/* medium is docker 10 -> small, machine 10 with nothing smaller */
	t = rates_find(&d, "docker", 6, "medium", 6);
	assert_non_null(t);
	assert_dec_equal(t->per_min, unit_dec("10"));
	assert_string_equal(t->next, "small");
	t = rates_find(&d, "machine", 7, "medium", 6);
	assert_non_null(t);
	assert_null(t->next);
	t = rates_find(&d, "docker", 6, "large", 5);
	assert_string_equal(t->next, "medium+");
	t = rates_find(&d, "docker", 6, "arm.medium", 10);
	assert_dec_equal(t->per_min, unit_dec("13"));
	/* GPUs are never downsized; unknown rates are unpriced */
	t = rates_find(&d, "machine", 7, "gpu.nvidia.large", 16);
	assert_null(t->next);
	t = rates_find(&d, "machine", 7, "2xlarge+", 8);
	assert_false(t->priced);
	assert_null(rates_find(&d, "docker", 6, "medium", 5));
	assert_null(rates_find(&d, "runner", 6, "medium", 6));
	/* one step up: the class whose next smaller class it is */
	t = rates_larger(&d, rates_find(&d, "docker", 6, "medium", 6));
	assert_string_equal(t->resource_class, "medium+");
	t = rates_larger(&d, rates_find(&d, "machine", 7, "medium", 6));
	assert_string_equal(t->executor, "machine");
	assert_string_equal(t->resource_class, "large");
	assert_null(rates_larger(&d, rates_find(&d, "machine", 7,
	    "gpu.nvidia.small", 16)));
	assert_null(rates_larger(&d, rates_find(&d, "docker", 6,
	    "2xlarge+", 8)));
	rates_release(&d);
	rates_release(&f);
}

/* Parse `text`; expect an error containing `want`. */
static void
parse_fails(const char *text, const char *want)
{
	struct rates r;
	char err[256];

	rates_init(&r);
	assert_int_equal(rates_parse(&r, text, strlen(text), "r.tsv", err,
	    sizeof(err)), -1);
	assert_contains(err, want);
	rates_release(&r);
}

static void
test_rates_errors(void **state)
{
	(void)state;
	parse_fails("docker\tsmall\t5\n", "r.tsv:1: expected 4");
	parse_fails("# c\n\ndocker\tsmall\tfive\t-\n", "r.tsv:3: credits");
	parse_fails("docker\tsmall\t5.123\t-\n", "r.tsv:1: credits");
	parse_fails("docker\tsmall\t-5\t-\n", "r.tsv:1: credits");
	parse_fails("docker\tsmall\t5.\t-\n", "r.tsv:1: credits");
	parse_fails("docker\tsmall\t\t-\n", "r.tsv:1: credits");
	parse_fails("docker\t\t5\t-\n", "r.tsv:1: a name");
	parse_fails("docker\tsm all\t5\t-\n", "r.tsv:1: a name");
	parse_fails("docker\tsmall\t5\t-\ndocker\tsmall\t6\t-\n",
	    "r.tsv:2: docker small is listed twice");
	parse_fails("docker\tsmall\t5\tsmall\n", "r.tsv:1: a class cannot");
	parse_fails("docker\tmedium\t10\tsmall\nmachine\tsmall\t5\t-\n",
	    "r.tsv:1: next smaller class 'small' is not listed for "
	    "executor docker");
	parse_fails("x\ta\t1\tb\nx\tb\t1\tc\nx\tc\t1\ta\n",
	    "go round in a loop");
}

static void
test_rates_parse(void **state)
{
	struct rates r;
	const char *text = "# comment\r\n\r\ndocker\tsmall\t5\t-\tP\r\n"
	    "docker\tmedium\t10.5\tsmall\r\nmachine\tbig\t-\t-";
	char err[256];

	(void)state;
	rates_init(&r);
	assert_int_equal(rates_parse(&r, text, strlen(text), "r", err,
	    sizeof(err)), 0);
	assert_int_equal(r.n, 3);
	assert_dec_equal(rates_find(&r, "docker", 6, "medium", 6)->per_min,
	    unit_dec("10.5"));
	assert_false(rates_find(&r, "machine", 7, "big", 3)->priced);
	rates_release(&r);
	assert_int_equal(rates_parse(&r, "", 0, "r", err, sizeof(err)), 0);
	assert_int_equal(r.n, 0);
	rates_release(&r);
	assert_int_equal(rates_load(&r, "/nonexistent/r.tsv", err,
	    sizeof(err)), -1);
	assert_contains(err, "cannot open '/nonexistent/r.tsv'");
}

static void
test_rates_savings(void **state)
{
	dec_t s;

	(void)state;
	/* 200 credits at 20/min = 10 minutes; at 15/min saves 50 per span */
	assert_int_equal(rates_savings(unit_dec("200"), unit_dec("20"),
	    unit_dec("15"), 30, &s), 0);
	assert_dec_equal(s, unit_dec("50"));
	/* over 15 days: twice as much per 30 days */
	assert_int_equal(rates_savings(unit_dec("200"), unit_dec("20"),
	    unit_dec("15"), 15, &s), 0);
	assert_dec_equal(s, unit_dec("100"));
	/* 1 credit at 13 -> 0 over 7 days: 30/7 = 4.2857... */
	assert_int_equal(rates_savings(unit_dec("1"), unit_dec("13"),
	    unit_dec("0"), 7, &s), 0);
	assert_dec_equal(s, unit_dec("4.29"));
	/* half a cent rounds up: 0.005 */
	assert_int_equal(rates_savings(unit_dec("0.01"), unit_dec("20"),
	    unit_dec("10"), 30, &s), 0);
	assert_dec_equal(s, unit_dec("0.01"));
	assert_int_equal(rates_savings(unit_dec("0.0099"), unit_dec("20"),
	    unit_dec("10"), 30, &s), 0);
	assert_dec_equal(s, unit_dec("0"));
	/* decimal rates: 26 credits at 6.5 -> 5.2 over 30 days: 4 min * 1.3 */
	assert_int_equal(rates_savings(unit_dec("26"), unit_dec("6.5"),
	    unit_dec("5.2"), 30, &s), 0);
	assert_dec_equal(s, unit_dec("5.2"));
	assert_int_equal(rates_savings(unit_dec("1"), 0, 0, 30, &s), -1);
	assert_int_equal(rates_savings(unit_dec("1"), unit_dec("2"),
	    unit_dec("1"), 0, &s), -1);
	assert_int_equal(rates_savings(unit_dec("1"), unit_dec("2.001"),
	    unit_dec("1"), 1, &s), -1);
	/* a very large sum does not overflow silently */
	assert_int_equal(rates_savings(unit_dec("99999999999999999999"),
	    unit_dec("100000"), unit_dec("1"), 1, &s), -1);
}

/*
 * Products at their limits: the largest rate a file may hold (12
 * characters), spans of 10,000 years, sums of 10^20: each product is
 * checked, a result is within DEC_SUM_MAX or there is none.
 */
static void
test_rates_savings_limits(void **state)
{
	dec_t s = 7;

	(void)state;
	/* den = 99999999999999 * 3652425 * 10^18 passes 2^128 */
	assert_int_equal(rates_savings(unit_dec("1"),
	    unit_dec("999999999999.99"), unit_dec("0.01"), 3652425, &s), -1);
	assert_dec_equal(s, 7);
	/* the largest sum at the widest difference: num passes 2^128 */
	assert_int_equal(rates_savings(DEC_SUM_MAX, unit_dec("999999999999"),
	    0, 1, &s), -1);
	assert_int_equal(rates_savings(-DEC_SUM_MAX, unit_dec("999999999999"),
	    0, 1, &s), -1);
	/*
	 * 10^20 credits at 1 -> 0 over 30 days would save exactly 10^20,
	 * but credits * difference * 3000 passes 2^128 on the way: none
	 * rather than a wrapped one (a group past about 10^15 credits gets
	 * no savings figure; any real one is far below)
	 */
	assert_int_equal(rates_savings(DEC_SUM_MAX, DEC_ONE, 0, 30, &s), -1);
	assert_int_equal(rates_savings(unit_dec("1e13"), DEC_ONE, 0, 30, &s),
	    0);
	assert_dec_equal(s, unit_dec("1e13"));
	/* a long span keeps the result exact: 1e13 credits, 10,000 years */
	assert_int_equal(rates_savings(unit_dec("1e13"), unit_dec("20"),
	    unit_dec("10"), 3652425, &s), 0);
	assert_dec_equal(s, unit_dec("41068605.10"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates_default),
		cmocka_unit_test(test_rates_errors),
		cmocka_unit_test(test_rates_parse),
		cmocka_unit_test(test_rates_savings),
		cmocka_unit_test(test_rates_savings_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
