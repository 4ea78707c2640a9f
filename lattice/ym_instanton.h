/* BPST instantons on the lattice (THEORY.md section D).
 *
 * SU(2) (anti-)instantons with exact path-ordered links: along a link the
 * continuum gauge potential has a fixed colour direction, so
 * U_mu(x) = exp(-i theta^a sigma^a) with theta^a = eta_{a mu nu} x_nu I_mu(x)
 * is the exact parallel transporter (D = d - iA <=> U ~ exp(-i a A)).
 * Regular gauge uses eta (instanton) / eta-bar (anti-instanton) with
 * I = int ds / (s^2 + r_perp^2 + rho^2); singular gauge swaps eta <-> eta-bar
 * and uses I(r_perp^2) - I(r_perp^2 + rho^2). Coordinates are the unwrapped
 * site coordinates minus the centre (no periodic images), so on a torus the
 * field has an O(rho^2/L^3) seam. Several objects are combined by the product
 * ansatz; SU(N > 2) gets diag(U, 1, ...).
 */
#ifndef YM_INSTANTON_H
#define YM_INSTANTON_H

#include "ym_gauge.h"

typedef struct {
    double rho;       /* size, lattice units, > 0 */
    double center[4]; /* position in site coordinates (0 .. L-1 is the lattice) */
    int anti;         /* 0: instanton (Q = +1), 1: anti-instanton (Q = -1) */
    int singular;     /* 0: regular gauge, 1: singular gauge */
} ym_instanton;

/* Defaults: rho = 4 (or L_min/4 when smaller), centre at the hypercube
 * centre floor((L-1)/2) + 1/2 in each direction, instanton, singular gauge.
 * Local. */
void ym_instanton_default(ym_instanton *p, const int L[4]);

/* Check parameters: rho > 0 and finite, finite centre, and in singular gauge
 * no lattice line through the centre (where the links are undefined).
 * Local. Errors: YM_EINVAL naming the parameter. */
int ym_instanton_check(const ym_instanton *p, const int L[4]);

/* Set u to the product of the n objects (links computed on the interior,
 * halo exchanged). Collective. Errors: YM_EINVAL (bad parameters, N < 2). */
int ym_instanton_set(ym_gauge *u, const ym_instanton *objs, int n);

/* The continuum SU(2) link of one object from site x (site coordinates) in
 * direction mu, as a 2x2 matrix. Local. */
void ym_instanton_link(const ym_instanton *p, const double x[4], int mu, ym_cplx out[4]);

/* Continuum densities at point x (site coordinates): s(x) = 48 rho^4 /
 * ((x-x0)^2 + rho^2)^4 and the contribution of one plane, s(x)/6. q(x) =
 * +-s(x)/(8 pi^2). Local. */
double ym_instanton_action_density(const ym_instanton *p, const double x[4]);

#endif
