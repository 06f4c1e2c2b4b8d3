/*
 * test_view.c: a report as shown (view.h): sorting by metric (ties by key)
 * or by key, --top folding into "(other)", cost and share, and the exact
 * CSV, JSON, table and markdown output; string escaping for CSV, JSON and
 * the terminal; and the engine and writers together on a small export.
 */
#include "unit.h"

#include "date.h"
#include "report.h"
#include "view.h"

/* ---- building results by hand ---- */

struct fixture {
	struct report_opts o;
	struct report_result res;
};

static void
fixture_init(struct fixture *fx, const char *by)
{
	report_opts_init(&fx->o);
	if (report_parse_by(&fx->o, by) != 0)
		fail_msg("report_parse_by(%s)", by);
	memset(&fx->res, 0, sizeof(fx->res));
	agg_init(&fx->res.groups);
}

/* A group with keys k1 (and k2 when the view has two keys). */
static void
add_group(struct fixture *fx, const char *k1, const char *k2, uint64_t jobs,
    const char *secs, const char *compute, const char *dlc,
    const char *total)
{
	struct sbuf key;
	struct agg_group *g;

	sbuf_init(&key, 1 << 20);
	agg_key_add(&key, k1, strlen(k1));
	if (k2 != NULL)
		agg_key_add(&key, k2, strlen(k2));
	g = agg_get(&fx->res.groups, key.buf, key.len, agg_hash(key.buf,
	    key.len));
	g->m.jobs += jobs;
	g->m.run_seconds += unit_dec(secs);
	g->m.credits[CR_COMPUTE] += unit_dec(compute);
	g->m.credits[CR_DLC] += unit_dec(dlc);
	g->m.credits[CR_TOTAL] += unit_dec(total);
	sbuf_release(&key);
}

/* The totals, as report_run() makes them: the sum of the groups. */
static void
fixture_sum(struct fixture *fx)
{
	size_t i;

	memset(&fx->res.totals, 0, sizeof(fx->res.totals));
	for (i = 0; i < fx->res.groups.n; i++)
		metrics_add(&fx->res.totals, &fx->res.groups.groups[i].m);
}

static void
fixture_release(struct fixture *fx)
{
	report_result_release(&fx->res);
	report_opts_release(&fx->o);
}

/* The view's rows as "key|key" lines (first key part only if 1 key). */
static char *
row_keys(const struct view *v)
{
	struct sbuf sb;
	size_t i, k;

	sbuf_init(&sb, 1 << 20);
	for (i = 0; i < v->n; i++) {
		for (k = 0; k < v->o->nkeys; k++) {
			size_t len;
			const char *p;

			if (v->rows[i].key == NULL) {
				p = "(other)";
				len = 7;
			} else {
				p = agg_key_part(v->rows[i].key,
				    v->rows[i].keylen, k, &len);
			}
			if (k)
				sbuf_addch(&sb, '|');
			sbuf_add(&sb, p, len);
		}
		sbuf_addch(&sb, '\n');
	}
	return sb.buf;
}

static void
assert_order(const struct view *v, const char *want)
{
	char *got = row_keys(v);

	if (strcmp(got, want) != 0)
		fail_msg("rows:\n%s--- expected ---\n%s", got, want);
	free(got);
}

/* What view_write() writes in `fmt`. */
static char *
render(const struct view *v, enum view_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(view_write(v, f, fmt), 0);
	fclose(f);
	return buf;
}

static void
assert_render(const struct view *v, enum view_format fmt, const char *want)
{
	char *got = render(v, fmt);

	if (strcmp(got, want) != 0)
		fail_msg("output:\n%s--- expected ---\n%s", got, want);
	free(got);
}

static dec_t price;
static char *tmp;

/* ---- metric names ---- */

static void
test_metric_names(void **state)
{
	(void)state;
	assert_int_equal(view_metric_find("jobs"), VM_JOBS);
	assert_int_equal(view_metric_find("run_seconds"), VM_RUN_SECONDS);
	assert_int_equal(view_metric_find("hours"), VM_RUN_SECONDS);
	assert_int_equal(view_metric_find("compute_credits"),
	    VM_CREDITS + CR_COMPUTE);
	assert_int_equal(view_metric_find("compute"), VM_CREDITS + CR_COMPUTE);
	assert_int_equal(view_metric_find("ipranges_credits"),
	    VM_CREDITS + CR_IPRANGES);
	assert_int_equal(view_metric_find("total_credits"),
	    VM_CREDITS + CR_TOTAL);
	assert_int_equal(view_metric_find("credits"), VM_CREDITS + CR_TOTAL);
	assert_int_equal(view_metric_find("cost_usd"), VM_COST);
	assert_int_equal(view_metric_find("share_pct"), VM_SHARE);
	assert_int_equal(view_metric_find("share"), VM_SHARE);
	assert_int_equal(view_metric_find("bogus"), -1);
	assert_int_equal(view_metric_find(""), -1);
	assert_int_equal(view_metric_find("Jobs"), -1);
	assert_string_equal(view_metric_name(VM_JOBS), "jobs");
	assert_string_equal(view_metric_name(VM_CREDITS + CR_LEASE_OVERAGE),
	    "lease_overage_credits");
	assert_string_equal(view_metric_name(VM_COST), "cost_usd");
	assert_string_equal(view_metric_name(VM_SHARE), "share_pct");
}

/* ---- sorting and --top ---- */

static void
make_ties(struct fixture *fx)
{
	fixture_init(fx, "project");
	add_group(fx, "web", NULL, 5, "50", "10", "0", "10");
	add_group(fx, "zeta", NULL, 7, "1", "1", "0", "1");
	add_group(fx, "api", NULL, 1, "70", "10", "0", "10");
	add_group(fx, "mobile", NULL, 2, "20", "25", "0", "25");
	add_group(fx, "", NULL, 3, "40", "10", "0", "10");
	add_group(fx, "ab", NULL, 4, "60", "10", "0", "10");
	add_group(fx, "a", NULL, 6, "30", "10", "0", "10");
	fixture_sum(fx);
}

static void
test_sort_by_metric_ties_by_key(void **state)
{
	struct fixture fx;
	struct view v;

	(void)state;
	make_ties(&fx);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	assert_int_equal(v.n, 7);
	/* largest first; equal totals by key, a prefix before longer */
	assert_order(&v, "mobile\n\na\nab\napi\nweb\nzeta\n");
	view_release(&v);
	view_build(&v, &fx.o, &fx.res, VM_JOBS, -1, 0, price);
	assert_order(&v, "zeta\na\nweb\nab\n\nmobile\napi\n");
	view_release(&v);
	view_build(&v, &fx.o, &fx.res, VM_RUN_SECONDS, -1, 0, price);
	assert_order(&v, "api\nab\nweb\n\na\nmobile\nzeta\n");
	view_release(&v);
	/* cost and share follow the credits */
	view_build(&v, &fx.o, &fx.res, VM_COST, -1, 0, price);
	assert_order(&v, "mobile\n\na\nab\napi\nweb\nzeta\n");
	view_release(&v);
	view_build(&v, &fx.o, &fx.res, VM_SHARE, -1, 0, price);
	assert_order(&v, "mobile\n\na\nab\napi\nweb\nzeta\n");
	view_release(&v);
	/* a metric that is zero everywhere: all by key */
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_DLC, -1, 0, price);
	assert_order(&v, "\na\nab\napi\nmobile\nweb\nzeta\n");
	view_release(&v);
	fixture_release(&fx);
}

static void
test_sort_by_key(void **state)
{
	struct fixture fx;
	struct view v;

	(void)state;
	make_ties(&fx);
	view_build(&v, &fx.o, &fx.res, -1, 0, 0, price);
	assert_order(&v, "\na\nab\napi\nmobile\nweb\nzeta\n");
	view_release(&v);
	fixture_release(&fx);

	/* the second key column; ties by the whole key */
	fixture_init(&fx, "project,branch");
	add_group(&fx, "web", "main", 1, "1", "1", "0", "1");
	add_group(&fx, "api", "main", 1, "1", "5", "0", "5");
	add_group(&fx, "api", "dev", 1, "1", "3", "0", "3");
	add_group(&fx, "web", "dev", 1, "1", "9", "0", "9");
	add_group(&fx, "zed", "a", 1, "1", "2", "0", "2");
	fixture_sum(&fx);
	view_build(&v, &fx.o, &fx.res, -1, 1, 0, price);
	assert_order(&v, "zed|a\napi|dev\nweb|dev\napi|main\nweb|main\n");
	view_release(&v);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	assert_order(&v, "web|dev\napi|main\napi|dev\nzed|a\nweb|main\n");
	view_release(&v);
	fixture_release(&fx);
}

static void
test_top_folds_into_other(void **state)
{
	struct fixture fx;
	struct view v;
	const struct view_row *o;

	(void)state;
	make_ties(&fx);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 2, price);
	assert_int_equal(v.n, 3);
	assert_order(&v, "mobile\n\n(other)\n");
	o = &v.rows[2];
	assert_null(o->key);
	/* a, ab, api, web, zeta */
	assert_int_equal(o->m.jobs, 6 + 4 + 1 + 5 + 7);
	assert_dec_equal(o->m.run_seconds, unit_dec("211"));
	assert_dec_equal(o->m.credits[CR_TOTAL], unit_dec("41"));
	assert_dec_equal(o->m.credits[CR_COMPUTE], unit_dec("41"));
	/* 41 of 76 credits: 53.947... % */
	assert_dec_equal(o->share, unit_dec("53.95"));
	assert_dec_equal(o->cost, unit_dec("0.02"));	/* 0.0246 */
	assert_dec_equal(v.rows[0].share, unit_dec("32.89"));
	assert_dec_equal(v.rows[1].share, unit_dec("13.16"));
	assert_dec_equal(v.total_cost, unit_dec("0.05"));	/* 0.0456 */
	view_release(&v);

	/* top n - 1 folds the last one; top >= n folds nothing */
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 6, price);
	assert_order(&v, "mobile\n\na\nab\napi\nweb\n(other)\n");
	assert_int_equal(v.rows[6].m.jobs, 7);
	view_release(&v);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 7, price);
	assert_int_equal(v.n, 7);
	assert_order(&v, "mobile\n\na\nab\napi\nweb\nzeta\n");
	view_release(&v);
	/* the fold follows the sort order: by key, the last keys fold */
	view_build(&v, &fx.o, &fx.res, -1, 0, 3, price);
	assert_order(&v, "\na\nab\n(other)\n");
	assert_dec_equal(v.rows[3].m.credits[CR_TOTAL], unit_dec("46"));
	view_release(&v);
	fixture_release(&fx);
}

/* ---- writers ---- */

/* Two groups whose shares and costs round in known ways. */
static void
make_pair(struct fixture *fx)
{
	fixture_init(fx, "project");
	add_group(fx, "web", NULL, 3, "5400.5", "1000", "250.125",
	    "1250.125");
	add_group(fx, "api, v2", NULL, 1, "10", "3749.875", "0", "3749.875");
	fixture_sum(fx);
	fx->res.files = 2;
	fx->res.rows_read = 5;
	fx->res.rows_skipped = 1;
	fx->res.duplicates = 1;
	fx->res.have_dates = 1;
	fx->res.first_date = date_from_ymd(2026, 10, 1);
	fx->res.last_date = date_from_ymd(2026, 10, 31);
}

#define CSV_HEADER "jobs,run_seconds,compute_credits,dlc_credits," \
	"user_credits,storage_credits,network_credits,lease_credits," \
	"lease_overage_credits,ipranges_credits,total_credits,cost_usd," \
	"share_pct\n"

static void
test_csv_output(void **state)
{
	struct fixture fx;
	struct view v;

	(void)state;
	make_pair(&fx);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	/* 2.249925 and 0.750075 */
	assert_dec_equal(v.rows[0].cost, unit_dec("2.25"));
	assert_dec_equal(v.rows[1].cost, unit_dec("0.75"));
	assert_dec_equal(v.total_cost, unit_dec("3"));
	assert_render(&v, FMT_CSV,
	    "project," CSV_HEADER
	    "\"api, v2\",1,10,3749.875,0,0,0,0,0,0,0,3749.875,2.25,75.00\n"
	    "web,3,5401,1000,250.125,0,0,0,0,0,0,1250.125,0.75,25.00\n");
	view_release(&v);
	/* folded */
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 1, price);
	assert_render(&v, FMT_CSV,
	    "project," CSV_HEADER
	    "\"api, v2\",1,10,3749.875,0,0,0,0,0,0,0,3749.875,2.25,75.00\n"
	    "(other),3,5401,1000,250.125,0,0,0,0,0,0,1250.125,0.75,25.00\n");
	view_release(&v);
	fixture_release(&fx);

	/* two keys, values that need quoting, an empty value */
	fixture_init(&fx, "project,branch");
	add_group(&fx, "say \"hi\"", "line\nbreak", 1, "0", "0", "0", "2");
	add_group(&fx, "cr\r", "", 1, "0.4", "0", "0", "1");
	fixture_sum(&fx);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	assert_render(&v, FMT_CSV,
	    "project,branch," CSV_HEADER
	    "\"say \"\"hi\"\"\",\"line\nbreak\",1,0,0,0,0,0,0,0,0,0,2,0.00,"
	    "66.67\n"
	    "\"cr\r\",,1,0,0,0,0,0,0,0,0,0,1,0.00,33.33\n");
	view_release(&v);
	fixture_release(&fx);
}

static void
test_json_output(void **state)
{
	struct fixture fx;
	struct view v;

	(void)state;
	make_pair(&fx);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	assert_render(&v, FMT_JSON,
	    "{\n"
	    "  \"group_by\": [\"project\"],\n"
	    "  \"rows\": [\n"
	    "    {\"project\": \"api, v2\", \"jobs\": 1, \"run_seconds\": 10, "
	    "\"compute_credits\": 3749.875, \"dlc_credits\": 0, "
	    "\"user_credits\": 0, \"storage_credits\": 0, "
	    "\"network_credits\": 0, \"lease_credits\": 0, "
	    "\"lease_overage_credits\": 0, \"ipranges_credits\": 0, "
	    "\"total_credits\": 3749.875, \"cost_usd\": 2.25, "
	    "\"share_pct\": 75.00},\n"
	    "    {\"project\": \"web\", \"jobs\": 3, \"run_seconds\": 5401, "
	    "\"compute_credits\": 1000, \"dlc_credits\": 250.125, "
	    "\"user_credits\": 0, \"storage_credits\": 0, "
	    "\"network_credits\": 0, \"lease_credits\": 0, "
	    "\"lease_overage_credits\": 0, \"ipranges_credits\": 0, "
	    "\"total_credits\": 1250.125, \"cost_usd\": 0.75, "
	    "\"share_pct\": 25.00}\n"
	    "  ],\n"
	    "  \"totals\": {\"jobs\": 4, \"run_seconds\": 5411, "
	    "\"compute_credits\": 4749.875, \"dlc_credits\": 250.125, "
	    "\"user_credits\": 0, \"storage_credits\": 0, "
	    "\"network_credits\": 0, \"lease_credits\": 0, "
	    "\"lease_overage_credits\": 0, \"ipranges_credits\": 0, "
	    "\"total_credits\": 5000, \"cost_usd\": 3.00, "
	    "\"share_pct\": 100.00},\n"
	    "  \"meta\": {\"files\": 2, \"rows_read\": 5, \"rows_skipped\": 1, "
	    "\"duplicates\": 1, \"first_date\": \"2026-10-01\", "
	    "\"last_date\": \"2026-10-31\"}\n"
	    "}\n");
	view_release(&v);
	fixture_release(&fx);

	/* nothing at all */
	fixture_init(&fx, "project,day");
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 5, price);
	assert_int_equal(v.n, 0);
	assert_render(&v, FMT_JSON,
	    "{\n"
	    "  \"group_by\": [\"project\", \"day\"],\n"
	    "  \"rows\": [],\n"
	    "  \"totals\": {\"jobs\": 0, \"run_seconds\": 0, "
	    "\"compute_credits\": 0, \"dlc_credits\": 0, "
	    "\"user_credits\": 0, \"storage_credits\": 0, "
	    "\"network_credits\": 0, \"lease_credits\": 0, "
	    "\"lease_overage_credits\": 0, \"ipranges_credits\": 0, "
	    "\"total_credits\": 0, \"cost_usd\": 0.00, "
	    "\"share_pct\": 0.00},\n"
	    "  \"meta\": {\"files\": 0, \"rows_read\": 0, \"rows_skipped\": 0, "
	    "\"duplicates\": 0, \"first_date\": null, \"last_date\": null}\n"
	    "}\n");
	assert_render(&v, FMT_CSV, "project,day," CSV_HEADER);
	view_release(&v);
	fixture_release(&fx);
}

static void
test_table_output(void **state)
{
	struct fixture fx;
	struct view v;

	(void)state;
	make_pair(&fx);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	assert_render(&v, FMT_TABLE,
	    "CircleCI usage 2026-10-01 to 2026-10-31: 2 files, 5 rows "
	    "(1 duplicates, 1 skipped, 0 filtered out)\n"
	    "\n"
	    "project  jobs  hours   compute     dlc   credits  cost_usd"
	    "    share\n"
	    "----------------------------------------------------------"
	    "---------\n"
	    "api, v2     1    0.0  3,749.88    0.00  3,749.88      2.25"
	    "   75.00%\n"
	    "web         3    1.5  1,000.00  250.13  1,250.13      0.75"
	    "   25.00%\n"
	    "----------------------------------------------------------"
	    "---------\n"
	    "TOTAL       4    1.5  4,749.88  250.13  5,000.00      3.00"
	    "  100.00%\n");
	assert_render(&v, FMT_MARKDOWN,
	    "**CircleCI usage 2026-10-01 to 2026-10-31**: 4 job runs from 2 "
	    "files\n"
	    "\n"
	    "| project   |  jobs |   hours |      compute |        dlc |      "
	    "credits | cost_usd |       share |\n"
	    "| :-------- | ----: | ------: | -----------: | ---------: | "
	    "-----------: | -------: | ----------: |\n"
	    "| api, v2   |     1 |     0.0 |     3,749.88 |       0.00 |     "
	    "3,749.88 |     2.25 |      75.00% |\n"
	    "| web       |     3 |     1.5 |     1,000.00 |     250.13 |     "
	    "1,250.13 |     0.75 |      25.00% |\n"
	    "| **TOTAL** | **4** | **1.5** | **4,749.88** | **250.13** | "
	    "**5,000.00** | **3.00** | **100.00%** |\n");
	view_release(&v);
	fixture_release(&fx);
}

static void
test_table_cells(void **state)
{
	struct fixture fx;
	struct view v;
	char *out;
	char longname[80];

	(void)state;
	memset(longname, 'n', 60);
	longname[60] = '\0';
	fixture_init(&fx, "project");
	add_group(&fx, "evil\x1b[2J\x07", NULL, 1, "0", "0", "0", "4");
	add_group(&fx, "", NULL, 1, "0", "0", "0", "3");
	add_group(&fx, longname, NULL, 1, "0", "0", "0", "2");
	add_group(&fx, "c1\xc2\x85" "bad\xff", NULL, 1, "0", "0", "0", "1");
	add_group(&fx, "md|*_`<&>#", NULL, 1, "0", "0", "0", "0.5");
	fixture_sum(&fx);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	out = render(&v, FMT_TABLE);
	/* no raw control byte reaches the terminal */
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	assert_null(strstr(out, "\xc2\x85"));
	assert_contains(out, "\nevil\\x1b[2J\\x07 ");
	assert_contains(out, "\n(none) ");
	assert_contains(out, "\nc1\\u0085bad\\xff ");
	/* cut to 48 columns: 47 characters and an ellipsis */
	{
		char want[80];

		memset(want, 'n', 47);
		memcpy(want + 47, "\xe2\x80\xa6 ", 5);
		want[52] = '\0';
		assert_contains(out, want);
		memset(want, 'n', 48);
		want[48] = '\0';
		assert_null(strstr(out, want));
	}
	/* the table does not escape markdown */
	assert_contains(out, "\nmd|*_`<&># ");
	free(out);
	out = render(&v, FMT_MARKDOWN);
	assert_contains(out, "| md\\|\\*\\_\\`&lt;&amp;&gt;\\# ");
	assert_contains(out, "| evil\\x1b\\[2J\\x07 ");
	/* markdown does not cut */
	assert_contains(out, longname);
	assert_contains(out, "| (none) ");
	free(out);
	view_release(&v);
	fixture_release(&fx);
}

/* ---- the engine and the writers together ---- */

static void
test_report_to_csv_and_json(void **state)
{
	static const char export[] =
	    "\"PROJECT_NAME\",\"JOB_ID\",\"JOB_RUN_DATE\",\"JOB_RUN_SECONDS\","
	    "\"COMPUTE_CREDITS\",\"DLC_CREDITS\",\"TOTAL_CREDITS\"\n"
	    "web,U1,2026-10-01,60,1.5,0.25,1.75\n"
	    "web,U2,2026-10-01,30.5,0.1,,0.1\n"
	    "api,U3,2026-10-02,120,10,\\N,10\n"
	    "api,U4,2026-10-05,10,0.2,0,0.2\n"
	    "web,U1,2026-10-01,60,1.5,0.25,1.75\n"
	    "\"mobile, ios\",U5,2026-10-03,300,25.05,,25.05\n"
	    "api,U6,2026-09-30,1,0.01,,0.01\n";
	char *path = unit_path(tmp, "e.csv.gz");
	struct report_opts o;
	struct report_result res;
	struct inputs in;
	struct view v;
	char *json;

	(void)state;
	unit_write_gz(path, export, strlen(export));
	report_opts_init(&o);
	report_parse_by(&o, "project");
	inputs_init(&in);
	assert_int_equal(inputs_add(&in, path), 0);
	assert_int_equal(report_run(&o, &in, &res), 0);
	view_build(&v, &o, &res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	assert_render(&v, FMT_CSV,
	    "project," CSV_HEADER
	    "\"mobile, ios\",1,300,25.05,0,0,0,0,0,0,0,25.05,0.02,67.50\n"
	    "api,3,131,10.21,0,0,0,0,0,0,0,10.21,0.01,27.51\n"
	    "web,2,91,1.6,0.25,0,0,0,0,0,0,1.85,0.00,4.99\n");
	json = render(&v, FMT_JSON);
	assert_contains(json, "\"totals\": {\"jobs\": 6, \"run_seconds\": 522, "
	    "\"compute_credits\": 36.86, \"dlc_credits\": 0.25, ");
	assert_contains(json, "\"total_credits\": 37.11, \"cost_usd\": 0.02, "
	    "\"share_pct\": 100.00},\n");
	assert_contains(json, "\"meta\": {\"files\": 1, \"rows_read\": 7, "
	    "\"rows_skipped\": 0, \"duplicates\": 1, \"first_date\": "
	    "\"2026-09-30\", \"last_date\": \"2026-10-05\"}\n}\n");
	free(json);
	view_release(&v);
	/* --top 1 by jobs */
	view_build(&v, &o, &res, VM_JOBS, -1, 1, price);
	assert_render(&v, FMT_CSV,
	    "project," CSV_HEADER
	    "api,3,131,10.21,0,0,0,0,0,0,0,10.21,0.01,27.51\n"
	    "(other),3,391,26.65,0.25,0,0,0,0,0,0,26.9,0.02,72.49\n");
	view_release(&v);
	report_result_release(&res);
	inputs_release(&in);
	report_opts_release(&o);
	free(path);
}

static void
test_write_error(void **state)
{
	struct fixture fx;
	struct view v;
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (f == NULL)
		skip();
	make_pair(&fx);
	view_build(&v, &fx.o, &fx.res, VM_CREDITS + CR_TOTAL, -1, 0, price);
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(view_write(&v, f, FMT_CSV), -1);
	fclose(f);
	view_release(&v);
	fixture_release(&fx);
}

static int
setup(void **state)
{
	(void)state;
	price = unit_dec("0.0006");
	tmp = unit_tmpdir();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unit_rmtree(tmp);
	free(tmp);
	return 0;
}

/*
 * view_check: costs and shares of any set of groups within 10^20, or an
 * error before anything is built (the commands exit 3).
 */
static void
test_view_check_limits(void **state)
{
	struct fixture fx;
	struct unit_capture cap;
	char *err;

	(void)state;
	fixture_init(&fx, "project");
	add_group(&fx, "a", NULL, 1, "60", "0", "0",
	    "999999999999999.999999999999999999");
	fixture_sum(&fx);
	assert_int_equal(view_check(&fx.res, unit_dec("0.0006")), 0);
	/* 10^15 credits at 10^5: exactly 10^20 fits; at 10^5 + ulp not */
	assert_int_equal(view_check(&fx.res, unit_dec("100000")), 0);
	unit_capture_begin(&cap);
	assert_int_equal(view_check(&fx.res, unit_dec("1000000")), -1);
	err = unit_capture_end(&cap);
	assert_contains(err, "--credit-price 1000000 passes");
	free(err);
	/* mixed signs: the share of a tiny total does not fit */
	add_group(&fx, "b", NULL, 1, "60", "0", "0",
	    "-999999999999999.999999999999999998");
	fixture_sum(&fx);
	unit_capture_begin(&cap);
	assert_int_equal(view_check(&fx.res, unit_dec("0.0006")), -1);
	err = unit_capture_end(&cap);
	assert_contains(err, "share of");
	free(err);
	fixture_release(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metric_names),
		cmocka_unit_test(test_sort_by_metric_ties_by_key),
		cmocka_unit_test(test_sort_by_key),
		cmocka_unit_test(test_top_folds_into_other),
		cmocka_unit_test(test_csv_output),
		cmocka_unit_test(test_json_output),
		cmocka_unit_test(test_table_output),
		cmocka_unit_test(test_table_cells),
		cmocka_unit_test(test_report_to_csv_and_json),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_view_check_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
