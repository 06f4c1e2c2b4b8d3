/*
 * inputs.h: turn the PATH... arguments of a command into the list of
 * export parts to read.  A file is itself (gzip or not, whatever its name);
 * `-` is standard input; a directory holding a manifest.json (written by
 * `export`) is the files that manifest lists; any other directory is every
 * *.csv.gz and *.csv below it, recursively, in sorted order.
 */
#ifndef CU_INPUTS_H
#define CU_INPUTS_H

#include <stddef.h>

struct inputs {
	char **paths;
	size_t n, cap;
};

void inputs_init(struct inputs *in);
void inputs_release(struct inputs *in);

/*
 * Add what `arg` names.  Returns 0, or -1 after printing an error naming
 * the path (missing, unreadable, a bad manifest, a directory with no
 * parts).
 */
int inputs_add(struct inputs *in, const char *arg);

#endif
