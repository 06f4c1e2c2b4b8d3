/*
 * dec.h: exact decimal fixed point for credits and money.
 *
 * A value is a signed 128-bit integer counting units of 1e-18, so sums of
 * any realistic number of credit values are exact (up to 1.7e20) and print
 * the way they were written: 0.1 + 0.2 is 0.3, never 0.30000000000000004.
 */
#ifndef CU_DEC_H
#define CU_DEC_H

#include <stddef.h>
#include <stdint.h>

__extension__ typedef __int128 dec_t;

#define DEC_SCALE_DIGITS 18
#define DEC_ONE ((dec_t)1000000000000000000LL)
/* Longest string dec_format() writes, NUL included. */
#define DEC_BUFSZ 48

/*
 * Parse a decimal number: optional sign, digits with an optional point,
 * an optional exponent (1.5e-3); ASCII spaces around it are ignored.
 * Digits past the 18th decimal place are rounded half away from zero.
 * Returns 0 and sets *out, or -1 if `s` is not a number or is too large
 * (more than 20 integer digits).  `s` need not be NUL-terminated.
 */
int dec_parse(const char *s, size_t len, dec_t *out);

/* An integer count as a decimal. */
static inline dec_t
dec_from_int(int64_t v)
{
	return (dec_t)v * DEC_ONE;
}

/*
 * Write `v` exactly into buf (at least DEC_BUFSZ bytes): no exponent,
 * trailing fractional zeros dropped, "0" for zero.  Returns the length.
 */
size_t dec_format(dec_t v, char *buf);

/*
 * Write `v` rounded half away from zero to `places` decimals (0..18), with
 * exactly that many digits after the point; `sep` (0 for none) groups the
 * integer part by thousands.  Returns the length.
 */
size_t dec_format_fixed(dec_t v, int places, char sep, char *buf);

/* `v` rounded half away from zero to `places` decimals. */
dec_t dec_round(dec_t v, int places);

/*
 * a * b, exactly rounded half away from zero to `places` decimals.  Sets
 * *out and returns 0, or returns -1 on overflow.
 */
int dec_mul_round(dec_t a, dec_t b, int places, dec_t *out);

/*
 * 100 * part / whole as a percentage rounded half away from zero to 2
 * decimals; 0 when whole is 0.
 */
dec_t dec_percent(dec_t part, dec_t whole);

#endif
