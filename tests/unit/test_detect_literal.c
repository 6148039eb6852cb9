/*
 * test_detect_literal.c - the required literals of LIKE patterns and MATCHES expressions
 * (src/detect/index_lit.c): what is chosen, where the reader gives up, and the property the index
 * relies on: every subject PCRE2 finds a match in contains the literal (checked over a grid of
 * expressions and subjects, including the awkward ones: quantifiers allowing zero, lazy and
 * possessive forms, multi-byte characters, escapes, groups and classes holding metacharacters);
 * and the gram filter asked before the literal database, which must never say no to a value
 * holding a literal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A deterministic byte source (xorshift64). */
static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Random bytes, any value (NUL and bytes >= 0x80 included), or from a small alphabet so that
 * grams repeat. */
static void fill(uint64_t *x, char *p, size_t n, bool small)
{
    for (size_t i = 0; i < n; i++)
        p[i] = small ? "ab./-1"[rnd(x) % 6] : (char)(rnd(x) & 0xff);
}

/* The gram filter never says no to a value holding one of its literals: the literal anywhere
 * (at the start, at the very end, the whole value, at every offset modulo the step), for every
 * shortest literal length (so every gram length and step) and longer literals beside it; and it
 * says no to most values holding none, and to every value shorter than its gram. */
static void test_gram_filter(void **state)
{
    static char lits[64][40];
    char v[96];
    uint64_t x = 0x2545F4914F6CDD1Dull;
    size_t yes = 0, tried = 0;

    (void)state;
    for (size_t shortest = KZ_IX_LIT_MIN; shortest <= 30; shortest++) {
        size_t len[64];
        kz_ix_qf *f = kz_ix_qf_new(shortest, 64);
        assert_non_null(f);
        assert_int_equal(f->q, shortest < 8 ? shortest : 8);
        assert_true(f->step >= 1 && f->step <= 16 && f->q + f->step - 1 <= shortest);
        for (size_t k = 0; k < 64; k++) {
            len[k] = shortest + k % 8;
            fill(&x, lits[k], len[k], k % 2 == 0);
            kz_ix_qf_add(f, lits[k], len[k]);
        }
        for (size_t k = 0; k < 64; k++)
            for (size_t pre = 0; pre <= 20; pre += k % 2 ? 1 : 7)
                for (size_t post = 0; post <= 12; post += 3) {
                    size_t n = pre + len[k] + post;
                    fill(&x, v, pre, k % 3 == 0);
                    memcpy(v + pre, lits[k], len[k]);
                    fill(&x, v + pre + len[k], post, k % 3 == 1);
                    if (!kz_ix_qf_may(f, v, n))
                        fail_msg("shortest %zu (q %zu, step %zu): literal %zu (%zu bytes) at %zu "
                                 "of %zu bytes not seen",
                                 shortest, f->q, f->step, k, len[k], pre, n);
                }
        for (size_t n = 0; n < f->q; n++)
            assert_false(kz_ix_qf_may(f, lits[0], n));
        free(f);
    }
    /* 1,000 literals of 20 bytes (q 8, step 13), 1,000 values of 50 random bytes: a few per
     * cent may pass. */
    {
        kz_ix_qf *f = kz_ix_qf_new(20, 1000);
        assert_non_null(f);
        for (size_t k = 0; k < 1000; k++) {
            fill(&x, v, 20, false);
            kz_ix_qf_add(f, v, 20);
        }
        for (size_t t = 0; t < 1000; t++, tried++) {
            fill(&x, v, 50, false);
            yes += kz_ix_qf_may(f, v, 50);
        }
        free(f);
    }
    assert_true(yes * 20 < tried);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_like_literal_is_the_longest_piece),
        cmocka_unit_test(test_regex_literal_reads_the_top_level_sequence),
        cmocka_unit_test(test_regex_literal_is_in_every_match),
        cmocka_unit_test(test_gram_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
