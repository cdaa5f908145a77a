/* pool.h - the threads that split a step's work: a training pass's own
 * threads, and the batch-1 step's helper thread.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pool is the cores that one owner's training and sampling share (a
 * session makes one): it counts the training passes running, so that a
 * batch-1 step does not spin a second core beside them, and it holds the
 * one helper thread that a step may borrow. Nothing here is process-wide
 * but OpenBLAS's own thread count, which pool_pass_begin lowers to one
 * for the length of a pass (OpenBLAS has only the one setting).
 */
#ifndef BURBLE_POOL_H
#define BURBLE_POOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct pool pool;

pool *pool_create(void);
/* Stops the helper thread; nothing may use p any more. */
void pool_free(pool *p);

/* ---- a training forward or backward --------------------------------- */

/*
 * A pass splits its work over its own threads, as many as OpenBLAS is set
 * to use, and runs OpenBLAS single-threaded meanwhile. pool_pass_begin
 * returns that count (at least 1) and counts the pass in p (which may be
 * NULL); pool_pass_end(p, n) gives OpenBLAS its count back.
 */
int pool_pass_begin(pool *p);
void pool_pass_end(pool *p, int nthreads);
/* Passes running now in p (0 for NULL). */
int pool_passes(pool *p);

/*
 * A crew: n - 1 threads that stay, beside the caller, for the parts of a
 * pass (a training workspace keeps one). Between jobs each spins for a
 * while (the next job of a pass follows within microseconds), then
 * sleeps until the next. pool_crew_create returns a crew of fewer
 * threads where some cannot start (pool_crew_size says how many, the
 * caller included).
 */
typedef struct pool_crew pool_crew;

pool_crew *pool_crew_create(int n);
void pool_crew_free(pool_crew *c);
int pool_crew_size(const pool_crew *c);
/* Run fn(arg, i, n) for i = 0..n-1 and return when all are done: part 0
 * on the calling thread, part i on the crew's thread i, parts past the
 * crew (and all of them for a NULL crew) on the calling thread after its
 * own. Not reentrant: one job at a time per crew. */
void pool_crew_run(pool_crew *c, void (*fn)(void *arg, int i, int n),
    void *arg, int n);
/* Part i of n of [0, count): [*lo, *hi), in multiples of align (but the
 * last). */
void pool_share(size_t count, int i, int n, size_t align, size_t *lo,
    size_t *hi);

/* ---- the helper: one thread, two parts of a batch-1 step ------------- */

/* Borrow p's helper (started on first use): 1 if this caller has it, until
 * pool_helper_give; 0 if another has it or it cannot start. */
int pool_helper_take(pool *p);
void pool_helper_give(pool *p);
/* The helper runs fn(arg); arg must live until the helper's last
 * pool_helper_meet. */
void pool_helper_post(pool *p, void (*fn)(void *), void *arg);
/* The two parts' meeting point: part me (0 the caller, 1 the helper)
 * arrives and, if wait, waits until the other has arrived as often. */
void pool_helper_meet(pool *p, int me, int wait);

#endif
