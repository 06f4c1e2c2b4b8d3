/*
 * gz.c: a file or stdin as a byte stream, inflating gzip members as they
 * come.  The raw file is read in large blocks; inflated bytes go straight
 * into the caller's buffer, so the CSV reader parses without a copy.
 */
#include "gz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef CU_GZ_ZLIB
#include <zlib.h>
#else
#include <isa-l/igzip_lib.h>
#endif

#include "util.h"

#define GZ_INBUF (256 * 1024)
#define GZ_INSMALL 4096		/* a small file's buffer: its size, rounded */

struct gz {
	int fd;			/* -1 with a source */
	gz_source_fn src;
	void *src_ctx;
	char *name;
	int is_gzip;		/* -1 until the first bytes are seen */
	int eof;		/* the raw file is exhausted */
	int member_done;	/* between gzip members */
	int failed;
	unsigned char *in;
	size_t in_cap;		/* GZ_INBUF, or less for a small file */
	size_t in_len, in_pos;	/* raw bytes buffered, and consumed */
	uint64_t file_size;	/* a regular file's, or 0 */
	uint64_t raw_bytes;
#ifdef CU_GZ_ZLIB
	z_stream zs;
	int zs_init;
#else
	struct inflate_state *st;	/* from the first gzip member on */
#endif
	char err[512];
};

static void
gz_fail(struct gz *gz, const char *fmt, const char *detail)
{
	snprintf(gz->err, sizeof(gz->err), fmt, gz->name, detail);
	gz->failed = 1;
}

void
gz_size_hint(struct gz *gz, uint64_t size)
{
	if (gz->in != NULL)
		return;		/* too late: the buffer is made */
	gz->file_size = size;
	/* a small input whole, in fewer pages than a big buffer */
	gz->in_cap = size < GZ_INBUF - GZ_INSMALL ?
	    (size + GZ_INSMALL) & ~(size_t)(GZ_INSMALL - 1) : GZ_INBUF;
}

struct gz *
gz_open(const char *path, char *err, size_t errlen)
{
	struct gz *gz;
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open '%s': %s", path,
			    strerror(errno));
			return NULL;
		}
	}
	gz = xcalloc(1, sizeof(*gz));
	gz->fd = fd;
	gz->name = xstrdup(strcmp(path, "-") == 0 ? "(stdin)" : path);
	gz->is_gzip = -1;
	gz->in_cap = GZ_INBUF;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		gz_size_hint(gz, (uint64_t)st.st_size);
	return gz;
}

struct gz *
gz_open_source(const char *name, gz_source_fn src, void *ctx)
{
	struct gz *gz = xcalloc(1, sizeof(*gz));

	gz->fd = -1;
	gz->src = src;
	gz->src_ctx = ctx;
	gz->name = xstrdup(name);
	gz->is_gzip = -1;
	gz->in_cap = GZ_INBUF;
	return gz;
}

/* One read of raw bytes; -1 after gz_fail(). */
static ssize_t
gz_raw_read(struct gz *gz, void *buf, size_t len)
{
	ssize_t n;

	if (gz->src != NULL) {
		char msg[256];

		msg[0] = '\0';
		n = gz->src(gz->src_ctx, buf, len, msg, sizeof(msg));
		if (n < 0)
			gz_fail(gz, "cannot read '%s': %s", msg[0] ? msg :
			    "read error");
		return n;
	}
	do {
		n = read(gz->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		gz_fail(gz, "cannot read '%s': %s", strerror(errno));
	return n;
}

/* Fill the raw buffer (keeping unconsumed bytes).  -1 on a read error. */
static int
gz_fill(struct gz *gz)
{
	ssize_t n;

	if (gz->in == NULL)
		gz->in = xmalloc(gz->in_cap);
	if (gz->in_pos > 0) {
		memmove(gz->in, gz->in + gz->in_pos, gz->in_len - gz->in_pos);
		gz->in_len -= gz->in_pos;
		gz->in_pos = 0;
	}
	while (!gz->eof && gz->in_len < gz->in_cap) {
		n = gz_raw_read(gz, gz->in + gz->in_len, gz->in_cap -
		    gz->in_len);
		if (n < 0)
			return -1;
		if (n == 0) {
			gz->eof = 1;
			break;
		}
		gz->in_len += (size_t)n;
		gz->raw_bytes += (uint64_t)n;
		/* a pipe gives little at a time: don't wait for a full block */
		if (gz->in_len >= 64 * 1024)
			break;
	}
	return 0;
}

static void
gz_member_start(struct gz *gz)
{
#ifdef CU_GZ_ZLIB
	if (!gz->zs_init) {
		memset(&gz->zs, 0, sizeof(gz->zs));
		if (inflateInit2(&gz->zs, 16 + MAX_WBITS) != Z_OK)
			die(EXIT_FAILURE_OTHER, "out of memory (zlib)");
		gz->zs_init = 1;
	} else {
		inflateReset(&gz->zs);
	}
#else
	if (gz->st == NULL)
		gz->st = xmalloc(sizeof(*gz->st));
	isal_inflate_init(gz->st);
	gz->st->crc_flag = ISAL_GZIP;
#endif
	gz->member_done = 0;
}

/*
 * After a member ends: the next bytes must start another member, or be the
 * end of the file.  Returns 1 when another member follows, 0 at the end,
 * -1 on trailing garbage.
 */
static int
gz_next_member(struct gz *gz)
{
	if (gz->in_len - gz->in_pos < 2 && !gz->eof && gz_fill(gz) < 0)
		return -1;
	if (gz->in_len == gz->in_pos)
		return 0;
	if (gz->in_len - gz->in_pos >= 2 && gz->in[gz->in_pos] == 0x1f &&
	    gz->in[gz->in_pos + 1] == 0x8b) {
		gz_member_start(gz);
		return 1;
	}
	gz_fail(gz, "'%s' is corrupt: %s", "unexpected data after the end "
	    "of the gzip stream");
	return -1;
}

/* Inflate into buf; returns bytes produced (0 at the true end) or -1. */
static ssize_t
gz_inflate(struct gz *gz, unsigned char *buf, size_t len)
{
	for (;;) {
		size_t produced, avail;
		int done, ret;

		if (gz->member_done) {
			ret = gz_next_member(gz);
			if (ret <= 0)
				return ret;
		}
		if (gz->in_pos == gz->in_len && !gz->eof && gz_fill(gz) < 0)
			return -1;
		avail = gz->in_len - gz->in_pos;
		if (len > UINT32_MAX)
			len = UINT32_MAX;
#ifdef CU_GZ_ZLIB
		gz->zs.next_in = gz->in + gz->in_pos;
		gz->zs.avail_in = (uInt)avail;
		gz->zs.next_out = buf;
		gz->zs.avail_out = (uInt)len;
		ret = inflate(&gz->zs, Z_NO_FLUSH);
		gz->in_pos += avail - gz->zs.avail_in;
		produced = len - gz->zs.avail_out;
		if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT ||
		    ret == Z_MEM_ERROR || ret == Z_STREAM_ERROR) {
			gz_fail(gz, "'%s' is corrupt: %s", gz->zs.msg ?
			    gz->zs.msg : "invalid gzip data");
			return -1;
		}
		done = ret == Z_STREAM_END;
#else
		gz->st->next_in = gz->in + gz->in_pos;
		gz->st->avail_in = (uint32_t)avail;
		gz->st->next_out = buf;
		gz->st->avail_out = (uint32_t)len;
		ret = isal_inflate(gz->st);
		gz->in_pos += avail - gz->st->avail_in;
		produced = len - gz->st->avail_out;
		if (ret < 0) {
			gz_fail(gz, "'%s' is corrupt: %s",
			    ret == ISAL_INCORRECT_CHECKSUM ?
			    "gzip checksum mismatch" : "invalid gzip data");
			return -1;
		}
		done = gz->st->block_state == ISAL_BLOCK_FINISH;
#endif
		if (done)
			gz->member_done = 1;
		if (produced > 0)
			return (ssize_t)produced;
		if (!done && gz->eof && gz->in_pos == gz->in_len) {
			gz_fail(gz, "'%s' is truncated: %s",
			    "the gzip stream ends early");
			return -1;
		}
	}
}

ssize_t
gz_read(struct gz *gz, void *buf, size_t len)
{
	ssize_t n;

	if (gz->failed)
		return -1;
	if (gz->is_gzip < 0) {
		if (gz_fill(gz) < 0)
			return -1;
		gz->is_gzip = gz->in_len >= 2 && gz->in[0] == 0x1f &&
		    gz->in[1] == 0x8b;
		if (gz->is_gzip)
			gz_member_start(gz);
	}
	if (gz->is_gzip)
		return gz_inflate(gz, buf, len);
	if (gz->in_pos < gz->in_len) {
		size_t k = gz->in_len - gz->in_pos;

		if (k > len)
			k = len;
		memcpy(buf, gz->in + gz->in_pos, k);
		gz->in_pos += k;
		return (ssize_t)k;
	}
	if (gz->eof)
		return 0;
	n = gz_raw_read(gz, buf, len);
	if (n < 0)
		return -1;
	if (n == 0)
		gz->eof = 1;
	gz->raw_bytes += (uint64_t)n;
	return n;
}

uint64_t
gz_file_size(const struct gz *gz)
{
	return gz->file_size;
}

const char *
gz_error(const struct gz *gz)
{
	return gz->err;
}

int
gz_is_gzip(const struct gz *gz)
{
	return gz->is_gzip > 0;
}

uint64_t
gz_raw_bytes(const struct gz *gz)
{
	return gz->raw_bytes;
}

void
gz_close(struct gz *gz)
{
	if (gz == NULL)
		return;
	if (gz->fd >= 0 && gz->fd != STDIN_FILENO)
		close(gz->fd);
#ifdef CU_GZ_ZLIB
	if (gz->zs_init)
		inflateEnd(&gz->zs);
#else
	free(gz->st);
#endif
	free(gz->in);
	free(gz->name);
	free(gz);
}
