/*
 * test_usage.c: export columns and header mapping (usage.h): names by
 * column, lookup in any case with white space trimmed, header rows with
 * unknown, reordered (JOB_ID / JOB_RUN_NUMBER swapped), quoted, escaped or
 * BOM-prefixed names, and missing columns; a known column named twice
 * (in any spelling) is an error naming both columns, an unknown one not.
 */
#include "unit.h"

#include "csv.h"
#include "usage.h"

struct src {
	const char *data;
	size_t len, pos;
};

static ssize_t
src_read(void *ctx, void *buf, size_t len)
{
	struct src *s = ctx;
	size_t n = s->len - s->pos;

	if (n > len)
		n = len;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

/* Map the first record of `csv` (`len` bytes) as a header. */
static int
map_header(const char *csv, size_t len, struct usage_header *h)
{
	struct src s = { csv, len, 0 };
	struct csv_reader *r = csv_reader_new(src_read, &s, 4096, 1 << 20);
	struct csv_record rec;
	struct sbuf scratch;
	int ret;

	sbuf_init(&scratch, 1 << 20);
	assert_int_equal(csv_reader_next(r, &rec), 1);
	memset(h, 0x55, sizeof(*h));
	ret = usage_header_map(h, &rec, &scratch);
	sbuf_release(&scratch);
	csv_reader_free(r);
	return ret;
}

static void
test_column_names(void **state)
{
	int i, j;

	(void)state;
	assert_int_equal(COL_COUNT, 48);
	assert_string_equal(usage_col_name(COL_ORGANIZATION_ID),
	    "ORGANIZATION_ID");
	assert_string_equal(usage_col_name(COL_JOB_ID), "JOB_ID");
	assert_string_equal(usage_col_name(COL_JOB_RUN_NUMBER),
	    "JOB_RUN_NUMBER");
	assert_string_equal(usage_col_name(COL_PROJECT_NAME), "PROJECT_NAME");
	assert_string_equal(usage_col_name(COL_VCS_BRANCH), "VCS_BRANCH");
	assert_string_equal(usage_col_name(COL_JOB_RUN_DATE), "JOB_RUN_DATE");
	assert_string_equal(usage_col_name(COL_RESOURCE_CLASS),
	    "RESOURCE_CLASS");
	assert_string_equal(usage_col_name(COL_COMPUTE_CREDITS),
	    "COMPUTE_CREDITS");
	assert_string_equal(usage_col_name(COL_LEASE_OVERAGE_CREDITS),
	    "LEASE_OVERAGE_CREDITS");
	assert_string_equal(usage_col_name(COL_IPRANGES_CREDITS),
	    "IPRANGES_CREDITS");
	assert_string_equal(usage_col_name(COL_TOTAL_CREDITS),
	    "TOTAL_CREDITS");
	/* every name is distinct, upper case, and finds its own column */
	for (i = 0; i < COL_COUNT; i++) {
		const char *n = usage_col_name(i);

		assert_int_equal(usage_col_find(n, strlen(n)), i);
		for (j = 0; n[j]; j++)
			assert_false(n[j] >= 'a' && n[j] <= 'z');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, usage_col_name(j));
	}
}

/* The 48 names in the order of usage-api.md section 7. */
static void
test_column_order_matches_spec(void **state)
{
	static const char *const spec[] = {
		"ORGANIZATION_ID", "ORGANIZATION_NAME",
		"ORGANIZATION_CREATED_DATE", "PROJECT_ID", "PROJECT_NAME",
		"PROJECT_CREATED_DATE", "LAST_BUILD_FINISHED_AT", "VCS_NAME",
		"VCS_URL", "VCS_BRANCH", "PIPELINE_ID", "PIPELINE_CREATED_AT",
		"PIPELINE_NUMBER", "IS_UNREGISTERED_USER",
		"PIPELINE_TRIGGER_SOURCE", "PIPELINE_TRIGGER_USER_ID",
		"WORKFLOW_ID", "WORKFLOW_NAME", "WORKFLOW_FIRST_JOB_QUEUED_AT",
		"WORKFLOW_FIRST_JOB_STARTED_AT", "WORKFLOW_STOPPED_AT",
		"IS_WORKFLOW_SUCCESSFUL", "JOB_NAME", "JOB_ID",
		"JOB_RUN_NUMBER", "JOB_RUN_DATE", "JOB_RUN_QUEUED_AT",
		"JOB_RUN_STARTED_AT", "JOB_RUN_STOPPED_AT", "JOB_BUILD_STATUS",
		"RESOURCE_CLASS", "OPERATING_SYSTEM", "EXECUTOR", "PARALLELISM",
		"JOB_RUN_SECONDS", "MEDIAN_CPU_UTILIZATION_PCT",
		"MAX_CPU_UTILIZATION_PCT", "MEDIAN_RAM_UTILIZATION_PCT",
		"MAX_RAM_UTILIZATION_PCT", "COMPUTE_CREDITS", "DLC_CREDITS",
		"USER_CREDITS", "STORAGE_CREDITS", "NETWORK_CREDITS",
		"LEASE_CREDITS", "LEASE_OVERAGE_CREDITS", "IPRANGES_CREDITS",
		"TOTAL_CREDITS",
	};
	int i;

	(void)state;
	assert_int_equal(sizeof(spec) / sizeof(spec[0]), COL_COUNT);
	for (i = 0; i < COL_COUNT; i++)
		assert_string_equal(usage_col_name(i), spec[i]);
}

static void
test_col_find(void **state)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{ "JOB_ID", COL_JOB_ID },
		{ "job_id", COL_JOB_ID },
		{ "Job_Id", COL_JOB_ID },
		{ "  TOTAL_CREDITS", COL_TOTAL_CREDITS },
		{ "total_credits \t", COL_TOTAL_CREDITS },
		{ "\tTotal_Credits\t", COL_TOTAL_CREDITS },
		{ "TOTAL_CREDITS\r", COL_TOTAL_CREDITS },
		{ " project_name\r", COL_PROJECT_NAME },
		{ "JOB", -1 },
		{ "JOB_IDS", -1 },
		{ "JOB ID", -1 },
		{ "JOB-ID", -1 },
		{ "", -1 },
		{ "   ", -1 },
		{ "\\N", -1 },
		{ "TOTAL_CREDITS_USD", -1 },
		{ "XTOTAL_CREDITS", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = usage_col_find(cases[i].s, strlen(cases[i].s));

		if (got != cases[i].want)
			fail_msg("usage_col_find(\"%s\") = %d, expected %d",
			    cases[i].s, got, cases[i].want);
	}
	/* counted: only len bytes */
	assert_int_equal(usage_col_find("JOB_IDX", 6), COL_JOB_ID);
	assert_int_equal(usage_col_find("JOB_ID", 5), -1);
}

static void
test_header_map_basic(void **state)
{
	static const char hdr[] =
	    "\"PROJECT_ID\",\"PROJECT_NAME\",\"VCS_NAME\",\"JOB_NAME\","
	    "\"JOB_ID\",\"JOB_RUN_DATE\",\"TOTAL_CREDITS\"\n1,2,3,4,5,6,7\n";
	struct usage_header h;
	int c;

	(void)state;
	map_header(hdr, strlen(hdr), &h);
	assert_int_equal(h.ncols, 7);
	assert_int_equal(h.idx[COL_PROJECT_ID], 0);
	assert_int_equal(h.idx[COL_PROJECT_NAME], 1);
	assert_int_equal(h.idx[COL_VCS_NAME], 2);
	assert_int_equal(h.idx[COL_JOB_NAME], 3);
	assert_int_equal(h.idx[COL_JOB_ID], 4);
	assert_int_equal(h.idx[COL_JOB_RUN_DATE], 5);
	assert_int_equal(h.idx[COL_TOTAL_CREDITS], 6);
	/* everything else is missing */
	for (c = 0; c < COL_COUNT; c++) {
		if (c == COL_PROJECT_ID || c == COL_PROJECT_NAME ||
		    c == COL_VCS_NAME || c == COL_JOB_NAME || c == COL_JOB_ID ||
		    c == COL_JOB_RUN_DATE || c == COL_TOTAL_CREDITS)
			continue;
		if (h.idx[c] != -1)
			fail_msg("%s mapped to %d", usage_col_name(c),
			    h.idx[c]);
	}
}

static void
test_header_map_case_trim_unknown(void **state)
{
	static const char hdr[] =
	    "extra_col, job_run_number ,Job_Id,\"  Total_Credits \","
	    "\"\",UNKNOWN,project_name\r\n";
	struct usage_header h;

	(void)state;
	map_header(hdr, strlen(hdr), &h);
	assert_int_equal(h.ncols, 7);
	/* JOB_RUN_NUMBER before JOB_ID, as some exports have them */
	assert_int_equal(h.idx[COL_JOB_RUN_NUMBER], 1);
	assert_int_equal(h.idx[COL_JOB_ID], 2);
	assert_int_equal(h.idx[COL_TOTAL_CREDITS], 3);
	assert_int_equal(h.idx[COL_PROJECT_NAME], 6);
	assert_int_equal(h.idx[COL_ORGANIZATION_ID], -1);
	assert_int_equal(h.idx[COL_COMPUTE_CREDITS], -1);
}

static void
test_header_map_full_spec_header(void **state)
{
	struct sbuf hdr;
	struct usage_header h;
	int i;

	(void)state;
	sbuf_init(&hdr, 1 << 20);
	/* all 48, reversed, with JOB_RUN_NUMBER and JOB_ID swapped back */
	for (i = COL_COUNT - 1; i >= 0; i--)
		sbuf_addf(&hdr, "\"%s\"%s", usage_col_name(i), i ? "," : "\n");
	map_header(hdr.buf, hdr.len, &h);
	assert_int_equal(h.ncols, COL_COUNT);
	for (i = 0; i < COL_COUNT; i++)
		assert_int_equal(h.idx[i], COL_COUNT - 1 - i);
	sbuf_release(&hdr);
}

static void
test_header_map_bom(void **state)
{
	struct usage_header h;
	static const char bom_outside[] = "\xEF\xBB\xBF\"ORGANIZATION_ID\","
	    "\"TOTAL_CREDITS\"\n";
	static const char bom_inside[] = "\"\xEF\xBB\xBF" "ORGANIZATION_ID\","
	    "\"TOTAL_CREDITS\"\n";
	static const char bom_bare[] = "\xEF\xBB\xBF" "JOB_ID,TOTAL_CREDITS\n";

	(void)state;
	/* the reader skips a BOM before the first quote */
	map_header(bom_outside, strlen(bom_outside), &h);
	assert_int_equal(h.idx[COL_ORGANIZATION_ID], 0);
	assert_int_equal(h.idx[COL_TOTAL_CREDITS], 1);
	/* inside the quotes, the mapping skips it */
	map_header(bom_inside, strlen(bom_inside), &h);
	assert_int_equal(h.ncols, 2);
	assert_int_equal(h.idx[COL_ORGANIZATION_ID], 0);
	assert_int_equal(h.idx[COL_TOTAL_CREDITS], 1);
	map_header(bom_bare, strlen(bom_bare), &h);
	assert_int_equal(h.idx[COL_JOB_ID], 0);
	assert_int_equal(h.idx[COL_TOTAL_CREDITS], 1);
}

static void
test_header_map_escapes(void **state)
{
	/* an escaped name, a quoted one with doubled quotes (unknown), and
	 * \N (unknown) */
	static const char hdr[] = "JOB\\_ID,\"JOB\"\"NAME\",TOTAL_CREDITS,"
	    "\\N\n";
	struct usage_header h;

	(void)state;
	assert_int_equal(map_header(hdr, strlen(hdr), &h), 0);
	assert_int_equal(h.ncols, 4);
	assert_int_equal(h.idx[COL_JOB_ID], 0);
	assert_int_equal(h.idx[COL_JOB_NAME], -1);
	assert_int_equal(h.idx[COL_TOTAL_CREDITS], 2);
	assert_int_equal(h.dup_col, -1);
}

/*
 * A known column named twice, under any spelling that finds it, is an
 * error naming both columns (from 1); the first repeat in header order is
 * the one named.  An unknown column named twice is not.
 */
static void
test_header_map_duplicates(void **state)
{
	static const struct {
		const char *hdr;
		int col;
		size_t a, b;
	} bad[] = {
		{ "PROJECT_NAME,TOTAL_CREDITS,JOB_ID,TOTAL_CREDITS\n",
		    COL_TOTAL_CREDITS, 2, 4 },
		{ "TOTAL_CREDITS,total_credits\n", COL_TOTAL_CREDITS, 1, 2 },
		{ "JOB_ID,x, Job_Id \t\n", COL_JOB_ID, 1, 3 },
		{ "\"PROJECT_NAME\",\"project_name\r\"\n", COL_PROJECT_NAME,
		    1, 2 },
		/* a BOM inside quotes on the first name, then the name */
		{ "\"\xEF\xBB\xBFJOB_ID\",TOTAL_CREDITS,JOB_ID\n", COL_JOB_ID,
		    1, 3 },
		{ "JOB\\_ID,JOB_ID\n", COL_JOB_ID, 1, 2 },
		/* three times, and another repeat later: the first pair */
		{ "A,VCS_BRANCH,B,VCS_BRANCH,VCS_BRANCH,JOB_ID,JOB_ID\n",
		    COL_VCS_BRANCH, 2, 4 },
		{ "JOB_ID,TOTAL_CREDITS,MAX_RAM_UTILIZATION_PCT,X,"
		    "max_ram_utilization_pct\n", COL_MAX_RAM_UTILIZATION_PCT,
		    3, 5 },
	};
	static const char ok[] = "X,JOB_ID,X,x,,,TOTAL_CREDITS, X\n";
	struct usage_header h;
	char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(map_header(bad[i].hdr, strlen(bad[i].hdr),
		    &h), -1);
		assert_int_equal(h.dup_col, bad[i].col);
		assert_int_equal(h.dup_at[0], bad[i].a);
		assert_int_equal(h.dup_at[1], bad[i].b);
	}
	why = usage_header_dup_text(&h);
	assert_string_equal(why, "the header names column "
	    "MAX_RAM_UTILIZATION_PCT twice (columns 3 and 5, names matched in "
	    "any case): an export column may appear only once");
	free(why);
	/* unknown columns (X, x, empty names) may repeat */
	assert_int_equal(map_header(ok, strlen(ok), &h), 0);
	assert_int_equal(h.dup_col, -1);
	assert_int_equal(h.idx[COL_JOB_ID], 1);
	assert_int_equal(h.idx[COL_TOTAL_CREDITS], 6);
}

static void
test_header_map_missing_all(void **state)
{
	static const char hdr[] = "a,b,c\n";
	struct usage_header h;
	int c;

	(void)state;
	map_header(hdr, strlen(hdr), &h);
	assert_int_equal(h.ncols, 3);
	for (c = 0; c < COL_COUNT; c++)
		assert_int_equal(h.idx[c], -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_column_names),
		cmocka_unit_test(test_column_order_matches_spec),
		cmocka_unit_test(test_col_find),
		cmocka_unit_test(test_header_map_basic),
		cmocka_unit_test(test_header_map_case_trim_unknown),
		cmocka_unit_test(test_header_map_full_spec_header),
		cmocka_unit_test(test_header_map_bom),
		cmocka_unit_test(test_header_map_escapes),
		cmocka_unit_test(test_header_map_duplicates),
		cmocka_unit_test(test_header_map_missing_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
