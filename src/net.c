/*
 * net.c: the rule of every hop of every request (see net.h), as a string
 * check and as a libcurl callback on each connection.
 */
#include "net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "redact.h"
#include "util.h"

int
net_ip_loopback(const char *ip)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (ip == NULL)
		return 0;
	if (inet_pton(AF_INET, ip, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, ip, &v6) != 1)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&v6))
		return 1;
	/* ::ffff:127.x.y.z, as a dual-stack socket may name it */
	return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

/* A loopback host as a URL names it: 127.0.0.0/8 as an address (a name
 * such as 127.0.0.1.example.com is not), [::1], localhost. */
int
net_host_loopback(const char *host)
{
	struct in_addr v4;

	return strcasecmp(host, "localhost") == 0 ||
	    strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0 ||
	    (inet_pton(AF_INET, host, &v4) == 1 &&
	    (ntohl(v4.s_addr) >> 24) == 127);
}

static char *
net_part(CURLU *u, CURLUPart what)
{
	char *p = NULL, *ret;

	if (curl_url_get(u, what, &p, 0) != CURLUE_OK || p == NULL)
		return NULL;
	ret = xstrdup(p);
	curl_free(p);
	return ret;
}

static CURLU *
net_parse(const char *url)
{
	CURLU *u = curl_url();

	if (u == NULL)
		die(EXIT_FAILURE_OTHER, "out of memory");
	/* any scheme parses, so that a refusal can name it */
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

char *
net_url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *ret;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		ret = xstrdup("(unknown host)");
	else
		ret = xstrdup(host);
	curl_free(host);
	curl_url_cleanup(u);
	return ret;
}

char *
net_url_display(const char *url, int with_path)
{
	CURLU *u = net_parse(url);
	char *scheme, *host, *port, *path, *ret;
	size_t i;

	if (u == NULL)
		return xstrdup("(not a URL)");
	scheme = net_part(u, CURLUPART_SCHEME);
	host = net_part(u, CURLUPART_HOST);
	port = net_part(u, CURLUPART_PORT);
	path = with_path ? net_part(u, CURLUPART_PATH) : NULL;
	ret = xasprintf("%s://%s%s%s%s", scheme ? scheme : "?",
	    host ? host : "", port ? ":" : "", port ? port : "",
	    path ? path : "");
	/* nothing a terminal would act on: a server wrote it */
	for (i = 0; ret[i]; i++)
		if ((unsigned char)ret[i] < 0x20 || ret[i] == 0x7f)
			ret[i] = '?';
	free(scheme);
	free(host);
	free(port);
	free(path);
	curl_url_cleanup(u);
	return ret;
}

int
net_hop_check(const char *url, const char *ip, int allow_http,
    int with_path, char *err, size_t errlen)
{
	CURLU *u = net_parse(url);
	char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL;
	char *shown = NULL;
	int ret = -1;

	if (u == NULL) {
		snprintf(err, errlen, "not a URL");
		return -1;
	}
	shown = net_url_display(url, with_path);
	scheme = net_part(u, CURLUPART_SCHEME);
	host = net_part(u, CURLUPART_HOST);
	user = net_part(u, CURLUPART_USER);
	pass = net_part(u, CURLUPART_PASSWORD);
	if (scheme == NULL || (strcasecmp(scheme, "https") != 0 &&
	    strcasecmp(scheme, "http") != 0)) {
		snprintf(err, errlen, "%s: scheme '%s' is refused (https, or "
		    "http to a loopback host)", shown, scheme ? scheme : "");
	} else if (user != NULL || pass != NULL) {
		/* a URL's own credentials would be sent as Basic auth */
		snprintf(err, errlen, "%s: a URL with user information is "
		    "refused", shown);
	} else if (host == NULL || host[0] == '\0') {
		snprintf(err, errlen, "%s: no host", shown);
	} else if (strcasecmp(scheme, "https") == 0) {
		ret = 0;
	} else if (!allow_http) {
		snprintf(err, errlen, "%s: plain http is refused here; use "
		    "https", shown);
	} else if (!net_host_loopback(host)) {
		snprintf(err, errlen, "%s: plain http is refused except to a "
		    "loopback host (127.0.0.1, ::1, localhost)", shown);
	} else if (ip != NULL && !net_ip_loopback(ip)) {
		snprintf(err, errlen, "%s: plain http is refused except to a "
		    "loopback address, and %s is connected to %s", shown, host,
		    ip);
	} else {
		ret = 0;
	}
	free(scheme);
	free(host);
	if (user != NULL)
		explicit_bzero(user, strlen(user));
	if (pass != NULL)
		explicit_bzero(pass, strlen(pass));
	free(user);
	free(pass);
	free(shown);
	curl_url_cleanup(u);
	return ret;
}

/*
 * CURLOPT_PREREQFUNCTION: each request, once connected, before it is
 * sent.  The URL is the one being requested now; the address is the one
 * connected to (a proxy's, if any: plain http through a proxy off the
 * machine is refused with the rest).
 */
static int
net_prereq(void *clientp, char *primary_ip, char *local_ip,
    int primary_port, int local_port)
{
	struct net_guard *g = clientp;
	char *url = NULL;

	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	if (curl_easy_getinfo(g->curl, CURLINFO_EFFECTIVE_URL, &url) !=
	    CURLE_OK || url == NULL) {
		snprintf(g->why, sizeof(g->why), "a request without a URL");
		return CURL_PREREQFUNC_ABORT;
	}
	if (net_hop_check(url, primary_ip, g->allow_http, g->with_path,
	    g->why, sizeof(g->why)) < 0)
		return CURL_PREREQFUNC_ABORT;
	return CURL_PREREQFUNC_OK;
}

void
net_guard_setup(struct net_guard *g, CURL *c, int allow_http,
    int with_path)
{
	const char *protos = allow_http ? "http,https" : "https";

	g->curl = c;
	g->allow_http = allow_http;
	g->with_path = with_path;
	g->why[0] = '\0';
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
	/* redirects are the caller's: each target is checked as a string
	 * before any connection to it (download.c), or refused (the API,
	 * the webhook) */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, net_prereq);
	curl_easy_setopt(c, CURLOPT_PREREQDATA, g);
}

int
net_redirect_target(CURL *c, long status, const char **target)
{
	char *loc = NULL;

	*target = NULL;
	if (status != 301 && status != 302 && status != 303 &&
	    status != 307 && status != 308)
		return 0;
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK)
		*target = loc;
	return 1;
}

void
net_answer_init(struct net_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->retry_after = -1;
}

size_t
net_answer_body(char *data, size_t size, size_t n, void *ctx)
{
	struct net_answer *a = ctx;
	size_t len = size * n, k;

	if (a->total + len > NET_ANSWER_MAX)
		return 0;
	a->total += len;
	k = sizeof(a->buf) - 1 - a->len;
	if (k > len)
		k = len;
	memcpy(a->buf + a->len, data, k);
	a->len += k;
	a->buf[a->len] = '\0';
	return len;
}

size_t
net_answer_header(char *data, size_t size, size_t n, void *ctx)
{
	struct net_answer *a = ctx;
	double v = api_retry_after(data, size * n);

	if (v >= 0)
		a->retry_after = v;
	return size * n;
}

char *
net_answer_text(const struct net_answer *a)
{
	return a->len == 0 ? xstrdup("no message") :
	    redact_text(a->buf, a->len, a->total > a->len);
}
