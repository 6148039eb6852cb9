/*
 * test_detect_index.c - the indicator index: which indicators are active, each indexable operator
 * both ways (hits and near misses), case and address normalisation, CIDR edges, LIKE wildcards
 * and escaping, MATCHES, comparisons the evaluator must confirm, full-only patterns, patterns of
 * several observations across records, errors naming the indicator, ten thousand indicators each
 * found by its own value, and two threads sharing one index.
 *
 * Records are built by hand from kz_field arrays. Tests that need a whole-pattern evaluation need
 * kz_log_record_observed; while it is not there they are skipped.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "kizuna/detect.h"

#define NOW_SEC 1700000000
#define MAX_HITS 64

static const kz_time now_t = {NOW_SEC, 0, 0};

/* ---- helpers ---- */

/* The id of test indicator n. */
static void ind_id(int n, char buf[64])
{
    snprintf(buf, 64, "indicator--00000000-0000-4000-8000-%012d", n);
}

/* A timestamp NOW_SEC + off seconds as text. */
static void ts(int off, char buf[KZ_TIME_MAX])
{
    kz_time t = {NOW_SEC + off, 0, 0};
    kz_time_format(&t, 0, buf);
}

/* Adds indicator n with pattern text; extra (may be NULL) is a JSON object merged in. Returns
 * the result code and sets *added. Odd indicators go in as JSON text (kz_index_add_text), even
 * ones as jansson values (kz_index_add), so that every test here runs through both. */
static kz_rc add_ext(kz_index *ix, int n, const char *pattern, const char *extra, bool *added,
                     kz_err *err)
{
    char id[64], from[KZ_TIME_MAX];
    json_t *in;
    kz_rc rc;

    ind_id(n, id);
    ts(-3600, from);
    in = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator", "id", id, "pattern",
                   pattern, "pattern_type", "stix", "valid_from", from, "name", id + 11);
    assert_non_null(in);
    if (extra != NULL) {
        json_error_t jerr;
        json_t *x = json_loads(extra, 0, &jerr);
        if (x == NULL)
            fail_msg("bad test JSON: %s", extra);
        json_object_update(in, x);
        json_decref(x);
    }
    if (n % 2 == 1) {
        char *text = json_dumps(in, JSON_COMPACT);
        kz_index_text_kind kind;
        assert_non_null(text);
        rc = kz_index_add_text(ix, text, strlen(text), &now_t, &kind, added, err);
        assert_int_equal(kind, KZ_IX_INDICATOR);
        free(text);
    } else {
        rc = kz_index_add(ix, in, &now_t, added, err);
    }
    json_decref(in);
    return rc;
}

/* Adds indicator n, which must be accepted. */
static void add(kz_index *ix, int n, const char *pattern)
{
    kz_err err;
    bool added = false;
    kz_rc rc = add_ext(ix, n, pattern, NULL, &added, &err);

    if (rc != KZ_OK)
        fail_msg("indicator %d (%s): %s", n, pattern, err.msg);
    assert_true(added);
}

static kz_index *new_index(void)
{
    kz_index *ix = NULL;
    kz_err err;

    assert_int_equal(kz_index_new(NULL, &ix, &err), KZ_OK);
    return ix;
}

static void build(kz_index *ix)
{
    kz_err err;
    if (kz_index_build(ix, &err) != KZ_OK)
        fail_msg("build: %s", err.msg);
}

typedef struct {
    int n;
    char ids[MAX_HITS][64];
    const kz_field *field[MAX_HITS];
    char value[MAX_HITS][80]; /* a copy: match1's field is gone when it returns */
} hits;

static kz_rc collect(void *ctx, const kz_hit *h)
{
    hits *hs = ctx;

    if (hs->n < MAX_HITS) {
        snprintf(hs->ids[hs->n], 64, "%s", h->indicator_id);
        hs->field[hs->n] = h->field;
        if (h->field != NULL)
            snprintf(hs->value[hs->n], sizeof hs->value[hs->n], "%.*s", (int)h->field->value.n,
                     h->field->value.p);
    }
    hs->n++;
    return KZ_OK;
}

/* A record of n fields observed at NOW_SEC + off. */
static kz_log_record record(const kz_field *f, size_t n, int off)
{
    kz_log_record r;

    memset(&r, 0, sizeof r);
    r.file = "test";
    r.line = 1;
    r.has_time = true;
    r.time = (kz_time){NOW_SEC + off, 0, 0};
    r.log = "test";
    r.fields = f;
    r.nfields = n;
    return r;
}

/* Matches one record with a fresh hits list (the scratch is given). */
static hits match_with(kz_index *ix, kz_index_scratch *s, const kz_field *f, size_t n, int off)
{
    hits h;
    kz_err err;
    kz_log_record r = record(f, n, off);

    memset(&h, 0, sizeof h);
    if (kz_index_match(ix, s, &r, collect, &h, &err) != KZ_OK)
        fail_msg("match: %s", err.msg);
    return h;
}

/* Matches one field with a scratch of its own. */
static hits match1(kz_index *ix, const char *type, const char *path, const char *value)
{
    kz_index_scratch *s = NULL;
    kz_err err;
    kz_field f = {type, path, kz_sv_c(value), 0, false};
    hits h;

    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    h = match_with(ix, s, &f, 1, 0);
    kz_index_scratch_free(s);
    return h;
}

/* Whether hits holds indicator n. */
static bool has(const hits *h, int n)
{
    char id[64];

    ind_id(n, id);
    for (int i = 0; i < h->n && i < MAX_HITS; i++)
        if (strcmp(h->ids[i], id) == 0)
            return true;
    return false;
}

/* Whether whole-pattern evaluation can run (kz_log_record_observed exists); skips otherwise. */
static bool observed_ready(void)
{
    kz_field f = {"ipv4-addr", "value", KZ_SV("192.0.2.1"), 0, false};
    kz_log_record r = record(&f, 1, 0);
    json_t *od = NULL;
    kz_err err;
    kz_rc rc = kz_log_record_observed(&r, &now_t, &od, &err);

    json_decref(od);
    return rc == KZ_OK;
}

#define NEED_OBSERVED()                                                                            \
    do {                                                                                           \
        if (!observed_ready()) {                                                                   \
            print_message("kz_log_record_observed is not there yet: skipped\n");                   \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* ---- active indicators ---- */

static void test_index_skips_inactive_indicators(void **state)
{
    kz_index *ix = new_index();
    kz_index_stats st;
    kz_err err;
    bool added = true;
    char past[KZ_TIME_MAX], future[KZ_TIME_MAX], at_now[KZ_TIME_MAX], x[256];
    const char *p = "[ipv4-addr:value = '192.0.2.1']";

    (void)state;
    ts(-10, past);
    ts(10, future);
    ts(0, at_now);
    assert_int_equal(add_ext(ix, 1, p, "{\"revoked\": true}", &added, &err), KZ_OK);
    assert_false(added);
    snprintf(x, sizeof x, "{\"valid_from\": \"%s\"}", future);
    assert_int_equal(add_ext(ix, 2, p, x, &added, &err), KZ_OK);
    assert_false(added);
    snprintf(x, sizeof x, "{\"valid_until\": \"%s\"}", past);
    assert_int_equal(add_ext(ix, 3, p, x, &added, &err), KZ_OK);
    assert_false(added);
    /* valid_until is exclusive: an indicator valid until now is no longer active. */
    snprintf(x, sizeof x, "{\"valid_until\": \"%s\"}", at_now);
    assert_int_equal(add_ext(ix, 4, p, x, &added, &err), KZ_OK);
    assert_false(added);
    /* valid_from is inclusive. */
    snprintf(x, sizeof x, "{\"valid_from\": \"%s\", \"valid_until\": \"%s\"}", at_now, future);
    assert_int_equal(add_ext(ix, 5, p, x, &added, &err), KZ_OK);
    assert_true(added);
    assert_int_equal(add_ext(ix, 6, p, "{\"pattern_type\": \"sigma\"}", &added, &err), KZ_OK);
    assert_false(added);
    assert_int_equal(add_ext(ix, 7, p, "{\"revoked\": false}", &added, &err), KZ_OK);
    assert_true(added);
    build(ix);
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.indicators, 2);
    {
        hits h = match1(ix, "ipv4-addr", "value", "192.0.2.1");
        assert_int_equal(h.n, 2);
        assert_true(has(&h, 5));
        assert_true(has(&h, 7));
    }
    kz_index_free(ix);
}

static void test_index_rejects_malformed_indicators(void **state)
{
    kz_index *ix = new_index();
    kz_err err;
    bool added = true;
    json_t *notind = json_pack("{s:s, s:s}", "type", "malware", "id", "malware--x");

    (void)state;
    assert_int_equal(kz_index_add(ix, notind, &now_t, &added, &err), KZ_EINVAL);
    assert_false(added);
    assert_int_equal(add_ext(ix, 1, "[ipv4-addr:value = '1.2.3.4'", NULL, &added, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "indicator--00000000-0000-4000-8000-000000000001"));
    assert_int_equal(add_ext(ix, 2, "[x:y = 1]", "{\"valid_from\": \"yesterday\"}", &added, &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "000000000002"));
    assert_non_null(strstr(err.msg, "valid_from"));
    json_decref(notind);
    kz_index_free(ix);
}

/* ---- exact values ---- */

static void test_index_exact_values_hit_and_near_misses_do_not(void **state)
{
    kz_index *ix = new_index();
    hits h;

    (void)state;
    add(ix, 1, "[ipv4-addr:value = '198.51.100.7']");
    add(ix, 2, "[domain-name:value = 'Evil.Example']");
    add(ix, 3,
        "[file:hashes.'SHA-256' = "
        "'AB0000000000000000000000000000000000000000000000000000000000CDEF']");
    add(ix, 4, "[url:value = 'http://evil.example/Path']");
    add(ix, 5, "[ipv6-addr:value = '2001:DB8:0:0::1']");
    add(ix, 6, "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']");
    build(ix);
    h = match1(ix, "ipv4-addr", "value", "198.51.100.7");
    assert_int_equal(h.n, 1);
    assert_true(has(&h, 1));
    assert_string_equal(h.value[0], "198.51.100.7");
    assert_int_equal(match1(ix, "ipv4-addr", "value", "198.51.100.70").n, 0);
    assert_int_equal(match1(ix, "ipv4-addr", "value", "198.51.100.").n, 0);
    /* The same value under another type or path is not the same observable. */
    assert_int_equal(match1(ix, "domain-name", "value", "198.51.100.7").n, 0);
    /* Domain names and hashes are compared without regard to case. */
    assert_true(has((h = match1(ix, "domain-name", "value", "evil.example"), &h), 2));
    assert_true(has((h = match1(ix, "domain-name", "value", "EVIL.EXAMPLE"), &h), 2));
    assert_int_equal(match1(ix, "domain-name", "value", "evil.example.org").n, 0);
    h = match1(ix, "file", "hashes.'SHA-256'",
               "ab0000000000000000000000000000000000000000000000000000000000cdef");
    assert_true(has(&h, 3));
    assert_int_equal(match1(ix, "file", "hashes.'SHA-256'",
                            "ab0000000000000000000000000000000000000000000000000000000000cdee")
                         .n,
                     0);
    assert_int_equal(match1(ix, "file", "hashes.'SHA-1'",
                            "ab0000000000000000000000000000000000000000000000000000000000cdef")
                         .n,
                     0);
    assert_true(
        has((h = match1(ix, "file", "hashes.MD5", "D41D8CD98F00B204E9800998ECF8427E"), &h), 6));
    /* URLs keep their case. */
    assert_true(has((h = match1(ix, "url", "value", "http://evil.example/Path"), &h), 4));
    assert_int_equal(match1(ix, "url", "value", "http://evil.example/path").n, 0);
    /* IPv6 addresses meet in one form however they are written. */
    assert_true(has((h = match1(ix, "ipv6-addr", "value", "2001:db8::1"), &h), 5));
    assert_int_equal(match1(ix, "ipv6-addr", "value", "2001:db8::2").n, 0);
    kz_index_free(ix);
}

static void test_index_in_set_hits_every_member(void **state)
{
    kz_index *ix = new_index();
    kz_index_stats st;
    hits h;

    (void)state;
    add(ix, 1, "[domain-name:value IN ('a.example', 'b.example', 'c.example')]");
    build(ix);
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.exact, 3);
    assert_true(has((h = match1(ix, "domain-name", "value", "a.example"), &h), 1));
    assert_true(has((h = match1(ix, "domain-name", "value", "c.example"), &h), 1));
    assert_int_equal(match1(ix, "domain-name", "value", "d.example").n, 0);
    kz_index_free(ix);
}

/* ---- CIDR ---- */

static void test_index_cidr_subset_edges(void **state)
{
    kz_index *ix = new_index();
    kz_index_stats st;
    hits h;

    (void)state;
    add(ix, 1, "[ipv4-addr:value ISSUBSET '198.51.100.0/24']");
    add(ix, 2, "[ipv4-addr:value ISSUBSET '203.0.113.9/32']");
    add(ix, 3, "[ipv6-addr:value ISSUBSET '2001:db8::/32']");
    add(ix, 4, "[ipv4-addr:value ISSUBSET '0.0.0.0/0']");
    add(ix, 5, "[ipv4-addr:value ISSUBSET '192.0.2.5']");
    build(ix);
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.cidr, 5);
    h = match1(ix, "ipv4-addr", "value", "198.51.100.0");
    assert_true(has(&h, 1) && has(&h, 4) && h.n == 2);
    h = match1(ix, "ipv4-addr", "value", "198.51.100.255");
    assert_true(has(&h, 1) && h.n == 2);
    /* Just outside on either side: only /0 holds it. */
    h = match1(ix, "ipv4-addr", "value", "198.51.101.0");
    assert_true(!has(&h, 1) && has(&h, 4) && h.n == 1);
    h = match1(ix, "ipv4-addr", "value", "198.51.99.255");
    assert_true(!has(&h, 1) && h.n == 1);
    h = match1(ix, "ipv4-addr", "value", "203.0.113.9");
    assert_true(has(&h, 2) && h.n == 2);
    h = match1(ix, "ipv4-addr", "value", "203.0.113.8");
    assert_true(!has(&h, 2) && h.n == 1);
    h = match1(ix, "ipv4-addr", "value", "192.0.2.5");
    assert_true(has(&h, 5));
    h = match1(ix, "ipv6-addr", "value", "2001:db8:ffff:ffff::1");
    assert_true(has(&h, 3) && h.n == 1);
    h = match1(ix, "ipv6-addr", "value", "2001:db9::");
    assert_int_equal(h.n, 0);
    /* /0 of IPv4 holds no IPv6 address, and text that is not an address holds nothing. */
    assert_int_equal(match1(ix, "ipv6-addr", "value", "::ffff:0").n, 0);
    assert_int_equal(match1(ix, "ipv4-addr", "value", "not an address").n, 0);
    kz_index_free(ix);
}

/* ---- LIKE and MATCHES ---- */

static void test_index_like_wildcards_and_escaping(void **state)
{
    kz_index *ix = new_index();
    kz_index_stats st;
    hits h;

    (void)state;
    add(ix, 1, "[domain-name:value LIKE 'a.b%']");
    add(ix, 2, "[url:value LIKE 'http://x_y/(a)+[b]$']");
    add(ix, 3, "[file:name LIKE '%.exe']");
    build(ix);
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.regex, 3);
    assert_int_equal(st.regex_literal, 3); /* "a.b", "y/(a)+[b]$", ".exe" */
    assert_true(has((h = match1(ix, "domain-name", "value", "a.bcd"), &h), 1));
    assert_true(has((h = match1(ix, "domain-name", "value", "a.b"), &h), 1));
    /* The dot is literal: "a.b%" is not the regex "a.b.*". */
    assert_int_equal(match1(ix, "domain-name", "value", "axbcd").n, 0);
    assert_int_equal(match1(ix, "domain-name", "value", "za.bcd").n, 0);
    /* _ is exactly one character (one UTF-8 character, several bytes). */
    assert_true(has((h = match1(ix, "url", "value", "http://x-y/(a)+[b]$"), &h), 2));
    assert_true(has((h = match1(ix, "url", "value", "http://x\xc3\xa9y/(a)+[b]$"), &h), 2));
    assert_int_equal(match1(ix, "url", "value", "http://xy/(a)+[b]$").n, 0);
    assert_int_equal(match1(ix, "url", "value", "http://x--y/(a)+[b]$").n, 0);
    assert_int_equal(match1(ix, "url", "value", "http://x-y/aa[b]$").n, 0);
    /* Anchored at both ends, even before a final newline. */
    assert_true(has((h = match1(ix, "file", "name", "invoice.exe"), &h), 3));
    assert_int_equal(match1(ix, "file", "name", "invoice.exe\n").n, 0);
    assert_int_equal(match1(ix, "file", "name", "invoice.exe.txt").n, 0);
    kz_index_free(ix);
}

static void test_index_matches_is_confirmed_by_the_evaluator(void **state)
{
    kz_index *ix = new_index();
    hits h;

    (void)state;
    NEED_OBSERVED();
    add(ix, 1, "[domain-name:value MATCHES '^evil[0-9]+\\\\.example$']");
    add(ix, 2, "[url:value MATCHES 'x.y']");
    build(ix);
    assert_true(has((h = match1(ix, "domain-name", "value", "evil42.example"), &h), 1));
    assert_int_equal(match1(ix, "domain-name", "value", "evil.example").n, 0);
    assert_int_equal(match1(ix, "domain-name", "value", "evil42xexample").n, 0);
    /* Vectorscan runs with DOTALL, PCRE without it: the evaluator has the last word. */
    assert_int_equal(match1(ix, "url", "value", "x\ny").n, 0);
    assert_true(has((h = match1(ix, "url", "value", "axzyb"), &h), 2));
    kz_index_free(ix);
}

static void test_index_like_and_matches_compare_in_unicode_nfc(void **state)
{
    kz_index *ix = new_index();
    hits h;

    (void)state;
    NEED_OBSERVED();
    /* Constants in either form, values in either form: ga (U+304C) is ka (U+304B) with the
     * combining voiced mark U+3099; e-acute is e with U+0301. */
    add(ix, 1, "[file:name LIKE '\xe3\x81\x8c%.exe']");
    add(ix, 2, "[file:name LIKE 'cafe\xcc\x81_']");
    add(ix, 3, "[url:value MATCHES '^http://x/\xe3\x81\x8b\xe3\x82\x99.$']");
    build(ix);
    assert_true(has((h = match1(ix, "file", "name",
                                "\xe3\x81\x8c"
                                "1.exe"),
                     &h),
                    1));
    assert_true(has((h = match1(ix, "file", "name",
                                "\xe3\x81\x8b\xe3\x82\x99"
                                "1.exe"),
                     &h),
                    1));
    assert_int_equal(match1(ix, "file", "name",
                            "\xe3\x81\x8b"
                            "1.exe")
                         .n,
                     0);
    assert_true(has((h = match1(ix, "file", "name", "caf\xc3\xa9!"), &h), 2));
    assert_true(has((h = match1(ix, "file", "name", "cafe\xcc\x81!"), &h), 2));
    /* After NFC the decomposed e-acute is one character: "_" cannot take its mark. */
    assert_int_equal(match1(ix, "file", "name", "cafe\xcc\x81").n, 0);
    assert_true(has((h = match1(ix, "url", "value",
                                "http://x/\xe3\x81\x8c"
                                "x"),
                     &h),
                    3));
    assert_true(has((h = match1(ix, "url", "value",
                                "http://x/\xe3\x81\x8b\xe3\x82\x99"
                                "x"),
                     &h),
                    3));
    assert_int_equal(match1(ix, "url", "value",
                            "http://x/\xe3\x81\x8b"
                            "x")
                         .n,
                     0);
    kz_index_free(ix);
}

static void test_index_atoms_without_a_literal_use_the_full_databases(void **state)
{
    kz_index *ix = new_index();
    kz_index_stats st;
    hits h;

    (void)state;
    NEED_OBSERVED();
    /* No piece of three bytes, a top-level alternation, an inline option: no required literal,
     * so these go through the full expression databases; the ones beside them through the
     * literal database. Both kinds in one group. */
    add(ix, 1, "[url:value LIKE 'h_%/x']");
    add(ix, 2, "[url:value MATCHES 'evil|bad']");
    add(ix, 3, "[url:value MATCHES '(?i)/GATE\\\\.php']");
    add(ix, 4, "[url:value LIKE '%/gate.php']");
    build(ix);
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.regex, 4);
    assert_int_equal(st.regex_literal, 1);
    assert_true(has((h = match1(ix, "url", "value", "http://a/x"), &h), 1));
    assert_int_equal(match1(ix, "url", "value", "http://a/y").n, 0);
    assert_true(has((h = match1(ix, "url", "value", "http://bad.example/"), &h), 2));
    h = match1(ix, "url", "value", "http://a.example/gate.php");
    assert_true(has(&h, 3) && has(&h, 4));
    assert_true(has((h = match1(ix, "url", "value", "http://a.example/GATE.PHP"), &h), 3));
    assert_int_equal(match1(ix, "url", "value", "http://a.example/gate.ph").n, 0);
    kz_index_free(ix);
}

static void test_index_like_with_a_literal_is_decided_by_its_database(void **state)
{
    /* The literal ("aaa...ab", 2,001 bytes) is in the value, so the LIKE database decides: in
     * time linear in the value (a greedy LIKE would take value x pattern steps here). */
    kz_index *ix = new_index();
    size_t pn = 2000, vn = 200000;
    char *pat = malloc(pn + 64), *v = malloc(vn + 4);
    hits h;

    (void)state;
    assert_non_null(pat);
    assert_non_null(v);
    memcpy(pat, "[file:name LIKE '%", 18);
    memset(pat + 18, 'a', pn);
    memcpy(pat + 18 + pn, "b%c']", 6);
    add(ix, 1, pat);
    build(ix);
    memset(v, 'a', vn);
    memcpy(v + vn, "b", 2);
    assert_int_equal(match1(ix, "file", "name", v).n, 0);
    memcpy(v + vn, "bxc", 4);
    assert_true(has((h = match1(ix, "file", "name", v), &h), 1));
    kz_index_free(ix);
    free(pat);
    free(v);
}

static void test_index_matches_vectorscan_refuses_is_full_only(void **state)
{
    kz_index *ix = new_index();
    kz_index_stats st;
    kz_err err;
    bool added;

    (void)state;
    add(ix, 1, "[url:value MATCHES '(a)\\\\1(?=b)']");
    add(ix, 2, "[url:value MATCHES 'evil']");
    build(ix);
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.indicators, 2);
    assert_int_equal(st.full_only, 1);
    assert_int_equal(st.regex, 1);
    kz_index_free(ix);
    /* A regex neither Vectorscan nor PCRE takes is an error naming the indicator. */
    ix = new_index();
    assert_int_equal(add_ext(ix, 3, "[url:value MATCHES '(unclosed']", NULL, &added, &err), KZ_OK);
    assert_int_equal(kz_index_build(ix, &err), KZ_EINVAL);
    assert_non_null(strstr(err.msg, "000000000003"));
    kz_index_free(ix);
}

/* ---- what needs the evaluator ---- */

static void test_index_and_with_non_indexable_needs_both(void **state)
{
    kz_index *ix = new_index();
    kz_index_scratch *s = NULL;
    kz_index_stats st;
    kz_err err;
    kz_field both[] = {{"file", "name", KZ_SV("a.exe"), 0, false},
                       {"file", "size", KZ_SV("2000"), 0, false}};
    kz_field one[] = {{"file", "name", KZ_SV("a.exe"), 0, false}};
    hits h;

    (void)state;
    add(ix, 1, "[file:name = 'a.exe' AND file:name != 'b.exe']");
    build(ix);
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.full_only, 0);
    assert_int_equal(st.exact, 1);
    NEED_OBSERVED();
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    h = match_with(ix, s, one, 1, 0);
    assert_true(has(&h, 1));
    kz_index_scratch_free(s);
    kz_index_free(ix);

    ix = new_index();
    add(ix, 2, "[file:name = 'a.exe' AND file:name LIKE '%.dll']");
    add(ix, 3, "[file:name = 'a.exe' AND file:name NOT = 'a.exe']");
    build(ix);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    h = match_with(ix, s, both, 2, 0);
    assert_int_equal(h.n, 0);
    kz_index_scratch_free(s);
    kz_index_free(ix);
}

/* A domain name or a hash in another case than the indicator's hits the same whether the
 * indicator is decided by its atom alone or evaluated whole (the evaluator folds case there as
 * the index does); a URL in another case hits neither way. */
static void test_index_case_of_domains_and_hashes_same_both_ways(void **state)
{
    kz_index *ix = new_index();
    hits h;

    (void)state;
    add(ix, 1, "[domain-name:value = 'evil.example']");
    add(ix, 2, "[domain-name:value = 'evil.example' AND domain-name:value != 'x.example']");
    add(ix, 3, "[file:hashes.MD5 = '79054025255FB1A26E4BC422AEF54EB4']");
    add(ix, 4, "[file:hashes.MD5 = '79054025255FB1A26E4BC422AEF54EB4' AND file:hashes.MD5 != 'x']");
    add(ix, 5, "[url:value = 'http://evil.example/A']");
    add(ix, 6, "[url:value = 'http://evil.example/A' AND url:value != 'x']");
    add(ix, 7, "[file:extensions.'windows-pebinary-ext'.optional_header.hashes.'SHA-1' = 'AB']");
    add(ix, 8, "[domain-name:value = 'zaaaaaaz.zaaz.example']");
    build(ix);
    NEED_OBSERVED();
    h = match1(ix, "domain-name", "value", "Evil.EXAMPLE");
    assert_true(h.n == 2 && has(&h, 1) && has(&h, 2));
    /* A capital anywhere (values already in lower case are looked up where they are, the
     * others are lowered first; the test for capitals goes eight bytes at a time). */
    for (size_t i = 0; i < 12; i++) {
        char v[] = "evil.example";
        v[i] = v[i] == '.' ? '.' : (char)(v[i] - 'a' + 'A');
        h = match1(ix, "domain-name", "value", v);
        if (!(h.n == 2 && has(&h, 1) && has(&h, 2)))
            fail_msg("'%s' did not hit", v);
    }
    for (size_t i = 0; i < 21; i++) { /* A and Z, the ends of the range, in and after a word */
        char v[] = "zaaaaaaz.zaaz.example";
        v[i] = v[i] == '.' ? '.' : (char)(v[i] - 'a' + 'A');
        h = match1(ix, "domain-name", "value", v);
        if (!(h.n == 1 && has(&h, 8)))
            fail_msg("'%s' did not hit", v);
    }
    h = match1(ix, "domain-name", "value", "evil.exampl\xc3\x89");
    assert_int_equal(h.n, 0);
    h = match1(ix, "url", "value", "http://evil.example/a");
    assert_int_equal(h.n, 0);
    h = match1(ix, "url", "value", "http://evil.example/A");
    assert_true(h.n == 2 && has(&h, 5) && has(&h, 6));
    {
        kz_index_scratch *s = NULL;
        kz_err err;
        kz_field f[] = {{"file", "hashes.MD5", KZ_SV("79054025255fb1a26e4bc422aef54eb4"), 0, false},
                        {"file", "size", KZ_SV("10"), 0, false}};
        kz_field pe = {"file", "extensions.'windows-pebinary-ext'.optional_header.hashes.'SHA-1'",
                       KZ_SV("ab"), 0, false};
        assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
        h = match_with(ix, s, f, 2, 0);
        assert_true(h.n == 2 && has(&h, 3) && has(&h, 4));
        h = match_with(ix, s, &pe, 1, 0);
        assert_true(h.n == 1 && has(&h, 7));
        kz_index_scratch_free(s);
    }
    kz_index_free(ix);
}

/* A hit names its indicator by the id it had, whether the index keeps it as a UUID's 16 bytes
 * (lower-case hex, every hex digit) or as text (any other form). */
static void test_index_hits_give_the_ids_as_they_were(void **state)
{
    static const char *const ids[] = {
        "indicator--0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff",
        "indicator--0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0FF",
        "indicator--0f1e2d3c4b5a49788695a4b3c2d1e0ff00000",
        "indicator--0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fg",
    };
    kz_index *ix = new_index();
    bool seen[4] = {false, false, false, false};
    char extra[128];
    kz_err err;
    bool added;
    hits h;

    (void)state;
    for (int i = 0; i < 4; i++) {
        snprintf(extra, sizeof extra, "{\"id\": \"%s\"}", ids[i]);
        assert_int_equal(
            add_ext(ix, i + 1, "[ipv4-addr:value = '198.51.100.7']", extra, &added, &err), KZ_OK);
        assert_true(added);
    }
    build(ix);
    h = match1(ix, "ipv4-addr", "value", "198.51.100.7");
    assert_int_equal(h.n, 4);
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 4; i++)
            seen[i] |= strcmp(h.ids[k], ids[i]) == 0;
    for (int i = 0; i < 4; i++)
        if (!seen[i])
            fail_msg("%s: not given back as it was", ids[i]);
    kz_index_free(ix);
}

/* An empty value, even a view with no pointer, is looked up (and found) without touching
 * memory through it: the index hashes and compares it in place. */
static void test_index_empty_values_in_place(void **state)
{
    kz_index *ix = new_index();
    kz_index_scratch *s = NULL;
    kz_err err;
    kz_field f[] = {{"url", "value", {NULL, 0}, 0, false},
                    {"domain-name", "value", {NULL, 0}, 0, false}};
    hits h;

    (void)state;
    add(ix, 1, "[url:value = '']");
    add(ix, 2, "[domain-name:value = '']");
    build(ix);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    h = match_with(ix, s, f, 2, 0);
    assert_true(h.n == 2 && has(&h, 1) && has(&h, 2));
    kz_index_scratch_free(s);
    kz_index_free(ix);
}

static void test_index_or_with_non_indexable_side_is_full_only(void **state)
{
    kz_index *ix = new_index();
    kz_index_stats st;

    (void)state;
    add(ix, 1, "[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value != '192.0.2.2']");
    add(ix, 2, "[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2']");
    add(ix, 3, "[ipv4-addr:value NOT = '192.0.2.1']");
    add(ix, 4, "[network-traffic:dst_port = 443]");
    add(ix, 5, "[email-message:to_refs[*].value = 'a@example.com']");
    build(ix);
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.indicators, 5);
    assert_int_equal(st.full_only, 4);
    assert_int_equal(st.exact, 2);
    kz_index_free(ix);
}

static void test_index_not_evaluated_on_every_record(void **state)
{
    kz_index *ix = new_index();
    kz_field other = {"ipv4-addr", "value", KZ_SV("192.0.2.9"), 0, false};
    kz_field same = {"ipv4-addr", "value", KZ_SV("192.0.2.1"), 0, false};
    kz_index_scratch *s = NULL;
    kz_err err;
    hits h;

    (void)state;
    NEED_OBSERVED();
    add(ix, 1, "[ipv4-addr:value NOT = '192.0.2.1']");
    build(ix);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    h = match_with(ix, s, &other, 1, 0);
    assert_true(has(&h, 1));
    assert_null(h.field[0]);
    h = match_with(ix, s, &same, 1, 0);
    assert_int_equal(h.n, 0);
    kz_index_scratch_free(s);
    kz_index_free(ix);
}

/* The prefilters (a bit per /16 and per /24 that an IPv4 prefix touches, a Bloom filter over
 * the exact table) never turn away an address or value that is in the tables: prefixes of every
 * length from /0 to /32, each hit at its first and last address and missed just outside. */
static void test_index_prefilters_never_miss_a_prefix(void **state)
{
    kz_index *ix = new_index();
    char pat[128], v[32];
    uint32_t base[33];
    hits h;

    (void)state;
    for (int len = 0; len <= 32; len++) {
        /* Spread over the space, aligned to the prefix, away from each other. */
        uint32_t a = (uint32_t)(len * 0x07654321u + 0x0b000000u);
        a &= len ? ~0u << (32 - len) : 0;
        base[len] = a;
        snprintf(pat, sizeof pat, "[ipv4-addr:value ISSUBSET '%u.%u.%u.%u/%d']", a >> 24,
                 (a >> 16) & 255, (a >> 8) & 255, a & 255, len);
        add(ix, 100 + len, pat);
    }
    add(ix, 1, "[ipv4-addr:value = '192.0.2.1']");
    build(ix);
    for (int len = 1; len <= 32; len++) {
        uint32_t first = base[len], last = base[len] | (len == 32 ? 0 : ~0u >> len);
        uint32_t probe[4] = {first, last, first - 1, last + 1};
        for (int k = 0; k < 4; k++) {
            uint32_t a = probe[k];
            bool inside = k < 2;
            snprintf(v, sizeof v, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
            h = match1(ix, "ipv4-addr", "value", v);
            if (has(&h, 100 + len) != inside)
                fail_msg("/%d: %s %s", len, v, inside ? "missed" : "hit from outside");
            assert_true(has(&h, 100)); /* /0 holds everything */
        }
    }
    h = match1(ix, "ipv4-addr", "value", "192.0.2.1");
    assert_true(has(&h, 1));
    kz_index_free(ix);
}

/* Field values are read as IPv4 addresses only in inet_pton's strict form: no leading zeros, four
 * octets of 0-255, nothing around them; anything else is compared as text. */
static void test_index_ipv4_exact_filter_hides_nothing(void **state)
{
    kz_index *ix = new_index();
    hits h;

    (void)state;
    /* Exact values in a few /16s, a prefix in a /16 without exact values, and an address written
     * so that it is not normalised to binary (kept as text, so looked up as text). */
    add(ix, 1, "[ipv4-addr:value = '198.51.100.7']");
    add(ix, 2, "[ipv4-addr:value IN ('203.0.113.9', '192.0.2.250')]");
    add(ix, 3, "[ipv4-addr:value ISSUBSET '100.64.0.0/10']");
    add(ix, 4, "[ipv4-addr:value = '010.1.2.3']");
    build(ix);
    assert_true(has((h = match1(ix, "ipv4-addr", "value", "198.51.100.7"), &h), 1));
    assert_true(has((h = match1(ix, "ipv4-addr", "value", "203.0.113.9"), &h), 2));
    assert_true(has((h = match1(ix, "ipv4-addr", "value", "192.0.2.250"), &h), 2));
    assert_true(has((h = match1(ix, "ipv4-addr", "value", "100.100.1.1"), &h), 3));
    assert_true(has((h = match1(ix, "ipv4-addr", "value", "010.1.2.3"), &h), 4));
    /* Same /16, other address; other /16s. */
    assert_int_equal(match1(ix, "ipv4-addr", "value", "198.51.100.8").n, 0);
    assert_int_equal(match1(ix, "ipv4-addr", "value", "10.1.2.3").n, 0);
    assert_int_equal(match1(ix, "ipv4-addr", "value", "198.52.100.7").n, 0);
    kz_index_free(ix);
}

/* A record's candidates are each reported once however many fields hit them, also when there are
 * more than the candidate set first holds (it grows), and the next record starts empty. */
static void test_index_many_candidates_once_each(void **state)
{
    kz_index *ix = new_index();
    kz_index_scratch *s = NULL;
    kz_err err;
    const kz_field f[] = {
        {"domain-name", "value", kz_sv_c("many.example"), 0, false},
        {"ipv4-addr", "value", kz_sv_c("192.0.2.9"), 0, false},
        {"domain-name", "value", kz_sv_c("many.example"), 0, false},
    };

    (void)state;
    for (int i = 1; i <= 1000; i++)
        add(ix, i, "[domain-name:value = 'many.example']");
    for (int i = 1001; i <= 1100; i++)
        add(ix, i, "[ipv4-addr:value = '192.0.2.9' OR domain-name:value = 'many.example']");
    build(ix);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(match_with(ix, s, f, 3, round).n, 1100);
        assert_int_equal(match_with(ix, s, f + 1, 1, round).n, 100);
    }
    kz_index_scratch_free(s);
    kz_index_free(ix);
}

/* A prefix of length 0 (every address of its family) is the trie's root: with no other prefix
 * the trie has no node but its roots, and it must still be asked (found by fuzz_index). */
static void test_index_zero_length_prefixes(void **state)
{
    kz_index *ix = new_index();
    hits h;

    (void)state;
    add(ix, 1, "[ipv4-addr:value ISSUBSET '0.0.0.0/0']");
    add(ix, 2, "[ipv6-addr:value ISSUBSET '::/0']");
    build(ix);
    h = match1(ix, "ipv4-addr", "value", "198.51.100.7");
    assert_true(h.n == 1 && has(&h, 1));
    h = match1(ix, "ipv6-addr", "value", "2001:db8::1");
    assert_true(h.n == 1 && has(&h, 2));
    kz_index_free(ix);
}

static void test_index_ipv4_values_are_strict(void **state)
{
    static const char *const not_addresses[] = {
        "01.2.3.4", "1.2.3.04",   "256.1.1.1", "1.2.3",     "1.2.3.4.",   ".1.2.3.4", "1..2.3.4",
        "1.2.3.4 ", "1.2.3.4/32", "1.2.3.4a",  "0x1.2.3.4", "1.2.3.1000", "",
    };
    kz_index *ix = new_index();
    hits h;

    (void)state;
    add(ix, 1, "[ipv4-addr:value = '1.2.3.4']");
    add(ix, 2, "[ipv4-addr:value ISSUBSET '1.2.3.0/24']");
    add(ix, 3, "[ipv4-addr:value = '0.0.0.0']");
    add(ix, 4, "[ipv4-addr:value ISSUBSET '1.0.0.0/8']");
    build(ix);
    h = match1(ix, "ipv4-addr", "value", "1.2.3.4");
    assert_true(has(&h, 1) && has(&h, 2) && has(&h, 4));
    h = match1(ix, "ipv4-addr", "value", "0.0.0.0");
    assert_true(has(&h, 3));
    h = match1(ix, "ipv4-addr", "value", "1.255.255.255");
    assert_true(has(&h, 4) && !has(&h, 2));
    for (size_t i = 0; i < sizeof not_addresses / sizeof not_addresses[0]; i++) {
        h = match1(ix, "ipv4-addr", "value", not_addresses[i]);
        if (h.n != 0)
            fail_msg("'%s' was taken for an address", not_addresses[i]);
    }
    kz_index_free(ix);
}

/* ---- several observations ---- */

static void test_index_and_across_two_records(void **state)
{
    kz_index *ix = new_index();
    kz_index_scratch *s = NULL;
    kz_err err;
    kz_field a = {"domain-name", "value", KZ_SV("a.example"), 0, false};
    kz_field b = {"ipv4-addr", "value", KZ_SV("192.0.2.7"), 0, false};
    kz_field c = {"ipv4-addr", "value", KZ_SV("192.0.2.8"), 0, false};
    hits h;

    (void)state;
    NEED_OBSERVED();
    add(ix, 1, "[domain-name:value = 'a.example'] AND [ipv4-addr:value = '192.0.2.7']");
    build(ix);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    assert_int_equal(match_with(ix, s, &a, 1, 0).n, 0);
    assert_int_equal(match_with(ix, s, &c, 1, 5).n, 0);
    h = match_with(ix, s, &b, 1, 10);
    assert_true(has(&h, 1));
    assert_ptr_equal(h.field[0], &b);
    kz_index_scratch_free(s);
    kz_index_free(ix);
}

static void test_index_followedby_keeps_order(void **state)
{
    kz_index *ix = new_index();
    kz_index_scratch *s = NULL;
    kz_err err;
    kz_field a = {"domain-name", "value", KZ_SV("a.example"), 0, false};
    kz_field b = {"domain-name", "value", KZ_SV("b.example"), 0, false};

    (void)state;
    NEED_OBSERVED();
    add(ix, 1, "[domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'b.example']");
    build(ix);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    assert_int_equal(match_with(ix, s, &b, 1, 0).n, 0);
    assert_int_equal(match_with(ix, s, &a, 1, 10).n, 0); /* b came first: no match yet */
    assert_true(has((hits[]){match_with(ix, s, &b, 1, 20)}, 1));
    kz_index_scratch_free(s);
    kz_index_free(ix);
}

static void test_index_within_bounds_the_window(void **state)
{
    kz_index *ix = new_index();
    kz_index_scratch *s = NULL;
    kz_err err;
    kz_field a = {"domain-name", "value", KZ_SV("a.example"), 0, false};
    kz_field b = {"domain-name", "value", KZ_SV("b.example"), 0, false};
    const char *p = "([domain-name:value = 'a.example'] AND [domain-name:value = 'b.example']) "
                    "WITHIN 60 SECONDS";

    (void)state;
    NEED_OBSERVED();
    add(ix, 1, p);
    build(ix);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    assert_int_equal(match_with(ix, s, &a, 1, 0).n, 0);
    assert_true(has((hits[]){match_with(ix, s, &b, 1, 30)}, 1));
    kz_index_scratch_free(s);
    s = NULL;
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    assert_int_equal(match_with(ix, s, &a, 1, 0).n, 0);
    assert_int_equal(match_with(ix, s, &b, 1, 90).n, 0);
    kz_index_scratch_free(s);
    kz_index_free(ix);
}

/* ---- scale and threads ---- */

#define MANY 10000

/* The value of indicator i in the many-indicators test: addresses, domains and hashes. */
static void many_value(int i, const char **type, const char **path, char buf[80])
{
    switch (i % 3) {
        case 0:
            *type = "ipv4-addr";
            *path = "value";
            snprintf(buf, 80, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
            break;
        case 1:
            *type = "domain-name";
            *path = "value";
            snprintf(buf, 80, "host%d.example", i);
            break;
        default:
            *type = "file";
            *path = "hashes.MD5";
            snprintf(buf, 80, "%032x", (unsigned)i * 2654435761u);
            break;
    }
}

static kz_index *many_index(void)
{
    kz_index *ix = new_index();
    char pat[200], v[80];
    const char *type, *path;

    for (int i = 0; i < MANY; i++) {
        many_value(i, &type, &path, v);
        snprintf(pat, sizeof pat, "[%s:%s = '%s']", type,
                 strcmp(path, "hashes.MD5") == 0 ? "hashes.'MD5'" : path, v);
        add(ix, i, pat);
    }
    build(ix);
    return ix;
}

static void test_index_every_one_of_many_found_by_its_own_value(void **state)
{
    kz_index *ix = many_index();
    kz_index_scratch *s = NULL;
    kz_index_stats st;
    kz_err err;
    char v[80];

    (void)state;
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.indicators, MANY);
    assert_int_equal(st.exact, MANY);
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_OK);
    for (int i = 0; i < MANY; i++) {
        kz_field f = {0};
        hits h;
        many_value(i, &f.type, &f.path, v);
        f.value = kz_sv_c(v);
        h = match_with(ix, s, &f, 1, 0);
        if (h.n != 1 || !has(&h, i))
            fail_msg("indicator %d: %d hits", i, h.n);
        /* A neighbouring value finds nothing. */
        v[strlen(v) - 1] = v[strlen(v) - 1] == 'z' ? 'y' : 'z';
        assert_int_equal(match_with(ix, s, &f, 1, 0).n, 0);
    }
    kz_index_scratch_free(s);
    kz_index_free(ix);
}

typedef struct {
    kz_index *ix;
    int found;
    bool ok;
} thread_arg;

static void *thread_main(void *p)
{
    thread_arg *a = p;
    kz_index_scratch *s = NULL;
    kz_err err;
    char v[80];

    a->ok = kz_index_scratch_new(a->ix, &s, &err) == KZ_OK;
    for (int i = 0; a->ok && i < MANY; i++) {
        kz_field f = {0};
        kz_log_record r;
        hits h;
        many_value(i, &f.type, &f.path, v);
        f.value = kz_sv_c(v);
        r = record(&f, 1, 0);
        memset(&h, 0, sizeof h);
        if (kz_index_match(a->ix, s, &r, collect, &h, &err) != KZ_OK)
            a->ok = false;
        if (h.n == 1 && has(&h, i))
            a->found++;
    }
    kz_index_scratch_free(s);
    return NULL;
}

static void test_index_two_threads_share_the_index(void **state)
{
    kz_index *ix = many_index();
    thread_arg a = {ix, 0, false}, b = {ix, 0, false};
    pthread_t ta, tb;

    (void)state;
    assert_int_equal(pthread_create(&ta, NULL, thread_main, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, thread_main, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_true(a.ok && b.ok);
    assert_int_equal(a.found, MANY);
    assert_int_equal(b.found, MANY);
    kz_index_free(ix);
}

static void test_index_usage_errors(void **state)
{
    kz_index *ix = new_index();
    kz_index_scratch *s = NULL;
    kz_err err;
    bool added;

    (void)state;
    assert_int_equal(kz_index_scratch_new(ix, &s, &err), KZ_EUSAGE);
    build(ix);
    assert_int_equal(add_ext(ix, 1, "[a:b = 'c']", NULL, &added, &err), KZ_EUSAGE);
    assert_int_equal(kz_index_build(ix, &err), KZ_EUSAGE);
    kz_index_free(ix);
    kz_index_free(NULL);
    kz_index_scratch_free(NULL);
}

/* kz_index_add_text: what the text was, the same messages as kz_index_add, and the index freed
 * with its tape whether or not it was built. */
static void test_index_add_text_kinds_and_messages(void **state)
{
    static const struct {
        const char *text;
        kz_index_text_kind kind;
        kz_rc rc;
        const char *msg; /* a part of err's message */
    } cases[] = {
        {"{\"type\":\"indicator\",\"id\":\"indicator--1\",\"pattern\":\"[ipv4-addr:value = "
         "'192.0.2.1']\",\"valid_from\":\"2020-01-01T00:00:00Z\",\"revoked\":false}",
         KZ_IX_INDICATOR, KZ_OK, NULL},
        {"{\"type\":\"malware\",\"id\":\"malware--1\"}", KZ_IX_NOT_INDICATOR, KZ_OK, NULL},
        {"[{\"type\":\"indicator\"}]", KZ_IX_NOT_INDICATOR, KZ_OK, NULL},
        {"{\"type\":\"indicator\",\"type\":\"indicator\"}", KZ_IX_NOT_JSON, KZ_EINVAL,
         "column 1: an object with the member name \"type\" twice"},
        {"{\"type\":\"indicator\",", KZ_IX_NOT_JSON, KZ_EINVAL,
         "column 21: expected a member name (a string), found the end of the document"},
        {"{\"type\":\"indicator\",\"id\":\"x\"}", KZ_IX_INDICATOR, KZ_EINVAL,
         "indicator: id: expected \"indicator--<uuid>\""},
        {"{\"type\":\"indicator\",\"id\":\"indicator--2\",\"pattern\":[]}", KZ_IX_INDICATOR,
         KZ_EINVAL, "indicator--2: pattern: expected a string"},
        {"{\"type\":\"indicator\",\"id\":\"indicator--3\",\"pattern\":\"[a:b = 1]\","
         "\"revoked\":\"no\"}",
         KZ_IX_INDICATOR, KZ_EINVAL, "indicator--3: revoked: expected true or false"},
        {"{\"type\":\"indicator\",\"id\":\"indicator--4\",\"pattern\":\"[a:b = 1]\","
         "\"pattern_type\":1}",
         KZ_IX_INDICATOR, KZ_EINVAL, "indicator--4: pattern_type: expected a string"},
        {"{\"type\":\"indicator\",\"id\":\"indicator--5\",\"pattern\":\"[a:b = 1]\","
         "\"valid_from\":7}",
         KZ_IX_INDICATOR, KZ_EINVAL, "indicator--5: valid_from: expected a timestamp string"},
        {"{\"type\":\"indicator\",\"id\":\"indicator--6\",\"pattern\":\"[a:b = 1]\","
         "\"valid_until\":\"2020-01-01\"}",
         KZ_IX_INDICATOR, KZ_EINVAL, "indicator--6: valid_until: "},
        {"{\"type\":\"indicator\",\"id\":\"indicator--7\",\"pattern\":\"[a:b = 1\"}",
         KZ_IX_INDICATOR, KZ_EINVAL, "indicator--7: pattern: position"},
        /* Not active: a YARA pattern, revoked, expired; no error, nothing added. */
        {"{\"type\":\"indicator\",\"id\":\"indicator--8\",\"pattern\":\"rule x {}\","
         "\"pattern_type\":\"yara\"}",
         KZ_IX_INDICATOR, KZ_OK, NULL},
        {"{\"type\":\"indicator\",\"id\":\"indicator--9\",\"pattern\":\"[a:b = 1]\","
         "\"revoked\":true}",
         KZ_IX_INDICATOR, KZ_OK, NULL},
        {"{\"type\":\"indicator\",\"id\":\"indicator--10\",\"pattern\":\"[a:b = 1]\","
         "\"valid_until\":\"2000-01-01T00:00:00Z\"}",
         KZ_IX_INDICATOR, KZ_OK, NULL},
    };
    kz_index *ix = new_index();
    kz_index_stats st;
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kz_index_text_kind kind;
        bool added = true;
        kz_err err;
        kz_rc rc = kz_index_add_text(ix, cases[i].text, strlen(cases[i].text), &now_t, &kind,
                                     &added, &err);
        if (kind != cases[i].kind || rc != cases[i].rc)
            fail_msg("%s: kind %d rc %d (%s)", cases[i].text, kind, rc,
                     rc != KZ_OK ? err.msg : "");
        if (cases[i].msg != NULL && strstr(err.msg, cases[i].msg) == NULL)
            fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].text, err.msg, cases[i].msg);
        assert_int_equal(added, i == 0);
        /* The same message through jansson for the indicators kz_index_add is given. */
        if (kind == KZ_IX_INDICATOR && rc != KZ_OK) {
            json_t *in = json_loads(cases[i].text, 0, NULL);
            kz_err jerr;
            assert_non_null(in);
            assert_int_equal(kz_index_add(ix, in, &now_t, &added, &jerr), rc);
            assert_string_equal(jerr.msg, err.msg);
            json_decref(in);
        }
    }
    kz_index_get_stats(ix, &st);
    assert_int_equal(st.indicators, 1);
    kz_index_free(ix); /* not built: its tape is freed here (the leak check sees it) */
}

/* What kz_index_load told, one line per object, to compare between thread counts. */
typedef struct {
    kz_buf log;
    const kz_reader *r;
} load_log;

static void on_load(void *ctx, const kz_index_loaded *l)
{
    load_log *ll = ctx;
    char label[64];

    kz_reader_label(ll->r, l->where, label, sizeof label);
    assert_int_equal(kz_buf_printf(&ll->log, "%s kind=%d rc=%d added=%d %s\n", label, l->kind,
                                   l->rc, l->added, l->err ? l->err->msg : "-"),
                     KZ_OK);
}

/* A bundle of n objects: mostly indicators (every tenth a CIDR, every seventh a domain), with
 * an object of another type, an invalid pattern, a bad valid_from, an expired indicator, a
 * string element (which the reader refuses) and an object with a member name twice. */
static char *load_bundle(int n, size_t *len)
{
    kz_buf b;

    kz_buf_init(&b, 0);
    assert_int_equal(kz_buf_puts(&b, "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["), KZ_OK);
    for (int i = 0; i < n; i++) {
        char id[64];
        ind_id(i, id);
        if (i > 0)
            assert_int_equal(kz_buf_puts(&b, ",\n"), KZ_OK);
        if (i % 97 == 5) {
            assert_int_equal(kz_buf_puts(&b, "{\"type\":\"malware\",\"id\":\"malware--1\"}"), KZ_OK);
        } else if (i % 101 == 7) {
            assert_int_equal(kz_buf_printf(&b, "{\"type\":\"indicator\",\"id\":\"%s\",\"pattern\":"
                                               "\"[ipv4-addr:value = \"}", id), KZ_OK);
        } else if (i % 103 == 9) {
            assert_int_equal(kz_buf_printf(&b, "{\"type\":\"indicator\",\"id\":\"%s\",\"pattern\":"
                                               "\"[a:b = 1]\",\"valid_from\":\"soon\"}", id),
                             KZ_OK);
        } else if (i % 107 == 11) {
            assert_int_equal(kz_buf_printf(&b, "{\"type\":\"indicator\",\"id\":\"%s\",\"pattern\":"
                                               "\"[a:b = 1]\",\"valid_until\":"
                                               "\"2001-01-01T00:00:00Z\"}", id), KZ_OK);
        } else if (i % 109 == 13) {
            assert_int_equal(kz_buf_puts(&b, "\"not an object\""), KZ_OK);
        } else if (i % 113 == 15) {
            assert_int_equal(kz_buf_puts(&b, "{\"type\":\"indicator\",\"type\":\"indicator\"}"),
                             KZ_OK);
        } else if (i % 10 == 0) {
            assert_int_equal(kz_buf_printf(&b, "{\"type\":\"indicator\",\"id\":\"%s\",\"pattern\":"
                                               "\"[ipv4-addr:value ISSUBSET '10.%d.%d.0/24']\"}",
                                           id, i / 256 % 256, i % 256), KZ_OK);
        } else if (i % 7 == 0) {
            assert_int_equal(kz_buf_printf(&b, "{\"type\":\"indicator\",\"id\":\"%s\",\"name\":"
                                               "\"d\\u00e9 %d\",\"pattern\":\"[domain-name:value "
                                               "= 'd%d.example'] AND [x:y = 1]\"}", id, i, i),
                             KZ_OK);
        } else {
            assert_int_equal(kz_buf_printf(&b, "{\"type\":\"indicator\",\"id\":\"%s\",\"pattern\":"
                                               "\"[ipv4-addr:value = '192.0.%d.%d']\"}",
                                           id, i / 256 % 256, i % 256), KZ_OK);
        }
    }
    assert_int_equal(kz_buf_puts(&b, "]}"), KZ_OK);
    *len = b.n;
    return b.p;
}

/* kz_index_load on 1, 2 and 5 threads tells the same of every object, in input order, as adding
 * them one by one does, and builds the same index. */
static void test_index_load_is_the_same_on_any_number_of_threads(void **state)
{
    const int n = 5000; /* several batches */
    size_t len;
    char *doc = load_bundle(n, &len);
    kz_buf first;
    kz_index_stats st0;
    (void)state;

    kz_buf_init(&first, 0);
    memset(&st0, 0, sizeof st0);
    for (int round = 0; round < 4; round++) {
        static const int threads[] = {0, 1, 2, 5}; /* 0: kz_index_add_text one by one */
        kz_limits lim = kz_limits_default();
        FILE *f = fmemopen(doc, len, "rb");
        kz_reader *r = NULL;
        kz_index *ix = new_index();
        kz_index_stats st;
        load_log ll;
        kz_err err;

        assert_non_null(f);
        assert_int_equal(kz_reader_new(f, "bundle.json", &lim, &r, &err), KZ_OK);
        kz_buf_init(&ll.log, 0);
        ll.r = r;
        if (threads[round] == 0) {
            const char *text;
            size_t tn;
            kz_where w;
            kz_rc rc;
            while ((rc = kz_reader_next_raw(r, &text, &tn, &w, &err)) != KZ_ENOTFOUND) {
                kz_index_loaded l = {text, tn, &w, KZ_IX_NOT_JSON, rc, &err, false};
                if (rc == KZ_OK)
                    l.rc = kz_index_add_text(ix, text, tn, &now_t, &l.kind, &l.added, &err);
                if (l.rc == KZ_OK)
                    l.err = NULL;
                on_load(&ll, &l);
            }
        } else {
            assert_int_equal(kz_index_load(ix, r, threads[round], &now_t, on_load, &ll, &err),
                             KZ_OK);
        }
        build(ix);
        kz_index_get_stats(ix, &st);
        if (!(st.indicators > 4600 && st.cidr > 400 && st.exact > 3000))
            fail_msg("%zu indicators, %zu cidr, %zu exact", st.indicators, st.cidr, st.exact);
        if (round == 0) {
            st0 = st;
            assert_int_equal(kz_buf_append(&first, ll.log.p, ll.log.n), KZ_OK);
            assert_non_null(strstr(first.p, "objects[5] kind=1 rc=0 added=0 -"));
            assert_non_null(strstr(first.p, "expected a STIX object"));
            assert_non_null(strstr(first.p, "an object with the member name \"type\" twice"));
            assert_non_null(strstr(first.p, "valid_from"));
        } else if (ll.log.n != first.n || memcmp(ll.log.p, first.p, first.n) != 0) {
            fail_msg("%d threads told otherwise than one by one", threads[round]);
        } else {
            assert_memory_equal(&st, &st0, sizeof st);
        }
        /* The same index: a value of each kind hits the same indicators. */
        {
            hits h = match1(ix, "ipv4-addr", "value", "192.0.0.1");
            assert_int_equal(h.n, 1);
            assert_true(has(&h, 1));
            h = match1(ix, "ipv4-addr", "value", "10.0.20.9");
            assert_int_equal(h.n, 1);
            assert_true(has(&h, 20));
        }
        kz_buf_free(&ll.log);
        kz_reader_free(r);
        fclose(f);
        kz_index_free(ix);
    }
    kz_buf_free(&first);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_skips_inactive_indicators),
        cmocka_unit_test(test_index_rejects_malformed_indicators),
        cmocka_unit_test(test_index_add_text_kinds_and_messages),
        cmocka_unit_test(test_index_load_is_the_same_on_any_number_of_threads),
        cmocka_unit_test(test_index_exact_values_hit_and_near_misses_do_not),
        cmocka_unit_test(test_index_in_set_hits_every_member),
        cmocka_unit_test(test_index_cidr_subset_edges),
        cmocka_unit_test(test_index_prefilters_never_miss_a_prefix),
        cmocka_unit_test(test_index_ipv4_values_are_strict),
        cmocka_unit_test(test_index_many_candidates_once_each),
        cmocka_unit_test(test_index_zero_length_prefixes),
        cmocka_unit_test(test_index_ipv4_exact_filter_hides_nothing),
        cmocka_unit_test(test_index_like_wildcards_and_escaping),
        cmocka_unit_test(test_index_matches_is_confirmed_by_the_evaluator),
        cmocka_unit_test(test_index_like_and_matches_compare_in_unicode_nfc),
        cmocka_unit_test(test_index_atoms_without_a_literal_use_the_full_databases),
        cmocka_unit_test(test_index_like_with_a_literal_is_decided_by_its_database),
        cmocka_unit_test(test_index_matches_vectorscan_refuses_is_full_only),
        cmocka_unit_test(test_index_and_with_non_indexable_needs_both),
        cmocka_unit_test(test_index_case_of_domains_and_hashes_same_both_ways),
        cmocka_unit_test(test_index_hits_give_the_ids_as_they_were),
        cmocka_unit_test(test_index_empty_values_in_place),
        cmocka_unit_test(test_index_or_with_non_indexable_side_is_full_only),
        cmocka_unit_test(test_index_not_evaluated_on_every_record),
        cmocka_unit_test(test_index_and_across_two_records),
        cmocka_unit_test(test_index_followedby_keeps_order),
        cmocka_unit_test(test_index_within_bounds_the_window),
        cmocka_unit_test(test_index_every_one_of_many_found_by_its_own_value),
        cmocka_unit_test(test_index_two_threads_share_the_index),
        cmocka_unit_test(test_index_usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
