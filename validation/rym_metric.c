/* Big-lattice versions of the metric-only RYM oracles (outside make check;
 * results recorded in VALIDATION.md).
 *  T5: DeTurck Fourier modes on the full 8^4 lattice (no reduced extents),
 *      ratio per component vs the RK3 symbol, off-mode residual;
 *  T6: random 1e-8 noise on 8^4 (every momentum at once), 150 steps, at the
 *      stability thresholds of RYM.md;
 *  T7: conformally flat Ricci and L_W g errors up to L = 128.
 * Usage: rym_metric [t5|t6|t7]... (default: all). Runs on one rank. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ymflow.h"

typedef struct {
    ym_grid *grid;
    ym_geom *geom;
    ym_field *g;
    ym_ricci *r;
} lat;

static int lat_create(lat *l, const int L[4], int deturck)
{
    memset(l, 0, sizeof *l);
    const int one[4] = {1, 1, 1, 1};
    int st = ym_grid_create(&l->grid, MPI_COMM_SELF, L, one, 1);
    if (!st) st = ym_geom_create(&l->geom, l->grid, 1, NULL);
    if (!st) st = ym_metric_create(&l->g, l->geom);
    if (!st) st = ym_ricci_create(&l->r, l->geom, deturck);
    if (st) fprintf(stderr, "set-up: %s\n", ym_errmsg());
    return st;
}

static void lat_free(lat *l)
{
    ym_ricci_free(l->r);
    ym_field_free(l->g);
    ym_geom_free(l->geom);
    ym_grid_free(l->grid);
}

static double rk3(double z) { return 1 - z + z * z / 2 - z * z * z / 6; }

static double phase(const ym_geom *g, int idx, const int n[4], const int L[4])
{
    int x[4];
    ym_geom_global_coords(g, idx, x);
    double p = 0;
    for (int a = 0; a < 4; ++a) p += 2 * M_PI * (double)n[a] * x[a] / L[a];
    return p;
}

static void t5(gsl_rng *rg)
{
    const int L[4] = {8, 8, 8, 8};
    const int ns[4][4] = {{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 2, 1, 3}, {4, 4, 4, 4}};
    const double eps = 1e-4, dt = 0.02;
    printf("T5 DeTurck modes, 8^4, dt = 0.02, 50 steps, eps = 1e-4 antisymmetrised\n");
    printf("k (x2pi/8)   khat^2    ratio min           ratio max           RK3                 max|dev|  residual  s\n");
    for (int q = 0; q < 4; ++q) {
        const int *n = ns[q];
        double H[4][4], Hc[10], k2 = 0;
        for (int a = 0; a < 4; ++a) {
            k2 += 4 * pow(sin(M_PI * n[a] / L[a]), 2);
            for (int b = a; b < 4; ++b) H[a][b] = H[b][a] = gsl_ran_gaussian(rg, 1);
        }
        ym_metric_pack(H, Hc);
        lat l;
        if (lat_create(&l, L, 1)) return;
        int V = 4096;
        const int *in = ym_geom_interior(l.geom);
        double *hm = malloc(sizeof(double) * 10 * V);
        clock_t c0 = clock();
        for (int s = 1; s >= -1; s -= 2) {
            for (int i = 0; i < V; ++i) {
                double c = cos(phase(l.geom, in[i], n, L)), m[4][4];
                for (int a = 0; a < 4; ++a)
                    for (int b = 0; b < 4; ++b) m[a][b] = (a == b) + s * eps * H[a][b] * c;
                ym_metric_pack(m, ym_field_site(l.g, in[i]));
            }
            for (int k = 0; k < 50; ++k)
                if (ym_ricci_step_rk3(l.r, l.g, dt)) return (void)fprintf(stderr, "%s\n", ym_errmsg());
            for (int i = 0; i < V; ++i)
                for (int c = 0; c < 10; ++c) {
                    double v = ym_field_site(l.g, in[i])[c];
                    hm[10 * i + c] = s > 0 ? v : (hm[10 * i + c] - v) / (2 * eps);
                }
        }
        double pred = pow(rk3(k2 * dt), 50), lo = INFINITY, hi = -INFINITY, dev = 0, res = 0, hmax = 0;
        for (int c = 0; c < 10; ++c) {
            double num = 0, den = 0;
            for (int i = 0; i < V; ++i) {
                double cs = cos(phase(l.geom, in[i], n, L));
                num += hm[10 * i + c] * cs;
                den += Hc[c] * cs * cs;
            }
            double r = num / den;
            lo = fmin(lo, r), hi = fmax(hi, r), dev = fmax(dev, fabs(r - pred));
            for (int i = 0; i < V; ++i)
                res = fmax(res, fabs(hm[10 * i + c] - r * Hc[c] * cos(phase(l.geom, in[i], n, L))));
            hmax = fmax(hmax, fabs(Hc[c]));
        }
        printf("(%d,%d,%d,%d)    %8.5f  %.12e  %.12e  %.12e  %.1e  %.1e  %.1f\n", n[0], n[1], n[2], n[3], k2, lo, hi,
               pred, dev, res / hmax, (double)(clock() - c0) / CLOCKS_PER_SEC);
        free(hm);
        lat_free(&l);
    }
}

static void t6(gsl_rng *rg)
{
    struct {
        double c, dt;
        int deturck;
    } cs[] = {{1, 0.155, 1}, {1, 0.159, 1}, {0.5, 0.077, 1}, {0.5, 0.080, 1}, {1, 0.103, 0}, {1, 0.107, 0}};
    const int L[4] = {8, 8, 8, 8};
    printf("\nT6 random 1e-8 noise on 8^4 (every momentum), 150 RK3 steps; amplification = max|g - g0| ratio\n");
    printf("case                 dt      amplification   verdict   s\n");
    for (size_t q = 0; q < sizeof cs / sizeof cs[0]; ++q) {
        lat l;
        if (lat_create(&l, L, cs[q].deturck)) return;
        const int *in = ym_geom_interior(l.geom);
        double a0 = 0;
        for (int i = 0; i < 4096; ++i) {
            double *v = ym_field_site(l.g, in[i]);
            for (int c = 0; c < 10; ++c) {
                double d = 1e-8 * gsl_ran_gaussian(rg, 1);
                v[c] = (c == 0 || c == 4 || c == 7 || c == 9 ? cs[q].c : 0) + d;
                a0 = fmax(a0, fabs(d));
            }
        }
        clock_t c0 = clock();
        int st = 0;
        for (int k = 0; k < 150 && !st; ++k) st = ym_ricci_step_rk3(l.r, l.g, cs[q].dt);
        double a1 = 0;
        for (int i = 0; i < 4096 && !st; ++i) {
            double *v = ym_field_site(l.g, in[i]);
            for (int c = 0; c < 10; ++c) a1 = fmax(a1, fabs(v[c] - (c == 0 || c == 4 || c == 7 || c == 9 ? cs[q].c : 0)));
        }
        printf("%s g=%.1f*delta  %.3f   %.4e      %s  %.1f\n", cs[q].deturck ? "DeTurck   " : "no DeTurck", cs[q].c,
               cs[q].dt, st ? NAN : a1 / a0, st ? "failed" : a1 > 10 * a0 ? "grows  " : "stable ",
               (double)(clock() - c0) / CLOCKS_PER_SEC);
        lat_free(&l);
    }
}

static double u_fn(const int x[4], const int L[4], void *ctx)
{
    (void)ctx;
    double a = 2 * M_PI / L[0];
    return 0.3 * sin(a * x[0]) + 0.2 * cos(a * x[1]) * sin(a * x[0]);
}

static void t7(void)
{
    printf("\nT7 conformally flat u = 0.3 sin(2pi x0/L) + 0.2 cos(2pi x1/L) sin(2pi x0/L), LxLx1x1\n");
    printf("L     max rel err Rc   order   max rel err L_W g  order\n");
    double prc = NAN, plw = NAN;
    for (int Lx = 16; Lx <= 128; Lx *= 2) {
        const int L[4] = {Lx, Lx, 1, 1};
        lat l;
        if (lat_create(&l, L, 1) || ym_metric_set_conformal(l.g, u_fn, NULL)) return;
        const int *in = ym_geom_interior(l.geom);
        double drc = 0, src = 0, dlw = 0, slw = 0, a = 2 * M_PI / Lx;
        for (int i = 0; i < ym_geom_ninterior(l.geom); ++i) {
            int x[4];
            ym_geom_global_coords(l.geom, in[i], x);
            double s0 = sin(a * x[0]), c0 = cos(a * x[0]), s1 = sin(a * x[1]), c1 = cos(a * x[1]);
            double du[4] = {a * c0 * (0.3 + 0.2 * c1), -0.2 * a * s1 * s0, 0, 0}, dd[4][4] = {{0}};
            dd[0][0] = -a * a * s0 * (0.3 + 0.2 * c1);
            dd[0][1] = dd[1][0] = -0.2 * a * a * s1 * c0;
            dd[1][1] = -0.2 * a * a * c1 * s0;
            ym_ricci_jet j;
            ym_ricci_geo g;
            ym_ricci_jet_at(l.r, l.g, in[i], &j);
            if (!ym_ricci_eval(&j, &g)) return;
            double lap = dd[0][0] + dd[1][1], du2 = du[0] * du[0] + du[1] * du[1];
            for (int p = 0; p < 4; ++p)
                for (int q = 0; q < 4; ++q) {
                    double rc = -2 * (dd[p][q] - du[p] * du[q]) - (lap + 2 * du2) * (p == q);
                    double lw = -4 * du2 * (p == q) - 4 * dd[p][q] + 8 * du[p] * du[q];
                    drc = fmax(drc, fabs(g.ric[p][q] - rc)), src = fmax(src, fabs(rc));
                    dlw = fmax(dlw, fabs(g.lwg[p][q] - lw)), slw = fmax(slw, fabs(lw));
                }
        }
        double erc = drc / src, elw = dlw / slw;
        printf("%-5d %.4e       %5.3f   %.4e         %5.3f\n", Lx, erc, log2(prc / erc), elw, log2(plw / elw));
        prc = erc, plw = elw;
        lat_free(&l);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    gsl_rng *rg = gsl_rng_alloc(gsl_rng_ranlxd2);
    gsl_rng_set(rg, 2026);
    int all = argc < 2;
    for (int i = 1; i <= argc; ++i) {
        const char *a = i < argc ? argv[i] : "";
        if (all || !strcmp(a, "t5")) t5(rg);
        if (all || !strcmp(a, "t6")) t6(rg);
        if (all || !strcmp(a, "t7")) t7();
        if (all) break;
    }
    gsl_rng_free(rg);
    MPI_Finalize();
    return 0;
}
