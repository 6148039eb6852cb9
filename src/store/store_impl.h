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
    kz_rc (*collection)(kz_store *s, const char *name, bool create, kz_collection *out,
                        kz_err *err);
    kz_rc (*collections)(kz_store *s, kz_rc (*fn)(void *ctx, const kz_collection *c), void *ctx,
                         kz_err *err);
    kz_rc (*begin)(kz_store *s, kz_err *err);
    kz_rc (*commit)(kz_store *s, kz_err *err);
    void (*rollback)(kz_store *s);
    kz_rc (*put)(kz_store *s, int64_t coll, const kz_put *p, kz_put_result *res, kz_err *err);
    kz_rc (*query)(kz_store *s, const kz_query *q, kz_rc (*fn)(void *ctx, const kz_row *row),
                   void *ctx, kz_err *err);
    kz_rc (*stats)(kz_store *s, kz_stats *out,
                   kz_rc (*fn)(void *ctx, const char *type, int64_t objects, int64_t versions),
                   void *ctx, kz_err *err);
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
