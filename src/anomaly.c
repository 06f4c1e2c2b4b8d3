/*
 * anomaly.c: spikes, new and stopped groups against each group's own
 * same-weekday baseline (anomaly.h), from one read grouped by the keys
 * and day, and by the keys, the next key and day.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "date.h"
#include "rollup.h"
#include "util.h"
#include "view.h"

static int
anomaly_dec_cmp(const void *pa, const void *pb)
{
	dec_t a = *(const dec_t *)pa, b = *(const dec_t *)pb;

	return a < b ? -1 : a > b;
}

dec_t
anomaly_median(dec_t *v, size_t n)
{
	dec_t sum;

	qsort(v, n, sizeof(*v), anomaly_dec_cmp);
	if (n % 2 == 1)
		return v[n / 2];
	/* values are at most 10^20 each: the sum fits in 128 bits */
	sum = v[n / 2 - 1] + v[n / 2];
	return sum >= 0 ? (sum + 1) / 2 : (sum - 1) / 2;
}

static double
anomaly_double(dec_t v)
{
	return (double)v / (double)DEC_ONE;
}

double
anomaly_spread(dec_t mad, dec_t median)
{
	double s = anomaly_double(mad) * ANOMALY_MAD_SCALE;
	double f = anomaly_double(median) * ANOMALY_FLOOR_SHARE;

	if (s < f)
		s = f;
	return s < ANOMALY_FLOOR_CREDITS ? ANOMALY_FLOOR_CREDITS : s;
}

void
anomaly_baseline(const dec_t *s, size_t d, size_t born, size_t weeks,
    struct anomaly_base *b)
{
	dec_t v[64], dev[64];
	size_t i;

	memset(b, 0, sizeof(*b));
	if (weeks > 64)
		weeks = 64;
	for (i = 1; i <= weeks && i * 7 <= d && d - i * 7 >= born; i++)
		v[b->n++] = s[d - i * 7];
	if (b->n == 0)
		return;
	b->median = anomaly_median(v, b->n);
	for (i = 0; i < b->n; i++)
		dev[i] = v[i] >= b->median ? v[i] - b->median :
		    b->median - v[i];
	b->mad = anomaly_median(dev, b->n);
	b->spread = anomaly_spread(b->mad, b->median);
}

enum anomaly_kind
anomaly_judge(const dec_t *s, size_t d, size_t born, size_t history,
    const struct anomaly_params *p, struct anomaly_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->credits = s[d];
	v->score = NAN;
	v->kind = ANOMALY_NONE;
	anomaly_baseline(s, d, born, p->weeks, &v->base);
	if (v->base.n == 0) {
		v->excess = s[d];
		if (born == d && d >= history + 7 && s[d] > 0 &&
		    s[d] >= p->min_excess)
			v->kind = ANOMALY_NEW;
		return v->kind;
	}
	v->excess = s[d] - v->base.median;
	v->score = anomaly_double(v->excess) / v->base.spread;
	if (v->score >= p->threshold && v->excess >= p->min_excess &&
	    v->excess > 0)
		v->kind = ANOMALY_SPIKE;
	return v->kind;
}

enum anomaly_kind
anomaly_stopped(const dec_t *s, size_t first, size_t last, size_t born,
    const struct anomaly_params *p, struct anomaly_verdict *v)
{
	struct anomaly_base b;
	size_t d;

	memset(v, 0, sizeof(*v));
	v->score = NAN;
	v->kind = ANOMALY_NONE;
	for (d = first; d <= last; d++)
		if (s[d] != 0)
			return ANOMALY_NONE;
	anomaly_baseline(s, first, born, p->weeks, &v->base);
	if (v->base.n == 0 || v->base.median <= 0 ||
	    v->base.median < p->min_excess)
		return ANOMALY_NONE;
	for (d = first; d <= last; d++) {
		anomaly_baseline(s, d, born, p->weeks, &b);
		/* medians of sums of the report's groups: bounded */
		v->excess = dec_add_or_die(v->excess, -b.median,
		    "credits missed");
	}
	v->kind = ANOMALY_STOPPED;
	return v->kind;
}

const char *
anomaly_next_key(const struct report_opts *byo)
{
	if (rollup_key_index(byo, "job") >= 0)
		return NULL;
	if (rollup_key_index(byo, "workflow") >= 0)
		return "job";
	if (rollup_key_index(byo, "project") >= 0)
		return "workflow";
	return NULL;
}

/*
 * Series per key: a table of keys (the keys without day) and, for each, a
 * day-by-day array of credits over the loaded days.
 */
struct anomaly_series {
	struct agg keys;	/* group i's key; its metrics unused */
	dec_t **s;		/* s[i][day - start] */
	size_t *parent;		/* a sub-group's group (its index) */
	size_t *born;		/* first day with credits, or len */
	size_t cap, len;
};

static void
anomaly_series_init(struct anomaly_series *a, size_t len)
{
	memset(a, 0, sizeof(*a));
	agg_init(&a->keys);
	a->len = len;
}

static void
anomaly_series_release(struct anomaly_series *a)
{
	size_t i;

	for (i = 0; i < a->keys.n; i++)
		free(a->s[i]);
	free(a->s);
	free(a->parent);
	free(a->born);
	agg_release(&a->keys);
}

/* The index of key's series, made if new. */
static size_t
anomaly_series_get(struct anomaly_series *a, const char *key, size_t len)
{
	size_t n = a->keys.n;
	const struct agg_group *g = agg_get(&a->keys, key, len,
	    agg_hash(key, len));
	size_t i = (size_t)(g - a->keys.groups);

	if (a->keys.n == n)
		return i;
	if (a->keys.n > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->s = xreallocarray(a->s, a->cap, sizeof(*a->s));
		a->parent = xreallocarray(a->parent, a->cap,
		    sizeof(*a->parent));
		a->born = xreallocarray(a->born, a->cap, sizeof(*a->born));
	}
	a->s[i] = xcalloc(a->len ? a->len : 1, sizeof(**a->s));
	a->parent[i] = 0;
	a->born[i] = a->len;
	return i;
}

/*
 * Fill a from the groups of one grouping (opts go): each group's key
 * without its day (and, for sub-groups, the parent's key without `next`
 * into parents, whose indexes go to a->parent).  Returns 0, or -1 after
 * an error.
 */
static int
anomaly_series_fill(struct anomaly_series *a, struct anomaly_series *parents,
    const struct report_opts *go, const struct agg *groups,
    const struct report_opts *byo, const char *next, int32_t start)
{
	struct sbuf key, pkey;
	int dayi = rollup_key_index(go, "day");
	int nexti = next != NULL ? rollup_key_index(go, next) : -1;
	size_t i, k, len;
	int ret = -1;

	sbuf_init(&key, 1 << 20);
	sbuf_init(&pkey, 1 << 20);
	if (dayi < 0) {
		error("anomalies: no day key in a grouping");
		goto out;
	}
	for (i = 0; i < groups->n; i++) {
		const struct agg_group *g = &groups->groups[i];
		const char *p;
		int32_t day;
		size_t si, di;

		p = agg_key_part(g->key, g->keylen, (size_t)dayi, &len);
		if (date_parse(p, len, &day) < 0 || day < start ||
		    (size_t)(day - start) >= a->len)
			continue;	/* outside the days loaded */
		di = (size_t)(day - start);
		sbuf_reset(&key);
		sbuf_reset(&pkey);
		/* the by keys in byo's order, then the next key */
		for (k = 0; k < byo->nkeys; k++) {
			int ki = rollup_key_index(go, byo->keys[k].name);

			p = agg_key_part(g->key, g->keylen, (size_t)ki, &len);
			agg_key_add(&key, p, len);
			agg_key_add(&pkey, p, len);
		}
		if (nexti >= 0) {
			p = agg_key_part(g->key, g->keylen, (size_t)nexti,
			    &len);
			agg_key_add(&key, p, len);
		}
		si = anomaly_series_get(a, key.buf, key.len);
		if (parents != NULL)
			a->parent[si] = anomaly_series_get(parents, pkey.buf,
			    pkey.len);
		a->s[si][di] = dec_add_or_die(a->s[si][di],
		    g->m.credits[CR_TOTAL], "TOTAL_CREDITS");
	}
	if (agg_check(&a->keys) < 0 ||
	    (parents != NULL && agg_check(&parents->keys) < 0))
		goto out;
	ret = 0;
out:
	sbuf_release(&pkey);
	sbuf_release(&key);
	return ret;
}

static void
anomaly_series_born(struct anomaly_series *a)
{
	size_t i, d;

	for (i = 0; i < a->keys.n; i++)
		for (d = 0; d < a->len; d++)
			if (a->s[i][d] != 0) {
				a->born[i] = d;
				break;
			}
}

struct anomaly_row {
	int32_t day;
	size_t group;		/* series index */
	struct anomaly_verdict v;
	long sub;		/* the contributor's series index, or -1 */
	dec_t sub_excess;
};

static size_t anomaly_nkeys;	/* for anomaly_row_cmp, qsort's */
static const struct anomaly_series *anomaly_cmp_groups;

static int
anomaly_row_cmp(const void *pa, const void *pb)
{
	const struct anomaly_row *a = pa, *b = pb;
	const struct agg_group *ga, *gb;

	if (a->v.excess != b->v.excess)
		return a->v.excess > b->v.excess ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	ga = &anomaly_cmp_groups->keys.groups[a->group];
	gb = &anomaly_cmp_groups->keys.groups[b->group];
	return view_key_cmp(ga->key, ga->keylen, gb->key, gb->keylen,
	    anomaly_nkeys);
}

/*
 * The sub-group of row->group that grew most on its day against its own
 * baseline (ties: the first in key order), into row->sub.
 */
static void
anomaly_contributor(const struct anomaly_series *sub,
    const struct anomaly_params *p, struct anomaly_row *row, size_t d)
{
	struct anomaly_base b;
	size_t i;
	dec_t grew;

	row->sub = -1;
	for (i = 0; i < sub->keys.n; i++) {
		if (sub->parent[i] != row->group || sub->born[i] > d)
			continue;
		anomaly_baseline(sub->s[i], d, sub->born[i], p->weeks, &b);
		grew = sub->s[i][d] - b.median;
		if (row->sub < 0 || grew > row->sub_excess ||
		    (grew == row->sub_excess && view_key_cmp(
		    sub->keys.groups[i].key, sub->keys.groups[i].keylen,
		    sub->keys.groups[row->sub].key,
		    sub->keys.groups[row->sub].keylen, anomaly_nkeys + 1) <
		    0)) {
			row->sub = (long)i;
			row->sub_excess = grew;
		}
	}
}

static const char *const anomaly_kind_names[] = {
	"", "spike", "new", "stopped"
};

static const char *const anomaly_heads[] = {
	"kind", "credits", "baseline", "excess_credits", "excess_usd",
	"score", "samples", "contributor", "contributor_excess_credits"
};
#define ANOMALY_NCOLS 9

static void
anomaly_grid_row(struct grid *gr, const struct anomaly_item *it, size_t nkeys,
    dec_t price)
{
	char buf[DATE_BUFSZ + 32];
	size_t row = grid_row(gr), c, len;
	const char *p;

	date_format_day(it->day, buf);
	grid_setstr(gr, row, 0, buf);
	for (c = 0; c < nkeys; c++) {
		p = agg_key_part(it->key, it->keylen, c, &len);
		grid_set(gr, row, 1 + c, p, len);
	}
	c = 1 + nkeys;
	grid_setstr(gr, row, c++, anomaly_kind_names[it->v.kind]);
	grid_set_num(gr, row, c++, GN_CREDITS, it->v.credits);
	if (it->v.base.n > 0)
		grid_set_num(gr, row, c, GN_CREDITS, it->v.base.median);
	c++;
	grid_set_num(gr, row, c++, GN_CREDITS, it->v.excess);
	grid_set_num(gr, row, c++, GN_USD, dec_cost_or_die(it->v.excess,
	    price));
	if (!isnan(it->v.score)) {
		snprintf(buf, sizeof(buf), "%.2f", it->v.score);
		grid_setstr(gr, row, c, buf);
	}
	c++;
	grid_set_num(gr, row, c++, GN_COUNT,
	    dec_from_int((int64_t)it->v.base.n));
	if (it->has_sub) {
		grid_set(gr, row, c++, it->sub, it->sublen);
		grid_set_num(gr, row, c, GN_CREDITS, it->sub_excess);
	}
}

/* What anomaly_find() keeps for the rows and their keys. */
struct anomaly_found {
	struct report_opts byo;		/* the by keys */
	struct anomaly_series gs, sub;
	struct anomaly_row *rows;
};

static void
anomaly_push(struct anomaly_row **rows, size_t *n, size_t *cap,
    const struct anomaly_row *row)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*rows = xreallocarray(*rows, *cap, sizeof(**rows));
	}
	(*rows)[(*n)++] = *row;
}

int
anomaly_find(const struct anomaly_run *r, struct anomaly_list *out)
{
	struct report_opts g0o, g1o;
	struct anomaly_found *f = xcalloc(1, sizeof(*f));
	size_t len = (size_t)(r->last - r->start + 1), first, i, d, k;
	size_t n = 0, cap = 0, history;
	int ret = -1, have_sub = r->next != NULL;

	memset(out, 0, sizeof(*out));
	out->priv = f;
	report_set_opts(r->so, 0, &g0o);
	report_set_opts(r->so, have_sub ? 1 : 0, &g1o);
	/* the by keys: set 0's without day */
	report_opts_init(&f->byo);
	for (k = 0; k < g0o.nkeys; k++)
		if (strcmp(g0o.keys[k].name, "day") != 0)
			f->byo.keys[f->byo.nkeys++] = g0o.keys[k];
	out->nkeys = f->byo.nkeys;
	for (k = 0; k < out->nkeys; k++)
		out->names[k] = f->byo.keys[k].name;
	anomaly_series_init(&f->gs, len);
	anomaly_series_init(&f->sub, len);
	if (anomaly_series_fill(&f->gs, NULL, &g0o,
	    report_set_groups(r->src, 0), &f->byo, NULL, r->start) < 0)
		goto out;
	if (have_sub && anomaly_series_fill(&f->sub, &f->gs, &g1o,
	    report_set_groups(r->src, 1), &f->byo, r->next, r->start) < 0)
		goto out;
	anomaly_series_born(&f->gs);
	anomaly_series_born(&f->sub);
	first = (size_t)(r->first - r->start);
	history = r->src->have_dates && r->src->first_date > r->start ?
	    (size_t)(r->src->first_date - r->start) : 0;
	/* a judged day needs its weekday a week before it in the data */
	if (r->src->have_dates && r->src->first_date > r->first - 7 &&
	    r->src->first_date <= r->last) {
		char from[DATE_BUFSZ], until[DATE_BUFSZ];

		date_format_day(r->src->first_date, from);
		date_format_day(r->src->first_date + 6 < r->last ?
		    r->src->first_date + 6 : r->last, until);
		warning("the data start on %s: the days to %s have no "
		    "baseline (their weekday a week before) and are not "
		    "judged; give the weeks before (--db with the history)",
		    from, until);
	}
	anomaly_nkeys = out->nkeys;
	for (i = 0; i < f->gs.keys.n; i++) {
		struct anomaly_row row;

		memset(&row, 0, sizeof(row));
		row.group = i;
		row.sub = -1;
		for (d = first; d < len; d++) {
			if (f->gs.born[i] > d)
				continue;
			if (anomaly_judge(f->gs.s[i], d, f->gs.born[i], history,
			    &r->p, &row.v) == ANOMALY_NONE)
				continue;
			row.day = r->start + (int32_t)d;
			if (have_sub)
				anomaly_contributor(&f->sub, &r->p, &row, d);
			anomaly_push(&f->rows, &n, &cap, &row);
		}
		if (f->gs.born[i] < first && anomaly_stopped(f->gs.s[i], first,
		    len - 1, f->gs.born[i], &r->p, &row.v) == ANOMALY_STOPPED) {
			row.day = r->first;
			row.sub = -1;
			anomaly_push(&f->rows, &n, &cap, &row);
		}
	}
	anomaly_cmp_groups = &f->gs;
	if (n > 0)
		qsort(f->rows, n, sizeof(*f->rows), anomaly_row_cmp);
	out->items = xcalloc(n ? n : 1, sizeof(*out->items));
	out->n = n;
	for (i = 0; i < n; i++) {
		const struct anomaly_row *row = &f->rows[i];
		struct anomaly_item *it = &out->items[i];
		const struct agg_group *g = &f->gs.keys.groups[row->group];

		it->day = row->day;
		it->key = g->key;
		it->keylen = g->keylen;
		it->v = row->v;
		if (row->sub >= 0) {
			g = &f->sub.keys.groups[row->sub];
			it->sub = agg_key_part(g->key, g->keylen, out->nkeys,
			    &it->sublen);
			it->sub_excess = row->sub_excess;
			it->has_sub = 1;
		}
	}
	ret = 0;
out:
	report_opts_release(&g1o);
	report_opts_release(&g0o);
	if (ret < 0)
		anomaly_list_release(out);
	return ret;
}

void
anomaly_list_release(struct anomaly_list *l)
{
	struct anomaly_found *f = l->priv;

	if (f != NULL) {
		free(f->rows);
		anomaly_series_release(&f->sub);
		anomaly_series_release(&f->gs);
		report_opts_release(&f->byo);
		free(f);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

const char *
anomaly_kind_name(enum anomaly_kind k)
{
	return anomaly_kind_names[k];
}

int
anomaly_list_write(const struct anomaly_run *r, const struct anomaly_list *l,
    const struct grid_out *dst)
{
	struct grid gr;
	const char *heads[REPORT_MAX_KEYS + ANOMALY_NCOLS + 1];
	int numeric[REPORT_MAX_KEYS + ANOMALY_NCOLS + 1];
	size_t i, k, nkeys = l->nkeys;
	char *meta, title[200], d1[DATE_BUFSZ], d2[DATE_BUFSZ];
	int ret;

	heads[0] = "day";
	numeric[0] = 0;
	for (k = 0; k < nkeys; k++) {
		heads[1 + k] = l->names[k];
		numeric[1 + k] = 0;
	}
	for (k = 0; k < ANOMALY_NCOLS; k++) {
		heads[1 + nkeys + k] = anomaly_heads[k];
		numeric[1 + nkeys + k] = k != 0 && k != 7;
	}
	grid_init(&gr, heads, numeric, 1 + nkeys + ANOMALY_NCOLS, 1 + nkeys);
	gr.csv_safe = dst->csv_safe;
	for (i = 0; i < l->n && (dst->top == 0 || i < dst->top); i++)
		anomaly_grid_row(&gr, &l->items[i], nkeys, r->price);
	date_format_day(r->first, d1);
	date_format_day(r->last, d2);
	snprintf(title, sizeof(title), "Anomalies from %s to %s: %zu", d1, d2,
	    l->n);
	meta = xasprintf("{\"first_day\": \"%s\", \"last_day\": \"%s\", "
	    "\"weeks\": %zu, \"threshold\": %g, \"anomalies\": %zu}", d1, d2,
	    r->p.weeks, r->p.threshold, l->n);
	ret = grid_write_file(&gr, NULL, title, meta, dst);
	free(meta);
	grid_release(&gr);
	return ret;
}

int
anomaly_write(const struct anomaly_run *r, const struct grid_out *dst)
{
	struct anomaly_list l;
	int ret;

	if (anomaly_find(r, &l) < 0)
		return -1;
	ret = anomaly_list_write(r, &l, dst);
	anomaly_list_release(&l);
	return ret;
}

int
anomaly_sets(struct anomaly_run *r, struct report_opts *ro, const char *by,
    const struct report_opts *byo, int32_t last, size_t days)
{
	const char *lists[2];
	char *l0, *l1 = NULL;
	int ret;

	r->last = last;
	r->first = last - (int32_t)days + 1;
	r->start = r->first - 7 * (int32_t)r->p.weeks;
	r->next = anomaly_next_key(byo);
	l0 = xasprintf("%s,day", by);
	lists[0] = l0;
	if (r->next != NULL) {
		l1 = xasprintf("%s,%s,day", by, r->next);
		lists[1] = l1;
	}
	ret = report_parse_sets(ro, lists, r->next != NULL ? 2 : 1);
	free(l0);
	free(l1);
	if (ret < 0)
		return -1;
	ro->since = r->start;
	ro->until = r->last;
	r->so = ro;
	return 0;
}

void
anomaly_params_default(struct anomaly_params *p)
{
	p->weeks = ANOMALY_WEEKS;
	p->threshold = strtod(ANOMALY_THRESHOLD, NULL);
	dec_parse(ANOMALY_MIN_EXCESS, strlen(ANOMALY_MIN_EXCESS),
	    &p->min_excess);
}
