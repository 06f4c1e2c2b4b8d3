/*
 * loopback.h: a canned HTTP server on 127.0.0.1 for the unit tests of the
 * API client and the downloads: a child process that answers each
 * connection with the next of a list of answers (the last one again and
 * again) and logs the requests.  Header-only, as unit.h.
 */
#ifndef CU_LOOPBACK_H
#define CU_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include "unit.h"

/* One answer: `len` bytes of `data` (0: strlen). */
struct canned {
	const char *data;
	size_t len;
};

struct server {
	pid_t pid;
	int port;
	char *log;		/* every request, as received */
};

/* Read one request (headers and a Content-Length body) from fd. */
static inline size_t
read_request(int fd, char *buf, size_t cap)
{
	size_t n = 0, want = 0;
	char *end;

	while (n < cap - 1) {
		ssize_t k = read(fd, buf + n, cap - 1 - n);

		if (k <= 0)
			break;
		n += (size_t)k;
		buf[n] = '\0';
		if ((unsigned char)buf[0] == 0x16)
			break;		/* a TLS handshake: answer in plain */
		if ((end = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");

			want = (size_t)(end + 4 - buf);
			if (cl != NULL && cl < end)
				want += strtoul(cl + 17, NULL, 10);
			if (n >= want)
				break;
		}
	}
	buf[n] = '\0';
	return n;
}

/*
 * Serve answers[0], answers[1], ... one per connection (the last one
 * again and again), each with Connection: close, and append every
 * request to s->log.
 */
static inline void
server_start(struct server *s, const struct canned *answers, size_t n)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	char *dir = unit_tmpdir();

	s->log = unit_path(dir, "requests");
	free(dir);
	assert_true(ls >= 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 16), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &len), 0);
	s->port = ntohs(sa.sin_port);
	fflush(NULL);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		size_t i;
		static char req[1 << 16];

		for (i = 0;; i++) {
			const struct canned *a = &answers[i < n ? i : n - 1];
			size_t alen = a->len ? a->len : strlen(a->data);
			int c = accept(ls, NULL, NULL);
			size_t k;
			FILE *f;

			if (c < 0)
				_exit(1);
			k = read_request(c, req, sizeof(req));
			if ((f = fopen(s->log, "a")) != NULL) {
				fwrite(req, 1, k, f);
				fputs("\n----\n", f);
				fclose(f);
			}
			if (write(c, a->data, alen) < 0)
				_exit(1);
			shutdown(c, SHUT_WR);
			close(c);
		}
	}
	close(ls);
}

/* Stop the server; returns what it received (free() it). */
static inline char *
server_stop(struct server *s)
{
	char *got, *dir;
	struct stat st;

	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	got = stat(s->log, &st) == 0 ? unit_read(s->log, NULL) : xstrdup("");
	unlink(s->log);
	dir = xstrndup(s->log, strrchr(s->log, '/') - s->log);
	rmdir(dir);
	free(dir);
	free(s->log);
	return got;
}

/* Answer with HTTP status `status` ("200 OK"), Connection: close. */
#define HTTP(status, extra, body) \
	"HTTP/1.1 " status "\r\nContent-Type: application/json\r\n" extra \
	"Connection: close\r\n\r\n" body

#endif
