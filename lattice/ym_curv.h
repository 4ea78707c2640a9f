/* Curvature and gauge observables: plaquettes, Wilson action, clover field
 * strength, action and charge densities, topological charge, Polyakov loop.
 *
 * Conventions (DESIGN.md section 3, THEORY.md sections B.4, F):
 *  plaquette   <(1/N) Re tr P_mu,nu(x)>  (1 for unit links)
 *  E_plaq(x) = 2 sum_{mu<nu} Re tr(1 - P_mu,nu(x))
 *  F_mu,nu(x) = traceless part of (1/8)(Q - Q^dagger), Q the four clover leaves
 *  E_clov(x) = -1/2 sum_{mu,nu} tr F F = -sum_{mu<nu} tr F_mu,nu^2
 *  q(x)      = -(1/32 pi^2) eps tr F F = -(1/4 pi^2) Re tr(F01 F23 - F02 F13 + F03 F12)
 * With open boundaries, loops that would leave the lattice are left out: a
 * plaquette counts where both its links exist, a clover plane where all
 * four leaves exist (F is set to 0 elsewhere).
 * All functions update the gauge field's halo first and are Collective.
 */
#ifndef YM_CURV_H
#define YM_CURV_H

#include "ym_field.h"
#include "ym_gauge.h"

/* Plane index of (mu,nu), mu < nu: 01,02,03,12,13,23 -> 0..5. */
extern const int ym_plane_mu[6], ym_plane_nu[6];

typedef struct {
    double total;    /* average over all planes */
    double spatial;  /* planes without t (01, 02, 12) */
    double temporal; /* planes with t (03, 13, 23) */
    double count;    /* number of plaquettes averaged */
} ym_plaquette;

/* Average plaquette. */
int ym_gauge_plaquette(ym_gauge *u, ym_plaquette *p);
/* Wilson action at unit coupling, S_W = sum_x E_plaq(x); S_W / 8 pi^2 is 1
 * for a continuum instanton. */
int ym_gauge_wilson_action(ym_gauge *u, double *s);
/* E_plaq(x) into E (1 double per site; the plaquettes with corner x). */
int ym_curv_energy_plaq(ym_gauge *u, ym_field *E);
/* Clover field strength into F (6 * 2N^2 doubles per site, planes in the
 * order of ym_plane_mu/nu). Errors: YM_EINVAL (wrong field shape). */
int ym_curv_clover(ym_gauge *u, ym_field *F);
/* E_clov(x) and q(x) from a clover field F (as filled by ym_curv_clover);
 * E or q may be NULL. Local. */
int ym_curv_densities(const ym_gauge *u, ym_field *F, ym_field *E, ym_field *q);
/* E_clov(x) and q(x) (1 double per site each; either may be NULL) straight
 * from the links, without a clover field: the same numbers as
 * ym_curv_clover + ym_curv_densities, with scratch for two time slices
 * only. Collective (updates u's halo). Errors: YM_EINVAL (wrong field
 * shape), YM_ENOMEM. */
int ym_curv_clover_densities(ym_gauge *u, ym_field *E, ym_field *q);
/* ym_curv_clover_densities (E, q, either may be NULL) and ym_gauge_plaquette
 * (p, may be NULL) in one pass over the links: the plaquette is read off the
 * first clover leaf's half-loops, so it agrees with ym_gauge_plaquette to
 * rounding (the same sums, products compiled with FMA in the hot clone).
 * Collective. Errors: YM_EINVAL (wrong field shape), YM_ENOMEM. */
int ym_curv_clover_plaquette(ym_gauge *u, ym_field *E, ym_field *q, ym_plaquette *p);
/* Totals sum_x E_clov(x) and Q = sum_x q(x) (either pointer may be NULL). */
int ym_curv_clover_totals(ym_gauge *u, double *E_total, double *Q);
/* Polyakov loop <(1/N) tr prod_t U_3(x, t)> over the spatial sites.
 * Errors: YM_EINVAL with open boundaries in t. */
int ym_gauge_polyakov(ym_gauge *u, ym_cplx *p);

#endif
