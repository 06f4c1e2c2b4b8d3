/*
 * grid.h: a table of text cells written as a table, CSV, JSON or markdown.
 * It is the one table renderer: the report's and compare's tables and
 * markdown are grids, and so are all four formats of the analyses
 * (failures, rightsize) whose columns are not report metrics.  Cells are
 * copied, with their length (a name from the data may hold a NUL byte);
 * numeric columns are right-aligned in tables and unquoted in JSON (an
 * empty numeric cell is JSON null).  In a table and markdown every cell
 * but the header goes through view_cell_text(): control bytes and invalid
 * UTF-8 are escaped, key columns are cut at 48 columns in a table.
 */
#ifndef CU_GRID_H
#define CU_GRID_H

#include <stdio.h>

#include "view.h"

struct grid {
	const char *const *heads;	/* column names, borrowed */
	const int *numeric;		/* per column: 1 for a number */
	size_t ncols;
	char **cells;			/* nrows * ncols, owned, NUL-ended */
	char **human;			/* the same: a number's table and
					 * markdown text (grid_set_num), or
					 * NULL: the cell's */
	size_t *lens;			/* each cell's length (may hold NUL) */
	size_t nrows, cap;		/* rows used and allocated */
	size_t nkeys;	/* leading key columns (cut at 48 in a table) */
	int csv_safe;	/* CSV: neutralise formulas in text cells */
	int trim_last;	/* table: an empty last cell ends its line there,
			 * with no blanks before it */
};

/* Start an empty grid; heads and numeric must outlive it. */
void grid_init(struct grid *g, const char *const *heads, const int *numeric,
    size_t ncols, size_t nkeys);
void grid_release(struct grid *g);

/* Append a row of empty cells; returns its index. */
size_t grid_row(struct grid *g);
/* Set cell (row, col) to a copy of s[0..len). */
void grid_set(struct grid *g, size_t row, size_t col, const char *s,
    size_t len);
void grid_setstr(struct grid *g, size_t row, size_t col, const char *s);

/*
 * The kinds of number a cell holds.  CSV and JSON get the exact text;
 * the table and markdown report's: counts and money with thousands
 * separators, credits and money rounded to cents, a percentage to
 * hundredths with its sign.
 */
enum grid_num {
	GN_COUNT,	/* a whole number: 12345 | 12,345 */
	GN_CREDITS,	/* exact decimals | 1,234.57 */
	GN_USD,		/* cents | 1,234.57 */
	GN_PCT		/* hundredths | 12.34% */
};

/*
 * v as `kind` writes it, human (table, markdown) or exact, into buf
 * (DEC_BUFSZ + 16 bytes).  Returns buf.
 */
char *grid_num_text(enum grid_num kind, dec_t v, int human, char *buf);

/* Set a number cell: its exact and human texts. */
void grid_set_num(struct grid *g, size_t row, size_t col,
    enum grid_num kind, dec_t v);
/*
 * Set the first nkeys cells of row to the columns of an agg key (agg.h),
 * "(other)" in the first for a NULL key: a view's or compare's row.
 */
void grid_set_key(struct grid *g, size_t row, const char *key,
    size_t keylen, size_t nkeys);

/*
 * Write the grid in `fmt`.  `title` (may be NULL) is a line above tables
 * and markdown.  `totals` (may be NULL) is one more row: the table's
 * TOTAL line, JSON's "totals" object.  `json_meta` (may be NULL) is the
 * text of a JSON object written as "meta".  Returns 0, or -1 on a write
 * error.
 */
int grid_write(const struct grid *g, const struct grid *totals,
    const char *title, const char *json_meta, FILE *f, enum view_format fmt);

/* Where and how an analysis (failures, rightsize) writes its grid. */
struct grid_out {
	const char *path;	/* NULL or "-": stdout */
	enum view_format fmt;
	size_t top;		/* the first rows only; 0: all */
	int csv_safe;		/* the grid's csv_safe */
};

/*
 * grid_write() to dst->path, all or nothing (out.h).  Returns 0, or -1
 * after printing an error (out_close()'s when a write fails).
 */
int grid_write_file(const struct grid *g, const struct grid *totals,
    const char *title, const char *json_meta, const struct grid_out *dst);

#endif
