/*
 * redact.h: text from a server made fit to print, and URLs shown without
 * their credentials.
 *
 * The secrets the process holds (the API token, the webhook URL and its
 * path) are registered once, where they are read.  Every text a server
 * sent that may reach a terminal or a file (an error body, its "message",
 * a job's state or error_reason, a webhook's answer, curl's error line)
 * goes through redact_text(), which masks each secret in any encoding a
 * server may echo it in, and cuts the text to a bounded length.
 *
 * The registry is global and not locked, and redact_text() works in space
 * kept with each secret: use them from one thread at a time.
 */
#ifndef CU_REDACT_H
#define CU_REDACT_H

#include <stddef.h>

/* What stands for a secret in a text. */
#define REDACT_MASK "***"
/* The longest text redact_text() returns, in bytes, before its "…". */
#define REDACT_MAX 200

/*
 * Register `secret` (copied; wiped by redact_clear()).  NULL, an empty
 * string and one already registered are ignored.
 */
void redact_add_secret(const char *secret);

/*
 * Register a webhook URL: the URL, its path with what follows, the last
 * segment of its path (a Slack webhook's secret) and every segment or
 * query value of 12 bytes or more, each also percent-decoded.
 */
void redact_add_url(const char *url);

/* Forget (and wipe) every secret. */
void redact_clear(void);

/*
 * A copy of the n bytes at s (any bytes, NUL included) fit to print on one
 * line: every registered secret masked as REDACT_MASK wherever a server
 * may have put it, as is or in any mix of upper and lower case,
 * percent-encoding (either case of hex, twice encoded, '+' for a space),
 * JSON escapes (\/, \uXXXX) and HTML character references; secrets that
 * overlap are masked as one.  Control characters become spaces, bytes
 * that are not UTF-8 '?'.  Longer than REDACT_MAX bytes, it is cut (at a
 * character) and ends in "…".
 *
 * `more`: s is only the start of a longer text (the rest was not read), so
 * a secret may begin at its end: a start of a secret there is masked too.
 * The caller frees the result.
 */
char *redact_text(const char *s, size_t n, int more);

/* redact_text() of a NUL-terminated string; "" for NULL. */
char *redact(const char *s);

/*
 * Does `url` carry user information (`user:password@`, `user@`, `:x@`,
 * `@`, `user;options@`) before its host?  As libcurl reads it, or as the
 * text reads (an '@' before the end of the authority).
 */
int redact_url_has_userinfo(const char *url);

/*
 * The URL to show in a message or a trace: user information replaced by
 * REDACT_MASK ("http://" "***@host/path"; for a URL libcurl cannot
 * read, everything up to its last '@'), without its query string and
 * fragment.  With `origin_only`, the path goes too ("https://" "***@host"
 * then "/…" if anything followed), for a URL whose path is a secret.  The caller frees the result.
 */
char *redact_url(const char *url, int origin_only);

#endif
