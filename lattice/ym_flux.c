/* The quantised abelian flux start. */
#include "ym_flux.h"
#include "ym_status.h"

#include <complex.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

int ym_gauge_set_flux(ym_gauge *u, int mu, int nu, int n)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    if (mu < 0 || mu > 3 || nu < 0 || nu > 3 || mu == nu)
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "flux: plane (%d,%d) is not two different directions 0..3",
                                              mu, nu));
    int N = ym_gauge_N(u);
    const int *L = ym_grid_L(ym_geom_grid(g));
    double phi = 2 * M_PI * n / ((double)L[mu] * L[nu]);
    int seam = ym_geom_bc(g, nu) == YM_BC_PERIODIC; /* periodic nu: close the flux through the seam */
    ym_gauge_set_unit(u);
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int x[4];
        ym_geom_global_coords(g, in[i], x);
        ym_cplx *a = ym_gauge_link(u, in[i], mu);
        a[0] = cexp(-I * phi * x[nu]);
        a[N + 1] = cexp(I * phi * x[nu]);
        if (seam && x[nu] == L[nu] - 1) {
            ym_cplx *b = ym_gauge_link(u, in[i], nu);
            b[0] = cexp(I * phi * L[nu] * x[mu]);
            b[N + 1] = cexp(-I * phi * L[nu] * x[mu]);
        }
    }
    return ym_gauge_halo_update(u);
}

int ym_flux_parse(const char *spec, int *mu, int *nu, int *n)
{
    if (!spec || spec[0] < '0' || spec[0] > '3' || spec[1] < '0' || spec[1] > '3' || spec[0] == spec[1] ||
        spec[2] != ',')
        return YM_ERROR(YM_EINVAL, "flux '%s': expected PLANE,n with PLANE two different digits 0..3 (e.g. 01,3)",
                        spec ? spec : "");
    char *end;
    errno = 0;
    long v = strtol(spec + 3, &end, 10);
    if (errno || end == spec + 3 || *end || v < INT_MIN || v > INT_MAX)
        return YM_ERROR(YM_EINVAL, "flux '%s': n is not an integer", spec);
    *mu = spec[0] - '0';
    *nu = spec[1] - '0';
    *n = (int)v;
    return YM_OK;
}
