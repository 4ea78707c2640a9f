/* NumPy .npy files, versions 1-3 (see ym_activity.h). The format is a magic
 * string, a version, a little-endian header length and a Python dict
 * literal with descr, fortran_order and shape; the data follow and must
 * fill the rest of the file exactly. No library reads it from C, so this
 * is the one hand-written parser of the activity path, kept to the subset
 * numpy.save writes. */
#include "ym_act_util.h"
#include "ym_status.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPY_HEADER_MAX 65536

typedef struct {
    char kind;    /* 'i', 'u', 'f', 'c' */
    int size;     /* bytes per element */
    int big;      /* 1: big-endian data */
    int fortran;  /* 1: column-major */
    int ndim;
    uint64_t shape[3];
} npy_hdr;

/* The value after 'key': in the dict literal, or NULL. */
static const char *dict_value(const char *h, const char *key)
{
    char q1[40], q2[40];
    snprintf(q1, sizeof q1, "'%s'", key);
    snprintf(q2, sizeof q2, "\"%s\"", key);
    const char *p = strstr(h, q1);
    if (!p)
        p = strstr(h, q2);
    if (!p)
        return NULL;
    p += strlen(q1);
    while (isspace((unsigned char)*p))
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

static int parse_header(const char *path, const char *h, npy_hdr *o)
{
    const char *d = dict_value(h, "descr"), *f = dict_value(h, "fortran_order"), *s = dict_value(h, "shape");
    if (!d || !f || !s)
        return YM_ERROR(YM_EFORMAT, "%s: NPY header lacks descr, fortran_order or shape", path);
    if (*d != '\'' && *d != '"')
        return YM_ERROR(YM_EFORMAT, "%s: NPY structured dtypes are not supported (one numeric type needed)", path);
    char q = *d++;
    char bo = *d;
    if (bo == '<' || bo == '>' || bo == '|' || bo == '=')
        d++;
    else
        bo = '=';
    if (!*d) /* the header ends inside descr: reading on would leave the buffer */
        return YM_ERROR(YM_EFORMAT, "%s: NPY descr is malformed", path);
    o->kind = *d++;
    char *end;
    long size = strtol(d, &end, 10);
    if (*end != q || end == d)
        return YM_ERROR(YM_EFORMAT, "%s: NPY descr is malformed", path);
    o->size = (int)size;
    int ok = (o->kind == 'i' && size == 2) || (o->kind == 'u' && size == 2) ||
             (o->kind == 'f' && (size == 4 || size == 8)) || (o->kind == 'c' && (size == 8 || size == 16));
    if (!ok)
        return YM_ERROR(YM_EFORMAT,
                        "%s: NPY dtype %c%ld is not supported (int16, uint16, float32, float64, complex64, "
                        "complex128)",
                        path, o->kind, size);
    if (bo == '|')
        return YM_ERROR(YM_EFORMAT, "%s: NPY byte order '|' is not valid for a %ld-byte type", path, size);
    const unsigned one = 1;
    int host_little = *(const unsigned char *)&one == 1;
    o->big = bo == '>' || (bo == '=' && !host_little);
    if (!strncmp(f, "True", 4))
        o->fortran = 1;
    else if (!strncmp(f, "False", 5))
        o->fortran = 0;
    else
        return YM_ERROR(YM_EFORMAT, "%s: NPY fortran_order is neither True nor False", path);
    if (*s != '(')
        return YM_ERROR(YM_EFORMAT, "%s: NPY shape is not a tuple", path);
    s++;
    o->ndim = 0;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (*s == ')')
            break;
        if (!isdigit((unsigned char)*s))
            return YM_ERROR(YM_EFORMAT, "%s: NPY shape is malformed", path);
        if (o->ndim == 3)
            return YM_ERROR(YM_EFORMAT, "%s: NPY array has more than 3 dimensions", path);
        unsigned long long v = strtoull(s, &end, 10);
        if (end - s > 15)
            return YM_ERROR(YM_EFORMAT, "%s: NPY shape entry is absurdly large", path);
        o->shape[o->ndim++] = v;
        s = end;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == 'L') /* Python 2 longs */
            s++;
        if (*s == ',')
            s++;
        else if (*s != ')')
            return YM_ERROR(YM_EFORMAT, "%s: NPY shape is malformed", path);
    }
    return YM_OK;
}

/* Element e (of size bytes) as a double, in host order. */
static double value_at(const unsigned char *p, const npy_hdr *h)
{
    unsigned char b[8];
    int n = h->kind == 'c' ? h->size / 2 : h->size;
    const unsigned one = 1;
    int swap = h->big == (*(const unsigned char *)&one == 1);
    for (int i = 0; i < n; i++)
        b[i] = swap ? p[n - 1 - i] : p[i];
    switch (h->kind) {
    case 'i': {
        int16_t v;
        memcpy(&v, b, 2);
        return v;
    }
    case 'u': {
        uint16_t v;
        memcpy(&v, b, 2);
        return v;
    }
    default:
        if (n == 4) {
            float v;
            memcpy(&v, b, 4);
            return v;
        } else {
            double v;
            memcpy(&v, b, 8);
            return v;
        }
    }
}

int ym_act_npy(ym_recording **out, const char *path, double rate)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return YM_ERROR(YM_EIO, "%s: cannot open", path);
    int st = YM_OK;
    char *h = NULL;
    unsigned char *raw = NULL;
    unsigned char pre[12];
    struct stat sb;
    long long fsize = 0;
    if (fstat(fileno(f), &sb))
        st = YM_ERROR(YM_EIO, "%s: cannot stat", path);
    else
        fsize = (long long)sb.st_size;
    if (!st && (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)))
        st = YM_ERROR(YM_EFORMAT, "%s: not an NPY file (magic \\x93NUMPY missing)", path);
    unsigned long hlen = 0;
    long long hstart = 0;
    if (!st) {
        int major = pre[6];
        if (major == 1) {
            hlen = pre[8] | (unsigned long)pre[9] << 8;
            hstart = 10;
        } else if (major == 2 || major == 3) {
            if (fread(pre + 10, 1, 2, f) != 2)
                st = YM_ERROR(YM_EFORMAT, "%s: NPY file truncated in its preamble", path);
            hlen = pre[8] | (unsigned long)pre[9] << 8 | (unsigned long)pre[10] << 16 | (unsigned long)pre[11] << 24;
            hstart = 12;
        } else {
            st = YM_ERROR(YM_EFORMAT, "%s: NPY version %d.%d is not supported (1-3)", path, major, pre[7]);
        }
    }
    if (!st && (hlen == 0 || hlen > NPY_HEADER_MAX || hstart + (long long)hlen > fsize))
        st = YM_ERROR(YM_EFORMAT, "%s: NPY header length %lu does not fit the file (%lld bytes)", path, hlen, fsize);
    if (!st && !(h = malloc(hlen + 1)))
        st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    if (!st && fread(h, 1, hlen, f) != hlen)
        st = YM_ERROR(YM_EFORMAT, "%s: NPY header truncated", path);
    npy_hdr hd;
    memset(&hd, 0, sizeof hd);
    if (!st) {
        h[hlen] = '\0';
        if (strlen(h) != hlen)
            st = YM_ERROR(YM_EFORMAT, "%s: NPY header contains a NUL byte", path);
    }
    if (!st)
        st = parse_header(path, h, &hd);
    uint64_t nch = 0, nb = 0, ns = 0;
    if (!st) {
        if (hd.kind == 'c') {
            if (hd.ndim != 3)
                st = YM_ERROR(YM_EFORMAT, "%s: a complex NPY array must be 3-D (channels, bands, samples), not %d-D",
                              path, hd.ndim);
            nch = hd.shape[0], nb = hd.shape[1], ns = hd.shape[2];
        } else if (hd.ndim == 1) {
            nch = 1, ns = hd.shape[0];
        } else if (hd.ndim == 2) {
            nch = hd.shape[0], ns = hd.shape[1];
        } else {
            st = YM_ERROR(YM_EFORMAT, "%s: a real NPY array must be 1-D or 2-D (channels, samples), not %d-D", path,
                          hd.ndim);
        }
    }
    double count = 0;
    if (!st) {
        count = (double)nch * (double)(nb ? nb : 1) * (double)ns;
        if (nch < 1 || ns < 1 || (hd.kind == 'c' && nb < 1))
            st = YM_ERROR(YM_EFORMAT, "%s: NPY array has an empty dimension", path);
        else if (nch > 1000000000 || nb > 1000000 || count * (hd.kind == 'c' ? 2 : 1) > YM_ACT_MAX_VALUES)
            st = YM_ERROR(YM_EFORMAT, "%s: NPY shape is absurdly large", path);
        else if ((long long)count * hd.size != fsize - hstart - (long long)hlen)
            st = YM_ERROR(YM_EFORMAT, "%s: NPY data is %lld bytes, the shape needs %lld (%s)", path,
                          fsize - hstart - (long long)hlen, (long long)count * hd.size,
                          (long long)count * hd.size > fsize - hstart - (long long)hlen ? "truncated"
                                                                                         : "trailing bytes");
    }
    if (!st && !(isfinite(rate) && rate > 0))
        st = YM_ERROR(YM_EINVAL, "%s: an NPY file has no sampling rate: give one (--rate HZ), not %g", path, rate);
    size_t nbytes = (size_t)count * (size_t)hd.size;
    if (!st && !(raw = malloc(nbytes)))
        st = YM_ERROR(YM_ENOMEM, "%s: out of memory for %zu bytes", path, nbytes);
    if (!st && fread(raw, 1, nbytes, f) != nbytes)
        st = YM_ERROR(YM_EIO, "%s: read error", path);
    if (!st)
        st = ym_recording_create(out, (int)nch, (int)nb, (int64_t)ns, rate);
    if (!st) {
        size_t n0 = (size_t)hd.shape[0], n1 = hd.ndim > 1 ? (size_t)hd.shape[1] : 1;
        size_t esz = (size_t)hd.size;
        for (size_t c = 0; c < nch; c++) {
            for (size_t b = 0; b < (nb ? nb : 1); b++) {
                double *d = nb ? ym_recording_cdata(*out, (int)c, (int)b) : ym_recording_data(*out, (int)c);
                for (size_t t = 0; t < ns; t++) {
                    size_t e;
                    if (hd.ndim == 1)
                        e = t;
                    else if (hd.ndim == 2)
                        e = hd.fortran ? c + n0 * t : c * ns + t;
                    else
                        e = hd.fortran ? c + n0 * (b + n1 * t) : (c * n1 + b) * ns + t;
                    const unsigned char *p = raw + e * esz;
                    if (nb) {
                        d[2 * t] = value_at(p, &hd);
                        d[2 * t + 1] = value_at(p + esz / 2, &hd);
                    } else {
                        d[t] = value_at(p, &hd);
                    }
                }
            }
        }
        if (hd.kind == 'c')
            ym_act_note("%s: complex array of %llu channels x %llu bands x %llu samples taken as analytic signals",
                        path, (unsigned long long)nch, (unsigned long long)nb, (unsigned long long)ns);
    }
    fclose(f);
    free(h);
    free(raw);
    if (st) {
        ym_recording_free(*out);
        *out = NULL;
    }
    return st;
}
