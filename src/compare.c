/*
 * compare.c: pairing two reports' groups, the change per group, sorting,
 * --min-change and --top, and the table, CSV, JSON and markdown writers.
 */
#include "compare.h"

#include <stdlib.h>
#include <string.h>

#include "csvw.h"
#include "date.h"
#include "grid.h"
#include "jsonw.h"
#include "util.h"

static const char *const compare_trend_names[] = {
	"new", "gone", "up", "down", "same"
};

const char *
compare_trend_name(enum compare_trend t)
{
	return compare_trend_names[t];
}

static dec_t
compare_abs(dec_t v)
{
	return v < 0 ? -v : v;
}

void
compare_row_set(struct compare_row *r, dec_t prev, dec_t cur, int in_prev,
    int in_cur)
{
	char a[DEC_BUFSZ], b[DEC_BUFSZ];

	r->prev = prev;
	r->cur = cur;
	/* each side is at most 10^20 (report.h), the change up to twice */
	if (dec_sub(cur, prev, &r->change) < 0) {
		dec_format(prev, a);
		dec_format(cur, b);
		die(EXIT_BAD_INPUT, "the change from %s to %s credits passes "
		    "100000000000000000000, the largest kept exactly", a, b);
	}
	/* no percentage from 0, nor one past 10^20 % (from a tiny prev) */
	r->pct = 0;
	r->has_pct = prev != 0 && dec_percent(r->change, prev, &r->pct) == 0;
	if (in_cur && !in_prev) {
		r->trend = TREND_NEW;
	} else if (in_prev && !in_cur) {
		r->trend = TREND_GONE;
		r->has_pct = 1;
		r->pct = -100 * DEC_ONE;
	} else {
		r->trend = r->change > 0 ? TREND_UP : r->change < 0 ?
		    TREND_DOWN : TREND_SAME;
	}
}

/* qsort has no context argument in C11: sorts run on one thread. */
static size_t compare_nkeys;

static int
compare_group_cmp(const void *pa, const void *pb)
{
	const struct agg_group *a = *(const struct agg_group *const *)pa;
	const struct agg_group *b = *(const struct agg_group *const *)pb;

	return view_key_cmp(a->key, a->keylen, b->key, b->keylen,
	    compare_nkeys);
}

static int
compare_row_cmp(const void *pa, const void *pb)
{
	const struct compare_row *a = pa, *b = pb;
	dec_t x = compare_abs(a->change), y = compare_abs(b->change);

	if (x != y)
		return x > y ? -1 : 1;
	return view_key_cmp(a->key, a->keylen, b->key, b->keylen,
	    compare_nkeys);
}

/* The groups of `a`, sorted by key; free() the array. */
static const struct agg_group **
compare_sorted(const struct agg *a)
{
	const struct agg_group **g = xcalloc(a->n + 1, sizeof(*g));
	size_t i;

	for (i = 0; i < a->n; i++)
		g[i] = &a->groups[i];
	if (a->n > 1)
		qsort(g, a->n, sizeof(*g), compare_group_cmp);
	return g;
}

void
compare_build(struct compare *c, const struct report_opts *o,
    const struct report_result *prev, const struct report_result *cur)
{
	const struct agg_group **p, **q;
	size_t i = 0, j = 0, np = prev->groups.n, nq = cur->groups.n;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->prev = prev;
	c->cur = cur;
	compare_nkeys = o->nkeys;
	p = compare_sorted(&prev->groups);
	q = compare_sorted(&cur->groups);
	c->rows = xcalloc(np + nq + 1, sizeof(*c->rows));
	/* a merge of the two sorted lists */
	while (i < np || j < nq) {
		struct compare_row *r = &c->rows[c->n++];
		int d;

		if (i == np)
			d = 1;
		else if (j == nq)
			d = -1;
		else
			d = view_key_cmp(p[i]->key, p[i]->keylen,
			    q[j]->key, q[j]->keylen, o->nkeys);
		if (d < 0) {
			r->key = p[i]->key;
			r->keylen = p[i]->keylen;
			compare_row_set(r, p[i]->m.credits[CR_TOTAL], 0, 1, 0);
			i++;
		} else if (d > 0) {
			r->key = q[j]->key;
			r->keylen = q[j]->keylen;
			compare_row_set(r, 0, q[j]->m.credits[CR_TOTAL], 0, 1);
			j++;
		} else {
			r->key = q[j]->key;
			r->keylen = q[j]->keylen;
			compare_row_set(r, p[i]->m.credits[CR_TOTAL],
			    q[j]->m.credits[CR_TOTAL], 1, 1);
			i++;
			j++;
		}
		c->nnew += r->trend == TREND_NEW;
		c->ngone += r->trend == TREND_GONE;
	}
	free(p);
	free(q);
	if (c->n > 1)
		qsort(c->rows, c->n, sizeof(*c->rows), compare_row_cmp);
	c->groups = c->n;
	compare_row_set(&c->total, prev->totals.credits[CR_TOTAL],
	    cur->totals.credits[CR_TOTAL], 1, 1);
}

void
compare_limit(struct compare *c, dec_t min_change, size_t top)
{
	size_t i, n = 0;

	if (min_change > 0) {
		for (i = 0; i < c->n; i++)
			if (compare_abs(c->rows[i].change) >= min_change)
				c->rows[n++] = c->rows[i];
		c->hidden += c->n - n;
		c->n = n;
	}
	if (top > 0 && c->n > top) {
		struct compare_row other;
		dec_t p = 0, q = 0;

		for (i = top; i < c->n; i++) {
			/* sums of one report's groups: bounded */
			p = dec_add_or_die(p, c->rows[i].prev, "(other)");
			q = dec_add_or_die(q, c->rows[i].cur, "(other)");
		}
		memset(&other, 0, sizeof(other));
		compare_row_set(&other, p, q, 1, 1);
		c->folded += c->n - top;
		c->rows[top] = other;
		c->n = top + 1;
	}
}

void
compare_release(struct compare *c)
{
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

/* ---- writers ---- */

static const char *const compare_value_names[] = {
	"previous_credits", "current_credits", "change_credits", "change_pct",
	"trend"
};

/* The exact figures CSV and JSON write; pct into its own buffer. */
static void
compare_plain(const struct compare_row *r, char *prev, char *cur,
    char *change, char *pct)
{
	dec_format(r->prev, prev);
	dec_format(r->cur, cur);
	dec_format(r->change, change);
	if (r->has_pct)
		dec_format_fixed(r->pct, 2, 0, pct);
	else
		pct[0] = '\0';
}

static void
compare_write_csv(const struct compare *c, FILE *f)
{
	char b[4][DEC_BUFSZ];
	size_t i, k, len;

	for (k = 0; k < c->o->nkeys; k++)
		fprintf(f, "%s,", c->o->keys[k].name);
	fprintf(f, "%s,%s,%s,%s,%s\n", compare_value_names[0],
	    compare_value_names[1], compare_value_names[2],
	    compare_value_names[3], compare_value_names[4]);
	for (i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];

		for (k = 0; k < c->o->nkeys; k++) {
			const char *s = view_key_part(r->key, r->keylen, k,
			    &len);

			csvw_text(f, s, len, c->o->csv_safe);
			putc(',', f);
		}
		compare_plain(r, b[0], b[1], b[2], b[3]);
		fprintf(f, "%s,%s,%s,%s,%s\n", b[0], b[1], b[2], b[3],
		    compare_trend_name(r->trend));
	}
}

static void
compare_json_side(FILE *f, const char *name, const struct report_result *r)
{
	fprintf(f, "\"%s\": ", name);
	view_json_counts(f, r);
}

static void
compare_json_values(FILE *f, const struct compare_row *r, int trend)
{
	char b[4][DEC_BUFSZ];

	compare_plain(r, b[0], b[1], b[2], b[3]);
	fprintf(f, "\"%s\": %s, \"%s\": %s, \"%s\": %s, \"%s\": %s",
	    compare_value_names[0], b[0], compare_value_names[1], b[1],
	    compare_value_names[2], b[2], compare_value_names[3],
	    r->has_pct ? b[3] : "null");
	if (trend)
		fprintf(f, ", \"%s\": \"%s\"", compare_value_names[4],
		    compare_trend_name(r->trend));
}

static void
compare_write_json(const struct compare *c, FILE *f)
{
	size_t i, k, len;

	fputs("{\n  \"group_by\": [", f);
	for (k = 0; k < c->o->nkeys; k++)
		fprintf(f, "%s\"%s\"", k ? ", " : "", c->o->keys[k].name);
	fputs("],\n  \"rows\": [", f);
	for (i = 0; i < c->n; i++) {
		const struct compare_row *r = &c->rows[i];

		fputs(i ? ",\n    {" : "\n    {", f);
		for (k = 0; k < c->o->nkeys; k++) {
			const char *s = view_key_part(r->key, r->keylen, k,
			    &len);

			fprintf(f, "\"%s\": ", c->o->keys[k].name);
			jsonw_string(f, s, len);
			fputs(", ", f);
		}
		compare_json_values(f, r, 1);
		putc('}', f);
	}
	fputs(c->n ? "\n  ],\n" : "],\n", f);
	fputs("  \"totals\": {", f);
	compare_json_values(f, &c->total, 0);
	fputs("},\n", f);
	fprintf(f, "  \"meta\": {\"groups\": %zu, \"new\": %zu, \"gone\": %zu, "
	    "\"hidden\": %zu, \"folded\": %zu,\n    ", c->groups, c->nnew,
	    c->ngone, c->hidden, c->folded);
	compare_json_side(f, "previous", c->prev);
	fputs(",\n    ", f);
	compare_json_side(f, "current", c->cur);
	fputs("}\n}\n", f);
}

/* ---- table and markdown ---- */

/* `v` with 2 decimals and thousands separators; `sign`: a + for gains. */
static char *
compare_human_dec(dec_t v, int sign, const char *suffix)
{
	char buf[DEC_BUFSZ + 16];

	dec_format_fixed(v, 2, ',', buf);
	return xasprintf("%s%s%s", sign && dec_round(v, 2) > 0 ? "+" : "",
	    buf, suffix);
}

static void
compare_period(const struct report_result *r, char *buf, size_t len)
{
	date_format_period(r->have_dates, r->first_date, r->last_date,
	    "(no dates)", buf, len);
}

/* Row r's values and trend into row `row` of g, after its nk keys. */
static void
compare_grid_values(struct grid *g, size_t row, const struct compare_row *r,
    int trend)
{
	size_t nk = g->nkeys;
	char *t[4];
	size_t k;

	t[0] = compare_human_dec(r->prev, 0, "");
	t[1] = compare_human_dec(r->cur, 0, "");
	t[2] = compare_human_dec(r->change, 1, "");
	t[3] = r->has_pct ? compare_human_dec(r->pct, 1, "%") : xstrdup("");
	for (k = 0; k < 4; k++) {
		grid_setstr(g, row, nk + k, t[k]);
		free(t[k]);
	}
	if (trend)
		grid_setstr(g, row, nk + 4, compare_trend_name(r->trend));
}

/* The table and markdown: a grid (grid.h) of the rows and the total. */
static void
compare_write_human(const struct compare *c, FILE *f, int md)
{
	size_t nk = c->o->nkeys, ncol = nk + 5;
	const char *heads[REPORT_MAX_KEYS + 5] = { NULL };
	int numeric[REPORT_MAX_KEYS + 5] = { 0 };
	static const char *const value_heads[] = {
		"previous", "current", "change", "change_pct", "trend"
	};
	char pp[64], cp[64];
	struct grid g, totals;
	size_t i, j, k, row;

	for (j = 0; j < ncol; j++) {
		heads[j] = j < nk ? c->o->keys[j].name : value_heads[j - nk];
		/* keys and the trend left, the numbers right */
		numeric[j] = j >= nk && j + 1 < ncol;
	}
	grid_init(&g, heads, numeric, ncol, nk);
	grid_init(&totals, heads, numeric, ncol, nk);
	g.trim_last = 1;	/* the total's trend: no trailing blanks */
	for (i = 0; i < c->n; i++) {
		row = grid_row(&g);
		grid_set_key(&g, row, c->rows[i].key, c->rows[i].keylen, nk);
		compare_grid_values(&g, row, &c->rows[i], 1);
	}
	row = grid_row(&totals);
	if (nk > 0)
		grid_setstr(&totals, row, 0, "TOTAL");
	compare_grid_values(&totals, row, &c->total, 0);

	compare_period(c->prev, pp, sizeof(pp));
	compare_period(c->cur, cp, sizeof(cp));
	fprintf(f, "%sCircleCI usage by ", md ? "**" : "");
	for (k = 0; k < nk; k++)
		fprintf(f, "%s%s", k ? ", " : "", c->o->keys[k].name);
	fprintf(f, "%s: %s against %s\n", md ? "**" : "", cp, pp);
	fprintf(f, "%s%zu group%s: %zu new, %zu gone", md ? "\n" : "",
	    c->groups, c->groups == 1 ? "" : "s", c->nnew, c->ngone);
	if (c->hidden)
		fprintf(f, ", %zu hidden by --min-change", c->hidden);
	if (c->folded)
		fprintf(f, ", %zu folded into (other)", c->folded);
	fputs("\n\n", f);
	grid_write(&g, &totals, NULL, NULL, f, md ? FMT_MARKDOWN : FMT_TABLE);
	grid_release(&g);
	grid_release(&totals);
}

int
compare_write(const struct compare *c, FILE *f, enum view_format fmt)
{
	if (fmt == FMT_CSV)
		compare_write_csv(c, f);
	else if (fmt == FMT_JSON)
		compare_write_json(c, f);
	else
		compare_write_human(c, f, fmt == FMT_MARKDOWN);
	return ferror(f) ? -1 : 0;
}
