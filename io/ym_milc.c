/* MILC v5 reading (see ym_milc.h). */
#define _POSIX_C_SOURCE 200809L /* gmtime_r, localtime_r */
#include "ym_milc.h"
#include "ym_ioutil.h"
#include "ym_status.h"

#include "ym_curv.h"
#include "ym_sum.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

static uint32_t get32(const unsigned char *p, int swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    if (swap) ym_io_swap(&v, 1, 4);
    return v;
}

/* Number of digits after the decimal point in a printed number. */
static int decimals(const char *v)
{
    const char *d = strchr(v, '.');
    int n = 0;
    if (!d) return 0;
    for (++d; *d >= '0' && *d <= '9'; ++d) ++n;
    return n;
}

/* Read <path>.info when present (rank 0): "key value" or "key = value"
 * lines. Cross-checks dims and checksums against the binary header, keeps
 * the plaquettes, link trace and NERSC checksum it records. */
static int read_sidecar(const char *path, ym_config_info *info)
{
    char ipath[4096], line[1024];
    if (snprintf(ipath, sizeof ipath, "%s.info", path) >= (int)sizeof ipath) return YM_OK;
    FILE *f = fopen(ipath, "r");
    if (!f) return YM_OK; /* no sidecar: nothing to check */
    int st = YM_OK, have_ss = 0, have_st = 0, lineno = 0;
    double ss = 0, stp = 0, tol = 0;
    info->has_sidecar = 1;
    while (!st && fgets(line, sizeof line, f)) {
        char key[128], *p = line, *end;
        int n = 0;
        ++lineno;
        if (sscanf(p, " %127[^= \t\r\n]%n", key, &n) != 1) continue;
        p += n;
        while (*p == ' ' || *p == '\t') ++p;
        if (*p == '=') ++p;
        while (*p == ' ' || *p == '\t') ++p;
        char val[512];
        snprintf(val, sizeof val, "%s", p);
        val[strcspn(val, "\r\n")] = '\0';
        int d = -1;
        static const char *dimkey[4] = {"nx", "ny", "nz", "nt"};
        for (int mu = 0; mu < 4; ++mu)
            if (!strcmp(key, dimkey[mu])) d = mu;
        if (d >= 0) {
            long v = strtol(val, &end, 10);
            if (end == val || v != info->L[d])
                st = YM_ERROR(YM_EFORMAT, "%s: line %d: %s = '%s', the binary header says %d", ipath, lineno, key, val,
                              info->L[d]);
        } else if (!strcmp(key, "action.description") && strstr(val, "Schroedinger")) {
            /* MILC's Schroedinger-functional files (lat.sample.5p7): the
             * t = 0 spatial links hold the boundary field; see ym_milc_read_flags. */
            info->milc_sf = 1;
        } else if (!strcmp(key, "gauge.description") && strstr(val, "bc_flag")) {
            info->milc_sf_bc_flag = atoi(strstr(val, "bc_flag") + 7);
        } else if (!strcmp(key, "gauge.beta11")) {
            info->milc_sf_beta = strtod(val, NULL);
        } else if (!strcmp(key, "checksums") && info->has_checksum) {
            unsigned a, b;
            if (sscanf(val, " \"%x %x\"", &a, &b) != 2 && sscanf(val, " %x %x", &a, &b) != 2)
                st = YM_ERROR(YM_EFORMAT, "%s: line %d: checksums = '%s' is not two hexadecimal numbers", ipath,
                              lineno, val);
            else if (a != info->sum[0] || b != info->sum[1])
                st = YM_ERROR(YM_EFORMAT, "%s: line %d: checksums %x %x, the binary header says %x %x", ipath, lineno,
                              a, b, info->sum[0], info->sum[1]);
        } else if (!strcmp(key, "gauge.ssplaq") || !strcmp(key, "gauge.stplaq") || !strcmp(key, "gauge.plaquette") ||
                   !strcmp(key, "gauge.nersc_linktr")) {
            double v = strtod(val, &end);
            if (end == val || !isfinite(v)) {
                st = YM_ERROR(YM_EFORMAT, "%s: line %d: %s = '%s' is not a number", ipath, lineno, key, val);
                break;
            }
            /* MILC prints ReTr (max 3); one unit of the last digit. */
            double t = pow(10.0, -decimals(val));
            if (!strcmp(key, "gauge.ssplaq")) ss = v / 3, have_ss = 1, tol = fmax(tol, t / 3);
            else if (!strcmp(key, "gauge.stplaq")) stp = v / 3, have_st = 1, tol = fmax(tol, t / 3);
            else if (!strcmp(key, "gauge.plaquette")) {
                info->plaquette = v / 3;
                info->has_plaquette = 1;
                tol = fmax(tol, t / 3);
            } else {
                info->link_trace = v; /* MILC: Re tr U / 3, as ours */
                info->has_link_trace = 1;
                info->link_trace_tol = t;
            }
        } else if (!strcmp(key, "gauge.nersc_checksum")) {
            unsigned long v = strtoul(val, &end, 10);
            if (end == val || v > 0xffffffffUL)
                st = YM_ERROR(YM_EFORMAT, "%s: line %d: gauge.nersc_checksum = '%s' is not a 32-bit integer", ipath,
                              lineno, val);
            info->nersc_checksum = (uint32_t)v;
            info->has_nersc_checksum = 1;
        }
    }
    fclose(f);
    if (st) return st;
    if (have_ss != have_st)
        return YM_ERROR(YM_EFORMAT, "%s: has gauge.%s but not gauge.%s", ipath, have_ss ? "ssplaq" : "stplaq",
                        have_ss ? "stplaq" : "ssplaq");
    if (have_ss) {
        info->has_plaquette_st = 1;
        info->plaquette_s = ss;
        info->plaquette_t = stp;
        if (!info->has_plaquette) {
            info->plaquette = (ss + stp) / 2;
            info->has_plaquette = 1;
        }
    }
    info->plaquette_tol = tol;
    return YM_OK;
}

static int parse_header(const char *path, FILE *f, unsigned char *h, size_t got, long long size, void *out)
{
    ym_config_info *info = out;
    int st = YM_OK;
    (void)f;
    if (!st && got < 4)
        st = YM_ERROR(YM_EFORMAT, "%s: shorter (%lld bytes) than a MILC magic number", path, size);
    int swap = 0;
    uint32_t magic = 0;
    if (!st) {
        if (get32(h, 0) != YM_MILC_MAGIC && get32(h, 0) != YM_MILC_MAGIC64 && get32(h, 0) != YM_MILC_MAGIC_OLD)
            swap = 1;
        magic = get32(h, swap);
        if (magic != YM_MILC_MAGIC && magic != YM_MILC_MAGIC64 && magic != YM_MILC_MAGIC_OLD)
            st = YM_ERROR(YM_EFORMAT,
                          "%s: magic number %u (0x%08x), expected %d or %d (MILC v5) or 0x%x (MILC v1-4) in "
                          "either byte order",
                          path, get32(h, 0), get32(h, 0), YM_MILC_MAGIC, YM_MILC_MAGIC64, YM_MILC_MAGIC_OLD);
    }
    const int old = magic == YM_MILC_MAGIC_OLD;
    const size_t hlen = old ? YM_MILC_HEADER_OLD : YM_MILC_HEADER;
    if (!st && got < hlen)
        st = YM_ERROR(YM_EFORMAT, "%s: shorter (%lld bytes) than a MILC %s header (%zu)", path, size,
                      old ? "v1-4" : "v5", hlen);
    if (!st) {
        info->precision = magic == YM_MILC_MAGIC64 ? 64 : 32;
        info->big_endian = ym_io_is_little() ? swap : !swap;
        info->milc_version = old ? 4 : 5;
        for (int mu = 0; !st && mu < 4; ++mu) {
            int32_t d = (int32_t)get32(h + 4 + 4 * mu, swap);
            if (d < 1 || d > YM_LMAX)
                st = YM_ERROR(YM_EFORMAT, "%s: dimension %d = %d is outside 1..%d", path, mu, (int)d, YM_LMAX);
            info->L[mu] = d;
        }
        if (old) {
            /* v1-4: magic, nx ny nz nt, then two floats (beta, kappa);
             * no time stamp, site order or checksum. */
            uint32_t b = get32(h + 20, swap), k = get32(h + 24, swap);
            memcpy(&info->milc_beta, &b, 4);
            memcpy(&info->milc_kappa, &k, 4);
        } else {
            uint32_t order = get32(h + 84, swap);
            if (!st && order != 0)
                st = YM_ERROR(YM_EFORMAT, "%s: site order %u, only 0 (natural, x fastest) is supported", path,
                              order);
            info->sum[0] = get32(h + 88, swap);
            info->sum[1] = get32(h + 92, swap);
        }
    }
    if (!st) {
        info->format = YM_FMT_MILC;
        info->N = 3;
        info->rows = 3;
        info->data_offset = (long long)hlen;
        info->has_checksum = !old;
        info->nchecksum = old ? 0 : 2;
        snprintf(info->datatype, sizeof info->datatype, "MILC %s%s-precision SU(3)", old ? "v1-4 " : "",
                 info->precision == 64 ? "double" : "single");
        double want = (double)hlen + (double)info->L[0] * info->L[1] * info->L[2] * info->L[3] * 4 * 18 *
                                         (info->precision / 8);
        if ((double)size != want)
            st = YM_ERROR(YM_EFORMAT, "%s: size %lld bytes, expected %.0f for %dx%dx%dx%d (truncated or padded)", path,
                          size, want, info->L[0], info->L[1], info->L[2], info->L[3]);
    }
    if (!st) st = read_sidecar(path, info);
    return st;
}

int ym_milc_read_header(MPI_Comm comm, const char *path, ym_config_info *info)
{
    return ym_io_read_header(comm, path, YM_MILC_HEADER, parse_header, info, sizeof *info);
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
        return YM_ERROR(YM_EFORMAT, "%s: MILC checksum mismatch: stored %x %x, data %x %x%s", path, info->sum[0],
                        info->sum[1], s[0], s[1],
                        info->milc_sf ? " (a Schroedinger-functional file; no known rule reproduces its stored sums: "
                                        "--accept-bad-checksum reads it anyway)"
                                      : "");
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


/* MILC's Schroedinger-functional boundary (generic_schroed's
 * set_boundary_fields): every spatial link at t = 0 is
 * c_t diag(e^{-i phi}, 1, e^{i phi}) with c_t = 1 - (0.534 + c_t11)/beta
 * and phi = pi/(6 nx) (bc_flag 2), pi/(3 nx) (bc_flag 1) or 0 (bc_flag 0):
 * the boundary-plaquette weight c_t is folded into the links. Runs after
 * the checksum on native numbers: checks every such link has that form
 * with one c_t and phi, records them, and puts unit links in their place so
 * that the bulk goes through the usual SU(3) checks (the stored boundary is
 * restored afterwards). */
static int sf_boundary(const ym_geom *g, const char *path, unsigned char *buf, size_t site_bytes,
                       ym_config_info *info)
{
    int st = verify(g, path, buf, site_bytes, info, (info->flags & YM_IO_ACCEPT_BAD_CHECKSUM) != 0);
    const int *in = ym_geom_interior(g);
    const size_t link_bytes = site_bytes / 4;
    const int dbl = info->precision == 64;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    int64_t bad = -1;
    double u00[2] = {NAN, NAN};
    for (int i = 0; !st && i < ym_geom_ninterior(g); ++i) {
        int x[4];
        ym_geom_global_coords(g, in[i], x);
        if (x[3] != 0) continue;
        for (int mu = 0; mu < 3; ++mu) {
            unsigned char *p = buf + (size_t)i * site_bytes + mu * link_bytes;
            double v[18];
            for (int k = 0; k < 18; ++k) {
                if (dbl) memcpy(&v[k], p + 8 * k, 8);
                else {
                    float f;
                    memcpy(&f, p + 4 * k, 4);
                    v[k] = f;
                }
            }
            /* diag(a, c, conj a) with c real and |a| = c */
            int ok = 1;
            for (int r = 0; r < 3; ++r)
                for (int c = 0; c < 3; ++c)
                    if (r != c && (v[2 * (3 * r + c)] != 0 || v[2 * (3 * r + c) + 1] != 0)) ok = 0;
            double ct = v[8], ar = v[0], ai = v[1];
            if (v[9] != 0 || v[16] != ar || v[17] != -ai || !(ct > 0) || fabs(hypot(ar, ai) - ct) > 1e-6 * ct) ok = 0;
            if (!ok) {
                bad = ym_geom_global_index(g, in[i]);
                break;
            }
            double w[2] = {ct, atan2(-ai, ar)};
            u00[0] = ar, u00[1] = ai;
            for (int k = 0; k < 2; ++k) lo[k] = fmin(lo[k], w[k]), hi[k] = fmax(hi[k], w[k]);
            /* unit link in its place for the SU(3) checks of the bulk */
            for (int k = 0; k < 18; ++k) {
                double e = k % 8 == 0 ? 1 : 0;
                if (dbl) memcpy(p + 8 * k, &e, 8);
                else {
                    float f = (float)e;
                    memcpy(p + 4 * k, &f, 4);
                }
            }
        }
    }
    if (st) return st;
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(g));
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_MAX, comm);
    MPI_Allreduce(MPI_IN_PLACE, lo, 2, MPI_DOUBLE, MPI_MIN, comm);
    MPI_Allreduce(MPI_IN_PLACE, hi, 2, MPI_DOUBLE, MPI_MAX, comm);
    if (bad >= 0)
        return YM_ERROR(YM_EFORMAT, "%s: Schroedinger-functional boundary link at site %lld is not c_t diag(e^{-i phi}, "
                                    "1, e^{i phi})",
                        path, (long long)bad);
    /* float data: one value per file, so spreads are exact zeros */
    if (hi[0] - lo[0] > 1e-7 || hi[1] - lo[1] > 1e-6)
        return YM_ERROR(YM_EFORMAT, "%s: Schroedinger-functional boundary links differ (c_t %.9g..%.9g, phi %.9g..%.9g)",
                        path, lo[0], hi[0], lo[1], hi[1]);
    const double pi = 3.14159265358979323846;
    int flag = info->milc_sf_bc_flag;
    double want = flag == 2 ? pi / (6 * info->L[0]) : flag == 1 ? pi / (3 * info->L[0]) : 0;
    if ((flag < 0 || flag > 2) || fabs(lo[1] - want) > 1e-6)
        return YM_ERROR(YM_EFORMAT, "%s: Schroedinger-functional boundary phase %.9g, MILC's bc_flag %d gives %.9g", path,
                        lo[1], flag, want);
    info->milc_sf_ct = lo[0];
    info->milc_sf_phi = lo[1];
    /* ranks without t = 0 sites (t split) take the value of one that has
     * them: max picks a stored value exactly */
    long long src[2] = {isnan(u00[0]) ? -1 : ym_grid_rank(ym_geom_grid(g)), 0};
    MPI_Allreduce(MPI_IN_PLACE, src, 1, MPI_LONG_LONG, MPI_MAX, comm);
    MPI_Bcast(u00, 2, MPI_DOUBLE, (int)src[0], comm);
    info->milc_sf_u00[0] = u00[0];
    info->milc_sf_u00[1] = u00[1];
    return YM_OK;
}

int ym_milc_read_flags(ym_gauge *u, const char *path, ym_config_info *info, unsigned flags)
{
    MPI_Comm comm = ym_grid_comm(ym_geom_grid(ym_gauge_geom(u)));
    if (info->milc_sf && !(flags & YM_CONFIG_MILC_SF))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT,
                                              "%s: a MILC Schroedinger-functional configuration (%s.info): its t = 0 "
                                              "spatial links are the c_t-weighted boundary field, not SU(3); refused "
                                              "for computations (ymflow info reports it)",
                                              path, path));
    info->flags = flags;
    int st = ym_io_read_links(u, path, info, NULL,
                              info->milc_sf ? sf_boundary
                              : !info->has_checksum ? NULL
                              : (flags & YM_IO_ACCEPT_BAD_CHECKSUM) ? verify_accept
                                                                      : verify_strict);
    if (st) return st;
    if (info->milc_sf) {
        /* restore the boundary as stored: c_t diag(e^{-i phi}, 1, e^{i phi}) */
        const ym_geom *g = ym_gauge_geom(u);
        const int *in = ym_geom_interior(g);
        ym_cplx a = info->milc_sf_u00[0] + I * info->milc_sf_u00[1];
        for (int i = 0; i < ym_geom_ninterior(g); ++i) {
            int x[4];
            ym_geom_global_coords(g, in[i], x);
            for (int mu = 0; x[3] == 0 && mu < 3; ++mu) {
                ym_cplx *l = ym_gauge_link(u, in[i], mu);
                for (int k = 0; k < 9; ++k) l[k] = 0;
                l[0] = a, l[4] = info->milc_sf_ct, l[8] = conj(a);
            }
        }
        if ((st = ym_gauge_halo_update(u))) return st;
    }
    ym_plaquette p;
    if ((st = ym_gauge_plaquette(u, &p))) return st;
    info->plaquette_read = p.total;
    /* The .info values, to one unit of their last printed digit (plus the
     * ~1e-7 that reunitarising single-precision links moves them). */
    double tol = info->plaquette_tol + (info->precision == 32 ? 3e-7 : 1e-12);
    if (info->has_plaquette_st &&
        !(fabs(p.spatial - info->plaquette_s) <= tol && fabs(p.temporal - info->plaquette_t) <= tol))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT,
                                              "%s.info: gauge.ssplaq/stplaq %.7f %.7f (ReTr), links give %.7f %.7f "
                                              "(tolerance %.2g)",
                                              path, 3 * info->plaquette_s, 3 * info->plaquette_t, 3 * p.spatial,
                                              3 * p.temporal, 3 * tol));
    if (info->has_plaquette && !(fabs(p.total - info->plaquette) <= tol))
        return ym_status_agree(comm, YM_ERROR(YM_EFORMAT, "%s.info: plaquette %.7f (ReTr), links give %.7f (tolerance %.2g)",
                                              path, 3 * info->plaquette, 3 * p.total, 3 * tol));
    if (info->has_link_trace) {
        double tr, ttol = info->link_trace_tol + (info->precision == 32 ? 3e-7 : 1e-12);
        if ((st = ym_io_link_trace(u, &tr))) return st;
        if (!(fabs(tr - info->link_trace) <= ttol))
            return ym_status_agree(comm, YM_ERROR(YM_EFORMAT,
                                                  "%s.info: gauge.nersc_linktr %.7f, links give %.7f (tolerance %.2g)",
                                                  path, info->link_trace, tr, ttol));
    }
    return YM_OK;
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

int ym_milc_write(ym_gauge *u, const char *path, int overwrite) { return ym_milc_write_ex(u, path, overwrite, NULL); }

/* The .info sidecar of a written file: what MILC's own sidecar opens with
 * (magic, time stamp, checksums, dims, each cross-checked by our reader),
 * then the metadata lines as YM_MILC_METADATA_KEY<k> entries. */
static char *info_text(const int *L, const char *ts, const uint32_t s[2], const char *metadata)
{
    size_t cap = 512 + (metadata ? 2 * strlen(metadata) + 64 : 0), o = 0;
    char *t = malloc(cap);
    if (!t) return NULL;
    o += (size_t)snprintf(t + o, cap - o, "magic_number %d\ntime_stamp \"%s\"\nchecksums \"%x %x\"\n", YM_MILC_MAGIC, ts,
                          (unsigned)s[0], (unsigned)s[1]);
    o += (size_t)snprintf(t + o, cap - o, "nx %d\nny %d\nnz %d\nnt %d\n", L[0], L[1], L[2], L[3]);
    int k = 0;
    for (const char *p = metadata; p && *p;) {
        size_t l = strcspn(p, "\n");
        if (l) o += (size_t)snprintf(t + o, cap - o, "%s%03d %.*s\n", YM_MILC_METADATA_KEY, ++k, (int)l, p);
        p += l + (p[l] == '\n');
    }
    return t;
}

/* Same rules as the NERSC header lines: one printable ASCII line each. */
static int check_metadata(const char *path, const char *m)
{
    for (const char *p = m; p && *p;) {
        size_t l = strcspn(p, "\n");
        if (l > 1000) return YM_ERROR(YM_EINVAL, "%s.info: metadata line of %zu bytes (at most 1000)", path, l);
        for (size_t i = 0; i < l; ++i)
            if ((unsigned char)p[i] < 32 || (unsigned char)p[i] > 126)
                return YM_ERROR(YM_EINVAL, "%s.info: metadata holds a byte 0x%02x that is not printable ASCII", path,
                                (unsigned char)p[i]);
        p += l + (p[l] == '\n');
    }
    return YM_OK;
}

int ym_milc_write_ex(ym_gauge *u, const char *path, int overwrite, const char *metadata)
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
    /* the sidecar is checked before the binary is written, so a refusal
     * leaves both files as they were */
    char ipath[4096];
    if (snprintf(ipath, sizeof ipath, "%s.info", path) >= (int)sizeof ipath)
        st = YM_ERROR(YM_EINVAL, "%s: path too long", path);
    if (!st) st = check_metadata(path, metadata);
    if (!st && rank == 0 && !overwrite && access(ipath, F_OK) == 0)
        st = YM_ERROR(YM_EIO, "%s: exists (refusing to overwrite)", ipath);
    char *text = NULL;
    if (!st && rank == 0 && !(text = info_text(L, ts, s, metadata))) st = YM_ERROR(YM_ENOMEM, "%s: out of memory", ipath);
    st = ym_status_agree(comm, st);
    if (!st) st = ym_io_write_sites(g, path, overwrite, head, sizeof head, buf, site_bytes, NULL, 0);
    free(buf);
    if (!st)
        st = ym_io_write_records(comm, ipath, 1, text, rank == 0 ? strlen(text) : 0, NULL, 1, 0, NULL);
    free(text);
    return st;
}

int ym_milc_read_metadata(MPI_Comm comm, const char *path, char **text)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    *text = NULL;
    char *out = NULL;
    long long n = 0;
    if (rank == 0) {
        char ipath[4096], line[1200];
        FILE *f = snprintf(ipath, sizeof ipath, "%s.info", path) < (int)sizeof ipath ? fopen(ipath, "r") : NULL;
        size_t kl = strlen(YM_MILC_METADATA_KEY), cap = 0, o = 0;
        /* written in number order; lines of another order are kept as read */
        while (f && !st && fgets(line, sizeof line, f)) {
            char *p = line;
            while (*p == ' ' || *p == '\t') ++p;
            if (strncmp(p, YM_MILC_METADATA_KEY, kl)) continue;
            p += kl;
            while (*p >= '0' && *p <= '9') ++p;
            while (*p == ' ' || *p == '\t') ++p;
            size_t l = strcspn(p, "\r\n");
            if (o + l + 2 > cap) {
                size_t nc = 2 * cap + l + 256;
                char *nb = realloc(out, nc);
                if (!nb) {
                    st = YM_ERROR(YM_ENOMEM, "%s: out of memory", ipath);
                    break;
                }
                out = nb, cap = nc;
            }
            memcpy(out + o, p, l);
            o += l;
            out[o++] = '\n';
            out[o] = '\0';
        }
        if (f) fclose(f);
        n = st ? 0 : (long long)o;
    }
    st = ym_status_agree(comm, st);
    MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, comm);
    if (!st && n) {
        if (rank != 0) out = malloc((size_t)n + 1);
        st = ym_status_agree(comm, out ? YM_OK : YM_ERROR(YM_ENOMEM, "%s: out of memory", path));
        if (!st) {
            MPI_Bcast(out, (int)n, MPI_CHAR, 0, comm);
            out[n] = '\0';
        }
    }
    if (st || !n) {
        free(out);
        out = NULL;
    }
    *text = out;
    return st;
}
