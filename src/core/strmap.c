/*
 * strmap.c - strings kept by value (core.h). A map from strings to indexes: the vulnerability
 * matcher's caches of ids and keys, the merged view's sets of repeats, the writer's set of
 * record texts, and `kizuna scan`'s sightings per indicator. Open addressing with linear
 * probing and FNV-1a hashes kept beside the keys, so that growing never rehashes a string and a
 * probe
 * compares strings only when the hashes agree; the table is at most half full. And a plain
 * growing list of strings (the writer's keys, the exporter's ids).
 */
#include <stdlib.h>
#include <string.h>

#include "kizuna/core.h"

#define STRMAP_FIRST_CAP 64 /* slots on the first addition; a power of two */

/* FNV-1a, 64 bits, of a NUL-terminated string. */
static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Frees the keys and tables (vuln_int.h). */
void kz_strmap_free(kz_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->key[i]);
    free(m->key);
    free(m->val);
    free(m->hash);
    memset(m, 0, sizeof *m);
}

/* The slot of key (hash h): where it is, or the empty slot where it would go. cap > 0. */
static size_t slot(const kz_strmap *m, const char *key, uint64_t h)
{
    size_t i = h & (m->cap - 1);

    while (m->key[i] != NULL && !(m->hash[i] == h && strcmp(m->key[i], key) == 0))
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* Makes room for one more key, doubling the table when it would be more than half full. */
static kz_rc reserve_one(kz_strmap *m)
{
    size_t cap = m->cap ? 2 * m->cap : STRMAP_FIRST_CAP;
    kz_strmap g;

    if (2 * (m->n + 1) <= m->cap)
        return KZ_OK;
    g = (kz_strmap){calloc(cap, sizeof(char *)), calloc(cap, sizeof(size_t)),
                    calloc(cap, sizeof(uint64_t)), m->n, cap};
    if (g.key == NULL || g.val == NULL || g.hash == NULL) {
        kz_strmap_free(&g);
        return KZ_ENOMEM;
    }
    for (size_t k = 0; k < m->cap; k++) {
        size_t i;
        if (m->key[k] == NULL)
            continue;
        i = slot(&g, m->key[k], m->hash[k]);
        g.key[i] = m->key[k];
        g.val[i] = m->val[k];
        g.hash[i] = m->hash[k];
    }
    free(m->key);
    free(m->val);
    free(m->hash);
    *m = g;
    return KZ_OK;
}

/* Looks key up (vuln_int.h). */
bool kz_strmap_get(const kz_strmap *m, const char *key, size_t *val)
{
    size_t i;

    if (m->cap == 0)
        return false;
    i = slot(m, key, fnv(key));
    if (m->key[i] == NULL)
        return false;
    *val = m->val[i];
    return true;
}

/* Stores key (taken over) -> val in the empty slot i (hash h). */
static void store(kz_strmap *m, size_t i, char *key, uint64_t h, size_t val)
{
    m->key[i] = key;
    m->val[i] = val;
    m->hash[i] = h;
    m->n++;
}

/* Adds key -> val, key new (vuln_int.h). */
kz_rc kz_strmap_put(kz_strmap *m, const char *key, size_t val)
{
    uint64_t h = fnv(key);
    char *copy;
    kz_rc rc;

    if ((rc = reserve_one(m)) != KZ_OK)
        return rc;
    if ((copy = strdup(key)) == NULL)
        return KZ_ENOMEM;
    store(m, slot(m, key, h), copy, h, val);
    return KZ_OK;
}

/*
 * Adds key unless it is there; key_owned is key itself when the map may take it over, else NULL
 * and a copy is made. *added says whether it was new.
 */
static kz_rc add(kz_strmap *m, const char *key, char *key_owned, bool *added)
{
    uint64_t h = fnv(key);
    size_t i;
    kz_rc rc;

    *added = false;
    if ((rc = reserve_one(m)) != KZ_OK)
        return rc;
    i = slot(m, key, h);
    if (m->key[i] != NULL)
        return KZ_OK;
    if (key_owned == NULL && (key_owned = strdup(key)) == NULL)
        return KZ_ENOMEM;
    store(m, i, key_owned, h, 0);
    *added = true;
    return KZ_OK;
}

/* Adds a copy of key to the map used as a set, unless there (vuln_int.h). */
kz_rc kz_strmap_add(kz_strmap *m, const char *key, bool *added)
{
    return add(m, key, NULL, added);
}

/* Adds key itself to the map used as a set, unless there (vuln_int.h). */
kz_rc kz_strmap_add_owned(kz_strmap *m, char *key, bool *added)
{
    return add(m, key, key, added);
}

/* Appends a copy of s to the list (vuln_int.h). */
kz_rc kz_strlist_add(void *list, const char *s)
{
    kz_strlist *l = list;

    if (kz_grow(&l->v, &l->cap, l->n, sizeof *l->v, 16) != KZ_OK)
        return KZ_ENOMEM;
    if ((l->v[l->n] = strdup(s)) == NULL)
        return KZ_ENOMEM;
    l->n++;
    return KZ_OK;
}

/* Frees the strings, keeps the room (vuln_int.h). */
void kz_strlist_clear(kz_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

/* Frees the strings and the room (vuln_int.h). */
void kz_strlist_free(kz_strlist *l)
{
    kz_strlist_clear(l);
    free(l->v);
    memset(l, 0, sizeof *l);
}
