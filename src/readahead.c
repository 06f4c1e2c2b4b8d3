/*
 * readahead.c: a ring of buffers between an inflating thread and its
 * reader.  The producer fills a free slot to the brim (or to the end of
 * the input) and hands it over; the reader copies out of it and gives it
 * back.  One mutex, two condition variables; nothing is allocated after
 * the start.
 */
#include "readahead.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define RA_SLOTS 4
#define RA_SLOT_SIZE (1u << 20)

struct ra_slot {
	char *buf;
	size_t len;
};

struct readahead {
	struct gz *gz;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t filled;	/* a slot was filled, or the end came */
	pthread_cond_t freed;	/* a slot was freed, or stop was asked */
	struct ra_slot slots[RA_SLOTS];
	size_t head;		/* the slot the reader reads */
	size_t count;		/* filled slots waiting for the reader */
	size_t off;		/* read offset in slots[head] */
	int done;		/* producer finished: 1 end, -1 error */
	int stop;		/* the reader wants no more */
};

static void *
readahead_main(void *arg)
{
	struct readahead *ra = arg;
	size_t tail = 0;

	for (;;) {
		struct ra_slot *s;
		size_t len = 0;
		ssize_t n = 1;

		pthread_mutex_lock(&ra->lock);
		while (ra->count == RA_SLOTS && !ra->stop)
			pthread_cond_wait(&ra->freed, &ra->lock);
		if (ra->stop) {
			pthread_mutex_unlock(&ra->lock);
			break;
		}
		pthread_mutex_unlock(&ra->lock);

		/* the slot at tail is ours until it is counted */
		s = &ra->slots[tail];
		while (len < RA_SLOT_SIZE) {
			n = gz_read(ra->gz, s->buf + len, RA_SLOT_SIZE - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		s->len = len;

		pthread_mutex_lock(&ra->lock);
		if (len > 0) {
			ra->count++;
			tail = (tail + 1) % RA_SLOTS;
		}
		if (n <= 0)
			ra->done = n < 0 ? -1 : 1;
		pthread_cond_signal(&ra->filled);
		pthread_mutex_unlock(&ra->lock);
		if (n <= 0)
			break;
	}
	return NULL;
}

struct readahead *
readahead_start(struct gz *gz)
{
	struct readahead *ra = xcalloc(1, sizeof(*ra));
	size_t i;

	ra->gz = gz;
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->filled, NULL);
	pthread_cond_init(&ra->freed, NULL);
	for (i = 0; i < RA_SLOTS; i++)
		ra->slots[i].buf = xmalloc(RA_SLOT_SIZE);
	if (pthread_create(&ra->tid, NULL, readahead_main, ra) != 0)
		die(EXIT_FAILURE_OTHER, "cannot start a thread");
	return ra;
}

ssize_t
readahead_read(struct readahead *ra, void *buf, size_t len)
{
	struct ra_slot *s;
	size_t n;

	pthread_mutex_lock(&ra->lock);
	while (ra->count == 0 && !ra->done)
		pthread_cond_wait(&ra->filled, &ra->lock);
	if (ra->count == 0) {
		int done = ra->done;

		pthread_mutex_unlock(&ra->lock);
		return done < 0 ? -1 : 0;
	}
	pthread_mutex_unlock(&ra->lock);

	/* slots[head] is the reader's until it is given back */
	s = &ra->slots[ra->head];
	n = s->len - ra->off;
	if (n > len)
		n = len;
	memcpy(buf, s->buf + ra->off, n);
	ra->off += n;
	if (ra->off == s->len) {
		pthread_mutex_lock(&ra->lock);
		ra->off = 0;
		ra->head = (ra->head + 1) % RA_SLOTS;
		ra->count--;
		pthread_cond_signal(&ra->freed);
		pthread_mutex_unlock(&ra->lock);
	}
	return (ssize_t)n;
}

void
readahead_stop(struct readahead *ra)
{
	size_t i;

	if (ra == NULL)
		return;
	pthread_mutex_lock(&ra->lock);
	ra->stop = 1;
	pthread_cond_signal(&ra->freed);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->tid, NULL);
	pthread_mutex_destroy(&ra->lock);
	pthread_cond_destroy(&ra->filled);
	pthread_cond_destroy(&ra->freed);
	for (i = 0; i < RA_SLOTS; i++)
		free(ra->slots[i].buf);
	free(ra);
}
