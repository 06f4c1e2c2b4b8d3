/*
 * rightsize.c: medians of utilization per job and resource class, from
 * the engine's grouping sets (the design is in rightsize.h).
 */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "rightsize.h"
#include "util.h"

#define RS_NKEYS 5

static const struct key_col rs_util_keys[RS_NCOLS] = {
	{ "cpu_median", COL_MEDIAN_CPU_UTILIZATION_PCT, KEY_STRING },
	{ "cpu_max", COL_MAX_CPU_UTILIZATION_PCT, KEY_STRING },
	{ "ram_median", COL_MEDIAN_RAM_UTILIZATION_PCT, KEY_STRING },
	{ "ram_max", COL_MAX_RAM_UTILIZATION_PCT, KEY_STRING },
};

static const char *const rs_heads[] = {
	"project", "workflow", "job", "resource_class", "executor", "runs",
	"cpu_median_pct", "cpu_max_pct", "ram_median_pct", "ram_max_pct",
	"verdict", "suggested_class", "monthly_savings_credits"
};
static const int rs_numeric[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1 };
#define RS_GRID_COLS 13

static const char *const rs_key_names[RS_NKEYS] = {
	"project", "workflow", "job", "resource_class", "executor"
};

/* The index of o's key `name`, added from `k` when missing; or -1. */
static int
rs_key(struct report_opts *o, const char *name, const struct key_col *k)
{
	size_t i;

	for (i = 0; i < o->nkeys; i++)
		if (strcmp(o->keys[i].name, name) == 0)
			return (int)i;
	if (o->nkeys == REPORT_MAX_KEYS)
		return -1;
	o->keys[o->nkeys] = *k;
	return (int)o->nkeys++;
}

int
rightsize_add_sets(struct report_opts *o)
{
	struct report_opts base;
	int idx[RS_NKEYS + RS_NCOLS];
	size_t s, k;

	if (o->nsets + RS_NCOLS > REPORT_MAX_SETS)
		return error("too many grouping sets (at most %d)",
		    REPORT_MAX_SETS);
	report_opts_init(&base);
	report_parse_by(&base, "job,resource_class,executor");
	for (k = 0; k < RS_NKEYS; k++)
		idx[k] = rs_key(o, rs_key_names[k], &base.keys[k]);
	for (s = 0; s < RS_NCOLS; s++)
		idx[RS_NKEYS + s] = rs_key(o, rs_util_keys[s].name,
		    &rs_util_keys[s]);
	report_opts_release(&base);
	for (k = 0; k < RS_NKEYS + RS_NCOLS; k++)
		if (idx[k] < 0)
			return error("too many keys (at most %d)",
			    REPORT_MAX_KEYS);
	for (s = 0; s < RS_NCOLS; s++) {
		struct report_set *set = &o->sets[o->nsets++];

		for (k = 0; k < RS_NKEYS; k++)
			set->keys[k] = (size_t)idx[k];
		set->keys[RS_NKEYS] = (size_t)idx[RS_NKEYS + s];
		set->nkeys = RS_NKEYS + 1;
	}
	return 0;
}

void
rightsize_report_opts(struct report_opts *o)
{
	o->nkeys = 0;
	o->nsets = 0;
	rightsize_add_sets(o);	/* cannot fail on empty opts */
}

/* The grouping set of rightsize for column c in so, or -1. */
static int
rs_find_set(const struct report_opts *so, size_t c)
{
	size_t s, k;

	for (s = 0; s < so->nsets; s++) {
		const struct report_set *set = &so->sets[s];

		if (set->nkeys != RS_NKEYS + 1 || strcmp(so->keys[
		    set->keys[RS_NKEYS]].name, rs_util_keys[c].name) != 0)
			continue;
		for (k = 0; k < RS_NKEYS; k++)
			if (strcmp(so->keys[set->keys[k]].name,
			    rs_key_names[k]) != 0)
				break;
		if (k == RS_NKEYS)
			return (int)s;
	}
	return -1;
}

const char *
rightsize_verdict_name(enum rightsize_verdict v)
{
	return v == RS_OVER ? "over" : v == RS_UNDER ? "under" : "ok";
}

enum rightsize_verdict
rightsize_verdict(dec_t cpu_max, dec_t ram_max,
    const struct rightsize_opts *ro)
{
	if (cpu_max < ro->under && ram_max < ro->under)
		return RS_OVER;
	if (cpu_max >= ro->over || ram_max >= ro->over)
		return RS_UNDER;
	return RS_OK;
}

static int
rs_bin_cmp(const void *pa, const void *pb)
{
	const struct rightsize_bin *a = pa, *b = pb;

	return a->value < b->value ? -1 : a->value > b->value;
}

int
rightsize_median(struct rightsize_bin *bins, size_t n, dec_t *out)
{
	uint64_t total = 0, seen = 0, want;
	size_t i;

	for (i = 0; i < n; i++)
		total += bins[i].count;
	if (total == 0)
		return -1;
	qsort(bins, n, sizeof(*bins), rs_bin_cmp);
	want = (total + 1) / 2;		/* the lower median, 1-based */
	for (i = 0; i < n; i++) {
		seen += bins[i].count;
		if (seen >= want) {
			*out = bins[i].value;
			return 0;
		}
	}
	return -1;		/* not reached */
}

/* A row being built: its key and one histogram per column. */
struct rs_acc {
	struct rightsize_row row;
	struct rightsize_bin *bins[RS_NCOLS];
	size_t nbins[RS_NCOLS];
};

static int
rs_key_cmp(const struct rightsize_row *a, const struct rightsize_row *b)
{
	size_t i;

	for (i = 0; i < RS_NKEYS; i++) {
		size_t la, lb;
		const char *pa = agg_key_part(a->key, a->keylen, i, &la);
		const char *pb = agg_key_part(b->key, b->keylen, i, &lb);
		int c = memcmp(pa, pb, la < lb ? la : lb);

		if (c != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return 0;
}

/* Largest savings first; then over, under, ok; then the keys. */
static int
rs_row_cmp(const void *pa, const void *pb)
{
	const struct rightsize_row *a = pa, *b = pb;
	static const int rank[] = { 2, 0, 1 };	/* ok, over, under */

	if (a->have_savings != b->have_savings)
		return a->have_savings ? -1 : 1;
	if (a->have_savings && a->savings != b->savings)
		return a->savings > b->savings ? -1 : 1;
	if (a->verdict != b->verdict)
		return rank[a->verdict] < rank[b->verdict] ? -1 : 1;
	return rs_key_cmp(a, b);
}

/* A utilization value: a number, not negative. */
static int
rs_value(const char *s, size_t len, dec_t *out)
{
	if (dec_parse(s, len, out) < 0 || *out < 0)
		return -1;
	return 0;
}

static void
rs_judge(struct rightsize_row *r, const struct rightsize_opts *ro,
    long span_days)
{
	const struct rate *cur;
	size_t exl, rcl;
	const char *ex, *rc;

	r->verdict = RS_OK;
	if (r->have[RS_CPU_MAX] && r->have[RS_RAM_MAX])
		r->verdict = rightsize_verdict(r->median[RS_CPU_MAX],
		    r->median[RS_RAM_MAX], ro);
	else if ((r->have[RS_CPU_MAX] && r->median[RS_CPU_MAX] >= ro->over) ||
	    (r->have[RS_RAM_MAX] && r->median[RS_RAM_MAX] >= ro->over))
		r->verdict = RS_UNDER;
	if (r->verdict != RS_OVER || ro->rates == NULL)
		return;
	rc = agg_key_part(r->key, r->keylen, 3, &rcl);
	ex = agg_key_part(r->key, r->keylen, 4, &exl);
	cur = rates_find(ro->rates, ex, exl, rc, rcl);
	if (cur == NULL || cur->next == NULL)
		return;
	r->suggested = rates_find(ro->rates, ex, exl, cur->next,
	    strlen(cur->next));
	if (r->suggested == NULL || !cur->priced || !r->suggested->priced ||
	    span_days <= 0)
		return;
	if (rates_savings(r->compute_credits, cur->per_min,
	    r->suggested->per_min, span_days, &r->savings) == 0)
		r->have_savings = 1;
}

int
rightsize_build(struct rightsize *rs, const struct report_opts *so,
    const struct report_result *res, const struct rightsize_opts *ro)
{
	struct agg idx;
	struct rs_acc *acc = NULL;
	size_t nacc = 0, s, i, c;
	int set[RS_NCOLS];

	memset(rs, 0, sizeof(*rs));
	for (c = 0; c < RS_NCOLS; c++)
		if ((set[c] = rs_find_set(so, c)) < 0)
			return error("rightsize: the report has no grouping "
			    "by %s", rs_util_keys[c].name);
	if (res->have_dates)
		rs->span_days = (long)res->last_date - res->first_date + 1;
	agg_init(&idx);
	for (s = 0; s < RS_NCOLS; s++) {
		const struct agg *a = report_set_groups(res, (size_t)set[s]);

		for (i = 0; i < a->n; i++) {
			const struct agg_group *g = &a->groups[i];
			size_t vlen, plen;
			const char *v = agg_key_part(g->key, g->keylen,
			    RS_NKEYS, &vlen);
			struct agg_group *ig;
			struct rs_acc *x;
			dec_t d;

			plen = (size_t)(v - g->key) - sizeof(uint32_t);
			ig = agg_get(&idx, g->key, plen, agg_hash(g->key,
			    plen));
			if (ig->m.jobs == 0) {
				acc = xreallocarray(acc, nacc + 1,
				    sizeof(*acc));
				memset(&acc[nacc], 0, sizeof(*acc));
				acc[nacc].row.key = xmalloc(plen ? plen : 1);
				memcpy(acc[nacc].row.key, g->key, plen);
				acc[nacc].row.keylen = plen;
				ig->m.jobs = ++nacc;
			}
			x = &acc[ig->m.jobs - 1];
			if (s == RS_CPU_MAX) {
				x->row.runs_all += g->m.jobs;
				x->row.compute_credits +=
				    g->m.credits[CR_COMPUTE];
			}
			if (vlen > 0 && rs_value(v, vlen, &d) < 0) {
				rs->bad_values += g->m.jobs;
				vlen = 0;
			}
			if (vlen == 0) {
				if (s == RS_CPU_MAX)
					rs->runs_without_util += g->m.jobs;
				continue;
			}
			if (s == RS_CPU_MAX)
				x->row.runs += g->m.jobs;
			x->bins[s] = xreallocarray(x->bins[s],
			    x->nbins[s] + 1, sizeof(*x->bins[s]));
			x->bins[s][x->nbins[s]].value = d;
			x->bins[s][x->nbins[s]++].count = g->m.jobs;
		}
	}
	agg_release(&idx);
	rs->rows = xcalloc(nacc ? nacc : 1, sizeof(*rs->rows));
	for (i = 0; i < nacc; i++) {
		struct rs_acc *x = &acc[i];

		for (c = 0; c < RS_NCOLS; c++) {
			x->row.have[c] = rightsize_median(x->bins[c],
			    x->nbins[c], &x->row.median[c]) == 0;
			free(x->bins[c]);
		}
		if (x->row.runs == 0 || x->row.runs < ro->min_runs) {
			if (x->row.runs > 0)
				rs->groups_below_min++;
			free(x->row.key);
			continue;
		}
		rs_judge(&x->row, ro, rs->span_days);
		rs->rows[rs->n++] = x->row;
	}
	free(acc);
	qsort(rs->rows, rs->n, sizeof(*rs->rows), rs_row_cmp);
	return 0;
}

void
rightsize_release(struct rightsize *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		free(rs->rows[i].key);
	free(rs->rows);
	memset(rs, 0, sizeof(*rs));
}

void
rightsize_grid(const struct rightsize *rs, size_t top, struct grid *g)
{
	size_t i, k, n = top && top < rs->n ? top : rs->n;
	char buf[DEC_BUFSZ + 8];

	grid_init(g, rs_heads, rs_numeric, RS_GRID_COLS, RS_NKEYS);
	for (i = 0; i < n; i++) {
		const struct rightsize_row *r = &rs->rows[i];
		size_t row = grid_row(g);

		for (k = 0; k < RS_NKEYS; k++) {
			size_t len;
			const char *p = agg_key_part(r->key, r->keylen, k,
			    &len);

			grid_set(g, row, k, p, len);
		}
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->runs);
		grid_setstr(g, row, 5, buf);
		for (k = 0; k < RS_NCOLS; k++) {
			if (!r->have[k])
				continue;
			dec_format(r->median[k], buf);
			grid_setstr(g, row, 6 + k, buf);
		}
		grid_setstr(g, row, 10, rightsize_verdict_name(r->verdict));
		if (r->suggested != NULL)
			grid_setstr(g, row, 11, r->suggested->resource_class);
		if (r->have_savings) {
			dec_format_fixed(r->savings, 2, 0, buf);
			grid_setstr(g, row, 12, buf);
		}
	}
}
