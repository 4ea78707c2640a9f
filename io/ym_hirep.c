/* HiRep reading (see ym_hirep.h). */
#define _POSIX_C_SOURCE 200809L /* fseeko */
#include "ym_hirep.h"
#include "ym_curv.h"
#include "ym_ioutil.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_header(const char *path, FILE *f, unsigned char *h, size_t got, long long size, void *out)
{
    ym_config_info *info = out;
    int st = YM_OK;
    (void)f;
    if (got < YM_HIREP_HEADER)
        return YM_ERROR(YM_EFORMAT, "%s: shorter (%lld bytes) than a HiRep header (%d)", path, size, YM_HIREP_HEADER);
    int32_t ng = (int32_t)ym_io_be32(h);
    if (ng < 2 || ng > YM_NMAX)
        st = YM_ERROR(YM_EFORMAT, "%s: HiRep Ng = %d is outside 2..%d", path, (int)ng, YM_NMAX);
    info->N = ng;
    /* stored t, x, y, z */
    for (int k = 0; !st && k < 4; ++k) {
        int32_t d = (int32_t)ym_io_be32(h + 4 + 4 * k);
        if (d < 1 || d > YM_LMAX)
            st = YM_ERROR(YM_EFORMAT, "%s: HiRep dimension %d = %d is outside 1..%d", path, k, (int)d, YM_LMAX);
        info->L[k == 0 ? 3 : k - 1] = d;
    }
    uint64_t pb = ym_io_be64(h + 20);
    memcpy(&info->plaquette, &pb, 8);
    info->has_plaquette = 1;
    if (!st && !isfinite(info->plaquette))
        st = YM_ERROR(YM_EFORMAT, "%s: HiRep plaquette is not a finite number", path);
    if (!st) {
        info->format = YM_FMT_HIREP;
        info->precision = 64;
        info->big_endian = 1;
        info->rows = info->N;
        info->data_offset = YM_HIREP_HEADER;
        snprintf(info->datatype, sizeof info->datatype, "HiRep SU(%d) double", info->N);
        double want = YM_HIREP_HEADER + (double)info->L[0] * info->L[1] * info->L[2] * info->L[3] * 4 * info->N *
                                            info->N * 16;
        if ((double)size != want)
            st = YM_ERROR(YM_EFORMAT, "%s: size %lld bytes, expected %.0f for HiRep SU(%d) %dx%dx%dx%d", path, size,
                          want, info->N, info->L[0], info->L[1], info->L[2], info->L[3]);
    }
    return st;
}

int ym_hirep_read_header(MPI_Comm comm, const char *path, ym_config_info *info)
{
    return ym_io_read_header(comm, path, YM_HIREP_HEADER, parse_header, info, sizeof *info);
}

int ym_hirep_read(ym_gauge *u, const char *path, ym_config_info *info)
{
    const ym_geom *g = ym_gauge_geom(u);
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    const int *L = ym_grid_L(ym_geom_grid(g));
    int N = ym_gauge_N(u);
    if (info->N != N || memcmp(info->L, L, sizeof info->L) != 0)
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: holds SU(%d) on %dx%dx%dx%d, expected SU(%d) on %dx%dx%dx%d",
                                              path, info->N, info->L[0], info->L[1], info->L[2], info->L[3], N, L[0],
                                              L[1], L[2], L[3]));
    const size_t link_bytes = (size_t)N * N * 16, site_bytes = 4 * link_bytes;
    unsigned char *buf = malloc(site_bytes);
    FILE *f = buf ? fopen(path, "rb") : NULL;
    int st = !buf ? YM_ERROR(YM_ENOMEM, "%s: out of memory", path)
             : !f ? YM_ERROR(YM_EIO, "%s: cannot open", path)
                  : YM_OK;
    const int *in = ym_geom_interior(g);
    /* Sites are not in ymflow's order: read each one where it lies. */
    for (int i = 0; !st && i < ym_geom_ninterior(g); ++i) {
        int64_t gi = ym_geom_global_index(g, in[i]);
        int64_t x = gi % L[0], y = gi / L[0] % L[1], z = gi / ((int64_t)L[0] * L[1]) % L[2],
                t = gi / ((int64_t)L[0] * L[1] * L[2]);
        int64_t rec = z + (int64_t)L[2] * (y + (int64_t)L[1] * (x + (int64_t)L[0] * t));
        if (fseeko(f, (off_t)(YM_HIREP_HEADER + rec * (int64_t)site_bytes), SEEK_SET) != 0 ||
            fread(buf, 1, site_bytes, f) != site_bytes) {
            st = YM_ERROR(YM_EIO, "%s: short read at site record %lld", path, (long long)rec);
            break;
        }
        if (ym_io_is_little()) ym_io_swap(buf, site_bytes / 8, 8);
        for (int k = 0; k < 4; ++k) /* stored t, x, y, z */
            ym_io_decode_link(buf + k * link_bytes, 8, N, N, ym_gauge_link(u, in[i], k == 0 ? 3 : k - 1));
    }
    if (f) fclose(f);
    free(buf);
    st = ym_status_agree(comm, st);
    if (st) return st;
    if ((st = ym_io_check_links(u, path, 0, 1e-12, &info->max_reunit))) return st;
    info->max_reunit = 0;
    ym_plaquette p;
    if ((st = ym_gauge_plaquette(u, &p))) return st;
    info->plaquette_read = p.total;
    if (!(fabs(p.total - info->plaquette) <= 1e-11))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: HiRep header plaquette %.15g, links give %.15g (tolerance 1e-11)",
                                              path, info->plaquette, p.total));
    info->checksum_ok = 0; /* HiRep has none; the plaquette is its only check */
    return YM_OK;
}
