/* bench_curv: throughput of the curvature kernels.
 *
 * Times, on a Haar-random SU(N) field (ym_gauge_set_random), one call of
 *   plaquette  ym_gauge_plaquette  (halo update + 6 plaquettes/site + allreduce)
 *   clover     ym_curv_clover      (halo update + 6 clover planes/site)
 *   densities  ym_curv_densities   (E(x) and q(x) from F; local, no halo)
 *   halo       ym_gauge_halo_update (the halo fill that plaquette and clover
 *              do first: the communication share of their time; 0 flops)
 * for each N and lattice size given, on all ranks of MPI_COMM_WORLD with a
 * periodic geometry of halo depth 1.
 *
 * Timing: one untimed warm-up call, then repetitions of
 *   MPI_Barrier; t0 = MPI_Wtime(); call; t = MPI_Wtime() - t0;
 *   t = max of t over ranks (MPI_Allreduce)
 * until the sum of t reaches --min-time seconds and at least MIN_REPS calls
 * were made. The reported time per call, sec_per_call, is the BEST (minimum)
 * of the repetitions: on a shared machine other work only ever adds time, so
 * the minimum is the reproducible figure; median_sec is printed alongside
 * to show the spread, and cpu_sec, the best over repetitions of the largest
 * process CPU time (CLOCK_PROCESS_CPUTIME_ID) over ranks: cpu_sec close to
 * sec_per_call says the best repetition ran undisturbed; cpu_sec well below
 * it says that even the best repetition was descheduled for a while (a busy
 * machine), and the wall-clock figures are then pessimistic. Every rate is
 * derived from the best wall-clock time t:
 *   sites_per_sec = V / t, us_per_site = 1e6 t / V  (V = global volume, wall
 *   clock for the whole job, not per rank),
 *   gflops = flops_per_site * V / t / 1e9.
 *
 * Flop count (real floating-point operations that the algorithm needs, as in
 * the usual lattice convention; index arithmetic, the Neumaier compensation
 * of the sums and the halo exchange count as zero):
 *   complex multiply 6, complex add 2, real multiply or add 1.
 *   N x N complex matrix product (any of nn, nd, dn): N^2 entries, each a
 *     sum of N complex products: N^3 * 6 + N^2 (N-1) * 2 = 8N^3 - 2N^2.
 *     (SU(2): 56, SU(3): 198.)
 *   Re tr(a b^dagger) = sum over the 2N^2 real components of a_k * b_k:
 *     2N^2 multiplies + (2N^2 - 1) adds = 4N^2 - 1.
 *   Re tr(a b) = sum_ik Re a_ik b_ki, each term re*re - im*im (3 flops):
 *     3N^2 + (N^2 - 1) = 4N^2 - 1.
 *   plaquette, per plane: 2 products + Re tr(a b^dagger) + 1 add into the
 *     accumulator = 2(8N^3 - 2N^2) + 4N^2 - 1 + 1 = 16N^3.
 *     Per site (6 planes): 96N^3.                SU(2): 768, SU(3): 2592.
 *   clover, per plane: 4 leaves of 3 products each = 12(8N^3 - 2N^2);
 *     3 leaf sums (complex adds; the library's axpy multiplies by s = 1 as a
 *     complex number, 6N^2 more executed flops that we do not count) = 6N^2;
 *     traceless anti-Hermitian projection: Im tr (N-1 adds, 1 divide = N),
 *     N(N-1)/2 off-diagonal pairs x (2 add/sub + 2 multiplies by 1/2), N
 *     diagonal subtractions = 2N^2; the factor 1/4: 2N^2.
 *     Total 96N^3 - 24N^2 + 6N^2 + 4N^2 = 96N^3 - 14N^2.
 *     Per site (6 planes): 576N^3 - 84N^2.       SU(2): 4272, SU(3): 14796.
 *   densities, per site: E = -sum of 6 Re tr(F F): 6(4N^2 - 1) + 6 = 24N^2;
 *     q: 3 Re tr(F F) + 2 add/sub + 1 scale = 3(4N^2 - 1) + 3 = 12N^2.
 *     Total 36N^2.                               SU(2): 144, SU(3): 324.
 *   halo: 0 (communication and copies only).
 *
 * Output: CSV with a header line, one row per (N, dims, kernel), numbers in
 * %.6g, to stdout and (with --out) to FILE; rank 0 writes.
 * Exit codes: 0 ok, 1 library or runtime failure, 2 bad arguments.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ymflow.h"

#define MIN_REPS 5
#define MAX_LIST 32

enum { K_HALO, K_PLAQ, K_CLOVER, K_DENS, K_COUNT };
static const char *const kernel_name[K_COUNT] = {"halo", "plaquette", "clover", "densities"};

static const char *usage =
    "usage: bench_curv [options]      (under MPI: mpirun -n P bench_curv ...)\n"
    "  --N LIST          gauge groups SU(N), comma-separated (default 2,3)\n"
    "  --dims LIST       lattices, comma-separated, each A (= A^4) or AxBxCxD\n"
    "                    (default 8,12,16,20,24)\n"
    "  --kernels LIST    any of halo,plaquette,clover,densities (default all)\n"
    "  --min-time S      seconds of timed calls per measurement (default 1.0)\n"
    "  --grid AxBxCxD    process grid (default: chosen by the library)\n"
    "  --seed S          seed of the random field (default 1)\n"
    "  --out FILE        also write the CSV to FILE\n"
    "  --help            this text\n"
    "Output: CSV (header + one row per case) on stdout. Time per call is the\n"
    "best (minimum) of the repetitions. Exit codes: 0 ok, 1 runtime error, 2 bad arguments.\n";

typedef struct {
    int nN, N[MAX_LIST];
    int ndims, dims[MAX_LIST][4];
    int kernel_on[K_COUNT];
    double min_time;
    int have_grid, grid[4];
    unsigned long seed;
    const char *out;
} options;

static int rank0;

/* One-line message on rank 0. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void msg(const char *fmt, ...)
{
    if (!rank0) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_curv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Split a comma-separated list into items of at most 63 characters.
 * Returns the number of items or -1 (empty item, too many, too long). */
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

/* Parse argv into o. Returns 0, 1 (--help printed) or 2 (bad argument,
 * message printed on rank 0). Identical on every rank. */
static int parse_args(int argc, char **argv, options *o)
{
    static const int def_dims[] = {8, 12, 16, 20, 24};
    memset(o, 0, sizeof *o);
    o->nN = 2;
    o->N[0] = 2;
    o->N[1] = 3;
    o->ndims = 5;
    for (int i = 0; i < 5; ++i)
        for (int mu = 0; mu < 4; ++mu) o->dims[i][mu] = def_dims[i];
    for (int k = 0; k < K_COUNT; ++k) o->kernel_on[k] = 1;
    o->min_time = 1.0;
    o->seed = 1;

    char items[MAX_LIST][64];
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            if (rank0) fputs(usage, stdout);
            return 1;
        }
        if (strcmp(a, "--N") && strcmp(a, "--dims") && strcmp(a, "--kernels") && strcmp(a, "--min-time") &&
            strcmp(a, "--grid") && strcmp(a, "--seed") && strcmp(a, "--out")) {
            msg("unknown option '%s' (try --help)", a);
            return 2;
        }
        if (i + 1 >= argc) {
            msg("%s needs a value", a);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--N")) {
            int n = split_list(v, items, MAX_LIST);
            if (n < 0) {
                msg("--N: bad list '%s'", v);
                return 2;
            }
            for (int k = 0; k < n; ++k) {
                char *end;
                errno = 0;
                long x = strtol(items[k], &end, 10);
                if (*end || errno || x < 1 || x > YM_NMAX) {
                    msg("--N: '%s' is not an integer in 1..%d", items[k], YM_NMAX);
                    return 2;
                }
                o->N[k] = (int)x;
            }
            o->nN = n;
        } else if (!strcmp(a, "--dims")) {
            int n = split_list(v, items, MAX_LIST);
            if (n < 0) {
                msg("--dims: bad list '%s'", v);
                return 2;
            }
            for (int k = 0; k < n; ++k)
                if (ym_parse_dims(items[k], "--dims", o->dims[k]) != YM_OK) {
                    msg("%s", ym_errmsg());
                    return 2;
                }
            o->ndims = n;
        } else if (!strcmp(a, "--kernels")) {
            int n = split_list(v, items, MAX_LIST);
            if (n < 0) {
                msg("--kernels: bad list '%s'", v);
                return 2;
            }
            for (int k = 0; k < K_COUNT; ++k) o->kernel_on[k] = 0;
            for (int j = 0; j < n; ++j) {
                int k = 0;
                while (k < K_COUNT && strcmp(items[j], kernel_name[k])) ++k;
                if (k == K_COUNT) {
                    msg("--kernels: unknown kernel '%s' (halo, plaquette, clover, densities)", items[j]);
                    return 2;
                }
                o->kernel_on[k] = 1;
            }
        } else if (!strcmp(a, "--min-time")) {
            char *end;
            errno = 0;
            double x = strtod(v, &end);
            if (end == v || *end || errno || !isfinite(x) || x <= 0) {
                msg("--min-time: '%s' is not a positive number of seconds", v);
                return 2;
            }
            o->min_time = x;
        } else if (!strcmp(a, "--grid")) {
            if (ym_parse_dims(v, "--grid", o->grid) != YM_OK) {
                msg("%s", ym_errmsg());
                return 2;
            }
            o->have_grid = 1;
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            unsigned long x = strtoul(v, &end, 10);
            if (end == v || *end || errno || v[0] == '-') {
                msg("--seed: '%s' is not a non-negative integer", v);
                return 2;
            }
            o->seed = x;
        } else {
            if (!*v) {
                msg("--out: empty file name");
                return 2;
            }
            o->out = v;
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double flops_per_site(int kernel, int N)
{
    double n = N;
    switch (kernel) {
    case K_PLAQ: return 96 * n * n * n;
    case K_CLOVER: return 576 * n * n * n - 84 * n * n;
    case K_DENS: return 36 * n * n;
    default: return 0;
    }
}

static int run_kernel(int kernel, ym_gauge *u, ym_field *F, ym_field *E, ym_field *q)
{
    ym_plaquette p;
    switch (kernel) {
    case K_PLAQ: return ym_gauge_plaquette(u, &p);
    case K_CLOVER: return ym_curv_clover(u, F);
    case K_DENS: return ym_curv_densities(u, F, E, q);
    default: return ym_gauge_halo_update(u);
    }
}

typedef struct {
    double median, best, cpu;
    int reps;
} timing;

static double cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Warm-up, then timed calls until min_time has been spent. Collective. */
static int measure(int kernel, ym_gauge *u, ym_field *F, ym_field *E, ym_field *q, double min_time, MPI_Comm comm,
                   timing *out)
{
    int st = ym_status_agree(comm, run_kernel(kernel, u, F, E, q));
    if (st) return st;
    size_t cap = 64, n = 0;
    double *t = malloc(cap * sizeof *t), total = 0, cpu_best = 0;
    int ok = t != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free(t);
        return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory for the timings"));
    }
    while (n < MIN_REPS || total < min_time) {
        if (n == cap) {
            double *nt = realloc(t, 2 * cap * sizeof *t);
            ok = nt != NULL;
            MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
            if (!ok) {
                free(nt ? nt : t);
                return ym_status_agree(comm, YM_ERROR(YM_ENOMEM, "out of memory for the timings"));
            }
            t = nt;
            cap *= 2;
        }
        MPI_Barrier(comm);
        double c0 = cpu_seconds(), t0 = MPI_Wtime();
        st = run_kernel(kernel, u, F, E, q);
        double dt[2] = {MPI_Wtime() - t0, cpu_seconds() - c0};
        /* The max over ranks is the same on every rank, so every rank takes
         * the same number of repetitions. */
        MPI_Allreduce(MPI_IN_PLACE, dt, 2, MPI_DOUBLE, MPI_MAX, comm);
        st = ym_status_agree(comm, st);
        if (st) {
            free(t);
            return st;
        }
        if (n == 0 || dt[1] < cpu_best) cpu_best = dt[1];
        t[n++] = dt[0];
        total += dt[0];
    }
    qsort(t, n, sizeof *t, cmp_double);
    out->median = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
    out->best = t[0];
    out->cpu = cpu_best;
    out->reps = (int)n;
    free(t);
    return YM_OK;
}

static void emit(FILE *f, const char *line)
{
    if (!f) return;
    fputs(line, f);
    fflush(f);
}

/* One lattice size and one N: set up, measure every kernel, print rows. */
static int bench_case(const options *o, const int L[4], int N, FILE *fout)
{
    MPI_Comm comm = MPI_COMM_WORLD;
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_field *F = NULL, *E = NULL, *q = NULL;
    int st = ym_grid_create(&grid, comm, L, o->have_grid ? o->grid : NULL, 1);
    if (st == YM_EINVAL) {
        msg("lattice %dx%dx%dx%d: %s", L[0], L[1], L[2], L[3], ym_errmsg());
        return -2;
    }
    if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
    if (!st) st = ym_gauge_create(&u, geom, N);
    if (!st) st = ym_field_create(&F, geom, 6 * 2 * (size_t)N * N);
    if (!st && o->kernel_on[K_DENS]) st = ym_field_create(&E, geom, 1);
    if (!st && o->kernel_on[K_DENS]) st = ym_field_create(&q, geom, 1);
    if (!st) st = ym_gauge_set_random(u, o->seed);
    /* densities read F: fill it once if clover itself is not measured first */
    if (!st && o->kernel_on[K_DENS]) st = ym_curv_clover(u, F);

    for (int k = 0; k < K_COUNT && !st; ++k) {
        if (!o->kernel_on[k]) continue;
        timing tm = {0, 0, 0, 0};
        st = measure(k, u, F, E, q, o->min_time, comm, &tm);
        if (st) break;
        const int *pd = ym_grid_dims(grid);
        double V = (double)ym_grid_volume(grid), fps = flops_per_site(k, N);
        char line[512];
        snprintf(line, sizeof line,
                 "%s,%d,%dx%dx%dx%d,%.6g,%d,%dx%dx%dx%d,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", kernel_name[k], N,
                 L[0], L[1], L[2], L[3], V, ym_grid_size(grid), pd[0], pd[1], pd[2], pd[3], tm.reps, tm.best,
                 tm.median, tm.cpu, V / tm.best, fps * V / tm.best * 1e-9, 1e6 * tm.best / V, fps);
        if (rank0) {
            emit(stdout, line);
            emit(fout, line);
        }
    }
    ym_field_free(q);
    ym_field_free(E);
    ym_field_free(F);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return st;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rank0 = rank == 0;
    int rc = 0;
    FILE *fout = NULL;
    options o;
    memset(&o, 0, sizeof o);

    int st = ym_init();
    if (st) {
        msg("initialisation failed: %s", ym_errmsg());
        rc = 1;
        goto done;
    }
    int pa = parse_args(argc, argv, &o);
    if (pa) {
        rc = pa == 1 ? 0 : 2;
        goto done;
    }
    if (o.have_grid && o.grid[0] * o.grid[1] * o.grid[2] * o.grid[3] != size) {
        msg("--grid %dx%dx%dx%d does not multiply to the %d ranks", o.grid[0], o.grid[1], o.grid[2], o.grid[3],
            size);
        rc = 2;
        goto done;
    }
    int ok = 1;
    if (rank0 && o.out) {
        fout = fopen(o.out, "w");
        if (!fout) {
            msg("--out: cannot open '%s': %s", o.out, strerror(errno));
            ok = 0;
        }
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!ok) {
        rc = 2;
        goto done;
    }

    static const char *header = "kernel,N,dims,volume,ranks,grid,reps,sec_per_call,median_sec,cpu_sec,sites_per_sec,gflops,"
                                "us_per_site,flops_per_site\n";
    if (rank0) {
        emit(stdout, header);
        emit(fout, header);
    }
    for (int i = 0; i < o.nN && !rc; ++i)
        for (int j = 0; j < o.ndims && !rc; ++j) {
            st = bench_case(&o, o.dims[j], o.N[i], fout);
            if (st == -2) {
                rc = 2;
            } else if (st) {
                msg("SU(%d), lattice %dx%dx%dx%d: %s", o.N[i], o.dims[j][0], o.dims[j][1], o.dims[j][2], o.dims[j][3],
                    ym_errmsg());
                rc = 1;
            }
        }

done:
    if (fout && fclose(fout) != 0) {
        msg("--out: error writing '%s'", o.out);
        if (!rc) rc = 1;
    }
    MPI_Finalize();
    return rc;
}
