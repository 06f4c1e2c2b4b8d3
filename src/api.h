/*
 * api.h: calls to the CircleCI API: one request at a time, with the
 * token in a Circle-Token header, retried on 429 (after its Retry-After),
 * 5xx and network errors with exponential backoff and jitter, until a
 * deadline.  Each failure becomes one line with a hint and the exit code
 * of util.h.  The token is never printed and goes to the API host only:
 * API calls follow no redirect (a 3xx is refused, EXIT_REFUSED), and each
 * request passes the rule of net.h once connected.
 */
#ifndef CU_API_H
#define CU_API_H

#include <stddef.h>

#include <jansson.h>

struct api;

/*
 * A client of the API at base_url (`https://circleci.com/api/v2`); plain
 * http only for loopback hosts.  Returns NULL after printing an error.
 * The token is copied (and wiped on api_free()), and registered with
 * redact_add_secret() (the caller's redact_clear() wipes that copy).
 */
struct api *api_new(const char *base_url, const char *token, int verbose,
    double deadline);
void api_free(struct api *a);

/*
 * `method` `path` (appended to the base URL) with an optional JSON body.
 * On a 2xx answer, sets *out to its JSON and returns 0; otherwise returns
 * an exit code after printing the error.  `what` names the call in
 * messages ("create the export job").
 */
int api_call(struct api *a, const char *method, const char *path,
    const char *body, const char *what, json_t **out);

/*
 * api_call() with flags: API_QUIET_404 makes a 404 answer return
 * API_NOT_FOUND without printing anything (a user who is gone is an
 * answer, not an error); every other answer is as api_call()'s.
 */
#define API_QUIET_404 0x1
#define API_NOT_FOUND (-2)
int api_call_flags(struct api *a, const char *method, const char *path,
    const char *body, const char *what, unsigned flags, json_t **out);

/*
 * The deadline (api_clock() seconds) past which no call waits or retries:
 * api_new()'s, until changed.  A caller that makes optional calls (user
 * names) gives them a shorter one, then puts the old one back.
 */
void api_set_deadline(struct api *a, double deadline);
double api_deadline(const struct api *a);

/*
 * Is the API's host loopback?  Only then may its download URLs be plain
 * http (to a loopback host): an https API handing out http URLs is
 * refused (net.h).
 */
int api_loopback(const struct api *a);

/* Number of requests made, and of those answered 429. */
unsigned api_requests(const struct api *a);

/*
 * Is url allowed: https, or http to a loopback host (127.0.0.0/8, ::1,
 * localhost), with no user information (user:password@)?  Sets
 * *loopback.  Returns 0, or -1 (with a reason in err, which never quotes
 * the URL).
 */
int api_url_check(const char *url, int *loopback, char *err, size_t errlen);

/*
 * Is url fit as the API base: no query string, no fragment (the paths
 * are appended to it)?  Returns 0, or -1 with a reason in err.
 */
int api_base_check(const char *url, char *err, size_t errlen);

/* The monotonic clock, in seconds. */
double api_clock(void);

/* Sleep `secs` but not past `deadline` (api_clock() seconds). */
void api_sleep(double secs, double deadline);

/* A backoff delay for attempt n (0, 1, ...): 1 s doubling to 60 s, with
 * jitter of up to a quarter either way. */
double api_backoff(unsigned n);

/*
 * The seconds a header line asks to wait, if it is a Retry-After (seconds
 * or an HTTP date; a date past is 0); else -1.  `line` need not be
 * NUL-terminated.
 */
double api_retry_after(const char *line, size_t len);

/* The URL for traces and messages: no query string (a download URL's
 * is a credential), no fragment, user information masked (redact_url). */
char *api_url_display(const char *url);

#endif
