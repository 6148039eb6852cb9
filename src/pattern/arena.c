/*
 * arena.c - the memory of a parsed pattern. Nodes, decoded strings and the copy of the text are
 * bump-allocated from chunks that double in size; kz_pattern_free() frees the chunks and nothing
 * else, so a tree can never leak or be half freed. The parser's node count and the text length
 * bound how much an arena can grow.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "pattern_int.h"

struct kz_pat_chunk {
    kz_pat_chunk *next;
    size_t used;
    size_t cap;
    alignas(max_align_t) unsigned char mem[];
};

#define ARENA_MIN_CHUNK 1024
#define ARENA_MAX_CHUNK (1u << 24) /* beyond this, chunks stop doubling */

void kz_pat_arena_init(kz_pat_arena *a, size_t first_size)
{
    a->head = NULL;
    a->next_size = first_size < ARENA_MIN_CHUNK ? ARENA_MIN_CHUNK : first_size;
}

void *kz_pat_arena_alloc(kz_pat_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    kz_pat_chunk *c = a->head;
    size_t need, at;
    void *p;

    if (n > SIZE_MAX / 2)
        return NULL;
    need = (n + align - 1) & ~(align - 1);
    if (need == 0)
        need = align;
    if (c == NULL || c->cap - c->used < need) {
        size_t cap = a->next_size;
        if (cap < need)
            cap = need;
        if ((c = malloc(sizeof *c + cap)) == NULL)
            return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
        if (a->next_size < ARENA_MAX_CHUNK)
            a->next_size *= 2;
    }
    at = c->used;
    c->used += need;
    p = c->mem + at;
    memset(p, 0, n);
    return p;
}

void kz_pat_arena_free(kz_pat_arena *a)
{
    kz_pat_chunk *c = a->head;

    while (c != NULL) {
        kz_pat_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}
