/* The hand-coded per-site metric algebra against its references.
 * Oracles:
 *  - ym_metric_spd (hand-coded Cholesky) against GSL's
 *    gsl_linalg_cholesky_decomp1 / cholesky_invert: the same decision on
 *    random SPD matrices (condition numbers up to 1e6) and on indefinite ones
 *    (smallest eigenvalue -1e-8 .. -1 of the norm), and the same inverse and
 *    determinant to rounding (the two factorisations differ by a few
 *    rounding units times the condition number: relative 1e-12 for cond
 *    <= 1e3, 1e-9 for cond <= 1e6); non-finite entries refused;
 *  - ym_metric_eigen (Jacobi) against GSL's gsl_eigen_symm and against the
 *    analytic spectrum of R diag(d) R^T: lambda_min and lambda_max within
 *    1e-12 of the norm, degenerate spectra included; a non-finite matrix is
 *    an error;
 *  - ym_ricci_deturck (Shi's form) against ym_ricci_eval's -2 Rc + L_W g
 *    (Christoffel form) on random jets: equal to 1e-12 of the largest
 *    component (an algebraic identity in the jet), and ym_ricci_rhs (which
 *    uses it) against the Christoffel form site by site on a random metric
 *    field;
 *  - ym_ricci_rhs (four sites per vector) bit-identical at every site to
 *    ym_ricci_deturck on the site's jet, with a partly empty last block;
 *    ym_ricci_rhs_geo's g^-1 and det g equal to ym_metric_spd's (1e-13). */
#include "common.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "ym_metric.h"
#include "ym_ricci.h"

/* R diag(d) R^T with R a random orthogonal matrix (Gram-Schmidt of a Gaussian one). */
static void random_spectrum(gsl_rng *r, const double d[4], double m[4][4])
{
    double q[4][4];
    for (int k = 0; k < 4; ++k) {
        for (int a = 0; a < 4; ++a) q[k][a] = gsl_ran_gaussian(r, 1.0);
        for (int pass = 0; pass < 2; ++pass)
            for (int l = 0; l < k; ++l) {
                double s = 0;
                for (int a = 0; a < 4; ++a) s += q[k][a] * q[l][a];
                for (int a = 0; a < 4; ++a) q[k][a] -= s * q[l][a];
            }
        double n = 0;
        for (int a = 0; a < 4; ++a) n += q[k][a] * q[k][a];
        for (int a = 0; a < 4; ++a) q[k][a] /= sqrt(n);
    }
    for (int a = 0; a < 4; ++a)
        for (int b = a; b < 4; ++b) {
            double s = 0;
            for (int k = 0; k < 4; ++k) s += q[k][a] * d[k] * q[k][b];
            m[a][b] = m[b][a] = s;
        }
}

static int gsl_spd(const double m[4][4], double inv[4][4], double *det)
{
    double a[16];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) a[4 * i + j] = m[i][j];
    gsl_matrix_view v = gsl_matrix_view_array(a, 4, 4);
    if (gsl_linalg_cholesky_decomp1(&v.matrix) != GSL_SUCCESS) return 0;
    double d = 1;
    for (int i = 0; i < 4; ++i) d *= a[5 * i];
    *det = d * d;
    if (gsl_linalg_cholesky_invert(&v.matrix) != GSL_SUCCESS) return 0;
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) inv[i][j] = a[4 * i + j];
    return 1;
}

static void gsl_range(const double m[4][4], double *lo, double *hi)
{
    double a[16], ev[4];
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) a[4 * i + j] = m[i][j];
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(4);
    gsl_matrix_view v = gsl_matrix_view_array(a, 4, 4);
    gsl_vector_view e = gsl_vector_view_array(ev, 4);
    gsl_eigen_symm(&v.matrix, &e.vector, w);
    gsl_eigen_symm_free(w);
    *lo = *hi = ev[0];
    for (int k = 1; k < 4; ++k) {
        *lo = fmin(*lo, ev[k]);
        *hi = fmax(*hi, ev[k]);
    }
}

static void test_cholesky(gsl_rng *r)
{
    int same = 1, nspd = 0, nind = 0;
    double einv[2] = {0, 0}, edet[2] = {0, 0};
    for (int t = 0; t < 20000; ++t) {
        double d[4], m[4][4];
        int indefinite = t % 3 == 2, lowcond = t % 3 == 0;
        double lc = lowcond ? 3.0 : 6.0; /* log10 of the largest condition number */
        for (int k = 0; k < 4; ++k) d[k] = pow(10.0, gsl_rng_uniform(r) * lc) * (gsl_rng_uniform(r) < 0.5 ? 1 : 3);
        if (indefinite) d[t % 4] = -d[(t + 1) % 4] * pow(10.0, -8.0 * gsl_rng_uniform(r));
        double sc = pow(10.0, 4 * gsl_rng_uniform(r) - 2);
        for (int k = 0; k < 4; ++k) d[k] *= sc;
        random_spectrum(r, d, m);
        double inv[4][4], gin[4][4], det = 0, gdet = 0;
        int a = ym_metric_spd(m, inv, &det), b = gsl_spd(m, gin, &gdet);
        if (a != b || a == indefinite) same = 0;
        if (!a || !b) {
            nind += !a;
            continue;
        }
        ++nspd;
        double nmax = 0, e = 0;
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) {
                nmax = fmax(nmax, fabs(gin[i][j]));
                e = fmax(e, fabs(inv[i][j] - gin[i][j]));
            }
        einv[lowcond ? 0 : 1] = fmax(einv[lowcond ? 0 : 1], e / nmax);
        edet[lowcond ? 0 : 1] = fmax(edet[lowcond ? 0 : 1], fabs(det - gdet) / gdet);
    }
    tap_ok(same && nspd > 10000 && nind > 6000, "Cholesky: the same decision as GSL on %d SPD and %d indefinite matrices",
           nspd, nind);
    tap_ok(einv[0] <= 1e-12 && einv[1] <= 1e-9 && edet[0] <= 1e-12 && edet[1] <= 1e-9,
           "Cholesky: inverse and det as GSL's (%.1e, %.1e at cond <= 1e3; %.1e, %.1e at cond <= 1e6)", einv[0],
           edet[0], einv[1], edet[1]);
    double m[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}, inv[4][4], det;
    m[1][2] = m[2][1] = NAN;
    int refused = !ym_metric_spd(m, inv, &det);
    m[1][2] = m[2][1] = INFINITY;
    refused = refused && !ym_metric_spd(m, inv, &det);
    tap_ok(refused, "Cholesky: NaN and infinite entries are refused");
}

static void test_eigen(gsl_rng *r)
{
    double egsl = 0, eana = 0;
    int ok = 1;
    for (int t = 0; t < 20000; ++t) {
        double d[4], m[4][4];
        for (int k = 0; k < 4; ++k) d[k] = pow(10.0, gsl_rng_uniform(r) * 6 - 3) * (t % 5 == 4 && k == 1 ? -1 : 1);
        if (t % 7 == 0) d[2] = d[0];               /* degenerate pair */
        if (t % 11 == 0) d[1] = d[2] = d[3] = d[0]; /* fourfold */
        random_spectrum(r, d, m);
        double lo, hi, glo, ghi, alo = d[0], ahi = d[0], nrm = 0;
        for (int k = 1; k < 4; ++k) {
            alo = fmin(alo, d[k]);
            ahi = fmax(ahi, d[k]);
        }
        for (int k = 0; k < 4; ++k) nrm = fmax(nrm, fabs(d[k]));
        if (ym_metric_eigen(m, &lo, &hi)) ok = 0;
        gsl_range(m, &glo, &ghi);
        egsl = fmax(egsl, fmax(fabs(lo - glo), fabs(hi - ghi)) / nrm);
        eana = fmax(eana, fmax(fabs(lo - alo), fabs(hi - ahi)) / nrm);
    }
    double diag[4][4] = {{2, 0, 0, 0}, {0, 0.5, 0, 0}, {0, 0, 3, 0}, {0, 0, 0, 1}}, lo, hi;
    ok = ok && !ym_metric_eigen(diag, &lo, &hi) && lo == 0.5 && hi == 3;
    tap_ok(ok && egsl <= 1e-12 && eana <= 1e-12,
           "Jacobi eigenvalue range: as GSL's to %.1e and the analytic one to %.1e of the norm (limit 1e-12); diagonal "
           "exact", egsl, eana);
    diag[0][3] = diag[3][0] = NAN;
    int e = ym_metric_eigen(diag, &lo, &hi);
    ym_error_clear();
    tap_ok(e == YM_ENUM, "Jacobi: a matrix with a NaN entry is an error");
}

/* A random jet: g SPD near the identity (amplitude amp), Dg, DDg symmetric of size s1, s2. */
static void random_jet(gsl_rng *r, double amp, double s1, double s2, ym_ricci_jet *j)
{
    double d[4];
    for (int k = 0; k < 4; ++k) d[k] = 1 + amp * gsl_rng_uniform(r);
    random_spectrum(r, d, j->g);
    for (int a = 0; a < 4; ++a)
        for (int p = 0; p < 4; ++p)
            for (int q = p; q < 4; ++q) j->dg[a][p][q] = j->dg[a][q][p] = s1 * gsl_ran_gaussian(r, 1.0);
    for (int a = 0; a < 4; ++a)
        for (int b = a; b < 4; ++b)
            for (int p = 0; p < 4; ++p)
                for (int q = p; q < 4; ++q)
                    j->ddg[a][b][p][q] = j->ddg[a][b][q][p] = j->ddg[b][a][p][q] = j->ddg[b][a][q][p] =
                        s2 * gsl_ran_gaussian(r, 1.0);
}

static void test_deturck(gsl_rng *r)
{
    double err = 0;
    int ok = 1;
    for (int t = 0; t < 20000; ++t) {
        ym_ricci_jet j;
        double amp = t % 2 ? 0.3 : 3.0, s1 = pow(10.0, -3 + 3 * gsl_rng_uniform(r)), s2 = pow(10.0, -3 + 3 * gsl_rng_uniform(r));
        random_jet(r, amp, s1, s2, &j);
        ym_ricci_geo geo;
        double k[4][4], mx = 0, e = 0;
        if (!ym_ricci_eval(&j, &geo) || !ym_ricci_deturck(&j, k)) {
            ok = 0;
            continue;
        }
        for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) {
                double ref = -2 * geo.ric[a][b] + geo.lwg[a][b];
                mx = fmax(mx, fabs(ref));
                e = fmax(e, fabs(k[a][b] - ref));
                ok = ok && k[a][b] == k[b][a];
            }
        err = fmax(err, e / mx);
    }
    ym_ricci_jet j;
    random_jet(r, 0.3, 0.1, 0.1, &j);
    j.g[0][0] = -1;
    double k[4][4];
    ok = ok && !ym_ricci_deturck(&j, k);
    tap_ok(ok && err <= 1e-12,
           "Ricci-DeTurck velocity in Shi's form = -2 Rc + L_W g of the Christoffel form on 20000 random jets (%.1e, "
           "limit 1e-12); a non-SPD g refused", err);
}

static void test_rhs_field(void)
{
    int L[4] = {4, 4, 6, 4}, pd[4] = {1, 1, 1, 1}, bc[4] = {0, 0, 0, 0};
    bc[2] = YM_BC_OPEN;
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 1, bc, 0)) {
        tap_ok(0, "ym_ricci_rhs on a field: set-up");
        return;
    }
    ym_field *g = NULL, *K = NULL;
    ym_ricci *rc = NULL;
    int st = ym_metric_create(&g, t.geom);
    if (!st) st = ym_metric_set_random(g, 7, 0.2, 0.3);
    if (!st) st = ym_field_create(&K, t.geom, YM_METRIC_NCOMP);
    if (!st) st = ym_ricci_create(&rc, t.geom, 1);
    if (!st) st = ym_ricci_rhs(rc, g, K);
    double err = 0;
    const int *in = ym_geom_interior(t.geom);
    for (int i = 0; i < ym_geom_ninterior(t.geom) && !st; ++i) {
        ym_ricci_jet j;
        ym_ricci_geo geo;
        ym_ricci_jet_at(rc, g, in[i], &j);
        if (!ym_ricci_eval(&j, &geo)) st = 1;
        const double *k = ym_field_site(K, in[i]);
        double mx = 0, e = 0;
        for (int a = 0; a < 4; ++a)
            for (int b = a; b < 4; ++b) {
                double ref = -2 * geo.ric[a][b] + geo.lwg[a][b];
                mx = fmax(mx, fabs(ref));
                e = fmax(e, fabs(k[ym_metric_comp(a, b)] - ref));
            }
        err = fmax(err, e / mx);
    }
    tap_ok(!st && err <= 1e-12, "ym_ricci_rhs (Shi's form) = Christoffel form at every site of a random field, "
                                "periodic and open (%.1e, limit 1e-12)", err);
    ym_ricci_free(rc);
    ym_field_free(K);
    ym_field_free(g);
    ym_geom_free(t.geom);
    ym_grid_free(t.grid);
}

/* ym_ricci_rhs computes four sites per vector; every site must come out
 * bit-identical to the one-site entry point ym_ricci_deturck on its jet,
 * whatever its lane (225 interior sites: the last block is partly empty),
 * and ym_ricci_rhs_geo must hand over g^-1 and det g as ym_metric_spd
 * computes them, with the same velocity. */
static void test_rhs_lanes(void)
{
    int L[4] = {3, 5, 3, 5}, pd[4] = {1, 1, 1, 1}, bc[4] = {0, YM_BC_OPEN, 0, 0};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 1, bc, 0)) {
        tap_ok(0, "ym_ricci_rhs lanes: set-up");
        return;
    }
    ym_field *g = NULL, *K = NULL, *K2 = NULL;
    ym_ricci *rc = NULL;
    int n = ym_geom_ninterior(t.geom);
    double *geo = malloc(sizeof(double) * YM_RICCI_NGEO * (size_t)n);
    int st = geo ? YM_OK : YM_ENOMEM;
    if (!st) st = ym_metric_create(&g, t.geom);
    if (!st) st = ym_metric_set_random(g, 3, 0.3, 0.3);
    if (!st) st = ym_field_create(&K, t.geom, YM_METRIC_NCOMP);
    if (!st) st = ym_field_create(&K2, t.geom, YM_METRIC_NCOMP);
    if (!st) st = ym_ricci_create(&rc, t.geom, 1);
    if (!st) st = ym_ricci_rhs(rc, g, K);
    if (!st) st = ym_ricci_rhs_geo(rc, g, K2, geo);
    const int *in = ym_geom_interior(t.geom);
    int same = !st, same2 = !st;
    double egi = 0, edet = 0;
    for (int i = 0; i < n && !st; ++i) {
        ym_ricci_jet j;
        double k[4][4], m[4][4], gi[4][4], det;
        ym_ricci_jet_at(rc, g, in[i], &j);
        if (!ym_ricci_deturck(&j, k)) st = 1;
        const double *ks = ym_field_site(K, in[i]), *ks2 = ym_field_site(K2, in[i]);
        for (int a = 0; a < 4; ++a)
            for (int b = a; b < 4; ++b) same = same && ks[ym_metric_comp(a, b)] == k[a][b];
        for (int c = 0; c < YM_METRIC_NCOMP; ++c) same2 = same2 && ks2[c] == ks[c];
        ym_metric_unpack(ym_field_site(g, in[i]), m);
        if (!ym_metric_spd(m, gi, &det)) st = 1;
        const double *gs = geo + (size_t)YM_RICCI_NGEO * (size_t)i;
        for (int a = 0; a < 4; ++a)
            for (int b = a; b < 4; ++b)
                egi = fmax(egi, fabs(gs[ym_metric_comp(a, b)] - gi[a][b]) / fabs(gi[a][a]));
        edet = fmax(edet, fabs(gs[YM_METRIC_NCOMP] / det - 1));
    }
    tap_ok(!st && n % 4 != 0 && same,
           "ym_ricci_rhs, four sites per vector: every one of %d sites bit-identical to ym_ricci_deturck on its jet", n);
    tap_ok(!st && same2 && egi <= 1e-13 && edet <= 1e-13,
           "ym_ricci_rhs_geo: the same velocity, g^-1 and det g as ym_metric_spd (%.1e, %.1e; limit 1e-13)", egi, edet);
    free(geo);
    ym_ricci_free(rc);
    ym_field_free(K);
    ym_field_free(K2);
    ym_field_free(g);
    ym_geom_free(t.geom);
    ym_grid_free(t.grid);
}

int main(void)
{
    MPI_Init(NULL, NULL);
    tap_init();
    ym_init();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    test_cholesky(r);
    test_eigen(r);
    test_deturck(r);
    test_rhs_field();
    test_rhs_lanes();
    gsl_rng_free(r);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
