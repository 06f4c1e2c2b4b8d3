/*
 * dec.h: exact decimal fixed point for credits and money.
 *
 * A value is a signed 128-bit integer counting units of 1e-18, so sums are
 * exact and print the way they were written: 0.1 + 0.2 is 0.3, never
 * 0.30000000000000004.
 *
 * Limits (README, "Exact numbers"): a value read from an input is below
 * 10^15 in magnitude (15 digits before the point); every sum, difference,
 * product or percentage is at most 10^20 (DEC_SUM_MAX), checked at every
 * operation, so a result is exact or an error, never a wrapped number.
 * 100 million rows of the largest value still fit under 10^20 (10^23
 * would not: the checks then refuse the input, exit 3).
 */
#ifndef CU_DEC_H
#define CU_DEC_H

#include <stddef.h>
#include <stdint.h>

__extension__ typedef __int128 dec_t;

#define DEC_SCALE_DIGITS 18
#define DEC_ONE ((dec_t)1000000000000000000LL)
/* Digits a value read from an input may have before the point. */
#define DEC_VALUE_DIGITS 15
/* The largest magnitude of any result: 10^20, that is 10^38 units. */
#define DEC_SUM_MAX \
	((dec_t)10000000000000000000ULL * (dec_t)10000000000000000000ULL)

/* dec_parse() results besides 0. */
#define DEC_EINVAL (-1)		/* not a number */
#define DEC_ERANGE (-2)		/* a number, too large */
/* Longest string dec_format() writes, NUL included. */
#define DEC_BUFSZ 48

/*
 * Parse a decimal number: optional sign, digits with an optional point,
 * an optional exponent (1.5e-3); ASCII spaces around it are ignored.
 * Digits past the 18th decimal place are rounded half away from zero.
 * Returns 0 and sets *out; DEC_EINVAL (-1) if `s` is not a number;
 * DEC_ERANGE (-2) if its magnitude, once rounded, is 10^DEC_VALUE_DIGITS
 * or more.  *out is left alone on failure.  `s` need not be
 * NUL-terminated.
 */
int dec_parse(const char *s, size_t len, dec_t *out);

/*
 * dec_parse() for a sum written out by us (the history database's
 * roll-up): the same syntax, any magnitude up to DEC_SUM_MAX.
 */
int dec_parse_sum(const char *s, size_t len, dec_t *out);

/*
 * Checked arithmetic: *out = a + b (a - b), returning 0; or -1, *out left
 * alone, when the result's magnitude passes DEC_SUM_MAX.  dec_bound() is
 * their check: r, computed with `overflow` set when it did not fit.
 */
static inline int
dec_bound(int overflow, dec_t r, dec_t *out)
{
	if (overflow || r > DEC_SUM_MAX || r < -DEC_SUM_MAX)
		return -1;
	*out = r;
	return 0;
}

static inline int
dec_add(dec_t a, dec_t b, dec_t *out)
{
	dec_t r;
	int overflow = __builtin_add_overflow(a, b, &r);

	return dec_bound(overflow, r, out);
}

static inline int
dec_sub(dec_t a, dec_t b, dec_t *out)
{
	dec_t r;
	int overflow = __builtin_sub_overflow(a, b, &r);

	return dec_bound(overflow, r, out);
}

/* *out = |v|, 0 or -1 as dec_add() (|v| may pass DEC_SUM_MAX). */
static inline int
dec_abs(dec_t v, dec_t *out)
{
	return v < 0 ? dec_sub(0, v, out) : dec_add(0, v, out);
}

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
 * *out and returns 0, or returns -1 (*out left alone) when the result's
 * magnitude passes DEC_SUM_MAX.
 */
int dec_mul_round(dec_t a, dec_t b, int places, dec_t *out);

/*
 * 100 * part / whole as a percentage rounded half away from zero to 2
 * decimals, exactly; 0 when whole is 0.  Sets *out and returns 0, or
 * returns -1 (*out left alone) when the percentage passes DEC_SUM_MAX (a
 * tiny whole: 10^20 % and more).
 */
int dec_percent(dec_t part, dec_t whole, dec_t *out);

/*
 * The checked operations where the operands are bounded so that they
 * cannot fail (sums of a report's groups, shares of its total, all
 * within DEC_SUM_MAX): a failure would be a bug or an input no check
 * caught, so these print "what: ... passes 10^20" and exit 3 rather than
 * return a wrong number.
 */
dec_t dec_add_or_die(dec_t a, dec_t b, const char *what);
dec_t dec_percent_or_die(dec_t part, dec_t whole, const char *what);

/*
 * credits * price rounded to cents (dec_mul_round()); a cost past
 * DEC_SUM_MAX prints both numbers, naming --credit-price, and exits 3.
 */
dec_t dec_cost_or_die(dec_t credits, dec_t price);

#endif
