/* kernels.h - the hand-written SIMD kernels, behind one dispatch table
 * chosen once from the CPU.
 *
 * Copyright (C) 2026 The burble developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A kernel set is a table of function pointers, one file per instruction
 * set: kern_avx512.c, kern_avx2.c (x86-64), kern_neon.c (ARM64), and
 * kern_generic.c, a plain-C version of every kernel, which the tests
 * (tests/test_kernels.c) compare each SIMD kernel against. The x86 code is
 * compiled with function target attributes (NEON is ARM64's baseline), so
 * every file builds with the same flags and a portable binary carries
 * every set of its architecture.
 *
 * The active set is chosen on first use: the best set the CPU can run
 * (the order of kernels_at). kernels_select forces one by name (tests,
 * comparisons, `--kernels NAME`). Objects capture the active set when they
 * are made: a training workspace (model_ws_create) and the batch-1 step's
 * copy of the weights (model_set_precision); selecting another set changes
 * what is made afterwards. The active set is the one piece of process-wide
 * mutable state in the core, on purpose: it describes the CPU, which is
 * the same for every caller.
 *
 * A NULL kernel means the set has none of its own for that job, and the
 * caller does what it does on a CPU without one: a training pass's
 * products go through OpenBLAS's sgemm (with pk_gemm they are all the
 * set's: the recurrence, the projections, the output layer, and the
 * weight gradients through kernels_gemm_tn), the batch-1 step reads
 * params (mv_rows) and makes no copy. The generic set is all NULL: it is what burble computes
 * with no kernel of its own, and what `--kernels generic` compares with.
 */
#ifndef BURBLE_KERNELS_H
#define BURBLE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* The packed recurrence: a (K, N) matrix packed by kernels_pack is column
 * panels of KERN_NR floats, panel p holding columns p*KERN_NR.. as K rows
 * of KERN_NR (zero-padded past N). */
#define KERN_NR 32
/* The batch-1 step's panels: KERN_PANEL rows of a matrix (R, K) stored as
 * (K, KERN_PANEL), column k of the panel's rows consecutive. */
#define KERN_PANEL 16

/* C (M, N) ldc = [beta] C + A (M, K) @ P, A's element (i, k) at
 * a[i * ars + k * aks] (a row-major A: ars = its row length, aks = 1; one
 * stored transposed: ars = 1, aks = its row length), P packed (K, N) by
 * kernels_pack. Each element of C is C (beta) or 0 plus the products
 * summed in k order, one fused multiply-add each, wherever it falls: the
 * result does not depend on how M or N is split, nor K (C carries the
 * sum from one call to the next with beta = 1). */
typedef void kern_gemm_fn(float *c, size_t ldc, const float *a, size_t ars,
    size_t aks, const float *P, size_t M, size_t N, size_t K, int beta);
/* y[0..n) = the first n rows of panels P (K columns, KERN_PANEL rows
 * each, float or binary16) times x (K): each y[r] the products summed in
 * k order, one fused multiply-add each. */
typedef void kern_mv_fn(float *restrict y, const float *restrict P,
    const float *restrict x, size_t n, size_t K);
typedef void kern_mvh_fn(float *restrict y, const uint16_t *restrict P,
    const float *restrict x, size_t n, size_t K);
/* y[i] = h[i] widened from binary16, i < n. */
typedef void kern_widen_fn(float *restrict y, const uint16_t *restrict h,
    size_t n);

typedef struct {
	const char *name;		/* "avx512", "avx2", "neon", "generic" */
	int (*supported)(void);		/* can this CPU run them? */
	kern_gemm_fn *pk_gemm;		/* NULL: OpenBLAS's sgemm */
	kern_mv_fn *mv_panels_f;	/* NULL: no packed step */
	kern_mvh_fn *mv_panels_h;	/* NULL: no fp16 step */
	kern_widen_fn *widen_halves;	/* with mv_panels_h */
} kernels;

/* The active set (chosen on the first call). */
const kernels *kernels_active(void);
/* Its name. */
const char *kernels_name(void);
/* Make the set called name active: "avx512", "avx2", "neon", "generic", or
 * "auto" for the best this CPU runs. Returns 0, or -1 with a cause for a
 * name that is unknown, not built for this machine, or beyond this CPU. */
int kernels_select(const char *name, char **cause);
/* The sets built in, best first, i = 0..; NULL past the last. */
const kernels *kernels_at(size_t i);

/* Floats of a packed (K, N) matrix. */
size_t kernels_pack_size(size_t K, size_t N);
/* Columns j0..j1 (multiples of KERN_NR, or N) of P = the packed (K, N)
 * matrix whose element (k, n) is w[k * ks + n * ns]: ks = N, ns = 1 packs
 * w (K, N); ks = 1, ns = K packs w (N, K)^T. */
void kernels_pack(float *P, const float *w, size_t K, size_t N, size_t ks,
    size_t ns, size_t j0, size_t j1);

/* M rows in nt = ceil(M / mr) register tiles of at most mr rows: tile q
 * has KERN_TILE_ROWS(M, nt, q), the heights differing by one at most (32
 * rows in tiles of 6 are 6, 6, 5, 5, 5, 5, not 6 x 5 and a 2-row tile
 * whose four accumulators leave the FMA pipes half idle). */
#define KERN_TILE_ROWS(M, nt, q) ((M) / (nt) + ((q) < (M) % (nt)))

/* C (mr, 16) ldc = [beta] C + A (mr, K) (strides as kern_gemm_fn) @ the
 * 16 columns at p of a packed panel (rows KERN_NR apart): a register tile
 * of a 16-column kernel, tiles[mr] for mr = 1.. its most rows. */
typedef void kern_tile16_fn(float *c, size_t ldc, const float *a,
    size_t ars, size_t aks, const float *p, size_t K, int beta);
/* pk_gemm by such tiles: C in blocks of mc rows (kept in L2), each in
 * strips of 16 columns (half a panel, kept in L1) and tiles of up to mr
 * rows; a strip narrower than 16 through a copy. */
void kernels_gemm16(kern_tile16_fn *const *tiles, size_t mr, size_t mc,
    float *c, size_t ldc, const float *a, size_t ars, size_t aks,
    const float *P, size_t M, size_t N, size_t K, int beta);

/* ---- weight gradients: C += A^T B through a set's pk_gemm ------------ */

/* One product of kernels_gemm_tn: C (M, N) ldc += A^T @ B, B (K, N) with
 * rows ldb apart. */
typedef struct {
	const float *b;
	size_t ldb, N;
	float *c;
	size_t ldc;
} kernels_tn_out;

/* Floats of scratch that kernels_gemm_tn needs for products whose widths
 * N add up to nsum (each rounded up to KERN_NR). */
size_t kernels_tn_scratch(size_t nsum);
/*
 * For each of the nout (1 or 2) products: C (M, N) += A^T @ B, A (K, M)
 * with rows lda apart: a weight gradient summed over K = T*B rows. With
 * bsum, also bsum (M) += the column sums of A (a bias gradient), each
 * summed in k order as vec_add over A's rows sums them. Through k's
 * pk_gemm (not NULL), K in chunks with C carried from one to the next: each
 * element of C is C plus the products summed in k order, one fused
 * multiply-add each, so the result does not depend on how M or N is
 * split among threads. A's chunks are copied k-major and B's packed,
 * into scratch (kernels_tn_scratch floats).
 */
void kernels_gemm_tn(const kernels *k, const float *a, size_t lda,
    size_t M, size_t K, const kernels_tn_out *out, size_t nout,
    float *bsum, float *scratch);

/* ---- the kernels of each file, for the tables and the tests ---------- */

kern_gemm_fn kern_generic_pk_gemm;
kern_mv_fn kern_generic_mv_panels_f;
kern_mvh_fn kern_generic_mv_panels_h;
kern_widen_fn kern_generic_widen_halves;

#if defined(__x86_64__) && defined(__GNUC__)
#define KERN_X86 1
int kern_avx512_supported(void);
kern_gemm_fn kern_avx512_pk_gemm;
int kern_avx2_supported(void);
kern_gemm_fn kern_avx2_pk_gemm;
kern_mv_fn kern_avx2_mv_panels_f;
kern_mvh_fn kern_avx2_mv_panels_h;
kern_widen_fn kern_avx2_widen_halves;
#endif

#if defined(__aarch64__) && defined(__GNUC__)
#define KERN_NEON 1
int kern_neon_supported(void);
kern_gemm_fn kern_neon_pk_gemm;
kern_mv_fn kern_neon_mv_panels_f;
kern_mvh_fn kern_neon_mv_panels_h;
kern_widen_fn kern_neon_widen_halves;
#endif

#endif
