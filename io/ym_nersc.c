/* NERSC reading and writing (see ym_nersc.h). */
#include "ym_nersc.h"
#include "ym_curv.h"
#include "ym_ioutil.h"
#include "ym_status.h"
#include "ym_sum.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MILC embeds its whole info file in the header, so allow a generous one. */
#define HEADER_MAX 65536

static double norm2c(ym_cplx z) { return creal(z) * creal(z) + cimag(z) * cimag(z); }

static int is_small(const ym_config_info *info) { return !strcmp(info->datatype, "4D_SU3_GAUGE_SMALL"); }

static int parse_header(const char *path, char *text, long long fsize, ym_config_info *info)
{
    if (strncmp(text, "BEGIN_HEADER", 12) != 0)
        return YM_ERROR(YM_EFORMAT, "%s: not a NERSC file (no BEGIN_HEADER)", path);
    char *end = strstr(text, "END_HEADER");
    if (!end) return YM_ERROR(YM_EFORMAT, "%s: no END_HEADER within the first %d bytes", path, HEADER_MAX);
    char *nl = strchr(end, '\n');
    if (!nl) return YM_ERROR(YM_EFORMAT, "%s: END_HEADER line is not terminated", path);
    info->data_offset = (long long)(nl + 1 - text);
    *end = '\0';
    int have_dim[4] = {0, 0, 0, 0}, have_sum = 0, fp = 0; /* fp: 0 unknown, else bits, sign: big */
    char dtype[64] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char key[64], val[1024];
        if (sscanf(line, " %63[^= \t] = %1023[^\r\n]", key, val) != 2) continue;
        int d;
        unsigned cs;
        char extra;
        if (sscanf(key, "DIMENSION_%d", &d) == 1 && d >= 1 && d <= 4) {
            if (sscanf(val, "%d %c", &info->L[d - 1], &extra) != 1)
                return YM_ERROR(YM_EFORMAT, "%s: %s = '%s' is not an integer", path, key, val);
            have_dim[d - 1] = 1;
        } else if (!strcmp(key, "DATATYPE"))
            snprintf(dtype, sizeof dtype, "%.63s", val);
        else if (!strcmp(key, "CHECKSUM")) {
            if (sscanf(val, "%x %c", &cs, &extra) != 1)
                return YM_ERROR(YM_EFORMAT, "%s: CHECKSUM = '%s' is not hexadecimal", path, val);
            info->sum[0] = cs;
            have_sum = 1;
        } else if (!strcmp(key, "PLAQUETTE")) {
            if (sscanf(val, "%lf %c", &info->plaquette, &extra) != 1)
                return YM_ERROR(YM_EFORMAT, "%s: PLAQUETTE = '%s' is not a number", path, val);
            info->has_plaquette = 1;
        } else if (!strcmp(key, "LINK_TRACE")) {
            if (sscanf(val, "%lf %c", &info->link_trace, &extra) != 1)
                return YM_ERROR(YM_EFORMAT, "%s: LINK_TRACE = '%s' is not a number", path, val);
            info->has_link_trace = 1;
        } else if (!strcmp(key, "FLOATING_POINT")) {
            char v[32];
            sscanf(val, "%31s", v);
            if (!strcmp(v, "IEEE32") || !strcmp(v, "IEEE32BIG")) fp = 32;
            else if (!strcmp(v, "IEEE32LITTLE")) fp = -32;
            else if (!strcmp(v, "IEEE64BIG")) fp = 64;
            else if (!strcmp(v, "IEEE64LITTLE")) fp = -64;
            else
                return YM_ERROR(YM_EFORMAT, "%s: FLOATING_POINT = '%s', expected IEEE32[BIG|LITTLE] or IEEE64BIG|LITTLE",
                                path, v);
        }
    }
    for (int mu = 0; mu < 4; ++mu) {
        if (!have_dim[mu]) return YM_ERROR(YM_EFORMAT, "%s: header lacks DIMENSION_%d", path, mu + 1);
        if (info->L[mu] < 1 || info->L[mu] > YM_LMAX)
            return YM_ERROR(YM_EFORMAT, "%s: DIMENSION_%d = %d is outside 1..%d", path, mu + 1, info->L[mu], YM_LMAX);
    }
    int N, n1, n2;
    char extra;
    if (!dtype[0]) return YM_ERROR(YM_EFORMAT, "%s: header lacks DATATYPE", path);
    if (!strcmp(dtype, "4D_SU3_GAUGE_SMALL")) N = 3, info->rows = 3; /* 8 reals per link (GLU), sized below */
    else if (sscanf(dtype, "4D_SU%d_GAUGE_%dx%d%c", &N, &n1, &n2, &extra) == 3 && n1 == N && n2 == N) info->rows = N;
    else if (sscanf(dtype, "4D_SU%d_GAUGE%c", &N, &extra) == 1 && (N == 3 || N == 2)) info->rows = N - 1;
    else
        return YM_ERROR(YM_EFORMAT, "%s: DATATYPE = '%s' is not supported (4D_SU3_GAUGE, 4D_SU<N>_GAUGE_<N>x<N>)", path,
                        dtype);
    if (N < 2 || N > YM_NMAX) return YM_ERROR(YM_EFORMAT, "%s: DATATYPE %s: N outside 2..%d", path, dtype, YM_NMAX);
    info->N = N;
    snprintf(info->datatype, sizeof info->datatype, "%s", dtype);
    info->has_checksum = have_sum;
    info->nchecksum = 1;
    double words = (double)info->L[0] * info->L[1] * info->L[2] * info->L[3] * 4.0 *
                   (is_small(info) ? YM_NERSC_SMALL_REALS : info->rows * N * 2);
    double payload = (double)fsize - (double)info->data_offset;
    if (fp == 0) {
        /* Absent FLOATING_POINT (MILC's NERSC writer): precision from the
         * size, byte order settled by the checksum when reading. */
        fp = payload == 4 * words ? 32 : payload == 8 * words ? 64 : 0;
        if (!fp)
            return YM_ERROR(YM_EFORMAT, "%s: %.0f bytes of links fit neither 32- nor 64-bit %s on %dx%dx%dx%d", path,
                            payload, dtype, info->L[0], info->L[1], info->L[2], info->L[3]);
        info->big_endian = -1;
    } else
        info->big_endian = fp > 0;
    info->precision = fp < 0 ? -fp : fp;
    double want = words * info->precision / 8;
    if (payload != want)
        return YM_ERROR(YM_EFORMAT, "%s: %.0f bytes of links after the header, expected %.0f (%s, %d bit, %dx%dx%dx%d)",
                        path, payload, want, dtype, info->precision, info->L[0], info->L[1], info->L[2], info->L[3]);
    info->format = YM_FMT_NERSC;
    return YM_OK;
}

static int parse_text(const char *path, FILE *f, unsigned char *head, size_t got, long long size, void *out)
{
    (void)f;
    (void)got;
    return parse_header(path, (char *)head, size, out);
}

int ym_nersc_read_header(MPI_Comm comm, const char *path, ym_config_info *info)
{
    return ym_io_read_header(comm, path, HEADER_MAX, parse_text, info, sizeof *info);
}

/* Local sum of the stored 32-bit words read in byte order big (1) or little. */
static uint32_t word_sum(const unsigned char *p, size_t nbytes, int big)
{
    uint32_t s = 0;
    for (size_t k = 0; k + 4 <= nbytes; k += 4)
        s += big ? ym_io_be32(p + k) : (uint32_t)p[k] | (uint32_t)p[k + 1] << 8 | (uint32_t)p[k + 2] << 16 | (uint32_t)p[k + 3] << 24;
    return s;
}

static uint32_t global_sum(const ym_geom *g, uint32_t s)
{
    uint64_t v = s, t = 0;
    MPI_Allreduce(&v, &t, 1, MPI_UINT64_T, MPI_SUM, ym_grid_comm(ym_geom_grid(g)));
    return (uint32_t)t;
}

static int verify_sum(const ym_geom *g, const char *path, unsigned char *buf, size_t site_bytes, ym_config_info *info)
{
    size_t n = site_bytes * (size_t)ym_geom_ninterior(g);
    if (info->big_endian < 0) {
        uint32_t sb = global_sum(g, word_sum(buf, n, 1)), sl = global_sum(g, word_sum(buf, n, 0));
        if (!info->has_checksum)
            return YM_ERROR(YM_EFORMAT, "%s: neither FLOATING_POINT nor CHECKSUM given: byte order unknown", path);
        if (sb != info->sum[0] && sl != info->sum[0])
            return YM_ERROR(YM_EFORMAT, "%s: NERSC checksum mismatch: stored %08x, data %08x (big-endian) / %08x (little)",
                            path, info->sum[0], sb, sl);
        info->big_endian = sb == info->sum[0];
        info->checksum_ok = 1;
        return YM_OK;
    }
    if (!info->has_checksum) return YM_OK;
    uint32_t s = global_sum(g, word_sum(buf, n, info->big_endian));
    if (s != info->sum[0] && (info->flags & YM_CONFIG_ACCEPT_BAD_CHECKSUM)) {
        info->checksum_bad = 1;
        return YM_OK;
    }
    if (s != info->sum[0])
        return YM_ERROR(YM_EFORMAT, "%s: NERSC checksum mismatch: stored %08x, data %08x", path, info->sum[0], s);
    info->checksum_ok = 1;
    return YM_OK;
}


/* GLU's 8-real SU(3) link (4D_SU3_GAUGE_SMALL): p = Re, Im U01, Re, Im U02,
 * Re, Im U10, arg U00, arg U20. |U00| and |U20| follow from unit rows /
 * columns; the 2x2 lower-right block from unitarity and det U = 1. */
static void small_decode(const double *p, ym_cplx *u)
{
    ym_cplx u01 = p[0] + I * p[1], u02 = p[2] + I * p[3], u10 = p[4] + I * p[5];
    double r1 = norm2c(u01) + norm2c(u02);
    if (r1 < 1e-300) { /* GLU writes the identity so */
        for (int k = 0; k < 9; ++k) u[k] = k % 4 == 0;
        return;
    }
    double a2 = 1 - r1;
    ym_cplx u00 = (a2 > 0 ? sqrt(a2) : 0) * cexp(I * p[6]);
    double c2 = 1 - norm2c(u00) - norm2c(u10);
    ym_cplx u20 = (c2 > 0 ? sqrt(c2) : 0) * cexp(I * p[7]);
    ym_cplx cu00 = conj(u00);
    u[0] = u00, u[1] = u01, u[2] = u02;
    u[3] = u10;
    u[4] = (-conj(u20 * u02) - u10 * cu00 * u01) / r1;
    u[5] = (conj(u20 * u01) - cu00 * u02 * u10) / r1;
    u[6] = u20;
    u[7] = (conj(u10 * u02) - cu00 * u20 * u01) / r1;
    u[8] = (-conj(u10 * u01) - cu00 * u20 * u02) / r1;
}

static int read_small(ym_gauge *u, const char *path, ym_config_info *info)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    const int prec = info->precision / 8;
    const size_t site_bytes = 4 * YM_NERSC_SMALL_REALS * (size_t)prec;
    if (ym_gauge_N(u) != 3 || memcmp(info->L, ym_grid_L(ym_geom_grid(g)), sizeof info->L))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: field does not match the file (SU(3) %dx%dx%dx%d)", path,
                                              info->L[0], info->L[1], info->L[2], info->L[3]));
    if (info->big_endian < 0)
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: 4D_SU3_GAUGE_SMALL needs FLOATING_POINT", path));
    unsigned char *buf;
    int st = ym_io_read_sites(g, path, info->data_offset, site_bytes, &buf);
    if (st) return st;
    st = ym_status_agree(comm, verify_sum(g, path, buf, site_bytes, info));
    int nloc = ym_geom_ninterior(g);
    const int *in = ym_geom_interior(g);
    if (!st && info->big_endian == ym_io_is_little()) ym_io_swap(buf, site_bytes * (size_t)nloc / prec, (size_t)prec);
    for (int i = 0; !st && i < nloc; ++i)
        for (int mu = 0; mu < 4; ++mu) {
            double p[YM_NERSC_SMALL_REALS];
            const unsigned char *q = buf + (size_t)i * site_bytes + (size_t)mu * YM_NERSC_SMALL_REALS * prec;
            for (int k = 0; k < YM_NERSC_SMALL_REALS; ++k) {
                if (prec == 8) memcpy(&p[k], q + 8 * k, 8);
                else {
                    float v;
                    memcpy(&v, q + 4 * k, 4);
                    p[k] = v;
                }
            }
            small_decode(p, ym_gauge_link(u, in[i], mu));
        }
    free(buf);
    if (st) return st;
    /* Rebuilt links are unitary to rounding; single precision is projected. */
    st = ym_io_check_links(u, path, prec == 4, prec == 4 ? 1e-5 : 1e-12, &info->max_reunit);
    if (prec == 8) info->max_reunit = 0;
    return st;
}

int ym_nersc_read(ym_gauge *u, const char *path, ym_config_info *info)
{
    int st = is_small(info) ? read_small(u, path, info) : ym_io_read_links(u, path, info, verify_sum, NULL);
    if (st) return st;
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(ym_gauge_geom(u)));
    ym_plaquette p;
    double tr;
    if ((st = ym_gauge_plaquette(u, &p))) return st;
    if ((st = ym_io_link_trace(u, &tr))) return st;
    info->plaquette_read = p.total;
    /* Headers print about 10 significant digits; single precision data
     * moves the plaquette by ~1e-7. */
    double tol = info->precision == 32 ? 2e-6 : 1e-8;
    if (info->has_plaquette && !(fabs(p.total - info->plaquette) <= tol))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: PLAQUETTE in the header %.10g, links give %.10g (tolerance %g)",
                                              path, info->plaquette, p.total, tol));
    if (info->has_link_trace && !(fabs(tr - info->link_trace) <= tol))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: LINK_TRACE in the header %.10g, links give %.10g (tolerance %g)",
                                              path, info->link_trace, tr, tol));
    return YM_OK;
}

/* The metadata as header lines, appended to b; YM_EINVAL for a line the
 * header cannot hold. */
static int meta_lines(const char *path, const char *meta, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!meta || !*meta) return YM_OK;
    char *mem = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&mem, &n);
    if (!f) return YM_ERROR(YM_ENOMEM, "%s: out of memory for the header", path);
    int st = YM_OK, k = 0;
    for (const char *p = meta; !st && *p;) {
        size_t l = strcspn(p, "\n");
        const char *q = p;
        p += l + (p[l] == '\n');
        if (l && q[l - 1] == '\r') --l;
        if (!l) continue;
        for (size_t i = 0; !st && i < l; ++i)
            if ((unsigned char)q[i] < 0x20 || (unsigned char)q[i] > 0x7e)
                st = YM_ERROR(YM_EINVAL, "%s: metadata line %d has a byte 0x%02x a NERSC header cannot hold", path, k + 1,
                              (unsigned char)q[i]);
        char line[YM_NERSC_METADATA_LINE + 1];
        if (!st && l > YM_NERSC_METADATA_LINE)
            st = YM_ERROR(YM_EINVAL, "%s: metadata line %d is %zu bytes, more than %d", path, k + 1, l,
                          YM_NERSC_METADATA_LINE);
        if (!st) {
            memcpy(line, q, l);
            line[l] = '\0';
            if (strstr(line, "END_HEADER") || strstr(line, "BEGIN_HEADER"))
                st = YM_ERROR(YM_EINVAL, "%s: metadata line %d contains BEGIN_HEADER/END_HEADER", path, k + 1);
        }
        if (!st) fprintf(f, "%s%03d = %s\n", YM_NERSC_METADATA_KEY, ++k, line);
    }
    if (fclose(f) != 0 && !st) st = YM_ERROR(YM_ENOMEM, "%s: out of memory for the header", path);
    if (st) free(mem);
    else *out = mem, *len = n;
    return st;
}

int ym_nersc_read_metadata(MPI_Comm comm, const char *path, char **text)
{
    int rank, st = YM_OK;
    long long n = 0;
    char *out = NULL;
    MPI_Comm_rank(comm, &rank);
    *text = NULL;
    if (rank == 0) {
        FILE *f = fopen(path, "rb");
        char *h = malloc(HEADER_MAX + 1);
        if (!f) st = YM_ERROR(YM_EIO, "%s: cannot open", path);
        else if (!h) st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
        else {
            size_t got = fread(h, 1, HEADER_MAX, f);
            h[got] = '\0';
            char *end = strstr(h, "END_HEADER");
            if (strncmp(h, "BEGIN_HEADER", 12) != 0 || !end) st = YM_ERROR(YM_EFORMAT, "%s: not a NERSC header", path);
            else *end = '\0';
        }
        /* Entries in number order: collect (number, line) pairs, sort. */
        typedef struct {
            long k;
            const char *v;
            size_t l;
        } ent;
        ent *e = NULL;
        int ne = 0;
        const size_t kl = strlen(YM_NERSC_METADATA_KEY);
        for (char *line = st ? NULL : strtok(h, "\n"); !st && line; line = strtok(NULL, "\n")) {
            while (*line == ' ' || *line == '\t') ++line;
            char *endp;
            if (strncmp(line, YM_NERSC_METADATA_KEY, kl)) continue;
            long k = strtol(line + kl, &endp, 10);
            while (*endp == ' ' || *endp == '\t') ++endp;
            if (endp == line + kl || *endp != '=') continue;
            ++endp;
            while (*endp == ' ' || *endp == '\t') ++endp;
            ent *ne2 = realloc(e, sizeof *e * (size_t)(ne + 1));
            if (!ne2) {
                st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
                break;
            }
            e = ne2;
            e[ne].k = k;
            e[ne].v = endp;
            e[ne].l = strcspn(endp, "\r");
            n += (long long)e[ne].l + 1;
            ++ne;
        }
        for (int i = 1; i < ne; ++i) /* insertion sort: few entries, stable */
            for (int j = i; j > 0 && e[j - 1].k > e[j].k; --j) {
                ent t = e[j];
                e[j] = e[j - 1];
                e[j - 1] = t;
            }
        if (!st && ne) {
            if (!(out = malloc((size_t)n + 1))) st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
            size_t o = 0;
            for (int i = 0; out && i < ne; ++i) {
                memcpy(out + o, e[i].v, e[i].l);
                o += e[i].l;
                out[o++] = '\n';
            }
            if (out) out[o] = '\0';
        }
        if (!ne) n = 0;
        free(e);
        free(h);
        if (f) fclose(f);
    }
    st = ym_status_agree(comm, st);
    if (st) {
        free(out);
        return st;
    }
    MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, comm);
    if (n == 0) return YM_OK;
    if (rank != 0) out = malloc((size_t)n + 1);
    st = ym_status_agree(comm, out ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory", path));
    if (st) {
        free(out);
        return st;
    }
    MPI_Bcast(out, (int)n + 1, MPI_CHAR, 0, comm);
    *text = out;
    return YM_OK;
}

int ym_nersc_write(ym_gauge *u, const char *path, int rows, int overwrite)
{
    return ym_nersc_write_ex(u, path, rows, overwrite, NULL);
}

int ym_nersc_write_ex(ym_gauge *u, const char *path, int rows, int overwrite, const char *metadata)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int N = ym_gauge_N(u), nloc = ym_geom_ninterior(g);
    if (!(rows == N || (rows == N - 1 && (N == 3 || N == 2))) || N < 2)
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: NERSC cannot store %d rows of SU(%d) links", path, rows, N));
    const int *L = ym_grid_L(ym_geom_grid(g));
    size_t link_bytes = (size_t)rows * N * 16, site_bytes = 4 * link_bytes;
    ym_plaquette p;
    double tr;
    char *meta = NULL;
    size_t mlen = 0;
    int st = ym_status_agree(comm, meta_lines(path, metadata, &meta, &mlen));
    if (st) return st;
    if (mlen > HEADER_MAX - 1024) {
        free(meta);
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: metadata of %zu bytes does not fit a NERSC header (%d)",
                                              path, mlen, HEADER_MAX));
    }
    st = ym_gauge_plaquette(u, &p);
    if (!st) st = ym_io_link_trace(u, &tr);
    if (st) {
        free(meta);
        return st;
    }
    unsigned char *buf = malloc(site_bytes * (size_t)nloc + 1);
    char *head = malloc(2048 + mlen);
    st = ym_status_agree(comm, buf && head ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for the write buffer", path));
    if (st) {
        free(buf);
        free(head);
        free(meta);
        return st;
    }
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < nloc; ++i)
        for (int mu = 0; mu < 4; ++mu)
            ym_io_encode_link(buf + (size_t)i * site_bytes + mu * link_bytes, 8, N, rows, ym_gauge_link(u, in[i], mu));
    if (ym_io_is_little()) ym_io_swap(buf, site_bytes * (size_t)nloc / 8, 8);
    uint32_t sum = global_sum(g, word_sum(buf, site_bytes * (size_t)nloc, 1));
    char dtype[64];
    if (rows == N - 1) snprintf(dtype, sizeof dtype, "4D_SU%d_GAUGE", N);
    else snprintf(dtype, sizeof dtype, "4D_SU%d_GAUGE_%dx%d", N, N, N);
    int hlen = snprintf(head, 2048,
                        "BEGIN_HEADER\nHDR_VERSION = 1.0\nDATATYPE = %s\nSTORAGE_FORMAT = 1.0\n"
                        "DIMENSION_1 = %d\nDIMENSION_2 = %d\nDIMENSION_3 = %d\nDIMENSION_4 = %d\n"
                        /* 12 digits: the plaquette sum is grid-independent
                         * to ~1e-15, and the header must be too */
                        "LINK_TRACE = %.12g\nPLAQUETTE = %.12g\n"
                        "BOUNDARY_1 = PERIODIC\nBOUNDARY_2 = PERIODIC\nBOUNDARY_3 = PERIODIC\nBOUNDARY_4 = PERIODIC\n"
                        "CHECKSUM = %08x\nENSEMBLE_ID = ymflow\nSEQUENCE_NUMBER = 0\nCREATOR = ymflow\n"
                        "FLOATING_POINT = IEEE64BIG\n",
                        dtype, L[0], L[1], L[2], L[3], tr, p.total, sum);
    if (mlen) memcpy(head + hlen, meta, mlen);
    hlen += (int)mlen;
    memcpy(head + hlen, "END_HEADER\n", 11);
    hlen += 11;
    st = ym_io_write_sites(g, path, overwrite, head, (size_t)hlen, buf, site_bytes, NULL, 0);
    free(buf);
    free(head);
    free(meta);
    return st;
}
