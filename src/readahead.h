/*
 * readahead.h: inflate one input on a thread of its own, a few buffers
 * ahead of its reader.  When there are fewer parts than cores (one big
 * file, or stdin), this puts the second core to work: one thread inflates
 * while the other parses.
 */
#ifndef CU_READAHEAD_H
#define CU_READAHEAD_H

#include <sys/types.h>

#include "gz.h"

struct readahead;

/* Start reading `gz` ahead.  The gz stays owned by the caller. */
struct readahead *readahead_start(struct gz *gz);

/*
 * Like gz_read(): up to `len` bytes, 0 at the end, -1 on an error (then
 * gz_error() of the gz tells which).
 */
ssize_t readahead_read(struct readahead *ra, void *buf, size_t len);

/* Stop the thread (even half-way through the input) and free. */
void readahead_stop(struct readahead *ra);

#endif
