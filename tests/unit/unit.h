/*
 * unit.h: what the cmocka unit tests share: the cmocka includes, temporary
 * directories and files, running gzip, the reporter, capturing stderr, and
 * assertions on exact decimals.  Header-only; each test_*.c is its own binary.
 */
#ifndef CU_UNIT_H
#define CU_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dec.h"
#include "term.h"
#include "util.h"

/* ---- the reporter ---- */

/*
 * Messages and progress on stderr, as the program shows them (term.c),
 * before any test runs: the tests that capture stderr read them there.
 */
__attribute__((constructor)) static void
unit_reporter(void)
{
	term_install();
}

/* ---- decimals ---- */

/* The decimal written as `s`; the test fails if it does not parse. */
static inline dec_t
unit_dec(const char *s)
{
	dec_t v = 0;

	/* the sum parser: tests build values up to DEC_SUM_MAX */
	if (dec_parse_sum(s, strlen(s), &v) != 0)
		fail_msg("dec_parse_sum(\"%s\") failed", s);
	return v;
}

/* Compare exactly; on a difference print both values in full. */
#define assert_dec_equal(a, b)						\
	do {								\
		dec_t a_ = (a), b_ = (b);				\
		if (a_ != b_) {						\
			char sa_[DEC_BUFSZ], sb_[DEC_BUFSZ];		\
			dec_format(a_, sa_);				\
			dec_format(b_, sb_);				\
			fail_msg("%s is %s, expected %s", #a, sa_, sb_); \
		}							\
	} while (0)

/* ---- temporary files ---- */

/* A fresh directory under $TMPDIR (or /tmp); free() the result. */
static inline char *
unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = xasprintf("%s/cu-unit-XXXXXX", base && *base ? base : "/tmp");

	if (mkdtemp(t) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	return t;
}

static inline int
unit_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* rm -rf `dir` (symbolic links are removed, never followed). */
static inline void
unit_rmtree(const char *dir)
{
	if (dir != NULL)
		nftw(dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The fixture of a suite whose tests share one fresh directory, `tmp`:
 * cmocka's setup() makes it, teardown() removes it.
 */
#define UNIT_TMPDIR_FIXTURE						\
static char *tmp;							\
									\
static int								\
setup(void **state)							\
{									\
	(void)state;							\
	tmp = unit_tmpdir();						\
	return 0;							\
}									\
									\
static int								\
teardown(void **state)							\
{									\
	(void)state;							\
	unit_rmtree(tmp);						\
	free(tmp);							\
	return 0;							\
}

/* `dir`/`name`; free() the result. */
static inline char *
unit_path(const char *dir, const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static inline void
unit_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		fail_msg("cannot create '%s': %s", path, strerror(errno));
	if (len && fwrite(data, 1, len, f) != len)
		fail_msg("cannot write '%s'", path);
	if (fclose(f) != 0)
		fail_msg("cannot write '%s'", path);
}

static inline void
unit_writes(const char *path, const char *s)
{
	unit_write(path, s, strlen(s));
}

/* The whole file, NUL-terminated; sets *len if not NULL.  free() it. */
static inline char *
unit_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n = 0, cap = 4096, got;

	if (f == NULL)
		fail_msg("cannot open '%s': %s", path, strerror(errno));
	buf = xmalloc(cap + 1);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

static inline void
unit_mkdir(const char *path)
{
	if (mkdir(path, 0755) != 0)
		fail_msg("mkdir '%s': %s", path, strerror(errno));
}

/* Run a shell command; the test fails unless it exits 0. */
static inline void
unit_sh(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("command failed (%d): %s", st, cmd);
}

/* gzip `src` into `dst` with the gzip program (no name, no time stamp). */
static inline void
unit_gzip_file(const char *src, const char *dst)
{
	char *cmd = xasprintf("gzip -c -n -6 < '%s' > '%s'", src, dst);

	unit_sh(cmd);
	free(cmd);
}

/* Write `len` bytes of `data` gzipped into `path`. */
static inline void
unit_write_gz(const char *path, const void *data, size_t len)
{
	char *plain = xasprintf("%s.plain", path);

	unit_write(plain, data, len);
	unit_gzip_file(plain, path);
	unlink(plain);
	free(plain);
}

/* ---- stderr capture ---- */

struct unit_capture {
	int saved;
	char path[64];
};

/* Send fd 2 to a temporary file until unit_capture_end(). */
static inline void
unit_capture_begin(struct unit_capture *c)
{
	int fd;
	const char *base = getenv("TMPDIR");

	snprintf(c->path, sizeof(c->path), "%s/cu-unit-err-XXXXXX",
	    base && *base && strlen(base) < 40 ? base : "/tmp");
	fd = mkstemp(c->path);
	if (fd < 0)
		fail_msg("mkstemp: %s", strerror(errno));
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

/* Restore fd 2; returns what was written to it (free() it). */
static inline char *
unit_capture_end(struct unit_capture *c)
{
	char *s;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	s = unit_read(c->path, NULL);
	unlink(c->path);
	return s;
}

/*
 * Compare an allocated string with `want` and free it either way, so that
 * a failing test leaks nothing (the sanitizer build checks for leaks).
 */
#define assert_text_free(got, want)					\
	unit_text_free((got), (want), __FILE__, __LINE__)

static inline void
unit_text_free(char *got, const char *want, const char *file, int line)
{
	if (strcmp(got, want) == 0) {
		free(got);
		return;
	}
	print_error("got:\n%s\n--- expected ---\n%s\n", got, want);
	free(got);
	_fail(file, line);
}

/* The test fails unless `hay` contains `needle`. */
#define assert_contains(hay, needle)					\
	do {								\
		const char *h_ = (hay), *n_ = (needle);			\
		if (h_ == NULL || strstr(h_, n_) == NULL)		\
			fail_msg("expected \"%s\" in \"%s\"", n_,	\
			    h_ ? h_ : "(null)");			\
	} while (0)

#endif
