/* ymflow generate: quenched SU(N) Monte Carlo (heatbath + overrelaxation,
 * solvers/ym_heatbath.h), a CSV row per sweep, ILDG configurations,
 * checkpoints and exact resume. */
#include "cli.h"
#include "cli_out.h"
#include "ym_card.h"
#include "ym_curv.h"
#include "ym_format.h"
#include "ym_heatbath.h"
#include "ym_ildg.h"
#include "ym_sitestate.h"
#include "ym_status.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STR YM_CARD_STRMAX

static const char *usage =
    "usage: ymflow generate [CARD] [options]\n"
    "Quenched SU(N) Monte Carlo with the Wilson plaquette action\n"
    "S = beta sum_p (1 - (1/N) Re tr U_p): one sweep is one Cabibbo-Marinari heatbath\n"
    "sweep (Kennedy-Pendleton / Creutz) followed by R overrelaxation sweeps, links\n"
    "updated by direction and parity, one RANLUX stream per global site (the chain\n"
    "is the same on any number of ranks and process grid). CARD is a run card\n"
    "(INI); every key is also an option --section.key=value and has a flag\n"
    "(card key in brackets):\n"
    "  --N n                SU(n), 2..8 (default 3) [gauge.n]\n"
    "  --beta B             coupling, > 0 (default 6) [gauge.beta]\n"
    "  --dims AxBxCxD       lattice, even extents (default 8 = 8^4) [lattice.dims]\n"
    "  --grid AxBxCxD|auto  MPI process grid (default auto) [lattice.grid]\n"
    "  --start S            hot | cold | file:PATH (default hot) [chain.start]\n"
    "  --therm N            thermalisation sweeps (default 100) [chain.therm]\n"
    "  --every K            sweeps between configurations (default 10) [chain.every]\n"
    "  --count M            configurations to write (default 10) [chain.count]\n"
    "  --or R               overrelaxation sweeps per heatbath sweep (default 4)\n"
    "                       [chain.or]\n"
    "  --seed S             seed of the site streams, 0..2147483646 (default 1)\n"
    "                       [chain.seed]\n"
    "  --max-trials T       a0 proposals before a subgroup keeps its link\n"
    "                       (default 100) [chain.max_trials]\n"
    "  --out PREFIX         outputs PREFIX.csv, PREFIX.NNNN.ildg (default gen)\n"
    "                       [output.prefix]\n"
    "  --checkpoint-every C also checkpoint every C sweeps (default 0: only with\n"
    "                       each configuration) [checkpoint.every]\n"
    "  --resume             continue a killed chain from PREFIX.ckpt (same chain\n"
    "                       parameters; the grid and the checkpoint interval may\n"
    "                       differ): the configurations are byte-identical to an\n"
    "                       uninterrupted run, and so is the CSV on the same grid\n"
    "  --force              replace existing outputs\n"
    "Writes PREFIX.csv (columns sweep plaquette plaquette_spatial plaquette_temporal\n"
    "polyakov_re polyakov_im rejected proposal_rejection_rate; a row for the start,\n"
    "sweep 0, and one per sweep, thermalisation included; rejected counts the\n"
    "subgroup updates that kept their link after max_trials rejected proposals),\n"
    "configuration i (1..M) after sweep therm + i*every as PREFIX.NNNN.ildg (64-bit,\n"
    "with the parameters, sweep and generator in a ymflow-parameters record), and\n"
    "the checkpoint PREFIX.ckpt with PREFIX.ckpt.card, PREFIX.ckpt.<sweep>.ildg and\n"
    "PREFIX.ckpt.<sweep>.rng. Prints a progress line on a terminal.\n";

typedef struct {
    int N, L[4], therm, every, count, nor, seed, max_trials, ckevery;
    double beta;
    char grid[STR], start[STR], prefix[STR];
} gen_par;

enum { NPAR = 13 };
static const char *flags[NPAR] = {"N",  "beta", "dims", "grid",       "start", "therm",           "every",
                                  "count", "or", "seed", "max-trials", "out",  "checkpoint-every"};

static int make_table(gen_par *p, ym_param *t)
{
    memset(p, 0, sizeof *p);
    p->N = 3;
    p->beta = 6;
    for (int i = 0; i < 4; ++i) p->L[i] = 8;
    strcpy(p->grid, "auto");
    strcpy(p->start, "hot");
    p->therm = 100;
    p->every = 10;
    p->count = 10;
    p->nor = 4;
    p->seed = 1;
    p->max_trials = 100;
    strcpy(p->prefix, "gen");
    ym_param tab[NPAR] = {
        {"gauge", "n", YM_PARAM_INT, &p->N, .min = 2, .max = YM_NMAX, .help = "SU(N)"},
        {"gauge", "beta", YM_PARAM_DOUBLE, &p->beta, .min = 1e-12, .max = 1e12, .help = "Wilson coupling"},
        {"lattice", "dims", YM_PARAM_DIMS, p->L, .min = 1, .max = 1 << 20, .help = "lattice extents"},
        {"lattice", "grid", YM_PARAM_STRING, p->grid, .help = "process grid or auto"},
        {"chain", "start", YM_PARAM_STRING, p->start, .help = "hot|cold|file:PATH"},
        {"chain", "therm", YM_PARAM_INT, &p->therm, .min = 0, .max = 1 << 30, .help = "thermalisation sweeps"},
        {"chain", "every", YM_PARAM_INT, &p->every, .min = 1, .max = 1 << 30, .help = "sweeps between configurations"},
        {"chain", "count", YM_PARAM_INT, &p->count, .min = 0, .max = 1 << 30, .help = "configurations"},
        {"chain", "or", YM_PARAM_INT, &p->nor, .min = 0, .max = 1000, .help = "overrelaxation sweeps per heatbath sweep"},
        {"chain", "seed", YM_PARAM_INT, &p->seed, .min = 0, .max = 2147483646, .help = "seed of the site streams"},
        {"chain", "max_trials", YM_PARAM_INT, &p->max_trials, .min = 1, .max = 1 << 30,
         .help = "a0 proposals before a subgroup keeps its link"},
        {"output", "prefix", YM_PARAM_STRING, p->prefix, .help = "output prefix"},
        {"checkpoint", "every", YM_PARAM_INT, &p->ckevery, .min = 0, .max = 1 << 30, .help = "sweeps between checkpoints"},
    };
    memcpy(t, tab, sizeof tab);
    return NPAR;
}

/* The entries that define the chain (not the grid, the prefix or the
 * checkpoint interval): recorded in the CSV and the configurations, and
 * compared on resume, so that outputs do not depend on the process grid. */
static const int chain_keys[] = {0, 1, 2, 4, 5, 6, 7, 8, 9, 10};
enum { NCHAIN = (int)(sizeof chain_keys / sizeof chain_keys[0]) };
static void chain_table(const ym_param *tab, ym_param *c)
{
    for (int i = 0; i < NCHAIN; ++i) c[i] = tab[chain_keys[i]];
}

/* The checkpoint's card must give the same parameters. Collective. */
static int check_params(MPI_Comm comm, const char *path, const ym_param *tab)
{
    static gen_par old;
    ym_param ot[NPAR];
    make_table(&old, ot);
    int st = ym_card_parse(comm, path, ot, NPAR);
    if (st) return st;
    for (int k = 0; k < NCHAIN; ++k) {
        int i = chain_keys[k];
        if (!cli_param_same(&tab[i], &ot[i]))
            return YM_ERROR(YM_EINVAL, "resume: %s.%s differs from the checkpoint %s", tab[i].section, tab[i].key, path);
    }
    return YM_OK;
}

typedef struct {
    long sweep;
    long long csv_bytes;
    char field[STR], rng[STR];
} ckpt_state;

/* Rank 0 reads PREFIX.ckpt; broadcast. Collective. */
static int ckpt_read(MPI_Comm comm, const char *path, ckpt_state *c)
{
    int rank, st = YM_OK, ver = 0;
    MPI_Comm_rank(comm, &rank);
    memset(c, 0, sizeof *c);
    if (rank == 0) {
        FILE *f = fopen(path, "r");
        if (!f) st = YM_ERROR(YM_EIO, "resume: %s: cannot open: %s", path, strerror(errno));
        else if (fscanf(f, "ymflow-generate-checkpoint %d sweep %ld csv_bytes %lld field %4095s rng %4095s", &ver,
                        &c->sweep, &c->csv_bytes, c->field, c->rng) != 5 ||
                 ver != 1 || c->sweep < 0 || c->csv_bytes < 0)
            st = YM_ERROR(YM_EFORMAT, "resume: %s: malformed checkpoint", path);
        if (f) fclose(f);
    }
    st = ym_status_agree(comm, st);
    if (!st) MPI_Bcast(c, (int)sizeof *c, MPI_BYTE, 0, comm);
    return st;
}

typedef struct {
    MPI_Comm comm;
    int rank;
    char csv[STR + 16], part[STR + 32], ckpt[STR + 16];
    FILE *f; /* rank 0: the CSV being written (PREFIX.csv.part) */
} outputs;

/* Rank 0: flush the CSV to disk and report its length. Collective. */
static int csv_sync(outputs *o, long long *bytes)
{
    int st = YM_OK;
    long long n = 0;
    if (o->rank == 0) {
        if (fflush(o->f) || fsync(fileno(o->f))) st = YM_ERROR(YM_EIO, "%s: write failed: %s", o->part, strerror(errno));
        else n = (long long)ftell(o->f);
    }
    st = ym_status_agree(o->comm, st);
    MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, o->comm);
    *bytes = n;
    return st;
}

/* Field, streams, card, then the state file naming them (the commit point);
 * the previous checkpoint's files are removed afterwards. Collective. */
static int ckpt_write(outputs *o, ym_gauge *u, ym_heatbath *h, const ym_param *tab, long sweep, long *last)
{
    char field[STR + 64], rng[STR + 64], path[STR + 64], id[256];
    snprintf(field, sizeof field, "%s.%ld.ildg", o->ckpt, sweep);
    snprintf(rng, sizeof rng, "%s.%ld.rng", o->ckpt, sweep);
    long long bytes = 0;
    int st = csv_sync(o, &bytes);
    if (!st) st = ym_ildg_write(u, field, 64, 1);
    size_t sb;
    unsigned char *s = ym_heatbath_streams(h, &sb);
    ym_heatbath_stream_id(h, id, sizeof id);
    if (!st) st = ym_sitestate_write(ym_gauge_geom(u), rng, 1, id, s, sb);
    cli_buf b = {0};
    cli_buf_card(&b, tab, NPAR, "");
    snprintf(path, sizeof path, "%s.card", o->ckpt);
    if (!st) st = b.oom ? YM_ERROR(YM_ENOMEM, "checkpoint: out of memory") : cli_write_text(o->comm, path, 1, &b);
    b.n = 0;
    cli_buf_printf(&b, "ymflow-generate-checkpoint 1\nsweep %ld\ncsv_bytes %lld\nfield %s\nrng %s\n", sweep, bytes, field,
                   rng);
    if (!st) st = b.oom ? YM_ERROR(YM_ENOMEM, "checkpoint: out of memory") : cli_write_text(o->comm, o->ckpt, 1, &b);
    free(b.s);
    if (!st && *last >= 0 && *last != sweep && o->rank == 0) {
        snprintf(field, sizeof field, "%s.%ld.ildg", o->ckpt, *last);
        snprintf(rng, sizeof rng, "%s.%ld.rng", o->ckpt, *last);
        remove(field);
        remove(rng);
    }
    if (!st) *last = sweep;
    return st;
}

static void progress(int on, long s, long total, long therm, int conf, int count, double plaq, int final)
{
    if (!on) return;
    fprintf(stderr, "\rgenerate: sweep %ld / %ld (%s) config %d / %d plaquette %-10.6f", s, total,
            s <= therm ? "therm" : "chain", conf, count, plaq);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* One CSV row: measurements after a sweep (rejected counts kept links). Collective. */
static int row(outputs *o, ym_gauge *u, long s, const ym_heatbath_counts *c, double *plaq)
{
    ym_plaquette p;
    ym_cplx pl = 0;
    int st = ym_gauge_plaquette(u, &p);
    if (!st) st = ym_gauge_polyakov(u, &pl);
    if (st) return st;
    *plaq = p.total;
    double rate = c->proposals ? (double)(c->proposals - (c->updates - c->kept)) / (double)c->proposals : 0;
    if (o->rank == 0)
        fprintf(o->f, "%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%lld,%.17g\n", s, p.total, p.spatial, p.temporal, creal(pl),
                cimag(pl), (long long)c->kept, rate);
    return YM_OK;
}

int cmd_generate(int argc, char **argv)
{
    MPI_Comm comm = MPI_COMM_WORLD;
    int rank;
    MPI_Comm_rank(comm, &rank);
    static gen_par p;
    ym_param tab[NPAR];
    make_table(&p, tab);
    int st = YM_OK, force = 0, resume = 0;
    long stop_after = -1;
    const char *card = NULL;
    char **ovr = calloc((size_t)argc + 1, sizeof *ovr), **own = calloc((size_t)argc + 1, sizeof *own);
    int novr = 0;
    if (!ovr || !own) return cli_fail("generate", YM_ERROR(YM_ENOMEM, "out of memory"));
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (!st && cli_next(&a)) {
        const char *k = a.key;
        if (!k) {
            if (!card) card = a.value;
            else st = YM_ERROR(YM_EINVAL, "unexpected argument '%s'", a.value);
        } else if (!strcmp(k, "h") || !strcmp(k, "help")) {
            cli_print("%s", usage);
            free(ovr);
            free(own);
            return CLI_OK;
        } else if (!strcmp(k, "force")) force = 1;
        else if (!strcmp(k, "resume")) resume = 1;
        else if (!strcmp(k, "stop-after-sweeps")) { /* hidden, for tests: simulate a killed run */
            int v = 0;
            st = cli_value(&a) ? cli_int(a.value, "stop-after-sweeps", 1, 1 << 30, &v) : YM_EINVAL;
            stop_after = v;
        } else if (strchr(k, '.')) {
            if (!a.eq) st = YM_ERROR(YM_EINVAL, "--%s: use --section.key=value", k);
            else ovr[novr++] = argv[a.i];
        } else {
            int idx = -1;
            for (int i = 0; i < NPAR; ++i)
                if (!strcmp(flags[i], k)) idx = i;
            if (idx < 0) st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow generate --help)", argv[a.i]);
            else if (!cli_value(&a)) st = YM_ERROR(YM_EINVAL, "--%s: missing value", k);
            else {
                size_t len = strlen(tab[idx].section) + strlen(tab[idx].key) + strlen(a.value) + 4;
                char *o = malloc(len);
                if (!o) st = YM_ERROR(YM_ENOMEM, "out of memory");
                else {
                    snprintf(o, len, "%s.%s=%s", tab[idx].section, tab[idx].key, a.value);
                    own[novr] = o;
                    ovr[novr++] = o;
                }
            }
        }
    }
    if (!st && card) st = ym_card_parse(comm, card, tab, NPAR);
    for (int i = 0; !st && i < novr; ++i) st = ym_card_override(tab, NPAR, ovr[i]);
    for (int i = 0; i < novr; ++i) free(own[i]);
    free(ovr);
    free(own);

    /* ---- validate before any work ---- */
    enum { S_HOT, S_COLD, S_FILE } start = S_HOT;
    int pd[4] = {0, 0, 0, 0};
    outputs o = {.comm = comm, .rank = rank};
    if (!st) {
        if (!strcmp(p.start, "hot")) start = S_HOT;
        else if (!strcmp(p.start, "cold")) start = S_COLD;
        else if (!strncmp(p.start, "file:", 5) && p.start[5]) start = S_FILE;
        else st = YM_ERROR(YM_EINVAL, "start: '%s' is not hot, cold or file:PATH", p.start);
    }
    if (!st && strcmp(p.grid, "auto") != 0) st = ym_parse_dims(p.grid, "grid", pd);
    if (!st && !*p.prefix) st = YM_ERROR(YM_EINVAL, "out: a prefix is required");
    if (!st && (long long)p.therm + (long long)p.count * p.every > 2000000000LL)
        st = YM_ERROR(YM_EINVAL, "therm + count * every: more than 2e9 sweeps");
    if (!st) {
        snprintf(o.csv, sizeof o.csv, "%s.csv", p.prefix);
        snprintf(o.part, sizeof o.part, "%s.csv.part", p.prefix);
        snprintf(o.ckpt, sizeof o.ckpt, "%s.ckpt", p.prefix);
        char c1[STR + 32];
        snprintf(c1, sizeof c1, "%s.%04d.ildg", p.prefix, 1);
        if (resume && !cli_path_exists(o.ckpt))
            st = YM_ERROR(YM_EIO, "resume: no checkpoint %s", o.ckpt);
        else if (!resume && !force) {
            if (cli_path_exists(o.csv)) st = YM_ERROR(YM_EIO, "out: %s exists (use --force to replace it)", o.csv);
            else if (cli_path_exists(o.ckpt)) st = YM_ERROR(YM_EIO, "out: %s exists (use --resume or --force)", o.ckpt);
            else if (cli_path_exists(c1)) st = YM_ERROR(YM_EIO, "out: %s exists (use --force to replace it)", c1);
        }
    }
    st = ym_status_agree(comm, st);
    if (st) return cli_fail("generate", st);

    /* the prefix's folder is made if missing */
    const char *slash = strrchr(p.prefix, '/');
    if (slash && slash != p.prefix) {
        char dir[STR];
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - p.prefix), p.prefix);
        st = cli_mkdir_p(comm, dir, NULL, 0);
        if (st) return cli_fail("generate", st);
    }

    /* ---- set up ---- */
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_heatbath *h = NULL;
    if (start == S_FILE) {
        ym_config_info info;
        st = ym_config_read(comm, p.start + 5, pd, 1, &grid, &geom, &u, &info);
        if (!st) { /* the file decides N and the extents; explicit ones must agree */
            ym_param *pn = ym_card_find(tab, NPAR, "gauge", "n"), *pl = ym_card_find(tab, NPAR, "lattice", "dims");
            if (pn->set && p.N != info.N)
                st = YM_ERROR(YM_EINVAL, "N: %d, but %s holds SU(%d) links", p.N, p.start + 5, info.N);
            if (!st && pl->set && memcmp(p.L, info.L, sizeof p.L))
                st = YM_ERROR(YM_EINVAL, "dims: %dx%dx%dx%d, but %s is %dx%dx%dx%d", p.L[0], p.L[1], p.L[2], p.L[3],
                              p.start + 5, info.L[0], info.L[1], info.L[2], info.L[3]);
            p.N = info.N;
            memcpy(p.L, info.L, sizeof p.L);
        }
    } else {
        st = ym_grid_create(&grid, comm, p.L, pd, 1);
        if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
        if (!st) st = ym_gauge_create(&u, geom, p.N);
    }
    st = ym_status_agree(comm, st);
    if (!st) {
        ym_heatbath_params hp;
        ym_heatbath_defaults(&hp);
        hp.beta = p.beta;
        hp.seed = (unsigned long)p.seed;
        hp.max_trials = p.max_trials;
        st = ym_heatbath_create(&h, u, &hp);
    }
    long s0 = 0, last_ck = -1, total = (long)p.therm + (long)p.count * p.every;
    if (!st && resume) {
        char path[STR + 32];
        ckpt_state c;
        snprintf(path, sizeof path, "%s.card", o.ckpt);
        st = check_params(comm, path, tab);
        if (!st) st = ckpt_read(comm, o.ckpt, &c);
        ym_config_info info;
        if (!st) st = ym_config_read_header(comm, c.field, &info);
        if (!st && (info.N != p.N || memcmp(info.L, p.L, sizeof p.L)))
            st = YM_ERROR(YM_EFORMAT, "resume: %s does not fit the chain", c.field);
        if (!st) st = ym_config_read_into(u, c.field, &info);
        if (!st) {
            char id[256];
            size_t sb;
            unsigned char *buf = ym_heatbath_streams(h, &sb);
            ym_heatbath_stream_id(h, id, sizeof id);
            st = ym_sitestate_read(geom, c.rng, id, buf, sb);
        }
        if (!st && c.sweep > total)
            st = YM_ERROR(YM_EINVAL, "resume: the checkpoint is at sweep %ld, beyond the chain's %ld", c.sweep, total);
        if (!st && rank == 0) { /* the CSV as it was at the checkpoint */
            o.f = fopen(o.part, "r+");
            if (!o.f && c.sweep == total && cli_path_exists(o.csv))
                st = YM_ERROR(YM_EINVAL, "resume: the chain of %s is complete (%s written)", o.ckpt, o.csv);
            else if (!o.f) st = YM_ERROR(YM_EIO, "resume: %s: cannot open: %s", o.part, strerror(errno));
            else if (ftruncate(fileno(o.f), (off_t)c.csv_bytes) || fseek(o.f, (long)c.csv_bytes, SEEK_SET))
                st = YM_ERROR(YM_EIO, "resume: %s: cannot truncate: %s", o.part, strerror(errno));
        }
        st = ym_status_agree(comm, st);
        if (!st) s0 = last_ck = c.sweep;
    } else if (!st) {
        if (start == S_HOT) st = ym_heatbath_set_hot(h, u);
        if (!st && rank == 0) {
            o.f = fopen(o.part, "w");
            if (!o.f) st = YM_ERROR(YM_EIO, "%s: cannot create: %s", o.part, strerror(errno));
        }
        st = ym_status_agree(comm, st);
        if (!st && rank == 0) {
            cli_buf b = {0};
            cli_buf_printf(&b, "# ymflow %s generate: quenched SU(%d), Wilson action, beta %g\n", ym_version(), p.N,
                           p.beta);
            cli_buf_printf(&b, "# sweep = 1 heatbath sweep (Cabibbo-Marinari, Kennedy-Pendleton/Creutz) + %d "
                               "overrelaxation sweeps; row 0 is the start\n", p.nor);
            cli_buf_printf(&b, "# plaquette = <(1/N) Re tr P>; polyakov = <(1/N) tr prod_t U_t>; rejected = subgroup "
                               "updates that kept their link after max_trials rejected proposals;\n");
            cli_buf_printf(&b, "# proposal_rejection_rate = rejected a0 proposals / proposals in the heatbath sweep\n");
            cli_buf_printf(&b, "# effective parameters:\n");
            ym_param ct[NCHAIN];
            chain_table(tab, ct);
            cli_buf_card(&b, ct, NCHAIN, "# ");
            cli_buf_printf(&b, "sweep,plaquette,plaquette_spatial,plaquette_temporal,polyakov_re,polyakov_im,rejected,"
                               "proposal_rejection_rate\n");
            if (b.oom || fwrite(b.s, 1, b.n, o.f) != b.n) st = YM_ERROR(YM_EIO, "%s: write failed", o.part);
            free(b.s);
        }
        st = ym_status_agree(comm, st);
        double plaq;
        ym_heatbath_counts c0 = {0, 0, 0};
        if (!st) st = row(&o, u, 0, &c0, &plaq);
    }

    /* ---- the chain ---- */
    int tty = rank == 0 && isatty(2), stopped = 0;
    long run = 0;
    int64_t kept_total = 0;
    double plaq = NAN;
    cli_buf meta = {0};
    for (long s = s0 + 1; !st && s <= total; ++s) {
        ym_heatbath_counts c = {0, 0, 0};
        st = ym_heatbath_sweep(h, u, &c);
        for (int r = 0; !st && r < p.nor; ++r) st = ym_heatbath_or_sweep(h, u);
        if (!st) st = row(&o, u, s, &c, &plaq);
        kept_total += c.kept;
        int conf = s > p.therm && (s - p.therm) % p.every == 0 ? (int)((s - p.therm) / p.every) : 0;
        if (!st && conf) {
            char path[STR + 32];
            snprintf(path, sizeof path, "%s.%04d.ildg", p.prefix, conf);
            ym_param ct[NCHAIN];
            chain_table(tab, ct);
            meta.n = 0;
            cli_buf_card_lines(&meta, ct, NCHAIN);
            cli_buf_printf(&meta, "chain.sweep = %ld\nchain.config = %d\nchain.plaquette = %.17g\n", s, conf, plaq);
            cli_buf_printf(&meta, "generator.program = ymflow %s generate\n", ym_version());
            cli_buf_printf(&meta, "generator.update = 1 Cabibbo-Marinari heatbath sweep (Kennedy-Pendleton, Creutz below "
                                  "alpha %.17g) + %d overrelaxation sweeps, checkerboard by direction and parity\n",
                           ym_heatbath_get_params(h)->creutz_below, p.nor);
            cli_buf_printf(&meta, "generator.rng = %s per global site, seed %d\n", gsl_rng_ranlxd2->name, p.seed);
            if (meta.oom) st = YM_ERROR(YM_ENOMEM, "out of memory");
            else st = ym_ildg_write_ex(u, path, 64, 1, meta.s, NULL);
        }
        if (!st && (conf || (p.ckevery > 0 && s % p.ckevery == 0))) st = ckpt_write(&o, u, h, tab, s, &last_ck);
        progress(tty, s, total, p.therm, conf ? conf : (s > p.therm ? (int)((s - p.therm) / p.every) : 0), p.count, plaq,
                 0);
        if (!st && stop_after > 0 && ++run >= stop_after && s < total) {
            stopped = 1;
            break;
        }
    }
    free(meta.s);
    if (!st && !stopped) progress(tty, total, total, p.therm, p.count, p.count, plaq, 1);
    if (!st && stopped) st = YM_ERROR(YM_ENUM, "stopped after %ld sweeps (--stop-after-sweeps)", run);

    /* ---- outputs: the CSV is renamed into place once complete ---- */
    long long bytes;
    if (!st) st = csv_sync(&o, &bytes);
    if (o.f) fclose(o.f);
    o.f = NULL;
    if (!st) {
        int rs = YM_OK;
        if (rank == 0 && rename(o.part, o.csv))
            rs = YM_ERROR(YM_EIO, "%s: cannot rename to %s: %s", o.part, o.csv, strerror(errno));
        st = ym_status_agree(comm, rs);
    }
    if (!st) {
        cli_print("sweeps: %ld\n", total);
        cli_print("configs: %d\n", p.count);
        cli_print("plaquette: %.17g\n", plaq);
        cli_print("kept_links: %lld\n", (long long)kept_total);
        cli_print("out: %s\n", o.csv);
    }
    ym_heatbath_free(h);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return cli_fail("generate", st);
}
