/* ymflow convert: read any supported configuration and write it in another format. */
#include "cli.h"
#include "ym_format.h"
#include "ym_ildg.h"
#include "ym_nersc.h"
#include "ym_raw.h"
#include "ym_status.h"

#include <string.h>

static const char *usage =
    "usage: ymflow convert IN OUT --to ildg|nersc|raw [--precision 32|64] [--rows 2|3] [--force] [--grid AxBxCxD]\n"
    "Read IN (any format `ymflow info` reads, fully verified) and write OUT atomically.\n"
    "  --to ildg       ILDG/SciDAC LIME with scidac-checksum (--precision 64 default, or 32)\n"
    "  --to nersc      NERSC, 64-bit big-endian (--rows 3: 3x3, default; --rows 2: 3x2 compressed, SU(3))\n"
    "  --to raw        ymflow raw\n"
    "Writing MILC and openQCD files is not implemented yet and is refused.\n";

int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *to = NULL;
    int pd[4] = {0, 0, 0, 0}, prec = 64, rows = 0, force = 0, st = YM_OK;
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (st == YM_OK && cli_next(&a)) {
        if (!a.key) {
            if (!in) in = a.value;
            else if (!out) out = a.value;
            else st = YM_ERROR(YM_EINVAL, "unexpected argument '%s'", a.value);
        } else if (!strcmp(a.key, "h") || !strcmp(a.key, "help")) {
            cli_print("%s", usage);
            return CLI_OK;
        } else if (!strcmp(a.key, "to")) st = cli_value(&a) ? (to = a.value, YM_OK) : YM_EINVAL;
        else if (!strcmp(a.key, "precision")) {
            st = cli_value(&a) ? cli_int(a.value, "precision", 32, 64, &prec) : YM_EINVAL;
            if (!st && prec != 32 && prec != 64) st = YM_ERROR(YM_EINVAL, "precision: %d is not 32 or 64", prec);
        } else if (!strcmp(a.key, "rows")) st = cli_value(&a) ? cli_int(a.value, "rows", 2, 3, &rows) : YM_EINVAL;
        else if (!strcmp(a.key, "force")) force = 1;
        else if (!strcmp(a.key, "grid")) st = cli_value(&a) ? ym_parse_dims(a.value, "grid", pd) : YM_EINVAL;
        else st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow convert --help)", argv[a.i]);
    }
    if (!st && (!in || !out || !to)) {
        cli_error("convert", !in || !out ? "needs IN and OUT" : "needs --to FORMAT");
        cli_print("%s", usage);
        return CLI_USAGE;
    }
    if (!st && strcmp(to, "ildg") && strcmp(to, "nersc") && strcmp(to, "raw"))
        st = YM_ERROR(YM_EINVAL, "to: '%s' cannot be written (ildg, nersc or raw; milc and openqcd writers are not "
                                 "implemented)", to);
    if (!st && prec == 32 && strcmp(to, "ildg"))
        st = YM_ERROR(YM_EINVAL, "precision: 32-bit output is only available with --to ildg");
    if (st) return cli_fail("convert", st);

    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_config_info info;
    st = ym_config_read(MPI_COMM_WORLD, in, pd, 1, &grid, &geom, &u, &info);
    if (!st) {
        if (!strcmp(to, "ildg")) st = ym_ildg_write(u, out, prec, force);
        else if (!strcmp(to, "raw")) st = ym_raw_write(u, out, force);
        else st = ym_nersc_write(u, out, rows == 2 ? info.N - 1 : info.N, force);
    }
    if (!st) {
        cli_print("input: %s (%s)\n", in, ym_format_name(info.format));
        cli_print("output: %s (%s)\n", out, to);
        st = cli_report(u);
    }
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return cli_fail("convert", st);
}
