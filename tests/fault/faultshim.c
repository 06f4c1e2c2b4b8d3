/*
 * faultshim.c: an LD_PRELOAD shim that makes the Nth call of one function
 * fail, for tests/e2e/faults.sh.
 *
 *   FAULT_CALL   write (and pwrite64; not stdio's internal writes, which
 *                RLIMIT_FSIZE covers) | fsync (and fdatasync) | rename |
 *                fclose | close | malloc | calloc | realloc | alloc (any
 *                of the three) | commit (below)
 *   FAULT_N      which call fails (1 = the first; 0 = none); later calls
 *                succeed
 *   FAULT_ERRNO  ENOSPC (default), EIO, EDQUOT, ENOMEM or a number
 *   FAULT_PATH   for the I/O calls: count only calls on files whose path
 *                contains this string (so stdout/stderr do not count)
 *   FAULT_COUNT  when set, the shim writes "fault-count: CALL N" (how many
 *                calls matched) to stderr at exit
 *   FAULT_LOG    when set, the shim writes "fault: CALL #N" to stderr when
 *                it fires, so a test can tell that it did
 *   FAULT_STALL  a path: instead of failing, the call creates this file and
 *                then never returns (the thread sleeps), so a test can
 *                interrupt the program at that very point (signals.py)
 *
 * FAULT_CALL=commit kills the process (abort) at the Nth "COMMIT" that
 * SQLite is given through sqlite3_exec (db.c's), everything written but
 * nothing committed: history.sh checks that the database is unchanged.
 *
 * Allocations are counted from the program's first setlocale() call, the
 * first thing main() does: the thousands that the libraries' constructors
 * make before main are not the program's to handle.
 *
 * Without FAULT_CALL every call goes straight through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int shim_ready;		/* 1 once the environment is read */
static const char *shim_call;
static long shim_n;
static int shim_errno = ENOSPC;
static const char *shim_path;
static int shim_log;
static const char *shim_stall;
static long shim_count;
static int shim_in;		/* inside the shim: do not count */
static int shim_main;		/* main() has begun (see setlocale) */
static int shim_exiting;	/* exit() has begun: nothing fails any more */

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_fclose)(FILE *);
static int (*real_close)(int);

/* the allocator is needed by dlsym itself: a small static arena first */
static char shim_arena[65536];
static size_t shim_arena_used;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

static void
shim_init(void)
{
	const char *e;

	if (shim_ready)
		return;
	shim_ready = 1;
	shim_in = 1;
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
	    "write");
	real_pwrite64 = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(
	    RTLD_NEXT, "pwrite64");
	real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
	    "rename");
	real_fclose = (int (*)(FILE *))dlsym(RTLD_NEXT, "fclose");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	shim_call = getenv("FAULT_CALL");
	e = getenv("FAULT_N");
	shim_n = e != NULL ? atol(e) : 1;
	e = getenv("FAULT_ERRNO");
	if (e != NULL) {
		if (strcmp(e, "EIO") == 0)
			shim_errno = EIO;
		else if (strcmp(e, "EDQUOT") == 0)
			shim_errno = EDQUOT;
		else if (strcmp(e, "ENOMEM") == 0)
			shim_errno = ENOMEM;
		else if (strcmp(e, "ENOSPC") != 0)
			shim_errno = atoi(e);
	}
	shim_path = getenv("FAULT_PATH");
	shim_log = getenv("FAULT_LOG") != NULL;
	shim_stall = getenv("FAULT_STALL");
	shim_in = 0;
}

/* the path of an open descriptor, through /proc */
static int
shim_fd_matches(int fd)
{
	char link[64], path[4096];
	ssize_t n;

	if (shim_path == NULL)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return strstr(path, shim_path) != NULL;
}

/* 1 when this call of CALL is the one to fail */
static int
shim_fire(const char *call, int fd, const char *path)
{
	int match;

	if (shim_in || shim_call == NULL || shim_exiting)
		return 0;
	if (fd < 0 && path == NULL && !shim_main)
		return 0;	/* an allocation before main */
	if (strcmp(shim_call, call) != 0 && !(strcmp(shim_call, "alloc") == 0 &&
	    (strcmp(call, "malloc") == 0 || strcmp(call, "calloc") == 0 ||
	    strcmp(call, "realloc") == 0)))
		return 0;
	shim_in = 1;
	if (path != NULL)
		match = shim_path == NULL || strstr(path, shim_path) != NULL;
	else if (fd >= 0)
		match = shim_fd_matches(fd);
	else
		match = 1;
	shim_in = 0;
	if (!match)
		return 0;
	if (++shim_count != shim_n)
		return 0;
	if (shim_log) {
		char msg[80];
		int len = snprintf(msg, sizeof(msg), "fault: %s #%ld\n", call,
		    shim_n);

		if (real_write != NULL && len > 0)
			(void)real_write(2, msg, (size_t)len);
	}
	if (shim_stall != NULL) {
		FILE *f;

		shim_in = 1;
		f = fopen(shim_stall, "w");
		if (f != NULL)
			real_fclose(f);
		for (;;)
			sleep(1);
	}
	return 1;
}

__attribute__((destructor)) static void
shim_report(void)
{
	char msg[80];
	int len;

	if (!shim_ready || shim_call == NULL || getenv("FAULT_COUNT") == NULL ||
	    real_write == NULL)
		return;
	shim_in = 1;
	len = snprintf(msg, sizeof(msg), "fault-count: %s %ld\n", shim_call,
	    shim_count);
	if (len > 0)
		(void)real_write(2, msg, (size_t)len);
}

/*
 * Run at exit before the destructors of instrumentation (gcov writing its
 * counters, for make coverage), whose own allocations are not the
 * program's to handle.  The program's atexit handlers, registered after
 * main() began, run before this one and can still be made to fail.
 */
static void
shim_exit(void)
{
	shim_exiting = 1;
}

char *
setlocale(int category, const char *locale)
{
	static char *(*real_setlocale)(int, const char *);

	shim_init();
	if (real_setlocale == NULL) {
		shim_in = 1;
		real_setlocale = (char *(*)(int, const char *))dlsym(RTLD_NEXT,
		    "setlocale");
		shim_in = 0;
	}
	if (!shim_main)
		atexit(shim_exit);
	shim_main = 1;
	return real_setlocale(category, locale);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	shim_init();
	if (shim_fire("write", fd, NULL)) {
		errno = shim_errno;
		return -1;
	}
	return real_write(fd, buf, len);
}

/* SQLite writes with pwrite64; stdio's own writes do not come here */
ssize_t
pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	shim_init();
	if (shim_fire("write", fd, NULL)) {
		errno = shim_errno;
		return -1;
	}
	return real_pwrite64(fd, buf, len, off);
}

int
fdatasync(int fd)
{
	static int (*real_fdatasync)(int);

	shim_init();
	if (real_fdatasync == NULL) {
		shim_in = 1;
		real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
		shim_in = 0;
	}
	if (shim_fire("fsync", fd, NULL)) {
		errno = shim_errno;
		return -1;
	}
	return real_fdatasync(fd);
}

int
fsync(int fd)
{
	shim_init();
	if (shim_fire("fsync", fd, NULL)) {
		errno = shim_errno;
		return -1;
	}
	return real_fsync(fd);
}

int
rename(const char *from, const char *to)
{
	shim_init();
	if (shim_fire("rename", -1, to)) {
		errno = shim_errno;
		return -1;
	}
	return real_rename(from, to);
}

int
fclose(FILE *f)
{
	int fd;

	shim_init();
	fd = f != NULL ? fileno(f) : -1;
	if (fd >= 0 && shim_fire("fclose", fd, NULL)) {
		/* like a failed flush: the stream is closed all the same */
		(void)real_fclose(f);
		errno = shim_errno;
		return EOF;
	}
	return real_fclose(f);
}

int
close(int fd)
{
	shim_init();
	if (shim_fire("close", fd, NULL)) {
		(void)real_close(fd);
		errno = shim_errno;
		return -1;
	}
	return real_close(fd);
}

/* SQLite's, declared here: the shim does not build against it */
int sqlite3_exec(void *db, const char *sql, int (*cb)(void *, int, char **,
    char **), void *arg, char **errmsg);

int
sqlite3_exec(void *db, const char *sql, int (*cb)(void *, int, char **,
    char **), void *arg, char **errmsg)
{
	static int (*real_exec)(void *, const char *, int (*)(void *, int,
	    char **, char **), void *, char **);

	shim_init();
	if (real_exec == NULL) {
		shim_in = 1;
		real_exec = (int (*)(void *, const char *, int (*)(void *, int,
		    char **, char **), void *, char **))dlsym(RTLD_NEXT,
		    "sqlite3_exec");
		shim_in = 0;
	}
	if (sql != NULL && strcmp(sql, "COMMIT") == 0 &&
	    shim_fire("commit", -1, NULL))
		abort();	/* killed with everything written */
	return real_exec(db, sql, cb, arg, errmsg);
}

static int
shim_arena_owns(const void *p)
{
	return (const char *)p >= shim_arena &&
	    (const char *)p < shim_arena + sizeof(shim_arena);
}

static void *
shim_arena_alloc(size_t size)
{
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (shim_arena_used + size > sizeof(shim_arena))
		return NULL;
	p = shim_arena + shim_arena_used;
	shim_arena_used += size;
	return p;
}

void *
malloc(size_t size)
{
	if (real_malloc == NULL) {
		if (shim_in || !shim_ready) {
			if (!shim_ready && !shim_in)
				shim_init();
			if (real_malloc == NULL)
				return shim_arena_alloc(size);
		}
	}
	if (shim_fire("malloc", -1, NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	return real_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	if (real_calloc == NULL) {
		void *p;

		if (!shim_ready && !shim_in)
			shim_init();
		if (real_calloc == NULL) {
			if (size != 0 && n > (size_t)-1 / size)
				return NULL;
			p = shim_arena_alloc(n * size);
			if (p != NULL)
				memset(p, 0, n * size);
			return p;
		}
	}
	if (shim_fire("calloc", -1, NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	return real_calloc(n, size);
}

void *
realloc(void *old, size_t size)
{
	if (real_realloc == NULL && !shim_ready && !shim_in)
		shim_init();
	if (old != NULL && shim_arena_owns(old)) {
		void *p = malloc(size);

		size_t room = (size_t)(shim_arena + sizeof(shim_arena) -
		    (char *)old);

		if (p != NULL)
			memcpy(p, old, size < room ? size : room);
		return p;
	}
	if (shim_fire("realloc", -1, NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	return real_realloc(old, size);
}

void
free(void *p)
{
	if (p == NULL || shim_arena_owns(p))
		return;
	if (real_free == NULL)
		shim_init();
	real_free(p);
}
