/* The improved charge's loop kernel against a link-by-link walker.
 * Oracle (independent implementation): ym_curv_improved_densities builds
 * each m x n leaf set from half-loops of straight Wilson lines shared by the
 * four leaves (plane-wise 2-d slabs, fixed-N kernels);
 * the reference below walks every leaf link by link through ym_su_mul_*
 * (the library's previous algorithm, kept here as the reference). For the
 * three schemes (3LOOP, 5LOOP, 5Li) q(x) and s(x) must agree at every site
 * to 1e-13 relative to the largest |q|, |s| of the reference, including
 * which sites contribute (open boundaries). Hot (Haar-random) SU(2), SU(3)
 * (fixed-N kernels) and SU(4) (run-time N) fields, periodic and open; runs
 * on any process grid (--grid), so the comparison also holds when the loops
 * cross ranks. */
#include "common.h"

#include <math.h>

/* out = out * T(x -> x + k mu) link by link; -1 when a link is missing. */
static int ref_step(ym_gauge *u, ym_cplx *out, int x, int mu, int k)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    ym_cplx t[YM_NMAX * YM_NMAX];
    for (; k > 0; --k) {
        if (x < 0 || !(ym_geom_flags(g, x) & YM_GEOM_LINK(mu))) return -1;
        ym_su_mul_nn(N, t, out, ym_gauge_link(u, x, mu));
        ym_su_copy(N, out, t);
        x = ym_geom_up(g, mu)[x];
    }
    for (; k < 0; ++k) {
        if (x < 0) return -1;
        x = ym_geom_dn(g, mu)[x];
        if (x < 0 || !(ym_geom_flags(g, x) & YM_GEOM_LINK(mu))) return -1;
        ym_su_mul_nd(N, t, out, ym_gauge_link(u, x, mu));
        ym_su_copy(N, out, t);
    }
    return x;
}

/* (1/8)(C - C^+) traceless of the m x n leaves (m along mu); 0 if missing. */
static int ref_clover(ym_gauge *u, int x, int mu, int nu, int m, int n, ym_cplx *F)
{
    int N = ym_gauge_N(u), nn = N * N;
    ym_cplx C[YM_NMAX * YM_NMAX], lf[YM_NMAX * YM_NMAX];
    ym_su_zero(N, C);
    for (int sm = -1; sm <= 1; sm += 2)
        for (int sn = -1; sn <= 1; sn += 2) {
            int d1 = mu, k1 = sm * m, d2 = nu, k2 = sn * n;
            if (sm * sn < 0) d1 = nu, k1 = sn * n, d2 = mu, k2 = sm * m; /* keep the orientation */
            ym_su_unit(N, lf);
            int y = ref_step(u, lf, x, d1, k1);
            if (y >= 0) y = ref_step(u, lf, y, d2, k2);
            if (y >= 0) y = ref_step(u, lf, y, d1, -k1);
            if (y >= 0) y = ref_step(u, lf, y, d2, -k2);
            if (y < 0) return 0;
            for (int j = 0; j < nn; ++j) C[j] += lf[j];
        }
    ym_su_proj(N, F, C);
    for (int j = 0; j < nn; ++j) F[j] *= 0.25;
    return 1;
}

static void ref_dens(int N, ym_cplx F[6][YM_NMAX * YM_NMAX], double *q, double *s)
{
    double e = 0;
    for (int p = 0; p < 6; ++p) e -= ym_su_retr_nn(N, F[p], F[p]);
    double t = ym_su_retr_nn(N, F[0], F[5]) - ym_su_retr_nn(N, F[1], F[4]) + ym_su_retr_nn(N, F[2], F[3]);
    *s = e;
    *q = -t / (4 * M_PI * M_PI);
}

/* q, s of scheme sc at x by the definitions of ym_improved.h. */
static void ref_site(ym_gauge *u, int x, int sc, double *q, double *s)
{
    int N = ym_gauge_N(u), nn = N * N;
    static ym_cplx F[5][6][YM_NMAX * YM_NMAX];
    ym_cplx G[YM_NMAX * YM_NMAX], Fi[6][YM_NMAX * YM_NMAX];
    *q = *s = 0;
    for (int i = 0; i < 5; ++i)
        for (int p = 0; p < 6; ++p) {
            int mu = ym_plane_mu[p], nu = ym_plane_nu[p], m = ym_qimp_m[i], n = ym_qimp_n[i];
            if (!ref_clover(u, x, mu, nu, m, n, F[i][p])) return;
            if (m != n) {
                if (!ref_clover(u, x, mu, nu, n, m, G)) return;
                for (int j = 0; j < nn; ++j) F[i][p][j] = 0.5 * (F[i][p][j] + G[j]);
            }
        }
    double den = (double)ym_qimp_den[sc];
    if (sc == YM_QIMP_5LI) {
        for (int i = 0; i < 5; ++i) {
            double a, b, mn = (double)(ym_qimp_m[i] * ym_qimp_n[i]), c = (double)ym_qimp_num[sc][i] / den;
            ref_dens(N, F[i], &a, &b);
            *q += c * a / (mn * mn);
            *s += c * b / (mn * mn);
        }
        return;
    }
    memset(Fi, 0, sizeof Fi);
    for (int i = 0; i < 5; ++i)
        for (int p = 0; p < 6; ++p)
            for (int j = 0; j < nn; ++j) Fi[p][j] += (double)ym_qimp_num[sc][i] / den * F[i][p][j];
    ref_dens(N, Fi, q, s);
}

static void check(const int pd[4], int N, const int L[4], const int bc[4], const char *label)
{
    test_lat t;
    ym_field *q = NULL, *s = NULL;
    int st = test_lat_create(&t, MPI_COMM_WORLD, L, pd, 3, bc, N);
    if (!st) st = ym_gauge_set_random(t.u, 20261204u + (unsigned)N);
    if (!st) st = ym_field_create(&q, t.geom, 1);
    if (!st) st = ym_field_create(&s, t.geom, 1);
    if (!st) st = ym_gauge_halo_update(t.u);
    tap_ok(!st, "%s: set-up", label);
    if (st) {
        test_lat_free(&t);
        return;
    }
    const char *name[3] = {"3loop", "5loop", "5Li"};
    for (int sc = 0; sc < 3; ++sc) {
        st = ym_curv_improved_densities(t.u, sc, q, s);
        double dq = 0, ds = 0, mq = 0, ms = 0, live = 0;
        const int *in = ym_geom_interior(t.geom);
        for (int i = 0; i < ym_geom_ninterior(t.geom) && !st; ++i) {
            double rq, rs;
            ref_site(t.u, in[i], sc, &rq, &rs);
            dq = fmax(dq, fabs(*ym_field_site(q, in[i]) - rq));
            ds = fmax(ds, fabs(*ym_field_site(s, in[i]) - rs));
            mq = fmax(mq, fabs(rq));
            ms = fmax(ms, fabs(rs));
            live += rs != 0;
        }
        double v[5] = {dq, ds, mq, ms, live};
        MPI_Allreduce(MPI_IN_PLACE, v, 4, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        MPI_Allreduce(MPI_IN_PLACE, v + 4, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        tap_ok(!st && v[3] > 0 && v[0] <= 1e-13 * v[2] && v[1] <= 1e-13 * v[3],
               "%s, %s: q(x), s(x) equal the link walker (max |dq| %.2e of %.3g, |ds| %.2e of %.3g; %g sites)", label,
               name[sc], v[0], v[2], v[1], v[3], v[4]);
    }
    ym_field_free(q);
    ym_field_free(s);
    test_lat_free(&t);
}

/* Largest |a - b| over the interior (all ranks). */
static double field_diff(const ym_field *a, const ym_field *b)
{
    const ym_geom *g = ym_field_geom(a);
    const int *in = ym_geom_interior(g);
    double d = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        d = fmax(d, fabs(*ym_field_site((ym_field *)a, in[i]) - *ym_field_site((ym_field *)b, in[i])));
    MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return d;
}

/* The reusable workspace (a depth-1 field, so it works on its own depth-3
 * copy) gives bitwise the densities of a fresh call, on its first pass and
 * on later ones over other fields and other schemes (scratch and sums are
 * reset between passes); a field on another geometry is refused. */
static void check_ws(const int pd[4], int N, const int L[4], const int bc[4], const char *label)
{
    test_lat t, o;
    ym_field *q = NULL, *s = NULL, *q2 = NULL, *s2 = NULL;
    ym_improved *w = NULL;
    int st = test_lat_create(&t, MPI_COMM_WORLD, L, pd, 1, bc, N);
    int st2 = st ? st : test_lat_create(&o, MPI_COMM_WORLD, L, pd, 2, bc, N);
    if (!st) st = st2;
    if (!st) st = ym_field_create(&q, t.geom, 1);
    if (!st) st = ym_field_create(&s, t.geom, 1);
    if (!st) st = ym_field_create(&q2, t.geom, 1);
    if (!st) st = ym_field_create(&s2, t.geom, 1);
    if (!st) st = ym_improved_create(&w, t.geom, N);
    tap_ok(!st, "%s, workspace: set-up", label);
    if (!st) {
        const int sc[3] = {YM_QIMP_5LI, YM_QIMP_3LOOP, YM_QIMP_5LI};
        double d = 0;
        for (int r = 0; r < 3 && !st; ++r) {
            st = ym_gauge_set_random(t.u, 777u + (unsigned)r);
            if (!st) st = ym_curv_improved_densities(t.u, sc[r], q, s);
            if (!st) st = ym_improved_densities(w, t.u, sc[r], q2, s2);
            if (!st) d = fmax(d, fmax(field_diff(q, q2), field_diff(s, s2)));
        }
        double Q = 0, S = 0, Q2 = 0, S2 = 0;
        if (!st) st = ym_curv_charge_improved(t.u, YM_QIMP_5LI, &Q, &S);
        if (!st) st = ym_improved_charge(w, t.u, YM_QIMP_5LI, &Q2, &S2);
        tap_ok(!st && d == 0 && Q == Q2 && S == S2,
               "%s, workspace: 3 passes (5Li, 3loop, 5Li) and the totals equal fresh calls bitwise (max diff %.1e)",
               label, d);
        if (!st2) {
            int e = ym_improved_densities(w, o.u, YM_QIMP_5LI, NULL, NULL);
            tap_ok(e == YM_EINVAL, "%s, workspace: a field on another geometry is refused (%d)", label, e);
        }
    }
    ym_improved_free(w);
    ym_field_free(q);
    ym_field_free(s);
    ym_field_free(q2);
    ym_field_free(s2);
    if (!st2) test_lat_free(&o);
    test_lat_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    int pd[4];
    test_grid_arg(argc, argv, pd);
    int per[4] = {0, 0, 0, 0}, open_xt[4] = {1, 0, 0, 1};
    int L6[4] = {6, 6, 6, 6}, Lo[4] = {10, 6, 6, 10};
    check(pd, 3, L6, per, "SU(3) periodic 6^4");
    check(pd, 2, L6, per, "SU(2) periodic 6^4");
    check(pd, 3, Lo, open_xt, "SU(3) open x,t 10x6x6x10");
    check(pd, 4, L6, per, "SU(4) periodic 6^4");
    check_ws(pd, 3, Lo, open_xt, "SU(3) open x,t 10x6x6x10");
    check_ws(pd, 2, L6, per, "SU(2) periodic 6^4");
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
