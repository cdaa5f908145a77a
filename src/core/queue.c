/* queue.c - a thread-safe FIFO of pointers with an optional wake pipe.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A ring buffer that doubles when full, under one mutex; a condition
 * variable on CLOCK_MONOTONIC for queue_wait (a wall-clock jump must not
 * stretch or cut a time-out). The wake pipe is non-blocking at both ends:
 * a byte is written when the queue goes from empty to non-empty, and the
 * pipe is drained, still under the mutex, when a pop takes the last item.
 * So a poll() on the read end sees it readable exactly while items may be
 * waiting, and never blocks anyone on a full or empty pipe.
 */
#define _GNU_SOURCE	/* pipe2 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "util.h"

#define QUEUE_MIN_CAP 16

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	void **items;		/* (cap) ring */
	size_t cap, head, count;
	int fd[2];		/* wake pipe: read, write; -1 without */
};

queue *
queue_create(int with_pipe)
{
	queue *q = xcalloc(1, sizeof *q);
	pthread_condattr_t ca;

	q->fd[0] = q->fd[1] = -1;
	if (with_pipe && pipe2(q->fd, O_CLOEXEC | O_NONBLOCK) == -1) {
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_condattr_destroy(&ca);
	q->cap = QUEUE_MIN_CAP;
	q->items = xreallocarray(NULL, q->cap, sizeof *q->items);
	return q;
}

void
queue_free(queue *q, void (*free_item)(void *))
{
	if (q == NULL)
		return;
	if (free_item != NULL) {
		for (size_t i = 0; i < q->count; i++)
			free_item(q->items[(q->head + i) % q->cap]);
	}
	if (q->fd[0] != -1)
		close(q->fd[0]);
	if (q->fd[1] != -1)
		close(q->fd[1]);
	pthread_cond_destroy(&q->nonempty);
	pthread_mutex_destroy(&q->lock);
	free(q->items);
	free(q);
}

/* Called with the lock held. */
static void
wake(queue *q)
{
	char b = 1;

	/* EAGAIN: the pipe is full, so it is readable already. */
	while (write(q->fd[1], &b, 1) == -1 && errno == EINTR)
		;
}

/* Called with the lock held. */
static void
drain(queue *q)
{
	char buf[64];
	ssize_t n;

	do {
		n = read(q->fd[0], buf, sizeof buf);
	} while (n > 0 || (n == -1 && errno == EINTR));
}

static void
grow(queue *q)
{
	size_t ncap = 2 * q->cap;
	void **n = xreallocarray(NULL, ncap, sizeof *n);

	for (size_t i = 0; i < q->count; i++)
		n[i] = q->items[(q->head + i) % q->cap];
	free(q->items);
	q->items = n;
	q->cap = ncap;
	q->head = 0;
}

void
queue_push(queue *q, void *item)
{
	pthread_mutex_lock(&q->lock);
	if (q->count == q->cap)
		grow(q);
	q->items[(q->head + q->count) % q->cap] = item;
	if (q->count++ == 0 && q->fd[1] != -1)
		wake(q);
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

/* Called with the lock held: the oldest item or NULL; drains the pipe when
 * the queue is (or becomes) empty. */
static void *
take(queue *q)
{
	void *item = NULL;

	if (q->count > 0) {
		item = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	if (q->count == 0 && q->fd[0] != -1)
		drain(q);
	return item;
}

void *
queue_pop(queue *q)
{
	pthread_mutex_lock(&q->lock);
	void *item = take(q);
	pthread_mutex_unlock(&q->lock);
	return item;
}

void *
queue_wait(queue *q, double timeout_s)
{
	struct timespec dl;

	if (timeout_s >= 0.0) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		if (timeout_s > 1e9)
			timeout_s = 1e9;
		time_t sec = (time_t)timeout_s;
		long ns = (long)((timeout_s - (double)sec) * 1e9);
		dl.tv_sec += sec;
		dl.tv_nsec += ns;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&q->lock);
	while (q->count == 0) {
		if (timeout_s < 0.0)
			pthread_cond_wait(&q->nonempty, &q->lock);
		else if (pthread_cond_timedwait(&q->nonempty, &q->lock,
		    &dl) == ETIMEDOUT)
			break;
	}
	void *item = q->count > 0 ? take(q) : NULL;
	pthread_mutex_unlock(&q->lock);
	return item;
}

int
queue_fd(const queue *q)
{
	return q->fd[0];
}
