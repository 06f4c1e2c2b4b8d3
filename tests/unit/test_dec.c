/*
 * test_dec.c: exact decimals (dec.h): parsing with rounding past the 18th
 * place and exponents, rejection of junk and overflow, formatting, exact
 * sums, fixed-point output, multiplication and percentages.
 */
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Run expr in a child, which must end with exit status `code` (a die()),
 * its message going to /dev/null.
 */
#define unit_expect_exit(expr, code)					\
	do {								\
		pid_t pid_;						\
		int st_ = 0;						\
									\
		fflush(stdout);						\
		fflush(stderr);						\
		pid_ = fork();						\
		assert_true(pid_ >= 0);					\
		if (pid_ == 0) {					\
			int fd_ = open("/dev/null", O_WRONLY);		\
									\
			signal(SIGABRT, SIG_DFL);			\
			signal(SIGSEGV, SIG_DFL);			\
			dup2(fd_, STDERR_FILENO);			\
			(void)(expr);					\
			_exit(0);					\
		}							\
		assert_int_equal(waitpid(pid_, &st_, 0), pid_);		\
		assert_true(WIFEXITED(st_));				\
		assert_int_equal(WEXITSTATUS(st_), (code));		\
	} while (0)

/* 10^n as a dec_t, n <= 38 */
static dec_t
pow10_dec(int n)
{
	dec_t v = 1;

	while (n-- > 0)
		v *= 10;
	return v;
}

static void
assert_parses(const char *s, dec_t want)
{
	dec_t v = 12345;

	if (dec_parse(s, strlen(s), &v) != 0)
		fail_msg("dec_parse(\"%s\") failed", s);
	if (v != want) {
		char a[DEC_BUFSZ], b[DEC_BUFSZ];

		dec_format(v, a);
		dec_format(want, b);
		fail_msg("dec_parse(\"%s\") = %s, expected %s", s, a, b);
	}
}

/* Past a value's 15 digits, within a sum's range: parsed only as a sum. */
static void
assert_parses_sum(const char *s, dec_t want)
{
	dec_t v = 12345;

	if (dec_parse_sum(s, strlen(s), &v) != 0)
		fail_msg("dec_parse_sum(\"%s\") failed", s);
	assert_dec_equal(v, want);
	v = 12345;
	if (dec_parse(s, strlen(s), &v) != DEC_ERANGE || v != 12345)
		fail_msg("dec_parse(\"%s\") did not refuse it", s);
}

static void
assert_rejects(const char *s)
{
	dec_t v = 12345;

	if (dec_parse(s, strlen(s), &v) != -1)
		fail_msg("dec_parse(\"%s\") accepted it", s);
	if (v != 12345)
		fail_msg("dec_parse(\"%s\") changed *out on failure", s);
}

static void
assert_format(dec_t v, const char *want)
{
	char buf[DEC_BUFSZ];
	size_t n = dec_format(v, buf);

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void
assert_fixed(const char *in, int places, char sep, const char *want)
{
	char buf[DEC_BUFSZ + 16];
	size_t n = dec_format_fixed(unit_dec(in), places, sep, buf);

	if (strcmp(buf, want) != 0)
		fail_msg("dec_format_fixed(%s, %d, '%c') = \"%s\", expected "
		    "\"%s\"", in, places, sep ? sep : '0', buf, want);
	assert_int_equal(n, strlen(want));
}

static void
test_parse_integers(void **state)
{
	(void)state;
	assert_parses("0", 0);
	assert_parses("1", DEC_ONE);
	assert_parses("17", 17 * DEC_ONE);
	assert_parses("-42", -42 * DEC_ONE);
	assert_parses("+7", 7 * DEC_ONE);
	assert_parses("-0", 0);
	assert_parses("007", 7 * DEC_ONE);
	assert_parses_sum("1234567890123456789",
	    (dec_t)1234567890123456789LL * DEC_ONE);
	/* 20 integer digits: a sum's size, not a value's */
	assert_parses_sum("99999999999999999999",
	    (pow10_dec(20) - 1) * DEC_ONE);
	assert_parses_sum("-12345678901234567890",
	    -((dec_t)1234567890123456789LL * 10 * DEC_ONE));
}

static void
test_parse_decimals(void **state)
{
	(void)state;
	assert_parses("0.5", DEC_ONE / 2);
	assert_parses("-0.5", -DEC_ONE / 2);
	assert_parses("+0.25", DEC_ONE / 4);
	assert_parses("123.456", (dec_t)123456 * pow10_dec(15));
	assert_parses("10.50", (dec_t)105 * pow10_dec(17));
	assert_parses("0.000000000000000001", 1);
	assert_parses("-0.000000000000000001", -1);
	assert_parses("0.123456789012345678", 123456789012345678LL);
	assert_parses("1.000000000000000001", DEC_ONE + 1);
	assert_parses("50677790.11", (dec_t)5067779011LL * pow10_dec(16));
	/* more than 19 digits in all, at most 18 after the point */
	assert_parses_sum("12345678901234567890.123456789012345678",
	    (dec_t)1234567890123456789LL * 10 * DEC_ONE +
	    123456789012345678LL);
	assert_parses("0.100000000000000000000000000000", DEC_ONE / 10);
}

static void
test_parse_rounds_past_18_places(void **state)
{
	(void)state;
	/* half away from zero at the 19th place */
	assert_parses("0.1234567890123456785", 123456789012345679LL);
	assert_parses("0.1234567890123456784", 123456789012345678LL);
	assert_parses("-0.1234567890123456785", -123456789012345679LL);
	assert_parses("0.0000000000000000005", 1);
	assert_parses("-0.0000000000000000005", -1);
	assert_parses("0.0000000000000000004", 0);
	assert_parses("0.00000000000000000049999999", 0);
	assert_parses("0.0000000000000000015", 2);
	assert_parses("1.9999999999999999995", 2 * DEC_ONE);
	assert_parses("-1.9999999999999999995", -2 * DEC_ONE);
	/* long expansions, as a float printer writes them */
	assert_parses("0.333333333333333333333333333333333333333333333",
	    333333333333333333LL);
	assert_parses("0.666666666666666666666666666666666666666666666",
	    666666666666666667LL);
	assert_parses("2.99999999999999999999999999999999999999999999999",
	    3 * DEC_ONE);
}

static void
test_parse_exponents(void **state)
{
	(void)state;
	assert_parses("1e-3", DEC_ONE / 1000);
	assert_parses("2.5E+2", 250 * DEC_ONE);
	assert_parses("2.5e2", 250 * DEC_ONE);
	assert_parses("1E0", DEC_ONE);
	assert_parses("-1.5e1", -15 * DEC_ONE);
	assert_parses("1.5e-3", (dec_t)15 * pow10_dec(14));
	assert_parses("123e-2", (dec_t)123 * pow10_dec(16));
	assert_parses("0.001e3", DEC_ONE);
	assert_parses("1e-18", 1);
	assert_parses("5e-19", 1);	/* half: away from zero */
	assert_parses("4.9e-19", 0);
	assert_parses("-5e-19", -1);
	assert_parses("1e-999999", 0);
	assert_parses("0e999999", 0);
	assert_parses_sum("9e19", 9 * pow10_dec(19) * DEC_ONE);
	assert_parses("1.23456789e8", (dec_t)123456789 * DEC_ONE);
	assert_parses("7E-05", (dec_t)7 * pow10_dec(13));
}

/*
 * More significant digits than the parser keeps (38), then an exponent
 * that brings the value back into range: the dropped digits' places must
 * add to the exponent, not be scaled by it.
 */
static void
test_parse_many_digits_with_exponent(void **state)
{
	(void)state;
	/* 1 followed by 39 zeros, times 1e-39: one */
	assert_parses("1000000000000000000000000000000000000000e-39",
	    DEC_ONE);
	/* 39 digits times 1e-30 = 123456789.0123456789012345678|90... */
	assert_parses("123456789012345678901234567890123456789e-30",
	    (dec_t)123456789 * DEC_ONE + 12345678901234568LL);
}

static void
test_parse_spaces_and_length(void **state)
{
	dec_t v = 0;

	(void)state;
	assert_parses(" 12 ", 12 * DEC_ONE);
	assert_parses("   -0.5", -DEC_ONE / 2);
	/* s need not be NUL-terminated: only len bytes count */
	assert_int_equal(dec_parse("1234", 2, &v), 0);
	assert_dec_equal(v, 12 * DEC_ONE);
	assert_int_equal(dec_parse("1.5e3X", 5, &v), 0);
	assert_dec_equal(v, 1500 * DEC_ONE);
	assert_int_equal(dec_parse("7,", 1, &v), 0);
	assert_dec_equal(v, 7 * DEC_ONE);
}

static void
test_parse_rejects_junk(void **state)
{
	static const char *const bad[] = {
		"", " ", "   ", "-", "+", ".", "-.", "e5", "E", "1e", "1e+",
		"1e-", "1e5x", "12abc", "abc12", "1.2.3", "1,5", "0x10", "1 2",
		"--1", "+-1", "-+1", "1-", "NaN", "nan", "inf", "Infinity",
		"1..2", "1e2.5", "1e2e3", "$5", "5%", "\\N", "null", "1_000",
		"１", "1\n", "\t1", "1\r",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejects(bad[i]);
}

/* A number too large: DEC_ERANGE, *out left alone. */
static void
assert_too_large(int (*parse)(const char *, size_t, dec_t *), const char *s)
{
	dec_t v = 12345;
	int r = parse(s, strlen(s), &v);

	if (r != DEC_ERANGE)
		fail_msg("parsing \"%s\" gave %d, not DEC_ERANGE", s, r);
	if (v != 12345)
		fail_msg("parsing \"%s\" changed *out on failure", s);
}

static void
test_parse_rejects_overflow(void **state)
{
	static const char *const big[] = {
		"100000000000000000000", "-100000000000000000000",
		"123456789012345678901", "1e20", "1e21", "1e999999",
		"100000000000000000000.5", "0.1e22",
		"99999999999999999999999999999999999999999999999",
		/* the value: 20 digits before the point */
		"99999999999999999999.999999999999999999",
		"-99999999999999999999.999999999999999999",
		/* 2^127 - 1 and 2^128 units: no wrap to a small number */
		"170141183460469231731.687303715884105727",
		"340282366920938463463.374607431768211456",
		"340282366920938463463374607431768211457e-18",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		assert_too_large(dec_parse, big[i]);
		/* up to 10^20 fits a sum */
		if (i != 0 && i != 1 && i != 3 && i != 9 && i != 10)
			assert_too_large(dec_parse_sum, big[i]);
	}
}

/* A value read is below 10^15: 15 digits before the point at most. */
static void
test_parse_value_limit(void **state)
{
	(void)state;
	assert_parses("999999999999999.999999999999999999",
	    unit_dec("1e15") - 1);
	assert_parses("-999999999999999.999999999999999999",
	    1 - unit_dec("1e15"));
	assert_parses("999999999999999", unit_dec("999999999999999"));
	assert_parses("000999999999999999", unit_dec("999999999999999"));
	assert_parses("9.99999999999999999e14",
	    unit_dec("999999999999999.999"));
	/* one digit more, or rounding up to 10^15 */
	assert_too_large(dec_parse, "1000000000000000");
	assert_too_large(dec_parse, "-1000000000000000");
	assert_too_large(dec_parse, "0001000000000000000");
	assert_too_large(dec_parse, "1e15");
	assert_too_large(dec_parse, "1000000000000000.000000000000000001");
	assert_too_large(dec_parse, "999999999999999.9999999999999999995");
	assert_parses("999999999999999.9999999999999999994",
	    unit_dec("1e15") - 1);
	/* junk stays junk, not "too large" */
	assert_rejects("1e15x");
	assert_rejects("99999999999999999999x");
}

/* The sum parser: the same syntax, up to DEC_SUM_MAX (10^20). */
static void
test_parse_sum(void **state)
{
	dec_t v = 0;

	(void)state;
	assert_int_equal(dec_parse_sum("100000000000000000000", 21, &v), 0);
	assert_dec_equal(v, DEC_SUM_MAX);
	assert_int_equal(dec_parse_sum("-1e20", 5, &v), 0);
	assert_dec_equal(v, -DEC_SUM_MAX);
	assert_int_equal(dec_parse_sum(" 12.5 ", 6, &v), 0);
	assert_dec_equal(v, unit_dec("12.5"));
	assert_too_large(dec_parse_sum,
	    "100000000000000000000.000000000000000001");
	assert_too_large(dec_parse_sum, "1.00000000000000000001e20");
	assert_int_equal(dec_parse_sum("x", 1, &v), DEC_EINVAL);
}

/* Checked sums: exact up to DEC_SUM_MAX, -1 past it, *out kept. */
static void
test_add_sub(void **state)
{
	__extension__ const dec_t i128_max = (dec_t)(~(unsigned __int128)0 >> 1);
	dec_t out = 7, big = unit_dec("99999999999999999999.999999999999999999");

	(void)state;
	assert_int_equal(dec_add(DEC_SUM_MAX - 1, 1, &out), 0);
	assert_dec_equal(out, DEC_SUM_MAX);
	out = 7;
	assert_int_equal(dec_add(DEC_SUM_MAX, 1, &out), -1);	/* max + ulp */
	assert_int_equal(dec_add(-DEC_SUM_MAX, -1, &out), -1);
	assert_int_equal(dec_sub(-DEC_SUM_MAX, 1, &out), -1);
	assert_int_equal(dec_sub(DEC_SUM_MAX, -DEC_SUM_MAX, &out), -1);
	/* past the 128 bits themselves: the builtin's overflow */
	assert_int_equal(dec_add(i128_max, 1, &out), -1);
	assert_int_equal(dec_sub(-i128_max - 1, 1, &out), -1);
	assert_int_equal(dec_abs(-i128_max - 1, &out), -1);
	assert_dec_equal(out, 7);
	assert_int_equal(dec_sub(0, DEC_SUM_MAX, &out), 0);
	assert_dec_equal(out, -DEC_SUM_MAX);
	assert_int_equal(dec_abs(-DEC_SUM_MAX, &out), 0);
	assert_dec_equal(out, DEC_SUM_MAX);
	/* the issue: the second such value already does not fit */
	assert_int_equal(dec_add(0, big, &out), 0);
	assert_int_equal(dec_add(out, big, &out), -1);
	assert_dec_equal(out, big);
	/* mixed signs that end inside are fine */
	assert_int_equal(dec_add(DEC_SUM_MAX, -DEC_SUM_MAX, &out), 0);
	assert_dec_equal(out, 0);
}

/* The _or_die forms end the process with exit 3, not a wrong number. */
static void
test_or_die(void **state)
{
	(void)state;
	assert_dec_equal(dec_add_or_die(DEC_SUM_MAX - 1, 1, "x"), DEC_SUM_MAX);
	assert_dec_equal(dec_percent_or_die(1, 4, "x"), unit_dec("25"));
	assert_dec_equal(dec_cost_or_die(unit_dec("1000"), unit_dec("0.0006")),
	    unit_dec("0.6"));
	unit_expect_exit(dec_add_or_die(DEC_SUM_MAX, 1, "x"), 3);
	unit_expect_exit(dec_percent_or_die(DEC_SUM_MAX, 1, "x"), 3);
	unit_expect_exit(dec_cost_or_die(unit_dec("1e15"), unit_dec("1e6")),
	    3);
}

static void
test_format(void **state)
{
	(void)state;
	assert_format(unit_dec("1234.5"), "1234.5");
	assert_format(unit_dec("17"), "17");
	assert_format(unit_dec("17.000"), "17");
	assert_format(unit_dec("0.05"), "0.05");
	assert_format(unit_dec("-0.5"), "-0.5");
	assert_format(0, "0");
	assert_format(unit_dec("-0"), "0");
	assert_format(1, "0.000000000000000001");
	assert_format(-1, "-0.000000000000000001");
	assert_format(unit_dec("2.5E+2"), "250");
	assert_format(unit_dec("1e-3"), "0.001");
	assert_format(unit_dec("100"), "100");
	assert_format(unit_dec("-1234567.000000000000000001"),
	    "-1234567.000000000000000001");
	assert_format(unit_dec("99999999999999999999.999999999999999999"),
	    "99999999999999999999.999999999999999999");
	assert_format(unit_dec("-99999999999999999999.999999999999999999"),
	    "-99999999999999999999.999999999999999999");
	assert_format(dec_from_int(-3), "-3");
	assert_format(dec_from_int(INT64_MAX), "9223372036854775807");
}

static void
test_exact_sums(void **state)
{
	dec_t sum = 0;
	char buf[DEC_BUFSZ];
	int i;

	(void)state;
	/* the classic: never 0.30000000000000004 */
	assert_dec_equal(unit_dec("0.1") + unit_dec("0.2"), unit_dec("0.3"));
	dec_format(unit_dec("0.1") + unit_dec("0.2"), buf);
	assert_string_equal(buf, "0.3");

	/* 50677790.11 as 100000 pieces of 506.7779011 (inexact in binary) */
	for (i = 0; i < 100000; i++)
		sum += unit_dec("506.7779011");
	dec_format(sum, buf);
	assert_string_equal(buf, "50677790.11");

	/* ... and as 5067779011 hundredths, added in uneven pieces: 0.01
	 * times k for k = 1, 2, ... plus what is left */
	sum = 0;
	{
		long long left = 5067779011LL, k;
		char piece[48];

		for (k = 1; left > 0; k++) {
			long long take = k < left ? k : left;

			snprintf(piece, sizeof(piece), "%lld.%02lld",
			    take / 100, take % 100);
			sum += unit_dec(piece);
			left -= take;
		}
	}
	dec_format(sum, buf);
	assert_string_equal(buf, "50677790.11");

	/* ten tenths minus one is exactly zero */
	sum = unit_dec("-1");
	for (i = 0; i < 10; i++)
		sum += unit_dec("0.1");
	assert_dec_equal(sum, 0);
	dec_format(sum, buf);
	assert_string_equal(buf, "0");
}

static void
test_format_fixed(void **state)
{
	(void)state;
	assert_fixed("1234567.005", 2, ',', "1,234,567.01");
	assert_fixed("-1234567.005", 2, ',', "-1,234,567.01");
	assert_fixed("1234567.004", 2, ',', "1,234,567.00");
	assert_fixed("1234567.005", 2, 0, "1234567.01");
	assert_fixed("0.005", 2, ',', "0.01");
	assert_fixed("-0.005", 2, ',', "-0.01");
	assert_fixed("0.004999999999999999", 2, ',', "0.00");
	assert_fixed("-0.004", 2, ',', "0.00");
	assert_fixed("0", 2, ',', "0.00");
	assert_fixed("999.995", 2, ',', "1,000.00");
	assert_fixed("-999.995", 2, ',', "-1,000.00");
	assert_fixed("999.994", 2, ',', "999.99");
	assert_fixed("100", 2, ',', "100.00");
	assert_fixed("1000", 2, ',', "1,000.00");
	assert_fixed("123456", 2, ',', "123,456.00");
	assert_fixed("1000000", 2, 0, "1000000.00");
	assert_fixed("12345678901234567890.125", 2, ',',
	    "12,345,678,901,234,567,890.13");
	assert_fixed("2.5", 0, 0, "3");
	assert_fixed("-2.5", 0, 0, "-3");
	assert_fixed("2.4999", 0, 0, "2");
	assert_fixed("1234567.5", 0, ',', "1,234,568");
	assert_fixed("0.05", 1, 0, "0.1");
	assert_fixed("0.04", 1, 0, "0.0");
	assert_fixed("1.5", 3, 0, "1.500");
	assert_fixed("0.000000000000000001", 18, 0, "0.000000000000000001");
	assert_fixed("-7", 2, ' ', "-7.00");
	assert_fixed("-1234", 2, ' ', "-1 234.00");
}

static void
test_round(void **state)
{
	(void)state;
	assert_dec_equal(dec_round(unit_dec("2.345"), 2), unit_dec("2.35"));
	assert_dec_equal(dec_round(unit_dec("-2.345"), 2), unit_dec("-2.35"));
	assert_dec_equal(dec_round(unit_dec("2.3449"), 2), unit_dec("2.34"));
	assert_dec_equal(dec_round(unit_dec("0.5"), 0), unit_dec("1"));
	assert_dec_equal(dec_round(unit_dec("-0.5"), 0), unit_dec("-1"));
	assert_dec_equal(dec_round(unit_dec("0.49"), 0), 0);
	assert_dec_equal(dec_round(1, 18), 1);
	assert_dec_equal(dec_round(unit_dec("0.000000000000000005"), 17),
	    unit_dec("0.00000000000000001"));
}

static void
assert_mul(const char *a, const char *b, int places, const char *want)
{
	dec_t out = 0;

	if (dec_mul_round(unit_dec(a), unit_dec(b), places, &out) != 0)
		fail_msg("dec_mul_round(%s, %s, %d) failed", a, b, places);
	if (out != unit_dec(want)) {
		char got[DEC_BUFSZ];

		dec_format(out, got);
		fail_msg("dec_mul_round(%s, %s, %d) = %s, expected %s", a, b,
		    places, got, want);
	}
}

static void
test_mul_round(void **state)
{
	dec_t out = 99;

	(void)state;
	assert_mul("1234.56", "0.0006", 2, "0.74");	/* 0.740736 */
	assert_mul("12345678.123456789", "0.0006", 2, "7407.41");
	assert_mul("12345678.123456789", "0.0006", 18, "7407.4068740740734");
	assert_mul("1000000", "0.0006", 2, "600");
	assert_mul("0.5", "0.01", 2, "0.01");	/* 0.005: half up */
	assert_mul("-0.5", "0.01", 2, "-0.01");
	assert_mul("0.5", "-0.01", 2, "-0.01");
	assert_mul("-0.5", "-0.01", 2, "0.01");
	assert_mul("0.4999", "0.01", 2, "0");
	assert_mul("3", "0.0006", 2, "0");		/* 0.0018 */
	assert_mul("9", "0.0006", 2, "0.01");		/* 0.0054 */
	assert_mul("2.5", "4", 0, "10");
	assert_mul("2.5", "0.5", 0, "1");		/* 1.25 */
	assert_mul("0.125", "1", 2, "0.13");
	assert_mul("12345678901234567890.5", "1", 0,
	    "12345678901234567891");
	assert_mul("0", "12345.6789", 2, "0");
	assert_mul("0.000000001", "0.000000001", 18, "0.000000000000000001");
	/* products past DEC_SUM_MAX: -1, *out left alone */
	assert_int_equal(dec_mul_round(unit_dec("99999999999999999999"),
	    unit_dec("99999999999999999999"), 2, &out), -1);
	assert_int_equal(dec_mul_round(unit_dec("1e19"), unit_dec("1e19"), 2,
	    &out), -1);
	assert_int_equal(dec_mul_round(unit_dec("1e15"), unit_dec("1e6"), 2,
	    &out), -1);
	assert_int_equal(dec_mul_round(DEC_SUM_MAX, DEC_ONE + 1, 18, &out),
	    -1);
	assert_int_equal(dec_mul_round(-DEC_SUM_MAX, DEC_ONE + 1, 2, &out),
	    -1);
	/* cost of the largest sum at a price of 2: twice 10^20 */
	assert_int_equal(dec_mul_round(DEC_SUM_MAX, 2 * DEC_ONE, 2, &out), -1);
	assert_dec_equal(out, 99);
	/* right at the limit */
	assert_mul("1e10", "1e10", 2, "100000000000000000000");
	assert_mul("-1e10", "1e10", 2, "-100000000000000000000");
	assert_mul("100000000000000000000", "1", 18, "100000000000000000000");
	assert_mul("999999999999999.999999999999999999", "0.0006", 2,
	    "600000000000");
}

/* At 18 places, the digits below 1e-18 must round too, not truncate. */
static void
test_mul_round_at_18_places(void **state)
{
	(void)state;
	/* 0.5 * 1e-18 = 5e-19: half, away from zero -> 1e-18 */
	assert_mul("0.5", "0.000000000000000001", 18, "0.000000000000000001");
	/* 0.3 * 5e-18 = 1.5e-18 -> 2e-18 */
	assert_mul("0.3", "0.000000000000000005", 18, "0.000000000000000002");
	assert_mul("-0.3", "0.000000000000000005", 18,
	    "-0.000000000000000002");
}

static dec_t
percent(dec_t part, dec_t whole)
{
	dec_t out = 0;

	if (dec_percent(part, whole, &out) != 0)
		fail_msg("dec_percent failed");
	return out;
}

static void
test_percent(void **state)
{
	(void)state;
	assert_dec_equal(percent(unit_dec("1"), unit_dec("3")),
	    unit_dec("33.33"));
	assert_dec_equal(percent(unit_dec("2"), unit_dec("3")),
	    unit_dec("66.67"));
	assert_dec_equal(percent(unit_dec("1"), unit_dec("8")),
	    unit_dec("12.5"));
	assert_dec_equal(percent(unit_dec("5"), unit_dec("5")),
	    unit_dec("100"));
	assert_dec_equal(percent(unit_dec("1"), 0), 0);
	assert_dec_equal(percent(0, unit_dec("7")), 0);
	assert_dec_equal(percent(unit_dec("-1"), unit_dec("3")),
	    unit_dec("-33.33"));
	assert_dec_equal(percent(unit_dec("1"), unit_dec("-3")),
	    unit_dec("-33.33"));
	/* 0.005 %: half, up; 0.0049999 %: down */
	assert_dec_equal(percent(unit_dec("1"), unit_dec("20000")),
	    unit_dec("0.01"));
	assert_dec_equal(percent(unit_dec("0.99999"), unit_dec("20000")),
	    0);
	assert_dec_equal(percent(unit_dec("50677790.11"),
	    unit_dec("101355580.22")), unit_dec("50"));
	assert_dec_equal(percent(unit_dec("250"), unit_dec("100")),
	    unit_dec("250"));
	assert_dec_equal(percent(unit_dec("0.000000000000000001"),
	    unit_dec("0.000000000000000003")), unit_dec("33.33"));
}

/* Percentages: exact with 128-bit operands, -1 past 10^20 %. */
static void
test_percent_limits(void **state)
{
	__extension__ const dec_t i128_max = (dec_t)(~(unsigned __int128)0 >> 1);
	dec_t out = 7;

	(void)state;
	/* 10 * remainder would not fit 128 bits here: still exact */
	assert_dec_equal(percent((dec_t)1 << 126, i128_max), unit_dec("50"));
	assert_dec_equal(percent(i128_max / 3, i128_max), unit_dec("33.33"));
	assert_dec_equal(percent(DEC_SUM_MAX, DEC_SUM_MAX), unit_dec("100"));
	assert_dec_equal(percent(-DEC_SUM_MAX, DEC_SUM_MAX), unit_dec("-100"));
	/* 1 credit of 1e-18: 10^20 %, the largest that fits */
	assert_dec_equal(percent(DEC_ONE, 1), DEC_SUM_MAX);
	assert_int_equal(dec_percent(DEC_ONE + 1, 1, &out), -1);
	assert_int_equal(dec_percent(DEC_SUM_MAX, 1, &out), -1);
	assert_int_equal(dec_percent(-DEC_SUM_MAX, 3, &out), -1);
	assert_int_equal(dec_percent(i128_max, 1, &out), -1);
	assert_dec_equal(out, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_integers),
		cmocka_unit_test(test_parse_decimals),
		cmocka_unit_test(test_parse_rounds_past_18_places),
		cmocka_unit_test(test_parse_exponents),
		cmocka_unit_test(test_parse_many_digits_with_exponent),
		cmocka_unit_test(test_parse_spaces_and_length),
		cmocka_unit_test(test_parse_rejects_junk),
		cmocka_unit_test(test_parse_rejects_overflow),
		cmocka_unit_test(test_parse_value_limit),
		cmocka_unit_test(test_parse_sum),
		cmocka_unit_test(test_add_sub),
		cmocka_unit_test(test_or_die),
		cmocka_unit_test(test_percent_limits),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_exact_sums),
		cmocka_unit_test(test_format_fixed),
		cmocka_unit_test(test_round),
		cmocka_unit_test(test_mul_round),
		cmocka_unit_test(test_mul_round_at_18_places),
		cmocka_unit_test(test_percent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
