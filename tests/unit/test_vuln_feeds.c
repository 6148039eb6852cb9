/*
 * test_vuln_feeds.c - the CVE JSON 5, CISA KEV and OSV importers: every real CVE record and the
 * real KEV catalogue in the shared data import, each record passes kz_vuln_record_check, the
 * published CVSS scores agree with Kizuna's except the explained case, the range texts written
 * are mostly understood by kz_range_parse; hand-written OSV entries pin the range translation;
 * wrong types everywhere give problems with JSON paths, never a crash.
 */
#include <math.h>
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
#include "kizuna/version.h"
#include "kizuna/vuln.h"

/* ---- a sink that keeps what it gets ------------------------------------------------------- */

typedef struct {
    json_t *records;  /* array */
    json_t *problems; /* array of "where: msg" */
} collected;

static kz_rc keep_record(void *ctx, json_t *rec)
{
    collected *c = ctx;
    kz_err err;

    if (kz_vuln_record_check(rec, &err) != KZ_OK)
        fail_msg("record %s fails the check: %s",
                 json_string_value(json_object_get(rec, "id")), err.msg);
    json_array_append_new(c->records, rec);
    return KZ_OK;
}

static void keep_problem(void *ctx, const char *where, const char *msg)
{
    collected *c = ctx;
    char line[1024];

    assert_non_null(where);
    snprintf(line, sizeof line, "%s: %s", where, msg);
    json_array_append_new(c->problems, json_string(line));
}

typedef kz_rc (*importer)(const json_t *, const char *, const kz_vuln_sink *, kz_err *);

/* Runs an importer over a JSON text or file; returns its result, records in c. */
static kz_rc run(importer fn, const char *text, const char *path, collected *c, kz_err *err)
{
    kz_vuln_sink sink = {keep_record, keep_problem, c};
    json_error_t je;
    json_t *doc = text ? json_loads(text, JSON_DECODE_ANY, &je) : json_load_file(path, 0, &je);
    kz_rc rc;

    if (doc == NULL)
        fail_msg("test input does not load: %s (line %d)", je.text, je.line);
    c->records = json_array();
    c->problems = json_array();
    memset(err, 0, sizeof *err);
    rc = fn(doc, path ? path : "test.json", &sink, err);
    json_decref(doc);
    return rc;
}

static void collected_free(collected *c)
{
    json_decref(c->records);
    json_decref(c->problems);
}

/* True if some problem contains both needles. */
static bool has_problem(const collected *c, const char *a, const char *b)
{
    return kz_test_has_message(c->problems, a, b);
}

static const char *str_at(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- CVE JSON 5: the real records --------------------------------------------------------- */

#define CVE_FILES 11
static json_t *cve_recs; /* object: file name -> record */

static void import_one_cve(const char *path, void *arg)
{
    collected c;
    kz_err err;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

    (void)arg;
    if (run(kz_vuln_parse_cve5, NULL, path, &c, &err) != KZ_OK)
        fail_msg("%s: %s", path, err.msg);
    if (json_array_size(c.records) != 1)
        fail_msg("%s gave %zu records, expected 1", base, json_array_size(c.records));
    json_object_set(cve_recs, base, json_array_get(c.records, 0));
    collected_free(&c);
}

static int cve_setup(void **state)
{
    char dir[4096];

    (void)state;
    cve_recs = json_object();
    if (kz_test_data_dir(dir, sizeof dir, "cve5"))
        kz_test_walk_json(dir, import_one_cve, NULL);
    return 0;
}

static int cve_teardown(void **state)
{
    (void)state;
    json_decref(cve_recs);
    return 0;
}

/* The record of one real file, or skip when the shared data is absent. */
static const json_t *cve_rec(const char *file)
{
    const json_t *r = json_object_get(cve_recs, file);

    if (json_object_size(cve_recs) == 0)
        skip();
    if (r == NULL)
        fail_msg("%s was not imported", file);
    return r;
}

static void test_cve5_every_real_record_imports_as_one_record(void **state)
{
    (void)state;
    if (json_object_size(cve_recs) == 0)
        skip();
    assert_int_equal(json_object_size(cve_recs), CVE_FILES);
}

static void test_cve5_tplink_prose_range_is_kept_and_na_vendor_omitted(void **state)
{
    const json_t *r = cve_rec("CVE-2023-1389.json"), *a;
    kz_range range;
    kz_err err;

    (void)state;
    assert_string_equal(str_at(r, "id"), "CVE-2023-1389");
    assert_int_equal(json_array_size(json_object_get(r, "affected")), 1);
    a = json_array_get(json_object_get(r, "affected"), 0);
    assert_null(json_object_get(a, "vendor")); /* "n/a" */
    assert_string_equal(str_at(a, "product"), "TP-Link Archer AX21 (AX1800)");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "All versions prior to version 1.14 Build 20230219");
    /* Either understood or POSSIBLY; it must never be dropped. */
    if (kz_range_parse(kz_sv_c("All versions prior to version 1.14 Build 20230219"), &range,
                       &err) != KZ_OK)
        assert_int_equal(range.kind, KZ_RANGE_UNKNOWN);
    assert_string_equal(str_at(json_object_get(r, "source"), "publisher"), "tenable");
    /* 2023-03-15T00:00:00 without an offset is read as UTC. */
    assert_string_equal(str_at(r, "published"), "2023-03-15T00:00:00.000Z");
}

static void test_cve5_fortinet_semver_ranges_cpes_and_temporal_score(void **state)
{
    const json_t *r = cve_rec("CVE-2024-21762.json"), *aff = json_object_get(r, "affected");
    const json_t *os = json_array_get(aff, 1), *sc, *rem;
    size_t i, with_cpe = 0;

    (void)state;
    assert_string_equal(str_at(os, "vendor"), "Fortinet");
    assert_string_equal(str_at(os, "product"), "FortiOS");
    assert_int_equal(json_array_size(json_object_get(os, "versions")), 6);
    assert_string_equal(json_string_value(json_array_get(json_object_get(os, "versions"), 0)),
                        "vers:semver/>=7.4.0|<=7.4.2");
    assert_int_equal(json_array_size(json_object_get(json_array_get(aff, 0), "versions")), 7);
    json_array_foreach(aff, i, sc) {
        if (json_object_get(sc, "cpe") != NULL) {
            with_cpe++;
            assert_non_null(strstr(json_string_value(json_array_get(
                                       json_object_get(sc, "versions"), 0)),
                                   "vers:generic/>="));
        }
    }
    assert_int_equal(with_cpe, 9); /* the CISA-ADP entries, one CPE each */
    assert_int_equal(json_array_size(aff), 11);
    sc = json_array_get(json_object_get(r, "scores"), 0);
    assert_string_equal(str_at(sc, "source"), "fortinet");
    assert_true(fabs(json_number_value(json_object_get(sc, "base_score")) - 9.8) < 1e-9);
    assert_true(fabs(json_number_value(json_object_get(sc, "published_score")) - 9.6) < 1e-9);
    assert_non_null(str_at(sc, "problem"));
    assert_non_null(strstr(str_at(sc, "problem"), "temporal"));
    assert_string_equal(str_at(json_array_get(json_object_get(r, "cwes"), 0), "id"), "CWE-787");
    rem = json_array_get(json_object_get(r, "remediations"), 0);
    assert_string_equal(str_at(rem, "category"), "vendor_fix");
    assert_string_equal(str_at(r, "published"), "2024-02-09T08:14:25.954Z");
}

static void test_cve5_hikvision_na_cna_gets_cisa_adp_score_and_cwe(void **state)
{
    const json_t *r = cve_rec("CVE-2021-36260.json"), *sc;

    (void)state;
    /* The CNA container says vendor and product "n/a": no affected entry can be made. */
    assert_null(json_object_get(r, "affected"));
    assert_int_equal(json_array_size(json_object_get(r, "scores")), 1);
    sc = json_array_get(json_object_get(r, "scores"), 0);
    assert_string_equal(str_at(sc, "source"), "CISA-ADP");
    assert_string_equal(str_at(sc, "severity"), "CRITICAL");
    assert_null(json_object_get(sc, "problem"));
    assert_string_equal(str_at(json_array_get(json_object_get(r, "cwes"), 0), "id"), "CWE-78");
    assert_string_equal(str_at(json_object_get(r, "source"), "publisher"), "hikvision");
    /* The CNA and CVE-program references name the same five URLs once. */
    assert_int_equal(json_array_size(json_object_get(r, "references")), 5);
}

static void test_cve5_zyxel_products_each_get_an_entry(void **state)
{
    const json_t *r = cve_rec("CVE-2022-30525.json"), *a;

    (void)state;
    assert_int_equal(json_array_size(json_object_get(r, "affected")), 8);
    a = json_array_get(json_object_get(r, "affected"), 5);
    assert_string_equal(str_at(a, "vendor"), "Zyxel");
    assert_string_equal(str_at(a, "product"), "VPN series firmware");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "4.60 through 5.21 Patch 1");
    r = cve_rec("CVE-2023-28771.json");
    assert_int_equal(json_array_size(json_object_get(r, "affected")), 4);
}

static void test_cve5_timestamps_are_normalised(void **state)
{
    (void)state;
    /* 5.0 record: six fraction digits, no 'Z'. */
    assert_string_equal(str_at(json_object_get(cve_rec("CVE-2014-8361.json"), "source"),
                               "revision"),
                        "2023-09-05T21:35:13.232Z");
    /* No fraction, no 'Z'. */
    assert_string_equal(str_at(cve_rec("CVE-2017-17215.json"), "modified"),
                        "2018-03-21T09:57:01.000Z");
    assert_null(json_object_get(cve_rec("CVE-2014-8361.json"), "affected"));
}

static void test_cve5_huawei_and_buffalo_keep_prose_versions(void **state)
{
    const json_t *a =
        json_array_get(json_object_get(cve_rec("CVE-2017-17215.json"), "affected"), 0);

    (void)state;
    assert_string_equal(str_at(a, "vendor"), "Huawei Technologies Co., Ltd.");
    assert_string_equal(str_at(a, "product"), "HG532");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "customized versions");
    a = json_array_get(json_object_get(cve_rec("CVE-2021-20090.json"), "affected"), 0);
    assert_null(json_object_get(a, "vendor"));
    assert_string_equal(str_at(a, "product"), "Buffalo WSR-2533DHPL2, Buffalo WSR-2533DHP3");
}

static void test_cve5_cisa_adp_scores_present(void **state)
{
    static const char *const files[] = {"CVE-2018-10561.json", "CVE-2020-10987.json",
                                        "CVE-2021-36260.json"};

    (void)state;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const json_t *sc = json_array_get(json_object_get(cve_rec(files[i]), "scores"), 0);
        assert_non_null(sc);
        assert_string_equal(str_at(sc, "source"), "CISA-ADP");
        assert_string_equal(str_at(sc, "vector"), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    }
}

static void test_cve5_computed_scores_agree_except_the_fortinet_temporal_one(void **state)
{
    const char *file;
    const json_t *r, *sc;
    size_t i, n = 0, flagged = 0;

    (void)state;
    if (json_object_size(cve_recs) == 0)
        skip();
    json_object_foreach(cve_recs, file, r) {
        json_array_foreach(json_object_get(r, "scores"), i, sc) {
            const json_t *pub = json_object_get(sc, "published_score");
            double base = json_number_value(json_object_get(sc, "base_score"));
            n++;
            if (str_at(sc, "problem") != NULL) {
                flagged++;
                assert_string_equal(file, "CVE-2024-21762.json");
                continue;
            }
            assert_non_null(pub);
            assert_true(fabs(json_number_value(pub) - base) <= 0.05);
        }
    }
    printf("CVE 5: %zu scores, %zu flagged (the temporal score published as base)\n", n, flagged);
    assert_int_equal(flagged, 1);
    assert_int_equal(n, 6);
}

static void test_cve5_range_texts_are_mostly_understood(void **state)
{
    const char *file;
    const json_t *r, *a, *v;
    size_t i, k, n = 0, ok = 0;
    kz_range range;
    kz_err err;

    (void)state;
    if (json_object_size(cve_recs) == 0)
        skip();
    json_object_foreach(cve_recs, file, r) {
        json_array_foreach(json_object_get(r, "affected"), i, a) {
            json_array_foreach(json_object_get(a, "versions"), k, v) {
                n++;
                if (kz_range_parse(kz_sv_c(json_string_value(v)), &range, &err) == KZ_OK)
                    ok++;
                else
                    printf("  not understood: %s (%s): %s\n", json_string_value(v), file,
                           err.msg);
            }
        }
    }
    printf("CVE 5: %zu of %zu range texts understood (%.1f %%)\n", ok, n,
           n ? 100.0 * (double)ok / (double)n : 0.0);
    assert_int_equal(n, 37);
    /* Measured: 35 of 37 (94.6 %); "customized versions" (Huawei) and the two products glued
     * into one version string (Buffalo) are left to a person. */
    assert_true(ok * 100 >= n * 90);
}

/* ---- CVE JSON 5: hand-written records ------------------------------------------------------ */

#define CVE_HEAD(state)                                                                       \
    "{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{\"cveId\":"         \
    "\"CVE-2099-0001\",\"state\":\"" state "\",\"assignerShortName\":\"acme\","                \
    "\"datePublished\":\"2099-01-01T00:00:00\",\"dateUpdated\":\"2099-01-02T03:04:05+09:00\"},"

static void test_cve5_rejected_record_gives_no_record(void **state)
{
    collected c;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_cve5,
                         CVE_HEAD("REJECTED") "\"containers\":{\"cna\":{\"rejectedReasons\":[]}}}",
                         NULL, &c, &err),
                     KZ_OK);
    assert_int_equal(json_array_size(c.records), 0);
    assert_true(has_problem(&c, "/cveMetadata/state", "REJECTED"));
    collected_free(&c);
}

static void test_cve5_versions_changes_cpes_purl_and_default_status(void **state)
{
    static const char doc[] = CVE_HEAD(
        "PUBLISHED") "\"containers\":{\"cna\":{\"providerMetadata\":{\"shortName\":\"acme\"},"
                     "\"descriptions\":[{\"lang\":\"en-US\",\"value\":\"Bad thing. More.\"},"
                     "{\"lang\":\"ja\",\"value\":\"悪いこと。\"}],"
                     "\"affected\":[{\"vendor\":\"Acme\",\"product\":\"Box\","
                     "\"cpes\":[\"cpe:2.3:h:acme:box:*:*:*:*:*:*:*:*\",\"not a cpe\","
                     "\"cpe:2.3:o:acme:box_fw:*:*:*:*:*:*:*:*\"],"
                     "\"packageURL\":\"pkg:generic/acme/box\",\"versions\":["
                     "{\"version\":\"0\",\"lessThan\":\"2.0\",\"status\":\"affected\","
                     "\"versionType\":\"custom\",\"changes\":[{\"at\":\"1.5\",\"status\":"
                     "\"unaffected\"}]},"
                     "{\"version\":\"n/a\",\"lessThanOrEqual\":\"3.1\",\"status\":\"affected\"},"
                     "{\"version\":\"3.3\",\"status\":\"unaffected\"}]},"
                     "{\"vendor\":\"Acme\",\"product\":\"Gizmo\",\"defaultStatus\":\"affected\"}],"
                     "\"workarounds\":[{\"lang\":\"en\",\"value\":\"Unplug it.\"}],"
                     "\"solutions\":[{\"lang\":\"en\",\"value\":\"Update to 2.0.\"}]}}}";
    const json_t *r, *aff, *a;
    collected c;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_cve5, doc, NULL, &c, &err), KZ_OK);
    assert_int_equal(json_array_size(c.records), 1);
    r = json_array_get(c.records, 0);
    assert_string_equal(str_at(json_object_get(r, "source"), "revision"),
                        "2099-01-01T18:04:05.000Z"); /* +09:00 to UTC */
    assert_string_equal(str_at(json_object_get(json_object_get(r, "text"), "en"), "title"),
                        "Bad thing.");
    assert_string_equal(str_at(json_object_get(json_object_get(r, "text"), "ja"),
                               "description"),
                        "悪いこと。");
    aff = json_object_get(r, "affected");
    /* Box: affected and not_affected, each twice (two valid CPEs); Gizmo: all versions. */
    assert_int_equal(json_array_size(aff), 5);
    a = json_array_get(aff, 0);
    assert_string_equal(str_at(a, "cpe"), "cpe:2.3:h:acme:box:*:*:*:*:*:*:*:*");
    assert_string_equal(str_at(a, "purl"), "pkg:generic/acme/box");
    assert_string_equal(str_at(a, "status"), "affected");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "vers:generic/<1.5");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 1)),
                        "vers:generic/<=3.1");
    a = json_array_get(aff, 2);
    assert_string_equal(str_at(a, "status"), "not_affected");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "vers:generic/>=1.5|<2.0");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 1)),
                        "3.3");
    a = json_array_get(aff, 4);
    assert_string_equal(str_at(a, "product"), "Gizmo");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "All versions");
    assert_true(has_problem(&c, "/containers/cna/affected/0/cpes/1", "not a CPE"));
    assert_string_equal(str_at(json_array_get(json_object_get(r, "remediations"), 0),
                               "category"),
                        "vendor_fix");
    assert_string_equal(str_at(json_array_get(json_object_get(r, "remediations"), 1),
                               "category"),
                        "workaround");
    collected_free(&c);
}

static void test_cve5_wrong_types_are_problems_with_paths(void **state)
{
    static const char doc[] = CVE_HEAD(
        "PUBLISHED") "\"containers\":{\"cna\":{\"providerMetadata\":7,\"title\":[1],"
                     "\"descriptions\":{\"lang\":\"en\"},\"affected\":[5,{\"vendor\":1,"
                     "\"product\":\"P\",\"cpes\":\"x\",\"versions\":[{\"version\":2,"
                     "\"status\":\"affected\"},{\"version\":\"1\",\"status\":3},"
                     "{\"version\":\"1\",\"status\":\"affected\",\"lessThan\":4,"
                     "\"changes\":[7,{\"at\":1}]}]}],\"metrics\":[{\"cvssV3_1\":{\"vectorString\":"
                     "\"CVSS:3.1/AV:X\",\"baseScore\":\"9\"}},{\"cvssV2_0\":[]}],"
                     "\"problemTypes\":[{\"descriptions\":[{\"cweId\":78}]},3],"
                     "\"references\":[{\"url\":5},\"x\"],\"solutions\":[{\"value\":1}]},"
                     "\"adp\":[1,{\"metrics\":7}]}}";
    const json_t *sc;
    collected c;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_cve5, doc, NULL, &c, &err), KZ_OK);
    assert_int_equal(json_array_size(c.records), 1);
    assert_true(has_problem(&c, "/containers/cna/affected/1/vendor", "string"));
    assert_true(has_problem(&c, "/containers/cna/affected/1/versions/0/version", "string"));
    assert_true(has_problem(&c, "/containers/cna/descriptions", "array"));
    assert_true(has_problem(&c, "/containers/adp/0", NULL));
    sc = json_array_get(json_object_get(json_array_get(c.records, 0), "scores"), 0);
    assert_true(json_is_null(json_object_get(sc, "base_score")));
    assert_non_null(str_at(sc, "problem"));
    collected_free(&c);

    assert_int_equal(run(kz_vuln_parse_cve5, "[1]", NULL, &c, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/"));
    collected_free(&c);
    assert_int_equal(run(kz_vuln_parse_cve5, "{\"dataVersion\":4}", NULL, &c, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/dataVersion"));
    collected_free(&c);
    assert_int_equal(run(kz_vuln_parse_cve5,
                         "{\"dataVersion\":\"5.0\",\"cveMetadata\":{\"cveId\":9}}", NULL, &c,
                         &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/cveMetadata/cveId"));
    collected_free(&c);
    assert_int_equal(run(kz_vuln_parse_cve5, CVE_HEAD("PUBLISHED") "\"containers\":{}}", NULL,
                         &c, &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/containers/cna"));
    collected_free(&c);
}

/* ---- KEV ------------------------------------------------------------------------------------ */

static void test_kev_real_catalogue_imports_every_entry_as_exploited(void **state)
{
    char dir[4096], path[4200];
    const json_t *r, *log4j = NULL;
    json_error_t je;
    json_t *doc;
    collected c;
    kz_err err;
    size_t i;

    (void)state;
    if (!kz_test_data_dir(dir, sizeof dir, "kev"))
        skip();
    snprintf(path, sizeof path, "%s/known_exploited_vulnerabilities.json", dir);
    doc = json_load_file(path, 0, &je);
    assert_non_null(doc);
    assert_int_equal(run(kz_vuln_parse_kev, NULL, path, &c, &err), KZ_OK);
    assert_int_equal(json_array_size(c.records),
                     json_integer_value(json_object_get(doc, "count")));
    assert_int_equal(json_array_size(c.records),
                     json_array_size(json_object_get(doc, "vulnerabilities")));
    json_array_foreach(c.records, i, r) {
        const json_t *x = json_object_get(r, "exploited");
        assert_true(json_is_true(json_object_get(x, "known")));
        assert_string_equal(str_at(json_object_get(r, "source"), "revision"),
                            "2025-08-25T17:04:19.979Z");
        if (strcmp(str_at(r, "id"), "CVE-2021-44228") == 0)
            log4j = r;
    }
    assert_non_null(log4j);
    assert_string_equal(str_at(json_object_get(log4j, "exploited"), "ransomware"), "Known");
    assert_string_equal(str_at(json_object_get(log4j, "exploited"), "date_added"), "2021-12-10");
    assert_string_equal(str_at(json_array_get(json_object_get(log4j, "affected"), 0),
                               "product"),
                        "Log4j2");
    assert_int_equal(json_array_size(json_object_get(json_array_get(
                         json_object_get(log4j, "affected"), 0), "versions")),
                     0);
    assert_int_equal(json_array_size(json_object_get(log4j, "cwes")), 3);
    assert_string_equal(str_at(json_array_get(json_object_get(log4j, "references"), 0), "url"),
                        "https://nvd.nist.gov/vuln/detail/CVE-2021-44228");
    printf("KEV: %zu records, %zu problems\n", json_array_size(c.records),
           json_array_size(c.problems));
    assert_int_equal(json_array_size(c.problems), 0);
    json_decref(doc);
    collected_free(&c);
}

static void test_kev_notes_urls_split_on_every_separator(void **state)
{
    static const char doc[] =
        "{\"dateReleased\":\"2025-01-01T00:00:00Z\",\"count\":1,\"vulnerabilities\":[{"
        "\"cveID\":\"CVE-2099-0002\",\"vendorProject\":\"V\",\"product\":\"P\","
        "\"notes\":\"See: https://a.example/x ; https://b.example/y;https://c.example/z, "
        "https://d.example/w. N/A\"}]}";
    const json_t *refs;
    collected c;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_kev, doc, NULL, &c, &err), KZ_OK);
    refs = json_object_get(json_array_get(c.records, 0), "references");
    assert_int_equal(json_array_size(refs), 4);
    assert_string_equal(str_at(json_array_get(refs, 1), "url"), "https://b.example/y");
    assert_string_equal(str_at(json_array_get(refs, 3), "url"), "https://d.example/w");
    collected_free(&c);
}

static void test_kev_wrong_types_are_problems_with_paths(void **state)
{
    static const char doc[] =
        "{\"dateReleased\":\"2025-01-01T00:00:00Z\",\"count\":\"3\",\"vulnerabilities\":[7,"
        "{\"cveID\":5},{\"cveID\":\"CVE-2099-0003\",\"product\":[],\"vendorProject\":\"V\","
        "\"cwes\":[\"CWE-x\",1,\"CWE-79\"],\"notes\":{},\"knownRansomwareCampaignUse\":true}]}";
    collected c;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_kev, doc, NULL, &c, &err), KZ_OK);
    assert_int_equal(json_array_size(c.records), 1);
    assert_true(has_problem(&c, "/count", NULL));
    assert_true(has_problem(&c, "/vulnerabilities/0", "object"));
    assert_true(has_problem(&c, "/vulnerabilities/1/cveID", "string"));
    assert_true(has_problem(&c, "/vulnerabilities/2/cwes/0", "CWE"));
    assert_true(has_problem(&c, "/vulnerabilities/2/knownRansomwareCampaignUse", "string"));
    collected_free(&c);
    assert_int_equal(run(kz_vuln_parse_kev, "{\"vulnerabilities\":{}}", NULL, &c, &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/vulnerabilities"));
    collected_free(&c);
    assert_int_equal(run(kz_vuln_parse_kev, "{\"vulnerabilities\":[],\"dateReleased\":1}", NULL,
                         &c, &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/dateReleased"));
    collected_free(&c);
}

/* ---- OSV ------------------------------------------------------------------------------------ */

static void test_osv_npm_semver_range_and_single_cve_alias(void **state)
{
    static const char doc[] =
        "{\"schema_version\":\"1.6.0\",\"id\":\"GHSA-aaaa-bbbb-cccc\",\"modified\":"
        "\"2024-05-01T10:00:00Z\",\"published\":\"2024-04-01T00:00:00Z\",\"aliases\":"
        "[\"CVE-2024-0001\"],\"related\":[\"CVE-2023-9999\"],\"summary\":\"Prototype pollution\","
        "\"details\":\"Long text.\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
        "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"},{\"type\":\"Ubuntu\",\"score\":"
        "\"high\"}],\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"@acme/lib\"},"
        "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":"
        "\"1.2.3\"},{\"introduced\":\"2.0.0\"},{\"fixed\":\"2.0.1\"}]}],\"database_specific\":"
        "{\"x\":1}}],\"references\":[{\"type\":\"ADVISORY\",\"url\":\"https://x.example/a\"}]}";
    const json_t *r, *a, *sc;
    collected c;
    kz_range range;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_osv, doc, NULL, &c, &err), KZ_OK);
    assert_int_equal(json_array_size(c.records), 1);
    r = json_array_get(c.records, 0);
    assert_string_equal(str_at(r, "id"), "CVE-2024-0001");
    assert_int_equal(json_array_size(json_object_get(r, "aliases")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "aliases"), 0)),
                        "GHSA-aaaa-bbbb-cccc");
    assert_string_equal(str_at(json_object_get(r, "source"), "document"), "GHSA-aaaa-bbbb-cccc");
    assert_string_equal(str_at(json_object_get(r, "source"), "revision"),
                        "2024-05-01T10:00:00.000Z");
    a = json_array_get(json_object_get(r, "affected"), 0);
    assert_string_equal(str_at(a, "product"), "@acme/lib");
    assert_string_equal(str_at(a, "purl"), "pkg:npm/%40acme/lib");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "vers:semver/<1.2.3");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 1)),
                        "vers:semver/>=2.0.0|<2.0.1");
    assert_string_equal(str_at(a, "fixed"), "2.0.1");
    assert_int_equal(kz_range_parse(kz_sv_c("vers:semver/>=2.0.0|<2.0.1"), &range, &err), KZ_OK);
    sc = json_array_get(json_object_get(r, "scores"), 0);
    assert_int_equal(json_array_size(json_object_get(r, "scores")), 1);
    assert_string_equal(str_at(sc, "version"), "3.1");
    assert_true(fabs(json_number_value(json_object_get(sc, "base_score")) - 9.8) < 1e-9);
    assert_string_equal(str_at(json_array_get(json_object_get(r, "references"), 0), "summary"),
                        "ADVISORY");
    collected_free(&c);
}

static void test_osv_pypi_last_affected_git_problem_and_two_cves(void **state)
{
    static const char doc[] =
        "[{\"id\":\"PYSEC-2024-1\",\"modified\":\"2024-01-01T00:00:00.123456Z\",\"aliases\":"
        "[\"CVE-2024-1111\",\"CVE-2024-2222\"],\"affected\":[{\"package\":{\"ecosystem\":"
        "\"PyPI\",\"name\":\"Django_Thing\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"
        "[{\"introduced\":\"1.0\"},{\"last_affected\":\"1.4.post1\"}]}]}]},"
        "{\"id\":\"OSV-2024-2\",\"modified\":\"2024-02-02T00:00:00Z\",\"affected\":[{"
        "\"package\":{\"ecosystem\":\"OSS-Fuzz\",\"name\":\"libfoo\"},\"ranges\":[{\"type\":"
        "\"GIT\",\"repo\":\"https://git.example/foo\",\"events\":[{\"introduced\":\"abc\"},"
        "{\"fixed\":\"def\"}]}],\"versions\":[\"1.0\",\"1.1\"]}]},"
        "{\"id\":\"OSV-2024-3\",\"modified\":\"2024-02-02T00:00:00Z\",\"withdrawn\":"
        "\"2024-03-01T00:00:00Z\"}]";
    const json_t *r, *a;
    collected c;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_osv, doc, NULL, &c, &err), KZ_OK);
    assert_int_equal(json_array_size(c.records), 2); /* the withdrawn one gives none */
    r = json_array_get(c.records, 0);
    assert_string_equal(str_at(r, "id"), "PYSEC-2024-1"); /* two CVEs: the OSV id stays */
    assert_int_equal(json_array_size(json_object_get(r, "aliases")), 3);
    assert_string_equal(str_at(r, "modified"), "2024-01-01T00:00:00.123Z");
    a = json_array_get(json_object_get(r, "affected"), 0);
    assert_string_equal(str_at(a, "purl"), "pkg:pypi/Django_Thing");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "vers:generic/>=1.0|<=1.4.post1");
    assert_null(json_object_get(a, "fixed"));
    r = json_array_get(c.records, 1);
    a = json_array_get(json_object_get(r, "affected"), 0);
    assert_null(json_object_get(a, "purl")); /* OSS-Fuzz has no purl type */
    assert_int_equal(json_array_size(json_object_get(a, "versions")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "versions"), 0)),
                        "vers:generic/1.0");
    assert_true(has_problem(&c, "/1/affected/0/ranges/0", "GIT"));
    assert_true(has_problem(&c, "/2/withdrawn", "withdrawn"));
    collected_free(&c);
}

static void test_osv_git_only_gives_empty_versions(void **state)
{
    static const char doc[] =
        "{\"id\":\"OSV-1\",\"modified\":\"2024-02-02T00:00:00Z\",\"affected\":[{\"package\":"
        "{\"ecosystem\":\"Go\",\"name\":\"github.com/acme/tool\"},\"ranges\":[{\"type\":\"GIT\","
        "\"events\":[{\"introduced\":\"0\"}]}]}]}";
    const json_t *a;
    collected c;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_osv, doc, NULL, &c, &err), KZ_OK);
    a = json_array_get(json_object_get(json_array_get(c.records, 0), "affected"), 0);
    assert_int_equal(json_array_size(json_object_get(a, "versions")), 0);
    assert_string_equal(str_at(a, "purl"), "pkg:golang/github.com/acme/tool");
    assert_true(has_problem(&c, "/affected/0/ranges/0", "GIT"));
    collected_free(&c);
}

static void test_osv_wrong_types_are_problems_with_paths(void **state)
{
    static const char doc[] =
        "[1,{\"id\":2},{\"id\":\"X-1\"},{\"id\":\"X-2\",\"modified\":\"2024-01-01T00:00:00Z\","
        "\"aliases\":[3,\"CVE-2024-3\"],\"summary\":4,\"severity\":[{\"type\":\"CVSS_V3\","
        "\"score\":5},7],\"affected\":[8,{\"package\":{\"ecosystem\":9,\"name\":\"n\","
        "\"purl\":\"nope\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":1},"
        "{\"fixed\":\"1.0.0\",\"introduced\":\"0\"},3]},5],\"versions\":{}}],"
        "\"references\":[{\"url\":[]}]}]";
    collected c;
    kz_err err;

    (void)state;
    assert_int_equal(run(kz_vuln_parse_osv, doc, NULL, &c, &err), KZ_OK);
    assert_int_equal(json_array_size(c.records), 1);
    assert_string_equal(str_at(json_array_get(c.records, 0), "id"), "CVE-2024-3");
    assert_true(has_problem(&c, "/0", "object"));
    assert_true(has_problem(&c, "/1/id", "string"));
    assert_true(has_problem(&c, "/2/modified", NULL));
    assert_true(has_problem(&c, "/3/aliases/0", NULL));
    assert_true(has_problem(&c, "/3/affected/1/package/purl", "purl"));
    assert_true(has_problem(&c, "/3/affected/1/ranges/0/events/1", "exactly one"));
    assert_true(has_problem(&c, "/3/references/0/url", "string"));
    collected_free(&c);
    assert_int_equal(run(kz_vuln_parse_osv, "\"x\"", NULL, &c, &err), KZ_EINVAL);
    collected_free(&c);
    assert_int_equal(run(kz_vuln_parse_osv, "{\"id\":1}", NULL, &c, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/id"));
    collected_free(&c);
}

int main(void)
{
    const struct CMUnitTest cve_tests[] = {
        cmocka_unit_test(test_cve5_every_real_record_imports_as_one_record),
        cmocka_unit_test(test_cve5_tplink_prose_range_is_kept_and_na_vendor_omitted),
        cmocka_unit_test(test_cve5_fortinet_semver_ranges_cpes_and_temporal_score),
        cmocka_unit_test(test_cve5_hikvision_na_cna_gets_cisa_adp_score_and_cwe),
        cmocka_unit_test(test_cve5_zyxel_products_each_get_an_entry),
        cmocka_unit_test(test_cve5_timestamps_are_normalised),
        cmocka_unit_test(test_cve5_huawei_and_buffalo_keep_prose_versions),
        cmocka_unit_test(test_cve5_cisa_adp_scores_present),
        cmocka_unit_test(test_cve5_computed_scores_agree_except_the_fortinet_temporal_one),
        cmocka_unit_test(test_cve5_range_texts_are_mostly_understood),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cve5_rejected_record_gives_no_record),
        cmocka_unit_test(test_cve5_versions_changes_cpes_purl_and_default_status),
        cmocka_unit_test(test_cve5_wrong_types_are_problems_with_paths),
        cmocka_unit_test(test_kev_real_catalogue_imports_every_entry_as_exploited),
        cmocka_unit_test(test_kev_notes_urls_split_on_every_separator),
        cmocka_unit_test(test_kev_wrong_types_are_problems_with_paths),
        cmocka_unit_test(test_osv_npm_semver_range_and_single_cve_alias),
        cmocka_unit_test(test_osv_pypi_last_affected_git_problem_and_two_cves),
        cmocka_unit_test(test_osv_git_only_gives_empty_versions),
        cmocka_unit_test(test_osv_wrong_types_are_problems_with_paths),
    };
    char dir[4096];
    int failed;

    if (!kz_test_data_dir(dir, sizeof dir, "cve5") || !kz_test_data_dir(dir, sizeof dir, "kev")) {
        printf("KZ_SHARED_DATA has no cve5/ and kev/: skipped\n");
        return 77;
    }
    failed = cmocka_run_group_tests_name("cve5 real", cve_tests, cve_setup, cve_teardown);
    failed += cmocka_run_group_tests_name("feeds", tests, NULL, NULL);
    return failed;
}
