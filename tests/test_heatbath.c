/* Heatbath and overrelaxation (solvers/ym_heatbath).
 *
 * Oracles:
 *  - the subgroup sampler: its x0 against the exact density
 *    sqrt(1 - x0^2) e^{alpha x0} (CDF by GSL quadrature, normalised by
 *    pi I_1(alpha)/alpha) by a Kolmogorov-Smirnov test (p > 1e-3), for
 *    Kennedy-Pendleton and Creutz at alpha = 1, 2, 8;
 *  - single-link heatbath with every other link 1 (staple 6, weight
 *    exp((6 beta/N) Re tr U)): <(1/N) Re tr U> within 4 sigma (Gamma-method
 *    error) of (1/N) d ln Z/dc, Z(c) = sum_q det[I_{q+i-j}(c)] (the
 *    one-link integral; Brower-Rossi-Tan, Gross-Witten), c = 6 beta/N; that
 *    formula in turn reproduces the values quoted in issue #12 to 1e-9
 *    (SU(2) b=2.5: I_2(15)/I_1(15); SU(3) b=6, b=1; SU(4) b=11);
 *  - overrelaxation leaves Re tr(U A) of every link unchanged (1e-12) and the
 *    Wilson action of a sweep (1e-12 relative);
 *  - a subgroup whose proposals are all rejected keeps the old link exactly;
 *  - a stream file refuses another identity (seed) and a truncated file;
 *  - with --mpi: hot start, heatbath and overrelaxation sweeps give the same
 *    field (bitwise) and counts on the --grid process grid as on rank 0
 *    alone, periodic and open-t; stream states saved on the grid and read
 *    on one rank continue the chain identically.
 */
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_sf_bessel.h>
#include <math.h>
#include <unistd.h>

#include "common.h"
#include "ym_heatbath.h"
#include "ym_sitestate.h"

/* ---- the exact one-link expectation ---- */

static double bessel_in(int n, double c) { return gsl_sf_bessel_In(n < 0 ? -n : n, c); }

/* det of an N x N real matrix. */
static double det(int N, double *a)
{
    gsl_matrix_view m = gsl_matrix_view_array(a, (size_t)N, (size_t)N);
    gsl_permutation *p = gsl_permutation_alloc((size_t)N);
    int s;
    gsl_linalg_LU_decomp(&m.matrix, p, &s);
    double d = gsl_linalg_LU_det(&m.matrix, s);
    gsl_permutation_free(p);
    return d;
}

/* (1/N) d ln Z / dc with Z = sum_q det[I_{q+i-j}(c)]. */
static double exact_retr(int N, double c)
{
    double Z = 0, dZ = 0, a[64];
    for (int q = -60; q <= 60; ++q) {
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) a[i * N + j] = bessel_in(q + i - j, c);
        Z += det(N, a);
        for (int r = 0; r < N; ++r) { /* d det = sum over rows of det with that row differentiated */
            for (int i = 0; i < N; ++i)
                for (int j = 0; j < N; ++j) {
                    int n = q + i - j;
                    a[i * N + j] = i == r ? 0.5 * (bessel_in(n - 1, c) + bessel_in(n + 1, c)) : bessel_in(n, c);
                }
            dZ += det(N, a);
        }
    }
    return dZ / Z / N;
}

/* ---- Kolmogorov-Smirnov ---- */

static double ks_alpha;
static double dens_theta(double th, void *p)
{
    (void)p;
    double s = sin(th);
    return s * s * exp(ks_alpha * (cos(th) - 1)); /* scaled by e^-alpha */
}

/* P(x0 <= x) for the density sqrt(1 - t^2) e^{alpha t}: t = cos theta. */
static double cdf(double x, gsl_integration_workspace *w)
{
    if (x <= -1) return 0;
    if (x >= 1) return 1;
    gsl_function f = {dens_theta, NULL};
    double r, e;
    gsl_integration_qag(&f, acos(x), M_PI, 1e-13, 1e-11, 1000, GSL_INTEG_GAUSS41, w, &r, &e);
    double Z = M_PI * gsl_sf_bessel_I1_scaled(ks_alpha) / ks_alpha; /* scaled by e^-alpha as well */
    return r / Z;
}

/* Q_KS(lambda) = 2 sum (-1)^{k-1} e^{-2 k^2 lambda^2}. */
static double ks_pvalue(double lambda)
{
    if (lambda < 0.2) return 1;
    double s = 0;
    for (int k = 1; k < 100; ++k) s += (k % 2 ? 2 : -2) * exp(-2.0 * k * k * lambda * lambda);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void sampler_ks(void)
{
    const int n = 20000;
    double *x = malloc(sizeof(double) * n);
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_ranlxd2);
    const double alphas[3] = {1, 2, 8};
    {
        ks_alpha = 3;
        tap_ok(fabs(cdf(0.999999999999, w) - 1) < 1e-9, "exact CDF integrates to 1 (pi I1(a)/a normalisation)");
    }
    for (int m = 0; m < 2; ++m)
        for (int k = 0; k < 3; ++k) {
            int method = m ? YM_HB_CREUTZ : YM_HB_KP, fails = 0;
            long props = 0;
            gsl_rng_set(r, 17 + 10 * (unsigned long)k + (unsigned long)m);
            for (int i = 0; i < n; ++i) {
                int t = ym_heatbath_su2_a0(r, alphas[k], method, 0, 1000, &x[i]);
                if (!t) ++fails;
                props += t;
            }
            qsort(x, (size_t)n, sizeof(double), cmp_double);
            ks_alpha = alphas[k];
            double D = 0;
            for (int i = 0; i < n; ++i) {
                double F = cdf(x[i], w);
                D = fmax(D, fmax(fabs(F - (double)i / n), fabs((double)(i + 1) / n - F)));
            }
            double p = ks_pvalue(sqrt((double)n) * D);
            tap_ok(!fails && p > 1e-3, "%s sampler, alpha = %g: KS D = %.4f, p = %.3f (acceptance %.3f)",
                   m ? "Creutz" : "Kennedy-Pendleton", alphas[k], D, p, (double)n / (double)props);
        }
    gsl_rng_free(r);
    gsl_integration_workspace_free(w);
    free(x);
}

/* ---- single-link heatbath ---- */

static void single_link(void)
{
    static const struct {
        int N;
        double beta, quoted;
    } cases[4] = {{3, 6.0, 0.8897660358}, {3, 1.0, 0.4225317396}, {2, 2.5, 0.9017888124}, {4, 11.0, 0.8868625740}};
    for (int k = 0; k < 4; ++k) {
        int N = cases[k].N;
        double ex = exact_retr(N, 6 * cases[k].beta / N);
        tap_ok(fabs(ex - cases[k].quoted) < 1e-9, "SU(%d), beta %g: Bessel-determinant value %.10f = issue's %.10f", N,
               cases[k].beta, ex, cases[k].quoted);
        test_lat t;
        const int L[4] = {4, 4, 4, 4}, one[4] = {1, 1, 1, 1};
        int st = test_lat_create(&t, MPI_COMM_SELF, L, one, 1, NULL, N);
        ym_heatbath_params p;
        ym_heatbath_defaults(&p);
        p.beta = cases[k].beta;
        p.seed = 11 + (unsigned long)k;
        ym_heatbath *h = NULL;
        if (!st) st = ym_heatbath_create(&h, t.u, &p);
        const int n = 40000, x = ym_geom_interior(t.geom)[5], mu = 2;
        double *y = malloc(sizeof(double) * n);
        ym_cplx A[YM_NMAX * YM_NMAX];
        ym_loop_set ls;
        ym_cool_loops_wilson(&ls);
        ym_heatbath_counts c = {0, 0, 0};
        if (!st) ym_cool_staple(t.u, &ls, x, mu, A);
        double dA = 0; /* the frozen neighbours make A = 6 */
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) dA = fmax(dA, cabs(A[i * N + j] - (i == j ? 6 : 0)));
        for (int i = 0; !st && i < 200 + n; ++i) {
            ym_heatbath_link(h, t.u, x, mu, A, &c);
            if (i >= 200) y[i - 200] = creal(ym_su_trace(N, ym_gauge_link(t.u, x, mu))) / N;
        }
        ym_stats_est e = {0};
        if (!st) st = ym_stats_gamma(y, (size_t)n, 0, &e);
        tap_ok(!st && dA < 1e-15 && fabs(e.mean - ex) < 4 * e.err,
               "SU(%d), beta %g, single link: <Re tr U>/N = %.6f +- %.6f (tau_int %.2f), exact %.6f (%.1f sigma); %lld of %lld "
               "subgroup updates kept the old link",
               N, cases[k].beta, e.mean, e.err, e.tau_int, ex, (e.mean - ex) / e.err, (long long)c.kept,
               (long long)c.updates);
        free(y);
        ym_heatbath_free(h);
        test_lat_free(&t);
    }
}

/* ---- overrelaxation ---- */

static void overrelaxation(void)
{
    for (int N = 2; N <= 4; ++N) {
        test_lat t;
        const int L[4] = {4, 4, 4, 6}, one[4] = {1, 1, 1, 1};
        int st = test_lat_create(&t, MPI_COMM_SELF, L, one, 1, NULL, N);
        ym_heatbath_params p;
        ym_heatbath_defaults(&p);
        p.seed = 5;
        ym_heatbath *h = NULL;
        if (!st) st = ym_heatbath_create(&h, t.u, &p);
        if (!st) st = ym_heatbath_set_hot(h, t.u);
        ym_loop_set ls;
        ym_cool_loops_wilson(&ls);
        double dmax = 0, moved = 0;
        const int *in = ym_geom_interior(t.geom);
        ym_cplx A[YM_NMAX * YM_NMAX], U0[YM_NMAX * YM_NMAX];
        for (int i = 0; !st && i < ym_geom_ninterior(t.geom); ++i)
            for (int mu = 0; mu < 4; ++mu) {
                ym_cplx *U = ym_gauge_link(t.u, in[i], mu);
                ym_cool_staple(t.u, &ls, in[i], mu, A);
                double s0 = ym_su_retr_nn(N, U, A);
                ym_su_copy(N, U0, U);
                ym_heatbath_or_link(N, U, A);
                dmax = fmax(dmax, fabs(ym_su_retr_nn(N, U, A) - s0));
                moved = fmax(moved, ym_su_maxdiff(N, U, U0));
            }
        tap_ok(!st && dmax < 1e-12 && moved > 0.1, "SU(%d) overrelaxation of each link: |d Re tr(U A)| <= %.2e, links move by up to %.2f",
               N, dmax, moved);
        double s0 = 0, s1 = 0, un = 0, dt = 0;
        if (!st) st = ym_gauge_halo_update(t.u);
        if (!st) st = ym_gauge_wilson_action(t.u, &s0);
        if (!st) st = ym_heatbath_or_sweep(h, t.u);
        if (!st) st = ym_gauge_wilson_action(t.u, &s1);
        if (!st) st = ym_gauge_unitarity(t.u, &un, &dt);
        tap_ok(!st && fabs(s1 / s0 - 1) < 1e-12 && un < 1e-14 && dt < 1e-14,
               "SU(%d) overrelaxation sweep keeps the Wilson action (rel. %.2e) and SU(N) (%.1e, %.1e)", N, fabs(s1 / s0 - 1),
               un, dt);
        ym_heatbath_free(h);
        test_lat_free(&t);
    }
}

/* ---- a subgroup rejected max_trials times keeps its link ---- */

static void keep_old(void)
{
    test_lat t;
    const int L[4] = {4, 4, 4, 4}, one[4] = {1, 1, 1, 1};
    int st = test_lat_create(&t, MPI_COMM_SELF, L, one, 1, NULL, 2);
    ym_heatbath_params p;
    ym_heatbath_defaults(&p);
    p.beta = 0.3; /* alpha = 1.8 k: the acceptance of one proposal is well below 1 */
    p.max_trials = 1;
    ym_heatbath *h = NULL;
    if (!st) st = ym_heatbath_create(&h, t.u, &p);
    if (!st) st = ym_heatbath_set_hot(h, t.u);
    ym_loop_set ls;
    ym_cool_loops_wilson(&ls);
    ym_cplx A[4], U0[4];
    int x = ym_geom_interior(t.geom)[3], bad = 0;
    long kept = 0, moved = 0;
    ym_heatbath_counts c = {0, 0, 0};
    if (!st) ym_cool_staple(t.u, &ls, x, 1, A);
    for (int i = 0; !st && i < 2000; ++i) {
        ym_cplx *U = ym_gauge_link(t.u, x, 1);
        ym_su_copy(2, U0, U);
        int64_t k0 = c.kept;
        ym_heatbath_link(h, t.u, x, 1, A, &c);
        int same = !memcmp(U0, U, sizeof U0);
        if (c.kept > k0) {
            ++kept;
            if (!same) ++bad;
        } else if (!same)
            ++moved;
    }
    tap_ok(!st && bad == 0 && kept > 100 && moved > 100 && c.proposals == c.updates,
           "max_trials = 1: %ld rejected updates all kept the old link bitwise, %ld accepted moved it", kept, moved);
    ym_heatbath_free(h);
    test_lat_free(&t);
}

/* ---- stream files: refusals ---- */

static void stream_files(void)
{
    test_lat t;
    const int L[4] = {4, 4, 4, 4}, one[4] = {1, 1, 1, 1};
    int st = test_lat_create(&t, MPI_COMM_SELF, L, one, 1, NULL, 2);
    ym_heatbath_params p;
    ym_heatbath_defaults(&p);
    ym_heatbath *h = NULL, *h2 = NULL;
    if (!st) st = ym_heatbath_create(&h, t.u, &p);
    p.seed = 2;
    if (!st) st = ym_heatbath_create(&h2, t.u, &p);
    char id[256], id2[256];
    size_t sb = 0;
    unsigned char *s = h ? ym_heatbath_streams(h, &sb) : NULL, *s2 = h2 ? ym_heatbath_streams(h2, &sb) : NULL;
    char path[64];
    snprintf(path, sizeof path, "test_heatbath_refusals.%ld.rng", (long)getpid());
    if (!st) {
        ym_heatbath_stream_id(h, id, sizeof id);
        ym_heatbath_stream_id(h2, id2, sizeof id2);
        st = ym_sitestate_write(t.geom, path, 1, id, s, sb);
    }
    int e1 = st ? -1 : ym_sitestate_read(t.geom, path, id2, s2, sb);
    tap_ok(!st && e1 == YM_EFORMAT && strstr(ym_errmsg(), "seed 2"), "stream file of seed 1 refused for seed 2: %s",
           ym_errmsg());
    ym_error_clear();
    int e0 = st ? -1 : ym_sitestate_read(t.geom, path, id, s2, sb);
    tap_ok(e0 == YM_OK && !memcmp(s, s2, sb * (size_t)ym_geom_ninterior(t.geom)), "stream file reads back bitwise");
    if (!st && truncate(path, 256 + 100 * (off_t)sb)) st = YM_EIO;
    int e2 = st ? -1 : ym_sitestate_read(t.geom, path, id, s2, sb);
    tap_ok(!st && e2 == YM_EFORMAT && strstr(ym_errmsg(), "truncated"), "truncated stream file refused: %s", ym_errmsg());
    ym_error_clear();
    remove(path);
    ym_heatbath_free(h);
    ym_heatbath_free(h2);
    test_lat_free(&t);
}

/* ---- grid independence ---- */

static int gather(test_lat *t, double *out, int64_t V)
{
    int N = ym_gauge_N(t->u);
    size_t nc = 8 * (size_t)N * N;
    memset(out, 0, sizeof(double) * nc * (size_t)V);
    const int *in = ym_geom_interior(t->geom);
    for (int i = 0; i < ym_geom_ninterior(t->geom); ++i)
        memcpy(out + nc * (size_t)ym_geom_global_index(t->geom, in[i]), ym_field_site(ym_gauge_field(t->u), in[i]),
               nc * sizeof(double));
    return MPI_Allreduce(MPI_IN_PLACE, out, (int)(nc * (size_t)V), MPI_DOUBLE, MPI_SUM, ym_grid_comm(ym_geom_grid(t->geom)));
}

/* hot start, 2 x (heatbath + overrelaxation) */
static int chain(test_lat *t, ym_heatbath **h, int N, int sweeps, ym_heatbath_counts *c)
{
    ym_heatbath_params p;
    ym_heatbath_defaults(&p);
    p.beta = N == 2 ? 2.3 : 5.8;
    p.seed = 2024;
    int st = ym_heatbath_create(h, t->u, &p);
    if (!st) st = ym_heatbath_set_hot(*h, t->u);
    for (int s = 0; !st && s < sweeps; ++s) {
        st = ym_heatbath_sweep(*h, t->u, c);
        if (!st) st = ym_heatbath_or_sweep(*h, t->u);
    }
    return st;
}

static void mpi_checks(const int pd[4])
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int L[4] = {4, 4, 4, 8}, one[4] = {1, 1, 1, 1}, open_t[4] = {0, 0, 0, YM_BC_OPEN};
    const int64_t V = 4 * 4 * 4 * 8;
    for (int N = 2; N <= 3; ++N)
        for (int b = 0; b < 2; ++b) {
            size_t n = 8 * (size_t)N * N * (size_t)V;
            double *fw = malloc(n * sizeof(double)), *fs = malloc(n * sizeof(double));
            test_lat tw, ts;
            ym_heatbath *hw = NULL, *hs = NULL;
            ym_heatbath_counts cw = {0, 0, 0}, cs = {0, 0, 0};
            int st = test_lat_create(&tw, MPI_COMM_WORLD, L, pd, 1, b ? open_t : NULL, N), ss = 0;
            if (!st) st = chain(&tw, &hw, N, 2, &cw);
            if (!st) gather(&tw, fw, V);
            /* save the streams on the grid; rank 0 alone reads them and continues */
            char path[64], id[256];
            long pid = (long)getpid(); /* parallel test runs must not share the file */
            MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
            snprintf(path, sizeof path, "test_heatbath_streams.%ld.%d.%d", pid, N, b);
            size_t sb = 0;
            unsigned char *sw = hw ? ym_heatbath_streams(hw, &sb) : NULL;
            if (!st) ym_heatbath_stream_id(hw, id, sizeof id);
            if (!st) st = ym_sitestate_write(tw.geom, path, 1, id, sw, sb);
            if (rank == 0) {
                ss = test_lat_create(&ts, MPI_COMM_SELF, L, one, 1, b ? open_t : NULL, N);
                if (!ss) ss = chain(&ts, &hs, N, 2, &cs);
                if (!ss) gather(&ts, fs, V);
            }
            double d = 0;
            for (size_t j = 0; rank == 0 && j < n; ++j) d = fmax(d, fabs(fw[j] - fs[j]));
            tap_ok(!st && !ss && d == 0 && (rank || (cw.updates == cs.updates && cw.proposals == cs.proposals)),
                   "SU(%d) (%s): hot start + 2 x (heatbath + overrelaxation) bitwise independent of the process grid "
                   "(max diff %.1e; %lld proposals)",
                   N, b ? "open-t" : "periodic", d, (long long)cw.proposals);
            /* continue: the grid with its own streams, rank 0 from the saved file */
            ym_heatbath_counts c2 = {0, 0, 0};
            if (!st) st = ym_heatbath_sweep(hw, tw.u, &c2);
            if (!st) gather(&tw, fw, V);
            if (rank == 0) {
                size_t sbs = 0;
                unsigned char *buf = hs ? ym_heatbath_streams(hs, &sbs) : NULL;
                /* scramble first, so that only the file can restore them */
                if (!ss) memset(buf, 0, sbs * (size_t)ym_geom_ninterior(ts.geom));
                if (!ss) ss = ym_sitestate_read(ts.geom, path, id, buf, sbs);
                if (!ss) ss = ym_heatbath_sweep(hs, ts.u, NULL);
                if (!ss) gather(&ts, fs, V);
                remove(path);
            }
            d = 0;
            for (size_t j = 0; rank == 0 && j < n; ++j) d = fmax(d, fabs(fw[j] - fs[j]));
            tap_ok(!st && !ss && d == 0, "SU(%d) (%s): streams saved on the grid and read on one rank continue the chain bitwise",
                   N, b ? "open-t" : "periodic");
            ym_heatbath_free(hw);
            test_lat_free(&tw);
            if (rank == 0) {
                ym_heatbath_free(hs);
                test_lat_free(&ts);
            }
            free(fw);
            free(fs);
        }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    ym_init();
    int pd[4], mpi = 0;
    test_grid_arg(argc, argv, pd);
    for (int i = 1; i < argc; ++i)
        if (!strcmp(argv[i], "--mpi")) mpi = 1;
    if (mpi) {
        mpi_checks(pd);
    } else {
        sampler_ks();
        single_link();
        overrelaxation();
        keep_old();
        stream_files();
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
