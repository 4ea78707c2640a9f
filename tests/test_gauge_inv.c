/* Gauge invariance.
 * Oracle (invariance): under U_mu(x) -> L(x) U_mu(x) L(x+mu)^+ with Haar-random
 * L, the plaquette (total, spatial, temporal), E_plaq(x), E_clover(x), q(x),
 * Q and the Polyakov loop are unchanged to 1e-12; the links themselves do
 * change (so the check is not vacuous). Runs on any process grid. */
#include "common.h"

#include <math.h>

typedef struct {
    ym_plaquette p;
    ym_cplx poly;
    double Q;
    ym_field *Ep, *Ec, *q;
} obs;

static int measure(ym_gauge *u, obs *o)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    ym_field *F;
    int st = ym_field_create(&F, g, 12 * (size_t)N * N);
    if (!st) st = ym_field_create(&o->Ep, g, 1);
    if (!st) st = ym_field_create(&o->Ec, g, 1);
    if (!st) st = ym_field_create(&o->q, g, 1);
    if (!st) st = ym_gauge_plaquette(u, &o->p);
    if (!st) st = ym_curv_energy_plaq(u, o->Ep);
    if (!st) st = ym_curv_clover(u, F);
    if (!st) st = ym_curv_densities(u, F, o->Ec, o->q);
    if (!st) st = ym_field_sum(o->q, 0, &o->Q);
    o->poly = 0;
    if (!st && ym_geom_bc(g, 3) == YM_BC_PERIODIC) st = ym_gauge_polyakov(u, &o->poly);
    ym_field_free(F);
    return st;
}

static double field_diff(ym_field *a, ym_field *b)
{
    const ym_geom *g = ym_field_geom(a);
    const int *in = ym_geom_interior(g);
    double m = 0;
    for (int i = 0; i < ym_geom_ninterior(g); ++i)
        m = fmax(m, fabs(*ym_field_site(a, in[i]) - *ym_field_site(b, in[i])));
    MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

static void free_obs(obs *o)
{
    ym_field_free(o->Ep);
    ym_field_free(o->Ec);
    ym_field_free(o->q);
}

static void check(const int pd[4], int N, const int bc[4], int instanton, const char *label)
{
    int L[4] = {4, 4, 6, 8};
    test_lat t;
    if (test_lat_create(&t, MPI_COMM_WORLD, L, pd, 1, bc, N)) {
        tap_ok(0, "%s: set-up", label);
        return;
    }
    ym_gauge *u0;
    ym_gauge_create(&u0, t.geom, N);
    int st;
    if (instanton) {
        ym_instanton o;
        ym_instanton_default(&o, L);
        o.rho = 1.5;
        st = ym_instanton_set(t.u, &o, 1);
    } else {
        st = ym_gauge_set_random(t.u, 99 + N);
    }
    ym_gauge_copy(u0, t.u);
    obs a = {0}, b = {0};
    if (!st) st = measure(t.u, &a);
    ym_field *lam = NULL;
    if (!st) st = ym_gauge_random_transform(&lam, t.u, 4242);
    if (!st) st = ym_gauge_transform(t.u, lam);
    if (!st) st = measure(t.u, &b);
    tap_ok(st == YM_OK, "%s: measurements succeed", label);
    if (st) return;
    double moved = 0;
    const int *in = ym_geom_interior(t.geom);
    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i)
        moved = fmax(moved, ym_su_maxdiff(N, ym_gauge_link(t.u, in[i], 0), ym_gauge_link(u0, in[i], 0)));
    MPI_Allreduce(MPI_IN_PLACE, &moved, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    tap_ok(moved > 0.1, "%s: the transformation changes the links (max change %.3g)", label, moved);
    tap_ok(fabs(a.p.total - b.p.total) <= 1e-12 && fabs(a.p.spatial - b.p.spatial) <= 1e-12 &&
               fabs(a.p.temporal - b.p.temporal) <= 1e-12,
           "%s: plaquettes invariant (%.3g, %.3g, %.3g)", label, fabs(a.p.total - b.p.total),
           fabs(a.p.spatial - b.p.spatial), fabs(a.p.temporal - b.p.temporal));
    double d1 = field_diff(a.Ep, b.Ep), d2 = field_diff(a.Ec, b.Ec), d3 = field_diff(a.q, b.q);
    tap_ok(d1 <= 1e-12, "%s: E_plaq(x) invariant (max %.3g)", label, d1);
    tap_ok(d2 <= 1e-12, "%s: E_clover(x) invariant (max %.3g)", label, d2);
    tap_ok(d3 <= 1e-12, "%s: q(x) invariant (max %.3g)", label, d3);
    tap_ok(fabs(a.Q - b.Q) <= 1e-12, "%s: Q invariant (%.17g vs %.17g)", label, a.Q, b.Q);
    tap_ok(cabs(a.poly - b.poly) <= 1e-12, "%s: Polyakov loop invariant (%.3g)", label, cabs(a.poly - b.poly));
    free_obs(&a);
    free_obs(&b);
    ym_field_free(lam);
    ym_gauge_free(u0);
    test_lat_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    int pd[4];
    test_grid_arg(argc, argv, pd);
    int per[4] = {0, 0, 0, 0}, open_xz[4] = {1, 0, 1, 0};
    check(pd, 2, per, 0, "SU(2) hot");
    check(pd, 3, per, 0, "SU(3) hot");
    check(pd, 4, per, 0, "SU(4) hot");
    check(pd, 2, per, 1, "SU(2) instanton");
    check(pd, 3, open_xz, 1, "SU(3) instanton, open x,z");
    check(pd, 3, open_xz, 0, "SU(3) hot, open x,z");
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
