/*
 * html.c: the HTML page's document, tables and charts.  The CSS adapts to
 * phones (tables scroll sideways, cards wrap), dark mode and print; the
 * script only sorts and filters tables.  A Content-Security-Policy forbids
 * any request, so the page cannot reach another file or host.
 */
#include "html.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xmlw.h"

/* A name from the data: display-safe (chart_safe_text), then escaped. */
static void
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
"main{max-width:1100px;margin:0 auto;padding:16px}\n"
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
".chart{margin:.5em 0;overflow-x:auto}.chart svg{width:100%;"
"min-width:640px;height:auto;border-radius:6px;border:1px solid "
"var(--line)}\n"
".tw{overflow-x:auto}\n"
"table{border-collapse:collapse;width:100%;font-variant-numeric:"
"tabular-nums;font-size:.92em}\n"
"th,td{padding:4px 8px;border-bottom:1px solid var(--line);"
"text-align:left;white-space:nowrap}\n"
"td.t{white-space:normal;overflow-wrap:anywhere;min-width:8em}\n"
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
"input{display:none}.tw{overflow:visible}section{break-inside:avoid}"
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
"  }\n"
"  h.addEventListener('click',go);\n"
"  h.addEventListener('keydown',function(e){if(e.key==='Enter'||"
"e.key===' '){e.preventDefault();go();}});\n"
" });\n"
"});\n"
"document.querySelectorAll('input[data-filter]').forEach(function(s){\n"
" var t=document.getElementById(s.getAttribute('data-filter'));\n"
" s.addEventListener('input',function(){var q=s.value.toLowerCase();\n"
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

/* A sortable table's start, to <tbody>: `numeric` columns align right. */
static void
html_table_begin(FILE *f, const char *id, const char *const *heads,
    const int *numeric, size_t n)
{
	size_t k;

	fprintf(f, "<div class=\"tw\"><table id=\"%s\" class=\"sortable\">\n"
	    "<thead><tr>", id);
	for (k = 0; k < n; k++)
		fprintf(f, "<th scope=\"col\"%s>%s</th>", numeric[k] ?
		    " class=\"n\"" : "", heads[k]);
	fputs("</tr></thead>\n<tbody>\n", f);
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

static const int html_table_metrics[] = {
	VM_JOBS, VM_RUN_SECONDS, VM_CREDITS + CR_TOTAL, VM_COST, VM_SHARE
};
static const char *const html_table_heads[] = {
	"jobs", "run hours", "credits", "cost (USD)", "share"
};
#define HTML_NMETRICS 5

static void
html_row(FILE *f, const struct view *v, const struct view_row *r,
    const char *label)
{
	size_t k, m;

	fputs("<tr>", f);
	if (label == NULL)
		html_key_cells(f, r->key, r->keylen, v->o->nkeys);
	for (k = 0; label != NULL && k < v->o->nkeys; k++) {
		fputs("<td class=\"t\">", f);
		if (k == 0)
			xmlw_escape(f, label, strlen(label));
		fputs("</td>", f);
	}
	for (m = 0; m < HTML_NMETRICS; m++)
		html_metric_cell(f, r, html_table_metrics[m]);
	if (v->count_name != NULL)
		fprintf(f, "<td class=\"n\" data-v=\"%llu\">%llu</td>",
		    (unsigned long long)r->count,
		    (unsigned long long)r->count);
	fputs("</tr>\n", f);
}

void
html_view_table(FILE *f, const struct view *v, const char *id, int filter)
{
	struct view_row tot;
	size_t i, k, m;

	if (filter)
		fprintf(f, "<input type=\"search\" data-filter=\"%s\" "
		    "placeholder=\"Filter\" aria-label=\"Filter the table\">\n",
		    id);
	fprintf(f, "<div class=\"tw\"><table id=\"%s\" class=\"sortable\">\n"
	    "<thead><tr>", id);
	for (k = 0; k < v->o->nkeys; k++) {
		fputs("<th scope=\"col\">", f);
		for (const char *p = v->o->keys[k].name; *p; p++)
			putc(*p == '_' ? ' ' : *p, f);
		fputs("</th>", f);
	}
	for (m = 0; m < HTML_NMETRICS; m++)
		fprintf(f, "<th scope=\"col\" class=\"n\">%s</th>",
		    html_table_heads[m]);
	if (v->count_name != NULL)
		fprintf(f, "<th scope=\"col\" class=\"n\">%s</th>",
		    v->count_name);
	fputs("</tr></thead>\n<tbody>\n", f);
	for (i = 0; i < v->n; i++)
		if (v->rows[i].key != NULL)
			html_row(f, v, &v->rows[i], NULL);
	fputs("</tbody>\n<tfoot>\n", f);
	for (i = 0; i < v->n; i++)
		if (v->rows[i].key == NULL)
			html_row(f, v, &v->rows[i], "(other)");
	memset(&tot, 0, sizeof(tot));
	tot.m = v->res->totals;
	tot.cost = v->total_cost;
	tot.share = v->res->totals.credits[CR_TOTAL] != 0 ? 100 * DEC_ONE : 0;
	tot.count = v->total_count;
	html_row(f, v, &tot, "TOTAL");
	fputs("</tfoot>\n</table></div>\n", f);
}

void
html_failures_table(FILE *f, const struct failures *fl, size_t top,
    const char *id)
{
	static const char *const heads[] = {
		"project", "workflow", "job", "failed runs", "runs",
		"failure rate", "credits on failed runs", "cost (USD)",
		"retried runs", "credits on retried runs"
	};
	static const int numeric[] = { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1 };
	size_t i, shown_rows = 0;

	html_table_begin(f, id, heads, numeric, 10);
	for (i = 0; i < fl->n && (top == 0 || shown_rows < top); i++) {
		const struct failures_row *r = &fl->rows[i];

		if (r->wasted_runs == 0)
			continue;
		shown_rows++;
		fputs("<tr>", f);
		html_key_cells(f, r->key, r->keylen, 3);
		html_count_cell(f, r->wasted_runs);
		html_count_cell(f, r->runs);
		html_dec_cell(f, r->failure_rate_pct, 2, "%");
		html_dec_cell(f, r->wasted_credits, 2, "");
		html_dec_cell(f, r->wasted_usd, 2, "");
		if (fl->have_retry) {
			html_count_cell(f, r->retried_runs);
			html_dec_cell(f, r->retry_credits, 2, "");
		} else {
			/* from history: unknown (failures.h) */
			fputs("<td class=\"n\"></td><td class=\"n\"></td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table></div>\n", f);
}

void
html_rightsize_table(FILE *f, const struct rightsize *rs, size_t top,
    const char *id)
{
	static const char *const heads[] = {
		"project", "workflow", "job", "resource class", "executor",
		"runs", "CPU median %", "CPU max %", "RAM median %",
		"RAM max %", "verdict", "suggested class",
		"credits saved / 30 days", "USD saved / 30 days", "why n/a"
	};
	static const int numeric[] = { 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0,
	    1, 1, 0 };
	char exact[DEC_BUFSZ];
	size_t i, k, n = top && top < rs->n ? top : rs->n;

	html_table_begin(f, id, heads, numeric, 15);
	for (i = 0; i < n; i++) {
		const struct rightsize_row *r = &rs->rows[i];
		const char *v = rightsize_verdict_name(r->verdict);

		fputs("<tr>", f);
		html_key_cells(f, r->key, r->keylen, 5);
		html_count_cell(f, r->runs);
		for (k = 0; k < RS_NCOLS; k++) {
			if (!r->have[k]) {
				fputs("<td class=\"n\"></td>", f);
				continue;
			}
			dec_format(r->median[k], exact);
			fprintf(f, "<td class=\"n\" data-v=\"%s\">%s</td>",
			    exact, exact);
		}
		fprintf(f, "<td class=\"t\">%s</td><td class=\"t\">", v);
		if (r->suggested != NULL)
			html_name(f, r->suggested->resource_class,
			    strlen(r->suggested->resource_class));
		fputs("</td>", f);
		if (r->have_savings) {
			html_dec_cell(f, r->savings, 2, "");
			html_dec_cell(f, r->savings_usd, 2, "");
		} else {
			fputs("<td class=\"n\"></td><td class=\"n\"></td>", f);
		}
		fputs("<td class=\"t\">", f);
		if (r->reason != NULL)
			html_name(f, r->reason, strlen(r->reason));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table></div>\n", f);
}

int
html_chart(FILE *f, const struct view *v, const struct chart_opts *co,
    int width, int height, const struct chart_measure *m, const char *id)
{
	struct chart c;
	struct chart_draw d;
	int ret;

	chart_build(&c, v, co, width, height);
	chart_layout(&d, &c, width, height, m);
	fputs("<div class=\"chart\">", f);
	ret = chart_svg_write_inline(&d, f, id);
	fputs("</div>\n", f);
	chart_draw_release(&d);
	chart_release(&c);
	return ret;
}
