/* Implementer's API of solver types (DESIGN.md section 5): fill a
 * ym_solver_type and call ym_solver_register on every rank. The core
 * allocates state_size bytes of zeroed state (ym_solver_state_ptr) and calls
 *   check (optional)   before anything is allocated: refuse bad options,
 *                      e.g. an integrator the type cannot use;
 *   setup (optional)   once, with the first field (Collective);
 *   step               advance u by at most t_left, report the step taken;
 *   checkpoint/restore (optional) save/restore up to YM_SOLVER_MAXSAVE
 *                      doubles of state beyond flow time and step count;
 *   teardown (optional) release what setup acquired.
 * See solvers/ym_solver.c ("gradient-flow") and tests/test_solver.c (a
 * type registered from outside the library).
 */
#ifndef YM_SOLVER_IMPL_H
#define YM_SOLVER_IMPL_H

#include "ym_solver.h"

typedef struct ym_solver_param {
    const char *name;
    double def;
    const char *description;
} ym_solver_param;

struct ym_solver_type {
    const char *name;        /* registry key, lower case */
    const char *description; /* one line */
    size_t state_size;       /* bytes of private state the core allocates */
    int nparams;             /* <= YM_SOLVER_MAXPAR */
    const ym_solver_param *params;
    /* Local. Errors: YM_EINVAL naming the parameter. */
    int (*check)(const ym_solver_type *t, const ym_solver_opts *o, const double *par);
    /* Collective. */
    int (*setup)(ym_solver *s, const ym_gauge *u);
    /* Advance u by a step dt <= t_left (t_left > 0); *dt = step taken.
     * Collective; the status must agree over ranks. */
    int (*step)(ym_solver *s, ym_gauge *u, double t_left, double *dt);
    /* Local. *n <= YM_SOLVER_MAXSAVE doubles. */
    int (*checkpoint)(const ym_solver *s, double *save, int *n);
    int (*restore)(ym_solver *s, const double *save, int n);
    /* Collective. */
    void (*teardown)(ym_solver *s);
    /* Optional (NULL: the solver time is the flow time). time_unit names
     * the solver's own time (e.g. "sweeps"); time_scale returns the matched
     * flow time per unit of solver time (called after setup). Local. */
    const char *time_unit;
    double (*time_scale)(const ym_solver *s);
};

/* The type's private state (state_size bytes, zeroed at creation). Local. */
void *ym_solver_state_ptr(ym_solver *s);
/* The effective type parameters (defaults or opts->par). Local. */
const double *ym_solver_params(const ym_solver *s);
/* The effective action parameters (defaults or opts->action_par). Local. */
const double *ym_solver_action_params(const ym_solver *s);
/* The action and integrator in use (defaults resolved). Local. */
const ym_action_type *ym_solver_action(const ym_solver *s);
const ym_integrator_type *ym_solver_integrator(const ym_solver *s);

#endif
