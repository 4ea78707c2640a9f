/* NWB 2.x through the HDF5 C API (see ym_activity.h): an ElectricalSeries
 * with its electrodes table, or a TwoPhotonSeries with its imaging plane. */
#include "ym_act_util.h"
#include "ym_status.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Series found in acquisition/: names, for the "several" message. */
typedef struct {
    char names[16][128];
    int n, total;
} series_list;

static int is_series_type(const char *t)
{
    return !strcmp(t, "ElectricalSeries") || !strcmp(t, "TwoPhotonSeries");
}

static herr_t collect(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
    (void)info;
    series_list *l = op;
    if (ym_act_h5_kind(g, name) != 'g')
        return 0;
    hid_t s = H5Gopen2(g, name, H5P_DEFAULT);
    if (s < 0)
        return 0;
    char t[64];
    if (ym_act_h5_attr_string(s, "neurodata_type", t, sizeof t) && is_series_type(t)) {
        if (l->n < 16)
            snprintf(l->names[l->n++], sizeof l->names[0], "acquisition/%s", name);
        l->total++;
    }
    H5Gclose(s);
    return 0;
}

/* A 1-D string dataset (fixed or variable length) as n malloc'ed strings. */
static int read_strings(const char *path, hid_t g, const char *name, size_t want, char ***out)
{
    *out = NULL;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return YM_ERROR(YM_EFORMAT, "%s: %s cannot be opened", path, name);
    hid_t ty = H5Dget_type(d), sp = H5Dget_space(d);
    int st = YM_OK;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (ty < 0 || H5Tget_class(ty) != H5T_STRING || n < 0 || (size_t)n < want || H5Sget_simple_extent_ndims(sp) != 1) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s is not a column of %zu strings", path, name, want);
        goto done;
    }
    /* Bounded like numeric data: a declared length far beyond the stored
     * bytes is a damaged file, not a reason to allocate. */
    double declared = (double)n * (double)H5Tget_size(ty), stored = (double)H5Dget_storage_size(d);
    if (n > 16777216 || declared > 1100.0 * stored + 65536.0) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s declares %lld strings but stores %.0f bytes", path, name, (long long)n,
                      stored);
        goto done;
    }
    char **s = calloc((size_t)n + 1, sizeof *s);
    if (!s) {
        st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    if (H5Tis_variable_str(ty) > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        char **v = calloc((size_t)n + 1, sizeof *v);
        if (!v || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
            st = YM_ERROR(YM_EFORMAT, "%s: %s cannot be read", path, name);
        } else {
            for (hssize_t i = 0; i < n; i++)
                s[i] = strdup(v[i] ? v[i] : "");
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
        }
        free(v);
        H5Tclose(mt);
    } else {
        size_t sz = H5Tget_size(ty);
        char *buf = sz && sz < 4096 ? calloc((size_t)n, sz) : NULL;
        if (!buf || H5Dread(d, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            st = YM_ERROR(YM_EFORMAT, "%s: %s cannot be read", path, name);
        } else {
            for (hssize_t i = 0; i < n; i++) {
                s[i] = calloc(sz + 1, 1);
                if (s[i])
                    memcpy(s[i], buf + (size_t)i * sz, sz);
            }
        }
        free(buf);
    }
    for (hssize_t i = 0; !st && i < n; i++)
        if (!s[i])
            st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    if (st) {
        for (hssize_t i = 0; i < n; i++)
            free(s[i]);
        free(s);
    } else {
        *out = s;
    }
done:
    if (ty >= 0)
        H5Tclose(ty);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return st;
}

static void free_strings(char **s)
{
    if (!s)
        return;
    for (size_t i = 0; s[i]; i++)
        free(s[i]);
    free(s);
}

/* A 1-D numeric dataset of at least want values (doubles), or NULL with
 * *present = 0 when absent. */
static int read_column(const char *path, hid_t g, const char *name, size_t want, double **v, int *present)
{
    *v = NULL;
    *present = ym_act_h5_kind(g, name) == 'd';
    if (!*present)
        return YM_OK;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    int rank = 0;
    uint64_t dims[8];
    int st = d < 0 ? YM_ERROR(YM_EFORMAT, "%s: %s cannot be opened", path, name)
                   : ym_act_h5_read_doubles(path, d, name, &rank, dims, v);
    if (d >= 0)
        H5Dclose(d);
    if (!st && (rank != 1 || dims[0] < want)) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s has %llu values, %zu needed", path, name,
                      rank == 1 ? (unsigned long long)dims[0] : 0ull, want);
        free(*v);
        *v = NULL;
    }
    return st;
}

/* Rate and start from starting_time (+ rate) or uniform timestamps. */
static int timing(const char *path, const char *sname, hid_t g, uint64_t nt, double *rate, double *start)
{
    int st = YM_OK;
    if (ym_act_h5_kind(g, "starting_time") == 'd') {
        hid_t d = H5Dopen2(g, "starting_time", H5P_DEFAULT);
        double t0 = NAN, r = NAN;
        if (d >= 0) {
            hid_t sp = H5Dget_space(d);
            if (sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1)
                H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &t0);
            if (sp >= 0)
                H5Sclose(sp);
            ym_act_h5_attr_double(d, "rate", &r);
            H5Dclose(d);
        }
        if (!isfinite(t0))
            return YM_ERROR(YM_EFORMAT, "%s: %s/starting_time is not a finite number", path, sname);
        if (!(isfinite(r) && r > 0))
            return YM_ERROR(YM_EFORMAT, "%s: %s/starting_time has no valid rate attribute (%g Hz)", path, sname, r);
        *rate = r;
        *start = t0;
        return YM_OK;
    }
    double *ts = NULL;
    int present = 0;
    st = read_column(path, g, "timestamps", nt, &ts, &present);
    if (st)
        return st;
    if (!present)
        return YM_ERROR(YM_EFORMAT, "%s: %s has neither starting_time nor timestamps", path, sname);
    if (nt < 2) {
        free(ts);
        return YM_ERROR(YM_EFORMAT, "%s: %s has one timestamp and no rate", path, sname);
    }
    double dt = (ts[nt - 1] - ts[0]) / (double)(nt - 1);
    if (!(isfinite(dt) && dt > 0)) {
        free(ts);
        return YM_ERROR(YM_EFORMAT, "%s: %s/timestamps do not increase", path, sname);
    }
    /* Uniform means every stamp within 1e-3 of a step of the straight line;
     * anything else would need resampling, which is not a reader's call. */
    for (uint64_t i = 0; i < nt; i++) {
        double dev = fabs(ts[i] - (ts[0] + (double)i * dt));
        if (!(dev <= 1e-3 * dt)) {
            double got = ts[i];
            free(ts);
            return YM_ERROR(YM_EFORMAT,
                            "%s: %s/timestamps are irregular (sample %llu at %.9g s, %.9g s from uniform "
                            "spacing %.9g s): resample first",
                            path, sname, (unsigned long long)i, got, dev, dt);
        }
    }
    *rate = 1.0 / dt;
    *start = ts[0];
    free(ts);
    return YM_OK;
}

static int electrical(ym_recording **out, const char *path, const char *sname, hid_t g)
{
    int st = YM_OK;
    hid_t d = -1, tab = -1;
    double *v = NULL, *cc = NULL, *idx = NULL, *col[6] = {0};
    char **labels = NULL;
    if (ym_act_h5_kind(g, "data") != 'd' || (d = H5Dopen2(g, "data", H5P_DEFAULT)) < 0)
        return YM_ERROR(YM_EFORMAT, "%s: %s has no data", path, sname);
    int rank = 0;
    uint64_t dims[8] = {0};
    st = ym_act_h5_read_doubles(path, d, "data", &rank, dims, &v);
    if (!st && rank != 1 && rank != 2)
        st = YM_ERROR(YM_EFORMAT, "%s: %s/data has %d dimensions (time x channels expected)", path, sname, rank);
    uint64_t nt = dims[0], nch = rank == 2 ? dims[1] : 1;
    double conv = 1, off = 0;
    char unit[64] = "volts";
    if (!st) {
        ym_act_h5_attr_double(d, "conversion", &conv);
        ym_act_h5_attr_double(d, "offset", &off);
        ym_act_h5_attr_string(d, "unit", unit, sizeof unit);
        if (!isfinite(conv) || !isfinite(off) || conv == 0)
            st = YM_ERROR(YM_EFORMAT, "%s: %s/data conversion %g, offset %g are not valid", path, sname, conv, off);
    }
    if (!st && nch > 100000000)
        st = YM_ERROR(YM_EFORMAT, "%s: %s has %llu channels", path, sname, (unsigned long long)nch);
    int has_cc = 0, has_idx = 0;
    if (!st)
        st = read_column(path, g, "channel_conversion", nch, &cc, &has_cc);
    for (uint64_t c = 0; !st && has_cc && c < nch; c++)
        if (!isfinite(cc[c]))
            st = YM_ERROR(YM_EFORMAT, "%s: %s/channel_conversion[%llu] is not finite", path, sname,
                          (unsigned long long)c);
    double rate = 0, start = 0;
    if (!st)
        st = timing(path, sname, g, nt, &rate, &start);
    if (!st)
        st = ym_recording_create(out, (int)nch, 0, (int64_t)nt, rate);
    if (!st) {
        ym_recording_set_start(*out, start);
        for (uint64_t c = 0; c < nch; c++) {
            double *x = ym_recording_data(*out, (int)c), k = conv * (has_cc ? cc[c] : 1.0);
            for (uint64_t t = 0; t < nt; t++)
                x[t] = v[t * nch + c] * k + off;
            ym_recording_set_channel(*out, (int)c, NULL, unit, "ECOG");
        }
    }
    /* The electrodes: a DynamicTableRegion (row indices) whose "table"
     * attribute references the table; older files: the fixed path. */
    if (!st)
        st = read_column(path, g, "electrodes", nch, &idx, &has_idx);
    if (!st && has_idx) {
        hid_t e = H5Dopen2(g, "electrodes", H5P_DEFAULT);
        if (e >= 0 && H5Aexists(e, "table") > 0) {
            hid_t a = H5Aopen(e, "table", H5P_DEFAULT);
            hobj_ref_t ref;
            hid_t at = a >= 0 ? H5Aget_type(a) : -1;
            if (at >= 0 && H5Tequal(at, H5T_STD_REF_OBJ) > 0 && H5Aread(a, H5T_STD_REF_OBJ, &ref) >= 0)
                tab = H5Rdereference2(e, H5P_DEFAULT, H5R_OBJECT, &ref);
            if (at >= 0)
                H5Tclose(at);
            if (a >= 0)
                H5Aclose(a);
        }
        if (e >= 0)
            H5Dclose(e);
        if (tab >= 0 && H5Iget_type(tab) != H5I_GROUP) {
            H5Oclose(tab);
            tab = -1;
        }
        hid_t fid = H5Iget_file_id(g);
        if (tab < 0 && ym_act_h5_kind(fid, "general/extracellular_ephys/electrodes") == 'g')
            tab = H5Gopen2(fid, "general/extracellular_ephys/electrodes", H5P_DEFAULT);
        H5Fclose(fid);
        if (tab < 0)
            ym_act_note("%s: %s has electrode indices but no electrodes table: channels named by index", path, sname);
    }
    if (!st && tab >= 0) {
        double *id = NULL;
        int has_id = 0;
        uint64_t nrows = 0;
        hid_t did = ym_act_h5_kind(tab, "id") == 'd' ? H5Dopen2(tab, "id", H5P_DEFAULT) : -1;
        if (did >= 0) {
            hid_t sp = H5Dget_space(did);
            hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
            nrows = n > 0 ? (uint64_t)n : 0;
            if (sp >= 0)
                H5Sclose(sp);
            H5Dclose(did);
        }
        if (nrows == 0)
            st = YM_ERROR(YM_EFORMAT, "%s: the electrodes table has no id column or no rows", path);
        for (uint64_t c = 0; !st && c < nch; c++)
            if (!(idx[c] >= 0 && idx[c] < (double)nrows && idx[c] == floor(idx[c])))
                st = YM_ERROR(YM_EFORMAT, "%s: %s/electrodes[%llu] = %g is not a row of the electrodes table (%llu rows)",
                              path, sname, (unsigned long long)c, idx[c], (unsigned long long)nrows);
        if (!st)
            st = read_column(path, tab, "id", nrows, &id, &has_id);
        static const char *const cn[6] = {"rel_x", "rel_y", "rel_z", "x", "y", "z"};
        int has[6] = {0};
        for (int k = 0; !st && k < 6; k++)
            st = read_column(path, tab, cn[k], nrows, &col[k], &has[k]);
        if (!st && ym_act_h5_kind(tab, "label") == 'd')
            st = read_strings(path, tab, "label", nrows, &labels);
        int nrel = 0, nabs = 0;
        for (uint64_t c = 0; !st && c < nch; c++) {
            size_t row = (size_t)idx[c];
            char nm[YM_REC_NAMEMAX];
            if (labels && labels[row][0])
                snprintf(nm, sizeof nm, "%s", labels[row]);
            else if (has_id && isfinite(id[row]) && fabs(id[row]) < 1e15)
                snprintf(nm, sizeof nm, "%.0f", id[row]);
            else
                snprintf(nm, sizeof nm, "%zu", row);
            ym_recording_set_channel(*out, (int)c, nm, NULL, NULL);
            /* rel_x/rel_y are the contacts' places on the array: what a
             * layout wants; x, y, z (brain coordinates) otherwise. */
            double p[3];
            if (has[0] && has[1] && isfinite(col[0][row]) && isfinite(col[1][row])) {
                p[0] = col[0][row], p[1] = col[1][row];
                p[2] = has[2] && isfinite(col[2][row]) ? col[2][row] : 0.0;
                ym_recording_set_position(*out, (int)c, p);
                nrel++;
            } else if (has[3] && has[4] && has[5] && isfinite(col[3][row]) && isfinite(col[4][row]) &&
                       isfinite(col[5][row])) {
                p[0] = col[3][row], p[1] = col[4][row], p[2] = col[5][row];
                ym_recording_set_position(*out, (int)c, p);
                nabs++;
            }
        }
        if (!st && nrel)
            ym_act_note("%s: %d electrode positions from rel_x, rel_y", path, nrel);
        if (!st && nabs)
            ym_act_note("%s: %d electrode positions from x, y, z", path, nabs);
        free(id);
    }
    if (tab >= 0)
        H5Oclose(tab);
    free_strings(labels);
    for (int k = 0; k < 6; k++)
        free(col[k]);
    free(v);
    free(cc);
    free(idx);
    H5Dclose(d);
    return st;
}

/* Spacing in micrometres from a length and its unit attribute. */
static double to_um(hid_t obj, double v)
{
    char u[32] = "meters";
    ym_act_h5_attr_string(obj, "unit", u, sizeof u);
    if (!strcmp(u, "micrometers") || !strcmp(u, "um") || !strcmp(u, "micrometer"))
        return v;
    if (!strcmp(u, "millimeters") || !strcmp(u, "mm"))
        return v * 1e3;
    return v * 1e6;
}

static int twophoton(ym_recording **out, const char *path, const char *sname, hid_t g)
{
    hid_t d = -1;
    double *v = NULL;
    if (ym_act_h5_kind(g, "data") != 'd' || (d = H5Dopen2(g, "data", H5P_DEFAULT)) < 0)
        return YM_ERROR(YM_EFORMAT, "%s: %s has no data", path, sname);
    int rank = 0;
    uint64_t dims[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    int st = ym_act_h5_read_doubles(path, d, "data", &rank, dims, &v);
    if (!st && rank != 3 && rank != 4)
        st = YM_ERROR(YM_EFORMAT, "%s: %s/data has %d dimensions (frames x X x Y [x Z] expected)", path, sname, rank);
    if (!st && rank == 3)
        dims[3] = 1;
    uint64_t nt = dims[0], nx = dims[1], ny = dims[2], nz = dims[3], npix = nx * ny * nz;
    if (!st && npix > 100000000)
        st = YM_ERROR(YM_EFORMAT, "%s: %s has %llu pixels", path, sname, (unsigned long long)npix);
    double conv = 1, off = 0;
    if (!st) {
        ym_act_h5_attr_double(d, "conversion", &conv);
        ym_act_h5_attr_double(d, "offset", &off);
        if (!isfinite(conv) || !isfinite(off) || conv == 0)
            st = YM_ERROR(YM_EFORMAT, "%s: %s/data conversion %g, offset %g are not valid", path, sname, conv, off);
    }
    double rate = 0, start = 0;
    if (!st)
        st = timing(path, sname, g, nt, &rate, &start);
    if (!st)
        st = ym_recording_create(out, (int)npix, 0, (int64_t)nt, rate);
    if (!st) {
        ym_recording_set_start(*out, start);
        /* NWB stores frames x X x Y (x Z), X slowest after time. */
        for (uint64_t t = 0; t < nt; t++)
            for (uint64_t x = 0; x < nx; x++)
                for (uint64_t y = 0; y < ny; y++)
                    for (uint64_t z = 0; z < nz; z++)
                        ym_recording_data(*out, (int)(x + nx * (y + ny * z)))[t] =
                            v[((t * nx + x) * ny + y) * nz + z] * conv + off;
        double sp[3] = {0, 0, 0};
        int found = 0;
        if (ym_act_h5_kind(g, "imaging_plane") == 'g') {
            hid_t ip = H5Gopen2(g, "imaging_plane", H5P_DEFAULT);
            if (ip >= 0 && ym_act_h5_kind(ip, "grid_spacing") == 'd') {
                hid_t gs = H5Dopen2(ip, "grid_spacing", H5P_DEFAULT);
                hid_t s = gs >= 0 ? H5Dget_space(gs) : -1;
                hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
                double b[3] = {0, 0, 0};
                if (n >= 2 && n <= 3 && H5Dread(gs, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) >= 0) {
                    for (int k = 0; k < n; k++)
                        sp[k] = isfinite(b[k]) && b[k] > 0 ? to_um(gs, b[k]) : 0;
                    found = 1;
                }
                if (s >= 0)
                    H5Sclose(s);
                if (gs >= 0)
                    H5Dclose(gs);
            }
            if (ip >= 0)
                H5Gclose(ip);
        }
        if (!found && ym_act_h5_kind(g, "field_of_view") == 'd') {
            hid_t fv = H5Dopen2(g, "field_of_view", H5P_DEFAULT);
            hid_t s = fv >= 0 ? H5Dget_space(fv) : -1;
            hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
            double b[3] = {0, 0, 0};
            uint64_t ext[3] = {nx, ny, nz};
            if (n >= 2 && n <= 3 && H5Dread(fv, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) >= 0) {
                for (int k = 0; k < n; k++)
                    sp[k] = isfinite(b[k]) && b[k] > 0 ? to_um(fv, b[k]) / (double)ext[k] : 0;
                found = 1;
            }
            if (s >= 0)
                H5Sclose(s);
            if (fv >= 0)
                H5Dclose(fv);
        }
        if (!found)
            ym_act_note("%s: %s: no grid_spacing or field_of_view, pixel spacing unknown", path, sname);
        st = ym_recording_set_image(*out, (int)nx, (int)ny, (int)nz, sp);
        if (!st)
            ym_act_name_pixels(*out, (int)nx, (int)ny, (int)nz);
    }
    free(v);
    H5Dclose(d);
    return st;
}

int ym_act_nwb(ym_recording **out, const char *path, const char *series)
{
    *out = NULL;
    H5E_auto2_t efn;
    void *edata;
    H5Eget_auto2(H5E_DEFAULT, &efn, &edata);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int st = YM_OK;
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), g = -1;
    char ver[64], sname[256], type[64] = "";
    if (fid < 0) {
        st = YM_ERROR(YM_EFORMAT, "%s: not a readable HDF5 file (damaged or truncated?)", path);
        goto done;
    }
    if (!ym_act_h5_attr_string(fid, "nwb_version", ver, sizeof ver)) {
        st = YM_ERROR(YM_EFORMAT, "%s: not an NWB file (no nwb_version attribute)", path);
        goto done;
    }
    if (series && *series) {
        while (*series == '/')
            series++;
        snprintf(sname, sizeof sname, "%s", series);
    } else {
        series_list l;
        memset(&l, 0, sizeof l);
        if (ym_act_h5_kind(fid, "acquisition") == 'g') {
            hid_t a = H5Gopen2(fid, "acquisition", H5P_DEFAULT);
            if (a >= 0) {
                hsize_t it = 0;
                H5Literate(a, H5_INDEX_NAME, H5_ITER_INC, &it, collect, &l);
                H5Gclose(a);
            }
        }
        if (l.total == 0) {
            st = YM_ERROR(YM_EFORMAT, "%s: no ElectricalSeries or TwoPhotonSeries in acquisition/", path);
            goto done;
        }
        if (l.total > 1) {
            char list[1024] = "";
            for (int i = 0; i < l.n; i++) {
                size_t n = strlen(list);
                snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", l.names[i]);
            }
            st = YM_ERROR(YM_EINVAL, "%s: %d series in acquisition/ (%s%s): pick one (%s:/acquisition/NAME)", path,
                          l.total, list, l.total > l.n ? ", ..." : "", path);
            goto done;
        }
        snprintf(sname, sizeof sname, "%s", l.names[0]);
    }
    if (ym_act_h5_kind(fid, sname) != 'g' || (g = H5Gopen2(fid, sname, H5P_DEFAULT)) < 0) {
        st = YM_ERROR(YM_EFORMAT, "%s: no series group %s", path, sname);
        goto done;
    }
    ym_act_h5_attr_string(g, "neurodata_type", type, sizeof type);
    if (!strcmp(type, "TwoPhotonSeries"))
        st = twophoton(out, path, sname, g);
    else if (!strcmp(type, "ElectricalSeries") || ym_act_h5_kind(g, "electrodes") == 'd')
        st = electrical(out, path, sname, g);
    else
        st = YM_ERROR(YM_EFORMAT, "%s: %s is a %s, not an ElectricalSeries or TwoPhotonSeries", path, sname,
                      type[0] ? type : "group of unknown type");
    if (!st)
        ym_act_note("%s: NWB %s, %s (%s)", path, ver, sname, type[0] ? type : "ElectricalSeries");
done:
    if (g >= 0)
        H5Gclose(g);
    if (fid >= 0)
        H5Fclose(fid);
    H5Eset_auto2(H5E_DEFAULT, efn, edata);
    if (st) {
        ym_recording_free(*out);
        *out = NULL;
    }
    return st;
}
