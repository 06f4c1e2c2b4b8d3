/*
 * gz.h: one input file (or stdin) as a stream of bytes, inflated on the
 * fly when it is gzip.  Gzip is recognised by its magic bytes, never by the
 * file name; multi-member files are read whole; a truncated or corrupt
 * stream is an error.  ISA-L's igzip does the inflating (zlib when built
 * with GZ=zlib).
 */
#ifndef CU_GZ_H
#define CU_GZ_H

#include <stdint.h>
#include <sys/types.h>

struct gz;

/*
 * Open `path` ("-" is standard input).  Returns NULL and writes a one-line
 * message (naming the file) into err[errlen] on failure.
 */
struct gz *gz_open(const char *path, char *err, size_t errlen);

/*
 * A source of raw bytes: like read(2), it returns a count, 0 at the end or
 * -1 (with a message in err[errlen]) on an error.
 */
typedef ssize_t (*gz_source_fn)(void *ctx, void *buf, size_t len, char *err,
    size_t errlen);

/* Read the raw bytes from `src` instead of a file; `name` is for messages. */
struct gz *gz_open_source(const char *name, gz_source_fn src, void *ctx);

/*
 * Read up to `len` bytes of content into buf.  Returns the count, 0 at the
 * end of the input, or -1 on an error (gz_error() tells which).
 */
ssize_t gz_read(struct gz *gz, void *buf, size_t len);

/*
 * How many raw bytes to expect (before the first read): a small input
 * gets a buffer of its size.  gz_open() does it for a regular file.
 */
void gz_size_hint(struct gz *gz, uint64_t size);

/* The size of the file read, when it is a regular file; else 0. */
uint64_t gz_file_size(const struct gz *gz);

/* The last error as one line naming the file; "" if none. */
const char *gz_error(const struct gz *gz);

/* Was the input gzip?  Valid after the first gz_read(). */
int gz_is_gzip(const struct gz *gz);

/* Bytes read from the file so far (compressed size). */
uint64_t gz_raw_bytes(const struct gz *gz);

/* Close and free; gz_close(NULL) does nothing. */
void gz_close(struct gz *gz);

#endif
