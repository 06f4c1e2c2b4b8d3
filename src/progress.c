/*
 * progress.c: the progress calls of progress.h, their text formatted and
 * made safe to show, handed to the reporter (reporter.h); term.c draws.
 */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reporter.h"
#include "util.h"

#define PG_TEXT		200	/* a state or a detail, before escaping */

/*
 * Format into dst[cap] with every control character escaped: a state
 * or a detail may name a file, whose name must not reach the terminal
 * as it is (an escape sequence, a newline breaking the line in place).
 */
static void
pg_vformat(char *dst, size_t cap, const char *fmt, va_list ap)
{
	char text[PG_TEXT];

	vsnprintf(text, sizeof(text), fmt, ap);
	str_escape(dst, cap, text, strlen(text));
}

void
progress_init(int quiet)
{
	const struct reporter *r = reporter_get();

	if (r != NULL && r->progress_init != NULL)
		r->progress_init(quiet);
}

void
progress_begin(const char *task, const char *fmt, ...)
{
	const struct reporter *r = reporter_get();
	char state[PG_TEXT];
	va_list ap;

	if (r == NULL || r->progress_begin == NULL)
		return;
	va_start(ap, fmt);
	pg_vformat(state, sizeof(state), fmt, ap);
	va_end(ap);
	r->progress_begin(task, state);
}

/* A new state, or a handover (fmt NULL: with no state line). */
static void
pg_state(int handover, const char *fmt, va_list ap)
{
	const struct reporter *r = reporter_get();
	char state[PG_TEXT];

	if (r == NULL || r->progress_state == NULL)
		return;
	if (fmt != NULL)
		pg_vformat(state, sizeof(state), fmt, ap);
	r->progress_state(handover, fmt != NULL ? state : NULL);
}

void
progress_state(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pg_state(0, fmt, ap);
	va_end(ap);
}

void
progress_handover(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pg_state(1, fmt, ap);
	va_end(ap);
}

void
progress_detail(const char *fmt, ...)
{
	const struct reporter *r = reporter_get();
	char detail[PG_TEXT];
	va_list ap;

	if (r == NULL || r->progress_detail == NULL)
		return;
	va_start(ap, fmt);
	pg_vformat(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	r->progress_detail(detail);
}

void
progress_end(void)
{
	const struct reporter *r = reporter_get();

	if (r != NULL && r->progress_end != NULL)
		r->progress_end();
}

void
progress_hold(void)
{
	const struct reporter *r = reporter_get();

	if (r != NULL && r->progress_hold != NULL)
		r->progress_hold(1);
}

void
progress_release(void)
{
	const struct reporter *r = reporter_get();

	if (r != NULL && r->progress_hold != NULL)
		r->progress_hold(0);
}

void
progress_bytes(double b, char *buf, size_t len)
{
	if (b >= 1e9)
		snprintf(buf, len, "%.2f GB", b / 1e9);
	else if (b >= 1e6)
		snprintf(buf, len, "%.1f MB", b / 1e6);
	else if (b >= 1e3)
		snprintf(buf, len, "%.1f kB", b / 1e3);
	else
		snprintf(buf, len, "%.0f B", b);
}
