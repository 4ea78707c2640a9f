/* bench_heatbath: cost of the quenched Monte Carlo update (solvers/ym_heatbath).
 *
 * Three parts, CSV rows to stdout (and --out FILE), rank 0 writes:
 *
 * 1. kind=rng: nanoseconds per double of GSL generators (ranlxd2, the one
 *    the chain uses, and for comparison ranlxd1, ranlxs2, ranlux389, mt19937),
 *    gsl_rng_uniform in a loop, best of 5 runs of 2^21 draws (rank 0), in
 *    process CPU time (the machine is shared; a descheduled process's CPU
 *    clock stops, its wall clock does not).
 * 2. kind=a0: nanoseconds per accepted x0 of the subgroup samplers
 *    (ym_heatbath_su2_a0, Kennedy-Pendleton and Creutz) at several alpha,
 *    with ranlxd2, CPU time: the measurement behind the default creutz_below
 *    (rank 0).
 * 3. kind=hb / kind=or: one heatbath sweep (ym_heatbath_sweep) and one
 *    overrelaxation sweep (ym_heatbath_or_sweep) on all ranks, periodic
 *    L^4, SU(2) at beta 2.5 and SU(3) at beta 6.0, after --therm sweeps of
 *    1 heatbath + 2 overrelaxation from a hot start (untimed). Each timed
 *    call: MPI_Barrier, MPI_Wtime around the call, the largest over ranks;
 *    calls repeat until --min-time seconds and 3 calls; the median is
 *    reported (the best too), and the median process CPU time of the
 *    busiest rank (cpu_s_per_sweep; cpu_core_us_per_link = 1e6 cpu ranks / 4V).
 *      us_per_link = 1e6 t / (4 V)     (wall clock of the job per link)
 *      core_us_per_link = us_per_link * ranks
 *      gflops = flops_per_link * 4 V / t / 1e9.
 *    rng_share (hb only) = draws per sweep * ns per ranlxd2 draw / (cpu ranks), with
 *    draws = 4 proposals + 2 updates (Kennedy-Pendleton: 4 numbers per
 *    proposal, Creutz 2; 2 for the direction): an upper bound.
 *
 * Nominal flops per link (same count for every version of the code;
 * M = N x N complex product 8N^3 - 2N^2, SU(2) 56, SU(3) 198):
 *   staple: 6 plaquette staples of 2 products + 5 matrix adds: 12M + 10N^2;
 *   M = U A: 1M;
 *   per subgroup (N(N-1)/2 of them): the quaternion (8), G (2x2 product, 28),
 *   rows of U and M (2 x 2N x (2 complex mul + 1 add) = 56N); the a0 draw
 *   (logs, cos) counts 0;
 *   reunitarisation: nominal N^2 (8N) (Gram-Schmidt); so
 *   flops = 13M + 10N^2 + N(N-1)/2 (36 + 56N) + 8N^3:
 *   SU(2) 1024, SU(3) 3474 (heatbath and overrelaxation alike).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ymflow.h"

static const char *usage =
    "usage: bench_heatbath [--dims 8,16] [--N 2,3] [--min-time S] [--therm K] [--grid AxBxCxD]\n"
    "                      [--out FILE] [--no-rng]     (under MPI: mpirun -n P bench_heatbath ...)\n";

static double flops_per_link(int N)
{
    double M = 8.0 * N * N * N - 2.0 * N * N;
    return 13 * M + 10.0 * N * N + N * (N - 1) / 2.0 * (36 + 56.0 * N) + 8.0 * N * N * N;
}

/* Process CPU seconds: robust against a shared machine (the process is
 * descheduled, its CPU clock stops). */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ns_per_draw(const gsl_rng_type *T)
{
    gsl_rng *r = gsl_rng_alloc(T);
    gsl_rng_set(r, 1);
    double best = 1e30, sink = 0;
    const long n = 1L << 21;
    for (int rep = 0; rep < 5; ++rep) {
        double t = cpu_now();
        for (long i = 0; i < n; ++i) sink += gsl_rng_uniform(r);
        t = cpu_now() - t;
        if (t < best) best = t;
    }
    gsl_rng_free(r);
    if (sink < 0) printf("# %g\n", sink);
    return 1e9 * best / (double)n;
}

static double ns_per_a0(int method, double alpha)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_ranlxd2);
    gsl_rng_set(r, 3);
    double best = 1e30, x, sink = 0;
    const long n = 1L << 17;
    for (int rep = 0; rep < 5; ++rep) {
        double t = cpu_now();
        for (long i = 0; i < n; ++i) {
            ym_heatbath_su2_a0(r, alpha, method, 0, 1000, &x);
            sink += x;
        }
        t = cpu_now() - t;
        if (t < best) best = t;
    }
    gsl_rng_free(r);
    if (sink > 1e300) printf("# %g\n", sink);
    return 1e9 * best / (double)n;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int dims[8] = {8, 16}, nd = 2, Ns[4] = {2, 3}, nN = 2, therm = 10, pd[4] = {0, 0, 0, 0}, do_rng = 1;
    double min_time = 3;
    const char *out = NULL;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-rng")) do_rng = 0;
        else if (!v) {
            if (rank == 0) fputs(usage, stderr);
            MPI_Finalize();
            return 2;
        } else if (!strcmp(a, "--dims") || !strcmp(a, "--N")) {
            int *dst = a[2] == 'd' ? dims : Ns, *cnt = a[2] == 'd' ? &nd : &nN;
            *cnt = 0;
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            for (char *t = strtok(buf, ","); t && *cnt < 4; t = strtok(NULL, ",")) dst[(*cnt)++] = atoi(t);
            ++i;
        } else if (!strcmp(a, "--min-time")) min_time = atof(argv[++i]);
        else if (!strcmp(a, "--therm")) therm = atoi(argv[++i]);
        else if (!strcmp(a, "--out")) out = argv[++i];
        else if (!strcmp(a, "--grid")) {
            if (ym_parse_dims(v, "grid", pd)) {
                if (rank == 0) fprintf(stderr, "%s\n", ym_errmsg());
                MPI_Finalize();
                return 2;
            }
            ++i;
        } else {
            if (rank == 0) fputs(usage, stderr);
            MPI_Finalize();
            return 2;
        }
    }
    FILE *fo = rank == 0 && out ? fopen(out, "w") : NULL;
#define EMIT(...)                                                                                                      \
    do {                                                                                                               \
        if (rank == 0) {                                                                                               \
            printf(__VA_ARGS__);                                                                                       \
            if (fo) fprintf(fo, __VA_ARGS__);                                                                          \
            fflush(stdout);                                                                                            \
        }                                                                                                              \
    } while (0)
    EMIT("kind,name,N,L,ranks,alpha,value,unit,best,us_per_link,core_us_per_link,gflops,rng_share,proposals_per_update,cpu_s_per_sweep,cpu_core_us_per_link\n");
    double ns_ranlxd2 = 0;
    if (rank == 0) ns_ranlxd2 = ns_per_draw(gsl_rng_ranlxd2);
    MPI_Bcast(&ns_ranlxd2, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (do_rng) {
        const gsl_rng_type *types[5] = {gsl_rng_ranlxd2, gsl_rng_ranlxd1, gsl_rng_ranlxs2, gsl_rng_ranlux389, gsl_rng_mt19937};
        for (int k = 0; k < 5; ++k) {
            double ns = rank == 0 ? ns_per_draw(types[k]) : 0;
            EMIT("rng,%s,,,1,,%.4g,ns_per_double_cpu,,,,,,,,\n", types[k]->name, ns);
        }
        const double alphas[] = {0.5, 1, 2, 3, 4, 5, 6, 7, 8, 16};
        for (int k = 0; k < 10; ++k)
            for (int m = 1; m <= 2; ++m) {
                double ns = rank == 0 ? ns_per_a0(m, alphas[k]) : 0;
                EMIT("a0,%s,,,1,%g,%.4g,ns_per_sample_cpu,,,,,,,,\n", m == 1 ? "kennedy-pendleton" : "creutz", alphas[k], ns);
            }
    }
    for (int in = 0; in < nN; ++in)
        for (int id = 0; id < nd; ++id) {
            int N = Ns[in], L[4] = {dims[id], dims[id], dims[id], dims[id]};
            ym_grid *grid = NULL;
            ym_geom *geom = NULL;
            ym_gauge *u = NULL;
            ym_heatbath *h = NULL;
            ym_heatbath_params p;
            ym_heatbath_defaults(&p);
            p.beta = N == 2 ? 2.5 : 6.0;
            int st = ym_grid_create(&grid, MPI_COMM_WORLD, L, pd, 1);
            if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
            if (!st) st = ym_gauge_create(&u, geom, N);
            if (!st) st = ym_heatbath_create(&h, u, &p);
            if (!st) st = ym_heatbath_set_hot(h, u);
            for (int s = 0; !st && s < therm; ++s) {
                st = ym_heatbath_sweep(h, u, NULL);
                if (!st) st = ym_heatbath_or_sweep(h, u);
                if (!st) st = ym_heatbath_or_sweep(h, u);
            }
            double V = (double)L[0] * L[1] * L[2] * L[3];
            for (int kind = 0; !st && kind < 2; ++kind) {
                double ts[4096], cs[4096], sum = 0;
                int n = 0;
                ym_heatbath_counts c = {0, 0, 0};
                while (!st && n < 4096 && (sum < min_time || n < 3)) {
                    MPI_Barrier(MPI_COMM_WORLD);
                    double t = MPI_Wtime(), cp = cpu_now();
                    st = kind == 0 ? ym_heatbath_sweep(h, u, &c) : ym_heatbath_or_sweep(h, u);
                    t = MPI_Wtime() - t;
                    cp = cpu_now() - cp;
                    MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
                    MPI_Allreduce(MPI_IN_PLACE, &cp, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
                    cs[n] = cp;
                    ts[n++] = t;
                    sum += t;
                }
                if (st) break;
                qsort(ts, (size_t)n, sizeof(double), cmp_d);
                qsort(cs, (size_t)n, sizeof(double), cmp_d);
                double med = ts[n / 2], us = 1e6 * med / (4 * V), cmed = cs[n / 2];
                double ppu = kind == 0 ? (double)c.proposals / (double)c.updates : 0;
                double draws = kind == 0 ? (4.0 * (double)c.proposals + 2.0 * (double)c.updates) / n : 0;
                double share = kind == 0 ? draws * ns_ranlxd2 * 1e-9 / (cmed * size) : 0;
                ym_plaquette pl;
                ym_gauge_plaquette(u, &pl);
                EMIT("%s,plaquette=%.4f,%d,%d,%d,,%.6g,s_per_sweep,%.6g,%.4g,%.4g,%.3g,%.3g,%.4g,%.6g,%.4g\n", kind ? "or" : "hb",
                     pl.total, N, L[0], size, med, ts[0], us, us * size, flops_per_link(N) * 4 * V / med / 1e9, share, ppu,
                     cmed, 1e6 * cmed * size / (4 * V));
            }
            if (st && rank == 0) fprintf(stderr, "bench_heatbath: %s\n", ym_errmsg());
            ym_heatbath_free(h);
            ym_gauge_free(u);
            ym_geom_free(geom);
            ym_grid_free(grid);
            if (st) {
                MPI_Finalize();
                return 1;
            }
        }
    if (fo) fclose(fo);
    MPI_Finalize();
    return 0;
}
