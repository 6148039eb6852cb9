/*
 * test_pattern.c - the STIX 2.1 pattern parser: the specification's examples, every operator,
 * qualifier and constant form, precedence (pinned through the canonical text), the tree's
 * fields, and for each class of error an input that fails at the right position.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kizuna/pattern.h"

/* ---- helpers ---- */

static kz_pattern *parse_ok_n(const char *text, size_t n)
{
    kz_pattern *p = NULL;
    kz_err err = {{0}};
    kz_rc rc = kz_pattern_parse((kz_sv){text, n}, NULL, &p, &err);

    if (rc != KZ_OK)
        fail_msg("expected \"%.*s\" to parse, got %s: %s", (int)n, text, kz_rc_str(rc), err.msg);
    assert_non_null(p);
    return p;
}

static kz_pattern *parse_ok(const char *text)
{
    return parse_ok_n(text, strlen(text));
}

/* Formats p, checks that the text parses to the same text again, and returns it (caller frees). */
static char *format_checked(const kz_pattern *p)
{
    kz_buf a, b;
    kz_pattern *q;

    kz_buf_init(&a, 0);
    kz_buf_init(&b, 0);
    assert_int_equal(kz_pattern_format(p, &a), KZ_OK);
    q = parse_ok_n(a.p, a.n);
    assert_int_equal(kz_pattern_format(q, &b), KZ_OK);
    assert_string_equal(a.p, b.p);
    assert_int_equal(kz_pattern_terms(p), kz_pattern_terms(q));
    kz_pattern_free(q);
    kz_buf_free(&b);
    return a.p;
}

static void assert_format(const char *text, const char *want)
{
    kz_pattern *p = parse_ok(text);
    char *got = format_checked(p);

    if (strcmp(got, want) != 0)
        fail_msg("pattern %s\n  formats as %s\n  expected   %s", text, got, want);
    free(got);
    kz_pattern_free(p);
}

/* Parses with lim (NULL for defaults), expects rc and a message starting with `want`. */
static void assert_error_lim(const char *text, size_t n, const kz_limits *lim, kz_rc want_rc,
                             const char *want)
{
    kz_pattern *p = (kz_pattern *)1;
    kz_err err = {{0}};
    kz_rc rc = kz_pattern_parse((kz_sv){text, n}, lim, &p, &err);

    if (rc == KZ_OK)
        fail_msg("expected \"%.*s\" to fail with \"%s\", but it parsed", (int)n, text, want);
    assert_null(p);
    if (rc != want_rc || strncmp(err.msg, want, strlen(want)) != 0)
        fail_msg("pattern \"%.*s\"\n  failed with %s: %s\n  expected %s: %s...", n > 80 ? 80 : (int)n, text,
                 kz_rc_str(rc), err.msg, kz_rc_str(want_rc), want);
}

static void assert_error(const char *text, const char *want)
{
    assert_error_lim(text, strlen(text), NULL, KZ_EINVAL, want);
}

static const kz_pattern_cmp *only_cmp(const kz_pattern *p)
{
    const kz_pattern_obs *o = kz_pattern_root(p);

    assert_int_equal(o->kind, KZ_PAT_OBS_SIMPLE);
    return o->cmp;
}

/* ---- the specification's examples ---- */

static const char *const spec_examples[] = {
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
    "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' "
    "AND file:mime_type = 'application/x-pdf']",
    "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' "
    "OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = "
    "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY "
    "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
    "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
    "user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND "
    "user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND "
    "[user-account:account_type = 'unix' AND user-account:user_id = '1009' AND "
    "user-account:account_login = 'Mary']",
    "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES "
    "'\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
    "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
    "'203.0.113.33/32']",
    "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = "
    "'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = "
    "'198.51.100.1/32']",
    "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = "
    "'4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR "
    "windows-registry-key:key = "
    "'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
    "[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = "
    "t'2014-01-13T07:03:17Z']",
    "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = "
    "'Conference Info']",
    "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] "
    "FOLLOWEDBY [process:command_line MATCHES"
    "'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    "([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) "
    "OR [process:name = 'fooproc' OR process:name = 'procfoo']",
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] "
    "START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR "
    "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
};

static void test_pattern_spec_examples_parse_and_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof spec_examples / sizeof spec_examples[0]; i++) {
        kz_pattern *p = parse_ok(spec_examples[i]);
        free(format_checked(p));
        kz_pattern_free(p);
    }
}

static void test_pattern_spec_example_trees(void **state)
{
    const kz_pattern_obs *o;
    const kz_pattern_cmp *c;
    kz_pattern *p;

    (void)state;
    /* SHA-256 hash: one observation, one comparison on a quoted key. */
    p = parse_ok(spec_examples[0]);
    c = only_cmp(p);
    assert_int_equal(c->kind, KZ_PAT_CMP_TEST);
    assert_int_equal(c->op, KZ_PAT_OP_EQ);
    assert_true(kz_sv_eq_c(c->path.type, "file"));
    assert_int_equal(c->path.nsteps, 2);
    assert_true(kz_sv_eq_c(c->path.steps[0].key, "hashes"));
    assert_true(kz_sv_eq_c(c->path.steps[1].key, "SHA-256"));
    assert_int_equal(c->value.kind, KZ_PAT_LIT_STRING);
    assert_int_equal(c->value.bytes.n, 64);
    assert_int_equal(kz_pattern_terms(p), 2);
    kz_pattern_free(p);

    /* (A FOLLOWEDBY B) WITHIN 300 SECONDS: the qualifier sits on the FOLLOWEDBY node. */
    p = parse_ok(spec_examples[4]);
    o = kz_pattern_root(p);
    assert_int_equal(o->kind, KZ_PAT_OBS_FOLLOWEDBY);
    assert_int_equal(o->nkids, 2);
    assert_int_equal(o->nquals, 1);
    assert_int_equal(o->quals->kind, KZ_PAT_QUAL_WITHIN);
    assert_int_equal(o->quals->within.kind, KZ_PAT_LIT_INT);
    assert_int_equal(o->quals->within.i, 300);
    assert_true(kz_sv_eq_c(o->first->next->cmp->value.bytes, "HKEY_LOCAL_MACHINE\\foo\\bar"));
    kz_pattern_free(p);

    /* REPEATS 5 TIMES WITHIN 1800 SECONDS: both on the one observation, in written order. */
    p = parse_ok(spec_examples[11]);
    o = kz_pattern_root(p);
    assert_int_equal(o->kind, KZ_PAT_OBS_SIMPLE);
    assert_int_equal(o->nquals, 2);
    assert_int_equal(o->quals->kind, KZ_PAT_QUAL_REPEATS);
    assert_int_equal(o->quals->times, 5);
    assert_int_equal(o->quals->next->kind, KZ_PAT_QUAL_WITHIN);
    assert_int_equal(o->quals->next->within.i, 1800);
    assert_null(o->quals->next->next);
    kz_pattern_free(p);
}

/* ---- precedence, pinned through the canonical text ---- */

static void test_pattern_observation_and_binds_tighter_than_or_than_followedby(void **state)
{
    (void)state;
    assert_format("[a:b = 1] AND [c:d = 2] OR [e:f = 3] FOLLOWEDBY [g:h = 4]",
                  "((([a:b = 1] AND [c:d = 2]) OR [e:f = 3]) FOLLOWEDBY [g:h = 4])");
    assert_format("[a:b = 1] FOLLOWEDBY [c:d = 2] OR [e:f = 3] AND [g:h = 4]",
                  "([a:b = 1] FOLLOWEDBY ([c:d = 2] OR ([e:f = 3] AND [g:h = 4])))");
    assert_format("[a:b = 1] OR [c:d = 2] AND [e:f = 3]",
                  "([a:b = 1] OR ([c:d = 2] AND [e:f = 3]))");
}

static void test_pattern_observation_chains_are_one_node_in_order(void **state)
{
    kz_pattern *p;
    const kz_pattern_obs *o;

    (void)state;
    assert_format("[a:b = 1] AND [a:b = 2] AND [a:b = 3]",
                  "([a:b = 1] AND [a:b = 2] AND [a:b = 3])");
    p = parse_ok("[a:b = 1] FOLLOWEDBY [a:b = 2] FOLLOWEDBY [a:b = 3]");
    o = kz_pattern_root(p);
    assert_int_equal(o->kind, KZ_PAT_OBS_FOLLOWEDBY);
    assert_int_equal(o->nkids, 3);
    assert_int_equal(o->first->cmp->value.i, 1);
    assert_int_equal(o->first->next->cmp->value.i, 2);
    assert_int_equal(o->first->next->next->cmp->value.i, 3);
    assert_null(o->first->next->next->next);
    kz_pattern_free(p);
}

static void test_pattern_parentheses_override_observation_precedence(void **state)
{
    (void)state;
    assert_format("[a:b = 1] AND ([c:d = 2] OR [e:f = 3])",
                  "([a:b = 1] AND ([c:d = 2] OR [e:f = 3]))");
    assert_format("([a:b = 1] FOLLOWEDBY [c:d = 2]) AND [e:f = 3]",
                  "(([a:b = 1] FOLLOWEDBY [c:d = 2]) AND [e:f = 3])");
    assert_format("((([a:b = 1])))", "[a:b = 1]");
}

static void test_pattern_comparison_and_binds_tighter_than_or(void **state)
{
    (void)state;
    assert_format("[a:b = 1 OR a:c = 2 AND a:d = 3]", "[(a:b = 1 OR (a:c = 2 AND a:d = 3))]");
    assert_format("[a:b = 1 AND a:c = 2 OR a:d = 3]", "[((a:b = 1 AND a:c = 2) OR a:d = 3)]");
    assert_format("[(a:b = 1 OR a:c = 2) AND a:d = 3]", "[((a:b = 1 OR a:c = 2) AND a:d = 3)]");
    assert_format("[a:b = 1 OR a:c = 2 OR a:d = 3]", "[(a:b = 1 OR a:c = 2 OR a:d = 3)]");
}

static void test_pattern_qualifier_binds_to_the_preceding_observation_only(void **state)
{
    (void)state;
    assert_format("[a:b = 1] AND [c:d = 2] WITHIN 5 SECONDS",
                  "([a:b = 1] AND ([c:d = 2] WITHIN 5 SECONDS))");
    assert_format("([a:b = 1] AND [c:d = 2]) WITHIN 5 SECONDS",
                  "(([a:b = 1] AND [c:d = 2]) WITHIN 5 SECONDS)");
    assert_format("[a:b = 1] REPEATS 2 TIMES FOLLOWEDBY [c:d = 2]",
                  "(([a:b = 1] REPEATS 2 TIMES) FOLLOWEDBY [c:d = 2])");
}

/* ---- operators ---- */

static void test_pattern_every_comparison_operator(void **state)
{
    static const struct {
        const char *text;
        kz_pattern_op op;
        bool negated;
        const char *canon;
    } cases[] = {
        {"[a:b = 1]", KZ_PAT_OP_EQ, false, "[a:b = 1]"},
        {"[a:b == 1]", KZ_PAT_OP_EQ, false, "[a:b = 1]"},
        {"[a:b != 1]", KZ_PAT_OP_NE, false, "[a:b != 1]"},
        {"[a:b <> 1]", KZ_PAT_OP_NE, false, "[a:b != 1]"},
        {"[a:b < 1]", KZ_PAT_OP_LT, false, "[a:b < 1]"},
        {"[a:b <= 1]", KZ_PAT_OP_LE, false, "[a:b <= 1]"},
        {"[a:b > 1]", KZ_PAT_OP_GT, false, "[a:b > 1]"},
        {"[a:b >= 1]", KZ_PAT_OP_GE, false, "[a:b >= 1]"},
        {"[a:b IN (1, 2)]", KZ_PAT_OP_IN, false, "[a:b IN (1, 2)]"},
        {"[a:b LIKE 'x%']", KZ_PAT_OP_LIKE, false, "[a:b LIKE 'x%']"},
        {"[a:b MATCHES '^x$']", KZ_PAT_OP_MATCHES, false, "[a:b MATCHES '^x$']"},
        {"[a:b ISSUBSET '10.0.0.0/8']", KZ_PAT_OP_ISSUBSET, false, "[a:b ISSUBSET '10.0.0.0/8']"},
        {"[a:b ISSUPERSET '10.1.0.0/16']", KZ_PAT_OP_ISSUPERSET, false,
         "[a:b ISSUPERSET '10.1.0.0/16']"},
        {"[EXISTS a:b]", KZ_PAT_OP_EXISTS, false, "[EXISTS a:b]"},
        {"[a:b NOT = 1]", KZ_PAT_OP_EQ, true, "[a:b NOT = 1]"},
        {"[a:b NOT IN ('x')]", KZ_PAT_OP_IN, true, "[a:b NOT IN ('x')]"},
        {"[a:b NOT LIKE 'x']", KZ_PAT_OP_LIKE, true, "[a:b NOT LIKE 'x']"},
        {"[a:b NOT MATCHES 'x']", KZ_PAT_OP_MATCHES, true, "[a:b NOT MATCHES 'x']"},
        {"[a:b NOT ISSUBSET '1.2.3.4/32']", KZ_PAT_OP_ISSUBSET, true,
         "[a:b NOT ISSUBSET '1.2.3.4/32']"},
        {"[a:b NOT >= 3]", KZ_PAT_OP_GE, true, "[a:b NOT >= 3]"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_pattern *p = parse_ok(cases[i].text);
        const kz_pattern_cmp *c = only_cmp(p);
        assert_int_equal(c->kind, KZ_PAT_CMP_TEST);
        assert_int_equal(c->op, cases[i].op);
        assert_int_equal(c->negated, cases[i].negated);
        kz_pattern_free(p);
        assert_format(cases[i].text, cases[i].canon);
    }
}

static void test_pattern_in_takes_a_set_of_one_kind(void **state)
{
    kz_pattern *p;
    const kz_pattern_cmp *c;

    (void)state;
    p = parse_ok("[network-traffic:dst_port IN (443, 6443, 8443.5)]");
    c = only_cmp(p);
    assert_int_equal(c->nset, 3);
    assert_int_equal(c->set[0].kind, KZ_PAT_LIT_INT);
    assert_int_equal(c->set[0].i, 443);
    assert_int_equal(c->set[2].kind, KZ_PAT_LIT_FLOAT);
    kz_pattern_free(p);
    assert_format("[a:b IN ()]", "[a:b IN ()]");
    assert_format("[a:b IN('x','y')]", "[a:b IN ('x', 'y')]");
    assert_error("[a:b IN 'x']", "position 9: IN needs a set of constants in parentheses");
    assert_error("[a:b IN ('x', 1)]", "position 15: the set opened at position 9 mixes a string "
                                      "with an integer");
    assert_error("[a:b IN ('x' 'y')]", "position 14: expected ',' or ')' in the set opened at "
                                       "position 9, found ''y''");
    assert_error("[a:b IN ('x',)]", "position 14: expected a constant in the set, found ')'");
}

static void test_pattern_exists_takes_a_path_and_no_constant(void **state)
{
    kz_pattern *p;
    const kz_pattern_cmp *c;

    (void)state;
    p = parse_ok("[EXISTS windows-registry-key:values[*].name]");
    c = only_cmp(p);
    assert_int_equal(c->op, KZ_PAT_OP_EXISTS);
    assert_int_equal(c->path.nsteps, 3);
    assert_int_equal(c->path.steps[1].kind, KZ_PAT_STEP_ANY);
    kz_pattern_free(p);
    assert_error("[EXISTS 'x']", "position 9: expected an object type");
}

static void test_pattern_type_rules_of_operators(void **state)
{
    (void)state;
    assert_error("[a:b LIKE 5]", "position 11: LIKE needs a string in single quotes, found '5'");
    assert_error("[a:b MATCHES h'00']", "position 14: MATCHES needs a string in single quotes");
    assert_error("[a:b ISSUBSET 10]", "position 15: ISSUBSET needs a string in single quotes");
    assert_error("[a:b ISSUPERSET true]", "position 17: ISSUPERSET needs a string");
    assert_error("[a:b < true]", "position 8: '<' needs an orderable constant");
    assert_error("[a:b >= false]", "position 9: '>=' needs an orderable constant");
    assert_error("[a:b = (1, 2)]", "position 8: expected a constant after '=', found '(' (a set");
    assert_error("[a:b = abc]", "position 8: expected a constant after '=', found 'abc' (strings "
                                "are written in single quotes)");
    /* Ordering operators take every orderable kind. */
    assert_format("[a:b < 'm' AND a:c > t'2020-01-01T00:00:00Z' AND a:d <= h'ff' AND a:e >= b'AA==']",
                  "[(a:b < 'm' AND a:c > t'2020-01-01T00:00:00Z' AND a:d <= h'ff' AND "
                  "a:e >= b'AA==')]");
    assert_format("[a:b = true OR a:b != false]", "[(a:b = true OR a:b != false)]");
}

/* ---- qualifiers ---- */

static void test_pattern_within_takes_a_positive_int_or_float(void **state)
{
    kz_pattern *p;
    const kz_pattern_qual *q;

    (void)state;
    p = parse_ok("[a:b = 1] WITHIN 2.5 SECONDS");
    q = kz_pattern_root(p)->quals;
    assert_int_equal(q->kind, KZ_PAT_QUAL_WITHIN);
    assert_int_equal(q->within.kind, KZ_PAT_LIT_FLOAT);
    assert_true(q->within.f == 2.5);
    kz_pattern_free(p);
    assert_format("[a:b = 1] WITHIN +.5 SECONDS", "([a:b = 1] WITHIN .5 SECONDS)");
    assert_error("[a:b = 1] WITHIN 0 SECONDS", "position 18: WITHIN needs a positive number");
    assert_error("[a:b = 1] WITHIN 0.0 SECONDS", "position 18: WITHIN needs a positive number");
    assert_error("[a:b = 1] WITHIN -5 SECONDS", "position 18: WITHIN needs a positive number");
    assert_error("[a:b = 1] WITHIN 5 HOURS", "position 20: expected 'SECONDS' after the number "
                                             "of WITHIN (the only unit), found 'HOURS'");
    assert_error("[a:b = 1] WITHIN ]", "position 18: expected a positive number of seconds after "
                                       "WITHIN, found ']'");
}

static void test_pattern_repeats_takes_a_positive_int(void **state)
{
    (void)state;
    assert_format("[a:b = 1] REPEATS 9 TIMES", "([a:b = 1] REPEATS 9 TIMES)");
    assert_error("[a:b = 1] REPEATS 0 TIMES", "position 19: REPEATS needs a whole number from 1");
    assert_error("[a:b = 1] REPEATS -2 TIMES", "position 19: REPEATS needs a whole number from 1");
    assert_error("[a:b = 1] REPEATS 2.0 TIMES", "position 19: expected a whole number of times");
    assert_error("[a:b = 1] REPEATS 2", "position 20: expected 'TIMES' after the number of "
                                        "REPEATS, found end of pattern");
}

static void test_pattern_start_must_be_before_stop(void **state)
{
    kz_pattern *p;
    const kz_pattern_qual *q;

    (void)state;
    p = parse_ok("[a:b = 1] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00Z'");
    q = kz_pattern_root(p)->quals;
    assert_int_equal(q->kind, KZ_PAT_QUAL_STARTSTOP);
    assert_int_equal(q->start.sec, 1464744600);
    assert_int_equal(q->start.nsec, 123000000);
    assert_int_equal(q->stop.sec, 1464747600);
    kz_pattern_free(p);
    assert_error("[a:b = 1] START t'2016-06-01T01:00:00Z' STOP t'2016-06-01T01:00:00Z'",
                 "position 46: STOP must be later than START (position 17)");
    assert_error("[a:b = 1] START t'2016-06-01T02:00:00Z' STOP t'2016-06-01T01:00:00Z'",
                 "position 46: STOP must be later than START");
    assert_error("[a:b = 1] START '2016-06-01T02:00:00Z'", "position 17: expected a timestamp");
    assert_error("[a:b = 1] START t'2016-06-01T01:00:00Z' t'2016-06-01T02:00:00Z'",
                 "position 41: expected 'STOP' after the START at position 11");
}

static void test_pattern_same_qualifier_twice_needs_parentheses(void **state)
{
    (void)state;
    assert_error("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS",
                 "position 28: WITHIN is already applied to the observation at position 1");
    assert_error("([a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES)",
                 "position 28: REPEATS is already applied");
    assert_error("[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' "
                 "START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'",
                 "position 70: START/STOP is already applied");
    /* As the reference validator allows: again on a parenthesised expression. */
    assert_format("([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
                  "(([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS)");
    assert_format("([a:b = 1] REPEATS 2 TIMES) REPEATS 2 TIMES",
                  "(([a:b = 1] REPEATS 2 TIMES) REPEATS 2 TIMES)");
    assert_format("(([a:b = 1] WITHIN 5 SECONDS REPEATS 2 TIMES) WITHIN 10 SECONDS)",
                  "(([a:b = 1] WITHIN 5 SECONDS REPEATS 2 TIMES) WITHIN 10 SECONDS)");
    assert_format("([a:b = 1] OR [a:c = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS",
                  "(([a:b = 1] OR [a:c = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS)");
}

/* ---- constants ---- */

static void test_pattern_integers_are_range_checked_int64(void **state)
{
    kz_pattern *p;

    (void)state;
    p = parse_ok("[a:b = -9223372036854775808 OR a:b = 9223372036854775807 OR a:b = +7]");
    assert_int_equal(only_cmp(p)->first->value.i, INT64_MIN);
    assert_int_equal(only_cmp(p)->first->next->value.i, INT64_MAX);
    assert_int_equal(only_cmp(p)->first->next->next->value.i, 7);
    kz_pattern_free(p);
    assert_error("[a:b = 9223372036854775808]", "position 8: integer 9223372036854775808 does "
                                                "not fit in 64 bits");
    assert_error("[a:b = -9223372036854775809]", "position 8: integer");
    assert_error("[a:b = 007]", "position 8: an integer cannot start with 0");
    assert_format("[a:b = -0]", "[a:b = 0]");
}

static void test_pattern_floats_keep_their_digits(void **state)
{
    kz_pattern *p;
    const kz_pattern_cmp *c;

    (void)state;
    p = parse_ok("[a:b = -12.50]");
    c = only_cmp(p);
    assert_int_equal(c->value.kind, KZ_PAT_LIT_FLOAT);
    assert_true(c->value.f == -12.5);
    assert_true(kz_sv_eq_c(c->value.text, "-12.50"));
    kz_pattern_free(p);
    assert_format("[a:b > .5]", "[a:b > .5]");
    assert_format("[a:b > +1.0]", "[a:b > 1.0]");
    assert_error("[a:b = 1.]", "position 8: a float needs digits after the '.'");
}

static void test_pattern_strings_decode_only_quote_and_backslash_escapes(void **state)
{
    kz_pattern *p;
    const kz_pattern_cmp *c;

    (void)state;
    p = parse_ok("[a:b = 'it\\'s a \\\\ path']");
    c = only_cmp(p);
    assert_int_equal(c->value.kind, KZ_PAT_LIT_STRING);
    assert_true(kz_sv_eq_c(c->value.bytes, "it's a \\ path"));
    kz_pattern_free(p);
    assert_format("[a:b = 'it\\'s a \\\\ path']", "[a:b = 'it\\'s a \\\\ path']");
    assert_format("[a:b = '']", "[a:b = '']");
    assert_error("[a:b = 'a\\nb']", "position 10: '\\n' is not an escape in a string");
    assert_error("[a:b = 'a\\x41']", "position 10: '\\x' is not an escape in a string");
    assert_error("[a:b = 'open]", "position 8: string opened here is not closed");
    assert_error("[a:b = 'ends in \\", "position 8: string opened here is not closed");
    assert_error("[a:b = \"x\"]", "position 8: strings are written in single quotes");
}

static void test_pattern_strings_may_hold_nul_and_utf8(void **state)
{
    static const char text[] = "[a:b = 'x\0y\xc3\xa9']";
    kz_pattern *p = parse_ok_n(text, sizeof text - 1);
    const kz_pattern_cmp *c = only_cmp(p);

    (void)state;
    assert_int_equal(c->value.bytes.n, 5);
    assert_memory_equal(c->value.bytes.p, "x\0y\xc3\xa9", 5);
    free(format_checked(p));
    kz_pattern_free(p);
    assert_error_lim("[a:b = 1]\0", 10, NULL, KZ_EINVAL, "position 10: unexpected byte 0x00");
}

static void test_pattern_booleans_are_lower_case(void **state)
{
    kz_pattern *p = parse_ok("[a:b = true AND a:c = false]");

    (void)state;
    assert_int_equal(only_cmp(p)->first->value.kind, KZ_PAT_LIT_BOOL);
    assert_true(only_cmp(p)->first->value.b);
    assert_false(only_cmp(p)->first->next->value.b);
    kz_pattern_free(p);
    assert_error("[a:b = TRUE]", "position 8: expected a constant after '=', found 'TRUE' "
                                 "(booleans are lower case: true, false)");
}

static void test_pattern_timestamps_are_validated_rfc3339(void **state)
{
    kz_pattern *p = parse_ok("[a:b = t'2014-01-13T07:03:17.5Z']");
    const kz_pattern_cmp *c = only_cmp(p);

    (void)state;
    assert_int_equal(c->value.kind, KZ_PAT_LIT_TIMESTAMP);
    assert_int_equal(c->value.t.sec, 1389596597);
    assert_int_equal(c->value.t.nsec, 500000000);
    kz_pattern_free(p);
    assert_format("[a:b = t'2014-01-13T07:03:17.500Z']", "[a:b = t'2014-01-13T07:03:17.500Z']");
    assert_error("[x:d = t'2457-73-22T32:81:84.1Z']",
                 "position 8: timestamp t'...': \"2457-73-22T32:81:84.1Z\" is not a real date");
    assert_error("[x:d = t'2016-01-01']", "position 8: timestamp t'...': \"2016-01-01\" is not "
                                          "an RFC 3339 UTC timestamp");
    assert_error("[x:d = t'2016-01-01T00:00:00+01:00']", "position 8: timestamp t'...'");
    assert_error("[x:d = t'2016-01-01T00:00:00Z]", "position 8: timestamp t'...' opened here is "
                                                   "not closed");
}

static void test_pattern_hex_decodes_pairs_of_digits(void **state)
{
    kz_pattern *p = parse_ok("[file:magic_number_hex = h'FFd8' OR file:x = h'']");
    const kz_pattern_cmp *c = only_cmp(p);

    (void)state;
    assert_int_equal(c->first->value.kind, KZ_PAT_LIT_HEX);
    assert_int_equal(c->first->value.bytes.n, 2);
    assert_memory_equal(c->first->value.bytes.p, "\xff\xd8", 2);
    assert_int_equal(c->first->next->value.bytes.n, 0);
    kz_pattern_free(p);
    assert_format("[f:m = h'FFd8']", "[f:m = h'ffd8']");
    assert_error("[f:m = h'abc']", "position 8: h'...' needs an even number of hex digits");
    assert_error("[f:m = h'zz']", "position 10: h'...' holds hex digits only");
}

static void test_pattern_binary_is_strict_base64(void **state)
{
    kz_pattern *p = parse_ok("[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']");
    const kz_pattern_cmp *c = only_cmp(p);

    (void)state;
    assert_int_equal(c->value.kind, KZ_PAT_LIT_BINARY);
    assert_int_equal(c->value.bytes.n, 14);
    assert_memory_equal(c->value.bytes.p, "this is a test", 14);
    kz_pattern_free(p);
    assert_format("[a:b = b'AAEC']", "[a:b = b'AAEC']");
    assert_format("[a:b = b'']", "[a:b = b'']");
    assert_error("[a:b = b'====']", "position 10: '=' too early in b'...'");
    assert_error("[a:b = b'abc']", "position 8: b'...' must be base64 in groups of 4");
    assert_error("[a:b = b'ab*d']", "position 12: not a base64 character in b'...'");
    assert_error("[a:b = b'AB==']", "position 11: b'...' is not canonical base64");
    assert_error("[a:b = b'A=A=']", "position 11: '=' too early");
}

/* ---- object paths ---- */

static void test_pattern_object_paths_have_keys_indexes_and_any(void **state)
{
    kz_pattern *p =
        parse_ok("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0 AND "
                 "x-acme-widget:list[12].'it\\'s'.'AND' = 1]");
    const kz_pattern_cmp *c = only_cmp(p)->first, *d = only_cmp(p)->first->next;

    (void)state;
    assert_true(kz_sv_eq_c(c->path.type, "file"));
    assert_int_equal(c->path.nsteps, 5);
    assert_int_equal(c->path.steps[0].kind, KZ_PAT_STEP_KEY);
    assert_true(kz_sv_eq_c(c->path.steps[1].key, "windows-pebinary-ext"));
    assert_true(kz_sv_eq_c(c->path.steps[2].key, "sections"));
    assert_int_equal(c->path.steps[3].kind, KZ_PAT_STEP_ANY);
    assert_true(kz_sv_eq_c(c->path.steps[4].key, "entropy"));
    assert_true(kz_sv_eq_c(d->path.type, "x-acme-widget"));
    assert_int_equal(d->path.steps[1].kind, KZ_PAT_STEP_INDEX);
    assert_int_equal(d->path.steps[1].index, 12);
    assert_true(kz_sv_eq_c(d->path.steps[2].key, "it's"));
    assert_true(kz_sv_eq_c(d->path.steps[3].key, "AND"));
    free(format_checked(p));
    kz_pattern_free(p);
    /* Quotes stay only where a key needs them. */
    assert_format("[file:'name' = 'x' AND file:hashes.'MD5' = 'y']",
                  "[(file:name = 'x' AND file:hashes.MD5 = 'y')]");
}

static void test_pattern_object_path_errors_say_how_to_fix(void **state)
{
    (void)state;
    assert_error("[file.size = 1280]", "position 6: expected ':' between the object type 'file' "
                                       "and its property (type:property), found '.'");
    assert_error("[file:a-b = 1]", "position 7: property name 'a-b' holds '-': write it in "
                                   "quotes, 'a-b'");
    assert_error("[file:x.IN = 1]", "position 9: 'IN' is a keyword: write it in quotes");
    assert_error("[file:x[-1] = 1]", "position 9: a list index must be a whole number from 0");
    assert_error("[file:x[a] = 1]", "position 9: expected a list index");
    assert_error("[file:x[1 = 1]", "position 11: expected ']' to close the list index opened "
                                   "at position 8, found '='");
    assert_error("[file: = 1]", "position 8: expected a property name after ':', found '='");
    assert_error("[file:x. = 1]", "position 10: expected a property name after '.'");
    assert_error("['file':x = 1]", "position 2: expected a comparison (type:property operator "
                                   "constant), EXISTS or '(', found ''file''");
}

/* ---- syntax errors and positions ---- */

static void test_pattern_syntax_errors_name_position_expected_and_found(void **state)
{
    (void)state;
    assert_error("[a:b = 1 AND c:d = 2", "position 21: expected ']' to close the observation "
                                         "opened at position 1, found end of pattern");
    assert_error("[a:b = 1 c:d = 2]", "position 10: expected ']' to close the observation "
                                      "opened at position 1, found 'c'");
    assert_error("([a:b = 1] AND [c:d = 2]", "position 25: expected ')' to close the '(' opened "
                                             "at position 1, found end of pattern");
    assert_error("[(a:b = 1 OR c:d = 2]", "position 21: expected ')' to close the '(' opened at "
                                          "position 2, found ']'");
    assert_error("[a:b = 1]]", "position 10: ']' closes nothing: no '[' is open");
    assert_error("file:size = 1280", "position 1: expected '[' to open an observation");
    assert_error("[file:size = ]", "position 14: expected a constant after '=', found ']'");
    assert_error("[file:size 1280]", "position 12: expected a comparison operator (=, !=, <, "
                                     "<=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) after "
                                     "the object path, found '1280'");
    assert_error("[a:b = 1] AND", "position 14: expected '[' or '(' to start an observation "
                                  "expression, found end of pattern");
    assert_error("[a:b = 1 AND]", "position 13: expected a comparison");
    assert_error("[NOT a:b = 1]", "position 2: NOT goes between the object path and the "
                                  "operator");
    assert_error("[[a:b = 1]]", "position 2: '[' cannot open an observation inside another");
    assert_error("[a:b = 1] [c:d = 2]", "position 11: expected AND, OR, FOLLOWEDBY, a qualifier");
    assert_error("", "position 1: the pattern is empty");
    assert_error(" /* only a comment */ ", "position 1: the pattern is empty");
}

static void test_pattern_lexical_errors_name_position(void **state)
{
    (void)state;
    assert_error("[a:b = 1] & [c:d = 2]", "position 11: unexpected character '&'");
    assert_error("[a:b =? 1]", "position 7: unexpected character '?'");
    assert_error("[a:b ! 1]", "position 6: '!' must be followed by '=' (!=)");
    assert_error("[a:b = - 1]", "position 8: '-' must be followed by a number");
    assert_error("[a:b = 1] /* open", "position 11: comment opened with '/*' is not closed");
    assert_error("[file:name MATCHES /.*\\.dll/]", "position 20: unexpected character '/'");
}

static void test_pattern_keywords_are_case_sensitive_upper_case(void **state)
{
    (void)state;
    assert_error("[foo:bar=1] within 2 seconds",
                 "position 13: expected AND, OR, FOLLOWEDBY, a qualifier (WITHIN, REPEATS, START) "
                 "or the end of the pattern, found 'within' (keywords are upper case: 'WITHIN')");
    assert_error("[a:b = 1 and a:c = 2]", "position 10: expected ']' to close the observation "
                                          "opened at position 1, found 'and' (keywords are upper "
                                          "case: 'AND')");
    assert_error("[a:b like 'x']", "position 6: expected a comparison operator");
}

static void test_pattern_whitespace_and_comments_are_skipped(void **state)
{
    (void)state;
    assert_format("\t[ a:b\n=\r\n1 ]  // end\n", "[a:b = 1]");
    assert_format("/* a */[a:b/* b */= 1]", "[a:b = 1]");
    /* U+00A0 and U+3000 are whitespace in the grammar. */
    assert_format("[a:b\xc2\xa0=\xe3\x80\x80" "1]", "[a:b = 1]");
    assert_format("( [(network-traffic:dst_port IN(443,6443,8443) AND "
                  "network-traffic:src_packets != 0) ])",
                  "[(network-traffic:dst_port IN (443, 6443, 8443) AND "
                  "network-traffic:src_packets != 0)]");
}

/* ---- limits and hostile input ---- */

static void test_pattern_length_limit(void **state)
{
    kz_limits lim = kz_limits_default();
    kz_pattern *p = NULL;
    kz_err err;

    (void)state;
    lim.pattern_bytes = 9;
    assert_int_equal(kz_pattern_parse(kz_sv_c("[a:b = 1]"), &lim, &p, &err), KZ_OK);
    kz_pattern_free(p);
    assert_error_lim("[a:b = 10]", 10, &lim, KZ_ELIMIT,
                     "pattern is 10 bytes, more than the limit of 9 (pattern_bytes)");
}

static char *nested(size_t levels, const char *open, const char *mid, const char *close)
{
    size_t no = strlen(open), nm = strlen(mid), nc = strlen(close);
    char *s = malloc(levels * (no + nc) + nm + 1), *w = s;

    assert_non_null(s);
    for (size_t i = 0; i < levels; i++, w += no)
        memcpy(w, open, no);
    memcpy(w, mid, nm);
    w += nm;
    for (size_t i = 0; i < levels; i++, w += nc)
        memcpy(w, close, nc);
    *w = '\0';
    return s;
}

static void test_pattern_depth_limit_counts_parentheses_and_brackets(void **state)
{
    kz_limits lim = kz_limits_default();
    kz_pattern *p = NULL;
    kz_err err;
    char *s;

    (void)state;
    lim.pattern_depth = 4;
    /* '(' '(' '[' '(' is four levels: allowed; one more is not. */
    s = nested(2, "(", "[(a:b = 1)]", ")");
    assert_int_equal(kz_pattern_parse(kz_sv_c(s), &lim, &p, &err), KZ_OK);
    kz_pattern_free(p);
    free(s);
    s = nested(3, "(", "[(a:b = 1)]", ")");
    assert_error_lim(s, strlen(s), &lim, KZ_ELIMIT,
                     "position 5: nesting deeper than 4 levels of parentheses and brackets "
                     "(limit pattern_depth)");
    free(s);
    /* A list index and a set are brackets too. */
    assert_error_lim("(([(a:b[0] = 1)]))", 18, &lim, KZ_ELIMIT, "position 8: nesting deeper");
    assert_error_lim("(([(a:b IN (1))]))", 18, &lim, KZ_ELIMIT, "position 12: nesting deeper");
}

static void test_pattern_hostile_nesting_fails_cleanly(void **state)
{
    char *s;

    (void)state;
    /* 60000 levels: must fail at the limit, not overflow the stack. */
    s = nested(30000, "(", "[a:b = 1]", ")");
    assert_error_lim(s, strlen(s), NULL, KZ_ELIMIT, "position 65: nesting deeper than 64");
    free(s);
    s = nested(30000, "(", "a:b = 1", ")");
    s[0] = '[';
    assert_error_lim(s, strlen(s), NULL, KZ_ELIMIT, "position 65: nesting deeper than 64");
    free(s);
    /* Unclosed: the limit still comes first. */
    s = nested(60000, "(", "", "");
    assert_error_lim(s, strlen(s), NULL, KZ_ELIMIT, "position 65: nesting deeper than 64");
    free(s);
}

static void test_pattern_terms_limit_counts_comparisons_observations_qualifiers(void **state)
{
    kz_limits lim = kz_limits_default();
    kz_pattern *p = NULL;
    kz_err err;

    (void)state;
    lim.pattern_terms = 4;
    /* 2 observations + 2 comparisons = 4. */
    assert_int_equal(kz_pattern_parse(kz_sv_c("[a:b = 1] AND [a:c = 2]"), &lim, &p, &err), KZ_OK);
    assert_int_equal(kz_pattern_terms(p), 4);
    kz_pattern_free(p);
    assert_error_lim("[a:b = 1 OR a:c = 2] AND [a:d = 3]", 34, &lim, KZ_ELIMIT,
                     "position 27: more than 4 comparisons, observations and qualifiers (limit "
                     "pattern_terms)");
    assert_error_lim("[a:b = 1] AND [a:c = 2] WITHIN 1 SECONDS", 40, &lim, KZ_ELIMIT,
                     "position 25: more than 4");
}

static void test_pattern_long_chains_do_not_deepen_the_tree(void **state)
{
    size_t n = 3000, len = 0;
    char *s = malloc(n * 24 + 8);
    kz_pattern *p;
    const kz_pattern_obs *o;

    (void)state;
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, n * 24 + 8 - len, "%s[a:b = %zu]", i ? " OR " : "", i);
    p = parse_ok(s);
    o = kz_pattern_root(p);
    assert_int_equal(o->kind, KZ_PAT_OBS_OR);
    assert_int_equal(o->nkids, n);
    free(format_checked(p));
    kz_pattern_free(p);
    free(s);
}

static void test_pattern_tree_outlives_the_input_text(void **state)
{
    char *text = strdup("[file:name = 'evil.exe' AND file:hashes.'SHA-256' = 'ab']");
    kz_pattern *p;
    char *got;

    (void)state;
    assert_non_null(text);
    p = parse_ok(text);
    memset(text, 'X', strlen(text));
    free(text);
    got = format_checked(p);
    assert_string_equal(got, "[(file:name = 'evil.exe' AND file:hashes.'SHA-256' = 'ab')]");
    assert_true(kz_sv_eq_c(only_cmp(p)->first->path.type, "file"));
    free(got);
    kz_pattern_free(p);
}

static void test_pattern_free_accepts_null_and_errors_leave_out_null(void **state)
{
    kz_pattern *p = (kz_pattern *)1;
    kz_err err;

    (void)state;
    kz_pattern_free(NULL);
    assert_int_equal(kz_pattern_parse(kz_sv_c("[a:b = ]"), NULL, &p, &err), KZ_EINVAL);
    assert_null(p);
    /* err may be NULL. */
    assert_int_equal(kz_pattern_parse(kz_sv_c("[a:b = ]"), NULL, &p, NULL), KZ_EINVAL);
    assert_int_equal(kz_pattern_parse((kz_sv){NULL, 0}, NULL, &p, &err), KZ_EINVAL);
}

static void test_pattern_format_respects_the_buffer_ceiling(void **state)
{
    kz_pattern *p = parse_ok("[file:name = 'a long enough name']");
    kz_buf b;

    (void)state;
    kz_buf_init(&b, 10);
    assert_int_equal(kz_pattern_format(p, &b), KZ_ELIMIT);
    kz_buf_free(&b);
    kz_pattern_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pattern_spec_examples_parse_and_round_trip),
        cmocka_unit_test(test_pattern_spec_example_trees),
        cmocka_unit_test(test_pattern_observation_and_binds_tighter_than_or_than_followedby),
        cmocka_unit_test(test_pattern_observation_chains_are_one_node_in_order),
        cmocka_unit_test(test_pattern_parentheses_override_observation_precedence),
        cmocka_unit_test(test_pattern_comparison_and_binds_tighter_than_or),
        cmocka_unit_test(test_pattern_qualifier_binds_to_the_preceding_observation_only),
        cmocka_unit_test(test_pattern_every_comparison_operator),
        cmocka_unit_test(test_pattern_in_takes_a_set_of_one_kind),
        cmocka_unit_test(test_pattern_exists_takes_a_path_and_no_constant),
        cmocka_unit_test(test_pattern_type_rules_of_operators),
        cmocka_unit_test(test_pattern_within_takes_a_positive_int_or_float),
        cmocka_unit_test(test_pattern_repeats_takes_a_positive_int),
        cmocka_unit_test(test_pattern_start_must_be_before_stop),
        cmocka_unit_test(test_pattern_same_qualifier_twice_needs_parentheses),
        cmocka_unit_test(test_pattern_integers_are_range_checked_int64),
        cmocka_unit_test(test_pattern_floats_keep_their_digits),
        cmocka_unit_test(test_pattern_strings_decode_only_quote_and_backslash_escapes),
        cmocka_unit_test(test_pattern_strings_may_hold_nul_and_utf8),
        cmocka_unit_test(test_pattern_booleans_are_lower_case),
        cmocka_unit_test(test_pattern_timestamps_are_validated_rfc3339),
        cmocka_unit_test(test_pattern_hex_decodes_pairs_of_digits),
        cmocka_unit_test(test_pattern_binary_is_strict_base64),
        cmocka_unit_test(test_pattern_object_paths_have_keys_indexes_and_any),
        cmocka_unit_test(test_pattern_object_path_errors_say_how_to_fix),
        cmocka_unit_test(test_pattern_syntax_errors_name_position_expected_and_found),
        cmocka_unit_test(test_pattern_lexical_errors_name_position),
        cmocka_unit_test(test_pattern_keywords_are_case_sensitive_upper_case),
        cmocka_unit_test(test_pattern_whitespace_and_comments_are_skipped),
        cmocka_unit_test(test_pattern_length_limit),
        cmocka_unit_test(test_pattern_depth_limit_counts_parentheses_and_brackets),
        cmocka_unit_test(test_pattern_hostile_nesting_fails_cleanly),
        cmocka_unit_test(test_pattern_terms_limit_counts_comparisons_observations_qualifiers),
        cmocka_unit_test(test_pattern_long_chains_do_not_deepen_the_tree),
        cmocka_unit_test(test_pattern_tree_outlives_the_input_text),
        cmocka_unit_test(test_pattern_free_accepts_null_and_errors_leave_out_null),
        cmocka_unit_test(test_pattern_format_respects_the_buffer_ceiling),
    };
    return cmocka_run_group_tests_name("pattern", tests, NULL, NULL);
}
