/* Solver registry and driver; the built-in "gradient-flow" type. */
#include "ym_solver.h"
#include "ym_solver_impl.h"
#include "ym_registry.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ym_solver {
    const ym_solver_type *type;
    ym_solver_opts opts;
    const ym_action_type *action;
    const ym_integrator_type *integrator;
    double apar[YM_ACTION_MAXPAR];
    double par[YM_SOLVER_MAXPAR];
    char spar[YM_SOLVER_MAXSPAR][YM_SOLVER_STRMAX];
    double t;
    long steps;
    const ym_geom *geom;
    MPI_Comm comm;
    void *state;
    int setup_done;
};

/* ---------- built-in: gradient flow ---------- */

typedef struct {
    ym_flow_work *w;
    double eps_next; /* adaptive: suggested next step */
    long nreject;
} gf_state;

static const ym_solver_param gf_params[] = {
    {"tol", 1e-6, "adaptive integrators: local error tolerance per step"},
};

static int gf_check(const ym_solver_type *t, const ym_solver_opts *o, const double *par)
{
    (void)t;
    if (o->integrator && o->integrator->adaptive && !(isfinite(par[0]) && par[0] > 0))
        return YM_ERROR(YM_EINVAL, "tol: %g must be finite and > 0", par[0]);
    if (o->integrator && o->integrator->adaptive && strcmp(o->integrator->name, "adaptive") != 0)
        return YM_ERROR(YM_EINVAL, "integrator: the gradient-flow solver has no step-size control for '%s'",
                        o->integrator->name);
    return YM_OK;
}

static int gf_setup(ym_solver *s, const ym_gauge *u)
{
    gf_state *g = s->state;
    g->eps_next = s->opts.eps;
    return ym_flow_work_create(&g->w, u);
}

static int gf_step(ym_solver *s, ym_gauge *u, double t_left, double *dt)
{
    gf_state *g = s->state;
    if (s->integrator->adaptive) {
        int nrej = 0;
        int st = ym_flow_step_adaptive(u, s->action, s->apar, s->par[0], &g->eps_next, t_left, dt, &nrej, g->w);
        g->nreject += nrej;
        return st;
    }
    double h = t_left <= s->opts.eps * (1 + 1e-10) ? t_left : s->opts.eps;
    *dt = h;
    return ym_flow_step(u, s->action, s->apar, s->integrator, h, g->w);
}

static int gf_checkpoint(const ym_solver *s, double *save, int *n)
{
    const gf_state *g = s->state;
    save[0] = g->eps_next;
    save[1] = (double)g->nreject;
    *n = 2;
    return YM_OK;
}

static int gf_restore(ym_solver *s, const double *save, int n)
{
    gf_state *g = s->state;
    if (n != 2) return YM_ERROR(YM_EINVAL, "gradient-flow restore: expected 2 saved values, got %d", n);
    g->eps_next = save[0];
    g->nreject = (long)save[1];
    return YM_OK;
}

static void gf_teardown(ym_solver *s)
{
    gf_state *g = s->state;
    ym_flow_work_free(g->w);
    g->w = NULL;
}

static const ym_solver_type gradient_flow = {
    .name = "gradient-flow",
    .description = "gradient flow V' = -dS(V) V of a registered action with a registered integrator",
    .state_size = sizeof(gf_state),
    .nparams = 1,
    .params = gf_params,
    .check = gf_check,
    .setup = gf_setup,
    .step = gf_step,
    .checkpoint = gf_checkpoint,
    .restore = gf_restore,
    .teardown = gf_teardown,
};

/* ---------- registry ---------- */

static const void *reg_items[YM_SOLVER_MAXREG];
static ym_registry reg = {"solver", reg_items, YM_SOLVER_MAXREG, 0};
static int reg_init = 0;

static int do_register(const ym_solver_type *t)
{
    if (!t || !t->name || !*t->name || !t->description || !t->step)
        return YM_ERROR(YM_EINVAL, "solver register: type without name, description or step");
    if (t->nparams < 0 || t->nparams > YM_SOLVER_MAXPAR || (t->nparams > 0 && !t->params))
        return YM_ERROR(YM_EINVAL, "solver register: %s: bad parameter table", t->name);
    if (t->nsparams < 0 || t->nsparams > YM_SOLVER_MAXSPAR || (t->nsparams > 0 && !t->sparams))
        return YM_ERROR(YM_EINVAL, "solver register: %s: bad string parameter table", t->name);
    for (int i = 0; i < t->nsparams; ++i)
        if (!t->sparams[i].name || !t->sparams[i].def || strlen(t->sparams[i].def) >= YM_SOLVER_STRMAX)
            return YM_ERROR(YM_EINVAL, "solver register: %s: bad string parameter %d", t->name, i);
    if ((t->nobs < 0 || (t->nobs > 0 && (!t->obs_names || !t->observe))) ||
        (t->ndens < 0 || (t->ndens > 0 && (!t->dens_names || !t->density))))
        return YM_ERROR(YM_EINVAL, "solver register: %s: bad observable or density table", t->name);
    return ym_registry_add(&reg, t);
}

extern const ym_solver_type ym_solver_cooling, ym_solver_stout; /* ym_smooth_solvers.c */
extern const ym_solver_type ym_solver_rym;                      /* ym_rym.c */

static void ensure_builtin(void)
{
    if (reg_init) return;
    reg_init = 1;
    do_register(&gradient_flow);
    do_register(&ym_solver_cooling);
    do_register(&ym_solver_stout);
    do_register(&ym_solver_rym);
}

int ym_solver_register(const ym_solver_type *t)
{
    ensure_builtin();
    return do_register(t);
}

const ym_solver_type *ym_solver_find(const char *name)
{
    ensure_builtin();
    return ym_registry_find(&reg, name);
}

int ym_solver_list(const ym_solver_type **types, int max)
{
    ensure_builtin();
    for (int i = 0; types && i < reg.n && i < max; ++i) types[i] = ym_registry_at(&reg, i);
    return reg.n;
}

const char *ym_solver_type_name(const ym_solver_type *t) { return t ? t->name : NULL; }
const char *ym_solver_type_description(const ym_solver_type *t) { return t ? t->description : NULL; }
int ym_solver_type_nparams(const ym_solver_type *t) { return t ? t->nparams : 0; }
int ym_solver_type_nsparams(const ym_solver_type *t) { return t ? t->nsparams : 0; }
const char *ym_solver_type_sparam(const ym_solver_type *t, int i, const char **def, const char **description)
{
    if (!t || i < 0 || i >= t->nsparams) return NULL;
    if (def) *def = t->sparams[i].def;
    if (description) *description = t->sparams[i].description;
    return t->sparams[i].name;
}
const char *ym_solver_type_param(const ym_solver_type *t, int i, double *def, const char **description)
{
    if (!t || i < 0 || i >= t->nparams) return NULL;
    if (def) *def = t->params[i].def;
    if (description) *description = t->params[i].description;
    return t->params[i].name;
}

/* ---------- options ---------- */

void ym_solver_opts_default(ym_solver_opts *o)
{
    memset(o, 0, sizeof *o);
    o->eps = 0.01;
}

static void resolve(const ym_solver_type *t, const ym_solver_opts *o, const ym_action_type **a,
                    const ym_integrator_type **it, double *apar, double *par)
{
    *a = o->action ? o->action : ym_action_find("wilson");
    *it = o->integrator ? o->integrator : ym_integrator_find("rk3");
    if (*a) {
        if (o->have_action_par) memcpy(apar, o->action_par, sizeof o->action_par);
        else ym_action_defaults(*a, apar);
    }
    for (int i = 0; i < t->nparams; ++i) par[i] = o->have_par ? o->par[i] : t->params[i].def;
}

/* The effective string parameters into spar (defaults unless have_spar). */
static int resolve_spar(const ym_solver_type *t, const ym_solver_opts *o, char spar[][YM_SOLVER_STRMAX])
{
    for (int i = 0; i < t->nsparams; ++i) {
        const char *v = o->have_spar ? o->spar[i] : t->sparams[i].def;
        if (!memchr(v, 0, YM_SOLVER_STRMAX))
            return YM_ERROR(YM_EINVAL, "%s: longer than %d characters", t->sparams[i].name, YM_SOLVER_STRMAX - 1);
        snprintf(spar[i], YM_SOLVER_STRMAX, "%s", v);
    }
    return YM_OK;
}

int ym_solver_check(const ym_solver_type *t, const ym_solver_opts *o)
{
    if (!t || !o) return YM_ERROR(YM_EINVAL, "solver: NULL type or options");
    if (!isfinite(o->eps) || o->eps <= 0) return YM_ERROR(YM_EINVAL, "eps: %g must be finite and > 0", o->eps);
    const ym_action_type *a;
    const ym_integrator_type *it;
    double apar[YM_ACTION_MAXPAR] = {0}, par[YM_SOLVER_MAXPAR] = {0};
    resolve(t, o, &a, &it, apar, par);
    if (!a || !it) return YM_EINVAL;
    for (int i = 0; i < a->nparams; ++i)
        if (!isfinite(apar[i])) return YM_ERROR(YM_EINVAL, "%s: not finite", a->params[i].name);
    if (a->check) {
        int st = a->check(a, apar);
        if (st) return st;
    }
    for (int i = 0; i < t->nparams; ++i)
        if (!isfinite(par[i])) return YM_ERROR(YM_EINVAL, "%s: not finite", t->params[i].name);
    static char spar[YM_SOLVER_MAXSPAR][YM_SOLVER_STRMAX];
    int st = resolve_spar(t, o, spar);
    if (st) return st;
    if (t->check) {
        static ym_solver_opts r; /* 4 kB of strings: off the stack */
        r = *o;
        r.action = a;
        r.integrator = it;
        memcpy(r.spar, spar, sizeof spar);
        r.have_spar = 1;
        return t->check(t, &r, par);
    }
    return YM_OK;
}

int ym_solver_halo_depth(const ym_solver_type *t, const ym_solver_opts *o)
{
    (void)t;
    const ym_action_type *a = o && o->action ? o->action : ym_action_find("wilson");
    return a ? a->halo_depth : 1;
}

/* ---------- instances ---------- */

int ym_solver_create(ym_solver **out, const ym_solver_type *t, const ym_solver_opts *opts, const ym_gauge *u)
{
    if (!out || !u) return YM_ERROR(YM_EINVAL, "solver create: NULL argument");
    *out = NULL;
    int st = ym_solver_check(t, opts);
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    if (!st && ym_geom_depth(g) < ym_solver_halo_depth(t, opts))
        st = YM_ERROR(YM_EINVAL, "solver create: the field's halo depth %d is below the %d the action needs",
                      ym_geom_depth(g), ym_solver_halo_depth(t, opts));
    ym_solver *s = NULL;
    if (!st) {
        s = calloc(1, sizeof *s);
        if (s && t->state_size) s->state = calloc(1, t->state_size);
        if (!s || (t->state_size && !s->state)) {
            if (s) free(s);
            s = NULL;
            st = YM_ERROR(YM_ENOMEM, "solver create: out of memory");
        }
    }
    st = ym_status_agree(comm, st);
    if (st) {
        if (s) free(s->state);
        free(s);
        return st;
    }
    s->type = t;
    s->opts = *opts;
    s->geom = g;
    s->comm = comm;
    resolve(t, opts, &s->action, &s->integrator, s->apar, s->par);
    resolve_spar(t, opts, s->spar); /* checked above */
    memcpy(s->opts.spar, s->spar, sizeof s->spar);
    s->opts.have_spar = 1;
    s->opts.action = s->action;
    s->opts.integrator = s->integrator;
    memcpy(s->opts.action_par, s->apar, sizeof s->apar);
    memcpy(s->opts.par, s->par, sizeof s->par);
    s->opts.have_action_par = s->opts.have_par = 1;
    if (t->setup) st = ym_status_agree(comm, t->setup(s, u));
    s->setup_done = 1;
    if (st) {
        ym_solver_free(s);
        return st;
    }
    *out = s;
    return YM_OK;
}

void ym_solver_free(ym_solver *s)
{
    if (!s) return;
    if (s->setup_done && s->type->teardown) s->type->teardown(s);
    free(s->state);
    free(s);
}

int ym_solver_step(ym_solver *s, ym_gauge *u, double t_target, double *dt)
{
    if (!s || !u || !dt) return YM_ERROR(YM_EINVAL, "solver step: NULL argument");
    double left = t_target - s->t;
    if (!isfinite(t_target) || !(left > 0))
        return YM_ERROR(YM_EINVAL, "solver step: target time %.17g is not beyond the current %.17g", t_target, s->t);
    double h = 0;
    int st = ym_status_agree(s->comm, s->type->step(s, u, left, &h));
    if (st) return st;
    if (!(h > 0) || h > left * (1 + 1e-12))
        return YM_ERROR(YM_EINTERNAL, "solver %s: step %.17g outside (0, %.17g]", s->type->name, h, left);
    *dt = h;
    ++s->steps;
    if (h >= left) s->t = t_target; /* land exactly */
    else s->t += h;
    return YM_OK;
}

int ym_solver_advance(ym_solver *s, ym_gauge *u, double t_target)
{
    int st = YM_OK;
    double dt;
    while (!st && s->t < t_target) st = ym_solver_step(s, u, t_target, &dt);
    return st;
}

double ym_solver_time(const ym_solver *s) { return s->t; }
long ym_solver_steps(const ym_solver *s) { return s->steps; }
const ym_solver_type *ym_solver_get_type(const ym_solver *s) { return s->type; }
const ym_solver_opts *ym_solver_get_opts(const ym_solver *s) { return &s->opts; }
double ym_solver_time_scale(const ym_solver *s)
{
    return s->type->time_scale ? s->type->time_scale(s) : 1.0;
}
const char *ym_solver_type_time_unit(const ym_solver_type *t) { return t && t->time_scale ? t->time_unit : NULL; }
void *ym_solver_state_ptr(ym_solver *s) { return s->state; }
const double *ym_solver_params(const ym_solver *s) { return s->par; }
const double *ym_solver_action_params(const ym_solver *s) { return s->apar; }
const char *ym_solver_sparam(const ym_solver *s, int i)
{
    return i >= 0 && i < s->type->nsparams ? s->spar[i] : "";
}
const ym_action_type *ym_solver_action(const ym_solver *s) { return s->action; }
const ym_integrator_type *ym_solver_integrator(const ym_solver *s) { return s->integrator; }

int ym_solver_save(const ym_solver *s, ym_solver_state *st)
{
    memset(st, 0, sizeof *st);
    st->t = s->t;
    st->steps = s->steps;
    if (s->type->checkpoint) {
        int rc = s->type->checkpoint(s, st->save, &st->nsave);
        if (rc) return rc;
        if (st->nsave < 0 || st->nsave > YM_SOLVER_MAXSAVE)
            return YM_ERROR(YM_EINTERNAL, "solver %s: checkpoint saved %d values", s->type->name, st->nsave);
    }
    return YM_OK;
}

int ym_solver_restore(ym_solver *s, const ym_solver_state *st)
{
    if (st->nsave < 0 || st->nsave > YM_SOLVER_MAXSAVE)
        return YM_ERROR(YM_EINVAL, "solver restore: %d saved values", st->nsave);
    if (s->type->restore) {
        int rc = s->type->restore(s, st->save, st->nsave);
        if (rc) return rc;
    } else if (st->nsave) return YM_ERROR(YM_EINVAL, "solver %s: cannot restore saved state", s->type->name);
    s->t = st->t;
    s->steps = st->steps;
    return YM_OK;
}

int ym_solver_save_files(ym_solver *s, const char *prefix)
{
    if (!s->type->save_files) return YM_OK;
    return ym_status_agree(s->comm, s->type->save_files(s, prefix));
}

int ym_solver_load_files(ym_solver *s, const char *prefix)
{
    if (!s->type->load_files) return YM_OK;
    return ym_status_agree(s->comm, s->type->load_files(s, prefix));
}

void ym_solver_remove_files(ym_solver *s, const char *prefix)
{
    if (s->type->remove_files) s->type->remove_files(s, prefix);
}

int ym_solver_type_nobs(const ym_solver_type *t) { return t ? t->nobs : 0; }
const char *ym_solver_type_obs_name(const ym_solver_type *t, int i)
{
    return t && i >= 0 && i < t->nobs ? t->obs_names[i] : NULL;
}
int ym_solver_observe(ym_solver *s, ym_gauge *u, double *vals)
{
    if (!s->type->nobs) return YM_OK;
    return ym_status_agree(s->comm, s->type->observe(s, u, vals));
}
int ym_solver_type_ndens(const ym_solver_type *t) { return t ? t->ndens : 0; }
const char *ym_solver_type_dens_name(const ym_solver_type *t, int i)
{
    return t && i >= 0 && i < t->ndens ? t->dens_names[i] : NULL;
}
int ym_solver_density(ym_solver *s, ym_gauge *u, int i, ym_field **f, int *comp)
{
    if (i < 0 || i >= s->type->ndens)
        return ym_status_agree(s->comm, YM_ERROR(YM_EINVAL, "solver %s: no density %d", s->type->name, i));
    return ym_status_agree(s->comm, s->type->density(s, u, i, f, comp));
}
