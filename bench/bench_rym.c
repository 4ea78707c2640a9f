/* bench_rym: seconds per step of the Ricci–Yang–Mills flow (solver "rym")
 * against a Wilson RK3 step in the same run, and memory.
 *
 * For each SU(N) and lattice L^4 given, on all ranks of MPI_COMM_WORLD
 * (periodic, halo depth 1), from a Haar-random field (seed 1) and a random
 * SPD metric (random:1,0.2,0.5):
 *   wilson  ym_flow_step(u, wilson, rk3, eps = 0.01)   (the gradient flow)
 *   rym     ym_solver_step of the "rym" solver, eps = 0.01 (defaults:
 *           hybrid action, Ricci–DeTurck, kappa = 1, metric flowing)
 * one untimed warm-up step each, then alternating rounds (time_pair: per
 * round one untimed and four timed Wilson steps, one untimed and two timed
 * RYM steps; each timed step is
 *   MPI_Barrier; t0 = MPI_Wtime(); step; t = max over ranks of MPI_Wtime() - t0)
 * until the timed steps sum to --min-time seconds (at least 2 rounds); the
 * MEDIAN of each kind is reported. Until 5 December 2026 all Wilson steps
 * were timed first and then all RYM steps, so host noise between the two
 * halves went into the ratio. --cpu 1 times the process CPU time (CLOCK_PROCESS_CPUTIME_ID,
 * max over ranks) instead of wall time: on a shared machine it does not
 * count the time other processes hold the core. Memory per rank: link_mb (the gauge field with its halo),
 * rym_extra_mb (the solver's fields: metric, its RHS and accumulator (3 x
 * 10 doubles per stored site), force (1 link field), the link
 * accumulator (4 N^2 doubles per interior site), the hybrid workspace (the
 * packed insertions, 6 planes x (N^2 + 1) doubles, the force's buffer
 * (N = 2: 32 doubles per site of one t-slice of the stored block, since
 * 5 December 2026; before, 8 per stored site; N = 3: 4N^2 doubles per
 * stored site), and an interior map
 * of 1 byte per stored site; plus 1/sqrt(det g), and g^-1 with det g
 * (11 doubles) handed from the metric velocity to the force, per interior
 * site; up to
 * commit c387c2a it was the clover field and the
 * insertions, 2 x 6 planes x 2N^2 doubles per stored site)), and the
 * process's peak RSS (getrusage) after the runs.
 * Output: CSV to stdout (rank 0): N,L,ranks,wilson_s,rym_s,ratio,link_mb,rym_extra_mb,extra_over_links,peak_rss_mb.
 * Usage: bench_rym [--N 2,3] [--dims 8,12,16] [--min-time 2] [--cpu 0|1]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "ymflow.h"
#include "bench_list.h"
#include "ym_solver_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int use_cpu;

static double now(void)
{
    if (!use_cpu) return MPI_Wtime();
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* One timed call of fn (collective): the slowest rank's time. */
typedef int (*step_fn)(void *ctx);
static int time_one(step_fn fn, void *ctx, double *t)
{
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = now();
    if (fn(ctx)) return -1;
    *t = now() - t0;
    MPI_Allreduce(MPI_IN_PLACE, t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return 0;
}

static double median(double *ts, int n)
{
    qsort(ts, (size_t)n, sizeof ts[0], cmp);
    return n % 2 ? ts[n / 2] : 0.5 * (ts[n / 2 - 1] + ts[n / 2]);
}

/* Median seconds of a Wilson and an RYM step, measured in alternating
 * rounds so that both see the same state of a shared host: each round is
 * one untimed step (it refills the caches the other kind of step evicted)
 * and four timed Wilson steps, then one untimed and two timed RYM steps.
 * Rounds run until the timed steps sum to min_time (at least two rounds). */
static int time_pair(step_fn w, step_fn r, void *ctx, double min_time, double *tw, double *tr)
{
    enum { NR = 500 };
    static double sw[4 * NR], sr[2 * NR];
    int nw = 0, nr = 0;
    double sum = 0, t;
    for (int k = 0; (sum < min_time || k < 2) && k < NR; ++k) {
        if (w(ctx)) return -1;
        for (int j = 0; j < 4; ++j, sum += t)
            if (time_one(w, ctx, &t)) return -1;
            else sw[nw++] = t;
        if (r(ctx)) return -1;
        for (int j = 0; j < 2; ++j, sum += t)
            if (time_one(r, ctx, &t)) return -1;
            else sr[nr++] = t;
    }
    *tw = median(sw, nw);
    *tr = median(sr, nr);
    return 0;
}

typedef struct {
    ym_gauge *u;
    ym_flow_work *w;
    ym_solver *s;
} ctx_t;

static int wilson_step(void *c)
{
    ctx_t *x = c;
    return ym_flow_step(x->u, ym_action_find("wilson"), NULL, ym_integrator_find("rk3"), 0.01, x->w);
}
static int rym_step(void *c)
{
    ctx_t *x = c;
    double dt;
    return ym_solver_step(x->s, x->u, 1e9, &dt);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    int Ns[4] = {2, 3}, nN = 2, Ls[8] = {8, 12, 16}, nL = 3;
    double min_time = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--N")) nN = bench_parse_ints(argv[i + 1], Ns, 4);
        else if (!strcmp(argv[i], "--dims")) nL = bench_parse_ints(argv[i + 1], Ls, 8);
        else if (!strcmp(argv[i], "--min-time")) min_time = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--cpu")) use_cpu = atoi(argv[i + 1]) != 0;
    }
    if (rank == 0) printf("N,L,ranks,wilson_s,rym_s,ratio,link_mb,rym_extra_mb,extra_over_links,peak_rss_mb\n");
    for (int a = 0; a < nN; ++a)
        for (int b = 0; b < nL; ++b) {
            int N = Ns[a], L[4] = {Ls[b], Ls[b], Ls[b], Ls[b]}, pd[4] = {0, 0, 0, 0};
            ym_grid *grid = NULL;
            ym_geom *geom = NULL;
            ctx_t c = {0};
            int st = ym_grid_create(&grid, MPI_COMM_WORLD, L, pd, 1);
            if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
            if (!st) st = ym_gauge_create(&c.u, geom, N);
            if (!st) st = ym_gauge_set_random(c.u, 1);
            if (!st) st = ym_flow_work_create(&c.w, c.u);
            static ym_solver_opts o;
            ym_solver_opts_default(&o);
            o.have_spar = 1;
            snprintf(o.spar[0], sizeof o.spar[0], "random:1,0.2,0.5");
            if (!st) st = ym_solver_create(&c.s, ym_solver_find("rym"), &o, c.u);
            if (!st) st = wilson_step(&c) || rym_step(&c); /* warm-up */
            double tw = -1, tr = -1;
            if (!st) st = time_pair(wilson_step, rym_step, &c, min_time, &tw, &tr);
            if (st && rank == 0) fprintf(stderr, "bench_rym: %s\n", ym_errmsg());
            double ns = geom ? ym_geom_nsites(geom) : 0, ni = geom ? ym_geom_ninterior(geom) : 0;
            double link = ns * 4 * 2 * N * N * 8 / 1e6;
            /* the force's buffer (N = 2, 3 only): 32 doubles per site of a t-slice of the stored block (N = 2),
             * 4N^2 per stored site (N = 3) */
            const int *e = geom ? ym_geom_ext(geom) : NULL;
            double tb = !e ? 0 : N == 2 ? 32.0 * e[0] * e[1] * e[2] : N == 3 ? 4.0 * N * N * ns : 0;
            double extra = ((ns * (3 * 10 + 4 * 2 * N * N + 6 * (N * N + 1)) + tb + ni * (4 * N * N + 1 + 11)) * 8 + ns) / 1e6;
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            if (rank == 0)
                printf("%d,%d,%d,%.6g,%.6g,%.3g,%.3g,%.3g,%.3g,%.1f\n", N, Ls[b], np, tw, tr, tr / tw, link, extra,
                       extra / link, ru.ru_maxrss / 1024.0);
            fflush(stdout);
            ym_solver_free(c.s);
            ym_flow_work_free(c.w);
            ym_gauge_free(c.u);
            ym_geom_free(geom);
            ym_grid_free(grid);
        }
    MPI_Finalize();
    return 0;
}
