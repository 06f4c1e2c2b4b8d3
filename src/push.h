/*
 * push.h: sending the metrics to a monitoring system over HTTP: the one
 * request of `notify pushgateway` (PUT, replacing the group's metrics) and
 * each batch of `notify datadog` (POST).  The retry policy is the Usage
 * API client's (api.h): 429 after its Retry-After, 5xx and network errors
 * with exponential backoff and jitter, until a deadline; the rule of net.h
 * on every request (https, or plain http to a loopback host; no user
 * information); no redirect followed, so a credential header reaches the
 * URL's host only.  Errors name the host, never a secret: an answer is
 * quoted with every registered secret masked (redact.h).
 */
#ifndef CU_PUSH_H
#define CU_PUSH_H

#include <stddef.h>

struct push_req {
	const char *method;	/* "PUT", "POST" */
	const char *url;
	const char *content_type;
	const char *body;
	size_t len;
	const char *auth;	/* a header line with a credential
				 * ("DD-API-KEY: ..."), or NULL; the caller
				 * registers its secret with redact */
	const char *what;	/* the receiver in messages: "the
				 * Pushgateway", "Datadog" */
	double deadline;	/* api_clock() seconds */
};

/*
 * Is url fit to push to: api_url_check()'s rule, no query string and no
 * fragment.  Returns 0, or -1 with why in err (never quoting the URL).
 */
int push_url_check(const char *url, char *err, size_t errlen);

/*
 * Send r until it is answered 2xx or the deadline passes.  Returns 0 and
 * sets *attempts (requests made); or an exit code after an error naming
 * r->what and the host: EXIT_API_AUTH for 401 and 403, EXIT_API_REJECTED
 * for the other 4xx (413: the payload too large), EXIT_UNREACHABLE when
 * the deadline passed on 429, 5xx or network errors, EXIT_REFUSED for a
 * redirect or a hop net.h refuses, EXIT_USAGE for a URL push_url_check()
 * refuses.
 */
int push_send(const struct push_req *r, unsigned *attempts);

/*
 * The Pushgateway URL of a group: base (without a trailing slash) +
 * "/metrics/job/JOB/org/ORG", each value as it is when made only of
 * A-Z a-z 0-9 . _ - ~, else in the gateway's base64 form
 * ("org@base64/" and RFC 4648's URL-safe base64, "=" for an empty value).
 * The caller frees it.
 */
char *push_gateway_url(const char *base, const char *job, const char *org);

#endif
