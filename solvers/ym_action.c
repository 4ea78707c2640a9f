/* Action registry and the rectangular-loop actions (wilson, rectangle
 * family, over-improved 2x2). */
#include "ym_action.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ym_hot.h"
#include "ym_registry.h"
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

/* ---- staple kernels for N = 2, 3 on periodic geometries ----
 *
 * Omega_mu(x) = U_mu(x) Sigma with Sigma the weighted sum of the staples
 * (the loop read from U_mu(x) onwards, without U_mu(x)). Per (nu, sign) the
 * plaquette staple and the three 1x2 staples share products:
 *   a  = U_nu(x+mu) U_mu(x+nu)^+                  (sign +; mirrored for -)
 *   plaquette = a U_nu(x)^+,
 *   wide (link first) = U_mu(x+mu) U_nu(x+2mu) [U_mu(x+nu) U_mu(x+mu+nu)]^+ U_nu(x)^+,
 *   tall = [U_nu(x+mu) U_nu(x+mu+nu)] [U_nu(x+nu) U_mu(x+2nu)]^+ U_nu(x)^+,
 *   wide (link second) = a [U_nu(x-mu) U_mu(x-mu+nu)]^+ U_mu(x-mu),
 * and the three staples that end in U_nu(x)^+ are summed (weighted) before
 * that last product: 11 products per (nu, sign) instead of 14, 2 for Wilson.
 * Every link's force is computed from its own staples in a fixed order, so
 * the result does not depend on the process grid. */

#if defined(__GNUC__)
#define FK_INLINE static inline __attribute__((always_inline))
#define FK_UNROLL _Pragma("GCC unroll 27")
#else
#define FK_INLINE static inline
#define FK_UNROLL
#endif

/* Matrices as 2N^2 doubles (re, im interleaved, row-major). Products
 * c_ij = sum_k f(a)_ik g(b)_kj accumulate, per complex entry, the terms
 * in order k = 0 .. N-1, each as (ar br - ai bi, ar bi + ai br) up to the
 * conjugations; with GCC/Clang vector extensions a complex entry is one
 * 2-double vector (the same arithmetic, two lanes at once). */
#if defined(__GNUC__) && !defined(YM_PLAIN_KERNELS) /* -DYM_PLAIN_KERNELS tests the fallback */
typedef double fk_v2 __attribute__((vector_size(16), aligned(8)));
/* ACC = 1: c += product (the terms added to c's entries in order k), so a
 * staple goes straight into its sum without a temporary. */
#define FK_PROD(NN, name, AIDX, LOADB, ACC)                                                        \
    FK_INLINE void name(double *restrict c, const double *restrict a, const double *restrict b)    \
    {                                                                                               \
        fk_v2 B0[NN * NN], B1[NN * NN];                                                             \
        FK_UNROLL for (int k = 0; k < NN; ++k) FK_UNROLL for (int j = 0; j < NN; ++j) { LOADB(NN) }     \
        FK_UNROLL for (int i = 0; i < NN; ++i)                                                      \
        {                                                                                           \
            fk_v2 acc[NN];                                                                          \
            if (ACC)                                                                                \
                FK_UNROLL for (int j = 0; j < NN; ++j) acc[j] = (fk_v2){c[2 * (i * NN + j)], c[2 * (i * NN + j) + 1]}; \
            FK_UNROLL for (int k = 0; k < NN; ++k)                                                  \
            {                                                                                       \
                double ar = a[2 * (AIDX)], ai = a[2 * (AIDX) + 1];                                  \
                fk_v2 vr = {ar, ar}, vi = {ai, ai};                                                 \
                FK_UNROLL for (int j = 0; j < NN; ++j)                                              \
                {                                                                                   \
                    /* two fused multiply-adds where the CPU has them */                      \
                    acc[j] = (ACC || k) ? acc[j] + vr * B0[k * NN + j] + vi * B1[k * NN + j]        \
                                        : vr * B0[k * NN + j] + vi * B1[k * NN + j];                \
                }                                                                                   \
            }                                                                                       \
            FK_UNROLL for (int j = 0; j < NN; ++j)                                                  \
            {                                                                                       \
                c[2 * (i * NN + j)] = acc[j][0], c[2 * (i * NN + j) + 1] = acc[j][1];               \
            }                                                                                       \
        }                                                                                           \
    }
/* b_kj: (br, bi) and (-bi, br) */
#define FK_LB_N(NN)                                                                                   \
    double br = b[2 * (k * NN + j)], bi = b[2 * (k * NN + j) + 1];                                  \
    B0[k * NN + j] = (fk_v2){br, bi}; B1[k * NN + j] = (fk_v2){-bi, br};
/* conj(b_jk): (br, -bi) and (bi, br) */
#define FK_LB_D(NN)                                                                                   \
    double br = b[2 * (j * NN + k)], bi = b[2 * (j * NN + k) + 1];                                  \
    B0[k * NN + j] = (fk_v2){br, -bi}; B1[k * NN + j] = (fk_v2){bi, br};
/* conj(a_ki) b_kj: (br, bi) and (bi, -br) */
#define FK_LB_C(NN)                                                                                   \
    double br = b[2 * (k * NN + j)], bi = b[2 * (k * NN + j) + 1];                                  \
    B0[k * NN + j] = (fk_v2){br, bi}; B1[k * NN + j] = (fk_v2){bi, -br};
#define FK_PRODUCTS(NN)                                                                             \
    FK_PROD(NN, nn##NN, i * NN + k, FK_LB_N, 0)                                                    \
    FK_PROD(NN, nd##NN, i * NN + k, FK_LB_D, 0)                                                    \
    FK_PROD(NN, dn##NN, k * NN + i, FK_LB_C, 0)                                                    \
    FK_PROD(NN, nda##NN, i * NN + k, FK_LB_D, 1)                                                   \
    FK_PROD(NN, dna##NN, k * NN + i, FK_LB_C, 1)
#else
#define FK_PRODUCTS(NN) FK_PRODUCTS_PLAIN(NN)                                                       \
    FK_INLINE void nda##NN(double *restrict c, const double *restrict a, const double *restrict b) \
    {                                                                                               \
        double t[2 * NN * NN];                                                                      \
        nd##NN(t, a, b);                                                                            \
        for (int i = 0; i < 2 * NN * NN; ++i) c[i] += t[i];                                         \
    }                                                                                               \
    FK_INLINE void dna##NN(double *restrict c, const double *restrict a, const double *restrict b) \
    {                                                                                               \
        double t[2 * NN * NN];                                                                      \
        dn##NN(t, a, b);                                                                            \
        for (int i = 0; i < 2 * NN * NN; ++i) c[i] += t[i];                                         \
    }
#define FK_PRODUCTS_PLAIN(NN)                                                                       \
    FK_INLINE void nn##NN(double *restrict c, const double *restrict a, const double *restrict b) \
    {                                                                                               \
        for (int i = 0; i < NN; ++i)                                                                \
            for (int j = 0; j < NN; ++j) {                                                          \
                double re = 0, im = 0;                                                              \
                for (int k = 0; k < NN; ++k) {                                                      \
                    double ar = a[2 * (i * NN + k)], ai = a[2 * (i * NN + k) + 1];                  \
                    double br = b[2 * (k * NN + j)], bi = b[2 * (k * NN + j) + 1];                  \
                    re += ar * br - ai * bi;                                                        \
                    im += ar * bi + ai * br;                                                        \
                }                                                                                   \
                c[2 * (i * NN + j)] = re, c[2 * (i * NN + j) + 1] = im;                             \
            }                                                                                       \
    }                                                                                               \
    FK_INLINE void nd##NN(double *restrict c, const double *restrict a, const double *restrict b) \
    {                                                                                               \
        for (int i = 0; i < NN; ++i)                                                                \
            for (int j = 0; j < NN; ++j) {                                                          \
                double re = 0, im = 0;                                                              \
                for (int k = 0; k < NN; ++k) {                                                      \
                    double ar = a[2 * (i * NN + k)], ai = a[2 * (i * NN + k) + 1];                  \
                    double br = b[2 * (j * NN + k)], bi = b[2 * (j * NN + k) + 1];                  \
                    re += ar * br + ai * bi;                                                        \
                    im += ai * br - ar * bi;                                                        \
                }                                                                                   \
                c[2 * (i * NN + j)] = re, c[2 * (i * NN + j) + 1] = im;                             \
            }                                                                                       \
    }                                                                                               \
    FK_INLINE void dn##NN(double *restrict c, const double *restrict a, const double *restrict b) \
    {                                                                                               \
        for (int i = 0; i < NN; ++i)                                                                \
            for (int j = 0; j < NN; ++j) {                                                          \
                double re = 0, im = 0;                                                              \
                for (int k = 0; k < NN; ++k) {                                                      \
                    double ar = a[2 * (k * NN + i)], ai = a[2 * (k * NN + i) + 1];                  \
                    double br = b[2 * (k * NN + j)], bi = b[2 * (k * NN + j) + 1];                  \
                    re += ar * br + ai * bi;                                                        \
                    im += ar * bi - ai * br;                                                        \
                }                                                                                   \
                c[2 * (i * NN + j)] = re, c[2 * (i * NN + j) + 1] = im;                             \
            }                                                                                       \
    }
#endif

#define FK_DEFINE(NN)                                                                               \
    FK_PRODUCTS(NN)                                                                                 \
    /* c += s a */                                                                                  \
    FK_INLINE void axpy##NN(double *restrict c, double s, const double *restrict a)                \
    {                                                                                               \
        FK_UNROLL for (int i = 0; i < 2 * NN * NN; ++i) c[i] += s * a[i];                           \
    }                                                                                               \
    /* c += s a^+ */                                                                                \
    FK_INLINE void axpyd##NN(double *restrict c, double s, const double *restrict a)               \
    {                                                                                               \
        FK_UNROLL for (int i = 0; i < NN; ++i) FK_UNROLL for (int j = 0; j < NN; ++j)               \
        {                                                                                           \
            c[2 * (i * NN + j)] += s * a[2 * (j * NN + i)];                                         \
            c[2 * (i * NN + j) + 1] -= s * a[2 * (j * NN + i) + 1];                                 \
        }                                                                                           \
    }                                                                                               \
    /* z = -P(om) = -(om - om^+)/2 + i Im tr(om)/N */                                               \
    FK_INLINE void negproj##NN(double *restrict z, const double *restrict om)                      \
    {                                                                                               \
        double tr = 0;                                                                              \
        FK_UNROLL for (int i = 0; i < NN; ++i) tr += om[2 * (i * NN + i) + 1];                      \
        tr /= NN;                                                                                   \
        FK_UNROLL for (int i = 0; i < NN; ++i) FK_UNROLL for (int j = 0; j < NN; ++j)               \
        {                                                                                           \
            z[2 * (i * NN + j)] = -0.5 * (om[2 * (i * NN + j)] - om[2 * (j * NN + i)]);            \
            z[2 * (i * NN + j) + 1] = -0.5 * (om[2 * (i * NN + j) + 1] + om[2 * (j * NN + i) + 1]); \
        }                                                                                           \
        FK_UNROLL for (int i = 0; i < NN; ++i) z[2 * (i * NN + i) + 1] += tr;                       \
    }                                                                                               \
    /* k <- A k + pack(-P(om)) (ym_su_ah_pack layout; A = 0 overwrites), the                      \
     * same arithmetic per entry as negproj */                                                      \
    FK_INLINE void negpack##NN(double *restrict k, const double *restrict om, double A)            \
    {                                                                                               \
        double tr = 0, v[NN * NN];                                                                  \
        FK_UNROLL for (int i = 0; i < NN; ++i) tr += om[2 * (i * NN + i) + 1];                      \
        tr /= NN;                                                                                   \
        FK_UNROLL for (int i = 0; i < NN; ++i) v[i] = -0.5 * (om[2 * (i * NN + i) + 1] + om[2 * (i * NN + i) + 1]) + tr; \
        int o = NN;                                                                                 \
        FK_UNROLL for (int i = 0; i < NN; ++i) FK_UNROLL for (int j = i + 1; j < NN; ++j)           \
        {                                                                                           \
            v[o++] = -0.5 * (om[2 * (i * NN + j)] - om[2 * (j * NN + i)]);                          \
            v[o++] = -0.5 * (om[2 * (i * NN + j) + 1] + om[2 * (j * NN + i) + 1]);                  \
        }                                                                                           \
        if (A == 0.0) { FK_UNROLL for (int i = 0; i < NN * NN; ++i) k[i] = v[i]; }                 \
        else { FK_UNROLL for (int i = 0; i < NN * NN; ++i) k[i] = A * k[i] + v[i]; }                \
    }                                                                                               \
    YM_HOT static void force_fast##NN(const double *ud, const int *const *up, const int *const *dn, int x, \
                               const double wt[3], int rect, double *restrict zx, double *restrict kx, \
                               double A)                                                            \
    {                                                                                               \
        enum { S = 2 * NN * NN };                                                                   \
        double sig[S], a[S], b[S], c[S], d[S], r[S], t[S], t2[S], om[S];                           \
        _Pragma("GCC unroll 1") for (int mu = 0; mu < 4; ++mu)                                      \
        {                                                                                           \
            for (int i = 0; i < S; ++i) sig[i] = 0;                                                 \
            const int xm = up[mu][x], xmm = up[mu][xm], xb = dn[mu][x];                             \
            _Pragma("GCC unroll 1") for (int nu = 0; nu < 4; ++nu)                                  \
            {                                                                                       \
                if (nu == mu) continue;                                                             \
                /* sign + */                                                                        \
                {                                                                                   \
                    const int xn = up[nu][x], xmn = up[nu][xm];                                     \
                    nd##NN(a, L(xm, nu), L(xn, mu));                                                \
                    if (!rect) {                                                                    \
                        nd##NN(t, a, L(x, nu));                                                     \
                        axpy##NN(sig, wt[0], t);                                                    \
                    } else {                                                                        \
                        for (int i = 0; i < S; ++i) r[i] = wt[0] * a[i];                            \
                        /* wide, link first */                                                      \
                        nn##NN(c, L(xm, mu), L(xmm, nu));                                           \
                        nn##NN(d, L(xn, mu), L(xmn, mu));                                           \
                        nd##NN(t, c, d);                                                            \
                        axpy##NN(r, wt[2], t);                                                      \
                        /* tall */                                                                  \
                        nn##NN(c, L(xm, nu), L(xmn, nu));                                           \
                        nn##NN(d, L(xn, nu), L(up[nu][xn], mu));                                    \
                        nd##NN(t, c, d);                                                            \
                        axpy##NN(r, wt[1], t);                                                      \
                        nd##NN(t, r, L(x, nu));                                                     \
                        axpy##NN(sig, 1.0, t);                                                      \
                        /* wide, link second */                                                     \
                        nn##NN(b, L(xb, nu), L(up[nu][xb], mu));                                    \
                        nd##NN(t, a, b);                                                            \
                        nn##NN(t2, t, L(xb, mu));                                                   \
                        axpy##NN(sig, wt[2], t2);                                                   \
                    }                                                                               \
                }                                                                                   \
                /* sign - */                                                                        \
                {                                                                                   \
                    const int xd = dn[nu][x], xmd = dn[nu][xm];                                     \
                    nn##NN(b, L(xd, mu), L(xmd, nu)); /* a = b^+ */                                 \
                    if (!rect) {                                                                    \
                        dn##NN(t, b, L(xd, nu));                                                    \
                        axpy##NN(sig, wt[0], t);                                                    \
                    } else {                                                                        \
                        for (int i = 0; i < S; ++i) r[i] = 0;                                       \
                        axpyd##NN(r, wt[0], b);                                                     \
                        /* wide, link first */                                                      \
                        nd##NN(c, L(xm, mu), L(dn[nu][xmm], nu));                                   \
                        nn##NN(d, L(xd, mu), L(xmd, mu));                                           \
                        nd##NN(t, c, d);                                                            \
                        axpy##NN(r, wt[2], t);                                                      \
                        /* tall */                                                                  \
                        const int xdd = dn[nu][xd];                                                 \
                        nn##NN(c, L(dn[nu][xmd], nu), L(xmd, nu));                                  \
                        dn##NN(d, L(xdd, mu), L(xdd, nu));                                          \
                        dn##NN(t, c, d);                                                            \
                        axpy##NN(r, wt[1], t);                                                      \
                        nn##NN(t, r, L(xd, nu));                                                    \
                        axpy##NN(sig, 1.0, t);                                                      \
                        /* wide, link second */                                                     \
                        const int xbd = dn[nu][xb];                                                 \
                        dn##NN(d, L(xbd, mu), L(xbd, nu));                                          \
                        dn##NN(t, b, d);                                                            \
                        nn##NN(t2, t, L(xb, mu));                                                   \
                        axpy##NN(sig, wt[2], t2);                                                   \
                    }                                                                               \
                }                                                                                   \
            }                                                                                       \
            nn##NN(om, L(x, mu), sig);                                                              \
            if (kx) negpack##NN(kx + (size_t)mu * NN * NN, om, A);                                  \
            else negproj##NN(zx + (size_t)mu * S, om);                                              \
        }                                                                                           \
    }

/* Wilson action, every staple computed once: per plaquette at corner x in
 * plane (mu, nu), with p1 = U_mu(x) U_nu(x+mu) and p2 = U_nu(x) U_mu(x+nu),
 *   Sigma_mu(x)    += U_nu(x+mu) p2^+     Sigma_mu(x+nu) += p1^+ U_nu(x)
 *   Sigma_nu(x)    += U_mu(x+nu) p1^+     Sigma_nu(x+mu) += p2^+ U_mu(x)
 * (6 products per plaquette, 40 per site with Omega = w U Sigma, against 52
 * link by link). Corners run over local coordinates -1 .. l-1 in storage
 * order, the halo ones contributing only to interior links, so every link
 * receives its terms in the same order (corners x - e3, x - e2, x - e1,
 * x - e0, then x; planes in order) on every process grid.
 * Sigma lives in a ring of two x3-slabs, not in a field: once the corners of
 * slab x3 are done, the links of slab x3 have all their terms and are
 * finished into z (full matrices) or k (k <- A k + pack(Z)), so the flow
 * needs no force-sized scratch field. */
#define FK_WILSON(NN)                                                                               \
    YM_HOT static int wilson_scatter##NN(const ym_geom *g, const double *ud, double *zd, double *kd, double A, \
                                  double w)                                                         \
    {                                                                                               \
        enum { S = 2 * NN * NN };                                                                   \
        const int *l = ym_grid_local(ym_geom_grid(g)), dep = ym_geom_depth(g);                      \
        int open = 0;                                                                               \
        for (int m = 0; m < 4; ++m) open |= ym_geom_bc(g, m) != YM_BC_PERIODIC;                     \
        const int *up[4];                                                                           \
        for (int m = 0; m < 4; ++m) up[m] = ym_geom_up(g, m);                                       \
        const int e0 = l[0] + 2 * dep, e1 = l[1] + 2 * dep, e2 = l[2] + 2 * dep;                    \
        const size_t ss = (size_t)e0 * e1 * e2, slab = ss * 4 * S;                                  \
        const int stp[3] = {1, e0, e0 * e1};                                                        \
        double *ring = malloc(2 * slab * sizeof(double));                                           \
        if (!ring) return YM_ERROR(YM_ENOMEM, "wilson force: out of memory (%zu MB)", (2 * slab * sizeof(double)) >> 20); \
        double p1[S], p2[S];                                                                        \
        int x[4];                                                                                   \
        for (x[3] = -1; x[3] < l[3]; ++x[3]) {                                                      \
            double *b0 = ring + (size_t)((x[3] + dep) & 1) * slab;                                  \
            double *b1 = ring + (size_t)((x[3] + 1 + dep) & 1) * slab;                              \
            if (x[3] + 1 < l[3]) memset(b1, 0, slab * sizeof(double));                              \
            const int base3 = (x[3] + dep) * (int)ss;                                               \
            for (x[2] = -1; x[2] < l[2]; ++x[2])                                                    \
                for (x[1] = -1; x[1] < l[1]; ++x[1]) {                                              \
                    int r[4] = {-1, x[1], x[2], x[3]};                                              \
                    int base = ym_geom_index(g, r);                                                 \
                    unsigned hr = (x[1] < 0 ? 2u : 0u) | (x[2] < 0 ? 4u : 0u) | (x[3] < 0 ? 8u : 0u); \
                    for (x[0] = -1; x[0] < l[0]; ++x[0]) {                                          \
                        unsigned h = hr | (x[0] < 0 ? 1u : 0u);                                     \
                        if (h & (h - 1)) continue; /* two or more coordinates at -1 */              \
                        const int xs = base + x[0] + 1, o = xs - base3;                             \
                        /* open boundaries: plaquettes with a missing link are left out */          \
                        const unsigned fl = open ? ym_geom_flags(g, xs) : 0u;                       \
                        for (int mu = 0; mu < 3; ++mu)                                              \
                            for (int nu = mu + 1; nu < 4; ++nu) {                                   \
                                if (open && !ym_geom_plaq_ok(fl, mu, nu)) continue;                 \
                                const int xm = up[mu][xs], xn = up[nu][xs];                         \
                                /* Sigma at x+nu (the next slab when nu = 3) and x+mu */            \
                                double *sn = nu == 3 ? RB(b1, o, mu) : RB(b0, o + stp[nu], mu);     \
                                double *sm = RB(b0, o + stp[mu], nu);                               \
                                if (h == (1u << nu)) {                                              \
                                    nn##NN(p1, L(xs, mu), L(xm, nu));                               \
                                    dna##NN(sn, p1, L(xs, nu));                                     \
                                } else if (h == (1u << mu)) {                                       \
                                    nn##NN(p2, L(xs, nu), L(xn, mu));                               \
                                    dna##NN(sm, p2, L(xs, mu));                                     \
                                } else if (!h) {                                                    \
                                    nn##NN(p1, L(xs, mu), L(xm, nu));                               \
                                    nn##NN(p2, L(xs, nu), L(xn, mu));                               \
                                    nda##NN(RB(b0, o, mu), L(xm, nu), p2);                          \
                                    nda##NN(RB(b0, o, nu), L(xn, mu), p1);                          \
                                    if (x[nu] + 1 < l[nu]) dna##NN(sn, p1, L(xs, nu));              \
                                    if (x[mu] + 1 < l[mu]) dna##NN(sm, p2, L(xs, mu));              \
                                }                                                                   \
                            }                                                                       \
                    }                                                                               \
                }                                                                                   \
            if (x[3] < 0) continue;                                                                 \
            /* slab x3 is complete: Omega = w U Sigma, then the force */                            \
            for (x[2] = 0; x[2] < l[2]; ++x[2])                                                     \
                for (x[1] = 0; x[1] < l[1]; ++x[1]) {                                               \
                    const int o0 = ((x[2] + dep) * e1 + x[1] + dep) * e0 + dep;                     \
                    const size_t i0 = (((size_t)x[3] * l[2] + x[2]) * l[1] + x[1]) * l[0];          \
                    for (x[0] = 0; x[0] < l[0]; ++x[0]) {                                           \
                        const int o = o0 + x[0], xs = base3 + o;                                    \
                        for (int mu = 0; mu < 4; ++mu) {                                            \
                            double om[S];                                                           \
                            nn##NN(om, L(xs, mu), RB(b0, o, mu));                                   \
                            for (int j = 0; j < S; ++j) om[j] *= w;                                 \
                            if (kd) negpack##NN(kd + ((i0 + x[0]) * 4 + mu) * NN * NN, om, A);      \
                            else negproj##NN(zd + ((size_t)xs * 4 + mu) * S, om);                   \
                        }                                                                           \
                    }                                                                               \
                }                                                                                   \
        }                                                                                           \
        free(ring);                                                                                 \
        return YM_OK;                                                                               \
    }

#define L(site, m) (ud + ((size_t)(site) * 4 + (size_t)(m)) * S)
#define RB(p, off, m) ((p) + ((size_t)(off) * 4 + (size_t)(m)) * S)
FK_DEFINE(2)
FK_DEFINE(3)
FK_WILSON(2)
FK_WILSON(3)
#undef L
#undef RB

/* Fast-path shapes: 1x1 (weight wt[0]), 1x2 (wt[1]), 2x1 (wt[2]), each at
 * most once; N = 2, 3; open boundaries for the plaquette alone (the
 * rectangle kernel assumes every link exists). Returns 1 if it applies. */
static int fast_weights(const ym_loop_set *ls, const ym_gauge *u, double wt[3], int *rect)
{
    int N = ym_gauge_N(u), open = 0;
    const ym_geom *g = ym_gauge_geom(u);
    if (N != 2 && N != 3) return 0;
    for (int m = 0; m < 4; ++m) open |= ym_geom_bc(g, m) != YM_BC_PERIODIC;
    int seen[3] = {0, 0, 0};
    wt[0] = wt[1] = wt[2] = 0;
    for (int k = 0; k < ls->nloop; ++k) {
        int a = ls->ext_mu[k], b = ls->ext_nu[k], s;
        if (a == 1 && b == 1) s = 0;
        else if (a == 1 && b == 2) s = 1;
        else if (a == 2 && b == 1) s = 2;
        else return 0;
        if (seen[s]++) return 0;
        wt[s] = ls->w[k];
    }
    *rect = seen[1] || seen[2];
    return !(open && *rect);
}

/* kx <- A kx + pack(z) for one link (A = 0 overwrites). */
static void pack_acc(int N, double *kx, const ym_cplx *z, double A)
{
    double pk[YM_NMAX * YM_NMAX];
    ym_su_ah_pack(N, pk, z);
    for (int j = 0; j < N * N; ++j) kx[j] = A == 0.0 ? pk[j] : A * kx[j] + pk[j];
}

/* The force into z (full matrices, k == NULL) or k <- A k + pack(Z) (k in
 * the compact layout of ym_action_type.force_acc, z == NULL). */
static int loop_force(const ym_loop_set *ls, ym_gauge *u, ym_field *z, double A, double *k)
{
    int st = loop_prepare(ls, u);
    if (st) return st;
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    int nin = ym_geom_ninterior(g), N = ym_gauge_N(u);
    size_t nn = (size_t)N * N;
    double *zd = z ? ym_field_data(z) : NULL;
    double wt[3];
    int rect;
    if (fast_weights(ls, u, wt, &rect)) {
        const int *up[4], *dn[4];
        for (int m = 0; m < 4; ++m) up[m] = ym_geom_up(g, m), dn[m] = ym_geom_dn(g, m);
        const double *ud = ym_field_data(ym_gauge_field(u));
        size_t ns = 8 * nn;
        if (!rect) return N == 2 ? wilson_scatter2(g, ud, zd, k, A, wt[0]) : wilson_scatter3(g, ud, zd, k, A, wt[0]);
        for (int i = 0; i < nin; ++i) {
            double *zx = zd ? zd + (size_t)in[i] * ns : NULL, *kx = k ? k + (size_t)i * 4 * nn : NULL;
            if (N == 2) force_fast2(ud, up, dn, in[i], wt, rect, zx, kx, A);
            else force_fast3(ud, up, dn, in[i], wt, rect, zx, kx, A);
        }
        return YM_OK;
    }
    walker w;
    walker_init(&w, u);
    int p[16];
    ym_cplx l[YM_NMAX * YM_NMAX], om[YM_NMAX * YM_NMAX];
    for (int i = 0; i < nin; ++i) {
        int x = in[i];
        for (int mu = 0; mu < 4; ++mu) {
            ym_su_zero(N, om);
            if (ym_geom_flags(w.g, x) & YM_GEOM_LINK(mu)) {
                for (int nu = 0; nu < 4; ++nu) {
                    if (nu == mu) continue;
                    for (int kk = 0; kk < ls->nloop; ++kk)
                        for (int sig = -1; sig <= 1; sig += 2)
                            for (int pos = 0; pos < ls->ext_mu[kk]; ++pos) {
                                int n = rect_path(p, mu, nu, sig, ls->ext_mu[kk], ls->ext_nu[kk], pos);
                                if (walk(&w, x, p, n, l)) ym_su_axpy(N, om, ls->w[kk], l);
                            }
                }
            }
            ym_su_proj(N, om, om);
            for (size_t j = 0; j < nn; ++j) om[j] = -om[j];
            if (zd) ym_su_copy(N, ym_gauge_link_at(zd, N, x, mu), om);
            else pack_acc(N, k + ((size_t)i * 4 + (size_t)mu) * nn, om, A);
        }
    }
    return YM_OK;
}

int ym_loop_action_force(const ym_loop_set *ls, ym_gauge *u, ym_field *z) { return loop_force(ls, u, z, 0.0, NULL); }

int ym_loop_action_force_acc(const ym_loop_set *ls, ym_gauge *u, double A, double *k)
{
    return loop_force(ls, u, NULL, A, k);
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

static int box_force_acc(const ym_action_type *a, const double *par, ym_gauge *u, double A, double *k)
{
    ym_loop_set ls;
    ((const setter_box *)a->data)->set(par, &ls);
    return ym_loop_action_force_acc(&ls, u, A, k);
}

#define LOOP_TYPE(nm, desc, depth, np, pp, box) \
    {nm, desc, depth, np, pp, loop_check, box_value, box_force, &box, 0, box_force_acc}

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

static const void *reg_items[YM_ACTION_MAXREG];
static ym_registry reg = {"action", reg_items, YM_ACTION_MAXREG, 0};
static int reg_init = 0;

static int do_register(const ym_action_type *a)
{
    if (!a || !a->name || !*a->name || !a->value || !a->force)
        return YM_ERROR(YM_EINVAL, "action register: type without name, value or force");
    if (a->nparams < 0 || a->nparams > YM_ACTION_MAXPAR || (a->nparams > 0 && !a->params))
        return YM_ERROR(YM_EINVAL, "action register: %s: bad parameter table", a->name);
    if (a->halo_depth < 1 || a->halo_depth > 2)
        return YM_ERROR(YM_EINVAL, "action register: %s: halo depth must be 1 or 2", a->name);
    return ym_registry_add(&reg, a);
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
    return ym_registry_find(&reg, name);
}

int ym_action_list(const ym_action_type **types, int max)
{
    ensure_builtin();
    for (int i = 0; types && i < reg.n && i < max; ++i) types[i] = ym_registry_at(&reg, i);
    return reg.n;
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

int ym_action_force_acc(const ym_action_type *a, const double *par, ym_gauge *u, double A, double *k, ym_field *z)
{
    MPI_Comm c = comm_of_u(u);
    if (a->force_acc) return ym_status_agree(c, a->force_acc(a, par, u, A, k));
    int st = ym_status_agree(c, z ? a->force(a, par, u, z) : YM_ERROR(YM_EINVAL, "action %s: force_acc needs a force field", a->name));
    if (st) return st;
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    int N = ym_gauge_N(u);
    size_t nn = (size_t)N * N;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu)
            pack_acc(N, k + ((size_t)i * 4 + (size_t)mu) * nn, ym_gauge_link_at(ym_field_data(z), N, in[i], mu), A);
    return YM_OK;
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
