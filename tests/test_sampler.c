/* test_sampler.c - temperature, top-k, top-p, schedules, parsing.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Frequency tests draw N = 200,000 seeded picks and compare each id's count
 * with its expected probability p: the count is binomial, so its standard
 * deviation is sqrt(N p (1 - p)). A 5-sigma band fails by chance with
 * probability 6e-7 per id, and the seeds are fixed, so the tests are
 * deterministic; a wrong distribution (a temperature applied twice, an id
 * dropped, an unrenormalised tail) is off by hundreds of sigmas.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampler.h"
#include "tap.h"
#include "util.h"

#define NDRAWS 200000
#define NSIGMA 5.0

/* Exact-in-binary probabilities, shuffled over ids: 0.5 at id 3, 0.25 at
 * id 0, 0.125 at id 4, 0.0625 at ids 1 and 2. */
static const double dyadic[5] = { 0.25, 0.0625, 0.0625, 0.5, 0.125 };

static void
ref_softmax(double *p, const float *logits, int V, double T)
{
	double m = logits[0], sum = 0.0;

	for (int i = 1; i < V; i++)
		m = logits[i] > m ? logits[i] : m;	/* not fmax: GCC 12
						   for aarch64 fails on it */
	for (int i = 0; i < V; i++)
		sum += p[i] = exp((logits[i] - m) / T);
	for (int i = 0; i < V; i++)
		p[i] /= sum;
}

/* Draw NDRAWS picks; check each id's count against want[] (probabilities,
 * 0 = must never appear). Returns the number of ids out of band. */
static int
check_freqs(sampler *s, const float *logits, const double *want,
    const char *what)
{
	int V = s->V, bad = 0;
	long *count = xcalloc((size_t)V, sizeof *count);
	double worst = 0.0;

	for (int i = 0; i < NDRAWS; i++)
		count[sampler_pick(s, logits, NULL)]++;
	for (int i = 0; i < V; i++) {
		double e = NDRAWS * want[i];
		double sd = sqrt(NDRAWS * want[i] * (1.0 - want[i]));
		double z = sd > 0.0 ? fabs(count[i] - e) / sd : 0.0;
		if (want[i] == 0.0 ? count[i] != 0 : !(z <= NSIGMA)) {
			diag("%s: id %d drawn %ld times, expected %.1f "
			    "(%.1f sigma)", what, i, count[i], e, z);
			bad++;
		}
		worst = tap_worst(worst, z);
	}
	ok(bad == 0, "%s: %d ids within %.0f sigma of the expected "
	    "frequencies (worst %.2f)", what, V, NSIGMA, worst);
	free(count);
	return bad;
}

static void
fill_random(float *x, int n, rng_t *r, float scale)
{
	for (int i = 0; i < n; i++)
		x[i] = (rng_float(r) * 2.0f - 1.0f) * scale;
}

static sampler_config
config(float T, int k, float p)
{
	sampler_config c;

	sampler_config_default(&c);
	c.temps[0] = T;
	c.top_k = k;
	c.top_p = p;
	return c;
}

static int
has(const char *cause, const char *needle)
{
	return cause != NULL && strstr(cause, needle) != NULL;
}

static void
test_parse_and_check(void)
{
	sampler_config c;
	char *cause = NULL;
	int rc;

	sampler_config_default(&c);
	ok(c.ntemps == 1 && c.temps[0] == 1.0f && c.top_k == 0 &&
	    c.top_p == 1.0f, "default: T=1, k=0, p=1");
	ok(sampler_config_check(&c, NULL) == 0, "default config is valid");

	ok(sampler_parse_temps(&c, "0.5", NULL) == 0 && c.ntemps == 1 &&
	    c.temps[0] == 0.5f, "parse \"0.5\"");
	ok(sampler_parse_temps(&c, "1.0,0.5,0.2", NULL) == 0 &&
	    c.ntemps == 3 && c.temps[0] == 1.0f && c.temps[1] == 0.5f &&
	    c.temps[2] == 0.2f, "parse \"1.0,0.5,0.2\"");
	ok(sampler_parse_temps(&c, "0", NULL) == 0 && c.temps[0] == 0.0f,
	    "parse \"0\" (greedy)");
	ok(sampler_parse_temps(&c, "1, 0.5", NULL) == 0 && c.ntemps == 2 &&
	    c.temps[1] == 0.5f, "spaces around a comma are accepted");

	sampler_parse_temps(&c, "1.0,0.5,0.2", NULL);
	rc = sampler_parse_temps(&c, "0.5,-1", &cause);
	ok(rc == -1 && has(cause, "temperature must be a number >= 0"),
	    "negative temperature: %s", cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	ok(c.ntemps == 3 && c.temps[2] == 0.2f,
	    "a failed parse leaves the config unchanged");

	static const char *bad[] = { "", "abc", "1,,2", "1,", "0.5x", "nan",
	    "inf", "1;2", "0x10", "1e39", "1e-300", "+-1", "1.e" };
	for (size_t i = 0; i < NELEMS(bad); i++) {
		rc = sampler_parse_temps(&c, bad[i], &cause);
		ok(rc == -1 && has(cause, "temperature must be"),
		    "\"%s\" is refused: %s", bad[i], cause ? cause : "(none)");
		free(cause);
		cause = NULL;
	}
	char many[256] = "";
	for (int i = 0; i <= SAMPLER_MAX_SCHEDULE; i++)
		strcat(many, i ? ",1" : "1");
	rc = sampler_parse_temps(&c, many, &cause);
	ok(rc == -1 && has(cause, "at most"),
	    "%d temperatures are refused: %s", SAMPLER_MAX_SCHEDULE + 1,
	    cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	many[strlen(many) - 2] = '\0';
	ok(sampler_parse_temps(&c, many, NULL) == 0 &&
	    c.ntemps == SAMPLER_MAX_SCHEDULE, "%d temperatures are accepted",
	    SAMPLER_MAX_SCHEDULE);

	struct {
		sampler_config c;
		const char *msg;
	} chk[] = {
		{ config(-0.5f, 0, 1.0f), "temperature must be a number >= 0" },
		{ config(NAN, 0, 1.0f), "temperature must be a number >= 0" },
		{ config(1.0f, -1, 1.0f), "top-k must be an integer >= 0" },
		{ config(1.0f, 0, 0.0f), "top-p must be a number in (0, 1]" },
		{ config(1.0f, 0, 1.5f), "top-p must be a number in (0, 1]" },
		{ config(1.0f, 0, -0.1f), "top-p must be a number in (0, 1]" },
		{ config(1.0f, 0, NAN), "top-p must be a number in (0, 1]" },
	};
	for (size_t i = 0; i < NELEMS(chk); i++) {
		rc = sampler_config_check(&chk[i].c, &cause);
		ok(rc == -1 && has(cause, chk[i].msg), "check refuses: %s",
		    cause ? cause : "(none)");
		free(cause);
		cause = NULL;
	}
	sampler_config z = config(1.0f, 0, 1.0f);
	z.ntemps = 0;
	ok(sampler_config_check(&z, NULL) == -1,
	    "check refuses an empty schedule");
	z = config(0.0f, 5, 0.01f);
	ok(sampler_config_check(&z, NULL) == 0,
	    "check accepts T=0, k=5, p=0.01");
}

static void
test_softmax_argmax(void)
{
	float logits[4] = { 1000.0f, 999.0f, -1000.0f, 1000.0f }, p[4];
	double want[4];

	softmax(p, logits, 4, 1.0f);
	ref_softmax(want, logits, 4, 1.0);
	int good = 1;
	for (int i = 0; i < 4; i++)
		good &= isfinite(p[i]) && fabs(p[i] - want[i]) < 1e-6;
	ok(good, "softmax is stable at logits of 1000");
	softmax(p, logits, 4, 0.5f);
	ref_softmax(want, logits, 4, 0.5);
	good = 1;
	for (int i = 0; i < 4; i++)
		good &= fabs(p[i] - want[i]) < 1e-6;
	ok(good, "softmax at T=0.5 matches");
	ok(argmax(logits, 4) == 0, "argmax takes the first of ties");
}

static void
test_greedy(void)
{
	enum { V = 97 };
	float logits[V], pm;
	double want[V];
	rng_t r;
	sampler s;
	int good = 1, pgood = 1;

	rng_seed(&r, 1);
	sampler_config c = config(0.0f, 0, 1.0f);
	sampler_init(&s, &c, V, 7);
	for (int t = 0; t < 1000; t++) {
		fill_random(logits, V, &r, 5.0f);
		int id = sampler_pick(&s, logits, &pm);
		good &= id == argmax(logits, V);
		ref_softmax(want, logits, V, 1.0);
		pgood &= fabs(pm - want[id]) < 1e-5;
	}
	ok(good, "T=0 picks the argmax (1000 random logit vectors)");
	ok(pgood, "T=0: p_model is softmax(logits)[argmax]");
	sampler_free(&s);

	c = config(5.0f, 1, 1.0f);
	sampler_init(&s, &c, V, 7);
	good = 1;
	for (int t = 0; t < 1000; t++) {
		fill_random(logits, V, &r, 1.0f);
		good &= sampler_pick(&s, logits, NULL) == argmax(logits, V);
	}
	ok(good, "top-k=1 picks the argmax at T=5");
	sampler_free(&s);
}

static void
test_temperature(void)
{
	enum { V = 10 };
	float logits[V] = { 1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f, 2.5f, -3.0f,
		1.5f, 0.2f };
	static const float temps[] = { 1.0f, 0.5f, 2.0f };
	double want[V];
	sampler s;

	for (size_t t = 0; t < NELEMS(temps); t++) {
		sampler_config c = config(temps[t], 0, 1.0f);
		char what[64];
		sampler_init(&s, &c, V, 100 + t);
		ref_softmax(want, logits, V, temps[t]);
		snprintf(what, sizeof what, "T=%g, V=%d", temps[t], V);
		check_freqs(&s, logits, want, what);
		sampler_free(&s);
	}

	/* p_model is the untempered probability whatever T is. */
	sampler_config c = config(2.0f, 0, 1.0f);
	sampler_init(&s, &c, V, 5);
	ref_softmax(want, logits, V, 1.0);
	int good = 1;
	for (int i = 0; i < 1000; i++) {
		float pm;
		int id = sampler_pick(&s, logits, &pm);
		good &= fabs(pm - want[id]) < 1e-6;
	}
	ok(good, "T=2: p_model is softmax(logits) at T=1 of the picked id");
	sampler_free(&s);
}

static void
test_top_k(void)
{
	enum { V = 10 };
	float logits[V] = { 1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f, 2.5f, -3.0f,
		1.5f, 0.2f };	/* top 3: ids 4, 6, 1 */
	double want[V], all[V];
	sampler s;

	for (int t = 0; t < 2; t++) {
		float T = t ? 2.0f : 1.0f;
		sampler_config c = config(T, 3, 1.0f);
		char what[64];
		double z = 0.0;
		ref_softmax(all, logits, V, T);
		for (int i = 0; i < V; i++)
			want[i] = (i == 4 || i == 6 || i == 1) ? all[i] : 0.0;
		for (int i = 0; i < V; i++)
			z += want[i];
		for (int i = 0; i < V; i++)
			want[i] /= z;
		sampler_init(&s, &c, V, 42 + t);
		snprintf(what, sizeof what, "top-k=3 at T=%g (others never)",
		    T);
		check_freqs(&s, logits, want, what);
		sampler_free(&s);
	}

	/* top-k >= V is no restriction. */
	sampler_config c = config(1.0f, V, 1.0f);
	sampler_init(&s, &c, V, 9);
	ref_softmax(want, logits, V, 1.0);
	check_freqs(&s, logits, want, "top-k=V");
	sampler_free(&s);

	/* Large V: the pick is always one of the k largest. */
	enum { BIGV = 65535 };
	float *big = xmalloc(BIGV * sizeof *big);
	rng_t r;
	rng_seed(&r, 3);
	c = config(1.5f, 5, 1.0f);
	sampler_init(&s, &c, BIGV, 11);
	int good = 1, ids[5];
	float p[5];
	for (int t = 0; t < 50; t++) {
		fill_random(big, BIGV, &r, 10.0f);
		int n = sampler_top(big, BIGV, 5, ids, p);
		int id = sampler_pick(&s, big, NULL), in = 0;
		for (int i = 0; i < n; i++)
			in |= ids[i] == id;
		good &= n == 5 && in;
	}
	ok(good, "top-k=5 over V=%d picks among the 5 largest", BIGV);
	sampler_free(&s);
	free(big);
}

static void
logits_of(float *logits, const double *p, int V)
{
	for (int i = 0; i < V; i++)
		logits[i] = (float)log(p[i]) + 3.0f;	/* any shift */
}

static void
test_top_p(void)
{
	enum { V = 5 };
	float logits[V];
	double want[V];
	sampler s;
	struct {
		float p;
		int keep[V];	/* ids kept, by mass order */
		int nkeep;
	} cases[] = {
		{ 0.5f, { 3 }, 1 },		/* exactly the top mass */
		{ 0.3f, { 3 }, 1 },
		{ 0.75f, { 3, 0 }, 2 },		/* a cumulative sum */
		{ 0.7f, { 3, 0 }, 2 },
		{ 0.76f, { 3, 0, 4 }, 3 },
		{ 0.875f, { 3, 0, 4 }, 3 },	/* equal again */
		/* 0.9 needs 0.9375: one of the tied 0.0625 pair, not
		 * both (checked apart below). */
		{ 0.9f, { 3, 0, 4, 1 }, 4 },
	};

	logits_of(logits, dyadic, V);
	for (size_t t = 0; t < NELEMS(cases); t++) {
		sampler_config c = config(1.0f, 0, cases[t].p);
		char what[64];
		double z = 0.0;
		memset(want, 0, sizeof want);
		for (int i = 0; i < cases[t].nkeep; i++)
			z += dyadic[cases[t].keep[i]];
		for (int i = 0; i < cases[t].nkeep; i++)
			want[cases[t].keep[i]] = dyadic[cases[t].keep[i]] / z;
		sampler_init(&s, &c, V, 200 + t);
		if (t == 6) {
			long n1 = 0, n2 = 0, other = 0;
			for (int i = 0; i < NDRAWS; i++) {
				int id = sampler_pick(&s, logits, NULL);
				n1 += id == 1;
				n2 += id == 2;
				other += id != 1 && id != 2;
			}
			ok((n1 == 0) != (n2 == 0) && other > 0,
			    "top-p=0.9 keeps exactly one of two tied ids "
			    "(%ld, %ld)", n1, n2);
		} else {
			snprintf(what, sizeof what, "top-p=%g keeps %d ids",
			    cases[t].p, cases[t].nkeep);
			check_freqs(&s, logits, want, what);
		}
		sampler_free(&s);
	}

	/* Ten equal logits: 0.3 is three ids' mass, though 0.3f is a hair
	 * above 0.3 and three float weights sum to a hair below it. */
	float flat[10] = { 0 };
	long cnt[10] = { 0 };
	sampler_config c = config(1.0f, 0, 0.3f);
	sampler_init(&s, &c, 10, 303);
	for (int i = 0; i < 30000; i++)
		cnt[sampler_pick(&s, flat, NULL)]++;
	int distinct = 0;
	for (int i = 0; i < 10; i++)
		distinct += cnt[i] > 0;
	ok(distinct == 3, "top-p=0.3 over 10 equal ids keeps 3 (got %d)",
	    distinct);
	sampler_free(&s);

	/* p = 1 keeps everything, tail included. */
	c = config(1.0f, 0, 1.0f);
	sampler_init(&s, &c, V, 300);
	check_freqs(&s, logits, dyadic, "top-p=1 keeps all ids");
	sampler_free(&s);

	/* Temperature first: at T=0.5 the masses are 16:4:1:0.25:0.25
	 * (/21.5), so p=0.9 needs the top two (20/21.5 = 0.93). */
	c = config(0.5f, 0, 0.9f);
	sampler_init(&s, &c, V, 301);
	memset(want, 0, sizeof want);
	want[3] = 16.0 / 20.0;
	want[0] = 4.0 / 20.0;
	check_freqs(&s, logits, want, "T=0.5 then top-p=0.9");
	sampler_free(&s);

	/* top-k then top-p on the renormalised top k: k=3 gives
	 * 0.5, 0.25, 0.125 (/0.875), p = 0.8 needs 0.75/0.875 = 0.857. */
	c = config(1.0f, 3, 0.8f);
	sampler_init(&s, &c, V, 302);
	memset(want, 0, sizeof want);
	want[3] = 2.0 / 3.0;
	want[0] = 1.0 / 3.0;
	check_freqs(&s, logits, want, "top-k=3 then top-p=0.8");
	sampler_free(&s);

	/* Large V: every pick lies inside the nucleus computed by sorting. */
	enum { BIGV = 20000 };
	float *big = xmalloc(BIGV * sizeof *big);
	double *pr = xmalloc(BIGV * sizeof *pr);
	char *in = xmalloc(BIGV);
	rng_t r;
	rng_seed(&r, 4);
	c = config(1.0f, 0, 0.9f);
	sampler_init(&s, &c, BIGV, 12);
	fill_random(big, BIGV, &r, 8.0f);
	ref_softmax(pr, big, BIGV, 1.0);
	/* Selection sort of the nucleus only: fine for a test. */
	memset(in, 0, BIGV);
	double cum = 0.0;
	int m = 0;
	while (cum < 0.9 - 1e-6) {
		int b = -1;
		for (int i = 0; i < BIGV; i++)
			if (!in[i] && (b < 0 || pr[i] > pr[b]))
				b = i;
		in[b] = 1;
		m++;
		cum += pr[b];
	}
	int good = 1;
	for (int i = 0; i < 2000; i++)
		good &= in[sampler_pick(&s, big, NULL)];
	ok(good, "top-p=0.9 over V=%d picks only inside the %d-id nucleus",
	    BIGV, m);
	sampler_free(&s);
	free(big);
	free(pr);
	free(in);
}

static void
test_schedule_and_seed(void)
{
	enum { V = 50 };
	float logits[V];
	rng_t r;
	sampler s, s2;
	sampler_config c;

	rng_seed(&r, 8);
	fill_random(logits, V, &r, 1.0f);
	sampler_config_default(&c);
	sampler_parse_temps(&c, "0,100,0", NULL);
	sampler_init(&s, &c, V, 1);
	int am = argmax(logits, V), greedy_ok = 1, hot_other = 0;
	for (int i = 0; i < 3000; i++) {
		int id = sampler_pick(&s, logits, NULL);
		if (i % 3 != 1)
			greedy_ok &= id == am;
		else
			hot_other += id != am;
	}
	ok(greedy_ok, "schedule 0,100,0: positions 0 and 2 of each cycle "
	    "are greedy");
	ok(hot_other > 900, "schedule 0,100,0: position 1 is hot (%d/1000 "
	    "not the argmax)", hot_other);
	ok(s.pos == 0, "after 3000 picks the schedule is back at 0");
	sampler_pick(&s, logits, NULL);
	ok(s.pos == 1, "pos advances by one per pick");
	sampler_free(&s);

	c = config(1.0f, 0, 1.0f);
	sampler_init(&s, &c, V, 1234);
	sampler_init(&s2, &c, V, 1234);
	int same = 1;
	for (int i = 0; i < 5000; i++)
		same &= sampler_pick(&s, logits, NULL) ==
		    sampler_pick(&s2, logits, NULL);
	ok(same, "same seed, same 5000 picks");
	sampler_free(&s);
	sampler_free(&s2);
	sampler_init(&s, &c, V, 1234);
	sampler_init(&s2, &c, V, 1235);
	int diff = 0;
	for (int i = 0; i < 100; i++)
		diff += sampler_pick(&s, logits, NULL) !=
		    sampler_pick(&s2, logits, NULL);
	ok(diff > 50, "another seed, another sequence (%d/100 differ)", diff);
	sampler_free(&s);
	sampler_free(&s2);
}

static void
test_top(void)
{
	float logits[6] = { 0.0f, 3.0f, -1.0f, 2.0f, 3.0f, 1.0f };
	double want[6];
	int idx[6];
	float p[6];

	ref_softmax(want, logits, 6, 1.0);
	int n = sampler_top(logits, 6, 3, idx, p);
	ok(n == 3 && idx[0] == 1 && idx[1] == 4 && idx[2] == 3,
	    "sampler_top k=3: ids by descending probability, ties by id "
	    "(%d %d %d)", idx[0], idx[1], idx[2]);
	ok(fabs(p[0] - want[1]) < 1e-6 && fabs(p[2] - want[3]) < 1e-6,
	    "sampler_top: probabilities under the full softmax");
	n = sampler_top(logits, 6, 10, idx, p);
	int sorted = n == 6;
	for (int i = 1; i < n; i++)
		sorted &= p[i] <= p[i - 1];
	double sum = 0.0;
	for (int i = 0; i < n; i++)
		sum += p[i];
	ok(sorted && fabs(sum - 1.0) < 1e-5, "sampler_top k > V: all V, "
	    "sorted, summing to 1");
	ok(sampler_top(logits, 6, 0, idx, p) == 0, "sampler_top k=0: none");
}

int
main(void)
{
	test_parse_and_check();
	test_softmax_argmax();
	test_greedy();
	test_temperature();
	test_top_k();
	test_top_p();
	test_schedule_and_seed();
	test_top();
	return tap_done();
}
