/* Metric-weighted clover and hybrid gauge actions and their exact forces. */
#include "ym_hybrid.h"
#include "ym_hybrid_impl.h"
#include "ym_hot.h"
#include "ym_curv.h"
#include "ym_metric.h"
#include "ym_ricci.h"
#include "ym_status.h"
#include "ym_sum.h"
#include "ym_su_inline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The insertion matrix of a plane is M = A + c 1 with A traceless
 * anti-Hermitian (a real combination of the clover F's) and c real (the
 * hybrid's plaquette weight): it is stored as the N^2 reals of
 * ym_su_ah_pack(A) followed by c, INS_NC(N) reals per plane. The clover F
 * itself is not stored: each site's six planes are formed where they are
 * used (insertions, source and value at that site). */
#define INS_NC(n) ((n) * (n) + 1)

struct ym_hybrid {
    int kind, N;
    const ym_geom *g;
    ym_field *ins;        /* packed insertion matrices per plane, interior + halo */
    unsigned char *inner; /* per stored site: 1 if interior (the force by plaquettes) */
    int *hb[6], nhb[6];   /* per plane: plaquette sites in the lower halo that reach interior links */
    double *T;            /* terms handed from a plaquette to the links above it: per stored site
                             (N = 3), per site of two t-slices (N = 2, hy_force2) */
};

static int plane_of(int mu, int nu)
{
    static const int p[4][4] = {{-1, 0, 1, 2}, {0, -1, 3, 4}, {1, 3, -1, 5}, {2, 4, 5, -1}};
    return p[mu][nu];
}

/* Does the plaquette at y - e_c (plane a, b; c = a or b) exist? Its site, or -1. */
static inline int below(const ym_geom *G, int y, unsigned fy, int c, int a, int b)
{
    if (!(fy & YM_GEOM_DOWN(c))) return -1;
    int x = ym_geom_dn(G, c)[y];
    return x >= 0 && ym_geom_plaq_ok(ym_geom_flags(G, x), a, b) ? x : -1;
}

/* The far corner x + a + b of the plaquette at x, reached through a site
 * whose neighbour tables are those the per-link path uses (an interior
 * site, or x + b for a plaquette based below an interior x + b). */
static inline int plaq_c2(const ym_geom *G, const unsigned char *inner, int x, int a, int b)
{
    int c1 = ym_geom_up(G, a)[x];
    return inner[x] || inner[c1] ? ym_geom_up(G, b)[c1] : ym_geom_up(G, a)[ym_geom_up(G, b)[x]];
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
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
    int st = ym_field_create(&h->ins, g, 6 * (size_t)INS_NC(h->N));
    if (!st) {
        h->inner = calloc((size_t)ym_geom_nsites(g) + 1, 1);
        st = ym_status_agree(comm, h->inner ? YM_OK : YM_ERROR(YM_ENOMEM, "metric action: out of memory"));
    }
    if (!st)
        for (int i = 0; i < ym_geom_ninterior(g); ++i) h->inner[ym_geom_interior(g)[i]] = 1;
    if (!st && (h->N == 2 || h->N == 3)) {
        /* the N = 2, 3 force by plaquettes: its halo plaquettes and buffer */
        int ok = 1, nin = ym_geom_ninterior(g);
        const int *in = ym_geom_interior(g);
        /* N = 2: T and Tt of hy_force2, 8 + 2 x 3 x 4 reals per site of a t-slice */
        const int *e = ym_geom_ext(g);
        size_t nT = h->N == 2 ? 32 * (size_t)e[0] * (size_t)e[1] * (size_t)e[2]
                              : 4 * (size_t)h->N * (size_t)h->N * ((size_t)ym_geom_nsites(g) + 1);
        h->T = malloc(sizeof(double) * nT);
        ok = h->T != NULL;
        for (int p = 0; p < 6 && ok; ++p) {
            int a = ym_plane_mu[p], b = ym_plane_nu[p];
            h->hb[p] = malloc(sizeof(int) * (2 * (size_t)nin + 1));
            if (!(ok = h->hb[p] != NULL)) break;
            for (int i = 0; i < nin; ++i) {
                int y = in[i], x;
                unsigned fy = ym_geom_flags(g, y);
                if ((x = below(g, y, fy, a, a, b)) >= 0 && !h->inner[x]) h->hb[p][h->nhb[p]++] = x;
                if ((x = below(g, y, fy, b, a, b)) >= 0 && !h->inner[x]) h->hb[p][h->nhb[p]++] = x;
            }
            int *t = realloc(h->hb[p], sizeof(int) * ((size_t)h->nhb[p] + 1)); /* the lower faces only */
            if (t) h->hb[p] = t;
            /* in storage order: hy_force2 takes them slice by slice */
            qsort(h->hb[p], (size_t)h->nhb[p], sizeof(int), cmp_int);
        }
        st = ym_status_agree(comm, ok ? YM_OK : YM_ERROR(YM_ENOMEM, "metric action: out of memory"));
    }
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
    ym_field_free(h->ins);
    free(h->inner);
    free(h->T);
    for (int p = 0; p < 6; ++p) free(h->hb[p]);
    free(h);
}

/* K_PP'(x) for the six planes from g^-1(x) and det g(x). */
YMI_INLINE void weights_of(const double gi[4][4], double det, double K[6][6])
{
    double sg = sqrt(det);
    for (int p = 0; p < 6; ++p)
        for (int q = 0; q < 6; ++q) {
            int mu = ym_plane_mu[p], nu = ym_plane_nu[p], a = ym_plane_mu[q], b = ym_plane_nu[q];
            K[p][q] = sg * (gi[mu][a] * gi[nu][b] - gi[mu][b] * gi[nu][a]);
        }
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

/* Products forced inline (lattice/ym_su_inline.h), n a constant for N = 2, 3
 * after inlining; the 2-lane complex form ymi_mulv, which took the SU(3)
 * force from ~16 to ~10 us per site at 12^4 (the scalar ymi_mul compiles
 * to one instruction per real operation). */
#define HY_INLINE YMI_INLINE
#define HY_NOINLINE YMI_NOINLINE
#define hy_mulx ymi_mulv

/* c = a b, or a b^dagger (db). */
HY_INLINE void hy_mul(int n, ym_cplx *restrict c, const ym_cplx *restrict a, const ym_cplx *restrict b, int db)
{
    hy_mulx(n, c, a, b, 0, db);
}

/* SU(2) as quaternions (ymi_q of ym_su_inline.h): every matrix of the N = 2
 * force (links, their products and sums, the insertions A + c 1 with A in
 * su(2)) lies in the real span of 1 and i sigma_k. */
/* A packed plane (ym_su_ah_pack of A, then c) as M = A + c 1, or M^dagger. */
HY_INLINE ymi_q hq_ins(const double *k, int dag)
{
    double s = dag ? -1.0 : 1.0;
    return (ymi_q){k[4], s * k[0], s * k[2], s * k[3]};
}

/* The six clover planes of site x, F_p = P(Q_p)/4 (RYM.md §1.2), 0 where a
 * leaf leaves the lattice; the leaves and their sums in the order of
 * ym_curv_clover, so F is the same to rounding. */
HY_INLINE void hy_clover(int n, const double *d, const ym_geom *G, int x, ym_cplx *F)
{
    int nn = n * n, str[4];
    unsigned f = ym_geom_flags(G, x);
    if (n == 2) ym_geom_strides(G, str);
#define L(s, m) ((const ym_cplx *)ym_gauge_link_at((double *)d, n, (s), (m)))
    for (int p = 0; p < 6; ++p) {
        int mu = ym_plane_mu[p], nu = ym_plane_nu[p];
        ym_cplx *fp = F + p * nn;
        if (!ym_geom_clover_ok(f, mu, nu)) {
            for (int k = 0; k < nn; ++k) fp[k] = 0.0;
            continue;
        }
        if (n == 2) {
            /* the neighbours by their strides in the stored block (what the
             * tables hold for a site whose clover is whole): the table
             * lookups, each waiting for the last, stalled this loop */
            int sm = str[mu], sn = str[nu];
            int xpm = x + sm, xpn = x + sn, xmm = x - sm, xmn = x - sn;
            int xmm_pn = xmm + sn, xmm_mn = xmm - sn, xpm_mn = xpm - sn;
            /* the same leaves in quaternions (ymi_q) */
#define QL(s, m) ymi_q_ld(d + ((size_t)(s) * 4 + (size_t)(m)) * 8)
            ymi_q q = ymi_q_mul(ymi_q_mul(QL(x, mu), QL(xpm, nu)), ymi_q_dag(ymi_q_mul(QL(x, nu), QL(xpn, mu))));
            q = ymi_q_add(q, ymi_q_mul(ymi_q_mul(QL(x, nu), ymi_q_dag(QL(xmm_pn, mu))),
                                       ymi_q_mul(ymi_q_dag(QL(xmm, nu)), QL(xmm, mu))));
            q = ymi_q_add(q, ymi_q_mul(ymi_q_dag(ymi_q_mul(QL(xmm_mn, nu), QL(xmm, mu))),
                                       ymi_q_mul(QL(xmm_mn, mu), QL(xmn, nu))));
            q = ymi_q_add(q, ymi_q_mul(ymi_q_mul(ymi_q_dag(QL(xmn, nu)), QL(xmn, mu)),
                                       ymi_q_mul(QL(xpm_mn, nu), ymi_q_dag(QL(x, mu)))));
#undef QL
            /* P(Q)/4 = 1/4 [[i Im a, b], [-conj(b), -i Im a]] */
            ymi_q_ah_scaled((double *)fp, q, 0.25);
            continue;
        }
        const int *upm = ym_geom_up(G, mu), *upn = ym_geom_up(G, nu);
        const int *dnm = ym_geom_dn(G, mu), *dnn = ym_geom_dn(G, nu);
        int xpm = upm[x], xpn = upn[x], xmm = dnm[x], xmn = dnn[x];
        int xmm_pn = upn[xmm], xmm_mn = dnn[xmm], xpm_mn = dnn[xpm];
        ym_cplx a[YM_NMAX * YM_NMAX], b[YM_NMAX * YM_NMAX], c[YM_NMAX * YM_NMAX], q[YM_NMAX * YM_NMAX];
        /* U_mu(x) U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+ */
        hy_mulx(n, a, L(x, mu), L(xpm, nu), 0, 0);
        hy_mulx(n, b, L(x, nu), L(xpn, mu), 0, 0);
        hy_mulx(n, q, a, b, 0, 1);
        /* U_nu(x) U_mu(x-mu+nu)^+ U_nu(x-mu)^+ U_mu(x-mu) */
        hy_mulx(n, a, L(x, nu), L(xmm_pn, mu), 0, 1);
        hy_mulx(n, b, L(xmm, nu), L(xmm, mu), 1, 0);
        hy_mulx(n, c, a, b, 0, 0);
        for (int k = 0; k < nn; ++k) q[k] += c[k];
        /* U_mu(x-mu)^+ U_nu(x-mu-nu)^+ U_mu(x-mu-nu) U_nu(x-nu) */
        hy_mulx(n, a, L(xmm_mn, nu), L(xmm, mu), 0, 0);
        hy_mulx(n, b, L(xmm_mn, mu), L(xmn, nu), 0, 0);
        hy_mulx(n, c, a, b, 1, 0);
        for (int k = 0; k < nn; ++k) q[k] += c[k];
        /* U_nu(x-nu)^+ U_mu(x-nu) U_nu(x+mu-nu) U_mu(x)^+ */
        hy_mulx(n, a, L(xmn, nu), L(xmn, mu), 1, 0);
        hy_mulx(n, b, L(xpm_mn, nu), L(x, mu), 0, 1);
        hy_mulx(n, c, a, b, 0, 0);
        for (int k = 0; k < nn; ++k) q[k] += c[k];
        /* (1/8)(Q - Q^+) made traceless = P(Q)/4, as ym_su_proj */
        double imtr = 0.0;
        for (int i = 0; i < n; ++i) imtr += cimag(q[i * n + i]);
        imtr /= n;
        for (int i = 0; i < n; ++i) {
            for (int j = i + 1; j < n; ++j) {
                ym_cplx mij = q[i * n + j], mji = q[j * n + i];
                double re = 0.5 * (creal(mij) - creal(mji));
                double im = 0.5 * (cimag(mij) + cimag(mji));
                fp[i * n + j] = CMPLX(re, im) * 0.25;
                fp[j * n + i] = CMPLX(-re, im) * 0.25;
            }
            fp[i * n + i] = CMPLX(0.0, cimag(q[i * n + i]) - imtr) * 0.25;
        }
    }
#undef L
}

/* Re tr(a b) (the sum of ym_su_retr_nn). */
HY_INLINE double hy_retr(int n, const ym_cplx *a, const ym_cplx *b)
{
    double s = 0.0;
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) s += creal(a[i * n + k]) * creal(b[k * n + i]) - cimag(a[i * n + k]) * cimag(b[k * n + i]);
    return s;
}

int ym_hybrid_value(ym_hybrid *h, ym_gauge *u, ym_field *g, double *s)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int st = ym_status_agree(comm, check(h, u, g));
    if (!st) st = ym_gauge_halo_update(u);
    if (st) return st;
    int N = h->N, nn = N * N;
    double *d = ym_field_data(ym_gauge_field(u));
    const int *in = ym_geom_interior(h->g);
    ym_sum acc = YM_SUM_INIT;
    for (int i = 0; i < ym_geom_ninterior(h->g); ++i) {
        int x = in[i];
        double K[6][6], m[4][4], gi[4][4], det;
        ym_metric_unpack(ym_field_site(g, x), m);
        if (!ym_metric_spd(m, gi, &det)) {
            st = not_spd(h->g, x);
            break;
        }
        weights_of(gi, det, K);
        ym_cplx F[6 * YM_NMAX * YM_NMAX];
        hy_clover(N, d, h->g, x, F);
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

/* One site's share of the force and source, from one clover evaluation:
 * the six packed insertion matrices (ins != NULL) and K += kappa F^2
 * (ksrc != NULL), and 1/sqrt(det g) (isg != NULL). Returns 0 if g is not
 * SPD at x. The insertions are real
 * weights times F, summed as ym_su_axpy with a real scalar would; the
 * source's sums are those of the separate ym_hybrid_source before. */
HY_INLINE int hy_site(int n, const ym_geom *G, int kind, const double *d, int x, const double *gc, const double *geo,
                      double *ins, double kappa, double *ksrc, double *isg)
{
    int nn = n * n;
    double gi[4][4], det;
    if (geo) { /* g^-1 and det g handed over (ym_ricci_rhs_geo) */
        ym_metric_unpack(geo, gi);
        det = geo[YM_METRIC_NCOMP];
    } else {
        double m[4][4];
        ym_metric_unpack(gc, m);
        if (!ym_metric_spd(m, gi, &det)) return 0;
    }
    if (isg) *isg = 1 / sqrt(det);
    ym_cplx F[6 * YM_NMAX * YM_NMAX];
    hy_clover(n, d, G, x, F);
    unsigned fx = ym_geom_flags(G, x);
    if (ins) {
        double K[6][6];
        weights_of(gi, det, K);
        for (int p = 0; p < 6; ++p) {
            double *o = ins + p * INS_NC(n);
            if (n == 2) {
                /* F_q = [[i a, b + i c], [-b + i c, -i a]]: the packed sums
                 * below, term for term, without the zero entries */
                double sa = 0.0, sna = 0.0, sb = 0.0, sc = 0.0;
                if (ym_geom_clover_ok(fx, ym_plane_mu[p], ym_plane_nu[p]))
                    for (int q = 0; q < 6; ++q) {
                        if (kind == YM_HYBRID && q == p) continue;
                        double c = -0.5 * K[p][q];
                        const ym_cplx *Fq = F + q * 4;
                        sa += c * cimag(Fq[0]);
                        sb += c * creal(Fq[1]);
                        sc += c * cimag(Fq[1]);
                        sna += c * cimag(Fq[3]);
                    }
                o[0] = sa, o[1] = sna, o[2] = sb, o[3] = sc;
                o[4] = kind == YM_HYBRID ? 0.0 - 0.5 * K[p][p] : 0.0;
                continue;
            }
            double re[YM_NMAX * YM_NMAX], im[YM_NMAX * YM_NMAX];
            for (int k = 0; k < nn; ++k) re[k] = im[k] = 0.0;
            if (ym_geom_clover_ok(fx, ym_plane_mu[p], ym_plane_nu[p]))
                for (int q = 0; q < 6; ++q) {
                    if (kind == YM_HYBRID && q == p) continue;
                    double c = -0.5 * K[p][q];
                    const ym_cplx *Fq = F + q * nn;
                    for (int k = 0; k < nn; ++k) {
                        re[k] += c * creal(Fq[k]);
                        im[k] += c * cimag(Fq[k]);
                    }
                }
            /* pack as ym_su_ah_pack: the diagonal's imaginary parts, then (i<j) re, im */
            for (int i = 0; i < n; ++i) o[i] = im[i * n + i];
            double *w = o + n;
            for (int i = 0; i < n; ++i)
                for (int j = i + 1; j < n; ++j, w += 2) {
                    w[0] = re[i * n + j];
                    w[1] = im[i * n + j];
                }
            o[nn] = kind == YM_HYBRID ? 0.0 - 0.5 * K[p][p] : 0.0;
        }
    }
    if (ksrc) {
        /* trp[p][q] = Re tr(F_p F_q); for N = 2, -2 (a a' + b b' + c c') */
        double trp[6][6];
        for (int p = 0; p < 6; ++p)
            for (int q = p; q < 6; ++q) {
                const ym_cplx *Fp = F + p * nn, *Fq = F + q * nn;
                trp[p][q] = trp[q][p] =
                    n == 2 ? -2.0 * ((cimag(Fp[0]) * cimag(Fq[0]) + creal(Fp[1]) * creal(Fq[1])) +
                                     cimag(Fp[1]) * cimag(Fq[1]))
                           : hy_retr(n, Fp, Fq);
            }
        /* K_ab += -2 kappa sum_{c != a, e != b} g^ce Re tr(F_ac F_be), F_ca = -F_ac;
         * unrolled, the planes and signs are constants */
        int c10 = 0;
        YM_UNROLL
        for (int a = 0; a < 4; ++a)
            YM_UNROLL
            for (int b = a; b < 4; ++b, ++c10) {
                double s = 0;
                YM_UNROLL
                for (int c = 0; c < 4; ++c)
                    YM_UNROLL
                    for (int e = 0; e < 4; ++e) {
                        if (c == a || e == b) continue;
                        double sg = (a < c ? 1.0 : -1.0) * (b < e ? 1.0 : -1.0);
                        s += gi[c][e] * sg * trp[plane_of(a, c)][plane_of(b, e)];
                    }
                ksrc[c10] += kappa * (-2.0) * s;
            }
    }
    return 1;
}

static YM_HOT int hy_sites2(const ym_geom *G, int kind, const double *d, ym_field *g, const double *geo,
                            ym_field *ins, double kappa, ym_field *K, double *isg, const int *in, int n)
{
    for (int i = 0; i < n; ++i)
        if (!hy_site(2, G, kind, d, in[i], ym_field_site(g, in[i]),
                     geo ? geo + (size_t)YM_RICCI_NGEO * (size_t)i : NULL, ins ? ym_field_site(ins, in[i]) : NULL, kappa,
                     K ? ym_field_site(K, in[i]) : NULL, isg ? isg + i : NULL))
            return in[i];
    return -1;
}

static YM_HOT int hy_sites3(const ym_geom *G, int kind, const double *d, ym_field *g, const double *geo,
                            ym_field *ins, double kappa, ym_field *K, double *isg, const int *in, int n)
{
    for (int i = 0; i < n; ++i)
        if (!hy_site(3, G, kind, d, in[i], ym_field_site(g, in[i]),
                     geo ? geo + (size_t)YM_RICCI_NGEO * (size_t)i : NULL, ins ? ym_field_site(ins, in[i]) : NULL, kappa,
                     K ? ym_field_site(K, in[i]) : NULL, isg ? isg + i : NULL))
            return in[i];
    return -1;
}

static HY_NOINLINE int hy_sites_any(int N, const ym_geom *G, int kind, const double *d, ym_field *g,
                                    const double *geo, ym_field *ins, double kappa, ym_field *K, double *isg,
                                    const int *in, int n)
{
    for (int i = 0; i < n; ++i)
        if (!hy_site(N, G, kind, d, in[i], ym_field_site(g, in[i]),
                     geo ? geo + (size_t)YM_RICCI_NGEO * (size_t)i : NULL, ins ? ym_field_site(ins, in[i]) : NULL, kappa,
                     K ? ym_field_site(K, in[i]) : NULL, isg ? isg + i : NULL))
            return in[i];
    return -1;
}

/* Insertions (ins != NULL, then their halo) and/or the source (K != NULL)
 * on the interior sites; updates u's halo first. Collective. */
static int sites(ym_hybrid *h, ym_gauge *u, ym_field *g, const double *geo, ym_field *ins, double kappa, ym_field *K,
                 double *isg)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int st = ym_gauge_halo_update(u);
    if (st) return st;
    const double *d = ym_field_data(ym_gauge_field(u));
    const int *in = ym_geom_interior(h->g);
    int n = ym_geom_ninterior(h->g), bad;
    if (h->N == 2) bad = hy_sites2(h->g, h->kind, d, g, geo, ins, kappa, K, isg, in, n);
    else if (h->N == 3) bad = hy_sites3(h->g, h->kind, d, g, geo, ins, kappa, K, isg, in, n);
    else bad = hy_sites_any(h->N, h->g, h->kind, d, g, geo, ins, kappa, K, isg, in, n);
    st = ym_status_agree(comm, bad >= 0 ? not_spd(h->g, bad) : YM_OK);
    if (!st && ins) st = ym_field_halo_update(ins);
    return st;
}

/* The force's per-link work is compiled for N = 2 and N = 3 as constants
 * (unrolled, matrices kept in registers, no calls or copies through memory)
 * and once for run-time N (N = 1, 4 .. YM_NMAX; also reachable for N = 2, 3
 * through ym_hybrid_force_generic, which the tests compare with). Both use
 * the same nesting of products (hy_loop) and the terms of ym_su_mul_nn, so
 * they differ by rounding only (grouping of the terms, FMA contraction in
 * the YM_HOT clone). */

/* The insertion matrix M = A + c 1 of a packed plane, or M^dagger = -A + c 1
 * (dag). */
HY_INLINE void hy_unpack(int n, ym_cplx *M, const double *k, int dag)
{
    double s = dag ? -1.0 : 1.0, c = k[n * n];
    for (int i = 0; i < n; ++i) M[i * n + i] = CMPLX(c, s * k[i]);
    const double *o = k + n;
    for (int i = 0; i < n; ++i)
        for (int j = i + 1; j < n; ++j, o += 2) {
            M[i * n + j] = CMPLX(s * o[0], s * o[1]);
            M[j * n + i] = CMPLX(-s * o[0], s * o[1]);
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
                        hy_unpack(n, Md[j], ins + (size_t)cs[j] * ins_stride + p * INS_NC(n), flip);
                        M[j] = Md[j];
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
                            hy_unpack(n, Md[j], ins + (size_t)cs[j] * ins_stride + p * INS_NC(n), flip);
                            M[j] = Md[j];
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

/* hy_loop in quaternions (same nesting). */
HY_INLINE ymi_q hq_loop(const ymi_q W[4], const ymi_q M[4], int forward)
{
    if (forward) {
        ymi_q R = ymi_q_add(ymi_q_mul(M[3], W[3]), ymi_q_mul(W[3], M[0]));
        ymi_q Q = ymi_q_mul(W[2], W[3]);
        ymi_q T = ymi_q_add(ymi_q_mul(M[2], Q), ymi_q_mul(W[2], R));
        R = ymi_q_mul(W[1], Q);
        Q = ymi_q_add(ymi_q_mul(M[1], R), ymi_q_mul(W[1], T));
        return ymi_q_mul(W[0], Q);
    }
    ymi_q R = ymi_q_add(ymi_q_mul(M[0], W[0]), ymi_q_mul(W[0], M[1]));
    ymi_q Q = ymi_q_mul(W[0], W[1]);
    ymi_q T = ymi_q_add(ymi_q_mul(R, W[1]), ymi_q_mul(Q, M[2]));
    R = ymi_q_mul(Q, W[2]);
    Q = ymi_q_add(ymi_q_mul(T, W[2]), ymi_q_mul(R, M[3]));
    return ymi_q_mul(Q, W[3]);
}

HY_INLINE ymi_q hq_sub(ymi_q x, ymi_q y) { return x - y; }
HY_INLINE void hq_acc(double *o, double s, ymi_q x)
{
    ymi_q_st(o, ymi_q_ld(o) + s * x);
}
HY_INLINE void hq_put(double *o, ymi_q x) { ymi_q_st(o, x); }

/* hy_plaq in quaternions; Omega is summed as a quaternion in the first
 * four reals of each link of z, T1 and T3 hold 4 reals each. */
HY_INLINE void hq_plaq(const double *d, const double *ins, size_t st, double *zd, const unsigned char *inner, int x,
                       int p, int sa, int sb, double *T1, double *T3)
{
    int a = ym_plane_mu[p], b = ym_plane_nu[p];
#define LK(s, m) ymi_q_ld(d + ((size_t)(s) * 4 + (size_t)(m)) * 8)
#define OM(s, m) (zd + ((size_t)(s) * 4 + (size_t)(m)) * 8)
#define INS(s) (ins + (size_t)(s) * st + p * INS_NC(2))
    /* the corners by their strides in the stored block, which is what the
     * neighbour tables hold for every plaquette formed here */
    int c1 = x + sa, c3 = x + sb, c2 = c1 + sb;
    ymi_q W0 = LK(x, a), W1 = LK(c1, b), W2 = ymi_q_dag(LK(c3, a)), W3 = ymi_q_dag(LK(x, b));
    ymi_q M0 = hq_ins(INS(x), 0), M1 = hq_ins(INS(c1), 0), M2 = hq_ins(INS(c2), 0), M3 = hq_ins(INS(c3), 0);
    ymi_q Q = ymi_q_mul(W2, W3), R3 = ymi_q_mul(W1, Q), P0 = ymi_q_mul(W0, R3);
    ymi_q Y1 = ymi_q_mul(W1, ymi_q_add(ymi_q_mul(M2, Q), ymi_q_mul(W2, ymi_q_mul(M3, W3))));
    ymi_q X0 = ymi_q_mul(W0, ymi_q_add(ymi_q_mul(M1, R3), Y1));
    ymi_q E0 = ymi_q_add(X0, ymi_q_mul(P0, M0)), S0 = ymi_q_add(X0, ymi_q_mul(M0, P0));
    if (inner[x]) {
        hq_acc(OM(x, a), 1.0, E0);
        hq_acc(OM(x, b), -1.0, S0);
    }
    if (inner[c1]) {
        ymi_q P1 = ymi_q_mul(R3, W0);
        hq_put(T1, ymi_q_add(ymi_q_mul(ymi_q_add(Y1, ymi_q_mul(R3, M0)), W0), ymi_q_mul(P1, M1)));
    }
    if (inner[c3]) {
        ymi_q W3d = ymi_q_dag(W3);
        ymi_q P3 = ymi_q_mul(ymi_q_mul(W3, P0), W3d);
        ymi_q S3 = ymi_q_mul(ymi_q_mul(W3, S0), W3d);
        hq_put(T3, hq_sub(ymi_q_add(S3, ymi_q_mul(M3, P3)), ymi_q_mul(P3, M3)));
    }
#undef LK
#undef OM
#undef INS
}

/* hy_scatter_sites for N = 2 in quaternions, one t-slice of the stored
 * block at a time: the six planes of a slice are done while its links,
 * insertions and Omega are in cache (a whole pass per plane streamed ~30 MB
 * at 12^4, six times per force). Every link still receives its terms in
 * the order above (plane by plane, its own plaquette's first, then the one
 * below it), so the result is that of plane-major passes, bit for bit. The
 * terms a plaquette hands to the links above it live in a slice-sized
 * buffer T (4 reals each for W1 and W2); those handed up in t (W2 of the
 * planes (a,3)) are read one slice later, so they go to a two-slice ring
 * Tt instead. */
static YM_HOT void hy_force2(const ym_geom *G, const double *d, const double *ins, size_t st, double *zd,
                             const int *in, int nin, const unsigned char *inner, const int *const *hb,
                             const int *nhb, double *T)
{
#define OM(s, m) (zd + ((size_t)(s) * 4 + (size_t)(m)) * 8)
    const int *e = ym_geom_ext(G);
    const unsigned char *fl = ym_geom_flag_table(G);
    /* ym_geom_strides, written out so that str[0] = 1 is known to the compiler */
    int S = e[0] * e[1] * e[2], i0 = 0, h0[6] = {0, 0, 0, 0, 0, 0}, str[4] = {1, e[0], e[0] * e[1], S};
    double *Tt = T + 8 * (size_t)S; /* the t-plane ring after the slice's 8 reals per site */
    for (int s = 0; s < e[3]; ++s) {
        int lo = s * S, hi = lo + S, i1 = i0;
        while (i1 < nin && in[i1] < hi) ++i1;
        /* Omega accumulates in the first four reals of each link's eight;
         * the other four are written by the projection at the end */
        for (int i = i0; i < i1; ++i)
            for (int mu = 0; mu < 4; ++mu)
                for (int k = 0; k < 4; ++k) zd[(size_t)in[i] * 32 + (size_t)(8 * mu + k)] = 0.0;
        for (int p = 0; p < 6; ++p) {
            int a = ym_plane_mu[p], b = ym_plane_nu[p];
            /* W2's terms: read in this slice, or (b = t) in the next */
            double *t3 = b == 3 ? Tt + ((size_t)(s & 1) * 3 + (size_t)a) * 4 * (size_t)S : T + 4 * (size_t)S;
            const double *r3 = b == 3 ? Tt + ((size_t)((s + 1) & 1) * 3 + (size_t)a) * 4 * (size_t)S : t3;
            int r3lo = b == 3 ? lo - S : lo, sa = str[a], sb = str[b];
            for (int i = i0; i < i1; ++i) {
                int x = in[i];
                if (ym_geom_plaq_ok(fl[x], a, b))
                    hq_plaq(d, ins, st, zd, inner, x, p, sa, sb, T + 4 * (size_t)(x - lo), t3 + 4 * (size_t)(x - lo));
            }
            for (; h0[p] < nhb[p] && hb[p][h0[p]] < hi; ++h0[p]) {
                int x = hb[p][h0[p]];
                hq_plaq(d, ins, st, zd, inner, x, p, sa, sb, T + 4 * (size_t)(x - lo), t3 + 4 * (size_t)(x - lo));
            }
            for (int i = i0; i < i1; ++i) {
                /* the plaquettes below y in a and in b, where they exist (below()) */
                int y = in[i], x;
                unsigned fy = fl[y];
                if ((fy & YM_GEOM_DOWN(a)) && ym_geom_plaq_ok(fl[x = y - sa], a, b)) {
                    const double *t = T + 4 * (size_t)(x - lo);
                    hq_acc(OM(y, b), 1.0, (ymi_q){t[0], t[1], t[2], t[3]});
                }
                if ((fy & YM_GEOM_DOWN(b)) && ym_geom_plaq_ok(fl[x = y - sb], a, b)) {
                    const double *t = r3 + 4 * (size_t)(x - r3lo);
                    hq_acc(OM(y, a), -1.0, (ymi_q){t[0], t[1], t[2], t[3]});
                }
            }
        }
        for (int i = i0; i < i1; ++i) {
            int y = in[i];
            unsigned fy = fl[y];
            for (int mu = 0; mu < 4; ++mu) {
                double *Z = OM(y, mu);
                ymi_q om = {Z[0], Z[1], Z[2], Z[3]};
                if (!(fy & YM_GEOM_LINK(mu))) om = (ymi_q){0.0, 0.0, 0.0, 0.0};
                /* Z = 1/2 P(Omega) = 1/2 [[i Im a, b], [-conj(b), -i Im a]] */
                ymi_q_ah_scaled(Z, om, 0.5);
            }
        }
        i0 = i1;
    }
#undef OM
}

/* c += s a, s real. */
HY_INLINE void hy_axpy(int n, ym_cplx *c, double s, const ym_cplx *a)
{
    for (int k = 0; k < n * n; ++k) c[k] += s * a[k];
}

/* The force by plaquettes: each plaquette at a site x, in its (a < b)
 * orientation W0 = U_a(x), W1 = U_b(x+a), W2 = U_a(x+b)^+, W3 = U_b(x)^+
 * with insertions M0..M3 at its corners, is formed once and gives all four
 * of its links their Omega (RYM.md §1.2):
 *   forward W0:  E0 = X0 + P0 M0, X0 = W0 [M1 W1W2W3 + Y1],
 *                Y1 = W1 (M2 W2W3 + W2 M3 W3), P0 = W0W1W2W3
 *   backward W3: -S0, S0 = X0 + M0 P0   (M0 at the front)
 *   forward W1:  E1 = (Y1 + W1W2W3 M0) W0 + P1 M1, P1 = W1W2W3 W0
 *   backward W2: -S3, S3 = W3 S0 W3^+ + M3 P3 - P3 M3, P3 = W3 P0 W3^+
 * (the cyclic shifts of the dressed loop; W^+ W = 1 up to the links'
 * rounding in S3): 21 products per plaquette instead of 4 x 9 by links.
 * Results must not depend on the process grid, so every plaquette is
 * formed by the same arithmetic wherever it lies (those based in the lower
 * halo too, for the interior links they reach), and every link receives its
 * terms in one order: plane by plane, first the terms of the plaquette at
 * its own base site (E0, S0: pass 1), then that of the plaquette below it
 * (E1, S3, kept per base site in T1, T3: pass 2). Omega is summed in z,
 * then projected, Z = 1/2 P(Omega). */
HY_INLINE void hy_plaq(int n, const ym_geom *G, const double *d, const double *ins, size_t ins_stride, double *zd,
                       const unsigned char *inner, int x, int p, int c2, double *T1, double *T3)
{
    int nn = n * n, a = ym_plane_mu[p], b = ym_plane_nu[p];
    typedef ym_cplx mat[YM_NMAX * YM_NMAX];
#define LK(s, m) ((const ym_cplx *)ym_gauge_link_at((double *)d, n, (s), (m)))
#define OM(s, m) ((ym_cplx *)ym_gauge_link_at(zd, n, (s), (m)))
#define INS(s) (ins + (size_t)(s) * ins_stride + p * INS_NC(n))
    int c1 = ym_geom_up(G, a)[x], c3 = ym_geom_up(G, b)[x];
    mat W2, W3, M0, M1, M2, M3, R, Q, T, R3, E0, P0, S0, X, Y, X0, Y1;
    const ym_cplx *W0 = LK(x, a), *W1 = LK(c1, b);
    hy_dagger(n, W2, LK(c3, a));
    hy_dagger(n, W3, LK(x, b));
    hy_unpack(n, M0, INS(x), 0);
    hy_unpack(n, M1, INS(c1), 0);
    hy_unpack(n, M2, INS(c2), 0);
    hy_unpack(n, M3, INS(c3), 0);
    hy_mul(n, Q, W2, W3, 0);  /* Q = W2 W3 */
    hy_mul(n, R3, W1, Q, 0);  /* R3 = W1 W2 W3 */
    hy_mul(n, P0, W0, R3, 0); /* P0 = W0 W1 W2 W3 */
    hy_mul(n, R, M3, W3, 0);  /* T = M2 Q + W2 M3 W3 */
    hy_mul(n, T, M2, Q, 0);
    hy_mula(n, T, W2, R);
    hy_mul(n, Y1, W1, T, 0);  /* Y1 = W1 T */
    hy_mul(n, Q, M1, R3, 0);  /* X0 = W0 (M1 R3 + Y1) */
    for (int k = 0; k < nn; ++k) Q[k] += Y1[k];
    hy_mul(n, X0, W0, Q, 0);
    /* E0 = X0 + P0 M0, S0 = X0 + M0 P0 */
    hy_mul(n, X, P0, M0, 0);
    hy_mul(n, Y, M0, P0, 0);
    for (int k = 0; k < nn; ++k) {
        E0[k] = X0[k] + X[k];
        S0[k] = X0[k] + Y[k];
    }
    if (inner[x]) {
        hy_axpy(n, OM(x, a), 1.0, E0);
        hy_axpy(n, OM(x, b), -1.0, S0);
    }
    if (inner[c1]) {
        /* E1 = (Y1 + R3 M0) W0 + P1 M1, P1 = R3 W0 */
        mat P1;
        hy_mul(n, P1, R3, W0, 0);
        hy_mul(n, X, R3, M0, 0);
        for (int k = 0; k < nn; ++k) X[k] += Y1[k];
        hy_mul(n, Y, X, W0, 0);
        hy_mul(n, X, P1, M1, 0);
        ym_cplx *o = (ym_cplx *)T1;
        for (int k = 0; k < nn; ++k) o[k] = Y[k] + X[k];
    }
    if (inner[c3]) {
        mat P3, S3;
        hy_mul(n, X, W3, P0, 0);
        hy_mulx(n, P3, X, W3, 0, 1);
        hy_mul(n, X, W3, S0, 0);
        hy_mulx(n, S3, X, W3, 0, 1);
        hy_mul(n, X, M3, P3, 0);
        hy_mul(n, Y, P3, M3, 0);
        ym_cplx *o = (ym_cplx *)T3;
        for (int k = 0; k < nn; ++k) o[k] = S3[k] + X[k] - Y[k];
    }
#undef LK
#undef OM
#undef INS
}

HY_INLINE void hy_scatter_sites(int n, const ym_geom *G, const double *d, const double *ins, size_t ins_stride,
                                double *zd, const int *in, int nin, const unsigned char *inner, const int *const *hb,
                                const int *nhb, double *T)
{
    int nn = n * n;
    size_t ts = 4 * (size_t)nn; /* T1 then T3, complex, per stored site */
#define OM(s, m) ((ym_cplx *)ym_gauge_link_at(zd, n, (s), (m)))
    for (int i = 0; i < nin; ++i)
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *o = OM(in[i], mu);
            for (int k = 0; k < nn; ++k) o[k] = 0.0;
        }
    for (int p = 0; p < 6; ++p) {
        int a = ym_plane_mu[p], b = ym_plane_nu[p];
        for (int i = 0; i < nin; ++i) {
            int x = in[i];
            if (ym_geom_plaq_ok(ym_geom_flags(G, x), a, b))
                hy_plaq(n, G, d, ins, ins_stride, zd, inner, x, p, plaq_c2(G, inner, x, a, b), T + (size_t)x * ts, T + (size_t)x * ts + 2 * nn);
        }
        for (int i = 0; i < nhb[p]; ++i) {
            int x = hb[p][i];
            hy_plaq(n, G, d, ins, ins_stride, zd, inner, x, p, plaq_c2(G, inner, x, a, b), T + (size_t)x * ts, T + (size_t)x * ts + 2 * nn);
        }
        for (int i = 0; i < nin; ++i) {
            int y = in[i], x;
            unsigned fy = ym_geom_flags(G, y);
            if ((x = below(G, y, fy, a, a, b)) >= 0) hy_axpy(n, OM(y, b), 1.0, (const ym_cplx *)(T + (size_t)x * ts));
            if ((x = below(G, y, fy, b, a, b)) >= 0)
                hy_axpy(n, OM(y, a), -1.0, (const ym_cplx *)(T + (size_t)x * ts + 2 * nn));
        }
    }
    for (int i = 0; i < nin; ++i) {
        int y = in[i];
        unsigned fy = ym_geom_flags(G, y);
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *Z = OM(y, mu);
            if (!(fy & YM_GEOM_LINK(mu))) {
                for (int k = 0; k < nn; ++k) Z[k] = 0.0;
                continue;
            }
            ym_cplx om[YM_NMAX * YM_NMAX];
            memcpy(om, Z, sizeof(ym_cplx) * (size_t)nn);
            ym_su_proj(n, Z, om);
            for (int k = 0; k < nn; ++k) Z[k] *= 0.5;
        }
    }
#undef OM
}

static YM_HOT void hy_force3(const ym_geom *G, const double *d, const double *ins, size_t st, double *zd,
                             const int *in, int nin, const unsigned char *inner, const int *const *hb,
                             const int *nhb, double *T)
{
    hy_scatter_sites(3, G, d, ins, st, zd, in, nin, inner, hb, nhb, T);
}

static HY_NOINLINE void hy_force_any(int N, const ym_geom *G, const double *d, const double *ins, size_t st,
                                     double *zd, const int *in, int lo, int hi)
{
    hy_force_sites(N, G, d, ins, st, zd, in, lo, hi);
}

static int force(ym_hybrid *h, ym_gauge *u, ym_field *g, const double *geo, double kappa, ym_field *K, double *isg,
                 ym_field *z, int generic)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int N = h->N, nn = N * N;
    int st = check(h, u, g);
    if (!st && (ym_field_geom(z) != h->g || ym_field_ncomp(z) != 4 * 2 * (size_t)nn))
        st = YM_ERROR(YM_EINVAL, "metric action: the force field has the wrong shape");
    if (!st && K && (ym_field_geom(K) != h->g || ym_field_ncomp(K) != YM_METRIC_NCOMP))
        st = YM_ERROR(YM_EINVAL, "metric source: the velocity is not a 10-component field on the gauge geometry");
    st = ym_status_agree(comm, st);
    if (!st) st = sites(h, u, g, geo, h->ins, kappa, K, isg);
    if (st) return st;
    const ym_geom *G = h->g;
    const double *d = ym_field_data(ym_gauge_field(u));
    const double *ins = ym_field_data(h->ins);
    size_t stride = ym_field_ncomp(h->ins);
    double *zd = ym_field_data(z);
    const int *in = ym_geom_interior(G);
    int n = ym_geom_ninterior(G);
    if (!generic && N == 2) hy_force2(G, d, ins, stride, zd, in, n, h->inner, (const int *const *)h->hb, h->nhb, h->T);
    else if (!generic && N == 3) hy_force3(G, d, ins, stride, zd, in, n, h->inner, (const int *const *)h->hb, h->nhb, h->T);
    else hy_force_any(N, G, d, ins, stride, zd, in, 0, n);
    return YM_OK;
}

int ym_hybrid_force(ym_hybrid *h, ym_gauge *u, ym_field *g, ym_field *z)
{
    return force(h, u, g, NULL, 0.0, NULL, NULL, z, 0);
}

int ym_hybrid_force_source(ym_hybrid *h, ym_gauge *u, ym_field *g, double kappa, ym_field *K, double *isg,
                           ym_field *z)
{
    return force(h, u, g, NULL, kappa, kappa != 0 ? K : NULL, isg, z, 0);
}

int ym_hybrid_force_source_geo(ym_hybrid *h, ym_gauge *u, ym_field *g, const double *geo, double kappa, ym_field *K,
                               double *isg, ym_field *z)
{
    return force(h, u, g, geo, kappa, kappa != 0 ? K : NULL, isg, z, 0);
}

int ym_hybrid_force_generic(ym_hybrid *h, ym_gauge *u, ym_field *g, ym_field *z)
{
    return force(h, u, g, NULL, 0.0, NULL, NULL, z, 1);
}

int ym_hybrid_source(ym_hybrid *h, ym_gauge *u, ym_field *g, double kappa, ym_field *K)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(h->g));
    int st = check(h, u, g);
    if (!st && (ym_field_geom(K) != h->g || ym_field_ncomp(K) != YM_METRIC_NCOMP))
        st = YM_ERROR(YM_EINVAL, "metric source: the velocity is not a 10-component field on the gauge geometry");
    st = ym_status_agree(comm, st);
    return st ? st : sites(h, u, g, NULL, NULL, kappa, K, NULL);
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
