/*
 * inputs.h: turn the PATH... arguments of a command into the list of
 * export parts to read.  A file is itself (gzip or not, whatever its name);
 * `-` is standard input; a directory holding a manifest.json (written by
 * `export`) is the files that manifest lists; a `run` directory (no
 * manifest.json and no *.csv.gz of its own, but export/manifest.json) is
 * its export/ folder only, not its reports nor its previous/ export; any
 * other directory is every *.csv.gz and *.csv below it, recursively, in
 * sorted order.  The same rules hold in every directory walked.
 */
#ifndef CU_INPUTS_H
#define CU_INPUTS_H

#include <stddef.h>

struct inputs {
	char **paths;
	size_t n, cap;
	char *org_id;	/* the first manifest's org_id, or NULL */
};

void inputs_init(struct inputs *in);
void inputs_release(struct inputs *in);

/*
 * Add what `arg` names.  Returns 0, or -1 after printing an error naming
 * the path (missing, unreadable, a bad manifest, a directory with no
 * parts).
 */
int inputs_add(struct inputs *in, const char *arg);

/*
 * About how many rows the inputs hold, from their sizes (a real export
 * row is about 170 bytes gzip, 770 bytes of CSV); 0 for stdin.  Used to
 * size tables up front, so it errs low rather than high.
 */
size_t inputs_expected_rows(const struct inputs *in);

#endif
