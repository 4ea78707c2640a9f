/* Physics oracles for the improved charge, over-improvement and instantons
 * under flow (THEORY.md C.3, C.4, D.3, D.4, G).
 *
 * Oracles:
 *  - coefficient identities of the 3-loop, 5-loop (Bilson-Thompson et al.)
 *    and 5Li schemes in exact integer arithmetic: normalised weights w_i
 *    (k_i m_i n_i, resp. c_i) satisfy sum w = 1, sum w (m^2+n^2) = 0,
 *    sum w (m^4+n^4) = 0, sum w m^2 n^2 = 0 (C.3, C.4 DER);
 *  - BPST instanton on an open box (D.3 method: lattice sum minus the
 *    continuum density summed over the same sites): the improved Q and S
 *    artefacts are O(a^4): below 2e-3 at rho = 4 and 5e-4 at rho = 6, and
 *    at least 20x smaller than the clover ones (clover: -4.9e-2, -2.2e-2);
 *  - gauge invariance of the improved Q and S (1e-12 relative);
 *  - the improved charge of the same field on a depth-3 geometry equals
 *    that computed through the internal depth-3 copy (1e-13);
 *  - over-improved action (C.1) on the open box, D.3 method with 1x1 and
 *    2x2 loops: S(eps)/8pi^2 - 1 = -eps x/5 + (4 - 5 eps) x^2/70 for
 *    eps = 1, 0, -1 at rho = 4, 6, tolerance twice the x^3 term
 *    0.03 |21 eps - 20| x^3 (+1e-5);
 *  - D.4: Wilson flow (RK3, eps = 0.1) shrinks a rho = 2 periodic instanton
 *    (L = 10) and loses it (|Q_clover| < 0.2 by t = 12); the eps = -1
 *    over-improved flow does not shrink it (rho_peak = (48/s_peak)^(1/4)
 *    and Q_clover do not decrease up to t = 2);
 *  - after Wilson flow to t = 1 the improved charge of a rho = 4 instanton
 *    on a periodic 16^4 lattice is within 0.01 of 1 (all three schemes).
 */
#include "common.h"

#include <math.h>

#include "ym_improved.h"
#include "ym_integrator.h"

static const double S0 = 8 * M_PI * M_PI;

static void identities(void)
{
    const char *nm[3] = {"3-loop", "5-loop", "5Li"};
    for (int s = 0; s < 3; ++s) {
        long w[5], s0 = 0, s2 = 0, s4 = 0, s22 = 0;
        for (int i = 0; i < 5; ++i) {
            long m = ym_qimp_m[i], n = ym_qimp_n[i];
            w[i] = s == YM_QIMP_5LI ? ym_qimp_num[s][i] : ym_qimp_num[s][i] * m * n;
            s0 += w[i];
            s2 += w[i] * (m * m + n * n);
            s4 += w[i] * (m * m * m * m + n * n * n * n);
            s22 += w[i] * m * m * n * n;
        }
        tap_ok(s0 == ym_qimp_den[s] && s2 == 0 && s4 == 0 && s22 == 0,
               "%s weights (exact): sum w = %ld/%ld, sum w(m^2+n^2) = %ld, sum w(m^4+n^4) = %ld, sum w m^2n^2 = %ld",
               nm[s], s0, ym_qimp_den[s], s2, s4, s22);
    }
    /* the tables are the published rationals */
    tap_ok(ym_qimp_num[0][0] * 9 == 19 * 180 && ym_qimp_num[0][1] * 36 == 180 && ym_qimp_num[0][2] * 45 == -32 * 180 &&
               ym_qimp_num[0][3] * 15 == 180 && ym_qimp_num[0][4] == 0,
           "3-loop k = (19/9, 1/36, -32/45, 1/15, 0)");
    tap_ok(ym_qimp_num[1][0] * 2 == 3 * 180 && ym_qimp_num[1][1] * 4 * 5 == -3 * 180 && ym_qimp_num[1][4] * 9 * 10 == 180,
           "5-loop normalised weights (3/2, -3/5, 0, 0, 1/10)");
    tap_ok(ym_qimp_num[2][0] * 36 == 65 * 180 && ym_qimp_num[2][1] * 45 == -11 * 180 &&
               ym_qimp_num[2][2] * 45 == -32 * 180 && ym_qimp_num[2][3] * 10 == 180 && ym_qimp_num[2][4] * 20 == 180,
           "5Li c = (65/36, -11/45, -32/45, 1/10, 1/20)");
}

/* D.3 open-box artefacts of the improved charge and action. */
static void bpst_box(const int pd[4], double rho, int L, double tolq)
{
    int open[4] = {1, 1, 1, 1}, Ls[4] = {L, L, L, L};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_WORLD, Ls, pd, 1, open, 2)) {
        tap_ok(0, "rho %g: set-up", rho);
        return;
    }
    ym_instanton o;
    ym_instanton_default(&o, Ls);
    o.rho = rho;
    int st = ym_instanton_set(t.u, &o, 1);
    ym_field *F, *qc, *Ec;
    ym_field_create(&qc, t.geom, 1);
    ym_field_create(&Ec, t.geom, 1);
    ym_field_create(&F, t.geom, 12 * 4);
    if (!st) st = ym_curv_clover(t.u, F);
    if (!st) st = ym_curv_densities(t.u, F, Ec, qc);
    const int *in = ym_geom_interior(t.geom);
    double Qi[3], Si[3];
    if (!st) st = ym_curv_charge_improved_all(t.u, Qi, Si);
    /* the improved densities are 0 outside x_mu in [3, L-4]: sum the continuum and clover over those sites */
    ym_sum acc[3] = {YM_SUM_INIT, YM_SUM_INIT, YM_SUM_INIT};
    for (int i = 0; i < ym_geom_ninterior(t.geom) && !st; ++i) {
        int G[4], ok = 1;
        ym_geom_global_coords(t.geom, in[i], G);
        for (int m = 0; m < 4; ++m) ok &= G[m] >= 3 && G[m] <= L - 4;
        if (!ok) continue;
        double c[4] = {G[0], G[1], G[2], G[3]};
        ym_sum_add(&acc[0], ym_instanton_action_density(&o, c));
        ym_sum_add(&acc[1], *ym_field_site(qc, in[i]));
        ym_sum_add(&acc[2], *ym_field_site(Ec, in[i]));
    }
    double v[3] = {0, 0, 0};
    if (!st) st = ym_sum_allreduce_n(acc, 3, MPI_COMM_WORLD, v);
    double cont = v[0] / S0, dqc = v[1] - cont, dsc = v[2] / S0 - cont;
    for (int sc = 0; sc < 3 && !st; ++sc) {
        double dq = Qi[sc] - cont, ds = Si[sc] / S0 - cont;
        const char *nm[3] = {"3-loop", "5-loop", "5Li"};
        tap_ok(fabs(dq) < tolq && fabs(dq) < fabs(dqc) / 20,
               "rho %g L=%d %s: Q artefact %.3e (clover %.3e; tol %.0e, 20x smaller); Q = %.6f on a box holding %.6f",
               rho, L, nm[sc], dq, dqc, tolq, Qi[sc], cont);
        tap_ok(fabs(ds) < tolq && fabs(ds) < fabs(dsc) / 20, "rho %g L=%d %s: S/8pi^2 artefact %.3e (clover %.3e; tol %.0e)",
               rho, L, nm[sc], ds, dsc, tolq);
    }
    tap_ok(st == YM_OK, "rho %g: improved densities computed", rho);
    ym_field_free(qc);
    ym_field_free(Ec);
    ym_field_free(F);
    test_lat_free(&t);
}

/* Gauge invariance, and depth-1 vs depth-3 geometry. */
static void invariance(const int pd[4])
{
    int L[4] = {8, 8, 8, 8};
    test_lat a, b;
    if (test_lat_create(&a, MPI_COMM_WORLD, L, pd, 1, NULL, 3) || test_lat_create(&b, MPI_COMM_WORLD, L, pd, 3, NULL, 3)) {
        tap_ok(0, "invariance set-up");
        return;
    }
    ym_instanton o;
    ym_instanton_default(&o, L);
    o.rho = 2.5;
    ym_instanton_set(a.u, &o, 1);
    {
        const int *ia = ym_geom_interior(a.geom), *ib = ym_geom_interior(b.geom);
        for (int i = 0; i < ym_geom_ninterior(a.geom); ++i)
            for (int mu = 0; mu < 4; ++mu) ym_su_copy(3, ym_gauge_link(b.u, ib[i], mu), ym_gauge_link(a.u, ia[i], mu));
        ym_gauge_halo_update(b.u);
    }
    for (int sc = 0; sc < 3; ++sc) {
        double Q0, S0_, Q1, S1, Q2, S2;
        int st = ym_curv_charge_improved(a.u, sc, &Q0, &S0_);
        if (!st) st = ym_curv_charge_improved(b.u, sc, &Q2, &S2);
        ym_field *lam = NULL;
        if (!st) st = ym_gauge_random_transform(&lam, a.u, 99 + (unsigned long)sc);
        if (!st) st = ym_gauge_transform(a.u, lam);
        if (!st) st = ym_curv_charge_improved(a.u, sc, &Q1, &S1);
        ym_field_free(lam);
        tap_ok(!st && fabs(Q1 - Q0) < 1e-12 * fabs(Q0) && fabs(S1 - S0_) < 1e-12 * S0_,
               "scheme %d: gauge invariant Q (%.2e) and S (%.2e); Q = %.6f, S = %.6f", sc, fabs(Q1 - Q0), fabs(S1 - S0_),
               Q0, S0_);
        tap_ok(!st && fabs(Q2 - Q0) < 1e-13 && fabs(S2 - S0_) < 1e-13 * S0_,
               "scheme %d: depth-3 field gives the same Q, S as the internal copy (%.1e, %.1e)", sc, Q2 - Q0, S2 - S0_);
    }
    test_lat_free(&a);
    test_lat_free(&b);
}

/* D.3 method for the over-improved 1x1 + 2x2 action S(eps) (C.1). */
static void overimproved_box(const int pd[4], double rho, int L)
{
    int open[4] = {1, 1, 1, 1}, Ls[4] = {L, L, L, L};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_WORLD, Ls, pd, 2, open, 2)) {
        tap_ok(0, "rho %g: set-up", rho);
        return;
    }
    ym_instanton o;
    ym_instanton_default(&o, Ls);
    o.rho = rho;
    int st = ym_instanton_set(t.u, &o, 1);
    ym_loop_set l11 = {1, {1}, {1}, {1.0}}, l22 = {1, {2}, {2}, {1.0}};
    double L11 = 0, L22 = 0;
    if (!st) st = ym_loop_action_value(&l11, t.u, &L11);
    if (!st) st = ym_loop_action_value(&l22, t.u, &L22);
    /* continuum: one plane's density at the centre of every loop present */
    ym_sum acc[2] = {YM_SUM_INIT, YM_SUM_INIT};
    const int *in = ym_geom_interior(t.geom);
    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i) {
        int G[4];
        ym_geom_global_coords(t.geom, in[i], G);
        for (int p = 0; p < 6; ++p) {
            int mu = ym_plane_mu[p], nu = ym_plane_nu[p];
            for (int k = 1; k <= 2; ++k) {
                if (G[mu] + k > L - 1 || G[nu] + k > L - 1) continue;
                double c[4] = {G[0], G[1], G[2], G[3]};
                c[mu] += 0.5 * k;
                c[nu] += 0.5 * k;
                ym_sum_add(&acc[k - 1], ym_instanton_action_density(&o, c) / 6.0);
            }
        }
    }
    double v[2] = {0, 0};
    ym_sum_allreduce_n(acc, 2, MPI_COMM_WORLD, v);
    double x = 1 / (rho * rho);
    for (int e = 1; e >= -1 && !st; --e) {
        double eps = e;
        double d = ((4 - eps) / 3 * (L11 - v[0]) + (eps - 1) / 3 * (L22 / 16 - v[1])) / S0;
        double want = -eps * x / 5 + (4 - 5 * eps) * x * x / 70;
        /* x^3 term c6 (21 eps - 20) x^3 with c6 ~ 0.03 (THEORY C.1 NUM): allow twice that */
        double tol = 0.06 * fabs(21 * eps - 20) * x * x * x + 1e-5;
        tap_ok(fabs(d - want) < tol,
               "rho %g L=%d S(eps=%+g)/8pi^2 - 1 = %.6e vs -eps x/5 + (4-5eps) x^2/70 = %.6e (diff %.2e, tol %.1e from x^3)",
               rho, L, eps, d, want, d - want, tol);
    }
    tap_ok(st == YM_OK, "rho %g: over-improved sums computed", rho);
    test_lat_free(&t);
}

/* D.4: Wilson flow shrinks and loses a small periodic instanton; the
 * eps = -1 over-improved flow does not shrink it. */
static void flow_shrink(const int pd[4])
{
    int Ls[4] = {10, 10, 10, 10};
    for (int kind = 0; kind < 2; ++kind) {
        test_lat t;
        if (test_lat_create(&t, MPI_COMM_WORLD, Ls, pd, 2, NULL, 2)) return;
        ym_instanton o;
        ym_instanton_default(&o, Ls);
        o.rho = 2.0;
        o.singular = 1;
        ym_flow_work *w = NULL;
        int st = ym_instanton_set(t.u, &o, 1);
        if (!st) st = ym_flow_work_create(&w, t.u);
        const ym_action_type *a = ym_action_find(kind ? "overimproved" : "wilson");
        double par = -1.0, Q = 0, E = 0, r0 = test_rho_peak(t.u), r1 = r0, tt = 0, tlost = -1, rmin = r0;
        double eps = 0.1, tmax = kind ? 2.0 : 12.0;
        ym_curv_clover_totals(t.u, &E, &Q);
        double Q0 = Q;
        while (!st && tt < tmax - 1e-9) {
            for (int i = 0; i < 5 && !st; ++i) st = ym_flow_step(t.u, a, kind ? &par : NULL, ym_integrator_find("rk3"), eps, w);
            tt += 5 * eps;
            if (!st) st = ym_curv_clover_totals(t.u, &E, &Q);
            r1 = test_rho_peak(t.u);
            if (r1 < rmin) rmin = r1;
            if (kind == 0 && tlost < 0 && fabs(Q) < 0.2) tlost = tt;
            tap_diag("%s flow t = %.2f: Q_clover = %.4f, S_clov/8pi^2 = %.4f, rho_peak = %.3f", kind ? "over-improved" : "Wilson",
                     tt, Q, E / S0, r1);
            if (tlost > 0) break;
        }
        if (kind == 0)
            tap_ok(!st && tlost > 0, "Wilson flow, L=10, rho0=2 (rho_peak %.3f, Q %.3f): instanton shrinks and is lost (|Q_clover| < 0.2) at t = %.1f",
                   r0, Q0, tlost);
        else
            tap_ok(!st && r1 >= r0 - 0.02 && Q > Q0 - 0.01,
                   "L=10, rho0=2, over-improved (eps=-1) flow to t = %.1f: rho_peak %.3f -> %.3f (min %.3f; does not shrink), Q_clover %.4f -> %.4f",
                   tt, r0, r1, rmin, Q0, Q);
        ym_flow_work_free(w);
        test_lat_free(&t);
    }
}

/* After a short flow (Wilson, t = 1: rho^4 changes by ~1 of 256, while the
 * seam of the wrapped field relaxes) the improved charge of an isolated
 * rho = 4 instanton (periodic L = 16) is within 0.01 of 1. */
static void flowed_charge(const int pd[4])
{
    int Ls[4] = {16, 16, 16, 16};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_WORLD, Ls, pd, 2, NULL, 2)) return;
    ym_instanton o;
    ym_instanton_default(&o, Ls);
    o.rho = 4.0;
    o.singular = 1;
    ym_flow_work *w = NULL;
    int st = ym_instanton_set(t.u, &o, 1);
    if (!st) st = ym_flow_work_create(&w, t.u);
    double Qi[3], Si[3], Qc = 0, E = 0, tt = 0;
    if (!st) st = ym_curv_charge_improved_all(t.u, Qi, Si);
    if (!st) st = ym_curv_clover_totals(t.u, &E, &Qc);
    tap_diag("rho=4, L=16 at t = 0: improved Q = %.5f, %.5f, %.5f (3-loop, 5-loop, 5Li); clover Q %.5f", Qi[0], Qi[1], Qi[2], Qc);
    for (int i = 0; i < 10 && !st; ++i) {
        st = ym_flow_step(t.u, ym_action_find("wilson"), NULL, ym_integrator_find("rk3"), 0.1, w);
        tt += 0.1;
    }
    if (!st) st = ym_curv_charge_improved_all(t.u, Qi, Si);
    if (!st) st = ym_curv_clover_totals(t.u, &E, &Qc);
    for (int k = 0; k < 3 && !st; ++k)
        tap_ok(fabs(Qi[k] - 1) < 0.01, "rho=4, L=16 after Wilson flow to t = %.1f: improved Q[%s] = %.5f (S/8pi^2 %.5f; clover Q %.5f)", tt,
               k == 0 ? "3-loop" : k == 1 ? "5-loop" : "5Li", Qi[k], Si[k] / S0, Qc);
    tap_ok(st == YM_OK, "flowed charge computed");
    ym_flow_work_free(w);
    test_lat_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    int pd[4];
    test_grid_arg(argc, argv, pd);
    double t0 = MPI_Wtime();
    identities();
    invariance(pd);
    bpst_box(pd, 4.0, 20, 2e-3);
    tap_diag("improved rho 4: %.1f s", MPI_Wtime() - t0);
    t0 = MPI_Wtime();
    bpst_box(pd, 6.0, 22, 5e-4);
    tap_diag("improved rho 6: %.1f s", MPI_Wtime() - t0);
    t0 = MPI_Wtime();
    overimproved_box(pd, 4.0, 20);
    overimproved_box(pd, 6.0, 24);
    tap_diag("overimproved boxes %.1f s", MPI_Wtime() - t0);
    t0 = MPI_Wtime();
    flow_shrink(pd);
    tap_diag("flow_shrink %.1f s", MPI_Wtime() - t0);
    t0 = MPI_Wtime();
    flowed_charge(pd);
    tap_diag("flowed_charge %.1f s", MPI_Wtime() - t0);
    int r = tap_done();
    MPI_Finalize();
    return r;
}
