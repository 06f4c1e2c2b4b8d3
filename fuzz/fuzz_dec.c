/*
 * fuzz_dec.c: exact decimals at their limits.  The input is two numbers
 * separated by a comma; whatever dec_parse() and dec_parse_sum() accept,
 * the checked operations either fail or give a result within DEC_SUM_MAX
 * that undoes exactly (a + b - b == a), formats and parses back to itself,
 * and a share of a larger whole is at most 100 %.  UBSan sees every
 * 128-bit operation on the way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_fits(dec_t v)
{
	char buf[DEC_BUFSZ];
	dec_t back;

	if (v > DEC_SUM_MAX || v < -DEC_SUM_MAX)
		abort();
	dec_format(v, buf);
	if (dec_parse_sum(buf, strlen(buf), &back) != 0 || back != v)
		abort();
	dec_format_fixed(v, 2, ',', buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *comma = memchr(s, ',', size);
	dec_t a, b, r, t;
	int places = (int)(size % 20);

	if (comma == NULL)
		return 0;
	if (dec_parse(s, (size_t)(comma - s), &a) == 0 &&
	    (a >= DEC_SUM_MAX / 100000 || a <= -DEC_SUM_MAX / 100000))
		abort();	/* a value is below 10^15 */
	if (dec_parse_sum(s, (size_t)(comma - s), &a) != 0 ||
	    dec_parse_sum(comma + 1, size - (size_t)(comma - s) - 1, &b) != 0)
		return 0;
	check_fits(a);
	check_fits(b);
	if (dec_add(a, b, &r) == 0) {
		check_fits(r);
		if (dec_sub(r, b, &t) != 0 || t != a)
			abort();
	}
	if (dec_sub(a, b, &r) == 0)
		check_fits(r);
	if (dec_mul_round(a, b, places, &r) == 0)
		check_fits(r);
	if (dec_percent(a, b, &r) == 0) {
		check_fits(r);
		if ((a < 0 ? -a : a) <= (b < 0 ? -b : b) &&
		    (r > 100 * DEC_ONE || r < -100 * DEC_ONE))
			abort();
	} else if (b == 0) {
		abort();	/* 0 for a whole of 0, never a failure */
	}
	if (dec_abs(a, &r) != 0)
		abort();
	return 0;
}
