/* Tests for solvers/ym_surrogate.c (serial; MPI only for TAP).
 *
 * Oracles (spectra by a direct O(n^2) DFT here, independent of FFTW), on a
 * recording of 4 cross-correlated channels (AR(1) sources mixed by a fixed
 * matrix, non-zero means), for an even and an odd number of samples:
 * - every power spectrum |X_c(k)|^2 (k > 0) is kept to 1e-10 of the
 *   channel's largest bin, and to 1e-10 relative in every bin above 1e-6
 *   of it, by both kinds of surrogate;
 * - multivariate (Prichard-Theiler): every cross-spectrum X_a X_b* (k > 0)
 *   is kept to 1e-10 of its largest |X_a X_b*|;
 * - per channel: cross-spectra change (their phases are randomised): the
 *   largest change is of the order of the cross-spectrum itself (> 0.1);
 * - DC (so the mean) and, for even n, the Nyquist bin are unchanged (1e-12);
 * - the output is a real recording of the same shape with finite samples,
 *   and channel names, rate and events are copied;
 * - the same seed gives bit-identical output, a different seed (also 0 vs
 *   1, which ranlxd2 alone would merge) a different one;
 * - ym_surrogate_redraw over an earlier surrogate gives, bit for bit, what
 *   ym_surrogate_draw gives for that seed, and keeps the metadata; a
 *   recording of another shape is refused;
 * - a complex recording and an unknown kind are refused.
 */
#include "tap.h"
#include "ym_recording.h"
#include "ym_status.h"
#include "ym_surrogate.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

enum { NC = 4 };

/* X[c][k], k = 0..n/2 */
static void dft(const ym_recording *r, double complex *X)
{
    int64_t n = ym_recording_nsamples(r), nh = n / 2 + 1;
    double complex *w = malloc(n * sizeof *w);
    for (int64_t j = 0; j < n; ++j) w[j] = cexp(-2.0 * M_PI * I * (double)j / (double)n);
    for (int c = 0; c < NC; ++c) {
        const double *x = ym_recording_data_ro(r, c);
        for (int64_t k = 0; k < nh; ++k) {
            double complex s = 0;
            int64_t idx = 0;
            for (int64_t t = 0; t < n; ++t) {
                s += x[t] * w[idx];
                idx += k;
                if (idx >= n) idx -= n;
            }
            X[c * nh + k] = s;
        }
    }
    free(w);
}

static ym_recording *make(gsl_rng *g, int64_t n)
{
    ym_recording *r = NULL;
    ym_recording_create(&r, NC, 0, n, 250.0);
    double s[3] = {0, 0, 0}, a[3] = {0.9, 0.5, 0.97};
    const double mix[NC][3] = {{1, 0.5, 0}, {0.8, 0, 0.3}, {0, 1, 0.6}, {0.4, 0.4, 0.4}};
    for (int64_t t = 0; t < n; ++t) {
        for (int i = 0; i < 3; ++i) s[i] = a[i] * s[i] + gsl_ran_gaussian(g, 1.0);
        for (int c = 0; c < NC; ++c) {
            double v = 10.0 * c - 3.0;
            for (int i = 0; i < 3; ++i) v += mix[c][i] * s[i];
            ym_recording_data(r, c)[t] = v + 0.2 * gsl_ran_gaussian(g, 1.0);
        }
    }
    char name[8];
    for (int c = 0; c < NC; ++c) {
        snprintf(name, sizeof name, "E%d", c + 1);
        ym_recording_set_channel(r, c, name, "uV", "ECOG");
    }
    ym_recording_add_event(r, 1.5, 0.0, "onset");
    return r;
}

static void check(gsl_rng *g, int64_t n)
{
    int64_t nh = n / 2 + 1;
    ym_recording *r = make(g, n);
    double complex *X = malloc(NC * nh * sizeof *X), *Y = malloc(NC * nh * sizeof *Y);
    dft(r, X);
    for (int kind = 0; kind < 2; ++kind) {
        const char *kn = kind == YM_SURR_MULTIVARIATE ? "multivariate" : "per-channel";
        ym_surrogate *s = NULL;
        int rc = ym_surrogate_create(&s, r, kind);
        ym_recording *o = NULL, *o2 = NULL, *o3 = NULL;
        rc |= ym_surrogate_draw(s, 7, &o);
        tap_ok(rc == YM_OK && o && ym_recording_nbands(o) == 0 && ym_recording_nchan(o) == NC &&
                   ym_recording_nsamples(o) == n && ym_recording_rate(o) == 250.0 &&
                   ym_recording_nevents(o) == 1 && !strcmp(ym_recording_channel_name(o, 2), "E3") &&
                   !strcmp(ym_recording_channel_unit(o, 2), "uV"),
               "n=%lld %s: real recording of the same shape and metadata", (long long)n, kn);
        if (!o) {
            ym_surrogate_free(s);
            continue;
        }
        int finite = 1;
        for (int c = 0; c < NC; ++c)
            for (int64_t t = 0; t < n; ++t) finite &= isfinite(ym_recording_data(o, c)[t]);
        tap_ok(finite, "n=%lld %s: finite samples", (long long)n, kn);
        dft(o, Y);
        double pw = 0, dc = 0, mean = 0;
        for (int c = 0; c < NC; ++c) {
            double pmax = 0, d = 0;
            for (int64_t k = 1; k < nh; ++k) pmax = fmax(pmax, cabs(X[c * nh + k]) * cabs(X[c * nh + k]));
            for (int64_t k = 1; k < nh; ++k) {
                double p0 = cabs(X[c * nh + k]), p1 = cabs(Y[c * nh + k]);
                d = fmax(d, fabs(p1 * p1 - p0 * p0) / pmax);
                /* bin by bin wherever the bin is not lost in roundoff */
                if (p0 * p0 > 1e-6 * pmax) d = fmax(d, fabs(p1 * p1 - p0 * p0) / (p0 * p0));
            }
            pw = fmax(pw, d);
            double scale = cabs(X[c * nh]) + 1e-300;
            dc = fmax(dc, cabs(Y[c * nh] - X[c * nh]) / scale);
            if (n % 2 == 0) dc = fmax(dc, cabs(Y[c * nh + nh - 1] - X[c * nh + nh - 1]) / sqrt(pmax));
            double m0 = 0, m1 = 0;
            for (int64_t t = 0; t < n; ++t) {
                m0 += ym_recording_data(r, c)[t];
                m1 += ym_recording_data(o, c)[t];
            }
            mean = fmax(mean, fabs(m1 - m0) / fabs(m0));
        }
        tap_ok(pw < 1e-10, "n=%lld %s: every power spectrum kept (%.1e)", (long long)n, kn, pw);
        tap_ok(dc < 1e-12 && mean < 1e-12, "n=%lld %s: DC%s unchanged (%.1e), mean kept (%.1e)", (long long)n, kn,
               n % 2 == 0 ? " and Nyquist" : "", dc, mean);
        double cs = 0;
        for (int a = 0; a < NC; ++a)
            for (int b = a + 1; b < NC; ++b) {
                double smax = 0, d = 0;
                for (int64_t k = 1; k < nh; ++k) { /* DC is kept by both kinds */
                    double complex s0 = X[a * nh + k] * conj(X[b * nh + k]);
                    double complex s1 = Y[a * nh + k] * conj(Y[b * nh + k]);
                    smax = fmax(smax, cabs(s0));
                    d = fmax(d, cabs(s1 - s0));
                }
                cs = fmax(cs, d / smax);
            }
        if (kind == YM_SURR_MULTIVARIATE)
            tap_ok(cs < 1e-10, "n=%lld multivariate: every cross-spectrum kept (%.1e)", (long long)n, cs);
        else
            tap_ok(cs > 0.1, "n=%lld per-channel: cross-spectra change (%.2f)", (long long)n, cs);
        rc = ym_surrogate_draw(s, 7, &o2);
        int same = (rc == YM_OK);
        for (int c = 0; c < NC && same; ++c)
            same = !memcmp(ym_recording_data(o, c), ym_recording_data(o2, c), n * sizeof(double));
        tap_ok(same, "n=%lld %s: same seed, identical output", (long long)n, kn);
        ym_recording_free(o2);
        o2 = NULL;
        int diff01 = 1, diff78 = 1;
        rc = ym_surrogate_draw(s, 8, &o2);
        rc |= ym_surrogate_draw(s, 0, &o3);
        ym_recording *o4 = NULL;
        rc |= ym_surrogate_draw(s, 1, &o4);
        if (rc == YM_OK) {
            diff78 = memcmp(ym_recording_data(o, 0), ym_recording_data(o2, 0), n * sizeof(double)) != 0;
            diff01 = memcmp(ym_recording_data(o3, 0), ym_recording_data(o4, 0), n * sizeof(double)) != 0;
        }
        tap_ok(rc == YM_OK && diff78 && diff01, "n=%lld %s: different seeds (7/8, 0/1) differ", (long long)n, kn);
        /* o2 holds seed 8: overwrite it with seed 7, which o holds */
        int rr = ym_surrogate_redraw(s, 7, o2), same7 = (rr == YM_OK);
        for (int c = 0; c < NC && same7; ++c)
            same7 = !memcmp(ym_recording_data(o, c), ym_recording_data(o2, c), n * sizeof(double));
        tap_ok(same7 && ym_recording_nevents(o2) == 1 && !strcmp(ym_recording_channel_name(o2, 2), "E3"),
               "n=%lld %s: redraw over another seed's surrogate equals a fresh draw, metadata kept", (long long)n,
               kn);
        ym_recording *bad = NULL;
        ym_recording_create(&bad, NC, 0, n - 1, 250.0);
        tap_ok(ym_surrogate_redraw(s, 7, bad) == YM_EINVAL, "n=%lld %s: redraw into another shape is refused",
               (long long)n, kn);
        ym_error_clear();
        ym_recording_free(bad);
        ym_recording_free(o);
        ym_recording_free(o2);
        ym_recording_free(o3);
        ym_recording_free(o4);
        ym_surrogate_free(s);
    }
    free(X);
    free(Y);
    ym_recording_free(r);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 99);
    check(g, 1000);
    check(g, 777);
    ym_recording *cx = NULL;
    ym_recording_create(&cx, 2, 3, 100, 10.0);
    ym_surrogate *s = NULL;
    int rc = ym_surrogate_create(&s, cx, YM_SURR_MULTIVARIATE);
    tap_ok(rc == YM_EINVAL && s == NULL, "a complex recording is refused");
    ym_recording *r = NULL;
    ym_recording_create(&r, 2, 0, 100, 10.0);
    rc = ym_surrogate_create(&s, r, 5);
    tap_ok(rc == YM_EINVAL && s == NULL, "an unknown kind is refused");
    ym_error_clear();
    ym_surrogate_free(NULL);
    ym_recording_free(cx);
    ym_recording_free(r);
    gsl_rng_free(g);
    int st = tap_done();
    MPI_Finalize();
    return st;
}
