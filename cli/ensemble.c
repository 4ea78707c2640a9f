/* ymflow flow over an ensemble (see ensemble.h): expand and classify the
 * positionals, check the configurations agree, flow each on a group of
 * ranks through cmd_flow, and gather the per-configuration CSVs in list
 * order into the ensemble statistics. */
#include "ensemble.h"
#include "cli.h"
#include "cli_input.h"
#include "cli_out.h"
#include "ens_table.h"
#include "groups.h"
#include "ym_format.h"
#include "ym_status.h"

#include <errno.h>
#include <glob.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cli_flow_ensemble_help =
    "Ensembles: several configurations, listed or as a quoted glob pattern ('cfg.*.ildg', expanded\n"
    "with glob(3) in sorted order), are flowed one by one with the same options; the list order is\n"
    "the Monte Carlo order (autocorrelations). Each gets OUT_<stem>.csv (OUT = --out without .csv);\n"
    "--out names the ensemble CSV: per flow time the mean of every column with its error (and\n"
    "tau_int), Q2_clover = <Q^2>, chi_top_clover = <Q^2>/V; its footer and the key: value lines\n"
    "give t0, w0 (derived from the mean history, with errors), Q2 and chi_top at the last time.\n"
    "The configurations must share lattice and N, and be measured at the same flow times.\n"
    "  --errors gamma|jackknife  error method (default gamma: Wolff's Gamma method, tau_int)\n"
    "  --stau S               Gamma method: S of the automatic window (default 1.5)\n"
    "  --bin B                jackknife bin size in configurations (default 1)\n"
    "  --groups G             G groups of ranks take the configurations in turn (default 1;\n"
    "                         the outputs do not depend on G)\n"
    "  --resume               continue an interrupted ensemble: a configuration whose CSV is\n"
    "                         there, complete and written by the same ymflow and parameters is\n"
    "                         read instead of flowed (one written otherwise is an error, or is\n"
    "                         flowed again with --force); the ensemble CSV is then rewritten\n"
    "Not with an ensemble: --config-out, --checkpoint, --checkpoint-every, --dump, --dump-times,\n"
    "--start.\n";

static int in_member; /* set while a member runs: its cmd_flow is not an ensemble */
static int ens_resume; /* --resume: members flowed before are kept (cli_flow_member_keep) */
static int ens_force;
static int ens_kept;   /* members kept, counted on their group's rank 0 */

static int has_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

/* Options of ymflow flow that take no value. */
static int is_flag(const char *k) { return !strcmp(k, "force") || !strcmp(k, "resume") || !strcmp(k, "h") || !strcmp(k, "help"); }

typedef struct {
    int argc;
    char **argv;     /* a member's argv: options, card, then CONFIG --out PATH */
    int nfix;        /* entries before CONFIG */
    char **configs;
    char **outs;
    int ncfg;
    char *csv;       /* the current member's CSV text (group rank 0) */
    ens_table tab;
} ens_ctx;

/* The first run-card key that names a single output (refused with an ensemble). */
static int card_refused(void *user, const char *section, const char *key, const char *value)
{
    static const char *no[][2] = {{"output", "config"}, {"output", "dump"}, {"output", "dump_times"},
                                  {"checkpoint", "prefix"}};
    char *hit = user;
    for (size_t j = 0; j < sizeof no / sizeof no[0]; ++j)
        if (!hit[0] && !strcmp(section, no[j][0]) && !strcmp(key, no[j][1]) && value && *value)
            snprintf(hit, 64, "%s.%s", section, key);
    return 1; /* the card's own errors are reported by ym_card_parse in the members */
}

static int read_file(const char *path, char **text)
{
    FILE *f = fopen(path, "rb");
    if (!f) return YM_ERROR(YM_EIO, "%s: cannot open: %s", path, strerror(errno));
    cli_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) cli_buf_printf(&b, "%.*s", (int)n, chunk);
    fclose(f);
    if (b.oom) {
        cli_buf_free(&b);
        return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    }
    *text = b.s ? b.s : strdup("");
    return *text ? YM_OK : YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
}

int cli_flow_member_keep(MPI_Comm comm, const char *out, const char *preamble, int *keep)
{
    *keep = 0;
    if (!in_member || !ens_resume) return YM_OK;
    int rank, st = YM_OK, k = 0;
    MPI_Comm_rank(comm, &rank);
    if (rank == 0 && cli_path_exists(out)) {
        char *text = NULL;
        st = read_file(out, &text);
        if (!st) {
            /* line by line; the member's own name (out = ...) may differ: a
             * directory of member CSVs can be moved or resumed into */
            size_t d = 0, e = 0, tl = strlen(text);
            int line = 1;
            while (preamble[d]) {
                const char *pn = strchr(preamble + d, '\n'), *tn = strchr(text + e, '\n');
                size_t pl = pn ? (size_t)(pn - preamble - d) + 1 : strlen(preamble + d);
                size_t ql = tn ? (size_t)(tn - text - e) + 1 : tl - e;
                int own = !strncmp(preamble + d, "# out = ", 8) && !strncmp(text + e, "# out = ", 8) && tn;
                if (!own && (pl != ql || memcmp(preamble + d, text + e, pl))) break;
                d += pl;
                e += ql;
                ++line;
            }
            const char *last = tl > 1 ? text + tl - 2 : text; /* the last line */
            while (last > text && last[-1] != '\n') --last;
            int differs = preamble[d] && strchr(text + e, '\n'); /* not a truncation */
            int complete = !preamble[d] && tl > 0 && text[tl - 1] == '\n' && !strncmp(last, "# w0: ", 6);
            if (complete) {
                k = 1;
                ++ens_kept;
            } else if (!ens_force && differs) {
                st = YM_ERROR(YM_EINVAL, "resume: %s was flowed by another ymflow or with other parameters (line %d "
                                         "differs); --force flows it again", out, line);
            } else if (!ens_force) {
                st = YM_ERROR(YM_EFORMAT, "resume: %s is incomplete (it does not end with the '# w0:' line); --force "
                                          "flows it again", out);
            }
        }
        free(text);
    }
    st = ym_status_agree(comm, st);
    MPI_Bcast(&k, 1, MPI_INT, 0, comm);
    *keep = k;
    return st;
}

/* Flow configuration i on the group's ranks with cmd_flow; rank 0 of the
 * group keeps the CSV text. */
static int member_work(MPI_Comm group, int i, void *vctx)
{
    ens_ctx *c = vctx;
    c->argv[c->nfix] = c->configs[i];
    c->argv[c->nfix + 2] = c->outs[i];
    cli_scope_set(group, 1);
    in_member = 1;
    cmd_flow(c->argc, c->argv);
    in_member = 0;
    cli_scope_set(MPI_COMM_NULL, 0);
    int st = cli_last_status(), rank;
    if (st) {
        /* say which configuration failed (the member's message follows) */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", ym_errmsg());
        if (strstr(msg, c->configs[i])) return st; /* it names the file already */
        ym_error_clear();
        return YM_ERROR(st, "%s: %s", c->configs[i], msg);
    }
    MPI_Comm_rank(group, &rank);
    free(c->csv);
    c->csv = NULL;
    if (rank == 0) st = read_file(c->outs[i], &c->csv);
    return ym_status_agree(group, st);
}

/* Every rank adds configuration i's CSV, broadcast by its group's rank 0. */
static int member_collect(MPI_Comm comm, int i, int root, void *vctx)
{
    ens_ctx *c = vctx;
    int rank;
    MPI_Comm_rank(comm, &rank);
    unsigned long long len = rank == root ? strlen(c->csv) + 1 : 0;
    MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG_LONG, root, comm);
    char *text = rank == root ? c->csv : malloc(len);
    int st = ym_status_agree(comm, text ? YM_OK : YM_ERROR(YM_ENOMEM, "ensemble: out of memory"));
    if (st) return st;
    /* the broadcast in pieces: MPI counts are int */
    for (unsigned long long off = 0; off < len; off += 1u << 30) {
        unsigned long long k = len - off < (1u << 30) ? len - off : (1u << 30);
        MPI_Bcast(text + off, (int)k, MPI_CHAR, root, comm);
    }
    st = ens_table_add(&c->tab, c->configs[i], text);
    if (rank != root) free(text);
    return st;
}

/* The per-configuration CSV path: BASE_<stem>.csv. */
static char *member_out(const char *base, const char *config)
{
    const char *slash = strrchr(config, '/');
    const char *stem = slash ? slash + 1 : config;
    const char *dot = strrchr(stem, '.');
    int sl = dot && dot != stem ? (int)(dot - stem) : (int)strlen(stem);
    size_t len = strlen(base) + (size_t)sl + 8;
    char *p = malloc(len);
    if (p) snprintf(p, len, "%s_%.*s.csv", base, sl, stem);
    return p;
}

static int add_str(char ***v, int *n, const char *s)
{
    char **q = realloc(*v, sizeof(char *) * (size_t)(*n + 2));
    if (!q) return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    *v = q;
    if (!(q[*n] = strdup(s))) return YM_ERROR(YM_ENOMEM, "ensemble: out of memory");
    q[++*n] = NULL;
    return YM_OK;
}

static void free_strs(char **v, int n)
{
    for (int i = 0; v && i < n; ++i) free(v[i]);
    free(v);
}

int cli_flow_ensemble(int argc, char **argv, int *handled)
{
    *handled = 0;
    if (in_member) return CLI_OK;
    MPI_Comm comm = MPI_COMM_WORLD;
    int st = YM_OK, groups = 1, ens_flag = 0, npos = 0, any_glob = 0, force = 0, resume = 0;
    const char *out = "flow.csv", *headerless = NULL, *refused = NULL, *method = "gamma";
    double stau = 1.5;
    int bin = 1;
    char **pos = NULL, **opts = NULL;
    int nopts = 0;
    cli_args a;
    cli_args_init(&a, argc, argv);
    /* a first pass decides whether this is an ensemble; the options other
     * than the ensemble's and --out go to every member unchanged */
    while (!st && cli_next(&a)) {
        const char *k = a.key;
        int start = a.i;
        if (!k) {
            if (has_glob(a.value) && access(a.value, F_OK) != 0) any_glob = 1;
            st = add_str(&pos, &npos, a.value);
            continue;
        }
        if (!strcmp(k, "h") || !strcmp(k, "help")) return CLI_OK; /* cmd_flow prints the help */
        if (!strcmp(k, "groups") || !strcmp(k, "errors") || !strcmp(k, "bin") || !strcmp(k, "stau")) {
            ens_flag = 1;
            const char *v = cli_value(&a);
            if (!v) st = YM_EINVAL;
            else if (!strcmp(k, "groups")) st = cli_int(v, "groups", 1, 1 << 20, &groups);
            else if (!strcmp(k, "bin")) st = cli_int(v, "bin", 1, 1 << 30, &bin);
            else if (!strcmp(k, "stau")) {
                st = cli_double(v, "stau", &stau);
                if (!st && !(stau > 0)) st = YM_ERROR(YM_EINVAL, "stau: %g must be > 0", stau);
            } else {
                method = v;
                if (strcmp(v, "gamma") && strcmp(v, "jackknife"))
                    st = YM_ERROR(YM_EINVAL, "errors: '%s' is not gamma or jackknife", v);
            }
            continue;
        }
        if (!is_flag(k) && !strchr(k, '.')) {
            if (!cli_value(&a)) st = YM_EINVAL;
        }
        if (!strcmp(k, "force")) force = 1;
        if (!strcmp(k, "resume")) { /* the ensemble's, not passed to the members */
            resume = 1;
            continue;
        }
        if (!strcmp(k, "out") || !strcmp(k, "o")) {
            out = a.value;
            continue;
        }
        if (!strcmp(k, "headerless")) headerless = a.value;
        static const char *no[] = {"config-out", "checkpoint", "checkpoint-every", "dump", "dump-times", "start",
                                   "stop-after-steps"};
        for (size_t j = 0; j < sizeof no / sizeof no[0]; ++j)
            if (!strcmp(k, no[j]) && !refused) refused = no[j];
        for (int j = start; !st && j <= a.i; ++j) st = add_str(&opts, &nopts, argv[j]);
    }
    /* two configurations and nothing else are an ensemble too: classified below */
    int maybe = ens_flag || any_glob || npos > 2 || npos == 2;
    if (!st && !maybe) {
        free_strs(pos, npos);
        free_strs(opts, nopts);
        return CLI_OK;
    }
    ym_headerless hl;
    if (!st && headerless) st = ym_headerless_parse(headerless, &hl);
    /* expand the patterns, classify every name */
    char **cfg = NULL, *card = NULL;
    int ncfg = 0;
    for (int i = 0; !st && i < npos; ++i) {
        glob_t g;
        memset(&g, 0, sizeof g);
        int single = !has_glob(pos[i]) || access(pos[i], F_OK) == 0;
        if (!single) {
            int gr = glob(pos[i], 0, NULL, &g);
            if (gr == GLOB_NOMATCH) st = YM_ERROR(YM_EIO, "'%s' matches no file", pos[i]);
            else if (gr) st = YM_ERROR(YM_EIO, "'%s': glob failed", pos[i]);
        }
        size_t nm = single ? 1 : g.gl_pathc;
        for (size_t j = 0; !st && j < nm; ++j) {
            const char *path = single ? pos[i] : g.gl_pathv[j];
            int kind = 0;
            st = cli_classify_positional(comm, path, headerless ? &hl : NULL, &kind, NULL);
            if (!st && kind == CLI_POS_CONFIG) st = add_str(&cfg, &ncfg, path);
            else if (!st && card)
                st = YM_ERROR(YM_EINVAL, "'%s' and '%s' are both run cards; give at most one", card, path);
            else if (!st && !(card = strdup(path))) st = YM_ERROR(YM_ENOMEM, "out of memory");
        }
        if (!single) globfree(&g);
    }
    st = ym_status_agree(comm, st);
    if (!st && ncfg < 2 && !ens_flag && !any_glob) { /* one configuration: the plain flow */
        free_strs(pos, npos);
        free_strs(opts, nopts);
        free_strs(cfg, ncfg);
        free(card);
        return CLI_OK;
    }
    *handled = 1;
    if (!st && ncfg == 0) st = YM_ERROR(YM_EINVAL, "an ensemble needs configurations (none given)");
    if (!st && refused) st = YM_ERROR(YM_EINVAL, "%s: not available with an ensemble of configurations", refused);
    if (!st && card) {
        char hit[64] = "";
        int rank;
        MPI_Comm_rank(comm, &rank);
        if (rank == 0 && ini_parse(card, card_refused, hit) >= 0 && hit[0])
            st = YM_ERROR(YM_EINVAL, "%s: %s is not available with an ensemble of configurations", card, hit);
        st = ym_status_agree(comm, st);
    }
    /* one lattice: each configuration's header against the first's */
    double volume = 0;
    int L0[4] = {0, 0, 0, 0}, N0 = 0;
    for (int i = 0; !st && i < ncfg; ++i) {
        ym_config_info info;
        st = headerless ? ym_headerless_read_header(comm, cfg[i], &hl, &info) : ym_config_read_header(comm, cfg[i], &info);
        if (!st && i == 0) {
            memcpy(L0, info.L, sizeof L0);
            N0 = info.N;
            volume = (double)L0[0] * L0[1] * L0[2] * L0[3];
        } else if (!st && (memcmp(L0, info.L, sizeof L0) || N0 != info.N))
            st = YM_ERROR(YM_EINVAL, "%s: lattice %dx%dx%dx%d SU(%d) differs from %s's %dx%dx%dx%d SU(%d) (an "
                          "ensemble has one lattice)", cfg[i], info.L[0], info.L[1], info.L[2], info.L[3], info.N,
                          cfg[0], L0[0], L0[1], L0[2], L0[3], N0);
    }
    /* outputs: distinct, and not replaced without --force */
    char base[4096];
    size_t ol = strlen(out);
    snprintf(base, sizeof base, "%.*s", (int)(ol > 4 && !strcmp(out + ol - 4, ".csv") ? ol - 4 : ol), out);
    char **outs = calloc((size_t)ncfg + 1, sizeof *outs);
    if (!st && !outs) st = YM_ERROR(YM_ENOMEM, "out of memory");
    for (int i = 0; !st && i < ncfg; ++i) {
        if (!(outs[i] = member_out(base, cfg[i]))) st = YM_ERROR(YM_ENOMEM, "out of memory");
        for (int j = 0; !st && j < i; ++j)
            if (!strcmp(outs[i], outs[j]))
                st = YM_ERROR(YM_EINVAL, "%s and %s would both write %s (configurations need distinct file stems)",
                              cfg[j], cfg[i], outs[i]);
        if (!st && !force && !resume && cli_path_exists(outs[i]))
            st = YM_ERROR(YM_EIO, "out: %s exists (use --force to replace it)", outs[i]);
    }
    if (!st && !force && !resume && cli_path_exists(out)) st = YM_ERROR(YM_EIO, "out: %s exists (use --force to replace it)", out);
    st = ym_status_agree(comm, st);

    /* a member's argv: argv[0], the options, the card, CONFIG --out PATH */
    ens_ctx c;
    memset(&c, 0, sizeof c);
    c.configs = cfg;
    c.outs = outs;
    c.ncfg = ncfg;
    c.argv = calloc((size_t)nopts + 6, sizeof *c.argv);
    if (!st && !c.argv) st = YM_ERROR(YM_ENOMEM, "out of memory");
    if (!st) {
        c.argv[c.argc++] = argv[0];
        for (int i = 0; i < nopts; ++i) c.argv[c.argc++] = opts[i];
        if (card) c.argv[c.argc++] = card;
        c.nfix = c.argc;
        c.argv[c.argc++] = NULL; /* CONFIG */
        static char outflag[] = "--out";
        c.argv[c.argc++] = outflag;
        c.argv[c.argc++] = NULL; /* PATH */
    }
    cli_groups g;
    memset(&g, 0, sizeof g);
    g.comm = g.group = comm;
    if (!st) st = ym_status_agree(comm, cli_groups_split(comm, groups, &g));
    ens_resume = resume;
    ens_force = force;
    ens_kept = 0;
    if (!st) st = cli_groups_run(&g, ncfg, member_work, member_collect, &c);
    ens_resume = 0;
    int kept = 0;
    MPI_Allreduce(&ens_kept, &kept, 1, MPI_INT, MPI_SUM, comm);
    cli_groups_free(&g);

    ens_opts eo = {{strcmp(method, "jackknife") ? YM_STATS_GAMMA : YM_STATS_JACKKNIFE, (size_t)bin, stau}, volume};
    ens_summary sum;
    cli_buf b = {0};
    if (!st) st = ens_table_write(&c.tab, &eo, &b, &sum);
    if (!st) st = cli_write_text(comm, out, force || resume, &b);
    if (!st) {
        cli_print("configurations: %d\n", ncfg);
        if (resume) cli_print("kept: %d\n", kept);
        cli_print("errors: %s\n", eo.so.method == YM_STATS_GAMMA ? "gamma" : "jackknife");
        cli_print("ref: %.17g\n", c.tab.ref);
        const char *nm[4] = {"t0", "w0", "Q2", "chi_top"};
        const ym_stats_est *v[4] = {&sum.t0, &sum.w0, &sum.Q2, &sum.chi};
        for (int i = 0; i < 4; ++i) {
            cli_print("%s: %.17g\n%s_err: %.17g\n", nm[i], v[i]->mean, nm[i], v[i]->err);
            if (eo.so.method == YM_STATS_GAMMA) cli_print("%s_tau_int: %.17g\n", nm[i], v[i]->tau_int);
        }
        cli_print("Q2_t: %.17g\n", sum.tQ);
        for (int i = 0; i < ncfg; ++i) cli_print("config_out: %s\n", outs[i]);
        cli_print("out: %s\n", out);
    }
    cli_buf_free(&b);
    free(c.csv);
    ens_table_free(&c.tab);
    free(c.argv);
    free_strs(outs, ncfg);
    free_strs(cfg, ncfg);
    free_strs(pos, npos);
    free_strs(opts, nopts);
    free(card);
    return cli_fail("flow", st);
}
