/*
 * download.c: parallel downloads of pre-signed URLs with libcurl's multi
 * interface, checked with the report's reader before they count.
 */
#include "download.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "api.h"
#include "csv.h"
#include "gz.h"
#include "util.h"

#define DL_MAX_ATTEMPTS 8

struct xfer {
	struct dl_item *it;
	/* the check, on a thread of its own while other parts download */
	pthread_t tid;
	int verifying;		/* a thread is checking the .partial */
	int queued;		/* waiting for a free checker */
	CURLM *multi;		/* to wake the loop when the check ends */
	atomic_int verified;	/* it finished: vret and verr hold the result */
	int vret;
	char verr[512];
	CURL *curl;
	FILE *f;
	char *partial;
	uint64_t have;		/* bytes already in the .partial file */
	uint64_t got;		/* bytes this attempt */
	double total;		/* expected, from the transfer, or 0 */
	char errbuf[CURL_ERROR_SIZE];
};

static ssize_t
gz_read_cb(void *ctx, void *buf, size_t len)
{
	return gz_read(ctx, buf, len);
}

int
download_verify(const char *path, uint64_t *bytes, uint64_t *rows,
    char sha256[65], char *err, size_t errlen)
{
	struct gz *gz;
	struct csv_reader *csv;
	struct csv_record rec;
	uint64_t records = 0;
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned mdlen = 0, i;
	EVP_MD_CTX *ctx;
	FILE *f;
	size_t n;
	int ret;

	gz = gz_open(path, err, errlen);
	if (gz == NULL)
		return -1;
	csv = csv_reader_new(gz_read_cb, gz, 1, 64u << 20);
	while ((ret = csv_reader_next(csv, &rec)) > 0)
		records++;
	if (ret < 0) {
		snprintf(err, errlen, "%s", gz_error(gz)[0] ? gz_error(gz) :
		    csv_reader_error(csv));
		csv_reader_free(csv);
		gz_close(gz);
		return -1;
	}
	csv_reader_free(csv);
	gz_close(gz);
	*rows = records > 0 ? records - 1 : 0;	/* less the header */

	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		die(EXIT_FAILURE_OTHER, "cannot start SHA-256");
	*bytes = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		EVP_DigestUpdate(ctx, buf, n);
		*bytes += n;
	}
	ret = ferror(f) ? -1 : 0;
	fclose(f);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (ret < 0) {
		snprintf(err, errlen, "cannot read '%s'", path);
		return -1;
	}
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(sha256 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static size_t
xfer_write(char *data, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;
	long status = 0;

	/* an error page is not part of the file */
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 && status != 206)
		return len;
	if (fwrite(data, 1, len, x->f) != len)
		return 0;
	x->got += len;
	return len;
}

static void
human_bytes(double b, char *buf, size_t len)
{
	if (b >= 1e9)
		snprintf(buf, len, "%.2f GB", b / 1e9);
	else if (b >= 1e6)
		snprintf(buf, len, "%.1f MB", b / 1e6);
	else if (b >= 1e3)
		snprintf(buf, len, "%.1f kB", b / 1e3);
	else
		snprintf(buf, len, "%.0f B", b);
}

/* Start (or resume) the transfer of x->it.  Returns 0, or -1. */
static int
xfer_start(CURLM *m, struct xfer *x, const struct dl_opts *o)
{
	struct stat st;
	int loopback;
	char err[160];
	CURL *c;

	if (api_url_check(x->it->url, &loopback, err, sizeof(err)) < 0)
		return error("%s: download URL refused: %s", x->it->label,
		    err);
	if (x->partial == NULL)
		x->partial = xasprintf("%s.partial", x->it->path);
	x->have = stat(x->partial, &st) == 0 ? (uint64_t)st.st_size : 0;
	x->f = fopen(x->partial, x->have ? "ab" : "wb");
	if (x->f == NULL)
		return error("cannot write '%s': %s", x->partial,
		    strerror(errno));
	x->got = 0;
	x->total = 0;
	x->errbuf[0] = '\0';
	c = x->curl = curl_easy_init();
	if (c == NULL)
		die(EXIT_FAILURE_OTHER, "cannot start libcurl");
	curl_easy_setopt(c, CURLOPT_URL, x->it->url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PROGRAM_NAME "/" CU_VERSION);
	/* pre-signed: no credentials of ours, ever, on any hop */
	curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_NONE);
	curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, loopback ? "http,https" :
	    "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, loopback ?
	    "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	/* a stalled transfer: under 1 kB/s for 60 s */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	if (x->have > 0)
		curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE,
		    (curl_off_t)x->have);
	if (o->verbose) {
		char *shown = api_url_display(x->it->url);

		fprintf(stderr, "%s: GET %s%s\n", PROGRAM_NAME, shown,
		    x->have ? " (resuming)" : "");
		free(shown);
	}
	curl_multi_add_handle(m, c);
	return 0;
}

/* Close the transfer's handle and file. */
static int
xfer_end(CURLM *m, struct xfer *x)
{
	int ret = 0;

	curl_multi_remove_handle(m, x->curl);
	curl_easy_cleanup(x->curl);
	x->curl = NULL;
	if (fclose(x->f) != 0)
		ret = -1;
	x->f = NULL;
	return ret;
}

enum verdict { V_DONE, V_VERIFY, V_RETRY, V_RESTART, V_EXPIRED, V_FAIL };

static enum verdict
xfer_finish(struct xfer *x, CURLcode rc, const struct dl_opts *o, int *code)
{
	struct dl_item *it = x->it;
	long status = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (o->verbose)
		fprintf(stderr, "%s: %s -> %ld%s%s\n", PROGRAM_NAME, it->label,
		    status, rc != CURLE_OK ? ", " : "", rc != CURLE_OK ?
		    (x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc)) : "");
	if (rc == CURLE_RANGE_ERROR || (rc == CURLE_OK && x->have > 0 &&
	    status == 200)) {
		/* the server sent the whole file again, or refused the range */
		return V_RESTART;
	}
	if (rc == CURLE_OK && status == 416)
		return V_RESTART;
	if (rc == CURLE_OK && status == 403)
		return V_EXPIRED;
	if (rc == CURLE_OK && (status == 429 || status >= 500))
		return V_RETRY;
	if (rc == CURLE_OK && status >= 400) {
		error("%s: download failed: HTTP %ld", it->label, status);
		*code = EXIT_API_REJECTED;
		return V_FAIL;
	}
	if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_UNSUPPORTED_PROTOCOL) {
		error("%s: download failed: %s", it->label, x->errbuf[0] ?
		    x->errbuf : curl_easy_strerror(rc));
		*code = EXIT_UNREACHABLE;
		return V_FAIL;
	}
	if (rc != CURLE_OK)
		return V_RETRY;		/* truncated, reset, stalled: resume */
	return V_VERIFY;
}

static void *
verify_main(void *arg)
{
	struct xfer *x = arg;

	x->vret = download_verify(x->partial, &x->it->bytes, &x->it->rows,
	    x->it->sha256, x->verr, sizeof(x->verr));
	atomic_store(&x->verified, 1);
	curl_multi_wakeup(x->multi);
	return NULL;
}

/* The check is over: rename the part into place, or fetch it again. */
static enum verdict
verify_end(struct xfer *x, const struct dl_opts *o, int *code)
{
	struct dl_item *it = x->it;

	pthread_join(x->tid, NULL);
	x->verifying = 0;
	atomic_store(&x->verified, 0);
	if (x->vret < 0) {
		if (!o->quiet)
			warning("%s: the download is not a complete export "
			    "part (%s); fetching it again", it->label, x->verr);
		return V_RESTART;
	}
	if (rename(x->partial, it->path) < 0) {
		error("cannot rename '%s' to '%s': %s", x->partial, it->path,
		    strerror(errno));
		*code = EXIT_FAILURE_OTHER;
		return V_FAIL;
	}
	return V_DONE;
}

static void
live_line(struct xfer *xs, size_t n, size_t done, size_t total)
{
	char line[512], b[32];
	size_t i, len;

	len = (size_t)snprintf(line, sizeof(line), "\r%zu/%zu parts", done,
	    total);
	for (i = 0; i < n && len < sizeof(line) - 40; i++) {
		curl_off_t now = 0, all = 0;

		if (xs[i].curl == NULL)
			continue;
		curl_easy_getinfo(xs[i].curl, CURLINFO_SIZE_DOWNLOAD_T, &now);
		curl_easy_getinfo(xs[i].curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &all);
		human_bytes((double)(now + (curl_off_t)xs[i].have), b,
		    sizeof(b));
		if (all > 0)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "  %s %s %d%%", xs[i].it->label, b,
			    (int)(100 * (now + (curl_off_t)xs[i].have) /
			    (all + (curl_off_t)xs[i].have)));
		else
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "  %s %s", xs[i].it->label, b);
	}
	fprintf(stderr, "%s\033[K", line);
	fflush(stderr);
}

static int
queued_any(const struct xfer *xs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (xs[i].queued)
			return 1;
	return 0;
}

/* What to do after a transfer or a check ended with verdict v. */
static void
settle(struct xfer *x, enum verdict v, CURLcode rc, const struct dl_opts *o,
    double *not_before, size_t *done, int *code)
{
	switch (v) {
	case V_DONE:
		x->it->done = 1;
		(*done)++;
		if (o->live)
			fputs("\r\033[K", stderr);
		if (!o->quiet) {
			char b[32];

			human_bytes((double)x->it->bytes, b, sizeof(b));
			fprintf(stderr, "%s: downloaded %s (%s, %llu rows)\n",
			    PROGRAM_NAME, x->it->path, b,
			    (unsigned long long)x->it->rows);
		}
		break;
	case V_EXPIRED:
		x->it->expired = 1;
		unlink(x->partial);
		break;
	case V_RESTART:
		unlink(x->partial);
		/* FALLTHROUGH */
	case V_RETRY:
		if (++x->it->attempts >= DL_MAX_ATTEMPTS) {
			error("%s: download failed %u times: %s", x->it->label,
			    x->it->attempts, x->errbuf[0] ? x->errbuf :
			    "incomplete or corrupt");
			*code = EXIT_UNREACHABLE;
			break;
		}
		if (!o->quiet && !o->live && v == V_RETRY)
			warning("%s: download incomplete (%s); resuming",
			    x->it->label, x->errbuf[0] ? x->errbuf :
			    curl_easy_strerror(rc));
		*not_before = api_clock() + (x->it->attempts > 1 ?
		    api_backoff(x->it->attempts - 2) : 0);
		break;
	case V_VERIFY:
	case V_FAIL:
		break;
	}
}

int
download_all(struct dl_item *items, size_t n, const struct dl_opts *o)
{
	CURLM *m = curl_multi_init();
	struct xfer *xs = xcalloc(n ? n : 1, sizeof(*xs));
	double *not_before = xcalloc(n ? n : 1, sizeof(*not_before));
	size_t active = 0, verifying = 0, done = 0, i, total = 0;
	size_t max_verify = (size_t)cpu_count();
	int code = 0, running = 0;
	double last_live = 0;

	if (m == NULL)
		die(EXIT_FAILURE_OTHER, "cannot start libcurl");
	for (i = 0; i < n; i++) {
		xs[i].it = &items[i];
		if (!items[i].done && !items[i].expired)
			total++;
	}
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)o->parallel);
	for (;;) {
		CURLMsg *msg;
		int left;
		double now = api_clock(), soonest = -1;

		/* checks that are over */
		for (i = 0; i < n && verifying; i++) {
			struct xfer *x = &xs[i];

			if (x->verifying && atomic_load(&x->verified)) {
				enum verdict v = verify_end(x, o, &code);

				verifying--;
				settle(x, v, CURLE_OK, o, &not_before[i], &done,
				    &code);
			}
		}
		/* checks waiting for a free checker */
		for (i = 0; i < n && verifying < max_verify; i++) {
			struct xfer *x = &xs[i];

			if (!x->queued)
				continue;
			x->queued = 0;
			x->verifying = 1;
			x->multi = m;
			verifying++;
			if (pthread_create(&x->tid, NULL, verify_main, x) != 0)
				die(EXIT_FAILURE_OTHER, "cannot start a thread");
		}
		/* start what may start */
		for (i = 0; i < n && active < (size_t)o->parallel && !code;
		    i++) {
			struct xfer *x = &xs[i];

			if (x->curl != NULL || x->verifying || x->queued ||
			    x->it->done || x->it->expired)
				continue;
			if (not_before[i] > now) {
				if (soonest < 0 || not_before[i] < soonest)
					soonest = not_before[i];
				continue;
			}
			if (xfer_start(m, x, o) < 0) {
				code = EXIT_FAILURE_OTHER;
				break;
			}
			active++;
		}
		if (code && verifying == 0)
			break;
		if (active == 0 && verifying == 0 && !queued_any(xs, n)) {
			if (soonest < 0)
				break;		/* nothing left to do */
			if (soonest > o->deadline) {
				error("downloads did not finish before the "
				    "timeout");
				code = EXIT_UNREACHABLE;
				break;
			}
			api_sleep(soonest - now, o->deadline);
			continue;
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct xfer *x;
			enum verdict v;
			CURLcode rc;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&x);
			rc = msg->data.result;
			v = xfer_finish(x, rc, o, &code);
			if (fflush(x->f) != 0 || ferror(x->f)) {
				error("cannot write '%s': %s", x->partial,
				    strerror(errno));
				v = V_FAIL;
				code = EXIT_FAILURE_OTHER;
			}
			if (xfer_end(m, x) < 0 && v != V_FAIL) {
				error("cannot write '%s': %s", x->partial,
				    strerror(errno));
				v = V_FAIL;
				code = EXIT_FAILURE_OTHER;
			}
			active--;
			if (v == V_VERIFY) {
				/* checked on a thread, while the others
				 * download (see the top of the loop) */
				x->queued = 1;
				continue;
			}
			settle(x, v, rc, o, &not_before[x - xs], &done, &code);
		}
		if (!code && api_clock() > o->deadline) {
			error("downloads did not finish before the timeout");
			code = EXIT_UNREACHABLE;
		}
		if (o->live && api_clock() - last_live > 0.2) {
			live_line(xs, n, done, total);
			last_live = api_clock();
		}
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	if (o->live)
		fputs("\r\033[K", stderr);
	for (i = 0; i < n; i++) {
		if (xs[i].verifying)
			pthread_join(xs[i].tid, NULL);
		if (xs[i].curl != NULL)
			xfer_end(m, &xs[i]);
		free(xs[i].partial);
	}
	curl_multi_cleanup(m);
	free(xs);
	free(not_before);
	return code;
}
