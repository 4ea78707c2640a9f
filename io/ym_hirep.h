/* HiRep gauge configurations (as written by HiRep and GLU), read only.
 *
 * Layout (all big-endian): int32 Ng, int32 T, X, Y, Z (note: t first),
 * float64 plaquette <(1/Ng) Re tr P>, then for every site, t slowest and
 * z fastest (index z + Z (y + Y (x + X t))), the four links mu = t, x, y, z,
 * each an Ng x Ng complex matrix, row-major, (re, im) float64 pairs. No
 * checksum: the stored plaquette is verified (1e-11) along with unitarity
 * (1e-12) and the exact file size.
 */
#ifndef YM_HIREP_H
#define YM_HIREP_H

#include "ym_format.h"
#include "ym_gauge.h"

#define YM_HIREP_HEADER 28

/* Parse the header. Collective (rank 0 reads). Errors: YM_EIO, YM_EFORMAT. */
int ym_hirep_read_header(MPI_Comm comm, const char *path, ym_config_info *info);

/* Read the links into u (SU(Ng) on the file's dims; sites reordered to
 * ymflow's x fastest, directions t,x,y,z -> x,y,z,t), check unitarity and the
 * stored plaquette; fills info->plaquette_read. Collective.
 * Errors: YM_EIO, YM_EFORMAT, YM_ENOMEM. */
int ym_hirep_read(ym_gauge *u, const char *path, ym_config_info *info);

#endif
