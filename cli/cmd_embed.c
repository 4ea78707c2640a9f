/* ymflow embed: a recording becomes an SU(K) configuration (ILDG with the
 * effective parameters and the boundary conditions inside) plus an HDF5
 * companion with the site table, band edges, window times, band power and
 * the degenerate-link mask. */
#include "activity.h"
#include "cli.h"
#include "cli_h5.h"
#include "cli_input.h"
#include "cli_out.h"
#include "ym_activity.h"
#include "ym_curv.h"
#include "ym_ildg.h"
#include "ym_status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *usage =
    "usage: ymflow embed RECORDING [CARD] -o OUT.ildg [options]\n"
    "Read a recording (EDF/EDF+/BDF, NWB, HDF5 dataset, NPY), place its channels on a grid, filter it\n"
    "into frequency bands (FFTW; MNE's defaults), and build the Procrustes SU(K) connection: x, y =\n"
    "the electrode grid, z = groups of K bands, t = time windows. Writes OUT (ILDG, 64-bit, with the\n"
    "effective parameters, the site table and the boundary conditions in its metadata) and\n"
    "OUT-without-.ildg_sites.h5 (site table, band edges, window times, band power, degenerate links).\n"
    "A complex NPY (channels x bands x samples) is taken as analytic signals and embedded as is.\n"
    "  -o, --out OUT.ildg     output configuration (default: <recording stem>_embedded.ildg);\n"
    "                         with --events, the prefix of one file per epoch plus a manifest TSV\n"
    "  --grid AxBxCxD         MPI process grid (default automatic)\n"
    "  --force                replace existing outputs\n";

/* "x.h5:/data" names a file and a dataset; detection looks at the file. */
static void spec_file(const char *spec, char *file, size_t n)
{
    snprintf(file, n, "%s", spec);
    char *c = strstr(file, ":/");
    if (c) *c = 0;
}

int act_positional_is_recording(const char *spec, int *is_recording)
{
    char file[ACT_STR];
    int kind = YM_ACT_UNKNOWN;
    *is_recording = 0;
    spec_file(spec, file, sizeof file);
    /* a file that cannot be read is reported as such, not taken for a run card */
    if (access(file, R_OK) != 0) return YM_ERROR(YM_EIO, "%s: cannot open: %s", file, strerror(errno));
    struct stat sb;
    if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode)) return YM_OK; /* the card reader names what it is */
    if (ym_activity_detect(file, &kind)) {
        ym_error_clear();
        kind = YM_ACT_UNKNOWN;
    }
    *is_recording = kind != YM_ACT_UNKNOWN;
    /* Neither reading may be guessed: an empty file or a recording of an
     * unknown format taken for a card would run the built-in default, or
     * fail as a card ("line longer than ...") */
    if (!*is_recording && !cli_card_like(file))
        return YM_ERROR(YM_EINVAL,
                        "%s: neither a recording (EDF/BDF, NWB or other HDF5, NumPy .npy) nor a run card (INI text: "
                        "[section], key = value)%s",
                        file, sb.st_size == 0 ? "; the file is empty" : "");
    return YM_OK;
}

static void stem_of(const char *spec, char *stem, size_t n)
{
    char file[ACT_STR];
    spec_file(spec, file, sizeof file);
    const char *b = strrchr(file, '/');
    b = b ? b + 1 : file;
    snprintf(stem, n, "%s", b);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = 0;
}

static void strip_ildg(const char *out, char *pre, size_t n)
{
    snprintf(pre, n, "%s", out);
    size_t k = strlen(pre);
    if (k > 5 && !strcmp(pre + k - 5, ".ildg")) pre[k - 5] = 0;
}

/* The HDF5 companion: what a reader of the configuration needs to map the
 * lattice back to electrodes, bands and seconds. */
static int write_companion(MPI_Comm comm, const char *path, int force, act_ctx *c, const ym_recording *ana,
                           ym_field *deg, const char *meta, double t_first)
{
    int rank, st = YM_OK;
    MPI_Comm_rank(comm, &rank);
    int64_t vol = (int64_t)c->L[0] * c->L[1] * c->L[2] * c->L[3];
    double *dg = rank == 0 ? malloc((size_t)vol * 4 * sizeof *dg) : NULL;
    double *tmp = rank == 0 ? malloc((size_t)vol * sizeof *tmp) : NULL;
    if (rank == 0 && (!dg || !tmp)) st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
    st = ym_status_agree(comm, st);
    for (int mu = 0; !st && mu < 4; ++mu) {
        st = ym_field_gather(deg, (size_t)mu, 0, tmp);
        if (!st && rank == 0)
            for (int64_t i = 0; i < vol; ++i) dg[i * 4 + mu] = tmp[i];
    }
    if (!st && rank == 0) {
        cli_h5 *h = NULL;
        int nx = ym_layout_nx(c->lay), ny = ym_layout_ny(c->lay), nch = ym_recording_nchan(ana);
        int nb = ym_recording_nbands(ana);
        int64_t ns = ym_recording_nsamples(ana);
        double rate = ym_recording_rate(ana);
        int *chan = malloc((size_t)nx * ny * sizeof *chan), *mask = malloc((size_t)nx * ny * sizeof *mask);
        double *pos = malloc((size_t)nch * 3 * sizeof *pos), *power = malloc((size_t)nch * nb * sizeof *power);
        double *wt = malloc((size_t)(c->nwin > 0 ? c->nwin : 1) * sizeof *wt);
        const char **names = malloc((size_t)nch * sizeof *names);
        if (!chan || !mask || !pos || !power || !wt || !names) st = YM_ERROR(YM_ENOMEM, "%s: out of memory", path);
        for (int y = 0; !st && y < ny; ++y)
            for (int x = 0; x < nx; ++x) {
                chan[y * nx + x] = ym_layout_channel(c->lay, x, y);
                mask[y * nx + x] = ym_layout_masked(c->lay, x, y);
            }
        for (int ch = 0; !st && ch < nch; ++ch) {
            names[ch] = ym_recording_channel_name(ana, ch);
            if (!ym_recording_position(ana, ch, pos + 3 * ch)) pos[3 * ch] = pos[3 * ch + 1] = pos[3 * ch + 2] = NAN;
            for (int b = 0; b < nb; ++b) {
                const double *z = ym_recording_cdata_ro(ana, ch, b);
                double s = 0;
                for (int64_t k = 0; k < ns; ++k) s += z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1];
                power[ch * nb + b] = s / (double)ns;
            }
        }
        for (int w = 0; !st && w < c->nwin; ++w) wt[w] = t_first + (double)(w * c->eo.hop) / rate;
        if (!st) st = cli_h5_open(&h, path, force);
        if (!st) {
            uint64_t d2[2] = {(uint64_t)ny, (uint64_t)nx}, dc = (uint64_t)nch, dp[2] = {(uint64_t)nch, 3};
            uint64_t db[2] = {(uint64_t)nch, (uint64_t)nb}, de = (uint64_t)(c->nbands + 1), dw = (uint64_t)c->nwin;
            uint64_t dd[5] = {(uint64_t)c->L[3], (uint64_t)c->L[2], (uint64_t)c->L[1], (uint64_t)c->L[0], 4};
            cli_h5_ints(h, "site_channel", 2, d2, chan);
            cli_h5_ints(h, "site_masked", 2, d2, mask);
            cli_h5_strings(h, "channel_names", nch, names);
            cli_h5_doubles(h, "channel_positions", 2, dp, pos);
            (void)dc;
            cli_h5_doubles(h, "band_power", 2, db, power);
            if (c->edges) cli_h5_doubles(h, "band_edges_hz", 1, &de, c->edges);
            if (c->nwin > 0) cli_h5_doubles(h, "window_start_s", 1, &dw, wt);
            cli_h5_doubles(h, "degenerate_links", 5, dd, dg);
            cli_h5_attr_ints(h, "dims", 4, c->L);
            cli_h5_attr_ints(h, "boundary_open", 4, c->bc);
            cli_h5_attr_double(h, "rate_hz", rate);
            cli_h5_attr_double(h, "window_s", (double)c->eo.window / rate);
            cli_h5_attr_double(h, "hop_s", (double)c->eo.hop / rate);
            cli_h5_attr_ints(h, "K", 1, &c->eo.K);
            cli_h5_attr_text(h, "parameters", meta);
            st = cli_h5_close(h, 1);
        }
        free(chan);
        free(mask);
        free(pos);
        free(power);
        free(wt);
        free(names);
    }
    free(dg);
    free(tmp);
    return ym_status_agree(comm, st);
}

/* Embed one analytic recording and write configuration + companion. */
static int embed_one(MPI_Comm comm, act_ctx *c, const ym_recording *ana, const int pd[4], const char *out,
                     int force, const ym_param *tab, int ntab, double t_first, int print)
{
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_field *deg = NULL;
    ym_embed_info info;
    memset(&info, 0, sizeof info);
    int st = act_embed(comm, c, ana, pd, 1, &grid, &geom, &u, &deg, &info);
    cli_buf meta = {0};
    char pre[ACT_STR + 16], h5[ACT_STR + 32];
    strip_ildg(out, pre, sizeof pre);
    snprintf(h5, sizeof h5, "%s_sites.h5", pre);
    if (!st) {
        act_metadata(&meta, tab, ntab, c);
        cli_buf_printf(&meta, "[sites]\n");
        cli_buf st_tab = {0};
        act_site_table(&st_tab, c);
        /* the site table travels inside the configuration, one comment line per row */
        for (char *p = st_tab.s, *e; p && *p; p = *e ? e + 1 : e) {
            e = p + strcspn(p, "\n");
            cli_buf_printf(&meta, "# %.*s\n", (int)(e - p), p);
        }
        cli_buf_free(&st_tab);
        if (meta.oom) st = YM_ERROR(YM_ENOMEM, "metadata: out of memory");
    }
    if (!st) st = ym_ildg_write_ex(u, out, 64, force, meta.s, NULL);
    if (!st) st = write_companion(comm, h5, force, c, ana, deg, meta.s, t_first);
    ym_plaquette pl;
    if (!st) st = ym_gauge_plaquette(u, &pl);
    if (!st && print) {
        cli_print("file: %s\n", out);
        cli_print("sites_h5: %s\n", h5);
        cli_print("dims: %dx%dx%dx%d\n", c->L[0], c->L[1], c->L[2], c->L[3]);
        cli_print("N: %d\n", c->eo.K);
        cli_print("boundary: %s,%s,%s,%s\n", c->bc[0] ? "open" : "periodic", c->bc[1] ? "open" : "periodic",
                  c->bc[2] ? "open" : "periodic", c->bc[3] ? "open" : "periodic");
        cli_print("plaquette: %.15g\n", pl.total);
        cli_print("links_from_data: %lld\n", (long long)info.links);
        cli_print("degenerate_links: %lld\n", (long long)info.degenerate);
        cli_print("identity_links: %lld\n", (long long)info.identity);
    }
    cli_buf_free(&meta);
    ym_field_free(deg);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return st;
}

int cmd_embed(int argc, char **argv)
{
    MPI_Comm comm = MPI_COMM_WORLD;
    int rank, st = YM_OK, force = 0, pd[4] = {0, 0, 0, 0};
    MPI_Comm_rank(comm, &rank);
    act_par p;
    act_defaults(&p);
    ym_param tab[ACT_NPAR];
    int ntab = act_table(&p, tab);
    const char *rec = NULL, *card = NULL, *out = NULL;
    char *ovr[256];
    char ovbuf[256][ACT_STR + 64];
    int novr = 0;
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (!st && cli_next(&a)) {
        if (!a.key) {
            int is_rec;
            if ((st = act_positional_is_recording(a.value, &is_rec))) break;
            if (!rec && is_rec) rec = a.value;
            else if (!card) card = a.value;
            else st = YM_ERROR(YM_EINVAL, "too many arguments: '%s' (a recording and a run card at most)", a.value);
        } else if (!strcmp(a.key, "h") || !strcmp(a.key, "help")) {
            cli_print("%s%s", usage, act_help);
            return CLI_OK;
        } else if (!strcmp(a.key, "o") || !strcmp(a.key, "out")) out = cli_value(&a);
        else if (!strcmp(a.key, "force")) force = 1;
        else if (!strcmp(a.key, "grid")) st = cli_value(&a) ? ym_parse_dims(a.value, "grid", pd) : YM_EINVAL;
        else if (strchr(a.key, '.') || act_flag(a.key)) {
            const char *k = strchr(a.key, '.') ? a.key : act_flag(a.key);
            const char *v = cli_value(&a);
            if (!v) st = YM_EINVAL;
            else if (novr == 256) st = YM_ERROR(YM_EINVAL, "too many options");
            else {
                snprintf(ovbuf[novr], sizeof ovbuf[novr], "%s=%s", k, v);
                ovr[novr] = ovbuf[novr];
                ++novr;
            }
        } else
            st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow embed --help)", argv[a.i]);
    }
    if (!st && card) st = ym_card_parse(comm, card, tab, ntab);
    for (int i = 0; !st && i < novr; ++i) st = ym_card_override(tab, ntab, ovr[i]);
    if (!st && rec) snprintf(p.path, sizeof p.path, "%s", rec);
    if (!st && !p.path[0]) {
        cli_error("embed", "no recording given");
        cli_print("%s", usage);
        return CLI_USAGE;
    }
    if (st) return cli_fail("embed", st);
    char stem[ACT_STR], outbuf[ACT_STR + 32];
    stem_of(p.path, stem, sizeof stem);
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "%s_embedded.ildg", stem);
        out = outbuf;
    }
    int tty = rank == 0 && isatty(2);
    double t0 = MPI_Wtime();
    act_ctx c;
    if (tty) fprintf(stderr, "embed: reading %s\n", p.path);
    st = act_load(comm, &p, &c);
    if (!st && rank == 0 && c.note[0]) {
        for (char *q = c.note, *e; *q; q = *e ? e + 1 : e) {
            e = q + strcspn(q, "\n");
            if (e > q) fprintf(stderr, "ymflow embed: note: %.*s\n", (int)(e - q), q);
        }
    }
    ym_recording *ana = NULL;
    if (!st && !c.complex_input) {
        if (tty) fprintf(stderr, "embed: filtering %d channels into %d bands\n", c.nchan, c.nbands);
        st = act_analytic(&c, c.sel, &ana);
        st = ym_status_agree(comm, st);
    } else if (!st) {
        ana = c.ana;
        c.ana = NULL;
    }
    if (!st && !p.events[0]) {
        if (tty) fprintf(stderr, "embed: building links\n");
        st = embed_one(comm, &c, ana, pd, out, force, tab, ntab, ym_recording_start(ana), 1);
    } else if (!st) {
        /* epochs: one configuration per event, cut from the filtered
         * signal so that no epoch sees the filters' edge transients */
        int maxep = ym_recording_nevents(ana) + 1, nep = 0, skipped = 0;
        int64_t *first = malloc((size_t)maxep * sizeof *first);
        int *evi = malloc((size_t)maxep * sizeof *evi);
        if (!first || !evi) st = YM_ERROR(YM_ENOMEM, "epochs: out of memory");
        if (!st)
            st = ym_embed_epochs(ana, strcmp(p.events, "*") ? p.events : NULL, p.pre, p.post, first, evi, maxep, &nep,
                                 &skipped);
        if (!st && nep == 0) st = YM_ERROR(YM_EINVAL, "epochs: no event labelled '%s' lies inside %s", p.events, p.path);
        st = ym_status_agree(comm, st);
        char pre[ACT_STR + 16];
        strip_ildg(out, pre, sizeof pre);
        cli_buf man = {0};
        cli_buf_printf(&man, "file\tonset\tevent\n");
        double rate = st ? 1 : ym_recording_rate(ana);
        int64_t len = (int64_t)llround((p.pre + p.post) * rate);
        for (int e = 0; !st && e < nep; ++e) {
            ym_recording *ep = NULL;
            char path[ACT_STR + 64];
            snprintf(path, sizeof path, "%s_epoch-%03d.ildg", pre, e + 1);
            st = ym_recording_slice(ana, first[e], len, &ep);
            if (!st) st = embed_one(comm, &c, ep, pd, path, force, tab, ntab, ym_recording_start(ep), e == 0);
            const ym_rec_event *ev = ym_recording_event(ana, evi[e]);
            cli_buf_printf(&man, "%s\t%.17g\t%s\n", path, ev ? ev->onset : NAN, ev ? ev->label : "n/a");
            ym_recording_free(ep);
            if (tty) fprintf(stderr, "\rembed: epoch %d/%d", e + 1, nep);
        }
        if (tty) fprintf(stderr, "\n");
        char mpath[ACT_STR + 32];
        snprintf(mpath, sizeof mpath, "%s_epochs.tsv", pre);
        if (!st) st = cli_write_text(comm, mpath, force, &man);
        if (!st) {
            cli_print("epochs: %d\n", nep);
            cli_print("epochs_skipped: %d\n", skipped);
            cli_print("manifest: %s\n", mpath);
        }
        cli_buf_free(&man);
        free(first);
        free(evi);
    }
    if (!st) {
        cli_print("channels: %d\n", c.nchan);
        cli_print("masked_sites: %d\n", c.nmasked);
        if (c.edges) cli_print("bands: %d (%.6g .. %.6g Hz)\n", c.nbands, c.edges[0], c.edges[c.nbands]);
        if (!c.complex_input) cli_print("mains_hz: %g\n", c.mains);
        cli_print("recording_seconds: %.6g\n", (double)ym_recording_nsamples(ana) / ym_recording_rate(ana));
        cli_print("seconds: %.3f\n", MPI_Wtime() - t0);
    }
    ym_recording_free(ana);
    act_free(&c);
    return cli_fail("embed", st);
}
