/*
 * test_pattern_eval.c - the STIX pattern evaluator: every comparison operator both ways, NOT,
 * LIKE wildcards and literal characters, CIDR edges, list indexes and [*], reference traversal,
 * each observation operator and qualifier both ways, the specification's examples, the 2.0
 * embedded-objects form, type errors, and patterns that would explode if combinations were
 * enumerated.
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

#include "kizuna/pattern_eval.h"

/* ---- helpers ---- */

#define BASE_SEC 1600000000

static int od_counter;

static void ts(int sec, char buf[KZ_TIME_MAX])
{
    kz_time t = {BASE_SEC + sec, 0, 0};
    kz_time_format(&t, 0, buf);
}

/* Appends a 2.1 observed-data seen `count` times from sec to sec_last with the SCOs in
 * scos_json (an array text; each SCO needs an id) to objs. */
static void add_od_count(json_t *objs, int sec, int sec_last, int count, const char *scos_json)
{
    char first[KZ_TIME_MAX], last[KZ_TIME_MAX], id[80];
    json_error_t jerr;
    json_t *scos = json_loads(scos_json, 0, &jerr), *refs = json_array(), *od;
    size_t i;
    json_t *s;

    if (scos == NULL)
        fail_msg("bad test JSON: %s: %s", jerr.text, scos_json);
    ts(sec, first);
    ts(sec_last, last);
    snprintf(id, sizeof id, "observed-data--00000000-0000-4000-8000-%012d", od_counter++);
    json_array_foreach(scos, i, s)
    {
        json_array_append(refs, json_object_get(s, "id"));
        json_array_append(objs, s);
    }
    od = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}", "type", "observed-data", "id", id,
                   "first_observed", first, "last_observed", last, "number_observed", count,
                   "object_refs", refs);
    assert_non_null(od);
    json_array_append_new(objs, od);
    json_decref(scos);
}

static void add_od(json_t *objs, int sec, int sec_last, const char *scos_json)
{
    add_od_count(objs, sec, sec_last, 1, scos_json);
}

/* Evaluates pattern over objs: returns 1 (match) or 0, and fails the test on an error. When
 * want_rc is not KZ_OK, expects that error instead and returns -1. */
static int eval_rc(const char *pattern, const json_t *objs, kz_rc want_rc, kz_eval_result *keep)
{
    kz_pattern *p = NULL;
    kz_obs_set *set = kz_obs_set_new();
    kz_eval_result r;
    kz_err err = {{0}};
    kz_rc rc;
    int ret;

    assert_non_null(set);
    rc = kz_pattern_parse(kz_sv_c(pattern), NULL, &p, &err);
    if (rc != KZ_OK)
        fail_msg("pattern %s does not parse: %s", pattern, err.msg);
    rc = kz_obs_set_add_bundle(set, objs, &err);
    if (rc != KZ_OK)
        fail_msg("objects rejected: %s", err.msg);
    rc = kz_pattern_eval(p, set, &r, &err);
    if (rc != want_rc)
        fail_msg("%s: expected %s, got %s: %s", pattern, kz_rc_str(want_rc), kz_rc_str(rc),
                 err.msg);
    ret = rc != KZ_OK ? -1 : r.matched;
    if (rc != KZ_OK) {
        assert_false(r.matched);
        assert_int_equal(r.nobs, 0);
        assert_true(err.msg[0] != '\0');
    }
    if (keep)
        *keep = r;
    else
        kz_eval_result_free(&r);
    kz_obs_set_free(set);
    kz_pattern_free(p);
    return ret;
}

static int eval(const char *pattern, const json_t *objs)
{
    return eval_rc(pattern, objs, KZ_OK, NULL);
}

/* One observation holding the given SCOs. */
static json_t *one(const char *scos_json)
{
    json_t *objs = json_array();
    add_od(objs, 0, 0, scos_json);
    return objs;
}

static json_t *file_obs(void)
{
    return one(
        "[{\"type\":\"file\",\"id\":\"file--1\",\"name\":\"a.exe\",\"size\":100,"
        "\"x_ratio\":0.5,\"x_flag\":true,\"ctime\":\"2020-05-01T00:00:00Z\","
        "\"hashes\":{\"MD5\":\"79054025255fb1a26e4bc422aef54eb4\"},"
        "\"x_bin\":\"aGVsbG8=\",\"x_bin2\":\"aGVsbG8gd29ybGQ=\",\"x_utf\":\"\xc3\xa9t\xc3\xa9\"}]");
}

/* ---- comparison operators ---- */

static void test_eval_equality_and_inequality_both_ways(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval("[file:name = 'a.exe']", o), 1);
    assert_int_equal(eval("[file:name = 'b.exe']", o), 0);
    assert_int_equal(eval("[file:name != 'b.exe']", o), 1);
    assert_int_equal(eval("[file:name != 'a.exe']", o), 0);
    assert_int_equal(eval("[file:size = 100]", o), 1);
    assert_int_equal(eval("[file:size = 100.0]", o), 1);
    assert_int_equal(eval("[file:size = 101]", o), 0);
    assert_int_equal(eval("[file:x_flag = true]", o), 1);
    assert_int_equal(eval("[file:x_flag = false]", o), 0);
    assert_int_equal(eval("[process:name = 'a.exe']", o), 0);
    json_decref(o);
}

static void test_eval_ordering_operators_both_ways(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval("[file:size < 101]", o), 1);
    assert_int_equal(eval("[file:size < 100]", o), 0);
    assert_int_equal(eval("[file:size <= 100]", o), 1);
    assert_int_equal(eval("[file:size <= 99]", o), 0);
    assert_int_equal(eval("[file:size > 99]", o), 1);
    assert_int_equal(eval("[file:size > 100]", o), 0);
    assert_int_equal(eval("[file:size >= 100]", o), 1);
    assert_int_equal(eval("[file:size >= 100.5]", o), 0);
    assert_int_equal(eval("[file:x_ratio > 0.25]", o), 1);
    assert_int_equal(eval("[file:x_ratio > 1]", o), 0);
    assert_int_equal(eval("[file:name > 'a']", o), 1);
    assert_int_equal(eval("[file:name < 'a']", o), 0);
    assert_int_equal(eval("[file:ctime > t'2020-01-01T00:00:00Z']", o), 1);
    assert_int_equal(eval("[file:ctime > t'2021-01-01T00:00:00Z']", o), 0);
    json_decref(o);
}

static void test_eval_in_both_ways(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval("[file:name IN ('x', 'a.exe')]", o), 1);
    assert_int_equal(eval("[file:name IN ('x', 'y')]", o), 0);
    assert_int_equal(eval("[file:size IN (1, 100.0)]", o), 1);
    assert_int_equal(eval("[file:size NOT IN (1, 2)]", o), 1);
    assert_int_equal(eval("[file:size NOT IN (100, 2)]", o), 0);
    json_decref(o);
}

static void test_eval_not_negates_a_present_value_only(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval("[file:name NOT = 'a.exe']", o), 0);
    assert_int_equal(eval("[file:name NOT = 'b.exe']", o), 1);
    assert_int_equal(eval("[file:size NOT > 1000]", o), 1);
    assert_int_equal(eval("[file:size NOT < 1000]", o), 0);
    /* A missing property satisfies neither a comparison nor its negation. */
    assert_int_equal(eval("[file:x_missing NOT = 'b.exe']", o), 0);
    assert_int_equal(eval("[file:x_missing != 'b.exe']", o), 0);
    json_decref(o);
}

static void test_eval_like_wildcards_and_literal_characters(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval("[file:name LIKE 'a.exe']", o), 1);
    assert_int_equal(eval("[file:name LIKE '%.exe']", o), 1);
    assert_int_equal(eval("[file:name LIKE 'a%']", o), 1);
    assert_int_equal(eval("[file:name LIKE '%']", o), 1);
    assert_int_equal(eval("[file:name LIKE 'a_exe']", o), 1);
    assert_int_equal(eval("[file:name LIKE '_.exe']", o), 1);
    assert_int_equal(eval("[file:name LIKE '__.exe']", o), 0);
    assert_int_equal(eval("[file:name LIKE 'b%']", o), 0);
    assert_int_equal(eval("[file:name LIKE '%.ex']", o), 0);
    /* Regular-expression characters are literal. */
    assert_int_equal(eval("[file:name LIKE 'a.ex*']", o), 0);
    assert_int_equal(eval("[file:name LIKE '.*']", o), 0);
    assert_int_equal(eval("[file:name LIKE 'A.EXE']", o), 0);
    /* _ is one character, not one byte. */
    assert_int_equal(eval("[file:x_utf LIKE '_t_']", o), 1);
    assert_int_equal(eval("[file:x_utf LIKE '__t__']", o), 0);
    assert_int_equal(eval("[file:name NOT LIKE 'b%']", o), 1);
    json_decref(o);
}

static void test_eval_matches_uses_pcre(void **state)
{
    json_t *o = file_obs();

    (void)state;
#ifdef KZ_HAVE_PCRE2
    assert_int_equal(eval("[file:name MATCHES '^a\\\\.exe$']", o), 1);
    assert_int_equal(eval("[file:name MATCHES '^b']", o), 0);
    assert_int_equal(eval("[file:name MATCHES 'EXE']", o), 0);
    assert_int_equal(eval("[file:name NOT MATCHES '^b']", o), 1);
    assert_int_equal(eval("[file:x_utf MATCHES '^.t.$']", o), 1);
    assert_int_equal(eval_rc("[file:name MATCHES '(']", o, KZ_EINVAL, NULL), -1);
#else
    assert_int_equal(eval_rc("[file:name MATCHES 'a']", o, KZ_EUSAGE, NULL), -1);
#endif
    json_decref(o);
}

static void test_eval_cidr_subset_and_superset_edges(void **state)
{
    json_t *o = one("[{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"10.1.2.3\"},"
                    "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--2\",\"value\":\"172.16.0.0/12\"},"
                    "{\"type\":\"ipv6-addr\",\"id\":\"ipv6-addr--1\",\"value\":\"2001:db8::1\"}]");

    (void)state;
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '11.0.0.0/8']", o), 0);
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '0.0.0.0/0']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '10.1.2.3/32']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '10.1.2.4/32']", o), 0);
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '10.1.2.4/31']", o), 0);
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '10.1.2.2/31']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUPERSET '172.20.1.0/24']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUPERSET '172.32.0.0/16']", o), 0);
    assert_int_equal(eval("[ipv4-addr:value ISSUPERSET '0.0.0.0/0']", o), 0);
    assert_int_equal(eval("[ipv6-addr:value ISSUBSET '2001:db8::/32']", o), 1);
    assert_int_equal(eval("[ipv6-addr:value ISSUBSET '2001:db9::/32']", o), 0);
    assert_int_equal(eval("[ipv6-addr:value ISSUBSET '::/0']", o), 1);
    assert_int_equal(eval("[ipv6-addr:value ISSUBSET '2001:db8::1/128']", o), 1);
    /* An IPv4 address is never inside an IPv6 block. */
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '::/0']", o), 0);
    assert_int_equal(eval("[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", o), 1);
    assert_int_equal(eval_rc("[ipv4-addr:value ISSUBSET '10.0.0.0/33']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[ipv4-addr:value ISSUBSET 'nonsense']", o, KZ_EINVAL, NULL), -1);
    json_decref(o);
}

static void test_eval_exists_both_ways(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval("[EXISTS file:hashes.MD5]", o), 1);
    assert_int_equal(eval("[EXISTS file:hashes.'SHA-256']", o), 0);
    assert_int_equal(eval("[EXISTS file:name]", o), 1);
    assert_int_equal(eval("[EXISTS process:name]", o), 0);
    json_decref(o);
}

static void test_eval_hex_and_binary_constants(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval("[file:hashes.MD5 = h'79054025255fb1a26e4bc422aef54eb4']", o), 1);
    assert_int_equal(eval("[file:hashes.MD5 = h'00']", o), 0);
    assert_int_equal(eval("[file:x_bin = b'aGVsbG8=']", o), 1);
    assert_int_equal(eval("[file:x_bin = b'aGVsbA==']", o), 0);
    /* Decoding a value longer than the constant (base64 decodes to 3/4 of its length). */
    assert_int_equal(eval("[file:x_bin2 = b'aGVsbG8gd29ybGQ=']", o), 1);
    assert_int_equal(eval("[file:x_bin2 = b'aGVsbG8=']", o), 0);
    assert_int_equal(eval_rc("[file:name = b'aGVsbG8=']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[file:name = h'00']", o, KZ_EINVAL, NULL), -1);
    json_decref(o);
}

static void test_eval_type_mismatch_is_an_error_not_false(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval_rc("[file:size = 'big']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[file:name = 5]", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[file:name > t'2020-01-01T00:00:00Z']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[file:x_flag = 'true']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[file:hashes = 'x']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[file:size LIKE '1%']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[file:size ISSUBSET '10.0.0.0/8']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[file:size IN ('a', 'b')]", o, KZ_EINVAL, NULL), -1);
    json_decref(o);
}

/* ---- paths ---- */

static void test_eval_list_indexes_and_any_element(void **state)
{
    json_t *o = one("[{\"type\":\"x-list\",\"id\":\"x-list--1\",\"items\":[\"a\",\"b\",\"c\"],"
                    "\"nested\":[{\"k\":[1,2]},{\"k\":[3,4]}]}]");

    (void)state;
    assert_int_equal(eval("[x-list:items[1] = 'b']", o), 1);
    assert_int_equal(eval("[x-list:items[0] = 'b']", o), 0);
    assert_int_equal(eval("[x-list:items[3] = 'b']", o), 0);
    assert_int_equal(eval("[x-list:items[*] = 'c']", o), 1);
    assert_int_equal(eval("[x-list:items[*] = 'z']", o), 0);
    assert_int_equal(eval("[x-list:nested[*].k[*] = 4]", o), 1);
    assert_int_equal(eval("[x-list:nested[*].k[*] = 5]", o), 0);
    assert_int_equal(eval("[x-list:nested[0].k[1] = 2]", o), 1);
    assert_int_equal(eval("[x-list:nested[1].k[1] = 2]", o), 0);
    /* A key step on a list reaches nothing. */
    assert_int_equal(eval("[x-list:items.a = 'a']", o), 0);
    json_decref(o);
}

static void test_eval_references_are_followed_within_the_observation(void **state)
{
    json_t *o =
        one("[{\"type\":\"network-traffic\",\"id\":\"network-traffic--1\","
            "\"src_ref\":\"ipv4-addr--1\",\"dst_ref\":\"ipv4-addr--2\",\"protocols\":[\"tcp\"]},"
            "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"198.51.100.1\"},"
            "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--2\",\"value\":\"203.0.113.33\","
            "\"resolves_to_refs\":[\"mac-addr--1\"]},"
            "{\"type\":\"mac-addr\",\"id\":\"mac-addr--1\",\"value\":\"00:00:5e:00:53:00\"}]");
    json_t *o2 = one("[{\"type\":\"network-traffic\",\"id\":\"network-traffic--2\","
                     "\"dst_ref\":\"ipv4-addr--9\"}]");

    (void)state;
    assert_int_equal(eval("[network-traffic:dst_ref.value = '203.0.113.33']", o), 1);
    assert_int_equal(eval("[network-traffic:src_ref.value = '203.0.113.33']", o), 0);
    assert_int_equal(eval("[network-traffic:dst_ref.type = 'ipv4-addr' AND "
                          "network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24']",
                          o),
                     1);
    assert_int_equal(
        eval("[network-traffic:dst_ref.resolves_to_refs[*].value = '00:00:5e:00:53:00']", o), 1);
    assert_int_equal(
        eval("[network-traffic:dst_ref.resolves_to_refs[0].value = '00:00:5e:00:53:01']", o), 0);
    /* The id itself is an ordinary string at the end of a path. */
    assert_int_equal(eval("[network-traffic:dst_ref = 'ipv4-addr--2']", o), 1);
    /* A reference to an object that is not in the observation reaches nothing. */
    assert_int_equal(eval("[network-traffic:dst_ref.value = '203.0.113.33']", o2), 0);
    json_decref(o);
    json_decref(o2);
}

/* Domain names and hash values compare ignoring ASCII case (as the index looks them up);
 * every other string, and LIKE and MATCHES on these, compares exactly. */
static void test_eval_domain_names_and_hashes_ignore_ascii_case(void **state)
{
    json_t *o =
        one("[{\"type\":\"domain-name\",\"id\":\"domain-name--1\",\"value\":\"Evil.Example\"},"
            "{\"type\":\"network-traffic\",\"id\":\"network-traffic--1\","
            "\"dst_ref\":\"domain-name--1\"},"
            "{\"type\":\"url\",\"id\":\"url--1\",\"value\":\"http://Evil.Example/A\"},"
            "{\"type\":\"file\",\"id\":\"file--1\",\"name\":\"A.exe\","
            "\"hashes\":{\"MD5\":\"79054025255FB1A26E4BC422AEF54EB4\"},"
            "\"extensions\":{\"windows-pebinary-ext\":{\"optional_header\":{"
            "\"hashes\":{\"SHA-1\":\"aa\"}}}}}]");

    (void)state;
    assert_int_equal(eval("[domain-name:value = 'evil.example']", o), 1);
    assert_int_equal(eval("[domain-name:value = 'EVIL.EXAMPLE']", o), 1);
    assert_int_equal(eval("[domain-name:value != 'evil.example']", o), 0);
    assert_int_equal(eval("[domain-name:value IN ('x.example', 'evil.EXAMPLE')]", o), 1);
    assert_int_equal(eval("[domain-name:value = 'evil.example' AND domain-name:value != 'x']", o),
                     1);
    assert_int_equal(eval("[domain-name:value = 'evil.exampl']", o), 0);
    assert_int_equal(eval("[network-traffic:dst_ref.value = 'evil.example']", o), 1);
    assert_int_equal(eval("[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']", o), 1);
    assert_int_equal(eval("[file:hashes.MD5 != '79054025255fb1a26e4bc422aef54eb4']", o), 0);
    assert_int_equal(
        eval("[file:extensions.'windows-pebinary-ext'.optional_header.hashes.'SHA-1' = 'AA']", o),
        1);
    /* Not a domain name or a hash: exact. */
    assert_int_equal(eval("[url:value = 'http://evil.example/A']", o), 0);
    assert_int_equal(eval("[file:name = 'a.exe']", o), 0);
    /* Only ASCII letters fold. */
    assert_int_equal(eval("[domain-name:value = 'evil.example\u00e9']", o), 0);
    /* LIKE and MATCHES stay exact. */
    assert_int_equal(eval("[domain-name:value LIKE 'evil.%']", o), 0);
    assert_int_equal(eval("[domain-name:value MATCHES '^evil']", o), 0);
    assert_int_equal(eval("[domain-name:value MATCHES '(?i)^evil']", o), 1);
    json_decref(o);
}

static void test_eval_comparisons_on_one_type_bind_one_object(void **state)
{
    json_t *o = one("[{\"type\":\"file\",\"id\":\"file--1\",\"name\":\"a\",\"size\":1},"
                    "{\"type\":\"file\",\"id\":\"file--2\",\"name\":\"b\",\"size\":2},"
                    "{\"type\":\"process\",\"id\":\"process--1\",\"pid\":7}]");
    json_t *two = json_array();

    (void)state;
    assert_int_equal(eval("[file:name = 'a' AND file:size = 1]", o), 1);
    assert_int_equal(eval("[file:name = 'a' AND file:size = 2]", o), 0);
    assert_int_equal(eval("[file:name = 'a' OR file:size = 5]", o), 1);
    assert_int_equal(eval("[file:name = 'c' OR file:size = 5]", o), 0);
    /* Different types: different objects of the same observation. */
    assert_int_equal(eval("[file:name = 'b' AND process:pid = 7]", o), 1);
    assert_int_equal(eval("[file:name = 'b' AND process:pid = 8]", o), 0);
    /* ... but never across observations. */
    add_od(two, 0, 0, "[{\"type\":\"file\",\"id\":\"file--1\",\"name\":\"a\"}]");
    add_od(two, 1, 1, "[{\"type\":\"process\",\"id\":\"process--1\",\"pid\":7}]");
    assert_int_equal(eval("[file:name = 'a' AND process:pid = 7]", two), 0);
    assert_int_equal(eval("[file:name = 'a'] AND [process:pid = 7]", two), 1);
    json_decref(o);
    json_decref(two);
}

/* ---- observation operators and qualifiers ---- */

static json_t *timeline(void)
{
    json_t *objs = json_array();

    add_od(objs, 0, 0, "[{\"type\":\"x-ev\",\"id\":\"x-ev--a\",\"n\":\"a\"}]");
    add_od(objs, 10, 12, "[{\"type\":\"x-ev\",\"id\":\"x-ev--b\",\"n\":\"b\"}]");
    add_od(objs, 100, 100, "[{\"type\":\"x-ev\",\"id\":\"x-ev--c\",\"n\":\"c\"}]");
    add_od(objs, 105, 105, "[{\"type\":\"x-ev\",\"id\":\"x-ev--a2\",\"n\":\"a\"}]");
    return objs;
}

static void test_eval_observation_and_needs_distinct_observations(void **state)
{
    json_t *t = timeline();
    kz_eval_result r;

    (void)state;
    assert_int_equal(eval("[x-ev:n = 'a'] AND [x-ev:n = 'c']", t), 1);
    assert_int_equal(eval("[x-ev:n = 'a'] AND [x-ev:n = 'z']", t), 0);
    assert_int_equal(eval("[x-ev:n = 'b'] AND [x-ev:n = 'b']", t), 0);
    assert_int_equal(eval("[x-ev:n = 'a'] AND [x-ev:n = 'a']", t), 1);
    assert_int_equal(eval("[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a']", t), 0);
    /* Greedy order must not block a binding: the first operand must leave both 'a' to the others.
     */
    assert_int_equal(eval("[x-ev:n = 'a' OR x-ev:n = 'b'] AND [x-ev:n = 'a'] AND "
                          "[x-ev:n = 'a']",
                          t),
                     1);
    assert_int_equal(eval_rc("[x-ev:n = 'c'] AND [x-ev:n = 'b']", t, KZ_OK, &r), 1);
    assert_int_equal(r.nobs, 2);
    assert_int_equal(r.obs[0], 1);
    assert_int_equal(r.obs[1], 2);
    kz_eval_result_free(&r);
    json_decref(t);
}

static void test_eval_observation_or_both_ways(void **state)
{
    json_t *t = timeline();

    (void)state;
    assert_int_equal(eval("[x-ev:n = 'z'] OR [x-ev:n = 'c']", t), 1);
    assert_int_equal(eval("[x-ev:n = 'z'] OR [x-ev:n = 'y']", t), 0);
    json_decref(t);
}

static void test_eval_followedby_needs_order_in_time(void **state)
{
    json_t *t = timeline();

    (void)state;
    assert_int_equal(eval("[x-ev:n = 'a'] FOLLOWEDBY [x-ev:n = 'c']", t), 1);
    assert_int_equal(eval("[x-ev:n = 'c'] FOLLOWEDBY [x-ev:n = 'b']", t), 0);
    /* The second 'a' (t=105) follows 'c' (t=100). */
    assert_int_equal(eval("[x-ev:n = 'c'] FOLLOWEDBY [x-ev:n = 'a']", t), 1);
    assert_int_equal(eval("[x-ev:n = 'a'] FOLLOWEDBY [x-ev:n = 'b'] FOLLOWEDBY [x-ev:n = 'c']", t),
                     1);
    assert_int_equal(eval("[x-ev:n = 'b'] FOLLOWEDBY [x-ev:n = 'c'] FOLLOWEDBY [x-ev:n = 'b']", t),
                     0);
    json_decref(t);
}

static void test_eval_within_bounds_the_span_of_the_binding(void **state)
{
    json_t *t = timeline();

    (void)state;
    assert_int_equal(eval("([x-ev:n = 'a'] AND [x-ev:n = 'b']) WITHIN 12 SECONDS", t), 1);
    /* b ends at 12: a window of 11 seconds from a's start is too short. */
    assert_int_equal(eval("([x-ev:n = 'a'] AND [x-ev:n = 'b']) WITHIN 11 SECONDS", t), 0);
    assert_int_equal(eval("([x-ev:n = 'a'] AND [x-ev:n = 'b']) WITHIN 11.5 SECONDS", t), 0);
    /* c (100) and the second a (105). */
    assert_int_equal(eval("([x-ev:n = 'c'] AND [x-ev:n = 'a']) WITHIN 5 SECONDS", t), 1);
    assert_int_equal(eval("([x-ev:n = 'c'] AND [x-ev:n = 'b']) WITHIN 60 SECONDS", t), 0);
    assert_int_equal(eval("[x-ev:n = 'c'] WITHIN 1 SECONDS", t), 1);
    json_decref(t);
}

static void test_eval_repeats_counts_distinct_observations(void **state)
{
    json_t *t = timeline();

    (void)state;
    assert_int_equal(eval("[x-ev:n = 'a'] REPEATS 2 TIMES", t), 1);
    assert_int_equal(eval("[x-ev:n = 'a'] REPEATS 3 TIMES", t), 0);
    assert_int_equal(eval("[x-ev:n = 'b'] REPEATS 1 TIMES", t), 1);
    assert_int_equal(eval("[x-ev:n = 'a' OR x-ev:n = 'c'] REPEATS 3 TIMES", t), 1);
    assert_int_equal(eval("([x-ev:n = 'a'] REPEATS 2 TIMES) WITHIN 200 SECONDS", t), 1);
    assert_int_equal(eval("([x-ev:n = 'a'] REPEATS 2 TIMES) WITHIN 100 SECONDS", t), 0);
    json_decref(t);
}

static void test_eval_start_stop_bounds_each_observation(void **state)
{
    json_t *t = timeline();
    char p[256], a[KZ_TIME_MAX], b[KZ_TIME_MAX];

    (void)state;
    ts(50, a);
    ts(200, b);
    snprintf(p, sizeof p, "[x-ev:n = 'a'] START t'%s' STOP t'%s'", a, b);
    assert_int_equal(eval(p, t), 1); /* the second a, at 105 */
    ts(-10, a);
    ts(100, b);
    snprintf(p, sizeof p, "[x-ev:n = 'c'] START t'%s' STOP t'%s'", a, b);
    assert_int_equal(eval(p, t), 0); /* c at 100: STOP is exclusive */
    ts(101, b);
    snprintf(p, sizeof p, "[x-ev:n = 'c'] START t'%s' STOP t'%s'", a, b);
    assert_int_equal(eval(p, t), 1);
    ts(1, a);
    ts(11, b);
    snprintf(p, sizeof p, "[x-ev:n = 'b'] START t'%s' STOP t'%s'", a, b);
    assert_int_equal(eval(p, t), 0); /* b lasts until 12 */
    json_decref(t);
}

/* ---- the specification's examples ---- */

static void test_eval_spec_examples(void **state)
{
    json_t *o = json_array();
    json_t *none = json_array();

    (void)state;
    add_od(o, 0, 0,
           "[{\"type\":\"file\",\"id\":\"file--1\",\"hashes\":{\"SHA-256\":"
           "\"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f\","
           "\"MD5\":\"79054025255fb1a26e4bc422aef54eb4\"},\"name\":\"x.exe\"}]");
    add_od(o, 30, 30,
           "[{\"type\":\"windows-registry-key\",\"id\":\"windows-registry-key--1\","
           "\"key\":\"HKEY_LOCAL_MACHINE\\\\SYSTEM\\\\ControlSet001\\\\Services\\\\MSADOMX\"}]");
    add_od(o, 60, 60,
           "[{\"type\":\"email-message\",\"id\":\"email-message--1\",\"is_multipart\":true,"
           "\"from_ref\":\"email-addr--1\",\"body_multipart\":[{\"body\":\"hi\"},"
           "{\"body_raw_ref\":\"file--2\"}]},"
           "{\"type\":\"email-addr\",\"id\":\"email-addr--1\",\"value\":\"jdoe@example.com\"},"
           "{\"type\":\"file\",\"id\":\"file--2\",\"name\":\"Final Report 2016.exe\"}]");
    add_od(o, 90, 90,
           "[{\"type\":\"network-traffic\",\"id\":\"network-traffic--1\","
           "\"dst_ref\":\"ipv4-addr--1\",\"protocols\":[\"ipv4\",\"tcp\"]},"
           "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"203.0.113.33\"}]");
    assert_int_equal(eval("[file:hashes.'SHA-256' = "
                          "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
                          o),
                     1);
    assert_int_equal(eval("[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] AND "
                          "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\SYSTEM\\\\"
                          "ControlSet001\\\\Services\\\\MSADOMX']",
                          o),
                     1);
    assert_int_equal(eval("([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] AND "
                          "[windows-registry-key:key LIKE '%MSADOMX']) WITHIN 10 SECONDS",
                          o),
                     0);
    assert_int_equal(eval("([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] AND "
                          "[windows-registry-key:key LIKE '%MSADOMX']) WITHIN 300 SECONDS",
                          o),
                     1);
    assert_int_equal(eval("[network-traffic:dst_ref.type = 'ipv4-addr' AND "
                          "network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24']",
                          o),
                     1);
    assert_int_equal(eval("[network-traffic:protocols[*] = 'tcp'] FOLLOWEDBY "
                          "[file:name = 'x.exe']",
                          o),
                     0);
    assert_int_equal(eval("[file:name = 'x.exe'] FOLLOWEDBY "
                          "[network-traffic:protocols[*] = 'tcp']",
                          o),
                     1);
#ifdef KZ_HAVE_PCRE2
    assert_int_equal(eval("[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
                          "email-message:body_multipart[*].body_raw_ref.name MATCHES "
                          "'^Final Report.+\\\\.exe$']",
                          o),
                     1);
    assert_int_equal(eval("[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.org$']", o),
                     0);
#endif
    assert_int_equal(eval("[file:name = 'x.exe']", none), 0);
    json_decref(o);
    json_decref(none);
}

static void test_eval_stix20_embedded_objects(void **state)
{
    const char *text =
        "[{\"type\":\"observed-data\",\"id\":\"observed-data--b67d30ff-02ac-498a-92f9-"
        "32f845f448cf\",\"first_observed\":\"2015-12-21T19:00:00Z\",\"last_observed\":"
        "\"2015-12-21T19:00:00Z\",\"number_observed\":50,\"objects\":{"
        "\"0\":{\"type\":\"ipv4-addr\",\"value\":\"198.51.100.3\"},"
        "\"1\":{\"type\":\"network-traffic\",\"src_ref\":\"0\",\"dst_port\":443}}},"
        "{\"type\":\"observed-data\",\"id\":\"observed-data--2\",\"first_observed\":"
        "\"2015-12-21T19:05:00Z\",\"last_observed\":\"2015-12-21T19:05:00Z\","
        "\"number_observed\":1,\"objects\":{\"0\":{\"type\":\"domain-name\",\"value\":"
        "\"example.com\"}}}]";
    json_t *o = json_loads(text, 0, NULL);
    kz_obs_set *set = kz_obs_set_new();
    kz_err err;

    (void)state;
    assert_non_null(o);
    assert_int_equal(eval("[network-traffic:src_ref.value = '198.51.100.3' AND "
                          "network-traffic:dst_port = 443]",
                          o),
                     1);
    assert_int_equal(eval("[network-traffic:src_ref.value = '198.51.100.4']", o), 0);
    assert_int_equal(eval("[network-traffic:dst_port = 443] FOLLOWEDBY "
                          "[domain-name:value = 'example.com']",
                          o),
                     1);
    assert_int_equal(eval("[domain-name:value = 'example.com'] FOLLOWEDBY "
                          "[network-traffic:dst_port = 443]",
                          o),
                     0);
    assert_int_equal(kz_obs_set_add_bundle(set, o, &err), KZ_OK);
    assert_int_equal(kz_obs_set_count(set), 2);
    assert_string_equal(kz_obs_set_id(set, 1), "observed-data--2");
    assert_non_null(kz_obs_set_get(set, 0));
    assert_null(kz_obs_set_get(set, 2));
    kz_obs_set_free(set);
    json_decref(o);
}

/* ---- the set builder ---- */

static void test_eval_set_orders_by_first_observed_and_rejects_bad_input(void **state)
{
    json_t *objs = json_array();
    kz_obs_set *set = kz_obs_set_new();
    kz_err err;
    json_t *bad;
    char t5[KZ_TIME_MAX];

    (void)state;
    add_od(objs, 50, 50, "[{\"type\":\"x-ev\",\"id\":\"x-ev--1\",\"n\":\"late\"}]");
    add_od(objs, 5, 5, "[{\"type\":\"x-ev\",\"id\":\"x-ev--2\",\"n\":\"early\"}]");
    assert_int_equal(kz_obs_set_add_bundle(set, objs, &err), KZ_OK);
    assert_int_equal(kz_obs_set_count(set), 2);
    ts(5, t5);
    assert_string_equal(
        json_string_value(json_object_get(kz_obs_set_get(set, 0), "first_observed")), t5);
    /* A missing SCO leaves the set as it was. */
    bad = json_loads("[{\"type\":\"observed-data\",\"first_observed\":\"2020-01-01T00:00:00Z\","
                     "\"last_observed\":\"2020-01-01T00:00:00Z\",\"number_observed\":1,"
                     "\"object_refs\":[\"file--404\"]}]",
                     0, NULL);
    assert_int_equal(kz_obs_set_add_bundle(set, bad, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "objects[0]"));
    assert_non_null(strstr(err.msg, "file--404"));
    assert_int_equal(kz_obs_set_count(set), 2);
    json_decref(bad);
    bad = json_loads("[{\"type\":\"observed-data\",\"first_observed\":\"yesterday\","
                     "\"last_observed\":\"2020-01-01T00:00:00Z\",\"number_observed\":1,"
                     "\"object_refs\":[]}]",
                     0, NULL);
    assert_int_equal(kz_obs_set_add_bundle(set, bad, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "first_observed"));
    json_decref(bad);
    bad = json_loads("[{\"type\":\"observed-data\",\"first_observed\":\"2020-01-02T00:00:00Z\","
                     "\"last_observed\":\"2020-01-01T00:00:00Z\",\"number_observed\":1,"
                     "\"object_refs\":[]}]",
                     0, NULL);
    assert_int_equal(kz_obs_set_add_bundle(set, bad, &err), KZ_EINVAL);
    json_decref(bad);
    assert_int_equal(kz_obs_set_add_bundle(set, NULL, &err), KZ_EINVAL);
    kz_obs_set_free(set);
    kz_obs_set_free(NULL);
    kz_eval_result_free(NULL);
    json_decref(objs);
}

/* ---- no combinatorial explosion ---- */

static json_t *many(int n)
{
    json_t *objs = json_array();
    char sco[128];

    for (int i = 0; i < n; i++) {
        snprintf(sco, sizeof sco, "[{\"type\":\"x-ev\",\"id\":\"x-ev--%d\",\"n\":\"%s\"}]", i,
                 i % 2 ? "b" : "a");
        add_od(objs, i, i, sco);
    }
    return objs;
}

static void test_eval_repeats_and_long_ands_do_not_explode(void **state)
{
    json_t *o = many(2000);
    kz_eval_result r;

    (void)state;
    assert_int_equal(eval_rc("[x-ev:n = 'a'] REPEATS 10 TIMES", o, KZ_OK, &r), 1);
    assert_int_equal(r.nobs, 10);
    kz_eval_result_free(&r);
    assert_int_equal(eval("[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a'] AND "
                          "[x-ev:n = 'b'] AND [x-ev:n = 'a'] AND [x-ev:n = 'b'] AND "
                          "[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'b'] AND "
                          "[x-ev:n = 'a'] AND [x-ev:n = 'a']",
                          o),
                     1);
    /* 10 'a' observations lie 18 seconds apart at best: a 10-second window never holds them. */
    assert_int_equal(eval("([x-ev:n = 'a'] REPEATS 10 TIMES) WITHIN 10 SECONDS", o), 0);
    assert_int_equal(eval("([x-ev:n = 'a'] REPEATS 10 TIMES) WITHIN 18 SECONDS", o), 1);
    assert_int_equal(eval("([x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a'] AND "
                          "[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a'] AND "
                          "[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a'] AND "
                          "[x-ev:n = 'z']) WITHIN 100 SECONDS",
                          o),
                     0);
    assert_int_equal(eval("([x-ev:n = 'a'] FOLLOWEDBY [x-ev:n = 'b']) REPEATS 10 TIMES", o), 1);
    assert_int_equal(eval("[x-ev:n = 'a'] REPEATS 1001 TIMES", o), 0);
    json_decref(o);
}

static const json_t *lookup_in(const char *id, void *arg)
{
    return json_object_get((const json_t *)arg, id);
}

static void test_eval_lookup_callback_resolves_object_refs(void **state)
{
    json_t *scos = json_loads("{\"file--1\":{\"type\":\"file\",\"id\":\"file--1\","
                              "\"name\":\"a.exe\"}}",
                              0, NULL);
    json_t *od = json_loads("{\"type\":\"observed-data\",\"first_observed\":"
                            "\"2020-01-01T00:00:00Z\",\"last_observed\":\"2020-01-01T00:00:01Z\","
                            "\"number_observed\":3,\"object_refs\":[\"file--1\"]}",
                            0, NULL);
    kz_obs_set *set = kz_obs_set_new();
    kz_pattern *p = NULL;
    kz_eval_result r;
    kz_err err;

    (void)state;
    assert_int_equal(kz_obs_set_add_observed_data(set, od, lookup_in, scos, &err), KZ_OK);
    /* The set holds its own references: the caller may drop the SCOs. */
    json_decref(scos);
    json_decref(od);
    assert_int_equal(kz_pattern_parse(kz_sv_c("[file:name = 'a.exe']"), NULL, &p, &err), KZ_OK);
    assert_int_equal(kz_pattern_eval(p, set, &r, &err), KZ_OK);
    assert_true(r.matched);
    assert_int_equal(r.nobs, 1);
    assert_int_equal(r.obs[0], 0);
    assert_null(kz_obs_set_id(set, 0));
    kz_eval_result_free(&r);
    assert_int_equal(kz_obs_set_add_observed_data(set, NULL, NULL, NULL, &err), KZ_EUSAGE);
    kz_pattern_free(p);
    kz_obs_set_free(set);
}

static void test_eval_work_budget_stops_hostile_patterns(void **state)
{
    json_t *o = json_array();

    (void)state;
    for (int i = 0; i < 5000; i++)
        add_od(o, i, i, "[{\"type\":\"x-ev\",\"id\":\"x-ev--1\",\"n\":\"a\"}]");
    /* Counting the candidates answers this one at once now: 3001 observations at most fit. */
    assert_int_equal(eval("([x-ev:n = 'a'] REPEATS 4000 TIMES) WITHIN 3000 SECONDS", o), 0);
    /* Twelve interchangeable operands over eleven observations per window: a pigeonhole the
     * backtracking search does not see, so the budget stops it. */
    assert_int_equal(eval_rc("([x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a'] AND "
                             "[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a'] AND "
                             "[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a'] AND "
                             "[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a']) "
                             "WITHIN 10 SECONDS",
                             o, KZ_ELIMIT, NULL),
                     -1);
    json_decref(o);
}

/* ---- rules checked against STIX 2.1 Part 9 and the OASIS reference matcher ---- */

static void test_eval_and_search_finds_a_binding_greedy_order_misses(void **state)
{
    json_t *t = json_array();
    kz_eval_result r;

    (void)state;
    add_od(t, 0, 0, "[{\"type\":\"x-ev\",\"id\":\"x-ev--a\",\"n\":\"a\"}]");
    add_od(t, 1, 1, "[{\"type\":\"x-ev\",\"id\":\"x-ev--b\",\"n\":\"b\"}]");
    add_od(t, 2, 2, "[{\"type\":\"x-ev\",\"id\":\"x-ev--c\",\"n\":\"c\"}]");
    /* The only binding is [a OR b]=b, [a]=a, [b OR c]=c; earliest-first fails in both orders. */
    assert_int_equal(eval_rc("[x-ev:n = 'a' OR x-ev:n = 'b'] AND [x-ev:n = 'a'] AND "
                             "[x-ev:n = 'b' OR x-ev:n = 'c']",
                             t, KZ_OK, &r),
                     1);
    assert_int_equal(r.nobs, 3);
    kz_eval_result_free(&r);
    assert_int_equal(eval("[x-ev:n = 'a' OR x-ev:n = 'b'] AND [x-ev:n = 'b' OR x-ev:n = 'a']", t),
                     1);
    /* Three operands that all need a or b, over two such observations: no binding. */
    assert_int_equal(eval("[x-ev:n = 'a' OR x-ev:n = 'b'] AND [x-ev:n = 'a'] AND "
                          "[x-ev:n = 'b' OR x-ev:n = 'a']",
                          t),
                     0);
    assert_int_equal(eval("[x-ev:n = 'c' OR x-ev:n = 'b'] AND [x-ev:n = 'a' OR x-ev:n = 'c'] AND "
                          "[x-ev:n = 'b' OR x-ev:n = 'a']",
                          t),
                     1);
    /* A FOLLOWEDBY inside an AND: the AND operand must leave the early 'a' to the sequence. */
    assert_int_equal(eval("[x-ev:n = 'a' OR x-ev:n = 'c'] AND "
                          "([x-ev:n = 'a'] FOLLOWEDBY [x-ev:n = 'b'])",
                          t),
                     1);
    json_decref(t);
}

static void test_eval_number_observed_counts_as_that_many_observations(void **state)
{
    json_t *t = json_array();
    kz_eval_result r;

    (void)state;
    add_od_count(t, 0, 60, 3, "[{\"type\":\"x-ev\",\"id\":\"x-ev--a\",\"n\":\"a\"}]");
    add_od(t, 100, 100, "[{\"type\":\"x-ev\",\"id\":\"x-ev--b\",\"n\":\"b\"}]");
    assert_int_equal(eval_rc("[x-ev:n = 'a'] REPEATS 3 TIMES", t, KZ_OK, &r), 1);
    /* The one observed-data is listed once in the result. */
    assert_int_equal(r.nobs, 1);
    assert_int_equal(r.obs[0], 0);
    kz_eval_result_free(&r);
    assert_int_equal(eval("[x-ev:n = 'a'] REPEATS 4 TIMES", t), 0);
    assert_int_equal(eval("[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a']", t), 1);
    assert_int_equal(
        eval("[x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a'] AND [x-ev:n = 'a']", t), 0);
    assert_int_equal(eval("([x-ev:n = 'a'] REPEATS 3 TIMES) FOLLOWEDBY [x-ev:n = 'b']", t), 1);
    assert_int_equal(eval("[x-ev:n = 'b'] REPEATS 2 TIMES", t), 0);
    json_decref(t);
}

static void test_eval_timestamps_compare_by_instant_not_by_fraction_digits(void **state)
{
    json_t *o = one("[{\"type\":\"x-t\",\"id\":\"x-t--1\",\"at\":\"2020-05-01T00:00:00.5Z\","
                    "\"whole\":\"2020-05-01T00:00:00Z\"}]");

    (void)state;
    assert_int_equal(eval("[x-t:at = t'2020-05-01T00:00:00.500Z']", o), 1);
    assert_int_equal(eval("[x-t:at = t'2020-05-01T00:00:00.500000000Z']", o), 1);
    assert_int_equal(eval("[x-t:at > t'2020-05-01T00:00:00.499999Z']", o), 1);
    assert_int_equal(eval("[x-t:at < t'2020-05-01T00:00:00.5Z']", o), 0);
    assert_int_equal(eval("[x-t:whole = t'2020-05-01T00:00:00.000Z']", o), 1);
    assert_int_equal(eval("[x-t:whole IN (t'2020-05-01T00:00:00.0Z')]", o), 1);
    assert_int_equal(eval("[x-t:at != t'2020-05-01T00:00:00Z']", o), 1);
    json_decref(o);
}

static void test_eval_strings_compare_bytewise_without_normalisation_or_case_folding(void **state)
{
    /* e-acute precomposed (U+00E9) and decomposed (e U+0301). */
    json_t *o = one("[{\"type\":\"x-u\",\"id\":\"x-u--1\",\"nfc\":\"caf\xc3\xa9\","
                    "\"nfd\":\"cafe\xcc\x81\"}]");

    (void)state;
    assert_int_equal(eval("[x-u:nfc = 'caf\xc3\xa9']", o), 1);
    /* =, != and IN compare code points as they are (so does the reference matcher): the
     * decomposed form is a different string there; LIKE and MATCHES normalise (next test). */
    assert_int_equal(eval("[x-u:nfd = 'caf\xc3\xa9']", o), 0);
    assert_int_equal(eval("[x-u:nfd != 'caf\xc3\xa9']", o), 1);
    assert_int_equal(eval("[x-u:nfd IN ('caf\xc3\xa9')]", o), 0);
    assert_int_equal(eval("[x-u:nfc LIKE 'caf_']", o), 1);
    /* Case-sensitive: U+00C9 is not U+00E9. */
    assert_int_equal(eval("[x-u:nfc = 'caf\xc3\x89']", o), 0);
    assert_int_equal(eval("[x-u:nfc LIKE 'CAF%']", o), 0);
    /* Ordering is by UTF-8 bytes, which is code point order. */
    assert_int_equal(eval("[x-u:nfc > 'cafz']", o), 1);
#ifdef KZ_HAVE_PCRE2
    assert_int_equal(eval("[x-u:nfc MATCHES '^CAF']", o), 0);
    assert_int_equal(eval("[x-u:nfc MATCHES '(?i)^CAF\xc3\x89$']", o), 1);
#endif
    json_decref(o);
}

static void test_eval_like_and_matches_compare_in_unicode_nfc(void **state)
{
    /* Canonically equivalent spellings: e-acute (U+00E9 / e U+0301); ga (U+304C / ka U+304B
     * with the combining voiced mark U+3099); the Angstrom sign U+212B, whose NFC is U+00C5;
     * Hangul ga (U+AC00 / the jamo U+1100 U+1161); a with dot below and circumflex (U+1EAD)
     * with its marks in either order; Devanagari qa U+0958, excluded from composition, so its
     * NFC is the pair U+0915 U+093C. */
    json_t *o = one("[{\"type\":\"x-u\",\"id\":\"x-u--1\",\"nfd\":\"cafe\xcc\x81\","
                    "\"kana\":\"\xe3\x81\x8b\xe3\x82\x99\",\"angstrom\":\"\xe2\x84\xab\","
                    "\"jamo\":\"\xe1\x84\x80\xe1\x85\xa1\",\"marks\":\"a\xcc\x82\xcc\xa3\","
                    "\"qa\":\"\xe0\xa5\x98\"}]");

    (void)state;
    assert_int_equal(eval("[x-u:nfd LIKE 'caf_']", o), 1); /* one character after NFC */
    assert_int_equal(eval("[x-u:nfd LIKE 'caf__']", o), 0);
    assert_int_equal(eval("[x-u:nfd LIKE 'caf\xc3\xa9']", o), 1);
    assert_int_equal(eval("[x-u:nfd LIKE '%e%']", o), 0); /* the e is inside the composite */
    assert_int_equal(eval("[x-u:kana LIKE '\xe3\x81\x8c']", o), 1);
    assert_int_equal(eval("[x-u:kana LIKE '\xe3\x81\x8b%']", o), 0);
    assert_int_equal(eval("[x-u:angstrom LIKE '\xc3\x85']", o), 1);
    assert_int_equal(eval("[x-u:jamo LIKE '\xea\xb0\x80']", o), 1);
    assert_int_equal(eval("[x-u:marks LIKE '\xe1\xba\xad']", o), 1);
    /* The constant is normalised too: its marks in the other order. */
    assert_int_equal(eval("[x-u:marks LIKE 'a\xcc\xa3\xcc\x82']", o), 1);
    assert_int_equal(eval("[x-u:qa LIKE '\xe0\xa4\x95\xe0\xa4\xbc']", o), 1);
    assert_int_equal(eval("[x-u:qa LIKE '_']", o), 0);
    assert_int_equal(eval("[x-u:qa LIKE '__']", o), 1);
    assert_int_equal(eval("[x-u:nfd NOT LIKE 'caf\xc3\xa9']", o), 0);
    /* Equality does not normalise (see the test before). */
    assert_int_equal(eval("[x-u:kana = '\xe3\x81\x8c']", o), 0);
#ifdef KZ_HAVE_PCRE2
    /* MATCHES works on code points (PCRE2_UTF) of the normalised value and expression. */
    assert_int_equal(eval("[x-u:nfd MATCHES '^caf.$']", o), 1);
    assert_int_equal(eval("[x-u:nfd MATCHES '^cafe']", o), 0);
    assert_int_equal(eval("[x-u:nfd MATCHES '^cafe\xcc\x81$']", o), 1); /* expression in NFC */
    assert_int_equal(eval("[x-u:kana MATCHES '^\xe3\x81\x8c$']", o), 1);
    assert_int_equal(eval("[x-u:angstrom MATCHES '\\\\x{00C5}']", o), 1);
    assert_int_equal(eval("[x-u:angstrom MATCHES '\\\\x{212B}']", o), 0);
    assert_int_equal(eval("[x-u:jamo MATCHES '^.$']", o), 1);
    assert_int_equal(eval("[x-u:qa MATCHES '^..$']", o), 1);
#endif
    json_decref(o);
}

static void test_eval_like_on_long_values_is_bounded(void **state)
{
    /* A '%' followed by a long piece that almost matches everywhere costs value x pattern steps:
     * 2 MiB against 16,000 bytes would be 3e10. The evaluator charges that to its budget and
     * stops with KZ_ELIMIT instead of running for minutes; short patterns on the same value and
     * long patterns on short values still evaluate. */
    size_t vn = 2u << 20, pn = 16000;
    char *v = malloc(vn + 1), *pat = malloc(pn + 64), *scos = malloc(vn + 512);
    json_t *o;

    (void)state;
    assert_non_null(v);
    assert_non_null(pat);
    assert_non_null(scos);
    memset(v, 'a', vn);
    v[vn] = '\0';
    snprintf(scos, vn + 512, "[{\"type\":\"x-l\",\"id\":\"x-l--1\",\"v\":\"%s\",\"s\":\"%.300s\"}]",
             v, v);
    o = one(scos);
    memcpy(pat, "[x-l:v LIKE '%", 14);
    memset(pat + 14, 'a', pn);
    memcpy(pat + 14 + pn, "b']", 4);
    assert_int_equal(eval_rc(pat, o, KZ_ELIMIT, NULL), -1);
    assert_int_equal(eval("[x-l:v LIKE '%aab']", o), 0);
    assert_int_equal(eval("[x-l:v LIKE '%aaa']", o), 1);
    memcpy(pat, "[x-l:s LIKE '%", 14); /* the same pattern on 300 bytes */
    assert_int_equal(eval(pat, o), 0);
    json_decref(o);
    free(v);
    free(pat);
    free(scos);
}

static void test_eval_like_has_no_escape_character(void **state)
{
    json_t *o = one("[{\"type\":\"x-l\",\"id\":\"x-l--1\",\"pct\":\"50%\",\"bs\":\"a\\\\b\","
                    "\"us\":\"a_b\",\"nl\":\"a\\nb\"}]");

    (void)state;
    /* % and _ are always wildcards; they match themselves too. */
    assert_int_equal(eval("[x-l:pct LIKE '50%']", o), 1);
    assert_int_equal(eval("[x-l:pct LIKE '5_%']", o), 1);
    assert_int_equal(eval("[x-l:us LIKE 'a_b']", o), 1);
    /* A backslash is an ordinary character ('a\\\\%' in the pattern is a, \, %). */
    assert_int_equal(eval("[x-l:bs LIKE 'a\\\\%']", o), 1);
    assert_int_equal(eval("[x-l:pct LIKE '50\\\\%']", o), 0);
    /* % and _ match any character, newline included. */
    assert_int_equal(eval("[x-l:nl LIKE 'a_b']", o), 1);
    assert_int_equal(eval("[x-l:nl LIKE 'a%']", o), 1);
    assert_int_equal(eval("[x-l:nl LIKE '']", o), 0);
    json_decref(o);
}

static void test_eval_cidr_host_bits_and_prefix_edges(void **state)
{
    json_t *o = one("[{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"10.1.2.0/24\"},"
                    "{\"type\":\"ipv6-addr\",\"id\":\"ipv6-addr--1\",\"value\":\"2001:db8::/32\"},"
                    "{\"type\":\"x-host\",\"id\":\"x-host--1\",\"value\":\"10.1.2.3\"}]");

    (void)state;
    /* Host bits set in the constant are ignored: the block is its prefix. */
    assert_int_equal(eval("[x-host:value ISSUBSET '10.1.2.77/24']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUPERSET '10.1.2.77']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUPERSET '10.1.3.0/24']", o), 0);
    /* A block is a subset and a superset of itself; a wider one is not inside it. */
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '10.1.2.0/24']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUPERSET '10.1.2.0/24']", o), 1);
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '10.1.2.0/25']", o), 0);
    assert_int_equal(eval("[ipv4-addr:value ISSUBSET '0.0.0.0/0']", o), 1);
    assert_int_equal(eval("[ipv6-addr:value ISSUPERSET '2001:db8:1::/48']", o), 1);
    assert_int_equal(
        eval("[ipv6-addr:value ISSUPERSET '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff']", o), 1);
    assert_int_equal(eval("[ipv6-addr:value ISSUBSET '2001:db8::/31']", o), 1);
    assert_int_equal(eval("[ipv6-addr:value ISSUBSET '2001:db8::/33']", o), 0);
    assert_int_equal(eval("[ipv6-addr:value ISSUBSET '::/0']", o), 1);
    assert_int_equal(eval("[ipv6-addr:value ISSUPERSET '10.1.2.3']", o), 0);
    assert_int_equal(eval_rc("[ipv6-addr:value ISSUBSET '::/129']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[ipv4-addr:value ISSUBSET '10.0.0.0/-1']", o, KZ_EINVAL, NULL), -1);
    assert_int_equal(eval_rc("[ipv4-addr:value ISSUBSET '10.0.0.0/']", o, KZ_EINVAL, NULL), -1);
    json_decref(o);
}

static void test_eval_not_negates_every_operator(void **state)
{
    json_t *o = file_obs();

    (void)state;
    assert_int_equal(eval("[file:name NOT != 'a.exe']", o), 1);
    assert_int_equal(eval("[file:size NOT <= 99]", o), 1);
    assert_int_equal(eval("[file:size NOT >= 100]", o), 0);
    assert_int_equal(eval("[file:name NOT IN ('a.exe')]", o), 0);
    assert_int_equal(eval("[file:name NOT LIKE 'a%']", o), 0);
    assert_int_equal(eval("[file:x_missing NOT LIKE 'a%']", o), 0);
    assert_int_equal(eval("[file:x_missing NOT IN ('a')]", o), 0);
#ifdef KZ_HAVE_PCRE2
    assert_int_equal(eval("[file:name NOT MATCHES '^a']", o), 0);
#endif
    /* A type error stays an error under NOT. */
    assert_int_equal(eval_rc("[file:size NOT = 'big']", o, KZ_EINVAL, NULL), -1);
    json_decref(o);
}

static void test_eval_quoted_keys_reach_keys_with_dots_and_quotes(void **state)
{
    json_t *o = one("[{\"type\":\"x-q\",\"id\":\"x-q--1\",\"d\":{\"a.b\":1,\"it's\":2,"
                    "\"a\":{\"b\":3}}}]");

    (void)state;
    assert_int_equal(eval("[x-q:d.'a.b' = 1]", o), 1);
    assert_int_equal(eval("[x-q:d.a.b = 3]", o), 1);
    assert_int_equal(eval("[x-q:d.a.b = 1]", o), 0);
    assert_int_equal(eval("[x-q:d.'it\\'s' = 2]", o), 1);
    assert_int_equal(eval("[EXISTS x-q:d.'a.b']", o), 1);
    assert_int_equal(eval("[EXISTS x-q:d.'a.c']", o), 0);
    json_decref(o);
}

static void test_eval_spec_example_within_followedby_and_start_stop(void **state)
{
    const char *within = "([ipv4-addr:value = '198.51.100.1/32' OR "
                         "ipv4-addr:value = '203.0.113.33/32' OR "
                         "ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] "
                         "FOLLOWEDBY [domain-name:value = 'example.com']) WITHIN 600 SECONDS";
    const char *startstop = "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' "
                            "STOP t'2016-07-01T00:00:00Z'";
    json_t *near = json_array(), *far = json_array(), *before = json_array();
    json_t *in = json_loads("[{\"type\":\"observed-data\",\"id\":\"observed-data--1\","
                            "\"first_observed\":\"2016-06-30T23:59:59.999Z\","
                            "\"last_observed\":\"2016-06-30T23:59:59.999Z\","
                            "\"number_observed\":1,\"object_refs\":[\"file--1\"]},"
                            "{\"type\":\"file\",\"id\":\"file--1\",\"name\":\"foo.dll\"}]",
                            0, NULL);
    json_t *out = json_loads("[{\"type\":\"observed-data\",\"id\":\"observed-data--1\","
                             "\"first_observed\":\"2016-06-30T23:59:00Z\","
                             "\"last_observed\":\"2016-07-01T00:00:00Z\","
                             "\"number_observed\":1,\"object_refs\":[\"file--1\"]},"
                             "{\"type\":\"file\",\"id\":\"file--1\",\"name\":\"foo.dll\"}]",
                             0, NULL);

    (void)state;
    add_od(near, 0, 0,
           "[{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"203.0.113.33/32\"}]");
    add_od(near, 600, 600,
           "[{\"type\":\"domain-name\",\"id\":\"domain-name--1\",\"value\":\"example.com\"}]");
    add_od(far, 0, 0,
           "[{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"203.0.113.33/32\"}]");
    add_od(far, 601, 601,
           "[{\"type\":\"domain-name\",\"id\":\"domain-name--1\",\"value\":\"example.com\"}]");
    add_od(before, 0, 0,
           "[{\"type\":\"domain-name\",\"id\":\"domain-name--1\",\"value\":\"example.com\"}]");
    add_od(before, 10, 10,
           "[{\"type\":\"ipv6-addr\",\"id\":\"ipv6-addr--1\","
           "\"value\":\"2001:0db8:dead:beef:dead:beef:dead:0001/128\"}]");
    assert_int_equal(eval(within, near), 1);
    assert_int_equal(eval(within, far), 0);    /* 601 seconds apart */
    assert_int_equal(eval(within, before), 0); /* the domain came first */
    assert_non_null(in);
    assert_non_null(out);
    assert_int_equal(eval(startstop, in), 1);
    assert_int_equal(eval(startstop, out), 0); /* last_observed reaches STOP */
    json_decref(near);
    json_decref(far);
    json_decref(before);
    json_decref(in);
    json_decref(out);
}

static void test_eval_followedby_needs_all_left_to_end_before_right_starts(void **state)
{
    json_t *t = json_array();

    (void)state;
    add_od(t, 0, 50, "[{\"type\":\"x-ev\",\"id\":\"x-ev--a\",\"n\":\"a\"}]");
    add_od(t, 20, 20, "[{\"type\":\"x-ev\",\"id\":\"x-ev--b\",\"n\":\"b\"}]");
    add_od(t, 50, 60, "[{\"type\":\"x-ev\",\"id\":\"x-ev--c\",\"n\":\"c\"}]");
    /* a lasts until 50: b (20) overlaps it, c (from 50) follows it (equal instants allowed). */
    assert_int_equal(eval("[x-ev:n = 'a'] FOLLOWEDBY [x-ev:n = 'b']", t), 0);
    assert_int_equal(eval("[x-ev:n = 'a'] FOLLOWEDBY [x-ev:n = 'c']", t), 1);
    assert_int_equal(eval("([x-ev:n = 'a'] AND [x-ev:n = 'b']) FOLLOWEDBY [x-ev:n = 'c']", t), 1);
    assert_int_equal(eval("[x-ev:n = 'b'] FOLLOWEDBY ([x-ev:n = 'a'] AND [x-ev:n = 'c'])", t), 0);
    json_decref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_equality_and_inequality_both_ways),
        cmocka_unit_test(test_eval_ordering_operators_both_ways),
        cmocka_unit_test(test_eval_in_both_ways),
        cmocka_unit_test(test_eval_not_negates_a_present_value_only),
        cmocka_unit_test(test_eval_like_wildcards_and_literal_characters),
        cmocka_unit_test(test_eval_matches_uses_pcre),
        cmocka_unit_test(test_eval_cidr_subset_and_superset_edges),
        cmocka_unit_test(test_eval_exists_both_ways),
        cmocka_unit_test(test_eval_hex_and_binary_constants),
        cmocka_unit_test(test_eval_type_mismatch_is_an_error_not_false),
        cmocka_unit_test(test_eval_list_indexes_and_any_element),
        cmocka_unit_test(test_eval_references_are_followed_within_the_observation),
        cmocka_unit_test(test_eval_domain_names_and_hashes_ignore_ascii_case),
        cmocka_unit_test(test_eval_comparisons_on_one_type_bind_one_object),
        cmocka_unit_test(test_eval_observation_and_needs_distinct_observations),
        cmocka_unit_test(test_eval_observation_or_both_ways),
        cmocka_unit_test(test_eval_followedby_needs_order_in_time),
        cmocka_unit_test(test_eval_within_bounds_the_span_of_the_binding),
        cmocka_unit_test(test_eval_repeats_counts_distinct_observations),
        cmocka_unit_test(test_eval_start_stop_bounds_each_observation),
        cmocka_unit_test(test_eval_spec_examples),
        cmocka_unit_test(test_eval_stix20_embedded_objects),
        cmocka_unit_test(test_eval_set_orders_by_first_observed_and_rejects_bad_input),
        cmocka_unit_test(test_eval_repeats_and_long_ands_do_not_explode),
        cmocka_unit_test(test_eval_lookup_callback_resolves_object_refs),
        cmocka_unit_test(test_eval_work_budget_stops_hostile_patterns),
        cmocka_unit_test(test_eval_and_search_finds_a_binding_greedy_order_misses),
        cmocka_unit_test(test_eval_number_observed_counts_as_that_many_observations),
        cmocka_unit_test(test_eval_timestamps_compare_by_instant_not_by_fraction_digits),
        cmocka_unit_test(test_eval_strings_compare_bytewise_without_normalisation_or_case_folding),
        cmocka_unit_test(test_eval_like_and_matches_compare_in_unicode_nfc),
        cmocka_unit_test(test_eval_like_on_long_values_is_bounded),
        cmocka_unit_test(test_eval_like_has_no_escape_character),
        cmocka_unit_test(test_eval_cidr_host_bits_and_prefix_edges),
        cmocka_unit_test(test_eval_not_negates_every_operator),
        cmocka_unit_test(test_eval_quoted_keys_reach_keys_with_dots_and_quotes),
        cmocka_unit_test(test_eval_spec_example_within_followedby_and_start_stop),
        cmocka_unit_test(test_eval_followedby_needs_all_left_to_end_before_right_starts),
    };
    return cmocka_run_group_tests_name("pattern_eval", tests, NULL, NULL);
}
