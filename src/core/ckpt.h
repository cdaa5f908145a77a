/* ckpt.h - model files: safetensors that PyTorch opens, and exact resume.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A checkpoint is a .safetensors file (8-byte little-endian header length,
 * a JSON header, raw little-endian data). Model tensors carry PyTorch's
 * CharRNN names ("lstm.weight_ih_l0", ..., "embedding.weight", "fc.weight",
 * "fc.bias"), so `safetensors.torch.load_file` + `load_state_dict` works.
 * The "__metadata__" strings hold the format version, the model
 * configuration, the vocabulary, the text options, the training settings
 * and progress and the metric history. Unless weights_only, extra tensors
 * hold the optimizer state and the carried hidden state ("burble.*").
 *
 * Loading treats the file as untrusted: everything is validated before
 * anything is allocated, and any problem is a one-line error.
 */
#ifndef BURBLE_CKPT_H
#define BURBLE_CKPT_H

#include "model.h"
#include "optim.h"
#include "text.h"
#include "train.h"

#define CKPT_FORMAT_VERSION 1

typedef struct {
	model *m;		/* weights (owned) */
	vocab voc;		/* (owned) */
	text_opts text;		/* how the corpus was read (owned) */
	char *corpus;		/* corpus name, for display (owned, may be NULL) */
	int has_train;		/* settings, progress and optimizer present */
	train_settings settings;
	train_progress prog;	/* (owned) */
	optim *opt;		/* (owned) NULL when !has_train */
} ckpt;

/* Write atomically: an unnamed temporary file in the same directory
 * (O_TMPFILE; "PATH.tmp.XXXXXX" where the file system cannot), fsync,
 * rename, fsync of the directory. On any failure the previous file at path
 * is untouched and the temporary file removed; a kill -9 during the save
 * leaves nothing behind but in the instant between naming the temporary
 * file and the rename (ckpt_clean_stale). A symbolic link at path is
 * written through: the file it leads to is replaced, the link stays. */
int ckpt_save(const char *path, const ckpt *c, int weights_only, char **cause);
/* Read and validate; on success c owns everything (ckpt_free). Anything
 * but a regular file is refused at once ("PATH: is a FIFO, not a model
 * file"): the open never blocks (file_open_read). */
int ckpt_load(const char *path, ckpt *c, char **cause);
void ckpt_free(ckpt *c);

/*
 * The safety of an output, for the command line and the prompt to call
 * before a run trains or a :save writes (ckpt_out.c). burble writes
 * checkpoints only to a path that does not exist yet or that already holds
 * a burble checkpoint; a symbolic link is followed to the file it leads to
 * (which must exist); anything but a regular file is never replaced.
 */

/* May a checkpoint be written at path? 0: yes, path does not exist and a
 * file can be created in its directory (tried: a temporary file is created
 * and removed, so a missing directory, a read-only mount or a directory
 * without write permission is found now, not at the first save), or path
 * is a regular file holding a burble checkpoint ("format": "burble" in the
 * header's __metadata__) in such a directory. With force, any regular file
 * may be overwritten; never a directory, a device, a FIFO or a socket.
 * -1 with a one-line *cause naming path: "cannot write a checkpoint to
 * '': an empty file name", "refusing to overwrite PATH: it is a
 * directory" (a FIFO, a character device, ...), "refusing to overwrite
 * PATH: not a burble checkpoint", "cannot write a checkpoint to PATH: no
 * directory DIR", "cannot write a checkpoint to PATH: Read-only file
 * system", "... a symbolic link to a file that cannot be reached". */
int ckpt_check_output(const char *path, int force, char **cause);
/* Whether path is a regular file holding a burble checkpoint: a
 * safetensors header with "format": "burble" in its __metadata__. Never
 * blocks (file_open_read). */
int ckpt_is_checkpoint(const char *path);

/* Lock the output path for this run, so that two runs cannot write the
 * same checkpoint: flock(LOCK_EX | LOCK_NB) on "TARGET.lock" beside it (the
 * checkpoint itself is replaced by rename at each save, so it cannot carry
 * the lock), which holds the owner's pid. Returns the lock's descriptor,
 * to keep open for the run (it is O_CLOEXEC; a forked child shares the
 * lock), or -1 with *cause: "PATH is being written by another burble run
 * (pid N)", or why the lock file cannot be made. A lock file left by a run
 * that died is taken over; one that holds anything but a pid is not ours
 * and is left alone (refused). Two ckpt_lock calls on one path conflict
 * even in one process. */
int ckpt_lock(const char *path, char **cause);
/* Remove the lock file (if it is still ours) and release the lock; fd < 0
 * is ignored. */
void ckpt_unlock(const char *path, int fd);

/* Remove the temporary files a killed save of path may have left
 * ("PATH.tmp.XXXXXX", regular files of this user). Call it only while
 * holding ckpt_lock(path): another run's save in progress would lose its
 * file. Returns how many were removed, or -1 with *cause. */
int ckpt_clean_stale(const char *path, char **cause);

#endif
