/* Serial HDF5 outputs for the activity commands (see cli_h5.h). */
#include "cli_h5.h"

#include "ym_status.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cli_h5 {
    hid_t f;
    int st;
    char path[4096], tmp[4200];
};

int cli_h5_open(cli_h5 **out, const char *path, int overwrite)
{
    *out = NULL;
    if (!overwrite && access(path, F_OK) == 0) return YM_ERROR(YM_EIO, "%s exists (use --force to replace it)", path);
    cli_h5 *h = calloc(1, sizeof *h);
    if (!h) return YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    snprintf(h->path, sizeof h->path, "%s", path);
    snprintf(h->tmp, sizeof h->tmp, "%s.%ld.tmp", path, (long)getpid());
    h->f = H5Fcreate(h->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (h->f < 0) {
        free(h);
        return YM_ERROR(YM_EIO, "%s: cannot create (HDF5)", path);
    }
    *out = h;
    return YM_OK;
}

static int put(cli_h5 *h, const char *name, hid_t type, int rank, const uint64_t *dims, const void *v)
{
    if (h->st) return h->st;
    hsize_t d[8];
    if (rank < 1 || rank > 8) return h->st = YM_ERROR(YM_EINVAL, "%s: dataset %s of rank %d", h->path, name, rank);
    for (int i = 0; i < rank; ++i) d[i] = (hsize_t)dims[i];
    hid_t sp = H5Screate_simple(rank, d, NULL);
    hid_t ds = sp >= 0 ? H5Dcreate2(h->f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = ds >= 0 ? H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : -1;
    if (ds >= 0) H5Dclose(ds);
    if (sp >= 0) H5Sclose(sp);
    if (e < 0) h->st = YM_ERROR(YM_EIO, "%s: cannot write dataset %s", h->path, name);
    return h->st;
}

int cli_h5_doubles(cli_h5 *h, const char *name, int rank, const uint64_t *dims, const double *v)
{
    return put(h, name, H5T_NATIVE_DOUBLE, rank, dims, v);
}

int cli_h5_ints(cli_h5 *h, const char *name, int rank, const uint64_t *dims, const int *v)
{
    return put(h, name, H5T_NATIVE_INT, rank, dims, v);
}

int cli_h5_strings(cli_h5 *h, const char *name, int n, const char *const *s)
{
    if (h->st) return h->st;
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, H5T_VARIABLE);
    uint64_t d = (uint64_t)n;
    int st = put(h, name, ty, 1, &d, s);
    H5Tclose(ty);
    return st;
}

int cli_h5_attr_text(cli_h5 *h, const char *name, const char *text)
{
    if (h->st) return h->st;
    hid_t ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, strlen(text) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(h->f, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, ty, text) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    H5Tclose(ty);
    if (e < 0) h->st = YM_ERROR(YM_EIO, "%s: cannot write attribute %s", h->path, name);
    return h->st;
}

int cli_h5_attr_ints(cli_h5 *h, const char *name, int n, const int *v)
{
    if (h->st) return h->st;
    hsize_t d = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &d, NULL);
    hid_t a = sp >= 0 ? H5Acreate2(h->f, name, H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, H5T_NATIVE_INT, v) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (e < 0) h->st = YM_ERROR(YM_EIO, "%s: cannot write attribute %s", h->path, name);
    return h->st;
}

int cli_h5_attr_double(cli_h5 *h, const char *name, double v)
{
    if (h->st) return h->st;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(h->f, name, H5T_NATIVE_DOUBLE, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, H5T_NATIVE_DOUBLE, &v) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    if (e < 0) h->st = YM_ERROR(YM_EIO, "%s: cannot write attribute %s", h->path, name);
    return h->st;
}

int cli_h5_close(cli_h5 *h, int commit)
{
    if (!h) return YM_OK;
    int st = h->st;
    if (H5Fclose(h->f) < 0 && !st) st = YM_ERROR(YM_EIO, "%s: cannot close (HDF5)", h->path);
    if (!st && commit) {
        if (rename(h->tmp, h->path)) st = YM_ERROR(YM_EIO, "%s: cannot rename the temporary file into place", h->path);
    }
    if (st || !commit) remove(h->tmp);
    free(h);
    return st;
}
