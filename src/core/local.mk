# src/core/local.mk - the numeric core: text, model, kernels, training,
# checkpoints, the session's threads. It links with libc, libm, pthreads,
# OpenBLAS and jansson only, and is compiled without the curses and readline
# flags; src/core/poison stands in for their headers, so an include of
# either fails to build.
#
# Copyright (C) 2026 The burble developers
# SPDX-License-Identifier: GPL-3.0-or-later

CORE_CPPFLAGS = -I$(srcdir)/src/core/poison -I$(srcdir)/src/core
CORE_CFLAGS = $(BURBLE_CFLAGS) $(PTHREAD_CFLAGS) $(OPENBLAS_CFLAGS) $(JANSSON_CFLAGS)
CORE_LIBS = $(OPENBLAS_LIBS) $(JANSSON_LIBS) $(PTHREAD_LIBS) -lm

noinst_LIBRARIES += libburble_core.a
libburble_core_a_CPPFLAGS = $(CORE_CPPFLAGS)
libburble_core_a_CFLAGS = $(CORE_CFLAGS)
libburble_core_a_SOURCES = \
	src/core/util.c src/core/util.h src/core/rng.h \
	src/core/num.c src/core/num.h \
	src/core/plan.c src/core/plan.h \
	src/core/file.c src/core/file.h \
	src/core/utf8.c src/core/utf8.h \
	src/core/text.c src/core/text.h \
	src/core/words.c src/core/words.h src/core/vocab.c \
	src/core/escape.c src/core/escape.h \
	src/core/model.c src/core/model.h src/core/model_int.h \
	src/core/cell.c src/core/cell.h src/core/vec.c src/core/vec.h \
	src/core/fb.c src/core/pool.c src/core/pool.h \
	src/core/step.c src/core/half.h \
	src/core/kernels.c src/core/kernels.h src/core/kern_generic.c \
	src/core/kern_avx512.c src/core/kern_avx2.c src/core/kern_neon.c \
	src/core/optim.c src/core/optim.h \
	src/core/sampler.c src/core/sampler.h \
	src/core/queue.c src/core/queue.h \
	src/core/train.c src/core/train.h \
	src/core/ckpt.c src/core/ckpt.h src/core/ckpt_int.h \
	src/core/ckpt_field.c src/core/ckpt_meta.c src/core/ckpt_out.c \
	src/core/jwrite.c src/core/jwrite.h \
	src/core/gen.c src/core/gen.h src/core/beam.c src/core/beam.h \
	src/core/session.c src/core/session.h src/core/session_int.h \
	src/core/session_train.c src/core/session_gen.c

EXTRA_DIST += src/core/poison
