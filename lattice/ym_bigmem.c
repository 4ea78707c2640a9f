/* Huge-page backed zeroed buffers (see ym_bigmem.h). */
#define _DEFAULT_SOURCE
#include "ym_bigmem.h"

#include <stdlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Below this a buffer is an ordinary calloc: the heap reuses small blocks
 * without faults, and a mapping has a page-table cost of its own. */
#define YM_BIGMEM_MIN ((size_t)32 << 20)

#if defined(__linux__) && defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
void *ym_bigmem_alloc(size_t bytes)
{
    if (bytes < YM_BIGMEM_MIN) return calloc(1, bytes ? bytes : 1);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    /* advice only: without huge pages the mapping still works */
    (void)madvise(p, bytes, MADV_HUGEPAGE);
    return p;
}

void ym_bigmem_free(void *p, size_t bytes)
{
    if (!p) return;
    if (bytes < YM_BIGMEM_MIN) free(p);
    else munmap(p, bytes);
}
#else
void *ym_bigmem_alloc(size_t bytes) { return calloc(1, bytes ? bytes : 1); }

void ym_bigmem_free(void *p, size_t bytes)
{
    (void)bytes;
    free(p);
}
#endif
