/*
 * csv.h: a streaming CSV tokenizer for Usage API exports.
 *
 * Dialect (usage-api.md §8): comma-separated; RFC 4180 quoted fields with
 * doubled quotes and embedded commas, quotes and newlines; unquoted fields
 * in which a backslash escapes the next character; LF or CRLF line ends; a
 * UTF-8 BOM at the start is skipped; blank lines are skipped.  `\N` and the
 * empty string, quoted or not, are NULL.
 *
 * The reader hands out records whose fields point into its own buffer,
 * valid until the next call: nothing is copied or allocated per field.
 */
#ifndef CU_CSV_H
#define CU_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

#define CSV_F_QUOTED 0x1	/* was quoted; p/len exclude the quotes */
#define CSV_F_DQUOTE 0x2	/* holds doubled quotes ("") to undo */
#define CSV_F_ESCAPE 0x4	/* unquoted, holds backslash escapes */
#define CSV_F_BAD 0x8		/* malformed quoting */

struct csv_field {
	const char *p;
	uint32_t len;
	uint32_t flags;
};

struct csv_record {
	struct csv_field *fields;	/* the first min(nfields, cap) */
	size_t nfields;			/* fields in the record */
	uint64_t line;			/* line the record starts on (1-based) */
	int bad;			/* malformed quoting somewhere */
};

/* Where the bytes come from: like read(2); -1 is an error. */
typedef ssize_t (*csv_read_fn)(void *ctx, void *buf, size_t len);

struct csv_reader;

/*
 * A reader of the stream `read(ctx, ...)`.  Records keep at most
 * `max_fields` fields (the rest are counted); a record longer than
 * `max_record` bytes is an error.
 */
struct csv_reader *csv_reader_new(csv_read_fn read, void *ctx,
    size_t max_fields, size_t max_record);
/*
 * The same, with a first buffer of about buf_size bytes (at most 512 KiB)
 * instead of 512 KiB: for a small input, whose reader need not allocate
 * and fault in more than it holds.  It grows as a long record needs.
 */
struct csv_reader *csv_reader_new_sized(csv_read_fn read, void *ctx,
    size_t max_fields, size_t max_record, size_t buf_size);
void csv_reader_free(struct csv_reader *r);

/*
 * Which tokenizer reads the records (the same records, by any): the
 * scalar state machine alone; or a fast path first, for each record it
 * can take whole (no doubled quote, no backslash escape, no stray
 * quote), its prefix XOR by shifts or, the default where the CPU has
 * it, by a carry-less multiply.  For tests, which compare them.
 */
enum csv_path { CSV_PATH_SCALAR, CSV_PATH_SHIFT, CSV_PATH_BEST };
void csv_reader_set_path(struct csv_reader *r, enum csv_path path);

/* Change how many fields records keep (e.g. once the header is known). */
void csv_reader_set_max_fields(struct csv_reader *r, size_t max_fields);

/*
 * The next record: returns 1 and fills *rec, 0 at the end of the input,
 * -1 on an error: a read error (the source reports it) or a record over
 * max_record (csv_reader_error() says so).
 */
int csv_reader_next(struct csv_reader *r, struct csv_record *rec);

/* The reader's own error message, "" when the source failed. */
const char *csv_reader_error(const struct csv_reader *r);

/* Decompressed bytes consumed so far. */
uint64_t csv_reader_bytes(const struct csv_reader *r);

/* Is the field NULL: empty, or `\N` (quoted or not)? */
static inline int
csv_field_is_null(const struct csv_field *f)
{
	return f->len == 0 ||
	    (f->len == 2 && f->p[0] == '\\' && f->p[1] == 'N' &&
	    !(f->flags & CSV_F_DQUOTE));
}

/*
 * Field idx of rec when it holds a value: NULL when idx < 0 (the part has
 * no such column, usage.h's -1) or when the field is NULL.  For the
 * optional columns, which both the report and ingest read per row.
 */
static inline const struct csv_field *
csv_field_opt(const struct csv_record *rec, int idx)
{
	if (idx < 0 || csv_field_is_null(&rec->fields[idx]))
		return NULL;
	return &rec->fields[idx];
}

/*
 * The field's value with quoting and escapes undone.  Returns a pointer to
 * the value (the field's own bytes when nothing needs undoing, else
 * scratch's buffer, which is overwritten) and sets *len.
 */
const char *csv_field_value(const struct csv_field *f, struct sbuf *scratch,
    size_t *len);

/*
 * The field as text: csv_field_value(), but a NULL field (see
 * csv_field_is_null) is "" rather than the two bytes `\N`.
 */
static inline const char *
csv_field_text(const struct csv_field *f, struct sbuf *scratch, size_t *len)
{
	if (csv_field_is_null(f)) {
		*len = 0;
		return "";
	}
	return csv_field_value(f, scratch, len);
}

#endif
