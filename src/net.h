/*
 * net.h: the one rule every request of the tool obeys, on every hop:
 * https to any host, plain http only to a loopback host (127.0.0.0/8,
 * ::1, localhost) when the caller allows it, no user information, no
 * other scheme.  The API client, the downloads and the webhook set their
 * libcurl handles up here; a hop that breaks the rule is refused before
 * its request is sent, and the caller reports it with EXIT_REFUSED.
 *
 * Two checks, so that neither a name nor an address can slip past:
 *   - the URL as a string, before a connection (the first URL, and each
 *     redirect target, as the downloads follow redirects themselves);
 *   - the connection, in libcurl's CURLOPT_PREREQFUNCTION (called for
 *     every request once it is connected, before anything is sent): the
 *     URL being requested again, and for plain http the address actually
 *     connected to must be loopback too ("localhost" resolving elsewhere
 *     is refused).
 */
#ifndef CU_NET_H
#define CU_NET_H

#include <stddef.h>

#include <curl/curl.h>

/* Redirects a download follows at most (each hop checked). */
#define NET_MAX_REDIRECTS 5

struct net_guard {
	CURL *curl;		/* the handle guarded (net_guard_setup) */
	int allow_http;		/* plain http to a loopback host allowed */
	int with_path;		/* messages may show the URL's path */
	char why[512];		/* why a hop was refused; "" if none was */
};

/*
 * Is `url` allowed as a hop: https; or, if allow_http, http to a loopback
 * host (and, when ip is not NULL, connected to a loopback address); never
 * with user information.  Returns 0, or -1 with the reason in err (the
 * URL shown by net_url_display(url, with_path), then why).
 */
int net_hop_check(const char *url, const char *ip, int allow_http,
    int with_path, char *err, size_t errlen);

/* Is host, as a URL names it, a loopback host: 127.0.0.0/8 as an
 * address (127.0.0.1.example.com is not), [::1], localhost? */
int net_host_loopback(const char *host);

/* Is ip (an IPv4 or IPv6 address as text) a loopback address? */
int net_ip_loopback(const char *ip);

/*
 * The URL for a message: scheme://host[:port], and the path if with_path,
 * never its user information, query string or fragment (a pre-signed
 * URL's query is a credential; a webhook's path is one).  Free it.
 */
char *net_url_display(const char *url, int with_path);

/*
 * The host of `url` as libcurl reads it (a supported scheme only), or
 * "(unknown host)"; the caller frees it.  For messages and the API's
 * host, not for the rule: net_hop_check() is that.
 */
char *net_url_host(const char *url);

/*
 * Set handle c up for the rule: protocols (https, or http and https when
 * allow_http), no redirect followed by libcurl, and the per-request check
 * of the connection.  g must outlive the transfer; it is cleared here.
 * Call again after curl_easy_reset().
 */
void net_guard_setup(struct net_guard *g, CURL *c, int allow_http,
    int with_path);

/*
 * Is status a redirect (301, 302, 303, 307, 308)?  If so sets *target to
 * the absolute URL it points to (libcurl's memory, valid until the next
 * transfer on c; NULL when there is no Location libcurl could read) and
 * returns 1; else 0.
 */
int net_redirect_target(CURL *c, long status, const char **target);

/*
 * What is kept of a webhook's or gateway's answer for messages: the start
 * of the body, enough to mask a secret it echoes whole before the text is
 * cut (redact.h), and its Retry-After.  A body past NET_ANSWER_MAX bytes
 * ends the transfer.  After net_answer_init(), give net_answer_body and
 * net_answer_header to libcurl with the struct as WRITEDATA and
 * HEADERDATA.
 */
#define NET_ANSWER_KEEP 4096
#define NET_ANSWER_MAX 65536

struct net_answer {
	char buf[NET_ANSWER_KEEP];	/* the start of the body */
	size_t len, total;
	double retry_after;		/* seconds, or -1: none */
};

void net_answer_init(struct net_answer *a);
size_t net_answer_body(char *data, size_t size, size_t n, void *ctx);
size_t net_answer_header(char *data, size_t size, size_t n, void *ctx);

/* The answer fit to print: one line, every secret masked; "no message"
 * when empty.  The caller frees it. */
char *net_answer_text(const struct net_answer *a);

#endif
