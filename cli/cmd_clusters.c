/* ymflow clusters: instantons and sign-coherent charge clusters of any
 * configuration ymflow reads, after an optional flow, tracked along it. */
#include "analysis.h"
#include "cli.h"
#include "cli_input.h"
#include "cli_out.h"
#include "groups.h"
#include "ym_format.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *usage =
    "usage: ymflow clusters CONFIG... [CARD] [options]\n"
    "Find the instantons (local maxima of s(x) over the 80 neighbours, self-duality, size from the\n"
    "peak and from a BPST fit, charge in the rho-ball) and the sign-coherent clusters of q(x) of a\n"
    "configuration in any format ymflow reads, optionally after a flow (--tmax), at each flow time of\n"
    "--times, with objects tracked from one time to the next. Writes, tab-separated, one header line:\n"
    "  PREFIX_instantons.tsv  x y z t (fitted centre) sign rho_peak rho_fit charge_ball duality ...\n"
    "  PREFIX_candidates.tsv  every candidate and the cut that rejected it\n"
    "  PREFIX_clusters.tsv    label sign charge action_over_8pi2 volume x y z t (centre) extents ...\n"
    "  PREFIX_flow.tsv        per flow time: Q, action, t^2 E, counts\n"
    "  PREFIX_scan.tsv        lambda scan at the last time: clusters, largest, packing fraction\n"
    "Several configurations (an ensemble: epochs of a recording, a list or glob of gauge files) each\n"
    "get their tables (PREFIX_<stem>_*.tsv), and PREFIX_ensemble.tsv holds the instanton density,\n"
    "instantons per configuration, mean size, mean nearest-neighbour distance, Q, Q^2 and chi_top =\n"
    "<Q^2>/V with jackknife errors; PREFIX_ensemble_configs.tsv / _objects.tsv the distributions.\n"
    "  --out PREFIX           output prefix (default: the configuration's file stem; \"clusters\"\n"
    "                         for the ensemble tables)\n"
    "  --boundary B           periodic|open or four of those (default: what the file records,\n"
    "                         else periodic)\n"
    "  --headerless LAYOUT    CONFIG is links only (see ymflow info --help)\n"
    "  --accept-bad-checksum  read a file whose stored checksum disagrees\n"
    "  --grid AxBxCxD         MPI process grid (default automatic)\n"
    "  --groups G             ensembles under MPI: G groups of ranks take the configurations in turn\n"
    "                         (the tables do not depend on G)\n"
    "  --force                replace existing outputs\n";

static int one_config(MPI_Comm comm, const char *config, const char *prefix, int many, const ana_par *pp,
                      const int pd[4], unsigned flags, const ym_headerless *layout, const int *bcp, int force,
                      const char *const *suffix, ana_ensemble *ens);

/* One configuration per item of the rank groups (groups.h). */
typedef struct {
    const char *const *configs;
    const char *prefix;
    int ncfg;
    const ana_par *p;
    const int *pd;
    unsigned flags;
    const ym_headerless *layout;
    const int *bcp;
    int force;
    const char *const *suffix;
    ana_ensemble *ens;
    ana_ensemble mine; /* this group's current configuration */
} cl_ctx;

static int cl_work(MPI_Comm group, int i, void *ctx)
{
    cl_ctx *c = ctx;
    ana_ensemble_free(&c->mine);
    return one_config(group, c->configs[i], c->prefix, c->ncfg > 1, c->p, c->pd, c->flags, c->layout, c->bcp,
                      c->force, c->suffix, &c->mine);
}

static int cl_collect(MPI_Comm comm, int i, int root, void *ctx)
{
    cl_ctx *c = ctx;
    (void)i;
    return c->ncfg > 1 ? ana_ensemble_share(c->ens, &c->mine, root, comm) : YM_OK;
}

int cmd_clusters(int argc, char **argv)
{
    MPI_Comm comm = MPI_COMM_WORLD;
    int st = YM_OK, force = 0, pd[4] = {0, 0, 0, 0}, bc[4], have_bc = 0, groups = 1;
    unsigned flags = 0;
    ym_headerless hl, *layout = NULL;
    ana_par p;
    ana_defaults(&p);
    p.tmax = 0;
    ym_param tab[ANA_NPAR];
    int ntab = ana_table(&p, tab);
    const char *card = NULL, *prefix = NULL;
    static const char *configs[4096], *pos[4097];
    int ncfg = 0, npos = 0;
    static char ovbuf[128][ANA_STR + 64];
    int novr = 0;
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (!st && cli_next(&a)) {
        if (!a.key) {
            /* classified after the options, when --headerless is known */
            if (npos == 4097) st = YM_ERROR(YM_EINVAL, "more than 4096 configurations");
            else pos[npos++] = a.value;
        } else if (!strcmp(a.key, "h") || !strcmp(a.key, "help")) {
            cli_print("%s%s", usage, ana_help);
            return CLI_OK;
        } else if (!strcmp(a.key, "out") || !strcmp(a.key, "o")) prefix = cli_value(&a);
        else if (!strcmp(a.key, "force")) force = 1;
        else if (!strcmp(a.key, "groups")) st = cli_value(&a) ? cli_int(a.value, "groups", 1, 1 << 20, &groups) : YM_EINVAL;
        else if (!strcmp(a.key, "accept-bad-checksum")) flags |= YM_CONFIG_ACCEPT_BAD_CHECKSUM;
        else if (!strcmp(a.key, "grid")) st = cli_value(&a) ? ym_parse_dims(a.value, "grid", pd) : YM_EINVAL;
        else if (!strcmp(a.key, "boundary")) {
            st = cli_value(&a) ? ym_boundary_parse(a.value, bc) : YM_EINVAL;
            have_bc = 1;
        } else if (!strcmp(a.key, "headerless")) {
            st = cli_value(&a) ? ym_headerless_parse(a.value, &hl) : YM_EINVAL;
            layout = &hl;
        } else if (strchr(a.key, '.') || ana_flag(a.key)) {
            const char *k = strchr(a.key, '.') ? a.key : ana_flag(a.key);
            const char *v = cli_value(&a);
            if (!v) st = YM_EINVAL;
            else if (novr == 128) st = YM_ERROR(YM_EINVAL, "too many options");
            else snprintf(ovbuf[novr++], sizeof ovbuf[0], "%s=%s", k, v);
        } else
            st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow clusters --help)", argv[a.i]);
    }
    /* the same content detection as ymflow info and flow decides what is a
     * configuration and what is a run card */
    for (int i = 0; !st && i < npos; ++i) {
        int kind = 0;
        st = cli_classify_positional(comm, pos[i], layout, &kind, NULL);
        if (!st && kind == CLI_POS_CONFIG) {
            if (ncfg == 4096) st = YM_ERROR(YM_EINVAL, "more than 4096 configurations");
            else configs[ncfg++] = pos[i];
        } else if (!st && !card)
            card = pos[i];
        else if (!st)
            st = YM_ERROR(YM_EINVAL, "'%s' and '%s' are both run cards; give one", card, pos[i]);
    }
    if (!st && card) st = ym_card_parse(comm, card, tab, ntab);
    for (int i = 0; !st && i < novr; ++i) st = ym_card_override(tab, ntab, ovbuf[i]);
    if (!st && !ncfg) {
        cli_error("clusters", card ? "no configuration given (the argument given is not a configuration ymflow "
                                     "recognises, so it was read as a run card)"
                                   : "no configuration given");
        return CLI_USAGE;
    }
    if (st) return cli_fail("clusters", st);
    const char *suffix[] = {"instantons", "candidates", "clusters", "flow", "scan"};
    const char *esuffix[] = {"ensemble", "ensemble_configs", "ensemble_objects"};
    char epath[3][ANA_STR + 32];
    char ens_pre[ANA_STR];
    snprintf(ens_pre, sizeof ens_pre, "%s", prefix ? prefix : "clusters");
    for (int i = 0; ncfg > 1 && i < 3; ++i) {
        snprintf(epath[i], sizeof epath[i], "%s_%s.tsv", ens_pre, esuffix[i]);
        if (!st && !force && cli_path_exists(epath[i]))
            st = YM_ERROR(YM_EIO, "%s exists (use --force to replace it)", epath[i]);
    }
    st = ym_status_agree(comm, st);
    if (st) return cli_fail("clusters", st);
    ana_ensemble ens;
    memset(&ens, 0, sizeof ens);
    /* groups of ranks take the configurations in turn; each configuration's
     * numbers then travel to every rank in configuration order, so the
     * ensemble tables are the same whatever the grouping */
    cl_ctx c = {configs, prefix, ncfg, &p, pd, flags, layout, have_bc ? bc : NULL, force, suffix, &ens, {0}};
    cli_groups g;
    st = ym_status_agree(comm, cli_groups_split(comm, groups, &g));
    if (!st) st = cli_groups_run(&g, ncfg, cl_work, cl_collect, &c);
    ana_ensemble_free(&c.mine);
    cli_groups_free(&g);
    if (!st && ncfg > 1) {
        cli_buf eb[3] = {{0}};
        st = ana_tsv_ensemble(&eb[0], &eb[1], &eb[2], &ens);
        for (int i = 0; !st && i < 3; ++i) st = cli_write_text(comm, epath[i], force, &eb[i]);
        if (!st) {
            cli_print("configurations: %d\n", ncfg);
            for (char *q = eb[0].s, *e; q && *q; q = *e ? e + 1 : e) {
                e = q + strcspn(q, "\n");
                if (q != eb[0].s) cli_print("ensemble: %.*s\n", (int)(e - q), q);
            }
            for (int i = 0; i < 3; ++i) cli_print("%s_tsv: %s\n", esuffix[i], epath[i]);
        }
        for (int i = 0; i < 3; ++i) cli_buf_free(&eb[i]);
    }
    ana_ensemble_free(&ens);
    return cli_fail("clusters", st);
}

/* One configuration: read, flow, analyse, write its tables (prefix: the
 * given one for a single configuration, else prefix_<stem> or <stem>). */
static int one_config(MPI_Comm comm, const char *config, const char *prefix, int many, const ana_par *pp,
                      const int pd[4], unsigned flags, const ym_headerless *layout, const int *bcp, int force,
                      const char *const *suffix, ana_ensemble *ens)
{
    int st = YM_OK;
    ana_par p = *pp;
    char pre[ANA_STR], stem[ANA_STR];
    const char *slash = strrchr(config, '/');
    snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : config);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem) *dot = 0;
    if (prefix && !many) snprintf(pre, sizeof pre, "%s", prefix);
    else if (prefix) snprintf(pre, sizeof pre, "%.500s_%.500s", prefix, stem);
    else snprintf(pre, sizeof pre, "%s", stem);
    char path[5][ANA_STR + 32];
    for (int i = 0; i < 5; ++i) {
        snprintf(path[i], sizeof path[i], "%s_%s.tsv", pre, suffix[i]);
        if (!st && !force && cli_path_exists(path[i]))
            st = YM_ERROR(YM_EIO, "%s exists (use --force to replace it)", path[i]);
    }
    st = ym_status_agree(comm, st);
    if (st) return st;

    int depth = 1;
    const ym_solver_type *stype = ym_solver_find(p.solver);
    ym_solver_opts so;
    ym_solver_opts_default(&so);
    so.eps = p.eps;
    if (!stype || !(so.action = ym_action_find(p.action))) st = YM_EINVAL;
    if (!st) depth = ym_solver_halo_depth(stype, &so);
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_config_info info;
    cli_config_opts co;
    cli_config_opts_default(&co);
    co.layout = layout;
    co.have_bc = bcp != NULL;
    if (bcp) memcpy(co.bc, bcp, sizeof co.bc);
    memcpy(co.pd, pd, sizeof co.pd);
    co.depth = depth;
    co.flags = flags;
    if (!st) st = cli_load_config(comm, config, &co, &grid, &geom, &u, &info);
    ana_result r;
    memset(&r, 0, sizeof r);
    if (!st) st = ana_run(u, NULL, &p, p.tmax, 1, 1, 0, &r);
    cli_buf b[5] = {{0}};
    if (!st) {
        ana_tsv_instantons(&b[0], &r);
        ana_tsv_candidates(&b[1], &r);
        ana_tsv_clusters(&b[2], &r);
        ana_tsv_flow(&b[3], &r);
        st = ana_tsv_scan(&b[4], &r, NULL);
    }
    for (int i = 0; !st && i < 5; ++i) st = cli_write_text(comm, path[i], force, &b[i]);
    if (!st && !many) {
        const ana_time *tm = &r.tm[r.ntimes - 1];
        cli_print("file: %s\n", config);
        cli_print("dims: %dx%dx%dx%d\n", info.L[0], info.L[1], info.L[2], info.L[3]);
        cli_print("flow_time: %.17g\n", tm->t);
        cli_print("Q: %.15g\n", tm->Q);
        cli_print("action_over_8pi2: %.15g\n", tm->S8);
        cli_print("candidates: %lld\n", (long long)tm->cnt.candidates);
        cli_print("instantons: %lld\n", (long long)tm->cnt.accepted);
        cli_print("rejected: rho_min %lld, duality %lld, ball_charge %lld, fit %lld\n",
                  (long long)tm->cnt.rejected[YM_FINDER_CUT_RHO], (long long)tm->cnt.rejected[YM_FINDER_CUT_DUALITY],
                  (long long)tm->cnt.rejected[YM_FINDER_CUT_BALL], (long long)tm->cnt.rejected[YM_FINDER_CUT_FIT]);
        cli_print("clusters: %d\n", tm->ncl);
        cli_print("qcut: %.15g\n", tm->qcut);
        for (int i = 0; i < 5; ++i) cli_print("%s_tsv: %s\n", suffix[i], path[i]);
    }
    if (!st && many) st = ana_ensemble_add(ens, config, &r, info.L);
    for (int i = 0; i < 5; ++i) cli_buf_free(&b[i]);
    ana_result_free(&r);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return st;
}
