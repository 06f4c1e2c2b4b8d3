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
out_open(struct out *o, const char *path)
{
	struct stat st;
	int fd;

	memset(o, 0, sizeof(*o));
	if (path == NULL || strcmp(path, "-") == 0) {
		o->f = stdout;
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
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return -1;
	}
	/* mkstemp makes 0600; give the result the usual umask mode */
	{
		mode_t mask = umask(022);

		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
	}
	o->f = fdopen(fd, "w");
	if (o->f == NULL) {
		error("cannot write '%s': %s", o->tmp, strerror(errno));
		close(fd);
		unlink(o->tmp);
		sigclean_forget(o->tmp);
		free(o->tmp);
		free(o->path);
		o->tmp = o->path = NULL;
		return -1;
	}
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
	if (ret < 0 && o->tmp != NULL) {
		unlink(o->tmp);
		sigclean_forget(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	o->f = NULL;
	o->tmp = o->path = NULL;
	return ret;
}

void
out_abort(struct out *o)
{
	if (o->path != NULL) {
		fclose(o->f);
		if (o->tmp != NULL) {
			unlink(o->tmp);
			sigclean_forget(o->tmp);
		}
		free(o->tmp);
		free(o->path);
	}
	o->f = NULL;
	o->tmp = o->path = NULL;
}
