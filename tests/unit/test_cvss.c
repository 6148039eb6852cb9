/*
 * test_cvss.c - the CVSS module: scores of the FIRST specifications' own examples for v2.0, v3.0,
 * v3.1 and v4.0 (base, temporal / threat, environmental), the v3.0 and v3.1 rounding rules at
 * their boundaries, every class of parse error with its message, canonical formatting, and every
 * published score in the shared CSAF and CVE JSON 5 data recomputed from its vector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "kz_test.h"
#include "kizuna/cvss.h"

static kz_cvss parse_ok(const char *s)
{
    kz_cvss c;
    kz_err err;
    kz_rc rc = kz_cvss_parse(kz_sv_c(s), &c, &err);
    if (rc != KZ_OK)
        fail_msg("\"%s\" does not parse: %s", s, err.msg);
    return c;
}

static bool same_score(double a, double b)
{
    return fabs(a - b) < 0.05;
}

typedef struct {
    const char *vector;
    double base, temporal, environmental; /* temporal / environmental < 0: not checked */
} example;

static void check_examples(const example *ex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        kz_cvss c = parse_ok(ex[i].vector);
        double b = kz_cvss_base_score(&c);
        if (!same_score(b, ex[i].base))
            fail_msg("%s: base %.1f, expected %.1f", ex[i].vector, b, ex[i].base);
        if (ex[i].temporal >= 0 && !same_score(kz_cvss_temporal_score(&c), ex[i].temporal))
            fail_msg("%s: temporal %.1f, expected %.1f", ex[i].vector, kz_cvss_temporal_score(&c),
                     ex[i].temporal);
        if (ex[i].environmental >= 0 &&
            !same_score(kz_cvss_environmental_score(&c), ex[i].environmental))
            fail_msg("%s: environmental %.1f, expected %.1f", ex[i].vector,
                     kz_cvss_environmental_score(&c), ex[i].environmental);
    }
}

/* ---- known scores ------------------------------------------------------------------------ */

static void test_cvss_v2_guide_examples_score_as_published(void **state)
{
    /* "A Complete Guide to the CVSS Version 2.0", section 3.3 examples. */
    static const example ex[] = {
        /* CVE-2002-0392, Apache chunked encoding */
        {"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C", 7.8, 6.4, -1},
        {"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H", 7.8, 6.4, 9.2},
        /* CVE-2003-0818, Microsoft ASN.1 */
        {"AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C", 10.0, 8.3, -1},
        {"AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L", 10.0, 8.3, 9.0},
        /* CVE-2003-0062, NOD32 */
        {"AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C", 6.2, 4.9, -1},
        {"AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M", 6.2, 4.9, 7.5},
        /* NVD's most common v2 vectors, in each accepted form */
        {"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, 7.5, 7.5},
        {"(AV:N/AC:L/Au:N/C:P/I:P/A:P)", 7.5, -1, -1},
        {"CVSS:2.0/AV:N/AC:M/Au:N/C:N/I:P/A:N", 4.3, -1, -1},
        {"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0, 0.0, 0.0},
    };
    (void)state;
    check_examples(ex, sizeof ex / sizeof ex[0]);
}

static void test_cvss_v31_specification_examples_score_as_published(void **state)
{
    /* CVSS v3.1 Examples document (the v3.0 one has the same vectors and scores). */
    static const example ex[] = {
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, -1, -1}, /* CVE-2013-1937 */
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, -1, -1}, /* CVE-2013-0375 */
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, -1, -1}, /* CVE-2014-3566 */
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, -1, -1}, /* CVE-2012-1516 */
        {"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, -1, -1}, /* CVE-2009-0783 */
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, -1, -1}, /* CVE-2012-0384 */
        {"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, -1, -1}, /* CVE-2015-1098 */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, -1, -1}, /* CVE-2014-0160 */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, -1, -1}, /* CVE-2014-6271 */
        {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8, -1, -1}, /* CVE-2008-1447 */
        {"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, -1, -1}, /* CVE-2014-2005 */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8, -1, -1}, /* CVE-2010-0467 */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8, -1, -1}, /* CVE-2012-1342 */
        {"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3, -1, -1}, /* CVE-2013-6014 */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, -1, -1}, /* CVE-2016-1645 */
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, -1, -1},
        {"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, -1, -1},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0, 0.0, 0.0},
    };
    (void)state;
    check_examples(ex, sizeof ex / sizeof ex[0]);
}

static void test_cvss_v3_temporal_and_environmental_equations(void **state)
{
    static const example ex[] = {
        /* 9.8 x E:P 0.94 x RL:O 0.95 = 8.7514, rounded up */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8, 8.8, 8.8},
        /* 9.8 x RL:W 0.97 = 9.506, rounded up: the value CVE-2024-21762's record publishes */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:H/RL:W/RC:C", 9.8, 9.6, 9.6},
        /* MAV:L: 6.42 x min(1 - 0.44^3, 0.915) + 8.22 x 0.55 x 0.77 x 0.85 x 0.85 = 8.3886 */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:L", 9.8, 9.8, 8.4},
        /* X everywhere is the same as nothing */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/"
         "MPR:X/MUI:X/MS:X/MC:X/MI:X/MA:X",
         9.8, 9.8, 9.8},
        /* Modified impact all None: environmental 0 */
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MC:N/MI:N/MA:N", 9.8, 9.8, 0.0},
        /* Modified scope changed makes MPR:L weigh 0.68 */
        {"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/MS:C", 8.8, 8.8, 9.9},
        /* ...where v3.1's modified impact (MISS x 0.9731, power 13) gives 9.9767, up to 10.0 */
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/MS:C", 8.8, 8.8, 10.0},
    };
    (void)state;
    check_examples(ex, sizeof ex / sizeof ex[0]);
}

static void test_cvss_v40_first_examples_score_as_published(void **state)
{
    /* FIRST "CVSS v4.0 Examples" and the specification's figures; temporal = CVSS-BT,
     * environmental = CVSS-BTE. */
    static const example ex[] = {
        {"CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3, 7.3, 7.3},
        {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.7, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 7.7, 5.2, 5.2},
        {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N", 8.3, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L/MAV:N/"
         "MAC:H/MVC:H/MVI:L/MVA:L",
         8.3, 8.3, 8.1},
        {"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 4.6, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 6.9, -1, -1},
        {"CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N", 5.9, -1, -1},
        {"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 9.4, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:H/SI:H/SA:H", 9.3, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, 9.3, 9.3},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A", 10.0, 10.0, 10.0},
        {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5, -1, -1},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N", 1.0, -1, -1},
        {"CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 8.2, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 7.1, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H", 6.4, -1, -1},
        {"CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P", 9.2, 8.2, 8.2},
        {"CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/MAC:L/MAT:N/MVC:N/"
         "MVI:N/MVA:L",
         9.2, 8.2, 5.5},
        {"CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/S:P", 8.6, -1, -1},
        {"CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/MSI:S/S:P", 8.6, 8.6,
         9.7},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H/E:U/MAV:A/R:U/V:C", 6.4,
         -1, 2.4},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A/CR:H/IR:H/AR:H/"
         "MAV:L/MAT:P",
         10.0, 10.0, 8.9},
        {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/MVC:N/MVI:N/MVA:N",
         8.5, 8.5, 0.0},
        {"CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D", 8.3, -1, -1},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, 0.0, 0.0},
    };
    (void)state;
    check_examples(ex, sizeof ex / sizeof ex[0]);
}

/* ---- rounding ---------------------------------------------------------------------------- */

static void test_cvss_v31_roundup_ignores_binary_noise_v30_does_not(void **state)
{
    (void)state;
    /* v3.1 Appendix A: values within 0.00001 of a tenth are that tenth. */
    assert_true(same_score(kz_cvss_roundup(4.000001, KZ_CVSS_V31), 4.0));
    assert_true(same_score(kz_cvss_roundup(4.000000000000001, KZ_CVSS_V31), 4.0));
    assert_true(same_score(kz_cvss_roundup(4.0, KZ_CVSS_V31), 4.0));
    assert_true(same_score(kz_cvss_roundup(4.00001, KZ_CVSS_V31), 4.1));
    assert_true(same_score(kz_cvss_roundup(4.02, KZ_CVSS_V31), 4.1));
    assert_true(same_score(kz_cvss_roundup(4.09999, KZ_CVSS_V31), 4.1));
    assert_true(same_score(kz_cvss_roundup(0.0, KZ_CVSS_V31), 0.0));
    assert_true(same_score(kz_cvss_roundup(10.0, KZ_CVSS_V31), 10.0));
    /* v3.0 is a plain ceiling: the noise rounds up. */
    assert_true(same_score(kz_cvss_roundup(4.000001, KZ_CVSS_V30), 4.1));
    assert_true(same_score(kz_cvss_roundup(4.0, KZ_CVSS_V30), 4.0));
    assert_true(same_score(kz_cvss_roundup(4.02, KZ_CVSS_V30), 4.1));
    /* The same on a vector: 10.0 x RC:U 0.92 is 9.200000000000001 in binary. */
    {
        kz_cvss c30 = parse_ok("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U");
        kz_cvss c31 = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U");
        assert_true(same_score(kz_cvss_base_score(&c30), 10.0));
        assert_true(same_score(kz_cvss_temporal_score(&c30), 9.3));
        assert_true(same_score(kz_cvss_temporal_score(&c31), 9.2));
    }
    /* v2 to the nearest tenth, v4 half up. */
    assert_true(same_score(kz_cvss_roundup(4.04, KZ_CVSS_V2), 4.0));
    assert_true(same_score(kz_cvss_roundup(4.05, KZ_CVSS_V40), 4.1));
    assert_true(same_score(kz_cvss_roundup(4.0499, KZ_CVSS_V40), 4.0));
}

/* Every v3 base vector: the 3.1 score is never above the 3.0 one, nor more than 0.1 below. */
static void test_cvss_v31_base_never_above_v30_nor_a_step_below(void **state)
{
    static const char *av = "NALP", *ac = "LH", *pr = "NLH", *ui = "NR", *s = "UC", *cia = "HLN";
    int differ = 0, total = 0;
    (void)state;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 2; b++)
            for (int p = 0; p < 3; p++)
                for (int u = 0; u < 2; u++)
                    for (int sc = 0; sc < 2; sc++)
                        for (int ci = 0; ci < 27; ci++) {
                            char v30[64], v31[64];
                            kz_cvss c0, c1;
                            double s0, s1;
                            snprintf(v30, sizeof v30,
                                     "CVSS:3.0/AV:%c/AC:%c/PR:%c/UI:%c/S:%c/C:%c/I:%c/A:%c", av[a],
                                     ac[b], pr[p], ui[u], s[sc], cia[ci / 9], cia[ci / 3 % 3],
                                     cia[ci % 3]);
                            memcpy(v31, v30, sizeof v30);
                            v31[7] = '1';
                            c0 = parse_ok(v30);
                            c1 = parse_ok(v31);
                            s0 = kz_cvss_base_score(&c0);
                            s1 = kz_cvss_base_score(&c1);
                            total++;
                            assert_true(s1 <= s0 + 1e-9);
                            assert_true(s0 - s1 < 0.1 + 1e-9);
                            if (!same_score(s0, s1))
                                differ++;
                        }
    print_message("%d of %d v3 base vectors score 0.1 lower in 3.1 than in 3.0\n", differ, total);
    assert_int_equal(total, 2592);
}

/* ---- parsing ----------------------------------------------------------------------------- */

static void expect_error(const char *vector, kz_rc want, const char *msg)
{
    kz_cvss c;
    kz_err err;
    kz_rc rc = kz_cvss_parse(kz_sv_c(vector), &c, &err);
    if (rc != want)
        fail_msg("\"%s\": %s, expected %s", vector, kz_rc_str(rc), kz_rc_str(want));
    if (msg != NULL && strcmp(err.msg, msg) != 0)
        fail_msg("\"%s\":\n  got      %s\n  expected %s", vector, err.msg, msg);
    if (strncmp(err.msg, "position ", 9) != 0)
        fail_msg("\"%s\": message without a position: %s", vector, err.msg);
}

static void test_cvss_parse_errors_say_where_and_what(void **state)
{
    char big[KZ_CVSS_VECTOR_MAX + 2];
    (void)state;
    expect_error("", KZ_EINVAL, "position 0: CVSS 2.0 vector has no metrics (expected AV:...)");
    expect_error("CVSS:3.1/", KZ_EINVAL,
                 "position 9: CVSS 3.1 vector has no metrics (expected AV:...)");
    expect_error("CVSS:3.2/AV:N", KZ_EINVAL,
                 "position 0: unknown CVSS version prefix \"CVSS:3.2/\" (expected CVSS:2.0/, "
                 "CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/)");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q", KZ_EINVAL,
                 "position 43: metric A (Availability) has unknown value \"Q\" (expected H, L or "
                 "N)");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L", KZ_EINVAL,
                 "position 45: metric AV (Attack Vector) appears twice");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", KZ_EINVAL,
                 "position 40: CVSS 3.1 vector lacks mandatory base metric S (Scope: U or C)");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y", KZ_EINVAL,
                 "position 45: unknown metric \"XX\" in CVSS 3.1 vector");
    expect_error("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", KZ_EINVAL,
                 "position 14: empty metric in CVSS 3.1 vector (expected METRIC:VALUE between "
                 "slashes)");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", KZ_EINVAL,
                 "position 44: CVSS 3.1 vector ends with '/' (expected another METRIC:VALUE)");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/AH", KZ_EINVAL,
                 "position 41: \"AH\" in CVSS 3.1 vector is not METRIC:VALUE");
    expect_error("(AV:N/AC:L/Au:N/C:P/I:P/A:P", KZ_EINVAL,
                 "position 27: CVSS 2.0 vector opens with '(' but does not end with ')'");
    /* Values are case-sensitive, as the specifications write them. */
    expect_error("CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", KZ_EINVAL,
                 "position 12: metric AV (Attack Vector) has unknown value \"n\" (expected N, A, "
                 "L or P)");
    /* A v3 metric in a v4 vector, and v4's S (Safety) does not take v3's Scope values. */
    expect_error("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/RL:O", KZ_EINVAL,
                 "position 64: unknown metric \"RL\" in CVSS 4.0 vector");
    expect_error("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:U", KZ_EINVAL,
                 "position 66: metric S (Safety) has unknown value \"U\" (expected X, N or P)");
    /* SI:S exists only as MSI:S. */
    expect_error("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", KZ_EINVAL,
                 NULL);
    /* A v2 metric name in a v3 vector, and v3's in v2. */
    expect_error("CVSS:3.0/AV:N/AC:L/Au:N/PR:N/UI:N/S:U/C:H/I:H/A:H", KZ_EINVAL,
                 "position 19: unknown metric \"Au\" in CVSS 3.0 vector");
    expect_error("AV:N/AC:L/PR:N/C:P/I:P/A:P", KZ_EINVAL,
                 "position 10: unknown metric \"PR\" in CVSS 2.0 vector");
    /* Unprintable bytes are escaped in the message. */
    expect_error("CVSS:3.1/AV:\x01", KZ_EINVAL,
                 "position 12: metric AV (Attack Vector) has unknown value \"\\x01\" (expected N, "
                 "A, L or P)");
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    expect_error(big, KZ_ELIMIT,
                 "position 512: CVSS vector is 513 bytes long (at most 512 are accepted)");
}

static void test_cvss_parse_failure_leaves_a_zeroed_vector(void **state)
{
    kz_cvss c;
    kz_err err;
    static const kz_cvss zero;
    (void)state;
    memset(&c, 0x5a, sizeof c);
    assert_int_equal(kz_cvss_parse(KZ_SV("CVSS:3.1/AV:N/AC:L"), &c, &err), KZ_EINVAL);
    assert_memory_equal(&c, &zero, sizeof c);
}

static void test_cvss_parse_reads_a_view_without_a_terminator(void **state)
{
    /* The view stops before "/A:Q": what follows must not be read. */
    static const char text[] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:Q";
    kz_cvss c;
    kz_err err;
    (void)state;
    assert_int_equal(kz_cvss_parse((kz_sv){text, 44}, &c, &err), KZ_OK);
    assert_true(same_score(kz_cvss_base_score(&c), 9.8));
    assert_int_equal(kz_cvss_parse((kz_sv){text, 43}, &c, &err), KZ_EINVAL);
}

static void test_cvss_parse_accepts_any_order_and_all_groups(void **state)
{
    kz_cvss a, b;
    (void)state;
    a = parse_ok("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N");
    b = parse_ok("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(a.version, KZ_CVSS_V31);
    assert_int_equal(kz_cvss_groups(&a), 0);
    a = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/CR:H/IR:M/"
                 "AR:L/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:H/MVA:H/MSC:N/MSI:S/MSA:S/S:P/AU:Y/"
                 "R:I/V:C/RE:H/U:Amber");
    assert_int_equal(kz_cvss_groups(&a),
                     KZ_CVSS_TEMPORAL | KZ_CVSS_ENVIRONMENTAL | KZ_CVSS_SUPPLEMENTAL);
    a = parse_ok("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/U:Clear");
    assert_int_equal(kz_cvss_groups(&a), KZ_CVSS_SUPPLEMENTAL);
    a = parse_ok("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/CDP:LM");
    assert_int_equal(a.version, KZ_CVSS_V2);
    assert_int_equal(kz_cvss_groups(&a), KZ_CVSS_ENVIRONMENTAL);
}

/* ---- formatting and severity -------------------------------------------------------------- */

static void expect_format(const char *in, const char *want)
{
    kz_cvss c = parse_ok(in), again;
    kz_buf b;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_cvss_format(&c, &b), KZ_OK);
    assert_string_equal(b.p, want);
    again = parse_ok(b.p);
    assert_true(kz_cvss_base_score(&again) == kz_cvss_base_score(&c));
    assert_true(kz_cvss_environmental_score(&again) == kz_cvss_environmental_score(&c));
    kz_buf_free(&b);
}

static void test_cvss_format_is_canonical(void **state)
{
    kz_cvss c;
    kz_buf b;
    (void)state;
    expect_format("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/RC:X/E:P",
                  "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P");
    expect_format("(AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:OF)", "AV:N/AC:L/Au:N/C:P/I:P/A:P/RL:OF");
    expect_format("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", "AV:N/AC:L/Au:N/C:P/I:P/A:P");
    expect_format(
        "CVSS:4.0/U:Red/E:P/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N/MSI:S",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/MSI:S/U:Red");
    /* A full buffer ceiling is reported and leaves the buffer as it was. */
    c = parse_ok("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    kz_buf_init(&b, 10);
    assert_int_equal(kz_cvss_format(&c, &b), KZ_ELIMIT);
    assert_int_equal(b.n, 0);
    kz_buf_free(&b);
}

static void test_cvss_severity_ranges(void **state)
{
    (void)state;
    assert_string_equal(kz_cvss_severity(0.0, KZ_CVSS_V31), "None");
    assert_string_equal(kz_cvss_severity(0.1, KZ_CVSS_V31), "Low");
    assert_string_equal(kz_cvss_severity(3.9, KZ_CVSS_V31), "Low");
    assert_string_equal(kz_cvss_severity(4.0, KZ_CVSS_V30), "Medium");
    assert_string_equal(kz_cvss_severity(6.9, KZ_CVSS_V40), "Medium");
    assert_string_equal(kz_cvss_severity(7.0, KZ_CVSS_V40), "High");
    assert_string_equal(kz_cvss_severity(8.9, KZ_CVSS_V31), "High");
    assert_string_equal(kz_cvss_severity(9.0, KZ_CVSS_V31), "Critical");
    assert_string_equal(kz_cvss_severity(10.0, KZ_CVSS_V40), "Critical");
    assert_string_equal(kz_cvss_severity(0.0, KZ_CVSS_V2), "Low");
    assert_string_equal(kz_cvss_severity(3.9, KZ_CVSS_V2), "Low");
    assert_string_equal(kz_cvss_severity(4.0, KZ_CVSS_V2), "Medium");
    assert_string_equal(kz_cvss_severity(7.0, KZ_CVSS_V2), "High");
    assert_string_equal(kz_cvss_severity(10.0, KZ_CVSS_V2), "High");
    assert_string_equal(kz_cvss_severity(-0.1, KZ_CVSS_V31), "Unknown");
    assert_string_equal(kz_cvss_severity(10.1, KZ_CVSS_V31), "Unknown");
    assert_string_equal(kz_cvss_severity(NAN, KZ_CVSS_V31), "Unknown");
    assert_string_equal(kz_cvss_version_str(KZ_CVSS_V40), "4.0");
}

/* ---- real data --------------------------------------------------------------------------- */

/*
 * Published scores that do not follow from their vectors, and why. Each is checked to still be
 * found, so the list cannot go stale.
 */
typedef struct {
    const char *where; /* file name */
    const char *vector;
    double published;
    const char *reason;
} known_error;

static const known_error known_errors[] = {
    {"CVE-2024-21762.json", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:H/RL:W/RC:C", 9.6,
     "baseScore holds the temporal score (9.8 x RL:W 0.97 = 9.506, rounded up to 9.6)"},
};
#define N_KNOWN (sizeof known_errors / sizeof known_errors[0])

typedef struct {
    int checked, agree, disagree, unexplained;
    int per_version[4];
    bool known_seen[N_KNOWN + 1];
} tally;

/* Why a published score may differ: the publisher used another score or another formula. */
static const char *explain(const kz_cvss *c, double published)
{
    kz_cvss other = *c;
    if (same_score(kz_cvss_temporal_score(c), published))
        return "the published base score is the temporal / threat score";
    if (same_score(kz_cvss_environmental_score(c), published))
        return "the published base score is the environmental score";
    if (c->version == KZ_CVSS_V30 || c->version == KZ_CVSS_V31) {
        other.version = c->version == KZ_CVSS_V30 ? KZ_CVSS_V31 : KZ_CVSS_V30;
        if (same_score(kz_cvss_base_score(&other), published))
            return c->version == KZ_CVSS_V30 ? "scored with the v3.1 formula"
                                             : "scored with the v3.0 formula";
    }
    return "no formula of any version gives the published score";
}

static void check_one(tally *t, const char *file, const char *where, json_t *metric)
{
    const char *vs = json_string_value(json_object_get(metric, "vectorString"));
    json_t *bs = json_object_get(metric, "baseScore");
    kz_cvss c;
    kz_err err;
    double mine, published;

    if (vs == NULL || !json_is_number(bs))
        return;
    published = json_number_value(bs);
    t->checked++;
    if (kz_cvss_parse(kz_sv_c(vs), &c, &err) != KZ_OK) {
        print_message("%s %s: \"%s\" does not parse: %s\n", file, where, vs, err.msg);
        t->disagree++;
        t->unexplained++;
        return;
    }
    t->per_version[c.version]++;
    mine = kz_cvss_base_score(&c);
    if (same_score(mine, published)) {
        t->agree++;
        return;
    }
    t->disagree++;
    for (size_t k = 0; k < N_KNOWN; k++) {
        if (strcmp(known_errors[k].where, file) == 0 && strcmp(known_errors[k].vector, vs) == 0 &&
            same_score(known_errors[k].published, published)) {
            t->known_seen[k] = true;
            print_message("known publisher error: %s %s %s published %.1f, computed %.1f: %s\n",
                          file, where, vs, published, mine, known_errors[k].reason);
            return;
        }
    }
    t->unexplained++;
    print_message("UNLISTED disagreement: %s %s %s published %.1f, computed %.1f (%s)\n", file,
                  where, vs, published, mine, explain(&c, published));
}

static void check_csaf(tally *t, const char *path, const char *file)
{
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e), *vulns, *v, *scores, *s;
    size_t i, j;
    char where[64];

    if (doc == NULL)
        fail_msg("%s: %s", path, e.text);
    vulns = json_object_get(doc, "vulnerabilities");
    json_array_foreach(vulns, i, v)
    {
        scores = json_object_get(v, "scores");
        json_array_foreach(scores, j, s)
        {
            snprintf(where, sizeof where, "vulnerabilities[%zu].scores[%zu]", i, j);
            check_one(t, file, where, json_object_get(s, "cvss_v3"));
            check_one(t, file, where, json_object_get(s, "cvss_v2"));
        }
    }
    json_decref(doc);
}

static void check_cve5_metrics(tally *t, const char *file, const char *container, json_t *metrics)
{
    static const char *keys[] = {"cvssV2_0", "cvssV3_0", "cvssV3_1", "cvssV4_0"};
    json_t *m;
    size_t i;
    char where[96];
    json_array_foreach(metrics, i, m)
    {
        for (size_t k = 0; k < 4; k++) {
            snprintf(where, sizeof where, "%s.metrics[%zu].%s", container, i, keys[k]);
            check_one(t, file, where, json_object_get(m, keys[k]));
        }
    }
}

static void check_cve5(tally *t, const char *path, const char *file)
{
    json_error_t e;
    json_t *doc = json_load_file(path, 0, &e), *containers, *adp, *a;
    size_t i;
    char where[32];

    if (doc == NULL)
        fail_msg("%s: %s", path, e.text);
    containers = json_object_get(doc, "containers");
    check_cve5_metrics(t, file, "cna",
                       json_object_get(json_object_get(containers, "cna"), "metrics"));
    adp = json_object_get(containers, "adp");
    json_array_foreach(adp, i, a)
    {
        snprintf(where, sizeof where, "adp[%zu]", i);
        check_cve5_metrics(t, file, where, json_object_get(a, "metrics"));
    }
    json_decref(doc);
}

typedef struct {
    tally *t;
    void (*fn)(tally *, const char *, const char *);
} walk_arg;

static void walk_one(const char *path, void *arg)
{
    walk_arg *w = arg;
    const char *slash = strrchr(path, '/');

    w->fn(w->t, path, slash ? slash + 1 : path);
}

/* Calls fn for every *.json file under dir, depth first; returns the number of files. */
static int walk(tally *t, const char *dir, void (*fn)(tally *, const char *, const char *))
{
    walk_arg w = {t, fn};

    return kz_test_walk_json(dir, walk_one, &w);
}

static void test_cvss_published_scores_in_shared_data_agree(void **state)
{
    const char *data = getenv("KZ_SHARED_DATA");
    char csaf[4096], cve5[4096];
    struct stat st;
    tally t;
    int files;
    (void)state;

    if (data == NULL) {
        print_message("KZ_SHARED_DATA is not set: skipping the published-score check\n");
        skip();
    }
    snprintf(csaf, sizeof csaf, "%s/csaf-ics", data);
    snprintf(cve5, sizeof cve5, "%s/cve5", data);
    if (stat(csaf, &st) != 0 && stat(cve5, &st) != 0) {
        print_message("neither %s nor %s exists: skipping the published-score check\n", csaf, cve5);
        skip();
    }
    memset(&t, 0, sizeof t);
    files = walk(&t, csaf, check_csaf);
    files += walk(&t, cve5, check_cve5);
    print_message("%d files, %d published scores checked (v2 %d, v3.0 %d, v3.1 %d, v4.0 %d): "
                  "%d agree, %d disagree (%d not in the known list)\n",
                  files, t.checked, t.per_version[KZ_CVSS_V2], t.per_version[KZ_CVSS_V30],
                  t.per_version[KZ_CVSS_V31], t.per_version[KZ_CVSS_V40], t.agree, t.disagree,
                  t.unexplained);
    assert_true(t.checked > 0);
    assert_int_equal(t.unexplained, 0);
    for (size_t k = 0; k < N_KNOWN; k++) {
        if (!t.known_seen[k])
            fail_msg("known publisher error no longer found: %s %s", known_errors[k].where,
                     known_errors[k].vector);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cvss_v2_guide_examples_score_as_published),
        cmocka_unit_test(test_cvss_v31_specification_examples_score_as_published),
        cmocka_unit_test(test_cvss_v3_temporal_and_environmental_equations),
        cmocka_unit_test(test_cvss_v40_first_examples_score_as_published),
        cmocka_unit_test(test_cvss_v31_roundup_ignores_binary_noise_v30_does_not),
        cmocka_unit_test(test_cvss_v31_base_never_above_v30_nor_a_step_below),
        cmocka_unit_test(test_cvss_parse_errors_say_where_and_what),
        cmocka_unit_test(test_cvss_parse_failure_leaves_a_zeroed_vector),
        cmocka_unit_test(test_cvss_parse_reads_a_view_without_a_terminator),
        cmocka_unit_test(test_cvss_parse_accepts_any_order_and_all_groups),
        cmocka_unit_test(test_cvss_format_is_canonical),
        cmocka_unit_test(test_cvss_severity_ranges),
        cmocka_unit_test(test_cvss_published_scores_in_shared_data_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
