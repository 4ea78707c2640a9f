/* bench_hybrid: the parts of an RYM step that depend on N, per site, next
 * to a Wilson RK3 step of the same field (issue 10: where the RYM step's
 * time goes).
 *
 * One rank, periodic L^4, Haar-random SU(N) field (seed 1) and a random SPD
 * metric (random:1,0.2,0.5), halo depth 1. Cases, each the MEDIAN over
 * repetitions until --min-time seconds (at least 3), process CPU time:
 *   force   ym_hybrid_force_source (hybrid action, kappa = 1): the clover
 *           planes, insertions and metric source at every site, then the
 *           exact force by plaquettes (one of the three per RYM step)
 *   source  ym_hybrid_source alone (clover planes and F^2 source)
 *   wilson  ym_flow_step, action wilson, rk3, eps = 0.01
 * Output: CSV (N,L,force_us_per_site,source_us_per_site,wilson_step_us_per_site).
 * Usage: bench_hybrid [--N 2,3] [--dims 8,12] [--min-time 1]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "ymflow.h"
#include "bench_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    ym_gauge *u;
    ym_field *g, *z, *K;
    ym_hybrid *h;
    ym_flow_work *w;
    double *isg;
} ctx_t;

static int run(const ctx_t *c, int which)
{
    switch (which) {
    case 0: return ym_hybrid_force_source(c->h, c->u, c->g, 1.0, c->K, c->isg, c->z);
    case 1: return ym_hybrid_source(c->h, c->u, c->g, 1.0, c->K);
    default:
        return ym_flow_step(c->u, ym_action_find("wilson"), NULL, ym_integrator_find("rk3"), 0.01, c->w);
    }
}

static double median(const ctx_t *c, int which, double min_time)
{
    double ts[1000], sum = 0;
    int n = 0;
    if (run(c, which)) return -1; /* warm-up */
    while ((sum < min_time || n < 3) && n < 1000) {
        double t0 = cpu_now();
        if (run(c, which)) return -1;
        ts[n] = cpu_now() - t0;
        sum += ts[n++];
    }
    qsort(ts, (size_t)n, sizeof ts[0], cmp);
    return n % 2 ? ts[n / 2] : 0.5 * (ts[n / 2 - 1] + ts[n / 2]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    int Ns[8] = {2, 3}, nN = 2, Ls[8] = {8, 12}, nL = 2;
    double min_time = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--N")) nN = bench_parse_ints(argv[i + 1], Ns, 8);
        else if (!strcmp(argv[i], "--dims")) nL = bench_parse_ints(argv[i + 1], Ls, 8);
        else if (!strcmp(argv[i], "--min-time")) min_time = atof(argv[i + 1]);
        else {
            fprintf(stderr, "bench_hybrid: unknown option %s\n", argv[i]);
            MPI_Finalize();
            return 2;
        }
    }
    printf("N,L,force_us_per_site,source_us_per_site,wilson_step_us_per_site\n");
    int rc = 0;
    for (int a = 0; a < nN && !rc; ++a)
        for (int b = 0; b < nL && !rc; ++b) {
            int N = Ns[a], L[4] = {Ls[b], Ls[b], Ls[b], Ls[b]}, pd[4] = {1, 1, 1, 1};
            ym_grid *grid = NULL;
            ym_geom *geom = NULL;
            ctx_t c = {0};
            int st = ym_grid_create(&grid, MPI_COMM_SELF, L, pd, 1);
            if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
            if (!st) st = ym_gauge_create(&c.u, geom, N);
            if (!st) st = ym_gauge_set_random(c.u, 1);
            if (!st) st = ym_metric_create(&c.g, geom);
            if (!st) st = ym_metric_set_random(c.g, 1, 0.2, 0.5);
            if (!st) st = ym_field_create(&c.z, geom, 8 * (size_t)N * (size_t)N);
            if (!st) st = ym_field_create(&c.K, geom, YM_METRIC_NCOMP);
            if (!st) st = ym_hybrid_create(&c.h, c.u, YM_HYBRID);
            if (!st) st = ym_flow_work_create(&c.w, c.u);
            if (!st && !(c.isg = malloc(sizeof(double) * (size_t)ym_geom_ninterior(geom))))
                st = YM_ERROR(YM_ENOMEM, "bench_hybrid: out of memory");
            double t[3] = {0, 0, 0}, V = (double)L[0] * L[1] * L[2] * L[3];
            for (int k = 0; k < 3 && !st; ++k)
                if ((t[k] = median(&c, k, min_time)) < 0) st = YM_ENUM;
            if (st) {
                fprintf(stderr, "bench_hybrid: %s\n", ym_errmsg());
                rc = 1;
            } else {
                printf("%d,%d,%.3f,%.3f,%.3f\n", N, Ls[b], 1e6 * t[0] / V, 1e6 * t[1] / V, 1e6 * t[2] / V);
                fflush(stdout);
            }
            free(c.isg);
            ym_flow_work_free(c.w);
            ym_hybrid_free(c.h);
            ym_field_free(c.K);
            ym_field_free(c.z);
            ym_field_free(c.g);
            ym_gauge_free(c.u);
            ym_geom_free(geom);
            ym_grid_free(grid);
        }
    MPI_Finalize();
    return rc;
}
