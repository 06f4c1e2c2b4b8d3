/*
 * focus.h: the usage as a FOCUS dataset (FinOps Open Cost and Usage
 * Specification, version 1.2), one CSV row per charge: a job run's credits
 * of one kind (the job grain), or a project's, resource class's and day's
 * (the day grain).  doc/focus-spec.md lists the specification's column
 * requirements with their sources; doc/focus.md the mapping from the
 * export's columns and why.
 *
 * Every credit kind with credits other than 0 is a row (SkuId "compute/
 * <resource class>" for compute, the kind's name for the others); what
 * TOTAL_CREDITS holds beyond the kinds' sum is a row of its own, kind
 * "other", so that the rows' ConsumedQuantity always adds up to
 * TOTAL_CREDITS, as `report` counts it.  Costs are credits times the
 * price, exact to 18 decimals: the rows' BilledCost adds up to the
 * report's credits times the price.
 */
#ifndef CU_FOCUS_H
#define CU_FOCUS_H

#include <stdint.h>
#include <stdio.h>

#include "agg.h"
#include "dec.h"
#include "report.h"
#include "teams.h"

/* The FOCUS version the columns follow. */
#define FOCUS_VERSION "1.2"

enum focus_grain {
	FOCUS_GRAIN_JOB,	/* one charge per job run (and credit kind) */
	FOCUS_GRAIN_DAY		/* per project, resource class and day */
};

/*
 * A charge before it is split by credit kind: a job run, or a day's group.
 * Texts are borrowed, [len] bytes each, not NUL-terminated; an empty one
 * is NULL in the dataset.  credits[] is per credit kind (agg.h), TOTAL
 * included.  At the day grain, job_id, workflow, job and branch are
 * empty.
 */
struct focus_charge {
	const char *org_id, *org_name, *project_id, *project_name;
	const char *resource_class, *job_id, *workflow, *job, *branch;
	size_t org_id_len, org_name_len, project_id_len, project_name_len;
	size_t resource_class_len, job_id_len, workflow_len, job_len;
	size_t branch_len;
	int32_t day;		/* JOB_RUN_DATE, days since the epoch */
	const dec_t *credits;	/* [CR_COUNT] */
};

struct focus_opts {
	enum focus_grain grain;
	dec_t price;		/* USD of one credit (--credit-price) */
	const char *price_text;	/* as given, for messages */
	/* the team tag from PROJECT_NAME (borrowed; NULL: no team tag) */
	const struct teams *teams;
	/* BillingAccountId when a charge has no ORGANIZATION_ID: the
	 * export manifest's org_id (borrowed), or NULL */
	const char *org_id;
};

struct focus_writer;

/*
 * A writer of FOCUS rows to f (borrowed; the caller opened it, through
 * out.h, and closes it).  focus_writer_header() writes the header row.
 */
struct focus_writer *focus_writer_new(FILE *f, const struct focus_opts *o);
void focus_writer_free(struct focus_writer *w);
void focus_writer_header(struct focus_writer *w);

/*
 * Write c's rows: one per credit kind with credits other than 0, and the
 * remainder of TOTAL_CREDITS.  At the day grain, add c to its day's group
 * instead (written by focus_writer_finish()).  Returns 0, or
 * EXIT_BAD_INPUT after an error naming file:line (file NULL: none): a
 * charge with no billing account (no ORGANIZATION_ID, no manifest's
 * org_id and no ORGANIZATION_NAME), or a cost past 10^20.
 */
int focus_writer_add(struct focus_writer *w, const struct focus_charge *c,
    const char *file, uint64_t line);

/*
 * The day grain's rows, in order of day, billing account, project and
 * resource class.  Returns 0 or an exit code after the error.  A job grain
 * writer has nothing left to write: 0.
 */
int focus_writer_finish(struct focus_writer *w);

/* What was written: rows, and their sums of ConsumedQuantity and
 * BilledCost. */
struct focus_stats {
	uint64_t rows;
	dec_t credits, cost;
};
void focus_writer_stats(const struct focus_writer *w, struct focus_stats *s);

/*
 * Make a read with o (report_run() or db_report()) hand every job run it
 * counts to w, in input order: its row hook (report.h) and a day key, so
 * that a job run without a usable JOB_RUN_DATE, which has no charge
 * period, is an unreadable row.  Returns 0, or -1 after an error (o has
 * a key of its own already).
 */
int focus_report_opts(struct report_opts *o, struct focus_writer *w);

/*
 * Only the rows of focus_report_opts(): every job run with a day goes to
 * w, beside a read grouped as its caller wants (run's one pass).
 */
void focus_report_rows(struct report_opts *o, struct focus_writer *w);

/*
 * The dataset's columns, in the order written, NULL-terminated: the FOCUS
 * ones in alphabetical order, then the custom (x_) ones.
 */
extern const char *const focus_columns[];

/* The name of a credit kind in SkuId, x_CreditKind ("compute", "dlc"...;
 * "other" for CR_TOTAL's remainder). */
const char *focus_kind_name(enum credit_kind k);

/*
 * The month of `day` as FOCUS's billing period: its first day's and the
 * next month's first day's day numbers.
 */
void focus_month(int32_t day, int32_t *start, int32_t *end);

#endif
