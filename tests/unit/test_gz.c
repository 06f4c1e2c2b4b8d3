/*
 * test_gz.c: input files as byte streams (gz.h): plain files pass through,
 * gzip is recognised by its magic whatever the name, multi-member files
 * read whole, and truncated, corrupt or trailing-garbage files are errors
 * naming the file.  Fixtures are made with the gzip program in a
 * temporary directory.
 */
#include "unit.h"

#include "gz.h"

UNIT_TMPDIR_FIXTURE

/*
 * Read the whole stream `len` bytes at a time.  Returns the bytes (free()
 * them) and sets *n; *ret is 0 at a clean end, -1 after an error.
 */
static char *
read_all(struct gz *gz, size_t len, size_t *n, int *ret)
{
	struct sbuf out;
	char *buf = xmalloc(len);
	ssize_t got;

	sbuf_init(&out, SIZE_MAX / 2);
	*ret = 0;
	while ((got = gz_read(gz, buf, len)) != 0) {
		if (got < 0) {
			*ret = -1;
			break;
		}
		if ((size_t)got > len)
			fail_msg("gz_read returned %zd for %zu", got, len);
		sbuf_add(&out, buf, (size_t)got);
	}
	free(buf);
	*n = out.len;
	return out.buf;
}

/* A file with its whole content: must read back as `want`. */
static void
expect_content(const char *path, const void *want, size_t wantlen,
    int is_gzip, size_t readlen)
{
	char err[512] = "";
	struct gz *gz = gz_open(path, err, sizeof(err));
	size_t n;
	int ret;
	char *got;

	if (gz == NULL)
		fail_msg("gz_open(%s): %s", path, err);
	got = read_all(gz, readlen, &n, &ret);
	if (ret != 0)
		fail_msg("reading %s: %s", path, gz_error(gz));
	assert_int_equal(n, wantlen);
	assert_memory_equal(got, want, wantlen);
	assert_int_equal(gz_is_gzip(gz), is_gzip);
	assert_string_equal(gz_error(gz), "");
	/* the end stays the end */
	{
		char b[16];

		assert_int_equal(gz_read(gz, b, sizeof(b)), 0);
	}
	free(got);
	gz_close(gz);
}

/* The file must read as an error whose message contains `msg`. */
static void
expect_error(const char *path, const char *msg, size_t readlen)
{
	char err[512] = "";
	struct gz *gz = gz_open(path, err, sizeof(err));
	size_t n;
	int ret;
	char *got, b[16];

	if (gz == NULL)
		fail_msg("gz_open(%s): %s", path, err);
	got = read_all(gz, readlen, &n, &ret);
	if (ret != -1)
		fail_msg("%s read as %zu bytes without an error", path, n);
	assert_contains(gz_error(gz), path);
	assert_contains(gz_error(gz), msg);
	/* and the error sticks */
	assert_int_equal(gz_read(gz, b, sizeof(b)), -1);
	free(got);
	gz_close(gz);
}

/* Some CSV-like bytes, `n` of them, always the same. */
static char *
sample(size_t n)
{
	char *s = xmalloc(n + 1);
	uint32_t x = 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		if (i % 61 == 60)
			s[i] = '\n';
		else if (i % 7 == 6)
			s[i] = ',';
		else
			s[i] = (char)('0' + (x >> 16) % 43);
	}
	s[n] = '\0';
	return s;
}

static void
test_plain_passthrough(void **state)
{
	char *p = unit_path(tmp, "plain.csv.gz");	/* the name lies */
	static const char text[] = "A,B\n1,2\n";
	char *big = sample(300000);
	char *q = unit_path(tmp, "big.csv");

	(void)state;
	unit_writes(p, text);
	expect_content(p, text, 8, 0, 4096);
	expect_content(p, text, 8, 0, 1);
	unit_write(q, big, 300000);
	expect_content(q, big, 300000, 0, 65536);
	expect_content(q, big, 300000, 0, 7);
	free(p);
	free(q);
	free(big);
}

static void
test_gzip_by_magic(void **state)
{
	char *p = unit_path(tmp, "data.csv");		/* gzip inside */
	static const char text[] = "PROJECT_NAME,TOTAL_CREDITS\nweb,1.5\n";

	(void)state;
	unit_write_gz(p, text, strlen(text));
	expect_content(p, text, strlen(text), 1, 4096);
	expect_content(p, text, strlen(text), 1, 1);
	free(p);
}

static void
test_gzip_large_streams(void **state)
{
	char *p = unit_path(tmp, "large.gz");
	size_t n = 600000;
	char *big = sample(n);
	char err[256];
	struct gz *gz;
	size_t got;
	int ret;
	char *data;

	(void)state;
	unit_write_gz(p, big, n);
	expect_content(p, big, n, 1, 1 << 20);
	expect_content(p, big, n, 1, 4096);
	expect_content(p, big, n, 1, 63);
	/* the raw byte count is the file's size */
	gz = gz_open(p, err, sizeof(err));
	assert_non_null(gz);
	data = read_all(gz, 8192, &got, &ret);
	assert_int_equal(ret, 0);
	{
		struct stat st;

		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(gz_raw_bytes(gz), (uint64_t)st.st_size);
	}
	free(data);
	gz_close(gz);
	free(big);
	free(p);
}

/* Header fields a gzip writer may add: extra field, name, comment. */
static void
test_header_fields(void **state)
{
	char *plain = unit_path(tmp, "named.csv"), *gz = unit_path(tmp,
	    "named.csv.gz"), *hand = unit_path(tmp, "fields.gz"), *cmd;
	static const char text[] = "A,B\n1,2\n3,4\n";
	/* XLEN = 8, then one subfield: id "AP", length 4, 4 bytes */
	static const unsigned char xfield[] = { 8, 0, 'A', 'P', 4, 0, 1, 2,
	    3, 4 };
	struct sbuf out;
	size_t n;
	char *data;

	(void)state;
	/* gzip without -n stores the name (FNAME) */
	unit_writes(plain, text);
	cmd = xasprintf("gzip -c '%s' > '%s'", plain, gz);
	unit_sh(cmd);
	free(cmd);
	data = unit_read(gz, &n);
	assert_true(data[3] & 0x08);
	expect_content(gz, text, strlen(text), 1, 4096);
	free(data);
	/* FEXTRA, FNAME and FCOMMENT together, made by hand from a bare
	 * member: the 10-byte header with FLG set, then the fields */
	unit_write_gz(gz, text, strlen(text));
	data = unit_read(gz, &n);
	sbuf_init(&out, 1 << 20);
	sbuf_add(&out, data, 3);
	sbuf_addch(&out, 0x04 | 0x08 | 0x10);	/* FEXTRA FNAME FCOMMENT */
	sbuf_add(&out, data + 4, 6);
	sbuf_add(&out, xfield, sizeof(xfield));
	sbuf_add(&out, "part-0.csv", 11);		/* with its NUL */
	sbuf_add(&out, "made by hand", 13);
	sbuf_add(&out, data + 10, n - 10);
	unit_write(hand, out.buf, out.len);
	expect_content(hand, text, strlen(text), 1, 4096);
	expect_content(hand, text, strlen(text), 1, 1);
	sbuf_release(&out);
	free(data);
	free(plain);
	free(gz);
	free(hand);
}

static void
test_multi_member(void **state)
{
	char *a = unit_path(tmp, "a.gz"), *b = unit_path(tmp, "b.gz");
	char *e = unit_path(tmp, "e.gz"), *all = unit_path(tmp, "all.csv.gz");
	char *cmd;
	char *big = sample(200000);
	struct sbuf want;

	(void)state;
	unit_write_gz(a, "H\n1\n", 4);
	unit_write_gz(b, big, 200000);
	unit_write_gz(e, "", 0);		/* an empty member */
	cmd = xasprintf("cat '%s' '%s' '%s' '%s' > '%s'", a, e, b, a, all);
	unit_sh(cmd);
	free(cmd);
	sbuf_init(&want, SIZE_MAX / 2);
	sbuf_add(&want, "H\n1\n", 4);
	sbuf_add(&want, big, 200000);
	sbuf_add(&want, "H\n1\n", 4);
	expect_content(all, want.buf, want.len, 1, 65536);
	expect_content(all, want.buf, want.len, 1, 3);
	/* an empty gzip file is empty content */
	expect_content(e, "", 0, 1, 4096);
	sbuf_release(&want);
	free(a);
	free(b);
	free(e);
	free(all);
	free(big);
}

static void
test_empty_and_tiny_files(void **state)
{
	char *p = unit_path(tmp, "empty.csv");

	(void)state;
	unit_write(p, "", 0);
	expect_content(p, "", 0, 0, 4096);
	/* one byte, even the first magic byte, is not gzip */
	unit_write(p, "\x1f", 1);
	expect_content(p, "\x1f", 1, 0, 4096);
	unit_write(p, "x", 1);
	expect_content(p, "x", 1, 0, 1);
	free(p);
}

/* Cut a gzip file at `keep` bytes into `dst`. */
static void
write_prefix(const char *src, const char *dst, size_t keep)
{
	size_t n;
	char *data = unit_read(src, &n);

	if (keep > n)
		fail_msg("cannot keep %zu of %zu bytes", keep, n);
	unit_write(dst, data, keep);
	free(data);
}

static void
test_truncated(void **state)
{
	char *full = unit_path(tmp, "full.gz"), *cut = unit_path(tmp,
	    "cut.csv.gz");
	char *big = sample(100000);
	size_t n, i;
	char *data;
	/* within the trailer, at the end of the data, in the middle, in the
	 * header */
	size_t cuts[8];

	(void)state;
	unit_write_gz(full, big, 100000);
	data = unit_read(full, &n);
	free(data);
	cuts[0] = n - 1;
	cuts[1] = n - 4;
	cuts[2] = n - 8;
	cuts[3] = n - 9;
	cuts[4] = n / 2;
	cuts[5] = 20;
	cuts[6] = 10;
	cuts[7] = 3;
	for (i = 0; i < 8; i++) {
		write_prefix(full, cut, cuts[i]);
		expect_error(cut, "is truncated", 4096);
		expect_error(cut, "the gzip stream ends early", 1 << 20);
	}
	/* a complete member, then a cut one */
	{
		char *cmd = xasprintf("cat '%s' '%s' > '%s.2'", full, cut,
		    cut);
		char *two = xasprintf("%s.2", cut);

		write_prefix(full, cut, n / 3);
		unit_sh(cmd);
		expect_error(two, "is truncated", 65536);
		free(cmd);
		free(two);
	}
	free(full);
	free(cut);
	free(big);
}

/* Flip one byte of a gzip file at `off` into `dst`. */
static void
write_flipped(const char *src, const char *dst, size_t off, int mask)
{
	size_t n;
	char *data = unit_read(src, &n);

	assert_true(off < n);
	data[off] = (char)(data[off] ^ mask);
	unit_write(dst, data, n);
	free(data);
}

static void
test_corrupt(void **state)
{
	char *full = unit_path(tmp, "ok.gz"), *bad = unit_path(tmp,
	    "bad.csv.gz");
	char *big = sample(50000);
	size_t n;
	char *data;

	(void)state;
	unit_write_gz(full, big, 50000);
	data = unit_read(full, &n);
	free(data);
	/* the CRC in the trailer */
	write_flipped(full, bad, n - 6, 0x5a);
	expect_error(bad, "is corrupt", 4096);
	/* the compressed data: a bad block type, or a wrong checksum */
	write_flipped(full, bad, 10, 0x06);
	expect_error(bad, "is corrupt", 4096);
	write_flipped(full, bad, n / 2, 0xff);
	expect_error(bad, "is corrupt", 4096);
	/* the header's compression method */
	write_flipped(full, bad, 2, 0x01);
	expect_error(bad, "is corrupt", 4096);
	free(full);
	free(bad);
	free(big);
}

static void
test_trailing_garbage(void **state)
{
	char *full = unit_path(tmp, "t.gz"), *bad = unit_path(tmp,
	    "trail.csv.gz");
	static const char text[] = "a,b\n1,2\n";
	static const char *const tails[] = { "garbage", "\n", "\x1f",
	    "\0\0\0\0" };
	static const size_t tlen[] = { 7, 1, 1, 4 };
	size_t n, i;
	char *data;

	(void)state;
	unit_write_gz(full, text, strlen(text));
	data = unit_read(full, &n);
	for (i = 0; i < 4; i++) {
		char *both = xmalloc(n + tlen[i]);

		memcpy(both, data, n);
		memcpy(both + n, tails[i], tlen[i]);
		unit_write(bad, both, n + tlen[i]);
		expect_error(bad, "unexpected data after the end of the gzip "
		    "stream", 4096);
		free(both);
	}
	free(data);
	free(full);
	free(bad);
}

static void
test_open_errors(void **state)
{
	char err[512] = "unchanged";
	char *missing = unit_path(tmp, "no-such-file.csv.gz");
	char *want;
	struct gz *gz;

	(void)state;
	gz = gz_open(missing, err, sizeof(err));
	assert_null(gz);
	want = xasprintf("cannot open '%s': No such file or directory",
	    missing);
	assert_string_equal(err, want);
	free(want);
	free(missing);
	/* a directory opens, but cannot be read */
	gz = gz_open(tmp, err, sizeof(err));
	assert_non_null(gz);
	expect_error(tmp, "Is a directory", 4096);
	gz_close(gz);
	gz_close(NULL);
}

static void
test_stdin(void **state)
{
	char *p = unit_path(tmp, "stdin.gz");
	static const char text[] = "from,stdin\n";
	int saved = dup(STDIN_FILENO), fd;
	char err[256];
	struct gz *gz;
	size_t n;
	int ret;
	char *got;

	(void)state;
	unit_write_gz(p, text, strlen(text));
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	dup2(fd, STDIN_FILENO);
	close(fd);
	gz = gz_open("-", err, sizeof(err));
	assert_non_null(gz);
	got = read_all(gz, 4096, &n, &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(n, strlen(text));
	assert_memory_equal(got, text, n);
	assert_true(gz_is_gzip(gz));
	gz_close(gz);
	free(got);
	/* gz_close() leaves standard input open */
	assert_true(fcntl(STDIN_FILENO, F_GETFD) >= 0);

	/* an error on stdin names it "(stdin)" */
	{
		char *data = unit_read(p, &n);

		unit_write(p, data, n - 2);
		free(data);
		fd = open(p, O_RDONLY);
		dup2(fd, STDIN_FILENO);
		close(fd);
		gz = gz_open("-", err, sizeof(err));
		got = read_all(gz, 4096, &n, &ret);
		assert_int_equal(ret, -1);
		assert_string_equal(gz_error(gz), "'(stdin)' is truncated: "
		    "the gzip stream ends early");
		gz_close(gz);
		free(got);
	}
	dup2(saved, STDIN_FILENO);
	close(saved);
	free(p);
}

static void
test_error_messages_exact(void **state)
{
	char *full = unit_path(tmp, "m.gz"), *bad = unit_path(tmp,
	    "m.csv.gz");
	char *want, err[64];
	struct gz *gz;
	size_t n;
	int ret;
	char *data;

	(void)state;
	unit_write_gz(full, "x\n", 2);
	write_prefix(full, bad, 15);
	gz = gz_open(bad, err, sizeof(err));
	data = read_all(gz, 4096, &n, &ret);
	free(data);
	want = xasprintf("'%s' is truncated: the gzip stream ends early",
	    bad);
	assert_string_equal(gz_error(gz), want);
	free(want);
	gz_close(gz);

	data = unit_read(full, &n);
	unit_write(bad, data, n);
	unit_write(full, "zz", 2);
	{
		char *cmd = xasprintf("cat '%s' >> '%s'", full, bad);

		unit_sh(cmd);
		free(cmd);
	}
	free(data);
	gz = gz_open(bad, err, sizeof(err));
	data = read_all(gz, 4096, &n, &ret);
	assert_int_equal(n, 2);
	want = xasprintf("'%s' is corrupt: unexpected data after the end of "
	    "the gzip stream", bad);
	assert_string_equal(gz_error(gz), want);
	free(want);
	free(data);
	gz_close(gz);
	free(full);
	free(bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_passthrough),
		cmocka_unit_test(test_gzip_by_magic),
		cmocka_unit_test(test_gzip_large_streams),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_multi_member),
		cmocka_unit_test(test_empty_and_tiny_files),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_trailing_garbage),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_error_messages_exact),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
