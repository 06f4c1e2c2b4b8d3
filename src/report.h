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
#include "usage.h"

enum key_kind {
	KEY_STRING,	/* a column's value as written */
	KEY_DAY,	/* JOB_RUN_DATE as 2026-10-01 */
	KEY_WEEK,	/* ISO week 2026-W40 */
	KEY_MONTH	/* 2026-10 */
};

struct key_col {
	const char *name;	/* output column name: project, day, ... */
	enum usage_col col;	/* the export column it comes from */
	enum key_kind kind;
};

#define REPORT_MAX_KEYS 16

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
};

/*
 * Parse a --by list ("project,resource_class") into opts->keys: workflow
 * brings project, job brings project and workflow; repeated columns appear
 * once.  Returns 0, or -1 after printing an error naming the bad key.
 */
int report_parse_by(struct report_opts *o, const char *list);

/* The names accepted by --by, for help texts. */
extern const char *const report_key_names;

struct report_result {
	struct agg groups;
	struct metrics totals;
	uint64_t files;
	uint64_t rows_read;	/* data records, every one */
	uint64_t rows_skipped;	/* unreadable rows */
	uint64_t rows_filtered;	/* left out by --since, --project ... */
	uint64_t duplicates;	/* job runs seen before */
	uint64_t bytes;		/* decompressed bytes */
	int32_t first_date, last_date;	/* of counted rows */
	int have_dates;
};

void report_opts_init(struct report_opts *o);
void report_opts_release(struct report_opts *o);
void report_result_release(struct report_result *r);

/*
 * Read every input into res.  Problems with rows are reported on stderr
 * (the first few, as file:line: column: reason).  Returns 0, or an exit
 * code after printing the error: EXIT_BAD_INPUT for unreadable, corrupt or
 * truncated files, missing columns and (with strict) bad rows.
 */
int report_run(const struct report_opts *o, const struct inputs *in,
    struct report_result *res);

#endif
