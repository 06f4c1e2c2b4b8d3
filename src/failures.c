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

static const char *const failures_heads[] = {
	"project", "workflow", "job", "runs", "wasted_runs",
	"failure_rate_pct", "wasted_credits", "wasted_share_pct", "wasted_usd"
};
static const int failures_numeric[] = { 0, 0, 0, 1, 1, 1, 1, 1, 1 };
#define FAILURES_NCOLS 9
#define FAILURES_NKEYS 3

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

static int
failures_row_cmp(const void *pa, const void *pb)
{
	const struct failures_row *a = pa, *b = pb;

	if (a->wasted_credits != b->wasted_credits)
		return a->wasted_credits > b->wasted_credits ? -1 : 1;
	if (a->wasted_runs != b->wasted_runs)
		return a->wasted_runs > b->wasted_runs ? -1 : 1;
	return view_key_cmp(a->key, a->keylen, b->key, b->keylen,
	    FAILURES_NKEYS);
}

static void
failures_derive(struct failures_row *r, dec_t total, dec_t price)
{
	r->failure_rate_pct = dec_percent_or_die(dec_from_int((int64_t)
	    r->wasted_runs), dec_from_int((int64_t)r->runs), "failure rate");
	r->wasted_share_pct = dec_percent_or_die(r->wasted_credits, total,
	    "share of the credits wasted");
	r->wasted_usd = dec_cost_or_die(r->wasted_credits, price);
}

int
failures_build(struct failures *f, const struct report_opts *so,
    const struct report_result *src, char *const *waste, size_t nwaste,
    dec_t price)
{
	struct failures_list list = { waste, nwaste };
	struct rollup_filter flt = { failures_keep, NULL, "status" };
	struct report_opts wo;
	struct report_result wr;
	dec_t total = src->totals.credits[CR_TOTAL];
	size_t i;

	memset(f, 0, sizeof(*f));
	flt.ctx = &list;
	/* a failed rollup_build still leaves opts and result to release */
	if (rollup_build(&f->o, &f->all, so, src, "job", NULL) < 0) {
		failures_release(f);
		return -1;
	}
	if (rollup_build(&wo, &wr, so, src, "job", &flt) < 0) {
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
		failures_derive(r, total, price);
		f->totals.runs += r->runs;
		f->totals.wasted_runs += r->wasted_runs;
		/* sums of the report's groups: bounded (report.h) */
		f->totals.credits = dec_add_or_die(f->totals.credits,
		    r->credits, "TOTAL_CREDITS");
		f->totals.wasted_credits = dec_add_or_die(
		    f->totals.wasted_credits, r->wasted_credits,
		    "credits wasted");
	}
	failures_derive(&f->totals, total, price);
	qsort(f->rows, f->n, sizeof(*f->rows), failures_row_cmp);
	report_result_release(&wr);
	report_opts_release(&wo);
	return 0;
}

void
failures_release(struct failures *f)
{
	free(f->rows);
	report_result_release(&f->all);
	report_opts_release(&f->o);
	memset(f, 0, sizeof(*f));
}

static void
failures_grid_row(struct grid *g, const struct failures_row *r)
{
	size_t row = grid_row(g), k;
	char buf[DEC_BUFSZ + 8];

	for (k = 0; r->key != NULL && k < FAILURES_NKEYS; k++) {
		size_t len;
		const char *s = agg_key_part(r->key, r->keylen, k, &len);

		grid_set(g, row, k, s, len);
	}
	if (r->key == NULL)
		grid_setstr(g, row, 0, "TOTAL");
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->runs);
	grid_setstr(g, row, 3, buf);
	snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)r->wasted_runs);
	grid_setstr(g, row, 4, buf);
	dec_format_fixed(r->failure_rate_pct, 2, 0, buf);
	grid_setstr(g, row, 5, buf);
	dec_format(r->wasted_credits, buf);
	grid_setstr(g, row, 6, buf);
	dec_format_fixed(r->wasted_share_pct, 2, 0, buf);
	grid_setstr(g, row, 7, buf);
	dec_format_fixed(r->wasted_usd, 2, 0, buf);
	grid_setstr(g, row, 8, buf);
}

void
failures_grid(const struct failures *f, size_t top, struct grid *rows,
    struct grid *totals)
{
	size_t i, n = top && top < f->n ? top : f->n;

	grid_init(rows, failures_heads, failures_numeric, FAILURES_NCOLS,
	    FAILURES_NKEYS);
	grid_init(totals, failures_heads, failures_numeric, FAILURES_NCOLS,
	    FAILURES_NKEYS);
	for (i = 0; i < n; i++)
		failures_grid_row(rows, &f->rows[i]);
	failures_grid_row(totals, &f->totals);
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
    char *const *waste, size_t nwaste, dec_t price,
    const struct grid_out *dst)
{
	struct failures fl;
	struct grid rows, totals;
	char *meta, title[160];
	int ret;

	if (failures_build(&fl, so, src, waste, nwaste, price) < 0)
		return -1;
	failures_grid(&fl, dst->top, &rows, &totals);
	rows.csv_safe = totals.csv_safe = dst->csv_safe;
	meta = failures_meta(src, waste, nwaste);
	snprintf(title, sizeof(title), "The cost of failing jobs: %llu of "
	    "%llu runs wasted", (unsigned long long)fl.totals.wasted_runs,
	    (unsigned long long)fl.totals.runs);
	ret = grid_write_file(&rows, &totals, title, meta, dst);
	free(meta);
	grid_release(&rows);
	grid_release(&totals);
	failures_release(&fl);
	return ret;
}
