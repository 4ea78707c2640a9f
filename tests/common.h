/* Helpers shared by the test programs: command-line grid, field set-up. */
#ifndef YM_TESTS_COMMON_H
#define YM_TESTS_COMMON_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ymflow.h"

/* --grid AxBxCxD from argv (zeros = automatic). */
static inline void test_grid_arg(int argc, char **argv, int pd[4])
{
    pd[0] = pd[1] = pd[2] = pd[3] = 0;
    for (int i = 1; i + 1 < argc; ++i)
        if (!strcmp(argv[i], "--grid") && ym_parse_dims(argv[i + 1], "grid", pd) != YM_OK) {
            fprintf(stderr, "bad --grid\n");
            exit(2);
        }
}

/* Grid + geometry + gauge field in one call; aborts the test on failure. */
typedef struct {
    ym_grid *grid;
    ym_geom *geom;
    ym_gauge *u;
} test_lat;

static inline int test_lat_create(test_lat *t, MPI_Comm comm, const int L[4], const int pd[4], int depth,
                                  const int bc[4], int N)
{
    memset(t, 0, sizeof *t);
    int st = ym_grid_create(&t->grid, comm, L, pd, depth);
    if (!st) st = ym_geom_create(&t->geom, t->grid, depth, bc);
    if (!st && N > 0) st = ym_gauge_create(&t->u, t->geom, N);
    if (st) tap_diag("lattice set-up failed: %s", ym_errmsg());
    return st;
}

static inline void test_lat_free(test_lat *t)
{
    ym_gauge_free(t->u);
    ym_geom_free(t->geom);
    ym_grid_free(t->grid);
}

/* max |a - b| over the interior of two fields of the same shape and layout. */
static inline double test_field_maxdiff(ym_field *a, ym_field *b)
{
    const ym_geom *g = ym_field_geom(a);
    const int *in = ym_geom_interior(g);
    size_t nc = ym_field_ncomp(a);
    double m = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        const double *x = ym_field_site(a, in[i]), *y = ym_field_site(b, in[i]);
        for (size_t c = 0; c < nc; ++c) m = fmax(m, fabs(x[c] - y[c]));
    }
    return m;
}

/* Reference data folder (YM_REFERENCE_DIR, default ../shared/reference). */
/* Instanton size from the peak of the clover action density,
 * rho = (48 / max s)^(1/4) (THEORY D.1, s_max = 48/rho^4 for BPST); 0 if
 * the density cannot be computed. */
static inline double test_rho_peak(ym_gauge *u)
{
    const ym_geom *g = ym_gauge_geom(u);
    ym_field *F = NULL, *E = NULL;
    int N = ym_gauge_N(u);
    double m = 0;
    ym_field_create(&F, g, 12 * (size_t)N * N);
    ym_field_create(&E, g, 1);
    if (F && E && !ym_curv_clover(u, F) && !ym_curv_densities(u, F, E, NULL)) ym_field_maxabs(E, 0, &m);
    ym_field_free(F);
    ym_field_free(E);
    return m > 0 ? pow(48 / m, 0.25) : 0;
}

static inline const char *test_reference_dir(void)
{
    const char *d = getenv("YM_REFERENCE_DIR");
    return d && *d ? d : "../shared/reference";
}

#endif
