/*
 * util.h: exit codes, error reporting and allocation helpers shared by
 * every module.  This is the only header included everywhere.
 */
#ifndef CU_UTIL_H
#define CU_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* Exit codes, the same for every command (README "Exit codes"). */
enum cu_exit {
	EXIT_OK = 0,
	EXIT_FAILURE_OTHER = 1,	/* I/O error, out of memory */
	EXIT_USAGE = 2,		/* bad option or argument */
	EXIT_BAD_INPUT = 3,	/* unreadable/corrupt input, missing column */
	EXIT_API_AUTH = 4,	/* 401, 403, 404 */
	EXIT_API_REJECTED = 5,	/* 400, or the export failed */
	EXIT_UNREACHABLE = 6,	/* timeout, rate limited, network, TLS */
	EXIT_ALERT = 7,		/* an alert fired and --fail-on-alert */
	EXIT_REFUSED = 8	/* a server sent us where we may not go: a
				 * redirect or a download URL off the rule
				 * of net.h (plain http off loopback...) */
};

#define PROGRAM_NAME "circleci-usage"
#ifndef CU_VERSION
#define CU_VERSION "0.1.0"
#endif

#if defined(__GNUC__)
#define CU_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define CU_NORETURN __attribute__((noreturn))
#define CU_LIKELY(x) __builtin_expect(!!(x), 1)
#define CU_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define CU_PRINTF(a, b)
#define CU_NORETURN
#define CU_LIKELY(x) (x)
#define CU_UNLIKELY(x) (x)
#endif

/*
 * Report an error and return -1, so that callers can write
 * `return error(...)`: the reporter the command installed (reporter.h)
 * shows it (term.c: "circleci-usage: <message>" on stderr).  Messages are
 * lowercase, carry no full stop and say what is wrong first.  The
 * formatted message goes through str_escape(): a file name or a server's
 * text quoted in it cannot move the cursor, retitle the terminal or start
 * a new line.  Silent once an interruption is being handled (sigclean.h).
 */
int error(const char *fmt, ...) CU_PRINTF(1, 2);
/* As error(), a warning (term.c: prefixed "warning: "); returns nothing. */
void warning(const char *fmt, ...) CU_PRINTF(1, 2);
/*
 * Report the message as error() does and exit with `code`: the only exit
 * in the library, for what no caller can recover from (out of memory, a
 * thread or a library that cannot start).  Input errors return errors.
 */
CU_NORETURN void die(int code, const char *fmt, ...) CU_PRINTF(2, 3);
/* As error(), for a notice that is not an error ("circleci-usage: ..."). */
void notice(const char *fmt, ...) CU_PRINTF(1, 2);

/*
 * Text from outside the program (a file name, a server's message, a field
 * of a manifest) made safe to print on a terminal, on one line: control
 * bytes become \n, \r, \t or \xNN, the C1 controls U+0080..U+009F and the
 * bidirectional overrides (U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069) \uNNNN, bytes that are not UTF-8 \xNN; anything else
 * is copied.  A backslash is left as it is, so that escaped text escapes
 * to itself.  Writes at most cap - 1 bytes and a NUL into out (cap > 0),
 * never half an escape or half a character; returns the length written.
 */
size_t str_escape(char *out, size_t cap, const char *s, size_t len);
/* str_escape() into a new string, however long; the caller frees it. */
char *xescape(const char *s);
/* Does s hold a byte str_escape() would change (a control, bad UTF-8)? */
int str_has_control(const char *s, size_t len);

/* The value of hex digit c (either case), or -1. */
int hex_value(int c);

/* Is s a UUID, 8-4-4-4-12 hex digits (either case)? */
int str_is_uuid(const char *s);

/*
 * Allocation that never returns NULL: out of memory ends the process with
 * exit code 1.  xreallocarray() and xcalloc() check n * size for overflow.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Return a newly allocated string formatted like printf. */
char *xasprintf(const char *fmt, ...) CU_PRINTF(1, 2);
/* Free the n strings of v, then v itself (v may be NULL when n is 0). */
void strv_free(char **v, size_t n);

/*
 * A growable byte buffer.  `buf` is always NUL-terminated and never NULL
 * after sbuf_init().  `max` caps the size: growing past it is an error
 * (sbuf_add returns -1 and leaves the buffer as it was), so no input can
 * make one buffer grow without limit.
 */
struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
};
void sbuf_init(struct sbuf *sb, size_t max);
void sbuf_release(struct sbuf *sb);
/*
 * Hand over the text built: returns buf (the caller frees it) and leaves
 * sb released, as sbuf_release() does.
 */
char *sbuf_detach(struct sbuf *sb);
/*
 * Room for `extra` more bytes and a NUL after len: 0, or -1 past max
 * (nothing changed).  For a caller that writes into buf itself.
 */
int sbuf_grow(struct sbuf *sb, size_t extra);
int sbuf_add(struct sbuf *sb, const void *data, size_t len);
int sbuf_addstr(struct sbuf *sb, const char *s);
int sbuf_addch(struct sbuf *sb, int c);
int sbuf_addf(struct sbuf *sb, const char *fmt, ...) CU_PRINTF(2, 3);
void sbuf_reset(struct sbuf *sb);

/*
 * Bytes kept until the arena goes, never freed one by one: in chunks of
 * 64 KiB (a larger piece gets a chunk of its own).  A zeroed struct is an
 * empty arena.
 */
struct arena {
	char *cur;		/* the chunk being filled */
	size_t used, cap;
	char **chunks;
	size_t nchunks;
};
/* A copy of the len bytes at p in the arena (no NUL added). */
const char *arena_store(struct arena *a, const void *p, size_t len);
/* Free every chunk; the arena is empty again. */
void arena_release(struct arena *a);

/* Case-insensitive ASCII comparison of a counted string with a C string. */
int str_ieq(const char *a, size_t alen, const char *b);
/* Does the string end with `suffix`? */
int str_endswith(const char *s, const char *suffix);

/*
 * Strict number parsing for option values: the whole string must be a
 * number in range, else -1 (and *out is untouched).
 */
int parse_uint(const char *s, unsigned long long max, unsigned long long *out);

/*
 * A size for an option: digits with an optional K, M, G or T (powers of
 * 1024, case-insensitive, an optional trailing B or iB).  Between 1 and
 * max, else -1 (and *out is untouched).
 */
int parse_size(const char *s, unsigned long long max, unsigned long long *out);

/* Number of online CPUs, at least 1. */
int cpu_count(void);

/* mkdir -p: create PATH and its parents.  0, or -1 after an error. */
int mkdir_p(const char *path);

/*
 * The whole of a small file (`what` names it in errors: "the teams
 * file"), at most max bytes, NUL-terminated, its length in *len; the
 * caller frees it.  NULL after an error naming the file: it cannot be
 * opened or read, or it is larger than max.
 */
char *read_small_file(const char *path, const char *what, size_t max,
    size_t *len);

/*
 * A secret (an API token, a key): the contents of `file` ("-" for the
 * standard input; at most 4 KiB), else the first of the nvars variables
 * `vars` that is set and not empty, else NULL after error("%s",
 * missing).  Blanks around it are trimmed; one that is empty, or holds a
 * blank or control character, is refused: "WHAT from SOURCE is empty"
 * (SOURCE the option `file_opt` or the variable).  The caller frees it
 * (explicit_bzero() first); NULL after an error naming the file.
 */
char *secret_read(const char *file, const char *file_opt,
    const char *const *vars, size_t nvars, const char *what,
    const char *missing);

/*
 * The message into err[errlen] as vsnprintf() writes it, each control
 * character made '?' so that it stays one line (a parser's error may
 * quote the bytes near it).  Returns -1, for `return err_line(...)`.
 */
int err_line(char *err, size_t errlen, const char *fmt, ...)
    CU_PRINTF(3, 4);

/*
 * The whole of a small regular file of state (a cache, a record of what
 * was sent) into *text (NUL-terminated, the caller frees) and *len.
 * Returns 0; 1 when there is no such file (*text NULL); -1 with why in
 * err[errlen], without the path: the open or read error, "not a regular
 * file", "larger than N MB" (max), "grew while it was read".
 */
int read_state_file(const char *path, size_t max, char **text, size_t *len,
    char *err, size_t errlen);

/*
 * Does the relative path rel, under the directory root, stay inside root
 * once resolved on the disk (symbolic links followed, as realpath does)?
 * The part of rel that exists must resolve inside root (root itself
 * counts); the rest must not exist yet (a symbolic link to nothing is
 * refused: what it leads to could be made later).  rel must be relative
 * with no ".." component (checked too).  Returns 1 inside, 0 not, with
 * the reason in why[whylen] ("'a/b' is a symbolic link leading out of
 * it"), or -1 after an error (root unreadable).
 */
int path_inside(const char *root, const char *rel, char *why, size_t whylen);

#endif
