/*
 * usage.h: the columns of a Usage API export (usage-api.md §7) and the
 * mapping of a part's header row onto them.  Columns are found by name,
 * case-insensitively, trimmed, in any order; unknown columns are ignored;
 * a known column named twice is an error.
 */
#ifndef CU_USAGE_H
#define CU_USAGE_H

#include <stddef.h>

#include "csv.h"

enum usage_col {
	COL_ORGANIZATION_ID,
	COL_ORGANIZATION_NAME,
	COL_ORGANIZATION_CREATED_DATE,
	COL_PROJECT_ID,
	COL_PROJECT_NAME,
	COL_PROJECT_CREATED_DATE,
	COL_LAST_BUILD_FINISHED_AT,
	COL_VCS_NAME,
	COL_VCS_URL,
	COL_VCS_BRANCH,
	COL_PIPELINE_ID,
	COL_PIPELINE_CREATED_AT,
	COL_PIPELINE_NUMBER,
	COL_IS_UNREGISTERED_USER,
	COL_PIPELINE_TRIGGER_SOURCE,
	COL_PIPELINE_TRIGGER_USER_ID,
	COL_WORKFLOW_ID,
	COL_WORKFLOW_NAME,
	COL_WORKFLOW_FIRST_JOB_QUEUED_AT,
	COL_WORKFLOW_FIRST_JOB_STARTED_AT,
	COL_WORKFLOW_STOPPED_AT,
	COL_IS_WORKFLOW_SUCCESSFUL,
	COL_JOB_NAME,
	COL_JOB_ID,
	COL_JOB_RUN_NUMBER,
	COL_JOB_RUN_DATE,
	COL_JOB_RUN_QUEUED_AT,
	COL_JOB_RUN_STARTED_AT,
	COL_JOB_RUN_STOPPED_AT,
	COL_JOB_BUILD_STATUS,
	COL_RESOURCE_CLASS,
	COL_OPERATING_SYSTEM,
	COL_EXECUTOR,
	COL_PARALLELISM,
	COL_JOB_RUN_SECONDS,
	COL_MEDIAN_CPU_UTILIZATION_PCT,
	COL_MAX_CPU_UTILIZATION_PCT,
	COL_MEDIAN_RAM_UTILIZATION_PCT,
	COL_MAX_RAM_UTILIZATION_PCT,
	COL_COMPUTE_CREDITS,
	COL_DLC_CREDITS,
	COL_USER_CREDITS,
	COL_STORAGE_CREDITS,
	COL_NETWORK_CREDITS,
	COL_LEASE_CREDITS,
	COL_LEASE_OVERAGE_CREDITS,
	COL_IPRANGES_CREDITS,
	COL_TOTAL_CREDITS,
	COL_COUNT
};

/* The column's header name, upper case as the exports write it. */
const char *usage_col_name(enum usage_col col);

/* The column named `name` (any case, spaces around ignored), or -1. */
int usage_col_find(const char *name, size_t len);

/*
 * Where each known column sits in one part: idx[col] is the field index,
 * -1 when the part has no such column.  ncols counts every header field.
 * dup_col is a known column the header names twice (-1 when none), at
 * columns dup_at[0] and dup_at[1] (counted from 1).
 */
struct usage_header {
	int idx[COL_COUNT];
	size_t ncols;
	int dup_col;
	size_t dup_at[2];
};

/*
 * Map a header record.  A UTF-8 BOM was already skipped by the reader
 * (one left inside quotes is skipped here).  Returns 0, or -1 when a
 * known column is named twice, under any of the spellings that find it
 * (case, white space around, a BOM): which one to read would be a guess,
 * so the part is bad input (usage_header_dup_text says why).  An unknown
 * column named twice is ignored, like every unknown column.
 */
int usage_header_map(struct usage_header *h, const struct csv_record *rec,
    struct sbuf *scratch);

/*
 * The reason usage_header_map() returned -1, for an error line after the
 * file's name and line: "the header names column X twice (columns A and
 * B, ...)...".  The caller frees it.
 */
char *usage_header_dup_text(const struct usage_header *h);

/*
 * Is this record a header row again, as in parts concatenated into one
 * file (`cat part-*.csv.gz > all.csv.gz`)?  It names both PROJECT_NAME
 * and TOTAL_CREDITS.  kept is how many fields the reader keeps (its
 * max_fields): only those are looked at.  Readers ask so only of rows
 * that failed to parse, to map the new header rather than skip it.
 */
int usage_header_again(const struct csv_record *rec, size_t kept,
    struct sbuf *scratch);

#endif
