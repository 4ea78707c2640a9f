/* Sign-coherent clusters of q(x) (THEORY.md §E.2).
 *
 * Connectivity is a union-find with potentials: every node carries its
 * unwrapped position relative to its root, so a bond that closes a cycle
 * with a non-zero winding (a cluster that wraps the torus) shows up as an
 * inconsistency. The pass over a rank's interior builds fragments (roots are
 * the smallest local index, hence the smallest global index, since the local
 * and global lexicographic orders agree inside a block); bonds that cross a
 * rank face are read through the halo of a small work field and gathered, and
 * every rank unites the fragments in the same order, so labels, windings and
 * status agree everywhere. The per-cluster table is formed on rank 0 from the
 * marked sites sorted by (label, global index), so every sum runs in global
 * site order and the table does not depend on the process grid.
 */
#include "ym_cluster.h"
#include "ym_status.h"
#include "ym_sum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ---- union-find with potentials (p(i) - p(root) in off) ---- */

typedef struct {
    int64_t *par;
    int64_t (*off)[4];
    unsigned char *wrap;
} uf;

static int uf_alloc(uf *u, int64_t n)
{
    size_t m = n > 0 ? (size_t)n : 1;
    u->par = malloc(m * sizeof *u->par);
    u->off = malloc(m * sizeof *u->off);
    u->wrap = calloc(m, 1);
    if (!u->par || !u->off || !u->wrap) return 0;
    for (int64_t i = 0; i < n; ++i) {
        u->par[i] = i;
        u->off[i][0] = u->off[i][1] = u->off[i][2] = u->off[i][3] = 0;
    }
    return 1;
}

static void uf_free(uf *u)
{
    free(u->par);
    free(u->off);
    free(u->wrap);
}

/* Root of i and p(i) - p(root); halves the path on the way. */
static int64_t uf_find(uf *u, int64_t i, int64_t o[4])
{
    o[0] = o[1] = o[2] = o[3] = 0;
    while (u->par[i] != i) {
        int64_t p = u->par[i], gp = u->par[p];
        for (int k = 0; k < 4; ++k) u->off[i][k] += u->off[p][k]; /* roots have zero offset */
        u->par[i] = gp;
        for (int k = 0; k < 4; ++k) o[k] += u->off[i][k];
        i = gp;
    }
    return i;
}

/* Bond with p(b) = p(a) + d. The smaller index stays root. */
static void uf_union(uf *u, int64_t a, int64_t b, const int64_t d[4])
{
    int64_t oa[4], ob[4], D[4];
    int64_t ra = uf_find(u, a, oa), rb = uf_find(u, b, ob);
    int nonzero = 0;
    for (int k = 0; k < 4; ++k) {
        D[k] = oa[k] + d[k] - ob[k]; /* p(rb) - p(ra) */
        nonzero |= D[k] != 0;
    }
    if (ra == rb) {
        if (nonzero) u->wrap[ra] = 1;
        return;
    }
    if (ra < rb) {
        u->par[rb] = ra;
        for (int k = 0; k < 4; ++k) u->off[rb][k] = D[k];
        u->wrap[ra] |= u->wrap[rb];
    } else {
        u->par[ra] = rb;
        for (int k = 0; k < 4; ++k) u->off[ra][k] = -D[k];
        u->wrap[rb] |= u->wrap[ra];
    }
}

/* ---- lattice bookkeeping ---- */

typedef struct {
    MPI_Comm comm;
    int rank, size;
    const ym_geom *g;
    const int *in;
    int n;
    int L[4], l[4], o[4], dims[4], bc[4];
    int64_t stride[4]; /* local interior strides */
} lat;

static void lat_init(lat *t, const ym_field *f)
{
    t->g = ym_field_geom(f);
    const ym_grid *gr = ym_geom_grid(t->g);
    t->comm = ym_grid_comm(gr);
    MPI_Comm_rank(t->comm, &t->rank);
    MPI_Comm_size(t->comm, &t->size);
    t->in = ym_geom_interior(t->g);
    t->n = ym_geom_ninterior(t->g);
    int64_t s = 1;
    for (int mu = 0; mu < 4; ++mu) {
        t->L[mu] = ym_grid_L(gr)[mu];
        t->l[mu] = ym_grid_local(gr)[mu];
        t->o[mu] = ym_grid_origin(gr)[mu];
        t->dims[mu] = ym_grid_dims(gr)[mu];
        t->bc[mu] = ym_geom_bc(t->g, mu);
        t->stride[mu] = s;
        s *= t->l[mu];
    }
}

/* Do two fields cover the same sites of the same lattice on this rank? */
static int same_sites(const ym_field *a, const ym_field *b)
{
    const ym_grid *ga = ym_geom_grid(ym_field_geom(a)), *gb = ym_geom_grid(ym_field_geom(b));
    if (ga == gb) return 1;
    int r;
    MPI_Comm_compare(ym_grid_comm(ga), ym_grid_comm(gb), &r);
    if (r != MPI_IDENT && r != MPI_CONGRUENT) return 0;
    for (int mu = 0; mu < 4; ++mu)
        if (ym_grid_L(ga)[mu] != ym_grid_L(gb)[mu] || ym_grid_local(ga)[mu] != ym_grid_local(gb)[mu] ||
            ym_grid_origin(ga)[mu] != ym_grid_origin(gb)[mu])
            return 0;
    return 1;
}

static double val(ym_field *f, int i)
{
    const int *in = ym_geom_interior(ym_field_geom(f));
    return ym_field_site(f, in[i])[0];
}

static void gcoords(int64_t gi, const int L[4], int x[4])
{
    for (int mu = 0; mu < 4; ++mu) {
        x[mu] = (int)(gi % L[mu]);
        gi /= L[mu];
    }
}

/* ---- thresholds ---- */

typedef struct {
    uint64_t bits; /* of |q|: for non-negative doubles the bit pattern orders like the value */
    int64_t gidx;
} key;

static uint64_t dbits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* The m-th key (m >= 1) in (|q| desc, global index asc) order over all
 * ranks: its |q| bits *B and index *G. An 8-bit radix select, so it costs at
 * most 16 reductions of 256 counts, whatever the lattice. Collective. */
static void radix_select(const key *k, int64_t nk, int64_t m, int64_t V, MPI_Comm comm, uint64_t *B, int64_t *G)
{
    int64_t h[256];
    uint64_t pre = 0, msk = 0;
    int64_t above = 0; /* keys with larger |q| than the current prefix range */
    for (int byte = 7; byte >= 0; --byte) {
        int sh = 8 * byte;
        memset(h, 0, sizeof h);
        for (int64_t i = 0; i < nk; ++i)
            if ((k[i].bits & msk) == pre) ++h[(k[i].bits >> sh) & 255];
        MPI_Allreduce(MPI_IN_PLACE, h, 256, MPI_INT64_T, MPI_SUM, comm);
        int d = 255;
        while (d > 0 && above + h[d] < m) above += h[d--];
        pre |= (uint64_t)d << sh;
        msk |= (uint64_t)255 << sh;
    }
    *B = pre;
    int64_t need = m - above, below = 0;
    int nbytes = 1;
    while (nbytes < 8 && ((uint64_t)(V - 1) >> (8 * nbytes)) != 0) ++nbytes;
    uint64_t gp = 0, gm = 0;
    for (int byte = nbytes - 1; byte >= 0; --byte) {
        int sh = 8 * byte;
        memset(h, 0, sizeof h);
        for (int64_t i = 0; i < nk; ++i)
            if (k[i].bits == pre && ((uint64_t)k[i].gidx & gm) == gp) ++h[((uint64_t)k[i].gidx >> sh) & 255];
        MPI_Allreduce(MPI_IN_PLACE, h, 256, MPI_INT64_T, MPI_SUM, comm);
        int d = 0;
        while (d < 255 && below + h[d] < need) below += h[d++];
        gp |= (uint64_t)d << sh;
        gm |= (uint64_t)255 << sh;
    }
    *G = (int64_t)gp;
}

/* Marks the m = round(value * unmasked) sites first in (|q| desc, global
 * index asc) order among those with q != 0, and returns the smallest marked
 * |q| (mx, the largest, when none is marked). Collective. */
static int select_fraction(const lat *t, ym_field *q, const unsigned char *um, double value, double mx,
                           signed char *mk, double *qcut)
{
    int64_t nk = 0, nun = 0;
    for (int i = 0; i < t->n; ++i) {
        if (!um[i]) continue;
        ++nun;
        if (val(q, i) != 0) ++nk;
    }
    key *k = malloc((size_t)(nk > 0 ? nk : 1) * sizeof *k);
    int st = ym_status_agree(t->comm, k ? YM_OK : YM_ERROR(YM_ENOMEM, "clusters: out of memory"));
    if (st) {
        free(k);
        return st;
    }
    int64_t j = 0;
    for (int i = 0; i < t->n; ++i) {
        double v = val(q, i);
        if (!um[i] || v == 0) continue;
        k[j].bits = dbits(fabs(v));
        k[j].gidx = ym_geom_global_index(t->g, t->in[i]);
        ++j;
    }
    int64_t tot[2] = {nun, nk};
    MPI_Allreduce(MPI_IN_PLACE, tot, 2, MPI_INT64_T, MPI_SUM, t->comm);
    int64_t m = llround(value * (double)tot[0]);
    if (m > tot[1]) m = tot[1];
    *qcut = mx;
    if (m > 0) {
        int64_t V = 1, G;
        for (int mu = 0; mu < 4; ++mu) V *= t->L[mu];
        uint64_t B;
        radix_select(k, nk, m, V, t->comm, &B, &G);
        for (int64_t i = 0; i < nk; ++i)
            if (k[i].bits > B || (k[i].bits == B && k[i].gidx <= G)) k[i].gidx = -1 - k[i].gidx; /* flag */
        j = 0;
        for (int i = 0; i < t->n; ++i) {
            double v = val(q, i);
            if (!um[i] || v == 0) continue;
            if (k[j++].gidx < 0) mk[i] = v > 0 ? 1 : -1;
        }
        memcpy(qcut, &B, sizeof *qcut);
    }
    free(k);
    return YM_OK;
}

/* ---- cluster table on rank 0 ---- */

typedef struct {
    int64_t gidx, label, flag;
    double q, s;
} rec;

static int rec_cmp(const void *pa, const void *pb)
{
    const rec *a = pa, *b = pb;
    if (a->label != b->label) return a->label < b->label ? -1 : 1;
    return (a->gidx > b->gidx) - (a->gidx < b->gidx);
}

static int build_table(const lat *t, rec *r, int64_t nr, int with_s, ym_cluster **out, int *nout)
{
    int ncl = 0;
    for (int64_t i = 0; i < nr; ++i)
        if (i == 0 || r[i].label != r[i - 1].label) ++ncl;
    ym_cluster *c = calloc((size_t)(ncl > 0 ? ncl : 1), sizeof *c);
    int *stamp[4] = {0};
    int ok = c != NULL;
    for (int mu = 0; mu < 4; ++mu) {
        stamp[mu] = malloc(sizeof(int) * (size_t)t->L[mu]);
        ok = ok && stamp[mu];
        if (stamp[mu])
            for (int x = 0; x < t->L[mu]; ++x) stamp[mu][x] = -1;
    }
    if (!ok) {
        free(c);
        for (int mu = 0; mu < 4; ++mu) free(stamp[mu]);
        return YM_ERROR(YM_ENOMEM, "clusters: out of memory for the table");
    }
    int64_t a = 0;
    for (int k = 0; k < ncl; ++k) {
        int64_t b = a;
        while (b < nr && r[b].label == r[a].label) ++b;
        ym_cluster *cl = &c[k];
        ym_sum q = YM_SUM_INIT, s = YM_SUM_INIT, w = YM_SUM_INIT, m1[4], m2[4];
        int xmin[4], xmax[4];
        for (int mu = 0; mu < 4; ++mu) {
            m1[mu] = m2[mu] = (ym_sum)YM_SUM_INIT;
            xmin[mu] = t->L[mu];
            xmax[mu] = -1;
        }
        cl->label = r[a].label;
        cl->sign = r[a].q > 0 ? 1 : -1;
        cl->volume = b - a;
        double peak = -1;
        int flag = 0;
        for (int64_t i = a; i < b; ++i) {
            int x[4];
            gcoords(r[i].gidx, t->L, x);
            double aq = fabs(r[i].q);
            ym_sum_add(&q, r[i].q);
            ym_sum_add(&s, r[i].s);
            ym_sum_add(&w, aq);
            for (int mu = 0; mu < 4; ++mu) {
                if (t->bc[mu] == YM_BC_PERIODIC) {
                    double th = 2 * M_PI * x[mu] / t->L[mu];
                    ym_sum_add(&m1[mu], aq * cos(th));
                    ym_sum_add(&m2[mu], aq * sin(th));
                } else {
                    ym_sum_add(&m1[mu], aq * x[mu]);
                }
                if (stamp[mu][x[mu]] != k) {
                    stamp[mu][x[mu]] = k;
                    ++cl->extent[mu];
                }
                if (x[mu] < xmin[mu]) xmin[mu] = x[mu];
                if (x[mu] > xmax[mu]) xmax[mu] = x[mu];
            }
            if (aq > peak) {
                peak = aq;
                cl->q_peak = r[i].q;
                cl->peak_site = r[i].gidx;
            }
            flag |= r[i].flag != 0;
        }
        cl->charge = ym_sum_value(&q);
        cl->action_over_8pi2 = with_s ? ym_sum_value(&s) / (8 * M_PI * M_PI) : 0.0;
        double W = ym_sum_value(&w);
        for (int mu = 0; mu < 4; ++mu) {
            double L = t->L[mu], cen;
            if (t->bc[mu] == YM_BC_PERIODIC) {
                cen = atan2(ym_sum_value(&m2[mu]), ym_sum_value(&m1[mu])) * L / (2 * M_PI);
                if (cen < 0) cen += L;
                if (cen >= L) cen -= L;
            } else {
                cen = ym_sum_value(&m1[mu]) / W;
            }
            cl->center[mu] = cen;
            if (t->bc[mu] == YM_BC_OPEN && t->L[mu] > 1 && xmin[mu] == 0 && xmax[mu] == t->L[mu] - 1) flag = 1;
        }
        cl->percolates = flag;
        a = b;
    }
    for (int mu = 0; mu < 4; ++mu) free(stamp[mu]);
    *out = c;
    *nout = ncl;
    return YM_OK;
}

/* ---- the collective driver ---- */

static int i64_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* Index of v in the sorted ids[0..n-1], or -1. */
static int64_t find_id(const int64_t *ids, int64_t n, int64_t v)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < v) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && ids[lo] == v ? lo : -1;
}

/* Concatenation of every rank's n int64 in rank order, on every rank.
 * Collective; the status is agreed. */
static int allgather_i64(MPI_Comm comm, const int64_t *mine, int64_t n, int64_t **all, int64_t *ntot)
{
    int size;
    MPI_Comm_size(comm, &size);
    *all = NULL;
    *ntot = 0;
    int *cnt = malloc(sizeof(int) * (size_t)size), *dsp = malloc(sizeof(int) * (size_t)size);
    int st = (cnt && dsp) ? YM_OK : YM_ERROR(YM_ENOMEM, "clusters: out of memory");
    if (!st && n > 0x7fffffff) st = YM_ERROR(YM_EINVAL, "clusters: too much data to exchange between ranks");
    st = ym_status_agree(comm, st);
    if (st) goto out;
    int my = (int)n;
    MPI_Allgather(&my, 1, MPI_INT, cnt, 1, MPI_INT, comm);
    int64_t tot = 0;
    for (int r = 0; r < size; ++r) {
        dsp[r] = (int)tot;
        tot += cnt[r];
    }
    if (tot > 0x7fffffff) st = YM_ERROR(YM_EINVAL, "clusters: too much data to exchange between ranks");
    else if (!(*all = malloc((size_t)(tot > 0 ? tot : 1) * sizeof **all)))
        st = YM_ERROR(YM_ENOMEM, "clusters: out of memory");
    st = ym_status_agree(comm, st);
    if (st) goto out;
    if (MPI_Allgatherv(mine, my, MPI_INT64_T, *all, cnt, dsp, MPI_INT64_T, comm) != MPI_SUCCESS)
        st = YM_ERROR(YM_EMPI, "clusters: exchange between ranks failed");
    st = ym_status_agree(comm, st);
    *ntot = tot;
out:
    if (st) {
        free(*all);
        *all = NULL;
    }
    free(cnt);
    free(dsp);
    return st;
}

/* Sign of each unmasked site above the threshold in mk. Collective. */
static int mark_sites(const lat *t, ym_field *q, ym_field *mask, int mode, double value, unsigned char *um,
                      signed char *mk, double *cut)
{
    int st = YM_OK;
    double mx = 0;
    for (int i = 0; i < t->n; ++i) {
        um[i] = !mask || val(mask, i) == 0;
        if (!um[i]) continue;
        double v = val(q, i);
        if (!isfinite(v)) {
            int x[4];
            ym_geom_global_coords(t->g, t->in[i], x);
            st = YM_ERROR(YM_ENUM, "clusters: q is not finite at site (%d,%d,%d,%d)", x[0], x[1], x[2], x[3]);
            break;
        }
        if (fabs(v) > mx) mx = fabs(v);
    }
    st = ym_status_agree(t->comm, st);
    if (st) return st;
    MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPI_DOUBLE, MPI_MAX, t->comm);
    if (mode == YM_CLUSTER_FRACTION) return select_fraction(t, q, um, value, mx, mk, cut);
    *cut = mode == YM_CLUSTER_LAMBDA ? value * mx : value;
    for (int i = 0; i < t->n; ++i) {
        double v = val(q, i);
        if (um[i] && fabs(v) > *cut) mk[i] = v > 0 ? 1 : -1;
    }
    return YM_OK;
}

/* Bonds inside the block, and across the wrap of unsplit periodic directions. */
static void local_pass(const lat *t, const signed char *mk, uf *u)
{
    for (int i = 0; i < t->n; ++i) {
        if (!mk[i]) continue;
        int64_t r = i;
        int x[4];
        for (int mu = 0; mu < 4; ++mu) {
            x[mu] = (int)(r % t->l[mu]);
            r /= t->l[mu];
        }
        for (int mu = 0; mu < 4; ++mu) {
            int64_t j;
            if (x[mu] + 1 < t->l[mu]) j = i + t->stride[mu];
            else if (t->dims[mu] == 1 && t->bc[mu] == YM_BC_PERIODIC && t->L[mu] > 1)
                j = i - (int64_t)(t->l[mu] - 1) * t->stride[mu];
            else continue;
            if (mk[j] != mk[i]) continue;
            int64_t d[4] = {0, 0, 0, 0};
            d[mu] = 1;
            uf_union(u, i, j, d);
        }
    }
}

/* Bonds from this rank's upper faces to other ranks, read from the halo of w
 * (fragment id, sign, potential): 6-tuples (fragment a, fragment b, p(b)-p(a)). */
static int face_bonds(const lat *t, const signed char *mk, ym_field *w, int64_t **edges, int64_t *ne)
{
    int64_t n = 0, cap = 0;
    int64_t *e = NULL;
    for (int i = 0; i < t->n; ++i) {
        if (!mk[i]) continue;
        for (int mu = 0; mu < 4; ++mu) {
            if (t->dims[mu] == 1) continue;
            int xl = (int)((i / t->stride[mu]) % t->l[mu]);
            if (xl != t->l[mu] - 1) continue;
            if (t->bc[mu] == YM_BC_OPEN && t->o[mu] + xl == t->L[mu] - 1) continue;
            const double *pa = ym_field_site(w, t->in[i]);
            const double *pb = ym_field_site(w, ym_geom_up(t->g, mu)[t->in[i]]);
            if (pb[0] < 0 || pb[1] != pa[1]) continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                int64_t *e2 = realloc(e, (size_t)cap * 6 * sizeof *e);
                if (!e2) {
                    free(e);
                    return YM_ERROR(YM_ENOMEM, "clusters: out of memory");
                }
                e = e2;
            }
            int64_t *b = e + 6 * n++;
            b[0] = (int64_t)pa[0];
            b[1] = (int64_t)pb[0];
            for (int k = 0; k < 4; ++k) b[2 + k] = (int64_t)pa[2 + k] + (k == mu) - (int64_t)pb[2 + k];
        }
    }
    *edges = e;
    *ne = n;
    return YM_OK;
}

int ym_cluster_find(ym_field *q, ym_field *s, ym_field *mask, int mode, double value, ym_field *labels,
                    ym_cluster **out, int *n, double *qcut)
{
    if (out) *out = NULL;
    if (n) *n = 0;
    if (!q) return YM_ERROR(YM_EINVAL, "clusters: no charge density given");
    lat t;
    lat_init(&t, q);
    int st = YM_OK;
    if (!out || !n) st = YM_ERROR(YM_EINVAL, "clusters: no output table given");
    else if (mode == YM_CLUSTER_LAMBDA && !(value > 0 && value < 1))
        st = YM_ERROR(YM_EINVAL, "clusters: lambda %g is not in (0, 1)", value);
    else if (mode == YM_CLUSTER_FRACTION && !(value >= 0 && value <= 1))
        st = YM_ERROR(YM_EINVAL, "clusters: occupied fraction %g is not in [0, 1]", value);
    else if (mode == YM_CLUSTER_ABSOLUTE && !(value >= 0 && isfinite(value)))
        st = YM_ERROR(YM_EINVAL, "clusters: threshold %g is not a finite value >= 0", value);
    else if (mode != YM_CLUSTER_LAMBDA && mode != YM_CLUSTER_FRACTION && mode != YM_CLUSTER_ABSOLUTE)
        st = YM_ERROR(YM_EINVAL, "clusters: unknown threshold mode %d", mode);
    else if (s && !same_sites(q, s)) st = YM_ERROR(YM_EINVAL, "clusters: the action density is not on q's lattice");
    else if (mask && !same_sites(q, mask)) st = YM_ERROR(YM_EINVAL, "clusters: the mask is not on q's lattice");
    else if (labels && !same_sites(q, labels))
        st = YM_ERROR(YM_EINVAL, "clusters: the label field is not on q's lattice");
    st = ym_status_agree(t.comm, st);
    if (st) return st;

    int nl = t.n;
    size_t nalloc = (size_t)(nl > 0 ? nl : 1);
    unsigned char *um = malloc(nalloc);
    signed char *mk = calloc(nalloc, 1);
    uf u = {0}, gu = {0};
    ym_field *w = NULL;
    int64_t *edges = NULL, *gedges = NULL, *ids = NULL;
    int64_t ne = 0, ntot = 0, nid = 0;
    rec *mine = NULL, *all = NULL;
    int *cnt = NULL, *dsp = NULL;
    ym_cluster *table = NULL;
    int ncl = 0;
    double cut = 0;

    st = ym_status_agree(t.comm, (um && mk) ? YM_OK : YM_ERROR(YM_ENOMEM, "clusters: out of memory"));
    if (!st) st = mark_sites(&t, q, mask, mode, value, um, mk, &cut);
    if (st) goto done;

    st = uf_alloc(&u, nl) ? YM_OK : YM_ERROR(YM_ENOMEM, "clusters: out of memory");
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    local_pass(&t, mk, &u);

    st = ym_field_create(&w, t.g, 6);
    if (st) goto done;
    for (int i = 0; i < nl; ++i) {
        double *p = ym_field_site(w, t.in[i]);
        if (!mk[i]) {
            p[0] = -1;
            continue;
        }
        int64_t o[4];
        int64_t r = uf_find(&u, i, o);
        p[0] = (double)ym_geom_global_index(t.g, t.in[r]);
        p[1] = mk[i];
        for (int k = 0; k < 4; ++k) p[2 + k] = (double)o[k];
    }
    st = ym_field_halo_update(w);
    if (st) goto done;
    st = ym_status_agree(t.comm, face_bonds(&t, mk, w, &edges, &ne));
    if (st) goto done;
    st = allgather_i64(t.comm, edges, 6 * ne, &gedges, &ntot);
    if (st) goto done;

    /* The same union over fragments, in the same order, on every rank. */
    int64_t nge = ntot / 6;
    ids = malloc((size_t)(nge > 0 ? 2 * nge : 1) * sizeof *ids);
    if (ids) {
        for (int64_t e = 0; e < nge; ++e) {
            ids[nid++] = gedges[6 * e];
            ids[nid++] = gedges[6 * e + 1];
        }
        qsort(ids, (size_t)nid, sizeof *ids, i64_cmp);
        int64_t m = 0;
        for (int64_t k = 0; k < nid; ++k)
            if (m == 0 || ids[k] != ids[m - 1]) ids[m++] = ids[k];
        nid = m;
    }
    st = (ids && uf_alloc(&gu, nid)) ? YM_OK : YM_ERROR(YM_ENOMEM, "clusters: out of memory");
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    for (int64_t e = 0; e < nge; ++e) {
        const int64_t *b = gedges + 6 * e;
        uf_union(&gu, find_id(ids, nid, b[0]), find_id(ids, nid, b[1]), b + 2);
    }

    /* Labels and wrap flags per site; the marked sites go to rank 0. */
    int64_t nm = 0;
    for (int i = 0; i < nl; ++i) nm += mk[i] != 0;
    mine = malloc((size_t)(nm > 0 ? nm : 1) * sizeof *mine);
    st = ym_status_agree(t.comm, mine ? YM_OK : YM_ERROR(YM_ENOMEM, "clusters: out of memory"));
    if (st) goto done;
    int64_t j = 0;
    for (int i = 0; i < nl; ++i) {
        double lab = -1;
        if (mk[i]) {
            int64_t o[4];
            int64_t r = uf_find(&u, i, o);
            int64_t label = ym_geom_global_index(t.g, t.in[r]);
            int flag = u.wrap[r];
            int64_t k = find_id(ids, nid, label);
            if (k >= 0) {
                int64_t gr = uf_find(&gu, k, o);
                label = ids[gr];
                flag |= gu.wrap[gr];
            }
            rec *x = &mine[j++];
            x->gidx = ym_geom_global_index(t.g, t.in[i]);
            x->label = label;
            x->flag = flag;
            x->q = val(q, i);
            x->s = s ? val(s, i) : 0.0;
            lab = (double)label;
        }
        if (labels) ym_field_site(labels, ym_geom_interior(ym_field_geom(labels))[i])[0] = lab;
    }
    if (labels) {
        st = ym_field_halo_update(labels);
        if (st) goto done;
    }

    cnt = malloc(sizeof(int) * (size_t)t.size);
    dsp = malloc(sizeof(int) * (size_t)t.size);
    st = (cnt && dsp) ? YM_OK : YM_ERROR(YM_ENOMEM, "clusters: out of memory");
    if (!st && nm * (int64_t)sizeof(rec) > 0x7fffffff) st = YM_ERROR(YM_EINVAL, "clusters: too many marked sites");
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    int mybytes = (int)(nm * (int64_t)sizeof(rec));
    MPI_Gather(&mybytes, 1, MPI_INT, cnt, 1, MPI_INT, 0, t.comm);
    int64_t nall = 0;
    if (t.rank == 0) {
        int64_t tot = 0;
        for (int r = 0; r < t.size; ++r) {
            dsp[r] = (int)tot;
            tot += cnt[r];
        }
        nall = tot / (int64_t)sizeof(rec);
        if (tot > 0x7fffffff) st = YM_ERROR(YM_EINVAL, "clusters: too many marked sites to tabulate");
        else if (!(all = malloc((size_t)(tot > 0 ? tot : 1))))
            st = YM_ERROR(YM_ENOMEM, "clusters: out of memory for the marked sites");
    }
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    if (MPI_Gatherv(mine, mybytes, MPI_BYTE, all, cnt, dsp, MPI_BYTE, 0, t.comm) != MPI_SUCCESS)
        st = YM_ERROR(YM_EMPI, "clusters: gathering the marked sites failed");
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    if (t.rank == 0) {
        qsort(all, (size_t)nall, sizeof *all, rec_cmp);
        st = build_table(&t, all, nall, s != NULL, &table, &ncl);
    }
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    MPI_Bcast(&ncl, 1, MPI_INT, 0, t.comm);
    if (t.rank != 0) {
        table = calloc((size_t)(ncl > 0 ? ncl : 1), sizeof *table);
        if (!table) st = YM_ERROR(YM_ENOMEM, "clusters: out of memory for the table");
    }
    if (!st && (int64_t)ncl * (int64_t)sizeof *table > 0x7fffffff)
        st = YM_ERROR(YM_EINVAL, "clusters: too many clusters to share");
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    if (MPI_Bcast(table, (int)(ncl * sizeof *table), MPI_BYTE, 0, t.comm) != MPI_SUCCESS)
        st = YM_ERROR(YM_EMPI, "clusters: sharing the table failed");
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    *out = table;
    table = NULL;
    *n = ncl;
    if (qcut) *qcut = cut;

done:
    free(um);
    free(mk);
    uf_free(&u);
    uf_free(&gu);
    ym_field_free(w);
    free(edges);
    free(gedges);
    free(ids);
    free(mine);
    free(all);
    free(cnt);
    free(dsp);
    free(table);
    return st;
}

int ym_cluster_scan(ym_field *q, ym_field *mask, const double *lambdas, int n, ym_cluster_scan_row *rows)
{
    if (!q) return YM_ERROR(YM_EINVAL, "cluster scan: no charge density given");
    lat t;
    lat_init(&t, q);
    int st = YM_OK;
    if (n < 0 || (n > 0 && (!lambdas || !rows))) st = YM_ERROR(YM_EINVAL, "cluster scan: bad arguments");
    for (int k = 0; !st && k < n; ++k)
        if (!(lambdas[k] > 0 && lambdas[k] < 1))
            st = YM_ERROR(YM_EINVAL, "cluster scan: lambda %g is not in (0, 1)", lambdas[k]);
    if (!st && mask && !same_sites(q, mask)) st = YM_ERROR(YM_EINVAL, "cluster scan: the mask is not on q's lattice");
    st = ym_status_agree(t.comm, st);
    if (st) return st;
    int64_t nun = 0;
    for (int i = 0; i < t.n; ++i) nun += !mask || val(mask, i) == 0;
    MPI_Allreduce(MPI_IN_PLACE, &nun, 1, MPI_INT64_T, MPI_SUM, t.comm);
    for (int k = 0; k < n; ++k) {
        ym_cluster *c = NULL;
        int nc = 0;
        st = ym_cluster_find(q, NULL, mask, YM_CLUSTER_LAMBDA, lambdas[k], NULL, &c, &nc, NULL);
        if (st) return st;
        ym_cluster_scan_row *r = &rows[k];
        memset(r, 0, sizeof *r);
        r->lambda = lambdas[k];
        r->nclusters = nc;
        int64_t occ = 0;
        for (int i = 0; i < nc; ++i) {
            occ += c[i].volume;
            if (c[i].volume > r->largest) { /* ties: the smallest label (the table is sorted) */
                r->largest = c[i].volume;
                r->largest_percolates = c[i].percolates;
            }
        }
        r->packing = nun > 0 ? (double)occ / (double)nun : 0.0;
        free(c);
    }
    return YM_OK;
}

/* Index of each cluster sorted by label, to look labels up. */
static int *label_order(const ym_cluster *c, int n)
{
    int *o = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!o) return NULL;
    for (int i = 0; i < n; ++i) o[i] = i;
    /* insertion into sorted order: tables come sorted, so this is linear then */
    for (int i = 1; i < n; ++i) {
        int v = o[i], k = i;
        while (k > 0 && c[o[k - 1]].label > c[v].label) {
            o[k] = o[k - 1];
            --k;
        }
        o[k] = v;
    }
    return o;
}

static int lookup(const ym_cluster *c, const int *o, int n, int64_t label)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (c[o[mid]].label < label) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && c[o[lo]].label == label ? o[lo] : -1;
}

static int trip_cmp(const void *pa, const void *pb)
{
    const int64_t *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

int ym_cluster_match(ym_field *labels_a, const ym_cluster *a, int na, ym_field *labels_b, const ym_cluster *b,
                     int nb, int *match)
{
    if (!labels_a || !labels_b) return YM_ERROR(YM_EINVAL, "cluster match: no label fields given");
    lat t;
    lat_init(&t, labels_a);
    int st = YM_OK;
    if (na < 0 || nb < 0 || (na > 0 && (!a || !match)) || (nb > 0 && !b))
        st = YM_ERROR(YM_EINVAL, "cluster match: bad arguments");
    else if (!same_sites(labels_a, labels_b))
        st = YM_ERROR(YM_EINVAL, "cluster match: the two label fields are on different lattices");
    int *oa = NULL, *ob = NULL;
    int64_t *pairs = NULL, *all = NULL, np = 0, nall = 0;
    if (!st) {
        oa = label_order(a, na);
        ob = label_order(b, nb);
        pairs = malloc((size_t)(t.n > 0 ? t.n : 1) * 3 * sizeof *pairs);
        if (!oa || !ob || !pairs) st = YM_ERROR(YM_ENOMEM, "cluster match: out of memory");
    }
    st = ym_status_agree(t.comm, st);
    if (st) goto done;
    const int *inb = ym_geom_interior(ym_field_geom(labels_b));
    for (int i = 0; i < t.n; ++i) {
        double la = val(labels_a, i), lb = ym_field_site(labels_b, inb[i])[0];
        if (!(la >= 0) || !(lb >= 0)) continue;
        int ia = lookup(a, oa, na, (int64_t)la), jb = lookup(b, ob, nb, (int64_t)lb);
        if (ia < 0 || jb < 0 || a[ia].sign != b[jb].sign) continue;
        pairs[3 * np] = ia;
        pairs[3 * np + 1] = jb;
        pairs[3 * np + 2] = 1;
        ++np;
    }
    /* Run-length count locally, then gather the (a, b, count) triples. */
    qsort(pairs, (size_t)np, 3 * sizeof *pairs, trip_cmp);
    int64_t m = 0;
    for (int64_t k = 0; k < np; ++k) {
        if (m > 0 && pairs[3 * (m - 1)] == pairs[3 * k] && pairs[3 * (m - 1) + 1] == pairs[3 * k + 1]) {
            ++pairs[3 * (m - 1) + 2];
            continue;
        }
        memmove(pairs + 3 * m, pairs + 3 * k, 3 * sizeof *pairs);
        ++m;
    }
    st = allgather_i64(t.comm, pairs, 3 * m, &all, &nall);
    if (st) goto done;
    nall /= 3;
    qsort(all, (size_t)nall, 3 * sizeof *all, trip_cmp);
    for (int i = 0; i < na; ++i) match[i] = -1;
    int64_t k = 0;
    while (k < nall) {
        int64_t ia = all[3 * k], best = -1, bestc = 0;
        while (k < nall && all[3 * k] == ia) {
            int64_t jb = all[3 * k + 1], c = 0;
            while (k < nall && all[3 * k] == ia && all[3 * k + 1] == jb) c += all[3 * k++ + 2];
            if (c > bestc) { /* ties: the smaller index in b, met first */
                bestc = c;
                best = jb;
            }
        }
        match[ia] = (int)best;
    }
done:
    free(oa);
    free(ob);
    free(pairs);
    free(all);
    return st;
}
