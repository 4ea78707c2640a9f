/* openQCD (CERN) reading (see ym_openqcd.h). */
#include "ym_openqcd.h"
#include "ym_curv.h"
#include "ym_ioutil.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_BYTES 24
#define LINK_BYTES 144

static int parse_header(const char *path, FILE *f, unsigned char *h, size_t got, long long size, void *out)
{
    ym_config_info *info = out;
    int st = YM_OK;
    (void)f;
    if (got < HEADER_BYTES)
        return YM_ERROR(YM_EFORMAT, "%s: shorter (%lld bytes) than an openQCD header (%d)", path, size, HEADER_BYTES);
    int32_t n[4];
    double plaq;
    memcpy(n, h, 16);
    memcpy(&plaq, h + 16, 8);
    if (!ym_io_is_little()) {
        ym_io_swap(n, 4, 4);
        ym_io_swap(&plaq, 1, 8);
    }
    static const int our[4] = {3, 0, 1, 2}; /* openQCD direction -> ours */
    for (int m = 0; !st && m < 4; ++m) {
        if (n[m] < 2 || n[m] > YM_LMAX || n[m] % 2)
            st = YM_ERROR(YM_EFORMAT, "%s: openQCD extent N%d = %d is not even in 2..%d", path, m, (int)n[m],
                          YM_LMAX);
        info->L[our[m]] = n[m];
    }
    if (!st) {
        double want = HEADER_BYTES + (double)n[0] * n[1] * n[2] * n[3] * 4 * LINK_BYTES;
        if ((double)size != want)
            st = YM_ERROR(YM_EFORMAT, "%s: size %lld bytes, expected %.0f for openQCD %dx%dx%dx%d (t,x,y,z)",
                          path, size, want, n[0], n[1], n[2], n[3]);
    }
    info->format = YM_FMT_OPENQCD;
    info->N = 3;
    info->rows = 3;
    info->precision = 64;
    info->big_endian = 0;
    info->data_offset = HEADER_BYTES;
    info->has_plaquette = 1;
    info->plaquette = plaq / 3;
    snprintf(info->datatype, sizeof info->datatype, "openQCD SU(3) double");
    return st;
}

int ym_openqcd_read_header(MPI_Comm comm, const char *path, ym_config_info *info)
{
    return ym_io_read_header(comm, path, HEADER_BYTES, parse_header, info, sizeof *info);
}

int ym_openqcd_read_flags(ym_gauge *u, const char *path, ym_config_info *info, unsigned flags)
{
    const ym_geom *g = ym_gauge_geom(u);
    const ym_grid *grid = ym_geom_grid(g);
    MPI_Comm comm = ym_grid_comm(grid);
    const int *L = ym_grid_L(grid), *o = ym_grid_origin(grid), *l = ym_grid_local(grid);
    if (ym_gauge_N(u) != 3 || memcmp(info->L, L, sizeof info->L) != 0)
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: holds SU(3) on %dx%dx%dx%d, expected SU(%d) on %dx%dx%dx%d",
                                              path, info->L[0], info->L[1], info->L[2], info->L[3], ym_gauge_N(u), L[0],
                                              L[1], L[2], L[3]));
    /* One t-slice of odd sites is contiguous in the file; this rank needs
     * slices o_t .. o_t + l_t (the last for links entering from above). */
    size_t vs = (size_t)L[0] * L[1] * L[2], slice = vs / 2 * 8 * LINK_BYTES;
    int ns = l[3] + 1;
    unsigned char *buf = malloc(slice * (size_t)ns);
    int st = ym_status_agree(comm, buf ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for %d t-slices", path, ns));
    if (st) return st;
    MPI_File fh;
    if (MPI_File_open(comm, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) != MPI_SUCCESS) {
        free(buf);
        return ym_status_agree(comm, YM_ERROR(YM_EIO, "%s: MPI-IO cannot open the file", path));
    }
    for (int s = 0; s < ns; ++s) {
        int t = (o[3] + s) % L[3], cnt = 0;
        MPI_Status ms;
        MPI_Offset off = (MPI_Offset)info->data_offset + (MPI_Offset)t * (MPI_Offset)slice;
        if (MPI_File_read_at_all(fh, off, buf + (size_t)s * slice, (int)slice, MPI_BYTE, &ms) != MPI_SUCCESS) {
            if (!st) st = YM_ERROR(YM_EIO, "%s: read failed", path);
        } else {
            MPI_Get_count(&ms, MPI_BYTE, &cnt);
            if (cnt != (int)slice && !st) st = YM_ERROR(YM_EFORMAT, "%s: short read in t-slice %d (truncated?)", path, t);
        }
    }
    MPI_File_close(&fh);
    st = ym_status_agree(comm, st);
    if (st) {
        free(buf);
        return st;
    }
    if (!ym_io_is_little()) ym_io_swap(buf, slice * (size_t)ns / 8, 8);
    static const int oq[4] = {1, 2, 3, 0}; /* our direction -> openQCD */
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int x[4];
        ym_geom_global_coords(g, in[i], x);
        for (int mu = 0; mu < 4; ++mu) {
            int y[4] = {x[0], x[1], x[2], x[3]}, slot = 2 * oq[mu];
            if ((x[0] + x[1] + x[2] + x[3]) % 2 == 0) {
                /* even site: the link is stored at the odd site above, as its backward link */
                y[mu] = (y[mu] + 1) % L[mu];
                slot += 1;
            }
            int s = (y[3] - o[3] + L[3]) % L[3];
            /* openQCD order within a t-slice: x1 (our x) slowest, x3 (our
             * z) fastest; rows along z have even length, so an odd site's
             * rank among the odd sites is its lexicographic index / 2. */
            size_t lex = ((size_t)y[0] * L[1] + y[1]) * L[2] + y[2];
            const unsigned char *p = buf + (size_t)s * slice + (lex / 2) * 8 * LINK_BYTES + (size_t)slot * LINK_BYTES;
            ym_io_decode_link(p, 8, 3, 3, ym_gauge_link(u, in[i], mu));
        }
    }
    free(buf);
    if ((st = ym_io_check_links(u, path, 0, 1e-12, NULL))) return st;
    ym_plaquette pl;
    if ((st = ym_gauge_plaquette(u, &pl))) return st;
    info->plaquette_read = pl.total;
    if (!(fabs(pl.total - info->plaquette) <= 1e-12) && !(flags & YM_IO_ACCEPT_BAD_CHECKSUM))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: plaquette in the header %.15g (/3), links give %.15g", path,
                                              info->plaquette, pl.total));
    return YM_OK;
}

int ym_openqcd_read(ym_gauge *u, const char *path, ym_config_info *info)
{
    return ym_openqcd_read_flags(u, path, info, 0);
}

int ym_openqcd_write(ym_gauge *u, const char *path, int overwrite)
{
    const ym_geom *g = ym_gauge_geom(u);
    const ym_grid *grid = ym_geom_grid(g);
    MPI_Comm comm = ym_grid_comm(grid);
    const int *L = ym_grid_L(grid), *o = ym_grid_origin(grid), *l = ym_grid_local(grid);
    if (ym_gauge_N(u) != 3)
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: openQCD files hold SU(3) only, cannot write SU(%d)", path,
                                              ym_gauge_N(u)));
    int bad = -1;
    for (int mu = 0; mu < 4; ++mu)
        if (L[mu] % 2 || ym_geom_bc(g, mu) != YM_BC_PERIODIC) bad = mu;
    if (bad >= 0)
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: openQCD needs even extents and a periodic lattice "
                                                         "(direction %d: L = %d)",
                                              path, bad, L[bad]));
    ym_plaquette pl;
    int st = ym_gauge_plaquette(u, &pl); /* also fills the halo: backward links */
    if (st) return st;
    const size_t rec_bytes = 8 * LINK_BYTES;
    int nodd = 0, nloc = ym_geom_ninterior(g);
    unsigned char *buf = malloc(rec_bytes * (size_t)(nloc / 2 + 1));
    int *rec = malloc(sizeof *rec * (size_t)(nloc / 2 + 1));
    st = ym_status_agree(comm, buf && rec ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory for the write buffer", path));
    if (st) {
        free(buf);
        free(rec);
        return st;
    }
    static const int our[4] = {3, 0, 1, 2}; /* openQCD direction -> ours */
    const int64_t vs = (int64_t)L[0] * L[1] * L[2];
    int x[4];
    /* Local sites in openQCD order (t slowest, then our x, y, z fastest):
     * the record slots come out increasing, as a file view needs. */
    for (x[3] = 0; x[3] < l[3]; ++x[3])
        for (x[0] = 0; x[0] < l[0]; ++x[0])
            for (x[1] = 0; x[1] < l[1]; ++x[1])
                for (x[2] = 0; x[2] < l[2]; ++x[2]) {
                    int y[4];
                    for (int mu = 0; mu < 4; ++mu) y[mu] = o[mu] + x[mu];
                    if ((y[0] + y[1] + y[2] + y[3]) % 2 == 0) continue;
                    int idx = ym_geom_index(g, x);
                    unsigned char *p = buf + (size_t)nodd * rec_bytes;
                    for (int m = 0; m < 4; ++m) {
                        int mu = our[m], dn = ym_geom_dn(g, mu)[idx];
                        ym_io_encode_link(p + (size_t)(2 * m) * LINK_BYTES, 8, 3, 3, ym_gauge_link(u, idx, mu));
                        ym_io_encode_link(p + (size_t)(2 * m + 1) * LINK_BYTES, 8, 3, 3, ym_gauge_link(u, dn, mu));
                    }
                    rec[nodd++] = (int)(((int64_t)y[3] * vs + ((int64_t)y[0] * L[1] + y[1]) * L[2] + y[2]) / 2);
                }
    if (!ym_io_is_little()) ym_io_swap(buf, rec_bytes * (size_t)nodd / 8, 8);
    unsigned char head[HEADER_BYTES];
    int32_t n[4] = {L[3], L[0], L[1], L[2]};
    double plaq = 3 * pl.total; /* openQCD: average Re tr P */
    if (!ym_io_is_little()) {
        ym_io_swap(n, 4, 4);
        ym_io_swap(&plaq, 1, 8);
    }
    memcpy(head, n, 16);
    memcpy(head + 16, &plaq, 8);
    st = ym_io_write_records(comm, path, overwrite, head, sizeof head, buf, rec_bytes, nodd, rec);
    free(buf);
    free(rec);
    return st;
}
