/*
 * util.c: error reporting (through the reporter the command installed,
 * reporter.h), allocation that cannot fail, and a capped growable buffer.
 */
#include "util.h"
#include "utf8.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reporter.h"
#include "sigclean.h"

static CU_NORETURN void oom(size_t size);

static const struct reporter *util_reporter;

void
reporter_set(const struct reporter *r)
{
	util_reporter = r;
}

const struct reporter *
reporter_get(void)
{
	return util_reporter;
}

static void
vreport(enum report_level level, const char *fmt, va_list ap)
{
	char msg[4096], shown[8192];

	/* interrupted: the cleaner's one line is the last word (sigclean.h) */
	if (sigclean_interrupted())
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* a quoted file name or server text: one line, no escape sequence */
	str_escape(shown, sizeof(shown), msg, strlen(msg));
	if (util_reporter != NULL && util_reporter->message != NULL)
		util_reporter->message(level, shown);
}

int
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(REPORT_ERROR, fmt, ap);
	va_end(ap);
	return -1;
}

void
warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(REPORT_WARNING, fmt, ap);
	va_end(ap);
}

void
notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(REPORT_NOTICE, fmt, ap);
	va_end(ap);
}

void
die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(REPORT_ERROR, fmt, ap);
	va_end(ap);
	sigclean_settle();
	sigclean_abandon();
	exit(code);	/* the library's one exit (util.h) */
}

/*
 * The escape for the character of n bytes at u, code point cp (n 0: one
 * bad byte), into esc[16]; 0 when it is shown as it is.
 */
static size_t
str_escape_one(const unsigned char *u, size_t n, unsigned cp, char *esc)
{
	if (n == 0)
		return (size_t)snprintf(esc, 16, "\\x%02x", u[0]);
	if (n == 1) {
		if (u[0] == '\n')
			return (size_t)snprintf(esc, 16, "\\n");
		if (u[0] == '\r')
			return (size_t)snprintf(esc, 16, "\\r");
		if (u[0] == '\t')
			return (size_t)snprintf(esc, 16, "\\t");
		if (u[0] < 0x20 || u[0] == 0x7f)
			return (size_t)snprintf(esc, 16, "\\x%02x", u[0]);
		return 0;
	}
	/* C1 controls (CSI is U+009B), and what reorders a line's text */
	if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return (size_t)snprintf(esc, 16, "\\u%04x", cp);
	return 0;
}

size_t
str_escape(char *out, size_t cap, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned cp = 0;
		size_t n = utf8_decode(u + i, len - i, &cp), elen;
		char esc[16];
		const char *piece;

		elen = str_escape_one(u + i, n, cp, esc);
		if (elen > 0) {
			piece = esc;
		} else {
			piece = s + i;
			elen = n;
		}
		if (o + elen >= cap)
			break;
		memcpy(out + o, piece, elen);
		o += elen;
		i += n ? n : 1;
	}
	out[o] = '\0';
	return o;
}

char *
xescape(const char *s)
{
	size_t len = strlen(s), cap;
	char *out;

	/* an escape is at most 6 bytes for a 1-byte ("\x1b") or 2-byte
	 * ("\u009b") character, 6 for a 3-byte one */
	if (len > (SIZE_MAX - 1) / 6)
		oom(SIZE_MAX);
	cap = len * 6 + 1;
	out = xmalloc(cap);
	str_escape(out, cap, s, len);
	return out;
}

int
str_has_control(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	char esc[16];

	while (i < len) {
		unsigned cp = 0;
		size_t n = utf8_decode(u + i, len - i, &cp);

		if (str_escape_one(u + i, n, cp, esc) > 0)
			return 1;
		i += n;
	}
	return 0;
}

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
str_is_uuid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return s[36] == '\0';
}

/* Out of memory: die() with no allocation on the way. */
static CU_NORETURN void
oom(size_t size)
{
	die(EXIT_FAILURE_OTHER, "out of memory (allocating %zu bytes)", size);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		oom(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		oom(size);
	return q;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	p = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
sbuf_init(struct sbuf *sb, size_t max)
{
	sb->cap = 64;
	sb->buf = xmalloc(sb->cap);
	sb->buf[0] = '\0';
	sb->len = 0;
	sb->max = max;
}

void
sbuf_release(struct sbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *
sbuf_detach(struct sbuf *sb)
{
	char *s = sb->buf;

	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void
sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	sb->buf[0] = '\0';
}

int
sbuf_grow(struct sbuf *sb, size_t extra)
{
	size_t need, cap;

	if (extra > sb->max || sb->len > sb->max - extra)
		return -1;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap;
	while (cap < need)
		cap = cap < SIZE_MAX / 2 ? cap * 2 : need;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
	return 0;
}

int
sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	if (sbuf_grow(sb, len) < 0)
		return -1;
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int
sbuf_addstr(struct sbuf *sb, const char *s)
{
	return sbuf_add(sb, s, strlen(s));
}

int
sbuf_addch(struct sbuf *sb, int c)
{
	char ch = (char)c;

	return sbuf_add(sb, &ch, 1);
}

int
sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sbuf_grow(sb, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

#define ARENA_CHUNK (64 * 1024)

const char *
arena_store(struct arena *a, const void *p, size_t len)
{
	char *q;

	if (a->cur == NULL || a->cap - a->used < len) {
		size_t cap = len > ARENA_CHUNK ? len : ARENA_CHUNK;

		a->cur = xmalloc(cap);
		a->cap = cap;
		a->used = 0;
		a->chunks = xreallocarray(a->chunks, a->nchunks + 1,
		    sizeof(*a->chunks));
		a->chunks[a->nchunks++] = a->cur;
	}
	q = a->cur + a->used;
	if (len)
		memcpy(q, p, len);
	a->used += len;
	return q;
}

void
arena_release(struct arena *a)
{
	strv_free(a->chunks, a->nchunks);
	memset(a, 0, sizeof(*a));
}

int
str_ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (b[i] == '\0' ||
		    tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	}
	return b[alen] == '\0';
}

int
str_endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int
parse_size(const char *s, unsigned long long max, unsigned long long *out)
{
	static const char units[] = "KMGT";
	unsigned long long v, mul = 1;
	const char *u;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v == 0)
		return -1;
	if (*end != '\0') {
		u = strchr(units, toupper((unsigned char)*end));
		if (u == NULL)
			return -1;
		mul = 1ULL << (10 * (u - units + 1));
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
		if (*end != '\0')
			return -1;
	}
	if (v > max / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int
cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int
mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s;
	int ret = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST) {
				ret = error("cannot create directory '%s': %s",
				    p, strerror(errno));
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return ret;
}

int
path_inside(const char *root, const char *rel, char *why, size_t whylen)
{
	char *rroot, *full = NULL, *res = NULL;
	size_t rlen, base, end;
	const char *c;
	struct stat st;
	int ret = 0;

	for (c = rel; *c; c += *c == '/') {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.')
			break;
		c += n;
	}
	if (rel[0] == '\0' || rel[0] == '/' || *c != '\0') {
		snprintf(why, whylen, "expected a relative path with no '..'");
		return 0;
	}
	rroot = realpath(root, NULL);
	if (rroot == NULL)
		return error("cannot resolve '%s': %s", root, strerror(errno));
	rlen = strlen(rroot);
	full = xasprintf("%s/%s", root, rel);
	base = strlen(root) + 1;	/* where rel starts in full */
	end = strlen(full);
	/* the longest part of rel that exists, resolved */
	for (;;) {
		full[end] = '\0';
		res = realpath(full, NULL);
		if (res != NULL)
			break;
		if (errno == ELOOP) {
			snprintf(why, whylen, "'%s' is a symbolic link loop",
			    full + base);
			goto out;
		}
		if (errno != ENOENT && errno != ENOTDIR) {
			snprintf(why, whylen, "cannot resolve '%s': %s",
			    full + base, strerror(errno));
			goto out;
		}
		if (lstat(full, &st) == 0) {
			snprintf(why, whylen, "'%s' is a symbolic link to "
			    "nothing", full + base);
			goto out;
		}
		while (end > base && full[end] != '/')
			end--;
		if (end <= base) {
			/* nothing of rel exists: root itself */
			res = xstrdup(rroot);
			break;
		}
	}
	if ((rlen == 1 && res[0] == '/') || (strncmp(res, rroot, rlen) == 0 &&
	    (res[rlen] == '\0' || res[rlen] == '/')))
		ret = 1;
	else
		snprintf(why, whylen, "'%s' leads out of the directory, to "
		    "'%s'", full + base, res);
out:
	free(res);
	free(full);
	free(rroot);
	return ret;
}

char *
secret_read(const char *file, const char *file_opt,
    const char *const *vars, size_t nvars, const char *what,
    const char *missing)
{
	const char *from = file_opt, *v;
	char *sec = NULL;
	size_t i, n;

	if (file != NULL) {
		FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		char buf[4096];

		if (f == NULL) {
			error("%s '%s': %s", file_opt, file, strerror(errno));
			return NULL;
		}
		n = fread(buf, 1, sizeof(buf) - 1, f);
		if (f != stdin)
			fclose(f);
		buf[n] = '\0';
		sec = xstrdup(buf);
		explicit_bzero(buf, sizeof(buf));
	} else {
		for (i = 0; i < nvars && sec == NULL; i++)
			if ((v = getenv(vars[i])) != NULL && *v != '\0') {
				sec = xstrdup(v);
				from = vars[i];
			}
	}
	if (sec == NULL) {
		error("%s", missing);
		return NULL;
	}
	n = strlen(sec);
	while (n > 0 && strchr(" \t\r\n", sec[n - 1]))
		sec[--n] = '\0';
	i = strspn(sec, " \t\r\n");
	memmove(sec, sec + i, n - i + 1);
	n -= i;
	for (i = 0; i < n; i++)
		if ((unsigned char)sec[i] < 0x21 || sec[i] == 0x7f) {
			error("%s from %s holds a space or control character",
			    what, from);
			goto fail;
		}
	if (n == 0) {
		error("%s from %s is empty", what, from);
		goto fail;
	}
	return sec;
fail:
	explicit_bzero(sec, n);
	free(sec);
	return NULL;
}

int
err_line(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

int
read_state_file(const char *path, size_t max, char **text, size_t *len,
    char *err, size_t errlen)
{
	struct stat st;
	size_t n;
	FILE *f;

	*text = NULL;
	*len = 0;
	f = fopen(path, "r");
	if (f == NULL && errno == ENOENT)
		return 1;
	if (f == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "not a regular file");
		return -1;
	}
	if ((unsigned long long)st.st_size > max) {
		fclose(f);
		snprintf(err, errlen, "larger than %zu MB", max >> 20);
		return -1;
	}
	*text = xmalloc((size_t)st.st_size + 1);
	n = fread(*text, 1, (size_t)st.st_size + 1, f);
	if (ferror(f))
		snprintf(err, errlen, "%s", strerror(errno));
	else if (n > (size_t)st.st_size)
		snprintf(err, errlen, "grew while it was read");
	else {
		fclose(f);
		(*text)[n] = '\0';
		*len = n;
		return 0;
	}
	fclose(f);
	free(*text);
	*text = NULL;
	return -1;
}

char *
read_small_file(const char *path, const char *what, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL) {
		error("cannot open %s '%s': %s", what, path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(max + 1);
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		error("cannot read %s '%s': %s", what, path, strerror(errno));
	} else if (n > max) {
		error("%s '%s' is larger than %zu MiB", what, path, max >> 20);
	} else {
		fclose(f);
		buf[n] = '\0';
		*len = n;
		return buf;
	}
	fclose(f);
	free(buf);
	return NULL;
}
