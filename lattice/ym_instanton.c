/* Exact lattice links of BPST instantons. */
#include "ym_instanton.h"
#include "ym_status.h"

#include <math.h>

/* 't Hooft symbols, 0-based (index 3 = time): eta_{a mu nu} for a = 0..2. */
static double eta(int a, int mu, int nu, int bar)
{
    if (mu == nu) return 0;
    if (mu < 3 && nu < 3) {
        /* epsilon_{a mu nu} */
        if (a == mu || a == nu) return 0;
        return ((a + 1) % 3 == mu) ? 1.0 : -1.0;
    }
    double s = bar ? -1.0 : 1.0;
    if (nu == 3) return a == mu ? s : 0;
    return a == nu ? -s : 0; /* mu == 3 */
}

/* int_{x}^{x+1} ds / (s^2 + c2) = atan2(c, c^2 + x(x+1)) / c, the form of
 * arctan((x+1)/c) - arctan(x/c) without cancellation. */
static double link_integral(double x, double c2)
{
    double c = sqrt(c2);
    return atan2(c, c2 + x * (x + 1)) / c;
}

void ym_instanton_link(const ym_instanton *p, const double x[4], int mu, ym_cplx out[4])
{
    double y[4], rp2 = 0, r2 = p->rho * p->rho;
    for (int nu = 0; nu < 4; ++nu) {
        y[nu] = x[nu] - p->center[nu];
        if (nu != mu) rp2 += y[nu] * y[nu];
    }
    double in;
    int bar;
    if (p->singular) {
        in = link_integral(y[mu], rp2) - link_integral(y[mu], rp2 + r2);
        bar = !p->anti;
    } else {
        in = link_integral(y[mu], rp2 + r2);
        bar = p->anti;
    }
    double th[3], n2 = 0;
    for (int a = 0; a < 3; ++a) {
        th[a] = 0;
        for (int nu = 0; nu < 4; ++nu) th[a] += eta(a, mu, nu, bar) * y[nu];
        th[a] *= in;
        n2 += th[a] * th[a];
    }
    /* exp(-i theta.sigma) = cos|t| - i sin|t| t^.sigma */
    double n = sqrt(n2), c = cos(n), s = n > 0 ? sin(n) / n : 1.0;
    out[0] = c - _Complex_I * s * th[2];
    out[1] = -_Complex_I * s * th[0] - s * th[1];
    out[2] = -_Complex_I * s * th[0] + s * th[1];
    out[3] = c + _Complex_I * s * th[2];
}

double ym_instanton_action_density(const ym_instanton *p, const double x[4])
{
    double r2 = 0, rho2 = p->rho * p->rho;
    for (int mu = 0; mu < 4; ++mu) r2 += (x[mu] - p->center[mu]) * (x[mu] - p->center[mu]);
    double d = r2 + rho2;
    return 48.0 * rho2 * rho2 / (d * d * d * d);
}

void ym_instanton_default(ym_instanton *p, const int L[4])
{
    int lmin = L[0];
    for (int mu = 0; mu < 4; ++mu) {
        p->center[mu] = floor((L[mu] - 1) / 2.0) + 0.5;
        if (L[mu] < lmin) lmin = L[mu];
    }
    p->rho = lmin / 4.0 < 4.0 ? lmin / 4.0 : 4.0;
    p->anti = 0;
    p->singular = 1;
}

int ym_instanton_check(const ym_instanton *p, const int L[4])
{
    (void)L;
    if (!(p->rho > 0) || !isfinite(p->rho)) return YM_ERROR(YM_EINVAL, "rho: %g is not a positive number", p->rho);
    int on_grid = 0;
    for (int mu = 0; mu < 4; ++mu) {
        if (!isfinite(p->center[mu]))
            return YM_ERROR(YM_EINVAL, "center: coordinate %d is not a finite number", mu);
        if (p->center[mu] == floor(p->center[mu])) ++on_grid;
    }
    if (p->singular && on_grid >= 3)
        return YM_ERROR(YM_EINVAL,
                        "center: in singular gauge the centre must not lie on a lattice line (3 or more integer "
                        "coordinates); move it or use --gauge regular");
    return YM_OK;
}

int ym_instanton_set(ym_gauge *u, const ym_instanton *objs, int n)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int N = ym_gauge_N(u), st = YM_OK;
    if (N < 2) st = YM_ERROR(YM_EINVAL, "N: instantons need N >= 2, got %d", N);
    for (int k = 0; k < n && st == YM_OK; ++k) st = ym_instanton_check(&objs[k], ym_grid_L(ym_geom_grid(g)));
    st = ym_status_agree(comm, st);
    if (st) return st;
    ym_gauge_set_unit(u);
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int G[4];
        ym_geom_global_coords(g, in[i], G);
        double x[4] = {G[0], G[1], G[2], G[3]};
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *l = ym_gauge_link(u, in[i], mu), acc[4] = {1, 0, 0, 1}, one[4], tmp[4];
            for (int k = 0; k < n; ++k) {
                ym_instanton_link(&objs[k], x, mu, one);
                ym_su_mul_nn(2, tmp, acc, one);
                for (int j = 0; j < 4; ++j) acc[j] = tmp[j];
            }
            l[0] = acc[0];
            l[1] = acc[1];
            l[N] = acc[2];
            l[N + 1] = acc[3];
        }
    }
    return ym_gauge_halo_update(u);
}
