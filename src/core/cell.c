/* cell.c - the recurrent cells: per cell its forward row, backward row and
 * batch-1 step, side by side, and a table of what the core needs to know.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The row kernels are the only non-BLAS arithmetic of the recurrence; they
 * are plain C vectorized by the compiler (vec.h). The batch-1 step runs
 * the forward row on its slice of units: one definition of each cell's
 * equations, so that a step's logits are those of a (T = 1) forward.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "cell.h"
#include "util.h"
#include "vec.h"

/* ---- LSTM ------------------------------------------------------------- */

/*
 * LSTM, PyTorch's nn.LSTM:
 *   i = s(a_i), f = s(a_f), g = tanh(a_g), o = s(a_o)
 *   c' = f*c + i*g,  h' = o*tanh(c')
 * where a = (input projection + W_hh h, in act) + b_ih + b_hh.
 */
KERNEL void
lstm_forward_row(float *restrict h, float *restrict c, float *restrict ai,
    float *restrict af, float *restrict ag, float *restrict ao,
    const float *restrict c_prev, const float *restrict b_ih,
    const float *restrict b_hh, size_t n, size_t H)
{
	/* h, c, c_prev (n); ai..ao (n) each: units 0..n-1 of one (4H) row
	 * of act, in pre-activations, out activations; b_ih, b_hh gates H
	 * apart */
	for (size_t j = 0; j < n; j++) {
		float i = vec_sigmoid(ai[j] + b_ih[j] + b_hh[j]);
		float f = vec_sigmoid(af[j] + b_ih[H + j] + b_hh[H + j]);
		float g = vec_tanh(ag[j] + b_ih[2 * H + j] + b_hh[2 * H + j]);
		float o = vec_sigmoid(ao[j] + b_ih[3 * H + j] + b_hh[3 * H + j]);
		float cn = f * c_prev[j] + i * g;
		float t = vec_tanh(cn);
		ai[j] = i;
		af[j] = f;
		ag[j] = g;
		ao[j] = o;
		c[j] = cn;
		h[j] = o * t;
	}
}

/* d(c) is carried in dc: in, from step t+1; out, to step t-1. */
KERNEL void
lstm_backward_row(float *restrict dpi, float *restrict dpf,
    float *restrict dpg, float *restrict dpo, float *restrict dc,
    const float *restrict dh, const float *restrict ai,
    const float *restrict af, const float *restrict ag,
    const float *restrict ao, const float *restrict c_next,
    const float *restrict c_prev, size_t H)
{
	/* dpi..dpo (H) each: one (4H) row of dpre; everything else (H).
	 * tanh(c) is computed again from c_next, as the forward did, rather
	 * than kept: (T, B, H) floats per layer less to hold. */
	for (size_t j = 0; j < H; j++) {
		float i = ai[j], f = af[j], g = ag[j], o = ao[j];
		float t = vec_tanh(c_next[j]);
		float dcn = dc[j] + dh[j] * o * (1.0f - t * t);
		dpi[j] = dcn * g * i * (1.0f - i);
		dpf[j] = dcn * c_prev[j] * f * (1.0f - f);
		dpg[j] = dcn * i * (1.0f - g * g);
		dpo[j] = dh[j] * t * o * (1.0f - o);
		dc[j] = dcn * f;
	}
}

static void
lstm_forward(const cell_rows *r)
{
	size_t H = r->H;

	for (size_t b = 0; b < r->nb; b++) {
		float *a = r->act + b * r->GH;
		lstm_forward_row(r->h + b * H, r->c + b * H, a, a + H,
		    a + 2 * H, a + 3 * H, r->c_prev + b * H, r->b_ih, r->b_hh,
		    H, H);
	}
}

static void
lstm_backward(const cell_rows *r)
{
	size_t H = r->H;

	for (size_t b = 0; b < r->nb; b++) {
		float *d = r->dpre + b * r->GH;
		const float *a = r->act + b * r->GH;
		lstm_backward_row(d, d + H, d + 2 * H, d + 3 * H, r->dc + b * H,
		    r->dh + b * H, a, a + H, a + 2 * H, a + 3 * H,
		    r->c_next + b * H, r->c_prev + b * H, H);
	}
}

static void
lstm_step(float *h, float *c, const float *h_prev, float *gx, float *gh,
    const float *b_ih, const float *b_hh, float *tmp, size_t n, size_t H)
{
	(void)h_prev;
	for (size_t g = 0; g < 4; g++)
		vec_add(gx + g * H, gh + g * H, n);
	memcpy(tmp, c, n * sizeof(float));
	lstm_forward_row(h, c, gx, gx + H, gx + 2 * H, gx + 3 * H, tmp, b_ih,
	    b_hh, n, H);
}

/* ---- GRU -------------------------------------------------------------- */

/*
 * GRU, PyTorch's nn.GRU:
 *   r = s(x_r + b_ir + hp_r + b_hr), z = s(x_z + b_iz + hp_z + b_hz)
 *   n = tanh(x_n + b_in + r*(hp_n + b_hn)),  h' = (1 - z)*n + z*h
 * with x = W_ih x (in act) and hp = W_hh h.
 */
KERNEL void
gru_forward_row(float *restrict h, float *restrict ar, float *restrict az,
    float *restrict an, float *restrict hn, const float *restrict hp,
    const float *restrict h_prev, const float *restrict b_ih,
    const float *restrict b_hh, size_t n, size_t H)
{
	/* h, hn, h_prev (n); ar, az, an (n): units 0..n-1 of one (3H) row
	 * of act; hp, b_ih, b_hh gates H apart */
	for (size_t j = 0; j < n; j++) {
		float r = vec_sigmoid(ar[j] + b_ih[j] + hp[j] + b_hh[j]);
		float z = vec_sigmoid(az[j] + b_ih[H + j] + hp[H + j] +
		    b_hh[H + j]);
		float m = hp[2 * H + j] + b_hh[2 * H + j];
		float nn = vec_tanh(an[j] + b_ih[2 * H + j] + r * m);
		ar[j] = r;
		az[j] = z;
		an[j] = nn;
		hn[j] = m;
		h[j] = (1.0f - z) * nn + z * h_prev[j];
	}
}

/* dpre_x feeds W_ih and b_ih, dpre_h feeds W_hh and b_hh; they differ in
 * the n gate (r multiplies W_hn h + b_hn). dprev += the direct z*h path. */
KERNEL void
gru_backward_row(float *restrict dxr, float *restrict dxz,
    float *restrict dxn, float *restrict dhr, float *restrict dhz,
    float *restrict dhn, float *restrict dprev, const float *restrict dh,
    const float *restrict ar, const float *restrict az,
    const float *restrict an, const float *restrict hn,
    const float *restrict h_prev, size_t H)
{
	for (size_t j = 0; j < H; j++) {
		float r = ar[j], z = az[j], n = an[j], d = dh[j];
		float dn = d * (1.0f - z) * (1.0f - n * n);
		float dz = d * (h_prev[j] - n) * z * (1.0f - z);
		float dr = dn * hn[j] * r * (1.0f - r);
		dxr[j] = dr;
		dxz[j] = dz;
		dxn[j] = dn;
		dhr[j] = dr;
		dhz[j] = dz;
		dhn[j] = dn * r;
		dprev[j] += d * z;
	}
}

static void
gru_forward(const cell_rows *r)
{
	size_t H = r->H;

	for (size_t b = 0; b < r->nb; b++) {
		float *a = r->act + b * r->GH;
		gru_forward_row(r->h + b * H, a, a + H, a + 2 * H,
		    r->hn + b * H, r->hp + b * r->GH, r->h_prev + b * H,
		    r->b_ih, r->b_hh, H, H);
	}
}

static void
gru_backward(const cell_rows *r)
{
	size_t H = r->H;

	for (size_t b = 0; b < r->nb; b++) {
		float *d = r->dpre + b * r->GH, *e = r->dpreh + b * r->GH;
		const float *a = r->act + b * r->GH;
		gru_backward_row(d, d + H, d + 2 * H, e, e + H, e + 2 * H,
		    r->dprev + b * H, r->dh + b * H, a, a + H, a + 2 * H,
		    r->hn + b * H, r->h_prev + b * H, H);
	}
}

static void
gru_step(float *h, float *c, const float *h_prev, float *gx, float *gh,
    const float *b_ih, const float *b_hh, float *tmp, size_t n, size_t H)
{
	(void)c;
	gru_forward_row(h, gx, gx + H, gx + 2 * H, tmp, gh, h_prev, b_ih, b_hh,
	    n, H);
}

/* ---- tanh RNN --------------------------------------------------------- */

/* tanh RNN, PyTorch's nn.RNN: h' = tanh(x + b_ih + W_hh h + b_hh). */
KERNEL void
rnn_forward_row(float *restrict h, float *restrict a,
    const float *restrict b_ih, const float *restrict b_hh, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		float v = vec_tanh(a[j] + b_ih[j] + b_hh[j]);
		a[j] = v;
		h[j] = v;
	}
}

KERNEL void
rnn_backward_row(float *restrict dp, const float *restrict dh,
    const float *restrict a, size_t H)
{
	for (size_t j = 0; j < H; j++)
		dp[j] = dh[j] * (1.0f - a[j] * a[j]);
}

static void
rnn_forward(const cell_rows *r)
{
	for (size_t b = 0; b < r->nb; b++)
		rnn_forward_row(r->h + b * r->H, r->act + b * r->GH, r->b_ih,
		    r->b_hh, r->H);
}

static void
rnn_backward(const cell_rows *r)
{
	for (size_t b = 0; b < r->nb; b++)
		rnn_backward_row(r->dpre + b * r->GH, r->dh + b * r->H,
		    r->act + b * r->GH, r->H);
}

static void
rnn_step(float *h, float *c, const float *h_prev, float *gx, float *gh,
    const float *b_ih, const float *b_hh, float *tmp, size_t n, size_t H)
{
	(void)c;
	(void)h_prev;
	(void)tmp;
	(void)H;
	vec_add(gx, gh, n);
	rnn_forward_row(h, gx, b_ih, b_hh, n);
}

/* ---- the table -------------------------------------------------------- */

typedef struct {
	const char *name;
	int gates, states, split;
	void (*forward)(const cell_rows *);
	void (*backward)(const cell_rows *);
	void (*step)(float *, float *, const float *, float *, float *,
	    const float *, const float *, float *, size_t, size_t);
} cell_desc;

/* Indexed by enum cell_type. */
static const cell_desc cells[] = {
	{ "lstm", 4, 2, 0, lstm_forward, lstm_backward, lstm_step },
	{ "gru", 3, 1, 1, gru_forward, gru_backward, gru_step },
	{ "rnn", 1, 1, 0, rnn_forward, rnn_backward, rnn_step },
};

static const cell_desc *
cell_desc_of(int cell)
{
	return cell >= 0 && (size_t)cell < NELEMS(cells) ? &cells[cell] : NULL;
}

const char *
cell_name(int cell)
{
	const cell_desc *d = cell_desc_of(cell);

	return d != NULL ? d->name : "?";
}

int
cell_parse(const char *s)
{
	for (size_t i = 0; i < NELEMS(cells); i++) {
		if (strcasecmp(s, cells[i].name) == 0)
			return (int)i;
	}
	return -1;
}

int
cell_gates(int cell)
{
	const cell_desc *d = cell_desc_of(cell);

	return d != NULL ? d->gates : 0;
}

int
cell_states(int cell)
{
	const cell_desc *d = cell_desc_of(cell);

	return d != NULL ? d->states : 0;
}

int
cell_split(int cell)
{
	const cell_desc *d = cell_desc_of(cell);

	return d != NULL && d->split;
}

/*
 * LSTM: start with the forget gate open (bias 1 in bias_ih, so
 * sigmoid(~1) ~ 0.73), as Gers et al. and Jozefowicz et al. 2015
 * recommend: early in training the cell then keeps its state instead of
 * forgetting it at every step, and gradients flow back through c.
 */
void
cell_init_bias(int cell, float *b_ih, size_t H)
{
	if (cell != CELL_LSTM)
		return;
	for (size_t j = 0; j < H; j++)
		b_ih[H + j] = 1.0f;
}

void
cell_forward(int cell, const cell_rows *r)
{
	cells[cell].forward(r);
}

void
cell_backward(int cell, const cell_rows *r)
{
	cells[cell].backward(r);
}

void
cell_step(int cell, float *h, float *c, const float *h_prev, float *gx,
    float *gh, const float *b_ih, const float *b_hh, float *tmp, size_t n,
    size_t H)
{
	cells[cell].step(h, c, h_prev, gx, gh, b_ih, b_hh, tmp, n, H);
}
