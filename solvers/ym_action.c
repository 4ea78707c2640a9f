/* Action registry and the rectangular-loop actions (wilson, rectangle
 * family, over-improved 2x2). */
#include "ym_action.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ym_action_impl.h"
#include "ym_hot.h"
#include "ym_su_inline.h"
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
 * (the loop read from U_mu(x) onwards, without U_mu(x)). The kernels
 * (FK_WILSON, FK_LOOPS, and ym_action_rect.h for the plaquette + 1x2
 * actions) form each loop once and add its staples to the links it
 * contains; they are described where they are defined. A link
 * receives its terms in an order that does not depend on the process grid,
 * so neither does the result. */

#if defined(__GNUC__)
#define FK_INLINE static inline __attribute__((always_inline))
#define FK_NOINLINE __attribute__((noinline)) /* one copy of a loop's 6 products: less code to fetch */
#define FK_UNROLL _Pragma("GCC unroll 27")
#else
#define FK_INLINE static inline
#define FK_NOINLINE
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
    FK_PROD(NN, dna##NN, k * NN + i, FK_LB_C, 1)                                                   \
    FK_PROD(NN, nna##NN, i * NN + k, FK_LB_N, 1)
#else
/* The fallback: the generic product of ym_su_inline.h (the same arithmetic
 * per entry); the accumulating forms add through a temporary. */
#define FK_PLAIN(NN, name, DA, DB)                                                                  \
    FK_INLINE void name##NN(double *restrict c, const double *restrict a, const double *restrict b) \
    {                                                                                               \
        ymi_mul(NN, (ym_cplx *)c, (const ym_cplx *)a, (const ym_cplx *)b, DA, DB);                  \
    }                                                                                               \
    FK_INLINE void name##a##NN(double *restrict c, const double *restrict a, const double *restrict b) \
    {                                                                                               \
        double t[2 * NN * NN];                                                                      \
        name##NN(t, a, b);                                                                          \
        for (int i = 0; i < 2 * NN * NN; ++i) c[i] += t[i];                                         \
    }
#define FK_PRODUCTS(NN) FK_PLAIN(NN, nn, 0, 0) FK_PLAIN(NN, nd, 0, 1) FK_PLAIN(NN, dn, 1, 0)
#endif

#define FK_DEFINE(NN)                                                                               \
    FK_PRODUCTS(NN)                                                                                 \
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
 * needs no force-sized scratch field. The ring is the geometry's workspace:
 * above 32 MB (from 32^4 on) a fresh malloc would be mapped and faulted in
 * again at every call. Instantiated for N = 3; N = 2 has the
 * same loops in quaternions (wilson_scatter_q below). */
#define FK_WILSON(NN)                                                                               \
    YM_HOT static int wilson_scatter##NN(const ym_geom *g, const double *ud, double *zd, double *kd, double A, \
                                  double w)                                                         \
    {                                                                                               \
        enum { S = 2 * NN * NN };                                                                   \
        const int *l = ym_grid_local(ym_geom_grid(g)), dep = ym_geom_depth(g);                      \
        int open = 0;                                                                               \
        for (int m = 0; m < 4; ++m) open |= ym_geom_bc(g, m) != YM_BC_PERIODIC;                     \
        const unsigned char *ftab = ym_geom_flag_table(g);                                          \
        const int e0 = l[0] + 2 * dep, e1 = l[1] + 2 * dep, e2 = l[2] + 2 * dep;                    \
        const size_t ss = (size_t)e0 * e1 * e2, slab = ss * 4 * S;                                  \
        /* forward neighbours of a corner: index + stride (ym_geom_up in the box) */               \
        const int stp[4] = {1, e0, e0 * e1, (int)ss}; /* ym_geom_strides, with stp[0] = 1 known */ \
        double *ring = ym_geom_workspace(g, 2 * slab * sizeof(double));                             \
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
                        const unsigned fl = open ? ftab[xs] : 0u;                       \
                        for (int mu = 0; mu < 3; ++mu)                                              \
                            for (int nu = mu + 1; nu < 4; ++nu) {                                   \
                                if (open && !ym_geom_plaq_ok(fl, mu, nu)) continue;                 \
                                const int xm = xs + stp[mu], xn = xs + stp[nu];                     \
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
        return YM_OK;                                                                               \
    }

/* Actions with 2x2 loops (periodic, N = 2, 3; the rectangle family
 * without them takes the corner-product kernel of ym_action_rect.h, 112
 * products per site instead of 134): every loop computed once
 * and its staples scattered to the links it contains, instead of each link
 * recomputing the loops through it. A 1x2 loop is a plaquette in which one
 * side is the two-link product L2_mu(y) = U_mu(y) U_mu(y+mu), a 2x2 loop one
 * with two such sides; so every loop, written a b c^+ d^+ with a, c along
 * one direction and b, d along the other, costs at most 6 products
 *   p1 = w a b, p2 = w d c:  a += b p2^+, b += p2^+ a, c += p1^+ d, d += c p1^+
 * (the staples, read from each link onwards). The staple sums S2_mu(y) of
 * the two-link sides are shared by all loops through L2_mu(y) and handed
 * to its links only at the end: U_mu(y) gets U_mu(y+mu) S2, U_mu(y+mu)
 * gets S2 U_mu(y) (2 products per site and direction). Per site: 36
 * products for the plaquettes, 72 for the rectangles (or 36 for the 2x2
 * loops), ~9 for L2 (also at halo sites), 8 to hand S2 over, 4 for Omega,
 * plus partial loops at halo corners: 134 for the rectangle actions and 98
 * for the over-improved one (counted at 16^4), against 268 and ~700 link
 * by link.
 * Corners run over the stored block in storage order (halo corners when a
 * loop reaches an interior link; only the staples of interior links and of
 * two-link sides touching one are formed), so every interior link receives
 * its terms in the same order (corner position relative to it, plane,
 * shape) on every process grid.
 * Memory: L2, S2 and Sigma live in rings of three x3-slabs (a loop spans
 * at most three), so the force needs no field-sized scratch: 9 slabs, 41 MB
 * at 16^4 (depth 2), 0.45 of the links. A loop's corner is its least
 * site, so once corner c is done S2(c) is complete and handed over, and
 * then Sigma(c) is complete and the force of c's links is written, all
 * while c's sums are in cache (a separate pass per slab re-read them from
 * L3: 0.03 of 0.17 s at 16^4). */
#define FK_LOOPS(NN)                                                                                \
    YM_HOT FK_NOINLINE static void loop4##NN(const double *a, const double *b, const double *c, const double *d, double w, \
                             double *ta, double *tb, double *tc, double *td)                        \
    {                                                                                               \
        enum { S = 2 * NN * NN };                                                                   \
        double p[S];                                                                                \
        if (tc || td) {                                                                             \
            nn##NN(p, a, b);                                                                        \
            if (w != 1.0) FK_UNROLL for (int i = 0; i < S; ++i) p[i] *= w;                          \
            if (tc) dna##NN(tc, p, d);                                                              \
            if (td) nda##NN(td, c, p);                                                              \
        }                                                                                           \
        if (ta || tb) {                                                                             \
            nn##NN(p, d, c);                                                                        \
            if (w != 1.0) FK_UNROLL for (int i = 0; i < S; ++i) p[i] *= w;                          \
            if (ta) nda##NN(ta, b, p);                                                              \
            if (tb) dna##NN(tb, p, a);                                                              \
        }                                                                                           \
    }                                                                                               \
    /* the two-link products L2_d(c) = U_d(c) U_d(c+d) at site c (coordinates x,                    \
     * out of the interior in the directions out) where a loop touching an                          \
     * interior link can use them (c outside the interior in at most one                            \
     * direction besides d), into c's ring slot */                                                  \
    FK_INLINE void loops_l2site##NN(const double *ud, double *l2, const int *rix, const int *const *up, \
                                    const int *l, int dep, int ns, const int *x, unsigned out, int c) \
    {                                                                                               \
        enum { S = 2 * NN * NN };                                                                   \
        /* the links read one stride (and one x3-slab) on are mostly cold:                          \
         * waiting on them was half of the time of the products */                                  \
        if (c + 8 < ns)                                                                             \
            for (int d = 1; d < 4; ++d) {                                                           \
                const int u = up[d][c + 8];                                                         \
                if (u >= 0) ymi_prefetch(L(u, d), S);                                               \
            }                                                                                       \
        for (int d = 0; d < 4; ++d) {                                                               \
            unsigned o = out & ~(1u << d);                                                          \
            if (x[d] + 1 < l[d] + dep && !(o & (o - 1))) nn##NN(L2(c, d), L(c, d), L(up[d][c], d)); \
        }                                                                                           \
    }                                                                                               \
    /* the same for all sites of slab x3 = k */                                                     \
    YM_HOT static void loops_l2##NN(const ym_geom *g, const double *ud, double *l2, const int *rix, int k) \
    {                                                                                               \
        const int *l = ym_grid_local(ym_geom_grid(g)), dep = ym_geom_depth(g);                      \
        const int ns = ym_geom_nsites(g);                                                           \
        const int *up[4];                                                                           \
        for (int m = 0; m < 4; ++m) up[m] = ym_geom_up(g, m);                                       \
        int x[4];                                                                                   \
        x[3] = k;                                                                                   \
        for (x[2] = -dep; x[2] < l[2] + dep; ++x[2])                                                \
            for (x[1] = -dep; x[1] < l[1] + dep; ++x[1]) {                                          \
                int r[4] = {-dep, x[1], x[2], x[3]};                                                \
                const int base = ym_geom_index(g, r) + dep;                                         \
                unsigned orow = 0;                                                                  \
                for (int m = 1; m < 4; ++m) orow |= (x[m] < 0 || x[m] >= l[m]) ? 1u << m : 0u;      \
                for (x[0] = -dep; x[0] < l[0] + dep; ++x[0]) {                                      \
                    const unsigned out = orow | ((x[0] < 0 || x[0] >= l[0]) ? 1u : 0u);             \
                    loops_l2site##NN(ud, l2, rix, up, l, dep, ns, x, out, base + x[0]);             \
                }                                                                                   \
            }                                                                                       \
    }                                                                                               \
    YM_HOT static int loops_scatter##NN(const ym_geom *g, const double *ud, double *zd, double *kd, double A, \
                                 const double wt[4])                                                \
    {                                                                                               \
        enum { S = 2 * NN * NN };                                                                   \
        const int *l = ym_grid_local(ym_geom_grid(g)), dep = ym_geom_depth(g);                      \
        const int ns = ym_geom_nsites(g), nin = ym_geom_ninterior(g);                               \
        const int *in = ym_geom_interior(g);                                                        \
        const int *up[4];                                                                           \
        for (int m = 0; m < 4; ++m) up[m] = ym_geom_up(g, m);                                       \
        const int two = wt[1] != 0 || wt[2] != 0 || wt[3] != 0;                                     \
        const int ss = (l[0] + 2 * dep) * (l[1] + 2 * dep) * (l[2] + 2 * dep), R = 3 * ss;          \
        const int st2 = (l[0] + 2 * dep) * (l[1] + 2 * dep);                                        \
        const size_t nr = (size_t)R * 4 * S;                                                        \
        if (nr > INT_MAX) /* ring offsets are ints */                                               \
            return YM_ERROR(YM_EINVAL, "loop force: local block too large (%d sites per x3-slab)", ss); \
        const size_t nbytes = 3 * nr * sizeof(double) + (2 * sizeof(int) + 1) * (size_t)ns;         \
        double *sg = ym_geom_workspace(g, nbytes);                                                  \
        if (!sg) return YM_ERROR(YM_ENOMEM, "loop force: out of memory (%zu MB)", nbytes >> 20);    \
        double *l2 = sg + nr, *s2 = l2 + nr;                                                        \
        /* the sums start at zero (L2 is written before it is read) */                              \
        memset(sg, 0, nr * sizeof(double));                                                         \
        memset(s2, 0, nr * sizeof(double));                                                         \
        int *inv = (int *)(s2 + nr), *rix = inv + ns;                                               \
        /* need[y] bit m: the two-link side L2_m(y) touches an interior link */                     \
        unsigned char *need = (unsigned char *)(rix + ns);                                          \
        for (int i = 0; i < ns; ++i) inv[i] = -1, rix[i] = (i % R) * 4 * S;                         \
        for (int i = 0; i < nin; ++i) inv[in[i]] = i;                                               \
        for (int i = 0; i < ns; ++i) {                                                              \
            need[i] = 0;                                                                            \
            for (int m = 0; m < 4; ++m)                                                             \
                if (inv[i] >= 0 || (up[m][i] >= 0 && inv[up[m][i]] >= 0)) need[i] |= (unsigned char)(1u << m); \
        }                                                                                           \
        for (int k = -dep; two && k < 2 - dep; ++k) loops_l2##NN(g, ud, l2, rix, k);                \
        int x[4];                                                                                   \
        for (x[3] = -dep; x[3] < l[3]; ++x[3]) {                                                    \
            for (x[2] = -dep; x[2] < l[2] + dep; ++x[2])                                            \
                for (x[1] = -dep; x[1] < l[1] + dep; ++x[1]) {                                      \
                    int r[4] = {-dep, x[1], x[2], x[3]};                                            \
                    const int base = ym_geom_index(g, r) + dep;                                     \
                    unsigned orow = 0;                                                              \
                    for (int m = 1; m < 4; ++m) orow |= (x[m] < 0 || x[m] >= l[m]) ? 1u << m : 0u;  \
                    for (x[0] = -dep; x[0] < l[0] + dep; ++x[0]) {                                  \
                        const int c = base + x[0];                                                  \
                        const unsigned out = orow | ((x[0] < 0 || x[0] >= l[0]) ? 1u : 0u);         \
                        /* the two-link products and sums two x3-slabs and two x2-rows              \
                         * up were last touched a slab of corners ago */                            \
                        if (two && c + 8 + 2 * ss < ns) {                                           \
                            const int p3 = c + 8 + 2 * ss, p2 = c + 8 + 2 * st2;                    \
                            ymi_prefetch(L2(p3, 0), 4 * S), ymi_prefetch(S2(p3, 0), 4 * S);         \
                            ymi_prefetch(L2(p2, 0), 4 * S), ymi_prefetch(S2(p2, 0), 4 * S);         \
                        }                                                                           \
                        /* the two-link products two x3-slabs up, just before the first loop        \
                         * that reads them (here, as the side at c + 2 e3): no pass of              \
                         * their own that writes them a slab of corners earlier */                  \
                        if (two && x[3] + 2 < l[3] + dep) {                                         \
                            const int y[4] = {x[0], x[1], x[2], x[3] + 2};                          \
                            const unsigned oy = (out & 7u) | (y[3] < 0 || y[3] >= l[3] ? 8u : 0u);  \
                            loops_l2site##NN(ud, l2, rix, up, l, dep, ns, y, oy, c + 2 * ss);       \
                        }                                                                           \
                        for (int mu = 0; mu < 3; ++mu)                                              \
                            for (int nu = mu + 1; nu < 4; ++nu) {                                   \
                                if (out & ~((1u << mu) | (1u << nu))) continue;                     \
                                const int fm = l[mu] + dep - x[mu], fn = l[nu] + dep - x[nu];       \
                                if (fm < 2 || fn < 2) continue;                                     \
                                const int cm = up[mu][c], cn = up[nu][c];                           \
                                if (wt[0] != 0) {                                                   \
                                    double *ta = T1(c, mu), *tb = T1(cm, nu), *tc = T1(cn, mu), *td = T1(c, nu); \
                                    if (ta || tb || tc || td)                                       \
                                        loop4##NN(L(c, mu), L(cm, nu), L(cn, mu), L(c, nu), wt[0], ta, tb, tc, td); \
                                }                                                                   \
                                if (wt[2] != 0 && fm > 2) { /* 2 along mu */                        \
                                    const int cmm = up[mu][cm];                                     \
                                    double *ta = T2(c, mu), *tb = T1(cmm, nu), *tc = T2(cn, mu), *td = T1(c, nu); \
                                    if (ta || tb || tc || td)                                       \
                                        loop4##NN(L2(c, mu), L(cmm, nu), L2(cn, mu), L(c, nu), wt[2], ta, tb, tc, td); \
                                }                                                                   \
                                if (wt[1] != 0 && fn > 2) { /* 2 along nu */                        \
                                    const int cnn = up[nu][cn];                                     \
                                    double *ta = T1(c, mu), *tb = T2(cm, nu), *tc = T1(cnn, mu), *td = T2(c, nu); \
                                    if (ta || tb || tc || td)                                       \
                                        loop4##NN(L(c, mu), L2(cm, nu), L(cnn, mu), L2(c, nu), wt[1], ta, tb, tc, td); \
                                }                                                                   \
                                if (wt[3] != 0 && fm > 2 && fn > 2) { /* 2x2 */                     \
                                    const int cmm = up[mu][cm], cnn = up[nu][cn];                   \
                                    double *ta = T2(c, mu), *tb = T2(cmm, nu), *tc = T2(cnn, mu), *td = T2(c, nu); \
                                    if (ta || tb || tc || td)                                       \
                                        loop4##NN(L2(c, mu), L2(cmm, nu), L2(cnn, mu), L2(c, nu), wt[3], ta, tb, tc, td); \
                                }                                                                   \
                            }                                                                       \
                        /* every loop through S2(c) and Sigma(c) starts at or before c              \
                         * in storage order (a loop's corner is its least site), so                 \
                         * both are complete: S2 goes to its links, U_mu(c) += U_mu(c+mu)           \
                         * S2, U_mu(c+mu) += S2 U_mu(c) (S2(c - mu) came at c - mu), and            \
                         * Sigma(c) into the force, Omega = U Sigma, while they are in              \
                         * cache; then both are cleared for the slot's next slab. Each              \
                         * link's terms arrive in an order fixed by corner offsets, as              \
                         * in separate passes. */                                                   \
                        const int i = inv[c];                                                       \
                        for (int mu = 0; two && need[c] && mu < 4; ++mu) {                          \
                            const int cu = up[mu][c];                                               \
                            if (i >= 0) nna##NN(SG(c, mu), L(cu, mu), S2(c, mu));                   \
                            if (cu >= 0 && inv[cu] >= 0) nna##NN(SG(cu, mu), S2(c, mu), L(c, mu));  \
                        }                                                                           \
                        if (x[3] >= 0 && i >= 0)                                                    \
                            for (int mu = 0; mu < 4; ++mu) {                                        \
                                double om[S];                                                       \
                                nn##NN(om, L(c, mu), SG(c, mu));                                    \
                                if (kd) negpack##NN(kd + ((size_t)i * 4 + mu) * NN * NN, om, A);    \
                                else negproj##NN(zd + ((size_t)c * 4 + mu) * S, om);                \
                            }                                                                       \
                        /* clear only what was written (halo sites mostly hold nothing) */          \
                        if (i >= 0) memset(SG(c, 0), 0, 4 * S * sizeof(double));                    \
                        if (need[c]) memset(S2(c, 0), 0, 4 * S * sizeof(double));                   \
                    }                                                                               \
                }                                                                                   \
        }                                                                                           \
        return YM_OK;                                                                               \
    }

#define L(site, m) (ud + ((size_t)(site) * 4 + (size_t)(m)) * S)
#define RB(p, off, m) ((p) + ((size_t)(off) * 4 + (size_t)(m)) * S)
/* ring slots: site k ss + o of the stored block lives at (k mod 3) ss + o,
 * rix[site] = its offset (a table: a division per access costs as much as
 * a third of a product) */
#define SG(site, m) (sg + rix[site] + (size_t)(m) * S)
#define S2(site, m) (s2 + rix[site] + (size_t)(m) * S)
#define L2(site, m) (l2 + rix[site] + (size_t)(m) * S)
#define T1(site, m) (inv[site] >= 0 ? SG(site, m) : NULL)
#define T2(site, m) ((need[site] >> (m)) & 1u ? S2(site, m) : NULL)
FK_DEFINE(2)
FK_DEFINE(3)
FK_WILSON(3)
FK_LOOPS(2)
FK_LOOPS(3)
#define NN 2
#include "ym_action_rect.h"
#undef NN
#define NN 3
#include "ym_action_rect.h"
#undef NN
#undef L
#undef RB
#undef SG
#undef S2
#undef L2
#undef T1
#undef T2

/* FK_WILSON for N = 2 in quaternions (ymi_q of ym_su_inline.h): the
 * staples, their sums Sigma and Omega are real combinations of SU(2)
 * matrices, so the ring holds 4 doubles per matrix. Same loop structure, and
 * so the same order of terms per link, as FK_WILSON. */
FK_INLINE void fq_acc(double *s, ymi_q x) { ymi_q_st(s, ymi_q_ld(s) + x); }

YM_HOT static int wilson_scatter_q(const ym_geom *g, const double *ud, double *zd, double *kd, double A, double w)
{
    enum { Q = 4 };
    const int *l = ym_grid_local(ym_geom_grid(g)), dep = ym_geom_depth(g);
    int open = 0;
    for (int m = 0; m < 4; ++m) open |= ym_geom_bc(g, m) != YM_BC_PERIODIC;
    const unsigned char *ftab = ym_geom_flag_table(g);
    const int e0 = l[0] + 2 * dep, e1 = l[1] + 2 * dep, e2 = l[2] + 2 * dep;
    const size_t ss = (size_t)e0 * e1 * e2, slab = ss * 4 * Q;
    const int last = ym_geom_nsites(g) - 1;
    /* a corner's forward neighbours lie in the box with its halo, where
     * ym_geom_up is index + stride: no table loads (they were the force's
     * largest single cost once the products were vectorised) */
    const int stp[4] = {1, e0, e0 * e1, (int)ss}; /* ym_geom_strides, with stp[0] = 1 known to the compiler */
    double *ring = ym_geom_workspace(g, 2 * slab * sizeof(double));
    if (!ring) return YM_ERROR(YM_ENOMEM, "wilson force: out of memory (%zu MB)", (2 * slab * sizeof(double)) >> 20);
#define LQ(site, m) ymi_q_ld(ud + ((size_t)(site) * 4 + (size_t)(m)) * 8)
#define RQ(p, off, m) ((p) + ((size_t)(off) * 4 + (size_t)(m)) * Q)
    int x[4];
    for (x[3] = -1; x[3] < l[3]; ++x[3]) {
        double *b0 = ring + (size_t)((x[3] + dep) & 1) * slab;
        double *b1 = ring + (size_t)((x[3] + 1 + dep) & 1) * slab;
        if (x[3] + 1 < l[3]) memset(b1, 0, slab * sizeof(double));
        const int base3 = (x[3] + dep) * (int)ss;
        for (x[2] = -1; x[2] < l[2]; ++x[2])
            for (x[1] = -1; x[1] < l[1]; ++x[1]) {
                int r[4] = {-1, x[1], x[2], x[3]};
                int base = ym_geom_index(g, r);
                unsigned hr = (x[1] < 0 ? 2u : 0u) | (x[2] < 0 ? 4u : 0u) | (x[3] < 0 ? 8u : 0u);
                for (x[0] = -1; x[0] < l[0]; ++x[0]) {
                    unsigned h = hr | (x[0] < 0 ? 1u : 0u);
                    if (h & (h - 1)) continue; /* two or more coordinates at -1 */
                    const int xs = base + x[0] + 1, o = xs - base3;
                    /* the next t-slice's links, four sites ahead: the
                     * hardware prefetcher missed them (a sixth of the
                     * kernel's samples stalled on that load); ~10 % of the
                     * flow of the default pipeline */
                    const int ahead = xs + (int)ss + 4;
                    ymi_prefetch_site2(ud, ahead < last ? ahead : last);
                    /* open boundaries: plaquettes with a missing link are left out */
                    const unsigned fl = open ? ftab[xs] : 0u;
                    for (int mu = 0; mu < 3; ++mu)
                        for (int nu = mu + 1; nu < 4; ++nu) {
                            if (open && !ym_geom_plaq_ok(fl, mu, nu)) continue;
                            const int xm = xs + stp[mu], xn = xs + stp[nu];
                            double *sn = nu == 3 ? RQ(b1, o, mu) : RQ(b0, o + stp[nu], mu);
                            double *sm = RQ(b0, o + stp[mu], nu);
                            if (h == (1u << nu)) {
                                ymi_q p1 = ymi_q_mul(LQ(xs, mu), LQ(xm, nu));
                                fq_acc(sn, ymi_q_mul(ymi_q_dag(p1), LQ(xs, nu)));
                            } else if (h == (1u << mu)) {
                                ymi_q p2 = ymi_q_mul(LQ(xs, nu), LQ(xn, mu));
                                fq_acc(sm, ymi_q_mul(ymi_q_dag(p2), LQ(xs, mu)));
                            } else if (!h) {
                                ymi_q umu = LQ(xs, mu), unu = LQ(xs, nu), unm = LQ(xm, nu), umn = LQ(xn, mu);
                                ymi_q p1 = ymi_q_mul(umu, unm), p2 = ymi_q_mul(unu, umn);
                                ymi_q d1 = ymi_q_dag(p1), d2 = ymi_q_dag(p2);
                                fq_acc(RQ(b0, o, mu), ymi_q_mul(unm, d2));
                                fq_acc(RQ(b0, o, nu), ymi_q_mul(umn, d1));
                                if (x[nu] + 1 < l[nu]) fq_acc(sn, ymi_q_mul(d1, unu));
                                if (x[mu] + 1 < l[mu]) fq_acc(sm, ymi_q_mul(d2, umu));
                            }
                        }
                }
            }
        if (x[3] < 0) continue;
        /* slab x3 is complete: Omega = w U Sigma, then the force
         * -P(Omega) = [[-i Im a, -b], [conj(b), i Im a]] */
        for (x[2] = 0; x[2] < l[2]; ++x[2])
            for (x[1] = 0; x[1] < l[1]; ++x[1]) {
                const int o0 = ((x[2] + dep) * e1 + x[1] + dep) * e0 + dep;
                const size_t i0 = (((size_t)x[3] * l[2] + x[2]) * l[1] + x[1]) * l[0];
                for (x[0] = 0; x[0] < l[0]; ++x[0]) {
                    const int o = o0 + x[0], xs = base3 + o;
                    for (int mu = 0; mu < 4; ++mu) {
                        ymi_q om = ymi_q_mul(LQ(xs, mu), ymi_q_ld(RQ(b0, o, mu)));
                        const double ai = w * om[1], br = w * om[2], bi = w * om[3];
                        if (kd) { /* ym_su_ah_pack layout: Im z00, Im z11, z01 */
                            double *k = kd + ((i0 + x[0]) * 4 + mu) * 4;
                            if (A == 0.0) k[0] = -ai, k[1] = ai, k[2] = -br, k[3] = -bi;
                            else k[0] = A * k[0] - ai, k[1] = A * k[1] + ai, k[2] = A * k[2] - br, k[3] = A * k[3] - bi;
                        } else {
                            double *z = zd + ((size_t)xs * 4 + mu) * 8;
                            z[0] = 0.0, z[1] = -ai, z[2] = -br, z[3] = -bi;
                            z[4] = br, z[5] = -bi, z[6] = 0.0, z[7] = ai;
                        }
                    }
                }
            }
    }
#undef LQ
#undef RQ
    return YM_OK;
}

/* Fast-path shapes: 1x1 (weight wt[0]), 1x2 (wt[1]), 2x1 (wt[2]), 2x2
 * (wt[3]), each at most once; N = 2, 3; open boundaries for the plaquette
 * alone (the loop kernel assumes every link exists). Returns 1 if it
 * applies. */
static int fast_weights(const ym_loop_set *ls, const ym_gauge *u, double wt[4], int *rect)
{
    int N = ym_gauge_N(u), open = 0;
    const ym_geom *g = ym_gauge_geom(u);
    if (N != 2 && N != 3) return 0;
    for (int m = 0; m < 4; ++m) open |= ym_geom_bc(g, m) != YM_BC_PERIODIC;
    int seen[4] = {0, 0, 0, 0};
    wt[0] = wt[1] = wt[2] = wt[3] = 0;
    for (int k = 0; k < ls->nloop; ++k) {
        int a = ls->ext_mu[k], b = ls->ext_nu[k];
        int s = 2 * (a - 1) + (b - 1);
        if (seen[s]++) return 0;
        wt[s] = ls->w[k];
    }
    *rect = seen[1] || seen[2] || seen[3];
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
static int loop_force(const ym_loop_set *ls, ym_gauge *u, ym_field *z, double A, double *k, int generic)
{
    int st = loop_prepare(ls, u);
    if (st) return st;
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    int nin = ym_geom_ninterior(g), N = ym_gauge_N(u);
    size_t nn = (size_t)N * N;
    double *zd = z ? ym_field_data(z) : NULL;
    double wt[4];
    int rect;
    if (!generic && fast_weights(ls, u, wt, &rect)) {
        const double *ud = ym_field_data(ym_gauge_field(u));
        if (!rect) return N == 2 ? wilson_scatter_q(g, ud, zd, k, A, wt[0]) : wilson_scatter3(g, ud, zd, k, A, wt[0]);
        if (wt[3] == 0) return N == 2 ? rect_scatter2(g, ud, zd, k, A, wt) : rect_scatter3(g, ud, zd, k, A, wt);
        return N == 2 ? loops_scatter2(g, ud, zd, k, A, wt) : loops_scatter3(g, ud, zd, k, A, wt);
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

int ym_loop_action_force(const ym_loop_set *ls, ym_gauge *u, ym_field *z) { return loop_force(ls, u, z, 0.0, NULL, 0); }

int ym_loop_action_force_acc(const ym_loop_set *ls, ym_gauge *u, double A, double *k)
{
    return loop_force(ls, u, NULL, A, k, 0);
}

int ym_loop_action_force_generic(const ym_loop_set *ls, ym_gauge *u, ym_field *z)
{
    return loop_force(ls, u, z, 0.0, NULL, 1);
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
