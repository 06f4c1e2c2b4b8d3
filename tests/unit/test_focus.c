/*
 * test_focus.c: the FOCUS writer: one row per credit kind with credits,
 * the remainder of TOTAL_CREDITS as kind "other", exact costs, the month
 * as billing period (December to January), the SKU per kind, the JSON
 * columns escaped and prefixed, the fallbacks of the billing account and
 * the sub account, the error with no account, and the day grain's sums
 * and order.
 */
#include "unit.h"

#include <string.h>

#include "date.h"
#include "focus.h"

#define D(s) unit_dec(s)

/* What is written for `charges`, the header first, as one string. */
static char *
write_rows(const struct focus_opts *o, const struct focus_charge *c,
    size_t n, int *ret)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	struct focus_writer *w = focus_writer_new(f, o);

	*ret = 0;
	focus_writer_header(w);
	for (i = 0; i < n && *ret == 0; i++)
		*ret = focus_writer_add(w, &c[i], "p.csv", i + 2);
	if (*ret == 0)
		*ret = focus_writer_finish(w);
	focus_writer_free(w);
	fclose(f);
	return buf;
}

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

#define TEXT(c, field, s) ((c).field = (s), (c).field##_len = strlen(s))

static void
test_job_rows(void **state)
{
	struct focus_opts o = { .grain = FOCUS_GRAIN_JOB };
	struct focus_charge c;
	dec_t cr[CR_COUNT];
	char *out;
	int ret;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(cr, 0, sizeof(cr));
	o.price = D("0.0006");
	cr[CR_COMPUTE] = D("10.5");
	cr[CR_STORAGE] = D("0.000001");
	cr[CR_TOTAL] = D("12.500001");	/* 2 beyond the kinds */
	c.credits = cr;
	TEXT(c, org_id, "org-uuid");
	TEXT(c, org_name, "Acme");
	TEXT(c, project_id, "p-uuid");
	TEXT(c, project_name, "web, \"app\"");
	TEXT(c, resource_class, "medium");
	TEXT(c, job_id, "j1");
	TEXT(c, workflow, "ci\n<x>");
	TEXT(c, job, "build");
	c.day = date_from_ymd(2026, 12, 31);
	out = write_rows(&o, &c, 1, &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(count(out, "\n"), 4);
	assert_true(strncmp(out, "BilledCost,BillingAccountId,", 28) == 0);
	/* compute: 10.5 x 0.0006 exactly; its SKU and price details */
	assert_non_null(strstr(out, "0.0063,org-uuid,Acme,USD,"
	    "2027-01-01T00:00:00Z,2026-12-01T00:00:00Z,Usage,,"
	    "Compute credits on resource class medium,Usage-Based,"
	    "2027-01-01T00:00:00Z,2026-12-31T00:00:00Z,10.5,Credits,"
	    "0.0063,0.0006,0.0063,CircleCI,0.0063,0.0006,Standard,"
	    "Credits,1,10.5,1,10.5,Credits,CircleCI,CircleCI,"
	    "Developer Tools,CircleCI,Continuous Integration and Deployment,"
	    "compute/medium,Compute,\"{\"\"InstanceType\"\":\"\"medium\"\"}\","
	    "compute/medium,p-uuid,\"web, \"\"app\"\"\","));
	/* a tiny storage cost, exact to 18 decimals */
	assert_non_null(strstr(out, "\n0.0000000006,org-uuid,"));
	assert_non_null(strstr(out, ",storage,Storage,,storage,"));
	/* the remainder of TOTAL_CREDITS */
	assert_non_null(strstr(out, "\n0.0012,org-uuid,"));
	assert_non_null(strstr(out, ",other,j1,medium\n"));
	/* Tags: provider keys prefixed, JSON escapes, empty branch left out */
	assert_non_null(strstr(out, "\"{\"\"circleci/workflow\"\":"
	    "\"\"ci\\n\\u003cx>\"\",\"\"circleci/job\"\":\"\"build\"\"}\""));
	assert_null(strstr(out, "branch"));
	free(out);
}

static void
test_fallbacks(void **state)
{
	struct focus_opts o = { .grain = FOCUS_GRAIN_JOB };
	struct focus_charge c;
	dec_t cr[CR_COUNT];
	char *out;
	int ret;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(cr, 0, sizeof(cr));
	o.price = D("1");
	cr[CR_DLC] = cr[CR_TOTAL] = D("200");
	c.credits = cr;
	c.day = date_from_ymd(2026, 2, 28);
	/* no account at all: an error naming the file and line */
	out = write_rows(&o, &c, 1, &ret);
	assert_int_equal(ret, EXIT_BAD_INPUT);
	free(out);
	/* the manifest's org id; the project's name as its id */
	o.org_id = "manifest-org";
	TEXT(c, project_name, "api");
	out = write_rows(&o, &c, 1, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "200,manifest-org,,USD,"
	    "2026-03-01T00:00:00Z,2026-02-01T00:00:00Z,"));
	assert_non_null(strstr(out, ",dlc,Docker Layer Caching,,dlc,api,api,"
	    ",dlc,,\n"));
	free(out);
	/* an organization's name alone */
	o.org_id = NULL;
	TEXT(c, org_name, "Acme");
	out = write_rows(&o, &c, 1, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out, "200,Acme,Acme,USD,"));
	free(out);
}

static void
test_day_grain(void **state)
{
	struct focus_opts o = { .grain = FOCUS_GRAIN_DAY };
	struct focus_charge c[3];
	dec_t cr[3][CR_COUNT];
	char *out, *a, *b;
	int ret, i;

	(void)state;
	memset(c, 0, sizeof(c));
	memset(cr, 0, sizeof(cr));
	o.price = D("0.0006");
	for (i = 0; i < 3; i++) {
		TEXT(c[i], org_id, "o");
		TEXT(c[i], project_name, i == 2 ? "a" : "b");
		TEXT(c[i], resource_class, "large");
		TEXT(c[i], job_id, "job");
		c[i].day = date_from_ymd(2026, 11, i == 2 ? 2 : 1);
		cr[i][CR_COMPUTE] = cr[i][CR_TOTAL] = D("1.25");
		c[i].credits = cr[i];
	}
	out = write_rows(&o, c, 3, &ret);
	assert_int_equal(ret, 0);
	/* b's two runs summed, sorted before a's later day; no job id */
	a = strstr(out, "\n0.0015,o,,");
	b = strstr(out, "\n0.00075,o,,");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	assert_non_null(strstr(a, ",2.5,Credits,"));
	assert_null(strstr(out, ",job,"));
	assert_int_equal(count(out, "\n"), 3);
	free(out);
}

static void
test_columns(void **state)
{
	size_t i, n = 0;

	(void)state;
	for (i = 0; focus_columns[i] != NULL; i++, n++)
		if (i > 0 && focus_columns[i][0] != 'x')
			assert_true(strcmp(focus_columns[i - 1],
			    focus_columns[i]) < 0);
	assert_int_equal(n, 42);
	assert_string_equal(focus_kind_name(CR_TOTAL), "other");
	{
		int32_t s, e;

		focus_month(date_from_ymd(2028, 2, 29), &s, &e);
		assert_int_equal(s, date_from_ymd(2028, 2, 1));
		assert_int_equal(e, date_from_ymd(2028, 3, 1));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_rows),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_day_grain),
		cmocka_unit_test(test_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
