/* Built-in solver types "cooling" and "stout" (registered by ym_solver.c).
 *
 * "cooling": each step is one ym_cool_sweeps sweep minimising the run's
 *   action (wilson, overimproved(eps), or the rectangle family: rectangle,
 *   symanzik, luscher-weisz, iwasaki, dbw2 with their c1). The solver time
 *   counts sweeps (whole steps; a target that is not a whole number of sweeps
 *   is refused). The matched flow time is tau = n_c / (3 - 15 c1) (THEORY.md
 *   B.6), with c1 = (eps - 1)/12 for overimproved (eps = 1 + 12 c1);
 *   ym_solver_time_scale gives 1/(3 - 15 c1). Integrator and eps are unused.
 * "stout": each step is one stout step (ym_smear_stout) with parameter rho,
 *   shortened on the last step to land on the target; time advances by rho
 *   (one stout step = one Euler step of the Wilson flow with eps = rho).
 *   Only the "wilson" action; integrator and eps are unused.
 */
#include "ym_cool.h"
#include "ym_smear.h"
#include "ym_solver.h"
#include "ym_solver_impl.h"
#include "ym_status.h"

#include <math.h>
#include <string.h>

/* ---------- cooling ---------- */

typedef struct {
    ym_loop_set ls;
    double c1; /* effective rectangle coefficient, for the matched time */
} cool_state;

static int is_rect_family(const char *n)
{
    static const char *fam[] = {"rectangle", "symanzik", "luscher-weisz", "iwasaki", "dbw2"};
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; ++i)
        if (!strcmp(n, fam[i])) return 1;
    return 0;
}

static int param_index(const ym_action_type *a, const char *name)
{
    for (int i = 0; i < a->nparams; ++i)
        if (!strcmp(a->params[i].name, name)) return i;
    return -1;
}

/* Loop set and effective c1 of action a with parameters par. */
static int cool_loops(const ym_action_type *a, const double *par, ym_loop_set *ls, double *c1)
{
    if (!strcmp(a->name, "wilson")) {
        ym_cool_loops_wilson(ls);
        *c1 = 0;
        return YM_OK;
    }
    if (!strcmp(a->name, "overimproved") && param_index(a, "eps") >= 0) {
        double eps = par[param_index(a, "eps")];
        ym_cool_loops_overimproved(ls, eps);
        *c1 = (eps - 1) / 12;
        return YM_OK;
    }
    if (is_rect_family(a->name) && param_index(a, "c1") >= 0) {
        *c1 = par[param_index(a, "c1")];
        ym_cool_loops_rectangle(ls, *c1);
        return YM_OK;
    }
    return YM_ERROR(YM_EINVAL,
                    "action: the cooling solver needs wilson, overimproved or a rectangle action "
                    "(rectangle, symanzik, luscher-weisz, iwasaki, dbw2), not '%s'",
                    a->name);
}

static int cool_check(const ym_solver_type *t, const ym_solver_opts *o, const double *par)
{
    (void)t;
    (void)par;
    double apar[YM_ACTION_MAXPAR] = {0}, c1;
    ym_loop_set ls;
    if (o->have_action_par) memcpy(apar, o->action_par, sizeof apar);
    else ym_action_defaults(o->action, apar);
    int st = cool_loops(o->action, apar, &ls, &c1);
    if (!st && !(3 - 15 * c1 > 0))
        st = YM_ERROR(YM_EINVAL, "action: c1 = %g gives 3 - 15 c1 <= 0: no matched flow time", c1);
    return st;
}

static int cool_setup(ym_solver *s, const ym_gauge *u)
{
    (void)u;
    cool_state *c = ym_solver_state_ptr(s);
    return cool_loops(ym_solver_action(s), ym_solver_action_params(s), &c->ls, &c->c1);
}

static int cool_step(ym_solver *s, ym_gauge *u, double t_left, double *dt)
{
    cool_state *c = ym_solver_state_ptr(s);
    if (t_left < 1 - 1e-9)
        return YM_ERROR(YM_EINVAL, "cooling: the target is %.17g sweeps away; sweeps are whole steps", t_left);
    *dt = t_left < 1 ? t_left : 1;
    return ym_cool_sweeps(u, &c->ls, 1);
}

static double cool_time_scale(const ym_solver *s)
{
    const cool_state *c = ym_solver_state_ptr((ym_solver *)s);
    return 1 / (3 - 15 * c->c1);
}

const ym_solver_type ym_solver_cooling = {
    .name = "cooling",
    .description = "cooling sweeps of the action (wilson, overimproved, rectangle family); time in sweeps, "
                   "matched flow time n/(3-15 c1)",
    .state_size = sizeof(cool_state),
    .nparams = 0,
    .params = NULL,
    .check = cool_check,
    .setup = cool_setup,
    .step = cool_step,
    .time_unit = "sweeps",
    .time_scale = cool_time_scale,
};

/* ---------- stout ---------- */

static const ym_solver_param stout_params[] = {
    {"rho", 0.01, "stout parameter; each step advances the flow time by rho"},
};

static int stout_check(const ym_solver_type *t, const ym_solver_opts *o, const double *par)
{
    (void)t;
    if (strcmp(o->action->name, "wilson") != 0)
        return YM_ERROR(YM_EINVAL, "action: stout smearing is the Wilson flow; '%s' is not allowed", o->action->name);
    if (!(isfinite(par[0]) && par[0] > 0)) return YM_ERROR(YM_EINVAL, "rho: %g must be finite and > 0", par[0]);
    return YM_OK;
}

static int stout_step(ym_solver *s, ym_gauge *u, double t_left, double *dt)
{
    double rho = ym_solver_params(s)[0];
    double h = t_left <= rho * (1 + 1e-10) ? t_left : rho;
    *dt = h;
    return ym_smear_stout(u, h, 1);
}

const ym_solver_type ym_solver_stout = {
    .name = "stout",
    .description = "stout smearing steps of parameter rho (= Euler steps of the Wilson flow, t += rho)",
    .state_size = 0,
    .nparams = 1,
    .params = stout_params,
    .check = stout_check,
    .step = stout_step,
};
