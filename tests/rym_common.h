/* Shared by the rym tests (after common.h): a "rym" solver with the given
 * parameters, and the checks both rym test programs make through it: gauge
 * covariance (T4) and process-grid independence. */
#ifndef YM_TEST_RYM_COMMON_H
#define YM_TEST_RYM_COMMON_H

#include <math.h>
#include <stdio.h>

#include "ym_rym.h"
#include "ym_solver.h"

static inline int rym_test_solver(ym_solver **s, ym_gauge *u, double eps, const char *metric, double kappa,
                                  int deturck, int clover, int mflow, int drag)
{
    const ym_solver_type *t = ym_solver_find("rym");
    if (!t) return YM_EINVAL;
    static ym_solver_opts o;
    ym_solver_opts_default(&o);
    o.eps = eps;
    o.have_par = 1;
    o.par[YM_RYM_KAPPA] = kappa;
    o.par[YM_RYM_DETURCK] = deturck;
    o.par[YM_RYM_CLOVER] = clover;
    o.par[YM_RYM_METRIC_FLOW] = mflow;
    o.par[YM_RYM_DRAG] = drag;
    o.have_spar = 1;
    snprintf(o.spar[0], sizeof o.spar[0], "%s", metric);
    return ym_solver_create(s, t, &o, u);
}

/* Relative difference of the solver observables and the plaquette. */
static inline double rym_test_obs_diff(ym_solver *sa, ym_gauge *ua, ym_solver *sb, ym_gauge *ub, int *st)
{
    double va[32], vb[32], w = 0;
    ym_plaquette pa, pb;
    if (!*st) *st = ym_solver_observe(sa, ua, va);
    if (!*st) *st = ym_solver_observe(sb, ub, vb);
    if (!*st) *st = ym_gauge_plaquette(ua, &pa);
    if (!*st) *st = ym_gauge_plaquette(ub, &pb);
    if (*st) return 1;
    for (int i = 0; i < ym_solver_type_nobs(ym_solver_get_type(sa)); ++i) w = fmax(w, tap_reldiff(va[i], vb[i]));
    return fmax(w, tap_reldiff(pa.total, pb.total));
}

/* RYM.md T4 through the solver, periodic and open in t: nsteps coupled steps
 * (eps 0.01, random metric) from U and from U^Lambda give Lambda U_A = U_B,
 * the same metric and the same observables to 1e-12. */
static inline void rym_test_covariance(int drag, int nsteps)
{
    const int L[4] = {4, 4, 4, 4}, open_t[4] = {0, 0, 0, 1};
    for (int b = 0; b < 2; ++b) {
        test_lat t;
        ym_solver *sa = NULL, *sb = NULL;
        ym_gauge *w = NULL;
        ym_field *lam = NULL;
        int st = test_lat_create(&t, MPI_COMM_SELF, L, NULL, 1, b ? open_t : NULL, 2);
        if (!st) st = ym_gauge_set_random(t.u, 31);
        if (!st) st = ym_gauge_create(&w, t.geom, 2);
        if (!st) st = ym_gauge_copy(w, t.u);
        if (!st) st = ym_gauge_random_transform(&lam, w, 6);
        if (!st) st = ym_gauge_transform(w, lam);
        if (!st) st = rym_test_solver(&sa, t.u, 0.01, "random:4,0.3,0.4", 1, 1, 0, 1, drag);
        if (!st) st = rym_test_solver(&sb, w, 0.01, "random:4,0.3,0.4", 1, 1, 0, 1, drag);
        if (!st) st = ym_solver_advance(sa, t.u, 0.01 * nsteps);
        if (!st) st = ym_solver_advance(sb, w, 0.01 * nsteps);
        double dobs = rym_test_obs_diff(sa, t.u, sb, w, &st);
        if (!st) st = ym_gauge_transform(t.u, lam); /* Lambda U_A, to compare with U_B */
        double du = st ? 1 : test_field_maxdiff(ym_gauge_field(t.u), ym_gauge_field(w));
        double dg = st ? 1 : test_field_maxdiff(ym_rym_metric(sa), ym_rym_metric(sb));
        tap_ok(!st && du <= 1e-12 && dg <= 1e-12 && dobs <= 1e-12 && ym_solver_steps(sa) == nsteps,
               "T4%s, %s: %d coupled steps from U and U^Lambda: |dg| = %.1e, |Lambda U_A - U_B| = %.1e, observables "
               "rel %.1e (<= 1e-12)%s%s",
               drag ? " with drag" : "", b ? "open in t" : "periodic", nsteps, dg, du, dobs, st ? ": " : "",
               st ? ym_errmsg() : "");
        ym_field_free(lam);
        ym_gauge_free(w);
        ym_solver_free(sa);
        ym_solver_free(sb);
        test_lat_free(&t);
    }
}

/* One rank's field against the distributed one, on the distributed interior:
 * max |difference| relative to the largest entry. */
static inline double rym_test_dist_maxrel(ym_field *a, ym_field *self)
{
    const ym_geom *ga = ym_field_geom(a), *gs = ym_field_geom(self);
    const int *in = ym_geom_interior(ga);
    size_t nc = ym_field_ncomp(a);
    double m = 0, sc = 0;
    for (int i = 0; i < ym_geom_ninterior(ga); ++i) {
        int x[4];
        ym_geom_global_coords(ga, in[i], x);
        const double *p = ym_field_site(a, in[i]), *q = ym_field_site(self, ym_geom_index(gs, x));
        for (size_t c = 0; c < nc; ++c) {
            m = fmax(m, fabs(p[c] - q[c]));
            sc = fmax(sc, fabs(q[c]));
        }
    }
    return sc > 0 ? m / sc : m;
}

/* Process-grid independence (run under mpirun with --grid): 6 coupled steps
 * on 4x4x6x6, periodic and open in t, SU(2) .. SU(nmax), against one rank:
 * links, metric and observables to 1e-12 relative. */
static inline void rym_test_grid(int argc, char **argv, int drag, int nmax)
{
    int pd[4], one[4] = {1, 1, 1, 1};
    test_grid_arg(argc, argv, pd);
    const int L[4] = {4, 4, 6, 6}, open_t[4] = {0, 0, 0, 1};
    for (int N = 2; N <= nmax; ++N)
        for (int b = 0; b < 2; ++b) {
            test_lat t, s1;
            ym_solver *a = NULL, *c = NULL;
            int st = test_lat_create(&t, MPI_COMM_WORLD, L, pd, 1, b ? open_t : NULL, N);
            if (!st) st = test_lat_create(&s1, MPI_COMM_SELF, L, one, 1, b ? open_t : NULL, N);
            if (!st) st = ym_gauge_set_random(t.u, 21);
            if (!st) st = ym_gauge_set_random(s1.u, 21);
            if (!st) st = rym_test_solver(&a, t.u, 0.02, "random:9,0.3,0.4", 1, 1, 0, 1, drag);
            if (!st) st = rym_test_solver(&c, s1.u, 0.02, "random:9,0.3,0.4", 1, 1, 0, 1, drag);
            if (!st) st = ym_solver_advance(a, t.u, 0.12);
            if (!st) st = ym_solver_advance(c, s1.u, 0.12);
            double va[32], vc[32], worst = 0;
            if (!st) st = ym_solver_observe(a, t.u, va);
            if (!st) st = ym_solver_observe(c, s1.u, vc);
            if (!st) {
                worst = fmax(rym_test_dist_maxrel(ym_rym_metric(a), ym_rym_metric(c)),
                             rym_test_dist_maxrel(ym_gauge_field(t.u), ym_gauge_field(s1.u)));
                for (int i = 0; i < ym_solver_type_nobs(ym_solver_get_type(a)); ++i)
                    worst = fmax(worst, tap_reldiff(va[i], vc[i]));
            }
            MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
            st = ym_status_agree(MPI_COMM_WORLD, st);
            tap_ok(!st && worst <= 1e-12, "SU(%d)%s, %s: 6 coupled steps on the process grid = one rank (rel %.1e)%s%s",
                   N, drag ? " with drag" : "", b ? "open in t" : "periodic", worst, st ? ": " : "",
                   st ? ym_errmsg() : "");
            ym_solver_free(a);
            ym_solver_free(c);
            test_lat_free(&t);
            test_lat_free(&s1);
        }
}

#endif
