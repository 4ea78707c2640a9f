/* Gradient-flow integrators (every registered integrator and action).
 * Oracles:
 *  - convergence order: the Wilson action S_W(t = 0.5) after flowing a
 *    rough field (hot start smoothed to t = 0.2) has error ~ eps^p against a
 *    fine-step RK3 reference (eps = 0.00125); the measured
 *    p = log2(err(eps)/err(eps/2)) agrees with the type's order within 0.2
 *    (THEORY.md B.8 item 3);
 *  - adaptive step control: the flow lands on t = 0.5 exactly and its
 *    error (same reference) shrinks about like tol: tightening tol by 100
 *    must shrink the error by more than 20, and at tol = 1e-6 the error of
 *    S_W is below 1e-4 relative;
 *  - monotonicity: S_W never increases along Wilson flow with RK3,
 *    eps = 0.02, from a hot start (B.8 item 2);
 *  - gauge covariance: step(L U) = L step(U) to 1e-12 (B.8 item 1);
 *  - quantised abelian flux (B.8 item 5) is a stationary point of every
 *    flow: links unchanged to 1e-12 after 5 steps;
 *  - free modes (B.8 item 4, generalised): a small abelian transverse wave
 *    a_x(y) = A cos(p y) decays as exp(-lambda t) with
 *    lambda = sum_k w_k a_k^2 4 sin^2(b_k p / 2) over the action's loops
 *    (a_k along the polarisation, b_k along p; Wilson: p-hat^2); a
 *    longitudinal wave (pure gauge) does not move (1e-12);
 *  - with --mpi: a flowed field on the --grid process grid equals the one
 *    flowed by rank 0 alone on MPI_COMM_SELF (1e-12). */
#include "common.h"

#include <math.h>

#include "ym_flux.h"
#include "ym_integrator.h"

static MPI_Comm comm_of(const ym_gauge *u) { return ym_grid_comm(ym_geom_grid(ym_gauge_geom(u))); }

static int flow(ym_gauge *u, const ym_action_type *a, const ym_integrator_type *it, double eps, int nsteps,
                ym_flow_work *w)
{
    int st = YM_OK;
    for (int i = 0; i < nsteps && !st; ++i) st = ym_flow_step(u, a, NULL, it, eps, w);
    return st;
}

/* Largest |a - b| over interior links. Collective. */
static double link_maxdiff(ym_gauge *a, ym_gauge *b)
{
    int N = ym_gauge_N(a);
    const ym_geom *g = ym_gauge_geom(a);
    const int *in = ym_geom_interior(g);
    double m = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            double d = ym_su_maxdiff(N, ym_gauge_link(a, in[i], mu), ym_gauge_link(b, in[i], mu));
            if (d > m) m = d;
        }
    MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, comm_of(a));
    return m;
}

/* Rough start: hot field smoothed by Wilson RK3 flow to t = 0.2. */
static int rough(ym_gauge *u, ym_flow_work *w)
{
    int st = ym_gauge_set_random(u, 8128);
    if (!st) st = flow(u, ym_action_find("wilson"), ym_integrator_find("rk3"), 0.02, 10, w);
    return st;
}

static void order_checks(void)
{
    const int L[4] = {4, 4, 4, 4}, pd[4] = {1, 1, 1, 1};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 2, NULL, 2)) return;
    ym_gauge *v = NULL, *u0 = NULL;
    ym_flow_work *w = NULL;
    int st = ym_gauge_create(&v, t.geom, 2);
    if (!st) st = ym_gauge_create(&u0, t.geom, 2);
    if (!st) st = ym_flow_work_create(&w, t.u);
    if (!st) st = rough(u0, w);
    const char *acts[] = {"wilson", "symanzik"};
    const ym_integrator_type *its[YM_INTEGRATOR_MAXREG];
    int nit = ym_integrator_list(its, YM_INTEGRATOR_MAXREG);
    const double T = 0.5;
    for (int ia = 0; ia < 2 && !st; ++ia) {
        const ym_action_type *a = ym_action_find(acts[ia]);
        double ref = 0;
        st = ym_gauge_copy(v, u0);
        if (!st) st = flow(v, a, ym_integrator_find("rk3"), T / 400, 400, w);
        if (!st) st = ym_gauge_wilson_action(v, &ref);
        for (int i = 0; i < nit && !st; ++i) {
            /* eps = 0.025 and 0.0125: in the asymptotic regime for all
             * three orders, yet RK3's error stays ~100x above the
             * reference's */
            int n0 = 20;
            double err[2];
            for (int k = 0; k < 2 && !st; ++k) {
                int n = n0 << k;
                double s = 0;
                st = ym_gauge_copy(v, u0);
                if (!st) st = flow(v, a, its[i], T / n, n, w);
                if (!st) st = ym_gauge_wilson_action(v, &s);
                err[k] = fabs(s - ref);
            }
            double p = log2(err[0] / err[1]);
            tap_ok(!st && fabs(p - its[i]->order) < 0.2,
                   "%s flow, %s: measured order %.3f (expected %d; errors %.3e, %.3e at eps = %g, %g)", acts[ia],
                   its[i]->name, p, its[i]->order, err[0], err[1], T / n0, T / (2 * n0));
        }
    }
    if (st) tap_ok(0, "order checks ran (%s)", ym_errmsg());
    ym_flow_work_free(w);
    ym_gauge_free(v);
    ym_gauge_free(u0);
    test_lat_free(&t);
}


static void adaptive_checks(void)
{
    const int L[4] = {4, 4, 4, 4}, pd[4] = {1, 1, 1, 1};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 1, NULL, 2)) return;
    ym_gauge *u0 = NULL;
    ym_flow_work *w = NULL;
    int st = ym_gauge_create(&u0, t.geom, 2);
    if (!st) st = ym_flow_work_create(&w, t.u);
    if (!st) st = rough(u0, w);
    const ym_action_type *a = ym_action_find("wilson");
    const double T = 0.5;
    double ref = 0, err[2] = {0, 0}, tend[2] = {0, 0};
    int nsteps[2] = {0, 0}, nrej[2] = {0, 0};
    if (!st) st = ym_gauge_copy(t.u, u0);
    if (!st) st = flow(t.u, a, ym_integrator_find("rk3"), T / 400, 400, w);
    if (!st) st = ym_gauge_wilson_action(t.u, &ref);
    const double tol[2] = {1e-4, 1e-6};
    for (int k = 0; k < 2 && !st; ++k) {
        double eps = 0.01, tt = 0, dt = 0, s = 0;
        st = ym_gauge_copy(t.u, u0);
        while (!st && tt < T && nsteps[k] < 100000) {
            int rej = 0;
            st = ym_flow_step_adaptive(t.u, a, NULL, tol[k], &eps, T - tt, &dt, &rej, w);
            tt += dt;
            nrej[k] += rej;
            ++nsteps[k];
            /* the last step is clipped to land on T; rounding may leave a
             * sliver */
            if (T - tt < 1e-14) tt = T;
        }
        if (!st) st = ym_gauge_wilson_action(t.u, &s);
        err[k] = fabs(s - ref) / fabs(ref);
        tend[k] = tt;
    }
    tap_ok(!st && tend[0] == T && tend[1] == T, "adaptive flow reaches t = %g (%d and %d steps, %d and %d rejected)",
           T, nsteps[0], nsteps[1], nrej[0], nrej[1]);
    tap_ok(!st && err[1] < 1e-4 && err[0] > 20 * err[1],
           "adaptive error follows tol (rel. error of S_W %.3e at tol 1e-4, %.3e at tol 1e-6)", err[0], err[1]);
    /* Oracle (efficiency): to reach the accuracy the adaptive run achieved at
     * tol 1e-6, fixed-step RK3 needs more force evaluations (3 per step; the
     * adaptive step costs 3 per attempt, rejected ones included). */
    {
        long ad_evals = 3L * (nsteps[1] + nrej[1]), fixed_evals = -1;
        for (int n = 5; n <= 4000 && !st && fixed_evals < 0; n = n * 5 / 4 + 1) {
            double s = 0;
            st = ym_gauge_copy(t.u, u0);
            if (!st) st = flow(t.u, a, ym_integrator_find("rk3"), T / n, n, w);
            if (!st) st = ym_gauge_wilson_action(t.u, &s);
            if (!st && fabs(s - ref) / fabs(ref) <= err[1]) fixed_evals = 3L * n;
        }
        tap_ok(!st && fixed_evals > 0 && ad_evals < fixed_evals,
               "adaptive RK3 reaches rel. error %.2e with %ld force evaluations, fixed-step RK3 needs %ld", err[1],
               ad_evals, fixed_evals);
    }
    ym_error_clear();
    double eps = -1, dt;
    tap_ok(ym_flow_step_adaptive(t.u, a, NULL, 1e-4, &eps, 1, &dt, NULL, w) == YM_EINVAL,
           "adaptive step refuses a negative step size");
    ym_error_clear();
    ym_flow_work_free(w);
    ym_gauge_free(u0);
    test_lat_free(&t);
}

static void monotonic_check(void)
{
    const int L[4] = {4, 4, 4, 4}, pd[4] = {1, 1, 1, 1};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 1, NULL, 3)) return;
    ym_flow_work *w = NULL;
    int st = ym_flow_work_create(&w, t.u);
    if (!st) st = ym_gauge_set_random(t.u, 31337);
    double s_prev = 0, s = 0, worst = -INFINITY;
    if (!st) st = ym_gauge_wilson_action(t.u, &s_prev);
    double s_start = s_prev;
    for (int i = 0; i < 50 && !st; ++i) {
        st = ym_flow_step(t.u, ym_action_find("wilson"), NULL, ym_integrator_find("rk3"), 0.02, w);
        if (!st) st = ym_gauge_wilson_action(t.u, &s);
        if (s - s_prev > worst) worst = s - s_prev;
        s_prev = s;
    }
    tap_ok(!st && worst < 0, "Wilson action decreases at every RK3 step (S %.6g -> %.6g, largest change %.3e)",
           s_start, s, worst);
    /* the flow's state beyond the links: K compact, no force field */
    double link = sizeof(double) * 72.0 * (double)ym_geom_nsites(t.geom);
    double work = (double)ym_flow_work_bytes(w);
    tap_ok(!st && work <= 0.5 * link, "RK3 Wilson flow workspace %.0f B = %.3f x the link field (%.0f B; <= 0.5)", work,
           work / link, link);
    ym_flow_work_free(w);
    test_lat_free(&t);
}

static void covariance_checks(void)
{
    const int L[4] = {4, 4, 4, 4}, pd[4] = {1, 1, 1, 1};
    const ym_action_type *acts[YM_ACTION_MAXREG];
    const ym_integrator_type *its[YM_INTEGRATOR_MAXREG];
    int na = ym_action_list(acts, YM_ACTION_MAXREG), nit = ym_integrator_list(its, YM_INTEGRATOR_MAXREG);
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 2, NULL, 3)) return;
    ym_gauge *v = NULL;
    ym_field *lam = NULL;
    ym_flow_work *w = NULL;
    int st = ym_gauge_create(&v, t.geom, 3);
    if (!st) st = ym_flow_work_create(&w, t.u);
    if (!st) st = ym_gauge_random_transform(&lam, t.u, 99);
    for (int ia = 0; ia < na && !st; ++ia)
        for (int i = 0; i < nit && !st; ++i) {
            st = ym_gauge_set_random(t.u, 4242);
            if (!st) st = ym_gauge_copy(v, t.u);
            if (!st) st = ym_gauge_transform(v, lam);
            if (!st) st = ym_flow_step(t.u, acts[ia], NULL, its[i], 0.02, w);
            if (!st) st = ym_flow_step(v, acts[ia], NULL, its[i], 0.02, w);
            if (!st) st = ym_gauge_transform(t.u, lam);
            double d = st ? 1 : link_maxdiff(t.u, v);
            tap_ok(!st && d < 1e-12, "%s/%s: flow step is gauge covariant (%.2e)", acts[ia]->name, its[i]->name, d);
        }
    if (st) tap_ok(0, "covariance checks ran (%s)", ym_errmsg());
    ym_field_free(lam);
    ym_flow_work_free(w);
    ym_gauge_free(v);
    test_lat_free(&t);
}

/* THEORY B.8 item 5 in the (x, y) plane, colour direction H = diag(1,-1,0..):
 * the library's start (lattice/ym_flux.c). */
static int set_flux(ym_gauge *u, int n) { return ym_gauge_set_flux(u, 0, 1, n); }

static void flux_checks(void)
{
    const int L[4] = {4, 4, 4, 4}, pd[4] = {1, 1, 1, 1};
    const ym_action_type *acts[YM_ACTION_MAXREG];
    const ym_integrator_type *its[YM_INTEGRATOR_MAXREG];
    int na = ym_action_list(acts, YM_ACTION_MAXREG), nit = ym_integrator_list(its, YM_INTEGRATOR_MAXREG);
    for (int N = 2; N <= 3; ++N) {
        test_lat t;
        if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 2, NULL, N)) return;
        ym_gauge *v = NULL;
        ym_flow_work *w = NULL;
        int st = ym_gauge_create(&v, t.geom, N);
        if (!st) st = ym_flow_work_create(&w, t.u);
        if (!st) st = set_flux(v, 3);
        double sw = 0;
        if (!st) st = ym_gauge_wilson_action(v, &sw);
        for (int ia = 0; ia < na && !st; ++ia)
            for (int i = 0; i < nit && !st; ++i) {
                st = ym_gauge_copy(t.u, v);
                if (!st) st = flow(t.u, acts[ia], its[i], 0.05, 5, w);
                double d = st ? 1 : link_maxdiff(t.u, v);
                tap_ok(!st && d < 1e-12, "SU(%d) flux n=3 (S_W = %.4g): stationary under %s/%s (%.2e)", N, sw,
                       acts[ia]->name, its[i]->name, d);
            }
        if (st) tap_ok(0, "flux checks ran (%s)", ym_errmsg());
        ym_flow_work_free(w);
        ym_gauge_free(v);
        test_lat_free(&t);
    }
}


/* Loop content of the built-in actions, for the free-mode dispersion. */
typedef struct {
    const char *name;
    int n;
    int a[3], b[3];
    double w[3];
} loops;

static void action_loops(loops *l, const char *name, double c1, double eps)
{
    l->name = name;
    if (c1 != 0) {
        l->n = 3;
        l->a[0] = 1, l->b[0] = 1, l->w[0] = 1 - 8 * c1;
        l->a[1] = 1, l->b[1] = 2, l->w[1] = c1;
        l->a[2] = 2, l->b[2] = 1, l->w[2] = c1;
    } else if (eps != 1) {
        l->n = 2;
        l->a[0] = 1, l->b[0] = 1, l->w[0] = (4 - eps) / 3;
        l->a[1] = 2, l->b[1] = 2, l->w[1] = (eps - 1) / 48;
    } else {
        l->n = 1;
        l->a[0] = 1, l->b[0] = 1, l->w[0] = 1;
    }
}

/* U_pol(x) = exp(i A cos(p x_1) H), all other links 1. */
static int set_wave(ym_gauge *u, int pol, double A, double p)
{
    int N = ym_gauge_N(u);
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    ym_gauge_set_unit(u);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int x[4];
        ym_geom_global_coords(g, in[i], x);
        ym_cplx *l = ym_gauge_link(u, in[i], pol);
        l[0] = cexp(I * A * cos(p * x[1]));
        l[N + 1] = conj(l[0]);
    }
    return ym_gauge_halo_update(u);
}

/* Amplitude of the cos(p x_1) component of the phase of U_0. */
static double wave_amp(ym_gauge *u, double p)
{
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    double num = 0, den = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int x[4];
        ym_geom_global_coords(g, in[i], x);
        num += carg(ym_gauge_link(u, in[i], 0)[0]) * cos(p * x[1]);
        den += cos(p * x[1]) * cos(p * x[1]);
    }
    return num / den;
}

static void wave_checks(void)
{
    const int L[4] = {4, 8, 4, 4}, pd[4] = {1, 1, 1, 1};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 2, NULL, 2)) return;
    ym_gauge *v = NULL;
    ym_flow_work *w = NULL;
    int st = ym_gauge_create(&v, t.geom, 2);
    if (!st) st = ym_flow_work_create(&w, t.u);
    loops ls[5];
    action_loops(&ls[0], "wilson", 0, 1);
    action_loops(&ls[1], "symanzik", -1.0 / 12, 1);
    action_loops(&ls[2], "iwasaki", -0.331, 1);
    action_loops(&ls[3], "dbw2", -1.4088, 1);
    action_loops(&ls[4], "overimproved", 0, -1);
    const double A = 1e-4, p = 2 * 3.14159265358979323846 / 8, T = 1.0;
    for (int k = 0; k < 5 && !st; ++k) {
        double lam = 0;
        for (int j = 0; j < ls[k].n; ++j) {
            double sn = sin(ls[k].b[j] * p / 2);
            lam += ls[k].w[j] * ls[k].a[j] * ls[k].a[j] * 4 * sn * sn;
        }
        st = set_wave(t.u, 0, A, p);
        if (!st) st = flow(t.u, ym_action_find(ls[k].name), ym_integrator_find("rk3"), 0.02, 50, w);
        double r = st ? 0 : wave_amp(t.u, p) / A, ex = exp(-lam * T);
        tap_ok(!st && fabs(r - ex) < 1e-5 * ex, "%s: transverse wave decays as exp(-%.6f t): %.9f vs %.9f", ls[k].name,
               lam, r, ex);
        if (!st) st = set_wave(t.u, 1, A, p);
        if (!st) st = ym_gauge_copy(v, t.u);
        if (!st) st = flow(t.u, ym_action_find(ls[k].name), ym_integrator_find("rk3"), 0.02, 10, w);
        double d = st ? 1 : link_maxdiff(t.u, v);
        tap_ok(!st && d < 1e-12, "%s: longitudinal wave does not move (%.2e)", ls[k].name, d);
    }
    if (st) tap_ok(0, "wave checks ran (%s)", ym_errmsg());
    ym_flow_work_free(w);
    ym_gauge_free(v);
    test_lat_free(&t);
}

static int flowed(test_lat *t, const char *act, int adaptive, double *out, int64_t V)
{
    ym_flow_work *w = NULL;
    int st = ym_flow_work_create(&w, t->u);
    if (!st) st = ym_gauge_set_random(t->u, 555);
    if (!st && !adaptive) st = flow(t->u, ym_action_find(act), ym_integrator_find("rk3"), 0.02, 10, w);
    double eps = 0.01, dt;
    for (int i = 0; i < 10 && !st && adaptive; ++i)
        st = ym_flow_step_adaptive(t->u, ym_action_find(act), NULL, 1e-5, &eps, 1.0, &dt, NULL, w);
    ym_flow_work_free(w);
    if (st) return st;
    int N = ym_gauge_N(t->u);
    size_t nc = 8 * (size_t)N * N;
    memset(out, 0, sizeof(double) * nc * (size_t)V);
    const int *in = ym_geom_interior(t->geom);
    for (int i = 0; i < ym_geom_ninterior(t->geom); ++i)
        memcpy(out + nc * (size_t)ym_geom_global_index(t->geom, in[i]),
               ym_field_site(ym_gauge_field(t->u), in[i]), nc * sizeof(double));
    MPI_Allreduce(MPI_IN_PLACE, out, (int)(nc * (size_t)V), MPI_DOUBLE, MPI_SUM, comm_of(t->u));
    return YM_OK;
}

static void mpi_checks(const int pd[4])
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int L[4] = {4, 4, 4, 4}, one[4] = {1, 1, 1, 1};
    const int open_t[4] = {YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_OPEN};
    const char *acts[3] = {"symanzik", "wilson", "wilson"};
    int N = 3;
    int64_t V = 256;
    size_t n = 8 * (size_t)N * N * (size_t)V;
    double *fw = malloc(n * sizeof(double)), *fs = malloc(n * sizeof(double));
    for (int c = 0; c < 3; ++c) {
        test_lat tw, ts;
        int st = test_lat_create(&tw, MPI_COMM_WORLD, L, pd, 2, c ? open_t : NULL, N), ss = 0;
        if (!st) st = flowed(&tw, acts[c], c == 2, fw, V);
        if (rank == 0) {
            ss = test_lat_create(&ts, MPI_COMM_SELF, L, one, 2, c ? open_t : NULL, N);
            if (!ss) ss = flowed(&ts, acts[c], c == 2, fs, V);
            test_lat_free(&ts);
        }
        double d = 0;
        for (size_t j = 0; rank == 0 && j < n; ++j)
            if (fabs(fw[j] - fs[j]) > d) d = fabs(fw[j] - fs[j]);
        tap_ok(!st && !ss && d < 1e-12, "%s %s flow, %s: field independent of the process grid (%.2e)", acts[c],
               c == 2 ? "adaptive" : "RK3", c ? "open-t" : "periodic", d);
        test_lat_free(&tw);
    }
    free(fw);
    free(fs);
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
    const char *want[] = {"euler", "rk2", "rk3", "adaptive"};
    for (int i = 0; i < 4; ++i) tap_ok(ym_integrator_find(want[i]) != NULL, "integrator %s registered", want[i]);
    ym_error_clear();
    tap_ok(!ym_integrator_find("rk9") && strstr(ym_errmsg(), "rk3"), "unknown integrator lists the known ones (%s)",
           ym_errmsg());
    ym_error_clear();
    ym_integrator_type dup = *ym_integrator_find("rk3");
    tap_ok(ym_integrator_register(&dup) == YM_EINVAL, "duplicate integrator refused");
    ym_error_clear();
    if (mpi) {
        mpi_checks(pd);
    } else {
        order_checks();
        adaptive_checks();
        monotonic_check();
        covariance_checks();
        flux_checks();
        wave_checks();
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
