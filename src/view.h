/*
 * view.h: a report's rows as they are shown: derived metrics (cost,
 * share), sorting, the --top fold into "(other)", and the writers for each
 * output format.
 */
#ifndef CU_VIEW_H
#define CU_VIEW_H

#include <stdio.h>

#include "jsonw.h"
#include "report.h"

enum view_format { FMT_TABLE, FMT_CSV, FMT_JSON, FMT_MARKDOWN };

/* Sortable metrics, in output order. */
enum view_metric {
	VM_JOBS,
	VM_RUN_SECONDS,
	VM_CREDITS,		/* + enum credit_kind */
	VM_COST = VM_CREDITS + CR_COUNT,
	VM_SHARE,
	VM_COUNT
};

const char *view_metric_name(int vm);
/* The metric named `s`, or -1. */
int view_metric_find(const char *s);

struct view_row {
	const char *key;	/* agg key bytes; NULL for (other) */
	size_t keylen;
	struct metrics m;
	dec_t cost, share;
	uint64_t count;		/* the view's count column, if it has one */
};

struct view {
	const struct report_opts *o;
	const struct report_result *res;
	struct view_row *rows;
	size_t n;
	dec_t price, total_cost;
	int sort_key;		/* -1: sort by sort_metric; else key index */
	int sort_metric;
	/*
	 * A whole-number column after the metrics (chargeback's
	 * `projects`): its name, or NULL for none (view_build's default);
	 * the rows' values are their `count`, the total's total_count.
	 */
	const char *count_name;
	uint64_t total_count;
};

/*
 * Whether every number view_build() and the charts derive from `res` at
 * `price` fits (dec.h's DEC_SUM_MAX): the cost and the share of the total
 * of any set of its groups.  Checked once on the sum of the groups'
 * absolute credits, which bounds every such set.  Returns 0, or -1 after
 * an error saying which does not fit (the commands exit 3); view_build()
 * on a result that fails it would exit 3 itself, never print a wrong
 * number.
 */
int view_check(const struct report_result *res, dec_t price);

/*
 * Build the rows of `res`: sort by `sort_metric` descending (ties by key),
 * or by key column `sort_key` ascending when it is >= 0; keep `top` rows
 * (0 for all) and fold the rest into one "(other)" row.
 */
void view_build(struct view *v, const struct report_opts *o,
    const struct report_result *res, int sort_metric, int sort_key,
    size_t top, dec_t price);
void view_release(struct view *v);

/*
 * The value of metric `vm` (enum view_metric) for the sums `m`: cost_usd
 * is the total credits at `price`, rounded to cents; share_pct is the
 * percent of `total_credits`, rounded to 2 decimals; run_seconds stays in
 * seconds.
 */
dec_t view_metric_value(const struct metrics *m, int vm, dec_t price,
    dec_t total_credits);
/* A row's metric `vm`, as the writers show it. */
dec_t view_row_metric(const struct view_row *r, int vm);

/*
 * The order of two agg keys (agg.h) in the rows: column i alone, or the
 * first nkeys columns in turn; each bytewise, a prefix first.  Returns
 * <0, 0 or >0 as memcmp.
 */
int view_key_part_cmp(const char *ka, size_t la, const char *kb, size_t lb,
    size_t i);
int view_key_cmp(const char *ka, size_t la, const char *kb, size_t lb,
    size_t nkeys);

/*
 * Column i of a shown row's key (agg_key_part), or "(other)" for the row
 * the rest was folded into, whose key is NULL.  compare's rows are keyed
 * so too.
 */
const char *view_key_part(const char *key, size_t keylen, size_t i,
    size_t *len);

/*
 * Write what r read as a JSON object: files, rows_read, rows_skipped,
 * duplicates, first_date and last_date (null without dates).  It is the
 * "meta" of report's JSON and each side of compare's.
 */
void view_json_counts(FILE *f, const struct report_result *r);

/* Write the view in `fmt`.  Returns 0, or -1 on a write error. */
int view_write(const struct view *v, FILE *f, enum view_format fmt);

/*
 * Make a data value safe and readable on a terminal, into `out` (reset
 * first): control bytes and invalid UTF-8 become visible escapes (no
 * escape sequence from the data ever reaches the terminal), and the text
 * is cut at `maxcols` display columns (0: no limit) with an ellipsis.  For
 * markdown, `md` also escapes the characters that would change the table
 * or its formatting.  Returns the display width.
 */
size_t view_cell_text(struct sbuf *out, const char *s, size_t len,
    size_t maxcols, int md);

#endif
