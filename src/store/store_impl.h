/*
 * store_impl.h - private to src/store: the table of operations every backend provides, and the
 * backends' constructors. store.c checks arguments and dispatches through the table, so adding a
 * backend (PostgreSQL) means one more file and one more line in store.c's URL dispatch.
 */
#ifndef KIZUNA_STORE_IMPL_H
#define KIZUNA_STORE_IMPL_H

#include <sqlite3.h>

#include "kizuna/store.h"

/* One backend. Each function has the meaning of the kz_store_ function of the same name. */
typedef struct {
    const char *name;
    void (*free)(kz_store *s);
    kz_rc (*dup)(kz_store *s, kz_store **out, kz_err *err);
    kz_rc (*collection)(kz_store *s, const char *name, bool create, kz_collection *out,
                        kz_err *err);
    kz_rc (*collections)(kz_store *s, kz_rc (*fn)(void *ctx, const kz_collection *c), void *ctx,
                         kz_err *err);
    kz_rc (*begin)(kz_store *s, kz_err *err);
    kz_rc (*commit)(kz_store *s, kz_err *err);
    void (*rollback)(kz_store *s);
    kz_rc (*read_begin)(kz_store *s, kz_err *err);
    void (*read_end)(kz_store *s);
    kz_rc (*put)(kz_store *s, int64_t coll, const kz_put *p, kz_put_result *res, kz_err *err);
    kz_rc (*query)(kz_store *s, const kz_query *q, kz_rc (*fn)(void *ctx, const kz_row *row),
                   void *ctx, kz_err *err);
    kz_rc (*stats)(kz_store *s, kz_stats *out,
                   kz_rc (*fn)(void *ctx, const char *type, int64_t objects, int64_t versions),
                   void *ctx, kz_err *err);
    kz_rc (*collection_add)(kz_store *s, const char *root, const char *title,
                            const char *description, kz_collection *out, kz_err *err);
    kz_rc (*root_add)(kz_store *s, const char *name, const char *title, const char *description,
                      kz_err *err);
    kz_rc (*roots)(kz_store *s, kz_rc (*fn)(void *ctx, const kz_api_root *r), void *ctx,
                   kz_err *err);
    kz_rc (*del)(kz_store *s, const kz_query *q, int64_t *deleted, kz_err *err);
    kz_rc (*generation)(kz_store *s, uint64_t *gen, kz_err *err);
    kz_rc (*status_put)(kz_store *s, const char *id, const char *root, const char *user,
                        kz_sv json, kz_err *err);
    kz_rc (*status_get)(kz_store *s, const char *id, const char *root, const char *user,
                        char **json, kz_err *err);
    kz_rc (*user_put)(kz_store *s, const char *name, const char *pw_hash, bool update,
                      kz_err *err);
    kz_rc (*user_get)(kz_store *s, const char *name, char out[KZ_PWHASH_MAX], kz_err *err);
    kz_rc (*user_del)(kz_store *s, const char *name, kz_err *err);
    kz_rc (*users)(kz_store *s,
                   kz_rc (*fn)(void *ctx, const char *name, const char *created,
                               bool has_password, int64_t tokens, int64_t certs),
                   void *ctx, kz_err *err);
    kz_rc (*cred_add)(kz_store *s, const char *user, const char *kind, const char *value,
                      const char *label, kz_err *err);
    kz_rc (*cred_user)(kz_store *s, const char *kind, const char *value, char user[KZ_NAME_MAX],
                       kz_err *err);
    kz_rc (*cred_del)(kz_store *s, const char *user, const char *kind, const char *value,
                      int64_t *removed, kz_err *err);
    kz_rc (*grant)(kz_store *s, const char *user, int64_t coll, bool can_read, bool can_write,
                   kz_err *err);
    kz_rc (*rights)(kz_store *s, const char *user, int64_t coll, bool *can_read, bool *can_write,
                    kz_err *err);
    kz_rc (*grants)(kz_store *s, const char *user,
                    kz_rc (*fn)(void *ctx, const char *user, const kz_collection *c,
                                bool can_read, bool can_write),
                    void *ctx, kz_err *err);
    kz_rc (*vdoc)(kz_store *s, const kz_vdoc *d, bool *skip, bool *replaced, int64_t *doc,
                  kz_err *err);
    kz_rc (*vrec_put)(kz_store *s, int64_t doc, const char *vuln_id, kz_sv json, kz_sv refs,
                      const char *const *aliases, size_t n_aliases, const char *const *keys,
                      size_t n_keys, kz_err *err);
    kz_rc (*vrecs)(kz_store *s, const char *id, bool with_refs,
                   kz_rc (*fn)(void *ctx, const char *vuln_id, kz_sv json, kz_sv refs),
                   void *ctx, kz_err *err);
    kz_rc (*vkey)(kz_store *s, const char *key, kz_rc (*fn)(void *ctx, const char *vuln_id),
                  void *ctx, kz_err *err);
    kz_rc (*vids)(kz_store *s, kz_rc (*fn)(void *ctx, const char *vuln_id), void *ctx,
                  kz_err *err);
    kz_rc (*vcounts)(kz_store *s, int64_t *docs, int64_t *records, int64_t *vulns, kz_err *err);
} kz_store_ops;

/* Every backend's handle starts with this, so a kz_store * is also a pointer to the backend's. */
struct kz_store {
    const kz_store_ops *ops;
};

/* Opens (creating if needed) the SQLite database at path (a file name, not a URL). */
KZ_NODISCARD kz_rc kz_store_sqlite_open(const char *path, kz_store **out, kz_err *err);

/* For tests: the connection of a SQLite store, or NULL when s is another backend. */
sqlite3 *kz_store_sqlite_handle(kz_store *s);

/* For tests: the SQL text kz_store_query runs for q, in b (so its plan can be inspected). */
KZ_NODISCARD kz_rc kz_store_sqlite_query_sql(const kz_query *q, kz_buf *b);

#endif
