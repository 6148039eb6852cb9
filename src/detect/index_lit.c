/*
 * index_lit.c - required literals of LIKE patterns and MATCHES expressions (index_int.h).
 *
 * A required literal is a byte string that every value the comparison accepts contains. The
 * index looks for the literals of all a group's LIKE and MATCHES atoms in one Vectorscan literal
 * database (one pass over the value, a few nanoseconds a byte), and runs the comparison itself
 * only on the atoms whose literal is there. Scanning a value against a thousand full expressions
 * costs Vectorscan a few hundred nanoseconds whatever the value; most values contain none of the
 * literals.
 *
 * LIKE: the longest run of characters between wildcards ('%', '_'); LIKE has no escape
 * character, so every other byte stands for itself.
 *
 * MATCHES: the expression is read as a sequence of atoms at its top level, and the longest run of
 * adjacent literal atoms each of which must occur once is kept. The reading is deliberately
 * conservative: anything it does not fully understand ends a run (character classes, groups,
 * escapes other than an escaped punctuation character, '.', anchors) or makes it give up (a '|'
 * outside groups, inline options such as "(?i)" that change how the rest matches, "\Q", verbs,
 * a '{' that does not open a quantifier, unbalanced brackets). A quantifier that allows zero
 * ('?', '*', "{0,n}") takes its atom out of the run; one that repeats it ('+', "{n,m}") ends the
 * run after it. A giving-up or a literal shorter than KZ_IX_LIT_MIN leaves the atom to the full
 * expression database, as before.
 *
 * Before the literal database, a gram filter (kz_ix_qf, at the end of this file) turns away
 * nearly every value that holds none of the literals, at a few instructions a byte.
 */
#include <stdlib.h>
#include <string.h>

#include "index_int.h"

/* Pieces of URLs so common that a literal made only of one finds nearly every value. */
static bool too_common(const char *p, size_t n)
{
    static const char *const common[] = {"http://", "https://", "ftp://", "http",  "https",
                                         "://",     "www.",     ".com",   ".com/", "/index.",
                                         ".html",   ".php",     ".htm",   ".exe"};

    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        if (strlen(common[i]) == n && memcmp(common[i], p, n) == 0)
            return true;
    return false;
}

/* Keeps p[0, n) as the best literal so far when it is better: longer, not too common. */
static void consider(const char *p, size_t n, const char **best, size_t *bestn, bool *bestc)
{
    bool c;

    if (n < KZ_IX_LIT_MIN)
        return;
    c = too_common(p, n);
    if (*best == NULL || (*bestc && !c) || (*bestc == c && n > *bestn)) {
        *best = p;
        *bestn = n;
        *bestc = c;
    }
}

bool kz_ix_like_literal(kz_sv like, kz_sv *lit)
{
    const char *best = NULL;
    size_t bestn = 0, run = 0;
    bool bestc = false;

    for (size_t i = 0; i <= like.n; i++) {
        if (i == like.n || like.p[i] == '%' || like.p[i] == '_') {
            consider(like.p + i - run, run, &best, &bestn, &bestc);
            run = 0;
        } else {
            run++;
        }
    }
    if (best == NULL)
        return false;
    *lit = (kz_sv){best, bestn};
    return true;
}

/* Skips a character class starting at re[i] == '['; returns the index after its ']' or 0. */
static size_t skip_class(const char *re, size_t n, size_t i)
{
    i++;
    if (i < n && re[i] == '^')
        i++;
    if (i < n && re[i] == ']') /* a leading ']' is literal */
        i++;
    while (i < n) {
        if (re[i] == '\\') {
            if (i + 1 < n && (re[i + 1] == 'Q' || re[i + 1] == 'c'))
                return 0; /* \c takes the next character, which may be ']' */
            i += 2;
        } else if (re[i] == '[' && i + 1 < n && re[i + 1] == ':') {
            const char *end = memchr(re + i + 2, ']', n - i - 2);
            if (end == NULL)
                return 0;
            i = (size_t)(end - re) + 1; /* [:alpha:] */
        } else if (re[i] == ']') {
            return i + 1;
        } else {
            i++;
        }
    }
    return 0;
}

/* Skips a group starting at re[i] == '('; returns the index after its ')' or 0. Gives up (0)
 * on inline options that outlive the group they are in and on verbs. */
static size_t skip_group(const char *re, size_t n, size_t i)
{
    int depth = 0;

    if (i + 1 < n && re[i + 1] == '*')
        return 0; /* (*VERB) */
    while (i < n) {
        char c = re[i];
        if (c == '\\') {
            if (i + 1 < n && (re[i + 1] == 'Q' || re[i + 1] == 'c'))
                return 0;
            i += 2;
            continue;
        }
        if (c == '[') {
            if ((i = skip_class(re, n, i)) == 0)
                return 0;
            continue;
        }
        if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            return i + 1;
        }
        i++;
    }
    return 0;
}

/* A quantifier at re[i]: its length (0 if none) and whether it allows zero repetitions. Gives up
 * (*bad) on a '{' that is not a quantifier, which PCRE2 would read as a literal brace. */
static size_t quantifier(const char *re, size_t n, size_t i, bool *zero, bool *bad)
{
    size_t j;
    unsigned long lo = 0;

    *zero = false;
    if (i >= n)
        return 0;
    if (re[i] == '*' || re[i] == '?') {
        *zero = true;
        j = i + 1;
    } else if (re[i] == '+') {
        j = i + 1;
    } else if (re[i] == '{') {
        j = i + 1;
        if (j >= n || re[j] < '0' || re[j] > '9') {
            *bad = true;
            return 0;
        }
        while (j < n && re[j] >= '0' && re[j] <= '9') {
            if (lo < 100000)
                lo = lo * 10 + (unsigned long)(re[j] - '0');
            j++;
        }
        if (j < n && re[j] == ',')
            for (j++; j < n && re[j] >= '0' && re[j] <= '9'; j++)
                ;
        if (j >= n || re[j] != '}') {
            *bad = true;
            return 0;
        }
        j++;
        *zero = lo == 0;
    } else {
        return 0;
    }
    if (j < n && (re[j] == '?' || re[j] == '+')) /* lazy or possessive */
        j++;
    return j - i;
}

bool kz_ix_regex_literal(kz_sv expr, char *buf, size_t *nlit)
{
    const char *re = expr.p;
    size_t n = expr.n, i = 0, run = 0, bestn = 0;
    const char *best = NULL;
    bool bestc = false, bad = false;
    char *out = buf; /* runs are written one after another into buf */
    size_t runat = 0;

    while (i < n && !bad) {
        char c = re[i];
        size_t alen = 0; /* bytes the atom adds to the run (0: the atom is not a literal) */
        size_t next, q;
        bool zero, literal = false;
        char one[4];

        if (c == '|' || c == ')')
            return false;
        if (c == '(') {
            if (i + 2 < n && re[i + 1] == '?' && re[i + 2] != ':' && re[i + 2] != '=' &&
                re[i + 2] != '!' && re[i + 2] != '<' && re[i + 2] != '>' && re[i + 2] != 'P' &&
                re[i + 2] != '#')
                return false; /* (?i) and other options */
            if ((next = skip_group(re, n, i)) == 0)
                return false;
        } else if (c == '[') {
            if ((next = skip_class(re, n, i)) == 0)
                return false;
        } else if (c == '\\') {
            unsigned char e;
            if (i + 1 >= n)
                return false;
            e = (unsigned char)re[i + 1];
            if (e >= 0x80)
                return false;
            if ((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
                /* Escapes of one letter that read nothing after it (\d, \b, \n, ...) end a
                 * run; the others (\1 and \12, \x41, \cX, \pL, \g1, \k<n>, \o{..}) may read
                 * more characters than the reader would know: give up. */
                if (strchr("dDwWsSbBAzZGhHvVRXKNntrfeaE", e) == NULL ||
                    (i + 2 < n && (re[i + 2] == '{' || re[i + 2] == '<')))
                    return false;
                next = i + 2;
            } else {
                one[0] = (char)e;
                alen = 1;
                literal = true;
                next = i + 2;
            }
        } else if (c == '.' || c == '^' || c == '$') {
            next = i + 1;
        } else if (c == '*' || c == '+' || c == '?' || c == '{') {
            return false; /* a quantifier with nothing before it */
        } else {
            alen = kz_utf8_char_len((unsigned char)c);
            if (i + alen > n)
                return false;
            memcpy(one, re + i, alen);
            literal = true;
            next = i + alen;
        }
        q = quantifier(re, n, next, &zero, &bad);
        if (bad)
            return false;
        if (literal && !zero) {
            memcpy(out + runat + run, one, alen);
            run += alen;
        }
        if (!literal || q > 0) { /* the run ends here */
            consider(out + runat, run, &best, &bestn, &bestc);
            runat += run;
            run = 0;
        }
        i = next + q;
    }
    consider(out + runat, run, &best, &bestn, &bestc);
    if (best == NULL)
        return false;
    memmove(buf, best, bestn);
    *nlit = bestn;
    return true;
}

/* ---- the gram filter (index_int.h) ---- */

#define QF_STEP_MAX 16
#define QF_BITS_MIN 17 /* 16 KiB */
#define QF_BITS_MAX 21 /* 256 KiB */

/* The two bits of gram g, from one product: its top lg bits, and the lg bits that end 21 bits
 * below the top (lg <= 21, so the two never share a bit of the product). */
static inline void qf_bits(const kz_ix_qf *f, uint64_t g, uint64_t *a, uint64_t *b)
{
    uint64_t h = g * 0x9E3779B97F4A7C15ull;

    *a = h >> f->shift;
    *b = (h >> (f->shift - 21)) & f->mask;
}

/* Whether both bits of gram g are set. */
static inline bool qf_has(const kz_ix_qf *f, uint64_t g)
{
    uint64_t a, b;

    qf_bits(f, g, &a, &b);
    return (f->bit[a >> 6] >> (a & 63) & 1) && (f->bit[b >> 6] >> (b & 63) & 1);
}

/* The q bytes at p as a number: copied into the low-addressed bytes of a zeroed word. */
static inline uint64_t qf_gram(const char *p, size_t q)
{
    uint64_t g = 0;

    memcpy(&g, p, q);
    return g;
}

kz_ix_qf *kz_ix_qf_new(size_t shortest, size_t nlit)
{
    size_t q = shortest < 8 ? shortest : 8, step = shortest - q + 1, grams;
    unsigned lg = QF_BITS_MIN;
    kz_ix_qf *f;

    if (step > QF_STEP_MAX)
        step = QF_STEP_MAX;
    grams = nlit * step;
    while (lg < QF_BITS_MAX && ((size_t)1 << lg) < grams * 64)
        lg++;
    if ((f = calloc(1, sizeof *f + ((size_t)1 << lg) / 8)) == NULL)
        return NULL;
    f->q = q;
    f->step = step;
    f->shift = 64 - lg;
    f->mask = ((uint64_t)1 << lg) - 1;
    return f;
}

void kz_ix_qf_add(kz_ix_qf *f, const char *lit, size_t n)
{
    for (size_t k = 0; k < f->step; k++) {
        size_t off = n - f->q - k; /* its last step grams: a tail is rarer than a head */
        uint64_t a, b;
        qf_bits(f, qf_gram(lit + off, f->q), &a, &b);
        f->bit[a >> 6] |= 1ull << (a & 63);
        f->bit[b >> 6] |= 1ull << (b & 63);
    }
}

bool kz_ix_qf_may(const kz_ix_qf *f, const char *v, size_t n)
{
    size_t q = f->q, step = f->step, i = 0;

    if (n < q)
        return false;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes loaded at once and cut to q: the same number as qf_gram's on this byte order */
    uint64_t keep = q == 8 ? ~0ull : (1ull << (8 * q)) - 1;
    for (; i + 8 <= n; i += step) {
        uint64_t g;
        memcpy(&g, v + i, 8);
        if (qf_has(f, g & keep))
            return true;
    }
#endif
    for (; i + q <= n; i += step)
        if (qf_has(f, qf_gram(v + i, q)))
            return true;
    return false;
}
