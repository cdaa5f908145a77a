/* sig.c - the signals a view catches, as bytes on a pipe.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Globals: a handler can reach nothing else, so the pipe's write end and
 * the handlers it replaced are file-scope.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"
#include "util.h"

static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGCONT };
#define NQUIT 3		/* the first three end a run */

static int pipe_fd[2] = { -1, -1 };
static struct sigaction old_action[NELEMS(caught)];
static struct sigaction old_pipe;
static size_t ncaught;

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (pipe_fd[1] >= 0 && write(pipe_fd[1], &b, 1) < 0) {
		/* a full pipe: signals enough are already pending */
	}
	errno = saved;
}

int
sig_catch(int flags, char **cause)
{
	struct sigaction sa, ign;

	if (pipe2(pipe_fd, O_NONBLOCK | O_CLOEXEC) != 0) {
		pipe_fd[0] = pipe_fd[1] = -1;
		return set_cause(cause, "pipe: %s", strerror(errno));
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	ncaught = (flags & SIG_RESIZE) ? NELEMS(caught) : NQUIT;
	for (size_t i = 0; i < ncaught; i++)
		sigaction(caught[i], &sa, &old_action[i]);
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	return pipe_fd[0];
}

int
sig_next(void)
{
	unsigned char b;

	if (pipe_fd[0] < 0 || read(pipe_fd[0], &b, 1) != 1)
		return 0;
	return b;
}

void
sig_release(void)
{
	if (pipe_fd[0] < 0)
		return;
	for (size_t i = 0; i < ncaught; i++)
		sigaction(caught[i], &old_action[i], NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(pipe_fd[0]);
	close(pipe_fd[1]);
	pipe_fd[0] = pipe_fd[1] = -1;
}

const char *
sig_verb(int sig)
{
	return sig == SIGINT ? "interrupted" : sig == SIGHUP ? "hung up" :
	    "terminated";
}
