/*
 * store_sqlite.c - the embedded SQLite backend of store.h, the default.
 *
 * One table of collections and one table of object versions, one row per (collection, id,
 * version), keeping each version's exact JSON text. The schema is numbered with PRAGMA
 * user_version so later versions of Kizuna can migrate it. Two indexes only, because import
 * speed depends on how many B-trees each insert touches:
 *   objects_id (id_hash)                 put's lookup of an id (all its versions in every
 *                                        collection: the check that one version never has two
 *                                        contents) and query's "is there a newer version" test
 *   objects_added (coll, date_added)     SQLite appends the rowid (seq), so this is
 *                                        (coll, date_added, seq): per-collection reads in TAXII
 *                                        order, added_after ranges and later pagination
 *
 * Why id_hash and not an index on (id, version, coll): STIX ids end in random UUIDs, so every
 * insert lands on a random page of the id index, and each commit writes every page it touched to
 * the WAL (and the checkpoint writes them again). With 10,000-object batches an index of 80-byte
 * text keys made that most of the cost: 47 us per put at 1,000,000 objects against ~10 us with an
 * index of 8-byte hashes, which has 5x fewer pages. id_hash is 64-bit FNV-1a of the id's bytes
 * (id_hash() below: it is stored, so it must never change); lookups compare id as well, so a
 * collision costs one extra row read and nothing else. (id, version, coll) is unique by
 * construction: only kz_store_put inserts, after its lookup, under the write lock.
 *
 * date_added is assigned under the write lock (BEGIN IMMEDIATE) and never goes down, so
 * insertion order (seq) and (date_added, seq) order are the same; reads over every collection use
 * seq order for that reason, which needs no index and no sort.
 *
 * The put path is hot (an import runs at 100,000 objects/s): its statements are prepared once at
 * open, parameters are bound SQLITE_STATIC from the caller's memory, and nothing is allocated
 * unless a version clashes with stored text that differs byte for byte.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_impl.h"

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000

static const char schema_sql[] =
    "CREATE TABLE collections ("
    " key INTEGER PRIMARY KEY,"
    " id TEXT NOT NULL UNIQUE,"
    " title TEXT NOT NULL,"
    " description TEXT NOT NULL DEFAULT '',"
    " created TEXT NOT NULL);"
    "CREATE TABLE objects ("
    " seq INTEGER PRIMARY KEY,"
    " coll INTEGER NOT NULL REFERENCES collections(key),"
    " id TEXT NOT NULL,"
    " id_hash INTEGER NOT NULL,"
    " version TEXT NOT NULL,"
    " type TEXT NOT NULL,"
    " spec_version TEXT NOT NULL,"
    " date_added TEXT NOT NULL,"
    " json TEXT NOT NULL);"
    "CREATE INDEX objects_id ON objects(id_hash);"
    "CREATE INDEX objects_added ON objects(coll, date_added);"
    "PRAGMA user_version = 1;";

/*
 * put's one lookup: every stored version of the id, in any collection. Column 1 says whether the
 * row is the version being put; column 2 is the stored text only when it is that version and
 * differs byte for byte from ?3 (then the contents are compared as JSON). A new id (the usual
 * case in an import) finds no entry in objects_id and reads no table row at all.
 */
static const char find_sql[] =
    "SELECT coll, version = ?2, CASE WHEN version = ?2 AND json <> ?3 THEN json END"
    " FROM objects WHERE id_hash = ?4 AND id = ?1";
static const char insert_sql[] =
    "INSERT INTO objects (coll, id, id_hash, version, type, spec_version, date_added, json)"
    " VALUES (?1, ?2, ?8, ?3, ?4, ?5, ?6, ?7)";
/* The newest date_added: the row with the highest seq, because date_added never goes down. */
static const char last_added_sql[] = "SELECT date_added FROM objects ORDER BY seq DESC LIMIT 1";
static const char coll_by_id_sql[] =
    "SELECT key, id, title, description FROM collections WHERE id = ?1";
static const char coll_by_title_sql[] =
    "SELECT key, id, title, description FROM collections WHERE title = ?1 ORDER BY key LIMIT 1";
static const char coll_insert_sql[] =
    "INSERT INTO collections (id, title, description, created) VALUES (?1, ?2, '', ?3)";

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
    int64_t added_ms;            /* date_added of the latest put, in ms since 1970 */
    char added[KZ_TIME_MAX];     /* its text, bound SQLITE_STATIC to insert */
    int added_n;
} kz_sqlite;

/* Formats "path: SQLite's message (doing what)" and returns KZ_EDB. */
static kz_rc db_fail(kz_sqlite *s, kz_err *err, const char *doing)
{
    return kz_fail(err, KZ_EDB, "%s: %s (%s)", s->path, sqlite3_errmsg(s->db), doing);
}

/* Binds a view as text without copying; an empty view binds '' (a NULL pointer would bind NULL). */
static int bind_sv(sqlite3_stmt *st, int i, kz_sv v)
{
    if (v.n > INT_MAX)
        return SQLITE_TOOBIG;
    return sqlite3_bind_text(st, i, v.n ? v.p : "", (int)v.n, SQLITE_STATIC);
}

static kz_sv col_sv(sqlite3_stmt *st, int i)
{
    kz_sv v;

    v.p = (const char *)sqlite3_column_text(st, i);
    v.n = (size_t)sqlite3_column_bytes(st, i);
    if (v.p == NULL)
        v.p = "";
    return v;
}

/* 64-bit FNV-1a of the id's bytes, as SQLite's signed integer. Stored: never change it. */
static int64_t id_hash(kz_sv id)
{
    uint64_t h = 14695981039346656037ull;

    for (size_t i = 0; i < id.n; i++) {
        h ^= (unsigned char)id.p[i];
        h *= 1099511628211ull;
    }
    return (int64_t)h;
}

static int64_t time_ms(const kz_time *t)
{
    return t->sec * 1000 + t->nsec / 1000000;
}

/* Sets the store's date_added to ms (if later than it) and reformats its text. */
static void advance_added(kz_sqlite *s, int64_t ms)
{
    kz_time t;

    if (ms <= s->added_ms && s->added_n > 0)
        return;
    s->added_ms = ms;
    t.sec = ms / 1000;
    t.nsec = (int32_t)(ms % 1000) * 1000000;
    t.frac_digits = 3;
    kz_time_format(&t, 3, s->added);
    s->added_n = (int)strlen(s->added);
}

/* ---- opening ------------------------------------------------------------------------------ */

static void sq_free(kz_store *base)
{
    kz_sqlite *s = (kz_sqlite *)base;

    if (s == NULL)
        return;
    sqlite3_finalize(s->find);
    sqlite3_finalize(s->insert);
    sqlite3_finalize(s->last_added);
    sqlite3_finalize(s->coll_by_id);
    sqlite3_finalize(s->coll_by_title);
    sqlite3_finalize(s->coll_insert);
    if (s->db != NULL) {
        /* A batch that was begun and never committed is dropped, as store.h promises. */
        if (!sqlite3_get_autocommit(s->db))
            (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        (void)sqlite3_close_v2(s->db);
    }
    free(s->path);
    free(s);
}

/* A clearer message than "unable to open database file" when the folder is missing. */
static kz_rc open_fail(kz_sqlite *s, kz_err *err)
{
    const char *slash = strrchr(s->path, '/');
    struct stat st;

    if (slash != NULL && slash != s->path) {
        char dir[PATH_MAX];
        size_t n = (size_t)(slash - s->path);
        if (n < sizeof dir) {
            memcpy(dir, s->path, n);
            dir[n] = '\0';
            if (stat(dir, &st) != 0)
                return kz_fail(err, KZ_EDB, "%s: cannot create the database: folder %s: %s",
                               s->path, dir, strerror(errno));
            if (!S_ISDIR(st.st_mode))
                return kz_fail(err, KZ_EDB, "%s: cannot create the database: %s is not a folder",
                               s->path, dir);
        }
    }
    return kz_fail(err, KZ_EDB, "%s: %s (opening the database)", s->path,
                   s->db ? sqlite3_errmsg(s->db) : "out of memory");
}

/* Reads PRAGMA user_version into *version. */
static kz_rc schema_version(kz_sqlite *s, int *version, kz_err *err)
{
    sqlite3_stmt *st = NULL;
    kz_rc rc = KZ_OK;

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        rc = db_fail(s, err, "reading the schema version");
    else
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/*
 * Creates the schema in a fresh file, or checks that an existing one is a version we know. An
 * existing database is only read here, so opening it does not wait for another process's batch.
 */
static kz_rc ensure_schema(kz_sqlite *s, kz_err *err)
{
    kz_rc rc;
    int version = -1;
    bool in_tx = false;

    if ((rc = schema_version(s, &version, err)) != KZ_OK)
        goto out;
    if (version == 0) {
        /* Two processes may create a new file at once: the write lock lets one of them do it. */
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
            rc = db_fail(s, err, "creating the schema");
            goto out;
        }
        in_tx = true;
        if ((rc = schema_version(s, &version, err)) != KZ_OK)
            goto out;
        if (version == 0 && sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
            rc = db_fail(s, err, "creating the schema; is this a Kizuna database?");
            goto out;
        }
        if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            rc = db_fail(s, err, "creating the schema");
            goto out;
        }
        in_tx = false;
        version = SCHEMA_VERSION;
    }
    if (version > SCHEMA_VERSION) {
        rc = kz_fail(err, KZ_EDB,
                     "%s: the database has schema version %d, this build of Kizuna knows up to "
                     "%d (upgrade Kizuna)",
                     s->path, version, SCHEMA_VERSION);
        goto out;
    }
    /* Migrations from older schema versions go here when there are any. */
    rc = KZ_OK;
out:
    if (in_tx)
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static kz_rc prepare(kz_sqlite *s, const char *sql, sqlite3_stmt **st, kz_err *err)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return db_fail(s, err, "preparing a statement");
    return KZ_OK;
}

static const kz_store_ops sqlite_ops;

kz_rc kz_store_sqlite_open(const char *path, kz_store **out, kz_err *err)
{
    /* Pragmas are per connection. synchronous=NORMAL with WAL keeps every commit atomic and the
     * database consistent after a crash of the process; only a power loss may forget the last
     * commits. The cache is 32 MiB (negative: KiB). A checkpoint every 8192 pages (32 MiB of
     * WAL) rather than SQLite's 1000 lets pages that several batches touch be copied into the
     * database once: at 10,000-object batches that took an import from ~13 to ~10 us per put. */
    static const char pragmas[] = "PRAGMA journal_mode = WAL;"
                                  "PRAGMA synchronous = NORMAL;"
                                  "PRAGMA foreign_keys = ON;"
                                  "PRAGMA cache_size = -32768;"
                                  "PRAGMA wal_autocheckpoint = 8192;";
    kz_sqlite *s = NULL;
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    if ((s = calloc(1, sizeof *s)) == NULL || (s->path = strdup(path)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "%s: out of memory opening the store", path);
        goto out;
    }
    s->base.ops = &sqlite_ops;
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = open_fail(s, err);
        goto out;
    }
    (void)sqlite3_extended_result_codes(s->db, 1);
    if (sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
        rc = db_fail(s, err, "setting the busy timeout");
        goto out;
    }
    /* The first statement reads the file: a file that is not SQLite fails here. */
    if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_fail(s, err, "opening the database");
        goto out;
    }
    if ((rc = ensure_schema(s, err)) != KZ_OK)
        goto out;
    if ((rc = prepare(s, find_sql, &s->find, err)) != KZ_OK ||
        (rc = prepare(s, insert_sql, &s->insert, err)) != KZ_OK ||
        (rc = prepare(s, last_added_sql, &s->last_added, err)) != KZ_OK ||
        (rc = prepare(s, coll_by_id_sql, &s->coll_by_id, err)) != KZ_OK ||
        (rc = prepare(s, coll_by_title_sql, &s->coll_by_title, err)) != KZ_OK ||
        (rc = prepare(s, coll_insert_sql, &s->coll_insert, err)) != KZ_OK)
        goto out;
    *out = &s->base;
    s = NULL; /* ownership moved to the caller */
    rc = KZ_OK;
out:
    sq_free(s ? &s->base : NULL);
    return rc;
}

sqlite3 *kz_store_sqlite_handle(kz_store *s)
{
    if (s == NULL || s->ops != &sqlite_ops)
        return NULL;
    return ((kz_sqlite *)s)->db;
}

/* ---- collections -------------------------------------------------------------------------- */

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return strdup(t ? t : "");
}

/* Fills out from a row (key, id, title, description). */
static kz_rc read_collection(kz_sqlite *s, sqlite3_stmt *st, kz_collection *out, kz_err *err)
{
    kz_sv id = col_sv(st, 1);

    kz_collection_clear(out);
    out->key = sqlite3_column_int64(st, 0);
    if (id.n >= sizeof out->id)
        return kz_fail(err, KZ_EDB, "%s: collection %lld has an id longer than %d bytes", s->path,
                       (long long)out->key, KZ_COLL_ID_MAX - 1);
    memcpy(out->id, id.p, id.n);
    out->id[id.n] = '\0';
    if ((out->title = dup_col(st, 2)) == NULL || (out->description = dup_col(st, 3)) == NULL) {
        kz_collection_clear(out);
        return kz_fail(err, KZ_ENOMEM, "out of memory reading a collection");
    }
    return KZ_OK;
}

/* Runs a one-parameter collection lookup; KZ_ENOTFOUND (no message) when there is no row. */
static kz_rc find_collection(kz_sqlite *s, sqlite3_stmt *st, const char *key, kz_collection *out,
                             kz_err *err)
{
    kz_rc rc;
    int r;

    if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = db_fail(s, err, "looking up a collection");
        goto out;
    }
    r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = read_collection(s, st, out, err);
    else if (r == SQLITE_DONE)
        rc = KZ_ENOTFOUND;
    else
        rc = db_fail(s, err, "looking up a collection");
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static kz_rc sq_collection(kz_store *base, const char *name, bool create, kz_collection *out,
                           kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
    char uuid[KZ_UUID_STR], created[KZ_TIME_MAX];
    kz_time now = kz_time_now();
    sqlite3_stmt *st = s->coll_insert;
    kz_rc rc;

    if (name == NULL)
        name = "default";
    if ((rc = find_collection(s, s->coll_by_id, name, out, err)) != KZ_ENOTFOUND)
        return rc;
    if ((rc = find_collection(s, s->coll_by_title, name, out, err)) != KZ_ENOTFOUND)
        return rc;
    if (!create)
        return kz_fail(err, KZ_ENOTFOUND, "%s: no collection with id or title \"%s\"", s->path,
                       name);
    if (kz_uuid4(uuid) != KZ_OK)
        return kz_fail(err, KZ_EIO, "cannot make a collection id: no random numbers");
    kz_time_format(&now, 3, created);
    if (sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 3, created, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE) {
        rc = db_fail(s, err, "creating a collection");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return rc;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return find_collection(s, s->coll_by_id, uuid, out, err) == KZ_OK
               ? KZ_OK
               : db_fail(s, err, "reading a new collection");
}

static kz_rc sq_collections(kz_store *base, kz_rc (*fn)(void *ctx, const kz_collection *c),
                            void *ctx, kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st = NULL;
    kz_collection c;
    kz_rc rc = KZ_OK;
    int r;

    memset(&c, 0, sizeof c);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT key, id, title, description FROM collections ORDER BY key", -1,
                           &st, NULL) != SQLITE_OK) {
        rc = db_fail(s, err, "listing collections");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = read_collection(s, st, &c, err)) != KZ_OK || (rc = fn(ctx, &c)) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE)
        rc = db_fail(s, err, "listing collections");
out:
    kz_collection_clear(&c);
    sqlite3_finalize(st);
    return rc;
}

/* ---- writing ------------------------------------------------------------------------------ */

static kz_rc sq_begin(kz_store *base, kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st = s->last_added;
    kz_rc rc = KZ_OK;
    int r;

    if (!sqlite3_get_autocommit(s->db))
        return kz_fail(err, KZ_EUSAGE, "%s: a batch is already open", s->path);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(s, err, "starting a batch");
    /* Another process may have written since our last batch, with a clock ahead of ours:
     * date_added continues from the newest stored one so that it never goes down. */
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        kz_time t;
        kz_err ignored;
        if (kz_time_parse(col_sv(st, 0), &t, &ignored) == KZ_OK)
            advance_added(s, time_ms(&t));
    } else if (r != SQLITE_DONE) {
        rc = db_fail(s, err, "starting a batch");
    }
    sqlite3_reset(st);
    if (rc != KZ_OK)
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static kz_rc sq_commit(kz_store *base, kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;

    if (sqlite3_get_autocommit(s->db))
        return kz_fail(err, KZ_EUSAGE, "%s: commit without a batch (call kz_store_begin first)",
                       s->path);
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(s, err, "committing a batch");
    return KZ_OK;
}

static void sq_rollback(kz_store *base)
{
    kz_sqlite *s = (kz_sqlite *)base;

    if (!sqlite3_get_autocommit(s->db))
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * The rare path: the stored text of this version differs byte for byte from the new one. Same
 * content if they are equal as JSON values (other key order or spacing). Allocates.
 */
static kz_rc same_json(kz_sv stored, const kz_put *p, bool *same, kz_err *err)
{
    json_t *a = NULL, *b = NULL;
    json_error_t je;
    kz_rc rc = KZ_OK;

    *same = false;
    if ((a = json_loadb(stored.p, stored.n, 0, &je)) == NULL) {
        /* Stored text we cannot read is a different content: keep it, report a conflict. */
        goto out;
    }
    if (p->obj == NULL && (b = json_loadb(p->text.p, p->text.n, 0, &je)) == NULL) {
        rc = kz_fail(err, KZ_EINVAL, "%.*s: not JSON: %s", (int)(p->id.n > 200 ? 200 : p->id.n),
                     p->id.p, je.text);
        goto out;
    }
    *same = json_equal(a, p->obj ? p->obj : b) != 0;
out:
    json_decref(a);
    json_decref(b);
    return rc;
}

static kz_rc sq_put(kz_store *base, int64_t coll, const kz_put *p, kz_put_result *res,
                    kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st = s->find;
    bool other_version_here = false, conflict = false, unchanged = false;
    int64_t hash = id_hash(p->id);
    kz_time now;
    kz_rc rc = KZ_OK;
    int r;

    if (sqlite3_get_autocommit(s->db))
        return kz_fail(err, KZ_EUSAGE, "%s: kz_store_put outside a batch (call kz_store_begin)",
                       s->path);
    if (p->text.n > INT_MAX || p->id.n > INT_MAX || p->type.n > INT_MAX ||
        p->version.n > INT_MAX || p->spec_version.n > INT_MAX)
        return kz_fail(err, KZ_ELIMIT, "%s: object too large for the store", s->path);

    if (bind_sv(st, 1, p->id) != SQLITE_OK || bind_sv(st, 2, p->version) != SQLITE_OK ||
        bind_sv(st, 3, p->text) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, hash) != SQLITE_OK) {
        rc = db_fail(s, err, "looking up an object");
        goto out_find;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t c = sqlite3_column_int64(st, 0);
        if (sqlite3_column_int(st, 1) == 0) {
            other_version_here |= c == coll;
            continue;
        }
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            bool same;
            if ((rc = same_json(col_sv(st, 2), p, &same, err)) != KZ_OK)
                goto out_find;
            if (!same) {
                conflict = true;
                break;
            }
        }
        if (c == coll) {
            unchanged = true; /* every stored row of this version has this same content */
            break;
        }
    }
    if (!conflict && !unchanged && r != SQLITE_DONE)
        rc = db_fail(s, err, "looking up an object");
out_find:
    sqlite3_reset(st);
    if (rc != KZ_OK)
        return rc;
    if (conflict || unchanged) {
        *res = conflict ? KZ_PUT_CONFLICT : KZ_PUT_UNCHANGED;
        return KZ_OK;
    }

    now = kz_time_now();
    advance_added(s, time_ms(&now));
    st = s->insert;
    if (sqlite3_bind_int64(st, 1, coll) != SQLITE_OK || bind_sv(st, 2, p->id) != SQLITE_OK ||
        bind_sv(st, 3, p->version) != SQLITE_OK || bind_sv(st, 4, p->type) != SQLITE_OK ||
        bind_sv(st, 5, p->spec_version) != SQLITE_OK ||
        sqlite3_bind_text(st, 6, s->added, s->added_n, SQLITE_STATIC) != SQLITE_OK ||
        bind_sv(st, 7, p->text) != SQLITE_OK || sqlite3_bind_int64(st, 8, hash) != SQLITE_OK) {
        rc = db_fail(s, err, "storing an object");
    } else if ((r = sqlite3_step(st)) != SQLITE_DONE) {
        if (r == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = kz_fail(err, KZ_EUSAGE, "%s: no collection with key %lld", s->path,
                         (long long)coll);
        else
            rc = db_fail(s, err, "storing an object");
    }
    sqlite3_reset(st);
    if (rc == KZ_OK)
        *res = other_version_here ? KZ_PUT_NEW_VERSION : KZ_PUT_NEW_OBJECT;
    return rc;
}

/* ---- reading ------------------------------------------------------------------------------ */

/*
 * The query is put together from constant pieces, one per filter that is set, so that SQLite can
 * plan each combination with its index (a filter written "(?x IS NULL OR col = ?x)" could not use
 * one). Values are always bound, never written into the text.
 */
kz_rc kz_store_sqlite_query_sql(const kz_query *q, kz_buf *b)
{
    kz_rc rc;

    if ((rc = kz_buf_puts(b, "SELECT o.id, o.type, o.version, o.spec_version, o.date_added, "
                             "o.json, o.coll FROM objects AS o WHERE 1")) != KZ_OK)
        return rc;
    if (q->coll != 0 && (rc = kz_buf_puts(b, " AND o.coll = :coll")) != KZ_OK)
        return rc;
    if (q->type != NULL && (rc = kz_buf_puts(b, " AND o.type = :type")) != KZ_OK)
        return rc;
    if (q->added_after != NULL && (rc = kz_buf_puts(b, " AND o.date_added > :after")) != KZ_OK)
        return rc;
    /* Latest version of each (collection, id): no newer version of it in that collection. The
     * subquery is one seek into objects_id; the row itself is skipped by its seq, which the index
     * holds, so an id with one version costs no table read and the filter is O(log n) per row. */
    if (q->coll != 0 && !q->all_versions &&
        (rc = kz_buf_puts(b, " AND NOT EXISTS (SELECT 1 FROM objects AS n WHERE n.id_hash ="
                             " o.id_hash AND n.seq <> o.seq AND n.id = o.id AND n.coll = o.coll"
                             " AND n.version > o.version)")) != KZ_OK)
        return rc;
    /* Over every collection, a version stored in several collections (always with the same
     * content) is given once, as first stored; and "latest" means latest anywhere. */
    if (q->coll == 0 &&
        (rc = kz_buf_puts(b, q->all_versions
                                 ? " AND NOT EXISTS (SELECT 1 FROM objects AS n WHERE n.id_hash ="
                                   " o.id_hash AND n.seq < o.seq AND n.id = o.id"
                                   " AND n.version = o.version)"
                                 : " AND NOT EXISTS (SELECT 1 FROM objects AS n WHERE n.id_hash ="
                                   " o.id_hash AND n.seq <> o.seq AND n.id = o.id"
                                   " AND (n.version > o.version OR (n.version = o.version"
                                   " AND n.seq < o.seq)))")) != KZ_OK)
        return rc;
    /* Over every collection, seq order is (date_added, seq) order (see the top of the file). */
    return kz_buf_puts(b, q->coll != 0 ? " ORDER BY o.date_added, o.seq" : " ORDER BY o.seq");
}

static int bind_named(sqlite3_stmt *st, const char *name, const char *text)
{
    int i = sqlite3_bind_parameter_index(st, name);
    return i == 0 ? SQLITE_RANGE : sqlite3_bind_text(st, i, text, -1, SQLITE_STATIC);
}

static kz_rc sq_query(kz_store *base, const kz_query *q, kz_rc (*fn)(void *ctx, const kz_row *row),
                      void *ctx, kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
    char after[KZ_TIME_MAX];
    sqlite3_stmt *st = NULL;
    kz_buf sql;
    kz_row row;
    kz_rc rc;
    int r;

    kz_buf_init(&sql, 0);
    if (q->added_after != NULL) {
        kz_time t;
        if ((rc = kz_time_parse(kz_sv_c(q->added_after), &t, err)) != KZ_OK) {
            kz_err_prefix(err, "added_after");
            goto out;
        }
        /* Stored date_added has milliseconds; "later than t" is "later than t cut to the ms". */
        kz_time_format(&t, 3, after);
    }
    if ((rc = kz_store_sqlite_query_sql(q, &sql)) != KZ_OK) {
        rc = kz_fail(err, rc, "out of memory building a query");
        goto out;
    }
    rc = KZ_EDB;
    if (sqlite3_prepare_v2(s->db, sql.p, (int)sql.n, &st, NULL) != SQLITE_OK ||
        (q->coll != 0 &&
         sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":coll"), q->coll) !=
             SQLITE_OK) ||
        (q->type != NULL && bind_named(st, ":type", q->type) != SQLITE_OK) ||
        (q->added_after != NULL && bind_named(st, ":after", after) != SQLITE_OK)) {
        rc = db_fail(s, err, "querying objects");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        row.id = col_sv(st, 0);
        row.type = col_sv(st, 1);
        row.version = col_sv(st, 2);
        row.spec_version = col_sv(st, 3);
        row.date_added = col_sv(st, 4);
        row.text = col_sv(st, 5);
        row.coll = sqlite3_column_int64(st, 6);
        if ((rc = fn(ctx, &row)) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE) {
        rc = db_fail(s, err, "querying objects");
        goto out;
    }
    rc = KZ_OK;
out:
    sqlite3_finalize(st);
    kz_buf_free(&sql);
    return rc;
}

static kz_rc sq_stats(kz_store *base, kz_stats *out,
                      kz_rc (*fn)(void *ctx, const char *type, int64_t objects, int64_t versions),
                      void *ctx, kz_err *err)
{
    /* Per type: distinct (collection, id), versions, and bytes of JSON text. An id has one type,
     * so grouping by (coll, id, type) first counts each object once. */
    static const char by_type_sql[] =
        "SELECT type, count(*), sum(n), sum(bytes) FROM"
        " (SELECT type, count(*) AS n, sum(length(CAST(json AS BLOB))) AS bytes"
        "  FROM objects GROUP BY coll, id, type)"
        " GROUP BY type ORDER BY type";
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st = NULL;
    kz_rc rc = KZ_EDB;
    int r;

    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM collections", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = db_fail(s, err, "counting collections");
        goto out;
    }
    out->collections = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(s->db, by_type_sql, -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(s, err, "counting objects");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        int64_t objects = sqlite3_column_int64(st, 1), versions = sqlite3_column_int64(st, 2);
        out->objects += objects;
        out->versions += versions;
        out->bytes += sqlite3_column_int64(st, 3);
        if (fn != NULL && (rc = fn(ctx, type ? type : "", objects, versions)) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE) {
        rc = db_fail(s, err, "counting objects");
        goto out;
    }
    rc = KZ_OK;
out:
    sqlite3_finalize(st);
    return rc;
}

static const kz_store_ops sqlite_ops = {
    .name = "sqlite",
    .free = sq_free,
    .collection = sq_collection,
    .collections = sq_collections,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .put = sq_put,
    .query = sq_query,
    .stats = sq_stats,
};
