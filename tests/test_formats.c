/* Gauge-configuration formats: reading real files written by MILC, tmLQCD,
 * Chroma, GLU; round trips of the writers; damaged files.
 *
 * Oracles: plaquettes and checksums published with the reference files
 * (reference/gauge/README.md, external codes); exact round trips (64-bit);
 * byte identity of files written on 1 rank and on the full process grid;
 * the same links read from different formats of one configuration. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "ym_format.h"
#include "ym_ildg.h"
#include "ym_ioutil.h"
#include "ym_lime.h"
#include "ym_milc.h"
#include "ym_nersc.h"
#include "ym_openqcd.h"
#include "ym_raw.h"

static int g_rank;
static int g_pd[4];
static char g_tmp[256];

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

typedef struct {
    const char *file;
    double plaq;   /* README value */
    double tol;    /* its stated precision */
    int checksum;  /* the file carries a checksum we must verify */
} ref_case;

/* Reads one reference file; the plaquette is the external oracle. */
static void check_ref(const ref_case *c, ym_config_info *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/gauge/%s", test_reference_dir(), c->file);
    if (!exists(path)) {
        char why[1100];
        snprintf(why, sizeof why, "%s absent", path);
        tap_skip(why);
        return;
    }
    ym_grid *grid;
    ym_geom *geom;
    ym_gauge *u;
    ym_config_info info;
    ym_error_clear();
    int st = ym_config_read(MPI_COMM_WORLD, path, g_pd, 1, &grid, &geom, &u, &info);
    if (st) tap_diag("%s", ym_errmsg());
    int ok = st == YM_OK && fabs(info.plaquette_read - c->plaq) <= c->tol && (!c->checksum || info.checksum_ok);
    tap_ok(ok, "%s: %s SU(%d) %dx%dx%dx%d %d-bit, plaquette %.15f (README %.12g, tol %g), checksum %s, max reunit %.2g",
           c->file, ym_format_name(info.format), info.N, info.L[0], info.L[1], info.L[2], info.L[3], info.precision,
           info.plaquette_read, c->plaq, c->tol, info.checksum_ok ? "verified" : "none", info.max_reunit);
    if (out) *out = info;
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
}

static const ref_case refs[] = {
    {"milc/lat.sample.l4444", 0.5948501589, 1e-6, 1},
    {"milc/lat.sample.l4448", 0.5690557244, 1e-6, 1},
    {"milc/lat.sample.l6666", 0.6606482535, 1e-6, 1},
    {"milc/lat.sample.l8888", 0.5935602404, 1e-6, 1},
    {"milc/lat.sample.l4444.ildg", 0.5948501589, 1e-6, 1},
    {"milc/lat.sample.l4444.scidac", 0.5948501589, 1e-6, 1},
    {"milc/lat.sample.l4448.scidac", 0.5690557244, 1e-6, 1},
    {"milc/lat.sample.l8", 0.8736408744, 1e-6, 1},
    {"tmlqcd/conf.88", 0.5998194411656625, 1e-12, 0},
    {"tmlqcd/conf.9999", 0.626473, 1e-6, 1},
    {"tmlqcd/conf.48", 0.635006, 1e-6, 1},
    {"tmlqcd/conf48.0000", 0.606940, 1e-6, 1},
    {"chroma/weak_field.lime", 0.99480, 1e-5, 1},
    {"lyncs/unity.lime", 1.0, 1e-14, 1},
    {"glu/lat400.original.nersc", 0.598545559082642, 1e-10, 1},
    {"glu/lat400_4x4x4x8_su3.nersc_gauge", 0.598545559082642, 1e-12, 1},
    {"glu/lat400_4x4x4x8_su3.nersc_ncxnc", 0.598545559082642, 1e-12, 1},
    {"glu/lat400_4x4x4x8_su3.ildg", 0.598545559082642, 1e-12, 1},
    {"glu/lat400_4x4x4x8_su3.scidac", 0.598545559082642, 1e-12, 1},
    {"glu/lat400_4x4x4x8_su3.milc", 0.598545559082642, 1e-12, 1},
    {"glu/lat400_4x4x4x8_su3.cern", 0.598545559082642, 1e-12, 0},
    {"milc-generated/l8888_b6.00/l8888_b6.00_ora.nersc", 0.5941771448, 2e-6, 1},
    {"milc-generated/l8888_b6.00/l8888_b6.00_ora.milc", 0.5941771448, 2e-6, 1},
    {"milc/lat.sample.inst", 0.9910092708, 1e-6, 0}, /* MILC v1-4 (0xe7da), no checksum */
    {"glu/lat400_4x4x4x8_su3.hirep", 0.598545559082642, 1e-12, 0},
    {"glu/lat400_4x4x4x8_su3.nersc_small", 0.598545559082642, 1e-12, 1},
};

static void free_lat(ym_grid *grid, ym_geom *geom, ym_gauge *u)
{
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
}

/* MILC .info sidecars: read, cross-checked and their plaquettes verified;
 * a copy whose .info disagrees with the links is refused naming the .info. */
static int make_damaged(const char *src, const char *dst, long len, long pos, int x, const char *old, const char *new_);
static void milc_info_files(void)
{
    static const struct {
        const char *file;
        int has_st;
    } cases[] = {{"milc/lat.sample.l6666", 0},
                 {"milc/lat.sample.l8888", 1},
                 {"milc-generated/l8888_b6.00/l8888_b6.00_ora.milc", 1},
                 {"milc-generated/l16161616_b6.00/l16161616_b6.00_ora.milc", 1}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
        char path[1024];
        snprintf(path, sizeof path, "%s/gauge/%s", test_reference_dir(), cases[k].file);
        ref_case c = {cases[k].file, 0, INFINITY, 1};
        ym_config_info info;
        memset(&info, 0, sizeof info);
        if (!exists(path)) {
            tap_skip(path);
            continue;
        }
        check_ref(&c, &info);
        tap_ok(info.has_sidecar && info.has_plaquette_st == cases[k].has_st &&
                   (!cases[k].has_st || (info.plaquette_tol > 0 && info.has_link_trace && info.has_nersc_checksum)),
               "%s.info: read (plaquettes ss %.7f st %.7f [our units], link trace %.6f, nersc checksum %u)",
               cases[k].file, info.plaquette_s, info.plaquette_t, info.link_trace, info.nersc_checksum);
    }
    /* Damage: a copy with an .info whose ssplaq is off in the 5th digit. */
    char src[1024], dst[600], dinfo[700], sinfo[1100];
    snprintf(src, sizeof src, "%s/gauge/milc/lat.sample.l8888", test_reference_dir());
    snprintf(sinfo, sizeof sinfo, "%s.info", src);
    snprintf(dst, sizeof dst, "%s/l8888", g_tmp);
    snprintf(dinfo, sizeof dinfo, "%s.info", dst);
    if (!exists(src) || !exists(sinfo)) {
        tap_skip("milc .info damage: lat.sample.l8888 absent");
        tap_skip("milc .info damage: lat.sample.l8888 absent");
        return;
    }
    int ok = make_damaged(src, dst, -1, -1, 0, NULL, NULL);
    ok = make_damaged(sinfo, dinfo, -1, -1, 0, "gauge.ssplaq = 1.779002", "gauge.ssplaq = 1.779042") && ok;
    ym_grid *grid;
    ym_geom *geom;
    ym_gauge *u;
    ym_config_info info;
    ym_error_clear();
    int st = ok ? ym_config_read(MPI_COMM_WORLD, dst, g_pd, 1, &grid, &geom, &u, &info) : -1;
    tap_ok(ok && st == YM_EFORMAT && strstr(ym_errmsg(), ".info"), "milc .info with a wrong ssplaq refused: %s",
           ym_errmsg());
    if (st == YM_OK) free_lat(grid, geom, u);
    ok = make_damaged(sinfo, dinfo, -1, -1, 0, "nx = 8", "nx = 6");
    ym_error_clear();
    st = ok ? ym_config_read(MPI_COMM_WORLD, dst, g_pd, 1, &grid, &geom, &u, &info) : -1;
    tap_ok(ok && st == YM_EFORMAT && strstr(ym_errmsg(), ".info"), "milc .info with wrong nx refused: %s",
           ym_errmsg());
    if (st == YM_OK) free_lat(grid, geom, u);
    if (g_rank == 0) {
        unlink(dst);
        unlink(dinfo);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

/* ---- round trips ------------------------------------------------------ */

typedef int (*writer)(ym_gauge *u, const char *path, int arg);
static int w_ildg(ym_gauge *u, const char *p, int a) { return ym_ildg_write(u, p, a, 1); }
static int w_nersc(ym_gauge *u, const char *p, int a) { return ym_nersc_write(u, p, a, 1); }
static int w_milc(ym_gauge *u, const char *p, int a) { return ym_milc_write(u, p, a); }
static int w_openqcd(ym_gauge *u, const char *p, int a) { return ym_openqcd_write(u, p, a); }
static int w_raw(ym_gauge *u, const char *p, int a)
{
    (void)a;
    return ym_raw_write(u, p, 1);
}

static double max_link_diff(ym_gauge *a, ym_gauge *b)
{
    const ym_geom *g = ym_gauge_geom(a);
    const int *in = ym_geom_interior(g);
    int N = ym_gauge_N(a);
    double m = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            double d = ym_su_maxdiff(N, ym_gauge_link(a, in[i], mu), ym_gauge_link(b, in[i], mu));
            if (!(d <= m)) m = d;
        }
    MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

/* Whole-file comparison on rank 0; result broadcast. */
static int same_bytes(const char *a, const char *b)
{
    int same = 0;
    if (g_rank == 0) {
        FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
        if (fa && fb) {
            int ca, cb;
            do {
                ca = getc(fa);
                cb = getc(fb);
            } while (ca == cb && ca != EOF);
            same = ca == cb;
        }
        if (fa) fclose(fa);
        if (fb) fclose(fb);
    }
    MPI_Bcast(&same, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return same;
}

/* Oracle: 64-bit formats give back the links exactly (3x2: up to rebuilding
 * the third row), 32-bit to single precision; the file written on the whole
 * grid equals, byte for byte, the one written by rank 0 alone. */
static void round_trip_ex(const char *name, writer w, int arg, int N, double tol, int need_sum)
{
    const int L[4] = {4, 4, 4, 8};
    test_lat a;
    char p1[512], p2[512];
    snprintf(p1, sizeof p1, "%s/%s.np", g_tmp, name);
    snprintf(p2, sizeof p2, "%s/%s.np1", g_tmp, name);
    if (test_lat_create(&a, MPI_COMM_WORLD, L, g_pd, 1, NULL, N) || ym_gauge_set_random(a.u, 1234)) {
        tap_ok(0, "%s: set-up", name);
        return;
    }
    ym_error_clear();
    int st = w(a.u, p1, arg);
    /* The same random field written by one rank. */
    int st1 = YM_OK;
    if (g_rank == 0) {
        test_lat s;
        const int one[4] = {1, 1, 1, 1};
        st1 = test_lat_create(&s, MPI_COMM_SELF, L, one, 1, NULL, N);
        if (!st1) st1 = ym_gauge_set_random(s.u, 1234);
        if (!st1) st1 = w(s.u, p2, arg);
        test_lat_free(&s);
    }
    MPI_Bcast(&st1, 1, MPI_INT, 0, MPI_COMM_WORLD);
    ym_config_info info;
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    if (!st) st = ym_config_read(MPI_COMM_WORLD, p1, g_pd, 1, &grid, &geom, &u, &info);
    if (st) tap_diag("%s", ym_errmsg());
    double d = (!st && u) ? max_link_diff(a.u, u) : INFINITY;
    tap_ok(!st && info.N == N && d <= tol && (info.checksum_ok || !need_sum), "%s round trip SU(%d): max |dU| = %.3g (tol %g), checksum %s",
           name, N, d, tol, !st && info.checksum_ok ? "verified" : "missing");
    tap_ok(!st && !st1 && same_bytes(p1, p2), "%s: written on %d rank(s) byte-identical to 1 rank", name,
           ym_grid_size(a.grid));
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    test_lat_free(&a);
    if (g_rank == 0) {
        unlink(p1);
        unlink(p2);
    }
}

static void round_trip(const char *name, writer w, int arg, int N, double tol)
{
    round_trip_ex(name, w, arg, N, tol, 1);
}

static int make_damaged(const char *src, const char *dst, long len, long pos, int x, const char *old, const char *new_);

/* ---- records carried through ILDG conversion; metadata ----------------- */

/* The non-generated records of a LIME file, scanned here independently of
 * ym_ildg_read_extra (rank 0; others get an empty list). */
static int scan_extra(const char *path, ym_lime_list *l)
{
    int st = YM_OK;
    if (g_rank == 0) {
        FILE *f = fopen(path, "rb");
        long long size = 0;
        ym_lime_record *rec = NULL;
        int n = 0;
        if (!f) st = YM_EIO;
        if (!st) {
            fseeko(f, 0, SEEK_END);
            size = ftello(f);
            st = ym_lime_scan(f, path, size, &rec, &n);
        }
        for (int i = 0; !st && i < n; ++i) {
            if (ym_ildg_generated(rec[i].type)) continue;
            unsigned char *b = malloc((size_t)rec[i].length + 1);
            fseeko(f, rec[i].offset, SEEK_SET);
            if (!b || fread(b, 1, (size_t)rec[i].length, f) != (size_t)rec[i].length) st = YM_EIO;
            else st = ym_lime_list_add(l, rec[i].type, b, rec[i].length);
            free(b);
        }
        free(rec);
        if (f) fclose(f);
    }
    MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return st;
}

/* Same types in the same order with the same bytes (rank 0's view). */
static int same_records(const ym_lime_list *a, const ym_lime_list *b, char *why, size_t wl)
{
    int ok = 1;
    if (g_rank == 0) {
        if (a->n != b->n) ok = 0, snprintf(why, wl, "%d records vs %d", a->n, b->n);
        for (int i = 0; ok && i < a->n; ++i)
            if (strcmp(a->rec[i].type, b->rec[i].type) || a->rec[i].length != b->rec[i].length ||
                memcmp(a->rec[i].data, b->rec[i].data, (size_t)a->rec[i].length))
                ok = 0, snprintf(why, wl, "record %d ('%s') differs", i, a->rec[i].type);
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return ok;
}

/* Oracle: the records other codes wrote (xlf-info, scidac-file-xml,
 * scidac-record-xml, ildg-data-lfn, tmLQCD's ranluxd-state) reappear in the
 * converted file with type and bytes unchanged; the output verifies; 64-bit
 * data is rewritten bit for bit (the producer's own SciDAC checksum). */
static void carry_records(void)
{
    static const char *files[] = {"tmlqcd/conf.48",         "tmlqcd/conf.88",           "tmlqcd/conf.9999",
                                  "chroma/weak_field.lime", "milc/lat.sample.l4444.ildg", "milc/lat.sample.l8",
                                  "lyncs/unity.lime",       "glu/lat400_4x4x4x8_su3.ildg"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; ++k) {
        char src[1024], dst[600], why[256] = "";
        snprintf(src, sizeof src, "%s/gauge/%s", test_reference_dir(), files[k]);
        snprintf(dst, sizeof dst, "%s/carry.ildg", g_tmp);
        if (!exists(src)) {
            tap_skip(src);
            tap_skip(src);
            continue;
        }
        ym_grid *grid = NULL, *g2 = NULL;
        ym_geom *geom = NULL, *m2 = NULL;
        ym_gauge *u = NULL, *u2 = NULL;
        ym_config_info in, out;
        ym_lime_list x = YM_LIME_LIST_INIT, want = YM_LIME_LIST_INIT, got = YM_LIME_LIST_INIT;
        memset(&out, 0, sizeof out);
        ym_error_clear();
        int st = ym_config_read(MPI_COMM_WORLD, src, g_pd, 1, &grid, &geom, &u, &in);
        if (!st) st = ym_ildg_read_extra(MPI_COMM_WORLD, src, &x);
        if (!st) st = ym_ildg_write_ex(u, dst, in.precision, 1, NULL, &x);
        if (!st) st = scan_extra(src, &want);
        if (!st) st = scan_extra(dst, &got);
        if (!st) st = ym_config_read(MPI_COMM_WORLD, dst, g_pd, 1, &g2, &m2, &u2, &out);
        if (st) tap_diag("%s", ym_errmsg());
        int same = !st && same_records(&want, &got, why, sizeof why);
        char types[512] = "";
        for (int i = 0; i < want.n; ++i)
            snprintf(types + strlen(types), sizeof types - strlen(types), " %s(%lld)", want.rec[i].type,
                     want.rec[i].length);
        tap_ok(same && (g_rank != 0 || want.n == x.n), "%s -> ildg: %d uninterpreted records carried byte-identically:%s %s", files[k],
               want.n, types, why);
        int exact = in.precision == 64 && in.has_checksum;
        /* 32-bit: reunitarised links rounded to float again */
        tap_ok(!st && out.checksum_ok && fabs(out.plaquette_read - in.plaquette_read) <= (in.precision == 32 ? 1e-7 : 0) &&
                   (!exact || (out.sum[0] == in.sum[0] && out.sum[1] == in.sum[1])),
               "%s -> ildg: output verifies (checksum %08x %08x%s), plaquette %.15f", files[k], out.sum[0],
               out.sum[1], exact ? ", = the producer's" : "", out.plaquette_read);
        ym_lime_list_free(&x);
        ym_lime_list_free(&want);
        ym_lime_list_free(&got);
        free_lat(grid, geom, u);
        free_lat(g2, m2, u2);
        if (g_rank == 0) unlink(dst);
    }
}

/* Metadata: written into ILDG (a ymflow-parameters record) and NERSC
 * (YMFLOW_PARAM_<k> header keys) and read back exactly; the files still
 * verify; lines a NERSC header cannot hold are refused. */
static void metadata_round_trip(void)
{
    const char *meta = "flow.eps = 0.01\nflow.action = symanzik\nmeasure.times = \noutput.out = a b/c=d.csv\n";
    const int L[4] = {4, 4, 4, 4};
    test_lat a;
    char pi[600], pn[600], pm[600];
    snprintf(pi, sizeof pi, "%s/meta.ildg", g_tmp);
    snprintf(pn, sizeof pn, "%s/meta.nersc", g_tmp);
    snprintf(pm, sizeof pm, "%s/meta.milc", g_tmp);
    int st = test_lat_create(&a, MPI_COMM_WORLD, L, g_pd, 1, NULL, 3);
    if (!st) st = ym_gauge_set_random(a.u, 5);
    /* a carried ymflow-parameters record is replaced by the new text */
    ym_lime_list x = YM_LIME_LIST_INIT;
    if (!st) st = ym_lime_list_add(&x, YM_ILDG_METADATA, "old.key = 1\n", 12);
    if (!st) st = ym_lime_list_add(&x, "xlf-info", "plaquette = 0.5", 15);
    if (!st) st = ym_ildg_write_ex(a.u, pi, 64, 1, meta, &x);
    if (!st) st = ym_nersc_write_ex(a.u, pn, 2, 1, meta);
    if (!st) st = ym_milc_write_ex(a.u, pm, 1, meta);
    const char *paths[3] = {pi, pn, pm}, *names[3] = {"ildg", "nersc", "milc (.info)"};
    for (int k = 0; k < 3; ++k) {
        ym_grid *grid = NULL;
        ym_geom *geom = NULL;
        ym_gauge *u = NULL;
        ym_config_info info;
        char *text = NULL;
        int s2 = st ? st : ym_config_read(MPI_COMM_WORLD, paths[k], g_pd, 1, &grid, &geom, &u, &info);
        if (!s2) s2 = ym_config_read_metadata(MPI_COMM_WORLD, paths[k], &info, &text);
        if (s2) tap_diag("%s", ym_errmsg());
        tap_ok(!s2 && info.checksum_ok && text && !strcmp(text, meta),
               "%s: metadata read back exactly after the file verified ('%s')", names[k], text ? text : "(none)");
        free(text);
        free_lat(grid, geom, u);
    }
    {
        ym_lime_list got = YM_LIME_LIST_INIT;
        int s2 = st ? st : ym_ildg_read_extra(MPI_COMM_WORLD, pi, &got);
        int nmeta = 0, nxlf = 0;
        for (int i = 0; i < got.n; ++i) {
            nmeta += !strcmp(got.rec[i].type, YM_ILDG_METADATA);
            nxlf += !strcmp(got.rec[i].type, "xlf-info");
        }
        tap_ok(!s2 && nmeta == 1 && nxlf == 1, "ildg: the new metadata replaces a carried one (%d record(s)), other "
               "records kept (%d)", nmeta, nxlf);
        ym_lime_list_free(&got);
    }
    /* files without metadata: none reported */
    {
        char *text = (char *)"x";
        ym_config_info info;
        char p0[600];
        snprintf(p0, sizeof p0, "%s/nometa.nersc", g_tmp);
        int s2 = st ? st : ym_nersc_write(a.u, p0, 3, 1);
        if (!s2) s2 = ym_config_read_header(MPI_COMM_WORLD, p0, &info);
        if (!s2) s2 = ym_config_read_metadata(MPI_COMM_WORLD, p0, &info, &text);
        tap_ok(!s2 && text == NULL, "nersc without metadata: none reported");
        if (g_rank == 0) unlink(p0);
    }
    static const struct {
        const char *what, *text;
    } bad[] = {{"a control character", "flow.eps = 0.01\tx\n"},
               {"END_HEADER", "output.out = END_HEADER\n"},
               {"a non-ASCII byte", "output.out = caf\xc3\xa9\n"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
        ym_error_clear();
        int s2 = st ? st : ym_nersc_write_ex(a.u, pn, 3, 1, bad[k].text);
        tap_ok(s2 == YM_EINVAL && strstr(ym_errmsg(), "metadata line 1"), "nersc metadata with %s refused: %s",
               bad[k].what, ym_errmsg());
    }
    {
        char *big = malloc(2000);
        memset(big, 'x', 1999);
        big[1999] = '\0';
        ym_error_clear();
        int s2 = st ? st : ym_nersc_write_ex(a.u, pn, 3, 1, big);
        tap_ok(s2 == YM_EINVAL, "nersc metadata line of 1999 bytes refused: %s", ym_errmsg());
        free(big);
    }
    ym_lime_list_free(&x);
    test_lat_free(&a);
    if (g_rank == 0) {
        unlink(pi);
        unlink(pn);
    }
}

/* ---- headerless files ----------------------------------------------------- */

/* Oracle: the plaquettes recorded with the su2-raw files
 * (reference/gauge/README.md); a layout that does not fit the size, and
 * malformed layouts, are refused naming the problem. */
static void headerless(void)
{
    static const struct {
        const char *file, *layout;
        double plaq;
    } cases[] = {{"su2-raw/su2_from_weak_field.su2.f64be", "N=2,dims=4x4x4x8,f64be", 0.99561179961196977},
                 {"su2-raw/su2_from_l8888_b6.00.su2.f64be", "dims=8x8x8x8,f64be,N=2", 0.15225095179082548}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
        char path[1024];
        snprintf(path, sizeof path, "%s/gauge/%s", test_reference_dir(), cases[k].file);
        if (!exists(path)) {
            tap_skip(path);
            tap_skip(path);
            continue;
        }
        ym_headerless h;
        ym_grid *grid = NULL;
        ym_geom *geom = NULL;
        ym_gauge *u = NULL;
        ym_config_info info;
        ym_error_clear();
        int st = ym_headerless_parse(cases[k].layout, &h);
        if (!st) st = ym_config_read_layout(MPI_COMM_WORLD, path, g_pd, 1, 0, &h, &grid, &geom, &u, &info);
        if (st) tap_diag("%s", ym_errmsg());
        tap_ok(!st && info.format == YM_FMT_HEADERLESS && fabs(info.plaquette_read - cases[k].plaq) <= 1e-14,
               "%s (%s): plaquette %.17g, recorded %.17g", cases[k].file, cases[k].layout, info.plaquette_read,
               cases[k].plaq);
        free_lat(grid, geom, u);
        /* the wrong extents: refused by the size */
        h.L[3] *= 2;
        ym_error_clear();
        st = ym_config_read_layout(MPI_COMM_WORLD, path, g_pd, 1, 0, &h, &grid, &geom, &u, &info);
        tap_ok(st == YM_EFORMAT && strstr(ym_errmsg(), "wrong layout"), "%s with doubled t extent refused: %s",
               cases[k].file, ym_errmsg());
    }
    static const char *bad[] = {"N=2,dims=4x4x4x8", "N=0,dims=4x4x4x8,f64be", "N=2,dims=4x4x8,f64be",
                                "N=2,dims=4x4x4x8,f64xx", "N=2,dims=4x4x4x8,f64be,extra"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
        ym_headerless h;
        ym_error_clear();
        int st = ym_headerless_parse(bad[k], &h);
        tap_ok(st == YM_EINVAL && strstr(ym_errmsg(), "headerless"), "layout '%s' refused: %s", bad[k], ym_errmsg());
    }
}

/* ---- MILC Schroedinger functional -------------------------------------- */

/* milc/lat.sample.5p7 (MILC 1999, Schroedinger functional, bc_flag 2,
 * beta 5.7). Oracles: MILC's set_boundary_fields rule (t = 0 spatial links
 * c_t diag(e^{-i pi/24}, 1, e^{i pi/24}), c_t = 1 - 0.534/beta) and the
 * recorded plaquette 0.5726892722, the plain periodic average of the stored
 * links (32-bit bulk reunitarised: ~1e-8). The stored sum29/sum31 match no
 * known rule: refused unless accepted; never read for computations. */
static void milc_schroedinger(void)
{
    char sf[1024], sfi[1100], d[600], di[700];
    snprintf(sf, sizeof sf, "%s/gauge/milc/lat.sample.5p7", test_reference_dir());
    snprintf(sfi, sizeof sfi, "%s.info", sf);
    if (!exists(sf) || !exists(sfi)) {
        for (int k = 0; k < 5; ++k) tap_skip("milc/lat.sample.5p7 absent");
        return;
    }
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_config_info info;
    ym_error_clear();
    int st = ym_config_read(MPI_COMM_WORLD, sf, g_pd, 1, &grid, &geom, &u, &info);
    tap_ok(st == YM_EFORMAT && strstr(ym_errmsg(), "Schroedinger-functional"),
           "lat.sample.5p7 refused for computations: %s", ym_errmsg());
    ym_error_clear();
    st = ym_config_read_flags(MPI_COMM_WORLD, sf, g_pd, 1, YM_CONFIG_MILC_SF, &grid, &geom, &u, &info);
    tap_ok(st == YM_EFORMAT && strstr(ym_errmsg(), "checksum mismatch: stored 2e218ab1 2d188e6b, data 72d77a0a 19447b24"),
           "lat.sample.5p7 with YM_CONFIG_MILC_SF: checksum mismatch reported: %s", ym_errmsg());
    ym_error_clear();
    st = ym_config_read_flags(MPI_COMM_WORLD, sf, g_pd, 1, YM_CONFIG_MILC_SF | YM_CONFIG_ACCEPT_BAD_CHECKSUM, &grid,
                              &geom, &u, &info);
    if (st) tap_diag("%s", ym_errmsg());
    const double pi = 3.14159265358979323846;
    tap_ok(!st && info.milc_sf && info.milc_sf_bc_flag == 2 && info.checksum_bad &&
               fabs(info.milc_sf_ct - (1 - 0.534 / 5.7)) < 1e-7 && fabs(info.milc_sf_phi - pi / 24) < 1e-7,
           "lat.sample.5p7: SF boundary found: bc_flag %d, c_t %.9f (1 - 0.534/5.7 = %.9f), phi %.9f (pi/24 = %.9f)",
           info.milc_sf_bc_flag, info.milc_sf_ct, 1 - 0.534 / 5.7, info.milc_sf_phi, pi / 24);
    tap_ok(!st && fabs(info.plaquette_read - 0.5726892722) < 5e-8,
           "lat.sample.5p7: plaquette of the stored links %.10f, recorded 0.5726892722", info.plaquette_read);
    free_lat(grid, geom, u);
    /* a damaged boundary link (an off-diagonal entry) is refused */
    snprintf(d, sizeof d, "%s/sf", g_tmp);
    snprintf(di, sizeof di, "%s.info", d);
    int ok = make_damaged(sf, d, -1, 96 + 8 + 3, 0x3f, NULL, NULL) && make_damaged(sfi, di, -1, -1, 0, NULL, NULL);
    ym_error_clear();
    st = ok ? ym_config_read_flags(MPI_COMM_WORLD, d, g_pd, 1, YM_CONFIG_MILC_SF | YM_CONFIG_ACCEPT_BAD_CHECKSUM, &grid,
                                   &geom, &u, &info)
            : YM_EIO;
    tap_ok(st == YM_EFORMAT && strstr(ym_errmsg(), "boundary link at site 0"), "damaged SF boundary link refused: %s",
           ym_errmsg());
    if (g_rank == 0) {
        unlink(d);
        unlink(di);
    }
}

/* ---- MILC and openQCD writers ------------------------------------------ */

/* Compare two files on rank 0, skipping bytes [skip0, skip1). */
static int same_bytes_except(const char *a, const char *b, long skip0, long skip1)
{
    int same = 0;
    if (g_rank == 0) {
        FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
        if (fa && fb) {
            int ca, cb;
            long k = 0;
            do {
                ca = getc(fa);
                cb = getc(fb);
            } while ((ca == cb || (k >= skip0 && k < skip1)) && ca != EOF && cb != EOF && ++k);
            same = ca == cb;
        }
        if (fa) fclose(fa);
        if (fb) fclose(fb);
    }
    MPI_Bcast(&same, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return same;
}

/* Oracle: the reference MILC file (written by MILC) itself. Its raw single
 * precision links, loaded without reunitarisation, written by ym_milc_write
 * give the same bytes (hence the same sum29/sum31) except the time stamp. */
static void milc_same_as_reference(void)
{
    char ref[1024], out[600];
    snprintf(ref, sizeof ref, "%s/gauge/milc/lat.sample.l4444", test_reference_dir());
    snprintf(out, sizeof out, "%s/l4444.milc", g_tmp);
    if (!exists(ref)) {
        tap_skip("milc/lat.sample.l4444 absent");
        return;
    }
    const int L[4] = {4, 4, 4, 4};
    test_lat a;
    unsigned char *buf = NULL;
    int st = test_lat_create(&a, MPI_COMM_WORLD, L, g_pd, 1, NULL, 3);
    if (!st) st = ym_io_read_sites(a.geom, ref, YM_MILC_HEADER, 288, &buf);
    if (!st) {
        const int *in = ym_geom_interior(a.geom);
        for (int i = 0; i < ym_geom_ninterior(a.geom); ++i)
            for (int mu = 0; mu < 4; ++mu)
                ym_io_decode_link(buf + (size_t)i * 288 + mu * 72, 4, 3, 3, ym_gauge_link(a.u, in[i], mu));
        free(buf);
        st = ym_milc_write(a.u, out, 1);
    }
    if (st) tap_diag("%s", ym_errmsg());
    tap_ok(!st && same_bytes_except(ref, out, 20, 84),
           "MILC writer: lat.sample.l4444 rewritten is byte-identical to MILC's file (sum29/sum31 included) "
           "except the time stamp");
    test_lat_free(&a);
    if (g_rank == 0) unlink(out);
}

/* Oracle: GLU's openQCD file of lat400 read and written again gives the
 * same bytes (the header plaquette to rounding: compared after the
 * header, and the plaquette read back to 1e-12). */
static void openqcd_same_as_reference(void)
{
    char ref[1024], out[600];
    snprintf(ref, sizeof ref, "%s/gauge/glu/lat400_4x4x4x8_su3.cern", test_reference_dir());
    snprintf(out, sizeof out, "%s/lat400.cern", g_tmp);
    if (!exists(ref)) {
        tap_skip("glu/lat400_4x4x4x8_su3.cern absent");
        return;
    }
    ym_grid *grid;
    ym_geom *geom;
    ym_gauge *u;
    ym_config_info info;
    int st = ym_config_read(MPI_COMM_WORLD, ref, g_pd, 1, &grid, &geom, &u, &info);
    if (!st) {
        st = ym_openqcd_write(u, out, 1);
        ym_gauge_free(u);
        ym_geom_free(geom);
        ym_grid_free(grid);
    }
    if (st) tap_diag("%s", ym_errmsg());
    tap_ok(!st && same_bytes_except(ref, out, 16, 24),
           "openQCD writer: GLU's lat400 .cern rewritten is byte-identical (header plaquette excepted)");
    ym_config_info i2;
    memset(&i2, 0, sizeof i2);
    st = st ? st : ym_config_read(MPI_COMM_WORLD, out, g_pd, 1, &grid, &geom, &u, &i2);
    if (st) tap_diag("%s", ym_errmsg());
    else {
        ym_gauge_free(u);
        ym_geom_free(geom);
        ym_grid_free(grid);
    }
    tap_ok(!st && fabs(i2.plaquette - info.plaquette) <= 1e-15, "openQCD writer: header plaquette %.17g, GLU's %.17g",
           i2.plaquette, info.plaquette);
    if (g_rank == 0) unlink(out);
}

/* Convert the NERSC original of lat400 to MILC and openQCD; oracle: the
 * README plaquette (single precision for MILC). */
static void convert_reference(void)
{
    char ref[1024], out[600];
    snprintf(ref, sizeof ref, "%s/gauge/glu/lat400.original.nersc", test_reference_dir());
    if (!exists(ref)) {
        tap_skip("glu/lat400.original.nersc absent");
        tap_skip("glu/lat400.original.nersc absent");
        return;
    }
    const double plaq = 0.598545559082642;
    for (int k = 0; k < 2; ++k) {
        ym_grid *grid;
        ym_geom *geom;
        ym_gauge *u;
        ym_config_info info;
        snprintf(out, sizeof out, "%s/lat400.%s", g_tmp, k ? "cern" : "milc");
        int st = ym_config_read(MPI_COMM_WORLD, ref, g_pd, 1, &grid, &geom, &u, &info);
        if (!st) {
            st = k ? ym_openqcd_write(u, out, 0) : ym_milc_write(u, out, 0);
            ym_gauge_free(u);
            ym_geom_free(geom);
            ym_grid_free(grid);
        }
        if (!st) st = ym_config_read(MPI_COMM_WORLD, out, g_pd, 1, &grid, &geom, &u, &info);
        if (st) tap_diag("%s", ym_errmsg());
        else {
            ym_gauge_free(u);
            ym_geom_free(geom);
            ym_grid_free(grid);
        }
        double tol = k ? 1e-12 : 1e-6;
        tap_ok(!st && info.format == (k ? YM_FMT_OPENQCD : YM_FMT_MILC) && fabs(info.plaquette_read - plaq) <= tol &&
                   (k || info.checksum_ok),
               "lat400 NERSC -> %s: plaquette %.15f (README %.15f, tol %g)", k ? "openQCD" : "MILC", info.plaquette_read,
               plaq, tol);
        if (g_rank == 0) unlink(out);
    }
}

/* N != 3 refused (EINVAL), existing files not replaced unless asked. */
static void writer_refusals(void)
{
    const int L[4] = {4, 4, 4, 4};
    test_lat a;
    char out[600];
    snprintf(out, sizeof out, "%s/refuse", g_tmp);
    int st = test_lat_create(&a, MPI_COMM_WORLD, L, g_pd, 1, NULL, 2);
    if (st) {
        tap_ok(0, "writer refusals: set-up");
        return;
    }
    ym_error_clear();
    int s1 = ym_milc_write(a.u, out, 1), s2 = ym_openqcd_write(a.u, out, 1);
    tap_ok(s1 == YM_EINVAL && s2 == YM_EINVAL && !exists(out), "MILC and openQCD writers refuse SU(2): %s", ym_errmsg());
    test_lat_free(&a);
    st = test_lat_create(&a, MPI_COMM_WORLD, L, g_pd, 1, NULL, 3);
    if (!st) st = ym_milc_write(a.u, out, 0);
    int e1 = st ? st : ym_milc_write(a.u, out, 0), e2 = st ? st : ym_openqcd_write(a.u, out, 0);
    int o1 = st ? st : ym_openqcd_write(a.u, out, 1);
    tap_ok(!st && e1 == YM_EIO && e2 == YM_EIO && o1 == YM_OK, "existing file kept unless overwrite (%s, %s, %s)",
           ym_strerror(e1), ym_strerror(e2), ym_strerror(o1));
    test_lat_free(&a);
    if (g_rank == 0) unlink(out);
}

/* YM_IO_ACCEPT_BAD_CHECKSUM: a damaged checksum (MILC) or header
 * plaquette (openQCD) is refused by default and accepted when asked, the
 * disagreement visible in info. */
static void accept_bad_checksum(void)
{
    char ref[1024], dst[600];
    for (int k = 0; k < 2; ++k) {
        snprintf(ref, sizeof ref, "%s/gauge/%s", test_reference_dir(),
                 k ? "glu/lat400_4x4x4x8_su3.cern" : "milc/lat.sample.l4444");
        snprintf(dst, sizeof dst, "%s/badsum-%d", g_tmp, k);
        if (!exists(ref) || !make_damaged(ref, dst, -1, k ? 18 : 90, 0x01, NULL, NULL)) {
            tap_skip("accept bad checksum: reference absent");
            continue;
        }
        ym_config_info info;
        test_lat a;
        int st = ym_config_read_header(MPI_COMM_WORLD, dst, &info);
        if (!st) st = test_lat_create(&a, MPI_COMM_WORLD, info.L, g_pd, 1, NULL, 3);
        if (st) {
            tap_ok(0, "accept bad checksum: set-up");
            continue;
        }
        int strict = k ? ym_openqcd_read(a.u, dst, &info) : ym_milc_read(a.u, dst, &info);
        int lax = k ? ym_openqcd_read_flags(a.u, dst, &info, YM_IO_ACCEPT_BAD_CHECKSUM)
                    : ym_milc_read_flags(a.u, dst, &info, YM_IO_ACCEPT_BAD_CHECKSUM);
        int shown = k ? fabs(info.plaquette - info.plaquette_read) > 1e-12 : info.has_checksum && !info.checksum_ok;
        tap_ok(strict == YM_EFORMAT && lax == YM_OK && shown, "%s with a damaged %s: refused (%s), accepted on request",
               k ? "openQCD" : "MILC", k ? "header plaquette" : "checksum", ym_strerror(strict));
        test_lat_free(&a);
        if (g_rank == 0) unlink(dst);
    }
}

/* The ymflow raw reader takes the same flag (as the fuzz harnesses do):
 * a flipped checksum digit is refused, then accepted and flagged. */
static void raw_accept_bad_checksum(void)
{
    const int L[4] = {4, 4, 4, 4};
    test_lat a;
    char p[600], d[700];
    snprintf(p, sizeof p, "%s/good.raw", g_tmp);
    snprintf(d, sizeof d, "%s/badsum.raw", g_tmp);
    int st = test_lat_create(&a, MPI_COMM_WORLD, L, g_pd, 1, NULL, 2);
    if (!st) st = ym_gauge_set_random(a.u, 9);
    if (!st) st = ym_raw_write(a.u, p, 1);
    /* "checksum <8 hex> ...": change the first digit */
    if (!st && !make_damaged(p, d, -1, -1, 0, "checksum ", "checksum X")) st = YM_EIO;
    if (!st && g_rank == 0) {
        /* X is not hexadecimal: put a digit that differs from the original */
        FILE *f = fopen(d, "r+b");
        char buf[256] = "";
        if (f && fread(buf, 1, sizeof buf - 1, f) > 0) {
            char *c = strstr(buf, "checksum X");
            if (c) {
                char orig = 0;
                FILE *g = fopen(p, "rb");
                if (g && fseek(g, c - buf + 9, SEEK_SET) == 0) orig = (char)getc(g);
                if (g) fclose(g);
                fseek(f, c - buf + 9, SEEK_SET);
                putc(orig == '0' ? '1' : '0', f);
            }
        }
        if (f) fclose(f);
    }
    ym_config_info info;
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_error_clear();
    int strict = st ? st : ym_config_read(MPI_COMM_WORLD, d, g_pd, 1, &grid, &geom, &u, &info);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", ym_errmsg());
    int lax = st ? st
                 : ym_config_read_flags(MPI_COMM_WORLD, d, g_pd, 1, YM_CONFIG_ACCEPT_BAD_CHECKSUM, &grid, &geom, &u,
                                        &info);
    tap_ok(strict == YM_EFORMAT && strstr(msg, "checksum") && lax == YM_OK && info.checksum_bad && !info.checksum_ok,
           "raw with a damaged checksum: refused (%s), accepted on request and flagged", msg);
    free_lat(grid, geom, u);
    test_lat_free(&a);
    if (g_rank == 0) {
        unlink(p);
        unlink(d);
    }
}

/* ---- damaged files ----------------------------------------------------- */

/* Copy src to dst (rank 0) keeping len bytes (len < 0: all) and then xor
 * byte at (pos) with x (pos < 0: none), or replace text old by new. */
static int make_damaged(const char *src, const char *dst, long len, long pos, int x, const char *old, const char *new_)
{
    int ok = 0;
    if (g_rank == 0) {
        FILE *f = fopen(src, "rb");
        if (f) {
            fseek(f, 0, SEEK_END);
            long n = ftell(f);
            rewind(f);
            unsigned char *b = malloc((size_t)n + 1);
            if (b && fread(b, 1, (size_t)n, f) == (size_t)n) {
                if (len >= 0 && len < n) n = len;
                if (pos >= 0 && pos < n) b[pos] ^= (unsigned char)x;
                if (old) {
                    /* new_ overwrites from where old starts (it may be longer) */
                    long at = -1, lo = (long)strlen(old);
                    for (long k = 0; at < 0 && k + lo <= n; ++k)
                        if (!memcmp(b + k, old, (size_t)lo)) at = k;
                    if (at >= 0 && at + (long)strlen(new_) <= n) memcpy(b + at, new_, strlen(new_));
                    else n = -1;
                }
                FILE *g = n >= 0 ? fopen(dst, "wb") : NULL;
                if (g) {
                    ok = fwrite(b, 1, (size_t)n, g) == (size_t)n;
                    fclose(g);
                }
            }
            free(b);
            fclose(f);
        }
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return ok;
}

/* Oracle: every damage is refused with the stated status and a message
 * naming the file; no crash and no allocation sized by the damaged header
 * (the sanitizer build checks the latter). */
static void expect_fail(const char *what, const char *path, int want)
{
    ym_grid *grid;
    ym_geom *geom;
    ym_gauge *u;
    ym_config_info info;
    ym_error_clear();
    int st = ym_config_read(MPI_COMM_WORLD, path, g_pd, 1, &grid, &geom, &u, &info);
    const char *msg = ym_errmsg();
    tap_ok(st == want && strstr(msg, path) != NULL && !u, "%s refused with %s: %s", what, ym_strerror(st), msg);
    if (g_rank == 0) unlink(path);
}

static void damage(const char *name, const char *src, long len, long pos, int x, const char *old, const char *new_,
                   int want)
{
    char dst[512];
    snprintf(dst, sizeof dst, "%s/damaged-%s", g_tmp, name);
    if (!exists(src)) {
        tap_skip(src);
        return;
    }
    if (!make_damaged(src, dst, len, pos, x, old, new_)) {
        tap_ok(0, "%s: could not prepare the damaged copy", name);
        return;
    }
    expect_fail(name, dst, want);
}

/* GLU's HiRep and NERSC_SMALL copies hold the links of its NERSC 3x2 copy
 * (site order, directions and the 8-real rebuild, not just the plaquette). */
static void glu_same_links(void)
{
    static const char *files[] = {"glu/lat400_4x4x4x8_su3.hirep", "glu/lat400_4x4x4x8_su3.nersc_small"};
    char ref[1024];
    snprintf(ref, sizeof ref, "%s/gauge/glu/lat400_4x4x4x8_su3.nersc_gauge", test_reference_dir());
    for (int k = 0; k < 2; ++k) {
        char path[1024];
        snprintf(path, sizeof path, "%s/gauge/%s", test_reference_dir(), files[k]);
        if (!exists(path) || !exists(ref)) {
            tap_skip(path);
            continue;
        }
        ym_grid *ga, *gb;
        ym_geom *ea, *eb;
        ym_gauge *a, *b;
        ym_config_info ia, ib;
        int st = ym_config_read(MPI_COMM_WORLD, ref, g_pd, 1, &ga, &ea, &a, &ia);
        int st2 = ym_config_read(MPI_COMM_WORLD, path, g_pd, 1, &gb, &eb, &b, &ib);
        double d = !st && !st2 ? max_link_diff(a, b) : INFINITY;
        tap_ok(d <= 1e-13, "%s: same links as nersc_gauge (max |dU| %.2g)", files[k], d);
        if (!st) free_lat(ga, ea, a);
        if (!st2) free_lat(gb, eb, b);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    ym_init();
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    test_grid_arg(argc, argv, g_pd);
    /* MILC time stamps from a fixed time, so that files written on 1 and
     * on all ranks are byte-identical (ym_milc_write). */
    setenv("SOURCE_DATE_EPOCH", "0", 1);

    if (g_rank == 0) {
        snprintf(g_tmp, sizeof g_tmp, "fmt-tmp-XXXXXX");
        if (!mkdtemp(g_tmp)) snprintf(g_tmp, sizeof g_tmp, ".");
    }
    MPI_Bcast(g_tmp, sizeof g_tmp, MPI_CHAR, 0, MPI_COMM_WORLD);

    for (size_t k = 0; k < sizeof refs / sizeof refs[0]; ++k) check_ref(&refs[k], NULL);
    milc_info_files();
    glu_same_links();
    milc_schroedinger();

    /* The same configuration in NERSC and MILC formats (16^4, as written by
     * MILC): the plaquettes agree to single precision. */
    {
        ym_config_info a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        ref_case ca = {"milc-generated/l16161616_b6.00/l16161616_b6.00_ora.nersc", 0, INFINITY, 1};
        ref_case cb = {"milc-generated/l16161616_b6.00/l16161616_b6.00_ora.milc", 0, INFINITY, 1};
        check_ref(&ca, &a);
        check_ref(&cb, &b);
        if (a.N && b.N)
            tap_ok(fabs(a.plaquette_read - b.plaquette_read) < 1e-6, "16^4 NERSC vs MILC plaquette %.10f %.10f",
                   a.plaquette_read, b.plaquette_read);
        else
            tap_skip("16^4 files absent");
    }

    round_trip("ildg64", w_ildg, 64, 3, 0);
    round_trip("ildg32", w_ildg, 32, 3, 1e-6);
    round_trip("nersc3x3", w_nersc, 3, 3, 0);
    round_trip("nersc3x2", w_nersc, 2, 3, 1e-14);
    round_trip("ildg64-su2", w_ildg, 64, 2, 0);
    round_trip("ildg64-su4", w_ildg, 64, 4, 0);
    round_trip("nersc-su4", w_nersc, 4, 4, 0);
    round_trip("nersc-su2-2rows", w_nersc, 1, 2, 1e-15);
    round_trip("milc", w_milc, 1, 3, 1e-6);
    round_trip_ex("openqcd", w_openqcd, 1, 3, 0, 0);
    milc_same_as_reference();
    openqcd_same_as_reference();
    convert_reference();
    writer_refusals();
    accept_bad_checksum();
    raw_accept_bad_checksum();
    round_trip("raw-su3", w_raw, 0, 3, 0); /* detection and dispatch of the interim format */
    carry_records();
    metadata_round_trip();
    headerless();

    /* Damaged copies of files written here (always available) and of
     * reference files. */
    char ildg[512], nersc[512], path[1100];
    snprintf(ildg, sizeof ildg, "%s/good.ildg", g_tmp);
    snprintf(nersc, sizeof nersc, "%s/good.nersc", g_tmp);
    {
        test_lat a;
        const int L[4] = {4, 4, 4, 4};
        int st = test_lat_create(&a, MPI_COMM_WORLD, L, g_pd, 1, NULL, 3);
        if (!st) st = ym_gauge_set_random(a.u, 77);
        if (!st) st = ym_ildg_write(a.u, ildg, 64, 1);
        if (!st) st = ym_nersc_write(a.u, nersc, 2, 1);
        tap_ok(!st, "writing the files to damage");
        test_lat_free(&a);
    }
    const long ildg_size = 4L * 4 * 4 * 4 * 4 * 9 * 16; /* link bytes: the data record is near the end */
    damage("ildg-truncated", ildg, 3000, -1, 0, NULL, NULL, YM_EFORMAT);
    damage("ildg-truncated-in-data", ildg, ildg_size / 2, -1, 0, NULL, NULL, YM_EFORMAT);
    damage("ildg-lime-magic", ildg, -1, 1, 0x10, NULL, NULL, YM_EFORMAT);
    damage("ildg-payload-bit", ildg, -1, 9000, 0x01, NULL, NULL, YM_EFORMAT);
    damage("ildg-dims", ildg, -1, -1, 0, "<lt>4</lt>", "<lt>8</lt>", YM_EFORMAT);
    damage("ildg-checksum", ildg, -1, -1, 0, "<suma>", "<sumb>", YM_EFORMAT);
    damage("nersc-truncated", nersc, 20000, -1, 0, NULL, NULL, YM_EFORMAT);
    damage("nersc-payload-bit", nersc, -1, 5000, 0x04, NULL, NULL, YM_EFORMAT);
    damage("nersc-dims", nersc, -1, -1, 0, "DIMENSION_2 = 4", "DIMENSION_2 = 5", YM_EFORMAT);
    damage("nersc-huge-dims", nersc, -1, -1, 0, "DIMENSION_2 = 4", "DIMENSION_2 = 9", YM_EFORMAT);
    damage("nersc-checksum", nersc, -1, -1, 0, "CHECKSUM = ", "CHECKSUM = 0", YM_EFORMAT);
    damage("nersc-plaquette", nersc, -1, -1, 0, "PLAQUETTE = ", "PLAQUETTE = 9", YM_EFORMAT);
    damage("nersc-datatype", nersc, -1, -1, 0, "4D_SU3_GAUGE", "4D_SU9_GAUGE", YM_EFORMAT);
    snprintf(path, sizeof path, "%s/gauge/milc/lat.sample.l4444", test_reference_dir());
    damage("milc-truncated", path, 50000, -1, 0, NULL, NULL, YM_EFORMAT);
    damage("milc-payload-bit", path, -1, 4000, 0x20, NULL, NULL, YM_EFORMAT);
    damage("milc-huge-dims", path, -1, 6, 0x40, NULL, NULL, YM_EFORMAT);
    damage("milc-checksum", path, -1, 90, 0x01, NULL, NULL, YM_EFORMAT);
    damage("milc-order", path, -1, 84, 0x01, NULL, NULL, YM_EFORMAT);
    damage("empty", path, 0, -1, 0, NULL, NULL, YM_EFORMAT);
    snprintf(path, sizeof path, "%s/gauge/glu/lat400_4x4x4x8_su3.cern", test_reference_dir());
    damage("openqcd-truncated", path, 200000, -1, 0, NULL, NULL, YM_EFORMAT); /* then not even detected */
    /* openQCD has no checksum: only damage above rounding level shows (here
     * an exponent bit: the most significant byte of a little-endian double). */
    damage("openqcd-payload-bit", path, -1, 24 + 8 * 3747 + 7, 0x08, NULL, NULL, YM_EFORMAT);
    damage("openqcd-plaquette", path, -1, 18, 0x01, NULL, NULL, YM_EFORMAT);
    {
        char missing[600];
        snprintf(missing, sizeof missing, "%s/no-such-file", g_tmp);
        expect_fail("missing file", missing, YM_EIO);
    }

    if (g_rank == 0) {
        unlink(ildg);
        unlink(nersc);
        if (strcmp(g_tmp, ".")) {
            /* whatever the writers left (MILC .info sidecars included) */
            DIR *dir = opendir(g_tmp);
            for (struct dirent *e = dir ? readdir(dir) : NULL; e; e = readdir(dir)) {
                char f[4400];
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
                    snprintf(f, sizeof f, "%s/%s", g_tmp, e->d_name) < (int)sizeof f)
                    unlink(f);
            }
            if (dir) closedir(dir);
            rmdir(g_tmp);
        }
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
