/*
 * store.c - the public store functions: choose a backend from the URL, check arguments, and
 * dispatch through the backend's table of operations (store_impl.h). Callers never see which
 * backend they talk to.
 *
 * URLs: "sqlite:///abs/path.db" (absolute), "sqlite://rel/path.db" (relative to the working
 * folder), a plain path (SQLite), "postgresql://..." (not built yet).
 */
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

/* True when url starts with "<letters, digits, + - .>://", i.e. names a scheme. */
static bool has_scheme(const char *url, size_t *scheme_len)
{
    size_t i = 0;

    while ((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
           (i > 0 && ((url[i] >= '0' && url[i] <= '9') || url[i] == '+' || url[i] == '-' ||
                      url[i] == '.')))
        i++;
    if (i == 0 || strncmp(url + i, "://", 3) != 0)
        return false;
    *scheme_len = i;
    return true;
}

kz_rc kz_store_open(const char *url, kz_store **out, kz_err *err)
{
    static const char sqlite_prefix[] = "sqlite://";
    size_t scheme_len = 0;

    *out = NULL;
    if (url == NULL || url[0] == '\0')
        return kz_fail(err, KZ_EUSAGE, "empty store URL (expected sqlite:///path/kizuna.db "
                                       "or a file name)");
    if (strncmp(url, sqlite_prefix, sizeof sqlite_prefix - 1) == 0) {
        const char *path = url + sizeof sqlite_prefix - 1;
        if (path[0] == '\0')
            return kz_fail(err, KZ_EUSAGE, "%s: no database file after sqlite:// (expected "
                                           "sqlite:///abs/path.db or sqlite://rel/path.db)",
                           url);
        return kz_store_sqlite_open(path, out, err);
    }
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
        return kz_fail(err, KZ_EUSAGE, "%s: PostgreSQL backend not built yet (use sqlite:///path)",
                       url);
    if (has_scheme(url, &scheme_len))
        return kz_fail(err, KZ_EUSAGE,
                       "%s: unknown store URL scheme \"%.*s\" (expected sqlite:// or a file name)",
                       url, (int)scheme_len, url);
    return kz_store_sqlite_open(url, out, err);
}

void kz_store_free(kz_store *s)
{
    if (s != NULL)
        s->ops->free(s);
}

void kz_collection_clear(kz_collection *c)
{
    if (c == NULL)
        return;
    free(c->title);
    free(c->description);
    memset(c, 0, sizeof *c);
}

kz_rc kz_store_collection(kz_store *s, const char *name, bool create, kz_collection *out,
                          kz_err *err)
{
    memset(out, 0, sizeof *out);
    return s->ops->collection(s, name, create, out, err);
}

kz_rc kz_store_collections(kz_store *s, kz_rc (*fn)(void *ctx, const kz_collection *c), void *ctx,
                           kz_err *err)
{
    return s->ops->collections(s, fn, ctx, err);
}

kz_rc kz_store_begin(kz_store *s, kz_err *err)
{
    return s->ops->begin(s, err);
}

kz_rc kz_store_commit(kz_store *s, kz_err *err)
{
    return s->ops->commit(s, err);
}

void kz_store_rollback(kz_store *s)
{
    if (s != NULL)
        s->ops->rollback(s);
}

kz_rc kz_store_put(kz_store *s, int64_t coll, const kz_put *p, kz_put_result *res, kz_err *err)
{
    return s->ops->put(s, coll, p, res, err);
}

kz_rc kz_store_query(kz_store *s, const kz_query *q, kz_rc (*fn)(void *ctx, const kz_row *row),
                     void *ctx, kz_err *err)
{
    return s->ops->query(s, q, fn, ctx, err);
}

kz_rc kz_store_stats(kz_store *s, kz_stats *out,
                     kz_rc (*fn)(void *ctx, const char *type, int64_t objects, int64_t versions),
                     void *ctx, kz_err *err)
{
    memset(out, 0, sizeof *out);
    return s->ops->stats(s, out, fn, ctx, err);
}
