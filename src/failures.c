/*
 * failures.c: the cost of failing jobs (failures.h), rolled up from a
 * report by job and status without reading the exports again.
 */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "date.h"
#include "failures.h"
#include "rollup.h"
#include "util.h"
#include "view.h"

/* the columns after the keys */
static const char *const failures_heads[] = {
	"runs", "wasted_runs", "failure_rate_pct", "wasted_credits",
	"wasted_usd", "waste_share_pct", "own_waste_pct",
	/* last, so that the columns before keep their places */
	"retried_runs", "retry_credits", "retry_usd"
};
#define FAILURES_NMETRICS 10

int
failures_is_waste(char *const *waste, size_t nwaste, const char *s,
    size_t len)
{
	size_t i;

	for (i = 0; i < nwaste; i++)
		if (str_ieq(s, len, waste[i]))
			return 1;
	return 0;
}

struct failures_list {
	char *const *st;
	size_t n;
};

/* rollup filter: a group whose status is in the waste set */
static int
failures_keep(void *ctx, const struct report_opts *so, const char *key,
    size_t keylen)
{
	const struct failures_list *l = ctx;
	size_t len;
	const char *s = agg_key_part(key, keylen,
	    (size_t)rollup_key_index(so, "status"), &len);

	return failures_is_waste(l->st, l->n, s, len);
}

static size_t failures_nkeys;	/* for failures_row_cmp, qsort's */

static int
failures_row_cmp(const void *pa, const void *pb)
{
	const struct failures_row *a = pa, *b = pb;

	if (a->wasted_credits != b->wasted_credits)
		return a->wasted_credits > b->wasted_credits ? -1 : 1;
	if (a->wasted_runs != b->wasted_runs)
		return a->wasted_runs > b->wasted_runs ? -1 : 1;
	return view_key_cmp(a->key, a->keylen, b->key, b->keylen,
	    failures_nkeys);
}

/* The rates and shares of r: all_waste is every group's wasted credits. */
static void
failures_derive(struct failures_row *r, dec_t all_waste, dec_t price)
{
	r->failure_rate_pct = dec_percent_or_die(dec_from_int((int64_t)
	    r->wasted_runs), dec_from_int((int64_t)r->runs), "failure rate");
	r->wasted_usd = dec_cost_or_die(r->wasted_credits, price);
	r->waste_share_pct = dec_percent_or_die(r->wasted_credits, all_waste,
	    "share of the credits wasted");
	r->own_waste_pct = dec_percent_or_die(r->wasted_credits, r->credits,
	    "share of a group's credits wasted");
	r->retry_usd = dec_cost_or_die(r->retry_credits, price);
}

void
failures_want_retry(struct report_opts *so, char *const *waste,
    size_t nwaste)
{
	so->want_retry = 1;
	so->retry_waste = waste;
	so->nretry_waste = nwaste;
}

/*
 * The retry cost of f's rows, from src->retry (keyed as src's first
 * grouping) rolled up by `by` as f->all was.  Returns 0, or -1 after an
 * error (the first grouping lacks a key of `by`).
 */
static int
failures_retry(struct failures *f, const struct report_opts *so,
    const struct report_result *src, const char *by)
{
	struct report_opts s0o, ro;
	struct report_result tmp, rr;
	size_t i;
	int ret;

	/* src->retry as a report of its own: the groups only, borrowed */
	memset(&tmp, 0, sizeof(tmp));
	tmp.groups = src->retry;
	report_set_opts(so, 0, &s0o);
	ret = rollup_build(&ro, &rr, &s0o, &tmp, by, NULL);
	for (i = 0; ret == 0 && i < f->n; i++) {
		struct failures_row *r = &f->rows[i];
		const struct agg_group *g = agg_get(&rr.groups, r->key,
		    r->keylen, agg_hash(r->key, r->keylen));

		r->retried_runs = g->m.jobs;
		r->retry_credits = g->m.credits[CR_TOTAL];
		f->totals.retried_runs += r->retried_runs;
		/* parts of the wasted credits: bounded as they are */
		f->totals.retry_credits = dec_add_or_die(
		    f->totals.retry_credits, r->retry_credits,
		    "credits on retried runs");
	}
	report_result_release(&rr);
	report_opts_release(&ro);
	report_opts_release(&s0o);
	return ret;
}

int
failures_build(struct failures *f, const struct report_opts *so,
    const struct report_result *src, const char *by, char *const *waste,
    size_t nwaste, dec_t price)
{
	struct failures_list list = { waste, nwaste };
	struct rollup_filter flt = { failures_keep, NULL, "status" };
	struct report_opts wo;
	struct report_result wr;
	size_t i;

	memset(f, 0, sizeof(*f));
	flt.ctx = &list;
	/* a failed rollup_build still leaves opts and result to release */
	if (rollup_build(&f->o, &f->all, so, src, by, NULL) < 0) {
		failures_release(f);
		return -1;
	}
	if (rollup_build(&wo, &wr, so, src, by, &flt) < 0) {
		report_result_release(&wr);
		report_opts_release(&wo);
		failures_release(f);
		return -1;
	}
	f->n = f->all.groups.n;
	f->rows = xcalloc(f->n ? f->n : 1, sizeof(*f->rows));
	for (i = 0; i < f->n; i++) {
		const struct agg_group *g = &f->all.groups.groups[i];
		struct failures_row *r = &f->rows[i];
		const struct agg_group *w;

		r->key = g->key;
		r->keylen = g->keylen;
		r->runs = g->m.jobs;
		r->credits = g->m.credits[CR_TOTAL];
		w = agg_get(&wr.groups, g->key, g->keylen, g->hash);
		r->wasted_runs = w->m.jobs;
		r->wasted_credits = w->m.credits[CR_TOTAL];
		f->totals.runs += r->runs;
		f->totals.wasted_runs += r->wasted_runs;
		/* sums of the report's groups: bounded (report.h) */
		f->totals.credits = dec_add_or_die(f->totals.credits,
		    r->credits, "TOTAL_CREDITS");
		f->totals.wasted_credits = dec_add_or_die(
		    f->totals.wasted_credits, r->wasted_credits,
		    "credits wasted");
	}
	f->have_retry = src->have_retry;
	if (f->have_retry && failures_retry(f, so, src, by) < 0) {
		report_result_release(&wr);
		report_opts_release(&wo);
		failures_release(f);
		return -1;
	}
	if (src->from_db)
		notice("the retry cost needs the export files (the history "
		    "keeps no pipeline id or start time): retried_runs, "
		    "retry_credits and retry_usd left empty");
	for (i = 0; i < f->n; i++)
		failures_derive(&f->rows[i], f->totals.wasted_credits, price);
	failures_derive(&f->totals, f->totals.wasted_credits, price);
	failures_nkeys = f->o.nkeys;
	qsort(f->rows, f->n, sizeof(*f->rows), failures_row_cmp);
	f->row_of = xcalloc(f->n ? f->n : 1, sizeof(*f->row_of));
	for (i = 0; i < f->n; i++)	/* a row's key is its group's */
		f->row_of[agg_find(&f->all.groups, f->rows[i].key,
		    f->rows[i].keylen) - f->all.groups.groups] = i;
	for (i = 0; i < f->o.nkeys + FAILURES_NMETRICS; i++) {
		f->heads[i] = i < f->o.nkeys ? f->o.keys[i].name :
		    failures_heads[i - f->o.nkeys];
		f->numeric[i] = i >= f->o.nkeys;
	}
	report_result_release(&wr);
	report_opts_release(&wo);
	return 0;
}

const struct failures_row *
failures_find(const struct failures *f, const char *key, size_t keylen)
{
	const struct agg_group *g = agg_find(&f->all.groups, key, keylen);

	return g != NULL ? &f->rows[f->row_of[g - f->all.groups.groups]] :
	    NULL;
}

void
failures_release(struct failures *f)
{
	free(f->row_of);
	free(f->rows);
	report_result_release(&f->all);
	report_opts_release(&f->o);
	memset(f, 0, sizeof(*f));
}

static void
failures_grid_row(struct grid *g, const struct failures_row *r,
    int have_retry)
{
	size_t row = grid_row(g), c = g->nkeys;

	if (r->key != NULL)
		grid_set_key(g, row, r->key, r->keylen, g->nkeys);
	else if (g->nkeys > 0)
		grid_setstr(g, row, 0, "TOTAL");
	grid_set_num(g, row, c++, GN_COUNT, dec_from_int((int64_t)r->runs));
	grid_set_num(g, row, c++, GN_COUNT,
	    dec_from_int((int64_t)r->wasted_runs));
	grid_set_num(g, row, c++, GN_PCT, r->failure_rate_pct);
	grid_set_num(g, row, c++, GN_CREDITS, r->wasted_credits);
	grid_set_num(g, row, c++, GN_USD, r->wasted_usd);
	grid_set_num(g, row, c++, GN_PCT, r->waste_share_pct);
	grid_set_num(g, row, c++, GN_PCT, r->own_waste_pct);
	if (!have_retry)
		return;		/* empty cells: unknown */
	grid_set_num(g, row, c++, GN_COUNT,
	    dec_from_int((int64_t)r->retried_runs));
	grid_set_num(g, row, c++, GN_CREDITS, r->retry_credits);
	grid_set_num(g, row, c, GN_USD, r->retry_usd);
}

void
failures_grid(const struct failures *f, size_t top, struct grid *rows,
    struct grid *totals)
{
	size_t i, n = top && top < f->n ? top : f->n, nk = f->o.nkeys;

	grid_init(rows, f->heads, f->numeric, nk + FAILURES_NMETRICS, nk);
	grid_init(totals, f->heads, f->numeric, nk + FAILURES_NMETRICS, nk);
	for (i = 0; i < n; i++)
		failures_grid_row(rows, &f->rows[i], f->have_retry);
	failures_grid_row(totals, &f->totals, f->have_retry);
}

/* The JSON meta object of `failures`.  The caller frees it. */
static char *
failures_meta(const struct report_result *r, char *const *waste,
    size_t nwaste)
{
	char d1[DATE_BUFSZ] = "", d2[DATE_BUFSZ] = "";
	struct sbuf sb;
	size_t i;

	if (r->have_dates) {
		date_format_day(r->first_date, d1);
		date_format_day(r->last_date, d2);
	}
	sbuf_init(&sb, 1 << 20);
	sbuf_addf(&sb, "{\"files\": %llu, \"rows_read\": %llu, "
	    "\"rows_skipped\": %llu, \"rows_filtered\": %llu, "
	    "\"duplicates\": %llu, ",
	    (unsigned long long)r->files, (unsigned long long)r->rows_read,
	    (unsigned long long)r->rows_skipped,
	    (unsigned long long)r->rows_filtered,
	    (unsigned long long)r->duplicates);
	if (r->have_dates)
		sbuf_addf(&sb, "\"first_date\": \"%s\", "
		    "\"last_date\": \"%s\", ", d1, d2);
	else
		sbuf_addstr(&sb, "\"first_date\": null, \"last_date\": null, ");
	sbuf_addstr(&sb, "\"waste_statuses\": [");
	for (i = 0; i < nwaste; i++)
		sbuf_addf(&sb, "%s\"%s\"", i == 0 ? "" : ", ", waste[i]);
	sbuf_addstr(&sb, "]}");
	return sbuf_detach(&sb);
}

int
failures_write(const struct report_opts *so, const struct report_result *src,
    const char *by, char *const *waste, size_t nwaste, dec_t price,
    const struct grid_out *dst)
{
	struct failures fl;
	struct grid rows, totals;
	char *meta, title[160], n1[DEC_BUFSZ + 16], n2[DEC_BUFSZ + 16];
	int ret;

	if (failures_build(&fl, so, src, by, waste, nwaste, price) < 0)
		return -1;
	failures_grid(&fl, dst->top, &rows, &totals);
	rows.csv_safe = totals.csv_safe = dst->csv_safe;
	meta = failures_meta(src, waste, nwaste);
	snprintf(title, sizeof(title), "The cost of failing jobs: %s of %s "
	    "runs wasted", grid_num_text(GN_COUNT, dec_from_int((int64_t)
	    fl.totals.wasted_runs), 1, n1), grid_num_text(GN_COUNT,
	    dec_from_int((int64_t)fl.totals.runs), 1, n2));
	ret = grid_write_file(&rows, &totals, title, meta, dst);
	free(meta);
	grid_release(&rows);
	grid_release(&totals);
	failures_release(&fl);
	return ret;
}
