/*
 * test_stix.c - STIX 2.1 validation: each rule with a failing and a passing case, checked by
 * the JSON path of the report and a key part of its message; deterministic SCO ids against
 * values computed independently; robustness against values of every wrong kind; and the real
 * MITRE ATT&CK bundles, which must validate without a single error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kizuna/stix.h"
#include "../../src/stix/validate_int.h"

/* ---- collecting reports ------------------------------------------------------------------ */

#define MAX_REPORTS 64

typedef struct {
    int n;
    struct {
        kz_stix_severity sev;
        char path[256];
        char msg[512];
    } r[MAX_REPORTS];
} reports;

static void collect(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    reports *rs = ctx;

    if (rs->n == MAX_REPORTS)
        return;
    rs->r[rs->n].sev = sev;
    snprintf(rs->r[rs->n].path, sizeof rs->r[rs->n].path, "%s", path);
    snprintf(rs->r[rs->n].msg, sizeof rs->r[rs->n].msg, "%s", msg);
    rs->n++;
}

static void dump(const reports *rs)
{
    for (int i = 0; i < rs->n; i++)
        print_message("  [%d] %s: %s\n", rs->r[i].sev, rs->r[i].path, rs->r[i].msg);
}

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);

    if (j == NULL)
        fail_msg("test JSON does not parse: %s: %s", e.text, text);
    return j;
}

static int run(json_t *obj, reports *rs)
{
    kz_limits lim = kz_limits_default();

    memset(rs, 0, sizeof *rs);
    return kz_stix_validate(obj, &lim, collect, rs);
}

/* Validates text; returns the number of errors. */
static int check(const char *text, reports *rs)
{
    json_t *j = parse(text);
    int n = run(j, rs);

    json_decref(j);
    return n;
}

static bool has(const reports *rs, kz_stix_severity sev, const char *path, const char *part)
{
    for (int i = 0; i < rs->n; i++)
        if (rs->r[i].sev == sev && strcmp(rs->r[i].path, path) == 0 &&
            strstr(rs->r[i].msg, part) != NULL)
            return true;
    return false;
}

#define expect_valid(text)                                                                     \
    do {                                                                                       \
        reports rs_;                                                                           \
        int n_ = check((text), &rs_);                                                          \
        if (n_ != 0)                                                                           \
            dump(&rs_);                                                                        \
        assert_int_equal(n_, 0);                                                               \
    } while (0)

#define expect_report(text, sev, path, part)                                                   \
    do {                                                                                       \
        reports rs_;                                                                           \
        (void)check((text), &rs_);                                                             \
        if (!has(&rs_, (sev), (path), (part))) {                                               \
            dump(&rs_);                                                                        \
            fail_msg("expected a report at \"%s\" containing \"%s\"", (path), (part));         \
        }                                                                                      \
    } while (0)

#define expect_error(text, path, part) expect_report(text, KZ_STIX_ERROR, path, part)

/* Builds an object from a base plus extra members (text without braces, may be empty). */
static char *obj(const char *base, const char *extra)
{
    static char buf[8][4096];
    static int k;
    char *b = buf[k++ % 8];

    snprintf(b, sizeof buf[0], "{%s%s%s}", base, extra[0] ? "," : "", extra);
    return b;
}

#define SDO_COMMON(t)                                                                          \
    "\"type\":\"" t "\",\"spec_version\":\"2.1\",\"id\":\"" t                                 \
    "--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"created\":\"2016-04-06T20:03:48.000Z\","      \
    "\"modified\":\"2016-04-06T20:03:48.000Z\""

#define ID(t, n) "\"" t "--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3" n "\""

static const char *const ident = SDO_COMMON("identity") ",\"name\":\"ACME\"";
static const char *const ind =
    SDO_COMMON("indicator") ",\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\","
                            "\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\"";

/* ---- tables ------------------------------------------------------------------------------ */

static void test_stix_tables_are_sorted(void **state)
{
    (void)state;
    const char *bad = kz_stix__tables_unsorted();
    if (bad != NULL)
        fail_msg("table out of order at \"%s\"", bad);
}

static void test_stix_type_known_and_sco(void **state)
{
    (void)state;
    assert_true(kz_stix_type_known("indicator"));
    assert_true(kz_stix_type_known("x509-certificate"));
    assert_true(kz_stix_type_known("marking-definition"));
    assert_true(kz_stix_type_known("bundle"));
    assert_false(kz_stix_type_known("x-mitre-tactic"));
    assert_false(kz_stix_type_known(NULL));
    assert_true(kz_stix_type_is_sco("ipv4-addr"));
    assert_true(kz_stix_type_is_sco("windows-registry-key"));
    assert_false(kz_stix_type_is_sco("indicator"));
    assert_false(kz_stix_type_is_sco("x-foo"));
}

/* ---- common properties ------------------------------------------------------------------- */

static void test_stix_common_type_rules(void **state)
{
    (void)state;
    expect_valid(obj(ident, ""));
    expect_error("{\"type\":\"x--y\",\"id\":\"x--y--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
                 "type", "not a valid type name");
    expect_error("{\"type\":\"ab\",\"id\":\"ab--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}", "type",
                 "not a valid type name");
    expect_error("{\"type\":\"X-Foo\",\"id\":\"X-Foo--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
                 "type", "not a valid type name");
    expect_error("{\"type\":7}", "type", "expected a type name, got an integer");
    expect_error("{\"id\":\"identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}", "type",
                 "is required");
}

static void test_stix_common_id_rules(void **state)
{
    (void)state;
    /* Duplicate keys are refused by the parser, so replace id in the parsed object. */
    json_t *j = parse(obj(ident, ""));
    reports rs;
    json_object_set_new(j, "id", json_string("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"));
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "id", "does not start with the object's type"));
    json_object_set_new(j, "id", json_string("identity--not-a-uuid"));
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "id", "is not an identifier"));
    json_object_set_new(j, "id", json_string("identity--8e2e2d2b-17d4-1cbf-938f-98ee46b3cd3f"));
    assert_int_equal(run(j, &rs), 0);
    assert_true(has(&rs, KZ_STIX_WARNING, "id", "should use UUIDv4"));
    json_object_set_new(j, "id", json_string("identity--8e2e2d2b-17d4-4cbf-138f-98ee46b3cd3f"));
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "id", "RFC 4122"));
    json_decref(j);
}

static void test_stix_common_spec_version_and_timestamps(void **state)
{
    (void)state;
    json_t *j = parse(obj(ident, ""));
    reports rs;

    json_object_del(j, "spec_version");
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "spec_version", "is required for identity"));
    json_object_set_new(j, "spec_version", json_string("2.0"));
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "spec_version", "expected \"2.1\""));
    json_object_set_new(j, "spec_version", json_string("2.1"));

    json_object_set_new(j, "created", json_string("2024-03-01 10:00"));
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "created",
                    "\"2024-03-01 10:00\" is not an RFC 3339 UTC timestamp (expected "
                    "YYYY-MM-DDTHH:MM:SS[.s]Z)"));
    json_object_set_new(j, "created", json_string("2017-01-01T00:00:00+01:00"));
    assert_int_equal(run(j, &rs), 1);
    json_object_set_new(j, "created", json_string("2017-01-01T00:00:00.123Z"));
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "modified", "must be the same as or later than created"));
    json_object_set_new(j, "modified", json_string("2017-01-01T00:00:00.123Z"));
    assert_int_equal(run(j, &rs), 0);
    json_object_del(j, "modified");
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "modified", "is required for identity"));
    json_decref(j);
}

static void test_stix_common_created_by_ref_and_markings(void **state)
{
    (void)state;
    expect_valid(obj(ident, "\"created_by_ref\":" ID("identity", "f")));
    expect_error(obj(ident, "\"created_by_ref\":" ID("malware", "f")), "created_by_ref",
                 "expected an identifier of type identity, got \"malware--");
    expect_valid(obj(ident, "\"object_marking_refs\":[\"marking-definition--613f2e26-407d-48c7-"
                            "9eca-b8e91df99dc9\"]"));
    expect_error(obj(ident, "\"object_marking_refs\":[" ID("identity", "f") "]"),
                 "object_marking_refs[0]", "type marking-definition");
    expect_error(obj(ident, "\"object_marking_refs\":\"marking-definition--613f2e26-407d-48c7-"
                            "9eca-b8e91df99dc9\""),
                 "object_marking_refs", "expected a list of an identifier, got a string");
}

static void test_stix_common_simple_properties(void **state)
{
    (void)state;
    expect_valid(obj(ident, "\"revoked\":false,\"labels\":[\"a\"],\"confidence\":100,"
                            "\"lang\":\"de-CH\""));
    expect_error(obj(ident, "\"revoked\":\"no\""), "revoked", "expected true or false");
    expect_error(obj(ident, "\"labels\":[]"), "labels", "empty list");
    expect_error(obj(ident, "\"labels\":[\"a\",3]"), "labels[1]", "expected a string");
    expect_error(obj(ident, "\"confidence\":101"), "confidence", "101 is out of range");
    expect_error(obj(ident, "\"confidence\":-1"), "confidence", "out of range");
    expect_error(obj(ident, "\"confidence\":50.5"), "confidence", "expected an integer");
    expect_error(obj(ident, "\"lang\":\"english language\""), "lang", "RFC 5646");
}

static void test_stix_common_external_references(void **state)
{
    (void)state;
    expect_valid(obj(ident, "\"external_references\":[{\"source_name\":\"cve\",\"external_id\":"
                            "\"CVE-2016-1234\"},{\"source_name\":\"capec\",\"external_id\":"
                            "\"CAPEC-163\"},{\"source_name\":\"x\",\"url\":"
                            "\"https://a.example/\"}]"));
    expect_error(obj(ident, "\"external_references\":[{\"description\":\"d\"}]"),
                 "external_references[0].source_name", "is required");
    expect_error(obj(ident, "\"external_references\":[{\"source_name\":\"x\"}]"),
                 "external_references[0]", "at least one of description, url or external_id");
    expect_error(obj(ident, "\"external_references\":[{\"source_name\":\"cve\",\"external_id\":"
                            "\"CVE-16-1\"}]"),
                 "external_references[0].external_id", "expected CVE-YYYY-NNNN");
    expect_error(obj(ident, "\"external_references\":[{\"source_name\":\"capec\",\"external_id\":"
                            "\"163\"}]"),
                 "external_references[0].external_id", "expected CAPEC-N");
    expect_error(obj(ident, "\"external_references\":[{\"source_name\":\"x\",\"url\":\"not a "
                            "url\"}]"),
                 "external_references[0].url", "is not a URL");
    expect_error(obj(ident, "\"external_references\":[{\"source_name\":\"x\",\"url\":\"http://a/\","
                            "\"hashes\":{\"SHA-256\":\"abc\"}}]"),
                 "external_references[0].hashes.SHA-256", "expected 64 hex digits");
    expect_error(obj(ident, "\"external_references\":[7]"), "external_references[0]",
                 "expected an external-reference, got an integer");
}

static void test_stix_granular_marking_selectors(void **state)
{
    (void)state;
    const char *ok = "\"description\":\"d\",\"external_references\":[{\"source_name\":\"s\","
                     "\"url\":\"http://a/\"}],\"labels\":[\"a\",\"b\"],"
                     "\"granular_markings\":[{\"selectors\":[\"description\","
                     "\"external_references.[0].source_name\",\"labels.[1]\",\"labels\"],"
                     "\"marking_ref\":\"marking-definition--613f2e26-407d-48c7-9eca-"
                     "b8e91df99dc9\"},"
                     "{\"selectors\":[\"name\"],\"lang\":\"en\"}]";
    expect_valid(obj(ident, ok));
    expect_error(obj(ident, "\"labels\":[\"a\"],\"granular_markings\":[{\"selectors\":["
                            "\"labels.[1]\"],\"lang\":\"en\"}]"),
                 "granular_markings[0].selectors[0]", "there is no element [1]");
    expect_error(obj(ident, "\"granular_markings\":[{\"selectors\":[\"description\"],\"lang\":"
                            "\"en\"}]"),
                 "granular_markings[0].selectors[0]", "there is no property \"description\"");
    expect_error(obj(ident, "\"granular_markings\":[{\"selectors\":[\"name.[0]\"],\"lang\":"
                            "\"en\"}]"),
                 "granular_markings[0].selectors[0]", "there is no element [0]");
    expect_error(obj(ident, "\"granular_markings\":[{\"selectors\":[\"name..x\"],\"lang\":"
                            "\"en\"}]"),
                 "granular_markings[0].selectors[0]", "empty part");
    expect_error(obj(ident, "\"granular_markings\":[{\"selectors\":[],\"lang\":\"en\"}]"),
                 "granular_markings[0].selectors", "empty list");
    expect_error(obj(ident, "\"granular_markings\":[{\"selectors\":[\"name\"]}]"),
                 "granular_markings[0]", "exactly one of marking_ref or lang");
    expect_error(obj(ident, "\"granular_markings\":[{\"selectors\":[\"name\"],\"lang\":\"en\","
                            "\"marking_ref\":\"marking-definition--613f2e26-407d-48c7-9eca-"
                            "b8e91df99dc9\"}]"),
                 "granular_markings[0]", "has both marking_ref and lang");
    expect_error(obj(ident, "\"granular_markings\":[{\"lang\":\"en\"}]"),
                 "granular_markings[0].selectors", "is required");
}

static void test_stix_extensions(void **state)
{
    (void)state;
    expect_valid(obj(ident, "\"extensions\":{\"extension-definition--d83fce45-ef58-4c6c-a3f4-"
                            "1fbc32e98c6e\":{\"extension_type\":\"property-extension\","
                            "\"rank\":5}}"));
    expect_error(obj(ident, "\"extensions\":{\"extension-definition--d83fce45-ef58-4c6c-a3f4-"
                            "1fbc32e98c6e\":{\"rank\":5}}"),
                 "extensions.extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e."
                 "extension_type",
                 "is required");
    expect_error(obj(ident, "\"extensions\":{\"extension-definition--d83fce45-ef58-4c6c-a3f4-"
                            "1fbc32e98c6e\":{\"extension_type\":\"new-thing\"}}"),
                 "extensions.extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e."
                 "extension_type",
                 "is not allowed (expected one of new-sdo");
    expect_error(obj(ident, "\"extensions\":{\"foo\":{}}"), "extensions.foo",
                 "is not an extension name");
    expect_error(obj(ident, "\"extensions\":{}"), "extensions", "empty dictionary");
    expect_report(obj(ident, "\"extensions\":{\"x-acme-ext\":{\"a\":1}}"), KZ_STIX_WARNING,
                  "extensions.x-acme-ext", "deprecated");
}

static void test_stix_custom_objects_and_properties(void **state)
{
    (void)state;
    expect_valid("{\"type\":\"x-mitre-tactic\",\"spec_version\":\"2.1\",\"id\":\"x-mitre-tactic--"
                 "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"created\":\"2017-01-01T00:00:00Z\","
                 "\"modified\":\"2017-01-01T00:00:00Z\",\"name\":\"n\",\"x_mitre_shortname\":\"s\","
                 "\"anything\":[1,{\"a\":null}]}");
    expect_error("{\"type\":\"x-acme\",\"id\":\"x-acme--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
                 "\"created\":\"2018-01-01T00:00:00Z\",\"modified\":\"2017-01-01T00:00:00Z\"}",
                 "modified", "later than created");
    expect_valid(obj(ident, "\"x_acme_rank\":1,\"abc\":2"));
    expect_error(obj(ident, "\"ab\":1"), "ab", "not a valid custom property name");
    expect_error(obj(ident, "\"x-acme\":1"), "x-acme", "not a valid custom property name");
    expect_error(obj(ident, "\"X_acme\":1"), "X_acme", "not a valid custom property name");
    expect_error(obj(ident, "\"severity\":\"high\""), "severity", "reserved property name");
    expect_error(obj(ident, "\"phone_numbers\":[\"1\"]"), "phone_numbers", "reserved");
}

/* ---- SDOs -------------------------------------------------------------------------------- */

static const struct {
    const char *type;
    const char *text;
    const char *required; /* a property that must be there */
} sdos[] = {
    {"attack-pattern", SDO_COMMON("attack-pattern") ",\"name\":\"a\"", "name"},
    {"campaign", SDO_COMMON("campaign") ",\"name\":\"a\"", "name"},
    {"course-of-action", SDO_COMMON("course-of-action") ",\"name\":\"a\"", "name"},
    {"grouping", SDO_COMMON("grouping") ",\"context\":\"suspicious-activity\",\"object_refs\":["
                                        ID("indicator", "f") "]", "context"},
    {"grouping", SDO_COMMON("grouping") ",\"context\":\"suspicious-activity\",\"object_refs\":["
                                        ID("indicator", "f") "]", "object_refs"},
    {"identity", SDO_COMMON("identity") ",\"name\":\"a\",\"identity_class\":\"organization\"",
     "name"},
    {"incident", SDO_COMMON("incident") ",\"name\":\"a\"", "name"},
    {"indicator", SDO_COMMON("indicator") ",\"pattern\":\"[file:name = 'a']\","
                                          "\"pattern_type\":\"stix\",\"valid_from\":"
                                          "\"2016-01-01T00:00:00Z\"", "pattern"},
    {"indicator", SDO_COMMON("indicator") ",\"pattern\":\"[file:name = 'a']\","
                                          "\"pattern_type\":\"stix\",\"valid_from\":"
                                          "\"2016-01-01T00:00:00Z\"", "pattern_type"},
    {"indicator", SDO_COMMON("indicator") ",\"pattern\":\"[file:name = 'a']\","
                                          "\"pattern_type\":\"stix\",\"valid_from\":"
                                          "\"2016-01-01T00:00:00Z\"", "valid_from"},
    {"infrastructure", SDO_COMMON("infrastructure") ",\"name\":\"a\"", "name"},
    {"intrusion-set", SDO_COMMON("intrusion-set") ",\"name\":\"a\"", "name"},
    {"location", SDO_COMMON("location") ",\"region\":\"europe\"", NULL},
    {"malware", SDO_COMMON("malware") ",\"name\":\"a\",\"is_family\":false", "is_family"},
    {"malware-analysis", SDO_COMMON("malware-analysis") ",\"product\":\"av\",\"result\":"
                                                        "\"malicious\"", "product"},
    {"note", SDO_COMMON("note") ",\"content\":\"c\",\"object_refs\":[" ID("indicator", "f") "]",
     "content"},
    {"note", SDO_COMMON("note") ",\"content\":\"c\",\"object_refs\":[" ID("indicator", "f") "]",
     "object_refs"},
    {"observed-data", SDO_COMMON("observed-data") ",\"first_observed\":\"2016-01-01T00:00:00Z\","
                                                  "\"last_observed\":\"2016-01-01T00:00:00Z\","
                                                  "\"number_observed\":1,\"object_refs\":["
                                                  ID("ipv4-addr", "f") "]", "number_observed"},
    {"observed-data", SDO_COMMON("observed-data") ",\"first_observed\":\"2016-01-01T00:00:00Z\","
                                                  "\"last_observed\":\"2016-01-01T00:00:00Z\","
                                                  "\"number_observed\":1,\"object_refs\":["
                                                  ID("ipv4-addr", "f") "]", "first_observed"},
    {"opinion", SDO_COMMON("opinion") ",\"opinion\":\"agree\",\"object_refs\":["
                                      ID("indicator", "f") "]", "opinion"},
    {"report", SDO_COMMON("report") ",\"name\":\"r\",\"published\":\"2016-01-01T00:00:00Z\","
                                    "\"object_refs\":[" ID("indicator", "f") "]", "published"},
    {"report", SDO_COMMON("report") ",\"name\":\"r\",\"published\":\"2016-01-01T00:00:00Z\","
                                    "\"object_refs\":[" ID("indicator", "f") "]", "object_refs"},
    {"threat-actor", SDO_COMMON("threat-actor") ",\"name\":\"a\"", "name"},
    {"tool", SDO_COMMON("tool") ",\"name\":\"a\"", "name"},
    {"vulnerability", SDO_COMMON("vulnerability") ",\"name\":\"a\"", "name"},
    {"relationship", SDO_COMMON("relationship") ",\"relationship_type\":\"indicates\","
                                                "\"source_ref\":" ID("indicator", "f") ","
                                                "\"target_ref\":" ID("malware", "e"),
     "source_ref"},
    {"relationship", SDO_COMMON("relationship") ",\"relationship_type\":\"indicates\","
                                                "\"source_ref\":" ID("indicator", "f") ","
                                                "\"target_ref\":" ID("malware", "e"),
     "relationship_type"},
    {"sighting", SDO_COMMON("sighting") ",\"sighting_of_ref\":" ID("indicator", "f"),
     "sighting_of_ref"},
};

static void test_stix_sdo_required_properties(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sdos / sizeof sdos[0]; i++) {
        char text[4096], want[128];
        reports rs;
        json_t *j;

        snprintf(text, sizeof text, "{%s}", sdos[i].text);
        j = parse(text);
        if (run(j, &rs) != 0) {
            dump(&rs);
            fail_msg("%s should be valid", sdos[i].type);
        }
        if (sdos[i].required != NULL) {
            json_object_del(j, sdos[i].required);
            assert_true(run(j, &rs) >= 1);
            snprintf(want, sizeof want, "is required for %s", sdos[i].type);
            if (!has(&rs, KZ_STIX_ERROR, sdos[i].required, want)) {
                dump(&rs);
                fail_msg("%s: no \"%s\" at %s", sdos[i].type, want, sdos[i].required);
            }
        }
        json_decref(j);
    }
}

static void test_stix_indicator_rules(void **state)
{
    (void)state;
    expect_valid(obj(ind, "\"valid_until\":\"2016-01-01T00:00:00.001Z\""));
    expect_error(obj(ind, "\"valid_until\":\"2016-01-01T00:00:00Z\""), "valid_until",
                 "must be later than valid_from");
    expect_report(obj(SDO_COMMON("indicator"), "\"pattern\":\"x\",\"pattern_type\":\"acme\","
                                               "\"valid_from\":\"2016-01-01T00:00:00Z\""),
                  KZ_STIX_NOTE, "pattern_type", "not in the suggested vocabulary");
    expect_valid(obj(SDO_COMMON("indicator"), "\"pattern\":\"rule x {}\",\"pattern_type\":"
                                              "\"yara\",\"valid_from\":\"2016-01-01T00:00:00Z\","
                                              "\"indicator_types\":[\"malicious-activity\"]"));
    /* pattern_type "stix": the pattern goes through the pattern parser. */
    expect_error(obj(SDO_COMMON("indicator"), "\"pattern\":\"[file:name = \",\"pattern_type\":"
                                              "\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\""),
                 "pattern", "is not a valid STIX pattern: ");
    expect_valid(obj(SDO_COMMON("indicator"), "\"pattern\":\"[file:name = \",\"pattern_type\":"
                                              "\"snort\",\"valid_from\":\"2016-01-01T00:00:00Z\""));
    expect_error(obj(ind, "\"kill_chain_phases\":[{\"kill_chain_name\":\"k\"}]"),
                 "kill_chain_phases[0].phase_name", "is required for a kill chain phase");
    expect_report(obj(ind, "\"kill_chain_phases\":[{\"kill_chain_name\":\"k\",\"phase_name\":"
                           "\"Initial Access\"}]"),
                  KZ_STIX_WARNING, "kill_chain_phases[0].phase_name", "lower case");
}

static void test_stix_observed_data_rules(void **state)
{
    (void)state;
    const char *base = SDO_COMMON("observed-data") ",\"first_observed\":\"2016-01-01T00:00:00Z\","
                                                   "\"last_observed\":\"2016-01-02T00:00:00Z\"";
    expect_valid(obj(base, "\"number_observed\":999999999,\"object_refs\":[" ID("ipv4-addr", "f")
                           "]"));
    expect_error(obj(base, "\"number_observed\":0,\"object_refs\":[" ID("ipv4-addr", "f") "]"),
                 "number_observed", "0 is out of range");
    expect_error(obj(base, "\"number_observed\":1000000000,\"object_refs\":["
                           ID("ipv4-addr", "f") "]"),
                 "number_observed", "out of range");
    expect_error(obj(base, "\"number_observed\":1"), "", "exactly one of object_refs or objects");
    expect_error(obj(base, "\"number_observed\":1,\"object_refs\":[" ID("ipv4-addr", "f") "],"
                           "\"objects\":{\"0\":{\"type\":\"ipv4-addr\",\"value\":\"1.2.3.4\"}}"),
                 "", "must not have both");
    expect_report(obj(base, "\"number_observed\":1,\"objects\":{\"0\":{\"type\":\"ipv4-addr\","
                            "\"value\":\"1.2.3.4\"}}"),
                  KZ_STIX_WARNING, "objects", "deprecated");
    expect_error(obj(base, "\"number_observed\":1,\"object_refs\":[" ID("indicator", "f") "]"),
                 "object_refs[0]", "expected an identifier of type a cyber-observable");
    expect_error(obj(SDO_COMMON("observed-data"),
                     "\"first_observed\":\"2016-01-02T00:00:00Z\",\"last_observed\":"
                     "\"2016-01-01T00:00:00Z\",\"number_observed\":1,\"object_refs\":["
                     ID("ipv4-addr", "f") "]"),
                 "last_observed", "later than first_observed");
}

static void test_stix_location_rules(void **state)
{
    (void)state;
    const char *base = SDO_COMMON("location");
    expect_valid(obj(base, "\"latitude\":48.8566,\"longitude\":2.3522,\"precision\":1000.0"));
    expect_valid(obj(base, "\"country\":\"ch\""));
    expect_error(obj(base, "\"name\":\"x\""), "", "at least one of region, country");
    expect_error(obj(base, "\"latitude\":91,\"longitude\":0"), "latitude", "out of range");
    expect_error(obj(base, "\"latitude\":0,\"longitude\":-180.5"), "longitude", "out of range");
    expect_error(obj(base, "\"region\":\"europe\",\"latitude\":10"), "longitude",
                 "is required when latitude is present");
    expect_error(obj(base, "\"region\":\"europe\",\"precision\":10"), "precision",
                 "needs both latitude and longitude");
    expect_error(obj(base, "\"region\":\"europe\",\"latitude\":\"10\",\"longitude\":1"),
                 "latitude", "expected a number");
}

static void test_stix_malware_opinion_grouping_rules(void **state)
{
    (void)state;
    expect_valid(obj(SDO_COMMON("malware"), "\"is_family\":false"));
    expect_error(obj(SDO_COMMON("malware"), "\"is_family\":true"), "name",
                 "is required for malware when is_family is true");
    expect_error(obj(SDO_COMMON("malware"), "\"is_family\":\"yes\",\"name\":\"n\""), "is_family",
                 "expected true or false");
    expect_error(obj(SDO_COMMON("malware"), "\"is_family\":false,\"sample_refs\":["
                                            ID("ipv4-addr", "f") "]"),
                 "sample_refs[0]", "expected an identifier of type file or artifact");
    expect_error(obj(SDO_COMMON("opinion"), "\"opinion\":\"maybe\",\"object_refs\":["
                                            ID("indicator", "f") "]"),
                 "opinion", "\"maybe\" is not allowed (expected one of strongly-disagree");
    expect_report(obj(SDO_COMMON("grouping"), "\"context\":\"acme\",\"object_refs\":["
                                              ID("indicator", "f") "]"),
                  KZ_STIX_NOTE, "context", "open");
    expect_error(obj(SDO_COMMON("malware-analysis"), "\"product\":\"p\""), "",
                 "at least one of result or analysis_sco_refs");
    expect_error(obj(SDO_COMMON("campaign"), "\"name\":\"c\",\"first_seen\":"
                                             "\"2020-01-02T00:00:00Z\",\"last_seen\":"
                                             "\"2020-01-01T00:00:00Z\""),
                 "last_seen", "later than first_seen");
    expect_error(obj(SDO_COMMON("report"), "\"name\":\"r\",\"published\":\"2020\",\"object_refs\":"
                                           "[" ID("indicator", "f") "]"),
                 "published", "not an RFC 3339 UTC timestamp");
}

/* ---- SROs -------------------------------------------------------------------------------- */

static void test_stix_relationship_rules(void **state)
{
    (void)state;
    const char *base = SDO_COMMON("relationship") ",\"relationship_type\":\"uses\"";
    expect_valid(obj(base, "\"source_ref\":" ID("x-mitre-tactic", "f") ",\"target_ref\":"
                           ID("ipv4-addr", "e")));
    expect_error(obj(base, "\"source_ref\":" ID("relationship", "f") ",\"target_ref\":"
                           ID("malware", "e")),
                 "source_ref", "expected an identifier of type a domain or cyber-observable");
    expect_error(obj(base, "\"source_ref\":" ID("indicator", "f") ",\"target_ref\":"
                           "\"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9\""),
                 "target_ref", "domain or cyber-observable");
    expect_error(obj(base, "\"source_ref\":" ID("indicator", "f") ",\"target_ref\":"
                           ID("malware", "e") ",\"start_time\":\"2020-01-01T00:00:00Z\","
                           "\"stop_time\":\"2020-01-01T00:00:00Z\""),
                 "stop_time", "must be later than start_time");
    expect_error(obj(SDO_COMMON("relationship"), "\"relationship_type\":\"Uses It\","
                                                 "\"source_ref\":" ID("indicator", "f") ","
                                                 "\"target_ref\":" ID("malware", "e")),
                 "relationship_type", "is not a relationship type");
}

static void test_stix_sighting_rules(void **state)
{
    (void)state;
    const char *base = SDO_COMMON("sighting") ",\"sighting_of_ref\":" ID("indicator", "f");
    expect_valid(obj(base, "\"count\":999999999,\"first_seen\":\"2020-01-01T00:00:00Z\","
                           "\"last_seen\":\"2020-01-01T00:00:00Z\",\"where_sighted_refs\":["
                           ID("identity", "a") "," ID("location", "b") "],"
                           "\"observed_data_refs\":[" ID("observed-data", "c") "]"));
    expect_error(obj(base, "\"count\":1000000000"), "count", "out of range");
    expect_error(obj(base, "\"count\":-1"), "count", "out of range");
    expect_error(obj(base, "\"first_seen\":\"2020-01-02T00:00:00Z\",\"last_seen\":"
                           "\"2020-01-01T00:00:00Z\""),
                 "last_seen", "later than first_seen");
    expect_error(obj(base, "\"where_sighted_refs\":[" ID("malware", "a") "]"),
                 "where_sighted_refs[0]", "type identity or location");
    expect_error(obj(base, "\"observed_data_refs\":[" ID("indicator", "a") "]"),
                 "observed_data_refs[0]", "type observed-data");
    expect_error(obj(SDO_COMMON("sighting"), "\"sighting_of_ref\":" ID("ipv4-addr", "f")),
                 "sighting_of_ref", "type a domain object");
}

/* ---- SCOs -------------------------------------------------------------------------------- */

#define SCO(t, u) "\"type\":\"" t "\",\"id\":\"" t "--" u "\""

static void test_stix_sco_basics(void **state)
{
    (void)state;
    expect_valid("{" SCO("ipv4-addr", "28bb3599-77cd-5a82-a950-b5bc3caf07c4")
                 ",\"value\":\"198.51.100.3\"}");
    expect_error("{" SCO("ipv4-addr", "28bb3599-77cd-5a82-a950-b5bc3caf07c4") "}", "value",
                 "is required for ipv4-addr");
    expect_error("{" SCO("ipv4-addr", "28bb3599-77cd-5a82-a950-b5bc3caf07c4")
                 ",\"value\":\"1.2.3.4\",\"spec_version\":\"2.0\"}",
                 "spec_version", "expected \"2.1\"");
    expect_report("{" SCO("ipv4-addr", "28bb3599-77cd-5a82-a950-b5bc3caf07c4")
                  ",\"value\":\"1.2.3.4\",\"created_by_ref\":" ID("identity", "f") "}",
                  KZ_STIX_WARNING, "created_by_ref", "does not apply");
    expect_report("{" SCO("ipv4-addr", "28bb3599-77cd-1a82-a950-b5bc3caf07c4")
                  ",\"value\":\"1.2.3.4\"}",
                  KZ_STIX_WARNING, "id", "should use UUIDv5");
    expect_valid("{" SCO("mac-addr", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
                 ",\"value\":\"0a:1b:2c:3d:4e:5f\"}");
    expect_error("{" SCO("mac-addr", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
                 ",\"value\":\"0A-1B-2C-3D-4E-5F\"}",
                 "value", "is not a MAC-48 address");
    expect_error("{" SCO("autonomous-system", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
                 ",\"number\":\"15139\"}",
                 "number", "expected an integer, got a string");
    expect_error("{" SCO("url", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f") ",\"value\":\"nope\"}",
                 "value", "is not a URL");
    expect_error("{" SCO("software", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f") ",\"vendor\":\"v\"}",
                 "name", "is required for software");
}

static void test_stix_sco_file_and_hashes(void **state)
{
    (void)state;
    const char *f = SCO("file", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    expect_valid(obj(f, "\"name\":\"a.txt\",\"size\":0,\"hashes\":{\"MD5\":"
                        "\"d41d8cd98f00b204e9800998ecf8427e\",\"SHA-256\":\"e3b0c44298fc1c149afbf4c"
                        "8996fb92427ae41e4649b934ca495991b7852b855\",\"x_acme\":\"whatever\"},"
                        "\"magic_number_hex\":\"FFD8\",\"parent_directory_ref\":"
                        ID("directory", "f")));
    expect_error(obj(f, "\"size\":1"), "", "at least one of hashes or name");
    expect_error(obj(f, "\"name\":\"a\",\"size\":-1"), "size", "out of range");
    expect_error(obj(f, "\"hashes\":{\"SHA-1\":\"abcd\"}"), "hashes.SHA-1",
                 "is not a SHA-1 hash (expected 40 hex digits)");
    expect_error(obj(f, "\"hashes\":{\"SSDEEP\":\"abc\"}"), "hashes.SSDEEP", "not an SSDEEP hash");
    expect_valid(obj(f, "\"hashes\":{\"SSDEEP\":\"3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C\"}"));
    expect_report(obj(f, "\"hashes\":{\"sha-256\":\"abc\"}"), KZ_STIX_WARNING, "hashes.sha-256",
                  "case sensitive");
    expect_error(obj(f, "\"hashes\":{}"), "hashes", "empty");
    expect_error(obj(f, "\"name\":\"a\",\"magic_number_hex\":\"FFD\""), "magic_number_hex",
                 "is not hex");
    expect_error(obj(f, "\"name\":\"a\",\"parent_directory_ref\":" ID("file", "f")),
                 "parent_directory_ref", "type directory");
}

static void test_stix_sco_extensions(void **state)
{
    (void)state;
    const char *f = SCO("file", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f") ",\"name\":\"a.exe\"";
    expect_valid(obj(f, "\"extensions\":{\"windows-pebinary-ext\":{\"pe_type\":\"exe\","
                        "\"sections\":[{\"name\":\".text\",\"entropy\":7.1}]},"
                        "\"ntfs-ext\":{\"alternate_data_streams\":[{\"name\":\"s\",\"size\":1}]},"
                        "\"archive-ext\":{\"contains_refs\":[" ID("file", "a") "]}}"));
    expect_error(obj(f, "\"extensions\":{\"windows-pebinary-ext\":{\"imphash\":\"x\"}}"),
                 "extensions.windows-pebinary-ext.pe_type", "is required for windows-pebinary-ext");
    expect_error(obj(f, "\"extensions\":{\"windows-pebinary-ext\":{\"pe_type\":\"exe\","
                        "\"sections\":[{\"size\":1}]}}"),
                 "extensions.windows-pebinary-ext.sections[0].name", "is required");
    expect_error(obj(f, "\"extensions\":{\"archive-ext\":{}}"), "extensions.archive-ext",
                 "at least one property");
    expect_error(obj(f, "\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_INET\"}}"),
                 "extensions.socket-ext", "is not an extension of file");
    const char *nt = SCO("network-traffic", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
        ",\"src_ref\":" ID("ipv4-addr", "a") ",\"protocols\":[\"tcp\"]";
    expect_valid(obj(nt, "\"src_port\":65535,\"extensions\":{\"socket-ext\":{\"address_family\":"
                         "\"AF_INET\",\"socket_type\":\"SOCK_STREAM\"},\"tcp-ext\":{"
                         "\"src_flags_hex\":\"00000002\"},\"icmp-ext\":{\"icmp_type_hex\":\"08\","
                         "\"icmp_code_hex\":\"00\"},\"http-request-ext\":{"
                         "\"request_method\":\"get\","
                         "\"request_value\":\"/\"}}"));
    expect_error(obj(nt, "\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_BOGUS\"}}"),
                 "extensions.socket-ext.address_family", "is not allowed");
    expect_error(obj(nt, "\"extensions\":{\"http-request-ext\":{\"request_method\":\"get\"}}"),
                 "extensions.http-request-ext.request_value", "is required");
    expect_error(obj(SCO("process", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
                     "\"extensions\":{\"windows-service-ext\":{\"start_type\":\"SOMETIMES\"}}"),
                 "extensions.windows-service-ext.start_type", "is not allowed");
    expect_valid(obj(SCO("user-account", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
                     "\"user_id\":\"1001\",\"extensions\":{\"unix-account-ext\":{\"gid\":1001,"
                     "\"groups\":[\"wheel\"]}}"));
}

static void test_stix_sco_cross_property_rules(void **state)
{
    (void)state;
    const char *nt = SCO("network-traffic", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    expect_error(obj(nt, "\"protocols\":[\"tcp\"]"), "", "at least one of src_ref or dst_ref");
    expect_error(obj(nt, "\"dst_ref\":" ID("ipv4-addr", "a")), "protocols",
                 "is required for network-traffic");
    expect_error(obj(nt, "\"dst_ref\":" ID("ipv4-addr", "a") ",\"protocols\":[\"tcp\"],"
                         "\"dst_port\":65536"),
                 "dst_port", "out of range");
    expect_error(obj(nt, "\"dst_ref\":" ID("file", "a") ",\"protocols\":[\"tcp\"]"), "dst_ref",
                 "type ipv4-addr, ipv6-addr, mac-addr or domain-name");
    expect_error(obj(nt, "\"dst_ref\":" ID("ipv4-addr", "a") ",\"protocols\":[\"tcp\"],"
                         "\"is_active\":true,\"end\":\"2020-01-01T00:00:00Z\""),
                 "end", "must not be present when is_active is true");
    const char *art = SCO("artifact", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    expect_valid(obj(art, "\"payload_bin\":\"aGVsbG8=\",\"mime_type\":\"text/plain\""));
    expect_error(obj(art, "\"payload_bin\":\"aGVsbG8\""), "payload_bin", "is not base64");
    expect_error(obj(art, "\"payload_bin\":\"aGVsbG8=\",\"url\":\"http://a/\",\"hashes\":{"
                          "\"MD5\":\"d41d8cd98f00b204e9800998ecf8427e\"}"),
                 "url", "must not be present when payload_bin is");
    expect_error(obj(art, "\"url\":\"http://a/\""), "hashes", "is required when url is present");
    expect_error(obj(art, "\"payload_bin\":\"aGVsbG8=\",\"encryption_algorithm\":\"rot13\""),
                 "encryption_algorithm", "is not allowed");
    const char *em = SCO("email-message", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    expect_valid(obj(em, "\"is_multipart\":true,\"body_multipart\":[{\"content_type\":"
                         "\"text/plain\",\"body\":\"hi\"}],\"from_ref\":" ID("email-addr", "a")));
    expect_error(obj(em, "\"is_multipart\":true,\"body\":\"hi\""), "body",
                 "must not be present when is_multipart is true");
    expect_error(obj(em, "\"is_multipart\":false,\"to_refs\":[" ID("user-account", "a") "]"),
                 "to_refs[0]", "type email-addr");
    expect_error(obj(SCO("process", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), ""), "",
                 "at least one of its own properties");
    expect_valid(obj(SCO("process", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), "\"pid\":1"));
    expect_error(obj(SCO("windows-registry-key", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
                     "\"key\":\"HKLM\\\\x\",\"values\":[{\"name\":\"a\",\"data_type\":\"REG_X\"}]"),
                 "values[0].data_type", "is not allowed");
    expect_error(obj(SCO("x509-certificate", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
                     "\"validity_not_before\":\"2020-01-02T00:00:00Z\",\"validity_not_after\":"
                     "\"2020-01-01T00:00:00Z\""),
                 "validity_not_after", "later than validity_not_before");
}

/* ---- deterministic ids ------------------------------------------------------------------- */

static void expect_det(const char *text, const char *want_id, bool is_det)
{
    reports rs;
    json_t *j = parse(text);

    run(j, &rs);
    if (is_det) {
        if (!has(&rs, KZ_STIX_NOTE, "id", "is the deterministic UUIDv5")) {
            dump(&rs);
            fail_msg("expected the id to be deterministic: %s", text);
        }
    } else if (!has(&rs, KZ_STIX_NOTE, "id", want_id)) {
        dump(&rs);
        fail_msg("expected a note naming %s", want_id);
    }
    json_decref(j);
}

/*
 * Expected ids were computed independently (Python: uuid.uuid5 of the namespace and
 * json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)).
 */
static void test_stix_sco_deterministic_ids(void **state)
{
    (void)state;
    expect_det("{" SCO("ipv4-addr", "28bb3599-77cd-5a82-a950-b5bc3caf07c4")
               ",\"value\":\"198.51.100.3\"}",
               NULL, true);
    expect_det("{" SCO("ipv4-addr", "28bb3599-77cd-5a82-a950-b5bc3caf07c5")
               ",\"value\":\"198.51.100.3\"}",
               "expected ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", false);
    /* MD5 is preferred over SHA-256, and the other hashes do not contribute. */
    expect_det("{" SCO("file", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2")
               ",\"name\":\"a.txt\",\"size\":0,\"hashes\":{\"SHA-256\":\"e3b0c44298fc1c149afbf4c8"
               "996fb92427ae41e4649b934ca495991b7852b855\",\"MD5\":"
               "\"d41d8cd98f00b204e9800998ecf8427e\"}}",
               NULL, true);
    /* Non-ASCII, a quote and a newline, escaped as JCS does. */
    expect_det("{" SCO("software", "d1e35f3d-b5f3-59fa-aba1-b5781ad0a221")
               ",\"name\":\"\\u00dcn\\u00efcode \\\"tool\\\"\\n\",\"version\":\"1.0\","
               "\"languages\":[\"en\"]}",
               NULL, true);
    expect_det("{" SCO("autonomous-system", "3aa27478-50b5-5ab8-9da9-cdc12b657fff")
               ",\"number\":15139,\"name\":\"Slime Industries\"}",
               NULL, true);
    expect_det("{" SCO("email-addr", "7165e2a9-671f-585d-b1e1-ca59c671d934")
               ",\"value\":\"john@example.com\",\"display_name\":\"John\"}",
               NULL, true);
    /* A v4 id is not checked at all. */
    reports rs;
    assert_int_equal(check("{" SCO("ipv4-addr", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
                           ",\"value\":\"1.2.3.4\"}",
                           &rs),
                     0);
    assert_int_equal(rs.n, 0);
}

static void test_stix_jcs_canonical_form(void **state)
{
    (void)state;
    json_t *j = parse("{\"b\":[1e21,1.5,0.000001,1e-7,1.2345678901234568e20,-0.0,100,-3,"
                      "1e300,9007199254740993],\"\\ufb33\":3,\"\\ud83d\\ude00\":2,"
                      "\"\\u20ac\":1,\"a\":\"\\u0001\\t/\"}");
    kz_buf b;

    kz_buf_init(&b, 0);
    assert_int_equal(kz_stix__jcs(j, &b, 64), KZ_OK);
    assert_string_equal(b.p, "{\"a\":\"\\u0001\\t/\",\"b\":[1e+21,1.5,0.000001,1e-7,"
                             "123456789012345680000,0,100,-3,1e+300,9007199254740992],"
                             "\"\xe2\x82\xac\":1,\"\xf0\x9f\x98\x80\":2,\"\xef\xac\xb3\":3}");
    kz_buf_free(&b);
    kz_buf_init(&b, 0);
    assert_int_equal(kz_stix__jcs(j, &b, 1), KZ_ELIMIT);
    kz_buf_free(&b);
    json_decref(j);
}

/* ---- meta objects ------------------------------------------------------------------------ */

#define TLP_WHITE                                                                              \
    "\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--"  \
    "613f2e26-407d-48c7-9eca-b8e91df99dc9\",\"created\":\"2017-01-20T00:00:00.000Z\","         \
    "\"definition_type\":\"tlp\",\"name\":\"TLP:WHITE\""

#define TLP2_CLEAR                                                                             \
    "\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--"  \
    "94868c89-83c2-464b-929b-a1a8aa3c8487\",\"created\":\"2022-10-01T00:00:00.000Z\","         \
    "\"name\":\"TLP:CLEAR\""

static void test_stix_marking_definitions(void **state)
{
    (void)state;
    expect_valid(obj(TLP_WHITE, "\"definition\":{\"tlp\":\"white\"}"));
    expect_error(obj(TLP_WHITE, "\"definition\":{\"tlp\":\"green\"}"), "definition",
                 "has definition {\"tlp\": \"white\"}");
    expect_error("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
                 "\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\",\"created\":"
                 "\"2018-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\",\"definition\":{"
                 "\"tlp\":\"green\"}}",
                 "created", "has created \"2017-01-20T00:00:00.000Z\"");
    expect_error("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
                 "\"marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"created\":"
                 "\"2017-01-20T00:00:00.000Z\",\"definition_type\":\"tlp\",\"definition\":{"
                 "\"tlp\":\"green\"}}",
                 "id", "one of the four predefined");
    expect_valid(obj(TLP2_CLEAR, "\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-"
                                 "aab3-9e08dde9e88d\":{\"extension_type\":\"property-extension\","
                                 "\"tlp_2_0\":\"clear\"}}"));
    expect_error(obj(TLP2_CLEAR, "\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-"
                                 "aab3-9e08dde9e88d\":{\"extension_type\":\"property-extension\","
                                 "\"tlp_2_0\":\"red\"}}"),
                 "extensions", "\"tlp_2_0\": \"clear\"");
    const char *st = "\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":"
                     "\"marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"created\":"
                     "\"2017-01-20T00:00:00.000Z\"";
    expect_valid(obj(st, "\"definition_type\":\"statement\",\"definition\":{\"statement\":"
                         "\"Copyright ACME\"}"));
    expect_error(obj(st, "\"definition_type\":\"statement\",\"definition\":{\"text\":\"x\"}"),
                 "definition", "needs {\"statement\"");
    expect_error(obj(st, "\"definition_type\":\"statement\""), "definition", "is required");
    expect_error(obj(st, ""), "", "needs definition_type and definition, or extensions");
    expect_report(obj(st, "\"definition_type\":\"statement\",\"definition\":{\"statement\":"
                          "\"c\"},\"modified\":\"2017-01-20T00:00:00.000Z\""),
                  KZ_STIX_WARNING, "modified", "does not apply");
    expect_error("{\"type\":\"marking-definition\",\"id\":\"marking-definition--8e2e2d2b-17d4-"
                 "4cbf-938f-98ee46b3cd3f\",\"spec_version\":\"2.1\",\"definition_type\":"
                 "\"statement\",\"definition\":{\"statement\":\"c\"}}",
                 "created", "is required for marking-definition");
}

static void test_stix_extension_definition(void **state)
{
    (void)state;
    const char *ed = SDO_COMMON("extension-definition")
        ",\"created_by_ref\":" ID("identity", "a") ",\"name\":\"n\",\"schema\":"
        "\"https://example.com/s.json\",\"version\":\"1.0.0\"";
    expect_valid(obj(ed, "\"extension_types\":[\"property-extension\"]"));
    expect_valid(obj(ed, "\"extension_types\":[\"toplevel-property-extension\"],"
                         "\"extension_properties\":[\"rank\"]"));
    expect_error(obj(ed, "\"extension_types\":[\"new-thing\"]"), "extension_types[0]",
                 "is not allowed (expected one of new-sdo, new-sco, new-sro, property-extension or "
                 "toplevel-property-extension)");
    expect_error(obj(ed, ""), "extension_types", "is required for extension-definition");
    expect_error(obj(ed, "\"extension_types\":[\"new-sdo\"],\"extension_properties\":[\"x\"]"),
                 "extension_properties", "only allowed");
    json_t *j = parse(obj(ed, "\"extension_types\":[\"new-sdo\"]"));
    reports rs;
    json_object_del(j, "created_by_ref");
    assert_int_equal(run(j, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "created_by_ref", "is required for extension-definition"));
    json_object_del(j, "schema");
    assert_int_equal(run(j, &rs), 2);
    assert_true(has(&rs, KZ_STIX_ERROR, "schema", "is required"));
    json_decref(j);
}

static void test_stix_language_content(void **state)
{
    (void)state;
    const char *lc = SDO_COMMON("language-content") ",\"object_ref\":" ID("campaign", "a");
    expect_valid(obj(lc, "\"object_modified\":\"2016-01-01T00:00:00Z\",\"contents\":{\"de\":{"
                         "\"name\":\"Bank Angriff\"},\"fr\":{\"name\":\"Attaque\"}}"));
    expect_error(obj(lc, ""), "contents", "is required for language-content");
    expect_error(obj(lc, "\"contents\":{\"de\":\"x\"}"), "contents.de",
                 "non-empty dictionary of translated properties");
    expect_error(obj(lc, "\"contents\":[]"), "contents", "non-empty dictionary");
    expect_error(obj(SDO_COMMON("language-content"), "\"contents\":{\"de\":{\"name\":\"x\"}}"),
                 "object_ref", "is required");
}

/* ---- versions ---------------------------------------------------------------------------- */

static void test_stix_version(void **state)
{
    (void)state;
    char v[KZ_STIX_VERSION_MAX];
    json_t *j = parse("{\"created\":\"2016-04-06T20:03:48Z\",\"modified\":"
                      "\"2017-01-01T00:00:00.5Z\"}");

    assert_int_equal(kz_stix_version(j, v), KZ_OK);
    assert_string_equal(v, "2017-01-01T00:00:00.500000000Z");
    json_object_del(j, "modified");
    assert_int_equal(kz_stix_version(j, v), KZ_OK);
    assert_string_equal(v, "2016-04-06T20:03:48.000000000Z");
    json_object_del(j, "created");
    assert_int_equal(kz_stix_version(j, v), KZ_OK);
    assert_string_equal(v, "");
    json_object_set_new(j, "created", json_integer(3));
    assert_int_equal(kz_stix_version(j, v), KZ_EINVAL);
    json_decref(j);
}

/* ---- robustness -------------------------------------------------------------------------- */

/* Every property of many types gets values of every wrong kind; nothing may crash. */
static void test_stix_never_crashes_on_wrong_kinds(void **state)
{
    (void)state;
    static const char *const bases[] = {
        ind, ident, SDO_COMMON("observed-data"), SDO_COMMON("location"), SDO_COMMON("sighting"),
        SDO_COMMON("relationship"), SDO_COMMON("marking-definition"),
        SDO_COMMON("language-content"), SDO_COMMON("extension-definition"),
        SCO("file", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2"),
        SCO("network-traffic", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2"),
        SCO("x509-certificate", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2"),
        SCO("windows-registry-key", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2"),
        SCO("email-message", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2"),
        SCO("artifact", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2"),
        SCO("process", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2"),
        "\"type\":\"x-custom\",\"id\":\"x-custom--bc634452-d224-5dfb-b05e-ca8ec77c3ab2\""};
    static const char *const props[] = {
        "type", "id", "spec_version", "created", "modified", "created_by_ref", "labels",
        "confidence", "lang", "external_references", "object_marking_refs", "granular_markings",
        "extensions", "revoked", "pattern", "pattern_type", "valid_from", "valid_until",
        "kill_chain_phases", "objects", "object_refs", "number_observed", "first_observed",
        "latitude", "longitude", "precision", "count", "source_ref", "definition",
        "definition_type", "contents", "extension_types", "hashes", "name", "parent_directory_ref",
        "src_port", "protocols", "start", "end", "values", "x509_v3_extensions",
        "body_multipart", "payload_bin", "url", "environment_variables", "is_multipart",
        "first_seen", "last_seen", "selectors", "value"};
    static const char *const values[] = {
        "null", "true", "0", "-1", "1e308", "-1e308", "18446744073709551615.0",
        "9223372036854775807", "\"\"", "\"\\u00e9\\u6f22\\ud83d\\ude00\"", "[]", "{}", "[[[[[]]]]]",
        "{\"a\":{\"b\":{\"c\":{}}}}", "[null,1,\"x\",{},[]]",
        "{\"MD5\":1,\"\":\"\",\"extension-definition--x\":[],\"ntfs-ext\":7}",
        "[{\"selectors\":[\"\",\".\",\"[\",\"[99999999999999999999]\",\"a.[0].b\"]}]",
        "[{\"kill_chain_name\":[],\"phase_name\":{}}]",
        "{\"tlp\":[],\"statement\":{}}"};

    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++)
        for (size_t p = 0; p < sizeof props / sizeof props[0]; p++)
            for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
                char text[4096];
                reports rs;
                json_t *base, *val;

                json_error_t e;

                snprintf(text, sizeof text, "{%s}", bases[b]);
                base = parse(text);
                val = json_loads(values[v], JSON_DECODE_ANY, &e);
                if (val != NULL)
                    json_object_set_new(base, props[p], val);
                (void)run(base, &rs);
                json_decref(base);
            }
    /* Top-level values that are not objects. */
    reports rs;
    json_t *a = json_array();
    assert_int_equal(run(a, &rs), 1);
    assert_true(has(&rs, KZ_STIX_ERROR, "", "expected a STIX object, got a list"));
    json_decref(a);
    assert_int_equal(kz_stix_validate(NULL, NULL, NULL, NULL), 1);
    expect_error("{\"type\":\"bundle\",\"id\":\"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
                 "type", "a bundle is not a STIX object");
}

static void test_stix_deep_nesting_is_safe(void **state)
{
    (void)state;
    char *text = malloc(4 * 3000 + 256);
    size_t n = 0;
    reports rs;
    json_error_t e;
    json_t *j;

    n += (size_t)snprintf(text, 256, "{" SCO("file", "bc634452-d224-5dfb-b05e-ca8ec77c3ab2")
                               ",\"name\":\"a\",\"extensions\":{\"x-deep-ext\":");
    for (int i = 0; i < 1000; i++)
        text[n++] = '[';
    for (int i = 0; i < 1000; i++)
        text[n++] = ']';
    memcpy(text + n, "}}", 3);
    j = json_loads(text, 0, &e);
    free(text);
    if (j == NULL) /* jansson's own depth limit refused it: nothing to validate */
        return;
    (void)run(j, &rs);
    json_decref(j);
}

/* ---- real data --------------------------------------------------------------------------- */

static void validate_bundle(const char *name)
{
    const char *dir = getenv("KZ_SHARED_DATA");
    char path[4096];
    json_error_t e;
    json_t *b, *objs, *o;
    size_t i;
    int errors = 0;
    struct timespec t0, t1;
    kz_limits lim = kz_limits_default();

    if (dir == NULL) {
        print_message("KZ_SHARED_DATA is not set: skipping the ATT&CK bundle %s\n", name);
        skip();
    }
    snprintf(path, sizeof path, "%s/attack/%s", dir, name);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((b = json_load_file(path, JSON_REJECT_DUPLICATES, &e)) == NULL) {
        print_message("%s cannot be read (%s): skipping\n", path, e.text);
        skip();
    }
    objs = json_object_get(b, "objects");
    assert_true(json_array_size(objs) > 1000);
    json_array_foreach(objs, i, o) {
        reports rs;
        memset(&rs, 0, sizeof rs);
        int n = kz_stix_validate(o, &lim, collect, &rs);
        if (n != 0) {
            print_message("%s objects[%zu] %s:\n", name, i,
                          json_string_value(json_object_get(o, "id")));
            dump(&rs);
        }
        errors += n;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("%s: %zu objects parsed and validated in %.1f ms (%.0f objects/s)\n", name,
                  json_array_size(objs), dt * 1e3, (double)json_array_size(objs) / dt);
    json_decref(b);
    assert_int_equal(errors, 0);
}

static void test_stix_attack_ics_18_0_has_no_errors(void **state)
{
    (void)state;
    validate_bundle("ics-attack-18.0.json");
}

static void test_stix_attack_ics_18_1_has_no_errors(void **state)
{
    (void)state;
    validate_bundle("ics-attack-18.1.json");
}

static void test_stix_attack_mobile_17_1_has_no_errors(void **state)
{
    (void)state;
    validate_bundle("mobile-attack-17.1.json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stix_tables_are_sorted),
        cmocka_unit_test(test_stix_type_known_and_sco),
        cmocka_unit_test(test_stix_common_type_rules),
        cmocka_unit_test(test_stix_common_id_rules),
        cmocka_unit_test(test_stix_common_spec_version_and_timestamps),
        cmocka_unit_test(test_stix_common_created_by_ref_and_markings),
        cmocka_unit_test(test_stix_common_simple_properties),
        cmocka_unit_test(test_stix_common_external_references),
        cmocka_unit_test(test_stix_granular_marking_selectors),
        cmocka_unit_test(test_stix_extensions),
        cmocka_unit_test(test_stix_custom_objects_and_properties),
        cmocka_unit_test(test_stix_sdo_required_properties),
        cmocka_unit_test(test_stix_indicator_rules),
        cmocka_unit_test(test_stix_observed_data_rules),
        cmocka_unit_test(test_stix_location_rules),
        cmocka_unit_test(test_stix_malware_opinion_grouping_rules),
        cmocka_unit_test(test_stix_relationship_rules),
        cmocka_unit_test(test_stix_sighting_rules),
        cmocka_unit_test(test_stix_sco_basics),
        cmocka_unit_test(test_stix_sco_file_and_hashes),
        cmocka_unit_test(test_stix_sco_extensions),
        cmocka_unit_test(test_stix_sco_cross_property_rules),
        cmocka_unit_test(test_stix_sco_deterministic_ids),
        cmocka_unit_test(test_stix_jcs_canonical_form),
        cmocka_unit_test(test_stix_marking_definitions),
        cmocka_unit_test(test_stix_extension_definition),
        cmocka_unit_test(test_stix_language_content),
        cmocka_unit_test(test_stix_version),
        cmocka_unit_test(test_stix_never_crashes_on_wrong_kinds),
        cmocka_unit_test(test_stix_deep_nesting_is_safe),
        cmocka_unit_test(test_stix_attack_ics_18_0_has_no_errors),
        cmocka_unit_test(test_stix_attack_ics_18_1_has_no_errors),
        cmocka_unit_test(test_stix_attack_mobile_17_1_has_no_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
