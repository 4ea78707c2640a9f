/* Shared machinery of the configuration-file formats (see ym_ioutil.h). */
#include "ym_ioutil.h"
#include "ym_status.h"
#include "ym_sum.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

int ym_io_is_little(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

void ym_io_swap(void *buf, size_t n, size_t wsize)
{
    unsigned char *p = buf;
    for (size_t i = 0; i < n; ++i, p += wsize)
        for (size_t k = 0; k < wsize / 2; ++k) {
            unsigned char t = p[k];
            p[k] = p[wsize - 1 - k];
            p[wsize - 1 - k] = t;
        }
}

uint32_t ym_io_rotl(uint32_t v, unsigned r)
{
    r &= 31u;
    return r ? (v << r) | (v >> (32 - r)) : v;
}

uint32_t ym_io_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

uint64_t ym_io_be64(const unsigned char *p) { return (uint64_t)ym_io_be32(p) << 32 | ym_io_be32(p + 4); }

int ym_io_file_size(const char *path, long long *size)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return YM_ERROR(YM_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) return YM_ERROR(YM_EIO, "%s: is a directory", path);
    *size = (long long)sb.st_size;
    return YM_OK;
}

int ym_io_read_header(MPI_Comm comm, const char *path, size_t max, ym_io_header_parser parse, void *out,
                      size_t out_size)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    memset(out, 0, out_size);
    if (rank == 0) {
        long long size = 0;
        FILE *f = NULL;
        unsigned char *head = NULL;
        size_t got = 0;
        st = ym_io_file_size(path, &size);
        if (!st && !(f = fopen(path, "rb"))) st = YM_ERROR(YM_EIO, "%s: cannot open: %s", path, strerror(errno));
        if (!st && !(head = malloc(max + 1))) st = YM_ERROR(YM_ENOMEM, "%s: out of memory for the header", path);
        if (!st) {
            got = max ? fread(head, 1, max, f) : 0;
            head[got] = '\0';
            st = parse(path, f, head, got, size, out);
        }
        free(head);
        if (f) fclose(f);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Bcast(out, (int)out_size, MPI_BYTE, 0, comm);
    return YM_OK;
}

/* The file view selecting this rank's block of site records; the subarray
 * order is t,z,y,x because files run x fastest. */
static int block_type(const ym_geom *g, size_t site_bytes, MPI_Datatype *site, MPI_Datatype *view)
{
    const ym_grid *grid = ym_geom_grid(g);
    const int *L = ym_grid_L(grid), *l = ym_grid_local(grid), *o = ym_grid_origin(grid);
    int sizes[4] = {L[3], L[2], L[1], L[0]}, sub[4] = {l[3], l[2], l[1], l[0]}, start[4] = {o[3], o[2], o[1], o[0]};
    if (MPI_Type_contiguous((int)site_bytes, MPI_BYTE, site) != MPI_SUCCESS) return YM_EMPI;
    MPI_Type_commit(site);
    if (MPI_Type_create_subarray(4, sizes, sub, start, MPI_ORDER_C, *site, view) != MPI_SUCCESS) {
        MPI_Type_free(site);
        return YM_EMPI;
    }
    MPI_Type_commit(view);
    return YM_OK;
}

int ym_io_read_sites(const ym_geom *g, const char *path, long long offset, size_t site_bytes, unsigned char **out)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int nloc = ym_geom_ninterior(g), st = YM_OK;
    *out = NULL;
    unsigned char *buf = malloc(site_bytes * (size_t)nloc + 1);
    st = ym_status_agree(comm, buf ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for the read buffer", path));
    if (st) return st;
    MPI_File fh;
    if (MPI_File_open(comm, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) != MPI_SUCCESS) {
        free(buf);
        return ym_status_agree(comm, YM_ERROR(YM_EIO, "%s: MPI-IO cannot open the file", path));
    }
    MPI_Datatype site, view;
    if (block_type(g, site_bytes, &site, &view) == YM_OK) {
        MPI_Status ms;
        int cnt = 0;
        MPI_File_set_view(fh, (MPI_Offset)offset, site, view, "native", MPI_INFO_NULL);
        if (MPI_File_read_all(fh, buf, nloc, site, &ms) != MPI_SUCCESS) st = YM_ERROR(YM_EIO, "%s: read failed", path);
        else {
            MPI_Get_count(&ms, site, &cnt);
            if (cnt != nloc)
                st = YM_ERROR(YM_EFORMAT, "%s: short read of the links (%d of %d sites; truncated?)", path, cnt, nloc);
        }
        MPI_Type_free(&view);
        MPI_Type_free(&site);
    } else
        st = YM_ERROR(YM_EMPI, "%s: cannot build the MPI file view", path);
    MPI_File_close(&fh);
    st = ym_status_agree(comm, st);
    if (st) free(buf);
    else *out = buf;
    return st;
}

/* Atomic-write machinery: refuse an existing path unless overwrite, create
 * a unique temporary file next to it (name agreed from rank 0), ...; then
 * sync, close, rename (or unlink on failure). */
static int atomic_open(MPI_Comm comm, const char *path, int overwrite, char tmp[4096], MPI_File *fh)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        struct stat sb;
        if (!overwrite && stat(path, &sb) == 0) st = YM_ERROR(YM_EIO, "%s: exists; refusing to overwrite", path);
        else if (snprintf(tmp, 4096, "%s.ymtmp.%ld", path, (long)getpid()) >= 4096)
            st = YM_ERROR(YM_EIO, "%s: path too long", path);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Bcast(tmp, 4096, MPI_CHAR, 0, comm);
    if (MPI_File_open(comm, tmp, MPI_MODE_CREATE | MPI_MODE_WRONLY | MPI_MODE_EXCL, MPI_INFO_NULL, fh) != MPI_SUCCESS)
        return ym_status_agree(comm, YM_ERROR(YM_EIO, "%s: cannot create the temporary file %s", path, tmp));
    return YM_OK;
}

static int atomic_close(MPI_Comm comm, const char *path, const char *tmp, MPI_File *fh, int st)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    if (MPI_File_sync(*fh) != MPI_SUCCESS && st == YM_OK) st = YM_ERROR(YM_EIO, "%s: sync failed", path);
    MPI_File_close(fh);
    st = ym_status_agree(comm, st);
    if (rank == 0) {
        if (st == YM_OK && rename(tmp, path) != 0)
            st = YM_ERROR(YM_EIO, "%s: cannot rename the temporary file: %s", path, strerror(errno));
        if (st != YM_OK) unlink(tmp);
    }
    return ym_status_agree(comm, st);
}

int ym_io_write_sites(const ym_geom *g, const char *path, int overwrite, const void *head, size_t hlen,
                      const unsigned char *buf, size_t site_bytes, const void *tail, size_t tlen)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int rank, st = YM_OK, nloc = ym_geom_ninterior(g);
    MPI_Comm_rank(comm, &rank);
    char tmp[4096];
    MPI_File fh;
    if ((st = atomic_open(comm, path, overwrite, tmp, &fh))) return st;
    if (rank == 0 && hlen && MPI_File_write_at(fh, 0, head, (int)hlen, MPI_BYTE, MPI_STATUS_IGNORE) != MPI_SUCCESS)
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
        MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL);
    }
    if (tlen) {
        MPI_Offset toff = (MPI_Offset)hlen + (MPI_Offset)site_bytes * (MPI_Offset)ym_grid_volume(ym_geom_grid(g));
        if (rank == 0 && MPI_File_write_at(fh, toff, tail, (int)tlen, MPI_BYTE, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            st = YM_ERROR(YM_EIO, "%s: writing the trailer failed", path);
    }
    return atomic_close(comm, path, tmp, &fh, st);
}

int ym_io_write_records(MPI_Comm comm, const char *path, int overwrite, const void *head, size_t hlen,
                        const unsigned char *buf, size_t rec_bytes, int nrec, const int *rec)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    char tmp[4096];
    MPI_File fh;
    if ((st = atomic_open(comm, path, overwrite, tmp, &fh))) return st;
    if (rank == 0 && hlen && MPI_File_write_at(fh, 0, head, (int)hlen, MPI_BYTE, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        st = YM_ERROR(YM_EIO, "%s: writing the header failed", path);
    MPI_Datatype r, view;
    int ok = MPI_Type_contiguous((int)rec_bytes, MPI_BYTE, &r) == MPI_SUCCESS;
    if (ok) {
        MPI_Type_commit(&r);
        /* nrec = 0 is legal: an empty view */
        ok = MPI_Type_create_indexed_block(nrec, 1, rec, r, &view) == MPI_SUCCESS;
        if (ok) MPI_Type_commit(&view);
        else MPI_Type_free(&r);
    }
    if (!ok) st = YM_ERROR(YM_EMPI, "%s: cannot build the MPI file view", path);
    else {
        MPI_File_set_view(fh, (MPI_Offset)hlen, r, view, "native", MPI_INFO_NULL);
        if (MPI_File_write_all(fh, buf, nrec, r, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            st = YM_ERROR(YM_EIO, "%s: writing the records failed", path);
        MPI_Type_free(&view);
        MPI_Type_free(&r);
    }
    return atomic_close(comm, path, tmp, &fh, st);
}

void ym_io_scidac_sums(const ym_geom *g, const unsigned char *buf, size_t site_bytes, uint32_t sums[2])
{
    const int *in = ym_geom_interior(g);
    sums[0] = sums[1] = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int64_t gi = ym_geom_global_index(g, in[i]);
        uint32_t c = (uint32_t)crc32(0L, buf + (size_t)i * site_bytes, (uInt)site_bytes);
        sums[0] ^= ym_io_rotl(c, (unsigned)(gi % 29));
        sums[1] ^= ym_io_rotl(c, (unsigned)(gi % 31));
    }
    MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_UINT32_T, MPI_BXOR, ym_grid_comm(ym_geom_grid(g)));
}

static double get_num(const unsigned char *p, int prec, size_t k)
{
    if (prec == 4) {
        float f;
        memcpy(&f, p + 4 * k, 4);
        return f;
    }
    double d;
    memcpy(&d, p + 8 * k, 8);
    return d;
}

void ym_io_decode_link(const unsigned char *p, int prec, int N, int rows, ym_cplx *u)
{
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < N; ++c) {
            size_t k = 2 * ((size_t)r * N + c);
            u[r * N + c] = get_num(p, prec, k) + I * get_num(p, prec, k + 1);
        }
    if (rows == N - 1 && N == 3) {
        u[6] = conj(u[1] * u[5] - u[2] * u[4]);
        u[7] = conj(u[2] * u[3] - u[0] * u[5]);
        u[8] = conj(u[0] * u[4] - u[1] * u[3]);
    } else if (rows == N - 1 && N == 2) {
        u[2] = -conj(u[1]);
        u[3] = conj(u[0]);
    }
}

void ym_io_encode_link(unsigned char *p, int prec, int N, int rows, const ym_cplx *u)
{
    for (size_t k = 0; k < (size_t)rows * N; ++k) {
        double re = creal(u[k]), im = cimag(u[k]);
        if (prec == 4) {
            float f[2] = {(float)re, (float)im};
            memcpy(p + 8 * k, f, 8);
        } else {
            memcpy(p + 16 * k, &re, 8);
            memcpy(p + 16 * k + 8, &im, 8);
        }
    }
}

int ym_io_check_links(ym_gauge *u, const char *path, int reunit, double tol, double *maxdev)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    const int *in = ym_geom_interior(g);
    int N = ym_gauge_N(u);
    double worst = 0;
    int64_t worst_site = -1;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *l = ym_gauge_link(u, in[i], mu), orig[YM_NMAX * YM_NMAX];
            double dev = 0;
            for (int k = 0; k < N * N; ++k)
                if (!isfinite(creal(l[k])) || !isfinite(cimag(l[k]))) dev = INFINITY;
            if (dev == 0) {
                if (reunit) {
                    ym_su_copy(N, orig, l);
                    ym_su_reunit(N, l);
                    dev = ym_su_maxdiff(N, l, orig);
                } else {
                    dev = ym_su_unitarity(N, l);
                    double dd = cabs(ym_su_det(N, l) - 1);
                    if (dd > dev || isnan(dd)) dev = dd;
                }
            }
            if (!(dev <= worst)) {
                worst = isnan(dev) ? INFINITY : dev;
                worst_site = ym_geom_global_index(g, in[i]);
            }
        }
    struct {
        double v;
        int r;
    } loc = {worst, ym_grid_rank(ym_geom_grid(g))}, glob;
    MPI_Allreduce(&loc, &glob, 1, MPI_DOUBLE_INT, MPI_MAXLOC, comm);
    MPI_Bcast(&worst_site, 1, MPI_INT64_T, glob.r, comm);
    if (maxdev) *maxdev = glob.v;
    if (!(glob.v <= tol))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: link at site %lld is %s (deviation from SU(%d) %.3g, allowed %.3g)",
                                              path, (long long)worst_site,
                                              isinf(glob.v) ? "not finite" : "not in SU(N)", N, glob.v, tol));
    return ym_gauge_halo_update(u);
}

/* Shared by the readers of formats storing whole links as big- or
 * little-endian numbers: check the shape, read, verify the SciDAC checksum
 * when asked, decode, check unitarity. */
int ym_io_read_links(ym_gauge *u, const char *path, ym_config_info *info, ym_io_verify pre, ym_io_verify post)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    const int *L = ym_grid_L(ym_geom_grid(g));
    int N = ym_gauge_N(u), prec = info->precision / 8;
    if (info->N != N || memcmp(info->L, L, sizeof info->L) != 0)
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: holds SU(%d) on %dx%dx%dx%d, expected SU(%d) on %dx%dx%dx%d",
                                              path, info->N, info->L[0], info->L[1], info->L[2], info->L[3], N, L[0],
                                              L[1], L[2], L[3]));
    size_t link_bytes = (size_t)info->rows * N * 2 * prec, site_bytes = 4 * link_bytes;
    unsigned char *buf;
    int st = ym_io_read_sites(g, path, info->data_offset, site_bytes, &buf);
    if (st) return st;
    st = pre ? ym_status_agree(comm, pre(g, path, buf, site_bytes, info)) : YM_OK;
    if (st) {
        free(buf);
        return st;
    }
    int nloc = ym_geom_ninterior(g);
    if (info->big_endian == ym_io_is_little()) ym_io_swap(buf, site_bytes * (size_t)nloc / prec, (size_t)prec);
    st = post ? ym_status_agree(comm, post(g, path, buf, site_bytes, info)) : YM_OK;
    if (st) {
        free(buf);
        return st;
    }
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < nloc; ++i)
        for (int mu = 0; mu < 4; ++mu)
            ym_io_decode_link(buf + (size_t)i * site_bytes + mu * link_bytes, prec, N, info->rows,
                              ym_gauge_link(u, in[i], mu));
    free(buf);
    /* Single-precision links are only unitary to ~1e-7; a correction far
     * beyond that means damaged data. */
    st = ym_io_check_links(u, path, prec == 4, prec == 4 ? 1e-5 : 1e-12, &info->max_reunit);
    if (prec == 8) info->max_reunit = 0;
    return st;
}


int ym_io_link_trace(ym_gauge *u, double *tr)
{
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    int N = ym_gauge_N(u);
    ym_sum acc = YM_SUM_INIT;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) ym_sum_add(&acc, creal(ym_su_trace(N, ym_gauge_link(u, in[i], mu))));
    double s;
    int st = ym_sum_allreduce(&acc, ym_grid_comm(ym_geom_grid(g)), &s);
    *tr = s / (4.0 * N * (double)ym_grid_volume(ym_geom_grid(g)));
    return st;
}
