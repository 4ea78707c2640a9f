/* Process-grid independence.
 * Oracle (invariance): every observable — plaquettes, Wilson action, clover
 * E and Q totals, per-site E(x) and q(x), Polyakov loop — computed on the
 * world communicator with the process grid given by --grid equals, to 1e-12
 * relative, the same quantity computed by rank 0 alone on MPI_COMM_SELF.
 * Random fields are drawn per global site, so they must also be identical.
 * A file written on the serial grid reads back bit-identically on this grid,
 * and a file written on this grid is byte-identical to the serial one. */
#include "common.h"

#include <math.h>
#include <unistd.h>

typedef struct {
    double plaq[3], sw, ec, q;
    double pre, pim;
} totals;

#define NOBS 8

static int compute(ym_gauge *u, totals *t, double *E, double *q, int64_t V)
{
    ym_plaquette p;
    int st = ym_gauge_plaquette(u, &p);
    if (!st) st = ym_gauge_wilson_action(u, &t->sw);
    if (!st) st = ym_curv_clover_totals(u, &t->ec, &t->q);
    t->plaq[0] = p.total;
    t->plaq[1] = p.spatial;
    t->plaq[2] = p.temporal;
    t->pre = t->pim = 0;
    const ym_geom *g = ym_gauge_geom(u);
    if (!st && ym_geom_bc(g, 3) == YM_BC_PERIODIC) {
        ym_cplx pl;
        st = ym_gauge_polyakov(u, &pl);
        t->pre = creal(pl);
        t->pim = cimag(pl);
    }
    /* per-site densities, scattered into global order */
    int N = ym_gauge_N(u);
    ym_field *F, *fe, *fq;
    ym_field_create(&F, g, 12 * (size_t)N * N);
    ym_field_create(&fe, g, 1);
    ym_field_create(&fq, g, 1);
    if (!st) st = ym_curv_clover(u, F);
    if (!st) st = ym_curv_densities(u, F, fe, fq);
    for (int64_t i = 0; i < V; ++i) E[i] = q[i] = 0;
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int64_t gi = ym_geom_global_index(g, in[i]);
        E[gi] = *ym_field_site(fe, in[i]);
        q[gi] = *ym_field_site(fq, in[i]);
    }
    ym_field_free(F);
    ym_field_free(fe);
    ym_field_free(fq);
    return st;
}

static const char *obs_name[NOBS] = {"plaquette", "plaquette_spatial", "plaquette_temporal", "S_wilson",
                                     "E_clover_total", "Q_clover", "polyakov_re", "polyakov_im"};

/* kind 0: Haar-random; 1: instanton; 2: two objects (product ansatz) */
static int setup(ym_gauge *u, int kind, const int L[4])
{
    if (kind == 0) return ym_gauge_set_random(u, 20261122);
    ym_instanton o[2];
    ym_instanton_default(&o[0], L);
    o[0].rho = 1.7;
    if (kind == 1) return ym_instanton_set(u, o, 1);
    o[1] = o[0];
    o[1].anti = 1;
    o[1].rho = 1.2;
    o[1].center[0] = 0.5;
    o[1].center[3] = 6.5;
    return ym_instanton_set(u, o, 2);
}

static void run_case(const int L[4], const int pd[4], const int bc[4], int N, int kind, const char *label)
{
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int64_t V = (int64_t)L[0] * L[1] * L[2] * L[3];
    double *Er = malloc(sizeof(double) * V), *qr = malloc(sizeof(double) * V);
    double *E = malloc(sizeof(double) * V), *q = malloc(sizeof(double) * V);
    totals tr, tw;
    int st = YM_OK;
    char path_ref[256], path_par[256];
    long pid = (long)getpid();
    MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    snprintf(path_ref, sizeof path_ref, "consistency-%ld-%s-ref.raw", pid, label);
    snprintf(path_par, sizeof path_par, "consistency-%ld-%s-par.raw", pid, label);
    if (rank == 0) {
        test_lat s;
        int pone[4] = {1, 1, 1, 1};
        st = test_lat_create(&s, MPI_COMM_SELF, L, pone, 1, bc, N);
        if (!st) st = setup(s.u, kind, L);
        if (!st) st = compute(s.u, &tr, Er, qr, V);
        if (!st) st = ym_raw_write(s.u, path_ref, 1);
        test_lat_free(&s);
    }
    MPI_Bcast(&st, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Bcast(&tr, sizeof tr, MPI_BYTE, 0, MPI_COMM_WORLD);
    MPI_Bcast(Er, (int)V, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    MPI_Bcast(qr, (int)V, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    tap_ok(st == YM_OK, "%s: serial reference computed", label);

    test_lat t;
    st = test_lat_create(&t, MPI_COMM_WORLD, L, pd, 1, bc, N);
    if (!st) st = setup(t.u, kind, L);
    if (!st) st = compute(t.u, &tw, E, q, V);
    tap_ok(st == YM_OK, "%s: distributed computation succeeds", label);
    const double *a = (const double *)&tr, *b = (const double *)&tw;
    for (int k = 0; k < NOBS; ++k) {
        double scale = fabs(a[k]) > 1 ? fabs(a[k]) : 1;
        tap_ok(fabs(a[k] - b[k]) <= 1e-12 * scale, "%s: %s %.17g == serial %.17g", label, obs_name[k], b[k], a[k]);
    }
    /* per-site fields: each rank compares the sites it owns */
    double worstE = 0, worstq = 0;
    const int *in = ym_geom_interior(t.geom);
    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i) {
        int64_t gi = ym_geom_global_index(t.geom, in[i]);
        worstE = fmax(worstE, fabs(E[gi] - Er[gi]) / fmax(1.0, fabs(Er[gi])));
        worstq = fmax(worstq, fabs(q[gi] - qr[gi]) / fmax(1.0, fabs(qr[gi])));
    }
    MPI_Allreduce(MPI_IN_PLACE, &worstE, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &worstq, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    tap_ok(worstE <= 1e-12, "%s: E_clover(x) per site equals serial (worst %.3g)", label, worstE);
    tap_ok(worstq <= 1e-12, "%s: q(x) per site equals serial (worst %.3g)", label, worstq);

    /* parallel IO: serial file read here gives identical links */
    ym_gauge *r = NULL;
    st = ym_gauge_create(&r, t.geom, N);
    if (!st) st = ym_raw_read(r, path_ref);
    long diff = 0;
    if (!st)
        for (int i = 0; i < ym_geom_ninterior(t.geom); ++i)
            if (memcmp(ym_gauge_link(r, in[i], 0), ym_gauge_link(t.u, in[i], 0), 4 * sizeof(ym_cplx) * N * N)) ++diff;
    MPI_Allreduce(MPI_IN_PLACE, &diff, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    tap_ok(st == YM_OK && diff == 0, "%s: serial file reads bit-identically on this grid (%ld sites differ)", label,
           diff);
    st = ym_raw_write(t.u, path_par, 1);
    int same = 0;
    if (rank == 0 && st == YM_OK) {
        FILE *f1 = fopen(path_ref, "rb"), *f2 = fopen(path_par, "rb");
        same = f1 && f2;
        int c1, c2;
        while (same && (c1 = fgetc(f1)) != EOF) {
            c2 = fgetc(f2);
            if (c1 != c2) same = 0;
        }
        if (same && fgetc(f2) != EOF) same = 0;
        if (f1) fclose(f1);
        if (f2) fclose(f2);
        unlink(path_ref);
        unlink(path_par);
    }
    MPI_Bcast(&same, 1, MPI_INT, 0, MPI_COMM_WORLD);
    tap_ok(st == YM_OK && same, "%s: file written on this grid is byte-identical to the serial one", label);
    ym_gauge_free(r);
    test_lat_free(&t);
    free(Er);
    free(qr);
    free(E);
    free(q);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    int pd[4];
    test_grid_arg(argc, argv, pd);
    int L[4] = {4, 4, 4, 8};
    int per[4] = {0, 0, 0, 0}, open_t[4] = {0, 0, 0, 1}, open_all[4] = {1, 1, 1, 1};
    run_case(L, pd, per, 3, 0, "hot-su3");
    run_case(L, pd, per, 2, 1, "instanton-su2");
    run_case(L, pd, open_t, 2, 0, "hot-su2-open-t");
    run_case(L, pd, open_all, 3, 2, "pair-su3-open");
    run_case(L, pd, per, 4, 0, "hot-su4");
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
