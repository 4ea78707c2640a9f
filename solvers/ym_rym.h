/* The Ricci–Yang–Mills flow as a registered solver type, "rym" (RYM.md,
 * DESIGN.md section 9).
 *
 * A metric field g (ym_metric.h, on the links' geometry) co-evolves with the
 * links:
 *   dg/dt = -2 Rc(g) [+ L_W g] + kappa F^2      (ym_ricci.h, ym_hybrid_source)
 *   dU_mu/dt = V_mu U_mu, V_mu = sum_nu (g_mu,nu/sqrt g) Z_nu   (ym_hybrid.h)
 * with Z the exact force of the metric-weighted hybrid action (or the clover
 * action, for tests). Both fields step with Lüscher's RK3 2N-storage tableau;
 * every stage evaluates both right-hand sides at the same state before
 * either field moves. The step is eps (the last one shortened to land on the
 * target) and is refused when it exceeds the explicit stability limit
 * dt <= 0.9 * 2.51 / (16 lambda_max(g^-1)) = 0.9 * 2.51 lambda_min(g) / 16
 * (RYM.md §1.3); lambda_min(g) is monitored after every step, and a step
 * that leaves the metric not positive definite is an error. Both errors are
 * one line naming the flow time and the site.
 *
 * Parameters (ym_solver_opts.par, in this order):
 *   kappa   coupling of the metric source F^2 (default 1)
 *   deturck 1: Ricci–DeTurck -2Rc + L_W g (default); 0: plain -2Rc
 *   clover  0: hybrid action (default); 1: clover action (tests only: it has
 *           a large null space, RYM.md §2 F)
 *   metric_flow 1: the metric flows (default); 0: it stays frozen (the link
 *           flow on a fixed background)
 *   drag    1: the DeTurck drag of the links, V_mu(x) += W^nu(x) F_nu,mu(x)
 *           (W the DeTurck vector from the metric's jet, F the clover field
 *           strength at x; RYM.md §3, an open question, see solvers/README.md);
 *           needs deturck = 1; 0: off (default)
 * String parameter (ym_solver_opts.spar[0]):
 *   metric  the metric start, "flat" | "diag:a,b,c,d" | "random:SEED,AMP[,LMIN]"
 *           | "file:PATH" (ym_metric_set_start; default "flat")
 * Checkpoints carry the metric in the companion file PREFIX.metric.h5
 * (ym_solver_save_files), so a resumed run continues bit-identically.
 * Extra observables (ym_solver_observe), in this order: the site means of
 * g00 g01 g02 g03 g11 g12 g13 g22 g23 g33, sqrtg and R (site means),
 * lambda_min and lambda_max (of g over the lattice) and S_hybrid (the flow's
 * gauge action, hybrid or clover). Dump fields (ym_solver_density): the ten
 * components of g, sqrtg and R.
 */
#ifndef YM_RYM_H
#define YM_RYM_H

#include "ym_solver.h"

/* Parameter indices of the "rym" type. */
enum { YM_RYM_KAPPA = 0, YM_RYM_DETURCK, YM_RYM_CLOVER, YM_RYM_METRIC_FLOW, YM_RYM_DRAG, YM_RYM_NPAR };

/* The metric field of a "rym" solver (read or modify it between steps,
 * e.g. a start no string describes; call ym_field_halo_update after
 * modifying it), or NULL when s is of another type. Local. */
ym_field *ym_rym_metric(ym_solver *s);

/* lambda_min and lambda_max of g over the lattice as last monitored (after
 * setup and after every step). Local. Errors: YM_EINVAL (not a "rym" solver). */
int ym_rym_lambda(const ym_solver *s, double *lmin, double *lmax);

#endif
