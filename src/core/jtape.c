/*
 * jtape.c - a JSON document read into a tape (kizuna/core.h): one pass over the bytes, each
 * value a 16-byte entry of one array, containers knowing the entry after their end so that a
 * reader skips a whole member in one step. Used where documents come by the million (EVE and
 * Zeek JSON log lines, indicators) and jansson's tree of allocated nodes cost most of the time.
 *
 * What it accepts is jansson's json_loadb, decision for decision (fuzz/fuzz_jtape.c compares
 * the two on every input): RFC 8259 numbers without leading zeros, integers that fit a long long
 * and reals that do not overflow a double (strtod decides both, as in jansson), strings of valid
 * UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) with no control byte and no
 * \u0000, \u escapes with surrogates only in pairs, nothing after the value but white space, an
 * object or an array at the top unless KZ_JT_ANY. The one difference: jansson lets a NUL byte
 * right after a number or a literal pass ("[1\0]"; its stream takes the NUL it was given back
 * for "no byte held"); here a NUL outside a string is an error wherever it is.
 *
 * Strings without a backslash are views of the input; the others are unescaped into the tape's
 * buffer (tokens keep offsets, so the buffer may move while it grows). The fast path looks at 16
 * bytes at a time for the quote, a backslash, a control byte or a byte >= 0x80 (then checked
 * as a UTF-8 sequence). Duplicate member names are found when their object closes: up to 16
 * names are compared pairwise, more are sorted (never hashed, so hostile names cannot make it
 * slow).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kizuna/core.h"

enum { T_ESC = 1, T_SHADOW = 2 }; /* a string unescaped into buf; a name given again later */

typedef struct {
    uint32_t next;    /* the entry after this value (after the whole of a container) */
    uint32_t off;     /* strings: where the bytes are (input, or buf when T_ESC); others: input */
    uint32_t len;     /* strings, numbers: bytes; containers: members (each name once) */
    uint8_t kind;     /* kz_jt_kind */
    uint8_t flags;
} jt_tok;

typedef struct {
    uint32_t tok; /* the container's entry */
    uint32_t count;
} jt_open;

struct kz_jtape {
    const char *in;
    size_t n;
    jt_tok *tok;
    size_t ntok, cap;
    kz_buf buf; /* unescaped strings */
    jt_open *stack;
    size_t max_depth;
    uint32_t *names; /* duplicate check: the names of the object closing */
    size_t capnames;
};

kz_jtape *kz_jtape_new(size_t max_depth)
{
    kz_jtape *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    if (max_depth == 0)
        max_depth = 1;
    t->max_depth = max_depth;
    kz_buf_init(&t->buf, 0);
    return t;
}

void kz_jtape_free(kz_jtape *t)
{
    if (t == NULL)
        return;
    free(t->tok);
    free(t->stack);
    free(t->names);
    kz_buf_free(&t->buf);
    free(t);
}

/* ---- errors --------------------------------------------------------------------------------- */

/* An error at byte pos: its line and column (bytes, from 1; the column alone in a document of
 * one line, as a log line or a JSON-lines record is), then what was expected. */
static kz_rc syntax(const kz_jtape *t, size_t pos, const char *what, kz_err *err)
{
    size_t line = 1, col = 1;
    char where[64];

    for (size_t i = 0; i < pos && i < t->n; i++) {
        if (t->in[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    if (line == 1 && (pos >= t->n || memchr(t->in + pos, '\n', t->n - pos) == NULL))
        snprintf(where, sizeof where, "column %zu", col);
    else
        snprintf(where, sizeof where, "line %zu, column %zu", line, col);
    if (pos >= t->n)
        return kz_fail(err, KZ_EINVAL, "%s: %s, found the end of the document", where, what);
    return kz_fail(err, KZ_EINVAL, "%s: %s", where, what);
}

/* ---- pieces --------------------------------------------------------------------------------- */

static inline bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline size_t skip_ws(const char *p, size_t i, size_t n)
{
    while (i < n && is_ws((unsigned char)p[i]))
        i++;
    return i;
}

/* A new entry, or NULL when out of memory. */
static jt_tok *push(kz_jtape *t, kz_jt_kind kind, size_t off, size_t len)
{
    jt_tok *k;

    if (t->ntok == t->cap && kz_grow(&t->tok, &t->cap, t->ntok, sizeof *t->tok, 64) != KZ_OK)
        return NULL;
    k = &t->tok[t->ntok++];
    *k = (jt_tok){(uint32_t)t->ntok, (uint32_t)off, (uint32_t)len, (uint8_t)kind, 0};
    return k;
}

/* Appends code point cp (valid, not a surrogate) as UTF-8. */
static kz_rc put_cp(kz_buf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return kz_buf_append(b, u, n);
}

/* Four hex digits at p[i] (n bytes in all) into *v. */
static bool hex4(const char *p, size_t i, size_t n, uint32_t *v)
{
    *v = 0;
    if (n - i < 4)
        return false;
    for (size_t k = 0; k < 4; k++) {
        int d = kz_hexval((unsigned char)p[i + k]);
        if (d < 0)
            return false;
        *v = *v << 4 | (uint32_t)d;
    }
    return true;
}

/*
 * The rest of a string with a backslash: p[start, i) is plain and p[i] is the first backslash.
 * Unescapes everything into buf; *end is the byte after the closing quote.
 */
static kz_rc str_escaped(kz_jtape *t, size_t start, size_t i, jt_tok *k, size_t *end, kz_err *err)
{
    const char *p = t->in;
    const size_t n = t->n;
    size_t off = t->buf.n, run;

    if (kz_buf_append(&t->buf, p + start, i - start) != KZ_OK)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    for (;;) {
        unsigned char c;
        /* A run of plain bytes (checked as UTF-8), then one that ends it. */
        for (run = i; run < n; run++) {
            c = (unsigned char)p[run];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            if (c >= 0x80) {
                size_t l = kz_utf8_seq((const unsigned char *)p + run, n - run);
                if (l == 0)
                    return syntax(t, run, "invalid UTF-8 in a string", err);
                run += l - 1;
            }
        }
        if (run > i && kz_buf_append(&t->buf, p + i, run - i) != KZ_OK)
            return kz_fail(err, KZ_ENOMEM, "out of memory");
        i = run;
        if (i >= n)
            return syntax(t, i, "expected '\"' to end a string", err);
        c = (unsigned char)p[i];
        if (c == '"')
            break;
        if (c < 0x20)
            return syntax(t, i, "a control character in a string (expected it escaped)", err);
        /* A backslash. */
        if (i + 1 >= n)
            return syntax(t, i + 1, "expected an escape after '\\'", err);
        c = (unsigned char)p[i + 1];
        if (c == 'u') {
            uint32_t cp, lo;
            if (!hex4(p, i + 2, n, &cp))
                return syntax(t, i, "expected four hex digits after \\u", err);
            i += 6;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return syntax(t, i - 6, "a low surrogate \\u escape without a high one", err);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (n - i < 2 || p[i] != '\\' || p[i + 1] != 'u' || !hex4(p, i + 2, n, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return syntax(t, i - 6, "a high surrogate \\u escape without a low one",
                                  err);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            if (cp == 0)
                return syntax(t, i - 6, "\\u0000 in a string (not allowed)", err);
            if (put_cp(&t->buf, cp) != KZ_OK)
                return kz_fail(err, KZ_ENOMEM, "out of memory");
            continue;
        }
        switch (c) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            default: return syntax(t, i, "an unknown escape in a string", err);
        }
        if (kz_buf_append(&t->buf, &c, 1) != KZ_OK)
            return kz_fail(err, KZ_ENOMEM, "out of memory");
        i += 2;
    }
    k->off = (uint32_t)off;
    k->len = (uint32_t)(t->buf.n - off);
    k->flags |= T_ESC;
    *end = i + 1;
    return KZ_OK;
}

/* A string whose quote is at *pos: an entry, *pos after its closing quote. */
static kz_rc string(kz_jtape *t, size_t *pos, kz_err *err)
{
    const char *p = t->in;
    const size_t n = t->n, start = *pos + 1;
    size_t i = start;
    jt_tok *k;

    if ((k = push(t, KZ_JT_STRING, start, 0)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    for (;;) {
        unsigned char c;
#ifdef __SSE2__
        /* Signed: bytes >= 0x80 are negative, so "less than 0x20" takes them with the controls. */
        for (; n - i >= 16; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i m = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
            unsigned bits = (unsigned)_mm_movemask_epi8(m);
            if (bits != 0) {
                i += (size_t)__builtin_ctz(bits);
                break;
            }
        }
#endif
        while (i < n) {
            c = (unsigned char)p[i];
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
                break;
            i++;
        }
        if (i >= n)
            return syntax(t, i, "expected '\"' to end a string", err);
        c = (unsigned char)p[i];
        if (c == '"') {
            k->len = (uint32_t)(i - start);
            *pos = i + 1;
            return KZ_OK;
        }
        if (c == '\\')
            return str_escaped(t, start, i, k, pos, err);
        if (c < 0x20)
            return syntax(t, i, "a control character in a string (expected it escaped)", err);
        {
            size_t l = kz_utf8_seq((const unsigned char *)p + i, n - i);
            if (l == 0)
                return syntax(t, i, "invalid UTF-8 in a string", err);
            i += l;
        }
    }
}

/* strtod (real) or strtoll of the number text p[0, len), copied with a NUL (on the stack when
 * short); *range is strto*'s ERANGE on overflow. False when out of memory. */
static bool num_value(const char *p, size_t len, bool real, double *d, bool *range)
{
    char small[64], *s = small;

    if (len >= sizeof small && (s = malloc(len + 1)) == NULL)
        return false;
    memcpy(s, p, len);
    s[len] = '\0';
    errno = 0;
    if (real) {
        *d = strtod(s, NULL);
        *range = (*d == HUGE_VAL || *d == -HUGE_VAL) && errno == ERANGE;
    } else {
        *d = (double)strtoll(s, NULL, 10);
        *range = errno == ERANGE;
    }
    if (s != small)
        free(s);
    return true;
}

/* Whether the number text p[0, len) (in the JSON grammar) fits: strtoll and strtod decide, as
 * in jansson (1 fits, 0 does not, -1 out of memory). */
static int num_fits(const char *p, size_t len, bool real)
{
    double d;
    bool range;

    if (!real && len - (p[0] == '-') <= 18) /* 18 digits always fit */
        return 1;
    if (!num_value(p, len, real, &d, &range))
        return -1;
    return !range;
}

/* A number at *pos: an entry, *pos after it. */
static kz_rc number(kz_jtape *t, size_t *pos, kz_err *err)
{
    const char *p = t->in;
    const size_t n = t->n, start = *pos;
    size_t i = start;
    bool real = false;

    if (p[i] == '-')
        i++;
    if (i >= n || !is_digit((unsigned char)p[i]))
        return syntax(t, i, "expected a digit in a number", err);
    if (p[i] == '0') {
        i++;
        if (i < n && is_digit((unsigned char)p[i]))
            return syntax(t, i, "a number with a leading zero", err);
    } else {
        while (i < n && is_digit((unsigned char)p[i]))
            i++;
    }
    if (i < n && p[i] == '.') {
        real = true;
        if (++i >= n || !is_digit((unsigned char)p[i]))
            return syntax(t, i, "expected a digit after '.' in a number", err);
        while (i < n && is_digit((unsigned char)p[i]))
            i++;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        real = true;
        if (++i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (i >= n || !is_digit((unsigned char)p[i]))
            return syntax(t, i, "expected a digit in a number's exponent", err);
        while (i < n && is_digit((unsigned char)p[i]))
            i++;
    }
    switch (num_fits(p + start, i - start, real)) {
        case -1: return kz_fail(err, KZ_ENOMEM, "out of memory");
        case 0:
            return syntax(t, start, real ? "a real number too large for a double"
                                         : "an integer too large for 64 bits", err);
        default: break;
    }
    if (push(t, real ? KZ_JT_REAL : KZ_JT_INT, start, i - start) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    *pos = i;
    return KZ_OK;
}

/* ---- duplicate names -------------------------------------------------------------------------- */

static kz_sv tok_str(const kz_jtape *t, const jt_tok *k)
{
    return (kz_sv){(k->flags & T_ESC ? t->buf.p : t->in) + k->off, k->len};
}

static int name_cmp(const kz_jtape *t, uint32_t a, uint32_t b)
{
    kz_sv x = tok_str(t, &t->tok[a]), y = tok_str(t, &t->tok[b]);
    int c;

    if (x.n != y.n)
        return x.n < y.n ? -1 : 1;
    if ((c = memcmp(x.p, y.p, x.n)) != 0)
        return c;
    return a < b ? -1 : a > b; /* the same name: in the order given */
}

static int name_sort(const void *a, const void *b, void *ctx)
{
    return name_cmp(ctx, *(const uint32_t *)a, *(const uint32_t *)b);
}

static bool same_name(const kz_jtape *t, uint32_t a, uint32_t b)
{
    kz_sv x = tok_str(t, &t->tok[a]), y = tok_str(t, &t->tok[b]);

    return x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
}

/* Objects of up to this many members have their names compared pairwise (at most 120 length
 * compares), larger ones sorted. */
#define PAIRWISE 16

/* A name given again in object `obj` (just closed, `count` members): an error with
 * KZ_JT_REJECT_DUPLICATES, else every earlier one is marked so that the last one wins. */
static kz_rc names_check(kz_jtape *t, uint32_t obj, uint32_t count, unsigned flags, kz_err *err)
{
    uint32_t *v, small[PAIRWISE], nv = 0, dups = 0;

    if (count < 2)
        return KZ_OK;
    if (count <= PAIRWISE) {
        v = small;
    } else {
        if (t->capnames < count) {
            uint32_t *nn = realloc(t->names, count * sizeof *nn);
            if (nn == NULL)
                return kz_fail(err, KZ_ENOMEM, "out of memory");
            t->names = nn;
            t->capnames = count;
        }
        v = t->names;
    }
    for (uint32_t i = obj + 1; i < t->ntok; i = t->tok[i + 1].next)
        v[nv++] = i;
    if (nv <= PAIRWISE) {
        for (uint32_t a = 0; a < nv; a++)
            for (uint32_t b = a + 1; b < nv; b++)
                if (!(t->tok[v[a]].flags & T_SHADOW) && same_name(t, v[a], v[b])) {
                    t->tok[v[a]].flags |= T_SHADOW;
                    dups++;
                    if (flags & KZ_JT_REJECT_DUPLICATES)
                        goto dup;
                }
    } else {
        qsort_r(v, nv, sizeof *v, name_sort, t);
        for (uint32_t a = 0; a + 1 < nv; a++)
            if (same_name(t, v[a], v[a + 1])) { /* v[a] comes first in the object */
                t->tok[v[a]].flags |= T_SHADOW;
                dups++;
                if (flags & KZ_JT_REJECT_DUPLICATES)
                    goto dup;
            }
    }
    t->tok[obj].len -= dups;
    return KZ_OK;
dup: /* reported at the object's '{': a name's own place is not kept once unescaped */
    for (uint32_t a = 0; a < nv; a++)
        if (t->tok[v[a]].flags & T_SHADOW) {
            kz_sv s = tok_str(t, &t->tok[v[a]]);
            char what[160];
            snprintf(what, sizeof what, "an object with the member name \"%.*s\" twice",
                     (int)(s.n > 64 ? 64 : s.n), s.p);
            return syntax(t, t->tok[obj].off, what, err);
        }
    return syntax(t, t->tok[obj].off, "an object with a member name twice", err);
}

#define KEEP_TOKENS (64u << 10) /* room kept between documents: 1 MiB of tape */

/* ---- the document ------------------------------------------------------------------------------ */

kz_rc kz_jtape_parse(kz_jtape *t, const char *p, size_t n, unsigned flags, kz_err *err)
{
    size_t pos, depth = 0;
    kz_rc rc = KZ_OK;

    /* A document has at most one value per two bytes, 16 bytes each on the tape: what one huge
     * document grew is given back before the next, small one, not kept for the rest of a log. */
    if (t->cap > KEEP_TOKENS && n / 2 < KEEP_TOKENS) {
        free(t->tok);
        t->tok = NULL;
        t->cap = 0;
    }
    if (t->buf.cap > KEEP_TOKENS * sizeof *t->tok && n < KEEP_TOKENS * sizeof *t->tok)
        kz_buf_free(&t->buf);
    t->in = p;
    t->n = n;
    t->ntok = 0;
    kz_buf_reset(&t->buf);
    if (n >= UINT32_MAX) {
        rc = kz_fail(err, KZ_ELIMIT, "a JSON document of 4 GiB or more");
        goto out;
    }
    if (t->stack == NULL && (t->stack = malloc(t->max_depth * sizeof *t->stack)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory");
        goto out;
    }
    pos = skip_ws(p, 0, n);
    if (!(flags & KZ_JT_ANY) && (pos >= n || (p[pos] != '{' && p[pos] != '['))) {
        rc = syntax(t, pos, "expected '{' or '['", err);
        goto out;
    }
    for (;;) {
        /* A value at pos. */
        unsigned char c = pos < n ? (unsigned char)p[pos] : 0;
        jt_open *top;

        if (pos >= n) {
            rc = syntax(t, pos, "expected a value", err);
            goto out;
        }
        switch (c) {
            case '{':
            case '[': {
                bool obj = c == '{';
                if (depth == t->max_depth) {
                    kz_err where;
                    (void)syntax(t, pos, "JSON nested deeper than the limit", &where);
                    rc = kz_fail(err, KZ_ELIMIT, "%s of %zu", where.msg, t->max_depth);
                    goto out;
                }
                if (push(t, obj ? KZ_JT_OBJECT : KZ_JT_ARRAY, pos, 0) == NULL) {
                    rc = kz_fail(err, KZ_ENOMEM, "out of memory");
                    goto out;
                }
                t->stack[depth++] = (jt_open){(uint32_t)(t->ntok - 1), 0};
                pos = skip_ws(p, pos + 1, n);
                if (pos < n && p[pos] == (obj ? '}' : ']')) {
                    pos++;
                    t->tok[t->stack[--depth].tok].next = (uint32_t)t->ntok;
                    goto after_value;
                }
                if (obj)
                    goto name;
                continue;
            }
            case '"':
                if ((rc = string(t, &pos, err)) != KZ_OK)
                    goto out;
                goto after_value;
            case 't':
            case 'f':
            case 'n': {
                const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
                size_t len = strlen(word);
                if (n - pos < len || memcmp(p + pos, word, len) != 0) {
                    rc = syntax(t, pos, "expected a value (true, false or null?)", err);
                    goto out;
                }
                if (push(t, c == 't' ? KZ_JT_TRUE : c == 'f' ? KZ_JT_FALSE : KZ_JT_NULL, pos,
                         len) == NULL) {
                    rc = kz_fail(err, KZ_ENOMEM, "out of memory");
                    goto out;
                }
                pos += len;
                goto after_value;
            }
            default:
                if (c == '-' || is_digit(c)) {
                    if ((rc = number(t, &pos, err)) != KZ_OK)
                        goto out;
                    goto after_value;
                }
                rc = syntax(t, pos, "expected a value", err);
                goto out;
        }
    name:
        /* A member's name at pos, then ':' and its value. */
        if (pos >= n || p[pos] != '"') {
            rc = syntax(t, pos, "expected a member name (a string)", err);
            goto out;
        }
        if ((rc = string(t, &pos, err)) != KZ_OK)
            goto out;
        pos = skip_ws(p, pos, n);
        if (pos >= n || p[pos] != ':') {
            rc = syntax(t, pos, "expected ':' after a member name", err);
            goto out;
        }
        pos = skip_ws(p, pos + 1, n);
        continue;
    after_value:
        if (depth == 0) {
            pos = skip_ws(p, pos, n);
            if (pos < n) {
                rc = syntax(t, pos, "expected the end of the document", err);
                goto out;
            }
            break;
        }
        top = &t->stack[depth - 1];
        pos = skip_ws(p, pos, n);
        if (pos < n && p[pos] == ',') {
            top->count++;
            pos = skip_ws(p, pos + 1, n);
            if (t->tok[top->tok].kind == KZ_JT_OBJECT)
                goto name;
            continue;
        }
        if (pos < n && p[pos] == (t->tok[top->tok].kind == KZ_JT_OBJECT ? '}' : ']')) {
            jt_tok *k = &t->tok[top->tok];
            pos++;
            k->next = (uint32_t)t->ntok;
            k->len = top->count + 1;
            if (k->kind == KZ_JT_OBJECT &&
                (rc = names_check(t, top->tok, k->len, flags, err)) != KZ_OK)
                goto out;
            depth--;
            goto after_value;
        }
        rc = syntax(t, pos,
                    t->tok[top->tok].kind == KZ_JT_OBJECT ? "expected ',' or '}' in an object"
                                                          : "expected ',' or ']' in an array",
                    err);
        goto out;
    }
out:
    if (rc != KZ_OK)
        t->ntok = 0;
    return rc;
}

/* ---- reading -------------------------------------------------------------------------------- */

static const jt_tok *at(const kz_jtape *t, uint32_t v)
{
    return v < t->ntok ? &t->tok[v] : NULL;
}

kz_jt_kind kz_jt_kind_of(const kz_jtape *t, uint32_t v)
{
    const jt_tok *k = at(t, v);

    return k ? (kz_jt_kind)k->kind : KZ_JT_NONE;
}

size_t kz_jt_len(const kz_jtape *t, uint32_t v)
{
    const jt_tok *k = at(t, v);

    return k && (k->kind == KZ_JT_OBJECT || k->kind == KZ_JT_ARRAY) ? k->len : 0;
}

kz_sv kz_jt_str(const kz_jtape *t, uint32_t v)
{
    const jt_tok *k = at(t, v);

    if (k == NULL || k->kind != KZ_JT_STRING)
        return (kz_sv){"", 0};
    return tok_str(t, k);
}

kz_sv kz_jt_num_text(const kz_jtape *t, uint32_t v)
{
    const jt_tok *k = at(t, v);

    if (k == NULL || (k->kind != KZ_JT_INT && k->kind != KZ_JT_REAL))
        return (kz_sv){"", 0};
    return (kz_sv){t->in + k->off, k->len};
}

bool kz_jt_int(const kz_jtape *t, uint32_t v, int64_t *out)
{
    const jt_tok *k = at(t, v);
    const char *p;
    uint64_t m = 0;
    bool neg;

    if (k == NULL || k->kind != KZ_JT_INT)
        return false;
    /* In range by construction (checked when read); the most negative value has no positive
     * twin, so the magnitude is summed unsigned. */
    p = t->in + k->off;
    neg = p[0] == '-';
    for (size_t i = neg; i < k->len; i++)
        m = m * 10 + (uint64_t)(p[i] - '0');
    *out = neg ? (int64_t)(0 - m) : (int64_t)m;
    return true;
}

bool kz_jt_real(const kz_jtape *t, uint32_t v, double *out)
{
    const jt_tok *k = at(t, v);
    bool range;

    if (k == NULL || (k->kind != KZ_JT_INT && k->kind != KZ_JT_REAL))
        return false;
    return num_value(t->in + k->off, k->len, k->kind == KZ_JT_REAL, out, &range);
}

uint32_t kz_jt_member_first(const kz_jtape *t, uint32_t obj)
{
    const jt_tok *k = at(t, obj);
    uint32_t i;

    if (k == NULL || k->kind != KZ_JT_OBJECT)
        return KZ_JT_NIL;
    for (i = obj + 1; i < k->next; i = t->tok[i + 1].next)
        if (!(t->tok[i].flags & T_SHADOW))
            return i;
    return KZ_JT_NIL;
}

uint32_t kz_jt_member_next(const kz_jtape *t, uint32_t obj, uint32_t name)
{
    const jt_tok *k = at(t, obj);
    uint32_t i;

    if (k == NULL || k->kind != KZ_JT_OBJECT || name <= obj || name + 1 >= k->next)
        return KZ_JT_NIL;
    for (i = t->tok[name + 1].next; i < k->next; i = t->tok[i + 1].next)
        if (!(t->tok[i].flags & T_SHADOW))
            return i;
    return KZ_JT_NIL;
}

uint32_t kz_jt_get(const kz_jtape *t, uint32_t obj, const char *key)
{
    const jt_tok *k = at(t, obj);
    size_t len = strlen(key);

    if (k == NULL || k->kind != KZ_JT_OBJECT)
        return KZ_JT_NIL;
    for (uint32_t i = obj + 1; i < k->next; i = t->tok[i + 1].next) {
        const jt_tok *nm = &t->tok[i];
        const char *s = (nm->flags & T_ESC ? t->buf.p : t->in) + nm->off;
        /* The first byte before a call: names of one length mostly differ there. */
        if (nm->len == len && (len == 0 || s[0] == key[0]) && !(nm->flags & T_SHADOW) &&
            memcmp(s, key, len) == 0)
            return i + 1;
    }
    return KZ_JT_NIL;
}

void kz_jt_pick(const kz_jtape *t, uint32_t obj, const kz_jt_name *names, size_t n,
                uint32_t *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = KZ_JT_NIL;
    for (uint32_t m = kz_jt_member_first(t, obj); m != KZ_JT_NIL;
         m = kz_jt_member_next(t, obj, m)) {
        kz_sv name = tok_str(t, &t->tok[m]);
        for (size_t i = 0; i < n; i++)
            if (name.n == names[i].len && memcmp(name.p, names[i].name, name.n) == 0) {
                out[i] = m + 1;
                break;
            }
    }
}

uint32_t kz_jt_elem_first(const kz_jtape *t, uint32_t arr)
{
    const jt_tok *k = at(t, arr);

    if (k == NULL || k->kind != KZ_JT_ARRAY || k->next == arr + 1)
        return KZ_JT_NIL;
    return arr + 1;
}

uint32_t kz_jt_elem_next(const kz_jtape *t, uint32_t arr, uint32_t elem)
{
    const jt_tok *k = at(t, arr), *e = at(t, elem);

    if (k == NULL || e == NULL || k->kind != KZ_JT_ARRAY || elem <= arr || e->next >= k->next)
        return KZ_JT_NIL;
    return e->next;
}
