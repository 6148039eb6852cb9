/*
 * test_vuln_csaf.c - the CSAF 2.0 importer and the provider-folder walker: small hand-written
 * documents for each rule (branch walk, relationships, product groups, remediation refs and fix
 * versions, VEX statuses, bad dates, bad CPE and purl, missing CVE, CVSS checks), documents that
 * are not CSAF, three real CISA advisories checked by content, every one of the 1,970 advisories
 * in the shared data, and a provider folder with a ROLIE feed and a directory distribution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "kz_test.h"
#include "kizuna/vuln.h"

/* ---- a collecting sink ---------------------------------------------------------------------- */

typedef struct {
    json_t *recs;      /* every record handed over */
    json_t *problems;  /* ["where: msg", ...] */
    bool keep;         /* keep records (else count and drop them) */
    size_t records, affected, fixed, nproblems, bad_records, score_problems;
    char first_bad[KZ_ERR_MAX + 64];
} collector;

static kz_rc on_record(void *ctx, json_t *rec)
{
    collector *c = ctx;
    kz_err err;
    const json_t *s;
    size_t i;

    c->records++;
    c->affected += json_array_size(json_object_get(rec, "affected"));
    json_array_foreach(json_object_get(rec, "affected"), i, s) {
        if (json_object_get(s, "fixed") != NULL)
            c->fixed++;
    }
    if (kz_vuln_record_check(rec, &err) != KZ_OK) {
        if (c->bad_records++ == 0)
            snprintf(c->first_bad, sizeof c->first_bad, "%s: %s",
                     json_string_value(json_object_get(rec, "id")), err.msg);
    }
    json_array_foreach(json_object_get(rec, "scores"), i, s) {
        if (json_object_get(s, "problem") != NULL)
            c->score_problems++;
    }
    if (c->keep)
        json_array_append(c->recs, rec);
    json_decref(rec);
    return KZ_OK;
}

static void on_problem(void *ctx, const char *where, const char *msg)
{
    collector *c = ctx;
    char line[2048];

    c->nproblems++;
    if (c->keep || json_array_size(c->problems) < 200) {
        snprintf(line, sizeof line, "%s: %s", where, msg);
        json_array_append_new(c->problems, json_string(line));
    }
}

static void collector_init(collector *c, bool keep)
{
    memset(c, 0, sizeof *c);
    c->recs = json_array();
    c->problems = json_array();
    c->keep = keep;
}

static void collector_free(collector *c)
{
    json_decref(c->recs);
    json_decref(c->problems);
}

/* True if some problem message contains both needles (the second may be NULL). */
static bool has_problem(const collector *c, const char *a, const char *b)
{
    return kz_test_has_message(c->problems, a, b);
}

static void dump_problems(const collector *c)
{
    const json_t *p;
    size_t i;

    json_array_foreach(c->problems, i, p)
        fprintf(stderr, "  problem: %s\n", json_string_value(p));
}

/* Parses text as JSON and imports it; returns the result, records kept in c. */
static kz_rc import_text(const char *text, collector *c, kz_err *err)
{
    kz_vuln_sink sink = {on_record, on_problem, c};
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    kz_rc rc;

    if (doc == NULL)
        fail_msg("test JSON does not parse: %s (line %d)", je.text, je.line);
    rc = kz_vuln_parse_csaf(doc, "test.json", &sink, err);
    json_decref(doc);
    return rc;
}

/* Imports text, expects KZ_OK and every record valid. */
static void import_ok(const char *text, collector *c)
{
    kz_err err = {{0}};
    kz_rc rc = import_text(text, c, &err);

    if (rc != KZ_OK)
        fail_msg("import failed: %s: %s", kz_rc_str(rc), err.msg);
    if (c->bad_records != 0)
        fail_msg("record check failed: %s", c->first_bad);
}

static const json_t *rec_at(const collector *c, size_t i)
{
    assert_true(i < json_array_size(c->recs));
    return json_array_get(c->recs, i);
}

static const char *str_at(const json_t *o, const char *path)
{
    /* A tiny path reader: keys separated by '.', array indexes as numbers. */
    char key[128];
    const char *p = path;

    while (o != NULL && *p != '\0') {
        size_t n = strcspn(p, ".");
        char *end;
        long idx;
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        idx = strtol(key, &end, 10);
        o = (*end == '\0' && json_is_array(o)) ? json_array_get(o, (size_t)idx)
                                               : json_object_get(o, key);
        p += n;
        if (*p == '.')
            p++;
    }
    return json_string_value(o);
}

static void expect_str(const json_t *o, const char *path, const char *want)
{
    const char *got = str_at(o, path);

    if (want == NULL) {
        if (got != NULL)
            fail_msg("%s: expected absent, got \"%s\"", path, got);
        return;
    }
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s: expected \"%s\", got \"%s\"", path, want, got ? got : "(absent)");
}

/* ---- hand-written documents ----------------------------------------------------------------- */

#define DOC_HEAD(cat, extra)                                                                    \
    "{\"document\":{\"category\":\"" cat "\",\"csaf_version\":\"2.0\",\"lang\":\"en-US\","     \
    "\"title\":\"Doc title\",\"publisher\":{\"category\":\"vendor\",\"name\":\"ACME PSIRT\","   \
    "\"namespace\":\"https://acme.example\"},"                                                  \
    "\"references\":[{\"category\":\"external\",\"url\":\"https://x.example/ext\"},"            \
    "{\"category\":\"self\",\"summary\":\"this\",\"url\":\"https://acme.example/a-1.json\"}],"  \
    "\"tracking\":{\"id\":\"ACME-2024-001\",\"status\":\"final\",\"version\":\"2\","            \
    "\"initial_release_date\":\"2024-01-02T03:04:05+09:00\","                                  \
    "\"current_release_date\":\"2024-02-03T04:05:06.789123Z\"" extra "}},"

static const char branch_doc[] =
    DOC_HEAD("csaf_security_advisory", "")
    "\"product_tree\":{\"branches\":[{\"category\":\"vendor\",\"name\":\"ACME\",\"branches\":["
    " {\"category\":\"product_family\",\"name\":\"PLC\",\"branches\":["
    "  {\"category\":\"product_name\",\"name\":\"X100\",\"branches\":["
    "   {\"category\":\"product_version_range\",\"name\":\"vers:generic/<2.9.2\","
    "    \"product\":{\"name\":\"ACME PLC X100 < 2.9.2\",\"product_id\":\"P1\","
    "     \"product_identification_helper\":{\"cpe\":\"cpe:2.3:h:acme:x100:*:*:*:*:*:*:*:*\"}}},"
    "   {\"category\":\"product_version\",\"name\":\"2.9.2\","
    "    \"product\":{\"name\":\"ACME PLC X100 2.9.2\",\"product_id\":\"P2\"}}]}]},"
    " {\"category\":\"product_name\",\"name\":\"Gateway\","
    "  \"product\":{\"name\":\"ACME Gateway\",\"product_id\":\"P3\","
    "   \"product_identification_helper\":{\"cpe\":\"not a cpe\","
    "    \"purl\":\"pkg:generic/acme/gateway@1.0\"}}}]}],"
    " \"full_product_names\":[{\"name\":\"Loose product\",\"product_id\":\"P4\","
    "   \"product_identification_helper\":{\"purl\":\"pkg:\"}}]},"
    "\"vulnerabilities\":[{\"cve\":\"CVE-2024-0001\",\"title\":\"Overflow\","
    " \"ids\":[{\"system_name\":\"ACME\",\"text\":\"ACME-BUG-1\"},"
    "        {\"system_name\":\"dup\",\"text\":\"CVE-2024-0001\"}],"
    " \"cwe\":{\"id\":\"CWE-787\",\"name\":\"Out-of-bounds Write\"},"
    " \"notes\":[{\"category\":\"summary\",\"text\":\"short\"},"
    "   {\"category\":\"description\",\"text\":\" first \"},"
    "   {\"category\":\"description\",\"text\":\"second\"}],"
    " \"product_status\":{\"known_affected\":[\"P1\",\"P3\",\"P4\",\"NOPE\"],\"fixed\":[\"P2\"]},"
    " \"scores\":[{\"products\":[\"P1\"],\"cvss_v3\":{\"version\":\"3.1\",\"baseScore\":9.8,"
    "   \"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}},"
    "  {\"products\":[\"P1\"],\"cvss_v2\":{\"version\":\"2.0\",\"baseScore\":5.0,"
    "   \"vectorString\":\"AV:N/AC:L/Au:N/C:P/I:P/A:P\"}},"
    "  {\"products\":[\"P1\"],\"cvss_v3\":{\"version\":\"3.1\",\"baseScore\":9.8,"
    "   \"vectorString\":\"CVSS:3.1/AV:X\"}}],"
    " \"remediations\":[{\"category\":\"vendor_fix\",\"details\":\"Update to V3.0.1 or later.\","
    "   \"url\":\"https://acme.example/dl\",\"product_ids\":[\"P3\",\"P3\"]},"
    "  {\"category\":\"optional_patch\",\"details\":\"x\",\"product_ids\":[\"P1\"]}],"
    " \"references\":[{\"category\":\"external\",\"url\":\"https://nvd.example/CVE-2024-0001\"}]"
    "}]}";

static void test_csaf_branch_walk_gives_vendor_product_and_versions(void **state)
{
    collector c;
    const json_t *r;

    (void)state;
    collector_init(&c, true);
    import_ok(branch_doc, &c);
    assert_int_equal(c.records, 1);
    r = rec_at(&c, 0);
    expect_str(r, "id", "CVE-2024-0001");
    assert_int_equal(json_array_size(json_object_get(r, "aliases")), 3);
    expect_str(r, "aliases.1", "ACME-2024-001");
    expect_str(r, "aliases.2", "ACME-BUG-1");
    expect_str(r, "source.kind", "csaf");
    expect_str(r, "source.document", "ACME-2024-001");
    expect_str(r, "source.revision", "2024-02-03T04:05:06.789Z");
    expect_str(r, "source.publisher", "ACME PSIRT");
    expect_str(r, "source.url", "https://acme.example/a-1.json");
    expect_str(r, "source.file", "test.json");
    /* +09:00 is converted to UTC. */
    expect_str(r, "published", "2024-01-01T18:04:05.000Z");
    expect_str(r, "modified", "2024-02-03T04:05:06.789Z");
    expect_str(r, "text.en.title", "Overflow");
    expect_str(r, "text.en.description", "first\n\nsecond");
    expect_str(r, "cwes.0.id", "CWE-787");
    expect_str(r, "cwes.0.name", "Out-of-bounds Write");
    /* P1: family in front of the product name, the range as written, the CPE kept. */
    expect_str(r, "affected.0.vendor", "ACME");
    expect_str(r, "affected.0.product", "PLC X100");
    expect_str(r, "affected.0.versions.0", "vers:generic/<2.9.2");
    expect_str(r, "affected.0.cpe", "cpe:2.3:h:acme:x100:*:*:*:*:*:*:*:*");
    expect_str(r, "affected.0.status", "affected");
    expect_str(r, "affected.0.ref", "P1");
    /* The fixed list names exactly one exact version of the same product. */
    expect_str(r, "affected.0.fixed", "2.9.2");
    /* P3: the bad CPE is left out, the purl kept, the remediation gives the fix version. */
    expect_str(r, "affected.1.product", "Gateway");
    expect_str(r, "affected.1.cpe", NULL);
    expect_str(r, "affected.1.purl", "pkg:generic/acme/gateway@1.0");
    expect_str(r, "affected.1.fixed", "V3.0.1");
    assert_int_equal(json_array_size(json_object_get(json_array_get(
                         json_object_get(r, "affected"), 1), "versions")), 0);
    /* P4: a full product name, no vendor, its invalid purl left out. */
    expect_str(r, "affected.2.product", "Loose product");
    expect_str(r, "affected.2.vendor", NULL);
    expect_str(r, "affected.2.purl", NULL);
    /* the fixed product itself, then nothing for the unknown id */
    expect_str(r, "affected.3.status", "fixed");
    expect_str(r, "affected.3.versions.0", "2.9.2");
    assert_int_equal(json_array_size(json_object_get(r, "affected")), 4);
    assert_true(has_problem(&c, "/product_status/known_affected/3", "NOPE"));
    assert_true(has_problem(&c, "/branches/0/branches/1/product/product_identification_helper/cpe",
                            "invalid CPE"));
    assert_true(has_problem(&c, "/full_product_names/0/product_identification_helper/purl",
                            "invalid purl"));
    /* Remediations: refs without repeats, unknown category left out as a problem. */
    assert_int_equal(json_array_size(json_object_get(r, "remediations")), 1);
    expect_str(r, "remediations.0.category", "vendor_fix");
    expect_str(r, "remediations.0.text", "Update to V3.0.1 or later.");
    expect_str(r, "remediations.0.fixed", "V3.0.1");
    expect_str(r, "remediations.0.lang", "en");
    expect_str(r, "remediations.0.url", "https://acme.example/dl");
    expect_str(r, "remediations.0.refs.0", "P3");
    assert_int_equal(json_array_size(json_object_get(json_array_get(
                         json_object_get(r, "remediations"), 0), "refs")), 1);
    assert_true(has_problem(&c, "/vulnerabilities/0/remediations/1/category", "optional_patch"));
    /* Scores: computed, severity, and an unreadable vector kept with base_score null. */
    assert_int_equal(json_array_size(json_object_get(r, "scores")), 3);
    expect_str(r, "scores.0.version", "3.1");
    expect_str(r, "scores.0.severity", "CRITICAL");
    assert_true(json_real_value(json_object_get(
                    json_array_get(json_object_get(r, "scores"), 0), "base_score")) == 9.8);
    expect_str(r, "scores.0.problem", NULL);
    expect_str(r, "scores.1.version", "2.0");
    /* NVD's v2 score of AV:N/AC:L/Au:N/C:P/I:P/A:P is 7.5: the published 5.0 is a problem. */
    assert_non_null(str_at(r, "scores.1.problem"));
    assert_true(json_is_null(json_object_get(
        json_array_get(json_object_get(r, "scores"), 2), "base_score")));
    assert_non_null(str_at(r, "scores.2.problem"));
    /* References: the document's, then the vulnerability's. */
    assert_int_equal(json_array_size(json_object_get(r, "references")), 3);
    expect_str(r, "references.1.summary", "this");
    expect_str(r, "references.2.url", "https://nvd.example/CVE-2024-0001");
    collector_free(&c);
}

static const char rel_doc[] =
    DOC_HEAD("csaf_security_advisory", "")
    "\"product_tree\":{\"branches\":[{\"category\":\"vendor\",\"name\":\"Mobo\",\"branches\":["
    " {\"category\":\"product_name\",\"name\":\"Cam\",\"product\":{\"name\":\"Mobo Cam\","
    "   \"product_id\":\"HW\"}},"
    " {\"category\":\"product_name\",\"name\":\"Cam Firmware\",\"branches\":["
    "  {\"category\":\"product_version\",\"name\":\"MX-V4.0\",\"product\":{"
    "   \"name\":\"Mobo Cam Firmware MX-V4.0\",\"product_id\":\"FW\"}}]}]}],"
    " \"relationships\":[{\"category\":\"installed_on\",\"product_reference\":\"FW\","
    "   \"relates_to_product_reference\":\"HW\",\"full_product_name\":{"
    "   \"name\":\"Mobo Cam Firmware MX-V4.0 installed on Mobo Cam\",\"product_id\":\"R1\"}},"
    "  {\"category\":\"installed_on\",\"product_reference\":\"GHOST\","
    "   \"relates_to_product_reference\":\"HW\",\"full_product_name\":{"
    "   \"name\":\"ghost\",\"product_id\":\"R2\"}}],"
    " \"product_groups\":[{\"group_id\":\"G1\",\"product_ids\":[\"R1\",\"HW\"]}]},"
    "\"vulnerabilities\":[{\"notes\":[{\"category\":\"summary\",\"text\":\"sum\"}],"
    " \"product_status\":{\"known_affected\":[\"R1\",\"R2\"]},"
    " \"remediations\":[{\"category\":\"mitigation\",\"details\":\"Firewall it.\","
    "   \"group_ids\":[\"G1\",\"G404\"],\"product_ids\":[\"HW\"]}]},"
    " {\"cve\":\"CVE-2024-12\",\"product_status\":{}}]}";

static void test_csaf_relationships_groups_and_missing_cve(void **state)
{
    collector c;
    const json_t *r;

    (void)state;
    collector_init(&c, true);
    import_ok(rel_doc, &c);
    assert_int_equal(c.records, 2);
    r = rec_at(&c, 0);
    /* No CVE: the document's id and the index. */
    expect_str(r, "id", "ACME-2024-001#0");
    expect_str(r, "aliases.1", "ACME-2024-001");
    expect_str(r, "text.en.title", "Doc title");
    expect_str(r, "text.en.description", "sum");
    /* The relationship resolves to its component (the firmware and its version). */
    assert_int_equal(json_array_size(json_object_get(r, "affected")), 1);
    expect_str(r, "affected.0.vendor", "Mobo");
    expect_str(r, "affected.0.product", "Cam Firmware");
    expect_str(r, "affected.0.versions.0", "MX-V4.0");
    expect_str(r, "affected.0.ref", "R1");
    assert_true(has_problem(&c, "/product_status/known_affected/1", "\"R2\""));
    /* Group members expand into refs, without repeating HW. */
    expect_str(r, "remediations.0.refs.0", "HW");
    expect_str(r, "remediations.0.refs.1", "R1");
    assert_int_equal(json_array_size(json_object_get(json_array_get(
                         json_object_get(r, "remediations"), 0), "refs")), 2);
    assert_true(has_problem(&c, "/remediations/0/group_ids/1", "G404"));
    /* A malformed CVE id is a problem and the document's id is used. */
    r = rec_at(&c, 1);
    expect_str(r, "id", "ACME-2024-001#1");
    assert_true(has_problem(&c, "/vulnerabilities/1/cve", "CVE-2024-12"));
    collector_free(&c);
}

static const char vex_doc[] =
    "{\"document\":{\"category\":\"csaf_vex\",\"csaf_version\":\"2.0\",\"lang\":\"ja-JP\","
    "\"title\":\"VEX\",\"publisher\":{\"category\":\"vendor\",\"name\":\"Nihon\"},"
    "\"tracking\":{\"id\":\"VEX-1\",\"initial_release_date\":\"yesterday\","
    "\"current_release_date\":\"2024-03-01T10:00:00-05:30\"}},"
    "\"product_tree\":{\"full_product_names\":["
    " {\"name\":\"Router A\",\"product_id\":\"A\"},{\"name\":\"Router B\",\"product_id\":\"B\"},"
    " {\"name\":\"Router C\",\"product_id\":\"C\"}]},"
    "\"vulnerabilities\":[{\"cve\":\"CVE-2023-44487\",\"product_status\":{"
    " \"known_not_affected\":[\"A\"],\"under_investigation\":[\"B\"],\"first_fixed\":[\"C\"],"
    " \"recommended\":[\"C\"]},"
    " \"threats\":[{\"category\":\"exploit_status\",\"details\":\"seen\"}],"
    " \"flags\":[{\"label\":\"component_not_present\",\"product_ids\":[\"A\"]}]}]}";

static void test_csaf_vex_statuses_language_and_bad_dates(void **state)
{
    collector c;
    const json_t *r;

    (void)state;
    collector_init(&c, true);
    import_ok(vex_doc, &c);
    assert_int_equal(c.records, 1);
    r = rec_at(&c, 0);
    expect_str(r, "affected.0.status", "not_affected");
    expect_str(r, "affected.0.product", "Router A");
    expect_str(r, "affected.1.status", "fixed");
    expect_str(r, "affected.2.status", "under_investigation");
    assert_int_equal(json_array_size(json_object_get(r, "affected")), 3);
    expect_str(r, "text.ja.title", "VEX");
    /* -05:30 is converted; the unreadable initial date is a problem and left out. */
    expect_str(r, "source.revision", "2024-03-01T15:30:00.000Z");
    expect_str(r, "published", NULL);
    assert_true(has_problem(&c, "/document/tracking/initial_release_date", "yesterday"));
    /* Threats never set "exploited": that comes from KEV. */
    assert_null(json_object_get(r, "exploited"));
    collector_free(&c);
}

static void test_csaf_advisory_without_vulnerabilities_gives_no_record(void **state)
{
    collector c;

    (void)state;
    collector_init(&c, true);
    import_ok("{\"document\":{\"category\":\"csaf_informational_advisory\","
              "\"csaf_version\":\"2.0\",\"title\":\"t\",\"tracking\":{\"id\":\"I-1\","
              "\"current_release_date\":\"2024-01-01T00:00:00Z\"}}}",
              &c);
    assert_int_equal(c.records, 0);
    import_ok("{\"document\":{\"category\":\"my_own_base\",\"csaf_version\":\"2.0\","
              "\"tracking\":{\"id\":\"B-1\",\"current_release_date\":\"2024-01-01T00:00:00Z\"}},"
              "\"vulnerabilities\":[]}",
              &c);
    assert_int_equal(c.records, 0);
    collector_free(&c);
}

static void expect_einval(const char *text, const char *msg)
{
    collector c;
    kz_err err = {{0}};

    collector_init(&c, true);
    assert_int_equal(import_text(text, &c, &err), KZ_EINVAL);
    if (strstr(err.msg, msg) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
    assert_int_equal(c.records, 0);
    collector_free(&c);
}

static void test_csaf_not_csaf_is_einval_with_path(void **state)
{
    (void)state;
    expect_einval("[]", "test.json: /:");
    expect_einval("{\"vulnerabilities\":[]}", "/document");
    expect_einval("{\"document\":{\"csaf_version\":\"2.0\"}}", "/document/category");
    expect_einval("{\"document\":{\"category\":\"csaf_vex\",\"csaf_version\":\"1.2\"}}",
                  "/document/csaf_version");
    expect_einval("{\"document\":{\"category\":\"csaf_vex\",\"csaf_version\":2}}",
                  "/document/csaf_version");
    expect_einval("{\"document\":{\"category\":\"csaf_vex\",\"csaf_version\":\"2.0\","
                  "\"tracking\":{\"current_release_date\":\"2024-01-01T00:00:00Z\"}}}",
                  "/document/tracking/id");
    expect_einval("{\"document\":{\"category\":\"csaf_vex\",\"csaf_version\":\"2.0\","
                  "\"tracking\":{\"id\":\"X\",\"current_release_date\":\"2024-13-01\"}}}",
                  "/document/tracking/current_release_date");
}

static void test_csaf_wrong_types_never_crash(void **state)
{
    static const char *const docs[] = {
        DOC_HEAD("csaf_vex", "") "\"product_tree\":[],\"vulnerabilities\":{}}",
        DOC_HEAD("csaf_vex", "") "\"product_tree\":{\"branches\":{},\"full_product_names\":[1,"
                                 "{\"product_id\":3}],\"relationships\":[null],"
                                 "\"product_groups\":[{}]},\"vulnerabilities\":[1,{\"cve\":5,"
                                 "\"cwe\":\"x\",\"notes\":{},\"product_status\":{\"fixed\":[1]},"
                                 "\"scores\":[{\"cvss_v3\":[]},{\"cvss_v3\":{\"vectorString\":1}}],"
                                 "\"remediations\":[{\"category\":3,\"product_ids\":[null]}],"
                                 "\"ids\":[{\"text\":[]}],\"references\":[{\"url\":7}]}]}",
    };
    collector c;

    (void)state;
    collector_init(&c, true);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        import_ok(docs[i], &c);
    assert_int_equal(c.records, 1);
    assert_true(c.nproblems > 3);
    collector_free(&c);
}

/* Builds branches nested depth levels deep, with a product at the bottom. */
static void test_csaf_branch_depth_is_capped(void **state)
{
    kz_buf b;
    collector c;

    (void)state;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_buf_puts(&b, DOC_HEAD("csaf_vex", "") "\"product_tree\":{\"branches\":"),
                     KZ_OK);
    for (int i = 0; i < 40; i++)
        assert_int_equal(kz_buf_puts(&b, "[{\"category\":\"vendor\",\"name\":\"v\",\"branches\":"),
                         KZ_OK);
    assert_int_equal(kz_buf_puts(&b, "[]"), KZ_OK);
    for (int i = 0; i < 40; i++)
        assert_int_equal(kz_buf_puts(&b, "}]"), KZ_OK);
    assert_int_equal(kz_buf_puts(&b, "}}"), KZ_OK);
    collector_init(&c, true);
    import_ok(b.p, &c);
    assert_true(has_problem(&c, "/product_tree/branches/0/branches/0", "deeper than 32"));
    collector_free(&c);
    kz_buf_free(&b);
}

static kz_rc refuse(void *ctx, json_t *rec)
{
    (void)ctx;
    json_decref(rec);
    return KZ_EDB;
}

static void test_csaf_sink_failure_stops_the_import(void **state)
{
    kz_vuln_sink sink = {refuse, NULL, NULL};
    json_t *doc = json_loads(branch_doc, 0, NULL);
    kz_err err = {{0}};

    (void)state;
    assert_non_null(doc);
    assert_int_equal(kz_vuln_parse_csaf(doc, "t.json", &sink, &err), KZ_EDB);
    assert_non_null(strstr(err.msg, "/vulnerabilities/0"));
    json_decref(doc);
}

/* ---- real advisories ------------------------------------------------------------------------ */

/* Imports one file of the shared data; skips the test when the data is absent. */
static void import_real(const char *rel, collector *c)
{
    char dir[4096], path[4200];
    kz_vuln_sink sink = {on_record, on_problem, c};
    json_error_t je;
    json_t *doc;
    kz_err err = {{0}};

    if (!kz_test_data_dir(dir, sizeof dir, "csaf-ics"))
        skip();
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    if ((doc = json_load_file(path, 0, &je)) == NULL)
        fail_msg("%s: %s", path, je.text);
    if (kz_vuln_parse_csaf(doc, path, &sink, &err) != KZ_OK)
        fail_msg("%s", err.msg);
    json_decref(doc);
    assert_int_equal(c->bad_records, 0);
}

/* The first record whose id is cve. */
static const json_t *find_rec(const collector *c, const char *cve)
{
    const json_t *r;
    size_t i;

    json_array_foreach(c->recs, i, r) {
        if (strcmp(json_string_value(json_object_get(r, "id")), cve) == 0)
            return r;
    }
    fail_msg("no record %s", cve);
    return NULL;
}

/* The first affected entry of r with this product text. */
static const json_t *find_affected(const json_t *r, const char *product)
{
    const json_t *a;
    size_t i;

    json_array_foreach(json_object_get(r, "affected"), i, a) {
        const char *p = json_string_value(json_object_get(a, "product"));
        if (p != NULL && strcmp(p, product) == 0)
            return a;
    }
    fail_msg("no affected product \"%s\"", product);
    return NULL;
}

/* True if some remediation of r has text containing needle. */
static bool has_remediation(const json_t *r, const char *category, const char *needle)
{
    const json_t *m;
    size_t i;

    json_array_foreach(json_object_get(r, "remediations"), i, m) {
        const char *t = json_string_value(json_object_get(m, "text"));
        if (strcmp(json_string_value(json_object_get(m, "category")), category) == 0 &&
            t != NULL && strstr(t, needle) != NULL)
            return true;
    }
    return false;
}

static void test_csaf_real_advisories_by_content(void **state)
{
    collector c;
    const json_t *r, *a;

    (void)state;
    collector_init(&c, true);
    /* Mobotix cameras: the firmware installed on each camera model. */
    import_real("2024/icsa-24-235-03.json", &c);
    r = find_rec(&c, "CVE-2023-34873");
    expect_str(r, "source.document", "ICSA-24-235-03");
    expect_str(r, "source.revision", "2024-08-22T10:00:00.000Z");
    expect_str(r, "cwes.0.id", "CWE-146");
    assert_true(has_remediation(r, "vendor_fix", "MX-V4.7.2.18 or later"));
    collector_free(&c);
    collector_init(&c, true);
    /* Cambium: one exact firmware version, and only a mitigation. */
    import_real("2023/icsa-23-348-01.json", &c);
    r = find_rec(&c, "CVE-2023-6691");
    a = find_affected(r, "ePMP Force 300-25");
    expect_str(a, "vendor", "Cambium");
    expect_str(a, "versions.0", "4.7.0.1");
    expect_str(a, "status", "affected");
    assert_true(has_remediation(r, "mitigation", "Cambium has not responded"));
    collector_free(&c);
    collector_init(&c, true);
    /* Siemens OpenSSL: a range, and "Update to V7.1 or later version" gives the fix. */
    import_real("2022/icsa-22-104-05.json", &c);
    r = find_rec(&c, "CVE-2021-3449");
    a = find_affected(r, "RUGGEDCOM RM1224 LTE(4G) EU (6GK6108-4AM00-2BA2)");
    expect_str(a, "vendor", "Siemens");
    expect_str(a, "versions.0", ">= V6.2 < V7.1");
    expect_str(a, "fixed", "V7.1");
    expect_str(a, "ref", "CSAFPID-0002");
    assert_true(has_remediation(r, "vendor_fix", "Update to V7.1 or later version"));
    collector_free(&c);
}

/* What the whole corpus gave. */
typedef struct {
    collector c;
    size_t files, failed;
    char failures[4096];
} corpus_run;

static void corpus_file(const char *path, void *arg)
{
    corpus_run *run = arg;
    kz_vuln_sink sink = {on_record, on_problem, &run->c};
    json_error_t je;
    json_t *doc;
    kz_err err = {{0}};
    size_t n = strlen(run->failures);

    if (strstr(path, "provider-metadata") != NULL)
        return;
    run->files++;
    if ((doc = json_load_file(path, 0, &je)) == NULL) {
        run->failed++;
        snprintf(run->failures + n, sizeof run->failures - n, "%s: %s\n", path, je.text);
        return;
    }
    if (kz_vuln_parse_csaf(doc, path, &sink, &err) != KZ_OK) {
        run->failed++;
        snprintf(run->failures + n, sizeof run->failures - n, "%s\n", err.msg);
    }
    json_decref(doc);
}

static void test_csaf_every_real_advisory_imports(void **state)
{
    static corpus_run run;
    char dir[4096];
    struct timespec t0, t1;

    (void)state;
    if (!kz_test_data_dir(dir, sizeof dir, "csaf-ics"))
        skip();
    collector_init(&run.c, false);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    kz_test_walk_json(dir, corpus_file, &run);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("csaf-ics: %zu files, %zu failed, %zu records, %zu affected (%zu with fixed), "
           "%zu problems, %zu score problems, %.2f s\n",
           run.files, run.failed, run.c.records, run.c.affected, run.c.fixed, run.c.nproblems,
           run.c.score_problems,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    dump_problems(&run.c);
    if (run.failed != 0)
        fail_msg("%s", run.failures);
    if (run.c.bad_records != 0)
        fail_msg("%zu records fail the check; first: %s", run.c.bad_records, run.c.first_bad);
    assert_int_equal(run.files, 1970);
    assert_true(run.c.records >= 6000);
    /* Every real advisory is clean: no unknown product ids, CPEs, dates or categories, and
     * every published CVSS base score agrees with the one computed from its vector. */
    assert_int_equal(run.c.nproblems, 0);
    assert_int_equal(run.c.score_problems, 0);
    collector_free(&run.c);
}

/* ---- provider folders ----------------------------------------------------------------------- */

#define BASE_URL "https://acme.example/.well-known/csaf/"

static char tmp_root[256];
static char made[32][512]; /* created paths, removed in reverse order */
static size_t nmade;

/* Creates root/rel as a folder (content NULL) or a file with content. */
static void make(const char *rel, const char *content)
{
    char *path = made[nmade++];
    FILE *f;

    assert_true(nmade <= 32);
    snprintf(path, 512, "%s/%s", tmp_root, rel);
    if (content == NULL) {
        assert_int_equal(mkdir(path, 0700), 0);
        return;
    }
    assert_non_null(f = fopen(path, "w"));
    fputs(content, f);
    fclose(f);
}

static void remove_made(void)
{
    while (nmade > 0) {
        const char *path = made[--nmade];
        if (remove(path) != 0)
            fprintf(stderr, "cannot remove %s\n", path);
    }
    rmdir(tmp_root);
}

typedef struct {
    char got[16][512];
    size_t n;
    size_t stop_after; /* 0: never */
} seen_paths;

static kz_rc on_path(void *ctx, const char *path)
{
    seen_paths *sp = ctx;

    if (sp->n < 16)
        snprintf(sp->got[sp->n], sizeof sp->got[0], "%s", path + strlen(tmp_root));
    sp->n++;
    return sp->stop_after != 0 && sp->n >= sp->stop_after ? KZ_EDB : KZ_OK;
}

static const char feed_json[] =
    "{\"feed\":{\"id\":\"acme-white\",\"title\":\"ACME\",\"entry\":["
    "{\"id\":\"a-1\",\"updated\":\"2024-01-01T00:00:00Z\","
    " \"content\":{\"type\":\"application/json\",\"src\":\"" BASE_URL "white/2024/a-1.json\"}},"
    "{\"id\":\"a-2\",\"updated\":\"2024-03-01T09:00:00+09:00\","
    " \"content\":{\"src\":\"" BASE_URL "white/2024/a-2.json\"}},"
    "{\"id\":\"gone\",\"updated\":\"2024-02-01T00:00:00Z\","
    " \"content\":{\"src\":\"" BASE_URL "white/2024/gone.json\"}},"
    "{\"id\":\"evil\",\"updated\":\"2020-01-01T00:00:00Z\","
    " \"content\":{\"src\":\"" BASE_URL "white/../../../etc/passwd\"}},"
    "{\"id\":\"b-1\",\"updated\":\"2023-06-01T00:00:00Z\",\"link\":["
    " {\"rel\":\"hash\",\"href\":\"" BASE_URL "white/2023/b-1.json.sha256\"},"
    " {\"rel\":\"self\",\"href\":\"" BASE_URL "white/2023/b-1.json\"}]}]}}";

static void test_csaf_provider_follows_feeds_and_directories_locally(void **state)
{
    static const char *const want[] = {"/white/2024/a-2.json", "/white/2024/a-1.json",
                                        "/white/2023/b-1.json", "/white/2023/b-2.json",
                                        "/white/2022/c.json"};
    char meta[600];
    seen_paths sp = {0};
    collector c;
    kz_vuln_sink sink = {on_record, on_problem, &c};
    kz_err err = {{0}};
    kz_rc rc;

    (void)state;
    snprintf(tmp_root, sizeof tmp_root, "%s/kz-csaf-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(tmp_root));
    make("provider-metadata.json",
         "{\"canonical_url\":\"" BASE_URL "provider-metadata.json\",\"role\":\"csaf_provider\","
         "\"distributions\":[{\"directory_url\":\"" BASE_URL "white/\",\"rolie\":{\"feeds\":["
         " {\"tlp_label\":\"WHITE\",\"url\":\"" BASE_URL "white/acme-feed-tlp-white.json\"},"
         " {\"tlp_label\":\"GREEN\",\"url\":\"" BASE_URL "green/missing-feed.json\"}]}},"
         " {\"directory_url\":\"https://elsewhere.example/csaf/\"}]}");
    make("white", NULL);
    make("white/acme-feed-tlp-white.json", feed_json);
    make("white/2022", NULL);
    make("white/2023", NULL);
    make("white/2024", NULL);
    make("white/2022/c.json", "{}");
    make("white/2023/b-1.json", "{}");
    make("white/2023/b-1.json.sha256", "x");
    make("white/2023/b-2.json", "{}");
    make("white/2024/a-1.json", "{}");
    make("white/2024/a-1.json.sha512", "x");
    make("white/2024/a-1.json.asc", "x");
    make("white/2024/a-2.json", "{}");
    snprintf(meta, sizeof meta, "%s/provider-metadata.json", tmp_root);
    collector_init(&c, true);
    rc = kz_vuln_csaf_provider(meta, NULL, on_path, &sink, &sp, &err);
    if (rc != KZ_OK)
        fail_msg("%s", err.msg);
    if (sp.n != 5) {
        for (size_t i = 0; i < sp.n && i < 16; i++)
            fprintf(stderr, "  got %s\n", sp.got[i]);
        fail_msg("expected 5 advisories, got %zu", sp.n);
    }
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(sp.got[i], want[i]);
    assert_true(has_problem(&c, "/feed/entry/2", "gone.json\" is missing"));
    assert_true(has_problem(&c, "/feed/entry/3", "leaves the provider's folder"));
    assert_true(has_problem(&c, "/rolie/feeds/1/url", "feed file is missing"));
    assert_true(has_problem(&c, "/distributions/1/directory_url", "not under the provider"));
    assert_int_equal(c.nproblems, 4);
    /* A callback failure stops the walk and is returned. */
    memset(&sp, 0, sizeof sp);
    sp.stop_after = 2;
    assert_int_equal(kz_vuln_csaf_provider(meta, NULL, on_path, NULL, &sp, &err), KZ_EDB);
    assert_int_equal(sp.n, 2);
    /* An advisory is not provider metadata. */
    snprintf(meta, sizeof meta, "%s/white/2022/c.json", tmp_root);
    assert_int_equal(kz_vuln_csaf_provider(meta, NULL, on_path, NULL, &sp, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/canonical_url"));
    snprintf(meta, sizeof meta, "%s/nothing-here.json", tmp_root);
    assert_int_equal(kz_vuln_csaf_provider(meta, NULL, on_path, NULL, &sp, &err), KZ_EIO);
    collector_free(&c);
    remove_made();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csaf_branch_walk_gives_vendor_product_and_versions),
        cmocka_unit_test(test_csaf_relationships_groups_and_missing_cve),
        cmocka_unit_test(test_csaf_vex_statuses_language_and_bad_dates),
        cmocka_unit_test(test_csaf_advisory_without_vulnerabilities_gives_no_record),
        cmocka_unit_test(test_csaf_not_csaf_is_einval_with_path),
        cmocka_unit_test(test_csaf_wrong_types_never_crash),
        cmocka_unit_test(test_csaf_branch_depth_is_capped),
        cmocka_unit_test(test_csaf_sink_failure_stops_the_import),
        cmocka_unit_test(test_csaf_real_advisories_by_content),
        cmocka_unit_test(test_csaf_every_real_advisory_imports),
        cmocka_unit_test(test_csaf_provider_follows_feeds_and_directories_locally),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
