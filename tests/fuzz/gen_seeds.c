/* Writes the seed corpus for the reader fuzzers (tests/fuzz/corpus/<fmt>/):
 * small random configurations through the library's own writers, plus
 * MILC and openQCD files assembled here (the library has no writer for
 * them). Generated rather than copied so the corpus carries no third-party
 * licence. Run once by build.sh when the corpus is missing: gen_seeds DIR */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ym_geom.h"
#include "ym_grid.h"
#include "ym_ildg.h"
#include "ym_nersc.h"
#include "ym_raw.h"
#include "ym_status.h"

static uint32_t rotl(uint32_t w, unsigned r) { return r ? (w << r) | (w >> (32 - r)) : w; }

/* MILC file of unit links on 2^4, 32-bit (20103) or 64-bit (20104), host
 * (little-endian) byte order, with the sum29/sum31 the reader verifies. */
static int write_milc(const char *path, int dbl)
{
    enum { V = 16, NW = 72 };
    uint32_t s29 = 0, s31 = 0;
    unsigned char site[NW * 8];
    size_t sb = (size_t)NW * (dbl ? 8 : 4);
    memset(site, 0, sizeof site);
    for (int mu = 0; mu < 4; ++mu)
        for (int d = 0; d < 3; ++d) { /* real part of diagonal element d */
            int k = mu * 18 + d * 6 + d * 2;
            if (dbl) {
                double one = 1.0;
                memcpy(site + 8 * k, &one, 8);
            } else {
                float one = 1.0f;
                memcpy(site + 4 * k, &one, 4);
            }
        }
    for (int s = 0; s < V; ++s)
        for (int k = 0; k < NW; ++k) {
            uint32_t w, h[2];
            if (dbl) {
                memcpy(h, site + 8 * k, 8);
                w = h[0] + h[1];
            } else
                memcpy(&w, site + 4 * k, 4);
            s29 ^= rotl(w, (unsigned)((NW * s + k) % 29));
            s31 ^= rotl(w, (unsigned)((NW * s + k) % 31));
        }
    unsigned char h[96];
    memset(h, 0, sizeof h);
    int32_t magic = dbl ? 20104 : 20103, L = 2;
    memcpy(h, &magic, 4);
    for (int mu = 0; mu < 4; ++mu) memcpy(h + 4 + 4 * mu, &L, 4);
    memcpy(h + 20, "Sun Nov 22 00:00:00 2026", 24);
    memcpy(h + 88, &s29, 4);
    memcpy(h + 92, &s31, 4);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    fwrite(h, 1, sizeof h, f);
    for (int s = 0; s < V; ++s) fwrite(site, 1, sb, f);
    return fclose(f) != 0;
}

/* openQCD file of unit links on 2^4 (header: N0..N3 = t,x,y,z, then the
 * plaquette summed over colours = 3), links of the odd sites only. */
static int write_openqcd(const char *path)
{
    unsigned char h[24];
    int32_t n = 2;
    double plaq = 3.0;
    for (int m = 0; m < 4; ++m) memcpy(h + 4 * m, &n, 4);
    memcpy(h + 16, &plaq, 8);
    double link[18] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    fwrite(h, 1, sizeof h, f);
    for (int i = 0; i < 16 * 4; ++i) fwrite(link, sizeof link, 1, f);
    return fclose(f) != 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    const char *dir = argc > 1 ? argv[1] : "corpus";
    char p[4096];
    int st = 0;
    for (int N = 2; N <= 3 && !st; ++N) {
        const int L[4] = {2, 2, 2, 2};
        ym_grid *grid = NULL;
        ym_geom *geom = NULL;
        ym_gauge *u = NULL;
        st = ym_grid_create(&grid, MPI_COMM_SELF, L, NULL, 1);
        if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
        if (!st) st = ym_gauge_create(&u, geom, N);
        if (!st) st = ym_gauge_set_random(u, 1234 + N);
        if (!st) snprintf(p, sizeof p, "%s/ildg/su%d-2222-64.lime", dir, N),
                 st = ym_ildg_write(u, p, 64, 1);
        if (!st) snprintf(p, sizeof p, "%s/ildg/su%d-2222-32.lime", dir, N), st = ym_ildg_write(u, p, 32, 1);
        if (!st) snprintf(p, sizeof p, "%s/nersc/su%d-2222-%dx%d", dir, N, N, N), st = ym_nersc_write(u, p, N, 1);
        if (!st) snprintf(p, sizeof p, "%s/nersc/su%d-2222-%dx%d", dir, N, N - 1, N), st = ym_nersc_write(u, p, N - 1, 1);
        if (!st) snprintf(p, sizeof p, "%s/raw/su%d-2222.raw", dir, N), st = ym_raw_write(u, p, 1);
        ym_gauge_free(u);
        ym_geom_free(geom);
        ym_grid_free(grid);
    }
    if (!st) snprintf(p, sizeof p, "%s/milc/unit-2222-f", dir), st = write_milc(p, 0) ? YM_EIO : 0;
    if (!st) snprintf(p, sizeof p, "%s/milc/unit-2222-d", dir), st = write_milc(p, 1) ? YM_EIO : 0;
    if (!st) snprintf(p, sizeof p, "%s/openqcd/unit-2222", dir), st = write_openqcd(p) ? YM_EIO : 0;
    if (st) fprintf(stderr, "gen_seeds: %s\n", ym_errmsg());
    MPI_Finalize();
    return st != 0;
}
