/* MILC v5 reading (see ym_milc.h). */
#include "ym_milc.h"
#include "ym_ioutil.h"
#include "ym_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Runs after the byte swap: MILC sums the words as the host sees them. */
static int verify_milc(const ym_geom *g, const char *path, unsigned char *buf, size_t site_bytes, ym_config_info *info)
{
    const int *in = ym_geom_interior(g);
    uint32_t s[2] = {0, 0};
    /* One checksum word per real number: the number itself (32-bit), or
     * the sum of its two 32-bit halves (20104, as GLU defines it). */
    int dbl = info->precision == 64;
    size_t nw = site_bytes / (dbl ? 8 : 4);
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
    if (s[0] != info->sum[0] || s[1] != info->sum[1])
        return YM_ERROR(YM_EFORMAT, "%s: MILC checksum mismatch: stored %x %x, data %x %x", path, info->sum[0],
                        info->sum[1], s[0], s[1]);
    info->checksum_ok = 1;
    return YM_OK;
}

int ym_milc_read(ym_gauge *u, const char *path, ym_config_info *info)
{
    return ym_io_read_links(u, path, info, NULL, verify_milc);
}
