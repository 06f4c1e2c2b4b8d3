/*
 * push.c: the HTTP requests of the metrics sinks (push.h), and the
 * Pushgateway's group URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "api.h"
#include "net.h"
#include "push.h"
#include "redact.h"
#include "util.h"

int
push_url_check(const char *url, char *err, size_t errlen)
{
	int loopback;

	if (api_url_check(url, &loopback, err, errlen) < 0)
		return -1;
	if (strpbrk(url, "?#") != NULL) {
		snprintf(err, errlen, "a query string or fragment is refused");
		return -1;
	}
	return 0;
}

/* Is c kept as it is in a path segment of the group's URL? */
static int
push_plain(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
	    c == '~';
}

/* "/name/value", or "/name@base64/BASE64URL" when value needs it. */
static void
push_segment(struct sbuf *sb, const char *name, const char *value)
{
	size_t i, n = strlen(value);
	unsigned char *b64;
	int len;

	for (i = 0; i < n && push_plain((unsigned char)value[i]); i++)
		continue;
	if (n > 0 && i == n) {
		sbuf_addf(sb, "/%s/%s", name, value);
		return;
	}
	if (n == 0) {
		/* the gateway's spelling of an empty value */
		sbuf_addf(sb, "/%s@base64/=", name);
		return;
	}
	b64 = xmalloc(4 * ((n + 2) / 3) + 1);
	len = EVP_EncodeBlock(b64, (const unsigned char *)value, (int)n);
	for (i = 0; i < (size_t)len; i++)
		if (b64[i] == '+')
			b64[i] = '-';
		else if (b64[i] == '/')
			b64[i] = '_';
	sbuf_addf(sb, "/%s@base64/%s", name, (const char *)b64);
	free(b64);
}

char *
push_gateway_url(const char *base, const char *job, const char *org)
{
	struct sbuf sb;
	size_t n = strlen(base);

	sbuf_init(&sb, (size_t)1 << 24);
	while (n > 0 && base[n - 1] == '/')
		n--;
	sbuf_add(&sb, base, n);
	sbuf_addstr(&sb, "/metrics");
	push_segment(&sb, "job", job);
	push_segment(&sb, "org", org);
	return sbuf_detach(&sb);
}

int
push_send(const struct push_req *r, unsigned *attempts)
{
	CURL *c;
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE], err[200], *host, *ct;
	double wait;
	unsigned attempt = 0;
	int loopback, ret = EXIT_FAILURE_OTHER;

	*attempts = 0;
	if (push_url_check(r->url, err, sizeof(err)) < 0 ||
	    api_url_check(r->url, &loopback, err, sizeof(err)) < 0)
		return error("%s: %s", r->what, err), EXIT_USAGE;
	c = curl_easy_init();
	if (c == NULL)
		return error("cannot start libcurl"), EXIT_FAILURE_OTHER;
	host = net_url_host(r->url);
	ct = xasprintf("Content-Type: %s", r->content_type);
	hdrs = curl_slist_append(hdrs, ct);
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (r->auth != NULL)
		hdrs = curl_slist_append(hdrs, r->auth);
	for (;;) {
		struct net_answer a;
		double left = r->deadline - api_clock();
		struct net_guard guard;
		const char *target;
		long status = 0;
		CURLcode rc;
		char *text;

		net_answer_init(&a);
		curl_easy_reset(c);
		curl_easy_setopt(c, CURLOPT_URL, r->url);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_USERAGENT,
		    PROGRAM_NAME "/" CU_VERSION);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->len);
		/* no redirect is followed: a credential goes to this host */
		net_guard_setup(&guard, c, loopback, 0);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
		    (long)((left > 0.05 ? left : 0.05) * 1000));
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, net_answer_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION,
		    net_answer_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
		errbuf[0] = '\0';
		(*attempts)++;
		rc = curl_easy_perform(c);
		if (rc == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		text = net_answer_text(&a);
		if (rc == CURLE_ABORTED_BY_CALLBACK && guard.why[0]) {
			error("%s at %s: request refused: %s", r->what, host,
			    guard.why);
			ret = EXIT_REFUSED;
		} else if (rc == CURLE_OK &&
		    net_redirect_target(c, status, &target)) {
			error("%s at %s answered %ld, a redirect; refused: the "
			    "metrics go to the URL given only", r->what, host,
			    status);
			ret = EXIT_REFUSED;
		} else if (rc == CURLE_OK && status >= 200 && status < 300) {
			ret = 0;
		} else if (rc != CURLE_OK || status == 429 || status >= 500) {
			char *why = rc != CURLE_OK ? redact(errbuf[0] ? errbuf :
			    curl_easy_strerror(rc)) : NULL;

			wait = status == 429 && a.retry_after >= 0 ?
			    a.retry_after : api_backoff(attempt++);
			if (api_clock() + wait > r->deadline) {
				if (why != NULL)
					error("cannot reach %s at %s before the "
					    "timeout: %s", r->what, host, why);
				else
					error("%s at %s answered %ld (%s) until "
					    "the timeout", r->what, host,
					    status, text);
				ret = EXIT_UNREACHABLE;
			} else {
				if (why != NULL)
					warning("%s at %s: %s; retrying",
					    r->what, host, why);
				else
					warning("%s at %s answered %ld (%s); "
					    "retrying in %.1f s", r->what,
					    host, status, text, wait);
				free(why);
				free(text);
				api_sleep(wait, r->deadline);
				continue;
			}
			free(why);
		} else {
			error("%s at %s refused the metrics (%ld: %s)", r->what,
			    host, status, text);
			ret = status == 401 || status == 403 ? EXIT_API_AUTH :
			    EXIT_API_REJECTED;
		}
		free(text);
		break;
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(ct);
	free(host);
	return ret;
}
