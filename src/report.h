/*
 * report.h: the streaming report engine.  It reads every part once, in
 * parallel (one worker thread per part, up to the number of cores), keeps
 * only the groups' sums and the duplicate filter, and merges the workers'
 * tables at the end.
 */
#ifndef CU_REPORT_H
#define CU_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "inputs.h"
#include "teams.h"
#include "usage.h"
#include "utilhist.h"

enum key_kind {
	KEY_STRING,	/* a column's value as written */
	KEY_DAY,	/* JOB_RUN_DATE as 2026-10-01 */
	KEY_WEEK,	/* ISO week 2026-W40 */
	KEY_MONTH,	/* 2026-10 */
	KEY_TEAM	/* PROJECT_NAME's team, through opts->teams */
};

/* Is a key a period of JOB_RUN_DATE (day, week, month)? */
static inline int
key_is_time(enum key_kind kind)
{
	return kind == KEY_DAY || kind == KEY_WEEK || kind == KEY_MONTH;
}

struct key_col {
	const char *name;	/* output column name: project, day, ... */
	enum usage_col col;	/* the export column it comes from */
	enum key_kind kind;
};

#define REPORT_MAX_KEYS 16
#define REPORT_MAX_SETS 8
#define REPORT_MAX_ORGS 16	/* organization names kept */

/* A grouping set: some of the report's keys, as indexes into keys[]. */
struct report_set {
	size_t keys[REPORT_MAX_KEYS];
	size_t nkeys;
};

#define REPORT_MAX_ROW_COLS 16

/*
 * A job run handed to report_opts.row_fn: its metrics, its JOB_RUN_DATE
 * (have_day 0: none usable), the texts of row_cols (text[i], len[i];
 * borrowed for the call) and where it was read.
 */
struct report_row {
	const struct metrics *m;
	int have_day;
	int32_t day;
	const char *text[REPORT_MAX_ROW_COLS];
	size_t len[REPORT_MAX_ROW_COLS];
	const char *file;	/* as messages name it */
	uint64_t line;
};

struct report_opts {
	struct key_col keys[REPORT_MAX_KEYS];
	size_t nkeys;
	const char **projects;	/* --project globs (any may match) */
	size_t nprojects;
	const char **branches;	/* --branch globs */
	size_t nbranches;
	char **statuses;	/* --status values, any case */
	size_t nstatuses;
	int32_t since, until;	/* days; INT32_MIN / INT32_MAX when open */
	int keep_duplicates;
	int strict;
	int threads;		/* 0: one per core */
	int want_orgs;		/* note the ORGANIZATION_NAMEs (orgs[]) */
	/*
	 * The teams file behind the `team` key (borrowed; NULL without
	 * --teams, when `--by team` is an error).  A row's team is its
	 * PROJECT_NAME's: the first rule that matches, "(unassigned)" when
	 * none does; an empty PROJECT_NAME has an empty team.
	 */
	const struct teams *teams;
	/*
	 * Grouping sets (report_parse_sets): when nsets > 0, every counted
	 * row is summed once into each set's groups, each set grouping by
	 * some of keys[], instead of once by every key.  One pass then gives
	 * several narrow groupings (html's per job and status, per project
	 * and day) without their cross product, which is much larger.
	 */
	struct report_set sets[REPORT_MAX_SETS];
	size_t nsets;
	/*
	 * For rightsize (rightsize.h): also keep, per group of the first
	 * grouping (every key, or set 0), an exact histogram of each of the
	 * four utilization columns (report_result.util).  Parts without
	 * those columns give runs without utilization, not an error.
	 */
	int want_util;
	/* CSV output: neutralise text fields that look like formulas
	 * (csvw_text); off by default, on for run's artifacts */
	int csv_safe;
	/*
	 * For failures (retry.h): also find the wasted runs, those whose
	 * JOB_BUILD_STATUS is in retry_waste[] (borrowed; any case), that a
	 * later `success` on the same project, pipeline, workflow name and
	 * job retried, and sum them per group of the first grouping
	 * (report_result.retry).  Only the rows counted take part (after the
	 * filters and the duplicate filter).  Off, nothing is kept.
	 */
	int want_retry;
	char *const *retry_waste;
	size_t nretry_waste;
	/*
	 * For focus (focus.h): hand every job run counted (after the
	 * filters and the duplicate filter) to row_fn, in input order: the
	 * read then has one worker (and a thread inflating each part), so
	 * the order is the files' and the rows', whatever the cores.  The
	 * row's texts are those of the columns row_cols[] names (at most
	 * REPORT_MAX_ROW_COLS; a column the part lacks, or NULL, is empty).
	 * row_fn returns 0, or an exit code after printing its error: the
	 * read stops and report_run() returns that code.  Groups are summed
	 * as without it.
	 */
	int (*row_fn)(void *ctx, const struct report_row *row);
	void *row_ctx;
	const enum usage_col *row_cols;
	size_t nrow_cols;
};

/*
 * Parse a --by list ("project,resource_class") into opts->keys: workflow
 * brings project, job brings project and workflow; repeated columns appear
 * once.  Returns 0, or -1 after printing an error naming the bad key.
 */
int report_parse_by(struct report_opts *o, const char *list);

/*
 * Parse grouping sets, each a --by list ("job,status", "project,day"):
 * keys[] becomes the union of their keys, in order of appearance, and
 * sets[] the n sets.  Returns 0, or -1 after printing an error (a bad key,
 * more than REPORT_MAX_SETS sets or REPORT_MAX_KEYS keys).
 */
int report_parse_sets(struct report_opts *o, const char *const *lists,
    size_t n);

/* How many groupings a run of o makes: nsets, or 1 (every key). */
size_t report_nsets(const struct report_opts *o);

/*
 * Make *out (initialized here) the opts of grouping set s alone: its keys,
 * in the order its tuple keys hold them; nothing else is copied.  Set 0 of
 * opts without sets is every key.  Release with report_opts_release().
 */
void report_set_opts(const struct report_opts *o, size_t s,
    struct report_opts *out);

/* The names accepted by --by, for help texts. */
extern const char *const report_key_names;

/*
 * Job runs counted per day: v[d - first] for the n days from first, and
 * those without a usable day; `lost` when they spread over more than
 * DAY_COUNTS_MAX days (then v is freed and no longer kept).
 */
#define DAY_COUNTS_MAX 20000
struct day_counts {
	uint64_t *v;
	int32_t first;
	size_t n;
	uint64_t undated;
	int lost;
};

/* Count k for `day` (have_day 0: undated) into d. */
void day_counts_add(struct day_counts *d, int have_day, int32_t day,
    uint64_t k);

/* How many of d are on days before `first` or after `last`. */
uint64_t day_counts_outside(const struct day_counts *d, int32_t first,
    int32_t last);

struct report_result {
	struct agg groups;	/* by every key, or by grouping set 0 */
	struct agg more[REPORT_MAX_SETS - 1];	/* by sets 1, 2 ... */
	struct metrics totals;
	uint64_t files;
	uint64_t rows_read;	/* data records, every one */
	uint64_t rows_skipped;	/* unreadable rows */
	uint64_t rows_filtered;	/* left out by --since, --project ... */
	/*
	 * Of those, the job runs outside the range of their export (its
	 * manifest's; inputs.h): a warning says how many, once per range.
	 */
	uint64_t rows_outside;
	uint64_t duplicates;	/* job runs seen before */
	/*
	 * The duplicates by their JOB_RUN_DATE: a read of the same files
	 * with --since/--until would have filtered out those outside them
	 * instead (budget_calc_eval_from(), budgetcalc.h)
	 */
	struct day_counts dup_days;
	uint64_t bytes;		/* decompressed bytes */
	int32_t first_date, last_date;	/* of counted rows */
	/*
	 * With want_util: bins (group index in `groups`, column 0..3 in
	 * the order MEDIAN_CPU, MAX_CPU, MEDIAN_RAM, MAX_RAM, value) -> runs;
	 * util_bad counts values that are not a number of at least 0 with at
	 * most 6 decimals (taken as no data).
	 */
	struct utilhist util;
	uint64_t util_bad;
	int have_dates;
	int from_db;		/* answered from history (db.h): no files */
	/*
	 * With grouping sets of which only some have a time key (and no
	 * --since/--until): a row without a usable JOB_RUN_DATE counts in the
	 * sets without a time key and is skipped by the others, as `report`
	 * with each set's keys alone would do.  set_skipped[s] counts the rows
	 * set s skipped so, beyond rows_skipped.
	 */
	uint64_t set_skipped[REPORT_MAX_SETS];
	/*
	 * With want_orgs: the distinct non-empty ORGANIZATION_NAMEs of the
	 * job runs counted (NUL-terminated, cut at a NUL byte) and how many
	 * runs each has, most runs first, ties in order of first appearance
	 * (by file in input order, then by row).  At most REPORT_MAX_ORGS
	 * per file and in all; orgs_more is set when there were more.
	 */
	char *orgs[REPORT_MAX_ORGS];
	uint64_t org_jobs[REPORT_MAX_ORGS];
	size_t norgs;
	int orgs_more;
	/*
	 * With want_retry (have_retry set; never from history, which keeps
	 * no pipeline id or start time): the retried wasted runs per group
	 * of `groups` that has any, under the same key: jobs is the runs,
	 * credits[CR_TOTAL] their TOTAL_CREDITS (nothing else is summed).
	 */
	struct agg retry;
	int have_retry;
};

void report_opts_init(struct report_opts *o);
void report_opts_release(struct report_opts *o);
/* Append s (borrowed) to a list of globs (projects, branches). */
void report_opts_push(const char ***list, size_t *n, const char *s);

/*
 * Give dst (initialized) the filters and input options of src: --project,
 * --branch and --status (copied), --strict, --keep-duplicates and
 * --threads; not the dates, keys or sets.
 */
void report_opts_copy_filters(struct report_opts *dst,
    const struct report_opts *src);
void report_result_release(struct report_result *r);

/*
 * The organization as a title shows it, from r->orgs: its name; "a and b"
 * for two; "a, b and N more organizations" for more; else, with no name,
 * "org <org_id>" when org_id (the manifest's) is not NULL; else NULL.
 * The caller frees it.  The text is raw: escape it for the output.
 */
char *report_org_label(const struct report_result *r, const char *org_id);

/*
 * Put r->orgs in the order the result promises: most job runs first,
 * ties in the order they are in.  report_run() and db_report() both end
 * so.
 */
void report_sort_orgs(struct report_result *r);

/*
 * Add the groups of src, keyed by tuples of 32-bit ids (one a key of
 * grouping set `set` of o), into dst under text keys as agg_key_add()
 * makes them, in src's order.  A time key's id is a period (timekey.h);
 * any other's text is name(ctx, c, id, &len), c its index in o->keys,
 * valid until the next call.  map, when not NULL, gets the index in dst
 * of each group of src.  report_run() merges its workers so, db_report()
 * the history's groups.
 */
void report_merge_ids(struct agg *dst, const struct agg *src,
    const struct report_opts *o, size_t set,
    const char *(*name)(void *ctx, size_t c, uint32_t id, size_t *len),
    void *ctx, uint32_t *map);

/* The groups of grouping set s (report_nsets() of the run's opts). */
const struct agg *report_set_groups(const struct report_result *r, size_t s);

/*
 * Does o group by `team` anywhere (a key of its own or of a set)?  The
 * commands ask so to require --teams.
 */
int report_has_team(const struct report_opts *o);

/*
 * Read every input into res.  Problems with rows are reported on stderr
 * (the first few, as file:line: column: reason).  Returns 0, or an exit
 * code after printing the error: EXIT_BAD_INPUT for unreadable, corrupt or
 * truncated files, missing columns and (with strict) bad rows;
 * EXIT_USAGE for a `team` key without opts->teams.
 */
int report_run(const struct report_opts *o, const struct inputs *in,
    struct report_result *res);

#endif
