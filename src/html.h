/*
 * html.h: the pieces of the self-contained HTML page `html` writes: the
 * document with its inline CSS and script, sortable tables of a view,
 * charts as inline SVG, and escaping.  Everything goes to a FILE; nothing
 * here refers to another file or host, so the page works offline.
 */
#ifndef CU_HTML_H
#define CU_HTML_H

#include <stdio.h>

#include "chart.h"
#include "failures.h"
#include "rightsize.h"
#include "view.h"
#include "xmlw.h"


/* <!DOCTYPE html> to <main>, with the page's CSS; `title` escaped. */
void html_begin(FILE *f, const char *title);

/* The sorting and filtering script, and the closing tags. */
void html_end(FILE *f);

/*
 * A table shows its first HTML_FOLD body rows; the rest, one click away
 * ("Show all N rows"), stay in the table, so sorting and filtering see
 * them all.  A table with at most HTML_FOLD + HTML_FOLD_SLACK rows is not
 * folded: a button for one or two rows would cost more than it hides.
 */
#define HTML_FOLD 10
#define HTML_FOLD_SLACK 2

/* The class attribute of body row i of n: " class=\"x\"" if folded. */
const char *html_fold_class(size_t i, size_t n);

/*
 * A sortable table of the view's rows: its key columns, then credits,
 * cost, share, jobs and run hours.  With `prev` (the previous period's
 * groups by the same keys; NULL: none), the previous credits, the change
 * and the change in percent ("new" for a group the previous period does
 * not have) follow the credits.  Cells carry their exact values for
 * sorting (data-v).  (other) and a TOTAL row go in the footer, which does
 * not sort.  `id` must be unique in the page; with `filter` a search box
 * above the table hides the rows that do not contain its text.
 */
void html_view_table(FILE *f, const struct view *v,
    const struct report_result *prev, const char *id, int filter);

/*
 * The cells previous, change and change % of a row whose credits were
 * `prev` (in_prev: the previous period had the row) and are `cur`.
 */
void html_change_cells(FILE *f, dec_t prev, dec_t cur, int in_prev);

/*
 * The width of a chart drawn for a phone: about a phone's, at scale 1, so
 * that its smallest labels (11 px) read at 10 px and more once fitted.
 */
#define HTML_PHONE_WIDTH 380

/*
 * The chart of a view as inline SVG, twice: `width` x `height` for wide
 * screens, HTML_PHONE_WIDTH x `phone_height` for phones (the CSS shows
 * one); the <svg>s' titles get the ids `id` and `id`-phone.  Returns 0,
 * or -1 on a write error.
 */
int html_chart(FILE *f, const struct view *v, const struct chart_opts *co,
    int width, int height, int phone_height, const struct chart_measure *m,
    const char *id);

/*
 * The jobs that waste the most, from `failures` (failures.h, the same
 * rows as the failures command): the first `top` jobs (0: all) with any
 * wasted run, most wasted credits first.  A sortable table; with `prev`
 * (the previous period's, or NULL) the change of the wasted credits; the
 * retry cost's columns when fl has it.
 */
void html_failures_table(FILE *f, const struct failures *fl,
    const struct failures *prev, size_t top, const char *id);

/*
 * The rightsizing rows (rightsize.h), the first `top` (0: all), as
 * `rightsize` orders them.  A sortable table: the job, its verdict and
 * the saving first, then the utilization it rests on.
 */
void html_rightsize_table(FILE *f, const struct rightsize *rs, size_t top,
    const char *id);

/* A name from the data: display-safe (chart_safe_text), then escaped. */
void html_name(FILE *f, const char *s, size_t len);

/* `v` as text with 2 decimals and thousands separators, in buf[64]. */
const char *html_dec(dec_t v, int places, char *buf);

struct anomaly_list;
struct anomaly_run;
struct budget_calc;

/*
 * The budgets of c (evaluated), in file order, as a sortable table `id`
 * (folded as others): name, scope, period, a bar (the amount is 100%,
 * spent fills it, a line marks the projection, ticks the thresholds),
 * amount, spent, used %, projected, projected %, runs out and status:
 * the figures of budgets.csv, each cell with its exact value.
 */
void html_budget_table(FILE *f, const struct budget_calc *c, const char *id);

/*
 * The anomalies of l (found for r) as a sortable table `id`, largest
 * excess first, folded as others: day, the keys, kind, credits,
 * baseline, excess credits and USD (at r->price), score, samples and the
 * contributor: the figures of anomalies.csv.
 */
void html_anomaly_table(FILE *f, const struct anomaly_run *r,
    const struct anomaly_list *l, const char *id);

#endif
