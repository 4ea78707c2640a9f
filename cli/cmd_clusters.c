/* ymflow clusters: instantons and sign-coherent charge clusters of any
 * configuration ymflow reads, after an optional flow, tracked along it. */
#include "analysis.h"
#include "cli.h"
#include "cli_out.h"
#include "ym_format.h"
#include "ym_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *usage =
    "usage: ymflow clusters CONFIG [CARD] [options]\n"
    "Find the instantons (local maxima of s(x) over the 80 neighbours, self-duality, size from the\n"
    "peak and from a BPST fit, charge in the rho-ball) and the sign-coherent clusters of q(x) of a\n"
    "configuration in any format ymflow reads, optionally after a flow (--tmax), at each flow time of\n"
    "--times, with objects tracked from one time to the next. Writes, tab-separated, one header line:\n"
    "  PREFIX_instantons.tsv  x y z t (fitted centre) sign rho_peak rho_fit charge_ball duality ...\n"
    "  PREFIX_candidates.tsv  every candidate and the cut that rejected it\n"
    "  PREFIX_clusters.tsv    label sign charge action_over_8pi2 volume x y z t (centre) extents ...\n"
    "  PREFIX_flow.tsv        per flow time: Q, action, t^2 E, counts\n"
    "  PREFIX_scan.tsv        lambda scan at the last time: clusters, largest, packing fraction\n"
    "  --out PREFIX           output prefix (default: the configuration's file stem)\n"
    "  --boundary B           periodic|open or four of those (default: what the file records,\n"
    "                         else periodic)\n"
    "  --headerless LAYOUT    CONFIG is links only (see ymflow info --help)\n"
    "  --accept-bad-checksum  read a file whose stored checksum disagrees\n"
    "  --grid AxBxCxD         MPI process grid (default automatic)\n"
    "  --force                replace existing outputs\n";

int cmd_clusters(int argc, char **argv)
{
    MPI_Comm comm = MPI_COMM_WORLD;
    int st = YM_OK, force = 0, pd[4] = {0, 0, 0, 0}, bc[4], have_bc = 0;
    unsigned flags = 0;
    ym_headerless hl, *layout = NULL;
    ana_par p;
    ana_defaults(&p);
    p.tmax = 0;
    ym_param tab[ANA_NPAR];
    int ntab = ana_table(&p, tab);
    const char *config = NULL, *card = NULL, *prefix = NULL;
    static char ovbuf[128][ANA_STR + 64];
    int novr = 0;
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (!st && cli_next(&a)) {
        if (!a.key) {
            /* the same content detection as ymflow info decides what is a configuration */
            ym_format f = YM_FMT_UNKNOWN;
            int fst = ym_format_detect(comm, a.value, &f);
            if (fst) ym_error_clear();
            if (!config && (f != YM_FMT_UNKNOWN || (layout && !card))) config = a.value;
            else if (!card) card = a.value;
            else st = YM_ERROR(YM_EINVAL, "too many arguments: '%s' (a configuration and a run card at most)", a.value);
        } else if (!strcmp(a.key, "h") || !strcmp(a.key, "help")) {
            cli_print("%s%s", usage, ana_help);
            return CLI_OK;
        } else if (!strcmp(a.key, "out") || !strcmp(a.key, "o")) prefix = cli_value(&a);
        else if (!strcmp(a.key, "force")) force = 1;
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
    /* a card named before the configuration was taken for it only if it is one */
    if (!st && card && !config && layout) {
        config = card;
        card = NULL;
    }
    if (!st && card) st = ym_card_parse(comm, card, tab, ntab);
    for (int i = 0; !st && i < novr; ++i) st = ym_card_override(tab, ntab, ovbuf[i]);
    if (!st && !config) {
        cli_error("clusters", card ? "no configuration given (the argument given is not a configuration ymflow "
                                     "recognises, so it was read as a run card)"
                                   : "no configuration given");
        return CLI_USAGE;
    }
    if (st) return cli_fail("clusters", st);
    char pre[ANA_STR];
    if (prefix) snprintf(pre, sizeof pre, "%s", prefix);
    else {
        const char *b = strrchr(config, '/');
        snprintf(pre, sizeof pre, "%s", b ? b + 1 : config);
        char *dot = strrchr(pre, '.');
        if (dot && dot != pre) *dot = 0;
    }
    const char *suffix[] = {"instantons", "candidates", "clusters", "flow", "scan"};
    char path[5][ANA_STR + 32];
    for (int i = 0; i < 5; ++i) {
        snprintf(path[i], sizeof path[i], "%s_%s.tsv", pre, suffix[i]);
        if (!st && !force && cli_path_exists(path[i]))
            st = YM_ERROR(YM_EIO, "%s exists (use --force to replace it)", path[i]);
    }
    st = ym_status_agree(comm, st);
    if (st) return cli_fail("clusters", st);

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
    if (!st) st = ym_config_read_bc(comm, config, pd, depth, flags, layout, have_bc ? bc : NULL, &grid, &geom, &u, &info);
    ana_result r;
    memset(&r, 0, sizeof r);
    if (!st) st = ana_run(u, NULL, &p, p.tmax, 1, 1, &r);
    cli_buf b[5] = {{0}};
    if (!st) {
        ana_tsv_instantons(&b[0], &r);
        ana_tsv_candidates(&b[1], &r);
        ana_tsv_clusters(&b[2], &r);
        ana_tsv_flow(&b[3], &r);
        st = ana_tsv_scan(&b[4], &r, NULL);
    }
    for (int i = 0; !st && i < 5; ++i) st = cli_write_text(comm, path[i], force, &b[i]);
    if (!st) {
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
    for (int i = 0; i < 5; ++i) cli_buf_free(&b[i]);
    ana_result_free(&r);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return cli_fail("clusters", st);
}
