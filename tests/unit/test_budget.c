/*
 * test_budget.c: the budgets file (budget.h): every scope, period and
 * amount; every malformed shape an error naming the file, the line and
 * what was expected; hostile input (a file past the limit, deep nesting,
 * wrong types, too many budgets); and the projection: the weekday means
 * of the last four weeks, the fallbacks with less history, a month
 * period, the day a budget runs out, the statuses at the thresholds.
 */
#include "unit.h"

#include "budget.h"
#include "date.h"

static struct budgets *
parse(const char *s)
{
	return budgets_parse("t.yaml", s, strlen(s));
}

static void
assert_parse_error(const char *s, const char *want)
{
	struct unit_capture c;
	struct budgets *bs;
	char *err;

	unit_capture_begin(&c);
	bs = parse(s);
	err = unit_capture_end(&c);
	if (bs != NULL) {
		budgets_free(bs);
		free(err);
		fail_msg("parsed, expected the error \"%s\":\n%s", want, s);
	}
	if (strstr(err, want) == NULL) {
		print_error("got: %s", err);
		free(err);
		fail_msg("expected the error \"%s\"", want);
	}
	free(err);
}

static int32_t
day(const char *s)
{
	int32_t d = 0;

	assert_int_equal(date_parse(s, strlen(s), &d), 0);
	return d;
}

static void
test_parse(void **state)
{
	struct budgets *bs = parse(
	    "# budgets\n"
	    "budgets:\n"
	    "  - name: org-weekly\n"
	    "    scope: org\n"
	    "    period: week\n"
	    "    credits: 3000000\n"
	    "  - name: ios\n"
	    "    project: \"ios-*\"\n"
	    "    period: month\n"
	    "    usd: 1800.50\n"
	    "    thresholds: [80, 100, 150]\n"
	    "  - {name: mobile, team: mobile, period: week, credits: 5}\n"
	    "  - name: xl\n"
	    "    by: {resource_class: xlarge}\n"
	    "    period: month\n"
	    "    credits: 0.5\n"
	    "  - name: p\n"
	    "    by: {project: api}\n"
	    "    period: week\n"
	    "    credits: 1\n");

	(void)state;
	assert_non_null(bs);
	assert_int_equal(bs->n, 5);
	assert_string_equal(bs->b[0].name, "org-weekly");
	assert_int_equal(bs->b[0].scope, BUDGET_ORG);
	assert_int_equal(bs->b[0].period, BUDGET_WEEK);
	assert_dec_equal(bs->b[0].amount, unit_dec("3000000"));
	assert_int_equal(bs->b[0].usd, 0);
	assert_int_equal(bs->b[0].nthresholds, 4);	/* the defaults */
	assert_dec_equal(bs->b[0].thresholds[0], unit_dec("50"));
	assert_dec_equal(bs->b[0].thresholds[3], unit_dec("100"));
	assert_int_equal(bs->b[0].line, 3);
	assert_int_equal(bs->b[1].scope, BUDGET_PROJECT);
	assert_string_equal(bs->b[1].value, "ios-*");
	assert_int_equal(bs->b[1].period, BUDGET_MONTH);
	assert_int_equal(bs->b[1].usd, 1);
	assert_dec_equal(bs->b[1].amount, unit_dec("1800.5"));
	assert_int_equal(bs->b[1].nthresholds, 3);
	assert_dec_equal(bs->b[1].thresholds[2], unit_dec("150"));
	assert_int_equal(bs->b[2].scope, BUDGET_TEAM);
	assert_string_equal(bs->b[2].value, "mobile");
	assert_int_equal(bs->b[2].scope_line, 12);
	assert_int_equal(bs->b[3].scope, BUDGET_BY);
	assert_string_equal(bs->b[3].key, "resource_class");
	assert_string_equal(bs->b[3].value, "xlarge");
	assert_int_equal(bs->b[4].scope, BUDGET_PROJECT);	/* by project */
	assert_null(bs->b[4].key);
	assert_string_equal(bs->b[4].value, "api");
	budgets_free(bs);
	budgets_free(NULL);
}

static void
test_errors(void **state)
{
	static const char head[] = "budgets:\n  - name: a\n";
	char *s, *big;
	size_t i;
	struct sbuf sb;

	(void)state;
	assert_parse_error("", "t.yaml:1: expected a mapping with the key "
	    "'budgets', found an empty file");
	assert_parse_error("- a\n", "t.yaml:1: expected a mapping with the "
	    "key 'budgets', found a list");
	assert_parse_error("teams: {}\n", "t.yaml:1: expected the key "
	    "'budgets', found 'teams'");
	assert_parse_error("budgets: 3\n", "t.yaml:1: 'budgets': expected a "
	    "list of budgets");
	assert_parse_error("budgets: []\n", "t.yaml:1: 'budgets': expected "
	    "at least one budget");
	assert_parse_error("budgets:\n  - org\n", "t.yaml:2: budget 1: "
	    "expected a mapping");
	assert_parse_error("budgets:\n  - scope: org\n    period: week\n"
	    "    credits: 5\n", "t.yaml:2: budget 1: expected the key 'name'");
	assert_parse_error("budgets:\n  - {name: a, scope: org, period: "
	    "week, credits: 5}\n  - name: a\n",
	    "t.yaml:3: budget 'a' is given twice");
	assert_parse_error("budgets:\n  - name: a\n    colour: red\n",
	    "t.yaml:3: budget 'a': expected one of the keys name, scope");
	assert_parse_error("budgets:\n  - name: a\n    name: b\n",
	    "t.yaml:3: budget 'a': the key 'name' is given twice");
	assert_parse_error("budgets:\n  - name: ''\n",
	    "t.yaml:2: budget 1: 'name': expected a budget name, found an "
	    "empty string");
	assert_parse_error("budgets:\n  - name: {x: y}\n",
	    "t.yaml:2: budget 1: 'name': expected a budget name, found a "
	    "mapping");
	assert_parse_error("budgets:\n  - name: a\n    scope: org\n"
	    "    credits: 5\n", "t.yaml:2: budget 'a': expected the key "
	    "'period'");
	assert_parse_error("budgets:\n  - name: a\n    period: week\n"
	    "    credits: 5\n", "t.yaml:2: budget 'a': expected a scope");
	assert_parse_error("budgets:\n  - name: a\n    period: week\n"
	    "    scope: org\n", "t.yaml:2: budget 'a': expected an amount");
	assert_parse_error("budgets:\n  - name: a\n    period: fortnight\n",
	    "t.yaml:3: budget 'a': 'period': expected week (Monday to Sunday "
	    "UTC) or month, found 'fortnight'");
	assert_parse_error("budgets:\n  - name: a\n    scope: everyone\n",
	    "t.yaml:3: budget 'a': 'scope': expected org");
	assert_parse_error("budgets:\n  - name: a\n    scope: org\n"
	    "    team: web\n", "t.yaml:4: budget 'a': a second scope 'team'");
	assert_parse_error("budgets:\n  - name: a\n    by: {day: "
	    "2026-12-01}\n", "t.yaml:3: budget 'a': 'by': expected one of "
	    "project, workflow");
	assert_parse_error("budgets:\n  - name: a\n    by: {}\n",
	    "t.yaml:3: budget 'a': 'by': expected a --by key, found an empty "
	    "mapping");
	assert_parse_error("budgets:\n  - name: a\n    by: {os: linux, "
	    "branch: main}\n", "t.yaml:3: budget 'a': 'by': expected one key "
	    "and its value, found more");
	assert_parse_error("budgets:\n  - name: a\n    by: xlarge\n",
	    "t.yaml:3: budget 'a': 'by': expected a mapping");
	assert_parse_error("budgets:\n  - name: a\n    project: [x]\n",
	    "t.yaml:3: budget 'a': 'project': expected a project glob");
	assert_parse_error("budgets:\n  - name: a\n    credits: 0\n",
	    "t.yaml:3: budget 'a': 'credits': expected an amount above 0");
	assert_parse_error("budgets:\n  - name: a\n    usd: -5\n",
	    "t.yaml:3: budget 'a': 'usd': expected an amount above 0");
	assert_parse_error("budgets:\n  - name: a\n    credits: lots\n",
	    "found 'lots'");
	assert_parse_error("budgets:\n  - name: a\n    credits: \"5\"\n",
	    "t.yaml:3: budget 'a': 'credits': expected an amount");
	assert_parse_error("budgets:\n  - name: a\n    credits: 1e16\n",
	    "t.yaml:3: budget 'a': 'credits': expected an amount above 0 "
	    "(below 10^15)");
	assert_parse_error("budgets:\n  - name: a\n    credits: 5\n"
	    "    usd: 5\n", "t.yaml:4: budget 'a': both credits and usd");
	assert_parse_error("budgets:\n  - name: a\n    thresholds: 50\n",
	    "t.yaml:3: budget 'a': 'thresholds': expected a list of "
	    "percentages");
	assert_parse_error("budgets:\n  - name: a\n    thresholds: []\n",
	    "t.yaml:3: budget 'a': 'thresholds': expected at least one");
	assert_parse_error("budgets:\n  - name: a\n    thresholds:\n"
	    "      - 50\n      - 40\n", "t.yaml:5: budget 'a': 'thresholds': "
	    "expected ascending percentages, found 40");
	assert_parse_error("budgets:\n  - name: a\n    thresholds: [50, "
	    "50]\n", "expected ascending");
	assert_parse_error("budgets:\n  - name: a\n    thresholds: [0]\n",
	    "'thresholds': expected a percentage above 0 and at most 1000, "
	    "found '0'");
	assert_parse_error("budgets:\n  - name: a\n    thresholds: [1001]\n",
	    "found '1001'");
	assert_parse_error("budgets:\n  - name: a\n    thresholds: [[50]]\n",
	    "found a list");
	assert_parse_error("budgets:\n  - &x {name: a, scope: org, period: "
	    "week, credits: 5}\n  - *x\n", "t.yaml:3: budget 2: expected a "
	    "mapping (name, scope, period, credits or usd, thresholds), "
	    "found an alias");
	assert_parse_error("budgets: [\n", "t.yaml:2: not valid YAML");
	assert_parse_error("budgets:\n  - {name: a, scope: org, period: "
	    "week, credits: 5}\n---\nbudgets: []\n",
	    "t.yaml:3: expected one YAML document");
	assert_parse_error("budgets: []\nbudgets: []\n", "expected at least "
	    "one budget");
	/* hostile: deep nesting where a name, a list, a budget go */
	big = xmalloc(200001);
	memset(big, '[', 200000);
	big[200000] = '\0';
	s = xasprintf("%s    name: %s\n", head, big);
	assert_parse_error(s, "t.yaml:");
	free(s);
	s = xasprintf("budgets: %s\n", big);
	assert_parse_error(s, "t.yaml:1: budget 1: expected a mapping");
	free(s);
	memset(big, '{', 200000);
	s = xasprintf("budgets:\n  - name: a\n    by: %s\n", big);
	assert_parse_error(s, "t.yaml:3: budget 'a': 'by': expected a --by "
	    "key, found a mapping");
	free(s);
	free(big);
	/* hostile: more budgets than a file may hold */
	sbuf_init(&sb, 64 << 20);
	sbuf_addstr(&sb, "budgets:\n");
	for (i = 0; i <= BUDGETS_MAX; i++)
		sbuf_addf(&sb, "  - {name: b%zu, scope: org, period: week, "
		    "credits: 1}\n", i);
	s = sbuf_detach(&sb);
	assert_parse_error(s, "t.yaml:10002: expected at most 10000 budgets");
	free(s);
}

static void
test_load(void **state)
{
	char *dir = unit_tmpdir(), *path = unit_path(dir, "budgets.yml");
	struct unit_capture c;
	struct budgets *bs;
	char *err, *huge;

	(void)state;
	unit_writes(path, "budgets:\n  - {name: a, scope: org, period: week, "
	    "credits: 5}\n");
	bs = budgets_load(path);
	assert_non_null(bs);
	assert_string_equal(bs->path, path);
	budgets_free(bs);
	unit_writes(path, "budgets:\n  - name: a\n    period: year\n");
	unit_capture_begin(&c);
	bs = budgets_load(path);
	err = unit_capture_end(&c);
	assert_null(bs);
	assert_contains(err, path);
	assert_contains(err, ":3: budget 'a': 'period'");
	free(err);
	/* a file past the limit is refused before it is parsed */
	huge = xmalloc(BUDGETS_MAX_FILE + 2);
	memset(huge, '#', BUDGETS_MAX_FILE + 1);
	huge[BUDGETS_MAX_FILE + 1] = '\0';
	unit_writes(path, huge);
	free(huge);
	unit_capture_begin(&c);
	bs = budgets_load(path);
	err = unit_capture_end(&c);
	assert_null(bs);
	assert_contains(err, "is larger than 4 MiB");
	free(err);
	unlink(path);
	unit_capture_begin(&c);
	bs = budgets_load(path);
	err = unit_capture_end(&c);
	assert_null(bs);
	assert_contains(err, "cannot open the budgets file");
	free(err);
	unit_rmtree(dir);
	free(path);
	free(dir);
}

static void
test_periods(void **state)
{
	int32_t s, e;

	(void)state;
	/* 2026-12-02 is a Wednesday: Monday 11-30 to Sunday 12-06 */
	budget_period_bounds(BUDGET_WEEK, day("2026-12-02"), &s, &e);
	assert_int_equal(s, day("2026-11-30"));
	assert_int_equal(e, day("2026-12-06"));
	budget_period_bounds(BUDGET_WEEK, day("2026-11-30"), &s, &e);
	assert_int_equal(s, day("2026-11-30"));
	budget_period_bounds(BUDGET_WEEK, day("2026-12-06"), &s, &e);
	assert_int_equal(s, day("2026-11-30"));
	/* a week across the year: 2026-W53 */
	budget_period_bounds(BUDGET_WEEK, day("2027-01-01"), &s, &e);
	assert_int_equal(s, day("2026-12-28"));
	assert_int_equal(e, day("2027-01-03"));
	budget_period_bounds(BUDGET_MONTH, day("2026-12-31"), &s, &e);
	assert_int_equal(s, day("2026-12-01"));
	assert_int_equal(e, day("2026-12-31"));
	budget_period_bounds(BUDGET_MONTH, day("2028-02-29"), &s, &e);
	assert_int_equal(s, day("2028-02-01"));
	assert_int_equal(e, day("2028-02-29"));
	budget_period_bounds(BUDGET_MONTH, day("2027-02-01"), &s, &e);
	assert_int_equal(e, day("2027-02-28"));
	assert_string_equal(budget_period_name(BUDGET_MONTH), "month");
	assert_string_equal(budget_status_name(BUDGET_PROJECTED_OVER),
	    "projected_over");
}

/* A weekday's spend in the patterned series: Monday 100 ... Sunday 700. */
#define PAT(d) ((dec_t)date_weekday(d) * 100 * DEC_ONE)

/* daily[] for days first .. at - 1, the pattern PAT. */
static dec_t *
series(int32_t first, int32_t at)
{
	dec_t *v = xcalloc((size_t)(at - first), sizeof(*v));
	int32_t d;

	for (d = first; d < at; d++)
		v[d - first] = PAT(d);
	return v;
}

static void
test_profile(void **state)
{
	int32_t at = day("2026-12-02"), first = at - 40;
	dec_t *v = series(first, at), ex[7];
	int i;

	(void)state;
	/* four weeks and more: each weekday's own mean */
	v[at - 29 - first] = unit_dec("1000000");	/* outside the window */
	assert_int_equal(budget_profile(v, first, 40, first, at, ex), 28);
	for (i = 0; i < 7; i++)
		assert_dec_equal(ex[i], (dec_t)(i + 1) * 100 * DEC_ONE);
	/* inside it, one Monday of four is 500 more: the mean 125 more */
	v[day("2026-11-23") - first] += unit_dec("500");
	budget_profile(v, first, 40, first, at, ex);
	assert_dec_equal(ex[0], unit_dec("225"));
	v[day("2026-11-23") - first] -= unit_dec("500");
	/* 10 days (a week and 3): weekday means still */
	assert_int_equal(budget_profile(v, first, 40, at - 10, at, ex), 10);
	for (i = 0; i < 7; i++)
		assert_dec_equal(ex[i], (dec_t)(i + 1) * 100 * DEC_ONE);
	/* less than a week (Sun, Mon, Tue): their flat mean, every day */
	assert_int_equal(budget_profile(v, first, 40, at - 3, at, ex), 3);
	for (i = 0; i < 7; i++)
		assert_dec_equal(ex[i], unit_dec("333.333333"));
	/* no history: nothing expected */
	assert_int_equal(budget_profile(v, first, 40, at, at, ex), 0);
	for (i = 0; i < 7; i++)
		assert_dec_equal(ex[i], 0);
	/* a mean rounds half away from zero at 6 decimals */
	for (i = 0; i < 40; i++)
		v[i] = unit_dec("0.0000015");
	budget_profile(v, first, 40, at - 2, at, ex);
	assert_dec_equal(ex[0], unit_dec("0.000002"));
	free(v);
}

static struct budget
weekly(const char *amount)
{
	struct budget b;

	memset(&b, 0, sizeof(b));
	b.period = BUDGET_WEEK;
	b.amount = unit_dec(amount);
	b.thresholds[0] = unit_dec("50");
	b.thresholds[1] = unit_dec("75");
	b.thresholds[2] = unit_dec("90");
	b.thresholds[3] = unit_dec("100");
	b.nthresholds = 4;
	return b;
}

static void
test_evaluate(void **state)
{
	int32_t at = day("2026-12-02"), first = at - 35;
	dec_t *v = series(first, at);
	struct budget b = weekly("5000");
	struct budget_eval e;

	(void)state;
	/* Wednesday: Monday and Tuesday spent, Wednesday to Sunday ahead */
	budget_evaluate(&b, b.amount, v, first, 35, first, at, &e);
	assert_int_equal(e.start, day("2026-11-30"));
	assert_int_equal(e.end, day("2026-12-06"));
	assert_dec_equal(e.spent, unit_dec("300"));
	assert_dec_equal(e.projected, unit_dec("2800"));
	assert_dec_equal(e.used_pct, unit_dec("6"));
	assert_dec_equal(e.projected_pct, unit_dec("56"));
	assert_int_equal(e.status, BUDGET_OK);
	assert_int_equal(e.threshold, -1);
	assert_int_equal(e.have_runs_out, 0);
	assert_int_equal(e.history_days, 28);
	/* 1000: runs out on Thursday (100 + 200 + 300 + 400) */
	b = weekly("1000");
	budget_evaluate(&b, b.amount, v, first, 35, first, at, &e);
	assert_int_equal(e.status, BUDGET_PROJECTED_OVER);
	assert_int_equal(e.have_runs_out, 1);
	assert_int_equal(e.runs_out, day("2026-12-03"));
	assert_int_equal(e.threshold, -1);	/* 30% spent */
	/* 250: over on Tuesday, 120% spent */
	b = weekly("250");
	budget_evaluate(&b, b.amount, v, first, 35, first, at, &e);
	assert_int_equal(e.status, BUDGET_OVER);
	assert_int_equal(e.runs_out, day("2026-12-01"));
	assert_int_equal(e.threshold, 3);
	assert_dec_equal(e.used_pct, unit_dec("120"));
	/* exactly the amount: over, at 100% */
	b = weekly("300");
	budget_evaluate(&b, b.amount, v, first, 35, first, at, &e);
	assert_int_equal(e.status, BUDGET_OVER);
	assert_int_equal(e.threshold, 3);
	free(v);
	/* Saturday: 1500 spent of 2800, projected 2800 exactly: warning */
	at = day("2026-12-05");
	first = at - 35;
	v = series(first, at);
	b = weekly("2800");
	budget_evaluate(&b, b.amount, v, first, 35, first, at, &e);
	assert_dec_equal(e.spent, unit_dec("1500"));
	assert_dec_equal(e.projected, unit_dec("2800"));
	assert_int_equal(e.status, BUDGET_WARNING);
	assert_int_equal(e.threshold, 0);	/* 53.57% */
	assert_int_equal(e.runs_out, day("2026-12-06"));
	b = weekly("1875");	/* 80% spent */
	budget_evaluate(&b, b.amount, v, first, 35, first, at, &e);
	assert_int_equal(e.status, BUDGET_PROJECTED_OVER);
	assert_int_equal(e.threshold, 1);
	free(v);
	/* Monday, the period's first day: nothing spent yet */
	at = day("2026-11-30");
	first = at - 35;
	v = series(first, at);
	b = weekly("5000");
	budget_evaluate(&b, b.amount, v, first, 35, first, at, &e);
	assert_dec_equal(e.spent, 0);
	assert_dec_equal(e.projected, unit_dec("2800"));
	/* no history before the period: the projection is what was spent */
	budget_evaluate(&b, b.amount, v, first, 35, at, at, &e);
	assert_dec_equal(e.projected, 0);
	assert_int_equal(e.history_days, 0);
	free(v);
}

static void
test_month(void **state)
{
	int32_t at = day("2026-12-11"), first = at - 60, d;
	dec_t *v = xcalloc(60, sizeof(*v));
	struct budget b = weekly("3000");
	struct budget_eval e;

	(void)state;
	for (d = first; d < at; d++)
		v[d - first] = unit_dec("100");
	b.period = BUDGET_MONTH;
	budget_evaluate(&b, b.amount, v, first, 60, first, at, &e);
	assert_int_equal(e.start, day("2026-12-01"));
	assert_int_equal(e.end, day("2026-12-31"));
	assert_dec_equal(e.spent, unit_dec("1000"));
	assert_dec_equal(e.projected, unit_dec("3100"));
	assert_int_equal(e.have_runs_out, 1);
	assert_int_equal(e.runs_out, day("2026-12-30"));
	assert_int_equal(e.status, BUDGET_PROJECTED_OVER);
	b.amount = unit_dec("3100");
	budget_evaluate(&b, b.amount, v, first, 60, first, at, &e);
	assert_int_equal(e.status, BUDGET_OK);	/* 32.26% */
	assert_int_equal(e.runs_out, day("2026-12-31"));
	b.amount = unit_dec("3200");
	budget_evaluate(&b, b.amount, v, first, 60, first, at, &e);
	assert_int_equal(e.have_runs_out, 0);
	free(v);
}

static void
test_div(void **state)
{
	dec_t r = 0;

	(void)state;
	assert_int_equal(budget_div(unit_dec("1800"), unit_dec("0.0006"), 2,
	    &r), 0);
	assert_dec_equal(r, unit_dec("3000000"));
	assert_int_equal(budget_div(unit_dec("1000"), unit_dec("0.0007"), 2,
	    &r), 0);
	assert_dec_equal(r, unit_dec("1428571.43"));
	assert_int_equal(budget_div(unit_dec("2"), unit_dec("3"), 18, &r), 0);
	assert_dec_equal(r, unit_dec("0.666666666666666667"));
	assert_int_equal(budget_div(unit_dec("1"), 0, 2, &r), -1);
	assert_int_equal(budget_div(unit_dec("999999999999999"), 1, 2, &r),
	    -1);	/* 10^35 credits: past DEC_SUM_MAX */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_evaluate),
		cmocka_unit_test(test_month),
		cmocka_unit_test(test_div),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
