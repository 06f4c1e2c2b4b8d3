/*
 * dirlock.c: DIR/.lock (or FILE.lock) with flock(), see dirlock.h.
 */
#include "dirlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define DIRLOCK_PID_WAIT_MS 500

/*
 * The holder's pid from the lock file fd, or 0.  The holder writes it
 * just after it locks, so a file found locked and still empty is read
 * again for up to DIRLOCK_PID_WAIT_MS, so that the message names it.
 */
static long
dirlock_holder(int fd, char *buf, size_t size)
{
	struct timespec ms = { 0, 1000000 };
	ssize_t n;
	long pid = 0;
	int i;

	for (i = 0; i <= DIRLOCK_PID_WAIT_MS; i++) {
		n = pread(fd, buf, size - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		if (n > 0 && buf[n - 1] == '\n' &&
		    (pid = strtol(buf, NULL, 10)) > 0)
			return pid;
		nanosleep(&ms, NULL);
	}
	return 0;
}

#define DIRLOCK_RETRY_MS 20

/*
 * Take the lock file `path`, waiting up to wait_ms; `name` and `hint`
 * make the message when another process holds it.  Takes `path` (freed
 * on failure).
 */
static int
dirlock_lock(char *path, const char *name, const char *what,
    const char *hint, int wait_ms, struct dirlock *lk)
{
	struct timespec retry = { 0, DIRLOCK_RETRY_MS * 1000000L };
	char buf[32];
	struct stat fst, pst;
	int fd, len, waited = 0;

	lk->fd = -1;
	lk->path = NULL;
	for (;;) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			error("cannot open '%s': %s", path, strerror(errno));
			free(path);
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			if (e == EWOULDBLOCK && waited < wait_ms) {
				/* the file may be gone when it is let go */
				close(fd);
				nanosleep(&retry, NULL);
				waited += DIRLOCK_RETRY_MS;
				continue;
			}
			if (e == EWOULDBLOCK) {
				long pid = dirlock_holder(fd, buf, sizeof(buf));

				if (pid > 0)
					error("'%s' is in use by another %s "
					    "(process %ld); %s", name, what,
					    pid, hint);
				else
					error("'%s' is in use by another %s; "
					    "%s", name, what, hint);
			} else {
				error("cannot lock '%s': %s", path,
				    strerror(e));
			}
			close(fd);
			free(path);
			return -1;
		}
		/*
		 * The holder before us removes the file as it leaves: if we
		 * locked a file that is no longer the one at `path`, another
		 * process may lock the new one, so start again with that.
		 */
		if (fstat(fd, &fst) == 0 && stat(path, &pst) == 0 &&
		    fst.st_dev == pst.st_dev && fst.st_ino == pst.st_ino)
			break;
		close(fd);
	}
	/* for the message of the next one */
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		error("cannot write '%s': %s", path, strerror(errno));
		close(fd);
		free(path);
		return -1;
	}
	lk->fd = fd;
	lk->path = path;
	return 0;
}

int
dirlock_take(const char *dir, const char *what, struct dirlock *lk)
{
	return dirlock_lock(xasprintf("%s/%s", dir, DIRLOCK_NAME), dir, what,
	    "wait for it to end, or use another directory", 0, lk);
}

int
dirlock_take_file(const char *path, const char *name, const char *what,
    int wait_ms, struct dirlock *lk)
{
	return dirlock_lock(xstrdup(path), name, what, "wait for it to end",
	    wait_ms, lk);
}

void
dirlock_release(struct dirlock *lk)
{
	if (lk->fd < 0)
		return;
	/* removed while still held (see dirlock_take), then let go */
	unlink(lk->path);
	close(lk->fd);
	free(lk->path);
	lk->fd = -1;
	lk->path = NULL;
}
