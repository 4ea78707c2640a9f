/* Tests of the ensemble statistics of ymflow flow (cli/ens_table.c) and of
 * ym_stats_gamma_derived (serial; MPI only for the TAP reduction).
 *
 * Oracles:
 * - Every mean, error and tau_int in the ensemble CSV equals lattice/ym_stats
 *   (ym_stats_gamma, or ym_stats_jackknife in bins) applied directly to the
 *   same column of the per-configuration CSVs (exact equality: the same
 *   numbers in the same order); Q2 = the statistics of Q^2, chi_top = Q2/V.
 * - A known history t^2 E_i(t) = c_i t (so W_i = c_i t): t0 = ref/<c> and
 *   w0 = sqrt(ref/<c>) (a cubic spline reproduces linear data), to 1e-12; with
 *   identical configurations the error is 0. The error of t0 equals the
 *   jackknife of the derived quantity ref/<c> on the c_i series directly
 *   (the same leave-one-out samples), and for the Gamma method the
 *   linearised error |d(ref/c)/dc| sigma_c of ym_stats_gamma on c_i (to 1e-4:
 *   the central differences of Wolff's step are exact to O(eps^2), eps ~ 3e-3
 *   for the spread of c chosen) with the same tau_int.
 * - ym_stats_gamma_derived of f = 3 a - 2 has 3 times the Gamma error of a
 *   and the same tau_int (linear map, to 1e-9).
 * - A configuration measured at other flow times, or with other columns, is
 *   refused with YM_EINVAL naming its file.
 */
#include "ens_table.h"
#include "tap.h"
#include "ym_stats.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

enum { NC = 12, NT = 11 };

/* A per-configuration CSV as ymflow flow writes it: t2E_clover = c t, W = c t,
 * plaquette and Q_clover from the series given. */
static char *make_csv(double c, double plaq, double q, double tstep)
{
    cli_buf b = {0};
    cli_buf_printf(&b, "# ymflow test flow\nt,plaquette,t2E_clover,W_clover,Q_clover\n");
    for (int r = 0; r < NT; ++r) {
        double t = r * tstep;
        cli_buf_printf(&b, "%.17g,%.17g,%.17g,%.17g,%.17g\n", t, plaq + 0.01 * r, c * t, c * t, q * (1 + 0.1 * r));
    }
    cli_buf_printf(&b, "# ref: 0.29999999999999999\n# t0: %.17g\n# w0: %.17g\n", 0.3 / c, sqrt(0.3 / c));
    return b.s;
}

/* Value of column name at row r of the ensemble CSV text (nan if absent). */
static double cell(const char *csv, const char *name, int r)
{
    const char *p = csv;
    while (*p == '#') p = strchr(p, '\n') + 1;
    const char *e = strchr(p, '\n');
    int idx = -1, k = 0;
    size_t nl = strlen(name);
    for (const char *s = p; s < e; ++k) {
        const char *t = memchr(s, ',', (size_t)(e - s));
        if (!t) t = e;
        if ((size_t)(t - s) == nl && !strncmp(s, name, nl)) idx = k;
        s = t + 1;
    }
    if (idx < 0) return NAN;
    p = e + 1;
    for (int i = 0; i < r; ++i) p = strchr(p, '\n') + 1;
    for (int i = 0; i < idx; ++i) p = strchr(p, ',') + 1;
    return strtod(p, NULL);
}

static double footer(const char *csv, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\n# %s: ", key);
    const char *p = strstr(csv, k);
    return p ? strtod(p + strlen(k), NULL) : NAN;
}

static int f_lin(const double *m, void *ctx, double *v)
{
    (void)ctx;
    *v = 3.0 * m[0] - 2.0;
    return 0;
}
static int f_inv(const double *m, void *ctx, double *v)
{
    *v = *(const double *)ctx / m[0];
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 4242);
    double c[NC], plaq[NC], q[NC], a = 0.6, v = 0.5;
    for (int k = 0; k < NC; ++k) { /* AR(1)-correlated plaquettes: tau_int > 0.5 */
        v = a * v + gsl_ran_gaussian(rng, 0.1);
        plaq[k] = 0.5 + v;
        c[k] = 0.6 * (1 + gsl_ran_gaussian(rng, 0.002));
        q[k] = gsl_ran_gaussian(rng, 1.5);
    }
    ens_table e;
    memset(&e, 0, sizeof e);
    int st = YM_OK;
    for (int k = 0; k < NC && !st; ++k) {
        char name[32];
        snprintf(name, sizeof name, "cfg%d", k);
        char *csv = make_csv(c[k], plaq[k], q[k], 0.1);
        st = ens_table_add(&e, name, csv);
        free(csv);
    }
    tap_ok(st == YM_OK && e.n == NC && e.nrow == NT && e.ncol == 5, "%d configuration CSVs read", NC);

    double V = 4096;
    for (int meth = 0; meth < 2; ++meth) {
        size_t bin = meth ? 3 : 1;
        ens_opts o = {{meth ? YM_STATS_JACKKNIFE : YM_STATS_GAMMA, bin, 1.5}, V};
        cli_buf b = {0};
        ens_summary s;
        st = ens_table_write(&e, &o, &b, &s);
        tap_ok(st == YM_OK && b.s, "%s: ensemble CSV written", meth ? "jackknife" : "Gamma");
        if (st) break;
        const char *cols[] = {"plaquette", "t2E_clover", "W_clover", "Q_clover"};
        int same = 1;
        double x[NC];
        for (int r = 0; r < NT; ++r)
            for (int j = 0; j < 5; ++j) {
                for (int k = 0; k < NC; ++k) {
                    double t = r * 0.1;
                    x[k] = j == 0 ? plaq[k] + 0.01 * r : j == 1 || j == 2 ? c[k] * t : q[k] * (1 + 0.1 * r);
                    if (j == 4) x[k] *= x[k];
                    /* the CSV round trip is exact at %.17g */
                    char buf[64];
                    snprintf(buf, sizeof buf, "%.17g", x[k]);
                    if (j != 4) x[k] = strtod(buf, NULL);
                }
                if (j == 4) { /* Q^2 from the parsed Q */
                    for (int k = 0; k < NC; ++k) {
                        char buf[64];
                        snprintf(buf, sizeof buf, "%.17g", q[k] * (1 + 0.1 * r));
                        double qq = strtod(buf, NULL);
                        x[k] = qq * qq;
                    }
                }
                ym_stats_est est;
                ym_stats_series(x, NC, &o.so, &est);
                char nm[32], ne[48], nt[48];
                snprintf(nm, sizeof nm, "%s", j == 4 ? "Q2_clover" : cols[j]);
                snprintf(ne, sizeof ne, "%s_err", nm);
                snprintf(nt, sizeof nt, "%s_tau_int", nm);
                if (cell(b.s, nm, r) != est.mean || cell(b.s, ne, r) != est.err) same = 0;
                if (!meth && cell(b.s, nt, r) != est.tau_int) same = 0;
                if (j == 4 && (cell(b.s, "chi_top_clover", r) != est.mean / V ||
                               cell(b.s, "chi_top_clover_err", r) != est.err / V))
                    same = 0;
            }
        tap_ok(same, "%s: every mean, error%s equals ym_stats on the column (Q2, chi_top = Q2/V too)",
               meth ? "jackknife bin 3" : "Gamma", meth ? "" : ", tau_int");
        if (!meth) {
            ym_stats_est pe;
            ym_stats_gamma(plaq, NC, 1.5, &pe);
            tap_diag("plaquette tau_int %.3f (AR(1) a = %.1f)", cell(b.s, "plaquette_tau_int", 0), a);
        }
        /* t0 = ref / <c>, w0 = sqrt(ref / <c>) */
        double cbar = 0, ref = 0.3;
        for (int k = 0; k < NC; ++k) cbar += c[k];
        cbar /= NC;
        ym_stats_est ce, de;
        double cs[NC];
        for (int k = 0; k < NC; ++k) { /* c as the CSV carries it: t2E at t = 1 */
            char buf[64];
            snprintf(buf, sizeof buf, "%.17g", c[k] * (10 * 0.1));
            cs[k] = strtod(buf, NULL);
        }
        if (meth) {
            ym_stats_jackknife_derived(cs, 1, NC, bin, f_inv, &ref, &de);
            tap_ok(tap_reldiff(s.t0.mean, de.mean) < 1e-10 && tap_reldiff(s.t0.err, de.err) < 1e-8,
                   "jackknife: t0 %.12g +- %.6g = jackknife of ref/<c> %.12g +- %.6g", s.t0.mean, s.t0.err, de.mean,
                   de.err);
        } else {
            ym_stats_gamma(cs, NC, 1.5, &ce);
            double lin = ref / (cbar * cbar) * ce.err;
            tap_ok(tap_reldiff(s.t0.mean, ref / cbar) < 1e-12, "Gamma: t0 %.15g = ref/<c> %.15g", s.t0.mean, ref / cbar);
            /* the central differences of step h (the naive error of a mean) are exact to
             * O(eps^2), eps = h / (c dt) ~ 0.6 * 0.5 * 0.002 / sqrt(12) / 0.06 ~ 3e-3 */
            tap_ok(tap_reldiff(s.t0.err, lin) < 1e-4 && tap_reldiff(s.t0.tau_int, ce.tau_int) < 1e-6,
                   "Gamma: t0 error %.9g = |d(ref/c)/dc| sigma_c %.9g, tau_int that of c", s.t0.err, lin);
            tap_ok(tap_reldiff(s.w0.mean, sqrt(ref / cbar)) < 1e-12, "Gamma: w0 %.15g = sqrt(ref/<c>) %.15g",
                   s.w0.mean, sqrt(ref / cbar));
            tap_ok(footer(b.s, "t0") == s.t0.mean && footer(b.s, "t0_err") == s.t0.err &&
                       footer(b.s, "chi_top") == s.chi.mean && s.tQ == 1.0,
                   "footer carries t0, its error, chi_top at the last time");
        }
        cli_buf_free(&b);
    }
    ens_table_free(&e);

    /* a single known history, repeated: exact t0, w0, zero errors */
    memset(&e, 0, sizeof e);
    for (int k = 0; k < 4; ++k) {
        char *csv = make_csv(0.6, 0.5, 1.0, 0.1);
        ens_table_add(&e, "same", csv);
        free(csv);
    }
    {
        ens_opts o = {{YM_STATS_GAMMA, 1, 1.5}, V};
        cli_buf b = {0};
        ens_summary s;
        st = ens_table_write(&e, &o, &b, &s);
        tap_ok(st == YM_OK && tap_reldiff(s.t0.mean, 0.5) < 1e-13 && s.t0.err == 0 &&
                   tap_reldiff(s.w0.mean, sqrt(0.5)) < 1e-13 && s.w0.err == 0,
               "known history t^2 E = 0.6 t: t0 %.16g (0.5), w0 %.16g (sqrt 0.5), errors 0", s.t0.mean, s.w0.mean);
        cli_buf_free(&b);
    }
    /* refusals */
    char *bad = make_csv(0.6, 0.5, 1.0, 0.11);
    st = ens_table_add(&e, "other_times.csv", bad);
    tap_ok(st == YM_EINVAL && strstr(ym_errmsg(), "other_times.csv"), "other flow times refused: %s", ym_errmsg());
    ym_error_clear();
    free(bad);
    st = ens_table_add(&e, "other_cols.csv", "t,plaquette\n0,1\n0.1,1\n");
    tap_ok(st == YM_EINVAL && strstr(ym_errmsg(), "other_cols.csv"), "other columns refused: %s", ym_errmsg());
    ym_error_clear();
    st = ens_table_add(&e, "garbage.csv", "t,plaquette\n0,x\n");
    tap_ok(st == YM_EFORMAT && strstr(ym_errmsg(), "garbage.csv"), "malformed row refused: %s", ym_errmsg());
    ym_error_clear();
    ens_table_free(&e);

    /* Gamma method of a linear derived quantity */
    double y[400];
    v = 0;
    for (int i = 0; i < 400; ++i) y[i] = v = 0.8 * v + gsl_ran_gaussian(rng, 1.0);
    ym_stats_est g, gd;
    ym_stats_gamma(y, 400, 1.5, &g);
    st = ym_stats_gamma_derived(y, 1, 400, 1.5, f_lin, NULL, &gd);
    tap_ok(st == YM_OK && tap_reldiff(gd.err, 3 * g.err) < 1e-9 && tap_reldiff(gd.tau_int, g.tau_int) < 1e-9 &&
               tap_reldiff(gd.mean, 3 * g.mean - 2) < 1e-12,
           "Gamma derived f = 3a - 2: error 3x (%.6g vs %.6g), same tau_int %.4g", gd.err, 3 * g.err, gd.tau_int);

    gsl_rng_free(rng);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
