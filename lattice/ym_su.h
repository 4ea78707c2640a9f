/* SU(N) matrix algebra for run-time N (1 <= N <= YM_NMAX).
 *
 * Matrices are N*N arrays of double complex, row-major. N = 2 and N = 3 take
 * unrolled kernels; every other N goes through a generic loop. All functions
 * are Local (no communication) and thread-safe. Output arguments must not
 * alias inputs unless stated.
 *
 * Lie algebra convention (Luscher/openQCD): su(N) = anti-Hermitian traceless
 * matrices, generators T^a with tr(T^a T^b) = -1/2 delta^ab.
 */
#ifndef YM_SU_H
#define YM_SU_H

#include <complex.h>
#include <gsl/gsl_rng.h>

#define YM_NMAX 8

typedef double complex ym_cplx;

/* a = 1. */
void ym_su_unit(int N, ym_cplx *a);
/* a = 0. */
void ym_su_zero(int N, ym_cplx *a);
/* b = a (may alias). */
void ym_su_copy(int N, ym_cplx *b, const ym_cplx *a);
/* b = a^dagger (must not alias). */
void ym_su_dagger(int N, ym_cplx *b, const ym_cplx *a);

/* c = a b, c = a b^dagger, c = a^dagger b, c = a^dagger b^dagger. c must not alias a or b. */
void ym_su_mul_nn(int N, ym_cplx *c, const ym_cplx *a, const ym_cplx *b);
void ym_su_mul_nd(int N, ym_cplx *c, const ym_cplx *a, const ym_cplx *b);
void ym_su_mul_dn(int N, ym_cplx *c, const ym_cplx *a, const ym_cplx *b);
void ym_su_mul_dd(int N, ym_cplx *c, const ym_cplx *a, const ym_cplx *b);

/* c += s * a (may alias). */
void ym_su_axpy(int N, ym_cplx *c, ym_cplx s, const ym_cplx *a);

/* tr a. */
ym_cplx ym_su_trace(int N, const ym_cplx *a);
/* Re tr(a b) without forming the product. */
double ym_su_retr_nn(int N, const ym_cplx *a, const ym_cplx *b);
/* tr(a b) without forming the product. */
ym_cplx ym_su_tr_nn(int N, const ym_cplx *a, const ym_cplx *b);
/* det a (LU with partial pivoting for N > 3). */
ym_cplx ym_su_det(int N, const ym_cplx *a);

/* out = P(m) = (m - m^dagger)/2 - tr(m - m^dagger)/(2N) * 1  (may alias). */
void ym_su_proj(int N, ym_cplx *out, const ym_cplx *m);

/* Compact storage of an anti-Hermitian matrix x in N^2 doubles (half of a
 * full matrix; what the flow keeps per link between stages):
 * k[0 .. N-1] = Im x_ii, then (Re x_ij, Im x_ij) for i < j row by row.
 * unpack rebuilds x_ji = -conj(x_ij) and Re x_ii = 0 exactly. */
void ym_su_ah_pack(int N, double *k, const ym_cplx *x);
void ym_su_ah_unpack(int N, ym_cplx *x, const double *k);

/* out = exp(x) for x in su(N) (anti-Hermitian traceless). Closed forms for
 * N = 2 (quaternion) and N = 3 (Cayley-Hamilton, Morningstar-Peardon), a
 * Hermitian eigen-decomposition otherwise; accurate to ~1e-15 in every entry.
 * Must not alias. */
void ym_su_exp(int N, ym_cplx *out, const ym_cplx *x);

/* out = principal logarithm of the unitary u (anti-Hermitian, eigenphases in
 * (-pi, pi]). Not traceless unless det u = 1 and no phase sits at pi. Used by
 * tests and diagnostics, not hot paths. Returns 0, or -1 if the
 * eigen-decomposition fails. Must not alias. */
int ym_su_log(int N, ym_cplx *out, const ym_cplx *u);

/* Project an almost-unitary matrix back onto SU(N) in place: modified
 * Gram-Schmidt on the rows, then the last row (N = 2, 3: rebuilt from the
 * others) or a global phase fixes det = 1. */
void ym_su_reunit(int N, ym_cplx *u);

/* Haar-distributed SU(N) element from r (QR of a Ginibre matrix with the
 * phases of R's diagonal removed, then det fixed by a central phase). */
void ym_su_random_haar(int N, ym_cplx *u, gsl_rng *r);

/* Random algebra element x = sum_a c^a T^a with c^a ~ Normal(0, sigma^2). */
void ym_su_random_alg(int N, ym_cplx *x, gsl_rng *r, double sigma);

/* Generator T^a, a = 0 .. N^2-2 (generalised Gell-Mann matrices times -i/2). */
void ym_su_generator(int N, int a, ym_cplx *t);

/* max_ij |a_ij - b_ij|. */
double ym_su_maxdiff(int N, const ym_cplx *a, const ym_cplx *b);
/* max_ij |(a a^dagger - 1)_ij|. */
double ym_su_unitarity(int N, const ym_cplx *a);

#endif
