/* Any HDF5 dataset by path with named axes (see ym_activity.h), and the
 * HDF5 helpers the NWB reader shares. */
#include "ym_act_util.h"
#include "ym_status.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 if ty is a complex number as h5py writes it: a compound of two
 * numeric members (r, i); their names go into mt, a double pair. */
static int complex_type(hid_t ty, hid_t *mt)
{
    *mt = -1;
    if (H5Tget_class(ty) != H5T_COMPOUND || H5Tget_nmembers(ty) != 2)
        return 0;
    int ok = 1;
    char *nm[2] = {NULL, NULL};
    for (unsigned k = 0; k < 2; k++) {
        H5T_class_t c = H5Tget_member_class(ty, k);
        nm[k] = H5Tget_member_name(ty, k);
        ok &= (c == H5T_INTEGER || c == H5T_FLOAT) && nm[k] != NULL;
    }
    if (ok && strcmp(nm[0], nm[1])) {
        *mt = H5Tcreate(H5T_COMPOUND, 2 * sizeof(double));
        ok = *mt >= 0 && H5Tinsert(*mt, nm[0], 0, H5T_NATIVE_DOUBLE) >= 0 &&
             H5Tinsert(*mt, nm[1], sizeof(double), H5T_NATIVE_DOUBLE) >= 0;
    } else {
        ok = 0;
    }
    for (int k = 0; k < 2; k++)
        if (nm[k])
            H5free_memory(nm[k]);
    if (!ok && *mt >= 0) {
        H5Tclose(*mt);
        *mt = -1;
    }
    return ok;
}

int ym_act_h5_read_doubles(const char *file, int64_t dset, const char *name, int *rank, uint64_t dims[8],
                           double **vals)
{
    int ncomp = 1;
    return ym_act_h5_read_values(file, dset, name, 0, rank, dims, vals, &ncomp);
}

int ym_act_h5_read_values(const char *file, int64_t dset, const char *name, int allow_complex, int *rank,
                          uint64_t dims[8], double **vals, int *ncomp)
{
    *vals = NULL;
    *ncomp = 1;
    hid_t d = (hid_t)dset, mt = -1;
    hid_t sp = H5Dget_space(d), ty = H5Dget_type(d);
    int st = YM_OK;
    if (sp < 0 || ty < 0) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s: cannot read its shape or type", file, name);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(ty);
    if (allow_complex && complex_type(ty, &mt)) {
        *ncomp = 2;
    } else if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s is not numeric (integer or float data%s needed)", file, name,
                      allow_complex ? ", or complex as a compound of two numbers," : "");
        goto done;
    }
    int r = H5Sget_simple_extent_ndims(sp);
    if (r < 0 || r > 8) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s has %d dimensions (at most 8)", file, name, r);
        goto done;
    }
    hsize_t hd[8] = {0};
    H5Sget_simple_extent_dims(sp, hd, NULL);
    double n = 1;
    for (int i = 0; i < r; i++) {
        dims[i] = hd[i];
        n *= (double)hd[i];
    }
    *rank = r;
    if (n < 1) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s is empty", file, name);
        goto done;
    }
    if (n * *ncomp > YM_ACT_MAX_VALUES) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s has %.0f elements, too many to read", file, name, n);
        goto done;
    }
    /* A declared shape far beyond what the file stores is a damaged or
     * hostile file (deflate compresses at most ~1032:1); refuse it before
     * allocating. */
    size_t esz = H5Tget_size(ty);
    double declared = n * (double)esz, stored = (double)H5Dget_storage_size(d);
    if (declared > 1100.0 * stored + 65536.0) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s declares %.0f bytes but stores only %.0f", file, name, declared, stored);
        goto done;
    }
    *vals = malloc((size_t)n * (size_t)*ncomp * sizeof(double));
    if (!*vals) {
        st = YM_ERROR(YM_ENOMEM, "%s: out of memory for %s", file, name);
        goto done;
    }
    if (H5Dread(d, mt >= 0 ? mt : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *vals) < 0) {
        free(*vals);
        *vals = NULL;
        st = YM_ERROR(YM_EFORMAT, "%s: %s cannot be read (damaged or truncated file?)", file, name);
    }
done:
    if (mt >= 0)
        H5Tclose(mt);
    if (sp >= 0)
        H5Sclose(sp);
    if (ty >= 0)
        H5Tclose(ty);
    return st;
}

int ym_act_h5_attr_double(int64_t obj, const char *attr, double *v)
{
    if (H5Aexists((hid_t)obj, attr) <= 0)
        return 0;
    hid_t a = H5Aopen((hid_t)obj, attr, H5P_DEFAULT);
    if (a < 0)
        return 0;
    int ok = 0;
    hid_t sp = H5Aget_space(a), ty = H5Aget_type(a);
    H5T_class_t cls = ty >= 0 ? H5Tget_class(ty) : H5T_NO_CLASS;
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && n >= 1 && n <= 64) {
        double buf[64];
        ok = H5Aread(a, H5T_NATIVE_DOUBLE, buf) >= 0;
        if (ok)
            *v = buf[0];
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (ty >= 0)
        H5Tclose(ty);
    H5Aclose(a);
    return ok;
}

int ym_act_h5_attr_string(int64_t obj, const char *attr, char *buf, size_t n)
{
    buf[0] = '\0';
    if (H5Aexists((hid_t)obj, attr) <= 0)
        return 0;
    hid_t a = H5Aopen((hid_t)obj, attr, H5P_DEFAULT);
    if (a < 0)
        return 0;
    int ok = 0;
    hid_t ty = H5Aget_type(a), sp = H5Aget_space(a);
    if (ty >= 0 && sp >= 0 && H5Tget_class(ty) == H5T_STRING && H5Sget_simple_extent_npoints(sp) == 1) {
        if (H5Tis_variable_str(ty) > 0) {
            char *s = NULL;
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(buf, n, "%s", s);
                ok = 1;
            }
            if (s)
                H5free_memory(s);
            H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(ty);
            if (sz > 0 && sz < 65536) {
                char *s = calloc(sz + 1, 1);
                if (s && H5Aread(a, ty, s) >= 0) {
                    snprintf(buf, n, "%s", s);
                    ok = 1;
                }
                free(s);
            }
        }
    }
    if (ty >= 0)
        H5Tclose(ty);
    if (sp >= 0)
        H5Sclose(sp);
    H5Aclose(a);
    return ok;
}

char ym_act_h5_kind(int64_t loc, const char *name)
{
    /* H5Lexists checks one link at a time: walk the path so a missing
     * intermediate group is an answer, not an error. */
    char buf[1024];
    if (!name || !*name || strlen(name) >= sizeof buf)
        return 0;
    snprintf(buf, sizeof buf, "%s", name);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        htri_t e = H5Lexists((hid_t)loc, buf, H5P_DEFAULT);
        *p = '/';
        if (e <= 0)
            return 0;
    }
    if (H5Lexists((hid_t)loc, name, H5P_DEFAULT) <= 0)
        return 0;
    hid_t o = H5Oopen((hid_t)loc, name, H5P_DEFAULT);
    if (o < 0)
        return 0;
    H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    return t == H5I_DATASET ? 'd' : t == H5I_GROUP ? 'g' : 0;
}

void ym_act_name_pixels(ym_recording *r, int nx, int ny, int nz)
{
    for (int z = 0; z < nz; z++)
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++) {
                char nm[64];
                if (nz > 1)
                    snprintf(nm, sizeof nm, "x%d_y%d_z%d", x, y, z);
                else
                    snprintf(nm, sizeof nm, "x%d_y%d", x, y);
                ym_recording_set_channel(r, x + nx * (y + ny * z), nm, "", "PIXEL");
            }
}

/* Axis letters: one per dimension, t required, each at most once; given:
 * the user named them (else the default 't,c', and the error says so). */
static int parse_axes(const char *path, const char *axes, int given, int rank, char ax[8])
{
    int n = 0;
    for (const char *p = axes; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        if (n == 8 || !strchr("txyzcb", *p) || (p[1] && p[1] != ',' && p[1] != ' '))
            return YM_ERROR(YM_EINVAL, "%s: axes '%s': each axis is one of t, x, y, z, c, b, comma-separated",
                            path, axes);
        for (int i = 0; i < n; i++)
            if (ax[i] == *p)
                return YM_ERROR(YM_EINVAL, "%s: axes '%s' name %c twice", path, axes, *p);
        ax[n++] = *p++;
    }
    if (n != rank)
        return YM_ERROR(YM_EINVAL, "%s: axes '%s'%s name %d axes but the dataset has %d dimensions%s", path, axes,
                        given ? "" : " (the default)", n, rank,
                        given ? "" : rank == 3 ? ": name them, e.g. --axes t,y,x for a movie"
                                               : ": name them with --axes (t, x, y, z, c, b)");
    if (!memchr(ax, 't', (size_t)n))
        return YM_ERROR(YM_EINVAL, "%s: axes '%s' have no time axis t", path, axes);
    int img = memchr(ax, 'x', (size_t)n) || memchr(ax, 'y', (size_t)n) || memchr(ax, 'z', (size_t)n);
    if (img && memchr(ax, 'b', (size_t)n))
        return YM_ERROR(YM_EINVAL, "%s: axes '%s': a band axis b goes with channels c, not with an image", path,
                        axes);
    if (img && !(memchr(ax, 'x', (size_t)n) && memchr(ax, 'y', (size_t)n)))
        return YM_ERROR(YM_EINVAL, "%s: axes '%s': an image needs both x and y", path, axes);
    return YM_OK;
}

typedef struct {
    int n;
    char name[256];
} root_sets;

static herr_t root_dataset(hid_t g, const char *name, const H5L_info_t *info, void *op)
{
    (void)info;
    root_sets *rs = op;
    if (ym_act_h5_kind(g, name) == 'd' && strlen(name) < sizeof rs->name) {
        if (!rs->n)
            snprintf(rs->name, sizeof rs->name, "%s", name);
        rs->n++;
    }
    return 0;
}

int ym_act_hdf5(ym_recording **out, const char *path, const ym_activity_opts *opts)
{
    *out = NULL;
    H5E_auto2_t efn;
    void *edata;
    H5Eget_auto2(H5E_DEFAULT, &efn, &edata);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int st = YM_OK;
    hid_t fid = -1, d = -1;
    double *v = NULL;
    const char *dname = opts->dataset;
    root_sets rs;
    memset(&rs, 0, sizeof rs);
    fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) {
        st = YM_ERROR(YM_EFORMAT, "%s: not a readable HDF5 file (damaged or truncated?)", path);
        goto done;
    }
    if (!dname || !*dname) {
        /* No path given: a file holding one dataset at its root (SIMA's
         * /imaging) needs none. */
        hsize_t it = 0;
        H5Literate(fid, H5_INDEX_NAME, H5_ITER_INC, &it, root_dataset, &rs);
        if (rs.n != 1) {
            st = YM_ERROR(YM_EINVAL, "%s: which dataset? give it as %s:/path (%d datasets at the root)", path, path,
                          rs.n);
            goto done;
        }
        dname = rs.name;
        ym_act_note("%s: dataset /%s (the only one at the root)", path, dname);
    }
    if (ym_act_h5_kind(fid, dname) != 'd' || (d = H5Dopen2(fid, dname, H5P_DEFAULT)) < 0) {
        st = YM_ERROR(YM_EFORMAT, "%s: no dataset %s", path, dname);
        goto done;
    }
    int rank = 0;
    uint64_t dims[8];
    char ax[8];
    {
        hid_t sp = H5Dget_space(d);
        rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
        if (sp >= 0)
            H5Sclose(sp);
    }
    if (rank < 1 || rank > 8) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s has %d dimensions", path, dname, rank);
        goto done;
    }
    st = parse_axes(path, opts->axes ? opts->axes : "t,c", opts->axes != NULL, rank, ax);
    if (st)
        goto done;
    double rate = opts->rate;
    if (!(rate > 0) && !ym_act_h5_attr_double(d, "rate", &rate) && !ym_act_h5_attr_double(d, "sampling_rate", &rate))
        ym_act_h5_attr_double(d, "frame_rate", &rate);
    if (!(isfinite(rate) && rate > 0)) {
        st = YM_ERROR(YM_EINVAL, "%s: %s has no valid sampling rate (%g): give one (--rate HZ)", path, dname, rate);
        goto done;
    }
    int ncomp = 1;
    st = ym_act_h5_read_values(path, d, dname, 1, &rank, dims, &v, &ncomp);
    if (st)
        goto done;
    int has_b = memchr(ax, 'b', (size_t)rank) != NULL;
    if (has_b && ncomp != 2) {
        st = YM_ERROR(YM_EINVAL, "%s: a band axis b needs complex data (a compound of two numbers, as h5py writes)",
                      path);
        goto done;
    }
    /* Extents per axis letter (1 when absent). */
    uint64_t ext[128] = {0};
    for (const char *c = "txyzcb"; *c; c++)
        ext[(int)*c] = 1;
    for (int i = 0; i < rank; i++)
        ext[(int)ax[i]] = dims[i];
    int img = memchr(ax, 'x', (size_t)rank) != NULL;
    uint64_t nt = ext['t'], nchan = img ? ext['x'] * ext['y'] * ext['z'] : ext['c'];
    int plane = opts->plane;
    if (img && ncomp == 2) {
        st = YM_ERROR(YM_EINVAL, "%s: %s is complex; complex images are not supported", path, dname);
        goto done;
    }
    if (ext['b'] > 1000000) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s has %llu bands", path, dname, (unsigned long long)ext['b']);
        goto done;
    }
    if (img && (plane < 0 || (uint64_t)plane >= ext['c'])) {
        st = YM_ERROR(YM_EINVAL, "%s: colour channel %d does not exist (the c axis has %llu)", path, plane,
                      (unsigned long long)ext['c']);
        goto done;
    }
    if (nchan > 100000000) {
        st = YM_ERROR(YM_EFORMAT, "%s: %s has %llu channels", path, dname, (unsigned long long)nchan);
        goto done;
    }
    /* Complex data are analytic signals: channels x bands (one band without b). */
    st = ym_recording_create(out, (int)nchan, ncomp == 2 ? (int)ext['b'] : 0, (int64_t)nt, rate);
    if (st)
        goto done;
    /* Walk the dataset in storage order, keeping a multi-index. */
    uint64_t idx[8] = {0}, total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    for (uint64_t e = 0; e < total; e++) {
        uint64_t t = 0, x = 0, y = 0, z = 0, c = 0, b = 0;
        for (int i = 0; i < rank; i++) {
            switch (ax[i]) {
            case 't': t = idx[i]; break;
            case 'x': x = idx[i]; break;
            case 'y': y = idx[i]; break;
            case 'z': z = idx[i]; break;
            case 'b': b = idx[i]; break;
            default: c = idx[i]; break;
            }
        }
        if (ncomp == 2) {
            double *zc = ym_recording_cdata(*out, (int)c, (int)b);
            zc[2 * t] = v[2 * e];
            zc[2 * t + 1] = v[2 * e + 1];
        } else if (img) {
            if (c == (uint64_t)plane)
                ym_recording_data(*out, (int)(x + ext['x'] * (y + ext['y'] * z)))[t] = v[e];
        } else {
            ym_recording_data(*out, (int)c)[t] = v[e];
        }
        for (int i = rank - 1; i >= 0; i--) {
            if (++idx[i] < dims[i])
                break;
            idx[i] = 0;
        }
    }
    if (img) {
        /* SIMA/ImageJ's element_size_um lists the spatial axes in dataset order. */
        double sp3[3] = {0, 0, 0};
        hid_t a = H5Aexists(d, "element_size_um") > 0 ? H5Aopen(d, "element_size_um", H5P_DEFAULT) : -1;
        if (a >= 0) {
            hid_t as = H5Aget_space(a);
            int nsp = 0;
            for (int i = 0; i < rank; i++)
                nsp += ax[i] == 'x' || ax[i] == 'y' || ax[i] == 'z';
            double es[8];
            if (as >= 0 && H5Sget_simple_extent_npoints(as) == nsp && H5Aread(a, H5T_NATIVE_DOUBLE, es) >= 0) {
                int k = 0;
                for (int i = 0; i < rank; i++) {
                    if (ax[i] == 'x' || ax[i] == 'y' || ax[i] == 'z') {
                        if (isfinite(es[k]) && es[k] > 0)
                            sp3[ax[i] == 'x' ? 0 : ax[i] == 'y' ? 1 : 2] = es[k];
                        k++;
                    }
                }
            }
            if (as >= 0)
                H5Sclose(as);
            H5Aclose(a);
        }
        st = ym_recording_set_image(*out, (int)ext['x'], (int)ext['y'], (int)ext['z'], sp3);
        if (!st)
            ym_act_name_pixels(*out, (int)ext['x'], (int)ext['y'], (int)ext['z']);
        if (!st && ext['c'] > 1)
            ym_act_note("%s: colour channel %d of %llu kept", path, plane, (unsigned long long)ext['c']);
    }
done:
    free(v);
    if (d >= 0)
        H5Dclose(d);
    if (fid >= 0)
        H5Fclose(fid);
    H5Eset_auto2(H5E_DEFAULT, efn, edata);
    if (st) {
        ym_recording_free(*out);
        *out = NULL;
    }
    return st;
}
