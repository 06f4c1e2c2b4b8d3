/*
 * jsonw.h: writing JSON strings, the one JSON escaper of the writers that
 * stream JSON themselves (report, compare, the analyses' grids); documents
 * built in memory go through jansson.
 */
#ifndef CU_JSONW_H
#define CU_JSONW_H

#include <stdint.h>
#include <stdio.h>

/*
 * Write s[0..len) as a JSON string, quotes included: '"' and '\\' get a
 * backslash; LF, CR and tab are \n, \r and \t; the other controls and DEL
 * \u00XX; '<' is \u003c, so the string is safe inside an HTML script
 * block; each byte that does not start valid UTF-8 (utf8.h) is \ufffd.
 * Valid UTF-8 is copied as it is.
 */
void jsonw_string(FILE *f, const char *s, size_t len);

/* Write a day (date.h) as "2026-10-01", or null when `have` is 0. */
void jsonw_date(FILE *f, int have, int32_t days);

#endif
