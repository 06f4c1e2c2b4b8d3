/*
 * chart.c: the chart model built from a report's view, and its layout
 * into shapes: nice ticks, numbers with thousands separators, ellipsized
 * names, tick labels thinned so that none overlap, and a colour-blind-safe
 * palette (Paul Tol's "muted" scheme, grey for "(other)").
 */
#include "chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "inputs.h"
#include "utf8.h"
#include "util.h"

static const uint32_t chart_palette[CHART_MAX_SERIES] = {
	0xCC6677, 0x332288, 0xDDCC77, 0x117733, 0x88CCEE, 0x882255,
	0x44AA99, 0x999933, 0xAA4499
};

#define COLOR_BG	0xFFFFFF
#define COLOR_BAR	0x4477AA
#define COLOR_OTHER	0xBBBBBB
#define COLOR_TEXT	0x222222
#define COLOR_MUTED	0x555555
#define COLOR_GRID	0xE4E4E4
#define COLOR_AXIS	0x888888
#define COLOR_MARK	0x111111

#define ELLIPSIS "\xe2\x80\xa6"
#define REPLACEMENT "\xef\xbf\xbd"
#define DOT " \xc2\xb7 "	/* " · " */

/* Gap filling gives up past this many periods (a bad date, not data). */
#define MAX_PERIODS 100000

/* ---- numbers ---- */

double
chart_dec_double(dec_t v)
{
	return (double)(v / DEC_ONE) + (double)(v % DEC_ONE) / 1e18;
}

size_t
chart_ticks(double max, int target, double *ticks, size_t cap, double *step)
{
	double raw, mag, f, st;
	size_t n, i;

	if (!(max > 0) || !isfinite(max))
		max = 1;
	if (target < 1)
		target = 1;
	raw = max / target;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	/* the nearest nice step: about `target` ticks, maybe a few more */
	if (f < 1.5)
		st = mag;
	else if (f < 3)
		st = 2 * mag;
	else if (f < 7)
		st = 5 * mag;
	else
		st = 10 * mag;
	n = (size_t)ceil(max / st - 1e-9) + 1;
	if (n > cap)
		n = cap;
	for (i = 0; i < n; i++)
		ticks[i] = (double)i * st;
	*step = st;
	return n;
}

size_t
chart_format_tick(double v, double step, char *buf)
{
	int places = 0;
	dec_t d, unit = DEC_ONE;
	double scaled;
	int i;

	if (step > 0 && step < 1)
		places = (int)-floor(log10(step) + 1e-9);
	if (places > 6)
		places = 6;
	for (i = 0; i < places; i++)
		unit /= 10;
	scaled = v * pow(10, places);
	if (!(fabs(scaled) < 9e18))
		return (size_t)snprintf(buf, 64, "%.3g", v);
	d = (dec_t)llround(scaled) * unit;
	return dec_format_fixed(d, places, ',', buf);
}

size_t
chart_format_value(dec_t v, int metric, char *buf)
{
	size_t n;

	switch (metric) {
	case VM_JOBS:
		return dec_format_fixed(v, 0, ',', buf);
	case VM_RUN_SECONDS:	/* drawn in hours */
		return dec_format_fixed(v, 1, ',', buf);
	case VM_COST:
		buf[0] = '$';
		return 1 + dec_format_fixed(v, 2, ',', buf + 1);
	case VM_SHARE:
		n = dec_format_fixed(v, 2, ',', buf);
		buf[n++] = '%';
		buf[n] = '\0';
		return n;
	default:	/* credits */
		return dec_format_fixed(v, v >= 1000 * DEC_ONE ||
		    v <= -1000 * DEC_ONE ? 0 : 2, ',', buf);
	}
}

/* ---- text ---- */

char *
chart_safe_text(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	struct sbuf sb;
	size_t i = 0;

	if (len == 0)
		return xstrdup("(none)");
	sbuf_init(&sb, SIZE_MAX);
	while (i < len) {
		unsigned cp = 0;
		size_t n = utf8_decode(u + i, len - i, &cp);

		if (n == 0) {
			sbuf_addstr(&sb, REPLACEMENT);
			i++;
			continue;
		}
		if (cp == '\t' || cp == '\n' || cp == '\r')
			sbuf_addch(&sb, ' ');
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
			sbuf_addstr(&sb, REPLACEMENT);
		else
			sbuf_add(&sb, s + i, n);
		i += n;
	}
	return sb.buf;
}

static double
text_width(const struct chart_measure *m, const char *s, double size,
    int bold)
{
	return m->width(m->ctx, s, size, bold);
}

char *
chart_ellipsize(const char *s, double maxw, double size, int bold,
    const struct chart_measure *m)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strlen(s), *pos, npos = 0, i = 0, lo, hi;
	struct sbuf sb;
	char *out;

	if (text_width(m, s, size, bold) <= maxw)
		return xstrdup(s);
	if (text_width(m, ELLIPSIS, size, bold) > maxw)
		return xstrdup("");
	/* pos[k]: the byte length of the first k characters */
	pos = xcalloc(len + 1, sizeof(*pos));
	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(u + i, len - i, &cp);

		pos[npos++] = i;
		i += n ? n : 1;
	}
	/* the longest prefix that fits with its ellipsis: lo characters */
	sbuf_init(&sb, SIZE_MAX);
	lo = 0;
	hi = npos;	/* the whole text did not fit */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2, cut = pos[mid];

		while (cut > 0 && s[cut - 1] == ' ')
			cut--;
		sbuf_reset(&sb);
		sbuf_add(&sb, s, cut);
		sbuf_addstr(&sb, ELLIPSIS);
		if (text_width(m, sb.buf, size, bold) <= maxw)
			lo = mid;
		else
			hi = mid;
	}
	i = lo < npos ? pos[lo] : len;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	sbuf_reset(&sb);
	sbuf_add(&sb, s, i);
	sbuf_addstr(&sb, ELLIPSIS);
	out = sb.buf;
	free(pos);
	return out;
}

/* ---- the model ---- */

int
chart_time_key(const struct report_opts *o)
{
	size_t i;

	for (i = 0; i < o->nkeys; i++)
		if (key_is_time(o->keys[i].kind))
			return (int)i;
	return -1;
}

static const char *const credit_titles[CR_COUNT] = {
	"Compute credits", "DLC credits", "User credits", "Storage credits",
	"Network credits", "Lease credits", "Lease overage credits",
	"IP ranges credits", "Credits"
};

/* The metrics that are not credits: their titles and units. */
static const struct {
	int vm;
	const char *title, *unit;
} metric_texts[] = {
	{ VM_JOBS, "Jobs", "jobs" },
	{ VM_RUN_SECONDS, "Run hours", "hours" },
	{ VM_COST, "Cost", "USD" },
	{ VM_SHARE, "Share of credits", "% of credits" },
};

/* Metric vm's title (a chart's), or with `unit` its unit (an axis's). */
static const char *
metric_text(int vm, int unit)
{
	size_t i;

	for (i = 0; i < sizeof(metric_texts) / sizeof(metric_texts[0]); i++)
		if (metric_texts[i].vm == vm)
			return unit ? metric_texts[i].unit :
			    metric_texts[i].title;
	return unit ? "credits" : credit_titles[vm - VM_CREDITS];
}

/* The drawn value of sums m: hours instead of seconds. */
static dec_t
chart_metric(const struct view *v, const struct metrics *m, int vm)
{
	dec_t x = view_metric_value(m, vm, v->price,
	    v->res->totals.credits[CR_TOTAL]);

	return vm == VM_RUN_SECONDS ? x / 3600 : x;
}

/* "resource_class" as "resource class". */
static void
add_key_name(struct sbuf *sb, const char *name)
{
	for (; *name; name++)
		sbuf_addch(sb, *name == '_' ? ' ' : *name);
}

/* The display name of key parts [0, nkeys) but `skip`, joined by " / ". */
static char *
key_label(const char *key, size_t keylen, size_t nkeys, int skip)
{
	struct sbuf sb;
	size_t i;
	int first = 1;

	sbuf_init(&sb, SIZE_MAX);
	for (i = 0; i < nkeys; i++) {
		size_t len;
		const char *p;
		char *safe;

		if ((int)i == skip)
			continue;
		p = agg_key_part(key, keylen, i, &len);
		safe = chart_safe_text(p, len);
		if (!first)
			sbuf_addstr(&sb, " / ");
		sbuf_addstr(&sb, safe);
		free(safe);
		first = 0;
	}
	return sb.buf;
}

static void
chart_titles(struct chart *c, const struct view *v,
    const struct chart_opts *opts, int t)
{
	const struct report_opts *o = v->o;
	const struct report_result *res = v->res;
	struct sbuf sb;
	char buf[DEC_BUFSZ + 16];
	size_t i;
	int first = 1;

	sbuf_init(&sb, SIZE_MAX);
	if (opts->title != NULL) {
		c->title = chart_safe_text(opts->title, strlen(opts->title));
	} else {
		sbuf_addstr(&sb, metric_text(c->metric, 0));
		if (c->metric == VM_COST)
			sbuf_addstr(&sb, " (USD)");
		if (t >= 0)
			sbuf_addf(&sb, " per %s", o->keys[t].name);
		sbuf_addstr(&sb, " by ");
		for (i = 0; i < o->nkeys; i++) {
			if ((int)i == t)
				continue;
			if (!first)
				sbuf_addstr(&sb, " / ");
			add_key_name(&sb, o->keys[i].name);
			first = 0;
		}
		c->title = xstrdup(sb.buf);
	}
	sbuf_reset(&sb);
	if (opts->org != NULL && opts->org[0] != '\0') {
		char *org = chart_safe_text(opts->org, strlen(opts->org));

		sbuf_addstr(&sb, org);
		free(org);
	}
	if (res->have_dates) {
		char d1[DATE_BUFSZ], d2[DATE_BUFSZ];

		date_format_day(res->first_date, d1);
		date_format_day(res->last_date, d2);
		if (sb.len)
			sbuf_addstr(&sb, DOT);
		if (res->first_date == res->last_date)
			sbuf_addstr(&sb, d1);
		else
			sbuf_addf(&sb, "%s to %s", d1, d2);
	}
	if (!c->empty && c->metric != VM_SHARE) {
		chart_format_value(chart_metric(v, &res->totals, c->metric),
		    c->metric, buf);
		if (sb.len)
			sbuf_addstr(&sb, DOT);
		if (c->metric == VM_COST)
			sbuf_addf(&sb, "%s in total", buf);
		else
			sbuf_addf(&sb, "%s %s in total", buf, c->unit);
	}
	c->subtitle = sb.buf;
	if (t >= 0) {
		const char *k = o->keys[t].name;

		c->time_axis = xstrdup(strcmp(k, "day") == 0 ? "day (UTC)" :
		    strcmp(k, "week") == 0 ? "ISO week" : k);
		c->value_axis = xasprintf("%s per %s", c->unit, k);
	} else {
		c->value_axis = xstrdup(c->unit);
	}
}

/*
 * The value axis reaches at least this times the largest value, so that
 * the tallest bar never touches the top of the plot.
 */
#define HEADROOM 1.05

/* Layout geometry shared by chart_build() (to fit bars) and the layout. */
struct frame {
	double s;		/* scale of every size */
	double pad;
	double title_size, sub_size, label_size, tick_size, axis_size;
	double title_y, sub_y;	/* baselines */
	double top, bottom;	/* the plot area's vertical extent */
};

static void
frame_make(struct frame *f, const struct chart *c, int width, int height)
{
	double s = c->scale > 0 ? c->scale : fmin(width / 1200.0,
	    height / 700.0);

	if (s < 0.75)
		s = 0.75;
	if (s > 2.5)
		s = 2.5;
	f->s = s;
	f->pad = 16 * s;
	f->title_size = 20 * s;
	f->sub_size = 13 * s;
	f->label_size = 12 * s;
	f->tick_size = 11 * s;
	f->axis_size = 12 * s;
	f->title_y = f->pad + f->title_size;
	f->sub_y = f->title_y + 8 * s + f->sub_size;
	f->top = f->sub_y + 18 * s;
	f->bottom = height - f->pad - f->axis_size - 8 * s - f->tick_size -
	    8 * s;
}

/* The fewest pixels a bar's row may have: its label must not overlap. */
#define ROW_MIN(f) (15 * (f)->s)

static void
build_bars(struct chart *c, const struct view *v, size_t fit)
{
	dec_t total = chart_metric(v, &v->res->totals, c->metric);
	size_t i, n = v->n;

	c->bars = xcalloc(n ? n : 1, sizeof(*c->bars));
	for (i = 0; i < n; i++) {
		const struct view_row *r = &v->rows[i];
		struct chart_bar *b = &c->bars[i];

		b->value = view_row_metric(r, c->metric);
		if (c->metric == VM_RUN_SECONDS)
			b->value /= 3600;
		b->share = c->metric == VM_SHARE ? b->value :
		    dec_percent_or_die(b->value, total, "a bar's share");
		b->other = r->key == NULL;
		b->label = b->other ? xstrdup("(other)") :
		    key_label(r->key, r->keylen, v->o->nkeys, -1);
	}
	c->nbars = n;
	if (fit >= 2 && n > fit) {
		/* fold what does not fit into (other), which comes last */
		struct chart_bar *o = &c->bars[fit - 1];
		dec_t sum = 0;

		for (i = fit - 1; i < n; i++) {
			sum = dec_add_or_die(sum, c->bars[i].value,
			    "(other)");
			free(c->bars[i].label);
		}
		o->label = xstrdup("(other)");
		o->value = sum;
		o->share = c->metric == VM_SHARE ? sum :
		    dec_percent_or_die(sum, total, "(other)'s share");
		o->other = 1;
		c->nbars = fit;
	}
}

/* ---- the time chart: series stacked per period ---- */

struct st_entry {
	char *series;		/* the non-time key parts (agg key form) */
	size_t slen;
	const char *period;
	size_t plen;
	const struct metrics *m;
	size_t sidx, pidx;
};

struct st_series {
	const char *key;
	size_t keylen;
	struct metrics m;
	dec_t value;
	size_t rank;
};

static int
bytes_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

static int
st_by_series(const void *pa, const void *pb)
{
	const struct st_entry *const *a = pa, *const *b = pb;

	return bytes_cmp((*a)->series, (*a)->slen, (*b)->series, (*b)->slen);
}

static int
st_by_period(const void *pa, const void *pb)
{
	const struct st_entry *const *a = pa, *const *b = pb;

	return bytes_cmp((*a)->period, (*a)->plen, (*b)->period, (*b)->plen);
}

static int
st_series_rank(const void *pa, const void *pb)
{
	const struct st_series *const *a = pa, *const *b = pb;

	if ((*a)->value != (*b)->value)
		return (*a)->value > (*b)->value ? -1 : 1;
	return bytes_cmp((*a)->key, (*a)->keylen, (*b)->key, (*b)->keylen);
}

/*
 * A period's text as a number that counts periods: days since the epoch
 * (day), weeks since the epoch's week (week), months since year 0
 * (month).  Returns 0, or -1 when it does not parse.
 */
static int
period_ordinal(enum key_kind kind, const char *s, size_t len, int64_t *out)
{
	char buf[16];
	int y, m, w;
	int32_t days;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (kind == KEY_DAY) {
		if (len != 10 || date_parse(buf, len, &days) < 0)
			return -1;
		*out = days;
		return 0;
	}
	if (kind == KEY_WEEK) {
		if (len != 8 || sscanf(buf, "%4d-W%2d", &y, &w) != 2 ||
		    w < 1 || w > 53)
			return -1;
		/* Monday of ISO week 1 is the Monday of the week of Jan 4 */
		days = date_week_start(date_from_ymd(y, 1, 4)) + (w - 1) * 7;
		*out = (days - date_week_start(0)) / 7;
		return 0;
	}
	if (len != 7 || sscanf(buf, "%4d-%2d", &y, &m) != 2 || m < 1 ||
	    m > 12)
		return -1;
	*out = (int64_t)y * 12 + (m - 1);
	return 0;
}

static char *
period_text(enum key_kind kind, int64_t ord)
{
	char buf[DATE_BUFSZ];

	if (kind == KEY_DAY)
		date_format_day((int32_t)ord, buf);
	else if (kind == KEY_WEEK)
		date_format_week((int32_t)(date_week_start(0) + ord * 7), buf);
	else
		snprintf(buf, sizeof(buf), "%04d-%02d", (int)(ord / 12),
		    (int)(ord % 12) + 1);
	return xstrdup(buf);
}

/* The first and last day of period `ord` of a time key of `kind`. */
static void
period_days(enum key_kind kind, int64_t ord, int32_t *first, int32_t *last)
{
	int y = (int)(ord / 12), m = (int)(ord % 12) + 1;

	if (kind == KEY_DAY) {
		*first = *last = (int32_t)ord;
	} else if (kind == KEY_WEEK) {
		*first = (int32_t)(date_week_start(0) + ord * 7);
		*last = *first + 6;
	} else {
		*first = date_from_ymd(y, m, 1);
		*last = date_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1,
		    1) - 1;
	}
}

/* Mark the periods (ordinals from `first`) the span does not wholly cover. */
static void
mark_partial(struct chart *c, enum key_kind kind, int64_t first,
    const struct chart_opts *opts)
{
	const int64_t day_ms = 86400000;
	int32_t d0, d1;
	size_t i;

	for (i = 0; opts->have_span && i < c->nperiods; i++) {
		period_days(kind, first + (int64_t)i, &d0, &d1);
		if (opts->span_start > d0 * day_ms ||
		    opts->span_end < (d1 + 1) * day_ms - 1) {
			c->partial[i] = 1;
			c->npartial++;
		}
	}
}

static void
build_stacked(struct chart *c, const struct view *v, int t, size_t top,
    const struct chart_opts *opts)
{
	const struct report_opts *o = v->o;
	enum key_kind kind = o->keys[t].kind;
	size_t n = v->n, i, j, nuniq = 0, nper = 0, keep, ns;
	struct st_entry *e = xcalloc(n ? n : 1, sizeof(*e));
	struct st_entry **ix = xcalloc(n ? n : 1, sizeof(*ix));
	struct st_series *ser = xcalloc(n ? n : 1, sizeof(*ser));
	struct st_series **rank = xcalloc(n ? n : 1, sizeof(*rank));
	struct metrics *cm;
	struct sbuf sb;
	int64_t *ord = NULL, first = 0, last = 0;
	int fill = 1;

	/* entries: each group's series key and period */
	sbuf_init(&sb, SIZE_MAX);
	for (i = 0; i < n; i++) {
		const struct view_row *r = &v->rows[i];
		size_t k, len;
		const char *p;

		if (r->key == NULL)	/* a folded row has no period */
			continue;
		sbuf_reset(&sb);
		for (k = 0; k < o->nkeys; k++) {
			p = agg_key_part(r->key, r->keylen, k, &len);
			if ((int)k == t) {
				e[i].period = p;
				e[i].plen = len;
			} else {
				agg_key_add(&sb, p, len);
			}
		}
		e[i].series = xstrndup(sb.buf, sb.len);
		e[i].slen = sb.len;
		e[i].m = &r->m;
		ix[nuniq++] = &e[i];
	}
	n = nuniq;
	sbuf_release(&sb);

	/* series: sum each one, rank by the drawn metric */
	qsort(ix, n, sizeof(*ix), st_by_series);
	nuniq = 0;
	for (i = 0; i < n; i++) {
		if (i == 0 || bytes_cmp(ix[i]->series, ix[i]->slen,
		    ix[i - 1]->series, ix[i - 1]->slen) != 0) {
			ser[nuniq].key = ix[i]->series;
			ser[nuniq].keylen = ix[i]->slen;
			nuniq++;
		}
		metrics_add_bounded(&ser[nuniq - 1].m, ix[i]->m);
		ix[i]->sidx = nuniq - 1;
	}
	for (i = 0; i < nuniq; i++) {
		ser[i].value = chart_metric(v, &ser[i].m, c->metric);
		rank[i] = &ser[i];
	}
	qsort(rank, nuniq, sizeof(*rank), st_series_rank);
	keep = top < CHART_MAX_SERIES ? top : CHART_MAX_SERIES;
	ns = nuniq > keep ? keep + 1 : nuniq;
	c->series_other = nuniq > keep;
	c->nseries = ns;
	c->series = xcalloc(ns ? ns : 1, sizeof(*c->series));
	for (i = 0; i < nuniq; i++) {
		rank[i]->rank = i < keep ? i : keep;
		if (i < keep)
			c->series[i] = key_label(rank[i]->key,
			    rank[i]->keylen, o->nkeys - 1, -1);
	}
	if (c->series_other)
		c->series[keep] = xstrdup("(other)");

	/* periods: in order, the gaps filled when every one parses */
	qsort(ix, n, sizeof(*ix), st_by_period);
	ord = xcalloc(n ? n : 1, sizeof(*ord));
	for (i = 0; i < n; i++) {
		if (i == 0 || bytes_cmp(ix[i]->period, ix[i]->plen,
		    ix[i - 1]->period, ix[i - 1]->plen) != 0)
			nper++;
		ix[i]->pidx = nper - 1;
		if (fill && period_ordinal(kind, ix[i]->period, ix[i]->plen,
		    &ord[nper - 1]) < 0)
			fill = 0;
	}
	if (nper > 0) {
		first = ord[0];
		last = ord[nper - 1];
		for (i = 1; i < nper; i++)
			if (ord[i] <= ord[i - 1])	/* not in time order */
				fill = 0;
		if (last - first >= MAX_PERIODS)
			fill = 0;
	}
	if (fill && nper > 0) {
		c->nperiods = (size_t)(last - first + 1);
		c->periods = xcalloc(c->nperiods, sizeof(*c->periods));
		for (i = 0; i < c->nperiods; i++)
			c->periods[i] = period_text(kind, first + (int64_t)i);
		for (i = 0; i < n; i++)
			ix[i]->pidx = (size_t)(ord[ix[i]->pidx] - first);
		c->partial = xcalloc(c->nperiods, 1);
		mark_partial(c, kind, first, opts);
	} else {
		c->nperiods = nper;
		c->periods = xcalloc(nper ? nper : 1, sizeof(*c->periods));
		for (i = 0; i < n; i++)
			if (c->periods[ix[i]->pidx] == NULL)
				c->periods[ix[i]->pidx] = chart_safe_text(
				    ix[i]->period, ix[i]->plen);
	}

	/* cells: the sums of each series in each period */
	cm = xcalloc(c->nperiods * ns + 1, sizeof(*cm));
	for (i = 0; i < n; i++)
		metrics_add_bounded(&cm[ix[i]->pidx * ns +
		    ser[ix[i]->sidx].rank], ix[i]->m);
	c->cells = xcalloc(c->nperiods * ns + 1, sizeof(*c->cells));
	c->period_totals = xcalloc(c->nperiods + 1, sizeof(*c->period_totals));
	for (i = 0; i < c->nperiods; i++)
		for (j = 0; j < ns; j++) {
			dec_t x = chart_metric(v, &cm[i * ns + j], c->metric);

			c->cells[i * ns + j] = x;
			c->period_totals[i] = dec_add_or_die(
			    c->period_totals[i], x, "a period's total");
		}

	free(cm);
	free(ord);
	for (i = 0; i < v->n; i++)
		free(e[i].series);
	free(e);
	free(ix);
	free(ser);
	free(rank);
}

void
chart_build(struct chart *c, const struct view *v,
    const struct chart_opts *opts, int width, int height)
{
	int t = chart_time_key(v->o);
	struct frame f;

	memset(c, 0, sizeof(*c));
	c->kind = t >= 0 ? CHART_STACKED : CHART_BARS;
	c->metric = v->sort_key >= 0 ? VM_CREDITS + CR_TOTAL : v->sort_metric;
	c->unit = metric_text(c->metric, 1);
	c->empty = v->n == 0;
	chart_titles(c, v, opts, t);
	c->scale = opts->scale;
	frame_make(&f, c, width, height);
	if (c->kind == CHART_BARS)
		build_bars(c, v, (size_t)((f.bottom - f.top) / ROW_MIN(&f)));
	else {
		build_stacked(c, v, t, opts->top ? opts->top :
		    CHART_TOP_SERIES, opts);
		c->marks = opts->marks;
		c->nmarks = opts->nmarks;
	}
	if (c->npartial > 0) {	/* the axis says what the mark means */
		char *a = xasprintf("%s (* partial %s: the data cover part "
		    "of it)", c->time_axis, v->o->keys[t].name);

		free(c->time_axis);
		c->time_axis = a;
	}
}

void
chart_set_span(struct chart_opts *co, const struct inputs *in,
    const struct report_opts *o, const struct report_result *r)
{
	const int64_t day_ms = 86400000;
	size_t i;

	co->have_span = in != NULL && in->n > 0;
	for (i = 0; co->have_span && i < in->n; i++) {
		const struct inputs_range *g = &in->ranges[i];

		if (!g->set) {
			co->have_span = 0;
		} else if (i == 0) {
			co->span_start = g->start;
			co->span_end = g->end;
		} else {
			co->span_start = g->start < co->span_start ?
			    g->start : co->span_start;
			co->span_end = g->end > co->span_end ? g->end :
			    co->span_end;
		}
	}
	if (!co->have_span && r->have_dates) {
		co->have_span = 1;
		co->span_start = r->first_date * day_ms;
		co->span_end = ((int64_t)r->last_date + 1) * day_ms - 1;
	}
	if (o->since != INT32_MIN && co->span_start < o->since * day_ms)
		co->span_start = o->since * day_ms;
	if (o->until != INT32_MAX && co->span_end >
	    ((int64_t)o->until + 1) * day_ms - 1)
		co->span_end = ((int64_t)o->until + 1) * day_ms - 1;
}

void
chart_release(struct chart *c)
{
	size_t i;

	free(c->title);
	free(c->subtitle);
	free(c->value_axis);
	free(c->time_axis);
	for (i = 0; i < c->nbars; i++)
		free(c->bars[i].label);
	free(c->bars);
	strv_free(c->series, c->nseries);
	strv_free(c->periods, c->nperiods);
	free(c->partial);
	free(c->cells);
	free(c->period_totals);
	memset(c, 0, sizeof(*c));
}

/* ---- the display list ---- */

static struct chart_shape *
shape_push(struct chart_draw *d, enum chart_shape_kind kind)
{
	struct chart_shape *s;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->s = xreallocarray(d->s, d->cap, sizeof(*d->s));
	}
	s = &d->s[d->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	return s;
}

/* A shape of `kind` at (x, y), w by h, in rgb; the rest zero. */
static struct chart_shape *
shape_place(struct chart_draw *d, enum chart_shape_kind kind, double x,
    double y, double w, double h, uint32_t rgb)
{
	struct chart_shape *s = shape_push(d, kind);

	s->x = x;
	s->y = y;
	s->w = w;
	s->h = h;
	s->rgb = rgb;
	return s;
}

static void
draw_rect(struct chart_draw *d, double x, double y, double w, double h,
    uint32_t rgb)
{
	shape_place(d, CS_RECT, x, y, w, h, rgb);
}

static void
draw_line(struct chart_draw *d, double x1, double y1, double x2, double y2,
    double width, uint32_t rgb)
{
	shape_place(d, CS_LINE, x1, y1, x2 - x1, y2 - y1, rgb)->size = width;
}

/* Draw text, taking ownership of `text`; nothing for "". */
static void
draw_text(struct chart_draw *d, double x, double y, char *text, double size,
    int bold, enum chart_anchor anchor, uint32_t rgb)
{
	struct chart_shape *s;

	if (text[0] == '\0') {
		free(text);
		return;
	}
	s = shape_place(d, CS_TEXT, x, y, 0, 0, rgb);
	s->text = text;
	s->size = size;
	s->bold = bold;
	s->anchor = anchor;
}

/* Begin a group; takes ownership of name, value and tip. */
static void
draw_group(struct chart_draw *d, const char *cls, char *name, char *value,
    char *tip)
{
	struct chart_shape *s = shape_push(d, CS_GROUP);

	s->cls = cls;
	s->name = name;
	s->value = value;
	s->text = tip;
}

static void
draw_end(struct chart_draw *d)
{
	shape_push(d, CS_END);
}

static char *
dec_text(dec_t v)
{
	char buf[DEC_BUFSZ];

	dec_format(v, buf);
	return xstrdup(buf);
}

/* "1,234 credits", "$12.50", "21.08%": a value with its unit. */
static char *
value_with_unit(const struct chart *c, dec_t v)
{
	char buf[64];

	chart_format_value(v, c->metric, buf);
	if (c->metric == VM_COST || c->metric == VM_SHARE)
		return xstrdup(buf);
	return xasprintf("%s %s", buf, c->unit);
}

/* The widest of the tick labels. */
static double
ticks_width(const struct chart_measure *m, const double *ticks, size_t n,
    double step, double size)
{
	char buf[64];
	double w = 0, x;
	size_t i;

	for (i = 0; i < n; i++) {
		chart_format_tick(ticks[i], step, buf);
		x = text_width(m, buf, size, 0);
		if (x > w)
			w = x;
	}
	return w;
}

#define MAX_TICKS 32

static void
layout_titles(struct chart_draw *d, const struct chart *c,
    const struct frame *f, const struct chart_measure *m)
{
	double w = d->width - 2 * f->pad;

	draw_text(d, f->pad, f->title_y, chart_ellipsize(c->title, w,
	    f->title_size, 1, m), f->title_size, 1, CA_START, COLOR_TEXT);
	draw_text(d, f->pad, f->sub_y, chart_ellipsize(c->subtitle, w,
	    f->sub_size, 0, m), f->sub_size, 0, CA_START, COLOR_MUTED);
}

static void
layout_bars(struct chart_draw *d, const struct chart *c,
    const struct frame *f, const struct chart_measure *m)
{
	double s = f->s, W = d->width;
	double row_h = (f->bottom - f->top) / (double)c->nbars;
	double fs = fmin(f->label_size, row_h * 0.72);
	double lw = 0, vw = 0, x0, x1, maxv = 0, step = 1, axis_max;
	double ticks[MAX_TICKS], prev = -1e300;
	char **vt = xcalloc(c->nbars, sizeof(*vt));
	char buf[64], sh[64];
	size_t i, nt = 0;
	int target;

	for (i = 0; i < c->nbars; i++) {
		const struct chart_bar *b = &c->bars[i];
		double x = chart_dec_double(b->value);

		chart_format_value(b->value, c->metric, buf);
		if (c->metric == VM_SHARE) {
			vt[i] = xstrdup(buf);
		} else {
			dec_format_fixed(dec_round(b->share, 1), 1, 0, sh);
			vt[i] = xasprintf("%s (%s%%)", buf, sh);
		}
		vw = fmax(vw, text_width(m, vt[i], fs, 0));
		lw = fmax(lw, text_width(m, b->label, fs, 0));
		if (x > maxv)
			maxv = x;
	}
	/* names take at most 30% of the width, and leave bars some room */
	lw = fmin(lw, 0.3 * W);
	lw = fmin(lw, W - 2 * f->pad - vw - 14 * s - 0.35 * W);
	if (lw < 20 * s)
		lw = 20 * s;
	x0 = f->pad + lw + 8 * s;
	x1 = W - f->pad - vw - 6 * s;
	if (x1 < x0 + 20 * s)
		x1 = x0 + 20 * s;

	/* as many ticks as fit with a gap between their labels */
	for (target = 7; target >= 1; target--) {
		nt = chart_ticks(maxv * HEADROOM, target, ticks, MAX_TICKS,
		    &step);
		if (nt < 2 || (x1 - x0) / (double)(nt - 1) >= ticks_width(m,
		    ticks, nt, step, f->tick_size) + 12 * s)
			break;
	}
	axis_max = ticks[nt - 1];
	for (i = 0; i < nt; i++) {
		double x = x0 + ticks[i] / axis_max * (x1 - x0), tw;

		if (i > 0)
			draw_line(d, x, f->top, x, f->bottom, 1, COLOR_GRID);
		/* on a narrow chart even two labels may not fit: skip any
		   that would touch the one before or leave the canvas */
		chart_format_tick(ticks[i], step, buf);
		tw = text_width(m, buf, f->tick_size, 0);
		if (x - tw / 2 < prev + 4 * s || x + tw / 2 > W)
			continue;
		prev = x + tw / 2;
		draw_text(d, x, f->bottom + 6 * s + f->tick_size, xstrdup(buf),
		    f->tick_size, 0, CA_MIDDLE, COLOR_MUTED);
	}
	draw_text(d, (x0 + x1) / 2, d->height - f->pad, xstrdup(c->value_axis),
	    f->axis_size, 0, CA_MIDDLE, COLOR_TEXT);

	for (i = 0; i < c->nbars; i++) {
		const struct chart_bar *b = &c->bars[i];
		double y = f->top + (double)i * row_h, bh = row_h * 0.68;
		double x = chart_dec_double(b->value), bw;
		char *tip, *val = value_with_unit(c, b->value);

		bw = x > 0 ? x / axis_max * (x1 - x0) : 0;
		if (c->metric == VM_SHARE) {
			tip = xasprintf("%s: %s", b->label, val);
		} else {
			dec_format_fixed(b->share, 2, 0, sh);
			tip = xasprintf("%s: %s (%s%% of the total)", b->label,
			    val, sh);
		}
		free(val);
		draw_group(d, "bar", xstrdup(b->label), dec_text(b->value),
		    tip);
		draw_rect(d, x0, y + (row_h - bh) / 2, bw, bh, b->other ?
		    COLOR_OTHER : COLOR_BAR);
		draw_text(d, x0 - 6 * s, y + row_h / 2 + fs * 0.36,
		    chart_ellipsize(b->label, lw, fs, 0, m), fs, 0, CA_END,
		    COLOR_TEXT);
		draw_text(d, x0 + bw + 5 * s, y + row_h / 2 + fs * 0.36, vt[i],
		    fs, 0, CA_START, COLOR_MUTED);
		draw_end(d);
	}
	draw_line(d, x0, f->top, x0, f->bottom, 1, COLOR_AXIS);
	free(vt);
}

static uint32_t
series_color(const struct chart *c, size_t i)
{
	if (c->series_other && i == c->nseries - 1)
		return COLOR_OTHER;
	return chart_palette[i % CHART_MAX_SERIES];
}

/* `mark` for a partial period i, else "". */
static const char *
period_mark(const struct chart *c, size_t i, const char *mark)
{
	return c->partial != NULL && c->partial[i] ? mark : "";
}

/*
 * The marks: a glyph just above each marked period's stack (kept below
 * the subtitle), with the mark's tooltip.
 */
static void
layout_marks(struct chart_draw *d, const struct chart *c,
    const struct frame *f, double left, double slot, double axis_max)
{
	double s = f->s, size = 13 * s, h, y;
	size_t k, i;

	for (k = 0; k < c->nmarks; k++) {
		const struct chart_mark *mk = &c->marks[k];

		for (i = 0; i < c->nperiods; i++)
			if (strcmp(c->periods[i], mk->period) == 0)
				break;
		if (i == c->nperiods)
			continue;
		h = chart_dec_double(c->period_totals[i]) / axis_max *
		    (f->bottom - f->top);
		y = fmax(f->bottom - h - 3 * s, f->top + size);
		draw_group(d, "mark", xstrdup(mk->period), dec_text(mk->value),
		    xstrdup(mk->tip));
		/* U+25BC, pointing at the stack */
		draw_text(d, left + ((double)i + 0.5) * slot, y,
		    xstrdup("\xe2\x96\xbc"), size, 0, CA_MIDDLE, COLOR_MARK);
		draw_end(d);
	}
}

static void
layout_stacked(struct chart_draw *d, const struct chart *c,
    const struct frame *f, const struct chart_measure *m)
{
	double s = f->s, W = d->width, H = d->height;
	double lw = 0, pw = 0, tw, sw = 12 * s, lx, left, right, slot, bw;
	double maxv = 0, step = 1, axis_max, plot_h = f->bottom - f->top;
	double ticks[MAX_TICKS];
	char buf[64];
	size_t i, j, nt = 0, every;
	int target;

	for (i = 0; i < c->nseries; i++)
		lw = fmax(lw, text_width(m, c->series[i], f->label_size, 0));
	lw = fmin(lw, 0.22 * W);
	lx = W - f->pad - sw - 6 * s - lw;
	for (i = 0; i < c->nperiods; i++) {
		/* a partial period's label has " *" more (about "00") */
		pw = fmax(pw, text_width(m, c->periods[i], f->tick_size, 0) +
		    (c->partial != NULL && c->partial[i] ?
		    text_width(m, " *", f->tick_size, 0) : 0));
		maxv = fmax(maxv, chart_dec_double(c->period_totals[i]));
	}
	right = lx - fmax(16 * s, pw / 2 + 6 * s);

	/* the value axis: ticks at least three label heights apart */
	target = (int)(plot_h / (3.2 * f->tick_size));
	if (target > 10)
		target = 10;
	nt = chart_ticks(maxv * HEADROOM, target, ticks, MAX_TICKS, &step);
	axis_max = ticks[nt - 1];
	tw = ticks_width(m, ticks, nt, step, f->tick_size);
	left = f->pad + f->axis_size + 8 * s + tw + 6 * s;
	if (right < left + 40 * s)
		right = left + 40 * s;
	for (i = 0; i < nt; i++) {
		double y = f->bottom - ticks[i] / axis_max * plot_h;

		if (i > 0)
			draw_line(d, left, y, right, y, 1, COLOR_GRID);
		chart_format_tick(ticks[i], step, buf);
		draw_text(d, left - 6 * s, y + f->tick_size * 0.36,
		    xstrdup(buf), f->tick_size, 0, CA_END, COLOR_MUTED);
	}
	{
		struct chart_shape *sh;

		draw_text(d, f->pad + f->axis_size, (f->top + f->bottom) / 2,
		    xstrdup(c->value_axis), f->axis_size, 0, CA_MIDDLE,
		    COLOR_TEXT);
		sh = &d->s[d->n - 1];
		sh->vertical = 1;
	}

	/* the stacks, the largest series at the bottom */
	slot = (right - left) / (double)c->nperiods;
	bw = slot >= 4 ? slot * 0.8 : slot;
	for (i = 0; i < c->nperiods; i++) {
		double x = left + (double)i * slot + (slot - bw) / 2;
		double y = f->bottom;
		char *val = value_with_unit(c, c->period_totals[i]);

		draw_group(d, "period", xstrdup(c->periods[i]),
		    dec_text(c->period_totals[i]), xasprintf("%s%s: %s",
		    c->periods[i], period_mark(c, i, " (partial)"), val));
		free(val);
		for (j = 0; j < c->nseries; j++) {
			dec_t v = c->cells[i * c->nseries + j];
			double h;

			if (v <= 0)
				continue;
			h = chart_dec_double(v) / axis_max * plot_h;
			val = value_with_unit(c, v);
			draw_group(d, "seg", xstrdup(c->series[j]), dec_text(v),
			    xasprintf("%s" DOT "%s: %s", c->periods[i],
			    c->series[j], val));
			free(val);
			draw_rect(d, x, y - h, bw, h, series_color(c, j));
			draw_end(d);
			y -= h;
		}
		draw_end(d);
	}
	draw_line(d, left, f->bottom, right, f->bottom, 1, COLOR_AXIS);
	layout_marks(d, c, f, left, slot, axis_max);

	/* period labels: every `every`-th, so that none overlap */
	every = (size_t)ceil((pw + 10 * s) / slot);
	if (every < 1)
		every = 1;
	for (i = 0; i < c->nperiods; i += every)
		draw_text(d, left + ((double)i + 0.5) * slot,
		    f->bottom + 6 * s + f->tick_size, xasprintf("%s%s",
		    c->periods[i], period_mark(c, i, " *")), f->tick_size, 0,
		    CA_MIDDLE, COLOR_MUTED);
	draw_text(d, (left + right) / 2, H - f->pad, xstrdup(c->time_axis),
	    f->axis_size, 0, CA_MIDDLE, COLOR_TEXT);

	/* the legend, top to bottom as the stacks are from top to bottom */
	for (i = 0; i < c->nseries; i++) {
		size_t k = c->nseries - 1 - i;
		double y = f->top + (double)i * 18 * s;

		if (y + 18 * s > f->bottom)
			break;
		draw_group(d, "legend", xstrdup(c->series[k]), NULL,
		    xstrdup(c->series[k]));
		draw_rect(d, lx, y, sw, sw, series_color(c, k));
		draw_text(d, lx + sw + 6 * s, y + sw - 1.5 * s,
		    chart_ellipsize(c->series[k], lw, f->label_size, 0, m),
		    f->label_size, 0, CA_START, COLOR_TEXT);
		draw_end(d);
	}
}

void
chart_layout(struct chart_draw *d, const struct chart *c, int width,
    int height, const struct chart_measure *m)
{
	struct frame f;

	memset(d, 0, sizeof(*d));
	d->width = width;
	d->height = height;
	d->background = COLOR_BG;
	d->desc = c->subtitle[0] ? xasprintf("%s" DOT "%s", c->title,
	    c->subtitle) : xstrdup(c->title);
	frame_make(&f, c, width, height);
	layout_titles(d, c, &f, m);
	if (c->empty || (c->kind == CHART_BARS && c->nbars == 0) ||
	    (c->kind == CHART_STACKED && c->nperiods == 0)) {
		draw_text(d, width / 2.0, height / 2.0,
		    xstrdup("No job runs to show"), 16 * f.s, 0, CA_MIDDLE,
		    COLOR_MUTED);
		return;
	}
	if (c->kind == CHART_BARS)
		layout_bars(d, c, &f, m);
	else
		layout_stacked(d, c, &f, m);
}

void
chart_draw_release(struct chart_draw *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->s[i].text);
		free(d->s[i].name);
		free(d->s[i].value);
	}
	free(d->s);
	free(d->desc);
	memset(d, 0, sizeof(*d));
}
