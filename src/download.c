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
#include "out.h"
#include "net.h"
#include "progress.h"
#include "redact.h"
#include "statusline.h"
#include "util.h"

#define DL_MAX_ATTEMPTS 8

struct xfer {
	struct dl_item *it;
	CURL *curl;
	struct net_guard guard;	/* net.h's rule, on every connection */
	char *url;		/* the hop being fetched: a redirect's target,
				 * or NULL for it->url */
	unsigned hops;		/* redirects followed this attempt */
	int wfd;		/* the .partial, appended to by the transfer */
	char *partial;
	uint64_t have;		/* bytes already in the .partial file */
	uint64_t got;		/* bytes this attempt */
	uint64_t received;	/* bytes all attempts */
	char errbuf[CURL_ERROR_SIZE];
	char werr[256];		/* why writing the .partial failed: curl
				 * overwrites errbuf with its own words */
	uint64_t max_part;	/* the cap on a part's size (dl_opts) */
	int too_big;		/* the body went past max_part */
	/*
	 * The check runs on a thread of its own from the first byte: it
	 * reads the .partial as it grows (inflating, counting rows, hashing),
	 * so that it ends soon after the transfer does.
	 */
	pthread_t tid;
	int verifying;		/* the thread exists */
	int fetched;		/* the transfer is over; the check decides */
	CURLM *multi;		/* to wake the loop when the check ends */
	atomic_int verified;	/* it ended: vret and verr hold the result */
	int vret;
	char verr[512];
	struct vsrc *src;
	pthread_mutex_t mu;	/* guards written, finished, aborted */
	pthread_cond_t cv;
	uint64_t written;	/* bytes the transfer has written */
	int finished;		/* no more bytes will come */
	int aborted;		/* the file is going away: stop */
};

/* Raw bytes for the check: a whole file, or a transfer's growing file. */
struct vsrc {
	int fd;
	EVP_MD_CTX *md;
	uint64_t bytes;
	struct xfer *x;		/* NULL: the file is whole */
};

static ssize_t
vsrc_read(void *ctx, void *buf, size_t len, char *err, size_t errlen)
{
	struct vsrc *s = ctx;
	struct xfer *x = s->x;

	for (;;) {
		uint64_t seen = 0;
		int fin = 1;
		ssize_t n;

		if (x != NULL) {
			pthread_mutex_lock(&x->mu);
			if (x->aborted) {
				pthread_mutex_unlock(&x->mu);
				snprintf(err, errlen, "the download was "
				    "abandoned");
				return -1;
			}
			fin = x->finished;
			seen = x->written;
			pthread_mutex_unlock(&x->mu);
		}
		do {
			n = read(s->fd, buf, len);
		} while (n < 0 && errno == EINTR);
		if (n < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		if (n > 0) {
			if (EVP_DigestUpdate(s->md, buf, (size_t)n) != 1)
				die(EXIT_FAILURE_OTHER, "SHA-256 failed");
			s->bytes += (uint64_t)n;
			return n;
		}
		if (fin)
			return 0;
		/* at the end of what has arrived: wait for more */
		pthread_mutex_lock(&x->mu);
		while (!x->finished && !x->aborted && x->written == seen)
			pthread_cond_wait(&x->cv, &x->mu);
		pthread_mutex_unlock(&x->mu);
	}
}

static ssize_t
gz_read_cb(void *ctx, void *buf, size_t len)
{
	return gz_read(ctx, buf, len);
}

/* Check the stream of s (see download_verify); fd is s's to close. */
static int
verify_stream(const char *name, struct vsrc *s, uint64_t *bytes,
    uint64_t *rows, char sha256[65], char *err, size_t errlen)
{
	struct gz *gz;
	struct csv_reader *csv;
	struct csv_record rec;
	uint64_t records = 0;
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned mdlen = 0, i;
	ssize_t n;
	int ret;

	s->md = EVP_MD_CTX_new();
	if (s->md == NULL || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
		die(EXIT_FAILURE_OTHER, "cannot start SHA-256");
	s->bytes = 0;
	gz = gz_open_source(name, vsrc_read, s);
	csv = csv_reader_new(gz_read_cb, gz, 1, 64u << 20);
	while ((ret = csv_reader_next(csv, &rec)) > 0)
		records++;
	if (ret < 0)
		snprintf(err, errlen, "%s", gz_error(gz)[0] ? gz_error(gz) :
		    csv_reader_error(csv));
	csv_reader_free(csv);
	gz_close(gz);
	/* whatever follows the stream counts in the hash */
	if (ret == 0) {
		char e[256];

		while ((n = vsrc_read(s, buf, sizeof(buf), e, sizeof(e))) > 0)
			;
		if (n < 0) {
			snprintf(err, errlen, "cannot read '%s': %s", name, e);
			ret = -1;
		}
	}
	EVP_DigestFinal_ex(s->md, md, &mdlen);
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
	close(s->fd);
	if (ret < 0)
		return -1;
	*rows = records > 0 ? records - 1 : 0;	/* less the header */
	*bytes = s->bytes;
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(sha256 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
download_verify(const char *path, uint64_t *bytes, uint64_t *rows,
    char sha256[65], char *err, size_t errlen)
{
	struct vsrc s;

	memset(&s, 0, sizeof(s));
	s.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s.fd < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	return verify_stream(path, &s, bytes, rows, sha256, err, errlen);
}

static size_t
xfer_write(char *data, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n, off = 0;
	long status = 0;

	/* an error page is not part of the file */
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 && status != 206)
		return len;
	/* an endless body: refused at the cap, never written past it */
	if (x->max_part > 0 && x->have + x->got + len > x->max_part) {
		x->too_big = 1;
		return 0;
	}
	while (off < len) {
		ssize_t k = write(x->wfd, data + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			snprintf(x->werr, sizeof(x->werr), "cannot write "
			    "'%s': %s", x->partial, strerror(errno));
			return 0;
		}
		off += (size_t)k;
	}
	x->got += len;
	x->received += len;
	pthread_mutex_lock(&x->mu);
	x->written += len;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	return len;
}

/* Clear the caller's live line before a message (see dl_opts.live). */
static void
unlive(const struct dl_opts *o)
{
	if (o->live)
		statusline_erase();
}

static int check_start(struct xfer *x);

/*
 * Start (or resume) the transfer of x->it, at its current hop.  Returns
 * 0, or an exit code after printing the error.
 */
static int
xfer_start(CURLM *m, struct xfer *x, const struct dl_opts *o)
{
	const char *url = x->url ? x->url : x->it->url;
	struct stat st;
	char err[sizeof(x->guard.why)];
	CURL *c;

	/* the URL the API handed out: the rule of every hop (net.h);
	 * redirect targets were checked as they came (xfer_finish) */
	if (net_hop_check(url, NULL, o->allow_http, 1, err, sizeof(err)) <
	    0) {
		unlive(o);
		error("%s: download URL refused: %s", x->it->label, err);
		return EXIT_REFUSED;
	}
	if (x->partial == NULL)
		x->partial = xasprintf("%s.partial", x->it->path);
	x->have = stat(x->partial, &st) == 0 ? (uint64_t)st.st_size : 0;
	x->wfd = open(x->partial, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    (x->have ? 0 : O_TRUNC), 0644);
	if (x->wfd < 0) {
		unlive(o);
		error("cannot write '%s': %s", x->partial, strerror(errno));
		return EXIT_FAILURE_OTHER;
	}
	/* a part fetched again over a bad one keeps its mode and owner */
	if (out_inherit(x->wfd, x->it->path) < 0) {
		unlive(o);
		close(x->wfd);
		return EXIT_FAILURE_OTHER;
	}
	x->got = 0;
	x->errbuf[0] = '\0';
	x->werr[0] = '\0';
	x->max_part = o->max_part;
	x->too_big = 0;
	if (!x->verifying && check_start(x) < 0) {
		close(x->wfd);
		return EXIT_FAILURE_OTHER;
	}
	c = x->curl = curl_easy_init();
	if (c == NULL)
		die(EXIT_FAILURE_OTHER, "cannot start libcurl");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, x);
	curl_easy_setopt(c, CURLOPT_USERAGENT, PROGRAM_NAME "/" CU_VERSION);
	/* pre-signed: no credentials of ours, ever, on any hop */
	curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_NONE);
	curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
	/* redirects are followed here, one hop at a time, each target
	 * checked before any connection to it (xfer_finish) */
	net_guard_setup(&x->guard, c, o->allow_http, 1);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	/* a stalled transfer: under 1 kB/s for 60 s */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, xfer_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
	if (x->have > 0)
		curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE,
		    (curl_off_t)x->have);
	/* a declared length past the cap fails at once (xfer_write caps
	 * what is actually sent) */
	if (o->max_part > x->have)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)(o->max_part - x->have));
	if (o->verbose) {
		char *shown = net_url_display(url, 1);

		notice("GET %s%s", shown, x->have ? " (resuming)" : "");
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
	if (close(x->wfd) != 0)
		ret = -1;
	x->wfd = -1;
	return ret;
}

enum verdict {
	V_DONE, V_VERIFY, V_RETRY, V_RESTART, V_EXPIRED, V_FAIL, V_REDIRECT
};

/*
 * A redirect to `target` (NULL: no Location libcurl could read): the next
 * hop, if the rule allows it and there have not been too many.  Nothing
 * is sent to a refused target, not even a connection.
 */
static enum verdict
xfer_redirect(struct xfer *x, long status, const char *target,
    const struct dl_opts *o, int *code)
{
	char err[sizeof(x->guard.why)];

	if (target == NULL)
		snprintf(err, sizeof(err), "no Location that can be read");
	else if (x->hops >= NET_MAX_REDIRECTS)
		snprintf(err, sizeof(err), "more than %d redirects",
		    NET_MAX_REDIRECTS);
	else if (net_hop_check(target, NULL, o->allow_http, 1, err,
	    sizeof(err)) == 0) {
		free(x->url);
		x->url = xstrdup(target);
		x->hops++;
		return V_REDIRECT;
	}
	unlive(o);
	error("%s: download refused: redirect %u (%ld) to %s", x->it->label,
	    x->hops + 1, status, err);
	*code = EXIT_REFUSED;
	return V_FAIL;
}

static enum verdict
xfer_finish(struct xfer *x, CURLcode rc, const struct dl_opts *o, int *code)
{
	struct dl_item *it = x->it;
	const char *target;
	long status = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (o->verbose)
		notice("%s -> %ld%s%s", it->label, status, rc != CURLE_OK ?
		    ", " : "", rc != CURLE_OK ? (x->errbuf[0] ? x->errbuf :
		    curl_easy_strerror(rc)) : "");
	if (rc == CURLE_ABORTED_BY_CALLBACK && x->guard.why[0]) {
		/* connected somewhere the rule refuses: nothing was sent */
		unlive(o);
		error("%s: download refused: %s", it->label, x->guard.why);
		*code = EXIT_REFUSED;
		return V_FAIL;
	}
	if (rc == CURLE_OK && net_redirect_target(x->curl, status, &target))
		return xfer_redirect(x, status, target, o, code);
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
	if (rc == CURLE_OK && status >= 300) {
		unlive(o);
		error("%s: download failed: HTTP %ld", it->label, status);
		*code = EXIT_API_REJECTED;
		return V_FAIL;
	}
	if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_UNSUPPORTED_PROTOCOL) {
		unlive(o);
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

	x->vret = verify_stream(x->partial, x->src, &x->it->bytes,
	    &x->it->rows, x->it->sha256, x->verr, sizeof(x->verr));
	atomic_store(&x->verified, 1);
	curl_multi_wakeup(x->multi);
	return NULL;
}

/* Start checking x's .partial as it grows.  Returns 0, or -1. */
static int
check_start(struct xfer *x)
{
	struct vsrc *s = xcalloc(1, sizeof(*s));

	s->fd = open(x->partial, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		free(s);
		return error("cannot read '%s': %s", x->partial,
		    strerror(errno));
	}
	s->x = x;
	x->src = s;
	x->written = x->have;
	x->finished = 0;
	x->aborted = 0;
	x->fetched = 0;
	atomic_store(&x->verified, 0);
	if (pthread_create(&x->tid, NULL, verify_main, x) != 0)
		die(EXIT_FAILURE_OTHER, "cannot start a thread");
	x->verifying = 1;
	return 0;
}

/* The transfer is over: the check reads to the end of the file. */
static void
check_finish(struct xfer *x)
{
	pthread_mutex_lock(&x->mu);
	x->finished = 1;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	x->fetched = 1;
}

static void
check_join(struct xfer *x)
{
	pthread_join(x->tid, NULL);
	free(x->src);
	x->src = NULL;
	x->verifying = 0;
	x->fetched = 0;
	atomic_store(&x->verified, 0);
}

/* Abandon the check (the file is going away). */
static void
check_stop(struct xfer *x)
{
	if (!x->verifying)
		return;
	pthread_mutex_lock(&x->mu);
	x->aborted = 1;
	pthread_cond_signal(&x->cv);
	pthread_mutex_unlock(&x->mu);
	check_join(x);
}

/* The check is over: rename the part into place, or fetch it again. */
static enum verdict
verify_end(struct xfer *x, const struct dl_opts *o, int *code)
{
	struct dl_item *it = x->it;

	check_join(x);
	if (x->vret < 0) {
		unlive(o);
		if (!o->quiet)
			warning("%s: the download is not a complete export "
			    "part (%s); fetching it again", it->label, x->verr);
		return V_RESTART;
	}
	if (rename(x->partial, it->path) < 0) {
		unlive(o);
		error("cannot rename '%s' to '%s': %s", x->partial, it->path,
		    strerror(errno));
		*code = EXIT_FAILURE_OTHER;
		return V_FAIL;
	}
	return V_DONE;
}

static void
progress(struct xfer *xs, size_t n, size_t done, size_t total,
    const struct dl_opts *o)
{
	struct dl_progress p;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.done = done;
	p.total = total;
	for (i = 0; i < n; i++) {
		struct xfer *x = &xs[i];
		curl_off_t now = 0, all = -1;

		p.received += x->received;
		if (x->it->done) {
			p.bytes += x->it->bytes;
			p.sized += x->it->bytes;
			p.nsized++;
			continue;
		}
		if (x->curl == NULL)
			continue;
		curl_easy_getinfo(x->curl, CURLINFO_SIZE_DOWNLOAD_T, &now);
		curl_easy_getinfo(x->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &all);
		p.bytes += x->have + (uint64_t)now;
		if (all >= 0) {
			p.sized += x->have + (uint64_t)all;
			p.nsized++;
		}
	}
	o->on_progress(o->ctx, &p);
}

/* What to do after a transfer or a check ended with verdict v. */
static void
settle(struct xfer *x, size_t i, enum verdict v, CURLcode rc,
    const struct dl_opts *o, double *not_before, size_t *done, int *code)
{
	if (v != V_REDIRECT && v != V_VERIFY) {
		/* a new attempt starts at the URL the API handed out */
		free(x->url);
		x->url = NULL;
		x->hops = 0;
	}
	switch (v) {
	case V_REDIRECT:
		*not_before = 0;	/* the next hop, at once */
		break;
	case V_DONE:
		x->it->done = 1;
		(*done)++;
		if (o->on_done != NULL && o->on_done(o->ctx, i) < 0 && !*code)
			*code = EXIT_FAILURE_OTHER;
		unlive(o);
		if (!o->quiet) {
			char b[32];

			progress_bytes((double)x->it->bytes, b, sizeof(b));
			notice("downloaded %s (%s, %llu rows)", x->it->path, b,
			    (unsigned long long)x->it->rows);
		}
		break;
	case V_EXPIRED:
		check_stop(x);
		x->it->expired = 1;
		unlink(x->partial);
		break;
	case V_RESTART:
		check_stop(x);
		unlink(x->partial);
		/* FALLTHROUGH */
	case V_RETRY:
		if (++x->it->attempts >= DL_MAX_ATTEMPTS) {
			unlive(o);
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
	case V_FAIL:
		check_stop(x);
		/* a local failure (a disk full): give the space back, leave
		 * no .partial; the next run starts the part again */
		if (*code == EXIT_FAILURE_OTHER)
			unlink(x->partial);
		break;
	case V_VERIFY:
		break;
	}
}

int
download_all(struct dl_item *items, size_t n, const struct dl_opts *o)
{
	CURLM *m = curl_multi_init();
	struct xfer *xs = xcalloc(n ? n : 1, sizeof(*xs));
	double *not_before = xcalloc(n ? n : 1, sizeof(*not_before));
	size_t active = 0, done = 0, i, total = 0;
	int code = 0, running = 0;
	double last_progress = 0;

	if (m == NULL)
		die(EXIT_FAILURE_OTHER, "cannot start libcurl");
	for (i = 0; i < n; i++) {
		xs[i].it = &items[i];
		xs[i].wfd = -1;
		xs[i].multi = m;
		pthread_mutex_init(&xs[i].mu, NULL);
		pthread_cond_init(&xs[i].cv, NULL);
		if (!items[i].done && !items[i].expired)
			total++;
	}
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)o->parallel);
	for (;;) {
		CURLMsg *msg;
		int left, checking = 0;
		double now = api_clock(), soonest = -1;

		/* checks that are over, of transfers that are over */
		for (i = 0; i < n; i++) {
			struct xfer *x = &xs[i];

			if (x->verifying && x->fetched &&
			    atomic_load(&x->verified)) {
				enum verdict v = verify_end(x, o, &code);

				settle(x, i, v, CURLE_OK, o, &not_before[i],
				    &done, &code);
			}
			if (x->fetched)
				checking++;
		}
		/* start what may start */
		for (i = 0; i < n && active < (size_t)o->parallel && !code;
		    i++) {
			struct xfer *x = &xs[i];

			if (x->curl != NULL || x->fetched || x->it->done ||
			    x->it->expired)
				continue;
			if (not_before[i] > now) {
				if (soonest < 0 || not_before[i] < soonest)
					soonest = not_before[i];
				continue;
			}
			if ((code = xfer_start(m, x, o)) != 0)
				break;
			active++;
		}
		if (code && checking == 0)
			break;
		if (active == 0 && checking == 0) {
			if (soonest < 0)
				break;		/* nothing left to do */
			if (soonest > o->deadline) {
				unlive(o);
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
			/* curl's words may quote a server: printed masked */
			if (x->errbuf[0]) {
				char *why = redact(x->errbuf);

				snprintf(x->errbuf, sizeof(x->errbuf), "%s", why);
				free(why);
			}
			if (rc == CURLE_WRITE_ERROR && x->werr[0]) {
				unlive(o);
				error("%s", x->werr);
				v = V_FAIL;
				code = EXIT_FAILURE_OTHER;
			} else if (x->too_big ||
			    rc == CURLE_FILESIZE_EXCEEDED) {
				char b[32];

				progress_bytes((double)o->max_part, b, sizeof(b));
				unlive(o);
				error("%s: the download is larger than %s "
				    "(--max-part-size); refusing it",
				    x->it->label, b);
				v = V_FAIL;
				code = EXIT_API_REJECTED;
				unlink(x->partial);
			} else {
				v = xfer_finish(x, rc, o, &code);
			}
			if (xfer_end(m, x) < 0 && v != V_FAIL) {
				unlive(o);
				error("cannot write '%s': %s", x->partial,
				    strerror(errno));
				v = V_FAIL;
				code = EXIT_FAILURE_OTHER;
			}
			active--;
			if (v == V_VERIFY) {
				/* the check reads the rest and decides (see
				 * the top of the loop) */
				check_finish(x);
				continue;
			}
			settle(x, (size_t)(x - xs), v, rc, o,
			    &not_before[x - xs], &done, &code);
		}
		if (!code && api_clock() > o->deadline) {
			unlive(o);
			error("downloads did not finish before the timeout");
			code = EXIT_UNREACHABLE;
		}
		if (o->on_progress != NULL &&
		    api_clock() - last_progress > 0.2) {
			progress(xs, n, done, total, o);
			last_progress = api_clock();
		}
		curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	unlive(o);
	for (i = 0; i < n; i++) {
		if (xs[i].curl != NULL)
			xfer_end(m, &xs[i]);
		if (xs[i].verifying && xs[i].fetched && !code)
			check_join(&xs[i]);
		else
			check_stop(&xs[i]);
		if (!items[i].done && xs[i].partial != NULL) {
			struct stat st;

			/* a local failure gives the space back; an empty
			 * .partial (an error page, nothing of the part) has
			 * nothing to resume */
			if (code == EXIT_FAILURE_OTHER ||
			    (stat(xs[i].partial, &st) == 0 && st.st_size == 0))
				unlink(xs[i].partial);
		}
		free(xs[i].partial);
		free(xs[i].url);
		pthread_mutex_destroy(&xs[i].mu);
		pthread_cond_destroy(&xs[i].cv);
	}
	curl_multi_cleanup(m);
	free(xs);
	free(not_before);
	return code;
}
