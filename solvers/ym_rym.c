/* The "rym" solver type: metric and links stepped together with Lüscher's RK3. */
#include "ym_rym.h"
#include "ym_curv.h"
#include "ym_hybrid.h"
#include "ym_metric.h"
#include "ym_metric_io.h"
#include "ym_ricci.h"
#include "ym_solver_impl.h"
#include "ym_status.h"
#include "ym_su.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stability constant of the RK3 polynomial on the real axis (2.5127),
 * rounded down as RYM.md §3 quotes it, and the safety factor. */
#define RYM_RK3_REAL 2.51
#define RYM_SAFETY 0.9

typedef struct {
    const ym_geom *geom;
    int N;
    ym_field *g, *Kg, *accg; /* metric, its stage RHS, its 2N accumulator */
    ym_field *Z;             /* force (gauge layout); mixed into the velocity site by site */
    ym_field *F;             /* clover field strength for the drag (6 planes), NULL when off */
    double *W;               /* DeTurck vector per interior site for the drag, NULL when off */
    double *klink;           /* 2N accumulator of the links, compact */
    double *isg;             /* 1/sqrt(det g) of the stage metric per interior site */
    double *geo;             /* g^-1 and det g per interior site, from the metric velocity to the force */
    ym_ricci *r;
    ym_hybrid *h;
    ym_field *dens; /* YM_METRIC_NOBS observables per site, for dumps */
    double lmin, lmax;
    int lmin_site[4];
    double kappa;
    int metric_flow;
    int drag;
} rym_state;

static const ym_solver_param rym_params[] = {
    {"kappa", 1.0, "coupling of the metric source F^2"},
    {"deturck", 1.0, "1: Ricci-DeTurck -2Rc + L_W g; 0: plain -2Rc"},
    {"clover", 0.0, "0: hybrid metric-weighted action; 1: clover action (tests only, null space)"},
    {"metric_flow", 1.0, "1: the metric flows; 0: it stays frozen"},
    {"drag", 0.0, "1: DeTurck drag of the links, V_mu += W^nu F_nu,mu (open question, RYM.md 3); 0: off"},
};

static const ym_solver_sparam_def rym_sparams[] = {
    {"metric", "flat", "metric start: flat | diag:a,b,c,d | random:SEED,AMP[,LMIN] | file:PATH"},
};

static const char *const rym_obs[] = {"g00", "g01",   "g02", "g03",        "g11",        "g12",     "g13", "g22",
                                      "g23", "g33",   "sqrtg", "R",        "lambda_min", "lambda_max", "S_hybrid"};
#define RYM_NOBS ((int)(sizeof rym_obs / sizeof rym_obs[0]))

static const char *const rym_dens[] = {"g00", "g01", "g02", "g03", "g11", "g12", "g13",
                                       "g22", "g23", "g33", "sqrtg", "R"};
#define RYM_NDENS ((int)(sizeof rym_dens / sizeof rym_dens[0]))

static int is_flag(double v) { return v == 0.0 || v == 1.0; }

static int rym_check(const ym_solver_type *t, const ym_solver_opts *o, const double *par)
{
    (void)t;
    if (strcmp(o->action->name, "wilson") != 0)
        return YM_ERROR(YM_EINVAL, "action: the rym solver has its own metric-weighted action (parameter clover), "
                                   "not '%s'", o->action->name);
    if (strcmp(o->integrator->name, "rk3") != 0)
        return YM_ERROR(YM_EINVAL, "integrator: the rym solver steps with Luscher's rk3 only, not '%s'",
                        o->integrator->name);
    for (int i = YM_RYM_DETURCK; i <= YM_RYM_DRAG; ++i)
        if (!is_flag(par[i])) return YM_ERROR(YM_EINVAL, "%s: %g must be 0 or 1", rym_params[i].name, par[i]);
    /* the drag is the links' half of the DeTurck diffeomorphism: without the
     * metric's L_W g it would be a diffeomorphism applied to one field only */
    if (par[YM_RYM_DRAG] != 0 && par[YM_RYM_DETURCK] == 0)
        return YM_ERROR(YM_EINVAL, "drag: the DeTurck drag of the links needs deturck=1");
    const char *m = o->spar[0];
    if (strcmp(m, "flat") && strncmp(m, "diag:", 5) && strncmp(m, "random:", 7) && strncmp(m, "file:", 5))
        return YM_ERROR(YM_EINVAL, "metric: '%s' is not flat, diag:a,b,c,d, random:SEED,AMP or file:PATH", m);
    return YM_OK;
}

/* Is sg m - t 1 positive definite? The signs of its LDL^T pivots (no
 * square roots): a NaN entry answers no. */
static int shifted_pd(const double m[4][4], double sg, double t)
{
    double a[4][4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) a[i][j] = sg * m[i][j] - (i == j ? t : 0.0);
    for (int k = 0; k < 4; ++k) {
        if (!(a[k][k] > 0)) return 0;
        for (int i = k + 1; i < 4; ++i)
            for (int j = k + 1; j <= i; ++j) a[i][j] -= a[i][k] * a[j][k] / a[k][k];
    }
    return 1;
}

/* lambda_min / lambda_max of g over the lattice, with the global site of the
 * minimum; a site where g is not SPD (or the eigensolver fails) gives
 * lambda_min <= 0 there. Collective.
 * A site's eigenvalues are computed only if they can reach the extremes
 * found so far: with margin e = 1e-12 |g|_inf, g - (min + e) 1 positive
 * definite proves lambda_min(g) > min + e, and (max - e) 1 - g positive
 * definite proves lambda_max(g) < max - e. Jacobi's eigenvalues are within
 * a few rounding units of |g|, far inside e, so a skipped site can neither
 * be nor tie an extreme, and the results are those of evaluating every
 * site. A site skipped for the minimum is positive definite with room to
 * spare, so Cholesky cannot refuse it either. */
static int monitor(rym_state *r)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(r->geom));
    const int *in = ym_geom_interior(r->geom);
    int n = ym_geom_ninterior(r->geom), st = YM_OK;
    const int *L = ym_grid_L(ym_geom_grid(r->geom));
    struct {
        double v;
        int i;
    } mn = {INFINITY, -1};
    double mx = -INFINITY;
    for (int i = 0; i < n; ++i) {
        double m[4][4], lo, hi, nrm = 0;
        ym_metric_unpack(ym_field_site(r->g, in[i]), m);
        for (int a = 0; a < 4; ++a) nrm = fmax(nrm, fabs(m[a][0]) + fabs(m[a][1]) + fabs(m[a][2]) + fabs(m[a][3]));
        double e = 1e-12 * nrm;
        int above = mn.v < INFINITY && shifted_pd(m, 1.0, mn.v + e);
        if (above && mx > -INFINITY && shifted_pd(m, -1.0, e - mx)) continue;
        int err = ym_metric_eigen(m, &lo, &hi);
        if (err) {
            ym_error_clear(); /* reported below, with the site and time */
            lo = -INFINITY;
            hi = INFINITY;
        } else if (!above && lo > 0 && !ym_metric_spd(m, NULL, NULL))
            lo = 0; /* Cholesky refuses what the eigensolver rounds positive */
        if (lo != lo) lo = -INFINITY; /* NaN metric */
        if (lo <= mn.v) {
            int x[4];
            ym_geom_global_coords(r->geom, in[i], x);
            int gi = x[0] + L[0] * (x[1] + L[1] * (x[2] + L[2] * x[3]));
            if (lo < mn.v || gi < mn.i) {
                mn.v = lo;
                mn.i = gi;
            }
        }
        if (hi > mx || hi != hi) mx = hi != hi ? INFINITY : hi;
    }
    /* MINLOC picks the smallest index among equal minima: grid independent */
    MPI_Allreduce(MPI_IN_PLACE, &mn, 1, MPI_DOUBLE_INT, MPI_MINLOC, comm);
    MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPI_DOUBLE, MPI_MAX, comm);
    r->lmin = mn.v;
    r->lmax = mx;
    int gi = mn.i < 0 ? 0 : mn.i;
    for (int mu = 0; mu < 4; ++mu) {
        r->lmin_site[mu] = gi % L[mu];
        gi /= L[mu];
    }
    return st;
}

static int not_spd_error(const rym_state *r, double t)
{
    return YM_ERROR(YM_ENUM,
                    "rym: t = %.17g: the metric is not positive definite at site (%d,%d,%d,%d) (lambda_min %.6g); "
                    "reduce eps",
                    t, r->lmin_site[0], r->lmin_site[1], r->lmin_site[2], r->lmin_site[3], r->lmin);
}

static void rym_teardown(ym_solver *s)
{
    rym_state *r = ym_solver_state_ptr(s);
    ym_field_free(r->g);
    ym_field_free(r->Kg);
    ym_field_free(r->accg);
    ym_field_free(r->Z);
    ym_field_free(r->F);
    ym_field_free(r->dens);
    free(r->klink);
    free(r->isg);
    free(r->geo);
    free(r->W);
    ym_ricci_free(r->r);
    ym_hybrid_free(r->h);
    memset(r, 0, sizeof *r);
}

static int rym_setup(ym_solver *s, const ym_gauge *u)
{
    rym_state *r = ym_solver_state_ptr(s);
    const double *par = ym_solver_params(s);
    const ym_geom *G = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(G));
    r->geom = G;
    r->N = ym_gauge_N(u);
    r->kappa = par[YM_RYM_KAPPA];
    r->metric_flow = par[YM_RYM_METRIC_FLOW] != 0;
    r->drag = par[YM_RYM_DRAG] != 0;
    size_t nl = 4 * 2 * (size_t)r->N * (size_t)r->N;
    int st = ym_metric_create(&r->g, G);
    if (!st) st = ym_field_create(&r->Kg, G, YM_METRIC_NCOMP);
    if (!st) st = ym_field_create(&r->accg, G, YM_METRIC_NCOMP);
    if (!st) st = ym_field_create(&r->Z, G, nl);
    if (!st && r->drag) st = ym_field_create(&r->F, G, 6 * 2 * (size_t)r->N * (size_t)r->N);
    if (!st) st = ym_ricci_create(&r->r, G, par[YM_RYM_DETURCK] != 0);
    if (!st) st = ym_hybrid_create(&r->h, u, par[YM_RYM_CLOVER] != 0 ? YM_HYBRID_CLOVER : YM_HYBRID);
    if (!st) {
        size_t n = 4 * (size_t)r->N * (size_t)r->N * (size_t)(ym_geom_ninterior(G) > 0 ? ym_geom_ninterior(G) : 1);
        r->klink = malloc(sizeof(double) * n);
        r->isg = malloc(sizeof(double) * (size_t)(ym_geom_ninterior(G) > 0 ? ym_geom_ninterior(G) : 1));
        r->geo = malloc(sizeof(double) * YM_RICCI_NGEO * (size_t)(ym_geom_ninterior(G) > 0 ? ym_geom_ninterior(G) : 1));
        if (r->drag) r->W = malloc(sizeof(double) * 4 * (size_t)(ym_geom_ninterior(G) > 0 ? ym_geom_ninterior(G) : 1));
        st = ym_status_agree(comm, r->klink && r->isg && r->geo && (!r->drag || r->W) ? YM_OK : YM_ERROR(YM_ENOMEM, "rym: out of memory"));
    }
    if (!st) st = ym_metric_set_start(r->g, ym_solver_sparam(s, 0));
    if (!st) st = ym_status_agree(comm, monitor(r));
    if (!st && !(r->lmin > 0)) st = ym_status_agree(comm, not_spd_error(r, ym_solver_time(s)));
    return st;
}

/* The DeTurck vector W^k = g^pq Gamma^k_pq at storage site idx, from the
 * metric's jet (ym_ricci.h; the metric's halo must be current). Returns 0
 * when g is not SPD there. Local. */
static int drag_vector(const rym_state *r, int idx, double W[4])
{
    ym_ricci_jet jet;
    ym_ricci_geo geo;
    ym_ricci_jet_at(r->r, r->g, idx, &jet);
    if (!ym_ricci_eval(&jet, &geo)) return 0;
    for (int k = 0; k < 4; ++k) W[k] = geo.W[k];
    return 1;
}

/* The DeTurck drag of the connection (RYM.md §3, an open question: the
 * links' half of the diffeomorphism generated by W, so that the
 * DeTurck-modified system stays diffeomorphism-equivalent to RYM):
 *   dA_mu/dt = -(d*_g F)_mu + W^nu F_nu,mu,
 * the gauge part D_mu(W^nu A_nu) of L_W A being dropped. On the lattice it is
 * added to the link's left velocity at its base site,
 *   V_mu(x) += sum_nu W^nu(x) F_nu,mu(x),   dU_mu(x)/dt = V_mu(x) U_mu(x),
 * with F the clover field strength at x (F_nu,mu = -F_mu,nu; a clover plane
 * missing at an open edge contributes 0, as in the action).
 * Covariance: under U_mu(x) -> L(x) U_mu(x) L(x+mu)^dagger a left velocity
 * at x must go to L(x) V L(x)^dagger. The clover leaves are all based at x,
 * so F(x) goes to L(x) F(x) L(x)^dagger, and W(x) is a gauge-invariant
 * scalar of the metric at x: the added term rotates exactly like V.
 * Flat metric: a constant g has an exactly zero jet derivative (ym_ricci.h),
 * so W = 0 exactly; terms with W^nu = 0 are skipped rather than added as
 * +-0, so that the flow is then bit-identical to drag off. */
static void add_drag(const rym_state *r, int idx, const double W[4], int mu, ym_cplx *v)
{
    int N = r->N, nn = N * N;
    const ym_cplx *F = (const ym_cplx *)ym_field_site(r->F, idx);
    for (int p = 0; p < 6; ++p) {
        int a = ym_plane_mu[p], b = ym_plane_nu[p]; /* F_ab, a < b */
        if (b == mu && W[a] != 0) ym_su_axpy(N, v, W[a], F + p * nn);   /* W^a F_a,mu */
        if (a == mu && W[b] != 0) ym_su_axpy(N, v, -W[b], F + p * nn);  /* W^b F_b,mu = -W^b F_mu,b */
    }
}

/* Prefix the recorded (agreed) message with the flow time. */
static int with_time(int st, double t)
{
    if (!st) return st;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", ym_errmsg());
    if (!strncmp(msg, "rym: t =", 8)) return st;
    ym_error_clear();
    return YM_ERROR(st, "rym: t = %.17g: %s", t, msg);
}

#if defined(__GNUC__)
#define RYM_INLINE static inline __attribute__((always_inline))
#else
#define RYM_INLINE static inline
#endif

/* kl_mu <- a kl_mu + pack(V_mu), V_mu = sum_nu (g_mu,nu / sqrt g) Z_nu, for
 * the four links of a site (first: kl_mu = pack(V_mu)). Real weights: the
 * same roundings as ym_su_axpy, ym_su_ah_pack on a zeroed V; n is a constant
 * for N = 2, 3. */
RYM_INLINE void site_velocity(int n, double m[4][4], double isg, const ym_cplx *zn[4], double a, int first,
                              double *kl)
{
    int nn = n * n;
    for (int mu = 0; mu < 4; ++mu, kl += nn) {
        double w[4];
        for (int nu = 0; nu < 4; ++nu) w[nu] = m[mu][nu] * isg;
        double pk[YM_NMAX * YM_NMAX];
        for (int i = 0; i < n; ++i) {
            double s = 0.0;
            for (int nu = 0; nu < 4; ++nu) s += w[nu] * cimag(zn[nu][i * n + i]);
            pk[i] = s;
        }
        double *o = pk + n;
        for (int i = 0; i < n; ++i)
            for (int j = i + 1; j < n; ++j, o += 2) {
                double re = 0.0, im = 0.0;
                for (int nu = 0; nu < 4; ++nu) {
                    re += w[nu] * creal(zn[nu][i * n + j]);
                    im += w[nu] * cimag(zn[nu][i * n + j]);
                }
                o[0] = re, o[1] = im;
            }
        for (int c = 0; c < nn; ++c) kl[c] = (first ? 0.0 : a * kl[c]) + pk[c];
    }
}

static int rym_step(ym_solver *s, ym_gauge *u, double t_left, double *dt)
{
    rym_state *r = ym_solver_state_ptr(s);
    double eps = ym_solver_get_opts(s)->eps, t = ym_solver_time(s);
    double h = t_left <= eps * (1 + 1e-10) ? t_left : eps;
    /* lambda_max(g^-1) = 1 / lambda_min(g), monitored after the last step */
    double limit = RYM_SAFETY * RYM_RK3_REAL * r->lmin / 16;
    if (!(h <= limit))
        return YM_ERROR(YM_EINVAL,
                        "rym: t = %.17g: step %.6g exceeds the stability limit %.6g = 0.9*2.51*lambda_min(g)/16 set by "
                        "lambda_min(g) = %.6g at site (%d,%d,%d,%d); reduce eps",
                        t, h, limit, r->lmin, r->lmin_site[0], r->lmin_site[1], r->lmin_site[2], r->lmin_site[3]);
    static const double A[3] = {0.0, -17.0 / 32.0, -32.0 / 27.0};
    static const double B[3] = {0.25, 8.0 / 9.0, 0.75};
    const int *in = ym_geom_interior(r->geom);
    int n = ym_geom_ninterior(r->geom), N = r->N, nn = N * N;
    for (int k = 0; k < 3; ++k) {
        /* both right-hand sides at the same stage state */
        int st = YM_OK;
        /* the metric velocity hands g^-1 and det g over to the force */
        if (r->metric_flow) st = ym_ricci_rhs_geo(r->r, r->g, r->Kg, r->geo);
        if (!st)
            st = ym_hybrid_force_source_geo(r->h, u, r->g, r->metric_flow ? r->geo : NULL,
                                            r->metric_flow ? r->kappa : 0.0, r->Kg, r->isg, r->Z);
        /* the drag reads F at the stage links and W from the stage metric's
         * jet (its halo: refreshed here too when the metric is frozen) */
        if (!st && r->drag) st = ym_curv_clover(u, r->F);
        if (!st && r->drag) st = ym_field_halo_update(r->g);
        /* W of every site first: the loop below moves the metric site by
         * site, and a jet must not see neighbours of the next stage */
        for (int i = 0; i < n && !st && r->drag; ++i)
            if (!drag_vector(r, in[i], r->W + 4 * (size_t)i))
                st = YM_ERROR(YM_ENUM, "rym: t = %.17g: the metric is not positive definite at a site", t);
        MPI_Comm comm = ym_grid_comm(ym_geom_grid(r->geom));
        st = ym_status_agree(comm, st);
        if (st) return with_time(st, t);
        for (int i = 0; i < n; ++i) {
            /* V_mu = sum_nu (g_mu,nu / sqrt g) Z_nu (as ym_hybrid_velocity, without a field for V) */
            double m[4][4]; /* the stage metric: read before it moves below */
            ym_metric_unpack(ym_field_site(r->g, in[i]), m);
            double isg = r->isg[i]; /* the force pass checked that g is SPD here */
            if (r->drag) {
                /* the drag adds W^nu F_nu,mu before packing: the general path */
                ym_cplx zc[4][YM_NMAX * YM_NMAX];
                for (int nu = 0; nu < 4; ++nu)
                    memcpy(zc[nu], ym_gauge_link_at(ym_field_data(r->Z), N, in[i], nu), sizeof(ym_cplx) * (size_t)nn);
                for (int mu = 0; mu < 4; ++mu) {
                    ym_cplx v[YM_NMAX * YM_NMAX];
                    double pk[YM_NMAX * YM_NMAX], *kl = r->klink + ((size_t)4 * (size_t)i + (size_t)mu) * (size_t)nn;
                    ym_su_zero(N, v);
                    for (int nu = 0; nu < 4; ++nu) ym_su_axpy(N, v, m[mu][nu] * isg, zc[nu]);
                    add_drag(r, in[i], r->W + 4 * (size_t)i, mu, v);
                    ym_su_ah_pack(N, pk, v);
                    for (int c = 0; c < nn; ++c) kl[c] = (k == 0 ? 0.0 : A[k] * kl[c]) + pk[c];
                }
            } else {
                const ym_cplx *zn[4];
                for (int nu = 0; nu < 4; ++nu) zn[nu] = ym_gauge_link_at(ym_field_data(r->Z), N, in[i], nu);
                double *kl = r->klink + (size_t)4 * (size_t)i * (size_t)nn;
                switch (N) {
                case 2: site_velocity(2, m, isg, zn, k ? A[k] : 0.0, k == 0, kl); break;
                case 3: site_velocity(3, m, isg, zn, k ? A[k] : 0.0, k == 0, kl); break;
                default: site_velocity(N, m, isg, zn, k ? A[k] : 0.0, k == 0, kl); break;
                }
            }
            if (r->metric_flow) {
                double *a = ym_field_site(r->accg, in[i]), *kg = ym_field_site(r->Kg, in[i]),
                       *x = ym_field_site(r->g, in[i]);
                for (int c = 0; c < YM_METRIC_NCOMP; ++c) {
                    a[c] = (k == 0 ? 0.0 : A[k] * a[c]) + kg[c];
                    x[c] += h * B[k] * a[c];
                }
            }
        }
        st = ym_status_agree(comm, st); /* the metric was checked by the force just before: not reached */
        if (st) return st;
        ym_flow_apply_packed(u, u, r->klink, h * B[k]);
        /* a stage that left SPD is reported (with its site) by the next RHS */
        if (r->metric_flow && (st = ym_status_agree(comm, ym_field_halo_update(r->g)))) return with_time(st, t);
    }
    *dt = h;
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(r->geom));
    int st = ym_status_agree(comm, monitor(r));
    if (!st && !(r->lmin > 0)) st = ym_status_agree(comm, not_spd_error(r, t + h));
    return st;
}

static int rym_save_files(ym_solver *s, const char *prefix)
{
    rym_state *r = ym_solver_state_ptr(s);
    char path[4200];
    if (snprintf(path, sizeof path, "%s.metric.h5", prefix) >= (int)sizeof path)
        return YM_ERROR(YM_EINVAL, "rym checkpoint: prefix too long");
    return ym_metric_write_h5(r->g, path, 1, "rym checkpoint metric");
}

static int rym_load_files(ym_solver *s, const char *prefix)
{
    rym_state *r = ym_solver_state_ptr(s);
    char path[4200];
    if (snprintf(path, sizeof path, "%s.metric.h5", prefix) >= (int)sizeof path)
        return YM_ERROR(YM_EINVAL, "rym checkpoint: prefix too long");
    int st = ym_metric_read_h5(r->g, path);
    if (!st) st = monitor(r);
    return st;
}

static void rym_remove_files(ym_solver *s, const char *prefix)
{
    (void)s;
    char path[4200];
    if (snprintf(path, sizeof path, "%s.metric.h5", prefix) < (int)sizeof path) remove(path);
}

static int rym_observe(ym_solver *s, ym_gauge *u, double *v)
{
    rym_state *r = ym_solver_state_ptr(s);
    ym_metric_obs o;
    int st = ym_metric_observe(r->g, NULL, &o);
    double S = NAN;
    if (!st) st = ym_hybrid_value(r->h, u, r->g, &S);
    if (st) return st;
    const int *L = ym_grid_L(ym_geom_grid(r->geom));
    double vol = (double)L[0] * L[1] * L[2] * L[3];
    for (int c = 0; c < YM_METRIC_NCOMP; ++c) v[c] = o.mean[c];
    v[10] = o.sum_sqrtg / vol;
    v[11] = o.sum_R / vol;
    v[12] = o.lambda_min;
    v[13] = o.lambda_max;
    v[14] = S;
    return YM_OK;
}

static int rym_density(ym_solver *s, ym_gauge *u, int i, ym_field **f, int *comp)
{
    (void)u;
    rym_state *r = ym_solver_state_ptr(s);
    if (i < YM_METRIC_NCOMP) {
        *f = r->g;
        *comp = i;
        return YM_OK;
    }
    int st = YM_OK;
    if (!r->dens) st = ym_field_create(&r->dens, r->geom, YM_METRIC_NOBS);
    if (!st) st = ym_metric_observe(r->g, r->dens, NULL);
    if (st) return st;
    *f = r->dens;
    *comp = i == YM_METRIC_NCOMP ? YM_METRIC_SQRTG : YM_METRIC_R;
    return YM_OK;
}

const ym_solver_type ym_solver_rym = {
    .name = "rym",
    .description = "Ricci-Yang-Mills flow: a metric (-2Rc [+L_W g] + kappa F^2) co-evolving with the links "
                   "(hybrid metric-weighted action), Luscher RK3",
    .state_size = sizeof(rym_state),
    .nparams = YM_RYM_NPAR,
    .params = rym_params,
    .check = rym_check,
    .setup = rym_setup,
    .step = rym_step,
    .teardown = rym_teardown,
    .nsparams = 1,
    .sparams = rym_sparams,
    .save_files = rym_save_files,
    .load_files = rym_load_files,
    .remove_files = rym_remove_files,
    .nobs = RYM_NOBS,
    .obs_names = rym_obs,
    .observe = rym_observe,
    .ndens = RYM_NDENS,
    .dens_names = rym_dens,
    .density = rym_density,
};

ym_field *ym_rym_metric(ym_solver *s)
{
    if (!s || ym_solver_get_type(s) != &ym_solver_rym) return NULL;
    return ((rym_state *)ym_solver_state_ptr(s))->g;
}

int ym_rym_lambda(const ym_solver *s, double *lmin, double *lmax)
{
    if (!s || ym_solver_get_type(s) != &ym_solver_rym) return YM_ERROR(YM_EINVAL, "rym: not a rym solver");
    const rym_state *r = ym_solver_state_ptr((ym_solver *)s);
    if (lmin) *lmin = r->lmin;
    if (lmax) *lmax = r->lmax;
    return YM_OK;
}
