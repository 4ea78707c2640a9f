/* SU(N) matrix algebra for run-time N; see ym_su.h for the contract.
 *
 * Generator ordering (generalised Gell-Mann, T^a = -i lambda^a / 2): for
 * k = 1 .. N-1 in turn, first the off-diagonal pairs (j, k) for j = 0 .. k-1,
 * each as the symmetric  lambda = E_jk + E_kj  followed by the antisymmetric
 * lambda = -i E_jk + i E_kj, then the diagonal
 * lambda = sqrt(2/(k(k+1))) diag(1, .., 1, -k, 0, .., 0) (k ones). Block k
 * holds 2k+1 generators and starts at index k^2 - 1, so N = 2 gives the Pauli
 * matrices in the order x, y, z and N = 3 the standard Gell-Mann order 1..8.
 *
 * Complex products are written out on real and imaginary parts: in ISO C mode
 * the Annex G operator `*` adds a NaN test and a __muldc3 fallback to every
 * product, which the plaquette loops should not pay for.
 */
#include "ym_su.h"
#include "ym_su_inline.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#if defined(__GNUC__)
#define YM_KERNEL static inline __attribute__((always_inline))
#else
#define YM_KERNEL static inline
#endif

/* M_PI is POSIX, not C11. */
#define YM_PI 3.14159265358979323846

/* Rotations on off-diagonal elements below this fraction of ||A||_F change
 * the eigen-decomposition by far less than one ulp of ||A||, so Jacobi treats
 * them as zero; a sweep without rotations means convergence. */
#define YM_JACOBI_TOL 1e-18
#define YM_JACOBI_MAX_SWEEPS 64

/* ------------------------------------------------------------------------ */
/* scalar helpers                                                           */

static inline ym_cplx cmul(ym_cplx a, ym_cplx b)
{
    double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);
    return CMPLX(ar * br - ai * bi, ar * bi + ai * br);
}

/* conj(a) * b */
static inline ym_cplx cmulc(ym_cplx a, ym_cplx b)
{
    double ar = creal(a), ai = cimag(a), br = creal(b), bi = cimag(b);
    return CMPLX(ar * br + ai * bi, ar * bi - ai * br);
}

static inline double cabs2(ym_cplx a)
{
    return creal(a) * creal(a) + cimag(a) * cimag(a);
}

static inline ym_cplx cscale(double s, ym_cplx a)
{
    return CMPLX(s * creal(a), s * cimag(a));
}

/* sin(t)/t; the series avoids 0/0 and is exact to rounding below 0.05
 * (first neglected term t^10/11! < 3e-21). */
static inline double sinc(double t)
{
    double t2 = t * t;
    if (fabs(t) < 0.05)
        return 1.0 - t2 / 6.0 * (1.0 - t2 / 20.0 * (1.0 - t2 / 42.0 * (1.0 - t2 / 72.0)));
    return sin(t) / t;
}

/* ------------------------------------------------------------------------ */
/* trivial operations                                                       */

void ym_su_unit(int N, ym_cplx *a)
{
    ym_su_zero(N, a);
    for (int i = 0; i < N; ++i) a[i * N + i] = 1.0;
}

void ym_su_zero(int N, ym_cplx *a)
{
    for (int i = 0; i < N * N; ++i) a[i] = 0.0;
}

void ym_su_copy(int N, ym_cplx *b, const ym_cplx *a)
{
    if (b != a) memmove(b, a, (size_t)(N * N) * sizeof *a);
}

void ym_su_dagger(int N, ym_cplx *b, const ym_cplx *a)
{
    for (int i = 0; i < N; ++i)
        for (int j = 0; j < N; ++j) b[j * N + i] = conj(a[i * N + j]);
}

void ym_su_axpy(int N, ym_cplx *c, ym_cplx s, const ym_cplx *a)
{
    for (int i = 0; i < N * N; ++i) c[i] += cmul(s, a[i]);
}

/* ------------------------------------------------------------------------ */
/* products and traces                                                      */

/* c = op(a) op(b), op = dagger when da/db is set. Instantiated only with
 * literal n = 2, 3 and literal flags: after forced inlining the trip counts
 * are constants, the pragmas unroll completely (plain -O2 would keep the
 * loops) and the conjugation signs fold away, which gives the eight unrolled
 * kernels without eight hand-written copies. */
YM_KERNEL void mul_kernel(int n, ym_cplx *restrict c, const ym_cplx *restrict a,
                          const ym_cplx *restrict b, int da, int db)
{
    ymi_mul(n, c, a, b, da, db);
}

/* Out of line and rolled: N = 1, 4 .. YM_NMAX are not the hot paths. */
static void mul_generic(int n, ym_cplx *restrict c, const ym_cplx *restrict a,
                        const ym_cplx *restrict b, int da, int db)
{
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            ym_cplx s = 0.0;
            for (int k = 0; k < n; ++k) {
                ym_cplx x = da ? conj(a[k * n + i]) : a[i * n + k];
                ym_cplx y = db ? conj(b[j * n + k]) : b[k * n + j];
                s += cmul(x, y);
            }
            c[i * n + j] = s;
        }
    }
}

#define YM_MUL_DISPATCH(N, c, a, b, da, db)                  \
    do {                                                      \
        switch (N) {                                          \
        case 2: mul_kernel(2, c, a, b, da, db); break;        \
        case 3: mul_kernel(3, c, a, b, da, db); break;        \
        default: mul_generic(N, c, a, b, da, db); break;      \
        }                                                     \
    } while (0)

void ym_su_mul_nn(int N, ym_cplx *c, const ym_cplx *a, const ym_cplx *b)
{
    YM_MUL_DISPATCH(N, c, a, b, 0, 0);
}

void ym_su_mul_nd(int N, ym_cplx *c, const ym_cplx *a, const ym_cplx *b)
{
    YM_MUL_DISPATCH(N, c, a, b, 0, 1);
}

void ym_su_mul_dn(int N, ym_cplx *c, const ym_cplx *a, const ym_cplx *b)
{
    YM_MUL_DISPATCH(N, c, a, b, 1, 0);
}

void ym_su_mul_dd(int N, ym_cplx *c, const ym_cplx *a, const ym_cplx *b)
{
    YM_MUL_DISPATCH(N, c, a, b, 1, 1);
}

YM_KERNEL ym_cplx trace_kernel(int n, const ym_cplx *a)
{
    double re = 0.0, im = 0.0;
    for (int i = 0; i < n; ++i) {
        re += creal(a[i * n + i]);
        im += cimag(a[i * n + i]);
    }
    return CMPLX(re, im);
}

ym_cplx ym_su_trace(int N, const ym_cplx *a)
{
    switch (N) {
    case 2: return trace_kernel(2, a);
    case 3: return trace_kernel(3, a);
    default: return trace_kernel(N, a);
    }
}

/* tr(a b) = sum_ik a_ik b_ki; want_im = 0 skips the imaginary half. */
YM_KERNEL ym_cplx trnn_kernel(int n, const ym_cplx *a, const ym_cplx *b, int want_im)
{
    double re = 0.0, im = 0.0;
#pragma GCC unroll 3
    for (int i = 0; i < n; ++i) {
#pragma GCC unroll 3
        for (int k = 0; k < n; ++k) {
            ym_cplx x = a[i * n + k], y = b[k * n + i];
            re += creal(x) * creal(y) - cimag(x) * cimag(y);
            if (want_im) im += creal(x) * cimag(y) + cimag(x) * creal(y);
        }
    }
    return CMPLX(re, im);
}

double ym_su_retr_nn(int N, const ym_cplx *a, const ym_cplx *b)
{
    switch (N) {
    case 2: return creal(trnn_kernel(2, a, b, 0));
    case 3: return creal(trnn_kernel(3, a, b, 0));
    default: return creal(trnn_kernel(N, a, b, 0));
    }
}

ym_cplx ym_su_tr_nn(int N, const ym_cplx *a, const ym_cplx *b)
{
    switch (N) {
    case 2: return trnn_kernel(2, a, b, 1);
    case 3: return trnn_kernel(3, a, b, 1);
    default: return trnn_kernel(N, a, b, 1);
    }
}

/* ------------------------------------------------------------------------ */
/* determinant and LU                                                       */

static inline ym_cplx det2(const ym_cplx *a)
{
    return cmul(a[0], a[3]) - cmul(a[1], a[2]);
}

static inline ym_cplx det3(const ym_cplx *a)
{
    return cmul(a[0], cmul(a[4], a[8]) - cmul(a[5], a[7]))
         - cmul(a[1], cmul(a[3], a[8]) - cmul(a[5], a[6]))
         + cmul(a[2], cmul(a[3], a[7]) - cmul(a[4], a[6]));
}

/* In-place LU with partial pivoting (row-major, unit lower L below the
 * diagonal). Returns the permutation sign, or 0 on an exactly zero pivot. */
static int lu_factor(int n, ym_cplx *a, int *piv)
{
    int sign = 1;
    for (int k = 0; k < n; ++k) {
        int p = k;
        double best = cabs2(a[k * n + k]);
        for (int i = k + 1; i < n; ++i) {
            double v = cabs2(a[i * n + k]);
            if (v > best) {
                best = v;
                p = i;
            }
        }
        piv[k] = p;
        if (!(best > 0.0)) return 0;
        if (p != k) {
            sign = -sign;
            for (int j = 0; j < n; ++j) {
                ym_cplx t = a[k * n + j];
                a[k * n + j] = a[p * n + j];
                a[p * n + j] = t;
            }
        }
        ym_cplx inv = 1.0 / a[k * n + k];
        for (int i = k + 1; i < n; ++i) {
            ym_cplx l = cmul(a[i * n + k], inv);
            a[i * n + k] = l;
            for (int j = k + 1; j < n; ++j) a[i * n + j] -= cmul(l, a[k * n + j]);
        }
    }
    return sign;
}

/* Solve (LU) X = P B for the n x n right-hand side b, in place. */
static void lu_solve(int n, const ym_cplx *lu, const int *piv, ym_cplx *b)
{
    for (int k = 0; k < n; ++k) {
        if (piv[k] != k) {
            for (int j = 0; j < n; ++j) {
                ym_cplx t = b[k * n + j];
                b[k * n + j] = b[piv[k] * n + j];
                b[piv[k] * n + j] = t;
            }
        }
    }
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < i; ++k)
            for (int j = 0; j < n; ++j) b[i * n + j] -= cmul(lu[i * n + k], b[k * n + j]);
    for (int i = n - 1; i >= 0; --i) {
        for (int k = i + 1; k < n; ++k)
            for (int j = 0; j < n; ++j) b[i * n + j] -= cmul(lu[i * n + k], b[k * n + j]);
        ym_cplx inv = 1.0 / lu[i * n + i];
        for (int j = 0; j < n; ++j) b[i * n + j] = cmul(b[i * n + j], inv);
    }
}

ym_cplx ym_su_det(int N, const ym_cplx *a)
{
    switch (N) {
    case 1: return a[0];
    case 2: return det2(a);
    case 3: return det3(a);
    default: break;
    }
    ym_cplx lu[YM_NMAX * YM_NMAX];
    int piv[YM_NMAX];
    ym_su_copy(N, lu, a);
    int sign = lu_factor(N, lu, piv);
    if (sign == 0) return 0.0;
    ym_cplx d = sign;
    for (int k = 0; k < N; ++k) d = cmul(d, lu[k * N + k]);
    return d;
}

/* ------------------------------------------------------------------------ */
/* projection onto su(N)                                                    */

/* Reads each mirror pair (ij, ji) before writing either, so out may alias m. */
YM_KERNEL void proj_kernel(int n, ym_cplx *out, const ym_cplx *m)
{
    ymi_proj_scaled(n, out, m, 1.0); /* a scaling by 1 is exact */
}

void ym_su_proj(int N, ym_cplx *out, const ym_cplx *m)
{
    switch (N) {
    case 2: proj_kernel(2, out, m); break;
    case 3: proj_kernel(3, out, m); break;
    default: proj_kernel(N, out, m); break;
    }
}

void ym_su_ah_pack(int N, double *k, const ym_cplx *x)
{
    for (int i = 0; i < N; ++i) k[i] = cimag(x[i * N + i]);
    double *o = k + N;
    for (int i = 0; i < N; ++i)
        for (int j = i + 1; j < N; ++j) {
            *o++ = creal(x[i * N + j]);
            *o++ = cimag(x[i * N + j]);
        }
}

void ym_su_ah_unpack(int N, ym_cplx *x, const double *k)
{
    for (int i = 0; i < N; ++i) x[i * N + i] = CMPLX(0.0, k[i]);
    const double *o = k + N;
    for (int i = 0; i < N; ++i)
        for (int j = i + 1; j < N; ++j, o += 2) {
            x[i * N + j] = CMPLX(o[0], o[1]);
            x[j * N + i] = CMPLX(-o[0], o[1]);
        }
}

/* ------------------------------------------------------------------------ */
/* Gram-Schmidt                                                             */

/* Modified Gram-Schmidt on rows 0 .. m-1 of the n x n matrix u. */
static void mgs_rows(int n, int m, ym_cplx *u)
{
    for (int k = 0; k < m; ++k) {
        ym_cplx *rk = u + k * n;
        for (int j = 0; j < k; ++j) {
            const ym_cplx *rj = u + j * n;
            ym_cplx p = 0.0;
            for (int l = 0; l < n; ++l) p += cmulc(rj[l], rk[l]);
            for (int l = 0; l < n; ++l) rk[l] -= cmul(p, rj[l]);
        }
        double nn = 0.0;
        for (int l = 0; l < n; ++l) nn += cabs2(rk[l]);
        double s = 1.0 / sqrt(nn);
        for (int l = 0; l < n; ++l) rk[l] = cscale(s, rk[l]);
    }
}

/* ------------------------------------------------------------------------ */
/* Hermitian eigen-decomposition (cyclic complex Jacobi, no allocation)      */

/* Diagonalise the Hermitian a (destroyed): a = V diag(w) V^dagger, with the
 * eigenvectors stored as the ROWS of vt (vt = V^T), so that rotations and the
 * final Gram-Schmidt run over contiguous memory. Each rotation G = D R is a
 * phase D = diag(1, e^{-i phi}) on (p, q) making a_pq real, followed by the
 * real Jacobi rotation R of Numerical Recipes. Returns 0, or -1 on
 * non-finite input or no convergence (vt, w then hold the last iterate). */
static int jacobi_herm(int n, ym_cplx *a, double *w, ym_cplx *vt)
{
    double norm2 = 0.0;
    for (int i = 0; i < n * n; ++i) norm2 += cabs2(a[i]);
    ym_su_unit(n, vt);
    for (int k = 0; k < n; ++k) w[k] = creal(a[k * n + k]);
    if (!isfinite(norm2)) return -1;
    const double tol = YM_JACOBI_TOL * sqrt(norm2);

    for (int sweep = 0; sweep < YM_JACOBI_MAX_SWEEPS; ++sweep) {
        int rotated = 0;
        for (int p = 0; p < n; ++p) {
            for (int q = p + 1; q < n; ++q) {
                ym_cplx apq = a[p * n + q];
                double b = sqrt(cabs2(apq));
                if (!(b > tol)) continue;
                rotated = 1;
                double alpha = creal(a[p * n + p]), gamma = creal(a[q * n + q]);
                ym_cplx e = CMPLX(creal(apq) / b, cimag(apq) / b), ec = conj(e);
                double theta = (gamma - alpha) / (2.0 * b);
                double t = fabs(theta) > 1e150
                    ? 0.5 / theta
                    : copysign(1.0, theta) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double cs = 1.0 / sqrt(1.0 + t * t), sn = t * cs;
                for (int r = 0; r < n; ++r) {
                    ym_cplx x = a[r * n + p], y = cmul(ec, a[r * n + q]);
                    a[r * n + p] = cscale(cs, x) - cscale(sn, y);
                    a[r * n + q] = cscale(sn, x) + cscale(cs, y);
                }
                for (int r = 0; r < n; ++r) {
                    ym_cplx x = a[p * n + r], y = cmul(e, a[q * n + r]);
                    a[p * n + r] = cscale(cs, x) - cscale(sn, y);
                    a[q * n + r] = cscale(sn, x) + cscale(cs, y);
                }
                for (int r = 0; r < n; ++r) {
                    ym_cplx x = vt[p * n + r], y = cmul(ec, vt[q * n + r]);
                    vt[p * n + r] = cscale(cs, x) - cscale(sn, y);
                    vt[q * n + r] = cscale(sn, x) + cscale(cs, y);
                }
                /* The analytic values are more accurate than the rotated ones. */
                a[p * n + q] = a[q * n + p] = 0.0;
                a[p * n + p] = alpha - t * b;
                a[q * n + q] = gamma + t * b;
            }
        }
        if (!rotated) {
            for (int k = 0; k < n; ++k) w[k] = creal(a[k * n + k]);
            /* Dozens of rotations leave V unitary only to ~n eps; one MGS
             * pass restores ~eps and moves each vector by that much only. */
            mgs_rows(n, n, vt);
            return 0;
        }
    }
    for (int k = 0; k < n; ++k) w[k] = creal(a[k * n + k]);
    return -1;
}

/* out = V diag(d) V^dagger for eigenvectors in the rows of vt. */
static void spectral_compose(int n, ym_cplx *out, const ym_cplx *vt, const ym_cplx *d)
{
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            ym_cplx s = 0.0;
            for (int k = 0; k < n; ++k) s += cmul(cmul(vt[k * n + i], d[k]), conj(vt[k * n + j]));
            out[i * n + j] = s;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* exponential                                                              */

/* x = [[i c, b], [-b^*, -i c]] has x^2 = -theta^2 1, so
 * exp(x) = cos(theta) + sin(theta)/theta x. c and b are read through the
 * su(2) projection, so the result is exactly of SU(2) form. */
static inline void exp_su2(ym_cplx *out, const ym_cplx *x)
{
    double c = 0.5 * (cimag(x[0]) - cimag(x[3]));
    double br = 0.5 * (creal(x[1]) - creal(x[2]));
    double bi = 0.5 * (cimag(x[1]) + cimag(x[2]));
    double theta = sqrt(c * c + br * br + bi * bi);
    double co = cos(theta), s = sinc(theta);
    out[0] = CMPLX(co, c * s);
    out[1] = CMPLX(br * s, bi * s);
    out[2] = CMPLX(-br * s, bi * s);
    out[3] = CMPLX(co, -c * s);
}

/* Below this c1 = tr(Q^2)/2 the Cayley-Hamilton coefficients come from their
 * Taylor series: the closed form divides O(c1) by O(c1) and is 0/0 at x = 0. */
#define YM_EXP3_C1_SERIES 1e-2
/* Eigenvalues are then below sqrt(4 c1/3) < 0.12, so 0.12^19/19! ~ 1e-35. */
#define YM_EXP3_SERIES_TERMS 18

/* exp(iQ) = f0 + f1 Q + f2 Q^2 from sum_n i^n Q^n/n!, reducing powers by
 * Cayley-Hamilton Q^3 = c1 Q + c0: Q^n = a + b Q + d Q^2 with
 * (a, b, d) <- (c0 d, a + c1 d, b). */
static inline void exp3_coef_series(double c0, double c1, double fr[3], double fi[3])
{
    double a = 0.0, b = 0.0, d = 1.0, fac = 0.5;
    fr[0] = 1.0; fi[0] = 0.0;
    fr[1] = 0.0; fi[1] = 1.0;
    fr[2] = -0.5; fi[2] = 0.0;
    for (int n = 3; n <= YM_EXP3_SERIES_TERMS; ++n) {
        double an = c0 * d, bn = a + c1 * d;
        d = b;
        a = an;
        b = bn;
        fac /= n;
        /* i^n is 1, i, -1, -i */
        double s = (n & 2) ? -fac : fac;
        double *f = (n & 1) ? fi : fr;
        f[0] += s * a;
        f[1] += s * b;
        f[2] += s * d;
    }
}

/* Morningstar-Peardon, Phys. Rev. D69 (2004) 054501, eqs. (29)-(34). Works
 * at c0 >= 0 (theta in [0, pi/2], so the denominator 9u^2 - w^2 >= 2 c1 is
 * never small) and maps back with f_j(-c0) = (-1)^j f_j(c0)^*. Only w^2,
 * cos w and sin(w)/w enter, all smooth in w^2, so the sqrt(eps) error of
 * acos near degenerate eigenvalues (theta -> 0) does not propagate. */
static inline void exp3_coef_mp(double c0, double c1, double fr[3], double fi[3])
{
    int neg = c0 < 0.0;
    double c0a = fabs(c0);
    double r3 = sqrt(c1 / 3.0);
    double c0max = 2.0 * (c1 / 3.0) * r3;
    double ratio = c0a / c0max;
    if (ratio > 1.0) ratio = 1.0;
    double theta = acos(ratio);
    double u = r3 * cos(theta / 3.0), w = sqrt(c1) * sin(theta / 3.0);
    double u2 = u * u, w2 = w * w;
    double xi0 = sinc(w), cw = cos(w);
    double c2u = cos(2.0 * u), s2u = sin(2.0 * u);
    double cu = cos(u), su = sin(u); /* e^{-iu} = cu - i su */

    /* h0 = (u2 - w2) e^{2iu} + e^{-iu} [8 u2 cw + 2i u (3u2 + w2) xi0] */
    double pr = 8.0 * u2 * cw, pi = 2.0 * u * (3.0 * u2 + w2) * xi0;
    double h0r = (u2 - w2) * c2u + cu * pr + su * pi;
    double h0i = (u2 - w2) * s2u + cu * pi - su * pr;
    /* h1 = 2u e^{2iu} - e^{-iu} [2u cw - i (3u2 - w2) xi0] */
    pr = 2.0 * u * cw;
    pi = -(3.0 * u2 - w2) * xi0;
    double h1r = 2.0 * u * c2u - (cu * pr + su * pi);
    double h1i = 2.0 * u * s2u - (cu * pi - su * pr);
    /* h2 = e^{2iu} - e^{-iu} [cw + 3i u xi0] */
    pr = cw;
    pi = 3.0 * u * xi0;
    double h2r = c2u - (cu * pr + su * pi);
    double h2i = s2u - (cu * pi - su * pr);

    double inv = 1.0 / (9.0 * u2 - w2);
    fr[0] = h0r * inv; fi[0] = h0i * inv;
    fr[1] = h1r * inv; fi[1] = h1i * inv;
    fr[2] = h2r * inv; fi[2] = h2i * inv;
    if (neg) {
        fi[0] = -fi[0];
        fr[1] = -fr[1];
        fi[2] = -fi[2];
    }
}

/* With Q = -i x: exp(x) = exp(iQ) = f0 + f1 Q + f2 Q^2 = f0 - i f1 x - f2 x^2,
 * c1 = tr(Q^2)/2 = -tr(x^2)/2 and c0 = det Q = i det x = -Im det x. */
static inline void exp_su3(ym_cplx *restrict out, const ym_cplx *restrict x)
{
    ym_cplx x2[9];
    mul_kernel(3, x2, x, x, 0, 0);
    double c1 = -0.5 * (creal(x2[0]) + creal(x2[4]) + creal(x2[8]));
    double c0 = -cimag(det3(x));
    double fr[3], fi[3];
    if (c1 < YM_EXP3_C1_SERIES)
        exp3_coef_series(c0, c1, fr, fi);
    else
        exp3_coef_mp(c0, c1, fr, fi);
    /* g1 = -i f1, g2 = -f2 */
    double g1r = fi[1], g1i = -fr[1], g2r = -fr[2], g2i = -fi[2];
    for (int k = 0; k < 9; ++k) {
        double xr = creal(x[k]), xi = cimag(x[k]), yr = creal(x2[k]), yi = cimag(x2[k]);
        out[k] = CMPLX(g1r * xr - g1i * xi + g2r * yr - g2i * yi,
                       g1r * xi + g1i * xr + g2r * yi + g2i * yr);
    }
    for (int k = 0; k < 3; ++k) out[4 * k] += CMPLX(fr[0], fi[0]);
}

/* exp(x) = V diag(e^{i lambda}) V^dagger from H = -i x = V diag(lambda) V^dagger.
 * If Jacobi does not converge (non-finite input) the last iterate is used:
 * the function has no error channel. */
static void exp_generic(int n, ym_cplx *out, const ym_cplx *x)
{
    ym_cplx h[YM_NMAX * YM_NMAX], v[YM_NMAX * YM_NMAX], d[YM_NMAX];
    double lam[YM_NMAX];
    /* Hermitise so that slightly non-anti-Hermitian input stays well posed. */
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            ym_cplx hij = CMPLX(cimag(x[i * n + j]), -creal(x[i * n + j]));
            ym_cplx hji = CMPLX(cimag(x[j * n + i]), -creal(x[j * n + i]));
            h[i * n + j] = 0.5 * (hij + conj(hji));
        }
    double trh = 0.0, sum = 0.0;
    for (int k = 0; k < n; ++k) trh += creal(h[k * n + k]);
    (void)jacobi_herm(n, h, lam, v);
    /* Each eigenvalue carries an error ~eps ||H||; left alone these add up
     * in det exp(x) = e^{i sum lambda} (1e-14 at N = 8, |x| = 20). Restoring
     * the exactly known trace costs nothing in accuracy and keeps det = 1. */
    for (int k = 0; k < n; ++k) sum += lam[k];
    for (int k = 0; k < n; ++k) lam[k] += (trh - sum) / n;
    for (int k = 0; k < n; ++k) d[k] = CMPLX(cos(lam[k]), sin(lam[k]));
    spectral_compose(n, out, v, d);
}

void ym_su_exp(int N, ym_cplx *out, const ym_cplx *x)
{
    switch (N) {
    case 2: exp_su2(out, x); break;
    case 3: exp_su3(out, x); break;
    default: exp_generic(N, out, x); break;
    }
}

/* ------------------------------------------------------------------------ */
/* logarithm                                                                */

static void sort_doubles(int n, double *s)
{
    for (int i = 1; i < n; ++i) {
        double v = s[i];
        int j = i - 1;
        while (j >= 0 && s[j] > v) {
            s[j + 1] = s[j];
            --j;
        }
        s[j + 1] = v;
    }
}

/* A phase psi such that every eigenphase of e^{-i psi} u lies at least
 * pi/(2N) away from pi. The eigenvalues cos(phi_k) of (u + u^dagger)/2 give
 * |phi_k| reliably (no eigenvector problem); the midpoint of the largest gap
 * of the 2N points +-|phi_k| is at least pi/(2N) from every true phase. */
static int cayley_shift(int n, const ym_cplx *u, double *psi)
{
    ym_cplx h[YM_NMAX * YM_NMAX], v[YM_NMAX * YM_NMAX];
    double w[YM_NMAX], s[2 * YM_NMAX];
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) h[i * n + j] = 0.5 * (u[i * n + j] + conj(u[j * n + i]));
    if (jacobi_herm(n, h, w, v)) return -1;
    for (int k = 0; k < n; ++k) {
        double c = w[k] > 1.0 ? 1.0 : (w[k] < -1.0 ? -1.0 : w[k]);
        s[2 * k] = acos(c);
        s[2 * k + 1] = -s[2 * k];
    }
    sort_doubles(2 * n, s);
    double gap = s[0] + 2.0 * YM_PI - s[2 * n - 1], cut = s[2 * n - 1] + 0.5 * gap;
    for (int k = 0; k + 1 < 2 * n; ++k) {
        if (s[k + 1] - s[k] > gap) {
            gap = s[k + 1] - s[k];
            cut = s[k] + 0.5 * gap;
        }
    }
    *psi = cut - YM_PI;
    return 0;
}

/* Eigenvectors of u from the Cayley transform H = i (1 - W)(1 + W)^{-1} of
 * W = e^{-i psi} u: Hermitian with eigenvalues tan(theta_k/2), strictly
 * monotonic in the phase, so distinct phases never share an eigenvalue (a
 * fixed Hermitian combination a (u + u^dag) + b (u - u^dag)/i can), and
 * ||H|| <= cot(pi/(4N)) keeps it well conditioned. Phases come from the
 * Rayleigh quotients v^dag u v, which are second-order accurate. */
int ym_su_log(int N, ym_cplx *out, const ym_cplx *u)
{
    ym_cplx m[YM_NMAX * YM_NMAX], h[YM_NMAX * YM_NMAX], v[YM_NMAX * YM_NMAX];
    ym_cplx d[YM_NMAX];
    double w[YM_NMAX], psi;
    int piv[YM_NMAX];
    const int n = N;

    if (n < 1 || n > YM_NMAX) return -1;
    if (cayley_shift(n, u, &psi)) return -1;
    ym_cplx e = CMPLX(cos(psi), -sin(psi));
    for (int i = 0; i < n * n; ++i) {
        ym_cplx wi = cmul(e, u[i]);
        m[i] = wi;
        h[i] = -wi;
    }
    for (int i = 0; i < n; ++i) {
        m[i * n + i] += 1.0;
        h[i * n + i] += 1.0;
    }
    if (lu_factor(n, m, piv) == 0) return -1;
    lu_solve(n, m, piv, h);
    for (int i = 0; i < n; ++i) {
        for (int j = i; j < n; ++j) {
            /* i X, Hermitised */
            ym_cplx a = CMPLX(-cimag(h[i * n + j]), creal(h[i * n + j]));
            ym_cplx b = CMPLX(-cimag(h[j * n + i]), creal(h[j * n + i]));
            ym_cplx s = 0.5 * (a + conj(b));
            h[i * n + j] = s;
            h[j * n + i] = conj(s);
        }
        h[i * n + i] = creal(h[i * n + i]);
    }
    if (jacobi_herm(n, h, w, v)) return -1;

    for (int k = 0; k < n; ++k) {
        ym_cplx rq = 0.0;
        for (int i = 0; i < n; ++i) {
            ym_cplx uv = 0.0;
            for (int j = 0; j < n; ++j) uv += cmul(u[i * n + j], v[k * n + j]);
            rq += cmulc(v[k * n + i], uv);
        }
        double ph = carg(rq);
        if (ph <= -YM_PI) ph = YM_PI;
        d[k] = CMPLX(0.0, ph);
    }
    spectral_compose(n, m, v, d);
    for (int i = 0; i < n; ++i) {
        for (int j = i; j < n; ++j) {
            ym_cplx s = 0.5 * (m[i * n + j] - conj(m[j * n + i]));
            out[i * n + j] = s;
            out[j * n + i] = -conj(s);
        }
        out[i * n + i] = CMPLX(0.0, cimag(out[i * n + i]));
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* unitarisation and random elements                                        */

/* u <- u det(u)^{-1/N} on the principal branch; u is unitary, so only the
 * phase of the determinant matters. */
static void fix_det_phase(int n, ym_cplx *u)
{
    double a = -carg(ym_su_det(n, u)) / n;
    ym_cplx z = CMPLX(cos(a), sin(a));
    for (int i = 0; i < n * n; ++i) u[i] = cmul(z, u[i]);
}

/* For orthonormal rows r0, r1 of an SU(3) matrix the third row is
 * (r0 x r1)^*: then det = r2 . (r0 x r1) = |r0 x r1|^2 = 1. */
static inline void reunit3(ym_cplx *u)
{
    mgs_rows(3, 2, u);
    u[6] = conj(cmul(u[1], u[5]) - cmul(u[2], u[4]));
    u[7] = conj(cmul(u[2], u[3]) - cmul(u[0], u[5]));
    u[8] = conj(cmul(u[0], u[4]) - cmul(u[1], u[3]));
}

void ym_su_reunit(int N, ym_cplx *u)
{
    switch (N) {
    case 1:
        u[0] = 1.0;
        break;
    case 2:
        mgs_rows(2, 1, u);
        u[2] = -conj(u[1]);
        u[3] = conj(u[0]);
        break;
    case 3:
        reunit3(u);
        break;
    default:
        mgs_rows(N, N, u);
        fix_det_phase(N, u);
        break;
    }
}

/* Row-wise MGS of a Ginibre matrix Z is the QR of Z^T (also Ginibre), and
 * Haar measure is invariant under transposition. MGS produces a triangular
 * factor with real positive diagonal, so the phase removal of diag(R) that
 * makes Q Haar on U(N) is built in. The central phase then maps U(N) Haar to
 * SU(N) Haar (it only multiplies an SU(N) Haar factor by a centre element). */
void ym_su_random_haar(int N, ym_cplx *u, gsl_rng *r)
{
    if (N == 1) {
        u[0] = 1.0;
        return;
    }
    for (int i = 0; i < N * N; ++i) {
        double re = gsl_ran_gaussian(r, 1.0);
        double im = gsl_ran_gaussian(r, 1.0);
        u[i] = CMPLX(re, im);
    }
    /* A second pass: the Ginibre matrix can be ill-conditioned enough for a
     * single MGS to lose orthogonality at the 1e-14 level. The second factor
     * is again triangular with positive diagonal, so Q stays Haar. */
    mgs_rows(N, N, u);
    mgs_rows(N, N, u);
    fix_det_phase(N, u);
}

/* Draws c^a in generator order and writes sum_a c^a T^a directly. */
void ym_su_random_alg(int N, ym_cplx *x, gsl_rng *r, double sigma)
{
    ym_su_zero(N, x);
    for (int k = 1; k < N; ++k) {
        for (int j = 0; j < k; ++j) {
            double cs = gsl_ran_gaussian(r, sigma);
            double ca = gsl_ran_gaussian(r, sigma);
            x[j * N + k] = CMPLX(-0.5 * ca, -0.5 * cs);
            x[k * N + j] = CMPLX(0.5 * ca, -0.5 * cs);
        }
        double cd = gsl_ran_gaussian(r, sigma) * -0.5 * sqrt(2.0 / (k * (k + 1.0)));
        for (int l = 0; l < k; ++l) x[l * N + l] += CMPLX(0.0, cd);
        x[k * N + k] += CMPLX(0.0, -k * cd);
    }
}

void ym_su_generator(int N, int a, ym_cplx *t)
{
    ym_su_zero(N, t);
    if (a < 0 || a >= N * N - 1) return;
    int k = 1;
    while ((k + 1) * (k + 1) - 1 <= a) ++k;
    int off = a - (k * k - 1);
    if (off == 2 * k) {
        double s = -0.5 * sqrt(2.0 / (k * (k + 1.0)));
        for (int l = 0; l < k; ++l) t[l * N + l] = CMPLX(0.0, s);
        t[k * N + k] = CMPLX(0.0, -k * s);
    } else if (off % 2 == 0) {
        int j = off / 2;
        t[j * N + k] = CMPLX(0.0, -0.5);
        t[k * N + j] = CMPLX(0.0, -0.5);
    } else {
        int j = off / 2;
        t[j * N + k] = -0.5;
        t[k * N + j] = 0.5;
    }
}

/* ------------------------------------------------------------------------ */
/* diagnostics                                                              */

double ym_su_maxdiff(int N, const ym_cplx *a, const ym_cplx *b)
{
    double m = 0.0;
    for (int i = 0; i < N * N; ++i) {
        double d = cabs(a[i] - b[i]);
        if (d > m || isnan(d)) m = d;
    }
    return m;
}

double ym_su_unitarity(int N, const ym_cplx *a)
{
    ym_cplx p[YM_NMAX * YM_NMAX];
    ym_su_mul_nd(N, p, a, a);
    for (int i = 0; i < N; ++i) p[i * N + i] -= 1.0;
    double m = 0.0;
    for (int i = 0; i < N * N; ++i) {
        double d = cabs(p[i]);
        if (d > m || isnan(d)) m = d;
    }
    return m;
}
