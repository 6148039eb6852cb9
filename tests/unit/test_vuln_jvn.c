/*
 * test_vuln_jvn.c - the JVN iPedia / MyJVN importer: the four real getVulnDetailInfo documents
 * record by record, the JVNDB detail and RSS data feeds and getVulnOverviewList counted against
 * the files, the MyJVN documents that are not vulnerability records, Japanese version texts
 * turned into ranges kz_range_parse reads, and broken XML (truncated, wrong root, entity bomb,
 * too large) refused with the file and line. Every record goes through kz_vuln_record_check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "kz_test.h"
#include "kizuna/vuln.h"

/* What an import gave: the records (checked), the problems and the result. */
typedef struct {
    json_t *recs;
    int problems;
    char last_where[512], last_msg[512];
    kz_rc fail_with; /* the sink's answer to each record */
    kz_rc rc;
    kz_err err;
} result;

/* The sink's record function: every record must have the shape of vuln.h. */
static kz_rc keep(void *ctx, json_t *rec)
{
    result *r = ctx;
    kz_err err;

    if (kz_vuln_record_check(rec, &err) != KZ_OK) {
        char *s = json_dumps(rec, JSON_INDENT(1));
        fail_msg("record fails the check: %s\n%s", err.msg, s ? s : "");
    }
    json_array_append_new(r->recs, rec);
    return r->fail_with;
}

/* The sink's problem function: counts problems and keeps the last. */
static void note(void *ctx, const char *where, const char *msg)
{
    result *r = ctx;

    r->problems++;
    snprintf(r->last_where, sizeof r->last_where, "%s", where);
    snprintf(r->last_msg, sizeof r->last_msg, "%s", msg);
}

/* Imports n bytes named file with limits lim (NULL: defaults) into *r. */
static void import(const char *xml, size_t n, const char *file, const kz_limits *lim, result *r)
{
    kz_vuln_sink sink = {keep, note, r};
    kz_limits dflt = kz_limits_default();

    memset(r, 0, sizeof *r);
    r->recs = json_array();
    r->rc = kz_vuln_parse_jvn(xml, n, file, lim ? lim : &dflt, &sink, &r->err);
}

/* Same as import with a sink that fails with fail_with. */
static void import_failing(const char *xml, const char *file, kz_rc fail_with, result *r)
{
    kz_vuln_sink sink = {keep, note, r};
    kz_limits dflt = kz_limits_default();

    memset(r, 0, sizeof *r);
    r->recs = json_array();
    r->fail_with = fail_with;
    r->rc = kz_vuln_parse_jvn(xml, strlen(xml), file, &dflt, &sink, &r->err);
}

/* Reads a whole file into a new NUL-terminated buffer; *n gets its length. */
static char *slurp(const char *path, size_t *n)
{
    char *buf = kz_test_slurp(path, n);

    if (buf == NULL)
        fail_msg("cannot read %s", path);
    return buf;
}

/* The path of a JVN example file; skips the test when the shared data is absent. */
static bool data_path(char *out, size_t cap, const char *name)
{
    char dir[4096];

    if (!kz_test_data_dir(dir, sizeof dir, "jvn/hnd"))
        return false;
    snprintf(out, cap, "%s/%s", dir, name);
    return true;
}

#define NEED_DATA(path, name)                                                                    \
    do {                                                                                         \
        if (!data_path(path, sizeof path, name)) {                                               \
            print_message("KZ_SHARED_DATA lacks jvn/: skipped\n");                               \
            skip();                                                                              \
        }                                                                                        \
    } while (0)

/* Imports a real file by name into *r. */
static void import_file(const char *path, result *r)
{
    size_t n;
    char *xml = slurp(path, &n);

    import(xml, n, path, NULL, r);
    free(xml);
}

/* How many times needle occurs in the file (an independent count of its records). */
static size_t count_in_file(const char *path, const char *needle)
{
    size_t n, count = 0;
    char *xml = slurp(path, &n);

    for (const char *p = xml; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        count++;
    free(xml);
    return count;
}

/* The string o[key], or NULL. */
static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* True when the array of strings a holds s. */
static bool has_string(const json_t *a, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(a, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    }
    return false;
}

/* The score of rec with this vector; fails when there is none. */
static const json_t *score_with(const json_t *rec, const char *vector)
{
    size_t i;
    json_t *s;

    json_array_foreach(json_object_get(rec, "scores"), i, s) {
        if (strcmp(str(s, "vector"), vector) == 0)
            return s;
    }
    fail_msg("no score with vector %s", vector);
    return NULL;
}

/* Checks that kz_range_parse reads the range text. */
static void range_ok(const char *text)
{
    kz_range r;
    kz_err err;

    if (kz_range_parse(kz_sv_c(text), &r, &err) != KZ_OK)
        fail_msg("kz_range_parse refused \"%s\": %s", text, err.msg);
    assert_int_not_equal(r.kind, KZ_RANGE_UNKNOWN);
}

/* Drops the records an import kept. */
static void result_free(result *r)
{
    json_decref(r->recs);
}

/* ---- the four getVulnDetailInfo documents --------------------------------------------------- */

static void test_jvn_detail_2022_000097_three_cves_keep_the_jvndb_id(void **state)
{
    char path[4096];
    const json_t *rec, *aff, *s;
    result r;

    (void)state;
    NEED_DATA(path, "getVulnDetailInfo_hnd_JVNDB-2022-000097.xml");
    import_file(path, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), 1);
    rec = json_array_get(r.recs, 0);
    /* Three CVE ids: the JVNDB id is the record's id, the CVEs are aliases. */
    assert_string_equal(str(rec, "id"), "JVNDB-2022-000097");
    assert_true(has_string(json_object_get(rec, "aliases"), "CVE-2022-41993"));
    assert_true(has_string(json_object_get(rec, "aliases"), "CVE-2022-46288"));
    assert_int_equal(json_array_size(json_object_get(rec, "aliases")), 4);
    assert_string_equal(str(json_object_get(rec, "source"), "kind"), "jvn");
    assert_string_equal(str(json_object_get(rec, "source"), "document"), "JVNDB-2022-000097");
    /* 2024-05-29T17:39:51+09:00 in UTC. */
    assert_string_equal(str(json_object_get(rec, "source"), "revision"),
                        "2024-05-29T08:39:51.000Z");
    assert_string_equal(str(json_object_get(rec, "source"), "publisher"), "JVN iPedia (IPA)");
    assert_string_equal(str(rec, "published"), "2022-12-15T03:04:51.000Z");
    assert_non_null(strstr(str(json_object_get(json_object_get(rec, "text"), "ja"), "title"),
                           "電子入札コアシステム"));
    s = score_with(rec, "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N");
    assert_string_equal(str(s, "version"), "3.0");
    assert_float_equal(json_number_value(json_object_get(s, "base_score")), 6.1, 1e-9);
    assert_string_equal(str(s, "severity"), "MEDIUM");
    s = score_with(rec, "AV:N/AC:M/Au:N/C:N/I:P/A:N");
    assert_string_equal(str(s, "version"), "2.0");
    assert_float_equal(json_number_value(json_object_get(s, "base_score")), 4.3, 1e-9);
    aff = json_array_get(json_object_get(rec, "affected"), 0);
    assert_string_equal(str(aff, "vendor"), "一般財団法人日本建設情報総合センター");
    assert_string_equal(str(aff, "product"), "電子入札コアシステム");
    assert_string_equal(str(aff, "cpe"),
                        "cpe:2.3:a:jacic:electronic_bidding_core_system:*:*:*:*:*:*:*:*");
    /* "v6 R4 およびそれ以前のバージョン" */
    assert_string_equal(json_string_value(json_array_get(json_object_get(aff, "versions"), 0)),
                        "v6 R4 and earlier");
    range_ok("v6 R4 and earlier");
    assert_string_equal(str(json_array_get(json_object_get(rec, "cwes"), 0), "id"), "CWE-79");
    assert_string_equal(str(json_array_get(json_object_get(rec, "remediations"), 0),
                            "category"), "vendor_fix");
    assert_int_equal(r.problems, 0);
    result_free(&r);
}

static void test_jvn_detail_2017_009608_one_cve_is_the_id(void **state)
{
    char path[4096];
    const json_t *rec, *aff, *s;
    result r;

    (void)state;
    NEED_DATA(path, "getVulnDetailInfo_hnd_JVNDB-2017-009608.xml");
    import_file(path, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), 1);
    rec = json_array_get(r.recs, 0);
    assert_string_equal(str(rec, "id"), "CVE-2017-14937");
    assert_true(has_string(json_object_get(rec, "aliases"), "JVNDB-2017-009608"));
    assert_int_equal(json_array_size(json_object_get(rec, "aliases")), 2);
    assert_string_equal(str(json_object_get(rec, "source"), "document"), "JVNDB-2017-009608");
    assert_non_null(strstr(str(json_object_get(json_object_get(rec, "text"), "ja"), "title"),
                           "エアバッグコントロールユニット"));
    s = score_with(rec, "AV:L/AC:M/Au:N/C:P/I:N/A:N");
    assert_float_equal(json_number_value(json_object_get(s, "base_score")), 1.9, 1e-9);
    s = score_with(rec, "CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N");
    assert_float_equal(json_number_value(json_object_get(s, "base_score")), 4.7, 1e-9);
    assert_float_equal(json_number_value(json_object_get(s, "published_score")), 4.7, 1e-9);
    aff = json_array_get(json_object_get(rec, "affected"), 0);
    assert_string_equal(str(aff, "vendor"), "PCU");
    assert_string_equal(str(aff, "product"), "PCU");
    assert_string_equal(str(aff, "cpe"), "cpe:2.3:h:pcu:pcu:*:*:*:*:*:*:*:*");
    /* <VersionNumber /> names no version. */
    assert_int_equal(json_array_size(json_object_get(aff, "versions")), 0);
    assert_string_equal(str(json_array_get(json_object_get(rec, "cwes"), 0), "id"), "CWE-327");
    assert_string_equal(str(json_array_get(json_object_get(rec, "remediations"), 0),
                            "category"), "mitigation");
    result_free(&r);
}

static void test_jvn_detail_2018_009328_no_cve_two_products(void **state)
{
    char path[4096];
    const json_t *rec, *aff, *s, *v;
    size_t i;
    result r;

    (void)state;
    NEED_DATA(path, "getVulnDetailInfo_hnd_JVNDB-2018-009328.xml");
    import_file(path, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), 1);
    rec = json_array_get(r.recs, 0);
    /* No CVE among the related items: the JVNDB id is the id and the only alias. */
    assert_string_equal(str(rec, "id"), "JVNDB-2018-009328");
    assert_int_equal(json_array_size(json_object_get(rec, "aliases")), 1);
    assert_non_null(strstr(str(json_object_get(json_object_get(rec, "text"), "ja"), "title"),
                           "JP1/VERITAS 製品"));
    s = score_with(rec, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_float_equal(json_number_value(json_object_get(s, "base_score")), 9.8, 1e-9);
    assert_string_equal(str(s, "severity"), "CRITICAL");
    s = score_with(rec, "AV:N/AC:L/Au:N/C:C/I:C/A:C");
    assert_float_equal(json_number_value(json_object_get(s, "base_score")), 10.0, 1e-9);
    assert_int_equal(json_array_size(json_object_get(rec, "affected")), 2);
    aff = json_array_get(json_object_get(rec, "affected"), 1);
    assert_string_equal(str(aff, "vendor"), "日立");
    assert_string_equal(str(aff, "product"), "JP1/VERITAS NetBackup");
    assert_int_equal(json_array_size(json_object_get(aff, "versions")), 3);
    json_array_foreach(json_object_get(aff, "versions"), i, v) {
        range_ok(json_string_value(v));
    }
    assert_string_equal(json_string_value(json_array_get(json_object_get(aff, "versions"), 0)),
                        "7.7");
    assert_string_equal(str(json_array_get(json_object_get(rec, "cwes"), 0), "id"), "CWE-noinfo");
    /* "ベンダより正式な対策が公開されています" is a vendor fix. */
    assert_string_equal(str(json_array_get(json_object_get(rec, "remediations"), 0),
                            "category"), "vendor_fix");
    assert_string_equal(str(json_object_get(rec, "source"), "revision"),
                        "2018-11-20T03:12:04.000Z");
    result_free(&r);
}

static void test_jvn_detail_2021_002774_edition_prose_is_translated_not_guessed(void **state)
{
    char path[4096];
    const json_t *rec, *aff;
    const char *v;
    kz_range range;
    kz_err err;
    result r;

    (void)state;
    NEED_DATA(path, "getVulnDetailInfo_hnd_JVNDB-2021-002774.xml");
    import_file(path, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), 1);
    rec = json_array_get(r.recs, 0);
    assert_string_equal(str(rec, "id"), "CVE-2021-36745");
    assert_true(has_string(json_object_get(rec, "aliases"), "JVNDB-2021-002774"));
    assert_non_null(strstr(str(json_object_get(json_object_get(rec, "text"), "ja"), "title"),
                           "ServerProtect"));
    /* JVN gives no CVSS for this entry. */
    assert_null(json_object_get(rec, "scores"));
    aff = json_array_get(json_object_get(rec, "affected"), 0);
    assert_string_equal(str(aff, "vendor"), "トレンドマイクロ");
    assert_string_equal(str(aff, "product"), "Trend Micro ServerProtect");
    /* "for EMC Celerra 5.8 (Build 1577) 未満": the suffix becomes "<"; the edition stays, and
     * kz_range_parse does not guess at it (a person must look). */
    v = json_string_value(json_array_get(json_object_get(aff, "versions"), 0));
    assert_string_equal(v, "< for EMC Celerra 5.8 (Build 1577)");
    assert_int_not_equal(kz_range_parse(kz_sv_c(v), &range, &err), KZ_OK);
    assert_int_equal(range.kind, KZ_RANGE_UNKNOWN);
    range_ok("< 5.8 (Build 1577)");
    assert_int_equal(json_array_size(json_object_get(aff, "versions")), 4);
    assert_string_equal(str(json_array_get(json_object_get(rec, "remediations"), 0),
                            "category"), "vendor_fix");
    result_free(&r);
}

/* ---- feeds ---------------------------------------------------------------------------------- */

static void test_jvn_detail_feed_gives_one_record_per_vulinfo(void **state)
{
    char path[4096];
    size_t expected, i, k;
    const json_t *rec, *aff, *v;
    bool saw_firmware = false, saw_cve_note = false;
    result r;

    (void)state;
    NEED_DATA(path, "dataFeed_jvndb_detail_hnd.xml");
    expected = count_in_file(path, "<VulinfoID>JVNDB-");
    assert_int_equal(expected, 7);
    import_file(path, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), expected);
    assert_int_equal(r.problems, 0);
    json_array_foreach(r.recs, i, rec) {
        json_array_foreach(json_object_get(rec, "affected"), k, aff) {
            size_t m;
            json_array_foreach(json_object_get(aff, "versions"), m, v) {
                const char *t = json_string_value(v);
                assert_null(strstr(t, "以前"));
                assert_null(strstr(t, "より前"));
                assert_null(strstr(t, "CVE-"));
                if (strstr(t, "for ") == NULL)
                    range_ok(t);
                saw_firmware |= strcmp(t, "1.05 and earlier") == 0;
                saw_cve_note |= strcmp(t, "< Ver.1.2.4") == 0;
            }
        }
    }
    /* "ファームウェアバージョン 1.05およびそれ以前" and
     * "Ver.1.2.4より前のバージョン（CVE-2025-0354、CVE-2025-0355）" */
    assert_true(saw_firmware);
    assert_true(saw_cve_note);
    rec = json_array_get(r.recs, 0);
    assert_string_equal(str(rec, "id"), "CVE-2025-21603");
    rec = json_array_get(r.recs, 1);
    assert_string_equal(str(rec, "id"), "JVNDB-2025-000002"); /* three CVEs */
    assert_int_equal(json_array_size(json_object_get(rec, "affected")), 11);
    result_free(&r);
}

static void test_jvn_rss_feed_gives_one_record_per_item_despite_broken_status(void **state)
{
    char path[4096];
    size_t expected;
    const json_t *rec, *aff, *s;
    result r;

    (void)state;
    NEED_DATA(path, "dataFeed_jvndb_rss_hnd.xml");
    expected = count_in_file(path, "<item ");
    assert_int_equal(expected, 4);
    import_file(path, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), expected);
    /* The trailing status element has retCd= 0 (unquoted): reported at its line. */
    assert_int_equal(r.problems, 1);
    assert_non_null(strstr(r.last_where, ":116"));
    assert_non_null(strstr(r.last_msg, "not well-formed"));
    rec = json_array_get(r.recs, 0);
    assert_string_equal(str(rec, "id"), "CVE-2023-29001");
    assert_true(has_string(json_object_get(rec, "aliases"), "JVNDB-2023-028579"));
    assert_string_equal(str(json_object_get(rec, "source"), "url"),
                        "https://jvndb.jvn.jp/ja/contents/2023/JVNDB-2023-028579.html");
    /* "2025-04-11T23:52+09:00": no seconds, +09:00. */
    assert_string_equal(str(json_object_get(rec, "source"), "revision"),
                        "2025-04-11T14:52:00.000Z");
    assert_non_null(strstr(str(json_object_get(json_object_get(rec, "text"), "ja"), "title"),
                           "Contiki-NG"));
    s = score_with(rec, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
    assert_float_equal(json_number_value(json_object_get(s, "base_score")), 7.5, 1e-9);
    aff = json_array_get(json_object_get(rec, "affected"), 0);
    assert_string_equal(str(aff, "vendor"), "Contiki-NG");
    assert_string_equal(str(aff, "cpe"), "cpe:2.3:o:contiki-ng:contiki-ng:*:*:*:*:*:*:*:*");
    assert_int_equal(json_array_size(json_object_get(aff, "versions")), 0);
    assert_string_equal(str(json_array_get(json_object_get(rec, "cwes"), 0), "id"), "CWE-674");
    assert_string_equal(str(json_array_get(json_object_get(rec, "cwes"), 0), "name"),
                        "不適切な再帰制御");
    result_free(&r);
}

static void test_jvn_overview_list_imports_like_rss(void **state)
{
    char path[4096];
    const json_t *rec;
    result r;

    (void)state;
    NEED_DATA(path, "getVulnOverviewList_hnd.xml");
    import_file(path, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), count_in_file(path, "<sec:identifier>"));
    assert_int_equal(json_array_size(r.recs), 2);
    rec = json_array_get(r.recs, 1);
    assert_string_equal(str(rec, "id"), "CVE-2025-23120");
    /* %28idc%29 in the 2.2 URI is "(idc)" quoted in the 2.3 name. */
    assert_string_equal(str(json_array_get(json_object_get(rec, "affected"), 0), "cpe"),
                        "cpe:2.3:a:rockwellautomation:industrial_data_center_\\(idc\\)_with_veeam"
                        ":*:*:*:*:*:*:*:*");
    result_free(&r);
}

static void test_jvn_other_myjvn_documents_are_refused_by_name(void **state)
{
    static const char *const files[] = {
        "dataFeed_myjvn_product_hnd.xml", "dataFeed_myjvn_vendor_hnd.xml",
        "getAlertList_hnd.xml",           "getProductList_hnd.xml",
        "getStatistics_hnd_sumAll.xml",   "getStatistics_hnd_sumCvss.xml",
        "getStatistics_hnd_sumCwe.xml",   "getStatistics_hnd_sumJvnDb.xml",
        "getVendorList_hnd.xml"};
    char path[4096];
    result r;

    (void)state;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        NEED_DATA(path, files[i]);
        import_file(path, &r);
        assert_int_equal(r.rc, KZ_EINVAL);
        assert_int_equal(json_array_size(r.recs), 0);
        assert_non_null(strstr(r.err.msg, files[i]));
        assert_non_null(strstr(r.err.msg, "not a JVN vulnerability document (it is a <"));
        result_free(&r);
    }
    NEED_DATA(path, "getAlertList_hnd.xml");
    import_file(path, &r);
    assert_non_null(strstr(r.err.msg, "<feed> document, MyJVN method getAlertList"));
    result_free(&r);
}

/* ---- version texts -------------------------------------------------------------------------- */

#define VULDEF_HEAD                                                                              \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                               \
    "<VULDEF-Document version=\"3.2\" xmlns=\"http://jvn.jp/vuldef/\" xml:lang=\"ja\">\n"        \
    "<Vulinfo><VulinfoID>JVNDB-2099-000001</VulinfoID><VulinfoData><Title>t</Title>\n"
#define VULDEF_TAIL                                                                              \
    "<DateLastUpdated>2099-01-01T09:00:00+09:00</DateLastUpdated>"                               \
    "</VulinfoData></Vulinfo></VULDEF-Document>\n"

static void test_jvn_japanese_version_forms_become_ranges(void **state)
{
    static const char *const want[] = {
        "2.1.0 and earlier", "2.0 and later", "< 3.0",          "< 7.6.2",
        "<= 4.0",            ">= 1.0",        "All versions",   "< 5.1",
        ">= 1.0 < 1.4",      "1.05 and earlier", "< Ver.1.2.4", "v6 R4 and earlier",
        "9.9"};
    static const char xml[] =
        VULDEF_HEAD
        "<Affected><AffectedItem><Name>ベンダ</Name><ProductName>製品</ProductName>\n"
        "<VersionNumber>2.1.0 およびそれ以前</VersionNumber>\n"
        "<VersionNumber>2.0 以降</VersionNumber>\n"
        "<VersionNumber>3.0 未満</VersionNumber>\n"
        "<VersionNumber>7.6.2より前のバージョン</VersionNumber>\n"
        "<VersionNumber>4.0 以下</VersionNumber>\n"
        "<VersionNumber>1.0 以上</VersionNumber>\n"
        "<VersionNumber>すべてのバージョン</VersionNumber>\n"
        "<VersionNumber operator=\"lt\">5.1</VersionNumber>\n"
        "<VersionNumber><RangeBegin>1.0</RangeBegin><RangeEnd operator=\"lt\">1.4</RangeEnd>"
        "</VersionNumber>\n"
        "<VersionNumber>ファームウェアバージョン 1.05およびそれ以前</VersionNumber>\n"
        "<VersionNumber>Ver.1.2.4より前のバージョン（CVE-2025-0354、CVE-2025-0355）"
        "</VersionNumber>\n"
        "<VersionNumber>　v6 R4 およびそれ以前のバージョン　</VersionNumber>\n"
        "<VersionNumber>9.9</VersionNumber>\n"
        "<VersionNumber>  </VersionNumber>\n"
        "</AffectedItem></Affected>\n" VULDEF_TAIL;
    const json_t *versions;
    result r;

    (void)state;
    import(xml, sizeof xml - 1, "forms.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), 1);
    versions = json_object_get(json_array_get(json_object_get(json_array_get(r.recs, 0),
                                                              "affected"), 0), "versions");
    assert_int_equal(json_array_size(versions), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_string_equal(json_string_value(json_array_get(versions, i)), want[i]);
        range_ok(want[i]);
    }
    result_free(&r);
}

static void test_jvn_bad_cpe_and_score_are_problems_not_failures(void **state)
{
    static const char xml[] =
        VULDEF_HEAD
        "<Affected><AffectedItem><Name>V</Name><ProductName>P</ProductName>\n"
        "<Cpe version=\"2.3\">cpe:2.3::vendor</Cpe><VersionNumber>1.0</VersionNumber>"
        "</AffectedItem></Affected>\n"
        "<Impact><Cvss version=\"3.0\"><Base>5.0</Base>"
        "<Vector>CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H</Vector></Cvss>\n"
        "<Cvss version=\"3.1\"><Base>7.0</Base><Vector>CVSS:3.1/AV:N</Vector></Cvss></Impact>\n"
        VULDEF_TAIL;
    const json_t *rec, *aff, *s;
    result r;

    (void)state;
    import(xml, sizeof xml - 1, "bad.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_OK);
    rec = json_array_get(r.recs, 0);
    aff = json_array_get(json_object_get(rec, "affected"), 0);
    assert_null(json_object_get(aff, "cpe")); /* the invalid CPE is left out */
    assert_string_equal(str(aff, "product"), "P");
    s = json_array_get(json_object_get(rec, "scores"), 0);
    assert_float_equal(json_number_value(json_object_get(s, "base_score")), 9.8, 1e-9);
    assert_float_equal(json_number_value(json_object_get(s, "published_score")), 5.0, 1e-9);
    assert_non_null(strstr(str(s, "problem"), "differs"));
    s = json_array_get(json_object_get(rec, "scores"), 1);
    assert_true(json_is_null(json_object_get(s, "base_score")));
    assert_string_equal(str(s, "version"), "3.1");
    assert_non_null(str(s, "problem"));
    assert_int_equal(r.problems, 3);
    /* 2099-01-01T09:00:00+09:00 is midnight UTC. */
    assert_string_equal(str(json_object_get(rec, "source"), "revision"),
                        "2099-01-01T00:00:00.000Z");
    result_free(&r);
}

/* ---- broken input --------------------------------------------------------------------------- */

static void test_jvn_truncated_document_is_einval_with_file_and_line(void **state)
{
    char path[4096];
    size_t n;
    char *xml;
    result r;

    (void)state;
    NEED_DATA(path, "dataFeed_jvndb_detail_hnd.xml");
    xml = slurp(path, &n);
    import(xml, n / 2, "half.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_EINVAL);
    assert_int_equal(json_array_size(r.recs), 0);
    assert_non_null(strstr(r.err.msg, "half.xml:"));
    assert_non_null(strstr(r.err.msg, "not well-formed XML"));
    result_free(&r);
    free(xml);
}

static void test_jvn_damage_inside_a_record_refuses_the_document(void **state)
{
    static const char xml[] =
        VULDEF_HEAD "<Affected><AffectedItem><ProductName a=1>P</ProductName></AffectedItem>"
                    "</Affected>\n" VULDEF_TAIL "<status/>";
    result r;

    (void)state;
    import(xml, sizeof xml - 1, "inside.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_EINVAL);
    assert_int_equal(json_array_size(r.recs), 0);
    assert_non_null(strstr(r.err.msg, "inside.xml:4:"));
    result_free(&r);
}

static void test_jvn_wrong_root_empty_and_text_are_einval(void **state)
{
    static const char root[] = "<?xml version=\"1.0\"?>\n<html><body/></html>";
    static const char text[] = "JVNDB-2099-000001";
    result r;

    (void)state;
    import(root, sizeof root - 1, "page.html", NULL, &r);
    assert_int_equal(r.rc, KZ_EINVAL);
    assert_non_null(strstr(r.err.msg, "page.html:2: not a JVN vulnerability document (it is a "
                                      "<html> document"));
    result_free(&r);
    import("", 0, "empty.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_EINVAL);
    assert_non_null(strstr(r.err.msg, "empty.xml"));
    result_free(&r);
    import(text, sizeof text - 1, "id.txt", NULL, &r);
    assert_int_equal(r.rc, KZ_EINVAL);
    assert_non_null(strstr(r.err.msg, "id.txt:1:"));
    result_free(&r);
}

static void test_jvn_entity_declarations_are_refused(void **state)
{
    static const char bomb[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE VULDEF-Document [\n"
        " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
        " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
        " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
        " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
        "]>\n"
        "<VULDEF-Document xmlns=\"http://jvn.jp/vuldef/\"><Vulinfo><VulinfoID>&d;</VulinfoID>"
        "</Vulinfo></VULDEF-Document>\n";
    static const char external[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE r [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n"
        "<VULDEF-Document xmlns=\"http://jvn.jp/vuldef/\">&x;</VULDEF-Document>\n";
    result r;

    (void)state;
    import(bomb, sizeof bomb - 1, "bomb.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_EINVAL);
    assert_non_null(strstr(r.err.msg, "bomb.xml:3: a DOCTYPE declaring entities is refused"));
    assert_int_equal(json_array_size(r.recs), 0);
    result_free(&r);
    import(external, sizeof external - 1, "ext.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_EINVAL);
    assert_non_null(strstr(r.err.msg, "ext.xml:2:"));
    result_free(&r);
}

static void test_jvn_document_past_the_limit_is_elimit(void **state)
{
    static const char xml[] = VULDEF_HEAD VULDEF_TAIL;
    kz_limits lim = kz_limits_default();
    result r;

    (void)state;
    lim.object_bytes = 16; /* documents up to 64 bytes */
    import(xml, sizeof xml - 1, "big.xml", &lim, &r);
    assert_int_equal(r.rc, KZ_ELIMIT);
    assert_non_null(strstr(r.err.msg, "big.xml"));
    result_free(&r);
    lim = kz_limits_default();
    lim.objects = 0; /* no record allowed */
    import(xml, sizeof xml - 1, "many.xml", &lim, &r);
    assert_int_equal(r.rc, KZ_ELIMIT);
    assert_non_null(strstr(r.err.msg, "many.xml"));
    result_free(&r);
}

static void test_jvn_sink_failure_stops_the_import(void **state)
{
    static const char xml[] =
        "<?xml version=\"1.0\"?>\n"
        "<VULDEF-Document xmlns=\"http://jvn.jp/vuldef/\">\n"
        "<Vulinfo><VulinfoID>JVNDB-2099-000001</VulinfoID><VulinfoData>"
        "<DateLastUpdated>2099-01-01T00:00:00Z</DateLastUpdated></VulinfoData></Vulinfo>\n"
        "<Vulinfo><VulinfoID>JVNDB-2099-000002</VulinfoID><VulinfoData>"
        "<DateLastUpdated>2099-01-01T00:00:00Z</DateLastUpdated></VulinfoData></Vulinfo>\n"
        "</VULDEF-Document>\n";
    result r;

    (void)state;
    import_failing(xml, "sink.xml", KZ_EDB, &r);
    assert_int_equal(r.rc, KZ_EDB);
    assert_int_equal(json_array_size(r.recs), 1);
    result_free(&r);
}

static void test_jvn_prefixes_do_not_matter_namespaces_do(void **state)
{
    static const char other_prefix[] =
        "<?xml version=\"1.0\"?>\n"
        "<x:VULDEF-Document xmlns:x=\"http://jvn.jp/vuldef/\">"
        "<x:Vulinfo><x:VulinfoID>JVNDB-2099-000003</x:VulinfoID><x:VulinfoData>"
        "<x:DateLastUpdated>2099-01-01</x:DateLastUpdated></x:VulinfoData></x:Vulinfo>"
        "</x:VULDEF-Document>\n";
    static const char no_namespace[] =
        "<?xml version=\"1.0\"?>\n"
        "<VULDEF-Document><Vulinfo><VulinfoID>JVNDB-2099-000004</VulinfoID></Vulinfo>"
        "</VULDEF-Document>\n";
    result r;

    (void)state;
    import(other_prefix, sizeof other_prefix - 1, "prefix.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_OK);
    assert_int_equal(json_array_size(r.recs), 1);
    assert_string_equal(str(json_array_get(r.recs, 0), "id"), "JVNDB-2099-000003");
    result_free(&r);
    import(no_namespace, sizeof no_namespace - 1, "nons.xml", NULL, &r);
    assert_int_equal(r.rc, KZ_EINVAL);
    assert_non_null(strstr(r.err.msg, "not a JVN vulnerability document"));
    result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jvn_detail_2022_000097_three_cves_keep_the_jvndb_id),
        cmocka_unit_test(test_jvn_detail_2017_009608_one_cve_is_the_id),
        cmocka_unit_test(test_jvn_detail_2018_009328_no_cve_two_products),
        cmocka_unit_test(test_jvn_detail_2021_002774_edition_prose_is_translated_not_guessed),
        cmocka_unit_test(test_jvn_detail_feed_gives_one_record_per_vulinfo),
        cmocka_unit_test(test_jvn_rss_feed_gives_one_record_per_item_despite_broken_status),
        cmocka_unit_test(test_jvn_overview_list_imports_like_rss),
        cmocka_unit_test(test_jvn_other_myjvn_documents_are_refused_by_name),
        cmocka_unit_test(test_jvn_japanese_version_forms_become_ranges),
        cmocka_unit_test(test_jvn_bad_cpe_and_score_are_problems_not_failures),
        cmocka_unit_test(test_jvn_truncated_document_is_einval_with_file_and_line),
        cmocka_unit_test(test_jvn_damage_inside_a_record_refuses_the_document),
        cmocka_unit_test(test_jvn_wrong_root_empty_and_text_are_einval),
        cmocka_unit_test(test_jvn_entity_declarations_are_refused),
        cmocka_unit_test(test_jvn_document_past_the_limit_is_elimit),
        cmocka_unit_test(test_jvn_sink_failure_stops_the_import),
        cmocka_unit_test(test_jvn_prefixes_do_not_matter_namespaces_do),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
