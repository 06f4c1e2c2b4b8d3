/*
 * fuzz_csv.c: the CSV tokenizer alone, fed in pieces whose sizes come from
 * the input, checking that every field lies inside the record buffer and
 * that the result does not depend on how the input was split, nor on
 * the path (the scalar state machine, or the fast path by shifts or by
 * carry-less multiply).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct feed {
	const uint8_t *p;
	size_t n, pos, step;
};

static ssize_t
feed_read(void *ctx, void *buf, size_t len)
{
	struct feed *f = ctx;
	size_t k = f->n - f->pos;

	if (k > len)
		k = len;
	if (f->step && k > f->step)
		k = f->step;
	memcpy(buf, f->p + f->pos, k);
	f->pos += k;
	return (ssize_t)k;
}

/* A digest of all records: fields' values and flags, and line numbers. */
static uint64_t
digest(const uint8_t *data, size_t size, size_t step, enum csv_path path,
    int *err)
{
	struct feed f = { data, size, 0, step };
	struct csv_reader *r = csv_reader_new(feed_read, &f, 8, 4096);
	struct csv_record rec;
	struct sbuf sb;
	uint64_t h = 1469598103934665603ULL;
	int ret;

	csv_reader_set_path(r, path);
	sbuf_init(&sb, 1 << 20);
	while ((ret = csv_reader_next(r, &rec)) > 0) {
		size_t i, len, k;

		h = (h ^ rec.nfields ^ rec.line << 16 ^ (uint64_t)rec.bad) *
		    1099511628211ULL;
		for (i = 0; i < rec.nfields && i < 8; i++) {
			const char *v = csv_field_value(&rec.fields[i], &sb,
			    &len);

			if (len > 4096)
				abort();
			h = (h ^ (uint64_t)csv_field_is_null(&rec.fields[i]) ^
			    (uint64_t)rec.fields[i].flags << 8) *
			    1099511628211ULL;
			for (k = 0; k < len; k++)
				h = (h ^ (unsigned char)v[k]) *
				    1099511628211ULL;
		}
	}
	*err = ret < 0;
	sbuf_release(&sb);
	csv_reader_free(r);
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int e1, e2, e3, e4;
	size_t step = 1 + (size ? data[0] % 13 : 0);
	uint64_t a = digest(data, size, 0, CSV_PATH_BEST, &e1);
	uint64_t b = digest(data, size, step, CSV_PATH_BEST, &e2);
	uint64_t c = digest(data, size, 0, CSV_PATH_SCALAR, &e3);
	uint64_t d = digest(data, size, step, CSV_PATH_SHIFT, &e4);

	/* splitting the input differently must not change the records,
	 * nor the tokenizer's path: the fast one gives the scalar's */
	if (!e1 && !e2 && a != b)
		abort();
	if (e1 != e3 || (!e1 && a != c))
		abort();
	if (!e2 && !e4 && b != d)
		abort();
	return 0;
}
