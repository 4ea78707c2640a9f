/* Private (not installed): SU(N) products and traces forced inline, the one
 * definition behind ym_su_mul_* (lattice/ym_su.c), the hybrid force and
 * the measurement kernels (clover, improved loops), compiled for N = 2 and
 * N = 3 as constants inside YM_HOT functions. They form the same sums in
 * the same order as ym_su_mul_* / ym_su_proj, so a kernel instantiated
 * with a literal N differs from the run-time-N path only by FMA
 * contraction in the x86-64-v3 clone; with a run-time N they are plain
 * loops (the N = 1, 4 .. YM_NMAX path). ymi_mulv is the faster vector
 * form for kernels that need agreement to rounding only. */
#ifndef YM_SU_INLINE_H
#define YM_SU_INLINE_H

#include <string.h>

#include "ym_su.h"

/* Forced inlining and full unrolling are GCC's only: clang honours both,
 * but the resulting kernels take it minutes to compile under the sanitizers
 * (the fuzz build), and speed does not matter there. */
#if defined(__GNUC__) && !defined(__clang__)
#define YMI_INLINE static inline __attribute__((always_inline))
#define YMI_NOINLINE __attribute__((noinline))
#define YMI_UNROLL3 _Pragma("GCC unroll 3")
#else
#define YMI_INLINE static inline
#define YMI_NOINLINE
#define YMI_UNROLL3
#endif

/* c = op(a) op(b), op = dagger where da / db is set (literal flags). */
YMI_INLINE void ymi_mul(int n, ym_cplx *restrict c, const ym_cplx *restrict a, const ym_cplx *restrict b, int da,
                        int db)
{
YMI_UNROLL3
    for (int i = 0; i < n; ++i) {
YMI_UNROLL3
        for (int j = 0; j < n; ++j) {
            double re = 0.0, im = 0.0;
YMI_UNROLL3
            for (int k = 0; k < n; ++k) {
                ym_cplx x = da ? a[k * n + i] : a[i * n + k];
                ym_cplx y = db ? b[j * n + k] : b[k * n + j];
                double rr = creal(x) * creal(y), ii = cimag(x) * cimag(y);
                double ri = creal(x) * cimag(y), ir = cimag(x) * creal(y);
                re += da == db ? rr - ii : rr + ii;
                if (da && db) im -= ri + ir;
                else if (da) im += ri - ir;
                else if (db) im += ir - ri;
                else im += ri + ir;
            }
            c[i * n + j] = CMPLX(re, im);
        }
    }
}

/* ymi_mul with a complex entry as one 2-double vector (GCC vector
 * extensions): c_ij accumulates, in order k, a_ik times b_kj as
 * (ar br, ar bi) + (ai (-bi), ai br) (up to the daggers), two lanes at once.
 * The same terms in the same order as ymi_mul, grouped differently (one
 * rounding per partial sum instead of per term pair), so results agree
 * with ymi_mul to rounding, not bitwise; for the kernels whose inputs and
 * outputs are not pinned bitwise to ym_su_mul_* (the hybrid force). Both
 * daggers: ymi_mul. */
#if defined(__GNUC__) && !defined(__clang__)
typedef double ymi_v2 __attribute__((vector_size(16), aligned(8)));
YMI_INLINE void ymi_mulv(int n, ym_cplx *restrict c, const ym_cplx *restrict a, const ym_cplx *restrict b, int da,
                         int db)
{
    if (da && db) {
        ymi_mul(n, c, a, b, 1, 1);
        return;
    }
    const double *A = (const double *)a, *B = (const double *)b;
    double *C = (double *)c;
    ymi_v2 B0[YM_NMAX * YM_NMAX], B1[YM_NMAX * YM_NMAX];
YMI_UNROLL3
    for (int k = 0; k < n; ++k)
YMI_UNROLL3
        for (int j = 0; j < n; ++j) {
            if (db) { /* conj(b_jk) */
                double br = B[2 * (j * n + k)], bi = B[2 * (j * n + k) + 1];
                B0[k * n + j] = (ymi_v2){br, -bi};
                B1[k * n + j] = (ymi_v2){bi, br};
            } else if (da) { /* conj(a_ki) b_kj */
                double br = B[2 * (k * n + j)], bi = B[2 * (k * n + j) + 1];
                B0[k * n + j] = (ymi_v2){br, bi};
                B1[k * n + j] = (ymi_v2){bi, -br};
            } else {
                double br = B[2 * (k * n + j)], bi = B[2 * (k * n + j) + 1];
                B0[k * n + j] = (ymi_v2){br, bi};
                B1[k * n + j] = (ymi_v2){-bi, br};
            }
        }
YMI_UNROLL3
    for (int i = 0; i < n; ++i) {
        ymi_v2 acc[YM_NMAX];
YMI_UNROLL3
        for (int k = 0; k < n; ++k) {
            int ia = da ? k * n + i : i * n + k;
            ymi_v2 vr = {A[2 * ia], A[2 * ia]}, vi = {A[2 * ia + 1], A[2 * ia + 1]};
YMI_UNROLL3
            for (int j = 0; j < n; ++j)
                acc[j] = k ? acc[j] + vr * B0[k * n + j] + vi * B1[k * n + j] : vr * B0[k * n + j] + vi * B1[k * n + j];
        }
YMI_UNROLL3
        for (int j = 0; j < n; ++j) {
            C[2 * (i * n + j)] = acc[j][0];
            C[2 * (i * n + j) + 1] = acc[j][1];
        }
    }
}
#else
#define ymi_mulv ymi_mul
#endif

/* c += a (elementwise). */
YMI_INLINE void ymi_add(int n, ym_cplx *restrict c, const ym_cplx *restrict a)
{
    for (int k = 0; k < n * n; ++k) c[k] += a[k];
}

/* Re tr(a b^dagger) = sum_ij Re(a_ij conj(b_ij)), summed in storage order. */
YMI_INLINE double ymi_retr_nd(int n, const ym_cplx *a, const ym_cplx *b)
{
    const double *x = (const double *)a, *y = (const double *)b;
    double s = 0;
    for (int k = 0; k < 2 * n * n; ++k) s += x[k] * y[k];
    return s;
}

/* Re tr(a b), in the order of ym_su_retr_nn. */
YMI_INLINE double ymi_retr_nn(int n, const ym_cplx *a, const ym_cplx *b)
{
    double re = 0.0;
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) re += creal(a[i * n + k]) * creal(b[k * n + i]) - cimag(a[i * n + k]) * cimag(b[k * n + i]);
    return re;
}

/* out = s * (traceless anti-Hermitian part of m), as ym_su_proj then a scaling
 * by s; out may alias m. */
YMI_INLINE void ymi_proj_scaled(int n, ym_cplx *out, const ym_cplx *m, double s)
{
    double imtr = 0.0;
    for (int i = 0; i < n; ++i) imtr += cimag(m[i * n + i]);
    imtr /= n;
    for (int i = 0; i < n; ++i) {
        for (int j = i + 1; j < n; ++j) {
            ym_cplx mij = m[i * n + j], mji = m[j * n + i];
            double re = 0.5 * (creal(mij) - creal(mji));
            double im = 0.5 * (cimag(mij) + cimag(mji));
            out[i * n + j] = CMPLX(re * s, im * s);
            out[j * n + i] = CMPLX(-re * s, im * s);
        }
        out[i * n + i] = CMPLX(0.0, (cimag(m[i * n + i]) - imtr) * s);
    }
}

/* SU(2) as quaternions: SU(2) matrices and every real combination of them
 * are [[a, b], [-conj(b), conj(a)]], kept as the first row (a, b): 4 doubles
 * instead of 8, a product 16 real multiplications instead of 32, a dagger
 * (conj(a), -b). A stored link is read from its first row; it differs from
 * the second by the rounding of the stored SU(2) matrix only.
 * A quaternion is a 4-wide vector (re a, im a, re b, im b) of GCC's and
 * clang's vector extensions (AVX in the x86-64-v3 clone, SSE2 pairs
 * otherwise), so that a product is four broadcast-multiply-adds of signed
 * permutations of its right factor instead of 16 scalar products:
 *   (a, b)(c, d) = (a c - b conj(d), a d + b conj(c))
 *               = x0 y + x1 P1(y) + x2 P2(y) + x3 P3(y). */
typedef double ymi_q __attribute__((vector_size(32)));
/* Always inlined, so no call passes a vector: configure adds -Wno-psabi,
 * since GCC's notes on how such functions would pass one do not apply. */
#if defined(__clang__)
#define YMI_PERM4(v, a, b, c, d) __builtin_shufflevector((v), (v), a, b, c, d)
#else
typedef long long ymi_q_idx __attribute__((vector_size(32)));
#define YMI_PERM4(v, a, b, c, d) __builtin_shuffle((v), (ymi_q_idx){a, b, c, d})
#endif

/* Prefetch the four SU(2) links of site (4 x 8 doubles, four cache lines)
 * of a gauge field's data ud: for the kernels whose site order the hardware
 * prefetcher does not follow. */
YMI_INLINE void ymi_prefetch_site2(const double *ud, int site)
{
    const double *p = ud + (size_t)site * 32;
    __builtin_prefetch(p), __builtin_prefetch(p + 8), __builtin_prefetch(p + 16), __builtin_prefetch(p + 24);
}
/* Prefetch n doubles from p, one touch per 64-byte line: for the streams
 * of the loop-force sweeps that the hardware prefetcher misses. */
YMI_INLINE void ymi_prefetch(const double *p, int n)
{
    for (int i = 0; i < n; i += 8) __builtin_prefetch(p + i);
}
YMI_INLINE ymi_q ymi_q_ld(const double *u)
{
    ymi_q v;
    memcpy(&v, u, sizeof v);
    return v;
}
YMI_INLINE void ymi_q_st(double *u, ymi_q v) { memcpy(u, &v, sizeof v); }
YMI_INLINE ymi_q ymi_q_dag(ymi_q x) { return x * (ymi_q){1.0, -1.0, -1.0, -1.0}; }
YMI_INLINE ymi_q ymi_q_add(ymi_q x, ymi_q y) { return x + y; }
YMI_INLINE ymi_q ymi_q_mul(ymi_q x, ymi_q y)
{
    const ymi_q y1 = YMI_PERM4(y, 1, 0, 3, 2) * (ymi_q){-1.0, 1.0, -1.0, 1.0};
    const ymi_q y2 = YMI_PERM4(y, 2, 3, 0, 1) * (ymi_q){-1.0, 1.0, 1.0, -1.0};
    const ymi_q y3 = YMI_PERM4(y, 3, 2, 1, 0) * (ymi_q){-1.0, -1.0, 1.0, 1.0};
    return ((x[0] * y + x[1] * y1) + x[2] * y2) + x[3] * y3;
}
/* s (Q - Q^+)/2 of a quaternion as a full 2x2 complex matrix (8 doubles,
 * row-major re, im): s [[i Im a, b], [-conj(b), -i Im a]], traceless already */
YMI_INLINE void ymi_q_ah_scaled(double *z, ymi_q Q, double s)
{
    z[0] = 0.0, z[1] = s * Q[1], z[2] = s * Q[2], z[3] = s * Q[3];
    z[4] = -s * Q[2], z[5] = s * Q[3], z[6] = 0.0, z[7] = -s * Q[1];
}

#endif
