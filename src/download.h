/*
 * download.h: fetch an export's parts, several at once (libcurl's multi
 * interface).  The URLs are pre-signed: requests carry no token and no
 * Authorization header, also after redirects.  Each part is written as
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

struct dl_opts {
	int parallel;
	double deadline;	/* api_clock() seconds */
	int verbose;
	int quiet;
	int live;		/* stderr is a terminal: one live line */
	uint64_t max_part;	/* bytes: a part larger than this is refused
				 * (0: no cap) */
};

/*
 * Download every item not yet done.  Returns 0 when each is done or
 * expired, else an exit code after printing the error.
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
