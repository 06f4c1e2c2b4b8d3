/*
 * rates.c: the resource class table (rates.h): parsing, lookup and the
 * savings arithmetic, exact on dec_t.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rates.h"
#include "util.h"

/* data/resource-classes.tsv as a C string (make src/rates_data.h) */
static const char rates_default_text[] =
#include "rates_data.h"
;

__extension__ typedef unsigned __int128 rates_u128;

#define RATES_MAX_FIELD 200	/* bytes in a name */
#define RATES_MAX_LINES 100000

void
rates_init(struct rates *r)
{
	r->v = NULL;
	r->n = 0;
}

void
rates_release(struct rates *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].executor);
		free(r->v[i].resource_class);
		free(r->v[i].next);
	}
	free(r->v);
	rates_init(r);
}

const struct rate *
rates_find(const struct rates *r, const char *ex, size_t exlen,
    const char *rc, size_t rclen)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct rate *t = &r->v[i];

		if (strlen(t->executor) == exlen && memcmp(t->executor, ex,
		    exlen) == 0 && strlen(t->resource_class) == rclen &&
		    memcmp(t->resource_class, rc, rclen) == 0)
			return t;
	}
	return NULL;
}

const struct rate *
rates_larger(const struct rates *r, const struct rate *cur)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].next != NULL &&
		    strcmp(r->v[i].executor, cur->executor) == 0 &&
		    strcmp(r->v[i].next, cur->resource_class) == 0)
			return &r->v[i];
	return NULL;
}

static int
rates_fail(char *err, size_t errlen, const char *name, size_t line,
    const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%zu: %s", name, line, msg);
	return -1;
}

/* A rate: digits with at most 2 decimals, not negative. */
static int
rates_parse_rate(const char *s, size_t len, dec_t *out)
{
	const char *dot = memchr(s, '.', len);
	size_t i;

	if (len == 0 || len > 12)
		return -1;
	for (i = 0; i < len; i++)
		if ((s[i] < '0' || s[i] > '9') && s + i != dot)
			return -1;
	if (dot != NULL && (dot == s || (size_t)(s + len - dot) > 3 ||
	    dot + 1 == s + len))
		return -1;
	return dec_parse(s, len, out);
}

/* A name: printable, no spaces, not empty, not too long. */
static int
rates_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > RATES_MAX_FIELD)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
	return 1;
}

int
rates_parse(struct rates *r, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	size_t line = 0, i, *lines = NULL;
	int ret = -1;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *f[4], *q;
		size_t fl[4], nf = 0;
		struct rate t;

		line++;
		if (line > RATES_MAX_LINES) {
			rates_fail(err, errlen, name, line, "too many lines");
			goto out;
		}
		if (le > p && le[-1] == '\r')
			le--;
		if (le == p || *p == '#')
			goto next;
		for (q = p; nf < 4; ) {
			const char *tab = memchr(q, '\t', (size_t)(le - q));
			const char *fe = tab ? tab : le;

			f[nf] = q;
			fl[nf++] = (size_t)(fe - q);
			if (tab == NULL)
				break;
			q = tab + 1;
		}
		if (nf < 4) {
			rates_fail(err, errlen, name, line, "expected 4 "
			    "tab-separated fields (executor, resource_class, "
			    "credits per minute, next smaller class), got %zu",
			    nf);
			goto out;
		}
		if (!rates_name_ok(f[0], fl[0]) || !rates_name_ok(f[1],
		    fl[1]) || !rates_name_ok(f[3], fl[3])) {
			rates_fail(err, errlen, name, line, "a name is empty, "
			    "too long or has a space or control character");
			goto out;
		}
		if (rates_find(r, f[0], fl[0], f[1], fl[1]) != NULL) {
			rates_fail(err, errlen, name, line, "%.*s %.*s is "
			    "listed twice", (int)fl[0], f[0], (int)fl[1],
			    f[1]);
			goto out;
		}
		memset(&t, 0, sizeof(t));
		if (fl[2] == 1 && f[2][0] == '-') {
			t.priced = 0;
		} else if (rates_parse_rate(f[2], fl[2], &t.per_min) < 0) {
			rates_fail(err, errlen, name, line, "credits per "
			    "minute: expected a number with at most 2 "
			    "decimals, or -, got '%.*s'", (int)(fl[2] < 40 ?
			    fl[2] : 40), f[2]);
			goto out;
		} else {
			t.priced = 1;
		}
		if (fl[3] == fl[1] && memcmp(f[3], f[1], fl[1]) == 0) {
			rates_fail(err, errlen, name, line, "a class cannot be "
			    "its own next smaller class");
			goto out;
		}
		t.executor = xstrndup(f[0], fl[0]);
		t.resource_class = xstrndup(f[1], fl[1]);
		t.next = fl[3] == 1 && f[3][0] == '-' ? NULL :
		    xstrndup(f[3], fl[3]);
		r->v = xreallocarray(r->v, r->n + 1, sizeof(*r->v));
		lines = xreallocarray(lines, r->n + 1, sizeof(*lines));
		lines[r->n] = line;
		r->v[r->n++] = t;
next:
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	/* every next class is listed, and no ladder loops */
	for (i = 0; i < r->n; i++) {
		const struct rate *t = &r->v[i];
		size_t steps = 0;

		while (t != NULL && t->next != NULL) {
			const struct rate *n = rates_find(r, t->executor,
			    strlen(t->executor), t->next, strlen(t->next));

			if (n == NULL) {
				rates_fail(err, errlen, name, lines[t - r->v],
				    "next smaller class '%s' is not listed for "
				    "executor %s", t->next, t->executor);
				goto out;
			}
			if (++steps > r->n) {
				rates_fail(err, errlen, name, lines[i],
				    "the smaller classes of %s %s go round in "
				    "a loop", r->v[i].executor,
				    r->v[i].resource_class);
				goto out;
			}
			t = n;
		}
	}
	ret = 0;
out:
	free(lines);
	return ret;
}

int
rates_load(struct rates *r, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb;
	char buf[8192];
	size_t n;
	int ret = -1;

	if (f == NULL) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	sbuf_init(&sb, 16 << 20);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sbuf_add(&sb, buf, n) < 0) {
			snprintf(err, errlen, "'%s': too large", path);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
		    strerror(errno));
		goto out;
	}
	if (sb.len > 0 && memchr(sb.buf, '\0', sb.len) != NULL) {
		snprintf(err, errlen, "'%s': not a text file", path);
		goto out;
	}
	ret = rates_parse(r, sb.buf ? sb.buf : "", sb.len, path, err, errlen);
out:
	sbuf_release(&sb);
	fclose(f);
	return ret;
}

int
rates_load_default(struct rates *r)
{
	char err[256];

	if (rates_parse(r, rates_default_text, sizeof(rates_default_text) -
	    1, "resource-classes.tsv", err, sizeof(err)) < 0)
		return error("the compiled-in rates do not parse: %s", err);
	return 0;
}

int
rates_savings(dec_t credits, dec_t from, dec_t to, long span_days,
    dec_t *out)
{
	/* rates have at most 2 decimals: work in hundredths of a credit */
	dec_t hundredth = DEC_ONE / 100;
	rates_u128 uc, num, den, q, rem, diff;
	int neg = 0;

	if (from <= 0 || span_days <= 0 || to < 0)
		return -1;
	if (from % hundredth != 0 || to % hundredth != 0)
		return -1;
	diff = (rates_u128)((from - to) < 0 ? to - from : from - to);
	diff /= (rates_u128)hundredth;
	neg = (credits < 0) != (from < to);
	uc = credits < 0 ? (rates_u128)0 - (rates_u128)credits :
	    (rates_u128)credits;
	/*
	 * credits(1e-18 units) * diff * 30 * 100 / (from_c * span * 1e18)
	 * gives hundredths of a credit.  Every product is checked (a rate
	 * may have 12 digits, a span millions of days), and so is the
	 * result against dec.h's DEC_SUM_MAX: no savings rather than a
	 * wrapped one.
	 */
	if (__builtin_mul_overflow(diff, (rates_u128)3000, &num) ||
	    __builtin_mul_overflow(uc, num, &num))
		return -1;
	if (__builtin_mul_overflow((rates_u128)(from / hundredth),
	    (rates_u128)span_days, &den) ||
	    __builtin_mul_overflow(den, (rates_u128)DEC_ONE, &den))
		return -1;
	q = num / den;
	rem = num % den;
	if (rem >= den - rem)	/* 2 * rem >= den, which may not fit */
		q++;
	if (q > (rates_u128)DEC_SUM_MAX / (rates_u128)hundredth)
		return -1;
	*out = (dec_t)q * hundredth;
	if (neg)
		*out = -*out;
	return 0;
}
