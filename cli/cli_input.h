/* Inputs shared by the commands that take a configuration (flow, and the
 * coming clusters, pipeline, generate --start): deciding from its content
 * whether a positional argument is a run card or a configuration, and
 * loading a configuration (any format, or headerless with a layout) with
 * the requested boundaries. */
#ifndef YM_CLI_INPUT_H
#define YM_CLI_INPUT_H

#include <mpi.h>

#include "ym_format.h"
#include "ym_gauge.h"

/* What a positional argument is. */
enum { CLI_POS_CARD = 1, CLI_POS_CONFIG = 2 };

/* 1 if the first 4 KiB of path read as INI text (blank, comment,
 * [section] or key = value lines, at least one not blank); 0 otherwise,
 * also for an empty or unreadable file. */
int cli_card_like(const char *path);

/* Decide whether path is a run card or a configuration from its content:
 * a configuration if the format detection of `ymflow info`
 * (ym_format_detect) recognises it, or if layout (--headerless) is given
 * and the file is not text or has exactly the layout's size; a run card
 * if its first 4 KiB are INI text (blank, comment, [section] or
 * key = value lines). *kind gets CLI_POS_CARD or CLI_POS_CONFIG, and *fmt
 * (may be NULL) the detected format. Collective on comm (rank 0 reads).
 * Errors: YM_EIO (cannot open), YM_EINVAL when both readings fit (the
 * message names both) or neither does (the message says what a card and
 * a configuration look like). */
int cli_classify_positional(MPI_Comm comm, const char *path, const ym_headerless *layout, int *kind,
                            ym_format *fmt);

/* How to read a configuration: --headerless layout (NULL = detect the
 * format), boundaries (YM_BC_* per direction, used when have_bc; otherwise
 * those the file's metadata records, else periodic), process grid (zeros =
 * automatic), halo depth (>= 1) and YM_CONFIG_* flags. */
typedef struct {
    const ym_headerless *layout;
    int have_bc;
    int bc[4];
    int pd[4];
    int depth;
    unsigned flags;
} cli_config_opts;

/* Defaults: detect the format, boundaries from the file, automatic grid, depth 1, no flags. */
void cli_config_opts_default(cli_config_opts *o);

/* Read the configuration path into a new grid, geometry (with o->bc) and
 * gauge field, verifying everything its format offers; info (may be NULL)
 * gets what the header said. On failure nothing is left allocated.
 * Collective on comm. Errors: those of ym_config_read_layout. */
int cli_load_config(MPI_Comm comm, const char *path, const cli_config_opts *o, ym_grid **grid, ym_geom **geom,
                    ym_gauge **u, ym_config_info *info);

#endif
