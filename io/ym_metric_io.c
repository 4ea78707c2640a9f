/* Metric fields in parallel HDF5. */
#include "ym_metric_io.h"
#include "ym_metric.h"
#include "ym_status.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *comp_names = "g00 g01 g02 g03 g11 g12 g13 g22 g23 g33";

/* File and memory selections of this rank's block. */
static void block(const ym_geom *g, hsize_t dims[5], hsize_t start[5], hsize_t count[5])
{
    const ym_grid *grid = ym_geom_grid(g);
    const int *L = ym_grid_L(grid), *l = ym_grid_local(grid), *o = ym_grid_origin(grid);
    for (int k = 0; k < 4; ++k) {
        dims[k] = (hsize_t)L[3 - k];
        start[k] = (hsize_t)o[3 - k];
        count[k] = (hsize_t)l[3 - k];
    }
    dims[4] = count[4] = YM_METRIC_NCOMP;
    start[4] = 0;
}

static hid_t open_fapl(MPI_Comm comm)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

static int attr_string(hid_t obj, const char *name, const char *s)
{
    hid_t ty = H5Tcopy(H5T_C_S1);
    if (ty < 0) return -1;
    H5Tset_size(ty, strlen(s) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(obj, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, ty, s) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    H5Tclose(ty);
    return e < 0 ? -1 : 0;
}

static int attr_dims(hid_t obj, const int L[4])
{
    hsize_t n = 4;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t a = sp >= 0 ? H5Acreate2(obj, "dims", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t e = a >= 0 ? H5Awrite(a, H5T_NATIVE_INT, L) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return e < 0 ? -1 : 0;
}

int ym_metric_write_h5(ym_field *g, const char *path, int overwrite, const char *parameters)
{
    const ym_geom *geom = ym_field_geom(g);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(geom));
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    int n = ym_geom_ninterior(geom);
    double *buf = NULL;
    if (ym_field_ncomp(g) != YM_METRIC_NCOMP) st = YM_ERROR(YM_EINVAL, "metric: field is not a metric field");
    else if (!overwrite && rank == 0 && access(path, F_OK) == 0)
        st = YM_ERROR(YM_EIO, "%s exists (use --force to replace it)", path);
    else if (!(buf = malloc(sizeof(double) * YM_METRIC_NCOMP * (size_t)(n > 0 ? n : 1))))
        st = YM_ERROR(YM_ENOMEM, "metric: out of memory writing %s", path);
    st = ym_status_agree(comm, st);
    if (st) {
        free(buf);
        return st;
    }
    const int *in = ym_geom_interior(geom);
    for (int i = 0; i < n; ++i)
        memcpy(buf + (size_t)i * YM_METRIC_NCOMP, ym_field_site(g, in[i]), sizeof(double) * YM_METRIC_NCOMP);
    long pid = rank == 0 ? (long)getpid() : 0;
    MPI_Bcast(&pid, 1, MPI_LONG, 0, comm);
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    st = ym_status_agree(comm, tmp ? YM_OK : YM_ERROR(YM_ENOMEM, "metric: out of memory"));
    if (st) {
        free(buf);
        return st;
    }
    snprintf(tmp, len, "%s.tmp.%ld", path, pid);
    hsize_t dims[5], start[5], count[5];
    block(geom, dims, start, count);
    hid_t fapl = open_fapl(comm);
    hid_t file = fapl >= 0 ? H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : -1;
    if (fapl >= 0) H5Pclose(fapl);
    int e = file < 0;
    hid_t fs = -1, ms = -1, ds = -1, xf = -1;
    if (!e) {
        fs = H5Screate_simple(5, dims, NULL);
        ms = H5Screate_simple(5, count, NULL);
        ds = fs >= 0 ? H5Dcreate2(file, "g", H5T_IEEE_F64LE, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
        xf = H5Pcreate(H5P_DATASET_XFER);
        e = fs < 0 || ms < 0 || ds < 0 || xf < 0;
    }
    if (!e) e = H5Pset_dxpl_mpio(xf, H5FD_MPIO_COLLECTIVE) < 0;
    if (!e) e = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0;
    if (!e) e = H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, fs, xf, buf) < 0;
    if (!e) e = attr_dims(ds, ym_grid_L(ym_geom_grid(geom)));
    if (!e) e = attr_string(ds, "components", comp_names);
    if (!e && parameters) e = attr_string(file, "parameters", parameters);
    if (xf >= 0) H5Pclose(xf);
    if (ds >= 0) H5Dclose(ds);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (file >= 0 && H5Fclose(file) < 0) e = 1;
    free(buf);
    st = ym_status_agree(comm, e ? YM_ERROR(YM_EIO, "metric: cannot write %s", tmp) : YM_OK);
    if (rank == 0) {
        if (!st && rename(tmp, path) != 0) st = YM_ERROR(YM_EIO, "metric: cannot rename %s to %s", tmp, path);
        if (st) remove(tmp);
    }
    free(tmp);
    return ym_status_agree(comm, st);
}

int ym_metric_read_h5(ym_field *g, const char *path)
{
    const ym_geom *geom = ym_field_geom(g);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(geom));
    int n = ym_geom_ninterior(geom), st = YM_OK;
    if (ym_field_ncomp(g) != YM_METRIC_NCOMP) st = YM_ERROR(YM_EINVAL, "metric: field is not a metric field");
    st = ym_status_agree(comm, st);
    if (st) return st;
    double *buf = malloc(sizeof(double) * YM_METRIC_NCOMP * (size_t)(n > 0 ? n : 1));
    st = ym_status_agree(comm, buf ? YM_OK : YM_ERROR(YM_ENOMEM, "metric: out of memory reading %s", path));
    if (st) return st;
    hsize_t dims[5], start[5], count[5], fdims[5];
    block(geom, dims, start, count);
    hid_t fapl = open_fapl(comm);
    hid_t file = fapl >= 0 ? H5Fopen(path, H5F_ACC_RDONLY, fapl) : -1;
    if (fapl >= 0) H5Pclose(fapl);
    if (file < 0) st = YM_ERROR(YM_EIO, "%s: cannot open as an HDF5 file", path);
    hid_t ds = -1, fs = -1, ms = -1, xf = -1;
    if (!st && H5Lexists(file, "g", H5P_DEFAULT) <= 0) st = YM_ERROR(YM_EFORMAT, "%s: no dataset 'g'", path);
    if (!st && (ds = H5Dopen2(file, "g", H5P_DEFAULT)) < 0) st = YM_ERROR(YM_EFORMAT, "%s: cannot open 'g'", path);
    if (!st) {
        fs = H5Dget_space(ds);
        if (fs < 0 || H5Sget_simple_extent_ndims(fs) != 5 || H5Sget_simple_extent_dims(fs, fdims, NULL) != 5)
            st = YM_ERROR(YM_EFORMAT, "%s: dataset 'g' is not 5-dimensional [L3][L2][L1][L0][10]", path);
        else if (memcmp(fdims, dims, sizeof dims) != 0)
            st = YM_ERROR(YM_EFORMAT,
                          "%s: dataset 'g' has shape %llux%llux%llux%llux%llu, the lattice needs %llux%llux%llux%llux10",
                          path, (unsigned long long)fdims[0], (unsigned long long)fdims[1],
                          (unsigned long long)fdims[2], (unsigned long long)fdims[3], (unsigned long long)fdims[4],
                          (unsigned long long)dims[0], (unsigned long long)dims[1], (unsigned long long)dims[2],
                          (unsigned long long)dims[3]);
    }
    /* Every rank must take part in the collective read, so agree first. */
    st = ym_status_agree(comm, st);
    if (!st) {
        ms = H5Screate_simple(5, count, NULL);
        xf = H5Pcreate(H5P_DATASET_XFER);
        int e = ms < 0 || xf < 0 || H5Pset_dxpl_mpio(xf, H5FD_MPIO_COLLECTIVE) < 0 ||
                H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, xf, buf) < 0;
        if (e) st = YM_ERROR(YM_EIO, "%s: cannot read dataset 'g'", path);
    }
    if (xf >= 0) H5Pclose(xf);
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (ds >= 0) H5Dclose(ds);
    if (file >= 0) H5Fclose(file);
    st = ym_status_agree(comm, st);
    const int *in = ym_geom_interior(geom);
    for (int i = 0; i < n && !st; ++i) {
        double m[4][4];
        ym_metric_unpack(buf + (size_t)i * YM_METRIC_NCOMP, m);
        if (!ym_metric_spd(m, NULL, NULL)) {
            int x[4];
            ym_geom_global_coords(geom, in[i], x);
            st = YM_ERROR(YM_EFORMAT, "%s: g at site (%d,%d,%d,%d) is not a finite positive-definite matrix", path,
                          x[0], x[1], x[2], x[3]);
        }
    }
    st = ym_status_agree(comm, st);
    if (!st)
        for (int i = 0; i < n; ++i)
            memcpy(ym_field_site(g, in[i]), buf + (size_t)i * YM_METRIC_NCOMP, sizeof(double) * YM_METRIC_NCOMP);
    free(buf);
    return st ? st : ym_field_halo_update(g);
}

/* Parse exactly n comma-separated finite numbers (n_opt more optional) from s. */
static int parse_numbers(const char *s, double *v, int n, int n_opt)
{
    int k = 0;
    const char *p = s;
    for (;;) {
        char *end;
        if (k == n + n_opt) return -1; /* more numbers than allowed */
        v[k] = strtod(p, &end);
        if (end == p || !isfinite(v[k])) return -1;
        ++k;
        if (*end == '\0') break;
        if (*end != ',') return -1;
        p = end + 1;
    }
    return k >= n ? k : -1;
}

int ym_metric_set_start(ym_field *g, const char *spec)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(ym_field_geom(g)));
    double v[4];
    if (!strcmp(spec, "flat")) return ym_metric_set_flat(g);
    if (!strncmp(spec, "diag:", 5)) {
        if (parse_numbers(spec + 5, v, 4, 0) != 4)
            return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "metric start '%s': expected diag:a,b,c,d", spec));
        return ym_metric_set_diag(g, v);
    }
    if (!strncmp(spec, "random:", 7)) {
        int k = parse_numbers(spec + 7, v, 2, 1);
        if (k < 0 || v[0] < 0 || v[0] != floor(v[0]) || v[0] > 4294967295.0)
            return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "metric start '%s': expected random:SEED,AMP[,LMIN] "
                                                             "with a non-negative integer seed", spec));
        return ym_metric_set_random(g, (unsigned long)v[0], v[1], k == 3 ? v[2] : 0.3);
    }
    if (!strncmp(spec, "file:", 5) && spec[5]) return ym_metric_read_h5(g, spec + 5);
    return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "metric start '%s': expected flat, diag:a,b,c,d, "
                                                     "random:SEED,AMP[,LMIN] or file:F.h5", spec));
}
