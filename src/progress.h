/*
 * progress.h: what a long command is doing, for a person to watch.  The
 * calls format the text and hand it to the reporter (reporter.h); term.c
 * shows it on stderr.  On a terminal: one live line, redrawn in place (at
 * most ten times a second, never wider than the terminal) and cleared at
 * the end.
 * Not on a terminal (a CI log): a line at each change of state and at
 * most one line every 30 seconds while a state lasts, then a closing
 * "done" line.  Nothing at all with --quiet, and nothing for work that
 * ends within a second or two: progress is for large inputs.
 *
 * Lines read "circleci-usage: TASK: STATE[: DETAIL]" (TASK: the command,
 * "ingest", "run"; STATE: what it is doing now, "reading 3 files
 * (85.3 MB)"; DETAIL: how far it got, "45%, 1,234,567 rows").  A thread of
 * term.c draws, so a state shows (and its time counts) even while the
 * command makes no call; the calls only record text, and are cheap.
 *
 * Sessions nest: a command called in-process by another (ingest under
 * run) begins its own task inside the caller's, and the caller's mode
 * (--quiet) holds for it.  Library modules do not call this: they report
 * through callbacks (db_set_progress) that the command layer forwards.
 */
#ifndef CU_PROGRESS_H
#define CU_PROGRESS_H

#include "util.h"

/*
 * Choose where progress goes: nowhere when `quiet`, else a live line if
 * stderr is a terminal, else log lines.  Call before progress_begin();
 * ignored inside a session (the outer command decided).
 */
void progress_init(int quiet);

/*
 * Begin TASK (a static or long-lived string, e.g. "ingest"), with the
 * state given by the printf-style format.  Pair with progress_end().
 */
void progress_begin(const char *task, const char *fmt, ...) CU_PRINTF(2, 3);

/* A new state of the current task; the detail is cleared. */
void progress_state(const char *fmt, ...) CU_PRINTF(1, 2);

/*
 * A new state whose progress another part of the program shows itself
 * (export's downloads), or that prints lines of its own (a closing
 * summary): in a log the state line is printed as usual (none for fmt
 * NULL), but no live line is drawn until the next state.
 */
void progress_handover(const char *fmt, ...) CU_PRINTF(1, 2);

/* How far the current state got, e.g. "45%, 1,234 rows"; cheap to call. */
void progress_detail(const char *fmt, ...) CU_PRINTF(1, 2);

/*
 * End the current task.  The outermost end clears the live line, or, in a
 * log where anything was printed, prints "TASK: done in N s".
 */
void progress_end(void);

/*
 * Around any other line written to stderr while a live line may be shown
 * (error() and warning() do it): hold clears the live line and keeps it
 * from being drawn again until release.
 */
void progress_hold(void);
void progress_release(void);

/* A byte count for people ("85.3 MB", powers of 1000) into buf[len]. */
void progress_bytes(double bytes, char *buf, size_t len);

#endif
