/* Plaquettes, clover field strength and the densities built from it. */
#include "ym_curv.h"
#include "ym_status.h"
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
    double r[4];
    st = ym_sum_allreduce_n(acc, 4, comm_of(u), r);
    if (st) return st;
    p->count = r[2] + r[3];
    p->spatial = r[2] > 0 ? r[0] / (N * r[2]) : 0;
    p->temporal = r[3] > 0 ? r[1] / (N * r[3]) : 0;
    p->total = p->count > 0 ? (r[0] + r[1]) / (N * p->count) : 0;
    return YM_OK;
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

/* Sum of the four clover leaves of the (mu,nu) plane at x into q. */
static void clover_leaves(int N, double *d, const ym_geom *g, int x, int mu, int nu, ym_cplx *q)
{
    const int *upm = ym_geom_up(g, mu), *upn = ym_geom_up(g, nu);
    const int *dnm = ym_geom_dn(g, mu), *dnn = ym_geom_dn(g, nu);
    int xpm = upm[x], xpn = upn[x], xmm = dnm[x], xmn = dnn[x];
    int xmm_pn = upn[xmm], xmm_mn = dnn[xmm], xpm_mn = dnn[xpm];
    ym_cplx a[YM_NMAX * YM_NMAX], b[YM_NMAX * YM_NMAX], c[YM_NMAX * YM_NMAX];
#define L(s, m) ym_gauge_link_at(d, N, (s), (m))
    /* U_mu(x) U_nu(x+mu) U_mu(x+nu)^+ U_nu(x)^+ */
    ym_su_mul_nn(N, a, L(x, mu), L(xpm, nu));
    ym_su_mul_nn(N, b, L(x, nu), L(xpn, mu));
    ym_su_mul_nd(N, q, a, b);
    /* U_nu(x) U_mu(x-mu+nu)^+ U_nu(x-mu)^+ U_mu(x-mu) */
    ym_su_mul_nd(N, a, L(x, nu), L(xmm_pn, mu));
    ym_su_mul_dn(N, b, L(xmm, nu), L(xmm, mu));
    ym_su_mul_nn(N, c, a, b);
    ym_su_axpy(N, q, 1.0, c);
    /* U_mu(x-mu)^+ U_nu(x-mu-nu)^+ U_mu(x-mu-nu) U_nu(x-nu) */
    ym_su_mul_nn(N, a, L(xmm_mn, nu), L(xmm, mu));
    ym_su_mul_nn(N, b, L(xmm_mn, mu), L(xmn, nu));
    ym_su_mul_dn(N, c, a, b);
    ym_su_axpy(N, q, 1.0, c);
    /* U_nu(x-nu)^+ U_mu(x-nu) U_nu(x+mu-nu) U_mu(x)^+ */
    ym_su_mul_dn(N, a, L(xmn, nu), L(xmn, mu));
    ym_su_mul_nd(N, b, L(xpm_mn, nu), L(x, mu));
    ym_su_mul_nn(N, c, a, b);
    ym_su_axpy(N, q, 1.0, c);
#undef L
}

/* The six clover planes of site x into fx (P(Q)/4 each; 0 where a leaf
 * leaves the lattice). */
static void site_clover(int N, double *d, const ym_geom *g, int x, ym_cplx *fx)
{
    ym_cplx q[YM_NMAX * YM_NMAX];
    unsigned f = ym_geom_flags(g, x);
    for (int pl = 0; pl < 6; ++pl) {
        int mu = ym_plane_mu[pl], nu = ym_plane_nu[pl];
        ym_cplx *fp = fx + pl * NN(N);
        if (!ym_geom_clover_ok(f, mu, nu)) {
            ym_su_zero(N, fp);
            continue;
        }
        clover_leaves(N, d, g, x, mu, nu, q);
        /* (1/8)(Q - Q^+) made traceless = P(Q)/4 */
        ym_su_proj(N, fp, q);
        for (int k = 0; k < NN(N); ++k) fp[k] *= 0.25;
    }
}

int ym_curv_clover(ym_gauge *u, ym_field *F)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    if (ym_field_geom(F) != g || ym_field_ncomp(F) != 6 * 2 * (size_t)NN(N))
        return ym_status_agree(comm_of(u), YM_ERROR(YM_EINVAL, "clover: field has the wrong shape"));
    int st = ym_gauge_halo_update(u);
    if (st) return st;
    double *d = ym_field_data(ym_gauge_field(u));
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) site_clover(N, d, g, in[i], (ym_cplx *)ym_field_site(F, in[i]));
    return YM_OK;
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

int ym_curv_clover_densities(ym_gauge *u, ym_field *E, ym_field *q)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    int bad = (E && (ym_field_geom(E) != g || ym_field_ncomp(E) != 1)) ||
              (q && (ym_field_geom(q) != g || ym_field_ncomp(q) != 1));
    if (bad) return ym_status_agree(comm_of(u), YM_ERROR(YM_EINVAL, "clover densities: field has the wrong shape"));
    int st = ym_gauge_halo_update(u);
    if (st) return st;
    double *d = ym_field_data(ym_gauge_field(u));
    const int *in = ym_geom_interior(g);
    ym_cplx fx[6 * YM_NMAX * YM_NMAX];
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int x = in[i];
        site_clover(N, d, g, x, fx);
        site_densities(N, fx, E ? ym_field_site(E, x) : NULL, q ? ym_field_site(q, x) : NULL);
    }
    return YM_OK;
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
