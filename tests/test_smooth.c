/* Smoothing: stout/APE smearing, cooling, Zeuthen flow, bs32.
 * Oracles:
 *  - stout = Euler flow (THEORY.md B.7): one stout step with rho equals one
 *    Euler step of the Wilson flow with eps = rho to 1e-12 (SU(2), SU(3),
 *    periodic and open-t), since i Q = P(rho C U^dag) = -rho P(U A) = rho Z;
 *  - APE and stout steps are gauge covariant (1e-12) and unitary;
 *  - cooling (Cabibbo-Marinari) never raises the action it minimises, sweep
 *    by sweep (Wilson, LW rectangle, over-improved eps = -1; SU(2), SU(3));
 *    SU(2) cooling is gauge covariant (1e-12; for SU(N > 2) the fixed
 *    subgroups break covariance, so it is not tested);
 *  - Zeuthen flow: gauge covariant, a quantised abelian flux is stationary,
 *    its force differs from the LW force by (1/12) a^2 nabla* nabla Z
 *    (checked against a direct evaluation), rk3 and bs32 Zeuthen flows agree
 *    to O(eps^3);
 *  - THEORY C.1: Wilson cooling loses a rho = 2 instanton on a periodic 12^4
 *    lattice (|Q_clover| < 0.2 within 60 sweeps), eps = -1 over-improved
 *    cooling keeps it (Q_clover and rho_peak = (48/s_peak)^(1/4) do not
 *    decrease over 10 sweeps);
 *  - THEORY B.6: n_c = 12 cooling sweeps of a rough field reach the Wilson
 *    action of the flow of the same action at tau with n_c/tau within 25%
 *    of 3 - 15 c1 (Wilson 3, LW 4.25);
 *  - with --mpi: cooling (2- and 8-colour), stout, APE and the Zeuthen flow
 *    give the same field on the --grid process grid as rank 0 alone (1e-12),
 *    and so do the improved charges and actions (1e-12 relative).
 */
#include "common.h"

#include <math.h>

#include "ym_cool.h"
#include "ym_improved.h"
#include "ym_integrator.h"
#include "ym_smear.h"

static double link_maxdiff(ym_gauge *a, ym_gauge *b)
{
    int N = ym_gauge_N(a);
    const ym_geom *g = ym_gauge_geom(a);
    const int *in = ym_geom_interior(g);
    double m = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            if (!(ym_geom_flags(g, in[i]) & YM_GEOM_LINK(mu))) continue;
            double d = ym_su_maxdiff(N, ym_gauge_link(a, in[i], mu), ym_gauge_link(b, in[i], mu));
            if (d > m) m = d;
        }
    MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, ym_grid_comm(ym_geom_grid(g)));
    return m;
}

/* Rough but not random field: hot start + 4 stout steps rho = 0.05. */
static int rough(ym_gauge *u, unsigned long seed)
{
    int st = ym_gauge_set_random(u, seed);
    if (!st) st = ym_smear_stout(u, 0.05, 4);
    return st;
}

static void stout_euler(const int pd[4])
{
    const int L[4] = {4, 4, 4, 4}, open_t[4] = {0, 0, 0, YM_BC_OPEN};
    for (int N = 2; N <= 3; ++N)
        for (int b = 0; b < 2; ++b) {
            test_lat a, c;
            if (test_lat_create(&a, MPI_COMM_WORLD, L, pd, 1, b ? open_t : NULL, N) ||
                test_lat_create(&c, MPI_COMM_WORLD, L, pd, 1, b ? open_t : NULL, N))
                return;
            ym_flow_work *w = NULL;
            int st = ym_gauge_set_random(a.u, 17);
            if (!st) st = ym_gauge_set_random(c.u, 17); /* same field: per-site streams */
            if (!st) st = ym_flow_work_create(&w, c.u);
            if (!st) st = ym_smear_stout(a.u, 0.1, 1);
            if (!st) st = ym_flow_step(c.u, ym_action_find("wilson"), NULL, ym_integrator_find("euler"), 0.1, w);
            double d = link_maxdiff(a.u, c.u);
            tap_ok(!st && d < 1e-12, "SU(%d) %s: stout(rho = 0.1) = Euler Wilson flow step eps = 0.1 (%.2e)", N,
                   b ? "open-t" : "periodic", d);
            for (int k = 0; k < 3 && !st; ++k) {
                st = ym_smear_stout(a.u, 0.07, 1);
                if (!st) st = ym_flow_step(c.u, ym_action_find("wilson"), NULL, ym_integrator_find("euler"), 0.07, w);
            }
            d = link_maxdiff(a.u, c.u);
            tap_ok(!st && d < 1e-12, "SU(%d) %s: 3 more steps rho = eps = 0.07 agree (%.2e)", N, b ? "open-t" : "periodic",
                   d);
            ym_flow_work_free(w);
            test_lat_free(&a);
            test_lat_free(&c);
        }
}

typedef int (*smoother)(ym_gauge *u, int variant);

static int sm_stout(ym_gauge *u, int v) { return ym_smear_stout(u, 0.1, 2 + v); }
static int sm_ape(ym_gauge *u, int v) { return ym_smear_ape(u, 0.5, 2 + v); }
static int sm_coolw(ym_gauge *u, int v)
{
    ym_loop_set ls;
    ym_cool_loops_wilson(&ls);
    return ym_cool_sweeps(u, &ls, 2 + v);
}
static int sm_coolo(ym_gauge *u, int v)
{
    ym_loop_set ls;
    ym_cool_loops_overimproved(&ls, -1.0);
    return ym_cool_sweeps(u, &ls, 2 + v);
}
static int sm_coolr(ym_gauge *u, int v)
{
    ym_loop_set ls;
    ym_cool_loops_rectangle(&ls, -1.0 / 12);
    return ym_cool_sweeps(u, &ls, 2 + v);
}
static int sm_zeu(ym_gauge *u, int v)
{
    ym_flow_work *w = NULL;
    int st = ym_flow_work_create(&w, u);
    for (int i = 0; i < 2 + v && !st; ++i)
        st = ym_flow_step(u, &ym_action_zeuthen, NULL, ym_integrator_find("rk3"), 0.02, w);
    ym_flow_work_free(w);
    return st;
}

static const struct {
    const char *name;
    smoother f;
    int su3_covariant;
} smoothers[] = {
    {"stout", sm_stout, 1},         {"APE", sm_ape, 1},
    {"Wilson cooling", sm_coolw, 0}, {"over-improved cooling", sm_coolo, 0},
    {"LW cooling", sm_coolr, 0},     {"Zeuthen flow rk3", sm_zeu, 1},
};
enum { NSMOOTH = sizeof smoothers / sizeof smoothers[0] };

static void covariance(const int pd[4])
{
    const int L[4] = {4, 4, 4, 8};
    for (int N = 2; N <= 3; ++N)
        for (int k = 0; k < NSMOOTH; ++k) {
            if (N == 3 && !smoothers[k].su3_covariant) continue;
            test_lat a, b;
            if (test_lat_create(&a, MPI_COMM_WORLD, L, pd, 2, NULL, N) ||
                test_lat_create(&b, MPI_COMM_WORLD, L, pd, 2, NULL, N))
                return;
            ym_field *lam = NULL, *lamb = NULL;
            int st = rough(a.u, 5);
            if (!st) st = rough(b.u, 5);
            if (!st) st = ym_gauge_random_transform(&lam, a.u, 77);
            if (!st) st = ym_gauge_random_transform(&lamb, b.u, 77); /* the same transformation */
            if (!st) st = ym_gauge_transform(b.u, lamb);
            if (!st) st = smoothers[k].f(a.u, 0);
            if (!st) st = smoothers[k].f(b.u, 0);
            if (!st) st = ym_gauge_transform(a.u, lam);
            double d = link_maxdiff(a.u, b.u), un = 0, det = 0;
            ym_gauge_unitarity(b.u, &un, &det);
            if (st) tap_diag("%s", ym_errmsg());
            tap_ok(!st && d < 1e-12 && un < 1e-12 && det < 1e-12, "SU(%d) %s: gauge covariant (%.2e), unitary (%.1e, %.1e)",
                   N, smoothers[k].name, d, un, det);
            ym_field_free(lam);
            ym_field_free(lamb);
            test_lat_free(&a);
            test_lat_free(&b);
        }
}

static void cooling_monotone(const int pd[4])
{
    const int L[4] = {8, 8, 8, 8}, open_t[4] = {0, 0, 0, YM_BC_OPEN};
    for (int N = 2; N <= 3; ++N)
        for (int kind = 0; kind < 3; ++kind) {
            test_lat t;
            if (test_lat_create(&t, MPI_COMM_WORLD, L, pd, 2, kind == 2 ? open_t : NULL, N)) return;
            ym_loop_set ls;
            const char *nm[3] = {"Wilson", "over-improved eps=-1", "LW rectangle (open t)"};
            if (kind == 0) ym_cool_loops_wilson(&ls);
            else if (kind == 1) ym_cool_loops_overimproved(&ls, -1.0);
            else ym_cool_loops_rectangle(&ls, -1.0 / 12);
            double s0 = 0, s = 0, sprev, worst = -1e300;
            int st = ym_gauge_set_random(t.u, 31 + (unsigned long)N);
            if (!st) st = ym_loop_action_value(&ls, t.u, &s0);
            sprev = s0;
            for (int i = 0; i < 8 && !st; ++i) {
                st = ym_cool_sweeps(t.u, &ls, 1);
                if (!st) st = ym_loop_action_value(&ls, t.u, &s);
                if (s - sprev > worst) worst = s - sprev;
                sprev = s;
            }
            tap_ok(!st && worst <= 1e-10 * s0 && s < 0.5 * s0,
                   "SU(%d) %s cooling: action decreases every sweep (largest change %.3e), %.1f -> %.1f in 8 sweeps", N,
                   nm[kind], worst, s0, s);
            test_lat_free(&t);
        }
}

/* Zeuthen force = (5/6) Z + (1/12)(U Z(x+mu) U^dag + U(x-mu)^dag Z(x-mu) U(x-mu)), Z the LW force. */
static void zeuthen_checks(const int pd[4])
{
    const int L[4] = {4, 4, 4, 4};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_WORLD, L, pd, 2, NULL, 2)) return;
    ym_field *z = NULL, *zl = NULL;
    int N = 2, st = rough(t.u, 9);
    if (!st) st = ym_field_create(&z, t.geom, 8 * 4);
    if (!st) st = ym_field_create(&zl, t.geom, 8 * 4);
    if (!st) st = ym_action_force(&ym_action_zeuthen, NULL, t.u, z);
    if (!st) st = ym_action_force(ym_action_find("symanzik"), NULL, t.u, zl);
    if (!st) st = ym_field_halo_update(zl);
    double d = 0, dz = 0;
    const int *in = ym_geom_interior(t.geom);
    for (int i = 0; i < ym_geom_ninterior(t.geom) && !st; ++i)
        for (int mu = 0; mu < 4; ++mu) {
            int x = in[i], xp = ym_geom_up(t.geom, mu)[x], xm = ym_geom_dn(t.geom, mu)[x];
            ym_cplx r[4], a[4], b[4];
            const ym_cplx *U = ym_gauge_link(t.u, x, mu), *Um = ym_gauge_link(t.u, xm, mu);
            const ym_cplx *Z = ym_gauge_link_at(ym_field_data(zl), N, x, mu);
            ym_su_mul_nn(N, a, U, ym_gauge_link_at(ym_field_data(zl), N, xp, mu));
            ym_su_mul_nd(N, b, a, U);
            for (int j = 0; j < 4; ++j) r[j] = 5.0 / 6.0 * Z[j] + b[j] / 12.0;
            ym_su_mul_dn(N, a, Um, ym_gauge_link_at(ym_field_data(zl), N, xm, mu));
            ym_su_mul_nn(N, b, a, Um);
            for (int j = 0; j < 4; ++j) r[j] += b[j] / 12.0;
            d = fmax(d, ym_su_maxdiff(N, r, ym_gauge_link_at(ym_field_data(z), N, x, mu)));
            dz = fmax(dz, ym_su_maxdiff(N, Z, ym_gauge_link_at(ym_field_data(z), N, x, mu)));
        }
    MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &dz, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    tap_ok(!st && d < 1e-13 && dz > 1e-3, "Zeuthen force = (1 + nabla*nabla/12) LW force (%.2e; differs from LW by %.3f)",
           d, dz);
    /* rk3 vs bs32 Zeuthen flow to t = 0.2: both third order */
    test_lat t2;
    double e[2] = {0, 1};
    for (int k = 0; k < 2 && !st; ++k) {
        double eps = 0.05 / (1 << k);
        ym_flow_work *w = NULL;
        st = test_lat_create(&t2, MPI_COMM_WORLD, L, pd, 2, NULL, 2);
        if (!st) st = rough(t2.u, 9);
        ym_gauge *v = NULL;
        if (!st) st = ym_gauge_create(&v, t2.geom, 2);
        if (!st) st = ym_gauge_copy(v, t2.u);
        if (!st) st = ym_flow_work_create(&w, t2.u);
        for (int i = 0; !st && i < (int)lround(0.2 / eps); ++i) {
            st = ym_flow_step(t2.u, &ym_action_zeuthen, NULL, ym_integrator_find("rk3"), eps, w);
            if (!st) st = ym_flow_step(v, &ym_action_zeuthen, NULL, ym_integrator_find("bs32"), eps, w);
        }
        e[k] = link_maxdiff(t2.u, v);
        ym_flow_work_free(w);
        ym_gauge_free(v);
        test_lat_free(&t2);
    }
    tap_ok(!st && e[0] < 1e-3 && e[0] / e[1] > 5, "Zeuthen flow to t = 0.2: rk3 - bs32 = %.2e (eps 0.05), %.2e (0.025), ratio %.1f (O(eps^3): ~8)",
           e[0], e[1], e[0] / e[1]);
    ym_field_free(z);
    ym_field_free(zl);
    test_lat_free(&t);
}

/* THEORY C.1: Wilson cooling shrinks a small instanton until it falls
 * through the lattice (Q_clover -> 0); eps = -1 over-improved cooling keeps
 * it (Q_clover and rho_peak do not decrease). */
static void cooling_instanton(const int pd[4])
{
    int Ls[4] = {12, 12, 12, 12};
    for (int kind = 0; kind < 2; ++kind) {
        test_lat t;
        if (test_lat_create(&t, MPI_COMM_WORLD, Ls, pd, 2, NULL, 2)) return;
        ym_instanton o;
        ym_instanton_default(&o, Ls);
        o.rho = 2.0;
        o.singular = 1;
        ym_loop_set ls;
        if (kind) ym_cool_loops_overimproved(&ls, -1.0);
        else ym_cool_loops_wilson(&ls);
        int st = ym_instanton_set(t.u, &o, 1), n = 0, nlost = -1;
        double E = 0, Q = 0, r0 = test_rho_peak(t.u), r = r0;
        ym_curv_clover_totals(t.u, &E, &Q);
        double Q0 = Q;
        int nmax = kind ? 10 : 60;
        while (!st && n < nmax && nlost < 0) {
            st = ym_cool_sweeps(t.u, &ls, 5);
            n += 5;
            if (!st) st = ym_curv_clover_totals(t.u, &E, &Q);
            r = test_rho_peak(t.u);
            tap_diag("%s cooling n_c = %d: Q_clover %.4f, S_clov/8pi^2 %.4f, rho_peak %.3f", kind ? "over-improved" : "Wilson", n, Q,
                     E / (8 * M_PI * M_PI), r);
            if (fabs(Q) < 0.2) nlost = n;
        }
        if (kind == 0)
            tap_ok(!st && nlost > 0, "Wilson cooling, L=12, rho0=2 (Q_clover %.3f, rho_peak %.3f): instanton lost (|Q| < 0.2) after %d sweeps",
                   Q0, r0, nlost);
        else
            tap_ok(!st && Q > Q0 - 0.01 && r > r0 - 0.02,
                   "over-improved (eps=-1) cooling, %d sweeps: Q_clover %.4f -> %.4f, rho_peak %.3f -> %.3f (kept)", n, Q0, Q, r0, r);
        test_lat_free(&t);
    }
}

/* THEORY B.6: n_c cooling sweeps ~ flow time n_c / (3 - 15 c1), matched
 * by the Wilson action of a rough field (qualitative). */
static void cooling_vs_flow(const int pd[4])
{
    const int L[4] = {8, 8, 8, 8};
    double ratio[2] = {0, 0};
    const char *acts[2] = {"wilson", "symanzik"};
    for (int k = 0; k < 2; ++k) {
        double c1 = k ? -1.0 / 12 : 0;
        test_lat a, b;
        if (test_lat_create(&a, MPI_COMM_WORLD, L, pd, 2, NULL, 2) || test_lat_create(&b, MPI_COMM_WORLD, L, pd, 2, NULL, 2))
            return;
        ym_loop_set ls;
        ym_cool_loops_rectangle(&ls, c1);
        int nc = 12;
        double sc = 0, sf = 0, sprev = 0, tau = -1, tt = 0, eps = 0.01;
        int st = rough(a.u, 4242);
        if (!st) st = rough(b.u, 4242);
        if (!st) st = ym_cool_sweeps(a.u, &ls, nc);
        if (!st) st = ym_gauge_wilson_action(a.u, &sc);
        ym_flow_work *w = NULL;
        if (!st) st = ym_flow_work_create(&w, b.u);
        if (!st) st = ym_gauge_wilson_action(b.u, &sprev);
        while (!st && tt < 10 && tau < 0) {
            st = ym_flow_step(b.u, ym_action_find(acts[k]), NULL, ym_integrator_find("rk3"), eps, w);
            tt += eps;
            if (!st) st = ym_gauge_wilson_action(b.u, &sf);
            if (sf <= sc) tau = tt - eps * (sc - sf) / (sprev - sf); /* linear interpolation */
            sprev = sf;
            if (tt > 0.5) eps = 0.05;
        }
        ratio[k] = tau > 0 ? nc / tau : 0;
        tap_diag("%s: %d cooling sweeps reach S_W = %.2f, the %s flow at tau = %.3f: n_c/tau = %.2f (THEORY B.6: %.2f)", acts[k], nc,
                 sc, acts[k], tau, ratio[k], 3 - 15 * c1);
        ym_flow_work_free(w);
        test_lat_free(&a);
        test_lat_free(&b);
        if (st) ratio[k] = 0;
    }
    tap_ok(fabs(ratio[0] / 3 - 1) < 0.25 && fabs(ratio[1] / 4.25 - 1) < 0.25 && ratio[1] > ratio[0],
           "cooling vs flow (matched S_W, 12 sweeps, L=8 rough SU(2)): n_c/tau = %.2f (Wilson; 3 - 15 c1 = 3), %.2f (LW; 4.25), within 25%%",
           ratio[0], ratio[1]);
}

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

static void mpi_checks(const int pd[4])
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int L[4] = {4, 4, 8, 8}, one[4] = {1, 1, 1, 1}, open_t[4] = {0, 0, 0, YM_BC_OPEN};
    int N = 3;
    int64_t V = 4 * 4 * 8 * 8;
    size_t n = 8 * (size_t)N * N * (size_t)V;
    double *fw = malloc(n * sizeof(double)), *fs = malloc(n * sizeof(double));
    for (int k = 0; k < NSMOOTH; ++k)
        for (int b = 0; b < 2; ++b) {
            test_lat tw, ts;
            int st = test_lat_create(&tw, MPI_COMM_WORLD, L, pd, 2, b ? open_t : NULL, N), ss = 0;
            if (!st) st = rough(tw.u, 1234);
            if (!st) st = smoothers[k].f(tw.u, 1);
            if (!st) gather(&tw, fw, V);
            if (rank == 0) {
                ss = test_lat_create(&ts, MPI_COMM_SELF, L, one, 2, b ? open_t : NULL, N);
                if (!ss) ss = rough(ts.u, 1234);
                if (!ss) ss = smoothers[k].f(ts.u, 1);
                if (!ss) gather(&ts, fs, V);
                test_lat_free(&ts);
            }
            double d = 0;
            for (size_t j = 0; rank == 0 && j < n; ++j)
                if (fabs(fw[j] - fs[j]) > d) d = fabs(fw[j] - fs[j]);
            tap_ok(!st && !ss && d < 1e-12, "%s (%s): field independent of the process grid (%.2e)", smoothers[k].name,
                   b ? "open-t" : "periodic", d);
            test_lat_free(&tw);
        }
    free(fw);
    free(fs);
    /* improved charge (depth-3 copy with its own halo) on the process grid */
    for (int b = 0; b < 2; ++b) {
        test_lat tw, ts;
        double Qw[3] = {0}, Sw[3] = {0}, Qs[3] = {0}, Ss[3] = {0};
        int st = test_lat_create(&tw, MPI_COMM_WORLD, L, pd, 1, b ? open_t : NULL, 2), ss = 0;
        if (!st) st = rough(tw.u, 77);
        if (!st) st = ym_curv_charge_improved_all(tw.u, Qw, Sw);
        if (rank == 0) {
            ss = test_lat_create(&ts, MPI_COMM_SELF, L, one, 1, b ? open_t : NULL, 2);
            if (!ss) ss = rough(ts.u, 77);
            if (!ss) ss = ym_curv_charge_improved_all(ts.u, Qs, Ss);
            test_lat_free(&ts);
        }
        double d = 0;
        for (int k = 0; rank == 0 && k < 3; ++k) d = fmax(d, fmax(fabs(Qw[k] - Qs[k]), fabs(Sw[k] - Ss[k]) / Ss[k]));
        tap_ok(!st && !ss && d < 1e-12, "improved Q, S (%s): independent of the process grid (%.2e)", b ? "open-t" : "periodic", d);
        test_lat_free(&tw);
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
    tap_ok(ym_integrator_find("bs32") != NULL, "integrator bs32 registered");
    tap_ok(ym_action_find("overimproved-rect") != NULL, "action overimproved-rect registered");
    ym_error_clear();
    if (mpi) {
        mpi_checks(pd);
    } else {
        stout_euler(pd);
        covariance(pd);
        cooling_monotone(pd);
        zeuthen_checks(pd);
        cooling_instanton(pd);
        cooling_vs_flow(pd);
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
