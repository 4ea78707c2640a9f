/* Improved topological charge and action from m x n clover loops
 * (THEORY.md sections C.3, C.4, F.4).
 *
 * F^(m x n)_mu,nu(x) is the traceless part of (1/8)(C - C^dagger), C the sum
 * of the four m x n leaves (extent m along mu, n along nu) in the four
 * quadrants of the (mu,nu) plane, each starting and ending at x with the
 * orientation of the plain clover (ym_curv.h). For m != n the two
 * orientations are averaged: F^(m,n) = (F^(m x n) + F^(n x m)) / 2.
 *
 * Schemes:
 *  YM_QIMP_3LOOP  Bilson-Thompson, Leinweber, Williams with k5 = 0:
 *  YM_QIMP_5LOOP  ... with k5 = 1/90:
 *      F_imp = k1 F^(1,1) + k2 F^(2,2) + k3 F^(1,2) + k4 F^(1,3) + k5 F^(3,3),
 *      k1 = 19/9 - 55 k5, k2 = 1/36 - 16 k5, k3 = 64 k5 - 32/45,
 *      k4 = 1/15 - 6 k5; q and s from F_imp as in ym_curv.h.
 *  YM_QIMP_5LI    de Forcrand, Garcia Perez, Stamatescu: q = sum_i c_i
 *      q(F^(m_i,n_i)) / (m_i n_i)^2 (same for s), loops (1,1), (2,2), (1,2),
 *      (1,3), (3,3), c = (65/36, -11/45, -32/45, 1/10, 1/20).
 * The coefficient tables (numerators over a common denominator, for exact
 * checks) are ym_qimp_coef.
 *
 * A site contributes only where every loop of every size exists in every
 * plane (with open boundaries: global x_mu in [3, L_mu - 4]).
 */
#ifndef YM_IMPROVED_H
#define YM_IMPROVED_H

#include "ym_field.h"
#include "ym_gauge.h"

enum { YM_QIMP_3LOOP = 0, YM_QIMP_5LOOP = 1, YM_QIMP_5LI = 2 };

/* Loop shapes (m_i, n_i), i < 5, shared by all schemes. */
extern const int ym_qimp_m[5], ym_qimp_n[5];
/* Exact weights of scheme s: the coefficient of loop i is
 * num[s][i] / den[s]: for 3LOOP/5LOOP the k_i multiplying the raw clover
 * F^(m,n); for 5LI the c_i multiplying q(F^(m,n)) / (m n)^2. */
extern const long ym_qimp_num[3][5], ym_qimp_den[3];

/* A workspace for repeated passes over fields on geometry g with N colours
 * (a flow that measures the improved charge at every step): the depth-3
 * copy (when g is shallower), the loop scratch and the density fields, made
 * once instead of per call (about 0.2 GB at 16^4, SU(3), whose page faults
 * alone cost ~15 % of a pass). Collective. Errors: YM_EINVAL (local
 * extents below 3), YM_ENOMEM. */
typedef struct ym_improved ym_improved;
int ym_improved_create(ym_improved **w, const ym_geom *g, int N);
void ym_improved_free(ym_improved *w);
/* ym_curv_improved_densities and ym_curv_charge_improved through w; u must
 * live on w's geometry with its N. Results are bitwise those of the
 * functions below. Collective. */
int ym_improved_densities(ym_improved *w, ym_gauge *u, int scheme, ym_field *q, ym_field *s);
int ym_improved_charge(ym_improved *w, ym_gauge *u, int scheme, double *Q, double *S);
/* Improved densities into q and/or s (1 double per site, either may be
 * NULL; 0 at sites that do not contribute). Works on a private depth-3
 * copy of u when u's geometry is shallower (a workspace made and freed per
 * call). Collective.
 * Errors: YM_EINVAL (scheme, field shapes, local extents below 3),
 * YM_ENOMEM. */
int ym_curv_improved_densities(ym_gauge *u, int scheme, ym_field *q, ym_field *s);

/* Totals Q = sum_x q(x) and S = sum_x s(x) of the improved densities
 * (either pointer may be NULL). Collective. Errors: as above. */
int ym_curv_charge_improved(ym_gauge *u, int scheme, double *Q, double *S);

/* All three schemes at once (one pass over the loops): Q[k], S[k] for
 * k = YM_QIMP_3LOOP, YM_QIMP_5LOOP, YM_QIMP_5LI (either may be NULL).
 * Collective. Errors: as above. */
int ym_curv_charge_improved_all(ym_gauge *u, double Q[3], double S[3]);

#endif
