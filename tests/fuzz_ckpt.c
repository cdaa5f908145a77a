/* fuzz_ckpt.c - a libFuzzer target for the checkpoint loader.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each input is a whole file handed to ckpt_load (through a memfd, so no
 * disk traffic). A load must succeed or fail with a one-line message naming
 * the file; sanitizers catch everything else. Not part of `make check`.
 *
 * Build and run it with tests/fuzz.sh SECONDS (it compiles the core
 * with clang, -fsanitize=fuzzer,address,undefined, and seeds the run with
 * the broken and the valid files of tests/ckpt-bad).
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

static void
setup(void)
{
#ifdef MFD_CLOEXEC
	fd = memfd_create("ckpt", MFD_CLOEXEC);
#endif
	if (fd < 0) {
		char tmpl[] = "/tmp/fuzz_ckpt.XXXXXX";
		fd = mkstemp(tmpl);
		if (fd < 0) {
			perror("fuzz_ckpt: temporary file");
			abort();
		}
		unlink(tmpl);
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ckpt c;
	char *cause = NULL;

	if (fd < 0)
		setup();
	if (ftruncate(fd, 0) != 0 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	if (ckpt_load(path, &c, &cause) == 0) {
		/* What loaded must hang together. */
		if (c.m == NULL || c.voc.V != c.m->cfg.V ||
		    (c.has_train && c.opt == NULL))
			abort();
		ckpt_free(&c);
	} else {
		if (cause == NULL || strchr(cause, '\n') != NULL ||
		    strncmp(cause, path, strlen(path)) != 0)
			abort();
		free(cause);
	}
	return 0;
}
