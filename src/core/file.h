/* file.h - opening the files burble reads without blocking or surprises,
 * and telling whether two paths are one file.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Messages name the file as the caller gave it and fit on one line.
 */
#ifndef BURBLE_FILE_H
#define BURBLE_FILE_H

#define FILE_FIFO_OK 1	/* file_open_read: accept a FIFO or a pipe too */

/*
 * Open path for reading (O_RDONLY | O_CLOEXEC) without ever blocking on
 * the open and without side effects on devices: the type is checked with
 * stat before the open, the open is O_NONBLOCK | O_NOCTTY, and fstat checks
 * the type again (the path may have changed in between). Anything but a
 * regular file is refused with "PATH: is a directory" or "PATH: is a FIFO,
 * not a WHAT" (WHAT: "model file", "text file"; also "character device",
 * "block device", "socket"). With FILE_FIFO_OK a FIFO or a pipe (a
 * `<(zcat x.gz)` path) is accepted, and the call waits for its writer as
 * open(2) would (a FIFO nobody opens for writing waits for ever: the
 * caller asked for it). The descriptor returned is blocking again.
 * Returns the descriptor, or -1 with *cause (see file_error).
 */
int file_open_read(const char *path, int flags, const char *what,
    char **cause);

/* "PATH: no such file", "PATH: permission denied", "PATH: is a
 * directory", or "PATH: " and strerror(err) in lowercase; returns -1. */
int file_error(char **cause, const char *path, int err);

/* Whether a and b name the same existing file (device and inode, links
 * followed). A path that does not exist, or cannot be examined, is never
 * the same as anything. */
int file_same(const char *a, const char *b);

/* "a directory", "a FIFO", "a character device", "a block device", "a
 * socket", "a symbolic link", "a regular file" or "a special file", for
 * st_mode mode. */
const char *file_kind(unsigned int mode);

#endif
