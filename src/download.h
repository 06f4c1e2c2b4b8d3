/*
 * download.h: fetch an export's parts, several at once (libcurl's multi
 * interface).  The URLs are pre-signed: requests carry no token and no
 * Authorization header, also after redirects.  Redirects are followed
 * here, at most NET_MAX_REDIRECTS, each target checked against the rule
 * of net.h before any connection to it; a refused URL or hop stops the
 * downloads with EXIT_REFUSED.  Each part is written as
 * `<path>.partial`, checked to be a complete gzip stream of CSV (CRC and
 * length, read through the report's own reader), then renamed to <path>.
 * A truncated or failed transfer is resumed with a Range request where the
 * server allows it, else restarted; an expired URL (403) is handed back to
 * the caller for a fresh one.
 */
#ifndef CU_DOWNLOAD_H
#define CU_DOWNLOAD_H

#include <stddef.h>
#include <stdint.h>

struct dl_item {
	/* in */
	const char *url;
	const char *path;	/* final file name */
	const char *label;	/* for progress and messages */
	/* out */
	int done;		/* downloaded and checked */
	int expired;		/* the URL answered 403: get a fresh one */
	uint64_t bytes;
	uint64_t rows;
	char sha256[65];
	/* internal */
	unsigned attempts;
};

/* Where the downloads of one download_all() call stand. */
struct dl_progress {
	size_t done, total;	/* parts checked and renamed, of all asked */
	uint64_t bytes;		/* on disk: done parts, and what the parts in
				 * flight hold (resumed bytes included) */
	uint64_t sized;		/* the sizes known: done parts, and parts
				 * in flight that declared their length */
	size_t nsized;		/* how many parts `sized` covers */
	uint64_t received;	/* bytes received by this call (a rate) */
};

struct dl_opts {
	int parallel;
	double deadline;	/* api_clock() seconds */
	int verbose;
	int quiet;
	int live;		/* the caller shows a live status line
				 * (statusline.h): every message clears it
				 * first (on_progress redraws it) */
	uint64_t max_part;	/* bytes: a part larger than this is refused
				 * (0: no cap) */
	int allow_http;		/* plain http to a loopback host allowed, on
				 * every hop (net.h): only when the API is
				 * on loopback itself (the tests) */
	/*
	 * Item i is done: renamed into place and checked (its bytes, rows
	 * and sha256 set).  Called at once, so that the caller can record
	 * it before anything else happens; -1 (after an error) stops the
	 * downloads with EXIT_FAILURE_OTHER.  May be NULL.
	 */
	int (*on_done)(void *ctx, size_t i);
	/* About five times a second while downloading.  May be NULL. */
	void (*on_progress)(void *ctx, const struct dl_progress *p);
	void *ctx;
};

/*
 * Download every item not yet done.  Returns 0 when each is done or
 * expired, else an exit code after reporting the error.  Reports a line
 * for each part done (unless quiet) and warnings (util.h); progress is the
 * caller's, through on_progress.
 */
int download_all(struct dl_item *items, size_t n, const struct dl_opts *o);

/*
 * Check a downloaded part: a complete gzip (or plain) CSV stream.  Sets
 * bytes, rows (data records) and the SHA-256 of the file.  Returns 0, or
 * -1 with the reason in err.
 */
int download_verify(const char *path, uint64_t *bytes, uint64_t *rows,
    char sha256[65], char *err, size_t errlen);

#endif
