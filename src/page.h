/*
 * page.h: the workflow of `html`, the one self-contained page: the
 * exports (or history) read once, grouped by every key the page needs,
 * rolled up for each section (headline and biggest movers, projects,
 * teams and chargeback, days, resource classes and executors, workflows,
 * jobs, users, failing jobs, rightsizing, data quality, the files beside;
 * budgets and anomalies when given them)
 * and written with html.h's pieces; with a previous period, read the same
 * way, each table's change.  It
 * prints nothing but its errors (util.h); the page goes to a FILE.
 */
#ifndef CU_PAGE_H
#define CU_PAGE_H

#include <stdio.h>

#include "anomaly.h"
#include "budgetcalc.h"
#include "chargeback.h"
#include "chart.h"
#include "inputs.h"
#include "rates.h"
#include "report.h"
#include "rightsize.h"
#include "teams.h"
#include "users.h"

/* What the headline compares: now, and the previous period. */
struct page_head {
	dec_t credits, cost, hours, waste;
	uint64_t jobs;
	int32_t first, last;
	int have_dates;
};

/* A file beside the page that it links to (a run directory's). */
struct page_link {
	const char *name;	/* relative to the page: "by-project.csv" */
	const char *what;	/* "a report", "the cost of failing jobs" */
};

/*
 * What `run` hands the page besides its inputs, all borrowed: the files
 * beside it, and the budgets and anomalies it has worked out (NULL:
 * none), which the page shows as they are.
 */
struct page_given {
	const struct page_link *links;
	size_t nlinks;
	const struct budget_calc *budgets;	/* evaluated */
	const struct anomaly_run *arun;		/* with anomalies: */
	const struct anomaly_list *anomalies;
	/*
	 * The periods already read, or NULL: the page then reads nothing.
	 * o and res (and po and pres, with a previous period) are taken
	 * whole (left initialized and empty); each o groups by the sets
	 * page_sets() gives, and o with rightsize_enable()'s histograms.
	 * users (taken too) are the caches beside both periods' inputs,
	 * loaded by the caller: the page loads none then.
	 */
	struct report_opts *o, *po;
	struct report_result *res, *pres;
	struct users *users;
	/*
	 * The rightsizing rows of res, as the page's section has them (the
	 * built-in rates, its price), taken too; or NULL.
	 */
	struct rightsize *rs;
};

/*
 * The page's grouping sets (at most PAGE_MAX_SETS, as --by lists) into
 * sets: the user set with want_users, the team's with teams.  Returns
 * how many.
 */
#define PAGE_MAX_SETS 4
size_t page_sets(const char **sets, int want_users, int teams);

/*
 * The page: the command sets the options (page_init() gives the
 * defaults) and the inputs, page_prepare() and page_read() make the rest.
 * Strings marked borrowed must outlive the struct.
 */
struct page {
	struct report_opts o;	/* the current period's filters, input
				   options; its grouping sets are the page's */
	struct report_opts po;	/* the previous period's: the same but the
				   dates */
	const char *title;	/* borrowed; NULL: "CircleCI usage" */
	char **waste;		/* the waste statuses (owned) */
	size_t nwaste;
	unsigned long long top;	/* rows in the workflow, job, failing and
				   rightsizing tables */
	dec_t price;
	int want_rs;		/* a rightsizing section */
	const char *rates_path;	/* its rates (borrowed), or NULL: built in */
	struct teams *teams;	/* owned; NULL: no team sections */
	enum chargeback_mode shared;
	const char *db;		/* the job runs from history (borrowed) */
	struct inputs in, pin;	/* the exports, and the previous period's */
	int have_prev;		/* a previous period was added */
	const struct page_link *links;	/* borrowed; the files beside */
	size_t nlinks;
	const struct page_given *given;	/* borrowed; what run read */

	/*
	 * A budgets section: `run`'s budgets (borrowed), or those of bs,
	 * which page_read() evaluates as of the day after the period's
	 * last day (its own read: of db, else of the inputs' and the
	 * previous period's paths, kept in args).  An anomalies section and
	 * marks on the chart of days: `run`'s only.
	 */
	struct budgets *bs;		/* --budgets (owned), or NULL */
	const struct budget_calc *budgets;	/* the section's, or NULL */
	const struct anomaly_run *arun;
	const struct anomaly_list *anomalies;	/* or NULL */
	const char **args;		/* the PATHs of both periods */
	size_t nargs;

	/*
	 * The login names cached beside the inputs (users.json, from
	 * `export --names`) or in the database: with any, the page has a
	 * section per user (page_prepare()), whose IDs read as names.
	 */
	struct users users;
	int want_users;

	/* made by page_read() */
	struct report_result res;
	int have_res;
	struct report_result pres;	/* the previous period's, grouped as
					   res (with have_prev) */
	int have_pres;
	char *org;		/* the org label, or NULL */
	struct rates rates;
	struct rightsize rs;
	int have_rs;
	struct page_head now, prev;
	struct chart_measure m;
	struct budget_calc calc;	/* bs's, evaluated */
	struct report_result bres;	/* what it read */
	int have_calc, have_bres;
};

/* The defaults: top 20, 0.0006 per credit, shared costs proportional. */
void page_init(struct page *p);
void page_release(struct page *p);

/*
 * Add an export (or run directory) to read; `arg` is kept (borrowed) for
 * the budgets' read (page_keep_path()).  0, or EXIT_BAD_INPUT.
 */
int page_add_input(struct page *p, const char *arg);
/* Add one of the previous period's, as page_add_input(). */
int page_add_previous(struct page *p, const char *arg);
/* Keep `arg` (borrowed) for the budgets' read only: added elsewhere. */
void page_keep_path(struct page *p, const char *arg);

/*
 * What `run` hands the page (g's pointers are borrowed until the page is
 * released).
 */
void page_take(struct page *p, const struct page_given *g);

/*
 * Once the options are set (teams included): the grouping sets of the
 * one pass, and with want_rs the utilization histograms and the rates.
 * Returns 0, or an exit code after an error (a rates file that does not
 * load: EXIT_BAD_INPUT).
 */
int page_prepare(struct page *p);

/*
 * Read the exports (or history) once, check the costs fit, build the
 * rightsizing, read the previous period's headline, evaluate the budgets
 * of p->bs (a read of their own), and set up the text measures of the
 * charts.  Returns 0, or an exit code after an error.
 */
int page_read(struct page *p);

/*
 * Write the page to f.  Returns 0, or EXIT_FAILURE_OTHER on an error
 * (a write error: look at errno; the caller names the output).
 */
int page_write(struct page *p, FILE *f);

#endif
