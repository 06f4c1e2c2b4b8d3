/*
 * out.h: output that is all or nothing.  A named output is written to a
 * temporary file beside it and renamed over it only when everything was
 * written and flushed to disk, so a failure never leaves a half-written or
 * truncated result in place.  Without a name the output is stdout.  A
 * name that is not a regular file (/dev/null, /dev/stdout, a FIFO) is
 * written in place: it is never replaced.
 *
 * A file replaced keeps its permissions, and its owner and group where
 * the process may set them (out_inherit): `-o` never lets more people read
 * a file than could before.  A new file gets the umask's mode.
 */
#ifndef CU_OUT_H
#define CU_OUT_H

#include <stdio.h>

struct out {
	FILE *f;
	char *path;	/* final name, NULL for stdout */
	char *tmp;	/* temporary name while writing; NULL when path is
			 * not a regular file, written in place */
};

/*
 * The stream NULL or "-" names: the command's standard output, which the
 * command layer supplies (term_install(): stdout), the library never
 * choosing it itself.
 */
void out_set_stdout(FILE *f);

/*
 * Open `path` (NULL or "-" for the stream of out_set_stdout()).  -1 after
 * reporting an error; else 0, with errno 0 for out_close().
 */
int out_open(struct out *o, const char *path);

/*
 * Flush, sync and rename into place.  Returns 0, or -1 after printing an
 * error (the temporary file is removed and the old output kept).
 */
int out_commit(struct out *o);

/* Give up: remove the temporary file, keep whatever was there before. */
void out_abort(struct out *o);

/*
 * After the writing: out_commit() when it went well (failed 0), else
 * out_abort() and "cannot write 'PATH': <errno's reason>" (EIO's when
 * errno is 0), or "cannot write to standard output: ...".  Returns 0, or
 * -1 after the error.
 */
int out_close(struct out *o, int failed);

/*
 * `text` and a newline into `path`, all or nothing (out_open(), then
 * out_close()).  Returns 0, or -1 after an error naming the file.
 */
int out_write_text(const char *path, const char *text);

/*
 * Make the new file open on `fd`, about to be renamed over `path`, take
 * the place of the file `path` names now (following a symbolic link): its
 * owner and group, then its permission bits.  An owner the process may
 * not give (EPERM: not root) stays the process's; a group it may not give
 * (not a member) is the process's too, and then that group gets no more
 * than "others" had, so nobody gains access.  Nothing is changed when
 * `path` does not exist or is not a regular file: a new file keeps the
 * mode it was created with.  Every writer that renames a file into place
 * calls it (out.c, run's artifacts, export's parts).  Returns 1 when the
 * file took the old one's place, 0 when there was none, or -1 after
 * printing an error naming `path`.
 */
int out_inherit(int fd, const char *path);

#endif
