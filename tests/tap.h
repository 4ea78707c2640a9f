/* Minimal TAP producer for the test programs.
 *
 * MPI-aware: every check is reduced over MPI_COMM_WORLD (a check passes only
 * if it passes on every rank) and only rank 0 prints. Therefore every rank
 * must make the same sequence of tap_ok() calls. Call tap_init() after
 * MPI_Init and tap_done() before MPI_Finalize; tap_done() returns the exit
 * status (0 if all passed).
 */
#ifndef YM_TESTS_TAP_H
#define YM_TESTS_TAP_H

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n_ = 0, tap_failed_ = 0, tap_rank_ = 0;

static inline void tap_init(void)
{
    int ini = 0;
    MPI_Initialized(&ini);
    if (ini) MPI_Comm_rank(MPI_COMM_WORLD, &tap_rank_);
}

static inline int tap_ok(int cond, const char *fmt, ...)
{
    int all = cond ? 1 : 0, ini = 0;
    MPI_Initialized(&ini);
    if (ini) MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    ++tap_n_;
    if (!all) ++tap_failed_;
    if (tap_rank_ == 0) {
        va_list ap;
        printf("%sok %d - ", all ? "" : "not ", tap_n_);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
    }
    return all;
}

/* A skipped check: counts as a test, printed with the TAP SKIP directive. */
static inline void tap_skip(const char *why)
{
    ++tap_n_;
    if (tap_rank_ == 0) {
        printf("ok %d # SKIP %s\n", tap_n_, why);
        fflush(stdout);
    }
}

/* Diagnostic line (rank 0 only). */
static inline void tap_diag(const char *fmt, ...)
{
    if (tap_rank_ != 0) return;
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static inline int tap_done(void)
{
    if (tap_rank_ == 0) {
        printf("1..%d\n", tap_n_);
        fflush(stdout);
    }
    return tap_failed_ ? 1 : 0;
}

/* Relative difference, safe at zero. */
static inline double tap_reldiff(double a, double b)
{
    double d = a - b, s = (a < 0 ? -a : a) + (b < 0 ? -b : b);
    if (d < 0) d = -d;
    return s > 0 ? 2 * d / s : 0.0;
}

#endif
