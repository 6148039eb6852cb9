/*
 * version.c - version comparison (generic vendor versions and semver 2.0.0) and affected-version
 * ranges (purl vers and the forms CSAF advisories write by hand), for the vulnerability matcher.
 *
 * Everything works on bounded views and fixed-size structures: no allocation at all. A range or a
 * version that is not understood is reported with a reason, and a range check over it answers
 * POSSIBLY rather than guessing; the rules are documented in include/kizuna/version.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/version.h"

/* ---- small character helpers (locale-free) ------------------------------------------------ */

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive equality of a view and a lower-case C string. */
static bool ci_eq(const char *p, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == '\0' || lower((unsigned char)p[i]) != s[i])
            return false;
    return s[n] == '\0';
}

/* Whether p[0, n) starts with the lower-case C string s, ignoring case. */
static bool ci_starts(const char *p, size_t n, const char *s)
{
    size_t k = strlen(s);

    return n >= k && ci_eq(p, k, s);
}

/* ---- generic versions ----------------------------------------------------------------------- */

typedef enum { AT_PRE, AT_NUM, AT_WORD, AT_WILD } atom_kind;

typedef struct {
    atom_kind kind;
    int rank; /* pre-release tags: dev 0, alpha 1, beta 2, pre 3, rc 4 */
    const char *p;
    size_t n; /* for numbers, the digits without leading zeros (0 for zero) */
} atom;

typedef struct {
    size_t n;
    atom a[KZ_VERSION_MAX_ATOMS];
} atoms;

static const char *const version_prefixes[] = {"version", "firmware", "ver", "rev", "fw", "v", "r"};

/* Length of a dropped prefix ("V", "Ver.", "firmware_") at the start of p, or 0. */
static size_t prefix_len(const char *p, size_t n)
{
    size_t i, j;

    for (i = 0; i < sizeof version_prefixes / sizeof version_prefixes[0]; i++) {
        if (!ci_starts(p, n, version_prefixes[i]))
            continue;
        j = strlen(version_prefixes[i]);
        if (j < n && (p[j] == '.' || p[j] == ':' || p[j] == '_' || p[j] == ' '))
            j++;
        if (j < n && is_digit((unsigned char)p[j]))
            return j;
    }
    return 0;
}

static void classify_word(atom *a, const char *end)
{
    static const struct {
        const char *word;
        int rank;
    } pre[] = {{"dev", 0}, {"alpha", 1}, {"beta", 2}, {"pre", 3}, {"preview", 3}, {"rc", 4}};
    size_t i;

    a->kind = AT_WORD;
    if (a->n == 1 && (a->p[0] == 'x' || a->p[0] == 'X')) {
        a->kind = AT_WILD;
        return;
    }
    for (i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        if (ci_eq(a->p, a->n, pre[i].word)) {
            a->kind = AT_PRE;
            a->rank = pre[i].rank;
            return;
        }
    }
    /* "1.0a1", "2.0b2", "3.0c1": a single letter is a pre-release tag only before a number. */
    if (a->n == 1 && a->p + 1 < end && is_digit((unsigned char)a->p[1])) {
        int c = lower((unsigned char)a->p[0]);
        if (c == 'a' || c == 'b' || c == 'c') {
            a->kind = AT_PRE;
            a->rank = c == 'a' ? 1 : c == 'b' ? 2 : 4;
        }
    }
}

static kz_rc generic_parse(kz_sv v, atoms *out, kz_err *err)
{
    const char *end = v.p + v.n;
    size_t i = 0;

    out->n = 0;
    if (v.n > KZ_VERSION_MAX_BYTES)
        return kz_fail(err, KZ_ELIMIT, "version is %zu bytes, more than %d", v.n,
                       KZ_VERSION_MAX_BYTES);
    for (i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c < 0x20 || c > 0x7e)
            return kz_fail(err, KZ_EINVAL, "version has byte 0x%02x at offset %zu", c, i);
    }
    i = 0;
    while (i < v.n && v.p[i] == ' ')
        i++;
    i += prefix_len(v.p + i, v.n - i);
    while (i < v.n) {
        unsigned char c = (unsigned char)v.p[i];
        atom *a;
        size_t j = i;

        if (!is_digit(c) && !is_alpha(c) && c != '*') {
            i++;
            continue;
        }
        if (out->n == KZ_VERSION_MAX_ATOMS)
            return kz_fail(err, KZ_ELIMIT, "version has more than %d numbers and words",
                           KZ_VERSION_MAX_ATOMS);
        a = &out->a[out->n++];
        a->rank = 0;
        if (c == '*') {
            a->kind = AT_WILD;
            a->p = v.p + i;
            a->n = 1;
            i++;
        } else if (is_digit(c)) {
            while (j < v.n && v.p[j] == '0')
                j++;
            a->kind = AT_NUM;
            a->p = v.p + j;
            while (j < v.n && is_digit((unsigned char)v.p[j]))
                j++;
            a->n = (size_t)(v.p + j - a->p);
            i = j;
        } else {
            while (j < v.n && is_alpha((unsigned char)v.p[j]))
                j++;
            a->p = v.p + i;
            a->n = j - i;
            classify_word(a, end);
            i = j;
        }
    }
    if (out->n == 0)
        return kz_fail(err, KZ_EINVAL, "version \"%.*s\" has no numbers or letters",
                       (int)(v.n > 64 ? 64 : v.n), v.p);
    return KZ_OK;
}

/* Order of atom classes: pre-release < zero (or padding) < post-release word < number > 0. */
static int atom_class(const atom *a)
{
    if (a == NULL)
        return 1;
    switch (a->kind) {
        case AT_PRE: return 0;
        case AT_NUM: return a->n == 0 ? 1 : 3;
        case AT_WORD: return 2;
        case AT_WILD: return -1;
    }
    return 1;
}

static int sign(int x)
{
    return x < 0 ? -1 : x > 0 ? 1 : 0;
}

static int digits_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return an < bn ? -1 : 1;
    return sign(memcmp(a, b, an));
}

/* Word spelling for comparison: aliases folded, lower case, at most 15 characters. */
static void word_canon(const atom *a, char out[16])
{
    size_t i, n = a->n < 15 ? a->n : 15;

    if (ci_eq(a->p, a->n, "upd")) {
        memcpy(out, "update", 7);
        return;
    }
    if (ci_eq(a->p, a->n, "hotfix")) {
        memcpy(out, "hf", 3);
        return;
    }
    for (i = 0; i < n; i++)
        out[i] = (char)lower((unsigned char)a->p[i]);
    out[n] = '\0';
}

static int word_cmp(const atom *a, const atom *b)
{
    char x[16], y[16];
    int r;

    word_canon(a, x);
    word_canon(b, y);
    r = strcmp(x, y);
    if (r == 0 && (a->n > 15 || b->n > 15)) {
        /* Long words: the rest, case-insensitively, then the length. */
        size_t i, n = a->n < b->n ? a->n : b->n;
        for (i = 15; i < n; i++) {
            int d = lower((unsigned char)a->p[i]) - lower((unsigned char)b->p[i]);
            if (d != 0)
                return sign(d);
        }
        return a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
    }
    return sign(r);
}

static int generic_cmp(const atoms *x, const atoms *y)
{
    size_t i, n = x->n > y->n ? x->n : y->n;

    for (i = 0; i < n; i++) {
        const atom *a = i < x->n ? &x->a[i] : NULL;
        const atom *b = i < y->n ? &y->a[i] : NULL;
        int ca = atom_class(a), cb = atom_class(b), r = 0;

        if (ca < 0 || cb < 0)
            continue; /* a wildcard matches any one atom */
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (a == NULL || b == NULL)
            continue; /* zero against padding */
        switch (a->kind) {
            case AT_PRE:
                r = a->rank != b->rank ? (a->rank < b->rank ? -1 : 1) : word_cmp(a, b);
                break;
            case AT_NUM: r = digits_cmp(a->p, a->n, b->p, b->n); break;
            case AT_WORD: r = word_cmp(a, b); break;
            case AT_WILD: break;
        }
        if (r != 0)
            return r;
    }
    return 0;
}

/* ---- semver 2.0.0 --------------------------------------------------------------------------- */

typedef struct {
    kz_sv num[3];
    kz_sv pre; /* without the '-'; n == 0 when there is none */
} semver;

static bool ident_char(int c)
{
    return is_digit(c) || is_alpha(c) || c == '-';
}

static bool all_digits(kz_sv s)
{
    size_t i;

    for (i = 0; i < s.n; i++)
        if (!is_digit((unsigned char)s.p[i]))
            return false;
    return true;
}

/* Checks dot-separated identifiers; numeric ones may not have leading zeros when strict. */
static kz_rc semver_idents(kz_sv s, bool strict_numeric, const char *what, kz_err *err)
{
    size_t i = 0, start = 0;

    for (i = 0; i <= s.n; i++) {
        if (i < s.n && s.p[i] != '.') {
            if (!ident_char((unsigned char)s.p[i]))
                return kz_fail(err, KZ_EINVAL, "semver %s has '%c' (expected [0-9A-Za-z-])",
                               what, s.p[i]);
            continue;
        }
        kz_sv id = {s.p + start, i - start};
        if (id.n == 0)
            return kz_fail(err, KZ_EINVAL, "semver %s has an empty identifier", what);
        if (strict_numeric && id.n > 1 && id.p[0] == '0' && all_digits(id))
            return kz_fail(err, KZ_EINVAL, "semver %s identifier \"%.*s\" has a leading zero",
                           what, (int)id.n, id.p);
        start = i + 1;
    }
    return KZ_OK;
}

static kz_rc semver_parse(kz_sv v, semver *out, kz_err *err)
{
    size_t i = 0, k;
    kz_rc rc;

    memset(out, 0, sizeof *out);
    if (v.n > KZ_VERSION_MAX_BYTES)
        return kz_fail(err, KZ_ELIMIT, "version is %zu bytes, more than %d", v.n,
                       KZ_VERSION_MAX_BYTES);
    for (k = 0; k < 3; k++) {
        size_t start = i;
        while (i < v.n && is_digit((unsigned char)v.p[i]))
            i++;
        out->num[k] = (kz_sv){v.p + start, i - start};
        if (out->num[k].n == 0)
            return kz_fail(err, KZ_EINVAL,
                           "\"%.*s\" is not semver: expected MAJOR.MINOR.PATCH at offset %zu",
                           (int)(v.n > 64 ? 64 : v.n), v.p, start);
        if (out->num[k].n > 1 && out->num[k].p[0] == '0')
            return kz_fail(err, KZ_EINVAL, "\"%.*s\" is not semver: leading zero at offset %zu",
                           (int)(v.n > 64 ? 64 : v.n), v.p, start);
        if (k < 2) {
            if (i >= v.n || v.p[i] != '.')
                return kz_fail(err, KZ_EINVAL,
                               "\"%.*s\" is not semver: expected '.' at offset %zu",
                               (int)(v.n > 64 ? 64 : v.n), v.p, i);
            i++;
        }
    }
    if (i < v.n && v.p[i] == '-') {
        size_t start = ++i;
        while (i < v.n && v.p[i] != '+')
            i++;
        out->pre = (kz_sv){v.p + start, i - start};
        if ((rc = semver_idents(out->pre, true, "pre-release", err)) != KZ_OK)
            return rc;
    }
    if (i < v.n && v.p[i] == '+') {
        kz_sv build = {v.p + i + 1, v.n - i - 1};
        if ((rc = semver_idents(build, false, "build metadata", err)) != KZ_OK)
            return rc;
        i = v.n;
    }
    if (i != v.n)
        return kz_fail(err, KZ_EINVAL, "\"%.*s\" is not semver: unexpected '%c' at offset %zu",
                       (int)(v.n > 64 ? 64 : v.n), v.p, v.p[i], i);
    return KZ_OK;
}

static int semver_cmp(const semver *a, const semver *b)
{
    size_t k, i = 0, j = 0;
    int r;

    for (k = 0; k < 3; k++)
        if ((r = digits_cmp(a->num[k].p, a->num[k].n, b->num[k].p, b->num[k].n)) != 0)
            return r;
    if (a->pre.n == 0 || b->pre.n == 0)
        return a->pre.n == b->pre.n ? 0 : a->pre.n == 0 ? 1 : -1;
    for (;;) {
        size_t si = i, sj = j;
        kz_sv x, y;
        bool nx, ny;

        if (i > a->pre.n || j > b->pre.n)
            break;
        while (i < a->pre.n && a->pre.p[i] != '.')
            i++;
        while (j < b->pre.n && b->pre.p[j] != '.')
            j++;
        x = (kz_sv){a->pre.p + si, i - si};
        y = (kz_sv){b->pre.p + sj, j - sj};
        nx = all_digits(x);
        ny = all_digits(y);
        if (nx && ny)
            r = digits_cmp(x.p, x.n, y.p, y.n);
        else if (nx != ny)
            r = nx ? -1 : 1; /* numeric identifiers have lower precedence */
        else {
            size_t m = x.n < y.n ? x.n : y.n;
            r = sign(memcmp(x.p, y.p, m));
            if (r == 0 && x.n != y.n)
                r = x.n < y.n ? -1 : 1;
        }
        if (r != 0)
            return r;
        i++;
        j++;
        /* A larger set of fields has higher precedence when all before are equal. */
        if (i > a->pre.n || j > b->pre.n)
            return (i > a->pre.n) == (j > b->pre.n) ? 0 : (i > a->pre.n ? -1 : 1);
    }
    return 0;
}

/* ---- comparison API ------------------------------------------------------------------------- */

kz_rc kz_version_check(kz_sv v, kz_version_scheme s, kz_err *err)
{
    atoms a;
    semver sv;

    if (v.p == NULL && v.n > 0)
        return kz_fail(err, KZ_EUSAGE, "version view without bytes");
    if (s == KZ_VERSION_SEMVER)
        return semver_parse(v, &sv, err);
    return generic_parse(v, &a, err);
}

kz_rc kz_version_compare(kz_sv a, kz_sv b, kz_version_scheme s, int *out, kz_err *err)
{
    kz_rc rc = KZ_OK;

    *out = 0;
    if ((a.p == NULL && a.n > 0) || (b.p == NULL && b.n > 0))
        return kz_fail(err, KZ_EUSAGE, "version view without bytes");
    if (s == KZ_VERSION_SEMVER) {
        semver x, y;
        if ((rc = semver_parse(a, &x, err)) != KZ_OK || (rc = semver_parse(b, &y, err)) != KZ_OK)
            goto out;
        *out = semver_cmp(&x, &y);
    } else {
        /* Two atom arrays are 3 KiB; static storage would not be reentrant, so stack it is. */
        atoms x, y;
        if ((rc = generic_parse(a, &x, err)) != KZ_OK || (rc = generic_parse(b, &y, err)) != KZ_OK)
            goto out;
        *out = generic_cmp(&x, &y);
    }
out:
    return rc;
}

int kz_version_cmp(kz_sv a, kz_sv b, kz_version_scheme s)
{
    int r;

    if (kz_version_compare(a, b, s, &r, NULL) != KZ_OK)
        return KZ_VERSION_INCOMPARABLE;
    return r;
}

/* ---- ranges: shared ------------------------------------------------------------------------- */

typedef struct {
    kz_range *r;
    size_t used; /* bytes of r->buf in use */
} builder;

static const char *op_str(kz_range_op op)
{
    switch (op) {
        case KZ_OP_EQ: return "=";
        case KZ_OP_NE: return "!=";
        case KZ_OP_LT: return "<";
        case KZ_OP_LE: return "<=";
        case KZ_OP_GT: return ">";
        case KZ_OP_GE: return ">=";
    }
    return "?";
}

static kz_sv cons_sv(const kz_range *r, size_t i)
{
    return (kz_sv){r->buf + r->c[i].off, r->c[i].len};
}

/* Appends a constraint whose version is p[0, n), trimmed of spaces. */
static kz_rc add_constraint(builder *b, kz_range_op op, const char *p, size_t n, kz_err *err)
{
    kz_range_constraint *c;

    while (n > 0 && p[0] == ' ')
        p++, n--;
    while (n > 0 && p[n - 1] == ' ')
        n--;
    if (n == 0)
        return kz_fail(err, KZ_EINVAL, "comparator \"%s\" without a version", op_str(op));
    if (b->r->n == KZ_RANGE_MAX_CONSTRAINTS)
        return kz_fail(err, KZ_ELIMIT, "more than %d constraints", KZ_RANGE_MAX_CONSTRAINTS);
    if (n > KZ_RANGE_MAX_BYTES - b->used)
        return kz_fail(err, KZ_ELIMIT, "constraint versions longer than %d bytes",
                       KZ_RANGE_MAX_BYTES);
    c = &b->r->c[b->r->n++];
    c->op = op;
    c->off = (uint16_t)b->used;
    c->len = (uint16_t)n;
    memcpy(b->r->buf + b->used, p, n);
    b->used += n;
    b->r->buf[b->used] = '\0';
    return KZ_OK;
}

/* Checks every version, sorts the constraints by version and rejects a version named twice. */
static kz_rc finish_constraints(kz_range *r, kz_err *err)
{
    size_t i, j;
    kz_rc rc;

    if (r->n == 0)
        return kz_fail(err, KZ_EINVAL, "no constraints");
    for (i = 0; i < r->n; i++) {
        kz_sv v = cons_sv(r, i);
        if ((rc = kz_version_check(v, r->scheme, err)) != KZ_OK) {
            kz_err_prefix(err, "constraint %zu \"%s%.*s\"", i + 1, op_str(r->c[i].op),
                          (int)(v.n > 64 ? 64 : v.n), v.p);
            return rc;
        }
    }
    for (i = 1; i < r->n; i++) {
        kz_range_constraint c = r->c[i];
        kz_sv v = cons_sv(r, i);
        for (j = i; j > 0 && kz_version_cmp(v, cons_sv(r, j - 1), r->scheme) < 0; j--)
            r->c[j] = r->c[j - 1];
        r->c[j] = c;
    }
    for (i = 1; i < r->n; i++) {
        kz_sv v = cons_sv(r, i);
        if (kz_version_cmp(cons_sv(r, i - 1), v, r->scheme) == 0)
            return kz_fail(err, KZ_EINVAL,
                           "version \"%.*s\" appears twice (\"%.*s\" sorts equal to it)",
                           (int)(v.n > 64 ? 64 : v.n), v.p, (int)r->c[i - 1].len,
                           r->buf + r->c[i - 1].off);
    }
    r->kind = KZ_RANGE_CONSTRAINTS;
    return KZ_OK;
}

/* Reads a comparator at p; returns its length (0 if none). */
static size_t read_op(const char *p, size_t n, kz_range_op *op)
{
    static const struct {
        const char *s;
        kz_range_op op;
    } ops[] = {{">=", KZ_OP_GE}, {"=>", KZ_OP_GE}, {"<=", KZ_OP_LE}, {"=<", KZ_OP_LE},
               {"!=", KZ_OP_NE}, {"==", KZ_OP_EQ}, {"<", KZ_OP_LT},  {">", KZ_OP_GT},
               {"=", KZ_OP_EQ}};
    size_t i;

    for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t k = strlen(ops[i].s);
        if (n >= k && memcmp(p, ops[i].s, k) == 0) {
            *op = ops[i].op;
            return k;
        }
    }
    return 0;
}

static bool is_op_char(int c)
{
    return c == '<' || c == '>' || c == '=' || c == '!';
}

/*
 * Whether a version written by hand reads as a version and not as prose or a condition: words of
 * at most four letters (camelCase parts counted apart), version words (build, update, patch ...),
 * none of "with", "only", "the", "cve" ..., and only characters versions are written with. A
 * parenthesised part passes only when it reads as version too ("1.03.07 (build 317)").
 */
static kz_rc check_hand_version(const char *p, size_t n, kz_err *err)
{
    static const char *const long_ok[] = {"alpha", "beta", "preview", "build", "update",
                                          "patch", "release", "service", "pack", "hotfix",
                                          "snapshot", "final"};
    static const char *const stop[] = {"with", "and", "or", "of", "the", "only", "if", "for",
                                       "on", "in", "to", "all", "not", "when", "from", "aka",
                                       "used", "but", "than", "cve"};
    size_t i = 0, k;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!is_digit(c) && !is_alpha(c) && strchr(".-_+ (){}/:~*'", c) == NULL)
            return kz_fail(err, KZ_EINVAL, "\"%.*s\" has '%c', not seen in versions",
                           (int)(n > 64 ? 64 : n), p, c);
    }
    i = prefix_len(p, n);
    if (i == 0 && ci_starts(p, n, "version "))
        i = 8; /* "<= Version R4" */
    else if (i == 0 && ci_starts(p, n, "firmware "))
        i = 9;
    while (i < n) {
        size_t j = i;
        bool ok = false;
        if (!is_alpha((unsigned char)p[i])) {
            i++;
            continue;
        }
        /* camelCase splits: "HotfixRev1" is "Hotfix" and "Rev". */
        while (j < n && is_alpha((unsigned char)p[j]) &&
               !(j > i && p[j] >= 'A' && p[j] <= 'Z' && p[j - 1] >= 'a' && p[j - 1] <= 'z'))
            j++;
        for (k = 0; k < sizeof stop / sizeof stop[0]; k++)
            if (ci_eq(p + i, j - i, stop[k]))
                return kz_fail(err, KZ_EINVAL, "\"%.*s\" reads as a condition, not a version",
                               (int)(n > 64 ? 64 : n), p);
        ok = j - i <= 4;
        for (k = 0; !ok && k < sizeof long_ok / sizeof long_ok[0]; k++)
            ok = ci_eq(p + i, j - i, long_ok[k]);
        if (!ok)
            return kz_fail(err, KZ_EINVAL,
                           "\"%.*s\" has the word \"%.*s\", which is not part of a version",
                           (int)(n > 64 ? 64 : n), p, (int)(j - i), p + i);
        i = j;
    }
    return KZ_OK;
}

/* ---- ranges: purl vers ---------------------------------------------------------------------- */

static kz_rc parse_vers(kz_sv t, kz_range *r, kz_err *err)
{
    char tmp[KZ_RANGE_MAX_BYTES + 1];
    builder b = {r, 0};
    size_t i, n = 0, slash;
    kz_sv scheme;
    bool hand;
    kz_rc rc;

    /* "vers:" is matched case-insensitively by the caller; the spec wants it lower case. */
    if (memcmp(t.p, "vers:", 5) != 0)
        return kz_fail(err, KZ_EINVAL, "the URI scheme must be lower-case \"vers:\"");
    for (slash = 5; slash < t.n && t.p[slash] != '/'; slash++)
        ;
    if (slash == t.n)
        return kz_fail(err, KZ_EINVAL, "\"vers:\" without '/' after the versioning scheme");
    scheme = (kz_sv){t.p + 5, slash - 5};
    if (scheme.n == 0)
        return kz_fail(err, KZ_EINVAL, "empty versioning scheme in \"vers:\"");
    for (i = 0; i < scheme.n; i++) {
        unsigned char c = (unsigned char)scheme.p[i];
        if (!(c >= 'a' && c <= 'z') && !is_digit(c) && c != '-' && c != '.' && c != '+')
            return kz_fail(err, KZ_EINVAL,
                           "versioning scheme \"%.*s\" must be lower-case letters and digits",
                           (int)scheme.n, scheme.p);
    }
    r->scheme = (kz_sv_eq_c(scheme, "semver") || kz_sv_eq_c(scheme, "npm") ||
                 kz_sv_eq_c(scheme, "cargo"))
                    ? KZ_VERSION_SEMVER
                    : KZ_VERSION_GENERIC;
    hand = kz_sv_eq_c(scheme, "all"); /* CSAF producers write their own versions under "all" */
    /* Spaces are not significant. */
    for (i = slash + 1; i < t.n; i++)
        if (t.p[i] != ' ' && t.p[i] != '\t')
            tmp[n++] = t.p[i];
    if (n == 0)
        return kz_fail(err, KZ_EINVAL, "no constraints after \"vers:%.*s/\"", (int)scheme.n,
                       scheme.p);
    if (n == 1 && tmp[0] == '*') {
        r->kind = kz_sv_eq_c(scheme, "none") ? KZ_RANGE_NONE : KZ_RANGE_ALL;
        return KZ_OK;
    }
    if (kz_sv_eq_c(scheme, "none"))
        return kz_fail(err, KZ_EINVAL, "\"vers:none\" takes only \"*\"");
    i = 0;
    while (i < n) {
        kz_range_op op = KZ_OP_EQ;
        size_t k, start, dn = 0;
        char dec[KZ_RANGE_MAX_BYTES];

        if (tmp[i] == '|') {
            i++;
            continue;
        }
        i += read_op(tmp + i, n - i, &op);
        start = i;
        while (i < n && tmp[i] != '|' && !is_op_char((unsigned char)tmp[i]))
            i++;
        if (i == start)
            return kz_fail(err, KZ_EINVAL, "comparator \"%s\" without a version at offset %zu",
                           op_str(op), start);
        for (k = start; k < i; k++) {
            if (tmp[k] == '*')
                return kz_fail(err, KZ_EINVAL, "\"*\" must stand alone in a vers range");
            if (tmp[k] == '%') {
                int hi = k + 2 < i ? kz_hexval((unsigned char)tmp[k + 1]) : -1;
                int lo = k + 2 < i ? kz_hexval((unsigned char)tmp[k + 2]) : -1;
                if (hi < 0 || lo < 0)
                    return kz_fail(err, KZ_EINVAL, "bad percent-escape in \"%.*s\"",
                                   (int)(i - start), tmp + start);
                dec[dn++] = (char)(hi * 16 + lo);
                k += 2;
            } else {
                dec[dn++] = tmp[k];
            }
        }
        if (hand && (rc = check_hand_version(dec, dn, err)) != KZ_OK)
            return rc;
        if ((rc = add_constraint(&b, op, dec, dn, err)) != KZ_OK)
            return rc;
    }
    return finish_constraints(r, err);
}

/* ---- ranges: written by hand ---------------------------------------------------------------- */

/* If p[0, n) starts with the lower-case word w followed by a space or the end, its length. */
static size_t word_at(const char *p, size_t n, const char *w)
{
    size_t k = strlen(w);

    if (n >= k && ci_eq(p, k, w) && (n == k || p[k] == ' '))
        return k;
    return 0;
}

/* Length of a separator word or mark that ends a version written by hand ("and", " - "). */
static size_t stop_at(const char *p, size_t n, bool *to)
{
    static const char *const sep[] = {"and", "or"};
    static const char *const range[] = {"to", "through", "thru", "-"};
    size_t i, k;

    *to = false;
    for (i = 0; i < sizeof sep / sizeof sep[0]; i++)
        if ((k = word_at(p, n, sep[i])) != 0)
            return k;
    for (i = 0; i < sizeof range / sizeof range[0]; i++)
        if ((k = word_at(p, n, range[i])) != 0) {
            *to = true;
            return k;
        }
    return 0;
}

static const struct {
    const char *phrase;
    kz_range_op op;
} lead_phrases[] = {{"prior to ", KZ_OP_LT},      {"before ", KZ_OP_LT},
                    {"earlier than ", KZ_OP_LT},  {"older than ", KZ_OP_LT},
                    {"lower than ", KZ_OP_LT},    {"less than ", KZ_OP_LT},
                    {"up to and including ", KZ_OP_LE}, {"up to ", KZ_OP_LE},
                    {"later than ", KZ_OP_GT},    {"newer than ", KZ_OP_GT},
                    {"greater than ", KZ_OP_GT},  {"after ", KZ_OP_GT},
                    {"since ", KZ_OP_GE}};

static const struct {
    const char *phrase;
    kz_range_op op;
} tail_phrases[] = {{" and earlier", KZ_OP_LE}, {" or earlier", KZ_OP_LE},
                    {" and prior", KZ_OP_LE},   {" or prior", KZ_OP_LE},
                    {" and older", KZ_OP_LE},   {" or older", KZ_OP_LE},
                    {" and below", KZ_OP_LE},   {" or lower", KZ_OP_LE},
                    {" and later", KZ_OP_GE},   {" or later", KZ_OP_GE},
                    {" and newer", KZ_OP_GE},   {" or newer", KZ_OP_GE},
                    {" and above", KZ_OP_GE},   {" or above", KZ_OP_GE},
                    {" and higher", KZ_OP_GE},  {" or higher", KZ_OP_GE}};

/* Parses the constraint list of a hand-written range (after "All versions" and phrases). */
static kz_rc parse_hand_list(const char *p, size_t n, builder *b, kz_err *err)
{
    size_t i = 0;
    bool have_op = false, glued = false, last_bare = false, to_pending = false;
    kz_range_op op = KZ_OP_EQ;
    kz_rc rc;

    while (i < n) {
        size_t k = 0, start;
        bool to = false;

        if (p[i] == ' ') {
            i++;
            continue;
        }
        if (p[i] != '|' && p[i] != ',')
            k = stop_at(p + i, n - i, &to);
        if (p[i] == '|' || p[i] == ',' || (k != 0 && !to)) {
            if (have_op)
                return kz_fail(err, KZ_EINVAL, "comparator \"%s\" without a version",
                               op_str(op));
            if (to_pending)
                return kz_fail(err, KZ_EINVAL, "a range \"A - B\" without its upper end");
            i += (p[i] == '|' || p[i] == ',') ? 1 : k;
            glued = last_bare = false;
            continue;
        }
        if (k != 0 && to) {
            if (!last_bare || !glued || to_pending)
                return kz_fail(err, KZ_EINVAL, "\"%.*s\" at offset %zu does not follow a version",
                               (int)k, p + i, i);
            to_pending = true;
            i += k;
            continue;
        }
        if ((k = read_op(p + i, n - i, &op)) != 0) {
            if (have_op)
                return kz_fail(err, KZ_EINVAL, "two comparators in a row at offset %zu", i);
            if (glued && last_bare)
                return kz_fail(err, KZ_EINVAL,
                               "a version glued to a comparison at offset %zu: which is "
                               "the product and which the version?",
                               i);
            if (to_pending)
                return kz_fail(err, KZ_EINVAL, "a range \"A - B\" whose end has a comparator");
            have_op = true;
            i += k;
            continue;
        }
        if (p[i] == '!' || p[i] == '=' || p[i] == '<' || p[i] == '>')
            return kz_fail(err, KZ_EINVAL, "stray '%c' at offset %zu", p[i], i);
        /* A version: up to a separator, a comparator or a separating word. */
        start = i;
        while (i < n && p[i] != '|' && p[i] != ',' && !is_op_char((unsigned char)p[i])) {
            if (p[i] == ' ' && i + 1 < n && stop_at(p + i + 1, n - i - 1, &to) != 0)
                break;
            i++;
        }
        if ((rc = check_hand_version(p + start, i - start, err)) != KZ_OK)
            return rc;
        if (glued && !have_op && !to_pending)
            return kz_fail(err, KZ_EINVAL, "two versions without a separator at offset %zu",
                           start);
        if (to_pending) {
            b->r->c[b->r->n - 1].op = KZ_OP_GE;
            rc = add_constraint(b, KZ_OP_LE, p + start, i - start, err);
            to_pending = false;
            last_bare = false;
        } else {
            rc = add_constraint(b, have_op ? op : KZ_OP_EQ, p + start, i - start, err);
            last_bare = !have_op;
        }
        if (rc != KZ_OK)
            return rc;
        have_op = false;
        glued = true;
    }
    if (have_op)
        return kz_fail(err, KZ_EINVAL, "comparator \"%s\" at the end without a version",
                       op_str(op));
    if (to_pending)
        return kz_fail(err, KZ_EINVAL, "a range \"A - B\" without its upper end");
    return KZ_OK;
}

static kz_rc parse_hand(kz_sv t, kz_range *r, kz_err *err)
{
    char tmp[KZ_RANGE_MAX_BYTES + 1];
    builder b = {r, 0};
    size_t i, n = 0, k;
    const char *p;
    bool phrase = false;
    kz_range_op phrase_op = KZ_OP_EQ;
    kz_rc rc;

    /* '_' reads as a space ("<V18_Update_2"); runs of spaces are one. */
    for (i = 0; i < t.n; i++) {
        char c = (t.p[i] == '_' || t.p[i] == '\t') ? ' ' : t.p[i];
        if (c == ' ' && (n == 0 || tmp[n - 1] == ' '))
            continue;
        tmp[n++] = c;
    }
    while (n > 0 && tmp[n - 1] == ' ')
        n--;
    tmp[n] = '\0';
    p = tmp;
    r->scheme = KZ_VERSION_GENERIC;
    /* "All versions", "All BIOS versions", "All firmware versions", "Versions", "Version". */
    if ((k = word_at(p, n, "all")) != 0) {
        size_t j = k + (k < n);
        static const char *const kinds[] = {"bios", "firmware", "fw", "software", "hardware"};
        size_t m;
        for (m = 0; m < sizeof kinds / sizeof kinds[0]; m++)
            if ((k = word_at(p + j, n - j, kinds[m])) != 0) {
                j += k + (j + k < n);
                break;
            }
        if ((k = word_at(p + j, n - j, "versions")) == 0 &&
            (k = word_at(p + j, n - j, "version")) == 0)
            return kz_fail(err, KZ_EINVAL, "\"%.*s\" is not a version range", (int)(n > 64 ? 64 : n),
                           p);
        j += k;
        while (j < n && p[j] == ' ')
            j++;
        if (j == n) {
            r->kind = KZ_RANGE_ALL;
            return KZ_OK;
        }
        p += j;
        n -= j;
    } else if ((k = word_at(p, n, "versions")) != 0 || (k = word_at(p, n, "version")) != 0) {
        p += k;
        n -= k;
        while (n > 0 && p[0] == ' ')
            p++, n--;
    }
    if (n == 0)
        return kz_fail(err, KZ_EINVAL, "empty version range");
    for (i = 0; i < sizeof lead_phrases / sizeof lead_phrases[0]; i++)
        if (ci_starts(p, n, lead_phrases[i].phrase)) {
            k = strlen(lead_phrases[i].phrase);
            p += k;
            n -= k;
            phrase = true;
            phrase_op = lead_phrases[i].op;
            break;
        }
    for (i = 0; !phrase && i < sizeof tail_phrases / sizeof tail_phrases[0]; i++) {
        k = strlen(tail_phrases[i].phrase);
        if (n > k && ci_eq(p + n - k, k, tail_phrases[i].phrase)) {
            n -= k;
            phrase = true;
            phrase_op = tail_phrases[i].op;
        }
    }
    if ((rc = parse_hand_list(p, n, &b, err)) != KZ_OK)
        return rc;
    if (phrase) {
        if (r->n != 1 || r->c[0].op != KZ_OP_EQ)
            return kz_fail(err, KZ_EINVAL, "\"%.*s\": a phrase like \"prior to\" or \"and "
                           "later\" must go with one version alone", (int)(n > 64 ? 64 : n), p);
        r->c[0].op = phrase_op;
    }
    return finish_constraints(r, err);
}

kz_rc kz_range_parse(kz_sv text, kz_range *out, kz_err *err)
{
    kz_err local;
    kz_err *e = err != NULL ? err : &local;
    kz_sv t = text;
    size_t i;
    kz_rc rc = KZ_EINVAL;

    memset(out, 0, sizeof *out);
    out->kind = KZ_RANGE_UNKNOWN;
    if (text.p == NULL && text.n > 0) {
        rc = kz_fail(e, KZ_EUSAGE, "range view without bytes");
        goto out;
    }
    if (text.n > KZ_RANGE_MAX_BYTES) {
        rc = kz_fail(e, KZ_ELIMIT, "range is %zu bytes, more than %d", text.n,
                     KZ_RANGE_MAX_BYTES);
        goto out;
    }
    for (i = 0; i < text.n; i++) {
        unsigned char c = (unsigned char)text.p[i];
        if ((c < 0x20 && c != '\t') || c > 0x7e) {
            rc = kz_fail(e, KZ_EINVAL, "byte 0x%02x at offset %zu is not printable ASCII", c, i);
            goto out;
        }
    }
    while (t.n > 0 && (t.p[0] == ' ' || t.p[0] == '\t'))
        t.p++, t.n--;
    while (t.n > 0 && (t.p[t.n - 1] == ' ' || t.p[t.n - 1] == '\t'))
        t.n--;
    if (t.n == 0) {
        rc = kz_fail(e, KZ_EINVAL, "empty version range");
        goto out;
    }
    if (ci_starts(t.p, t.n, "vers:"))
        rc = parse_vers(t, out, e);
    else
        rc = parse_hand(t, out, e);
out:
    if (rc != KZ_OK) {
        out->kind = KZ_RANGE_UNKNOWN;
        out->n = 0;
        snprintf(out->reason, sizeof out->reason, "%s", e->msg);
    }
    return rc;
}

/* ---- containment ---------------------------------------------------------------------------- */

static bool is_lower(kz_range_op op)
{
    return op == KZ_OP_LT || op == KZ_OP_LE;
}

static bool is_greater(kz_range_op op)
{
    return op == KZ_OP_GT || op == KZ_OP_GE;
}

/*
 * The vers containment procedure over the constraints idx[0, m) of r (sorted by version), where
 * rel[i] is the tested version compared with constraint i.
 */
static bool vers_contains(const kz_range *r, const size_t *idx, size_t m, const int *rel)
{
    size_t s[KZ_RANGE_MAX_CONSTRAINTS], ns = 0, i;

    for (i = 0; i < m; i++) {
        kz_range_op op = r->c[idx[i]].op;
        if (rel[idx[i]] == 0 && (op == KZ_OP_EQ || op == KZ_OP_LE || op == KZ_OP_GE))
            return true;
    }
    for (i = 0; i < m; i++)
        if (rel[idx[i]] == 0 && r->c[idx[i]].op == KZ_OP_NE)
            return false;
    for (i = 0; i < m; i++)
        if (is_lower(r->c[idx[i]].op) || is_greater(r->c[idx[i]].op))
            s[ns++] = idx[i];
    if (ns == 0)
        return false;
    if (is_lower(r->c[s[0]].op) && rel[s[0]] < 0)
        return true;
    if (is_greater(r->c[s[ns - 1]].op) && rel[s[ns - 1]] > 0)
        return true;
    for (i = 0; i + 1 < ns; i++)
        if (is_greater(r->c[s[i]].op) && is_lower(r->c[s[i + 1]].op) && rel[s[i]] > 0 &&
            rel[s[i + 1]] < 0)
            return true;
    return false;
}

/* The vers spec's simplification: drops constraints made redundant by their neighbours. */
static size_t simplify(const kz_range *r, size_t *idx)
{
    size_t m = 0, i;

    for (i = 0; i < r->n; i++) {
        kz_range_op op = r->c[i].op;
        if (op == KZ_OP_NE)
            continue;
        if (m > 0 && is_greater(r->c[idx[m - 1]].op) &&
            (op == KZ_OP_EQ || is_greater(op)))
            continue;
        while (m > 0 && !is_greater(r->c[idx[m - 1]].op) && is_lower(op))
            m--;
        idx[m++] = i;
    }
    for (i = 0; i < r->n; i++)
        if (r->c[i].op == KZ_OP_NE)
            idx[m++] = i; /* order among these does not matter to vers_contains */
    return m;
}

kz_rc kz_range_contains(const kz_range *r, kz_sv version, kz_match *out, kz_err *err)
{
    int rel[KZ_RANGE_MAX_CONSTRAINTS] = {0};
    size_t all[KZ_RANGE_MAX_CONSTRAINTS] = {0}, simple[KZ_RANGE_MAX_CONSTRAINTS], ns, i;
    bool as_written, simplified;
    kz_rc rc;

    if (out == NULL)
        return kz_fail(err, KZ_EUSAGE, "kz_range_contains: no place for the answer");
    *out = KZ_MATCH_POSSIBLY;
    if (r == NULL)
        return kz_fail(err, KZ_EUSAGE, "kz_range_contains: no range");
    switch (r->kind) {
        case KZ_RANGE_UNKNOWN:
            kz_fail(err, KZ_EINVAL, "range not understood: %s", r->reason);
            return KZ_OK;
        case KZ_RANGE_ALL: *out = KZ_MATCH_AFFECTED; return KZ_OK;
        case KZ_RANGE_NONE: *out = KZ_MATCH_NOT_AFFECTED; return KZ_OK;
        case KZ_RANGE_CONSTRAINTS: break;
    }
    if (r->n > KZ_RANGE_MAX_CONSTRAINTS)
        return kz_fail(err, KZ_EUSAGE, "kz_range_contains: corrupt range");
    if ((rc = kz_version_check(version, r->scheme, err)) != KZ_OK) {
        kz_err_prefix(err, "version not comparable with the range");
        return rc == KZ_EUSAGE ? rc : KZ_OK;
    }
    for (i = 0; i < r->n; i++) {
        if (kz_version_compare(version, cons_sv(r, i), r->scheme, &rel[i], err) != KZ_OK) {
            kz_err_prefix(err, "version not comparable with the range");
            return KZ_OK;
        }
        all[i] = i;
    }
    as_written = vers_contains(r, all, r->n, rel);
    ns = simplify(r, simple);
    simplified = ns == r->n ? as_written : vers_contains(r, simple, ns, rel);
    if (as_written != simplified) {
        kz_fail(err, KZ_EINVAL,
                "the range's comparators do not alternate: as written the version is %s, "
                "with redundant constraints dropped it is %s",
                as_written ? "inside" : "outside", simplified ? "inside" : "outside");
        return KZ_OK;
    }
    *out = as_written ? KZ_MATCH_AFFECTED : KZ_MATCH_NOT_AFFECTED;
    return KZ_OK;
}

const char *kz_match_str(kz_match m)
{
    switch (m) {
        case KZ_MATCH_NOT_AFFECTED: return "not affected";
        case KZ_MATCH_AFFECTED: return "affected";
        case KZ_MATCH_POSSIBLY: return "possibly affected";
    }
    return "?";
}
