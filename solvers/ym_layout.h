/* Layouts: which channel of a recording sits on which (x, y) site of the
 * lattice (DESIGN.md §8). x and y are the two data directions of a grid of
 * electrodes or pixels; z (band groups) and t (time windows) come from the
 * embedding (ym_embed.h).
 *
 * A layout refers to channels by their index in the recording it was made
 * for. Sites without a channel and sites of bad channels are masked: the
 * embedding gives their links the identity and analyses skip them.
 * Everything here is Local.
 */
#ifndef YM_LAYOUT_H
#define YM_LAYOUT_H
#include "ym_recording.h"

typedef struct ym_layout ym_layout;

/* An empty nx x ny layout (every site masked, no channel). Errors: YM_EINVAL, YM_ENOMEM. */
int ym_layout_create(ym_layout **out, int nx, int ny);
/* NULL-safe. */
void ym_layout_free(ym_layout *l);

/* Put channel ch at (x, y) and unmask the site; r (may be NULL) names the
 * channels in messages. Errors: YM_EINVAL (out of range; a site already
 * taken: the message names both channels). */
int ym_layout_set(ym_layout *l, const ym_recording *r, int x, int y, int ch);

/* No layout given: channels that share a name prefix and are numbered 1..n
 * with n = rows*cols a full grid (C1..C64 -> 8 x 8, rows*cols with rows the
 * largest divisor <= sqrt(n), cols >= rows) form the grid row-major:
 * number k sits at row (k-1)/cols, column (k-1)%cols, x = column, y = row.
 * The largest such family wins; other channels (strips, EKG) are left out
 * and named in the note. Errors: YM_EINVAL (no family of >= 4 channels). */
int ym_layout_auto(ym_layout **out, const ym_recording *r);
/* Channels prefix1..prefix(cols*rows) row-major (ECoG "C(8r+c+1)"). */
int ym_layout_pattern(ym_layout **out, const ym_recording *r, const char *prefix, int cols, int rows);
/* A table file (TSV or CSV, header line with columns name, row, col in any
 * order): x = col, y = row; the grid spans 0..max. Unknown channel names are
 * an error naming the file, line and name. */
int ym_layout_read_table(ym_layout **out, const ym_recording *r, const char *path);
/* Positions (2-D or 3-D, ym_recording_position; channels without one are
 * left out) projected onto their best plane (principal axes, GSL), turned
 * in the plane so that nearest-neighbour steps follow the lattice axes and
 * the longer side of the set lies along the longer side of the grid (turns
 * only, never a mirror image, which would flip the charge), and snapped to
 * the nearest site of an nx x ny grid spanning them; two channels on one
 * site is an error naming both, except when the channels exactly fill the
 * grid (n = nx*ny): a grid on curved cortex projects with its far rows
 * squeezed, so then sites go by rank (columns by the first in-plane
 * coordinate, rows by the second within each column), and the note says so.
 * Errors: YM_EINVAL (fewer than 2 positions, a collision), YM_ENUM, YM_ENOMEM. */
int ym_layout_positions(ym_layout **out, const ym_recording *r, int nx, int ny);
/* Imaging recordings (ym_recording_image): b x b pixel binning (mean over a
 * block; the partial blocks at the far edges are dropped) into a new
 * recording *binned of (nx/b)*(ny/b) channels of one z-plane (plane z),
 * and its layout. */
int ym_layout_image(ym_layout **out, const ym_recording *r, int b, int plane, ym_recording **binned);

/* Mask bad channels: r's bad flags, the comma-separated names in bad (may be
 * NULL; an unknown name is an error), and flat (zero variance) or
 * non-finite channels. Returns the number of masked sites that hold a
 * channel in *nmasked (may be NULL). Errors: YM_EINVAL. */
int ym_layout_mask_bad(ym_layout *l, const ym_recording *r, const char *bad, int *nmasked);

/* Renumber the layout's channels to 0..n-1 in site order (x fastest) and
 * return the original indices in chans (capacity nx*ny), so that a
 * recording made from those channels in that order (ym_recording_select,
 * ym_preproc_run) matches the layout. Masked sites keep their channel (the
 * site table names it); the embedding ignores their data, but
 * ym_preproc_run refuses non-finite samples, so such channels must be
 * cleaned (e.g. zeroed) by the caller first. Local. */
int ym_layout_compact(ym_layout *l, int *chans, int *n);

/* Accessors. */
int ym_layout_nx(const ym_layout *l);
int ym_layout_ny(const ym_layout *l);
/* Channel at (x, y) or -1; masked flag (1 for empty sites). */
int ym_layout_channel(const ym_layout *l, int x, int y);
int ym_layout_masked(const ym_layout *l, int x, int y);
/* What the layout decided, for the user ("grid C1..C64 -> 8x8 (row-major);
 * left out: BTM1..BTM6, ..."), "" if nothing. */
const char *ym_layout_note(const ym_layout *l);

#endif
