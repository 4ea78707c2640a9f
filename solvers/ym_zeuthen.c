/* Extra loop actions and the Zeuthen flow "action".
 *
 *  "overimproved-rect" (registered): Moran-Leinweber over-improved rectangle
 *      action (THEORY.md C.2), c0 = (5 - 2 eps)/3 on 1x1, c1 = -(1 - eps)/12
 *      on 1x2 and 2x1 (c0 + 8 c1 = 1); parameter eps (default -0.25;
 *      eps = 1: Wilson, eps = 0: Luscher-Weisz).
 *  ym_action_zeuthen (registered as "zeuthen", marked not_gradient): value = Luscher-Weisz
 *      action; "force" Z' = (5/6) Z + (1/12)[U Z(x+mu) U^dagger +
 *      U(x-mu)^dagger Z(x-mu) U(x-mu)] applied to the LW force Z (THEORY.md
 *      B.5, Grid ZeuthenFlow). Z' is not the gradient of the value, so the
 *      type must stay out of the registry (test_action checks force =
 *      derivative for every registered type) until ym_action_type has a
 *      capability flag for it. Use it directly with ym_flow_step.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_action.h"
#include "ym_smear.h"
#include "ym_status.h"

static int eps_check(const ym_action_type *a, const double *par)
{
    if (!isfinite(par[0])) return YM_ERROR(YM_EINVAL, "action %s: parameter eps is not finite", a->name);
    return YM_OK;
}

static void orect_set(double eps, ym_loop_set *ls)
{
    double c1 = -(1.0 - eps) / 12.0;
    ls->nloop = 3;
    ls->ext_mu[0] = 1, ls->ext_nu[0] = 1, ls->w[0] = (5.0 - 2.0 * eps) / 3.0;
    ls->ext_mu[1] = 1, ls->ext_nu[1] = 2, ls->w[1] = c1;
    ls->ext_mu[2] = 2, ls->ext_nu[2] = 1, ls->w[2] = c1;
}

static int orect_value(const ym_action_type *a, const double *par, ym_gauge *u, double *s)
{
    (void)a;
    ym_loop_set ls;
    orect_set(par[0], &ls);
    return ym_loop_action_value(&ls, u, s);
}

static int orect_force(const ym_action_type *a, const double *par, ym_gauge *u, ym_field *z)
{
    (void)a;
    ym_loop_set ls;
    orect_set(par[0], &ls);
    return ym_loop_action_force(&ls, u, z);
}

static int orect_force_acc(const ym_action_type *a, const double *par, ym_gauge *u, double A, double *k)
{
    (void)a;
    ym_loop_set ls;
    orect_set(par[0], &ls);
    return ym_loop_action_force_acc(&ls, u, A, k);
}

static const ym_action_param p_orect[] = {
    {"eps", -0.25, "over-improvement (1: Wilson, 0: Luscher-Weisz, -0.25: Moran-Leinweber)"}};

const ym_action_type ym_action_overimproved_rect = {
    "overimproved-rect", "over-improved rectangle action, c0 = (5-2eps)/3, c1 = -(1-eps)/12 (Moran-Leinweber)",
    2, 1, p_orect, eps_check, orect_value, orect_force, NULL, 0, orect_force_acc};

/* ---- Zeuthen ---- */

static int zeu_value(const ym_action_type *a, const double *par, ym_gauge *u, double *s)
{
    (void)a, (void)par;
    ym_loop_set ls;
    orect_set(0.0, &ls);
    return ym_loop_action_value(&ls, u, s);
}

/* Z' in place: along each line in direction mu the original Z(x - mu) is
 * carried in prev (the halo value at the line start) and Z(x + mu) is not
 * yet overwritten (or is the halo at the line end), so no second field is
 * needed and nothing is allocated per call. */
static int zeu_force(const ym_action_type *a, const double *par, ym_gauge *u, ym_field *z)
{
    (void)a, (void)par;
    ym_loop_set ls;
    orect_set(0.0, &ls);
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    size_t nn = (size_t)N * N;
    int st = ym_loop_action_force(&ls, u, z);
    if (!st) st = ym_field_halo_update(z);
    if (st) return st;
    const int *l = ym_grid_local(ym_geom_grid(g));
    double *zd = ym_field_data(z), *ud = ym_field_data(ym_gauge_field(u));
    ym_cplx t[YM_NMAX * YM_NMAX], r[YM_NMAX * YM_NMAX], prev[YM_NMAX * YM_NMAX], orig[YM_NMAX * YM_NMAX];
    for (int mu = 0; mu < 4; ++mu) {
        const int *up = ym_geom_up(g, mu), *dn = ym_geom_dn(g, mu);
        int o[3], k = 0, c[4];
        for (int m = 0; m < 4; ++m)
            if (m != mu) o[k++] = m;
        for (c[o[2]] = 0; c[o[2]] < l[o[2]]; ++c[o[2]])
            for (c[o[1]] = 0; c[o[1]] < l[o[1]]; ++c[o[1]])
                for (c[o[0]] = 0; c[o[0]] < l[o[0]]; ++c[o[0]]) {
                    c[mu] = 0;
                    int x = ym_geom_index(g, c);
                    ym_su_copy(N, prev, ym_gauge_link_at(zd, N, dn[x], mu));
                    for (int s = 0; s < l[mu]; ++s, x = up[x]) {
                        ym_cplx *zx = ym_gauge_link_at(zd, N, x, mu);
                        ym_su_copy(N, orig, zx);
                        unsigned fl = ym_geom_flags(g, x);
                        if (fl & YM_GEOM_LINK(mu)) { /* force is 0 on a missing link */
                            for (size_t j = 0; j < nn; ++j) zx[j] *= 5.0 / 6.0;
                            /* U Z(x+mu) U^dagger (Z(x+mu) is 0 where that link is missing) */
                            const ym_cplx *U = ym_gauge_link_at(ud, N, x, mu);
                            ym_su_mul_nn(N, t, U, ym_gauge_link_at(zd, N, up[x], mu));
                            ym_su_mul_nd(N, r, t, U);
                            ym_su_axpy(N, zx, 1.0 / 12.0, r);
                            if (fl & YM_GEOM_DOWN(mu)) {
                                int xm = dn[x];
                                if (ym_geom_flags(g, xm) & YM_GEOM_LINK(mu)) {
                                    const ym_cplx *Um = ym_gauge_link_at(ud, N, xm, mu);
                                    ym_su_mul_dn(N, t, Um, prev);
                                    ym_su_mul_nn(N, r, t, Um);
                                    ym_su_axpy(N, zx, 1.0 / 12.0, r);
                                }
                            }
                        }
                        ym_su_copy(N, prev, orig);
                    }
                }
    }
    return YM_OK;
}

const ym_action_type ym_action_zeuthen = {
    "zeuthen", "Zeuthen flow: LW action, force (1 + a^2/12 nabla*_mu nabla_mu) applied to the LW force (not a gradient)",
    2, 0, NULL, NULL, zeu_value, zeu_force, NULL, 1, NULL};
