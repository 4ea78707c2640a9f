/* Statistics of a series of measurements (an ensemble of configurations, the
 * epochs of a recording, surrogates): mean with jackknife errors (with
 * binning) and Wolff's Gamma method with its integrated autocorrelation time
 * (U. Wolff, Comput. Phys. Commun. 156 (2004) 143, automatic windowing with
 * S = 1.5). Derived quantities f(<a>, <b>, ...) go through the jackknife
 * (ym_stats_jackknife_derived). All functions are local and deterministic.
 */
#ifndef YM_STATS_H
#define YM_STATS_H

#include <stddef.h>

typedef struct {
    double mean;    /* the estimate */
    double err;     /* its standard error */
    double tau_int; /* integrated autocorrelation time (Gamma method); 0.5 = none; 0 for jackknife */
    double tau_err; /* its error (Gamma method); 0 for jackknife */
    int window;     /* summation window W chosen (Gamma method); bin size (jackknife) */
} ym_stats_est;

/* Mean and jackknife error of x[0..n-1], in bins of `bin` consecutive
 * measurements (bin >= 1; a trailing partial bin is dropped). Errors:
 * YM_EINVAL (n/bin < 2, non-finite data). */
int ym_stats_jackknife(const double *x, size_t n, size_t bin, ym_stats_est *out);

/* Jackknife of a derived quantity f of m primary series, each x[k*n .. k*n+n-1]:
 * f is evaluated on the full means and on each leave-one-bin-out set of means;
 * the estimate is bias-corrected. f returns 0 on success (non-zero: YM_ENUM).
 * Errors: YM_EINVAL, YM_ENUM, YM_ENOMEM. */
int ym_stats_jackknife_derived(const double *x, size_t m, size_t n, size_t bin,
                               int (*f)(const double *means, void *ctx, double *value), void *ctx,
                               ym_stats_est *out);

/* Wolff's Gamma method for the mean of one series: error including
 * autocorrelations, tau_int, its error and the window. S = stau (Wolff's
 * default 1.5 when stau <= 0). A series with zero variance gets err = 0,
 * tau_int = 0.5; one whose summed autocorrelation is <= 0 (very short or
 * anticorrelated) gets the naive error with window 0, tau_int = 0.5. Errors: YM_EINVAL (n < 2, non-finite data), YM_ENOMEM. */
int ym_stats_gamma(const double *x, size_t n, double stau, ym_stats_est *out);

/* Wolff's Gamma method for a derived quantity f of m primary series, each
 * x[k*n .. k*n+n-1] (measured together, one index per configuration):
 * f is linearised about the means with central differences of step the
 * naive error of each mean (Wolff's UWerr), the series are projected on
 * the gradient and the projected series goes through ym_stats_gamma
 * (error, tau_int, window). The estimate is f(means) (no bias correction).
 * Local. Errors: YM_EINVAL (n < 2, non-finite data), YM_ENUM (f fails or is
 * not finite near the means), YM_ENOMEM. */
int ym_stats_gamma_derived(const double *x, size_t m, size_t n, double stau,
                           int (*f)(const double *means, void *ctx, double *value), void *ctx,
                           ym_stats_est *out);

/* Error methods of ym_stats_series / ym_stats_series_derived. */
enum { YM_STATS_GAMMA = 0, YM_STATS_JACKKNIFE = 1 };
typedef struct {
    int method;  /* YM_STATS_GAMMA or YM_STATS_JACKKNIFE */
    size_t bin;  /* jackknife bin size (>= 1) */
    double stau; /* Gamma method S (<= 0: 1.5) */
} ym_stats_opts;

/* The chosen method on one series (ym_stats_gamma or ym_stats_jackknife).
 * Local. Errors: theirs. */
int ym_stats_series(const double *x, size_t n, const ym_stats_opts *o, ym_stats_est *out);
/* The chosen method on a derived quantity (ym_stats_gamma_derived or
 * ym_stats_jackknife_derived). Local. Errors: theirs. */
int ym_stats_series_derived(const double *x, size_t m, size_t n, const ym_stats_opts *o,
                            int (*f)(const double *means, void *ctx, double *value), void *ctx,
                            ym_stats_est *out);

#endif
