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

#define MANIFEST_NAME "manifest.json"
#define MANIFEST_VERSION 1

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
