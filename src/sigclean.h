/*
 * sigclean.h: a clean interruption.  On SIGINT, SIGTERM or SIGHUP every
 * temporary file and stage directory registered here is removed, and the
 * reporter (reporter.h; term.c) says what happened in one line
 * ("circleci-usage: interrupted: <hint>") and exits 128 + the signal's
 * number (130, 143, 129).  What is not
 * registered is left as it is: outputs already in place, an export's
 * resumable .partial downloads, a history database (an ingest is one
 * SQLite transaction, which a process ending half-way never commits).
 *
 * The signals are blocked in every thread and taken by one thread of ours
 * with sigwait(), so the cleaning runs as ordinary code, never inside a
 * signal handler; the registry's mutex makes registering a path and
 * cleaning up exclusive, so a path is either removed or not yet made.
 */
#ifndef CU_SIGCLEAN_H
#define CU_SIGCLEAN_H

#include <sys/types.h>

/*
 * Block SIGINT, SIGTERM and SIGHUP and start the thread that waits for
 * them.  Call once, from main(), before any other thread exists (threads
 * inherit the mask).  A signal ignored when the process started (nohup,
 * a shell's background job) stays ignored.  `hint` (a string that lives
 * as long as the process, or NULL) ends the line printed.  Returns 0, or
 * -1 after printing an error (then signals keep their default action).
 */
int sigclean_install(const char *hint);

/*
 * mkstemp(tmpl), the file registered for removal in the same step: no
 * interruption can fall between the two.  Returns the descriptor, or -1
 * with errno set (nothing registered).
 */
int sigclean_mkstemp(char *tmpl);

/*
 * rename(from, to), and `from` forgotten in the same step: an interruption
 * sees the temporary file either still there (removed, `to` untouched) or
 * already renamed.  Returns rename()'s result; `from` is forgotten either
 * way.
 */
int sigclean_rename(const char *from, const char *to);

/*
 * mkdir(path, mode) and the directory registered in the same step; it and
 * everything in it will be removed on an interruption.  Returns mkdir()'s
 * result (nothing registered on failure).
 */
int sigclean_mkdir(const char *path, mode_t mode);

/*
 * Register a directory to remove on an interruption only if it is empty
 * then (one we created, which must not outlive a run that wrote nothing
 * into it).
 */
void sigclean_add_empty_dir(const char *path);

/* Register a file to remove on an interruption (a copy is kept). */
void sigclean_add_file(const char *path);

/* Forget a path registered by any of the above; unknown paths are fine. */
void sigclean_forget(const char *path);

/*
 * Hold interruptions off around a few steps that must all happen or none
 * (moving a run's artifacts into place): a signal that arrives meanwhile
 * is acted on at sigclean_release().  Calls nest; keep the span short.
 */
void sigclean_hold(void);
void sigclean_release(void);

/*
 * Non-zero once an interruption is being handled: error() and warning()
 * stay silent then, so that the one line is the last word.
 */
int sigclean_interrupted(void);

/*
 * If an interruption is being handled, wait for it to end the process
 * (never return): a command that failed because its stage directory was
 * just removed must not exit first, with its own code and without the
 * line.  Called where the process would otherwise exit.
 */
void sigclean_settle(void);

/*
 * A fatal error (die()): remove the registered files and directories, as
 * an interruption would, so that a failed run leaves no temporary file or
 * stage directory behind.  Nothing is registered, renamed into place or
 * held off after it: the registry stays locked until the process exits.
 */
void sigclean_abandon(void);

#endif
