/* The loop-action force kernels (N = 2, 3, periodic: each loop formed once
 * and its staples scattered to its links) against the generic path that
 * walks every loop through every link on its own
 * (ym_loop_action_force_generic, solvers/ym_action_impl.h).
 * Oracle: the two are different evaluations of the same sums, so their
 * forces agree to rounding: max |Z_fast - Z_generic| <= 1e-12 max |Z| on
 * every link, and force_acc (k <- A k + pack(Z)) equals the packed force.
 * Loop sets: every built-in loop action's (Wilson, the rectangle family at
 * the Symanzik, Iwasaki and DBW2 c1, over-improved at eps = -1 and 0.25),
 * and one with all four shapes listed in another order (ym_loop_set asks
 * for (a, b) and (b, a) at the same weight); SU(2) and SU(3); Haar-random
 * links on 4^4 and on 4x6x5x8 (unequal extents catch a swapped direction),
 * and on 3x2x5x1, 1x4x2x3 and 2^4 (extents below the loops' reach); a halo
 * of depth 2 and of depth 3. */
#include "common.h"

#include <math.h>

#include "ym_action_impl.h"

typedef struct {
    const char *name;
    ym_loop_set ls;
} named_set;

static const named_set sets[] = {
    {"wilson", {1, {1}, {1}, {1.0}}},
    {"symanzik", {3, {1, 1, 2}, {1, 2, 1}, {1.0 + 8.0 / 12.0, -1.0 / 12.0, -1.0 / 12.0}}},
    {"iwasaki", {3, {1, 1, 2}, {1, 2, 1}, {1.0 + 8 * 0.331, -0.331, -0.331}}},
    {"dbw2", {3, {1, 1, 2}, {1, 2, 1}, {1.0 + 8 * 1.4088, -1.4088, -1.4088}}},
    {"overimproved eps=-1", {2, {1, 2}, {1, 2}, {5.0 / 3.0, -2.0 / 48.0}}},
    {"overimproved eps=0.25", {2, {1, 2}, {1, 2}, {3.75 / 3.0, -0.75 / 48.0}}},
    {"all four shapes", {4, {2, 1, 2, 1}, {2, 2, 1, 1}, {-0.05, 0.11, 0.11, 1.3}}},
};

static void compare(const int L[4], int depth, int N)
{
    test_lat t;
    const int one[4] = {1, 1, 1, 1};
    if (!tap_ok(!test_lat_create(&t, MPI_COMM_SELF, L, one, depth, NULL, N), "set-up")) return;
    ym_field *zf = NULL, *zg = NULL;
    size_t nn = (size_t)N * N, nin = (size_t)ym_geom_ninterior(t.geom);
    double *k = malloc(nin * 4 * nn * sizeof(double)), *kref = malloc(nin * 4 * nn * sizeof(double));
    int st = ym_field_create(&zf, t.geom, 8 * nn);
    if (!st) st = ym_field_create(&zg, t.geom, 8 * nn);
    if (!st) st = ym_gauge_set_random(t.u, 77 + (unsigned long)N);
    if (!tap_ok(!st && k && kref, "fields")) goto done;
    const int *in = ym_geom_interior(t.geom);
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; ++s) {
        const ym_loop_set *ls = &sets[s].ls;
        st = ym_loop_action_force(ls, t.u, zf);
        if (!st) st = ym_loop_action_force_generic(ls, t.u, zg);
        double dmax = 0, zmax = 0;
        for (size_t i = 0; !st && i < nin; ++i) {
            const double *a = ym_field_site(zf, in[i]), *b = ym_field_site(zg, in[i]);
            for (size_t j = 0; j < 8 * nn; ++j) {
                dmax = fmax(dmax, fabs(a[j] - b[j]));
                zmax = fmax(zmax, fabs(b[j]));
            }
        }
        tap_ok(!st && zmax > 0 && dmax <= 1e-12 * zmax, "SU(%d) %dx%dx%dx%d depth %d %s: fast = generic (%.2e of max|Z| %.3g)",
               N, L[0], L[1], L[2], L[3], depth, sets[s].name, dmax / fmax(zmax, 1e-300), zmax);
        /* force_acc: k <- A k + pack(Z) with k holding a previous pack */
        const double A = -17.0 / 36.0;
        for (size_t i = 0; i < nin; ++i)
            for (int mu = 0; mu < 4; ++mu) {
                double *kk = k + (i * 4 + (size_t)mu) * nn, *kr = kref + (i * 4 + (size_t)mu) * nn;
                ym_su_ah_pack(N, kk, ym_gauge_link(t.u, in[i], mu)); /* any start value */
                double pz[YM_NMAX * YM_NMAX];
                ym_su_ah_pack(N, pz, ym_gauge_link_at(ym_field_data(zg), N, in[i], mu));
                for (size_t j = 0; j < nn; ++j) kr[j] = A * kk[j] + pz[j];
            }
        if (!st) st = ym_loop_action_force_acc(ls, t.u, A, k);
        double kd = 0;
        for (size_t j = 0; !st && j < nin * 4 * nn; ++j) kd = fmax(kd, fabs(k[j] - kref[j]));
        tap_ok(!st && kd <= 1e-12 * fmax(zmax, 1.0), "SU(%d) %s: force_acc = A k + pack(Z generic) (%.2e)", N,
               sets[s].name, kd);
    }
done:
    free(k);
    free(kref);
    ym_field_free(zf);
    ym_field_free(zg);
    test_lat_free(&t);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    tap_init();
    const int l4[4] = {4, 4, 4, 4}, lodd[4] = {4, 6, 5, 8};
    for (int N = 2; N <= 3; ++N) {
        compare(l4, 2, N);
        compare(lodd, 2, N);
    }
    compare(l4, 3, 3);
    /* extents of 1 and 2 (loops wrapping onto themselves within the halo) */
    const int lthin[4] = {3, 2, 5, 1}, lthin2[4] = {1, 4, 2, 3}, l2[4] = {2, 2, 2, 2};
    for (int N = 2; N <= 3; ++N) {
        compare(lthin, 2, N);
        compare(lthin2, 2, N);
        compare(l2, 2, N);
    }
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
