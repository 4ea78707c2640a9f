/* bench_clusters: the instanton finder and the charge clusters against one
 * Wilson RK3 flow step, on the same field.
 *
 * The field is a Haar-random SU(N) start (per-site RANLUX, so the same on
 * any process grid) smoothed by the Wilson flow to --tflow (default 1), so
 * that q(x) has the lumpy structure the finder meets in practice. Then, on
 * all ranks of MPI_COMM_WORLD, each of
 *   step       one RK3 step of the Wilson flow, eps 0.02
 *   densities  ym_curv_clover_densities (s(x) and q(x))
 *   finder     ym_finder_run with its defaults (80-neighbour maxima, BPST fit)
 *   clusters   ym_cluster_find at lambda = 0.5
 * is timed as the best (minimum) over repetitions of max-over-ranks wall
 * time, after one warm-up; the machine may be shared, and other work only
 * adds time. One line per lattice (key=value), plus candidates and clusters
 * found. Usage: bench_clusters [--N n] [--L 16,32] [--tflow t] [--reps r]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ymflow.h"

static double best_of(int reps, int (*fn)(void *), void *ctx, MPI_Comm comm)
{
    double best = INFINITY;
    fn(ctx);
    for (int r = 0; r < reps; ++r) {
        MPI_Barrier(comm);
        double t0 = MPI_Wtime();
        fn(ctx);
        double t = MPI_Wtime() - t0;
        MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm);
        if (t < best) best = t;
    }
    return best;
}

typedef struct {
    ym_gauge *u, *work;
    ym_solver *s;
    ym_field *sd, *q;
    ym_finder_opts fo;
    int ncand, ncl;
} ctx;

static int do_step(void *p)
{
    ctx *c = p;
    ym_gauge_copy(c->work, c->u);
    double dt;
    return ym_solver_step(c->s, c->work, ym_solver_time(c->s) + 0.02, &dt);
}

static int do_densities(void *p)
{
    ctx *c = p;
    return ym_curv_clover_densities(c->u, c->sd, c->q);
}

static int do_finder(void *p)
{
    ctx *c = p;
    ym_finder_obj *o = NULL;
    int st = ym_finder_run(c->sd, c->q, NULL, &c->fo, &o, &c->ncand, NULL);
    free(o);
    return st;
}

static int do_clusters(void *p)
{
    ctx *c = p;
    ym_cluster *cl = NULL;
    int st = ym_cluster_find(c->q, c->sd, NULL, YM_CLUSTER_LAMBDA, 0.5, NULL, &cl, &c->ncl, NULL);
    free(cl);
    return st;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    MPI_Comm comm = MPI_COMM_WORLD;
    int rank, size, N = 3, reps = 5, nL = 0, Ls[8];
    double tflow = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--N")) N = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--tflow")) tflow = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--L"))
            for (char *t = strtok(argv[i + 1], ","); t && nL < 8; t = strtok(NULL, ",")) Ls[nL++] = atoi(t);
    }
    if (!nL) Ls[nL++] = 16;
    for (int k = 0; k < nL; ++k) {
        int L[4] = {Ls[k], Ls[k], Ls[k], Ls[k]};
        ym_grid *grid = NULL;
        ym_geom *geom = NULL;
        ctx c;
        memset(&c, 0, sizeof c);
        int st = ym_grid_create(&grid, comm, L, NULL, 1);
        if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
        if (!st) st = ym_gauge_create(&c.u, geom, N);
        if (!st) st = ym_gauge_create(&c.work, geom, N);
        if (!st) st = ym_gauge_set_random(c.u, 7);
        ym_solver_opts so;
        ym_solver_opts_default(&so);
        so.eps = 0.02;
        if (!st) st = ym_solver_create(&c.s, ym_solver_find("gradient-flow"), &so, c.u);
        if (!st) st = ym_solver_advance(c.s, c.u, tflow);
        if (!st) st = ym_field_create(&c.sd, geom, 1);
        if (!st) st = ym_field_create(&c.q, geom, 1);
        ym_finder_opts_default(&c.fo);
        if (st) {
            if (rank == 0) fprintf(stderr, "bench_clusters: %s\n", ym_errmsg());
            MPI_Abort(comm, 1);
        }
        do_densities(&c);
        double ts = best_of(reps, do_step, &c, comm), td = best_of(reps, do_densities, &c, comm);
        double tf = best_of(reps, do_finder, &c, comm), tc = best_of(reps, do_clusters, &c, comm);
        if (rank == 0)
            printf("L=%d N=%d ranks=%d tflow=%g step_sec=%.4g densities_sec=%.4g finder_sec=%.4g clusters_sec=%.4g "
                   "finder_plus_clusters_over_step=%.3g candidates=%d clusters=%d\n",
                   Ls[k], N, size, tflow, ts, td, tf, tc, (tf + tc) / ts, c.ncand, c.ncl);
        ym_field_free(c.sd);
        ym_field_free(c.q);
        ym_solver_free(c.s);
        ym_gauge_free(c.work);
        ym_gauge_free(c.u);
        ym_geom_free(geom);
        ym_grid_free(grid);
    }
    MPI_Finalize();
    return 0;
}
