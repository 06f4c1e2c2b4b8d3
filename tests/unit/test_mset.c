/*
 * test_mset.c: the metric set's OpenMetrics text (names, units, label
 * escaping and cleaning, exact values, # EOF) and the report's metrics
 * (mreport.c): labels from the keys, the (other) row's failing credits,
 * and rows whose names clean alike merged into one series.
 */
#include "unit.h"

#include "mreport.h"
#include "mset.h"

static char *
text_of(const struct mset *m)
{
	struct sbuf sb;

	sbuf_init(&sb, 1 << 20);
	assert_int_equal(mset_openmetrics(m, &sb), 0);
	return sbuf_detach(&sb);
}

static char *
escaped(const char *s, size_t len)
{
	struct sbuf sb;

	sbuf_init(&sb, 1 << 16);
	assert_int_equal(mset_escape_value(&sb, s, len), 0);
	return sbuf_detach(&sb);
}

static char *
cleaned(const char *s, size_t len)
{
	struct sbuf sb;

	sbuf_init(&sb, 1 << 16);
	assert_int_equal(mset_clean_value(&sb, s, len), 0);
	return sbuf_detach(&sb);
}

static void
assert_escaped(const char *s, size_t len, const char *want)
{
	char *got = escaped(s, len);

	assert_string_equal(got, want);
	free(got);
}

static void
assert_cleaned(const char *s, size_t len, const char *want)
{
	char *got = cleaned(s, len);

	assert_string_equal(got, want);
	free(got);
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(mset_name_ok("circleci_usage_credits"));
	assert_true(mset_name_ok("a:b_c9"));
	assert_true(mset_name_ok("_x"));
	assert_true(mset_name_ok(":x"));
	assert_false(mset_name_ok(""));
	assert_false(mset_name_ok("9x"));
	assert_false(mset_name_ok("a-b"));
	assert_false(mset_name_ok("a.b"));
	assert_false(mset_name_ok("caf\xc3\xa9"));
	assert_true(mset_label_name_ok("project"));
	assert_true(mset_label_name_ok("resource_class"));
	assert_false(mset_label_name_ok("__name__"));
	assert_false(mset_label_name_ok("a:b"));
	assert_false(mset_label_name_ok("1a"));
	assert_false(mset_label_name_ok(""));
}

static void
test_escape(void **state)
{
	(void)state;
	assert_escaped("plain", 5, "plain");
	assert_escaped("", 0, "");
	assert_escaped("a\"b", 3, "a\\\"b");
	assert_escaped("a\\b", 3, "a\\\\b");
	assert_escaped("a\nb", 3, "a\\nb");
	assert_escaped("\\n", 2, "\\\\n");
	assert_escaped("tab\there", 8, "tab\there");
	assert_escaped("caf\xc3\xa9 \xf0\x9f\x98\x80", 10,
	    "caf\xc3\xa9 \xf0\x9f\x98\x80");
	assert_escaped("\xff" "x", 2, "\xef\xbf\xbdx");
	assert_escaped("a\xe2\x82", 3, "a\xef\xbf\xbd\xef\xbf\xbd");
	/* cleaning: controls (not tab, LF) and bad bytes become U+FFFD */
	assert_cleaned("a\rb", 3, "a\xef\xbf\xbd" "b");
	assert_cleaned("a\0b", 3, "a\xef\xbf\xbd" "b");
	assert_cleaned("\x7f\x1b", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	assert_cleaned("a\tb\nc", 5, "a\tb\nc");
	assert_cleaned("\xc0\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	assert_cleaned("\xe2\x82\xac", 3, "\xe2\x82\xac");
}

static void
test_text(void **state)
{
	struct mset m;
	size_t a, b, c;
	char *t;

	(void)state;
	mset_init(&m);
	a = mset_family(&m, "x_credits", "credits", "Credits.");
	b = mset_family(&m, "x_jobs", "", "Jobs.");
	c = mset_family(&m, "x_unused_seconds", "seconds", "Never sampled.");
	(void)c;
	mset_sample(&m, a, (dec_t)123456789 * DEC_ONE / 1000000 +
	    (dec_t)1);	/* 123.456789000000000001: all 18 decimals */
	mset_label(&m, "project", "q\"\\\n", 4);
	mset_label(&m, "kind", "compute", 7);
	mset_sample(&m, b, dec_from_int(3));
	mset_sample(&m, a, -DEC_ONE / 2);
	t = text_of(&m);
	assert_string_equal(t,
	    "# HELP x_credits Credits.\n"
	    "# TYPE x_credits gauge\n"
	    "# UNIT x_credits credits\n"
	    "x_credits{project=\"q\\\"\\\\\\n\",kind=\"compute\"} "
	    "123.456789000000000001\n"
	    "x_credits -0.5\n"
	    "# HELP x_jobs Jobs.\n"
	    "# TYPE x_jobs gauge\n"
	    "x_jobs 3\n"
	    "# EOF\n");
	free(t);
	mset_release(&m);

	/* an empty set is still a whole exposition */
	mset_init(&m);
	t = text_of(&m);
	assert_string_equal(t, "# EOF\n");
	free(t);
	mset_release(&m);
}

static void
add_group(struct agg *a, const char *project, const char *status,
    dec_t credits, uint64_t jobs)
{
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, 1 << 16);
	agg_key_add(&key, project, strlen(project));
	if (status != NULL)
		agg_key_add(&key, status, strlen(status));
	g = agg_get(a, key.buf, key.len, agg_hash(key.buf, key.len));
	g->m.credits[CR_COMPUTE] += credits;
	g->m.credits[CR_TOTAL] += credits;
	g->m.jobs += jobs;
	sbuf_release(&key);
}

/* a: 10 credits, 2 of them failed; "b\r" and "b\x01" clean to one name;
 * c and d fold into (other), with 1 failed credit of d's */
static void
test_report_metrics(void **state)
{
	struct report_opts o, vo, so;
	struct report_result res;
	struct mreport_info info = { "org/1", NULL, 1, 20424, 20430 };
	const struct agg *bs;
	struct view v;
	struct mset m;
	char failed[] = "failed";
	char *waste[] = { failed };
	char *t;

	(void)state;
	report_opts_init(&o);
	assert_int_equal(mreport_sets(&o, "project"), 0);
	report_set_opts(&o, 0, &vo);
	report_set_opts(&o, 1, &so);
	memset(&res, 0, sizeof(res));
	agg_init(&res.groups);
	agg_init(&res.more[0]);
	add_group(&res.groups, "a", NULL, 10 * DEC_ONE, 5);
	add_group(&res.groups, "b\r", NULL, 4 * DEC_ONE, 2);
	add_group(&res.groups, "b\x01", NULL, 3 * DEC_ONE, 1);
	add_group(&res.groups, "c", NULL, 2 * DEC_ONE, 1);
	add_group(&res.groups, "d", NULL, 1 * DEC_ONE, 1);
	add_group(&res.more[0], "a", "success", 8 * DEC_ONE, 4);
	add_group(&res.more[0], "a", "FAILED", 2 * DEC_ONE, 1);
	add_group(&res.more[0], "b\r", "failed", 4 * DEC_ONE, 2);
	add_group(&res.more[0], "b\x01", "failed", 1 * DEC_ONE, 1);
	add_group(&res.more[0], "d", "failed", 1 * DEC_ONE, 1);
	res.totals.credits[CR_TOTAL] = 20 * DEC_ONE;
	view_build(&v, &vo, &res, VM_CREDITS + CR_TOTAL, -1, 3, DEC_ONE);
	bs = report_set_groups(&res, 1);
	mset_init(&m);
	mreport_collect(&m, &v, &so, bs, waste, 1, &info);
	t = text_of(&m);
	/* b's two rows are one series of 7 credits, 5 of them failed */
	assert_non_null(strstr(t, "circleci_usage_total_credits"
	    "{project=\"a\"} 10\n"
	    "circleci_usage_total_credits{project=\"b\xef\xbf\xbd\"} 7\n"
	    "circleci_usage_total_credits{project=\"(other)\"} 3\n"));
	assert_non_null(strstr(t, "circleci_usage_failed_credits"
	    "{project=\"a\"} 2\n"
	    "circleci_usage_failed_credits{project=\"b\xef\xbf\xbd\"} 5\n"
	    "circleci_usage_failed_credits{project=\"(other)\"} 1\n"));
	assert_non_null(strstr(t, "circleci_usage_failed_jobs"
	    "{project=\"(other)\"} 1\n"));
	assert_non_null(strstr(t, "circleci_usage_cost_usd"
	    "{project=\"b\xef\xbf\xbd\"} 7\n"));
	assert_non_null(strstr(t, "circleci_usage_credits{project=\"a\","
	    "kind=\"compute\"} 10\n"));
	assert_non_null(strstr(t, "circleci_usage_report_info{org=\"org/1\","
	    "since=\"2025-12-02\",until=\"2025-12-08\"} 1\n"));
	assert_non_null(strstr(t, "circleci_usage_period_start_seconds "
	    "1764633600\n"));
	assert_non_null(strstr(t, "circleci_usage_period_end_seconds "
	    "1765238400\n# EOF\n"));
	free(t);
	mset_release(&m);
	view_release(&v);
	agg_release(&res.groups);
	agg_release(&res.more[0]);
	report_opts_release(&so);
	report_opts_release(&vo);
	report_opts_release(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_report_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
