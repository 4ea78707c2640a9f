/* Action registry and the rectangular-loop actions (wilson, rectangle
 * family, over-improved 2x2). */
#include "ym_action.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ym_status.h"
#include "ym_sum.h"

static MPI_Comm comm_of_u(const ym_gauge *u) { return ym_grid_comm(ym_geom_grid(ym_gauge_geom(u))); }

/* ---- loop engine ---- */

typedef struct {
    int N;
    double *d;
    const ym_geom *g;
    const int *up[4], *dn[4];
} walker;

static void walker_init(walker *w, ym_gauge *u)
{
    w->N = ym_gauge_N(u);
    w->d = ym_field_data(ym_gauge_field(u));
    w->g = ym_gauge_geom(u);
    for (int m = 0; m < 4; ++m) {
        w->up[m] = ym_geom_up(w->g, m);
        w->dn[m] = ym_geom_dn(w->g, m);
    }
}

/* Product of the links along steps (+-(dir+1)) from site x into out.
 * Returns 0 if the path uses a link that is not part of the field (open
 * boundary), so the loop must be left out; the halo depth was checked by
 * the caller, so the path never leaves the stored block. */
static int walk(const walker *w, int x, const int *steps, int n, ym_cplx *out)
{
    int N = w->N;
    ym_cplx t[YM_NMAX * YM_NMAX];
    ym_su_unit(N, out);
    for (int k = 0; k < n; ++k) {
        int s = steps[k], m = (s > 0 ? s : -s) - 1;
        if (s > 0) {
            if (!(ym_geom_flags(w->g, x) & YM_GEOM_LINK(m))) return 0;
            ym_su_mul_nn(N, t, out, ym_gauge_link_at(w->d, N, x, m));
            x = w->up[m][x];
        } else {
            x = w->dn[m][x];
            if (x < 0 || !(ym_geom_flags(w->g, x) & YM_GEOM_LINK(m))) return 0;
            ym_su_mul_nd(N, t, out, ym_gauge_link_at(w->d, N, x, m));
        }
        if (x < 0) return 0;
        ym_su_copy(N, out, t);
    }
    return 1;
}

/* Steps of the a x b rectangle in the (mu, sig*nu) plane that starts with
 * link U_mu at position i of its side. */
static int rect_path(int *p, int mu, int nu, int sig, int a, int b, int i)
{
    int n = 0;
    for (int k = 0; k < a - i; ++k) p[n++] = mu + 1;
    for (int k = 0; k < b; ++k) p[n++] = sig * (nu + 1);
    for (int k = 0; k < a; ++k) p[n++] = -(mu + 1);
    for (int k = 0; k < b; ++k) p[n++] = -sig * (nu + 1);
    for (int k = 0; k < i; ++k) p[n++] = mu + 1;
    return n;
}

static int loop_depth(const ym_loop_set *ls)
{
    int d = 1;
    for (int k = 0; k < ls->nloop; ++k) {
        if (ls->ext_mu[k] > d) d = ls->ext_mu[k];
        if (ls->ext_nu[k] > d) d = ls->ext_nu[k];
    }
    return d;
}

static int loop_prepare(const ym_loop_set *ls, ym_gauge *u)
{
    MPI_Comm c = comm_of_u(u);
    int st = YM_OK;
    if (ls->nloop < 1 || ls->nloop > 4) st = YM_ERROR(YM_EINVAL, "loop action: %d loop shapes", ls->nloop);
    for (int k = 0; !st && k < ls->nloop; ++k)
        if (ls->ext_mu[k] < 1 || ls->ext_mu[k] > 2 || ls->ext_nu[k] < 1 || ls->ext_nu[k] > 2)
            st = YM_ERROR(YM_EINVAL, "loop action: loop extents must be 1 or 2");
    if (!st && ym_geom_depth(ym_gauge_geom(u)) < loop_depth(ls))
        st = YM_ERROR(YM_EINVAL, "loop action: needs a geometry of halo depth %d, the field has %d",
                      loop_depth(ls), ym_geom_depth(ym_gauge_geom(u)));
    st = ym_status_agree(c, st);
    if (!st) st = ym_gauge_halo_update(u);
    return st;
}

int ym_loop_action_value(const ym_loop_set *ls, ym_gauge *u, double *s)
{
    int st = loop_prepare(ls, u);
    if (st) return st;
    walker w;
    walker_init(&w, u);
    int N = w.N, p[16];
    ym_cplx l[YM_NMAX * YM_NMAX];
    ym_sum acc = YM_SUM_INIT;
    const int *in = ym_geom_interior(w.g);
    for (int i = 0; i < ym_geom_ninterior(w.g); ++i)
        for (int mu = 0; mu < 4; ++mu)
            for (int nu = mu + 1; nu < 4; ++nu)
                for (int k = 0; k < ls->nloop; ++k) {
                    int n = rect_path(p, mu, nu, 1, ls->ext_mu[k], ls->ext_nu[k], 0);
                    if (walk(&w, in[i], p, n, l))
                        ym_sum_add(&acc, ls->w[k] * 2.0 * (N - creal(ym_su_trace(N, l))));
                }
    return ym_sum_allreduce(&acc, comm_of_u(u), s);
}

int ym_loop_action_force(const ym_loop_set *ls, ym_gauge *u, ym_field *z)
{
    int st = loop_prepare(ls, u);
    if (st) return st;
    walker w;
    walker_init(&w, u);
    int N = w.N, p[16];
    size_t nn = (size_t)N * N;
    ym_cplx l[YM_NMAX * YM_NMAX], om[YM_NMAX * YM_NMAX];
    const int *in = ym_geom_interior(w.g);
    for (int i = 0; i < ym_geom_ninterior(w.g); ++i) {
        int x = in[i];
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *zx = ym_gauge_link_at(ym_field_data(z), N, x, mu);
            ym_su_zero(N, om);
            if (ym_geom_flags(w.g, x) & YM_GEOM_LINK(mu)) {
                for (int nu = 0; nu < 4; ++nu) {
                    if (nu == mu) continue;
                    for (int k = 0; k < ls->nloop; ++k)
                        for (int sig = -1; sig <= 1; sig += 2)
                            for (int pos = 0; pos < ls->ext_mu[k]; ++pos) {
                                int n = rect_path(p, mu, nu, sig, ls->ext_mu[k], ls->ext_nu[k], pos);
                                if (walk(&w, x, p, n, l)) ym_su_axpy(N, om, ls->w[k], l);
                            }
                }
            }
            ym_su_proj(N, om, om);
            for (size_t j = 0; j < nn; ++j) zx[j] = -om[j];
        }
    }
    return YM_OK;
}

/* ---- built-in types ---- */

static int wilson_set(const double *par, ym_loop_set *ls)
{
    (void)par;
    ls->nloop = 1;
    ls->ext_mu[0] = ls->ext_nu[0] = 1;
    ls->w[0] = 1.0;
    return YM_OK;
}

static int rect_set(const double *par, ym_loop_set *ls)
{
    double c1 = par[0];
    ls->nloop = 3;
    ls->ext_mu[0] = 1, ls->ext_nu[0] = 1, ls->w[0] = 1.0 - 8.0 * c1;
    ls->ext_mu[1] = 1, ls->ext_nu[1] = 2, ls->w[1] = c1;
    ls->ext_mu[2] = 2, ls->ext_nu[2] = 1, ls->w[2] = c1;
    return YM_OK;
}

/* THEORY C.1 sums Tr over ordered (mu,nu); per unordered plane that is
 * 2 Re tr, which matches our normalisation with these weights. */
static int over_set(const double *par, ym_loop_set *ls)
{
    double eps = par[0];
    ls->nloop = 2;
    ls->ext_mu[0] = 1, ls->ext_nu[0] = 1, ls->w[0] = (4.0 - eps) / 3.0;
    ls->ext_mu[1] = 2, ls->ext_nu[1] = 2, ls->w[1] = (eps - 1.0) / 48.0;
    return YM_OK;
}

typedef int (*loop_setter)(const double *par, ym_loop_set *ls);

static int loop_check(const ym_action_type *a, const double *par)
{
    for (int i = 0; i < a->nparams; ++i)
        if (!isfinite(par[i]))
            return YM_ERROR(YM_EINVAL, "action %s: parameter %s is not finite", a->name, a->params[i].name);
    return YM_OK;
}

static const ym_action_param p_c1_sym[] = {{"c1", -1.0 / 12.0, "rectangle coefficient (c0 = 1 - 8 c1)"}};
static const ym_action_param p_c1_iwa[] = {{"c1", -0.331, "rectangle coefficient (c0 = 1 - 8 c1)"}};
static const ym_action_param p_c1_dbw[] = {{"c1", -1.4088, "rectangle coefficient (c0 = 1 - 8 c1)"}};
static const ym_action_param p_eps[] = {{"eps", -1.0, "over-improvement (1: Wilson, 0: tree-level, -1: over-improved)"}};

/* ISO C forbids converting function pointers to void *; the setter sits in
 * a static struct instead. */
typedef struct {
    loop_setter set;
} setter_box;
static const setter_box box_wilson = {wilson_set}, box_rect = {rect_set}, box_over = {over_set};

static int box_value(const ym_action_type *a, const double *par, ym_gauge *u, double *s)
{
    ym_loop_set ls;
    ((const setter_box *)a->data)->set(par, &ls);
    return ym_loop_action_value(&ls, u, s);
}

static int box_force(const ym_action_type *a, const double *par, ym_gauge *u, ym_field *z)
{
    ym_loop_set ls;
    ((const setter_box *)a->data)->set(par, &ls);
    return ym_loop_action_force(&ls, u, z);
}

#define LOOP_TYPE(nm, desc, depth, np, pp, box) \
    {nm, desc, depth, np, pp, loop_check, box_value, box_force, &box}

static const ym_action_type builtin[] = {
    LOOP_TYPE("wilson", "Wilson plaquette action", 1, 0, NULL, box_wilson),
    LOOP_TYPE("rectangle", "plaquette + 1x2 rectangle action, c0 = 1 - 8 c1", 2, 1, p_c1_sym, box_rect),
    LOOP_TYPE("symanzik", "tree-level Symanzik (Luscher-Weisz) action, c1 = -1/12", 2, 1, p_c1_sym, box_rect),
    LOOP_TYPE("luscher-weisz", "tree-level Symanzik (Luscher-Weisz) action, c1 = -1/12", 2, 1, p_c1_sym,
              box_rect),
    LOOP_TYPE("iwasaki", "Iwasaki rectangle action, c1 = -0.331", 2, 1, p_c1_iwa, box_rect),
    LOOP_TYPE("dbw2", "DBW2 rectangle action, c1 = -1.4088", 2, 1, p_c1_dbw, box_rect),
    LOOP_TYPE("overimproved", "over-improved 1x1 + 2x2 action S(eps) (Garcia Perez et al.)", 2, 1, p_eps,
              box_over),
};

/* ---- registry ---- */

static const ym_action_type *reg[YM_ACTION_MAXREG];
static int nreg = 0, reg_init = 0;

static int do_register(const ym_action_type *a)
{
    if (!a || !a->name || !*a->name || !a->value || !a->force)
        return YM_ERROR(YM_EINVAL, "action register: type without name, value or force");
    if (a->nparams < 0 || a->nparams > YM_ACTION_MAXPAR || (a->nparams > 0 && !a->params))
        return YM_ERROR(YM_EINVAL, "action register: %s: bad parameter table", a->name);
    if (a->halo_depth < 1 || a->halo_depth > 2)
        return YM_ERROR(YM_EINVAL, "action register: %s: halo depth must be 1 or 2", a->name);
    for (int i = 0; i < nreg; ++i)
        if (!strcmp(reg[i]->name, a->name))
            return YM_ERROR(YM_EINVAL, "action register: '%s' is already registered", a->name);
    if (nreg >= YM_ACTION_MAXREG) return YM_ERROR(YM_ENOMEM, "action register: registry full");
    reg[nreg++] = a;
    return YM_OK;
}

extern const ym_action_type *const ym_action_extra[];
extern const int ym_action_nextra;

static void ensure_builtin(void)
{
    if (reg_init) return;
    reg_init = 1;
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; ++i) do_register(&builtin[i]);
    /* Built-ins that live in their own files (ym_action_extra.c). */
    for (int i = 0; i < ym_action_nextra; ++i) do_register(ym_action_extra[i]);
}

int ym_action_register(const ym_action_type *a)
{
    ensure_builtin();
    return do_register(a);
}

const ym_action_type *ym_action_find(const char *name)
{
    ensure_builtin();
    for (int i = 0; name && i < nreg; ++i)
        if (!strcmp(reg[i]->name, name)) return reg[i];
    char known[1024];
    size_t off = 0;
    known[0] = 0;
    for (int i = 0; i < nreg && off < sizeof known; ++i)
        off += (size_t)snprintf(known + off, sizeof known - off, "%s%s", i ? ", " : "", reg[i]->name);
    YM_ERROR(YM_EINVAL, "unknown action '%s' (known: %s)", name ? name : "(null)", known);
    return NULL;
}

int ym_action_list(const ym_action_type **types, int max)
{
    ensure_builtin();
    for (int i = 0; types && i < nreg && i < max; ++i) types[i] = reg[i];
    return nreg;
}

void ym_action_defaults(const ym_action_type *a, double *par)
{
    for (int i = 0; i < a->nparams; ++i) par[i] = a->params[i].def;
}

int ym_action_check(const ym_action_type *a, const double *par, const ym_gauge *u, const ym_field *z)
{
    if (!a) return YM_ERROR(YM_EINVAL, "action: NULL type");
    if (par && a->check) {
        int st = a->check(a, par);
        if (st) return st;
    }
    int depth = ym_geom_depth(ym_gauge_geom(u));
    if (depth < a->halo_depth)
        return YM_ERROR(YM_EINVAL, "action %s needs a geometry of halo depth %d (this field has %d)", a->name,
                        a->halo_depth, depth);
    int N = ym_gauge_N(u);
    if (z && (ym_field_geom(z) != ym_gauge_geom(u) || ym_field_ncomp(z) != 8 * (size_t)N * N))
        return YM_ERROR(YM_EINVAL, "action %s: force field does not match the gauge field", a->name);
    return YM_OK;
}

int ym_action_value(const ym_action_type *a, const double *par, ym_gauge *u, double *s)
{
    double def[YM_ACTION_MAXPAR];
    if (a && !par) {
        ym_action_defaults(a, def);
        par = def;
    }
    int st = ym_status_agree(comm_of_u(u), ym_action_check(a, par, u, NULL));
    if (!st) st = a->value(a, par, u, s);
    return ym_status_agree(comm_of_u(u), st);
}

int ym_action_force(const ym_action_type *a, const double *par, ym_gauge *u, ym_field *z)
{
    double def[YM_ACTION_MAXPAR];
    if (a && !par) {
        ym_action_defaults(a, def);
        par = def;
    }
    int st = ym_status_agree(comm_of_u(u), ym_action_check(a, par, u, z));
    if (!st) st = a->force(a, par, u, z);
    return ym_status_agree(comm_of_u(u), st);
}
