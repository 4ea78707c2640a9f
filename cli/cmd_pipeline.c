/* ymflow pipeline: the main job. A recording is read, filtered and embedded
 * as an SU(K) connection, flowed, and its instantons and charge clusters are
 * mapped back to electrodes, bands and seconds, with family-wise p-values
 * against phase-randomised surrogate recordings. */
#include "activity.h"
#include "analysis.h"
#include "cli.h"
#include "cli_h5.h"
#include "cli_out.h"
#include "groups.h"
#include "plot.h"
#include "ym_curv.h"
#include "ym_ildg.h"
#include "ym_status.h"
#include "ym_surrogate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h> /* mallopt */
#endif

static const char *usage =
    "usage: ymflow pipeline [RECORDING] [CARD] [-o DIR] [options]\n"
    "The main job: read -> preprocess -> embed (Procrustes SU(K) links) -> flow -> instanton finder and\n"
    "charge clusters -> surrogates -> report. Without RECORDING it runs on the shipped ECoG seizure\n"
    "recording (8x8 grid, 999.41 Hz, 21.7 s; BSD-3, see data/ecog-8x8-grid/SOURCE.txt).\n"
    "The default flow is the Wilson flow with open boundaries to the flow time whose radius sqrt(8t)\n"
    "is half the smallest data extent (a warning says when --tmax goes beyond it).\n"
    "Outputs in DIR (BIDS-derivatives names, <stem> = the recording's file stem):\n"
    "  <stem>_desc-instantons_events.tsv   one row per cluster: onset duration band_low band_high\n"
    "                                      electrodes sign charge action_ratio volume size p_value ...\n"
    "  <stem>_desc-instantons_events.json  what every column means, and the effective parameters\n"
    "  <stem>_desc-instantons_{objects,candidates,clusters,flow,scan,surrogates}.tsv  details\n"
    "  <stem>_desc-instantons_fields.h5    q(x), s(x), cluster labels, mask, site table\n"
    "  <stem>_desc-flowed_gauge.ildg       the flowed configuration\n"
    "  <stem>_desc-{flow,qgrid,raster}_plot.png   flow history, q on the grid, cluster raster\n"
    "  -o, --out DIR          output directory, created if missing (default derivatives/ymflow)\n"
    "  --surrogates N         phase-randomised surrogates for p-values (default 19; 0: none), drawn\n"
    "                         from the recording as the band-pass bank sees it (DC removed,\n"
    "                         referenced, notched) and taken through the bank, embedding, flow, clusters\n"
    "  --surrogate-kind K     multivariate (default; keeps every cross-spectrum) | per-channel\n"
    "  --seed S               surrogate seed (default 1); surrogate i uses S + i\n"
    "  --groups G             MPI: G groups of ranks take the surrogates in turn (default 1)\n"
    "  --grid AxBxCxD         MPI process grid of the observed field (default automatic)\n"
    "  --force                replace existing outputs\n"
    "The pipeline's flow step defaults to --eps 0.0625 (ymflow clusters: 0.02); the surrogates take\n"
    "the observed recording's steps.\n";

#define PSTR 1024

typedef struct {
    int count, seed;
    char kind[32];
} surr_par;

static int default_recording(char *path, size_t n)
{
    static const char *const rel = "ecog-8x8-grid/sub-pat01_ses-test_acq-ecog_ieeg.edf";
    const char *dirs[] = {getenv("YM_DATADIR"), YM_SRCDATADIR, YM_PKGDATADIR};
    for (int i = 0; i < 3; ++i) {
        if (!dirs[i]) continue;
        snprintf(path, n, "%s/%s", dirs[i], rel);
        if (access(path, R_OK) == 0) return YM_OK;
    }
    return YM_ERROR(YM_EIO, "the built-in recording %s was found neither in %s nor in %s (give a RECORDING)", rel,
                    YM_SRCDATADIR, YM_PKGDATADIR);
}

static void stem_of(const char *spec, char *stem, size_t n)
{
    char file[PSTR];
    snprintf(file, sizeof file, "%s", spec);
    char *c = strstr(file, ":/");
    if (c) *c = 0;
    const char *b = strrchr(file, '/');
    snprintf(stem, n, "%s", b ? b + 1 : file);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = 0;
}

/* What every surrogate of one group reuses: the surrogate recording, the
 * shape of its analytic signals (their samples are made channel by channel
 * in act_ctx's cache), the lattice and its field, and the mask (the
 * layout's, the same for every surrogate). Made by
 * the group's first surrogate; fresh buffers per surrogate cost more in page
 * faults than the copies they hold. */
typedef struct {
    ym_recording *sr, *ana;
    ym_grid *grid;
    ym_geom *geom;
    ym_gauge *u;
    ym_field *mask;
} sur_bufs;

static void sur_bufs_free(sur_bufs *b)
{
    ym_field_free(b->mask);
    ym_gauge_free(b->u);
    ym_geom_free(b->geom);
    ym_grid_free(b->grid);
    ym_recording_free(b->ana);
    ym_recording_free(b->sr);
    memset(b, 0, sizeof *b);
}

/* One surrogate through the same chain: the statistics the family-wise test
 * needs (largest cluster |charge|, accepted instantons). */
static int run_surrogate(MPI_Comm gcomm, act_ctx *c, ym_surrogate *sg, sur_bufs *bf, unsigned long seed,
                         const ana_par *ap, double tmax, int depth, double *maxq, double *ninst)
{
    ana_result r;
    memset(&r, 0, sizeof r);
    int st, first = !bf->u;
    st = first ? ym_surrogate_draw(sg, seed, &bf->sr) : ym_surrogate_redraw(sg, seed, bf->sr);
    if (!st) st = act_prepare(c, bf->sr, &bf->ana);
    st = ym_status_agree(gcomm, st);
    if (first) {
        if (!st) st = act_embed(gcomm, c, bf->ana, NULL, depth, &bf->grid, &bf->geom, &bf->u, NULL, NULL);
        if (!st) st = act_mask(c, bf->u, &bf->mask);
    } else if (!st) {
        st = act_embed_again(c, bf->u, bf->ana);
    }
    /* the observed recording's flow steps (it stops at every analysed time),
     * analysed at the last time only */
    if (!st) st = ana_run(bf->u, bf->mask, ap, tmax, 0, 0, 1, &r);
    if (!st) {
        const ana_time *tm = &r.tm[r.ntimes - 1];
        *maxq = 0;
        for (int i = 0; i < tm->ncl; ++i)
            if (fabs(tm->cl[i].charge) > *maxq) *maxq = fabs(tm->cl[i].charge);
        *ninst = (double)tm->cnt.accepted;
    }
    ana_result_free(&r);
    return st; /* on failure the run stops and bf is freed by its owner */
}

/* Where a cluster lies in the recording. */
typedef struct {
    int wmin, wmax, gmin, gmax;
    char *electrodes;
} cl_span;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* One surrogate per item of the rank groups (cli/groups.h). */
typedef struct {
    act_ctx *c;
    ym_surrogate *sg;
    sur_bufs bf;
    unsigned long seed;
    const ana_par *ap;
    double tmax;
    int depth;
    double *nullq, *nulln; /* per surrogate: mean |q| and instanton count */
    int tty, ns;
} sur_ctx;

static int sur_work(MPI_Comm group, int i, void *ctx)
{
    sur_ctx *s = ctx;
    if (s->tty) fprintf(stderr, "\rpipeline: surrogates %d/%d", i + 1, s->ns);
    return run_surrogate(group, s->c, s->sg, &s->bf, s->seed + (unsigned long)i, s->ap, s->tmax, s->depth, &s->nullq[i],
                         &s->nulln[i]);
}

static int sur_collect(MPI_Comm comm, int i, int root, void *ctx)
{
    sur_ctx *s = ctx;
    double v[2] = {s->nullq[i], s->nulln[i]};
    MPI_Bcast(v, 2, MPI_DOUBLE, root, comm);
    s->nullq[i] = v[0];
    s->nulln[i] = v[1];
    return YM_OK;
}

int cmd_pipeline(int argc, char **argv)
{
#if defined(__GLIBC__)
    /* Every surrogate makes and frees the same few-MB fields (flow
     * workspace, densities, labels). glibc serves those from fresh mmaps and
     * trims freed heap back to the kernel, so each surrogate faulted its pages
     * in again; keeping freed memory in the heap lets the next one reuse it. */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
    MPI_Comm comm = MPI_COMM_WORLD;
    int rank, size, st = YM_OK, force = 0, groups = 1, pd[4] = {0, 0, 0, 0};
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    act_par p;
    ana_par ap;
    surr_par sp = {19, 1, "multivariate"};
    char outdir[PSTR] = "derivatives/ymflow";
    act_defaults(&p);
    ana_defaults(&ap);
    /* every surrogate repeats the flow. RK3 at 1/16 is one step between the
     * eight analysed times of the default t = 0.5 (a step of 0.05 needed
     * two, 0.05 + 0.0125); against eps = 0.005 it moves Q by 6e-4 relative
     * and the largest cluster charge by 5e-5, far below the spread of the
     * surrogates */
    ap.eps = 0.0625;
    ym_param tab[ACT_NPAR + ANA_NPAR + 4];
    int ntab = act_table(&p, tab);
    ntab += ana_table(&ap, tab + ntab);
    tab[ntab++] = (ym_param){"surrogates", "count", YM_PARAM_INT, &sp.count, .min = 0, .max = 100000,
                             .help = "phase-randomised surrogates (0: no p-values)"};
    tab[ntab++] = (ym_param){"surrogates", "kind", YM_PARAM_CHOICE, sp.kind, .size = sizeof sp.kind,
                             .choices = "multivariate|per-channel", .help = "surrogate kind"};
    tab[ntab++] = (ym_param){"surrogates", "seed", YM_PARAM_INT, &sp.seed, .min = 0, .max = 2000000000,
                             .help = "seed of surrogate 0 (surrogate i uses seed + i)"};
    tab[ntab++] = (ym_param){"output", "dir", YM_PARAM_STRING, outdir, .size = sizeof outdir, .help = "output directory"};
    const char *rec = NULL, *card = NULL;
    static char ovbuf[256][PSTR + 64];
    int novr = 0;
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (!st && cli_next(&a)) {
        const char *k = NULL;
        if (!a.key) {
            int is_rec;
            if ((st = act_positional_is_recording(a.value, &is_rec))) break;
            if (!rec && is_rec) rec = a.value;
            else if (!card) card = a.value;
            else st = YM_ERROR(YM_EINVAL, "too many arguments: '%s' (a recording and a run card at most)", a.value);
            continue;
        }
        if (!strcmp(a.key, "h") || !strcmp(a.key, "help")) {
            cli_print("%s%s%s", usage, act_help, ana_help);
            return CLI_OK;
        } else if (!strcmp(a.key, "force")) force = 1;
        else if (!strcmp(a.key, "grid")) st = cli_value(&a) ? ym_parse_dims(a.value, "grid", pd) : YM_EINVAL;
        else if (!strcmp(a.key, "groups")) st = cli_value(&a) ? cli_int(a.value, "groups", 1, 1 << 20, &groups) : YM_EINVAL;
        else if (!strcmp(a.key, "o") || !strcmp(a.key, "out")) k = "output.dir";
        else if (!strcmp(a.key, "surrogates")) k = "surrogates.count";
        else if (!strcmp(a.key, "surrogate-kind")) k = "surrogates.kind";
        else if (!strcmp(a.key, "seed")) k = "surrogates.seed";
        else if (strchr(a.key, '.')) k = a.key;
        else if (act_flag(a.key)) k = act_flag(a.key);
        else if (ana_flag(a.key)) k = ana_flag(a.key);
        else st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow pipeline --help)", argv[a.i]);
        if (!st && k) {
            const char *v = cli_value(&a);
            if (!v) st = YM_EINVAL;
            else if (novr == 256) st = YM_ERROR(YM_EINVAL, "too many options");
            else snprintf(ovbuf[novr++], sizeof ovbuf[0], "%s=%s", k, v);
        }
    }
    if (!st && card) st = ym_card_parse(comm, card, tab, ntab);
    for (int i = 0; !st && i < novr; ++i) st = ym_card_override(tab, ntab, ovbuf[i]);
    if (!st && rec) snprintf(p.path, sizeof p.path, "%s", rec);
    if (!st && !p.path[0]) st = default_recording(p.path, sizeof p.path);
    if (!st && size % groups) st = YM_ERROR(YM_EINVAL, "groups: %d ranks do not split into %d equal groups", size, groups);
    if (!st && groups > 1 && sp.count == 0) groups = 1;
    st = ym_status_agree(comm, st);
    if (st) return cli_fail("pipeline", st);

    char stem[PSTR], base[2 * PSTR + 8];
    stem_of(p.path, stem, sizeof stem);
    snprintf(base, sizeof base, "%s/%s", outdir, stem);
    const char *names[] = {"desc-instantons_events.tsv",   "desc-instantons_events.json",   "desc-instantons_objects.tsv",
                           "desc-instantons_candidates.tsv", "desc-instantons_clusters.tsv", "desc-instantons_flow.tsv",
                           "desc-instantons_scan.tsv",     "desc-instantons_surrogates.tsv", "desc-instantons_fields.h5",
                           "desc-flowed_gauge.ildg",       "desc-flow_plot.png",            "desc-qgrid_plot.png",
                           "desc-raster_plot.png"};
    enum { F_EVENTS, F_JSON, F_OBJ, F_CAND, F_CL, F_FLOW, F_SCAN, F_SURR, F_H5, F_ILDG, F_PFLOW, F_PQ, F_PRAST, NF };
    char path[NF][3 * PSTR];
    for (int i = 0; i < NF; ++i) {
        snprintf(path[i], sizeof path[i], "%s_%s", base, names[i]);
        if (!st && !force && cli_path_exists(path[i]))
            st = YM_ERROR(YM_EIO, "%s exists (use --force to replace it)", path[i]);
    }
    st = ym_status_agree(comm, st);
    /* made now, so that a folder that cannot be made fails before the run;
     * removed again if the run fails before writing into it */
    char made[sizeof outdir];
    if (!st) st = cli_mkdir_p(comm, outdir, made, sizeof made);
    if (st) return cli_fail("pipeline", st);

    int tty = rank == 0 && isatty(2);
    double t_start = MPI_Wtime(), t_stage = t_start, secs[6] = {0};
#define STAGE(i, msg)                                                                                                   \
    do {                                                                                                                \
        double now_ = MPI_Wtime();                                                                                      \
        secs[i] = now_ - t_stage;                                                                                       \
        t_stage = now_;                                                                                                 \
        if (tty) fprintf(stderr, "pipeline: %-44s %7.2f s\n", msg, now_ - t_start);                               \
    } while (0)

    /* ---- read, preprocess, embed ---- */
    act_ctx c;
    st = act_load(comm, &p, &c);
    if (!st && rank == 0 && c.note[0])
        for (char *q = c.note, *e; *q; q = *e ? e + 1 : e) {
            e = q + strcspn(q, "\n");
            if (e > q) fprintf(stderr, "ymflow pipeline: note: %.*s\n", (int)(e - q), q);
        }
    if (!st) STAGE(0, "read recording and layout");
    ym_recording *ana = NULL;
    if (!st && !c.complex_input) {
        /* channel by channel as the embedding asks: the 177 MB of analytic
         * signals of the ECoG default never exist at once */
        st = act_prepare(&c, c.sel, &ana);
        /* the surrogates are drawn from what the band-pass bank sees (DC
         * removed, referenced, notched), so that they keep its spectra, and
         * go through the bank alone: the notch was two of a channel's
         * thirty FFTs, the longest */
        if (!st && sp.count > 0) st = act_condition(&c, c.sel);
    } else if (!st) {
        ana = c.ana;
        c.ana = NULL;
    }
    st = ym_status_agree(comm, st);
    if (!st) STAGE(1, "filter bank and analytic signals");
    int depth = 1;
    {
        const ym_solver_type *stp = ym_solver_find(ap.solver);
        ym_solver_opts so;
        ym_solver_opts_default(&so);
        if (!st && (!stp || !(so.action = ym_action_find(ap.action)))) st = YM_EINVAL;
        if (!st) depth = ym_solver_halo_depth(stp, &so);
        st = ym_status_agree(comm, st);
    }
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_field *mask = NULL;
    ym_embed_info einfo;
    memset(&einfo, 0, sizeof einfo);
    if (!st) st = act_embed(comm, &c, ana, pd, depth, &grid, &geom, &u, NULL, &einfo);
    if (!st) st = act_mask(&c, u, &mask);
    ym_plaquette plaq0;
    if (!st) st = ym_gauge_plaquette(u, &plaq0);
    if (!st) STAGE(2, "Procrustes embedding");

    /* ---- the flow time: sqrt(8t) within half the smallest data extent ---- */
    int minext = 1 << 30;
    for (int mu = 0; !st && mu < 4; ++mu) {
        int data = c.L[mu] - ((mu == 2 && c.eo.groups == 1) ? 0 : 2 * c.eo.pad);
        if (data > 1 && data < minext) minext = data;
    }
    /* the clover needs a site inside the box in every plane: with fewer than
     * three sites in an open direction (or one in a periodic one) q(x) is
     * identically zero and there is nothing to find */
    for (int mu = 0; !st && mu < 4; ++mu)
        if ((c.bc[mu] == 1 && c.L[mu] < 3) || c.L[mu] < 2)
            st = YM_ERROR(YM_EINVAL, "the lattice %dx%dx%dx%d has %d site%s in direction %d: the charge density vanishes "
                          "identically (use at least 3 with open boundaries, e.g. more bands per group: --bands)",
                          c.L[0], c.L[1], c.L[2], c.L[3], c.L[mu], c.L[mu] == 1 ? "" : "s", mu);
    st = ym_status_agree(comm, st);
    double tlimit = minext < (1 << 30) ? (minext / 2.0) * (minext / 2.0) / 8 : 1;
    double tmax = ap.tmax >= 0 ? ap.tmax : tlimit;
    if (!st && tmax > tlimit * (1 + 1e-12) && rank == 0)
        fprintf(stderr,
                "ymflow pipeline: warning: flow time %g has radius sqrt(8t) = %.3g, beyond half the smallest data "
                "extent (%d sites): the field is smoothed across the data's edges\n",
                tmax, sqrt(8 * tmax), minext);
    if (!st && !ap.times[0]) {
        /* the flow history is drawn from these points */
        int k = 0;
        for (int i = 0; i < 8; ++i) k += snprintf(ap.times + k, sizeof ap.times - (size_t)k, "%s%.17g", i ? "," : "", tmax * i / 8);
    }
    ana_result res;
    memset(&res, 0, sizeof res);
    if (!st) st = ana_run(u, mask, &ap, tmax, 1, 1, 0, &res);
    if (!st) STAGE(3, "flow, finder and clusters");

    /* ---- surrogates, spread over groups of ranks ---- */
    int ns = sp.count;
    double *nullq = calloc((size_t)(ns > 0 ? ns : 1), sizeof *nullq);
    double *nulln = calloc((size_t)(ns > 0 ? ns : 1), sizeof *nulln);
    if (!nullq || !nulln) st = YM_ERROR(YM_ENOMEM, "surrogates: out of memory");
    st = ym_status_agree(comm, st);
    if (!st && ns > 0 && c.complex_input)
        st = YM_ERROR(YM_EINVAL, "surrogates: %s holds analytic signals; surrogates need the real recording (use "
                                 "--surrogates 0)", p.path);
    st = ym_status_agree(comm, st);
    if (!st && ns > 0) {
        /* groups of ranks take the surrogates in turn (cli/groups.h) */
        cli_groups g;
        ym_surrogate *sg = NULL;
        st = ym_status_agree(comm, cli_groups_split(comm, groups, &g));
        if (!st)
            st = ym_surrogate_create(&sg, c.sel, !strcmp(sp.kind, "per-channel") ? YM_SURR_PERCHANNEL
                                                                                  : YM_SURR_MULTIVARIATE);
        st = ym_status_agree(comm, st);
        sur_ctx sc = {&c, sg, {0}, (unsigned long)sp.seed, &ap, tmax, depth, nullq, nulln, tty, ns};
        /* the surrogates' analytic signals have the observed ones' shape */
        sc.bf.ana = ana;
        ana = NULL;
        if (!st) st = cli_groups_run(&g, ns, sur_work, sur_collect, &sc);
        sur_bufs_free(&sc.bf);
        if (tty) fprintf(stderr, "\n");
        ym_surrogate_free(sg);
        cli_groups_free(&g);
        if (!st) STAGE(4, "surrogates");
    }

    /* ---- map clusters to electrodes, bands and seconds (rank 0) ---- */
    const ana_time *tm = st ? NULL : &res.tm[res.ntimes - 1];
    int64_t vol = (int64_t)c.L[0] * c.L[1] * c.L[2] * c.L[3];
    double *gq = NULL, *gs = NULL, *gl = NULL, *gm = NULL;
    if (!st && rank == 0) {
        gq = malloc((size_t)vol * sizeof *gq);
        gs = malloc((size_t)vol * sizeof *gs);
        gl = malloc((size_t)vol * sizeof *gl);
        gm = malloc((size_t)vol * sizeof *gm);
        if (!gq || !gs || !gl || !gm) st = YM_ERROR(YM_ENOMEM, "report: out of memory");
    }
    st = ym_status_agree(comm, st);
    if (!st) st = ym_field_gather(tm->q, 0, 0, gq);
    if (!st) st = ym_field_gather(tm->s, 0, 0, gs);
    if (!st) st = ym_field_gather(tm->labels, 0, 0, gl);
    if (!st) st = ym_field_gather(mask, 0, 0, gm);
    int ncl = st ? 0 : tm->ncl;
    cl_span *span = calloc((size_t)(ncl > 0 ? ncl : 1), sizeof *span);
    double *pval = calloc((size_t)(ncl > 0 ? ncl : 1), sizeof *pval);
    if (!span || !pval) st = YM_ERROR(YM_ENOMEM, "report: out of memory");
    const ym_recording *meta = c.sel ? c.sel : ana;
    /* after a failure the chain's objects may not exist: nothing below runs then */
    int nx = st ? 0 : ym_layout_nx(c.lay), ny = st ? 0 : ym_layout_ny(c.lay), nw = c.nwin, K = c.eo.K, pad = c.eo.pad;
    double rate = st || !meta ? 1 : ym_recording_rate(meta), t_first = 0; /* BIDS onsets count from the first sample */
    double hop_s = (double)c.eo.hop / rate, win_s = (double)c.eo.window / rate;
    double *qgrid = NULL;
    int64_t *lgrid = NULL;
    unsigned char *mgrid = NULL;
    signed char *raster = NULL;
    double *rast_q = NULL;
    if (!st && rank == 0) {
        for (int i = 0; i < ncl; ++i) span[i] = (cl_span){1 << 30, -1, 1 << 30, -1, NULL};
        unsigned char *hit = calloc((size_t)ncl * (size_t)c.nchan + 1, 1);
        int64_t *labels_sorted = malloc((size_t)(ncl > 0 ? ncl : 1) * sizeof *labels_sorted);
        qgrid = calloc((size_t)nx * ny * (nw > 0 ? nw : 1), sizeof *qgrid);
        lgrid = malloc((size_t)nx * ny * (nw > 0 ? nw : 1) * sizeof *lgrid);
        mgrid = calloc((size_t)nx * ny * (nw > 0 ? nw : 1), 1);
        raster = calloc((size_t)c.nchan * (nw > 0 ? nw : 1), 1);
        rast_q = calloc((size_t)c.nchan * (nw > 0 ? nw : 1), sizeof *rast_q);
        double *colmax = calloc((size_t)nx * ny * (nw > 0 ? nw : 1), sizeof *colmax);
        if (!hit || !labels_sorted || !qgrid || !lgrid || !mgrid || !raster || !rast_q || !colmax)
            st = YM_ERROR(YM_ENOMEM, "report: out of memory");
        for (int i = 0; !st && i < ncl; ++i) labels_sorted[i] = tm->cl[i].label;
        for (int64_t i = 0; !st && i < (int64_t)nx * ny * nw; ++i) lgrid[i] = -1;
        for (int64_t gi = 0; !st && gi < vol; ++gi) {
            int xg[4];
            int64_t rem = gi;
            for (int mu = 0; mu < 4; ++mu) {
                xg[mu] = (int)(rem % c.L[mu]);
                rem /= c.L[mu];
            }
            int ch, masked, w, grp;
            ym_embed_site(c.lay, &c.eo, xg, &ch, &masked, &w, &grp);
            int lx = xg[0] - pad, ly = xg[1] - pad;
            if (w < 0 || w >= nw || lx < 0 || lx >= nx || ly < 0 || ly >= ny) continue;
            int64_t cell = ((int64_t)w * ny + ly) * nx + lx;
            if (masked) mgrid[cell] = 1;
            else qgrid[cell] += gq[gi];
            if (gl[gi] < 0 || masked) continue;
            int64_t lab = (int64_t)gl[gi];
            int64_t *f = bsearch(&lab, labels_sorted, (size_t)ncl, sizeof *labels_sorted, cmp_i64);
            if (!f) continue;
            int k = (int)(f - labels_sorted);
            if (fabs(gq[gi]) > colmax[cell]) {
                colmax[cell] = fabs(gq[gi]);
                lgrid[cell] = lab;
            }
            if (w < span[k].wmin) span[k].wmin = w;
            if (w > span[k].wmax) span[k].wmax = w;
            if (grp < span[k].gmin) span[k].gmin = grp;
            if (grp > span[k].gmax) span[k].gmax = grp;
            if (ch >= 0) {
                hit[(size_t)k * c.nchan + ch] = 1;
                /* the raster shows, per electrode and window, the sign of the
                 * strongest cluster there */
                double aq = fabs(tm->cl[k].charge);
                if (aq > rast_q[(int64_t)ch * nw + w]) {
                    rast_q[(int64_t)ch * nw + w] = aq;
                    raster[(int64_t)ch * nw + w] = (signed char)tm->cl[k].sign;
                }
            }
        }
        for (int k = 0; !st && k < ncl; ++k) {
            cli_buf e = {0};
            for (int ch = 0; ch < c.nchan; ++ch)
                if (hit[(size_t)k * c.nchan + ch]) cli_buf_printf(&e, "%s%s", e.n ? "," : "", ym_recording_channel_name(meta, ch));
            span[k].electrodes = e.s ? e.s : strdup("n/a");
            int cnt = 0;
            for (int i = 0; i < ns; ++i)
                if (nullq[i] >= fabs(tm->cl[k].charge)) ++cnt;
            pval[k] = ns > 0 ? (cnt + 1.0) / (ns + 1.0) : NAN;
        }
        free(hit);
        free(labels_sorted);
        free(colmax);
    }
    st = ym_status_agree(comm, st);

    /* the instanton count against its null distribution: one p-value for the
     * whole recording, (count + 1)/(n + 1) as for the clusters */
    double p_count = NAN, null_mean = 0;
    if (!st && ns > 0) {
        int cnt = 0;
        for (int i = 0; i < ns; ++i) {
            if (nulln[i] >= (double)tm->cnt.accepted) ++cnt;
            null_mean += nulln[i] / ns;
        }
        p_count = (cnt + 1.0) / (ns + 1.0);
    }

    /* ---- tables ---- */
    cli_buf b[8] = {{0}};
    if (!st) {
        cli_buf *ev = &b[F_EVENTS];
        cli_buf_printf(ev, "onset\tduration\tband_low\tband_high\telectrodes\tsign\tcharge\taction_ratio\tvolume\tsize\t"
                           "p_value\tlabel\tq_peak\tpercolates\n");
        for (int k = 0; rank == 0 && k < ncl; ++k) {
            const ym_cluster *cl = &tm->cl[k];
            double on = t_first + span[k].wmin * hop_s, du = (span[k].wmax - span[k].wmin) * hop_s + win_s;
            double blo = NAN, bhi = NAN;
            if (c.edges && span[k].gmin >= 0 && span[k].gmax >= 0) {
                blo = c.edges[span[k].gmin * K];
                bhi = c.edges[(span[k].gmax + 1) * K];
            }
            cli_buf_printf(ev, "%.17g\t%.17g\t", on, du);
            if (isfinite(blo)) cli_buf_printf(ev, "%.17g\t%.17g\t", blo, bhi);
            else cli_buf_printf(ev, "n/a\tn/a\t");
            cli_buf_printf(ev, "%s\t%d\t%.17g\t%.17g\t%lld\t%.17g\t", span[k].electrodes, cl->sign, cl->charge,
                           cl->charge != 0 ? cl->action_over_8pi2 / fabs(cl->charge) : NAN, (long long)cl->volume,
                           ym_finder_rho_from_peak(cl->q_peak));
            if (ns > 0) cli_buf_printf(ev, "%.17g", pval[k]);
            else cli_buf_printf(ev, "n/a");
            cli_buf_printf(ev, "\t%lld\t%.17g\t%d\n", (long long)cl->label, cl->q_peak, cl->percolates);
        }
        ana_tsv_instantons(&b[F_OBJ], &res);
        ana_tsv_candidates(&b[F_CAND], &res);
        ana_tsv_clusters(&b[F_CL], &res);
        ana_tsv_flow(&b[F_FLOW], &res);
        st = ana_tsv_scan(&b[F_SCAN], &res, mask);
        cli_buf_printf(&b[F_SURR], "surrogate\tseed\tmax_abs_cluster_charge\tinstantons\n");
        for (int i = 0; i < ns; ++i)
            cli_buf_printf(&b[F_SURR], "%d\t%d\t%.17g\t%.17g\n", i, sp.seed + i, nullq[i], nulln[i]);
        /* the sidecar: every column explained, and the parameters */
        cli_buf *js = &b[F_JSON];
        static const char *const cols[][2] = {
            {"onset", "start of the cluster's first time window, seconds from the start of the recording"},
            {"duration", "from the first window's start to the last window's end, seconds"},
            {"band_low", "lower edge of the cluster's lowest frequency band, Hz"},
            {"band_high", "upper edge of the cluster's highest frequency band, Hz"},
            {"electrodes", "channels whose sites the cluster covers, comma-separated"},
            {"sign", "+1: instanton-like (q > 0), -1: anti-instanton-like"},
            {"charge", "topological charge of the cluster, sum of q(x) over its sites"},
            {"action_ratio", "action / (8 pi^2 |charge|): 1 for a self-dual object"},
            {"volume", "number of lattice sites"},
            {"size", "rho = (6/(pi^2 |q_peak|))^(1/4), lattice units"},
            {"p_value", "family-wise: (1 + #surrogates whose largest cluster |charge| >= |charge|) / (1 + #surrogates); "
                        "surrogates are phase-randomised from the recording as the band-pass bank saw it (DC removed, "
                        "referenced, notched)"},
            {"label", "cluster label: smallest global lattice site index in the cluster"},
            {"q_peak", "charge density at the cluster's peak"},
            {"percolates", "1 if the cluster spans the box in an open direction or wraps a periodic one"},
        };
        cli_buf_printf(js, "{\n");
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; ++i) {
            cli_buf_printf(js, "  ");
            cli_buf_json_string(js, cols[i][0]);
            cli_buf_printf(js, ": {\"Description\": ");
            cli_buf_json_string(js, cols[i][1]);
            cli_buf_printf(js, "},\n");
        }
        cli_buf_printf(js, "  \"GeneratedBy\": [{\"Name\": \"ymflow\", \"Version\": ");
        cli_buf_json_string(js, ym_version());
        cli_buf_printf(js, "}],\n  \"Source\": ");
        cli_buf_json_string(js, p.path);
        cli_buf_printf(js, ",\n  \"FlowTime\": %.17g,\n  \"Lattice\": [%d, %d, %d, %d],\n", tmax, c.L[0], c.L[1], c.L[2],
                       c.L[3]);
        cli_buf_printf(js, "  \"Surrogates\": {\"Count\": %d, \"Kind\": ", ns);
        cli_buf_json_string(js, sp.kind);
        cli_buf_printf(js, ", \"Seed\": %d},\n", sp.seed);
        cli_buf_printf(js, "  \"Instantons\": %lld,\n", (long long)tm->cnt.accepted);
        if (ns > 0)
            cli_buf_printf(js, "  \"InstantonCountPValue\": %.17g,\n  \"InstantonCountPValueDescription\": "
                               "\"(1 + #surrogates with at least as many accepted instantons) / (1 + #surrogates)\",\n",
                           p_count);
        cli_buf_printf(js, "  \"Parameters\": ");
        cli_buf card = {0};
        cli_buf_card(&card, tab, ntab, "");
        if (card.oom) js->oom = 1;
        cli_buf_json_string(js, card.s ? card.s : "");
        cli_buf_free(&card);
        cli_buf_printf(js, "\n}\n");
    }
    int order[] = {F_EVENTS, F_JSON, F_OBJ, F_CAND, F_CL, F_FLOW, F_SCAN, F_SURR};
    for (int i = 0; !st && i < 8; ++i) st = cli_write_text(comm, path[order[i]], force, &b[order[i]]);

    /* ---- fields, flowed configuration, plots ---- */
    cli_buf md = {0};
    if (!st) {
        act_metadata(&md, tab, ntab, &c);
        cli_buf_printf(&md, "[pipeline]\nflow_time = %.17g\n", tmax);
        st = ym_ildg_write_ex(u, path[F_ILDG], 64, force, md.s, NULL);
    }
    if (!st && rank == 0) {
        cli_h5 *h = NULL;
        st = cli_h5_open(&h, path[F_H5], force);
        if (!st) {
            uint64_t d4[4] = {(uint64_t)c.L[3], (uint64_t)c.L[2], (uint64_t)c.L[1], (uint64_t)c.L[0]};
            uint64_t d2[2] = {(uint64_t)ny, (uint64_t)nx};
            int *sc = malloc((size_t)nx * ny * sizeof *sc);
            const char **nm = malloc((size_t)c.nchan * sizeof *nm);
            if (sc && nm) {
                for (int y = 0; y < ny; ++y)
                    for (int x = 0; x < nx; ++x) sc[y * nx + x] = ym_layout_channel(c.lay, x, y);
                for (int ch = 0; ch < c.nchan; ++ch) nm[ch] = ym_recording_channel_name(meta, ch);
                cli_h5_doubles(h, "q", 4, d4, gq);
                cli_h5_doubles(h, "s", 4, d4, gs);
                cli_h5_doubles(h, "cluster_label", 4, d4, gl);
                cli_h5_doubles(h, "mask", 4, d4, gm);
                cli_h5_ints(h, "site_channel", 2, d2, sc);
                cli_h5_strings(h, "channel_names", c.nchan, nm);
                if (c.edges) {
                    uint64_t de = (uint64_t)c.nbands + 1;
                    cli_h5_doubles(h, "band_edges_hz", 1, &de, c.edges);
                }
                cli_h5_attr_ints(h, "dims", 4, c.L);
                cli_h5_attr_ints(h, "boundary_open", 4, c.bc);
                cli_h5_attr_double(h, "flow_time", tmax);
                cli_h5_attr_double(h, "window_s", win_s);
                cli_h5_attr_double(h, "hop_s", hop_s);
                cli_h5_attr_text(h, "parameters", md.s ? md.s : "");
            } else
                st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path[F_H5]);
            free(sc);
            free(nm);
            int cst = cli_h5_close(h, !st);
            if (!st) st = cst;
        }
    }
    st = ym_status_agree(comm, st);
    if (!st && rank == 0) {
        double ft[ANA_MAXT], fe[ANA_MAXT], fq[ANA_MAXT];
        for (int k = 0; k < res.ntimes; ++k) {
            ft[k] = res.tm[k].t;
            fe[k] = res.tm[k].t2E;
            fq[k] = res.tm[k].Q;
        }
        char title[3 * PSTR];
        snprintf(title, sizeof title, "%s: flow history", stem);
        st = cli_plot_flow(path[F_PFLOW], force, ft, fe, fq, res.ntimes, title);
        double *tl = malloc((size_t)(nw > 0 ? nw : 1) * sizeof *tl);
        if (!st && !tl) st = YM_ERROR(YM_ENOMEM, "plots: out of memory");
        for (int w = 0; !st && w < nw; ++w) tl[w] = t_first + w * hop_s;
        /* small multiples stay legible up to a few hundred panels: a long
         * recording shows its first ones, and the title says so */
        int npan = nw, maxpan = (int)(4000000 / ((int64_t)(nx + 1) * (ny + 3) * 100 + 1));
        if (maxpan < 1) maxpan = 1;
        if (npan > maxpan) npan = maxpan;
        if (npan < nw)
            snprintf(title, sizeof title, "%s: q summed over bands, windows 1-%d of %d (start, s), clusters outlined (t = %.3g)",
                     stem, npan, nw, tmax);
        else
            snprintf(title, sizeof title, "%s: q summed over bands, per window (s), clusters outlined (t = %.3g)", stem, tmax);
        if (!st) st = cli_plot_qgrid(path[F_PQ], force, nx, ny, npan, qgrid, lgrid, mgrid, tl, title);
        int nev = ym_recording_nevents(meta);
        double *et = malloc((size_t)(nev > 0 ? nev : 1) * sizeof *et);
        const char **el = malloc((size_t)(nev > 0 ? nev : 1) * sizeof *el);
        const char **rn = malloc((size_t)c.nchan * sizeof *rn);
        if (!st && (!et || !el || !rn)) st = YM_ERROR(YM_ENOMEM, "plots: out of memory");
        for (int e = 0; !st && e < nev; ++e) {
            et[e] = ym_recording_event(meta, e)->onset;
            el[e] = ym_recording_event(meta, e)->label;
        }
        for (int ch = 0; !st && ch < c.nchan; ++ch) rn[ch] = ym_recording_channel_name(meta, ch);
        snprintf(title, sizeof title, "%s: instanton clusters (red +, blue -) by electrode and time", stem);
        if (!st) st = cli_plot_raster(path[F_PRAST], force, c.nchan, rn, nw, tl, hop_s, raster, nev, et, el, title);
        free(tl);
        free(et);
        free(el);
        free(rn);
    }
    st = ym_status_agree(comm, st);
    if (!st) STAGE(5, "outputs and plots");

    /* ---- summary ---- */
    if (!st) {
        int npos = 0, nsig = 0;
        for (int k = 0; k < ncl; ++k) {
            if (tm->cl[k].sign > 0) ++npos;
            if (ns > 0 && pval[k] <= 0.05) ++nsig;
        }
        cli_print("recording: %s\n", p.path);
        cli_print("channels: %d on a %dx%d grid (%d masked)\n", c.nchan, nx, ny, c.nmasked);
        cli_print("dims: %dx%dx%dx%d\n", c.L[0], c.L[1], c.L[2], c.L[3]);
        cli_print("N: %d\n", K);
        cli_print("plaquette_embedded: %.15g\n", plaq0.total);
        cli_print("degenerate_links: %lld\n", (long long)einfo.degenerate);
        cli_print("flow: %s %s %s eps %g to t = %.6g (sqrt(8t) = %.3g)\n", ap.solver, ap.action, ap.integrator, ap.eps,
                  tmax, sqrt(8 * tmax));
        cli_print("Q: %.15g\n", tm->Q);
        cli_print("instantons: %lld of %lld candidates\n", (long long)tm->cnt.accepted, (long long)tm->cnt.candidates);
        cli_print("clusters: %d (%d positive, %d negative), |q| > %.6g\n", ncl, npos, ncl - npos, tm->qcut);
        if (ns > 0) {
            cli_print("surrogates: %d %s, clusters with p <= 0.05: %d\n", ns, sp.kind, nsig);
            cli_print("instanton_count_p_value: %.6g (%lld instantons; surrogate mean %.6g)\n", p_count,
                      (long long)tm->cnt.accepted, null_mean);
        }
        cli_print("seconds: read %.2f, filter %.2f, embed %.2f, flow+clusters %.2f, surrogates %.2f, outputs %.2f, "
                  "total %.2f\n",
                  secs[0], secs[1], secs[2], secs[3], secs[4], secs[5], MPI_Wtime() - t_start);
        cli_print("events_tsv: %s\n", path[F_EVENTS]);
        /* the strongest clusters as a table a person reads */
        int shown = ncl < 12 ? ncl : 12;
        int *idx = rank == 0 ? malloc((size_t)(ncl > 0 ? ncl : 1) * sizeof *idx) : NULL;
        if (rank == 0 && idx) {
            for (int k = 0; k < ncl; ++k) idx[k] = k;
            for (int i = 0; i < shown; ++i)
                for (int j = i + 1; j < ncl; ++j)
                    if (fabs(tm->cl[idx[j]].charge) > fabs(tm->cl[idx[i]].charge)) {
                        int t = idx[i];
                        idx[i] = idx[j];
                        idx[j] = t;
                    }
            printf("\n%8s %8s %14s %5s %8s %7s %8s  %s\n", "onset_s", "dur_s", "band_Hz", "sign", "charge", "volume",
                   "p_value", "electrodes");
            for (int i = 0; i < shown; ++i) {
                int k = idx[i];
                const ym_cluster *cl = &tm->cl[k];
                char band[64] = "n/a", pv[32] = "n/a";
                if (c.edges && span[k].gmin >= 0)
                    snprintf(band, sizeof band, "%.3g-%.3g", c.edges[span[k].gmin * K], c.edges[(span[k].gmax + 1) * K]);
                if (ns > 0) snprintf(pv, sizeof pv, "%.3g", pval[k]);
                const char *el = span[k].electrodes;
                printf("%8.3f %8.3f %14s %+5d %8.4f %7lld %8s  %.60s%s\n", t_first + span[k].wmin * hop_s,
                       (span[k].wmax - span[k].wmin) * hop_s + win_s, band, cl->sign, cl->charge,
                       (long long)cl->volume, pv, el, strlen(el) > 60 ? "..." : "");
            }
            if (ncl > shown) printf("(%d more in %s)\n", ncl - shown, path[F_EVENTS]);
            fflush(stdout);
        }
        free(idx);
    }
    for (int i = 0; i < 8; ++i) cli_buf_free(&b[i]);
    cli_buf_free(&md);
    for (int k = 0; k < ncl; ++k) free(span[k].electrodes);
    free(span);
    free(pval);
    free(gq);
    free(gs);
    free(gl);
    free(gm);
    free(qgrid);
    free(lgrid);
    free(mgrid);
    free(raster);
    free(rast_q);
    free(nullq);
    free(nulln);
    ana_result_free(&res);
    ym_field_free(mask);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    ym_recording_free(ana);
    act_free(&c);
    if (st) cli_rmdir_created(comm, outdir, made);
    return cli_fail("pipeline", st);
}
