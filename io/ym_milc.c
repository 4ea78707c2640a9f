/* MILC v5 reading (see ym_milc.h). */
#define _POSIX_C_SOURCE 200809L /* gmtime_r, localtime_r */
#include "ym_milc.h"
#include "ym_ioutil.h"
#include "ym_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t get32(const unsigned char *p, int swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    if (swap) ym_io_swap(&v, 1, 4);
    return v;
}

int ym_milc_read_header(MPI_Comm comm, const char *path, ym_config_info *info)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    memset(info, 0, sizeof *info);
    if (rank == 0) {
        long long size = 0;
        FILE *f = NULL;
        unsigned char h[YM_MILC_HEADER];
        st = ym_io_file_size(path, &size);
        if (!st && !(f = fopen(path, "rb"))) st = YM_ERROR(YM_EIO, "%s: cannot open", path);
        if (!st && fread(h, 1, sizeof h, f) != sizeof h)
            st = YM_ERROR(YM_EFORMAT, "%s: shorter (%lld bytes) than a MILC header (%d)", path, size, YM_MILC_HEADER);
        if (!st) {
            int swap = 0;
            if (get32(h, 0) != YM_MILC_MAGIC && get32(h, 0) != YM_MILC_MAGIC64) swap = 1;
            uint32_t magic = get32(h, swap);
            if (magic != YM_MILC_MAGIC && magic != YM_MILC_MAGIC64)
                st = YM_ERROR(YM_EFORMAT, "%s: magic number %u (0x%08x), expected %d or %d (MILC) in either byte order",
                              path, get32(h, 0), get32(h, 0), YM_MILC_MAGIC, YM_MILC_MAGIC64);
            info->precision = magic == YM_MILC_MAGIC64 ? 64 : 32;
            info->big_endian = ym_io_is_little() ? swap : !swap;
            for (int mu = 0; !st && mu < 4; ++mu) {
                int32_t d = (int32_t)get32(h + 4 + 4 * mu, swap);
                if (d < 1 || d > YM_LMAX)
                    st = YM_ERROR(YM_EFORMAT, "%s: dimension %d = %d is outside 1..%d", path, mu, (int)d, YM_LMAX);
                info->L[mu] = d;
            }
            uint32_t order = get32(h + 84, swap);
            if (!st && order != 0)
                st = YM_ERROR(YM_EFORMAT, "%s: site order %u, only 0 (natural, x fastest) is supported", path, order);
            info->sum[0] = get32(h + 88, swap);
            info->sum[1] = get32(h + 92, swap);
        }
        if (!st) {
            info->format = YM_FMT_MILC;
            info->N = 3;
            info->rows = 3;
            info->data_offset = YM_MILC_HEADER;
            info->has_checksum = 1;
            info->nchecksum = 2;
            snprintf(info->datatype, sizeof info->datatype, "MILC %s-precision SU(3)",
                     info->precision == 64 ? "double" : "single");
            double want = YM_MILC_HEADER + (double)info->L[0] * info->L[1] * info->L[2] * info->L[3] * 4 * 18 *
                                               (info->precision / 8);
            if ((double)size != want)
                st = YM_ERROR(YM_EFORMAT, "%s: size %lld bytes, expected %.0f for %dx%dx%dx%d (truncated or padded)", path,
                              size, want, info->L[0], info->L[1], info->L[2], info->L[3]);
        }
        if (f) fclose(f);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    MPI_Bcast(info, (int)sizeof *info, MPI_BYTE, 0, comm);
    return YM_OK;
}

/* sum29/sum31 of this rank's site records (native order numbers), XORed
 * over the ranks. One checksum word per real number: the number itself
 * (32-bit), or the sum of its two 32-bit halves (20104, as GLU defines it). */
static void milc_sums(const ym_geom *g, const unsigned char *buf, size_t site_bytes, int dbl, uint32_t s[2])
{
    const int *in = ym_geom_interior(g);
    size_t nw = site_bytes / (dbl ? 8 : 4);
    s[0] = s[1] = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int64_t gi = ym_geom_global_index(g, in[i]);
        unsigned r29 = (unsigned)((gi * (int64_t)nw) % 29), r31 = (unsigned)((gi * (int64_t)nw) % 31);
        const unsigned char *p = buf + (size_t)i * site_bytes;
        for (size_t k = 0; k < nw; ++k) {
            uint32_t w, h[2];
            if (dbl) {
                memcpy(h, p + 8 * k, 8);
                w = h[0] + h[1];
            } else
                memcpy(&w, p + 4 * k, 4);
            s[0] ^= ym_io_rotl(w, r29);
            s[1] ^= ym_io_rotl(w, r31);
            if (++r29 == 29) r29 = 0;
            if (++r31 == 31) r31 = 0;
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, s, 2, MPI_UINT32_T, MPI_BXOR, ym_grid_comm(ym_geom_grid(g)));
}

/* Runs after the byte swap: MILC sums the words as the host sees them. */
static int verify(const ym_geom *g, const char *path, unsigned char *buf, size_t site_bytes, ym_config_info *info,
                  int accept)
{
    uint32_t s[2];
    milc_sums(g, buf, site_bytes, info->precision == 64, s);
    info->checksum_ok = s[0] == info->sum[0] && s[1] == info->sum[1];
    info->checksum_bad = !info->checksum_ok;
    if (!info->checksum_ok && !accept)
        return YM_ERROR(YM_EFORMAT, "%s: MILC checksum mismatch: stored %x %x, data %x %x", path, info->sum[0],
                        info->sum[1], s[0], s[1]);
    return YM_OK;
}

static int verify_strict(const ym_geom *g, const char *path, unsigned char *buf, size_t site_bytes,
                         ym_config_info *info)
{
    return verify(g, path, buf, site_bytes, info, 0);
}

static int verify_accept(const ym_geom *g, const char *path, unsigned char *buf, size_t site_bytes,
                         ym_config_info *info)
{
    return verify(g, path, buf, site_bytes, info, 1);
}

int ym_milc_read_flags(ym_gauge *u, const char *path, ym_config_info *info, unsigned flags)
{
    return ym_io_read_links(u, path, info, NULL, (flags & YM_IO_ACCEPT_BAD_CHECKSUM) ? verify_accept : verify_strict);
}

int ym_milc_read(ym_gauge *u, const char *path, ym_config_info *info) { return ym_milc_read_flags(u, path, info, 0); }

/* The 64-byte time stamp: ctime()'s text without the newline, NUL padded;
 * SOURCE_DATE_EPOCH (seconds, UTC) makes it reproducible. */
static void time_stamp(char ts[64])
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    char *end = NULL;
    struct tm tmv, *tp = NULL;
    memset(ts, 0, 64);
    if (e && *e) {
        long long v = strtoll(e, &end, 10);
        time_t t = (time_t)v;
        if (end && !*end && v >= 0) tp = gmtime_r(&t, &tmv);
    }
    if (!tp) {
        time_t t = time(NULL);
        tp = localtime_r(&t, &tmv);
    }
    if (tp) strftime(ts, 64, "%a %b %e %H:%M:%S %Y", tp);
}

int ym_milc_write(ym_gauge *u, const char *path, int overwrite)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    int N = ym_gauge_N(u), nloc = ym_geom_ninterior(g), rank;
    MPI_Comm_rank(comm, &rank);
    if (N != 3)
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: MILC files hold SU(3) only (the format has no N), "
                                                         "cannot write SU(%d)",
                                              path, N));
    const int *L = ym_grid_L(ym_geom_grid(g));
    const size_t link_bytes = 18 * 4, site_bytes = 4 * link_bytes;
    unsigned char *buf = malloc(site_bytes * (size_t)nloc + 1);
    int st = ym_status_agree(comm, buf ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for the write buffer", path));
    if (st) return st;
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < nloc; ++i)
        for (int mu = 0; mu < 4; ++mu)
            ym_io_encode_link(buf + (size_t)i * site_bytes + mu * link_bytes, 4, 3, 3, ym_gauge_link(u, in[i], mu));
    uint32_t s[2];
    milc_sums(g, buf, site_bytes, 0, s); /* native order, as written */
    unsigned char head[YM_MILC_HEADER];
    int32_t w[5] = {YM_MILC_MAGIC, L[0], L[1], L[2], L[3]};
    uint32_t tail[3] = {0, s[0], s[1]}; /* order 0, sum29, sum31 */
    memcpy(head, w, sizeof w);
    char ts[64];
    if (rank == 0) time_stamp(ts);
    else memset(ts, 0, sizeof ts);
    memcpy(head + 20, ts, 64);
    memcpy(head + 84, tail, sizeof tail);
    st = ym_io_write_sites(g, path, overwrite, head, sizeof head, buf, site_bytes, NULL, 0);
    free(buf);
    return st;
}
