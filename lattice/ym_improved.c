/* Improved charge and action from m x n clover loops (see ym_improved.h). */
#include "ym_improved.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_curv.h"
#include "ym_status.h"
#include "ym_sum.h"

const int ym_qimp_m[5] = {1, 2, 1, 1, 3}, ym_qimp_n[5] = {1, 2, 2, 3, 3};
const long ym_qimp_num[3][5] = {
    {380, 5, -128, 12, 0},   /* k5 = 0:    19/9, 1/36, -32/45, 1/15, 0 */
    {270, -27, 0, 0, 2},     /* k5 = 1/90: 3/2, -3/20, 0, 0, 1/90 */
    {325, -44, -128, 18, 9}, /* 5Li: 65/36, -11/45, -32/45, 1/10, 1/20 */
};
const long ym_qimp_den[3] = {180, 180, 180};

/* Link access for loop walks over the stored block. */
typedef struct {
    int N;
    const ym_geom *g;
    const int *up[4], *dn[4];
    const double *d;
} lines;

static void lines_build(lines *l, ym_gauge *u)
{
    const ym_geom *g = ym_gauge_geom(u);
    l->N = ym_gauge_N(u);
    l->g = g;
    l->d = ym_field_data(ym_gauge_field(u));
    for (int m = 0; m < 4; ++m) {
        l->up[m] = ym_geom_up(g, m);
        l->dn[m] = ym_geom_dn(g, m);
    }
}

/* out = out * T(x -> x + k mu), k != 0, link by link; returns the end
 * site, or -1 when a link is missing or outside the stored block. */
static int step(const lines *l, ym_cplx *out, int x, int mu, int k)
{
    ym_cplx t[YM_NMAX * YM_NMAX];
    int N = l->N;
    for (; k > 0; --k) {
        if (x < 0 || !(ym_geom_flags(l->g, x) & YM_GEOM_LINK(mu))) return -1;
        ym_su_mul_nn(N, t, out, ym_gauge_link_at((double *)l->d, N, x, mu));
        ym_su_copy(N, out, t);
        x = l->up[mu][x];
    }
    for (; k < 0; ++k) {
        if (x < 0) return -1;
        x = l->dn[mu][x];
        if (x < 0 || !(ym_geom_flags(l->g, x) & YM_GEOM_LINK(mu))) return -1;
        ym_su_mul_nd(N, t, out, ym_gauge_link_at((double *)l->d, N, x, mu));
        ym_su_copy(N, out, t);
    }
    return x;
}

/* Raw clover (1/8)(C - C^dagger), traceless, of m x n leaves (m along mu).
 * Returns 0 if a leaf is missing. */
static int clover_mn(const lines *l, int x, int mu, int nu, int m, int n, ym_cplx *F)
{
    int N = l->N;
    size_t nn = (size_t)N * N;
    ym_cplx C[YM_NMAX * YM_NMAX], lf[YM_NMAX * YM_NMAX];
    ym_su_zero(N, C);
    for (int sm = -1; sm <= 1; sm += 2)
        for (int sn = -1; sn <= 1; sn += 2) {
            int d1 = mu, k1 = sm * m, d2 = nu, k2 = sn * n;
            if (sm * sn < 0) { /* go along nu first to keep the orientation */
                d1 = nu, k1 = sn * n, d2 = mu, k2 = sm * m;
            }
            ym_su_unit(N, lf);
            int y = step(l, lf, x, d1, k1);
            if (y >= 0) y = step(l, lf, y, d2, k2);
            if (y >= 0) y = step(l, lf, y, d1, -k1);
            if (y >= 0) y = step(l, lf, y, d2, -k2);
            if (y < 0) return 0;
            for (size_t j = 0; j < nn; ++j) C[j] += lf[j];
        }
    ym_su_proj(N, F, C); /* (C - C^dagger)/2 traceless */
    for (size_t j = 0; j < nn; ++j) F[j] *= 0.25;
    return 1;
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

/* F^(m,n) averaged over orientations in every plane; 0 if missing. */
static int clover_sym(const lines *l, int x, int m, int n, ym_cplx F[6][YM_NMAX * YM_NMAX])
{
    int N = l->N;
    size_t nn = (size_t)N * N;
    ym_cplx G[YM_NMAX * YM_NMAX];
    for (int p = 0; p < 6; ++p) {
        int mu = ym_plane_mu[p], nu = ym_plane_nu[p];
        if (!clover_mn(l, x, mu, nu, m, n, F[p])) return 0;
        if (m != n) {
            if (!clover_mn(l, x, mu, nu, n, m, G)) return 0;
            for (size_t j = 0; j < nn; ++j) F[p][j] = 0.5 * (F[p][j] + G[j]);
        }
    }
    return 1;
}

/* q and s of all three schemes at site x; 0 if a loop is missing. */
static int site_dens(const lines *l, int x, double q[3], double s[3])
{
    int N = l->N;
    size_t nn = (size_t)N * N;
    ym_cplx F[5][6][YM_NMAX * YM_NMAX], Fi[6][YM_NMAX * YM_NMAX];
    for (int k = 0; k < 3; ++k) q[k] = s[k] = 0;
    for (int i = 0; i < 5; ++i)
        if (!clover_sym(l, x, ym_qimp_m[i], ym_qimp_n[i], F[i])) return 0; /* all loops must exist */
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
    st = ym_status_agree(comm, st);
    if (!st) {
        lines l;
        lines_build(&l, w);
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
