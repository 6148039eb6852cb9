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
/* Opens another handle on the store s is open on, for another thread: a handle is used by one
 * thread at a time, and each sees the store's committed state. */
KZ_NODISCARD kz_rc kz_store_dup(kz_store *s, kz_store **out, kz_err *err);

/* ---- collections ------------------------------------------------------------------------ */

#define KZ_COLL_ID_MAX 64
#define KZ_NAME_MAX 64 /* user and API root names: [A-Za-z0-9._-], 1..63 bytes */
typedef struct {
    char id[KZ_COLL_ID_MAX]; /* a UUID, as TAXII wants */
    char *title;             /* owned by the struct; kz_collection_clear frees */
    char *description;
    char root[KZ_NAME_MAX];  /* the API root it belongs to */
    int64_t key;             /* backend key, for calls below */
} kz_collection;

void kz_collection_clear(kz_collection *c);

/*
 * Finds a collection by id or, failing that, by title. With create true, a missing one is
 * created with that title (and a new UUID). name NULL means the default collection ("default").
 */
KZ_NODISCARD kz_rc kz_store_collection(kz_store *s, const char *name, bool create,
                                       kz_collection *out, kz_err *err);

/*
 * Creates a collection in API root `root` (which must exist) with a new UUID. title must not be
 * empty; description may be NULL. *out is filled (kz_collection_clear frees).
 */
KZ_NODISCARD kz_rc kz_store_collection_add(kz_store *s, const char *root, const char *title,
                                           const char *description, kz_collection *out,
                                           kz_err *err);

/* Calls fn for each collection in creation order. */
KZ_NODISCARD kz_rc kz_store_collections(kz_store *s,
                                        kz_rc (*fn)(void *ctx, const kz_collection *c),
                                        void *ctx, kz_err *err);

/* ---- API roots (TAXII): a name that is the URL path segment, a title and a description ---- */

#define KZ_ROOT_DEFAULT "api" /* made with the schema: /api/ */
typedef struct {
    char name[KZ_NAME_MAX];
    const char *title;       /* valid during the callback */
    const char *description;
} kz_api_root;

/* Adds an API root; KZ_ECONFLICT when the name exists, KZ_EINVAL when it is not a valid name. */
KZ_NODISCARD kz_rc kz_store_root_add(kz_store *s, const char *name, const char *title,
                                     const char *description, kz_err *err);
/* Calls fn for each API root in creation order (the default first). */
KZ_NODISCARD kz_rc kz_store_roots(kz_store *s, kz_rc (*fn)(void *ctx, const kz_api_root *r),
                                  void *ctx, kz_err *err);

/* ---- writing ---------------------------------------------------------------------------- */

/*
 * Batches: puts between begin and commit are one transaction. Whatever was committed survives a
 * crash; a batch cut short leaves nothing of itself behind.
 */
KZ_NODISCARD kz_rc kz_store_begin(kz_store *s, kz_err *err);
KZ_NODISCARD kz_rc kz_store_commit(kz_store *s, kz_err *err);
void kz_store_rollback(kz_store *s);

/*
 * Snapshots: between kz_store_read_begin and kz_store_read_end every read through s sees one
 * committed state of the store, and a read costs no locking of its own, which matters for runs
 * of thousands of small reads (kz_vuln_match). Other handles may write meanwhile; s sees their
 * commits after read_end. Not inside a batch, and no batch inside one.
 */
KZ_NODISCARD kz_rc kz_store_read_begin(kz_store *s, kz_err *err);
void kz_store_read_end(kz_store *s); /* no-op without a snapshot */

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

/* Which versions of each id a query gives (TAXII match[version]); flags may be combined. */
enum {
    KZ_VER_LAST = 1,  /* the latest version (the default when no flag and no list is set) */
    KZ_VER_FIRST = 2, /* the earliest version */
    KZ_VER_ALL = 4,   /* every version */
};

typedef struct {
    int64_t coll;            /* 0: every collection, each (id, version) once */
    const char *type;        /* NULL: every type */
    const char *added_after; /* NULL or an RFC 3339 timestamp; exclusive */
    bool all_versions;       /* false: only the latest version of each id (same as KZ_VER_ALL) */
    /* TAXII filters; each list is OR-ed within itself and AND-ed with the others. Lists need
     * coll != 0. Strings are the caller's. */
    const char *const *ids;      /* match[id] */
    size_t n_ids;
    const char *const *types;    /* match[type] */
    size_t n_types;
    const char *const *spec_versions; /* match[spec_version]; none: only each id's latest */
    size_t n_spec_versions;           /* spec_version is given (TAXII's default) */
    unsigned ver_flags;               /* KZ_VER_*; 0 with no versions: KZ_VER_LAST */
    const char *const *versions;      /* exact versions, in kz_stix_version's fixed form */
    size_t n_versions;
    bool latest_spec_only;   /* only versions of each id's latest spec_version (TAXII's rule
                              * when no match[spec_version] is given) */
    int64_t after_seq;       /* paging: only rows with seq > after_seq (0: from the start) */
    int64_t limit;           /* at most this many rows (0: no limit) */
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
    int64_t seq; /* insertion order within the store: the paging position */
} kz_row;

/*
 * Calls fn for each version matching q, ordered by date_added then insertion. A non-OK result
 * from fn stops the walk and is returned.
 */
KZ_NODISCARD kz_rc kz_store_query(kz_store *s, const kz_query *q,
                                  kz_rc (*fn)(void *ctx, const kz_row *row), void *ctx,
                                  kz_err *err);

/*
 * Deletes the versions of one object that q selects (q->coll and q->ids[0] must be set; the
 * version and spec_version filters apply; paging fields are ignored). Runs in its own batch
 * unless one is open. *deleted is the number of versions removed (0: none matched).
 */
KZ_NODISCARD kz_rc kz_store_delete(kz_store *s, const kz_query *q, int64_t *deleted,
                                   kz_err *err);

/*
 * A number that changes whenever the store's content may have changed, by this handle or any
 * other writer (another thread's handle, another process). Cheap: for caches of answers.
 */
KZ_NODISCARD kz_rc kz_store_generation(kz_store *s, uint64_t *gen, kz_err *err);

/* ---- TAXII status resources ------------------------------------------------------------- */

/*
 * Stores the status resource `json` (its text, an object) under UUID id, for user `user` in API
 * root `root`. Within a batch, it commits with the objects it reports on.
 */
KZ_NODISCARD kz_rc kz_store_status_put(kz_store *s, const char *id, const char *root,
                                       const char *user, kz_sv json, kz_err *err);
/* Finds a status; *json (malloc'd, the caller frees) is its text. KZ_ENOTFOUND (no message)
 * when there is none with that id in that root for that user. */
KZ_NODISCARD kz_rc kz_store_status_get(kz_store *s, const char *id, const char *root,
                                       const char *user, char **json, kz_err *err);

/* ---- users, credentials and rights ------------------------------------------------------ */

/*
 * Users are names ([A-Za-z0-9._@-], 1..63 bytes). A password is kept only as an argon2id hash in
 * its encoded form ($argon2id$v=19$...); API tokens only as the hex SHA-256 of the token; client
 * certificates as "sha256:<hex of the DER>" or "subject:<RFC 4514 DN>".
 */
#define KZ_PWHASH_MAX 192

/* Creates the user, or with `update` sets a new password hash for an existing one.
 * KZ_ECONFLICT: exists and !update; KZ_ENOTFOUND: missing and update. pw_hash may be NULL
 * (no password: token or certificate only). */
KZ_NODISCARD kz_rc kz_store_user_put(kz_store *s, const char *name, const char *pw_hash,
                                     bool update, kz_err *err);
/* Password hash of a user into out ("" when the user has none). KZ_ENOTFOUND (no message). */
KZ_NODISCARD kz_rc kz_store_user_get(kz_store *s, const char *name, char out[KZ_PWHASH_MAX],
                                     kz_err *err);
/* Removes a user with their tokens, certificates and grants. KZ_ENOTFOUND when missing. */
KZ_NODISCARD kz_rc kz_store_user_del(kz_store *s, const char *name, kz_err *err);
KZ_NODISCARD kz_rc kz_store_users(kz_store *s,
                                  kz_rc (*fn)(void *ctx, const char *name, const char *created,
                                              bool has_password, int64_t tokens, int64_t certs),
                                  void *ctx, kz_err *err);

/* Credentials other than the password: kind "token" (value: hex SHA-256) or "cert" (value:
 * "sha256:..." or "subject:..."). One value maps to one user (KZ_ECONFLICT otherwise). */
KZ_NODISCARD kz_rc kz_store_cred_add(kz_store *s, const char *user, const char *kind,
                                     const char *value, const char *label, kz_err *err);
/* The user a credential maps to, into user. KZ_ENOTFOUND (no message) when none. */
KZ_NODISCARD kz_rc kz_store_cred_user(kz_store *s, const char *kind, const char *value,
                                      char user[KZ_NAME_MAX], kz_err *err);
/* Removes one credential (by value), or with value NULL every credential of that kind. */
KZ_NODISCARD kz_rc kz_store_cred_del(kz_store *s, const char *user, const char *kind,
                                     const char *value, int64_t *removed, kz_err *err);

/* Sets the rights of user on collection key (both false removes the grant). */
KZ_NODISCARD kz_rc kz_store_grant(kz_store *s, const char *user, int64_t coll, bool can_read,
                                  bool can_write, kz_err *err);
/* The rights of user on coll (false, false when none). */
KZ_NODISCARD kz_rc kz_store_rights(kz_store *s, const char *user, int64_t coll, bool *can_read,
                                   bool *can_write, kz_err *err);
/* Calls fn for each grant (of one user, or of all when user is NULL), ordered by user. */
KZ_NODISCARD kz_rc kz_store_grants(kz_store *s, const char *user,
                                   kz_rc (*fn)(void *ctx, const char *user,
                                               const kz_collection *c, bool can_read,
                                               bool can_write),
                                   void *ctx, kz_err *err);

/* ---- vulnerability records (vuln.h describes a record; kz_vuln_writer is the usual caller) ---- */

/* One source document: kind ("csaf", "cve5", ...), its own id, and its revision (RFC 3339). */
typedef struct {
    const char *kind;
    const char *document;
    const char *revision;
} kz_vdoc;

/*
 * Within a batch, prepares to store the records of one document. When a later revision of it is
 * stored, *skip is true and nothing changes. Otherwise the records of any stored revision are
 * removed (*replaced says whether there were any) and *doc is the key to put the new ones under.
 */
KZ_NODISCARD kz_rc kz_store_vdoc(kz_store *s, const kz_vdoc *d, bool *skip, bool *replaced,
                                 int64_t *doc, kz_err *err);
/*
 * Stores one record of document doc, found later by vuln_id, by each alias and by each key.
 * refs (may be empty) is kept beside the record and read only when asked for: kz_vuln_writer
 * puts a record's full "references" array there and only its first reference in json, so that
 * matching, which needs no more, reads and parses a quarter less.
 */
KZ_NODISCARD kz_rc kz_store_vrec_put(kz_store *s, int64_t doc, const char *vuln_id, kz_sv json,
                                     kz_sv refs, const char *const *aliases, size_t n_aliases,
                                     const char *const *keys, size_t n_keys, kz_err *err);
/*
 * Calls fn for every record of the vulnerability that id names (its id or an alias of any of
 * its records), in storage order, with the refs kept beside it when with_refs is true (empty
 * when there are none; always empty, and not read, when with_refs is false). KZ_ENOTFOUND (no
 * message) when there is none.
 */
KZ_NODISCARD kz_rc kz_store_vrecs(kz_store *s, const char *id, bool with_refs,
                                  kz_rc (*fn)(void *ctx, const char *vuln_id, kz_sv json,
                                              kz_sv refs),
                                  void *ctx, kz_err *err);
/* Calls fn with the vulnerability id of each record stored under key (kz_vuln_record_keys),
 * each id once, in id order. */
KZ_NODISCARD kz_rc kz_store_vkey(kz_store *s, const char *key,
                                 kz_rc (*fn)(void *ctx, const char *vuln_id), void *ctx,
                                 kz_err *err);
/* Calls fn for each vulnerability id, once, in id order. */
KZ_NODISCARD kz_rc kz_store_vids(kz_store *s, kz_rc (*fn)(void *ctx, const char *vuln_id),
                                 void *ctx, kz_err *err);
/* Documents, records and distinct vulnerabilities stored. */
KZ_NODISCARD kz_rc kz_store_vcounts(kz_store *s, int64_t *docs, int64_t *records,
                                    int64_t *vulns, kz_err *err);

/* ---- totals ------------------------------------------------------------------------------ */

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
