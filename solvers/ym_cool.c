/* Cooling sweeps (see ym_cool.h). */
#include "ym_cool.h"

#include <math.h>
#include <string.h>

#include "ym_status.h"

void ym_cool_loops_wilson(ym_loop_set *ls)
{
    memset(ls, 0, sizeof *ls);
    ls->nloop = 1;
    ls->ext_mu[0] = ls->ext_nu[0] = 1;
    ls->w[0] = 1.0;
}

void ym_cool_loops_overimproved(ym_loop_set *ls, double eps)
{
    memset(ls, 0, sizeof *ls);
    ls->nloop = 2;
    ls->ext_mu[0] = 1, ls->ext_nu[0] = 1, ls->w[0] = (4.0 - eps) / 3.0;
    ls->ext_mu[1] = 2, ls->ext_nu[1] = 2, ls->w[1] = (eps - 1.0) / 48.0;
}

void ym_cool_loops_rectangle(ym_loop_set *ls, double c1)
{
    memset(ls, 0, sizeof *ls);
    ls->nloop = 3;
    ls->ext_mu[0] = 1, ls->ext_nu[0] = 1, ls->w[0] = 1.0 - 8.0 * c1;
    ls->ext_mu[1] = 1, ls->ext_nu[1] = 2, ls->w[1] = c1;
    ls->ext_mu[2] = 2, ls->ext_nu[2] = 1, ls->w[2] = c1;
}

/* Product of links along steps (+-(dir+1)) from x; 0 if a link is missing. */
static int walk(ym_gauge *u, int x, const int *steps, int n, ym_cplx *out)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    ym_cplx t[YM_NMAX * YM_NMAX];
    ym_su_unit(N, out);
    for (int k = 0; k < n; ++k) {
        int s = steps[k], m = (s > 0 ? s : -s) - 1;
        if (x < 0) return 0;
        if (s > 0) {
            if (!(ym_geom_flags(g, x) & YM_GEOM_LINK(m))) return 0;
            ym_su_mul_nn(N, t, out, ym_gauge_link(u, x, m));
            x = ym_geom_up(g, m)[x];
        } else {
            x = ym_geom_dn(g, m)[x];
            if (x < 0 || !(ym_geom_flags(g, x) & YM_GEOM_LINK(m))) return 0;
            ym_su_mul_nd(N, t, out, ym_gauge_link(u, x, m));
        }
        ym_su_copy(N, out, t);
    }
    return x >= 0;
}

/* Sum over loops through U_mu(x) of w times the loop after the link. */
void ym_cool_staple(ym_gauge *u, const ym_loop_set *ls, int x, int mu, ym_cplx *A)
{
    int N = ym_gauge_N(u), p[16];
    ym_cplx l[YM_NMAX * YM_NMAX];
    ym_su_zero(N, A);
    int xp = ym_geom_up(ym_gauge_geom(u), mu)[x];
    for (int nu = 0; nu < 4; ++nu) {
        if (nu == mu) continue;
        for (int k = 0; k < ls->nloop; ++k)
            for (int sig = -1; sig <= 1; sig += 2)
                for (int pos = 0; pos < ls->ext_mu[k]; ++pos) {
                    int a = ls->ext_mu[k], b = ls->ext_nu[k], n = 0;
                    /* the loop starting with U_mu(x) at position pos of its side, minus that first link */
                    for (int j = 1; j < a - pos; ++j) p[n++] = mu + 1;
                    for (int j = 0; j < b; ++j) p[n++] = sig * (nu + 1);
                    for (int j = 0; j < a; ++j) p[n++] = -(mu + 1);
                    for (int j = 0; j < b; ++j) p[n++] = -sig * (nu + 1);
                    for (int j = 0; j < pos; ++j) p[n++] = mu + 1;
                    if (walk(u, xp, p, n, l)) ym_su_axpy(N, A, ls->w[k], l);
                }
    }
}

/* Maximise Re tr(G M) over the SU(2) subgroups; U <- G U, M <- G M. */
void ym_cool_su2_maximise(int N, ym_cplx *U, ym_cplx *M)
{
    for (int i = 0; i < N; ++i)
        for (int j = i + 1; j < N; ++j) {
            ym_cplx m00 = M[i * N + i], m01 = M[i * N + j], m10 = M[j * N + i], m11 = M[j * N + j];
            double v0 = creal(m00 + m11) / 2, v1 = cimag(m01 + m10) / 2, v2 = creal(m01 - m10) / 2,
                   v3 = cimag(m00 - m11) / 2;
            double nrm = sqrt(v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3);
            if (!(nrm > 0)) continue;
            v0 /= nrm, v1 /= nrm, v2 /= nrm, v3 /= nrm;
            /* g = v^dagger, v = [[v0 + i v3, v2 + i v1], [-v2 + i v1, v0 - i v3]] */
            ym_cplx g00 = v0 - I * v3, g01 = -v2 - I * v1, g10 = v2 - I * v1, g11 = v0 + I * v3;
            for (int c = 0; c < N; ++c) {
                ym_cplx a = U[i * N + c], b = U[j * N + c];
                U[i * N + c] = g00 * a + g01 * b;
                U[j * N + c] = g10 * a + g11 * b;
                a = M[i * N + c], b = M[j * N + c];
                M[i * N + c] = g00 * a + g01 * b;
                M[j * N + c] = g10 * a + g11 * b;
            }
        }
}

int ym_cool_sweeps(ym_gauge *u, const ym_loop_set *ls, int nsweeps)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    const int *L = ym_grid_L(ym_geom_grid(g));
    int st = YM_OK, depth = 1;
    if (!ls || ls->nloop < 1 || ls->nloop > 4 || nsweeps < 0) st = YM_ERROR(YM_EINVAL, "cooling: bad loop set or sweep count");
    for (int k = 0; !st && k < ls->nloop; ++k) {
        if (ls->ext_mu[k] < 1 || ls->ext_mu[k] > 2 || ls->ext_nu[k] < 1 || ls->ext_nu[k] > 2)
            st = YM_ERROR(YM_EINVAL, "cooling: loop extents must be 1 or 2");
        if (ls->ext_mu[k] > depth) depth = ls->ext_mu[k];
        if (ls->ext_nu[k] > depth) depth = ls->ext_nu[k];
    }
    if (!st && ym_geom_depth(g) < depth)
        st = YM_ERROR(YM_EINVAL, "cooling: needs halo depth %d, the field has %d", depth, ym_geom_depth(g));
    for (int m = 0; !st && m < 4; ++m)
        if (ym_geom_bc(g, m) == YM_BC_PERIODIC && L[m] % (depth == 1 ? 2 : 4))
            st = YM_ERROR(YM_EINVAL, "cooling: periodic extent L%d = %d must be a multiple of %d", m, L[m],
                          depth == 1 ? 2 : 4);
    st = ym_status_agree(comm, st);
    if (!st) st = ym_gauge_halo_update(u);
    if (st) return st;
    int N = ym_gauge_N(u), ncol = depth == 1 ? 2 : 8;
    const int *in = ym_geom_interior(g);
    ym_cplx A[YM_NMAX * YM_NMAX], M[YM_NMAX * YM_NMAX];
    for (int sw = 0; sw < nsweeps && !st; ++sw)
        for (int mu = 0; mu < 4 && !st; ++mu)
            for (int c = 0; c < ncol && !st; ++c) {
                for (int i = 0; i < ym_geom_ninterior(g); ++i) {
                    int x = in[i], G[4];
                    if (!(ym_geom_flags(g, x) & YM_GEOM_LINK(mu))) continue;
                    ym_geom_global_coords(g, x, G);
                    int col;
                    if (depth == 1) col = (G[0] + G[1] + G[2] + G[3]) & 1;
                    else col = (G[mu] & 1) + 2 * ((G[0] + G[1] + G[2] + G[3] - G[mu]) & 3);
                    if (col != c) continue;
                    ym_cplx *U = ym_gauge_link(u, x, mu);
                    ym_cool_staple(u, ls, x, mu, A);
                    ym_su_mul_nn(N, M, U, A);
                    ym_cool_su2_maximise(N, U, M);
                    if (N > 2) ym_su_reunit(N, U);
                }
                st = ym_gauge_halo_update(u);
            }
    return ym_status_agree(comm, st);
}
