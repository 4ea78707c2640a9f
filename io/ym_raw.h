/* The ymflow raw configuration file (interim format until the community
 * formats land; io/README.md documents the layout).
 *
 * A text header of lines
 *     ymflow-raw 1
 *     N <n>
 *     dims <L0> <L1> <L2> <L3>
 *     precision 64
 *     checksum <sum29 hex> <sum31 hex>
 *     end
 * followed by the links as big-endian IEEE-754 doubles: sites in global
 * lexicographic order (x fastest), per site mu = 0..3, each link N x N
 * row-major with (re, im) pairs. The checksum follows the SciDAC convention:
 * the CRC-32 of each site's bytes, rotated left by (site index mod 29)
 * resp. (mod 31), all XORed together.
 * Reading and writing are parallel (MPI-IO file views): each rank moves its
 * own block.
 */
#ifndef YM_RAW_H
#define YM_RAW_H

#include <stdint.h>

#include "ym_gauge.h"

typedef struct {
    int N;
    int L[4];
    uint32_t sum29, sum31;
    long long data_offset;
} ym_raw_header;

/* Read and check the header of path. Collective on comm (rank 0 reads,
 * everyone gets the result). Errors: YM_EIO (cannot open), YM_EFORMAT
 * (not a ymflow raw file, malformed header, size mismatch) with a message
 * naming the file. */
int ym_raw_read_header(MPI_Comm comm, const char *path, ym_raw_header *h);

/* Read path into u (its N and the grid's dims must match the header), then
 * verify the checksum, finiteness and unitarity (1e-12). Collective.
 * Errors: YM_EIO, YM_EFORMAT (mismatch, checksum, non-finite or non-unitary
 * link: the message names file, what and where). */
int ym_raw_read(ym_gauge *u, const char *path);

/* ym_raw_read with YM_IO_ACCEPT_BAD_CHECKSUM (ym_ioutil.h) in flags: a
 * checksum that disagrees is accepted and *checksum_bad (may be NULL) set;
 * finiteness and unitarity are still enforced. Collective. */
int ym_raw_read_flags(ym_gauge *u, const char *path, unsigned flags, int *checksum_bad);

/* Write u to path atomically (temporary file in the same directory, synced,
 * then renamed). Refuses to replace an existing file unless overwrite != 0.
 * Collective. Errors: YM_EIO. */
int ym_raw_write(ym_gauge *u, const char *path, int overwrite);

#endif
