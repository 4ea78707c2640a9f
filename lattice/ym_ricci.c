/* Metric geometry from one difference jet (RYM.md §1.1). */
#include "ym_ricci.h"
#include "ym_metric.h"
#include "ym_status.h"
#include "ym_hot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


struct ym_ricci {
    const ym_geom *g;
    int deturck;
    ym_field *K, *acc; /* RK3 workspace, made by the first step */
};

/* Stencil kinds per direction at a site. The weights act on g(x + o*a) - g(x)
 * for the two offsets o (the x-term is implicit, so a constant metric gives
 * an exactly zero jet). At an open edge the jet is mirrored: the missing
 * neighbour is replaced by the one across x, so D_a g = 0, DD_aa g =
 * 2[g(x+a) - g(x)] (or x-a at the upper edge) and every DD_ab with a or b
 * mirrored vanishes. */
enum { ST_CENTRAL = 0, ST_LOW = 1, ST_HIGH = 2 };
static const int st_off[3][2] = {{-1, 1}, {1, 1}, {-1, -1}};
static const double st_d1[3][2] = {{-0.5, 0.5}, {0.0, 0.0}, {0.0, 0.0}};
static const double st_d2[3][2] = {{1.0, 1.0}, {1.0, 1.0}, {1.0, 1.0}};

/* The stencil of direction a at a site with geometry flags f; open: a is an open direction. */
static inline int kind_of(int open, unsigned f, int a)
{
    if (!open) return ST_CENTRAL;
    if (!(f & YM_GEOM_DOWN(a))) return ST_LOW;
    if (!(f & YM_GEOM_LINK(a))) return ST_HIGH;
    return ST_CENTRAL;
}

static int stencil_kind(const ym_geom *g, int idx, int a)
{
    int open = ym_geom_bc(g, a) != YM_BC_PERIODIC;
    return kind_of(open, open ? ym_geom_flags(g, idx) : 0, a);
}

/* idx shifted by o steps in direction a, or -1 outside the stored block. */
static int shift(const ym_geom *g, int idx, int a, int o)
{
    const int *t = o > 0 ? ym_geom_up(g, a) : ym_geom_dn(g, a);
    for (int n = o > 0 ? o : -o; n > 0 && idx >= 0; --n) idx = t[idx];
    return idx;
}

int ym_ricci_create(ym_ricci **out, const ym_geom *g, int deturck)
{
    *out = NULL;
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    const int *L = ym_grid_L(ym_geom_grid(g));
    int st = YM_OK;
    for (int a = 0; a < 4 && !st; ++a)
        if (ym_geom_bc(g, a) == YM_BC_OPEN && L[a] < 2)
            st = YM_ERROR(YM_EINVAL, "metric: open direction %d has extent %d; the mirrored jets need at least 2", a,
                          L[a]);
    /* Every point of every stencil must be a stored site. */
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g) && !st; ++i) {
        int idx = in[i];
        for (int a = 0; a < 4 && !st; ++a) {
            int ka = stencil_kind(g, idx, a);
            for (int b = 0; b < 4 && !st; ++b) {
                int kb = stencil_kind(g, idx, b);
                for (int p = 0; p < 2 && !st; ++p)
                    for (int q = 0; q < 2 && !st; ++q) {
                        int s = shift(g, shift(g, idx, a, st_off[ka][p]), b, a == b ? 0 : st_off[kb][q]);
                        if (s < 0)
                            st = YM_ERROR(YM_EINVAL, "metric: the jet in direction %d leaves the stored block", a);
                    }
            }
        }
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    ym_ricci *r = calloc(1, sizeof *r);
    int ok = r != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free(r);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "metric: out of memory"));
    }
    r->g = g;
    r->deturck = deturck ? 1 : 0;
    *out = r;
    return YM_OK;
}

void ym_ricci_free(ym_ricci *r)
{
    if (!r) return;
    ym_field_free(r->K);
    ym_field_free(r->acc);
    free(r);
}

void ym_ricci_set_deturck(ym_ricci *r, int deturck) { r->deturck = deturck ? 1 : 0; }

/* The (i, j), i <= j, of the ten packed components (ym_metric_comp). */
static const int pk_i[10] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 3}, pk_j[10] = {0, 1, 2, 3, 1, 2, 3, 2, 3, 3};

/* Store the packed components v into the symmetric 4x4 matrix m. */
static inline void put_sym(double m[4][4], const double v[YM_METRIC_NCOMP])
{
    for (int c = 0; c < YM_METRIC_NCOMP; ++c) m[pk_i[c]][pk_j[c]] = m[pk_j[c]][pk_i[c]] = v[c];
}

#if defined(__GNUC__)
#define RICCI_INLINE static inline __attribute__((always_inline))
#else
#define RICCI_INLINE static inline
#endif

/* The packed jet: g, then D_a g for a = 0..3, then DD_ab g for the ten
 * pairs a <= b in ym_metric_comp order, each a symmetric matrix of ten
 * packed components. */
enum { RJ_G = 0, RJ_D1 = 10, RJ_DD = 50, RJ_N = 150 };

/* What the jets of one metric field need, looked up once per pass. */
/* Neighbours are reached by their strides in the stored block: for an
 * interior site the stencil (offsets of one step in one or two directions)
 * stays inside the block, where the neighbour tables hold the same indices;
 * chained table lookups stalled the jets. */
typedef struct {
    const unsigned char *flags;
    const double *m; /* the metric's components, YM_METRIC_NCOMP per stored site */
    int s[4];        /* strides of the stored block */
    unsigned open;   /* bit a: direction a is open */
} jet_ctx;

static void jet_ctx_init(jet_ctx *c, const ym_ricci *r, ym_field *gf)
{
    c->flags = ym_geom_flag_table(r->g);
    c->m = ym_field_data(gf);
    c->open = 0;
    ym_geom_strides(r->g, c->s);
    for (int a = 0; a < 4; ++a)
        if (ym_geom_bc(r->g, a) != YM_BC_PERIODIC) c->open |= 1u << a;
}

static inline int step_to(const jet_ctx *c, int idx, int a, int o) { return idx + o * c->s[a]; }

/* The packed jet of storage site idx into o[RJ_N]. */
RICCI_INLINE void jet_site(const jet_ctx *c, int idx, double *o)
{
    const double *g0 = c->m + (size_t)YM_METRIC_NCOMP * (size_t)idx;
    unsigned f = c->open ? c->flags[idx] : 0;
    int kind[4], nb[4][2];
    for (int a = 0; a < 4; ++a) {
        int k = kind[a] = kind_of(c->open >> a & 1, f, a);
        for (int p = 0; p < 2; ++p) nb[a][p] = step_to(c, idx, a, st_off[k][p]);
    }
    for (int e = 0; e < YM_METRIC_NCOMP; ++e) o[RJ_G + e] = g0[e];
    for (int a = 0; a < 4; ++a) {
        int k = kind[a];
        const double *p0 = c->m + (size_t)YM_METRIC_NCOMP * (size_t)nb[a][0];
        const double *p1 = c->m + (size_t)YM_METRIC_NCOMP * (size_t)nb[a][1];
        for (int e = 0; e < YM_METRIC_NCOMP; ++e) {
            double e0 = p0[e] - g0[e], e1 = p1[e] - g0[e];
            o[RJ_D1 + 10 * a + e] = st_d1[k][0] * e0 + st_d1[k][1] * e1;
            o[RJ_DD + 10 * ym_metric_comp(a, a) + e] = st_d2[k][0] * e0 + st_d2[k][1] * e1;
        }
    }
    /* Mixed second differences: the a-stencil applied to the b-differences
     * (D_b g)(x + o a) - (D_b g)(x), each written as differences so that a
     * constant metric gives exactly zero. */
    for (int a = 0; a < 4; ++a)
        for (int b = a + 1; b < 4; ++b) {
            int ka = kind[a], kb = kind[b];
            if (ka == ST_CENTRAL && kb == ST_CENTRAL) {
                /* [g(x+a+b) - g(x+a-b) - g(x-a+b) + g(x-a-b)]/4: exactly 0 for a constant metric */
                const double *mm = c->m + (size_t)YM_METRIC_NCOMP * (size_t)(nb[a][0] - c->s[b]);
                const double *mp = c->m + (size_t)YM_METRIC_NCOMP * (size_t)(nb[a][0] + c->s[b]);
                const double *pm = c->m + (size_t)YM_METRIC_NCOMP * (size_t)(nb[a][1] - c->s[b]);
                const double *pp = c->m + (size_t)YM_METRIC_NCOMP * (size_t)(nb[a][1] + c->s[b]);
                YM_UNROLL
                for (int e = 0; e < YM_METRIC_NCOMP; ++e)
                    o[RJ_DD + 10 * ym_metric_comp(a, b) + e] = 0.25 * ((pp[e] - pm[e]) - (mp[e] - mm[e]));
                continue;
            }
            const double *ga[2], *gab[2][2], *gb[2];
            double w[2][2];
            for (int p = 0; p < 2; ++p) {
                ga[p] = c->m + (size_t)YM_METRIC_NCOMP * (size_t)nb[a][p];
                gb[p] = c->m + (size_t)YM_METRIC_NCOMP * (size_t)nb[b][p];
                for (int q = 0; q < 2; ++q) {
                    gab[p][q] = c->m + (size_t)YM_METRIC_NCOMP * (size_t)step_to(c, nb[a][p], b, st_off[kb][q]);
                    w[p][q] = st_d1[ka][p] * st_d1[kb][q];
                }
            }
            /* component by component, the four corners in the order (p, q) =
             * 00, 01, 10, 11: ten short independent sums */
            YM_UNROLL
            for (int e = 0; e < YM_METRIC_NCOMP; ++e) {
                double acc = 0;
                for (int p = 0; p < 2; ++p)
                    for (int q = 0; q < 2; ++q) acc += w[p][q] * ((gab[p][q][e] - ga[p][e]) - (gb[q][e] - g0[e]));
                o[RJ_DD + 10 * ym_metric_comp(a, b) + e] = acc;
            }
        }
}

YM_HOT void ym_ricci_jet_at(const ym_ricci *r, ym_field *gf, int idx, ym_ricci_jet *jet)
{
    jet_ctx c;
    jet_ctx_init(&c, r, gf);
    double o[RJ_N];
    jet_site(&c, idx, o);
    put_sym(jet->g, o + RJ_G);
    for (int a = 0; a < 4; ++a) put_sym(jet->dg[a], o + RJ_D1 + 10 * a);
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) put_sym(jet->ddg[a][b], o + RJ_DD + 10 * ym_metric_comp(a, b));
}

/* sum_pq x[p][q] y[p][q] with four independent partial sums (a short
 * dependency chain; the loop over q vectorises). */
static inline double dot16(const double x[4][4], const double y[4][4])
{
    double s[4] = {0, 0, 0, 0};
    YM_UNROLL
    for (int p = 0; p < 4; ++p)
        YM_UNROLL
        for (int q = 0; q < 4; ++q) s[q] += x[p][q] * y[p][q];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

YM_HOT int ym_ricci_eval(const ym_ricci_jet *j, ym_ricci_geo *o)
{
    double gi[4][4], det;
    if (!ym_metric_spd(j->g, gi, &det)) return 0;
    memcpy(o->ginv, gi, sizeof gi);
    o->detg = det;
    /* The sums run with the summed index outermost and the free indices
     * innermost (independent accumulators, contiguous: they vectorise), and
     * the second derivatives of Gamma^k_ij enter only through the
     * contractions the Ricci tensor and dW need, never as the full
     * 4x4x4x4 array. */
    /* d_a g^kl = -g^kp (D_a g)_pq g^ql */
    double dgi[4][4][4];
    YM_UNROLL
    for (int a = 0; a < 4; ++a) {
        double t[4][4] = {{0}};
        YM_UNROLL
        for (int k = 0; k < 4; ++k)
            YM_UNROLL
            for (int p = 0; p < 4; ++p)
                YM_UNROLL
                for (int q = 0; q < 4; ++q) t[k][q] += gi[k][p] * j->dg[a][p][q];
        double u[4][4] = {{0}};
        YM_UNROLL
        for (int k = 0; k < 4; ++k)
            YM_UNROLL
            for (int q = 0; q < 4; ++q)
                YM_UNROLL
                for (int l = 0; l < 4; ++l) u[k][l] += t[k][q] * gi[q][l];
        YM_UNROLL
        for (int k = 0; k < 4; ++k)
            YM_UNROLL
            for (int l = 0; l < 4; ++l) dgi[a][k][l] = -u[k][l];
    }
    /* Gamma_{l,ij} and its derivatives d_a Gamma_{l,ij} */
    double gl[4][4][4], dgl[4][4][4][4];
    YM_UNROLL
    for (int l = 0; l < 4; ++l)
        YM_UNROLL
        for (int c = 0; c < 10; ++c) {
            int i = pk_i[c], k = pk_j[c];
            gl[l][i][k] = gl[l][k][i] = 0.5 * (j->dg[i][l][k] + j->dg[k][l][i] - j->dg[l][i][k]);
            YM_UNROLL
            for (int a = 0; a < 4; ++a)
                dgl[a][l][i][k] = dgl[a][l][k][i] =
                    0.5 * (j->ddg[a][i][l][k] + j->ddg[a][k][l][i] - j->ddg[a][l][i][k]);
        }
    /* Gamma^k_ij */
    double (*gam)[4][4] = o->gam;
    YM_UNROLL
    for (int k = 0; k < 4; ++k) {
        double s[16] = {0};
        YM_UNROLL
        for (int l = 0; l < 4; ++l)
            YM_UNROLL
            for (int c = 0; c < 16; ++c) s[c] += gi[k][l] * (&gl[l][0][0])[c];
        memcpy(gam[k], s, sizeof s);
    }
    /* Contractions of d_a Gamma^k_ij = (d_a g^kl) Gamma_{l,ij} + g^kl d_a Gamma_{l,ij}:
     *   tr1_ij = d_k Gamma^k_ij = sum_l [(sum_k d_k g^kl) Gamma_{l,ij} + sum_k g^kl d_k Gamma_{l,ij}]
     *   tr2_ai = d_a Gamma^k_ik = sum_kl [d_a g^kl Gamma_{l,ik} + g^kl d_a Gamma_{l,ik}]
     *   gg_l = g^pq Gamma_{l,pq}, dgg_al = g^pq d_a Gamma_{l,pq}, so that
     *   W^k = g^kl gg_l and d_a W^k = (d_a g^pq) Gamma^k_pq + (d_a g^kl) gg_l + g^kl dgg_al. */
    double dtr[4] = {0}, tr1[16] = {0}, tr2[4][4], gg[4], dgg[4][4];
    YM_UNROLL
    for (int k = 0; k < 4; ++k)
        YM_UNROLL
        for (int l = 0; l < 4; ++l) dtr[l] += dgi[k][k][l];
    YM_UNROLL
    for (int l = 0; l < 4; ++l) {
        YM_UNROLL
        for (int c = 0; c < 16; ++c) tr1[c] += dtr[l] * (&gl[l][0][0])[c];
        YM_UNROLL
        for (int k = 0; k < 4; ++k)
            YM_UNROLL
            for (int c = 0; c < 16; ++c) tr1[c] += gi[k][l] * (&dgl[k][l][0][0])[c];
    }
    YM_UNROLL
    for (int a = 0; a < 4; ++a) {
        double s[4] = {0, 0, 0, 0};
        YM_UNROLL
        for (int k = 0; k < 4; ++k)
            YM_UNROLL
            for (int l = 0; l < 4; ++l)
                YM_UNROLL
                for (int i = 0; i < 4; ++i) s[i] += dgi[a][k][l] * gl[l][i][k] + gi[k][l] * dgl[a][l][i][k];
        YM_UNROLL
        for (int i = 0; i < 4; ++i) tr2[a][i] = s[i];
    }
    YM_UNROLL
    for (int l = 0; l < 4; ++l) {
        gg[l] = dot16(gi, gl[l]);
        YM_UNROLL
        for (int a = 0; a < 4; ++a) dgg[a][l] = dot16(gi, dgl[a][l]);
    }
    /* Rc_ij = d_k Gamma^k_ij - d_j Gamma^k_ik + Gamma^k_kp Gamma^p_ij - Gamma^k_jp Gamma^p_ik
     * (symmetric in i, j as an identity; formed for i <= j) */
    double trg[4] = {0};
    YM_UNROLL
    for (int k = 0; k < 4; ++k)
        YM_UNROLL
        for (int p = 0; p < 4; ++p) trg[p] += gam[k][k][p];
    double quad[16] = {0};
    YM_UNROLL
    for (int k = 0; k < 4; ++k)
        YM_UNROLL
        for (int c = 0; c < 16; ++c) quad[c] += trg[k] * (&gam[k][0][0])[c];
    /* Gamma^k_jp Gamma^p_ik summed over k, p: for fixed (k, p), an outer product in (i, j) */
    YM_UNROLL
    for (int k = 0; k < 4; ++k)
        YM_UNROLL
        for (int p = 0; p < 4; ++p)
            YM_UNROLL
            for (int i = 0; i < 4; ++i)
                YM_UNROLL
                for (int m = 0; m < 4; ++m) quad[4 * i + m] -= gam[k][m][p] * gam[p][i][k];
    double R = 0;
    YM_UNROLL
    for (int c = 0; c < 10; ++c) {
        int i = pk_i[c], m = pk_j[c];
        double s = tr1[4 * i + m] - 0.5 * (tr2[m][i] + tr2[i][m]) + 0.5 * (quad[4 * i + m] + quad[4 * m + i]);
        o->ric[i][m] = o->ric[m][i] = s;
        R += (i == m ? 1.0 : 2.0) * gi[i][m] * s;
    }
    o->R = R;
    double dW[4][4];
    YM_UNROLL
    for (int k = 0; k < 4; ++k) {
        double s = 0;
        YM_UNROLL
        for (int l = 0; l < 4; ++l) s += gi[k][l] * gg[l];
        o->W[k] = s;
        YM_UNROLL
        for (int a = 0; a < 4; ++a) {
            double t = dot16(dgi[a], gam[k]);
            YM_UNROLL
            for (int l = 0; l < 4; ++l) t += dgi[a][k][l] * gg[l] + gi[k][l] * dgg[a][l];
            dW[a][k] = t;
        }
    }
    /* (L_W g)_ij = W^k D_k g_ij + g_kj d_i W^k + g_ik d_j W^k (symmetric; i <= j) */
    double lw[16] = {0};
    YM_UNROLL
    for (int k = 0; k < 4; ++k)
        YM_UNROLL
        for (int c = 0; c < 16; ++c) lw[c] += o->W[k] * (&j->dg[k][0][0])[c];
    YM_UNROLL
    for (int i = 0; i < 4; ++i)
        YM_UNROLL
        for (int k = 0; k < 4; ++k)
            YM_UNROLL
            for (int m = 0; m < 4; ++m) lw[4 * i + m] += dW[i][k] * j->g[k][m] + j->g[i][k] * dW[m][k];
    YM_UNROLL
    for (int c = 0; c < 10; ++c) {
        int i = pk_i[c], m = pk_j[c];
        o->lwg[i][m] = o->lwg[m][i] = 0.5 * (lw[4 * i + m] + lw[4 * m + i]);
    }
    return 1;
}

/* The DeTurck velocity is evaluated for RV_W sites at once, one site per
 * lane of a vector: the polynomial is the same at every site, so the lanes
 * never mix, and every lane computes what a lone site computes (the one
 * scalar entry point, ym_ricci_deturck, runs a single site through the same
 * code). A site's result therefore does not depend on which sites share
 * its block, i.e. on the process grid. */
#if defined(__GNUC__)
#define RV_W 4
typedef double rv __attribute__((vector_size(RV_W * sizeof(double))));
#define LANE(v, l) ((v)[l])
#define SPLAT(x) ((rv){(x), (x), (x), (x)})
#else
#define RV_W 1
typedef double rv;
#define LANE(v, l) (*((void)(l), &(v)))
#define SPLAT(x) ((rv)(x))
#endif

/* The packed jets of a block, one per lane: filled as doubles (s), read as vectors (v). */
typedef union {
    struct {
        rv g[10], d1[4][10], dd[10][10];
    } v;
    double s[RJ_N * RV_W];
} jet_v;

/* g^-1 (packed) of every lane by the Cholesky factorisation of
 * ym_metric_spd (the same refusals: a non-finite entry, a pivot that is not
 * > 0, a determinant that is not positive and finite). Returns the mask of
 * refused lanes; their gi is meaningless. */
RICCI_INLINE unsigned chol_inv_v(const rv g[10], rv gi[10], rv *det)
{
    unsigned bad = 0;
    for (int c = 0; c < 10; ++c)
        for (int l = 0; l < RV_W; ++l)
            if (!isfinite(LANE(g[c], l))) bad |= 1u << l;
    rv L[4][4], X[4][4], d = SPLAT(1.0);
    YM_UNROLL
    for (int j = 0; j < 4; ++j) {
        rv s = g[ym_metric_comp(j, j)];
        YM_UNROLL
        for (int k = 0; k < j; ++k) s -= L[j][k] * L[j][k];
        rv ljj = s;
        for (int l = 0; l < RV_W; ++l) {
            double v = LANE(s, l);
            if (!(v > 0)) {
                bad |= 1u << l;
                v = 1; /* keeps the refused lane finite */
            }
            LANE(ljj, l) = sqrt(v);
        }
        L[j][j] = ljj;
        d *= ljj;
        YM_UNROLL
        for (int i = j + 1; i < 4; ++i) {
            rv t = g[ym_metric_comp(i, j)];
            YM_UNROLL
            for (int k = 0; k < j; ++k) t -= L[i][k] * L[j][k];
            L[i][j] = t / ljj;
        }
    }
    for (int l = 0; l < RV_W; ++l)
        if (!(LANE(d, l) > 0) || !isfinite(LANE(d, l))) bad |= 1u << l;
    *det = d * d;
    /* X = L^-1 (lower), g^-1 = X^T X: exactly symmetric by construction */
    YM_UNROLL
    for (int j = 0; j < 4; ++j) {
        X[j][j] = SPLAT(1.0) / L[j][j];
        YM_UNROLL
        for (int i = j + 1; i < 4; ++i) {
            rv t = SPLAT(0.0);
            YM_UNROLL
            for (int k = j; k < i; ++k) t += L[i][k] * X[k][j];
            X[i][j] = -t / L[i][i];
        }
    }
    YM_UNROLL
    for (int c = 0; c < 10; ++c) {
        int i = pk_i[c], j = pk_j[c];
        rv t = SPLAT(0.0);
        YM_UNROLL
        for (int k = j; k < 4; ++k) t += X[k][i] * X[k][j];
        gi[c] = t;
    }
    return bad;
}

/* out = S g^-1 for a packed symmetric S (and g^-1 packed), per lane. */
RICCI_INLINE void times_ginv(const rv S[10], const rv gi[10], rv out[4][4])
{
    YM_UNROLL
    for (int x = 0; x < 4; ++x)
        YM_UNROLL
        for (int y = 0; y < 4; ++y) {
            rv s = SPLAT(0.0);
            YM_UNROLL
            for (int p = 0; p < 4; ++p) s += S[ym_metric_comp(x, p)] * gi[ym_metric_comp(p, y)];
            out[x][y] = s;
        }
}

/* -2 Rc + L_W g in the form of Shi (the Ricci-DeTurck flow with a flat
 * background; Chow & Knopf, The Ricci flow: an introduction, Lemma 2.41,
 * background curvature 0):
 *   K_ij = g^ab DD_ab g_ij + 1/2 g^ab g^pq ( D_i g_pa D_j g_qb
 *          + 2 D_a g_jp D_q g_ib - 2 D_a g_jp D_b g_iq
 *          - 2 D_j g_pa D_b g_iq - 2 D_i g_pa D_b g_jq ).
 * It is an identity between polynomials in the jet (g, Dg, DDg), so it equals
 * ym_ricci_eval's -2 ric + lwg to rounding (tests/test_metric_alg.c), at
 * about half the arithmetic: no Christoffel symbols or their derivatives.
 * With H_a = D_a g g^-1, Db_a = g^ab D_b g and J_a = Db_a g^-1:
 *   g^ab g^pq D_i g_pa D_j g_qb = sum_xy H_i[y][x] H_j[x][y]
 *   g^ab g^pq D_a g_jp D_q g_ib = sum_aq H_a[j][q] H_q[i][a]
 *   g^ab g^pq D_a g_jp D_b g_iq = sum_aq H_a[j][q] Db_a[q][i]
 *   g^ab g^pq D_j g_pa D_b g_iq = sum_pa D_j[p][a] J_a[i][p].
 * Symmetric matrices (g^-1, Dg, Db, DDg) stay packed. Returns the mask of
 * the lanes whose g is not SPD (their K is meaningless); also g^-1 (gi,
 * packed) and det g. */
RICCI_INLINE unsigned deturck_v(const jet_v *jv, rv K[10], rv gi[10], rv *det)
{
    const rv(*D)[10] = jv->v.d1;
    unsigned bad = chol_inv_v(jv->v.g, gi, det);
    rv H[4][4][4], Db[4][10], J[4][4][4];
    YM_UNROLL
    for (int a = 0; a < 4; ++a) times_ginv(D[a], gi, H[a]);
    YM_UNROLL
    for (int a = 0; a < 4; ++a)
        YM_UNROLL
        for (int c = 0; c < 10; ++c) {
            rv t = SPLAT(0.0);
            YM_UNROLL
            for (int b = 0; b < 4; ++b) t += gi[ym_metric_comp(a, b)] * D[b][c];
            Db[a][c] = t;
        }
    YM_UNROLL
    for (int a = 0; a < 4; ++a) times_ginv(Db[a], gi, J[a]);
    /* T4[i][j] = sum_pa D_j[p][a] J_a[i][p], all 16 (i, j): it enters as T4_ij + T4_ji */
    rv T4[4][4];
    YM_UNROLL
    for (int i = 0; i < 4; ++i)
        YM_UNROLL
        for (int jj = 0; jj < 4; ++jj) {
            rv s = SPLAT(0.0);
            YM_UNROLL
            for (int p = 0; p < 4; ++p)
                YM_UNROLL
                for (int a = 0; a < 4; ++a) s += D[jj][ym_metric_comp(p, a)] * J[a][i][p];
            T4[i][jj] = s;
        }
    /* g^ab DD_ab over the ten pairs a <= b: off-diagonal pairs count twice */
    rv gw[10];
    YM_UNROLL
    for (int e = 0; e < 10; ++e) gw[e] = pk_i[e] == pk_j[e] ? gi[e] : 2.0 * gi[e];
    YM_UNROLL
    for (int c = 0; c < 10; ++c) {
        int i = pk_i[c], m = pk_j[c];
        rv lap = SPLAT(0.0);
        YM_UNROLL
        for (int e = 0; e < 10; ++e) lap += gw[e] * jv->v.dd[e][c];
        rv t1 = SPLAT(0.0), t2 = SPLAT(0.0), t3 = SPLAT(0.0);
        YM_UNROLL
        for (int x = 0; x < 4; ++x)
            YM_UNROLL
            for (int y = 0; y < 4; ++y) {
                t1 += H[i][y][x] * H[m][x][y];
                t2 += H[x][m][y] * H[y][i][x];
                t3 += H[x][m][y] * Db[x][ym_metric_comp(y, i)];
            }
        K[c] = lap + 0.5 * t1 + t2 - t3 - T4[i][m] - T4[m][i];
    }
    return bad;
}

YM_HOT int ym_ricci_deturck(const ym_ricci_jet *j, double k[4][4])
{
    jet_v jv;
    for (int e = 0; e < 10; ++e) {
        int p = pk_i[e], q = pk_j[e];
        jv.v.g[e] = SPLAT(j->g[p][q]);
        for (int a = 0; a < 4; ++a) jv.v.d1[a][e] = SPLAT(j->dg[a][p][q]);
        for (int c = 0; c < 10; ++c) jv.v.dd[c][e] = SPLAT(j->ddg[pk_i[c]][pk_j[c]][p][q]);
    }
    rv K[10], gi[10], det;
    if (deturck_v(&jv, K, gi, &det) & 1u) return 0;
    for (int e = 0; e < 10; ++e) k[pk_i[e]][pk_j[e]] = k[pk_j[e]][pk_i[e]] = LANE(K[e], 0);
    return 1;
}

/* The DeTurck velocity of every interior site, RV_W sites per block (the
 * last block repeats its last site in the spare lanes), and its g^-1 and
 * det g into geo (if not NULL). Returns the storage index of the first
 * site, in interior order, whose g is not SPD, or -1. */
static YM_HOT int rhs_deturck(const ym_ricci *r, ym_field *g, ym_field *K, double *geo)
{
    jet_ctx c;
    jet_ctx_init(&c, r, g);
    double *kd = ym_field_data(K);
    const int *in = ym_geom_interior(r->g);
    int n = ym_geom_ninterior(r->g);
    for (int i0 = 0; i0 < n; i0 += RV_W) {
        int m = n - i0 < RV_W ? n - i0 : RV_W;
        /* each site's jet contiguous (its loops vectorise over the ten
         * components), then turned into lanes */
        double js[RV_W][RJ_N];
        for (int l = 0; l < RV_W; ++l) jet_site(&c, in[i0 + (l < m ? l : m - 1)], js[l]);
        jet_v jv;
        for (int k = 0; k < RJ_N; ++k)
            for (int l = 0; l < RV_W; ++l) jv.s[k * RV_W + l] = js[l][k];
        rv kv[10], gi[10], det;
        unsigned bad = deturck_v(&jv, kv, gi, &det);
        for (int l = 0; l < m; ++l) {
            if (bad >> l & 1u) return in[i0 + l];
            double *ko = kd + (size_t)YM_METRIC_NCOMP * (size_t)in[i0 + l];
            for (int e = 0; e < YM_METRIC_NCOMP; ++e) ko[e] = LANE(kv[e], l);
            if (geo) {
                double *go = geo + (size_t)YM_RICCI_NGEO * (size_t)(i0 + l);
                for (int e = 0; e < YM_METRIC_NCOMP; ++e) go[e] = LANE(gi[e], l);
                go[YM_METRIC_NCOMP] = LANE(det, l);
            }
        }
    }
    return -1;
}

static int check_field(const ym_ricci *r, ym_field *f, const char *what)
{
    if (ym_field_ncomp(f) != YM_METRIC_NCOMP || ym_field_geom(f) != r->g)
        return YM_ERROR(YM_EINVAL, "metric: %s is not a 10-component field on the plan's geometry", what);
    return YM_OK;
}

/* Name a site by its global coordinates in an error message. */
static int not_spd(const ym_geom *g, int idx)
{
    int x[4];
    ym_geom_global_coords(g, idx, x);
    return YM_ERROR(YM_ENUM, "metric: g is not positive definite at site (%d,%d,%d,%d)", x[0], x[1], x[2], x[3]);
}

int ym_ricci_rhs(ym_ricci *r, ym_field *g, ym_field *K) { return ym_ricci_rhs_geo(r, g, K, NULL); }

int ym_ricci_rhs_geo(ym_ricci *r, ym_field *g, ym_field *K, double *out)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(r->g));
    int st = check_field(r, g, "the metric");
    if (!st) st = check_field(r, K, "the metric velocity");
    st = ym_status_agree(comm, st);
    if (!st) st = ym_field_halo_update(g);
    if (st) return st;
    if (r->deturck) {
        int bad = rhs_deturck(r, g, K, out);
        if (bad >= 0) st = not_spd(r->g, bad);
        return ym_status_agree(comm, st);
    }
    const int *in = ym_geom_interior(r->g);
    int n = ym_geom_ninterior(r->g);
    for (int i = 0; i < n && !st; ++i) {
        ym_ricci_jet jet;
        ym_ricci_geo geo;
        double k[4][4];
        ym_ricci_jet_at(r, g, in[i], &jet);
        if (!ym_ricci_eval(&jet, &geo)) {
            st = not_spd(r->g, in[i]);
            break;
        }
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) k[a][b] = -2.0 * geo.ric[a][b];
        ym_metric_pack(k, ym_field_site(K, in[i]));
        if (out) {
            ym_metric_pack(geo.ginv, out + (size_t)YM_RICCI_NGEO * (size_t)i);
            out[(size_t)YM_RICCI_NGEO * (size_t)i + YM_METRIC_NCOMP] = geo.detg;
        }
    }
    return ym_status_agree(comm, st);
}

int ym_ricci_step_rk3(ym_ricci *r, ym_field *g, double dt)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(r->g));
    if (!isfinite(dt)) return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "metric flow: time step is not finite"));
    /* Williamson 2N storage: acc <- A_s acc + K_s, g <- g + dt B_s acc. */
    if (!r->K) {
        int st = ym_field_create(&r->K, r->g, YM_METRIC_NCOMP);
        if (!st) st = ym_field_create(&r->acc, r->g, YM_METRIC_NCOMP);
        if (st) {
            ym_field_free(r->K);
            ym_field_free(r->acc);
            r->K = r->acc = NULL;
            return st;
        }
    }
    static const double A[3] = {0.0, -17.0 / 32.0, -32.0 / 27.0};
    static const double B[3] = {0.25, 8.0 / 9.0, 0.75};
    const int *in = ym_geom_interior(r->g);
    int n = ym_geom_ninterior(r->g);
    for (int s = 0; s < 3; ++s) {
        int st = ym_ricci_rhs(r, g, r->K);
        if (st) return st;
        for (int i = 0; i < n; ++i) {
            double *a = ym_field_site(r->acc, in[i]), *k = ym_field_site(r->K, in[i]), *x = ym_field_site(g, in[i]);
            for (int c = 0; c < YM_METRIC_NCOMP; ++c) {
                a[c] = (s == 0 ? 0.0 : A[s] * a[c]) + k[c];
                x[c] += dt * B[s] * a[c];
            }
        }
    }
    return YM_OK;
}
