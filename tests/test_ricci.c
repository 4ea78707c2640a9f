/* Metric geometry from one jet (lattice/ym_ricci) against the oracles of
 * ../shared/reference/RYM.md that concern the metric alone.
 * Oracles:
 *  - polynomial exactness: the central stencils are exact for metrics
 *    quadratic in x, so off the edges of an open box the lattice jet equals
 *    the analytic jet and Rc, R, W, L_W g equal their values from the
 *    analytic jet (1e-12);
 *  - open edges: the mirrored jet at every site of an open box (faces, edges,
 *    corners) equals the periodic jet of the metric's even extension
 *    (period 2(L-1)) (1e-13);
 *  - T3 (metric part): a flat metric, and a constant diagonal one, give an
 *    exactly zero velocity and stay bit-identical over 10 RK3 steps, open and
 *    periodic, DeTurck on and off;
 *  - T5: a DeTurck Fourier mode g = delta +- eps H cos(k.x), antisymmetrised,
 *    decays by the RK3 symbol (1 - z + z^2/2 - z^3/6)^50, z = k^2 dt, in every
 *    component (1e-7), off-mode residual <= 1e-8. A mode is run on the
 *    smallest lattice that carries its wave vector (k_mu = 2 pi n/L equal;
 *    e.g. k = 0 on extent 1, pi on extent 2): every site sees the same jet,
 *    and it keeps the test fast (validation/ runs the full 8^4);
 *  - T6: the pi-mode at the stability boundary: dt = 0.155 stable and 0.159
 *    growing (g = delta), 0.077 / 0.080 (g = delta/2), 0.103 / 0.107 without
 *    DeTurck (trace mode, eigenvalue -24); the amplification equals the RK3
 *    polynomial (1e-4);
 *  - T7: conformally flat g = e^{2u} delta: Rc and L_W g against the analytic
 *    Rc = -2(Hess u - du du) - (Lap u + 2|du|^2) delta and
 *    L_W g = -4|du|^2 delta - 4 Hess u + 8 du du; relative errors within 5 %
 *    of RYM.md's 4.8e-2 / 1.26e-2 / 3.17e-3 (Rc) at L = 16/32/64, order >= 1.9;
 *  - T8 (no DeTurck): an axis-aligned pure-gauge mode is exactly stationary,
 *    even at finite amplitude (a metric depending on x0 alone with constant
 *    spatial block is flat, and the jet formulas are pointwise identities)
 *    (1e-10 relative); R(1)/R(0) for k = (1,0,0,0) 2pi/8 equals the RK3 value
 *    0.55666788 (1e-7); an oblique pure-gauge mode drifts at the rate of the
 *    linear symbol dH/dt = MH + HM - tr(M) H - M tr(H), M_aa = khat_a^2,
 *    M_ab = sin k_a sin k_b (1e-6 relative), and its rate falls as O(k^4):
 *    16^2 / 32^2 within [15, 16.5] (RYM.md 15.8). */
#include "common.h"

#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <time.h>

#include "ym_metric.h"
#include "ym_ricci.h"

typedef struct {
    test_lat t;
    ym_field *g;
    ym_ricci *r;
} mlat;

static int mlat_create(mlat *m, const int L[4], const int bc[4], int deturck)
{
    memset(m, 0, sizeof *m);
    int st = test_lat_create(&m->t, MPI_COMM_SELF, L, NULL, 1, bc, 0);
    if (!st) st = ym_metric_create(&m->g, m->t.geom);
    if (!st) st = ym_ricci_create(&m->r, m->t.geom, deturck);
    if (st) tap_diag("set-up failed: %s", ym_errmsg());
    return st;
}

static void mlat_free(mlat *m)
{
    ym_ricci_free(m->r);
    ym_field_free(m->g);
    test_lat_free(&m->t);
}

/* ---------- polynomial exactness ---------- */

/* g_ij(x) = A_ij + B_ij^a x_a + C_ij^ab x_a x_b (symmetric in ij and ab). */
typedef struct {
    double A[4][4], B[4][4][4], C[4][4][4][4];
} quad_metric;

static void quad_jet(const quad_metric *q, const int x[4], ym_ricci_jet *j)
{
    for (int i = 0; i < 4; ++i)
        for (int k = 0; k < 4; ++k) {
            double v = q->A[i][k];
            for (int a = 0; a < 4; ++a) {
                v += q->B[i][k][a] * x[a];
                for (int b = 0; b < 4; ++b) v += q->C[i][k][a][b] * x[a] * x[b];
            }
            j->g[i][k] = v;
            for (int a = 0; a < 4; ++a) {
                double d = q->B[i][k][a];
                for (int b = 0; b < 4; ++b) d += 2 * q->C[i][k][a][b] * x[b];
                j->dg[a][i][k] = d;
                for (int b = 0; b < 4; ++b) j->ddg[a][b][i][k] = 2 * q->C[i][k][a][b];
            }
        }
}

static double geo_diff(const ym_ricci_geo *a, const ym_ricci_geo *b, double *scale)
{
    double d = fabs(a->R - b->R), s = fabs(b->R);
    for (int i = 0; i < 4; ++i) {
        d = fmax(d, fabs(a->W[i] - b->W[i]));
        s = fmax(s, fabs(b->W[i]));
        for (int k = 0; k < 4; ++k) {
            d = fmax(d, fmax(fabs(a->ric[i][k] - b->ric[i][k]), fabs(a->lwg[i][k] - b->lwg[i][k])));
            s = fmax(s, fmax(fabs(b->ric[i][k]), fabs(b->lwg[i][k])));
        }
    }
    *scale = s;
    return d;
}

static void random_quad(quad_metric *q, unsigned long seed)
{
    gsl_rng *rg = gsl_rng_alloc(gsl_rng_ranlxd2);
    gsl_rng_set(rg, seed);
    memset(q, 0, sizeof *q);
    for (int i = 0; i < 4; ++i)
        for (int k = i; k < 4; ++k) {
            q->A[i][k] = q->A[k][i] = (i == k ? 2.0 : 0.0) + 0.2 * gsl_ran_gaussian(rg, 1);
            for (int a = 0; a < 4; ++a) {
                q->B[i][k][a] = q->B[k][i][a] = 0.05 * gsl_ran_gaussian(rg, 1);
                for (int b = a; b < 4; ++b)
                    q->C[i][k][a][b] = q->C[k][i][a][b] = q->C[i][k][b][a] = q->C[k][i][b][a] =
                        0.01 * gsl_ran_gaussian(rg, 1);
            }
        }
    gsl_rng_free(rg);
}

/* Set g(x) = q(fold(x)), fold reflecting coordinates beyond Lo-1 back into
 * 0..Lo-1 (the even extension of the open box, period 2(Lo-1)). */
static void set_quad(ym_field *g, const quad_metric *q, const int Lo[4])
{
    const ym_geom *geom = ym_field_geom(g);
    const int *in = ym_geom_interior(geom);
    for (int i = 0; i < ym_geom_ninterior(geom); ++i) {
        int x[4];
        ym_ricci_jet j;
        ym_geom_global_coords(geom, in[i], x);
        for (int a = 0; a < 4; ++a)
            if (x[a] > Lo[a] - 1) x[a] = 2 * (Lo[a] - 1) - x[a];
        quad_jet(q, x, &j);
        ym_metric_pack(j.g, ym_field_site(g, in[i]));
    }
    ym_field_halo_update(g);
}

static double jet_diff(const ym_ricci_jet *a, const ym_ricci_jet *b)
{
    const double *pa = &a->g[0][0], *pb = &b->g[0][0];
    double d = 0;
    for (size_t c = 0; c < sizeof *a / sizeof(double); ++c) d = fmax(d, fabs(pa[c] - pb[c]));
    return d;
}

static void test_polynomial(void)
{
    const int L[4] = {5, 4, 3, 4}, bc[4] = {YM_BC_OPEN, YM_BC_OPEN, YM_BC_OPEN, YM_BC_OPEN};
    const int Lp[4] = {8, 6, 4, 6};
    mlat m, p;
    if (mlat_create(&m, L, bc, 1) || mlat_create(&p, Lp, NULL, 1)) return tap_ok(0, "polynomial metric: set-up"), (void)0;
    quad_metric q;
    random_quad(&q, 11);
    set_quad(m.g, &q, L);
    set_quad(p.g, &q, L);
    const ym_geom *geom = m.t.geom;
    const int *in = ym_geom_interior(geom);
    int n = ym_geom_ninterior(geom), spd = 1, ninner = 0;
    double djet = 0, dgeo = 0, sgeo = 0, dmir = 0;
    for (int i = 0; i < n; ++i) {
        int x[4], inner = 1;
        ym_ricci_jet ja, jl, jp;
        ym_ricci_geo ga, gl;
        ym_geom_global_coords(geom, in[i], x);
        for (int a = 0; a < 4; ++a) inner = inner && x[a] > 0 && x[a] < L[a] - 1;
        ym_ricci_jet_at(m.r, m.g, in[i], &jl);
        ym_ricci_jet_at(p.r, p.g, ym_geom_index(p.t.geom, x), &jp);
        dmir = fmax(dmir, jet_diff(&jl, &jp));
        if (!inner) continue;
        ++ninner;
        quad_jet(&q, x, &ja);
        djet = fmax(djet, jet_diff(&ja, &jl));
        spd = spd && ym_ricci_eval(&ja, &ga) && ym_ricci_eval(&jl, &gl);
        if (spd) {
            double s, d = geo_diff(&gl, &ga, &s);
            dgeo = fmax(dgeo, d);
            sgeo = fmax(sgeo, s);
        }
    }
    tap_ok(ninner > 0 && djet < 1e-12, "quadratic metric on an open 5x4x3x4 box: lattice jet = analytic jet at the "
                                       "%d sites off the edges (max diff %.2e)", ninner, djet);
    tap_ok(spd && sgeo > 1e-3 && dgeo < 1e-12 * sgeo,
           "quadratic metric: Rc, R, W, L_W g from the lattice jet = from the analytic jet (%.2e of %.2e)", dgeo, sgeo);
    tap_ok(dmir < 1e-13, "open box: the mirrored jet at every site (edges, corners) = the periodic jet of the even "
                         "extension on 8x6x4x6 (max diff %.2e)", dmir);
    mlat_free(&p);
    mlat_free(&m);
}

/* ---------- T3: flat metric exactly fixed ---------- */

static void test_flat_fixed(void)
{
    const int L[4] = {4, 3, 5, 4};
    const int open[4] = {YM_BC_OPEN, YM_BC_OPEN, YM_BC_OPEN, YM_BC_OPEN}, mixed[4] = {0, YM_BC_OPEN, 0, YM_BC_OPEN};
    const int *bcs[3] = {NULL, open, mixed};
    const char *names[3] = {"periodic", "open", "open in y,t"};
    for (int b = 0; b < 3; ++b)
        for (int dt = 0; dt < 2; ++dt)
            for (int diag = 0; diag < 2; ++diag) {
                mlat m;
                if (mlat_create(&m, L, bcs[b], dt)) {
                    tap_ok(0, "flat: set-up");
                    continue;
                }
                const double d[4] = {1.3, 0.7, 2.1, 0.45};
                int st = diag ? ym_metric_set_diag(m.g, d) : YM_OK;
                ym_field *K = NULL;
                if (!st) st = ym_field_create(&K, m.t.geom, YM_METRIC_NCOMP);
                if (!st) st = ym_ricci_rhs(m.r, m.g, K);
                double kmax = 0;
                for (int c = 0; c < YM_METRIC_NCOMP && !st; ++c) {
                    double v;
                    ym_field_maxabs(K, c, &v);
                    kmax = fmax(kmax, v);
                }
                size_t bytes = sizeof(double) * YM_METRIC_NCOMP * (size_t)ym_geom_nsites(m.t.geom);
                double *g0 = malloc(bytes);
                int same = g0 != NULL;
                if (same) memcpy(g0, ym_field_data(m.g), bytes);
                for (int s = 0; s < 10 && !st; ++s) st = ym_ricci_step_rk3(m.r, m.g, 0.05);
                if (!st) st = ym_field_halo_update(m.g);
                same = same && !st && memcmp(g0, ym_field_data(m.g), bytes) == 0;
                tap_ok(!st && kmax == 0.0 && same,
                       "%s metric, %s, DeTurck %s: velocity exactly 0, 10 RK3 steps bit-identical",
                       diag ? "constant diagonal" : "flat", names[b], dt ? "on" : "off");
                free(g0);
                ym_field_free(K);
                mlat_free(&m);
            }
}

/* ---------- Fourier modes ---------- */

static double khat2(const int n[4], const int L[4])
{
    double s = 0;
    for (int a = 0; a < 4; ++a) s += 4 * pow(sin(M_PI * n[a] / L[a]), 2);
    return s;
}

static double phase(const ym_geom *g, int idx, const int n[4], const int L[4])
{
    int x[4];
    ym_geom_global_coords(g, idx, x);
    double p = 0;
    for (int a = 0; a < 4; ++a) p += 2 * M_PI * (double)n[a] * x[a] / L[a];
    return p;
}

/* g = g0 + s eps H cos(k.x). */
static void set_mode(ym_field *g, const double g0[4][4], const double H[4][4], const int n[4], const int L[4],
                     double eps)
{
    const ym_geom *geom = ym_field_geom(g);
    const int *in = ym_geom_interior(geom);
    for (int i = 0; i < ym_geom_ninterior(geom); ++i) {
        double c = cos(phase(geom, in[i], n, L)), m[4][4];
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) m[a][b] = g0[a][b] + eps * H[a][b] * c;
        ym_metric_pack(m, ym_field_site(g, in[i]));
    }
    ym_field_halo_update(g);
}

static void random_sym(gsl_rng *rg, double H[4][4])
{
    for (int a = 0; a < 4; ++a)
        for (int b = a; b < 4; ++b) H[a][b] = H[b][a] = gsl_ran_gaussian(rg, 1);
}

static double rk3_poly(double z) { return 1 - z + z * z / 2 - z * z * z / 6; }

/* Run the mode with +eps and -eps for nsteps; return in hm (interior,
 * 10 per site) the antisymmetrised (g+ - g-)/(2 eps). */
static int run_mode_pair(const int L[4], const int n[4], const double g0[4][4], const double H[4][4], double eps,
                         int deturck, double dt, int nsteps, mlat *m, double *hm)
{
    if (mlat_create(m, L, NULL, deturck)) return 1;
    const int *in = ym_geom_interior(m->t.geom);
    int ni = ym_geom_ninterior(m->t.geom), st = 0;
    for (int sgn = 1; sgn >= -1 && !st; sgn -= 2) {
        set_mode(m->g, g0, H, n, L, sgn * eps);
        for (int s = 0; s < nsteps && !st; ++s) st = ym_ricci_step_rk3(m->r, m->g, dt);
        for (int i = 0; i < ni; ++i) {
            const double *c = ym_field_site(m->g, in[i]);
            for (int k = 0; k < YM_METRIC_NCOMP; ++k)
                hm[(size_t)i * YM_METRIC_NCOMP + k] = sgn > 0 ? c[k] : (hm[(size_t)i * YM_METRIC_NCOMP + k] - c[k]) / (2 * eps);
        }
    }
    if (st) tap_diag("mode run failed: %s", ym_errmsg());
    return st;
}

static void test_deturck_modes(gsl_rng *rg)
{
    struct {
        int L[4], n[4];
        const char *what;
    } modes[] = {
        {{8, 1, 1, 1}, {1, 0, 0, 0}, "(1,0,0,0) 2pi/8"},
        {{8, 8, 1, 1}, {1, 1, 0, 0}, "(1,1,0,0) 2pi/8"},
        {{8, 4, 8, 8}, {1, 1, 1, 3}, "(1,2,1,3) 2pi/8 (on 8.4.8.8)"},
        {{2, 2, 2, 2}, {1, 1, 1, 1}, "(4,4,4,4) 2pi/8 (pi-mode)"},
        {{8, 8, 2, 4}, {3, 1, 1, 1}, "(3,1,2,1) on 8.8.4.4 (on 8.8.2.4)"},
    };
    const double dt = 0.02, eps = 1e-4, g0[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
    for (size_t q = 0; q < sizeof modes / sizeof modes[0]; ++q) {
        const int *L = modes[q].L, *n = modes[q].n;
        double H[4][4], Hc[YM_METRIC_NCOMP];
        random_sym(rg, H);
        ym_metric_pack(H, Hc);
        int V = L[0] * L[1] * L[2] * L[3];
        double *hm = malloc(sizeof(double) * YM_METRIC_NCOMP * (size_t)V);
        mlat m;
        clock_t c0 = clock();
        int st = !hm || run_mode_pair(L, n, g0, H, eps, 1, dt, 50, &m, hm);
        double k2 = khat2(n, L), pred = pow(rk3_poly(k2 * dt), 50);
        double rmin = INFINITY, rmax = -INFINITY, dev = 0, res = 0, hmax = 0;
        if (!st) {
            const int *in = ym_geom_interior(m.t.geom);
            for (int c = 0; c < YM_METRIC_NCOMP; ++c) {
                double num = 0, den = 0;
                for (int i = 0; i < V; ++i) {
                    double cs = cos(phase(m.t.geom, in[i], n, L));
                    num += hm[(size_t)i * YM_METRIC_NCOMP + c] * cs;
                    den += Hc[c] * cs * cs;
                }
                double r = num / den;
                rmin = fmin(rmin, r);
                rmax = fmax(rmax, r);
                dev = fmax(dev, fabs(r - pred));
                for (int i = 0; i < V; ++i) {
                    double cs = cos(phase(m.t.geom, in[i], n, L));
                    res = fmax(res, fabs(hm[(size_t)i * YM_METRIC_NCOMP + c] - r * Hc[c] * cs));
                    hmax = fmax(hmax, fabs(Hc[c]));
                }
            }
            mlat_free(&m);
        }
        tap_diag("T5 %s: khat^2 = %.5f, ratios %.10g .. %.10g, RK3 %.10g, exp %.10g (%.1f s)", modes[q].what, k2, rmin,
                 rmax, pred, exp(-k2), (double)(clock() - c0) / CLOCKS_PER_SEC);
        tap_ok(!st && dev <= 1e-7, "T5 DeTurck mode %s: every component decays by the RK3 symbol (max dev %.2e)",
               modes[q].what, dev);
        tap_ok(!st && res <= 1e-8 * hmax, "T5 DeTurck mode %s: off-mode residual %.2e <= 1e-8", modes[q].what,
               res / (hmax > 0 ? hmax : 1));
        free(hm);
    }
}

/* ---------- T6: stability boundary of the pi-mode ---------- */

static void test_stability(gsl_rng *rg)
{
    struct {
        double c, dt;
        int deturck, grows;
    } cases[] = {{1, 0.155, 1, 0}, {1, 0.159, 1, 1}, {0.5, 0.077, 1, 0},
                 {0.5, 0.080, 1, 1}, {1, 0.103, 0, 0}, {1, 0.107, 0, 1}};
    const int L[4] = {2, 2, 2, 2}, n[4] = {1, 1, 1, 1};
    for (size_t q = 0; q < sizeof cases / sizeof cases[0]; ++q) {
        double c = cases[q].c, dt = cases[q].dt, g0[4][4] = {{0}}, H[4][4];
        for (int a = 0; a < 4; ++a) g0[a][a] = c;
        /* DeTurck: any H (the flow is the Laplacian per component, rate
         * 16/c); without DeTurck the trace mode H = delta has eigenvalue -24. */
        if (cases[q].deturck) random_sym(rg, H);
        else
            for (int a = 0; a < 4; ++a)
                for (int b = 0; b < 4; ++b) H[a][b] = a == b;
        double lam = cases[q].deturck ? 16 / c : 24, pred = pow(fabs(rk3_poly(lam * dt)), 150);
        double *hm = malloc(sizeof(double) * YM_METRIC_NCOMP * 16);
        mlat m;
        /* Growing modes start at 1e-10 to stay linear; decaying ones at 1e-4
         * so that the final amplitude is far above the rounding of g. */
        double eps = cases[q].grows ? 1e-10 : 1e-4;
        int st = !hm || run_mode_pair(L, n, g0, H, eps, cases[q].deturck, dt, 150, &m, hm);
        double amp = 0, amp0 = 0;
        if (!st) {
            double Hc[YM_METRIC_NCOMP];
            ym_metric_pack(H, Hc);
            for (int i = 0; i < 16 * YM_METRIC_NCOMP; ++i) amp = fmax(amp, fabs(hm[i]));
            for (int k = 0; k < YM_METRIC_NCOMP; ++k) amp0 = fmax(amp0, fabs(Hc[k]));
            mlat_free(&m);
        }
        double ratio = amp / amp0;
        tap_ok(!st && (cases[q].grows ? ratio > 10 : ratio < 1) && fabs(ratio / pred - 1) < 1e-4,
               "T6 %s, g = %g delta, dt = %.3f: %s after 150 steps (amplification %.6g, RK3 polynomial %.6g)",
               cases[q].deturck ? "DeTurck" : "no DeTurck", c, dt, cases[q].grows ? "grows" : "stable", ratio, pred);
        free(hm);
    }
}

/* ---------- T7: conformally flat metric ---------- */

typedef struct {
    double u, du[4], ddu[4][4];
} ujet;

static void u_jet(const int x[4], const int L[4], ujet *j)
{
    double a = 2 * M_PI / L[0], s0 = sin(a * x[0]), c0 = cos(a * x[0]), s1 = sin(a * x[1]), c1 = cos(a * x[1]);
    memset(j, 0, sizeof *j);
    j->u = 0.3 * s0 + 0.2 * c1 * s0;
    j->du[0] = a * c0 * (0.3 + 0.2 * c1);
    j->du[1] = -0.2 * a * s1 * s0;
    j->ddu[0][0] = -a * a * s0 * (0.3 + 0.2 * c1);
    j->ddu[0][1] = j->ddu[1][0] = -0.2 * a * a * s1 * c0;
    j->ddu[1][1] = -0.2 * a * a * c1 * s0;
}

static double u_fn(const int x[4], const int L[4], void *ctx)
{
    (void)ctx;
    ujet j;
    u_jet(x, L, &j);
    return j.u;
}

static void conformal_errors(int Lx, double *erc, double *elw)
{
    const int L[4] = {Lx, Lx, 1, 1};
    mlat m;
    *erc = *elw = NAN;
    if (mlat_create(&m, L, NULL, 1)) return;
    if (ym_metric_set_conformal(m.g, u_fn, NULL)) {
        mlat_free(&m);
        return;
    }
    const int *in = ym_geom_interior(m.t.geom);
    double drc = 0, src = 0, dlw = 0, slw = 0;
    for (int i = 0; i < ym_geom_ninterior(m.t.geom); ++i) {
        int x[4];
        ym_geom_global_coords(m.t.geom, in[i], x);
        ujet u;
        u_jet(x, L, &u);
        ym_ricci_jet jet;
        ym_ricci_geo geo;
        ym_ricci_jet_at(m.r, m.g, in[i], &jet);
        if (!ym_ricci_eval(&jet, &geo)) return mlat_free(&m);
        double lap = u.ddu[0][0] + u.ddu[1][1], du2 = u.du[0] * u.du[0] + u.du[1] * u.du[1];
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) {
                double d = a == b;
                double rc = -2 * (u.ddu[a][b] - u.du[a] * u.du[b]) - (lap + 2 * du2) * d;
                double lw = -4 * du2 * d - 4 * u.ddu[a][b] + 8 * u.du[a] * u.du[b];
                drc = fmax(drc, fabs(geo.ric[a][b] - rc));
                src = fmax(src, fabs(rc));
                dlw = fmax(dlw, fabs(geo.lwg[a][b] - lw));
                slw = fmax(slw, fabs(lw));
            }
    }
    *erc = drc / src;
    *elw = dlw / slw;
    mlat_free(&m);
}

static void test_conformal(void)
{
    const int Ls[3] = {16, 32, 64};
    const double ref[3] = {4.8e-2, 1.26e-2, 3.17e-3};
    double erc[3], elw[3];
    for (int i = 0; i < 3; ++i) {
        conformal_errors(Ls[i], &erc[i], &elw[i]);
        tap_diag("T7 L = %d: max rel error Rc %.4e (RYM.md %.3g), L_W g %.4e", Ls[i], erc[i], ref[i], elw[i]);
        tap_ok(fabs(erc[i] / ref[i] - 1) <= 0.05, "T7 conformally flat, L = %d: Rc error %.4e within 5%% of %.3g",
               Ls[i], erc[i], ref[i]);
    }
    double p1 = log2(erc[1] / erc[2]), p2 = log2(elw[1] / elw[2]);
    tap_ok(p1 >= 1.9 && log2(erc[0] / erc[1]) >= 1.9, "T7 Ricci converges at order >= 1.9 (%.3f, %.3f)",
           log2(erc[0] / erc[1]), p1);
    tap_ok(p2 >= 1.9 && log2(elw[0] / elw[1]) >= 1.9, "T7 L_W g converges at order >= 1.9 (%.3f, %.3f)",
           log2(elw[0] / elw[1]), p2);
}

/* ---------- T8: without DeTurck ---------- */

static void test_no_deturck(gsl_rng *rg)
{
    const double I4[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
    /* (a) axis-aligned pure-gauge modes h = D_i X_j + D_j X_i, X_j = c_j sin(k.x), finite amplitude. */
    for (int nk = 1; nk <= 2; ++nk) {
        const int L[4] = {8, 1, 1, 1}, n[4] = {nk, 0, 0, 0};
        double c[4], s[4] = {sin(2 * M_PI * nk / 8), 0, 0, 0}, H[4][4];
        for (int a = 0; a < 4; ++a) c[a] = gsl_ran_gaussian(rg, 1);
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) H[a][b] = s[a] * c[b] + c[a] * s[b];
        mlat m;
        ym_field *K = NULL;
        int st = mlat_create(&m, L, NULL, 0);
        double kmax = 0, hmax = 0;
        if (!st) {
            set_mode(m.g, I4, H, n, L, 0.1);
            st = ym_field_create(&K, m.t.geom, YM_METRIC_NCOMP);
            if (!st) st = ym_ricci_rhs(m.r, m.g, K);
            for (int k = 0; k < YM_METRIC_NCOMP && !st; ++k) {
                double v;
                ym_field_maxabs(K, k, &v);
                kmax = fmax(kmax, v);
            }
            for (int a = 0; a < 4; ++a)
                for (int b = 0; b < 4; ++b) hmax = fmax(hmax, 0.1 * fabs(H[a][b]));
            ym_field_free(K);
            mlat_free(&m);
        }
        tap_ok(!st && kmax <= 1e-10 * hmax,
               "T8 no DeTurck: axis-aligned pure-gauge mode k = (%d,0,0,0) 2pi/8, amplitude 0.1, is stationary "
               "(|dH/dt|/|H| = %.2e)", nk, kmax / hmax);
    }
    /* (b) R(1)/R(0) for k = (1,0,0,0) 2pi/8. */
    {
        const int L[4] = {8, 1, 1, 1}, n[4] = {1, 0, 0, 0};
        const double eps = 1e-5, dt = 0.02; /* O(eps^2) relative: the gauge modes are not damped */
        double H[4][4], Rt[2] = {0, 0};
        random_sym(rg, H);
        /* R's linear part is khat^2 (tr H - H_00): keep it away from a chance cancellation. */
        for (int a = 1; a < 4; ++a) H[a][a] += 2.0;
        mlat m;
        int st = mlat_create(&m, L, NULL, 0);
        for (int sgn = 1; sgn >= -1 && !st; sgn -= 2)
            for (int rep = 0; rep < 2 && !st; ++rep) {
                set_mode(m.g, I4, H, n, L, sgn * eps);
                for (int s = 0; s < (rep ? 50 : 0) && !st; ++s) st = ym_ricci_step_rk3(m.r, m.g, dt);
                if (!st) st = ym_field_halo_update(m.g);
                const int *in = ym_geom_interior(m.t.geom);
                for (int i = 0; i < 8 && !st; ++i) {
                    ym_ricci_jet jet;
                    ym_ricci_geo geo;
                    ym_ricci_jet_at(m.r, m.g, in[i], &jet);
                    if (!ym_ricci_eval(&jet, &geo)) st = 1;
                    Rt[rep] += sgn * geo.R * cos(phase(m.t.geom, in[i], n, L));
                }
            }
        if (!st) mlat_free(&m);
        double pred = pow(rk3_poly(khat2(n, L) * dt), 50), ratio = Rt[1] / Rt[0];
        tap_ok(!st && fabs(ratio - pred) <= 1e-7 && fabs(ratio - 0.5566679) < 5e-8,
               "T8 no DeTurck: R(1)/R(0) = %.10f for k = (1,0,0,0) 2pi/8 (RK3 %.10f, RYM.md 0.5566679)", ratio, pred);
    }
    /* (c) oblique pure-gauge modes against the linear symbol. */
    struct {
        int L[4], n[4];
    } ob[] = {{{8, 8, 1, 1}, {1, 1, 0, 0}}, {{8, 8, 8, 8}, {1, 2, 1, 3}}, {{16, 16, 1, 1}, {1, 1, 0, 0}},
              {{32, 32, 1, 1}, {1, 1, 0, 0}}};
    double c[4], rate[4] = {0, 0, 0, 0};
    for (int q = 0; q < 4; ++q) {
        const int *L = ob[q].L, *n = ob[q].n;
        double k[4], s[4], M[4][4], H[4][4], P[4][4];
        for (int a = 0; a < 4; ++a) {
            k[a] = 2 * M_PI * n[a] / L[a];
            s[a] = sin(k[a]);
            if (q != 3) c[a] = gsl_ran_gaussian(rg, 1); /* 16^2 and 32^2: the same polarisation */
        }
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) {
                M[a][b] = a == b ? 4 * pow(sin(k[a] / 2), 2) : s[a] * s[b];
                H[a][b] = s[a] * c[b] + c[a] * s[b];
            }
        double trM = 0, trH = 0, nP = 0, nH = 0;
        for (int a = 0; a < 4; ++a) trM += M[a][a], trH += H[a][a];
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) {
                double v = -trM * H[a][b] - M[a][b] * trH;
                for (int e = 0; e < 4; ++e) v += M[a][e] * H[e][b] + H[a][e] * M[e][b];
                P[a][b] = v;
                nP += v * v;
                nH += H[a][b] * H[a][b];
            }
        const double eps = 1e-4;
        mlat m;
        ym_field *K = NULL;
        int st = mlat_create(&m, L, NULL, 0), V = L[0] * L[1] * L[2] * L[3];
        double *kk = malloc(sizeof(double) * YM_METRIC_NCOMP * (size_t)V), dev = 0, pmax = 0;
        if (!st) st = ym_field_create(&K, m.t.geom, YM_METRIC_NCOMP);
        const int *in = st ? NULL : ym_geom_interior(m.t.geom);
        for (int sgn = 1; sgn >= -1 && !st && kk; sgn -= 2) {
            set_mode(m.g, I4, H, n, L, sgn * eps);
            st = ym_ricci_rhs(m.r, m.g, K);
            for (int i = 0; i < V && !st; ++i)
                for (int e = 0; e < YM_METRIC_NCOMP; ++e) {
                    double v = ym_field_site(K, in[i])[e];
                    double *o = &kk[(size_t)i * YM_METRIC_NCOMP + e];
                    *o = sgn > 0 ? v : (*o - v) / (2 * eps);
                }
        }
        if (!st && kk) {
            double Pc[YM_METRIC_NCOMP];
            ym_metric_pack(P, Pc);
            for (int i = 0; i < V; ++i) {
                double cs = cos(phase(m.t.geom, in[i], n, L));
                for (int e = 0; e < YM_METRIC_NCOMP; ++e) {
                    dev = fmax(dev, fabs(kk[(size_t)i * YM_METRIC_NCOMP + e] - Pc[e] * cs));
                    pmax = fmax(pmax, fabs(Pc[e]));
                }
            }
        }
        ym_field_free(K);
        if (m.r) mlat_free(&m);
        free(kk);
        rate[q] = sqrt(nP / nH);
        tap_ok(!st && kk && pmax > 0 && dev <= 1e-6 * pmax,
               "T8 no DeTurck: oblique pure-gauge mode (%d,%d,%d,%d) on %dx%dx%dx%d drifts at the symbol's rate "
               "|dH/dt|/|H| = %.6g (dev %.2e)", n[0], n[1], n[2], n[3], L[0], L[1], L[2], L[3], sqrt(nP / nH),
               pmax > 0 ? dev / pmax : 0.0);
    }
    /* The drift is a lattice artefact, O(a^2 k^4): halving k (16^2 -> 32^2 at
     * the same mode number) divides it by ~16 (RYM.md: 7.1e-3 / 4.5e-4 = 15.8
     * for its polarisation; the absolute rates, like its 6.59e-2 on 8^4,
     * depend on the random polarisation X of the mode and are not oracles). */
    tap_ok(rate[3] > 0 && rate[2] / rate[3] > 15 && rate[2] / rate[3] < 16.5,
           "T8 no DeTurck: the oblique drift is O(k^4): rate 16^2 / 32^2 = %.4g / %.4g = %.3f (RYM.md 15.8)", rate[2],
           rate[3], rate[3] > 0 ? rate[2] / rate[3] : 0.0);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    ym_init();
    gsl_rng *rg = gsl_rng_alloc(gsl_rng_ranlxd2);
    gsl_rng_set(rg, 2026);
    test_polynomial();
    test_flat_fixed();
    test_no_deturck(rg);
    test_stability(rg);
    test_conformal();
    test_deturck_modes(rg);
    gsl_rng_free(rg);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
