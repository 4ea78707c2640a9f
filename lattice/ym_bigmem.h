/* Zeroed buffers of many megabytes (recordings, their analytic signals,
 * site fields from 32 MB: a 32^4 SU(3) link field is 600 MB).
 *
 * On a virtual machine the first touch of a 4 kB page is a fault that costs
 * microseconds; the 177 MB of analytic signals of the ECoG default are 43 000
 * of them, a third of a second per buffer. Where the system has transparent
 * huge pages these buffers are mapped with MADV_HUGEPAGE, 512 times fewer
 * faults; elsewhere they are calloc'ed. Contents are zero either way. */
#ifndef YM_BIGMEM_H
#define YM_BIGMEM_H

#include <stddef.h>

/* A zeroed buffer of `bytes` bytes, or NULL when out of memory. */
void *ym_bigmem_alloc(size_t bytes);
/* Frees a buffer of ym_bigmem_alloc; `bytes` must be the size it was made
 * with. NULL is ignored. */
void ym_bigmem_free(void *p, size_t bytes);

#endif
