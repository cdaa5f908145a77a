/* model.c - LSTM, GRU and tanh-RNN character models: forward, backward and a
 * batch-1 step.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read top to bottom: the elementwise kernels (activations, one cell step
 * per row, softmax cross-entropy), the GEMM wrappers, the parameter table,
 * the training workspace, the threads, forward, backward, and the batch-1
 * step.
 *
 * Layout. Inside a workspace everything is time-major, (T, B, ...), so the
 * rows of one time step are contiguous and each step's recurrent product is
 * one GEMM. All G gates of a layer sit side by side in one (G*H)-wide row,
 * in PyTorch's order. Per layer l the forward keeps
 *     hs   (T+1, B, H)  hidden states, hs[0] = the carried-in state
 *     cs   (T+1, B, H)  LSTM cell states, cs[0] carried in
 *     act  (T, B, G*H)  gate activations (LSTM i f g o, GRU r z n, RNN h)
 *     hn   (T, B, H)    GRU W_hn h + b_hn
 *     xd   (T, B, H)    the output after dropout: the next layer's input
 * Forward per layer: the input projection of the whole sequence in one GEMM
 * (M = T*B; a column gather for one-hot input), then per step one GEMM for
 * h W_hh^T and one fused pass over the gates. Backward per layer: per step
 * one fused pass giving the pre-activation gradients dpre (T, B, G*H) and
 * one GEMM carrying d h back a step; then W_ih and W_hh gradients over the
 * whole sequence with one GEMM each (K = T*B). Kept small on purpose (peak
 * memory is a target too): tanh(c) and the dropout masks are not stored
 * but computed again in the backward (from cs, and from the masks' seeds).
 */
#include "config.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "half.h"
#include "model.h"
#include "util.h"

/*
 * The elementwise kernels are the only code here that is not BLAS; they must
 * vectorize in a default "-O2" build, which does not vectorize loops with a
 * run-time trip count (GCC 12's very-cheap cost model), and their clamps
 * only if-convert without -ftrapping-math (we never inspect FP exception
 * flags). target_clones builds an AVX-512 and an AVX2+FMA copy beside the
 * baseline one and picks at load time, so a portable build runs at full
 * width here.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTORIZE __attribute__((optimize("tree-vectorize", \
    "vect-cost-model=dynamic", "no-trapping-math")))
/* ThreadSanitizer instruments the ifunc resolvers, which run before it is
 * initialised: no clones there. */
#if defined(__x86_64__) && !defined(BURBLE_NO_CLONES) && \
    !defined(__SANITIZE_THREAD__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", \
    "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif
#else
#define VECTORIZE
#define CLONES
#endif
#define KERNEL VECTORIZE CLONES static

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

#define MODEL_MAX_THREADS 64

/* ---- activations ------------------------------------------------------ */

/*
 * exp(x) in float, branch-free so that loops over it vectorize: Cody-Waite
 * reduction x = n ln2 + r, |r| <= ln2/2, the Cephes expf polynomial, and
 * 2^n assembled in the exponent bits. Within 1 ulp of exp over the clamped
 * range [-87, 88]; beyond it the result saturates (e^-87 ~ 1.6e-38,
 * e^88 ~ 1.7e38), which sigmoid and tanh below do not notice.
 */
VECTORIZE static inline float
fast_expf(float x)
{
	x = x < -87.0f ? -87.0f : x;
	x = x > 88.0f ? 88.0f : x;
	/* Adding 1.5 * 2^23 rounds x/ln2 to an integer held in the low
	 * mantissa bits. */
	union { float f; uint32_t u; } t = { x * 1.44269504088896341f +
	    12582912.0f };
	float n = t.f - 12582912.0f;
	float r = x - n * 0.693359375f + n * 2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * r * r + r + 1.0f;
	union { uint32_t u; float f; } s = { (t.u - 0x4b400000u + 127u) << 23 };
	return p * s.f;
}

VECTORIZE static inline float
sigmoidf(float x)
{
	return 1.0f / (1.0f + fast_expf(-x));
}

/* tanh(x) = 2 sigmoid(2x) - 1: absolute error ~1e-7, which is all a
 * network (or a gradient check in float) can see. */
VECTORIZE static inline float
tanhf_(float x)
{
	return 2.0f / (1.0f + fast_expf(-2.0f * x)) - 1.0f;
}

/* ---- one cell step, one row (one stream) ------------------------------ */

/*
 * LSTM, PyTorch's nn.LSTM:
 *   i = s(a_i), f = s(a_f), g = tanh(a_g), o = s(a_o)
 *   c' = f*c + i*g,  h' = o*tanh(c')
 * where a = (input projection + W_hh h, in act) + b_ih + b_hh.
 */
KERNEL void
lstm_forward_row(float *restrict h, float *restrict c, float *restrict ai, float *restrict af, float *restrict ag,
    float *restrict ao, const float *restrict c_prev,
    const float *restrict b_ih, const float *restrict b_hh, size_t H)
{
	/* h, c, c_prev (H); ai..ao (H) each: one (4H) row of act, in
	 * pre-activations, out activations; b_ih, b_hh (4H) */
	for (size_t j = 0; j < H; j++) {
		float i = sigmoidf(ai[j] + b_ih[j] + b_hh[j]);
		float f = sigmoidf(af[j] + b_ih[H + j] + b_hh[H + j]);
		float g = tanhf_(ag[j] + b_ih[2 * H + j] + b_hh[2 * H + j]);
		float o = sigmoidf(ao[j] + b_ih[3 * H + j] + b_hh[3 * H + j]);
		float cn = f * c_prev[j] + i * g;
		float t = tanhf_(cn);
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
		float t = tanhf_(c_next[j]);
		float dcn = dc[j] + dh[j] * o * (1.0f - t * t);
		dpi[j] = dcn * g * i * (1.0f - i);
		dpf[j] = dcn * c_prev[j] * f * (1.0f - f);
		dpg[j] = dcn * i * (1.0f - g * g);
		dpo[j] = dh[j] * t * o * (1.0f - o);
		dc[j] = dcn * f;
	}
}

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
    const float *restrict b_hh, size_t H)
{
	/* h, hn, h_prev (H); ar, az, an (H): one (3H) row of act;
	 * hp, b_ih, b_hh (3H) */
	for (size_t j = 0; j < H; j++) {
		float r = sigmoidf(ar[j] + b_ih[j] + hp[j] + b_hh[j]);
		float z = sigmoidf(az[j] + b_ih[H + j] + hp[H + j] +
		    b_hh[H + j]);
		float m = hp[2 * H + j] + b_hh[2 * H + j];
		float n = tanhf_(an[j] + b_ih[2 * H + j] + r * m);
		ar[j] = r;
		az[j] = z;
		an[j] = n;
		hn[j] = m;
		h[j] = (1.0f - z) * n + z * h_prev[j];
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

/* tanh RNN, PyTorch's nn.RNN: h' = tanh(x + b_ih + W_hh h + b_hh). */
KERNEL void
rnn_forward_row(float *restrict h, float *restrict a,
    const float *restrict b_ih, const float *restrict b_hh, size_t H)
{
	for (size_t j = 0; j < H; j++) {
		float v = tanhf_(a[j] + b_ih[j] + b_hh[j]);
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

/* ---- small vector kernels --------------------------------------------- */

/* y (n) = x * m, elementwise. */
KERNEL void
vec_mul(float *restrict y, const float *restrict x, const float *restrict m,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] = x[i] * m[i];
}

/* y (n) *= m (n) */
KERNEL void
vec_mul_inplace(float *restrict y, const float *restrict m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] *= m[i];
}

/* y (n) += x (n) */
KERNEL void
vec_add(float *restrict y, const float *restrict x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		y[i] += x[i];
}

/* out[c0..c1) += the column sums of a (M, N) there: bias gradients. */
static void
colsum_add(float *out, const float *a, size_t M, size_t N, size_t c0,
    size_t c1)
{
	if (c0 >= c1)
		return;
	for (size_t i = 0; i < M; i++)
		vec_add(out + c0, a + i * N + c0, c1 - c0);
}

/* z (n) = exp(z - mx); returns the sum. */
KERNEL float
exp_sum(float *restrict z, float mx, size_t n)
{
	float acc[16] = { 0 };
	size_t n16 = n & ~(size_t)15, i;

	for (i = 0; i < n16; i += 16) {
		for (int u = 0; u < 16; u++) {
			float e = fast_expf(z[i + u] - mx);
			z[i + u] = e;
			acc[u] += e;
		}
	}
	float s = 0;
	for (int u = 0; u < 16; u++)
		s += acc[u];
	for (; i < n; i++) {
		z[i] = fast_expf(z[i] - mx);
		s += z[i];
	}
	return s;
}

/* z (n) *= a */
KERNEL void
vec_scale(float *restrict z, float a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		z[i] *= a;
}

/*
 * Softmax cross-entropy of one row of logits z (V) (bias not yet added)
 * against target y. Returns -log p[y]; *hit = (argmax == y). With dz != 0
 * the row becomes d loss / d z = (p - onehot(y)) * scale.
 */
static double
xent_row(float *z, const float *bias, int y, int dz, float scale, int *hit,
    size_t V)
{
	size_t am = 0;

	vec_add(z, bias, V);
	float mx = z[0];
	for (size_t v = 1; v < V; v++) {
		if (z[v] > mx) {
			mx = z[v];
			am = v;
		}
	}
	float zy = z[y];
	float sum = exp_sum(z, mx, V);
	*hit = am == (size_t)y;
	if (dz) {
		vec_scale(z, scale / sum, V);
		z[y] -= scale;
	}
	return log((double)sum) - ((double)zy - mx);
}

/* ---- GEMM wrappers (row-major) ---------------------------------------- */

/* c (M, N) = beta c + a (M, K) @ b (N, K)^T */
static void
gemm_nt(float *c, const float *a, const float *b, int M, int N, int K,
    float beta)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f,
	    a, K, b, K, beta, c, N);
}

/* c (M, N) = beta c + a (M, K) @ b (K, N) */
static void
gemm_nn(float *c, const float *a, const float *b, int M, int N, int K,
    float beta)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f,
	    a, K, b, N, beta, c, N);
}

/* c (M, N) += a (K, M)^T @ b (K, N): weight gradients summed over K rows;
 * a's rows are lda apart (a may be a column slice). */
static void
gemm_tn_acc(float *c, const float *a, const float *b, int M, int N, int K,
    int lda)
{
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, K, 1.0f,
	    a, lda, b, N, 1.0f, c, N);
}

/* ---- the per-step recurrent product on AVX-512 ------------------------ */

/*
 * OpenBLAS packs both operands on every call; at the per-step shapes
 * (M = streams per thread, N = G*H or H, K = H or G*H) repacking W_hh each
 * step costs a tenth of the time and more. With AVX-512 the forward and
 * backward pack W_hh once per layer and pass (ws->wpk, by all threads,
 * pk_load) into column panels of PK_NR floats, panel p holding W's
 * columns p*PK_NR.. as K rows of PK_NR (zero-padded past N), and run
 * their own kernel: a tile of up to PK_MR rows by PK_NR columns kept in
 * registers, A's elements broadcast. The same goes for W_ih of layers
 * above the first (the sequence's input projection, and d input in the
 * backward): 80 -> ~105 GFLOP/s per core at 2x256 against OpenBLAS 0.3.21.
 * Each output element is C + the products summed in k order, whatever the
 * tile it falls in: the result does not depend on the thread count. The
 * weight gradients (K = T*B) stay with OpenBLAS: an own kernel there was
 * no faster.
 */
#define PK_NR 32
#define PK_MR 8

#if defined(__x86_64__) && defined(__GNUC__) && !defined(BURBLE_NO_PK)
#include <immintrin.h>
#define HAVE_PK 1

static int
pk_supported(void)
{
	static int have = -1;

	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx512f") != 0;
	}
	return have;
}

/* C (mr, 32) = [beta] C + A (mr, K) @ P (K, 32), A's element (r, k) at
 * a[r * ars + k * aks], P's rows pks apart; columns masked by m0, m1. */
__attribute__((target("avx512f"), always_inline)) static inline void
pk_tile(int mr, float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *p, size_t pks, size_t K, int beta,
    __mmask16 m0, __mmask16 m1)
{
	__m512 c0[PK_MR], c1[PK_MR];

#pragma GCC unroll 8
	for (int r = 0; r < mr; r++) {
		if (beta) {
			c0[r] = _mm512_maskz_loadu_ps(m0, c + r * ldc);
			c1[r] = _mm512_maskz_loadu_ps(m1, c + r * ldc + 16);
		} else {
			c0[r] = _mm512_setzero_ps();
			c1[r] = _mm512_setzero_ps();
		}
	}
	for (size_t k = 0; k < K; k++) {
		__m512 w0 = _mm512_loadu_ps(p + k * pks);
		__m512 w1 = _mm512_loadu_ps(p + k * pks + 16);
#pragma GCC unroll 8
		for (int r = 0; r < mr; r++) {
			__m512 x = _mm512_set1_ps(a[r * ars + k * aks]);
			c0[r] = _mm512_fmadd_ps(x, w0, c0[r]);
			c1[r] = _mm512_fmadd_ps(x, w1, c1[r]);
		}
	}
#pragma GCC unroll 8
	for (int r = 0; r < mr; r++) {
		_mm512_mask_storeu_ps(c + r * ldc, m0, c0[r]);
		_mm512_mask_storeu_ps(c + r * ldc + 16, m1, c1[r]);
	}
}

#define PK_TILE(MR) \
__attribute__((target("avx512f"))) static void \
pk_tile##MR(float *c, size_t ldc, const float *a, size_t lda, \
    const float *p, size_t K, int beta, __mmask16 m0, __mmask16 m1) \
{ \
	pk_tile(MR, c, ldc, a, lda, 1, p, PK_NR, K, beta, m0, m1); \
}
PK_TILE(1) PK_TILE(2) PK_TILE(3) PK_TILE(4)
PK_TILE(5) PK_TILE(6) PK_TILE(7) PK_TILE(8)

typedef void pk_tile_fn(float *, size_t, const float *, size_t,
    const float *, size_t, int, __mmask16, __mmask16);
static pk_tile_fn *const pk_tiles[PK_MR + 1] = { NULL, pk_tile1, pk_tile2,
    pk_tile3, pk_tile4, pk_tile5, pk_tile6, pk_tile7, pk_tile8 };

/* C (M, N) ldc = [beta] C + A (M, K) lda @ the packed P (K, N), in
 * blocks of PK_MC rows of A (they stay in L2 while P streams by). */
#define PK_MC 64
static void
pk_gemm(float *c, size_t ldc, const float *a, size_t lda, const float *P,
    size_t M, size_t N, size_t K, int beta)
{
	for (size_t i0 = 0; i0 < M; i0 += PK_MC) {
	size_t M1 = MIN(M, i0 + PK_MC);
	for (size_t j = 0; j < N; j += PK_NR) {
		size_t nc = MIN(N - j, (size_t)PK_NR);
		__mmask16 m0 = (__mmask16)(nc >= 16 ? 0xffff :
		    (1u << nc) - 1);
		__mmask16 m1 = (__mmask16)(nc >= 32 ? 0xffff : nc <= 16 ? 0 :
		    (1u << (nc - 16)) - 1);
		const float *p = P + (j / PK_NR) * K * PK_NR;
		for (size_t i = i0; i < M1; i += PK_MR) {
			size_t mr = MIN(M1 - i, (size_t)PK_MR);
			pk_tiles[mr](c + i * ldc + j, ldc, a + i * lda, lda,
			    p, K, beta, m0, m1);
		}
	}
	}
}

#else
#define HAVE_PK 0
static int
pk_supported(void)
{
	return 0;
}

static void
pk_gemm(float *c, size_t ldc, const float *a, size_t lda, const float *P,
    size_t M, size_t N, size_t K, int beta)
{
	(void)c; (void)ldc; (void)a; (void)lda; (void)P; (void)M; (void)N;
	(void)K; (void)beta;
}

#endif

/* Floats of a packed (K, N) matrix. */
static size_t
pk_size(size_t K, size_t N)
{
	return (N + PK_NR - 1) / PK_NR * PK_NR * K;
}

/* P = the packed (K, N) matrix whose element (k, n) is w[k * ks + n * ns]:
 * ks = N, ns = 1 packs w (K, N); ks = 1, ns = K packs w (N, K)^T. */
static void
pk_pack(float *P, const float *w, size_t K, size_t N, size_t ks, size_t ns,
    size_t j0, size_t j1)
{
	for (size_t j = j0; j < MIN(j1, N); j += PK_NR) {
		float *p = P + (j / PK_NR) * K * PK_NR;
		size_t nc = MIN(N - j, (size_t)PK_NR);
		for (size_t k = 0; k < K; k++) {
			for (size_t q = 0; q < nc; q++)
				p[k * PK_NR + q] = w[k * ks + (j + q) * ns];
			for (size_t q = nc; q < PK_NR; q++)
				p[k * PK_NR + q] = 0.0f;
		}
	}
}

/* ---- names and configuration ------------------------------------------ */

static const char *const cell_names[] = { "lstm", "gru", "rnn" };
static const char *const precision_names[] = { "fp32", "fp16" };

static const char *
name_of(const char *const *names, size_t n, int i)
{
	return i < 0 || (size_t)i >= n ? "?" : names[i];
}

static int
name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

const char *
cell_name(int cell)
{
	return name_of(cell_names, NELEMS(cell_names), cell);
}

int
cell_parse(const char *s)
{
	return name_index(cell_names, NELEMS(cell_names), s);
}

const char *
precision_name(int precision)
{
	return name_of(precision_names, NELEMS(precision_names), precision);
}

int
precision_parse(const char *s)
{
	return name_index(precision_names, NELEMS(precision_names), s);
}

static int
cell_gates(int cell)
{
	return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1;
}

int
model_config_check(const model_config *c, char **cause)
{
	if (c->cell != CELL_LSTM && c->cell != CELL_GRU && c->cell != CELL_RNN)
		return set_cause(cause, "cell must be lstm, gru or rnn");
	if (c->L < 1 || c->L > MODEL_MAX_LAYERS)
		return set_cause(cause, "layers must be 1..%d, got %d",
		    MODEL_MAX_LAYERS, c->L);
	if (c->H < 1 || c->H > MODEL_MAX_HIDDEN)
		return set_cause(cause, "hidden size must be 1..%d, got %d",
		    MODEL_MAX_HIDDEN, c->H);
	if (c->V < 2 || c->V > 65535)
		return set_cause(cause,
		    "vocabulary size must be 2..65535, got %d", c->V);
	if (c->E < 0 || c->E > MODEL_MAX_EMBED)
		return set_cause(cause,
		    "embedding size must be 0 (one-hot) ..%d, got %d",
		    MODEL_MAX_EMBED, c->E);
	if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
		return set_cause(cause, "dropout must be in [0, 1), got %g",
		    (double)c->dropout);
	return 0;
}

/* ---- parameters ------------------------------------------------------- */

static void
add_tensor(model *m, size_t *off, const char *name, size_t d0, size_t d1)
{
	model_tensor *t = &m->tensors[m->ntensors++];

	snprintf(t->name, sizeof t->name, "%s", name);
	t->ndim = d1 ? 2 : 1;
	t->shape[0] = d0;
	t->shape[1] = d1;
	t->size = d0 * (d1 ? d1 : 1);
	t->offset = *off;
	*off += t->size;
}

/* The tensor table and nparams of configuration c, in the order model.h
 * documents; no allocation. */
static void
model_layout(model *m, const model_config *c)
{
	size_t H = (size_t)c->H, V = (size_t)c->V, E = (size_t)c->E, off = 0;
	const char *pre = cell_name(c->cell);
	char name[32];

	m->cfg = *c;
	m->G = cell_gates(c->cell);
	size_t GH = (size_t)m->G * H;
	if (E > 0)
		add_tensor(m, &off, "embedding.weight", V, E);
	for (int l = 0; l < c->L; l++) {
		size_t in = l > 0 ? H : E > 0 ? E : V;
		snprintf(name, sizeof name, "%s.weight_ih_l%d", pre, l);
		add_tensor(m, &off, name, GH, in);
		snprintf(name, sizeof name, "%s.weight_hh_l%d", pre, l);
		add_tensor(m, &off, name, GH, H);
		snprintf(name, sizeof name, "%s.bias_ih_l%d", pre, l);
		add_tensor(m, &off, name, GH, 0);
		snprintf(name, sizeof name, "%s.bias_hh_l%d", pre, l);
		add_tensor(m, &off, name, GH, 0);
	}
	add_tensor(m, &off, "fc.weight", V, H);
	add_tensor(m, &off, "fc.bias", V, 0);
	m->nparams = off;
}

size_t
model_param_count(const model_config *c)
{
	model m;

	if (model_config_check(c, NULL) != 0)
		return 0;
	memset(&m, 0, sizeof m);
	model_layout(&m, c);
	return m.nparams;
}

model *
model_create(const model_config *c)
{
	if (model_config_check(c, NULL) != 0)
		return NULL;

	model *m = xcalloc(1, sizeof *m);
	model_layout(m, c);
	m->params = xalloc_floats(m->nparams);
	m->grads = xalloc_floats(m->nparams);

	/* The views, in the table's order. */
	const model_tensor *t = m->tensors;
	m->emb = c->E > 0 ? m->params + (t++)->offset : NULL;
	for (int l = 0; l < c->L; l++) {
		m->w_ih[l] = m->params + (t++)->offset;
		m->w_hh[l] = m->params + (t++)->offset;
		m->b_ih[l] = m->params + (t++)->offset;
		m->b_hh[l] = m->params + (t++)->offset;
	}
	m->fc_w = m->params + (t++)->offset;
	m->fc_b = m->params + t->offset;
	return m;
}

void
model_free(model *m)
{
	if (m == NULL)
		return;
	free(m->params);
	free(m->grads);
	model_unpack(m);
	free(m);
}

/* N(0, 1) by Box-Muller; 1 - u keeps the logarithm finite. */
static float
rng_normal(rng_t *rng)
{
	double u1 = 1.0 - (double)rng_float(rng);
	double u2 = (double)rng_float(rng);
	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void
model_init(model *m, rng_t *rng)
{
	float k = 1.0f / sqrtf((float)m->cfg.H);

	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		float *p = m->params + t->offset;
		if (m->emb != NULL && p == m->emb) {
			for (size_t j = 0; j < t->size; j++)
				p[j] = rng_normal(rng);
		} else {
			for (size_t j = 0; j < t->size; j++)
				p[j] = k * (2.0f * rng_float(rng) - 1.0f);
		}
	}
	/*
	 * LSTM: start with the forget gate open (bias 1 in bias_ih, so
	 * sigmoid(~1) ~ 0.73), as Gers et al. and Jozefowicz et al. 2015
	 * recommend: early in training the cell then keeps its state instead
	 * of forgetting it at every step, and gradients flow back through c.
	 */
	if (m->cfg.cell == CELL_LSTM) {
		size_t H = (size_t)m->cfg.H;
		for (int l = 0; l < m->cfg.L; l++) {
			for (size_t j = 0; j < H; j++)
				m->b_ih[l][H + j] = 1.0f;
		}
	}
	memset(m->grads, 0, m->nparams * sizeof(float));
}

const model_tensor *
model_tensor_find(const model *m, const char *name)
{
	for (int i = 0; i < m->ntensors; i++) {
		if (strcmp(m->tensors[i].name, name) == 0)
			return &m->tensors[i];
	}
	return NULL;
}

/* ---- training workspace ----------------------------------------------- */

struct model_ws {
	model_config cfg;
	int G, B, T;
	int ready;		/* the last forward was a train forward */
	int dropped;		/* ... and applied dropout */
	uint16_t *xt, *yt;	/* (T, B) time-major copies of x, y */
	float *mem;		/* everything below, one allocation */
	size_t nstate;
	float *state;		/* (S, L, B, H), S = 2 for LSTM (h, c) else 1 */
	float *dstate;		/* same */
	float *hs[MODEL_MAX_LAYERS];	/* (T+1, B, H) */
	float *cs[MODEL_MAX_LAYERS];	/* (T+1, B, H) LSTM */
	float *act[MODEL_MAX_LAYERS];	/* (T, B, GH) */
	float *hn[MODEL_MAX_LAYERS];	/* (T, B, H) GRU */
	float *xd[MODEL_MAX_LAYERS];	/* (T, B, H) dropout > 0 */
	float *embx;		/* (T, B, E) embedding input */
	float *logits;		/* (T, B, V); d loss/d logits after a train
				   forward */
	float *dpre;		/* (T, B, GH) */
	float *dpreh;		/* (T, B, GH) GRU: the W_hh side */
	float *hp;		/* (B, GH) GRU: W_hh h of one step */
	float *dbuf[2];		/* (T, B, max(H, E)) */
	float *wpk;		/* W_hh or W_ih of the layer running now,
				   packed (AVX-512 only), else NULL */
	double *rowloss;	/* (T*B) cross-entropy per row */
	uint64_t drop_seed[MODEL_MAX_LAYERS];	/* layer l's dropout masks,
					   drawn again in the backward */
	size_t hits[MODEL_MAX_THREADS];	/* correct argmax per thread */
};

/* Carve n floats off a bump allocator, each block 64-byte aligned. */
static float *
carve(float *base, size_t *off, size_t n)
{
	float *p = base == NULL ? NULL : base + *off;
	*off += (n + 15) & ~(size_t)15;
	return p;
}

static void
ws_layout(model_ws *ws, float *base, size_t *total)
{
	const model_config *c = &ws->cfg;
	size_t B = (size_t)ws->B, T = (size_t)ws->T, H = (size_t)c->H;
	size_t V = (size_t)c->V, E = (size_t)c->E, GH = (size_t)ws->G * H;
	size_t TB = T * B, off = 0;
	int lstm = c->cell == CELL_LSTM, gru = c->cell == CELL_GRU;
	int drop = c->dropout > 0.0f;

	ws->nstate = (lstm ? 2 : 1) * (size_t)c->L * B * H;
	ws->state = carve(base, &off, ws->nstate);
	ws->dstate = carve(base, &off, ws->nstate);
	for (int l = 0; l < c->L; l++) {
		ws->hs[l] = carve(base, &off, (T + 1) * B * H);
		ws->act[l] = carve(base, &off, TB * GH);
		if (lstm) {
			ws->cs[l] = carve(base, &off, (T + 1) * B * H);
		}
		if (gru)
			ws->hn[l] = carve(base, &off, TB * H);
		if (drop) {
			ws->xd[l] = carve(base, &off, TB * H);
		}
	}
	if (E > 0)
		ws->embx = carve(base, &off, TB * E);
	ws->logits = carve(base, &off, TB * V);
	ws->dpre = carve(base, &off, TB * GH);
	if (gru) {
		ws->dpreh = carve(base, &off, TB * GH);
		ws->hp = carve(base, &off, B * GH);
	}
	ws->dbuf[0] = carve(base, &off, TB * MAX(H, E));
	ws->dbuf[1] = carve(base, &off, TB * MAX(H, E));
	ws->wpk = NULL;
	if (pk_supported())
		ws->wpk = carve(base, &off, MAX(pk_size(H, GH),
		    pk_size(GH, H)));
	*total = off;
}

model_ws *
model_ws_create(const model *m, int B, int T)
{
	if (B < 1 || T < 1)
		return NULL;

	model_ws *ws = xcalloc(1, sizeof *ws);
	size_t total;

	ws->cfg = m->cfg;
	ws->G = m->G;
	ws->B = B;
	ws->T = T;
	ws_layout(ws, NULL, &total);
	ws->mem = xalloc_floats(total);
	ws_layout(ws, ws->mem, &total);
	ws->xt = xreallocarray(NULL, (size_t)B * T, sizeof *ws->xt);
	ws->yt = xreallocarray(NULL, (size_t)B * T, sizeof *ws->yt);
	ws->rowloss = xreallocarray(NULL, (size_t)B * T, sizeof *ws->rowloss);
	return ws;
}

void
model_ws_free(model_ws *ws)
{
	if (ws == NULL)
		return;
	free(ws->mem);
	free(ws->xt);
	free(ws->yt);
	free(ws->rowloss);
	free(ws);
}

float *
model_ws_state(model_ws *ws, size_t *n)
{
	if (n != NULL)
		*n = ws->nstate;
	return ws->state;
}

void
model_ws_reset(model_ws *ws)
{
	memset(ws->state, 0, ws->nstate * sizeof(float));
}

const float *
model_ws_dstate(const model_ws *ws)
{
	return ws->dstate;
}

/* ---- threads ---------------------------------------------------------- */

/*
 * The forward and backward split their work over their own threads, as
 * many as OpenBLAS is set to use (openblas_set_num_threads, the trainer's
 * --threads), and run OpenBLAS single-threaded meanwhile. Two reasons: the
 * per-step GEMMs are small (M = B) and OpenBLAS gains nothing from a second
 * thread there (64x1024x256 runs slower on 2 threads than on 1), while the
 * streams are independent, so each thread can run the whole recurrence of
 * its share of them; and OpenBLAS's idle workers spin for a while after
 * each threaded call, stealing a core from whatever runs next. The big
 * GEMMs are split by rows of their output. Results differ with the thread
 * count only by float rounding (OpenBLAS's kernels treat edge rows
 * differently). Calls on small workspaces stay on one thread. OpenBLAS's
 * setting is global: no other thread should count on BLAS threads while a
 * forward or backward runs.
 */
typedef struct job job;
struct job {
	const model *m;
	model_ws *ws;
	int l;			/* layer */
	float *dtop, *dnext;	/* backward: d hs[1..T] of layer l, d input */
	const float *pw;	/* pk_load: the matrix to pack, as pk_pack */
	size_t pK, pN, pks, pns;
	void (*fn)(job *, int i, int n);	/* part i of n */
};

typedef struct {
	job *j;
	int i, n;
} part;

static void *
part_main(void *arg)
{
	part *p = arg;

	p->j->fn(p->j, p->i, p->n);
	return NULL;
}

/* Run fn(j, i, n) for i = 0..n-1, part 0 on the calling thread. */
static void
parallel(job *j, void (*fn)(job *, int, int), int n)
{
	part p[MODEL_MAX_THREADS];
	pthread_t tid[MODEL_MAX_THREADS];
	int started[MODEL_MAX_THREADS];

	j->fn = fn;
	if (n <= 1) {
		fn(j, 0, 1);
		return;
	}
	for (int i = 0; i < n; i++)
		p[i] = (part){ j, i, n };
	for (int i = 1; i < n; i++)
		started[i] = pthread_create(&tid[i], NULL, part_main,
		    &p[i]) == 0;
	fn(j, 0, n);
	for (int i = 1; i < n; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			fn(j, i, n);	/* no thread: do it here */
	}
}

/* Part i of n of [0, count), in multiples of align (but the last). */
static void
share(size_t count, int i, int n, size_t align, size_t *lo, size_t *hi)
{
	size_t chunk = (count + (size_t)n - 1) / (size_t)n;

	chunk = (chunk + align - 1) / align * align;
	*lo = MIN((size_t)i * chunk, count);
	*hi = MIN(*lo + chunk, count);
}

static void
pack_part(job *j, int i, int n)
{
	size_t j0, j1;

	share(j->pN, i, n, PK_NR, &j0, &j1);
	pk_pack(j->ws->wpk, j->pw, j->pK, j->pN, j->pks, j->pns, j0, j1);
}

/* ws->wpk = w packed as pk_pack, by n threads. */
static void
pk_load(job *j, int n, const float *w, size_t K, size_t N, size_t ks,
    size_t ns)
{
	j->pw = w;
	j->pK = K;
	j->pN = N;
	j->pks = ks;
	j->pns = ns;
	parallel(j, pack_part, MAX(1, MIN(n, (int)((N + PK_NR - 1) / PK_NR))));
}

/* Forwards and backwards running now, in any thread: the batch-1 step
 * leaves both cores to them. */
static atomic_int training_now;

/* OpenBLAS's thread count, which it gives up until threads_end. */
static int
threads_begin(void)
{
	int nt = openblas_get_num_threads();

	atomic_fetch_add(&training_now, 1);
	if (nt > 1)
		openblas_set_num_threads(1);
	return MAX(1, nt);
}

/* Threads worth using on ws: a thread costs ~20 us to start, more than it
 * saves below some 4e6 multiply-adds of recurrence per layer. */
static int
threads_for(const model_ws *ws, int nt)
{
	double work = (double)ws->T * ws->B * ws->G * ws->cfg.H * ws->cfg.H;

	return work < 4e6 ? 1 : MIN(nt, MODEL_MAX_THREADS);
}

static void
threads_end(int nt)
{
	if (nt > 1)
		openblas_set_num_threads(nt);
	atomic_fetch_sub(&training_now, 1);
}

/* ---- forward ---------------------------------------------------------- */

/* act (n, GH) = columns x[0..n) of w (GH, V): the one-hot input projection.
 * Blocks of 64 rows of w (64 V floats) stay in L1 across the n rows. */
static void
onehot_forward(float *act, const float *w, const uint16_t *x, size_t n,
    size_t GH, size_t V)
{
	for (size_t j0 = 0; j0 < GH; j0 += 64) {
		size_t j1 = MIN(j0 + 64, GH);
		for (size_t r = 0; r < n; r++) {
			float *a = act + r * GH;
			const float *wc = w + x[r];
			for (size_t j = j0; j < j1; j++)
				a[j] = wc[j * V];
		}
	}
}

/* Rows g0..g1 of dw (GH, V): column x[tb] += dpre[tb] (TB, GH), the
 * one-hot weight gradient. Summed into a transposed scratch (V, g1 - g0)
 * a whole row at a time, then added into dw: each element sums in the
 * same order as adding into dw's strided columns directly, which is the
 * fallback when the scratch cannot be had. */
static void
onehot_backward(float *dw, const float *dpre, const uint16_t *x, size_t TB,
    size_t g0, size_t g1, size_t GH, size_t V)
{
	size_t ng = g1 - g0;
	float *wt = ng > 0 ? calloc(V * ng, sizeof(float)) : NULL;

	if (wt != NULL) {
		for (size_t tb = 0; tb < TB; tb++)
			vec_add(wt + (size_t)x[tb] * ng, dpre + tb * GH + g0,
			    ng);
		for (size_t j = 0; j < ng; j++)
			for (size_t v = 0; v < V; v++)
				dw[(g0 + j) * V + v] += wt[v * ng + j];
		free(wt);
		return;
	}
	for (size_t j0 = g0; j0 < g1; j0 += 64) {
		size_t j1 = MIN(j0 + 64, g1);
		for (size_t tb = 0; tb < TB; tb++) {
			const float *d = dpre + tb * GH;
			float *dc = dw + x[tb];
			for (size_t j = j0; j < j1; j++)
				dc[j * V] += d[j];
		}
	}
}

/*
 * Inverted dropout on layer l's output: mask (TB*H) = 0 with probability p,
 * else 1/(1-p), and xd = hs[1..T] * mask. The mask is cut into blocks of
 * DROP_BLOCK, block k drawn from its own generator seeded by (the draw
 * ws->drop_seed[l] from the caller's rng, k): parallel, yet the same masks
 * whatever the thread count. Two 32-bit draws per rng call. The mask is
 * not kept: the backward draws it again from the same seed (a draw costs
 * less than holding (T, B, H) floats per layer).
 */
#define DROP_BLOCK 4096

/* y[lo..hi) = x[lo..hi) * block k of layer l's mask; y may be x. */
static void
drop_block(const model_ws *ws, int l, size_t k, size_t N, float *y,
    const float *x)
{
	float p = ws->cfg.dropout, scale = 1.0f / (1.0f - p);
	uint64_t keep = (uint64_t)((1.0 - (double)p) * 4294967296.0);
	size_t lo = k * DROP_BLOCK, hi = MIN(lo + DROP_BLOCK, N);
	float mask[DROP_BLOCK];
	/* A table, not ?:, which GCC compiles to a branch that the random
	 * bits mispredict half the time (3-4x slower). */
	const float pick[2] = { 0.0f, scale };
	rng_t r;

	rng_seed(&r, ws->drop_seed[l] ^ ((uint64_t)k * 0xd1b54a32d192ed03ULL));
	for (size_t e = 0; e < hi - lo; e += 2) {
		uint64_t u = rng_u64(&r);
		mask[e] = pick[(u & 0xffffffffu) < keep];
		if (lo + e + 1 < hi)
			mask[e + 1] = pick[(u >> 32) < keep];
	}
	if (y == x)
		vec_mul_inplace(y + lo, mask, hi - lo);
	else
		vec_mul(y + lo, x + lo, mask, hi - lo);
}

static void
fwd_dropout(job *j, int i, int n)
{
	model_ws *ws = j->ws;
	size_t N = (size_t)ws->T * ws->B * ws->cfg.H, BH = (size_t)ws->B *
	    ws->cfg.H, k0, k1;

	share((N + DROP_BLOCK - 1) / DROP_BLOCK, i, n, 1, &k0, &k1);
	for (size_t k = k0; k < k1; k++)
		drop_block(ws, j->l, k, N, ws->xd[j->l], ws->hs[j->l] + BH);
}

/* dtop (T, B, H) *= layer l's mask: the gradient through the dropout. */
static void
bwd_dropout(job *j, int i, int n)
{
	model_ws *ws = j->ws;
	size_t N = (size_t)ws->T * ws->B * ws->cfg.H, k0, k1;

	share((N + DROP_BLOCK - 1) / DROP_BLOCK, i, n, 1, &k0, &k1);
	for (size_t k = k0; k < k1; k++)
		drop_block(ws, j->l, k, N, j->dtop, j->dtop);
}

/* The input of layer l (T, B, in_l); NULL for one-hot. */
static const float *
layer_input(const model_ws *ws, int l)
{
	size_t BH = (size_t)ws->B * ws->cfg.H;

	if (l == 0)
		return ws->cfg.E > 0 ? ws->embx : NULL;
	return ws->dropped ? ws->xd[l - 1] : ws->hs[l - 1] + BH;
}

/* Input projection of the whole sequence, rows r0..r1 of
 * act (TB, GH) = x W_ih^T: one GEMM, or a column gather for one-hot. */
static void
fwd_input(job *j, int i, int n)
{
	const model *m = j->m;
	model_ws *ws = j->ws;
	int l = j->l;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t GH = (size_t)m->G * H, r0, r1;
	size_t in = l > 0 ? H : m->cfg.E > 0 ? (size_t)m->cfg.E :
	    (size_t)m->cfg.V;
	const float *x = layer_input(ws, l);

	share(TB, i, n, 1, &r0, &r1);
	if (r0 == r1)
		return;
	if (x == NULL)
		onehot_forward(ws->act[l] + r0 * GH, m->w_ih[0], ws->xt + r0,
		    r1 - r0, GH, in);
	else if (ws->wpk != NULL && l > 0)	/* W_ih^T packed */
		pk_gemm(ws->act[l] + r0 * GH, GH, x + r0 * in, in, ws->wpk,
		    r1 - r0, GH, in, 0);
	else
		gemm_nt(ws->act[l] + r0 * GH, x + r0 * in, m->w_ih[l],
		    (int)(r1 - r0), (int)GH, (int)in, 0.0f);
}

/*
 * The recurrence of layer l for streams b0..b1: per step one GEMM for
 * W_hh h (M = b1 - b0) and one fused pass over the gates.
 */
static void
fwd_recur(job *j, int i, int n)
{
	const model *m = j->m;
	model_ws *ws = j->ws;
	int l = j->l;
	const model_config *c = &m->cfg;
	size_t B = (size_t)ws->B, T = (size_t)ws->T, H = (size_t)c->H;
	size_t GH = (size_t)m->G * H, BH = B * H, b0, b1;
	const float *bi = m->b_ih[l], *bh = m->b_hh[l], *whh = m->w_hh[l];

	share(B, i, n, 1, &b0, &b1);
	size_t nb = b1 - b0;
	if (nb == 0)
		return;
	for (size_t t = 0; t < T; t++) {
		float *a = ws->act[l] + t * B * GH + b0 * GH;	/* (nb, GH) */
		const float *hprev = ws->hs[l] + t * BH + b0 * H; /* (nb, H) */
		float *hnext = ws->hs[l] + (t + 1) * BH + b0 * H;

		switch (c->cell) {
		case CELL_LSTM: {
			float *cprev = ws->cs[l] + t * BH + b0 * H;
			float *cnext = cprev + BH;
			if (ws->wpk != NULL)
				pk_gemm(a, GH, hprev, H, ws->wpk, nb, GH, H, 1);
			else
				gemm_nt(a, hprev, whh, (int)nb, (int)GH,
				    (int)H, 1.0f);
			for (size_t b = 0; b < nb; b++) {
				float *ab = a + b * GH;
				lstm_forward_row(hnext + b * H, cnext + b * H,
				    ab, ab + H, ab + 2 * H,
				    ab + 3 * H, cprev + b * H, bi, bh, H);
			}
			break;
		}
		case CELL_GRU: {
			float *hn = ws->hn[l] + t * BH + b0 * H;
			float *hp = ws->hp + b0 * GH;	/* (nb, GH) */
			if (ws->wpk != NULL)
				pk_gemm(hp, GH, hprev, H, ws->wpk, nb, GH, H,
				    0);
			else
				gemm_nt(hp, hprev, whh, (int)nb, (int)GH,
				    (int)H, 0.0f);
			for (size_t b = 0; b < nb; b++) {
				float *ab = a + b * GH;
				gru_forward_row(hnext + b * H, ab, ab + H,
				    ab + 2 * H, hn + b * H, hp + b * GH,
				    hprev + b * H, bi, bh, H);
			}
			break;
		}
		default:
			if (ws->wpk != NULL)
				pk_gemm(a, GH, hprev, H, ws->wpk, nb, GH, H, 1);
			else
				gemm_nt(a, hprev, whh, (int)nb, (int)GH,
				    (int)H, 1.0f);
			for (size_t b = 0; b < nb; b++)
				rnn_forward_row(hnext + b * H, a + b * GH, bi,
				    bh, H);
			break;
		}
	}
}

/* Rows r0..r1: logits = top fc_w^T, then the softmax cross-entropy (and
 * in training d loss / d logits in place). */
static void
fwd_output(job *j, int i, int n)
{
	const model *m = j->m;
	model_ws *ws = j->ws;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t V = (size_t)m->cfg.V, r0, r1, hits = 0;
	const float *top = layer_input(ws, m->cfg.L);
	float scale = 1.0f / (float)TB;

	share(TB, i, n, 1, &r0, &r1);
	if (r0 < r1)
		gemm_nt(ws->logits + r0 * V, top + r0 * H, m->fc_w,
		    (int)(r1 - r0), (int)V, (int)H, 0.0f);
	for (size_t r = r0; r < r1; r++) {
		int hit;
		ws->rowloss[r] = xent_row(ws->logits + r * V, m->fc_b,
		    ws->yt[r], ws->ready, scale, &hit, V);
		hits += (size_t)hit;
	}
	ws->hits[i] = hits;
}

double
model_forward(model *m, model_ws *ws, const uint16_t *x, const uint16_t *y,
    int train, rng_t *rng, size_t *correct)
{
	const model_config *c = &m->cfg;
	size_t B = (size_t)ws->B, T = (size_t)ws->T, H = (size_t)c->H;
	size_t E = (size_t)c->E, L = (size_t)c->L, BH = B * H, TB = T * B;
	int lstm = c->cell == CELL_LSTM;
	job j = { .m = m, .ws = ws };

	ws->ready = train != 0;
	ws->dropped = train != 0 && c->dropout > 0.0f;

	/* (B, T) stream-major ids to (T, B) time-major. An id outside the
	 * vocabulary makes the loss NaN (and the backward a no-op) instead of
	 * reading out of bounds. */
	unsigned bad = 0;
	for (size_t b = 0; b < B; b++) {
		for (size_t t = 0; t < T; t++) {
			uint16_t xi = x[b * T + t], yi = y[b * T + t];
			bad |= (xi >= c->V) | (yi >= c->V);
			ws->xt[t * B + b] = xi;
			ws->yt[t * B + b] = yi;
		}
	}
	if (bad) {
		ws->ready = 0;
		if (correct != NULL)
			*correct = 0;
		return NAN;
	}

	int nt = threads_begin();
	int n = threads_for(ws, nt);
	if (E > 0) {
		for (size_t r = 0; r < TB; r++)
			memcpy(ws->embx + r * E, m->emb + (size_t)ws->xt[r] * E,
			    E * sizeof(float));
	}

	for (size_t l = 0; l < L; l++) {
		j.l = (int)l;
		memcpy(ws->hs[l], ws->state + l * BH, BH * sizeof(float));
		if (lstm)
			memcpy(ws->cs[l], ws->state + (L + l) * BH,
			    BH * sizeof(float));
		if (ws->wpk != NULL && l > 0)	/* W_ih^T (H, GH) */
			pk_load(&j, n, m->w_ih[l], H, (size_t)m->G * H, 1, H);
		parallel(&j, fwd_input, n);
		if (ws->wpk != NULL)	/* W_hh^T (H, GH) */
			pk_load(&j, n, m->w_hh[l], H, (size_t)m->G * H, 1, H);
		parallel(&j, fwd_recur, MIN(n, ws->B));
		memcpy(ws->state + l * BH, ws->hs[l] + T * BH,
		    BH * sizeof(float));
		if (lstm)
			memcpy(ws->state + (L + l) * BH, ws->cs[l] + T * BH,
			    BH * sizeof(float));
		if (ws->dropped) {
			ws->drop_seed[l] = rng_u64(rng);
			parallel(&j, fwd_dropout, n);
		}
	}

	/* fc over all T*B rows, with the fused softmax cross-entropy. */
	parallel(&j, fwd_output, n);
	threads_end(nt);

	double loss = 0.0;
	size_t hits = 0;
	for (size_t r = 0; r < TB; r++)
		loss += ws->rowloss[r];
	for (int i = 0; i < n; i++)
		hits += ws->hits[i];
	if (correct != NULL)
		*correct = hits;
	return loss / (double)TB;
}

/* ---- backward --------------------------------------------------------- */

#define GRAD(m, p) ((m)->grads + ((p) - (m)->params))

/* fc: columns of fc.weight's and fc.bias's gradients, and rows of
 * d top (TB, H) = dlogits (TB, V) fc_w (V, H). */
static void
bwd_output(job *j, int i, int n)
{
	const model *m = j->m;
	model_ws *ws = j->ws;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t V = (size_t)m->cfg.V, c0, c1, r0, r1;
	const float *top = layer_input(ws, m->cfg.L);

	share(H, i, n, 16, &c0, &c1);
	if (c0 < c1)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)V,
		    (int)(c1 - c0), (int)TB, 1.0f, ws->logits, (int)V,
		    top + c0, (int)H, 1.0f, GRAD(m, m->fc_w) + c0, (int)H);
	share(V, i, n, 16, &c0, &c1);
	colsum_add(GRAD(m, m->fc_b), ws->logits, TB, V, c0, c1);
	share(TB, i, n, 1, &r0, &r1);
	if (r0 < r1)
		gemm_nn(j->dtop + r0 * H, ws->logits + r0 * V, m->fc_w,
		    (int)(r1 - r0), (int)H, (int)V, 0.0f);
}

/*
 * Backward through the recurrence of layer l for streams b0..b1, given
 * dtop (T, B, H) = d loss / d (dropped) hs[1..T] from above. dtop is
 * destroyed: step t adds the recurrent gradient into row t-1 (at t = 0
 * into dstate). Fills dpre (and for GRU dpreh) for the weight gradients.
 */
static void
bwd_recur(job *j, int i, int n)
{
	const model *m = j->m;
	model_ws *ws = j->ws;
	int l = j->l;
	const model_config *c = &m->cfg;
	size_t B = (size_t)ws->B, T = (size_t)ws->T, H = (size_t)c->H;
	size_t L = (size_t)c->L, GH = (size_t)m->G * H, BH = B * H, b0, b1;
	const float *whh = m->w_hh[l];
	float *dtop = j->dtop;

	share(B, i, n, 1, &b0, &b1);
	size_t nb = b1 - b0;
	if (nb == 0)
		return;
	float *dh0 = ws->dstate + (size_t)l * BH + b0 * H;	/* (nb, H) */
	float *dc = NULL;					/* LSTM */
	memset(dh0, 0, nb * H * sizeof(float));
	if (c->cell == CELL_LSTM) {
		dc = ws->dstate + (L + (size_t)l) * BH + b0 * H;
		memset(dc, 0, nb * H * sizeof(float));
	}

	for (size_t t = T; t-- > 0;) {
		const float *a = ws->act[l] + t * B * GH + b0 * GH;
		const float *dh = dtop + t * BH + b0 * H;
		float *dp = ws->dpre + t * B * GH + b0 * GH;	/* (nb, GH) */
		float *dprev = t > 0 ? dtop + (t - 1) * BH + b0 * H : dh0;

		switch (c->cell) {
		case CELL_LSTM: {
			const float *cp = ws->cs[l] + t * BH + b0 * H;
			const float *cn = cp + BH;
			for (size_t b = 0; b < nb; b++) {
				float *d = dp + b * GH;
				const float *ab = a + b * GH;
				lstm_backward_row(d, d + H, d + 2 * H,
				    d + 3 * H, dc + b * H, dh + b * H, ab,
				    ab + H, ab + 2 * H, ab + 3 * H,
				    cn + b * H, cp + b * H, H);
			}
			if (ws->wpk != NULL)
				pk_gemm(dprev, H, dp, GH, ws->wpk, nb, H, GH, 1);
			else
				gemm_nn(dprev, dp, whh, (int)nb, (int)H,
				    (int)GH, 1.0f);
			break;
		}
		case CELL_GRU: {
			float *dq = ws->dpreh + t * B * GH + b0 * GH;
			const float *hn = ws->hn[l] + t * BH + b0 * H;
			const float *hp = ws->hs[l] + t * BH + b0 * H;
			for (size_t b = 0; b < nb; b++) {
				float *d = dp + b * GH, *e = dq + b * GH;
				const float *ab = a + b * GH;
				gru_backward_row(d, d + H, d + 2 * H, e, e + H,
				    e + 2 * H, dprev + b * H, dh + b * H, ab,
				    ab + H, ab + 2 * H, hn + b * H, hp + b * H,
				    H);
			}
			if (ws->wpk != NULL)
				pk_gemm(dprev, H, dq, GH, ws->wpk, nb, H, GH, 1);
			else
				gemm_nn(dprev, dq, whh, (int)nb, (int)H,
				    (int)GH, 1.0f);
			break;
		}
		default:
			for (size_t b = 0; b < nb; b++)
				rnn_backward_row(dp + b * GH, dh + b * H,
				    a + b * GH, H);
			if (ws->wpk != NULL)
				pk_gemm(dprev, H, dp, GH, ws->wpk, nb, H, GH, 1);
			else
				gemm_nn(dprev, dp, whh, (int)nb, (int)H,
				    (int)GH, 1.0f);
			break;
		}
	}
}

/*
 * Layer l's weight gradients over the whole sequence (K = T*B), rows
 * g0..g1 of each: W_hh from dpre_h and hs[0..T-1], W_ih from dpre and the
 * input (a scatter for one-hot), the biases as column sums; and rows of
 * d input (TB, in) = dpre W_ih, the gradient for the layer below.
 */
static void
bwd_weights(job *j, int i, int n)
{
	const model *m = j->m;
	model_ws *ws = j->ws;
	int l = j->l;
	size_t TB = (size_t)ws->T * ws->B, H = (size_t)m->cfg.H;
	size_t GH = (size_t)m->G * H, V = (size_t)m->cfg.V, g0, g1, r0, r1;
	size_t in = l > 0 ? H : m->cfg.E > 0 ? (size_t)m->cfg.E : V;
	const float *xin = layer_input(ws, l);
	const float *dq = m->cfg.cell == CELL_GRU ? ws->dpreh : ws->dpre;

	share(GH, i, n, 16, &g0, &g1);
	if (g0 < g1) {
		gemm_tn_acc(GRAD(m, m->w_hh[l]) + g0 * H, dq + g0, ws->hs[l],
		    (int)(g1 - g0), (int)H, (int)TB, (int)GH);
		if (xin == NULL)
			onehot_backward(GRAD(m, m->w_ih[0]), ws->dpre, ws->xt,
			    TB, g0, g1, GH, V);
		else
			gemm_tn_acc(GRAD(m, m->w_ih[l]) + g0 * in,
			    ws->dpre + g0, xin, (int)(g1 - g0), (int)in,
			    (int)TB, (int)GH);
	}
	colsum_add(GRAD(m, m->b_ih[l]), ws->dpre, TB, GH, g0, g1);
	if (dq != ws->dpre)
		colsum_add(GRAD(m, m->b_hh[l]), dq, TB, GH, g0, g1);
	else if (g0 < g1)	/* the same sums: both were zero */
		memcpy(GRAD(m, m->b_hh[l]) + g0, GRAD(m, m->b_ih[l]) + g0,
		    (g1 - g0) * sizeof(float));
	if (xin == NULL)
		return;
	share(TB, i, n, 1, &r0, &r1);
	if (r0 < r1 && ws->wpk != NULL && l > 0)	/* W_ih packed */
		pk_gemm(j->dnext + r0 * in, in, ws->dpre + r0 * GH, GH,
		    ws->wpk, r1 - r0, in, GH, 0);
	else if (r0 < r1)
		gemm_nn(j->dnext + r0 * in, ws->dpre + r0 * GH, m->w_ih[l],
		    (int)(r1 - r0), (int)in, (int)GH, 0.0f);
}

void

model_backward(model *m, model_ws *ws, const uint16_t *x, const uint16_t *y)
{
	const model_config *c = &m->cfg;
	size_t TB = (size_t)ws->T * ws->B, E = (size_t)c->E;

	(void)x;
	(void)y;	/* the forward kept time-major copies */
	memset(m->grads, 0, m->nparams * sizeof(float));
	if (!ws->ready) {
		memset(ws->dstate, 0, ws->nstate * sizeof(float));
		return;
	}

	job j = { .m = m, .ws = ws, .dtop = ws->dbuf[0],
	    .dnext = ws->dbuf[1] };
	int nt = threads_begin();
	int n = threads_for(ws, nt);

	parallel(&j, bwd_output, n);
	for (int l = c->L; l-- > 0;) {
		j.l = l;
		if (ws->dropped)
			parallel(&j, bwd_dropout, n);
		if (ws->wpk != NULL)	/* W_hh (GH, H) */
			pk_load(&j, n, m->w_hh[l], (size_t)m->G * c->H,
			    (size_t)c->H, (size_t)c->H, 1);
		parallel(&j, bwd_recur, MIN(n, ws->B));
		if (ws->wpk != NULL && l > 0)	/* W_ih (GH, H) */
			pk_load(&j, n, m->w_ih[l], (size_t)m->G * c->H,
			    (size_t)c->H, (size_t)c->H, 1);
		parallel(&j, bwd_weights, n);
		if (l == 0 && E > 0) {
			float *demb = GRAD(m, m->emb);
			for (size_t r = 0; r < TB; r++)
				vec_add(demb + (size_t)ws->xt[r] * E,
				    j.dnext + r * E, E);
		}
		float *tmp = j.dtop;
		j.dtop = j.dnext;
		j.dnext = tmp;
	}
	threads_end(nt);
}

/* ---- sampling: batch 1 ------------------------------------------------ */

/*
 * At batch 1 the step is a matrix-vector product per weight matrix: each
 * character streams every weight once (3.1 MB at LSTM 2x256), so its speed
 * is the caches' bandwidth. The step splits the hidden units (and the
 * output rows) of every layer between the calling thread and one
 * persistent helper thread: each core then reads only its half of the
 * weights, always the same half: 1.6 MB at 2x256, or 0.8 MB in half
 * precision (MODEL_FP16), which stays in a 1 MB L2 instead of streaming
 * from the shared L3. The halves meet at a spin barrier after each layer
 * (the next layer needs the whole new h) and at the end. New h goes to
 * scratch (the other half may still be reading the old h) and is copied
 * into s->h once both halves are done; c is updated in place (a unit's c
 * is read only by its own half).
 *
 * Every row is computed by the same code wherever it falls (params: a
 * four-row block, a partial block repeating its last row; the pack: a
 * lane of a 16-row panel, and each part's rows start on a panel), so a
 * step's logits are bitwise the same whether one thread or two computed
 * it: a seeded generation does not depend on whether the helper was free.
 *
 * Who gets the helper: one model_step at a time (a trylock; the loser runs
 * alone), never while a training forward or backward runs anywhere in the
 * process (those use both cores; a sampling thread spinning beside them
 * would only slow both), and only when OpenBLAS is allowed two or more
 * threads (the --threads setting). Small models stay on one thread: below
 * STEP_MIN_WORK weights the barriers cost more than the halving saves.
 */
#define STEP_MIN_WORK (48 * 1024)	/* weights (floats) per character */
#define STEP_SPIN_NS 200000		/* helper spins this long, then sleeps */

/*
 * y[r] = W[r] . x for rows r = 0..n-1 of W (n, K), rows K apart. Four rows
 * per pass share each load of x; sixteen partial sums per row (one AVX-512
 * register) summed in a fixed order, without -ffast-math. A last partial
 * block repeats its last row, so each row's result is the same bits
 * wherever it falls. Rows two passes ahead are prefetched (the weights of
 * a big model stream from L3).
 */
KERNEL void
mv_rows(float *restrict y, const float *restrict W, const float *restrict x,
    size_t n, size_t K)
{
	size_t K16 = K & ~(size_t)15;

	for (size_t i = 0; i < n; i += 4) {
		size_t i1 = MIN(i + 1, n - 1), i2 = MIN(i + 2, n - 1),
		    i3 = MIN(i + 3, n - 1);
		const float *w0 = W + i * K, *w1 = W + i1 * K, *w2 = W + i2 * K,
		    *w3 = W + i3 * K;
		const float *pf = i + 12 <= n ? w0 + 8 * K : w0;
		float a0[16] = { 0 }, a1[16] = { 0 }, a2[16] = { 0 },
		    a3[16] = { 0 };
		for (size_t k = 0; k < K16; k += 16) {
			PREFETCH(pf + k);
			PREFETCH(pf + K + k);
			PREFETCH(pf + 2 * K + k);
			PREFETCH(pf + 3 * K + k);
			for (int u = 0; u < 16; u++) {
				float xv = x[k + u];
				a0[u] += w0[k + u] * xv;
				a1[u] += w1[k + u] * xv;
				a2[u] += w2[k + u] * xv;
				a3[u] += w3[k + u] * xv;
			}
		}
		float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
		for (int u = 0; u < 16; u++) {
			s0 += a0[u];
			s1 += a1[u];
			s2 += a2[u];
			s3 += a3[u];
		}
		for (size_t k = K16; k < K; k++) {
			s0 += w0[k] * x[k];
			s1 += w1[k] * x[k];
			s2 += w2[k] * x[k];
			s3 += w3[k] * x[k];
		}
		y[i] = s0;
		if (i + 1 < n)
			y[i + 1] = s1;
		if (i + 2 < n)
			y[i + 2] = s2;
		if (i + 3 < n)
			y[i + 3] = s3;
	}
}

/* ---- sampling: the step's packed weights -------------------------------- */

/*
 * model_set_precision makes m->pack, a copy of the weight matrices laid
 * out for the batch-1 step, in float (MODEL_FP32) or in binary16
 * (MODEL_FP16). In half precision a character streams 1.6 MB instead of
 * 3.1 at LSTM 2x256: each core's half (0.8 MB) stays in its own 1 MB L2
 * instead of coming from L3. Only the weights are rounded; x, the products
 * and the sums stay float.
 *
 * Each matrix is stored in panels of 16 rows, a panel (K, 16): column k of
 * the panel's rows is 16 consecutive values. A row's dot product is then
 * one lane of a vector accumulator (no horizontal sums, which cost as much
 * as the products at K = 256), x[k] is broadcast, and four panels in
 * flight give eight independent FMA chains. A gated matrix (G*H, K) is G
 * blocks of H rows, each padded to whole panels, so that the step's
 * per-gate, 16-unit-aligned slices start on a panel. weight_ih_l0 of a
 * one-hot input is stored transposed, (V, G*H), unpadded: a character's
 * input projection is one contiguous row.
 *
 * Each output is the same sequential sum over k whichever thread computes
 * it. The kernels need x86-64 with AVX2 and FMA, and F16C for halves;
 * elsewhere there is no copy and the step reads params (mv_rows).
 * Eight-wide is the fast width even where AVX-512 exists: on Zen 4 the
 * 256-bit half conversion has the higher rate, and float gains nothing
 * from 512 bits here.
 */
#define PANEL 16

struct model_pack {
	int precision;	/* MODEL_FP32: f, MODEL_FP16: h */
	float *f;
	uint16_t *h;
	size_t ih[MODEL_MAX_LAYERS];	/* offsets, in values */
	size_t hh[MODEL_MAX_LAYERS];
	size_t fc;
	size_t block;	/* values per gate block of a recurrent matrix with
			   K = H (w_hh, w_ih above the first layer) */
	size_t block0;	/* ... of w_ih_l0 (K = E; one-hot: unused) */
};

static size_t
panel_rows(size_t R)
{
	return (R + PANEL - 1) / PANEL * PANEL;
}

/* Store w at index i of the pack's buffer. */
static void
pack_put(model_pack *pk, size_t i, float w)
{
	if (pk->precision == MODEL_FP16)
		pk->h[i] = half_from_float(w);
	else
		pk->f[i] = w;
}

/* R rows of W (K apart) into panels at offset off. */
static void
panelize(model_pack *pk, size_t off, const float *W, size_t R, size_t K)
{
	size_t Rp = panel_rows(R);

	for (size_t r = 0; r < Rp; r++) {
		size_t o = off + r / PANEL * PANEL * K + r % PANEL;
		for (size_t k = 0; k < K; k++)
			pack_put(pk, o + k * PANEL, r < R ? W[r * K + k] : 0);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_PACK_X86 1
#include <immintrin.h>

#define PACK_TARGET __attribute__((target("avx2,fma")))
#define HALF_TARGET __attribute__((target("avx2,fma,f16c")))

HALF_TARGET static inline __m256
widen8(const uint16_t *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

PACK_TARGET static inline __m256
load8(const float *p)
{
	return _mm256_loadu_ps(p);
}

/*
 * y[0..n) = the first n rows of panels P (K columns) times x, for panels
 * of type T read 8 at a time by LOAD8. Four panels at a time, then the
 * remaining 1-3, the last maybe partial (through a copy).
 */
#define MV_PANELS(NAME, TGT, T, LOAD8) \
TGT static void \
NAME(float *restrict y, const T *restrict P, const float *restrict x, \
    size_t n, size_t K) \
{ \
	size_t full = n / PANEL, p = 0, ps = PANEL * K; \
 \
	for (; p + 4 <= full; p += 4) { \
		const T *a = P + p * ps, *b = a + ps, *c = b + ps, *d = c + ps; \
		__m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0; \
		__m256 c0 = a0, c1 = a0, d0 = a0, d1 = a0; \
		for (size_t k = 0; k < K; k++) { \
			__m256 xk = _mm256_broadcast_ss(x + k); \
			size_t o = k * PANEL; \
			a0 = _mm256_fmadd_ps(LOAD8(a + o), xk, a0); \
			a1 = _mm256_fmadd_ps(LOAD8(a + o + 8), xk, a1); \
			b0 = _mm256_fmadd_ps(LOAD8(b + o), xk, b0); \
			b1 = _mm256_fmadd_ps(LOAD8(b + o + 8), xk, b1); \
			c0 = _mm256_fmadd_ps(LOAD8(c + o), xk, c0); \
			c1 = _mm256_fmadd_ps(LOAD8(c + o + 8), xk, c1); \
			d0 = _mm256_fmadd_ps(LOAD8(d + o), xk, d0); \
			d1 = _mm256_fmadd_ps(LOAD8(d + o + 8), xk, d1); \
		} \
		float *yp = y + p * PANEL; \
		_mm256_storeu_ps(yp, a0); \
		_mm256_storeu_ps(yp + 8, a1); \
		_mm256_storeu_ps(yp + 16, b0); \
		_mm256_storeu_ps(yp + 24, b1); \
		_mm256_storeu_ps(yp + 32, c0); \
		_mm256_storeu_ps(yp + 40, c1); \
		_mm256_storeu_ps(yp + 48, d0); \
		_mm256_storeu_ps(yp + 56, d1); \
	} \
	for (; p * PANEL < n; p++) { \
		const T *a = P + p * ps; \
		__m256 a0 = _mm256_setzero_ps(), a1 = a0; \
		for (size_t k = 0; k < K; k++) { \
			__m256 xk = _mm256_broadcast_ss(x + k); \
			a0 = _mm256_fmadd_ps(LOAD8(a + k * PANEL), xk, a0); \
			a1 = _mm256_fmadd_ps(LOAD8(a + k * PANEL + 8), xk, \
			    a1); \
		} \
		float t[PANEL]; \
		_mm256_storeu_ps(t, a0); \
		_mm256_storeu_ps(t + 8, a1); \
		memcpy(y + p * PANEL, t, MIN(n - p * PANEL, (size_t)PANEL) * \
		    sizeof(float)); \
	} \
}
MV_PANELS(mv_panels_h, HALF_TARGET, uint16_t, widen8)
MV_PANELS(mv_panels_f, PACK_TARGET, float, load8)

/* y[i] = h[i], i < n */
HALF_TARGET static void
widen_halves(float *restrict y, const uint16_t *restrict h, size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(y + i, widen8(h + i));
	for (; i < n; i++)
		y[i] = half_to_float(h[i]);
}

/* Can this CPU run the kernels for precision? The answers are the same in
 * any thread. */
static int
pack_supported(int precision)
{
	static atomic_int have = -1;	/* bit 0: float, bit 1: half */
	int h = atomic_load_explicit(&have, memory_order_relaxed);

	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("fma");
		h |= h && half_cpu_f16c() ? 2 : 0;
		atomic_store_explicit(&have, h, memory_order_relaxed);
	}
	return (h & (precision == MODEL_FP16 ? 2 : 1)) != 0;
}
#else
static int
pack_supported(int precision)
{
	(void)precision;
	return 0;
}

static void
mv_panels_h(float *restrict y, const uint16_t *restrict P,
    const float *restrict x, size_t n, size_t K)
{
	(void)y; (void)P; (void)x; (void)n; (void)K;
}

static void
mv_panels_f(float *restrict y, const float *restrict P,
    const float *restrict x, size_t n, size_t K)
{
	(void)y; (void)P; (void)x; (void)n; (void)K;
}

static void
widen_halves(float *restrict y, const uint16_t *restrict h, size_t n)
{
	(void)y; (void)h; (void)n;
}
#endif

/* y = the first n rows of the panels at offset off, times x (K). */
static void
pack_mv(const model_pack *pk, float *y, size_t off, const float *x,
    size_t n, size_t K)
{
	if (pk->precision == MODEL_FP16)
		mv_panels_h(y, pk->h + off, x, n, K);
	else
		mv_panels_f(y, pk->f + off, x, n, K);
}

/* y[i] = the pack's values off + i, i < n (a one-hot input's row). */
static void
pack_row(const model_pack *pk, float *y, size_t off, size_t n)
{
	if (pk->precision == MODEL_FP16)
		widen_halves(y, pk->h + off, n);
	else
		memcpy(y, pk->f + off, n * sizeof(float));
}

/* Do the weight matrices fit binary16 (finite, |w| <= HALF_MAX)? */
static int
fits_half(const model *m)
{
	for (int i = 0; i < m->ntensors; i++) {
		const model_tensor *t = &m->tensors[i];
		if (t->ndim != 2 || m->params + t->offset == m->emb)
			continue;
		const float *p = m->params + t->offset;
		for (size_t k = 0; k < t->size; k++) {
			if (!(fabsf(p[k]) <= HALF_MAX))
				return 0;
		}
	}
	return 1;
}

void
model_unpack(model *m)
{
	if (m->pack != NULL) {
		free(m->pack->f);
		free(m->pack->h);
	}
	free(m->pack);
	m->pack = NULL;
}

/* The layout: offsets of every matrix; returns the values in all. */
static size_t
pack_layout(const model *m, model_pack *pk)
{
	size_t H = (size_t)m->cfg.H, V = (size_t)m->cfg.V,
	    E = (size_t)m->cfg.E, G = (size_t)m->G, off = 0;

	pk->block = panel_rows(H) * H;
	pk->block0 = panel_rows(H) * E;
	for (int l = 0; l < m->cfg.L; l++) {
		pk->ih[l] = off;
		off += l > 0 ? G * pk->block : E > 0 ? G * pk->block0 :
		    G * H * V;
		pk->hh[l] = off;
		off += G * pk->block;
	}
	pk->fc = off;
	return off + panel_rows(V) * H;
}

int
model_set_precision(model *m, int precision)
{
	if (precision == MODEL_FP16 && (!pack_supported(MODEL_FP16) ||
	    !fits_half(m)))
		precision = MODEL_FP32;
	if (!pack_supported(precision)) {
		model_unpack(m);
		return MODEL_FP32;	/* params, through mv_rows */
	}
	if (m->pack != NULL && m->pack->precision != precision)
		model_unpack(m);
	if (m->pack == NULL) {
		model_pack *pk = xcalloc(1, sizeof *pk);
		size_t n = pack_layout(m, pk);
		pk->precision = precision;
		if (precision == MODEL_FP16)
			pk->h = (uint16_t *)xalloc_floats((n + 1) / 2);
		else
			pk->f = xalloc_floats(n);
		m->pack = pk;
	}
	model_pack *pk = m->pack;
	size_t H = (size_t)m->cfg.H, V = (size_t)m->cfg.V,
	    E = (size_t)m->cfg.E, G = (size_t)m->G, GH = G * H;
	for (int l = 0; l < m->cfg.L; l++) {
		size_t in = l > 0 ? H : E;
		for (size_t g = 0; g < G; g++) {
			if (l > 0 || E > 0)
				panelize(pk, pk->ih[l] + g * (l > 0 ?
				    pk->block : pk->block0),
				    m->w_ih[l] + g * H * in, H, in);
			panelize(pk, pk->hh[l] + g * pk->block,
			    m->w_hh[l] + g * H * H, H, H);
		}
	}
	if (E == 0) {	/* one-hot: weight_ih_l0 transposed */
		for (size_t r = 0; r < GH; r++) {
			for (size_t v = 0; v < V; v++)
				pack_put(pk, pk->ih[0] + v * GH + r,
				    m->w_ih[0][r * V + v]);
		}
	}
	panelize(pk, pk->fc, m->fc_w, V, H);
	return precision;
}

/* The cells on units 0..n-1 of a layer: gate k of unit j at [k*H + j] of
 * gx (W_ih x), gh (W_hh h), bi, bh; same formulas and order of operations
 * as the *_forward_row kernels. h gets the new state, c (LSTM) is updated
 * in place, hp is the old h (GRU). */
KERNEL void
lstm_step_units(float *restrict h, float *restrict c, const float *restrict gx,
    const float *restrict gh, const float *restrict bi,
    const float *restrict bh, size_t H, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		float i = sigmoidf((gx[j] + gh[j]) + bi[j] + bh[j]);
		float f = sigmoidf((gx[H + j] + gh[H + j]) + bi[H + j] +
		    bh[H + j]);
		float g = tanhf_((gx[2 * H + j] + gh[2 * H + j]) +
		    bi[2 * H + j] + bh[2 * H + j]);
		float o = sigmoidf((gx[3 * H + j] + gh[3 * H + j]) +
		    bi[3 * H + j] + bh[3 * H + j]);
		float cn = f * c[j] + i * g;
		c[j] = cn;
		h[j] = o * tanhf_(cn);
	}
}

KERNEL void
gru_step_units(float *restrict h, const float *restrict hp,
    const float *restrict gx, const float *restrict gh,
    const float *restrict bi, const float *restrict bh, size_t H, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		float r = sigmoidf(gx[j] + bi[j] + gh[j] + bh[j]);
		float z = sigmoidf(gx[H + j] + bi[H + j] + gh[H + j] +
		    bh[H + j]);
		float m = gh[2 * H + j] + bh[2 * H + j];
		float nn = tanhf_(gx[2 * H + j] + bi[2 * H + j] + r * m);
		h[j] = (1.0f - z) * nn + z * hp[j];
	}
}

KERNEL void
rnn_step_units(float *restrict h, const float *restrict gx,
    const float *restrict gh, const float *restrict bi,
    const float *restrict bh, size_t n)
{
	for (size_t j = 0; j < n; j++)
		h[j] = tanhf_((gx[j] + gh[j]) + bi[j] + bh[j]);
}

/* The two halves' meeting points: arrive[i] counts part i's arrivals (the
 * same number per step for both), each on its own cache line. */
typedef struct {
	_Alignas(64) atomic_uint n;
} step_counter;

static struct {
	pthread_once_t once;
	int ok;				/* the helper thread runs */
	pthread_mutex_t busy;		/* held by the step using the helper */
	pthread_mutex_t mu;		/* with cv: the helper's sleep */
	pthread_cond_t cv;
	atomic_uint seq;		/* jobs posted */
	atomic_int sleeping;
	const model *m;			/* the job, valid from seq's bump */
	model_state *s;
	int token;
	step_counter arrive[2];
} helper = { .once = PTHREAD_ONCE_INIT, .busy = PTHREAD_MUTEX_INITIALIZER,
    .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static atomic_int step_threads_setting;	/* model_set_step_threads */

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Part me of 2 waits until the other part has arrived as often. */
static void
step_barrier(int me, int wait)
{
	unsigned v = atomic_load_explicit(&helper.arrive[me].n,
	    memory_order_relaxed) + 1;

	atomic_store_explicit(&helper.arrive[me].n, v, memory_order_release);
	if (!wait)
		return;
	for (unsigned spins = 0; (int)(atomic_load_explicit(
	    &helper.arrive[1 - me].n, memory_order_acquire) - v) < 0;
	    spins++) {
		if (spins < 4096)
			cpu_relax();
		else
			sched_yield();	/* the other part lost its core */
	}
}

/* scratch: gx (GH), gh (GH), hnew (L*H), each 16-float aligned */
static size_t
round16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

/*
 * Part me of nparts (1 or 2) of one step: units share(H) of every
 * layer, then rows share(V) of the output. With two parts the new h of
 * layer l is read by both only after the barrier that ends layer l.
 */
static void
step_part(const model *m, model_state *s, int token, int me, int nparts)
{
	const model_config *c = &m->cfg;
	size_t H = (size_t)c->H, V = (size_t)c->V, E = (size_t)c->E;
	size_t L = (size_t)c->L, G = (size_t)m->G, GH = G * H, j0, j1, v0,
	    v1;
	float *gx = s->scratch, *gh = gx + round16(GH);
	float *hnew = gh + round16(GH);
	int valid = token >= 0 && (size_t)token < V;	/* else: no input */
	const model_pack *pk = m->pack;

	/* j0 and v0 start a panel of the pack */
	share(H, me, nparts, PANEL, &j0, &j1);
	size_t n = j1 - j0;
	for (size_t l = 0; l < L; l++) {
		const float *hold = s->h + l * H, *x = NULL;
		size_t in = l > 0 ? H : E;
		if (l > 0)
			x = hnew + (l - 1) * H;
		else if (E > 0 && valid)
			x = m->emb + (size_t)token * E;
		for (size_t g = 0; n > 0 && g < G; g++) {
			size_t r0 = g * H + j0;
			if (pk != NULL) {
				if (x != NULL)
					pack_mv(pk, gx + r0, pk->ih[l] + g *
					    (l > 0 ? pk->block : pk->block0) +
					    j0 * in, x, n, in);
				else if (l == 0 && E == 0 && valid)
					pack_row(pk, gx + r0, pk->ih[0] +
					    (size_t)token * GH + r0, n);
				else
					memset(gx + r0, 0, n * sizeof(float));
				pack_mv(pk, gh + r0, pk->hh[l] + g * pk->block +
				    j0 * H, hold, n, H);
				continue;
			}
			if (x != NULL)
				mv_rows(gx + r0, m->w_ih[l] + r0 * in, x, n, in);
			else if (l == 0 && E == 0 && valid) {
				/* one-hot: column `token` of w_ih (GH, V) */
				const float *w = m->w_ih[0] + r0 * V + token;
				for (size_t j = 0; j < n; j++)
					gx[r0 + j] = w[j * V];
			} else
				memset(gx + r0, 0, n * sizeof(float));
			mv_rows(gh + r0, m->w_hh[l] + r0 * H, hold, n, H);
		}
		if (n > 0) {
			float *hn = hnew + l * H + j0;
			const float *bi = m->b_ih[l] + j0, *bh = m->b_hh[l] + j0;
			switch (c->cell) {
			case CELL_LSTM:
				lstm_step_units(hn, s->c + l * H + j0, gx + j0,
				    gh + j0, bi, bh, H, n);
				break;
			case CELL_GRU:
				gru_step_units(hn, hold + j0, gx + j0, gh + j0,
				    bi, bh, H, n);
				break;
			default:
				rnn_step_units(hn, gx + j0, gh + j0, bi, bh, n);
				break;
			}
		}
		if (nparts > 1)
			step_barrier(me, 1);
	}
	share(V, me, nparts, PANEL, &v0, &v1);
	if (v0 < v1) {
		if (pk != NULL)
			pack_mv(pk, s->logits + v0, pk->fc + v0 * H,
			    hnew + (L - 1) * H, v1 - v0, H);
		else
			mv_rows(s->logits + v0, m->fc_w + v0 * H,
			    hnew + (L - 1) * H, v1 - v0, H);
		for (size_t v = v0; v < v1; v++)
			s->logits[v] = m->fc_b[v] + s->logits[v];
	}
	if (nparts > 1)
		step_barrier(me, me == 0);	/* part 0 waits for part 1 */
}

static void *
helper_main(void *arg)
{
	unsigned seen = 0;	/* no job is posted before this thread runs */

	(void)arg;
	for (;;) {
		unsigned q;
		uint64_t t0 = 0;
		for (unsigned spins = 0; (q = atomic_load_explicit(&helper.seq,
		    memory_order_acquire)) == seen; spins++) {
			if ((spins & 255) == 0) {
				uint64_t t = mono_ns();
				if (spins == 0)
					t0 = t;
				else if (t - t0 > STEP_SPIN_NS) {
					pthread_mutex_lock(&helper.mu);
					atomic_store(&helper.sleeping, 1);
					while (atomic_load(&helper.seq) == seen)
						pthread_cond_wait(&helper.cv,
						    &helper.mu);
					atomic_store(&helper.sleeping, 0);
					pthread_mutex_unlock(&helper.mu);
					spins = 0;
					t0 = mono_ns();
					continue;
				}
			}
			cpu_relax();
		}
		seen = q;
		step_part(helper.m, helper.s, helper.token, 1, 2);
	}
	return NULL;
}

static void
helper_start(void)
{
	pthread_attr_t a;
	pthread_t t;

	if (pthread_attr_init(&a) != 0)
		return;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	helper.ok = pthread_create(&t, &a, helper_main, NULL) == 0;
	pthread_attr_destroy(&a);
}

void
model_set_step_threads(int n)
{
	atomic_store(&step_threads_setting, n < 0 ? 0 : n > 2 ? 2 : n);
}

/*
 * May this step use two threads? 0: no (one thread forced, a small model,
 * a training forward or backward running, OpenBLAS held to one thread);
 * 2: yes, always (model_set_step_threads(2)); 1: yes, if measured faster.
 */
static int
step_allowed(const model *m)
{
	const model_config *c = &m->cfg;
	size_t H = (size_t)c->H, in0 = c->E > 0 ? (size_t)c->E : 0;
	double work = (double)m->G * H * (in0 + H) + (double)c->V * H +
	    (double)(c->L - 1) * m->G * H * 2.0 * H;
	int want = atomic_load_explicit(&step_threads_setting,
	    memory_order_relaxed);

	if (want == 1 || H < 32)
		return 0;
	if (want == 2)
		return 2;
	if (work < STEP_MIN_WORK || atomic_load(&training_now) > 0 ||
	    openblas_get_num_threads() < 2)
		return 0;
	return 1;
}

/*
 * One or two threads, by the smoothed time per step of each on this state.
 * Two threads need the other core: when another process holds it the
 * helper runs in slices and a step can take 10x longer than on one thread.
 * So both are timed: the faster one runs, and after step_every steps the
 * other runs for 4 (the first of a run is not timed: the helper may be
 * waking up, the caches refilling) to notice when the machine changes.
 * While the choice holds, step_every doubles (256 up to 8192): a probe of
 * the slow way costs < 1% of the time.
 */
static int
step_choose(model_state *s)
{
	if (s->step_ns[1] == 0.0f)
		return 2;
	if (s->step_ns[0] == 0.0f)
		return 1;
	int best = s->step_ns[1] <= s->step_ns[0] ? 2 : 1;
	if (s->step_every == 0) {
		s->step_every = 256;
		s->step_best = best;
	}
	unsigned k = s->step_count++;
	if (k < s->step_every)
		return best;
	if (k < s->step_every + 4)
		return 3 - s->step_best;
	s->step_count = 1;
	s->step_every = best == s->step_best ? MIN(2 * s->step_every, 8192) :
	    256;
	s->step_best = best;
	return best;
}

static void
step_record(model_state *s, int n, uint64_t ns)
{
	float t = (float)ns, *e = &s->step_ns[n - 1];

	/* One step preempted by another process says little: a slow step
	 * counts as at most 4x the average so far (a core taken for good
	 * still shows within a few steps). */
	if (s->step_prev == n)
		*e = *e == 0.0f ? t : 0.75f * *e + 0.25f * MIN(t, 4.0f * *e);
	s->step_prev = n;
}

/* Take the helper: 1 if this step may use it (then release it after). */
static int
helper_take(void)
{
	pthread_once(&helper.once, helper_start);
	return helper.ok && pthread_mutex_trylock(&helper.busy) == 0;
}

model_state *
model_state_create(const model *m)
{
	model_state *s = xcalloc(1, sizeof *s);
	size_t H = (size_t)m->cfg.H, L = (size_t)m->cfg.L;
	size_t V = (size_t)m->cfg.V, GH = (size_t)m->G * H;
	size_t nh = round16(L * H);
	size_t nc = m->cfg.cell == CELL_LSTM ? nh : 0;
	size_t nscratch = 2 * round16(GH) + nh;
	float *p = xalloc_floats(nh + nc + round16(V) + nscratch);

	s->L = (int)L;
	s->H = (int)H;
	s->V = (int)V;
	s->h = p;
	s->c = nc ? p + nh : NULL;
	s->logits = p + nh + nc;
	s->scratch = s->logits + round16(V);
	return s;
}

void
model_state_free(model_state *s)
{
	if (s == NULL)
		return;
	free(s->h);
	free(s);
}

void
model_state_reset(model_state *s)
{
	size_t n = (size_t)s->L * s->H;

	memset(s->h, 0, n * sizeof(float));
	if (s->c != NULL)
		memset(s->c, 0, n * sizeof(float));
	memset(s->logits, 0, (size_t)s->V * sizeof(float));
}

void
model_state_copy(model_state *dst, const model_state *src)
{
	size_t n = (size_t)src->L * src->H;

	memcpy(dst->h, src->h, n * sizeof(float));
	if (src->c != NULL && dst->c != NULL)
		memcpy(dst->c, src->c, n * sizeof(float));
	memcpy(dst->logits, src->logits, (size_t)src->V * sizeof(float));
}

const float *
model_step(const model *m, model_state *s, int token)
{
	const model_config *c = &m->cfg;
	size_t H = (size_t)c->H, GH = (size_t)m->G * H;
	float *hnew = s->scratch + 2 * round16(GH);
	int allowed = step_allowed(m), n = 1;
	uint64_t t0 = 0;

	if (allowed != 0) {
		n = allowed == 2 ? 2 : step_choose(s);
		if (n == 2 && !helper_take()) {
			n = 1;
			allowed = 0;	/* busy elsewhere: not a fair timing */
		}
	}
	if (allowed == 1)
		t0 = mono_ns();
	if (n == 2) {
		helper.m = m;
		helper.s = s;
		helper.token = token;
		atomic_fetch_add(&helper.seq, 1);
		if (atomic_load(&helper.sleeping)) {
			pthread_mutex_lock(&helper.mu);
			pthread_cond_signal(&helper.cv);
			pthread_mutex_unlock(&helper.mu);
		}
		step_part(m, s, token, 0, 2);
		pthread_mutex_unlock(&helper.busy);
	} else {
		step_part(m, s, token, 0, 1);
	}
	memcpy(s->h, hnew, (size_t)c->L * H * sizeof(float));
	if (allowed == 1)
		step_record(s, n, mono_ns() - t0);
	else
		s->step_prev = 0;
	return s->logits;
}
