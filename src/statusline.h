/*
 * statusline.h: what a long command shows while it waits.  On a terminal,
 * one status line redrawn in place and cleared at the end; otherwise (a
 * CI log) a line at each change and at most one every 30 s in between;
 * with --quiet nothing.  Used by export; the reporter (reporter.h) draws
 * it, on stderr in term.c.
 */
#ifndef CU_STATUSLINE_H
#define CU_STATUSLINE_H

#include "util.h"

#define STATUSLINE_LOG_INTERVAL 30.0	/* seconds between periodic lines */

enum statusline_mode { STATUSLINE_NONE, STATUSLINE_LOG, STATUSLINE_LIVE };

struct statusline {
	enum statusline_mode mode;
	double interval;	/* STATUSLINE_LOG: between periodic lines */
	double last;		/* api_clock() of the last line or redraw */
	int drawn;		/* STATUSLINE_LIVE: a line is on the terminal */
};

/*
 * Choose the mode: none when quiet (or no reporter draws status lines); a
 * log when verbose (the trace is a log already) or when the reporter has
 * no terminal; else live.
 */
void statusline_init(struct statusline *p, int quiet, int verbose);

/*
 * The current status, without the program name or a newline.  Live: the
 * line is redrawn (at most five times a second unless `change`), cut to
 * the terminal's width.  Log: printed as a line when `change`, or when
 * the interval has passed since the last one.
 */
void statusline_status(struct statusline *p, int change, const char *fmt, ...)
    CU_PRINTF(3, 4);

/* Clear the live line (before any other message, and at the end). */
void statusline_clear(struct statusline *p);

/*
 * Clear whatever live status line the caller may show, drawn or not: for
 * a module that prints while its caller's line is up (download.c, when
 * dl_opts.live).
 */
void statusline_erase(void);

/* "1m05s", "2h03m", "12s" for a number of seconds, in buf[16]. */
const char *statusline_duration(double secs, char *buf);

/* "3.4 MB", "812 kB", "12 B", in buf[16]. */
const char *statusline_bytes(double bytes, char *buf);

#endif
