/*
 * runjob.h: the weekly run workflow (`circleci-usage run`) as a library.
 * Export a period (or take an existing export), then write every
 * artifact a person or a pipeline wants into one directory: the HTML
 * page, the reports per key as CSV and JSON, the charts, failures.csv,
 * rightsize.csv, a markdown summary and run.json; with a previous period,
 * compare-by-project.csv|json too; with a budgets file, budgets.csv|json;
 * with the history database, anomalies.csv|json.
 *
 * The reports and charts come from one pass over the export rolled up
 * per key (rollup.h), through report's own writers, so they are what
 * `report --by KEY` writes, byte for byte; failures.csv and
 * rightsize.csv are written by failures_write() and rightsize_write(), as
 * the commands write them.  Every file is made in a stage directory
 * (DIR/.run-PID) and moved into place when all are made, so a failed run
 * leaves the previous artifacts as they were; run.json, written last,
 * lists them.
 *
 * Budgets and anomalies are judged as of the end of the period: `at`, the
 * day taken as today, is the day after the period's last day.  Budgets
 * read the database after the ingest (its history feeds the projection),
 * or without one the export and the previous period's; anomalies need
 * the history, so only with the database.  Their rows are what `budget
 * --at D` and `anomalies --db DB --at D` write (budgets but for the
 * period: each one's is the one that holds the period's last day, as
 * budget_calc_init()'s `closing` says), and the page and summary.md show
 * the same rows.
 *
 * An artifact a run no longer writes (budgets.csv after a run without
 * budgets, compare-by-project.csv after one without --compare ...) is
 * removed when the new ones are moved into place, if the run.json it
 * replaces listed it: DIR never holds a file of an older run beside the
 * new ones.
 *
 * Three steps are still commands of their own, called through hooks the
 * caller supplies: the export, the ingest into the history database and
 * the page.
 */
#ifndef CU_RUNJOB_H
#define CU_RUNJOB_H

#include <stddef.h>
#include <stdint.h>

#include "dec.h"

struct anomaly_list;
struct anomaly_run;
struct budget_calc;
struct budgets;
struct report_opts;
struct report_result;
struct teams;
struct rightsize;
struct users;

/* A file written into dir. */
struct run_file {
	char *name;
	const char *what;	/* "a report", "a chart", "the HTML page" ... */
};

struct run_files {
	struct run_file *v;
	size_t n;
};

/* What the page is made of (borrowed for the hook's call). */
struct run_page {
	const char *path;		/* where to write it */
	const char *export, *prev;	/* prev: NULL without one */
	const struct run_files *files;	/* the other artifacts, beside it */
	const struct budget_calc *budgets;	/* evaluated, or NULL */
	const struct anomaly_run *arun;	/* with the history, else NULL: */
	const struct anomaly_list *anomalies;	/* what arun found */
	/*
	 * The passes already read (page_given): the page takes them (NULL:
	 * it reads the exports itself), and the users beside them.
	 */
	struct report_opts *o, *po;
	struct report_result *res, *pres;
	struct users *users;
	struct rightsize *rs;	/* rightsize.csv's rows, or NULL */
};

/* The steps run calls back for; each returns an exit code (util.h). */
struct run_hooks {
	/*
	 * Export [start, end] (ms since the epoch, inclusive) into `dir`;
	 * `force`: dir holds the export of another range, to be replaced.
	 */
	int (*export)(void *ctx, const char *dir, int64_t start, int64_t end,
	    int force);
	/* Ingest `export`, and `prev` unless NULL, into the history. */
	int (*ingest)(void *ctx, const char *export, const char *prev);
	/*
	 * Write the HTML page of pg->export (and pg->prev) to pg->path,
	 * linking to pg->files, with the budgets and anomalies given.
	 */
	int (*page)(void *ctx, const struct run_page *pg);
	void *ctx;
};

/* What to do: run's options, checked.  Borrowed for the whole run. */
struct run_config {
	const char *dir;	/* the artifacts directory */
	const char *export_dir;	/* EDIR/export, EDIR/previous; often dir */
	const char *from;	/* the export to use, or NULL: export */
	int64_t start, end;	/* the range to export, without from */
	const char *prev_from;	/* the previous period's export, or NULL */
	int compare;		/* a previous period: prev_from, or export */
	unsigned top;		/* projects in the charts and the summary */
	const char *price_text;	/* the --credit-price given, for run.json */
	dec_t price;
	const char *waste;	/* the waste statuses, comma-separated */
	char *const *waste_st;	/* the same, split (cmdopt_list) */
	size_t nwaste;
	const struct teams *teams;	/* or NULL */
	const struct budgets *budgets;	/* or NULL; checked (with teams
					 * and price) before the run */
	const char *db;		/* the history database ("-": the default),
				 * or NULL */
	int ingest;		/* call hooks->ingest */
	int quiet;		/* no notices; rightsize without its note */
	int focus;		/* --focus: focus.csv */
	int token_stdin;	/* read the token from stdin, once (below) */
};

/*
 * Run the workflow of `cfg`: create dir (removed again if a failure
 * leaves it empty), read the token from stdin when cfg->token_stdin (into
 * CIRCLECI_API_TOKEN, for every export), export or take the export(s),
 * ingest, write every artifact into the stage, then move them into dir.
 * Returns an exit code (util.h) after printing any error; on success,
 * *files lists the files written, in order (release them with
 * run_files_release()); on failure it is empty.
 */
int run_job(const struct run_config *cfg, const struct run_hooks *hooks,
    struct run_files *files);

void run_files_release(struct run_files *files);

#endif
