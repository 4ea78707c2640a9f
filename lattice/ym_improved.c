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

/* The pass goes plane by plane. For the plane (mu,nu) it walks the 2-d
 * slabs of the stored block at fixed interior coordinates of the two other
 * directions; in a slab it makes the straight lines
 * W^k_mu(y) = U_mu(y) U_mu(y+mu) .. U_mu(y+(k-1)mu), k = 1, 2, 3 (and the
 * same along nu), then per loop shape (m along mu, n along nu) the
 * difference D of the two staples that join y to y + n nu (slab_staples)
 * once per slab site, and F at x from D at x and x - n nu (slab_leaves):
 * C - C^+ needs only the anti-Hermitian part of the leaf sum, and the four
 * leaves pair into two products with D. The leaves are the closed paths of
 * the link-by-link walk, so F agrees with it to rounding: 2 products per
 * leaf set plus ~4.5 for its share of the staples and ~1 for the lines
 * (8 with separate leaves from half-loops, 12 from whole-field lines),
 * and a slab's lines, staples and F (~0.7 MB at L = 16, SU(3)) stay in
 * cache. Sites whose loops leave an open boundary are computed from
 * whatever the block stores there and zeroed at the end (site_complete). The planes are taken in the pairs (01,23),
 * (02,13), (03,12) that q couples: the first plane's F of the five shapes
 * is kept per interior site, the second's per slab, and each site adds the
 * pair's terms to its sums when the second plane is done. Every site's
 * operations and their order are the same whatever the local extents. */
typedef struct {
    int N, nn, depth;
    const int *l;   /* local extents */
    int str[4];     /* stored index stride of +mu */
    int istr[4];    /* interior index stride of +mu */
    const ym_geom *g;
    double *d;
    size_t S2;      /* slab capacity: (max l + 6)^2 sites */
    ym_cplx *w;     /* slab: W^1..3_mu, W^1..3_nu, D, each S2 x nn */
    ym_cplx *fs;    /* slab F of a pair's second plane: l_mu l_nu x 5 shapes */
    ym_cplx *fb;    /* F of a pair's first plane: interior sites x 5 shapes */
    double *acc;    /* per interior site: t[3] (for q) and e[3] (for s) */
    unsigned char *ok; /* per interior site: every loop exists (site_complete) */
    unsigned want;  /* bit sc: scheme sc is asked for */
    unsigned shapes; /* bit i: shape i has a weight in a scheme asked for */
} imp_ctx;

/* Does every leaf of every shape at x exist? With open boundaries a
 * direction's links exist or not by its own coordinate, and the leaves use
 * U_mu(x + k mu (+ shifts along other directions)) for k = -3 .. 2. */
static int site_complete(const imp_ctx *c, int x)
{
    for (int mu = 0; mu < 4; ++mu)
        for (int k = -3; k <= 2; ++k)
            if (!(ym_geom_flags(c->g, x + k * c->str[mu]) & YM_GEOM_LINK(mu))) return 0;
    return 1;
}

#define SLAB(c, which, j) ((c)->w + ((size_t)(which) * (c)->S2 + (size_t)(j)) * (size_t)(c)->nn)

/* Lines W^1..3 along mu at slab coordinates mu in [-3, l_mu-1], nu in
 * [-3, l_nu+2] (slots 0..2), and along nu likewise (slots 3..5). */
YMI_INLINE void slab_lines(int n, const imp_ctx *c, int mu, int nu, int base)
{
    const int Em = c->l[mu] + 6, sm = c->str[mu], sn = c->str[nu];
    const size_t nb = sizeof(ym_cplx) * (size_t)(n * n);
    for (int yn = -3; yn < c->l[nu] + 3; ++yn)
        for (int ym = -3; ym < c->l[mu]; ++ym) {
            int y = base + ym * sm + yn * sn, j = (yn + 3) * Em + ym + 3;
            memcpy(SLAB(c, 0, j), ym_gauge_link_at(c->d, n, y, mu), nb);
            ymi_mulv(n, SLAB(c, 1, j), SLAB(c, 0, j), ym_gauge_link_at(c->d, n, y + sm, mu), 0, 0);
            ymi_mulv(n, SLAB(c, 2, j), SLAB(c, 1, j), ym_gauge_link_at(c->d, n, y + 2 * sm, mu), 0, 0);
        }
    for (int yn = -3; yn < c->l[nu]; ++yn)
        for (int ym = -3; ym < c->l[mu] + 3; ++ym) {
            int y = base + ym * sm + yn * sn, j = (yn + 3) * Em + ym + 3;
            memcpy(SLAB(c, 3, j), ym_gauge_link_at(c->d, n, y, nu), nb);
            ymi_mulv(n, SLAB(c, 4, j), SLAB(c, 3, j), ym_gauge_link_at(c->d, n, y + sn, nu), 0, 0);
            ymi_mulv(n, SLAB(c, 5, j), SLAB(c, 4, j), ym_gauge_link_at(c->d, n, y + 2 * sn, nu), 0, 0);
        }
}

/* D(z) = S+(z) - S-(z) (slot 6) of the m x k shape at slab coordinates mu
 * in [0, l_mu-1], nu in [-k, l_nu-1]: the two staples from z to z + k nu,
 *   S+(z) = W^m_mu(z) W^k_nu(z+m mu) W^m_mu(z+k nu)^+,
 *   S-(z) = W^m_mu(z-m mu)^+ W^k_nu(z-m mu) W^m_mu(z-m mu+k nu). */
YMI_INLINE void slab_staples(int n, const imp_ctx *c, int mu, int nu, int m, int k)
{
    const int Em = c->l[mu] + 6, nn = n * n;
    ym_cplx a[YM_NMAX * YM_NMAX], sp[YM_NMAX * YM_NMAX], sm[YM_NMAX * YM_NMAX];
    const ym_cplx *Wm = SLAB(c, m - 1, 0), *Wk = SLAB(c, 2 + k, 0);
    for (int yn = -k; yn < c->l[nu]; ++yn)
        for (int ym = 0; ym < c->l[mu]; ++ym) {
            size_t j = (size_t)((yn + 3) * Em + ym + 3), jm = j - (size_t)m, jk = j + (size_t)(k * Em);
            ymi_mulv(n, a, Wm + j * nn, Wk + (j + (size_t)m) * nn, 0, 0);
            ymi_mulv(n, sp, a, Wm + jk * nn, 0, 1);
            ymi_mulv(n, a, Wk + jm * nn, Wm + (jk - (size_t)m) * nn, 0, 0);
            ymi_mulv(n, sm, Wm + jm * nn, a, 1, 0);
            ym_cplx *d = SLAB(c, 6, j);
            for (int i = 0; i < nn; ++i) d[i] = sp[i] - sm[i];
        }
}

/* F^(m x k) (raw clover (1/8)(C - C^dagger), traceless) at the interior
 * sites of the slab into out + xm om + xn on, or averaged with what is
 * there when avg. With z = x - k nu, the leaves pair up as
 *   (+,+) - (-,+)^+ = D(x) W^k_nu(x)^+ = X,
 *   (-,-) - (+,-)^+ = -D(z)^+ W^k_nu(z) = Y,
 * so C - C^+ = (X + Y) - (X + Y)^+: 2 products per site after the staples'
 * 4, instead of 6 after 2 half-loops. */
YMI_INLINE void slab_leaves(int n, const imp_ctx *c, int mu, int nu, int k, ym_cplx *out, size_t om,
                            size_t on, int avg)
{
    const int Em = c->l[mu] + 6, nn = n * n;
    ym_cplx X[YM_NMAX * YM_NMAX], Y[YM_NMAX * YM_NMAX], G[YM_NMAX * YM_NMAX];
    const ym_cplx *Wk = SLAB(c, 2 + k, 0), *D = SLAB(c, 6, 0);
    for (int xn = 0; xn < c->l[nu]; ++xn)
        for (int xm = 0; xm < c->l[mu]; ++xm) {
            size_t j = (size_t)((xn + 3) * Em + xm + 3), jk = j - (size_t)(k * Em);
            ymi_mulv(n, X, D + j * nn, Wk + j * nn, 0, 1);
            ymi_mulv(n, Y, D + jk * nn, Wk + jk * nn, 1, 0);
            for (int i = 0; i < nn; ++i) X[i] -= Y[i];
            ym_cplx *f = out + (size_t)xm * om + (size_t)xn * on;
            if (!avg) {
                ymi_proj_scaled(n, f, X, 0.25);
            } else {
                ymi_proj_scaled(n, G, X, 0.25);
                for (int i = 0; i < nn; ++i) f[i] = 0.5 * (f[i] + G[i]);
            }
        }
}

/* A pair's terms at one site from the five shapes' F of its planes p (f1)
 * and q (f2), sign +-1 the pair's sign in q: for each scheme t += sign
 * Re tr(F_p F_q), e -= Re tr(F_p F_p) + Re tr(F_q F_q), with F the
 * combination (3LOOP, 5LOOP) or per shape with weights c_i / (m_i n_i)^2
 * (5LI). */
YMI_INLINE void pair_terms(int n, unsigned want, const ym_cplx *f1, const ym_cplx *f2, double sign, double *acc)
{
    const int nn = n * n;
    for (int sc = 0; sc < 3; ++sc) {
        if (!(want >> sc & 1u)) continue;
        double den = (double)ym_qimp_den[sc];
        if (sc == YM_QIMP_5LI) {
            for (int i = 0; i < 5; ++i) {
                double mn = (double)(ym_qimp_m[i] * ym_qimp_n[i]), w = (double)ym_qimp_num[sc][i] / den / (mn * mn);
                const ym_cplx *a = f1 + i * nn, *b = f2 + i * nn;
                acc[sc] += w * sign * ymi_retr_nn(n, a, b);
                acc[3 + sc] -= w * (ymi_retr_nn(n, a, a) + ymi_retr_nn(n, b, b));
            }
            continue;
        }
        ym_cplx g1[YM_NMAX * YM_NMAX], g2[YM_NMAX * YM_NMAX];
        for (int j = 0; j < nn; ++j) g1[j] = g2[j] = 0;
        for (int i = 0; i < 5; ++i) {
            double w = (double)ym_qimp_num[sc][i] / den;
            if (w == 0) continue;
            for (int j = 0; j < nn; ++j) {
                g1[j] += w * f1[i * nn + j];
                g2[j] += w * f2[i * nn + j];
            }
        }
        acc[sc] += sign * ymi_retr_nn(n, g1, g2);
        acc[3 + sc] -= ymi_retr_nn(n, g1, g1) + ymi_retr_nn(n, g2, g2);
    }
}

/* Plane pl over all interior sites: F of the five shapes into fb (first
 * plane of its pair) or, for the second plane, combined with fb into acc. */
YMI_INLINE void plane_pass(int n, const imp_ctx *c, int pl)
{
    const int mu = ym_plane_mu[pl], nu = ym_plane_nu[pl], nn = n * n, first = pl < 3;
    int o[2], no = 0;
    for (int r = 0; r < 4; ++r)
        if (r != mu && r != nu) o[no++] = r;
    const size_t f5 = 5 * (size_t)nn;
    for (int xb = 0; xb < c->l[o[1]]; ++xb)
        for (int xa = 0; xa < c->l[o[0]]; ++xa) {
            int base = c->depth * (c->str[0] + c->str[1] + c->str[2] + c->str[3]) + xa * c->str[o[0]] +
                       xb * c->str[o[1]];
            size_t ib = (size_t)xa * (size_t)c->istr[o[0]] + (size_t)xb * (size_t)c->istr[o[1]];
            slab_lines(n, c, mu, nu, base);
            for (int i = 0; i < 5; ++i) {
                int m = ym_qimp_m[i], k = ym_qimp_n[i];
                if (!(c->shapes >> i & 1u)) continue;
                for (int v = 0; v < 1 + (m != k); ++v) {
                    int mm = v ? k : m, kk = v ? m : k;
                    slab_staples(n, c, mu, nu, mm, kk);
                    if (first)
                        slab_leaves(n, c, mu, nu, kk, c->fb + ib * f5 + (size_t)i * nn,
                                    (size_t)c->istr[mu] * f5, (size_t)c->istr[nu] * f5, v);
                    else
                        slab_leaves(n, c, mu, nu, kk, c->fs + (size_t)i * nn, f5, (size_t)c->l[mu] * f5, v);
                }
            }
            if (first) continue;
            size_t s = 0;
            for (int xn = 0; xn < c->l[nu]; ++xn)
                for (int xm = 0; xm < c->l[mu]; ++xm, ++s) {
                    size_t ix = ib + (size_t)xn * (size_t)c->istr[nu] + (size_t)xm * (size_t)c->istr[mu];
                    pair_terms(n, c->want, c->fb + ix * f5, c->fs + s * f5, pl == 4 ? -1.0 : 1.0, c->acc + ix * 6);
                }
        }
}
/* The six planes, each pair's first plane right before its second. */
YMI_INLINE void imp_all(int n, const imp_ctx *c)
{
    static const int order[6] = {0, 5, 1, 4, 2, 3};
    for (int i = 0; i < 6; ++i) plane_pass(n, c, order[i]);
}

static YM_HOT void imp_all2(const imp_ctx *c) { imp_all(2, c); }
static YM_HOT void imp_all3(const imp_ctx *c) { imp_all(3, c); }
static YMI_NOINLINE void imp_any(const imp_ctx *c) { imp_all(c->N, c); }

struct ym_improved {
    const ym_geom *g; /* the geometry of the fields it serves */
    int N;
    ym_geom *g3;      /* depth-3 geometry and copy, when g is shallower */
    ym_gauge *u3;
    ym_field *q, *s;  /* densities for the totals */
    imp_ctx c;
};

/* Which loop shapes the schemes in want need. */
static void imp_want(imp_ctx *c, unsigned want)
{
    c->want = want;
    c->shapes = 0;
    for (int sc = 0; sc < 3; ++sc)
        for (int i = 0; i < 5; ++i)
            if (want >> sc & 1u && ym_qimp_num[sc][i] != 0) c->shapes |= 1u << i;
}

/* Scratch of the pass over fields on g (depth >= 3); freed by imp_free.
 * The links it reads (c->d) are set per pass. */
static int imp_init(imp_ctx *c, const ym_geom *g, int N)
{
    c->N = N;
    c->nn = N * N;
    c->g = g;
    c->depth = ym_geom_depth(g);
    c->l = ym_grid_local(ym_geom_grid(g));
    ym_geom_strides(g, c->str);
    c->istr[0] = 1;
    int lmax = c->l[0];
    for (int m = 1; m < 4; ++m) {
        c->istr[m] = c->istr[m - 1] * c->l[m - 1];
        if (c->l[m] > lmax) lmax = c->l[m];
    }
    size_t nin = (size_t)ym_geom_ninterior(g), nn = (size_t)c->nn;
    c->S2 = (size_t)(lmax + 6) * (size_t)(lmax + 6);
    c->w = malloc(sizeof(ym_cplx) * 7 * c->S2 * nn);
    c->fs = malloc(sizeof(ym_cplx) * 5 * (size_t)lmax * (size_t)lmax * nn);
    c->fb = malloc(sizeof(ym_cplx) * 5 * nin * nn);
    c->acc = malloc(sizeof(double) * 6 * nin);
    c->ok = malloc(nin + 1);
    if (!c->w || !c->fs || !c->fb || !c->acc || !c->ok)
        return YM_ERROR(YM_ENOMEM, "improved charge: out of memory for the loop scratch");
    /* which sites contribute depends on the geometry only */
    for (size_t i = 0; i < nin; ++i) c->ok[i] = (unsigned char)site_complete(c, ym_geom_interior(g)[i]);
    return YM_OK;
}

static void imp_free(imp_ctx *c)
{
    free(c->w);
    free(c->fs);
    free(c->fb);
    free(c->acc);
    free(c->ok);
}

void ym_improved_free(ym_improved *w)
{
    if (!w) return;
    imp_free(&w->c);
    ym_field_free(w->q);
    ym_field_free(w->s);
    ym_gauge_free(w->u3);
    ym_geom_free(w->g3);
    free(w);
}

int ym_improved_create(ym_improved **out, const ym_geom *g, int N)
{
    if (!out || !g) return YM_ERROR(YM_EINVAL, "improved charge: NULL argument");
    *out = NULL;
    ym_improved *w = calloc(1, sizeof *w);
    int st = w ? YM_OK : YM_ERROR(YM_ENOMEM, "improved charge: out of memory");
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    st = ym_status_agree(comm, st);
    if (st) return st;
    w->g = g;
    w->N = N;
    if (ym_geom_depth(g) < 3) {
        int bc[4];
        for (int m = 0; m < 4; ++m) bc[m] = ym_geom_bc(g, m);
        st = ym_geom_create(&w->g3, ym_geom_grid(g), 3, bc);
        if (!st) st = ym_gauge_create(&w->u3, w->g3, N);
        if (!st) st = imp_init(&w->c, w->g3, N);
    } else {
        st = imp_init(&w->c, g, N);
    }
    if (!st) st = ym_field_create(&w->q, g, 1);
    if (!st) st = ym_field_create(&w->s, g, 1);
    st = ym_status_agree(comm, st);
    if (st) {
        ym_improved_free(w);
        return st;
    }
    *out = w;
    return YM_OK;
}

/* Densities of all schemes into q[k], s[k] (entries may be NULL). */
static int improved(ym_improved *ws, ym_gauge *u, ym_field *q[3], ym_field *s[3])
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int st = YM_OK;
    if (g != ws->g || ym_gauge_N(u) != ws->N)
        st = YM_ERROR(YM_EINVAL, "improved charge: the workspace was made for another geometry or N");
    for (int k = 0; k < 3; ++k)
        if ((q[k] && (ym_field_geom(q[k]) != g || ym_field_ncomp(q[k]) != 1)) ||
            (s[k] && (ym_field_geom(s[k]) != g || ym_field_ncomp(s[k]) != 1)))
            st = YM_ERROR(YM_EINVAL, "improved charge: density fields must be scalar fields on u's geometry");
    st = ym_status_agree(comm, st);
    if (st) return st;
    /* work on the depth-3 copy unless u already has depth 3 */
    ym_gauge *w = u;
    if (ws->u3) {
        int N = ws->N, nin = ym_geom_ninterior(g);
        const int *i1 = ym_geom_interior(g), *i3 = ym_geom_interior(ws->g3);
        for (int i = 0; i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) ym_su_copy(N, ym_gauge_link(ws->u3, i3[i], mu), ym_gauge_link(u, i1[i], mu));
        w = ws->u3;
    }
    st = ym_gauge_halo_update(w);
    imp_ctx *c = &ws->c;
    unsigned want = 0;
    for (int k = 0; k < 3; ++k)
        if (q[k] || s[k]) want |= 1u << k;
    imp_want(c, want);
    c->d = ym_field_data(ym_gauge_field(w));
    memset(c->acc, 0, sizeof(double) * 6 * (size_t)ym_geom_ninterior(g));
    st = ym_status_agree(comm, st);
    if (!st) {
        switch (c->N) {
        case 2: imp_all2(c); break;
        case 3: imp_all3(c); break;
        default: imp_any(c); break;
        }
        /* acc is indexed like the interior list (local lexicographic order) */
        const int *iu = ym_geom_interior(g);
        for (int i = 0; i < ym_geom_ninterior(g); ++i) {
            const double *r = c->acc + (size_t)i * 6;
            for (int k = 0; k < 3; ++k) {
                if (q[k]) *ym_field_site(q[k], iu[i]) = c->ok[i] ? -r[k] / (4 * M_PI * M_PI) : 0.0;
                if (s[k]) *ym_field_site(s[k], iu[i]) = c->ok[i] ? r[3 + k] : 0.0;
            }
        }
    }
    return st;
}

static int scheme_ok(const ym_geom *g, int scheme)
{
    int st = scheme < 0 || scheme > 2 ? YM_ERROR(YM_EINVAL, "improved charge: unknown scheme %d", scheme) : YM_OK;
    return ym_status_agree(ym_grid_comm(ym_geom_grid(g)), st);
}

int ym_improved_densities(ym_improved *w, ym_gauge *u, int scheme, ym_field *q, ym_field *s)
{
    if (!w || !u) return YM_ERROR(YM_EINVAL, "improved charge: NULL argument");
    int st = scheme_ok(ym_gauge_geom(u), scheme);
    if (st) return st;
    ym_field *qq[3] = {NULL, NULL, NULL}, *ss[3] = {NULL, NULL, NULL};
    qq[scheme] = q;
    ss[scheme] = s;
    return improved(w, u, qq, ss);
}

int ym_improved_charge(ym_improved *w, ym_gauge *u, int scheme, double *Q, double *S)
{
    if (!w || !u) return YM_ERROR(YM_EINVAL, "improved charge: NULL argument");
    int st = ym_improved_densities(w, u, scheme, w->q, w->s);
    double v[2] = {0, 0};
    if (!st) st = ym_field_sum(w->q, 0, &v[0]);
    if (!st) st = ym_field_sum(w->s, 0, &v[1]);
    if (!st && Q) *Q = v[0];
    if (!st && S) *S = v[1];
    return st;
}

int ym_curv_improved_densities(ym_gauge *u, int scheme, ym_field *q, ym_field *s)
{
    if (!u) return YM_ERROR(YM_EINVAL, "improved charge: NULL argument");
    int st = scheme_ok(ym_gauge_geom(u), scheme);
    if (st) return st;
    ym_improved *w = NULL;
    st = ym_improved_create(&w, ym_gauge_geom(u), ym_gauge_N(u));
    if (!st) st = ym_improved_densities(w, u, scheme, q, s);
    ym_improved_free(w);
    return st;
}

int ym_curv_charge_improved_all(ym_gauge *u, double Q[3], double S[3])
{
    if (!u) return YM_ERROR(YM_EINVAL, "improved charge: NULL argument");
    const ym_geom *g = ym_gauge_geom(u);
    ym_field *q[3] = {NULL, NULL, NULL}, *s[3] = {NULL, NULL, NULL};
    ym_improved *w = NULL;
    int st = ym_improved_create(&w, g, ym_gauge_N(u));
    for (int k = 0; k < 3 && !st; ++k) {
        st = ym_field_create(&q[k], g, 1);
        if (!st) st = ym_field_create(&s[k], g, 1);
    }
    if (!st) st = improved(w, u, q, s);
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
    ym_improved_free(w);
    return st;
}

int ym_curv_charge_improved(ym_gauge *u, int scheme, double *Q, double *S)
{
    if (!u) return YM_ERROR(YM_EINVAL, "improved charge: NULL argument");
    int st = scheme_ok(ym_gauge_geom(u), scheme);
    if (st) return st;
    ym_improved *w = NULL;
    st = ym_improved_create(&w, ym_gauge_geom(u), ym_gauge_N(u));
    if (!st) st = ym_improved_charge(w, u, scheme, Q, S);
    ym_improved_free(w);
    return st;
}
