/*
 * store.h - the one storage interface of Kizuna: STIX object versions grouped in collections.
 *
 * A backend is chosen at run time by URL: "sqlite:///abs/path.db", "sqlite://rel/path.db" or a
 * plain path (SQLite, embedded, the default). A PostgreSQL backend ("postgresql://...") can be
 * added behind the same functions without touching callers.
 *
 * An object version is (id, version) where version is the fixed-width form of `modified`, else
 * `created`, else "" (see kz_stix_version). Each version keeps the object's exact JSON text, its
 * type, spec_version, date_added (when this node first stored it in that collection) and its
 * collection. A node never holds two different contents under the same version.
 */
#ifndef KIZUNA_STORE_H
#define KIZUNA_STORE_H

#include <jansson.h>

#include "kizuna/core.h"

typedef struct kz_store kz_store;

/* Opens (creating if needed) the store named by url. *out belongs to the caller (kz_store_free). */
KZ_NODISCARD kz_rc kz_store_open(const char *url, kz_store **out, kz_err *err);
/* Commits nothing that is pending (a pending batch is rolled back) and closes. Accepts NULL. */
void kz_store_free(kz_store *s);

/* ---- collections ------------------------------------------------------------------------ */

#define KZ_COLL_ID_MAX 64
typedef struct {
    char id[KZ_COLL_ID_MAX]; /* a UUID, as TAXII wants */
    char *title;             /* owned by the struct; kz_collection_clear frees */
    char *description;
    int64_t key;             /* backend key, for calls below */
} kz_collection;

void kz_collection_clear(kz_collection *c);

/*
 * Finds a collection by id or, failing that, by title. With create true, a missing one is
 * created with that title (and a new UUID). name NULL means the default collection ("default").
 */
KZ_NODISCARD kz_rc kz_store_collection(kz_store *s, const char *name, bool create,
                                       kz_collection *out, kz_err *err);

/* Calls fn for each collection in creation order. */
KZ_NODISCARD kz_rc kz_store_collections(kz_store *s,
                                        kz_rc (*fn)(void *ctx, const kz_collection *c),
                                        void *ctx, kz_err *err);

/* ---- writing ---------------------------------------------------------------------------- */

/*
 * Batches: puts between begin and commit are one transaction. Whatever was committed survives a
 * crash; a batch cut short leaves nothing of itself behind.
 */
KZ_NODISCARD kz_rc kz_store_begin(kz_store *s, kz_err *err);
KZ_NODISCARD kz_rc kz_store_commit(kz_store *s, kz_err *err);
void kz_store_rollback(kz_store *s);

typedef enum {
    KZ_PUT_NEW_OBJECT,  /* the id was not in the collection before */
    KZ_PUT_NEW_VERSION, /* the id was, but not this version */
    KZ_PUT_UNCHANGED,   /* this version with this content was already there */
    KZ_PUT_CONFLICT,    /* this version is stored with a different content; kept as it was */
} kz_put_result;

/* One object version to store. Strings are views of the caller's memory. */
typedef struct {
    kz_sv id;
    kz_sv type;
    kz_sv version;      /* from kz_stix_version; may be empty */
    kz_sv spec_version; /* "2.1" (or "2.0" for 2.0 content) */
    kz_sv text;         /* exact (minified) JSON text */
    const json_t *obj;  /* the parsed text, used to compare contents on a version clash */
} kz_put;

/*
 * Stores one object version in collection `coll` (key from kz_store_collection). Contents are
 * compared as JSON values, so the same object written with other spacing or key order is
 * UNCHANGED. Must be called between begin and commit.
 */
KZ_NODISCARD kz_rc kz_store_put(kz_store *s, int64_t coll, const kz_put *p, kz_put_result *res,
                                kz_err *err);

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct {
    int64_t coll;            /* 0: every collection, each (id, version) once */
    const char *type;        /* NULL: every type */
    const char *added_after; /* NULL or an RFC 3339 timestamp; exclusive */
    bool all_versions;       /* false: only the latest version of each id */
} kz_query;

/* One stored version, valid during the callback only. */
typedef struct {
    kz_sv id;
    kz_sv type;
    kz_sv version;
    kz_sv spec_version;
    kz_sv date_added; /* RFC 3339, millisecond precision */
    kz_sv text;
    int64_t coll;
} kz_row;

/*
 * Calls fn for each version matching q, ordered by date_added then insertion. A non-OK result
 * from fn stops the walk and is returned.
 */
KZ_NODISCARD kz_rc kz_store_query(kz_store *s, const kz_query *q,
                                  kz_rc (*fn)(void *ctx, const kz_row *row), void *ctx,
                                  kz_err *err);

typedef struct {
    int64_t collections;
    int64_t objects;  /* distinct (collection, id) */
    int64_t versions; /* stored versions */
    int64_t bytes;    /* JSON text stored */
} kz_stats;

/* Totals, and fn once per type with its object and version counts (may be NULL). */
KZ_NODISCARD kz_rc kz_store_stats(kz_store *s, kz_stats *out,
                                  kz_rc (*fn)(void *ctx, const char *type, int64_t objects,
                                              int64_t versions),
                                  void *ctx, kz_err *err);

#endif
