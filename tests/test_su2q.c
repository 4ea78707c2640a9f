/* The SU(2) quaternion kernels of the Wilson flow (the N = 2 Wilson force,
 * solvers/ym_action.c wilson_scatter_q, and the N = 2 RK3 link update,
 * solvers/ym_integrator.c update2) against the generic, N-independent code
 * path: ym_loop_action_force_generic (every plaquette walked through every
 * link with full N x N complex products) and an RK3 step written here from
 * the generic per-link calls (ym_su_ah_pack/unpack, ym_su_exp,
 * ym_su_mul_nn) with the Luscher 2N-storage coefficients.
 * Oracle: both are evaluations of the same sums and the same exponential in
 * different arithmetic (quaternion against full matrices), so they agree to
 * rounding: max |Z_q - Z_generic| <= 1e-14 max |Z| for the force and
 * force_acc, and max |U_q - U_generic| <= 1e-14 (entries of SU(2) links are
 * O(1)) after one RK3 step, on hot (Haar-random) SU(2) fields of 4x6x5x8
 * (unequal extents catch a swapped direction) with periodic boundaries,
 * open t (as the pipeline's recorded data) and all four directions open;
 * step sizes 0.01, 0.0625 (the pipeline's), 0.3 and 1 so that the update's
 * Taylor polynomials (theta < 1/2) and its sincos branch are both used.
 * The measured maxima are printed as diagnostics. */
#include "common.h"

#include <math.h>

#include "ym_action_impl.h"

static const ym_loop_set wilson = {1, {1}, {1}, {1.0}};

static double maxdiff_links(ym_gauge *a, ym_gauge *b)
{
    const ym_geom *g = ym_gauge_geom(a);
    const int *in = ym_geom_interior(g);
    double m = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            const ym_cplx *x = ym_gauge_link(a, in[i], mu), *y = ym_gauge_link(b, in[i], mu);
            for (int j = 0; j < 4; ++j) m = fmax(m, cabs(x[j] - y[j]));
        }
    return m;
}

/* One RK3 step by the generic per-link calls. */
static int rk3_generic(ym_gauge *u, double eps, double *k, ym_field *zg)
{
    const ym_integrator_type *it = ym_integrator_find("rk3");
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    int nin = ym_geom_ninterior(g);
    for (int s = 0; s < it->nstages; ++s) {
        int st = ym_loop_action_force_generic(&wilson, u, zg);
        if (st) return st;
        for (int i = 0; i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                double pz[4], *kk = k + ((size_t)i * 4 + (size_t)mu) * 4;
                ym_su_ah_pack(2, pz, ym_gauge_link_at(ym_field_data(zg), 2, in[i], mu));
                for (int j = 0; j < 4; ++j) kk[j] = (s ? it->A[s] * kk[j] : 0.0) + pz[j];
                ym_cplx x[4], e[4], t[4];
                ym_su_ah_unpack(2, x, kk);
                for (int j = 0; j < 4; ++j) x[j] *= eps * it->B[s];
                ym_su_exp(2, e, x);
                ym_su_mul_nn(2, t, e, ym_gauge_link(u, in[i], mu));
                ym_su_copy(2, ym_gauge_link(u, in[i], mu), t);
            }
    }
    return YM_OK;
}

static void compare(const char *what, const int bc[4])
{
    const int L[4] = {4, 6, 5, 8}, one[4] = {1, 1, 1, 1};
    test_lat t;
    if (!tap_ok(!test_lat_create(&t, MPI_COMM_SELF, L, one, 1, bc, 2), "%s: set-up", what)) return;
    ym_field *zf = NULL, *zg = NULL;
    ym_gauge *u1 = NULL, *u2 = NULL;
    ym_flow_work *w = NULL;
    size_t nin = (size_t)ym_geom_ninterior(t.geom);
    double *k = malloc(nin * 16 * sizeof(double)), *kref = malloc(nin * 16 * sizeof(double));
    int st = ym_field_create(&zf, t.geom, 32);
    if (!st) st = ym_field_create(&zg, t.geom, 32);
    if (!st) st = ym_gauge_create(&u1, t.geom, 2);
    if (!st) st = ym_gauge_create(&u2, t.geom, 2);
    if (!st) st = ym_gauge_set_random(t.u, 2024);
    if (!st) st = ym_flow_work_create(&w, t.u);
    if (!tap_ok(!st && k && kref, "%s: fields", what)) goto done;
    const int *in = ym_geom_interior(t.geom);

    /* the force, full matrices and force_acc */
    st = ym_loop_action_force(&wilson, t.u, zf);
    if (!st) st = ym_loop_action_force_generic(&wilson, t.u, zg);
    double dmax = 0, zmax = 0;
    for (size_t i = 0; !st && i < nin; ++i) {
        const double *a = ym_field_site(zf, in[i]), *b = ym_field_site(zg, in[i]);
        for (int j = 0; j < 32; ++j) dmax = fmax(dmax, fabs(a[j] - b[j])), zmax = fmax(zmax, fabs(b[j]));
    }
    tap_ok(!st && zmax > 0 && dmax <= 1e-14 * zmax, "%s: SU(2) Wilson force, quaternion = generic (%.2e of max|Z| %.3g)",
           what, dmax / fmax(zmax, 1e-300), zmax);
    const double A = -17.0 / 32.0;
    for (size_t i = 0; i < nin; ++i)
        for (int mu = 0; mu < 4; ++mu) {
            double *kk = k + (i * 4 + (size_t)mu) * 4, *kr = kref + (i * 4 + (size_t)mu) * 4, pz[4];
            ym_su_ah_pack(2, kk, ym_gauge_link(t.u, in[i], mu)); /* any start value */
            ym_su_ah_pack(2, pz, ym_gauge_link_at(ym_field_data(zg), 2, in[i], mu));
            for (int j = 0; j < 4; ++j) kr[j] = A * kk[j] + pz[j];
        }
    if (!st) st = ym_loop_action_force_acc(&wilson, t.u, A, k);
    double kd = 0;
    for (size_t j = 0; !st && j < nin * 16; ++j) kd = fmax(kd, fabs(k[j] - kref[j]));
    tap_ok(!st && kd <= 1e-14 * zmax, "%s: force_acc = A k + pack(Z generic) (%.2e of max|Z|)", what, kd / zmax);
    /* A = 0 overwrites whatever k held */
    for (size_t j = 0; j < nin * 16; ++j) k[j] = NAN;
    if (!st) st = ym_loop_action_force_acc(&wilson, t.u, 0.0, k);
    kd = 0;
    for (size_t i = 0; !st && i < nin; ++i)
        for (int mu = 0; mu < 4; ++mu) {
            double pz[4], *kk = k + (i * 4 + (size_t)mu) * 4;
            ym_su_ah_pack(2, pz, ym_gauge_link_at(ym_field_data(zg), 2, in[i], mu));
            for (int j = 0; j < 4; ++j) kd = isnan(kk[j]) ? INFINITY : fmax(kd, fabs(kk[j] - pz[j]));
        }
    tap_ok(!st && kd <= 1e-14 * zmax, "%s: force_acc with A = 0 = pack(Z generic) (%.2e of max|Z|)", what, kd / zmax);

    /* one RK3 step */
    const double eps[4] = {0.01, 0.0625, 0.3, 1.0};
    const ym_action_type *wa = ym_action_find("wilson");
    const ym_integrator_type *rk3 = ym_integrator_find("rk3");
    for (int e = 0; e < 4; ++e) {
        if (!st) st = ym_gauge_copy(u1, t.u);
        if (!st) st = ym_gauge_copy(u2, t.u);
        if (!st) st = ym_flow_step(u1, wa, NULL, rk3, eps[e], w);
        if (!st) st = rk3_generic(u2, eps[e], k, zg);
        double ud = st ? INFINITY : maxdiff_links(u1, u2), moved = st ? 0 : maxdiff_links(u2, t.u);
        tap_ok(!st && moved > 0 && ud <= 1e-14, "%s: one RK3 step eps %g, quaternion = generic (max |dU| %.2e, step moved links by %.3g)",
               what, eps[e], ud, moved);
        double un = 0, de = 0;
        if (!st) st = ym_gauge_unitarity(u1, &un, &de);
        tap_ok(!st && un <= 1e-14 && de <= 1e-14, "%s: eps %g: links stay in SU(2) (unitarity %.1e, det %.1e)", what,
               eps[e], un, de);
    }
done:
    free(k);
    free(kref);
    ym_flow_work_free(w);
    ym_gauge_free(u1);
    ym_gauge_free(u2);
    ym_field_free(zf);
    ym_field_free(zg);
    test_lat_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    const int per[4] = {YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_PERIODIC};
    const int opt[4] = {YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_OPEN};
    const int all[4] = {YM_BC_OPEN, YM_BC_OPEN, YM_BC_OPEN, YM_BC_OPEN};
    compare("periodic", per);
    compare("open t", opt);
    compare("open xyzt", all);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
