/* test_ckpt.c - checkpoints: exact round trips, the safetensors layout,
 * atomic saves (errors, kill -9 mid-save), malformed files, mutation fuzz.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ckpt.h"
#include "ckpt_int.h"
#include "file.h"
#include "tap.h"
#include "util.h"

static char tmpdir[256];
static int quiet;	/* same_ckpt: no diagnostics */

#define STR(s) ((s) ? (s) : "(none)")

/* ---- building checkpoints ---------------------------------------------- */

static const uint32_t test_cp[] = {
	'\n', ' ', '%', 'a', 'b', 'c', 0x00e9, 0x0410, 0x044f, 0x1f600,
	TEXT_UNK, TEXT_EOR,
};

/* Awkward floats: every one must come back bit-identical. */
static float
odd_float(rng_t *r)
{
	static const float special[] = {
		0.0f, -0.0f, 1.0f, -1.0f, 0.1f, 0.2f, 1e-45f, 1.17549435e-38f,
		1e-40f, FLT_MAX, -FLT_MAX, 3.14159265f, 16777217.0f, 1e10f,
	};
	uint64_t k = rng_below(r, 4);
	if (k == 0)
		return special[rng_below(r, NELEMS(special))];
	if (k == 1) {
		/* Any finite bit pattern. */
		for (;;) {
			uint32_t u = (uint32_t)rng_u64(r);
			float f;
			memcpy(&f, &u, 4);
			if (isfinite(f))
				return f;
		}
	}
	return rng_float(r) * 4 - 2;
}

static double
odd_double(rng_t *r)
{
	if (rng_below(r, 2) == 0) {
		for (;;) {
			uint64_t u = rng_u64(r);
			double d;
			memcpy(&d, &u, 8);
			if (isfinite(d))
				return d;
		}
	}
	return (double)rng_u64(r) / 3e15;
}

static size_t
state_size(const model_config *c, int B)
{
	return (c->cell == CELL_LSTM ? 2u : 1u) * (size_t)c->L * (size_t)B *
	    (size_t)c->H;
}

static void
make_ckpt(ckpt *c, int cell, int L, int H, int E, int with_train,
    uint64_t seed)
{
	rng_t r;
	model_config cfg = { cell, L, H, (int)NELEMS(test_cp), E, 0.2f };

	rng_seed(&r, seed);
	memset(c, 0, sizeof *c);
	c->m = model_create(&cfg);
	for (int i = 0; i < c->m->ntensors; i++) {
		const model_tensor *t = &c->m->tensors[i];
		for (size_t j = 0; j < t->size; j++)
			c->m->params[t->offset + j] = j % 7 == 3 ?
			    odd_float(&r) : rng_float(&r) - 0.5f;
	}
	c->voc.V = (int)NELEMS(test_cp);
	c->voc.cp = xcalloc(NELEMS(test_cp), sizeof *c->voc.cp);
	memcpy(c->voc.cp, test_cp, sizeof test_cp);
	c->voc.unk = c->voc.V - 2;
	c->voc.eor = c->voc.V - 1;
	c->text.lowercase = 1;
	c->text.filter = TEXT_FILTER_SET;
	c->text.filter_set = xstrdup("abc\xc3\xa9\xd0\x90\xd1\x8f \"\\\t%");
	c->text.min_count = 3;
	c->text.lines = 0;
	c->text.record_sep = xstrdup("%");
	c->corpus = xstrdup("\xd0\xb0\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0.txt+2");
	train_settings_default(&c->settings);
	train_progress_init(&c->prog, &c->settings);
	if (!with_train)
		return;
	c->has_train = 1;
	c->settings.B = 3;
	c->settings.T = 7;
	c->settings.val_frac = 0.05f;
	optim_defaults(&c->settings.opt, OPTIM_RMSPROP);
	c->settings.opt.lr = 0.00123f;
	c->settings.opt.momentum = 0.3f;
	c->settings.lr_decay = 0.97f;
	c->settings.lr_decay_after = 4;
	c->settings.clip = 0.0f;
	c->settings.epochs = 0;
	c->settings.max_steps = 123456789012L;
	c->settings.patience = 5;
	c->settings.eval_every = 250;
	c->settings.report_every = 17;
	c->settings.seed = 18446744073709551557ULL;	/* > INT64_MAX */
	c->settings.sample_len = 77;
	c->settings.nsample_temps = 2;
	c->settings.sample_temps[0] = 0.7f;
	c->settings.sample_temps[1] = 1.3f;
	c->settings.sample_temps[2] = 0.0f;
	train_progress_init(&c->prog, &c->settings);
	c->prog.step = 4321;
	c->prog.epoch = 3;
	c->prog.batch = 17;
	for (int i = 0; i < 5; i++)
		(void)rng_u64(&c->prog.rng);
	c->prog.lr = 0.00123f * 0.97f * 0.97f;
	c->prog.best_val = 1.4142135f;
	c->prog.best_step = 4000;
	c->prog.stale = 2;
	c->prog.elapsed = 1234.5678901234567;
	for (int i = 0; i < 40; i++) {
		hist_point h = {
			.step = i * 100, .epoch = odd_double(&r),
			.train_loss = odd_float(&r), .train_acc = rng_float(&r),
			.val_loss = i % 3 ? NAN : odd_float(&r),
			.val_acc = i % 3 ? NAN : rng_float(&r),
			.lr = odd_float(&r), .elapsed = odd_double(&r),
		};
		if (i == 5)
			h.train_loss = INFINITY;
		if (i == 6)
			h.train_loss = -INFINITY;
		hist_push(&c->prog, &h);
	}
	c->prog.nstate = state_size(&cfg, c->settings.B);
	c->prog.state = xalloc_floats(c->prog.nstate);
	for (size_t i = 0; i < c->prog.nstate; i++)
		c->prog.state[i] = odd_float(&r);
	optim_config oc = c->settings.opt;
	oc.lr = c->prog.lr;
	c->opt = optim_create(&oc, c->m->nparams);
	c->opt->t = 4321;
	for (int half = 0; half < 2; half++)
		for (int i = 0; i < c->m->ntensors; i++) {
			const model_tensor *t = &c->m->tensors[i];
			float *s = c->opt->state + half * c->m->nparams +
			    t->offset;
			for (size_t j = 0; j < t->size; j++)
				s[j] = half ? rng_float(&r) * 1e-3f :
				    odd_float(&r);
		}
}

/* ---- comparing --------------------------------------------------------- */

static int
same_f(float a, float b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int
same_d(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int
same_s(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

#define DIFF(cond, what) do {						\
	if (!(cond)) {							\
		if (!quiet)						\
			diag("differs: %s", what);			\
		return 0;						\
	}								\
} while (0)

static int
same_tensors(const model *a, const model *b, const float *pa,
    const float *pb)
{
	for (int i = 0; i < a->ntensors; i++) {
		const model_tensor *t = &a->tensors[i];
		const model_tensor *u = model_tensor_find(b, t->name);
		DIFF(u != NULL && u->size == t->size, t->name);
		DIFF(memcmp(pa + t->offset, pb + u->offset,
		    t->size * sizeof(float)) == 0, t->name);
	}
	return 1;
}

static int
same_ckpt(const ckpt *a, const ckpt *b, int with_train)
{
	const model_config *x = &a->m->cfg, *y = &b->m->cfg;
	DIFF(x->cell == y->cell && x->L == y->L && x->H == y->H &&
	    x->V == y->V && x->E == y->E && same_f(x->dropout, y->dropout),
	    "config");
	DIFF(a->m->ntensors == b->m->ntensors, "ntensors");
	if (!same_tensors(a->m, b->m, a->m->params, b->m->params))
		return 0;
	DIFF(a->voc.V == b->voc.V && memcmp(a->voc.cp, b->voc.cp,
	    (size_t)a->voc.V * sizeof *a->voc.cp) == 0, "vocab");
	DIFF(a->voc.unk == b->voc.unk && a->voc.eor == b->voc.eor, "unk/eor");
	DIFF(a->text.lowercase == b->text.lowercase &&
	    a->text.filter == b->text.filter &&
	    same_s(a->text.filter_set, b->text.filter_set) &&
	    a->text.min_count == b->text.min_count &&
	    a->text.lines == b->text.lines &&
	    same_s(a->text.record_sep, b->text.record_sep), "text options");
	DIFF(same_s(a->corpus, b->corpus), "corpus");
	DIFF(b->has_train == with_train, "has_train");
	if (!with_train)
		return 1;
	const train_settings *s = &a->settings, *t = &b->settings;
	DIFF(s->B == t->B && s->T == t->T && same_f(s->val_frac, t->val_frac),
	    "settings B/T/val");
	DIFF(s->opt.kind == t->opt.kind && same_f(s->opt.lr, t->opt.lr) &&
	    same_f(s->opt.beta1, t->opt.beta1) &&
	    same_f(s->opt.beta2, t->opt.beta2) &&
	    same_f(s->opt.eps, t->opt.eps) &&
	    same_f(s->opt.alpha, t->opt.alpha) &&
	    same_f(s->opt.momentum, t->opt.momentum), "settings optim");
	DIFF(same_f(s->lr_decay, t->lr_decay) &&
	    s->lr_decay_after == t->lr_decay_after &&
	    same_f(s->clip, t->clip) && s->epochs == t->epochs &&
	    s->max_steps == t->max_steps && s->patience == t->patience &&
	    s->eval_every == t->eval_every &&
	    s->report_every == t->report_every && s->seed == t->seed &&
	    s->sample_len == t->sample_len &&
	    s->nsample_temps == t->nsample_temps, "settings");
	for (int i = 0; i < s->nsample_temps; i++)
		DIFF(same_f(s->sample_temps[i], t->sample_temps[i]),
		    "sample temps");
	const train_progress *p = &a->prog, *q = &b->prog;
	DIFF(p->step == q->step && p->epoch == q->epoch &&
	    p->batch == q->batch, "progress position");
	DIFF(memcmp(p->rng.s, q->rng.s, sizeof p->rng.s) == 0, "rng");
	DIFF(same_f(p->lr, q->lr) && same_f(p->best_val, q->best_val) &&
	    p->best_step == q->best_step && p->stale == q->stale &&
	    same_d(p->elapsed, q->elapsed), "progress");
	DIFF(p->nhist == q->nhist, "history length");
	for (size_t i = 0; i < p->nhist; i++) {
		const hist_point *g = &p->hist[i], *h = &q->hist[i];
		DIFF(g->step == h->step && same_d(g->epoch, h->epoch) &&
		    same_f(g->train_loss, h->train_loss) &&
		    same_f(g->train_acc, h->train_acc) &&
		    same_f(g->val_loss, h->val_loss) &&
		    same_f(g->val_acc, h->val_acc) && same_f(g->lr, h->lr) &&
		    same_d(g->elapsed, h->elapsed), "history point");
	}
	DIFF(p->nstate == q->nstate && (p->nstate == 0 ||
	    memcmp(p->state, q->state, p->nstate * sizeof(float)) == 0),
	    "carried state");
	DIFF(b->opt != NULL && a->opt->t == b->opt->t, "optimizer step");
	DIFF(a->opt->cfg.kind == b->opt->cfg.kind &&
	    same_f(a->opt->cfg.lr, b->opt->cfg.lr) &&
	    same_f(a->opt->cfg.momentum, b->opt->cfg.momentum),
	    "optimizer config");
	for (int half = 0; half < 2; half++)
		if (!same_tensors(a->m, b->m, a->opt->state +
		    half * a->m->nparams, b->opt->state + half * b->m->nparams))
			return 0;
	return 1;
}

/* ---- files ------------------------------------------------------------- */

/* A safetensors file begun by hand: the 8-byte little-endian length of
 * the JSON header, then the header; the caller writes the data, closes. */
static FILE *
open_with_header(const char *path, const char *hdr, size_t len)
{
	FILE *f = fopen(path, "wb");
	unsigned char len8[8];

	if (f == NULL) {
		perror(path);
		exit(99);
	}
	for (int i = 0; i < 8; i++)
		len8[i] = (unsigned char)((uint64_t)len >> (8 * i));
	fwrite(len8, 1, 8, f);
	fwrite(hdr, 1, len, f);
	return f;
}

static unsigned char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *p = xmalloc((size_t)len + 1);
	*n = fread(p, 1, (size_t)len, f);
	fclose(f);
	return p;
}

static void
spit(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(99);
	}
}

static int
same_file(const char *a, const char *b)
{
	size_t na, nb;
	unsigned char *pa = slurp(a, &na), *pb = slurp(b, &nb);
	int same = pa && pb && na == nb && memcmp(pa, pb, na) == 0;
	free(pa);
	free(pb);
	return same;
}

/* Number of leftover "*.tmp.*" files in dir. */
static int
count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp.") != NULL)
			n++;
	closedir(d);
	return n;
}

static void
rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		chmod(path, 0700);
		while (d && (e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = xasprintf("%s/%s", path, e->d_name);
			rm_rf(p);
			free(p);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

static int
one_line(const char *cause, const char *path)
{
	return cause != NULL && strchr(cause, '\n') == NULL &&
	    strstr(cause, path) != NULL;
}

/* ---- the output's safety ---------------------------------------------- */

/* ckpt_load of a FIFO (nobody writing) must fail at once, not block in
 * open(2): in a child, so that a hang is a failure, not a stuck test. */
static void
test_load_special(void)
{
	char *fifo = xasprintf("%s/fifo.safetensors", tmpdir);
	char buf[512] = "";
	int fds[2], st = 0;

	if (mkfifo(fifo, 0600) != 0 || pipe(fds) != 0) {
		skip("mkfifo failed");
		free(fifo);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		ckpt c;
		char *why = NULL;
		alarm(5);
		int rc = ckpt_load(fifo, &c, &why);
		dprintf(fds[1], "%s", why ? why : "");
		_exit(rc < 0 ? 0 : 1);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], buf, sizeof buf - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && one_line(buf, fifo) &&
	    strstr(buf, "is a FIFO, not a model file"), "load of a FIFO fails "
	    "at once: %s", WIFSIGNALED(st) ? "(it blocked)" : buf);
	unlink(fifo);
	free(fifo);

	ckpt c;
	char *cause = NULL;
	int rc = ckpt_load("/dev/null", &c, &cause);
	ok(rc < 0 && one_line(cause, "/dev/null") &&
	    strstr(cause, "is a character device, not a model file"),
	    "load of a device: %s", STR(cause));
	free(cause);
}

/* Check path; want NULL: allowed, else refused with want in the message,
 * which names the path. */
static void
check_out(const char *what, const char *path, int force, const char *want)
{
	char *cause = NULL;
	int rc = ckpt_check_output(path, force, &cause);

	if (want == NULL)
		ok(rc == 0, "%s: may be written (%s)", what, STR(cause));
	else
		ok(rc < 0 && one_line(cause, path) && strstr(cause, want),
		    "%s: %s", what, STR(cause));
	free(cause);
}

static void
test_check_output(void)
{
	char *dir = xasprintf("%s/out", tmpdir);
	char *p = xasprintf("%s/new.safetensors", dir);
	char *ck = xasprintf("%s/m.safetensors", dir);
	char *txt = xasprintf("%s/notes.txt", dir);
	char *fifo = xasprintf("%s/fifo", dir);
	char *pt = xasprintf("%s/torch.safetensors", dir);
	char *ln = xasprintf("%s/link.safetensors", dir);
	char *q;
	ckpt a, b;

	mkdir(dir, 0777);
	make_ckpt(&a, CELL_GRU, 1, 4, 0, 1, 3);
	ckpt_save(ck, &a, 0, NULL);
	spit(txt, "my notes\n", 9);
	check_out("a new file", p, 0, NULL);
	ok(access(p, F_OK) != 0 && count_tmp(dir) == 0, "... and checking "
	    "created nothing");
	check_out("a burble checkpoint", ck, 0, NULL);
	check_out("an empty name", "", 1, "''");
	check_out("a directory", dir, 1, "it is a directory");
	check_out("a text file", txt, 0, "refusing to overwrite");
	check_out("a text file", txt, 0, "not a burble checkpoint");
	check_out("a text file with force", txt, 1, NULL);
	size_t n;
	unsigned char *t = slurp(txt, &n);
	ok(t != NULL && n == 9 && memcmp(t, "my notes\n", 9) == 0, "... the "
	    "text file is untouched");
	free(t);
	check_out("a character device, even with force", "/dev/null", 1,
	    "it is a character device");
	if (mkfifo(fifo, 0600) == 0)
		check_out("a FIFO, even with force", fifo, 1, "it is a FIFO");
	else
		skip("mkfifo failed");
	/* A safetensors file, not burble's (no "format": "burble"). */
	FILE *f = open_with_header(pt, "{\"__metadata__\":{\"format\":"
	    "\"pt\"}}", 32);
	fclose(f);
	check_out("a safetensors file of another program", pt, 0,
	    "not a burble checkpoint");
	q = xasprintf("%s/nodir/m.safetensors", dir);
	check_out("a missing directory", q, 0, "no directory");
	free(q);
	q = xasprintf("%s/m.safetensors", txt);
	check_out("a file as the directory", q, 0, strerror(ENOTDIR));
	free(q);
	if (geteuid() != 0) {
		q = xasprintf("%s/ro", dir);
		mkdir(q, 0555);
		char *r = xasprintf("%s/m.safetensors", q);
		check_out("a read-only directory", r, 0, strerror(EACCES));
		free(r);
		free(q);
	} else
		skip("read-only directory: running as root");

	/* Symbolic links are followed to the file; the link stays a link. */
	ok(symlink("m.safetensors", ln) == 0, "a link to the checkpoint");
	check_out("a link to a checkpoint", ln, 0, NULL);
	make_ckpt(&b, CELL_GRU, 1, 4, 0, 1, 4);
	struct stat st;
	ok(ckpt_save(ln, &b, 0, NULL) == 0 && lstat(ln, &st) == 0 &&
	    S_ISLNK(st.st_mode), "saving through the link keeps the link");
	ckpt c;
	if (ckpt_load(ck, &c, NULL) == 0) {
		ok(same_ckpt(&b, &c, 1), "... and replaces the file it leads "
		    "to");
		ckpt_free(&c);
	} else
		ok(0, "... and replaces the file it leads to");
	unlink(ln);
	if (symlink("notes.txt", ln) == 0)
		check_out("a link to a text file", ln, 0,
		    "not a burble checkpoint");
	unlink(ln);
	if (symlink("gone.safetensors", ln) == 0)
		check_out("a link to nothing", ln, 0, "symbolic link");
	char *cause = NULL;
	int rc = ckpt_save(ln, &b, 0, &cause);
	ok(rc < 0 && one_line(cause, ln) && lstat(ln, &st) == 0 &&
	    S_ISLNK(st.st_mode), "saving through a link to nothing fails, the "
	    "link stays: %s", STR(cause));
	free(cause);
	unlink(ln);
	ckpt_free(&a);
	ckpt_free(&b);
	free(p);
	free(ck);
	free(txt);
	free(fifo);
	free(pt);
	free(ln);
	free(dir);
}

/* In a child: ckpt_lock(path); 0 when refused as written by another run
 * with pid want in the message. */
static int
lock_refused_in_child(const char *path, pid_t want)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		char *why = NULL, pidstr[32];
		snprintf(pidstr, sizeof pidstr, "(pid %d)", (int)want);
		int fd = ckpt_lock(path, &why);
		_exit(fd < 0 && one_line(why, path) &&
		    strstr(why, "being written by another burble run") &&
		    strstr(why, pidstr) ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Several processes take and release the lock as fast as they can; each
 * checks that it is alone while holding it. */
static int
lock_stress(const char *path, const char *holder, int nproc, int iters)
{
	int bad = 0;

	for (int i = 0; i < nproc; i++)
		if (fork() == 0) {
			int clash = 0;
			for (int k = 0; k < iters; k++) {
				int fd;
				while ((fd = ckpt_lock(path, NULL)) < 0)
					;
				int h = open(holder, O_CREAT | O_EXCL | O_WRONLY,
				    0600);
				clash += h < 0;
				if (h >= 0) {
					close(h);
					unlink(holder);
				}
				ckpt_unlock(path, fd);
			}
			_exit(clash > 0);
		}
	for (int i = 0; i < nproc; i++) {
		int st;
		wait(&st);
		bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	return bad;
}

static void
test_lock(void)
{
	char *dir = xasprintf("%s/lock", tmpdir);
	char *p = xasprintf("%s/m.safetensors", dir);
	char *lp = xasprintf("%s.lock", p);
	char *holder = xasprintf("%s/holder", dir);
	char *cause = NULL;
	size_t n;

	mkdir(dir, 0777);
	int fd = ckpt_lock(p, &cause);
	ok(fd >= 0, "lock (%s)", STR(cause));
	unsigned char *text = slurp(lp, &n);
	ok(text != NULL && atol((char *)text) == (long)getpid(), "the lock "
	    "file holds our pid");
	free(text);
	free(cause);
	cause = NULL;
	int fd2 = ckpt_lock(p, &cause);
	ok(fd2 < 0 && one_line(cause, p) && strstr(cause, "being written by "
	    "another burble run"), "a second lock in the same process is "
	    "refused: %s", STR(cause));
	free(cause);
	cause = NULL;
	ok(lock_refused_in_child(p, getpid()), "a second lock in another "
	    "process is refused, naming our pid");
	ckpt_unlock(p, fd);
	ok(access(lp, F_OK) != 0, "unlock removes the lock file");

	/* A run holds it, then dies without unlocking. */
	int sync[2];
	if (pipe(sync) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			int cfd = ckpt_lock(p, NULL);
			if (write(sync[1], "x", 1) != 1 || cfd < 0)
				_exit(1);
			pause();
			_exit(0);
		}
		char c;
		if (read(sync[0], &c, 1) != 1)
			diag("the child did not lock");
		ok(lock_refused_in_child(p, pid), "locked by another process: "
		    "refused, naming its pid");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(sync[0]);
		close(sync[1]);
		fd = ckpt_lock(p, &cause);
		ok(fd >= 0, "the lock of a run that died is taken over (%s)",
		    STR(cause));
		ckpt_unlock(p, fd);
		free(cause);
		cause = NULL;
	}

	/* A file that is not ours is neither taken nor changed. */
	spit(lp, "my own notes\n", 13);
	fd = ckpt_lock(p, &cause);
	ok(fd < 0 && one_line(cause, p) && strstr(cause, "not a burble lock"),
	    "a foreign PATH.lock is refused: %s", STR(cause));
	text = slurp(lp, &n);
	ok(text != NULL && n == 13 && memcmp(text, "my own notes\n", 13) == 0,
	    "... and left as it was");
	free(text);
	free(cause);
	unlink(lp);

	ok(lock_stress(p, holder, 4, 300) == 0, "4 processes locking and "
	    "unlocking 300 times each: never two holders at once");
	ok(access(lp, F_OK) != 0, "... and no lock file left");
	free(dir);
	free(p);
	free(lp);
	free(holder);
}

/* ckpt_write_atomic, both ways: unnamed (O_TMPFILE) and named. */
static int
write_hello(int fd, void *arg)
{
	const char *s = arg;
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
}

static int
write_fail(int fd, void *arg)
{
	(void)arg;
	if (write(fd, "half", 4) != 4)
		return -1;
	errno = ENOSPC;
	return -1;
}

static void
test_atomic(void)
{
	char *dir = xasprintf("%s/atomic", tmpdir);
	char *p = xasprintf("%s/f", dir);

	mkdir(dir, 0777);
	for (int named = 0; named < 2; named++) {
		const char *how = named ? "named" : "unnamed";
		char *cause = NULL;
		size_t n;
		char want[16];
		snprintf(want, sizeof want, "version %d\n", named);
		int rc = ckpt_write_atomic(p, write_hello, want, named, &cause);
		unsigned char *got = slurp(p, &n);
		ok(rc == 0 && got != NULL && n == strlen(want) &&
		    memcmp(got, want, n) == 0 && count_tmp(dir) == 0,
		    "%s temporary file: written whole, nothing left (%s)", how,
		    STR(cause));
		free(got);
		free(cause);
		cause = NULL;
		rc = ckpt_write_atomic(p, write_fail, NULL, named, &cause);
		got = slurp(p, &n);
		ok(rc < 0 && one_line(cause, p) &&
		    strstr(cause, strerror(ENOSPC)) && got != NULL &&
		    n == strlen(want) && memcmp(got, want, n) == 0 &&
		    count_tmp(dir) == 0, "%s: a failed write leaves the "
		    "previous file and no temporary file: %s", how,
		    STR(cause));
		free(got);
		free(cause);
	}
	unlink(p);
	free(p);
	free(dir);
}

/* ---- tests ------------------------------------------------------------- */

static void
test_round_trips(void)
{
	static const int cells[] = { CELL_LSTM, CELL_GRU, CELL_RNN };
	char *p1 = xasprintf("%s/rt.safetensors", tmpdir);
	char *p2 = xasprintf("%s/rt2.safetensors", tmpdir);

	for (int ci = 0; ci < 3; ci++)
		for (int E = 0; E <= 5; E += 5) {
			const char *cn = cell_name(cells[ci]);
			ckpt a, b, w;
			char *cause = NULL;
			make_ckpt(&a, cells[ci], 2, 6, E, 1, 7 + ci + E);
			int rc = ckpt_save(p1, &a, 0, &cause);
			ok(rc == 0, "%s E=%d: save (%s)", cn, E,
			    cause ? cause : "ok");
			free(cause);
			cause = NULL;
			rc = ckpt_load(p1, &b, &cause);
			ok(rc == 0, "%s E=%d: load (%s)", cn, E,
			    cause ? cause : "ok");
			free(cause);
			cause = NULL;
			if (rc == 0) {
				ok(same_ckpt(&a, &b, 1), "%s E=%d: "
				    "bit-identical weights, optimizer, "
				    "state, rng, progress, history, vocab, "
				    "text options", cn, E);
				ok(ckpt_save(p2, &b, 0, NULL) == 0 &&
				    same_file(p1, p2), "%s E=%d: saving the "
				    "loaded checkpoint gives the same bytes",
				    cn, E);
				ckpt_free(&b);
			}
			/* Weights only. */
			rc = ckpt_save(p1, &a, 1, &cause);
			ok(rc == 0 && ckpt_load(p1, &w, &cause) == 0,
			    "%s E=%d: weights-only save and load", cn, E);
			if (rc == 0 && w.m != NULL) {
				ok(same_ckpt(&a, &w, 0) && w.opt == NULL &&
				    w.prog.state == NULL && !w.has_train,
				    "%s E=%d: weights-only has the weights, "
				    "no optimizer or carried state", cn, E);
				ok(w.prog.nhist == a.prog.nhist &&
				    w.settings.B == a.settings.B &&
				    w.prog.step == a.prog.step,
				    "%s E=%d: weights-only keeps settings and "
				    "history for display", cn, E);
				ckpt_free(&w);
			}
			free(cause);
			ckpt_free(&a);
		}

	/* A model that never trained: no settings, progress or optimizer. */
	ckpt a, b;
	train_settings def;
	train_settings_default(&def);
	make_ckpt(&a, CELL_GRU, 1, 4, 0, 0, 99);
	ok(ckpt_save(p1, &a, 0, NULL) == 0 && ckpt_load(p1, &b, NULL) == 0 &&
	    same_ckpt(&a, &b, 0) && b.prog.nhist == 0 &&
	    b.settings.B == def.B && b.settings.T == def.T,
	    "untrained model round trip; defaults for the rest");
	ckpt_free(&b);
	a.voc.V--;
	char *cause = NULL;
	int rc = ckpt_save(p1, &a, 0, &cause);
	ok(rc < 0 && one_line(cause, p1),
	    "vocabulary/model mismatch refused: %s", STR(cause));
	free(cause);
	a.voc.V++;
	ckpt_free(&a);

	/* Carried state of the wrong size is refused at save time. */
	make_ckpt(&a, CELL_LSTM, 1, 4, 0, 1, 5);
	a.prog.nstate--;
	cause = NULL;
	rc = ckpt_save(p1, &a, 0, &cause);
	ok(rc < 0 && one_line(cause, p1),
	    "carried state of the wrong size refused: %s", STR(cause));
	free(cause);
	a.prog.nstate++;
	/* No carried state at all is fine. */
	free(a.prog.state);
	a.prog.state = NULL;
	a.prog.nstate = 0;
	ok(ckpt_save(p1, &a, 0, NULL) == 0 && ckpt_load(p1, &b, NULL) == 0 &&
	    b.has_train && b.prog.state == NULL && same_ckpt(&a, &b, 1),
	    "checkpoint without carried state round trip");
	ckpt_free(&b);
	ckpt_free(&a);
	free(p1);
	free(p2);
}

/* Parse the file as safetensors by hand (not with ckpt_load). */
static void
test_layout(void)
{
	char *path = xasprintf("%s/layout.safetensors", tmpdir);
	ckpt a;
	size_t n;

	make_ckpt(&a, CELL_LSTM, 2, 5, 3, 1, 3);
	ckpt_save(path, &a, 0, NULL);
	unsigned char *f = slurp(path, &n);
	uint64_t N = 0;
	for (int i = 0; i < 8; i++)
		N |= (uint64_t)f[i] << (8 * i);
	ok(N % 8 == 0 && 8 + N <= n, "header length %llu: a multiple of 8, "
	    "inside the file", (unsigned long long)N);
	json_error_t err;
	json_t *h = json_loadb((char *)f + 8, N, JSON_REJECT_DUPLICATES, &err);
	ok(h != NULL && json_is_object(h), "header is a JSON object (%s)",
	    h ? "ok" : err.text);
	size_t last = N;
	while (last > 0 && f[8 + last - 1] == ' ')
		last--;
	ok(f[8] == '{' && f[8 + last - 1] == '}', "header starts with '{', "
	    "padded with spaces after '}'");
	uint64_t datasize = n - 8 - N, covered = 0;
	int good = 1, count = 0;
	const char *key;
	json_t *v;
	json_object_foreach(h, key, v) {
		if (strcmp(key, "__metadata__") == 0)
			continue;
		count++;
		json_t *sh = json_object_get(v, "shape");
		json_t *off = json_object_get(v, "data_offsets");
		uint64_t elems = 1;
		for (size_t i = 0; i < json_array_size(sh); i++)
			elems *= (uint64_t)json_integer_value(
			    json_array_get(sh, i));
		uint64_t b = (uint64_t)json_integer_value(
		    json_array_get(off, 0));
		uint64_t e = (uint64_t)json_integer_value(
		    json_array_get(off, 1));
		good &= strcmp(json_string_value(json_object_get(v, "dtype")),
		    "F32") == 0;
		good &= e - b == 4 * elems && e <= datasize;
		covered += e - b;
		const model_tensor *t = model_tensor_find(a.m, key);
		if (t != NULL) {
			good &= json_array_size(sh) == (size_t)t->ndim &&
			    (uint64_t)json_integer_value(json_array_get(sh,
			    0)) == t->shape[0];
			/* The data is little-endian F32 at the offsets. */
			for (size_t i = 0; i < t->size; i++) {
				const unsigned char *q = f + 8 + N + b + 4 * i;
				uint32_t u = (uint32_t)q[0] |
				    (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
				    (uint32_t)q[3] << 24;
				float x;
				memcpy(&x, &u, 4);
				good &= same_f(x, a.m->params[t->offset + i]);
			}
		}
	}
	ok(good && covered == datasize, "every tensor F32 with a byte range "
	    "matching its shape; the ranges cover the data exactly");
	ok(count == a.m->ntensors + 2, "%d model tensors + optimizer + carried "
	    "state", a.m->ntensors);
	ok(json_object_get(h, "lstm.weight_ih_l0") != NULL &&
	    json_object_get(h, "embedding.weight") != NULL &&
	    json_object_get(h, "fc.bias") != NULL, "PyTorch's tensor names");
	json_t *meta = json_object_get(h, "__metadata__");
	int strs = json_is_object(meta);
	json_object_foreach(meta, key, v)
		strs &= json_is_string(v);
	ok(strs, "__metadata__ maps strings to strings");
	const char *ver = json_string_value(json_object_get(meta,
	    "burble.version"));
	ok(ver && atoi(ver) == CKPT_FORMAT_VERSION, "burble.version");
	const char *cfg = json_string_value(json_object_get(meta,
	    "burble.config"));
	ok(cfg && strcmp(cfg, "{\"cell\":\"lstm\",\"layers\":2,\"hidden\":5,"
	    "\"vocab\":12,\"embed\":3,\"dropout\":0.2}") == 0,
	    "burble.config: %s", cfg ? cfg : "(none)");
	const char *voc = json_string_value(json_object_get(meta,
	    "burble.vocab"));
	ok(voc && strstr(voc, "1114112,1114113],\"unk\":10,\"eor\":11}"),
	    "burble.vocab: %s", voc ? voc : "(none)");
	json_decref(h);
	free(f);

	/* Determinism: the same checkpoint twice gives the same bytes. */
	char *p2 = xasprintf("%s/layout2.safetensors", tmpdir);
	ckpt_save(p2, &a, 0, NULL);
	ok(same_file(path, p2), "saving is deterministic");
	ckpt_free(&a);
	free(p2);
	free(path);
}

/* Write a file the way PyTorch would: tensors and only the two required
 * metadata entries. */
static void
test_foreign(void)
{
	char *path = xasprintf("%s/torch.safetensors", tmpdir);
	ckpt a, b;
	char *cause = NULL;

	make_ckpt(&a, CELL_RNN, 1, 3, 0, 0, 11);
	json_t *root = json_object(), *meta = json_object();
	uint64_t off = 0;
	/* Reverse order, so the file's order differs from burble's. */
	for (int i = a.m->ntensors - 1; i >= 0; i--) {
		const model_tensor *t = &a.m->tensors[i];
		json_t *sh = t->ndim == 2 ? json_pack("[I,I]",
		    (json_int_t)t->shape[0], (json_int_t)t->shape[1]) :
		    json_pack("[I]", (json_int_t)t->shape[0]);
		json_object_set_new(root, t->name, json_pack(
		    "{s:s,s:o,s:[I,I]}", "dtype", "F32", "shape", sh,
		    "data_offsets", (json_int_t)off,
		    (json_int_t)(off + 4 * t->size)));
		off += 4 * t->size;
	}
	json_object_set_new(meta, "format", json_string("pt"));
	json_object_set_new(meta, "burble.config", json_string(
	    "{\"cell\": \"rnn\", \"layers\": 1, \"hidden\": 3, "
	    "\"vocab\": 12}"));
	char *cp = xasprintf("{\"cp\": [10, 32, 37, 97, 98, 99, 233, 1040, "
	    "1103, 128512, 1114112, 1114113]}");
	json_object_set_new(meta, "burble.vocab", json_string(cp));
	free(cp);
	json_object_set_new(root, "__metadata__", meta);
	char *hdr = json_dumps(root, JSON_INDENT(1));
	size_t hl = strlen(hdr);
	FILE *f = open_with_header(path, hdr, hl);
	for (int i = a.m->ntensors - 1; i >= 0; i--)
		fwrite(a.m->params + a.m->tensors[i].offset, 4,
		    a.m->tensors[i].size, f);
	fclose(f);
	free(hdr);
	json_decref(root);
	int rc = ckpt_load(path, &b, &cause);
	ok(rc == 0, "a PyTorch-written file (config + vocab only, other "
	    "order, unpadded) loads (%s)", cause ? cause : "ok");
	if (rc == 0) {
		ok(b.voc.V == 12 && memcmp(b.voc.cp, test_cp,
		    sizeof test_cp) == 0 && b.voc.unk == 10 &&
		    b.voc.eor == 11 &&
		    same_tensors(a.m, b.m, a.m->params, b.m->params),
		    "its weights and vocabulary");
		ok(!b.has_train && b.opt == NULL && b.text.filter ==
		    TEXT_FILTER_NONE && b.corpus == NULL, "no training state; "
		    "default text options");
		ckpt_free(&b);
	}
	free(cause);
	ckpt_free(&a);
	free(path);
}

static void
test_save_errors(void)
{
	char *good = xasprintf("%s/err/good.safetensors", tmpdir);
	char *copy = xasprintf("%s/err/copy.safetensors", tmpdir);
	char *dir = xasprintf("%s/err", tmpdir);
	char *cause = NULL;
	ckpt a, old;

	mkdir(dir, 0777);
	make_ckpt(&old, CELL_LSTM, 1, 4, 0, 1, 1);
	make_ckpt(&a, CELL_LSTM, 1, 4, 0, 1, 2);
	ckpt_save(good, &old, 0, NULL);
	ckpt_save(copy, &old, 0, NULL);
	ckpt_free(&old);

	/* A directory that does not exist. */
	char *p = xasprintf("%s/nope/m.safetensors", tmpdir);
	int rc = ckpt_save(p, &a, 0, &cause);
	ok(rc < 0 && one_line(cause, p) &&
	    strstr(cause, strerror(ENOENT)), "missing directory: %s",
	    STR(cause));
	free(cause);
	free(p);
	cause = NULL;

	/* A "directory" that is a file. */
	p = xasprintf("%s/sub/m.safetensors", good);
	rc = ckpt_save(p, &a, 0, &cause);
	ok(rc < 0 && one_line(cause, p) &&
	    strstr(cause, strerror(ENOTDIR)), "parent is a file: %s",
	    STR(cause));
	free(cause);
	free(p);
	cause = NULL;

	/* The target is a directory: rename fails, the temp file goes. */
	p = xasprintf("%s/adir", dir);
	mkdir(p, 0777);
	rc = ckpt_save(p, &a, 0, &cause);
	ok(rc < 0 && one_line(cause, p) &&
	    count_tmp(dir) == 0, "target is a directory: %s; no temporary "
	    "file left", STR(cause));
	free(cause);
	free(p);
	cause = NULL;

	/* A full disk, simulated with RLIMIT_FSIZE (EFBIG), in a child. */
	int fds[2];
	if (pipe(fds) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			struct rlimit rl = { 4096, 4096 };
			close(fds[0]);
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &rl);
			char *why = NULL;
			int crc = ckpt_save(good, &a, 0, &why);
			dprintf(fds[1], "%d %s", crc, why ? why : "");
			_exit(0);
		}
		close(fds[1]);
		char buf[1024] = "";
		ssize_t r = read(fds[0], buf, sizeof buf - 1);
		buf[r > 0 ? r : 0] = '\0';
		close(fds[0]);
		waitpid(pid, NULL, 0);
		ok(strncmp(buf, "-1 ", 3) == 0 && one_line(buf + 3, good) &&
		    strstr(buf, strerror(EFBIG)), "disk full (EFBIG): %s",
		    buf);
		ok(same_file(good, copy) && count_tmp(dir) == 0,
		    "disk full: previous file byte-identical, no temporary "
		    "file left");
	}

	/* A read-only directory (root ignores permissions). */
	if (geteuid() != 0) {
		chmod(dir, 0555);
		rc = ckpt_save(good, &a, 0, &cause);
		ok(rc < 0 &&
		    one_line(cause, good) && strstr(cause, strerror(EACCES)),
		    "read-only directory: %s", STR(cause));
		chmod(dir, 0755);
		ok(same_file(good, copy) && count_tmp(dir) == 0,
		    "read-only directory: previous file byte-identical");
		free(cause);
		cause = NULL;
	} else {
		skip("read-only directory: running as root");
		skip("read-only directory: running as root");
	}
	ok(ckpt_save(good, &a, 0, NULL) == 0 && !same_file(good, copy),
	    "after the failures, saving works and replaces the file");
	struct stat st;
	mode_t um = umask(022);
	umask(um);
	rc = stat(good, &st);
	ok(rc == 0 && (st.st_mode & 0777) == (0666 & ~um),
	    "the file has mode 0666 & ~umask (%o)", st.st_mode & 0777);

	/* Loading: missing file, a directory. */
	p = xasprintf("%s/none.safetensors", tmpdir);
	rc = ckpt_load(p, &old, &cause);	/* fails: nothing to free */
	ok(rc < 0 && one_line(cause, p),
	    "load of a missing file: %s", STR(cause));
	free(cause);
	cause = NULL;
	rc = ckpt_load(dir, &old, &cause);
	ok(rc < 0 && one_line(cause, dir),
	    "load of a directory: %s", STR(cause));
	free(cause);
	free(p);
	ckpt_free(&a);
	free(good);
	free(copy);
	free(dir);
}

/* Whether process pid has a file open in dir (a save in progress: the
 * unnamed temporary file shows as "DIR/#INODE (deleted)"). */
static int
writing_in(pid_t pid, const char *dir)
{
	char *fds = xasprintf("/proc/%d/fd", (int)pid), link[4096];
	DIR *d = opendir(fds);
	struct dirent *e;
	size_t n = strlen(dir);
	int yes = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char *p = xasprintf("%s/%s", fds, e->d_name);
		ssize_t k = readlink(p, link, sizeof link - 1);
		free(p);
		if (k > 0) {
			link[k] = '\0';
			yes |= strncmp(link, dir, n) == 0 && link[n] == '/';
		}
	}
	if (d != NULL)
		closedir(d);
	free(fds);
	return yes;
}

/* Stale temporary files of ours are removed, nothing else. */
static void
test_clean_stale(const char *dir, const char *path)
{
	static const char *const decoys[] = {
		"m.safetensors.tmp.Ab12C", "m.safetensors.tmp.Ab12Cde",
		"m.safetensors.tmp.Ab-2Cd", "n.safetensors.tmp.Ab12Cd",
		"m.safetensors.tmp.", "m.safetensors.lock.tmp.Ab12Cd",
	};
	char *stale = xasprintf("%s/m.safetensors.tmp.Ab12Cd", dir);
	char *sdir = xasprintf("%s/m.safetensors.tmp.Dir123", dir);
	char *cause = NULL;
	int kept = 0;

	spit(stale, "partial", 7);
	mkdir(sdir, 0777);
	for (size_t i = 0; i < NELEMS(decoys); i++) {
		char *q = xasprintf("%s/%s", dir, decoys[i]);
		spit(q, "mine", 4);
		free(q);
	}
	int fd = ckpt_lock(path, &cause);
	int n = fd >= 0 ? ckpt_clean_stale(path, &cause) : -1;
	ckpt_unlock(path, fd);
	for (size_t i = 0; i < NELEMS(decoys); i++) {
		char *q = xasprintf("%s/%s", dir, decoys[i]);
		kept += access(q, F_OK) == 0;
		unlink(q);
		free(q);
	}
	ok(n == 1 && access(stale, F_OK) != 0, "a stale PATH.tmp.XXXXXX is "
	    "removed (%d; %s)", n, STR(cause));
	ok(kept == (int)NELEMS(decoys) && access(sdir, F_OK) == 0 &&
	    access(path, F_OK) == 0, "... and nothing else: other names, a "
	    "directory, the checkpoint");
	rmdir(sdir);
	free(cause);
	free(stale);
	free(sdir);
}

/* A child saves a big model over and over; SIGKILL at random moments. The
 * file must always load, and be one version or the other, whole; the
 * saves cut short must leave no temporary file (but in the instant between
 * naming it and the rename). */
static void
test_kill_during_save(void)
{
	char *dir = xasprintf("%s/kill", tmpdir);
	char *path = xasprintf("%s/m.safetensors", dir);
	ckpt v[2];
	rng_t r;
	int loads = 0, mid = 0, left = 0, iters = 0, whole = 1;

	mkdir(dir, 0777);
	char *rdir = realpath(dir, NULL);
	make_ckpt(&v[0], CELL_LSTM, 2, 384, 0, 1, 100);
	make_ckpt(&v[1], CELL_LSTM, 2, 384, 0, 1, 200);
	if (rdir == NULL || ckpt_save(path, &v[0], 0, NULL) < 0) {
		ok(0, "kill test: first save");
		return;
	}
	rng_seed(&r, (uint64_t)time(NULL));
	for (iters = 0; iters < 60 && (iters < 20 || mid < 8); iters++) {
		pid_t pid = fork();
		if (pid == 0) {
			for (int k = 1;; k ^= 1)
				ckpt_save(path, &v[k], 0, NULL);
		}
		struct timespec ts = { 0, (long)rng_below(&r, 150000000) };
		nanosleep(&ts, NULL);
		kill(pid, SIGSTOP);
		waitpid(pid, NULL, WUNTRACED);
		mid += writing_in(pid, rdir);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		left += count_tmp(dir);
		int fd = ckpt_lock(path, NULL);
		ckpt_clean_stale(path, NULL);
		ckpt_unlock(path, fd);
		ckpt c;
		char *cause = NULL;
		if (ckpt_load(path, &c, &cause) == 0) {
			loads++;
			quiet = 1;
			whole &= same_ckpt(&v[0], &c, 1) ||
			    same_ckpt(&v[1], &c, 1);
			quiet = 0;
			ckpt_free(&c);
		} else
			diag("after kill %d: %s", iters, STR(cause));
		free(cause);
	}
	ok(loads == iters, "kill -9 during save: the file loaded after all %d "
	    "kills (%d of them mid-save)", iters, mid);
	ok(whole, "... and was always one complete version");
	ok(mid > 0, "... some kills hit a save in progress (%d)", mid);
	ok(left * 4 <= mid, "... and left no temporary file behind (%d after "
	    "%d kills mid-save; only the instant between link and rename "
	    "may)", left, mid);
	ok(count_tmp(dir) == 0, "no temporary file after the cleaning");
	test_clean_stale(dir, path);
	ckpt_free(&v[0]);
	ckpt_free(&v[1]);
	free(rdir);
	free(path);
	free(dir);
}

static const char *
bad_dir(void)
{
	static char buf[1024];
	const char *src = getenv("top_srcdir");
	const char *cands[] = { "tests/ckpt-bad", "../tests/ckpt-bad",
	    "ckpt-bad" };
	struct stat st;
	if (src != NULL) {
		snprintf(buf, sizeof buf, "%s/tests/ckpt-bad", src);
		if (stat(buf, &st) == 0)
			return buf;
	}
	for (size_t i = 0; i < NELEMS(cands); i++)
		if (stat(cands[i], &st) == 0)
			return cands[i];
	return NULL;
}

/* tests/ckpt-bad/EXPECT: "file<TAB>part of the message" per line. */
static void
test_bad_files(void)
{
	const char *dir = bad_dir();
	if (dir == NULL) {
		skip("tests/ckpt-bad not found");
		return;
	}
	char *ex = xasprintf("%s/EXPECT", dir);
	FILE *f = fopen(ex, "r");
	char line[512];
	int n = 0;
	free(ex);
	if (f == NULL) {
		ok(0, "tests/ckpt-bad/EXPECT readable");
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || tab == NULL)
			continue;
		*tab = '\0';
		char *want = tab + 1;
		want[strcspn(want, "\n")] = '\0';
		char *p = xasprintf("%s/%s", dir, line);
		ckpt c;
		char *cause = NULL;
		int rc = ckpt_load(p, &c, &cause);
		if (strcmp(want, "-") == 0)
			ok(rc == 0, "%s (a good base) loads: %s", line,
			    STR(cause));
		else
			ok(rc < 0 && one_line(cause, p) &&
			    strstr(strstr(cause, p) + strlen(p), want) != NULL,
			    "%s rejected: %s", line, STR(cause));
		if (rc == 0)
			ckpt_free(&c);
		free(cause);
		free(p);
		n++;
	}
	fclose(f);
	ok(n >= 20, "%d malformed files checked", n);
}

/* jansson needs ~80 bytes per byte of "[{},{},...]": such headers, and
 * such metadata, are refused before parsing. */
static void
test_costly_json(void)
{
	char *path = xasprintf("%s/costly.safetensors", tmpdir);
	size_t n = (size_t)8 << 20, len;
	char *h = xmalloc(n + 64), *cause = NULL;
	ckpt c;

	len = (size_t)sprintf(h, "{\"a\":[");
	while (len < n)
		len += (size_t)sprintf(h + len, "{},");
	h[len - 1] = ']';
	h[len++] = '}';
	while (len % 8)
		h[len++] = ' ';
	fclose(open_with_header(path, h, len));
	int rc = ckpt_load(path, &c, &cause);
	ok(rc < 0 && one_line(cause, path) && strstr(cause, "structured"),
	    "an 8 MB header of empty objects is refused unparsed: %s",
	    STR(cause));
	free(cause);
	cause = NULL;

	/* The same as the history of a valid file. */
	ckpt a;
	size_t fn;
	uint64_t N = 0;
	make_ckpt(&a, CELL_LSTM, 1, 3, 0, 1, 4);
	ckpt_save(path, &a, 0, NULL);
	ckpt_free(&a);
	unsigned char *file = slurp(path, &fn);
	for (int i = 0; i < 8; i++)
		N |= (uint64_t)file[i] << (8 * i);
	json_t *root = json_loadb((char *)file + 8, N, 0, NULL);
	h[len] = '\0';
	json_object_set_new(json_object_get(root, "__metadata__"),
	    "burble.history", json_string(h + 5));
	char *text = json_dumps(root, JSON_COMPACT);
	len = strlen(text);
	FILE *f = open_with_header(path, text, len);
	fwrite(file + 8 + N, 1, fn - 8 - N, f);
	fclose(f);
	rc = ckpt_load(path, &c, &cause);
	ok(rc < 0 && one_line(cause, path) && strstr(cause, "burble.history") &&
	    strstr(cause, "structured"), "the same as a history is refused: "
	    "%s", STR(cause));
	free(cause);
	free(text);
	free(file);
	json_decref(root);
	free(h);
	free(path);
}

/* A history too long for a header is thinned on save, never unreadable:
 * evaluations and the last point stay. */
static void
test_long_history(void)
{
	char *path = xasprintf("%s/long.safetensors", tmpdir);
	ckpt a, b;
	size_t nev = 0;

	make_ckpt(&a, CELL_RNN, 1, 3, 0, 1, 8);
	for (long i = 0; i < 150000; i++) {
		hist_point h = { .step = 1000 + i, .epoch = i / 977.0,
			.train_loss = 1.0f + (float)i * 1e-6f,
			.train_acc = 0.123456789f, .val_loss = NAN,
			.val_acc = NAN, .lr = 0.00123456f,
			.elapsed = i * 1.0000001 };
		if (i % 1000 == 0) {
			h.val_loss = 1.5f;
			h.val_acc = 0.5f;
		}
		hist_push(&a.prog, &h);
	}
	for (size_t i = 0; i < a.prog.nhist; i++)
		nev += !isnan(a.prog.hist[i].val_loss);
	int rc = ckpt_save(path, &a, 0, NULL);
	ok(rc == 0, "a checkpoint with %zu history points saves",
	    a.prog.nhist);
	rc = ckpt_load(path, &b, NULL);
	ok(rc == 0, "... and loads");
	if (rc == 0) {
		size_t ev = 0;
		for (size_t i = 0; i < b.prog.nhist; i++)
			ev += !isnan(b.prog.hist[i].val_loss);
		ok(b.prog.nhist < a.prog.nhist && ev == nev &&
		    b.prog.hist[b.prog.nhist - 1].step ==
		    a.prog.hist[a.prog.nhist - 1].step && b.prog.hist[0].step ==
		    a.prog.hist[0].step, "the history was thinned to %zu "
		    "points, keeping all %zu evaluations, the first and the "
		    "last", b.prog.nhist, ev);
		ckpt_free(&b);
	}
	ckpt_free(&a);
	free(path);
}

static void
test_mutations(void)
{
	char *base = xasprintf("%s/base.safetensors", tmpdir);
	char *mut = xasprintf("%s/mut.safetensors", tmpdir);
	ckpt a;
	size_t n;
	rng_t r;
	int loaded = 0, clean = 1, iters = 2000;

	make_ckpt(&a, CELL_GRU, 2, 3, 2, 1, 5);
	ckpt_save(base, &a, 0, NULL);
	ckpt_free(&a);
	unsigned char *f = slurp(base, &n);
	uint64_t N = 0;
	for (int i = 0; i < 8; i++)
		N |= (uint64_t)f[i] << (8 * i);
	unsigned char *buf = xmalloc(n + 4096);
	rng_seed(&r, 12345);
	for (int it = 0; it < iters; it++) {
		size_t m = n;
		memcpy(buf, f, n);
		int ops = 1 + (int)rng_below(&r, 3);
		for (int k = 0; k < ops; k++) {
			switch (rng_below(&r, 8)) {
			case 0:	/* flip bits anywhere */
				buf[rng_below(&r, m)] ^=
				    (unsigned char)(1u << rng_below(&r, 8));
				break;
			case 1:	/* a random byte in the header */
				buf[8 + rng_below(&r, N)] =
				    (unsigned char)rng_u64(&r);
				break;
			case 2:	/* a digit in the header: shapes, offsets */
			{
				size_t at = 8 + rng_below(&r, N);
				for (size_t j = 0; j < N; j++) {
					size_t q = 8 + (at - 8 + j) % N;
					if (buf[q] >= '0' && buf[q] <= '9') {
						buf[q] = (unsigned char)('0' +
						    rng_below(&r, 10));
						break;
					}
				}
				break;
			}
			case 3:	/* truncate */
				m = rng_below(&r, m + 1);
				break;
			case 4:	/* extend */
			{
				size_t k2 = 1 + rng_below(&r, 4000);
				if (m + k2 > n + 4000)
					k2 = n + 4000 - m;
				for (size_t j = 0; j < k2; j++)
					buf[m + j] = (unsigned char)rng_u64(&r);
				m += k2;
				break;
			}
			case 5:	/* a random header length */
			{
				uint64_t v = rng_below(&r, 2) ? rng_u64(&r) :
				    rng_below(&r, m + 16);
				for (int i = 0; i < 8; i++)
					buf[i] = (unsigned char)(v >> (8 * i));
				break;
			}
			case 6:	/* delete a span of the header, keep the
				   length field consistent */
			{
				if (m < 8 + N)
					break;
				size_t at = 8 + rng_below(&r, N);
				size_t len = 1 + rng_below(&r, 16);
				if (at + len > 8 + N)
					len = 8 + N - at;
				memmove(buf + at, buf + at + len, m - at - len);
				m -= len;
				uint64_t nn = N - len;
				for (int i = 0; i < 8; i++)
					buf[i] = (unsigned char)(nn >> (8 * i));
				break;
			}
			default: /* swap two header bytes */
			{
				size_t x = 8 + rng_below(&r, N);
				size_t y = 8 + rng_below(&r, N);
				if (x < m && y < m) {
					unsigned char t = buf[x];
					buf[x] = buf[y];
					buf[y] = t;
				}
				break;
			}
			}
		}
		spit(mut, buf, m);
		ckpt c;
		char *cause = NULL;
		if (ckpt_load(mut, &c, &cause) == 0) {
			loaded++;
			clean &= c.m != NULL && c.voc.V == c.m->cfg.V;
			ckpt_free(&c);
		} else if (!one_line(cause, mut)) {
			clean = 0;
			diag("bad message: %s", cause ? cause : "(null)");
		}
		free(cause);
	}
	ok(clean, "%d mutated files: no crash, each loads or fails with one "
	    "line (%d loaded)", iters, loaded);
	free(buf);
	free(f);
	free(base);
	free(mut);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/test_ckpt.XXXXXX",
	    t && *t ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		tap_skip_all("cannot create a temporary directory");

	test_round_trips();
	test_layout();
	test_foreign();
	test_save_errors();
	test_bad_files();
	test_costly_json();
	test_long_history();
	test_mutations();
	test_load_special();
	test_check_output();
	test_lock();
	test_atomic();
	test_kill_during_save();

	rm_rf(tmpdir);
	return tap_done();
}
