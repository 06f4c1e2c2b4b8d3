/*
 * csv.c: the tokenizer.
 *
 * Design: the buffer is scanned 64 bytes at a time for the four bytes that
 * can change the parser's state (comma, double quote, newline, backslash);
 * each block becomes a 64-bit mask and the state machine below runs once
 * per set bit, so ordinary content bytes cost nothing but the vector
 * compare.  A carriage return is not structural: a record's last field
 * loses a trailing CR when it ends in CRLF.
 *
 * Buffer invariants: data is buf[0, len); the next record starts at `pos`;
 * `blk` (a multiple of 64) is the block being walked and `mask` holds its
 * structural bits not yet consumed, all at or after `pos`.  buf has 64
 * readable bytes past `cap` so that a block load never leaves it.  When a
 * record runs past `len`, the unread tail moves to the front, more is
 * read, and the record is parsed again from its start.
 */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CSV_CLMUL 1
#endif

#define CSV_PAD 64
#define CSV_INITIAL_BUF (512 * 1024)
#define NO_POS SIZE_MAX
#define CSV_FIELDS_FIRST 64	/* fields allocated at first */

enum csv_state { ST_START, ST_UNQ, ST_Q, ST_QQ };

struct csv_reader {
	csv_read_fn read;
	void *ctx;
	char *buf;
	size_t cap, len, pos;
	size_t max_record;
	size_t blk;
	uint64_t mask;
	int mask_valid;
	int eof;
	int started;		/* the BOM check has been done */
	uint64_t line;		/* line of the next record */
	uint64_t consumed;	/* bytes before buf[0] */
	/* the fast path (csv_fast.h), or NULL: the scalar path only */
	int (*fast)(struct csv_reader *, size_t *, size_t *, uint64_t *);
	uint64_t fast_ok, fast_no;	/* records it took, and gave up */
	struct csv_field *fields;
	size_t fcap;		/* fields kept at most */
	size_t falloc;		/* fields allocated: grows up to fcap */
	char err[256];
};

static uint64_t
block_mask(const char *p)
{
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"'), c = _mm_set1_epi8(',');
	const __m128i n = _mm_set1_epi8('\n'), b = _mm_set1_epi8('\\');
	uint64_t m = 0;
	int i;

	for (i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + 16 * i));
		__m128i r = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, c)),
		    _mm_or_si128(_mm_cmpeq_epi8(v, n), _mm_cmpeq_epi8(v, b)));

		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(r) << (16 * i);
	}
	return m;
#else
	uint64_t m = 0;
	int i;

	for (i = 0; i < 64; i++) {
		char ch = p[i];

		if (ch == '"' || ch == ',' || ch == '\n' || ch == '\\')
			m |= 1ULL << i;
	}
	return m;
#endif
}

/* The structural bits of the block at `blk`, none at or past len. */
static uint64_t
csv_mask_at(const struct csv_reader *r, size_t blk)
{
	uint64_t m = block_mask(r->buf + blk);

	if (r->len - blk < 64)
		m &= (1ULL << (r->len - blk)) - 1;
	return m;
}

struct csv_reader *
csv_reader_new(csv_read_fn read, void *ctx, size_t max_fields,
    size_t max_record)
{
	return csv_reader_new_sized(read, ctx, max_fields, max_record,
	    CSV_INITIAL_BUF);
}

struct csv_reader *
csv_reader_new_sized(csv_read_fn read, void *ctx, size_t max_fields,
    size_t max_record, size_t buf_size)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));

	r->read = read;
	r->ctx = ctx;
	if (buf_size > CSV_INITIAL_BUF)
		buf_size = CSV_INITIAL_BUF;
	r->cap = buf_size < max_record ? buf_size : max_record;
	if (r->cap < 64)
		r->cap = 64;
	/* bytes past len are zeroed as they are read (csv_refill) */
	r->buf = xmalloc(r->cap + CSV_PAD);
	memset(r->buf, 0, CSV_PAD);
	r->max_record = max_record;
	r->line = 1;
	csv_reader_set_path(r, CSV_PATH_BEST);
	csv_reader_set_max_fields(r, max_fields);
	return r;
}

void
csv_reader_set_max_fields(struct csv_reader *r, size_t max_fields)
{
	if (max_fields < 1)
		max_fields = 1;
	free(r->fields);
	r->fcap = max_fields;
	r->falloc = max_fields < CSV_FIELDS_FIRST ? max_fields :
	    CSV_FIELDS_FIRST;
	r->fields = xcalloc(r->falloc, sizeof(*r->fields));
}

/* Room for more fields, up to fcap (a record wider than any before). */
static void __attribute__((noinline))
csv_more_fields(struct csv_reader *r)
{
	size_t n = r->falloc * 2 < r->fcap ? r->falloc * 2 : r->fcap;

	r->fields = xreallocarray(r->fields, n, sizeof(*r->fields));
	r->falloc = n;
}

void
csv_reader_free(struct csv_reader *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r->fields);
	free(r);
}

const char *
csv_reader_error(const struct csv_reader *r)
{
	return r->err;
}

uint64_t
csv_reader_bytes(const struct csv_reader *r)
{
	return r->consumed + r->pos;
}

/*
 * Make room and read more.  The partial record at pos moves to the front;
 * the buffer grows (up to max_record) only when that record fills it.
 * Returns 1 when bytes were added, 0 at the end of input, -1 on error.
 */
static int
csv_refill(struct csv_reader *r)
{
	size_t before;

	if (r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->consumed += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->len == r->cap) {
		size_t ncap;

		if (r->cap >= r->max_record) {
			snprintf(r->err, sizeof(r->err), "line %llu: record "
			    "longer than %zu bytes (an unclosed quote?)",
			    (unsigned long long)r->line, r->max_record);
			return -1;
		}
		ncap = r->cap * 2 < r->max_record ? r->cap * 2 : r->max_record;
		r->buf = xrealloc(r->buf, ncap + CSV_PAD);
		r->cap = ncap;
	}
	before = r->len;
	while (r->len < r->cap) {
		ssize_t n = r->read(r->ctx, r->buf + r->len, r->cap - r->len);

		if (n < 0)
			return -1;
		if (n == 0) {
			r->eof = 1;
			break;
		}
		r->len += (size_t)n;
	}
	memset(r->buf + r->len, 0, CSV_PAD);
	r->mask_valid = 0;
	return r->len > before;
}

static int
csv_start(struct csv_reader *r)
{
	r->started = 1;
	while (r->len < 3 && !r->eof)
		if (csv_refill(r) < 0)
			return -1;
	if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	return 0;
}

/* Record one field, where room for every field kept is made already. */
#define EMIT_ROOM(start, length, fl)					\
	do {								\
		if (nf < r->falloc) {					\
			r->fields[nf].p = r->buf + (start);		\
			r->fields[nf].len = (uint32_t)(length);		\
			r->fields[nf].flags = (fl);			\
		}							\
		nf++;							\
	} while (0)

/* Record one field (counted even when beyond the kept ones). */
#define EMIT(start, length, fl)						\
	do {								\
		if (nf >= r->falloc && nf < r->fcap)			\
			csv_more_fields(r);				\
		EMIT_ROOM(start, length, fl);				\
	} while (0)

/* A block's structural bytes, one mask each. */
struct blk_masks {
	uint64_t q, c, n, b;	/* quote, comma, newline, backslash */
};

static inline void
block_masks(const char *p, struct blk_masks *m)
{
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"'), c = _mm_set1_epi8(',');
	const __m128i n = _mm_set1_epi8('\n'), b = _mm_set1_epi8('\\');
	int i;

	m->q = m->c = m->n = m->b = 0;
	for (i = 0; i < 4; i++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
		    (p + 16 * i));
		unsigned sh = 16 * (unsigned)i;

		m->q |= (uint64_t)(uint16_t)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, q)) << sh;
		m->c |= (uint64_t)(uint16_t)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, c)) << sh;
		m->n |= (uint64_t)(uint16_t)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, n)) << sh;
		m->b |= (uint64_t)(uint16_t)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, b)) << sh;
	}
#else
	int i;

	m->q = m->c = m->n = m->b = 0;
	for (i = 0; i < 64; i++) {
		uint64_t bit = 1ULL << i;

		m->q |= p[i] == '"' ? bit : 0;
		m->c |= p[i] == ',' ? bit : 0;
		m->n |= p[i] == '\n' ? bit : 0;
		m->b |= p[i] == '\\' ? bit : 0;
	}
#endif
}

static inline void
masks_and(struct blk_masks *m, uint64_t keep)
{
	m->q &= keep;
	m->c &= keep;
	m->n &= keep;
	m->b &= keep;
}

/* The first bit set at or after `from` in masks of nb blocks from base. */
static inline size_t
next_bit(const uint64_t *m, size_t base, size_t nb, size_t from)
{
	size_t k = (from - base) >> 6;
	uint64_t x;

	if (k >= nb)
		return NO_POS;
	x = m[k] & ~((1ULL << ((from - base) & 63)) - 1);
	while (x == 0) {
		if (++k == nb)
			return NO_POS;
		x = m[k];
	}
	return base + 64 * k + (size_t)__builtin_ctzll(x);
}

/*
 * A byte that, escaped by a backslash in an unquoted field, the scalar
 * path would read otherwise than the fast path: the bytes it tracks, and
 * a CR, which it keeps at the end of a record when escaped.
 */
static inline int
escapes_structure(char c)
{
	return c == '"' || c == ',' || c == '\n' || c == '\\' || c == '\r';
}

/* Bit i: the parity of bits 0..i of x, by shifts. */
static inline uint64_t
prefix_xor_shift(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

#define FAST_MAX_BLOCKS 64	/* longer records take the scalar path */

#define FAST_NAME csv_fast_shift
#define FAST_ATTR
#define BLOCK_MASKS(p, m) block_masks(p, m)
#define PREFIX_XOR(x) prefix_xor_shift(x)
#include "csv_fast.h"

#ifdef CSV_CLMUL
#define CSV_TARGET __attribute__((target("pclmul,popcnt,avx2")))

/* The same by one carry-less multiply by all ones (as simdjson does). */
CSV_TARGET static inline uint64_t
prefix_xor_clmul(uint64_t x)
{
	__m128i v = _mm_set_epi64x(0, (long long)x);

	return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(v,
	    _mm_set1_epi8(-1), 0));
}

/* block_masks() 32 bytes at a time. */
CSV_TARGET static inline void
block_masks_avx2(const char *p, struct blk_masks *m)
{
	const __m256i q = _mm256_set1_epi8('"'), c = _mm256_set1_epi8(',');
	const __m256i n = _mm256_set1_epi8('\n');
	const __m256i b = _mm256_set1_epi8('\\');
	__m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
	__m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)
	    (p + 32));

#define MASK64(x)							\
	((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, x)) | \
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, x)) \
	    << 32)
	m->q = MASK64(q);
	m->c = MASK64(c);
	m->n = MASK64(n);
	m->b = MASK64(b);
#undef MASK64
}

#define FAST_NAME csv_fast_clmul
#define FAST_ATTR CSV_TARGET
#define BLOCK_MASKS(p, m) block_masks_avx2(p, m)
#define PREFIX_XOR(x) prefix_xor_clmul(x)
#include "csv_fast.h"
#endif

void
csv_reader_set_path(struct csv_reader *r, enum csv_path path)
{
	switch (path) {
	case CSV_PATH_SCALAR:
		r->fast = NULL;
		break;
	case CSV_PATH_SHIFT:
		r->fast = csv_fast_shift;
		break;
	case CSV_PATH_BEST:
		r->fast = csv_fast_shift;
#ifdef CSV_CLMUL
		if (__builtin_cpu_supports("pclmul") &&
		    __builtin_cpu_supports("popcnt") &&
		    __builtin_cpu_supports("avx2"))
			r->fast = csv_fast_clmul;
#endif
		break;
	}
	r->fast_ok = r->fast_no = 0;
}

int
csv_reader_next(struct csv_reader *r, struct csv_record *rec)
{
	enum csv_state st;
	size_t fb, p, esc, qpos, nf, end;
	uint64_t nl;
	uint32_t flags;
	int bad;

	if (!r->started && (csv_start(r) < 0 || r->err[0]))
		return -1;
restart:
	if (r->fast != NULL) {
		int f = r->fast(r, &p, &nf, &nl);

		if (f > 0) {
			r->fast_ok++;
			r->mask_valid = 0;
			bad = 0;
			goto record;
		}
		/* a third of the records or more it cannot take (escaped
		 * separators, stray quotes): the scalar path alone */
		if (f == 0 && ++r->fast_no >= 64 && r->fast_no * 2 > r->fast_ok)
			r->fast = NULL;
	}
	st = ST_START;
	fb = r->pos;
	esc = NO_POS;
	qpos = 0;
	nf = 0;
	nl = 0;
	flags = 0;
	bad = 0;
	if (!r->mask_valid || r->blk + 64 <= r->pos || r->blk > r->pos) {
		r->blk = r->pos & ~(size_t)63;
		if (r->blk >= r->len)
			goto more;
		r->mask = csv_mask_at(r, r->blk) &
		    ~((1ULL << (r->pos - r->blk)) - 1);
		r->mask_valid = 1;
	}
	for (;;) {
		char c;

		while (r->mask == 0) {
			r->blk += 64;
			if (r->blk >= r->len) {
				r->blk -= 64;
				goto more;
			}
			r->mask = csv_mask_at(r, r->blk);
		}
		p = r->blk + (size_t)__builtin_ctzll(r->mask);
		r->mask &= r->mask - 1;
		c = r->buf[p];

		switch (st) {
		case ST_START:
			if (p == fb && c == '"') {
				st = ST_Q;
				flags = CSV_F_QUOTED;
				continue;
			}
			st = ST_UNQ;
			/* FALLTHROUGH */
		case ST_UNQ:
unquoted:
			if (p == esc) {		/* an escaped byte */
				esc = NO_POS;
				nl += c == '\n';
				continue;
			}
			if (c == ',') {
				EMIT(fb, p - fb, flags);
				fb = p + 1;
				flags = 0;
				st = ST_START;
			} else if (c == '\n') {
				nl++;
				end = p;
				if (end > fb && r->buf[end - 1] == '\r' &&
				    end != esc + 1)
					end--;
				EMIT(fb, end - fb, flags);
				goto record;
			} else if (c == '\\') {
				esc = p + 1;
				flags |= CSV_F_ESCAPE;
			}
			/* a quote inside an unquoted field is content */
			continue;
		case ST_Q:
			if (c == '"') {
				/*
				 * The usual case, a closing quote then a
				 * comma in the same block, in one step.
				 */
				if (r->buf[p + 1] == ',' && p + 1 < r->len &&
				    ((p + 1) & 63) != 0) {
					r->mask &= r->mask - 1;
					EMIT(fb + 1, p - fb - 1, flags);
					fb = p + 2;
					flags = 0;
					st = ST_START;
					/* and the next field's opening quote */
					if (r->buf[fb] == '"' && fb < r->len &&
					    (fb & 63) != 0) {
						r->mask &= r->mask - 1;
						st = ST_Q;
						flags = CSV_F_QUOTED;
					}
					continue;
				}
				st = ST_QQ;
				qpos = p;
			} else if (c == '\n') {
				nl++;
			}
			continue;
		case ST_QQ:
			if (p == qpos + 1) {
				if (c == '"') {
					st = ST_Q;
					flags |= CSV_F_DQUOTE;
					continue;
				}
				if (c == ',') {
					EMIT(fb + 1, qpos - fb - 1, flags);
					fb = p + 1;
					flags = 0;
					st = ST_START;
					continue;
				}
				if (c == '\n') {
					nl++;
					EMIT(fb + 1, qpos - fb - 1, flags);
					goto record;
				}
			} else if (p == qpos + 2 && c == '\n' &&
			    r->buf[qpos + 1] == '\r') {
				nl++;
				EMIT(fb + 1, qpos - fb - 1, flags);
				goto record;
			}
			/* bytes after a closing quote: malformed */
			bad = 1;
			flags = CSV_F_BAD;
			st = ST_UNQ;
			goto unquoted;
		}
	}

more:
	{
		size_t old_pos = r->pos;
		int got = csv_refill(r);

		if (got < 0)
			return -1;
		/* new bytes, or the record moved to the front of the buffer
		 * (then fb, qpos and esc are stale): parse it again */
		if (got > 0 || r->pos != old_pos)
			goto restart;
	}
	/* The end of the input ends the record, if there is one. */
	if (r->pos >= r->len)
		return 0;
	p = r->len;
	switch (st) {
	case ST_START:
		if (p == fb) {
			EMIT(fb, 0, flags);
			break;
		}
		/* content with no structural byte: unquoted */
		/* FALLTHROUGH */
	case ST_UNQ:
		end = p;
		if (end > fb && r->buf[end - 1] == '\r' && end != esc + 1)
			end--;
		EMIT(fb, end - fb, flags);
		break;
	case ST_Q:
		bad = 1;	/* the quote is never closed */
		EMIT(fb, p - fb, CSV_F_BAD);
		break;
	case ST_QQ:
		if (qpos + 1 == p || (qpos + 2 == p && r->buf[qpos + 1] == '\r'))
			EMIT(fb + 1, qpos - fb - 1, flags);
		else {
			bad = 1;
			EMIT(fb, p - fb, CSV_F_BAD);
		}
		break;
	}
	p = r->len - 1;		/* as if a newline ended it */

record:
	rec->fields = r->fields;
	rec->nfields = nf;
	rec->line = r->line;
	rec->bad = bad;
	r->line += nl;
	r->pos = p + 1;
	/* Skip blank lines: one empty unquoted field. */
	if (nf == 1 && r->fields[0].len == 0 && !(r->fields[0].flags &
	    CSV_F_QUOTED) && !bad) {
		if (r->pos >= r->len && r->eof)
			return 0;
		goto restart;
	}
	return 1;
}

const char *
csv_field_value(const struct csv_field *f, struct sbuf *scratch,
    size_t *len)
{
	size_t i;

	if (!(f->flags & (CSV_F_DQUOTE | CSV_F_ESCAPE))) {
		*len = f->len;
		return f->p;
	}
	sbuf_reset(scratch);
	/*
	 * Written in place when the field fits (the value is never longer):
	 * a call per byte was most of the work on names with quotes.
	 */
	if (sbuf_grow(scratch, f->len) == 0) {
		char *d = scratch->buf;

		for (i = 0; i < f->len; i++) {
			char c = f->p[i];

			if ((f->flags & CSV_F_DQUOTE) && c == '"' &&
			    i + 1 < f->len && f->p[i + 1] == '"')
				i++;
			else if ((f->flags & CSV_F_ESCAPE) && c == '\\' &&
			    i + 1 < f->len)
				c = f->p[++i];
			*d++ = c;
		}
		scratch->len = (size_t)(d - scratch->buf);
		scratch->buf[scratch->len] = '\0';
		*len = scratch->len;
		return scratch->buf;
	}
	for (i = 0; i < f->len; i++) {
		char c = f->p[i];

		if ((f->flags & CSV_F_DQUOTE) && c == '"' && i + 1 < f->len &&
		    f->p[i + 1] == '"')
			i++;
		else if ((f->flags & CSV_F_ESCAPE) && c == '\\' &&
		    i + 1 < f->len)
			c = f->p[++i];
		if (sbuf_addch(scratch, c) < 0)
			break;
	}
	*len = scratch->len;
	return scratch->buf;
}
