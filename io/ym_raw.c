/* Parallel reading and writing of the ymflow raw format. */
#include "ym_raw.h"
#include "ym_status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "ymflow-raw 1\n"
#define HEADER_MAX 4096

static uint32_t rotl(uint32_t v, unsigned r) { return r ? (v << r) | (v >> (32 - r)) : v; }

static int is_little(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static void swap8(void *buf, size_t n)
{
    unsigned char *p = buf;
    for (size_t i = 0; i < n; ++i, p += 8) {
        for (int k = 0; k < 4; ++k) {
            unsigned char t = p[k];
            p[k] = p[7 - k];
            p[7 - k] = t;
        }
    }
}

/* XOR-combined rotated per-site CRCs of the big-endian site records. */
static void site_checksums(const ym_geom *g, const unsigned char *buf, size_t site_bytes, uint32_t sums[2])
{
    const int *in = ym_geom_interior(g);
    sums[0] = sums[1] = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int64_t gi = ym_geom_global_index(g, in[i]);
        uint32_t c = (uint32_t)crc32(0L, buf + (size_t)i * site_bytes, (uInt)site_bytes);
        sums[0] ^= rotl(c, (unsigned)(gi % 29));
        sums[1] ^= rotl(c, (unsigned)(gi % 31));
    }
}

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

int ym_raw_read_header(MPI_Comm comm, const char *path, ym_raw_header *h)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    memset(h, 0, sizeof *h);
    if (rank == 0) {
        struct stat sb;
        FILE *f = NULL;
        if (stat(path, &sb) != 0) st = YM_ERROR(YM_EIO, "%s: cannot open: %s", path, strerror(errno));
        else if (S_ISDIR(sb.st_mode)) st = YM_ERROR(YM_EIO, "%s: is a directory", path);
        else if (!(f = fopen(path, "rb"))) st = YM_ERROR(YM_EIO, "%s: cannot open: %s", path, strerror(errno));
        if (st == YM_OK) {
            char text[HEADER_MAX + 1];
            size_t n = fread(text, 1, HEADER_MAX, f);
            text[n] = '\0';
            if (n == 0) st = YM_ERROR(YM_EFORMAT, "%s: empty file", path);
            else st = parse_header(path, text, n, h); /* a NUL inside the header reads as "no end line" */
            if (st == YM_OK) {
                double bytes = (double)h->L[0] * h->L[1] * h->L[2] * h->L[3] * 4.0 * h->N * h->N * 16.0;
                double want = (double)h->data_offset + bytes;
                if ((double)sb.st_size != want)
                    st = YM_ERROR(YM_EFORMAT, "%s: size is %lld bytes but the header implies %.0f (truncated or padded)",
                                  path, (long long)sb.st_size, want);
            }
        }
        if (f) fclose(f);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Bcast(h, (int)sizeof *h, MPI_BYTE, 0, comm);
    return YM_OK;
}

/* The file view selecting this rank's block of site records. */
static int block_type(const ym_geom *g, size_t site_bytes, MPI_Datatype *site, MPI_Datatype *view)
{
    const ym_grid *grid = ym_geom_grid(g);
    const int *L = ym_grid_L(grid), *l = ym_grid_local(grid), *o = ym_grid_origin(grid);
    int sizes[4] = {L[3], L[2], L[1], L[0]}, sub[4] = {l[3], l[2], l[1], l[0]}, start[4] = {o[3], o[2], o[1], o[0]};
    if (MPI_Type_contiguous((int)site_bytes, MPI_BYTE, site) != MPI_SUCCESS) return YM_EMPI;
    MPI_Type_commit(site);
    if (MPI_Type_create_subarray(4, sizes, sub, start, MPI_ORDER_C, *site, view) != MPI_SUCCESS) return YM_EMPI;
    MPI_Type_commit(view);
    return YM_OK;
}

int ym_raw_read(ym_gauge *u, const char *path)
{
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
    unsigned char *buf = malloc(site_bytes * (size_t)nloc);
    st = buf ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for the read buffer", path);
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Datatype site, view;
    MPI_File fh;
    if (MPI_File_open(comm, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) != MPI_SUCCESS) {
        free(buf);
        return ym_status_agree(comm, YM_ERROR(YM_EIO, "%s: MPI-IO cannot open the file", path));
    }
    st = block_type(g, site_bytes, &site, &view);
    if (st == YM_OK) {
        MPI_Status ms;
        int cnt = 0;
        MPI_File_set_view(fh, (MPI_Offset)h.data_offset, site, view, "native", MPI_INFO_NULL);
        if (MPI_File_read_all(fh, buf, nloc, site, &ms) != MPI_SUCCESS) st = YM_ERROR(YM_EIO, "%s: read failed", path);
        else {
            MPI_Get_count(&ms, site, &cnt);
            if (cnt != nloc) st = YM_ERROR(YM_EFORMAT, "%s: short read (%d of %d sites)", path, cnt, nloc);
        }
        MPI_Type_free(&view);
        MPI_Type_free(&site);
    } else
        st = YM_ERROR(YM_EMPI, "%s: cannot build the MPI file view", path);
    MPI_File_close(&fh);
    st = ym_status_agree(comm, st);
    if (st) {
        free(buf);
        return st;
    }
    uint32_t sums[2];
    site_checksums(g, buf, site_bytes, sums);
    MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_UINT32_T, MPI_BXOR, comm);
    if (sums[0] != h.sum29 || sums[1] != h.sum31) {
        free(buf);
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: checksum mismatch: header %x %x, data %x %x", path,
                                              h.sum29, h.sum31, sums[0], sums[1]));
    }
    if (is_little()) swap8(buf, site_doubles * (size_t)nloc);
    const int *in = ym_geom_interior(g);
    double worst = 0;
    int64_t worst_site = -1;
    for (int i = 0; i < nloc; ++i) {
        const double *src = (const double *)(buf + (size_t)i * site_bytes);
        double *dst = (double *)ym_gauge_link(u, in[i], 0);
        memcpy(dst, src, site_bytes);
        for (int mu = 0; mu < 4; ++mu) {
            const ym_cplx *l = ym_gauge_link(u, in[i], mu);
            double dev = ym_su_unitarity(N, l);
            double dd = cabs(ym_su_det(N, l) - 1);
            if (dd > dev || isnan(dd)) dev = dd;
            if (!(dev <= worst)) {
                worst = dev;
                worst_site = ym_geom_global_index(g, in[i]);
            }
        }
    }
    free(buf);
    struct {
        double v;
        int r;
    } loc = {isnan(worst) ? INFINITY : worst, ym_grid_rank(ym_geom_grid(g))}, glob;
    MPI_Allreduce(&loc, &glob, 1, MPI_DOUBLE_INT, MPI_MAXLOC, comm);
    MPI_Bcast(&worst_site, 1, MPI_INT64_T, glob.r, comm);
    if (!(glob.v <= 1e-12))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT,
                                              "%s: link at site %lld is %s (deviation from SU(%d) %.3g, allowed 1e-12)",
                                              path, (long long)worst_site, isinf(glob.v) ? "not finite" : "not in SU(N)",
                                              N, glob.v));
    return ym_gauge_halo_update(u);
}

int ym_raw_write(ym_gauge *u, const char *path, int overwrite)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int rank, st = YM_OK, N = ym_gauge_N(u);
    MPI_Comm_rank(comm, &rank);
    char tmp[4096];
    if (rank == 0) {
        struct stat sb;
        if (!overwrite && stat(path, &sb) == 0)
            st = YM_ERROR(YM_EIO, "%s: exists; refusing to overwrite (use --force)", path);
        else if (snprintf(tmp, sizeof tmp, "%s.ymtmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
            st = YM_ERROR(YM_EIO, "%s: path too long", path);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Bcast(tmp, sizeof tmp, MPI_CHAR, 0, comm);

    size_t site_doubles = 4 * 2 * (size_t)N * N, site_bytes = 8 * site_doubles;
    int nloc = ym_geom_ninterior(g);
    unsigned char *buf = malloc(site_bytes * (size_t)nloc);
    st = ym_status_agree(comm, buf ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for the write buffer", path));
    if (st) return st;
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < nloc; ++i) memcpy(buf + (size_t)i * site_bytes, ym_gauge_link(u, in[i], 0), site_bytes);
    if (is_little()) swap8(buf, site_doubles * (size_t)nloc);
    uint32_t sums[2];
    site_checksums(g, buf, site_bytes, sums);
    MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_UINT32_T, MPI_BXOR, comm);
    const int *L = ym_grid_L(ym_geom_grid(g));
    char header[512];
    int hlen = snprintf(header, sizeof header, MAGIC "N %d\ndims %d %d %d %d\nprecision 64\nchecksum %08x %08x\nend\n",
                        N, L[0], L[1], L[2], L[3], sums[0], sums[1]);

    MPI_File fh;
    if (MPI_File_open(comm, tmp, MPI_MODE_CREATE | MPI_MODE_WRONLY | MPI_MODE_EXCL, MPI_INFO_NULL, &fh) !=
        MPI_SUCCESS) {
        free(buf);
        return ym_status_agree(comm, YM_ERROR(YM_EIO, "%s: cannot create the temporary file %s", path, tmp));
    }
    if (rank == 0 && MPI_File_write_at(fh, 0, header, hlen, MPI_CHAR, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        st = YM_ERROR(YM_EIO, "%s: writing the header failed", path);
    MPI_Datatype site, view;
    if (block_type(g, site_bytes, &site, &view) != YM_OK) {
        st = YM_ERROR(YM_EMPI, "%s: cannot build the MPI file view", path);
    } else {
        MPI_File_set_view(fh, (MPI_Offset)hlen, site, view, "native", MPI_INFO_NULL);
        if (MPI_File_write_all(fh, buf, nloc, site, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            st = YM_ERROR(YM_EIO, "%s: writing the links failed", path);
        MPI_Type_free(&view);
        MPI_Type_free(&site);
    }
    if (MPI_File_sync(fh) != MPI_SUCCESS && st == YM_OK) st = YM_ERROR(YM_EIO, "%s: sync failed", path);
    MPI_File_close(&fh);
    free(buf);
    st = ym_status_agree(comm, st);
    if (rank == 0) {
        if (st == YM_OK && rename(tmp, path) != 0)
            st = YM_ERROR(YM_EIO, "%s: cannot rename the temporary file: %s", path, strerror(errno));
        if (st != YM_OK) unlink(tmp);
    }
    return ym_status_agree(comm, st);
}
