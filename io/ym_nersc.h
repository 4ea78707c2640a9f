/* NERSC gauge files: an ASCII header (BEGIN_HEADER, KEY = VALUE lines,
 * END_HEADER) followed by the links, sites x fastest, mu = x,y,z,t, each link
 * stored as its first two rows (DATATYPE 4D_SU3_GAUGE; the third row is the
 * conjugate cross product) or whole (4D_SU3_GAUGE_3x3). For N != 3 the
 * datatype is 4D_SU<N>_GAUGE_<N>x<N> (as GLU writes it).
 * Read only: 4D_SU3_GAUGE_SMALL (GLU's compressed SU(3), 8 reals per link:
 * Re, Im U01, Re, Im U02, Re, Im U10, arg U00, arg U20; the rest rebuilt
 * from unitarity and det 1), checksum over the stored words as for 3x2.
 *
 * Verified on reading: size, CHECKSUM (the sum modulo 2^32 of all stored
 * 32-bit words, taken in the file's byte order), PLAQUETTE (NERSC's tr/3 =
 * our plaquette) and LINK_TRACE ((1/N) Re tr U averaged), unitarity.
 * Without FLOATING_POINT the precision follows from the size and the byte
 * order is the one whose checksum agrees.
 */
#ifndef YM_NERSC_H
#define YM_NERSC_H

#include "ym_format.h"
#include "ym_gauge.h"

#define YM_NERSC_SMALL_REALS 8 /* reals per link of 4D_SU3_GAUGE_SMALL */

/* Parse the header. Collective (rank 0 reads). Errors: YM_EIO, YM_EFORMAT. */
int ym_nersc_read_header(MPI_Comm comm, const char *path, ym_config_info *info);

/* Read and verify the links (N and dims of u must match). Collective.
 * Errors: YM_EIO, YM_EFORMAT. */
int ym_nersc_read(ym_gauge *u, const char *path, ym_config_info *info);

/* Write u as NERSC, IEEE64BIG, with rows = N (3x3 / NxN) or N - 1 (3x2; N = 3
 * or 2 only), atomically. Collective. Errors: YM_EINVAL, YM_EIO, YM_ENOMEM. */
int ym_nersc_write(ym_gauge *u, const char *path, int rows, int overwrite);

/* Header key prefix of a metadata line: line k (from 1) of the text is
 * written as "YMFLOW_PARAM_<k, 3 digits or more> = <line>" before
 * END_HEADER; other NERSC readers ignore unknown keys (MILC writes its whole
 * .info file into the header so). */
#define YM_NERSC_METADATA_KEY "YMFLOW_PARAM_"
/* Longest metadata line the NERSC writer accepts (the reader keeps values
 * up to 1023 bytes). */
#define YM_NERSC_METADATA_LINE 1000

/* ym_nersc_write with a metadata text (NULL or "" for none; the same on
 * every rank): each non-empty line becomes a YM_NERSC_METADATA_KEY header
 * entry. Lines must be printable ASCII, at most YM_NERSC_METADATA_LINE
 * bytes, and must not contain BEGIN_HEADER or END_HEADER; the header must
 * stay within the 64 KiB the reader reads. Collective. Errors: YM_EINVAL
 * (rows, a bad metadata line, header too long), YM_EIO, YM_ENOMEM. */
int ym_nersc_write_ex(ym_gauge *u, const char *path, int rows, int overwrite, const char *metadata);

/* The metadata text of a NERSC file (its YM_NERSC_METADATA_KEY entries in
 * number order, one line each, '\n'-terminated) into *text (malloc'd, on
 * every rank; NULL when there is none). Collective (rank 0 reads).
 * Errors: YM_EIO, YM_EFORMAT (not NERSC), YM_ENOMEM. */
int ym_nersc_read_metadata(MPI_Comm comm, const char *path, char **text);

#endif
