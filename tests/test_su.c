/* Tests for lattice/ym_su.c (serial; MPI only for the TAP reduction).
 *
 * Every check states its oracle. Independent references live in this file:
 * a long double Taylor series with scaling and squaring for the exponential,
 * long double products and determinants, explicit Pauli / Gell-Mann matrices,
 * and known Haar-measure moments. Reported numbers are the worst case over
 * all samples of a group.
 */
#include "tap.h"
#include "ym_su.h"

#include <complex.h>
#include <float.h>
#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#define NN (YM_NMAX * YM_NMAX)
#define PI 3.14159265358979323846

typedef long double complex lcplx;

static const int exp_sizes[] = {2, 3, 4, 5, 8};
#define N_EXP_SIZES ((int)(sizeof exp_sizes / sizeof exp_sizes[0]))

/* ------------------------------------------------------------------------ */
/* independent reference implementations                                    */

static void lmul(int n, lcplx *c, const lcplx *a, const lcplx *b)
{
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            lcplx s = 0;
            for (int k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
}

/* exp(x) for any complex x: scale until the 1-norm is below 1/4, 30 Taylor
 * terms (truncation (1/4)^31/31! ~ 1e-53), square back; all in long double
 * (64-bit mantissa), so it is ~1e-18 accurate for the sizes used here. */
static void ref_exp(int n, ym_cplx *out, const ym_cplx *x)
{
    lcplx a[NN], t[NN], e[NN], tmp[NN];
    long double norm = 0;
    for (int j = 0; j < n; ++j) {
        long double col = 0;
        for (int i = 0; i < n; ++i) col += cabsl(x[i * n + j]);
        if (col > norm) norm = col;
    }
    int s = 0;
    while (norm > 0.25L) {
        norm *= 0.5L;
        ++s;
    }
    for (int i = 0; i < n * n; ++i) a[i] = ldexpl(1.0L, -s) * (lcplx)x[i];
    for (int i = 0; i < n * n; ++i) t[i] = e[i] = 0;
    for (int i = 0; i < n; ++i) t[i * n + i] = e[i * n + i] = 1;
    for (int k = 1; k <= 30; ++k) {
        lmul(n, tmp, t, a);
        for (int i = 0; i < n * n; ++i) {
            t[i] = tmp[i] / k;
            e[i] += t[i];
        }
    }
    for (int q = 0; q < s; ++q) {
        lmul(n, tmp, e, e);
        for (int i = 0; i < n * n; ++i) e[i] = tmp[i];
    }
    for (int i = 0; i < n * n; ++i) out[i] = (ym_cplx)e[i];
}

/* Determinant by long double LU with partial pivoting. */
static lcplx ref_det(int n, const ym_cplx *m)
{
    lcplx a[NN], d = 1;
    for (int i = 0; i < n * n; ++i) a[i] = m[i];
    for (int k = 0; k < n; ++k) {
        int p = k;
        for (int i = k + 1; i < n; ++i)
            if (cabsl(a[i * n + k]) > cabsl(a[p * n + k])) p = i;
        if (p != k) {
            d = -d;
            for (int j = 0; j < n; ++j) {
                lcplx t = a[k * n + j];
                a[k * n + j] = a[p * n + j];
                a[p * n + j] = t;
            }
        }
        d *= a[k * n + k];
        if (a[k * n + k] == 0) return 0;
        for (int i = k + 1; i < n; ++i) {
            lcplx l = a[i * n + k] / a[k * n + k];
            for (int j = k; j < n; ++j) a[i * n + j] -= l * a[k * n + j];
        }
    }
    return d;
}

static void ref_mul(int n, ym_cplx *c, const ym_cplx *a, const ym_cplx *b)
{
    lcplx la[NN], lb[NN], lc[NN];
    for (int i = 0; i < n * n; ++i) {
        la[i] = a[i];
        lb[i] = b[i];
    }
    lmul(n, lc, la, lb);
    for (int i = 0; i < n * n; ++i) c[i] = (ym_cplx)lc[i];
}

/* ------------------------------------------------------------------------ */
/* small helpers                                                            */

static double dmax(double a, double b)
{
    return (a > b || isnan(a)) ? a : b;
}

static void random_complex(int n, ym_cplx *m, gsl_rng *r)
{
    for (int i = 0; i < n * n; ++i) {
        double re = gsl_ran_gaussian(r, 1.0);
        double im = gsl_ran_gaussian(r, 1.0);
        m[i] = CMPLX(re, im);
    }
}

static double frob(int n, const ym_cplx *a)
{
    double s = 0;
    for (int i = 0; i < n * n; ++i) s += creal(a[i] * conj(a[i]));
    return sqrt(s);
}

/* max_ij |(a + a^dagger)_ij|: distance from anti-Hermiticity. */
static double antiherm_err(int n, const ym_cplx *a)
{
    double m = 0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) m = dmax(m, cabs(a[i * n + j] + conj(a[j * n + i])));
    return m;
}

static void scale(int n, ym_cplx *a, ym_cplx s)
{
    for (int i = 0; i < n * n; ++i) a[i] *= s;
}

/* Running mean and standard error of the mean. */
typedef struct {
    double sum, sum2;
    long n;
} stat_t;

static void stat_add(stat_t *s, double v)
{
    s->sum += v;
    s->sum2 += v * v;
    ++s->n;
}

static double stat_mean(const stat_t *s)
{
    return s->sum / s->n;
}

static double stat_err(const stat_t *s)
{
    double m = stat_mean(s);
    double var = (s->sum2 - s->n * m * m) / (s->n - 1);
    return sqrt(var > 0 ? var / s->n : 0);
}

static int stat_check(const stat_t *s, double expect, const char *what, int N)
{
    double m = stat_mean(s), e = stat_err(s);
    return tap_ok(fabs(m - expect) < 4 * e, "haar moments N=%d: <%s> = %.5f +- %.5f, expected %g (%.2f sigma)",
                  N, what, m, e, expect, fabs(m - expect) / e);
}

/* ------------------------------------------------------------------------ */
/* 1. Haar elements and reunitarisation                                     */

/* Oracle: the definition of SU(N), U U^dagger = 1 and det U = 1. */
static void test_haar_group(gsl_rng *r)
{
    for (int s = 0; s < N_EXP_SIZES; ++s) {
        const int N = exp_sizes[s], M = N <= 4 ? 2000 : 400;
        double wu = 0, wd = 0;
        for (int m = 0; m < M; ++m) {
            ym_cplx u[NN];
            ym_su_random_haar(N, u, r);
            wu = dmax(wu, ym_su_unitarity(N, u));
            wd = dmax(wd, cabs(ym_su_det(N, u) - 1.0));
        }
        tap_ok(wu < 1e-14, "haar N=%d: max |UU^dag - 1| = %.3g (< 1e-14)", N, wu);
        tap_ok(wd < 1e-14, "haar N=%d: max |det U - 1| = %.3g (< 1e-14)", N, wd);
    }
}

/* Oracle: reunit must land in SU(N) (unitarity and det to 1e-14) and, being
 * a projection, stay within O(eps) of a matrix eps away from SU(N)
 * (bound 10 eps) and leave an SU(N) element unchanged up to rounding. */
static void test_reunit(gsl_rng *r)
{
    const double eps[] = {1e-3, 1e-7};
    for (int s = 0; s < N_EXP_SIZES; ++s) {
        const int N = exp_sizes[s], M = 500;
        for (int e = 0; e < 2; ++e) {
            double wu = 0, wd = 0, wdist = 0, wfix = 0;
            for (int m = 0; m < M; ++m) {
                ym_cplx u[NN], p[NN], z[NN], v[NN];
                ym_su_random_haar(N, u, r);
                random_complex(N, z, r);
                ym_su_copy(N, p, u);
                ym_su_axpy(N, p, eps[e], z);
                ym_su_reunit(N, p);
                wu = dmax(wu, ym_su_unitarity(N, p));
                wd = dmax(wd, cabs(ym_su_det(N, p) - 1.0));
                wdist = dmax(wdist, ym_su_maxdiff(N, p, u) / eps[e]);
                ym_su_copy(N, v, u);
                ym_su_reunit(N, v);
                wfix = dmax(wfix, ym_su_maxdiff(N, v, u));
            }
            tap_ok(wu < 1e-14 && wd < 1e-14,
                   "reunit N=%d eps=%g: max |UU^dag - 1| = %.3g, max |det - 1| = %.3g (< 1e-14)", N,
                   eps[e], wu, wd);
            tap_ok(wdist < 10, "reunit N=%d eps=%g: max |reunit(U + eps Z) - U| / eps = %.3g (< 10)", N,
                   eps[e], wdist);
            if (e == 0) tap_ok(wfix < 1e-14, "reunit N=%d: max |reunit(U) - U| = %.3g for U in SU(N) (< 1e-14)", N, wfix);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* 2. exponential                                                           */

/* Oracle: ref_exp (long double Taylor) to 1e-14 entrywise; exp(x) in SU(N)
 * to 1e-14; exp(-x) = exp(x)^dagger to 1e-14. */
static void test_exp_random(gsl_rng *r)
{
    const double sigmas[] = {1e-8, 0.1, 1.0, 3.0};
    for (int s = 0; s < N_EXP_SIZES; ++s) {
        const int N = exp_sizes[s], M = N <= 5 ? 500 : 100;
        for (int q = 0; q < 4; ++q) {
            double wdiff = 0, wu = 0, wd = 0, winv = 0, wnorm = 0;
            for (int m = 0; m < M; ++m) {
                ym_cplx x[NN], mx[NN], e[NN], ref[NN], em[NN], ed[NN];
                ym_su_random_alg(N, x, r, sigmas[q]);
                wnorm = dmax(wnorm, frob(N, x));
                ym_su_exp(N, e, x);
                ref_exp(N, ref, x);
                wdiff = dmax(wdiff, ym_su_maxdiff(N, e, ref));
                wu = dmax(wu, ym_su_unitarity(N, e));
                wd = dmax(wd, cabs(ym_su_det(N, e) - 1.0));
                ym_su_copy(N, mx, x);
                scale(N, mx, -1.0);
                ym_su_exp(N, em, mx);
                ym_su_dagger(N, ed, e);
                winv = dmax(winv, ym_su_maxdiff(N, em, ed));
            }
            tap_ok(wdiff < 1e-14, "exp N=%d sigma=%g (|x|_F <= %.2f): max |exp - taylor| = %.3g (< 1e-14)", N,
                   sigmas[q], wnorm, wdiff);
            tap_ok(wu < 1e-14 && wd < 1e-14, "exp N=%d sigma=%g: max |UU^dag - 1| = %.3g, |det - 1| = %.3g (< 1e-14)",
                   N, sigmas[q], wu, wd);
            tap_ok(winv < 1e-14, "exp N=%d sigma=%g: max |exp(-x) - exp(x)^dag| = %.3g (< 1e-14)", N, sigmas[q],
                   winv);
        }
    }
}

/* Oracle: for diagonal x = i diag(phi) the exponential is diag(e^{i phi})
 * from libm cos/sin; conjugating by a Haar V must commute with exp (checked
 * against ref_exp). These hit the degenerate and near-degenerate branches of
 * the N = 3 closed form (theta = 0, pi; w -> 0) and c1 -> 0. Bound 1e-14 as
 * for every exp check; a backward-stable method can only promise
 * ~eps |x| = 1.5e-15 at the largest phases here (6.6), and that is what the
 * closed form delivers. */
static void test_exp_degenerate(gsl_rng *r)
{
    const double as[] = {0.0, 1e-300, 1e-12, 1e-6, 1e-3, 0.05, 0.1, 0.7, 1.0, 2.0, 3.3, -0.5, -2.0, -3.3};
    const double deltas[] = {0.0, 1e-15, 1e-9, 1e-5};
    const int na = (int)(sizeof as / sizeof as[0]);
    for (int N = 2; N <= 3; ++N) {
        double wdiag = 0, wrot = 0, wu = 0;
        for (int ia = 0; ia < na; ++ia) {
            for (int id = 0; id < 4; ++id) {
                /* N = 3: phases (a, a + d, -2a - d); N = 2: (a, -a) */
                double ph[3] = {as[ia], as[ia] + deltas[id], -2 * as[ia] - deltas[id]};
                if (N == 2) ph[1] = -as[ia];
                for (int sign = -1; sign <= 1; sign += 2) {
                    ym_cplx x[NN], e[NN], ref[NN], v[NN], t[NN], xr[NN];
                    ym_su_zero(N, x);
                    ym_su_zero(N, ref);
                    for (int i = 0; i < N; ++i) {
                        x[i * N + i] = CMPLX(0.0, sign * ph[i]);
                        ref[i * N + i] = CMPLX(cos(sign * ph[i]), sin(sign * ph[i]));
                    }
                    ym_su_exp(N, e, x);
                    wdiag = dmax(wdiag, ym_su_maxdiff(N, e, ref));
                    wu = dmax(wu, ym_su_unitarity(N, e));
                    ym_su_random_haar(N, v, r);
                    ym_su_mul_nd(N, t, x, v);
                    ym_su_mul_nn(N, xr, v, t);
                    ym_su_proj(N, xr, xr); /* remove O(eps) non-tracelessness */
                    ym_su_exp(N, e, xr);
                    ref_exp(N, ref, xr);
                    wrot = dmax(wrot, ym_su_maxdiff(N, e, ref));
                    wu = dmax(wu, ym_su_unitarity(N, e));
                }
            }
        }
        tap_ok(wdiag < 1e-14, "exp degenerate N=%d: max |exp(i diag) - diag(e^{i phi})| = %.3g (< 1e-14)", N, wdiag);
        tap_ok(wrot < 1e-14, "exp degenerate N=%d: max |exp(V x V^dag) - taylor| = %.3g (< 1e-14)", N, wrot);
        tap_ok(wu < 1e-14, "exp degenerate N=%d: max |UU^dag - 1| = %.3g (< 1e-14)", N, wu);
    }
    for (int N = 1; N <= YM_NMAX; ++N) {
        ym_cplx x[NN], e[NN], one[NN];
        ym_su_zero(N, x);
        ym_su_unit(N, one);
        ym_su_exp(N, e, x);
        tap_ok(ym_su_maxdiff(N, e, one) == 0.0, "exp N=%d: exp(0) == 1 exactly (diff %.3g)", N,
               ym_su_maxdiff(N, e, one));
    }
}

/* Oracle: ref_exp, for random directions scaled to Frobenius norm 5 and 10
 * (eigenvalues up to ~8): the closed forms must not lose accuracy at large
 * arguments. Bound 1e-14. */
static void test_exp_large(gsl_rng *r)
{
    const double norms[] = {5.0, 10.0};
    for (int s = 0; s < N_EXP_SIZES; ++s) {
        const int N = exp_sizes[s], M = 300;
        for (int k = 0; k < 2; ++k) {
            double wdiff = 0, wu = 0, wd = 0;
            for (int m = 0; m < M; ++m) {
                ym_cplx x[NN], e[NN], ref[NN];
                ym_su_random_alg(N, x, r, 1.0);
                scale(N, x, norms[k] / frob(N, x));
                ym_su_exp(N, e, x);
                ref_exp(N, ref, x);
                wdiff = dmax(wdiff, ym_su_maxdiff(N, e, ref));
                wu = dmax(wu, ym_su_unitarity(N, e));
                wd = dmax(wd, cabs(ym_su_det(N, e) - 1.0));
            }
            tap_ok(wdiff < 1e-14, "exp large N=%d |x|_F=%g: max |exp - taylor| = %.3g (< 1e-14)", N, norms[k],
                   wdiff);
            tap_ok(wu < 1e-14 && wd < 1e-14, "exp large N=%d |x|_F=%g: max |UU^dag - 1| = %.3g, |det - 1| = %.3g (< 1e-14)",
                   N, norms[k], wu, wd);
        }
    }
}

/* Oracle: ref_exp to 1e-14 along rays t * x, |x|_F = 1, t from 1e-6 to 12 in
 * 97 log-spaced steps: crosses the series/closed-form switches of N = 2
 * (theta = 0.05) and N = 3 (c1 = 0.01, i.e. |x|_F = 0.14) from both sides. */
static void test_exp_scan(gsl_rng *r)
{
    for (int N = 2; N <= 3; ++N) {
        double wdiff = 0, wt = 0;
        for (int m = 0; m < 50; ++m) {
            ym_cplx x0[NN];
            ym_su_random_alg(N, x0, r, 1.0);
            scale(N, x0, 1.0 / frob(N, x0));
            for (int step = 0; step <= 96; ++step) {
                double t = 1e-6 * pow(1.2e7, step / 96.0);
                ym_cplx x[NN], e[NN], ref[NN];
                ym_su_copy(N, x, x0);
                scale(N, x, t);
                ym_su_exp(N, e, x);
                ref_exp(N, ref, x);
                double d = ym_su_maxdiff(N, e, ref);
                if (d > wdiff) wt = t;
                wdiff = dmax(wdiff, d);
            }
        }
        tap_ok(wdiff < 1e-14, "exp scan N=%d: max |exp - taylor| = %.3g at |x|_F = %.3g (< 1e-14)", N, wdiff, wt);
    }
}

/* ------------------------------------------------------------------------ */
/* 3. logarithm round trips                                                 */

/* Oracles, U Haar: (i) ref_exp(log U) = U to 1e-13 (independent of ym_su_exp,
 * needs no tracelessness); (ii) log U anti-Hermitian; (iii) with
 * k = Im tr(log U) / 2pi (an integer: the principal phases sum to 2 pi k),
 * exp(P(log U)) = U e^{-2 pi i k/N}, the centre element P removes, to 1e-13.
 * Oracle, U = exp(X0) with |X0| well below pi: the principal log is X0
 * itself, so log U = X0 and exp(P(log U)) = U, both to 1e-13. */
static void test_log(gsl_rng *r)
{
    for (int s = 0; s < N_EXP_SIZES; ++s) {
        const int N = exp_sizes[s], M = N <= 5 ? 1000 : 300;
        double wref = 0, wah = 0, wrt = 0, wk = 0;
        int fails = 0, nk = 0;
        for (int m = 0; m < M; ++m) {
            ym_cplx u[NN], l[NN], x[NN], e[NN];
            ym_su_random_haar(N, u, r);
            if (ym_su_log(N, l, u)) {
                ++fails;
                continue;
            }
            ref_exp(N, e, l);
            wref = dmax(wref, ym_su_maxdiff(N, e, u));
            wah = dmax(wah, antiherm_err(N, l));
            double kk = cimag(ym_su_trace(N, l)) / (2 * PI);
            double k = round(kk);
            wk = dmax(wk, fabs(kk - k));
            if (k != 0) ++nk;
            ym_su_proj(N, x, l);
            ym_su_exp(N, e, x);
            scale(N, u, CMPLX(cos(-2 * PI * k / N), sin(-2 * PI * k / N)));
            wrt = dmax(wrt, ym_su_maxdiff(N, e, u));
        }
        tap_ok(fails == 0, "log N=%d: %d of %d Haar samples failed", N, fails, M);
        tap_ok(wref < 1e-13, "log N=%d: max |taylor_exp(log U) - U| = %.3g (< 1e-13)", N, wref);
        tap_ok(wah == 0.0, "log N=%d: max |L + L^dag| = %.3g (== 0)", N, wah);
        tap_ok(wk < 1e-12, "log N=%d: Im tr log U / 2pi off an integer by %.3g (< 1e-12)", N, wk);
        tap_ok(wrt < 1e-13,
               "log N=%d: max |exp(P(log U)) - U e^{-2 pi i k/N}| = %.3g (< 1e-13; %d of %d samples had k != 0)",
               N, wrt, nk, M);

        const double sigmas[] = {1e-8, 0.3};
        for (int q = 0; q < 2; ++q) {
            double wx = 0, wu = 0;
            fails = 0;
            for (int m = 0; m < M; ++m) {
                ym_cplx x0[NN], u[NN], l[NN], x[NN], e[NN];
                ym_su_random_alg(N, x0, r, sigmas[q]);
                ym_su_exp(N, u, x0);
                if (ym_su_log(N, l, u)) {
                    ++fails;
                    continue;
                }
                wx = dmax(wx, ym_su_maxdiff(N, l, x0));
                ym_su_proj(N, x, l);
                ym_su_exp(N, e, x);
                wu = dmax(wu, ym_su_maxdiff(N, e, u));
            }
            tap_ok(fails == 0 && wx < 1e-13 && wu < 1e-13,
                   "log N=%d, U = exp(X0), sigma=%g: max |log U - X0| = %.3g, max |exp(P(log U)) - U| = %.3g (< "
                   "1e-13; %d failures)",
                   N, sigmas[q], wx, wu, fails);
        }
    }
}

/* Condition number of the principal log at a normal U with eigenphases phi:
 * the largest divided difference |i phi_j - i phi_k| / |e^{i phi_j} - e^{i phi_k}|
 * (1 for coinciding phases). It is ~1 away from the cut and ~2 pi / delta
 * for two phases a distance delta apart across the cut at pi. */
static double log_condition(int n, const double *ph)
{
    double kappa = 1.0;
    for (int j = 0; j < n; ++j)
        for (int k = j + 1; k < n; ++k) {
            double den = 2.0 * fabs(sin(0.5 * (ph[j] - ph[k])));
            if (den > 0) kappa = dmax(kappa, fabs(ph[j] - ph[k]) / den);
        }
    return kappa;
}

/* U = V diag(e^{i phi}) V^dagger, V Haar, prescribed phases in (-pi, pi).
 * Oracles: (i) forward: log U = V diag(i phi) V^dagger (assembled with
 * ym_su_mul) to max(1e-13, 20 eps kappa), kappa = log_condition(phi): U is
 * rounded to double, and across the cut the exact log of the rounded U
 * differs from the unrounded one by ~kappa eps, so no algorithm can do better
 * there (for the spectra away from the cut the bound is plain 1e-13);
 * (ii) backward: ref_exp(log U) = U to 1e-13, unconditionally. The spectra
 * are chosen to defeat shortcuts: pairs symmetric about 0 (equal eigenvalues
 * of U + U^dagger), a near-degenerate pair, and pairs straddling the branch
 * cut at pi (adjacent on the circle, 2 pi apart in the log). */
static void test_log_spectral(gsl_rng *r)
{
    const double c = PI - 1e-3;
    const struct {
        int n;
        double ph[YM_NMAX];
    } cases[] = {
        {2, {c, -c}},
        {3, {0.3, -0.3, 0.0}},
        {3, {PI - 1e-6, -(PI - 1e-6), 0.0}},
        {3, {1.0, 1.0 + 1e-9, -2.0 - 1e-9}},
        {4, {0.4, -0.4, 1.1, -1.1}},
        {4, {c, -c, 0.5, -0.5}},
        {5, {2.0, -2.0, 2.5, -2.5, 0.0}},
        {8, {0.2, -0.2, 0.9, -0.9, 1.7, -1.7, 2.9, -2.9}},
    };
    const int ncases = (int)(sizeof cases / sizeof cases[0]);
    for (int q = 0; q < ncases; ++q) {
        const int N = cases[q].n;
        const double kappa = log_condition(N, cases[q].ph);
        const double tol = dmax(1e-13, 20 * DBL_EPSILON * kappa);
        double wf = 0, wb = 0;
        int fails = 0;
        for (int m = 0; m < 50; ++m) {
            ym_cplx v[NN], dg[NN], t[NN], u[NN], ref[NN], l[NN], e[NN];
            ym_su_random_haar(N, v, r);
            ym_su_zero(N, dg);
            for (int i = 0; i < N; ++i) dg[i * N + i] = CMPLX(cos(cases[q].ph[i]), sin(cases[q].ph[i]));
            ym_su_mul_nd(N, t, dg, v);
            ym_su_mul_nn(N, u, v, t);
            for (int i = 0; i < N; ++i) dg[i * N + i] = CMPLX(0.0, cases[q].ph[i]);
            ym_su_mul_nd(N, t, dg, v);
            ym_su_mul_nn(N, ref, v, t);
            if (ym_su_log(N, l, u)) {
                ++fails;
                continue;
            }
            wf = dmax(wf, ym_su_maxdiff(N, l, ref));
            ref_exp(N, e, l);
            wb = dmax(wb, ym_su_maxdiff(N, e, u));
        }
        tap_ok(fails == 0 && wf < tol && wb < 1e-13,
               "log spectrum case %d (N=%d, phases %.7g, %.7g, ..): max |log U - V i phi V^dag| = %.3g (< %.3g, "
               "kappa = %.3g), max |taylor_exp(log U) - U| = %.3g (< 1e-13), %d failures",
               q, N, cases[q].ph[0], cases[q].ph[1], wf, tol, kappa, wb, fails);
    }
}

/* Oracle: logs known in closed form. -1 has phase pi, and the principal
 * branch is (-pi, pi], so log(-1) = +i pi. */
static void test_log_special(void)
{
    for (int N = 1; N <= YM_NMAX; ++N) {
        ym_cplx u[NN], l[NN], ref[NN];
        ym_su_unit(N, u);
        int rc = ym_su_log(N, l, u);
        ym_su_zero(N, ref);
        tap_ok(rc == 0 && ym_su_maxdiff(N, l, ref) < 1e-15, "log N=%d: log 1 = 0 (diff %.3g)", N,
               ym_su_maxdiff(N, l, ref));

        /* centre element z = e^{2 pi i/N}: log = (2 pi i/N) 1, P(log) = 0 */
        ym_cplx z = CMPLX(cos(2 * PI / N), sin(2 * PI / N));
        scale(N, u, z);
        rc = ym_su_log(N, l, u);
        for (int i = 0; i < N; ++i) ref[i * N + i] = CMPLX(0.0, N == 1 ? 0.0 : 2 * PI / N);
        tap_ok(rc == 0 && ym_su_maxdiff(N, l, ref) < 1e-14, "log N=%d: log(e^{2 pi i/N} 1) = (2 pi i/N) 1 (diff %.3g)",
               N, ym_su_maxdiff(N, l, ref));

        /* diag(-1, -1, 1, .., 1): phase exactly pi on two eigenvalues */
        if (N >= 2) {
            ym_su_unit(N, u);
            u[0] = u[N + 1] = -1.0;
            ym_su_zero(N, ref);
            ref[0] = ref[N + 1] = CMPLX(0.0, PI);
            rc = ym_su_log(N, l, u);
            tap_ok(rc == 0 && ym_su_maxdiff(N, l, ref) < 1e-14,
                   "log N=%d: log diag(-1,-1,1..) = diag(i pi, i pi, 0..) (diff %.3g)", N, ym_su_maxdiff(N, l, ref));
        }
    }
    ym_cplx bad[NN];
    ym_su_unit(3, bad);
    bad[4] = NAN;
    ym_cplx l[NN];
    tap_ok(ym_su_log(3, l, bad) == -1, "log: non-finite input returns -1");
}

/* ------------------------------------------------------------------------ */
/* 4. Haar moments                                                          */

/* Oracle: Haar integrals over SU(N): <tr U> = 0, <|tr U|^2> = 1,
 * <|tr U|^4> = 2 (N >= 2), and <(tr U)^N> = 1, which vanishes on U(N) and so
 * tests the central phase fixing det = 1. Tolerance: 4 standard errors
 * estimated from the samples. */
static void test_haar_moments(gsl_rng *r)
{
    const int M = 20000;
    for (int N = 2; N <= 4; ++N) {
        stat_t re = {0}, im = {0}, a2 = {0}, a4 = {0}, pre = {0}, pim = {0};
        for (int m = 0; m < M; ++m) {
            ym_cplx u[NN];
            ym_su_random_haar(N, u, r);
            ym_cplx t = ym_su_trace(N, u), p = 1.0;
            for (int k = 0; k < N; ++k) p *= t;
            double t2 = creal(t * conj(t));
            stat_add(&re, creal(t));
            stat_add(&im, cimag(t));
            stat_add(&a2, t2);
            stat_add(&a4, t2 * t2);
            stat_add(&pre, creal(p));
            stat_add(&pim, cimag(p));
        }
        stat_check(&re, 0.0, "Re tr U", N);
        if (N == 2)
            tap_ok(fabs(stat_mean(&im)) < 1e-14, "haar moments N=2: Im tr U = 0 for SU(2), max mean %.3g",
                   fabs(stat_mean(&im)));
        else
            stat_check(&im, 0.0, "Im tr U", N);
        stat_check(&a2, 1.0, "|tr U|^2", N);
        stat_check(&a4, 2.0, "|tr U|^4", N);
        stat_check(&pre, 1.0, "Re (tr U)^N", N);
        if (N > 2) stat_check(&pim, 0.0, "Im (tr U)^N", N);
    }
}

/* ------------------------------------------------------------------------ */
/* 5. generators, projector, products, traces, determinant                  */

/* Oracle: the documented ordering reproduces the Pauli matrices (x, y, z)
 * and the Gell-Mann matrices lambda_1 .. lambda_8 (to 1e-15: lambda_8 is
 * built from sqrt(2/(k(k+1))) in the library and 1/sqrt(3) here). */
static void test_generators_explicit(void)
{
    const double s3 = 1.0 / sqrt(3.0);
    /* lambda matrices, row-major, N = 3 */
    const ym_cplx gm[8][9] = {
        {0, 1, 0, 1, 0, 0, 0, 0, 0},
        {0, -I, 0, I, 0, 0, 0, 0, 0},
        {1, 0, 0, 0, -1, 0, 0, 0, 0},
        {0, 0, 1, 0, 0, 0, 1, 0, 0},
        {0, 0, -I, 0, 0, 0, I, 0, 0},
        {0, 0, 0, 0, 0, 1, 0, 1, 0},
        {0, 0, 0, 0, 0, -I, 0, I, 0},
        {s3, 0, 0, 0, s3, 0, 0, 0, -2 * s3},
    };
    const ym_cplx pauli[3][4] = {{0, 1, 1, 0}, {0, -I, I, 0}, {1, 0, 0, -1}};
    double w = 0;
    for (int a = 0; a < 3; ++a) {
        ym_cplx t[4], ref[4];
        ym_su_generator(2, a, t);
        for (int i = 0; i < 4; ++i) ref[i] = -0.5 * I * pauli[a][i];
        w = dmax(w, ym_su_maxdiff(2, t, ref));
    }
    for (int a = 0; a < 8; ++a) {
        ym_cplx t[9], ref[9];
        ym_su_generator(3, a, t);
        for (int i = 0; i < 9; ++i) ref[i] = -0.5 * I * gm[a][i];
        w = dmax(w, ym_su_maxdiff(3, t, ref));
    }
    tap_ok(w < 1e-15, "generators N=2,3 equal -i/2 (Pauli, Gell-Mann) in standard order (diff %.3g < 1e-15)", w);
}

/* Oracles: tr(T^a T^b) = -delta^ab/2; T^a + T^a^dag = 0, tr T^a = 0;
 * P(T^a) = T^a; completeness (Fierz)
 * sum_a T^a_ij T^a_kl = -(delta_il delta_jk - delta_ij delta_kl / N)/2,
 * which holds only if the N^2-1 generators span su(N). */
static void test_generators(void)
{
    for (int N = 2; N <= YM_NMAX; ++N) {
        const int ng = N * N - 1;
        ym_cplx t[YM_NMAX * YM_NMAX - 1][NN];
        double worth = 0, wah = 0, wtr = 0, wproj = 0, wfierz = 0;
        for (int a = 0; a < ng; ++a) {
            ym_cplx p[NN];
            ym_su_generator(N, a, t[a]);
            wah = dmax(wah, antiherm_err(N, t[a]));
            wtr = dmax(wtr, cabs(ym_su_trace(N, t[a])));
            ym_su_proj(N, p, t[a]);
            wproj = dmax(wproj, ym_su_maxdiff(N, p, t[a]));
        }
        for (int a = 0; a < ng; ++a)
            for (int b = 0; b < ng; ++b) {
                ym_cplx prod[NN];
                ym_su_mul_nn(N, prod, t[a], t[b]);
                ym_cplx tr = ym_su_trace(N, prod);
                worth = dmax(worth, cabs(tr - (a == b ? -0.5 : 0.0)));
                worth = dmax(worth, cabs(ym_su_tr_nn(N, t[a], t[b]) - tr));
            }
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j)
                for (int k = 0; k < N; ++k)
                    for (int l = 0; l < N; ++l) {
                        ym_cplx s = 0;
                        for (int a = 0; a < ng; ++a) s += t[a][i * N + j] * t[a][k * N + l];
                        double ref = -0.5 * ((i == l && j == k) - (double)(i == j && k == l) / N);
                        wfierz = dmax(wfierz, cabs(s - ref));
                    }
        tap_ok(worth < 1e-15, "generators N=%d: max |tr(T^a T^b) + delta/2| = %.3g (< 1e-15)", N, worth);
        tap_ok(wah == 0 && wtr < 1e-15, "generators N=%d: max |T + T^dag| = %.3g, max |tr T| = %.3g (< 1e-15)", N,
               wah, wtr);
        tap_ok(wproj < 1e-15, "generators N=%d: max |P(T^a) - T^a| = %.3g (< 1e-15)", N, wproj);
        tap_ok(wfierz < 1e-15, "generators N=%d: completeness (Fierz) max error %.3g (< 1e-15)", N, wfierz);
    }
}

/* Oracles: x = sum_a c^a T^a is in su(N) and c^a = -2 tr(T^a x) rebuilds x;
 * the c^a have variance sigma^2 (4 standard errors, pooled over a). */
static void test_random_alg(gsl_rng *r)
{
    for (int N = 2; N <= YM_NMAX; ++N) {
        const int M = 2000, ng = N * N - 1;
        const double sigma = 0.7;
        double wah = 0, wtr = 0, wrec = 0;
        stat_t c2 = {0};
        for (int m = 0; m < M; ++m) {
            ym_cplx x[NN], y[NN], t[NN];
            ym_su_random_alg(N, x, r, sigma);
            wah = dmax(wah, antiherm_err(N, x));
            wtr = dmax(wtr, cabs(ym_su_trace(N, x)));
            ym_su_zero(N, y);
            for (int a = 0; a < ng; ++a) {
                ym_su_generator(N, a, t);
                double c = -2.0 * creal(ym_su_tr_nn(N, t, x));
                stat_add(&c2, c * c);
                ym_su_axpy(N, y, c, t);
            }
            wrec = dmax(wrec, ym_su_maxdiff(N, x, y));
        }
        tap_ok(wah == 0 && wtr < 1e-15 && wrec < 1e-15,
               "random_alg N=%d: |x + x^dag| = %.3g, |tr x| = %.3g, |sum c^a T^a - x| = %.3g (< 1e-15)", N, wah, wtr,
               wrec);
        double m = stat_mean(&c2), e = stat_err(&c2);
        tap_ok(fabs(m - sigma * sigma) < 4 * e, "random_alg N=%d: <c^2> = %.5f +- %.5f, expected %g", N, m, e,
               sigma * sigma);
    }
}

/* Oracle for P: the defining formula evaluated naively; P(M) in su(N);
 * P(X) = X on su(N); in-place call gives the same result. */
static void test_proj(gsl_rng *r)
{
    for (int N = 1; N <= YM_NMAX; ++N) {
        double wdef = 0, wah = 0, wtr = 0, wid = 0, walias = 0;
        for (int m = 0; m < 200; ++m) {
            ym_cplx a[NN], p[NN], ref[NN], x[NN], px[NN];
            random_complex(N, a, r);
            ym_su_proj(N, p, a);
            ym_cplx tr = 0;
            for (int i = 0; i < N; ++i) tr += a[i * N + i] - conj(a[i * N + i]);
            for (int i = 0; i < N; ++i)
                for (int j = 0; j < N; ++j)
                    ref[i * N + j] = 0.5 * (a[i * N + j] - conj(a[j * N + i])) - (i == j ? tr / (2.0 * N) : 0.0);
            wdef = dmax(wdef, ym_su_maxdiff(N, p, ref));
            wah = dmax(wah, antiherm_err(N, p));
            wtr = dmax(wtr, cabs(ym_su_trace(N, p)));
            ym_su_proj(N, a, a);
            walias = dmax(walias, ym_su_maxdiff(N, a, p));
            if (N > 1) {
                ym_su_random_alg(N, x, r, 1.0);
                ym_su_proj(N, px, x);
                wid = dmax(wid, ym_su_maxdiff(N, px, x));
            }
        }
        tap_ok(wdef < 1e-15 && wah == 0 && wtr < 1e-14 && wid < 1e-15 && walias == 0,
               "proj N=%d: |P - formula| = %.3g, |P + P^dag| = %.3g, |tr P| = %.3g, |P(X) - X| = %.3g, "
               "in-place diff %.3g",
               N, wdef, wah, wtr, wid, walias);
    }
}

/* Oracles: mul_nn against a long double product (1e-14 for O(1) Gaussian
 * entries); mul_nd/dn/dd against mul_nn of explicit daggers (same
 * arithmetic, so to 1e-15); tr_nn and retr_nn against the trace of the
 * formed product; trace against the diagonal sum. */
static void test_products(gsl_rng *r)
{
    for (int N = 1; N <= YM_NMAX; ++N) {
        double wnn = 0, wvar = 0, wtr = 0;
        for (int m = 0; m < 200; ++m) {
            ym_cplx a[NN], b[NN], ad[NN], bd[NN], c[NN], ref[NN];
            random_complex(N, a, r);
            random_complex(N, b, r);
            ym_su_dagger(N, ad, a);
            ym_su_dagger(N, bd, b);
            ym_su_mul_nn(N, c, a, b);
            ref_mul(N, ref, a, b);
            wnn = dmax(wnn, ym_su_maxdiff(N, c, ref));
            ym_su_mul_nd(N, c, a, b);
            ym_su_mul_nn(N, ref, a, bd);
            wvar = dmax(wvar, ym_su_maxdiff(N, c, ref));
            ym_su_mul_dn(N, c, a, b);
            ym_su_mul_nn(N, ref, ad, b);
            wvar = dmax(wvar, ym_su_maxdiff(N, c, ref));
            ym_su_mul_dd(N, c, a, b);
            ym_su_mul_nn(N, ref, ad, bd);
            wvar = dmax(wvar, ym_su_maxdiff(N, c, ref));
            ym_su_mul_nn(N, c, a, b);
            ym_cplx tr = 0;
            for (int i = 0; i < N; ++i) tr += c[i * N + i];
            wtr = dmax(wtr, cabs(ym_su_trace(N, c) - tr));
            wtr = dmax(wtr, cabs(ym_su_tr_nn(N, a, b) - tr));
            wtr = dmax(wtr, fabs(ym_su_retr_nn(N, a, b) - creal(tr)));
        }
        tap_ok(wnn < 1e-14, "mul N=%d: max |mul_nn - long double product| = %.3g (< 1e-14)", N, wnn);
        tap_ok(wvar < 1e-15, "mul N=%d: nd/dn/dd vs nn of explicit daggers, max diff %.3g (< 1e-15)", N, wvar);
        tap_ok(wtr < 1e-13, "trace N=%d: tr, tr_nn, retr_nn vs trace of product, max diff %.3g (< 1e-13)", N, wtr);
    }
}

/* Oracles: det(AB) = det A det B and det = long double LU determinant, both
 * relative 1e-13, on well-conditioned A = G + 2 sqrt(N) 1 (G Ginibre);
 * the elementwise helpers against their definitions. */
static void test_det_misc(gsl_rng *r)
{
    for (int N = 1; N <= YM_NMAX; ++N) {
        double wprod = 0, wref = 0;
        for (int m = 0; m < 200; ++m) {
            ym_cplx a[NN], b[NN], c[NN];
            random_complex(N, a, r);
            random_complex(N, b, r);
            for (int i = 0; i < N; ++i) {
                a[i * N + i] += 2 * sqrt(N);
                b[i * N + i] += 2 * sqrt(N);
            }
            ym_su_mul_nn(N, c, a, b);
            ym_cplx da = ym_su_det(N, a), db = ym_su_det(N, b), dc = ym_su_det(N, c);
            wprod = dmax(wprod, cabs(dc - da * db) / cabs(dc));
            wref = dmax(wref, (double)(cabsl(da - ref_det(N, a)) / cabsl(ref_det(N, a))));
        }
        tap_ok(wprod < 1e-13, "det N=%d: max |det AB - det A det B| / |det AB| = %.3g (< 1e-13)", N, wprod);
        tap_ok(wref < 1e-13, "det N=%d: max relative diff from long double LU = %.3g (< 1e-13)", N, wref);

        ym_cplx a[NN], b[NN], c[NN];
        int ok = 1;
        random_complex(N, a, r);
        ym_su_copy(N, b, a);
        ym_su_copy(N, b, b);
        ok &= ym_su_maxdiff(N, a, b) == 0;
        ym_su_axpy(N, b, 2.0 - 1.0 * I, b);
        for (int i = 0; i < N * N; ++i) ok &= cabs(b[i] - (3.0 - 1.0 * I) * a[i]) < 1e-14;
        ym_su_dagger(N, c, a);
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) ok &= c[i * N + j] == conj(a[j * N + i]);
        ym_su_unit(N, c);
        ok &= ym_su_unitarity(N, c) == 0 && ym_su_det(N, c) == 1.0;
        ym_su_zero(N, c);
        ok &= frob(N, c) == 0;
        tap_ok(ok, "helpers N=%d: copy (aliased), axpy (aliased), dagger, unit, zero", N);
    }
    /* N = 1: SU(1) = {1} */
    ym_cplx u[1] = {CMPLX(0.6, 0.8)}, l[1];
    ym_su_reunit(1, u);
    int ok = u[0] == 1.0;
    ym_su_random_haar(1, u, r);
    ok &= u[0] == 1.0;
    ok &= ym_su_log(1, l, u) == 0 && l[0] == 0.0;
    tap_ok(ok, "N=1: reunit, random_haar give 1, log 1 = 0");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_ranlxd2);
    gsl_rng_set(r, 20240611UL);

    test_generators_explicit();
    test_generators();
    test_random_alg(r);
    test_proj(r);
    test_products(r);
    test_det_misc(r);
    test_haar_group(r);
    test_reunit(r);
    test_exp_random(r);
    test_exp_degenerate(r);
    test_exp_large(r);
    test_exp_scan(r);
    test_log(r);
    test_log_spectral(r);
    test_log_special();
    test_haar_moments(r);

    gsl_rng_free(r);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
