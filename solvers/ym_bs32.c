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
 * Storage (from ym_flow_work, made once): V and three compact per-link
 * buffers Z_0, Z_i and Y; no allocation per step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_integrator.h"
#include "ym_status.h"

static int bs32_step(const ym_integrator_type *it, ym_gauge *u, const ym_action_type *a, const double *par,
                     double eps, ym_flow_work *w)
{
    (void)it;
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    size_t nn = (size_t)N * N;
    int nin = ym_geom_ninterior(g);
    size_t nk = 4 * (size_t)nin * nn;
    ym_gauge *v = NULL;
    double *z0 = NULL, *z = NULL, *y = NULL;
    int st = ym_flow_work_links(w, &v);
    if (!st) st = ym_flow_work_scratch(w, 0, &z0);
    if (!st) st = ym_flow_work_scratch(w, 1, &z);
    if (!st) st = ym_flow_work_scratch(w, 2, &y);
    if (!st) st = ym_gauge_copy(v, u);
    /* stage 0 */
    if (!st) st = ym_flow_work_force_acc(w, a, par, u, 0.0, z0);
    if (!st) {
        ym_flow_apply_packed(u, v, z0, 0.5 * eps); /* the next force refreshes the halo */
    }
    /* stage 1 */
    if (!st) st = ym_flow_work_force_acc(w, a, par, u, 0.0, z);
    if (!st) {
        for (size_t j = 0; j < nk; ++j) y[j] = 2.0 / 9.0 * z0[j] + 1.0 / 3.0 * z[j];
        ym_flow_apply_packed(u, v, z, 0.75 * eps);
    }
    /* stage 2 and the update with the commutator correction */
    if (!st) st = ym_flow_work_force_acc(w, a, par, u, 0.0, z);
    if (!st) {
        const int *in = ym_geom_interior(g);
        ym_cplx x[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX], c1[YM_NMAX * YM_NMAX], c2[YM_NMAX * YM_NMAX];
        ym_cplx yy[YM_NMAX * YM_NMAX], zz0[YM_NMAX * YM_NMAX];
        for (int i = 0; i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                size_t off = ((size_t)i * 4 + (size_t)mu) * nn;
                for (size_t j = 0; j < nn; ++j) y[off + j] += 4.0 / 9.0 * z[off + j];
                ym_su_ah_unpack(N, yy, y + off);
                ym_su_ah_unpack(N, zz0, z0 + off);
                ym_su_mul_nn(N, c1, yy, zz0);
                ym_su_mul_nn(N, c2, zz0, yy);
                for (size_t j = 0; j < nn; ++j) x[j] = eps * yy[j] + eps * eps / 6.0 * (c1[j] - c2[j]);
                ym_su_exp(N, e, x);
                ym_su_mul_nn(N, ym_gauge_link(u, in[i], mu), e, ym_gauge_link(v, in[i], mu));
            }
    }
    return st;
}

const ym_integrator_type ym_integrator_bs32 = {
    "bs32", "Bogacki-Shampine 3(2) RKMK with one commutator (Bazavov-Chuna), order 3", 3, 3, NULL, NULL,
    bs32_step, 0};
