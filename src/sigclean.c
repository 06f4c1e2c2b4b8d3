/*
 * sigclean.c: remove our temporary files and stage directories when the
 * process is interrupted; the reporter says so in one line and exits
 * 128 + the signal (term.c).
 */
#include "sigclean.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reporter.h"
#include "util.h"

enum sigclean_kind { SC_FILE, SC_TREE, SC_EMPTY_DIR };

struct sigclean_entry {
	char *path;
	enum sigclean_kind kind;
};

/*
 * The registry.  Recursive, so that a path can be registered or renamed
 * inside sigclean_hold(); the thread that cleans up takes it and never
 * gives it back, so that nothing is registered, renamed into place or
 * held off after it started.
 */
#ifdef PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP
static pthread_mutex_t sigclean_mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
#else
#error "sigclean.c needs a statically initialized recursive mutex"
#endif
static struct sigclean_entry *sigclean_ents;
static size_t sigclean_n, sigclean_cap;
static const char *sigclean_hint;
static sigset_t sigclean_set;
static atomic_int sigclean_dying;

static void
sigclean_add(const char *path, enum sigclean_kind kind)
{
	char *copy = xstrdup(path);

	pthread_mutex_lock(&sigclean_mu);
	if (sigclean_n == sigclean_cap) {
		sigclean_cap = sigclean_cap ? 2 * sigclean_cap : 8;
		sigclean_ents = xreallocarray(sigclean_ents, sigclean_cap,
		    sizeof(*sigclean_ents));
	}
	sigclean_ents[sigclean_n].path = copy;
	sigclean_ents[sigclean_n++].kind = kind;
	pthread_mutex_unlock(&sigclean_mu);
}

void
sigclean_add_file(const char *path)
{
	sigclean_add(path, SC_FILE);
}

void
sigclean_add_empty_dir(const char *path)
{
	sigclean_add(path, SC_EMPTY_DIR);
}

void
sigclean_forget(const char *path)
{
	size_t i;

	pthread_mutex_lock(&sigclean_mu);
	for (i = sigclean_n; i-- > 0; ) {
		if (strcmp(sigclean_ents[i].path, path) == 0) {
			free(sigclean_ents[i].path);
			memmove(&sigclean_ents[i], &sigclean_ents[i + 1],
			    (sigclean_n - i - 1) * sizeof(*sigclean_ents));
			sigclean_n--;
			break;
		}
	}
	if (sigclean_n == 0) {
		/* nothing left to point at: no memory kept till exit */
		free(sigclean_ents);
		sigclean_ents = NULL;
		sigclean_cap = 0;
	}
	pthread_mutex_unlock(&sigclean_mu);
}

int
sigclean_mkstemp(char *tmpl)
{
	int fd, e;

	pthread_mutex_lock(&sigclean_mu);
	fd = mkstemp(tmpl);
	e = errno;
	if (fd >= 0)
		sigclean_add(tmpl, SC_FILE);
	pthread_mutex_unlock(&sigclean_mu);
	errno = e;
	return fd;
}

int
sigclean_rename(const char *from, const char *to)
{
	int r, e;

	pthread_mutex_lock(&sigclean_mu);
	r = rename(from, to);
	e = errno;
	sigclean_forget(from);
	pthread_mutex_unlock(&sigclean_mu);
	errno = e;
	return r;
}

int
sigclean_mkdir(const char *path, mode_t mode)
{
	int r, e;

	pthread_mutex_lock(&sigclean_mu);
	r = mkdir(path, mode);
	e = errno;
	if (r == 0)
		sigclean_add(path, SC_TREE);
	pthread_mutex_unlock(&sigclean_mu);
	errno = e;
	return r;
}

void
sigclean_hold(void)
{
	pthread_mutex_lock(&sigclean_mu);
}

void
sigclean_release(void)
{
	pthread_mutex_unlock(&sigclean_mu);
}

int
sigclean_interrupted(void)
{
	return atomic_load(&sigclean_dying);
}

void
sigclean_settle(void)
{
	if (!atomic_load(&sigclean_dying))
		return;
	/* the signals are blocked here: only the cleaner's _exit ends this */
	for (;;)
		pause();
}

/*
 * rm -r of `name` under dirfd, never following a symbolic link (one in
 * a stage directory is removed, not what it names).  Errors are ignored:
 * this is the last thing the process does, and a path we cannot remove is
 * nothing we can report better than by leaving it.
 */
static void
sigclean_rm_tree(int dirfd, const char *name, int depth)
{
	struct dirent *e;
	DIR *d;
	int fd;

	if (unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT ||
	    depth > 32)
		return;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, e->d_name, 0) < 0 && (errno == EISDIR ||
		    errno == EPERM))
			sigclean_rm_tree(fd, e->d_name, depth + 1);
	}
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Files first, then directories, the last registered first. */
static void
sigclean_sweep(void)
{
	size_t i;

	for (i = sigclean_n; i-- > 0; )
		if (sigclean_ents[i].kind == SC_FILE)
			unlink(sigclean_ents[i].path);
	for (i = sigclean_n; i-- > 0; ) {
		if (sigclean_ents[i].kind == SC_TREE)
			sigclean_rm_tree(AT_FDCWD, sigclean_ents[i].path, 0);
		else if (sigclean_ents[i].kind == SC_EMPTY_DIR)
			rmdir(sigclean_ents[i].path);
	}
}

void
sigclean_abandon(void)
{
	pthread_mutex_lock(&sigclean_mu);
	atomic_store(&sigclean_dying, 1);
	sigclean_sweep();
}

/*
 * The thread that takes the signals.  It runs as ordinary code, so it may
 * allocate and read directories; what it must not do is wait for a lock
 * that a thread about to be cut off might hold for good: stdio's, for one.
 * The reporter says so and ends the process (reporter.h); without one,
 * the signal's own action does.
 */
static void *
sigclean_main(void *arg)
{
	const struct reporter *r = reporter_get();
	sigset_t one;
	int sig = 0;

	(void)arg;
	while (sigwait(&sigclean_set, &sig) != 0)
		;
	sigclean_abandon();
	/* a stage directory's file that a thread was making meanwhile */
	sigclean_sweep();
	if (r != NULL && r->interrupted != NULL)
		r->interrupted(sig, sigclean_hint);
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	return NULL;
}

int
sigclean_install(const char *hint)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	pthread_attr_t attr;
	pthread_t tid;
	size_t i;
	int r;

	sigclean_hint = hint;
	sigemptyset(&sigclean_set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;

		if (sigaction(sigs[i], NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			continue;
		sigaddset(&sigclean_set, sigs[i]);
	}
	if ((r = pthread_sigmask(SIG_BLOCK, &sigclean_set, NULL)) != 0)
		return error("cannot block signals: %s", strerror(r));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&tid, &attr, sigclean_main, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		pthread_sigmask(SIG_UNBLOCK, &sigclean_set, NULL);
		return error("cannot start a thread: %s", strerror(r));
	}
	return 0;
}
