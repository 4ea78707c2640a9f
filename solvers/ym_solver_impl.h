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
 * Optional, for types with more state or outputs than a few doubles (e.g.
 * "rym", whose metric field co-evolves with the links):
 *   sparams            string parameters (ym_solver_opts.spar), e.g. a start;
 *   save_files/load_files  write/read type-owned companion files named from
 *                      a checkpoint prefix (ym_solver_save_files);
 *   obs_names/observe  extra measured columns (ym_solver_observe);
 *   dens_names/density extra site fields for dumps (ym_solver_density).
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

typedef struct ym_solver_sparam_def {
    const char *name;
    const char *def;
    const char *description;
} ym_solver_sparam_def;

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
    /* Optional string parameters (nsparams <= YM_SOLVER_MAXSPAR), read
     * with ym_solver_sparam. */
    int nsparams;
    const ym_solver_sparam_def *sparams;
    /* Optional companion state of a checkpoint: write (save_files) or read
     * back (load_files) whatever the type needs beyond the saved doubles,
     * into files whose names start with prefix (e.g. prefix.metric.h5).
     * Collective; the status must agree over ranks. */
    int (*save_files)(ym_solver *s, const char *prefix);
    int (*load_files)(ym_solver *s, const char *prefix);
    /* Remove the files save_files wrote for prefix (a superseded
     * checkpoint). Local (called on one rank). */
    void (*remove_files)(ym_solver *s, const char *prefix);
    /* Optional extra observables: nobs names, and observe() filling nobs
     * values (the same on every rank) for the current state and u.
     * Collective. */
    int nobs;
    const char *const *obs_names;
    int (*observe)(ym_solver *s, ym_gauge *u, double *vals);
    /* Optional extra site fields for dumps: ndens names; density() points
     * *f at a field on u's geometry whose component *comp holds field i at
     * the interior sites (valid until the next call). Collective. */
    int ndens;
    const char *const *dens_names;
    int (*density)(ym_solver *s, ym_gauge *u, int i, ym_field **f, int *comp);
};

/* The type's private state (state_size bytes, zeroed at creation). Local. */
void *ym_solver_state_ptr(ym_solver *s);
/* The effective type parameters (defaults or opts->par). Local. */
const double *ym_solver_params(const ym_solver *s);
/* String parameter i of the type (default or opts->spar[i]; "" when out of
 * range). Local. */
const char *ym_solver_sparam(const ym_solver *s, int i);
/* The effective action parameters (defaults or opts->action_par). Local. */
const double *ym_solver_action_params(const ym_solver *s);
/* The action and integrator in use (defaults resolved). Local. */
const ym_action_type *ym_solver_action(const ym_solver *s);
const ym_integrator_type *ym_solver_integrator(const ym_solver *s);

#endif
