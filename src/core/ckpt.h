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

/* Write atomically: a temporary file in the same directory, fsync, rename,
 * fsync of the directory. On any failure the previous file at path is
 * untouched and the temporary file removed. */
int ckpt_save(const char *path, const ckpt *c, int weights_only, char **cause);
/* Read and validate; on success c owns everything (ckpt_free). */
int ckpt_load(const char *path, ckpt *c, char **cause);
void ckpt_free(ckpt *c);

#endif
