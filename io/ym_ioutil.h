/* Helpers shared by the configuration-file formats: byte order, the MPI-IO
 * block file view, the SciDAC checksum, link decoding and atomic writes.
 * Internal to io/ (installed so that format modules can be added outside,
 * but not part of the stable API).
 */
#ifndef YM_IOUTIL_H
#define YM_IOUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ym_format.h"
#include "ym_gauge.h"

/* 1 on a little-endian host. Local. */
int ym_io_is_little(void);
/* Reverse the bytes of n words of wsize (4 or 8) bytes in place. Local. */
void ym_io_swap(void *buf, size_t n, size_t wsize);
/* Rotate left; r = 0 (and r = 32) leaves v unchanged. Local. */
uint32_t ym_io_rotl(uint32_t v, unsigned r);
/* Big-endian integers from bytes. Local. */
uint32_t ym_io_be32(const unsigned char *p);
uint64_t ym_io_be64(const unsigned char *p);

/* Size of path in bytes, or YM_EIO (missing, a directory). Local. */
int ym_io_file_size(const char *path, long long *size);

/* A format's header parser, run on rank 0 by ym_io_read_header: head holds
 * the first got bytes of the file (at most the max asked for, then a NUL,
 * writable), f the open file (for formats that seek further), size its
 * length; fills out. Returns a status with a message naming path. */
typedef int (*ym_io_header_parser)(const char *path, FILE *f, unsigned char *head, size_t got, long long size,
                                   void *out);

/* The preamble every header reader shares: out (out_size bytes) is zeroed;
 * rank 0 learns the size of path, opens it, reads up to max bytes and runs
 * parse; the status is agreed and out broadcast from rank 0. Collective.
 * Errors: YM_EIO (missing, a directory, unreadable), YM_ENOMEM, or
 * parse's. */
int ym_io_read_header(MPI_Comm comm, const char *path, size_t max, ym_io_header_parser parse, void *out,
                      size_t out_size);

/* Read this rank's block of site records (site_bytes each, global
 * lexicographic order x fastest, starting at byte offset of path) into a new
 * buffer (*buf, free() it) in the geometry's interior order. Collective.
 * Errors: YM_EIO, YM_EFORMAT (short read), YM_ENOMEM, YM_EMPI. */
int ym_io_read_sites(const ym_geom *g, const char *path, long long offset, size_t site_bytes, unsigned char **buf);

/* Write head (rank 0's copy), this rank's site records (interior order), then
 * tail (rank 0's copy) to path atomically: a temporary file in the same
 * directory, MPI_File_sync, rename. Refuses an existing path unless
 * overwrite. Collective. Errors: YM_EIO, YM_EMPI. */
int ym_io_write_sites(const ym_geom *g, const char *path, int overwrite, const void *head, size_t hlen,
                      const unsigned char *buf, size_t site_bytes, const void *tail, size_t tlen);

/* Write head (rank 0's copy), then nrec records of rec_bytes from buf to
 * the record slots rec[0] < rec[1] < ... (record k at byte hlen +
 * rec[k] * rec_bytes), every slot written by exactly one rank, atomically
 * as ym_io_write_sites. For formats whose records are not a block per rank
 * (openQCD). Collective. Errors: YM_EIO, YM_EMPI. */
int ym_io_write_records(MPI_Comm comm, const char *path, int overwrite, const void *head, size_t hlen,
                        const unsigned char *buf, size_t rec_bytes, int nrec, const int *rec);

/* Reading options (bits of the flags argument of the *_read_flags
 * functions; see io/README.md). YM_IO_ACCEPT_BAD_CHECKSUM: a stored checksum
 * (MILC sum29/sum31; openQCD: the header plaquette, its only check) that
 * disagrees with the data is reported (checksum_ok = 0; the plaquettes in
 * info) instead of refused. Unitarity is still enforced. */
#define YM_IO_ACCEPT_BAD_CHECKSUM 0x1u

/* SciDAC checksum of site records (as stored in the file): CRC-32 per site
 * rotated by global index mod 29 / mod 31, XORed over all ranks.
 * Collective. */
void ym_io_scidac_sums(const ym_geom *g, const unsigned char *buf, size_t site_bytes, uint32_t sums[2]);

/* Decode one link from native-order numbers (prec 4 = float, 8 = double):
 * rows stored rows of N complex numbers; for rows = N - 1 (only N = 3 or 2)
 * the last row is rebuilt (N = 3: conjugate cross product of the first two;
 * N = 2: (-conj b, conj a)). Local. */
void ym_io_decode_link(const unsigned char *p, int prec, int N, int rows, ym_cplx *u);
/* Encode the first rows rows of u as prec-byte native numbers. Local. */
void ym_io_encode_link(unsigned char *p, int prec, int N, int rows, const ym_cplx *u);

/* After decoding: check every interior link is finite and in SU(N); when
 * reunit, project each onto SU(N) first (single precision data) and report
 * the largest correction in *maxdev; otherwise refuse links deviating more
 * than tol. Then fill the halo. Collective. Errors: YM_EFORMAT naming path
 * and the global site. */
int ym_io_check_links(ym_gauge *u, const char *path, int reunit, double tol, double *maxdev);

/* A format's check of the site records of this rank (interior order):
 * called by ym_io_read_links before (file byte order) or after (native) the
 * byte swap. Must return the same kind of status on all ranks only through
 * reductions it does itself; the caller agrees the status. */
typedef int (*ym_io_verify)(const ym_geom *g, const char *path, unsigned char *buf, size_t site_bytes,
                            ym_config_info *info);

/* (1/N) Re tr U averaged over all links, summed compensated so that the
 * value does not depend on the process grid (NERSC LINK_TRACE, MILC
 * gauge.nersc_linktr). Collective. Errors: YM_EMPI. */
int ym_io_link_trace(ym_gauge *u, double *tr);

/* Read the links described by info (data_offset, precision, rows,
 * big_endian) into u, whose N and extents must match; run pre / post (may be
 * NULL); decode; reunitarise 32-bit links (tolerating 1e-5, largest change
 * in info->max_reunit) or check 64-bit ones to 1e-12; fill the halo.
 * Collective. Errors: YM_EIO, YM_EFORMAT, YM_ENOMEM. */
int ym_io_read_links(ym_gauge *u, const char *path, ym_config_info *info, ym_io_verify pre, ym_io_verify post);

#endif
