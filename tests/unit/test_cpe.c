/*
 * test_cpe.c - CPE names: the unbinding examples of NIST IR 7695 for both bindings, binding
 * back to the formatted string, every class of error with its message, the attribute table
 * and name-level relations of NIST IR 7696, the loose vendor/product comparison, and every CPE
 * string in the shared real data (CSAF ICS advisories, CVE 5 records, JVN API examples).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "kz_test.h"
#include "kizuna/cpe.h"

static kz_cpe ca, cb; /* large: kept off the stack */

static void parse_ok(const char *s, kz_cpe *c)
{
    kz_err err;
    if (kz_cpe_parse(kz_sv_c(s), c, &err) != KZ_OK)
        fail_msg("\"%s\" did not parse: %s", s, err.msg);
}

/* Parses s and checks its WFN as IR 7695 writes it. */
static void expect_wfn(const char *s, const char *wfn)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    parse_ok(s, &ca);
    assert_int_equal(kz_cpe_format_wfn(&ca, &b), KZ_OK);
    if (strcmp(b.p, wfn) != 0)
        fail_msg("%s\n  gave     %s\n  expected %s", s, b.p, wfn);
    kz_buf_free(&b);
}

static void expect_fs(const char *s, const char *fs)
{
    kz_buf b;
    kz_buf_init(&b, 0);
    parse_ok(s, &ca);
    assert_int_equal(kz_cpe_format(&ca, &b), KZ_OK);
    if (strcmp(b.p, fs) != 0)
        fail_msg("%s\n  bound to %s\n  expected %s", s, b.p, fs);
    parse_ok(b.p, &cb);
    assert_true(kz_cpe_equal(&ca, &cb));
    kz_buf_free(&b);
}

static void expect_err(const char *s, kz_rc rc, const char *msg)
{
    kz_err err = {{0}};
    kz_rc got = kz_cpe_parse(kz_sv_c(s), &ca, &err);
    if (got != rc)
        fail_msg("\"%s\": got %s, expected %s (%s)", s, kz_rc_str(got), kz_rc_str(rc), err.msg);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("\"%s\"\n  message  %s\n  expected %s", s, err.msg, msg);
}

#define ANY7 "edition=ANY,language=ANY,sw_edition=ANY,target_sw=ANY,target_hw=ANY,other=ANY]"

static void test_fs_unbinds_as_ir7695_examples(void **state)
{
    (void)state;
    expect_wfn("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
               "wfn:[part=\"a\",vendor=\"microsoft\",product=\"internet_explorer\","
               "version=\"8\\.0\\.6001\",update=\"beta\"," ANY7);
    expect_wfn("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
               "wfn:[part=\"a\",vendor=\"microsoft\",product=\"internet_explorer\","
               "version=\"8\\.*\",update=\"sp?\"," ANY7);
    expect_wfn("cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
               "wfn:[part=\"a\",vendor=\"hp\",product=\"insight_diagnostics\","
               "version=\"7\\.4\\.0\\.1570\",update=NA,edition=ANY,language=ANY,"
               "sw_edition=\"online\",target_sw=\"win2003\",target_hw=\"x64\",other=ANY]");
    expect_wfn("cpe:2.3:a:hp:openview_network_manager:7.51:*:*:*:*:linux:*:*",
               "wfn:[part=\"a\",vendor=\"hp\",product=\"openview_network_manager\","
               "version=\"7\\.51\",update=ANY,edition=ANY,language=ANY,sw_edition=ANY,"
               "target_sw=\"linux\",target_hw=ANY,other=ANY]");
    expect_wfn("cpe:2.3:a:foo\\\\bar:big\\$money_2010:*:*:*:*:special:ipod_touch:80gb:*",
               "wfn:[part=\"a\",vendor=\"foo\\\\bar\",product=\"big\\$money_2010\","
               "version=ANY,update=ANY,edition=ANY,language=ANY,sw_edition=\"special\","
               "target_sw=\"ipod_touch\",target_hw=\"80gb\",other=ANY]");
    /* A quoted ':' stays inside its component. */
    expect_wfn("cpe:2.3:a:foo:bar\\:baz:1.0:*:*:*:*:*:*:*",
               "wfn:[part=\"a\",vendor=\"foo\",product=\"bar\\:baz\",version=\"1\\.0\","
               "update=ANY," ANY7);
    /* Unquoted punctuation other than the wildcards is quoted in the WFN; "\_" is "_". */
    expect_wfn("cpe:2.3:o:mitsubishielectric:melsec_iq-fx5u-32mr%2Fds_firmware:*:*:*:*:*:*:*:*",
               "wfn:[part=\"o\",vendor=\"mitsubishielectric\","
               "product=\"melsec_iq\\-fx5u\\-32mr\\%2Fds_firmware\",version=ANY,update=ANY," ANY7);
    expect_wfn("cpe:2.3:a:v:p\\_q:??1??:*:*:*:*:*:*:*",
               "wfn:[part=\"a\",vendor=\"v\",product=\"p_q\",version=\"??1??\",update=ANY," ANY7);
    expect_wfn("cpe:2.3:*:*:*:*:*:*:*:*:*:*:*",
               "wfn:[part=ANY,vendor=ANY,product=ANY,version=ANY,update=ANY," ANY7);
}

static void test_uri_unbinds_as_ir7695_examples(void **state)
{
    (void)state;
    expect_wfn("cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
               "wfn:[part=\"a\",vendor=\"microsoft\",product=\"internet_explorer\","
               "version=\"8\\.0\\.6001\",update=\"beta\"," ANY7);
    /* %2a and %3f are literal characters; %02 and %01 are the wildcards. */
    expect_wfn("cpe:/a:microsoft:internet_explorer:8.%2a:sp%3f",
               "wfn:[part=\"a\",vendor=\"microsoft\",product=\"internet_explorer\","
               "version=\"8\\.\\*\",update=\"sp\\?\"," ANY7);
    expect_wfn("cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
               "wfn:[part=\"a\",vendor=\"microsoft\",product=\"internet_explorer\","
               "version=\"8\\.*\",update=\"sp?\"," ANY7);
    expect_wfn("cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
               "wfn:[part=\"a\",vendor=\"hp\",product=\"insight_diagnostics\","
               "version=\"7\\.4\\.0\\.1570\",update=ANY,edition=ANY,language=ANY,"
               "sw_edition=\"online\",target_sw=\"win2003\",target_hw=\"x64\",other=ANY]");
    expect_wfn("cpe:/a:hp:openview_network_manager:7.51:-:~~~linux~~",
               "wfn:[part=\"a\",vendor=\"hp\",product=\"openview_network_manager\","
               "version=\"7\\.51\",update=NA,edition=ANY,language=ANY,sw_edition=ANY,"
               "target_sw=\"linux\",target_hw=ANY,other=ANY]");
    /* A '~' that does not start the edition is a literal character. */
    expect_wfn("cpe:/a:foo~bar:big%7emoney_2010",
               "wfn:[part=\"a\",vendor=\"foo\\~bar\",product=\"big\\~money_2010\","
               "version=ANY,update=ANY," ANY7);
    /* JVN's vendor entries: an empty part is ANY. */
    expect_wfn("cpe:/:%240.99_kindle_books_project",
               "wfn:[part=ANY,vendor=\"\\$0\\.99_kindle_books_project\",product=ANY,"
               "version=ANY,update=ANY," ANY7);
    expect_wfn("cpe:/", "wfn:[part=ANY,vendor=ANY,product=ANY,version=ANY,update=ANY," ANY7);
}

static void test_format_binds_formatted_string_without_needless_quotes(void **state)
{
    (void)state;
    expect_fs("cpe:/a:microsoft:internet_explorer:8.0.6001:beta",
              "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*");
    expect_fs("cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~",
              "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*");
    expect_fs("cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
              "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*");
    expect_fs("cpe:/a:rockwellautomation:industrial_data_center_%28idc%29_with_veeam",
              "cpe:2.3:a:rockwellautomation:industrial_data_center_\\(idc\\)_with_veeam:*:*:*:*:"
              "*:*:*:*");
    expect_fs("cpe:2.3:a:foo\\\\bar:big\\$money:2010:*:*:*:special:ipod_touch:80gb:*",
              "cpe:2.3:a:foo\\\\bar:big\\$money:2010:*:*:*:special:ipod_touch:80gb:*");
}

static void test_literal_dash_value_stays_a_value_not_na(void **state)
{
    kz_sv v;
    (void)state;
    parse_ok("cpe:2.3:a:v:p:\\-:*:*:*:*:*:*:*", &ca);
    assert_int_equal(kz_cpe_get(&ca, KZ_CPE_VERSION, &v), KZ_CPE_VALUE);
    assert_true(kz_sv_eq_c(v, "\\-"));
    expect_fs("cpe:2.3:a:v:p:\\-:*:*:*:*:*:*:*", "cpe:2.3:a:v:p:\\-:*:*:*:*:*:*:*");
    parse_ok("cpe:2.3:a:v:p:-:*:*:*:*:*:*:*", &ca);
    assert_int_equal(kz_cpe_get(&ca, KZ_CPE_VERSION, NULL), KZ_CPE_NA);
}

static void test_parse_errors_name_attribute_position_and_expectation(void **state)
{
    char big[KZ_CPE_MAX_BYTES + 64];
    (void)state;
    expect_err("cpe:2.3:x:vendor:product:1.0:*:*:*:*:*:*:*", KZ_EINVAL,
               "CPE attribute part (at byte 8): bad part value 'x'; expected a (application), o "
               "(operating system), h (hardware), * (ANY) or - (NA)");
    expect_err("cpe:/app:vendor", KZ_EINVAL,
               "CPE attribute part (at byte 5): bad part value 'app'; expected a (application), "
               "o (operating system), h (hardware), * (ANY) or - (NA)");
    expect_err("cpe:2.3:a::product:1.0:*:*:*:*:*:*:*", KZ_EINVAL,
               "CPE attribute vendor (at byte 10): empty; a formatted string writes ANY as '*' "
               "and NA as '-'");
    expect_err("cpe:2.3:a:v:p:1:*:*:*:*:*:*", KZ_EINVAL,
               "CPE formatted string: wrong number of components: 10 after 'cpe:2.3:', expected "
               "11 (part:vendor:product:version:update:edition:language:sw_edition:target_sw:"
               "target_hw:other)");
    expect_err("cpe:2.3::alcatel", KZ_EINVAL,
               "CPE formatted string: wrong number of components: 2 after 'cpe:2.3:', expected "
               "11 (part:vendor:product:version:update:edition:language:sw_edition:target_sw:"
               "target_hw:other)");
    expect_err("cpe:2.3:a:hp:insight_diagnostics:7.4.*.1570:*:*:*:*:*:*:*", KZ_EINVAL,
               "CPE attribute version (at byte 37): unquoted special character '*' inside the "
               "value; an asterisk may only begin or end a value (write \\* for a literal one)");
    expect_err("cpe:2.3:a:v:p:1?2:*:*:*:*:*:*:*", KZ_EINVAL,
               "CPE attribute version (at byte 15): unquoted special character '?' inside the "
               "value; question marks may only lead or trail a value (write \\? for a literal "
               "one)");
    expect_err("cpe:2.3:a:v:p:**:*:*:*:*:*:*:*", KZ_EINVAL,
               "CPE attribute version (at byte 14): unquoted wildcards must be one '*' or a run "
               "of '?' at the start and/or end of a value around at least one other character; "
               "quote a literal one as \\* or \\?");
    expect_err("cpe:2.3:a:v:p:1:*:*:*:*:*:*:x\\", KZ_EINVAL,
               "CPE attribute other (at byte 29): backslash at the end of the name quotes "
               "nothing");
    expect_err("cpe:2.3:a:v:p\\q:1:*:*:*:*:*:*:*", KZ_EINVAL,
               "CPE attribute product (at byte 13): backslash before 'q'; only punctuation may "
               "be quoted");
    expect_err("cpe:2.3:a:v:p p:1:*:*:*:*:*:*:*", KZ_EINVAL,
               "CPE attribute product (at byte 13): character 0x20 is not allowed; CPE values "
               "are printable ASCII without spaces");
    expect_err("cpe:/a:foo%5cbar:big%24money_2010%07:::~~special~ipod_touch~80gb~", KZ_EINVAL,
               "CPE attribute product (at byte 33): %07 is not a CPE escape; only punctuation, "
               "%01 ('?') and %02 ('*') may be encoded");
    expect_err("cpe:/a:foo:bar:12.%02.1234", KZ_EINVAL,
               "CPE attribute version (at byte 15): unquoted wildcards must be one '*' or a run "
               "of '?' at the start and/or end of a value around at least one other character; "
               "quote a literal one as \\* or \\?");
    expect_err("cpe:/a:foo:bar:1%2", KZ_EINVAL,
               "CPE attribute version (at byte 16): '%' must be followed by two hex digits");
    expect_err("cpe:/a:foo:c++", KZ_EINVAL,
               "CPE attribute product (at byte 12): character '+' must be percent-encoded in a "
               "CPE URI");
    expect_err("cpe:/a:v:p:1:u:e:en:x", KZ_EINVAL,
               "CPE URI: wrong number of components: 8 after 'cpe:/', expected at most 7 "
               "(part:vendor:product:version:update:edition:language)");
    expect_err("cpe:/a:v:p:1:u:~a~b", KZ_EINVAL,
               "CPE URI attribute edition (at byte 15): a packed edition needs 5 '~' "
               "(~edition~sw_edition~target_sw~target_hw~other), found 2");
    expect_err("cpe:2.2:a:v:p", KZ_EINVAL,
               "not a CPE name: expected 'cpe:2.3:' (formatted string) or 'cpe:/' (URI) at byte "
               "0");
    memset(big, 'a', sizeof big);
    memcpy(big, "cpe:/a:", 7);
    big[sizeof big - 1] = '\0';
    expect_err(big, KZ_ELIMIT, "CPE name is 1087 bytes; the limit is 1024");
}

/* IR 7696 Table 6-2, one row at a time, on the product attribute. */
static void test_attribute_relations_follow_ir7696_table(void **state)
{
    static const struct {
        const char *source, *target;
        kz_cpe_rel rel;
    } rows[] = {
        {"*", "*", KZ_CPE_EQUAL},          {"*", "-", KZ_CPE_SUPERSET},
        {"*", "foo", KZ_CPE_SUPERSET},     {"*", "fo?", KZ_CPE_UNDEFINED},
        {"-", "*", KZ_CPE_SUBSET},         {"-", "-", KZ_CPE_EQUAL},
        {"-", "foo", KZ_CPE_DISJOINT},     {"-", "f*", KZ_CPE_UNDEFINED},
        {"foo", "foo", KZ_CPE_EQUAL},      {"foo", "bar", KZ_CPE_DISJOINT},
        {"foo", "fo?", KZ_CPE_UNDEFINED},  {"foo", "-", KZ_CPE_DISJOINT},
        {"foo", "*", KZ_CPE_SUBSET},       {"fo*", "foobar", KZ_CPE_SUPERSET},
        {"ba*", "foobar", KZ_CPE_DISJOINT}, {"fo*", "*", KZ_CPE_SUBSET},
        {"fo*", "-", KZ_CPE_DISJOINT},     {"fo*", "f*", KZ_CPE_UNDEFINED},
        /* Wildcard detail: '*' at either end, '?' runs allow up to that many characters. */
        {"*bar", "foobar", KZ_CPE_SUPERSET}, {"*oba*", "foobar", KZ_CPE_SUPERSET},
        {"foo?", "foob", KZ_CPE_SUPERSET},   {"foo?", "foobar", KZ_CPE_DISJOINT},
        {"??obar", "foobar", KZ_CPE_SUPERSET}, {"?obar", "foobar", KZ_CPE_DISJOINT},
        {"8\\.*", "8.0.6001", KZ_CPE_SUPERSET}, {"8\\.*", "80", KZ_CPE_DISJOINT},
        {"\\*", "\\*x", KZ_CPE_DISJOINT},     {"FooBar", "foobar", KZ_CPE_EQUAL},
    };
    char s[128], t[128];
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        kz_cpe_rel got;
        snprintf(s, sizeof s, "cpe:2.3:a:v:%s:*:*:*:*:*:*:*:*", rows[i].source);
        snprintf(t, sizeof t, "cpe:2.3:a:v:%s:*:*:*:*:*:*:*:*", rows[i].target);
        parse_ok(s, &ca);
        parse_ok(t, &cb);
        got = kz_cpe_compare_attr(&ca, &cb, KZ_CPE_PRODUCT);
        if (got != rows[i].rel)
            fail_msg("source %s target %s: %s, expected %s", rows[i].source, rows[i].target,
                     kz_cpe_rel_str(got), kz_cpe_rel_str(rows[i].rel));
    }
}

static void expect_rel(const char *s, const char *t, kz_cpe_rel rel)
{
    kz_cpe_rel got;
    parse_ok(s, &ca);
    parse_ok(t, &cb);
    got = kz_cpe_compare(&ca, &cb);
    if (got != rel)
        fail_msg("%s vs %s: %s, expected %s", s, t, kz_cpe_rel_str(got), kz_cpe_rel_str(rel));
}

/* The name comparison examples of IR 7696 section 6.2 and their obvious neighbours. */
static void test_name_relations_follow_ir7696(void **state)
{
    (void)state;
    /* Target with wildcards: the version and update comparisons are undefined. */
    expect_rel("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
               "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*", KZ_CPE_UNDEFINED);
    /* Source with wildcards: version SUPERSET, update DISJOINT: disjoint names. */
    expect_rel("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
               "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
               KZ_CPE_DISJOINT);
    expect_rel("cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
               "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:sp1:*:*:*:*:*:*",
               KZ_CPE_SUPERSET);
    expect_rel("cpe:2.3:a:adobe:reader:*:*:*:*:*:*:*:*",
               "cpe:2.3:a:adobe:reader:9.1:-:*:en:*:*:*:*", KZ_CPE_SUPERSET);
    expect_rel("cpe:2.3:a:adobe:reader:9.1:-:*:en:*:*:*:*",
               "cpe:2.3:a:adobe:reader:*:*:*:*:*:*:*:*", KZ_CPE_SUBSET);
    expect_rel("cpe:2.3:o:fortinet:fortios:7.4.0:*:*:*:*:*:*:*",
               "cpe:/o:fortinet:fortios:7.4.0", KZ_CPE_EQUAL);
    expect_rel("cpe:2.3:o:fortinet:fortios:7.4.0:*:*:*:*:*:*:*",
               "cpe:2.3:o:fortinet:fortios:7.2.0:*:*:*:*:*:*:*", KZ_CPE_DISJOINT);
    /* SUPERSET on one attribute and SUBSET on another is none of the four. */
    expect_rel("cpe:2.3:a:v:p:*:1:*:*:*:*:*:*", "cpe:2.3:a:v:p:2:*:*:*:*:*:*:*",
               KZ_CPE_UNDEFINED);
}

static void test_matches_means_superset_or_equal(void **state)
{
    (void)state;
    parse_ok("cpe:2.3:o:fortinet:fortios:7.*:*:*:*:*:*:*:*", &ca);
    parse_ok("cpe:2.3:o:fortinet:fortios:7.2.0:*:*:*:*:*:*:*", &cb);
    assert_true(kz_cpe_matches(&ca, &cb));
    assert_false(kz_cpe_matches(&cb, &ca)); /* the target has a wildcard: undefined */
    assert_true(kz_cpe_matches(&cb, &cb));
    parse_ok("cpe:2.3:o:fortinet:fortios:6.*:*:*:*:*:*:*:*", &ca);
    assert_false(kz_cpe_matches(&ca, &cb));
    parse_ok("cpe:2.3:a:fortinet:fortios:*:*:*:*:*:*:*:*", &ca);
    assert_false(kz_cpe_matches(&ca, &cb)); /* part a against o */
}

static void test_name_equal_ignores_case_spaces_and_separators(void **state)
{
    (void)state;
    assert_true(kz_cpe_name_equal(KZ_SV("Rockwell Automation"), KZ_SV("rockwellautomation")));
    assert_true(kz_cpe_name_equal(KZ_SV("Schneider Electric"), KZ_SV("schneider_electric")));
    assert_true(kz_cpe_name_equal(KZ_SV("MELSEC Q Series"), KZ_SV("melsec\\-q_series")));
    assert_true(kz_cpe_name_equal(KZ_SV("Siemens"), KZ_SV("siemens")));
    assert_false(kz_cpe_name_equal(KZ_SV("Siemens"), KZ_SV("siemens ag")));
    assert_false(kz_cpe_name_equal(KZ_SV("dendai.ac.jp"), KZ_SV("dendaiacjp")));
    assert_false(kz_cpe_name_equal(KZ_SV(" _-"), KZ_SV("")));
    assert_false(kz_cpe_name_equal(KZ_SV("abc"), KZ_SV("abcd")));
}

/* ---- real data ---------------------------------------------------------------------------- */

typedef struct {
    size_t files, found, bad;
    size_t bad_other; /* rejections that are not JVN's "cpe:2.3::vendor" shorthand */
} tally;

static void check_one(tally *t, const char *where, const char *s)
{
    kz_cpe c;
    kz_err err;
    t->found++;
    if (kz_cpe_parse(kz_sv_c(s), &c, &err) == KZ_OK)
        return;
    t->bad++;
    t->bad_other += strncmp(s, "cpe:2.3::", 9) != 0;
    print_message("  %s: \"%s\": %s\n", where, s, err.msg);
}

/* CSAF: product_identification_helper.cpe anywhere under product_tree. */
static void csaf_walk(json_t *v, const char *path, tally *t)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x, *h = json_object_get(v, "product_identification_helper");
        if (json_is_object(h) && json_is_string(json_object_get(h, "cpe")))
            check_one(t, path, json_string_value(json_object_get(h, "cpe")));
        json_object_foreach(v, k, x) csaf_walk(x, path, t);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) csaf_walk(x, path, t);
    }
}

static void csaf_file(const char *path, void *arg)
{
    tally *t = arg;
    json_t *doc = json_load_file(path, 0, NULL);
    if (doc == NULL)
        fail_msg("%s: not JSON", path);
    t->files++;
    csaf_walk(json_object_get(doc, "product_tree"), path, t);
    json_decref(doc);
}

static void cve5_affected(json_t *container, const char *path, tally *t)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(container, "affected"), i, a) {
        size_t j;
        json_t *c;
        json_array_foreach(json_object_get(a, "cpes"), j, c) {
            if (json_is_string(c))
                check_one(t, path, json_string_value(c));
        }
    }
}

/* CVE 5: containers.cna.affected[].cpes, and the same in each ADP container (CISA adds CPEs
 * there when the CNA gave none). arg is two tallies: CNA, then ADP. */
static void cve5_file(const char *path, void *arg)
{
    tally *t = arg;
    json_t *doc = json_load_file(path, 0, NULL), *containers, *adp;
    size_t i;
    if (doc == NULL)
        fail_msg("%s: not JSON", path);
    t[0].files++;
    containers = json_object_get(doc, "containers");
    cve5_affected(json_object_get(containers, "cna"), path, &t[0]);
    json_array_foreach(json_object_get(containers, "adp"), i, adp) cve5_affected(adp, path, &t[1]);
    json_decref(doc);
}

static void test_real_data_csaf_and_cve5_cpes_all_parse(void **state)
{
    char csaf[4096], cve5[4096];
    tally a = {0}, b[2] = {{0}};
    (void)state;
    if (!kz_test_data_dir(csaf, sizeof csaf, "csaf-ics") ||
        !kz_test_data_dir(cve5, sizeof cve5, "cve5")) {
        print_message("KZ_SHARED_DATA/csaf-ics or /cve5 is absent: skipping the real-data check\n");
        skip();
    }
    kz_test_walk_json(csaf, csaf_file, &a);
    kz_test_walk_json(cve5, cve5_file, b);
    print_message("csaf-ics: %zu files, %zu CPE names, %zu rejected\n", a.files, a.found, a.bad);
    print_message("cve5: %zu files, %zu CPE names in CNA containers and %zu in ADP, %zu "
                  "rejected\n",
                  b[0].files, b[0].found, b[1].found, b[0].bad + b[1].bad);
    assert_int_equal(a.files, 1970);
    /* The CISA ICS advisories identify products by model numbers and SKUs, never by CPE. */
    assert_int_equal(a.found, 0);
    assert_int_equal(b[0].files, 11);
    assert_int_equal(b[0].found, 0);
    assert_int_equal(b[1].found, 9); /* CVE-2024-21762, CISA ADP: FortiOS and FortiProxy */
    assert_int_equal(a.bad + b[0].bad + b[1].bad, 0);
}

/* JVN: every string value that starts with "cpe:" in the MyJVN API examples. */
static void jvn_walk(json_t *v, const char *path, tally *t)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) jvn_walk(x, path, t);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) jvn_walk(x, path, t);
    } else if (json_is_string(v) && strncmp(json_string_value(v), "cpe:", 4) == 0) {
        check_one(t, path, json_string_value(v));
    }
}

static void jvn_file(const char *path, void *arg)
{
    tally *t = arg;
    json_t *doc = json_load_file(path, 0, NULL);
    if (doc == NULL)
        return; /* three of the examples are truncated JSON; test_stix and others cover that */
    t->files++;
    jvn_walk(doc, path, t);
    json_decref(doc);
}

/*
 * JVN's vendor dictionary writes vendor-level names as "cpe:2.3::vendor", which is not a
 * formatted string (it has 2 components, not 11, and an empty part); the URI form of the same
 * entries, "cpe:/:vendor", is valid. Those are the only rejections, each listed with its reason.
 */
static void test_real_data_jvn_cpes_parse_but_vendor_shorthand(void **state)
{
    char jvn[4096];
    tally t = {0};
    (void)state;
    if (!kz_test_data_dir(jvn, sizeof jvn, "jvn")) {
        print_message("KZ_SHARED_DATA/jvn is absent: skipping the JVN check\n");
        skip();
    }
    kz_test_walk_json(jvn, jvn_file, &t);
    print_message("jvn: %zu JSON files, %zu CPE names, %zu rejected\n", t.files, t.found, t.bad);
    assert_int_equal(t.found, 144); /* occurrences, in the 29 files that are whole JSON */
    assert_int_equal(t.bad, 58);
    assert_int_equal(t.bad_other, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fs_unbinds_as_ir7695_examples),
        cmocka_unit_test(test_uri_unbinds_as_ir7695_examples),
        cmocka_unit_test(test_format_binds_formatted_string_without_needless_quotes),
        cmocka_unit_test(test_literal_dash_value_stays_a_value_not_na),
        cmocka_unit_test(test_parse_errors_name_attribute_position_and_expectation),
        cmocka_unit_test(test_attribute_relations_follow_ir7696_table),
        cmocka_unit_test(test_name_relations_follow_ir7696),
        cmocka_unit_test(test_matches_means_superset_or_equal),
        cmocka_unit_test(test_name_equal_ignores_case_spaces_and_separators),
        cmocka_unit_test(test_real_data_csaf_and_cve5_cpes_all_parse),
        cmocka_unit_test(test_real_data_jvn_cpes_parse_but_vendor_shorthand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
