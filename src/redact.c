/*
 * redact.c: secrets masked in text from servers, in every encoding a
 * server may echo them in; URLs shown without their user information.
 */
#include "redact.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "util.h"
#include "utf8.h"

/* Bytes of a text looked at: what lies past them is cut off unread. */
#define REDACT_SCAN (64u << 10)
/* Steps the matcher may take from one position for one secret, and in
 * all for one text: a text intricate enough to use them up (escapes that
 * can be read in many ways) is masked from where the search stopped. */
#define REDACT_BUDGET 4096
#define REDACT_WORK (1ul << 22)

/*
 * Design.  A secret may reach a text byte by byte in many spellings: as
 * is, upper or lower case, %2F or %2f, %252F, '+' for a space, \/ or
 * \u002F, &#47; or &#x2f;, in any mix.  So the text is not encoded to
 * compare; it is decoded as it is compared: at each position of the text
 * and for each secret, a depth-first search takes, at each step, every
 * way the next bytes of the text may be read (a "unit": a byte as it is,
 * or an escape that stands for one or more bytes) and goes on with those
 * that give the secret's next bytes.  Every span holding a secret is
 * marked; then the text is written with each run of marked bytes as one
 * REDACT_MASK, so overlapping or adjacent secrets leave nothing of
 * either.  Masking comes before the cut to REDACT_MAX, so a cut never
 * leaves part of a secret visible; a text known to go on past what was
 * read (`more`) also masks a secret's start at its very end.
 */

struct frame {
	size_t i, k;		/* position in the text, bytes of the secret */
	unsigned alt;		/* the next unit to try */
};

struct secret {
	char *s;
	size_t len;
	struct frame *stack;	/* len + 1 frames, for the search */
};

static struct secret *secrets;
static size_t nsecrets;

/* One way to read the text at a position. */
struct unit {
	size_t len;		/* bytes of text */
	unsigned char b[4];	/* what they stand for */
	size_t nb;
};

#define MAX_UNITS 4

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Code point cp as UTF-8 into u; 0 if it is not one. */
static int
unit_cp(struct unit *u, unsigned long cp, size_t len)
{
	u->len = len;
	if (cp < 0x80) {
		u->b[0] = (unsigned char)cp;
		u->nb = 1;
	} else if (cp < 0x800) {
		u->b[0] = (unsigned char)(0xc0 | (cp >> 6));
		u->b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		u->nb = 2;
	} else if (cp < 0x10000) {
		if (cp >= 0xd800 && cp < 0xe000)
			return 0;
		u->b[0] = (unsigned char)(0xe0 | (cp >> 12));
		u->b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u->b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		u->nb = 3;
	} else if (cp < 0x110000) {
		u->b[0] = (unsigned char)(0xf0 | (cp >> 18));
		u->b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u->b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u->b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		u->nb = 4;
	} else {
		return 0;
	}
	return 1;
}

/* The value of `digits` hex digits at t (all present), or -1. */
static long
hexn(const unsigned char *t, size_t digits)
{
	long v = 0;
	size_t j;

	for (j = 0; j < digits; j++) {
		int h = hex_value(t[j]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Is t[0..left) the start of an escape cut off by the end of the text?
 * (Only a guess by its first bytes: enough to mask it when the text goes
 * on past its end.)
 */
static int
escape_start(const unsigned char *t, size_t left)
{
	size_t j;

	if (left >= 12)
		return 0;
	switch (t[0]) {
	case '%':
		for (j = 1; j < left; j++)
			if (hex_value(t[j]) < 0)
				return 0;
		return left < 5;
	case '\\':
		return left < 12;
	case '&':
		for (j = 1; j < left; j++)
			if (t[j] == ';')
				return 0;
		return 1;
	}
	return 0;
}

/* The HTML character reference at t (";" ended) as a unit; 0 if none. */
static int
unit_html(struct unit *u, const unsigned char *t, size_t left)
{
	static const struct {
		const char *name;
		unsigned char c;
	} named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' }, { "&sol;", '/' },
		{ "&colon;", ':' }, { "&equals;", '=' }, { "&quest;", '?' },
		{ "&num;", '#' }, { "&percnt;", '%' }, { "&plus;", '+' },
	};
	unsigned long cp = 0;
	size_t j, k, w;

	for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		w = strlen(named[k].name);
		if (w <= left && strncasecmp((const char *)t, named[k].name,
		    w) == 0) {
			u->len = w;
			u->b[0] = named[k].c;
			u->nb = 1;
			return 1;
		}
	}
	if (left < 4 || t[1] != '#')
		return 0;
	j = 2;
	if (t[2] == 'x' || t[2] == 'X') {
		for (j = 3; j < left && j < 12 && hex_value(t[j]) >= 0; j++)
			cp = cp * 16 + (unsigned long)hex_value(t[j]);
		if (j == 3)
			return 0;
	} else {
		for (; j < left && j < 12 && t[j] >= '0' && t[j] <= '9'; j++)
			cp = cp * 10 + (unsigned long)(t[j] - '0');
		if (j == 2)
			return 0;
	}
	if (j >= left || t[j] != ';')
		return 0;
	return unit_cp(u, cp, j + 1);
}

/* Every way to read t[i..n); sets *partial if an escape is cut off. */
static int
units(const unsigned char *t, size_t i, size_t n, struct unit *u,
    int *partial)
{
	const unsigned char *p = t + i;
	size_t left = n - i;
	int k = 0;
	long v;

	*partial = 0;
	u[k].len = 1;
	u[k].b[0] = p[0];
	u[k++].nb = 1;
	switch (p[0]) {
	case '+':
		u[k].len = 1;
		u[k].b[0] = ' ';
		u[k++].nb = 1;
		break;
	case '%':
		if (left >= 3 && (v = hexn(p + 1, 2)) >= 0) {
			u[k].len = 3;
			u[k].b[0] = (unsigned char)v;
			u[k++].nb = 1;
		}
		/* twice encoded: %25 is '%' */
		if (left >= 5 && p[1] == '2' && p[2] == '5' &&
		    (v = hexn(p + 3, 2)) >= 0) {
			u[k].len = 5;
			u[k].b[0] = (unsigned char)v;
			u[k++].nb = 1;
		}
		break;
	case '\\':
		if (left >= 2 && p[1] != '\0' && strchr("/\\\"'", p[1])) {
			u[k].len = 2;
			u[k].b[0] = p[1];
			u[k++].nb = 1;
		} else if (left >= 4 && (p[1] == 'x' || p[1] == 'X') &&
		    (v = hexn(p + 2, 2)) >= 0) {
			u[k].len = 4;
			u[k].b[0] = (unsigned char)v;
			u[k++].nb = 1;
		} else if (left >= 6 && (p[1] == 'u' || p[1] == 'U') &&
		    (v = hexn(p + 2, 4)) >= 0) {
			long lo;

			/* a surrogate pair is one code point */
			if (v >= 0xd800 && v < 0xdc00 && left >= 12 &&
			    p[6] == '\\' && (p[7] == 'u' || p[7] == 'U') &&
			    (lo = hexn(p + 8, 4)) >= 0xdc00 && lo < 0xe000) {
				if (unit_cp(&u[k], 0x10000 + (((unsigned long)v
				    - 0xd800) << 10) + ((unsigned long)lo -
				    0xdc00), 12))
					k++;
			} else if (unit_cp(&u[k], (unsigned long)v, 6)) {
				k++;
			}
		}
		break;
	case '&':
		if (unit_html(&u[k], p, left))
			k++;
		break;
	}
	if (escape_start(p, left))
		*partial = 1;
	return k;
}

/*
 * Does the text t[i..n) start with sec, spelled in any way units() reads?
 * Sets *end past it.  `more`: the text goes on past n, so reaching n with
 * part of the secret read is a match.  Each step takes one of *work; none
 * left, it returns -1.
 */
static int
match_at(const unsigned char *t, size_t i, size_t n, int more,
    const struct secret *sec, size_t *end, unsigned long *work)
{
	const unsigned char *s = (const unsigned char *)sec->s;
	struct frame *st = sec->stack;
	struct unit u[MAX_UNITS];
	unsigned budget = REDACT_BUDGET;
	size_t depth = 0;

	st[0].i = i;
	st[0].k = 0;
	st[0].alt = 0;
	for (;;) {
		struct frame *f = &st[depth];
		int nu, partial;
		unsigned j;

		if (f->k == sec->len) {
			*end = f->i;
			return 1;
		}
		if (f->i == n) {
			if (more && f->k > 0) {
				*end = n;
				return 1;
			}
			goto pop;
		}
		if (*work == 0)
			return -1;
		(*work)--;
		if (budget-- == 0) {
			/* too intricate to follow: mask what was matched */
			*end = f->i > i ? f->i : i + 1;
			return 1;
		}
		nu = units(t, f->i, n, u, &partial);
		if (partial && more && f->k > 0 && f->alt == 0) {
			*end = n;
			return 1;
		}
		for (j = f->alt; j < (unsigned)nu; j++) {
			size_t b;

			if (u[j].nb > sec->len - f->k)
				continue;
			for (b = 0; b < u[j].nb; b++)
				if (lower(u[j].b[b]) != lower(s[f->k + b]))
					break;
			if (b == u[j].nb)
				break;
		}
		if (j < (unsigned)nu) {
			f->alt = j + 1;
			depth++;
			st[depth].i = f->i + u[j].len;
			st[depth].k = f->k + u[j].nb;
			st[depth].alt = 0;
			continue;
		}
pop:
		if (depth == 0)
			return 0;
		depth--;
	}
}

void
redact_add_secret(const char *secret)
{
	size_t i, len = secret ? strlen(secret) : 0;

	if (len == 0)
		return;
	for (i = 0; i < nsecrets; i++)
		if (secrets[i].len == len && memcmp(secrets[i].s, secret,
		    len) == 0)
			return;
	secrets = xreallocarray(secrets, nsecrets + 1, sizeof(*secrets));
	secrets[nsecrets].s = xstrdup(secret);
	secrets[nsecrets].len = len;
	secrets[nsecrets].stack = xcalloc(len + 1, sizeof(struct frame));
	nsecrets++;
}

/* Register s[0..n) and, if it differs, its percent-decoded form. */
static void
add_part(const char *s, size_t n)
{
	char *raw = xstrndup(s, n), *dec = xmalloc(n + 1);
	size_t i, k = 0;
	int h1, h2;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && (h1 = hex_value((unsigned char)
		    s[i + 1])) >= 0 && (h2 = hex_value((unsigned char)
		    s[i + 2])) >= 0) {
			dec[k++] = (char)(h1 * 16 + h2);
			i += 2;
		} else {
			dec[k++] = s[i];
		}
	}
	dec[k] = '\0';
	redact_add_secret(raw);
	if (strlen(dec) == k)	/* no NUL decoded */
		redact_add_secret(dec);
	explicit_bzero(raw, n);
	explicit_bzero(dec, n);
	free(raw);
	free(dec);
}

#define REDACT_MIN_PART 12

void
redact_add_url(const char *url)
{
	const char *p, *q, *last = NULL;
	size_t n, lastn = 0;

	if (url == NULL || *url == '\0')
		return;
	redact_add_secret(url);
	p = strstr(url, "://");
	p = p ? p + 3 : url;
	p += strcspn(p, "/?#");
	if (*p == '\0')
		return;
	add_part(p, strlen(p));		/* the path and what follows */
	/* its segments and query values */
	for (q = p; *q; q += n) {
		q += strspn(q, "/?#&=;");
		n = strcspn(q, "/?#&=;");
		if (n >= REDACT_MIN_PART)
			add_part(q, n);
		if (n > 0 && q < p + strcspn(p, "?#")) {
			last = q;
			lastn = n;
		}
	}
	if (last != NULL)
		add_part(last, lastn);
}

void
redact_clear(void)
{
	size_t i;

	for (i = 0; i < nsecrets; i++) {
		explicit_bzero(secrets[i].s, secrets[i].len);
		free(secrets[i].s);
		free(secrets[i].stack);
	}
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
}

/*
 * One pass: t[0..n) with every secret masked, made printable, cut at max
 * bytes (*full set if it was).  `cut`: the text goes on past n.
 */
static char *
redact_pass(const unsigned char *t, size_t n, int cut, size_t max,
    int *full)
{
	size_t i, j, end, len;
	unsigned char *mask = xcalloc(n + 1, 1);
	unsigned long work = REDACT_WORK;
	struct sbuf out;

	for (i = 0; i < n; i++)
		for (j = 0; j < nsecrets; j++) {
			int m = match_at(t, i, n, cut, &secrets[j], &end,
			    &work);

			if (m < 0) {
				/* too much work: the rest is masked */
				memset(mask + i, 1, n - i);
				i = n;
				break;
			}
			if (m && end > i)
				memset(mask + i, 1, end - i);
		}
	*full = 0;
	sbuf_init(&out, max + 16);
	for (i = 0; i < n; i += len) {
		const char *piece;
		char c[5];
		size_t plen;

		if (mask[i]) {
			for (len = 0; i + len < n && mask[i + len]; len++)
				;
			piece = REDACT_MASK;
			plen = strlen(piece);
		} else if (t[i] < 0x20 || t[i] == 0x7f) {
			len = 1;
			piece = " ";
			plen = 1;
		} else if ((len = utf8_decode(t + i, n - i, NULL)) == 0) {
			/* not UTF-8, or a character cut off by the end */
			len = 1;
			piece = "?";
			plen = 1;
		} else if (len == 2 && t[i] == 0xc2 && t[i + 1] < 0xa0) {
			piece = " ";	/* a C1 control */
			plen = 1;
		} else {
			memcpy(c, t + i, len);
			c[len] = '\0';
			piece = c;
			plen = len;
		}
		if (out.len + plen > max) {
			*full = 1;
			break;
		}
		sbuf_add(&out, piece, plen);
	}
	free(mask);
	return sbuf_detach(&out);
}

char *
redact_text(const char *s, size_t n, int more)
{
	size_t scan = n > REDACT_SCAN ? REDACT_SCAN : n;
	int full, again;
	char *once, *ret;

	if (s == NULL)
		scan = n = 0;
	once = redact_pass((const unsigned char *)(s ? s : ""), scan,
	    more || scan < n, REDACT_MAX, &full);
	/* once more over what is printed: a secret that only a blanked
	 * control character or a '?' for a bad byte made is masked too */
	ret = redact_pass((const unsigned char *)once, strlen(once), 0,
	    REDACT_MAX, &again);
	free(once);
	if (full || more || scan < n) {
		once = xasprintf("%s\xe2\x80\xa6", ret);
		free(ret);
		ret = once;
	}
	return ret;
}

char *
redact(const char *s)
{
	return redact_text(s, s ? strlen(s) : 0, 0);
}

/* ---- URLs ---- */

/* Where the authority of url starts (after "scheme://"). */
static const char *
url_authority(const char *url)
{
	const char *p = strstr(url, "://");

	return p ? p + 3 : url;
}

/* 1 if libcurl reads url, and then *userinfo says if it holds some. */
static int
url_parse(const char *url, int *userinfo)
{
	static const CURLUPart parts[] = { CURLUPART_USER,
	    CURLUPART_PASSWORD, CURLUPART_OPTIONS };
	CURLU *u = curl_url();
	char *part;
	size_t i;
	int ok;

	*userinfo = 0;
	ok = u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK;
	for (i = 0; ok && i < sizeof(parts) / sizeof(parts[0]); i++)
		if (curl_url_get(u, parts[i], &part, 0) == CURLUE_OK) {
			*userinfo = 1;
			curl_free(part);
		}
	curl_url_cleanup(u);
	return ok;
}

int
redact_url_has_userinfo(const char *url)
{
	const char *a = url_authority(url);
	int userinfo;

	if (memchr(a, '@', strcspn(a, "/?#")) != NULL)
		return 1;
	url_parse(url, &userinfo);
	return userinfo;
}

char *
redact_url(const char *url, int origin_only)
{
	const char *a = url_authority(url), *at = NULL, *rest, *p;
	size_t alen = strcspn(a, "/?#"), n;
	struct sbuf out;
	int userinfo, parsed = url_parse(url, &userinfo);

	if (memchr(a, '@', alen) != NULL)
		userinfo = 1;
	/* the last '@' of the authority; of a URL libcurl cannot read, the
	 * last of all (its user information may hold a '/', '?' or '#') */
	for (p = a; *p && (!parsed || p < a + alen); p++)
		if (*p == '@')
			at = p;
	if (!userinfo && parsed)
		at = NULL;
	sbuf_init(&out, strlen(url) + 16);
	sbuf_add(&out, url, (size_t)(a - url));
	rest = a;
	if (at != NULL) {
		sbuf_addstr(&out, REDACT_MASK "@");
		rest = at + 1;
	}
	n = strcspn(rest, "?#");
	if (origin_only) {
		size_t h = strcspn(rest, "/?#");

		sbuf_add(&out, rest, h);
		if (rest[h] != '\0')
			sbuf_addstr(&out, "/\xe2\x80\xa6");
	} else {
		sbuf_add(&out, rest, n);
	}
	return sbuf_detach(&out);
}
