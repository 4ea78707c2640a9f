/* Status codes, error messages and library initialisation.
 *
 * Every fallible ymflow call returns an int status: YM_OK (0) or one of the
 * YM_E* codes. The first failure since the last ym_error_clear() keeps a
 * user-facing one-line message (ym_errmsg) and, separately, the source
 * location that raised it (ym_errwhere). The message store is per process
 * (not per thread).
 */
#ifndef YM_STATUS_H
#define YM_STATUS_H

#include <mpi.h>

enum {
    YM_OK = 0,
    YM_EINVAL = 1,   /* a parameter or input value is invalid */
    YM_ENOMEM = 2,   /* an allocation failed */
    YM_EIO = 3,      /* a file could not be opened, read or written */
    YM_EFORMAT = 4,  /* a file's content is malformed or fails verification */
    YM_EMPI = 5,     /* an MPI call failed */
    YM_ENUM = 6,     /* a numerical failure (non-finite value, no convergence) */
    YM_EINTERNAL = 7 /* a broken internal invariant (a bug) */
};

/* Record an error (first one wins) and return code. Local. */
int ym_error_at(int code, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#define YM_ERROR(code, ...) ym_error_at((code), __FILE__, __LINE__, __VA_ARGS__)

/* The first recorded message ("" if none). Local. */
const char *ym_errmsg(void);
/* "file:line" where the first error was raised ("" if none). Local. */
const char *ym_errwhere(void);
/* Forget the recorded error. Local. */
void ym_error_clear(void);
/* Short name of a status code. Local. */
const char *ym_strerror(int code);

/* Make every rank of comm agree on a status. Collective on comm.
 * Returns YM_OK if status == YM_OK on every rank; otherwise the code of the
 * lowest failing rank, whose message is copied to every rank (so any rank,
 * usually rank 0, can print it). Never deadlocks as long as all ranks call it. */
int ym_status_agree(MPI_Comm comm, int status);

/* Library initialisation: replaces GSL's aborting error handler (GSL errors
 * become return codes) and silences HDF5's automatic error printing. Local;
 * call once after MPI_Init. */
int ym_init(void);

/* Version string of the library. Local. */
const char *ym_version(void);

#endif
