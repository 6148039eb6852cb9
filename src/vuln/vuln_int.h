/*
 * vuln_int.h - small helpers the vulnerability modules share: a map from strings to indexes
 * (strmap.c) for the matcher's caches (match.c) and, as a set, for the merged view (merge.c)
 * and the writer (writer.c); a list of strings (strmap.c) for the writer's keys and the
 * exporter's ids; the lower-case text of a CPE attribute as the writer indexes it and the
 * matcher looks it up (record.c); and the test for a CVE id (record.c). Nothing here is part
 * of the library's public face.
 */
#ifndef KZ_VULN_INT_H
#define KZ_VULN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kizuna/core.h"
#include "kizuna/cpe.h"

/*
 * A map from NUL-terminated strings (copied in) to size_t, open addressing with FNV-1a. Zero
 * it to start ({0}); kz_strmap_free frees the keys and empties it. Only lookups and additions:
 * nothing is ever removed, and the map is never walked, so its order does not matter.
 */
typedef struct {
    char **key;
    size_t *val;
    uint64_t *hash;
    size_t n, cap; /* cap is a power of two or 0 */
} kz_strmap;

/* Frees every key and the tables, and leaves m empty (reusable). */
void kz_strmap_free(kz_strmap *m);

/* True, with *val, when key is in the map; false otherwise (val untouched). */
bool kz_strmap_get(const kz_strmap *m, const char *key, size_t *val);

/* Adds a copy of key -> val; key must not be there yet. KZ_ENOMEM leaves the map as it was. */
KZ_NODISCARD kz_rc kz_strmap_put(kz_strmap *m, const char *key, size_t val);

/*
 * The map as a set: adds a copy of key (with value 0) unless it is there; *added says whether it
 * was new. KZ_ENOMEM leaves the map as it was, with *added false.
 */
KZ_NODISCARD kz_rc kz_strmap_add(kz_strmap *m, const char *key, bool *added);

/*
 * As kz_strmap_add, without the copy: key (malloc'd) is taken over when it is added. When it was
 * there already (*added false) or on KZ_ENOMEM, the caller still owns key.
 */
KZ_NODISCARD kz_rc kz_strmap_add_owned(kz_strmap *m, char *key, bool *added);

/* A growing list of strings (copies), in the order added. Zero it to start ({0}). */
typedef struct {
    char **v;
    size_t n, cap;
} kz_strlist;

/*
 * Appends a copy of s to the kz_strlist list; shaped as a callback for kz_store_vids and
 * kz_vuln_record_keys. KZ_ENOMEM leaves the list as it was.
 */
KZ_NODISCARD kz_rc kz_strlist_add(void *list, const char *s);

/* Frees the strings but keeps the room: l is empty and ready for reuse. */
void kz_strlist_clear(kz_strlist *l);

/* Frees the strings and the room; l is empty. */
void kz_strlist_free(kz_strlist *l);

/*
 * Writes the text of CPE attribute a of c into out (cap bytes, cut to fit, always
 * NUL-terminated), ASCII letters lower-cased, WFN quoting kept: the form record.c indexes CPE
 * keys in. "" for ANY and NA.
 */
void kz_vuln_cpe_lower(const kz_cpe *c, kz_cpe_attr a, char *out, size_t cap);

/*
 * True when s is a CVE id: "CVE-", four digits, '-', four or more digits, nothing else (the
 * form CSAF and STIX want). False for NULL.
 */
bool kz_vuln_is_cve(const char *s);

#endif
