/* Link smearing (stout, APE) and the Zeuthen flow (THEORY.md B.5, B.7).
 *
 * Staples: A_mu(x) = sum_{nu != mu} [U_nu(x+mu) U_mu(x+nu)^dag U_nu(x)^dag
 *   + U_nu(x+mu-nu)^dag U_mu(x-nu)^dag U_nu(x-nu)], so that U_mu(x) A_mu(x) is
 * the Omega of the Wilson force (ym_action.h: Z = -P(U A)); the
 * Morningstar-Peardon staple sum is C = A^dagger. Staples using a link
 * that is not part of the field (open boundaries) are left out; links that
 * are not part of the field are not changed.
 *
 * Stout (Morningstar-Peardon): U' = exp(i Q) U, i Q = P(rho C U^dag)
 *   = -rho P(U A) = rho Z_Wilson, i.e. one stout step with rho is exactly one
 *   Euler step of the Wilson flow with eps = rho (unit-coupling force of
 *   ym_action.h).
 * APE: U' = Proj_SU(N)[(1 - alpha) U + (alpha/6) C], Proj the max-trace
 *   projection (W maximising Re tr(W M^dagger), Cabibbo-Marinari
 *   iterations to 1e-15; gauge covariant, unlike Gram-Schmidt).
 * All links are updated simultaneously from the old field, so the result
 * does not depend on the process grid. Both are Collective and leave the
 * halo updated. Errors: YM_EINVAL (parameter not finite), YM_ENOMEM. */
#ifndef YM_SMEAR_H
#define YM_SMEAR_H

#include "ym_action.h"
#include "ym_gauge.h"

int ym_smear_stout(ym_gauge *u, double rho, int nsteps);
int ym_smear_ape(ym_gauge *u, double alpha, int nsteps);

/* Zeuthen flow (Ramos-Sint; Grid ZeuthenFlow): the LW action value with the
 * "force" Z' = (5/6) Z + (1/12)[U Z(x+mu) U^dag + U(x-mu)^dag Z(x-mu) U(x-mu)],
 * Z the LW force. Z' is not the gradient of the value, so this type is not
 * in the action registry (test_action demands force = derivative); pass it
 * to ym_flow_step directly: ym_flow_step(u, &ym_action_zeuthen, NULL, it,
 * eps, w). Halo depth 2, no parameters. */
extern const ym_action_type ym_action_zeuthen;

#endif
