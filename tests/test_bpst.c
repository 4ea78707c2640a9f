/* BPST instanton oracles (THEORY.md sections D.2, D.3, G).
 *
 * Open-box method of D.3: on an open-boundary box every lattice sum is
 * compared with the continuum density summed over the same loops (plaquette
 * centres for the Wilson action, sites for the clover densities), so box
 * effects cancel and the difference is the lattice artefact of an infinite
 * lattice. Oracles, with x = (a/rho)^2:
 *  - Wilson:  S_W/8pi^2 - 1 = -x/5 - x^2/70 (+O(x^3)), within 1e-4 at rho = 4, 6;
 *  - clover action and clover Q artefacts: the D.3 table, within 1e-3;
 *  - regular and singular gauge give identical plaquettes (gauge equivalence);
 *  - diag(U,1) in SU(3) gives the SU(2) values to 1e-13;
 *  - the anti-instanton has the opposite charge (parity);
 *  - links with the wrong exponent sign are not a solution: S_W grows with the
 *    box (D.2 sign pitfall), while the correct field's action does not;
 *  - periodic torus, singular gauge: the D.2 table of S_W/S0 and Q_clover.
 */
#include "common.h"

#include <math.h>

static const double S0 = 8 * M_PI * M_PI;

typedef struct {
    double sw_lat, sw_cont;   /* Wilson action and its continuum counterpart */
    double sc_lat, s_cont;    /* clover action and continuum sum over full-clover sites */
    double q_lat;             /* clover charge over the same sites */
    double plaq;
} bpst_sums;

/* Lattice and continuum sums over an open box holding one object. */
static int box_sums(ym_gauge *u, const ym_instanton *o, bpst_sums *r)
{
    const ym_geom *g = ym_gauge_geom(u);
    int N = ym_gauge_N(u);
    ym_field *Ep, *F, *Ec, *q;
    int st = ym_field_create(&Ep, g, 1);
    if (!st) st = ym_field_create(&F, g, 12 * (size_t)N * N);
    if (!st) st = ym_field_create(&Ec, g, 1);
    if (!st) st = ym_field_create(&q, g, 1);
    if (st) return st;
    ym_plaquette p;
    st = ym_gauge_plaquette(u, &p);
    if (!st) st = ym_curv_energy_plaq(u, Ep);
    if (!st) st = ym_curv_clover(u, F);
    if (!st) st = ym_curv_densities(u, F, Ec, q);
    ym_sum acc[5] = {YM_SUM_INIT, YM_SUM_INIT, YM_SUM_INIT, YM_SUM_INIT, YM_SUM_INIT};
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g) && !st; ++i) {
        int x = in[i], G[4];
        unsigned fl = ym_geom_flags(g, x);
        ym_geom_global_coords(g, x, G);
        ym_sum_add(&acc[0], *ym_field_site(Ep, x));
        for (int pl = 0; pl < 6; ++pl) {
            int mu = ym_plane_mu[pl], nu = ym_plane_nu[pl];
            if (!ym_geom_plaq_ok(fl, mu, nu)) continue;
            double c[4] = {G[0], G[1], G[2], G[3]};
            c[mu] += 0.5;
            c[nu] += 0.5;
            ym_sum_add(&acc[1], ym_instanton_action_density(o, c) / 6.0); /* one plane's share */
        }
        if ((fl & 0xffu) == 0xffu) { /* all four clover leaves exist in every plane */
            double c[4] = {G[0], G[1], G[2], G[3]};
            ym_sum_add(&acc[2], *ym_field_site(Ec, x));
            ym_sum_add(&acc[3], ym_instanton_action_density(o, c));
            ym_sum_add(&acc[4], *ym_field_site(q, x));
        }
    }
    double v[5];
    if (!st) st = ym_sum_allreduce_n(acc, 5, ym_grid_comm(ym_geom_grid(g)), v);
    r->sw_lat = v[0];
    r->sw_cont = v[1];
    r->sc_lat = v[2];
    r->s_cont = v[3];
    r->q_lat = v[4];
    r->plaq = p.total;
    ym_field_free(Ep);
    ym_field_free(F);
    ym_field_free(Ec);
    ym_field_free(q);
    return st;
}

static int make_box(test_lat *t, const int pd[4], int L, int N, const int bc[4])
{
    int Ls[4] = {L, L, L, L};
    return test_lat_create(t, MPI_COMM_WORLD, Ls, pd, 1, bc, N);
}

/* D.3: artefacts at rho = 4 and 6 against the formula and the table. */
static void artefacts(const int pd[4], double rho, int L, double tab_clov_s, double tab_clov_q)
{
    int open[4] = {1, 1, 1, 1};
    test_lat t;
    if (make_box(&t, pd, L, 2, open)) {
        tap_ok(0, "rho %g: set-up", rho);
        return;
    }
    int Ls[4] = {L, L, L, L};
    ym_instanton o;
    ym_instanton_default(&o, Ls);
    o.rho = rho;
    bpst_sums r;
    int st = ym_instanton_set(t.u, &o, 1);
    if (!st) st = box_sums(t.u, &o, &r);
    tap_ok(st == YM_OK, "rho %g, open %d^4 box: sums computed", rho, L);
    double x = 1 / (rho * rho);
    double dw = (r.sw_lat - r.sw_cont) / S0, want = -x / 5 - x * x / 70;
    tap_ok(fabs(dw - want) < 1e-4, "rho %g: Wilson artefact %.6e vs -x/5 - x^2/70 = %.6e (tol 1e-4)", rho, dw, want);
    double dc = (r.sc_lat - r.s_cont) / S0;
    tap_ok(fabs(dc - tab_clov_s) < 1e-3, "rho %g: clover action artefact %.6e vs table %.6e (tol 1e-3)", rho, dc,
           tab_clov_s);
    double dq = r.q_lat - r.s_cont / S0;
    tap_ok(fabs(dq - tab_clov_q) < 1e-3, "rho %g: clover Q artefact %.6e vs table %.6e (tol 1e-3)", rho, dq, tab_clov_q);
    /* self-duality of the lattice field: q tracks s/8pi^2 closely */
    tap_ok(r.q_lat > 0 && fabs(r.q_lat - r.sc_lat / S0) < 0.01 * r.q_lat,
           "rho %g: Q_clover %.6f and S_clover/8pi^2 %.6f agree (self-dual)", rho, r.q_lat, r.sc_lat / S0);
    test_lat_free(&t);
}

static void gauges_and_embedding(const int pd[4])
{
    int open[4] = {1, 1, 1, 1}, L = 12, Ls[4] = {12, 12, 12, 12};
    test_lat a, b, c;
    if (make_box(&a, pd, L, 2, open) || make_box(&b, pd, L, 2, open) || make_box(&c, pd, L, 3, open)) {
        tap_ok(0, "gauge comparison set-up");
        return;
    }
    ym_instanton o;
    ym_instanton_default(&o, Ls);
    o.rho = 3;
    o.singular = 1;
    ym_instanton_set(a.u, &o, 1);
    o.singular = 0;
    ym_instanton_set(b.u, &o, 1);
    ym_field *ea, *eb;
    ym_field_create(&ea, a.geom, 1);
    ym_field_create(&eb, b.geom, 1);
    ym_curv_energy_plaq(a.u, ea);
    ym_curv_energy_plaq(b.u, eb);
    double m = 0, mx = 0;
    const int *in = ym_geom_interior(a.geom);
    for (int i = 0; i < ym_geom_ninterior(a.geom); ++i) {
        m = fmax(m, fabs(*ym_field_site(ea, in[i]) - *ym_field_site(eb, in[i])));
        mx = fmax(mx, fabs(*ym_field_site(ea, in[i])));
    }
    MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    /* links differ a lot between the gauges, plaquette traces do not */
    double ld = 0;
    for (int i = 0; i < ym_geom_ninterior(a.geom); ++i)
        ld = fmax(ld, ym_su_maxdiff(2, ym_gauge_link(a.u, in[i], 1), ym_gauge_link(b.u, in[i], 1)));
    MPI_Allreduce(MPI_IN_PLACE, &ld, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    tap_ok(m < 1e-13 && ld > 0.1, "regular and singular gauge: identical plaquettes (max |dE_plaq(x)| %.3g, links differ by %.3g)",
           m, ld);

    /* SU(3) embedding of the singular-gauge field */
    o.singular = 1;
    ym_instanton_set(a.u, &o, 1);
    ym_instanton_set(c.u, &o, 1);
    bpst_sums r2, r3;
    box_sums(a.u, &o, &r2);
    box_sums(c.u, &o, &r3);
    tap_ok(fabs(r2.plaq - (3.0 * r3.plaq - 1.0) / 2.0) < 1e-13 && fabs(r2.sw_lat - r3.sw_lat) < 1e-13 * r2.sw_lat &&
               fabs(r2.sc_lat - r3.sc_lat) < 1e-13 * r2.sc_lat && fabs(r2.q_lat - r3.q_lat) < 1e-13,
           "SU(3) embedding: S_W %.15g vs %.15g, S_clov %.15g vs %.15g, Q %.15g vs %.15g", r3.sw_lat / S0,
           r2.sw_lat / S0, r3.sc_lat / S0, r2.sc_lat / S0, r3.q_lat, r2.q_lat);
    /* diag(U,1) through the library's embed routine gives the same field */
    ym_gauge_embed(c.u, a.u);
    bpst_sums r4;
    box_sums(c.u, &o, &r4);
    tap_ok(r4.sw_lat == r3.sw_lat && r4.q_lat == r3.q_lat, "ym_gauge_embed equals the direct SU(3) construction");

    /* anti-instanton: parity image, opposite charge, same action */
    o.anti = 1;
    ym_instanton_set(a.u, &o, 1);
    bpst_sums ra;
    box_sums(a.u, &o, &ra);
    tap_ok(fabs(ra.q_lat + r2.q_lat) < 1e-12 && fabs(ra.sw_lat - r2.sw_lat) < 1e-12 * r2.sw_lat,
           "anti-instanton: Q %.15g = -(%.15g), same S_W", ra.q_lat, r2.q_lat);
    ym_field_free(ea);
    ym_field_free(eb);
    test_lat_free(&a);
    test_lat_free(&b);
    test_lat_free(&c);
}

/* D.2 sign pitfall: dagger every link (U = exp(+i int A)). */
static void wrong_sign(const int pd[4])
{
    int open[4] = {1, 1, 1, 1};
    double good[3], bad[3];
    int sizes[3] = {8, 12, 16};
    for (int k = 0; k < 3; ++k) {
        test_lat t;
        make_box(&t, pd, sizes[k], 2, open);
        int Ls[4] = {sizes[k], sizes[k], sizes[k], sizes[k]};
        ym_instanton o;
        ym_instanton_default(&o, Ls);
        o.rho = 3;
        o.singular = 0;
        ym_instanton_set(t.u, &o, 1);
        ym_gauge_wilson_action(t.u, &good[k]);
        const int *in = ym_geom_interior(t.geom);
        for (int i = 0; i < ym_geom_ninterior(t.geom); ++i)
            for (int mu = 0; mu < 4; ++mu) {
                ym_cplx d[4];
                ym_su_dagger(2, d, ym_gauge_link(t.u, in[i], mu));
                ym_su_copy(2, ym_gauge_link(t.u, in[i], mu), d);
            }
        ym_gauge_wilson_action(t.u, &bad[k]);
        good[k] /= S0;
        bad[k] /= S0;
        test_lat_free(&t);
    }
    tap_ok(bad[2] > 1.5 * bad[0] && bad[2] > 3, "wrong-sign links: S_W/S0 grows with the box (%.3f, %.3f, %.3f)", bad[0],
           bad[1], bad[2]);
    tap_ok(good[2] < 1.0 && good[2] > good[1] && good[1] > good[0] && good[2] - good[1] < 0.1,
           "correct links: S_W/S0 converges from below (%.4f, %.4f, %.4f)", good[0], good[1], good[2]);
}

/* D.2 table: periodic torus, singular gauge, hypercube-centred, t = 0. */
static void periodic_table(const int pd[4])
{
    static const struct {
        int L;
        double rho, sw, q;
    } tab[] = {{12, 2.5, 1.1517, 0.8727}, {16, 2.0, 0.9856, 0.8123}, {16, 4.0, 1.4441, 0.9409}};
    for (size_t k = 0; k < sizeof tab / sizeof tab[0]; ++k) {
        test_lat t;
        make_box(&t, pd, tab[k].L, 2, NULL);
        int Ls[4] = {tab[k].L, tab[k].L, tab[k].L, tab[k].L};
        ym_instanton o;
        ym_instanton_default(&o, Ls);
        o.rho = tab[k].rho;
        double sw = 0, q = 0;
        int st = ym_instanton_set(t.u, &o, 1);
        if (!st) st = ym_gauge_wilson_action(t.u, &sw);
        if (!st) st = ym_curv_clover_totals(t.u, NULL, &q);
        sw /= S0;
        tap_ok(!st && fabs(sw - tab[k].sw) < 1e-4 && fabs(q - tab[k].q) < 1e-4,
               "periodic L=%d rho=%g: S_W/S0 %.5f (table %.4f), Q_clover %.5f (table %.4f)", tab[k].L, tab[k].rho, sw,
               tab[k].sw, q, tab[k].q);
        test_lat_free(&t);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    int pd[4];
    test_grid_arg(argc, argv, pd);
    artefacts(pd, 4.0, 32, -4.82650e-2, -4.93383e-2);
    artefacts(pd, 6.0, 40, -2.18739e-2, -2.20985e-2);
    gauges_and_embedding(pd);
    wrong_sign(pd);
    periodic_table(pd);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
