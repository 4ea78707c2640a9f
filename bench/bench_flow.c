/* bench_flow: cost of the gradient flow (force evaluation and RK3 step).
 *
 * For each gauge group SU(N), lattice, action and measurement mode given,
 * on all ranks of MPI_COMM_WORLD (periodic geometry of the halo depth the
 * action needs), starting from a Haar-random field flowed for 2 RK3 steps
 * (untimed; also the warm-up), times
 *   force  ym_action_force(a, NULL, u, z)          (halo update + force)
 *   step   ym_flow_step(u, a, NULL, rk3, 0.01, w)  (3 forces + 3 updates)
 *          and, with measure = 1, after every step also
 *          ym_gauge_plaquette + ym_curv_clover_totals (E_clov and Q),
 *          i.e. the measurement a flow driver does at every step.
 * Timing (wall clock, and process CPU time as a check when the machine is
 * shared; cpu_us_per_site = 1e6 cpu_sec * ranks / V is core time per site): repetitions of
 *   MPI_Barrier; t0 = MPI_Wtime(); call; t = MPI_Wtime() - t0;
 *   t = max of t over ranks
 * until their sum reaches --min-time seconds and at least --min-reps calls
 * were made; the time per call is the MEDIAN (best = minimum alongside).
 *   us_per_site = 1e6 t / V  (V global volume; wall clock of the whole job)
 *   gflops = flops_per_site * V / t / 1e9.
 *
 * Flop count (nominal flops of the staple algorithm, the same count for
 * every version of the code, so GFLOP/s compare like seconds do; index
 * arithmetic, halo exchange and copies count zero):
 *   M = N x N complex matrix product = 8N^3 - 2N^2 (SU(2) 56, SU(3) 198);
 *   matrix add 2N^2, real scale of a matrix 2N^2;
 *   traceless anti-Hermitian projection P: 2N^2 + N.
 *   Wilson force per link: 6 staples of 2 products (12M), 5 staple adds,
 *     Omega = U * sum (1M), P: 13M + 12N^2 + N.
 *   Rectangle (Symanzik) force per link: 6 plaquette staples (12M),
 *     18 rectangle staples of 4 products (72M), 22 adds + 2 scales of the
 *     two sums + 1 add (50N^2), Omega (1M), P: 85M + 52N^2 + N.
 *   Over-improved force per link: 6 plaquette staples (12M), 12 2x2
 *     staples of 6 products (72M), Omega (1M), 20 adds/scales (40N^2),
 *     P: 85M + 40N^2 + N.
 *   Force per site: 4 x per link.
 *   RK3 stage per link: K = A K + Z (4N^2), X = eps B K (2N^2),
 *     exp(X) (nominal M + 6N^2 + 50), exp(X) U (1M): 2M + 12N^2 + 50.
 *   RK3 step per site: 3 forces + 12 stage updates.
 *   Measurement per site: plaquette 96N^3, clover 576N^3 - 84N^2,
 *     densities E and q 36N^2 (as bench_curv).
 *
 * cpu_vs_wilson: cpu_sec over that of the "wilson" row of the same N,
 * lattice, measurement mode and kernel measured earlier in the same run
 * (list wilson first; empty otherwise), i.e. the cost of an improved
 * action in Wilson steps.
 * Output: CSV with a header line, one row per case, to stdout and (with
 * --out) to FILE; rank 0 writes. Memory: link_field_mb is the gauge field
 * with its halo, work_mb what the flow workspace holds
 * (ym_flow_work_bytes), both summed over ranks; max_rss_mb is the peak
 * resident set of rank 0 so far. The rk3_step rows come before the force
 * row because the force timing needs a full force field that the flow
 * itself does not: their max_rss_mb is the flow's own peak (links,
 * workspace, the transient staple ring, and the MPI/HDF5 libraries).
 * --paired R: the cost of each action in Wilson steps, measured so that the
 * bursts of a shared host cancel. Both flows are set up side by side (same
 * seed, each with its own halo depth); each round times one Wilson RK3 step
 * and one step of the action, back to back, in alternating order, and
 * ratio = action step / Wilson step of that round. A burst longer than a
 * step slows both halves of a round alike. Output: one row per N, lattice
 * and action with the median ratio and its quartiles, and the median
 * seconds of each flow's steps:
 *   ranks,N,dims,action,rounds,ratio_median,ratio_q1,ratio_q3,
 *   wilson_step_sec,action_step_sec
 * Exit codes: 0 ok, 1 runtime error, 2 bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ymflow.h"

#define MAX_LIST 32

static const char *usage =
    "usage: bench_flow [options]      (under MPI: mpirun -n P bench_flow ...)\n"
    "  --N LIST          gauge groups SU(N), comma-separated (default 2,3)\n"
    "  --dims LIST       lattices, each A (= A^4) or AxBxCxD (default 8,16)\n"
    "  --actions LIST    registered action names (default wilson,symanzik)\n"
    "  --measure LIST    0 (no measurement), 1 (plaquette + clover E, Q every\n"
    "                    step) (default 0,1)\n"
    "  --min-time S      seconds of timed calls per measurement (default 1.0)\n"
    "  --min-reps R      at least R timed calls (default 3)\n"
    "  --grid AxBxCxD    process grid (default: chosen by the library)\n"
    "  --seed S          seed of the random field (default 1)\n"
    "  --out FILE        also write the CSV to FILE\n"
    "  --paired R        instead: R rounds of one Wilson RK3 step and one step\n"
    "                    of each other action, alternating, and the median of\n"
    "                    the per-round ratios (see the header comment)\n";

static int rank0;

static int split_list(const char *s, char items[][64], int max)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len > 63 || n == max) return -1;
        memcpy(items[n], p, len);
        items[n][len] = '\0';
        ++n;
        if (!e) return n;
        p = e + 1;
    }
}

typedef struct {
    int nN, N[MAX_LIST];
    int ndims, dims[MAX_LIST][4];
    int nact;
    char act[MAX_LIST][64];
    int nmeas, meas[2];
    double min_time;
    int min_reps;
    int have_grid, grid[4];
    unsigned long seed;
    const char *out;
    int paired;
} options;

static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->nN = 2, o->N[0] = 2, o->N[1] = 3;
    o->ndims = 2;
    for (int mu = 0; mu < 4; ++mu) o->dims[0][mu] = 8, o->dims[1][mu] = 16;
    o->nact = 2;
    strcpy(o->act[0], "wilson");
    strcpy(o->act[1], "symanzik");
    o->nmeas = 2, o->meas[0] = 0, o->meas[1] = 1;
    o->min_time = 1.0;
    o->min_reps = 3;
    o->seed = 1;
    char items[MAX_LIST][64];
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            if (rank0) fputs(usage, stdout);
            return 1;
        }
        if (!v) goto bad;
        ++i;
        int n = split_list(v, items, MAX_LIST);
        if (n < 0) goto bad;
        if (!strcmp(a, "--N")) {
            o->nN = n;
            for (int k = 0; k < n; ++k) {
                char *e;
                long x = strtol(items[k], &e, 10);
                if (*e || x < 1 || x > YM_NMAX) goto bad;
                o->N[k] = (int)x;
            }
        } else if (!strcmp(a, "--dims")) {
            o->ndims = n;
            for (int k = 0; k < n; ++k)
                if (ym_parse_dims(items[k], "dims", o->dims[k])) goto bad;
        } else if (!strcmp(a, "--actions")) {
            o->nact = n;
            for (int k = 0; k < n; ++k) strcpy(o->act[k], items[k]);
        } else if (!strcmp(a, "--measure")) {
            if (n > 2) goto bad;
            o->nmeas = n;
            for (int k = 0; k < n; ++k) {
                if (strcmp(items[k], "0") && strcmp(items[k], "1")) goto bad;
                o->meas[k] = items[k][0] - '0';
            }
        } else if (!strcmp(a, "--min-time")) {
            o->min_time = strtod(v, NULL);
            if (!(o->min_time >= 0)) goto bad;
        } else if (!strcmp(a, "--min-reps")) {
            o->min_reps = atoi(v);
            if (o->min_reps < 1) goto bad;
        } else if (!strcmp(a, "--grid")) {
            if (ym_parse_dims(v, "grid", o->grid)) goto bad;
            o->have_grid = 1;
        } else if (!strcmp(a, "--seed")) {
            o->seed = strtoul(v, NULL, 10);
        } else if (!strcmp(a, "--out")) {
            o->out = v;
        } else if (!strcmp(a, "--paired")) {
            char *e;
            long r = strtol(v, &e, 10);
            if (*e || r < 1 || r > 100000) goto bad;
            o->paired = (int)r;
        } else goto bad;
        continue;
    bad:
        if (rank0) fprintf(stderr, "bench_flow: bad argument '%s%s%s'\n%s", a, v ? " " : "", v ? v : "", usage);
        return 2;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef int (*bench_fn)(void *ctx);

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* Median and minimum wall seconds per call, median CPU seconds of the
 * process (max over ranks; robust against other jobs on the machine, but
 * it includes the MPI library's busy waiting). */
static int timeit(bench_fn f, void *ctx, const options *o, double *med, double *best, double *cpu, int *reps)
{
    static double t[100000], c[100000];
    int n = 0, st = 0;
    double sum = 0;
    while (!st && n < 100000 && (n < o->min_reps || sum < o->min_time)) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime(), c0 = cpu_now();
        st = f(ctx);
        double dt[2] = {MPI_Wtime() - t0, cpu_now() - c0};
        MPI_Allreduce(MPI_IN_PLACE, dt, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        t[n] = dt[0];
        c[n++] = dt[1];
        sum += dt[0];
    }
    *med = median(t, n);
    *best = t[0];
    *cpu = median(c, n);
    *reps = n;
    return st;
}

typedef struct {
    ym_gauge *u;
    ym_field *z;
    ym_flow_work *w;
    const ym_action_type *a;
    const ym_integrator_type *it;
    int measure;
    double sink;
} ctx_t;

static int do_force(void *p)
{
    ctx_t *c = p;
    return ym_action_force(c->a, NULL, c->u, c->z);
}

static int do_step(void *p)
{
    ctx_t *c = p;
    int st = ym_flow_step(c->u, c->a, NULL, c->it, 0.01, c->w);
    if (!st && c->measure) {
        ym_plaquette pl;
        double E = 0, Q = 0;
        st = ym_gauge_plaquette(c->u, &pl);
        if (!st) st = ym_curv_clover_totals(c->u, &E, &Q);
        c->sink += pl.total + E + Q;
    }
    return st;
}

/* A flow of action a on an L lattice, from a Haar-random field flowed for
 * two untimed RK3 steps (the warm-up). */
static int ctx_open(ctx_t *c, ym_grid **grid, ym_geom **geom, const ym_action_type *a, int N, const int L[4],
                    const options *o)
{
    memset(c, 0, sizeof *c);
    *grid = NULL, *geom = NULL;
    c->a = a;
    c->it = ym_integrator_find("rk3");
    int st = ym_grid_create(grid, MPI_COMM_WORLD, L, o->have_grid ? o->grid : NULL, a->halo_depth);
    if (!st) st = ym_geom_create(geom, *grid, a->halo_depth, NULL);
    if (!st) st = ym_gauge_create(&c->u, *geom, N);
    if (!st) st = ym_flow_work_create(&c->w, c->u);
    if (!st) st = ym_gauge_set_random(c->u, o->seed);
    for (int k = 0; k < 2 && !st; ++k) st = do_step(c);
    return st;
}

static void ctx_close(ctx_t *c, ym_grid *grid, ym_geom *geom)
{
    ym_flow_work_free(c->w);
    ym_field_free(c->z);
    ym_gauge_free(c->u);
    ym_geom_free(geom);
    ym_grid_free(grid);
}

/* wall seconds of one call, max over ranks */
static int time_once(bench_fn f, void *ctx, double *t)
{
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    int st = f(ctx);
    *t = MPI_Wtime() - t0;
    MPI_Allreduce(MPI_IN_PLACE, t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return st;
}

/* --paired (header comment) */
static int run_paired(const options *o, FILE *out)
{
    const char *hdr = "ranks,N,dims,action,rounds,ratio_median,ratio_q1,ratio_q3,wilson_step_sec,action_step_sec\n";
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank0) {
        fputs(hdr, stdout);
        if (out) fputs(hdr, out);
    }
    const int R = o->paired;
    double *r = malloc(3 * (size_t)R * sizeof *r), *tw = r + R, *ta = tw + R;
    if (!r) return 1;
    int st = 0;
    for (int in = 0; in < o->nN && !st; ++in)
        for (int id = 0; id < o->ndims && !st; ++id) {
            const int N = o->N[in], *L = o->dims[id];
            ctx_t w, c;
            ym_grid *gw, *ga;
            ym_geom *mw, *ma;
            st = ctx_open(&w, &gw, &mw, ym_action_find("wilson"), N, L, o);
            for (int ia = 0; ia < o->nact && !st; ++ia) {
                const ym_action_type *a = ym_action_find(o->act[ia]);
                if (!a) {
                    st = 1;
                    break;
                }
                if (!strcmp(a->name, "wilson")) continue;
                st = ctx_open(&c, &ga, &ma, a, N, L, o);
                for (int k = 0; k < R && !st; ++k) {
                    /* alternate the order, so that a drift within a round cancels */
                    if (k % 2) st = time_once(do_step, &c, &ta[k]), st = st ? st : time_once(do_step, &w, &tw[k]);
                    else st = time_once(do_step, &w, &tw[k]), st = st ? st : time_once(do_step, &c, &ta[k]);
                    r[k] = ta[k] / tw[k];
                }
                if (!st) {
                    double mr = median(r, R), q1 = r[(R - 1) / 4], q3 = r[(3 * (R - 1) + 3) / 4];
                    char line[256];
                    snprintf(line, sizeof line, "%d,%d,%dx%dx%dx%d,%s,%d,%.4g,%.4g,%.4g,%.6g,%.6g\n", size, N, L[0], L[1],
                             L[2], L[3], a->name, R, mr, q1, q3, median(tw, R), median(ta, R));
                    if (rank0) {
                        fputs(line, stdout);
                        fflush(stdout);
                        if (out) fputs(line, out), fflush(out);
                    }
                }
                ctx_close(&c, ga, ma);
            }
            ctx_close(&w, gw, mw);
        }
    if (st && rank0) fprintf(stderr, "bench_flow: %s\n", ym_errmsg());
    free(r);
    return st;
}

static double flops_force(const char *act, int N)
{
    double M = 8.0 * N * N * N - 2.0 * N * N, N2 = (double)N * N;
    if (!strcmp(act, "wilson")) return 4 * (13 * M + 12 * N2 + N);
    if (!strcmp(act, "overimproved")) return 4 * (85 * M + 40 * N2 + N);
    return 4 * (85 * M + 52 * N2 + N); /* rectangle family */
}

static double flops_step(const char *act, int N, int measure)
{
    double M = 8.0 * N * N * N - 2.0 * N * N, N2 = (double)N * N, N3 = N2 * N;
    double f = 3 * flops_force(act, N) + 12 * (2 * M + 12 * N2 + 50);
    if (measure) f += 96 * N3 + 576 * N3 - 84 * N2 + 36 * N2;
    return f;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rank0 = rank == 0;
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc) {
        MPI_Finalize();
        return rc == 1 ? 0 : 2;
    }
    if (ym_init()) {
        MPI_Finalize();
        return 1;
    }
    FILE *out = NULL;
    if (rank0 && o.out && !(out = fopen(o.out, "w"))) {
        fprintf(stderr, "bench_flow: cannot open %s\n", o.out);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (o.paired) {
        int pst = run_paired(&o, out);
        if (out) fclose(out);
        MPI_Finalize();
        return pst ? 1 : 0;
    }
    const char *hdr = "ranks,N,dims,action,measure,kernel,reps,sec,best_sec,cpu_sec,us_per_site,cpu_us_per_site,flops_per_site,gflops,"
                      "link_field_mb,work_mb,max_rss_mb,cpu_vs_wilson\n";
    if (rank0) {
        fputs(hdr, stdout);
        if (out) fputs(hdr, out);
    }
    int st = 0;
    static double wil_cpu[MAX_LIST][MAX_LIST][3];
    for (int in = 0; in < o.nN && !st; ++in)
        for (int id = 0; id < o.ndims && !st; ++id)
            for (int ia = 0; ia < o.nact && !st; ++ia) {
                int N = o.N[in];
                const int *L = o.dims[id];
                const ym_action_type *a = ym_action_find(o.act[ia]);
                if (!a) {
                    if (rank0) fprintf(stderr, "bench_flow: %s\n", ym_errmsg());
                    st = 1;
                    break;
                }
                ym_grid *grid;
                ym_geom *geom;
                ctx_t c;
                st = ctx_open(&c, &grid, &geom, a, N, L, &o);
                double V = (double)ym_grid_volume(grid);
                double lmb = 0;
                if (!st) lmb = (double)ym_geom_nsites(geom) * 64.0 * N * N / 1048576.0;
                MPI_Allreduce(MPI_IN_PLACE, &lmb, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
                double wmb = (double)ym_flow_work_bytes(c.w) / 1048576.0;
                MPI_Allreduce(MPI_IN_PLACE, &wmb, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
                for (int kk = 0; kk <= o.nmeas && !st; ++kk) {
                    int k = kk < o.nmeas ? kk : -1;
                    double med, best, cpu, fl;
                    int reps;
                    const char *kern = k < 0 ? "force" : "rk3_step";
                    if (k < 0) {
                        st = ym_field_create(&c.z, geom, 8 * (size_t)N * N);
                        if (!st) st = timeit(do_force, &c, &o, &med, &best, &cpu, &reps);
                        fl = flops_force(a->name, N);
                    } else {
                        c.measure = o.meas[k];
                        st = timeit(do_step, &c, &o, &med, &best, &cpu, &reps);
                        fl = flops_step(a->name, N, c.measure);
                    }
                    struct rusage ru;
                    getrusage(RUSAGE_SELF, &ru);
                    char line[512], ratio[32] = "";
                    if (!strcmp(a->name, "wilson")) wil_cpu[in][id][kk] = cpu;
                    else if (wil_cpu[in][id][kk] > 0) snprintf(ratio, sizeof ratio, "%.3g", cpu / wil_cpu[in][id][kk]);
                    snprintf(line, sizeof line, "%d,%d,%dx%dx%dx%d,%s,%d,%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%s\n",
                             size, N, L[0], L[1], L[2], L[3], a->name, k < 0 ? 0 : c.measure, kern, reps, med, best,
                             cpu, 1e6 * med / V, 1e6 * cpu * size / V, fl, fl * V / med / 1e9, lmb, wmb,
                             ru.ru_maxrss / 1024.0, ratio);
                    if (rank0 && !st) {
                        fputs(line, stdout);
                        fflush(stdout);
                        if (out) fputs(line, out), fflush(out);
                    }
                }
                if (st && rank0) fprintf(stderr, "bench_flow: %s\n", ym_errmsg());
                ctx_close(&c, grid, geom);
            }
    if (out) fclose(out);
    MPI_Finalize();
    return st ? 1 : 0;
}
