/* Conformance of every registered gauge action (the loop runs over the
 * registry, so a newly registered action is checked too).
 * Oracles:
 *  - force = Lie derivative of the action: for a random algebra field X,
 *    d/ds S(e^{sX}U)|_0 = 2 sum Re tr(X Z) (ym_action.h); the left side from
 *    Richardson-extrapolated central differences, relative 1e-8;
 *  - gauge invariance of S and covariance Z[LU](x) = L(x) Z[U](x) L(x)^+
 *    (1e-12 relative);
 *  - "wilson" equals ym_gauge_wilson_action (1e-12);
 *  - normalisation and loop shapes: on the constant abelian flux of
 *    THEORY.md B.8 item 5 (plaquette angle phi in the xy plane) an a x b
 *    loop has angle ab phi, so per site S = sum_k w_k 4 (1 - cos(a_k b_k phi))
 *    for SU(2) (1e-12);
 *  - registry: duplicates refused, unknown names list the known ones,
 *    rectangle actions refuse a depth-1 geometry;
 *  - with --mpi: S and Z on the --grid process grid equal those computed by
 *    rank 0 alone on MPI_COMM_SELF (1e-12 relative).
 * All on 4^4, periodic and open in t, SU(2) and SU(3), Haar-random and
 * smooth (exp of 0.3 times a random algebra field) links. */
#include "common.h"

#include <math.h>

#include "ym_flux.h"
#include "ym_action.h"

/* A user-style action registered by the test: twice the Wilson action. */
static int dw_value(const ym_action_type *a, const double *par, ym_gauge *u, double *s)
{
    (void)a, (void)par;
    ym_loop_set ls = {1, {1}, {1}, {2.0}};
    return ym_loop_action_value(&ls, u, s);
}
static int dw_force(const ym_action_type *a, const double *par, ym_gauge *u, ym_field *z)
{
    (void)a, (void)par;
    ym_loop_set ls = {1, {1}, {1}, {2.0}};
    return ym_loop_action_force(&ls, u, z);
}
static const ym_action_type double_wilson = {"test-double-wilson", "2 x Wilson (registered by the test)", 1, 0,
                                             NULL, NULL, dw_value, dw_force, NULL, 0, NULL};

/* kind 0: Haar random; 1: exp(0.3 P(R)) with R Haar random. */
static int setup(ym_gauge *u, int kind, unsigned long seed)
{
    int st = ym_gauge_set_random(u, seed);
    if (st || kind == 0) return st;
    int N = ym_gauge_N(u);
    const ym_geom *g = ym_gauge_geom(u);
    const int *in = ym_geom_interior(g);
    ym_cplx x[YM_NMAX * YM_NMAX];
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            ym_cplx *l = ym_gauge_link(u, in[i], mu);
            ym_su_proj(N, x, l);
            for (int j = 0; j < N * N; ++j) x[j] *= 0.3;
            ym_su_exp(N, l, x);
        }
    return ym_gauge_halo_update(u);
}

/* dst = exp(s X) src on interior links; X taken as P(xf). */
static int shifted(ym_gauge *dst, const ym_gauge *src, ym_gauge *xf, double s)
{
    int st = ym_gauge_copy(dst, src);
    if (st) return st;
    int N = ym_gauge_N(dst);
    const ym_geom *g = ym_gauge_geom(dst);
    const int *in = ym_geom_interior(g);
    ym_cplx x[YM_NMAX * YM_NMAX], e[YM_NMAX * YM_NMAX], t[YM_NMAX * YM_NMAX];
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            ym_su_proj(N, x, ym_gauge_link(xf, in[i], mu));
            for (int j = 0; j < N * N; ++j) x[j] *= s;
            ym_su_exp(N, e, x);
            ym_cplx *l = ym_gauge_link(dst, in[i], mu);
            ym_su_mul_nn(N, t, e, l);
            ym_su_copy(N, l, t);
        }
    return ym_gauge_halo_update(dst);
}

static MPI_Comm comm_of(const ym_gauge *u) { return ym_grid_comm(ym_geom_grid(ym_gauge_geom(u))); }

static void check_action(const ym_action_type *a, test_lat *t, int N, int kind, const char *bcname)
{
    ym_gauge *u = t->u, *v = NULL, *xf = NULL;
    ym_field *z = NULL, *zv = NULL, *lam = NULL;
    int st = setup(u, kind, 1234 + (unsigned long)kind);
    if (!st) st = ym_gauge_create(&v, t->geom, N);
    if (!st) st = ym_gauge_create(&xf, t->geom, N);
    if (!st) st = ym_gauge_set_random(xf, 777);
    if (!st) st = ym_field_create(&z, t->geom, 8 * (size_t)N * N);
    if (!st) st = ym_field_create(&zv, t->geom, 8 * (size_t)N * N);
    if (!st) st = ym_gauge_random_transform(&lam, u, 4321);
    if (!st) st = ym_action_force(a, NULL, u, z);
    double s0 = 0;
    if (!st) st = ym_action_value(a, NULL, u, &s0);
    if (!tap_ok(st == YM_OK, "%s N=%d %s kind=%d: set-up, value and force", a->name, N, bcname, kind)) {
        tap_diag("%s", ym_errmsg());
        goto out;
    }
    /* analytic directional derivative 2 sum Re tr(X Z) */
    ym_sum acc = YM_SUM_INIT;
    const int *in = ym_geom_interior(t->geom);
    ym_cplx x[YM_NMAX * YM_NMAX];
    for (int i = 0; i < ym_geom_ninterior(t->geom); ++i)
        for (int mu = 0; mu < 4; ++mu) {
            ym_su_proj(N, x, ym_gauge_link(xf, in[i], mu));
            ym_sum_add(&acc, 2.0 * ym_su_retr_nn(N, x, ym_gauge_link_at(ym_field_data(z), N, in[i], mu)));
        }
    double dana;
    ym_sum_allreduce(&acc, comm_of(u), &dana);
    /* numerical: Richardson on central differences (error O(h^4)) */
    double h = 5e-4, sp = 0, sm = 0, d[2] = {0, 0};
    for (int r = 0; r < 2 && !st; ++r) {
        double hr = h / (1 << r);
        st = shifted(v, u, xf, hr);
        if (!st) st = ym_action_value(a, NULL, v, &sp);
        if (!st) st = shifted(v, u, xf, -hr);
        if (!st) st = ym_action_value(a, NULL, v, &sm);
        d[r] = (sp - sm) / (2 * hr);
    }
    double dnum = (4 * d[1] - d[0]) / 3;
    double rel = fabs(dnum - dana) / fmax(fabs(dana), 1e-300);
    if (a->not_gradient) {
        char why[160];
        snprintf(why, sizeof why, "%s N=%d %s kind=%d: force is not a gradient by design", a->name, N, bcname, kind);
        tap_skip(why);
    } else tap_ok(!st && rel < 1e-8, "%s N=%d %s kind=%d: force = derivative (rel err %.2e, dS/ds = %.10g)", a->name, N,
           bcname, kind, rel, dana);
    /* the fused flow form: k <- A k + pack(Z), and A = 0 overwrites even NaN */
    if (a->force_acc && !st) {
        int nin = ym_geom_ninterior(t->geom);
        size_t nn = (size_t)N * N, nk = 4 * (size_t)nin * nn;
        double *k0 = malloc(sizeof(double) * nk), *k = malloc(sizeof(double) * nk), par[YM_ACTION_MAXPAR];
        double pk[YM_NMAX * YM_NMAX], dacc = 0, dnew = 0, mk = 0;
        ym_action_defaults(a, par);
        for (size_t j = 0; j < nk; ++j) k0[j] = k[j] = sin(0.37 * (double)j + 0.1);
        int st1 = a->force_acc(a, par, u, 0.7, k);
        for (int i = 0; !st1 && i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                size_t off = ((size_t)i * 4 + (size_t)mu) * nn;
                ym_su_ah_pack(N, pk, ym_gauge_link_at(ym_field_data(z), N, in[i], mu));
                for (size_t j = 0; j < nn; ++j) {
                    dacc = fmax(dacc, fabs(k[off + j] - (0.7 * k0[off + j] + pk[j])));
                    mk = fmax(mk, fabs(pk[j]));
                }
            }
        for (size_t j = 0; j < nk; ++j) k[j] = NAN;
        int st2 = st1 ? st1 : a->force_acc(a, par, u, 0.0, k);
        for (int i = 0; !st2 && i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                size_t off = ((size_t)i * 4 + (size_t)mu) * nn;
                ym_su_ah_pack(N, pk, ym_gauge_link_at(ym_field_data(z), N, in[i], mu));
                for (size_t j = 0; j < nn; ++j)
                    if (!(fabs(k[off + j] - pk[j]) <= dnew)) dnew = isnan(k[off + j]) ? INFINITY : fabs(k[off + j] - pk[j]);
            }
        MPI_Allreduce(MPI_IN_PLACE, &dacc, 1, MPI_DOUBLE, MPI_MAX, comm_of(u));
        MPI_Allreduce(MPI_IN_PLACE, &dnew, 1, MPI_DOUBLE, MPI_MAX, comm_of(u));
        MPI_Allreduce(MPI_IN_PLACE, &mk, 1, MPI_DOUBLE, MPI_MAX, comm_of(u));
        tap_ok(!st1 && !st2 && dacc <= 1e-14 * fmax(mk, 1.0) && dnew <= 1e-14 * fmax(mk, 1.0),
               "%s N=%d %s kind=%d: force_acc = A k + pack(force) (%.2e), A = 0 overwrites (%.2e)", a->name, N,
               bcname, kind, dacc, dnew);
        free(k0);
        free(k);
    }
    /* gauge invariance and covariance */
    double s1 = 0;
    if (!st) st = ym_gauge_copy(v, u);
    if (!st) st = ym_gauge_transform(v, lam);
    if (!st) st = ym_action_value(a, NULL, v, &s1);
    if (!st) st = ym_action_force(a, NULL, v, zv);
    tap_ok(!st && fabs(s1 - s0) <= 1e-12 * fabs(s0), "%s N=%d %s kind=%d: gauge invariant action (%.2e; S = %.15g)", a->name,
           N, bcname, kind, fabs(s1 - s0) / fabs(s0), s0);
    double maxd = 0, maxz = 0;
    ym_cplx p[YM_NMAX * YM_NMAX], q[YM_NMAX * YM_NMAX];
    for (int i = 0; !st && i < ym_geom_ninterior(t->geom); ++i) {
        const ym_cplx *L = (const ym_cplx *)ym_field_site(lam, in[i]);
        for (int mu = 0; mu < 4; ++mu) {
            const ym_cplx *zu = ym_gauge_link_at(ym_field_data(z), N, in[i], mu);
            ym_su_mul_nn(N, p, L, zu);
            ym_su_mul_nd(N, q, p, L);
            double dd = ym_su_maxdiff(N, q, ym_gauge_link_at(ym_field_data(zv), N, in[i], mu));
            if (dd > maxd) maxd = dd;
            for (int j = 0; j < N * N; ++j)
                if (cabs(zu[j]) > maxz) maxz = cabs(zu[j]);
        }
    }
    MPI_Allreduce(MPI_IN_PLACE, &maxd, 1, MPI_DOUBLE, MPI_MAX, comm_of(u));
    MPI_Allreduce(MPI_IN_PLACE, &maxz, 1, MPI_DOUBLE, MPI_MAX, comm_of(u));
    tap_ok(!st && maxd <= 1e-12 * fmax(maxz, 1.0), "%s N=%d %s kind=%d: covariant force (%.2e, max|Z| %.3g)",
           a->name, N, bcname, kind, maxd, maxz);
    if (!strcmp(a->name, "wilson")) {
        double sw = 0;
        st = ym_gauge_wilson_action(u, &sw);
        tap_ok(!st && fabs(sw - s0) <= 1e-12 * fabs(sw), "wilson N=%d %s kind=%d: S = ym_gauge_wilson_action", N,
               bcname, kind);
    }
out:
    ym_field_free(lam);
    ym_field_free(z);
    ym_field_free(zv);
    ym_gauge_free(v);
    ym_gauge_free(xf);
}


/* THEORY B.8 item 5 in the (x, y) plane, colour direction H = diag(1,-1,0..):
 * the library's start (lattice/ym_flux.c). */
static int set_flux(ym_gauge *u, int n) { return ym_gauge_set_flux(u, 0, 1, n); }

static void flux_values(void)
{
    const int L[4] = {4, 4, 4, 4}, pd[4] = {1, 1, 1, 1};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 2, NULL, 2)) return;
    double phi = 2 * 3.14159265358979323846 / 16, s = 0;
    int st = set_flux(t.u, 1);
    struct {
        const char *name;
        double expect;
    } c[4];
    double f1 = 4 * (1 - cos(phi)), f2 = 4 * (1 - cos(2 * phi)), f4 = 4 * (1 - cos(4 * phi));
    double c1s = -1.0 / 12, c1i = -0.331, eps = -1;
    c[0].name = "wilson", c[0].expect = 256 * f1;
    c[1].name = "symanzik", c[1].expect = 256 * ((1 - 8 * c1s) * f1 + 2 * c1s * f2);
    c[2].name = "iwasaki", c[2].expect = 256 * ((1 - 8 * c1i) * f1 + 2 * c1i * f2);
    c[3].name = "overimproved", c[3].expect = 256 * ((4 - eps) / 3 * f1 + (eps - 1) / 48 * f4);
    for (int i = 0; i < 4; ++i) {
        if (!st) st = ym_action_value(ym_action_find(c[i].name), NULL, t.u, &s);
        tap_ok(!st && fabs(s - c[i].expect) <= 1e-12 * fabs(c[i].expect),
               "%s on abelian flux: S = %.15g (analytic %.15g)", c[i].name, s, c[i].expect);
    }
    test_lat_free(&t);
}

static void serial_checks(void)
{
    const int L[4] = {4, 4, 4, 4};
    const int pd[4] = {1, 1, 1, 1};
    const int open_t[4] = {YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_OPEN};
    const ym_action_type *types[YM_ACTION_MAXREG];
    int n = ym_action_list(types, YM_ACTION_MAXREG);
    for (int N = 2; N <= 3; ++N)
        for (int b = 0; b < 2; ++b) {
            test_lat t;
            if (test_lat_create(&t, MPI_COMM_SELF, L, pd, 2, b ? open_t : NULL, N)) {
                tap_ok(0, "lattice");
                continue;
            }
            for (int i = 0; i < n; ++i)
                for (int kind = 0; kind < 2; ++kind) check_action(types[i], &t, N, kind, b ? "open-t" : "periodic");
            test_lat_free(&t);
        }
    flux_values();
    /* depth-1 geometry refused by actions that need rectangles */
    test_lat t1;
    if (!test_lat_create(&t1, MPI_COMM_SELF, L, pd, 1, NULL, 3)) {
        double s;
        ym_error_clear();
        int st = ym_action_value(ym_action_find("symanzik"), NULL, t1.u, &s);
        tap_ok(st == YM_EINVAL && strstr(ym_errmsg(), "depth"), "symanzik refuses a depth-1 geometry (%s)",
               ym_errmsg());
        ym_error_clear();
        st = ym_action_value(ym_action_find("wilson"), NULL, t1.u, &s);
        tap_ok(st == YM_OK, "wilson works on a depth-1 geometry");
        test_lat_free(&t1);
    }
}

/* Gather Z (interior) into a global array ordered by global site. */
static void gather(ym_gauge *u, ym_field *z, double *out, int64_t V)
{
    int N = ym_gauge_N(u);
    size_t nc = 8 * (size_t)N * N;
    const ym_geom *g = ym_gauge_geom(u);
    memset(out, 0, sizeof(double) * nc * (size_t)V);
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        memcpy(out + nc * (size_t)ym_geom_global_index(g, in[i]), ym_field_site(z, in[i]), nc * sizeof(double));
    MPI_Allreduce(MPI_IN_PLACE, out, (int)(nc * (size_t)V), MPI_DOUBLE, MPI_SUM, comm_of(u));
}

static int value_force(const ym_action_type *a, test_lat *t, int N, double *s, double *zg, int64_t V)
{
    ym_field *z;
    int st = ym_field_create(&z, t->geom, 8 * (size_t)N * N);
    if (st) return st;
    st = setup(t->u, 0, 99);
    if (!st) st = ym_action_value(a, NULL, t->u, s);
    if (!st) st = ym_action_force(a, NULL, t->u, z);
    if (!st) gather(t->u, z, zg, V);
    ym_field_free(z);
    return st;
}

static void mpi_checks(const int pd[4])
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int L[4] = {4, 4, 4, 4};
    const int one[4] = {1, 1, 1, 1};
    const int open_t[4] = {YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_PERIODIC, YM_BC_OPEN};
    const ym_action_type *types[YM_ACTION_MAXREG];
    int n = ym_action_list(types, YM_ACTION_MAXREG);
    int N = 3;
    int64_t V = 256;
    size_t nz = 8 * (size_t)N * N * (size_t)V;
    double *zw = malloc(nz * sizeof(double)), *zs = malloc(nz * sizeof(double));
    for (int b = 0; b < 2; ++b) {
        test_lat tw, ts;
        int st = test_lat_create(&tw, MPI_COMM_WORLD, L, pd, 2, b ? open_t : NULL, N);
        if (!tap_ok(!st, "grid set-up")) break;
        if (rank == 0) st = test_lat_create(&ts, MPI_COMM_SELF, L, one, 2, b ? open_t : NULL, N);
        for (int i = 0; i < n; ++i) {
            double sw = 0, ss = 0;
            int stw = value_force(types[i], &tw, N, &sw, zw, V), sts = 0;
            if (rank == 0) sts = value_force(types[i], &ts, N, &ss, zs, V);
            double ds = 0, dz = 0, mz = 0;
            if (rank == 0) {
                ds = fabs(sw - ss) / fabs(ss);
                for (size_t j = 0; j < nz; ++j) {
                    if (fabs(zw[j] - zs[j]) > dz) dz = fabs(zw[j] - zs[j]);
                    if (fabs(zs[j]) > mz) mz = fabs(zs[j]);
                }
            }
            tap_ok(!stw && !sts && ds <= 1e-12 && dz <= 1e-12 * mz,
                   "%s %s: grid-independent S (%.2e) and force (%.2e)", types[i]->name, b ? "open-t" : "periodic",
                   ds, mz > 0 ? dz / mz : dz);
        }
        if (rank == 0) test_lat_free(&ts);
        test_lat_free(&tw);
    }
    free(zw);
    free(zs);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    ym_init();
    int pd[4], mpi = 0;
    test_grid_arg(argc, argv, pd);
    for (int i = 1; i < argc; ++i)
        if (!strcmp(argv[i], "--mpi")) mpi = 1;

    /* registry behaviour */
    tap_ok(ym_action_register(&double_wilson) == YM_OK, "user action registered");
    ym_action_type dup = double_wilson;
    dup.name = "wilson";
    ym_error_clear();
    tap_ok(ym_action_register(&dup) == YM_EINVAL, "duplicate name refused (%s)", ym_errmsg());
    ym_error_clear();
    const ym_action_type *nf = ym_action_find("no-such-action");
    tap_ok(!nf && strstr(ym_errmsg(), "symanzik") && strstr(ym_errmsg(), "wilson"),
           "unknown name lists the known ones (%s)", ym_errmsg());
    ym_error_clear();
    const char *want[] = {"wilson", "symanzik", "luscher-weisz", "iwasaki", "dbw2", "rectangle", "overimproved"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i)
        tap_ok(ym_action_find(want[i]) != NULL, "built-in %s registered", want[i]);

    if (mpi) mpi_checks(pd);
    else serial_checks();
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
