/*
 * dec.c: parsing, formatting and rounding of 1e-18 fixed-point decimals.
 * The parser is on the hot path (a dozen values per CSV row), so the common
 * short case (at most 19 significant digits, no exponent) is a single loop
 * into a 64-bit integer and one multiplication.
 */
#include "dec.h"

#include <string.h>

#include "util.h"

__extension__ typedef unsigned __int128 udec_t;

static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL,
	10000000000000000000ULL
};

/* 10^n as a 128-bit value, n <= 38. */
static udec_t
upow10(int n)
{
	udec_t v = 1;

	while (n >= 19) {
		v *= pow10_u64[19];
		n -= 19;
	}
	return v * pow10_u64[n];
}

/* Value limits, in units: a value read is below 10^33 (10^15 credits),
 * a sum at most 10^38 (DEC_SUM_MAX). */
#define VALUE_LIMIT (upow10(DEC_VALUE_DIGITS + DEC_SCALE_DIGITS))
#define SUM_LIMIT ((udec_t)DEC_SUM_MAX + 1)

/*
 * The general parser: any number of digits and an exponent.  Significant
 * digits are collected (up to 38), then the value is scaled to 1e-18
 * units with rounding of whatever falls below.  A magnitude of `limit`
 * units or more is DEC_ERANGE.
 */
static int
dec_parse_slow(const char *s, const char *end, udec_t limit, dec_t *out)
{
	int neg = 0, ndig = 0, point = 0, frac = 0, any = 0;
	long exp = 0;
	udec_t mant = 0;
	int dropped = 0;
	int shift;

	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	for (; s < end; s++) {
		if (*s >= '0' && *s <= '9') {
			any = 1;
			if (ndig == 0 && *s == '0') {
				if (point)
					frac++;
				continue;	/* leading zero */
			}
			if (ndig < 38) {
				mant = mant * 10 + (unsigned)(*s - '0');
				ndig++;
				if (point)
					frac++;
			} else {
				/* Beyond 38 significant digits: they are
				 * below any rounding point we can reach
				 * (see below), so only their place counts. */
				dropped = 1;
				if (!point)
					exp++;
			}
		} else if (*s == '.' && !point) {
			point = 1;
		} else {
			break;
		}
	}
	if (!any)
		return DEC_EINVAL;
	if (s < end && (*s == 'e' || *s == 'E')) {
		int eneg = 0, edig = 0;

		s++;
		if (s < end && (*s == '+' || *s == '-'))
			eneg = *s++ == '-';
		long e = 0;

		for (; s < end && *s >= '0' && *s <= '9'; s++) {
			if (e < 100000)
				e = e * 10 + (*s - '0');
			edig = 1;
		}
		if (!edig)
			return DEC_EINVAL;
		/* the dropped digits' places add to the written exponent */
		exp += eneg ? -e : e;
	}
	if (s != end)
		return DEC_EINVAL;
	/* value = mant * 10^(exp - frac); we want mant * 10^shift units */
	shift = (int)(DEC_SCALE_DIGITS + exp - frac);
	if (mant == 0) {
		*out = 0;
		return 0;
	}
	if (shift >= 0) {
		/*
		 * ndig significant digits, shifted left: below 10^(ndig +
		 * shift) units.  With digits dropped, mant holds 38 of them
		 * and the value is at least 10^37 units: past a value's
		 * limit, and refused as a sum too (we never write a sum
		 * with more than 38 digits).
		 */
		if (dropped || ndig + shift > 39 ||
		    mant > ~(udec_t)0 / upow10(shift))
			return DEC_ERANGE;
		mant *= upow10(shift);
	} else {
		udec_t div, q, r;

		if (-shift > 38) {
			q = 0;
			r = mant;
			div = 0;	/* everything dropped, below half */
		} else {
			div = upow10(-shift);
			q = mant / div;
			r = mant % div;
		}
		/*
		 * Half away from zero.  Dropped digits add less than one unit
		 * of r, which cannot move r across div/2 (an integer or a
		 * half-integer that r, an integer, meets only exactly).
		 */
		if (div != 0 && r * 2 >= div)
			q++;
		mant = q;
	}
	if (mant >= limit)
		return DEC_ERANGE;
	*out = neg ? -(dec_t)mant : (dec_t)mant;
	return 0;
}

int
dec_parse_sum(const char *s, size_t len, dec_t *out)
{
	const char *end = s + len;

	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	return dec_parse_slow(s, end, SUM_LIMIT, out);
}

int
dec_parse(const char *s, size_t len, dec_t *out)
{
	const char *p, *end = s + len;
	uint64_t v = 0;
	int neg = 0, frac = -1, ndig = 0;
	udec_t u;

	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	p = s;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	/* Fast path: at most 19 digits, one optional point, no exponent. */
	for (; p < end; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (d <= 9) {
			if (ndig == 19)
				return dec_parse_slow(s, end, VALUE_LIMIT,
				    out);
			v = v * 10 + d;
			ndig++;
			if (frac >= 0)
				frac++;
		} else if (*p == '.' && frac < 0) {
			frac = 0;
		} else {
			return dec_parse_slow(s, end, VALUE_LIMIT, out);
		}
	}
	if (ndig == 0)
		return DEC_EINVAL;
	if (frac < 0)
		frac = 0;
	if (frac > DEC_SCALE_DIGITS)
		return dec_parse_slow(s, end, VALUE_LIMIT, out);
	/* v < 10^19, times at most 10^18: below 10^37, no overflow */
	u = (udec_t)v * pow10_u64[DEC_SCALE_DIGITS - frac];
	if (u >= VALUE_LIMIT)
		return DEC_ERANGE;
	*out = neg ? -(dec_t)u : (dec_t)u;
	return 0;
}

/* Write the decimal digits of u (no sign) into buf; returns length. */
static size_t
utoa128(udec_t u, char *buf)
{
	char tmp[48];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

size_t
dec_format(dec_t v, char *buf)
{
	udec_t u = v < 0 ? (udec_t)0 - (udec_t)v : (udec_t)v;
	udec_t ip = u / (udec_t)DEC_ONE;
	uint64_t fp = (uint64_t)(u % (udec_t)DEC_ONE);
	size_t n = 0;
	int i;

	if (v < 0)
		buf[n++] = '-';
	n += utoa128(ip, buf + n);
	if (fp) {
		char digits[DEC_SCALE_DIGITS];
		int last = -1;

		for (i = DEC_SCALE_DIGITS - 1; i >= 0; i--) {
			digits[i] = (char)('0' + (int)(fp % 10));
			fp /= 10;
		}
		for (i = 0; i < DEC_SCALE_DIGITS; i++)
			if (digits[i] != '0')
				last = i;
		buf[n++] = '.';
		memcpy(buf + n, digits, (size_t)last + 1);
		n += (size_t)last + 1;
	}
	buf[n] = '\0';
	return n;
}

dec_t
dec_round(dec_t v, int places)
{
	udec_t u = v < 0 ? (udec_t)0 - (udec_t)v : (udec_t)v;
	udec_t unit;

	if (places >= DEC_SCALE_DIGITS)
		return v;
	if (places < 0)
		places = 0;
	unit = pow10_u64[DEC_SCALE_DIGITS - places];
	u = (u + unit / 2) / unit * unit;
	return v < 0 ? -(dec_t)u : (dec_t)u;
}

size_t
dec_format_fixed(dec_t v, int places, char sep, char *buf)
{
	udec_t u;
	udec_t ip;
	uint64_t fp;
	char ibuf[48];
	size_t n = 0, ilen, i;
	int k;

	if (places < 0)
		places = 0;
	if (places > DEC_SCALE_DIGITS)
		places = DEC_SCALE_DIGITS;
	v = dec_round(v, places);
	u = v < 0 ? (udec_t)0 - (udec_t)v : (udec_t)v;
	ip = u / (udec_t)DEC_ONE;
	fp = (uint64_t)(u % (udec_t)DEC_ONE);
	if (v < 0)
		buf[n++] = '-';
	ilen = utoa128(ip, ibuf);
	for (i = 0; i < ilen; i++) {
		if (sep && i > 0 && (ilen - i) % 3 == 0)
			buf[n++] = sep;
		buf[n++] = ibuf[i];
	}
	if (places > 0) {
		buf[n++] = '.';
		fp /= pow10_u64[DEC_SCALE_DIGITS - places];
		for (k = places - 1; k >= 0; k--) {
			buf[n + (size_t)k] = (char)('0' + (int)(fp % 10));
			fp /= 10;
		}
		n += (size_t)places;
	}
	buf[n] = '\0';
	return n;
}

int
dec_mul_round(dec_t a, dec_t b, int places, dec_t *out)
{
	int neg = (a < 0) != (b < 0);
	udec_t ua = a < 0 ? (udec_t)0 - (udec_t)a : (udec_t)a;
	udec_t ub = b < 0 ? (udec_t)0 - (udec_t)b : (udec_t)b;
	udec_t one = (udec_t)DEC_ONE;
	udec_t ah = ua / one, al = ua % one, bh = ub / one, bl = ub % one;
	udec_t p, t, unit, limit = (udec_t)DEC_SUM_MAX;

	/*
	 * a*b/1e18 = ah*b + al*bh + al*bl/1e18; the last term's fraction
	 * (below 1e-18) only ever pushes a tie upward, so half-up rounding
	 * of the truncated sum is exact when we round "remainder >= half".
	 * Each partial sum stays at most `limit` (10^38), so rounding up by
	 * at most 10^18 more cannot pass the 2^128 of udec_t.
	 */
	if (ah != 0 && ub > limit / ah)
		return -1;
	p = ah * ub;
	if (bh != 0 && al > limit / bh)
		return -1;
	t = al * bh;
	if (p > limit - t)
		return -1;
	p += t;
	t = al * bl;		/* al, bl < 1e18: product < 1e36 fits */
	if (p > limit - t / one)
		return -1;
	p += t / one;
	if (places >= DEC_SCALE_DIGITS) {
		/* round the last unit half-up on the dropped fraction */
		if (t % one >= one / 2)
			p++;
	} else {
		if (places < 0)
			places = 0;
		unit = pow10_u64[DEC_SCALE_DIGITS - places];
		/* the true remainder is r + f with 0 <= f < 1 and unit/2 an
		 * integer, so r + f >= unit/2 exactly when r >= unit/2 */
		if (p % unit >= unit / 2)
			p = (p / unit + 1) * unit;
		else
			p = p / unit * unit;
	}
	if (p > limit)
		return -1;
	*out = neg ? -(dec_t)p : (dec_t)p;
	return 0;
}

/*
 * floor(10 * *r / w) with *r < w <= 2^127, and *r becomes the remainder.
 * Adding r ten times keeps every partial sum below 2 * w <= 2^128, where
 * 10 * r itself could pass it.
 */
static unsigned
percent_digit(udec_t *r, udec_t w)
{
	udec_t acc = 0;
	unsigned d = 0;
	int i;

	for (i = 0; i < 10; i++) {
		acc += *r;
		if (acc >= w) {
			acc -= w;
			d++;
		}
	}
	*r = acc;
	return d;
}

int
dec_percent(dec_t part, dec_t whole, dec_t *out)
{
	int neg = (part < 0) != (whole < 0), i;
	udec_t up = part < 0 ? (udec_t)0 - (udec_t)part : (udec_t)part;
	udec_t uw = whole < 0 ? (udec_t)0 - (udec_t)whole : (udec_t)whole;
	udec_t q, r;
	/* the result is q hundredths of a percent, q * 10^16 units */
	const udec_t qmax = (udec_t)DEC_SUM_MAX / pow10_u64[16];

	if (whole == 0) {
		*out = 0;
		return 0;
	}
	/* 10000 * part / whole, long division: integer part, 4 digits */
	q = up / uw;
	r = up % uw;
	if (q > qmax / 10000)
		return -1;
	for (i = 0; i < 4; i++)
		q = q * 10 + percent_digit(&r, uw);
	if (r >= uw - r)	/* 2r >= w: half, away from zero */
		q++;
	if (q > qmax)
		return -1;
	q *= pow10_u64[16];
	*out = neg ? -(dec_t)q : (dec_t)q;
	return 0;
}

/* r, when ret (a checked operation's) is 0; else "what: passes", exit 3 */
static dec_t
dec_or_die(int ret, dec_t r, const char *what, const char *passes)
{
	if (ret < 0)
		die(EXIT_BAD_INPUT, "%s: %s", what, passes);
	return r;
}

dec_t
dec_add_or_die(dec_t a, dec_t b, const char *what)
{
	dec_t r = 0;
	int ret = dec_add(a, b, &r);

	return dec_or_die(ret, r, what, "a sum passes "
	    "100000000000000000000, the largest kept exactly");
}

dec_t
dec_percent_or_die(dec_t part, dec_t whole, const char *what)
{
	dec_t r = 0;
	int ret = dec_percent(part, whole, &r);

	return dec_or_die(ret, r, what,
	    "a percentage passes 100000000000000000000 %");
}

dec_t
dec_cost_or_die(dec_t credits, dec_t price)
{
	char a[DEC_BUFSZ], b[DEC_BUFSZ];
	dec_t r;

	if (dec_mul_round(credits, price, 2, &r) == 0)
		return r;
	dec_format(credits, a);
	dec_format(price, b);
	die(EXIT_BAD_INPUT, "the cost of %s credits at --credit-price %s "
	    "passes 100000000000000000000, the largest kept exactly", a, b);
}
