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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_sqlite.h"

#define SCHEMA_VERSION 4
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
 * Schema 2 (TAXII): API roots (collections belong to one), status resources of POSTs, users
 * with argon2id password hashes, their other credentials (hashes of API tokens, client
 * certificate fingerprints or subjects) and their rights per collection. Applied to a new file
 * after schema 1 and to a version 1 file as its migration, in one transaction either way.
 */
static const char schema2_sql[] =
    "CREATE TABLE roots ("
    " name TEXT PRIMARY KEY,"
    " title TEXT NOT NULL,"
    " description TEXT NOT NULL DEFAULT '',"
    " created TEXT NOT NULL);"
    "INSERT INTO roots (name, title, description, created) VALUES"
    " ('" KZ_ROOT_DEFAULT "', 'Kizuna', 'The default API root of this node',"
    "  strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));"
    /* No REFERENCES: SQLite cannot add a column with one and a default; coll_insert_sql checks. */
    "ALTER TABLE collections ADD COLUMN root TEXT NOT NULL DEFAULT '" KZ_ROOT_DEFAULT "';"
    "CREATE TABLE status ("
    " id TEXT PRIMARY KEY,"
    " root TEXT NOT NULL,"
    " user TEXT NOT NULL,"
    " created TEXT NOT NULL,"
    " json TEXT NOT NULL);"
    "CREATE TABLE users ("
    " name TEXT PRIMARY KEY,"
    " pw_hash TEXT NOT NULL DEFAULT '',"
    " created TEXT NOT NULL);"
    "CREATE TABLE creds ("
    " kind TEXT NOT NULL,"
    " value TEXT NOT NULL,"
    " user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
    " label TEXT NOT NULL DEFAULT '',"
    " created TEXT NOT NULL,"
    " PRIMARY KEY (kind, value));"
    "CREATE INDEX creds_user ON creds(user);"
    "CREATE TABLE grants ("
    " user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
    " coll INTEGER NOT NULL REFERENCES collections(key),"
    " can_read INTEGER NOT NULL,"
    " can_write INTEGER NOT NULL,"
    " PRIMARY KEY (user, coll));"
    "PRAGMA user_version = 2;";

/*
 * Schema 3 (vulnerability knowledge base, vuln.h): source documents with their revision, one
 * record per vulnerability per document (its JSON), and two lookup tables: aliases (every id a
 * record is known by) and match keys (normalised vendor/product names, CPE vendor:product, purl
 * type/namespace/name). Deleting a document deletes its records and their lookups.
 */
static const char schema3_sql[] =
    "CREATE TABLE vuln_docs ("
    " key INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " document TEXT NOT NULL,"
    " revision TEXT NOT NULL,"
    " UNIQUE (kind, document));"
    "CREATE TABLE vuln_records ("
    " key INTEGER PRIMARY KEY,"
    " doc INTEGER NOT NULL REFERENCES vuln_docs(key) ON DELETE CASCADE,"
    " vuln_id TEXT NOT NULL,"
    " json TEXT NOT NULL);"
    "CREATE INDEX vuln_records_id ON vuln_records(vuln_id);"
    "CREATE INDEX vuln_records_doc ON vuln_records(doc);"
    "CREATE TABLE vuln_aliases ("
    " alias TEXT NOT NULL,"
    " record INTEGER NOT NULL REFERENCES vuln_records(key) ON DELETE CASCADE);"
    "CREATE INDEX vuln_aliases_alias ON vuln_aliases(alias);"
    "CREATE INDEX vuln_aliases_record ON vuln_aliases(record);"
    "CREATE TABLE vuln_keys ("
    " key TEXT NOT NULL,"
    " record INTEGER NOT NULL REFERENCES vuln_records(key) ON DELETE CASCADE);"
    "CREATE INDEX vuln_keys_key ON vuln_keys(key);"
    "CREATE INDEX vuln_keys_record ON vuln_keys(record);"
    "PRAGMA user_version = 3;";

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
    "SELECT key, id, title, description, root FROM collections WHERE id = ?1";
static const char coll_by_title_sql[] = "SELECT key, id, title, description, root FROM collections"
                                        " WHERE title = ?1 ORDER BY key LIMIT 1";
/* Inserts nothing when the API root does not exist. */
static const char coll_insert_sql[] =
    "INSERT INTO collections (id, title, description, created, root)"
    " SELECT ?1, ?2, ?4, ?3, ?5 WHERE EXISTS (SELECT 1 FROM roots WHERE name = ?5)";

kz_rc kz_sq_fail(kz_sqlite *s, kz_err *err, const char *doing)
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

kz_sv kz_sq_col(sqlite3_stmt *st, int i)
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
    sqlite3_finalize(s->data_version);
    for (size_t i = 0; i < sizeof s->stmt / sizeof s->stmt[0]; i++)
        sqlite3_finalize(s->stmt[i]);
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
        rc = kz_sq_fail(s, err, "reading the schema version");
    else
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/*
 * Schema 4: a vulnerability record keeps only its first reference in json and the full array in
 * refs (NULL when it has at most one), which only `vuln show`, export and search read: matching
 * reads and parses a quarter less. Records stored before are split in place.
 */
static const char schema4_sql[] =
    "ALTER TABLE vuln_records ADD COLUMN refs TEXT;"
    "UPDATE vuln_records SET refs = json_extract(json, '$.references'),"
    " json = json_set(json, '$.references',"
    "                 json_array(json_extract(json, '$.references[0]')))"
    " WHERE json_valid(json) AND json_array_length(json, '$.references') > 1;"
    "PRAGMA user_version = 4;";

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
    if (version < SCHEMA_VERSION) {
        /* Two processes may create or migrate a file at once: the write lock lets one do it. */
        if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
            rc = kz_sq_fail(s, err, "creating the schema");
            goto out;
        }
        in_tx = true;
        if ((rc = schema_version(s, &version, err)) != KZ_OK)
            goto out;
        if (version == 0 && sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
            rc = kz_sq_fail(s, err, "creating the schema; is this a Kizuna database?");
            goto out;
        }
        if (version < 2 && sqlite3_exec(s->db, schema2_sql, NULL, NULL, NULL) != SQLITE_OK) {
            rc = kz_sq_fail(s, err, "upgrading the schema to version 2");
            goto out;
        }
        if (version < 3 && sqlite3_exec(s->db, schema3_sql, NULL, NULL, NULL) != SQLITE_OK) {
            rc = kz_sq_fail(s, err, "upgrading the schema to version 3");
            goto out;
        }
        if (version < 4 && sqlite3_exec(s->db, schema4_sql, NULL, NULL, NULL) != SQLITE_OK) {
            rc = kz_sq_fail(s, err, "upgrading the schema to version 4");
            goto out;
        }
        if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            rc = kz_sq_fail(s, err, "creating the schema");
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
    rc = KZ_OK;
out:
    if (in_tx)
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static kz_rc prepare(kz_sqlite *s, const char *sql, sqlite3_stmt **st, kz_err *err)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return kz_sq_fail(s, err, "preparing a statement");
    return KZ_OK;
}

static const kz_store_ops sqlite_ops;

#define CACHE_KIB "-32768" /* the page cache of a handle: 32 MiB (negative: KiB) */

/* Another connection to the same file (kz_store_dup). */
static kz_rc sq_dup(kz_store *base, kz_store **out, kz_err *err)
{
    return kz_store_sqlite_open(((kz_sqlite *)base)->path, out, err);
}

/*
 * Once per process, before SQLite initialises: no memory statistics. They are kept under one
 * global mutex taken by every allocation of every connection, which threads reading through
 * handles of their own (kz_vuln_match) then wait on. When something else in the process has
 * initialised SQLite already, the call fails harmlessly and the statistics stay on.
 */
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;
static void sq_configure(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

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
                                  "PRAGMA cache_size = " CACHE_KIB ";"
                                  "PRAGMA wal_autocheckpoint = 8192;";
    kz_sqlite *s = NULL;
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    (void)pthread_once(&sq_once, sq_configure);
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
        rc = kz_sq_fail(s, err, "setting the busy timeout");
        goto out;
    }
    /* The first statement reads the file: a file that is not SQLite fails here. */
    if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "opening the database");
        goto out;
    }
    if ((rc = ensure_schema(s, err)) != KZ_OK)
        goto out;
    if ((rc = prepare(s, find_sql, &s->find, err)) != KZ_OK ||
        (rc = prepare(s, insert_sql, &s->insert, err)) != KZ_OK ||
        (rc = prepare(s, last_added_sql, &s->last_added, err)) != KZ_OK ||
        (rc = prepare(s, coll_by_id_sql, &s->coll_by_id, err)) != KZ_OK ||
        (rc = prepare(s, coll_by_title_sql, &s->coll_by_title, err)) != KZ_OK ||
        (rc = prepare(s, coll_insert_sql, &s->coll_insert, err)) != KZ_OK ||
        (rc = prepare(s, "PRAGMA data_version", &s->data_version, err)) != KZ_OK)
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
kz_rc kz_sq_read_collection(kz_sqlite *s, sqlite3_stmt *st, kz_collection *out, kz_err *err)
{
    kz_sv id = kz_sq_col(st, 1);

    kz_collection_clear(out);
    out->key = sqlite3_column_int64(st, 0);
    if (id.n >= sizeof out->id)
        return kz_fail(err, KZ_EDB, "%s: collection %lld has an id longer than %d bytes", s->path,
                       (long long)out->key, KZ_COLL_ID_MAX - 1);
    memcpy(out->id, id.p, id.n);
    out->id[id.n] = '\0';
    if (sqlite3_column_count(st) > 4) {
        kz_sv root = kz_sq_col(st, 4);
        if (root.n >= sizeof out->root)
            return kz_fail(err, KZ_EDB, "%s: collection %s has a root name too long", s->path,
                           out->id);
        memcpy(out->root, root.p, root.n);
        out->root[root.n] = '\0';
    }
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
        rc = kz_sq_fail(s, err, "looking up a collection");
        goto out;
    }
    r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = kz_sq_read_collection(s, st, out, err);
    else if (r == SQLITE_DONE)
        rc = KZ_ENOTFOUND;
    else
        rc = kz_sq_fail(s, err, "looking up a collection");
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* Inserts a collection with a new UUID and reads it back into out. */
static kz_rc insert_collection(kz_sqlite *s, const char *root, const char *title,
                               const char *description, kz_collection *out, kz_err *err)
{
    char uuid[KZ_UUID_STR], created[KZ_TIME_MAX];
    kz_time now = kz_time_now();
    sqlite3_stmt *st = s->coll_insert;
    kz_rc rc;
    int r;

    if (kz_uuid4(uuid) != KZ_OK)
        return kz_fail(err, KZ_EIO, "cannot make a collection id: no random numbers");
    kz_time_format(&now, 3, created);
    if (sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 3, created, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 4, description, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 5, root, -1, SQLITE_STATIC) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "creating a collection");
    } else if ((r = sqlite3_step(st)) == SQLITE_DONE && sqlite3_changes(s->db) == 0) {
        rc = kz_fail(err, KZ_ENOTFOUND, "%s: no API root \"%s\" (add it with `kizuna root add`)",
                     s->path, root);
    } else if (r != SQLITE_DONE) {
        rc = kz_sq_fail(s, err, "creating a collection");
    } else {
        rc = KZ_OK;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != KZ_OK)
        return rc;
    return find_collection(s, s->coll_by_id, uuid, out, err) == KZ_OK
               ? KZ_OK
               : kz_sq_fail(s, err, "reading a new collection");
}

static kz_rc sq_collection(kz_store *base, const char *name, bool create, kz_collection *out,
                           kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
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
    return insert_collection(s, KZ_ROOT_DEFAULT, name, "", out, err);
}

static kz_rc sq_collection_add(kz_store *base, const char *root, const char *title,
                               const char *description, kz_collection *out, kz_err *err)
{
    return insert_collection((kz_sqlite *)base, root, title, description, out, err);
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
                           "SELECT key, id, title, description, root FROM collections ORDER BY key",
                           -1,
                           &st, NULL) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "listing collections");
        goto out;
    }
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = kz_sq_read_collection(s, st, &c, err)) != KZ_OK || (rc = fn(ctx, &c)) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE)
        rc = kz_sq_fail(s, err, "listing collections");
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
        return kz_fail(err, KZ_EUSAGE, "%s: a %s is already open", s->path,
                       s->reading ? "snapshot" : "batch");
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return kz_sq_fail(s, err, "starting a batch");
    /* Another process may have written since our last batch, with a clock ahead of ours:
     * date_added continues from the newest stored one so that it never goes down. */
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        kz_time t;
        kz_err ignored;
        if (kz_time_parse(kz_sq_col(st, 0), &t, &ignored) == KZ_OK) {
            /* Each batch's date_added is later than every earlier batch's, so a client that has
             * read everything up to date_added T and asks for added_after=T misses nothing,
             * even when the next batch commits within the same millisecond. */
            advance_added(s, time_ms(&t));
            s->batch_floor_ms = time_ms(&t) + 1;
        }
    } else if (r != SQLITE_DONE) {
        rc = kz_sq_fail(s, err, "starting a batch");
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
        return kz_sq_fail(s, err, "committing a batch");
    s->changes++;
    return KZ_OK;
}

static void sq_rollback(kz_store *base)
{
    kz_sqlite *s = (kz_sqlite *)base;

    if (!sqlite3_get_autocommit(s->db))
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * A deferred transaction that only reads: SQLite takes its snapshot at the first read and keeps
 * it (and the WAL read lock) until the end, instead of locking and checking the file per
 * statement. Meanwhile the page cache is small (READ_CACHE): a snapshot serves runs of reads
 * that each touch a row once, where a big cache only costs fresh memory for pages never read
 * again.
 */
#define READ_CACHE "-4096" /* KiB */
static kz_rc sq_read_begin(kz_store *base, kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;

    if (!sqlite3_get_autocommit(s->db))
        return kz_fail(err, KZ_EUSAGE, "%s: a %s is already open", s->path,
                       s->reading ? "snapshot" : "batch");
    if (sqlite3_exec(s->db, "PRAGMA cache_size = " READ_CACHE "; BEGIN", NULL, NULL, NULL) !=
        SQLITE_OK) {
        (void)sqlite3_exec(s->db, "PRAGMA cache_size = " CACHE_KIB, NULL, NULL, NULL);
        return kz_sq_fail(s, err, "starting a snapshot");
    }
    s->reading = true;
    return KZ_OK;
}

static void sq_read_end(kz_store *base)
{
    kz_sqlite *s = (kz_sqlite *)base;

    if (!s->reading)
        return;
    if (!sqlite3_get_autocommit(s->db))
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    (void)sqlite3_exec(s->db, "PRAGMA cache_size = " CACHE_KIB, NULL, NULL, NULL);
    s->reading = false;
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
        rc = kz_sq_fail(s, err, "looking up an object");
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
            if ((rc = same_json(kz_sq_col(st, 2), p, &same, err)) != KZ_OK)
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
        rc = kz_sq_fail(s, err, "looking up an object");
out_find:
    sqlite3_reset(st);
    if (rc != KZ_OK)
        return rc;
    if (conflict || unchanged) {
        *res = conflict ? KZ_PUT_CONFLICT : KZ_PUT_UNCHANGED;
        return KZ_OK;
    }

    now = kz_time_now();
    advance_added(s, time_ms(&now) > s->batch_floor_ms ? time_ms(&now) : s->batch_floor_ms);
    st = s->insert;
    if (sqlite3_bind_int64(st, 1, coll) != SQLITE_OK || bind_sv(st, 2, p->id) != SQLITE_OK ||
        bind_sv(st, 3, p->version) != SQLITE_OK || bind_sv(st, 4, p->type) != SQLITE_OK ||
        bind_sv(st, 5, p->spec_version) != SQLITE_OK ||
        sqlite3_bind_text(st, 6, s->added, s->added_n, SQLITE_STATIC) != SQLITE_OK ||
        bind_sv(st, 7, p->text) != SQLITE_OK || sqlite3_bind_int64(st, 8, hash) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "storing an object");
    } else if ((r = sqlite3_step(st)) != SQLITE_DONE) {
        if (r == SQLITE_CONSTRAINT_FOREIGNKEY)
            rc = kz_fail(err, KZ_EUSAGE, "%s: no collection with key %lld", s->path,
                         (long long)coll);
        else
            rc = kz_sq_fail(s, err, "storing an object");
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
 * one). Values are always bound, never written into the text: each '?' appended is matched by
 * one entry of the binds list, in order.
 */
typedef struct {
    const char *text; /* NULL: the integer */
    int64_t i;
} bind_val;

typedef struct {
    kz_buf *sql;
    bind_val *v; /* NULL: only the text is wanted */
    size_t n, cap;
    kz_rc rc;    /* sticky: the first failure */
} qbuild;

static void qb_puts(qbuild *b, const char *text)
{
    if (b->rc == KZ_OK)
        b->rc = kz_buf_puts(b->sql, text);
}

static void qb_bind(qbuild *b, const char *text, int64_t i)
{
    qb_puts(b, "?");
    if (b->rc != KZ_OK || b->v == NULL)
        return;
    if (b->n == b->cap) {
        b->rc = KZ_ENOMEM;
        return;
    }
    b->v[b->n].text = text;
    b->v[b->n].i = i;
    b->n++;
}

/* " AND col IN (?, ?, ...)" for a list of texts. */
static void qb_in(qbuild *b, const char *col, const char *const *list, size_t n)
{
    qb_puts(b, " AND ");
    qb_puts(b, col);
    qb_puts(b, " IN (");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            qb_puts(b, ", ");
        qb_bind(b, list[i], 0);
    }
    qb_puts(b, ")");
}

/* Other stored versions of o's id in o's collection that compete with o for first or last:
 * those of the selected spec_versions, or of o's own spec_version when the latest only. */
static void qb_rivals(qbuild *b, const kz_query *q)
{
    qb_puts(b, "SELECT 1 FROM objects AS n WHERE n.id_hash = o.id_hash AND n.seq <> o.seq"
               " AND n.id = o.id AND n.coll = o.coll");
    if (q->n_spec_versions > 0)
        qb_in(b, "n.spec_version", q->spec_versions, q->n_spec_versions);
    else if (q->latest_spec_only)
        qb_puts(b, " AND n.spec_version = o.spec_version");
}

/* The version choice within one collection (TAXII match[version]): any flag or listed version. */
static void qb_versions(qbuild *b, const kz_query *q)
{
    unsigned flags = q->ver_flags;
    bool any = false;

    if (q->all_versions)
        flags |= KZ_VER_ALL;
    if (flags == 0 && q->n_versions == 0)
        flags = KZ_VER_LAST;
    if (flags & KZ_VER_ALL)
        return;
    qb_puts(b, " AND (");
    if (flags & KZ_VER_LAST) {
        qb_puts(b, "NOT EXISTS (");
        qb_rivals(b, q);
        qb_puts(b, " AND n.version > o.version)");
        any = true;
    }
    if (flags & KZ_VER_FIRST) {
        qb_puts(b, any ? " OR NOT EXISTS (" : "NOT EXISTS (");
        qb_rivals(b, q);
        qb_puts(b, " AND n.version < o.version)");
        any = true;
    }
    if (q->n_versions > 0) {
        qb_puts(b, any ? " OR o.version IN (" : "o.version IN (");
        for (size_t i = 0; i < q->n_versions; i++) {
            if (i > 0)
                qb_puts(b, ", ");
            qb_bind(b, q->versions[i], 0);
        }
        qb_puts(b, ")");
    }
    qb_puts(b, ")");
}

/* The WHERE clause of a query (also of a delete), after "... FROM objects AS o". */
static void qb_where(qbuild *b, const kz_query *q, const char *after)
{
    qb_puts(b, " WHERE 1");
    if (q->coll != 0) {
        qb_puts(b, " AND o.coll = ");
        qb_bind(b, NULL, q->coll);
    }
    if (q->type != NULL) {
        qb_puts(b, " AND o.type = ");
        qb_bind(b, q->type, 0);
    }
    if (q->n_types > 0)
        qb_in(b, "o.type", q->types, q->n_types);
    if (q->n_ids > 0)
        qb_in(b, "o.id", q->ids, q->n_ids);
    if (q->n_spec_versions > 0)
        qb_in(b, "o.spec_version", q->spec_versions, q->n_spec_versions);
    if (q->added_after != NULL) {
        qb_puts(b, " AND o.date_added > ");
        qb_bind(b, after, 0);
    }
    /* Paging: rows after the cursor's. date_added never goes down with seq, so every such row
     * has a date_added at least that of the newest row at or before the cursor: the bound lets
     * SQLite seek in objects_added instead of scanning from the start. */
    if (q->after_seq > 0) {
        qb_puts(b, " AND o.seq > ");
        qb_bind(b, NULL, q->after_seq);
        qb_puts(b, " AND o.date_added >= coalesce((SELECT date_added FROM objects WHERE seq <= ");
        qb_bind(b, NULL, q->after_seq);
        qb_puts(b, " ORDER BY seq DESC LIMIT 1), '')");
    }
    if (q->coll != 0) {
        if (q->latest_spec_only && q->n_spec_versions == 0)
            qb_puts(b, " AND NOT EXISTS (SELECT 1 FROM objects AS n WHERE n.id_hash = o.id_hash"
                       " AND n.seq <> o.seq AND n.id = o.id AND n.coll = o.coll"
                       " AND n.spec_version > o.spec_version)");
        /* Latest version of each (collection, id): no newer version of it in that collection.
         * The subquery is one seek into objects_id; the row itself is skipped by its seq, which
         * the index holds, so an id with one version costs no table read. */
        qb_versions(b, q);
        return;
    }
    /* Over every collection, a version stored in several collections (always with the same
     * content) is given once, as first stored; and "latest" means latest anywhere. */
    qb_puts(b, q->all_versions ? " AND NOT EXISTS (SELECT 1 FROM objects AS n WHERE n.id_hash ="
                                 " o.id_hash AND n.seq < o.seq AND n.id = o.id"
                                 " AND n.version = o.version)"
                               : " AND NOT EXISTS (SELECT 1 FROM objects AS n WHERE n.id_hash ="
                                 " o.id_hash AND n.seq <> o.seq AND n.id = o.id"
                                 " AND (n.version > o.version OR (n.version = o.version"
                                 " AND n.seq < o.seq)))");
}

static void qb_select(qbuild *b, const kz_query *q, const char *after)
{
    qb_puts(b, "SELECT o.id, o.type, o.version, o.spec_version, o.date_added, o.json, o.coll,"
               " o.seq FROM objects AS o");
    qb_where(b, q, after);
    /* Within a collection (coll, date_added, seq) is the index order; over every collection seq
     * order is the same order (see the top of the file) and needs no index. */
    qb_puts(b, q->coll != 0 ? " ORDER BY o.date_added, o.seq" : " ORDER BY o.seq");
    if (q->limit > 0) {
        qb_puts(b, " LIMIT ");
        qb_bind(b, NULL, q->limit);
    }
}

kz_rc kz_store_sqlite_query_sql(const kz_query *q, kz_buf *b)
{
    qbuild qb = {b, NULL, 0, 0, KZ_OK};

    qb_select(&qb, q, NULL);
    return qb.rc;
}

static size_t binds_needed(const kz_query *q)
{
    return 8 + q->n_ids + q->n_types + 2 * q->n_spec_versions * 3 + q->n_versions;
}

/* Prepares the statement of b (text and binds). */
static kz_rc qb_prepare(kz_sqlite *s, qbuild *b, sqlite3_stmt **st, kz_err *err)
{
    *st = NULL;
    if (b->rc != KZ_OK)
        return kz_fail(err, b->rc, "out of memory building a query");
    if (sqlite3_prepare_v2(s->db, b->sql->p, (int)b->sql->n, st, NULL) != SQLITE_OK)
        return kz_sq_fail(s, err, "preparing a query");
    for (size_t i = 0; i < b->n; i++) {
        int r = b->v[i].text ? sqlite3_bind_text(*st, (int)i + 1, b->v[i].text, -1, SQLITE_STATIC)
                             : sqlite3_bind_int64(*st, (int)i + 1, b->v[i].i);
        if (r != SQLITE_OK)
            return kz_sq_fail(s, err, "binding a query's values");
    }
    return KZ_OK;
}

/* Checks added_after and writes it cut to milliseconds (the precision of stored date_added:
 * "later than t" is "later than t cut to the ms"). */
static kz_rc after_ms(const kz_query *q, char after[KZ_TIME_MAX], kz_err *err)
{
    kz_time t;
    kz_rc rc;

    after[0] = '\0';
    if (q->added_after == NULL)
        return KZ_OK;
    if ((rc = kz_time_parse(kz_sv_c(q->added_after), &t, err)) != KZ_OK) {
        kz_err_prefix(err, "added_after");
        return rc;
    }
    kz_time_format(&t, 3, after);
    return KZ_OK;
}

static kz_rc sq_query(kz_store *base, const kz_query *q, kz_rc (*fn)(void *ctx, const kz_row *row),
                      void *ctx, kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
    char after[KZ_TIME_MAX];
    sqlite3_stmt *st = NULL;
    kz_buf sql;
    qbuild qb;
    kz_row row;
    kz_rc rc;
    int r;

    kz_buf_init(&sql, 0);
    memset(&qb, 0, sizeof qb);
    if ((rc = after_ms(q, after, err)) != KZ_OK)
        goto out;
    qb.sql = &sql;
    qb.cap = binds_needed(q);
    if ((qb.v = calloc(qb.cap, sizeof *qb.v)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory building a query");
        goto out;
    }
    qb_select(&qb, q, after);
    if ((rc = qb_prepare(s, &qb, &st, err)) != KZ_OK)
        goto out;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        row.id = kz_sq_col(st, 0);
        row.type = kz_sq_col(st, 1);
        row.version = kz_sq_col(st, 2);
        row.spec_version = kz_sq_col(st, 3);
        row.date_added = kz_sq_col(st, 4);
        row.text = kz_sq_col(st, 5);
        row.coll = sqlite3_column_int64(st, 6);
        row.seq = sqlite3_column_int64(st, 7);
        if ((rc = fn(ctx, &row)) != KZ_OK)
            goto out;
    }
    if (r != SQLITE_DONE) {
        rc = kz_sq_fail(s, err, "querying objects");
        goto out;
    }
    rc = KZ_OK;
out:
    sqlite3_finalize(st);
    free(qb.v);
    kz_buf_free(&sql);
    return rc;
}

static kz_rc sq_del(kz_store *base, const kz_query *q, int64_t *deleted, kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
    kz_query dq = *q;
    char after[KZ_TIME_MAX];
    sqlite3_stmt *st = NULL;
    bool own_batch = false;
    kz_buf sql;
    qbuild qb;
    kz_rc rc;

    kz_buf_init(&sql, 0);
    memset(&qb, 0, sizeof qb);
    dq.after_seq = 0;
    dq.limit = 0;
    if ((rc = after_ms(&dq, after, err)) != KZ_OK)
        goto out;
    qb.sql = &sql;
    qb.cap = binds_needed(&dq);
    if ((qb.v = calloc(qb.cap, sizeof *qb.v)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory building a query");
        goto out;
    }
    qb_puts(&qb, "DELETE FROM objects WHERE seq IN (SELECT o.seq FROM objects AS o");
    qb_where(&qb, &dq, after);
    qb_puts(&qb, ")");
    if (sqlite3_get_autocommit(s->db)) {
        if ((rc = kz_store_begin(base, err)) != KZ_OK)
            goto out;
        own_batch = true;
    }
    if ((rc = qb_prepare(s, &qb, &st, err)) != KZ_OK)
        goto out;
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = kz_sq_fail(s, err, "deleting an object");
        goto out;
    }
    *deleted = sqlite3_changes64(s->db);
    sqlite3_finalize(st);
    st = NULL;
    if (own_batch) {
        own_batch = false;
        if ((rc = kz_store_commit(base, err)) != KZ_OK)
            goto out;
    }
    s->changes++;
    rc = KZ_OK;
out:
    sqlite3_finalize(st);
    if (own_batch)
        kz_store_rollback(base);
    free(qb.v);
    kz_buf_free(&sql);
    return rc;
}

static kz_rc sq_generation(kz_store *base, uint64_t *gen, kz_err *err)
{
    kz_sqlite *s = (kz_sqlite *)base;
    sqlite3_stmt *st = s->data_version;
    kz_rc rc = KZ_OK;

    /* data_version changes when another connection commits; our own commits are counted. */
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = kz_sq_fail(s, err, "reading the data version");
    else
        *gen = ((uint64_t)sqlite3_column_int64(st, 0) << 32) ^ s->changes;
    sqlite3_reset(st);
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
        rc = kz_sq_fail(s, err, "counting collections");
        goto out;
    }
    out->collections = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(s->db, by_type_sql, -1, &st, NULL) != SQLITE_OK) {
        rc = kz_sq_fail(s, err, "counting objects");
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
        rc = kz_sq_fail(s, err, "counting objects");
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
    .dup = sq_dup,
    .collection = sq_collection,
    .collections = sq_collections,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .put = sq_put,
    .query = sq_query,
    .stats = sq_stats,
    .collection_add = sq_collection_add,
    .root_add = kz_sq_root_add,
    .roots = kz_sq_roots,
    .del = sq_del,
    .generation = sq_generation,
    .status_put = kz_sq_status_put,
    .status_get = kz_sq_status_get,
    .user_put = kz_sq_user_put,
    .user_get = kz_sq_user_get,
    .user_del = kz_sq_user_del,
    .users = kz_sq_users,
    .cred_add = kz_sq_cred_add,
    .cred_user = kz_sq_cred_user,
    .cred_del = kz_sq_cred_del,
    .grant = kz_sq_grant,
    .rights = kz_sq_rights,
    .grants = kz_sq_grants,
    .vdoc = kz_sq_vdoc,
    .vrec_put = kz_sq_vrec_put,
    .vrecs = kz_sq_vrecs,
    .vkey = kz_sq_vkey,
    .vids = kz_sq_vids,
    .vcounts = kz_sq_vcounts,
};
