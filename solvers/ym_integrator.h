/* Integrators of gradient flows V' = Z(V) V (THEORY.md B.3), registered by
 * name, and the flow step.
 *
 * Built-ins are commutator-free 2N-storage Runge-Kutta schemes: for each
 * stage i, K <- A_i K + Z(W), then W <- exp(eps B_i K) W.
 *   "euler"  A = (0),              B = (1)              order 1
 *   "rk2"    A = (0, -1/2),        B = (1/2, 1)         order 2 (openQCD fwd_rk2)
 *   "rk3"    A = (0, -17/32, -32/27), B = (1/4, 8/9, 3/4)  order 3 (Luscher)
 *   "adaptive"  RK3 with step-size control (ym_flow_step_adaptive); at a
 *            fixed step (ym_flow_step) it is "rk3".
 */
#ifndef YM_INTEGRATOR_H
#define YM_INTEGRATOR_H

#include "ym_action.h"

#define YM_INTEGRATOR_MAXSTAGE 8
#define YM_INTEGRATOR_MAXREG 32

typedef struct ym_flow_work ym_flow_work;
typedef struct ym_integrator_type ym_integrator_type;

struct ym_integrator_type {
    const char *name;        /* registry key, lower case */
    const char *description; /* one line */
    int order;               /* global order of accuracy */
    int nstages;             /* <= YM_INTEGRATOR_MAXSTAGE */
    const double *A, *B;     /* 2N-storage coefficients (used by the generic step) */
    /* One step of size eps. NULL: the generic 2N-storage step with A, B.
     * Collective. */
    int (*step)(const ym_integrator_type *it, ym_gauge *u, const ym_action_type *a, const double *par,
                double eps, ym_flow_work *w);
    int adaptive; /* 1: drive with ym_flow_step_adaptive */
};

/* Add a type to the registry (the pointer is kept). Local (call on every
 * rank). Errors: YM_EINVAL (NULL, no name, bad stage count or coefficients
 * without a step function, duplicate name), YM_ENOMEM (registry full). */
int ym_integrator_register(const ym_integrator_type *it);
/* The type registered as name, or NULL with a YM_EINVAL message listing the
 * known names. Local. */
const ym_integrator_type *ym_integrator_find(const char *name);
/* Number of registered types; types[0 .. min(n, max)-1] filled when types
 * is not NULL. Local. */
int ym_integrator_list(const ym_integrator_type **types, int max);

/* Workspace for flowing fields shaped like u (same geometry and N),
 * allocated once: the 2N-storage accumulator K, per interior link in the
 * compact form of ym_su_ah_pack (half a link field without its halo), so a
 * flow holds the links plus about half their size. More is made on first
 * use only: a full force field for actions without force_acc, the
 * adaptive step's direction and start field, scratch buffers. Collective.
 * Errors: YM_ENOMEM. */
int ym_flow_work_create(ym_flow_work **out, const ym_gauge *u);
/* NULL-safe. Local. */
void ym_flow_work_free(ym_flow_work *w);
/* Bytes w holds on this rank now (what has been made so far). Local. */
size_t ym_flow_work_bytes(const ym_flow_work *w);

/* For integrators with their own step function: */
#define YM_FLOW_NSCRATCH 4
/* Compact per-interior-link buffer i < YM_FLOW_NSCRATCH of w (4 * N^2
 * doubles per interior site, link (i-th interior site, mu) at
 * (4 i + mu) N^2), made on first request. Collective. Errors: YM_EINVAL,
 * YM_ENOMEM. */
int ym_flow_work_scratch(ym_flow_work *w, int i, double **buf);
/* A gauge field shaped like the flowed one (e.g. the field at the start of
 * a step), made on first request. Collective. Errors: YM_ENOMEM. */
int ym_flow_work_links(ym_flow_work *w, ym_gauge **v);
/* k <- A k + pack(Z(u)) on every interior link (A = 0: k <- pack(Z)), via
 * a->force_acc or else a->force into w's full force field. par must be
 * complete (no NULL). Collective; updates u's halo. Errors: those of the
 * action, YM_ENOMEM. */
int ym_flow_work_force_acc(ym_flow_work *w, const ym_action_type *a, const double *par, ym_gauge *u, double A,
                           double *k);
/* u <- exp(c K) v on every interior link, K compact (v may be u). The halo
 * of u is not updated. Local. */
void ym_flow_apply_packed(ym_gauge *u, const ym_gauge *v, const double *k, double c);

/* Advance u by one step eps > 0 of the flow of action a (par NULL =
 * defaults) with integrator it. No allocation. On return the interior of u
 * is the new field and its halo is stale (forces and observables refresh
 * it; call ym_gauge_halo_update before reading halo links directly).
 * Collective.
 * Errors: YM_EINVAL (eps not finite or <= 0, work of another shape, action
 * check), those of the action; agreed over ranks. */
int ym_flow_step(ym_gauge *u, const ym_action_type *a, const double *par, const ym_integrator_type *it,
                 double eps, ym_flow_work *w);

/* One accepted step of the adaptive RK3(2) scheme (THEORY.md B.3, MILC
 * INTEGRATOR_ADAPT_LUSCHER, Fritzsch-Ramos): the RK3 result W3 is compared
 * with the embedded second-order W' = exp(-Z0 + 2 Z1) V; the distance
 * d = max over links |W3 - W'|_F / N^2 is reduced over ranks. Steps with
 * d > tol are rejected and retried; either way the next step is
 * 0.95 eps (tol/d)^(1/3). The step taken is min(*eps, t_left) (so a run can
 * land on a target time); on return *dt is the step taken, *eps the next
 * suggested step, *nreject (may be NULL) the number of rejected tries.
 * Collective. Errors: YM_EINVAL (tol, *eps or t_left not finite and > 0,
 * workspace), YM_ENOMEM (first call: the adaptive fields of w), YM_ENUM
 * (100 rejections in a row), those of the action. */
int ym_flow_step_adaptive(ym_gauge *u, const ym_action_type *a, const double *par, double tol, double *eps,
                          double t_left, double *dt, int *nreject, ym_flow_work *w);

/* The generic 2N-storage step (for use by registered types). Collective. */
int ym_integrator_step_2n(const ym_integrator_type *it, ym_gauge *u, const ym_action_type *a, const double *par,
                          double eps, ym_flow_work *w);

#endif
