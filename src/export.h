/*
 * export.h: the export workflow.  Create Usage API export jobs for a date
 * range (one per window of at most 31 days), wait for them, and download
 * every part into DIR/<start>_<end>/part-NNN.csv.gz with DIR/manifest.json,
 * resuming whatever an earlier run left unfinished.  One export at a time
 * per DIR (DIR/.lock).
 *
 * One function per step, called in this order, each returning 0 or an
 * exit code (util.h) after reporting the error:
 *
 *	e = export_new(&req, token);
 *	ret = export_open(e);			check, connect, lock DIR
 *	if (!ret) ret = export_plan(e);		resume, replace, windows
 *	if (!ret) ret = export_create(e);	a job per new window
 *	if (!ret) ret = export_wait(e);		poll, download every part
 *	if (!ret) ret = export_finish(e);	complete: old files go
 *	export_free(e);
 *
 * Nothing is printed here but through error(), warning() and notice()
 * (util.h) and the caller's status line (statusline.h).
 */
#ifndef CU_EXPORT_H
#define CU_EXPORT_H

#include <stddef.h>

struct statusline;

/* What to export, where and how: the options of `export`. */
struct export_request {
	const char *org;	/* NULL: ORG_ID, else CIRCLE_ORGANIZATION_ID */
	const char *const *shared;	/* shared org UUIDs, checked */
	size_t nshared;
	const char *start, *end, *last;	/* as range_resolve() takes them */
	const char *dir;	/* the export directory */
	const char *api_url;	/* NULL: CIRCLECI_API_URL, else the default */
	double poll;		/* first wait between polls, seconds */
	double timeout;		/* seconds, for the whole export */
	int parallel;		/* downloads at once */
	unsigned long long max_part;	/* bytes: a larger part is refused */
	int force;		/* start over, even if DIR holds an export */
	int names;		/* --names: cache the users' login names
				 * (users.h) once the export is complete */
	int quiet, verbose;
	struct statusline *status;	/* the caller's, initialised; not
					 * NULL */
};

struct export;

/*
 * The API token: read from token_file ("-": the standard input), or when
 * it is NULL from CIRCLECI_API_TOKEN, CIRCLECI_TOKEN or CIRCLE_TOKEN,
 * first found wins; trimmed of white space around it.  A token holding a
 * space or a control character, or empty, is refused.  Returns a new
 * string (the caller wipes and frees it), or NULL after an error.
 */
char *export_token_read(const char *token_file);

/*
 * A new export of req (copied; its strings and status line are borrowed
 * and must outlive the export), with the token (borrowed too).  Nothing
 * is checked or done yet.  Never NULL.
 */
struct export *export_new(const struct export_request *req,
    const char *token);

/*
 * Check the request (org, range, API URL: EXIT_USAGE), create DIR and
 * take its lock (EXIT_FAILURE_OTHER).  No request is made.
 */
int export_open(struct export *e);

/*
 * The manifest for the request: DIR's own when it holds the same request
 * (resumed, extended when its end was clamped to now), else a new one,
 * its windows planned, replacing DIR's earlier export (whose windows of
 * the same bounds and orgs are taken over; its files stay until the new
 * export is complete).  --force removes DIR's export first.  Saved.
 */
int export_plan(struct export *e);

/* Create the export jobs of the windows that have none, one by one. */
int export_create(struct export *e);

/*
 * Poll every window's job, with a growing interval, and download its
 * parts as soon as it has URLs (fresh URLs asked for expired ones), each
 * part recorded in the manifest once done, until all are or the timeout
 * passes (EXIT_UNREACHABLE).
 */
int export_wait(struct export *e);

/*
 * Mark the export complete, remove the files of the exports it replaced,
 * and say what was exported.
 */
int export_finish(struct export *e);

/* The manifest as JSON text (manifest_dump()); the caller frees it. */
char *export_manifest_text(const struct export *e);

/* Requests made to the API; job creations and polls among them. */
unsigned export_requests(const struct export *e, unsigned *creates,
    unsigned *polls);

/* The export's API client (borrowed), or NULL before export_open(). */
struct api *export_api(struct export *e);

/*
 * Release the lock, the API client (and the token's redaction) and the
 * manifest, then e.  NULL is allowed.
 */
void export_free(struct export *e);

#endif
