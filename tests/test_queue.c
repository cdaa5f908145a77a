/* test_queue.c - FIFO order, time-outs, the wake pipe, many threads.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Meant to pass under ThreadSanitizer too (./configure --enable-tsan).
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "tap.h"
#include "util.h"

#define NPROD 4
#define NCONS 2
#define PER_PROD 50000

/* Items are non-NULL integers in pointers: 1 + producer * PER_PROD + seq. */
#define ITEM(p, i) ((void *)(uintptr_t)(1 + (size_t)(p) * PER_PROD + (i)))
#define STOP ((void *)(uintptr_t)(1 + NPROD * PER_PROD))

static int
readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void
test_fifo(void)
{
	queue *q = queue_create(0);
	int good = 1;

	ok(q != NULL && queue_fd(q) == -1, "without a pipe queue_fd is -1");
	ok(queue_pop(q) == NULL, "pop on an empty queue is NULL");
	/* Interleave so the ring wraps, then grow past its first size. */
	for (size_t i = 0; i < 10; i++)
		queue_push(q, ITEM(0, i));
	for (size_t i = 0; i < 10; i++)
		good &= queue_pop(q) == ITEM(0, i);
	for (size_t i = 0; i < 1000; i++)
		queue_push(q, ITEM(0, i));
	for (size_t i = 0; i < 500; i++)
		good &= queue_pop(q) == ITEM(0, i);
	for (size_t i = 1000; i < 1500; i++)
		queue_push(q, ITEM(0, i));
	for (size_t i = 500; i < 1500; i++)
		good &= queue_pop(q) == ITEM(0, i);
	ok(good, "FIFO order across wrap-around and growth");
	ok(queue_pop(q) == NULL, "empty again after popping everything");
	queue_free(q, NULL);
}

static int nfreed;

static void
count_free(void *p)
{
	nfreed++;
}

static void
test_free(void)
{
	queue *q = queue_create(1);

	for (size_t i = 0; i < 7; i++)
		queue_push(q, ITEM(0, i));
	queue_pop(q);
	queue_free(q, count_free);
	ok(nfreed == 6, "queue_free hands the 6 remaining items to free_item");
	queue_free(NULL, NULL);
}

static void *
push_later(void *arg)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	queue_push(arg, ITEM(0, 42));
	return NULL;
}

static void
test_wait(void)
{
	queue *q = queue_create(0);
	double t0 = now_seconds();
	void *item = queue_wait(q, 0.05);
	double dt = now_seconds() - t0;
	pthread_t th;

	ok(item == NULL && dt >= 0.049 && dt < 1.0,
	    "queue_wait(0.05) on an empty queue times out after %.1f ms",
	    dt * 1e3);
	t0 = now_seconds();
	item = queue_wait(q, 0.0);
	dt = now_seconds() - t0;
	ok(item == NULL && dt < 0.02, "queue_wait(0) returns at once");
	queue_push(q, ITEM(0, 1));
	ok(queue_wait(q, 0.0) == ITEM(0, 1),
	    "queue_wait(0) takes a waiting item");

	pthread_create(&th, NULL, push_later, q);
	t0 = now_seconds();
	item = queue_wait(q, -1.0);
	dt = now_seconds() - t0;
	pthread_join(th, NULL);
	ok(item == ITEM(0, 42) && dt >= 0.02,
	    "queue_wait(-1) blocks until a push from another thread "
	    "(%.1f ms)", dt * 1e3);
	pthread_create(&th, NULL, push_later, q);
	item = queue_wait(q, 5.0);
	pthread_join(th, NULL);
	ok(item == ITEM(0, 42), "queue_wait(5) wakes on a push well before "
	    "its time-out");
	queue_free(q, NULL);
}

static void
test_pipe(void)
{
	queue *q = queue_create(1);
	int fd = queue_fd(q);

	ok(fd >= 0, "with a pipe queue_fd is a descriptor");
	ok((fcntl(fd, F_GETFL) & O_NONBLOCK) &&
	    (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	    "the read end is non-blocking and close-on-exec");
	ok(!readable(fd), "not readable while empty");
	queue_push(q, ITEM(0, 1));
	ok(readable(fd), "readable after a push");
	queue_push(q, ITEM(0, 2));
	ok(queue_pop(q) == ITEM(0, 1) && readable(fd),
	    "still readable while an item waits");
	ok(queue_pop(q) == ITEM(0, 2) && !readable(fd),
	    "drained after the last pop");
	ok(queue_pop(q) == NULL && !readable(fd),
	    "pop on empty: still drained");
	queue_push(q, ITEM(0, 3));
	ok(readable(fd), "readable again after the next push");
	ok(queue_wait(q, 0.1) == ITEM(0, 3) && !readable(fd),
	    "queue_wait taking the last item drains it too");
	/* More items than a pipe holds bytes would not block a producer. */
	for (size_t i = 0; i < 100000; i++)
		queue_push(q, ITEM(0, i));
	ok(readable(fd), "readable with 100000 items queued");
	size_t n = 0;
	while (queue_pop(q) != NULL)
		n++;
	ok(n == 100000 && !readable(fd), "all 100000 popped, pipe drained");
	queue_free(q, NULL);
}

/* ---- many producers, many consumers ---------------------------------- */

struct consumer {
	queue *q;
	int use_poll;		/* poll() + queue_pop, or queue_wait */
	unsigned char *seen;	/* (NPROD * PER_PROD) counts, own copy */
	long last[NPROD];	/* last sequence number per producer */
	int order_ok;
	long n;
	int stalls;		/* poll() time-outs: lost wake-ups */
};

struct producer {
	queue *q;
	int id;
};

static void *
produce(void *arg)
{
	struct producer *p = arg;

	for (size_t i = 0; i < PER_PROD; i++)
		queue_push(p->q, ITEM(p->id, i));
	return NULL;
}

static void *
consume(void *arg)
{
	struct consumer *c = arg;

	for (;;) {
		void *item;

		if (c->use_poll) {
			item = queue_pop(c->q);
			if (item == NULL) {
				struct pollfd pf = { .fd = queue_fd(c->q),
					.events = POLLIN };
				if (poll(&pf, 1, 5000) == 0)
					c->stalls++;
				continue;
			}
		} else
			item = queue_wait(c->q, -1.0);
		if (item == STOP)
			break;
		size_t v = (uintptr_t)item - 1;
		int p = (int)(v / PER_PROD);
		long seq = (long)(v % PER_PROD);
		if (seq <= c->last[p])
			c->order_ok = 0;
		c->last[p] = seq;
		if (c->seen[v] < 255)
			c->seen[v]++;
		c->n++;
	}
	return NULL;
}

static void
test_threads(void)
{
	queue *q = queue_create(1);
	pthread_t pt[NPROD], ct[NCONS];
	struct producer prod[NPROD];
	struct consumer cons[NCONS];

	for (int i = 0; i < NCONS; i++) {
		memset(&cons[i], 0, sizeof cons[i]);
		cons[i].q = q;
		cons[i].use_poll = i % 2;
		cons[i].seen = xcalloc(NPROD * PER_PROD, 1);
		for (int p = 0; p < NPROD; p++)
			cons[i].last[p] = -1;
		cons[i].order_ok = 1;
		pthread_create(&ct[i], NULL, consume, &cons[i]);
	}
	for (int i = 0; i < NPROD; i++) {
		prod[i].q = q;
		prod[i].id = i;
		pthread_create(&pt[i], NULL, produce, &prod[i]);
	}
	for (int i = 0; i < NPROD; i++)
		pthread_join(pt[i], NULL);
	for (int i = 0; i < NCONS; i++)
		queue_push(q, STOP);
	for (int i = 0; i < NCONS; i++)
		pthread_join(ct[i], NULL);

	long missing = 0, dup = 0, total = 0;
	for (size_t v = 0; v < NPROD * PER_PROD; v++) {
		int s = 0;
		for (int i = 0; i < NCONS; i++)
			s += cons[i].seen[v];
		missing += s == 0;
		dup += s > 1;
	}
	for (int i = 0; i < NCONS; i++)
		total += cons[i].n;
	ok(missing == 0 && dup == 0 && total == NPROD * PER_PROD,
	    "%d producers x %d items, %d consumers: every item exactly once "
	    "(missing %ld, duplicated %ld)", NPROD, PER_PROD, NCONS, missing,
	    dup);
	ok(cons[0].order_ok && cons[1].order_ok,
	    "each consumer sees each producer's items in order");
	diag("consumed: %ld by queue_wait, %ld by poll + queue_pop",
	    cons[0].n, cons[1].n);
	ok(cons[1].stalls == 0, "the poll() consumer never missed a wake-up");
	ok(queue_pop(q) == NULL && !readable(queue_fd(q)),
	    "empty and drained at the end");
	for (int i = 0; i < NCONS; i++)
		free(cons[i].seen);
	queue_free(q, NULL);
}

int
main(void)
{
	alarm(120);	/* a lost wake-up hangs a waiter: fail, not hang */
	test_fifo();
	test_free();
	test_wait();
	test_pipe();
	test_threads();
	return tap_done();
}
