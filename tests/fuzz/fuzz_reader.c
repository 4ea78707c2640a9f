/* libFuzzer harness for the gauge-file readers (io/).
 *
 * Each input is written to a private temporary file and opened through the
 * library's public readers on MPI_COMM_SELF; the readers must reject any
 * malformed input with a status, never crash, leak or allocate without
 * bound. The format is chosen at compile time with -DYM_FUZZ_FORMAT=<name>:
 *   any      ym_config_read (detection + header + read; the production path)
 *   raw, ildg, nersc, milc, openqcd
 *            that format's header parser, then ym_config_read_into, so the
 *            fuzzer reaches a parser even when detection would refuse the
 *            mutated magic bytes.
 * With -DYM_FUZZ_ACCEPT=1 (binaries fuzz_<fmt>_accept) the reads take
 * YM_CONFIG_ACCEPT_BAD_CHECKSUM, so mutated payloads get past the stored
 * checksum (and openQCD's header plaquette) into decoding and the link
 * checks instead of stopping at the first mismatch.
 * tests/fuzz/build.sh builds one binary per format; README.md explains.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ym_format.h"
#include "ym_geom.h"
#include "ym_grid.h"
#include "ym_ildg.h"
#include "ym_milc.h"
#include "ym_nersc.h"
#include "ym_openqcd.h"
#include "ym_raw.h"
#include "ym_status.h"

#ifndef YM_FUZZ_FORMAT
#define YM_FUZZ_FORMAT any
#endif
#ifdef YM_FUZZ_ACCEPT
#define YM_FUZZ_FLAGS YM_CONFIG_ACCEPT_BAD_CHECKSUM
#else
#define YM_FUZZ_FLAGS 0u
#endif
#define YM_STR2(x) #x
#define YM_STR(x) YM_STR2(x)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmp_path[4096];

/* libFuzzer ends with exit(): remove the scratch file and shut MPI down so
 * the leak check at exit sees a clean process. */
static void fuzz_cleanup(void)
{
    int fin = 0;
    if (tmp_path[0]) unlink(tmp_path);
    MPI_Finalized(&fin);
    if (!fin) MPI_Finalize();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    ym_init();
    /* One file per process (libFuzzer -jobs/-workers run several). */
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(tmp_path, sizeof tmp_path, "%s/ymfuzz-%s-%ld.dat", dir, YM_STR(YM_FUZZ_FORMAT), (long)getpid());
    atexit(fuzz_cleanup);
    return 0;
}

/* Header parser of the format this binary was built for. */
static int read_header(const char *path, ym_config_info *info)
{
    const char *fmt = YM_STR(YM_FUZZ_FORMAT);
    MPI_Comm c = MPI_COMM_SELF;
    if (!strcmp(fmt, "ildg")) return ym_ildg_read_header(c, path, info);
    if (!strcmp(fmt, "nersc")) return ym_nersc_read_header(c, path, info);
    if (!strcmp(fmt, "milc")) return ym_milc_read_header(c, path, info);
    if (!strcmp(fmt, "openqcd")) return ym_openqcd_read_header(c, path, info);
    if (!strcmp(fmt, "raw")) {
        /* The raw header has its own struct; ym_config_read_header maps it. */
        ym_format f = YM_FMT_UNKNOWN;
        int st = ym_format_detect(c, path, &f);
        if (st) return st;
        if (f != YM_FMT_RAW) return YM_ERROR(YM_EFORMAT, "%s: not a ymflow raw file", path);
        return ym_config_read_header(c, path, info);
    }
    return ym_config_read_header(c, path, info);
}

/* YM_FUZZ_VERBOSE=1: print each input's outcome (to check that the seeds
 * are accepted, or to see why a reproducer is refused). */
static void report(int st)
{
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("YM_FUZZ_VERBOSE") != NULL;
    if (verbose) fprintf(stderr, "ymfuzz: %s %s\n", ym_strerror(st), st ? ym_errmsg() : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(tmp_path, "wb");
    if (!f) abort(); /* the harness itself is broken, not the reader */
    if (size && fwrite(data, 1, size, f) != size) abort();
    if (fclose(f)) abort();

    ym_error_clear();
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_config_info info;
    if (!strcmp(YM_STR(YM_FUZZ_FORMAT), "any")) {
        int st = ym_config_read_flags(MPI_COMM_SELF, tmp_path, NULL, 1, YM_FUZZ_FLAGS, &grid, &geom, &u, &info);
        report(st);
        if (st && !ym_errmsg()[0]) abort();
        if (st == YM_OK) {
            ym_gauge_free(u);
            ym_geom_free(geom);
            ym_grid_free(grid);
        }
        return 0;
    }
    int st = read_header(tmp_path, &info);
    info.flags = YM_FUZZ_FLAGS; /* as ym_config_read_flags sets it after the header */
    if (!st) st = ym_grid_create(&grid, MPI_COMM_SELF, info.L, NULL, 1);
    if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
    if (!st) st = ym_gauge_create(&u, geom, info.N);
    if (!st) st = ym_config_read_into(u, tmp_path, &info);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    report(st);
    /* A failure must leave a message: a silent error is a reader bug. */
    if (st && !ym_errmsg()[0]) abort();
    return 0;
}
