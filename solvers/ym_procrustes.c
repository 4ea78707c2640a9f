/* The polar (Procrustes) link of one K x K complex matrix (ym_embed.h).
 *
 * The SVD is taken of the 2K x 2K real representation [[Re C, -Im C],
 * [Im C, Re C]] with GSL's one-sided Jacobi method: GSL has no complex SVD,
 * and going through the eigenvalues of C^H C would square the condition
 * number, so a singular-value ratio of 1e-10 could not even be resolved.
 * The representation is a *-homomorphism, so its polar factor is the
 * representation of C's polar factor, and each singular value of C appears
 * twice. K = 2 has a closed form (polar2).
 */
#include "ym_embed.h"

#include "ym_status.h"

#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

/* exp(-i arg(w) / 2), arg in (-pi, pi] as carg's, for |w| ~ 1, without
 * atan2 and sincos (a third of the K = 2 link's cost): with v = w/|w| =
 * e^{i phi}, 1 + conj v = 2 cos(phi/2) e^{-i phi/2} and 1 - conj v =
 * 2i sin(phi/2) e^{-i phi/2}; the first is used where it is well
 * conditioned (Re v >= 0), the second elsewhere, with phi's sign from Im w
 * (a negative zero gives -pi, as carg does). */
static ym_cplx unit_root(ym_cplx w)
{
    double a = creal(w), b = cimag(w), m = sqrt(a * a + b * b);
    if (!(m > 0)) return 1.0;
    a /= m;
    b /= m;
    if (a >= 0) {
        double re = 1 + a, im = -b; /* 1 + conj v */
        double r = sqrt(re * re + im * im);
        return re / r + I * (im / r);
    }
    double re = 1 - a, im = b; /* 1 - conj v; times -i sgn(phi) */
    double r = sqrt(re * re + im * im), sg = signbit(b) ? -1.0 : 1.0;
    return sg * (im / r) - I * (sg * (re / r));
}

/* K = 2 in closed form (the embedding's default, ~20x faster than the SVD):
 * with singular values s1 >= s2, s1 s2 = |det C| and s1 + s2 =
 * sqrt(|C|_F^2 + 2 |det C|), the polar factor is
 * P = (C + |det C| C^{-H}) / (s1 + s2) = (C + (|d| / conj d) adj(C)^H) / (s1 + s2),
 * since C^{-H} = P H^{-1} and H + s1 s2 H^{-1} = (s1 + s2) 1. No inverse is
 * formed, so an ill-conditioned C loses nothing beyond the SVD's accuracy. */
static void polar2(const ym_cplx *C, double tol, ym_cplx *U, int *degenerate)
{
    ym_cplx d = C[0] * C[3] - C[1] * C[2];
    double ad = cabs(d), f2 = 0;
    for (int i = 0; i < 4; i++)
        f2 += creal(C[i]) * creal(C[i]) + cimag(C[i]) * cimag(C[i]);
    double sum = sqrt(f2 + 2 * ad), diff = sqrt(fmax(f2 - 2 * ad, 0)), s1 = 0.5 * (sum + diff);
    double s2 = s1 > 0 ? ad / s1 : 0;
    if (!(s1 > 0) || s2 < tol * s1) {
        ym_su_unit(2, U);
        *degenerate = 1;
        return;
    }
    ym_cplx ph = ad / conj(d); /* adj(C) = [[c3, -c1], [-c2, c0]] */
    U[0] = (C[0] + ph * conj(C[3])) / sum;
    U[1] = (C[1] - ph * conj(C[2])) / sum;
    U[2] = (C[2] - ph * conj(C[1])) / sum;
    U[3] = (C[3] + ph * conj(C[0])) / sum;
    const ym_cplx root = unit_root(U[0] * U[3] - U[1] * U[2]);
    for (int i = 0; i < 4; i++)
        U[i] *= root;
}

int ym_procrustes(int K, const ym_cplx *C, double tol, ym_cplx *U, int *degenerate)
{
    *degenerate = 0;
    if (K < 1 || K > YM_NMAX)
        return YM_ERROR(YM_EINVAL, "Procrustes link: K = %d out of range 1..%d", K, YM_NMAX);
    if (K == 2) {
        for (int i = 0; i < 4; i++)
            if (!isfinite(creal(C[i])) || !isfinite(cimag(C[i])))
                return YM_ERROR(YM_ENUM, "Procrustes link: non-finite correlation matrix");
        polar2(C, tol, U, degenerate);
        return YM_OK;
    }
    const int M = 2 * K;
    double a[4 * YM_NMAX * YM_NMAX], q[4 * YM_NMAX * YM_NMAX], s[2 * YM_NMAX];
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) {
            double re = creal(C[i * K + j]), im = cimag(C[i * K + j]);
            if (!isfinite(re) || !isfinite(im))
                return YM_ERROR(YM_ENUM, "Procrustes link: non-finite correlation matrix");
            a[i * M + j] = re;
            a[(i + K) * M + j + K] = re;
            a[i * M + j + K] = -im;
            a[(i + K) * M + j] = im;
        }
    gsl_matrix_view A = gsl_matrix_view_array(a, (size_t)M, (size_t)M);
    gsl_matrix_view Q = gsl_matrix_view_array(q, (size_t)M, (size_t)M);
    gsl_vector_view S = gsl_vector_view_array(s, (size_t)M);
    if (gsl_linalg_SV_decomp_jacobi(&A.matrix, &Q.matrix, &S.vector) != GSL_SUCCESS)
        return YM_ERROR(YM_ENUM, "Procrustes link: the SVD did not converge");
    double smax = 0, smin = INFINITY;
    for (int i = 0; i < M; i++) {
        smax = fmax(smax, s[i]);
        smin = fmin(smin, s[i]);
    }
    if (!(smax > 0) || smin < tol * smax) {
        ym_su_unit(K, U);
        *degenerate = 1;
        return YM_OK;
    }
    /* P = W V^T, read back from the first block column of the real form. */
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) {
            double re = 0, im = 0;
            for (int k = 0; k < M; k++) {
                re += a[i * M + k] * q[j * M + k];
                im += a[(i + K) * M + k] * q[j * M + k];
            }
            U[i * K + j] = re + I * im;
        }
    /* det P = e^{i phi}; dividing by e^{i phi / K} (principal root) puts U in SU(K). */
    ym_cplx d = ym_su_det(K, U);
    ym_cplx root = cexp(-I * carg(d) / K);
    for (int i = 0; i < K * K; i++)
        U[i] *= root;
    return YM_OK;
}
