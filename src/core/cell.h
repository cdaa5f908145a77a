/* cell.h - the recurrent cells (LSTM, GRU, tanh RNN): each cell's forward
 * row, backward row and batch-1 step, and what the rest of the core needs
 * to know about a cell.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A new cell is a value of enum cell_type and an entry in cell.c's table:
 * its name, gate count, carried states and row functions. The training
 * forward and backward (fb.c), the workspace (model.c) and the batch-1
 * step (step.c) ask these functions and never switch on the cell.
 *
 * Layout: a layer's G gates sit side by side in one (G*H)-wide row, in
 * PyTorch's order; gate k of unit j is at [k*H + j] of a row of
 * pre-activations, activations, their gradients and the biases.
 */
#ifndef BURBLE_CELL_H
#define BURBLE_CELL_H

#include <stddef.h>

enum cell_type { CELL_LSTM, CELL_GRU, CELL_RNN };

const char *cell_name(int cell);		/* "lstm", "gru", "rnn" */
int cell_parse(const char *s);			/* -1 if unknown */
/* Gates per cell: 4 LSTM, 3 GRU, 1 RNN; 0 for no cell. */
int cell_gates(int cell);
/* Vectors of state carried per layer: 2 for the LSTM (h, c), else 1. */
int cell_states(int cell);
/* Does the cell need W_hh h apart from W_ih x (the GRU: r multiplies
 * W_hn h + b_hn)? Then the forward keeps hp and hn, the backward dpreh. */
int cell_split(int cell);
/* PyTorch's init leaves the biases uniform; a cell may change b_ih (GH)
 * after it (the LSTM opens its forget gate). */
void cell_init_bias(int cell, float *b_ih, size_t H);

/* One time step of nb rows (streams) of a layer, for the training
 * forward and backward; (nb, GH) rows are GH = G*H apart, (nb, H) rows H
 * apart. Unused members (another cell's) may be NULL. */
typedef struct {
	size_t nb, H, GH;
	const float *b_ih, *b_hh;	/* (GH) */
	const float *h_prev;	/* (nb, H) h before the step */
	const float *c_prev;	/* (nb, H) LSTM: c before the step */
	/* forward */
	float *act;		/* (nb, GH) pre-activations in (W_ih x, plus
				   W_hh h unless split), activations out */
	const float *hp;	/* (nb, GH) split: W_hh h */
	float *hn;		/* (nb, H) GRU: W_hn h + b_hn, for the
				   backward */
	float *h;		/* (nb, H) h after the step */
	float *c;		/* (nb, H) LSTM: c after the step */
	/* backward (act, hn, h_prev, c_prev as the forward left them) */
	const float *c_next;	/* (nb, H) LSTM: c after the step */
	const float *dh;	/* (nb, H) d loss / d h after the step */
	float *dc;		/* (nb, H) LSTM: d loss / d c, in from the
				   step after, out to the step before */
	float *dpre;		/* (nb, GH) d loss / d pre-activations: the
				   W_ih x side */
	float *dpreh;		/* (nb, GH) split: the W_hh h side */
	float *dprev;		/* (nb, H) split: += the direct path to
				   h before the step */
} cell_rows;

void cell_forward(int cell, const cell_rows *r);
void cell_backward(int cell, const cell_rows *r);

/*
 * The batch-1 step on n units of a layer (gates H apart, as in a row),
 * through the same row code as cell_forward: gx = W_ih x and gh = W_hh h
 * of those units (both used as scratch), h_prev the units' old h, h their
 * new h, c (LSTM) their cell state, updated in place; tmp (n) scratch.
 */
void cell_step(int cell, float *h, float *c, const float *h_prev, float *gx,
    float *gh, const float *b_ih, const float *b_hh, float *tmp, size_t n,
    size_t H);

#endif
