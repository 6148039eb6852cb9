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

kz_rc kz_store_dup(kz_store *s, kz_store **out, kz_err *err)
{
    *out = NULL;
    return s->ops->dup(s, out, err);
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

kz_rc kz_store_read_begin(kz_store *s, kz_err *err)
{
    return s->ops->read_begin(s, err);
}

void kz_store_read_end(kz_store *s)
{
    if (s != NULL)
        s->ops->read_end(s);
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

/* ---- TAXII, users and rights: argument checks here, the work in the backend ---------------- */

/* A user or API root name: [A-Za-z0-9._@-], 1..KZ_NAME_MAX-1 bytes. */
static bool name_ok(const char *name, bool at_ok)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n >= KZ_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-' || (at_ok && ch == '@')))
            return false;
    }
    return true;
}

static kz_rc bad_user(const char *name, kz_err *err)
{
    return kz_fail(err, KZ_EINVAL,
                   "\"%.80s\" is not a valid user name (expected 1 to %d of A-Z a-z 0-9 . _ @ -)",
                   name ? name : "", KZ_NAME_MAX - 1);
}

kz_rc kz_store_collection_add(kz_store *s, const char *root, const char *title,
                              const char *description, kz_collection *out, kz_err *err)
{
    memset(out, 0, sizeof *out);
    if (title == NULL || title[0] == '\0')
        return kz_fail(err, KZ_EINVAL, "a collection needs a title");
    return s->ops->collection_add(s, root ? root : KZ_ROOT_DEFAULT, title,
                                  description ? description : "", out, err);
}

kz_rc kz_store_root_add(kz_store *s, const char *name, const char *title, const char *description,
                        kz_err *err)
{
    if (!name_ok(name, false) || strcmp(name, "taxii2") == 0)
        return kz_fail(err, KZ_EINVAL,
                       "\"%.80s\" is not a valid API root name (expected 1 to %d of A-Z a-z 0-9 . _ -,"
                       " not taxii2)",
                       name ? name : "", KZ_NAME_MAX - 1);
    return s->ops->root_add(s, name, title ? title : name, description ? description : "", err);
}

kz_rc kz_store_roots(kz_store *s, kz_rc (*fn)(void *ctx, const kz_api_root *r), void *ctx,
                     kz_err *err)
{
    return s->ops->roots(s, fn, ctx, err);
}

kz_rc kz_store_delete(kz_store *s, const kz_query *q, int64_t *deleted, kz_err *err)
{
    *deleted = 0;
    if (q->coll == 0 || q->n_ids != 1)
        return kz_fail(err, KZ_EUSAGE, "kz_store_delete needs one collection and one id");
    return s->ops->del(s, q, deleted, err);
}

kz_rc kz_store_generation(kz_store *s, uint64_t *gen, kz_err *err)
{
    return s->ops->generation(s, gen, err);
}

kz_rc kz_store_status_put(kz_store *s, const char *id, const char *root, const char *user,
                          kz_sv json, kz_err *err)
{
    return s->ops->status_put(s, id, root, user ? user : "", json, err);
}

kz_rc kz_store_status_get(kz_store *s, const char *id, const char *root, const char *user,
                          char **json, kz_err *err)
{
    *json = NULL;
    return s->ops->status_get(s, id, root, user ? user : "", json, err);
}

kz_rc kz_store_user_put(kz_store *s, const char *name, const char *pw_hash, bool update,
                        kz_err *err)
{
    if (!name_ok(name, true))
        return bad_user(name, err);
    if (pw_hash != NULL && strlen(pw_hash) >= KZ_PWHASH_MAX)
        return kz_fail(err, KZ_EINVAL, "password hash longer than %d bytes", KZ_PWHASH_MAX - 1);
    return s->ops->user_put(s, name, pw_hash, update, err);
}

kz_rc kz_store_user_get(kz_store *s, const char *name, char out[KZ_PWHASH_MAX], kz_err *err)
{
    out[0] = '\0';
    if (!name_ok(name, true))
        return KZ_ENOTFOUND;
    return s->ops->user_get(s, name, out, err);
}

kz_rc kz_store_user_del(kz_store *s, const char *name, kz_err *err)
{
    if (!name_ok(name, true))
        return bad_user(name, err);
    return s->ops->user_del(s, name, err);
}

kz_rc kz_store_users(kz_store *s,
                     kz_rc (*fn)(void *ctx, const char *name, const char *created,
                                 bool has_password, int64_t tokens, int64_t certs),
                     void *ctx, kz_err *err)
{
    return s->ops->users(s, fn, ctx, err);
}

static bool kind_ok(const char *kind)
{
    return kind != NULL && (strcmp(kind, "token") == 0 || strcmp(kind, "cert") == 0);
}

kz_rc kz_store_cred_add(kz_store *s, const char *user, const char *kind, const char *value,
                        const char *label, kz_err *err)
{
    if (!name_ok(user, true))
        return bad_user(user, err);
    if (!kind_ok(kind) || value == NULL || value[0] == '\0' || strlen(value) > 1024)
        return kz_fail(err, KZ_EINVAL, "a credential is a token or cert with a value of 1 to "
                                       "1024 bytes");
    return s->ops->cred_add(s, user, kind, value, label ? label : "", err);
}

kz_rc kz_store_cred_user(kz_store *s, const char *kind, const char *value, char user[KZ_NAME_MAX],
                         kz_err *err)
{
    user[0] = '\0';
    if (!kind_ok(kind) || value == NULL)
        return KZ_ENOTFOUND;
    return s->ops->cred_user(s, kind, value, user, err);
}

kz_rc kz_store_cred_del(kz_store *s, const char *user, const char *kind, const char *value,
                        int64_t *removed, kz_err *err)
{
    *removed = 0;
    if (!name_ok(user, true))
        return bad_user(user, err);
    if (!kind_ok(kind))
        return kz_fail(err, KZ_EINVAL, "a credential kind is token or cert");
    return s->ops->cred_del(s, user, kind, value, removed, err);
}

kz_rc kz_store_grant(kz_store *s, const char *user, int64_t coll, bool can_read, bool can_write,
                     kz_err *err)
{
    if (!name_ok(user, true))
        return bad_user(user, err);
    return s->ops->grant(s, user, coll, can_read, can_write, err);
}

kz_rc kz_store_rights(kz_store *s, const char *user, int64_t coll, bool *can_read,
                      bool *can_write, kz_err *err)
{
    *can_read = *can_write = false;
    if (user == NULL || !name_ok(user, true))
        return KZ_OK;
    return s->ops->rights(s, user, coll, can_read, can_write, err);
}

kz_rc kz_store_grants(kz_store *s, const char *user,
                      kz_rc (*fn)(void *ctx, const char *user, const kz_collection *c,
                                  bool can_read, bool can_write),
                      void *ctx, kz_err *err)
{
    return s->ops->grants(s, user, fn, ctx, err);
}

/* ---- vulnerability records ------------------------------------------------------------------- */

kz_rc kz_store_vdoc(kz_store *s, const kz_vdoc *d, bool *skip, bool *replaced, int64_t *doc,
                    kz_err *err)
{
    *skip = *replaced = false;
    *doc = 0;
    if (d->kind == NULL || d->document == NULL || d->revision == NULL || d->document[0] == '\0')
        return kz_fail(err, KZ_EINVAL, "a vulnerability document needs a kind, an id and a "
                                       "revision");
    return s->ops->vdoc(s, d, skip, replaced, doc, err);
}

kz_rc kz_store_vrec_put(kz_store *s, int64_t doc, const char *vuln_id, kz_sv json, kz_sv refs,
                        const char *const *aliases, size_t n_aliases, const char *const *keys,
                        size_t n_keys, kz_err *err)
{
    if (vuln_id == NULL || vuln_id[0] == '\0')
        return kz_fail(err, KZ_EINVAL, "a vulnerability record needs an id");
    return s->ops->vrec_put(s, doc, vuln_id, json, refs, aliases, n_aliases, keys, n_keys, err);
}

kz_rc kz_store_vrecs(kz_store *s, const char *id, bool with_refs,
                     kz_rc (*fn)(void *ctx, const char *vuln_id, kz_sv json, kz_sv refs),
                     void *ctx, kz_err *err)
{
    return s->ops->vrecs(s, id ? id : "", with_refs, fn, ctx, err);
}

kz_rc kz_store_vkey(kz_store *s, const char *key, kz_rc (*fn)(void *ctx, const char *vuln_id),
                    void *ctx, kz_err *err)
{
    return s->ops->vkey(s, key ? key : "", fn, ctx, err);
}

kz_rc kz_store_vids(kz_store *s, kz_rc (*fn)(void *ctx, const char *vuln_id), void *ctx,
                    kz_err *err)
{
    return s->ops->vids(s, fn, ctx, err);
}

kz_rc kz_store_vcounts(kz_store *s, int64_t *docs, int64_t *records, int64_t *vulns,
                       kz_err *err)
{
    *docs = *records = *vulns = 0;
    return s->ops->vcounts(s, docs, records, vulns, err);
}
