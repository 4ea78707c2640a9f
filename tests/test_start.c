/* Cold and hot starts.
 * Oracles: unit links give plaquette exactly 1, S_W, E and Q exactly 0 and
 * Polyakov loop exactly 1 (exact arithmetic). Haar-random links: every
 * plaquette is Haar-distributed and distinct plaquettes are uncorrelated, so
 * the average of <(1/N) Re tr P> over n plaquettes has mean 0 and standard
 * deviation 1/(N sqrt(2n)) (from <|tr U|^2> = 1): it must lie within 3 sigma.
 * Random links are unitary with det 1 to 1e-14. */
#include "common.h"

#include <math.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    int pd[4];
    test_grid_arg(argc, argv, pd);
    int L[4] = {8, 8, 8, 8};
    for (int N = 2; N <= 4; ++N) {
        test_lat t;
        if (test_lat_create(&t, MPI_COMM_WORLD, L, pd, 1, NULL, N)) {
            tap_ok(0, "SU(%d) set-up", N);
            continue;
        }
        ym_plaquette p;
        double sw, ec, q;
        ym_cplx pl;
        ym_gauge_set_unit(t.u);
        int st = ym_gauge_plaquette(t.u, &p);
        if (!st) st = ym_gauge_wilson_action(t.u, &sw);
        if (!st) st = ym_curv_clover_totals(t.u, &ec, &q);
        if (!st) st = ym_gauge_polyakov(t.u, &pl);
        tap_ok(!st && p.total == 1.0 && p.spatial == 1.0 && p.temporal == 1.0,
               "SU(%d) cold: plaquette exactly 1 (%.17g)", N, p.total);
        tap_ok(!st && sw == 0.0 && ec == 0.0 && q == 0.0, "SU(%d) cold: S_W, E_clover and Q exactly 0", N);
        tap_ok(!st && pl == 1.0, "SU(%d) cold: Polyakov loop exactly 1", N);

        st = ym_gauge_set_random(t.u, 1234 + N);
        if (!st) st = ym_gauge_plaquette(t.u, &p);
        double sigma = 1.0 / (N * sqrt(2.0 * p.count));
        tap_ok(!st && fabs(p.total) < 3 * sigma, "SU(%d) hot: plaquette %.3g within 3 sigma = %.3g of 0", N, p.total,
               3 * sigma);
        double du, dd;
        ym_gauge_unitarity(t.u, &du, &dd);
        tap_ok(du < 1e-14 && dd < 1e-14, "SU(%d) hot: links unitary (%.3g) with det 1 (%.3g)", N, du, dd);
        /* Different seeds give different fields; the same seed the same. */
        ym_plaquette p2, p3;
        ym_gauge_set_random(t.u, 1234 + N);
        ym_gauge_plaquette(t.u, &p2);
        ym_gauge_set_random(t.u, 999);
        ym_gauge_plaquette(t.u, &p3);
        tap_ok(p2.total == p.total && p3.total != p.total, "SU(%d) hot: seed reproduces, other seed differs", N);
        test_lat_free(&t);
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
