/*
 * grid.c: tables of text cells in the report's four formats (grid.h).
 */
#include <stdlib.h>
#include <string.h>

#include "csvw.h"
#include "grid.h"
#include "jsonw.h"
#include "out.h"
#include "util.h"

#define GRID_NAME_COLS 48

void
grid_init(struct grid *g, const char *const *heads, const int *numeric,
    size_t ncols, size_t nkeys)
{
	memset(g, 0, sizeof(*g));
	g->heads = heads;
	g->numeric = numeric;
	g->ncols = ncols;
	g->nkeys = nkeys;
}

void
grid_release(struct grid *g)
{
	strv_free(g->cells, g->nrows * g->ncols);
	strv_free(g->human, g->nrows * g->ncols);
	free(g->lens);
	g->cells = NULL;
	g->human = NULL;
	g->lens = NULL;
	g->nrows = 0;
	g->cap = 0;
}

size_t
grid_row(struct grid *g)
{
	size_t i;

	/* doubling: a report of many groups appends them in linear time */
	if (g->nrows == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->cells = xreallocarray(g->cells, g->cap * g->ncols,
		    sizeof(*g->cells));
		g->human = xreallocarray(g->human, g->cap * g->ncols,
		    sizeof(*g->human));
		g->lens = xreallocarray(g->lens, g->cap * g->ncols,
		    sizeof(*g->lens));
	}
	for (i = 0; i < g->ncols; i++) {
		g->cells[g->nrows * g->ncols + i] = xstrdup("");
		g->human[g->nrows * g->ncols + i] = NULL;
		g->lens[g->nrows * g->ncols + i] = 0;
	}
	return g->nrows++;
}

void
grid_set(struct grid *g, size_t row, size_t col, const char *s, size_t len)
{
	char **c = &g->cells[row * g->ncols + col];

	free(*c);
	*c = xstrndup(s, len);	/* all len bytes, a NUL among them too */
	g->lens[row * g->ncols + col] = len;
}

void
grid_setstr(struct grid *g, size_t row, size_t col, const char *s)
{
	grid_set(g, row, col, s, strlen(s));
}

char *
grid_num_text(enum grid_num kind, dec_t v, int human, char *buf)
{
	char sep = human ? ',' : 0;
	size_t n;

	switch (kind) {
	case GN_COUNT:
		dec_format_fixed(v, 0, sep, buf);
		break;
	case GN_CREDITS:
		if (human)
			dec_format_fixed(v, 2, sep, buf);
		else
			dec_format(v, buf);
		break;
	case GN_USD:
		dec_format_fixed(v, 2, sep, buf);
		break;
	case GN_PCT:
		n = dec_format_fixed(v, 2, 0, buf);
		if (human)
			memcpy(buf + n, "%", 2);
		break;
	}
	return buf;
}

void
grid_set_num(struct grid *g, size_t row, size_t col, enum grid_num kind,
    dec_t v)
{
	char buf[DEC_BUFSZ + 16];
	char **h = &g->human[row * g->ncols + col];

	grid_setstr(g, row, col, grid_num_text(kind, v, 0, buf));
	free(*h);
	*h = xstrdup(grid_num_text(kind, v, 1, buf));
}

void
grid_set_key(struct grid *g, size_t row, const char *key, size_t keylen,
    size_t nkeys)
{
	size_t j, len;

	for (j = 0; j < nkeys; j++) {
		const char *s = view_key_part(key, keylen, j, &len);

		grid_set(g, row, j, s, len);
	}
}

/* Cell (row, col) and its length. */
static const char *
grid_cell(const struct grid *g, size_t row, size_t col, size_t *len)
{
	*len = g->lens[row * g->ncols + col];
	return g->cells[row * g->ncols + col];
}

/* The same, as the table and markdown show it. */
static const char *
grid_cell_human(const struct grid *g, size_t row, size_t col, size_t *len)
{
	const char *h = g->human[row * g->ncols + col];

	if (h == NULL)
		return grid_cell(g, row, col, len);
	*len = strlen(h);
	return h;
}

static void
grid_write_csv(const struct grid *g, FILE *f)
{
	size_t i, j;

	for (j = 0; j < g->ncols; j++)
		fprintf(f, "%s%s", j ? "," : "", g->heads[j]);
	putc('\n', f);
	for (i = 0; i < g->nrows; i++) {
		for (j = 0; j < g->ncols; j++) {
			size_t len;
			const char *s = grid_cell(g, i, j, &len);

			if (j)
				putc(',', f);
			csvw_text(f, s, len, g->csv_safe &&
			    !g->numeric[j]);
		}
		putc('\n', f);
	}
}

/* Row i as a JSON object, from column `from` on (totals have no keys). */
static void
grid_json_object(const struct grid *g, size_t i, size_t from, FILE *f)
{
	size_t j;

	putc('{', f);
	for (j = from; j < g->ncols; j++) {
		size_t len;
		const char *s = grid_cell(g, i, j, &len);

		fprintf(f, "%s\"%s\": ", j > from ? ", " : "", g->heads[j]);
		if (!g->numeric[j])
			jsonw_string(f, s, len);
		else
			fputs(*s ? s : "null", f);
	}
	putc('}', f);
}

static void
grid_write_json(const struct grid *g, const struct grid *totals,
    const char *meta, FILE *f)
{
	size_t i;

	fputs("{\n  \"rows\": [", f);
	for (i = 0; i < g->nrows; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		grid_json_object(g, i, 0, f);
	}
	fputs(g->nrows ? "\n  ]" : "]", f);
	if (totals != NULL && totals->nrows > 0) {
		fputs(",\n  \"totals\": ", f);
		grid_json_object(totals, 0, totals->nkeys, f);
	}
	if (meta != NULL)
		fprintf(f, ",\n  \"meta\": %s", meta);
	fputs("\n}\n", f);
}

static void
grid_rule(FILE *f, const size_t *width, size_t ncols)
{
	size_t all = 0, j;

	for (j = 0; j < ncols; j++)
		all += width[j] + (j ? 2 : 0);
	for (j = 0; j < all; j++)
		putc('-', f);
	putc('\n', f);
}

/* A table or markdown: header, rows, then the totals row if any. */
static void
grid_write_human(const struct grid *g, const struct grid *totals,
    const char *title, FILE *f, int md)
{
	size_t ntot = totals != NULL && totals->nrows > 0 ? 1 : 0;
	size_t nrow = g->nrows + 1 + ntot, ncol = g->ncols, i, j, k;
	char **text = xcalloc(nrow * ncol, sizeof(*text));
	size_t *w = xcalloc(nrow * ncol, sizeof(*w));
	size_t *width = xcalloc(ncol, sizeof(*width));
	struct sbuf sb;

	sbuf_init(&sb, 1 << 20);
	for (i = 0; i < nrow; i++) {
		for (j = 0; j < ncol; j++) {
			const char *s;
			size_t len;

			if (i == 0)
				s = g->heads[j], len = strlen(s);
			else if (i <= g->nrows)
				s = grid_cell_human(g, i - 1, j, &len);
			else
				s = grid_cell_human(totals, 0, j, &len);
			if (len == 0 && i > 0 && i <= g->nrows && j < g->nkeys)
				s = "(none)", len = 6;
			if (i == 0) {	/* our names, shown as they are */
				sbuf_reset(&sb);
				sbuf_add(&sb, s, len);
				w[i * ncol + j] = len;
			} else {
				w[i * ncol + j] = view_cell_text(&sb, s, len,
				    md || j >= g->nkeys ? 0 : GRID_NAME_COLS,
				    md);
			}
			if (md && i > g->nrows && len > 0) {
				text[i * ncol + j] = xasprintf("**%s**",
				    sb.buf);
				w[i * ncol + j] += 4;
			} else {
				text[i * ncol + j] = xstrdup(sb.buf);
			}
			if (w[i * ncol + j] > width[j])
				width[j] = w[i * ncol + j];
		}
	}
	if (title != NULL)
		fprintf(f, md ? "**%s**\n\n" : "%s\n\n", title);
	for (i = 0; i < nrow; i++) {
		if (!md && ntot && i == nrow - 1)
			grid_rule(f, width, ncol);
		if (md)
			putc('|', f);
		for (j = 0; j < ncol; j++) {
			size_t pad = width[j] - w[i * ncol + j];
			int left = !g->numeric[j];

			if (!md && g->trim_last && j + 1 == ncol &&
			    w[i * ncol + j] == 0)
				break;	/* no trailing blanks */
			if (md)
				putc(' ', f);
			else if (j)
				fputs("  ", f);
			if (!left)
				for (k = 0; k < pad; k++)
					putc(' ', f);
			fputs(text[i * ncol + j], f);
			if (left && (md || j + 1 < ncol))
				for (k = 0; k < pad; k++)
					putc(' ', f);
			if (md)
				fputs(" |", f);
		}
		putc('\n', f);
		if (i == 0 && md) {
			putc('|', f);
			for (j = 0; j < ncol; j++) {
				fputs(g->numeric[j] ? " " : " :", f);
				for (k = 0; k + 1 < width[j]; k++)
					putc('-', f);
				fputs(g->numeric[j] ? ": |" : " |", f);
			}
			putc('\n', f);
		} else if (i == 0) {
			grid_rule(f, width, ncol);
		}
	}
	strv_free(text, nrow * ncol);
	free(w);
	free(width);
	sbuf_release(&sb);
}

int
grid_write(const struct grid *g, const struct grid *totals,
    const char *title, const char *json_meta, FILE *f, enum view_format fmt)
{
	if (fmt == FMT_CSV)
		grid_write_csv(g, f);
	else if (fmt == FMT_JSON)
		grid_write_json(g, totals, json_meta, f);
	else
		grid_write_human(g, totals, title, f, fmt == FMT_MARKDOWN);
	return ferror(f) ? -1 : 0;
}

int
grid_write_file(const struct grid *g, const struct grid *totals,
    const char *title, const char *json_meta, const struct grid_out *dst)
{
	struct out out;

	if (out_open(&out, dst->path) < 0)
		return -1;
	return out_close(&out, grid_write(g, totals, title, json_meta, out.f,
	    dst->fmt) < 0);
}
