/* The DeTurck drag of the links in the "rym" solver (parameter drag,
 * V_mu(x) += W^nu(x) F_nu,mu(x); RYM.md §3, an open question).
 * Oracles:
 *  - flat metric (W = 0 exactly): a constant metric has an exactly zero jet,
 *    so with kappa = 0 (the metric then stays constant) or a frozen metric
 *    the flow with drag on is bit-identical to drag off: g = delta and
 *    g = diag(1.3, 0.9, 1.1, 0.8), random SU(2) links, 10 steps;
 *  - T4 with the drag: 10 coupled steps (kappa = 1, random non-diagonal
 *    metric) from U and from a random gauge transform U^Lambda give the same
 *    metric and Lambda U_A = U_B (1e-12), and the same gauge-invariant
 *    observables (solver observables incl. S_hybrid, plaquette; 1e-12
 *    relative), periodic and open in t;
 *  - not a no-op, and the formula: one step h = 1e-4 from random links on a
 *    frozen random metric, log(U_on U_off^dagger)/h equals
 *    W^nu F_nu,mu at the start to O(h) (max deviation <= 1e-3 of max |W F|,
 *    W from the metric's jet, F from ym_curv_clover), and the two flows
 *    differ after 10 steps; drag without deturck is refused;
 *  - with --mpi (grid from --grid): 6 coupled steps with the drag, random
 *    links and metric, periodic and open in t, give the metric, the links and
 *    the observables of one rank alone (1e-12 relative). */
#include "common.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>

#include "ym_curv.h"
#include "ym_metric.h"
#include "ym_ricci.h"
#include "ym_rym.h"
#include "rym_common.h"

static int make_solver(ym_solver **s, ym_gauge *u, double eps, const char *metric, double kappa, int mflow, int drag,
                       int deturck)
{
    return rym_test_solver(s, u, eps, metric, kappa, deturck, 0, mflow, drag);
}

/* Flow the same random links with drag off and on; max |difference| of the
 * links and of the metrics after nsteps. */
static int on_off(const char *metric, double kappa, int mflow, int nsteps, double *du, double *dg)
{
    const int L[4] = {4, 4, 4, 4};
    test_lat a, b;
    ym_solver *sa = NULL, *sb = NULL;
    int st = test_lat_create(&a, MPI_COMM_SELF, L, NULL, 1, NULL, 2);
    if (!st) st = test_lat_create(&b, MPI_COMM_SELF, L, NULL, 1, NULL, 2);
    if (!st) st = ym_gauge_set_random(a.u, 17);
    if (!st) st = ym_gauge_set_random(b.u, 17);
    if (!st) st = make_solver(&sa, a.u, 0.01, metric, kappa, mflow, 0, 1);
    if (!st) st = make_solver(&sb, b.u, 0.01, metric, kappa, mflow, 1, 1);
    if (!st) st = ym_solver_advance(sa, a.u, 0.01 * nsteps);
    if (!st) st = ym_solver_advance(sb, b.u, 0.01 * nsteps);
    *du = st ? 1 : test_field_maxdiff(ym_gauge_field(a.u), ym_gauge_field(b.u));
    *dg = st ? 1 : test_field_maxdiff(ym_rym_metric(sa), ym_rym_metric(sb));
    if (st) tap_diag("%s: %s", metric, ym_errmsg());
    ym_solver_free(sa);
    ym_solver_free(sb);
    test_lat_free(&a);
    test_lat_free(&b);
    return st;
}

static void test_flat(void)
{
    double du, dg;
    int st = on_off("flat", 0, 1, 10, &du, &dg);
    tap_ok(!st && du == 0 && dg == 0, "g = delta, kappa = 0: drag on = drag off bit for bit after 10 steps");
    st = on_off("diag:1.3,0.9,1.1,0.8", 0, 1, 10, &du, &dg);
    tap_ok(!st && du == 0 && dg == 0, "g = diag, kappa = 0: drag on = drag off bit for bit after 10 steps");
    st = on_off("diag:1.3,0.9,1.1,0.8", 1, 0, 10, &du, &dg);
    tap_ok(!st && du == 0 && dg == 0, "g = diag frozen, kappa = 1: drag on = drag off bit for bit after 10 steps");
    st = on_off("random:5,0.3,0.4", 1, 1, 10, &du, &dg);
    tap_ok(!st && du > 1e-4 && dg > 0,
           "random metric: the drag changes the flow (10 steps: |dU| = %.2e, |dg| = %.2e)", du, dg);
}

/* One step h from random links on a frozen random metric: the drag's
 * contribution to the link velocity, log(U_on U_off^dagger)/h, against
 * W^nu F_nu,mu at the start. */
static void test_formula(void)
{
    const int L[4] = {4, 4, 4, 4}, N = 2, nn = 4;
    const double h = 1e-4;
    test_lat a, b;
    ym_solver *sa = NULL, *sb = NULL;
    ym_field *F = NULL;
    ym_ricci *r = NULL;
    int st = test_lat_create(&a, MPI_COMM_SELF, L, NULL, 1, NULL, N);
    if (!st) st = test_lat_create(&b, MPI_COMM_SELF, L, NULL, 1, NULL, N);
    if (!st) st = ym_gauge_set_random(a.u, 23);
    if (!st) st = ym_gauge_set_random(b.u, 23);
    if (!st) st = make_solver(&sa, a.u, h, "random:8,0.3,0.4", 1, 0, 0, 1);
    if (!st) st = make_solver(&sb, b.u, h, "random:8,0.3,0.4", 1, 0, 1, 1);
    if (!st) st = ym_field_create(&F, a.geom, 6 * 2 * nn);
    if (!st) st = ym_curv_clover(a.u, F);
    if (!st) st = ym_ricci_create(&r, a.geom, 1);
    if (!st) st = ym_field_halo_update(ym_rym_metric(sa));
    double dev = 0, mx = 0;
    int nbad = 0;
    if (!st) {
        /* the expected drag D_mu(x) = W^nu F_nu,mu, before the step */
        const int *in = ym_geom_interior(a.geom);
        int n = ym_geom_ninterior(a.geom);
        ym_cplx *D = calloc((size_t)n * 4 * nn, sizeof *D);
        for (int i = 0; i < n && D; ++i) {
            ym_ricci_jet jet;
            ym_ricci_geo geo;
            ym_ricci_jet_at(r, ym_rym_metric(sa), in[i], &jet);
            if (!ym_ricci_eval(&jet, &geo)) ++nbad;
            const ym_cplx *f = (const ym_cplx *)ym_field_site(F, in[i]);
            for (int mu = 0; mu < 4; ++mu)
                for (int nu = 0; nu < 4; ++nu) {
                    if (nu == mu) continue;
                    int p = 0, sgn = nu < mu ? 1 : -1; /* F_nu,mu = +-F of plane (min, max) */
                    while (!((ym_plane_mu[p] == (nu < mu ? nu : mu)) && ym_plane_nu[p] == (nu < mu ? mu : nu))) ++p;
                    ym_su_axpy(N, D + ((size_t)i * 4 + (size_t)mu) * nn, sgn * geo.W[nu], f + p * nn);
                }
        }
        st = D ? ym_solver_advance(sa, a.u, h) : YM_ENOMEM;
        if (!st) st = ym_solver_advance(sb, b.u, h);
        for (int i = 0; i < n && !st; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                ym_cplx m[4], lg[4];
                const ym_cplx *d = D + ((size_t)i * 4 + (size_t)mu) * nn;
                ym_su_mul_nd(N, m, ym_gauge_link_at(ym_field_data(ym_gauge_field(b.u)), N, in[i], mu),
                             ym_gauge_link_at(ym_field_data(ym_gauge_field(a.u)), N, in[i], mu));
                if (ym_su_log(N, lg, m)) ++nbad;
                for (int c = 0; c < nn; ++c) {
                    dev = fmax(dev, cabs(lg[c] / h - d[c]));
                    mx = fmax(mx, cabs(d[c]));
                }
            }
        free(D);
    }
    tap_ok(!st && !nbad && mx > 1e-2 && dev <= 1e-3 * mx,
           "one step h = 1e-4, frozen random metric: log(U_on U_off^+)/h = W^nu F_nu,mu to %.1e (max |W F| = %.2e)",
           dev, mx);
    ym_ricci_free(r);
    ym_field_free(F);
    ym_solver_free(sa);
    ym_solver_free(sb);
    test_lat_free(&a);
    test_lat_free(&b);
    sa = NULL;
    st = test_lat_create(&a, MPI_COMM_SELF, L, NULL, 1, NULL, N);
    int e = st ? st : make_solver(&sa, a.u, 0.01, "random:8,0.3,0.4", 1, 1, 1, 0);
    tap_ok(e == YM_EINVAL && strstr(ym_errmsg(), "deturck"), "drag=1 with deturck=0 is refused: %s", ym_errmsg());
    ym_error_clear();
    ym_solver_free(sa);
    test_lat_free(&a);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    ym_init();
    int mpi = 0;
    for (int i = 1; i < argc; ++i)
        if (!strcmp(argv[i], "--mpi")) mpi = 1;
    if (mpi) rym_test_grid(argc, argv, 1, 2);
    else {
        test_flat();
        test_formula();
        rym_test_covariance(1, 10);
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
