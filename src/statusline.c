/*
 * statusline.c: a live status line on a terminal, or spaced lines in a log
 * (see statusline.h), drawn by the reporter (reporter.h).
 */
#include "statusline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "reporter.h"
#include "util.h"

void
statusline_init(struct statusline *p, int quiet, int verbose)
{
	const struct reporter *r = reporter_get();

	memset(p, 0, sizeof(*p));
	p->interval = STATUSLINE_LOG_INTERVAL;
	p->last = -1e9;
	if (quiet || r == NULL || r->status == NULL)
		p->mode = STATUSLINE_NONE;
	else if (verbose || r->status_terminal == NULL ||
	    !r->status_terminal())
		p->mode = STATUSLINE_LOG;
	else
		p->mode = STATUSLINE_LIVE;
}

void
statusline_status(struct statusline *p, int change, const char *fmt, ...)
{
	char text[512], line[1024];
	double now = api_clock();
	va_list ap;

	if (p->mode == STATUSLINE_NONE)
		return;
	if (p->mode == STATUSLINE_LOG && !change && now - p->last < p->interval)
		return;
	if (p->mode == STATUSLINE_LIVE && !change && now - p->last < 0.2)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* a part's name, a job's state: one line, no escape sequence */
	str_escape(line, sizeof(line), text, strlen(text));
	p->last = now;
	reporter_get()->status(p->mode == STATUSLINE_LIVE, line);
	if (p->mode == STATUSLINE_LIVE)
		p->drawn = 1;
}

void
statusline_clear(struct statusline *p)
{
	if (p->mode != STATUSLINE_LIVE || !p->drawn)
		return;
	statusline_erase();
	p->drawn = 0;
	p->last = -1e9;
}

void
statusline_erase(void)
{
	const struct reporter *r = reporter_get();

	if (r != NULL && r->status != NULL)
		r->status(1, NULL);
}

const char *
statusline_duration(double secs, char *buf)
{
	/* capped at 999 h: an ETA from a rate near 0 is not a date */
	unsigned s = secs <= 0 ? 0 : secs >= 999 * 3600.0 ? 999 * 3600 :
	    (unsigned)(secs + 0.5);

	if (s >= 3600)
		snprintf(buf, 16, "%uh%02um", (s / 3600) % 1000,
		    (s / 60) % 60);
	else if (s >= 60)
		snprintf(buf, 16, "%um%02us", (s / 60) % 60, s % 60);
	else
		snprintf(buf, 16, "%us", s % 60);
	return buf;
}

const char *
statusline_bytes(double b, char *buf)
{
	if (b >= 1e9)
		snprintf(buf, 16, "%.2f GB", b / 1e9);
	else if (b >= 1e6)
		snprintf(buf, 16, "%.1f MB", b / 1e6);
	else if (b >= 1e3)
		snprintf(buf, 16, "%.0f kB", b / 1e3);
	else
		snprintf(buf, 16, "%.0f B", b);
	return buf;
}
