/*
 * test_taxii_request.c - the TAXII request parsers, each rule pinned both ways: query strings and
 * filters (percent-decoding, lists, repeats, parameters an endpoint does not take), paging
 * cursors, Accept and Content-Type negotiation, Authorization headers, POSTed envelopes and the
 * version text clients see.
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

#include "kizuna/taxii.h"

#define ALL                                                                                    \
    (KZ_TQ_ADDED_AFTER | KZ_TQ_LIMIT | KZ_TQ_NEXT | KZ_TQ_MATCH_ID | KZ_TQ_MATCH_TYPE |        \
     KZ_TQ_MATCH_VERSION | KZ_TQ_MATCH_SPEC_VERSION)

#define ID1 "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
#define ID2 "attack-pattern--7e33a43e-e34b-40ec-89da-36c9bb2cacd5"

static kz_taxii_filter f; /* large: kept off the stack */

static void parse_ok(const char *q, unsigned allowed)
{
    kz_err err = {{0}};
    kz_rc rc = kz_taxii_filter_parse(kz_sv_c(q), allowed, &f, &err);
    if (rc != KZ_OK)
        fail_msg("\"%s\" did not parse: %s", q, err.msg);
}

/* The query fails with KZ_EINVAL and a message holding each of the NULL-ended strings. */
static void parse_err_sv(kz_sv q, unsigned allowed, ...)
{
    kz_err err = {{0}};
    kz_rc rc = kz_taxii_filter_parse(q, allowed, &f, &err);
    va_list ap;
    const char *want;

    if (rc != KZ_EINVAL)
        fail_msg("\"%.*s\" gave %s, expected invalid input", (int)q.n, q.p, kz_rc_str(rc));
    assert_null(f.store_);
    assert_int_equal(f.given, 0);
    va_start(ap, allowed);
    while ((want = va_arg(ap, const char *)) != NULL) {
        if (strstr(err.msg, want) == NULL)
            fail_msg("\"%.*s\": message \"%s\" lacks \"%s\"", (int)q.n, q.p, err.msg, want);
    }
    va_end(ap);
}

#define parse_err(q, allowed, ...) parse_err_sv(kz_sv_c(q), allowed, __VA_ARGS__, (char *)NULL)

/* ---- filters -------------------------------------------------------------------------- */

static void test_filter_empty_query_gives_nothing(void **state)
{
    (void)state;
    parse_ok("", ALL);
    assert_int_equal(f.given, 0);
    assert_int_equal(f.n_ids + f.n_types + f.n_versions + f.n_spec_versions, 0);
    assert_null(f.store_);
    kz_taxii_filter_free(&f);
}

static void test_filter_added_after_is_normalised_to_ms(void **state)
{
    (void)state;
    parse_ok("added_after=2024-01-02T03:04:05Z", ALL);
    assert_true(f.given & KZ_TQ_ADDED_AFTER);
    assert_string_equal(f.added_after, "2024-01-02T03:04:05.000Z");
    kz_taxii_filter_free(&f);
    parse_ok("added_after=2024-01-02T03:04:05.123456789Z", ALL);
    assert_string_equal(f.added_after, "2024-01-02T03:04:05.123Z");
    kz_taxii_filter_free(&f);
    parse_ok("added_after=2024-01-02T03%3A04%3A05.5Z", ALL);
    assert_string_equal(f.added_after, "2024-01-02T03:04:05.500Z");
    kz_taxii_filter_free(&f);
}

static void test_filter_added_after_not_rfc3339_is_refused(void **state)
{
    (void)state;
    parse_err("added_after=yesterday", ALL, "added_after", "RFC 3339");
    parse_err("added_after=2024-01-02T03:04:05+01:00", ALL, "added_after");
    parse_err("added_after=2024-02-30T00:00:00Z", ALL, "added_after");
    parse_err("added_after=", ALL, "added_after");
}

static void test_filter_limit_takes_positive_integers(void **state)
{
    (void)state;
    parse_ok("limit=1", ALL);
    assert_int_equal(f.limit, 1);
    kz_taxii_filter_free(&f);
    parse_ok("limit=2147483648", ALL);
    assert_int_equal(f.limit, 2147483648LL);
    kz_taxii_filter_free(&f);
}

static void test_filter_limit_out_of_range_is_refused(void **state)
{
    (void)state;
    parse_err("limit=0", ALL, "limit", "1 to 2147483648");
    parse_err("limit=-5", ALL, "limit");
    parse_err("limit=%2B5", ALL, "limit");
    parse_err("limit=2147483649", ALL, "limit");
    parse_err("limit=99999999999999999999999", ALL, "limit");
    parse_err("limit=10x", ALL, "limit");
    parse_err("limit=", ALL, "limit");
    parse_err("limit", ALL, "limit");
}

static void test_filter_match_lists_are_split_on_commas(void **state)
{
    (void)state;
    parse_ok("match[type]=indicator,malware&match[id]=" ID1 "%2C" ID2, ALL);
    assert_int_equal(f.n_types, 2);
    assert_string_equal(f.types[0], "indicator");
    assert_string_equal(f.types[1], "malware");
    assert_int_equal(f.n_ids, 2);
    assert_string_equal(f.ids[0], ID1);
    assert_string_equal(f.ids[1], ID2);
    assert_int_equal(f.given, KZ_TQ_MATCH_TYPE | KZ_TQ_MATCH_ID);
    kz_taxii_filter_free(&f);
}

static void test_filter_percent_encoded_brackets_in_names_are_decoded(void **state)
{
    (void)state;
    parse_ok("match%5Btype%5D=indicator&match%5bspec_version%5d=2.1", ALL);
    assert_int_equal(f.n_types, 1);
    assert_string_equal(f.types[0], "indicator");
    assert_int_equal(f.n_spec_versions, 1);
    assert_string_equal(f.spec_versions[0], "2.1");
    kz_taxii_filter_free(&f);
}

static void test_filter_plus_is_a_space(void **state)
{
    (void)state;
    /* A space cannot be in a type, so the message shows the decoded value. */
    parse_err("match[type]=x+y", ALL, "match[type]", "\"x y\"");
    parse_ok("foo=a+b&limit=3", ALL);
    assert_int_equal(f.limit, 3);
    kz_taxii_filter_free(&f);
}

static void test_filter_bad_percent_encoding_is_refused(void **state)
{
    (void)state;
    parse_err("limit=%", ALL, "percent-encoding");
    parse_err("limit=%4", ALL, "percent-encoding");
    parse_err("limit=%zz", ALL, "percent-encoding");
    parse_err("limit=1%", ALL, "percent-encoding");
    parse_err("li%mit=1", ALL, "percent-encoding");
    /* Also in parameters that are otherwise ignored. */
    parse_err("utm=%G1", ALL, "percent-encoding");
}

static void test_filter_nul_bytes_are_refused(void **state)
{
    (void)state;
    parse_err("match[type]=indicator%00", ALL, "NUL");
    parse_err_sv((kz_sv){"limit=1\0", 8}, ALL, "NUL", (char *)NULL);
    parse_err_sv((kz_sv){"x\0=1", 4}, ALL, "NUL", (char *)NULL);
}

static void test_filter_percent_decoding_of_any_byte(void **state)
{
    (void)state;
    parse_ok("match[type]=%69%6E%64%69%63%61%74%6f%72", ALL);
    assert_string_equal(f.types[0], "indicator");
    kz_taxii_filter_free(&f);
}

static void test_filter_never_reads_past_the_view(void **state)
{
    char q[] = "limit=12345";
    (void)state;
    /* Only "limit=12" is the query; the bytes after it are not part of it. */
    assert_int_equal(kz_taxii_filter_parse((kz_sv){q, 8}, ALL, &f, NULL), KZ_OK);
    assert_int_equal(f.limit, 12);
    kz_taxii_filter_free(&f);
    /* A '%' at the end of the view is bad even when hex digits follow in memory. */
    q[7] = '%';
    assert_int_equal(kz_taxii_filter_parse((kz_sv){q, 8}, ALL, &f, NULL), KZ_EINVAL);
}

static void test_filter_list_of_100_values_is_taken(void **state)
{
    char q[2048];
    size_t n = 0;
    (void)state;
    n += (size_t)snprintf(q + n, sizeof q - n, "match[type]=");
    for (int i = 0; i < KZ_TAXII_LIST_MAX; i++)
        n += (size_t)snprintf(q + n, sizeof q - n, "%st%02d", i ? "," : "", i);
    parse_ok(q, ALL);
    assert_int_equal(f.n_types, KZ_TAXII_LIST_MAX);
    assert_string_equal(f.types[99], "t99");
    kz_taxii_filter_free(&f);
}

static void test_filter_list_of_101_values_is_refused(void **state)
{
    char q[2048];
    size_t n = 0;
    (void)state;
    n += (size_t)snprintf(q + n, sizeof q - n, "match[type]=");
    for (int i = 0; i <= KZ_TAXII_LIST_MAX; i++)
        n += (size_t)snprintf(q + n, sizeof q - n, "%st%03d", i ? "," : "", i);
    parse_err(q, ALL, "match[type]", "more than 100");
}

static void test_filter_repeated_parameter_is_refused(void **state)
{
    (void)state;
    parse_err("limit=1&limit=2", ALL, "limit", "twice");
    parse_err("match[type]=indicator&match%5Btype%5D=malware", ALL, "match[type]", "twice",
              "comma-separated");
    parse_err("added_after=2024-01-01T00:00:00Z&added_after=2024-01-01T00:00:00Z", ALL,
              "added_after", "twice");
}

static void test_filter_parameter_not_allowed_on_endpoint_is_refused(void **state)
{
    (void)state;
    parse_err("limit=5", KZ_TQ_MATCH_ID, "parameter limit is not supported on this endpoint");
    parse_err("match[version]=all", KZ_TQ_LIMIT,
              "parameter match[version] is not supported on this endpoint");
    parse_err("next=abc", 0, "parameter next is not supported");
    parse_ok("limit=5", KZ_TQ_LIMIT);
    kz_taxii_filter_free(&f);
}

static void test_filter_unknown_match_field_is_refused(void **state)
{
    (void)state;
    parse_err("match[colour]=red", ALL, "match[colour]", "match[id]");
    parse_err("match%5Bfoo%5D=1", ALL, "match[foo]");
    parse_err("match[]=x", ALL, "match[]");
    parse_err("match[a_very_long_field_name_that_does_not_fit]=x", ALL, "not a filter");
}

static void test_filter_unknown_other_parameters_are_ignored(void **state)
{
    (void)state;
    parse_ok("foo=bar&type=indicator&&=&utm_source=x%20y&limit=2", KZ_TQ_LIMIT);
    assert_int_equal(f.given, KZ_TQ_LIMIT);
    assert_int_equal(f.limit, 2);
    kz_taxii_filter_free(&f);
}

static void test_filter_match_version_keywords_set_flags(void **state)
{
    (void)state;
    parse_ok("match[version]=first,last,all", ALL);
    assert_int_equal(f.ver_flags, KZ_VER_FIRST | KZ_VER_LAST | KZ_VER_ALL);
    assert_int_equal(f.n_versions, 0);
    kz_taxii_filter_free(&f);
    parse_ok("match[version]=last", ALL);
    assert_int_equal(f.ver_flags, KZ_VER_LAST);
    kz_taxii_filter_free(&f);
}

static void test_filter_match_version_timestamps_take_the_fixed_form(void **state)
{
    (void)state;
    parse_ok("match[version]=2024-01-02T03:04:05Z,2024-01-02T03:04:05.12Z,first", ALL);
    assert_int_equal(f.ver_flags, KZ_VER_FIRST);
    assert_int_equal(f.n_versions, 2);
    assert_string_equal(f.versions[0], "2024-01-02T03:04:05.000000000Z");
    assert_string_equal(f.versions[1], "2024-01-02T03:04:05.120000000Z");
    kz_taxii_filter_free(&f);
}

static void test_filter_match_version_other_words_are_refused(void **state)
{
    (void)state;
    parse_err("match[version]=latest", ALL, "match[version]", "\"latest\"", "first, last, all");
    parse_err("match[version]=Last", ALL, "match[version]");
    parse_err("match[version]=first,,last", ALL, "match[version]", "empty");
    parse_err("match[version]=", ALL, "match[version]", "empty");
}

static void test_filter_match_type_must_look_like_a_stix_type(void **state)
{
    (void)state;
    parse_ok("match[type]=x-acme-widget,ipv4-addr,abc", ALL);
    assert_int_equal(f.n_types, 3);
    kz_taxii_filter_free(&f);
    parse_err("match[type]=Indicator", ALL, "match[type]", "\"Indicator\"", "STIX type");
    parse_err("match[type]=ab", ALL, "match[type]");
    parse_err("match[type]=in_dicator", ALL, "match[type]");
    parse_err("match[type]=indicator,", ALL, "match[type]", "empty");
}

static void test_filter_match_type_over_250_chars_is_refused(void **state)
{
    char q[400];
    size_t n = (size_t)snprintf(q, sizeof q, "match[type]=");
    (void)state;
    memset(q + n, 'a', 250);
    q[n + 250] = '\0';
    parse_ok(q, ALL);
    assert_int_equal(strlen(f.types[0]), 250);
    kz_taxii_filter_free(&f);
    q[n + 250] = 'a';
    q[n + 251] = '\0';
    parse_err(q, ALL, "match[type]", "...", "3 to 250");
}

static void test_filter_match_id_must_look_like_a_stix_id(void **state)
{
    (void)state;
    parse_err("match[id]=indicator", ALL, "match[id]", "type--UUID");
    parse_err("match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3", ALL, "match[id]");
    parse_err("match[id]=indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", ALL, "match[id]");
    parse_err("match[id]=Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", ALL, "match[id]");
    parse_err("match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cdzz", ALL, "match[id]");
}

static void test_filter_match_spec_version_takes_digits_and_dots(void **state)
{
    (void)state;
    parse_ok("match[spec_version]=2.0,2.1", ALL);
    assert_int_equal(f.n_spec_versions, 2);
    assert_string_equal(f.spec_versions[1], "2.1");
    kz_taxii_filter_free(&f);
    parse_err("match[spec_version]=two", ALL, "match[spec_version]", "2.1");
    parse_err("match[spec_version]=2..1", ALL, "match[spec_version]");
    parse_err("match[spec_version]=.2", ALL, "match[spec_version]");
    parse_err("match[spec_version]=2.", ALL, "match[spec_version]");
}

static void test_filter_error_message_never_holds_control_bytes(void **state)
{
    kz_err err = {{0}};
    (void)state;
    assert_int_equal(kz_taxii_filter_parse(kz_sv_c("match[type]=%01%FF%0A"), ALL, &f, &err),
                     KZ_EINVAL);
    for (const char *p = err.msg; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
}

static void test_filter_to_query_fills_only_taxii_fields(void **state)
{
    kz_query q;
    (void)state;
    memset(&q, 0, sizeof q);
    q.coll = 7;
    q.type = "keep";
    q.all_versions = true;
    parse_ok("added_after=2024-01-02T03:04:05Z&limit=5&match[id]=" ID1
             "&match[type]=indicator&match[version]=all,2024-01-02T03:04:05Z"
             "&match[spec_version]=2.1",
             ALL);
    kz_taxii_filter_to_query(&f, &q);
    assert_int_equal(q.coll, 7);
    assert_string_equal(q.type, "keep");
    assert_true(q.all_versions);
    assert_string_equal(q.added_after, "2024-01-02T03:04:05.000Z");
    assert_ptr_equal(q.added_after, f.added_after);
    assert_int_equal(q.limit, 5);
    assert_int_equal(q.n_ids, 1);
    assert_string_equal(q.ids[0], ID1);
    assert_int_equal(q.n_types, 1);
    assert_int_equal(q.n_spec_versions, 1);
    assert_int_equal(q.ver_flags, KZ_VER_ALL);
    assert_int_equal(q.n_versions, 1);
    assert_string_equal(q.versions[0], "2024-01-02T03:04:05.000000000Z");
    assert_int_equal(q.after_seq, 0);
    kz_taxii_filter_free(&f);
    parse_ok("", ALL);
    kz_taxii_filter_to_query(&f, &q);
    assert_null(q.added_after);
    assert_int_equal(q.limit, 0);
    assert_int_equal(q.n_ids + q.n_types + q.n_versions + q.n_spec_versions, 0);
    kz_taxii_filter_free(&f);
}

static void test_filter_free_accepts_null_and_twice(void **state)
{
    (void)state;
    kz_taxii_filter_free(NULL);
    parse_ok("match[type]=indicator", ALL);
    kz_taxii_filter_free(&f);
    kz_taxii_filter_free(&f);
}

/* ---- cursors -------------------------------------------------------------------------- */

static void test_cursor_round_trips_through_next(void **state)
{
    static const int64_t seqs[] = {1, 2, 255, 123456789, INT64_MAX};
    char cur[KZ_TAXII_CURSOR_MAX], q[64];
    (void)state;
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        kz_taxii_cursor_encode(seqs[i], cur);
        assert_true(strlen(cur) < KZ_TAXII_CURSOR_MAX);
        for (const char *p = cur; *p; p++)
            assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz0123456789-_", *p));
        snprintf(q, sizeof q, "next=%s", cur);
        parse_ok(q, ALL);
        assert_true(f.given & KZ_TQ_NEXT);
        assert_int_equal(f.next_seq, seqs[i]);
        kz_taxii_filter_free(&f);
    }
}

static void test_cursor_next_goes_into_after_seq(void **state)
{
    char cur[KZ_TAXII_CURSOR_MAX], q[64];
    kz_query qq;
    (void)state;
    memset(&qq, 0, sizeof qq);
    kz_taxii_cursor_encode(42, cur);
    snprintf(q, sizeof q, "next=%s&limit=10", cur);
    parse_ok(q, ALL);
    kz_taxii_filter_to_query(&f, &qq);
    assert_int_equal(qq.after_seq, 42);
    assert_int_equal(qq.limit, 10);
    kz_taxii_filter_free(&f);
}

static void test_cursor_tampered_is_refused(void **state)
{
    char cur[KZ_TAXII_CURSOR_MAX], q[64];
    (void)state;
    kz_taxii_cursor_encode(1000, cur);
    /* Every single-character change is caught. */
    for (size_t i = 0; cur[i]; i++) {
        char saved = cur[i];
        cur[i] = saved == '0' ? '1' : '0';
        snprintf(q, sizeof q, "next=%s", cur);
        parse_err(q, ALL, "next: not a cursor this server made");
        cur[i] = saved;
    }
    snprintf(q, sizeof q, "next=%.*s", (int)strlen(cur) - 1, cur);
    parse_err(q, ALL, "next: not a cursor this server made");
    parse_err("next=", ALL, "next: not a cursor this server made");
    parse_err("next=a5dddad9-cf65-4c76-a6e9-8308169dc753", ALL, "next: not a cursor");
}

static void test_cursor_of_zero_or_negative_seq_is_refused(void **state)
{
    char cur[KZ_TAXII_CURSOR_MAX], q[64];
    (void)state;
    kz_taxii_cursor_encode(0, cur);
    snprintf(q, sizeof q, "next=%s", cur);
    parse_err(q, ALL, "next");
    kz_taxii_cursor_encode(-1, cur);
    snprintf(q, sizeof q, "next=%s", cur);
    parse_err(q, ALL, "next");
}

static void test_cursor_upper_case_spelling_is_refused(void **state)
{
    char cur[KZ_TAXII_CURSOR_MAX], q[64];
    (void)state;
    kz_taxii_cursor_encode(0xabcdef, cur);
    for (char *p = cur; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    snprintf(q, sizeof q, "next=%s", cur);
    parse_err(q, ALL, "next");
}

/* ---- Accept --------------------------------------------------------------------------- */

static const char *acc(const char *h, bool stix)
{
    return kz_taxii_accept(kz_sv_c(h), stix);
}

static void test_accept_empty_header_gives_taxii(void **state)
{
    (void)state;
    assert_string_equal(acc("", false), KZ_TAXII_MEDIA);
    assert_string_equal(acc("", true), KZ_TAXII_MEDIA);
    assert_string_equal(acc("  ", true), KZ_TAXII_MEDIA);
}

static void test_accept_taxii_with_and_without_version(void **state)
{
    (void)state;
    assert_string_equal(acc("application/taxii+json;version=2.1", false), KZ_TAXII_MEDIA);
    assert_string_equal(acc("application/taxii+json", false), KZ_TAXII_MEDIA);
    assert_string_equal(acc("Application/TAXII+JSON; Version=\"2.1\"", false), KZ_TAXII_MEDIA);
}

static void test_accept_wildcards_give_taxii(void **state)
{
    (void)state;
    assert_string_equal(acc("*/*", false), KZ_TAXII_MEDIA);
    assert_string_equal(acc("application/*", true), KZ_TAXII_MEDIA);
    assert_string_equal(acc("text/html, */*;q=0.1", true), KZ_TAXII_MEDIA);
}

static void test_accept_other_version_is_refused(void **state)
{
    (void)state;
    assert_null(acc("application/taxii+json;version=2.0", false));
    assert_null(acc("application/stix+json;version=2.0", true));
    assert_string_equal(acc("application/taxii+json;version=2.0, application/taxii+json;"
                            "version=2.1;q=0.5",
                            false),
                        KZ_TAXII_MEDIA);
}

static void test_accept_nothing_acceptable_gives_null(void **state)
{
    (void)state;
    assert_null(acc("text/html", false));
    assert_null(acc("application/json", false));
    assert_null(acc("application/stix+json;version=2.1", false));
    assert_null(acc("garbage", false));
    assert_null(acc(",,,", false));
    assert_null(acc("text/*", true));
}

static void test_accept_q_zero_is_refused(void **state)
{
    (void)state;
    assert_null(acc("application/taxii+json;q=0", false));
    assert_null(acc("*/*;q=0", false));
    assert_null(acc("application/taxii+json;version=2.1;q=0.000", true));
    /* A specific q=0 overrides a wildcard that would match. */
    assert_null(acc("*/*, application/taxii+json;q=0", false));
}

static void test_accept_stix_only_when_allowed(void **state)
{
    (void)state;
    assert_string_equal(acc("application/stix+json;version=2.1", true), KZ_STIX_MEDIA);
    assert_string_equal(acc("application/stix+json", true), KZ_STIX_MEDIA);
    assert_null(acc("application/stix+json", false));
}

static void test_accept_highest_q_wins(void **state)
{
    (void)state;
    assert_string_equal(
        acc("application/taxii+json;q=0.5, application/stix+json;version=2.1;q=0.9", true),
        KZ_STIX_MEDIA);
    assert_string_equal(
        acc("application/stix+json;q=0.4 , application/taxii+json;version=2.1;q=0.45", true),
        KZ_TAXII_MEDIA);
}

static void test_accept_ties_go_to_the_first_listed(void **state)
{
    (void)state;
    assert_string_equal(acc("application/stix+json, application/taxii+json", true),
                        KZ_STIX_MEDIA);
    assert_string_equal(acc("application/taxii+json,application/stix+json", true),
                        KZ_TAXII_MEDIA);
}

static void test_accept_bad_q_value_skips_that_range(void **state)
{
    (void)state;
    assert_null(acc("application/taxii+json;q=2", false));
    assert_null(acc("application/taxii+json;q=abc", false));
    assert_string_equal(acc("application/taxii+json;q=1.5, */*;q=0.2", false), KZ_TAXII_MEDIA);
}

static void test_accept_quoted_commas_do_not_split(void **state)
{
    (void)state;
    assert_string_equal(acc("text/plain;x=\"a,b\", application/taxii+json", false),
                        KZ_TAXII_MEDIA);
    assert_null(acc("text/plain;x=\"a,application/taxii+json\"", false));
}

/* ---- Content-Type --------------------------------------------------------------------- */

static bool ct(const char *h)
{
    return kz_taxii_content_type_ok(kz_sv_c(h));
}

static void test_content_type_taxii_and_stix_21_are_taken(void **state)
{
    (void)state;
    assert_true(ct("application/taxii+json;version=2.1"));
    assert_true(ct("application/stix+json;version=2.1"));
    assert_true(ct("application/taxii+json"));
    assert_true(ct("application/stix+json"));
    assert_true(ct("APPLICATION/Taxii+Json ; VERSION=\"2.1\""));
    assert_true(ct("application/taxii+json; version=2.1; charset=utf-8"));
    assert_true(ct("application/stix+json;charset=\"UTF-8\";version=2.1"));
}

static void test_content_type_others_are_refused(void **state)
{
    (void)state;
    assert_false(ct(""));
    assert_false(ct("application/json"));
    assert_false(ct("text/plain"));
    assert_false(ct("application/taxii+json;version=2.0"));
    assert_false(ct("application/taxii+json;charset=latin1"));
    assert_false(ct("application/taxii+json;version=2.1;q=1"));
    assert_false(ct("application/taxii+json;version=2.1;version=2.1"));
    assert_false(ct("application/taxii+json;version"));
    assert_false(ct("application/*"));
    assert_false(ct("application/taxii+json, application/stix+json"));
    assert_false(kz_taxii_content_type_ok((kz_sv){"application/taxii+json", 20}));
}

/* ---- Authorization -------------------------------------------------------------------- */

static kz_taxii_cred cred;

static void cred_err(const char *h, const char *want, const char *secret)
{
    kz_err err = {{0}};
    kz_rc rc = kz_taxii_cred_parse(kz_sv_c(h), &cred, &err);
    if (rc != KZ_EINVAL)
        fail_msg("\"%s\" gave %s", h, kz_rc_str(rc));
    assert_int_equal(cred.kind, KZ_CRED_NONE);
    assert_int_equal(cred.secret_n, 0);
    assert_int_equal(cred.secret[0], 0);
    if (strstr(err.msg, want) == NULL)
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", h, err.msg, want);
    if (secret != NULL && strstr(err.msg, secret) != NULL)
        fail_msg("\"%s\": message \"%s\" shows the secret", h, err.msg);
}

static void test_cred_empty_header_is_none(void **state)
{
    (void)state;
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c(""), &cred, NULL), KZ_OK);
    assert_int_equal(cred.kind, KZ_CRED_NONE);
}

static void test_cred_basic_is_decoded(void **state)
{
    (void)state;
    /* alice:s3cret */
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c("Basic YWxpY2U6czNjcmV0"), &cred, NULL), KZ_OK);
    assert_int_equal(cred.kind, KZ_CRED_BASIC);
    assert_string_equal(cred.user, "alice");
    assert_int_equal(cred.secret_n, 6);
    assert_memory_equal(cred.secret, "s3cret", 6);
    kz_taxii_cred_wipe(&cred);
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c("bAsIc   YWxpY2U6czNjcmV0 "), &cred, NULL),
                     KZ_OK);
    assert_string_equal(cred.user, "alice");
    kz_taxii_cred_wipe(&cred);
}

static void test_cred_basic_splits_at_first_colon(void **state)
{
    (void)state;
    /* bob:pa:ss:word */
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c("Basic Ym9iOnBhOnNzOndvcmQ="), &cred, NULL),
                     KZ_OK);
    assert_string_equal(cred.user, "bob");
    assert_int_equal(cred.secret_n, 10);
    assert_memory_equal(cred.secret, "pa:ss:word", 10);
    kz_taxii_cred_wipe(&cred);
    /* bob: (empty password) */
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c("Basic Ym9iOg=="), &cred, NULL), KZ_OK);
    assert_int_equal(cred.secret_n, 0);
    kz_taxii_cred_wipe(&cred);
}

static void test_cred_basic_bad_base64_is_refused(void **state)
{
    (void)state;
    cred_err("Basic YWxpY2U6czNjcmV0=", "base64", NULL);   /* length not a multiple of 4 */
    cred_err("Basic Ym9iOg", "base64", NULL);              /* padding missing */
    cred_err("Basic Ym9iOh==", "base64", NULL);            /* unused bits set */
    cred_err("Basic Ym9i=g==", "base64", NULL);            /* '=' in the middle */
    cred_err("Basic YWxp Y2U6", "base64", NULL);
    cred_err("Basic YWxp-2U6", "base64", NULL);
    cred_err("Basic ", "base64", NULL);
    cred_err("Basic", "base64", NULL);
}

static void test_cred_basic_without_colon_or_user_is_refused(void **state)
{
    (void)state;
    cred_err("Basic YWxpY2U=", "':'", NULL);          /* alice */
    cred_err("Basic OnB3", "user name", NULL);         /* :pw */
    cred_err("Basic YQBiOmM=", "NUL", NULL);           /* a\0b:c */
}

/* "Basic " and the base64 of raw[0..n) into hdr. */
static void basic_header(const unsigned char *raw, size_t n, char *hdr)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = (size_t)snprintf(hdr, 8, "Basic ");

    for (size_t i = 0; i < n; i += 3) {
        uint32_t w = (uint32_t)raw[i] << 16 | (i + 1 < n ? (uint32_t)raw[i + 1] << 8 : 0) |
                     (i + 2 < n ? raw[i + 2] : 0);
        hdr[o++] = b64[w >> 18 & 63];
        hdr[o++] = b64[w >> 12 & 63];
        hdr[o++] = i + 1 < n ? b64[w >> 6 & 63] : '=';
        hdr[o++] = i + 2 < n ? b64[w & 63] : '=';
    }
    hdr[o] = '\0';
}

static void test_cred_basic_oversized_values_are_refused(void **state)
{
    unsigned char raw[400];
    char hdr[800];
    (void)state;
    /* A user of 63 bytes fits, 64 does not. */
    memset(raw, 'u', 64);
    memcpy(raw + 63, ":p", 2);
    basic_header(raw, 65, hdr);
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c(hdr), &cred, NULL), KZ_OK);
    assert_int_equal(strlen(cred.user), 63);
    kz_taxii_cred_wipe(&cred);
    memset(raw, 'u', 64);
    memcpy(raw + 64, ":p", 2);
    basic_header(raw, 66, hdr);
    cred_err(hdr, "user name must be 1 to 63", NULL);
    /* A password of 255 bytes fits, 256 does not. */
    memcpy(raw, "u:", 2);
    memset(raw + 2, 'p', 256);
    basic_header(raw, 2 + 255, hdr);
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c(hdr), &cred, NULL), KZ_OK);
    assert_int_equal(cred.secret_n, 255);
    kz_taxii_cred_wipe(&cred);
    basic_header(raw, 2 + 256, hdr);
    cred_err(hdr, "password is longer than 255", "ppp");
    /* Far past anything that fits: refused before decoding. */
    memset(raw, 'x', sizeof raw);
    basic_header(raw, sizeof raw, hdr);
    cred_err(hdr, "longer than", NULL);
}

static void test_cred_bearer_is_taken(void **state)
{
    (void)state;
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c("Bearer abc-._~+/XYZ09=="), &cred, NULL), KZ_OK);
    assert_int_equal(cred.kind, KZ_CRED_BEARER);
    assert_string_equal(cred.secret, "abc-._~+/XYZ09==");
    assert_int_equal(cred.secret_n, 16);
    kz_taxii_cred_wipe(&cred);
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c("bearer tok"), &cred, NULL), KZ_OK);
    assert_string_equal(cred.secret, "tok");
    kz_taxii_cred_wipe(&cred);
}

static void test_cred_bearer_bad_token_is_refused(void **state)
{
    char hdr[400];
    (void)state;
    cred_err("Bearer ", "Bearer", NULL);
    cred_err("Bearer ab=c", "Bearer", "ab=c");
    cred_err("Bearer a b", "Bearer", NULL);
    cred_err("Bearer zqx\"9", "Bearer", "zqx");
    memset(hdr, 'x', sizeof hdr);
    memcpy(hdr, "Bearer ", 7);
    hdr[7 + 256] = '\0';
    cred_err(hdr, "longer than 255", "xxxx");
    hdr[7 + 255] = '\0';
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c(hdr), &cred, NULL), KZ_OK);
    assert_int_equal(cred.secret_n, 255);
    kz_taxii_cred_wipe(&cred);
}

static void test_cred_other_scheme_is_refused_without_echo(void **state)
{
    (void)state;
    cred_err("Digest username=\"x\"", "Basic or Bearer", "username");
    cred_err("s3cr3tTokenWithoutScheme", "Basic or Bearer", "s3cr3t");
    cred_err("Basicx YWxpY2U6czNjcmV0", "Basic or Bearer", "YWxp");
}

static void test_cred_wipe_clears_everything(void **state)
{
    (void)state;
    assert_int_equal(kz_taxii_cred_parse(kz_sv_c("Basic YWxpY2U6czNjcmV0"), &cred, NULL), KZ_OK);
    kz_taxii_cred_wipe(&cred);
    for (size_t i = 0; i < sizeof cred; i++)
        assert_int_equal(((unsigned char *)&cred)[i], 0);
    kz_taxii_cred_wipe(NULL);
}

/* ---- envelopes ------------------------------------------------------------------------ */

static kz_limits lim;

static kz_rc env(const char *body, size_t max, json_t **objs, kz_err *err)
{
    lim = kz_limits_default();
    return kz_taxii_envelope_parse(kz_sv_c(body), max, &lim, objs, err);
}

static void env_err(const char *body, size_t max, kz_rc want, const char *msg)
{
    json_t *objs = (json_t *)1;
    kz_err err = {{0}};
    kz_rc rc = env(body, max, &objs, &err);
    if (rc != want)
        fail_msg("%s gave %s (%s)", body, kz_rc_str(rc), err.msg);
    assert_null(objs);
    if (strstr(err.msg, msg) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", body, err.msg, msg);
}

static void test_envelope_with_objects_gives_the_array(void **state)
{
    json_t *objs = NULL;
    (void)state;
    assert_int_equal(env("{\"objects\":[{\"type\":\"indicator\"},{\"type\":\"malware\"}],"
                         "\"more\":false,\"next\":\"x\"}",
                         10, &objs, NULL),
                     KZ_OK);
    assert_true(json_is_array(objs));
    assert_int_equal(json_array_size(objs), 2);
    json_decref(objs);
}

static void test_envelope_with_zero_objects_is_an_empty_array(void **state)
{
    json_t *objs = NULL;
    (void)state;
    assert_int_equal(env("{}", 10, &objs, NULL), KZ_OK);
    assert_true(json_is_array(objs));
    assert_int_equal(json_array_size(objs), 0);
    json_decref(objs);
    assert_int_equal(env("{\"objects\":[]}", 0, &objs, NULL), KZ_OK);
    assert_int_equal(json_array_size(objs), 0);
    json_decref(objs);
}

static void test_envelope_bundle_is_taken(void **state)
{
    json_t *objs = NULL;
    (void)state;
    assert_int_equal(env("{\"type\":\"bundle\",\"id\":\"bundle--8e2e2d2b-17d4-4cbf-938f-"
                         "98ee46b3cd3f\",\"objects\":[{\"type\":\"x\"}]}",
                         10, &objs, NULL),
                     KZ_OK);
    assert_int_equal(json_array_size(objs), 1);
    json_decref(objs);
}

static void test_envelope_non_object_element_is_named(void **state)
{
    (void)state;
    env_err("{\"objects\":[{},{},{},\"x\"]}", 10, KZ_EINVAL, "objects[3]");
    env_err("{\"objects\":[[]]}", 10, KZ_EINVAL, "objects[0]: expected a STIX object");
}

static void test_envelope_objects_not_an_array_is_refused(void **state)
{
    (void)state;
    env_err("{\"objects\":{}}", 10, KZ_EINVAL, "objects: expected an array");
    env_err("{\"objects\":null}", 10, KZ_EINVAL, "objects");
}

static void test_envelope_top_level_must_be_an_object(void **state)
{
    (void)state;
    env_err("[{}]", 10, KZ_EINVAL, "not a JSON object");
    /* jansson takes only an object or an array at the top without JSON_DECODE_ANY. */
    env_err("\"objects\"", 10, KZ_EINVAL, "not JSON");
}

static void test_envelope_bad_json_gives_line_and_column(void **state)
{
    (void)state;
    env_err("{\n  \"objects\": [,]\n}", 10, KZ_EINVAL, "line 2, column");
    env_err("", 10, KZ_EINVAL, "not JSON");
    env_err("{\"objects\":[]} trailing", 10, KZ_EINVAL, "not JSON");
}

static void test_envelope_duplicate_keys_are_refused(void **state)
{
    (void)state;
    env_err("{\"objects\":[],\"objects\":[]}", 10, KZ_EINVAL, "duplicate");
}

static void test_envelope_too_many_objects_is_a_limit(void **state)
{
    json_t *objs = NULL;
    (void)state;
    env_err("{\"objects\":[{},{},{}]}", 2, KZ_ELIMIT,
            "the envelope holds 3 objects, the limit is 2");
    assert_int_equal(env("{\"objects\":[{},{},{}]}", 3, &objs, NULL), KZ_OK);
    json_decref(objs);
}

static void test_envelope_too_deep_is_a_limit_with_the_path(void **state)
{
    kz_err err = {{0}};
    json_t *objs = NULL;
    (void)state;
    lim = kz_limits_default();
    lim.json_depth = 3;
    /* The object is level 1: {"a":{"b":[]}} is 3 levels, one more is too deep. */
    assert_int_equal(kz_taxii_envelope_parse(kz_sv_c("{\"objects\":[{\"a\":{\"b\":[]}}]}"), 5,
                                             &lim, &objs, &err),
                     KZ_OK);
    json_decref(objs);
    objs = NULL;
    assert_int_equal(kz_taxii_envelope_parse(
                         kz_sv_c("{\"objects\":[{},{\"a\":{\"b\":[1,[2]]}}]}"), 5, &lim, &objs,
                         &err),
                     KZ_ELIMIT);
    assert_null(objs);
    assert_non_null(strstr(err.msg, "objects[1].a.b[1]"));
    assert_non_null(strstr(err.msg, "limit of 3"));
}

static void test_envelope_deep_nesting_does_not_overflow(void **state)
{
    enum { D = 5000 };
    char *body = malloc(2 * D + 32);
    kz_err err = {{0}};
    json_t *objs = NULL;
    size_t n = 0;
    kz_rc rc;
    (void)state;
    assert_non_null(body);
    n += (size_t)snprintf(body, 32, "{\"objects\":[");
    for (int i = 0; i < D; i++)
        body[n++] = '[';
    for (int i = 0; i < D; i++)
        body[n++] = ']';
    memcpy(body + n, "]}", 3);
    rc = env(body, 10, &objs, &err);
    assert_true(rc == KZ_EINVAL || rc == KZ_ELIMIT);
    assert_null(objs);
    free(body);
}

/* ---- version text --------------------------------------------------------------------- */

static void vt(const char *in, const char *want)
{
    char out[KZ_TIME_MAX];
    kz_taxii_version_text(kz_sv_c(in), out);
    assert_string_equal(out, want);
}

static void test_version_text_drops_trailing_zero_groups(void **state)
{
    (void)state;
    vt("2024-01-02T03:04:05.120000000Z", "2024-01-02T03:04:05.120Z");
    vt("2024-01-02T03:04:05.000000000Z", "2024-01-02T03:04:05.000Z");
    vt("2024-01-02T03:04:05.123456000Z", "2024-01-02T03:04:05.123456Z");
    vt("2024-01-02T03:04:05.000001000Z", "2024-01-02T03:04:05.000001Z");
    vt("2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.123456789Z");
    vt("2024-01-02T03:04:05.000000001Z", "2024-01-02T03:04:05.000000001Z");
}

static void test_version_text_copies_other_text_as_is(void **state)
{
    char out[KZ_TIME_MAX];
    (void)state;
    vt("", "");
    vt("2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z");
    vt("2024-01-02T03:04:05.120000000z", "2024-01-02T03:04:05.120000000z");
    vt("2024-01-02 03:04:05.120000000Z", "2024-01-02 03:04:05.120000000Z");
    kz_taxii_version_text(kz_sv_c("0123456789012345678901234567890123456789"), out);
    assert_int_equal(strlen(out), KZ_TIME_MAX - 1);
    kz_taxii_version_text((kz_sv){"2024-01-02T03:04:05.120000000Z", 29}, out);
    assert_string_equal(out, "2024-01-02T03:04:05.120000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filter_empty_query_gives_nothing),
        cmocka_unit_test(test_filter_added_after_is_normalised_to_ms),
        cmocka_unit_test(test_filter_added_after_not_rfc3339_is_refused),
        cmocka_unit_test(test_filter_limit_takes_positive_integers),
        cmocka_unit_test(test_filter_limit_out_of_range_is_refused),
        cmocka_unit_test(test_filter_match_lists_are_split_on_commas),
        cmocka_unit_test(test_filter_percent_encoded_brackets_in_names_are_decoded),
        cmocka_unit_test(test_filter_plus_is_a_space),
        cmocka_unit_test(test_filter_bad_percent_encoding_is_refused),
        cmocka_unit_test(test_filter_nul_bytes_are_refused),
        cmocka_unit_test(test_filter_percent_decoding_of_any_byte),
        cmocka_unit_test(test_filter_never_reads_past_the_view),
        cmocka_unit_test(test_filter_list_of_100_values_is_taken),
        cmocka_unit_test(test_filter_list_of_101_values_is_refused),
        cmocka_unit_test(test_filter_repeated_parameter_is_refused),
        cmocka_unit_test(test_filter_parameter_not_allowed_on_endpoint_is_refused),
        cmocka_unit_test(test_filter_unknown_match_field_is_refused),
        cmocka_unit_test(test_filter_unknown_other_parameters_are_ignored),
        cmocka_unit_test(test_filter_match_version_keywords_set_flags),
        cmocka_unit_test(test_filter_match_version_timestamps_take_the_fixed_form),
        cmocka_unit_test(test_filter_match_version_other_words_are_refused),
        cmocka_unit_test(test_filter_match_type_must_look_like_a_stix_type),
        cmocka_unit_test(test_filter_match_type_over_250_chars_is_refused),
        cmocka_unit_test(test_filter_match_id_must_look_like_a_stix_id),
        cmocka_unit_test(test_filter_match_spec_version_takes_digits_and_dots),
        cmocka_unit_test(test_filter_error_message_never_holds_control_bytes),
        cmocka_unit_test(test_filter_to_query_fills_only_taxii_fields),
        cmocka_unit_test(test_filter_free_accepts_null_and_twice),
        cmocka_unit_test(test_cursor_round_trips_through_next),
        cmocka_unit_test(test_cursor_next_goes_into_after_seq),
        cmocka_unit_test(test_cursor_tampered_is_refused),
        cmocka_unit_test(test_cursor_of_zero_or_negative_seq_is_refused),
        cmocka_unit_test(test_cursor_upper_case_spelling_is_refused),
        cmocka_unit_test(test_accept_empty_header_gives_taxii),
        cmocka_unit_test(test_accept_taxii_with_and_without_version),
        cmocka_unit_test(test_accept_wildcards_give_taxii),
        cmocka_unit_test(test_accept_other_version_is_refused),
        cmocka_unit_test(test_accept_nothing_acceptable_gives_null),
        cmocka_unit_test(test_accept_q_zero_is_refused),
        cmocka_unit_test(test_accept_stix_only_when_allowed),
        cmocka_unit_test(test_accept_highest_q_wins),
        cmocka_unit_test(test_accept_ties_go_to_the_first_listed),
        cmocka_unit_test(test_accept_bad_q_value_skips_that_range),
        cmocka_unit_test(test_accept_quoted_commas_do_not_split),
        cmocka_unit_test(test_content_type_taxii_and_stix_21_are_taken),
        cmocka_unit_test(test_content_type_others_are_refused),
        cmocka_unit_test(test_cred_empty_header_is_none),
        cmocka_unit_test(test_cred_basic_is_decoded),
        cmocka_unit_test(test_cred_basic_splits_at_first_colon),
        cmocka_unit_test(test_cred_basic_bad_base64_is_refused),
        cmocka_unit_test(test_cred_basic_without_colon_or_user_is_refused),
        cmocka_unit_test(test_cred_basic_oversized_values_are_refused),
        cmocka_unit_test(test_cred_bearer_is_taken),
        cmocka_unit_test(test_cred_bearer_bad_token_is_refused),
        cmocka_unit_test(test_cred_other_scheme_is_refused_without_echo),
        cmocka_unit_test(test_cred_wipe_clears_everything),
        cmocka_unit_test(test_envelope_with_objects_gives_the_array),
        cmocka_unit_test(test_envelope_with_zero_objects_is_an_empty_array),
        cmocka_unit_test(test_envelope_bundle_is_taken),
        cmocka_unit_test(test_envelope_non_object_element_is_named),
        cmocka_unit_test(test_envelope_objects_not_an_array_is_refused),
        cmocka_unit_test(test_envelope_top_level_must_be_an_object),
        cmocka_unit_test(test_envelope_bad_json_gives_line_and_column),
        cmocka_unit_test(test_envelope_duplicate_keys_are_refused),
        cmocka_unit_test(test_envelope_too_many_objects_is_a_limit),
        cmocka_unit_test(test_envelope_too_deep_is_a_limit_with_the_path),
        cmocka_unit_test(test_envelope_deep_nesting_does_not_overflow),
        cmocka_unit_test(test_version_text_drops_trailing_zero_groups),
        cmocka_unit_test(test_version_text_copies_other_text_as_is),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
