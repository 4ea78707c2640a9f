/* The activity chain shared by embed and pipeline (see activity.h). */
#include "activity.h"

#include "cli.h"
#include "ym_activity.h"
#include "ym_format.h"
#include "ym_grid.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void act_defaults(act_par *p)
{
    memset(p, 0, sizeof *p);
    p->plane = 0;
    p->bin = 1;
    p->dc = 1;
    p->car = 1;
    p->dff = -1; /* automatic: on for imaging data */
    p->mains = -1;
    p->dff_window = 30;
    p->dff_percentile = 10;
    p->count = 8;
    p->fmin = 4;
    p->fmax = 128;
    p->length = 0.5;
    p->hop = 0.25;
    p->K = 2;
    p->pad = 0;
    p->degenerate_tol = 1e-10;
    snprintf(p->boundary, sizeof p->boundary, "open");
    p->pre = 0.5;
    p->post = 1.5;
}

int act_table(act_par *p, ym_param *t)
{
    int n = 0;
#define S(sec, k, tgt, h) t[n++] = (ym_param){sec, k, YM_PARAM_STRING, tgt, .size = sizeof(tgt), .help = h}
#define D(sec, k, tgt, lo, hi, h) t[n++] = (ym_param){sec, k, YM_PARAM_DOUBLE, &(tgt), .min = lo, .max = hi, .help = h}
#define IP(sec, k, tgt, lo, hi, h) t[n++] = (ym_param){sec, k, YM_PARAM_INT, &(tgt), .min = lo, .max = hi, .help = h}
#define B(sec, k, tgt, h) t[n++] = (ym_param){sec, k, YM_PARAM_BOOL, &(tgt), .help = h}
    S("recording", "path", p->path, "recording file (EDF/BDF, NWB, HDF5, NPY); FILE.h5:/dataset picks a dataset");
    D("recording", "rate", p->rate, 0, 1e9, "sampling rate in Hz for inputs without one (0: from the file)");
    S("recording", "dataset", p->dataset, "HDF5 dataset or NWB series path");
    S("recording", "axes", p->axes, "axis names of a plain HDF5 dataset, e.g. t,y,x");
    IP("recording", "plane", p->plane, 0, 4096, "imaging: z-plane (or colour channel) to use");
    S("layout", "file", p->layout, "table name,row,col (TSV/CSV); x = col, y = row; empty: automatic");
    S("layout", "bad", p->bad, "comma-separated bad channel names (masked sites)");
    IP("layout", "bin", p->bin, 1, 1024, "imaging: b x b pixel binning");
    B("preprocess", "dc", p->dc, "remove each channel's mean");
    B("preprocess", "car", p->car, "common average reference over the grid's good channels");
    D("preprocess", "mains", p->mains, -1, 1000, "notch at mains and harmonics: 50, 60, 0 = off, -1 = detect");
    IP("preprocess", "dff", p->dff, -1, 1, "imaging dF/F: 1 on, 0 off, -1 automatic (on for images)");
    D("preprocess", "dff_window", p->dff_window, 0, 1e6, "dF/F baseline window in seconds");
    D("preprocess", "dff_percentile", p->dff_percentile, 0, 100, "dF/F baseline percentile");
    IP("bands", "count", p->count, 1, 512, "number of log-spaced bands");
    D("bands", "fmin", p->fmin, 0, 1e9, "lowest band edge in Hz");
    D("bands", "fmax", p->fmax, 0, 1e9, "highest band edge in Hz (capped below Nyquist)");
    D("windows", "length", p->length, 0, 1e9, "time window in seconds");
    D("windows", "hop", p->hop, 0, 1e9, "seconds between window starts");
    IP("embed", "K", p->K, 2, 8, "bands per site: links in SU(K)");
    IP("embed", "pad", p->pad, 0, 1024, "vacuum padding (identity links) on each side");
    D("embed", "degenerate_tol", p->degenerate_tol, 0, 1, "relative singular value below which a link is the identity");
    S("embed", "boundary", p->boundary, "boundary of the embedded field: open (default) or periodic");
    S("epochs", "events", p->events, "event label to lock epochs to ('*' any event; empty: no epochs)");
    D("epochs", "pre", p->pre, 0, 1e9, "seconds before each event");
    D("epochs", "post", p->post, 0, 1e9, "seconds after each event");
#undef S
#undef D
#undef IP
#undef B
    return n;
}

static const char *const act_flags[][2] = {
    {"layout", "layout.file"},      {"rate", "recording.rate"},   {"window", "windows.length"},
    {"hop", "windows.hop"},         {"bands-per-site", "embed.K"}, {"bad", "layout.bad"},
    {"pad", "embed.pad"},           {"bands", "bands.count"},     {"fmin", "bands.fmin"},
    {"fmax", "bands.fmax"},         {"mains", "preprocess.mains"}, {"dataset", "recording.dataset"},
    {"axes", "recording.axes"},     {"events", "epochs.events"},   {"pre", "epochs.pre"},
    {"post", "epochs.post"},        {"bin", "layout.bin"},         {"plane", "recording.plane"},
};

const char *act_flag(const char *key)
{
    for (size_t i = 0; i < sizeof act_flags / sizeof act_flags[0]; ++i)
        if (!strcmp(key, act_flags[i][0])) return act_flags[i][1];
    return NULL;
}

const char *act_help =
    "Recording and embedding (card sections [recording] [layout] [preprocess] [bands] [windows]\n"
    "[embed] [epochs]; every key is also --section.key=value):\n"
    "  --layout FILE.tsv      channel grid: columns name, row, col (x = col, y = row); default: the\n"
    "                         channels named PREFIX1..PREFIXn with n a full grid (C1..C64 -> 8x8)\n"
    "  --bad NAMES            comma-separated bad channels (masked: identity links, skipped later)\n"
    "  --rate HZ              sampling rate for inputs without one (NPY, plain HDF5)\n"
    "  --dataset PATH         HDF5 dataset / NWB series (or RECORDING.h5:/PATH); --axes t,y,x names\n"
    "                         a plain HDF5 dataset's axes; --plane Z, --bin B for imaging\n"
    "  --bands N              log-spaced bands (default 8) from --fmin (4 Hz) to --fmax (128 Hz)\n"
    "  --bands-per-site K     SU(K) links from groups of K bands: z extent = bands / K (default 2)\n"
    "  --mains HZ             notch 50 or 60 Hz and harmonics; 0 off; -1 detect (default)\n"
    "  --window S --hop S     time windows (default 0.5 s every 0.25 s): the t direction\n"
    "  --pad W                identity-link padding on each side (default 0)\n"
    "  --events LABEL --pre S --post S\n"
    "                         epochs locked to events ('*': every event): one configuration each\n";

/* Names a flat-file reader cannot know: imaging data bypass the electrode
 * defaults (no mains, no average reference, dF/F on). */
static int is_image(const ym_recording *r)
{
    int sh[3];
    double sp[3];
    return ym_recording_image(r, sh, sp);
}

int act_load(MPI_Comm comm, const act_par *p, act_ctx *c)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    memset(c, 0, sizeof *c);
    if (rank == 0) {
        ym_activity_opts o;
        memset(&o, 0, sizeof o);
        o.rate = p->rate;
        o.dataset = p->dataset[0] ? p->dataset : NULL;
        o.axes = p->axes[0] ? p->axes : NULL;
        o.plane = p->plane;
        st = ym_activity_read(&c->rec, p->path, &o);
        if (!st && p->rate > 0) ym_recording_set_rate(c->rec, p->rate);
        const char *note = st ? "" : ym_activity_note();
        if (note && *note) snprintf(c->note, sizeof c->note, "%s", note);
    }
    st = ym_status_agree(comm, st);
    if (!st) st = ym_recording_bcast(&c->rec, 0, comm);
    if (st) return st;
    st = ym_boundary_parse(p->boundary, c->bcu);
    if (st) return ym_status_agree(comm, st);
    c->complex_input = ym_recording_nbands(c->rec) > 0;
    c->image = is_image(c->rec);

    /* The layout and everything after it are computed on every rank from
     * the same broadcast recording: no further communication is needed and
     * every rank gets the same answer (or the same error). */
    if (c->image) {
        ym_recording *binned = NULL;
        st = ym_layout_image(&c->lay, c->rec, p->bin, p->plane, &binned);
        if (!st) {
            ym_recording_free(c->rec);
            c->rec = binned;
            if (p->dff == 1 || p->dff == -1) st = ym_preproc_dff(c->rec, p->dff_window, p->dff_percentile);
        }
    } else if (p->layout[0])
        st = ym_layout_read_table(&c->lay, c->rec, p->layout);
    else
        st = ym_layout_auto(&c->lay, c->rec);
    if (!st) st = ym_layout_mask_bad(c->lay, c->rec, p->bad[0] ? p->bad : NULL, &c->nmasked);
    /* after the masks: the note names each masked channel and why */
    if (!st) {
        const char *ln = ym_layout_note(c->lay);
        if (ln && *ln) {
            size_t k = strlen(c->note);
            snprintf(c->note + k, sizeof c->note - k, "%s%s", k ? "\n" : "", ln);
        }
    }
    int nxy = st ? 0 : ym_layout_nx(c->lay) * ym_layout_ny(c->lay);
    if (!st) {
        c->chans = malloc((size_t)nxy * sizeof *c->chans);
        if (!c->chans) st = YM_ERROR(YM_ENOMEM, "layout: out of memory");
    }
    /* bad flags as the layout decided them, before compaction renumbers */
    unsigned char *bad = NULL;
    if (!st) {
        bad = calloc((size_t)ym_recording_nchan(c->rec), 1);
        if (!bad) st = YM_ERROR(YM_ENOMEM, "layout: out of memory");
        for (int y = 0; !st && y < ym_layout_ny(c->lay); ++y)
            for (int x = 0; x < ym_layout_nx(c->lay); ++x) {
                int ch = ym_layout_channel(c->lay, x, y);
                if (ch >= 0 && ym_layout_masked(c->lay, x, y)) bad[ch] = 1;
            }
    }
    if (!st) st = ym_layout_compact(c->lay, c->chans, &c->nchan);
    if (!st && c->nchan < 1) st = YM_ERROR(YM_EINVAL, "%s: the layout holds no channel", p->path);
    if (!st && !c->complex_input) {
        st = ym_recording_select(c->rec, c->chans, c->nchan, &c->sel);
        for (int i = 0; !st && i < c->nchan; ++i)
            if (bad[c->chans[i]]) {
                /* masked channels stay out of the average reference and may
                 * hold NaN (a dead channel): their links are the identity */
                ym_recording_set_bad(c->sel, i, 1);
                double *d = ym_recording_data(c->sel, i);
                for (int64_t k = 0; k < ym_recording_nsamples(c->sel); ++k) d[k] = 0;
            }
    } else if (!st)
        st = ym_recording_select(c->rec, c->chans, c->nchan, &c->ana);
    free(bad);

    ym_preproc_opts po;
    ym_preproc_opts_default(&po);
    po.dc = p->dc;
    po.car = c->image ? 0 : p->car;
    po.mains = c->image ? 0 : p->mains;
    po.nbands = p->count;
    po.fmin = p->fmin;
    po.fmax = p->fmax;
    /* imaging movies are short (tens of frames): filter them as MNE does
     * after its warning rather than refuse them */
    po.allow_short = c->image;
    double rate = ym_recording_rate(c->rec);
    if (!st && !c->complex_input) {
        c->nbands = p->count;
        c->edges = malloc((size_t)(c->nbands + 1) * sizeof *c->edges);
        if (!c->edges) st = YM_ERROR(YM_ENOMEM, "bands: out of memory");
        if (!st) st = ym_preproc_create(&c->pp, ym_recording_nsamples(c->sel), rate, &po);
        if (!st) memcpy(c->edges, ym_preproc_edges(c->pp), (size_t)(c->nbands + 1) * sizeof *c->edges);
    } else if (!st)
        c->nbands = ym_recording_nbands(c->rec);

    ym_embed_opts_default(&c->eo);
    c->eo.K = p->K;
    c->eo.pad = p->pad;
    c->eo.degenerate_tol = p->degenerate_tol;
    c->eo.window = (int64_t)llround(p->length * rate);
    c->eo.hop = (int64_t)llround(p->hop * rate);
    if (!st && (c->eo.window < 1 || c->eo.hop < 1))
        st = YM_ERROR(YM_EINVAL, "windows: length %g s and hop %g s must each hold at least one sample at %g Hz",
                      p->length, p->hop, rate);
    if (!st && c->nbands % p->K)
        st = YM_ERROR(YM_EINVAL, "bands: %d bands do not split into groups of K = %d (bands-per-site)", c->nbands,
                      p->K);
    if (!st) c->eo.groups = c->nbands / p->K;
    return ym_status_agree(comm, st);
}

/* Every channel of sel, in order, as the preprocessing's selection. */
static int all_channels(const act_ctx *c, const ym_recording *sel, int *idx, int *n)
{
    if (c->complex_input) return YM_ERROR(YM_EINVAL, "analytic: the input already holds analytic signals");
    *n = ym_recording_nchan(sel);
    if (*n > YM_LMAX) return YM_ERROR(YM_EINVAL, "analytic: %d channels is too many", *n);
    for (int i = 0; i < *n; ++i) idx[i] = i;
    return YM_OK;
}

int act_analytic(act_ctx *c, const ym_recording *sel, ym_recording **ana)
{
    int idx[YM_LMAX], n = 0, st = all_channels(c, sel, idx, &n);
    if (st) return st;
    /* an existing output (the previous surrogate's) is written over */
    st = *ana ? ym_preproc_rerun(c->pp, sel, idx, n, *ana) : ym_preproc_run(c->pp, sel, idx, n, ana);
    if (!st) c->mains = ym_preproc_mains(c->pp);
    return st;
}

int act_prepare(act_ctx *c, const ym_recording *sel, ym_recording **shape)
{
    int idx[YM_LMAX], n = 0, st = all_channels(c, sel, idx, &n);
    if (!st) st = ym_preproc_prepare(c->pp, sel, idx, n);
    if (!st && !*shape) st = ym_preproc_shape(c->pp, sel, idx, n, shape);
    if (!st && !c->cache) {
        /* the embedding walks the layout row by row and asks for each
         * channel's right and upper neighbours: between two uses of a
         * channel fewer than two rows of others are asked for, so 2 nx + 4
         * least-recently-used slots make every channel once (fewer make
         * some twice: 11 slots for the 8 x 8 ECoG grid made 117 of 64).
         * At most 1 GB (an hour-long recording then makes channels again,
         * in far less memory than all its signals would take). */
        int64_t per = (int64_t)ym_recording_nbands(*shape) * ym_recording_nsamples(*shape) * 16;
        int64_t cap = 2 * (int64_t)ym_layout_nx(c->lay) + 4, fit = ((int64_t)1 << 30) / (per > 0 ? per : 1);
        if (cap > n) cap = n;
        if (cap > fit) cap = fit;
        if (cap < 2) cap = 2;
        st = ym_preproc_cache_create(&c->cache, c->pp, (int)cap);
    }
    if (!st) c->mains = ym_preproc_mains(c->pp);
    return st;
}

int act_condition(act_ctx *c, ym_recording *sel)
{
    int idx[YM_LMAX], n = 0, st = all_channels(c, sel, idx, &n);
    /* in place: a second copy of the recording would double the memory of
     * a long one */
    for (int i = 0; !st && i < n; ++i) st = ym_preproc_conditioned(c->pp, i, ym_recording_data(sel, i));
    if (!st) st = ym_preproc_bank_only(c->pp);
    return st;
}

static const double *cache_band(void *ctx, int ch, int b) { return ym_preproc_cache_band(ctx, ch, b); }

/* The links of u from ana's samples, or from the channel cache after
 * act_prepare (then ana gives only the shape). */
static int build(act_ctx *c, ym_gauge *u, const ym_recording *ana, ym_field *degenerate, ym_embed_info *info)
{
    if (!c->cache) return ym_embed_build(u, c->lay, ana, &c->eo, degenerate, info);
    const ym_embed_src src = {cache_band, c->cache};
    return ym_embed_build_src(u, c->lay, ana, &src, &c->eo, degenerate, info);
}

int act_embed_again(act_ctx *c, ym_gauge *u, const ym_recording *ana) { return build(c, u, ana, NULL, NULL); }

int act_embed(MPI_Comm comm, act_ctx *c, const ym_recording *ana, const int pd[4], int depth, ym_grid **grid,
              ym_geom **geom, ym_gauge **u, ym_field **degenerate, ym_embed_info *info)
{
    *grid = NULL;
    *geom = NULL;
    *u = NULL;
    if (degenerate) *degenerate = NULL;
    /* resolved options let ym_embed_site tell data from padding */
    int st = ym_embed_opts_resolve(&c->eo, c->lay, ana);
    if (!st) st = ym_embed_dims(c->lay, ana, &c->eo, c->L, c->bc);
    for (int mu = 0; !st && mu < 4; ++mu) c->bc[mu] = c->bcu[mu];
    c->nwin = st ? 0 : ym_embed_nwindows(ym_recording_nsamples(ana), &c->eo);
    st = ym_status_agree(comm, st);
    if (depth < 1) depth = 1;
    if (!st) st = ym_grid_create(grid, comm, c->L, pd, depth);
    if (!st) st = ym_geom_create(geom, *grid, depth, c->bc);
    if (!st) st = ym_gauge_create(u, *geom, c->eo.K);
    if (!st && degenerate) st = ym_field_create(degenerate, *geom, 4);
    if (!st) st = build(c, *u, ana, degenerate ? *degenerate : NULL, info);
    return st;
}

int act_mask(const act_ctx *c, const ym_gauge *u, ym_field **mask)
{
    const ym_geom *g = ym_gauge_geom(u);
    int st = ym_field_create(mask, g, 1);
    if (st) return st;
    const int *in = ym_geom_interior(g);
    for (int i = 0; i < ym_geom_ninterior(g); ++i) {
        int xg[4], ch, masked, w, grp;
        ym_geom_global_coords(g, in[i], xg);
        ym_embed_site(c->lay, &c->eo, xg, &ch, &masked, &w, &grp);
        ym_field_site(*mask, in[i])[0] = masked ? 1 : 0;
    }
    return ym_field_halo_update(*mask);
}

void act_free(act_ctx *c)
{
    ym_recording_free(c->rec);
    ym_recording_free(c->sel);
    ym_recording_free(c->ana);
    ym_layout_free(c->lay);
    ym_preproc_cache_free(c->cache);
    ym_preproc_free(c->pp);
    free(c->chans);
    free(c->edges);
    memset(c, 0, sizeof *c);
}

void act_metadata(cli_buf *b, const ym_param *t, int n, const act_ctx *c)
{
    cli_buf_card(b, t, n, "");
    cli_buf_printf(b, "[lattice]\ndims = %dx%dx%dx%d\n", c->L[0], c->L[1], c->L[2], c->L[3]);
    cli_buf_printf(b, "boundary = %s,%s,%s,%s\n", c->bc[0] ? "open" : "periodic", c->bc[1] ? "open" : "periodic",
                   c->bc[2] ? "open" : "periodic", c->bc[3] ? "open" : "periodic");
}

void act_site_table(cli_buf *b, const act_ctx *c)
{
    const ym_recording *r = c->sel ? c->sel : c->ana;
    cli_buf_printf(b, "x\ty\tchannel\tname\tpos_x\tpos_y\tpos_z\tmasked\n");
    for (int y = 0; y < ym_layout_ny(c->lay); ++y)
        for (int x = 0; x < ym_layout_nx(c->lay); ++x) {
            int ch = ym_layout_channel(c->lay, x, y);
            double pos[3];
            int hp = ch >= 0 && ym_recording_position(r, ch, pos);
            cli_buf_printf(b, "%d\t%d\t%d\t%s", x, y, ch, ch >= 0 ? ym_recording_channel_name(r, ch) : "n/a");
            if (hp) cli_buf_printf(b, "\t%.17g\t%.17g\t%.17g", pos[0], pos[1], pos[2]);
            else cli_buf_printf(b, "\tn/a\tn/a\tn/a");
            cli_buf_printf(b, "\t%d\n", ym_layout_masked(c->lay, x, y));
        }
}
