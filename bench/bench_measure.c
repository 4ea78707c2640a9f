/* bench_measure: cost of one flow measurement against one flow step.
 *
 * On a configuration file (--file PATH, any format ymflow reads) or a
 * Haar-random SU(N) field (--N, --dims), after two untimed Wilson RK3 steps
 * (eps 0.02; warm-up and a less rough field), times
 *   step        ym_flow_step(u, wilson, rk3, eps = 0.02)
 *   plaquette   ym_measure_row_columns with {plaquette}
 *   E_plaq      ... {E_plaq}
 *   clover      ... {E_clover} (E_clover, t2E_clover, Q_clover, E_clover_max)
 *   default     ... YM_MEASURE_DEFAULT (what `ymflow flow` measures by default)
 *   W_exact     ... {W_exact}
 *   Q_improved  ... {Q_improved} (5Li)
 *   all         ... every column
 * Each case: --reps timed calls (default 5) after one untimed call, each
 *   MPI_Barrier; t = MPI_Wtime() and process CPU time around the call, max
 *   over ranks. Reported: MEDIAN wall and median CPU seconds, and both as
 *   a multiple of the median step (wall_steps, cpu_steps). On a shared
 *   machine the CPU-time ratio is the steadier figure: a descheduled call
 *   loses wall time but not CPU time.
 * Output: CSV (header + one row per case) to stdout and --out FILE.
 * Exit codes: 0 ok, 1 runtime error, 2 bad arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ymflow.h"

static const char *usage =
    "usage: bench_measure [--file PATH | --N n --dims AxBxCxD] [--reps R] [--cases LIST] [--out FILE]\n"
    "  cases: step,plaquette,E_plaq,clover,default,W_exact,Q_improved,all (default: all of them)\n";

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct {
    ym_gauge *u;
    ym_flow_work *w;
    ym_measure *m;
    const ym_action_type *a;
    const ym_integrator_type *it;
    unsigned mask; /* 0: a flow step */
} ctx_t;

static int run_case(ctx_t *c)
{
    if (!c->mask) return ym_flow_step(c->u, c->a, NULL, c->it, 0.02, c->w);
    double row[YM_MEASURE_NCOL];
    return ym_measure_row_columns(c->m, c->u, 0.5, c->mask, row);
}

static int time_case(ctx_t *c, int reps, double *wall, double *cpu)
{
    double t[256], k[256];
    int st = run_case(c);
    for (int i = 0; !st && i < reps; ++i) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime(), c0 = cpu_now();
        st = run_case(c);
        double d[2] = {MPI_Wtime() - t0, cpu_now() - c0};
        MPI_Allreduce(MPI_IN_PLACE, d, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        t[i] = d[0];
        k[i] = d[1];
    }
    if (!st) {
        *wall = median(t, reps);
        *cpu = median(k, reps);
    }
    return st;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const char *file = NULL, *out = NULL, *cases = "step,plaquette,E_plaq,clover,default,W_exact,Q_improved,all";
    int N = 3, L[4] = {8, 8, 8, 8}, reps = 5, st = YM_OK;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            if (!rank) printf("%s", usage);
            MPI_Finalize();
            return 0;
        }
        if (!v) st = YM_EINVAL;
        else if (!strcmp(a, "--file")) file = v;
        else if (!strcmp(a, "--N")) N = atoi(v);
        else if (!strcmp(a, "--dims")) st = ym_parse_dims(v, "dims", L);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else if (!strcmp(a, "--cases")) cases = v;
        else if (!strcmp(a, "--out")) out = v;
        else st = YM_EINVAL;
        ++i;
        if (st || reps < 1 || reps > 256) {
            if (!rank) fprintf(stderr, "%s", usage);
            MPI_Finalize();
            return 2;
        }
    }
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ctx_t c = {0};
    c.a = ym_action_find("wilson");
    c.it = ym_integrator_find("rk3");
    if (file) {
        ym_config_info info;
        st = ym_config_read(MPI_COMM_WORLD, file, NULL, 1, &grid, &geom, &c.u, &info);
    } else {
        st = ym_grid_create(&grid, MPI_COMM_WORLD, L, NULL, 1);
        if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
        if (!st) st = ym_gauge_create(&c.u, geom, N);
        if (!st) st = ym_gauge_set_random(c.u, 1);
    }
    if (!st) st = ym_flow_work_create(&c.w, c.u);
    if (!st) st = ym_measure_create(&c.m, c.u, c.a, NULL);
    for (int i = 0; !st && i < 2; ++i) st = ym_flow_step(c.u, c.a, NULL, c.it, 0.02, c.w);
    FILE *fo = out && !rank ? fopen(out, "w") : NULL;
    const char *hdr = "ranks,N,dims,case,reps,wall_sec,cpu_sec,wall_steps,cpu_steps\n";
    if (!rank) {
        printf("%s", hdr);
        if (fo) fputs(hdr, fo);
    }
    double step_wall = 0, step_cpu = 0;
    char buf[512], line[256];
    snprintf(buf, sizeof buf, "%s", cases);
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const int *gl = st ? L : ym_grid_L(grid);
    /* the step is timed first: every other case is reported in steps */
    if (!st) st = time_case(&c, reps, &step_wall, &step_cpu);
    for (char *tok = strtok(buf, ","); !st && tok; tok = strtok(NULL, ",")) {
        unsigned mask = 0;
        if (!strcmp(tok, "step")) mask = 0;
        else if (!strcmp(tok, "plaquette")) mask = YM_MEASURE_BIT(YM_M_PLAQ);
        else if (!strcmp(tok, "E_plaq")) mask = YM_MEASURE_BIT(YM_M_EPLAQ);
        else if (!strcmp(tok, "clover")) mask = YM_MEASURE_BIT(YM_M_ECLOV);
        else if (!strcmp(tok, "default")) mask = YM_MEASURE_DEFAULT;
        else if (!strcmp(tok, "W_exact")) mask = YM_MEASURE_BIT(YM_M_WEXACT);
        else if (!strcmp(tok, "Q_improved")) mask = YM_MEASURE_BIT(YM_M_QIMPR);
        else if (!strcmp(tok, "all")) mask = YM_MEASURE_ALL;
        else {
            if (!rank) fprintf(stderr, "bench_measure: unknown case '%s'\n", tok);
            st = YM_EINVAL;
            break;
        }
        double w = step_wall, k = step_cpu;
        c.mask = mask;
        if (mask) st = time_case(&c, reps, &w, &k);
        if (!st && !rank) {
            snprintf(line, sizeof line, "%d,%d,%dx%dx%dx%d,%s,%d,%.6g,%.6g,%.3g,%.3g\n", size, ym_gauge_N(c.u), gl[0],
                     gl[1], gl[2], gl[3], tok, reps, w, k, w / step_wall, k / step_cpu);
            printf("%s", line);
            if (fo) fputs(line, fo);
            fflush(stdout);
        }
    }
    if (fo) fclose(fo);
    if (st && !rank) fprintf(stderr, "bench_measure: %s\n", ym_errmsg());
    ym_measure_free(c.m);
    ym_flow_work_free(c.w);
    ym_gauge_free(c.u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    MPI_Finalize();
    return st ? 1 : 0;
}
