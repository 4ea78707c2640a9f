/* Improved charge and action from m x n clover loops (see ym_improved.h). */
#include "ym_improved.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_curv.h"
#include "ym_hot.h"
#include "ym_status.h"
#include "ym_su_inline.h"
#include "ym_sum.h"

const int ym_qimp_m[5] = {1, 2, 1, 1, 3}, ym_qimp_n[5] = {1, 2, 2, 3, 3};
const long ym_qimp_num[3][5] = {
    {380, 5, -128, 12, 0},   /* k5 = 0:    19/9, 1/36, -32/45, 1/15, 0 */
    {270, -27, 0, 0, 2},     /* k5 = 1/90: 3/2, -3/20, 0, 0, 1/90 */
    {325, -44, -128, 18, 9}, /* 5Li: 65/36, -11/45, -32/45, 1/10, 1/20 */
};
const long ym_qimp_den[3] = {180, 180, 180};

/* The m x n leaves are built from straight Wilson lines
 * W^k_mu(y) = U_mu(y) U_mu(y+mu) .. U_mu(y+(k-1)mu), k = 1, 2, 3, made once
 * per stored site (k = 2, 3; k = 1 is the link), so that each leaf is three
 * products of four lines instead of 2(m+n) link products. With
 * a = half-loop along one way round and b along the other, the four leaves
 * at x of F^(m x n)_mu,nu (m along mu) are
 *   (-,-) [W^n_nu(x-m mu-n nu) W^m_mu(x-m mu)]^+ [W^m_mu(x-m mu-n nu) W^n_nu(x-n nu)]
 *   (-,+) [W^n_nu(x) W^m_mu(x-m mu+n nu)^+] [W^n_nu(x-m mu)^+ W^m_mu(x-m mu)]
 *   (+,-) [W^n_nu(x-n nu)^+ W^m_mu(x-n nu)] [W^n_nu(x+m mu-n nu) W^m_mu(x)^+]
 *   (+,+) [W^m_mu(x) W^n_nu(x+m mu)] [W^n_nu(x) W^m_mu(x+n nu)]^+
 * the same closed paths as the link-by-link walk, so F agrees with it to
 * rounding. Neighbours are fixed index strides: every site a valid leaf
 * touches lies inside the depth-3 stored block. */
typedef struct {
    int N, nn;
    const ym_geom *g;
    double *d;
    ym_cplx *w;   /* per stored site and direction: W^2, W^3 */
    int str[4];   /* index stride of +mu */
} lines;

static inline const ym_cplx *line_at(const lines *l, int n, int k, int mu, int y)
{
    if (k == 1) return ym_gauge_link_at(l->d, n, y, mu);
    return l->w + (((size_t)y * 4 + (size_t)mu) * 2 + (size_t)(k - 2)) * (size_t)l->nn;
}

/* Does every leaf of every shape at x exist? With open boundaries a
 * direction's links exist or not by its own coordinate, and the leaves use
 * U_mu(x + k mu (+ shifts along other directions)) for k = -3 .. 2. */
static int site_complete(const lines *l, int x)
{
    for (int mu = 0; mu < 4; ++mu)
        for (int k = -3; k <= 2; ++k)
            if (!(ym_geom_flags(l->g, x + k * l->str[mu]) & YM_GEOM_LINK(mu))) return 0;
    return 1;
}

/* Raw clover (1/8)(C - C^dagger), traceless, of the m x n leaves. */
YMI_INLINE void clover_mn(int n, const lines *l, int x, int mu, int nu, int m, int k, ym_cplx *F)
{
    const int sm = m * l->str[mu], sk = k * l->str[nu], nn = n * n;
    ym_cplx C[YM_NMAX * YM_NMAX], a[YM_NMAX * YM_NMAX], b[YM_NMAX * YM_NMAX], c[YM_NMAX * YM_NMAX];
#define WM(y) line_at(l, n, m, mu, (y))
#define WK(y) line_at(l, n, k, nu, (y))
    /* (-,-) */
    ymi_mul(n, a, WK(x - sm - sk), WM(x - sm), 0, 0);
    ymi_mul(n, b, WM(x - sm - sk), WK(x - sk), 0, 0);
    ymi_mul(n, C, a, b, 1, 0);
    /* (-,+) */
    ymi_mul(n, a, WK(x), WM(x - sm + sk), 0, 1);
    ymi_mul(n, b, WK(x - sm), WM(x - sm), 1, 0);
    ymi_mul(n, c, a, b, 0, 0);
    ymi_add(n, C, c);
    /* (+,-) */
    ymi_mul(n, a, WK(x - sk), WM(x - sk), 1, 0);
    ymi_mul(n, b, WK(x + sm - sk), WM(x), 0, 1);
    ymi_mul(n, c, a, b, 0, 0);
    ymi_add(n, C, c);
    /* (+,+) */
    ymi_mul(n, a, WM(x), WK(x + sm), 0, 0);
    ymi_mul(n, b, WK(x), WM(x + sk), 0, 0);
    ymi_mul(n, c, a, b, 0, 1);
    ymi_add(n, C, c);
#undef WM
#undef WK
    ymi_proj_scaled(n, F, C, 0.25); /* (C - C^dagger)/2 traceless, / 4 */
    (void)nn;
}

/* F^(m,n) of the five shapes, averaged over orientations, in every plane. */
YMI_INLINE void site_F(int n, const lines *l, int x, ym_cplx F[5][6][YM_NMAX * YM_NMAX])
{
    ym_cplx G[YM_NMAX * YM_NMAX];
    for (int i = 0; i < 5; ++i) {
        int m = ym_qimp_m[i], k = ym_qimp_n[i];
        for (int p = 0; p < 6; ++p) {
            int mu = ym_plane_mu[p], nu = ym_plane_nu[p];
            clover_mn(n, l, x, mu, nu, m, k, F[i][p]);
            if (m != k) {
                clover_mn(n, l, x, mu, nu, k, m, G);
                for (int j = 0; j < n * n; ++j) F[i][p][j] = 0.5 * (F[i][p][j] + G[j]);
            }
        }
    }
}

static YM_HOT void site_F2(const lines *l, int x, ym_cplx F[5][6][YM_NMAX * YM_NMAX]) { site_F(2, l, x, F); }
static YM_HOT void site_F3(const lines *l, int x, ym_cplx F[5][6][YM_NMAX * YM_NMAX]) { site_F(3, l, x, F); }
static YMI_NOINLINE void site_F_any(const lines *l, int x, ym_cplx F[5][6][YM_NMAX * YM_NMAX])
{
    site_F(l->N, l, x, F);
}

/* W^2, W^3 at every stored site whose line stays in the block. */
YMI_INLINE void lines_fill(int n, lines *l)
{
    const int ns = ym_geom_nsites(l->g);
    for (int mu = 0; mu < 4; ++mu) {
        const int *up = ym_geom_up(l->g, mu);
        for (int y = 0; y < ns; ++y) {
            int y1 = up[y], y2 = y1 >= 0 ? up[y1] : -1;
            if (y1 < 0) continue;
            ym_cplx *w2 = l->w + (((size_t)y * 4 + (size_t)mu) * 2) * (size_t)l->nn;
            ymi_mul(n, w2, ym_gauge_link_at(l->d, n, y, mu), ym_gauge_link_at(l->d, n, y1, mu), 0, 0);
            if (y2 >= 0) ymi_mul(n, w2 + l->nn, w2, ym_gauge_link_at(l->d, n, y2, mu), 0, 0);
        }
    }
}

static YM_HOT void lines_fill2(lines *l) { lines_fill(2, l); }
static YM_HOT void lines_fill3(lines *l) { lines_fill(3, l); }
static YMI_NOINLINE void lines_fill_any(lines *l) { lines_fill(l->N, l); }

/* Lines of u (depth 3, halo up to date); the caller frees l->w. */
static int lines_build(lines *l, ym_gauge *u)
{
    const ym_geom *g = ym_gauge_geom(u);
    l->N = ym_gauge_N(u);
    l->nn = l->N * l->N;
    l->g = g;
    l->d = ym_field_data(ym_gauge_field(u));
    const int *e = ym_geom_ext(g);
    l->str[0] = 1;
    for (int m = 1; m < 4; ++m) l->str[m] = l->str[m - 1] * e[m - 1];
    /* calloc: the lines that would leave the block stay 0 and are never used */
    l->w = calloc((size_t)ym_geom_nsites(g) * 8 * (size_t)l->nn, sizeof(ym_cplx));
    if (!l->w) return YM_ERROR(YM_ENOMEM, "improved charge: out of memory for the Wilson lines");
    switch (l->N) {
    case 2: lines_fill2(l); break;
    case 3: lines_fill3(l); break;
    default: lines_fill_any(l); break;
    }
    return YM_OK;
}

/* q and s at site x from six plane field strengths F[pl]. */
static void dens(int N, ym_cplx F[6][YM_NMAX * YM_NMAX], double *q, double *s)
{
    double e = 0;
    for (int p = 0; p < 6; ++p) e -= ym_su_retr_nn(N, F[p], F[p]);
    /* planes 01,02,03,12,13,23 -> 0..5 */
    double t = ym_su_retr_nn(N, F[0], F[5]) - ym_su_retr_nn(N, F[1], F[4]) + ym_su_retr_nn(N, F[2], F[3]);
    *s = e;
    *q = -t / (4 * M_PI * M_PI);
}

/* q and s of all three schemes at site x; 0 if a loop is missing. */
static int site_dens(const lines *l, int x, double q[3], double s[3])
{
    int N = l->N;
    size_t nn = (size_t)N * N;
    ym_cplx F[5][6][YM_NMAX * YM_NMAX], Fi[6][YM_NMAX * YM_NMAX];
    for (int k = 0; k < 3; ++k) q[k] = s[k] = 0;
    if (!site_complete(l, x)) return 0; /* all loops must exist */
    switch (N) {
    case 2: site_F2(l, x, F); break;
    case 3: site_F3(l, x, F); break;
    default: site_F_any(l, x, F); break;
    }
    for (int sc = 0; sc < 3; ++sc) {
        double den = (double)ym_qimp_den[sc];
        if (sc == YM_QIMP_5LI) {
            for (int i = 0; i < 5; ++i) {
                double a, b, mn = (double)(ym_qimp_m[i] * ym_qimp_n[i]), c = (double)ym_qimp_num[sc][i] / den;
                dens(N, F[i], &a, &b);
                q[sc] += c * a / (mn * mn);
                s[sc] += c * b / (mn * mn);
            }
            continue;
        }
        memset(Fi, 0, sizeof Fi);
        for (int i = 0; i < 5; ++i) {
            double c = (double)ym_qimp_num[sc][i] / den;
            if (c == 0) continue;
            for (int p = 0; p < 6; ++p)
                for (size_t j = 0; j < nn; ++j) Fi[p][j] += c * F[i][p][j];
        }
        dens(N, Fi, &q[sc], &s[sc]);
    }
    return 1;
}

/* Densities of all schemes into q[k], s[k] (entries may be NULL). */
static int improved(ym_gauge *u, ym_field *q[3], ym_field *s[3])
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int st = YM_OK;
    for (int k = 0; k < 3; ++k)
        if ((q[k] && (ym_field_geom(q[k]) != g || ym_field_ncomp(q[k]) != 1)) ||
            (s[k] && (ym_field_geom(s[k]) != g || ym_field_ncomp(s[k]) != 1)))
            st = YM_ERROR(YM_EINVAL, "improved charge: density fields must be scalar fields on u's geometry");
    st = ym_status_agree(comm, st);
    if (st) return st;
    /* work on a depth-3 copy unless u already has depth 3 */
    ym_geom *g3 = NULL;
    ym_gauge *u3 = NULL;
    ym_gauge *w = u;
    if (ym_geom_depth(g) < 3) {
        int bc[4];
        for (int m = 0; m < 4; ++m) bc[m] = ym_geom_bc(g, m);
        st = ym_geom_create(&g3, ym_geom_grid(g), 3, bc);
        if (!st) st = ym_gauge_create(&u3, g3, ym_gauge_N(u));
        if (!st) {
            int N = ym_gauge_N(u), nin = ym_geom_ninterior(g);
            const int *i1 = ym_geom_interior(g), *i3 = ym_geom_interior(g3);
            for (int i = 0; i < nin; ++i)
                for (int mu = 0; mu < 4; ++mu) ym_su_copy(N, ym_gauge_link(u3, i3[i], mu), ym_gauge_link(u, i1[i], mu));
            st = ym_gauge_halo_update(u3);
            w = u3;
        }
    } else {
        st = ym_gauge_halo_update(u);
    }
    lines l = {.w = NULL};
    if (!st) st = lines_build(&l, w);
    st = ym_status_agree(comm, st);
    if (!st) {
        const ym_geom *gw = ym_gauge_geom(w);
        const int *iw = ym_geom_interior(gw), *iu = ym_geom_interior(g);
        for (int i = 0; i < ym_geom_ninterior(gw); ++i) {
            double a[3], b[3];
            site_dens(&l, iw[i], a, b);
            for (int k = 0; k < 3; ++k) {
                if (q[k]) *ym_field_site(q[k], iu[i]) = a[k];
                if (s[k]) *ym_field_site(s[k], iu[i]) = b[k];
            }
        }
    }
    free(l.w);
    ym_gauge_free(u3);
    ym_geom_free(g3);
    return st;
}

int ym_curv_improved_densities(ym_gauge *u, int scheme, ym_field *q, ym_field *s)
{
    int st = scheme < 0 || scheme > 2 ? YM_ERROR(YM_EINVAL, "improved charge: unknown scheme %d", scheme) : YM_OK;
    st = ym_status_agree(ym_grid_comm(ym_geom_grid(ym_gauge_geom(u))), st);
    if (st) return st;
    ym_field *qq[3] = {NULL, NULL, NULL}, *ss[3] = {NULL, NULL, NULL};
    qq[scheme] = q;
    ss[scheme] = s;
    return improved(u, qq, ss);
}

int ym_curv_charge_improved_all(ym_gauge *u, double Q[3], double S[3])
{
    const ym_geom *g = ym_gauge_geom(u);
    ym_field *q[3] = {NULL, NULL, NULL}, *s[3] = {NULL, NULL, NULL};
    int st = YM_OK;
    for (int k = 0; k < 3 && !st; ++k) {
        st = ym_field_create(&q[k], g, 1);
        if (!st) st = ym_field_create(&s[k], g, 1);
    }
    if (!st) st = improved(u, q, s);
    for (int k = 0; k < 3 && !st; ++k) {
        double a = 0, b = 0;
        st = ym_field_sum(q[k], 0, &a);
        if (!st) st = ym_field_sum(s[k], 0, &b);
        if (Q) Q[k] = a;
        if (S) S[k] = b;
    }
    for (int k = 0; k < 3; ++k) {
        ym_field_free(q[k]);
        ym_field_free(s[k]);
    }
    return st;
}

int ym_curv_charge_improved(ym_gauge *u, int scheme, double *Q, double *S)
{
    const ym_geom *g = ym_gauge_geom(u);
    ym_field *q = NULL, *s = NULL;
    int st = ym_field_create(&q, g, 1);
    if (!st) st = ym_field_create(&s, g, 1);
    if (!st) st = ym_curv_improved_densities(u, scheme, q, s);
    double v[2] = {0, 0};
    if (!st) st = ym_field_sum(q, 0, &v[0]);
    if (!st) st = ym_field_sum(s, 0, &v[1]);
    if (!st && Q) *Q = v[0];
    if (!st && S) *S = v[1];
    ym_field_free(q);
    ym_field_free(s);
    return st;
}
