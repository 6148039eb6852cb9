/*
 * test_vuln_kb.c - the knowledge base around the importers: format detection (small samples and
 * the real files in ../shared/data), the writer (documents, revisions, aliases, keys), merging,
 * and the STIX export (valid and deterministic). Each store test works in its own folder under
 * /tmp made with mkdtemp.
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
#include <sys/stat.h>
#include <unistd.h>

#include "kizuna/stix.h"
#include "kizuna/vuln.h"
#include "kz_test.h"

/* ---- helpers -------------------------------------------------------------------------------- */

typedef struct {
    char dir[64];
    char path[128];
    kz_store *s;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    if (!kz_test_store_open(f->dir, sizeof f->dir, f->path, sizeof f->path, "kb.db", &f->s))
        return -1;
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

/* A record of document doc (kind, revision) for vulnerability id with one extra alias (or
 * NULL) and one affected product. */
static json_t *mk_rec(const char *kind, const char *doc, const char *rev, const char *id,
                      const char *alias, const char *vendor, const char *product)
{
    json_t *r = json_pack("{s:s, s:[s], s:{s:s, s:s, s:s}}", "id", id, "aliases", id, "source",
                          "kind", kind, "document", doc, "revision", rev);

    assert_non_null(r);
    if (alias != NULL)
        assert_int_equal(json_array_append_new(json_object_get(r, "aliases"),
                                               json_string(alias)),
                         0);
    if (product != NULL)
        assert_int_equal(
            json_object_set_new(r, "affected",
                                json_pack("[{s:s, s:s, s:[s], s:s}]", "vendor", vendor,
                                          "product", product, "versions", "< V2.9.2", "status",
                                          "affected")),
            0);
    return r;
}

static void add(kz_vuln_writer *w, json_t *rec)
{
    kz_err err;
    kz_rc rc = kz_vuln_writer_add(w, rec, &err);

    if (rc != KZ_OK)
        fail_msg("writer_add: %s", err.msg);
    json_decref(rec);
}

static void counts(kz_vuln_writer *w, int64_t stored, int64_t skipped, int64_t replaced)
{
    int64_t a, b, c;

    kz_vuln_writer_counts(w, &a, &b, &c);
    assert_int_equal(a, stored);
    assert_int_equal(b, skipped);
    assert_int_equal(c, replaced);
}

static kz_rc collect_id(void *ctx, const char *id)
{
    char *out = ctx;
    size_t n = strlen(out);

    snprintf(out + n, 256 - n, "%s%s", n ? "," : "", id);
    return KZ_OK;
}

/* ---- writer --------------------------------------------------------------------------------- */

static void test_writer_revisions_replace_skip_and_equal(void **state)
{
    fx *f = *state;
    kz_vuln_writer *w = NULL;
    int64_t docs, recs, vulns;
    kz_err err;

    assert_int_equal(kz_vuln_writer_new(f->s, &w, &err), KZ_OK);
    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    /* Two documents, two records each. */
    add(w, mk_rec("csaf", "ICSA-1", "2024-03-05T00:00:00.000Z", "CVE-2024-0001", "ICSA-1",
                  "Siemens", "SIMATIC S7-1500"));
    add(w, mk_rec("csaf", "ICSA-1", "2024-03-05T00:00:00.000Z", "CVE-2024-0002", "ICSA-1",
                  "Siemens", "SIMATIC S7-1200"));
    add(w, mk_rec("jvn", "JVNDB-2024-000001", "2024-03-01T00:00:00.000Z", "CVE-2024-0001",
                  "JVNDB-2024-000001", NULL, NULL));
    counts(w, 3, 0, 0);
    /* An older revision of ICSA-1: skipped, nothing changes. */
    add(w, mk_rec("csaf", "ICSA-1", "2024-01-01T00:00:00.000Z", "CVE-2024-0009", "ICSA-1",
                  "Siemens", "LOGO!"));
    counts(w, 3, 1, 0);
    /* A newer one replaces both records with one. */
    add(w, mk_rec("csaf", "ICSA-1", "2024-04-01T00:00:00.000Z", "CVE-2024-0001", "ICSA-1",
                  "Siemens", "SIMATIC S7-1500"));
    counts(w, 4, 1, 1);
    /* The same revision again (after another document) replaces too. */
    add(w, mk_rec("kev", "kev", "2024-04-02T00:00:00.000Z", "CVE-2024-0003", NULL, NULL, NULL));
    add(w, mk_rec("csaf", "ICSA-1", "2024-04-01T00:00:00.000Z", "CVE-2024-0001", "ICSA-1",
                  "Siemens", "SIMATIC S7-1500"));
    counts(w, 6, 1, 2);
    /* The very same record right after itself (a file named twice) is stored once. */
    add(w, mk_rec("csaf", "ICSA-1", "2024-04-01T00:00:00.000Z", "CVE-2024-0001", "ICSA-1",
                  "Siemens", "SIMATIC S7-1500"));
    counts(w, 6, 1, 2);
    assert_int_equal(kz_store_commit(f->s, &err), KZ_OK);
    assert_int_equal(kz_store_vcounts(f->s, &docs, &recs, &vulns, &err), KZ_OK);
    assert_int_equal(docs, 3);
    assert_int_equal(recs, 3); /* ICSA-1: CVE-1; JVNDB: CVE-1; kev: CVE-3 */
    assert_int_equal(vulns, 2);
    kz_vuln_writer_free(w);
}

static void test_writer_alias_lookup_and_keys(void **state)
{
    fx *f = *state;
    kz_vuln_writer *w = NULL;
    char ids[256] = "";
    json_t *view = NULL;
    kz_err err;

    assert_int_equal(kz_vuln_writer_new(f->s, &w, &err), KZ_OK);
    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    add(w, mk_rec("csaf", "ICSA-1", "2024-03-05T00:00:00.000Z", "CVE-2024-0001", "ICSA-1",
                  "Schneider Electric", "Modicon M580"));
    add(w, mk_rec("csaf", "ICSA-1", "2024-03-05T00:00:00.000Z", "CVE-2024-0002", "ICSA-1",
                  "Schneider Electric", "Modicon M340"));
    add(w, mk_rec("jvn", "JVNDB-2024-000001", "2024-03-01T00:00:00.000Z", "CVE-2024-0001",
                  "JVNDB-2024-000001", NULL, NULL));
    assert_int_equal(kz_store_commit(f->s, &err), KZ_OK);
    /* By alias: the merged view of both records. */
    assert_int_equal(kz_vuln_get(f->s, "JVNDB-2024-000001", &view, &err), KZ_OK);
    assert_string_equal(json_string_value(json_object_get(view, "id")), "CVE-2024-0001");
    assert_int_equal(json_array_size(json_object_get(view, "sources")), 2);
    assert_int_equal(json_array_size(json_object_get(view, "aliases")), 3);
    json_decref(view);
    /* By normalised names. */
    assert_int_equal(kz_store_vkey(f->s, "vp:schneiderelectric|modiconm580", collect_id, ids,
                                   &err),
                     KZ_OK);
    assert_string_equal(ids, "CVE-2024-0001");
    ids[0] = '\0';
    assert_int_equal(kz_store_vkey(f->s, "p:modiconm580", collect_id, ids, &err), KZ_OK);
    assert_string_equal(ids, "CVE-2024-0001");
    /* An advisory id that names two vulnerabilities: no one view, the ids in the message. */
    assert_int_equal(kz_vuln_get(f->s, "ICSA-1", &view, &err), KZ_ECONFLICT);
    assert_null(view);
    assert_non_null(strstr(err.msg, "ICSA-1 names 2 vulnerabilities (CVE-2024-0001, "
                                    "CVE-2024-0002)"));
    /* Unknown: a message naming it. */
    assert_int_equal(kz_vuln_get(f->s, "CVE-1999-0001", &view, &err), KZ_ENOTFOUND);
    assert_null(view);
    assert_non_null(strstr(err.msg, "no vulnerability CVE-1999-0001 in the knowledge base"));
    kz_vuln_writer_free(w);
}

static void test_writer_rejects_a_record_that_fails_the_check(void **state)
{
    fx *f = *state;
    kz_vuln_writer *w = NULL;
    json_t *rec = mk_rec("csaf", "ICSA-1", "2024-03-05T00:00:00.000Z", "CVE-2024-0001", NULL,
                         NULL, NULL);
    kz_err err;

    assert_int_equal(json_object_set_new(rec, "bogus", json_true()), 0);
    assert_int_equal(kz_vuln_writer_new(f->s, &w, &err), KZ_OK);
    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    assert_int_equal(kz_vuln_writer_add(w, rec, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "CVE-2024-0001"));
    assert_non_null(strstr(err.msg, "bogus"));
    counts(w, 0, 0, 0);
    kz_store_rollback(f->s);
    json_decref(rec);
    kz_vuln_writer_free(w);
}

/* ---- merge ---------------------------------------------------------------------------------- */

static void test_merge_texts_scores_exploited_and_repeats(void **state)
{
    json_t *r[4], *view = NULL;
    const json_t *text;
    kz_err err;

    (void)state;
    r[0] = mk_rec("jvn", "JVNDB-2024-000001", "2024-03-01T00:00:00.000Z", "JVNDB-2024-000001",
                  "CVE-2024-0001", "Siemens", "S7");
    json_object_set_new(r[0], "text",
                        json_pack("{s:{s:s, s:s}, s:{s:s}}", "ja", "title", "JA title",
                                  "description", "JA desc", "en", "title", "JVN en title"));
    json_object_set_new(r[0], "published", json_string("2024-02-01T00:00:00Z"));
    json_object_set_new(r[0], "scores",
                        json_pack("[{s:s, s:s, s:f, s:s}]", "version", "3.1", "vector",
                                  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "base_score",
                                  9.8, "source", "JVN"));
    r[1] = mk_rec("csaf", "ICSA-1", "2024-03-05T00:00:00.000Z", "CVE-2024-0001", "ICSA-1",
                  "Siemens", "S7");
    /* The same affected entry, keys in another order: an exact repeat. */
    json_object_set_new(r[1], "affected",
                        json_pack("[{s:s, s:[s], s:s, s:s}]", "status", "affected", "versions",
                                  "< V2.9.2", "product", "S7", "vendor", "Siemens"));
    json_object_set_new(r[1], "text",
                        json_pack("{s:{s:s, s:s}}", "en", "title", "CSAF title", "description",
                                  "CSAF desc"));
    json_object_set_new(r[1], "scores",
                        json_pack("[{s:s, s:s, s:f, s:s}, {s:s, s:s, s:f}]", "version", "3.1",
                                  "vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                  "base_score", 9.8, "source", "CISA", "version", "3.0",
                                  "vector", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                  "base_score", 9.8));
    json_object_set_new(r[1], "modified", json_string("2024-05-01T00:00:00Z"));
    json_object_set_new(r[1], "remediations",
                        json_pack("[{s:s, s:s}]", "category", "vendor_fix", "text", "Update"));
    r[2] = mk_rec("cve5", "CVE-2024-0001", "2024-03-02T00:00:00.000Z", "CVE-2024-0001", NULL,
                  NULL, NULL);
    json_object_set_new(r[2], "text", json_pack("{s:{s:s}}", "en", "description", "CVE desc"));
    json_object_set_new(r[2], "published", json_string("2024-01-15T00:00:00Z"));
    json_object_set_new(r[2], "modified", json_string("2024-03-01T00:00:00Z"));
    json_object_set_new(r[2], "cwes", json_pack("[{s:s}]", "id", "CWE-787"));
    r[3] = mk_rec("kev", "kev", "2024-06-01T00:00:00.000Z", "CVE-2024-0001", NULL, NULL, NULL);
    json_object_set_new(r[3], "exploited",
                        json_pack("{s:b, s:s, s:s}", "known", 1, "source", "CISA KEV",
                                  "date_added", "2024-06-01"));
    json_object_set_new(r[3], "cwes",
                        json_pack("[{s:s, s:s}]", "id", "CWE-787", "name", "Out-of-bounds Write"));
    json_object_set_new(r[3], "remediations",
                        json_pack("[{s:s, s:s}]", "category", "vendor_fix", "text", "Update"));
    for (int i = 0; i < 4; i++)
        if (kz_vuln_record_check(r[i], &err) != KZ_OK)
            fail_msg("record %d: %s", i, err.msg);

    assert_int_equal(kz_vuln_merge(r, 4, &view, &err), KZ_OK);
    /* The CVE id, though the first record's is the JVNDB id. */
    assert_string_equal(json_string_value(json_object_get(view, "id")), "CVE-2024-0001");
    assert_string_equal(json_string_value(json_array_get(json_object_get(view, "aliases"), 0)),
                        "JVNDB-2024-000001");
    assert_int_equal(json_array_size(json_object_get(view, "aliases")), 3);
    assert_null(json_object_get(view, "source"));
    assert_int_equal(json_array_size(json_object_get(view, "sources")), 4);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(view, "sources"), 1), "document")),
                        "ICSA-1");
    /* Texts: CVE 5 description, CSAF title (CVE 5 has none), JVN's Japanese. */
    text = json_object_get(view, "text");
    assert_string_equal(json_string_value(json_object_get(json_object_get(text, "en"),
                                                          "description")),
                        "CVE desc");
    assert_string_equal(json_string_value(json_object_get(json_object_get(text, "en"), "title")),
                        "CSAF title");
    assert_string_equal(json_string_value(json_object_get(json_object_get(text, "ja"), "title")),
                        "JA title");
    /* Scores: one per (version, vector), the first's source kept. */
    assert_int_equal(json_array_size(json_object_get(view, "scores")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(view, "scores"), 0), "source")),
                        "JVN");
    /* CWEs united, the name filled in. */
    assert_int_equal(json_array_size(json_object_get(view, "cwes")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(view, "cwes"), 0), "name")),
                        "Out-of-bounds Write");
    /* Concatenated without exact repeats. */
    assert_int_equal(json_array_size(json_object_get(view, "affected")), 1);
    assert_int_equal(json_array_size(json_object_get(view, "remediations")), 1);
    assert_true(json_is_true(json_object_get(json_object_get(view, "exploited"), "known")));
    assert_string_equal(json_string_value(json_object_get(view, "published")),
                        "2024-01-15T00:00:00Z");
    assert_string_equal(json_string_value(json_object_get(view, "modified")),
                        "2024-05-01T00:00:00Z");
    json_decref(view);
    for (int i = 0; i < 4; i++)
        json_decref(r[i]);
}

/* Two advisories both number a product CSAFPID-0001: merged, each reference names its document
 * (test_vuln_match checks that each product then gets its own advisory's fix). */
static void test_merge_qualifies_product_refs_per_document(void **state)
{
    json_t *r[2], *view = NULL;
    const json_t *a0, *a1, *rem0, *rem1;
    kz_err err;

    (void)state;
    r[0] = mk_rec("csaf", "ICSA-A", "2024-03-05T00:00:00.000Z", "CVE-2024-0009", "ICSA-A",
                  "Acme", "Widget");
    r[1] = mk_rec("csaf", "ICSA-B", "2024-03-06T00:00:00.000Z", "CVE-2024-0009", "ICSA-B",
                  "Acme", "Gadget");
    for (int i = 0; i < 2; i++) {
        json_t *aff = json_array_get(json_object_get(r[i], "affected"), 0);
        assert_int_equal(json_object_set_new(aff, "ref", json_string("CSAFPID-0001")), 0);
        assert_int_equal(json_object_set_new(
                             r[i], "remediations",
                             json_pack("[{s:s, s:s, s:[s]}]", "category", "vendor_fix", "text",
                                       i == 0 ? "Update the widget" : "Update the gadget",
                                       "refs", "CSAFPID-0001")),
                         0);
        if (kz_vuln_record_check(r[i], &err) != KZ_OK)
            fail_msg("record %d: %s", i, err.msg);
    }
    assert_int_equal(kz_vuln_merge(r, 2, &view, &err), KZ_OK);
    a0 = json_array_get(json_object_get(view, "affected"), 0);
    a1 = json_array_get(json_object_get(view, "affected"), 1);
    assert_string_equal(json_string_value(json_object_get(a0, "ref")), "ICSA-A#CSAFPID-0001");
    assert_string_equal(json_string_value(json_object_get(a1, "ref")), "ICSA-B#CSAFPID-0001");
    rem0 = json_array_get(json_object_get(view, "remediations"), 0);
    rem1 = json_array_get(json_object_get(view, "remediations"), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(rem1, "refs"), 0)),
                        "ICSA-B#CSAFPID-0001");
    assert_string_equal(json_string_value(json_array_get(json_object_get(rem0, "refs"), 0)),
                        "ICSA-A#CSAFPID-0001");
    /* One record alone keeps the source's own numbering. */
    json_decref(view);
    assert_int_equal(kz_vuln_merge(r, 1, &view, &err), KZ_OK);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(view, "affected"), 0), "ref")),
                        "CSAFPID-0001");
    json_decref(view);
    json_decref(r[0]);
    json_decref(r[1]);
}

static void test_merge_without_cve_takes_the_first_id(void **state)
{
    json_t *r[2], *view = NULL;
    kz_err err;

    (void)state;
    r[0] = mk_rec("csaf", "ICSA-2", "2024-03-05T00:00:00.000Z", "ICSA-2#1", "ICSA-2", NULL, NULL);
    r[1] = mk_rec("osv", "GHSA-x", "2024-03-05T00:00:00.000Z", "GHSA-x", NULL, NULL, NULL);
    assert_int_equal(kz_vuln_merge(r, 2, &view, &err), KZ_OK);
    assert_string_equal(json_string_value(json_object_get(view, "id")), "ICSA-2#1");
    assert_null(json_object_get(view, "exploited"));
    json_decref(view);
    assert_int_equal(kz_vuln_merge(r, 0, &view, &err), KZ_EUSAGE);
    json_decref(r[0]);
    json_decref(r[1]);
}

/* ---- export --------------------------------------------------------------------------------- */

typedef struct {
    kz_buf all;
    size_t n, vulns, coas, rels, errors;
    bool first_is_marking;
} export_seen;

static void count_error(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    export_seen *x = ctx;

    if (sev == KZ_STIX_ERROR) {
        fprintf(stderr, "invalid: %s: %s\n", path, msg);
        x->errors++;
    }
}

static kz_rc see_object(void *ctx, const json_t *obj)
{
    export_seen *x = ctx;
    kz_limits lim = kz_limits_default();
    const char *type = json_string_value(json_object_get(obj, "type"));
    char *text = json_dumps(obj, JSON_COMPACT);

    assert_non_null(text);
    if (x->n == 0)
        x->first_is_marking = strcmp(type, "marking-definition") == 0;
    x->n++;
    x->vulns += strcmp(type, "vulnerability") == 0;
    x->coas += strcmp(type, "course-of-action") == 0;
    x->rels += strcmp(type, "relationship") == 0;
    if (kz_stix_validate(obj, &lim, count_error, x) != 0)
        fprintf(stderr, "in %s\n", text);
    assert_int_equal(kz_buf_puts(&x->all, text), KZ_OK);
    assert_int_equal(kz_buf_puts(&x->all, "\n"), KZ_OK);
    free(text);
    return KZ_OK;
}

static void test_export_stix_valid_and_deterministic(void **state)
{
    fx *f = *state;
    kz_vuln_writer *w = NULL;
    export_seen a = {0}, b = {0};
    json_t *r;
    kz_err err;

    assert_int_equal(kz_vuln_writer_new(f->s, &w, &err), KZ_OK);
    assert_int_equal(kz_store_begin(f->s, &err), KZ_OK);
    r = mk_rec("csaf", "ICSA-24-011-01", "2024-03-05T00:00:00.000Z", "CVE-2024-0001",
               "ICSA-24-011-01", "Siemens", "S7");
    json_object_set_new(json_object_get(r, "source"), "publisher", json_string("CISA"));
    json_object_set_new(json_object_get(r, "source"), "url",
                        json_string("https://www.cisa.gov/ics-advisories/icsa-24-011-01"));
    json_object_set_new(r, "text", json_pack("{s:{s:s}}", "en", "description", "A flaw."));
    json_object_set_new(r, "remediations",
                        json_pack("[{s:s, s:s, s:[s]}, {s:s, s:s, s:[s]}, {s:s}]", "category",
                                  "vendor_fix", "text", "Update to V2.9.2", "refs", "P1",
                                  "category", "vendor_fix", "text", "Update to V2.9.2", "refs",
                                  "P2", "category", "none_available"));
    add(w, r);
    r = mk_rec("jvn", "JVNDB-2024-000001", "2024-03-01T00:00:00.123456Z", "CVE-2024-0001",
               "JVNDB-2024-000001", NULL, NULL);
    add(w, r);
    /* A vulnerability without CVE, published after its only revision says it was modified. */
    r = mk_rec("csaf", "ICSA-24-011-02", "2024-03-05T00:00:00.000Z", "ICSA-24-011-02#1",
               "ICSA-24-011-02", "ABB", "RTU500");
    json_object_set_new(r, "published", json_string("2024-04-01T00:00:00Z"));
    add(w, r);
    assert_int_equal(kz_store_commit(f->s, &err), KZ_OK);

    kz_buf_init(&a.all, 0);
    kz_buf_init(&b.all, 0);
    assert_int_equal(kz_vuln_export_stix(f->s, see_object, &a, &err), KZ_OK);
    assert_int_equal(kz_vuln_export_stix(f->s, see_object, &b, &err), KZ_OK);
    assert_int_equal(a.errors, 0);
    assert_true(a.first_is_marking);
    assert_int_equal(a.vulns, 2);
    assert_int_equal(a.coas, 1); /* one text for two product groups; none without text */
    assert_int_equal(a.rels, 1);
    assert_int_equal(a.n, 5);
    assert_string_equal(a.all.p, b.all.p);
    assert_non_null(strstr(a.all.p, "\"source_name\":\"cve\",\"external_id\":\"CVE-2024-0001\""));
    assert_non_null(strstr(a.all.p, "https://jvndb.jvn.jp/en/contents/2024/JVNDB-2024-000001"));
    assert_non_null(strstr(a.all.p, "\"source_name\":\"CISA\",\"external_id\":\"ICSA-24-011-01\""));
    assert_non_null(strstr(a.all.p, "\"name\":\"vendor_fix for CVE-2024-0001\""));
    assert_non_null(strstr(a.all.p, "\"tlp_2_0\":\"clear\""));
    kz_buf_free(&a.all);
    kz_buf_free(&b.all);
    kz_vuln_writer_free(w);
}

/* ---- detect and parse ----------------------------------------------------------------------- */

static kz_vfmt det(const char *s)
{
    return kz_vuln_detect(s, strlen(s));
}

static void test_detect_small_samples(void **state)
{
    (void)state;
    assert_int_equal(det("{\"document\":{\"category\":\"csaf_vex\",\"csaf_version\":\"2.0\"},"
                         "\"vulnerabilities\":[]}"),
                     KZ_VFMT_CSAF);
    /* "document" after other keys, with nested values to skip first. */
    assert_int_equal(det("\xEF\xBB\xBF {\"product_tree\":{\"branches\":[{\"a\":[1,2,{\"b\":"
                         "\"}\\\"\"}]}]},\"document\": {\"title\":\"x\", "
                         "\"csaf_version\":\"2.0\"}}"),
                     KZ_VFMT_CSAF);
    assert_int_equal(det("{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\"}"), KZ_VFMT_CVE5);
    assert_int_equal(det("{\"containers\":{},\"cveMetadata\":{\"cveId\":\"CVE-1\"}}"),
                     KZ_VFMT_CVE5);
    assert_int_equal(det("{\"title\":\"KEV\",\"catalogVersion\":\"2024.01.01\",\"count\":1,"
                         "\"vulnerabilities\":[]}"),
                     KZ_VFMT_KEV);
    assert_int_equal(det("{\"schema_version\":\"1.6.0\",\"id\":\"GHSA-1\",\"modified\":\"x\"}"),
                     KZ_VFMT_OSV);
    assert_int_equal(det("[{\"schema_version\":\"1.6.0\",\"id\":\"GHSA-1\",\"affected\":[]}]"),
                     KZ_VFMT_OSV);
    assert_int_equal(det("{\"canonical_url\":\"https://x/provider-metadata.json\","
                         "\"publisher\":{},\"role\":\"csaf_provider\"}"),
                     KZ_VFMT_PROVIDER);
    assert_int_equal(det("<?xml version=\"1.0\"?>\n<!-- hi -->\n<VULDEF-Document "
                         "version=\"3.2\"></VULDEF-Document>"),
                     KZ_VFMT_JVN);
    assert_int_equal(det("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"),
                     KZ_VFMT_JVN);
    assert_int_equal(det("<v:Doc xmlns:v='http://jvn.jp/vuldef/'/>"), KZ_VFMT_JVN);
    assert_int_equal(det("<feed xmlns=\"http://www.w3.org/2005/Atom\">"), KZ_VFMT_UNKNOWN);
    /* Not vulnerability formats, or cut short. */
    assert_int_equal(det("{\"type\":\"bundle\",\"objects\":[]}"), KZ_VFMT_UNKNOWN);
    assert_int_equal(det("{\"document\":"), KZ_VFMT_UNKNOWN);
    assert_int_equal(det("{\"catalogVersion\":\"1\""), KZ_VFMT_UNKNOWN);
    assert_int_equal(det("[]"), KZ_VFMT_UNKNOWN);
    assert_int_equal(det(""), KZ_VFMT_UNKNOWN);
    assert_int_equal(det("hello"), KZ_VFMT_UNKNOWN);
    assert_int_equal(kz_vuln_detect(NULL, 0), KZ_VFMT_UNKNOWN);
    assert_string_equal(kz_vfmt_name(KZ_VFMT_KEV), "kev");
    assert_string_equal(kz_vfmt_name(KZ_VFMT_PROVIDER), "provider");
}

static kz_rc drop_record(void *ctx, json_t *rec)
{
    (void)ctx;
    json_decref(rec);
    return KZ_OK;
}

static void test_parse_refuses_what_it_cannot_read(void **state)
{
    kz_vuln_sink sink = {drop_record, NULL, NULL};
    kz_limits lim = kz_limits_default();
    const char *provider = "{\"canonical_url\":\"x\",\"publisher\":{},\"role\":\"r\"}";
    const char *broken = "{\"catalogVersion\":\"1\",\"vulnerabilities\":[,]}";
    char deep[400];
    kz_err err;

    (void)state;
    assert_int_equal(kz_vuln_parse(KZ_VFMT_UNKNOWN, provider, strlen(provider), "p.json", &lim,
                                   &sink, &err),
                     KZ_EUSAGE);
    assert_non_null(strstr(err.msg, "give its folder to kizuna vuln import"));
    assert_int_equal(kz_vuln_parse(KZ_VFMT_UNKNOWN, "{}", 2, "e.json", &lim, &sink, &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "e.json: not a format"));
    assert_int_equal(kz_vuln_parse(KZ_VFMT_UNKNOWN, broken, strlen(broken), "b.json", &lim,
                                   &sink, &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "b.json: line 1, column"));
    /* Nested deeper than the limit: refused before jansson sees it. */
    memset(deep, '[', sizeof deep);
    memcpy(deep, "{\"catalogVersion\":\"1\",\"vulnerabilities\":", 41);
    assert_int_equal(kz_vuln_parse(KZ_VFMT_UNKNOWN, deep, sizeof deep, "d.json", &lim, &sink,
                                   &err),
                     KZ_ELIMIT);
    assert_non_null(strstr(err.msg, "nested deeper"));
}

/* ---- the real files ------------------------------------------------------------------------- */

static kz_vfmt detect_file(const char *path)
{
    size_t n = 0;
    char *buf = kz_test_slurp(path, &n);
    kz_vfmt f;

    assert_non_null(buf);
    f = kz_vuln_detect(buf, n);
    free(buf);
    return f;
}

/* The first file (in name order) of dir whose name starts with prefix and ends with suffix. */
static bool first_file(const char *dir, const char *prefix, const char *suffix, char *out,
                       size_t cap)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    bool found = false;

    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        size_t len = strlen(name), sl = strlen(suffix);
        if (!found && strncmp(name, prefix, strlen(prefix)) == 0 && len > sl &&
            strcmp(name + len - sl, suffix) == 0) {
            snprintf(out, cap, "%s/%s", dir, name);
            found = true;
        }
        free(list[i]);
    }
    free(list);
    return found;
}

static void test_detect_real_files(void **state)
{
    char dir[1024], path[2048];

    (void)state;
    if (!kz_test_data_dir(dir, sizeof dir, "csaf-ics/2023")) {
        skip();
        return;
    }
    assert_true(first_file(dir, "", ".json", path, sizeof path));
    assert_int_equal(detect_file(path), KZ_VFMT_CSAF);
    if (kz_test_data_dir(dir, sizeof dir, "cve5")) {
        assert_true(first_file(dir, "CVE-", ".json", path, sizeof path));
        assert_int_equal(detect_file(path), KZ_VFMT_CVE5);
    }
    if (kz_test_data_dir(dir, sizeof dir, "kev")) {
        snprintf(path, sizeof path, "%s/known_exploited_vulnerabilities.json", dir);
        assert_int_equal(detect_file(path), KZ_VFMT_KEV);
        snprintf(path, sizeof path, "%s/known_exploited_vulnerabilities_schema.json", dir);
        assert_int_equal(detect_file(path), KZ_VFMT_UNKNOWN);
    }
    if (kz_test_data_dir(dir, sizeof dir, "jvn/hnd")) {
        assert_true(first_file(dir, "getVulnDetailInfo_", ".xml", path, sizeof path));
        assert_int_equal(detect_file(path), KZ_VFMT_JVN);
        snprintf(path, sizeof path, "%s/dataFeed_jvndb_rss_hnd.xml", dir);
        assert_int_equal(detect_file(path), KZ_VFMT_JVN);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_revisions_replace_skip_and_equal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_alias_lookup_and_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_rejects_a_record_that_fails_the_check,
                                        setup, teardown),
        cmocka_unit_test(test_merge_texts_scores_exploited_and_repeats),
        cmocka_unit_test(test_merge_qualifies_product_refs_per_document),
        cmocka_unit_test(test_merge_without_cve_takes_the_first_id),
        cmocka_unit_test_setup_teardown(test_export_stix_valid_and_deterministic, setup,
                                        teardown),
        cmocka_unit_test(test_detect_small_samples),
        cmocka_unit_test(test_parse_refuses_what_it_cannot_read),
        cmocka_unit_test(test_detect_real_files),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
