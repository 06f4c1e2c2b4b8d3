/*
 * out.c: atomic output files (temporary file + fsync + rename).
 */
#include "out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigclean.h"
#include "util.h"

int
out_inherit(int fd, const char *path)
{
	struct stat st;
	mode_t mode;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;	/* a new file */
		return error("cannot read the mode of '%s': %s", path,
		    strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return 0;	/* not replaced by out_open; run's: a new file */
	mode = st.st_mode & 07777;
	/*
	 * Owner and group first: chown clears set-user-ID and set-group-ID,
	 * and the mode is set after it.  Without the right to give the
	 * owner (not root), the group may still be given (a member).
	 */
	if (fchown(fd, st.st_uid, st.st_gid) < 0) {
		if (errno != EPERM)
			return error("cannot give '%s' its owner: %s", path,
			    strerror(errno));
		if (fchown(fd, (uid_t)-1, st.st_gid) < 0) {
			if (errno != EPERM)
				return error("cannot give '%s' its group: %s",
				    path, strerror(errno));
			/* another group: no more than others had */
			mode = (mode & ~(mode_t)070) |
			    (mode & (mode_t)070 & (mode << 3));
		}
	}
	if (fchmod(fd, mode) < 0)
		return error("cannot give '%s' its mode: %s", path,
		    strerror(errno));
	return 1;
}

/*
 * Forget the output, its stream closed or never opened: with `remove`,
 * the temporary file is deleted (and no longer left to sigclean).
 */
static void
out_drop(struct out *o, int remove)
{
	if (remove && o->tmp != NULL) {
		unlink(o->tmp);
		sigclean_forget(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	o->f = NULL;
	o->tmp = o->path = NULL;
}

/* The command's standard output (out_set_stdout). */
static FILE *out_std;

void
out_set_stdout(FILE *f)
{
	out_std = f;
}

static int
out_open_any(struct out *o, const char *path)
{
	struct stat st;
	int fd, r;

	memset(o, 0, sizeof(*o));
	if (path == NULL || strcmp(path, "-") == 0) {
		if (out_std == NULL)
			return error("no standard output to write to");
		o->f = out_std;
		return 0;
	}
	/*
	 * Not a regular file (/dev/null, /dev/stdout, a FIFO, a terminal),
	 * or anything under /dev or /proc: written in place.  Renaming a
	 * file over it would replace the device or the link itself (as
	 * root, even /dev/null), and /dev/stdout to a file would lose the
	 * output.  A symbolic link elsewhere: the file it names is
	 * replaced, atomically, and the link kept.
	 */
	if (stat(path, &st) == 0 && (!S_ISREG(st.st_mode) ||
	    strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0)) {
		if (S_ISDIR(st.st_mode)) {
			error("cannot write '%s': it is a directory", path);
			return -1;
		}
		o->f = fopen(path, "w");
		if (o->f == NULL) {
			error("cannot write '%s': %s", path, strerror(errno));
			return -1;
		}
		o->path = xstrdup(path);
		return 0;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		char *real = realpath(path, NULL);

		if (real == NULL) {
			error("cannot write '%s': %s", path, strerror(errno));
			return -1;
		}
		o->path = xstrdup(real);
		free(real);
	} else {
		o->path = xstrdup(path);
	}
	o->tmp = xasprintf("%s.tmp.XXXXXX", o->path);
	/* registered: an interruption removes it (sigclean.h) */
	fd = sigclean_mkstemp(o->tmp);
	if (fd < 0) {
		/* the output's name: mkstemp leaves a random one in o->tmp,
		 * of a file that never existed */
		error("cannot create '%s': %s", path, strerror(errno));
		out_drop(o, 0);
		return -1;
	}
	/*
	 * mkstemp makes 0600.  A file replaced: its mode, owner and group
	 * (out_inherit), from the start, so that not even the temporary
	 * file is more readable.  A new file: the usual umask mode.
	 */
	r = out_inherit(fd, o->path);
	if (r == 0) {
		mode_t mask = umask(022);

		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
	}
	if (r >= 0) {
		o->f = fdopen(fd, "w");
		if (o->f == NULL)
			error("cannot write '%s': %s", o->tmp,
			    strerror(errno));
	}
	if (o->f == NULL) {
		close(fd);
		out_drop(o, 1);
		return -1;
	}
	return 0;
}

int
out_open(struct out *o, const char *path)
{
	if (out_open_any(o, path) < 0)
		return -1;
	errno = 0;	/* what out_close() names is the writer's */
	return 0;
}

int
out_commit(struct out *o)
{
	int ret = 0;

	if (o->path == NULL) {
		if (fflush(o->f) != 0 || ferror(o->f))
			ret = error("cannot write to standard output: %s",
			    strerror(errno));
		return ret;
	}
	/* written in place (o->tmp NULL: a device or a FIFO): no sync, no
	 * rename */
	if (fflush(o->f) != 0 || ferror(o->f) ||
	    (o->tmp != NULL && fsync(fileno(o->f)) < 0)) {
		ret = error("cannot write '%s': %s", o->path, strerror(errno));
		fclose(o->f);
	} else if (fclose(o->f) != 0) {
		ret = error("cannot write '%s': %s", o->path, strerror(errno));
	} else if (o->tmp != NULL && sigclean_rename(o->tmp, o->path) < 0) {
		ret = error("cannot rename '%s' to '%s': %s", o->tmp, o->path,
		    strerror(errno));
	}
	out_drop(o, ret < 0);
	return ret;
}

void
out_abort(struct out *o)
{
	if (o->path != NULL)
		fclose(o->f);
	out_drop(o, 1);
}

int
out_close(struct out *o, int failed)
{
	int e = errno != 0 ? errno : EIO;	/* before fclose and unlink */
	char *what;

	if (!failed)
		return out_commit(o);
	what = o->path != NULL ? xasprintf("'%s'", o->path) :
	    xstrdup("to standard output");
	out_abort(o);
	error("cannot write %s: %s", what, strerror(e));
	free(what);
	return -1;
}

int
out_write_text(const char *path, const char *text)
{
	struct out o;

	if (out_open(&o, path) < 0)
		return -1;
	return out_close(&o, fputs(text, o.f) == EOF ||
	    fputc('\n', o.f) == EOF);
}
