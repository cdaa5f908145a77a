/* sig.h - the signals a view catches, as bytes on a pipe.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A signal handler can safely do almost nothing; ours writes the signal's
 * number to a pipe, which the view's loop (the dashboard's, the headless
 * printer's, the piped prompt's) polls beside its other inputs and handles
 * as one more event. Both views treat the first SIGINT, SIGTERM or SIGHUP
 * as "save and stop" and a second one as "leave at once" (exit status
 * 128 + the signal's number).
 */
#ifndef BURBLE_SIG_H
#define BURBLE_SIG_H

#define SIG_RESIZE 1	/* also catch SIGWINCH and SIGCONT (the dashboard) */

/* Catch SIGINT, SIGTERM and SIGHUP (and with SIG_RESIZE the two above),
 * and ignore SIGPIPE. Returns the pipe's read end, to poll; -1 with
 * *cause if no pipe could be made. One catcher at a time. */
int sig_catch(int flags, char **cause);
/* The next signal caught, 0 when none is pending. Never blocks. */
int sig_next(void);
/* The old handlers back; the pipe closed. */
void sig_release(void);
/* "interrupted", "terminated", "hung up": for "burble: ...: saving". */
const char *sig_verb(int sig);

#endif
