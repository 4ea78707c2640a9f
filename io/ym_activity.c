/* Activity readers: content detection, the dispatching ym_activity_read,
 * the public entry points and the notes buffer (see ym_activity.h). */
#include "ym_act_util.h"
#include "ym_status.h"

#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The notes of the last read: one growing buffer per process. */
static char *note_buf;
static size_t note_len, note_cap;

void ym_act_note_reset(void)
{
    note_len = 0;
    if (note_buf)
        note_buf[0] = '\0';
}

void ym_act_note(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = strlen(line);
    if (note_len + len + 2 > note_cap) {
        size_t cap = note_cap ? 2 * note_cap : 1024;
        while (cap < note_len + len + 2)
            cap *= 2;
        char *b = realloc(note_buf, cap);
        if (!b)
            return; /* notes are advisory: losing one is not an error */
        note_buf = b;
        note_cap = cap;
    }
    memcpy(note_buf + note_len, line, len);
    note_len += len;
    note_buf[note_len++] = '\n';
    note_buf[note_len] = '\0';
}

const char *ym_activity_note(void)
{
    return note_buf ? note_buf : "";
}

/* The HDF5 signature may follow a user block of 0, 512, 1024, ... bytes. */
static int is_hdf5(FILE *f)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char b[8];
    for (long off = 0; off <= (1L << 20); off = off ? 2 * off : 512) {
        if (fseek(f, off, SEEK_SET) || fread(b, 1, 8, f) != 8)
            return 0;
        if (!memcmp(b, sig, 8))
            return 1;
    }
    return 0;
}

static int has_nwb_version(const char *path)
{
    int nwb = 0;
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0)
        return 0;
    htri_t e = H5Aexists(fid, "nwb_version");
    nwb = e > 0;
    H5Fclose(fid);
    return nwb;
}

int ym_activity_detect(const char *path, int *kind)
{
    *kind = YM_ACT_UNKNOWN;
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode))
        return YM_ERROR(YM_EIO, "%s: no such file", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return YM_ERROR(YM_EIO, "%s: cannot open", path);
    unsigned char b[8] = {0};
    size_t got = fread(b, 1, 8, f);
    if (got == 8 && !memcmp(b, "0       ", 8))
        *kind = YM_ACT_EDF;
    else if (got == 8 && b[0] == 0xff && !memcmp(b + 1, "BIOSEMI", 7))
        *kind = YM_ACT_BDF;
    else if (got >= 6 && !memcmp(b, "\x93NUMPY", 6))
        *kind = YM_ACT_NPY;
    else if (is_hdf5(f))
        *kind = YM_ACT_HDF5;
    fclose(f);
    if (*kind == YM_ACT_HDF5) {
        H5E_auto2_t fn;
        void *data;
        H5Eget_auto2(H5E_DEFAULT, &fn, &data);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        if (has_nwb_version(path))
            *kind = YM_ACT_NWB;
        H5Eset_auto2(H5E_DEFAULT, fn, data);
    }
    return YM_OK;
}

/* "file.h5:/dataset": the file is the longest existing prefix before a
 * ":/", so paths containing ':' still work. */
static int split_spec(const char *spec, char **file, const char **dset)
{
    struct stat sb;
    *dset = NULL;
    *file = NULL;
    if (stat(spec, &sb)) {
        for (const char *p = strstr(spec, ":/"); p; p = strstr(p + 1, ":/")) {
            size_t n = (size_t)(p - spec);
            char *f = malloc(n + 1);
            if (!f)
                return YM_ERROR(YM_ENOMEM, "out of memory");
            memcpy(f, spec, n);
            f[n] = '\0';
            if (!stat(f, &sb)) {
                free(*file);
                *file = f;
                *dset = p + 1;
            } else {
                free(f);
            }
        }
    }
    if (!*file) {
        *file = strdup(spec);
        if (!*file)
            return YM_ERROR(YM_ENOMEM, "out of memory");
    }
    return YM_OK;
}

int ym_activity_read(ym_recording **out, const char *spec, const ym_activity_opts *opts)
{
    static const ym_activity_opts none;
    *out = NULL;
    ym_act_note_reset();
    if (!opts)
        opts = &none;
    char *path;
    const char *dset;
    int st = split_spec(spec, &path, &dset);
    if (st)
        return st;
    int kind = YM_ACT_UNKNOWN;
    st = ym_activity_detect(path, &kind);
    if (!st && dset && kind != YM_ACT_HDF5 && kind != YM_ACT_NWB)
        st = YM_ERROR(YM_EINVAL, "%s: a dataset path (%s) is only meaningful for HDF5/NWB files", path, dset);
    if (!st) {
        ym_activity_opts o = *opts;
        if (dset)
            o.dataset = dset;
        switch (kind) {
        case YM_ACT_EDF:
        case YM_ACT_BDF: st = ym_act_edf(out, path); break;
        case YM_ACT_NPY: st = ym_act_npy(out, path, o.rate); break;
        case YM_ACT_NWB:
            /* Axes given: the user wants a dataset as an array, not a series. */
            st = o.axes && o.dataset ? ym_act_hdf5(out, path, &o) : ym_act_nwb(out, path, o.dataset);
            break;
        case YM_ACT_HDF5: st = ym_act_hdf5(out, path, &o); break;
        default:
            st = YM_ERROR(YM_EFORMAT, "%s: not a recording ymflow reads (EDF/BDF, NWB, HDF5 or NPY)", path);
        }
        /* A rate given for a file that carries its own: the file wins, and says so. */
        if (!st && o.rate > 0 && (kind == YM_ACT_EDF || kind == YM_ACT_BDF || kind == YM_ACT_NWB) &&
            o.rate != ym_recording_rate(*out))
            ym_act_note("%s: the file's rate %.17g Hz is used, not the given %.17g Hz", path,
                        ym_recording_rate(*out), o.rate);
    }
    if (!st)
        ym_recording_set_source(*out, path);
    if (!st && !opts->no_sidecars)
        st = ym_act_sidecars(*out, path);
    if (st) {
        ym_recording_free(*out);
        *out = NULL;
    }
    free(path);
    return st;
}

/* The public single-format entry points start a fresh set of notes. */
int ym_activity_read_edf(ym_recording **out, const char *path)
{
    ym_act_note_reset();
    int st = ym_act_edf(out, path);
    if (!st)
        ym_recording_set_source(*out, path);
    return st;
}

int ym_activity_read_npy(ym_recording **out, const char *path, double rate)
{
    ym_act_note_reset();
    int st = ym_act_npy(out, path, rate);
    if (!st)
        ym_recording_set_source(*out, path);
    return st;
}

int ym_activity_read_nwb(ym_recording **out, const char *path, const char *series)
{
    ym_act_note_reset();
    int st = ym_act_nwb(out, path, series);
    if (!st)
        ym_recording_set_source(*out, path);
    return st;
}

int ym_activity_read_hdf5(ym_recording **out, const char *path, const ym_activity_opts *opts)
{
    static const ym_activity_opts none;
    ym_act_note_reset();
    int st = ym_act_hdf5(out, path, opts ? opts : &none);
    if (!st)
        ym_recording_set_source(*out, path);
    return st;
}

int ym_activity_read_sidecars(ym_recording *r, const char *recording_path)
{
    ym_act_note_reset();
    return ym_act_sidecars(r, recording_path);
}

int ym_activity_read_electrodes_tsv(ym_recording *r, const char *path)
{
    ym_act_note_reset();
    return ym_act_electrodes(r, path);
}

int ym_activity_read_channels_tsv(ym_recording *r, const char *path)
{
    ym_act_note_reset();
    return ym_act_channels(r, path);
}

int ym_activity_read_events_tsv(ym_recording *r, const char *path)
{
    ym_act_note_reset();
    return ym_act_events(r, path);
}
