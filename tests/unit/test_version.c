/*
 * test_version.c - version comparison and affected-version ranges: semver 2.0.0 precedence from
 * semver.org, the generic vendor rules one by one, the purl vers spec's own examples, every
 * hand-written range form on both sides of its boundary, POSSIBLY with a reason for what is not
 * understood, the limits, and every product_version_range in the shared CSAF ICS corpus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "kz_test.h"
#include "kizuna/version.h"

/* ---- comparison ---------------------------------------------------------------------------- */

static int cmp(const char *a, const char *b, kz_version_scheme s)
{
    return kz_version_cmp(kz_sv_c(a), kz_sv_c(b), s);
}

/* Asserts a < b, b > a and each equal to itself. */
static void assert_before(const char *a, const char *b, kz_version_scheme s)
{
    if (cmp(a, b, s) != -1 || cmp(b, a, s) != 1)
        fail_msg("expected \"%s\" < \"%s\", got %d / %d", a, b, cmp(a, b, s), cmp(b, a, s));
    if (cmp(a, a, s) != 0 || cmp(b, b, s) != 0)
        fail_msg("\"%s\" or \"%s\" not equal to itself", a, b);
}

static void assert_same(const char *a, const char *b, kz_version_scheme s)
{
    if (cmp(a, b, s) != 0 || cmp(b, a, s) != 0)
        fail_msg("expected \"%s\" = \"%s\", got %d", a, b, cmp(a, b, s));
}

static void test_semver_precedence_follows_semver_org_examples(void **state)
{
    /* semver.org section 11, in order. */
    static const char *const chain[] = {
        "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
        "1.0.0-beta.11", "1.0.0-rc.1",   "1.0.0",            "2.0.0",      "2.1.0",
        "2.1.1"};
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof chain / sizeof chain[0]; i++)
        for (j = i + 1; j < sizeof chain / sizeof chain[0]; j++)
            assert_before(chain[i], chain[j], KZ_VERSION_SEMVER);
}

static void test_semver_numeric_identifiers_sort_below_alphanumeric_and_by_value(void **state)
{
    (void)state;
    assert_before("1.0.0-2", "1.0.0-10", KZ_VERSION_SEMVER);
    assert_before("1.0.0-999", "1.0.0-a", KZ_VERSION_SEMVER);
    assert_before("1.0.0-B", "1.0.0-a", KZ_VERSION_SEMVER); /* ASCII order */
    assert_before("1.9.0", "1.10.0", KZ_VERSION_SEMVER);
    assert_before("1.0.0-x-y", "1.0.0-x-z", KZ_VERSION_SEMVER);
    /* Numbers longer than any integer type still compare by value. */
    assert_before("1.0.99999999999999999999999", "1.0.100000000000000000000000",
                  KZ_VERSION_SEMVER);
}

static void test_semver_ignores_build_metadata(void **state)
{
    (void)state;
    assert_same("1.0.0+20130313144700", "1.0.0", KZ_VERSION_SEMVER);
    assert_same("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta", KZ_VERSION_SEMVER);
    assert_same("1.0.0+21AF26D3----117B344092BD", "1.0.0+other", KZ_VERSION_SEMVER);
}

static void test_semver_rejects_what_is_not_semver_with_a_reason(void **state)
{
    static const char *const bad[] = {"1.0",     "01.0.0",  "1.01.0",    "1.0.0-",   "1.0.0-01",
                                      "v1.0.0",  "1.0.0+",  "1.0.0-a..b", "1.0.0-a_b", "1.0.0 ",
                                      "",        "1.0.0.0", "-1.0.0",    "1.0.0+a..b"};
    size_t i;
    int r = 5;
    kz_err err;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (cmp(bad[i], "1.0.0", KZ_VERSION_SEMVER) != KZ_VERSION_INCOMPARABLE)
            fail_msg("\"%s\" accepted as semver", bad[i]);
        err.msg[0] = '\0';
        assert_int_equal(kz_version_compare(kz_sv_c("1.0.0"), kz_sv_c(bad[i]), KZ_VERSION_SEMVER,
                                            &r, &err),
                         KZ_EINVAL);
        assert_int_equal(r, 0);
        assert_true(err.msg[0] != '\0');
    }
    /* Leading zeros are allowed in alphanumeric identifiers and build metadata. */
    assert_int_equal(cmp("1.0.0-0a", "1.0.0-0a", KZ_VERSION_SEMVER), 0);
    assert_int_equal(cmp("1.0.0+001", "1.0.0", KZ_VERSION_SEMVER), 0);
}

static void test_generic_orders_vendor_firmware_versions(void **state)
{
    /* Each line: a < b under the rules in version.h. */
    static const char *const before[][2] = {
        {"1.16", "1.16S"},           /* letter suffix after the bare number */
        {"1.16S", "1.16.1"},         /* ...but before the next number */
        {"1.16S", "1.17"},
        {"1.03D", "1.04E"},
        {"1.241A", "1.241B"},
        {"V2.00", "V2.01"},
        {"5.008", "5.028"},
        {"5.8", "5.28"},
        {"4.9", "4.10"},             /* numerically, not as text */
        {"R3.1", "R3.1 SP2"},
        {"R3.1 SP2", "R3.1 SP10"},
        {"R9.90", "R10.04"},
        {"1.0.4", "1.0.4 Build 20230219"},
        {"1.0.4 Build 20230219", "1.0.4 Build 20230301"},
        {"2.0.0-rc1", "2.0.0"},      /* pre-release before the release */
        {"2.0.0-rc1", "2.0.0-rc2"},
        {"2.0.0-alpha", "2.0.0-beta"},
        {"2.0.0-beta3", "2.0.0-rc1"},
        {"1.0a1", "1.0b1"},
        {"1.0b2", "1.0"},
        {"1.9", "2.0.0-rc1"},
        {"1.0.1", "1.0.1a"},         /* OpenSSL style letter revisions */
        {"1.0.1a", "1.0.1b"},
        {"V14", "V14 SP1"},
        {"V14 SP1", "V14 SP1 Update 14"},
        {"V14 SP1 Update 14", "V14.1"},
        {"V15.1 Upd 4", "V15.1 Update 5"}, /* "Upd" reads as "Update" */
        {"V17 Update 5", "V18"},
        {"V18_Update_1", "V18 Update 2"},
        {"3.5.14.10", "3.5.15.0"},
        {"99999999999999999999", "100000000000000000000"},
    };
    static const char *const same[][2] = {
        {"V2.00", "2"},      {"2.0", "2.0.0"},        {"5.008", "5.8"},      {"v1.2", "V1.2"},
        {"Ver.2.60", "2.60"}, {"R9.90", "9.90"},      {"1.16S", "1.16.s"},   {"01.39.000", "1.39"},
        {"V18_Update_2", "V18 Update 2"}, {"2.x", "2.5"}, {"3.X.17", "3.4.17"}, {"1.0 HF1", "1.0 hotfix 1"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof before / sizeof before[0]; i++)
        assert_before(before[i][0], before[i][1], KZ_VERSION_GENERIC);
    for (i = 0; i < sizeof same / sizeof same[0]; i++)
        assert_same(same[i][0], same[i][1], KZ_VERSION_GENERIC);
}

static void test_generic_rejects_what_has_no_version_in_it(void **state)
{
    char big[KZ_VERSION_MAX_BYTES + 2], many[3 * KZ_VERSION_MAX_ATOMS + 8];
    int r;
    kz_err err;
    size_t i;

    (void)state;
    assert_int_equal(cmp("", "1.0", KZ_VERSION_GENERIC), KZ_VERSION_INCOMPARABLE);
    assert_int_equal(cmp("  ..-", "1.0", KZ_VERSION_GENERIC), KZ_VERSION_INCOMPARABLE);
    assert_int_equal(cmp("1.0\x01", "1.0", KZ_VERSION_GENERIC), KZ_VERSION_INCOMPARABLE);
    assert_int_equal(cmp("1.0\xc3\xa9", "1.0", KZ_VERSION_GENERIC), KZ_VERSION_INCOMPARABLE);
    assert_int_equal(kz_version_compare(kz_sv_c("1.0"), kz_sv_c("1.0\x01"), KZ_VERSION_GENERIC, &r,
                                        &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "0x01"));
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(kz_version_compare(kz_sv_c(big), kz_sv_c("1"), KZ_VERSION_GENERIC, &r, &err),
                     KZ_ELIMIT);
    for (i = 0; i + 2 < sizeof many; i += 2) {
        many[i] = '1';
        many[i + 1] = '.';
    }
    many[i] = '\0';
    assert_int_equal(kz_version_compare(kz_sv_c(many), kz_sv_c("1"), KZ_VERSION_GENERIC, &r, &err),
                     KZ_ELIMIT);
    /* The view is bounded: bytes past n are never read. */
    assert_int_equal(kz_version_cmp((kz_sv){"1.2garbage", 3}, kz_sv_c("1.2"), KZ_VERSION_GENERIC),
                     0);
}

/* ---- ranges -------------------------------------------------------------------------------- */

typedef struct {
    const char *range;
    const char *version;
    kz_match want;
} case_t;

static void check_cases(const case_t *c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        kz_range r;
        kz_err err;
        kz_match m;
        kz_rc rc = kz_range_parse(kz_sv_c(c[i].range), &r, &err);

        if (rc != KZ_OK && c[i].want != KZ_MATCH_POSSIBLY)
            fail_msg("\"%s\" does not parse: %s", c[i].range, err.msg);
        err.msg[0] = '\0';
        assert_int_equal(kz_range_contains(&r, kz_sv_c(c[i].version), &m, &err), KZ_OK);
        if (m != c[i].want)
            fail_msg("\"%s\" with \"%s\": %s, expected %s (%s)", c[i].range, c[i].version,
                     kz_match_str(m), kz_match_str(c[i].want), err.msg);
        if (m == KZ_MATCH_POSSIBLY && err.msg[0] == '\0')
            fail_msg("\"%s\" with \"%s\": POSSIBLY without a reason", c[i].range, c[i].version);
    }
}

#define A KZ_MATCH_AFFECTED
#define N KZ_MATCH_NOT_AFFECTED
#define P KZ_MATCH_POSSIBLY

static void test_vers_spec_examples_contain_what_the_spec_says(void **state)
{
    static const case_t c[] = {
        {"vers:npm/1.2.3", "1.2.3", A},
        {"vers:npm/1.2.3", "1.2.4", N},
        {"vers:npm/1.2.3|>=2.0.0|<5.0.0", "1.2.3", A},
        {"vers:npm/1.2.3|>=2.0.0|<5.0.0", "1.2.4", N},
        {"vers:npm/1.2.3|>=2.0.0|<5.0.0", "2.0.0-rc.1", N},
        {"vers:npm/1.2.3|>=2.0.0|<5.0.0", "2.0.0", A},
        {"vers:npm/1.2.3|>=2.0.0|<5.0.0", "4.99.99", A},
        {"vers:npm/1.2.3|>=2.0.0|<5.0.0", "5.0.0-alpha", A},
        {"vers:npm/1.2.3|>=2.0.0|<5.0.0", "5.0.0", N},
        {"vers:pypi/0.0.0|0.0.1|0.0.2|0.0.3|1.0|2.0pre1", "2.0pre1", A},
        {"vers:pypi/0.0.0|0.0.1|0.0.2|0.0.3|1.0|2.0pre1", "1.0.0", A},
        {"vers:pypi/0.0.0|0.0.1|0.0.2|0.0.3|1.0|2.0pre1", "2.0", N},
        {"vers:all/*", "0.0.1", A},
        {"vers:none/*", "0.0.1", N},
        {"vers:maven/>=1.0.0-beta1|<=1.7.5|>=7.0.0-M1|<=7.0.7|>=7.1.0|<=7.1.2|>=8.0.0-M1|<=8.0.1",
         "1.0.0-beta1", A},
        {"vers:maven/>=1.0.0-beta1|<=1.7.5|>=7.0.0-M1|<=7.0.7|>=7.1.0|<=7.1.2|>=8.0.0-M1|<=8.0.1",
         "1.7.6", N},
        {"vers:maven/>=1.0.0-beta1|<=1.7.5|>=7.0.0-M1|<=7.0.7|>=7.1.0|<=7.1.2|>=8.0.0-M1|<=8.0.1",
         "7.0.3", A},
        {"vers:maven/>=1.0.0-beta1|<=1.7.5|>=7.0.0-M1|<=7.0.7|>=7.1.0|<=7.1.2|>=8.0.0-M1|<=8.0.1",
         "7.0.8", N},
        {"vers:maven/>=1.0.0-beta1|<=1.7.5|>=7.0.0-M1|<=7.0.7|>=7.1.0|<=7.1.2|>=8.0.0-M1|<=8.0.1",
         "8.0.1", A},
        {"vers:maven/>=1.0.0-beta1|<=1.7.5|>=7.0.0-M1|<=7.0.7|>=7.1.0|<=7.1.2|>=8.0.0-M1|<=8.0.1",
         "9", N},
        {"vers:gem/>=2.2.0|!= 2.2.1|<2.3.0", "2.2.0", A},
        {"vers:gem/>=2.2.0|!= 2.2.1|<2.3.0", "2.2.1", N},
        {"vers:gem/>=2.2.0|!= 2.2.1|<2.3.0", "2.2.2", A},
        {"vers:gem/>=2.2.0|!= 2.2.1|<2.3.0", "2.3.0", N},
        /* Spaces are not significant; leading, trailing and doubled pipes are ignored. */
        {"vers:generic/ <  1.2. 3 | > = 2  . 0", "1.2.2", A},
        {"vers:generic/ <  1.2. 3 | > = 2  . 0", "1.5", N},
        {"vers:generic/ <  1.2. 3 | > = 2  . 0", "2.0", A},
        {"vers:generic/||<2||", "1", A},
        /* Percent-quoted versions. */
        {"vers:generic/%3C1.0", "<1.0", A},
        /* CSAF producers' vers without pipes between constraints. */
        {"vers:all/>=V7.80<V9.40", "V7.80", A},
        {"vers:all/>=V7.80<V9.40", "V9.40", N},
        {"vers:all/>=V7.80<V9.40", "V7.79", N},
        {"vers:all/<V4.3.8", "V4.3.7", A},
        {"vers:all/<V4.3.8", "V4.3.8", N},
        {"vers:all/<V5.2 SP 3 HF 13", "V5.2 SP3 HF12", A},
        {"vers:all/<V5.2 SP 3 HF 13", "V5.2 SP3 HF13", N},
    };
    (void)state;
    check_cases(c, sizeof c / sizeof c[0]);
}

static void test_vers_errors_are_reported_and_give_possibly(void **state)
{
    static const char *const bad[] = {
        "vers:npm/",              /* no constraints */
        "vers:npm/*|1.0.0",       /* star not alone */
        "vers:NPM/1.0.0",         /* scheme not lower case */
        "vers:npm/1.0.0|1.0.0",   /* duplicate */
        "vers:npm/>=1.0|<2.0.0",  /* not semver under npm */
        "vers:npm/>=",            /* comparator without a version */
        "vers:npm",               /* no slash */
        "vers:/1.0",              /* empty scheme */
        "vers:generic/1.0%zz",    /* bad escape */
        "vers:none/1.0",          /* none takes only a star */
        "vers:all/*_installed_on_CP200_devices",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kz_range r;
        kz_err err;
        kz_match m;

        err.msg[0] = '\0';
        if (kz_range_parse(kz_sv_c(bad[i]), &r, &err) == KZ_OK)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_true(err.msg[0] != '\0');
        assert_int_equal(r.kind, KZ_RANGE_UNKNOWN);
        assert_string_equal(r.reason, err.msg);
        err.msg[0] = '\0';
        assert_int_equal(kz_range_contains(&r, kz_sv_c("1.0.0"), &m, &err), KZ_OK);
        assert_int_equal(m, KZ_MATCH_POSSIBLY);
        assert_non_null(strstr(err.msg, r.reason));
    }
}

static void test_hand_written_ranges_hold_on_both_sides_of_their_boundary(void **state)
{
    static const case_t c[] = {
        {"All versions", "0.1", A},
        {"All Versions", "V99", A},
        {"All BIOS versions", "V1", A},
        {"< V5.2.6", "V5.2.5", A},
        {"< V5.2.6", "V5.2.6", N},
        {"< V5.2.6", "5.2.6.0", N},
        {"< V4.1.3", "V4.1.2", A},
        {"< V4.1.3", "V4.1.3", N},
        {"<V4.3.10", "V4.3.9", A},
        {"<V4.3.10", "V4.3.10", N},
        {"<= 5.008", "5.008", A},
        {"<= 5.008", "5.009", N},
        {"<= 1.16S", "1.16S", A},
        {"<= 1.16S", "1.16", A},
        {"<= 1.16S", "1.17", N},
        {"<= 1.16S", "1.16T", N},
        {"All versions < V2.00", "V1.99", A},
        {"All versions < V2.00", "V2.00", N},
        {"All versions < V2.00", "2", N},
        {"All BIOS versions < V1.0.212N", "V1.0.212M", A},
        {"All BIOS versions < V1.0.212N", "V1.0.212N", N},
        {">= 2.0 < 3.1", "1.9", N},
        {">= 2.0 < 3.1", "2.0", A},
        {">= 2.0 < 3.1", "3.0.9", A},
        {">= 2.0 < 3.1", "3.1", N},
        {"> V3.0 < V4.0", "V3.0", N},
        {"> V3.0 < V4.0", "V3.0.1", A},
        {">= V2.3 and < V6.30.016", "V2.2", N},
        {">= V2.3 and < V6.30.016", "V6.30.015", A},
        {">= V2.3 and < V6.30.016", "V6.30.016", N},
        {">=1.220|<=1.281", "1.219", N},
        {">=1.220|<=1.281", "1.281", A},
        {">=1.220|<=1.281", "1.282", N},
        {">= 2.3x | <= 6.00.327", "2.3.5", A},
        {">= 2.3x | <= 6.00.327", "2.2", N},
        {">= 2.3x | <= 6.00.327", "6.00.328", N},
        {"V1.0 - V1.4", "V0.9", N},
        {"V1.0 - V1.4", "V1.0", A},
        {"V1.0 - V1.4", "V1.4", A},
        {"V1.0 - V1.4", "V1.4.1", N},
        {"1.2 through 1.5", "1.5", A},
        {"1.2 to 1.5", "1.6", N},
        {"prior to 1.14", "1.13", A},
        {"prior to 1.14", "1.14", N},
        {"All versions prior to V1.5.1", "V1.5.0", A},
        {"All versions prior to V1.5.1", "V1.5.1", N},
        {"before 2.0", "1.9.9", A},
        {"before 2.0", "2.0.0", N},
        {"1.4 and earlier", "1.4", A},
        {"1.4 and earlier", "1.4.1", N},
        {"2.0 and later", "1.9", N},
        {"2.0 and later", "2.0", A},
        {"<= 3.4.4 Build 16102416", "3.4.4 Build 16102416", A},
        {"<= 3.4.4 Build 16102416", "3.4.4 Build 16102417", N},
        {"<= 3.4.4 Build 16102416", "3.4.4", A},
        {"< V17 Update 5", "V17 Update 4", A},
        {"< V17 Update 5", "V17 Upd 5", N},
        {"<V18_Update_2", "V18 Update 1", A},
        {"<V18_Update_2", "V18", A},
        {"<V18_Update_2", "V18 Update 2", N},
        {"< V14 SP1 Update 14", "V14 SP1 Update 13", A},
        {"< V14 SP1 Update 14", "V14 SP2", N},
        {"<= 2.x", "2.9", A},
        {"<= 2.x", "3.0", N},
        {"< 3.x", "2.9", A},
        {"< 3.x", "3.0", N},
        {"< V3.X.17", "V3.5.16", A},
        {"< V3.X.17", "V3.5.17", N},
        {"11.3.1 | 11.3.2 | 12.3.1 | 13.3.1 | 14.3 | R5.1 | <= R6", "11.3.2", A},
        {"11.3.1 | 11.3.2 | 12.3.1 | 13.3.1 | 14.3 | R5.1 | <= R6", "5.5", A},
        {"11.3.1 | 11.3.2 | 12.3.1 | 13.3.1 | 14.3 | R5.1 | <= R6", "11.3.3", N},
        {"V15, V15.1, V16 and V17", "V16", A},
        {"V15, V15.1, V16 and V17", "V15.2", N},
        {"=> 5.0 | <= 5.0.5.31", "5.0.5.31", A},
        {"=> 5.0 | <= 5.0.5.31", "5.0.5.32", N},
        {">= 3.6.0 | =< 3.6.20304.x", "3.6.20304.7", A},
        {"<= 15.2(6)E0a", "15.2(6)E0a", A},
        {"<= 15.2(6)E0a", "15.2(7)", N},
        {"< 2.0.0-rc1", "2.0.0-beta", A},
        {"< 2.0.0-rc1", "2.0.0", N},
        {"Version V4.4", "V4.4", A},
        {"Version V4.4", "V4.5", N},
        {"<=Ver.2.60", "2.60", A},
        {"<=Ver.2.60", "2.61", N},
        {">=R9.01|<=R10.04", "R10.04", A},
        {">=R9.01|<=R10.04", "R9.00", N},
        {"< 7.10a", "7.10", A},
        {"< 7.10a", "7.10a", N},
        {"1.03.07 (build 317)", "1.03.07 build 317", A},
        {"vers:all/<V23.1 HotfixRev1", "V23.1", A},
        {"vers:all/<V23.1 HotfixRev1", "V23.1 HotfixRev1", N},
    };
    (void)state;
    check_cases(c, sizeof c / sizeof c[0]);
}

static void test_non_alternating_bounds_are_possibly_where_readings_differ(void **state)
{
    static const case_t c[] = {
        {"<= 4.2.21 | <= 5.0.27 | <= 5.1.19 | <= 6.0.16", "4.2.0", A},
        {"<= 4.2.21 | <= 5.0.27 | <= 5.1.19 | <= 6.0.16", "5.0.27", A},
        {"<= 4.2.21 | <= 5.0.27 | <= 5.1.19 | <= 6.0.16", "5.0.1", P},
        {"<= 4.2.21 | <= 5.0.27 | <= 5.1.19 | <= 6.0.16", "6.1", N},
        {">= 1.0 | >= 2.4", "1.5", P},
        {">= 1.0 | >= 2.4", "3.0", A},
        {">= 1.0 | >= 2.4", "0.9", N},
    };
    (void)state;
    check_cases(c, sizeof c / sizeof c[0]);
}

static void test_nonsense_gives_possibly_with_a_reason(void **state)
{
    static const case_t c[] = {
        {"All versions with Ethernet interface", "1.0", P},
        {"<=the_first_5_digits_of_serial_number_22081", "22080", P},
        {"<=The_first_5_digits_of_serial_No._\"26061\"", "1", P},
        {"NMC2 <= 6.9.6", "6.9.5", P},
        {"16 <= 20", "17", P},
        {">= <= 2.2 | 2.5.1", "2.0", P},
        {"3.0 and <", "3.0", P},
        {"< 2.15 (Firmware versions prior to 8.26.4)", "2.0", P},
        {">= 20.8 (only affected by CVE-2019-10943)", "21", P},
        {"<= 7.20 (7.50 and 7.60 may also be affected if WibuKey was installed manually)", "7", P},
        {"<V8.89_installed_on_CP100_devices", "V8.0", P},
        {"No version", "1.0", P},
        {"banana", "1.0", P},
        {"", "1.0", P},
        {"   ", "1.0", P},
        {"<", "1.0", P},
        {"< V4\x01", "1.0", P},
        {"< V4 \xe2\x89\xa4", "1.0", P},
        {"V1.0 -", "1.0", P},
        {"< V4.1", "", P},           /* the version is not understood */
        {"< V4.1", "  --  ", P},
        {"vers:npm/<2.0.0", "2.0", P}, /* not semver */
        {"1.0 | 1.00", "1.0", P},    /* the same version twice */
    };
    (void)state;
    check_cases(c, sizeof c / sizeof c[0]);
}

static void test_range_limits_are_enforced(void **state)
{
    char text[KZ_RANGE_MAX_BYTES + 64];
    kz_range r;
    kz_err err;
    size_t n = 0, i;

    (void)state;
    memset(text, ' ', KZ_RANGE_MAX_BYTES + 1);
    memcpy(text, "<1", 2);
    text[KZ_RANGE_MAX_BYTES + 1] = '\0';
    assert_int_equal(kz_range_parse(kz_sv_c(text), &r, &err), KZ_ELIMIT);
    assert_int_equal(r.kind, KZ_RANGE_UNKNOWN);
    /* Exactly the maximum number of constraints parses; one more does not. */
    for (i = 1; i <= KZ_RANGE_MAX_CONSTRAINTS; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%zu", i > 1 ? "|" : "", i);
    assert_int_equal(kz_range_parse(kz_sv_c(text), &r, &err), KZ_OK);
    assert_int_equal(r.n, KZ_RANGE_MAX_CONSTRAINTS);
    snprintf(text + n, sizeof text - n, "|99");
    assert_int_equal(kz_range_parse(kz_sv_c(text), &r, &err), KZ_ELIMIT);
    assert_non_null(strstr(r.reason, "constraints"));
    /* The view is bounded: bytes past n are never read. */
    assert_int_equal(kz_range_parse((kz_sv){"<2.0 and nonsense", 4}, &r, &err), KZ_OK);
}

static void test_constraints_are_sorted_by_version(void **state)
{
    kz_range r;
    kz_err err;

    (void)state;
    assert_int_equal(kz_range_parse(kz_sv_c("<= 6.0 | >= 5.0 | 1.0"), &r, &err), KZ_OK);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.c[0].op, KZ_OP_EQ);
    assert_int_equal(r.c[1].op, KZ_OP_GE);
    assert_int_equal(r.c[2].op, KZ_OP_LE);
    assert_memory_equal(r.buf + r.c[2].off, "6.0", 3);
}

/* ---- the shared CSAF ICS corpus ------------------------------------------------------------ */

#define MAX_DISTINCT 8192

typedef struct {
    char *name[MAX_DISTINCT];
    size_t uses[MAX_DISTINCT];
    size_t n, total, files;
} survey;

static void note_name(survey *s, const char *name)
{
    size_t i;

    s->total++;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0) {
            s->uses[i]++;
            return;
        }
    assert_true(s->n < MAX_DISTINCT);
    s->name[s->n] = strdup(name);
    assert_non_null(s->name[s->n]);
    s->uses[s->n++] = 1;
}

static void walk_branches(survey *s, json_t *node)
{
    size_t i;
    json_t *v;
    const char *key;

    if (json_is_array(node)) {
        json_array_foreach(node, i, v) walk_branches(s, v);
    } else if (json_is_object(node)) {
        json_t *cat = json_object_get(node, "category");
        json_t *name = json_object_get(node, "name");
        if (json_is_string(cat) && strcmp(json_string_value(cat), "product_version_range") == 0 &&
            json_is_string(name))
            note_name(s, json_string_value(name));
        json_object_foreach(node, key, v) walk_branches(s, v);
    }
}

static void survey_file(const char *path, void *arg)
{
    survey *s = arg;
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);

    if (doc == NULL)
        return;
    s->files++;
    walk_branches(s, json_object_get(doc, "product_tree"));
    json_decref(doc);
}

static void walk_dir(survey *s, const char *dir)
{
    (void)kz_test_walk_json(dir, survey_file, s);
}

static void test_real_csaf_ranges_are_understood_or_possibly(void **state)
{
    static survey s;
    const char *base = getenv("KZ_SHARED_DATA");
    char dir[4096];
    size_t i, ok_uses = 0, ok_distinct = 0;
    static const char *const probes[] = {"0.1", "V1.0", "V4.3.8", "2.0.0-rc1", "R3.1 SP2", "99"};

    (void)state;
    if (base == NULL) {
        skip();
    }
    snprintf(dir, sizeof dir, "%s/csaf-ics", base);
    {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            print_message("no CSAF corpus at %s: skipping\n", dir);
            skip();
        }
    }
    memset(&s, 0, sizeof s);
    walk_dir(&s, dir);
    if (s.total == 0) {
        print_message("no product_version_range in %s: skipping\n", dir);
        skip();
    }
    print_message("not understood (uses, name, reason):\n");
    for (i = 0; i < s.n; i++) {
        kz_range r;
        kz_err err;
        size_t p;
        kz_rc rc = kz_range_parse(kz_sv_c(s.name[i]), &r, &err);

        for (p = 0; p < sizeof probes / sizeof probes[0]; p++) {
            kz_match m;
            kz_err e2;
            e2.msg[0] = '\0';
            assert_int_equal(kz_range_contains(&r, kz_sv_c(probes[p]), &m, &e2), KZ_OK);
            if (rc != KZ_OK && m != KZ_MATCH_POSSIBLY)
                fail_msg("\"%s\" not understood but answered %s", s.name[i], kz_match_str(m));
            if (m == KZ_MATCH_POSSIBLY && e2.msg[0] == '\0')
                fail_msg("\"%s\" POSSIBLY without a reason", s.name[i]);
        }
        if (rc == KZ_OK) {
            ok_uses += s.uses[i];
            ok_distinct++;
        } else {
            print_message("  %4zu  \"%s\"  -- %s\n", s.uses[i], s.name[i], err.msg);
        }
    }
    print_message("CSAF ICS: %zu files, %zu distinct ranges, %zu uses; understood %zu distinct, "
                  "%zu uses (%.2f%%)\n",
                  s.files, s.n, s.total, ok_distinct, ok_uses, 100.0 * (double)ok_uses / (double)s.total);
    for (i = 0; i < s.n; i++)
        free(s.name[i]);
    /*
     * What is left is prose and conditions ("with WinCC V7.4", "only if web components are
     * used", "(if RS4E5000 is installed)"), serial-number and date cut-offs, product names glued
     * to a comparison: guessing at those would be wrong answers, so they stay POSSIBLY (checked
     * above). The floor pins today's share so that a regression shows.
     */
    assert_true(ok_uses * 1000 >= s.total * 965);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semver_precedence_follows_semver_org_examples),
        cmocka_unit_test(test_semver_numeric_identifiers_sort_below_alphanumeric_and_by_value),
        cmocka_unit_test(test_semver_ignores_build_metadata),
        cmocka_unit_test(test_semver_rejects_what_is_not_semver_with_a_reason),
        cmocka_unit_test(test_generic_orders_vendor_firmware_versions),
        cmocka_unit_test(test_generic_rejects_what_has_no_version_in_it),
        cmocka_unit_test(test_vers_spec_examples_contain_what_the_spec_says),
        cmocka_unit_test(test_vers_errors_are_reported_and_give_possibly),
        cmocka_unit_test(test_hand_written_ranges_hold_on_both_sides_of_their_boundary),
        cmocka_unit_test(test_non_alternating_bounds_are_possibly_where_readings_differ),
        cmocka_unit_test(test_nonsense_gives_possibly_with_a_reason),
        cmocka_unit_test(test_range_limits_are_enforced),
        cmocka_unit_test(test_constraints_are_sorted_by_version),
        cmocka_unit_test(test_real_csaf_ranges_are_understood_or_possibly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
