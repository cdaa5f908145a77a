/* ckpt_out.c - writing a checkpoint safely: may it be written there, one
 * writer at a time, an atomic replacement that leaves nothing behind.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A symbolic link at the output is followed: the file it leads to is the
 * one checked, locked and replaced, and the link stays a link (a link to a
 * missing file is refused). The lock is a file beside that target,
 * "TARGET.lock", holding the owner's pid; the temporary files are unnamed
 * (O_TMPFILE) or, where that is not supported, "TARGET.tmp.XXXXXX".
 */
#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* O_TMPFILE, AT_EMPTY_PATH */
#endif

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt_int.h"
#include "file.h"

#define TMP_SUFFIX ".tmp."
#define TMP_RANDOM 6
#define LOCK_SUFFIX ".lock"

static const char tmp_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* ---- names -------------------------------------------------------------- */

/* The file to write for path: path itself, or where the symbolic link at
 * path leads. NULL (errno set) for a link that leads nowhere. */
static char *
out_target(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		return realpath(path, NULL);
	return xstrdup(path);
}

/* The directory of path ("." or "/" where it has none). */
static char *
dir_of(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash == NULL) {
		free(dir);
		return xstrdup(".");
	}
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return dir;
}

/* "TARGET.tmp.XXXXXX" with random letters and digits. */
static char *
tmp_name(const char *target, rng_t *r)
{
	char sfx[TMP_RANDOM + 1];

	for (int i = 0; i < TMP_RANDOM; i++)
		sfx[i] = tmp_chars[rng_below(r, sizeof tmp_chars - 1)];
	sfx[TMP_RANDOM] = '\0';
	return xasprintf("%s" TMP_SUFFIX "%s", target, sfx);
}

static void
tmp_seed(rng_t *r, const void *salt)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	rng_seed(r, ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)salt);
}

/* Whether name (in the target's directory) is one of our temporary files
 * for the file called base. */
static int
is_tmp_name(const char *name, const char *base)
{
	size_t nb = strlen(base), ns = strlen(TMP_SUFFIX);

	if (strncmp(name, base, nb) != 0 ||
	    strncmp(name + nb, TMP_SUFFIX, ns) != 0)
		return 0;
	name += nb + ns;
	return strlen(name) == TMP_RANDOM &&
	    strspn(name, tmp_chars) == TMP_RANDOM;
}

/* ---- temporary files ---------------------------------------------------- */

/* Run op with fresh names "TARGET.tmp.XXXXXX" until one is free (EEXIST:
 * taken); op's result (>= 0) and the name, or -1 with errno. */
static int
tmp_try(const char *target, int (*op)(const char *, int), int fd,
    char **tmpname)
{
	rng_t r;

	tmp_seed(&r, tmpname);
	for (int tries = 0; tries < 100; tries++) {
		char *name = tmp_name(target, &r);
		int rc = op(name, fd);
		if (rc >= 0) {
			*tmpname = name;
			return rc;
		}
		int e = errno;
		free(name);
		if (e != EEXIST) {
			errno = e;
			return -1;
		}
	}
	errno = EEXIST;
	return -1;
}

/* Mode 0666 & ~umask: a checkpoint is an ordinary file (mkstemp would give
 * 0600). */
static int
create_op(const char *name, int fd)
{
	(void)fd;
	return open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
}

/* Give the unnamed file fd the name. */
static int
link_op(const char *name, int fd)
{
	char proc[64];

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	int rc = linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
#ifdef AT_EMPTY_PATH
	if (rc < 0 && errno == ENOENT)	/* /proc gone since tmp_open */
		rc = linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH);
#endif
	return rc;
}

/* Open a new temporary file for target: unnamed in the target's directory
 * (O_TMPFILE), so that a kill leaves nothing, unless named is set or the
 * file system cannot (*tmpname NULL); else "TARGET.tmp.XXXXXX" (*tmpname
 * set). */
static int
tmp_open(const char *target, int named, char **tmpname)
{
	*tmpname = NULL;
#ifdef O_TMPFILE
	/* Linking it later goes through /proc/self/fd. */
	if (!named && access("/proc/self/fd", X_OK) == 0) {
		char *dir = dir_of(target);
		int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
		int e = errno;
		free(dir);
		if (fd >= 0 ||
		    (e != EOPNOTSUPP && e != EISDIR && e != EINVAL)) {
			errno = e;
			return fd;
		}
	}
#else
	(void)named;
#endif
	return tmp_try(target, create_op, -1, tmpname);
}

static void
fsync_dir_of(const char *path)
{
	char *dir = dir_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		/* Some file systems refuse fsync on a directory (EINVAL);
		 * the file itself is already safe then. */
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
ckpt_write_atomic(const char *path, int (*write_fn)(int, void *),
    void *arg, int named, char **cause)
{
	char *target = out_target(path), *tmp = NULL;
	const char *what = "writing";
	int fd, rc, e;

	if (target == NULL)
		return set_cause(cause, "%s: cannot save: a symbolic link to "
		    "a file that cannot be reached (%s)", path,
		    strerror(errno));
	if ((fd = tmp_open(target, named, &tmp)) < 0) {
		e = errno;
		free(target);
		return set_cause(cause, "%s: cannot save: %s", path,
		    strerror(e));
	}
	rc = write_fn(fd, arg);
	if (rc == 0) {
		what = "syncing";
		rc = fsync(fd);
	}
	if (rc == 0 && tmp == NULL) {
		what = "linking";
		rc = tmp_try(target, link_op, fd, &tmp) < 0 ? -1 : 0;
	}
	e = errno;
	if (close(fd) < 0 && rc == 0) {
		what = "closing";
		rc = -1;
		e = errno;
	}
	if (rc == 0 && rename(tmp, target) < 0) {
		what = "replacing";
		rc = -1;
		e = errno;
	}
	if (rc < 0) {
		if (tmp != NULL)
			unlink(tmp);
		free(tmp);
		free(target);
		return set_cause(cause, "%s: cannot save (%s): %s; the "
		    "previous file is unchanged", path, what, strerror(e));
	}
	fsync_dir_of(target);
	free(tmp);
	free(target);
	return 0;
}

/* ---- may a checkpoint be written here? ---------------------------------- */

int
ckpt_is_checkpoint(const char *path)
{
	ckpt_reader x;
	json_t *root = NULL;
	int yes = 0;

	memset(&x, 0, sizeof x);
	x.path = path;
	if ((x.fd = file_open_read(path, 0, "model file", NULL)) < 0)
		return 0;
	if (ckpt_read_header(&x, &root) == 0) {
		json_t *meta = json_object_get(root, "__metadata__");
		json_t *f = json_object_get(meta, "format");
		yes = json_is_string(f) &&
		    strcmp(json_string_value(f), "burble") == 0;
	}
	json_decref(root);
	free(x.cause);
	close(x.fd);
	return yes;
}

/* Can a file be created and renamed in target's directory? Try it. */
static int
probe_dir(const char *path, const char *target, char **cause)
{
	char *tmp = NULL;
	int fd = tmp_open(target, 0, &tmp), e = errno;

	if (fd < 0) {
		char *dir = dir_of(target);
		if (e == ENOENT)
			set_cause(cause, "cannot write a checkpoint to %s: no "
			    "directory %s", path, dir);
		else
			set_cause(cause, "cannot write a checkpoint to %s: %s",
			    path, strerror(e));
		free(dir);
		return -1;
	}
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	close(fd);
	return 0;
}

int
ckpt_check_output(const char *path, int force, char **cause)
{
	struct stat st;
	char *target;
	int rc = -1;

	if (path == NULL || *path == '\0')
		return set_cause(cause, "cannot write a checkpoint to '': an "
		    "empty file name");
	if ((target = out_target(path)) == NULL)
		return set_cause(cause, "cannot write a checkpoint to %s: a "
		    "symbolic link to a file that cannot be reached (%s)",
		    path, strerror(errno));
	if (stat(target, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			set_cause(cause, "refusing to overwrite %s: it is %s",
			    path, file_kind(st.st_mode));
		else if (!force && !ckpt_is_checkpoint(target))
			set_cause(cause, "refusing to overwrite %s: not a "
			    "burble checkpoint", path);
		else
			rc = probe_dir(path, target, cause);
	} else if (errno == ENOENT)
		rc = probe_dir(path, target, cause);
	else
		set_cause(cause, "cannot write a checkpoint to %s: %s", path,
		    strerror(errno));
	free(target);
	return rc;
}

/* ---- one writer at a time ----------------------------------------------- */

/* A lock file holds nothing or the owner's pid: anything else is not ours
 * and is left alone. */
static int
lock_content(int fd, long *pid)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	*pid = 0;
	if (n < 0 || n == (ssize_t)sizeof buf - 1)
		return -1;
	buf[n] = '\0';
	if (strspn(buf, "0123456789\n") != (size_t)n)
		return -1;
	*pid = strtol(buf, NULL, 10);
	return 0;
}

/* One try: the locked descriptor, -1 with *cause, or -2 when the lock
 * file was replaced or removed by its owner meanwhile (try again). */
static int
lock_try(const char *path, const char *lp, char **cause)
{
	struct stat fs, ls;
	long pid;
	int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY, 0666);

	if (fd < 0)
		return set_cause(cause, "cannot lock %s: %s: %s", path, lp,
		    errno == ELOOP ? "a symbolic link" : strerror(errno));
	if (fstat(fd, &fs) != 0 || !S_ISREG(fs.st_mode) ||
	    lock_content(fd, &pid) < 0) {
		close(fd);
		return set_cause(cause, "cannot lock %s: %s is not a burble "
		    "lock file", path, lp);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		if (e == EWOULDBLOCK)
			(void)lock_content(fd, &pid);
		close(fd);
		if (e != EWOULDBLOCK)
			return set_cause(cause, "cannot lock %s: %s", path,
			    strerror(e));
		if (pid > 0)
			return set_cause(cause, "%s is being written by "
			    "another burble run (pid %ld)", path, pid);
		return set_cause(cause, "%s is being written by another "
		    "burble run", path);
	}
	/* The owner may have removed the file between our open and flock. */
	if (stat(lp, &ls) != 0 || ls.st_dev != fs.st_dev ||
	    ls.st_ino != fs.st_ino) {
		close(fd);
		return -2;
	}
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		int e = errno;
		unlink(lp);
		close(fd);
		return set_cause(cause, "cannot lock %s: %s: %s", path, lp,
		    strerror(e));
	}
	return fd;
}

int
ckpt_lock(const char *path, char **cause)
{
	char *target = out_target(path), *lp;
	int fd = -2;

	if (target == NULL)
		return set_cause(cause, "cannot lock %s: a symbolic link to a "
		    "file that cannot be reached (%s)", path, strerror(errno));
	lp = xasprintf("%s" LOCK_SUFFIX, target);
	for (int tries = 0; tries < 1000 && fd == -2; tries++)
		fd = lock_try(path, lp, cause);
	if (fd == -2)
		fd = set_cause(cause, "cannot lock %s: %s keeps changing",
		    path, lp);
	free(lp);
	free(target);
	return fd;
}

void
ckpt_unlock(const char *path, int fd)
{
	struct stat fs, ls;
	char *target, *lp;

	if (fd < 0)
		return;
	if ((target = out_target(path)) != NULL) {
		lp = xasprintf("%s" LOCK_SUFFIX, target);
		/* Only our own lock file, while we still hold it. */
		if (fstat(fd, &fs) == 0 && stat(lp, &ls) == 0 &&
		    fs.st_dev == ls.st_dev && fs.st_ino == ls.st_ino)
			unlink(lp);
		free(lp);
		free(target);
	}
	close(fd);
}

/* ---- stale temporary files ---------------------------------------------- */

int
ckpt_clean_stale(const char *path, char **cause)
{
	char *target = out_target(path), *dir;
	const char *base;
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (target == NULL)
		return set_cause(cause, "%s: a symbolic link to a file that "
		    "cannot be reached (%s)", path, strerror(errno));
	dir = dir_of(target);
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if ((d = opendir(dir)) == NULL) {
		set_cause(cause, "%s: cannot list %s: %s", path, dir,
		    strerror(errno));
		n = -1;
	}
	while (d != NULL && (e = readdir(d)) != NULL) {
		struct stat st;
		if (!is_tmp_name(e->d_name, base) || fstatat(dirfd(d),
		    e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			n++;
	}
	if (d != NULL)
		closedir(d);
	free(dir);
	free(target);
	return n;
}
