/* ILDG and SciDAC lattice files (LIME container, ym_lime.h).
 *
 * Read: the ildg-format XML (field suNgauge, precision 32/64, lx..lt) or,
 * for SciDAC-only files, scidac-private-file-xml (dims) and
 * scidac-private-record-xml (precision F/D, colors); the big-endian links in
 * ildg-binary-data or scidac-binary-data (x fastest, mu = x,y,z,t, N x N
 * row-major (re, im)); the scidac-checksum record (suma/sumb) when present.
 * N != 3 is written as field "su<N>gauge" (an ymflow extension; ILDG
 * defines only su3gauge).
 */
#ifndef YM_ILDG_H
#define YM_ILDG_H

#include "ym_format.h"
#include "ym_gauge.h"

/* Parse the LIME records of path into info (format YM_FMT_ILDG or
 * YM_FMT_SCIDAC). Collective (rank 0 reads, the result is broadcast).
 * Errors: YM_EIO, YM_EFORMAT (not LIME, missing or inconsistent records,
 * data length not matching the dims). */
int ym_ildg_read_header(MPI_Comm comm, const char *path, ym_config_info *info);

/* Read the links into u (N and dims must match info), verify the SciDAC
 * checksum, reunitarise 32-bit links (info->max_reunit) or check 64-bit ones
 * to 1e-12. Collective. Errors: YM_EIO, YM_EFORMAT. */
int ym_ildg_read(ym_gauge *u, const char *path, ym_config_info *info);

/* Write u as ILDG (SciDAC private records, ildg-format, ildg-binary-data,
 * scidac-checksum) with precision 32 or 64, atomically. Collective.
 * Errors: YM_EINVAL (precision), YM_EIO, YM_ENOMEM. */
int ym_ildg_write(ym_gauge *u, const char *path, int precision, int overwrite);

#endif
