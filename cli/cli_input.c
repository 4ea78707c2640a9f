/* Run card or configuration: classification of positional arguments and
 * the configuration loader shared by the commands. */
#include "cli_input.h"
#include "ym_geom.h"
#include "ym_grid.h"
#include "ym_status.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* 1 if buf[0..n) reads as INI text: no NUL or control bytes, and every
 * complete line blank, a comment, [section] or key = value. A final line
 * cut by the 4 KiB window is not judged. */
static int looks_like_card(const unsigned char *buf, size_t n, int complete)
{
    if (!n) return 0;
    int lines = 0;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && buf[e] != '\n') ++e;
        if (e == n && !complete) break; /* cut line */
        size_t a = i, b = e;
        for (size_t k = a; k < b; ++k)
            if (buf[k] < 0x20 && buf[k] != '\t' && buf[k] != '\r') return 0;
        while (a < b && isspace(buf[a])) ++a;
        while (b > a && isspace(buf[b - 1])) --b;
        if (a < b) {
            if (buf[a] == '#' || buf[a] == ';') {
            } else if (buf[a] == '[') {
                if (buf[b - 1] != ']') return 0;
            } else {
                const unsigned char *eq = memchr(buf + a, '=', b - a);
                if (!eq || eq == buf + a) return 0;
            }
            ++lines;
        }
        i = e + 1;
    }
    return lines > 0;
}

int cli_card_like(const char *path)
{
    unsigned char buf[4096];
    FILE *fp = fopen(path, "rb");
    if (!fp) return 0;
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return looks_like_card(buf, n, n < sizeof buf);
}

int cli_classify_positional(MPI_Comm comm, const char *path, const ym_headerless *layout, int *kind,
                            ym_format *fmt)
{
    ym_format f = YM_FMT_UNKNOWN;
    int st = ym_format_detect(comm, path, &f);
    if (st) return st;
    int rank, res[2] = {0, 0}; /* card-like, size fits the layout */
    MPI_Comm_rank(comm, &rank);
    if (rank == 0) {
        res[0] = cli_card_like(path);
        struct stat sb;
        if (layout && stat(path, &sb) == 0) {
            double want = 4.0 * layout->N * layout->N * 2 * (layout->precision / 8);
            for (int mu = 0; mu < 4; ++mu) want *= layout->L[mu];
            res[1] = (double)sb.st_size == want;
        }
    }
    MPI_Bcast(res, 2, MPI_INT, 0, comm);
    int card = res[0];
    /* with a layout nothing can be detected: a binary file is the
     * configuration, and text of exactly the layout's size is both */
    int config = f != YM_FMT_UNKNOWN || (layout && (!card || res[1]));
    if (fmt) *fmt = f;
    if (config && card)
        return YM_ERROR(YM_EINVAL, "%s: ambiguous: it could be a run card (INI text) or a configuration (%s); "
                        "give it as --start file:%s or rename the card", path,
                        f != YM_FMT_UNKNOWN ? ym_format_name(f) : "headerless", path);
    if (!config && !card)
        return YM_ERROR(YM_EINVAL, "%s: neither a run card (INI text: [section], key = value) nor a configuration of "
                        "a known format (ILDG, NERSC, MILC, openQCD, HiRep, ymflow raw; --headerless LAYOUT for "
                        "links-only files)", path);
    *kind = config ? CLI_POS_CONFIG : CLI_POS_CARD;
    return YM_OK;
}

void cli_config_opts_default(cli_config_opts *o)
{
    memset(o, 0, sizeof *o);
    o->depth = 1;
}

int cli_load_config(MPI_Comm comm, const char *path, const cli_config_opts *o, ym_grid **grid, ym_geom **geom,
                    ym_gauge **u, ym_config_info *info)
{
    ym_config_info tmp;
    /* one reader for every command, so the boundaries a file records (an
     * embedded recording's open edges) are applied everywhere */
    return ym_config_read_bc(comm, path, o->pd, o->depth < 1 ? 1 : o->depth, o->flags, o->layout,
                             o->have_bc ? o->bc : NULL, grid, geom, u, info ? info : &tmp);
}
