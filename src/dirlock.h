/*
 * dirlock.h: one writer per output directory (or per file).  DIR/.lock (hidden, so no
 * reader takes it for data) is held with flock() for as long as a command
 * writes into DIR, the holder's process id written in it, and removed when
 * it is released.  flock() locks die with their process, so the file a
 * killed holder leaves is simply taken over.
 */
#ifndef CU_DIRLOCK_H
#define CU_DIRLOCK_H

#define DIRLOCK_NAME ".lock"

struct dirlock {
	int fd;			/* -1: not held */
	char *path;		/* DIR/.lock while held */
};

/*
 * Take the lock on `dir` (which must exist) without waiting.  `what`
 * names the commands that share it in the message ("export").  Returns 0
 * with *lk held; -1 after printing an error: "'DIR' is in use by another
 * WHAT (process PID)" when another process holds it, or why the lock file
 * cannot be opened.  The lock is not inherited by exec'd programs.
 */
int dirlock_take(const char *dir, const char *what, struct dirlock *lk);

/*
 * The same for a lock of its own at `path` (created if missing), such as
 * FILE.lock for one writer of FILE at a time: waits up to `wait_ms` for
 * another holder to let go, then fails with "'NAME' is in use by another
 * WHAT (process PID); wait for it to end" (NAME what the lock guards).
 */
int dirlock_take_file(const char *path, const char *name, const char *what,
    int wait_ms, struct dirlock *lk);

/*
 * Release it and remove the file.  Does nothing when not held (a struct
 * with fd -1).
 */
void dirlock_release(struct dirlock *lk);

#endif
