/*
 * api.c: the API client, on libcurl's easy interface.
 */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "net.h"
#include "redact.h"
#include "util.h"

#define API_MAX_BODY (4u << 20)	/* an answer larger than this is garbage */
#define API_MAX_GARBAGE 5	/* unreadable 2xx answers before giving up */

struct api {
	CURL *curl;
	char *base;
	char *token;
	char *host;		/* for messages */
	struct curl_slist *headers;
	int verbose;
	int loopback;
	struct net_guard guard;	/* the rule of net.h, on every request */
	double deadline;
	unsigned requests;
	char errbuf[CURL_ERROR_SIZE];
};

struct body {
	char *p;
	size_t len, cap;
	int over;
};

static size_t
body_write(char *data, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t len = size * n;

	if (b->len + len > API_MAX_BODY) {
		b->over = 1;
		return 0;	/* abort the transfer */
	}
	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

struct hdrs {
	double retry_after;	/* seconds, -1 when absent */
};

double
api_retry_after(const char *line, size_t len)
{
	static const char name[] = "retry-after:";
	char tmp[64];
	size_t k;
	char *end;
	double v;
	time_t t;

	if (len <= sizeof(name) - 1 || strncasecmp(line, name,
	    sizeof(name) - 1) != 0)
		return -1;
	k = len - (sizeof(name) - 1);
	if (k >= sizeof(tmp))
		k = sizeof(tmp) - 1;
	memcpy(tmp, line + sizeof(name) - 1, k);
	tmp[k] = '\0';
	v = strtod(tmp, &end);
	if (end != tmp && v >= 0)
		return v;
	/* an HTTP date */
	t = curl_getdate(tmp, NULL);
	if (t == -1)
		return -1;
	return difftime(t, time(NULL)) > 0 ? difftime(t, time(NULL)) : 0;
}

static size_t
header_cb(char *data, size_t size, size_t n, void *ctx)
{
	struct hdrs *h = ctx;
	size_t len = size * n;
	double v = api_retry_after(data, len);

	if (v >= 0)
		h->retry_after = v;
	return len;
}

double
api_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
api_sleep(double secs, double deadline)
{
	double now = api_clock();
	struct timespec ts;

	if (deadline > 0 && now + secs > deadline)
		secs = deadline - now;
	if (secs <= 0)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

double
api_backoff(unsigned n)
{
	double d = 1.0;
	unsigned i;

	for (i = 0; i < n && d < 60; i++)
		d *= 2;
	if (d > 60)
		d = 60;
	/* jitter: 0.75 .. 1.25 of it */
	return d * (0.75 + 0.5 * ((double)(rand() % 1000) / 1000.0));
}

char *
api_url_display(const char *url)
{
	return redact_url(url, 0);
}

int
api_url_check(const char *url, int *loopback, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int ret = -1;

	*loopback = 0;
	/* curl would send it as Basic auth (and print it in its traces) */
	if (redact_url_has_userinfo(url)) {
		snprintf(err, errlen, "user information (user:password@) is "
		    "refused in a URL");
		goto out;
	}
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "not a URL");
		goto out;
	}
	*loopback = net_host_loopback(host);
	if (strcasecmp(scheme, "https") == 0 ||
	    (strcasecmp(scheme, "http") == 0 && *loopback))
		ret = 0;
	else if (strcasecmp(scheme, "http") == 0)
		snprintf(err, errlen, "plain http is refused except to a "
		    "loopback host (127.0.0.1, ::1, localhost); use https");
	else
		snprintf(err, errlen, "scheme '%s' is not supported (https)",
		    scheme);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ret;
}

int
api_base_check(const char *url, char *err, size_t errlen)
{
	if (strpbrk(url, "?#") != NULL) {
		snprintf(err, errlen, "a query string or fragment is refused "
		    "(the API base is scheme://host/path; the token goes in "
		    "CIRCLECI_API_TOKEN)");
		return -1;
	}
	return 0;
}

struct api *
api_new(const char *base_url, const char *token, int verbose,
    double deadline)
{
	struct api *a;
	char err[160], *h;
	size_t n;
	int loopback;

	if (api_url_check(base_url, &loopback, err, sizeof(err)) < 0 ||
	    api_base_check(base_url, err, sizeof(err)) < 0) {
		h = api_url_display(base_url);
		error("--api-url '%s': %s", h, err);
		free(h);
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->curl = curl_easy_init();
	if (a->curl == NULL)
		die(EXIT_FAILURE_OTHER, "cannot start libcurl");
	a->base = xstrdup(base_url);
	n = strlen(a->base);
	while (n > 0 && a->base[n - 1] == '/')
		a->base[--n] = '\0';
	a->token = xstrdup(token);
	/* whatever the API answers is printed with the token masked */
	redact_add_secret(token);
	a->host = net_url_host(base_url);
	a->verbose = verbose;
	a->loopback = loopback;
	a->deadline = deadline;
	h = xasprintf("Circle-Token: %s", token);
	a->headers = curl_slist_append(NULL, h);
	explicit_bzero(h, strlen(h));
	free(h);
	a->headers = curl_slist_append(a->headers,
	    "Content-Type: application/json");
	a->headers = curl_slist_append(a->headers, "Accept: application/json");
	a->headers = curl_slist_append(a->headers, "Expect:");
	return a;
}

void
api_free(struct api *a)
{
	struct curl_slist *s;

	if (a == NULL)
		return;
	curl_easy_cleanup(a->curl);
	for (s = a->headers; s != NULL; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(a->headers);
	explicit_bzero(a->token, strlen(a->token));
	free(a->token);
	free(a->base);
	free(a->host);
	free(a);
}

int
api_loopback(const struct api *a)
{
	return a->loopback;
}

unsigned
api_requests(const struct api *a)
{
	return a->requests;
}

/*
 * The "message" of an error answer, or the start of its body: server
 * text, so with every secret masked and cut short (redact.h).
 */
static char *
answer_message(const struct body *b)
{
	json_t *j = b->p ? json_loadb(b->p, b->len, 0, NULL) : NULL;
	json_t *m = j ? json_object_get(j, "message") : NULL;
	char *ret;

	if (json_is_string(m))
		ret = redact_text(json_string_value(m), json_string_length(m),
		    0);
	else
		ret = redact_text(b->p, b->p ? b->len : 0, 0);
	json_decref(j);
	return ret;
}

/* curl's words for a failure, which may quote what a server sent. */
static char *
api_curl_error(const struct api *a, CURLcode rc)
{
	return redact(a->errbuf[0] ? a->errbuf : curl_easy_strerror(rc));
}

/* One request; fills status and body.  Returns the curl code. */
static CURLcode
api_once(struct api *a, const char *method, const char *url,
    const char *body, long *status, struct body *b, struct hdrs *h)
{
	CURL *c = a->curl;
	double timeout = 120, left = a->deadline - api_clock();
	CURLcode rc;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, a->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PROGRAM_NAME "/" CU_VERSION);
	/* no redirect is followed: the token goes to the API host only */
	net_guard_setup(&a->guard, c, a->loopback, 0);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	if (a->deadline > 0 && left < timeout)
		timeout = left > 0.05 ? left : 0.05;
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	/* a stalled answer (nothing for 30 s) is retried well before the
	 * 120 s cap; an answer declared larger than the cap is refused
	 * before its body is read */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)API_MAX_BODY);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, a->errbuf);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	}
	a->errbuf[0] = '\0';
	a->requests++;
	rc = curl_easy_perform(c);
	*status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return rc;
}

static int
is_tls_error(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CERTPROBLEM ||
	    rc == CURLE_SSL_CIPHER || rc == CURLE_SSL_CACERT_BADFILE ||
	    rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/*
 * Is path one the API client may request: "/"-separated segments, each a
 * name of ours (lowercase letters and '_') or a UUID (an org, a job)?
 * Ids come from answers and manifests and are checked there; this is the
 * last line, so that no id can add a segment, a query or a fragment.
 */
static int
api_path_ok(const char *path)
{
	while (*path == '/') {
		size_t n = strcspn(++path, "/");
		char seg[37];

		if (n == 36) {
			memcpy(seg, path, 36);
			seg[36] = '\0';
			if (!str_is_uuid(seg))
				return 0;
		} else if (n == 0 ||
		    strspn(path, "abcdefghijklmnopqrstuvwxyz_") != n) {
			return 0;
		}
		path += n;
	}
	return *path == '\0';
}

void
api_set_deadline(struct api *a, double deadline)
{
	a->deadline = deadline;
}

double
api_deadline(const struct api *a)
{
	return a->deadline;
}

int
api_call(struct api *a, const char *method, const char *path,
    const char *body, const char *what, json_t **out)
{
	return api_call_flags(a, method, path, body, what, 0, out);
}

int
api_call_flags(struct api *a, const char *method, const char *path,
    const char *body, const char *what, unsigned flags, json_t **out)
{
	char *url, *shown;
	unsigned attempt = 0, garbage = 0, limited = 0;
	int ret = EXIT_FAILURE_OTHER;

	*out = NULL;
	if (!api_path_ok(path)) {
		error("%s: refusing to request '%s': expected a path of names "
		    "and UUIDs", what, path);
		return EXIT_BAD_INPUT;
	}
	url = xasprintf("%s%s", a->base, path);
	shown = api_url_display(url);
	for (;;) {
		struct body b = { NULL, 0, 0, 0 };
		struct hdrs h = { -1 };
		long status;
		double t0 = api_clock(), wait;
		const char *target;
		CURLcode rc;
		char *msg;

		rc = api_once(a, method, url, body, &status, &b, &h);
		if (rc == CURLE_FILESIZE_EXCEEDED || b.over) {
			/* a body past the cap is garbage, never read whole */
			free(b.p);
			if (++garbage > API_MAX_GARBAGE) {
				error("%s: the API at %s answered with a body "
				    "larger than %u MB, %u times", what, a->host,
				    API_MAX_BODY >> 20, garbage);
				ret = EXIT_UNREACHABLE;
				break;
			}
			if (a->verbose || garbage >= 2)
				warning("%s: %s answered with a body larger "
				    "than %u MB; retrying", what, a->host,
				    API_MAX_BODY >> 20);
			wait = api_backoff(attempt++);
			goto next;
		}
		if (a->verbose)
			notice("%s %s -> %s%ld (%.3f s)",
			    method, shown, rc == CURLE_OK ? "" :
			    "error ", rc == CURLE_OK ? status : (long)rc,
			    api_clock() - t0);
		if (rc == CURLE_ABORTED_BY_CALLBACK && a->guard.why[0]) {
			/* the connection broke the rule: nothing was sent */
			free(b.p);
			error("%s: request refused: %s", what, a->guard.why);
			ret = EXIT_REFUSED;
			break;
		}
		if (rc == CURLE_OK && net_redirect_target(a->curl, status,
		    &target)) {
			char *to = target ? net_url_display(target, 0) :
			    xstrdup("an unreadable Location");

			free(b.p);
			error("%s: the API at %s answered %ld, a redirect to %s; "
			    "refused: API calls follow no redirect (the token "
			    "goes to the API host only)", what, a->host, status,
			    to);
			free(to);
			ret = EXIT_REFUSED;
			break;
		}
		if (rc == CURLE_OK && status >= 200 && status < 300) {
			json_error_t je;
			json_t *j = b.p ? json_loadb(b.p, b.len, 0, &je) :
			    NULL;

			free(b.p);
			if (j != NULL && json_is_object(j)) {
				*out = j;
				ret = 0;
				break;
			}
			json_decref(j);
			/* an unreadable answer: as a server error, a few times */
			if (++garbage > API_MAX_GARBAGE) {
				error("%s: the API at %s answered %ld with a body "
				    "that is not a JSON object, %u times", what,
				    a->host, status, garbage);
				ret = EXIT_UNREACHABLE;
				break;
			}
			wait = api_backoff(attempt++);
		} else if (rc != CURLE_OK) {
			free(b.p);
			msg = api_curl_error(a, rc);
			if (is_tls_error(rc)) {
				error("%s: TLS error with %s: %s", what, a->host,
				    msg);
				free(msg);
				ret = EXIT_UNREACHABLE;
				break;
			}
			if (api_clock() >= a->deadline) {
				error("%s: cannot reach %s before the timeout: "
				    "%s", what, a->host, msg);
				free(msg);
				ret = EXIT_UNREACHABLE;
				break;
			}
			if (a->verbose || attempt >= 2)
				warning("%s: %s: %s; retrying", what, a->host,
				    msg);
			free(msg);
			wait = api_backoff(attempt++);
		} else if (status == 429 || status >= 500) {
			msg = answer_message(&b);
			free(b.p);
			if (status == 429) {
				limited++;
				wait = h.retry_after >= 0 ? h.retry_after :
				    api_backoff(attempt++);
				if (api_clock() + wait > a->deadline) {
					error("%s: rate limited by %s (%s) past "
					    "the timeout (Retry-After %.0f s)",
					    what, a->host, msg, wait);
					free(msg);
					ret = EXIT_UNREACHABLE;
					break;
				}
				if (!a->verbose && limited == 1)
					warning("%s: rate limited (%s); waiting "
					    "%.0f s as the API asks", what, msg,
					    wait);
			} else {
				wait = api_backoff(attempt++);
				if (api_clock() + wait > a->deadline) {
					error("%s: %s answered %ld (%s) until "
					    "the timeout", what, a->host, status,
					    msg);
					free(msg);
					ret = EXIT_UNREACHABLE;
					break;
				}
				if (a->verbose || attempt >= 2)
					warning("%s: %s answered %ld (%s); "
					    "retrying", what, a->host, status,
					    msg);
			}
			free(msg);
		} else {
			msg = answer_message(&b);
			free(b.p);
			if (status == 404 && (flags & API_QUIET_404)) {
				/* the caller's "no such thing", not an error */
				ret = API_NOT_FOUND;
			} else if (status == 401) {
				error("%s: the API refused the token (401: %s); "
				    "use a personal API token (User Settings > "
				    "Personal API Tokens; tokens made before "
				    "2023-06-23 must be replaced)", what, msg);
				ret = EXIT_API_AUTH;
			} else if (status == 403 || status == 404) {
				error("%s: %ld: %s; check the org ID (--org, "
				    "ORG_ID, CIRCLE_ORGANIZATION_ID: the org's "
				    "UUID, under Organization Settings) and that "
				    "the token's user is an org admin", what,
				    status, msg);
				ret = EXIT_API_AUTH;
			} else {
				error("%s: the API rejected the request (%ld: "
				    "%s)%s%s", what, status, msg,
				    body ? "; it was sent: " : "",
				    body ? body : "");
				ret = EXIT_API_REJECTED;
			}
			free(msg);
			break;
		}
next:
		if (api_clock() + wait > a->deadline) {
			error("%s: %s did not answer in time", what, a->host);
			ret = EXIT_UNREACHABLE;
			break;
		}
		api_sleep(wait, a->deadline);
	}
	free(shown);
	free(url);
	return ret;
}
