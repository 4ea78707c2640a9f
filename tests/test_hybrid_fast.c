/* The N = 2, 3 kernels of the hybrid/clover force (solvers/ym_hybrid.c)
 * against the run-time-N path (ym_hybrid_force_generic, the code path of
 * N = 1, 4 .. YM_NMAX, which forms each link's leaves one by one). Oracle:
 * the fast kernels form each plaquette once and obtain the other links'
 * terms by cyclic shifts (conjugation by a link, exact for unitary links),
 * N = 2 in quaternion arithmetic, so they agree with it to rounding:
 * max |Z_fast - Z_generic| <= 1e-13 max |Z_generic| on Haar-random SU(2)
 * and SU(3) links with a random non-diagonal SPD metric, hybrid and clover,
 * periodic and open in t on 4x4x4x6, and open in x and t on 5x4x3x6 (every
 * extent different: the N = 2 force works slice by slice in t and reaches
 * neighbours by strides), and the force is not identically zero there. */
#include "common.h"

#include <math.h>

#include "ym_hybrid.h"
#include "ym_hybrid_impl.h"
#include "ym_metric.h"

int main(void)
{
    MPI_Init(NULL, NULL);
    tap_init();
    ym_init();
    const int Lc[4] = {4, 4, 4, 6}, Ln[4] = {5, 4, 3, 6};
    const int open_t[4] = {0, 0, 0, YM_BC_OPEN}, open_xt[4] = {YM_BC_OPEN, 0, 0, YM_BC_OPEN};
    static const char *const name[3] = {"periodic", "open t", "5x4x3x6 open x, t"};
    for (int N = 2; N <= 3; ++N)
        for (int b = 0; b < 3; ++b)
            for (int kind = 0; kind < 2; ++kind) {
                test_lat t;
                ym_field *g = NULL, *Z = NULL, *Zg = NULL;
                ym_hybrid *h = NULL;
                int st = test_lat_create(&t, MPI_COMM_SELF, b == 2 ? Ln : Lc, NULL, 1,
                                         b == 2 ? open_xt : b ? open_t : NULL, N);
                if (!st) st = ym_metric_create(&g, t.geom);
                if (!st) st = ym_field_create(&Z, t.geom, 4 * 2 * (size_t)N * N);
                if (!st) st = ym_field_create(&Zg, t.geom, 4 * 2 * (size_t)N * N);
                if (!st) st = ym_hybrid_create(&h, t.u, kind);
                if (!st) st = ym_gauge_set_random(t.u, 17 + N);
                if (!st) st = ym_metric_set_random(g, 5 + b, 0.3, 0.3);
                if (!st) st = ym_hybrid_force(h, t.u, g, Z);
                if (!st) st = ym_hybrid_force_generic(h, t.u, g, Zg);
                double d = 0, sc = 0;
                if (!st) {
                    const int *in = ym_geom_interior(t.geom);
                    for (int i = 0; i < ym_geom_ninterior(t.geom); ++i) {
                        const double *a = ym_field_site(Z, in[i]), *c = ym_field_site(Zg, in[i]);
                        for (int k = 0; k < 8 * N * N; ++k) {
                            d = fmax(d, fabs(a[k] - c[k]));
                            sc = fmax(sc, fabs(c[k]));
                        }
                    }
                }
                if (st) tap_diag("%s", ym_errmsg());
                tap_ok(!st && sc > 0.1 && d <= 1e-13 * sc, "SU(%d) %s, %s: fast force = generic (%.1e of %.2f)", N,
                       name[b], kind ? "clover" : "hybrid", sc > 0 ? d / sc : 0.0, sc);
                ym_hybrid_free(h);
                ym_field_free(Z);
                ym_field_free(Zg);
                ym_field_free(g);
                test_lat_free(&t);
            }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
