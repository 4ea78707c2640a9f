/* ymflow info: identify, verify and describe a configuration file. */
#include "cli.h"
#include "ym_format.h"
#include "ym_status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: ymflow info FILE [--grid AxBxCxD] [--accept-bad-checksum] [--headerless LAYOUT]\n"
    "Detect the format of FILE from its content (ILDG/SciDAC, NERSC, MILC, openQCD, ymflow raw),\n"
    "read it in parallel, verify everything the format offers (checksums, stored plaquette and\n"
    "link trace, sizes, unitarity) and print its header fields and observables.\n"
    "  --accept-bad-checksum   read a file whose stored checksum disagrees (said in the output)\n"
    "  --headerless N=<n>,dims=AxBxCxD,f64be|f64le|f32be|f32le\n"
    "                          FILE is links only (x fastest, mu = x,y,z,t, NxN row-major (re, im)) in this\n"
    "                          layout; its size must match exactly\n";

int cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    int pd[4] = {0, 0, 0, 0}, st = YM_OK;
    /* info reports: a Schroedinger-functional MILC file is read as stored */
    unsigned flags = YM_CONFIG_MILC_SF;
    ym_headerless hl, *layout = NULL;
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
        else if (!strcmp(a.key, "accept-bad-checksum")) flags |= YM_CONFIG_ACCEPT_BAD_CHECKSUM;
        else if (!strcmp(a.key, "headerless")) {
            st = cli_value(&a) ? ym_headerless_parse(a.value, &hl) : YM_EINVAL;
            layout = &hl;
        }
        else st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow info --help)", argv[a.i]);
    }
    if (!st && !path) {
        cli_error("info", "no file given");
        cli_print("%s", usage);
        return CLI_USAGE;
    }
    if (st) return cli_fail("info", st);

    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_config_info in;
    st = ym_config_read_layout(MPI_COMM_WORLD, path, pd, 1, flags, layout, &grid, &geom, &u, &in);
    if (!st) {
        cli_print("file: %s\n", path);
        cli_print("format: %s\n", ym_format_name(in.format));
        if (in.datatype[0]) cli_print("datatype: %s\n", in.datatype);
        cli_print("N: %d\n", in.N);
        cli_print("dims: %dx%dx%dx%d\n", in.L[0], in.L[1], in.L[2], in.L[3]);
        cli_print("precision: %d\n", in.precision);
        cli_print("byte_order: %s\n", in.big_endian ? "big" : "little");
        cli_print("rows_stored: %d\n", in.rows);
        if (in.has_checksum) {
            if (in.nchecksum == 2) cli_print("checksum: %08x %08x", in.sum[0], in.sum[1]);
            else cli_print("checksum: %08x", in.sum[0]);
            cli_print(" (%s)\n", in.checksum_bad ? "MISMATCH, accepted by --accept-bad-checksum"
                                  : in.checksum_ok ? "verified" : "not verified");
        } else
            cli_print("checksum: none stored\n");
        if (in.boundary_from_file)
            cli_print("boundary: %s,%s,%s,%s (from the file's metadata)\n", in.bc[0] ? "open" : "periodic",
                      in.bc[1] ? "open" : "periodic", in.bc[2] ? "open" : "periodic", in.bc[3] ? "open" : "periodic");
        if (in.has_plaquette) cli_print("plaquette_stored: %.15g\n", in.plaquette);
        if (in.has_link_trace) cli_print("link_trace_stored: %.15g\n", in.link_trace);
        if (in.precision == 32) cli_print("max_reunitarisation: %.3g\n", in.max_reunit);
        if (in.milc_sf) {
            cli_print("schroedinger_functional: bc_flag %d, beta %.9g\n", in.milc_sf_bc_flag, in.milc_sf_beta);
            cli_print("sf_boundary: t=0 spatial links = c_t diag(exp(-i phi), 1, exp(i phi)), c_t %.9g, phi %.9g "
                      "(pi/%.6g); kept as stored (not SU(3))\n",
                      in.milc_sf_ct, in.milc_sf_phi, in.milc_sf_phi > 0 ? M_PI / in.milc_sf_phi : 0);
            if (in.milc_sf_beta > 0)
                cli_print("sf_c_t11: %.6g (from c_t = 1 - (0.534 + c_t11)/beta)\n",
                          in.milc_sf_beta * (1 - in.milc_sf_ct) - 0.534);
            cli_print("sf_note: the observables below average over the stored links as a periodic lattice\n");
        }
        char *meta = NULL;
        st = ym_config_read_metadata(MPI_COMM_WORLD, path, &in, &meta);
        /* one "metadata:" line per stored line, so scripts can grep them */
        for (char *p = meta, *e; !st && p && *p; p = *e ? e + 1 : e) {
            e = p + strcspn(p, "\n");
            cli_print("metadata: %.*s\n", (int)(e - p), p);
        }
        free(meta);
        if (!st) st = cli_report(u);
    }
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return cli_fail("info", st);
}
