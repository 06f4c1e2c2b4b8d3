/*
 * html.c: the HTML page's document, tables and charts.  The CSS adapts to
 * phones (tables scroll sideways inside their box, cards wrap, each chart
 * drawn a second time at a phone's width), dark mode and print; the script
 * only sorts, filters and unfolds tables.  A Content-Security-Policy
 * forbids any request, so the page cannot reach another file or host.
 */
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "budgetcalc.h"
#include "compare.h"
#include "date.h"
#include "util.h"
#include "xmlw.h"

void
html_name(FILE *f, const char *s, size_t len)
{
	char *safe = chart_safe_text(s, len);

	xmlw_escape(f, safe, strlen(safe));
	free(safe);
}

const char *
html_dec(dec_t v, int places, char *buf)
{
	dec_format_fixed(v, places, ',', buf);
	return buf;
}

static const char html_css[] =
":root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;"
"--card:#f6f8fa;--line:#d1d9e0;--accent:#4477aa}\n"
"@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;"
"--muted:#9198a1;--card:#161b22;--line:#30363d;--accent:#79a6dc}}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 "
"system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif}\n"
"main{max-width:1400px;margin:0 auto;padding:16px}\n"
"h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .5em;"
"border-bottom:1px solid var(--line);padding-bottom:.2em}\n"
".sub,.note{color:var(--muted)}\n"
".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,"
"1fr));gap:12px}\n"
".card{background:var(--card);border:1px solid var(--line);"
"border-radius:8px;padding:10px 12px}\n"
".card .k{color:var(--muted);font-size:.85em}\n"
".card .v{font-size:1.45em;font-weight:600;font-variant-numeric:"
"tabular-nums;overflow-wrap:anywhere}\n"
".card .d{font-size:.85em;color:var(--muted)}\n"
".chart{margin:.5em 0;max-width:1000px}.chart svg{width:100%;"
"height:auto;border-radius:6px;border:1px solid var(--line)}\n"
".chart .narrow{display:none}\n"
"@media (max-width:700px){.chart .wide{display:none}"
".chart .narrow{display:block}}\n"
".tw{overflow-x:auto}\n"
"table{border-collapse:collapse;width:100%;font-variant-numeric:"
"tabular-nums;font-size:.92em}\n"
"th,td{padding:4px 8px;border-bottom:1px solid var(--line);"
"text-align:left;white-space:nowrap}\n"
"th{white-space:normal;vertical-align:bottom}\n"
"td.t{white-space:normal;overflow-wrap:anywhere;min-width:7em}\n"
"table[data-fold]:not(.open):not(.q) tbody tr.x{display:none}\n"
"button.more{font:inherit;font-size:.9em;margin:.4em 0;padding:3px 10px;"
"background:var(--card);color:var(--fg);border:1px solid var(--line);"
"border-radius:6px;cursor:pointer}\n"
".movers{margin:.8em 0 0;padding:0;list-style:none}"
".movers li{margin:.15em 0}.up{color:#b35806}.down{color:#1b7837}\n"
"@media (prefers-color-scheme:dark){.up{color:#f1a340}"
".down{color:#7fbf7b}}\n"
".files a{color:var(--accent)}\n"
".bbar{vertical-align:middle}.bbar .track{fill:var(--card);"
"stroke:var(--line)}.bbar .spent{fill:var(--accent)}"
".bbar .st-warning{fill:#d9a400}.bbar .st-projected_over{fill:#e07000}"
".bbar .st-over{fill:#c62828}.bbar .thr{stroke:var(--muted)}"
".bbar .limit{stroke:var(--fg);stroke-width:1}"
".bbar .proj{stroke:var(--fg);stroke-width:3}\n"
"td.st-warning{color:#9a6700}td.st-projected_over{color:#bc4c00}"
"td.st-over{color:#c62828;font-weight:600}\n"
"@media (prefers-color-scheme:dark){td.st-warning{color:#e3b341}"
"td.st-projected_over{color:#f0883e}td.st-over{color:#ff7b72}}\n"
".n{text-align:right}\n"
"thead th{cursor:pointer;user-select:none;position:sticky;top:0;"
"background:var(--bg)}\n"
"thead th:focus{outline:2px solid var(--accent)}\n"
"th[aria-sort=ascending]::after{content:\" \\25B2\"}\n"
"th[aria-sort=descending]::after{content:\" \\25BC\"}\n"
"tfoot td{font-weight:600}\n"
"input[type=search]{font:inherit;padding:4px 8px;margin:.3em 0;width:"
"min(100%,22em);background:var(--card);color:var(--fg);border:1px solid "
"var(--line);border-radius:6px}\n"
"dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px}"
"dt{color:var(--muted)}dd{margin:0;font-variant-numeric:tabular-nums}\n"
"footer{margin-top:2em;color:var(--muted);font-size:.85em}\n"
"@media print{:root{--bg:#fff;--fg:#000;--card:#fff;--line:#bbb}"
"input,button.more{display:none}.tw{overflow:visible}"
"tr.x{display:table-row!important}section{break-inside:avoid}"
"thead th{position:static}}\n";

/*
 * Sort a table by a header's column (numbers by their exact data-v, text
 * by its letters; again to reverse), from the mouse or the keyboard; and
 * filter rows by a search box's text.
 */
static const char html_js[] =
"(function(){\n"
"function val(c){var v=c.getAttribute('data-v');"
"return v===null?c.textContent.toLowerCase():parseFloat(v);}\n"
"function fold(t){var n=parseInt(t.getAttribute('data-fold'),10);"
"if(!n)return;Array.prototype.forEach.call(t.tBodies[0].rows,"
"function(r,i){r.classList.toggle('x',i>=n);});}\n"
"document.querySelectorAll('table.sortable').forEach(function(t){\n"
" var hs=t.tHead.rows[0].cells,b=t.tBodies[0];\n"
" Array.prototype.forEach.call(hs,function(h,i){\n"
"  h.tabIndex=0;\n"
"  function go(){\n"
"   var num=h.classList.contains('n'),cur=h.getAttribute('aria-sort'),"
"asc=cur?cur==='descending':!num;\n"
"   var rs=Array.prototype.slice.call(b.rows);\n"
"   rs.sort(function(x,y){var p=val(x.cells[i]),q=val(y.cells[i]);"
"return p<q?(asc?-1:1):p>q?(asc?1:-1):0;});\n"
"   rs.forEach(function(r){b.appendChild(r);});\n"
"   Array.prototype.forEach.call(hs,function(o){"
"o.removeAttribute('aria-sort');});\n"
"   h.setAttribute('aria-sort',asc?'ascending':'descending');\n"
"   fold(t);\n"
"  }\n"
"  h.addEventListener('click',go);\n"
"  h.addEventListener('keydown',function(e){if(e.key==='Enter'||"
"e.key===' '){e.preventDefault();go();}});\n"
" });\n"
"});\n"
"document.querySelectorAll('button.more').forEach(function(m){\n"
" var t=document.getElementById(m.getAttribute('data-for')),"
"all=m.getAttribute('data-all');\n"
" m.addEventListener('click',function(){var o=t.classList.toggle('open');"
"m.setAttribute('aria-expanded',o?'true':'false');"
"m.textContent=o?'Show the top '+t.getAttribute('data-fold'):all;});\n"
"});\n"
"document.querySelectorAll('input[data-filter]').forEach(function(s){\n"
" var t=document.getElementById(s.getAttribute('data-filter'));\n"
" s.addEventListener('input',function(){var q=s.value.toLowerCase();"
"t.classList.toggle('q',q!=='');\n"
"  Array.prototype.forEach.call(t.tBodies[0].rows,function(r){"
"r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});\n"
"});\n"
"})();\n";

void
html_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width,"
	    "initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "script-src 'unsafe-inline'; img-src data:\">\n"
	    "<link rel=\"icon\" href=\"data:,\">\n<title>", f);
	xmlw_escape(f, title, strlen(title));
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n",
	    html_css);
}

void
html_end(FILE *f)
{
	fprintf(f, "</main>\n<script>\n%s</script>\n</body>\n</html>\n",
	    html_js);
}

/*
 * A number cell: the exact value to sort by, the value to read with
 * `places` decimals and thousands separators, then `suffix`.
 */
static void
html_dec_cell(FILE *f, dec_t v, int places, const char *suffix)
{
	char exact[DEC_BUFSZ], shown[64];

	dec_format(v, exact);
	fprintf(f, "<td class=\"n\" data-v=\"%s\">%s%s</td>", exact,
	    html_dec(v, places, shown), suffix);
}

/* A count's cell, as html_dec_cell. */
static void
html_count_cell(FILE *f, uint64_t n)
{
	html_dec_cell(f, dec_from_int((int64_t)n), 0, "");
}

/* The cells of a key's first n columns: names from the data. */
static void
html_key_cells(FILE *f, const char *key, size_t keylen, size_t n)
{
	size_t k, len;
	const char *p;

	for (k = 0; k < n; k++) {
		p = agg_key_part(key, keylen, k, &len);
		fputs("<td class=\"t\">", f);
		html_name(f, p, len);
		fputs("</td>", f);
	}
}

/* One metric cell of a view row. */
static void
html_metric_cell(FILE *f, const struct view_row *r, int vm)
{
	dec_t v = view_row_metric(r, vm);

	if (vm == VM_RUN_SECONDS)
		html_dec_cell(f, v / 3600, 1, "");
	else
		html_dec_cell(f, v, vm == VM_JOBS ? 0 : 2,
		    vm == VM_SHARE ? "%" : "");
}

/* A change's cell: its sign always shown, "+1,234.50". */
static void
html_signed_cell(FILE *f, dec_t v, int places, const char *suffix)
{
	char exact[DEC_BUFSZ], shown[64];

	dec_format(v, exact);
	fprintf(f, "<td class=\"n\" data-v=\"%s\">%s%s%s</td>", exact,
	    v > 0 ? "+" : "", html_dec(v, places, shown), suffix);
}

void
html_change_cells(FILE *f, dec_t prev, dec_t cur, int in_prev)
{
	struct compare_row c;

	compare_row_set(&c, prev, cur, in_prev, 1);
	html_dec_cell(f, prev, 2, "");
	html_signed_cell(f, c.change, 2, "");
	if (c.trend == TREND_NEW)	/* sorts above every percentage */
		fputs("<td class=\"n\" data-v=\"Infinity\">new</td>", f);
	else if (!c.has_pct)
		fputs("<td class=\"n\" data-v=\"0\">\xe2\x80\x94</td>", f);
	else
		html_signed_cell(f, c.pct, 2, "%");
}

/* The metrics after the keys: credits first, as people read them. */
static const int html_table_metrics[] = {
	VM_CREDITS + CR_TOTAL, VM_COST, VM_SHARE, VM_JOBS, VM_RUN_SECONDS
};
static const char *const html_table_heads[] = {
	"credits", "cost (USD)", "share", "jobs", "run hours"
};
#define HTML_NMETRICS 5

/* The previous period's credits of a row, beside its current ones. */
struct html_chg {
	dec_t prev;
	int in_prev;
};

static void
html_row(FILE *f, const struct view *v, const struct view_row *r,
    const char *label, const struct html_chg *chg, const char *cls)
{
	size_t k, m;

	fprintf(f, "<tr%s>", cls);
	if (label == NULL)
		html_key_cells(f, r->key, r->keylen, v->o->nkeys);
	for (k = 0; label != NULL && k < v->o->nkeys; k++) {
		fputs("<td class=\"t\">", f);
		if (k == 0)
			xmlw_escape(f, label, strlen(label));
		fputs("</td>", f);
	}
	for (m = 0; m < HTML_NMETRICS; m++) {
		html_metric_cell(f, r, html_table_metrics[m]);
		if (m == 0 && chg != NULL)
			html_change_cells(f, chg->prev,
			    r->m.credits[CR_TOTAL], chg->in_prev);
	}
	if (v->count_name != NULL)
		fprintf(f, "<td class=\"n\" data-v=\"%llu\">%llu</td>",
		    (unsigned long long)r->count,
		    (unsigned long long)r->count);
	fputs("</tr>\n", f);
}

const char *
html_fold_class(size_t i, size_t n)
{
	return n > HTML_FOLD + HTML_FOLD_SLACK && i >= HTML_FOLD ?
	    " class=\"x\"" : "";
}

/* A table's start, to <tbody>; folded when its body has many rows. */
static void
html_table_open(FILE *f, const char *id, size_t nrows)
{
	fprintf(f, "<div class=\"tw\"><table id=\"%s\" class=\"sortable\"",
	    id);
	if (*html_fold_class(HTML_FOLD, nrows) != '\0')
		fprintf(f, " data-fold=\"%d\"", HTML_FOLD);
	fputs(">\n<thead><tr>", f);
}

/* A table's end, after <tbody>, with the button that unfolds it. */
static void
html_table_close(FILE *f, const char *id, size_t nrows)
{
	char n[64];

	fputs("</table></div>\n", f);
	if (*html_fold_class(HTML_FOLD, nrows) != '\0')
		fprintf(f, "<button type=\"button\" class=\"more\" "
		    "data-for=\"%s\" aria-expanded=\"false\" data-all=\"Show "
		    "all %s rows\">Show all %s rows</button>\n", id,
		    html_dec(dec_from_int((int64_t)nrows), 0, n), n);
}

/* A column head; underscores in a key's name read as spaces. */
static void
html_head(FILE *f, const char *name, int numeric)
{
	fprintf(f, "<th scope=\"col\"%s>", numeric ? " class=\"n\"" : "");
	for (const char *p = name; *p; p++)
		putc(*p == '_' ? ' ' : *p, f);
	fputs("</th>", f);
}

void
html_view_table(FILE *f, const struct view *v,
    const struct report_result *prev, const char *id, int filter)
{
	struct view_row tot;
	struct html_chg chg = { 0, 0 };
	dec_t shown_prev = 0;
	size_t i, k, m, nbody = 0, body = 0;

	for (i = 0; i < v->n; i++)
		nbody += v->rows[i].key != NULL;
	if (filter)
		fprintf(f, "<input type=\"search\" data-filter=\"%s\" "
		    "placeholder=\"Filter\" aria-label=\"Filter the table\">\n",
		    id);
	html_table_open(f, id, nbody);
	for (k = 0; k < v->o->nkeys; k++)
		html_head(f, v->o->keys[k].name, 0);
	for (m = 0; m < HTML_NMETRICS; m++) {
		html_head(f, html_table_heads[m], 1);
		if (m == 0 && prev != NULL) {
			html_head(f, "previous", 1);
			html_head(f, "change", 1);
			html_head(f, "change %", 1);
		}
	}
	if (v->count_name != NULL)
		html_head(f, v->count_name, 1);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < v->n; i++) {
		const struct view_row *r = &v->rows[i];
		const struct agg_group *g;

		if (r->key == NULL)
			continue;
		if (prev != NULL) {
			g = agg_find(&prev->groups, r->key, r->keylen);
			chg.prev = g != NULL ? g->m.credits[CR_TOTAL] : 0;
			chg.in_prev = g != NULL;
			shown_prev = dec_add_or_die(shown_prev, chg.prev,
			    "the previous period's credits");
		}
		html_row(f, v, r, NULL, prev != NULL ? &chg : NULL,
		    html_fold_class(body++, nbody));
	}
	fputs("</tbody>\n<tfoot>\n", f);
	if (prev != NULL)	/* the rest of the previous period */
		chg.prev = dec_add_or_die(prev->totals.credits[CR_TOTAL],
		    -shown_prev, "the previous period's credits");
	chg.in_prev = 1;
	for (i = 0; i < v->n; i++)
		if (v->rows[i].key == NULL)
			html_row(f, v, &v->rows[i], "(other)", prev != NULL ?
			    &chg : NULL, "");
	memset(&tot, 0, sizeof(tot));
	tot.m = v->res->totals;
	tot.cost = v->total_cost;
	tot.share = v->res->totals.credits[CR_TOTAL] != 0 ? 100 * DEC_ONE : 0;
	tot.count = v->total_count;
	if (prev != NULL)
		chg.prev = prev->totals.credits[CR_TOTAL];
	html_row(f, v, &tot, "TOTAL", prev != NULL ? &chg : NULL, "");
	fputs("</tfoot>\n", f);
	html_table_close(f, id, nbody);
}

void
html_failures_table(FILE *f, const struct failures *fl,
    const struct failures *prev, size_t top, const char *id)
{
	static const char *const heads[] = {
		"project", "workflow", "job", "credits on failed runs",
		"cost (USD)", "failure rate", "failed runs", "runs",
		"retried runs", "credits on retried runs"
	};
	size_t i, k, nbody = 0, body = 0, ncols = fl->have_retry ? 10 : 8;

	for (i = 0; i < fl->n && (top == 0 || nbody < top); i++)
		nbody += fl->rows[i].wasted_runs != 0;
	html_table_open(f, id, nbody);
	for (k = 0; k < ncols; k++) {
		html_head(f, heads[k], k >= 3);
		if (k == 3 && prev != NULL) {
			html_head(f, "previous", 1);
			html_head(f, "change", 1);
			html_head(f, "change %", 1);
		}
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < fl->n && body < nbody; i++) {
		const struct failures_row *r = &fl->rows[i], *p;

		if (r->wasted_runs == 0)
			continue;
		fprintf(f, "<tr%s>", html_fold_class(body++, nbody));
		html_key_cells(f, r->key, r->keylen, 3);
		html_dec_cell(f, r->wasted_credits, 2, "");
		if (prev != NULL) {
			p = failures_find(prev, r->key, r->keylen);
			html_change_cells(f, p != NULL ? p->wasted_credits : 0,
			    r->wasted_credits, p != NULL &&
			    p->wasted_runs != 0);
		}
		html_dec_cell(f, r->wasted_usd, 2, "");
		html_dec_cell(f, r->failure_rate_pct, 2, "%");
		html_count_cell(f, r->wasted_runs);
		html_count_cell(f, r->runs);
		if (fl->have_retry) {
			html_count_cell(f, r->retried_runs);
			html_dec_cell(f, r->retry_credits, 2, "");
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n", f);
	html_table_close(f, id, nbody);
}

/* A rightsizing row's utilization cells, empty where there is no data. */
static void
html_util_cells(FILE *f, const struct rightsize_row *r)
{
	char exact[DEC_BUFSZ];
	size_t k;

	for (k = 0; k < RS_NCOLS; k++) {
		if (!r->have[k]) {
			fputs("<td class=\"n\"></td>", f);
			continue;
		}
		dec_format(r->median[k], exact);
		fprintf(f, "<td class=\"n\" data-v=\"%s\">%s</td>", exact,
		    exact);
	}
}

/* A text cell of a name from the data, or empty for NULL. */
static void
html_text_cell(FILE *f, const char *s)
{
	fputs("<td class=\"t\">", f);
	if (s != NULL)
		html_name(f, s, strlen(s));
	fputs("</td>", f);
}

void
html_rightsize_table(FILE *f, const struct rightsize *rs, size_t top,
    const char *id)
{
	/* what to do first: the job, its verdict and the saving */
	static const char *const heads[] = {
		"project", "workflow", "job", "resource class", "verdict",
		"suggested class", "credits saved / 30 days",
		"USD saved / 30 days", "runs", "CPU median %", "CPU max %",
		"RAM median %", "RAM max %", "executor", "why n/a"
	};
	size_t i, k, len, n = top && top < rs->n ? top : rs->n;
	const char *p;

	html_table_open(f, id, n);
	for (k = 0; k < 15; k++)
		html_head(f, heads[k], (k >= 6 && k <= 12));
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < n; i++) {
		const struct rightsize_row *r = &rs->rows[i];

		fprintf(f, "<tr%s>", html_fold_class(i, n));
		html_key_cells(f, r->key, r->keylen, 4);
		fprintf(f, "<td class=\"t\">%s</td>",
		    rightsize_verdict_name(r->verdict));
		html_text_cell(f, r->suggested != NULL ?
		    r->suggested->resource_class : NULL);
		if (r->have_savings) {
			html_dec_cell(f, r->savings, 2, "");
			html_dec_cell(f, r->savings_usd, 2, "");
		} else {
			fputs("<td class=\"n\"></td><td class=\"n\"></td>", f);
		}
		html_count_cell(f, r->runs);
		html_util_cells(f, r);
		p = agg_key_part(r->key, r->keylen, 4, &len);
		fputs("<td class=\"t\">", f);
		html_name(f, p, len);
		fputs("</td>", f);
		html_text_cell(f, r->reason);
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n", f);
	html_table_close(f, id, n);
}

/* One drawing of a chart, as an <svg> of class `cls`. */
static int
html_svg(FILE *f, const struct view *v, const struct chart_opts *co,
    int width, int height, const struct chart_measure *m, const char *id,
    const char *cls)
{
	struct chart c;
	struct chart_draw d;
	int ret;

	chart_build(&c, v, co, width, height);
	chart_layout(&d, &c, width, height, m);
	ret = chart_svg_write_inline(&d, f, id, cls);
	chart_draw_release(&d);
	chart_release(&c);
	return ret;
}

int
html_chart(FILE *f, const struct view *v, const struct chart_opts *co,
    int width, int height, int phone_height, const struct chart_measure *m,
    const char *id)
{
	struct chart_opts wide = *co, phone = *co;
	char *pid = xasprintf("%s-phone", id);
	int ret;

	/* 12 px labels at either size, drawn 1:1 or a little smaller */
	wide.scale = phone.scale = 1;
	fputs("<div class=\"chart\">", f);
	ret = html_svg(f, v, &wide, width, height, m, id, "wide");
	if (ret == 0)
		ret = html_svg(f, v, &phone, HTML_PHONE_WIDTH, phone_height, m,
		    pid, "narrow");
	fputs("</div>\n", f);
	free(pid);
	return ret;
}

/* The width of a budget's bar, in pixels. */
#define HTML_BAR_WIDTH 160

/* x of `pct` percent on a bar whose full width is `scale` percent. */
static double
html_bar_x(double pct, double scale)
{
	if (pct < 0)
		pct = 0;
	return (pct > scale ? scale : pct) / scale * HTML_BAR_WIDTH;
}

/*
 * A budget's bar: its amount is 100% (the thin line "limit", across
 * the bar and beyond), spent fills it ("spent", coloured by status), the
 * projection at the period's end is a thick mark inside it ("proj"), the
 * thresholds are ticks below it ("thr").  The bar reaches
 * the largest of 100%, the last threshold, used and projected, rounded
 * up to 25%, at most 300% (beyond, both stop at the end).
 */
static void
html_budget_bar(FILE *f, const struct budget *b, const struct budget_eval *e)
{
	double used = chart_dec_double(e->used_pct);
	double proj = chart_dec_double(e->projected_pct), scale = 100, x;
	char exact[DEC_BUFSZ], a[64], c[64];
	size_t k;

	if (b->nthresholds > 0)
		scale = fmax(scale, chart_dec_double(
		    b->thresholds[b->nthresholds - 1]));
	scale = fmin(ceil(fmax(scale, fmax(used, proj)) / 25) * 25, 300);
	fprintf(f, "<svg class=\"bbar\" width=\"%d\" height=\"18\" "
	    "viewBox=\"0 0 %d 18\" role=\"img\" data-scale=\"%g\" "
	    "aria-label=\"spent %s%%, projected %s%%\"><title>spent %s%%, "
	    "projected %s%% of the budget</title>", HTML_BAR_WIDTH,
	    HTML_BAR_WIDTH, scale, html_dec(e->used_pct, 2, a),
	    html_dec(e->projected_pct, 2, c), a, c);
	fprintf(f, "<rect class=\"track\" x=\"0\" y=\"4\" width=\"%d\" "
	    "height=\"10\"/>", HTML_BAR_WIDTH);
	fprintf(f, "<rect class=\"spent st-%s\" x=\"0\" y=\"4\" "
	    "width=\"%.2f\" height=\"10\"/>", budget_status_name(e->status),
	    html_bar_x(used, scale));
	for (k = 0; k < b->nthresholds; k++) {
		dec_format(b->thresholds[k], exact);
		x = html_bar_x(chart_dec_double(b->thresholds[k]), scale);
		fprintf(f, "<line class=\"thr\" data-pct=\"%s\" x1=\"%.2f\" "
		    "y1=\"14\" x2=\"%.2f\" y2=\"18\"/>", exact, x, x);
	}
	x = html_bar_x(100, scale);
	fprintf(f, "<line class=\"limit\" x1=\"%.2f\" y1=\"0\" x2=\"%.2f\" "
	    "y2=\"18\"/>", x, x);
	x = html_bar_x(proj, scale);
	fprintf(f, "<line class=\"proj\" x1=\"%.2f\" y1=\"4\" x2=\"%.2f\" "
	    "y2=\"14\"/></svg>", x, x);
}

/* A text cell of a string from a file or the data, escaped. */
static void
html_str_cell(FILE *f, const char *cls, const char *s, size_t len)
{
	fprintf(f, "<td class=\"%s\">", cls);
	html_name(f, s, len);
	fputs("</td>", f);
}

void
html_budget_table(FILE *f, const struct budget_calc *c, const char *id)
{
	static const char *const heads[] = {
		"budget", "scope", "period", "spent and projected",
		"amount (credits)", "spent", "used", "projected",
		"projected %", "runs out", "status"
	};
	char buf[4096], d1[DATE_BUFSZ], d2[DATE_BUFSZ];
	size_t i, k, n = c->bs->n;

	html_table_open(f, id, n);
	for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++)
		html_head(f, heads[k], k >= 3 && k <= 8);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < n; i++) {
		const struct budget *b = &c->bs->b[i];
		const struct budget_eval *e = &c->e[i];
		char exact[DEC_BUFSZ];

		fprintf(f, "<tr%s>", html_fold_class(i, n));
		html_str_cell(f, "t", b->name, strlen(b->name));
		budget_scope_text(b, buf, sizeof(buf));
		html_str_cell(f, "t", buf, strlen(buf));
		date_format_day(e->start, d1);
		date_format_day(e->end, d2);
		fprintf(f, "<td>%s: %s to %s</td>",
		    budget_period_name(b->period), d1, d2);
		dec_format(e->used_pct, exact);
		fprintf(f, "<td class=\"n\" data-v=\"%s\">", exact);
		html_budget_bar(f, b, e);
		fputs("</td>", f);
		html_dec_cell(f, e->amount, 2, "");
		html_dec_cell(f, e->spent, 2, "");
		html_dec_cell(f, e->used_pct, 2, "%");
		html_dec_cell(f, e->projected, 2, "");
		html_dec_cell(f, e->projected_pct, 2, "%");
		if (e->have_runs_out)
			date_format_day(e->runs_out, d1);
		fprintf(f, "<td>%s</td>", e->have_runs_out ? d1 : "");
		fprintf(f, "<td class=\"st-%s\">%s</td></tr>\n",
		    budget_status_name(e->status),
		    budget_status_name(e->status));
	}
	fputs("</tbody>\n", f);
	html_table_close(f, id, n);
}

void
html_anomaly_table(FILE *f, const struct anomaly_run *r,
    const struct anomaly_list *l, const char *id)
{
	static const char *const heads[] = {
		"kind", "credits", "baseline", "excess credits",
		"excess (USD)", "score", "samples", "contributor",
		"contributor excess"
	};
	char buf[64];
	size_t i, k, len;
	const char *p;

	html_table_open(f, id, l->n);
	html_head(f, "day", 0);
	for (k = 0; k < l->nkeys; k++)
		html_head(f, l->names[k], 0);
	for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++)
		html_head(f, heads[k], k >= 1 && k <= 6 ? 1 : k == 8);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < l->n; i++) {
		const struct anomaly_item *it = &l->items[i];

		fprintf(f, "<tr%s>", html_fold_class(i, l->n));
		date_format_day(it->day, buf);
		fprintf(f, "<td>%s</td>", buf);
		for (k = 0; k < l->nkeys; k++) {
			p = agg_key_part(it->key, it->keylen, k, &len);
			html_str_cell(f, "t", p, len);
		}
		fprintf(f, "<td>%s</td>", anomaly_kind_name(it->v.kind));
		html_dec_cell(f, it->v.credits, 2, "");
		if (it->v.base.n > 0)
			html_dec_cell(f, it->v.base.median, 2, "");
		else
			fputs("<td class=\"n\"></td>", f);
		html_signed_cell(f, it->v.excess, 2, "");
		html_signed_cell(f, dec_cost_or_die(it->v.excess, r->price), 2,
		    "");
		if (isnan(it->v.score)) {
			fputs("<td class=\"n\"></td>", f);
		} else {
			snprintf(buf, sizeof(buf), "%.2f", it->v.score);
			fprintf(f, "<td class=\"n\" data-v=\"%s\">%s</td>", buf,
			    buf);
		}
		html_count_cell(f, it->v.base.n);
		if (it->has_sub) {
			html_str_cell(f, "t", it->sub, it->sublen);
			html_signed_cell(f, it->sub_excess, 2, "");
		} else {
			fputs("<td class=\"t\"></td><td class=\"n\"></td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n", f);
	html_table_close(f, id, l->n);
}
