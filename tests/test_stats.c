/* Tests for lattice/ym_stats.c (serial; MPI only for the TAP reduction).
 *
 * Oracles:
 * - AR(1) x_t = a x_{t-1} + sqrt(1-a^2) e_t with unit-variance Gaussian e:
 *   exact tau_int = (1+a)/(2(1-a)), exact variance of the mean 2 tau_int / n
 *   (large n); the Gamma method must return tau_int within 3 of its own errors.
 * - Uncorrelated data, bin 1: the jackknife error of the mean equals the naive
 *   standard error s/sqrt(n) algebraically (checked to 1e-12).
 * - A linear derived quantity f = c a + d: mean and error are c times the
 *   primary's (the jackknife of a linear map is exact), to 1e-12; f = a + b of
 *   two primaries equals the jackknife of the summed series.
 * - Binned jackknife on the AR(1) series: with bins >> tau_int its error agrees
 *   with the exact 2 tau_int/n within the binning's statistical error.
 * - Bad input returns YM_EINVAL; zero variance gives err 0, tau_int 0.5.
 */
#include "tap.h"
#include "ym_stats.h"
#include "ym_status.h"

#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static void ar1(gsl_rng *r, double a, double *x, size_t n)
{
    double s = sqrt(1.0 - a * a), v = gsl_ran_gaussian(r, 1.0);
    for (size_t i = 0; i < 1000; ++i) v = a * v + s * gsl_ran_gaussian(r, 1.0); /* forget the start */
    for (size_t i = 0; i < n; ++i) {
        v = a * v + s * gsl_ran_gaussian(r, 1.0);
        x[i] = v;
    }
}

static int f_lin(const double *m, void *ctx, double *v)
{
    (void)ctx;
    *v = 3.0 * m[0] - 2.0;
    return 0;
}
static int f_sum(const double *m, void *ctx, double *v)
{
    (void)ctx;
    *v = m[0] + m[1];
    return 0;
}
static int f_fail(const double *m, void *ctx, double *v)
{
    (void)m;
    (void)ctx;
    *v = 0;
    return 1;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    enum { N = 200000 };
    double *x = malloc(2 * N * sizeof *x);

    const double as[] = {0.0, 0.5, 0.8, 0.9};
    for (size_t k = 0; k < sizeof as / sizeof as[0]; ++k) {
        double a = as[k], exact = (1 + a) / (2 * (1 - a));
        ar1(r, a, x, N);
        ym_stats_est e;
        int st = ym_stats_gamma(x, N, 1.5, &e);
        tap_diag("AR(1) a=%.1f: tau_int %.4f +- %.4f (exact %.4f), W=%d, err %.3e (exact %.3e)", a, e.tau_int,
                 e.tau_err, exact, e.window, e.err, sqrt(2 * exact / N));
        tap_ok(st == YM_OK && fabs(e.tau_int - exact) < 3 * e.tau_err, "Gamma: AR(1) a=%.1f tau_int within 3 dtau", a);
        /* error of the mean: relative error of sigma is dtau/(2 tau) */
        double rel = e.tau_err / (2 * e.tau_int);
        tap_ok(fabs(e.err / sqrt(2 * exact / N) - 1) < 3 * rel + 1e-3, "Gamma: AR(1) a=%.1f error of the mean", a);
        if (a == 0.9) {
            size_t bin = 500; /* ~100 tau_int */
            ym_stats_est j;
            st = ym_stats_jackknife(x, N, bin, &j);
            double nb = (double)(N / bin), relj = 1 / sqrt(2 * (nb - 1)); /* chi^2 spread of a variance */
            tap_ok(st == YM_OK && fabs(j.err / sqrt(2 * exact / N) - 1) < 3 * relj + 2.0 * exact / bin,
                   "binned jackknife (bin %zu) on AR(1) a=0.9 agrees with 2 tau/n: %.3e vs %.3e", bin, j.err,
                   sqrt(2 * exact / N));
        }
    }

    /* uncorrelated: jackknife bin 1 equals naive standard error exactly */
    size_t n = 1000;
    for (size_t i = 0; i < n; ++i) x[i] = 5.0 + gsl_ran_gaussian(r, 2.0);
    double m = 0, s2 = 0;
    for (size_t i = 0; i < n; ++i) m += x[i];
    m /= n;
    for (size_t i = 0; i < n; ++i) s2 += (x[i] - m) * (x[i] - m);
    s2 /= (n - 1);
    ym_stats_est j, d;
    int st = ym_stats_jackknife(x, n, 1, &j);
    tap_ok(st == YM_OK && tap_reldiff(j.err, sqrt(s2 / n)) < 1e-12 && tap_reldiff(j.mean, m) < 1e-12,
           "jackknife bin 1 of uncorrelated data = naive standard error (rel %.1e)", tap_reldiff(j.err, sqrt(s2 / n)));

    for (size_t bin = 1; bin <= 10; bin += 9) {
        st = ym_stats_jackknife(x, n, bin, &j);
        int st2 = ym_stats_jackknife_derived(x, 1, n, bin, f_lin, NULL, &d);
        tap_ok(st == YM_OK && st2 == YM_OK && tap_reldiff(d.err, 3 * j.err) < 1e-12 &&
                   tap_reldiff(d.mean, 3 * j.mean - 2) < 1e-12,
               "derived f = 3a - 2 (bin %zu): error 3x the primary's", bin);
    }
    /* two primaries: f = a + b equals the jackknife of the summed series */
    for (size_t i = 0; i < n; ++i) x[n + i] = 0.5 * x[i] + gsl_ran_gaussian(r, 1.0);
    double *sum = malloc(n * sizeof *sum);
    for (size_t i = 0; i < n; ++i) sum[i] = x[i] + x[n + i];
    st = ym_stats_jackknife(sum, n, 4, &j);
    int st2 = ym_stats_jackknife_derived(x, 2, n, 4, f_sum, NULL, &d);
    tap_ok(st == YM_OK && st2 == YM_OK && tap_reldiff(d.err, j.err) < 1e-12 && tap_reldiff(d.mean, j.mean) < 1e-12,
           "derived f = a + b of two correlated primaries = jackknife of a+b");
    free(sum);

    /* bad input and degenerate data */
    ym_stats_est e;
    tap_ok(ym_stats_jackknife(x, 3, 2, &e) == YM_EINVAL, "jackknife: fewer than 2 bins is YM_EINVAL");
    tap_ok(ym_stats_gamma(x, 1, 1.5, &e) == YM_EINVAL, "Gamma: n < 2 is YM_EINVAL");
    x[2] = NAN;
    tap_ok(ym_stats_gamma(x, 10, 1.5, &e) == YM_EINVAL, "Gamma: NaN is YM_EINVAL");
    tap_ok(ym_stats_jackknife(x, 10, 1, &e) == YM_EINVAL, "jackknife: NaN is YM_EINVAL");
    x[2] = 1.0;
    tap_ok(ym_stats_jackknife_derived(x, 1, 10, 1, f_fail, NULL, &e) == YM_ENUM, "derived: failing f is YM_ENUM");
    ym_error_clear();
    for (size_t i = 0; i < 50; ++i) x[i] = 2.5;
    st = ym_stats_gamma(x, 50, 0, &e);
    tap_ok(st == YM_OK && e.err == 0.0 && e.tau_int == 0.5 && e.mean == 2.5, "Gamma: constant series gives err 0, tau 0.5");
    /* Two values always give Gamma(1) = -Gamma(0): no autocorrelation
     * information, so the naive variance Gamma(0)(1 + 1/n)/n (window 0) */
    x[0] = 1.0;
    x[1] = 3.0;
    st = ym_stats_gamma(x, 2, 1.5, &e);
    tap_ok(st == YM_OK && tap_reldiff(e.err, sqrt(1.5 / 2)) < 1e-15 && e.tau_int == 0.5 && e.window == 0,
           "Gamma: 2 values give the naive error %.17g (not ~0), tau 0.5, window 0", e.err);
    for (size_t i = 0; i < 10; ++i) x[i] = i % 2 ? 1.0 : -1.0;
    st = ym_stats_gamma(x, 10, 1.5, &e);
    tap_ok(st == YM_OK && tap_reldiff(e.err, sqrt(1.1 / 10)) < 1e-15 && e.tau_int == 0.5,
           "Gamma: an alternating series (summed Gamma < 0) falls back to the naive error");

    free(x);
    gsl_rng_free(r);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
