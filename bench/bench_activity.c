/* bench_activity: the stages of `ymflow pipeline` one by one, with peak
 * memory: read + preprocess + embed, then (as the pipeline does by default)
 * the Wilson flow (RK3, eps 0.05) with open boundaries to t = 0.5, where
 * sqrt(8t) = 2 is half the 4 band groups, the clover densities, the finder
 * and the clusters (lambda = 0.5), and one multivariate surrogate through
 * the same chain (draw, preprocess, embed, flow, densities, finder, clusters).
 *
 * Cases (issue: activity, item 9):
 *   ecog   the shipped ECoG recording (8x8 grid, 8 bands 4-128 Hz, K = 2,
 *          0.5 s windows every 0.25 s): EDFlib read + sidecars, layout,
 *          FFTW preprocessing (notch, band-pass bank, analytic signals),
 *          Procrustes embedding.
 *   movie  a synthetic 64x64-pixel movie, 8 bands 1-12 Hz (K = 2: a
 *          64x64x4x256 lattice, the size), 256 windows of 8 frames
 *          every 4 (1028 frames at 30 Hz): made in memory (smooth travelling
 *          waves plus per-pixel noise), then the same preprocessing (no
 *          notch, no average reference) and embedding.
 * Each stage is timed once (wall and process CPU time); peak memory is the
 * process's maximum resident set size after the stage (getrusage), so it is
 * cumulative. Then the pipeline's surrogate loop (redraw, preprocess rerun,
 * embed rebuild, flow: every surrogate written over the previous one) runs
 * 7 times: "loop=" lines give each stage's fastest and median time;
 * prepare_embed_cached is what the pipeline did instead of the rerun and
 * the rebuild (channels made as the embedding asks, ym_preproc_cache), and
 * bank_embed_cached what it does now: the surrogate drawn from the
 * conditioned recording (ym_preproc_conditioned) through the band-pass
 * bank alone (ym_preproc_bank_only), channels made as asked.
 * Usage: bench_activity [ecog|movie] [EDF path]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ymflow.h"

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static long rss_mb(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_maxrss / 1024;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double w0, c0;
static void stage(const char *cas, const char *name)
{
    double w = MPI_Wtime(), c = cpu();
    printf("case=%s stage=%s wall_sec=%.3f cpu_sec=%.3f peak_rss_mb=%ld\n", cas, name, w - w0, c - c0, rss_mb());
    fflush(stdout);
    w0 = MPI_Wtime();
    c0 = cpu();
}

/* Flow, densities, finder and clusters of the embedded field u, as the
 * pipeline runs them; prefix names the stages. */
static int analyse(const char *cas, const char *prefix, ym_gauge *u)
{
    char name[64];
    ym_solver_opts so;
    ym_solver_opts_default(&so);
    so.eps = 0.05;
    ym_solver *s = NULL;
    ym_field *sd = NULL, *q = NULL;
    ym_finder_obj *o = NULL;
    ym_cluster *cl = NULL;
    int ncand = 0, ncl = 0;
    int st = ym_solver_create(&s, ym_solver_find("gradient-flow"), &so, u);
    if (!st) st = ym_solver_advance(s, u, 0.5);
    if (!st) {
        snprintf(name, sizeof name, "%sflow", prefix);
        stage(cas, name);
    }
    const ym_geom *g = ym_gauge_geom(u);
    if (!st) st = ym_field_create(&sd, g, 1);
    if (!st) st = ym_field_create(&q, g, 1);
    if (!st) st = ym_curv_clover_densities(u, sd, q);
    ym_finder_opts fo;
    ym_finder_opts_default(&fo);
    if (!st) st = ym_finder_run(sd, q, NULL, &fo, &o, &ncand, NULL);
    if (!st) st = ym_cluster_find(q, sd, NULL, YM_CLUSTER_LAMBDA, 0.5, NULL, &cl, &ncl, NULL);
    if (!st) {
        snprintf(name, sizeof name, "%sdensities_finder_clusters", prefix);
        stage(cas, name);
        printf("case=%s %scandidates=%d clusters=%d\n", cas, prefix, ncand, ncl);
    }
    free(o);
    free(cl);
    ym_field_free(sd);
    ym_field_free(q);
    ym_solver_free(s);
    return st;
}

static int embed(const ym_layout *lay, const ym_recording *ana, ym_embed_opts *eo, ym_grid **grid, ym_geom **geom,
                 ym_gauge **u)
{
    int L[4], bc[4];
    int st = ym_embed_opts_resolve(eo, lay, ana);
    if (!st) st = ym_embed_dims(lay, ana, eo, L, bc);
    if (!st) st = ym_grid_create(grid, MPI_COMM_WORLD, L, NULL, 1);
    if (!st) st = ym_geom_create(geom, *grid, 1, bc);
    if (!st) st = ym_gauge_create(u, *geom, eo->K);
    if (!st) st = ym_embed_build(*u, lay, ana, eo, NULL, NULL);
    return st;
}

static const double *cache_band(void *ctx, int ch, int b) { return ym_preproc_cache_band(ctx, ch, b); }

static int run(const char *cas, ym_recording *rec, ym_layout *lay, const ym_preproc_opts *po, int K, int64_t win,
               int64_t hop)
{
    int chans[4096], n = 0;
    int st = ym_layout_compact(lay, chans, &n);
    ym_recording *sel = NULL, *ana = NULL;
    if (!st) st = ym_recording_select(rec, chans, n, &sel);
    if (!st) stage(cas, "layout_select");
    ym_preproc *pp = NULL;
    int idx[4096];
    for (int i = 0; i < n; ++i) idx[i] = i;
    if (!st) st = ym_preproc_create(&pp, ym_recording_nsamples(sel), ym_recording_rate(sel), po);
    if (!st) st = ym_preproc_run(pp, sel, idx, n, &ana);
    if (!st) st = ym_preproc_keep_mains(pp); /* as the pipeline does for its surrogates */
    if (!st) stage(cas, "preprocess");
    ym_embed_opts eo;
    ym_embed_opts_default(&eo);
    eo.K = K;
    eo.window = win;
    eo.hop = hop;
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    if (!st) st = embed(lay, ana, &eo, &grid, &geom, &u);
    ym_plaquette p;
    if (!st) st = ym_gauge_plaquette(u, &p);
    if (!st) {
        stage(cas, "embed");
        const int *L = ym_grid_L(grid);
        printf("case=%s dims=%dx%dx%dx%d plaquette=%.6f\n", cas, L[0], L[1], L[2], L[3], p.total);
    }
    if (!st) st = analyse(cas, "", u);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    grid = NULL;
    geom = NULL;
    u = NULL;
    /* one surrogate, every stage of it */
    ym_surrogate *sg = NULL;
    ym_recording *sr = NULL, *sana = NULL;
    if (!st) st = ym_surrogate_create(&sg, sel, YM_SURR_MULTIVARIATE);
    if (!st) st = ym_surrogate_draw(sg, 1, &sr);
    if (!st) stage(cas, "surrogate_draw");
    if (!st) st = ym_preproc_run(pp, sr, idx, n, &sana);
    if (!st) stage(cas, "surrogate_preprocess");
    if (!st) st = embed(lay, sana, &eo, &grid, &geom, &u);
    if (!st) stage(cas, "surrogate_embed");
    if (!st) st = analyse(cas, "surrogate_", u);
    /* the pipeline's loop over surrogates: each one written over the last
     * (redraw, rerun, rebuild), so no stage faults in fresh pages; the
     * fastest of R repetitions of each stage, and their median */
    enum { R = 7, NS = 6 };
    static const char *const lname[NS] = {"redraw", "preprocess_rerun", "embed_rebuild", "flow",
                                          "prepare_embed_cached", "bank_embed_cached"};
    double tl[NS][R];
    /* the pipeline's way: channels made as the embedding asks for them */
    ym_preproc_cache *cache = NULL;
    int cap = 2 * ym_layout_nx(lay) + 4; /* as act_prepare (cli/activity.c) */
    if (cap > n) cap = n > 2 ? n : 2;
    if (!st) st = ym_preproc_cache_create(&cache, pp, cap);
    const ym_embed_src src = {cache_band, cache};
    /* the pipeline's surrogates now: from the conditioned recording, through
     * the bank alone (its own plan, switched by ym_preproc_bank_only) */
    ym_preproc *pb = NULL;
    ym_recording *cond = NULL, *srb = NULL;
    ym_surrogate *sgb = NULL;
    ym_preproc_cache *cacheb = NULL;
    if (!st) st = ym_preproc_create(&pb, ym_recording_nsamples(sel), ym_recording_rate(sel), po);
    if (!st) st = ym_preproc_prepare(pb, sel, idx, n);
    if (!st) st = ym_recording_select(sel, idx, n, &cond);
    for (int i = 0; !st && i < n; ++i) st = ym_preproc_conditioned(pb, i, ym_recording_data(cond, i));
    if (!st) st = ym_preproc_bank_only(pb);
    if (!st) st = ym_surrogate_create(&sgb, cond, YM_SURR_MULTIVARIATE);
    if (!st) st = ym_surrogate_draw(sgb, 1, &srb);
    if (!st) st = ym_preproc_cache_create(&cacheb, pb, cap);
    const ym_embed_src srcb = {cache_band, cacheb};
    for (int r = 0; !st && r < R; ++r) {
        double t0 = MPI_Wtime(), t1, t2, t3, t4, t5, t6;
        st = ym_surrogate_redraw(sg, 2 + (unsigned long)r, sr);
        t1 = MPI_Wtime();
        if (!st) st = ym_preproc_rerun(pp, sr, idx, n, sana);
        t2 = MPI_Wtime();
        if (!st) st = ym_embed_build(u, lay, sana, &eo, NULL, NULL);
        t3 = MPI_Wtime();
        ym_solver_opts so;
        ym_solver_opts_default(&so);
        so.eps = 0.05;
        ym_solver *s = NULL;
        if (!st) st = ym_solver_create(&s, ym_solver_find("gradient-flow"), &so, u);
        if (!st) st = ym_solver_advance(s, u, 0.5);
        ym_solver_free(s);
        t4 = MPI_Wtime();
        if (!st) st = ym_preproc_prepare(pp, sr, idx, n);
        if (!st) st = ym_embed_build_src(u, lay, sana, &src, &eo, NULL, NULL);
        t5 = MPI_Wtime();
        if (!st) st = ym_surrogate_redraw(sgb, 2 + (unsigned long)r, srb);
        t6 = MPI_Wtime();
        if (!st) st = ym_preproc_prepare(pb, srb, idx, n);
        if (!st) st = ym_embed_build_src(u, lay, sana, &srcb, &eo, NULL, NULL);
        tl[0][r] = t1 - t0, tl[1][r] = t2 - t1, tl[2][r] = t3 - t2, tl[3][r] = t4 - t3, tl[4][r] = t5 - t4;
        tl[5][r] = MPI_Wtime() - t6;
    }
    for (int k = 0; !st && k < NS; ++k) {
        double *v = tl[k];
        qsort(v, R, sizeof *v, cmp_double);
        printf("case=%s loop=%s min_sec=%.4f median_sec=%.4f repeats=%d\n", cas, lname[k], v[0], v[R / 2], R);
    }
    if (st) fprintf(stderr, "bench_activity %s: %s\n", cas, ym_errmsg());
    ym_preproc_cache_free(cache);
    ym_preproc_cache_free(cacheb);
    ym_surrogate_free(sgb);
    ym_recording_free(srb);
    ym_recording_free(cond);
    ym_preproc_free(pb);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    ym_recording_free(sana);
    ym_recording_free(sr);
    ym_surrogate_free(sg);
    ym_preproc_free(pp);
    ym_recording_free(ana);
    ym_recording_free(sel);
    return st;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ym_init();
    const char *which = argc > 1 ? argv[1] : "ecog";
    int st = YM_OK;
    w0 = MPI_Wtime();
    c0 = cpu();
    if (!strcmp(which, "ecog")) {
        const char *path = argc > 2 ? argv[2] : YM_SRCDATADIR "/ecog-8x8-grid/sub-pat01_ses-test_acq-ecog_ieeg.edf";
        ym_recording *rec = NULL;
        ym_layout *lay = NULL;
        st = ym_activity_read(&rec, path, NULL);
        if (!st) stage("ecog", "read");
        if (!st) st = ym_layout_auto(&lay, rec);
        ym_preproc_opts po;
        ym_preproc_opts_default(&po);
        double rate = st ? 1 : ym_recording_rate(rec);
        if (!st) st = run("ecog", rec, lay, &po, 2, llround(0.5 * rate), llround(0.25 * rate));
        ym_layout_free(lay);
        ym_recording_free(rec);
    } else {
        const int nx = 64, ny = 64, nt = 4 * 255 + 8;
        ym_recording *rec = NULL;
        ym_layout *lay = NULL;
        st = ym_recording_create(&rec, nx * ny, 0, nt, 30.0);
        double sp[3] = {1, 1, 0};
        if (!st) st = ym_recording_set_image(rec, nx, ny, 1, sp);
        unsigned long long z = 12345;
        for (int c = 0; !st && c < nx * ny; ++c) {
            double *d = ym_recording_data(rec, c);
            int x = c % nx, y = c / nx;
            for (int t = 0; t < nt; ++t) {
                z = z * 6364136223846793005ULL + 1442695040888963407ULL;
                double noise = ((double)(z >> 11) / 9007199254740992.0 - 0.5);
                d[t] = 100 + sin(0.3 * x + 0.2 * y - 2 * M_PI * 3.0 * t / 30.0) +
                       0.5 * sin(0.1 * x - 0.25 * y - 2 * M_PI * 7.0 * t / 30.0) + 0.3 * noise;
            }
        }
        if (!st) stage("movie", "synthesise");
        if (!st) st = ym_layout_create(&lay, nx, ny);
        for (int c = 0; !st && c < nx * ny; ++c) st = ym_layout_set(lay, rec, c % nx, c / nx, c);
        ym_preproc_opts po;
        ym_preproc_opts_default(&po);
        po.mains = 0;
        po.car = 0;
        po.nbands = 8;
        po.fmin = 1;
        po.fmax = 12;
        if (!st) st = run("movie", rec, lay, &po, 2, 8, 4);
        ym_layout_free(lay);
        ym_recording_free(rec);
    }
    MPI_Finalize();
    return st ? 1 : 0;
}
