/* ymflow convert: read any supported configuration and write it in another format. */
#include "cli.h"
#include "ym_format.h"
#include "ym_ildg.h"
#include "ym_milc.h"
#include "ym_openqcd.h"
#include "ym_nersc.h"
#include "ym_raw.h"
#include "ym_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *usage =
    "usage: ymflow convert IN OUT --to ildg|nersc|milc|openqcd|raw [--precision 32|64] [--rows 2|3] [--force]\n"
    "                      [--grid AxBxCxD] [--accept-bad-checksum] [--headerless LAYOUT]\n"
    "Read IN (any format `ymflow info` reads, fully verified) and write OUT atomically.\n"
    "  --to ildg       ILDG/SciDAC LIME with scidac-checksum (--precision 64 default, or 32)\n"
    "  --to nersc      NERSC, 64-bit big-endian (--rows 3: 3x3, default; --rows 2: 3x2 compressed, SU(3))\n"
    "  --to milc       MILC v5 (20103), single precision, SU(3) only\n"
    "  --to openqcd    openQCD/CERN, 64-bit, SU(3), even extents\n"
    "  --to raw        ymflow raw\n"
    "  --accept-bad-checksum   read an input whose stored checksum disagrees (said in the output)\n"
    "  --headerless N=<n>,dims=AxBxCxD,f64be|f64le|f32be|f32le   IN is links only in this layout\n"
    "                          (as `ymflow info --help` describes; the size must match exactly)\n"
    "ILDG, NERSC and MILC (its .info file) outputs record the conversion (convert.* lines) after the\n"
    "input's own metadata;\n"
    "--to ildg from a LIME file carries the records ymflow does not interpret (xlf-info,\n"
    "scidac-file-xml, ildg-data-lfn, ...) unchanged.\n";

/* Append "key = value\n" to a malloc'd text, with bytes a NERSC header
 * cannot hold (a path is arbitrary) replaced by '?'. NULL on failure. */
static char *add_line(char *text, const char *key, const char *value)
{
    size_t n = text ? strlen(text) : 0, k = strlen(key), v = strlen(value);
    char *t = realloc(text, n + k + v + 5);
    if (!t) {
        free(text);
        return NULL;
    }
    char *p = t + n;
    p += sprintf(p, "%s = ", key);
    for (size_t i = 0; i < v; ++i) *p++ = (unsigned char)value[i] < 0x20 || (unsigned char)value[i] > 0x7e ? '?' : value[i];
    *p++ = '\n';
    *p = '\0';
    return t;
}

int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *to = NULL;
    int pd[4] = {0, 0, 0, 0}, prec = 64, rows = 0, force = 0, st = YM_OK;
    unsigned flags = 0;
    ym_headerless hl, *layout = NULL;
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
        else if (!strcmp(a.key, "accept-bad-checksum")) flags |= YM_CONFIG_ACCEPT_BAD_CHECKSUM;
        else if (!strcmp(a.key, "headerless")) {
            st = cli_value(&a) ? ym_headerless_parse(a.value, &hl) : YM_EINVAL;
            layout = &hl;
        }
        else if (!strcmp(a.key, "grid")) st = cli_value(&a) ? ym_parse_dims(a.value, "grid", pd) : YM_EINVAL;
        else st = YM_ERROR(YM_EINVAL, "unknown option '%s' (see ymflow convert --help)", argv[a.i]);
    }
    if (!st && (!in || !out || !to)) {
        cli_error("convert", !in || !out ? "needs IN and OUT" : "needs --to FORMAT");
        cli_print("%s", usage);
        return CLI_USAGE;
    }
    if (!st && strcmp(to, "ildg") && strcmp(to, "nersc") && strcmp(to, "raw") && strcmp(to, "milc") &&
        strcmp(to, "openqcd"))
        st = YM_ERROR(YM_EINVAL, "to: '%s' is not ildg, nersc, milc, openqcd or raw", to);
    if (!st && prec == 32 && strcmp(to, "ildg"))
        st = YM_ERROR(YM_EINVAL, "precision: 32-bit output is only available with --to ildg");
    if (st) return cli_fail("convert", st);

    ym_grid *grid = NULL;
    ym_geom *geom = NULL;
    ym_gauge *u = NULL;
    ym_config_info info;
    ym_lime_list extra = YM_LIME_LIST_INIT;
    char *meta = NULL;
    int lime = 0, nextra = 0;
    st = ym_config_read_layout(MPI_COMM_WORLD, in, pd, 1, flags, layout, &grid, &geom, &u, &info);
    lime = info.format == YM_FMT_ILDG || info.format == YM_FMT_SCIDAC;
    if (!st && lime) st = ym_ildg_read_extra(MPI_COMM_WORLD, in, &extra);
    if (!st) st = ym_config_read_metadata(MPI_COMM_WORLD, in, &info, &meta);
    if (!st) {
        /* Provenance: the input's own metadata first, then this step. */
        char v[64];
        meta = add_line(meta, "convert.source", in);
        if (meta) meta = add_line(meta, "convert.source_format", ym_format_name(info.format));
        if (meta)
            meta = add_line(meta, "convert.source_checksum",
                            info.checksum_bad ? "mismatch, accepted by --accept-bad-checksum"
                            : info.checksum_ok ? "verified" : info.has_checksum ? "not verified" : "none stored");
        if (meta) meta = add_line(meta, "convert.to", to);
        snprintf(v, sizeof v, "%d", !strcmp(to, "nersc") ? (rows == 2 ? info.N - 1 : info.N) : prec);
        if (meta && (!strcmp(to, "ildg") || !strcmp(to, "nersc")))
            meta = add_line(meta, !strcmp(to, "ildg") ? "convert.precision" : "convert.rows", v);
        if (meta) meta = add_line(meta, "convert.ymflow_version", ym_version());
        if (!meta) st = YM_ERROR(YM_ENOMEM, "out of memory");
        st = ym_status_agree(MPI_COMM_WORLD, st);
    }
    for (int i = 0; i < extra.n; ++i) nextra += strcmp(extra.rec[i].type, YM_ILDG_METADATA) != 0;
    if (!st) {
        if (!strcmp(to, "ildg")) st = ym_ildg_write_ex(u, out, prec, force, meta, &extra);
        else if (!strcmp(to, "raw")) st = ym_raw_write(u, out, force);
        else if (!strcmp(to, "milc")) st = ym_milc_write_ex(u, out, force, meta);
        else if (!strcmp(to, "openqcd")) st = ym_openqcd_write(u, out, force);
        else st = ym_nersc_write_ex(u, out, rows == 2 ? info.N - 1 : info.N, force, meta);
    }
    if (!st) {
        cli_print("input: %s (%s)\n", in, ym_format_name(info.format));
        if (info.checksum_bad) cli_print("input_checksum: MISMATCH, accepted by --accept-bad-checksum\n");
        cli_print("output: %s (%s)\n", out, to);
        int keeps = !strcmp(to, "ildg") || !strcmp(to, "nersc") || !strcmp(to, "milc");
        cli_print("metadata: %s\n", keeps ? "written (input metadata + convert.*)" : "not written (the format cannot hold it)");
        if (lime) {
            cli_print("records_%s: %d", !strcmp(to, "ildg") ? "carried" : "dropped", nextra);
            for (int i = 0; i < extra.n; ++i)
                if (strcmp(extra.rec[i].type, YM_ILDG_METADATA)) cli_print(" %s", extra.rec[i].type);
            cli_print("\n");
        }
        st = cli_report(u);
    }
    ym_lime_list_free(&extra);
    free(meta);
    ym_gauge_free(u);
    ym_geom_free(geom);
    ym_grid_free(grid);
    return cli_fail("convert", st);
}
