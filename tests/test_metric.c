/* The metric field (lattice/ym_metric, io/ym_metric_io).
 * Oracles:
 *  - layout: ym_metric_comp is the documented order and pack/unpack invert
 *    each other;
 *  - SPD algebra: g g^-1 = 1 (1e-14), det g = product of the eigenvalues and
 *    the eigenvalue range equals the analytic one for a rotated diagonal
 *    matrix (1e-13); indefinite or non-finite matrices are refused;
 *  - starts: flat and diag give exact values of every observable
 *    (sqrt g, det g, R = 0, lambda, component means); the conformal start
 *    with constant u is exp(2u) delta exactly; the random start is
 *    reproducible, depends on the seed, has lambda_min >= lmin with the
 *    clamp reached, and for a small amplitude (no clamping) its component
 *    means and variances match N(delta, amp^2 (1/2 off-diagonal)) within
 *    5 sigma; bad parameters are refused with a message;
 *  - HDF5: a written field reads back bit-identically; wrong lattice size,
 *    missing file, missing dataset and a non-SPD site are refused; an
 *    existing file is not replaced without overwrite;
 *  - start specifications: flat, diag:, random: and file: give the same
 *    field as the direct calls (bit-identical); malformed ones are refused;
 *  - with --mpi (grid given by --grid): the random start, the observables,
 *    the Ricci(-DeTurck) velocity and 3 RK3 steps, periodic and open, equal
 *    the same computation by each rank alone on MPI_COMM_SELF (random start
 *    bit-identical, the rest 1e-12 relative), and a file written on the grid
 *    is bit-identical to one written by a single rank. */
#include "common.h"

#include <math.h>
#include <unistd.h>

#include "ym_metric.h"
#include "ym_metric_io.h"
#include "ym_ricci.h"

static void test_layout(void)
{
    const char *names[10] = {"00", "01", "02", "03", "11", "12", "13", "22", "23", "33"};
    int ok = 1;
    for (int c = 0; c < 10; ++c) {
        int a = names[c][0] - '0', b = names[c][1] - '0';
        ok = ok && ym_metric_comp(a, b) == c && ym_metric_comp(b, a) == c;
    }
    double c10[10], m[4][4], back[10];
    for (int c = 0; c < 10; ++c) c10[c] = c + 0.5;
    ym_metric_unpack(c10, m);
    ym_metric_pack(m, back);
    ok = ok && memcmp(c10, back, sizeof c10) == 0 && m[2][3] == m[3][2] && m[2][3] == c10[8];
    tap_ok(ok, "layout g00 g01 g02 g03 g11 g12 g13 g22 g23 g33; pack/unpack round trip");
}

/* R diag(d) R^T with R a rotation in the (0,2) and (1,3) planes. */
static void rotated(const double d[4], double th, double m[4][4])
{
    double R[4][4] = {{cos(th), 0, -sin(th), 0}, {0, cos(2 * th), 0, sin(2 * th)},
                      {sin(th), 0, cos(th), 0}, {0, -sin(2 * th), 0, cos(2 * th)}};
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) {
            double s = 0;
            for (int k = 0; k < 4; ++k) s += R[a][k] * d[k] * R[b][k];
            m[a][b] = s;
        }
}

static void test_algebra(void)
{
    const double d[4] = {0.3, 1.7, 2.5, 0.9};
    double m[4][4], inv[4][4], det, lo, hi, err = 0;
    rotated(d, 0.7, m);
    int spd = ym_metric_spd(m, inv, &det);
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) {
            double s = 0;
            for (int k = 0; k < 4; ++k) s += m[a][k] * inv[k][b];
            err = fmax(err, fabs(s - (a == b)));
        }
    int est = ym_metric_eigen(m, &lo, &hi);
    tap_ok(spd && err < 1e-14 && fabs(det / (0.3 * 1.7 * 2.5 * 0.9) - 1) < 1e-13 && !est && fabs(lo - 0.3) < 1e-13 &&
               fabs(hi - 2.5) < 1e-13,
           "SPD algebra: g g^-1 = 1 (%.1e), det = product of eigenvalues, eigenvalue range [0.3, 2.5]", err);
    const double dn[4] = {0.3, -0.1, 2.5, 0.9};
    rotated(dn, 0.4, m);
    int refused = !ym_metric_spd(m, NULL, NULL);
    rotated(d, 0.4, m);
    m[1][2] = m[2][1] = NAN;
    refused = refused && !ym_metric_spd(m, NULL, NULL);
    tap_ok(refused, "an indefinite and a non-finite matrix are not SPD");
}

static double const_u(const int x[4], const int L[4], void *ctx)
{
    (void)x, (void)L;
    return *(const double *)ctx;
}

static int obs_of(ym_field *g, ym_metric_obs *o)
{
    int st = ym_metric_observe(g, NULL, o);
    if (st) tap_diag("observe: %s", ym_errmsg());
    return st;
}

static void test_starts(void)
{
    const int L[4] = {4, 3, 4, 5};
    test_lat t;
    ym_field *g = NULL, *g2 = NULL, *dens = NULL;
    if (test_lat_create(&t, MPI_COMM_SELF, L, NULL, 1, NULL, 0) || ym_metric_create(&g, t.geom) ||
        ym_metric_create(&g2, t.geom) || ym_field_create(&dens, t.geom, YM_METRIC_NOBS)) {
        tap_ok(0, "starts: set-up");
        return;
    }
    double V = 4 * 3 * 4 * 5;
    ym_metric_obs o;
    int st = obs_of(g, &o), ok = !st;
    for (int c = 0; c < 10 && ok; ++c) ok = o.mean[c] == (c == 0 || c == 4 || c == 7 || c == 9);
    tap_ok(ok && o.sum_sqrtg == V && o.sum_detg == V && o.sum_R == 0 && o.lambda_min == 1 && o.lambda_max == 1,
           "flat start: sqrt g = det g = 1, R = 0, lambda = 1, means = delta (exact)");

    const double d[4] = {1.5, 0.5, 2.0, 3.0};
    st = ym_metric_set_diag(g, d);
    if (!st) st = ym_metric_observe(g, dens, &o);
    ok = !st && fabs(o.sum_sqrtg / (V * sqrt(4.5)) - 1) < 1e-15 && fabs(o.sum_detg / (V * 4.5) - 1) < 1e-15 &&
         o.sum_R == 0 && fabs(o.lambda_min - 0.5) < 1e-15 && fabs(o.lambda_max - 3) < 1e-15 && o.mean[4] == 0.5 &&
         o.mean[1] == 0 && o.mean[9] == 3;
    const int *in = ym_geom_interior(t.geom);
    for (int i = 0; i < (int)V && ok; ++i) {
        const double *v = ym_field_site(dens, in[i]);
        ok = fabs(v[YM_METRIC_SQRTG] / sqrt(4.5) - 1) < 1e-15 && v[YM_METRIC_R] == 0 &&
             fabs(v[YM_METRIC_DETG] / 4.5 - 1) < 1e-15 && fabs(v[YM_METRIC_LMIN] - 0.5) < 1e-15 &&
             fabs(v[YM_METRIC_LMAX] - 3) < 1e-15;
    }
    tap_ok(ok, "diag:1.5,0.5,2,3 start: sqrt g = sqrt(4.5), det g = 4.5, R = 0, lambda in [0.5, 3] per site and summed");

    const double bad[4] = {1, 0, 1, 1};
    st = ym_metric_set_diag(g, bad);
    tap_ok(st == YM_EINVAL && strstr(ym_errmsg(), "diagonal entry 1"), "diag with a zero entry refused: %s",
           ym_errmsg());
    ym_error_clear();

    /* Conformal with constant u. */
    double c = 0.25;
    {
        st = ym_metric_set_conformal(g, const_u, &c);
        if (!st) st = obs_of(g, &o);
        double e = exp(2 * c);
        tap_ok(!st && o.mean[0] == e && o.mean[9] == e && o.mean[1] == 0 && fabs(o.sum_sqrtg / (V * e * e) - 1) < 1e-15 &&
                   o.sum_R == 0,
               "conformal start with constant u = 0.25: g = e^{2u} delta, sqrt g = e^{4u}, R = 0");
    }

    /* Random: reproducible, seed-dependent, clamped. */
    st = ym_metric_set_random(g, 7, 2.0, 0.5);
    if (!st) st = ym_metric_set_random(g2, 7, 2.0, 0.5);
    size_t bytes = sizeof(double) * 10 * (size_t)ym_geom_nsites(t.geom);
    int same = !st && memcmp(ym_field_data(g), ym_field_data(g2), bytes) == 0;
    if (!st) st = ym_metric_set_random(g2, 8, 2.0, 0.5);
    int differ = !st && memcmp(ym_field_data(g), ym_field_data(g2), bytes) != 0;
    if (!st) st = ym_metric_observe(g, dens, &o);
    int clamped = 0;
    for (int i = 0; i < (int)V && !st; ++i) clamped += fabs(ym_field_site(dens, in[i])[YM_METRIC_LMIN] - 0.5) < 1e-12;
    tap_ok(same && differ && !st && o.lambda_min >= 0.5 - 1e-12 && clamped > 0,
           "random start (amp 2, lmin 0.5): reproducible, seed-dependent, lambda_min = %.15f >= 0.5, %d sites clamped",
           o.lambda_min, clamped);
    st = ym_metric_set_random(g, 7, -1, 0.5);
    tap_ok(st == YM_EINVAL, "negative amplitude refused: %s", ym_errmsg());
    ym_error_clear();
    st = ym_metric_set_random(g, 7, 1, 0);
    tap_ok(st == YM_EINVAL, "lmin = 0 refused: %s", ym_errmsg());
    ym_error_clear();

    /* Small amplitude: no clamping, so the entries are delta + amp N(0, 1 or 1/2). */
    const double amp = 0.05;
    st = ym_metric_set_random(g, 3, amp, 0.5);
    double mean[10] = {0}, var[10] = {0};
    for (int i = 0; i < (int)V && !st; ++i)
        for (int k = 0; k < 10; ++k) mean[k] += ym_field_site(g, in[i])[k] / V;
    for (int i = 0; i < (int)V && !st; ++i)
        for (int k = 0; k < 10; ++k) var[k] += pow(ym_field_site(g, in[i])[k] - mean[k], 2) / (V - 1);
    ok = !st;
    for (int k = 0; k < 10; ++k) {
        int diag = k == 0 || k == 4 || k == 7 || k == 9;
        double s2 = amp * amp * (diag ? 1.0 : 0.5);
        ok = ok && fabs(mean[k] - diag) < 5 * sqrt(s2 / V) && fabs(var[k] / s2 - 1) < 5 * sqrt(2 / (V - 1));
    }
    tap_ok(ok, "random start, amp 0.05: component means and variances of N(delta, amp^2) within 5 sigma");

    ym_field_free(dens);
    ym_field_free(g2);
    ym_field_free(g);
    test_lat_free(&t);
}

static void tmp_name(char *buf, size_t n, const char *tag)
{
    long pid = (long)getpid();
    MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    snprintf(buf, n, "test_metric_%s_%ld.h5", tag, pid);
}

static void test_h5(void)
{
    const int L[4] = {4, 3, 2, 5}, L2[4] = {4, 3, 2, 4};
    test_lat t, t2;
    ym_field *g = NULL, *h = NULL, *h2 = NULL;
    if (test_lat_create(&t, MPI_COMM_SELF, L, NULL, 1, NULL, 0) || test_lat_create(&t2, MPI_COMM_SELF, L2, NULL, 1, NULL, 0) ||
        ym_metric_create(&g, t.geom) || ym_metric_create(&h, t.geom) || ym_metric_create(&h2, t2.geom)) {
        tap_ok(0, "hdf5: set-up");
        return;
    }
    char path[256];
    tmp_name(path, sizeof path, "rt");
    int st = ym_metric_set_random(g, 5, 0.3, 0.2);
    if (!st) st = ym_metric_write_h5(g, path, 0, "test=1");
    if (!st) st = ym_metric_read_h5(h, path);
    const int *in = ym_geom_interior(t.geom);
    int same = !st;
    for (int i = 0; i < ym_geom_ninterior(t.geom) && same; ++i)
        same = memcmp(ym_field_site(g, in[i]), ym_field_site(h, in[i]), 10 * sizeof(double)) == 0;
    tap_ok(same, "HDF5 round trip is bit-identical%s%s", st ? ": " : "", st ? ym_errmsg() : "");
    st = ym_metric_write_h5(g, path, 0, NULL);
    tap_ok(st == YM_EIO, "an existing file is not replaced without overwrite: %s", ym_errmsg());
    ym_error_clear();
    st = ym_metric_read_h5(h2, path);
    tap_ok(st == YM_EFORMAT && strstr(ym_errmsg(), "shape"), "wrong lattice size refused: %s", ym_errmsg());
    ym_error_clear();
    st = ym_metric_read_h5(h, "no-such-file.h5");
    tap_ok(st == YM_EIO, "missing file refused: %s", ym_errmsg());
    ym_error_clear();
    /* A non-SPD site: write it raw (the writer does not judge), the reader must refuse it. */
    double *s3 = ym_field_site(g, in[3]);
    s3[ym_metric_comp(1, 1)] = -1;
    st = ym_metric_write_h5(g, path, 1, NULL);
    if (!st) st = ym_metric_read_h5(h, path);
    tap_ok(st == YM_EFORMAT && strstr(ym_errmsg(), "(3,0,0,0)"), "a non-SPD site is refused and named: %s",
           ym_errmsg());
    ym_error_clear();
    /* Start specifications. */
    {
        size_t bytes = sizeof(double) * 10 * (size_t)ym_geom_nsites(t.geom);
        const double dd[4] = {1.5, 0.5, 2, 3};
        int ok = 1;
        st = ym_metric_set_diag(g, dd);
        if (!st) st = ym_metric_set_start(h, "diag:1.5,0.5,2,3");
        ok = ok && !st && !memcmp(ym_field_data(g), ym_field_data(h), bytes);
        if (!st) st = ym_metric_set_random(g, 12, 0.2, 0.3);
        if (!st) st = ym_metric_set_start(h, "random:12,0.2");
        ok = ok && !st && !memcmp(ym_field_data(g), ym_field_data(h), bytes);
        if (!st) st = ym_metric_set_random(g, 12, 0.5, 0.6);
        if (!st) st = ym_metric_set_start(h, "random:12,0.5,0.6");
        ok = ok && !st && !memcmp(ym_field_data(g), ym_field_data(h), bytes);
        if (!st) st = ym_metric_write_h5(g, path, 1, NULL);
        char spec[300];
        snprintf(spec, sizeof spec, "file:%s", path);
        if (!st) st = ym_metric_set_start(h, "flat");
        if (!st) st = ym_metric_set_start(h, spec);
        ok = ok && !st && !memcmp(ym_field_data(g), ym_field_data(h), bytes);
        if (!st) st = ym_metric_set_flat(g);
        if (!st) st = ym_metric_set_start(h, "flat");
        ok = ok && !st && !memcmp(ym_field_data(g), ym_field_data(h), bytes);
        tap_ok(ok, "start specifications flat, diag:, random: (with and without LMIN), file: = the direct calls%s%s",
               st ? ": " : "", st ? ym_errmsg() : "");
        ym_error_clear();
        const char *bad[] = {"diag:1,2,3", "diag:1,2,3,x", "random:1", "random:-1,0.2", "random:1.5,0.2",
                             "curved", "file:", "diag:1,2,3,4,5"};
        int refused = 1;
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; ++k) {
            st = ym_metric_set_start(h, bad[k]);
            refused = refused && st == YM_EINVAL;
            if (st != YM_EINVAL) tap_diag("'%s' gave %d", bad[k], st);
            ym_error_clear();
        }
        tap_ok(refused, "malformed start specifications are refused (YM_EINVAL)");
    }
    remove(path);
    ym_field_free(g);
    ym_field_free(h);
    ym_field_free(h2);
    test_lat_free(&t);
    test_lat_free(&t2);
}

/* ---------- grid independence ---------- */

static double rel(double a, double b)
{
    double s = fmax(fabs(a), fabs(b));
    return s > 1e-300 ? fabs(a - b) / s : 0.0;
}

/* Worst relative difference between distributed field f and serial field s
 * (same ncomp) over f's interior sites; scale-aware: relative to the largest
 * |value| of the component. */
static double field_diff(ym_field *f, ym_field *s, const ym_geom *gs)
{
    const ym_geom *gf = ym_field_geom(f);
    size_t nc = ym_field_ncomp(f);
    const int *in = ym_geom_interior(gf);
    double d = 0, sc = 0;
    for (int i = 0; i < ym_geom_ninterior(gf); ++i) {
        int x[4];
        ym_geom_global_coords(gf, in[i], x);
        const double *a = ym_field_site(f, in[i]), *b = ym_field_site(s, ym_geom_index(gs, x));
        for (size_t c = 0; c < nc; ++c) {
            d = fmax(d, fabs(a[c] - b[c]));
            sc = fmax(sc, fabs(b[c]));
        }
    }
    double r[2] = {d, sc};
    MPI_Allreduce(MPI_IN_PLACE, r, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return r[1] > 0 ? r[0] / r[1] : r[0];
}

static void test_grid(int argc, char **argv)
{
    int pd[4];
    test_grid_arg(argc, argv, pd);
    const int L[4] = {6, 4, 4, 6}, one[4] = {1, 1, 1, 1};
    const int open[4] = {YM_BC_OPEN, 0, 0, YM_BC_OPEN};
    for (int b = 0; b < 2; ++b)
        for (int deturck = 0; deturck < 2; ++deturck) {
            const char *bcname = b ? "open in x,t" : "periodic";
            test_lat t, s;
            ym_field *g = NULL, *gs = NULL, *d = NULL, *ds = NULL, *K = NULL, *Ks = NULL;
            ym_ricci *r = NULL, *rs = NULL;
            int st = test_lat_create(&t, MPI_COMM_WORLD, L, pd, 2, b ? open : NULL, 0);
            if (!st) st = test_lat_create(&s, MPI_COMM_SELF, L, one, 2, b ? open : NULL, 0);
            if (!st) st = ym_metric_create(&g, t.geom);
            if (!st) st = ym_metric_create(&gs, s.geom);
            if (!st) st = ym_field_create(&d, t.geom, YM_METRIC_NOBS);
            if (!st) st = ym_field_create(&ds, s.geom, YM_METRIC_NOBS);
            if (!st) st = ym_field_create(&K, t.geom, YM_METRIC_NCOMP);
            if (!st) st = ym_field_create(&Ks, s.geom, YM_METRIC_NCOMP);
            if (!st) st = ym_ricci_create(&r, t.geom, deturck);
            if (!st) st = ym_ricci_create(&rs, s.geom, deturck);
            if (!st) st = ym_metric_set_random(g, 99, 0.2, 0.3);
            if (!st) st = ym_metric_set_random(gs, 99, 0.2, 0.3);
            double dg = st ? 1 : field_diff(g, gs, s.geom);
            tap_ok(!st && dg == 0, "grid %dx%dx%dx%d, %s: random start identical to the serial one", pd[0], pd[1],
                   pd[2], pd[3], bcname);
            ym_metric_obs o, os;
            if (!st) st = ym_metric_observe(g, d, &o);
            if (!st) st = ym_metric_observe(gs, ds, &os);
            double dd = st ? 1 : field_diff(d, ds, s.geom);
            double dobs = st ? 1
                             : fmax(fmax(rel(o.sum_sqrtg, os.sum_sqrtg), rel(o.sum_detg, os.sum_detg)),
                                    fmax(rel(o.sum_R, os.sum_R), fmax(rel(o.lambda_min, os.lambda_min),
                                                                      rel(o.lambda_max, os.lambda_max))));
            for (int c = 0; c < 10 && !st; ++c) dobs = fmax(dobs, rel(o.mean[c], os.mean[c]));
            if (deturck)
                tap_ok(!st && dd <= 1e-12 && dobs <= 1e-12,
                       "grid %dx%dx%dx%d, %s: per-site and summed observables = serial (%.1e, %.1e)", pd[0], pd[1],
                       pd[2], pd[3], bcname, dd, dobs);
            if (!st) st = ym_ricci_rhs(r, g, K);
            if (!st) st = ym_ricci_rhs(rs, gs, Ks);
            double dk = st ? 1 : field_diff(K, Ks, s.geom);
            for (int n = 0; n < 3 && !st; ++n) {
                st = ym_ricci_step_rk3(r, g, 0.02);
                if (!st) st = ym_ricci_step_rk3(rs, gs, 0.02);
            }
            double dstep = st ? 1 : field_diff(g, gs, s.geom);
            tap_ok(!st && dk <= 1e-12 && dstep <= 1e-12,
                   "grid %dx%dx%dx%d, %s, DeTurck %s: velocity and 3 RK3 steps = serial (%.1e, %.1e)", pd[0], pd[1],
                   pd[2], pd[3], bcname, deturck ? "on" : "off", dk, dstep);
            if (st) tap_diag("%s", ym_errmsg());
            /* A file written on the grid equals one written by one rank. */
            if (b == 0 && deturck == 0) {
                char p1[256], p2[256];
                tmp_name(p1, sizeof p1, "grid");
                tmp_name(p2, sizeof p2, "self");
                int rank;
                MPI_Comm_rank(MPI_COMM_WORLD, &rank);
                int e = ym_metric_write_h5(g, p1, 1, NULL);
                if (rank == 0) e = e ? e : ym_metric_write_h5(gs, p2, 1, NULL);
                MPI_Bcast(&e, 1, MPI_INT, 0, MPI_COMM_WORLD);
                int same = 0;
                if (rank == 0 && !e) {
                    /* Compare the datasets by reading both serially. */
                    ym_field *a = NULL, *c = NULL;
                    same = !ym_metric_create(&a, s.geom) && !ym_metric_create(&c, s.geom) &&
                           !ym_metric_read_h5(a, p1) && !ym_metric_read_h5(c, p2) &&
                           memcmp(ym_field_data(a), ym_field_data(c),
                                  sizeof(double) * 10 * (size_t)ym_geom_nsites(s.geom)) == 0;
                    ym_field_free(a);
                    ym_field_free(c);
                    remove(p1);
                    remove(p2);
                }
                MPI_Bcast(&same, 1, MPI_INT, 0, MPI_COMM_WORLD);
                tap_ok(!e && same, "grid %dx%dx%dx%d: the HDF5 file written on the grid = written by one rank", pd[0],
                       pd[1], pd[2], pd[3]);
            }
            ym_ricci_free(r);
            ym_ricci_free(rs);
            ym_field_free(K);
            ym_field_free(Ks);
            ym_field_free(d);
            ym_field_free(ds);
            ym_field_free(g);
            ym_field_free(gs);
            test_lat_free(&t);
            test_lat_free(&s);
        }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    ym_init();
    int mpi = 0;
    for (int i = 1; i < argc; ++i) mpi |= !strcmp(argv[i], "--mpi");
    if (mpi) test_grid(argc, argv);
    else {
        test_layout();
        test_algebra();
        test_starts();
        test_h5();
        test_grid(argc, argv);
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
