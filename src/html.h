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
 * A sortable table of the view's rows: its key columns, then jobs, run
 * hours, credits, cost and share.  Cells carry their exact values for
 * sorting (data-v).  (other) and a TOTAL row go in the footer, which does
 * not sort.  `id` must be unique in the page; with `filter` a search box
 * above the table hides the rows that do not contain its text.
 */
void html_view_table(FILE *f, const struct view *v, const char *id,
    int filter);

/*
 * The chart of a view as inline SVG, `width` x `height`; the <svg>'s
 * title gets the id `id`.  Returns 0, or -1 on a write error.
 */
int html_chart(FILE *f, const struct view *v, const struct chart_opts *co,
    int width, int height, const struct chart_measure *m, const char *id);

/*
 * The jobs that waste the most, from `failures` (failures.h, the same
 * rows as the failures command): the first `top` jobs (0: all) with any
 * wasted run, most wasted credits first.  A sortable table.
 */
void html_failures_table(FILE *f, const struct failures *fl, size_t top,
    const char *id);

/*
 * The rightsizing rows (rightsize.h), the first `top` (0: all), as
 * `rightsize` orders them.  A sortable table.
 */
void html_rightsize_table(FILE *f, const struct rightsize *rs, size_t top,
    const char *id);

/* `v` as text with 2 decimals and thousands separators, in buf[64]. */
const char *html_dec(dec_t v, int places, char *buf);

#endif
