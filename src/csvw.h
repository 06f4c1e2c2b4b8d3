/*
 * csvw.h: writing CSV fields (RFC 4180), the one CSV escaper of every
 * writer (report, compare, the analyses' grids).  The reader is csv.h.
 */
#ifndef CU_CSVW_H
#define CU_CSVW_H

#include <stdio.h>

/*
 * Write s[0..len) as one field: as it is, or, when it holds a comma, a
 * double quote, a LF or a CR, between double quotes with each double quote
 * doubled.  Any other byte, NUL included, is written as it is.
 */
void csvw_field(FILE *f, const char *s, size_t len);

/*
 * A text field (a name from the data): as csvw_field, but with `safe` a
 * field that a spreadsheet would take for a formula, one starting with
 * '=', '+', '-', '@', a tab or a CR, gets a leading single quote ("'=1+2"),
 * which spreadsheets show as text and do not evaluate.  A plain decimal
 * number ("-12", "3.5") is left as it is: it is a value, not a formula.
 */
void csvw_text(FILE *f, const char *s, size_t len, int safe);

/* Whether csvw_text would neutralise s with `safe` on. */
int csvw_needs_neutralising(const char *s, size_t len);

#endif
