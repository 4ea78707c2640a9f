/* Jackknife (with binning) and Wolff's Gamma method for the mean of a series.
 * U. Wolff, "Monte Carlo errors with less errors", Comput. Phys. Commun. 156
 * (2004) 143: automatic windowing and bias correction of Gamma follow the
 * paper's UWerr so results can be compared with that reference code.
 */
#include "ym_stats.h"
#include "ym_sum.h"
#include "ym_status.h"

#include <math.h>
#include <stdlib.h>

static int check_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        if (!isfinite(x[i])) return YM_ERROR(YM_EINVAL, "statistics: non-finite value at index %zu", i);
    return YM_OK;
}

/* Compensated: the series may be long and of one sign (plaquettes), where a
 * plain sum loses digits. */
static double mean_of(const double *x, size_t n)
{
    ym_sum a = YM_SUM_INIT;
    for (size_t i = 0; i < n; ++i) ym_sum_add(&a, x[i]);
    return ym_sum_value(&a) / (double)n;
}

int ym_stats_jackknife(const double *x, size_t n, size_t bin, ym_stats_est *out)
{
    if (!x || !out || bin < 1) return YM_ERROR(YM_EINVAL, "jackknife: bad arguments");
    size_t nb = n / bin;
    if (nb < 2) return YM_ERROR(YM_EINVAL, "jackknife: %zu measurements give fewer than 2 bins of %zu", n, bin);
    int st = check_finite(x, nb * bin);
    if (st) return st;
    double *b = calloc(nb, sizeof *b);
    if (!b) return YM_ERROR(YM_ENOMEM, "jackknife: out of memory");
    for (size_t j = 0; j < nb; ++j) b[j] = mean_of(x + j * bin, bin);
    double m = mean_of(b, nb), v = 0.0;
    /* leave-one-out mean minus full mean is (m - b_j)/(nb-1) exactly */
    for (size_t j = 0; j < nb; ++j) {
        double d = (m - b[j]) / (double)(nb - 1);
        v += d * d;
    }
    free(b);
    out->mean = m;
    out->err = sqrt(v * (double)(nb - 1) / (double)nb);
    out->tau_int = 0.0;
    out->tau_err = 0.0;
    out->window = (int)bin;
    return YM_OK;
}

int ym_stats_jackknife_derived(const double *x, size_t m, size_t n, size_t bin,
                               int (*f)(const double *means, void *ctx, double *value), void *ctx,
                               ym_stats_est *out)
{
    if (!x || !f || !out || m < 1 || bin < 1) return YM_ERROR(YM_EINVAL, "jackknife: bad arguments");
    size_t nb = n / bin;
    if (nb < 2) return YM_ERROR(YM_EINVAL, "jackknife: %zu measurements give fewer than 2 bins of %zu", n, bin);
    for (size_t k = 0; k < m; ++k) {
        int st = check_finite(x + k * n, nb * bin);
        if (st) return st;
    }
    double *b = malloc(m * nb * sizeof *b), *full = malloc(m * sizeof *full), *lo = malloc(m * sizeof *lo),
           *fj = malloc(nb * sizeof *fj);
    int st = YM_OK;
    if (!b || !full || !lo || !fj) {
        st = YM_ERROR(YM_ENOMEM, "jackknife: out of memory");
        goto done;
    }
    for (size_t k = 0; k < m; ++k) {
        for (size_t j = 0; j < nb; ++j) b[k * nb + j] = mean_of(x + k * n + j * bin, bin);
        full[k] = mean_of(b + k * nb, nb);
    }
    double f0;
    if (f(full, ctx, &f0) || !isfinite(f0)) {
        st = YM_ERROR(YM_ENUM, "jackknife: derived quantity failed on the full means");
        goto done;
    }
    for (size_t j = 0; j < nb; ++j) {
        for (size_t k = 0; k < m; ++k) lo[k] = full[k] + (full[k] - b[k * nb + j]) / (double)(nb - 1);
        if (f(lo, ctx, &fj[j]) || !isfinite(fj[j])) {
            st = YM_ERROR(YM_ENUM, "jackknife: derived quantity failed leaving out bin %zu", j);
            goto done;
        }
    }
    double fbar = mean_of(fj, nb), v = 0.0;
    for (size_t j = 0; j < nb; ++j) v += (fj[j] - fbar) * (fj[j] - fbar);
    out->mean = (double)nb * f0 - (double)(nb - 1) * fbar;
    out->err = sqrt(v * (double)(nb - 1) / (double)nb);
    out->tau_int = 0.0;
    out->tau_err = 0.0;
    out->window = (int)bin;
done:
    free(b);
    free(full);
    free(lo);
    free(fj);
    return st;
}

int ym_stats_gamma(const double *x, size_t n, double stau, ym_stats_est *out)
{
    if (!x || !out) return YM_ERROR(YM_EINVAL, "Gamma method: bad arguments");
    if (n < 2) return YM_ERROR(YM_EINVAL, "Gamma method: %zu measurements, need at least 2", n);
    int st = check_finite(x, n);
    if (st) return st;
    if (stau <= 0) stau = 1.5;
    double m = mean_of(x, n);
    size_t tmax = n / 2;
    double *g = malloc((tmax + 1) * sizeof *g), *d = malloc(n * sizeof *d);
    if (!g || !d) {
        free(g);
        free(d);
        return YM_ERROR(YM_ENOMEM, "Gamma method: out of memory");
    }
    for (size_t i = 0; i < n; ++i) d[i] = x[i] - m;
    out->mean = m;
    out->window = 0;
    g[0] = 0.0;
    for (size_t i = 0; i < n; ++i) g[0] += d[i] * d[i];
    g[0] /= (double)n;
    if (g[0] <= 0.0) {
        out->err = 0.0;
        out->tau_int = 0.5;
        out->tau_err = 0.0;
        free(g);
        free(d);
        return YM_OK;
    }
    /* Autocorrelations are computed lazily: the window usually stops after a
     * few tau, so computing all n/2 lags (O(n^2)) would be wasted. */
    size_t w = 0, tcomp = 0;
    double gsum = 0.0; /* sum of g[1..t] */
    for (size_t t = 1; t <= tmax; ++t) {
        double s = 0.0;
        for (size_t i = 0; i + t < n; ++i) s += d[i] * d[i + t];
        g[t] = s / (double)(n - t);
        tcomp = t;
        gsum += g[t];
        double tint = 0.5 + gsum / g[0];
        double tau = (tint <= 0.5) ? 1e-300 : stau / log((2.0 * tint + 1.0) / (2.0 * tint - 1.0));
        double gw = exp(-(double)t / tau) - tau / sqrt((double)t * (double)n);
        if (gw < 0.0) {
            w = t;
            break;
        }
    }
    /* The loop always stops by t = floor(n/2): there tau/sqrt(t n) >= sqrt(2) tau/n,
     * and with u = n/(2 tau), e^u > sqrt(2) u for every u > 0 (e^u/u >= e), so
     * exp(-t/tau) < tau/sqrt(t n) whatever tau the data give. No series reaches
     * the line below; it only keeps w defined. */
    if (w == 0) w = tcomp;
    double cf = g[0];
    for (size_t t = 1; t <= w; ++t) cf += 2.0 * g[t];
    /* A summed autocorrelation <= 0 (a very short or anticorrelated series:
     * two values always give Gamma(1) = -Gamma(0)) carries no information on
     * the variance; clamping it near 0 reported errors of 1e-150. Fall back
     * to window 0, the naive variance with tau_int = 1/2: conservative. */
    if (cf <= 0.0) {
        w = 0;
        cf = g[0];
    }
    /* bias correction of Gamma for the subtracted sample mean (Wolff eq. 49) */
    double g0 = g[0] + cf / (double)n;
    cf += (1.0 + 2.0 * (double)w) * cf / (double)n;
    double tint = cf / (2.0 * g0);
    out->err = sqrt(cf / (double)n);
    out->tau_int = tint;
    out->tau_err = tint * 2.0 * sqrt(((double)w - tint + 0.5) / (double)n);
    if (!isfinite(out->tau_err)) out->tau_err = 0.0;
    out->window = (int)w;
    free(g);
    free(d);
    return YM_OK;
}

int ym_stats_gamma_derived(const double *x, size_t m, size_t n, double stau,
                           int (*f)(const double *means, void *ctx, double *value), void *ctx,
                           ym_stats_est *out)
{
    if (!x || !f || !out || m < 1) return YM_ERROR(YM_EINVAL, "Gamma method: bad arguments");
    if (n < 2) return YM_ERROR(YM_EINVAL, "Gamma method: %zu measurements, need at least 2", n);
    for (size_t k = 0; k < m; ++k) {
        int st = check_finite(x + k * n, n);
        if (st) return st;
    }
    double *a = malloc(m * sizeof *a), *d = malloc(m * sizeof *d), *y = malloc(n * sizeof *y);
    int st = YM_OK;
    double f0 = NAN;
    if (!a || !d || !y) {
        st = YM_ERROR(YM_ENOMEM, "Gamma method: out of memory");
        goto done;
    }
    for (size_t k = 0; k < m; ++k) a[k] = mean_of(x + k * n, n);
    if (f(a, ctx, &f0) || !isfinite(f0)) {
        st = YM_ERROR(YM_ENUM, "Gamma method: derived quantity failed on the means");
        goto done;
    }
    for (size_t k = 0; k < m; ++k) {
        double v = 0.0;
        for (size_t i = 0; i < n; ++i) v += (x[k * n + i] - a[k]) * (x[k * n + i] - a[k]);
        double h = sqrt(v / (double)n / (double)n), ak = a[k], fp, fm;
        d[k] = 0.0;
        if (h == 0.0) continue; /* a constant primary does not fluctuate: its derivative is not needed */
        a[k] = ak + h;
        int bad = f(a, ctx, &fp);
        a[k] = ak - h;
        bad = bad || f(a, ctx, &fm);
        a[k] = ak;
        if (bad || !isfinite(fp) || !isfinite(fm)) {
            st = YM_ERROR(YM_ENUM, "Gamma method: derived quantity failed within one error of the means");
            goto done;
        }
        d[k] = (fp - fm) / (2.0 * h);
    }
    for (size_t i = 0; i < n; ++i) {
        double s = 0.0;
        for (size_t k = 0; k < m; ++k) s += d[k] * (x[k * n + i] - a[k]);
        y[i] = f0 + s;
    }
    st = ym_stats_gamma(y, n, stau, out);
    if (!st) out->mean = f0;
done:
    free(a);
    free(d);
    free(y);
    return st;
}

int ym_stats_series(const double *x, size_t n, const ym_stats_opts *o, ym_stats_est *out)
{
    if (!o) return YM_ERROR(YM_EINVAL, "statistics: no options");
    if (o->method == YM_STATS_JACKKNIFE) return ym_stats_jackknife(x, n, o->bin, out);
    return ym_stats_gamma(x, n, o->stau, out);
}

int ym_stats_series_derived(const double *x, size_t m, size_t n, const ym_stats_opts *o,
                            int (*f)(const double *means, void *ctx, double *value), void *ctx,
                            ym_stats_est *out)
{
    if (!o) return YM_ERROR(YM_EINVAL, "statistics: no options");
    if (o->method == YM_STATS_JACKKNIFE) return ym_stats_jackknife_derived(x, m, n, o->bin, f, ctx, out);
    return ym_stats_gamma_derived(x, m, n, o->stau, f, ctx, out);
}
