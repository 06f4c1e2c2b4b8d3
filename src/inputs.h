/*
 * inputs.h: turn the PATH... arguments of a command into the list of
 * export parts to read.  A file is itself (gzip or not, whatever its name);
 * `-` is standard input; a directory holding a manifest.json (written by
 * `export`) is the files that manifest lists; a `run` directory (no
 * manifest.json and no *.csv.gz of its own, but a run.json naming its
 * export, or an export/manifest.json) is that export only, not its reports
 * nor its previous period's export (run.json's "export": a path relative
 * to the run directory, or absolute); any
 * other directory is every *.csv.gz and *.csv below it, recursively, in
 * sorted order.  The same rules hold in every directory walked.
 */
#ifndef CU_INPUTS_H
#define CU_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * The range of the export a part belongs to: its manifest's "start" and
 * "end" (ms since the epoch, both inclusive, as the API's).  A reader
 * counts the rows outside it as filtered out, so that an export never
 * reports more than the period it is of.  set is 0 for a part with no
 * manifest (a folder of parts, a file, stdin): every row counts.
 */
struct inputs_range {
	int64_t start, end;
	int set;
};

struct inputs {
	char **paths;
	struct inputs_range *ranges;	/* one per path */
	size_t n, cap;
	char *org_id;	/* the first manifest's org_id, or NULL */
	/* the export directories (with a manifest.json) read, in order;
	 * their users.json is the cache of user names (users.h) */
	char **dirs;
	size_t ndirs;
	/* inputs_add_memory(): paths[0]'s bytes, read in place */
	const void *mem;
	size_t mem_len;
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
 * The first and only part: `len` bytes at p, read as a file named `name`
 * would be (for fuzzing and tests; p must outlive the reading).
 */
void inputs_add_memory(struct inputs *in, const char *name, const void *p,
    size_t len);

/*
 * Add every part of src (copied) to dst, after dst's own, with its range,
 * and src's export directories; src's org_id when dst has none.
 */
void inputs_append(struct inputs *dst, const struct inputs *src);

/*
 * The previous period's export of the run directory dir: run.json's
 * "previous"."dir", relative to dir or absolute.  Returns that path (the
 * caller frees it), or NULL after an error: dir has no run.json, or its
 * run had no previous period.
 */
char *inputs_run_previous(const char *dir);

/*
 * A run directory's run.json (at rpath), read back: at most
 * MANIFEST_MAX_BYTES, a JSON object, every string without control
 * characters.  Returns it (the caller decrefs it), or NULL after an error
 * naming the file.
 */
json_t *inputs_run_load(const char *rpath);

/*
 * The folder run.json's field `key` ("export", "previous.dir") names, p:
 * an absolute path is used as it is (run records one for an export from
 * elsewhere); a relative one is under the run directory dir and must
 * stay inside it once resolved on the disk (no "..", no symbolic link
 * leading out).  Returns the path to read (the caller frees it), or NULL
 * after an error naming rpath, the field and what was expected.
 */
char *inputs_run_path(const char *dir, const char *rpath, const char *key,
    const char *p);

/*
 * About how many rows the inputs hold, from their sizes (a real export
 * row is about 170 bytes gzip, 770 bytes of CSV); 0 for stdin.  Used to
 * size tables up front, so it errs low rather than high.
 */
size_t inputs_expected_rows(const struct inputs *in);

/* The UTC day (days since the epoch) of an instant in ms. */
static inline int32_t
inputs_day_of(int64_t ms)
{
	int64_t d = ms / 86400000;

	return (int32_t)(ms % 86400000 < 0 ? d - 1 : d);
}

/*
 * Is a job run inside r?  ms is its JOB_RUN_STARTED_AT (have_ms set),
 * else day its JOB_RUN_DATE (have_day set; then the day must be one
 * of those r touches).  A run with neither, or r not set, is inside.
 */
static inline int
inputs_range_has(const struct inputs_range *r, int have_ms, int64_t ms,
    int have_day, int32_t day)
{
	if (!r->set)
		return 1;
	if (have_ms)
		return ms >= r->start && ms <= r->end;
	if (have_day)
		return day >= inputs_day_of(r->start) &&
		    day <= inputs_day_of(r->end);
	return 1;
}

#endif
