/*
 * manifest.h: DIR/manifest.json, the record of an export: the org, the
 * range, each window with its job and each file with its size, SHA-256
 * and rows.  It is rewritten atomically after every change, so that a
 * killed or timed-out export resumes where it stopped.  README
 * ("The export manifest") documents the fields.
 */
#ifndef CU_MANIFEST_H
#define CU_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MANIFEST_NAME "manifest.json"
#define MANIFEST_VERSION 1

/*
 * What a manifest may hold.  A manifest comes back from disk, maybe from
 * a CI artifact someone else made, so every count is bounded by what
 * export itself would write, and checked before anything is allocated
 * for it: a manifest past these is refused, not read slowly.
 */
#define MANIFEST_MAX_BYTES	(4u << 20)	/* manifest.json's size */
#define MANIFEST_MAX_PARTS	1000	/* files in a window (its URLs) */
#define MANIFEST_MAX_FILES	10000	/* files in all (about 2.5 MB) */
#define MANIFEST_MAX_REPLACED	16	/* "replaced" entries */
#define MANIFEST_MAX_SHARED	64	/* shared_org_ids */
#define MANIFEST_MAX_TEXT	4096	/* bytes in any string */
/*
 * Windows beyond the range's own (one per 31 days): a resumed export whose
 * end is still in the future gains a window each time it is resumed.
 */
#define MANIFEST_MAX_RESUMES	256

struct mf_file {
	char *path;		/* relative to the export directory */
	unsigned url_index;	/* its place in download_urls */
	uint64_t bytes, rows;
	char sha256[65];
	int done;
};

struct mf_window {
	int64_t start, end;	/* ms since the epoch */
	char *dir;		/* <start>_<end>, compact UTC */
	char *job_id;		/* NULL until created */
	char *state;		/* created, processing, completed, failed */
	char *error_reason;
	char *created_at, *completed_at;
	struct mf_file *files;
	size_t nfiles;
};

/*
 * An earlier export in the same directory, of another request, that a new
 * one replaces.  Its windows are listed here, never in windows[], so that
 * no reader takes them for the new range; their files stay until the new
 * export is complete (an interrupted replacement leaves the old data
 * intact), then they are removed and the entry goes.
 */
struct mf_replaced {
	char *org_id;
	char **shared;
	size_t nshared;
	int64_t start, end;
	struct mf_window *w;
	size_t nw;
};

struct manifest {
	char *org_id;
	char **shared;
	size_t nshared;
	int64_t start, end;
	int64_t requested_end;	/* as asked, before a future end was clamped */
	char *api_url;
	int complete;
	char *created_at, *updated_at;
	struct mf_window *w;
	size_t nw;
	struct mf_replaced *old;	/* "replaced" */
	size_t nold;
};

void manifest_init(struct manifest *m);
void manifest_release(struct manifest *m);

/*
 * Load DIR/manifest.json.  Returns 1 when loaded, 0 when there is none,
 * -1 after printing an error (unreadable or malformed: naming the field).
 */
int manifest_load(struct manifest *m, const char *dir);

/*
 * The most windows a range may have: one per 31 days (range_split), and
 * MANIFEST_MAX_RESUMES more.
 */
size_t manifest_max_windows(int64_t start, int64_t end);

/*
 * Check every string in a JSON document read back from disk (a manifest,
 * a run.json), keys too: at most MANIFEST_MAX_TEXT bytes, and no control
 * character (str_has_control).  Returns 0, or -1 after an error naming
 * `file` and the field ("'F': windows[2].job_id: expected text without
 * control characters").
 */
int manifest_check_strings(const json_t *root, const char *file);

/*
 * Read the JSON document at `path` for a reader: refused (NULL, after an
 * error naming it) when it is larger than MANIFEST_MAX_BYTES, unreadable
 * or not JSON.
 */
json_t *manifest_read_json(const char *path);

/*
 * Check that no two entries of paths[n] are the same string.  Returns -1
 * with *a < *b the positions of a pair that is, else 0.  Sorts a copy.
 */
int manifest_find_duplicate(const char *const *paths, size_t n, size_t *a,
    size_t *b);

/*
 * Does the text of p keep it inside its directory: not empty, not
 * absolute, no ".." component?  A symbolic link may still lead out: the
 * readers check that on the disk (path_inside in inputs.c).
 */
int manifest_path_safe(const char *p);

/* Write it atomically (updated_at is set).  0, or -1 after an error. */
int manifest_save(struct manifest *m, const char *dir);

/* The manifest as JSON text (for --json); the caller frees it. */
char *manifest_dump(const struct manifest *m);

/* Free what a window or a replaced entry holds, and zero it. */
void manifest_window_release(struct mf_window *w);
void manifest_replaced_release(struct mf_replaced *r);

/* Set a window's files to n entries part-000 .. (all not done). */
void manifest_set_files(struct mf_window *w, size_t n);

/* The current time as RFC 3339, in buf[32]. */
const char *manifest_now(char *buf);

#endif
