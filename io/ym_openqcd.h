/* openQCD (CERN) gauge files: little-endian int32 N0 N1 N2 N3 (t, x, y, z
 * extents), a double plaquette (openQCD normalisation Re tr P, averaged:
 * 3 x ours), then for each odd site x in openQCD order (t slowest, z
 * fastest) the 8 links U_0(x), U_0(x-0), U_1(x), U_1(x-1), ... as 3x3
 * row-major complex doubles. openQCD direction 0 is t; 1, 2, 3 are x, y, z.
 *
 * Verified: exact size, even extents, the plaquette (to 1e-12), unitarity.
 * Parallel: each rank reads the t-slices holding its links (its own t-range
 * plus one) with collective MPI-IO reads; the file has no per-site record a
 * subarray view could select. SU(3) only.
 */
#ifndef YM_OPENQCD_H
#define YM_OPENQCD_H

#include "ym_format.h"
#include "ym_gauge.h"

/* Parse the header. Collective (rank 0 reads). Errors: YM_EIO, YM_EFORMAT. */
int ym_openqcd_read_header(MPI_Comm comm, const char *path, ym_config_info *info);

/* Read and verify the links (u must be SU(3) on the file's dims).
 * Collective. Errors: YM_EIO, YM_EFORMAT, YM_ENOMEM. */
int ym_openqcd_read(ym_gauge *u, const char *path, ym_config_info *info);

/* ym_openqcd_read with options (ym_ioutil.h): YM_IO_ACCEPT_BAD_CHECKSUM
 * accepts a header plaquette disagreeing with the links (the format's only
 * stored check; compare info->plaquette and plaquette_read). Unitarity is
 * still enforced. Collective. Errors: YM_EIO, YM_EFORMAT, YM_ENOMEM. */
int ym_openqcd_read_flags(ym_gauge *u, const char *path, ym_config_info *info, unsigned flags);

/* Write u (SU(3), even extents, periodic) as openQCD: little-endian header
 * (t, x, y, z extents; plaquette = average Re tr P, 3 x ours, from the
 * deterministic ym_gauge_plaquette), then each odd site's 8 links as
 * little-endian doubles. Each rank writes the records of its own odd sites
 * (backward links from the halo) through an indexed MPI-IO view; atomic
 * (temporary file, sync, rename); an existing path is replaced only when
 * overwrite. Collective. Errors: YM_EINVAL (N != 3, odd extent, open
 * boundaries), YM_EIO, YM_ENOMEM. */
int ym_openqcd_write(ym_gauge *u, const char *path, int overwrite);

#endif
