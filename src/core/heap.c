/*
 * heap.c - growing arrays (kz_grow), and kz_heap_prepare: a hint to the allocator of the
 * calling thread (core.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

kz_rc kz_grow(void *pp, size_t *cap, size_t n, size_t elem, size_t first)
{
    void *old, *g;
    size_t c;

    if (n < *cap)
        return KZ_OK;
    c = *cap ? 2 * *cap : first;
    if (elem == 0 || c > SIZE_MAX / elem)
        return KZ_ENOMEM;
    memcpy(&old, pp, sizeof old); /* the caller's T *, whatever T is */
    if ((g = realloc(old, c * elem)) == NULL)
        return KZ_ENOMEM;
    memcpy(pp, &g, sizeof g);
    *cap = c;
    return KZ_OK;
}
