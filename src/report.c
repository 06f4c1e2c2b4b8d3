/*
 * report.c: the engine behind `report` (and every command that sums
 * exports): parallel workers, the per-row hot path, problem reporting.
 *
 * Each worker takes the next part from a shared counter, streams it
 * through gz -> csv -> process_row(), and sums into its own group table;
 * the only shared state on the hot path is the duplicate filter (sharded
 * locks).  Per-file counters and problems are kept per file and reported
 * in file order at the end, so output does not depend on thread timing.
 */
#include "report.h"

#include <fnmatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "date.h"
#include "dedup.h"
#include "gz.h"
#include "hash.h"
#include "range.h"
#include "readahead.h"
#include "retry.h"
#include "strtab.h"
#include "timekey.h"

#define MAX_PROBLEMS_PER_FILE 5
#define MAX_PROBLEMS_SHOWN 5
#define MAX_HEADER_FIELDS 4096
#define MAX_RECORD (16 * 1024 * 1024)

struct key_def {
	const char *name;
	struct key_col cols[3];
	size_t ncols;
};

static const struct key_def key_defs[] = {
	{ "project", { { "project", COL_PROJECT_NAME, KEY_STRING } }, 1 },
	{ "workflow", { { "project", COL_PROJECT_NAME, KEY_STRING },
	    { "workflow", COL_WORKFLOW_NAME, KEY_STRING } }, 2 },
	{ "job", { { "project", COL_PROJECT_NAME, KEY_STRING },
	    { "workflow", COL_WORKFLOW_NAME, KEY_STRING },
	    { "job", COL_JOB_NAME, KEY_STRING } }, 3 },
	/* the job's name alone, across projects and workflows */
	{ "job_name", { { "job_name", COL_JOB_NAME, KEY_STRING } }, 1 },
	{ "branch", { { "branch", COL_VCS_BRANCH, KEY_STRING } }, 1 },
	{ "resource_class", { { "resource_class", COL_RESOURCE_CLASS,
	    KEY_STRING } }, 1 },
	{ "executor", { { "executor", COL_EXECUTOR, KEY_STRING } }, 1 },
	{ "os", { { "os", COL_OPERATING_SYSTEM, KEY_STRING } }, 1 },
	{ "status", { { "status", COL_JOB_BUILD_STATUS, KEY_STRING } }, 1 },
	{ "org", { { "org", COL_ORGANIZATION_NAME, KEY_STRING } }, 1 },
	{ "trigger", { { "trigger", COL_PIPELINE_TRIGGER_SOURCE,
	    KEY_STRING } }, 1 },
	{ "user", { { "user", COL_PIPELINE_TRIGGER_USER_ID, KEY_STRING } }, 1 },
	{ "day", { { "day", COL_JOB_RUN_DATE, KEY_DAY } }, 1 },
	{ "week", { { "week", COL_JOB_RUN_DATE, KEY_WEEK } }, 1 },
	{ "month", { { "month", COL_JOB_RUN_DATE, KEY_MONTH } }, 1 },
	{ "team", { { "team", COL_PROJECT_NAME, KEY_TEAM } }, 1 },
};

const char *const report_key_names = "project, workflow, job, job_name, "
    "branch, "
    "resource_class, executor, os, status, org, trigger, user, day, week, "
    "month, team (with --teams)";

void
report_opts_init(struct report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->since = INT32_MIN;
	o->until = INT32_MAX;
}

void
report_opts_release(struct report_opts *o)
{
	strv_free(o->statuses, o->nstatuses);
	free(o->projects);
	free(o->branches);
	memset(o, 0, sizeof(*o));
}

void
report_opts_push(const char ***list, size_t *n, const char *s)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = s;
}

void
report_opts_copy_filters(struct report_opts *dst,
    const struct report_opts *src)
{
	size_t i;

	for (i = 0; i < src->nprojects; i++)
		report_opts_push(&dst->projects, &dst->nprojects,
		    src->projects[i]);
	for (i = 0; i < src->nbranches; i++)
		report_opts_push(&dst->branches, &dst->nbranches,
		    src->branches[i]);
	dst->statuses = xreallocarray(dst->statuses, dst->nstatuses +
	    src->nstatuses + 1, sizeof(*dst->statuses));
	for (i = 0; i < src->nstatuses; i++)
		dst->statuses[dst->nstatuses++] = xstrdup(src->statuses[i]);
	dst->strict = src->strict;
	dst->keep_duplicates = src->keep_duplicates;
	dst->threads = src->threads;
}

void
report_result_release(struct report_result *r)
{
	size_t i;

	agg_release(&r->groups);
	for (i = 0; i < REPORT_MAX_SETS - 1; i++)
		agg_release(&r->more[i]);
	agg_release(&r->retry);
	r->have_retry = 0;
	free(r->dup_days.v);
	memset(&r->dup_days, 0, sizeof(r->dup_days));
	utilhist_release(&r->util);
	for (i = 0; i < r->norgs; i++)
		free(r->orgs[i]);
	r->norgs = 0;
}

char *
report_org_label(const struct report_result *r, const char *org_id)
{
	size_t more = r->norgs > 2 ? r->norgs - 2 : 0;

	if (r->norgs == 1 && !r->orgs_more)
		return xstrdup(r->orgs[0]);
	if (r->norgs == 2 && !r->orgs_more)
		return xasprintf("%s and %s", r->orgs[0], r->orgs[1]);
	if (r->norgs >= 2 && r->orgs_more)
		return xasprintf("%s, %s and more organizations", r->orgs[0],
		    r->orgs[1]);
	if (r->norgs > 2)
		return xasprintf("%s, %s and %zu more organization%s",
		    r->orgs[0], r->orgs[1], more, more == 1 ? "" : "s");
	if (org_id != NULL && org_id[0] != '\0')
		return xasprintf("org %s", org_id);
	return NULL;
}

const struct agg *
report_set_groups(const struct report_result *r, size_t s)
{
	return s == 0 ? &r->groups : &r->more[s - 1];
}

size_t
report_nsets(const struct report_opts *o)
{
	return o->nsets ? o->nsets : 1;
}

void
report_set_opts(const struct report_opts *o, size_t s,
    struct report_opts *out)
{
	size_t i;

	report_opts_init(out);
	if (o->nsets == 0) {
		memcpy(out->keys, o->keys, sizeof(out->keys));
		out->nkeys = o->nkeys;
		return;
	}
	for (i = 0; i < o->sets[s].nkeys; i++)
		out->keys[i] = o->keys[o->sets[s].keys[i]];
	out->nkeys = o->sets[s].nkeys;
}

static int
report_add_key(struct report_opts *o, const struct key_col *k)
{
	size_t i;

	for (i = 0; i < o->nkeys; i++)
		if (strcmp(o->keys[i].name, k->name) == 0)
			return 0;
	if (o->nkeys == REPORT_MAX_KEYS)
		return error("--by: too many keys (at most %d)",
		    REPORT_MAX_KEYS);
	o->keys[o->nkeys++] = *k;
	return 0;
}

int
report_parse_by(struct report_opts *o, const char *list)
{
	const char *p = list;

	o->nkeys = 0;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		size_t i, j;

		for (i = 0; i < sizeof(key_defs) / sizeof(key_defs[0]); i++)
			if (str_ieq(p, len, key_defs[i].name))
				break;
		if (i == sizeof(key_defs) / sizeof(key_defs[0]))
			return error("--by: unknown key '%.*s' (expected a "
			    "comma-separated list of: %s)", (int)len, p,
			    report_key_names);
		for (j = 0; j < key_defs[i].ncols; j++)
			if (report_add_key(o, &key_defs[i].cols[j]) < 0)
				return -1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

int
report_parse_sets(struct report_opts *o, const char *const *lists, size_t n)
{
	size_t s, i, k;

	if (n > REPORT_MAX_SETS)
		return error("too many grouping sets (at most %d)",
		    REPORT_MAX_SETS);
	o->nkeys = 0;
	o->nsets = 0;
	for (s = 0; s < n; s++) {
		struct report_opts one;

		report_opts_init(&one);
		if (report_parse_by(&one, lists[s]) < 0)
			return -1;
		for (i = 0; i < one.nkeys; i++) {
			for (k = 0; k < o->nkeys; k++)
				if (strcmp(o->keys[k].name,
				    one.keys[i].name) == 0)
					break;
			if (k == o->nkeys && report_add_key(o,
			    &one.keys[i]) < 0)
				return -1;
			o->sets[s].keys[i] = k;
		}
		o->sets[s].nkeys = one.nkeys;
		report_opts_release(&one);
	}
	o->nsets = n;
	return 0;
}

int
report_has_team(const struct report_opts *o)
{
	size_t i;

	for (i = 0; i < o->nkeys; i++)
		if (o->keys[i].kind == KEY_TEAM)
			return 1;
	return 0;
}

/* ---- counts per day ---- */

void
day_counts_add(struct day_counts *d, int have_day, int32_t day, uint64_t k)
{
	int64_t lo, hi;
	uint64_t *v;

	if (!have_day) {
		d->undated += k;
		return;
	}
	if (d->lost || k == 0)
		return;
	lo = d->n && d->first < day ? d->first : day;
	hi = d->n && d->first + (int64_t)d->n - 1 > day ?
	    d->first + (int64_t)d->n - 1 : day;
	if (hi - lo + 1 > DAY_COUNTS_MAX) {
		free(d->v);
		d->v = NULL;
		d->n = 0;
		d->lost = 1;
		return;
	}
	if (d->n == 0 || lo < d->first || hi >= d->first + (int64_t)d->n) {
		v = xcalloc((size_t)(hi - lo + 1), sizeof(*v));
		if (d->n)
			memcpy(v + (d->first - lo), d->v, d->n * sizeof(*v));
		free(d->v);
		d->v = v;
		d->first = (int32_t)lo;
		d->n = (size_t)(hi - lo + 1);
	}
	d->v[day - d->first] += k;
}

/* Add src's counts into dst. */
static void
day_counts_merge(struct day_counts *dst, const struct day_counts *src)
{
	size_t i;
	uint64_t undated = dst->undated + src->undated;

	if (src->lost) {
		free(dst->v);
		memset(dst, 0, sizeof(*dst));
		dst->lost = 1;
	}
	dst->undated = undated;
	for (i = 0; i < src->n && !dst->lost; i++)
		day_counts_add(dst, 1, src->first + (int32_t)i, src->v[i]);
}

uint64_t
day_counts_outside(const struct day_counts *d, int32_t first, int32_t last)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->first + (int64_t)i < first ||
		    d->first + (int64_t)i > last)
			n += d->v[i];
	return n;
}

/* ---- per-file state and problems ---- */

struct file_state {
	const char *path;
	const char *mem;	/* its bytes in memory (inputs_add_memory) */
	size_t mem_len;
	const char *name;	/* for messages: (stdin) for "-" */
	const struct inputs_range *range;	/* its export's, or NULL */
	uint64_t rows_read, skipped, filtered, dups, bytes;
	uint64_t outside;	/* filtered as outside range */
	int32_t out_first, out_last;	/* their days */
	uint64_t set_skipped[REPORT_MAX_SETS];
	struct day_counts dup_days;	/* of dups */
	int32_t first, last;
	int have_dates;
	char *orgs[REPORT_MAX_ORGS];	/* as report_result's, unsorted */
	size_t org_len[REPORT_MAX_ORGS];
	uint64_t org_jobs[REPORT_MAX_ORGS];
	size_t norgs, org_last;	/* org_last: the last row's */
	int orgs_more;
	char *problems[MAX_PROBLEMS_PER_FILE];
	size_t nproblems;
	uint64_t problems_total;
	uint64_t util_bad;	/* want_util: bad utilization values */
	/*
	 * The sums of the absolute values of every row counted (before the
	 * duplicate filter, so the same whatever the threads): every sum
	 * the report makes of these rows is at most this, so once the
	 * files' bounds add up within DEC_SUM_MAX nothing later can pass
	 * it (report_run's checks, README "Exact numbers").
	 */
	struct metrics bound;
	char *fatal;
};

struct shared {
	const struct report_opts *o;
	struct file_state *files;
	size_t nfiles;
	atomic_size_t next;
	atomic_int abort;
	struct dedup *dedup;
	int readahead;		/* inflate each part on its own thread */
	int row_ret;		/* row_fn's first failure (its exit code) */
};

/*
 * A parsed row waiting for its duplicate check: the reader prefetches the
 * row's slot in the duplicate filter, parses the next row, and only then
 * commits this one, so the cache miss overlaps useful work.
 */
struct pending {
	int active;
	int have_day;
	uint32_t day_sets;		/* the plan's */
	int org;			/* index in the file's orgs, or -1 */
	int32_t days;
	struct dedup_fp fp;
	struct metrics m;
	uint32_t ids[REPORT_MAX_KEYS];	/* the group, as key value ids */
	unsigned util_have;		/* want_util: bit c, util[c] is set */
	int64_t util[4];
	int retry;			/* want_retry: 1 waste, 2 success */
	uint64_t retry_key;
	int64_t retry_order;
	/* row_fn: the texts of row_cols, copied (the record is reused
	 * before the row is committed), at row_off[i] in row_text */
	struct sbuf row_text;
	size_t row_off[REPORT_MAX_ROW_COLS + 1];
	uint64_t line;
};

/*
 * A worker's groups are keyed by a tuple of small numbers, one per key
 * column: for a string column the value's id in that column's string
 * table (names[k]), for a time key the day its period starts on.  Hashing
 * and comparing 4 bytes a column instead of the names themselves keeps a
 * many-column key cheap.  Each grouping set has its own table, keyed by
 * its columns' ids; a row is interned once and added to every set.  The
 * tuples become the report's byte-string keys once, at the merge.
 */
struct worker {
	pthread_t tid;
	struct shared *sh;
	struct agg sets[REPORT_MAX_SETS];	/* keyed by a set's ids */
	struct utilhist util;		/* want_util: groups of sets[0] */
	struct retry retry;		/* want_retry: groups of sets[0] */
	struct strtab names[REPORT_MAX_KEYS];
	struct pending pend[2];
	int cur;			/* pend[cur] is being filled */
	struct sbuf scratch, glob;
	struct timekey_cache month;	/* the last KEY_MONTH lookup */
	/*
	 * The team key's cache: team_of[project id] is the team id + 1 of
	 * the project that names[team key] gave that id, 0 while unknown.
	 * Projects repeat on most rows, so fnmatch runs once per distinct
	 * project and worker, not once per row.
	 */
	uint32_t *team_of;
	size_t team_cap;
	/*
	 * The bound of the rows this worker grouped, from every file it
	 * read (file_state.bound is per file): the worker's own tables stay
	 * within it.  Past DEC_SUM_MAX (over), the worker groups no more
	 * rows but reads on, so that every file's bound is whole and
	 * report_run's check in file order, which then fails, names the
	 * same file whatever the threads.
	 */
	struct metrics bound;
	int over;
};

/* A value shown in a message: at most 40 bytes, control bytes escaped. */
static void
show_value(char *out, size_t outlen, const char *v, size_t len)
{
	size_t n = str_escape(out, outlen - 3, v, len < 40 ? len : 40);

	if (len > 40)
		memcpy(out + n, "...", 4);
}

/*
 * Note a problem with a row.  Returns 1 when the run must stop (strict),
 * 0 otherwise.
 */
static int
file_problem(struct worker *w, struct file_state *fs, uint64_t line,
    const char *column, const char *reason, const char *v, size_t vlen)
{
	char shown[256];
	char *msg;

	fs->problems_total++;
	/* past the ones kept, only counted: a file of bad rows costs no
	 * message a row */
	if (!w->sh->o->strict && fs->nproblems >= MAX_PROBLEMS_PER_FILE)
		return 0;
	if (v != NULL) {
		show_value(shown, sizeof(shown), v, vlen);
		msg = xasprintf("%s:%llu: %s%s%s '%s'", fs->name,
		    (unsigned long long)line, column ? column : "",
		    column ? ": " : "", reason, shown);
	} else {
		msg = xasprintf("%s:%llu: %s%s%s", fs->name,
		    (unsigned long long)line, column ? column : "",
		    column ? ": " : "", reason);
	}
	if (w->sh->o->strict) {
		fs->fatal = msg;
		return 1;
	}
	fs->problems[fs->nproblems++] = msg;
	return 0;
}

/*
 * A problem that ends the report whatever --strict says (exit 3): a value
 * too large, or sums past DEC_SUM_MAX.  Returns 1 (stop reading).
 */
static int
file_fatal(struct file_state *fs, uint64_t line, const char *column,
    const char *reason, const char *v, size_t vlen)
{
	char shown[256];

	free(fs->fatal);
	if (v != NULL) {
		show_value(shown, sizeof(shown), v, vlen);
		fs->fatal = xasprintf("%s:%llu: %s: %s '%s'", fs->name,
		    (unsigned long long)line, column, reason, shown);
	} else {
		fs->fatal = xasprintf("%s:%llu: %s: %s", fs->name,
		    (unsigned long long)line, column, reason);
	}
	return 1;
}

#define TOO_LARGE "too large (at most 15 digits before the point):"
#define SUM_PAST "the values add up, without their signs, past " \
	"100000000000000000000, the largest sum kept exactly"

static ssize_t
gz_read_cb(void *ctx, void *buf, size_t len)
{
	return gz_read(ctx, buf, len);
}

/* A part in memory, as a gzip source. */
struct mem_source {
	const char *p;
	size_t len, pos;
};

static ssize_t
mem_source_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
	struct mem_source *m = ctx;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	(void)err;
	(void)errlen;
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static ssize_t
readahead_read_cb(void *ctx, void *buf, size_t len)
{
	return readahead_read(ctx, buf, len);
}

/* What one file needs, resolved from its header. */
struct file_plan {
	struct usage_header h;
	int key_idx[REPORT_MAX_KEYS];
	int need_date;		/* a time key or a date filter */
	uint32_t day_sets;	/* sets with a time key, when only some have
				 * one: rows without a day skip just those */
	int idx_date, idx_id, idx_total, idx_secs, idx_project, idx_branch,
	    idx_status, idx_org;
	int idx_started;	/* JOB_RUN_STARTED_AT, for the export's range */
	/* want_retry: PIPELINE_ID (-1: no retries in this file), ... */
	int idx_pipeline, idx_wfname, idx_job, idx_queued, idx_runnum;
	int idx_credit[CR_COUNT];
	int idx_util[4];	/* want_util: the utilization columns, or -1 */
};

static int
plan_require(struct file_state *fs, const struct file_plan *p, int col,
    const char *why)
{
	if (p->h.idx[col] >= 0)
		return 0;
	fs->fatal = xasprintf("'%s' has no column %s (needed %s)", fs->name,
	    usage_col_name(col), why);
	return -1;
}

static int
plan_make(struct file_plan *p, const struct report_opts *o,
    struct file_state *fs)
{
	size_t i;
	int c;

	for (i = 0; i < o->nkeys; i++) {
		char why[64];

		snprintf(why, sizeof(why), "by --by %s", o->keys[i].name);
		if (plan_require(fs, p, o->keys[i].col, why) < 0)
			return -1;
		p->key_idx[i] = p->h.idx[o->keys[i].col];
		if (key_is_time(o->keys[i].kind))
			p->need_date = 1;
	}
	if (o->nsets > 0 && p->need_date) {
		size_t s;
		uint32_t all = 0;

		for (s = 0; s < o->nsets; s++) {
			all |= 1u << s;
			for (i = 0; i < o->sets[s].nkeys; i++)
				if (key_is_time(o->keys[o->sets[s].keys[i]].
				    kind))
					p->day_sets |= 1u << s;
		}
		if (p->day_sets != all)
			p->need_date = 0;	/* decided per set */
		else
			p->day_sets = 0;
	}
	if (o->since != INT32_MIN || o->until != INT32_MAX) {
		p->day_sets = 0;
		p->need_date = 1;
		if (plan_require(fs, p, COL_JOB_RUN_DATE,
		    "by --since/--until") < 0)
			return -1;
	}
	if (o->nprojects && plan_require(fs, p, COL_PROJECT_NAME,
	    "by --project") < 0)
		return -1;
	if (o->nbranches && plan_require(fs, p, COL_VCS_BRANCH,
	    "by --branch") < 0)
		return -1;
	if (o->nstatuses && plan_require(fs, p, COL_JOB_BUILD_STATUS,
	    "by --status") < 0)
		return -1;
	if (!o->keep_duplicates && plan_require(fs, p, COL_JOB_ID,
	    "to drop duplicate job runs; --keep-duplicates counts every row") <
	    0)
		return -1;
	if (plan_require(fs, p, COL_TOTAL_CREDITS, "for the credit totals") < 0)
		return -1;
	p->idx_date = p->h.idx[COL_JOB_RUN_DATE];
	p->idx_started = p->h.idx[COL_JOB_RUN_STARTED_AT];
	p->idx_id = o->keep_duplicates ? -1 : p->h.idx[COL_JOB_ID];
	p->idx_total = p->h.idx[COL_TOTAL_CREDITS];
	p->idx_secs = p->h.idx[COL_JOB_RUN_SECONDS];
	p->idx_project = p->h.idx[COL_PROJECT_NAME];
	p->idx_branch = p->h.idx[COL_VCS_BRANCH];
	p->idx_status = p->h.idx[COL_JOB_BUILD_STATUS];
	p->idx_org = o->want_orgs ? p->h.idx[COL_ORGANIZATION_NAME] : -1;
	for (c = 0; c < CR_COUNT; c++)
		p->idx_credit[c] = p->h.idx[COL_COMPUTE_CREDITS + c];
	for (c = 0; c < 4; c++)
		p->idx_util[c] = o->want_util ?
		    p->h.idx[COL_MEDIAN_CPU_UTILIZATION_PCT + c] : -1;
	/*
	 * Retries need the pipeline, the workflow's and the job's names and
	 * the status; a file without one of them has none (not an error:
	 * the columns of a part may vary).
	 */
	p->idx_pipeline = -1;
	if (o->want_retry && p->h.idx[COL_PIPELINE_ID] >= 0 &&
	    p->h.idx[COL_WORKFLOW_NAME] >= 0 && p->h.idx[COL_JOB_NAME] >= 0 &&
	    p->idx_status >= 0)
		p->idx_pipeline = p->h.idx[COL_PIPELINE_ID];
	p->idx_wfname = p->h.idx[COL_WORKFLOW_NAME];
	p->idx_job = p->h.idx[COL_JOB_NAME];
	p->idx_queued = p->h.idx[COL_JOB_RUN_QUEUED_AT];
	p->idx_runnum = p->h.idx[COL_JOB_RUN_NUMBER];
	return 0;
}

static int
glob_any(struct worker *w, const char *const *globs, size_t n,
    const struct csv_field *f)
{
	size_t len, i;
	const char *v = csv_field_text(f, &w->scratch, &len);

	sbuf_reset(&w->glob);
	if (sbuf_add(&w->glob, v, len) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (fnmatch(globs[i], w->glob.buf, 0) == 0)
			return 1;
	return 0;
}

static int
status_any(char *const *list, size_t n, struct sbuf *scratch,
    const struct csv_field *f)
{
	size_t len, i;
	const char *v = csv_field_text(f, scratch, &len);

	for (i = 0; i < n; i++)
		if (str_ieq(v, len, list[i]))
			return 1;
	return 0;
}

/*
 * A team key's id, from the project's id in the key's string table:
 * the team's index in the teams file, nteams for (unassigned), nteams + 1
 * for an empty PROJECT_NAME (an empty team, as the project is empty).
 */
static uint32_t
team_key_id(struct worker *w, size_t k, uint32_t pid)
{
	const struct teams *t = w->sh->o->teams;
	size_t len, n;
	const char *v;
	uint32_t team;

	if (CU_LIKELY(pid < w->team_cap && w->team_of[pid] != 0))
		return w->team_of[pid] - 1;
	if (pid >= w->team_cap) {
		n = w->team_cap ? w->team_cap : 64;
		while (n <= pid)
			n *= 2;
		w->team_of = xreallocarray(w->team_of, n, sizeof(*w->team_of));
		memset(w->team_of + w->team_cap, 0, (n - w->team_cap) *
		    sizeof(*w->team_of));
		w->team_cap = n;
	}
	v = strtab_str(&w->names[k], pid, &len);
	sbuf_reset(&w->glob);
	if (len == 0)
		team = (uint32_t)t->nteams + 1;
	else if (sbuf_add(&w->glob, v, len) < 0)
		team = (uint32_t)t->nteams;
	else
		team = teams_match(t, w->glob.buf);
	w->team_of[pid] = team + 1;
	return team;
}

/* The text of a team key id. */
static const char *
team_key_text(const struct teams *t, uint32_t id, size_t *len)
{
	const char *s = id > t->nteams ? "" : teams_name(t, id);

	*len = strlen(s);
	return s;
}

static inline uint64_t
ids_hash(const uint32_t *ids, size_t n)
{
	return hash_bytes(ids, n * sizeof(*ids), 0x452821e638d01377ULL);
}

/* Parse an optional numeric column: NULL and bad values are 0. */
static int
opt_number(struct worker *w, struct file_state *fs,
    const struct csv_record *rec, int idx, int col, dec_t *out)
{
	const struct csv_field *f;
	size_t len;
	const char *v;
	int r;

	*out = 0;
	if ((f = csv_field_opt(rec, idx)) == NULL)
		return 0;
	if (CU_LIKELY(!(f->flags & (CSV_F_ESCAPE | CSV_F_DQUOTE)))) {
		if (CU_LIKELY((r = dec_parse(f->p, f->len, out)) == 0))
			return 0;
	} else {
		v = csv_field_value(f, &w->scratch, &len);
		if ((r = dec_parse(v, len, out)) == 0)
			return 0;
	}
	*out = 0;
	v = csv_field_value(f, &w->scratch, &len);
	/* counting a number we cannot hold as 0 would hide it: an error */
	if (r == DEC_ERANGE)
		return file_fatal(fs, rec->line, usage_col_name(col),
		    TOO_LARGE, v, len);
	return file_problem(w, fs, rec->line, usage_col_name(col),
	    "not a number, counted as empty:", v, len);
}

/*
 * The row's ORGANIZATION_NAME as an index in the file's names, added if
 * new; -1 when empty or past REPORT_MAX_ORGS names.  An export is one
 * organization's, or a few (shared organizations), so the name is nearly
 * always the last row's: one short comparison a row.
 */
static int
org_note(struct worker *w, struct file_state *fs, const struct csv_field *f)
{
	size_t len, i;
	const char *v;

	if (csv_field_is_null(f))
		return -1;
	v = csv_field_value(f, &w->scratch, &len);
	len = strnlen(v, len);
	if (len == 0)
		return -1;
	if (CU_LIKELY(fs->norgs > 0 && fs->org_len[fs->org_last] == len &&
	    hash_equal(fs->orgs[fs->org_last], v, len)))
		return (int)fs->org_last;
	for (i = 0; i < fs->norgs; i++) {
		if (fs->org_len[i] == len && memcmp(fs->orgs[i], v, len) == 0) {
			fs->org_last = i;
			return (int)i;
		}
	}
	if (fs->norgs == REPORT_MAX_ORGS) {
		fs->orgs_more = 1;
		return -1;
	}
	fs->orgs[fs->norgs] = xstrndup(v, len);
	fs->org_len[fs->norgs] = len;
	fs->org_jobs[fs->norgs] = 0;
	fs->org_last = fs->norgs++;
	return (int)fs->org_last;
}

/*
 * Add a file's organization names with job runs to the result's (files
 * in input order: first appearances stay in order).
 */
static void
org_merge(struct report_result *res, struct file_state *fs)
{
	size_t i, j;

	res->orgs_more |= fs->orgs_more;
	for (i = 0; i < fs->norgs; i++) {
		for (j = 0; j < res->norgs; j++)
			if (strcmp(res->orgs[j], fs->orgs[i]) == 0)
				break;
		/*
		 * A name seen only on duplicates (0 jobs here) still takes
		 * its place in the order of first appearance: which copy of
		 * a job run counts depends on the threads, the order must
		 * not.  Names with no job in the end go in org_drop_empty().
		 */
		if (j < res->norgs) {
			res->org_jobs[j] += fs->org_jobs[i];
			free(fs->orgs[i]);
		} else if (res->norgs == REPORT_MAX_ORGS) {
			res->orgs_more = 1;
			free(fs->orgs[i]);
		} else {
			res->org_jobs[res->norgs] = fs->org_jobs[i];
			res->orgs[res->norgs++] = fs->orgs[i];
		}
	}
	fs->norgs = 0;
}

/* Leave out the names that no counted job run carries. */
static void
org_drop_empty(struct report_result *res)
{
	size_t i, k = 0;

	for (i = 0; i < res->norgs; i++) {
		if (res->org_jobs[i] == 0) {
			free(res->orgs[i]);
			continue;
		}
		res->orgs[k] = res->orgs[i];
		res->org_jobs[k++] = res->org_jobs[i];
	}
	res->norgs = k;
}

/* A stable insertion sort: there are at most REPORT_MAX_ORGS names. */
void
report_sort_orgs(struct report_result *res)
{
	size_t i, j;

	for (i = 1; i < res->norgs; i++) {
		char *name = res->orgs[i];
		uint64_t jobs = res->org_jobs[i];

		for (j = i; j > 0 && res->org_jobs[j - 1] < jobs; j--) {
			res->orgs[j] = res->orgs[j - 1];
			res->org_jobs[j] = res->org_jobs[j - 1];
		}
		res->orgs[j] = name;
		res->org_jobs[j] = jobs;
	}
}

/* Count a parsed row, unless the duplicate filter has seen it. */
/* A row's utilization values into the histogram of its group g. */
static void
util_commit(struct worker *w, const struct pending *pd,
    const struct agg_group *g)
{
	uint32_t gi = (uint32_t)(g - w->sets[0].groups), c;

	for (c = 0; c < 4; c++)
		if (pd->util_have & (1u << c))
			utilhist_add(&w->util, gi, c, pd->util[c], 1);
}

/* A wasted run, to be resolved at the end, in its group g of sets[0]. */
static void
retry_commit(struct worker *w, const struct pending *pd,
    const struct agg_group *g)
{
	/* a group past the table's max is the spare: not in the table */
	if (w->sets[0].full && g == &w->sets[0].spill)
		return;
	retry_note_waste(&w->retry, pd->retry_key, pd->retry_order,
	    pd->m.credits[CR_TOTAL], (uint32_t)(g - w->sets[0].groups));
}

/* row_fn: hand the committed row on; a failure stops the read. */
static void
row_hand_on(struct worker *w, const struct file_state *fs,
    const struct pending *pd)
{
	const struct report_opts *o = w->sh->o;
	struct report_row row;
	size_t i;
	int ret;

	memset(&row, 0, sizeof(row));
	row.m = &pd->m;
	row.have_day = pd->have_day;
	row.day = pd->days;
	row.file = fs->name;
	row.line = pd->line;
	for (i = 0; i < o->nrow_cols; i++) {
		row.text[i] = pd->row_text.buf + pd->row_off[i];
		row.len[i] = pd->row_off[i + 1] - pd->row_off[i];
	}
	if ((ret = o->row_fn(o->row_ctx, &row)) != 0) {
		w->sh->row_ret = ret;
		atomic_store(&w->sh->abort, 1);
	}
}

/*
 * row_fn: copy the texts of the row's row_cols into pd (a column the
 * part lacks is empty).
 */
static void
row_copy(struct worker *w, const struct file_plan *p,
    const struct csv_record *rec, struct pending *pd)
{
	const struct report_opts *o = w->sh->o;
	const struct csv_field *f;
	const char *v;
	size_t i, len;

	sbuf_reset(&pd->row_text);
	for (i = 0; i < o->nrow_cols; i++) {
		pd->row_off[i] = pd->row_text.len;
		f = csv_field_opt(rec, p->h.idx[o->row_cols[i]]);
		if (f == NULL || csv_field_is_null(f))
			continue;
		v = csv_field_value(f, &w->scratch, &len);
		/* at most the record's size (MAX_RECORD), as the buffer */
		sbuf_add(&pd->row_text, v, len);
	}
	pd->row_off[i] = pd->row_text.len;
	pd->line = rec->line;
}

static void
pending_commit(struct worker *w, struct file_state *fs, struct pending *pd)
{
	const struct report_opts *o = w->sh->o;
	struct agg_group *g;
	size_t s;

	pd->active = 0;
	if (w->sh->dedup != NULL && !dedup_insert(w->sh->dedup, &pd->fp)) {
		fs->dups++;
		day_counts_add(&fs->dup_days, pd->have_day, pd->days, 1);
		return;
	}
	if (pd->org >= 0)
		fs->org_jobs[pd->org]++;
	if (pd->have_day) {
		if (!fs->have_dates || pd->days < fs->first)
			fs->first = pd->days;
		if (!fs->have_dates || pd->days > fs->last)
			fs->last = pd->days;
		fs->have_dates = 1;
	}
	if (pd->retry == 2)
		retry_note_success(&w->retry, pd->retry_key, pd->retry_order);
	if (o->row_fn != NULL && w->sh->row_ret == 0)
		row_hand_on(w, fs, pd);
	if (o->nsets == 0) {
		g = agg_get(&w->sets[0], (const char *)pd->ids, o->nkeys *
		    sizeof(*pd->ids), ids_hash(pd->ids, o->nkeys));
		metrics_add_bounded(&g->m, &pd->m);
		if (pd->util_have)
			util_commit(w, pd, g);
		if (pd->retry == 1)
			retry_commit(w, pd, g);
		return;
	}
	for (s = 0; s < o->nsets; s++) {
		uint32_t ids[REPORT_MAX_KEYS];
		size_t n = o->sets[s].nkeys, k;

		if (!pd->have_day && (pd->day_sets >> s & 1)) {
			fs->set_skipped[s]++;
			continue;
		}

		for (k = 0; k < n; k++)
			ids[k] = pd->ids[o->sets[s].keys[k]];
		g = agg_get(&w->sets[s], (const char *)ids, n * sizeof(*ids),
		    ids_hash(ids, n));
		metrics_add_bounded(&g->m, &pd->m);
		if (s == 0 && pd->util_have)
			util_commit(w, pd, g);
		if (s == 0 && pd->retry == 1)
			retry_commit(w, pd, g);
	}
}

/*
 * want_retry: is the row a wasted run (1), a success (2) or neither (0)
 * for the retry cost, and its retry key and order (retry.h).  A row
 * without a PIPELINE_ID, or with neither a time nor a run number, is
 * neither.  Fields are read one at a time: their texts share w->scratch.
 */
static void
retry_of_row(struct worker *w, const struct file_plan *p,
    const struct csv_record *rec, struct pending *pd)
{
	const struct report_opts *o = w->sh->o;
	const int parts[3] = { p->idx_project, p->idx_wfname, p->idx_job };
	const struct csv_field *f;
	const char *v;
	size_t len, i;
	uint64_t h;
	int64_t order;
	int kind;

	pd->retry = 0;
	if (p->idx_pipeline < 0)
		return;
	v = csv_field_text(&rec->fields[p->idx_status], &w->scratch, &len);
	for (i = 0, kind = 0; i < o->nretry_waste && !kind; i++)
		kind = str_ieq(v, len, o->retry_waste[i]);
	if (kind)
		kind = 1;
	else if (str_ieq(v, len, "success"))
		kind = 2;
	else
		return;
	if ((f = csv_field_opt(rec, p->idx_pipeline)) == NULL)
		return;
	v = csv_field_value(f, &w->scratch, &len);
	if (len == 0)
		return;
	h = retry_key_add(RETRY_KEY_SEED, v, len);
	for (i = 0; i < 3; i++) {
		len = 0;
		v = "";
		if (parts[i] >= 0)
			v = csv_field_text(&rec->fields[parts[i]], &w->scratch,
			    &len);
		h = retry_key_add(h, v, len);
	}
	/* JOB_RUN_STARTED_AT, else JOB_RUN_QUEUED_AT, else the number */
	order = RETRY_NONE;
	for (i = 0; i < 3 && order == RETRY_NONE; i++) {
		f = csv_field_opt(rec, i == 0 ? p->idx_started : i == 1 ?
		    p->idx_queued : p->idx_runnum);
		if (f == NULL)
			continue;
		v = csv_field_value(f, &w->scratch, &len);
		order = i < 2 ? retry_order_time(v, len) :
		    retry_order_number(v, len);
	}
	if (order == RETRY_NONE)
		return;
	pd->retry = kind;
	pd->retry_key = retry_key_end(h);
	pd->retry_order = order;
}

/*
 * One data row.  Returns 0, 1 to stop reading (strict mode found a
 * problem), or 2 when the row is a header again (the caller maps it).
 */
static int
process_row(struct worker *w, struct file_state *fs, const struct file_plan *p,
    const struct csv_record *rec)
{
	const struct report_opts *o = w->sh->o;
	const struct csv_field *f = rec->fields;
	struct pending *pd;
	dec_t total = 0;
	int32_t days = 0;
	int have_day = 0;
	size_t i, len;
	const char *v;
	int c;

	fs->rows_read++;
	if (CU_UNLIKELY(rec->nfields != p->h.ncols)) {
		char why[96];

		if (usage_header_again(rec, MAX_HEADER_FIELDS,
		    &w->scratch)) {
			fs->rows_read--;
			return 2;
		}
		fs->skipped++;
		snprintf(why, sizeof(why), "expected %zu fields, found %zu; "
		    "row skipped", p->h.ncols, rec->nfields);
		return file_problem(w, fs, rec->line, NULL, why, NULL, 0);
	}
	if (CU_UNLIKELY(rec->bad)) {
		fs->skipped++;
		return file_problem(w, fs, rec->line, NULL,
		    "malformed quoted field; row skipped", NULL, 0);
	}
	/* TOTAL_CREDITS: required */
	{
		const struct csv_field *t = &f[p->idx_total];
		int bad = csv_field_is_null(t);

		if (!bad && CU_LIKELY(!(t->flags & (CSV_F_ESCAPE |
		    CSV_F_DQUOTE))))
			bad = dec_parse(t->p, t->len, &total);
		else if (!bad) {
			v = csv_field_value(t, &w->scratch, &len);
			bad = dec_parse(v, len, &total);
		}
		if (CU_UNLIKELY(bad == DEC_ERANGE)) {
			v = csv_field_text(t, &w->scratch, &len);
			return file_fatal(fs, rec->line, "TOTAL_CREDITS",
			    TOO_LARGE, v, len);
		}
		if (CU_UNLIKELY(bad)) {
			if (usage_header_again(rec, MAX_HEADER_FIELDS,
			    &w->scratch)) {
				fs->rows_read--;
				return 2;
			}
			fs->skipped++;
			v = csv_field_text(t, &w->scratch, &len);
			return file_problem(w, fs, rec->line, "TOTAL_CREDITS",
			    csv_field_is_null(t) ? "empty; row skipped" :
			    "not a number; row skipped:",
			    csv_field_is_null(t) ? NULL : v, len);
		}
	}
	/* JOB_RUN_DATE: required when a key or filter needs it */
	if (p->idx_date >= 0) {
		const struct csv_field *d = &f[p->idx_date];

		if (!csv_field_is_null(d)) {
			v = csv_field_value(d, &w->scratch, &len);
			have_day = date_parse(v, len, &days) == 0;
			if (!have_day && !p->need_date &&
			    file_problem(w, fs, rec->line, "JOB_RUN_DATE",
			    "not a date (YYYY-MM-DD), counted as empty:", v,
			    len))
				return 1;
		}
		if (!have_day && p->need_date) {
			fs->skipped++;
			v = csv_field_text(d, &w->scratch, &len);
			return file_problem(w, fs, rec->line, "JOB_RUN_DATE",
			    len ? "not a date (YYYY-MM-DD); row skipped:" :
			    "empty; row skipped", len ? v : NULL, len);
		}
	}
	/* JOB_ID: required to drop duplicates */
	if (p->idx_id >= 0 && CU_UNLIKELY(csv_field_is_null(&f[p->idx_id]))) {
		fs->skipped++;
		return file_problem(w, fs, rec->line, "JOB_ID",
		    "empty; row skipped", NULL, 0);
	}
	/*
	 * The export's range: the API selects job runs by when they
	 * started, so that decides, to the millisecond; without it, the
	 * day.  A run with neither is kept (nothing says it is outside).
	 */
	if (fs->range != NULL && fs->range->set) {
		const struct csv_field *t = csv_field_opt(rec, p->idx_started);
		int64_t ms = 0;
		int have_ms = 0;

		if (t != NULL) {
			v = csv_field_value(t, &w->scratch, &len);
			have_ms = ts_parse_ms(v, len, &ms) == 0;
		}
		if (!inputs_range_has(fs->range, have_ms, ms, have_day,
		    days)) {
			int32_t d = have_ms ? inputs_day_of(ms) : days;

			if (fs->outside == 0 || d < fs->out_first)
				fs->out_first = d;
			if (fs->outside == 0 || d > fs->out_last)
				fs->out_last = d;
			fs->outside++;
			fs->filtered++;
			return 0;
		}
	}
	/* filters */
	if ((have_day && (days < o->since || days > o->until)) ||
	    (o->nprojects && !glob_any(w, o->projects, o->nprojects,
	    &f[p->idx_project])) ||
	    (o->nbranches && !glob_any(w, o->branches, o->nbranches,
	    &f[p->idx_branch])) ||
	    (o->nstatuses && !status_any(o->statuses, o->nstatuses,
	    &w->scratch, &f[p->idx_status]))) {
		fs->filtered++;
		return 0;
	}
	pd = &w->pend[w->cur];
	pd->org = p->idx_org >= 0 ? org_note(w, fs, &f[p->idx_org]) : -1;
	/* the other metrics: bad values count as empty */
	pd->m.credits[CR_TOTAL] = total;
	for (c = 0; c < CR_TOTAL; c++)
		if (opt_number(w, fs, rec, p->idx_credit[c],
		    COL_COMPUTE_CREDITS + c, &pd->m.credits[c]))
			return 1;
	if (opt_number(w, fs, rec, p->idx_secs, COL_JOB_RUN_SECONDS,
	    &pd->m.run_seconds))
		return 1;
	pd->m.jobs = 1;
	if (CU_UNLIKELY((c = metrics_add_abs(&fs->bound, &pd->m)) != 0))
		return file_fatal(fs, rec->line, metrics_column(c - 1),
		    SUM_PAST, NULL, 0);
	if (CU_UNLIKELY(w->over || metrics_add_abs(&w->bound, &pd->m))) {
		w->over = 1;
		return 0;
	}
	pd->have_day = have_day;
	pd->days = have_day ? days : 0;
	pd->day_sets = p->day_sets;
	/* the group */
	for (i = 0; i < o->nkeys; i++) {
		if (o->keys[i].kind == KEY_STRING) {
			v = csv_field_text(&f[p->key_idx[i]], &w->scratch,
			    &len);
			pd->ids[i] = strtab_intern(&w->names[i], v, len);
		} else if (o->keys[i].kind == KEY_TEAM) {
			v = csv_field_text(&f[p->key_idx[i]], &w->scratch,
			    &len);
			pd->ids[i] = team_key_id(w, i,
			    strtab_intern(&w->names[i], v, len));
		} else {
			pd->ids[i] = timekey_id(&w->month,
			    o->keys[i].kind, pd->days);
		}
	}
	if (o->want_retry)
		retry_of_row(w, p, rec, pd);
	else
		pd->retry = 0;
	if (o->row_fn != NULL)
		row_copy(w, p, rec, pd);
	pd->util_have = 0;
	for (c = 0; o->want_util && c < 4; c++) {
		const struct csv_field *u;

		if (p->idx_util[c] < 0)
			continue;
		u = &f[p->idx_util[c]];
		if (csv_field_is_null(u))
			continue;
		v = csv_field_value(u, &w->scratch, &len);
		if (len == 0)
			continue;
		if (utilhist_value(v, len, &pd->util[c]) == 0)
			pd->util_have |= 1u << c;
		else
			fs->util_bad++;
	}
	if (p->idx_id < 0) {
		pending_commit(w, fs, pd);
		return 0;
	}
	v = csv_field_value(&f[p->idx_id], &w->scratch, &len);
	dedup_fingerprint(v, len, &pd->fp);
	dedup_prefetch(w->sh->dedup, &pd->fp);
	w->cur ^= 1;
	if (w->pend[w->cur].active)
		pending_commit(w, fs, &w->pend[w->cur]);
	pd->active = 1;
	return 0;
}

/* Commit the row still waiting, if any (at the end of a file). */
static void
pending_flush(struct worker *w, struct file_state *fs)
{
	int i;

	for (i = 0; i < 2; i++)
		if (w->pend[i].active)
			pending_commit(w, fs, &w->pend[i]);
}

/* A header naming a column twice: the file is bad input. */
static void
header_dup(struct file_state *fs, const struct usage_header *h,
    uint64_t line)
{
	char *why = usage_header_dup_text(h);

	fs->fatal = xasprintf("'%s': line %llu: %s", fs->name,
	    (unsigned long long)line, why);
	free(why);
}

/*
 * The CSV buffer for a file: the usual 512 KiB, or about twice a small
 * file's size, so that a small part costs no more than it holds.
 */
static size_t
csv_buffer_for(uint64_t size)
{
	if (size == 0 || size >= 256 * 1024)
		return SIZE_MAX;	/* csv.c's largest first buffer */
	return (size_t)(2 * size + 16384) & ~(size_t)16383;
}

static void
process_file(struct worker *w, struct file_state *fs)
{
	char err[512];
	struct gz *gz;
	struct csv_reader *csv;
	struct csv_record rec;
	struct file_plan plan;
	struct readahead *ra = NULL;
	struct mem_source ms;
	int ret;

	if (fs->mem != NULL) {
		ms.p = fs->mem;
		ms.len = fs->mem_len;
		ms.pos = 0;
		gz = gz_open_source(fs->name, mem_source_read, &ms);
		gz_size_hint(gz, ms.len);
	} else {
		gz = gz_open(fs->path, err, sizeof(err));
	}
	if (gz == NULL) {
		fs->fatal = xstrdup(err);
		return;
	}
	if (w->sh->readahead) {
		ra = readahead_start(gz);
		csv = csv_reader_new(readahead_read_cb, ra, MAX_HEADER_FIELDS,
		    MAX_RECORD);
	} else {
		csv = csv_reader_new_sized(gz_read_cb, gz, MAX_HEADER_FIELDS,
		    MAX_RECORD, csv_buffer_for(gz_file_size(gz)));
	}
	memset(&plan, 0, sizeof(plan));
	ret = csv_reader_next(csv, &rec);
	if (ret > 0) {
		if (rec.nfields > MAX_HEADER_FIELDS) {
			fs->fatal = xasprintf("'%s': header has more than %d "
			    "columns", fs->name, MAX_HEADER_FIELDS);
			goto out;
		}
		if (usage_header_map(&plan.h, &rec, &w->scratch) < 0) {
			header_dup(fs, &plan.h, rec.line);
			goto out;
		}
		if (plan_make(&plan, w->sh->o, fs) < 0)
			goto out;
		while (!atomic_load_explicit(&w->sh->abort,
		    memory_order_relaxed) &&
		    (ret = csv_reader_next(csv, &rec)) > 0) {
			int r = process_row(w, fs, &plan, &rec);

			if (r == 2) {
				/* a header again: the next part's columns */
				if (rec.nfields > MAX_HEADER_FIELDS) {
					fs->fatal = xasprintf("'%s': line %llu: "
					    "header has more than %d columns",
					    fs->name,
					    (unsigned long long)rec.line,
					    MAX_HEADER_FIELDS);
					break;
				}
				memset(&plan, 0, sizeof(plan));
				if (usage_header_map(&plan.h, &rec,
				    &w->scratch) < 0) {
					header_dup(fs, &plan.h, rec.line);
					break;
				}
				if (plan_make(&plan, w->sh->o, fs) < 0)
					break;
			} else if (r) {
				break;
			}
		}
		pending_flush(w, fs);
	}
	if (ret < 0 && fs->fatal == NULL) {
		const char *msg = gz_error(gz)[0] ? gz_error(gz) :
		    csv_reader_error(csv);

		if (gz_error(gz)[0])
			fs->fatal = xstrdup(msg);
		else
			fs->fatal = xasprintf("'%s': %s", fs->name, msg);
	}
out:
	fs->bytes = csv_reader_bytes(csv);
	csv_reader_free(csv);
	readahead_stop(ra);
	gz_close(gz);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;

	for (;;) {
		size_t i = atomic_fetch_add(&sh->next, 1);

		if (i >= sh->nfiles || atomic_load(&sh->abort))
			break;
		process_file(w, &sh->files[i]);
		if (sh->files[i].fatal)
			atomic_store(&sh->abort, 1);
	}
	return NULL;
}

static void
worker_init(struct worker *w, struct shared *sh)
{
	size_t k;

	memset(w, 0, sizeof(*w));
	w->sh = sh;
	for (k = 0; k < report_nsets(sh->o); k++)
		agg_init(&w->sets[k]);
	for (k = 0; k < sh->o->nkeys; k++)
		if (!key_is_time(sh->o->keys[k].kind))
			strtab_init(&w->names[k]);
	sbuf_init(&w->scratch, MAX_RECORD);
	sbuf_init(&w->glob, MAX_RECORD);
	sbuf_init(&w->pend[0].row_text, MAX_RECORD);
	sbuf_init(&w->pend[1].row_text, MAX_RECORD);
}

/*
 * Tables that could not hold what the input gave them (agg.h, strtab.h):
 * reported, and EXIT_FAILURE_OTHER; else 0.  names may be NULL.
 */
static int
report_full(const struct agg *sets, size_t nsets, const struct strtab *names,
    size_t nkeys)
{
	size_t k;

	for (k = 0; names != NULL && k < nkeys; k++)
		if (strtab_check(&names[k]) < 0)
			return EXIT_FAILURE_OTHER;
	for (k = 0; k < nsets; k++)
		if (agg_check(&sets[k]) < 0)
			return EXIT_FAILURE_OTHER;
	return 0;
}

void
report_merge_ids(struct agg *dst, const struct agg *src,
    const struct report_opts *o, size_t set,
    const char *(*name)(void *ctx, size_t c, uint32_t id, size_t *len),
    void *ctx, uint32_t *map)
{
	struct sbuf key;
	size_t i, k, n, len;

	n = o->nsets ? o->sets[set].nkeys : o->nkeys;
	sbuf_init(&key, SIZE_MAX);
	for (i = 0; i < src->n; i++) {
		const struct agg_group *s = &src->groups[i];
		struct agg_group *d;
		uint32_t id;

		sbuf_reset(&key);
		for (k = 0; k < n; k++) {
			size_t c = o->nsets ? o->sets[set].keys[k] : k;
			char text[DATE_BUFSZ];
			const char *v;

			memcpy(&id, s->key + k * sizeof(id), sizeof(id));
			if (key_is_time(o->keys[c].kind)) {
				len = timekey_text(o->keys[c].kind, id, text);
				v = text;
			} else {
				v = name(ctx, c, id, &len);
			}
			agg_key_add(&key, v, len);
		}
		d = agg_get(dst, key.buf, key.len, agg_hash(key.buf, key.len));
		metrics_add_bounded(&d->m, &s->m);
		if (map != NULL)
			map[i] = (uint32_t)(d - dst->groups);
	}
	sbuf_release(&key);
}

/* A worker's name of id for key column c: its strtab's, or a team's. */
static const char *
worker_key_name(void *ctx, size_t c, uint32_t id, size_t *len)
{
	const struct worker *w = ctx;

	if (w->sh->o->keys[c].kind == KEY_TEAM)
		return team_key_text(w->sh->o->teams, id, len);
	return strtab_str(&w->names[c], id, len);
}

static void
worker_release(struct worker *w)
{
	size_t k;

	for (k = 0; k < REPORT_MAX_SETS; k++)
		agg_release(&w->sets[k]);
	utilhist_release(&w->util);
	retry_release(&w->retry);
	for (k = 0; k < REPORT_MAX_KEYS; k++)
		if (w->names[k].slots != NULL)
			strtab_release(&w->names[k]);
	sbuf_release(&w->scratch);
	sbuf_release(&w->glob);
	sbuf_release(&w->pend[0].row_text);
	sbuf_release(&w->pend[1].row_text);
	free(w->team_of);
}

/*
 * The wasted runs of one worker that a success of ok[0..nok) (each
 * worker's) retried, summed into res->retry under their group's key in
 * res->groups (map: the worker's group index -> res's).  Exact sums: the
 * result does not depend on which worker holds which row.
 */
static void
retry_resolve(struct report_result *res, const struct retry *ok,
    size_t nok, const struct retry *wr, const uint32_t *map)
{
	struct metrics m;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.jobs = 1;
	for (i = 0; i < wr->nwaste; i++) {
		const struct retry_waste *e = &wr->waste[i];
		const struct agg_group *g;
		struct agg_group *d;

		/* a full table (reported by the caller) maps elsewhere */
		if (map[e->group] >= res->groups.n ||
		    !retry_is_retried(ok, nok, e))
			continue;
		g = &res->groups.groups[map[e->group]];
		d = agg_get(&res->retry, g->key, g->keylen, g->hash);
		m.credits[CR_TOTAL] = retry_waste_credits(e);
		/* a part of the group's own sums: bounded as they are */
		metrics_add_bounded(&d->m, &m);
	}
}

/* A range as the warnings show it: days when it is whole days. */
static void
outside_format(int64_t ms, int is_end, char *buf)
{
	int64_t in_day = ((ms % 86400000) + 86400000) % 86400000;

	if ((!is_end && in_day == 0) || (is_end && in_day >= 86399000))
		date_format_day(inputs_day_of(ms), buf);
	else
		range_format(ms, buf);
}

/*
 * Warn of the rows left out as outside their export's range: once per
 * range, and once per process, as `run` reads the same export for each
 * of its artifacts and should say so once.
 */
static void
outside_warn(const struct file_state *files, size_t n)
{
	static struct {
		int64_t start, end;
		uint64_t count;
	} said[16];
	static size_t nsaid;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		const struct inputs_range *r = files[i].range;
		uint64_t count = 0;
		int32_t first = 0, last = 0;
		char a[RANGE_BUFSZ], b[RANGE_BUFSZ], c[DATE_BUFSZ],
		    d[DATE_BUFSZ];

		if (r == NULL || !r->set || files[i].outside == 0)
			continue;
		/* the first file of this range: sum every file of it */
		for (j = 0; j < i; j++)
			if (files[j].range != NULL && files[j].range->set &&
			    files[j].range->start == r->start &&
			    files[j].range->end == r->end &&
			    files[j].outside > 0)
				break;
		if (j < i)
			continue;
		for (j = i; j < n; j++) {
			const struct file_state *fs = &files[j];

			if (fs->range == NULL || !fs->range->set ||
			    fs->range->start != r->start ||
			    fs->range->end != r->end || fs->outside == 0)
				continue;
			if (count == 0 || fs->out_first < first)
				first = fs->out_first;
			if (count == 0 || fs->out_last > last)
				last = fs->out_last;
			count += fs->outside;
		}
		for (k = 0; k < nsaid; k++)
			if (said[k].start == r->start && said[k].end ==
			    r->end && said[k].count == count)
				break;
		if (k < nsaid)
			continue;
		if (nsaid < sizeof(said) / sizeof(said[0])) {
			said[nsaid].start = r->start;
			said[nsaid].end = r->end;
			said[nsaid++].count = count;
		}
		outside_format(r->start, 0, a);
		outside_format(r->end, 1, b);
		date_format_day(first, c);
		date_format_day(last, d);
		warning("%llu job run%s outside %s to %s (from %s to %s) left "
		    "out", (unsigned long long)count, count == 1 ? "" : "s",
		    a, b, c, d);
	}
}

int
report_run(const struct report_opts *o, const struct inputs *in,
    struct report_result *res)
{
	struct shared sh;
	struct worker *workers;
	struct retry *ok;
	size_t nworkers, i, j, shown = 0;
	uint64_t total_problems = 0;
	struct metrics bound;
	int ret = 0, stdin_seen = 0, unbounded = 0;

	memset(res, 0, sizeof(*res));
	memset(&bound, 0, sizeof(bound));
	agg_init(&res->groups);
	for (i = 1; i < report_nsets(o); i++)
		agg_init(&res->more[i - 1]);
	if (o->want_retry)
		agg_init(&res->retry);
	if (o->teams == NULL && report_has_team(o)) {
		error("--by team: no teams file; give --teams FILE or set "
		    "CIRCLECI_USAGE_TEAMS");
		return EXIT_USAGE;
	}
	for (i = 0; i < in->n; i++) {
		if (strcmp(in->paths[i], "-") == 0 && stdin_seen++) {
			error("standard input ('-') given twice");
			return EXIT_USAGE;
		}
	}
	memset(&sh, 0, sizeof(sh));
	sh.o = o;
	sh.nfiles = in->n;
	sh.files = xcalloc(in->n ? in->n : 1, sizeof(*sh.files));
	for (i = 0; i < in->n; i++) {
		sh.files[i].path = in->paths[i];
		if (i == 0 && in->mem != NULL) {
			sh.files[i].mem = in->mem;
			sh.files[i].mem_len = in->mem_len;
		}
		sh.files[i].range = in->ranges != NULL ? &in->ranges[i] :
		    NULL;
		/* as gz.c names it in its errors */
		sh.files[i].name = strcmp(in->paths[i], "-") == 0 ?
		    "(stdin)" : in->paths[i];
	}
	atomic_init(&sh.next, 0);
	atomic_init(&sh.abort, 0);
	sh.dedup = o->keep_duplicates ? NULL :
	    dedup_new(inputs_expected_rows(in));

	nworkers = o->threads > 0 ? (size_t)o->threads : (size_t)cpu_count();
	if (o->row_fn != NULL)
		nworkers = 1;	/* the rows in input order */
	if (nworkers > in->n) {
		/* fewer parts than cores: each part inflates on a thread of
		 * its own while its worker parses */
		sh.readahead = 1;
		nworkers = in->n ? in->n : 1;
	}
	workers = xcalloc(nworkers, sizeof(*workers));
	for (i = 0; i < nworkers; i++)
		worker_init(&workers[i], &sh);
	if (nworkers == 1) {
		worker_main(&workers[0]);
	} else {
		for (i = 0; i < nworkers; i++)
			if (pthread_create(&workers[i].tid, NULL, worker_main,
			    &workers[i]) != 0)
				die(EXIT_FAILURE_OTHER, "cannot start a thread");
		for (i = 0; i < nworkers; i++)
			pthread_join(workers[i].tid, NULL);
	}

	/* Results and problems, in file order. */
	for (i = 0; i < sh.nfiles; i++) {
		struct file_state *fs = &sh.files[i];

		for (j = 0; j < fs->nproblems; j++) {
			if (shown < MAX_PROBLEMS_SHOWN && !ret)
				notice("%s", fs->problems[j]);
			shown++;
			free(fs->problems[j]);
		}
		total_problems += fs->problems_total;
		if (fs->fatal && !ret) {
			error("%s", fs->fatal);
			ret = EXIT_BAD_INPUT;
		}
		free(fs->fatal);
		org_merge(res, fs);
		res->rows_read += fs->rows_read;
		res->rows_skipped += fs->skipped;
		for (j = 0; j < REPORT_MAX_SETS; j++)
			res->set_skipped[j] += fs->set_skipped[j];
		res->rows_filtered += fs->filtered;
		res->rows_outside += fs->outside;
		res->duplicates += fs->dups;
		day_counts_merge(&res->dup_days, &fs->dup_days);
		free(fs->dup_days.v);
		res->util_bad += fs->util_bad;
		res->bytes += fs->bytes;
		if (fs->have_dates) {
			if (!res->have_dates || fs->first < res->first_date)
				res->first_date = fs->first;
			if (!res->have_dates || fs->last > res->last_date)
				res->last_date = fs->last;
			res->have_dates = 1;
		}
	}
	/*
	 * The files' bounds, in input order: within DEC_SUM_MAX, no sum of
	 * any of their rows (a group, a merge of the workers' tables, the
	 * totals, a roll-up) can pass it, so those are not checked again.
	 */
	for (i = 0; i < sh.nfiles && !unbounded; i++) {
		int c = metrics_add(&bound, &sh.files[i].bound);

		if (c) {
			if (!ret)
				error("%s: %s: with the files before it, %s",
				    sh.files[i].name, metrics_column(c - 1),
				    SUM_PAST);
			ret = EXIT_BAD_INPUT;
			unbounded = 1;
		}
	}
	if (!ret && sh.row_ret)
		ret = sh.row_ret;
	res->files = sh.nfiles;
	org_drop_empty(res);
	report_sort_orgs(res);
	if (!ret && total_problems > MAX_PROBLEMS_SHOWN)
		warning("%llu problems in all (the first %d shown)",
		    (unsigned long long)total_problems, MAX_PROBLEMS_SHOWN);
	if (!ret)
		outside_warn(sh.files, sh.nfiles);
	if (!ret && res->rows_skipped)
		warning("skipped %llu unreadable row%s of %llu",
		    (unsigned long long)res->rows_skipped,
		    res->rows_skipped == 1 ? "" : "s",
		    (unsigned long long)res->rows_read);
	for (i = 0; i < nworkers && !ret; i++)
		ret = report_full(workers[i].sets, report_nsets(o),
		    workers[i].names, o->nkeys);
	/* every worker's latest successes, kept apart, then each one's
	 * wasted runs resolved against all of them */
	ok = xcalloc(nworkers, sizeof(*ok));
	for (i = 0; o->want_retry && i < nworkers; i++)
		retry_merge_successes(&ok[i], &workers[i].retry);
	for (i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];
		uint32_t *map = NULL;

		if (o->want_util || o->want_retry)
			map = xcalloc(w->sets[0].n ? w->sets[0].n : 1,
			    sizeof(*map));
		for (j = 0; !unbounded && j < report_nsets(o); j++)
			report_merge_ids(j == 0 ? &res->groups :
			    &res->more[j - 1], &w->sets[j], o, j,
			    worker_key_name, w, j == 0 ? map : NULL);
		/* the histograms follow their groups into res->groups */
		for (j = 0; map != NULL && j < w->util.n; j++) {
			const struct utilhist_bin *b = &w->util.bins[j];

			utilhist_add(&res->util, map[b->group], b->col,
			    b->value, b->count);
		}
		if (!unbounded)
			retry_resolve(res, ok, nworkers, &w->retry, map);
		free(map);
		worker_release(w);
	}
	if (!ret && (ret = report_full(&res->groups, 1, NULL, 0)) == 0)
		ret = report_full(res->more, report_nsets(o) - 1, NULL, 0);
	for (i = 0; !unbounded && i < res->groups.n; i++)
		metrics_add_bounded(&res->totals, &res->groups.groups[i].m);
	res->have_retry = o->want_retry;
	for (i = 0; i < nworkers; i++)
		retry_release(&ok[i]);
	free(ok);
	free(workers);
	free(sh.files);
	dedup_free(sh.dedup);
	return ret;
}
