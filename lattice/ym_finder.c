/* Instanton finder (THEORY.md §E.1): candidates, cuts, sizes, matching.
 *
 * Grid independence: every rank finds the strict maxima of its own block
 * (the halo supplies the neighbours across rank faces, edges and corners);
 * the candidates are gathered and sorted by global site index. Each
 * candidate that survives the rho and duality cuts gets a box of sites
 * around its peak: every rank writes the sites it owns into a shared buffer
 * indexed by offset, zero elsewhere, and an MPI_SUM allreduce assembles it.
 * Each site has exactly one nonzero contribution, so the box is bit-identical
 * on every rank and every process grid, and so are the fit and the ball sum
 * that follow (computed by one rank per candidate, then shared the same way).
 */
#include "ym_finder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ym_finder_fit.h"
#include "ym_status.h"
#include "ym_sum.h"

void ym_finder_opts_default(ym_finder_opts *o)
{
    o->use_q = 0;
    o->rho_min = 2.0;
    o->rho_max = 0.0;
    o->duality_tol = 0.3;
    o->ball_min = 0.3;
    o->ball_max = 1.5;
    o->fit = 1;
    o->fit_radius = 1.0;
}

double ym_finder_rho_from_peak(double q_peak) { return pow(6.0 / (M_PI * M_PI * fabs(q_peak)), 0.25); }

/* A candidate as gathered: global index, coordinates, s and q at the peak. */
enum { CAND_LEN = 7 };

static int cmp_cand(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Box of offsets lo[mu] .. lo[mu]+n[mu]-1 around a peak; wrap[mu] when the box
 * spans the whole periodic extent (then offsets are taken as minimal images
 * relative to the fitted centre). */
typedef struct {
    int lo[4], n[4], wrap[4];
    size_t nsites, off; /* sites, and first site in the batch buffer */
    double reach;       /* half-width asked for: no site further from the peak is read */
} fbox;

static void box_make(fbox *b, const int P[4], double half, const int L[4], const int bc[4])
{
    b->nsites = 1;
    b->reach = half;
    for (int mu = 0; mu < 4; ++mu) {
        int W = half >= L[mu] ? L[mu] : (int)ceil(half);
        int lo = -W, hi = W;
        b->wrap[mu] = 0;
        if (bc[mu] == YM_BC_OPEN) {
            if (lo < -P[mu]) lo = -P[mu];
            if (hi > L[mu] - 1 - P[mu]) hi = L[mu] - 1 - P[mu];
        } else if (2 * W + 1 >= L[mu]) {
            lo = -(L[mu] - 1) / 2;
            hi = lo + L[mu] - 1;
            b->wrap[mu] = 1;
        }
        b->lo[mu] = lo;
        b->n[mu] = hi - lo + 1;
        b->nsites *= (size_t)b->n[mu];
    }
}

/* Values per box site: s, q, 1 if the site exists and is unmasked. */
enum { BOX_LEN = 3 };

/* Write the sites of box b owned by this rank into buf (BOX_LEN per site;
 * masked sites as zeros). Only sites within b->reach of the peak (integer
 * offsets, so the test is exact) are written: the fit and the ball never
 * look further (the fit ball has radius <= reach - 2 about the peak, the
 * charge ball rho_peak <= reach - 2 about a centre at most 2 sites away),
 * and a ball fills ~6 % of its cube at rho ~ 5. The rest of the buffer is
 * never read. */
static void box_fill(const fbox *b, const int P[4], const ym_geom *g, const int L[4], const double *s,
                     const double *q, const double *mask, double *buf, int *own[4])
{
    const ym_grid *gr = ym_geom_grid(g);
    const int *org = ym_grid_origin(gr), *loc = ym_grid_local(gr);
    int nown[4];
    for (int mu = 0; mu < 4; ++mu) {
        nown[mu] = 0;
        for (int i = 0; i < b->n[mu]; ++i) {
            int G = P[mu] + b->lo[mu] + i; /* open boxes never leave the lattice */
            G = ((G % L[mu]) + L[mu]) % L[mu];
            int x = G - org[mu];
            if (x >= 0 && x < loc[mu]) {
                own[mu][2 * nown[mu]] = i;
                own[mu][2 * nown[mu] + 1] = x;
                ++nown[mu];
            }
        }
        if (!nown[mu]) return;
    }
    /* squared offset from the peak per owned index, 0 in directions the box
     * wraps (no bound taken from those) */
#define BOX_E2(mu, i) (b->wrap[mu] ? 0.0 : (double)(b->lo[mu] + own[mu][2 * (i)]) * (b->lo[mu] + own[mu][2 * (i)]))
    const double r2 = b->reach * b->reach;
    for (int i3 = 0; i3 < nown[3]; ++i3) {
        const double e3 = BOX_E2(3, i3);
        if (e3 > r2) continue;
        for (int i2 = 0; i2 < nown[2]; ++i2) {
            const double e2 = e3 + BOX_E2(2, i2);
            if (e2 > r2) continue;
            for (int i1 = 0; i1 < nown[1]; ++i1) {
                const double e1 = e2 + BOX_E2(1, i1);
                if (e1 > r2) continue;
                for (int i0 = 0; i0 < nown[0]; ++i0) {
                    if (e1 + BOX_E2(0, i0) > r2) continue;
                    int xl[4] = {own[0][2 * i0 + 1], own[1][2 * i1 + 1], own[2][2 * i2 + 1], own[3][2 * i3 + 1]};
                    size_t k = (size_t)own[0][2 * i0] +
                               (size_t)b->n[0] * ((size_t)own[1][2 * i1] +
                                                  (size_t)b->n[1] * ((size_t)own[2][2 * i2] +
                                                                     (size_t)b->n[2] * (size_t)own[3][2 * i3]));
                    int idx = ym_geom_index(g, xl);
                    double *o = buf + BOX_LEN * k;
                    if (mask && mask[idx] != 0) {
                        o[0] = o[1] = o[2] = 0.0;
                        continue;
                    }
                    o[0] = s[idx];
                    o[1] = q[idx];
                    o[2] = 1.0;
                }
            }
        }
    }
#undef BOX_E2
}

/* Results per sized candidate: centre offset (4), rho_fit, charge_ball, fit ok. */
enum { RES_LEN = 7 };

/* Offsets of the box's sites per direction, minimal images about c in
 * directions the box wraps, into
 * t[mu] (n[mu] values each). */
static void box_axes(const fbox *b, const double c[4], const int L[4], double *t[4])
{
    for (int mu = 0; mu < 4; ++mu)
        for (int i = 0; i < b->n[mu]; ++i) {
            double d = b->lo[mu] + i;
            if (b->wrap[mu]) d -= L[mu] * round((d - c[mu]) / L[mu]);
            t[mu][i] = d;
        }
}

/* The box's sites within distance r of the point c (offsets from the
 * peak), in box order, as f(site index, offsets d) calls. A ball fills
 * ~6 % of its box at rho ~ 5, so rows (x1, x2, x3) are first screened with
 * a bound that is never below the exact test; the sites that remain are
 * tested exactly as before, r2 = sum over mu = 0..3 in that order, so the
 * same sites pass in the same order. */
#define BOX_BALL_SCAN(b, t, c, r, BODY)                                                                      \
    do {                                                                                                     \
        const double r2max_ = (r) * (r), slack_ = r2max_ * (1 + 1e-12) + 1e-12;                              \
        for (int i3 = 0; i3 < (b)->n[3]; ++i3) {                                                             \
            const double e3 = (t[3][i3] - (c)[3]) * (t[3][i3] - (c)[3]);                                     \
            if (e3 > slack_) continue;                                                                       \
            for (int i2 = 0; i2 < (b)->n[2]; ++i2) {                                                         \
                const double e2 = e3 + (t[2][i2] - (c)[2]) * (t[2][i2] - (c)[2]);                            \
                if (e2 > slack_) continue;                                                                   \
                for (int i1 = 0; i1 < (b)->n[1]; ++i1) {                                                     \
                    const double e1 = e2 + (t[1][i1] - (c)[1]) * (t[1][i1] - (c)[1]);                        \
                    if (e1 > slack_) continue;                                                               \
                    const size_t k1 = (size_t)(b)->n[0] *                                                    \
                                      ((size_t)i1 + (size_t)(b)->n[1] * ((size_t)i2 + (size_t)(b)->n[2] * (size_t)i3)); \
                    for (int i0 = 0; i0 < (b)->n[0]; ++i0) {                                                 \
                        const size_t k = k1 + (size_t)i0;                                                    \
                        const double d[4] = {t[0][i0], t[1][i1], t[2][i2], t[3][i3]};                        \
                        double r2 = 0;                                                                       \
                        for (int mu = 0; mu < 4; ++mu) r2 += (d[mu] - (c)[mu]) * (d[mu] - (c)[mu]);           \
                        if (r2 > r2max_) continue;                                                           \
                        BODY                                                                                 \
                    }                                                                                        \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

static void size_candidate(const fbox *b, const double *buf, const int L[4], const ym_finder_opts *o, int sign,
                           double rho_peak, double v_peak, double *res)
{
    double delta[4] = {0, 0, 0, 0}, rho_fit = NAN;
    int fit_ok = 0;
    double *tab = malloc((size_t)(b->n[0] + b->n[1] + b->n[2] + b->n[3]) * sizeof *tab), *t[4];
    if (!tab) { /* reported as a failed fit with no ball charge */
        for (int mu = 0; mu < 4; ++mu) res[mu] = 0;
        res[4] = NAN, res[5] = 0, res[6] = 0;
        return;
    }
    t[0] = tab;
    for (int mu = 1; mu < 4; ++mu) t[mu] = t[mu - 1] + b->n[mu - 1];
    if (o->fit) {
        double R = fmax(2.0, o->fit_radius * rho_peak), zero[4] = {0, 0, 0, 0};
        size_t np = 0;
        double *pts = malloc(b->nsites * 5 * sizeof(double));
        if (pts) {
            double *val = pts + 4 * b->nsites;
            box_axes(b, zero, L, t);
            /* offsets are whole numbers here, so the squares and their sums are exact */
            BOX_BALL_SCAN(b, t, zero, R, {
                const double *x = buf + BOX_LEN * k;
                if (x[2] == 0) continue;
                memcpy(pts + 4 * np, d, sizeof d);
                val[np++] = o->use_q ? sign * x[1] : x[0];
            });
            double out[6];
            if (!ym_finder_fit_bpst(np, pts, val, rho_peak, v_peak, out)) {
                fit_ok = 1;
                for (int mu = 0; mu < 4; ++mu)
                    if (!(fabs(out[mu]) <= 1.0)) fit_ok = 0;
                if (!(out[4] >= o->rho_min)) fit_ok = 0;
                if (fit_ok) {
                    memcpy(delta, out, sizeof delta);
                    rho_fit = out[4];
                } else if (isfinite(out[4])) {
                    rho_fit = out[4];
                }
            }
            free(pts);
        }
    }
    ym_sum ball = YM_SUM_INIT;
    box_axes(b, delta, L, t);
    BOX_BALL_SCAN(b, t, delta, rho_peak, {
        const double *x = buf + BOX_LEN * k;
        if (x[2] == 0) continue;
        ym_sum_add(&ball, x[1]);
    });
    free(tab);
    memcpy(res, delta, sizeof delta);
    res[4] = rho_fit;
    res[5] = ym_sum_value(&ball);
    res[6] = fit_ok;
}

/* Allreduce (SUM) of n doubles in pieces that fit an int count. */
static int allreduce_sum(double *buf, size_t n, MPI_Comm comm)
{
    const size_t chunk = (size_t)1 << 24;
    for (size_t i = 0; i < n; i += chunk) {
        int m = (int)(n - i < chunk ? n - i : chunk);
        if (MPI_Allreduce(MPI_IN_PLACE, buf + i, m, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS) return YM_EMPI;
    }
    return YM_OK;
}

static int check_args(ym_field *s, ym_field *q, ym_field *mask, const ym_finder_opts *o)
{
    const ym_geom *g = ym_field_geom(s);
    if (ym_field_geom(q) != g || ym_field_ncomp(s) != 1 || ym_field_ncomp(q) != 1)
        return YM_ERROR(YM_EINVAL, "finder: s and q must be fields of 1 double per site on the same geometry");
    if (mask && (ym_field_geom(mask) != g || ym_field_ncomp(mask) != 1))
        return YM_ERROR(YM_EINVAL, "finder: the mask must be a field of 1 double per site on the densities' geometry");
    if ((o->use_q != 0 && o->use_q != 1) || (o->fit != 0 && o->fit != 1))
        return YM_ERROR(YM_EINVAL, "finder: use_q and fit must be 0 or 1");
    if (!(o->rho_min >= 0) || !(o->rho_max >= 0) || !(o->duality_tol >= 0) || isnan(o->ball_min) ||
        isnan(o->ball_max) || !(o->ball_min <= o->ball_max))
        return YM_ERROR(YM_EINVAL, "finder: need rho_min >= 0, duality_tol >= 0 and ball_min <= ball_max");
    if (!(o->fit_radius > 0) || !isfinite(o->fit_radius))
        return YM_ERROR(YM_EINVAL, "finder: fit_radius must be positive and finite");
    return YM_OK;
}

/* This rank's strict maxima, CAND_LEN doubles each, into *out (malloc'ed). */
static int local_candidates(ym_field *sf, ym_field *qf, ym_field *mf, int use_q, double **out, int *nout)
{
    const ym_geom *g = ym_field_geom(sf);
    const ym_grid *gr = ym_geom_grid(g);
    const int *L = ym_grid_L(gr), *org = ym_grid_origin(gr), *ext = ym_geom_ext(g);
    const double *s = ym_field_data(sf), *q = ym_field_data(qf), *m = mf ? ym_field_data(mf) : NULL;
    int bc[4];
    for (int mu = 0; mu < 4; ++mu) bc[mu] = ym_geom_bc(g, mu);
    /* The 80 offsets of the 3^4 hypercube and their storage strides. */
    int off[80][4], delta[80], noff = 0;
    for (int c = 0; c < 81; ++c) {
        int d[4] = {c % 3 - 1, c / 3 % 3 - 1, c / 9 % 3 - 1, c / 27 - 1}, skip = !d[0] && !d[1] && !d[2] && !d[3];
        for (int mu = 0; mu < 4; ++mu)
            if (d[mu] && L[mu] == 1) skip = 1; /* the site itself, not a neighbour */
        if (skip) continue;
        memcpy(off[noff], d, sizeof d);
        delta[noff] = d[0] + ext[0] * (d[1] + ext[1] * (d[2] + ext[2] * d[3]));
        ++noff;
    }
    int n = ym_geom_ninterior(g), cap = 16, nc = 0;
    const int *in = ym_geom_interior(g);
    double *c = malloc((size_t)cap * CAND_LEN * sizeof(double));
    if (!c) return YM_ERROR(YM_ENOMEM, "finder: out of memory");
    for (int i = 0; i < n; ++i) {
        int idx = in[i];
        if (m && m[idx] != 0) continue;
        double v = use_q ? fabs(q[idx]) : s[idx];
        if (!(v > 0)) continue;
        int x[4], G[4], is_max = 1;
        ym_geom_local_coords(g, idx, x);
        for (int mu = 0; mu < 4; ++mu) G[mu] = org[mu] + x[mu];
        for (int k = 0; k < noff && is_max; ++k) {
            int outside = 0;
            for (int mu = 0; mu < 4; ++mu) {
                int y = G[mu] + off[k][mu];
                if (bc[mu] == YM_BC_OPEN && (y < 0 || y >= L[mu])) outside = 1;
            }
            if (outside) continue;
            int j = idx + delta[k];
            if (m && m[j] != 0) continue;
            double w = use_q ? fabs(q[j]) : s[j];
            if (v == w) {
                /* a plateau (an object centred between sites of a symmetric
                 * lattice gives 2^4 equal peaks) keeps the site of smallest
                 * global index: one candidate per plateau, on any grid */
                int64_t gi = 0, gn = 0;
                for (int mu = 3; mu >= 0; --mu) {
                    int y = ((G[mu] + off[k][mu]) % L[mu] + L[mu]) % L[mu];
                    gi = gi * L[mu] + G[mu];
                    gn = gn * L[mu] + y;
                }
                if (gn != gi && gn < gi) is_max = 0;
            } else if (!(v > w))
                is_max = 0;
        }
        if (!is_max) continue;
        if (nc == cap) {
            double *t = realloc(c, (size_t)(cap *= 2) * CAND_LEN * sizeof(double));
            if (!t) {
                free(c);
                return YM_ERROR(YM_ENOMEM, "finder: out of memory");
            }
            c = t;
        }
        double *r = c + (size_t)nc++ * CAND_LEN;
        r[0] = (double)ym_geom_global_index(g, idx);
        for (int mu = 0; mu < 4; ++mu) r[1 + mu] = G[mu];
        r[5] = s[idx];
        r[6] = q[idx];
    }
    *out = c;
    *nout = nc;
    return YM_OK;
}

/* All ranks' candidates, sorted by global index, on every rank. */
static int gather_candidates(MPI_Comm comm, const double *mine, int nmine, double **all, int *nall)
{
    int size, st = YM_OK;
    MPI_Comm_size(comm, &size);
    int *cnt = malloc(2 * (size_t)size * sizeof(int));
    int ok = cnt != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free(cnt);
        return YM_ERROR(YM_ENOMEM, "finder: out of memory");
    }
    int *dis = cnt + size, mycnt = nmine * CAND_LEN;
    if (MPI_Allgather(&mycnt, 1, MPI_INT, cnt, 1, MPI_INT, comm) != MPI_SUCCESS) st = YM_EMPI;
    long total = 0;
    for (int r = 0; r < size && !st; ++r) {
        dis[r] = (int)total;
        total += cnt[r];
    }
    if (!st && total > 2147483647L) st = YM_ERROR(YM_EINVAL, "finder: too many candidates (%ld)", total / CAND_LEN);
    double *a = st ? NULL : malloc((size_t)(total ? total : 1) * sizeof(double));
    ok = st || a != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!st && !ok) st = YM_ERROR(YM_ENOMEM, "finder: out of memory");
    if (!st && MPI_Allgatherv(mine, mycnt, MPI_DOUBLE, a, cnt, dis, MPI_DOUBLE, comm) != MPI_SUCCESS) st = YM_EMPI;
    free(cnt);
    if (st) {
        free(a);
        return st;
    }
    qsort(a, (size_t)(total / CAND_LEN), CAND_LEN * sizeof(double), cmp_cand);
    *all = a;
    *nall = (int)(total / CAND_LEN);
    return YM_OK;
}

/* Boxes are assembled in batches of at most this many sites (unless one box
 * alone is larger), bounding the buffer at ~24 MB. */
#define BATCH_SITES ((size_t)1 << 20)

static int size_all(ym_field *sf, ym_field *qf, ym_field *mf, const ym_finder_opts *o, const double *cand,
                    ym_finder_obj *obj, int n, double *res)
{
    const ym_geom *g = ym_field_geom(sf);
    const ym_grid *gr = ym_geom_grid(g);
    MPI_Comm comm = ym_grid_comm(gr);
    const int *L = ym_grid_L(gr);
    int bc[4], rank = ym_grid_rank(gr), size = ym_grid_size(gr);
    for (int mu = 0; mu < 4; ++mu) bc[mu] = ym_geom_bc(g, mu);
    fbox *box = calloc((size_t)(n ? n : 1), sizeof *box);
    int *own[4] = {0};
    int ok = box != NULL;
    for (int mu = 0; mu < 4; ++mu) ok = ok && (own[mu] = malloc(2 * (size_t)L[mu] * sizeof(int))) != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    int st = ok ? YM_OK : YM_ERROR(YM_ENOMEM, "finder: out of memory");
    size_t maxbatch = 0;
    for (int c = 0; c < n && !st; ++c) {
        if (obj[c].reason) continue;
        double R = fmax(obj[c].rho_peak, o->fit ? fmax(2.0, o->fit_radius * obj[c].rho_peak) : 0.0);
        /* +2: the fitted centre may move up to one site in each direction */
        box_make(&box[c], obj[c].x, R + 2.0, L, bc); /* box_make caps each side at L */
        if (box[c].nsites > maxbatch) maxbatch = box[c].nsites;
    }
    if (maxbatch < BATCH_SITES) maxbatch = BATCH_SITES;
    double *buf = NULL;
    if (!st) {
        buf = malloc(maxbatch * BOX_LEN * sizeof(double));
        ok = buf != NULL;
        MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
        if (!ok) st = YM_ERROR(YM_ENOMEM, "finder: out of memory for the candidate boxes");
    }
    const double *s = ym_field_data(sf), *q = ym_field_data(qf), *m = mf ? ym_field_data(mf) : NULL;
    int first = 0;
    while (!st && first < n) {
        /* one batch: candidates first .. last-1 */
        size_t used = 0;
        int last = first;
        for (; last < n; ++last) {
            if (obj[last].reason) continue;
            if (used && used + box[last].nsites > maxbatch) break;
            box[last].off = used;
            used += box[last].nsites;
        }
        if (used) {
            /* on one rank box_fill writes every site that is read (the others
             * are never read); on more, the sum needs zeros where a rank owns nothing */
            if (size > 1) memset(buf, 0, used * BOX_LEN * sizeof(double));
            for (int c = first; c < last; ++c)
                if (!obj[c].reason) box_fill(&box[c], obj[c].x, g, L, s, q, m, buf + BOX_LEN * box[c].off, own);
            /* on one rank there is nothing to add (and unwritten sites are never read) */
            st = size > 1 ? allreduce_sum(buf, used * BOX_LEN, comm) : YM_OK;
            if (st) st = YM_ERROR(st, "finder: MPI_Allreduce failed");
            for (int c = first; c < last && !st; ++c) {
                if (obj[c].reason || c % size != rank) continue;
                double vpk = o->use_q ? fabs(cand[CAND_LEN * c + 6]) : cand[CAND_LEN * c + 5];
                size_candidate(&box[c], buf + BOX_LEN * box[c].off, L, o, obj[c].sign, obj[c].rho_peak, vpk,
                               res + RES_LEN * c);
            }
        }
        first = last;
    }
    if (!st) st = allreduce_sum(res, (size_t)n * RES_LEN, comm);
    free(buf);
    for (int mu = 0; mu < 4; ++mu) free(own[mu]);
    free(box);
    return st;
}

int ym_finder_run(ym_field *s, ym_field *q, ym_field *mask, const ym_finder_opts *o, ym_finder_obj **objs,
                  int *n, ym_finder_counts *counts)
{
    *objs = NULL;
    *n = 0;
    if (counts) memset(counts, 0, sizeof *counts);
    if (!s || !q || !o) return YM_ERROR(YM_EINVAL, "finder: s, q and the options are required");
    const ym_geom *g = ym_field_geom(s);
    const ym_grid *gr = ym_geom_grid(g);
    MPI_Comm comm = ym_grid_comm(gr);
    const int *L = ym_grid_L(gr);
    int st = ym_status_agree(comm, check_args(s, q, mask, o));
    if (st) return st;
    double rho_max = o->rho_max;
    if (rho_max == 0)
        for (int mu = 0; mu < 4; ++mu) rho_max = fmax(rho_max, 0.5 * L[mu]);
    st = ym_field_halo_update(s);
    if (!st) st = ym_field_halo_update(q);
    if (!st && mask) st = ym_field_halo_update(mask);
    st = ym_status_agree(comm, st);
    if (st) return st;

    double *mine = NULL, *cand = NULL;
    int nmine = 0, nc = 0;
    st = ym_status_agree(comm, local_candidates(s, q, mask, o->use_q, &mine, &nmine));
    if (!st) st = gather_candidates(comm, mine, nmine, &cand, &nc);
    free(mine);
    if (st) return ym_status_agree(comm, st);

    ym_finder_obj *ob = calloc((size_t)(nc ? nc : 1), sizeof *ob);
    double *res = calloc((size_t)(nc ? nc : 1) * RES_LEN, sizeof(double));
    int ok = ob && res;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free(ob);
        free(res);
        free(cand);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "finder: out of memory"));
    }
    for (int c = 0; c < nc; ++c) {
        const double *r = cand + CAND_LEN * c;
        ym_finder_obj *b = &ob[c];
        b->site = (int64_t)r[0];
        for (int mu = 0; mu < 4; ++mu) {
            b->x[mu] = (int)r[1 + mu];
            b->center[mu] = b->x[mu];
        }
        b->s_peak = r[5];
        b->q_peak = r[6];
        b->sign = b->q_peak < 0 ? -1 : 1;
        b->duality = b->s_peak / (8 * M_PI * M_PI * fabs(b->q_peak));
        b->rho_peak = ym_finder_rho_from_peak(b->q_peak);
        b->rho_fit = NAN;
        b->charge_ball = NAN;
        if (!(b->rho_peak >= o->rho_min && b->rho_peak <= rho_max)) b->reason = YM_FINDER_CUT_RHO;
        else if (!(fabs(b->duality - 1) <= o->duality_tol)) b->reason = YM_FINDER_CUT_DUALITY;
    }
    st = size_all(s, q, mask, o, cand, ob, nc, res);
    free(cand);
    st = ym_status_agree(comm, st);
    if (st) {
        free(ob);
        free(res);
        return st;
    }
    for (int c = 0; c < nc; ++c) {
        ym_finder_obj *b = &ob[c];
        if (!b->reason) {
            const double *r = res + RES_LEN * c;
            for (int mu = 0; mu < 4; ++mu) {
                double x = b->x[mu] + r[mu];
                if (ym_geom_bc(g, mu) == YM_BC_PERIODIC) {
                    x = fmod(x, (double)L[mu]);
                    if (x < 0) x += L[mu];
                    if (x >= L[mu]) x -= L[mu];
                }
                b->center[mu] = x;
            }
            b->rho_fit = r[4];
            b->charge_ball = r[5];
            double sb = b->sign * b->charge_ball;
            if (!(sb >= o->ball_min && sb <= o->ball_max)) b->reason = YM_FINDER_CUT_BALL;
            else if (o->fit && r[6] == 0) b->reason = YM_FINDER_CUT_FIT;
        }
        b->accepted = b->reason == YM_FINDER_OK;
        if (counts) {
            ++counts->candidates;
            if (b->accepted) ++counts->accepted;
            else ++counts->rejected[b->reason];
        }
    }
    free(res);
    *objs = ob;
    *n = nc;
    return YM_OK;
}

/* Distance with each direction taken as periodic of extent L[mu] (L <= 0:
 * not periodic). */
static double match_dist(const double *a, const double *b, const int L[4])
{
    double s = 0;
    for (int mu = 0; mu < 4; ++mu) {
        double d = fabs(a[mu] - b[mu]);
        if (L[mu] > 0) {
            d = fmod(d, (double)L[mu]);
            if (d > 0.5 * L[mu]) d = L[mu] - d;
        }
        s += d * d;
    }
    return sqrt(s);
}

typedef struct {
    double d;
    int i, j;
} match_pair;

static int cmp_pair(const void *x, const void *y)
{
    const match_pair *a = x, *b = y;
    if (a->d != b->d) return a->d < b->d ? -1 : 1;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return (a->j > b->j) - (a->j < b->j);
}

void ym_finder_match(const ym_finder_obj *a, int na, const ym_finder_obj *b, int nb, const int L[4],
                     double maxdist, int *match)
{
    for (int i = 0; i < na; ++i) match[i] = -1;
    if (na <= 0 || nb <= 0) return;
    size_t np = 0, cap = 64;
    match_pair *p = malloc(cap * sizeof *p);
    char *used = calloc((size_t)nb, 1);
    int ok = p && used;
    for (int i = 0; i < na && ok; ++i)
        for (int j = 0; j < nb && ok; ++j) {
            if (a[i].sign != b[j].sign) continue;
            double d = match_dist(a[i].center, b[j].center, L);
            if (!(d <= maxdist)) continue;
            if (np == cap) {
                match_pair *t = realloc(p, (cap *= 2) * sizeof *p);
                if (!t) {
                    ok = 0;
                    break;
                }
                p = t;
            }
            p[np++] = (match_pair){d, i, j};
        }
    if (ok) {
        qsort(p, np, sizeof *p, cmp_pair);
        for (size_t k = 0; k < np; ++k)
            if (match[p[k].i] < 0 && !used[p[k].j]) {
                match[p[k].i] = p[k].j;
                used[p[k].j] = 1;
            }
    } else {
        /* Out of memory: the same greedy order without storing pairs. */
        for (;;) {
            double best = INFINITY;
            int bi = -1, bj = -1;
            for (int i = 0; i < na; ++i) {
                if (match[i] >= 0) continue;
                for (int j = 0; j < nb; ++j) {
                    int taken = 0;
                    for (int k = 0; k < na && !taken; ++k) taken = match[k] == j;
                    if (taken || a[i].sign != b[j].sign) continue;
                    double d = match_dist(a[i].center, b[j].center, L);
                    if (d <= maxdist && d < best) {
                        best = d;
                        bi = i;
                        bj = j;
                    }
                }
            }
            if (bi < 0) break;
            match[bi] = bj;
        }
    }
    free(p);
    free(used);
}
