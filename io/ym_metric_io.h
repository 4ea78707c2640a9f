/* Metric fields in HDF5 files (parallel HDF5, every rank writes its block).
 *
 * Layout: dataset "g" of shape [L3][L2][L1][L0][10] (x fastest, then the 10
 * components g00 g01 g02 g03 g11 g12 g13 g22 g23 g33), IEEE float64 little
 * endian, with attributes "dims" (int[4], L0..L3) and "components" (the
 * component names) on the dataset and an optional "parameters" string on the
 * file. Writes are atomic: path.tmp.<pid>, then a rename.
 */
#ifndef YM_METRIC_IO_H
#define YM_METRIC_IO_H

#include "ym_field.h"

/* Write metric field g to path. Collective. overwrite: replace an existing
 * file. parameters: recorded as a file attribute (may be NULL).
 * Errors: YM_EINVAL (not a 10-component field), YM_EIO, YM_ENOMEM. */
int ym_metric_write_h5(ym_field *g, const char *path, int overwrite, const char *parameters);

/* Read metric field g from path (written by ym_metric_write_h5 or any file
 * of the same layout) and update its halo. Collective. Errors: YM_EIO (cannot
 * open or read), YM_EFORMAT (no dataset "g", wrong shape or lattice size, a
 * non-finite value or a non positive-definite g at a site, named in the
 * message), YM_EINVAL, YM_ENOMEM. On error g is unchanged. */
int ym_metric_read_h5(ym_field *g, const char *path);

/* Set g from a start specification, the run-card / command-line form:
 *   "flat", "diag:a,b,c,d", "random:SEED,AMP[,LMIN]" (LMIN default 0.3,
 *   see ym_metric_set_random), "file:PATH" (ym_metric_read_h5).
 * Collective. Errors: YM_EINVAL (malformed specification, with the text in
 * the message), and those of the start. */
int ym_metric_set_start(ym_field *g, const char *spec);

#endif
