/*
 * store_sqlite.h - private to the SQLite backend: its handle and the helpers that
 * store_sqlite.c (objects, collections, queries) and store_sqlite_admin.c (API roots, status,
 * users, credentials, grants) share.
 */
#ifndef KIZUNA_STORE_SQLITE_H
#define KIZUNA_STORE_SQLITE_H

#include "store_impl.h"

typedef struct {
    kz_store base;
    sqlite3 *db;
    char *path; /* as given, for messages */
    sqlite3_stmt *find;
    sqlite3_stmt *insert;
    sqlite3_stmt *last_added;
    sqlite3_stmt *coll_by_id;
    sqlite3_stmt *coll_by_title;
    sqlite3_stmt *coll_insert;
    sqlite3_stmt *data_version;
    uint64_t changes;            /* commits made through this handle (kz_store_generation) */
    int64_t added_ms;            /* date_added of the latest put, in ms since 1970 */
    char added[KZ_TIME_MAX];     /* its text, bound SQLITE_STATIC to insert */
    int added_n;
    int64_t batch_floor_ms;      /* the open batch's date_added is at least this */
    bool reading;                /* a snapshot (kz_store_read_begin) is open */
    /* Statements of store_sqlite_admin.c, prepared on first use and kept (kz_sq_stmt). */
    const char *stmt_sql[40];
    sqlite3_stmt *stmt[40];
} kz_sqlite;


/* Formats "path: SQLite's message (doing what)" and returns KZ_EDB. */
kz_rc kz_sq_fail(kz_sqlite *s, kz_err *err, const char *doing);

/* Column i of the current row as a view ("" for NULL); valid until the next step. */
kz_sv kz_sq_col(sqlite3_stmt *st, int i);

/*
 * The prepared statement for sql (a string constant: it is cached by its address), ready to bind
 * and step; the caller resets it with kz_sq_done after use.
 */
kz_rc kz_sq_stmt(kz_sqlite *s, const char *sql, sqlite3_stmt **st, kz_err *err);
void kz_sq_done(sqlite3_stmt *st);

/* Reads a collection from a row (key, id, title, description, root). */
kz_rc kz_sq_read_collection(kz_sqlite *s, sqlite3_stmt *st, kz_collection *out, kz_err *err);

/* The operations of store_sqlite_admin.c, for the backend's table. */
kz_rc kz_sq_root_add(kz_store *s, const char *name, const char *title, const char *description,
                     kz_err *err);
kz_rc kz_sq_roots(kz_store *s, kz_rc (*fn)(void *ctx, const kz_api_root *r), void *ctx,
                  kz_err *err);
kz_rc kz_sq_status_put(kz_store *s, const char *id, const char *root, const char *user,
                       kz_sv json, kz_err *err);
kz_rc kz_sq_status_get(kz_store *s, const char *id, const char *root, const char *user,
                       char **json, kz_err *err);
kz_rc kz_sq_user_put(kz_store *s, const char *name, const char *pw_hash, bool update,
                     kz_err *err);
kz_rc kz_sq_user_get(kz_store *s, const char *name, char out[KZ_PWHASH_MAX], kz_err *err);
kz_rc kz_sq_user_del(kz_store *s, const char *name, kz_err *err);
kz_rc kz_sq_users(kz_store *s,
                  kz_rc (*fn)(void *ctx, const char *name, const char *created, bool has_password,
                              int64_t tokens, int64_t certs),
                  void *ctx, kz_err *err);
kz_rc kz_sq_cred_add(kz_store *s, const char *user, const char *kind, const char *value,
                     const char *label, kz_err *err);
kz_rc kz_sq_cred_user(kz_store *s, const char *kind, const char *value, char user[KZ_NAME_MAX],
                      kz_err *err);
kz_rc kz_sq_cred_del(kz_store *s, const char *user, const char *kind, const char *value,
                     int64_t *removed, kz_err *err);
kz_rc kz_sq_grant(kz_store *s, const char *user, int64_t coll, bool can_read, bool can_write,
                  kz_err *err);
kz_rc kz_sq_rights(kz_store *s, const char *user, int64_t coll, bool *can_read, bool *can_write,
                   kz_err *err);
kz_rc kz_sq_grants(kz_store *s, const char *user,
                   kz_rc (*fn)(void *ctx, const char *user, const kz_collection *c, bool can_read,
                               bool can_write),
                   void *ctx, kz_err *err);

/* The operations of store_sqlite_vuln.c. */
kz_rc kz_sq_vdoc(kz_store *s, const kz_vdoc *d, bool *skip, bool *replaced, int64_t *doc,
                 kz_err *err);
kz_rc kz_sq_vrec_put(kz_store *s, int64_t doc, const char *vuln_id, kz_sv json, kz_sv refs,
                     const char *const *aliases, size_t n_aliases, const char *const *keys,
                     size_t n_keys, kz_err *err);
kz_rc kz_sq_vrecs(kz_store *s, const char *id, bool with_refs,
                  kz_rc (*fn)(void *ctx, const char *vuln_id, kz_sv json, kz_sv refs),
                  void *ctx, kz_err *err);
kz_rc kz_sq_vkey(kz_store *s, const char *key, kz_rc (*fn)(void *ctx, const char *vuln_id),
                 void *ctx, kz_err *err);
kz_rc kz_sq_vids(kz_store *s, kz_rc (*fn)(void *ctx, const char *vuln_id), void *ctx,
                 kz_err *err);
kz_rc kz_sq_vcounts(kz_store *s, int64_t *docs, int64_t *records, int64_t *vulns, kz_err *err);

#endif
