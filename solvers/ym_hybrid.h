/* The metric-weighted gauge actions of the Ricci–Yang–Mills flow (RYM.md §1.2)
 * and their exact forces.
 *
 * Weights on 2-forms, P = (mu<nu), P' = (alpha<beta):
 *   K_PP'(x) = sqrt(g) (g^{mu alpha} g^{nu beta} - g^{mu beta} g^{nu alpha}),
 * positive definite for SPD g. F is the clover field strength of ym_curv.h.
 *   clover:  S_g   = sum_x sum_{P,P'} K_PP'(x) (-tr F_P F_P')
 *   hybrid:  S_hyb = sum_x [ sum_P K_PP(x) 1/4 sum_{leaves l of P at x} 2 Re tr(1 - l)
 *                            + sum_{P != P'} K_PP'(x) (-tr F_P F_P') ]
 * The hybrid (the default, YM_HYBRID) equals the Wilson action for g = delta
 * and Karsch's anisotropic action for diagonal g; the clover action
 * (YM_HYBRID_CLOVER) has a large null space and is there for tests only.
 *
 * Force, in the convention of ym_action.h: Z_mu(x) with
 *   d/ds S(e^{sX} U)|_0 = 2 sum_{x,mu} Re tr(X_mu(x) Z_mu(x)),
 * i.e. Z = -grad S for the inner product h(X,Y) = -2 tr XY (RYM.md's
 * grad S = -1/2 P(Omega), Z = 1/2 P(Omega)). It is accumulated leaf by
 * leaf with the insertion -1/2 (G_P - K_PP F_P) - 1/2 K_PP 1 (hybrid) or
 * -1/2 G_P (clover), G_P = sum_P' K_PP' F_P', at the leaf's corner.
 *
 * Open boundaries as in ym_curv.h: a plaquette counts where its links exist,
 * a clover plane (and with it the cross terms at x) where all four leaves
 * exist. The metric must live on the gauge field's geometry.
 */
#ifndef YM_HYBRID_H
#define YM_HYBRID_H

#include "ym_field.h"
#include "ym_gauge.h"

enum { YM_HYBRID = 0, YM_HYBRID_CLOVER = 1 };

typedef struct ym_hybrid ym_hybrid;

/* Workspace for the actions on u's geometry and N (the insertion matrices,
 * N^2 + 1 reals per plane and stored site; the clover field is not kept). kind: YM_HYBRID or YM_HYBRID_CLOVER. Collective. Errors:
 * YM_EINVAL (kind), YM_ENOMEM. */
int ym_hybrid_create(ym_hybrid **out, const ym_gauge *u, int kind);
/* NULL-safe. Local. */
void ym_hybrid_free(ym_hybrid *h);

/* The action S(U; g). Updates the halos of u. Collective. Errors: YM_EINVAL
 * (g not a 10-component field on u's geometry), YM_ENUM (g not SPD at a
 * site, named), YM_EMPI. */
int ym_hybrid_value(ym_hybrid *h, ym_gauge *u, ym_field *g, double *s);

/* The force Z (layout of the gauge field: 4 * 2N^2 doubles per site; the
 * interior is written, Z = 0 on links missing at open edges). Updates the
 * halos of u. Collective. Errors: as ym_hybrid_value. */
int ym_hybrid_force(ym_hybrid *h, ym_gauge *u, ym_field *g, ym_field *z);

/* The metric source of the flow: K_ij += kappa (F^2)_ij on the interior
 * sites, (F^2)_ij = -2 g^kl tr(F_ik F_jl) with the clover F at the site
 * (RYM.md §1.1; Streets' normalisation, h(X,Y) = -2 tr XY). K is a metric
 * velocity field (10 components). Updates u's halo. Collective. Errors:
 * YM_EINVAL (shapes), YM_ENUM (g not SPD at a site), YM_EMPI. */
int ym_hybrid_source(ym_hybrid *h, ym_gauge *u, ym_field *g, double kappa, ym_field *K);

/* ym_hybrid_force and, when kappa != 0, ym_hybrid_source(h, u, g, kappa, K)
 * in one pass: each site's clover planes and metric inverse are formed once
 * for both (the rym solver's stage). Same results as the two calls (the
 * source before the force). isg, if not NULL, receives 1/sqrt(det g) at the
 * i-th interior site (ym_geom_interior order). Collective. Errors: as the two. */
int ym_hybrid_force_source(ym_hybrid *h, ym_gauge *u, ym_field *g, double kappa, ym_field *K, double *isg,
                           ym_field *z);

/* ym_hybrid_force_source with every interior site's g^-1 and det g read
 * from geo (the layout of ym_ricci_rhs_geo, which computed them from the
 * same g) instead of factorising g again; geo NULL is
 * ym_hybrid_force_source. A site's g is then not checked here (the metric
 * velocity that filled geo refused a non-SPD g). Collective. */
int ym_hybrid_force_source_geo(ym_hybrid *h, ym_gauge *u, ym_field *g, const double *geo, double kappa, ym_field *K,
                               double *isg, ym_field *z);

/* Link velocity with the full metric mixing, V_mu(x) = sum_nu
 * (g_mu,nu(x)/sqrt g(x)) Z_nu(x) (RYM.md §1.2: -sum_nu (g_mu,nu/sqrt g) grad_nu S),
 * on the interior sites. z and v have the gauge field's layout and may not
 * alias. Local. Errors: YM_EINVAL (shapes), YM_ENUM (g not SPD at a site). */
int ym_hybrid_velocity(ym_field *g, ym_field *z, int N, ym_field *v);

#endif
