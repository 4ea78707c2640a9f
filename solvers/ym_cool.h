/* Cooling: sweeps that minimise a rectangular-loop action link by link
 * (THEORY.md B.6, C.1).
 *
 * For each link the action is linear in U_mu(x): S = const - 2 Re tr(U A)
 * with A the weighted sum of the loops through the link read after it. The
 * link is replaced by G U with G maximising Re tr(G U A) over the
 * Cabibbo-Marinari SU(2) subgroups (rows i < j, all N(N-1)/2 of them, in
 * order; for SU(2) this is the exact local minimum). Any loop weights are
 * allowed (negative 2x2 or rectangle weights of over-improved actions too).
 *
 * Update order (so that the result does not depend on the process grid):
 * for mu = 0..3, for each colour c, all links U_mu(x) of colour c at once,
 * then a halo exchange. Links of one colour and direction share no loop:
 *  - Wilson loops only (1x1): c = (x0+x1+x2+x3) mod 2 (2 colours; needs even
 *    periodic extents);
 *  - loops of extent 2 (rectangles, 2x2): c = (x_mu mod 2) +
 *    2 ((sum_{nu != mu} x_nu) mod 4) (8 colours; needs periodic extents
 *    divisible by 4 along nu != mu and even along mu), since the mu-links of
 *    a loop of extents a, b <= 2 differ by +-mu (+ anything) or by 1 or 2
 *    steps along one nu.
 * Open boundaries: loops that leave the lattice are left out, missing links
 * are not touched.
 */
#ifndef YM_COOL_H
#define YM_COOL_H

#include "ym_action.h"
#include "ym_gauge.h"

/* nsweeps sweeps over all links. u's geometry needs the halo depth of the
 * largest loop extent. Collective. Errors: YM_EINVAL (loop set, depth,
 * extents incompatible with the colouring), YM_EMPI. */
int ym_cool_sweeps(ym_gauge *u, const ym_loop_set *ls, int nsweeps);

/* Loop sets with the normalisation of ym_action.h. */
void ym_cool_loops_wilson(ym_loop_set *ls);
/* (4-eps)/3 (1x1) + (eps-1)/48 (2x2): the "overimproved" action. */
void ym_cool_loops_overimproved(ym_loop_set *ls, double eps);
/* (1 - 8 c1) (1x1) + c1 (1x2 + 2x1): the "rectangle" action. */
void ym_cool_loops_rectangle(ym_loop_set *ls, double c1);

/* A = sum over the loops of ls through the interior link U_mu(x) (storage
 * index x) of w times the loop read after the link, so that the loops'
 * Re tr sum is Re tr(U_mu(x) A); loops leaving an open lattice are left out.
 * Reads the halo (keep it current). Also the staple of the heatbath. Local. */
void ym_cool_staple(ym_gauge *u, const ym_loop_set *ls, int x, int mu, ym_cplx *A);

/* One Cabibbo-Marinari pass: for each SU(2) subgroup (i,j) the element G
 * maximising Re tr(G M) is applied as U <- G U, M <- G M (cooling; also the
 * max-trace projection of APE smearing). Local. */
void ym_cool_su2_maximise(int N, ym_cplx *U, ym_cplx *M);

#endif
