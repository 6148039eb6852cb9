/*
 * test_store.c - the store interface (store.h) over its SQLite backend: versions and conflicts,
 * collections, queries (latest version, added_after, plans), batches and crash safety, URLs and
 * error messages. Each test works in its own folder made with mkdtemp under /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kizuna/store.h"
#include "../../src/store/store_impl.h"
#include "kz_test.h"

/* ---- fixture: a fresh folder and a store in it -------------------------------------------- */

typedef struct {
    char dir[64];
    char path[128];
    kz_store *s;
    int64_t coll;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    kz_collection c;
    kz_err err;

    if (f == NULL)
        return -1;
    if (!kz_test_store_open(f->dir, sizeof f->dir, f->path, sizeof f->path, "kizuna.db", &f->s))
        return -1;
    if (kz_store_collection(f->s, NULL, true, &c, &err) != KZ_OK)
        return -1;
    f->coll = c.key;
    kz_collection_clear(&c);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    kz_store_free(f->s);
    kz_test_rmtree(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static kz_sv member(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    kz_sv sv = {"", 0};

    if (json_is_string(v)) {
        sv.p = json_string_value(v);
        sv.n = json_string_length(v);
    }
    return sv;
}

/* Puts one object from its JSON text (version = modified, as text) inside its own batch. */
static kz_put_result put_text(kz_store *s, int64_t coll, const char *text)
{
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    kz_put_result res = KZ_PUT_CONFLICT;
    kz_err err;
    kz_put p;

    assert_non_null(o);
    p.id = member(o, "id");
    p.type = member(o, "type");
    p.version = member(o, "modified");
    p.spec_version = member(o, "spec_version");
    p.text = kz_sv_c(text);
    p.obj = o;
    assert_int_equal(kz_store_begin(s, &err), KZ_OK);
    if (kz_store_put(s, coll, &p, &res, &err) != KZ_OK)
        fail_msg("put: %s", err.msg);
    assert_int_equal(kz_store_commit(s, &err), KZ_OK);
    json_decref(o);
    return res;
}

#define IND_V1                                                                                    \
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--a\",\"modified\":"      \
    "\"2024-01-01T00:00:00.000Z\",\"pattern\":\"[x:y = 1]\"}"
#define IND_V2                                                                                    \
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--a\",\"modified\":"      \
    "\"2024-02-01T00:00:00.000Z\",\"pattern\":\"[x:y = 2]\"}"
#define IND_V1_OTHER                                                                              \
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--a\",\"modified\":"      \
    "\"2024-01-01T00:00:00.000Z\",\"pattern\":\"[x:y = 999]\"}"
#define IND_V1_REORDERED                                                                          \
    "{ \"pattern\": \"[x:y = 1]\", \"id\": \"indicator--a\", \"type\": \"indicator\","            \
    " \"modified\": \"2024-01-01T00:00:00.000Z\", \"spec_version\": \"2.1\" }"
#define MAL_V1                                                                                    \
    "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--m\",\"modified\":"          \
    "\"2024-01-01T00:00:00.000Z\",\"is_family\":true}"
#define IPV4                                                                                      \
    "{\"type\":\"ipv4-addr\",\"spec_version\":\"2.1\",\"id\":\"ipv4-addr--i\",\"value\":"         \
    "\"192.0.2.1\"}"

/* Collects query rows: ids, versions, texts, date_added, in order. */
#define MAXROWS 64
typedef struct {
    int n;
    char id[MAXROWS][64];
    char version[MAXROWS][40];
    char added[MAXROWS][40];
    char text[MAXROWS][512];
    int64_t coll[MAXROWS];
    int stop_after; /* 0: never */
} rows;

static kz_rc collect(void *ctx, const kz_row *r)
{
    rows *rs = ctx;

    if (rs->n >= MAXROWS)
        return KZ_ELIMIT;
    snprintf(rs->id[rs->n], sizeof rs->id[0], "%.*s", (int)r->id.n, r->id.p);
    snprintf(rs->version[rs->n], sizeof rs->version[0], "%.*s", (int)r->version.n, r->version.p);
    snprintf(rs->added[rs->n], sizeof rs->added[0], "%.*s", (int)r->date_added.n,
             r->date_added.p);
    snprintf(rs->text[rs->n], sizeof rs->text[0], "%.*s", (int)r->text.n, r->text.p);
    rs->coll[rs->n] = r->coll;
    rs->n++;
    if (rs->stop_after && rs->n == rs->stop_after)
        return KZ_ECONFLICT;
    return KZ_OK;
}

static void query(kz_store *s, int64_t coll, const char *type, const char *after, bool all,
                  rows *out)
{
    kz_query q = {.coll = coll, .type = type, .added_after = after, .all_versions = all};
    kz_err err;

    memset(out, 0, sizeof *out);
    if (kz_store_query(s, &q, collect, out, &err) != KZ_OK)
        fail_msg("query: %s", err.msg);
}

static int64_t new_collection(kz_store *s, const char *title)
{
    kz_collection c;
    kz_err err;
    int64_t key;

    assert_int_equal(kz_store_collection(s, title, true, &c, &err), KZ_OK);
    key = c.key;
    kz_collection_clear(&c);
    return key;
}

/* ---- versions and conflicts --------------------------------------------------------------- */

static void test_store_new_object_then_new_version(void **state)
{
    fx *f = *state;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IND_V2), KZ_PUT_NEW_VERSION);
    assert_int_equal(put_text(f->s, f->coll, MAL_V1), KZ_PUT_NEW_OBJECT);
}

static void test_store_reimport_same_version_is_unchanged(void **state)
{
    fx *f = *state;
    rows r;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_UNCHANGED);
    assert_int_equal(put_text(f->s, f->coll, IND_V2), KZ_PUT_NEW_VERSION);
    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_UNCHANGED);
    query(f->s, 0, NULL, NULL, true, &r);
    assert_int_equal(r.n, 2);
}

static void test_store_conflicting_content_is_kept_and_reported(void **state)
{
    fx *f = *state;
    rows r;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IND_V1_OTHER), KZ_PUT_CONFLICT);
    query(f->s, 0, NULL, NULL, true, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.text[0], IND_V1); /* the first content stays, byte for byte */
}

static void test_store_key_order_does_not_make_a_conflict(void **state)
{
    fx *f = *state;
    int64_t other = new_collection(f->s, "other");
    rows r;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IND_V1_REORDERED), KZ_PUT_UNCHANGED);
    /* In another collection, the reordered text is the same content: stored, not a conflict. */
    assert_int_equal(put_text(f->s, other, IND_V1_REORDERED), KZ_PUT_NEW_OBJECT);
    query(f->s, other, NULL, NULL, true, &r);
    assert_int_equal(r.n, 1);
    /* Over every collection the version is given once, as first stored. */
    query(f->s, 0, NULL, NULL, true, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.text[0], IND_V1);
}

static void test_store_conflict_across_collections_is_refused(void **state)
{
    fx *f = *state;
    int64_t other = new_collection(f->s, "other");
    rows r;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    /* The node never holds two contents under one version, whatever the collection. */
    assert_int_equal(put_text(f->s, other, IND_V1_OTHER), KZ_PUT_CONFLICT);
    assert_int_equal(put_text(f->s, other, IND_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, other, IND_V2), KZ_PUT_NEW_VERSION);
    query(f->s, other, NULL, NULL, true, &r);
    assert_int_equal(r.n, 2);
}

static void test_store_unversioned_sco_is_stored_once(void **state)
{
    fx *f = *state;
    rows r;

    assert_int_equal(put_text(f->s, f->coll, IPV4), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IPV4), KZ_PUT_UNCHANGED);
    query(f->s, f->coll, "ipv4-addr", NULL, false, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.version[0], "");
}

static void test_store_put_outside_batch_is_usage_error(void **state)
{
    fx *f = *state;
    kz_put p = {KZ_SV("x--1"), KZ_SV("x"), KZ_SV(""), KZ_SV("2.1"), KZ_SV("{}"), NULL};
    kz_put_result res;
    kz_err err;

    assert_int_equal(kz_store_put(f->s, f->coll, &p, &res, &err), KZ_EUSAGE);
    assert_non_null(strstr(err.msg, "kz_store_begin"));
}

static void test_store_put_into_unknown_collection_is_usage_error(void **state)
{
    fx *f = *state;
    kz_put p = {KZ_SV("x--1"), KZ_SV("x"), KZ_SV(""), KZ_SV("2.1"), KZ_SV("{}"), NULL};
    kz_put_result res;
    kz_err err;

    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    assert_int_equal(kz_store_put(f->s, 12345, &p, &res, &err), KZ_EUSAGE);
    assert_non_null(strstr(err.msg, "12345"));
    kz_store_rollback(f->s);
}

static void test_store_rollback_and_free_drop_the_pending_batch(void **state)
{
    fx *f = *state;
    kz_put p = {KZ_SV("x--1"), KZ_SV("x"), KZ_SV(""), KZ_SV("2.1"), KZ_SV("{}"), NULL};
    kz_put_result res;
    kz_err err;
    rows r;

    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    assert_int_equal(kz_store_put(f->s, f->coll, &p, &res, &err), KZ_OK);
    kz_store_rollback(f->s);
    query(f->s, 0, NULL, NULL, true, &r);
    assert_int_equal(r.n, 0);

    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    assert_int_equal(kz_store_put(f->s, f->coll, &p, &res, &err), KZ_OK);
    kz_store_free(f->s);
    assert_int_equal(kz_store_open(f->path, &f->s, &err), KZ_OK);
    query(f->s, 0, NULL, NULL, true, &r);
    assert_int_equal(r.n, 0);
}

/* ---- queries ------------------------------------------------------------------------------ */

static void test_store_latest_version_query(void **state)
{
    fx *f = *state;
    int64_t other = new_collection(f->s, "other");
    rows r;

    assert_int_equal(put_text(f->s, f->coll, IND_V2), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, MAL_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_VERSION); /* older, later */
    assert_int_equal(put_text(f->s, other, IND_V1), KZ_PUT_NEW_OBJECT);

    /* In the default collection: V2 is the latest even though V1 was added after it. */
    query(f->s, f->coll, NULL, NULL, false, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.id[0], "indicator--a");
    assert_string_equal(r.version[0], "2024-02-01T00:00:00.000Z");
    assert_string_equal(r.id[1], "malware--m");

    /* Latest is per collection: "other" only has V1. */
    query(f->s, other, NULL, NULL, false, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.version[0], "2024-01-01T00:00:00.000Z");

    /* Over every collection: the latest anywhere, each version once. */
    query(f->s, 0, NULL, NULL, false, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.version[0], "2024-02-01T00:00:00.000Z");
    query(f->s, 0, NULL, NULL, true, &r);
    assert_int_equal(r.n, 3);
    query(f->s, f->coll, "indicator", NULL, true, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.version[0], "2024-02-01T00:00:00.000Z"); /* insertion order */
    assert_string_equal(r.version[1], "2024-01-01T00:00:00.000Z");
    query(f->s, 0, "malware", NULL, false, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.text[0], MAL_V1);
}

static void test_store_date_added_is_monotonic_with_milliseconds(void **state)
{
    fx *f = *state;
    char text[256];
    rows r;

    for (int i = 0; i < 20; i++) {
        snprintf(text, sizeof text,
                 "{\"type\":\"x\",\"spec_version\":\"2.1\",\"id\":\"x--%d\",\"modified\":"
                 "\"2024-01-01T00:00:00.000Z\"}",
                 i);
        assert_int_equal(put_text(f->s, f->coll, text), KZ_PUT_NEW_OBJECT);
    }
    query(f->s, 0, NULL, NULL, true, &r);
    assert_int_equal(r.n, 20);
    for (int i = 0; i < r.n; i++) {
        kz_time t;
        kz_err err;
        assert_int_equal(strlen(r.added[i]), 24); /* YYYY-MM-DDTHH:MM:SS.mmmZ */
        assert_int_equal(kz_time_parse(kz_sv_c(r.added[i]), &t, &err), KZ_OK);
        assert_int_equal(t.frac_digits, 3);
        if (i > 0)
            assert_true(strcmp(r.added[i - 1], r.added[i]) <= 0);
    }
}

static void test_store_added_after_is_exclusive(void **state)
{
    fx *f = *state;
    char first[40], nine[40];
    kz_time t;
    kz_err err;
    rows r;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    query(f->s, 0, NULL, NULL, true, &r);
    snprintf(first, sizeof first, "%s", r.added[0]);
    usleep(3000); /* the next put gets a later millisecond */
    assert_int_equal(put_text(f->s, f->coll, MAL_V1), KZ_PUT_NEW_OBJECT);

    /* Exactly the first one's date_added: it is not "after" itself. */
    query(f->s, f->coll, NULL, first, true, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.id[0], "malware--m");
    query(f->s, 0, NULL, first, true, &r);
    assert_int_equal(r.n, 1);

    /* The same instant written with 9 digits compares the same. */
    assert_int_equal(kz_time_parse(kz_sv_c(first), &t, &err), KZ_OK);
    kz_time_format(&t, 9, nine);
    query(f->s, f->coll, NULL, nine, false, &r);
    assert_int_equal(r.n, 1);

    /* Half a millisecond before: both. */
    t.nsec -= 500000;
    if (t.nsec < 0) {
        t.nsec += 1000000000;
        t.sec--;
    }
    kz_time_format(&t, 6, nine);
    query(f->s, f->coll, NULL, nine, false, &r);
    assert_int_equal(r.n, 2);
    query(f->s, f->coll, NULL, "2999-01-01T00:00:00Z", true, &r);
    assert_int_equal(r.n, 0);
}

static void test_store_invalid_added_after_is_einval(void **state)
{
    fx *f = *state;
    kz_query q = {.added_after = "yesterday"};
    kz_err err;
    rows r;

    memset(&r, 0, sizeof r);
    assert_int_equal(kz_store_query(f->s, &q, collect, &r, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "added_after"));
    assert_non_null(strstr(err.msg, "yesterday"));
}

static void test_store_callback_result_stops_the_query(void **state)
{
    fx *f = *state;
    kz_query q = {.all_versions = true};
    kz_err err;
    rows r;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IND_V2), KZ_PUT_NEW_VERSION);
    assert_int_equal(put_text(f->s, f->coll, MAL_V1), KZ_PUT_NEW_OBJECT);
    memset(&r, 0, sizeof r);
    r.stop_after = 2;
    assert_int_equal(kz_store_query(f->s, &q, collect, &r, &err), KZ_ECONFLICT);
    assert_int_equal(r.n, 2);
}

/* The plan of every query form: indexes, no full sort (a sort would buffer every row's text). */
static void test_store_query_plans_use_indexes(void **state)
{
    fx *f = *state;
    sqlite3 *db = kz_store_sqlite_handle(f->s);

    assert_non_null(db);
    for (int m = 0; m < 16; m++) {
        kz_query q = {.coll = (m & 1) ? f->coll : 0,
                      .type = (m & 2) ? "indicator" : NULL,
                      .added_after = (m & 4) ? "2024-01-01T00:00:00.000Z" : NULL,
                      .all_versions = (m & 8) != 0};
        sqlite3_stmt *st = NULL;
        kz_buf sql, plan;

        kz_buf_init(&sql, 0);
        kz_buf_init(&plan, 0);
        assert_int_equal(kz_buf_puts(&sql, "EXPLAIN QUERY PLAN "), KZ_OK);
        assert_int_equal(kz_store_sqlite_query_sql(&q, &sql), KZ_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql.p, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            assert_int_equal(kz_buf_puts(&plan, (const char *)sqlite3_column_text(st, 3)), KZ_OK);
            assert_int_equal(kz_buf_puts(&plan, "\n"), KZ_OK);
        }
        sqlite3_finalize(st);
        assert_null(strstr(plan.p, "TEMP B-TREE"));
        if (q.coll != 0)
            assert_non_null(strstr(plan.p, "USING INDEX objects_added (coll=?"));
        if (q.coll != 0 && q.added_after != NULL)
            assert_non_null(strstr(plan.p, "(coll=? AND date_added>?)"));
        if (!q.all_versions)
            assert_non_null(strstr(plan.p, "USING INDEX objects_id (id_hash=?)"));
        kz_buf_free(&sql);
        kz_buf_free(&plan);
    }
}

/* ---- TAXII filters, paging, delete ------------------------------------------------------------ */

/* Puts indicator--<n> with `modified` on day `day` of January 2024 (version text fixed form). */
static void put_ind(kz_store *s, int64_t coll, int n, int day, const char *spec)
{
    char text[400], id[64], version[40];
    kz_put_result res;
    kz_err err;
    kz_put p;

    snprintf(id, sizeof id, "indicator--%08d", n);
    snprintf(version, sizeof version, "2024-01-%02dT00:00:00.000000000Z", day);
    snprintf(text, sizeof text,
             "{\"type\":\"indicator\",\"spec_version\":\"%s\",\"id\":\"%s\",\"modified\":"
             "\"2024-01-%02dT00:00:00.000Z\",\"pattern\":\"[x:y = %d]\"}",
             spec, id, day, n);
    p.id = kz_sv_c(id);
    p.type = KZ_SV("indicator");
    p.version = kz_sv_c(version);
    p.spec_version = kz_sv_c(spec);
    p.text = kz_sv_c(text);
    p.obj = NULL;
    assert_int_equal(kz_store_begin(s, &err), KZ_OK);
    if (kz_store_put(s, coll, &p, &res, &err) != KZ_OK)
        fail_msg("put: %s", err.msg);
    assert_int_equal(kz_store_commit(s, &err), KZ_OK);
}

typedef struct {
    int n;
    int64_t last_seq;
    char seen[400];  /* seen[k]: how often indicator--k was given */
    char version[MAXROWS][40];
} page_rows;

static kz_rc page_collect(void *ctx, const kz_row *r)
{
    page_rows *pr = ctx;
    int64_t k = 0;

    assert_true(r->seq > pr->last_seq);
    pr->last_seq = r->seq;
    assert_int_equal(kz_parse_i64((kz_sv){r->id.p + 11, r->id.n - 11}, 0, 399, &k), KZ_OK);
    pr->seen[k]++;
    if (pr->n < MAXROWS)
        snprintf(pr->version[pr->n], sizeof pr->version[0], "%.*s", (int)r->version.n,
                 r->version.p);
    pr->n++;
    return KZ_OK;
}

/* Pages of 7 through a collection that grows between pages: every object once, none skipped. */
static void test_store_paging_while_adding_gives_each_object_once(void **state)
{
    fx *f = *state;
    page_rows pr;
    int64_t after = 0;
    int added = 0, pages = 0;
    kz_err err;

    memset(&pr, 0, sizeof pr);
    for (added = 0; added < 20; added++)
        put_ind(f->s, f->coll, added, 1, "2.1");
    for (;;) {
        kz_query q = {.coll = f->coll, .after_seq = after, .limit = 7};
        int before = pr.n;
        assert_int_equal(kz_store_query(f->s, &q, page_collect, &pr, &err), KZ_OK);
        pages++;
        if (pr.n == before)
            break;
        after = pr.last_seq;
        if (added < 60) /* others keep posting while this client pages */
            for (int k = 0; k < 5; k++, added++)
                put_ind(f->s, f->coll, added, 1, "2.1");
    }
    assert_int_equal(pr.n, added);
    for (int k = 0; k < added; k++)
        assert_int_equal(pr.seen[k], 1);
    assert_true(pages > 5);
}

/* A newer version added while paging: the object is given again at its new place, and the old
 * version is not given after it (only the latest is current). */
static void test_store_paging_new_version_moves_to_the_end(void **state)
{
    fx *f = *state;
    page_rows pr;
    kz_err err;

    memset(&pr, 0, sizeof pr);
    put_ind(f->s, f->coll, 1, 1, "2.1");
    put_ind(f->s, f->coll, 2, 1, "2.1");
    kz_query q = {.coll = f->coll, .limit = 1};
    assert_int_equal(kz_store_query(f->s, &q, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.seen[1], 1);
    put_ind(f->s, f->coll, 2, 5, "2.1"); /* a new version of the one not yet given */
    q.after_seq = pr.last_seq;
    q.limit = 0;
    assert_int_equal(kz_store_query(f->s, &q, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 2);
    assert_int_equal(pr.seen[2], 1);
    assert_string_equal(pr.version[1], "2024-01-05T00:00:00.000000000Z");
}

/* added_after polling: a batch that commits within the same millisecond as the one before still
 * gets a later date_added, so added_after = the last date_added seen never skips it. */
static void test_store_each_batch_is_later_than_the_last(void **state)
{
    fx *f = *state;
    rows r;

    for (int k = 0; k < 20; k++)
        put_ind(f->s, f->coll, k, 1, "2.1");
    query(f->s, f->coll, NULL, NULL, false, &r);
    assert_int_equal(r.n, 20);
    for (int k = 1; k < r.n; k++)
        assert_true(strcmp(r.added[k - 1], r.added[k]) < 0);
}

static void ver_query(fx *f, unsigned flags, const char *const *versions, size_t nv,
                      page_rows *pr)
{
    const char *id = "indicator--00000001";
    kz_query q = {.coll = f->coll, .ids = &id, .n_ids = 1, .ver_flags = flags,
                  .versions = versions, .n_versions = nv, .latest_spec_only = true};
    kz_err err;

    memset(pr, 0, sizeof *pr);
    assert_int_equal(kz_store_query(f->s, &q, page_collect, pr, &err), KZ_OK);
}

static void test_store_match_version_first_last_all_and_exact(void **state)
{
    fx *f = *state;
    const char *v2[] = {"2024-01-02T00:00:00.000000000Z"};
    const char *none[] = {"2023-01-02T00:00:00.000000000Z"};
    page_rows pr;

    put_ind(f->s, f->coll, 1, 2, "2.1");
    put_ind(f->s, f->coll, 1, 9, "2.1");
    put_ind(f->s, f->coll, 1, 3, "2.1"); /* added last, but not the latest version */
    put_ind(f->s, f->coll, 2, 1, "2.1");
    ver_query(f, 0, NULL, 0, &pr);
    assert_int_equal(pr.n, 1);
    assert_string_equal(pr.version[0], "2024-01-09T00:00:00.000000000Z");
    ver_query(f, KZ_VER_FIRST, NULL, 0, &pr);
    assert_int_equal(pr.n, 1);
    assert_string_equal(pr.version[0], "2024-01-02T00:00:00.000000000Z");
    ver_query(f, KZ_VER_FIRST | KZ_VER_LAST, NULL, 0, &pr);
    assert_int_equal(pr.n, 2);
    ver_query(f, KZ_VER_ALL, NULL, 0, &pr);
    assert_int_equal(pr.n, 3);
    ver_query(f, 0, v2, 1, &pr);
    assert_int_equal(pr.n, 1);
    assert_string_equal(pr.version[0], "2024-01-02T00:00:00.000000000Z");
    ver_query(f, KZ_VER_LAST, v2, 1, &pr);
    assert_int_equal(pr.n, 2);
    ver_query(f, 0, none, 1, &pr);
    assert_int_equal(pr.n, 0);
}

/* Without match[spec_version] only each id's latest spec_version is given; with it, the latest
 * version among those spec_versions. */
static void test_store_latest_spec_version_rule(void **state)
{
    fx *f = *state;
    const char *id = "indicator--00000001";
    const char *v20[] = {"2.0"};
    page_rows pr;
    kz_err err;

    put_ind(f->s, f->coll, 1, 1, "2.0");
    put_ind(f->s, f->coll, 1, 2, "2.0");
    put_ind(f->s, f->coll, 1, 3, "2.1");
    kz_query q = {.coll = f->coll, .ids = &id, .n_ids = 1, .ver_flags = KZ_VER_ALL,
                  .latest_spec_only = true};
    memset(&pr, 0, sizeof pr);
    assert_int_equal(kz_store_query(f->s, &q, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 1);
    q.spec_versions = v20;
    q.n_spec_versions = 1;
    q.ver_flags = KZ_VER_LAST;
    memset(&pr, 0, sizeof pr);
    assert_int_equal(kz_store_query(f->s, &q, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 1);
    assert_string_equal(pr.version[0], "2024-01-02T00:00:00.000000000Z");
}

static void test_store_match_id_and_type_lists(void **state)
{
    fx *f = *state;
    const char *ids[] = {"indicator--00000003", "indicator--00000005", "malware--m"};
    const char *types[] = {"malware", "indicator"};
    const char *other[] = {"tool"};
    page_rows pr;
    kz_err err;

    for (int k = 0; k < 8; k++)
        put_ind(f->s, f->coll, k, 1, "2.1");
    kz_query q = {.coll = f->coll, .ids = ids, .n_ids = 3, .types = types, .n_types = 2};
    memset(&pr, 0, sizeof pr);
    assert_int_equal(kz_store_query(f->s, &q, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 2);
    assert_int_equal(pr.seen[3] + pr.seen[5], 2);
    q.types = other;
    q.n_types = 1;
    memset(&pr, 0, sizeof pr);
    assert_int_equal(kz_store_query(f->s, &q, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 0);
}

static void test_store_delete_versions(void **state)
{
    fx *f = *state;
    const char *id = "indicator--00000001";
    const char *v3[] = {"2024-01-03T00:00:00.000000000Z"};
    int64_t deleted = -1;
    page_rows pr;
    kz_err err;

    put_ind(f->s, f->coll, 1, 1, "2.1");
    put_ind(f->s, f->coll, 1, 3, "2.1");
    put_ind(f->s, f->coll, 1, 5, "2.1");
    put_ind(f->s, f->coll, 2, 5, "2.1");
    kz_query q = {.coll = f->coll, .ids = &id, .n_ids = 1, .versions = v3, .n_versions = 1};
    assert_int_equal(kz_store_delete(f->s, &q, &deleted, &err), KZ_OK);
    assert_int_equal(deleted, 1);
    assert_int_equal(kz_store_delete(f->s, &q, &deleted, &err), KZ_OK);
    assert_int_equal(deleted, 0);
    ver_query(f, KZ_VER_ALL, NULL, 0, &pr);
    assert_int_equal(pr.n, 2);
    q.versions = NULL;
    q.n_versions = 0;
    q.ver_flags = KZ_VER_ALL;
    assert_int_equal(kz_store_delete(f->s, &q, &deleted, &err), KZ_OK);
    assert_int_equal(deleted, 2);
    ver_query(f, KZ_VER_ALL, NULL, 0, &pr);
    assert_int_equal(pr.n, 0);
    /* The other object is untouched. */
    kz_query all = {.coll = f->coll};
    memset(&pr, 0, sizeof pr);
    assert_int_equal(kz_store_query(f->s, &all, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 1);
    assert_int_equal(pr.seen[2], 1);
}

static void test_store_generation_changes_on_any_writer(void **state)
{
    fx *f = *state;
    kz_store *s2 = NULL;
    uint64_t g1, g2, g3;
    kz_err err;

    assert_int_equal(kz_store_open(f->path, &s2, &err), KZ_OK);
    assert_int_equal(kz_store_generation(f->s, &g1, &err), KZ_OK);
    assert_int_equal(kz_store_generation(f->s, &g2, &err), KZ_OK);
    assert_true(g1 == g2);
    put_ind(s2, f->coll, 1, 1, "2.1"); /* another handle */
    assert_int_equal(kz_store_generation(f->s, &g2, &err), KZ_OK);
    assert_true(g1 != g2);
    put_ind(f->s, f->coll, 2, 1, "2.1"); /* this handle */
    assert_int_equal(kz_store_generation(f->s, &g3, &err), KZ_OK);
    assert_true(g3 != g2);
    kz_store_free(s2);
}

/* A snapshot sees one committed state: another handle's commit shows only after read_end; no
 * batch inside a snapshot. kz_store_dup gives a handle of its own on the same store. */
static void test_store_snapshot_and_dup(void **state)
{
    fx *f = *state;
    kz_store *s2 = NULL;
    kz_query all = {.coll = f->coll};
    page_rows pr = {0};
    kz_err err;

    assert_int_equal(kz_store_dup(f->s, &s2, &err), KZ_OK);
    put_ind(f->s, f->coll, 1, 1, "2.1");
    assert_int_equal(kz_store_read_begin(s2, &err), KZ_OK);
    assert_int_equal(kz_store_query(s2, &all, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 1);
    assert_int_equal(kz_store_begin(s2, &err), KZ_EUSAGE);
    assert_non_null(strstr(err.msg, "snapshot"));
    assert_int_equal(kz_store_read_begin(s2, &err), KZ_EUSAGE);
    put_ind(f->s, f->coll, 2, 1, "2.1"); /* committed by the other handle meanwhile */
    memset(&pr, 0, sizeof pr);
    assert_int_equal(kz_store_query(s2, &all, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 1); /* still the snapshot */
    kz_store_read_end(s2);
    kz_store_read_end(s2); /* harmless twice */
    memset(&pr, 0, sizeof pr);
    assert_int_equal(kz_store_query(s2, &all, page_collect, &pr, &err), KZ_OK);
    assert_int_equal(pr.n, 2);
    put_ind(s2, f->coll, 3, 1, "2.1"); /* and batches work again */
    kz_store_free(s2);
}

/* ---- API roots, status, users, credentials, rights -------------------------------------------- */

static kz_rc count_root(void *ctx, const kz_api_root *r)
{
    int *n = ctx;
    if (*n == 0)
        assert_string_equal(r->name, KZ_ROOT_DEFAULT);
    (*n)++;
    return KZ_OK;
}

static void test_store_api_roots_and_collections_in_them(void **state)
{
    fx *f = *state;
    kz_collection c;
    kz_err err;
    int n = 0;

    assert_int_equal(kz_store_root_add(f->s, "isac", "Energy ISAC", NULL, &err), KZ_OK);
    assert_int_equal(kz_store_root_add(f->s, "isac", "again", NULL, &err), KZ_ECONFLICT);
    assert_int_equal(kz_store_root_add(f->s, "bad/name", NULL, NULL, &err), KZ_EINVAL);
    assert_int_equal(kz_store_root_add(f->s, "taxii2", NULL, NULL, &err), KZ_EINVAL);
    assert_int_equal(kz_store_roots(f->s, count_root, &n, &err), KZ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(kz_store_collection_add(f->s, "isac", "grid", "desc", &c, &err), KZ_OK);
    assert_string_equal(c.root, "isac");
    assert_string_equal(c.description, "desc");
    assert_int_equal(kz_uuid_check(kz_sv_c(c.id)), 4);
    kz_collection_clear(&c);
    assert_int_equal(kz_store_collection_add(f->s, "nope", "x", NULL, &c, &err), KZ_ENOTFOUND);
    assert_non_null(strstr(err.msg, "nope"));
    assert_int_equal(kz_store_collection(f->s, NULL, false, &c, &err), KZ_OK);
    assert_string_equal(c.root, KZ_ROOT_DEFAULT);
    kz_collection_clear(&c);
}

static void test_store_status_is_per_user_and_root(void **state)
{
    fx *f = *state;
    const char *id = "2d086da7-4bdc-4f91-900e-d77486753710";
    char *json = NULL;
    kz_err err;

    assert_int_equal(kz_store_status_put(f->s, id, "api", "alice", KZ_SV("{\"a\":1}"), &err),
                     KZ_OK);
    assert_int_equal(kz_store_status_get(f->s, id, "api", "alice", &json, &err), KZ_OK);
    assert_string_equal(json, "{\"a\":1}");
    free(json);
    assert_int_equal(kz_store_status_get(f->s, id, "api", "bob", &json, &err), KZ_ENOTFOUND);
    assert_int_equal(kz_store_status_get(f->s, id, "other", "alice", &json, &err),
                     KZ_ENOTFOUND);
    assert_null(json);
}

static void test_store_users_credentials_and_rights(void **state)
{
    fx *f = *state;
    char hash[KZ_PWHASH_MAX], user[KZ_NAME_MAX];
    bool r = true, w = true;
    int64_t removed = 0;
    kz_err err;

    assert_int_equal(kz_store_user_put(f->s, "alice", "$argon2id$x", false, &err), KZ_OK);
    assert_int_equal(kz_store_user_put(f->s, "alice", "$argon2id$y", false, &err), KZ_ECONFLICT);
    assert_int_equal(kz_store_user_put(f->s, "bob", "$argon2id$y", true, &err), KZ_ENOTFOUND);
    assert_int_equal(kz_store_user_put(f->s, "no spaces", NULL, false, &err), KZ_EINVAL);
    assert_int_equal(kz_store_user_get(f->s, "alice", hash, &err), KZ_OK);
    assert_string_equal(hash, "$argon2id$x");
    assert_int_equal(kz_store_user_put(f->s, "alice", "$argon2id$z", true, &err), KZ_OK);
    assert_int_equal(kz_store_user_get(f->s, "alice", hash, &err), KZ_OK);
    assert_string_equal(hash, "$argon2id$z");
    assert_int_equal(kz_store_user_get(f->s, "bob", hash, &err), KZ_ENOTFOUND);

    assert_int_equal(kz_store_cred_add(f->s, "alice", "token", "ab12", "ci", &err), KZ_OK);
    assert_int_equal(kz_store_cred_add(f->s, "alice", "token", "ab12", "", &err), KZ_ECONFLICT);
    assert_int_equal(kz_store_cred_add(f->s, "bob", "token", "cd34", "", &err), KZ_ENOTFOUND);
    assert_int_equal(kz_store_cred_add(f->s, "alice", "cert", "sha256:ff", "", &err), KZ_OK);
    assert_int_equal(kz_store_cred_user(f->s, "token", "ab12", user, &err), KZ_OK);
    assert_string_equal(user, "alice");
    assert_int_equal(kz_store_cred_user(f->s, "cert", "ab12", user, &err), KZ_ENOTFOUND);

    assert_int_equal(kz_store_rights(f->s, "alice", f->coll, &r, &w, &err), KZ_OK);
    assert_false(r || w);
    assert_int_equal(kz_store_grant(f->s, "alice", f->coll, true, false, &err), KZ_OK);
    assert_int_equal(kz_store_rights(f->s, "alice", f->coll, &r, &w, &err), KZ_OK);
    assert_true(r && !w);
    assert_int_equal(kz_store_grant(f->s, "alice", f->coll, true, true, &err), KZ_OK);
    assert_int_equal(kz_store_rights(f->s, "alice", f->coll, &r, &w, &err), KZ_OK);
    assert_true(r && w);
    assert_int_equal(kz_store_grant(f->s, "bob", f->coll, true, true, &err), KZ_ENOTFOUND);
    assert_int_equal(kz_store_grant(f->s, "alice", 9999, true, true, &err), KZ_ENOTFOUND);

    assert_int_equal(kz_store_cred_del(f->s, "alice", "token", NULL, &removed, &err), KZ_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(kz_store_cred_user(f->s, "token", "ab12", user, &err), KZ_ENOTFOUND);
    /* Removing the user removes the rest of what was theirs. */
    assert_int_equal(kz_store_user_del(f->s, "alice", &err), KZ_OK);
    assert_int_equal(kz_store_user_del(f->s, "alice", &err), KZ_ENOTFOUND);
    assert_int_equal(kz_store_cred_user(f->s, "cert", "sha256:ff", user, &err), KZ_ENOTFOUND);
    assert_int_equal(kz_store_user_put(f->s, "alice", NULL, false, &err), KZ_OK);
    assert_int_equal(kz_store_rights(f->s, "alice", f->coll, &r, &w, &err), KZ_OK);
    assert_false(r || w);
    assert_int_equal(kz_store_user_get(f->s, "alice", hash, &err), KZ_OK);
    assert_string_equal(hash, "");
}

/* A schema 1 file (as the foundation wrote it) opens as schema 2 with its objects intact. */
static void test_store_schema_1_is_migrated(void **state)
{
    fx *f = *state;
    sqlite3 *db = NULL;
    kz_collection c;
    kz_store *s2 = NULL;
    rows r;
    kz_err err;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    kz_store_free(f->s); /* its prepared statements hold the tables */
    f->s = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA foreign_keys = OFF; DROP TABLE vuln_keys;"
                                  "DROP TABLE vuln_aliases; DROP TABLE vuln_records;"
                                  "DROP TABLE vuln_docs; DROP TABLE grants; DROP TABLE creds;"
                                  "DROP TABLE users; DROP TABLE status;"
                                  "ALTER TABLE collections DROP COLUMN root; DROP TABLE roots;"
                                  "PRAGMA user_version = 1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    if (kz_store_open(f->path, &s2, &err) != KZ_OK)
        fail_msg("open: %s", err.msg);
    query(s2, f->coll, NULL, NULL, false, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(kz_store_collection(s2, NULL, false, &c, &err), KZ_OK);
    assert_string_equal(c.root, KZ_ROOT_DEFAULT);
    kz_collection_clear(&c);
    assert_int_equal(kz_store_user_put(s2, "alice", NULL, false, &err), KZ_OK);
    kz_store_free(s2);
}

/* ---- vulnerability records ------------------------------------------------------------------- */

static kz_rc count_rec(void *ctx, const char *vuln_id, kz_sv json, kz_sv refs)
{
    int *n = ctx;
    (void)vuln_id;
    (void)refs;
    assert_true(json.n > 0);
    (*n)++;
    return KZ_OK;
}

static kz_rc count_id(void *ctx, const char *vuln_id)
{
    int *n = ctx;
    (void)vuln_id;
    (*n)++;
    return KZ_OK;
}

/* Stores one document's records: (vuln_id, alias) pairs, each with key "vp:acme|widget". */
static bool put_doc(kz_store *s, const char *doc, const char *rev, const char *const *ids,
                    size_t n)
{
    kz_vdoc d = {"csaf", doc, rev};
    const char *keys[] = {"vp:acme|widget"};
    bool skip = false, replaced = false;
    int64_t key = 0;
    kz_err err;

    assert_int_equal(kz_store_begin(s, &err), KZ_OK);
    assert_int_equal(kz_store_vdoc(s, &d, &skip, &replaced, &key, &err), KZ_OK);
    for (size_t i = 0; !skip && i < n; i += 2) {
        const char *aliases[] = {ids[i], ids[i + 1], doc};
        assert_int_equal(kz_store_vrec_put(s, key, ids[i], KZ_SV("{}"), KZ_SV(""), aliases, 3,
                                           keys, 1, &err),
                         KZ_OK);
    }
    assert_int_equal(kz_store_commit(s, &err), KZ_OK);
    return skip;
}

static void test_store_vuln_documents_revisions_aliases_and_keys(void **state)
{
    fx *f = *state;
    const char *v1[] = {"CVE-2024-1", "JVNDB-2024-1", "CVE-2024-2", "JVNDB-2024-2"};
    const char *v2[] = {"CVE-2024-1", "JVNDB-2024-1"};
    int64_t docs, recs, vulns;
    kz_err err;
    int n;

    assert_false(put_doc(f->s, "ICSA-1", "2024-01-01T00:00:00.000Z", v1, 4));
    n = 0;
    assert_int_equal(kz_store_vrecs(f->s, "JVNDB-2024-2", false, count_rec, &n, &err),
                     KZ_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(kz_store_vrecs(f->s, "ICSA-1", true, count_rec, &n, &err), KZ_OK);
    assert_int_equal(n, 2); /* the advisory id names both of its vulnerabilities */
    n = 0;
    assert_int_equal(kz_store_vkey(f->s, "vp:acme|widget", count_id, &n, &err), KZ_OK);
    assert_int_equal(n, 2);
    /* An older revision is skipped; a newer one replaces every record of the document. */
    assert_true(put_doc(f->s, "ICSA-1", "2023-12-31T00:00:00.000Z", v2, 2));
    assert_false(put_doc(f->s, "ICSA-1", "2024-02-01T00:00:00.000Z", v2, 2));
    assert_int_equal(kz_store_vrecs(f->s, "CVE-2024-2", true, count_rec, &n, &err),
                     KZ_ENOTFOUND);
    assert_int_equal(kz_store_vcounts(f->s, &docs, &recs, &vulns, &err), KZ_OK);
    assert_int_equal(docs, 1);
    assert_int_equal(recs, 1);
    assert_int_equal(vulns, 1);
    n = 0;
    assert_int_equal(kz_store_vids(f->s, count_id, &n, &err), KZ_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(kz_store_vkey(f->s, "vp:acme|widget", count_id, &n, &err), KZ_OK);
    assert_int_equal(n, 1);
}

/* The text of refs, or of json, kept by a callback. */
typedef struct {
    char json[512], refs[512];
} rec_texts;

static kz_rc keep_texts(void *ctx, const char *vuln_id, kz_sv json, kz_sv refs)
{
    rec_texts *t = ctx;
    (void)vuln_id;
    snprintf(t->json, sizeof t->json, "%.*s", (int)json.n, json.p);
    snprintf(t->refs, sizeof t->refs, "%.*s", (int)refs.n, refs.p);
    return KZ_OK;
}

/* refs is kept beside a record and read only when asked for; a schema 3 file's records are
 * split into first reference + refs when it is opened. */
static void test_store_vuln_refs_apart_and_schema_3_migrated(void **state)
{
    static const char full[] = "{\"id\":\"CVE-2024-7\",\"references\":[{\"url\":\"https://a\"},"
                               "{\"url\":\"https://b\"},{\"url\":\"https://c\"}]}";
    fx *f = *state;
    kz_vdoc d = {"csaf", "DOC-7", "2024-01-01T00:00:00Z"};
    const char *alias[] = {"CVE-2024-7"};
    bool skip, replaced;
    int64_t key;
    rec_texts t;
    sqlite3 *db = NULL;
    kz_err err;

    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    assert_int_equal(kz_store_vdoc(f->s, &d, &skip, &replaced, &key, &err), KZ_OK);
    assert_int_equal(kz_store_vrec_put(f->s, key, "CVE-2024-7", KZ_SV("{\"a\":1}"),
                                       KZ_SV("[{\"url\":\"https://a\"}]"), alias, 1, NULL, 0,
                                       &err),
                     KZ_OK);
    assert_int_equal(kz_store_commit(f->s, &err), KZ_OK);
    assert_int_equal(kz_store_vrecs(f->s, "CVE-2024-7", true, keep_texts, &t, &err), KZ_OK);
    assert_string_equal(t.refs, "[{\"url\":\"https://a\"}]");
    assert_int_equal(kz_store_vrecs(f->s, "CVE-2024-7", false, keep_texts, &t, &err), KZ_OK);
    assert_string_equal(t.json, "{\"a\":1}");
    assert_string_equal(t.refs, "");

    /* Back to schema 3: the whole record in json, no refs column. */
    kz_store_free(f->s);
    f->s = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    {
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "UPDATE vuln_records SET json = '%s'; ALTER TABLE vuln_records DROP COLUMN refs;"
                 "PRAGMA user_version = 3;",
                 full);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    sqlite3_close(db);
    if (kz_store_open(f->path, &f->s, &err) != KZ_OK)
        fail_msg("open: %s", err.msg);
    assert_int_equal(kz_store_vrecs(f->s, "CVE-2024-7", true, keep_texts, &t, &err), KZ_OK);
    assert_string_equal(t.json, "{\"id\":\"CVE-2024-7\",\"references\":[{\"url\":\"https://a\"}]}");
    assert_string_equal(t.refs, "[{\"url\":\"https://a\"},{\"url\":\"https://b\"},"
                                "{\"url\":\"https://c\"}]");
}

/* ---- collections -------------------------------------------------------------------------- */

static void test_store_collection_by_id_title_and_default(void **state)
{
    fx *f = *state;
    kz_collection a, b, d;
    kz_err err;

    /* setup made the default collection. */
    assert_int_equal(kz_store_collection(f->s, NULL, false, &d, &err), KZ_OK);
    assert_int_equal(d.key, f->coll);
    assert_string_equal(d.title, "default");
    assert_int_equal(kz_uuid_check(kz_sv_c(d.id)), 4);
    kz_collection_clear(&d);

    assert_int_equal(kz_store_collection(f->s, "feeds", true, &a, &err), KZ_OK);
    assert_string_equal(a.title, "feeds");
    assert_string_equal(a.description, "");
    assert_int_equal(kz_uuid_check(kz_sv_c(a.id)), 4);
    assert_int_not_equal(a.key, f->coll);

    assert_int_equal(kz_store_collection(f->s, a.id, false, &b, &err), KZ_OK); /* by id */
    assert_int_equal(b.key, a.key);
    kz_collection_clear(&b);
    assert_int_equal(kz_store_collection(f->s, "feeds", true, &b, &err), KZ_OK); /* by title */
    assert_int_equal(b.key, a.key);
    assert_string_equal(b.id, a.id);
    kz_collection_clear(&b);
    kz_collection_clear(&a);

    assert_int_equal(kz_store_collection(f->s, "nope", false, &b, &err), KZ_ENOTFOUND);
    assert_non_null(strstr(err.msg, "nope"));
    kz_collection_clear(&b);
}

static kz_rc list_titles(void *ctx, const kz_collection *c)
{
    kz_buf *b = ctx;
    kz_rc rc = kz_buf_puts(b, c->title);
    return rc != KZ_OK ? rc : kz_buf_puts(b, ",");
}

static void test_store_collections_in_creation_order(void **state)
{
    fx *f = *state;
    kz_buf b;
    kz_err err;

    new_collection(f->s, "zeta");
    new_collection(f->s, "alpha");
    kz_buf_init(&b, 0);
    assert_int_equal(kz_store_collections(f->s, list_titles, &b, &err), KZ_OK);
    assert_string_equal(b.p, "default,zeta,alpha,");
    kz_buf_free(&b);
}

/* ---- stats -------------------------------------------------------------------------------- */

typedef struct {
    char seen[256];
} type_counts;

static kz_rc per_type(void *ctx, const char *type, int64_t objects, int64_t versions)
{
    type_counts *tc = ctx;
    size_t n = strlen(tc->seen);

    snprintf(tc->seen + n, sizeof tc->seen - n, "%s=%lld/%lld;", type, (long long)objects,
             (long long)versions);
    return KZ_OK;
}

static void test_store_stats_count_objects_versions_and_types(void **state)
{
    fx *f = *state;
    int64_t other = new_collection(f->s, "other");
    type_counts tc;
    kz_stats st;
    kz_err err;

    assert_int_equal(put_text(f->s, f->coll, IND_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IND_V2), KZ_PUT_NEW_VERSION);
    assert_int_equal(put_text(f->s, other, IND_V2), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, MAL_V1), KZ_PUT_NEW_OBJECT);
    assert_int_equal(put_text(f->s, f->coll, IPV4), KZ_PUT_NEW_OBJECT);
    memset(&tc, 0, sizeof tc);
    assert_int_equal(kz_store_stats(f->s, &st, per_type, &tc, &err), KZ_OK);
    assert_int_equal(st.collections, 2);
    assert_int_equal(st.objects, 4); /* (default, a) (other, a) (default, m) (default, i) */
    assert_int_equal(st.versions, 5);
    assert_int_equal(st.bytes, (int64_t)(strlen(IND_V1) + 2 * strlen(IND_V2) + strlen(MAL_V1) +
                                         strlen(IPV4)));
    assert_string_equal(tc.seen, "indicator=2/3;ipv4-addr=1/1;malware=1/1;");
    assert_int_equal(kz_store_stats(f->s, &st, NULL, NULL, &err), KZ_OK);
    assert_int_equal(st.versions, 5);
}

/* ---- crash safety ------------------------------------------------------------------------- */

#define BATCH 100

/* The child: batches of BATCH puts; writes one byte to fd after each commit. With `hold`, after
 * `hold` commits it begins one more batch, puts half of it, reports 'M' and waits to be killed. */
static void child_import(const char *path, int fd, int hold)
{
    kz_store *s = NULL;
    kz_collection c;
    kz_err err;
    char text[256], id[64];

    if (kz_store_open(path, &s, &err) != KZ_OK || kz_store_collection(s, NULL, true, &c, &err))
        _exit(1);
    for (int b = 0;; b++) {
        if (kz_store_begin(s, &err) != KZ_OK)
            _exit(2);
        for (int i = 0; i < BATCH; i++) {
            kz_put p;
            kz_put_result res;
            int n = snprintf(id, sizeof id, "indicator--%d-%d-%d", (int)getpid(), b, i);
            int tn = snprintf(text, sizeof text,
                              "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                              "\"modified\":\"2024-01-01T00:00:00.000Z\",\"pattern\":\"[a:b = "
                              "'%d']\"}",
                              id, i);
            p.id.p = id;
            p.id.n = (size_t)n;
            p.type = KZ_SV("indicator");
            p.version = KZ_SV("2024-01-01T00:00:00.000Z");
            p.spec_version = KZ_SV("2.1");
            p.text.p = text;
            p.text.n = (size_t)tn;
            p.obj = NULL;
            if (kz_store_put(s, c.key, &p, &res, &err) != KZ_OK)
                _exit(3);
            if (hold && b == hold && i == BATCH / 2) {
                if (write(fd, "M", 1) != 1)
                    _exit(4);
                for (;;)
                    pause();
            }
        }
        if (kz_store_commit(s, &err) != KZ_OK)
            _exit(5);
        if (write(fd, "C", 1) != 1)
            _exit(4);
    }
}

typedef struct {
    int64_t n;
    int64_t bad;
} count_ctx;

static kz_rc count_parsable(void *ctx, const kz_row *r)
{
    count_ctx *cc = ctx;
    json_error_t je;
    json_t *o = json_loadb(r->text.p, r->text.n, 0, &je);

    cc->n++;
    if (o == NULL || !json_is_object(o))
        cc->bad++;
    json_decref(o);
    return KZ_OK;
}

static count_ctx count_rows(const char *path)
{
    kz_query q = {.all_versions = true};
    count_ctx cc = {0, 0};
    kz_store *s = NULL;
    kz_err err;

    if (kz_store_open(path, &s, &err) != KZ_OK)
        fail_msg("reopen after kill: %s", err.msg);
    assert_int_equal(kz_store_query(s, &q, count_parsable, &cc, &err), KZ_OK);
    kz_store_free(s);
    return cc;
}

static void test_store_kill_during_batch_loses_nothing_committed(void **state)
{
    fx *f = *state;
    int fds[2], status, commits = 0;
    count_ctx cc;
    pid_t pid;
    char c;

    kz_store_free(f->s); /* the children write; this process only reads afterwards */
    f->s = NULL;

    /* 1: killed exactly in the middle of a batch, after 5 commits. */
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_import(f->path, fds[1], 5);
        _exit(0);
    }
    close(fds[1]);
    while (read(fds[0], &c, 1) == 1 && c != 'M')
        commits++;
    assert_int_equal(c, 'M');
    assert_int_equal(commits, 5);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    close(fds[0]);
    cc = count_rows(f->path);
    assert_int_equal(cc.n, 5 * BATCH);
    assert_int_equal(cc.bad, 0);

    /* 2: killed at whatever point it has reached, while importing flat out. */
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_import(f->path, fds[1], 0);
        _exit(0);
    }
    close(fds[1]);
    commits = 0;
    while (commits < 3 && read(fds[0], &c, 1) == 1)
        commits++;
    usleep(20000 + (useconds_t)(getpid() % 7) * 1000);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    while (read(fds[0], &c, 1) == 1)
        commits++; /* commits reported before the kill */
    close(fds[0]);
    cc = count_rows(f->path);
    assert_int_equal(cc.n % BATCH, 0);
    assert_true(cc.n >= (5 + commits) * BATCH);
    assert_int_equal(cc.bad, 0);

    assert_int_equal(kz_store_open(f->path, &f->s, NULL), KZ_OK);
}

/* ---- URLs and errors ---------------------------------------------------------------------- */

static void test_store_bad_url(void **state)
{
    kz_store *s = NULL;
    kz_err err;

    (void)state;
    assert_int_equal(kz_store_open("postgresql://db.example/kizuna", &s, &err), KZ_EUSAGE);
    assert_null(s);
    assert_non_null(strstr(err.msg, "PostgreSQL backend not built yet"));
    assert_int_equal(kz_store_open("mysql://x/y", &s, &err), KZ_EUSAGE);
    assert_non_null(strstr(err.msg, "mysql"));
    assert_int_equal(kz_store_open("", &s, &err), KZ_EUSAGE);
    assert_int_equal(kz_store_open("sqlite://", &s, &err), KZ_EUSAGE);
    assert_null(s);
}

static void test_store_url_forms(void **state)
{
    fx *f = *state;
    char url[256], cwd[512];
    struct stat st;
    kz_store *s = NULL;
    kz_err err;

    snprintf(url, sizeof url, "sqlite://%s/abs.db", f->dir); /* f->dir starts with '/' */
    assert_int_equal(kz_store_open(url, &s, &err), KZ_OK);
    kz_store_free(s);
    snprintf(url, sizeof url, "%s/abs.db", f->dir);
    assert_int_equal(stat(url, &st), 0);

    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    assert_int_equal(kz_store_open("sqlite://rel.db", &s, &err), KZ_OK);
    kz_store_free(s);
    assert_int_equal(kz_store_open("plain.db", &s, &err), KZ_OK);
    kz_store_free(s);
    assert_int_equal(chdir(cwd), 0);
    snprintf(url, sizeof url, "%s/rel.db", f->dir);
    assert_int_equal(stat(url, &st), 0);
    snprintf(url, sizeof url, "%s/plain.db", f->dir);
    assert_int_equal(stat(url, &st), 0);
}

static void test_store_not_a_database(void **state)
{
    fx *f = *state;
    char path[256];
    kz_store *s = NULL;
    kz_err err;
    FILE *fp;

    snprintf(path, sizeof path, "%s/notes.txt", f->dir);
    assert_non_null(fp = fopen(path, "w"));
    for (int i = 0; i < 200; i++)
        fputs("this is not a SQLite database, just some text\n", fp);
    fclose(fp);
    assert_int_equal(kz_store_open(path, &s, &err), KZ_EDB);
    assert_null(s);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "not a database"));
}

static void test_store_missing_folder(void **state)
{
    fx *f = *state;
    char path[256];
    kz_store *s = NULL;
    kz_err err;

    snprintf(path, sizeof path, "%s/no/such/folder/kizuna.db", f->dir);
    assert_int_equal(kz_store_open(path, &s, &err), KZ_EDB);
    assert_null(s);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "folder"));
}

static void test_store_newer_schema_is_refused(void **state)
{
    fx *f = *state;
    kz_store *s = NULL;
    kz_err err;

    assert_int_equal(sqlite3_exec(kz_store_sqlite_handle(f->s), "PRAGMA user_version = 99", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(kz_store_open(f->path, &s, &err), KZ_EDB);
    assert_null(s);
    assert_non_null(strstr(err.msg, "schema version 99"));
}

static void test_store_locked_database_names_path_and_reason(void **state)
{
    fx *f = *state;
    kz_store *s2 = NULL;
    kz_err err;

    assert_int_equal(kz_store_open(f->path, &s2, &err), KZ_OK);
    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    sqlite3_busy_timeout(kz_store_sqlite_handle(s2), 0); /* fail now rather than in 5 s */
    assert_int_equal(kz_store_begin(s2, &err), KZ_EDB);
    assert_non_null(strstr(err.msg, f->path));
    assert_non_null(strstr(err.msg, "database is locked"));
    assert_int_equal(kz_store_commit(f->s, &err), KZ_OK);
    assert_int_equal(kz_store_begin(s2, &err), KZ_OK);
    assert_int_equal(kz_store_commit(s2, &err), KZ_OK);
    kz_store_free(s2);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_store_new_object_then_new_version),
        T(test_store_reimport_same_version_is_unchanged),
        T(test_store_conflicting_content_is_kept_and_reported),
        T(test_store_key_order_does_not_make_a_conflict),
        T(test_store_conflict_across_collections_is_refused),
        T(test_store_unversioned_sco_is_stored_once),
        T(test_store_put_outside_batch_is_usage_error),
        T(test_store_put_into_unknown_collection_is_usage_error),
        T(test_store_rollback_and_free_drop_the_pending_batch),
        T(test_store_latest_version_query),
        T(test_store_date_added_is_monotonic_with_milliseconds),
        T(test_store_added_after_is_exclusive),
        T(test_store_invalid_added_after_is_einval),
        T(test_store_callback_result_stops_the_query),
        T(test_store_query_plans_use_indexes),
        T(test_store_paging_while_adding_gives_each_object_once),
        T(test_store_paging_new_version_moves_to_the_end),
        T(test_store_each_batch_is_later_than_the_last),
        T(test_store_match_version_first_last_all_and_exact),
        T(test_store_latest_spec_version_rule),
        T(test_store_match_id_and_type_lists),
        T(test_store_delete_versions),
        T(test_store_generation_changes_on_any_writer),
        T(test_store_snapshot_and_dup),
        T(test_store_api_roots_and_collections_in_them),
        T(test_store_status_is_per_user_and_root),
        T(test_store_users_credentials_and_rights),
        T(test_store_schema_1_is_migrated),
        T(test_store_vuln_documents_revisions_aliases_and_keys),
        T(test_store_vuln_refs_apart_and_schema_3_migrated),
        T(test_store_collection_by_id_title_and_default),
        T(test_store_collections_in_creation_order),
        T(test_store_stats_count_objects_versions_and_types),
        T(test_store_kill_during_batch_loses_nothing_committed),
        cmocka_unit_test(test_store_bad_url),
        T(test_store_url_forms),
        T(test_store_not_a_database),
        T(test_store_missing_folder),
        T(test_store_newer_schema_is_refused),
        T(test_store_locked_database_names_path_and_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
