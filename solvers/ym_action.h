/* Gauge actions and their forces, registered by name (DESIGN.md section 5).
 *
 * Normalisation (unit coupling, THEORY.md B.2, B.5, C.1):
 *   S = sum_{x, mu<nu} sum_k w_k 2 Re tr(1 - L_k(x; mu, nu))
 * where L_k are closed rectangular loops with corner x. The built-ins:
 *   "wilson"        1x1 plaquettes, w = 1; S equals ym_gauge_wilson_action.
 *   "rectangle"     c0 (1x1) + c1 (1x2 and 2x1), c0 = 1 - 8 c1; parameter c1.
 *   "symanzik", "luscher-weisz" (c1 = -1/12), "iwasaki" (-0.331),
 *   "dbw2" (-1.4088): the rectangle action with a preset default c1.
 *   "overimproved"  (4-eps)/3 (1x1) + (eps-1)/48 (2x2); parameter eps
 *                   (default -1; eps = 1 is Wilson).
 *
 * Force: Z_mu(x) = -d_{x,mu} S, the su(N)-valued Lie derivative
 * d_{x,mu} S = T^a d/ds S(e^{s T^a} U)|_{s=0}. Then
 *   d/ds S(e^{sX} U)|_{s=0} = 2 sum_{x,mu} Re tr(X_mu(x) Z_mu(x))
 * and the gradient flow is V' = Z(V) V. For loop actions Z = -P(Omega) with
 * Omega_mu(x) = sum over loops through the link of w_k times the loop read
 * from U_mu(x) onwards.
 *
 * Open boundaries: a loop that uses a link not in the field is left out of
 * both action and force; the force on a missing link is 0.
 */
#ifndef YM_ACTION_H
#define YM_ACTION_H

#include "ym_field.h"
#include "ym_gauge.h"

#define YM_ACTION_MAXPAR 4
#define YM_ACTION_MAXREG 64

typedef struct ym_action_param {
    const char *name;
    double def;
    const char *description;
} ym_action_param;

typedef struct ym_action_type ym_action_type;

struct ym_action_type {
    const char *name;        /* registry key, lower case */
    const char *description; /* one line */
    int halo_depth;          /* geometry depth the action needs (1 or 2) */
    int nparams;             /* <= YM_ACTION_MAXPAR */
    const ym_action_param *params;
    /* Validate parameters (may be NULL). Local. Errors: YM_EINVAL. */
    int (*check)(const ym_action_type *a, const double *par);
    /* Total action into *s. Collective; updates u's halo. */
    int (*value)(const ym_action_type *a, const double *par, ym_gauge *u, double *s);
    /* Force Z into z (field of 4 * 2N^2 doubles per site, like the gauge
     * field; interior sites written). Collective; updates u's halo. */
    int (*force)(const ym_action_type *a, const double *par, ym_gauge *u, ym_field *z);
    const void *data; /* private to the implementation */
    /* 1 when force is not -grad S (the Zeuthen flow's modified force): the
     * conformance tests then skip force = derivative of value. */
    int not_gradient;
    /* Optional: the force fused into a flow's accumulator, for every
     * interior link (i-th site of ym_geom_interior, direction mu)
     *   k[(4 i + mu) N^2 .. +N^2) <- A k + pack(Z_mu(x))
     * with pack = ym_su_ah_pack (A = 0: overwrite, whatever k held). It must
     * equal force() packed (test_action checks it). NULL: integrators call
     * force() into a full scratch field and pack that. Having it spares the
     * flow that field (links plus half their size instead of three times).
     * Collective; updates u's halo. */
    int (*force_acc)(const ym_action_type *a, const double *par, ym_gauge *u, double A, double *k);
};

/* Add a type to the registry (the pointer is kept). Local (call on every
 * rank). Errors: YM_EINVAL (NULL, missing name/value/force, nparams out of
 * range, duplicate name), YM_ENOMEM (registry full). */
int ym_action_register(const ym_action_type *a);
/* The type registered as name, or NULL with a YM_EINVAL message listing the
 * known names. Local. */
const ym_action_type *ym_action_find(const char *name);
/* Number of registered types; types[0 .. min(n, max)-1] filled when types
 * is not NULL. Local. */
int ym_action_list(const ym_action_type **types, int max);

/* Default parameters of a into par[a->nparams]. Local. */
void ym_action_defaults(const ym_action_type *a, double *par);
/* Check a and par (NULL = defaults) against u: parameters, halo depth of
 * u's geometry, shape of z (if not NULL). Local. Errors: YM_EINVAL. */
int ym_action_check(const ym_action_type *a, const double *par, const ym_gauge *u, const ym_field *z);
/* Checked calls of a->value / a->force (par NULL = defaults). Collective.
 * Errors: YM_EINVAL (as ym_action_check), those of the type; agreed over
 * ranks. */
int ym_action_value(const ym_action_type *a, const double *par, ym_gauge *u, double *s);
int ym_action_force(const ym_action_type *a, const double *par, ym_gauge *u, ym_field *z);
/* k <- A k + pack(Z(u)) on every interior link (layout of force_acc):
 * a->force_acc, or else a->force into z (a full force field the caller
 * provides; unused otherwise, may then be NULL) packed. par complete and
 * checked, as for a->force. Collective; result agreed over ranks. */
int ym_action_force_acc(const ym_action_type *a, const double *par, ym_gauge *u, double A, double *k, ym_field *z);

/* Building block for loop actions: rectangles of extent ext_mu[k] along mu
 * and ext_nu[k] along nu with weight w[k], k < nloop (each (a,b) listed
 * with (b,a) at the same weight, extents 1 or 2). Collective. */
typedef struct {
    int nloop;
    int ext_mu[4], ext_nu[4];
    double w[4];
} ym_loop_set;
int ym_loop_action_value(const ym_loop_set *ls, ym_gauge *u, double *s);
int ym_loop_action_force(const ym_loop_set *ls, ym_gauge *u, ym_field *z);
/* The force_acc form of ym_loop_action_force. Collective. */
int ym_loop_action_force_acc(const ym_loop_set *ls, ym_gauge *u, double A, double *k);

#endif
