/* Helpers shared by the test programs: command-line grid, field set-up. */
#ifndef YM_TESTS_COMMON_H
#define YM_TESTS_COMMON_H

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

/* Reference data folder (YM_REFERENCE_DIR, default ../shared/reference). */
static inline const char *test_reference_dir(void)
{
    const char *d = getenv("YM_REFERENCE_DIR");
    return d && *d ? d : "../shared/reference";
}

#endif
