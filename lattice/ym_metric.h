/* The metric field of the Ricci–Yang–Mills flow: a symmetric positive-definite
 * g_mu,nu(x) per site, stored as a ym_field of YM_METRIC_NCOMP = 10 doubles in
 * the order g00 g01 g02 g03 g11 g12 g13 g22 g23 g33, on the gauge field's
 * geometry (same blocks, halo with edges, same open/periodic directions).
 *
 * Keeping it a plain ym_field lets integrators, sums and halo updates treat
 * it like any other site field; the functions here add the starts and the
 * algebraic observables. Curvature (R, Ricci, DeTurck) is in ym_ricci.h.
 */
#ifndef YM_METRIC_H
#define YM_METRIC_H

#include <stdint.h>

#include "ym_field.h"

#define YM_METRIC_NCOMP 10

/* Component index of g_mu,nu in the 10-double layout (mu, nu in 0..3, either order). Local. */
inline int ym_metric_comp(int mu, int nu)
{
    static const int c[4][4] = {{0, 1, 2, 3}, {1, 4, 5, 6}, {2, 5, 7, 8}, {3, 6, 8, 9}};
    return c[mu][nu];
}
/* Expand the 10 components to a full symmetric 4x4 matrix / pack it back. Local.
 * Both inline (C99 semantics; ym_metric.c holds the external definitions):
 * the per-site loops of the rym solver and the hybrid action call them. */
inline void ym_metric_unpack(const double c[YM_METRIC_NCOMP], double m[4][4])
{
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) m[a][b] = c[ym_metric_comp(a, b)];
}
void ym_metric_pack(const double m[4][4], double c[YM_METRIC_NCOMP]);

/* Create a metric field (10 components per site) on geometry g, set flat
 * (g = delta, halo included). Collective. Errors: YM_ENOMEM. */
int ym_metric_create(ym_field **out, const ym_geom *g);

/* Starts. Each sets the interior and updates the halo. Collective. */
/* g = delta. Errors: YM_EINVAL (not a 10-component field), YM_EMPI. */
int ym_metric_set_flat(ym_field *g);
/* g = diag(d0, d1, d2, d3). Errors: YM_EINVAL (a d <= 0 or not finite), YM_EMPI. */
int ym_metric_set_diag(ym_field *g, const double d[4]);
/* Seeded random SPD field, independent per site and of the process grid:
 * g(x) = delta + amp*H(x), H symmetric with Gaussian entries (variance 1 on
 * the diagonal, 1/2 off it) drawn from the site's RANLUX stream, and every
 * eigenvalue of g(x) below lmin raised to lmin (so lambda_min(g) >= lmin).
 * Errors: YM_EINVAL (amp < 0, lmin <= 0, not finite), YM_ENOMEM, YM_ENUM, YM_EMPI. */
int ym_metric_set_random(ym_field *g, unsigned long seed, double amp, double lmin);
/* Conformally flat g = exp(2u(x)) delta, u called with the site's global
 * coordinates and the global extents. Errors: YM_EINVAL (u not finite), YM_EMPI. */
typedef double (*ym_metric_scalar_fn)(const int x[4], const int L[4], void *ctx);
int ym_metric_set_conformal(ym_field *g, ym_metric_scalar_fn u, void *ctx);

/* Is the 4x4 symmetric matrix m positive definite? If so also its inverse,
 * determinant (either pointer may be NULL). A hand-coded Cholesky
 * factorisation, with the decisions of GSL's (a pivot not > 0 refuses). Local. Returns 1 for SPD, 0 otherwise. */
int ym_metric_spd(const double m[4][4], double inv[4][4], double *det);
/* Smallest and largest eigenvalue of a symmetric 4x4 matrix (cyclic Jacobi
 * rotations, accurate to a few rounding units of |m|; no allocation). Local.
 * Errors: YM_ENUM (m not finite, no convergence). */
int ym_metric_eigen(const double m[4][4], double *lmin, double *lmax);

/* Per-site observables, in this order in a YM_METRIC_NOBS-component field. */
enum { YM_METRIC_SQRTG = 0, YM_METRIC_DETG, YM_METRIC_R, YM_METRIC_LMIN, YM_METRIC_LMAX, YM_METRIC_NOBS };

/* Summed observables of a metric field. */
typedef struct {
    double sum_sqrtg;  /* sum_x sqrt(det g(x)), the metric volume */
    double sum_detg;   /* sum_x det g(x) */
    double sum_R;      /* sum_x R(x), scalar curvature from the jet (ym_ricci.h) */
    double lambda_min; /* min_x of the smallest eigenvalue of g(x) */
    double lambda_max; /* max_x of the largest eigenvalue of g(x) */
    double mean[YM_METRIC_NCOMP]; /* site means of the 10 components */
} ym_metric_obs;

/* Fill dens (a YM_METRIC_NOBS-component field on g's geometry) with sqrt g,
 * det g, R, lambda_min and lambda_max at every interior site, and optionally
 * (obs != NULL) the sums over the lattice (compensated, grid independent).
 * Updates g's halo. dens may be NULL when only obs is wanted. Collective.
 * Errors: YM_EINVAL (field shapes, or g's geometry cannot hold the jet at an
 * open edge), YM_ENUM (g not positive definite at a site, named in the
 * message), YM_ENOMEM, YM_EMPI. */
int ym_metric_observe(ym_field *g, ym_field *dens, ym_metric_obs *obs);

#endif
