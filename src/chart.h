/*
 * chart.h: a report as a chart.  The model (what is drawn: one bar per
 * group, or a stack of groups per period), its layout into a list of
 * shapes and texts in pixels, and the two back ends that draw that list:
 * cairo to PNG (chart_png.c) and a direct SVG writer (chart_svg.c).  The
 * layout is done once, here, so both files show the same picture.
 */
#ifndef CU_CHART_H
#define CU_CHART_H

#include <stdint.h>
#include <stdio.h>

#include "dec.h"
#include "view.h"

/* Defaults and limits of the chart options. */
#define CHART_WIDTH 1200
#define CHART_HEIGHT 700
#define CHART_SIZE_MIN 240
#define CHART_SIZE_MAX 8192
#define CHART_TOP_BARS 15	/* bars shown, then (other) */
#define CHART_TOP_SERIES 8	/* groups stacked per period, then (other) */
#define CHART_MAX_SERIES 9	/* the palette's colours */

/* The font both back ends draw and measure with. */
#define CHART_FONT "DejaVu Sans"
#define CHART_FONT_CSS "DejaVu Sans, Verdana, Geneva, sans-serif"

enum chart_kind {
	CHART_BARS,	/* horizontal bars, one per group, largest first */
	CHART_STACKED	/* a stacked bar per period of a time key */
};

struct chart_bar {
	char *label;	/* the group's name, display-safe UTF-8 */
	dec_t value;	/* the drawn metric, exact */
	dec_t share;	/* percent of the metric's total, 2 decimals */
	int other;	/* the (other) bar */
};

struct chart {
	enum chart_kind kind;
	int metric;		/* enum view_metric drawn */
	char *title;		/* first line */
	char *subtitle;		/* org, dates, total; "" when none known */
	const char *unit;	/* "credits", "USD", "jobs", "hours", ... */
	char *value_axis;	/* the value axis' label, with the unit */
	char *time_axis;	/* CHART_STACKED: "day (UTC)", "week", ... */
	int empty;		/* no job runs: a message instead of bars */
	double scale;		/* chart_opts' (0: from the size) */

	/* CHART_BARS */
	struct chart_bar *bars;
	size_t nbars;

	/*
	 * CHART_STACKED: series are the groups stacked, largest first, then
	 * "(other)" when anything was folded; periods are ascending with
	 * the gaps filled (a day without job runs is a zero); cells[p *
	 * nseries + s] is series s in period p.
	 */
	char **series;
	size_t nseries;
	int series_other;	/* the last series is (other) */
	char **periods;
	size_t nperiods;
	/* partial[p]: the data cover period p only in part (marked "*") */
	unsigned char *partial;
	size_t npartial;
	dec_t *cells;
	dec_t *period_totals;
	const struct chart_mark *marks;	/* chart_opts' (borrowed) */
	size_t nmarks;
};

/*
 * A mark over one period of a time chart (the page's days with an
 * anomaly): a glyph above the period's stack, in a group of class "mark"
 * whose name is the period, value `value` (exact) and tooltip `tip`.
 */
struct chart_mark {
	const char *period;	/* a period's label, "2026-12-01" */
	const char *tip;
	dec_t value;
};

struct chart_opts {
	size_t top;		/* groups shown; 0 for the default */
	const char *title;	/* --title, or NULL for the default */
	const char *org;	/* the organization as the subtitle shows it
				 * (report_org_label()), or NULL */
	/*
	 * The time the data cover (chart_set_span()), ms since the epoch,
	 * both inclusive: a period of a time chart not wholly inside is
	 * marked partial.  have_span 0: none known, nothing marked.
	 */
	int have_span;
	int64_t span_start, span_end;
	/*
	 * The scale of every text and margin (1: 12 px labels); 0: from the
	 * size (a 1200 x 700 chart is 1).  A chart drawn for a phone sets 1
	 * at about the phone's width, so that its labels read at 10 px and
	 * more.
	 */
	double scale;
	/* marks over periods of a time chart (borrowed); a period the
	 * chart does not have gets none */
	const struct chart_mark *marks;
	size_t nmarks;
};

struct inputs;
/*
 * The time the data of `r` cover, into co: the exports' range (their
 * manifests') when every input has one, else the days of r's job runs;
 * within o's --since and --until.  Nothing when neither is known.
 */
void chart_set_span(struct chart_opts *co, const struct inputs *in,
    const struct report_opts *o, const struct report_result *r);

/* The index of the view's time key (day, week, month), or -1. */
int chart_time_key(const struct report_opts *o);

/*
 * Build the chart of a view: horizontal bars of the view's rows as they
 * are (sorted, --top already folded), or, when the view's keys include a
 * time key, the top opts->top groups of the other keys stacked per period
 * plus (other).  A time chart needs the view built with top 0 (every
 * group), since a row folded into (other) has lost its period; and its
 * series are at most CHART_MAX_SERIES.  The drawn metric is the view's
 * sort metric (total credits when it sorts by a key).  Bars that could not
 * fit a width x height chart without their labels overlapping are folded
 * into (other) too.  Release with chart_release().
 */
void chart_build(struct chart *c, const struct view *v,
    const struct chart_opts *opts, int width, int height);
void chart_release(struct chart *c);

/* ---- layout ---- */

/* Text width in pixels of UTF-8 `text` at `size` px, regular or bold. */
struct chart_measure {
	double (*width)(void *ctx, const char *text, double size, int bold);
	void *ctx;
};

enum chart_shape_kind {
	CS_RECT,	/* x, y, w, h filled with rgb */
	CS_LINE,	/* (x, y) to (x + w, y + h), `size` px wide */
	CS_TEXT,	/* text at its baseline (x, y), `size` px */
	CS_GROUP,	/* the shapes up to the matching CS_END belong to one
			   item (a bar, a segment, a legend entry) */
	CS_END
};

enum chart_anchor { CA_START, CA_MIDDLE, CA_END };

struct chart_shape {
	enum chart_shape_kind kind;
	double x, y, w, h;
	uint32_t rgb;		/* 0xRRGGBB */
	double size;
	int bold;
	enum chart_anchor anchor;
	int vertical;		/* text turned 90 degrees anticlockwise */
	char *text;		/* text; a group's tooltip (full, exact) */
	const char *cls;	/* a group's kind: bar, period, seg, legend */
	char *name, *value;	/* a group's name and exact value, or NULL */
};

/* What both back ends draw: shapes in painting order. */
struct chart_draw {
	int width, height;
	uint32_t background;
	char *desc;		/* the chart in one line, for accessibility */
	struct chart_shape *s;
	size_t n, cap;
};

/*
 * Lay the chart out on a width x height canvas, measuring text with `m`:
 * labels that do not fit are ellipsized, tick labels are thinned so that
 * none overlap.  Release with chart_draw_release().
 */
void chart_layout(struct chart_draw *d, const struct chart *c, int width,
    int height, const struct chart_measure *m);
void chart_draw_release(struct chart_draw *d);

/* ---- the back ends ---- */

/*
 * Text measured by cairo with CHART_FONT, as chart_png_write() draws it
 * (no hinting, so widths do not depend on the machine's font settings).
 * Returns 0, or -1 after printing an error.
 */
int chart_cairo_measure_init(struct chart_measure *m);
void chart_cairo_measure_release(struct chart_measure *m);

/*
 * Draw with cairo, write a PNG to f.  0; -1 after printing an error of
 * drawing; -2 when writing to f failed (errno says why; the caller, who
 * knows the file, says so).
 */
int chart_png_write(const struct chart_draw *d, FILE *f);

/*
 * Write an SVG: texts as <text> elements, XML-escaped; each group as a
 * <g class="..." data-name="..." data-value="..."> with a <title>.
 * Returns 0, or -1 on a write error.
 */
int chart_svg_write(const struct chart_draw *d, FILE *f);

/*
 * The same <svg> element for an HTML page: no XML declaration, its
 * title's id is `id` (so that several charts on one page differ) and its
 * class `cls` (NULL: none).
 */
int chart_svg_write_inline(const struct chart_draw *d, FILE *f,
    const char *id, const char *cls);

/* ---- helpers, exposed for the tests ---- */

/*
 * Nice ticks from 0 to at least `max` (> 0), about `target` intervals
 * (the nearest nice step, so up to half as many again), at a step of 1, 2
 * or 5 times a power of ten.  Writes at most `cap` ticks
 * (0 first) into `ticks`; returns how many, and sets *step.
 */
size_t chart_ticks(double max, int target, double *ticks, size_t cap,
    double *step);

/*
 * `v` with thousands separators and as many decimals as `step` needs
 * (none for a step of 1 or more): "1,250,000", "0.25".  buf holds 64.
 */
size_t chart_format_tick(double v, double step, char *buf);

/*
 * An exact value as a label for `metric` (enum view_metric): credits
 * with 2 decimals below 1,000 and none from there, "$1,234.56", jobs,
 * hours with 1 decimal, "21.08%".  buf holds 64.
 */
size_t chart_format_value(dec_t v, int metric, char *buf);

/*
 * A copy of `s` (len bytes) that is safe to draw and to put in XML:
 * invalid UTF-8, control characters and non-characters become U+FFFD;
 * empty becomes "(none)".  free() it.
 */
char *chart_safe_text(const char *s, size_t len);

/*
 * `s` cut with an ellipsis to fit `maxw` pixels at `size`, at a character
 * boundary ("" when not even the ellipsis fits); `s` itself when it fits.
 * free() it.
 */
char *chart_ellipsize(const char *s, double maxw, double size, int bold,
    const struct chart_measure *m);

/* dec_t as a double, for drawing only. */
double chart_dec_double(dec_t v);

/*
 * Build, lay out and write the chart of `v` (PNG, or SVG when `svg`) to
 * `path` atomically, warning when groups had to be folded.  Returns an
 * exit code (util.h).
 */
int chart_write_file(const struct view *v, const struct chart_opts *co,
    int svg, int width, int height, const char *path);

#endif
