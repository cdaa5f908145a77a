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
 * A pass's threads are a crew that stays (starting a thread costs some
 * 20-50 us, a dozen times per pass): after each job they spin for
 * CREW_SPIN_NS, the next job of a pass following within microseconds,
 * then sleep on a condition variable until the next pass. The caller
 * waits for them spinning, yielding its core after a while (with more
 * threads than cores, the one it waits for may need it).
 *
 * The helper spins for STEP_SPIN_NS after each job (a character's step
 * comes every few microseconds while sampling), then sleeps likewise.
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
	atomic_int sleepers;
	atomic_int quit;
	void (*fn)(void *);		/* the job, valid from seq's bump */
	void *arg;
};

/* ---- waiting and waking ----------------------------------------------- */

static inline void
pool_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Wait until a job after seen is posted on seq: spin, then sleep on
 * mu and cv, counted in sleepers. Returns the new count. */
static unsigned
pool_await(atomic_uint *seq, unsigned seen, uint64_t spin_ns,
    pthread_mutex_t *mu, pthread_cond_t *cv, atomic_int *sleepers)
{
	unsigned q;
	uint64_t t0 = 0;

	for (unsigned spins = 0; (q = atomic_load_explicit(seq,
	    memory_order_acquire)) == seen; spins++) {
		if ((spins & 255) == 0) {
			uint64_t t = now_ns();
			if (spins == 0)
				t0 = t;
			else if (t - t0 > spin_ns) {
				pthread_mutex_lock(mu);
				atomic_fetch_add(sleepers, 1);
				while (atomic_load(seq) == seen)
					pthread_cond_wait(cv, mu);
				atomic_fetch_sub(sleepers, 1);
				pthread_mutex_unlock(mu);
				spins = 0;
				continue;
			}
		}
		pool_relax();
	}
	return q;
}

/* Post a job: bump seq, and wake the threads asleep on mu and cv. */
static void
pool_post(atomic_uint *seq, pthread_mutex_t *mu, pthread_cond_t *cv,
    atomic_int *sleepers)
{
	atomic_fetch_add(seq, 1);
	if (atomic_load(sleepers) > 0) {
		pthread_mutex_lock(mu);
		pthread_cond_broadcast(cv);
		pthread_mutex_unlock(mu);
	}
}

/* ---- the pool --------------------------------------------------------- */

/* size zeroed bytes on cache lines of their own (the counters in them
 * are aligned to lines). */
static void *
pool_alloc_lines(size_t size)
{
	size_t bytes = (size + 63) & ~(size_t)63;
	void *p = aligned_alloc(64, bytes);

	if (p == NULL)
		abort();
	return memset(p, 0, bytes);
}

pool *
pool_create(void)
{
	pool *p = pool_alloc_lines(sizeof(pool));

	pthread_mutex_init(&p->busy, NULL);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	return p;
}

void
pool_free(pool *p)
{
	if (p == NULL)
		return;
	if (p->ok) {
		atomic_store(&p->quit, 1);
		pool_post(&p->seq, &p->mu, &p->cv, &p->sleepers);
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

/* ---- a crew ----------------------------------------------------------- */

#define CREW_SPIN_NS 100000	/* a crew's thread spins this long, then
				   sleeps */

typedef struct {
	pool_crew *crew;
	int i;
} pool_member;

struct pool_crew {
	_Alignas(64) atomic_uint seq;	/* jobs posted */
	_Alignas(64) atomic_uint done;	/* threads through the job */
	_Alignas(64) atomic_int sleepers;
	atomic_int quit;
	int n;				/* threads, the caller included */
	void (*fn)(void *, int, int);	/* the job, valid from seq's bump */
	void *arg;
	int parts;
	pthread_mutex_t mu;		/* with cv: the threads' sleep */
	pthread_cond_t cv;
	pthread_t tid[POOL_MAX_THREADS];
	pool_member member[POOL_MAX_THREADS];
};

static void *
pool_crew_main(void *arg)
{
	pool_member *me = arg;
	pool_crew *c = me->crew;
	unsigned seen = 0;	/* no job is posted before the crew starts */

	for (;;) {
		seen = pool_await(&c->seq, seen, CREW_SPIN_NS, &c->mu, &c->cv,
		    &c->sleepers);
		if (atomic_load(&c->quit))
			return NULL;
		if (me->i < c->parts)
			c->fn(c->arg, me->i, c->parts);
		atomic_fetch_add_explicit(&c->done, 1, memory_order_release);
	}
}

pool_crew *
pool_crew_create(int n)
{
	pool_crew *c = pool_alloc_lines(sizeof(pool_crew));

	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	n = MAX(1, MIN(n, POOL_MAX_THREADS));
	for (c->n = 1; c->n < n; c->n++) {
		c->member[c->n] = (pool_member){ c, c->n };
		if (pthread_create(&c->tid[c->n], NULL, pool_crew_main,
		    &c->member[c->n]) != 0)
			break;
	}
	return c;
}

void
pool_crew_free(pool_crew *c)
{
	if (c == NULL)
		return;
	atomic_store(&c->quit, 1);
	pool_post(&c->seq, &c->mu, &c->cv, &c->sleepers);
	for (int i = 1; i < c->n; i++)
		pthread_join(c->tid[i], NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

int
pool_crew_size(const pool_crew *c)
{
	return c != NULL ? c->n : 1;
}

void
pool_crew_run(pool_crew *c, void (*fn)(void *arg, int i, int n), void *arg,
    int n)
{
	int nc = pool_crew_size(c);

	if (n <= 1 || nc <= 1) {
		for (int i = 0; i < n; i++)
			fn(arg, i, n);
		return;
	}
	c->fn = fn;
	c->arg = arg;
	c->parts = n;
	atomic_store_explicit(&c->done, 0, memory_order_relaxed);
	pool_post(&c->seq, &c->mu, &c->cv, &c->sleepers);
	fn(arg, 0, n);
	for (int i = nc; i < n; i++)
		fn(arg, i, n);
	for (unsigned spins = 0; atomic_load_explicit(&c->done,
	    memory_order_acquire) != (unsigned)(nc - 1); spins++) {
		if (spins < 4096)
			pool_relax();
		else
			sched_yield();	/* a thread lost its core */
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

static void *
pool_helper_main(void *arg)
{
	pool *p = arg;
	unsigned seen = 0;	/* no job is posted before this thread runs */

	for (;;) {
		seen = pool_await(&p->seq, seen, STEP_SPIN_NS, &p->mu, &p->cv,
		    &p->sleepers);
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
	pool_post(&p->seq, &p->mu, &p->cv, &p->sleepers);
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
