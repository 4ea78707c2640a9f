/* The quantised abelian flux background (RYM.md oracle C, THEORY.md B.8):
 * constant field strength in one plane, exact on the periodic torus.
 *
 * In plane (mu, nu), colour direction H = diag(1, -1, 0, ...), phi =
 * 2 pi n / (L_mu L_nu):
 *   U_mu(x) = exp(-i phi x_nu H),
 *   U_nu(x) = exp(i phi L_nu x_mu H) on the seam x_nu = L_nu - 1 (periodic nu),
 * all other links 1. Every plaquette of the plane is exp(i phi H), seam
 * included, so the clover F_mu,nu = i sin(phi) H everywhere and the
 * configuration is a stationary point of every flow in this code.
 */
#ifndef YM_FLUX_H
#define YM_FLUX_H

#include "ym_gauge.h"

/* Set u to the flux background of n quanta in plane (mu, nu), mu != nu,
 * and update its halo. Collective. Errors: YM_EINVAL (mu, nu out of range or
 * equal), YM_EMPI. */
int ym_gauge_set_flux(ym_gauge *u, int mu, int nu, int n);

/* Parse the start text "PLANE,n" (PLANE two different direction digits
 * 0..3, e.g. "01,3"; n an integer). Local. Errors: YM_EINVAL quoting the
 * text. */
int ym_flux_parse(const char *spec, int *mu, int *nu, int *n);

#endif
