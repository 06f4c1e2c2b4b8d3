/*
 * timekey.h: the time keys of a report (day, week, month), one function
 * for the files (report.c) and the database (db.c), which must agree: a
 * group read from files and the same group read from history share their
 * key's text byte for byte.
 */
#ifndef CU_TIMEKEY_H
#define CU_TIMEKEY_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/*
 * The last month looked up, so that a run of rows of one day costs one
 * date conversion.  Zero it (or TIMEKEY_CACHE_INIT) before the first use;
 * one per thread.
 */
struct timekey_cache {
	int32_t day, month_start;
	int have;
};
#define TIMEKEY_CACHE_INIT { 0, 0, 0 }

/*
 * The id of the time key of `kind` (KEY_DAY, KEY_WEEK or KEY_MONTH) for
 * the date `days` (days since 1970-01-01): the first day of its period,
 * i.e. the day itself, the Monday of its ISO 8601 week (which may be in
 * the year before: 2027-01-01 is in 2026-W53, whose Monday is 2026-12-28)
 * or the first of its month.  Two dates share an id exactly when they
 * share the key's text.
 */
uint32_t timekey_id(struct timekey_cache *c, enum key_kind kind,
    int32_t days);

/*
 * The text of a time key id made by timekey_id(), into buf (DATE_BUFSZ
 * bytes): "2026-10-01", "2026-W40" (the ISO week-numbering year) or
 * "2026-10".  Returns its length.
 */
size_t timekey_text(enum key_kind kind, uint32_t id, char *buf);

#endif
