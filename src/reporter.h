/*
 * reporter.h: where the library's words go.  No library module writes to
 * stdout or stderr (`make lint` checks it): error(), warning() and
 * notice() (util.h), progress (progress.h), the status line
 * (statusline.h) and the interruption line (sigclean.h) format their
 * text, make it safe to show (str_escape: one line, no escape sequence)
 * and hand it to the reporter the command layer installed.  term.c has
 * the one the program uses (stderr: a live line on a terminal, lines in a
 * log); a test may install its own.  With none installed, or for an
 * operation left NULL, nothing is shown.
 *
 * Every operation may be called from any thread; the reporter serialises
 * what it writes.
 */
#ifndef CU_REPORTER_H
#define CU_REPORTER_H

enum report_level { REPORT_ERROR, REPORT_WARNING, REPORT_NOTICE };

struct reporter {
	/* A message of error(), warning() or notice(), on a line of its own
	 * (a live line is cleared first). */
	void (*message)(enum report_level level, const char *text);

	/*
	 * progress.h, an operation for each call: init chooses where progress
	 * goes (nowhere when quiet); state NULL is a handover with no state
	 * line of its own; hold 1 holds the live line off, 0 releases it.
	 */
	void (*progress_init)(int quiet);
	void (*progress_begin)(const char *task, const char *state);
	void (*progress_state)(int handover, const char *state);
	void (*progress_detail)(const char *detail);
	void (*progress_end)(void);
	void (*progress_hold)(int hold);

	/*
	 * statusline.h: is there a terminal to draw a live line on?  Then
	 * status(1, text) draws text as the live line (cut to the terminal's
	 * width), status(1, NULL) clears it; status(0, text) is a log line.
	 */
	int (*status_terminal)(void);
	void (*status)(int live, const char *text);

	/*
	 * sigclean.h: the process was interrupted by `sig`, its files are
	 * cleaned: say so (hint, NULL or not, ends the line) and end the
	 * process with 128 + sig.  Runs on the cleaner's thread while others
	 * may hold stdio's locks: write(2) only.  Should it return, the
	 * cleaner ends the process with the signal itself.
	 */
	void (*interrupted)(int sig, const char *hint);
};

/* Install r (static, or living as long as the process); NULL: none. */
void reporter_set(const struct reporter *r);

/* The reporter installed, or NULL. */
const struct reporter *reporter_get(void);

#endif
