/* BPST profile fit for the instanton finder (THEORY.md §E.1 step 4): a
 * trust-region least-squares fit (GSL multifit_nlinear, Levenberg-Marquardt
 * steps) with an analytic Jacobian. Values are divided by the peak height so
 * the amplitude is O(1) whatever the density's normalisation. */
#include "ym_finder_fit.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>

typedef struct {
    size_t n;
    const double *d, *v;
    double scale; /* 1 / peak0 */
} fit_data;

/* u = rho^2 / (r^2 + rho^2) and r^2 for point i. */
static double profile_u(const fit_data *fd, size_t i, const gsl_vector *p, double *r2out)
{
    double r2 = 0;
    for (int mu = 0; mu < 4; ++mu) {
        double e = fd->d[4 * i + mu] - gsl_vector_get(p, (size_t)mu);
        r2 += e * e;
    }
    double rho2 = gsl_vector_get(p, 4) * gsl_vector_get(p, 4);
    *r2out = r2;
    return rho2 / (r2 + rho2);
}

static int fit_f(const gsl_vector *p, void *data, gsl_vector *f)
{
    const fit_data *fd = data;
    double P = gsl_vector_get(p, 5);
    for (size_t i = 0; i < fd->n; ++i) {
        double r2, u = profile_u(fd, i, p, &r2), u2 = u * u;
        gsl_vector_set(f, i, P * u2 * u2 - fd->v[i] * fd->scale);
    }
    return GSL_SUCCESS;
}

static int fit_df(const gsl_vector *p, void *data, gsl_matrix *J)
{
    const fit_data *fd = data;
    double rho = gsl_vector_get(p, 4), P = gsl_vector_get(p, 5);
    double rho2 = rho * rho;
    for (size_t i = 0; i < fd->n; ++i) {
        double r2, u = profile_u(fd, i, p, &r2), u4 = u * u * u * u, c = 8 * P * u4 * u;
        for (int mu = 0; mu < 4; ++mu)
            gsl_matrix_set(J, i, (size_t)mu, c * (fd->d[4 * i + mu] - gsl_vector_get(p, (size_t)mu)) / rho2);
        gsl_matrix_set(J, i, 4, c * r2 / (rho2 * rho));
        gsl_matrix_set(J, i, 5, u4);
    }
    return GSL_SUCCESS;
}

int ym_finder_fit_bpst(size_t n, const double *pts, const double *val, double rho0, double peak0, double out[6])
{
    const size_t np = 6;
    if (n <= np + 4 || !(rho0 > 0) || !(peak0 > 0) || !isfinite(rho0) || !isfinite(peak0)) return 1;
    fit_data fd = {n, pts, val, 1.0 / peak0};
    gsl_multifit_nlinear_fdf fdf = {0};
    fdf.f = fit_f;
    fdf.df = fit_df;
    fdf.n = n;
    fdf.p = np;
    fdf.params = &fd;
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n, np);
    if (!w) return 1;
    double x0[6] = {0, 0, 0, 0, rho0, 1.0};
    gsl_vector_view xv = gsl_vector_view_array(x0, np);
    int info = 0, st = gsl_multifit_nlinear_init(&xv.vector, &fdf, w);
    if (!st) st = gsl_multifit_nlinear_driver(200, 1e-12, 1e-12, 0.0, NULL, NULL, &info, w);
    if (!st) {
        const gsl_vector *x = gsl_multifit_nlinear_position(w);
        for (int k = 0; k < 6; ++k) out[k] = gsl_vector_get(x, (size_t)k);
        out[4] = fabs(out[4]);
        out[5] *= peak0;
        for (int k = 0; k < 6; ++k)
            if (!isfinite(out[k])) st = 1;
        if (!(out[4] > 0) || !(out[5] > 0)) st = 1;
    }
    gsl_multifit_nlinear_free(w);
    return st != 0;
}
