/*
 * view.c: sorting, --top, and the table, CSV, JSON and markdown writers.
 * Numbers are written from the exact sums: credits in full in CSV and JSON,
 * rounded to cents with thousands separators in the table and markdown.
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "csvw.h"
#include "date.h"
#include "grid.h"
#include "jsonw.h"
#include "utf8.h"

static const char *const metric_names[VM_COUNT] = {
	"jobs", "run_seconds", "compute_credits", "dlc_credits",
	"user_credits", "storage_credits", "network_credits", "lease_credits",
	"lease_overage_credits", "ipranges_credits", "total_credits",
	"cost_usd", "share_pct"
};

/* Short headers for the human formats. */
static const char *const metric_short[VM_COUNT] = {
	"jobs", "hours", "compute", "dlc", "user", "storage", "network",
	"lease", "lease_overage", "ipranges", "credits", "cost_usd", "share"
};

const char *
view_metric_name(int vm)
{
	return metric_names[vm];
}

int
view_metric_find(const char *s)
{
	int i;

	for (i = 0; i < VM_COUNT; i++)
		if (strcmp(s, metric_names[i]) == 0 ||
		    strcmp(s, metric_short[i]) == 0)
			return i;
	if (strcmp(s, "credits") == 0)
		return VM_CREDITS + CR_TOTAL;
	return -1;
}

dec_t
view_row_metric(const struct view_row *r, int vm)
{
	if (vm == VM_JOBS)
		return dec_from_int((int64_t)r->m.jobs);
	if (vm == VM_RUN_SECONDS)
		return r->m.run_seconds;
	if (vm == VM_COST)
		return r->cost;
	if (vm == VM_SHARE)
		return r->share;
	return r->m.credits[vm - VM_CREDITS];
}

dec_t
view_metric_value(const struct metrics *m, int vm, dec_t price,
    dec_t total_credits)
{
	if (vm == VM_JOBS)
		return dec_from_int((int64_t)m->jobs);
	if (vm == VM_RUN_SECONDS)
		return m->run_seconds;
	if (vm == VM_COST)
		return dec_cost_or_die(m->credits[CR_TOTAL], price);
	if (vm == VM_SHARE)
		return dec_percent_or_die(m->credits[CR_TOTAL], total_credits,
		    "share of the total credits");
	return m->credits[vm - VM_CREDITS];
}

/* The contract is in view.h. */
int
view_key_part_cmp(const char *ka, size_t la, const char *kb, size_t lb,
    size_t i)
{
	size_t na, nb;
	const char *pa = agg_key_part(ka, la, i, &na);
	const char *pb = agg_key_part(kb, lb, i, &nb);
	int c = memcmp(pa, pb, na < nb ? na : nb);

	if (c != 0)
		return c;
	return na == nb ? 0 : na < nb ? -1 : 1;
}

int
view_key_cmp(const char *ka, size_t la, const char *kb, size_t lb,
    size_t nkeys)
{
	size_t i;
	int c;

	for (i = 0; i < nkeys; i++)
		if ((c = view_key_part_cmp(ka, la, kb, lb, i)) != 0)
			return c;
	return 0;
}

/* qsort has no context argument in C11: the sort runs on one thread. */
static const struct view *sort_view;

static int
row_cmp(const void *pa, const void *pb)
{
	const struct view_row *a = pa, *b = pb;
	const struct view *v = sort_view;

	if (v->sort_key >= 0) {
		int c = view_key_part_cmp(a->key, a->keylen, b->key, b->keylen,
		    (size_t)v->sort_key);

		if (c != 0)
			return c;
	} else {
		dec_t x = view_row_metric(a, v->sort_metric);
		dec_t y = view_row_metric(b, v->sort_metric);

		if (x != y)
			return x > y ? -1 : 1;
	}
	return view_key_cmp(a->key, a->keylen, b->key, b->keylen,
	    v->o->nkeys);
}

static void
row_derive(struct view_row *r, dec_t price, dec_t total)
{
	r->cost = dec_cost_or_die(r->m.credits[CR_TOTAL], price);
	r->share = dec_percent_or_die(r->m.credits[CR_TOTAL], total,
	    "share of the total credits");
}

int
view_check(const struct report_result *res, dec_t price)
{
	dec_t b = 0, x, total = res->totals.credits[CR_TOTAL];
	char a[DEC_BUFSZ], p[DEC_BUFSZ];
	size_t i;

	for (i = 0; i < res->groups.n; i++) {
		if (dec_abs(res->groups.groups[i].m.credits[CR_TOTAL], &x) < 0 ||
		    dec_add(b, x, &b) < 0)
			return error("TOTAL_CREDITS: the groups' credits add "
			    "up past 100000000000000000000");
	}
	dec_format(b, a);
	if (dec_mul_round(b, price, 2, &x) < 0) {
		dec_format(price, p);
		return error("the cost of %s credits at --credit-price %s "
		    "passes 100000000000000000000, the largest kept exactly",
		    a, p);
	}
	if (dec_percent(b, total, &x) < 0) {
		dec_format(total, p);
		return error("the share of %s credits in a total of %s passes "
		    "100000000000000000000 %% (credits of both signs)", a, p);
	}
	return 0;
}

void
view_build(struct view *v, const struct report_opts *o,
    const struct report_result *res, int sort_metric, int sort_key,
    size_t top, dec_t price)
{
	size_t i;
	dec_t total = res->totals.credits[CR_TOTAL];

	memset(v, 0, sizeof(*v));
	v->o = o;
	v->res = res;
	v->price = price;
	v->sort_metric = sort_metric;
	v->sort_key = sort_key;
	v->rows = xcalloc(res->groups.n + 1, sizeof(*v->rows));
	for (i = 0; i < res->groups.n; i++) {
		struct view_row *r = &v->rows[i];

		r->key = res->groups.groups[i].key;
		r->keylen = res->groups.groups[i].keylen;
		r->m = res->groups.groups[i].m;
		row_derive(r, price, total);
	}
	v->n = res->groups.n;
	sort_view = v;
	qsort(v->rows, v->n, sizeof(*v->rows), row_cmp);
	sort_view = NULL;
	if (top > 0 && v->n > top) {
		struct view_row other;

		memset(&other, 0, sizeof(other));
		for (i = top; i < v->n; i++)
			metrics_add_bounded(&other.m, &v->rows[i].m);
		row_derive(&other, price, total);
		v->rows[top] = other;
		v->n = top + 1;
	}
	v->total_cost = dec_cost_or_die(total, price);
}

void
view_release(struct view *v)
{
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

/* A metric as CSV/JSON writes it: exact credits, cents for money. */
static void
write_plain_metric(FILE *f, const struct view_row *r, int vm)
{
	char buf[DEC_BUFSZ + 8];

	if (vm == VM_JOBS)
		fprintf(f, "%llu", (unsigned long long)r->m.jobs);
	else if (vm == VM_RUN_SECONDS) {
		dec_format_fixed(r->m.run_seconds, 0, 0, buf);
		fputs(buf, f);
	} else if (vm == VM_COST || vm == VM_SHARE) {
		dec_format_fixed(view_row_metric(r, vm), 2, 0, buf);
		fputs(buf, f);
	} else {
		dec_format(view_row_metric(r, vm), buf);
		fputs(buf, f);
	}
}

const char *
view_key_part(const char *key, size_t keylen, size_t i, size_t *len)
{
	if (key == NULL) {
		*len = 7;
		return "(other)";
	}
	return agg_key_part(key, keylen, i, len);
}

static void
write_csv(const struct view *v, FILE *f)
{
	size_t i, k;
	int m;

	for (k = 0; k < v->o->nkeys; k++)
		fprintf(f, "%s%s", k ? "," : "", v->o->keys[k].name);
	for (m = 0; m < VM_COUNT; m++)
		fprintf(f, ",%s", metric_names[m]);
	if (v->count_name != NULL)
		fprintf(f, ",%s", v->count_name);
	putc('\n', f);
	for (i = 0; i < v->n; i++) {
		for (k = 0; k < v->o->nkeys; k++) {
			size_t len;
			const char *s = view_key_part(v->rows[i].key,
			    v->rows[i].keylen, k, &len);

			if (k)
				putc(',', f);
			csvw_text(f, s, len, v->o->csv_safe);
		}
		for (m = 0; m < VM_COUNT; m++) {
			putc(',', f);
			write_plain_metric(f, &v->rows[i], m);
		}
		if (v->count_name != NULL)
			fprintf(f, ",%llu",
			    (unsigned long long)v->rows[i].count);
		putc('\n', f);
	}
}

static void
write_json_metrics(FILE *f, const struct view_row *r, int first)
{
	int m;

	for (m = 0; m < VM_COUNT; m++) {
		fprintf(f, "%s\"%s\": ", first && m == 0 ? "" : ", ",
		    metric_names[m]);
		write_plain_metric(f, r, m);
	}
}

void
view_json_counts(FILE *f, const struct report_result *r)
{
	fprintf(f, "{\"files\": %llu, \"rows_read\": %llu, "
	    "\"rows_skipped\": %llu, \"duplicates\": %llu, \"first_date\": ",
	    (unsigned long long)r->files, (unsigned long long)r->rows_read,
	    (unsigned long long)r->rows_skipped,
	    (unsigned long long)r->duplicates);
	jsonw_date(f, r->have_dates, r->first_date);
	fputs(", \"last_date\": ", f);
	jsonw_date(f, r->have_dates, r->last_date);
	putc('}', f);
}

static void
write_json(const struct view *v, FILE *f)
{
	const struct report_result *res = v->res;
	struct view_row tot;
	size_t i, k;

	fputs("{\n  \"group_by\": [", f);
	for (k = 0; k < v->o->nkeys; k++)
		fprintf(f, "%s\"%s\"", k ? ", " : "", v->o->keys[k].name);
	fputs("],\n  \"rows\": [", f);
	for (i = 0; i < v->n; i++) {
		fputs(i ? ",\n    {" : "\n    {", f);
		for (k = 0; k < v->o->nkeys; k++) {
			size_t len;
			const char *s = view_key_part(v->rows[i].key,
			    v->rows[i].keylen, k, &len);

			fprintf(f, "\"%s\": ", v->o->keys[k].name);
			jsonw_string(f, s, len);
			fputs(", ", f);
		}
		write_json_metrics(f, &v->rows[i], 1);
		if (v->count_name != NULL)
			fprintf(f, ", \"%s\": %llu", v->count_name,
			    (unsigned long long)v->rows[i].count);
		putc('}', f);
	}
	fputs(v->n ? "\n  ],\n" : "],\n", f);
	memset(&tot, 0, sizeof(tot));
	tot.m = res->totals;
	tot.cost = v->total_cost;
	tot.share = res->totals.credits[CR_TOTAL] != 0 ? 100 * DEC_ONE : 0;
	fputs("  \"totals\": {", f);
	write_json_metrics(f, &tot, 1);
	if (v->count_name != NULL)
		fprintf(f, ", \"%s\": %llu", v->count_name,
		    (unsigned long long)v->total_count);
	fputs("},\n", f);
	fputs("  \"meta\": ", f);
	view_json_counts(f, res);
	fputs("\n}\n", f);
}

/* ---- table and markdown ---- */

/* The contract is in view.h. */
size_t
view_cell_text(struct sbuf *out, const char *s, size_t len, size_t maxcols,
    int md)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, cols = 0;

	sbuf_reset(out);
	while (i < len) {
		unsigned char c = u[i];
		size_t n = utf8_decode(u + i, len - i, NULL), w = 1;
		char esc[16];
		const char *piece = NULL;
		size_t plen = 0;

		if (n == 0 || c < 0x20 || c == 0x7f ||
		    (n == 2 && c == 0xc2 && u[i + 1] < 0xa0)) {
			/* control or invalid: a visible escape */
			if (c == '\n')
				snprintf(esc, sizeof(esc), "\\n");
			else if (c == '\r')
				snprintf(esc, sizeof(esc), "\\r");
			else if (c == '\t')
				snprintf(esc, sizeof(esc), "\\t");
			else
				snprintf(esc, sizeof(esc), "\\x%02x", c);
			if (n == 2 && c == 0xc2)
				snprintf(esc, sizeof(esc), "\\u%04x", u[i + 1]);
			else
				n = 1;
			piece = esc;
			plen = strlen(esc);
			w = plen;
		} else if (md && n == 1 && strchr("\\`*_[]<>|#&~", c)) {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc[2] = '\0';
			if (c == '&')
				snprintf(esc, sizeof(esc), "&amp;");
			if (c == '<')
				snprintf(esc, sizeof(esc), "&lt;");
			if (c == '>')
				snprintf(esc, sizeof(esc), "&gt;");
			piece = esc;
			plen = strlen(esc);
			w = 1;
		} else {
			piece = s + i;
			plen = n;
			if (n > 1) {
				wchar_t wc;
				mbstate_t ps;
				int cw;

				memset(&ps, 0, sizeof(ps));
				if (mbrtowc(&wc, piece, n, &ps) == n &&
				    (cw = wcwidth(wc)) >= 0)
					w = (size_t)cw;
			}
		}
		if (maxcols && cols + w > maxcols - 1 && i + n < len) {
			sbuf_addstr(out, "\xe2\x80\xa6");	/* … */
			cols++;
			break;
		}
		sbuf_add(out, piece, plen);
		cols += w;
		i += n;
	}
	return cols;
}

/* The metrics the human formats show: the non-zero credit kinds. */
static int
shown_metrics(const struct view *v, int *list)
{
	int n = 0, c;

	list[n++] = VM_JOBS;
	list[n++] = VM_RUN_SECONDS;
	for (c = 0; c < CR_TOTAL; c++)
		if (v->res->totals.credits[c] != 0)
			list[n++] = VM_CREDITS + c;
	list[n++] = VM_CREDITS + CR_TOTAL;
	list[n++] = VM_COST;
	list[n++] = VM_SHARE;
	return n;
}

static char *
human_metric(const struct view_row *r, int vm)
{
	char buf[DEC_BUFSZ + 16];

	if (vm == VM_JOBS)
		grid_num_text(GN_COUNT, dec_from_int((int64_t)r->m.jobs), 1,
		    buf);
	else if (vm == VM_RUN_SECONDS)	/* hours, to tenths */
		dec_format_fixed(r->m.run_seconds / 3600, 1, ',', buf);
	else if (vm == VM_SHARE)
		grid_num_text(GN_PCT, r->share, 1, buf);
	else
		grid_num_text(GN_CREDITS, view_row_metric(r, vm), 1, buf);
	return xstrdup(buf);
}

/* n with thousands separators (grid_num_text), in buf[VIEW_NUMBUF]. */
#define VIEW_NUMBUF (DEC_BUFSZ + 16)
static const char *
count_text(uint64_t n, char *buf)
{
	return grid_num_text(GN_COUNT, dec_from_int((int64_t)n), 1, buf);
}

/* The title above the table or markdown. */
static void
write_title(const struct view *v, FILE *f, int md)
{
	const struct report_result *res = v->res;
	char d1[DATE_BUFSZ], d2[DATE_BUFSZ], n1[VIEW_NUMBUF], n2[VIEW_NUMBUF],
	    n3[VIEW_NUMBUF];

	if (res->have_dates) {
		date_format_day(res->first_date, d1);
		date_format_day(res->last_date, d2);
	}
	if (md && res->from_db) {
		fprintf(f, "**CircleCI usage%s%s%s%s**: %s job runs from "
		    "history\n\n", res->have_dates ? " " : "",
		    res->have_dates ? d1 : "", res->have_dates ? " to " : "",
		    res->have_dates ? d2 : "", count_text(res->totals.jobs, n1));
	} else if (md) {
		fprintf(f, "**CircleCI usage%s%s%s%s**: %s job runs from "
		    "%s file%s\n\n", res->have_dates ? " " : "",
		    res->have_dates ? d1 : "", res->have_dates ? " to " : "",
		    res->have_dates ? d2 : "", count_text(res->totals.jobs, n1),
		    count_text(res->files, n2), res->files == 1 ? "" : "s");
	} else if (res->from_db) {
		fprintf(f, "CircleCI usage%s%s%s%s: history, %s job runs",
		    res->have_dates ? " " : "", res->have_dates ? d1 : "",
		    res->have_dates ? " to " : "", res->have_dates ? d2 : "",
		    count_text(res->rows_read, n2));
		if (res->rows_filtered)
			fprintf(f, " (%s filtered out)",
			    count_text(res->rows_filtered, n3));
		fputs("\n\n", f);
	} else {
		fprintf(f, "CircleCI usage%s%s%s%s: %s file%s, %s rows",
		    res->have_dates ? " " : "", res->have_dates ? d1 : "",
		    res->have_dates ? " to " : "", res->have_dates ? d2 : "",
		    count_text(res->files, n1), res->files == 1 ? "" : "s",
		    count_text(res->rows_read, n2));
		if (res->duplicates || res->rows_skipped || res->rows_filtered)
			fprintf(f, " (%s duplicates, %s skipped, %s "
			    "filtered out)", count_text(res->duplicates, n1),
			    count_text(res->rows_skipped, n2),
			    count_text(res->rows_filtered, n3));
		fputs("\n\n", f);
	}
}

/* Row r's metrics and count into row `row` of g, from column nk on. */
static void
grid_metrics(struct grid *g, size_t row, const struct view_row *r,
    const int *list, int nm, int count, uint64_t n)
{
	size_t nk = g->nkeys;
	char buf[VIEW_NUMBUF];
	int m;

	for (m = 0; m < nm; m++) {
		char *t = human_metric(r, list[m]);

		grid_setstr(g, row, nk + (size_t)m, t);
		free(t);
	}
	if (count)
		grid_setstr(g, row, nk + (size_t)nm, count_text(n, buf));
}

/* The table and markdown: a grid (grid.h) of the rows and the total. */
static void
write_human(const struct view *v, FILE *f, int md)
{
	const struct report_result *res = v->res;
	int list[VM_COUNT], nm = shown_metrics(v, list);
	int count = v->count_name != NULL;
	size_t nk = v->o->nkeys, ncol = nk + (size_t)nm + (size_t)count;
	const char *heads[REPORT_MAX_KEYS + VM_COUNT + 1] = { NULL };
	int numeric[REPORT_MAX_KEYS + VM_COUNT + 1] = { 0 };
	struct grid g, totals;
	struct view_row tot;
	size_t i, j, row;

	for (j = 0; j < ncol; j++) {
		heads[j] = j < nk ? v->o->keys[j].name :
		    j - nk < (size_t)nm ? metric_short[list[j - nk]] :
		    v->count_name;
		numeric[j] = j >= nk;
	}
	grid_init(&g, heads, numeric, ncol, nk);
	grid_init(&totals, heads, numeric, ncol, nk);
	for (i = 0; i < v->n; i++) {
		row = grid_row(&g);
		grid_set_key(&g, row, v->rows[i].key, v->rows[i].keylen, nk);
		grid_metrics(&g, row, &v->rows[i], list, nm, count,
		    v->rows[i].count);
	}
	memset(&tot, 0, sizeof(tot));
	tot.m = res->totals;
	tot.cost = v->total_cost;
	tot.share = res->totals.credits[CR_TOTAL] != 0 ? 100 * DEC_ONE : 0;
	row = grid_row(&totals);
	if (nk > 0)
		grid_setstr(&totals, row, 0, "TOTAL");
	grid_metrics(&totals, row, &tot, list, nm, count, v->total_count);
	write_title(v, f, md);
	grid_write(&g, &totals, NULL, NULL, f, md ? FMT_MARKDOWN : FMT_TABLE);
	grid_release(&g);
	grid_release(&totals);
}

int
view_write(const struct view *v, FILE *f, enum view_format fmt)
{
	if (fmt == FMT_CSV)
		write_csv(v, f);
	else if (fmt == FMT_JSON)
		write_json(v, f);
	else
		write_human(v, f, fmt == FMT_MARKDOWN);
	return ferror(f) ? -1 : 0;
}
