/* ymflow instanton: build a BPST (anti-)instanton and report its observables. */
#include "cli.h"
#include "ym_curv.h"
#include "ym_instanton.h"
#include "ym_raw.h"
#include "ym_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: ymflow instanton [options]\n"
    "Build an SU(2) BPST instanton (embedded in SU(N)) with exact links and print its\n"
    "plaquette, Wilson and clover action over 8 pi^2 and clover charge.\n"
    "  --dims AxBxCxD       lattice extents (default 16x16x16x16; one number = all four)\n"
    "  --N n                gauge group SU(n), 2..8 (default 2)\n"
    "  --rho r              instanton size in lattice units (default 4, or L_min/4)\n"
    "  --anti               anti-instanton (Q = -1)\n"
    "  --center x,y,z,t     centre in site coordinates (default: hypercube centre)\n"
    "  --gauge G            singular (default) or regular\n"
    "  --boundary B         periodic (default) or open, or four comma-separated values\n"
    "  --grid AxBxCxD       MPI process grid (default: chosen automatically)\n"
    "  -o, --output FILE    write the configuration (ymflow raw format) atomically\n"
    "  --force              allow -o to replace an existing file\n";

static int parse_center(const char *s, double c[4])
{
    char buf[256];
    if (!s || strlen(s) >= sizeof buf) return YM_ERROR(YM_EINVAL, "center: missing or too long");
    strcpy(buf, s);
    int n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (n == 4) return YM_ERROR(YM_EINVAL, "center: '%s' has more than four coordinates", s);
        int st = cli_double(tok, "center", &c[n++]);
        if (st) return st;
    }
    if (n != 4) return YM_ERROR(YM_EINVAL, "center: '%s' needs four comma-separated coordinates", s);
    return YM_OK;
}

int cmd_instanton(int argc, char **argv)
{
    int L[4] = {16, 16, 16, 16}, N = 2, bc[4] = {0, 0, 0, 0}, pd[4] = {0, 0, 0, 0}, force = 0;
    int have_rho = 0, have_center = 0, anti = 0, singular = 1, st = YM_OK;
    double rho = 0, center[4];
    const char *out = NULL;
    cli_args a;
    cli_args_init(&a, argc, argv);
    while (st == YM_OK && cli_next(&a)) {
        const char *k = a.key;
        if (!k) st = YM_ERROR(YM_EINVAL, "unexpected argument '%s'", a.value);
        else if (!strcmp(k, "h") || !strcmp(k, "help")) {
            cli_print("%s", usage);
            return CLI_OK;
        } else if (!strcmp(k, "anti")) anti = 1;
        else if (!strcmp(k, "force")) force = 1;
        else if (!strcmp(k, "dims")) st = cli_value(&a) ? ym_parse_dims(a.value, "dims", L) : YM_EINVAL;
        else if (!strcmp(k, "grid")) st = cli_value(&a) ? ym_parse_dims(a.value, "grid", pd) : YM_EINVAL;
        else if (!strcmp(k, "N")) st = cli_value(&a) ? cli_int(a.value, "N", 2, YM_NMAX, &N) : YM_EINVAL;
        else if (!strcmp(k, "rho")) {
            st = cli_value(&a) ? cli_double(a.value, "rho", &rho) : YM_EINVAL;
            if (!st && !(rho > 0)) st = YM_ERROR(YM_EINVAL, "rho: %g is not positive", rho);
            have_rho = 1;
        } else if (!strcmp(k, "center")) {
            st = cli_value(&a) ? parse_center(a.value, center) : YM_EINVAL;
            have_center = 1;
        } else if (!strcmp(k, "gauge")) {
            if (!cli_value(&a)) st = YM_EINVAL;
            else if (!strcmp(a.value, "singular")) singular = 1;
            else if (!strcmp(a.value, "regular")) singular = 0;
            else st = YM_ERROR(YM_EINVAL, "gauge: '%s' is not singular or regular", a.value);
        } else if (!strcmp(k, "boundary")) st = cli_value(&a) ? cli_boundary(a.value, bc) : YM_EINVAL;
        else if (!strcmp(k, "o") || !strcmp(k, "output")) st = cli_value(&a) ? YM_OK : YM_EINVAL, out = a.value;
        else st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow instanton --help)", argv[a.i]);
    }
    if (st) return cli_fail("instanton", st);

    ym_instanton obj;
    ym_instanton_default(&obj, L);
    if (have_rho) obj.rho = rho;
    if (have_center) memcpy(obj.center, center, sizeof center);
    obj.anti = anti;
    obj.singular = singular;
    st = ym_instanton_check(&obj, L);
    if (st) return cli_fail("instanton", st);

    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    st = ym_grid_create(&grid, MPI_COMM_WORLD, L, pd, 1);
    if (!st) st = ym_geom_create(&geom, grid, 1, bc);
    if (!st) st = ym_gauge_create(&u, geom, N);
    if (!st) st = ym_instanton_set(u, &obj, 1);
    if (!st) {
        const int *d = ym_grid_dims(grid);
        cli_print("N: %d\n", N);
        cli_print("dims: %dx%dx%dx%d\n", L[0], L[1], L[2], L[3]);
        cli_print("grid: %dx%dx%dx%d\n", d[0], d[1], d[2], d[3]);
        cli_print("boundary: %s,%s,%s,%s\n", bc[0] ? "open" : "periodic", bc[1] ? "open" : "periodic",
                  bc[2] ? "open" : "periodic", bc[3] ? "open" : "periodic");
        cli_print("object: %s\n", anti ? "anti-instanton" : "instanton");
        cli_print("gauge: %s\n", singular ? "singular" : "regular");
        cli_print("rho: %.15g\n", obj.rho);
        cli_print("center: %.15g,%.15g,%.15g,%.15g\n", obj.center[0], obj.center[1], obj.center[2], obj.center[3]);
        st = cli_report(u);
    }
    if (!st && out) {
        st = ym_raw_write(u, out, force);
        if (!st) cli_print("output: %s\n", out);
    }
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return cli_fail("instanton", st);
}
