/*
 * heap.c - kz_heap_prepare: a hint to the allocator of the calling thread (core.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kizuna/core.h"

#define HUGE_PAGE ((uintptr_t)2 << 20)
#define CHUNK ((size_t)30 << 20) /* below glibc's largest mmap threshold (32 MiB) */
#define CHUNKS_MAX 8

void kz_heap_prepare(size_t bytes)
{
    char *p[CHUNKS_MAX];
    size_t n = 0;

    /* Chunks the allocator can take from its heap; then the whole huge pages inside each. The
     * allocator keeps them once freed (when tuned to), and so the advice, for what follows. */
    while (bytes > 0 && n < CHUNKS_MAX) {
        size_t len = bytes < CHUNK ? bytes : CHUNK;
        uintptr_t start, end;
        if ((p[n] = malloc(len)) == NULL)
            break;
        start = ((uintptr_t)p[n] + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        end = ((uintptr_t)p[n] + len) & ~(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
        if (end > start)
            (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#endif
        n++;
        bytes -= len;
    }
    while (n > 0)
        free(p[--n]);
}
