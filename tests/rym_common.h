/* Shared by the rym tests (after common.h): a "rym" solver with the given
 * parameters, and the gauge-covariance check T4 through it. */
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

#endif
