/*
 * test_core.c - the core module: RFC 3339 parsing both ways across each boundary, formatting,
 * UUID checks and generation (the UUIDv5 of a known name), checked integers, bounded buffers,
 * and the JSON tape against jansson (its errors, duplicate names, the public data).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "kizuna/core.h"
#include "kz_test.h"

static kz_rc tparse(const char *s, kz_time *t, kz_err *err)
{
    return kz_time_parse(kz_sv_c(s), t, err);
}

static void test_time_accepts_rfc3339_utc_forms(void **state)
{
    kz_time t;
    kz_err err;
    (void)state;
    assert_int_equal(tparse("1970-01-01T00:00:00Z", &t, &err), KZ_OK);
    assert_int_equal(t.sec, 0);
    assert_int_equal(tparse("2016-05-12T08:17:27.000Z", &t, &err), KZ_OK);
    assert_int_equal(t.sec, 1463041047);
    assert_int_equal(t.frac_digits, 3);
    assert_int_equal(tparse("2024-02-29T23:59:59.123456789Z", &t, &err), KZ_OK);
    assert_int_equal(t.nsec, 123456789);
    assert_int_equal(tparse("1969-12-31T23:59:59.5Z", &t, &err), KZ_OK);
    assert_int_equal(t.sec, -1);
    assert_int_equal(t.nsec, 500000000);
}

static void test_time_rejects_what_rfc3339_utc_forbids(void **state)
{
    static const char *bad[] = {
        "2024-03-01 10:00",          "2024-03-01T10:00:00",      "2024-03-01T10:00:00+00:00",
        "2024-03-01t10:00:00z",      "2024-03-01T10:00:00.Z",    "2023-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z",      "2024-04-31T00:00:00Z",     "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z",      "2024-01-01T00:00:60Z",     "24-01-01T00:00:00Z",
        "2024-01-01T00:00:00.1234567891Z", "2024-01-01T00:00:00Zjunk", "",
    };
    kz_time t;
    kz_err err;
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (tparse(bad[i], &t, &err) != KZ_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(tparse("2024-03-01 10:00", &t, &err), KZ_EINVAL);
    assert_string_equal(err.msg, "\"2024-03-01 10:00\" is not an RFC 3339 UTC timestamp "
                                 "(expected YYYY-MM-DDTHH:MM:SS[.s]Z)");
}

static void test_time_format_and_compare(void **state)
{
    kz_time a, b;
    char buf[KZ_TIME_MAX];
    kz_err err;
    (void)state;
    assert_int_equal(tparse("2016-05-12T08:17:27.5Z", &a, &err), KZ_OK);
    kz_time_format(&a, 9, buf);
    assert_string_equal(buf, "2016-05-12T08:17:27.500000000Z");
    kz_time_format(&a, 3, buf);
    assert_string_equal(buf, "2016-05-12T08:17:27.500Z");
    kz_time_format(&a, 0, buf);
    assert_string_equal(buf, "2016-05-12T08:17:27Z");
    assert_int_equal(tparse("2016-05-12T08:17:27.500000001Z", &b, &err), KZ_OK);
    assert_true(kz_time_cmp(&a, &b) < 0);
    assert_true(kz_time_cmp(&b, &a) > 0);
    assert_int_equal(tparse("2016-05-12T08:17:27.50Z", &b, &err), KZ_OK);
    assert_int_equal(kz_time_cmp(&a, &b), 0);
    assert_int_equal(tparse("1900-03-01T00:00:00Z", &a, &err), KZ_OK);
    kz_time_format(&a, 0, buf);
    assert_string_equal(buf, "1900-03-01T00:00:00Z");
    /* The day of the last call is kept: the same day again, then another, then the first. */
    a = (kz_time){1704164645, 123456789, 9};
    kz_time_format(&a, 6, buf);
    assert_string_equal(buf, "2024-01-02T03:04:05.123456Z");
    a.sec += 3600 * 20;
    kz_time_format(&a, 6, buf);
    assert_string_equal(buf, "2024-01-02T23:04:05.123456Z");
    a.sec += 3600 * 4;
    kz_time_format(&a, 1, buf);
    assert_string_equal(buf, "2024-01-03T03:04:05.1Z");
    a.sec -= 3600 * 24;
    kz_time_format(&a, 12, buf); /* more than 9 digits: 9 */
    assert_string_equal(buf, "2024-01-02T03:04:05.123456789Z");
    /* The ends of four-digit years, and beyond them (years as printf writes them). */
    a = (kz_time){-62167219200, 0, 0};
    kz_time_format(&a, 3, buf);
    assert_string_equal(buf, "0000-01-01T00:00:00.000Z");
    a = (kz_time){253402300799, 999999999, 9};
    kz_time_format(&a, 0, buf);
    assert_string_equal(buf, "9999-12-31T23:59:59Z");
    a.sec++;
    kz_time_format(&a, 3, buf);
    assert_string_equal(buf, "10000-01-01T00:00:00.999Z");
    a = (kz_time){-62167219201, 0, 0};
    kz_time_format(&a, 0, buf);
    assert_string_equal(buf, "-001-12-31T23:59:59Z");
}

static void test_uuid_check_and_generate(void **state)
{
    char u[KZ_UUID_STR];
    (void)state;
    assert_int_equal(kz_uuid_check(kz_sv_c("7c2a5b4e-8f3d-4c1a-9b2e-6f0d1e2c3b4a")), 4);
    assert_int_equal(kz_uuid_check(kz_sv_c("7c2a5b4e-8f3d-4c1a-9b2e-6f0d1e2c3b4")), -1);
    assert_int_equal(kz_uuid_check(kz_sv_c("7c2a5b4e8f3d-4c1a-9b2e-6f0d1e2c3b4a0")), -1);
    assert_int_equal(kz_uuid_check(kz_sv_c("7c2a5b4e-8f3d-4c1a-9b2e-6f0d1e2c3bxa")), -1);
    assert_int_equal(kz_hexval('0'), 0);
    assert_int_equal(kz_hexval('f'), 15);
    assert_int_equal(kz_hexval('F'), 15);
    assert_int_equal(kz_hexval('g'), -1);
    assert_int_equal(kz_hexval(-1), -1);
    assert_int_equal(kz_hexval(0), -1);
    assert_int_equal(kz_uuid4(u), KZ_OK);
    assert_int_equal(kz_uuid_check(kz_sv_c(u)), 4);
    assert_true(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
}

/* RFC 4122 appendix B's DNS namespace; "python.org" is the classic published example. */
static void test_uuid5_matches_the_known_value(void **state)
{
    char u[KZ_UUID_STR];
    (void)state;
    assert_int_equal(kz_uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org", 10, u), KZ_OK);
    assert_string_equal(u, "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    assert_int_equal(kz_uuid5("not-a-uuid", "x", 1, u), KZ_EINVAL);
}

static void test_parse_i64_checks_range_and_digits(void **state)
{
    int64_t v;
    (void)state;
    assert_int_equal(kz_parse_i64(kz_sv_c("42"), 0, 100, &v), KZ_OK);
    assert_int_equal(v, 42);
    assert_int_equal(kz_parse_i64(kz_sv_c("-9223372036854775808"), INT64_MIN, 0, &v), KZ_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(kz_parse_i64(kz_sv_c("9223372036854775808"), 0, INT64_MAX, &v), KZ_ELIMIT);
    assert_int_equal(kz_parse_i64(kz_sv_c("101"), 0, 100, &v), KZ_ELIMIT);
    assert_int_equal(kz_parse_i64(kz_sv_c("1x"), 0, 100, &v), KZ_EINVAL);
    assert_int_equal(kz_parse_i64(kz_sv_c(""), 0, 100, &v), KZ_EINVAL);
    assert_int_equal(kz_parse_i64(kz_sv_c("-"), -5, 100, &v), KZ_EINVAL);
}

static void test_buf_stops_at_its_ceiling_and_keeps_content(void **state)
{
    kz_buf b;
    (void)state;
    kz_buf_init(&b, 8);
    assert_int_equal(kz_buf_puts(&b, "abcd"), KZ_OK);
    assert_int_equal(kz_buf_printf(&b, "%d", 123), KZ_OK);
    assert_string_equal(b.p, "abcd123");
    assert_int_equal(kz_buf_puts(&b, "xy"), KZ_ELIMIT);
    assert_string_equal(b.p, "abcd123");
    assert_int_equal(kz_buf_puts(&b, "z"), KZ_OK);
    assert_int_equal(b.n, 8);
    kz_buf_free(&b);
}

static void test_err_prefix_and_fail(void **state)
{
    kz_err err;
    (void)state;
    assert_int_equal(kz_fail(&err, KZ_EINVAL, "created: %s", "bad"), KZ_EINVAL);
    kz_err_prefix(&err, "%s", "case.json");
    assert_string_equal(err.msg, "case.json: created: bad");
    assert_int_equal(kz_fail(NULL, KZ_EIO, "x"), KZ_EIO);
    assert_string_equal(kz_rc_str(KZ_ENOMEM), "out of memory");
}

/* kz_grow doubles from `first`, keeps the content, and refuses sizes that overflow. */
static void test_grow_doubles_and_keeps_content(void **state)
{
    uint32_t *a = NULL;
    size_t cap = 0, n;

    (void)state;
    for (n = 0; n < 1000; n++) {
        assert_int_equal(kz_grow(&a, &cap, n, sizeof *a, 4), KZ_OK);
        assert_true(cap > n);
        a[n] = (uint32_t)n * 7;
    }
    assert_int_equal(cap, 1024); /* 4, 8, ..., 1024 */
    for (n = 0; n < 1000; n++)
        assert_int_equal(a[n], n * 7);
    assert_int_equal(kz_grow(&a, &cap, 10, sizeof *a, 4), KZ_OK); /* room already */
    assert_int_equal(cap, 1024);
    assert_int_equal(kz_grow(&a, &cap, cap, SIZE_MAX / 1024, 4), KZ_ENOMEM);
    assert_int_equal(cap, 1024); /* as it was */
    assert_int_equal(a[999], 999 * 7);
    free(a);
}

/* The heap hint leaves malloc working, whatever the size (and on a tuned heap as well). */
static void test_heap_prepare_then_allocate(void **state)
{
    char *p;

    (void)state;
    kz_heap_prepare(0);
    kz_heap_prepare(1 << 20);
    kz_heap_prepare((size_t)100 << 20); /* more than one chunk, fewer than the most */
    p = malloc(4 << 20);
    assert_non_null(p);
    memset(p, 0xA5, 4 << 20);
    assert_true((unsigned char)p[(4 << 20) - 1] == 0xA5);
    free(p);
}

static void test_utf8_valid_rejects_overlong_surrogates_and_past_max(void **state)
{
    (void)state;
    assert_true(kz_utf8_valid("", 0));
    assert_true(kz_utf8_valid("caf\xc3\xa9 \xe3\x81\x8c \xf0\x9f\x98\x80", 14));
    assert_false(kz_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(kz_utf8_valid("\xe0\x80\xaf", 3));     /* overlong, three bytes */
    assert_false(kz_utf8_valid("\xed\xa0\x80", 3));     /* surrogate U+D800 */
    assert_false(kz_utf8_valid("\xf4\x90\x80\x80", 4)); /* U+110000 */
    assert_false(kz_utf8_valid("\xe3\x81", 2));         /* truncated */
    assert_false(kz_utf8_valid("\x80", 1));             /* lone continuation */
}

static void test_utf8_nfc_composes_and_leaves_normal_text_alone(void **state)
{
    kz_buf b;
    kz_sv r, s;
    char big[200], dec[300];

    (void)state;
    kz_buf_init(&b, 0);
    /* ASCII and text already in NFC: the input itself, nothing written. */
    s = KZ_SV("plain.example.com");
    assert_int_equal(kz_utf8_nfc(s, &b, &r), KZ_OK);
    assert_ptr_equal(r.p, s.p);
    s = KZ_SV("caf\xc3\xa9");
    assert_int_equal(kz_utf8_nfc(s, &b, &r), KZ_OK);
    assert_ptr_equal(r.p, s.p);
    /* Decomposed e-acute, kana with the combining voiced mark, the Angstrom sign (a singleton),
     * marks in non-canonical order. */
    assert_int_equal(kz_utf8_nfc(KZ_SV("cafe\xcc\x81"), &b, &r), KZ_OK);
    assert_true(kz_sv_eq(r, KZ_SV("caf\xc3\xa9")));
    assert_int_equal(kz_utf8_nfc(KZ_SV("\xe3\x81\x8b\xe3\x82\x99!"), &b, &r), KZ_OK);
    assert_true(kz_sv_eq(r, KZ_SV("\xe3\x81\x8c!")));
    assert_int_equal(kz_utf8_nfc(KZ_SV("\xe2\x84\xab"), &b, &r), KZ_OK);
    assert_true(kz_sv_eq(r, KZ_SV("\xc3\x85")));
    assert_int_equal(kz_utf8_nfc(KZ_SV("a\xcc\xa3\xcc\x82"), &b, &r), KZ_OK);
    assert_true(kz_sv_eq(r, KZ_SV("\xe1\xba\xad")));
    /* A NUL is an ordinary character. */
    assert_int_equal(kz_utf8_nfc((kz_sv){"e\0e\xcc\x81", 5}, &b, &r), KZ_OK);
    assert_true(kz_sv_eq(r, ((kz_sv){"e\0\xc3\xa9", 4})));
    /* U+0390 is two bytes and three code points decomposed: more than the first guess of room. */
    for (size_t i = 0; i < 100; i++)
        memcpy(big + 2 * i, "\xce\x90", 2);
    s = (kz_sv){big, 200};
    assert_int_equal(kz_utf8_nfc(s, &b, &r), KZ_OK);
    assert_ptr_equal(r.p, big);
    for (size_t i = 0; i < 50; i++) /* iota, diaeresis, acute: composes back to U+0390 */
        memcpy(dec + 6 * i, "\xce\xb9\xcc\x88\xcc\x81", 6);
    assert_int_equal(kz_utf8_nfc((kz_sv){dec, 300}, &b, &r), KZ_OK);
    assert_true(kz_sv_eq(r, ((kz_sv){big, 100})));
    /* Not UTF-8: KZ_EINVAL and the input given back. */
    s = KZ_SV("caf\xe9");
    assert_int_equal(kz_utf8_nfc(s, &b, &r), KZ_EINVAL);
    assert_ptr_equal(r.p, s.p);
    kz_buf_free(&b);
    /* A ceiling too low for the work: KZ_ELIMIT. */
    kz_buf_init(&b, 16);
    assert_int_equal(kz_utf8_nfc(KZ_SV("cafe\xcc\x81 cafe\xcc\x81"), &b, &r), KZ_ELIMIT);
    kz_buf_free(&b);
}

/* kz_parse_ipv4 takes exactly what inet_pton(AF_INET) takes, with the same address: every string
 * of up to 8 bytes over an alphabet of digits, dots and one other byte, and longer ones built
 * from octet-like pieces (leading zeros, 256, 1000, empty, four digits). */
static void ipv4_agrees(const char *s, size_t n)
{
    char z[32];
    struct in_addr in;
    uint32_t a = 0;
    bool ours = kz_parse_ipv4(s, n, &a);
    bool theirs;

    memcpy(z, s, n);
    z[n] = '\0';
    theirs = inet_pton(AF_INET, z, &in) == 1;
    if (ours != theirs)
        fail_msg("'%s': kz_parse_ipv4 %d, inet_pton %d", z, ours, theirs);
    if (ours && a != ntohl(in.s_addr))
        fail_msg("'%s': %08x, inet_pton %08x", z, a, ntohl(in.s_addr));
}

static void test_parse_ipv4_is_inet_pton(void **state)
{
    static const char alpha[] = "0125.9a";
    static const char *const piece[] = {"0", "00", "01", "1", "9", "10", "99", "100", "199",
                                        "255", "256", "300", "999", "1000", "", "a", "1a"};
    const size_t np = sizeof piece / sizeof piece[0];
    char s[32];
    size_t took = 0;

    (void)state;
    for (size_t n = 0; n <= 8; n++) {
        size_t total = 1;
        for (size_t i = 0; i < n; i++)
            total *= sizeof alpha - 1;
        for (size_t k = 0; k < total; k++) {
            size_t x = k;
            for (size_t i = 0; i < n; i++, x /= sizeof alpha - 1)
                s[i] = alpha[x % (sizeof alpha - 1)];
            ipv4_agrees(s, n);
        }
    }
    for (size_t a = 0; a < np; a++)
        for (size_t b = 0; b < np; b++)
            for (size_t c = 0; c < np; c++)
                for (size_t d = 0; d < np; d++) {
                    int n = snprintf(s, sizeof s, "%s.%s.%s.%s", piece[a], piece[b], piece[c],
                                     piece[d]);
                    uint32_t addr;
                    ipv4_agrees(s, (size_t)n);
                    took += kz_parse_ipv4(s, (size_t)n, &addr);
                    /* with a trailing or leading extra byte */
                    s[n] = '.';
                    ipv4_agrees(s, (size_t)n + 1);
                    ipv4_agrees(s + 1, (size_t)n);
                }
    assert_int_equal(took, 8 * 8 * 8 * 8); /* the eight valid pieces, in every position */
}

/* ---- the JSON tape ---- */

/* The tape's value v as a jansson value (NULL on a kind it does not know). */
static json_t *tape_to_json(const kz_jtape *t, uint32_t v)
{
    json_t *j = NULL;
    int64_t i;

    switch (kz_jt_kind_of(t, v)) {
        case KZ_JT_OBJECT:
            j = json_object();
            for (uint32_t k = kz_jt_member_first(t, v); k != KZ_JT_NIL;
                 k = kz_jt_member_next(t, v, k)) {
                kz_sv name = kz_jt_str(t, k);
                json_object_setn_new(j, name.p, name.n, tape_to_json(t, k + 1));
            }
            break;
        case KZ_JT_ARRAY:
            j = json_array();
            for (uint32_t e = kz_jt_elem_first(t, v); e != KZ_JT_NIL; e = kz_jt_elem_next(t, v, e))
                json_array_append_new(j, tape_to_json(t, e));
            break;
        case KZ_JT_STRING: {
            kz_sv s = kz_jt_str(t, v);
            j = json_stringn(s.p, s.n);
            break;
        }
        case KZ_JT_INT:
            assert_true(kz_jt_int(t, v, &i));
            j = json_integer(i);
            break;
        case KZ_JT_REAL: {
            double d;
            assert_true(kz_jt_real(t, v, &d));
            j = json_real(d);
            break;
        }
        case KZ_JT_TRUE: j = json_true(); break;
        case KZ_JT_FALSE: j = json_false(); break;
        case KZ_JT_NULL: j = json_null(); break;
        case KZ_JT_NONE: break;
    }
    return j;
}

static void test_jtape_reads_members_arrays_and_scalars(void **state)
{
    static const char doc[] =
        " {\"s\": \"plain\", \"e\": \"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\", \"i\": -42,\n"
        "  \"big\": -9223372036854775808, \"r\": 1.5e3, \"t\": true, \"f\": false, \"z\": null,\n"
        "  \"o\": {\"a\": [1, [], {}, \"x\"]}, \"\": 0, \"k\\u0031\": 1} ";
    kz_jtape *t = kz_jtape_new(16);
    uint32_t o, a, e;
    int64_t i;
    kz_err err;
    (void)state;

    assert_non_null(t);
    assert_int_equal(kz_jtape_parse(t, doc, sizeof doc - 1, 0, &err), KZ_OK);
    assert_int_equal(kz_jt_kind_of(t, 0), KZ_JT_OBJECT);
    assert_int_equal(kz_jt_len(t, 0), 11);
    assert_true(kz_sv_eq_c(kz_jt_str(t, kz_jt_get(t, 0, "s")), "plain"));
    assert_true(kz_sv_eq_c(kz_jt_str(t, kz_jt_get(t, 0, "e")),
                           "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80"));
    assert_true(kz_jt_int(t, kz_jt_get(t, 0, "i"), &i));
    assert_int_equal(i, -42);
    assert_true(kz_jt_int(t, kz_jt_get(t, 0, "big"), &i));
    assert_true(i == INT64_MIN);
    assert_int_equal(kz_jt_kind_of(t, kz_jt_get(t, 0, "r")), KZ_JT_REAL);
    assert_false(kz_jt_int(t, kz_jt_get(t, 0, "r"), &i));
    {
        double d;
        assert_true(kz_jt_real(t, kz_jt_get(t, 0, "r"), &d) && d == 1500.0);
        assert_true(kz_jt_real(t, kz_jt_get(t, 0, "i"), &d) && d == -42.0);
        assert_false(kz_jt_real(t, kz_jt_get(t, 0, "s"), &d));
    }
    assert_true(kz_sv_eq_c(kz_jt_num_text(t, kz_jt_get(t, 0, "r")), "1.5e3"));
    assert_int_equal(kz_jt_kind_of(t, kz_jt_get(t, 0, "t")), KZ_JT_TRUE);
    assert_int_equal(kz_jt_kind_of(t, kz_jt_get(t, 0, "f")), KZ_JT_FALSE);
    assert_int_equal(kz_jt_kind_of(t, kz_jt_get(t, 0, "z")), KZ_JT_NULL);
    assert_int_equal(kz_jt_kind_of(t, kz_jt_get(t, 0, "")), KZ_JT_INT);
    assert_int_equal(kz_jt_kind_of(t, kz_jt_get(t, 0, "k1")), KZ_JT_INT); /* escaped name */
    assert_int_equal(kz_jt_get(t, 0, "absent"), KZ_JT_NIL);
    /* Absent values read as nothing, whatever is asked of them. */
    assert_int_equal(kz_jt_kind_of(t, KZ_JT_NIL), KZ_JT_NONE);
    assert_int_equal(kz_jt_str(t, KZ_JT_NIL).n, 0);
    assert_int_equal(kz_jt_get(t, kz_jt_get(t, 0, "s"), "x"), KZ_JT_NIL);
    assert_int_equal(kz_jt_elem_first(t, 0), KZ_JT_NIL);
    /* Nested: the array's four elements in order, skipping over the containers. */
    o = kz_jt_get(t, 0, "o");
    a = kz_jt_get(t, o, "a");
    assert_int_equal(kz_jt_len(t, a), 4);
    e = kz_jt_elem_first(t, a);
    assert_int_equal(kz_jt_kind_of(t, e), KZ_JT_INT);
    e = kz_jt_elem_next(t, a, e);
    assert_int_equal(kz_jt_kind_of(t, e), KZ_JT_ARRAY);
    assert_int_equal(kz_jt_elem_first(t, e), KZ_JT_NIL);
    e = kz_jt_elem_next(t, a, e);
    assert_int_equal(kz_jt_kind_of(t, e), KZ_JT_OBJECT);
    assert_int_equal(kz_jt_member_first(t, e), KZ_JT_NIL);
    e = kz_jt_elem_next(t, a, e);
    assert_true(kz_sv_eq_c(kz_jt_str(t, e), "x"));
    assert_int_equal(kz_jt_elem_next(t, a, e), KZ_JT_NIL);
    /* The members in order, the last one after "o" (whose value is a container). */
    {
        const char *names[] = {"s", "e", "i", "big", "r", "t", "f", "z", "o", "", "k1"};
        size_t k = 0;
        for (uint32_t m = kz_jt_member_first(t, 0); m != KZ_JT_NIL; m = kz_jt_member_next(t, 0, m))
            assert_true(kz_sv_eq_c(kz_jt_str(t, m), names[k++]));
        assert_int_equal(k, 11);
    }
    /* The tape is reused: a top-level scalar with KZ_JT_ANY, refused without. */
    assert_int_equal(kz_jtape_parse(t, "\"x\"", 3, KZ_JT_ANY, &err), KZ_OK);
    assert_true(kz_sv_eq_c(kz_jt_str(t, 0), "x"));
    assert_int_equal(kz_jtape_parse(t, "\"x\"", 3, 0, &err), KZ_EINVAL);
    assert_string_equal(err.msg, "column 1: expected '{' or '['");
    kz_jtape_free(t);
    kz_jtape_free(NULL);
}

static void test_jtape_rejects_with_line_column_and_what(void **state)
{
    static const struct {
        const char *doc, *msg;
    } bad[] = {
        {"{\n  \"a\": 01}", "line 2, column 9: a number with a leading zero"},
        {"[1.]", "column 4: expected a digit after '.' in a number"},
        {"[1e+]", "column 5: expected a digit in a number's exponent"},
        {"[-]", "column 3: expected a digit in a number"},
        {"[9223372036854775808]", "column 2: an integer too large for 64 bits"},
        {"[-9223372036854775809]", "column 2: an integer too large for 64 bits"},
        {"[1e309]", "column 2: a real number too large for a double"},
        {"[tru]", "column 2: expected a value (true, false or null?)"},
        {"[nul", "column 2: expected a value (true, false or null?)"},
        {"{\"a\" 1}", "column 6: expected ':' after a member name"},
        {"{\"a\":1,}", "column 8: expected a member name (a string)"},
        {"{1:2}", "column 2: expected a member name (a string)"},
        {"[1,]", "column 4: expected a value"},
        {"[1 2]", "column 4: expected ',' or ']' in an array"},
        {"{\"a\":1 \"b\":2}", "column 8: expected ',' or '}' in an object"},
        {"{} x", "column 4: expected the end of the document"},
        {"[\"abc", "column 6: expected '\"' to end a string, found the end of the document"},
        {"[", "column 2: expected a value, found the end of the document"},
        {"", "column 1: expected '{' or '[', found the end of the document"},
        {"[\"a\tb\"]", "column 4: a control character in a string (expected it escaped)"},
        {"[\"\\x\"]", "column 3: an unknown escape in a string"},
        {"[\"\\u12\"]", "column 3: expected four hex digits after \\u"},
        {"[\"\\u0000\"]", "column 3: \\u0000 in a string (not allowed)"},
        {"[\"\\udc00\"]", "column 3: a low surrogate \\u escape without a high one"},
        {"[\"\\ud800x\"]", "column 3: a high surrogate \\u escape without a low one"},
        {"[\"\\ud800\\u0041\"]", "column 3: a high surrogate \\u escape without a low one"},
        {"[\"\xc0\xaf\"]", "column 3: invalid UTF-8 in a string"},
        {"[\"\xed\xa0\x80\"]", "column 3: invalid UTF-8 in a string"},
        {"[\"\xf4\x90\x80\x80\"]", "column 3: invalid UTF-8 in a string"},
        {"[\"\xe3\x81\"]", "column 3: invalid UTF-8 in a string"},
        {"[\"0123456789abcdef\xff\"]", "column 19: invalid UTF-8 in a string"},
        {"[\"x\\n\xff\"]", "column 6: invalid UTF-8 in a string"},
        {"\xef\xbb\xbf{}", "column 1: expected '{' or '['"},
    };
    kz_jtape *t = kz_jtape_new(8);
    kz_err err;
    (void)state;

    assert_non_null(t);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kz_rc rc = kz_jtape_parse(t, bad[i].doc, strlen(bad[i].doc), 0, &err);
        json_error_t je;
        json_t *j = json_loads(bad[i].doc, 0, &je);
        if (rc != KZ_EINVAL || strcmp(err.msg, bad[i].msg) != 0)
            fail_msg("%s: got %d \"%s\", expected \"%s\"", bad[i].doc, rc, err.msg, bad[i].msg);
        if (j != NULL) /* jansson refuses each of them too */
            fail_msg("jansson accepts %s", bad[i].doc);
        assert_int_equal(kz_jt_kind_of(t, 0), KZ_JT_NONE); /* no document after an error */
    }
    kz_jtape_free(t);
}

static void test_jtape_duplicate_names_last_wins_or_are_refused(void **state)
{
    static const char few[] = "{\"a\":1,\"b\":{\"c\":1,\"c\":2},\"a\":3}";
    /* Twenty names, so the sorted check: k1 three times, once escaped. */
    static const char many[] = "{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,"
                               "\"k1\":8,\"k8\":9,\"k9\":9,\"k10\":9,\"k11\":9,\"k12\":9,"
                               "\"k13\":9,\"k14\":9,\"k15\":9,\"k16\":9,\"k17\":9,\"k18\":9,"
                               "\"k\\u0031\":10}";
    kz_jtape *t = kz_jtape_new(8);
    uint32_t m;
    int64_t i;
    size_t n = 0;
    kz_err err;
    (void)state;

    assert_non_null(t);
    assert_int_equal(kz_jtape_parse(t, few, sizeof few - 1, 0, &err), KZ_OK);
    assert_int_equal(kz_jt_len(t, 0), 2);
    assert_true(kz_jt_int(t, kz_jt_get(t, 0, "a"), &i));
    assert_int_equal(i, 3);
    assert_true(kz_jt_int(t, kz_jt_get(t, kz_jt_get(t, 0, "b"), "c"), &i));
    assert_int_equal(i, 2);
    assert_int_equal(kz_jt_len(t, kz_jt_get(t, 0, "b")), 1);
    /* Each name is seen once, at its last place: b, then a. */
    m = kz_jt_member_first(t, 0);
    assert_true(kz_sv_eq_c(kz_jt_str(t, m), "b"));
    m = kz_jt_member_next(t, 0, m);
    assert_true(kz_sv_eq_c(kz_jt_str(t, m), "a"));
    assert_int_equal(kz_jt_member_next(t, 0, m), KZ_JT_NIL);
    { /* kz_jt_pick: the last "a", an absent name, and nothing from a value that is no object */
        static const kz_jt_name names[] = {KZ_JT_NAME("a"), KZ_JT_NAME("zz"), KZ_JT_NAME("b")};
        uint32_t v[3];
        kz_jt_pick(t, 0, names, 3, v);
        assert_true(kz_jt_int(t, v[0], &i));
        assert_int_equal(i, 3);
        assert_int_equal(v[1], KZ_JT_NIL);
        assert_int_equal(kz_jt_kind_of(t, v[2]), KZ_JT_OBJECT);
        kz_jt_pick(t, v[0], names, 3, v);
        assert_int_equal(v[0], KZ_JT_NIL);
        assert_int_equal(v[2], KZ_JT_NIL);
    }
    assert_int_equal(kz_jtape_parse(t, few, sizeof few - 1, KZ_JT_REJECT_DUPLICATES, &err),
                     KZ_EINVAL);
    assert_string_equal(err.msg, "column 12: an object with the member name \"c\" twice");

    assert_int_equal(kz_jtape_parse(t, many, sizeof many - 1, 0, &err), KZ_OK);
    assert_int_equal(kz_jt_len(t, 0), 18);
    assert_true(kz_jt_int(t, kz_jt_get(t, 0, "k1"), &i));
    assert_int_equal(i, 10);
    for (m = kz_jt_member_first(t, 0); m != KZ_JT_NIL; m = kz_jt_member_next(t, 0, m))
        n++;
    assert_int_equal(n, 18);
    assert_int_equal(kz_jtape_parse(t, many, sizeof many - 1, KZ_JT_REJECT_DUPLICATES, &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "column 1: an object with the member name \"k1\" twice"));
    kz_jtape_free(t);
}

static void test_jtape_depth_limit(void **state)
{
    char doc[64];
    kz_jtape *t = kz_jtape_new(4);
    kz_err err;
    (void)state;

    assert_non_null(t);
    strcpy(doc, "[[[[1]]]]");
    assert_int_equal(kz_jtape_parse(t, doc, strlen(doc), 0, &err), KZ_OK);
    strcpy(doc, "[[[[[1]]]]]");
    assert_int_equal(kz_jtape_parse(t, doc, strlen(doc), 0, &err), KZ_ELIMIT);
    assert_string_equal(err.msg, "column 5: JSON nested deeper than the limit of 4");
    strcpy(doc, "[{\"a\":[{\"b\":1}]}]");
    assert_int_equal(kz_jtape_parse(t, doc, strlen(doc), 0, &err), KZ_OK);
    kz_jtape_free(t);
}

/* A huge document, then small ones: the tape gives back what the huge one grew and goes on. */
static void test_jtape_huge_then_small(void **state)
{
    size_t n = 600000;
    char *doc = malloc(2 * n + 16);
    kz_jtape *t = kz_jtape_new(8);
    kz_err err;
    (void)state;

    assert_non_null(doc);
    assert_non_null(t);
    doc[0] = '['; /* [0,0,...,0]: a value every two bytes */
    for (size_t i = 0; i < n; i++) {
        doc[1 + 2 * i] = '0';
        doc[2 + 2 * i] = i + 1 < n ? ',' : ']';
    }
    assert_int_equal(kz_jtape_parse(t, doc, 2 * n + 1, 0, &err), KZ_OK);
    assert_int_equal(kz_jt_len(t, 0), n);
    assert_int_equal(kz_jtape_parse(t, "{\"a\":\"\\u00e9\"}", 14, 0, &err), KZ_OK);
    assert_true(kz_sv_eq_c(kz_jt_str(t, kz_jt_get(t, 0, "a")), "\xc3\xa9"));
    kz_jtape_free(t);
    free(doc);
}

/* Every JSON document of the public data (ATT&CK, CSAF, CVE records, KEV) reads as jansson
 * reads it, value for value. */
static void jtape_same_as_jansson(const char *path, void *arg)
{
    kz_jtape *t = arg;
    json_error_t je;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *mine;
    size_t n = 0;
    char *doc = kz_test_slurp(path, &n);
    kz_err err;

    assert_non_null(doc);
    if (j == NULL) {
        assert_int_not_equal(kz_jtape_parse(t, doc, n, KZ_JT_REJECT_DUPLICATES, &err),
                             KZ_OK);
    } else {
        if (kz_jtape_parse(t, doc, n, KZ_JT_REJECT_DUPLICATES, &err) != KZ_OK)
            fail_msg("%s: %s", path, err.msg);
        mine = tape_to_json(t, 0);
        if (!json_equal(mine, j))
            fail_msg("%s: the tape reads it differently", path);
        json_decref(mine);
    }
    json_decref(j);
    free(doc);
}

static void test_jtape_reads_the_public_data_as_jansson_does(void **state)
{
    const char *data = getenv("KZ_SHARED_DATA");
    static const char *dirs[] = {"attack", "csaf-ics", "cve5", "kev"};
    char dir[4096];
    kz_jtape *t = kz_jtape_new(2048);
    int files = 0;
    (void)state;

    if (data == NULL || access(data, R_OK) != 0) {
        kz_jtape_free(t);
        skip(); /* ../shared/data is absent: nothing public to read */
    }
    assert_non_null(t);
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(dir, sizeof dir, "%s/%s", data, dirs[i]);
        files += kz_test_walk_json(dir, jtape_same_as_jansson, t);
    }
    print_message("the JSON tape read %d public JSON documents as jansson does\n", files);
    assert_true(files > 0);
    kz_jtape_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_accepts_rfc3339_utc_forms),
        cmocka_unit_test(test_time_rejects_what_rfc3339_utc_forbids),
        cmocka_unit_test(test_time_format_and_compare),
        cmocka_unit_test(test_uuid_check_and_generate),
        cmocka_unit_test(test_uuid5_matches_the_known_value),
        cmocka_unit_test(test_parse_i64_checks_range_and_digits),
        cmocka_unit_test(test_buf_stops_at_its_ceiling_and_keeps_content),
        cmocka_unit_test(test_err_prefix_and_fail),
        cmocka_unit_test(test_grow_doubles_and_keeps_content),
        cmocka_unit_test(test_heap_prepare_then_allocate),
        cmocka_unit_test(test_utf8_valid_rejects_overlong_surrogates_and_past_max),
        cmocka_unit_test(test_utf8_nfc_composes_and_leaves_normal_text_alone),
        cmocka_unit_test(test_parse_ipv4_is_inet_pton),
        cmocka_unit_test(test_jtape_reads_members_arrays_and_scalars),
        cmocka_unit_test(test_jtape_rejects_with_line_column_and_what),
        cmocka_unit_test(test_jtape_duplicate_names_last_wins_or_are_refused),
        cmocka_unit_test(test_jtape_depth_limit),
        cmocka_unit_test(test_jtape_huge_then_small),
        cmocka_unit_test(test_jtape_reads_the_public_data_as_jansson_does),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
