/*
 * rightsize.c: medians of utilization per job and resource class, from
 * the engine's grouping sets (the design is in rightsize.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "date.h"
#include "rightsize.h"
#include "util.h"
#include "view.h"

#define RS_NKEYS 5

static const char *const rs_heads[] = {
	"project", "workflow", "job", "resource_class", "executor", "runs",
	"cpu_median_pct", "cpu_max_pct", "ram_median_pct", "ram_max_pct",
	"verdict", "suggested_class", "monthly_savings_credits",
	"monthly_savings_usd", "reason"
};
static const int rs_numeric[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1,
	0 };
#define RS_GRID_COLS 15

static const char *const rs_key_names[RS_NKEYS] = {
	"project", "workflow", "job", "resource_class", "executor"
};

void
rightsize_opts_init(struct rightsize_opts *ro, const struct rates *rates)
{
	memset(ro, 0, sizeof(*ro));
	ro->min_runs = 10;
	ro->under = 40 * DEC_ONE;
	ro->over = 90 * DEC_ONE;
	ro->rates = rates;
	ro->price = DEC_ONE / 10000 * 6;	/* 0.0006, the default */
}

int
rightsize_enable(struct report_opts *o)
{
	size_t k;

	for (k = 0; k < RS_NKEYS; k++) {
		size_t c = o->nsets ? o->sets[0].keys[k] : k;

		if ((o->nsets ? o->sets[0].nkeys : o->nkeys) <= k ||
		    strcmp(o->keys[c].name, rs_key_names[k]) != 0)
			return error("rightsize: the first grouping must "
			    "start with project, workflow, job, "
			    "resource_class, executor");
	}
	o->want_util = 1;
	return 0;
}

void
rightsize_report_opts(struct report_opts *o)
{
	o->nsets = 0;
	report_parse_by(o, "job,resource_class,executor");
	o->want_util = 1;
}

const char *
rightsize_verdict_name(enum rightsize_verdict v)
{
	return v == RS_OVER ? "over" : v == RS_UNDER ? "under" :
	    v == RS_NA ? "n/a" : "ok";
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
	size_t nbins[RS_NCOLS], cap[RS_NCOLS];
};

/*
 * Room for one more of n in *v (cap of them): doubled, not one more each
 * time, which copied the arrays over and over (a third of run's time).
 */
static void *
rs_grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 8;
	return xreallocarray(v, *cap, size);
}

/* Largest savings first; then over, under, ok; then the keys. */
static int
rs_row_cmp(const void *pa, const void *pb)
{
	const struct rightsize_row *a = pa, *b = pb;
	static const int rank[] = { 2, 0, 1, 3 };	/* ok over under n/a */

	if (a->have_savings != b->have_savings)
		return a->have_savings ? -1 : 1;
	if (a->have_savings && a->savings != b->savings)
		return a->savings > b->savings ? -1 : 1;
	if (a->verdict != b->verdict)
		return rank[a->verdict] < rank[b->verdict] ? -1 : 1;
	return view_key_cmp(a->key, a->keylen, b->key, b->keylen, RS_NKEYS);
}

/* Say n/a, and why. */
static void
rs_na(struct rightsize_row *r, const char *reason)
{
	r->verdict = RS_NA;
	r->reason = reason;
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
	if (r->verdict == RS_OK || ro->rates == NULL)
		return;
	rc = agg_key_part(r->key, r->keylen, 3, &rcl);
	ex = agg_key_part(r->key, r->keylen, 4, &exl);
	cur = rates_find(ro->rates, ex, exl, rc, rcl);
	if (cur == NULL) {
		rs_na(r, str_ieq(ex, exl, "runner") ? "a self-hosted runner: "
		    "sized on the runner, not by class" : "a class not in the "
		    "rates table");
		return;
	}
	if (r->verdict == RS_OVER) {
		r->suggested = cur->next == NULL ? NULL : rates_find(ro->rates,
		    ex, exl, cur->next, strlen(cur->next));
		if (r->suggested == NULL) {
			rs_na(r, "no smaller class of the same executor and "
			    "family");
			return;
		}
	} else if ((r->suggested = rates_larger(ro->rates, cur)) == NULL) {
		rs_na(r, "no larger class of the same executor and family");
		return;
	}
	if (!cur->priced || !r->suggested->priced || span_days <= 0)
		return;
	/* moving up: the savings are below 0, the extra cost */
	if (rates_savings(r->compute_credits, cur->per_min,
	    r->suggested->per_min, span_days, &r->savings) == 0) {
		r->have_savings = 1;
		r->savings_usd = dec_cost_or_die(r->savings, ro->price);
	}
}

int
rightsize_build(struct rightsize *rs, const struct report_opts *so,
    const struct report_result *res, const struct rightsize_opts *ro)
{
	struct report_opts one;
	struct agg idx;
	struct rs_acc *acc = NULL;
	uint32_t *row_of;	/* res->groups index -> acc index */
	size_t nacc = 0, cacc = 0, i, c;

	memset(rs, 0, sizeof(*rs));
	report_set_opts(so, 0, &one);
	for (i = 0; i < RS_NKEYS; i++)
		if (one.nkeys <= i || strcmp(one.keys[i].name,
		    rs_key_names[i]) != 0 || !so->want_util) {
			report_opts_release(&one);
			return error("rightsize: the report was not made for "
			    "it (rightsize_report_opts)");
		}
	report_opts_release(&one);
	if (res->have_dates)
		rs->span_days = (long)res->last_date - res->first_date + 1;
	rs->bad_values = res->util_bad;
	/* rows: the groups' first five keys (html's groups add status) */
	agg_init(&idx);
	row_of = xcalloc(res->groups.n ? res->groups.n : 1, sizeof(*row_of));
	for (i = 0; i < res->groups.n; i++) {
		const struct agg_group *g = &res->groups.groups[i];
		size_t len, plen;
		struct agg_group *ig;
		struct rs_acc *x;
		const char *v = agg_key_part(g->key, g->keylen, RS_NKEYS - 1,
		    &len);

		plen = (size_t)(v - g->key) + len;	/* the first five */
		ig = agg_get(&idx, g->key, plen, agg_hash(g->key, plen));
		if (ig->m.jobs == 0) {
			acc = rs_grow(acc, nacc, &cacc, sizeof(*acc));
			memset(&acc[nacc], 0, sizeof(*acc));
			acc[nacc].row.key = xmalloc(plen ? plen : 1);
			memcpy(acc[nacc].row.key, g->key, plen);
			acc[nacc].row.keylen = plen;
			ig->m.jobs = ++nacc;
		}
		row_of[i] = (uint32_t)(ig->m.jobs - 1);
		x = &acc[row_of[i]];
		x->row.runs_all += g->m.jobs;
		/* sums of the report's groups: bounded (report.h) */
		x->row.compute_credits = dec_add_or_die(x->row.compute_credits,
		    g->m.credits[CR_COMPUTE], "COMPUTE_CREDITS");
	}
	agg_release(&idx);
	for (i = 0; i < res->util.n; i++) {
		const struct utilhist_bin *b = &res->util.bins[i];
		struct rs_acc *x = &acc[row_of[b->group]];

		if (b->col == RS_CPU_MAX)
			x->row.runs += b->count;
		x->bins[b->col] = rs_grow(x->bins[b->col], x->nbins[b->col],
		    &x->cap[b->col], sizeof(*x->bins[b->col]));
		x->bins[b->col][x->nbins[b->col]].value =
		    (dec_t)b->value * (DEC_ONE / 1000000);
		x->bins[b->col][x->nbins[b->col]++].count = b->count;
	}
	free(row_of);
	rs->rows = xcalloc(nacc ? nacc : 1, sizeof(*rs->rows));
	for (i = 0; i < nacc; i++) {
		struct rs_acc *x = &acc[i];

		rs->runs_without_util += x->row.runs_all - x->row.runs;
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
	g->trim_last = 1;	/* the reason, when there is none */
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
			grid_set_num(g, row, 12, GN_USD, r->savings);
			grid_set_num(g, row, 13, GN_USD, r->savings_usd);
		}
		if (r->reason != NULL)
			grid_setstr(g, row, 14, r->reason);
	}
}

/* The JSON meta object of `rightsize`.  The caller frees it. */
static char *
rightsize_meta(const struct report_result *r, const struct rightsize *rs,
    const struct rightsize_opts *ro, const char *rates_path)
{
	char d1[DATE_BUFSZ], d2[DATE_BUFSZ], u[DEC_BUFSZ], o[DEC_BUFSZ];
	struct sbuf sb;

	sbuf_init(&sb, 1 << 20);
	dec_format(ro->under, u);
	dec_format(ro->over, o);
	sbuf_addf(&sb, "{\"files\": %llu, \"rows_read\": %llu, "
	    "\"rows_skipped\": %llu, \"duplicates\": %llu, "
	    "\"runs_without_utilization\": %llu, "
	    "\"groups_below_min_runs\": %llu, \"bad_values\": %llu, "
	    "\"min_runs\": %llu, \"under_pct\": %s, \"over_pct\": %s, "
	    "\"span_days\": %ld, ",
	    (unsigned long long)r->files, (unsigned long long)r->rows_read,
	    (unsigned long long)r->rows_skipped,
	    (unsigned long long)r->duplicates,
	    (unsigned long long)rs->runs_without_util,
	    (unsigned long long)rs->groups_below_min,
	    (unsigned long long)rs->bad_values,
	    (unsigned long long)ro->min_runs, u, o, rs->span_days);
	if (r->have_dates) {
		date_format_day(r->first_date, d1);
		date_format_day(r->last_date, d2);
		sbuf_addf(&sb, "\"first_date\": \"%s\", "
		    "\"last_date\": \"%s\", ", d1, d2);
	} else {
		sbuf_addstr(&sb, "\"first_date\": null, \"last_date\": null, ");
	}
	sbuf_addstr(&sb, "\"rates\": ");
	if (rates_path == NULL) {
		sbuf_addstr(&sb, "null}");
	} else {
		/* through jsonw_string, to a memory stream */
		char *buf = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m != NULL) {
			jsonw_string(m, rates_path, strlen(rates_path));
			fclose(m);
			sbuf_add(&sb, buf, len);
		} else {
			sbuf_addstr(&sb, "null");
		}
		free(buf);
		sbuf_addch(&sb, '}');
	}
	return sbuf_detach(&sb);
}

int
rightsize_write(const struct report_opts *so, const struct report_result *res,
    const struct rightsize_opts *ro, const char *rates_path, int quiet,
    const struct grid_out *dst)
{
	struct rightsize rs;
	int ret;

	if (rightsize_build(&rs, so, res, ro) < 0)
		return -1;
	ret = rightsize_write_built(&rs, res, ro, rates_path, quiet, dst);
	rightsize_release(&rs);
	return ret;
}

int
rightsize_write_built(const struct rightsize *rs,
    const struct report_result *res, const struct rightsize_opts *ro,
    const char *rates_path, int quiet, const struct grid_out *dst)
{
	struct grid g;
	char *meta, title[200];
	int ret;

	if (rs->runs_without_util > 0 && !quiet)
		notice("rightsize: %llu job run%s without utilization data "
		    "left out", (unsigned long long)rs->runs_without_util,
		    rs->runs_without_util == 1 ? "" : "s");
	if (rs->bad_values > 0)
		warning("rightsize: %llu utilization value%s not a number "
		    "of at least 0, taken as no data",
		    (unsigned long long)rs->bad_values,
		    rs->bad_values == 1 ? " is" : "s are");
	rightsize_grid(rs, dst->top, &g);
	g.csv_safe = dst->csv_safe;
	meta = rightsize_meta(res, rs, ro, rates_path);
	snprintf(title, sizeof(title), "Rightsizing: %zu groups with at least "
	    "%llu runs; %llu runs without utilization left out", rs->n,
	    (unsigned long long)ro->min_runs,
	    (unsigned long long)rs->runs_without_util);
	ret = grid_write_file(&g, NULL, title, meta, dst);
	free(meta);
	grid_release(&g);
	return ret;
}
