/*
 * test_report.c: the report engine (report.h) on small exports written to
 * a temporary directory: groups and exact totals, duplicates across parts,
 * skipped rows and their messages, filters (--since/--until, project and
 * branch globs, status), time keys, grouping sets, organization names and
 * their labels, --strict, missing columns, corrupt, missing or oversized
 * files, stdin, concatenated parts, inputs that end where the reader's
 * buffer ends, and the same result with 1, 2 or 4 threads (with and
 * without read-ahead).  Runs that may crash run in a child process.
 */
#include "unit.h"

#include <signal.h>
#include <sys/wait.h>

#include "date.h"
#include "report.h"

UNIT_TMPDIR_FIXTURE

#define HDR "PROJECT_NAME,WORKFLOW_NAME,JOB_NAME,JOB_ID,JOB_RUN_DATE," \
	"VCS_BRANCH,JOB_BUILD_STATUS,RESOURCE_CLASS,JOB_RUN_SECONDS," \
	"COMPUTE_CREDITS,DLC_CREDITS,TOTAL_CREDITS\n"

/* The sample export: part 1 (gzip) and part 2 (plain, one duplicate). */
static const char part1[] = HDR
    "web,build,test,U1,2026-10-01,main,success,medium,60,1.5,0.25,1.75\n"
    "web,build,lint,U2,2026-10-01,feature/x,failed,small,30.5,0.1,,0.1\n"
    "api,deploy,push,U3,2026-10-02,main,success,large,120,10,\\N,10\n"
    "api,deploy,push,U4,2026-10-05,main,canceled,large,10,0.2,0,0.2\n";
static const char part2[] = HDR
    "web,build,test,U1,2026-10-01,main,success,medium,60,1.5,0.25,1.75\n"
    "\"mobile, ios\",build,test,U5,2026-10-03,release/1.0,success,"
    "macos.m1,300,25.05,,25.05\n"
    "api,deploy,push,U6,2026-09-30,main,SUCCESS,large,1,0.01,,0.01\n";

/* Write `text` to tmp/name, gzipped when `gz`; returns the path. */
static char *
export_file(const char *name, const char *text, int gz)
{
	char *p = unit_path(tmp, name);

	if (gz)
		unit_write_gz(p, text, strlen(text));
	else
		unit_writes(p, text);
	return p;
}

struct run {
	int ret;
	struct report_result res;
	char *err;		/* what was printed on stderr */
};

static void
run_paths(const struct report_opts *o, char *const *paths, size_t n,
    struct run *r)
{
	struct inputs in;
	struct unit_capture cap;
	size_t i;

	inputs_init(&in);
	for (i = 0; i < n; i++)
		if (inputs_add(&in, paths[i]) != 0)
			fail_msg("inputs_add(%s) failed", paths[i]);
	unit_capture_begin(&cap);
	r->ret = report_run(o, &in, &r->res);
	r->err = unit_capture_end(&cap);
	inputs_release(&in);
}

static void
run_release(struct run *r)
{
	report_result_release(&r->res);
	free(r->err);
}

static int
cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The groups, one line each, sorted: the key parts joined by '|', then
 * jobs, run seconds and the non-zero credit kinds.  Then a totals line.
 */
static char *
groups_text(const struct report_result *res, size_t nkeys)
{
	static const char *const kinds[CR_COUNT] = { "compute", "dlc", "user",
	    "storage", "network", "lease", "lease_overage", "ipranges",
	    "total" };
	char **lines = xcalloc(res->groups.n + 1, sizeof(*lines));
	struct sbuf sb, out;
	size_t i, k;
	int c;

	sbuf_init(&out, 1 << 24);
	sbuf_init(&sb, 1 << 20);
	for (i = 0; i <= res->groups.n; i++) {
		const struct metrics *m = i < res->groups.n ?
		    &res->groups.groups[i].m : &res->totals;
		char d[DEC_BUFSZ];

		sbuf_reset(&sb);
		if (i < res->groups.n) {
			const struct agg_group *g = &res->groups.groups[i];

			for (k = 0; k < nkeys; k++) {
				size_t len;
				const char *p = agg_key_part(g->key, g->keylen,
				    k, &len);

				if (k)
					sbuf_addch(&sb, '|');
				sbuf_add(&sb, p, len);
			}
		} else {
			sbuf_addstr(&sb, "TOTAL");
		}
		dec_format(m->run_seconds, d);
		sbuf_addf(&sb, ": jobs=%llu secs=%s",
		    (unsigned long long)m->jobs, d);
		for (c = 0; c < CR_COUNT; c++) {
			if (m->credits[c] == 0 && c != CR_TOTAL)
				continue;
			dec_format(m->credits[c], d);
			sbuf_addf(&sb, " %s=%s", kinds[c], d);
		}
		lines[i] = xstrdup(sb.buf);
	}
	qsort(lines, res->groups.n, sizeof(*lines), cmp_lines);
	for (i = 0; i <= res->groups.n; i++) {
		sbuf_addf(&out, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	sbuf_release(&sb);
	return out.buf;
}

static void
assert_groups(const struct run *r, size_t nkeys, const char *want)
{
	char *got = groups_text(&r->res, nkeys);

	if (strcmp(got, want) != 0)
		fail_msg("groups:\n%s--- expected ---\n%s", got, want);
	free(got);
}

static void
assert_day(int32_t days, const char *want)
{
	char buf[DATE_BUFSZ];

	date_format_day(days, buf);
	assert_string_equal(buf, want);
}

/* Options grouped by `by`, one thread unless set later. */
static void
opts(struct report_opts *o, const char *by)
{
	report_opts_init(o);
	if (report_parse_by(o, by) != 0)
		fail_msg("report_parse_by(%s)", by);
	o->threads = 1;
}

/* ---- --by ---- */

static void
test_parse_by(void **state)
{
	struct report_opts o;
	struct unit_capture cap;
	char *err;

	(void)state;
	report_opts_init(&o);
	assert_int_equal(report_parse_by(&o, "project"), 0);
	assert_int_equal(o.nkeys, 1);
	assert_string_equal(o.keys[0].name, "project");
	assert_int_equal(o.keys[0].col, COL_PROJECT_NAME);
	assert_int_equal(o.keys[0].kind, KEY_STRING);
	/* job brings project and workflow; repeats appear once */
	assert_int_equal(report_parse_by(&o, "job,project,Workflow,DAY"), 0);
	assert_int_equal(o.nkeys, 4);
	assert_string_equal(o.keys[0].name, "project");
	assert_string_equal(o.keys[1].name, "workflow");
	assert_int_equal(o.keys[1].col, COL_WORKFLOW_NAME);
	assert_string_equal(o.keys[2].name, "job");
	assert_int_equal(o.keys[2].col, COL_JOB_NAME);
	assert_string_equal(o.keys[3].name, "day");
	assert_int_equal(o.keys[3].col, COL_JOB_RUN_DATE);
	assert_int_equal(o.keys[3].kind, KEY_DAY);
	assert_int_equal(report_parse_by(&o, "week,month,branch,"
	    "resource_class,executor,os,status,org,trigger,user"), 0);
	assert_int_equal(o.nkeys, 10);
	assert_int_equal(o.keys[0].kind, KEY_WEEK);
	assert_int_equal(o.keys[1].kind, KEY_MONTH);
	assert_int_equal(o.keys[2].col, COL_VCS_BRANCH);
	assert_int_equal(o.keys[3].col, COL_RESOURCE_CLASS);
	assert_int_equal(o.keys[4].col, COL_EXECUTOR);
	assert_int_equal(o.keys[5].col, COL_OPERATING_SYSTEM);
	assert_int_equal(o.keys[6].col, COL_JOB_BUILD_STATUS);
	assert_int_equal(o.keys[7].col, COL_ORGANIZATION_NAME);
	assert_int_equal(o.keys[8].col, COL_PIPELINE_TRIGGER_SOURCE);
	assert_int_equal(o.keys[9].col, COL_PIPELINE_TRIGGER_USER_ID);
	/* a job's name alone, across projects and workflows */
	assert_int_equal(report_parse_by(&o, "job_name"), 0);
	assert_int_equal(o.nkeys, 1);
	assert_string_equal(o.keys[0].name, "job_name");
	assert_int_equal(o.keys[0].col, COL_JOB_NAME);
	/* unknown and empty keys */
	unit_capture_begin(&cap);
	assert_int_equal(report_parse_by(&o, "project,bogus"), -1);
	err = unit_capture_end(&cap);
	assert_string_equal(err, "circleci-usage: --by: unknown key 'bogus' "
	    "(expected a comma-separated list of: project, workflow, job, "
	    "job_name, branch, resource_class, executor, os, status, org, "
	    "trigger, user, day, week, month, team (with --teams))\n");
	free(err);
	unit_capture_begin(&cap);
	assert_int_equal(report_parse_by(&o, "project,,day"), -1);
	assert_int_equal(report_parse_by(&o, ""), -1);
	assert_int_equal(report_parse_by(&o, "day,"), -1);
	assert_int_equal(report_parse_by(&o, "projects"), -1);
	err = unit_capture_end(&cap);
	assert_contains(err, "unknown key ''");
	assert_contains(err, "unknown key 'projects'");
	free(err);
	report_opts_release(&o);
}

/* ---- groups, totals, duplicates ---- */

static void
test_groups_and_totals(void **state)
{
	char *paths[2];
	struct report_opts o;
	struct run r;

	(void)state;
	paths[0] = export_file("p1.csv.gz", part1, 1);
	paths[1] = export_file("p2.csv", part2, 0);
	opts(&o, "project");
	run_paths(&o, paths, 2, &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.err, "");
	assert_groups(&r, 1,
	    "api: jobs=3 secs=131 compute=10.21 total=10.21\n"
	    "mobile, ios: jobs=1 secs=300 compute=25.05 total=25.05\n"
	    "web: jobs=2 secs=90.5 compute=1.6 dlc=0.25 total=1.85\n"
	    "TOTAL: jobs=6 secs=521.5 compute=36.86 dlc=0.25 total=37.11\n");
	assert_int_equal(r.res.files, 2);
	assert_int_equal(r.res.rows_read, 7);
	assert_int_equal(r.res.duplicates, 1);
	assert_int_equal(r.res.rows_skipped, 0);
	assert_int_equal(r.res.rows_filtered, 0);
	assert_int_equal(r.res.bytes, strlen(part1) + strlen(part2));
	assert_true(r.res.have_dates);
	assert_day(r.res.first_date, "2026-09-30");
	assert_day(r.res.last_date, "2026-10-05");
	run_release(&r);

	/* --keep-duplicates counts the row again */
	o.keep_duplicates = 1;
	run_paths(&o, paths, 2, &r);
	assert_int_equal(r.ret, 0);
	assert_groups(&r, 1,
	    "api: jobs=3 secs=131 compute=10.21 total=10.21\n"
	    "mobile, ios: jobs=1 secs=300 compute=25.05 total=25.05\n"
	    "web: jobs=3 secs=150.5 compute=3.1 dlc=0.5 total=3.6\n"
	    "TOTAL: jobs=7 secs=581.5 compute=38.36 dlc=0.5 total=38.86\n");
	assert_int_equal(r.res.duplicates, 0);
	run_release(&r);
	report_opts_release(&o);

	/* no keys: one group */
	report_opts_init(&o);
	o.threads = 1;
	run_paths(&o, paths, 2, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.res.groups.n, 1);
	assert_groups(&r, 0,
	    ": jobs=6 secs=521.5 compute=36.86 dlc=0.25 total=37.11\n"
	    "TOTAL: jobs=6 secs=521.5 compute=36.86 dlc=0.25 total=37.11\n");
	run_release(&r);
	report_opts_release(&o);
	free(paths[0]);
	free(paths[1]);
}

static void
test_keys(void **state)
{
	char *paths[2];
	struct report_opts o;
	struct run r;

	(void)state;
	paths[0] = export_file("k1.csv.gz", part1, 1);
	paths[1] = export_file("k2.csv.gz", part2, 1);

	opts(&o, "job");
	run_paths(&o, paths, 2, &r);
	assert_int_equal(r.ret, 0);
	assert_groups(&r, 3,
	    "api|deploy|push: jobs=3 secs=131 compute=10.21 total=10.21\n"
	    "mobile, ios|build|test: jobs=1 secs=300 compute=25.05 "
	    "total=25.05\n"
	    "web|build|lint: jobs=1 secs=30.5 compute=0.1 total=0.1\n"
	    "web|build|test: jobs=1 secs=60 compute=1.5 dlc=0.25 "
	    "total=1.75\n"
	    "TOTAL: jobs=6 secs=521.5 compute=36.86 dlc=0.25 total=37.11\n");
	run_release(&r);
	report_opts_release(&o);

	/* values as written: SUCCESS and success are two statuses */
	opts(&o, "branch,status");
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 2,
	    "feature/x|failed: jobs=1 secs=30.5 compute=0.1 total=0.1\n"
	    "main|SUCCESS: jobs=1 secs=1 compute=0.01 total=0.01\n"
	    "main|canceled: jobs=1 secs=10 compute=0.2 total=0.2\n"
	    "main|success: jobs=2 secs=180 compute=11.5 dlc=0.25 "
	    "total=11.75\n"
	    "release/1.0|success: jobs=1 secs=300 compute=25.05 "
	    "total=25.05\n"
	    "TOTAL: jobs=6 secs=521.5 compute=36.86 dlc=0.25 total=37.11\n");
	run_release(&r);
	report_opts_release(&o);

	opts(&o, "day");
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 1,
	    "2026-09-30: jobs=1 secs=1 compute=0.01 total=0.01\n"
	    "2026-10-01: jobs=2 secs=90.5 compute=1.6 dlc=0.25 total=1.85\n"
	    "2026-10-02: jobs=1 secs=120 compute=10 total=10\n"
	    "2026-10-03: jobs=1 secs=300 compute=25.05 total=25.05\n"
	    "2026-10-05: jobs=1 secs=10 compute=0.2 total=0.2\n"
	    "TOTAL: jobs=6 secs=521.5 compute=36.86 dlc=0.25 total=37.11\n");
	run_release(&r);
	report_opts_release(&o);

	/* 2026-09-30 is in the week of 2026-10-01; 2026-10-05 a Monday */
	opts(&o, "week,resource_class");
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 2,
	    "2026-W40|large: jobs=2 secs=121 compute=10.01 total=10.01\n"
	    "2026-W40|macos.m1: jobs=1 secs=300 compute=25.05 total=25.05\n"
	    "2026-W40|medium: jobs=1 secs=60 compute=1.5 dlc=0.25 "
	    "total=1.75\n"
	    "2026-W40|small: jobs=1 secs=30.5 compute=0.1 total=0.1\n"
	    "2026-W41|large: jobs=1 secs=10 compute=0.2 total=0.2\n"
	    "TOTAL: jobs=6 secs=521.5 compute=36.86 dlc=0.25 total=37.11\n");
	run_release(&r);
	report_opts_release(&o);

	opts(&o, "month");
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 1,
	    "2026-09: jobs=1 secs=1 compute=0.01 total=0.01\n"
	    "2026-10: jobs=5 secs=520.5 compute=36.85 dlc=0.25 total=37.1\n"
	    "TOTAL: jobs=6 secs=521.5 compute=36.86 dlc=0.25 total=37.11\n");
	run_release(&r);
	report_opts_release(&o);
	free(paths[0]);
	free(paths[1]);
}

/* ---- grouping sets ---- */

/* The groups of set `set` of a run, as groups_text() writes them. */
static char *
set_text(const struct run *r, size_t set, size_t nkeys)
{
	struct report_result one = r->res;

	one.groups = *report_set_groups(&r->res, set);
	return groups_text(&one, nkeys);
}

/* Each set of one pass equals a run grouped by that set's keys alone. */
static void
test_sets(void **state)
{
	static const char *const sets[] = { "job,status", "project,day",
	    "week,resource_class" };
	static const size_t nkeys[] = { 4, 2, 2 };
	static const int threads[] = { 1, 2 };
	char *paths[2];
	struct report_opts o, one;
	struct run r, alone;
	size_t s, t;

	(void)state;
	paths[0] = export_file("s1.csv.gz", part1, 1);
	paths[1] = export_file("s2.csv.gz", part2, 0);

	report_opts_init(&o);
	assert_int_equal(report_parse_sets(&o, sets, 3), 0);
	/* the union of the keys, each once, in order of appearance */
	assert_int_equal(o.nkeys, 7);
	assert_string_equal(o.keys[0].name, "project");
	assert_string_equal(o.keys[3].name, "status");
	assert_string_equal(o.keys[4].name, "day");
	assert_string_equal(o.keys[6].name, "resource_class");
	assert_int_equal(o.nsets, 3);
	assert_int_equal(report_nsets(&o), 3);
	assert_int_equal(o.sets[1].nkeys, 2);
	assert_int_equal(o.sets[1].keys[0], 0);	/* project, shared */
	assert_int_equal(o.sets[1].keys[1], 4);
	report_set_opts(&o, 2, &one);
	assert_int_equal(one.nkeys, 2);
	assert_string_equal(one.keys[0].name, "week");
	assert_int_equal(one.nsets, 0);
	report_opts_release(&one);

	for (t = 0; t < 2; t++) {
		o.threads = threads[t];
		run_paths(&o, paths, 2, &r);
		assert_int_equal(r.ret, 0);
		assert_int_equal(r.res.rows_read, 7);
		assert_int_equal(r.res.duplicates, 1);
		for (s = 0; s < 3; s++) {
			char *got, *want;

			opts(&one, sets[s]);
			run_paths(&one, paths, 2, &alone);
			assert_int_equal(alone.ret, 0);
			got = set_text(&r, s, nkeys[s]);
			want = groups_text(&alone.res, nkeys[s]);
			assert_string_equal(got, want);
			free(got);
			free(want);
			run_release(&alone);
			report_opts_release(&one);
		}
		run_release(&r);
	}
	report_opts_release(&o);

	/* bad sets */
	{
		static const char *const bad[] = { "project", "nope" };
		static const char *const many[] = { "day", "day", "day", "day",
		    "day", "day", "day", "day", "day" };
		struct unit_capture cap;
		char *err;

		report_opts_init(&o);
		unit_capture_begin(&cap);
		assert_int_equal(report_parse_sets(&o, bad, 2), -1);
		assert_int_equal(report_parse_sets(&o, many, 9), -1);
		err = unit_capture_end(&cap);
		assert_contains(err, "unknown key 'nope'");
		assert_contains(err, "too many grouping sets");
		free(err);
		report_opts_release(&o);
	}
	free(paths[0]);
	free(paths[1]);
}

/*
 * Rows without a usable JOB_RUN_DATE: a set without a time key counts
 * them, a set with one skips them, each exactly as a run by that set's
 * keys alone; set_skipped says how many each set skipped beyond
 * rows_skipped.
 */
static const char part_bad_dates[] = HDR
    "web,build,test,B1,,main,success,medium,60,1,,1\n"
    "web,build,test,B2,2026-13-45,main,failed,medium,60,2,,2\n"
    "api,deploy,push,B3,2026-10-02,main,success,large,60,4,,4\n";

static void
test_sets_bad_dates(void **state)
{
	static const char *const sets[] = { "project,status", "project,day" };
	static const size_t nkeys[] = { 2, 2 };
	char *paths[3];
	struct report_opts o, one;
	struct run r, alone;
	size_t s, i;

	(void)state;
	paths[0] = export_file("b1.csv.gz", part1, 1);
	paths[1] = export_file("b2.csv", part2, 0);
	paths[2] = export_file("b3.csv", part_bad_dates, 0);
	report_opts_init(&o);
	assert_int_equal(report_parse_sets(&o, sets, 2), 0);
	run_paths(&o, paths, 3, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.res.rows_skipped, 0);
	assert_int_equal(r.res.set_skipped[0], 0);
	assert_int_equal(r.res.set_skipped[1], 2);
	for (s = 0; s < 2; s++) {
		struct report_result set = r.res;
		char *got, *want;

		set.groups = *report_set_groups(&r.res, s);
		memset(&set.totals, 0, sizeof(set.totals));
		for (i = 0; i < set.groups.n; i++)
			metrics_add(&set.totals, &set.groups.groups[i].m);
		opts(&one, sets[s]);
		run_paths(&one, paths, 3, &alone);
		assert_int_equal(alone.ret, 0);
		assert_int_equal(r.res.rows_skipped + r.res.set_skipped[s],
		    alone.res.rows_skipped);
		got = groups_text(&set, nkeys[s]);
		want = groups_text(&alone.res, nkeys[s]);
		assert_string_equal(got, want);
		free(got);
		free(want);
		run_release(&alone);
		report_opts_release(&one);
	}
	run_release(&r);
	/* with --since, a row without a date is out of every set */
	o.since = 0;
	run_paths(&o, paths, 3, &r);
	assert_int_equal(r.res.rows_skipped, 2);
	assert_int_equal(r.res.set_skipped[0], 0);
	run_release(&r);
	report_opts_release(&o);
	for (i = 0; i < 3; i++)
		free(paths[i]);
}

/* ---- organization names ---- */

#define OHDR "ORGANIZATION_NAME,PROJECT_NAME,JOB_ID,JOB_RUN_DATE," \
	"TOTAL_CREDITS\n"

/*
 * Names of the job runs counted, most runs first (ties in order of first
 * appearance), whatever the threads; NULL, empty, filtered-out and
 * duplicate-only names left out; the labels titles show.
 */
static void
test_org_names(void **state)
{
	static const char a[] = OHDR
	    "beta,p1,J1,2026-10-01,1\n"
	    "alpha,p1,J2,2026-10-01,1\n"
	    "\\N,p1,J3,2026-10-01,1\n"
	    ",p1,J4,2026-10-01,1\n"
	    "alpha,p2,J5,2026-10-01,1\n"
	    "\"Acme, Inc. \"\"EU\"\"\",p3,J6,2026-10-01,1\n";
	/*
	 * J1 again, as overlapping windows repeat a row: the same row, so
	 * whichever thread meets it first, the result is the same.
	 */
	static const char b[] = OHDR
	    "alpha,p1,J7,2026-10-02,1\n"
	    "beta,p1,J1,2026-10-01,1\n"
	    "gamma,p9,J8,2026-10-02,1\n";
	/* a copy that differs: which copy counts is the first one read,
	 * deterministic with one thread only */
	static const char c[] = OHDR
	    "dupe-only,p1,J1,2026-10-01,1\n";
	static const int threads[] = { 1, 2 };
	char *paths[2], *label;
	struct report_opts o;
	struct run r;
	size_t t;

	(void)state;
	paths[0] = export_file("o1.csv.gz", a, 1);
	paths[1] = export_file("o2.csv", b, 0);
	for (t = 0; t < 2; t++) {
		opts(&o, "project");
		o.threads = threads[t];
		o.want_orgs = 1;
		run_paths(&o, paths, 2, &r);
		assert_int_equal(r.ret, 0);
		assert_int_equal(r.res.norgs, 4);
		assert_false(r.res.orgs_more);
		assert_string_equal(r.res.orgs[0], "alpha");
		assert_int_equal(r.res.org_jobs[0], 3);
		assert_string_equal(r.res.orgs[1], "beta");
		assert_string_equal(r.res.orgs[2], "Acme, Inc. \"EU\"");
		assert_string_equal(r.res.orgs[3], "gamma");
		assert_int_equal(r.res.org_jobs[3], 1);
		label = report_org_label(&r.res, "ignored-id");
		assert_string_equal(label, "alpha, beta and 2 more "
		    "organizations");
		free(label);
		run_release(&r);
		report_opts_release(&o);
	}

	/* a name only a duplicate carries is left out */
	{
		char *p3[3];

		p3[0] = paths[0];
		p3[1] = paths[1];
		p3[2] = export_file("o3.csv", c, 0);
		opts(&o, "project");
		o.threads = 1;
		o.want_orgs = 1;
		run_paths(&o, p3, 3, &r);
		assert_int_equal(r.res.norgs, 4);
		assert_string_equal(r.res.orgs[1], "beta");
		for (t = 0; t < r.res.norgs; t++)
			assert_string_not_equal(r.res.orgs[t], "dupe-only");
		run_release(&r);
		report_opts_release(&o);
		free(p3[2]);
	}

	/* not asked for: nothing noted */
	opts(&o, "project");
	run_paths(&o, paths, 2, &r);
	assert_int_equal(r.res.norgs, 0);
	label = report_org_label(&r.res, "5f2b-org");
	assert_string_equal(label, "org 5f2b-org");
	free(label);
	assert_null(report_org_label(&r.res, NULL));
	run_release(&r);
	report_opts_release(&o);

	/* only the rows counted: --project p9 leaves gamma alone */
	{
		const char *glob = "p9";

		opts(&o, "project");
		o.want_orgs = 1;
		o.projects = xmalloc(sizeof(*o.projects));
		o.projects[0] = glob;
		o.nprojects = 1;
		run_paths(&o, paths, 2, &r);
		label = report_org_label(&r.res, "5f2b-org");
		assert_string_equal(label, "gamma");
		free(label);
		run_release(&r);
		report_opts_release(&o);
	}
	free(paths[0]);
	free(paths[1]);
}

/* Two names; more names than are kept. */
static void
test_org_labels(void **state)
{
	struct sbuf text;
	char *path, *label;
	struct report_opts o;
	struct run r;
	int i;

	(void)state;
	path = export_file("o3.csv", OHDR "b,p,J1,2026-10-01,1\n"
	    "a,p,J2,2026-10-01,1\n", 0);
	opts(&o, "project");
	o.want_orgs = 1;
	run_paths(&o, &path, 1, &r);
	label = report_org_label(&r.res, NULL);
	assert_string_equal(label, "b and a");
	free(label);
	run_release(&r);
	free(path);

	sbuf_init(&text, 1 << 20);
	sbuf_addstr(&text, OHDR);
	for (i = 0; i < REPORT_MAX_ORGS + 3; i++)
		sbuf_addf(&text, "org-%02d,p,J%d,2026-10-01,1\n", i, i);
	path = export_file("o4.csv", text.buf, 0);
	run_paths(&o, &path, 1, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.res.norgs, REPORT_MAX_ORGS);
	assert_true(r.res.orgs_more);
	assert_string_equal(r.res.orgs[0], "org-00");
	label = report_org_label(&r.res, NULL);
	assert_string_equal(label, "org-00, org-01 and more organizations");
	free(label);
	run_release(&r);
	report_opts_release(&o);
	sbuf_release(&text);
	free(path);
}

/* ---- filters ---- */

static void
test_filters(void **state)
{
	char *paths[2];
	struct report_opts o;
	struct run r;
	const char *globs[2];
	char *st[2];

	(void)state;
	paths[0] = export_file("f1.csv.gz", part1, 1);
	paths[1] = export_file("f2.csv", part2, 0);

	/* --since/--until, both ends inclusive */
	opts(&o, "project");
	o.since = date_from_ymd(2026, 10, 1);
	o.until = date_from_ymd(2026, 10, 2);
	run_paths(&o, paths, 2, &r);
	assert_int_equal(r.ret, 0);
	assert_groups(&r, 1,
	    "api: jobs=1 secs=120 compute=10 total=10\n"
	    "web: jobs=2 secs=90.5 compute=1.6 dlc=0.25 total=1.85\n"
	    "TOTAL: jobs=3 secs=210.5 compute=11.6 dlc=0.25 total=11.85\n");
	assert_int_equal(r.res.rows_read, 7);
	assert_int_equal(r.res.rows_filtered, 3);
	assert_int_equal(r.res.duplicates, 1);
	assert_day(r.res.first_date, "2026-10-01");
	assert_day(r.res.last_date, "2026-10-02");
	run_release(&r);
	o.since = date_from_ymd(2026, 10, 5);
	o.until = INT32_MAX;
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 1, "api: jobs=1 secs=10 compute=0.2 total=0.2\n"
	    "TOTAL: jobs=1 secs=10 compute=0.2 total=0.2\n");
	assert_int_equal(r.res.rows_filtered, 6);
	run_release(&r);
	report_opts_release(&o);

	/* project globs: any may match; a filtered row is no duplicate */
	opts(&o, "project");
	globs[0] = "a*";
	o.projects = globs;
	o.nprojects = 1;
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 1,
	    "api: jobs=3 secs=131 compute=10.21 total=10.21\n"
	    "TOTAL: jobs=3 secs=131 compute=10.21 total=10.21\n");
	assert_int_equal(r.res.rows_filtered, 4);
	assert_int_equal(r.res.duplicates, 0);
	run_release(&r);
	globs[0] = "web";
	globs[1] = "mobile,*";
	o.nprojects = 2;
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 1,
	    "mobile, ios: jobs=1 secs=300 compute=25.05 total=25.05\n"
	    "web: jobs=2 secs=90.5 compute=1.6 dlc=0.25 total=1.85\n"
	    "TOTAL: jobs=3 secs=390.5 compute=26.65 dlc=0.25 total=26.9\n");
	run_release(&r);
	globs[0] = "WEB";	/* globs are case-sensitive */
	o.nprojects = 1;
	run_paths(&o, paths, 2, &r);
	assert_int_equal(r.res.groups.n, 0);
	assert_int_equal(r.res.totals.jobs, 0);
	assert_int_equal(r.res.rows_filtered, 7);
	assert_false(r.res.have_dates);
	run_release(&r);
	o.projects = NULL;
	o.nprojects = 0;

	/* branch globs: '*' crosses '/' */
	globs[0] = "release/*";
	globs[1] = "feat*";
	o.branches = globs;
	o.nbranches = 2;
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 1,
	    "mobile, ios: jobs=1 secs=300 compute=25.05 total=25.05\n"
	    "web: jobs=1 secs=30.5 compute=0.1 total=0.1\n"
	    "TOTAL: jobs=2 secs=330.5 compute=25.15 total=25.15\n");
	run_release(&r);
	o.branches = NULL;
	o.nbranches = 0;

	/* status: any of the list, any case */
	st[0] = xstrdup("success");
	o.statuses = st;
	o.nstatuses = 1;
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 1,
	    "api: jobs=2 secs=121 compute=10.01 total=10.01\n"
	    "mobile, ios: jobs=1 secs=300 compute=25.05 total=25.05\n"
	    "web: jobs=1 secs=60 compute=1.5 dlc=0.25 total=1.75\n"
	    "TOTAL: jobs=4 secs=481 compute=36.56 dlc=0.25 total=36.81\n");
	assert_int_equal(r.res.rows_filtered, 2);
	run_release(&r);
	free(st[0]);
	st[0] = xstrdup("FAILED");
	st[1] = xstrdup("canceled");
	o.nstatuses = 2;
	run_paths(&o, paths, 2, &r);
	assert_groups(&r, 1,
	    "api: jobs=1 secs=10 compute=0.2 total=0.2\n"
	    "web: jobs=1 secs=30.5 compute=0.1 total=0.1\n"
	    "TOTAL: jobs=2 secs=40.5 compute=0.3 total=0.3\n");
	run_release(&r);
	free(st[0]);
	free(st[1]);
	o.statuses = NULL;
	o.nstatuses = 0;
	report_opts_release(&o);
	free(paths[0]);
	free(paths[1]);
}

/* ---- bad rows ---- */

/* Lines 2 (good), 3 (too few fields), 4 and 5 (bad and empty totals), 6
 * (bad quoting), 7 (no JOB_ID), 8 (a bad date, counted), 9 (a bad compute
 * value, counted). */
static const char bad_rows[] = HDR
    "web,b,t,X1,2026-10-01,main,success,medium,10,1,0,1\n"
    "a,b,c\n"
    "web,b,t,X2,2026-10-01,main,success,medium,10,1,0,abc\n"
    "web,b,t,X3,2026-10-01,main,success,medium,10,1,0,\n"
    "\"web\"x,b,t,X4,2026-10-01,main,success,medium,10,1,0,1\n"
    "web,b,t,,2026-10-01,main,success,medium,10,1,0,1\n"
    "web,b,t,X5,10/01/2026,main,success,medium,10,1,0,2\n"
    "web,b,t,X6,2026-10-02,main,success,medium,1e1,1.5x,0,4\n";

static void
test_bad_rows(void **state)
{
	char *path = export_file("bad.csv", bad_rows, 0), *want;
	struct report_opts o;
	struct run r;

	(void)state;
	opts(&o, "project");
	run_paths(&o, &path, 1, &r);
	assert_int_equal(r.ret, 0);
	want = xasprintf(
	    "circleci-usage: %s:3: expected 12 fields, found 3; row skipped\n"
	    "circleci-usage: %s:4: TOTAL_CREDITS: not a number; row skipped: "
	    "'abc'\n"
	    "circleci-usage: %s:5: TOTAL_CREDITS: empty; row skipped\n"
	    "circleci-usage: %s:6: malformed quoted field; row skipped\n"
	    "circleci-usage: %s:7: JOB_ID: empty; row skipped\n"
	    "circleci-usage: warning: 7 problems in all (the first 5 shown)\n"
	    "circleci-usage: warning: skipped 5 unreadable rows of 8\n",
	    path, path, path, path, path);
	assert_string_equal(r.err, want);
	free(want);
	/* rows 2, 8 (date counted as empty) and 9 (compute as 0) */
	assert_groups(&r, 1,
	    "web: jobs=3 secs=30 compute=2 total=7\n"
	    "TOTAL: jobs=3 secs=30 compute=2 total=7\n");
	assert_int_equal(r.res.rows_read, 8);
	assert_int_equal(r.res.rows_skipped, 5);
	assert_day(r.res.first_date, "2026-10-01");
	assert_day(r.res.last_date, "2026-10-02");
	run_release(&r);

	/* the problems past the first five are counted, not shown; without
	 * the duplicate filter an empty JOB_ID is no problem */
	o.keep_duplicates = 1;
	run_paths(&o, &path, 1, &r);
	assert_contains(r.err, "warning: 6 problems in all (the first 5 "
	    "shown)\n");
	assert_int_equal(r.res.rows_skipped, 4);
	assert_int_equal(r.res.totals.jobs, 4);
	run_release(&r);

	/* --strict: the first problem is the error */
	o.keep_duplicates = 0;
	o.strict = 1;
	run_paths(&o, &path, 1, &r);
	assert_int_equal(r.ret, EXIT_BAD_INPUT);
	want = xasprintf("circleci-usage: %s:3: expected 12 fields, found 3; "
	    "row skipped\n", path);
	assert_string_equal(r.err, want);
	free(want);
	run_release(&r);
	report_opts_release(&o);
	free(path);
}

static void
test_bad_values_messages(void **state)
{
	static const char text[] = HDR
	    "web,b,t,Y1,2026-10-01,main,success,medium,10,1.5x,0,1\n"
	    "web,b,t,Y2,2026-13-01,main,success,medium,ten,1,0,1\n"
	    "web,b,t,Y3,2026-10-01,main,success,medium,10,1,0,\"2\x1b[31m\"\n";
	char *path = export_file("values.csv", text, 0), *want;
	struct report_opts o;
	struct run r;

	(void)state;
	opts(&o, "project");
	run_paths(&o, &path, 1, &r);
	assert_int_equal(r.ret, 0);
	want = xasprintf(
	    "circleci-usage: %s:2: COMPUTE_CREDITS: not a number, counted as "
	    "empty: '1.5x'\n"
	    "circleci-usage: %s:3: JOB_RUN_DATE: not a date (YYYY-MM-DD), "
	    "counted as empty: '2026-13-01'\n"
	    "circleci-usage: %s:3: JOB_RUN_SECONDS: not a number, counted as "
	    "empty: 'ten'\n"
	    "circleci-usage: %s:4: TOTAL_CREDITS: not a number; row skipped: "
	    "'2\\x1b[31m'\n"
	    "circleci-usage: warning: skipped 1 unreadable row of 3\n",
	    path, path, path, path);
	assert_string_equal(r.err, want);
	free(want);
	assert_groups(&r, 1, "web: jobs=2 secs=10 compute=1 total=2\n"
	    "TOTAL: jobs=2 secs=10 compute=1 total=2\n");
	run_release(&r);

	/* a date key needs the date: the row is skipped */
	report_opts_release(&o);
	opts(&o, "day");
	run_paths(&o, &path, 1, &r);
	want = xasprintf("circleci-usage: %s:3: JOB_RUN_DATE: not a date "
	    "(YYYY-MM-DD); row skipped: '2026-13-01'\n", path);
	assert_contains(r.err, want);
	free(want);
	assert_groups(&r, 1, "2026-10-01: jobs=1 secs=10 total=1\n"
	    "TOTAL: jobs=1 secs=10 total=1\n");
	assert_int_equal(r.res.rows_skipped, 2);
	run_release(&r);
	report_opts_release(&o);
	free(path);
}

/* ---- whole-file errors ---- */

static void
expect_fatal(const struct report_opts *o, char *path, const char *msg)
{
	struct run r;
	char *want = xasprintf("circleci-usage: %s\n", msg);

	run_paths(o, &path, 1, &r);
	assert_int_equal(r.ret, EXIT_BAD_INPUT);
	assert_string_equal(r.err, want);
	free(want);
	run_release(&r);
}

static void
test_missing_columns(void **state)
{
	char *p = export_file("nocols.csv", "PROJECT_NAME,JOB_ID\nweb,1\n", 0);
	char *q = export_file("noid.csv",
	    "PROJECT_NAME,TOTAL_CREDITS\nweb,1\n", 0);
	char *msg;
	struct report_opts o;
	struct run r;
	const char *g = "*";

	(void)state;
	opts(&o, "project");
	msg = xasprintf("'%s' has no column TOTAL_CREDITS (needed for the "
	    "credit totals)", p);
	expect_fatal(&o, p, msg);
	free(msg);
	msg = xasprintf("'%s' has no column JOB_ID (needed to drop duplicate "
	    "job runs; --keep-duplicates counts every row)", q);
	expect_fatal(&o, q, msg);
	free(msg);
	/* with --keep-duplicates JOB_ID is not needed */
	o.keep_duplicates = 1;
	run_paths(&o, &q, 1, &r);
	assert_int_equal(r.ret, 0);
	assert_groups(&r, 1, "web: jobs=1 secs=0 total=1\n"
	    "TOTAL: jobs=1 secs=0 total=1\n");
	assert_false(r.res.have_dates);
	run_release(&r);
	o.branches = &g;
	o.nbranches = 1;
	msg = xasprintf("'%s' has no column VCS_BRANCH (needed by --branch)",
	    q);
	expect_fatal(&o, q, msg);
	free(msg);
	o.branches = NULL;
	o.nbranches = 0;
	o.since = 0;
	msg = xasprintf("'%s' has no column JOB_RUN_DATE (needed by "
	    "--since/--until)", q);
	expect_fatal(&o, q, msg);
	free(msg);
	o.since = INT32_MIN;
	report_opts_release(&o);
	opts(&o, "week");
	o.keep_duplicates = 1;
	msg = xasprintf("'%s' has no column JOB_RUN_DATE (needed by --by "
	    "week)", q);
	expect_fatal(&o, q, msg);
	free(msg);
	report_opts_release(&o);
	free(p);
	free(q);
}

static void
test_corrupt_and_missing_files(void **state)
{
	char *good = export_file("good.csv.gz", part1, 1);
	char *cut = unit_path(tmp, "cut.csv.gz"), *gone, *msg;
	char *paths[2];
	size_t n;
	char *data = unit_read(good, &n);
	struct report_opts o;
	struct run r;

	(void)state;
	unit_write(cut, data, n - 5);
	free(data);
	opts(&o, "project");
	msg = xasprintf("'%s' is truncated: the gzip stream ends early", cut);
	expect_fatal(&o, cut, msg);
	free(msg);
	/* a good part first does not hide the bad one */
	paths[0] = good;
	paths[1] = cut;
	o.threads = 2;
	run_paths(&o, paths, 2, &r);
	assert_int_equal(r.ret, EXIT_BAD_INPUT);
	assert_contains(r.err, "is truncated");
	run_release(&r);
	/* vanished between listing and reading */
	gone = export_file("gone.csv", part2, 0);
	{
		struct inputs in;
		struct unit_capture cap;

		inputs_init(&in);
		assert_int_equal(inputs_add(&in, gone), 0);
		unlink(gone);
		unit_capture_begin(&cap);
		r.ret = report_run(&o, &in, &r.res);
		r.err = unit_capture_end(&cap);
		inputs_release(&in);
	}
	assert_int_equal(r.ret, EXIT_BAD_INPUT);
	msg = xasprintf("circleci-usage: cannot open '%s': No such file or "
	    "directory\n", gone);
	assert_string_equal(r.err, msg);
	free(msg);
	run_release(&r);
	/* an unclosed quote runs to the end: a malformed row */
	{
		char *q = export_file("quote.csv", HDR
		    "web,b,t,Z1,2026-10-01,main,success,m,1,1,0,1\n"
		    "\"web,b,t,Z2,2026-10-01,main,success,m,1,1,0,1\n", 0);

		run_paths(&o, &q, 1, &r);
		assert_int_equal(r.ret, 0);
		assert_int_equal(r.res.rows_skipped, 1);
		assert_int_equal(r.res.totals.jobs, 1);
		run_release(&r);
		free(q);
	}
	report_opts_release(&o);
	free(good);
	free(cut);
	free(gone);
}

static void
test_reader_errors(void **state)
{
	char *wide, *longrec, *msg;
	struct sbuf text;
	struct report_opts o;
	size_t i;
	FILE *f;

	(void)state;
	opts(&o, "project");
	/* a header of more columns than the reader keeps */
	sbuf_init(&text, 1 << 24);
	for (i = 0; i < 4097; i++)
		sbuf_addf(&text, "%sCOL%zu", i ? "," : "", i);
	sbuf_addstr(&text, "\nx\n");
	wide = export_file("wideheader.csv", text.buf, 0);
	sbuf_release(&text);
	msg = xasprintf("'%s': header has more than 4096 columns", wide);
	expect_fatal(&o, wide, msg);
	free(msg);
	/* an unclosed quote that runs past the record limit (16 MiB) */
	longrec = unit_path(tmp, "longrecord.csv");
	f = fopen(longrec, "w");
	assert_non_null(f);
	fputs(HDR "web,b,t,L1,2026-10-01,main,success,m,1,1,0,1\n\"", f);
	{
		char *chunk = xmalloc(1 << 20);

		memset(chunk, 'x', 1 << 20);
		for (i = 0; i < 17; i++)
			fwrite(chunk, 1, 1 << 20, f);
		free(chunk);
	}
	fclose(f);
	msg = xasprintf("'%s': line 3: record longer than 16777216 bytes (an "
	    "unclosed quote?)", longrec);
	expect_fatal(&o, longrec, msg);
	free(msg);
	unlink(longrec);
	report_opts_release(&o);
	free(wide);
	free(longrec);
}

/* --strict stops a part read ahead on a thread of its own. */
static void
test_strict_stops_read_ahead(void **state)
{
	struct sbuf text;
	char *path, *want;
	struct report_opts o;
	struct run r;
	size_t i;

	(void)state;
	sbuf_init(&text, 1 << 26);
	sbuf_addstr(&text, HDR);
	for (i = 0; i < 100000; i++)
		sbuf_addf(&text, "web,b,t,S%zu,2026-10-01,main,success,m,1,1,0,"
		    "%s\n", i, i == 10 ? "bad" : "1");
	path = export_file("strict.csv.gz", text.buf, 1);
	sbuf_release(&text);
	opts(&o, "project");
	o.strict = 1;
	o.threads = 4;
	run_paths(&o, &path, 1, &r);
	assert_int_equal(r.ret, EXIT_BAD_INPUT);
	want = xasprintf("circleci-usage: %s:12: TOTAL_CREDITS: not a number; "
	    "row skipped: 'bad'\n", path);
	assert_string_equal(r.err, want);
	free(want);
	run_release(&r);
	/* and without --strict the rest is read */
	o.strict = 0;
	run_paths(&o, &path, 1, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.res.totals.jobs, 99999);
	assert_int_equal(r.res.rows_skipped, 1);
	run_release(&r);
	report_opts_release(&o);
	free(path);
}

static void
test_stdin_input(void **state)
{
	char *path = export_file("stdin.csv.gz", part1, 1);
	int saved = dup(STDIN_FILENO), fd = open(path, O_RDONLY);
	char *dash = xstrdup("-");
	struct report_opts o;
	struct run r;

	(void)state;
	assert_true(fd >= 0);
	dup2(fd, STDIN_FILENO);
	close(fd);
	opts(&o, "project");
	run_paths(&o, &dash, 1, &r);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(r.ret, 0);
	assert_groups(&r, 1,
	    "api: jobs=2 secs=130 compute=10.2 total=10.2\n"
	    "web: jobs=2 secs=90.5 compute=1.6 dlc=0.25 total=1.85\n"
	    "TOTAL: jobs=4 secs=220.5 compute=11.8 dlc=0.25 total=12.05\n");
	run_release(&r);
	report_opts_release(&o);
	free(dash);
	free(path);
}

/*
 * A part in memory (inputs_add_memory, the fuzz target's way) reads as
 * the same bytes in a file do, gzip or plain, and a corrupt one names it.
 */
static void
test_memory_input(void **state)
{
	static const char *const want =
	    "api: jobs=2 secs=130 compute=10.2 total=10.2\n"
	    "web: jobs=2 secs=90.5 compute=1.6 dlc=0.25 total=1.85\n"
	    "TOTAL: jobs=4 secs=220.5 compute=11.8 dlc=0.25 total=12.05\n";
	char *path = export_file("mem.csv.gz", part1, 1);
	struct report_opts o;
	struct unit_capture cap;
	struct inputs in;
	struct run r;
	size_t len, i;
	char *gz = unit_read(path, &len);

	(void)state;
	opts(&o, "project");
	for (i = 0; i < 3; i++) {
		inputs_init(&in);
		if (i == 0)
			inputs_add_memory(&in, "mem.csv", part1,
			    strlen(part1));
		else
			inputs_add_memory(&in, "mem.csv.gz", gz,
			    i == 1 ? len : len / 2);
		unit_capture_begin(&cap);
		r.ret = report_run(&o, &in, &r.res);
		r.err = unit_capture_end(&cap);
		inputs_release(&in);
		if (i < 2) {
			assert_int_equal(r.ret, 0);
			assert_groups(&r, 1, want);
		} else {
			assert_int_not_equal(r.ret, 0);
			assert_non_null(strstr(r.err, "mem.csv.gz"));
		}
		run_release(&r);
	}
	report_opts_release(&o);
	free(gz);
	free(path);
}

static void
test_stdin_twice(void **state)
{
	struct report_opts o;
	struct inputs in;
	struct report_result res;
	struct unit_capture cap;
	char *err;

	(void)state;
	opts(&o, "project");
	inputs_init(&in);
	inputs_add(&in, "-");
	inputs_add(&in, "-");
	unit_capture_begin(&cap);
	assert_int_equal(report_run(&o, &in, &res), EXIT_USAGE);
	err = unit_capture_end(&cap);
	assert_string_equal(err, "circleci-usage: standard input ('-') given "
	    "twice\n");
	free(err);
	report_result_release(&res);
	inputs_release(&in);
	report_opts_release(&o);
}

/* ---- shapes of input ---- */

static void
test_header_only_and_odd_headers(void **state)
{
	char *h = export_file("hdr.csv.gz", HDR, 1);
	/* columns in another order and case, JOB_RUN_NUMBER before JOB_ID,
	 * an unknown column, CRLF, quoted names, a BOM */
	char *odd = export_file("odd.csv", "\xEF\xBB\xBF\"total_credits\","
	    "\"Extra\",\" project_name \",\"JOB_RUN_NUMBER\",\"JOB_ID\"\r\n"
	    "\"2.5\",\"x\",\"web\",\"7\",\"J1\"\r\n"
	    "\\N,\\N,web,8,J2\r\n"
	    "0.5,,\"web\",9,J3\r\n", 1);
	struct report_opts o;
	struct run r;

	(void)state;
	opts(&o, "project");
	run_paths(&o, &h, 1, &r);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.res.rows_read, 0);
	assert_int_equal(r.res.groups.n, 0);
	assert_false(r.res.have_dates);
	run_release(&r);
	run_paths(&o, &odd, 1, &r);
	assert_int_equal(r.ret, 0);
	assert_groups(&r, 1, "web: jobs=2 secs=0 total=3\n"
	    "TOTAL: jobs=2 secs=0 total=3\n");
	assert_int_equal(r.res.rows_skipped, 1);	/* the \N total */
	run_release(&r);
	report_opts_release(&o);
	free(h);
	free(odd);
}

/* Parts concatenated into one gzip file: each header is mapped again. */
static void
test_concatenated_parts(void **state)
{
	char *a = export_file("ca.csv.gz", part1, 1);
	char *b = export_file("cb.csv.gz", "TOTAL_CREDITS,JOB_ID,EXTRA,"
	    "PROJECT_NAME,JOB_RUN_DATE\n"
	    "5,U7,x,web,2026-10-09\n"
	    "1.75,U1,x,web,2026-10-01\n", 1);
	char *c = export_file("cc.csv.gz", part2, 1);
	char *all = unit_path(tmp, "all.csv.gz"), *cmd;
	struct report_opts o;
	struct run r;

	(void)state;
	cmd = xasprintf("cat '%s' '%s' '%s' > '%s'", a, b, c, all);
	unit_sh(cmd);
	free(cmd);
	opts(&o, "project");
	run_paths(&o, &all, 1, &r);
	assert_int_equal(r.ret, 0);
	assert_string_equal(r.err, "");
	assert_groups(&r, 1,
	    "api: jobs=3 secs=131 compute=10.21 total=10.21\n"
	    "mobile, ios: jobs=1 secs=300 compute=25.05 total=25.05\n"
	    "web: jobs=3 secs=90.5 compute=1.6 dlc=0.25 total=6.85\n"
	    "TOTAL: jobs=7 secs=521.5 compute=36.86 dlc=0.25 total=42.11\n");
	assert_int_equal(r.res.rows_read, 9);
	assert_int_equal(r.res.rows_skipped, 0);
	assert_int_equal(r.res.duplicates, 2);
	assert_day(r.res.last_date, "2026-10-09");
	run_release(&r);
	report_opts_release(&o);
	free(a);
	free(b);
	free(c);
	free(all);
}

/*
 * report_run() on `path` in a child process, so that a crash is a failed
 * test and not the end of this binary.  Returns 0 when the child ran to
 * the end (then *jobs is the jobs counted, or -1 if report_run() failed),
 * -1 when it crashed; then *why holds the sanitizer's first lines, if any
 * (free() it).
 */
static int
report_in_child(const char *path, int threads, long long *jobs, char **why)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	char *errpath = unit_path(tmp, "child.err"), *err, *e, *q;
	int fds[2], st, lines = 0;
	pid_t pid;

	*jobs = -1;
	*why = NULL;
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct report_opts o;
		struct report_result res;
		struct inputs in;
		int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		size_t i;

		/* cmocka's handlers would carry on with the next test */
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		dup2(efd, STDERR_FILENO);
		close(fds[0]);
		report_opts_init(&o);
		report_parse_by(&o, "project");
		o.threads = threads;
		inputs_init(&in);
		inputs_add(&in, path);
		if (report_run(&o, &in, &res) == 0)
			*jobs = (long long)res.totals.jobs;
		/* everything freed, for valgrind's leak check at _exit */
		report_result_release(&res);
		inputs_release(&in);
		report_opts_release(&o);
		free(errpath);
		if (write(fds[1], jobs, sizeof(*jobs)) != sizeof(*jobs))
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], jobs, sizeof(*jobs)) != sizeof(*jobs))
		*jobs = -1;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	err = unit_read(errpath, NULL);
	unlink(errpath);
	free(errpath);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		free(err);
		return 0;
	}
	/* the sanitizer's headline and first frames, if any */
	e = strstr(err, "ERROR: AddressSanitizer");
	if (e == NULL)
		e = strstr(err, "runtime error");
	for (q = e; q != NULL && *q && lines < 6; q++)
		lines += *q == '\n';
	*why = e ? xstrndup(e, (size_t)(q - e)) : xasprintf("status 0x%x", st);
	free(err);
	return -1;
}

/*
 * A row with more fields than the reader keeps (4096) that looks like a
 * header again must not be mapped past the fields the reader kept.
 */
static void
test_wide_header_row_again(void **state)
{
	struct sbuf text;
	char *path, *why;
	long long jobs;
	int i, ret;

	(void)state;
	sbuf_init(&text, 1 << 24);
	sbuf_addstr(&text, HDR);
	sbuf_addstr(&text, "web,b,t,W1,2026-10-01,main,success,m,1,1,0,1\n");
	sbuf_addstr(&text, "PROJECT_NAME,TOTAL_CREDITS");
	for (i = 0; i < 4200; i++)
		sbuf_addstr(&text, ",JOB_ID");
	sbuf_addch(&text, '\n');
	path = export_file("wide.csv", text.buf, 0);
	sbuf_release(&text);
	ret = report_in_child(path, 1, &jobs, &why);
	free(path);
	if (ret != 0) {
		print_error("%s\n", why);
		free(why);
		fail_msg("report_run on a 4202-field header row crashed");
	}
}

/* An export of exactly `size` bytes whose last row has no newline. */
static char *
export_of_size(const char *name, size_t size, long long *rows)
{
	static const char last[] = "web,b,t,LAST,2026-10-01,main,success,m,1,1,"
	    "0,1";
	struct sbuf text;
	char *path;
	long long n = 0;

	sbuf_init(&text, 1 << 24);
	sbuf_addstr(&text, HDR);
	while (text.len + 200 < size) {
		sbuf_addf(&text, "web,b,t,R%06lld,2026-10-01,main,success,m,1,"
		    "1,0,1\n", n);
		n++;
	}
	/* pad the last row's workflow name to land on `size` */
	sbuf_add(&text, last, 6);
	while (text.len + sizeof(last) - 1 - 6 < size)
		sbuf_addch(&text, 'x');
	sbuf_addstr(&text, last + 6);
	assert_int_equal(text.len, size);
	path = export_file(name, text.buf, 0);
	sbuf_release(&text);
	*rows = n + 1;
	return path;
}

/*
 * The reader's buffer starts at 512 KiB and is filled to the brim: an
 * export that ends exactly there, without a newline, must still count its
 * last row (and not crash on it).
 */
static void
test_last_row_at_buffer_end(void **state)
{
	static const size_t sizes[] = { 524287, 524289, 524288 };
	size_t i;
	int t;

	(void)state;
	for (i = 0; i < 3; i++) {
		for (t = 1; t <= 2; t++) {
			long long rows, got;
			char *path = export_of_size("edge.csv", sizes[i], &rows);
			char *why;

			if (report_in_child(path, t, &got, &why) != 0) {
				print_error("%s\n", why);
				free(why);
				free(path);
				fail_msg("an export of %zu bytes without a "
				    "final newline crashed report_run (%d "
				    "thread(s))", sizes[i], t);
			}
			free(path);
			if (got != rows)
				fail_msg("an export of %zu bytes without a "
				    "final newline, %d thread(s): %lld jobs "
				    "counted of %lld", sizes[i], t, got, rows);
		}
	}
}

/* ---- threads ---- */

/*
 * Eight parts of generated rows, with duplicates across parts; the sums
 * are worked out here in hundredths and must come out the same with 1, 2
 * and 4 threads (more threads than parts reads ahead).
 */
static void
test_threads_agree(void **state)
{
	static const char *const projects[] = { "alpha", "beta", "gamma",
	    "delta", "epsilon" };
	/* alphabetical: alpha beta delta epsilon gamma */
	static const size_t order[] = { 0, 1, 3, 4, 2 };
	static const int threads[] = { 1, 2, 4 };
	long long cents[5] = { 0 }, secs[5] = { 0 }, jobs[5] = { 0 };
	long long all_cents = 0, all_secs = 0, all_jobs = 0, dups = 0;
	char *paths[8], name[32], *seen;
	struct sbuf text, want;
	struct report_opts o;
	struct run r;
	size_t p, i, t;
	uint32_t x = 7;

	(void)state;
	seen = xcalloc(20000, 1);
	for (p = 0; p < 8; p++) {
		sbuf_init(&text, 1 << 24);
		sbuf_addstr(&text, HDR);
		for (i = 0; i < 3000; i++) {
			size_t id, k;
			long long c;

			x = x * 1103515245 + 12345;
			/* ids 0..19999: about 1 in 6 repeats */
			id = (x >> 8) % 20000;
			k = id % 5;
			c = (long long)(id % 997) + 1;
			sbuf_addf(&text, "%s,wf,job,id-%zu,2026-10-%02zu,main,"
			    "success,medium,%zu,%lld.%02lld,0,%lld.%02lld\n",
			    projects[k], id, 1 + id % 28, id % 100, c / 100,
			    c % 100, c / 100, c % 100);
			if (seen[id]++) {
				dups++;
				continue;
			}
			cents[k] += c;
			secs[k] += (long long)(id % 100);
			jobs[k]++;
		}
		snprintf(name, sizeof(name), "t%zu.csv.gz", p);
		paths[p] = export_file(name, text.buf, p % 2);
		sbuf_release(&text);
	}
	free(seen);
	sbuf_init(&want, 1 << 20);
	for (i = 0; i < 5; i++) {
		size_t k = order[i];
		char d[DEC_BUFSZ], s[48];

		snprintf(s, sizeof(s), "%lld.%02lld", cents[k] / 100,
		    cents[k] % 100);
		dec_format(unit_dec(s), d);
		sbuf_addf(&want, "%s: jobs=%lld secs=%lld compute=%s "
		    "total=%s\n", projects[k], jobs[k], secs[k], d, d);
		all_cents += cents[k];
		all_secs += secs[k];
		all_jobs += jobs[k];
	}
	{
		char d[DEC_BUFSZ], s[48];

		snprintf(s, sizeof(s), "%lld.%02lld", all_cents / 100,
		    all_cents % 100);
		dec_format(unit_dec(s), d);
		sbuf_addf(&want, "TOTAL: jobs=%lld secs=%lld compute=%s "
		    "total=%s\n", all_jobs, all_secs, d, d);
	}
	for (t = 0; t < 3; t++) {
		opts(&o, "project");
		o.threads = threads[t];
		run_paths(&o, paths, 8, &r);
		assert_int_equal(r.ret, 0);
		assert_string_equal(r.err, "");
		assert_int_equal(r.res.rows_read, 8 * 3000);
		assert_int_equal(r.res.duplicates, dups);
		assert_int_equal(r.res.files, 8);
		assert_groups(&r, 1, want.buf);
		run_release(&r);
		report_opts_release(&o);
	}
	/* one part, read with and without read-ahead: the same groups */
	{
		char *one, *two;
		uint64_t bytes;

		opts(&o, "project");
		run_paths(&o, paths, 1, &r);
		one = groups_text(&r.res, 1);
		bytes = r.res.bytes;
		assert_int_equal(r.res.rows_read, 3000);
		run_release(&r);
		o.threads = 4;
		run_paths(&o, paths, 1, &r);
		two = groups_text(&r.res, 1);
		assert_int_equal(r.res.bytes, bytes);
		assert_int_equal(r.res.rows_read, 3000);
		run_release(&r);
		assert_string_equal(one, two);
		free(one);
		free(two);
		report_opts_release(&o);
	}
	sbuf_release(&want);
	for (p = 0; p < 8; p++)
		free(paths[p]);
}

/*
 * A known column named twice is bad input naming the file, the line and
 * both columns: in the first header, in a header again (concatenated
 * parts), whether or not the report reads that column; an unknown
 * column named twice is fine.
 */
static void
test_duplicate_columns(void **state)
{
	char *p = export_file("dup.csv", "PROJECT_NAME,JOB_ID,TOTAL_CREDITS,"
	    " total_credits\nweb,1,1,100\n", 0);
	char *q = export_file("dup2.csv.gz", "PROJECT_NAME,JOB_ID,"
	    "TOTAL_CREDITS\nweb,1,1\nPROJECT_NAME,JOB_ID,TOTAL_CREDITS,"
	    "JOB_NAME,Job_Name\nweb,2,1,a,b\n", 1);
	char *u = export_file("dup3.csv", "PROJECT_NAME,JOB_ID,TOTAL_CREDITS,"
	    "NOTE,NOTE\nweb,1,1,a,b\n", 0);
	char *msg;
	struct report_opts o;
	struct run r;

	(void)state;
	opts(&o, "project");
	msg = xasprintf("'%s': line 1: the header names column TOTAL_CREDITS "
	    "twice (columns 3 and 4, names matched in any case): an export "
	    "column may appear only once", p);
	expect_fatal(&o, p, msg);
	free(msg);
	/* JOB_NAME is not read by --by project: still ambiguous input */
	msg = xasprintf("'%s': line 3: the header names column JOB_NAME "
	    "twice (columns 4 and 5, names matched in any case): an export "
	    "column may appear only once", q);
	expect_fatal(&o, q, msg);
	free(msg);
	run_paths(&o, &u, 1, &r);
	assert_int_equal(r.ret, 0);
	run_release(&r);
	report_opts_release(&o);
	free(p);
	free(q);
	free(u);
}

/* ---- sums at their limits (issue 15, class 4) ---- */

#define MAXV "999999999999999.999999999999999999"

/* n rows of TOTAL_CREDITS v (ids from `first`), as a part's text. */
static char *
rows_text(size_t n, size_t first, const char *v)
{
	struct sbuf sb;
	size_t i;

	sbuf_init(&sb, SIZE_MAX);
	sbuf_addstr(&sb, HDR);
	for (i = first; i < first + n; i++)
		sbuf_addf(&sb, "web,build,test,U%zu,2026-10-01,main,success,"
		    "medium,60,1,,%s\n", i, v);
	return sb.buf;
}

/*
 * A value past 15 digits is exit 3 naming file:line: column (not a
 * skipped row nor an optional value counted as 0); the 3 and 4
 * rows never give a total.
 */
static void
test_values_too_large(void **state)
{
	static const char *const cases[][2] = {
		{ HDR "web,build,test,U1,2026-10-01,main,success,medium,60,1,,"
		    "99999999999999999999.999999999999999999\n"
		    "web,build,test,U2,2026-10-01,main,success,medium,60,1,,"
		    "99999999999999999999.999999999999999999\n"
		    "web,build,test,U3,2026-10-01,main,success,medium,60,1,,"
		    "99999999999999999999.999999999999999999\n",
		    "big.csv:2: TOTAL_CREDITS: too large" },
		{ HDR "web,build,test,U1,2026-10-01,main,success,medium,60,1,,1\n"
		    "web,build,test,U2,2026-10-01,main,success,medium,60,1e15,,1\n",
		    "big.csv:3: COMPUTE_CREDITS: too large" },
		{ HDR "web,build,test,U1,2026-10-01,main,success,medium,"
		    "1000000000000000,1,,1\n",
		    "big.csv:2: JOB_RUN_SECONDS: too large" },
		{ HDR "web,build,test,U1,2026-10-01,main,success,medium,60,1,,"
		    "-1000000000000000\n",
		    "big.csv:2: TOTAL_CREDITS: too large" },
	};
	struct report_opts o;
	struct run r;
	size_t i;
	int strict;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (strict = 0; strict < 2; strict++) {
			char *p = export_file("big.csv", cases[i][0], 0);

			opts(&o, "project");
			o.strict = strict;
			run_paths(&o, &p, 1, &r);
			assert_int_equal(r.ret, EXIT_BAD_INPUT);
			assert_contains(r.err, cases[i][1]);
			run_release(&r);
			report_opts_release(&o);
			free(p);
		}
	}
	/* at the limit: exact */
	{
		char *text = rows_text(1, 0, MAXV);
		char *p = export_file("max.csv", text, 0);

		opts(&o, "project");
		run_paths(&o, &p, 1, &r);
		assert_int_equal(r.ret, 0);
		assert_dec_equal(r.res.totals.credits[CR_TOTAL], unit_dec(MAXV));
		run_release(&r);
		report_opts_release(&o);
		free(p);
		free(text);
	}
}

/*
 * Rows whose values add up past 10^20: the row is named, the same with 1
 * or 4 threads and with duplicates kept or not; files that fit alone but
 * not together: the file is named.  100000 rows of the largest value fit.
 */
static void
test_sums_past_limit(void **state)
{
	char *t1 = rows_text(100001, 0, MAXV), *t2 = rows_text(60000, 0, MAXV);
	char *t3 = rows_text(60000, 60000, MAXV);
	char *paths[2];
	struct report_opts o;
	struct run r;
	int threads[] = { 1, 4 }, k;

	(void)state;
	paths[0] = export_file("many.csv", t1, 1);
	for (k = 0; k < 4; k++) {
		opts(&o, "project");
		o.threads = threads[k % 2];
		o.keep_duplicates = k / 2;
		run_paths(&o, paths, 1, &r);
		assert_int_equal(r.ret, EXIT_BAD_INPUT);
		assert_contains(r.err, "many.csv:100002: TOTAL_CREDITS: the "
		    "values add up, without their signs, past "
		    "100000000000000000000");
		run_release(&r);
		report_opts_release(&o);
	}
	free(paths[0]);
	paths[0] = export_file("a.csv", t2, 0);
	paths[1] = export_file("b.csv", t3, 1);
	for (k = 0; k < 2; k++) {
		opts(&o, "project");
		o.threads = threads[k];
		run_paths(&o, paths, 2, &r);
		assert_int_equal(r.ret, EXIT_BAD_INPUT);
		assert_contains(r.err, "b.csv: TOTAL_CREDITS: with the files "
		    "before it");
		run_release(&r);
		report_opts_release(&o);
	}
	/* alone, one fits: 60000 * MAXV exactly */
	opts(&o, "project");
	run_paths(&o, paths, 1, &r);
	assert_int_equal(r.ret, 0);
	assert_dec_equal(r.res.totals.credits[CR_TOTAL],
	    unit_dec(MAXV) * 60000);
	run_release(&r);
	report_opts_release(&o);
	free(paths[0]);
	free(paths[1]);
	free(t1);
	free(t2);
	free(t3);
}

/* Counts per day: grown either way, summed, too wide to keep. */
static void
test_day_counts(void **state)
{
	struct day_counts d;

	(void)state;
	memset(&d, 0, sizeof(d));
	day_counts_add(&d, 1, 100, 2);
	day_counts_add(&d, 1, 97, 1);		/* grows at the front */
	day_counts_add(&d, 1, 103, 5);		/* and at the back */
	day_counts_add(&d, 1, 100, 1);
	day_counts_add(&d, 0, 0, 4);		/* undated */
	assert_int_equal(d.first, 97);
	assert_int_equal(d.n, 7);
	assert_true(d.v[3] == 3);
	assert_true(d.undated == 4);
	assert_true(day_counts_outside(&d, 98, 102) == 6);
	assert_true(day_counts_outside(&d, 97, 103) == 0);
	assert_true(day_counts_outside(&d, 101, 200) == 4);
	day_counts_add(&d, 1, 97 + DAY_COUNTS_MAX, 1);	/* too wide */
	assert_true(d.lost);
	assert_null(d.v);
	day_counts_add(&d, 1, 100, 1);		/* no longer kept */
	assert_int_equal(d.n, 0);
	assert_true(d.undated == 4);
	free(d.v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_by),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_sets_bad_dates),
		cmocka_unit_test(test_org_names),
		cmocka_unit_test(test_org_labels),
		cmocka_unit_test(test_groups_and_totals),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_bad_values_messages),
		cmocka_unit_test(test_missing_columns),
		cmocka_unit_test(test_duplicate_columns),
		cmocka_unit_test(test_corrupt_and_missing_files),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_strict_stops_read_ahead),
		cmocka_unit_test(test_stdin_input),
		cmocka_unit_test(test_stdin_twice),
		cmocka_unit_test(test_memory_input),
		cmocka_unit_test(test_header_only_and_odd_headers),
		cmocka_unit_test(test_concatenated_parts),
		cmocka_unit_test(test_wide_header_row_again),
		cmocka_unit_test(test_last_row_at_buffer_end),
		cmocka_unit_test(test_threads_agree),
		cmocka_unit_test(test_values_too_large),
		cmocka_unit_test(test_sums_past_limit),
		cmocka_unit_test(test_day_counts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
