/*
 * test_detect_literal.c - the required literals of LIKE patterns and MATCHES expressions
 * (src/detect/index_lit.c): what is chosen, where the reader gives up, and the property the index
 * relies on: every subject PCRE2 finds a match in contains the literal (checked over a grid of
 * expressions and subjects, including the awkward ones: quantifiers allowing zero, lazy and
 * possessive forms, multi-byte characters, escapes, groups and classes holding metacharacters).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/detect/index_int.h"

/* The literal chosen for expr, or NULL when there is none ("" is never chosen). */
static const char *rx_lit(const char *expr)
{
    static char buf[512];
    size_t n;

    assert_true(strlen(expr) < sizeof buf);
    if (!kz_ix_regex_literal(kz_sv_c(expr), buf, &n))
        return NULL;
    buf[n] = '\0';
    return buf;
}

static const char *like_lit(const char *like)
{
    static char buf[512];
    kz_sv l;

    if (!kz_ix_like_literal(kz_sv_c(like), &l))
        return NULL;
    memcpy(buf, l.p, l.n);
    buf[l.n] = '\0';
    return buf;
}

static void test_like_literal_is_the_longest_piece(void **state)
{
    (void)state;
    assert_string_equal(like_lit("http://%.badsite0x%.example/%"), ".badsite0x");
    assert_string_equal(like_lit("%.evil.example"), ".evil.example");
    assert_string_equal(like_lit("a_bcdef%gh"), "bcdef");
    /* A piece every URL has is taken only when there is nothing else. */
    assert_string_equal(like_lit("http://%/a%"), "http://");
    assert_string_equal(like_lit("http://%/abc%"), "/abc");
    assert_null(like_lit("%"));
    assert_null(like_lit("a%b_c"));
    assert_null(like_lit(""));
}

static void test_regex_literal_reads_the_top_level_sequence(void **state)
{
    (void)state;
    assert_string_equal(rx_lit("^https?://[a-z0-9]+\\.c2-[0-9]+\\.z0\\.example/"), ".z0.example/");
    assert_string_equal(rx_lit("/gate0\\.php\\?id=[0-9a-f]{8}$"), "/gate0.php?id=");
    assert_string_equal(rx_lit("evil"), "evil");
    /* Quantifiers: '?', '*', {0,n} drop their atom; '+', {n} end the run after it. */
    assert_string_equal(rx_lit("abcx?defg"), "defg");
    assert_string_equal(rx_lit("abcdx*ef"), "abcd");
    assert_string_equal(rx_lit("abcdx{0,3}ef"), "abcd");
    assert_string_equal(rx_lit("abcx+yz"), "abcx");
    assert_string_equal(rx_lit("abx{2}yzwv"), "yzwv");
    assert_string_equal(rx_lit("abcx{2}yz"), "abcx");
    assert_string_equal(rx_lit("abcd*?e"), "abc");
    assert_string_equal(rx_lit("abcd++e"), "abcd");
    /* A multi-byte character is one atom: its quantifier takes all of it. */
    assert_string_equal(rx_lit("ab\xc3\xa9?cdz"), "cdz");
    assert_string_equal(rx_lit("\xe3\x81\x8c\xe3\x81\x8c"), "\xe3\x81\x8c\xe3\x81\x8c");
    /* Groups, classes and non-literal escapes end a run; their insides are not read. */
    assert_string_equal(rx_lit("abc(x|y)defg"), "defg");
    assert_string_equal(rx_lit("abc[|)]defg"), "defg");
    assert_string_equal(rx_lit("abc\\ddefg"), "defg");
    assert_string_equal(rx_lit("abc\\.def"), "abc.def");
    assert_string_equal(rx_lit("(?:a|b)long_enough"), "long_enough");
    assert_string_equal(rx_lit("[]abc]xyz"), "xyz");
    /* Nothing long enough, or not sure: no literal (the full expression database decides). */
    assert_null(rx_lit("ab"));
    assert_null(rx_lit("abc|def"));  /* alternation at the top */
    assert_null(rx_lit("(?i)evil")); /* case-insensitive from here on */
    assert_null(rx_lit("(?x)e v i l"));
    assert_null(rx_lit("\\Qabc\\E"));
    assert_null(rx_lit("(*UTF)abc"));
    assert_null(rx_lit("abc{x}")); /* a brace PCRE2 reads as a literal */
    assert_null(rx_lit("\\x{41}bc"));
    assert_null(rx_lit("\\x41bcd"));      /* \x reads the digits after it */
    assert_null(rx_lit("ab\\12cdef"));    /* a back reference reads its digits */
    assert_null(rx_lit("\\|9h9\\c\\|x")); /* \c takes the backslash: the '|' alternates */
    assert_null(rx_lit("abc)"));
    assert_null(rx_lit("(abc"));
    assert_null(rx_lit("[abc"));
    assert_null(rx_lit("*abc"));
    assert_null(rx_lit("abc\\"));
}

/* Expressions and subjects for the property: if PCRE2 finds a match, the literal is there. */
static const char *const exprs[] = {
    "abc",
    "abcx?defg",
    "abcdx*ef",
    "abcx+yz",
    "abx{2}yzw",
    "ab(cd)?efg",
    "ab[cd]?efgh",
    "a.c.efgh",
    "^abc$",
    "abc\\d+xyz",
    "ab\\.cd",
    "(?:ab|cd)efgh",
    "ab(?=cdef)cdef",
    "x(?!abc)abcd",
    "abc\\b",
    "abcd*?e",
    "abc{1,2}def",
    "abc{0}def",
    "ab\xc3\xa9?cdz",
    "[a-z]+\\.evil\\.example",
    "a\\?bcd",
    "ab\\/cd",
    "(a)(b)\\1abcd",
    "ab\\s*cd\\S+efg",
    "a]bc}def",
    "abc(?#note)def",
    "ab(?<n>x)cdef",
    "ab(?P<n>x)cdef",
    "ab(?>x+)cdef",
    "abcd|",
    "\\x41bcd",
    "a\\tbcd\\Kefg",
};
static const char *const subjects[] = {
    "abc",
    "abcdefg",
    "abcxdefg",
    "abdefg",
    "abcdef",
    "abcdddef",
    "abcxyz",
    "abcxxxyz",
    "abxxyzw",
    "abyzw",
    "abcdefg",
    "abefg",
    "abcefgh",
    "abxefgh",
    "abcdefgh",
    "a.c.efgh",
    "axcyefgh",
    "abc",
    "abc123xyz",
    "ab.cd",
    "abxcd",
    "abefgh",
    "cdefgh",
    "abcdef",
    "xabcd",
    "abcde",
    "abcccdef",
    "abdef",
    "ab\xc3\xa9"
    "cdz",
    "abcdz",
    "x.evil.example",
    "a?bcd",
    "ab/cd",
    "ababcd",
    "ab  cdxefg",
    "a]bc}def",
    "abcdef",
    "abxcdef",
    "abxxcdef",
    "e",
    "",
    "Abcd",
    "a\tbcdefg",
};

static void test_regex_literal_is_in_every_match(void **state)
{
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    size_t checked = 0, matched = 0;

    (void)state;
    assert_non_null(md);
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        const char *lit = rx_lit(exprs[i]);
        char litc[512];
        int code;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)exprs[i], PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
        assert_non_null(re);
        if (lit == NULL) {
            pcre2_code_free(re);
            continue;
        }
        snprintf(litc, sizeof litc, "%s", lit);
        checked++;
        for (size_t j = 0; j < sizeof subjects / sizeof subjects[0]; j++) {
            if (pcre2_match(re, (PCRE2_SPTR)subjects[j], strlen(subjects[j]), 0, 0, md, NULL) < 0)
                continue;
            matched++;
            if (strstr(subjects[j], litc) == NULL)
                fail_msg("'%s' matches '%s', which lacks the literal '%s'", exprs[i], subjects[j],
                         litc);
        }
        pcre2_code_free(re);
    }
    /* The grid must exercise the property, not pass vacuously. */
    assert_true(checked >= 20);
    assert_true(matched >= 25);
    pcre2_match_data_free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_like_literal_is_the_longest_piece),
        cmocka_unit_test(test_regex_literal_reads_the_top_level_sequence),
        cmocka_unit_test(test_regex_literal_is_in_every_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
