/* bench_io: read and write throughput of the configuration-file formats.
 *
 * For each lattice size L^4 (default 16 and 24) a Haar-random SU(3) field
 * (ym_gauge_set_random) on all ranks of MPI_COMM_WORLD (automatic process
 * grid) is written and read back in each format:
 *   ildg64, ildg32   ym_ildg_write / ym_config_read_header + _read_into
 *   nersc            ym_nersc_write (3x3, IEEE64BIG)
 *   milc             ym_milc_write (single precision)
 *   openqcd          ym_openqcd_write
 *   raw              ym_raw_write
 * Reading includes every verification the reader does (checksums,
 * unitarity or reunitarisation, plaquette); writing includes encoding, the
 * checksum, the atomic temporary file, MPI_File_sync and rename.
 *
 * Timing: one untimed warm-up write + read, then --reps repetitions of
 *   MPI_Barrier; t0 = MPI_Wtime(); op; t = max over ranks of MPI_Wtime() - t0
 * The MEDIAN is reported; MB/s = file bytes / 1e6 / t (whole job, not per
 * rank). Files go into a fresh directory under $TMPDIR (default /tmp) and
 * are deleted. The page cache is not dropped: reads of a just-written file
 * measure decoding + verification + memory bandwidth more than the disk.
 *
 * Output: CSV with a header line on rank 0's stdout.
 * Usage: bench_io [--reps n] [--sizes 16,24]
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ym_format.h"
#include "ym_ildg.h"
#include "ym_milc.h"
#include "ym_nersc.h"
#include "ym_openqcd.h"
#include "ym_raw.h"
#include "ymflow.h"

typedef struct {
    const char *name;
    int kind;
} fmt;

static const fmt fmts[] = {{"ildg64", 0}, {"ildg32", 1}, {"nersc", 2}, {"milc", 3}, {"openqcd", 4}, {"raw", 5}};

static int do_write(int kind, ym_gauge *u, const char *path)
{
    switch (kind) {
    case 0: return ym_ildg_write(u, path, 64, 1);
    case 1: return ym_ildg_write(u, path, 32, 1);
    case 2: return ym_nersc_write(u, path, 3, 1);
    case 3: return ym_milc_write(u, path, 1);
    case 4: return ym_openqcd_write(u, path, 1);
    default: return ym_raw_write(u, path, 1);
    }
}

static int do_read(ym_gauge *u, const char *path)
{
    ym_config_info info;
    int st = ym_config_read_header(MPI_COMM_WORLD, path, &info);
    return st ? st : ym_config_read_into(u, path, &info);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median time of reps calls of write (op 0) or read (op 1). */
static int timed(int op, int kind, ym_gauge *u, const char *path, int reps, double *med)
{
    double *t = malloc(sizeof *t * (size_t)reps);
    int st = t ? YM_OK : YM_ENOMEM;
    for (int r = 0; !st && r < reps; ++r) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        st = op ? do_read(u, path) : do_write(kind, u, path);
        double dt = MPI_Wtime() - t0;
        MPI_Allreduce(&dt, &t[r], 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    }
    if (!st) {
        qsort(t, (size_t)reps, sizeof *t, cmp);
        *med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
    }
    free(t);
    return st;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    int rank, size, reps = 5, sizes[8] = {16, 24}, nsizes = 2;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int a = 1; a < argc; ++a) {
        if (!strcmp(argv[a], "--reps") && a + 1 < argc) reps = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--sizes") && a + 1 < argc) {
            nsizes = 0;
            for (char *s = strtok(argv[++a], ","); s && nsizes < 8; s = strtok(NULL, ",")) sizes[nsizes++] = atoi(s);
        } else {
            if (rank == 0) fprintf(stderr, "usage: %s [--reps n] [--sizes 16,24]\n", argv[0]);
            MPI_Finalize();
            return 2;
        }
    }
    if (reps < 1) reps = 1;
    char dir[512] = "";
    if (rank == 0) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/ymflow-bench-io-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir)) dir[0] = 0;
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (!dir[0]) {
        if (rank == 0) fprintf(stderr, "bench_io: cannot create a temporary directory\n");
        MPI_Finalize();
        return 1;
    }
    if (rank == 0) printf("format,L,ranks,file_bytes,write_sec,write_MBps,read_sec,read_MBps\n");
    int rc = 0;
    for (int s = 0; s < nsizes && !rc; ++s) {
        const int L[4] = {sizes[s], sizes[s], sizes[s], sizes[s]};
        ym_grid *grid = NULL;
        ym_geom *geom = NULL;
        ym_gauge *u = NULL, *v = NULL;
        int st = ym_grid_create(&grid, MPI_COMM_WORLD, L, NULL, 1);
        if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
        if (!st) st = ym_gauge_create(&u, geom, 3);
        if (!st) st = ym_gauge_create(&v, geom, 3);
        if (!st) st = ym_gauge_set_random(u, 2026);
        for (size_t f = 0; !st && f < sizeof fmts / sizeof fmts[0]; ++f) {
            char path[600];
            snprintf(path, sizeof path, "%s/conf.%s", dir, fmts[f].name);
            double tw = 0, tr = 0;
            long long bytes = 0;
            st = do_write(fmts[f].kind, u, path); /* warm-up */
            if (!st) st = do_read(v, path);
            if (!st) st = timed(0, fmts[f].kind, u, path, reps, &tw);
            if (!st) st = timed(1, fmts[f].kind, v, path, reps, &tr);
            if (rank == 0) {
                struct stat sb;
                if (stat(path, &sb) == 0) bytes = (long long)sb.st_size;
                unlink(path);
            }
            MPI_Bcast(&bytes, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
            if (!st && rank == 0)
                printf("%s,%d,%d,%lld,%.4f,%.1f,%.4f,%.1f\n", fmts[f].name, sizes[s], size, bytes, tw, bytes / 1e6 / tw,
                       tr, bytes / 1e6 / tr);
            fflush(stdout);
        }
        if (st) {
            if (rank == 0) fprintf(stderr, "bench_io: %s\n", ym_errmsg());
            rc = 1;
        }
        ym_gauge_free(v);
        ym_gauge_free(u);
        ym_geom_free(geom);
        ym_grid_free(grid);
    }
    if (rank == 0) rmdir(dir);
    MPI_Finalize();
    return rc;
}
