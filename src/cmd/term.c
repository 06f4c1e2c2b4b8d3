/*
 * term.c: the reporter of the command line (term.h), on stderr.  Messages
 * are lines; progress is one live line on a terminal, drawn by a thread
 * of its own (the ticker) so that a state shows on time even while the
 * command is busy elsewhere, or occasional lines in a log; export's status
 * line is drawn as statusline.c asks.
 */
#include "term.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "reporter.h"
#include "util.h"

/*
 * Work shorter than this shows nothing: a small input's output stays as it
 * was.  A log waits a little longer than a terminal, where a line that is
 * drawn and then cleared leaves no trace.
 */
#define PG_DELAY_TTY	1.0
#define PG_DELAY_LOG	2.0
#define PG_EVERY_LOG	30.0	/* at most one line per state this often */
#define PG_TICK_NS	100000000L	/* redraw at most ten times a second */
#define PG_DEPTH	4
#define PG_TEXT		200

enum pg_mode { PG_NONE, PG_TTY, PG_LOG };

struct pg_task {
	const char *task;
	char state[PG_TEXT];
	int handover;		/* another part shows this state's progress */
};

static pthread_mutex_t pg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pg_cv = PTHREAD_COND_INITIALIZER;
static enum pg_mode pg_mode = PG_NONE;
static struct pg_task pg_stack[PG_DEPTH];
static int pg_depth;		/* begun and not ended; may pass PG_DEPTH */
static char pg_detail[PG_TEXT];
static int pg_state_shown;	/* log: the current state's line printed */
static int pg_printed;		/* log: some line printed this session */
static int pg_drawn;		/* terminal: the live line is showing */
static int pg_held;
static double pg_t_session, pg_t_state, pg_t_line;
static double pg_every = PG_EVERY_LOG;
static pthread_t pg_ticker;

static double
pg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The terminal's width, 80 when stderr is not one. */
static size_t
term_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		return ws.ws_col;
	return 80;
}

static struct pg_task *
pg_top(void)
{
	return &pg_stack[(pg_depth > PG_DEPTH ? PG_DEPTH : pg_depth) - 1];
}

/* One write(2), so that no other output lands inside the line. */
static void
pg_write(const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, s, len);

		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static size_t
pg_format(char *buf, size_t cap, double elapsed, int with_time)
{
	const struct pg_task *t = pg_top();
	int n;

	n = snprintf(buf, cap, "%s: %s: %s%s%s", PROGRAM_NAME, t->task,
	    t->state, pg_detail[0] ? ": " : "", pg_detail);
	if (n >= 0 && (size_t)n < cap && with_time)
		n += snprintf(buf + n, cap - (size_t)n, " (%.0f s)", elapsed);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Draw or print what is due now.  pg_mu held. */
static void
pg_tick(double now)
{
	char line[PG_TEXT * 3];
	size_t len, width;

	if (pg_held || pg_depth == 0)
		return;
	if (pg_mode == PG_TTY) {
		if (pg_top()->handover || now - pg_t_session < PG_DELAY_TTY)
			return;
		width = term_width();
		line[0] = '\r';
		len = 1 + pg_format(line + 1, sizeof(line) - 5,
		    now - pg_t_state, 1);
		/* never wider than the terminal: a wrapped line cannot be
		 * redrawn in place (bytes, so a multi-byte name may show
		 * shorter) */
		if (len > width)
			len = width;
		memcpy(line + len, "\033[K", 3);
		pg_write(line, len + 3);
		pg_drawn = 1;
		return;
	}
	if (now - pg_t_session < PG_DELAY_LOG)
		return;
	if (!pg_state_shown) {
		pg_state_shown = 1;
		if (pg_top()->state[0] == '\0')
			return;	/* a handover with no state of its own */
		len = pg_format(line, sizeof(line) - 1, 0, 0);
	} else if (now - pg_t_line >= pg_every && pg_top()->state[0] != '\0') {
		len = pg_format(line, sizeof(line) - 1, now - pg_t_state, 1);
	} else {
		return;
	}
	line[len++] = '\n';
	pg_write(line, len);
	pg_t_line = now;
	pg_printed = 1;
}

static void *
pg_ticker_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pg_mu);
	while (pg_depth > 0) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += PG_TICK_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pg_cv, &pg_mu, &ts);
		pg_tick(pg_now());
	}
	pthread_mutex_unlock(&pg_mu);
	return NULL;
}

static void
term_progress_init(int quiet)
{
	const char *e;

	pthread_mutex_lock(&pg_mu);
	if (pg_depth == 0) {
		if (quiet)
			pg_mode = PG_NONE;
		else
			pg_mode = isatty(STDERR_FILENO) ? PG_TTY : PG_LOG;
		/* a log's interval, seconds (a CI log may want more, or
		 * fewer to see a slow step move) */
		e = getenv("CIRCLECI_USAGE_PROGRESS_EVERY");
		pg_every = e != NULL && atof(e) > 0 ? atof(e) : PG_EVERY_LOG;
	}
	pthread_mutex_unlock(&pg_mu);
}

/* A new state on top of the stack (NULL: none).  pg_mu held. */
static void
pg_set_state(int handover, const char *state)
{
	struct pg_task *t = pg_top();

	t->handover = handover;
	snprintf(t->state, sizeof(t->state), "%s", state ? state : "");
	pg_detail[0] = '\0';
	pg_state_shown = 0;
	pg_t_state = pg_now();
	if (handover && pg_drawn) {
		pg_write("\r\033[K", 4);
		pg_drawn = 0;
	}
	pthread_cond_signal(&pg_cv);	/* a state shows at once */
}

static void
term_progress_begin(const char *task, const char *state)
{
	pthread_mutex_lock(&pg_mu);
	if (pg_mode == PG_NONE) {
		pthread_mutex_unlock(&pg_mu);
		return;
	}
	if (++pg_depth == 1) {
		pg_t_session = pg_now();
		pg_printed = pg_drawn = 0;
		/* without a ticker, no progress: the work goes on */
		if (pthread_create(&pg_ticker, NULL, pg_ticker_main, NULL) != 0)
			pg_mode = PG_NONE;
	}
	if (pg_depth <= PG_DEPTH)
		pg_top()->task = task;
	pg_set_state(0, state);
	pthread_mutex_unlock(&pg_mu);
}

static void
term_progress_state(int handover, const char *state)
{
	pthread_mutex_lock(&pg_mu);
	if (pg_mode != PG_NONE && pg_depth > 0)
		pg_set_state(handover, state);
	pthread_mutex_unlock(&pg_mu);
}

static void
term_progress_detail(const char *detail)
{
	pthread_mutex_lock(&pg_mu);
	if (pg_mode != PG_NONE && pg_depth > 0)
		snprintf(pg_detail, sizeof(pg_detail), "%s", detail);
	pthread_mutex_unlock(&pg_mu);
}

static void
term_progress_end(void)
{
	pthread_t tid;

	pthread_mutex_lock(&pg_mu);
	if (pg_mode == PG_NONE || pg_depth == 0) {
		pthread_mutex_unlock(&pg_mu);
		return;
	}
	if (--pg_depth > 0) {
		/* the caller's state again: shown already, and its detail was
		 * the nested task's */
		pg_detail[0] = '\0';
		pg_state_shown = 1;
		pthread_mutex_unlock(&pg_mu);
		return;
	}
	if (pg_drawn)
		pg_write("\r\033[K", 4);
	pg_drawn = 0;
	if (pg_mode == PG_LOG && pg_printed) {
		char line[PG_TEXT];
		int n = snprintf(line, sizeof(line), "%s: %s: done in %.0f s\n",
		    PROGRAM_NAME, pg_stack[0].task, pg_now() - pg_t_session);

		if (n > 0)
			pg_write(line, (size_t)n < sizeof(line) ? (size_t)n :
			    sizeof(line) - 1);
	}
	tid = pg_ticker;
	pthread_cond_signal(&pg_cv);
	pthread_mutex_unlock(&pg_mu);
	pthread_join(tid, NULL);
}

/*
 * Hold: clear the live line and keep it from being drawn again until
 * released (around any other line written to stderr).
 */
static void
term_progress_hold(int hold)
{
	pthread_mutex_lock(&pg_mu);
	if (hold) {
		pg_held++;
		if (pg_drawn) {
			pg_write("\r\033[K", 4);
			pg_drawn = 0;
		}
	} else if (pg_held > 0) {
		pg_held--;
	}
	pthread_mutex_unlock(&pg_mu);
}

static void
term_message(enum report_level level, const char *text)
{
	/* on a line of its own, not after a live progress line */
	term_progress_hold(1);
	fprintf(stderr, "%s: %s%s\n", PROGRAM_NAME, level == REPORT_WARNING ?
	    "warning: " : "", text);
	term_progress_hold(0);
}

static int
term_status_terminal(void)
{
	return isatty(STDERR_FILENO);
}

static void
term_status(int live, const char *text)
{
	char line[1024];
	size_t w;

	if (!live) {
		fprintf(stderr, "%s: %s\n", PROGRAM_NAME, text);
		return;
	}
	if (text == NULL) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		return;
	}
	/* one character short of the width: no wrap, so \r reaches it */
	snprintf(line, sizeof(line), "%s", text);
	w = term_width();
	if (strlen(line) >= w)
		line[w > 1 ? w - 1 : 0] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
}

static void
term_put(char *buf, size_t *len, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n > cap - *len)
		n = cap - *len;
	memcpy(buf + *len, s, n);
	*len += n;
}

/* The line goes out with one write(2): no stdio, whose locks another
 * thread, about to be cut off, may hold for good. */
static void
term_interrupted(int sig, const char *hint)
{
	char line[512];
	size_t len = 0;

	/* over a live progress line (and the terminal's ^C) */
	if (isatty(STDERR_FILENO))
		term_put(line, &len, sizeof(line) - 1, "\r\033[K");
	term_put(line, &len, sizeof(line) - 1, PROGRAM_NAME ": interrupted");
	if (hint != NULL) {
		term_put(line, &len, sizeof(line) - 1, ": ");
		term_put(line, &len, sizeof(line) - 1, hint);
	}
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
	_exit(128 + sig);
}

static const struct reporter term_reporter = {
	.message = term_message,
	.progress_init = term_progress_init,
	.progress_begin = term_progress_begin,
	.progress_state = term_progress_state,
	.progress_detail = term_progress_detail,
	.progress_end = term_progress_end,
	.progress_hold = term_progress_hold,
	.status_terminal = term_status_terminal,
	.status = term_status,
	.interrupted = term_interrupted,
};

void
term_install(void)
{
	reporter_set(&term_reporter);
	out_set_stdout(stdout);
}
