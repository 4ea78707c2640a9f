/* Integrator registry and the 2N-storage Runge-Kutta flow step. */
#include "ym_integrator.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ym_status.h"

struct ym_flow_work {
    const ym_geom *g;
    int N;
    ym_field *z, *k;
    ym_field *z0, *z1; /* adaptive: Z of stages 0 and 1 */
    ym_gauge *v;       /* adaptive: the field at the start of the step */
};

static const double A_euler[] = {0.0}, B_euler[] = {1.0};
static const double A_rk2[] = {0.0, -0.5}, B_rk2[] = {0.5, 1.0};
static const double A_rk3[] = {0.0, -17.0 / 32.0, -32.0 / 27.0}, B_rk3[] = {0.25, 8.0 / 9.0, 0.75};

static const ym_integrator_type builtin[] = {
    {"euler", "explicit Euler (Lie group), order 1", 1, 1, A_euler, B_euler, NULL, 0},
    {"rk2", "second-order Runge-Kutta (openQCD fwd_rk2)", 2, 2, A_rk2, B_rk2, NULL, 0},
    {"rk3", "Luscher's third-order Runge-Kutta, 2N-storage form", 3, 3, A_rk3, B_rk3, NULL, 0},
    {"adaptive", "Luscher RK3 with embedded 2nd-order step-size control", 3, 3, A_rk3, B_rk3, NULL, 1},
};

static const ym_integrator_type *reg[YM_INTEGRATOR_MAXREG];
static int nreg = 0, reg_init = 0;

static int do_register(const ym_integrator_type *it)
{
    if (!it || !it->name || !*it->name) return YM_ERROR(YM_EINVAL, "integrator register: type without name");
    if (!it->step && (it->nstages < 1 || it->nstages > YM_INTEGRATOR_MAXSTAGE || !it->A || !it->B))
        return YM_ERROR(YM_EINVAL, "integrator register: %s: needs a step function or 1..%d stages with A, B",
                        it->name, YM_INTEGRATOR_MAXSTAGE);
    for (int i = 0; i < nreg; ++i)
        if (!strcmp(reg[i]->name, it->name))
            return YM_ERROR(YM_EINVAL, "integrator register: '%s' is already registered", it->name);
    if (nreg >= YM_INTEGRATOR_MAXREG) return YM_ERROR(YM_ENOMEM, "integrator register: registry full");
    reg[nreg++] = it;
    return YM_OK;
}

extern const ym_integrator_type *const ym_integrator_extra[];
extern const int ym_integrator_nextra;

static void ensure_builtin(void)
{
    if (reg_init) return;
    reg_init = 1;
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; ++i) do_register(&builtin[i]);
    /* Built-ins that live in their own files (ym_integrator_extra.c). */
    for (int i = 0; i < ym_integrator_nextra; ++i) do_register(ym_integrator_extra[i]);
}

int ym_integrator_register(const ym_integrator_type *it)
{
    ensure_builtin();
    return do_register(it);
}

const ym_integrator_type *ym_integrator_find(const char *name)
{
    ensure_builtin();
    for (int i = 0; name && i < nreg; ++i)
        if (!strcmp(reg[i]->name, name)) return reg[i];
    char known[1024];
    size_t off = 0;
    known[0] = 0;
    for (int i = 0; i < nreg && off < sizeof known; ++i)
        off += (size_t)snprintf(known + off, sizeof known - off, "%s%s", i ? ", " : "", reg[i]->name);
    YM_ERROR(YM_EINVAL, "unknown integrator '%s' (known: %s)", name ? name : "(null)", known);
    return NULL;
}

int ym_integrator_list(const ym_integrator_type **types, int max)
{
    ensure_builtin();
    for (int i = 0; types && i < nreg && i < max; ++i) types[i] = reg[i];
    return nreg;
}

int ym_flow_work_create(ym_flow_work **out, const ym_gauge *u)
{
    *out = NULL;
    ym_flow_work *w = calloc(1, sizeof *w);
    if (!w) return YM_ERROR(YM_ENOMEM, "flow workspace: out of memory");
    w->g = ym_gauge_geom(u);
    w->N = ym_gauge_N(u);
    size_t nc = 8 * (size_t)w->N * w->N;
    int st = ym_field_create(&w->z, w->g, nc);
    if (!st) st = ym_field_create(&w->k, w->g, nc);
    if (!st) st = ym_field_create(&w->z0, w->g, nc);
    if (!st) st = ym_field_create(&w->z1, w->g, nc);
    if (!st) st = ym_gauge_create(&w->v, w->g, w->N);
    if (st) {
        ym_flow_work_free(w);
        return st;
    }
    *out = w;
    return YM_OK;
}

void ym_flow_work_free(ym_flow_work *w)
{
    if (!w) return;
    ym_field_free(w->z);
    ym_field_free(w->k);
    ym_field_free(w->z0);
    ym_field_free(w->z1);
    ym_gauge_free(w->v);
    free(w);
}

ym_field *ym_flow_work_force(ym_flow_work *w) { return w->z; }

int ym_integrator_step_2n(const ym_integrator_type *it, ym_gauge *u, const ym_action_type *a, const double *par,
                          double eps, ym_flow_work *w)
{
    int N = w->N;
    size_t nn = (size_t)N * N;
    const ym_geom *g = w->g;
    const int *in = ym_geom_interior(g);
    int nin = ym_geom_ninterior(g);
    double *ud = ym_field_data(ym_gauge_field(u));
    double *zd = ym_field_data(w->z), *kd = ym_field_data(w->k);
    ym_cplx x[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX], t[YM_NMAX * YM_NMAX];
    for (int s = 0; s < it->nstages; ++s) {
        int st = a->force(a, par, u, w->z);
        st = ym_status_agree(ym_grid_comm(ym_geom_grid(g)), st);
        if (st) return st;
        /* the adaptive scheme's embedded solution needs Z0 and Z1 */
        if (it->adaptive && s < 2)
            memcpy(ym_field_data(s ? w->z1 : w->z0), zd, sizeof(double) * 2 * nn * 4 * (size_t)ym_geom_nsites(g));
        double As = it->A[s], Bs = it->B[s];
        for (int i = 0; i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                ym_cplx *k = ym_gauge_link_at(kd, N, in[i], mu);
                const ym_cplx *z = ym_gauge_link_at(zd, N, in[i], mu);
                /* A_0 = 0 also clears whatever K held from the last step */
                for (size_t j = 0; j < nn; ++j) k[j] = (s == 0 ? 0.0 : As * k[j]) + z[j];
                for (size_t j = 0; j < nn; ++j) x[j] = eps * Bs * k[j];
                ym_su_exp(N, e, x);
                ym_cplx *l = ym_gauge_link_at(ud, N, in[i], mu);
                ym_su_mul_nn(N, t, e, l);
                ym_su_copy(N, l, t);
            }
    }
    return ym_gauge_halo_update(u);
}

int ym_flow_step(ym_gauge *u, const ym_action_type *a, const double *par, const ym_integrator_type *it,
                 double eps, ym_flow_work *w)
{
    MPI_Comm c = ym_grid_comm(ym_geom_grid(ym_gauge_geom(u)));
    double def[YM_ACTION_MAXPAR];
    if (a && !par) {
        ym_action_defaults(a, def);
        par = def;
    }
    int st = YM_OK;
    if (!it || !w) st = YM_ERROR(YM_EINVAL, "flow step: NULL integrator or workspace");
    else if (!isfinite(eps) || eps <= 0) st = YM_ERROR(YM_EINVAL, "flow step: step size %g must be > 0", eps);
    else if (w->g != ym_gauge_geom(u) || w->N != ym_gauge_N(u))
        st = YM_ERROR(YM_EINVAL, "flow step: workspace was made for another field");
    else st = ym_action_check(a, par, u, w->z);
    st = ym_status_agree(c, st);
    if (st) return st;
    st = it->step ? it->step(it, u, a, par, eps, w) : ym_integrator_step_2n(it, u, a, par, eps, w);
    return ym_status_agree(c, st);
}

int ym_flow_step_adaptive(ym_gauge *u, const ym_action_type *a, const double *par, double tol, double *eps,
                          double t_left, double *dt, int *nreject, ym_flow_work *w)
{
    MPI_Comm c = ym_grid_comm(ym_geom_grid(ym_gauge_geom(u)));
    const ym_integrator_type *it = ym_integrator_find("adaptive");
    double def[YM_ACTION_MAXPAR];
    if (a && !par) {
        ym_action_defaults(a, def);
        par = def;
    }
    int st = YM_OK;
    if (!it || !w || !eps || !dt) st = YM_ERROR(YM_EINVAL, "adaptive flow step: NULL argument");
    else if (!isfinite(tol) || tol <= 0 || !isfinite(*eps) || *eps <= 0 || !isfinite(t_left) || t_left <= 0)
        st = YM_ERROR(YM_EINVAL, "adaptive flow step: tolerance, step and remaining time must be > 0");
    else if (w->g != ym_gauge_geom(u) || w->N != ym_gauge_N(u))
        st = YM_ERROR(YM_EINVAL, "adaptive flow step: workspace was made for another field");
    else st = ym_action_check(a, par, u, w->z);
    st = ym_status_agree(c, st);
    if (st) return st;
    int N = w->N;
    size_t nn = (size_t)N * N;
    const int *in = ym_geom_interior(w->g);
    int nin = ym_geom_ninterior(w->g);
    ym_cplx x[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX], t2[YM_NMAX * YM_NMAX];
    if (nreject) *nreject = 0;
    st = ym_gauge_copy(w->v, u);
    for (int tries = 0; !st; ++tries) {
        if (tries == 100) {
            st = YM_ERROR(YM_ENUM, "adaptive flow step: 100 rejected steps (step size %g)", *eps);
            break;
        }
        double h = *eps < t_left ? *eps : t_left;
        st = ym_integrator_step_2n(it, u, a, par, h, w);
        if (st) break;
        double d = 0;
        double *z0 = ym_field_data(w->z0), *z1 = ym_field_data(w->z1);
        for (int i = 0; i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                const ym_cplx *a0 = ym_gauge_link_at(z0, N, in[i], mu), *a1 = ym_gauge_link_at(z1, N, in[i], mu);
                for (size_t j = 0; j < nn; ++j) x[j] = h * (2.0 * a1[j] - a0[j]);
                ym_su_exp(N, e, x);
                ym_su_mul_nn(N, t2, e, ym_gauge_link(w->v, in[i], mu));
                const ym_cplx *w3 = ym_gauge_link(u, in[i], mu);
                double f = 0;
                for (size_t j = 0; j < nn; ++j) {
                    double re = creal(w3[j] - t2[j]), im = cimag(w3[j] - t2[j]);
                    f += re * re + im * im;
                }
                f = sqrt(f) / (double)nn;
                if (f > d) d = f;
            }
        if (MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_DOUBLE, MPI_MAX, c) != MPI_SUCCESS) {
            st = YM_ERROR(YM_EMPI, "adaptive flow step: MPI_Allreduce failed");
            break;
        }
        /* d = 0 (e.g. a stationary field) would make the next step infinite */
        double grow = d > 0 ? 0.95 * cbrt(tol / d) : 10.0;
        if (grow > 10.0) grow = 10.0;
        *eps = h * grow;
        if (d <= tol) {
            *dt = h;
            break;
        }
        if (nreject) ++*nreject;
        st = ym_gauge_copy(u, w->v);
        if (!st) st = ym_gauge_halo_update(u);
    }
    return ym_status_agree(c, st);
}
