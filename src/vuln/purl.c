/*
 * purl.c - Package URLs: strict parsing into decoded, normalised components, and the canonical
 * form. Follows the package-url/purl-spec "How to parse" and "How to build" procedures and the
 * ECMA-427 character rules; PURL-TYPES gives the per-type normalisation.
 *
 * Components are decoded into the kz_purl's own fixed buffer, so nothing here allocates except
 * through the caller's kz_buf. Percent-decoding never grows text, so a purl within
 * KZ_PURL_MAX_BYTES always fits.
 */
#include <string.h>

#include "kizuna/purl.h"

static bool is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static kz_sv span_sv(const kz_purl *p, kz_purl_span s)
{
    kz_sv v = {p->text + s.off, s.len};
    return v;
}

/* Type-specific normalisation from PURL-TYPES: which parts are case-insensitive. */
static const struct {
    const char *type;
    bool ns_lower, name_lower, dash_underscore;
} type_rules[] = {
    {"alpm", true, true, false},      {"apk", true, true, false},
    {"bitbucket", true, true, false}, {"bitnami", false, true, false},
    {"composer", true, true, false},  {"deb", true, true, false},
    {"github", true, true, false},    {"hex", true, true, false},
    {"npm", false, true, false},      {"pub", false, true, false},
    {"pypi", false, true, true},
};

/* Checks that s[0, n) is well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF); returns the offset of the first bad byte, or n. */
static size_t utf8_check(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (n - i < len)
            return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += len;
    }
    return n;
}

/*
 * Percent-decodes s[0, n) (at byte pos of the input) onto the end of p->text. Rejects a '%'
 * without two hex digits, control characters and bytes that are not UTF-8. `what` names the
 * component for the message.
 */
static kz_rc decode(kz_purl *p, const char *s, size_t n, size_t pos, const char *what,
                    kz_err *err)
{
    size_t start = p->used, bad;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return kz_fail(err, KZ_EINVAL,
                               "purl %s (at byte %zu): '%%' must be followed by two hex digits",
                               what, pos + i);
            c = (unsigned char)(hi * 16 + lo);
            if (c < 0x20 || c == 0x7f)
                return kz_fail(err, KZ_EINVAL,
                               "purl %s (at byte %zu): %%%c%c decodes to the control character "
                               "0x%02x",
                               what, pos + i, s[i + 1], s[i + 2], c);
            i += 2;
        }
        if (p->used >= KZ_PURL_MAX_BYTES)
            return kz_fail(err, KZ_ELIMIT, "purl too long to decode");
        p->text[p->used++] = (char)c;
    }
    bad = utf8_check((const unsigned char *)p->text + start, p->used - start);
    if (bad != p->used - start)
        return kz_fail(err, KZ_EINVAL,
                       "purl %s (at byte %zu): decoded bytes are not UTF-8 (at decoded byte %zu)",
                       what, pos, bad);
    return KZ_OK;
}

static size_t find(kz_sv in, size_t from, size_t to, char c)
{
    for (size_t i = from; i < to; i++)
        if (in.p[i] == c)
            return i;
    return to;
}

static size_t rfind(kz_sv in, size_t from, size_t to, char c)
{
    for (size_t i = to; i > from; i--)
        if (in.p[i - 1] == c)
            return i - 1;
    return to;
}

static void lower_span(kz_purl *p, kz_purl_span s)
{
    for (size_t i = 0; i < s.len; i++)
        p->text[s.off + i] = (char)lower((unsigned char)p->text[s.off + i]);
}

static void normalise(kz_purl *p)
{
    kz_sv type = span_sv(p, p->type);

    for (size_t i = 0; i < sizeof type_rules / sizeof type_rules[0]; i++) {
        if (!kz_sv_eq_c(type, type_rules[i].type))
            continue;
        if (type_rules[i].ns_lower)
            lower_span(p, p->ns);
        if (type_rules[i].name_lower)
            lower_span(p, p->name);
        if (type_rules[i].dash_underscore)
            for (size_t k = 0; k < p->name.len; k++)
                if (p->text[p->name.off + k] == '_')
                    p->text[p->name.off + k] = '-';
    }
}

/*
 * Decodes the '/'-separated segments of in[from, to) into one span joined by '/'. Empty raw
 * segments are skipped; a segment that decodes to contain '/' is an error; with `subpath`,
 * segments that decode to "", "." or ".." are dropped.
 */
static kz_rc segments(kz_purl *p, kz_sv in, size_t from, size_t to, const char *what,
                      bool subpath, kz_purl_span *out, kz_err *err)
{
    size_t seg = from;
    kz_rc rc = KZ_OK;

    out->off = p->used;
    out->len = 0;
    for (size_t i = from; i <= to && rc == KZ_OK; i++) {
        size_t mark, dlen;
        if (i < to && in.p[i] != '/')
            continue;
        if (i == seg) {
            seg = i + 1;
            continue;
        }
        mark = p->used;
        if (mark > out->off && (rc = decode(p, "/", 1, 0, what, err)) != KZ_OK)
            break;
        if ((rc = decode(p, in.p + seg, i - seg, seg, what, err)) != KZ_OK)
            break;
        dlen = p->used - mark - (mark > out->off);
        if (memchr(p->text + p->used - dlen, '/', dlen) != NULL)
            return kz_fail(err, KZ_EINVAL,
                           "purl %s segment (at byte %zu) decodes to contain '/'; a segment may "
                           "not",
                           what, seg);
        if (subpath && (dlen == 0 || (dlen == 1 && p->text[p->used - 1] == '.') ||
                        (dlen == 2 && memcmp(p->text + p->used - 2, "..", 2) == 0)))
            p->used = (uint16_t)mark; /* "." and ".." mean nothing in a subpath */
        seg = i + 1;
    }
    out->len = (uint16_t)(p->used - out->off);
    return rc;
}

static kz_rc qualifiers(kz_purl *p, kz_sv in, size_t from, size_t to, kz_err *err)
{
    size_t pair = from;

    for (size_t i = from; i <= to; i++) {
        size_t eq, mark = p->used, k;
        kz_purl_span key, value;
        kz_rc rc;
        if (i < to && in.p[i] != '&')
            continue;
        if (i == pair) {
            pair = i + 1;
            continue;
        }
        eq = find(in, pair, i, '=');
        if (eq == i)
            return kz_fail(err, KZ_EINVAL,
                           "purl qualifier (at byte %zu): '%.*s' has no '='; expected key=value",
                           pair, (int)(i - pair > 64 ? 64 : i - pair), in.p + pair);
        if (eq == pair)
            return kz_fail(err, KZ_EINVAL, "purl qualifier (at byte %zu): empty key", pair);
        if (is_digit((unsigned char)in.p[pair]))
            return kz_fail(err, KZ_EINVAL,
                           "purl qualifier key (at byte %zu): must not start with a digit", pair);
        key.off = p->used;
        for (k = pair; k < eq; k++) {
            unsigned char c = (unsigned char)in.p[k];
            if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-' && c != '_')
                return kz_fail(err, KZ_EINVAL,
                               "purl qualifier key (at byte %zu): character '%c' is not allowed; "
                               "keys are ASCII letters, digits, '.', '-' and '_', not encoded",
                               k, c);
            p->text[p->used++] = (char)lower(c);
        }
        key.len = (uint16_t)(eq - pair);
        value.off = p->used;
        if ((rc = decode(p, in.p + eq + 1, i - eq - 1, eq + 1, "qualifier value", err)) != KZ_OK)
            return rc;
        value.len = (uint16_t)(p->used - value.off);
        for (k = 0; k < p->nqual; k++)
            if (kz_sv_eq(span_sv(p, p->qual[k].key), span_sv(p, key)))
                return kz_fail(err, KZ_EINVAL,
                               "purl qualifier (at byte %zu): duplicate key '%.*s'", pair,
                               (int)key.len, p->text + key.off);
        if (value.len == 0) {
            p->used = (uint16_t)mark; /* an empty value is the same as no qualifier */
        } else {
            if (p->nqual >= KZ_PURL_MAX_QUALIFIERS)
                return kz_fail(err, KZ_ELIMIT, "purl has more than %d qualifiers",
                               KZ_PURL_MAX_QUALIFIERS);
            p->qual[p->nqual].key = key;
            p->qual[p->nqual].value = value;
            p->nqual++;
        }
        pair = i + 1;
    }
    /* Sort by key; keys are unique, so the order is total. */
    for (size_t i = 1; i < p->nqual; i++) {
        for (size_t j = i; j > 0; j--) {
            kz_sv a = span_sv(p, p->qual[j - 1].key), b = span_sv(p, p->qual[j].key);
            size_t n = a.n < b.n ? a.n : b.n;
            int c = memcmp(a.p, b.p, n);
            if (c < 0 || (c == 0 && a.n < b.n))
                break;
            {
                kz_purl_qual t = p->qual[j];
                p->qual[j] = p->qual[j - 1];
                p->qual[j - 1] = t;
            }
        }
    }
    return KZ_OK;
}

kz_rc kz_purl_parse(kz_sv in, kz_purl *out, kz_err *err)
{
    size_t end, hash, qmark, ts, te, ps, pe, slash, at, ns_end, name_start;
    kz_rc rc = KZ_OK;

    memset(out, 0, offsetof(kz_purl, text));
    if (in.n > KZ_PURL_MAX_BYTES)
        return kz_fail(err, KZ_ELIMIT, "purl is %zu bytes; the limit is %d", in.n,
                       KZ_PURL_MAX_BYTES);
    for (size_t i = 0; i < in.n; i++) {
        unsigned char c = (unsigned char)in.p[i];
        if (c < 0x21 || c > 0x7e)
            return kz_fail(err, KZ_EINVAL,
                           "purl (at byte %zu): character 0x%02x must be percent-encoded", i, c);
    }
    if (in.n < 4 || lower((unsigned char)in.p[0]) != 'p' || lower((unsigned char)in.p[1]) != 'k' ||
        lower((unsigned char)in.p[2]) != 'g' || in.p[3] != ':')
        return kz_fail(err, KZ_EINVAL, "purl (at byte 0): expected the scheme 'pkg:'");
    end = in.n;
    hash = find(in, 4, end, '#');
    if (hash < end && find(in, hash + 1, end, '#') < end)
        return kz_fail(err, KZ_EINVAL,
                       "purl subpath (at byte %zu): a second '#'; encode it as %%23",
                       find(in, hash + 1, end, '#'));
    qmark = find(in, 4, hash, '?');

    /* Type: after any slashes, up to the next '/'. */
    ts = 4;
    while (ts < qmark && in.p[ts] == '/')
        ts++;
    te = find(in, ts, qmark, '/');
    if (te == ts)
        return kz_fail(err, KZ_EINVAL, "purl type (at byte %zu): missing; expected pkg:type/name",
                       ts);
    if (!is_alpha((unsigned char)in.p[ts]))
        return kz_fail(err, KZ_EINVAL, "purl type (at byte %zu): must start with an ASCII letter",
                       ts);
    for (size_t i = ts; i < te; i++) {
        unsigned char c = (unsigned char)in.p[i];
        if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '+' && c != '-')
            return kz_fail(err, KZ_EINVAL,
                           "purl type (at byte %zu): character '%c' is not allowed; a type is "
                           "ASCII letters, digits, '.', '+' and '-'%s",
                           i, c, te == qmark ? " (and a name is required after '/')" : "");
    }
    if (te == qmark)
        return kz_fail(err, KZ_EINVAL, "purl name (at byte %zu): missing; expected pkg:%.*s/name",
                       te, (int)(te - ts > 32 ? 32 : te - ts), in.p + ts);
    out->type.off = out->used;
    for (size_t i = ts; i < te; i++)
        out->text[out->used++] = (char)lower((unsigned char)in.p[i]);
    out->type.len = (uint16_t)(te - ts);

    /* Namespace, name and version: the path after the type, trailing slashes ignored. An '@'
     * counts as the version separator only after the last '/'. */
    ps = te + 1;
    pe = qmark;
    while (pe > ps && in.p[pe - 1] == '/')
        pe--;
    slash = rfind(in, ps, pe, '/');
    name_start = slash < pe ? slash + 1 : ps;
    ns_end = slash < pe ? slash : ps;
    at = rfind(in, name_start, pe, '@');
    if ((rc = segments(out, in, ps, ns_end, "namespace", false, &out->ns, err)) != KZ_OK)
        return rc;
    if ((at < pe ? at : pe) == name_start)
        return kz_fail(err, KZ_EINVAL, "purl name (at byte %zu): missing; a name is required",
                       name_start);
    out->name.off = out->used;
    if ((rc = decode(out, in.p + name_start, (at < pe ? at : pe) - name_start, name_start, "name",
                     err)) != KZ_OK)
        return rc;
    out->name.len = (uint16_t)(out->used - out->name.off);
    if (at < pe) {
        if (at + 1 == pe)
            return kz_fail(err, KZ_EINVAL,
                           "purl version (at byte %zu): '@' with no version after it", at);
        out->version.off = out->used;
        if ((rc = decode(out, in.p + at + 1, pe - at - 1, at + 1, "version", err)) != KZ_OK)
            return rc;
        out->version.len = (uint16_t)(out->used - out->version.off);
        out->has_version = true;
    }
    if (qmark < hash && (rc = qualifiers(out, in, qmark + 1, hash, err)) != KZ_OK)
        return rc;
    if (hash < end && (rc = segments(out, in, hash + 1, end, "subpath", true, &out->subpath,
                                     err)) != KZ_OK)
        return rc;
    normalise(out);
    return KZ_OK;
}

/* Appends v percent-encoded: all but ASCII letters, digits, ".-_~", ':' and, with keep_slash,
 * '/'. */
static kz_rc encode(kz_buf *b, kz_sv v, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    kz_rc rc = KZ_OK;

    for (size_t i = 0; i < v.n && rc == KZ_OK; i++) {
        unsigned char c = (unsigned char)v.p[i];
        bool keep = is_alpha(c) || is_digit(c) || (c != 0 && strchr(".-_~:", c) != NULL) ||
                    (keep_slash && c == '/');
        if (keep) {
            rc = kz_buf_append(b, v.p + i, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = kz_buf_append(b, e, 3);
        }
    }
    return rc;
}

/* Appends the '/'-joined segments of v, each encoded. */
static kz_rc encode_segments(kz_buf *b, kz_sv v)
{
    size_t seg = 0;
    kz_rc rc = KZ_OK;

    for (size_t i = 0; i <= v.n && rc == KZ_OK; i++) {
        if (i < v.n && v.p[i] != '/')
            continue;
        if (seg > 0)
            rc = kz_buf_append(b, "/", 1);
        if (rc == KZ_OK)
            rc = encode(b, (kz_sv){v.p + seg, i - seg}, false);
        seg = i + 1;
    }
    return rc;
}

kz_rc kz_purl_format(const kz_purl *p, kz_buf *b)
{
    kz_rc rc;

    if ((rc = kz_buf_puts(b, "pkg:")) != KZ_OK ||
        (rc = kz_buf_append(b, p->text + p->type.off, p->type.len)) != KZ_OK ||
        (rc = kz_buf_append(b, "/", 1)) != KZ_OK)
        goto out;
    if (p->ns.len > 0 && ((rc = encode_segments(b, span_sv(p, p->ns))) != KZ_OK ||
                          (rc = kz_buf_append(b, "/", 1)) != KZ_OK))
        goto out;
    if ((rc = encode(b, span_sv(p, p->name), false)) != KZ_OK)
        goto out;
    if (p->has_version && ((rc = kz_buf_append(b, "@", 1)) != KZ_OK ||
                           (rc = encode(b, span_sv(p, p->version), false)) != KZ_OK))
        goto out;
    for (size_t i = 0; i < p->nqual; i++) {
        if ((rc = kz_buf_append(b, i == 0 ? "?" : "&", 1)) != KZ_OK ||
            (rc = kz_buf_append(b, p->text + p->qual[i].key.off, p->qual[i].key.len)) != KZ_OK ||
            (rc = kz_buf_append(b, "=", 1)) != KZ_OK ||
            (rc = encode(b, span_sv(p, p->qual[i].value), true)) != KZ_OK)
            goto out;
    }
    if (p->subpath.len > 0 && ((rc = kz_buf_append(b, "#", 1)) != KZ_OK ||
                               (rc = encode_segments(b, span_sv(p, p->subpath))) != KZ_OK))
        goto out;
out:
    return rc;
}

kz_sv kz_purl_type(const kz_purl *p)
{
    return span_sv(p, p->type);
}

kz_sv kz_purl_namespace(const kz_purl *p)
{
    return span_sv(p, p->ns);
}

kz_sv kz_purl_name(const kz_purl *p)
{
    return span_sv(p, p->name);
}

kz_sv kz_purl_version(const kz_purl *p)
{
    return span_sv(p, p->version);
}

kz_sv kz_purl_subpath(const kz_purl *p)
{
    return span_sv(p, p->subpath);
}

size_t kz_purl_qualifier_count(const kz_purl *p)
{
    return p->nqual;
}

void kz_purl_qualifier(const kz_purl *p, size_t i, kz_sv *key, kz_sv *value)
{
    kz_sv none = {"", 0};

    *key = *value = none;
    if (i < p->nqual) {
        *key = span_sv(p, p->qual[i].key);
        *value = span_sv(p, p->qual[i].value);
    }
}

bool kz_purl_qualifier_get(const kz_purl *p, const char *key, kz_sv *value)
{
    for (size_t i = 0; i < p->nqual; i++) {
        if (kz_sv_eq_c(span_sv(p, p->qual[i].key), key)) {
            if (value != NULL)
                *value = span_sv(p, p->qual[i].value);
            return true;
        }
    }
    return false;
}

bool kz_purl_same_package(const kz_purl *a, const kz_purl *b)
{
    return kz_sv_eq(kz_purl_type(a), kz_purl_type(b)) &&
           kz_sv_eq(kz_purl_namespace(a), kz_purl_namespace(b)) &&
           kz_sv_eq(kz_purl_name(a), kz_purl_name(b));
}

bool kz_purl_equal(const kz_purl *a, const kz_purl *b)
{
    if (!kz_purl_same_package(a, b) || a->has_version != b->has_version ||
        !kz_sv_eq(kz_purl_version(a), kz_purl_version(b)) ||
        !kz_sv_eq(kz_purl_subpath(a), kz_purl_subpath(b)) || a->nqual != b->nqual)
        return false;
    for (size_t i = 0; i < a->nqual; i++) {
        if (!kz_sv_eq(span_sv(a, a->qual[i].key), span_sv(b, b->qual[i].key)) ||
            !kz_sv_eq(span_sv(a, a->qual[i].value), span_sv(b, b->qual[i].value)))
            return false;
    }
    return true;
}
