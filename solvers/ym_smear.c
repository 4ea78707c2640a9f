/* Stout and APE smearing (see ym_smear.h). */
#include "ym_smear.h"
#include "ym_cool.h"

#include <math.h>
#include <string.h>

#include "ym_status.h"

/* A_mu(x) of ym_smear.h into a; returns the number of staples used. */
static int staple(ym_gauge *u, int x, int mu, ym_cplx *a)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u), cnt = 0;
    ym_cplx t[YM_NMAX * YM_NMAX], r[YM_NMAX * YM_NMAX];
    ym_su_zero(N, a);
    int xp = ym_geom_up(g, mu)[x];
    for (int nu = 0; nu < 4; ++nu) {
        if (nu == mu) continue;
        unsigned fx = ym_geom_flags(g, x);
        /* forward: U_nu(x+mu) U_mu(x+nu)^dag U_nu(x)^dag */
        if ((fx & YM_GEOM_LINK(nu)) && (ym_geom_flags(g, xp) & YM_GEOM_LINK(nu))) {
            int xn = ym_geom_up(g, nu)[x];
            ym_su_mul_nd(N, t, ym_gauge_link(u, xp, nu), ym_gauge_link(u, xn, mu));
            ym_su_mul_nd(N, r, t, ym_gauge_link(u, x, nu));
            ym_su_axpy(N, a, 1.0, r);
            ++cnt;
        }
        /* backward: U_nu(x+mu-nu)^dag U_mu(x-nu)^dag U_nu(x-nu) */
        if (fx & YM_GEOM_DOWN(nu)) {
            int xm = ym_geom_dn(g, nu)[x], xpm = ym_geom_dn(g, nu)[xp];
            if ((ym_geom_flags(g, xm) & YM_GEOM_LINK(nu)) && (ym_geom_flags(g, xpm) & YM_GEOM_LINK(nu))) {
                ym_su_mul_dd(N, t, ym_gauge_link(u, xpm, nu), ym_gauge_link(u, xm, mu));
                ym_su_mul_nn(N, r, t, ym_gauge_link(u, xm, nu));
                ym_su_axpy(N, a, 1.0, r);
                ++cnt;
            }
        }
    }
    return cnt;
}

/* Max-trace projection: W in SU(N) maximising Re tr(W M^dagger), by
 * Cabibbo-Marinari sweeps from the Gram-Schmidt projection (covariant:
 * M -> L M R^dagger gives W -> L W R^dagger). For SU(2) M is a multiple of
 * an SU(2) matrix and one sweep is exact. */
static void maxtrace(int N, ym_cplx *W, const ym_cplx *M)
{
    ym_cplx X[YM_NMAX * YM_NMAX], old[YM_NMAX * YM_NMAX];
    ym_su_copy(N, W, M);
    ym_su_reunit(N, W);
    for (int it = 0; it < 100; ++it) {
        ym_su_copy(N, old, W);
        ym_su_mul_nd(N, X, W, M); /* Re tr(G W M^dag) */
        ym_cool_su2_maximise(N, W, X);
        if (ym_su_maxdiff(N, W, old) < 1e-15) break;
    }
    ym_su_reunit(N, W);
}

/* kind 0: stout, 1: APE */
static int smear(ym_gauge *u, double par, int nsteps, int kind)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int st = YM_OK;
    if (!isfinite(par) || nsteps < 0) st = YM_ERROR(YM_EINVAL, "smearing: bad parameter %g or step count %d", par, nsteps);
    st = ym_status_agree(comm, st);
    if (st) return st;
    int N = ym_gauge_N(u);
    size_t nn = (size_t)N * N;
    ym_gauge *v = NULL;
    st = ym_status_agree(comm, ym_gauge_create(&v, g, N));
    if (st) return st;
    const int *in = ym_geom_interior(g);
    ym_cplx a[YM_NMAX * YM_NMAX], m[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX];
    for (int s = 0; s < nsteps && !st; ++s) {
        st = ym_gauge_halo_update(u);
        if (!st) st = ym_gauge_copy(v, u);
        for (int i = 0; i < ym_geom_ninterior(g) && !st; ++i) {
            int x = in[i];
            for (int mu = 0; mu < 4; ++mu) {
                if (!(ym_geom_flags(g, x) & YM_GEOM_LINK(mu))) continue;
                staple(v, x, mu, a);
                const ym_cplx *U = ym_gauge_link(v, x, mu);
                ym_cplx *out = ym_gauge_link(u, x, mu);
                if (kind == 0) {
                    ym_su_mul_nn(N, m, U, a);
                    ym_su_proj(N, m, m);
                    for (size_t j = 0; j < nn; ++j) m[j] *= -par;
                    ym_su_exp(N, e, m);
                    ym_su_mul_nn(N, out, e, U);
                } else {
                    ym_su_dagger(N, m, a);
                    for (size_t j = 0; j < nn; ++j) e[j] = (1.0 - par) * U[j] + par / 6.0 * m[j];
                    maxtrace(N, out, e);
                }
            }
        }
    }
    if (!st) st = ym_gauge_halo_update(u);
    ym_gauge_free(v);
    return st;
}

int ym_smear_stout(ym_gauge *u, double rho, int nsteps) { return smear(u, rho, nsteps, 0); }
int ym_smear_ape(ym_gauge *u, double alpha, int nsteps) { return smear(u, alpha, nsteps, 1); }
