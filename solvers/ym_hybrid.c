/* Metric-weighted clover and hybrid gauge actions and their exact forces. */
#include "ym_hybrid.h"
#include "ym_hybrid_impl.h"
#include "ym_hot.h"
#include "ym_curv.h"
#include "ym_metric.h"
#include "ym_status.h"
#include "ym_sum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ym_hybrid {
    int kind, N;
    const ym_geom *g;
    ym_field *F;   /* clover F, 6 planes */
    ym_field *ins; /* insertion matrices per plane, interior + halo */
};

static int plane_of(int mu, int nu)
{
    static const int p[4][4] = {{-1, 0, 1, 2}, {0, -1, 3, 4}, {1, 3, -1, 5}, {2, 4, 5, -1}};
    return p[mu][nu];
}

int ym_hybrid_create(ym_hybrid **out, const ym_gauge *u, int kind)
{
    *out = NULL;
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    if (kind != YM_HYBRID && kind != YM_HYBRID_CLOVER)
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "metric action: unknown kind %d", kind));
    ym_hybrid *h = calloc(1, sizeof *h);
    int ok = h != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free(h);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "metric action: out of memory"));
    }
    h->kind = kind;
    h->N = ym_gauge_N(u);
    h->g = g;
    size_t nc = 6 * 2 * (size_t)h->N * (size_t)h->N;
    int st = ym_field_create(&h->F, g, nc);
    if (!st) st = ym_field_create(&h->ins, g, nc);
    if (st) {
        ym_hybrid_free(h);
        return st;
    }
    *out = h;
    return YM_OK;
}

void ym_hybrid_free(ym_hybrid *h)
{
    if (!h) return;
    ym_field_free(h->F);
    ym_field_free(h->ins);
    free(h);
}

/* K_PP'(x) for the six planes from g(x); 0 if g is not SPD. */
static int weights(const double *gc, double K[6][6])
{
    double m[4][4], gi[4][4], det;
    ym_metric_unpack(gc, m);
    if (!ym_metric_spd(m, gi, &det)) return 0;
    double sg = sqrt(det);
    for (int p = 0; p < 6; ++p)
        for (int q = 0; q < 6; ++q) {
            int mu = ym_plane_mu[p], nu = ym_plane_nu[p], a = ym_plane_mu[q], b = ym_plane_nu[q];
            K[p][q] = sg * (gi[mu][a] * gi[nu][b] - gi[mu][b] * gi[nu][a]);
        }
    return 1;
}

static int check(ym_hybrid *h, ym_gauge *u, ym_field *g)
{
    if (ym_gauge_geom(u) != h->g || ym_gauge_N(u) != h->N)
        return YM_ERROR(YM_EINVAL, "metric action: gauge field does not match the workspace");
    if (ym_field_ncomp(g) != YM_METRIC_NCOMP || ym_field_geom(g) != h->g)
        return YM_ERROR(YM_EINVAL, "metric action: the metric is not a 10-component field on the gauge geometry");
    return YM_OK;
}

static int not_spd(const ym_geom *g, int idx)
{
    int x[4];
    ym_geom_global_coords(g, idx, x);
    return YM_ERROR(YM_ENUM, "metric action: g is not positive definite at site (%d,%d,%d,%d)", x[0], x[1], x[2],
                    x[3]);
}

/* Plaquette P_mu,nu(y) in (mu,nu) orientation: 2 Re tr(1 - P), or 0 if it is
 * not part of the lattice or not stored. */
static double plaq_energy(int N, double *d, const ym_geom *g, int y, int mu, int nu)
{
    if (y < 0 || !ym_geom_plaq_ok(ym_geom_flags(g, y), mu, nu)) return 0;
    int ymu = ym_geom_up(g, mu)[y], ynu = ym_geom_up(g, nu)[y];
    ym_cplx a[YM_NMAX * YM_NMAX], b[YM_NMAX * YM_NMAX];
    ym_su_mul_nn(N, a, ym_gauge_link_at(d, N, y, mu), ym_gauge_link_at(d, N, ymu, nu));
    ym_su_mul_dd(N, b, ym_gauge_link_at(d, N, ynu, mu), ym_gauge_link_at(d, N, y, nu));
    return 2 * (N - ym_su_retr_nn(N, a, b));
}

/* Sum over the four leaves of plane (mu,nu) at x of 2 Re tr(1 - leaf). */
static double leaves_energy(int N, double *d, const ym_geom *g, int x, int mu, int nu)
{
    unsigned f = ym_geom_flags(g, x);
    int xm = (f & YM_GEOM_DOWN(mu)) ? ym_geom_dn(g, mu)[x] : -1;
    int xn = (f & YM_GEOM_DOWN(nu)) ? ym_geom_dn(g, nu)[x] : -1;
    int xmn = xm >= 0 && (f & YM_GEOM_DOWN(nu)) ? ym_geom_dn(g, nu)[xm] : -1;
    return plaq_energy(N, d, g, x, mu, nu) + plaq_energy(N, d, g, xm, mu, nu) + plaq_energy(N, d, g, xn, mu, nu) +
           plaq_energy(N, d, g, xmn, mu, nu);
}

/* Does the clover plane p exist at x (all four leaves)? */
static int clover_ok(const ym_geom *g, int x, int p)
{
    return ym_geom_clover_ok(ym_geom_flags(g, x), ym_plane_mu[p], ym_plane_nu[p]);
}

int ym_hybrid_value(ym_hybrid *h, ym_gauge *u, ym_field *g, double *s)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int st = ym_status_agree(comm, check(h, u, g));
    if (!st) st = ym_curv_clover(u, h->F); /* updates u's halo */
    if (st) return st;
    int N = h->N, nn = N * N;
    double *d = ym_field_data(ym_gauge_field(u));
    const int *in = ym_geom_interior(h->g);
    ym_sum acc = YM_SUM_INIT;
    for (int i = 0; i < ym_geom_ninterior(h->g); ++i) {
        int x = in[i];
        double K[6][6];
        if (!weights(ym_field_site(g, x), K)) {
            st = not_spd(h->g, x);
            break;
        }
        const ym_cplx *F = (const ym_cplx *)ym_field_site(h->F, x);
        double sx = 0;
        for (int p = 0; p < 6; ++p)
            for (int q = 0; q < 6; ++q) {
                if (h->kind == YM_HYBRID && p == q) continue;
                if (K[p][q] != 0) sx -= K[p][q] * ym_su_retr_nn(N, F + p * nn, F + q * nn);
            }
        if (h->kind == YM_HYBRID)
            for (int p = 0; p < 6; ++p)
                sx += K[p][p] * 0.25 * leaves_energy(N, d, h->g, x, ym_plane_mu[p], ym_plane_nu[p]);
        ym_sum_add(&acc, sx);
    }
    st = ym_status_agree(comm, st);
    return st ? st : ym_sum_allreduce(&acc, comm, s);
}

#if defined(__GNUC__)
#define HY_INLINE static inline __attribute__((always_inline))
#define HY_NOINLINE __attribute__((noinline))
#else
#define HY_INLINE static inline
#define HY_NOINLINE
#endif

/* The six insertion matrices of site x (n a constant for N = 2, 3). Real
 * weights times F: the same roundings as ym_su_axpy with a real scalar. */
HY_INLINE void site_insertions(int n, const ym_geom *g, int kind, int x, const double K[6][6], const ym_cplx *F,
                               ym_cplx *M)
{
    int nn = n * n;
    for (int p = 0; p < 6; ++p) {
        ym_cplx *Mp = M + p * nn;
        double re[YM_NMAX * YM_NMAX], im[YM_NMAX * YM_NMAX];
        for (int k = 0; k < nn; ++k) re[k] = im[k] = 0.0;
        if (clover_ok(g, x, p))
            for (int q = 0; q < 6; ++q) {
                if (kind == YM_HYBRID && q == p) continue;
                double c = -0.5 * K[p][q];
                const ym_cplx *Fq = F + q * nn;
                for (int k = 0; k < nn; ++k) {
                    re[k] += c * creal(Fq[k]);
                    im[k] += c * cimag(Fq[k]);
                }
            }
        if (kind == YM_HYBRID)
            for (int k = 0; k < n; ++k) re[k * n + k] -= 0.5 * K[p][p];
        for (int k = 0; k < nn; ++k) Mp[k] = CMPLX(re[k], im[k]);
    }
}

/* Insertion matrices at the interior sites, then their halo. */
static int insertions(ym_hybrid *h, ym_field *g)
{
    int N = h->N;
    const int *in = ym_geom_interior(h->g);
    int st = YM_OK;
    for (int i = 0; i < ym_geom_ninterior(h->g); ++i) {
        int x = in[i];
        double K[6][6];
        if (!weights(ym_field_site(g, x), K)) {
            st = not_spd(h->g, x);
            break;
        }
        const ym_cplx *F = (const ym_cplx *)ym_field_site(h->F, x);
        ym_cplx *M = (ym_cplx *)ym_field_site(h->ins, x);
        switch (N) {
        case 2: site_insertions(2, h->g, h->kind, x, K, F, M); break;
        case 3: site_insertions(3, h->g, h->kind, x, K, F, M); break;
        default: site_insertions(N, h->g, h->kind, x, K, F, M); break;
        }
    }
    st = ym_status_agree(ym_grid_comm(ym_geom_grid(h->g)), st);
    return st ? st : ym_field_halo_update(h->ins);
}

/* The force's per-link work is compiled for N = 2 and N = 3 as constants
 * (unrolled, matrices kept in registers, no calls or copies through memory)
 * and once for run-time N (N = 1, 4 .. YM_NMAX; also reachable for N = 2, 3
 * through ym_hybrid_force_generic, which the tests compare with). Both use
 * the same nesting of products (hy_loop) and the sums of ym_su_mul_nn, so
 * they differ only by FMA contraction in the YM_HOT clone. */
/* c = a b, or a b^dagger (db); the sums of ym_su_mul_nn / _nd. */
HY_INLINE void hy_mul(int n, ym_cplx *restrict c, const ym_cplx *restrict a, const ym_cplx *restrict b, int db)
{
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            double re = 0.0, im = 0.0;
            for (int k = 0; k < n; ++k) {
                ym_cplx x = a[i * n + k], y = db ? b[j * n + k] : b[k * n + j];
                double rr = creal(x) * creal(y), ii = cimag(x) * cimag(y);
                double ri = creal(x) * cimag(y), ir = cimag(x) * creal(y);
                re += db ? rr + ii : rr - ii;
                im += db ? ir - ri : ri + ir;
            }
            c[i * n + j] = CMPLX(re, im);
        }
}

HY_INLINE void hy_dagger(int n, ym_cplx *restrict b, const ym_cplx *restrict a)
{
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) b[j * n + i] = conj(a[i * n + j]);
}

/* c += a b (the sum formed first, then added). */
HY_INLINE void hy_mula(int n, ym_cplx *restrict c, const ym_cplx *restrict a, const ym_cplx *restrict b)
{
    ym_cplx t[YM_NMAX * YM_NMAX];
    hy_mul(n, t, a, b, 0);
    for (int k = 0; k < n * n; ++k) c[k] += t[k];
}

/* Sum over the 4 corners of the loop W0 W1 W2 W3 of the product with the
 * corner's insertion matrix M[c] placed at the corner, added to out (sign
 * +1) or subtracted (-1). The loop is read from the link whose derivative is
 * taken. Forward occurrence (the link is W0, corners c0 = start, c1 after
 * W0, ...): M[1..3] after W0..W2 and M[0] after W3, nested from the right,
 *   W0 [M1 W1W2W3 + W1 (M2 W2W3 + W2 (M3 W3 + W3 M0))].
 * Backward occurrence (the link is W3 = U^dagger, read from U's base c0):
 * M[j] before W_j, j = 0..3, nested from the left,
 *   [((M0 W0 + W0 M1) W1 + W0W1 M2) W2 + W0W1W2 M3] W3.
 * 9 products instead of the 16 of the four terms one by one; the sums are
 * the same up to rounding (reassociation). */
HY_INLINE void hy_loop(int n, ym_cplx *out, const ym_cplx *W[4], const ym_cplx *M[4], int forward, int sign)
{
    ym_cplx R[YM_NMAX * YM_NMAX], Q[YM_NMAX * YM_NMAX], T[YM_NMAX * YM_NMAX], S[YM_NMAX * YM_NMAX];
    if (forward) {
        hy_mul(n, R, M[3], W[3], 0); /* R = M3 W3 + W3 M0 */
        hy_mula(n, R, W[3], M[0]);
        hy_mul(n, Q, W[2], W[3], 0); /* Q = W2 W3 */
        hy_mul(n, T, M[2], Q, 0);    /* T = M2 Q + W2 R */
        hy_mula(n, T, W[2], R);
        hy_mul(n, R, W[1], Q, 0); /* R = W1 W2 W3 */
        hy_mul(n, Q, M[1], R, 0); /* Q = M1 R + W1 T */
        hy_mula(n, Q, W[1], T);
        hy_mul(n, S, W[0], Q, 0);
    } else {
        hy_mul(n, R, M[0], W[0], 0); /* R = M0 W0 + W0 M1 */
        hy_mula(n, R, W[0], M[1]);
        hy_mul(n, Q, W[0], W[1], 0); /* Q = W0 W1 */
        hy_mul(n, T, R, W[1], 0);    /* T = R W1 + Q M2 */
        hy_mula(n, T, Q, M[2]);
        hy_mul(n, R, Q, W[2], 0); /* R = W0 W1 W2 */
        hy_mul(n, Q, T, W[2], 0); /* Q = T W2 + R M3 */
        hy_mula(n, Q, R, M[3]);
        hy_mul(n, S, Q, W[3], 0);
    }
    for (int k = 0; k < n * n; ++k) out[k] += sign * S[k];
}

/* The force on the links of the interior sites in[lo..hi). */
HY_INLINE void hy_force_sites(int n, const ym_geom *G, const double *d, const double *ins, size_t ins_stride,
                              double *zd, const int *in, int lo, int hi)
{
    int nn = n * n;
    for (int i = lo; i < hi; ++i) {
        int y = in[i];
        unsigned fy = ym_geom_flags(G, y);
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx om[YM_NMAX * YM_NMAX];
            ym_cplx *Z = ym_gauge_link_at(zd, n, y, mu);
            for (int k = 0; k < nn; ++k) om[k] = 0.0;
            if (!(fy & YM_GEOM_LINK(mu))) {
                for (int k = 0; k < nn; ++k) Z[k] = 0.0;
                continue;
            }
            const ym_cplx *U = ym_gauge_link_at((double *)d, n, y, mu);
            for (int nu = 0; nu < 4; ++nu) {
                if (nu == mu) continue;
                int p = plane_of(mu, nu);
                /* Leaves are oriented (min, max); reading the plaquette in
                 * (mu,nu) orientation with M^dagger inserted is the same. */
                int flip = mu > nu;
                ym_cplx Md[4][YM_NMAX * YM_NMAX];
                /* Plaquette A at y: y -> y+mu -> y+mu+nu -> y+nu -> y, link forward as W0. */
                if (ym_geom_plaq_ok(fy, mu, nu)) {
                    int c1 = ym_geom_up(G, mu)[y], c3 = ym_geom_up(G, nu)[y], c2 = ym_geom_up(G, nu)[c1];
                    int cs[4] = {y, c1, c2, c3};
                    ym_cplx W2[YM_NMAX * YM_NMAX], W3[YM_NMAX * YM_NMAX];
                    hy_dagger(n, W2, ym_gauge_link_at((double *)d, n, c3, mu));
                    hy_dagger(n, W3, ym_gauge_link_at((double *)d, n, y, nu));
                    const ym_cplx *W[4] = {U, ym_gauge_link_at((double *)d, n, c1, nu), W2, W3};
                    const ym_cplx *M[4];
                    for (int j = 0; j < 4; ++j) {
                        const ym_cplx *m = (const ym_cplx *)(ins + (size_t)cs[j] * ins_stride) + p * nn;
                        if (flip) {
                            hy_dagger(n, Md[j], m);
                            M[j] = Md[j];
                        } else M[j] = m;
                    }
                    hy_loop(n, om, W, M, 1, 1);
                }
                /* Plaquette B at y-nu: y -> y-nu -> y-nu+mu -> y+mu, then U^dagger back to y. */
                if (fy & YM_GEOM_DOWN(nu)) {
                    int b0 = ym_geom_dn(G, nu)[y];
                    if (b0 >= 0 && ym_geom_plaq_ok(ym_geom_flags(G, b0), mu, nu)) {
                        int b1 = ym_geom_up(G, mu)[b0], c2 = ym_geom_up(G, mu)[y];
                        int cs[4] = {y, b0, b1, c2};
                        ym_cplx Y1[YM_NMAX * YM_NMAX], Ud[YM_NMAX * YM_NMAX];
                        hy_dagger(n, Y1, ym_gauge_link_at((double *)d, n, b0, nu));
                        hy_dagger(n, Ud, U);
                        const ym_cplx *W[4] = {Y1, ym_gauge_link_at((double *)d, n, b0, mu),
                                               ym_gauge_link_at((double *)d, n, b1, nu), Ud};
                        const ym_cplx *M[4];
                        for (int j = 0; j < 4; ++j) {
                            const ym_cplx *m = (const ym_cplx *)(ins + (size_t)cs[j] * ins_stride) + p * nn;
                            if (flip) {
                                hy_dagger(n, Md[j], m);
                                M[j] = Md[j];
                            } else M[j] = m;
                        }
                        hy_loop(n, om, W, M, 0, -1);
                    }
                }
            }
            /* Z = 1/2 P(Omega) */
            ym_su_proj(n, Z, om);
            for (int k = 0; k < nn; ++k) Z[k] *= 0.5;
        }
    }
}

static YM_HOT void hy_force2(const ym_geom *G, const double *d, const double *ins, size_t st, double *zd,
                             const int *in, int lo, int hi)
{
    hy_force_sites(2, G, d, ins, st, zd, in, lo, hi);
}

static YM_HOT void hy_force3(const ym_geom *G, const double *d, const double *ins, size_t st, double *zd,
                             const int *in, int lo, int hi)
{
    hy_force_sites(3, G, d, ins, st, zd, in, lo, hi);
}

static HY_NOINLINE void hy_force_any(int N, const ym_geom *G, const double *d, const double *ins, size_t st,
                                     double *zd, const int *in, int lo, int hi)
{
    hy_force_sites(N, G, d, ins, st, zd, in, lo, hi);
}

static int force(ym_hybrid *h, ym_gauge *u, ym_field *g, ym_field *z, int generic)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int N = h->N, nn = N * N;
    int st = check(h, u, g);
    if (!st && (ym_field_geom(z) != h->g || ym_field_ncomp(z) != 4 * 2 * (size_t)nn))
        st = YM_ERROR(YM_EINVAL, "metric action: the force field has the wrong shape");
    st = ym_status_agree(comm, st);
    if (!st) st = ym_curv_clover(u, h->F);
    if (!st) st = insertions(h, g);
    if (st) return st;
    const ym_geom *G = h->g;
    const double *d = ym_field_data(ym_gauge_field(u));
    const double *ins = ym_field_data(h->ins);
    size_t stride = ym_field_ncomp(h->ins);
    double *zd = ym_field_data(z);
    const int *in = ym_geom_interior(G);
    int n = ym_geom_ninterior(G);
    if (!generic && N == 2) hy_force2(G, d, ins, stride, zd, in, 0, n);
    else if (!generic && N == 3) hy_force3(G, d, ins, stride, zd, in, 0, n);
    else hy_force_any(N, G, d, ins, stride, zd, in, 0, n);
    return YM_OK;
}

int ym_hybrid_force(ym_hybrid *h, ym_gauge *u, ym_field *g, ym_field *z)
{
    return force(h, u, g, z, 0);
}

int ym_hybrid_force_generic(ym_hybrid *h, ym_gauge *u, ym_field *g, ym_field *z)
{
    return force(h, u, g, z, 1);
}

int ym_hybrid_source(ym_hybrid *h, ym_gauge *u, ym_field *g, double kappa, ym_field *K)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int N = h->N, nn = N * N;
    int st = check(h, u, g);
    if (!st && (ym_field_geom(K) != h->g || ym_field_ncomp(K) != YM_METRIC_NCOMP))
        st = YM_ERROR(YM_EINVAL, "metric source: the velocity is not a 10-component field on the gauge geometry");
    st = ym_status_agree(comm, st);
    if (!st) st = ym_curv_clover(u, h->F);
    if (st) return st;
    const int *in = ym_geom_interior(h->g);
    for (int i = 0; i < ym_geom_ninterior(h->g) && !st; ++i) {
        int x = in[i];
        double m[4][4], gi[4][4];
        ym_metric_unpack(ym_field_site(g, x), m);
        if (!ym_metric_spd(m, gi, NULL)) {
            st = not_spd(h->g, x);
            break;
        }
        const ym_cplx *F = (const ym_cplx *)ym_field_site(h->F, x);
        /* t[a][b][c][e] = Re tr(F_ab F_ce) over ordered pairs, F_ba = -F_ab. */
        double trp[6][6];
        for (int p = 0; p < 6; ++p)
            for (int q = p; q < 6; ++q) trp[p][q] = trp[q][p] = ym_su_retr_nn(N, F + p * nn, F + q * nn);
        double *k = ym_field_site(K, x);
        for (int a = 0; a < 4; ++a)
            for (int b = a; b < 4; ++b) {
                double s = 0;
                for (int c = 0; c < 4; ++c)
                    for (int e = 0; e < 4; ++e) {
                        if (c == a || e == b || gi[c][e] == 0) continue;
                        int p = plane_of(a, c), q = plane_of(b, e);
                        double sg = (a < c ? 1.0 : -1.0) * (b < e ? 1.0 : -1.0);
                        s += gi[c][e] * sg * trp[p][q];
                    }
                k[ym_metric_comp(a, b)] += kappa * (-2.0) * s;
            }
    }
    return ym_status_agree(comm, st);
}

int ym_hybrid_velocity(ym_field *g, ym_field *z, int N, ym_field *v)
{
    const ym_geom *G = ym_field_geom(g);
    int nn = N * N;
    if (ym_field_ncomp(g) != YM_METRIC_NCOMP || ym_field_geom(z) != G || ym_field_geom(v) != G ||
        ym_field_ncomp(z) != 4 * 2 * (size_t)nn || ym_field_ncomp(v) != ym_field_ncomp(z) || z == v)
        return YM_ERROR(YM_EINVAL, "metric velocity: fields of the wrong shape");
    const int *in = ym_geom_interior(G);
    for (int i = 0; i < ym_geom_ninterior(G); ++i) {
        int x = in[i];
        double m[4][4], det;
        ym_metric_unpack(ym_field_site(g, x), m);
        if (!ym_metric_spd(m, NULL, &det)) return not_spd(G, x);
        double isg = 1 / sqrt(det);
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *V = ym_gauge_link_at(ym_field_data(v), N, x, mu);
            ym_su_zero(N, V);
            for (int nu = 0; nu < 4; ++nu)
                ym_su_axpy(N, V, m[mu][nu] * isg, ym_gauge_link_at(ym_field_data(z), N, x, nu));
        }
    }
    return YM_OK;
}
