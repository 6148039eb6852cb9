/*
 * store_sqlite_vuln.c - the SQLite backend's vulnerability tables (schema 3, see
 * store_sqlite.c): source documents and their revisions, records, and the alias and match-key
 * lookups. An import writes many records per batch, so every statement is prepared once per
 * handle (kz_sq_stmt).
 */
#include <string.h>

#include "store_sqlite.h"

static int bind_c(sqlite3_stmt *st, int i, const char *text)
{
    return sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

kz_rc kz_sq_vdoc(kz_store *base, const kz_vdoc *d, bool *skip, bool *replaced, int64_t *doc,
                 kz_err *err)
{
    static const char find_sql[] =
        "SELECT key, revision FROM vuln_docs WHERE kind = ?1 AND document = ?2";
    static const char del_sql[] = "DELETE FROM vuln_records WHERE doc = ?1";
    static const char upd_sql[] = "UPDATE vuln_docs SET revision = ?2 WHERE key = ?1";
    static const char ins_sql[] =
        "INSERT INTO vuln_docs (kind, document, revision) VALUES (?1, ?2, ?3)";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st = NULL;
    int64_t key = 0;
    int r;
    kz_rc rc;

    if (sqlite3_get_autocommit(s->db))
        return kz_fail(err, KZ_EUSAGE, "%s: kz_store_vdoc outside a batch", s->path);
    if ((rc = kz_sq_stmt(s, find_sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, d->kind) != SQLITE_OK || bind_c(st, 2, d->document) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "looking up a vulnerability document");
    } else if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        key = sqlite3_column_int64(st, 0);
        /* Revisions are RFC 3339 UTC with the same precision: text order is time order. */
        *skip = strcmp(kz_sq_col(st, 1).p, d->revision) > 0;
    } else if (r != SQLITE_DONE) {
        rc = kz_sq_fail(s, err, "looking up a vulnerability document");
    }
    kz_sq_done(st);
    if (rc != KZ_OK || *skip)
        return rc;
    if (key != 0) {
        if ((rc = kz_sq_stmt(s, del_sql, &st, err)) != KZ_OK)
            return rc;
        if (sqlite3_bind_int64(st, 1, key) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
            rc = kz_sq_fail(s, err, "replacing a vulnerability document");
        *replaced = sqlite3_changes(s->db) > 0;
        kz_sq_done(st);
        if (rc != KZ_OK || (rc = kz_sq_stmt(s, upd_sql, &st, err)) != KZ_OK)
            return rc;
        if (sqlite3_bind_int64(st, 1, key) != SQLITE_OK ||
            bind_c(st, 2, d->revision) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
            rc = kz_sq_fail(s, err, "replacing a vulnerability document");
        kz_sq_done(st);
        *doc = key;
        return rc;
    }
    if ((rc = kz_sq_stmt(s, ins_sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, d->kind) != SQLITE_OK || bind_c(st, 2, d->document) != SQLITE_OK ||
        bind_c(st, 3, d->revision) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
        rc = kz_sq_fail(s, err, "storing a vulnerability document");
    else
        *doc = sqlite3_last_insert_rowid(s->db);
    kz_sq_done(st);
    return rc;
}

/* Inserts (text, record) pairs with a two-parameter statement. */
static kz_rc put_lookups(kz_sqlite *s, const char *sql, int64_t record, const char *const *v,
                         size_t n, kz_err *err)
{
    sqlite3_stmt *st;
    kz_rc rc;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (bind_c(st, 1, v[i]) != SQLITE_OK || sqlite3_bind_int64(st, 2, record) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_DONE) {
            rc = kz_sq_fail(s, err, "indexing a vulnerability record");
            break;
        }
        sqlite3_reset(st);
    }
    kz_sq_done(st);
    return rc;
}

kz_rc kz_sq_vrec_put(kz_store *base, int64_t doc, const char *vuln_id, kz_sv json, kz_sv refs,
                     const char *const *aliases, size_t n_aliases, const char *const *keys,
                     size_t n_keys, kz_err *err)
{
    static const char rec_sql[] =
        "INSERT INTO vuln_records (doc, vuln_id, json, refs) VALUES (?1, ?2, ?3, ?4)";
    static const char alias_sql[] = "INSERT INTO vuln_aliases (alias, record) VALUES (?1, ?2)";
    static const char key_sql[] = "INSERT INTO vuln_keys (key, record) VALUES (?1, ?2)";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    int64_t record;
    kz_rc rc;

    if (json.n > 1u << 30 || refs.n > 1u << 30)
        return kz_fail(err, KZ_ELIMIT, "%s: vulnerability record too large", vuln_id);
    if ((rc = kz_sq_stmt(s, rec_sql, &st, err)) != KZ_OK)
        return rc;
    if (sqlite3_bind_int64(st, 1, doc) != SQLITE_OK || bind_c(st, 2, vuln_id) != SQLITE_OK ||
        sqlite3_bind_text(st, 3, json.p, (int)json.n, SQLITE_STATIC) != SQLITE_OK ||
        (refs.n > 0 ? sqlite3_bind_text(st, 4, refs.p, (int)refs.n, SQLITE_STATIC)
                    : sqlite3_bind_null(st, 4)) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE) {
        rc = kz_sq_fail(s, err, "storing a vulnerability record");
        kz_sq_done(st);
        return rc;
    }
    kz_sq_done(st);
    record = sqlite3_last_insert_rowid(s->db);
    if ((rc = put_lookups(s, alias_sql, record, aliases, n_aliases, err)) != KZ_OK)
        return rc;
    return put_lookups(s, key_sql, record, keys, n_keys, err);
}

kz_rc kz_sq_vrecs(kz_store *base, const char *id, bool with_refs,
                  kz_rc (*fn)(void *ctx, const char *vuln_id, kz_sv json, kz_sv refs),
                  void *ctx, kz_err *err)
{
    /* The vulnerability ids that id names: itself, and those of records that list it as an
     * alias; then every record of those ids. refs is the last column of the row, so that a
     * query without it does not read its pages. */
#define VRECS_SQL(cols)                                                                       \
    "SELECT " cols " FROM vuln_records AS r WHERE r.vuln_id IN"                              \
    " (SELECT ?1 UNION SELECT x.vuln_id FROM vuln_aliases AS a"                               \
    "  JOIN vuln_records AS x ON x.key = a.record WHERE a.alias = ?1)"                        \
    " ORDER BY r.vuln_id, r.key"
    static const char with_sql[] = VRECS_SQL("r.vuln_id, r.json, r.refs");
    static const char without_sql[] = VRECS_SQL("r.vuln_id, r.json");
#undef VRECS_SQL
    const char *sql = with_refs ? with_sql : without_sql;
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    bool any = false;
    kz_rc rc;
    int r;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, id) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "reading vulnerability records");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        any = true;
        kz_sv refs = with_refs ? kz_sq_col(st, 2) : (kz_sv){"", 0};
        if ((rc = fn(ctx, kz_sq_col(st, 0).p, kz_sq_col(st, 1), refs)) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE)
        rc = kz_sq_fail(s, err, "reading vulnerability records");
    else if (!any)
        rc = KZ_ENOTFOUND;
out:
    kz_sq_done(st);
    return rc;
}

/* Runs a query whose rows are one text column, calling fn on each. */
static kz_rc each_text(kz_sqlite *s, const char *sql, const char *param,
                       kz_rc (*fn)(void *ctx, const char *text), void *ctx, const char *doing,
                       kz_err *err)
{
    sqlite3_stmt *st;
    kz_rc rc;
    int r;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (param != NULL && bind_c(st, 1, param) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, doing);
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = fn(ctx, kz_sq_col(st, 0).p)) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE)
        rc = kz_sq_fail(s, err, doing);
out:
    kz_sq_done(st);
    return rc;
}

kz_rc kz_sq_vkey(kz_store *base, const char *key, kz_rc (*fn)(void *ctx, const char *vuln_id),
                 void *ctx, kz_err *err)
{
    static const char sql[] = "SELECT DISTINCT r.vuln_id FROM vuln_keys AS k"
                              " JOIN vuln_records AS r ON r.key = k.record WHERE k.key = ?1"
                              " ORDER BY r.vuln_id";

    return each_text((kz_sqlite *)base, sql, key, fn, ctx, "looking up vulnerabilities", err);
}

kz_rc kz_sq_vids(kz_store *base, kz_rc (*fn)(void *ctx, const char *vuln_id), void *ctx,
                 kz_err *err)
{
    static const char sql[] = "SELECT DISTINCT vuln_id FROM vuln_records ORDER BY vuln_id";

    return each_text((kz_sqlite *)base, sql, NULL, fn, ctx, "listing vulnerabilities", err);
}

kz_rc kz_sq_vcounts(kz_store *base, int64_t *docs, int64_t *records, int64_t *vulns,
                    kz_err *err)
{
    static const char sql[] = "SELECT (SELECT count(*) FROM vuln_docs),"
                              " (SELECT count(*) FROM vuln_records),"
                              " (SELECT count(DISTINCT vuln_id) FROM vuln_records)";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_rc rc;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = kz_sq_fail(s, err, "counting vulnerabilities");
    } else {
        *docs = sqlite3_column_int64(st, 0);
        *records = sqlite3_column_int64(st, 1);
        *vulns = sqlite3_column_int64(st, 2);
    }
    kz_sq_done(st);
    return rc;
}
