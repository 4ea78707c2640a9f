/* Bogacki-Shampine 3(2) Runge-Kutta-Munthe-Kaas integrator "bs32"
 * (THEORY.md B.3; Bazavov & Chuna, arXiv:2101.05320; MILC integrate.c).
 *
 * With Z_i = Z(W_i):
 *   W_0 = V,  W_1 = exp(eps/2 Z_0) V,  W_2 = exp(3 eps/4 Z_1) V,
 *   Y   = 2/9 Z_0 + 1/3 Z_1 + 4/9 Z_2,
 *   V'  = exp(eps Y + (eps^2/6) [Y, Z_0]) V.
 * The single commutator is the truncated dexp^-1 correction that makes the
 * scheme third order for Lie-group flows (in MILC's K = -Z form:
 * exp(-eps [sum b K - (eps/6)[sum b K, K_1]])).
 * The FSAL error estimate (b' = (7/24, 1/4, 1/3, 1/8)) is not used at a
 * fixed step.
 *
 * The workspace of ym_flow_work is opaque here, so the step allocates its
 * own copies of V, Z_0 and Y (one gauge field and two force fields) per
 * call. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_integrator.h"
#include "ym_status.h"

/* u(link) = exp(x) v(link) over the interior, x = sum_k c_k f_k. */
static void apply(ym_gauge *u, ym_gauge *v, int nf, ym_field **f, const double *c)
{
    int N = ym_gauge_N(u);
    size_t nn = (size_t)N * N;
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    ym_cplx x[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX];
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            for (size_t j = 0; j < nn; ++j) x[j] = 0;
            for (int k = 0; k < nf; ++k) {
                const ym_cplx *z = ym_gauge_link_at(ym_field_data(f[k]), N, in[i], mu);
                for (size_t j = 0; j < nn; ++j) x[j] += c[k] * z[j];
            }
            ym_su_exp(N, e, x);
            ym_su_mul_nn(N, ym_gauge_link(u, in[i], mu), e, ym_gauge_link(v, in[i], mu));
        }
}

static int bs32_step(const ym_integrator_type *it, ym_gauge *u, const ym_action_type *a, const double *par,
                     double eps, ym_flow_work *w)
{
    (void)it;
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int N = ym_gauge_N(u);
    size_t nn = (size_t)N * N, nc = 8 * nn;
    ym_gauge *v = NULL;
    ym_field *z0 = NULL, *y = NULL, *z = ym_flow_work_force(w);
    int st = ym_gauge_create(&v, g, N);
    if (!st) st = ym_field_create(&z0, g, nc);
    if (!st) st = ym_field_create(&y, g, nc);
    if (!st) st = ym_gauge_copy(v, u);
    st = ym_status_agree(comm, st);
    size_t nd = nc * (size_t)ym_geom_nsites(g);
    /* stage 0 */
    if (!st) st = ym_status_agree(comm, a->force(a, par, u, z));
    if (!st) {
        memcpy(ym_field_data(z0), ym_field_data(z), sizeof(double) * nd);
        double c = 0.5 * eps;
        apply(u, v, 1, &z0, &c);
        st = ym_gauge_halo_update(u);
    }
    /* stage 1 */
    if (!st) st = ym_status_agree(comm, a->force(a, par, u, z));
    if (!st) {
        double *yd = ym_field_data(y), *zd = ym_field_data(z), *z0d = ym_field_data(z0);
        for (size_t j = 0; j < nd; ++j) yd[j] = 2.0 / 9.0 * z0d[j] + 1.0 / 3.0 * zd[j];
        double c = 0.75 * eps;
        apply(u, v, 1, &z, &c);
        st = ym_gauge_halo_update(u);
    }
    /* stage 2 and the update with the commutator correction */
    if (!st) st = ym_status_agree(comm, a->force(a, par, u, z));
    if (!st) {
        const int *in = ym_geom_interior(g);
        ym_cplx x[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX], c1[YM_NMAX * YM_NMAX], c2[YM_NMAX * YM_NMAX];
        for (int i = 0; i < ym_geom_ninterior(g); ++i)
            for (int mu = 0; mu < 4; ++mu) {
                ym_cplx *yy = ym_gauge_link_at(ym_field_data(y), N, in[i], mu);
                const ym_cplx *zz = ym_gauge_link_at(ym_field_data(z), N, in[i], mu);
                const ym_cplx *zz0 = ym_gauge_link_at(ym_field_data(z0), N, in[i], mu);
                for (size_t j = 0; j < nn; ++j) yy[j] += 4.0 / 9.0 * zz[j];
                ym_su_mul_nn(N, c1, yy, zz0);
                ym_su_mul_nn(N, c2, zz0, yy);
                for (size_t j = 0; j < nn; ++j) x[j] = eps * yy[j] + eps * eps / 6.0 * (c1[j] - c2[j]);
                ym_su_exp(N, e, x);
                ym_su_mul_nn(N, ym_gauge_link(u, in[i], mu), e, ym_gauge_link(v, in[i], mu));
            }
        st = ym_gauge_halo_update(u);
    }
    ym_gauge_free(v);
    ym_field_free(z0);
    ym_field_free(y);
    return st;
}

const ym_integrator_type ym_integrator_bs32 = {
    "bs32", "Bogacki-Shampine 3(2) RKMK with one commutator (Bazavov-Chuna), order 3", 3, 3, NULL, NULL,
    bs32_step, 0};
