/*
 * store_sqlite_admin.c - the SQLite backend's tables beside the objects: API roots, status
 * resources of TAXII POSTs, users, their credentials and their rights per collection (schema 2,
 * see store_sqlite.c). These run once per request or per administration command, so their
 * statements are prepared on first use and kept on the handle.
 */
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

kz_rc kz_sq_stmt(kz_sqlite *s, const char *sql, sqlite3_stmt **st, kz_err *err)
{
    size_t n = sizeof s->stmt / sizeof s->stmt[0], i;

    for (i = 0; i < n && s->stmt_sql[i] != NULL; i++) {
        if (s->stmt_sql[i] == sql) {
            *st = s->stmt[i];
            return KZ_OK;
        }
    }
    if (i == n) /* more statements than slots: a programming error, caught by the tests */
        return kz_fail(err, KZ_EUSAGE, "%s: statement cache full", s->path);
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) !=
        SQLITE_OK)
        return kz_sq_fail(s, err, "preparing a statement");
    s->stmt_sql[i] = sql;
    *st = s->stmt[i];
    return KZ_OK;
}

void kz_sq_done(sqlite3_stmt *st)
{
    if (st != NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

static int bind_c(sqlite3_stmt *st, int i, const char *text)
{
    return sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

static void now_text(char out[KZ_TIME_MAX])
{
    kz_time now = kz_time_now();
    kz_time_format(&now, 3, out);
}

/*
 * Runs a statement that writes (already bound) to its end. A unique or primary key clash is
 * KZ_ECONFLICT and a foreign key failure KZ_ENOTFOUND, each with no message (callers say what
 * clashed); *changes (may be NULL) is the number of rows changed.
 */
static kz_rc run_write(kz_sqlite *s, sqlite3_stmt *st, int64_t *changes, const char *doing,
                       kz_err *err)
{
    int r = sqlite3_step(st);
    kz_rc rc = KZ_OK;

    if (r == SQLITE_CONSTRAINT_PRIMARYKEY || r == SQLITE_CONSTRAINT_UNIQUE)
        rc = KZ_ECONFLICT;
    else if (r == SQLITE_CONSTRAINT_FOREIGNKEY)
        rc = KZ_ENOTFOUND;
    else if (r != SQLITE_DONE)
        rc = kz_sq_fail(s, err, doing);
    else if (changes != NULL)
        *changes = sqlite3_changes64(s->db);
    kz_sq_done(st);
    return rc;
}

/* ---- API roots ---------------------------------------------------------------------------- */

kz_rc kz_sq_root_add(kz_store *base, const char *name, const char *title, const char *description,
                     kz_err *err)
{
    static const char sql[] =
        "INSERT INTO roots (name, title, description, created) VALUES (?1, ?2, ?3, ?4)";
    kz_sqlite *s = (kz_sqlite *)base;
    char created[KZ_TIME_MAX];
    sqlite3_stmt *st;
    kz_rc rc;

    now_text(created);
    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, name) != SQLITE_OK || bind_c(st, 2, title) != SQLITE_OK ||
        bind_c(st, 3, description) != SQLITE_OK || bind_c(st, 4, created) != SQLITE_OK) {
        kz_sq_done(st);
        return kz_sq_fail(s, err, "adding an API root");
    }
    rc = run_write(s, st, NULL, "adding an API root", err);
    if (rc == KZ_ECONFLICT)
        return kz_fail(err, rc, "API root \"%s\" exists already", name);
    return rc;
}

kz_rc kz_sq_roots(kz_store *base, kz_rc (*fn)(void *ctx, const kz_api_root *r), void *ctx,
                  kz_err *err)
{
    static const char sql[] = "SELECT name, title, description FROM roots ORDER BY rowid";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_api_root r;
    kz_rc rc;
    int step;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        kz_sv name = kz_sq_col(st, 0);
        if (name.n >= sizeof r.name)
            continue; /* cannot be inserted through kz_store_root_add */
        memcpy(r.name, name.p, name.n);
        r.name[name.n] = '\0';
        r.title = kz_sq_col(st, 1).p;
        r.description = kz_sq_col(st, 2).p;
        if ((rc = fn(ctx, &r)) != KZ_OK)
            goto out;
    }
    if (step != SQLITE_DONE)
        rc = kz_sq_fail(s, err, "listing API roots");
out:
    kz_sq_done(st);
    return rc;
}

/* ---- status resources --------------------------------------------------------------------- */

kz_rc kz_sq_status_put(kz_store *base, const char *id, const char *root, const char *user,
                       kz_sv json, kz_err *err)
{
    static const char sql[] = "INSERT OR REPLACE INTO status (id, root, user, created, json)"
                              " VALUES (?1, ?2, ?3, ?4, ?5)";
    kz_sqlite *s = (kz_sqlite *)base;
    char created[KZ_TIME_MAX];
    sqlite3_stmt *st;
    kz_rc rc;

    if (json.n > 1u << 30)
        return kz_fail(err, KZ_ELIMIT, "status resource too large");
    now_text(created);
    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, id) != SQLITE_OK || bind_c(st, 2, root) != SQLITE_OK ||
        bind_c(st, 3, user) != SQLITE_OK || bind_c(st, 4, created) != SQLITE_OK ||
        sqlite3_bind_text(st, 5, json.p, (int)json.n, SQLITE_STATIC) != SQLITE_OK) {
        kz_sq_done(st);
        return kz_sq_fail(s, err, "storing a status");
    }
    return run_write(s, st, NULL, "storing a status", err);
}

kz_rc kz_sq_status_get(kz_store *base, const char *id, const char *root, const char *user,
                       char **json, kz_err *err)
{
    static const char sql[] = "SELECT json FROM status WHERE id = ?1 AND root = ?2 AND user = ?3";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_rc rc;
    int r;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, id) != SQLITE_OK || bind_c(st, 2, root) != SQLITE_OK ||
        bind_c(st, 3, user) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "reading a status");
    } else if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kz_sv v = kz_sq_col(st, 0);
        if ((*json = malloc(v.n + 1)) == NULL) {
            rc = kz_fail(err, KZ_ENOMEM, "out of memory reading a status");
        } else {
            memcpy(*json, v.p, v.n);
            (*json)[v.n] = '\0';
        }
    } else if (r == SQLITE_DONE) {
        rc = KZ_ENOTFOUND;
    } else {
        rc = kz_sq_fail(s, err, "reading a status");
    }
    kz_sq_done(st);
    return rc;
}

/* ---- users -------------------------------------------------------------------------------- */

kz_rc kz_sq_user_put(kz_store *base, const char *name, const char *pw_hash, bool update,
                     kz_err *err)
{
    static const char insert_sql[] =
        "INSERT INTO users (name, pw_hash, created) VALUES (?1, coalesce(?2, ''), ?3)";
    static const char update_sql[] =
        "UPDATE users SET pw_hash = coalesce(?2, pw_hash) WHERE name = ?1";
    kz_sqlite *s = (kz_sqlite *)base;
    char created[KZ_TIME_MAX];
    sqlite3_stmt *st;
    int64_t changed = 0;
    kz_rc rc;

    now_text(created);
    if ((rc = kz_sq_stmt(s, update ? update_sql : insert_sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, name) != SQLITE_OK ||
        (pw_hash ? bind_c(st, 2, pw_hash) : sqlite3_bind_null(st, 2)) != SQLITE_OK ||
        (!update && bind_c(st, 3, created) != SQLITE_OK)) {
        kz_sq_done(st);
        return kz_sq_fail(s, err, "storing a user");
    }
    rc = run_write(s, st, &changed, "storing a user", err);
    if (rc == KZ_ECONFLICT)
        return kz_fail(err, rc, "user \"%s\" exists already", name);
    if (rc == KZ_OK && update && changed == 0)
        return kz_fail(err, KZ_ENOTFOUND, "user \"%s\" does not exist", name);
    if (rc == KZ_OK)
        s->changes++;
    return rc;
}

kz_rc kz_sq_user_get(kz_store *base, const char *name, char out[KZ_PWHASH_MAX], kz_err *err)
{
    static const char sql[] = "SELECT pw_hash FROM users WHERE name = ?1";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_rc rc;
    int r;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, name) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "reading a user");
    } else if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kz_sv h = kz_sq_col(st, 0);
        if (h.n >= KZ_PWHASH_MAX)
            h.n = 0; /* not a hash kz_store_user_put would store: no password login */
        memcpy(out, h.p, h.n);
        out[h.n] = '\0';
    } else if (r == SQLITE_DONE) {
        rc = KZ_ENOTFOUND;
    } else {
        rc = kz_sq_fail(s, err, "reading a user");
    }
    kz_sq_done(st);
    return rc;
}

kz_rc kz_sq_user_del(kz_store *base, const char *name, kz_err *err)
{
    static const char sql[] = "DELETE FROM users WHERE name = ?1";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    int64_t changed = 0;
    kz_rc rc;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, name) != SQLITE_OK) {
        kz_sq_done(st);
        return kz_sq_fail(s, err, "removing a user");
    }
    /* Credentials and grants go with the user (ON DELETE CASCADE, foreign_keys is on). */
    if ((rc = run_write(s, st, &changed, "removing a user", err)) != KZ_OK)
        return rc;
    if (changed == 0)
        return kz_fail(err, KZ_ENOTFOUND, "user \"%s\" does not exist", name);
    s->changes++;
    return KZ_OK;
}

kz_rc kz_sq_users(kz_store *base,
                  kz_rc (*fn)(void *ctx, const char *name, const char *created, bool has_password,
                              int64_t tokens, int64_t certs),
                  void *ctx, kz_err *err)
{
    static const char sql[] =
        "SELECT u.name, u.created, u.pw_hash <> '',"
        " (SELECT count(*) FROM creds AS c WHERE c.user = u.name AND c.kind = 'token'),"
        " (SELECT count(*) FROM creds AS c WHERE c.user = u.name AND c.kind = 'cert')"
        " FROM users AS u ORDER BY u.name";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_rc rc;
    int r;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = fn(ctx, kz_sq_col(st, 0).p, kz_sq_col(st, 1).p, sqlite3_column_int(st, 2) != 0,
                     sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4))) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE)
        rc = kz_sq_fail(s, err, "listing users");
out:
    kz_sq_done(st);
    return rc;
}

/* ---- credentials -------------------------------------------------------------------------- */

kz_rc kz_sq_cred_add(kz_store *base, const char *user, const char *kind, const char *value,
                     const char *label, kz_err *err)
{
    static const char sql[] = "INSERT INTO creds (kind, value, user, label, created)"
                              " VALUES (?1, ?2, ?3, ?4, ?5)";
    kz_sqlite *s = (kz_sqlite *)base;
    char created[KZ_TIME_MAX];
    sqlite3_stmt *st;
    kz_rc rc;

    now_text(created);
    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, kind) != SQLITE_OK || bind_c(st, 2, value) != SQLITE_OK ||
        bind_c(st, 3, user) != SQLITE_OK || bind_c(st, 4, label) != SQLITE_OK ||
        bind_c(st, 5, created) != SQLITE_OK) {
        kz_sq_done(st);
        return kz_sq_fail(s, err, "adding a credential");
    }
    rc = run_write(s, st, NULL, "adding a credential", err);
    if (rc == KZ_ECONFLICT)
        return kz_fail(err, rc, "this %s is already mapped to a user", kind);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(err, rc, "user \"%s\" does not exist", user);
    if (rc == KZ_OK)
        s->changes++;
    return rc;
}

kz_rc kz_sq_cred_user(kz_store *base, const char *kind, const char *value,
                      char user[KZ_NAME_MAX], kz_err *err)
{
    static const char sql[] = "SELECT user FROM creds WHERE kind = ?1 AND value = ?2";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_rc rc;
    int r;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, kind) != SQLITE_OK || bind_c(st, 2, value) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "looking up a credential");
    } else if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        kz_sv u = kz_sq_col(st, 0);
        if (u.n == 0 || u.n >= KZ_NAME_MAX) {
            rc = KZ_ENOTFOUND;
        } else {
            memcpy(user, u.p, u.n);
            user[u.n] = '\0';
        }
    } else if (r == SQLITE_DONE) {
        rc = KZ_ENOTFOUND;
    } else {
        rc = kz_sq_fail(s, err, "looking up a credential");
    }
    kz_sq_done(st);
    return rc;
}

kz_rc kz_sq_cred_del(kz_store *base, const char *user, const char *kind, const char *value,
                     int64_t *removed, kz_err *err)
{
    static const char one_sql[] = "DELETE FROM creds WHERE user = ?1 AND kind = ?2 AND value = ?3";
    static const char all_sql[] = "DELETE FROM creds WHERE user = ?1 AND kind = ?2";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_rc rc;

    if ((rc = kz_sq_stmt(s, value ? one_sql : all_sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, user) != SQLITE_OK || bind_c(st, 2, kind) != SQLITE_OK ||
        (value != NULL && bind_c(st, 3, value) != SQLITE_OK)) {
        kz_sq_done(st);
        return kz_sq_fail(s, err, "removing credentials");
    }
    if ((rc = run_write(s, st, removed, "removing credentials", err)) == KZ_OK)
        s->changes++;
    return rc;
}

/* ---- rights ------------------------------------------------------------------------------- */

kz_rc kz_sq_grant(kz_store *base, const char *user, int64_t coll, bool can_read, bool can_write,
                  kz_err *err)
{
    static const char set_sql[] =
        "INSERT INTO grants (user, coll, can_read, can_write) VALUES (?1, ?2, ?3, ?4)"
        " ON CONFLICT (user, coll) DO UPDATE SET can_read = ?3, can_write = ?4";
    static const char del_sql[] = "DELETE FROM grants WHERE user = ?1 AND coll = ?2";
    bool none = !can_read && !can_write;
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_rc rc;

    if ((rc = kz_sq_stmt(s, none ? del_sql : set_sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, user) != SQLITE_OK || sqlite3_bind_int64(st, 2, coll) != SQLITE_OK ||
        (!none && (sqlite3_bind_int(st, 3, can_read) != SQLITE_OK ||
                   sqlite3_bind_int(st, 4, can_write) != SQLITE_OK))) {
        kz_sq_done(st);
        return kz_sq_fail(s, err, "setting rights");
    }
    rc = run_write(s, st, NULL, "setting rights", err);
    if (rc == KZ_ENOTFOUND)
        return kz_fail(err, rc, "user \"%s\" or collection %lld does not exist", user,
                       (long long)coll);
    if (rc == KZ_OK)
        s->changes++;
    return rc;
}

kz_rc kz_sq_rights(kz_store *base, const char *user, int64_t coll, bool *can_read, bool *can_write,
                   kz_err *err)
{
    static const char sql[] = "SELECT can_read, can_write FROM grants WHERE user = ?1 AND coll = ?2";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_rc rc;
    int r;

    if ((rc = kz_sq_stmt(s, sql, &st, err)) != KZ_OK)
        return rc;
    if (bind_c(st, 1, user) != SQLITE_OK || sqlite3_bind_int64(st, 2, coll) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "reading rights");
    } else if ((r = sqlite3_step(st)) == SQLITE_ROW) {
        *can_read = sqlite3_column_int(st, 0) != 0;
        *can_write = sqlite3_column_int(st, 1) != 0;
    } else if (r != SQLITE_DONE) {
        rc = kz_sq_fail(s, err, "reading rights");
    }
    kz_sq_done(st);
    return rc;
}

kz_rc kz_sq_grants(kz_store *base, const char *user,
                   kz_rc (*fn)(void *ctx, const char *user, const kz_collection *c, bool can_read,
                               bool can_write),
                   void *ctx, kz_err *err)
{
    static const char all_sql[] =
        "SELECT c.key, c.id, c.title, c.description, c.root, g.user, g.can_read, g.can_write"
        " FROM grants AS g JOIN collections AS c ON c.key = g.coll ORDER BY g.user, c.key";
    static const char one_sql[] =
        "SELECT c.key, c.id, c.title, c.description, c.root, g.user, g.can_read, g.can_write"
        " FROM grants AS g JOIN collections AS c ON c.key = g.coll WHERE g.user = ?1"
        " ORDER BY c.key";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st;
    kz_collection c;
    kz_rc rc;
    int r;

    memset(&c, 0, sizeof c);
    if ((rc = kz_sq_stmt(s, user ? one_sql : all_sql, &st, err)) != KZ_OK)
        return rc;
    if (user != NULL && bind_c(st, 1, user) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "listing rights");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = kz_sq_read_collection(s, st, &c, err)) != KZ_OK ||
            (rc = fn(ctx, kz_sq_col(st, 5).p, &c, sqlite3_column_int(st, 6) != 0,
                     sqlite3_column_int(st, 7) != 0)) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE)
        rc = kz_sq_fail(s, err, "listing rights");
out:
    kz_collection_clear(&c);
    kz_sq_done(st);
    return rc;
}
