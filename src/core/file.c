/* file.c - opening the files burble reads without blocking or surprises,
 * and telling whether two paths are one file.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "util.h"

int
file_error(char **cause, const char *path, int err)
{
	char *what;
	int r;

	switch (err) {
	case ENOENT:
		return set_cause(cause, "%s: no such file", path);
	case ENOTDIR:
		return set_cause(cause, "%s: no such file (a part of the path "
		    "is not a directory)", path);
	case EACCES:
	case EPERM:
		return set_cause(cause, "%s: permission denied", path);
	case EISDIR:
		return set_cause(cause, "%s: is a directory", path);
	default:
		what = xstrdup(strerror(err));
		if (what[0] >= 'A' && what[0] <= 'Z')
			what[0] = (char)(what[0] - 'A' + 'a');
		r = set_cause(cause, "%s: %s", path, what);
		free(what);
		return r;
	}
}

const char *
file_kind(unsigned int mode)
{
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "a special file";
}

/* 0 if a file of this mode may be read, else -1 with *cause. */
static int
check_kind(const char *path, unsigned int mode, int flags, const char *what,
    char **cause)
{
	if (S_ISREG(mode) || (S_ISFIFO(mode) && (flags & FILE_FIFO_OK)))
		return 0;
	if (S_ISDIR(mode))
		return set_cause(cause, "%s: is a directory", path);
	return set_cause(cause, "%s: is %s, not a %s", path, file_kind(mode),
	    what);
}

/* A FIFO opened without blocking reads as empty until a writer comes:
 * wait for one (or for data) as a blocking open would. */
static int
wait_writer(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int r = poll(&p, 1, -1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

int
file_open_read(const char *path, int flags, const char *what, char **cause)
{
	struct stat st;
	int fd, fl;

	if (stat(path, &st) != 0)
		return file_error(cause, path, errno);
	if (check_kind(path, st.st_mode, flags, what, cause) != 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return file_error(cause, path, errno);
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return file_error(cause, path, e);
	}
	if (check_kind(path, st.st_mode, flags, what, cause) != 0) {
		close(fd);
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    (S_ISFIFO(st.st_mode) && wait_writer(fd) != 0)) {
		int e = errno;
		close(fd);
		return file_error(cause, path, e);
	}
	return fd;
}

int
file_same(const char *a, const char *b)
{
	struct stat sa, sb;

	if (a == NULL || b == NULL || stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
