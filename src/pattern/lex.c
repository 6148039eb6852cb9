/*
 * lex.c - the tokens of STIX patterning, read one at a time from a length-bounded view.
 *
 * Follows the lexer rules of STIXPattern.g4 (STIX 2.1): keywords are upper case, true and false
 * lower case, object types may hold '-', numbers carry their sign, and whitespace (ASCII and the
 * Unicode spaces the grammar lists, in UTF-8) and comments are skipped. Where the grammar would
 * silently split a malformed constant into other tokens (t'2016' becomes t and '2016'), this
 * lexer reports the malformed constant instead, because that is what the writer meant.
 */
#include <string.h>

#include "pattern_int.h"

static const struct {
    const char *word;
    kz_tok_kind kind;
} keywords[] = {
    {"AND", KZ_TOK_AND},
    {"OR", KZ_TOK_OR},
    {"NOT", KZ_TOK_NOT},
    {"FOLLOWEDBY", KZ_TOK_FOLLOWEDBY},
    {"LIKE", KZ_TOK_LIKE},
    {"MATCHES", KZ_TOK_MATCHES},
    {"ISSUPERSET", KZ_TOK_ISSUPERSET},
    {"ISSUBSET", KZ_TOK_ISSUBSET},
    {"EXISTS", KZ_TOK_EXISTS},
    {"LAST", KZ_TOK_LAST},
    {"IN", KZ_TOK_IN},
    {"START", KZ_TOK_START},
    {"STOP", KZ_TOK_STOP},
    {"SECONDS", KZ_TOK_SECONDS},
    {"WITHIN", KZ_TOK_WITHIN},
    {"REPEATS", KZ_TOK_REPEATS},
    {"TIMES", KZ_TOK_TIMES},
    {"true", KZ_TOK_BOOL},
    {"false", KZ_TOK_BOOL},
};

const char *kz_pat_tok_name(kz_tok_kind k)
{
    switch (k) {
        case KZ_TOK_EOF: return "end of pattern";
        case KZ_TOK_LBRACK: return "'['";
        case KZ_TOK_RBRACK: return "']'";
        case KZ_TOK_LPAREN: return "'('";
        case KZ_TOK_RPAREN: return "')'";
        case KZ_TOK_COMMA: return "','";
        case KZ_TOK_COLON: return "':'";
        case KZ_TOK_DOT: return "'.'";
        case KZ_TOK_STAR: return "'*'";
        case KZ_TOK_EQ: return "'='";
        case KZ_TOK_NE: return "'!='";
        case KZ_TOK_LT: return "'<'";
        case KZ_TOK_LE: return "'<='";
        case KZ_TOK_GT: return "'>'";
        case KZ_TOK_GE: return "'>='";
        case KZ_TOK_AND: return "'AND'";
        case KZ_TOK_OR: return "'OR'";
        case KZ_TOK_NOT: return "'NOT'";
        case KZ_TOK_FOLLOWEDBY: return "'FOLLOWEDBY'";
        case KZ_TOK_LIKE: return "'LIKE'";
        case KZ_TOK_MATCHES: return "'MATCHES'";
        case KZ_TOK_ISSUPERSET: return "'ISSUPERSET'";
        case KZ_TOK_ISSUBSET: return "'ISSUBSET'";
        case KZ_TOK_EXISTS: return "'EXISTS'";
        case KZ_TOK_LAST: return "'LAST'";
        case KZ_TOK_IN: return "'IN'";
        case KZ_TOK_START: return "'START'";
        case KZ_TOK_STOP: return "'STOP'";
        case KZ_TOK_SECONDS: return "'SECONDS'";
        case KZ_TOK_WITHIN: return "'WITHIN'";
        case KZ_TOK_REPEATS: return "'REPEATS'";
        case KZ_TOK_TIMES: return "'TIMES'";
        case KZ_TOK_IDENT: return "a name";
        case KZ_TOK_IDENT_HYPHEN: return "a name with '-'";
        case KZ_TOK_INT: return "an integer";
        case KZ_TOK_FLOAT: return "a float";
        case KZ_TOK_STRING: return "a string";
        case KZ_TOK_BOOL: return "a boolean";
        case KZ_TOK_TIMESTAMP: return "a timestamp";
        case KZ_TOK_HEX: return "a hex constant";
        case KZ_TOK_BINARY: return "a binary constant";
    }
    return "a token";
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

bool kz_pat_is_reserved(kz_sv s)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (kz_sv_eq_c(s, keywords[i].word))
            return true;
    return false;
}

bool kz_pat_is_plain_ident(kz_sv s)
{
    if (s.n == 0 || !is_alpha((unsigned char)s.p[0]))
        return false;
    for (size_t i = 1; i < s.n; i++)
        if (!is_alpha((unsigned char)s.p[i]) && !is_digit((unsigned char)s.p[i]))
            return false;
    return true;
}

/* Length of the whitespace sequence at off (ASCII or a Unicode space in UTF-8), or 0. */
static size_t space_at(kz_sv in, size_t off)
{
    const unsigned char *p = (const unsigned char *)in.p + off;
    size_t left = in.n - off;

    if (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'))
        return 1;
    if (left >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0)) /* U+0085, U+00A0 */
        return 2;
    if (left >= 3 && p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) /* U+1680 */
        return 3;
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 &&
        ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF))
        return 3; /* U+2000..U+200A, U+2028, U+2029, U+202F */
    if (left >= 3 && p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) /* U+205F */
        return 3;
    if (left >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) /* U+3000 */
        return 3;
    return 0;
}

static kz_rc skip_blank(kz_lexer *lx, kz_err *err)
{
    kz_sv in = lx->in;

    while (lx->off < in.n) {
        size_t w = space_at(in, lx->off);
        if (w) {
            lx->off += w;
        } else if (in.n - lx->off >= 2 && in.p[lx->off] == '/' && in.p[lx->off + 1] == '*') {
            size_t start = lx->off, i = lx->off + 2;
            while (i + 1 < in.n && !(in.p[i] == '*' && in.p[i + 1] == '/'))
                i++;
            if (i + 1 >= in.n)
                return kz_fail(err, KZ_EINVAL,
                               "position %zu: comment opened with '/*' is not closed with '*/'",
                               start + 1);
            lx->off = i + 2;
        } else if (in.n - lx->off >= 2 && in.p[lx->off] == '/' && in.p[lx->off + 1] == '/') {
            while (lx->off < in.n && in.p[lx->off] != '\n' && in.p[lx->off] != '\r')
                lx->off++;
        } else {
            break;
        }
    }
    return KZ_OK;
}

/* Reads a quoted body starting at the opening quote q; sets t->body and the end offset. */
static kz_rc quoted(kz_lexer *lx, size_t start, size_t q, const char *what, kz_tok *t, kz_err *err)
{
    kz_sv in = lx->in;
    size_t i = q + 1;

    t->escapes = false;
    while (i < in.n && in.p[i] != '\'') {
        if (in.p[i] == '\\') {
            t->escapes = true;
            if (i + 1 >= in.n) {
                i = in.n;
                break;
            }
            if (in.p[i + 1] != '\'' && in.p[i + 1] != '\\') {
                unsigned char c = (unsigned char)in.p[i + 1];
                if (c >= 0x20 && c < 0x7f)
                    return kz_fail(err, KZ_EINVAL,
                                   "position %zu: '\\%c' is not an escape in a %s: only \\' and "
                                   "\\\\ are (write \\\\ for a backslash)",
                                   i + 1, c, what);
                return kz_fail(err, KZ_EINVAL,
                               "position %zu: a backslash in a %s must be followed by ' or \\ "
                               "(write \\\\ for a backslash)",
                               i + 1, what);
            }
            i += 2;
            continue;
        }
        i++;
    }
    if (i >= in.n)
        return kz_fail(err, KZ_EINVAL, "position %zu: %s opened here is not closed with '",
                       start + 1, what);
    t->body = (kz_sv){in.p + q + 1, i - q - 1};
    lx->off = i + 1;
    return KZ_OK;
}

static kz_rc number(kz_lexer *lx, kz_tok *t, kz_err *err)
{
    kz_sv in = lx->in;
    size_t start = lx->off, i = lx->off, int_digits = 0;

    if (in.p[i] == '+' || in.p[i] == '-')
        i++;
    while (i < in.n && is_digit((unsigned char)in.p[i])) {
        i++;
        int_digits++;
    }
    if (i < in.n && in.p[i] == '.') {
        size_t frac = 0;
        i++;
        while (i < in.n && is_digit((unsigned char)in.p[i])) {
            i++;
            frac++;
        }
        if (frac == 0)
            return kz_fail(err, KZ_EINVAL,
                           "position %zu: a float needs digits after the '.' (write 1.0, not 1.)",
                           start + 1);
        t->kind = KZ_TOK_FLOAT;
    } else {
        size_t d = start + (in.p[start] == '+' || in.p[start] == '-');
        if (int_digits == 0)
            return kz_fail(err, KZ_EINVAL, "position %zu: '%c' must be followed by a number",
                           start + 1, in.p[start]);
        if (int_digits > 1 && in.p[d] == '0')
            return kz_fail(err, KZ_EINVAL,
                           "position %zu: an integer cannot start with 0 (leading zeros are "
                           "not allowed)",
                           start + 1);
        t->kind = KZ_TOK_INT;
    }
    lx->off = i;
    return KZ_OK;
}

kz_rc kz_pat_lex(kz_lexer *lx, kz_tok *t, kz_err *err)
{
    kz_sv in;
    size_t start;
    unsigned char c, c1;
    kz_rc rc;

    if ((rc = skip_blank(lx, err)) != KZ_OK)
        return rc;
    in = lx->in;
    start = lx->off;
    memset(t, 0, sizeof *t);
    t->off = start;
    if (start >= in.n) {
        t->kind = KZ_TOK_EOF;
        t->text = (kz_sv){in.p + in.n, 0};
        return KZ_OK;
    }
    c = (unsigned char)in.p[start];
    c1 = start + 1 < in.n ? (unsigned char)in.p[start + 1] : 0;
    lx->off = start + 1;
    switch (c) {
        case '[': t->kind = KZ_TOK_LBRACK; break;
        case ']': t->kind = KZ_TOK_RBRACK; break;
        case '(': t->kind = KZ_TOK_LPAREN; break;
        case ')': t->kind = KZ_TOK_RPAREN; break;
        case ',': t->kind = KZ_TOK_COMMA; break;
        case ':': t->kind = KZ_TOK_COLON; break;
        case '*': t->kind = KZ_TOK_STAR; break;
        case '=':
            t->kind = KZ_TOK_EQ;
            if (c1 == '=')
                lx->off++;
            break;
        case '!':
            if (c1 != '=')
                return kz_fail(err, KZ_EINVAL, "position %zu: '!' must be followed by '=' (!=)",
                               start + 1);
            t->kind = KZ_TOK_NE;
            lx->off++;
            break;
        case '<':
            t->kind = KZ_TOK_LT;
            if (c1 == '=') {
                t->kind = KZ_TOK_LE;
                lx->off++;
            } else if (c1 == '>') {
                t->kind = KZ_TOK_NE;
                lx->off++;
            }
            break;
        case '>':
            t->kind = KZ_TOK_GT;
            if (c1 == '=') {
                t->kind = KZ_TOK_GE;
                lx->off++;
            }
            break;
        case '.':
            if (is_digit(c1)) {
                lx->off = start;
                if ((rc = number(lx, t, err)) != KZ_OK)
                    return rc;
            } else {
                t->kind = KZ_TOK_DOT;
            }
            break;
        case '\'':
            t->kind = KZ_TOK_STRING;
            if ((rc = quoted(lx, start, start, "string", t, err)) != KZ_OK)
                return rc;
            break;
        default:
            if (is_digit(c) || c == '+' || c == '-') {
                lx->off = start;
                if ((rc = number(lx, t, err)) != KZ_OK)
                    return rc;
            } else if ((c == 't' || c == 'h' || c == 'b') && c1 == '\'') {
                const char *what = c == 't' ? "timestamp t'...'" : c == 'h' ? "hex constant h'...'"
                                                                            : "binary constant b'...'";
                t->kind = c == 't' ? KZ_TOK_TIMESTAMP : c == 'h' ? KZ_TOK_HEX : KZ_TOK_BINARY;
                if ((rc = quoted(lx, start, start + 1, what, t, err)) != KZ_OK)
                    return rc;
                if (t->escapes)
                    return kz_fail(err, KZ_EINVAL, "position %zu: a %s cannot hold a backslash",
                                   start + 1, what);
            } else if (is_alpha(c)) {
                bool hyphen = false;
                size_t i = start + 1;
                while (i < in.n && (is_alpha((unsigned char)in.p[i]) ||
                                    is_digit((unsigned char)in.p[i]) || in.p[i] == '-')) {
                    hyphen |= in.p[i] == '-';
                    i++;
                }
                lx->off = i;
                t->kind = hyphen ? KZ_TOK_IDENT_HYPHEN : KZ_TOK_IDENT;
                if (!hyphen) {
                    kz_sv w = {in.p + start, i - start};
                    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
                        if (kz_sv_eq_c(w, keywords[k].word)) {
                            t->kind = keywords[k].kind;
                            break;
                        }
                }
            } else if (c == '"') {
                return kz_fail(err, KZ_EINVAL,
                               "position %zu: strings are written in single quotes ('...'), not "
                               "double quotes",
                               start + 1);
            } else if (c >= 0x21 && c < 0x7f) {
                return kz_fail(err, KZ_EINVAL, "position %zu: unexpected character '%c'",
                               start + 1, c);
            } else {
                return kz_fail(err, KZ_EINVAL,
                               "position %zu: unexpected byte 0x%02x outside a string", start + 1,
                               c);
            }
    }
    t->text = (kz_sv){in.p + start, lx->off - start};
    return KZ_OK;
}
