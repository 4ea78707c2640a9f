/* Integrator registry and the 2N-storage Runge-Kutta flow step. */
#include "ym_integrator.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ym_hot.h"
#include "ym_registry.h"
#include "ym_status.h"
#include "ym_su_inline.h"

struct ym_flow_work {
    const ym_geom *g;
    int N, nin;
    size_t nk;    /* doubles of a compact per-link buffer: 4 nin N^2 */
    double *k;    /* the 2N-storage accumulator, compact (ym_su_ah_pack) */
    ym_field *z;  /* full force field, made for actions without force_acc */
    double *d;    /* adaptive: the embedded direction 2 Z1 - Z0, compact */
    double *scratch[YM_FLOW_NSCRATCH];
    ym_gauge *v;  /* adaptive, bs32: the field at the start of the step */
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

static const void *reg_items[YM_INTEGRATOR_MAXREG];
static ym_registry reg = {"integrator", reg_items, YM_INTEGRATOR_MAXREG, 0};
static int reg_init = 0;

static int do_register(const ym_integrator_type *it)
{
    if (!it || !it->name || !*it->name) return YM_ERROR(YM_EINVAL, "integrator register: type without name");
    if (!it->step && (it->nstages < 1 || it->nstages > YM_INTEGRATOR_MAXSTAGE || !it->A || !it->B))
        return YM_ERROR(YM_EINVAL, "integrator register: %s: needs a step function or 1..%d stages with A, B",
                        it->name, YM_INTEGRATOR_MAXSTAGE);
    return ym_registry_add(&reg, it);
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
    return ym_registry_find(&reg, name);
}

int ym_integrator_list(const ym_integrator_type **types, int max)
{
    ensure_builtin();
    for (int i = 0; types && i < reg.n && i < max; ++i) types[i] = ym_registry_at(&reg, i);
    return reg.n;
}

static int comm_agree(const ym_flow_work *w, int st) { return ym_status_agree(ym_grid_comm(ym_geom_grid(w->g)), st); }

int ym_flow_work_create(ym_flow_work **out, const ym_gauge *u)
{
    *out = NULL;
    ym_flow_work *w = calloc(1, sizeof *w);
    if (w) {
        w->g = ym_gauge_geom(u);
        w->N = ym_gauge_N(u);
        w->nin = ym_geom_ninterior(w->g);
        w->nk = 4 * (size_t)w->nin * (size_t)w->N * (size_t)w->N;
        w->k = malloc(sizeof(double) * (w->nk ? w->nk : 1));
    }
    int st = w && w->k ? YM_OK : YM_ERROR(YM_ENOMEM, "flow workspace: out of memory");
    st = ym_status_agree(ym_grid_comm(ym_geom_grid(ym_gauge_geom(u))), st);
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
    free(w->k);
    free(w->d);
    for (int i = 0; i < YM_FLOW_NSCRATCH; ++i) free(w->scratch[i]);
    ym_field_free(w->z);
    ym_gauge_free(w->v);
    free(w);
}

size_t ym_flow_work_bytes(const ym_flow_work *w)
{
    if (!w) return 0;
    size_t b = sizeof *w, kb = sizeof(double) * w->nk;
    b += kb + (w->d ? kb : 0);
    for (int i = 0; i < YM_FLOW_NSCRATCH; ++i) b += w->scratch[i] ? kb : 0;
    if (w->z) b += sizeof(double) * ym_field_ncomp(w->z) * (size_t)ym_geom_nsites(w->g);
    if (w->v) b += sizeof(double) * 8 * (size_t)w->N * w->N * (size_t)ym_geom_nsites(w->g);
    return b;
}

static int alloc_packed(ym_flow_work *w, double **p)
{
    if (!*p) *p = malloc(sizeof(double) * (w->nk ? w->nk : 1));
    return comm_agree(w, *p ? YM_OK : YM_ERROR(YM_ENOMEM, "flow workspace: out of memory"));
}

int ym_flow_work_scratch(ym_flow_work *w, int i, double **buf)
{
    *buf = NULL;
    if (i < 0 || i >= YM_FLOW_NSCRATCH) return YM_ERROR(YM_EINVAL, "flow workspace: no scratch buffer %d", i);
    int st = alloc_packed(w, &w->scratch[i]);
    if (!st) *buf = w->scratch[i];
    return st;
}

int ym_flow_work_links(ym_flow_work *w, ym_gauge **v)
{
    *v = NULL;
    int st = w->v ? YM_OK : ym_gauge_create(&w->v, w->g, w->N);
    st = comm_agree(w, st);
    if (!st) *v = w->v;
    return st;
}

int ym_flow_work_force_acc(ym_flow_work *w, const ym_action_type *a, const double *par, ym_gauge *u, double A,
                           double *k)
{
    /* the full field is made once, for actions without force_acc */
    if (!a->force_acc && !w->z) {
        int st = comm_agree(w, ym_field_create(&w->z, w->g, 8 * (size_t)w->N * w->N));
        if (st) return st;
    }
    return ym_action_force_acc(a, par, u, A, k, w->z);
}

/* One stage's update of every interior link: K <- A K + Z (A = 0: K <- Z,
 * whatever K held), U <- exp(c K) U with c = eps B. */
#if defined(__GNUC__)
#define IT_UNROLL _Pragma("GCC unroll 27")
#define IT_INLINE static inline __attribute__((always_inline))
#else
#define IT_UNROLL
#define IT_INLINE static inline
#endif
/* 1/n! for n <= 30, each the previous divided by n as a constant expression */
#define IF3 (0.5 / 3)
#define IF4 (IF3 / 4)
#define IF5 (IF4 / 5)
#define IF6 (IF5 / 6)
#define IF7 (IF6 / 7)
#define IF8 (IF7 / 8)
#define IF9 (IF8 / 9)
#define IF10 (IF9 / 10)
#define IF11 (IF10 / 11)
#define IF12 (IF11 / 12)
#define IF13 (IF12 / 13)
#define IF14 (IF13 / 14)
#define IF15 (IF14 / 15)
#define IF16 (IF15 / 16)
#define IF17 (IF16 / 17)
#define IF18 (IF17 / 18)
#define IF19 (IF18 / 19)
#define IF20 (IF19 / 20)
#define IF21 (IF20 / 21)
#define IF22 (IF21 / 22)
#define IF23 (IF22 / 23)
#define IF24 (IF23 / 24)
#define IF25 (IF24 / 25)
#define IF26 (IF25 / 26)
#define IF27 (IF26 / 27)
#define IF28 (IF27 / 28)
#define IF29 (IF28 / 29)
#define IF30 (IF29 / 30)
static const double inv_fact[31] = {1.0, 1.0, 0.5, IF3, IF4, IF5, IF6, IF7, IF8, IF9, IF10,
                                    IF11, IF12, IF13, IF14, IF15, IF16, IF17, IF18, IF19, IF20,
                                    IF21, IF22, IF23, IF24, IF25, IF26, IF27, IF28, IF29, IF30};

/* exp(x) for x in su(3) with c1 = -tr(x^2)/2 <= 0.5 (eigenvalues of
 * Q = -i x below sqrt(4 c1 / 3) < 0.82): exp(iQ) = f0 + f1 Q + f2 Q^2 from the
 * power series reduced by Cayley-Hamilton (Q^3 = c1 Q + c0), as in
 * ym_su_exp's small-c1 branch but summed only until the terms fall below
 * 1e-17 relative, without the trigonometric closed form that ym_su_exp uses
 * above c1 = 0.01. Larger x go to ym_su_exp. */
IT_INLINE void exp3_fast(double *restrict out, const double *restrict x)
{
    double x2[18];
    /* unrolled so that x, just written element by element, is read back
     * from registers rather than through store forwarding */
    IT_UNROLL for (int i = 0; i < 3; ++i)
        IT_UNROLL for (int j = 0; j < 3; ++j) {
            double re = 0, im = 0;
            IT_UNROLL for (int k = 0; k < 3; ++k) {
                double ar = x[2 * (3 * i + k)], ai = x[2 * (3 * i + k) + 1];
                double br = x[2 * (3 * k + j)], bi = x[2 * (3 * k + j) + 1];
                re += ar * br - ai * bi;
                im += ar * bi + ai * br;
            }
            x2[2 * (3 * i + j)] = re, x2[2 * (3 * i + j) + 1] = im;
        }
    double c1 = -0.5 * (x2[0] + x2[8] + x2[16]);
    if (!(c1 <= 0.5)) {
        ym_su_exp(3, (ym_cplx *)out, (const ym_cplx *)x);
        return;
    }
    /* c0 = det Q = i det x = -Im det x */
    const ym_cplx *m = (const ym_cplx *)x;
    ym_cplx det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                  m[2] * (m[3] * m[7] - m[4] * m[6]);
    double c0 = -cimag(det);
    double lam = sqrt(4.0 * c1 / 3.0), lamn = lam * lam;
    double a = 0.0, b = 0.0, d = 1.0;
    /* f = fr + i fi; scalars and a table of 1/n! (the same roundings as
     * dividing step by step) keep the loop free of divisions and stores */
    double fr0 = 1.0, fr1 = 0.0, fr2 = -0.5, fi0 = 0.0, fi1 = 1.0, fi2 = 0.0;
    for (int n = 3; n <= 30; ++n) {
        double an = c0 * d, bn = a + c1 * d;
        d = b;
        a = an;
        b = bn;
        const double fac = inv_fact[n];
        lamn *= lam;
        double sg = (n & 2) ? -fac : fac;
        if (n & 1) fi0 += sg * a, fi1 += sg * b, fi2 += sg * d;
        else fr0 += sg * a, fr1 += sg * b, fr2 += sg * d;
        if (fac * lamn < 1e-17) break;
    }
    double fr[1] = {fr0}, fi[1] = {fi0};
    double g1r = fi1, g1i = -fr1, g2r = -fr2, g2i = -fi2;
    IT_UNROLL for (int k = 0; k < 9; ++k) {
        double xr = x[2 * k], xi = x[2 * k + 1], yr = x2[2 * k], yi = x2[2 * k + 1];
        out[2 * k] = g1r * xr - g1i * xi + g2r * yr - g2i * yi;
        out[2 * k + 1] = g1r * xi + g1i * xr + g2r * yi + g2i * yr;
    }
    for (int k = 0; k < 3; ++k) out[8 * k] += fr[0], out[8 * k + 1] += fi[0];
}

#define IT_EXP_3(e, x) exp3_fast(e, x)

/* u <- exp(c K) v on every interior link, K compact. */
#define IT_UPDATE(NN)                                                                                      \
    YM_HOT static void update##NN(double *ud, const double *vd, const double *kd, const int *in, int nin, double c) \
    {                                                                                                      \
        enum { S = 2 * NN * NN };                                                                          \
        double x[S], e[S];                                                                                 \
        for (int i = 0; i < nin; ++i)                                                                      \
            for (int mu = 0; mu < 4; ++mu) {                                                               \
                size_t off = ((size_t)in[i] * 4 + (size_t)mu) * S;                                         \
                double *l = ud + off;                                                                      \
                const double *lv = vd + off, *k = kd + ((size_t)i * 4 + (size_t)mu) * NN * NN;            \
                int o = NN;                                                                                \
                IT_UNROLL for (int r = 0; r < NN; ++r)                                                     \
                {                                                                                          \
                    x[2 * (r * NN + r)] = 0.0, x[2 * (r * NN + r) + 1] = c * k[r];                         \
                    IT_UNROLL for (int q = r + 1; q < NN; ++q, o += 2)                                     \
                    {                                                                                      \
                        double re = c * k[o], im = c * k[o + 1];                                           \
                        x[2 * (r * NN + q)] = re, x[2 * (r * NN + q) + 1] = im;                            \
                        x[2 * (q * NN + r)] = -re, x[2 * (q * NN + r) + 1] = im;                           \
                    }                                                                                      \
                }                                                                                          \
                IT_EXP_##NN(e, x);                                                                         \
                IT_UNROLL for (int cc = 0; cc < NN; ++cc)                                                  \
                {                                                                                          \
                    double lr[NN], li[NN];                                                                 \
                    IT_UNROLL for (int r = 0; r < NN; ++r) lr[r] = lv[2 * (r * NN + cc)],                  \
                                                       li[r] = lv[2 * (r * NN + cc) + 1];                  \
                    IT_UNROLL for (int r = 0; r < NN; ++r)                                                 \
                    {                                                                                      \
                        double re = 0, im = 0;                                                             \
                        IT_UNROLL for (int q = 0; q < NN; ++q)                                             \
                        {                                                                                  \
                            double er = e[2 * (r * NN + q)], ei = e[2 * (r * NN + q) + 1];                 \
                            re += er * lr[q] - ei * li[q];                                                 \
                            im += er * li[q] + ei * lr[q];                                                 \
                        }                                                                                  \
                        l[2 * (r * NN + cc)] = re, l[2 * (r * NN + cc) + 1] = im;                          \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
    }
IT_UPDATE(3)

/* update for N = 2 in quaternions: with c K = [[i h, b], [-conj(b), -i h]]
 * (h = c (k0 - k1)/2, b = c (k2 + i k3), as ym_su_exp reads it through the
 * su(2) projection) and theta = |(h, b)|, exp(c K) = cos(theta) + sinc(theta)
 * c K is the quaternion (cos + i h sinc, b sinc); one quaternion product
 * (ymi_q_mul) with the first row of v gives the link, written back in exact SU(2)
 * form.
 *
 * Below theta = 1/2 cos and sinc are their Taylor polynomials in theta^2 to
 * degree 14 (the first omitted terms are below 8e-19 and 5e-20 relative),
 * evaluated for the four links of a site at once; a link with a larger
 * theta takes sincos. In the default pipeline (eps = 1/16) sincos is left
 * with 0.4 % of the run; the update got ~15 % faster (BENCHMARKS.md). */
#define UP2_TAYLOR_MAX 0.25 /* theta^2 */
static inline void up2_cs(double t2, double *co, double *s)
{
    /* Horner from the highest term: cos = sum (-t2)^k/(2k)!, sinc = sum (-t2)^k/(2k+1)!;
     * by the reciprocals (a product each: a division by a constant is not
     * turned into one without -ffast-math, and vdivpd was the update's
     * largest cost), which moves the result by an ulp at most */
    double c = 1.0 - t2 * (1.0 / (13.0 * 14.0)), n = 1.0 - t2 * (1.0 / (14.0 * 15.0));
    c = 1.0 - t2 * (1.0 / (11.0 * 12.0)) * c, n = 1.0 - t2 * (1.0 / (12.0 * 13.0)) * n;
    c = 1.0 - t2 * (1.0 / (9.0 * 10.0)) * c, n = 1.0 - t2 * (1.0 / (10.0 * 11.0)) * n;
    c = 1.0 - t2 * (1.0 / (7.0 * 8.0)) * c, n = 1.0 - t2 * (1.0 / (8.0 * 9.0)) * n;
    c = 1.0 - t2 * (1.0 / (5.0 * 6.0)) * c, n = 1.0 - t2 * (1.0 / (6.0 * 7.0)) * n;
    c = 1.0 - t2 * (1.0 / (3.0 * 4.0)) * c, n = 1.0 - t2 * (1.0 / (4.0 * 5.0)) * n;
    *co = 1.0 - t2 * 0.5 * c, *s = 1.0 - t2 * (1.0 / 6.0) * n;
}

YM_HOT static void update2(double *ud, const double *vd, const double *kd, const int *in, int nin, double c)
{
    for (int i = 0; i < nin; ++i) {
        /* the links of the site four ahead: a third of the update's
         * samples waited on this load (the interior list jumps over the
         * halo, which the hardware prefetcher does not follow) */
        ymi_prefetch_site2(vd, in[i + 4 < nin ? i + 4 : nin - 1]);
        double h[4], br[4], bi[4], t2[4], co[4], s[4];
        const double *k = kd + (size_t)i * 16;
        for (int mu = 0; mu < 4; ++mu) {
            h[mu] = 0.5 * (c * k[4 * mu] - c * k[4 * mu + 1]), br[mu] = c * k[4 * mu + 2], bi[mu] = c * k[4 * mu + 3];
            t2[mu] = h[mu] * h[mu] + br[mu] * br[mu] + bi[mu] * bi[mu];
        }
        for (int mu = 0; mu < 4; ++mu) up2_cs(t2[mu], &co[mu], &s[mu]);
        for (int mu = 0; mu < 4; ++mu)
            if (!(t2[mu] < UP2_TAYLOR_MAX)) {
                double theta = sqrt(t2[mu]), sn = sin(theta);
                co[mu] = cos(theta); /* with sin: one sincos call (GCC, glibc) */
                s[mu] = sn / theta;
            }
        for (int mu = 0; mu < 4; ++mu) {
            size_t off = ((size_t)in[i] * 4 + (size_t)mu) * 8;
            double *l = ud + off;
            const ymi_q e = {co[mu], h[mu] * s[mu], br[mu] * s[mu], bi[mu] * s[mu]}, g = ymi_q_mul(e, ymi_q_ld(vd + off));
            ymi_q_st(l, g);
            l[4] = -g[2], l[5] = g[3], l[6] = g[0], l[7] = -g[1];
        }
    }
}

static void update_generic(int N, double *ud, const double *vd, const double *kd, const int *in, int nin, double c)
{
    size_t nn = (size_t)N * N;
    ym_cplx x[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX], t[YM_NMAX * YM_NMAX];
    for (int i = 0; i < nin; ++i)
        for (int mu = 0; mu < 4; ++mu) {
            ym_su_ah_unpack(N, x, kd + ((size_t)i * 4 + (size_t)mu) * nn);
            for (size_t j = 0; j < nn; ++j) x[j] *= c;
            ym_su_exp(N, e, x);
            ym_su_mul_nn(N, t, e, ym_gauge_link_at((double *)vd, N, in[i], mu));
            ym_su_copy(N, ym_gauge_link_at(ud, N, in[i], mu), t);
        }
}

void ym_flow_apply_packed(ym_gauge *u, const ym_gauge *v, const double *k, double c)
{
    int N = ym_gauge_N(u);
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    int nin = ym_geom_ninterior(g);
    double *ud = ym_field_data(ym_gauge_field(u));
    const double *vd = ym_field_data(ym_gauge_field((ym_gauge *)v));
    if (N == 3) update3(ud, vd, k, in, nin, c);
    else if (N == 2) update2(ud, vd, k, in, nin, c);
    else update_generic(N, ud, vd, k, in, nin, c);
}

int ym_integrator_step_2n(const ym_integrator_type *it, ym_gauge *u, const ym_action_type *a, const double *par,
                          double eps, ym_flow_work *w)
{
    for (int s = 0; s < it->nstages; ++s) {
        /* A_0 = 0: K starts afresh whatever it held from the last step */
        double As = s ? it->A[s] : 0.0;
        int st = ym_flow_work_force_acc(w, a, par, u, As, w->k);
        if (st) return st;
        /* the adaptive scheme's embedded solution needs 2 Z1 - Z0: with
         * K0 = Z0 and K1 = A1 K0 + Z1 that is 2 K1 + (2 A1 + 1) d, d = -K0 */
        if (it->adaptive && s < 2 && w->d) {
            if (s == 0)
                for (size_t j = 0; j < w->nk; ++j) w->d[j] = -w->k[j];
            else
                for (size_t j = 0; j < w->nk; ++j) w->d[j] = 2.0 * w->k[j] + (2.0 * As + 1.0) * w->d[j];
        }
        ym_flow_apply_packed(u, u, w->k, eps * it->B[s]);
    }
    /* u's halo is left stale: every force and observable refreshes it
     * first, so refreshing it here would be a second exchange per step */
    return YM_OK;
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
    else st = ym_action_check(a, par, u, NULL);
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
    else st = ym_action_check(a, par, u, NULL);
    st = ym_status_agree(c, st);
    if (st) return st;
    int N = w->N;
    size_t nn = (size_t)N * N;
    const int *in = ym_geom_interior(w->g);
    int nin = w->nin;
    ym_cplx x[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX], t2[YM_NMAX * YM_NMAX];
    if (nreject) *nreject = 0;
    /* the adaptive fields are made on first use (collective, like this call) */
    st = alloc_packed(w, &w->d);
    ym_gauge *v = NULL;
    if (!st) st = ym_flow_work_links(w, &v);
    if (st) return st;
    st = ym_gauge_copy(v, u);
    for (int tries = 0; !st; ++tries) {
        if (tries == 100) {
            st = YM_ERROR(YM_ENUM, "adaptive flow step: 100 rejected steps (step size %g)", *eps);
            break;
        }
        double h = *eps < t_left ? *eps : t_left;
        st = ym_integrator_step_2n(it, u, a, par, h, w);
        if (st) break;
        double d = 0;
        for (int i = 0; i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                ym_su_ah_unpack(N, x, w->d + ((size_t)i * 4 + (size_t)mu) * nn);
                for (size_t j = 0; j < nn; ++j) x[j] *= h;
                ym_su_exp(N, e, x);
                ym_su_mul_nn(N, t2, e, ym_gauge_link(v, in[i], mu));
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
        st = ym_gauge_copy(u, v);
        if (!st) st = ym_gauge_halo_update(u);
    }
    return ym_status_agree(c, st);
}
