/* Writers of small recording files for the activity-reader tests and the
 * fuzz seeds: NPY and EDF/BDF assembled byte by byte from their
 * specifications (so the readers are checked against the format, not
 * against themselves), NWB-shaped HDF5 files through the HDF5 C API.
 */
#ifndef YM_TESTS_ACT_WRITE_H
#define YM_TESTS_ACT_WRITE_H

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- NPY ---------- */

/* Bytes of value v as dtype (kind 'i','u','f'; size 2,4,8) in the given
 * byte order. */
static inline void npyw_put(unsigned char *p, char kind, int size, int big, double v)
{
    unsigned char b[8];
    if (kind == 'i') {
        int16_t x = (int16_t)v;
        memcpy(b, &x, 2);
    } else if (kind == 'u') {
        uint16_t x = (uint16_t)v;
        memcpy(b, &x, 2);
    } else if (size == 4) {
        float x = (float)v;
        memcpy(b, &x, 4);
    } else {
        memcpy(b, &v, 8);
    }
    const unsigned one = 1;
    int host_big = *(const unsigned char *)&one == 0;
    for (int i = 0; i < size; i++)
        p[i] = host_big == big ? b[i] : b[size - 1 - i];
}

/* Write an NPY file: version 1..3, dtype kind/size ('c' sizes 8/16 take
 * pairs), shape of ndim dims, element (i,j,k) from f(i,j,k, part) where
 * part 0 = real, 1 = imaginary. Returns 0 on success. */
typedef double (*npyw_fn)(size_t i, size_t j, size_t k, int part);
static inline int npyw_write(const char *path, int version, char kind, int size, int big, int fortran, int ndim,
                             const size_t *shape, npyw_fn f)
{
    char dict[256], shp[96] = "";
    for (int d = 0; d < ndim; d++) {
        size_t n = strlen(shp);
        snprintf(shp + n, sizeof shp - n, "%zu,%s", shape[d], d + 1 < ndim ? " " : "");
    }
    if (ndim > 1)
        shp[strlen(shp) - 1] = '\0'; /* (3, 7) but (7,) */
    snprintf(dict, sizeof dict, "{'descr': '%c%c%d', 'fortran_order': %s, 'shape': (%s), }", big ? '>' : '<', kind,
             size, fortran ? "True" : "False", shp);
    size_t pre = version == 1 ? 10 : 12, len = strlen(dict) + 1;
    size_t pad = (64 - (pre + len) % 64) % 64;
    size_t hlen = len + pad;
    FILE *o = fopen(path, "wb");
    if (!o)
        return 1;
    unsigned char m[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)version, 0};
    m[8] = (unsigned char)(hlen & 255);
    m[9] = (unsigned char)(hlen >> 8 & 255);
    if (version > 1) {
        m[10] = (unsigned char)(hlen >> 16 & 255);
        m[11] = (unsigned char)(hlen >> 24 & 255);
    }
    fwrite(m, 1, pre, o);
    fputs(dict, o);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', o);
    fputc('\n', o);
    size_t n0 = shape[0], n1 = ndim > 1 ? shape[1] : 1, n2 = ndim > 2 ? shape[2] : 1, total = n0 * n1 * n2;
    int cplx = kind == 'c', esz = cplx ? size / 2 : size;
    char ek = cplx ? 'f' : kind;
    unsigned char e[16];
    for (size_t lin = 0; lin < total; lin++) {
        size_t idx[3] = {0, 0, 0}, rem = lin;
        for (int q = 0; q < ndim; q++) {
            int d = fortran ? q : ndim - 1 - q; /* fastest-varying first */
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        size_t i = idx[0], j = idx[1], k = idx[2];
        npyw_put(e, ek, esz, big, f(i, j, k, 0));
        if (cplx)
            npyw_put(e + esz, ek, esz, big, f(i, j, k, 1));
        fwrite(e, 1, (size_t)(cplx ? 2 * esz : esz), o);
    }
    return fclose(o) ? 1 : 0;
}

/* ---------- EDF / BDF ---------- */

typedef struct {
    const char *label, *unit;
    double pmin, pmax;
    int dmin, dmax, spr; /* samples per record */
} edfw_sig;

typedef struct {
    int bdf, plus;      /* BDF (24-bit); EDF+/BDF+ (with an annotation signal) */
    int discontinuous;  /* EDF+D */
    int nrec;           /* data records */
    double recdur;      /* seconds */
    int nsig;
    const edfw_sig *sig;
    /* annotation record contents: per record, the time-keeping onset and at
     * most one annotation (text after the time-keeping TAL, may be NULL) */
    const double *rec_onset;      /* NULL: r * recdur */
    const char *const *rec_annot; /* NULL: none; else per record, "" or a TAL like "+1.5\x15" "2\x14label\x14" */
    int annot_spr;                /* samples per record of the annotation signal */
} edfw_file;

static inline void edfw_field(FILE *o, const char *s, int w)
{
    int n = (int)strlen(s);
    fwrite(s, 1, (size_t)(n < w ? n : w), o);
    for (int i = n; i < w; i++)
        fputc(' ', o);
}

static inline void edfw_num(FILE *o, double v, int w)
{
    char b[64];
    snprintf(b, sizeof b, "%.10g", v);
    if ((int)strlen(b) > w)
        snprintf(b, sizeof b, "%.*g", w - 2, v);
    edfw_field(o, b, w);
}

/* Digital value of signal s, sample i of the file (a fixed pattern the
 * test recomputes). */
static inline int edfw_digital(const edfw_sig *s, int sidx, long i)
{
    long span = (long)s->dmax - s->dmin + 1;
    long v = (i * 37 + sidx * 1001 + (i * i) % 97) % span;
    return (int)(s->dmin + v);
}

static inline int edfw_write(const char *path, const edfw_file *F)
{
    FILE *o = fopen(path, "wb");
    if (!o)
        return 1;
    int ns = F->nsig + (F->plus ? 1 : 0), bps = F->bdf ? 3 : 2;
    if (F->bdf) {
        fputc(0xff, o);
        edfw_field(o, "BIOSEMI", 7);
    } else {
        edfw_field(o, "0", 8);
    }
    edfw_field(o, F->plus ? "X X X X" : "test patient", 80);
    edfw_field(o, F->plus ? "Startdate 01-JAN-2020 X X X" : "test recording", 80);
    edfw_field(o, "01.01.20", 8);
    edfw_field(o, "00.00.00", 8);
    edfw_num(o, 256.0 * (ns + 1), 8);
    edfw_field(o, F->plus ? (F->bdf ? (F->discontinuous ? "BDF+D" : "BDF+C") : (F->discontinuous ? "EDF+D" : "EDF+C"))
                          : (F->bdf ? "24BIT" : ""),
               44);
    edfw_num(o, F->nrec, 8);
    edfw_num(o, F->recdur, 8);
    edfw_num(o, ns, 4);
    const char *alab = F->bdf ? "BDF Annotations" : "EDF Annotations";
    int amin = F->bdf ? -8388608 : -32768, amax = F->bdf ? 8388607 : 32767;
#define EDFW_EACH(expr_sig, expr_ann, w)                                                                          \
    do {                                                                                                          \
        for (int s = 0; s < F->nsig; s++) {                                                                       \
            const edfw_sig *S = &F->sig[s];                                                                       \
            (void)S;                                                                                              \
            expr_sig;                                                                                             \
        }                                                                                                         \
        if (F->plus) {                                                                                            \
            expr_ann;                                                                                             \
        }                                                                                                         \
    } while (0)
    EDFW_EACH(edfw_field(o, S->label, 16), edfw_field(o, alab, 16), 16);
    EDFW_EACH(edfw_field(o, "", 80), edfw_field(o, "", 80), 80);
    EDFW_EACH(edfw_field(o, S->unit, 8), edfw_field(o, "", 8), 8);
    EDFW_EACH(edfw_num(o, S->pmin, 8), edfw_num(o, -1, 8), 8);
    EDFW_EACH(edfw_num(o, S->pmax, 8), edfw_num(o, 1, 8), 8);
    EDFW_EACH(edfw_num(o, S->dmin, 8), edfw_num(o, amin, 8), 8);
    EDFW_EACH(edfw_num(o, S->dmax, 8), edfw_num(o, amax, 8), 8);
    EDFW_EACH(edfw_field(o, "", 80), edfw_field(o, "", 80), 80);
    EDFW_EACH(edfw_num(o, S->spr, 8), edfw_num(o, F->annot_spr, 8), 8);
    EDFW_EACH(edfw_field(o, "", 32), edfw_field(o, "", 32), 32);
#undef EDFW_EACH
    for (int r = 0; r < F->nrec; r++) {
        for (int s = 0; s < F->nsig; s++) {
            const edfw_sig *S = &F->sig[s];
            for (int k = 0; k < S->spr; k++) {
                int d = edfw_digital(S, s, (long)r * S->spr + k);
                unsigned u = (unsigned)d;
                for (int b = 0; b < bps; b++)
                    fputc((int)(u >> (8 * b) & 255), o);
            }
        }
        if (F->plus) {
            int nb = F->annot_spr * bps;
            char *buf = calloc((size_t)nb + 1, 1);
            double on = F->rec_onset ? F->rec_onset[r] : r * F->recdur;
            int n = snprintf(buf, (size_t)nb, "%+.6g\x14\x14", on);
            n++; /* the NUL ending the time-keeping TAL */
            if (F->rec_annot && F->rec_annot[r] && F->rec_annot[r][0] && n < nb) {
                int m = snprintf(buf + n, (size_t)(nb - n), "%s", F->rec_annot[r]);
                n += m + 1;
            }
            fwrite(buf, 1, (size_t)nb, o);
            free(buf);
        }
    }
    return fclose(o) ? 1 : 0;
}

/* ---------- NWB (HDF5) ---------- */

/* 1: the newest HDF5 file format (compact groups: files of a few kB, as the
 * fuzz seeds need) and fixed-length strings (variable-length ones live in
 * HDF5's global heap, whose decoder in HDF5 1.10 loops or overruns on
 * mutated files before ymflow's code is reached); 0: HDF5's defaults and
 * variable-length strings, as h5py/pynwb write them. */
static int h5w_compact = 0;

static inline void h5w_attr_str(hid_t obj, const char *name, const char *val)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, h5w_compact ? strlen(val) + 1 : H5T_VARIABLE);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    if (h5w_compact)
        H5Awrite(a, t, val);
    else
        H5Awrite(a, t, &val);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

static inline void h5w_attr_dbl(hid_t obj, const char *name, double v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
    H5Sclose(s);
}

static inline hid_t h5w_group(hid_t loc, const char *name, const char *ntype)
{
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ntype) {
        h5w_attr_str(g, "neurodata_type", ntype);
        h5w_attr_str(g, "namespace", "core");
    }
    return g;
}

/* A dataset of doubles stored as file type ftype (e.g. H5T_STD_I16LE). */
static inline hid_t h5w_data(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims, const double *v)
{
    hid_t s = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    H5Sclose(s);
    return d;
}

static inline void h5w_strings(hid_t loc, const char *name, int n, const char *const *v)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    size_t w = 1;
    for (int i = 0; i < n; i++)
        w = strlen(v[i]) + 1 > w ? strlen(v[i]) + 1 : w;
    H5Tset_size(t, h5w_compact ? w : H5T_VARIABLE);
    hsize_t dn = (hsize_t)n;
    hid_t s = H5Screate_simple(1, &dn, NULL);
    hid_t d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (h5w_compact) {
        char *buf = calloc((size_t)n, w);
        for (int i = 0; i < n; i++)
            memcpy(buf + (size_t)i * w, v[i], strlen(v[i]));
        H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        free(buf);
    } else {
        H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    }
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

/* The NWB root: nwb_version and the groups every file has. */
static inline hid_t h5w_nwb_root(const char *path)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (h5w_compact)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return f;
    h5w_attr_str(f, "nwb_version", "2.7.0");
    h5w_attr_str(f, "neurodata_type", "NWBFile");
    H5Gclose(h5w_group(f, "acquisition", NULL));
    hid_t g = h5w_group(f, "general", NULL);
    H5Gclose(h5w_group(g, "extracellular_ephys", NULL));
    H5Gclose(h5w_group(g, "optophysiology", NULL));
    H5Gclose(g);
    return f;
}

/* Electrodes table with nrows rows: id, x, y, z (metres), label, location;
 * rel_x/rel_y when rel != 0. */
static inline void h5w_electrodes(hid_t f, int nrows, int rel)
{
    hid_t t = h5w_group(f, "general/extracellular_ephys/electrodes", rel ? "ElectrodesTable" : "DynamicTable");
    h5w_attr_str(t, "colnames", "x y z location label");
    double *v = malloc(sizeof(double) * (size_t)nrows);
    const char **lab = malloc(sizeof(char *) * (size_t)nrows);
    char(*buf)[16] = malloc(16 * (size_t)nrows);
    hsize_t n = (hsize_t)nrows;
    for (int i = 0; i < nrows; i++)
        v[i] = i;
    H5Dclose(h5w_data(t, "id", H5T_STD_I64LE, 1, &n, v));
    const char *cols[5] = {"x", "y", "z", "rel_x", "rel_y"};
    for (int c = 0; c < (rel ? 5 : 3); c++) {
        for (int i = 0; i < nrows; i++)
            v[i] = 1e-3 * (i + 1) * (c + 1) + (c >= 3 ? 0.5 : 0.0);
        H5Dclose(h5w_data(t, cols[c], H5T_IEEE_F32LE, 1, &n, v));
    }
    for (int i = 0; i < nrows; i++) {
        snprintf(buf[i], 16, "E%d", 10 + i);
        lab[i] = buf[i];
    }
    h5w_strings(t, "label", nrows, lab);
    for (int i = 0; i < nrows; i++)
        lab[i] = "cortex";
    h5w_strings(t, "location", nrows, lab);
    H5Gclose(t);
    free(v);
    free(lab);
    free(buf);
}

/* An NWB file with an ElectricalSeries of nt x nch (<= 4) int16 data. ts: 0 for
 * starting_time + rate, 1 uniform timestamps, 2 irregular ones. */
static inline void h5w_nwb_es(const char *path, const char *name, int nt, int nch, int ts, double rate, hid_t *keep_open)
{
    hid_t f = keep_open && *keep_open >= 0 ? *keep_open : h5w_nwb_root(path);
    if (!keep_open || *keep_open < 0)
        h5w_electrodes(f, 6, 0);
    char gp[256];
    snprintf(gp, sizeof gp, "acquisition/%s", name);
    hid_t g = h5w_group(f, gp, "ElectricalSeries");
    double *v = malloc(sizeof(double) * (size_t)(nt * nch + 1));
    for (int t = 0; t < nt; t++)
        for (int c = 0; c < nch; c++)
            v[t * nch + c] = (t * 7 + c * 13) % 200 - 100;
    hsize_t dims[2] = {(hsize_t)nt, (hsize_t)nch};
    hid_t d = h5w_data(g, "data", H5T_STD_I16LE, 2, dims, v);
    h5w_attr_dbl(d, "conversion", 2.5e-6);
    h5w_attr_dbl(d, "offset", 1e-3);
    h5w_attr_str(d, "unit", "volts");
    H5Dclose(d);
    double cc[4] = {1, 2, 0.5, 4};
    hsize_t n4 = (hsize_t)nch;
    H5Dclose(h5w_data(g, "channel_conversion", H5T_IEEE_F32LE, 1, &n4, cc));
    double rows[4] = {5, 3, 1, 0};
    d = h5w_data(g, "electrodes", H5T_STD_I32LE, 1, &n4, rows);
    hobj_ref_t ref;
    H5Rcreate(&ref, f, "general/extracellular_ephys/electrodes", H5R_OBJECT, -1);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(d, "table", H5T_STD_REF_OBJ, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_STD_REF_OBJ, &ref);
    H5Aclose(a);
    H5Sclose(s);
    H5Dclose(d);
    if (ts == 0) {
        double t0 = 1.5;
        d = h5w_data(g, "starting_time", H5T_IEEE_F64LE, 0, NULL, &t0);
        h5w_attr_dbl(d, "rate", rate);
        H5Dclose(d);
    } else {
        double *tv = malloc(sizeof(double) * (size_t)nt);
        for (int t = 0; t < nt; t++)
            tv[t] = 2.0 + t / rate + (ts == 2 && t > nt / 2 ? 0.3 / rate : 0.0);
        hsize_t nn = (hsize_t)nt;
        H5Dclose(h5w_data(g, "timestamps", H5T_IEEE_F64LE, 1, &nn, tv));
        free(tv);
    }
    free(v);
    H5Gclose(g);
    if (keep_open)
        *keep_open = f;
    else
        H5Fclose(f);
}

/* An NWB file with a TwoPhotonSeries of 6 frames x 4 x 3 pixels, value
 * 100 t + 10 x + y, 30 Hz, imaging plane grid_spacing (2, 3) um in metres. */
static inline void h5w_nwb_2p(const char *pt)
{
    hid_t f = h5w_nwb_root(pt);
    hid_t pl = h5w_group(f, "general/optophysiology/plane0", "ImagingPlane");
    double gs[2] = {2e-6, 3e-6};
    hsize_t two = 2;
    hid_t d = h5w_data(pl, "grid_spacing", H5T_IEEE_F64LE, 1, &two, gs);
    h5w_attr_str(d, "unit", "meters");
    H5Dclose(d);
    H5Gclose(pl);
    hid_t g = h5w_group(f, "acquisition/movie", "TwoPhotonSeries");
    double v[6 * 4 * 3];
    for (int t = 0; t < 6; t++)
        for (int xx = 0; xx < 4; xx++)
            for (int y = 0; y < 3; y++)
                v[(t * 4 + xx) * 3 + y] = 100 * t + 10 * xx + y;
    hsize_t dims[3] = {6, 4, 3};
    H5Dclose(h5w_data(g, "data", H5T_STD_U16LE, 3, dims, v));
    double t0 = 0;
    d = h5w_data(g, "starting_time", H5T_IEEE_F64LE, 0, NULL, &t0);
    h5w_attr_dbl(d, "rate", 30.0);
    H5Dclose(d);
    H5Lcreate_soft("/general/optophysiology/plane0", g, "imaging_plane", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Fclose(f);
}

#endif
