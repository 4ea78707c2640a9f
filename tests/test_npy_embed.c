/* Analytic signals computed elsewhere (e.g. by MNE) and saved as a complex
 * NPY array of shape (channels, bands, samples) are embedded exactly as the
 * Procrustes construction says (issue: activity, item 5 and "done means").
 *
 * Oracle: the file is written byte by byte (tests/act_write.h), read back
 * with ym_activity_read, placed by a name,row,col layout table and embedded;
 * every x, y and t link must equal polar(C)/det^{1/K} of the correlation
 * matrix C summed here directly from the values written, C_mu(s) =
 * sum_tau psi(s, tau) psi(s + mu, tau)^H over the window (x, y) and
 * sum_j psi(s, w*hop + j) psi(s, (w+1)*hop + j)^H (t), to 1e-12 (only the
 * summation order differs). No preprocessing touches the signals.
 */
#include <complex.h>
#include <math.h>
#include <unistd.h>

#include "act_write.h"
#include "common.h"

enum { NCH = 4, NB = 2, NS = 40, WIN = 10, HOP = 5 };

static double val(size_t ch, size_t b, size_t t, int part)
{
    return sin(1.3 * ch + 0.7 * b + 0.31 * t + 2.1 * part) + 0.4 * cos(0.17 * ch * t + part);
}

static ym_cplx psi(int ch, int b, int t)
{
    return val((size_t)ch, (size_t)b, (size_t)t, 0) + I * val((size_t)ch, (size_t)b, (size_t)t, 1);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    tap_init();
    char dir[] = "/tmp/ym_npy_embedXXXXXX", npy[128], tsv[128];
    int st = mkdtemp(dir) ? YM_OK : YM_EIO;
    snprintf(npy, sizeof npy, "%s/psi.npy", dir);
    snprintf(tsv, sizeof tsv, "%s/layout.tsv", dir);
    size_t shape[3] = {NCH, NB, NS};
    if (!st) st = npyw_write(npy, 1, 'c', 16, 0, 0, 3, shape, val) ? YM_EIO : YM_OK;
    FILE *f = st ? NULL : fopen(tsv, "w");
    if (f) {
        /* channel k at row k/2, column k%2 */
        fprintf(f, "name\trow\tcol\n0\t0\t0\n1\t0\t1\n2\t1\t0\n3\t1\t1\n");
        fclose(f);
    } else
        st = YM_EIO;
    ym_recording *rec = NULL, *ana = NULL;
    ym_activity_opts o;
    memset(&o, 0, sizeof o);
    o.rate = 100;
    o.no_sidecars = 1;
    if (!st) st = ym_activity_read(&rec, npy, &o);
    tap_ok(!st && ym_recording_nbands(rec) == NB, "complex NPY read as %d bands of analytic signals (%s)", NB,
           st ? ym_errmsg() : "ok");
    ym_layout *lay = NULL;
    int chans[NCH], n = 0;
    if (!st) st = ym_layout_read_table(&lay, rec, tsv);
    if (!st) st = ym_layout_compact(lay, chans, &n);
    if (!st) st = ym_recording_select(rec, chans, n, &ana);
    ym_embed_opts eo;
    ym_embed_opts_default(&eo);
    eo.K = NB;
    eo.groups = 1;
    eo.window = WIN;
    eo.hop = HOP;
    int L[4], bc[4];
    if (!st) st = ym_embed_opts_resolve(&eo, lay, ana);
    if (!st) st = ym_embed_dims(lay, ana, &eo, L, bc);
    test_lat t;
    memset(&t, 0, sizeof t);
    if (!st) st = test_lat_create(&t, MPI_COMM_WORLD, L, NULL, 1, bc, NB);
    if (!st) st = ym_embed_build(t.u, lay, ana, &eo, NULL, NULL);
    tap_ok(!st && L[0] == 2 && L[1] == 2 && L[3] == (NS - WIN) / HOP + 1, "embedded on %dx%dx%dx%d (%s)", L[0], L[1],
           L[2], L[3], st ? ym_errmsg() : "ok");
    double worst = 0;
    int checked = 0;
    for (int i = 0; !st && i < ym_geom_ninterior(t.geom); ++i) {
        int idx = ym_geom_interior(t.geom)[i], xg[4];
        ym_geom_global_coords(t.geom, idx, xg);
        int ch = xg[1] * 2 + xg[0], w = xg[3];
        for (int mu = 0; mu < 4; ++mu) {
            if (mu == 2) continue;
            int ch2 = ch, dt = 0;
            if (mu == 0) {
                if (xg[0] == 1) continue;
                ch2 = ch + 1;
            } else if (mu == 1) {
                if (xg[1] == 1) continue;
                ch2 = ch + 2;
            } else {
                if (w == L[3] - 1) continue;
                dt = HOP;
            }
            ym_cplx C[NB * NB], U[NB * NB];
            for (int a = 0; a < NB; ++a)
                for (int b = 0; b < NB; ++b) {
                    ym_cplx s = 0;
                    for (int j = 0; j < WIN; ++j)
                        s += psi(ch, a, w * HOP + j) * conj(psi(ch2, b, w * HOP + j + dt));
                    C[a * NB + b] = s;
                }
            int deg = 0;
            ym_procrustes(NB, C, 1e-10, U, &deg);
            const ym_cplx *V = ym_gauge_link(t.u, idx, mu);
            for (int k = 0; k < NB * NB; ++k)
                if (cabs(U[k] - V[k]) > worst) worst = cabs(U[k] - V[k]);
            ++checked;
        }
    }
    tap_ok(!st && checked > 0 && worst < 1e-12, "%d links equal polar(C)/det^(1/K) of the NPY values (worst %.1e)",
           checked, worst);
    test_lat_free(&t);
    ym_layout_free(lay);
    ym_recording_free(ana);
    ym_recording_free(rec);
    unlink(npy);
    unlink(tsv);
    rmdir(dir);
    int rc = tap_done();
    MPI_Finalize();
    return rc;
}
