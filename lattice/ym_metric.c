/* The metric field: layout, starts, algebraic observables. */
#include "ym_metric.h"
#include "ym_hot.h"
#include "ym_rng.h"
#include "ym_ricci.h"
#include "ym_status.h"
#include "ym_sum.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the library's external definitions of the inline ym_metric_comp and ym_metric_unpack */
extern inline int ym_metric_comp(int mu, int nu);
extern inline void ym_metric_unpack(const double c[YM_METRIC_NCOMP], double m[4][4]);

void ym_metric_pack(const double m[4][4], double c[YM_METRIC_NCOMP])
{
    for (int a = 0; a < 4; ++a)
        for (int b = a; b < 4; ++b) c[ym_metric_comp(a, b)] = m[a][b];
}

YM_HOT int ym_metric_spd(const double m[4][4], double inv[4][4], double *det)
{
    /* Hand-coded Cholesky g = L L^T (the rym solver checks every site in
     * every stage; a GSL call per site cost more than the factorisation):
     * the decision is that of gsl_linalg_cholesky_decomp1 (a pivot that is
     * not > 0 refuses), which tests/test_metric_alg.c checks against GSL. */
    double L[4][4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
            if (!isfinite(m[i][j])) return 0;
    double d = 1;
    for (int j = 0; j < 4; ++j) {
        double s = m[j][j];
        for (int k = 0; k < j; ++k) s -= L[j][k] * L[j][k];
        if (!(s > 0)) return 0;
        double ljj = sqrt(s);
        L[j][j] = ljj;
        d *= ljj;
        for (int i = j + 1; i < 4; ++i) {
            double t = m[i][j];
            for (int k = 0; k < j; ++k) t -= L[i][k] * L[j][k];
            L[i][j] = t / ljj;
        }
    }
    if (!(d > 0) || !isfinite(d)) return 0;
    if (det) *det = d * d;
    if (inv) {
        /* X = L^-1 (lower), g^-1 = X^T X: exactly symmetric by construction */
        double X[4][4] = {{0}};
        for (int j = 0; j < 4; ++j) {
            X[j][j] = 1 / L[j][j];
            for (int i = j + 1; i < 4; ++i) {
                double t = 0;
                for (int k = j; k < i; ++k) t += L[i][k] * X[k][j];
                X[i][j] = -t / L[i][i];
            }
        }
        for (int i = 0; i < 4; ++i)
            for (int j = i; j < 4; ++j) {
                double t = 0;
                for (int k = j; k < 4; ++k) t += X[k][i] * X[k][j];
                inv[i][j] = inv[j][i] = t;
            }
    }
    return 1;
}

/* Eigenvalue range with GSL's symmetric QR eigensolver (the measurements'
 * and the oracle of tests/test_metric_alg.c). */
static int eigen_range(const double m[4][4], gsl_eigen_symm_workspace *w, double *lmin, double *lmax)
{
    double a[16], ev[4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) a[4 * i + j] = m[i][j];
    gsl_matrix_view v = gsl_matrix_view_array(a, 4, 4);
    gsl_vector_view e = gsl_vector_view_array(ev, 4);
    if (gsl_eigen_symm(&v.matrix, &e.vector, w) != GSL_SUCCESS)
        return YM_ERROR(YM_ENUM, "metric: eigenvalue iteration did not converge");
    double lo = ev[0], hi = ev[0];
    for (int i = 1; i < 4; ++i) {
        lo = fmin(lo, ev[i]);
        hi = fmax(hi, ev[i]);
    }
    *lmin = lo;
    *lmax = hi;
    return YM_OK;
}

/* The Jacobi rotation zeroing a[p][q]: c, s with t = s/c the smaller root
 * of t^2 + 2 th t - 1 = 0, th = (a_qq - a_pp)/(2 a_pq), written with one
 * division and one square root on the critical path each; 0 when a[p][q] is
 * below the rounding of its diagonal pair (then it cannot move an eigenvalue
 * by more than that) and is dropped. */
static inline int jacobi_angle(double a[4][4], int p, int q, double *c, double *s, double *t)
{
    double apq = a[p][q], d = a[q][q] - a[p][p];
    if (fabs(apq) <= 1e-18 * (fabs(a[p][p]) + fabs(a[q][q]))) {
        a[p][q] = a[q][p] = 0;
        return 0;
    }
    /* t = sign(d) 2 a_pq / (|d| + sqrt(d^2 + 4 a_pq^2)): |d| <= 2e18 |a_pq|, no overflow */
    double tt = (d >= 0 ? 2 * apq : -2 * apq) / (fabs(d) + sqrt(d * d + 4 * apq * apq));
    double cc = 1 / sqrt(1 + tt * tt);
    *t = tt, *c = cc, *s = tt * cc;
    return 1;
}

/* Apply the rotation (p, q) found by jacobi_angle. */
static inline void jacobi_rotate(double a[4][4], int p, int q, double c, double s, double t)
{
    double apq = a[p][q];
    a[p][p] -= t * apq;
    a[q][q] += t * apq;
    a[p][q] = a[q][p] = 0;
    for (int r = 0; r < 4; ++r) {
        if (r == p || r == q) continue;
        double g = a[r][p], h = a[r][q];
        a[r][p] = a[p][r] = c * g - s * h;
        a[r][q] = a[q][r] = s * g + c * h;
    }
}

int ym_metric_eigen(const double m[4][4], double *lmin, double *lmax)
{
    /* Cyclic Jacobi rotations (the rym solver's per-step monitor calls this
     * at every site). Each rotation is orthogonal, so the eigenvalues are
     * accurate to a few rounding units of the norm of m. A sweep is three
     * rounds of two rotations on disjoint index pairs, whose angles are
     * computed independently (they commute): the latency of the square
     * roots and divisions, which bounds a 4 x 4 Jacobi, is shared. */
    static const int rounds[3][4] = {{0, 1, 2, 3}, {0, 2, 1, 3}, {0, 3, 1, 2}};
    double a[4][4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
            if (!isfinite(m[i][j])) return YM_ERROR(YM_ENUM, "metric: eigenvalues of a matrix that is not finite");
            a[i][j] = m[i][j];
        }
    int done = 0;
    for (int sweep = 0; sweep < 64 && !done; ++sweep) {
        done = 1;
        for (int k = 0; k < 3; ++k) {
            const int *r = rounds[k];
            double c0 = 1, s0 = 0, t0 = 0, c1 = 1, s1 = 0, t1 = 0;
            int u0 = a[r[0]][r[1]] != 0 && jacobi_angle(a, r[0], r[1], &c0, &s0, &t0);
            int u1 = a[r[2]][r[3]] != 0 && jacobi_angle(a, r[2], r[3], &c1, &s1, &t1);
            if (u0) jacobi_rotate(a, r[0], r[1], c0, s0, t0);
            if (u1) jacobi_rotate(a, r[2], r[3], c1, s1, t1);
            if (u0 || u1) done = 0;
        }
    }
    if (!done) return YM_ERROR(YM_ENUM, "metric: eigenvalue iteration did not converge");
    double lo = a[0][0], hi = a[0][0];
    for (int i = 1; i < 4; ++i) {
        lo = fmin(lo, a[i][i]);
        hi = fmax(hi, a[i][i]);
    }
    *lmin = lo;
    *lmax = hi;
    return YM_OK;
}

static MPI_Comm comm_of(ym_field *g) { return ym_grid_comm(ym_geom_grid(ym_field_geom(g))); }

static int check_metric(ym_field *g)
{
    if (ym_field_ncomp(g) != YM_METRIC_NCOMP)
        return YM_ERROR(YM_EINVAL, "metric: field has %zu components per site, not 10", ym_field_ncomp(g));
    return YM_OK;
}

int ym_metric_create(ym_field **out, const ym_geom *g)
{
    int st = ym_field_create(out, g, YM_METRIC_NCOMP);
    if (st) return st;
    st = ym_metric_set_flat(*out);
    if (st) {
        ym_field_free(*out);
        *out = NULL;
    }
    return st;
}

static int set_const(ym_field *g, const double m[4][4])
{
    double c[YM_METRIC_NCOMP];
    ym_metric_pack(m, c);
    const int *in = ym_geom_interior(ym_field_geom(g));
    for (int i = 0; i < ym_geom_ninterior(ym_field_geom(g)); ++i)
        memcpy(ym_field_site(g, in[i]), c, sizeof c);
    return ym_field_halo_update(g);
}

int ym_metric_set_flat(ym_field *g)
{
    const double d[4] = {1, 1, 1, 1};
    return ym_metric_set_diag(g, d);
}

int ym_metric_set_diag(ym_field *g, const double d[4])
{
    int st = check_metric(g);
    for (int a = 0; a < 4 && !st; ++a)
        if (!(d[a] > 0) || !isfinite(d[a]))
            st = YM_ERROR(YM_EINVAL, "metric: diagonal entry %d is %g, not a positive number", a, d[a]);
    st = ym_status_agree(comm_of(g), st);
    if (st) return st;
    double m[4][4] = {{0}};
    for (int a = 0; a < 4; ++a) m[a][a] = d[a];
    return set_const(g, m);
}

int ym_metric_set_random(ym_field *g, unsigned long seed, double amp, double lmin)
{
    MPI_Comm comm = comm_of(g);
    int st = check_metric(g);
    if (!st && (!(amp >= 0) || !isfinite(amp)))
        st = YM_ERROR(YM_EINVAL, "metric: random amplitude %g is not a non-negative number", amp);
    if (!st && (!(lmin > 0) || !isfinite(lmin)))
        st = YM_ERROR(YM_EINVAL, "metric: minimum eigenvalue %g is not a positive number", lmin);
    ym_rng *r = NULL;
    gsl_eigen_symmv_workspace *w = NULL;
    if (!st) st = ym_rng_create(&r, seed);
    if (!st && !(w = gsl_eigen_symmv_alloc(4))) st = YM_ERROR(YM_ENOMEM, "metric: out of memory");
    st = ym_status_agree(comm, st);
    if (st) {
        ym_rng_free(r);
        gsl_eigen_symmv_free(w);
        return st;
    }
    const ym_geom *geom = ym_field_geom(g);
    int64_t vol = ym_grid_volume(ym_geom_grid(geom));
    const int *in = ym_geom_interior(geom);
    for (int i = 0; i < ym_geom_ninterior(geom) && !st; ++i) {
        ym_rng_site(r, ym_geom_global_index(geom, in[i]), vol);
        gsl_rng *rg = ym_rng_gsl(r);
        double m[4][4];
        for (int a = 0; a < 4; ++a)
            for (int b = a; b < 4; ++b) {
                double h = gsl_ran_gaussian(rg, a == b ? 1.0 : M_SQRT1_2);
                m[a][b] = m[b][a] = (a == b ? 1.0 : 0.0) + amp * h;
            }
        /* Raise eigenvalues below lmin: g = V max(Lambda, lmin) V^T. */
        double a16[16], ev[4], vec[16];
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) a16[4 * a + b] = m[a][b];
        gsl_matrix_view av = gsl_matrix_view_array(a16, 4, 4), vv = gsl_matrix_view_array(vec, 4, 4);
        gsl_vector_view ev_v = gsl_vector_view_array(ev, 4);
        if (gsl_eigen_symmv(&av.matrix, &ev_v.vector, &vv.matrix, w) != GSL_SUCCESS) {
            st = YM_ERROR(YM_ENUM, "metric: eigen-decomposition of a random metric failed");
            break;
        }
        int low = 0;
        for (int k = 0; k < 4; ++k) low |= ev[k] < lmin;
        if (low) {
            for (int a = 0; a < 4; ++a)
                for (int b = a; b < 4; ++b) {
                    double s = 0;
                    for (int k = 0; k < 4; ++k) s += vec[4 * a + k] * fmax(ev[k], lmin) * vec[4 * b + k];
                    m[a][b] = m[b][a] = s;
                }
        }
        ym_metric_pack(m, ym_field_site(g, in[i]));
    }
    ym_rng_free(r);
    gsl_eigen_symmv_free(w);
    st = ym_status_agree(comm, st);
    return st ? st : ym_field_halo_update(g);
}

int ym_metric_set_conformal(ym_field *g, ym_metric_scalar_fn u, void *ctx)
{
    int st = check_metric(g);
    const ym_geom *geom = ym_field_geom(g);
    const int *L = ym_grid_L(ym_geom_grid(geom));
    const int *in = ym_geom_interior(geom);
    for (int i = 0; i < ym_geom_ninterior(geom) && !st; ++i) {
        int x[4];
        ym_geom_global_coords(geom, in[i], x);
        double v = u(x, L, ctx), e = exp(2 * v);
        if (!isfinite(e) || !(e > 0)) {
            st = YM_ERROR(YM_EINVAL, "metric: conformal factor u = %g at (%d,%d,%d,%d) gives no positive exp(2u)", v,
                          x[0], x[1], x[2], x[3]);
            break;
        }
        double *c = ym_field_site(g, in[i]);
        for (int k = 0; k < YM_METRIC_NCOMP; ++k) c[k] = 0;
        for (int a = 0; a < 4; ++a) c[ym_metric_comp(a, a)] = e;
    }
    st = ym_status_agree(comm_of(g), st);
    return st ? st : ym_field_halo_update(g);
}

int ym_metric_observe(ym_field *g, ym_field *dens, ym_metric_obs *obs)
{
    MPI_Comm comm = comm_of(g);
    const ym_geom *geom = ym_field_geom(g);
    int st = check_metric(g);
    if (!st && dens && (ym_field_ncomp(dens) != YM_METRIC_NOBS || ym_field_geom(dens) != geom))
        st = YM_ERROR(YM_EINVAL, "metric: the density field needs %d components on the metric's geometry",
                      YM_METRIC_NOBS);
    st = ym_status_agree(comm, st);
    if (st) return st;
    ym_ricci *r = NULL;
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(4);
    st = ym_status_agree(comm, w ? YM_OK : YM_ERROR(YM_ENOMEM, "metric: out of memory"));
    if (!st) st = ym_ricci_create(&r, geom, 1);
    if (!st) st = ym_field_halo_update(g);
    if (st) {
        ym_ricci_free(r);
        gsl_eigen_symm_free(w);
        return st;
    }
    ym_sum s_sqrt = YM_SUM_INIT, s_det = YM_SUM_INIT, s_R = YM_SUM_INIT, s_c[YM_METRIC_NCOMP];
    for (int c = 0; c < YM_METRIC_NCOMP; ++c) s_c[c] = (ym_sum)YM_SUM_INIT;
    double lo = INFINITY, hi = -INFINITY;
    const int *in = ym_geom_interior(geom);
    for (int i = 0; i < ym_geom_ninterior(geom); ++i) {
        ym_ricci_jet jet;
        ym_ricci_geo geo;
        ym_ricci_jet_at(r, g, in[i], &jet);
        if (!ym_ricci_eval(&jet, &geo)) {
            int x[4];
            ym_geom_global_coords(geom, in[i], x);
            st = YM_ERROR(YM_ENUM, "metric: g is not positive definite at site (%d,%d,%d,%d)", x[0], x[1], x[2],
                          x[3]);
            break;
        }
        double l0 = 0, l1 = 0;
        st = eigen_range(jet.g, w, &l0, &l1);
        if (st) break;
        double v[YM_METRIC_NOBS] = {sqrt(geo.detg), geo.detg, geo.R, l0, l1};
        if (dens) memcpy(ym_field_site(dens, in[i]), v, sizeof v);
        ym_sum_add(&s_sqrt, v[0]);
        ym_sum_add(&s_det, v[1]);
        ym_sum_add(&s_R, v[2]);
        const double *gc = ym_field_site(g, in[i]);
        for (int c = 0; c < YM_METRIC_NCOMP; ++c) ym_sum_add(&s_c[c], gc[c]);
        lo = fmin(lo, l0);
        hi = fmax(hi, l1);
    }
    ym_ricci_free(r);
    gsl_eigen_symm_free(w);
    st = ym_status_agree(comm, st);
    if (st || !obs) return st;
    ym_sum all[3 + YM_METRIC_NCOMP];
    all[0] = s_sqrt;
    all[1] = s_det;
    all[2] = s_R;
    for (int c = 0; c < YM_METRIC_NCOMP; ++c) all[3 + c] = s_c[c];
    double tot[3 + YM_METRIC_NCOMP];
    st = ym_sum_allreduce_n(all, 3 + YM_METRIC_NCOMP, comm, tot);
    if (st) return st;
    double ext[2] = {-lo, hi};
    MPI_Allreduce(MPI_IN_PLACE, ext, 2, MPI_DOUBLE, MPI_MAX, comm);
    double vol = (double)ym_grid_volume(ym_geom_grid(geom));
    obs->sum_sqrtg = tot[0];
    obs->sum_detg = tot[1];
    obs->sum_R = tot[2];
    obs->lambda_min = -ext[0];
    obs->lambda_max = ext[1];
    for (int c = 0; c < YM_METRIC_NCOMP; ++c) obs->mean[c] = tot[3 + c] / vol;
    return YM_OK;
}
