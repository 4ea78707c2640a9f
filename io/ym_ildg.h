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
#include "ym_lime.h"

/* LIME type of the record holding an ymflow metadata text (the effective
 * run-card parameters or a conversion's provenance, "section.key = value"
 * lines); io/README.md. */
#define YM_ILDG_METADATA "ymflow-parameters"
/* Most bytes of uninterpreted records ym_ildg_read_extra carries. */
#define YM_ILDG_EXTRA_MAX (64LL << 20)

/* 1 if the ILDG writer makes records of this type itself (ildg-format,
 * ildg-binary-data, scidac-binary-data, scidac-checksum,
 * scidac-private-file-xml, scidac-private-record-xml): they describe the
 * binary data and are never carried over. Local. */
int ym_ildg_generated(const char *type);

/* The records of a LIME file that ymflow does not regenerate (xlf-info,
 * scidac-file-xml, scidac-record-xml, ildg-data-lfn, ymflow-parameters,
 * any unknown type such as tmLQCD's ranluxd-state), in file order, type and
 * payload bytes as stored, into *extra (initialise it with
 * YM_LIME_LIST_INIT; free with ym_lime_list_free). Every rank gets the
 * list. Collective (rank 0 reads). Errors: YM_EIO, YM_EFORMAT (not LIME,
 * more than YM_ILDG_EXTRA_MAX bytes), YM_ENOMEM. */
int ym_ildg_read_extra(MPI_Comm comm, const char *path, ym_lime_list *extra);

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

/* ym_ildg_write with a metadata text (NULL or "" for none), written as a
 * YM_ILDG_METADATA record, and records to carry over (NULL for none; rank
 * 0's list is used): scidac-file-xml goes into the first message after the
 * SciDAC file XML, scidac-record-xml and ildg-data-lfn into the data message
 * (the QIO / ILDG places; the first of each), every other record into a
 * message of its own after the data, in list order. Records of generated
 * types are skipped, and so are YM_ILDG_METADATA records when metadata is
 * given (it replaces them). Collective. Errors: YM_EINVAL, YM_EIO,
 * YM_ENOMEM. */
int ym_ildg_write_ex(ym_gauge *u, const char *path, int precision, int overwrite, const char *metadata,
                     const ym_lime_list *extra);

#endif
