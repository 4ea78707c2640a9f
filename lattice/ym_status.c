/* Error store and status agreement. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "ym_status.h"

#include <gsl/gsl_errno.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0.0"
#endif

#define YM_MSGLEN 1024

static int err_code = YM_OK;
static char err_msg[YM_MSGLEN];
static char err_where[256];

int ym_error_at(int code, const char *file, int line, const char *fmt, ...)
{
    if (err_code != YM_OK) return code; /* the first failure explains the rest */
    err_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    snprintf(err_where, sizeof err_where, "%s:%d", file, line);
    return code;
}

const char *ym_errmsg(void) { return err_msg; }
const char *ym_errwhere(void) { return err_where; }

void ym_error_clear(void)
{
    err_code = YM_OK;
    err_msg[0] = '\0';
    err_where[0] = '\0';
}

const char *ym_strerror(int code)
{
    switch (code) {
    case YM_OK: return "ok";
    case YM_EINVAL: return "invalid input";
    case YM_ENOMEM: return "out of memory";
    case YM_EIO: return "i/o error";
    case YM_EFORMAT: return "malformed or unverified file";
    case YM_EMPI: return "MPI error";
    case YM_ENUM: return "numerical failure";
    case YM_EINTERNAL: return "internal error";
    default: return "unknown error";
    }
}

int ym_status_agree(MPI_Comm comm, int status)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    /* Lowest failing rank decides, so the reported message is deterministic. */
    int mine = status != YM_OK ? rank : size, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size) return YM_OK;
    int code = status;
    char buf[YM_MSGLEN + 256];
    if (rank == first) {
        if (err_code == YM_OK) /* a status without a message: give it one */
            snprintf(err_msg, sizeof err_msg, "%s", ym_strerror(status));
        memcpy(buf, err_msg, YM_MSGLEN);
        memcpy(buf + YM_MSGLEN, err_where, 256);
    }
    MPI_Bcast(&code, 1, MPI_INT, first, comm);
    MPI_Bcast(buf, (int)sizeof buf, MPI_CHAR, first, comm);
    if (rank != first) {
        memcpy(err_msg, buf, YM_MSGLEN);
        memcpy(err_where, buf + YM_MSGLEN, 256);
        err_msg[YM_MSGLEN - 1] = '\0';
        err_where[255] = '\0';
    }
    err_code = code;
    return code;
}

int ym_init(void)
{
    gsl_set_error_handler_off();
    /* HDF5 failures come back as statuses with our own one-line message;
     * its automatic stack dumps on stderr would only bury that line. */
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return YM_OK;
}

const char *ym_version(void) { return PACKAGE_VERSION; }
