/* Format detection and dispatch (see ym_format.h). */
#include "ym_format.h"
#include "ym_curv.h"
#include "ym_hirep.h"
#include "ym_ildg.h"
#include "ym_ioutil.h"
#include "ym_milc.h"
#include "ym_nersc.h"
#include "ym_openqcd.h"
#include "ym_raw.h"
#include "ym_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ym_format_name(ym_format f)
{
    switch (f) {
    case YM_FMT_RAW: return "ymflow-raw";
    case YM_FMT_ILDG: return "ildg";
    case YM_FMT_SCIDAC: return "scidac";
    case YM_FMT_NERSC: return "nersc";
    case YM_FMT_MILC: return "milc";
    case YM_FMT_OPENQCD: return "openqcd";
    case YM_FMT_HIREP: return "hirep";
    case YM_FMT_HEADERLESS: return "headerless";
    default: return "unknown";
    }
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static ym_format detect_bytes(const unsigned char *h, size_t n, long long size)
{
    if (n >= 4 && ym_io_be32(h) == 0x456789abu) return YM_FMT_ILDG;
    if (n >= 12 && !memcmp(h, "BEGIN_HEADER", 12)) return YM_FMT_NERSC;
    if (n >= 12 && !memcmp(h, "ymflow-raw 1", 12)) return YM_FMT_RAW;
    if (n >= 4 && (le32(h) == 20103 || ym_io_be32(h) == 20103 || le32(h) == 20104 || ym_io_be32(h) == 20104 ||
                   le32(h) == 0xe7da || ym_io_be32(h) == 0xe7da)) return YM_FMT_MILC;
    if (n >= YM_HIREP_HEADER) {
        /* HiRep has no magic: big-endian Ng, T, X, Y, Z, a double plaquette,
         * then Ng x Ng double links: recognised by the exact size. */
        uint32_t ng = ym_io_be32(h);
        double v = 1;
        for (int k = 1; k < 5; ++k) {
            uint32_t d = ym_io_be32(h + 4 * k);
            v *= d >= 1 && d <= YM_LMAX ? d : 0;
        }
        if (ng >= 2 && ng <= YM_NMAX && v > 0 && (double)size == YM_HIREP_HEADER + v * 4 * ng * ng * 16)
            return YM_FMT_HIREP;
    }
    if (n >= 16) {
        /* openQCD has no magic: four little-endian extents (t, x, y, z),
         * a double plaquette, then 8 double SU(3) links per odd site. */
        double v = 1;
        for (int k = 0; k < 4; ++k) {
            uint32_t d = le32(h + 4 * k);
            if (d < 1 || d > YM_LMAX) return YM_FMT_UNKNOWN;
            v *= d;
        }
        if ((double)size == 24 + v * 4 * 144) return YM_FMT_OPENQCD;
    }
    return YM_FMT_UNKNOWN;
}

int ym_format_detect(MPI_Comm comm, const char *path, ym_format *fmt)
{
    int rank, st = YM_OK, f = YM_FMT_UNKNOWN;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        long long size = 0;
        unsigned char h[32];
        FILE *fp = NULL;
        st = ym_io_file_size(path, &size);
        if (!st && !(fp = fopen(path, "rb"))) st = YM_ERROR(YM_EIO, "%s: cannot open", path);
        if (!st) f = detect_bytes(h, fread(h, 1, sizeof h, fp), size);
        if (fp) fclose(fp);
    }
    st = ym_status_agree(comm, st);
    MPI_Bcast(&f, 1, MPI_INT, 0, comm);
    *fmt = (ym_format)f;
    return st;
}

int ym_config_read_header(MPI_Comm comm, const char *path, ym_config_info *info)
{
    ym_format f;
    memset(info, 0, sizeof *info);
    int st = ym_format_detect(comm, path, &f);
    if (st) return st;
    switch (f) {
    case YM_FMT_ILDG:
    case YM_FMT_SCIDAC: return ym_ildg_read_header(comm, path, info);
    case YM_FMT_NERSC: return ym_nersc_read_header(comm, path, info);
    case YM_FMT_MILC: return ym_milc_read_header(comm, path, info);
    case YM_FMT_RAW: {
        ym_raw_header h;
        if ((st = ym_raw_read_header(comm, path, &h))) return st;
        info->format = YM_FMT_RAW;
        info->N = h.N;
        memcpy(info->L, h.L, sizeof h.L);
        info->precision = 64;
        info->big_endian = 1;
        info->rows = h.N;
        info->data_offset = h.data_offset;
        info->has_checksum = 1;
        info->nchecksum = 2;
        info->sum[0] = h.sum29;
        info->sum[1] = h.sum31;
        return YM_OK;
    }
    case YM_FMT_OPENQCD: return ym_openqcd_read_header(comm, path, info);
    case YM_FMT_HIREP: return ym_hirep_read_header(comm, path, info);
    default:
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s: unknown format (not LIME/ILDG, NERSC, MILC, openQCD, "
                                                          "HiRep or ymflow raw; headerless links need their layout given: "
                                                          "--headerless)",
                                              path));
    }
}

int ym_config_read_into(ym_gauge *u, const char *path, ym_config_info *info)
{
    int st;
    switch (info->format) {
    case YM_FMT_ILDG:
    case YM_FMT_SCIDAC: st = ym_ildg_read(u, path, info); break;
    case YM_FMT_NERSC: st = ym_nersc_read(u, path, info); break;
    case YM_FMT_MILC: st = ym_milc_read_flags(u, path, info, info->flags); break;
    case YM_FMT_OPENQCD: st = ym_openqcd_read_flags(u, path, info, info->flags); break;
    case YM_FMT_HIREP: st = ym_hirep_read(u, path, info); break;
    case YM_FMT_HEADERLESS:
        /* nothing stored to check: size (header), finiteness and unitarity */
        st = ym_io_read_links(u, path, info, NULL, NULL);
        break;
    case YM_FMT_RAW:
        st = ym_raw_read_flags(u, path, info->flags, &info->checksum_bad);
        if (!st) info->checksum_ok = !info->checksum_bad;
        break;
    default:
        return ym_status_agree(ym_grid_comm(ym_geom_grid(ym_gauge_geom(u))),
                               YM_ERROR(YM_EINVAL, "%s: cannot read format '%s'", path, ym_format_name(info->format)));
    }
    if (st) return st;
    if (info->format != YM_FMT_NERSC && info->format != YM_FMT_OPENQCD && info->format != YM_FMT_MILC &&
        info->format != YM_FMT_HIREP) {
        /* NERSC, MILC and openQCD already measured it while checking the header. */
        ym_plaquette p;
        if ((st = ym_gauge_plaquette(u, &p))) return st;
        info->plaquette_read = p.total;
    }
    return YM_OK;
}

int ym_config_read(MPI_Comm comm, const char *path, const int pd[4], int depth, ym_grid **grid, ym_geom **geom,
                   ym_gauge **u, ym_config_info *info)
{
    return ym_config_read_flags(comm, path, pd, depth, 0, grid, geom, u, info);
}

int ym_config_read_flags(MPI_Comm comm, const char *path, const int pd[4], int depth, unsigned flags, ym_grid **grid,
                         ym_geom **geom, ym_gauge **u, ym_config_info *info)
{
    return ym_config_read_layout(comm, path, pd, depth, flags, NULL, grid, geom, u, info);
}

int ym_headerless_parse(const char *s, ym_headerless *h)
{
    char buf[256];
    int haveN = 0, haveL = 0, haveT = 0;
    memset(h, 0, sizeof *h);
    if (!s || snprintf(buf, sizeof buf, "%s", s) >= (int)sizeof buf)
        return YM_ERROR(YM_EINVAL, "headerless: layout missing or too long");
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        if (!strncmp(t, "N=", 2)) {
            long n = strtol(t + 2, &end, 10);
            if (end == t + 2 || *end || n < 1 || n > YM_NMAX)
                return YM_ERROR(YM_EINVAL, "headerless: '%s': N must be an integer in 1..%d", t, YM_NMAX);
            h->N = (int)n;
            haveN = 1;
        } else if (!strncmp(t, "dims=", 5)) {
            int st = ym_parse_dims(t + 5, "headerless: dims", h->L);
            if (st) return st;
            haveL = 1;
        } else if (strlen(t) == 5 && t[0] == 'f' && (!strncmp(t + 1, "64", 2) || !strncmp(t + 1, "32", 2)) &&
                   (!strcmp(t + 3, "be") || !strcmp(t + 3, "le"))) {
            h->precision = t[1] == '6' ? 64 : 32;
            h->big_endian = t[3] == 'b';
            haveT = 1;
        } else
            return YM_ERROR(YM_EINVAL, "headerless: '%s' is not N=<n>, dims=AxBxCxD or f64be|f64le|f32be|f32le", t);
    }
    if (!haveN || !haveL || !haveT)
        return YM_ERROR(YM_EINVAL, "headerless: '%s' lacks %s (example: N=2,dims=4x4x4x8,f64be)", s,
                        !haveN ? "N=<n>" : !haveL ? "dims=AxBxCxD" : "the number type (f64be, f64le, f32be, f32le)");
    return YM_OK;
}

int ym_headerless_read_header(MPI_Comm comm, const char *path, const ym_headerless *h, ym_config_info *info)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    memset(info, 0, sizeof *info);
    if (h->N < 1 || h->N > YM_NMAX || (h->precision != 32 && h->precision != 64))
        return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: headerless layout: N = %d, precision %d", path, h->N,
                                              h->precision));
    for (int mu = 0; mu < 4; ++mu)
        if (h->L[mu] < 1 || h->L[mu] > YM_LMAX)
            return ym_status_agree(comm, YM_ERROR(YM_EINVAL, "%s: headerless layout: extent %d = %d", path, mu, h->L[mu]));
    if (rank == 0) {
        long long size = 0;
        st = ym_io_file_size(path, &size);
        double want = (double)h->L[0] * h->L[1] * h->L[2] * h->L[3] * 4.0 * h->N * h->N * 2 * (h->precision / 8);
        if (!st && (double)size != want)
            st = YM_ERROR(YM_EFORMAT,
                          "%s: %lld bytes, but a headerless SU(%d) %dx%dx%dx%d f%d%s file has %.0f (V*4*N^2*2*%d); "
                          "wrong layout?",
                          path, size, h->N, h->L[0], h->L[1], h->L[2], h->L[3], h->precision,
                          h->big_endian ? "be" : "le", want, h->precision / 8);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;
    info->format = YM_FMT_HEADERLESS;
    info->N = h->N;
    info->rows = h->N;
    memcpy(info->L, h->L, sizeof info->L);
    info->precision = h->precision;
    info->big_endian = h->big_endian;
    info->data_offset = 0;
    snprintf(info->datatype, sizeof info->datatype, "SU(%d) f%d%s (user layout)", h->N, h->precision,
             h->big_endian ? "be" : "le");
    return YM_OK;
}

int ym_boundary_parse(const char *s, int bc[4])
{
    char buf[128];
    if (!s || strlen(s) >= sizeof buf) return YM_ERROR(YM_EINVAL, "boundary: missing or too long");
    strcpy(buf, s);
    int n = 0, b[4] = {0, 0, 0, 0};
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
        if (n == 4) return YM_ERROR(YM_EINVAL, "boundary: '%s' has more than four entries", s);
        if (!strcmp(tok, "periodic")) b[n++] = YM_BC_PERIODIC;
        else if (!strcmp(tok, "open")) b[n++] = YM_BC_OPEN;
        else return YM_ERROR(YM_EINVAL, "boundary: '%s' is not periodic or open", tok);
    }
    if (n == 1) b[1] = b[2] = b[3] = b[0];
    else if (n != 4) return YM_ERROR(YM_EINVAL, "boundary: give one value or four comma-separated ones");
    memcpy(bc, b, sizeof b);
    return YM_OK;
}

int ym_metadata_boundary(const char *text, int bc[4], int *found)
{
    *found = 0;
    for (const char *p = text; p && *p;) {
        const char *e = p + strcspn(p, "\n");
        const char *q = p;
        while (q < e && (*q == ' ' || *q == '\t')) ++q;
        if ((size_t)(e - q) > 8 && !strncmp(q, "boundary", 8)) {
            q += 8;
            while (q < e && (*q == ' ' || *q == '\t')) ++q;
            if (q < e && *q == '=') {
                char v[128];
                ++q;
                while (q < e && (*q == ' ' || *q == '\t')) ++q;
                size_t len = (size_t)(e - q);
                while (len && (q[len - 1] == ' ' || q[len - 1] == '\t' || q[len - 1] == '\r')) --len;
                if (len >= sizeof v) return YM_ERROR(YM_EFORMAT, "metadata: boundary value too long");
                memcpy(v, q, len);
                v[len] = 0;
                int st = ym_boundary_parse(v, bc);
                if (st) return st;
                *found = 1;
                return YM_OK;
            }
        }
        p = *e ? e + 1 : e;
    }
    return YM_OK;
}

int ym_config_read_layout(MPI_Comm comm, const char *path, const int pd[4], int depth, unsigned flags,
                          const ym_headerless *layout, ym_grid **grid, ym_geom **geom, ym_gauge **u,
                          ym_config_info *info)
{
    return ym_config_read_bc(comm, path, pd, depth, flags, layout, NULL, grid, geom, u, info);
}

int ym_config_read_bc(MPI_Comm comm, const char *path, const int pd[4], int depth, unsigned flags,
                      const ym_headerless *layout, const int bc_given[4], ym_grid **grid, ym_geom **geom,
                      ym_gauge **u, ym_config_info *info)
{
    *grid = NULL;
    *geom = NULL;
    *u = NULL;
    int bc[4] = {0, 0, 0, 0};
    int st = layout ? ym_headerless_read_header(comm, path, layout, info) : ym_config_read_header(comm, path, info);
    info->flags = flags;
    info->boundary_from_file = 0;
    if (!st && bc_given) memcpy(bc, bc_given, sizeof bc);
    else if (!st && !layout) {
        /* a field embedded from recorded data is not periodic: the file says
         * so, and flowing it across the data's edges would be wrong */
        char *meta = NULL;
        int found = 0;
        st = ym_config_read_metadata(comm, path, info, &meta);
        if (!st && meta) st = ym_metadata_boundary(meta, bc, &found);
        free(meta);
        info->boundary_from_file = found;
        st = ym_status_agree(comm, st);
    }
    memcpy(info->bc, bc, sizeof bc);
    if (!st) st = ym_grid_create(grid, comm, info->L, pd, depth < 1 ? 1 : depth);
    if (!st) st = ym_geom_create(geom, *grid, depth < 1 ? 1 : depth, bc);
    if (!st) st = ym_gauge_create(u, *geom, info->N);
    if (!st) st = ym_config_read_into(*u, path, info);
    if (st) {
        ym_gauge_free(*u);
        ym_geom_free(*geom);
        ym_grid_free(*grid);
        *u = NULL;
        *geom = NULL;
        *grid = NULL;
    }
    return st;
}

int ym_config_read_metadata(MPI_Comm comm, const char *path, const ym_config_info *info, char **text)
{
    *text = NULL;
    if (info->format == YM_FMT_NERSC) return ym_nersc_read_metadata(comm, path, text);
    if (info->format == YM_FMT_MILC) return ym_milc_read_metadata(comm, path, text);
    if (info->format != YM_FMT_ILDG && info->format != YM_FMT_SCIDAC) return YM_OK;
    ym_lime_list x = YM_LIME_LIST_INIT;
    int st = ym_ildg_read_extra(comm, path, &x);
    size_t n = 0;
    for (int i = 0; !st && i < x.n; ++i)
        if (!strcmp(x.rec[i].type, YM_ILDG_METADATA)) n += (size_t)x.rec[i].length + 1;
    char *out = NULL;
    if (!st && n) {
        out = malloc(n + 1);
        st = ym_status_agree(comm, out ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory", path));
    }
    size_t o = 0;
    for (int i = 0; !st && out && i < x.n; ++i) {
        const ym_lime_blob *r = &x.rec[i];
        if (strcmp(r->type, YM_ILDG_METADATA) || !r->length) continue;
        /* a NUL inside the record would end the text early: stop there */
        size_t l = strnlen((const char *)r->data, (size_t)r->length);
        memcpy(out + o, r->data, l);
        o += l;
        if (l && out[o - 1] != '\n') out[o++] = '\n';
    }
    if (out) out[o] = '\0';
    ym_lime_list_free(&x);
    if (st || !o) {
        free(out);
        out = NULL;
    }
    *text = out;
    return st;
}
