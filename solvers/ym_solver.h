/* Solvers: types registered by name and the driver that advances a gauge
 * field in flow time (DESIGN.md section 5).
 *
 * A solver type (ym_solver_type, declared in ym_solver_impl.h for
 * implementers) is a const struct of metadata and function pointers; the
 * core allocates its state (state_size bytes) and drives it. Users pick a
 * type by name, fill ym_solver_opts and call ym_solver_create; then
 * ym_solver_advance moves the field to a target flow time.
 *
 * Built-in type:
 *   "gradient-flow"  V' = Z(V) V for any registered action and integrator
 *                    (fixed step eps, the last step shortened to land on
 *                    the target; the "adaptive" integrator starts with eps
 *                    and controls the step with parameter tol). Other
 *                    integrators flagged adaptive are refused.
 *   "cooling"        one cooling sweep (ym_cool.h) of the action per step
 *                    (wilson, overimproved, rectangle family); the solver
 *                    time counts sweeps n_c (whole steps only), the matched
 *                    flow time is n_c / (3 - 15 c1), c1 = (eps - 1)/12 for
 *                    overimproved (ym_solver_time_scale).
 *   "stout"          one stout step (ym_smear.h) per step, parameter rho;
 *                    the time advances by rho (= an Euler step of the
 *                    Wilson flow), the last step shortened; wilson only.
 *   "rym"            the Ricci–Yang–Mills flow (ym_rym.h): a metric field
 *                    co-evolving with the links, both with Lüscher's RK3.
 */
#ifndef YM_SOLVER_H
#define YM_SOLVER_H

#include "ym_action.h"
#include "ym_gauge.h"
#include "ym_integrator.h"

#define YM_SOLVER_MAXPAR 8
#define YM_SOLVER_MAXREG 32
/* Doubles a type may save in a checkpoint (ym_solver_type.checkpoint). */
#define YM_SOLVER_MAXSAVE 16
/* String parameters of a type (ym_solver_opts.spar) and their length. */
#define YM_SOLVER_MAXSPAR 4
#define YM_SOLVER_STRMAX 1024

typedef struct ym_solver_type ym_solver_type;
typedef struct ym_solver ym_solver;

/* What a run asks of a solver. */
typedef struct {
    const ym_action_type *action;         /* NULL: "wilson" */
    double action_par[YM_ACTION_MAXPAR];  /* used when have_action_par */
    int have_action_par;                  /* 0: the action's defaults */
    const ym_integrator_type *integrator; /* NULL: "rk3" */
    double eps;                           /* step size (adaptive: initial), finite and > 0 */
    double par[YM_SOLVER_MAXPAR];         /* the type's own parameters, used when have_par */
    int have_par;                         /* 0: the type's defaults */
    char spar[YM_SOLVER_MAXSPAR][YM_SOLVER_STRMAX]; /* the type's string parameters, used when have_spar */
    int have_spar;                        /* 0: the type's defaults */
} ym_solver_opts;

/* Defaults: wilson, rk3, eps 0.01, type defaults. Local. */
void ym_solver_opts_default(ym_solver_opts *o);

/* Add a type to the registry (the pointer is kept). Local (call on every
 * rank). Errors: YM_EINVAL (NULL, no name/description/step, nparams out of
 * range, duplicate name: never silently replaced), YM_ENOMEM (registry
 * full). */
int ym_solver_register(const ym_solver_type *t);
/* The type registered as name, or NULL with a YM_EINVAL message listing the
 * known names. Local. */
const ym_solver_type *ym_solver_find(const char *name);
/* Number of registered types; types[0 .. min(n, max)-1] filled when types
 * is not NULL. Local. */
int ym_solver_list(const ym_solver_type **types, int max);
/* Name, description of a type; its parameter table (names, defaults,
 * descriptions) as "name=default" into buf (for listings). Local. */
const char *ym_solver_type_name(const ym_solver_type *t);
const char *ym_solver_type_description(const ym_solver_type *t);
int ym_solver_type_nparams(const ym_solver_type *t);
/* Parameter i: name, default, description (NULL when out of range). Local. */
const char *ym_solver_type_param(const ym_solver_type *t, int i, double *def, const char **description);

/* String parameter i of a type: name, default, description (NULL when out
 * of range). Local. */
int ym_solver_type_nsparams(const ym_solver_type *t);
const char *ym_solver_type_sparam(const ym_solver_type *t, int i, const char **def, const char **description);

/* Check opts against type t before any work: eps, action parameters,
 * integrator usable by t, type parameters. Local. Errors: YM_EINVAL with a
 * message naming the parameter ("eps: ...", "integrator: ..."). */
int ym_solver_check(const ym_solver_type *t, const ym_solver_opts *opts);
/* Halo depth a field needs for t with opts (the action's). Local. */
int ym_solver_halo_depth(const ym_solver_type *t, const ym_solver_opts *opts);

/* Create a solver of type t for fields shaped like u (checks, allocates the
 * state and calls setup). Collective. Errors: YM_EINVAL (as
 * ym_solver_check, field halo too shallow), YM_ENOMEM, those of setup. */
int ym_solver_create(ym_solver **out, const ym_solver_type *t, const ym_solver_opts *opts, const ym_gauge *u);
/* NULL-safe. Collective (teardown). */
void ym_solver_free(ym_solver *s);

/* Advance u by one step, never past t_target; *dt receives the step taken.
 * Updates the solver's time and step counter. Collective.
 * Errors: YM_EINVAL (t_target not beyond the current time), those of the
 * type; agreed over ranks. */
int ym_solver_step(ym_solver *s, ym_gauge *u, double t_target, double *dt);
/* Step until the flow time reaches t_target (landing on it exactly).
 * Collective. */
int ym_solver_advance(ym_solver *s, ym_gauge *u, double t_target);

/* Accessors. Local. */
double ym_solver_time(const ym_solver *s);
long ym_solver_steps(const ym_solver *s);
const ym_solver_type *ym_solver_get_type(const ym_solver *s);
const ym_solver_opts *ym_solver_get_opts(const ym_solver *s);
/* Flow time per unit of solver time (1 unless the type has its own time
 * unit, e.g. cooling sweeps). Local. */
double ym_solver_time_scale(const ym_solver *s);
/* Name of the type's own time unit ("sweeps"), NULL when the solver time
 * is the flow time. Local. */
const char *ym_solver_type_time_unit(const ym_solver_type *t);

/* Solver state for checkpoints: flow time, step count and up to
 * YM_SOLVER_MAXSAVE doubles of type state (e.g. the adaptive step size).
 * restore puts them back (same type and options). Local. */
typedef struct {
    double t;
    long steps;
    int nsave;
    double save[YM_SOLVER_MAXSAVE];
} ym_solver_state;
int ym_solver_save(const ym_solver *s, ym_solver_state *st);
int ym_solver_restore(ym_solver *s, const ym_solver_state *st);

/* Companion checkpoint files of types with large state (e.g. the metric of
 * "rym"): write them / read them back, named from prefix. No-ops (YM_OK) for
 * types without them. Collective. Errors: those of the type (YM_EIO, ...). */
int ym_solver_save_files(ym_solver *s, const char *prefix);
int ym_solver_load_files(ym_solver *s, const char *prefix);
/* Remove the companion files of prefix (a superseded checkpoint); a no-op
 * for types without them. Local (call on one rank). */
void ym_solver_remove_files(ym_solver *s, const char *prefix);

/* Extra observables of a type (0 for most): count and names. Local. */
int ym_solver_type_nobs(const ym_solver_type *t);
const char *ym_solver_type_obs_name(const ym_solver_type *t, int i);
/* Fill vals[0 .. nobs-1] for the current state and u (same on every rank).
 * Collective. Errors: those of the type. */
int ym_solver_observe(ym_solver *s, ym_gauge *u, double *vals);
/* Extra site fields of a type for dumps (0 for most): count and names. Local. */
int ym_solver_type_ndens(const ym_solver_type *t);
const char *ym_solver_type_dens_name(const ym_solver_type *t, int i);
/* Field i: *f (owned by the solver, valid until the next call) holds it in
 * component *comp at the interior sites. Collective. Errors: YM_EINVAL (i out
 * of range), those of the type. */
int ym_solver_density(ym_solver *s, ym_gauge *u, int i, ym_field **f, int *comp);

#endif
