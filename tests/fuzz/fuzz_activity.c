/* libFuzzer harness for the activity readers (io/ym_activity.h).
 *
 * Each input is written to a private temporary file and read by one
 * reader, chosen at compile time with -DYM_FUZZ_ACT=<name>:
 *   npy   ym_activity_read_npy (rate 100 Hz)
 *   edf   ym_activity_read_edf (EDFlib underneath)
 *   nwb   ym_activity_read_nwb (HDF5 underneath; the series found by the
 *         reader, as when no path is given)
 * A malformed input must give a status with a message, never a crash, a
 * leak or an unbounded allocation; a silent failure aborts. build.sh builds
 * fuzz_act_<name>; seeds in corpus/act_<name>/ come from gen_act_seeds.c.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ym_activity.h"
#include "ym_status.h"

#ifndef YM_FUZZ_ACT
#define YM_FUZZ_ACT npy
#endif
#define YM_STR2(x) #x
#define YM_STR(x) YM_STR2(x)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmp_path[4096];

static void fuzz_cleanup(void)
{
    int fin = 0;
    if (tmp_path[0])
        unlink(tmp_path);
    MPI_Finalized(&fin);
    if (!fin)
        MPI_Finalize();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    ym_init();
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(tmp_path, sizeof tmp_path, "%s/ymfuzz-act-%ld", dir, (long)getpid());
    atexit(fuzz_cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(tmp_path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    if (fclose(f))
        abort();
    ym_error_clear();
    ym_recording *r = NULL;
    const char *which = YM_STR(YM_FUZZ_ACT);
    int st;
    if (!strcmp(which, "npy"))
        st = ym_activity_read_npy(&r, tmp_path, 100.0);
    else if (!strcmp(which, "edf"))
        st = ym_activity_read_edf(&r, tmp_path);
    else
        st = ym_activity_read_nwb(&r, tmp_path, NULL);
    if (getenv("YM_FUZZ_VERBOSE"))
        fprintf(stderr, "ymfuzz: %s %s\n", ym_strerror(st), st ? ym_errmsg() : "");
    if (st && !ym_errmsg()[0])
        abort();
    if (st == YM_OK && (!r || ym_recording_nchan(r) < 1 || ym_recording_nsamples(r) < 1))
        abort(); /* success must mean a usable recording */
    ym_recording_free(r);
    return 0;
}
