/* Plaquettes, clover field strength and the densities built from it. */
#include "ym_curv.h"
#include "ym_hot.h"
#include "ym_status.h"
#include "ym_su_inline.h"
#include "ym_sum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const int ym_plane_mu[6] = {0, 0, 0, 1, 1, 2};
const int ym_plane_nu[6] = {1, 2, 3, 2, 3, 3};

#define NN(N) ((N) * (N))

static MPI_Comm comm_of(const ym_gauge *u) { return ym_grid_comm(ym_geom_grid(ym_gauge_geom(u))); }

/* Re tr(a b^dagger) = sum_ij Re(a_ij conj(b_ij)). */
static inline double retr_nd(int N, const ym_cplx *a, const ym_cplx *b)
{
    double s = 0;
    const double *x = (const double *)a, *y = (const double *)b;
    for (int k = 0; k < 2 * NN(N); ++k) s += x[k] * y[k];
    return s;
}

/* Re tr P_mu,nu(x), P = U_mu(x) U_nu(x+mu) (U_nu(x) U_mu(x+nu))^dagger. */
static inline double plaq_retr(int N, double *d, const ym_geom *g, int x, int mu, int nu)
{
    ym_cplx a[YM_NMAX * YM_NMAX], b[YM_NMAX * YM_NMAX];
    int xm = ym_geom_up(g, mu)[x], xn = ym_geom_up(g, nu)[x];
    ym_su_mul_nn(N, a, ym_gauge_link_at(d, N, x, mu), ym_gauge_link_at(d, N, xm, nu));
    ym_su_mul_nn(N, b, ym_gauge_link_at(d, N, x, nu), ym_gauge_link_at(d, N, xn, mu));
    return retr_nd(N, a, b);
}

/* Averages from the sums acc = (spatial, temporal, their counts). Collective. */
static int plaq_finish(ym_gauge *u, const ym_sum acc[4], ym_plaquette *p)
{
    int N = ym_gauge_N(u);
    double r[4];
    int st = ym_sum_allreduce_n(acc, 4, comm_of(u), r);
    if (st) return st;
    p->count = r[2] + r[3];
    p->spatial = r[2] > 0 ? r[0] / (N * r[2]) : 0;
    p->temporal = r[3] > 0 ? r[1] / (N * r[3]) : 0;
    p->total = p->count > 0 ? (r[0] + r[1]) / (N * p->count) : 0;
    return YM_OK;
}

int ym_gauge_plaquette(ym_gauge *u, ym_plaquette *p)
{
    int st = ym_gauge_halo_update(u);
    if (st) return st;
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    double *d = ym_field_data(ym_gauge_field(u));
    ym_sum acc[4] = {YM_SUM_INIT, YM_SUM_INIT, YM_SUM_INIT, YM_SUM_INIT}; /* spatial, temporal, counts */
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int x = in[i];
        unsigned f = ym_geom_flags(g, x);
        for (int pl = 0; pl < 6; ++pl) {
            int mu = ym_plane_mu[pl], nu = ym_plane_nu[pl];
            if (!ym_geom_plaq_ok(f, mu, nu)) continue;
            int t = nu == 3;
            ym_sum_add(&acc[t], plaq_retr(N, d, g, x, mu, nu));
            ym_sum_add(&acc[2 + t], 1.0);
        }
    }
    return plaq_finish(u, acc, p);
}

int ym_curv_energy_plaq(ym_gauge *u, ym_field *E)
{
    const ym_geom *g = ym_gauge_geom(u);
    if (ym_field_geom(E) != g || ym_field_ncomp(E) != 1)
        return ym_status_agree(comm_of(u), YM_ERROR(YM_EINVAL, "energy density: field has the wrong shape"));
    int st = ym_gauge_halo_update(u);
    if (st) return st;
    int N = ym_gauge_N(u);
    double *d = ym_field_data(ym_gauge_field(u));
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int x = in[i];
        unsigned f = ym_geom_flags(g, x);
        double e = 0;
        for (int pl = 0; pl < 6; ++pl) {
            int mu = ym_plane_mu[pl], nu = ym_plane_nu[pl];
            if (ym_geom_plaq_ok(f, mu, nu)) e += 2.0 * (N - plaq_retr(N, d, g, x, mu, nu));
        }
        *ym_field_site(E, x) = e;
    }
    return YM_OK;
}

int ym_gauge_wilson_action(ym_gauge *u, double *s)
{
    ym_field *E;
    int st = ym_field_create(&E, ym_gauge_geom(u), 1);
    if (st) return st;
    st = ym_curv_energy_plaq(u, E);
    if (!st) st = ym_field_sum(E, 0, s);
    ym_field_free(E);
    return st;
}

/* The clover pass. Each leaf of the (mu,nu) clover at x is a product of
 * two half-loops A(y) = U_mu(y) U_nu(y+mu) and B(y) = U_nu(y) U_mu(y+nu)
 * (y = x, x-mu, x-nu, x-mu-nu) and at most two links:
 *   leaf 1 = A(x) B(x)^+,
 *   leaf 2 = U_nu(x) B(x-mu)^+ U_mu(x-mu),
 *   leaf 3 = B(x-mu-nu)^+ A(x-mu-nu),
 *   leaf 4 = U_nu(x-nu)^+ A(x-nu) U_mu(x)^+,
 * so with A and B made once per site and plane a plane costs 8 products
 * instead of 12, and Re tr(A(x) B(x)^+) is the plaquette. The half-loops are
 * kept for two time slices only (the t - 1 slice for the planes with nu = t),
 * which bounds the scratch memory by two slices of the stored block. */
typedef struct {
    int N, nn, depth, S; /* S: stored sites per time slice */
    const int *ext, *l;
    const ym_geom *g;
    const unsigned char *flags; /* ym_geom_flag_table */
    double *d;
    const int *up[4], *dn[4];
    ym_cplx *hb;       /* 2 slots x S sites x 6 planes x {A, B} */
    ym_field *F;       /* clover field to fill, or NULL */
    ym_field *E, *q;   /* densities to fill, or NULL */
    ym_sum *pacc;      /* plaquette sums (spatial, temporal, counts), or NULL */
} clov_ctx;

static inline ym_cplx *hl_at(const clov_ctx *c, int y, int t, int pl, int b)
{
    size_t off = (size_t)(y - (t + c->depth) * c->S);
    return c->hb + ((((size_t)((t + 2) & 1) * (size_t)c->S + off) * 6 + (size_t)pl) * 2 + (size_t)b) * (size_t)c->nn;
}

/* N = 2: a link and a half-loop slot read as quaternions (ymi_q) */
#define CQ(s, m) ymi_q_ld((const double *)ym_gauge_link_at(c->d, 2, (s), (m)))
#define HQ(s, tt, b) ymi_q_ld((const double *)hl_at(c, (s), (tt), pl, (b)))

/* E_clov and q of one site from its six planes fx, as ym_curv_densities. */
YMI_INLINE void dens_n(int n, const ym_cplx *fx, double *e, double *qq)
{
    int nn = n * n;
    if (e) {
        double s = 0;
        for (int pl = 0; pl < 6; ++pl) s -= ymi_retr_nn(n, fx + pl * nn, fx + pl * nn);
        *e = s;
    }
    if (qq) {
        double t = ymi_retr_nn(n, fx, fx + 5 * nn) - ymi_retr_nn(n, fx + nn, fx + 4 * nn) +
                   ymi_retr_nn(n, fx + 2 * nn, fx + 3 * nn);
        *qq = -t / (4.0 * M_PI * M_PI);
    }
}

/* Half-loops of row x2 of slice t (local t = -1 .. l[3]-1) at the sites some
 * interior clover uses: coordinates -1 .. l-1, a -1 only in directions of
 * the plane, so a plane's half-loops cover its interior plus one layer. */
YMI_INLINE void clov_half(int n, const clov_ctx *c, int t, int x2)
{
    const int d = c->depth;
    for (int x1 = -1; x1 < c->l[1]; ++x1) {
        int y0 = (((t + d) * c->ext[2] + x2 + d) * c->ext[1] + x1 + d) * c->ext[0] + d - 1;
        for (int x0 = -1; x0 < c->l[0]; ++x0) {
            int y = y0 + x0 + 1;
            unsigned neg = (x0 < 0) | (x1 < 0) << 1 | (x2 < 0) << 2 | (t < 0) << 3;
            for (int pl = 0; pl < 6; ++pl) {
                int mu = ym_plane_mu[pl], nu = ym_plane_nu[pl];
                if (neg & ~((1u << mu) | (1u << nu))) continue;
                if (n == 2) { /* quaternions, in the first 4 reals of the slot */
                    ymi_q_st((double *)hl_at(c, y, t, pl, 0), ymi_q_mul(CQ(y, mu), CQ(c->up[mu][y], nu)));
                    ymi_q_st((double *)hl_at(c, y, t, pl, 1), ymi_q_mul(CQ(y, nu), CQ(c->up[nu][y], mu)));
                    continue;
                }
                ymi_mul(n, hl_at(c, y, t, pl, 0), ym_gauge_link_at(c->d, n, y, mu),
                        ym_gauge_link_at(c->d, n, c->up[mu][y], nu), 0, 0);
                ymi_mul(n, hl_at(c, y, t, pl, 1), ym_gauge_link_at(c->d, n, y, nu),
                        ym_gauge_link_at(c->d, n, c->up[nu][y], mu), 0, 0);
            }
        }
    }
}

/* Clover planes (P(Q)/4), densities and plaquettes of the interior sites
 * of row x2 of slice t, from the half-loops of rows x2, x2-1 of slice t and
 * of slice t-1. */
YMI_INLINE void clov_sites(int n, const clov_ctx *c, int t, int x2)
{
    const int d = c->depth, nn = n * n;
    ym_cplx fl[6 * YM_NMAX * YM_NMAX], q[YM_NMAX * YM_NMAX], a[YM_NMAX * YM_NMAX], b[YM_NMAX * YM_NMAX];
    for (int x1 = 0; x1 < c->l[1]; ++x1) {
        int x00 = (((t + d) * c->ext[2] + x2 + d) * c->ext[1] + x1 + d) * c->ext[0] + d;
        for (int x0 = 0; x0 < c->l[0]; ++x0) {
            int x = x00 + x0;
            unsigned f = c->flags[x];
            ym_cplx *fx = c->F ? (ym_cplx *)ym_field_site(c->F, x) : fl;
            for (int pl = 0; pl < 6; ++pl) {
                int mu = ym_plane_mu[pl], nu = ym_plane_nu[pl], tn = t - (nu == 3);
                ym_cplx *fp = fx + pl * nn;
                const ym_cplx *Ax = hl_at(c, x, t, pl, 0), *Bx = hl_at(c, x, t, pl, 1);
                if (c->pacc && ym_geom_plaq_ok(f, mu, nu)) {
                    double rt;
                    if (n == 2) { /* Re tr(A B^+) of two quaternions: twice their dot product */
                        const ymi_q p = HQ(x, t, 0) * HQ(x, t, 1);
                        rt = 2.0 * ((p[0] + p[1]) + (p[2] + p[3]));
                    } else {
                        rt = ymi_retr_nd(n, Ax, Bx);
                    }
                    ym_sum_add(&c->pacc[nu == 3], rt);
                    ym_sum_add(&c->pacc[2 + (nu == 3)], 1.0);
                }
                if (!ym_geom_clover_ok(f, mu, nu)) {
                    for (int k = 0; k < nn; ++k) fp[k] = 0;
                    continue;
                }
                int xm = c->dn[mu][x], xn = c->dn[nu][x], xmn = c->dn[nu][xm];
                if (n == 2) {
                    /* the same four leaves in quaternions */
                    const ymi_q A = HQ(x, t, 0), B = HQ(x, t, 1);
                    ymi_q Q = ymi_q_mul(A, ymi_q_dag(B));
                    Q = Q + ymi_q_mul(ymi_q_mul(CQ(x, nu), ymi_q_dag(HQ(xm, t, 1))), CQ(xm, mu));
                    Q = Q + ymi_q_mul(ymi_q_dag(HQ(xmn, tn, 1)), HQ(xmn, tn, 0));
                    Q = Q + ymi_q_mul(ymi_q_mul(ymi_q_dag(CQ(xn, nu)), HQ(xn, tn, 0)), ymi_q_dag(CQ(x, mu)));
                    ymi_q_ah_scaled((double *)fp, Q, 0.25); /* P(Q)/4 */
                    continue;
                }
                /* leaf 1 */
                ymi_mul(n, q, Ax, Bx, 0, 1);
                /* leaf 2 */
                ymi_mul(n, a, ym_gauge_link_at(c->d, n, x, nu), hl_at(c, xm, t, pl, 1), 0, 1);
                ymi_mul(n, b, a, ym_gauge_link_at(c->d, n, xm, mu), 0, 0);
                ymi_add(n, q, b);
                /* leaf 3 */
                ymi_mul(n, b, hl_at(c, xmn, tn, pl, 1), hl_at(c, xmn, tn, pl, 0), 1, 0);
                ymi_add(n, q, b);
                /* leaf 4 */
                ymi_mul(n, a, ym_gauge_link_at(c->d, n, xn, nu), hl_at(c, xn, tn, pl, 0), 1, 0);
                ymi_mul(n, b, a, ym_gauge_link_at(c->d, n, x, mu), 0, 1);
                ymi_add(n, q, b);
                /* (1/8)(Q - Q^+) made traceless = P(Q)/4 */
                ymi_proj_scaled(n, fp, q, 0.25);
            }
            if (c->E || c->q)
                dens_n(n, fx, c->E ? ym_field_site(c->E, x) : NULL, c->q ? ym_field_site(c->q, x) : NULL);
        }
    }
}

YMI_INLINE void clov_all(int n, const clov_ctx *c)
{
    /* row by row, so that a row's half-loops are still in cache when its
     * sites read them */
    for (int t = -1; t < c->l[3]; ++t)
        for (int x2 = -1; x2 < c->l[2]; ++x2) {
            clov_half(n, c, t, x2);
            if (t >= 0 && x2 >= 0) clov_sites(n, c, t, x2);
        }
}

static YM_HOT void clov_all2(const clov_ctx *c) { clov_all(2, c); }
static YM_HOT void clov_all3(const clov_ctx *c) { clov_all(3, c); }
static YMI_NOINLINE void clov_any(const clov_ctx *c) { clov_all(c->N, c); }

/* The pass over the interior filling whichever of F, E, q and the
 * plaquette sums pacc[4] is not NULL. Collective (halo update, status). */
static int clover_pass(ym_gauge *u, ym_field *F, ym_field *E, ym_field *q, ym_sum *pacc)
{
    const ym_geom *g = ym_gauge_geom(u);
    clov_ctx c = {.N = ym_gauge_N(u), .depth = ym_geom_depth(g), .ext = ym_geom_ext(g),
                  .l = ym_grid_local(ym_geom_grid(g)), .g = g, .flags = ym_geom_flag_table(g),
                  .F = F, .E = E, .q = q, .pacc = pacc};
    c.nn = NN(c.N);
    c.S = c.ext[0] * c.ext[1] * c.ext[2];
    c.hb = malloc(sizeof(ym_cplx) * 2 * (size_t)c.S * 12 * (size_t)c.nn);
    int st = ym_status_agree(comm_of(u), c.hb ? YM_OK : YM_ERROR(YM_ENOMEM, "clover: out of memory"));
    if (!st) st = ym_gauge_halo_update(u);
    if (st) {
        free(c.hb);
        return st;
    }
    c.d = ym_field_data(ym_gauge_field(u));
    for (int m = 0; m < 4; ++m) {
        c.up[m] = ym_geom_up(g, m);
        c.dn[m] = ym_geom_dn(g, m);
    }
    switch (c.N) {
    case 2: clov_all2(&c); break;
    case 3: clov_all3(&c); break;
    default: clov_any(&c); break;
    }
    free(c.hb);
    return YM_OK;
}

int ym_curv_clover(ym_gauge *u, ym_field *F)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    if (ym_field_geom(F) != g || ym_field_ncomp(F) != 6 * 2 * (size_t)NN(N))
        return ym_status_agree(comm_of(u), YM_ERROR(YM_EINVAL, "clover: field has the wrong shape"));
    return clover_pass(u, F, NULL, NULL, NULL);
}

/* E_clov and q of one site from its six clover planes fx (P(Q)/4 each). */
static void site_densities(int N, const ym_cplx *fx, double *e, double *qq)
{
#define FP(p) (fx + (p) * NN(N))
    if (e) {
        double s = 0;
        for (int pl = 0; pl < 6; ++pl) s -= ym_su_retr_nn(N, FP(pl), FP(pl));
        *e = s;
    }
    if (qq) {
        double t = ym_su_retr_nn(N, FP(0), FP(5)) - ym_su_retr_nn(N, FP(1), FP(4)) + ym_su_retr_nn(N, FP(2), FP(3));
        *qq = -t / (4.0 * M_PI * M_PI);
    }
#undef FP
}

int ym_curv_densities(const ym_gauge *u, ym_field *F, ym_field *E, ym_field *q)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int x = in[i];
        site_densities(N, (const ym_cplx *)ym_field_site(F, x), E ? ym_field_site(E, x) : NULL,
                       q ? ym_field_site(q, x) : NULL);
    }
    return YM_OK;
}

static int dens_shape_ok(const ym_gauge *u, ym_field *E, ym_field *q)
{
    const ym_geom *g = ym_gauge_geom(u);
    return !((E && (ym_field_geom(E) != g || ym_field_ncomp(E) != 1)) ||
             (q && (ym_field_geom(q) != g || ym_field_ncomp(q) != 1)));
}

int ym_curv_clover_densities(ym_gauge *u, ym_field *E, ym_field *q)
{
    if (!dens_shape_ok(u, E, q))
        return ym_status_agree(comm_of(u), YM_ERROR(YM_EINVAL, "clover densities: field has the wrong shape"));
    return clover_pass(u, NULL, E, q, NULL);
}

int ym_curv_clover_plaquette(ym_gauge *u, ym_field *E, ym_field *q, ym_plaquette *p)
{
    if (!dens_shape_ok(u, E, q))
        return ym_status_agree(comm_of(u), YM_ERROR(YM_EINVAL, "clover densities: field has the wrong shape"));
    ym_sum acc[4] = {YM_SUM_INIT, YM_SUM_INIT, YM_SUM_INIT, YM_SUM_INIT};
    int st = clover_pass(u, NULL, E, q, p ? acc : NULL);
    if (st || !p) return st;
    return plaq_finish(u, acc, p);
}

int ym_curv_clover_totals(ym_gauge *u, double *E_total, double *Q)
{
    const ym_geom *g = ym_gauge_geom(u);
    ym_field *E = NULL, *q = NULL;
    int st = ym_field_create(&E, g, 1);
    if (!st) st = ym_field_create(&q, g, 1);
    if (!st) st = ym_curv_clover_densities(u, E, q);
    if (!st && E_total) st = ym_field_sum(E, 0, E_total);
    if (!st && Q) st = ym_field_sum(q, 0, Q);
    ym_field_free(E);
    ym_field_free(q);
    return st;
}

int ym_gauge_polyakov(ym_gauge *u, ym_cplx *p)
{
    const ym_geom *g = ym_gauge_geom(u);
    const ym_grid *grid = ym_geom_grid(g);
    MPI_Comm comm = comm_of(u);
    if (ym_geom_bc(g, 3) != YM_BC_PERIODIC)
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "Polyakov loop: needs a periodic time direction"));
    int N = ym_gauge_N(u), nn = NN(N);
    const int *l = ym_grid_local(grid), *coords = ym_grid_coords(grid), *dims = ym_grid_dims(grid);
    int ns = l[0] * l[1] * l[2], nt = dims[3];
    ym_cplx *loc = malloc(sizeof(ym_cplx) * (size_t)ns * nn);
    ym_cplx *all = malloc(sizeof(ym_cplx) * (size_t)ns * nn * nt);
    int ok = loc && all;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free(loc);
        free(all);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory for the Polyakov loop"));
    }
    double *d = ym_field_data(ym_gauge_field(u));
    ym_cplx tmp[YM_NMAX * YM_NMAX];
    int x[4];
    for (int s = 0; s < ns; ++s) {
        x[0] = s % l[0];
        x[1] = (s / l[0]) % l[1];
        x[2] = s / (l[0] * l[1]);
        ym_cplx *m = loc + (size_t)s * nn;
        ym_su_unit(N, m);
        for (x[3] = 0; x[3] < l[3]; ++x[3]) {
            ym_su_mul_nn(N, tmp, m, ym_gauge_link_at(d, N, ym_geom_index(g, x), 3));
            ym_su_copy(N, m, tmp);
        }
    }
    /* The column of ranks sharing our spatial block, ordered by t. */
    MPI_Comm col;
    int colour = (coords[2] * dims[1] + coords[1]) * dims[0] + coords[0];
    MPI_Comm_split(comm, colour, coords[3], &col);
    MPI_Allgather(loc, 2 * ns * nn, MPI_DOUBLE, all, 2 * ns * nn, MPI_DOUBLE, col);
    MPI_Comm_free(&col);
    ym_sum acc[2] = {YM_SUM_INIT, YM_SUM_INIT};
    if (coords[3] == 0) {
        for (int s = 0; s < ns; ++s) {
            ym_cplx *m = loc + (size_t)s * nn;
            ym_su_copy(N, m, all + (size_t)s * nn);
            for (int r = 1; r < nt; ++r) {
                ym_su_mul_nn(N, tmp, m, all + ((size_t)r * ns + s) * nn);
                ym_su_copy(N, m, tmp);
            }
            ym_cplx t = ym_su_trace(N, m) / N;
            ym_sum_add(&acc[0], creal(t));
            ym_sum_add(&acc[1], cimag(t));
        }
    }
    free(loc);
    free(all);
    double r[2];
    int st = ym_sum_allreduce_n(acc, 2, comm, r);
    if (st) return st;
    double nspat = (double)ym_grid_L(grid)[0] * ym_grid_L(grid)[1] * ym_grid_L(grid)[2];
    *p = (r[0] + I * r[1]) / nspat;
    return YM_OK;
}
