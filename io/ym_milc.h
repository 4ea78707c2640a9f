/* MILC v5 gauge files (version number 20103): a 96-byte header (int32
 * magic, int32 nx ny nz nt, 64-byte time stamp, int32 order, uint32 sum29,
 * sum31) in the writer's byte order, then single-precision SU(3) links, sites
 * x fastest (order 0), mu = x,y,z,t, 3x3 row-major (re, im).
 *
 * Magic 20104 marks the same layout with double-precision numbers.
 * Verified: magic (either byte order), order 0, exact size, the sum29/sum31
 * checksums (each 32-bit word w_k of site s, k = 0..71, rotated left by
 * (72 s + k) mod 29
 * resp. 31, XORed; for 20104 each word is the sum of the two 32-bit halves of a
 * double (GLU's definition)), unitarity after reunitarisation. MILC
 * defines only SU(3); there is no N != 3 variant.
 */
#ifndef YM_MILC_H
#define YM_MILC_H

#include "ym_format.h"
#include "ym_gauge.h"

#define YM_MILC_MAGIC 20103
#define YM_MILC_MAGIC64 20104 /* the double-precision variant (GLU writes it) */
#define YM_MILC_HEADER 96
#define YM_MILC_MAGIC_OLD 0xe7da /* MILC v1-4: magic, nx ny nz nt, float beta, float kappa; no checksum */
#define YM_MILC_HEADER_OLD 28

/* Parse the header. Collective (rank 0 reads). Errors: YM_EIO, YM_EFORMAT. */
int ym_milc_read_header(MPI_Comm comm, const char *path, ym_config_info *info);

/* Read and verify the links (u must be SU(3) on the file's dims).
 * Collective. Errors: YM_EIO, YM_EFORMAT. */
int ym_milc_read(ym_gauge *u, const char *path, ym_config_info *info);

/* ym_milc_read with options (ym_ioutil.h): YM_IO_ACCEPT_BAD_CHECKSUM reads
 * a file whose sum29/sum31 disagree with the data, leaving
 * info->checksum_ok = 0 (has_checksum = 1); links are still reunitarised
 * and refused beyond 1e-5. Collective. Errors: YM_EIO, YM_EFORMAT. */
int ym_milc_read_flags(ym_gauge *u, const char *path, ym_config_info *info, unsigned flags);

/* Write u (SU(3) only) as MILC 20103: single precision in the host's byte
 * order (as MILC writes it), order 0, sum29/sum31 as verified by the
 * reader, a 64-byte time stamp in ctime() form (from SOURCE_DATE_EPOCH,
 * seconds UTC, when set: then the file is reproducible). Each rank writes
 * its block (MPI-IO view); atomic (temporary file, sync, rename); an
 * existing path is replaced only when overwrite. Writes the .info sidecar
 * too (ym_milc_write_ex without metadata). Collective. Errors: YM_EINVAL (N != 3), YM_EIO, YM_ENOMEM. */
int ym_milc_write(ym_gauge *u, const char *path, int overwrite);

/* Key prefix of a metadata line in the .info sidecar: line k (from 1) of
 * the text is written as "ymflow.param_<k, 3 digits> <line>"; MILC's own
 * readers skip .info keys they do not know. */
#define YM_MILC_METADATA_KEY "ymflow.param_"

/* ym_milc_write plus the sidecar <path>.info: magic_number, time_stamp,
 * checksums and nx..nt (as MILC writes them and our reader cross-checks),
 * then each non-empty line of metadata (NULL or "": none; printable ASCII,
 * at most 1000 bytes a line) as a YM_MILC_METADATA_KEY entry. Both files
 * are written atomically; an existing sidecar is refused, before anything
 * is written, unless overwrite. Collective. Errors: those of
 * ym_milc_write, YM_EINVAL (bad metadata). */
int ym_milc_write_ex(ym_gauge *u, const char *path, int overwrite, const char *metadata);

/* The metadata text of <path>.info (its YM_MILC_METADATA_KEY entries, one
 * line each, '\n'-terminated) into *text (malloc'd, on every rank; NULL
 * when there is none or no sidecar). Collective (rank 0 reads). Errors:
 * YM_ENOMEM. */
int ym_milc_read_metadata(MPI_Comm comm, const char *path, char **text);

#endif
