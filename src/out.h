/*
 * out.h: output that is all or nothing.  A named output is written to a
 * temporary file beside it and renamed over it only when everything was
 * written and flushed to disk, so a failure never leaves a half-written or
 * truncated result in place.  Without a name the output is stdout.  A
 * name that is not a regular file (/dev/null, /dev/stdout, a FIFO) is
 * written in place: it is never replaced.
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

/* Open `path` (NULL or "-" for stdout).  -1 after printing an error. */
int out_open(struct out *o, const char *path);

/*
 * Flush, sync and rename into place.  Returns 0, or -1 after printing an
 * error (the temporary file is removed and the old output kept).
 */
int out_commit(struct out *o);

/* Give up: remove the temporary file, keep whatever was there before. */
void out_abort(struct out *o);

#endif
