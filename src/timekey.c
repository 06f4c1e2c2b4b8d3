/*
 * timekey.c: the day, week and month keys of files and history alike
 * (timekey.h).
 */
#include "timekey.h"

#include "date.h"

uint32_t
timekey_id(struct timekey_cache *c, enum key_kind kind, int32_t days)
{
	int y, m, d;

	if (kind == KEY_DAY)
		return (uint32_t)days;
	if (kind == KEY_WEEK)
		return (uint32_t)date_week_start(days);
	if (!c->have || c->day != days) {
		date_to_ymd(days, &y, &m, &d);
		c->day = days;
		c->month_start = date_from_ymd(y, m, 1);
		c->have = 1;
	}
	return (uint32_t)c->month_start;
}

size_t
timekey_text(enum key_kind kind, uint32_t id, char *buf)
{
	if (kind == KEY_DAY)
		return date_format_day((int32_t)id, buf);
	if (kind == KEY_WEEK)
		return date_format_week((int32_t)id, buf);
	return date_format_month((int32_t)id, buf);
}
