/*
 * test_csv.c: the streaming tokenizer (csv.h).  Every dialect case runs
 * with the input handed over 1, 7, 63, 64, 65 bytes or all at once per
 * read, and again behind prefixes of 1..130 bytes so that each structural
 * byte falls on every position of a 64-byte block; small record limits
 * make the buffer refill (and move the partial record) mid-record.  A
 * seeded random corpus is checked against the fields it was written from.
 */
#include "unit.h"

#include "csv.h"

/* ---- a byte source with a chosen read size, and a failure switch ---- */

struct src {
	const char *data;
	size_t len, pos;
	size_t chunk;		/* bytes per read; 0 for all that fit */
	int calls;
	int fail_call;		/* this read (from 1) fails; 0: none */
	int fail_always;	/* ... and every read after it */
};

static ssize_t
src_read(void *ctx, void *buf, size_t len)
{
	struct src *s = ctx;
	size_t n = s->len - s->pos;

	s->calls++;
	if (s->fail_call && (s->calls == s->fail_call ||
	    (s->fail_always && s->calls > s->fail_call)))
		return -1;
	if (s->chunk && n > s->chunk)
		n = s->chunk;
	if (n > len)
		n = len;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

/* ---- records as text ---- */

/*
 * Every record as one line of text: "LINE:" ("LINE!:" when rec.bad), then
 * each kept field as [value] with quoting and escapes undone, or ~ when it
 * is NULL, then "+N" for fields counted but not kept.  The result ends
 * with "EOF" or "ERR <message>".  The first `skip` records are left out
 * and `line_off` is taken off every line number (for prefixed inputs).
 */
/* records_text() shows each field's flags too (path comparisons). */
static int show_flags;

static char *
records_text(struct csv_reader *r, size_t max_fields, size_t max_record,
    size_t skip, uint64_t line_off)
{
	struct sbuf out, scratch;
	struct csv_record rec;
	size_t nrec = 0, i;
	int ret;

	sbuf_init(&out, SIZE_MAX / 2);
	sbuf_init(&scratch, SIZE_MAX / 2);
	while ((ret = csv_reader_next(r, &rec)) > 0) {
		size_t kept = rec.nfields;

		if (nrec++ < skip)
			continue;
		sbuf_addf(&out, "%llu%s:", (unsigned long long)(rec.line -
		    line_off), rec.bad ? "!" : "");
		if (kept > max_fields)
			kept = max_fields ? max_fields : 1;
		for (i = 0; i < kept; i++) {
			const struct csv_field *f = &rec.fields[i];
			const char *v;
			size_t len;

			/* never read past what a record can hold */
			if (f->len > max_record) {
				sbuf_addf(&out, "<field %zu of length %u, "
				    "more than the record limit %zu>\n", i,
				    (unsigned)f->len, max_record);
				goto out;
			}
			if (csv_field_is_null(f)) {
				sbuf_addch(&out, '~');
				continue;
			}
			v = csv_field_value(f, &scratch, &len);
			if (show_flags)
				sbuf_addf(&out, "{%u}", (unsigned)f->flags);
			sbuf_addch(&out, '[');
			sbuf_add(&out, v, len);
			sbuf_addch(&out, ']');
		}
		if (rec.nfields > kept)
			sbuf_addf(&out, "+%zu", rec.nfields - kept);
		sbuf_addch(&out, '\n');
	}
	if (ret < 0)
		sbuf_addf(&out, "ERR %s", csv_reader_error(r));
	else
		sbuf_addstr(&out, "EOF");
out:
	sbuf_release(&scratch);
	return out.buf;
}

static char *
parse_path(const char *data, size_t len, size_t chunk, size_t max_fields,
    size_t max_record, size_t skip, uint64_t line_off, enum csv_path path)
{
	struct src s = { data, len, 0, chunk, 0, 0, 0 };
	struct csv_reader *r = csv_reader_new(src_read, &s, max_fields,
	    max_record);
	char *t;
	size_t tlen;

	csv_reader_set_path(r, path);
	t = records_text(r, max_fields, max_record, skip, line_off);
	tlen = strlen(t);

	if (tlen >= 3 && strcmp(t + tlen - 3, "EOF") == 0 &&
	    csv_reader_bytes(r) != len) {
		char *b = xasprintf("%s (csv_reader_bytes() = %llu at the end "
		    "of %zu bytes)", t, (unsigned long long)csv_reader_bytes(r),
		    len);

		free(t);
		t = b;
	}
	csv_reader_free(r);
	return t;
}

/*
 * The records as text, read by the default tokenizer, which must give
 * what the scalar path alone gives and what the fast path with its
 * shift-based prefix XOR gives (csv_reader_set_path).
 */
static char *
parse_text(const char *data, size_t len, size_t chunk, size_t max_fields,
    size_t max_record, size_t skip, uint64_t line_off)
{
	enum csv_path paths[] = { CSV_PATH_BEST, CSV_PATH_SCALAR,
	    CSV_PATH_SHIFT };
	char *t[3];
	size_t i;

	show_flags = 1;
	for (i = 0; i < 3; i++)
		t[i] = parse_path(data, len, chunk, max_fields, max_record,
		    skip, line_off, paths[i]);
	show_flags = 0;
	for (i = 1; i < 3; i++) {
		if (strcmp(t[0], t[i]) != 0)
			fail_msg("tokenizer path %d gives\n%s\n--- the default "
			    "gives ---\n%s", (int)paths[i], t[i], t[0]);
		free(t[i]);
	}
	free(t[0]);
	return parse_path(data, len, chunk, max_fields, max_record, skip,
	    line_off, CSV_PATH_BEST);
}

static const size_t chunks[] = { 1, 7, 63, 64, 65, 0 };
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

static void
expect_one(const char *in, size_t inlen, size_t chunk, size_t max_record,
    size_t skip, const char *want, size_t shift)
{
	char *got = parse_text(in, inlen, chunk, 64, max_record, skip, skip);

	if (strcmp(got, want) != 0)
		print_error("read %zu bytes at a time, record limit %zu, "
		    "prefix %zu:\n", chunk, max_record, shift);
	assert_text_free(got, want);
}

/*
 * `in` must read as `want` in every chunk size, and (unless `anchored`,
 * for inputs whose meaning depends on being at the start) behind a prefix
 * record of 2..131 bytes.  Records in `in` must stay under 4096 bytes.
 */
static void
expect_records_n(const char *in, size_t inlen, const char *want, int anchored)
{
	size_t c, shift;
	char *buf = xmalloc(inlen + 160);

	for (c = 0; c < NCHUNKS; c++)
		expect_one(in, inlen, chunks[c], 4096, 0, want, 0);
	if (anchored) {
		free(buf);
		return;
	}
	for (shift = 1; shift <= 130; shift++) {
		/* the prefix "#xxx...\n" is one record of shift + 1 bytes */
		buf[0] = '#';
		memset(buf + 1, 'x', shift - 1);
		buf[shift] = '\n';
		memcpy(buf + shift + 1, in, inlen);
		for (c = 0; c < NCHUNKS; c++)
			expect_one(buf, inlen + shift + 1, chunks[c], 4096, 1,
			    want, shift);
	}
	free(buf);
}

static void
expect_records(const char *in, const char *want)
{
	expect_records_n(in, strlen(in), want, 0);
}

/* ---- dialect ---- */

static void
test_plain_records(void **state)
{
	(void)state;
	expect_records("a,b,c\nd,e,f\n", "1:[a][b][c]\n2:[d][e][f]\nEOF");
	expect_records("one\n", "1:[one]\nEOF");
	expect_records("", "EOF");
	expect_records("a, b ,c \n", "1:[a][ b ][c ]\nEOF");
	expect_records("x,y\n1,2,3\n\n4\n",
	    "1:[x][y]\n2:[1][2][3]\n4:[4]\nEOF");
}

static void
test_quoted_fields(void **state)
{
	(void)state;
	expect_records("\"a\"\"b\",\"\"\"\",\"x\"\"\"\n",
	    "1:[a\"b][\"][x\"]\nEOF");
	expect_records("\"abc\",\"de\",f\n", "1:[abc][de][f]\nEOF");
	expect_records("\"a\"\"\",b\n", "1:[a\"][b]\nEOF");
	expect_records("\"a,\"\"b\"\",c\",d\n", "1:[a,\"b\",c][d]\nEOF");
	expect_records("\"\"\"\"\"\"\n", "1:[\"\"]\nEOF");
	/* a backslash inside quotes is content */
	expect_records("\"a\\b\",\"c\\\"\n", "1:[a\\b][c\\]\nEOF");
	/* embedded commas, newlines, CRLF */
	expect_records("\"x,y\",\"l1\nl2\",\"c\r\nd\"\r\nnext,1\r\n",
	    "1:[x,y][l1\nl2][c\r\nd]\n4:[next][1]\nEOF");
	expect_records("\"\n\n\n\",z\nw\n", "1:[\n\n\n][z]\n5:[w]\nEOF");
	/* a quote inside an unquoted field is content */
	expect_records("a\"b,c\"\n", "1:[a\"b][c\"]\nEOF");
	expect_records(" \"a\",b\n", "1:[ \"a\"][b]\nEOF");
}

static void
test_quoted_field_flags(void **state)
{
	struct src s = { "\"a\"\"b\",\"c\",d\\,e,\"\"\n", 0, 0, 0, 0, 0, 0 };
	struct csv_reader *r;
	struct csv_record rec;

	(void)state;
	s.len = strlen(s.data);
	r = csv_reader_new(src_read, &s, 8, 4096);
	assert_int_equal(csv_reader_next(r, &rec), 1);
	assert_int_equal(rec.nfields, 4);
	assert_int_equal(rec.fields[0].flags, CSV_F_QUOTED | CSV_F_DQUOTE);
	assert_int_equal(rec.fields[0].len, 4);		/* a""b raw */
	assert_memory_equal(rec.fields[0].p, "a\"\"b", 4);
	assert_int_equal(rec.fields[1].flags, CSV_F_QUOTED);
	assert_int_equal(rec.fields[2].flags, CSV_F_ESCAPE);
	assert_int_equal(rec.fields[2].len, 4);
	assert_int_equal(rec.fields[3].flags, CSV_F_QUOTED);
	assert_int_equal(rec.fields[3].len, 0);
	assert_int_equal(rec.bad, 0);
	assert_int_equal(csv_reader_next(r, &rec), 0);
	csv_reader_free(r);
}

static void
test_backslash_escapes(void **state)
{
	(void)state;
	expect_records("a\\,b,c\\\\d,e\\\"f\n", "1:[a,b][c\\d][e\"f]\nEOF");
	/* an escaped newline is content, and still a physical line */
	expect_records("a\\\nb,c\nd\n", "1:[a\nb][c]\n3:[d]\nEOF");
	/* escaping an ordinary byte gives the byte */
	expect_records("\\t\\x,y\n", "1:[tx][y]\nEOF");
	expect_records("\\\"q\\\",z\n", "1:[\"q\"][z]\nEOF");
	expect_records("end\\\\\n", "1:[end\\]\nEOF");
	expect_records("x\\,\n", "1:[x,]\nEOF");
	/* an escaped CR before the line end is kept */
	expect_records("a\\\r\nb\n", "1:[a\r]\n2:[b]\nEOF");
	/* a lone backslash at the very end */
	expect_records("a\\", "1:[a\\]\nEOF");
}

static void
test_nulls(void **state)
{
	(void)state;
	expect_records("\\N,\"\\N\",,\"\",x\n", "1:~~~~[x]\nEOF");
	expect_records("a,\n", "1:[a]~\nEOF");
	expect_records(",\n", "1:~~\nEOF");
	expect_records(",,\n", "1:~~~\nEOF");
	/* not NULL: an escaped backslash then N, N with more, doubled */
	expect_records("\\\\N,\\Nx,x\\N,\"\\N\"\"\"\n",
	    "1:[\\N][Nx][xN][\\N\"]\nEOF");
	expect_records("\"\\n\",\\n\n", "1:[\\n][n]\nEOF");
}

static void
test_null_flags(void **state)
{
	struct csv_field f;

	(void)state;
	f.p = "\\N";
	f.len = 2;
	f.flags = CSV_F_ESCAPE;
	assert_true(csv_field_is_null(&f));
	f.flags = CSV_F_QUOTED;
	assert_true(csv_field_is_null(&f));
	f.flags = CSV_F_QUOTED | CSV_F_DQUOTE;
	assert_false(csv_field_is_null(&f));
	f.p = "";
	f.len = 0;
	f.flags = 0;
	assert_true(csv_field_is_null(&f));
	f.p = "\\n";
	f.len = 2;
	assert_false(csv_field_is_null(&f));
}

static void
test_line_ends(void **state)
{
	(void)state;
	expect_records("a,b\r\nc,d\r\n", "1:[a][b]\n2:[c][d]\nEOF");
	expect_records("a,b\r\nc,d\n", "1:[a][b]\n2:[c][d]\nEOF");
	/* only the CR before the line end goes */
	expect_records("a\r,b\r\n", "1:[a\r][b]\nEOF");
	expect_records("a\r\r\n", "1:[a\r]\nEOF");
	expect_records("a,\r\n", "1:[a]~\nEOF");
	expect_records("\"a\"\r\n\"b\"\r\n", "1:[a]\n2:[b]\nEOF");
	expect_records("\"a\r\"\r\n", "1:[a\r]\nEOF");
	expect_records("x\ry\n", "1:[x\ry]\nEOF");
}

static void
test_bom(void **state)
{
	(void)state;
	expect_records_n("\xEF\xBB\xBF" "a,b\n", 7, "1:[a][b]\nEOF", 1);
	expect_records_n("\xEF\xBB\xBF\"q\",x\n", 9, "1:[q][x]\nEOF", 1);
	expect_records_n("\xEF\xBB\xBF", 3, "EOF", 1);
	expect_records_n("\xEF\xBB\xBF\n\nz\n", 7, "3:[z]\nEOF", 1);
	/* not a BOM: a part of one, or one later on */
	expect_records_n("\xEF\xBB" "a\n", 4, "1:[\xEF\xBB" "a]\nEOF", 1);
	expect_records("a\n\xEF\xBB\xBF" "b\n",
	    "1:[a]\n2:[\xEF\xBB\xBF" "b]\nEOF");
	expect_records_n("\xEF\xBB\xBF\xEF\xBB\xBF" "c\n", 8,
	    "1:[\xEF\xBB\xBF" "c]\nEOF", 1);
}

static void
test_blank_lines(void **state)
{
	(void)state;
	expect_records("\n\na\n\r\n\nb\n\n\n", "3:[a]\n6:[b]\nEOF");
	expect_records("\n", "EOF");
	expect_records("\r\n\r\n", "EOF");
	expect_records("\n\n\n\nlast", "5:[last]\nEOF");
	/* a quoted empty field is a record, not a blank line */
	expect_records("\"\"\n\n", "1:~\nEOF");
	expect_records(" \n", "1:[ ]\nEOF");
	expect_records("\\N\n", "1:~\nEOF");
}

static void
test_line_numbers(void **state)
{
	(void)state;
	/* the record after one with embedded newlines counts physical
	 * lines */
	expect_records("\"a\nb\",c\nd\n", "1:[a\nb][c]\n3:[d]\nEOF");
	expect_records("h\n\"1\n2\n3\",\"4\n5\"\nx\n\ny\n",
	    "1:[h]\n2:[1\n2\n3][4\n5]\n6:[x]\n8:[y]\nEOF");
	expect_records("\"a\r\nb\"\r\nc\r\n", "1:[a\r\nb]\n3:[c]\nEOF");
}

static void
test_malformed_quoting(void **state)
{
	(void)state;
	/* bytes after a closing quote */
	expect_records("\"abc\"x,d\n", "1!:[\"abc\"x][d]\nEOF");
	expect_records("\"a\" ,b\nok\n", "1!:[\"a\" ][b]\n2:[ok]\nEOF");
	expect_records("x,\"a\"b\"c\",y\n", "1!:[x][\"a\"b\"c\"][y]\nEOF");
	/* the record after a bad one is fine */
	expect_records("\"a\"b\nc\n", "1!:[\"a\"b]\n2:[c]\nEOF");
	/* never closed: everything to the end is the field */
	expect_records("x\n\"abc,def\n", "1:[x]\n2!:[\"abc,def\n]\nEOF");
	expect_records("\"a\"\"\n", "1!:[\"a\"\"\n]\nEOF");
	expect_records("\"", "1!:[\"]\nEOF");
	/* a quote at EOF after content */
	expect_records("\"ab\"c", "1!:[\"ab\"c]\nEOF");
}

static void
test_malformed_flag(void **state)
{
	struct src s = { "\"abc\"x,d\n", 9, 0, 0, 0, 0, 0 };
	struct csv_reader *r = csv_reader_new(src_read, &s, 8, 4096);
	struct csv_record rec;

	(void)state;
	assert_int_equal(csv_reader_next(r, &rec), 1);
	assert_int_equal(rec.bad, 1);
	assert_true(rec.fields[0].flags & CSV_F_BAD);
	assert_false(rec.fields[1].flags & CSV_F_BAD);
	csv_reader_free(r);
}

static void
test_final_record_without_newline(void **state)
{
	(void)state;
	expect_records("a,b\nc,d", "1:[a][b]\n2:[c][d]\nEOF");
	expect_records("a,b\nc,", "1:[a][b]\n2:[c]~\nEOF");
	expect_records("\"q\"", "1:[q]\nEOF");
	expect_records("\"q\"\r", "1:[q]\nEOF");
	expect_records("\"q\",\"r\"", "1:[q][r]\nEOF");
	expect_records("x\r", "1:[x]\nEOF");
	expect_records("lone", "1:[lone]\nEOF");
	expect_records("\r", "EOF");
}

static void
test_max_fields(void **state)
{
	const char *in = "a,b,c,d\ne\n";
	char *t;

	(void)state;
	t = parse_text(in, strlen(in), 0, 2, 4096, 0, 0);
	assert_text_free(t, "1:[a][b]+2\n2:[e]\nEOF");
	/* max_fields 0 keeps at least 1 */
	t = parse_text(in, strlen(in), 0, 0, 4096, 0, 0);
	assert_text_free(t, "1:[a]+3\n2:[e]\nEOF");
}

/*
 * Records wider than the fields allocated at first (64) keep every field
 * up to max_fields, the values right after the array grows; a small
 * first buffer (csv_reader_new_sized) grows for a record longer than it.
 */
static void
test_wide_records(void **state)
{
	struct sbuf in, want;
	struct src s;
	struct csv_reader *r;
	char *t;
	size_t i, n, line = 0;

	(void)state;
	sbuf_init(&in, SIZE_MAX / 2);
	sbuf_init(&want, SIZE_MAX / 2);
	for (n = 1; n <= 300; n += 37) {
		sbuf_addf(&want, "%zu:", ++line);
		for (i = 0; i < n; i++) {
			sbuf_addf(&in, "%s\"v%zu,%zu\"", i ? "," : "", n, i);
			if (i < 200)
				sbuf_addf(&want, "[v%zu,%zu]", n, i);
		}
		sbuf_addch(&in, '\n');
		if (n > 200)
			sbuf_addf(&want, "+%zu", n - 200);
		sbuf_addch(&want, '\n');
	}
	sbuf_addstr(&want, "EOF");
	for (i = 0; i < 3; i++) {
		s = (struct src){ in.buf, in.len, 0, i == 2 ? 7 : 0, 0, 0, 0 };
		r = i == 0 ? csv_reader_new(src_read, &s, 200, 1 << 20) :
		    csv_reader_new_sized(src_read, &s, 200, 1 << 20, 64);
		t = records_text(r, 200, 1 << 20, 0, 0);
		assert_string_equal(t, want.buf);
		free(t);
		csv_reader_free(r);
	}
	sbuf_release(&in);
	sbuf_release(&want);
}

static void
test_set_max_fields(void **state)
{
	struct src s = { "h1,h2\n1,2,3,4,5\n", 16, 0, 0, 0, 0, 0 };
	struct csv_reader *r = csv_reader_new(src_read, &s, 1, 4096);
	struct csv_record rec;

	(void)state;
	assert_int_equal(csv_reader_next(r, &rec), 1);
	assert_int_equal(rec.nfields, 2);
	assert_memory_equal(rec.fields[0].p, "h1", 2);
	csv_reader_set_max_fields(r, 5);
	assert_int_equal(csv_reader_next(r, &rec), 1);
	assert_int_equal(rec.nfields, 5);
	assert_int_equal(rec.line, 2);
	assert_memory_equal(rec.fields[4].p, "5", 1);
	csv_reader_free(r);
}

static void
test_many_fields_and_long_fields(void **state)
{
	struct sbuf in, want, scratch;
	struct src s;
	struct csv_reader *r;
	struct csv_record rec;
	size_t i, len;
	const char *v;

	(void)state;
	sbuf_init(&in, SIZE_MAX / 2);
	sbuf_init(&want, SIZE_MAX / 2);
	sbuf_init(&scratch, SIZE_MAX / 2);
	/* 1000 fields */
	for (i = 0; i < 1000; i++)
		sbuf_addf(&in, "%s%zu", i ? "," : "", i);
	sbuf_addch(&in, '\n');
	/* a quoted field of 5000 bytes with doubled quotes, commas and
	 * newlines spread over many blocks */
	sbuf_addch(&in, '"');
	for (i = 0; i < 1000; i++) {
		sbuf_addstr(&in, i % 3 ? "ab\"\"," : "c\nd\"\"");
		sbuf_addstr(&want, i % 3 ? "ab\"," : "c\nd\"");
	}
	sbuf_addstr(&in, "\",tail\n");
	s = (struct src){ in.buf, in.len, 0, 0, 0, 0, 0 };
	r = csv_reader_new(src_read, &s, 1000, 1 << 20);
	assert_int_equal(csv_reader_next(r, &rec), 1);
	assert_int_equal(rec.nfields, 1000);
	for (i = 0; i < 1000; i++) {
		char num[16];

		snprintf(num, sizeof(num), "%zu", i);
		assert_int_equal(rec.fields[i].len, strlen(num));
		assert_memory_equal(rec.fields[i].p, num, strlen(num));
	}
	assert_int_equal(csv_reader_next(r, &rec), 1);
	assert_int_equal(rec.line, 2);
	assert_int_equal(rec.nfields, 2);
	v = csv_field_value(&rec.fields[0], &scratch, &len);
	assert_int_equal(len, want.len);
	assert_memory_equal(v, want.buf, len);
	assert_int_equal(rec.fields[1].len, 4);
	assert_int_equal(csv_reader_next(r, &rec), 0);
	assert_int_equal(csv_reader_bytes(r), in.len);
	csv_reader_free(r);
	sbuf_release(&in);
	sbuf_release(&want);
	sbuf_release(&scratch);
}

/* ---- limits and errors ---- */

static void
test_record_too_long(void **state)
{
	struct sbuf in;
	char *t;
	size_t c;

	(void)state;
	sbuf_init(&in, SIZE_MAX / 2);
	sbuf_addstr(&in, "short\n");
	for (c = 0; c < 100; c++)
		sbuf_addch(&in, 'x');
	sbuf_addstr(&in, "\nafter\n");
	for (c = 0; c < NCHUNKS; c++) {
		t = parse_text(in.buf, in.len, chunks[c], 8, 64, 0, 0);
		assert_text_free(t, "1:[short]\nERR line 2: record longer "
		    "than 64 bytes (an unclosed quote?)");
	}
	/* an unclosed quote swallows the rest, up to the limit */
	sbuf_reset(&in);
	sbuf_addstr(&in, "a\n\n\"open,");
	for (c = 0; c < 50; c++)
		sbuf_addstr(&in, "row,row\n");
	t = parse_text(in.buf, in.len, 0, 8, 256, 0, 0);
	assert_text_free(t, "1:[a]\nERR line 3: record longer than 256 "
	    "bytes (an unclosed quote?)");
	/* 63 bytes and the newline fit a limit of 64 */
	sbuf_reset(&in);
	for (c = 0; c < 63; c++)
		sbuf_addch(&in, 'y');
	sbuf_addstr(&in, "\nz\n");
	t = parse_text(in.buf, in.len, 0, 8, 64, 0, 0);
	assert_int_equal(strlen(t), 3 + 63 + 2 + 6 + 3);
	assert_string_equal(t + 68, "2:[z]\nEOF");
	free(t);
	sbuf_release(&in);
}

static void
test_read_error(void **state)
{
	struct src s = { "a,b\nc,d\n", 8, 0, 0, 0, 1, 1 };
	struct csv_reader *r = csv_reader_new(src_read, &s, 8, 4096);
	struct csv_record rec;

	(void)state;
	assert_int_equal(csv_reader_next(r, &rec), -1);
	/* the source reports its own errors */
	assert_string_equal(csv_reader_error(r), "");
	csv_reader_free(r);
}

static void
test_read_error_mid_stream(void **state)
{
	struct sbuf in;
	struct src s;
	struct csv_reader *r;
	struct csv_record rec;
	int i, ret, n = 0;

	(void)state;
	sbuf_init(&in, SIZE_MAX / 2);
	for (i = 0; i < 100; i++)
		sbuf_addf(&in, "row%d,%d\n", i, i);
	/* 16-byte reads into a 64-byte buffer: the 20th read fails */
	s = (struct src){ in.buf, in.len, 0, 16, 0, 20, 1 };
	r = csv_reader_new(src_read, &s, 8, 64);
	while ((ret = csv_reader_next(r, &rec)) > 0)
		n++;
	assert_int_equal(ret, -1);
	assert_true(n > 0 && n < 100);
	assert_string_equal(csv_reader_error(r), "");
	csv_reader_free(r);
	sbuf_release(&in);
}

/*
 * A read error on the very first read must be reported even when the
 * source would return data if asked again: csv_reader_next() returns -1.
 */
static void
test_first_read_error_not_lost(void **state)
{
	struct src s = { "a,b\nc,d\n", 8, 0, 0, 0, 1, 0 };
	struct csv_reader *r = csv_reader_new(src_read, &s, 8, 4096);
	struct csv_record rec;
	int ret;

	(void)state;
	ret = csv_reader_next(r, &rec);
	csv_reader_free(r);
	assert_int_equal(ret, -1);
}

/* ---- buffer refills: small record limits ---- */

static const size_t limits[] = { 64, 65, 96, 127, 128, 129, 200 };
#define NLIMITS (sizeof(limits) / sizeof(limits[0]))

/* Records of at most 60 bytes each, read through buffers of 64-200. */
static void
test_refill_boundaries(void **state)
{
	static const char in[] =
	    "\"q,1\",\"two\"\"\",x\\,y,\\N\r\n"
	    "\"multi\nline\",z\n"
	    "\n"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	    "\"b\",\"\",c\r\n"
	    "\"bad\"x,1\n"
	    "d\\\ne,f\n"
	    "\"gg\"\"\",\"hh\",\"ii\"\n"
	    ",,,,\n";
	static const char want[] =
	    "1:[q,1][two\"][x,y]~\n"
	    "2:[multi\nline][z]\n"
	    "5:[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n"
	    "6:[b]~[c]\n"
	    "7!:[\"bad\"x][1]\n"
	    "8:[d\ne][f]\n"
	    "10:[gg\"][hh][ii]\n"
	    "11:~~~~~\n"
	    "EOF";
	char buf[sizeof(in) + 64];
	size_t l, c, shift;

	(void)state;
	for (shift = 0; shift <= 40; shift++) {
		size_t len = sizeof(in) - 1, skip = 0;

		if (shift) {
			buf[0] = '#';
			memset(buf + 1, 'x', shift - 1);
			buf[shift] = '\n';
			memcpy(buf + shift + 1, in, len);
			len += shift + 1;
			skip = 1;
		} else {
			memcpy(buf, in, len);
		}
		for (l = 0; l < NLIMITS; l++)
			for (c = 0; c < NCHUNKS; c++)
				expect_one(buf, len, chunks[c], limits[l], skip,
				    want, shift);
	}
}

/*
 * The last record has no newline and the input ends exactly where a full
 * buffer ends: the reader then moves the partial record to the front and
 * learns of the end of the input only on the next read.  The record must
 * read the same as anywhere else.
 */
static void
test_final_record_at_buffer_end(void **state)
{
	char in[64];
	char *t;

	(void)state;
	/* 59 a's and a newline, then "wxyz": 64 bytes, the buffer's size */
	memset(in, 'a', 59);
	in[59] = '\n';
	memcpy(in + 60, "wxyz", 4);
	t = parse_text(in, 64, 0, 8, 64, 1, 0);
	assert_text_free(t, "2:[wxyz]\nEOF");
	/* the same with two fields, the second empty */
	memcpy(in + 60, "w,y,", 4);
	t = parse_text(in, 64, 0, 8, 64, 1, 0);
	assert_text_free(t, "2:[w][y]~\nEOF");
	/* and with a closing quote last */
	memcpy(in + 60, "\"wx\"", 4);
	t = parse_text(in, 64, 7, 8, 64, 1, 0);
	assert_text_free(t, "2:[wx]\nEOF");
}

/* ---- a random corpus ---- */

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/*
 * Write one field value `v` the way an exporter might: bare if nothing in
 * it needs care, else quoted (doubling quotes) or backslash-escaped.
 */
static void
write_field(struct sbuf *out, const char *v, size_t len)
{
	size_t i;
	int special = 0;

	for (i = 0; i < len; i++)
		if (strchr(",\"\n\r\\", v[i]) != NULL)
			special = 1;
	if (!special) {
		sbuf_add(out, v, len);
		return;
	}
	if (rng() % 2) {
		sbuf_addch(out, '"');
		for (i = 0; i < len; i++) {
			if (v[i] == '"')
				sbuf_addch(out, '"');
			sbuf_addch(out, v[i]);
		}
		sbuf_addch(out, '"');
	} else {
		for (i = 0; i < len; i++) {
			if (strchr(",\"\n\r\\", v[i]) != NULL)
				sbuf_addch(out, '\\');
			sbuf_addch(out, v[i]);
		}
	}
}

static void
test_random_corpus(void **state)
{
	static const char alphabet[] = "ab ,\"\n\r\\xyz";
	struct sbuf in, want, rec, val;
	size_t r, l, c, lines = 1;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ULL;
	sbuf_init(&in, SIZE_MAX / 2);
	sbuf_init(&want, SIZE_MAX / 2);
	sbuf_init(&rec, SIZE_MAX / 2);
	sbuf_init(&val, SIZE_MAX / 2);
	for (r = 0; r < 400; r++) {
		size_t nf = 1 + rng() % 5, f, i;
		struct sbuf text;

		sbuf_init(&text, SIZE_MAX / 2);
		sbuf_reset(&rec);
		for (f = 0; f < nf; f++) {
			size_t len = rng() % 9;

			sbuf_reset(&val);
			for (i = 0; i < len; i++)
				sbuf_addch(&val, alphabet[rng() %
				    (sizeof(alphabet) - 1)]);
			if (f)
				sbuf_addch(&rec, ',');
			if (nf == 1 && len == 0)
				sbuf_addstr(&rec, "\"\""); /* not blank */
			else
				write_field(&rec, val.buf, val.len);
			if (len == 0) {
				sbuf_addch(&text, '~');
			} else {
				sbuf_addch(&text, '[');
				sbuf_add(&text, val.buf, val.len);
				sbuf_addch(&text, ']');
			}
		}
		sbuf_addstr(&rec, rng() % 3 ? "\n" : "\r\n");
		if (rec.len > 60) {	/* keep records under the limits */
			sbuf_release(&text);
			r--;
			continue;
		}
		sbuf_addf(&want, "%zu:%s\n", lines, text.buf);
		for (i = 0; i < rec.len; i++)
			lines += rec.buf[i] == '\n';
		sbuf_add(&in, rec.buf, rec.len);
		sbuf_release(&text);
	}
	sbuf_addstr(&want, "EOF");
	for (l = 0; l < NLIMITS; l++)
		for (c = 0; c < NCHUNKS; c++)
			expect_one(in.buf, in.len, chunks[c], limits[l], 0,
			    want.buf, 0);
	expect_one(in.buf, in.len, 0, 1 << 20, 0, want.buf, 0);
	sbuf_release(&in);
	sbuf_release(&want);
	sbuf_release(&rec);
	sbuf_release(&val);
}

static void
test_field_value_scratch(void **state)
{
	struct csv_field f;
	struct sbuf scratch;
	const char *v;
	size_t len;

	(void)state;
	sbuf_init(&scratch, 64);
	/* nothing to undo: the field's own bytes */
	f.p = "plain";
	f.len = 5;
	f.flags = CSV_F_QUOTED;
	v = csv_field_value(&f, &scratch, &len);
	assert_ptr_equal(v, f.p);
	assert_int_equal(len, 5);
	f.p = "a\"\"b\"\"";
	f.len = 6;
	f.flags = CSV_F_QUOTED | CSV_F_DQUOTE;
	v = csv_field_value(&f, &scratch, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(v, "a\"b\"", 4);
	f.p = "x\\,y\\\\";
	f.len = 6;
	f.flags = CSV_F_ESCAPE;
	v = csv_field_value(&f, &scratch, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(v, "x,y\\", 4);
	sbuf_release(&scratch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_records),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_quoted_field_flags),
		cmocka_unit_test(test_backslash_escapes),
		cmocka_unit_test(test_nulls),
		cmocka_unit_test(test_null_flags),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_line_numbers),
		cmocka_unit_test(test_malformed_quoting),
		cmocka_unit_test(test_malformed_flag),
		cmocka_unit_test(test_final_record_without_newline),
		cmocka_unit_test(test_max_fields),
		cmocka_unit_test(test_wide_records),
		cmocka_unit_test(test_set_max_fields),
		cmocka_unit_test(test_many_fields_and_long_fields),
		cmocka_unit_test(test_record_too_long),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_read_error_mid_stream),
		cmocka_unit_test(test_first_read_error_not_lost),
		cmocka_unit_test(test_refill_boundaries),
		cmocka_unit_test(test_final_record_at_buffer_end),
		cmocka_unit_test(test_random_corpus),
		cmocka_unit_test(test_field_value_scratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
