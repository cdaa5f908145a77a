/* pool.c - the threads that split a step's work (pool.h).
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why a pass runs its own threads around a single-threaded OpenBLAS: the
 * per-step GEMMs are small (M = B) and OpenBLAS gains nothing from a
 * second thread there (64x1024x256 runs slower on 2 threads than on 1),
 * while the streams are independent, so each thread can run the whole
 * recurrence of its share of them; and OpenBLAS's idle workers spin for a
 * while after each threaded call, stealing a core from whatever runs next.
 *
 * The helper spins for STEP_SPIN_NS after each job (a character's step
 * comes every few microseconds while sampling), then sleeps on a
 * condition variable until the next.
 */
#include "config.h"

#include <cblas.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "util.h"

#define POOL_MAX_THREADS 64
#define STEP_SPIN_NS 200000	/* the helper spins this long, then sleeps */

/* The parts' arrivals, each on its own cache line. */
typedef struct {
	_Alignas(64) atomic_uint n;
} pool_counter;

struct pool {
	pool_counter arrive[2];		/* pool_helper_meet */
	atomic_int passes;		/* training passes running */
	pthread_mutex_t busy;		/* held by the step using the helper */
	int started;			/* (busy) the helper was started... */
	int ok;				/* ... and runs */
	pthread_t thread;
	pthread_mutex_t mu;		/* with cv: the helper's sleep */
	pthread_cond_t cv;
	atomic_uint seq;		/* jobs posted */
	atomic_int sleeping;
	atomic_int quit;
	void (*fn)(void *);		/* the job, valid from seq's bump */
	void *arg;
};

pool *
pool_create(void)
{
	size_t bytes = (sizeof(pool) + 63) & ~(size_t)63;
	pool *p = aligned_alloc(64, bytes);

	if (p == NULL)
		abort();
	memset(p, 0, bytes);
	pthread_mutex_init(&p->busy, NULL);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	return p;
}

static void
pool_wake(pool *p)
{
	if (atomic_load(&p->sleeping)) {
		pthread_mutex_lock(&p->mu);
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

void
pool_free(pool *p)
{
	if (p == NULL)
		return;
	if (p->ok) {
		atomic_store(&p->quit, 1);
		atomic_fetch_add(&p->seq, 1);
		pool_wake(p);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->busy);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

/* ---- a training pass -------------------------------------------------- */

int
pool_pass_begin(pool *p)
{
	int nt = openblas_get_num_threads();

	if (p != NULL)
		atomic_fetch_add(&p->passes, 1);
	if (nt > 1)
		openblas_set_num_threads(1);
	return MAX(1, nt);
}

void
pool_pass_end(pool *p, int nthreads)
{
	if (nthreads > 1)
		openblas_set_num_threads(nthreads);
	if (p != NULL)
		atomic_fetch_sub(&p->passes, 1);
}

int
pool_passes(pool *p)
{
	return p != NULL ? atomic_load(&p->passes) : 0;
}

typedef struct {
	void (*fn)(void *, int, int);
	void *arg;
	int i, n;
} pool_part;

static void *
pool_part_main(void *arg)
{
	pool_part *t = arg;

	t->fn(t->arg, t->i, t->n);
	return NULL;
}

void
pool_run(void (*fn)(void *arg, int i, int n), void *arg, int n)
{
	pool_part t[POOL_MAX_THREADS];
	pthread_t tid[POOL_MAX_THREADS];
	int started[POOL_MAX_THREADS];

	n = MIN(n, POOL_MAX_THREADS);
	if (n <= 1) {
		fn(arg, 0, 1);
		return;
	}
	for (int i = 0; i < n; i++)
		t[i] = (pool_part){ fn, arg, i, n };
	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, pool_part_main,
		    &t[i]) == 0;
	fn(arg, 0, n);
	for (int i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			fn(arg, i, n);	/* no thread: do it here */
	}
}

void
pool_share(size_t count, int i, int n, size_t align, size_t *lo, size_t *hi)
{
	size_t chunk = (count + (size_t)n - 1) / (size_t)n;

	chunk = (chunk + align - 1) / align * align;
	*lo = MIN((size_t)i * chunk, count);
	*hi = MIN(*lo + chunk, count);
}

/* ---- the helper ------------------------------------------------------- */

static inline void
pool_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Wait until a job after seen is posted: spin, then sleep. Returns the
 * new count. */
static unsigned
pool_wait(pool *p, unsigned seen)
{
	unsigned q;
	uint64_t t0 = 0;

	for (unsigned spins = 0; (q = atomic_load_explicit(&p->seq,
	    memory_order_acquire)) == seen; spins++) {
		if ((spins & 255) == 0) {
			uint64_t t = now_ns();
			if (spins == 0)
				t0 = t;
			else if (t - t0 > STEP_SPIN_NS) {
				pthread_mutex_lock(&p->mu);
				atomic_store(&p->sleeping, 1);
				while (atomic_load(&p->seq) == seen)
					pthread_cond_wait(&p->cv, &p->mu);
				atomic_store(&p->sleeping, 0);
				pthread_mutex_unlock(&p->mu);
				spins = 0;
				t0 = now_ns();
				continue;
			}
		}
		pool_relax();
	}
	return q;
}

static void *
pool_helper_main(void *arg)
{
	pool *p = arg;
	unsigned seen = 0;	/* no job is posted before this thread runs */

	for (;;) {
		seen = pool_wait(p, seen);
		if (atomic_load(&p->quit))
			return NULL;
		p->fn(p->arg);
	}
}

int
pool_helper_take(pool *p)
{
	if (pthread_mutex_trylock(&p->busy) != 0)
		return 0;
	if (!p->started) {
		p->started = 1;
		p->ok = pthread_create(&p->thread, NULL, pool_helper_main,
		    p) == 0;
	}
	if (!p->ok)
		pthread_mutex_unlock(&p->busy);
	return p->ok;
}

void
pool_helper_give(pool *p)
{
	pthread_mutex_unlock(&p->busy);
}

void
pool_helper_post(pool *p, void (*fn)(void *), void *arg)
{
	p->fn = fn;
	p->arg = arg;
	atomic_fetch_add(&p->seq, 1);
	pool_wake(p);
}

void
pool_helper_meet(pool *p, int me, int wait)
{
	unsigned v = atomic_load_explicit(&p->arrive[me].n,
	    memory_order_relaxed) + 1;

	atomic_store_explicit(&p->arrive[me].n, v, memory_order_release);
	if (!wait)
		return;
	for (unsigned spins = 0; (int)(atomic_load_explicit(
	    &p->arrive[1 - me].n, memory_order_acquire) - v) < 0;
	    spins++) {
		if (spins < 4096)
			pool_relax();
		else
			sched_yield();	/* the other part lost its core */
	}
}
