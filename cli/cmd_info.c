/* ymflow info: describe and verify a configuration file. */
#include "cli.h"
#include "ym_raw.h"
#include "ym_status.h"

#include <string.h>

static const char *usage =
    "usage: ymflow info FILE [--grid AxBxCxD]\n"
    "Read a configuration (today: the ymflow raw format written by `ymflow instanton -o`),\n"
    "verify its checksum and links, and print its header and observables.\n";

int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    int pd[4] = {0, 0, 0, 0}, st = YM_OK;
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (st == YM_OK && cli_next(&a)) {
        if (!a.key) {
            if (path) st = YM_ERROR(YM_EINVAL, "more than one file given ('%s', '%s')", path, a.value);
            path = a.value;
        } else if (!strcmp(a.key, "h") || !strcmp(a.key, "help")) {
            cli_print("%s", usage);
            return CLI_OK;
        } else if (!strcmp(a.key, "grid")) st = cli_value(&a) ? ym_parse_dims(a.value, "grid", pd) : YM_EINVAL;
        else st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow info --help)", argv[a.i]);
    }
    if (!st && !path) {
        cli_error("info", "no file given");
        cli_print("%s", usage);
        return CLI_USAGE;
    }
    if (st) return cli_fail("info", st);

    ym_raw_header h;
    st = ym_raw_read_header(MPI_COMM_WORLD, path, &h);
    if (st) return cli_fail("info", st);
    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    st = ym_grid_create(&grid, MPI_COMM_WORLD, h.L, pd, 1);
    if (!st) st = ym_geom_create(&geom, grid, 1, NULL);
    if (!st) st = ym_gauge_create(&u, geom, h.N);
    if (!st) st = ym_raw_read(u, path);
    if (!st) {
        cli_print("file: %s\n", path);
        cli_print("format: ymflow-raw 1\n");
        cli_print("N: %d\n", h.N);
        cli_print("dims: %dx%dx%dx%d\n", h.L[0], h.L[1], h.L[2], h.L[3]);
        cli_print("precision: 64\n");
        cli_print("checksum: %08x %08x (verified)\n", h.sum29, h.sum31);
        st = cli_report(u);
    }
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return cli_fail("info", st);
}
