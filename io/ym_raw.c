/* Parallel reading and writing of the ymflow raw format. */
#include "ym_raw.h"
#include "ym_ioutil.h"
#include "ym_status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "ymflow-raw 1\n"
#define HEADER_MAX 4096

static int parse_header(const char *path, const char *text, size_t len, ym_raw_header *h)
{
    if (len < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)) != 0)
        return YM_ERROR(YM_EFORMAT, "%s: not a ymflow raw file (no 'ymflow-raw 1' header)", path);
    const char *end = strstr(text, "\nend\n");
    if (!end) return YM_ERROR(YM_EFORMAT, "%s: header has no 'end' line within %d bytes", path, HEADER_MAX);
    int got_n = 0, got_dims = 0, got_prec = 0, got_sum = 0;
    const char *p = text + strlen(MAGIC);
    while (p <= end) {
        const char *nl = strchr(p, '\n');
        char line[256];
        size_t n = (size_t)(nl - p);
        if (n >= sizeof line) return YM_ERROR(YM_EFORMAT, "%s: header line too long", path);
        memcpy(line, p, n);
        line[n] = '\0';
        char extra;
        int prec;
        unsigned s29, s31;
        if (sscanf(line, "N %d %c", &h->N, &extra) == 1) got_n = 1;
        else if (sscanf(line, "dims %d %d %d %d %c", &h->L[0], &h->L[1], &h->L[2], &h->L[3], &extra) == 4)
            got_dims = 1;
        else if (sscanf(line, "precision %d %c", &prec, &extra) == 1) {
            if (prec != 64) return YM_ERROR(YM_EFORMAT, "%s: precision %d is not supported (only 64)", path, prec);
            got_prec = 1;
        } else if (sscanf(line, "checksum %x %x %c", &s29, &s31, &extra) == 2) {
            h->sum29 = s29;
            h->sum31 = s31;
            got_sum = 1;
        } else
            return YM_ERROR(YM_EFORMAT, "%s: unknown header line '%s'", path, line);
        p = nl + 1;
    }
    if (!got_n || !got_dims || !got_prec || !got_sum)
        return YM_ERROR(YM_EFORMAT, "%s: header lacks the %s line", path,
                        !got_n ? "N" : !got_dims ? "dims" : !got_prec ? "precision" : "checksum");
    if (h->N < 1 || h->N > YM_NMAX) return YM_ERROR(YM_EFORMAT, "%s: N = %d is outside 1..%d", path, h->N, YM_NMAX);
    for (int mu = 0; mu < 4; ++mu)
        if (h->L[mu] < 1 || h->L[mu] > YM_LMAX)
            return YM_ERROR(YM_EFORMAT, "%s: dims entry %d = %d is outside 1..%d", path, mu, h->L[mu], YM_LMAX);
    h->data_offset = (long long)(end - text) + 5;
    return YM_OK;
}

static int parse_file(const char *path, FILE *f, unsigned char *text, size_t n, long long size, void *out)
{
    ym_raw_header *h = out;
    (void)f;
    if (n == 0) return YM_ERROR(YM_EFORMAT, "%s: empty file", path);
    /* a NUL inside the header reads as "no end line" */
    int st = parse_header(path, (const char *)text, n, h);
    if (st == YM_OK) {
        double bytes = (double)h->L[0] * h->L[1] * h->L[2] * h->L[3] * 4.0 * h->N * h->N * 16.0;
        double want = (double)h->data_offset + bytes;
        if ((double)size != want)
            st = YM_ERROR(YM_EFORMAT, "%s: size is %lld bytes but the header implies %.0f (truncated or padded)", path,
                          size, want);
    }
    return st;
}

int ym_raw_read_header(MPI_Comm comm, const char *path, ym_raw_header *h)
{
    return ym_io_read_header(comm, path, HEADER_MAX, parse_file, h, sizeof *h);
}

int ym_raw_read(ym_gauge *u, const char *path) { return ym_raw_read_flags(u, path, 0, NULL); }

int ym_raw_read_flags(ym_gauge *u, const char *path, unsigned flags, int *checksum_bad)
{
    if (checksum_bad) *checksum_bad = 0;
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    ym_raw_header h;
    int st = ym_raw_read_header(comm, path, &h);
    if (st) return st;
    int N = ym_gauge_N(u);
    const int *L = ym_grid_L(ym_geom_grid(g));
    if (h.N != N || memcmp(h.L, L, sizeof h.L) != 0)
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: holds SU(%d) on %dx%dx%dx%d, expected SU(%d) on %dx%dx%dx%d",
                                              path, h.N, h.L[0], h.L[1], h.L[2], h.L[3], N, L[0], L[1], L[2], L[3]));
    size_t site_doubles = 4 * 2 * (size_t)N * N, site_bytes = 8 * site_doubles;
    int nloc = ym_geom_ninterior(g);
    unsigned char *buf = NULL;
    st = ym_io_read_sites(g, path, h.data_offset, site_bytes, &buf);
    if (st) return st;
    uint32_t sums[2];
    ym_io_scidac_sums(g, buf, site_bytes, sums);
    if ((sums[0] != h.sum29 || sums[1] != h.sum31) && (flags & YM_IO_ACCEPT_BAD_CHECKSUM)) {
        if (checksum_bad) *checksum_bad = 1;
    } else if (sums[0] != h.sum29 || sums[1] != h.sum31) {
        free(buf);
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: checksum mismatch: header %x %x, data %x %x", path,
                                              h.sum29, h.sum31, sums[0], sums[1]));
    }
    if (ym_io_is_little()) ym_io_swap(buf, site_doubles * (size_t)nloc, 8);
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < nloc; ++i) memcpy(ym_gauge_link(u, in[i], 0), buf + (size_t)i * site_bytes, site_bytes);
    free(buf);
    return ym_io_check_links(u, path, 0, 1e-12, NULL);
}

int ym_raw_write(ym_gauge *u, const char *path, int overwrite)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int N = ym_gauge_N(u);
    size_t site_doubles = 4 * 2 * (size_t)N * N, site_bytes = 8 * site_doubles;
    int nloc = ym_geom_ninterior(g);
    unsigned char *buf = malloc(site_bytes * (size_t)nloc + 1);
    int st = ym_status_agree(comm, buf ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for the write buffer", path));
    if (st) return st;
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < nloc; ++i) memcpy(buf + (size_t)i * site_bytes, ym_gauge_link(u, in[i], 0), site_bytes);
    if (ym_io_is_little()) ym_io_swap(buf, site_doubles * (size_t)nloc, 8);
    uint32_t sums[2];
    ym_io_scidac_sums(g, buf, site_bytes, sums);
    const int *L = ym_grid_L(ym_geom_grid(g));
    char header[512];
    int hlen = snprintf(header, sizeof header, MAGIC "N %d\ndims %d %d %d %d\nprecision 64\nchecksum %08x %08x\nend\n",
                        N, L[0], L[1], L[2], L[3], sums[0], sums[1]);
    st = ym_io_write_sites(g, path, overwrite, header, (size_t)hlen, buf, site_bytes, NULL, 0);
    free(buf);
    return st;
}
