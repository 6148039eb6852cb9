/*
 * request.c - the parts of a TAXII 2.1 request that come from the peer as bytes: query strings
 * (filters and the paging cursor), Accept and Content-Type headers, Authorization headers and
 * POSTed envelopes. routes.c and server.c call these before anything touches the store; each
 * reads only within its view's length and reports what it expected in a message fit for a client.
 * Nothing here keeps state between calls, so every function is thread-safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/taxii.h"

/* ---- small helpers ------------------------------------------------------------------------- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* True when v equals the lower-case ASCII string s, ignoring case. */
static bool ieq(kz_sv v, const char *s)
{
    size_t n = strlen(s);

    if (v.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)v.p[i]) != s[i])
            return false;
    return true;
}

static bool is_ows(int c)
{
    return c == ' ' || c == '\t';
}

static kz_sv trim(kz_sv v)
{
    while (v.n > 0 && is_ows((unsigned char)v.p[0])) {
        v.p++;
        v.n--;
    }
    while (v.n > 0 && is_ows((unsigned char)v.p[v.n - 1]))
        v.n--;
    return v;
}

/*
 * Copies v into out (cap bytes) for an error message: printable ASCII kept, other bytes as '?',
 * cut at 64 characters with "...". Messages reach clients as JSON strings, so they stay ASCII.
 */
static const char *shown(kz_sv v, char *out, size_t cap)
{
    size_t o = 0, max = cap > 68 ? 64 : cap - 4;

    for (size_t i = 0; i < v.n && o + 1 < cap; i++) {
        int c = (unsigned char)v.p[i];
        if (o == max && i < v.n) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        out[o++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
    }
    out[o] = '\0';
    return out;
}

/* ---- query strings ------------------------------------------------------------------------- */

/* The parameters, in the order of the KZ_TQ_* bits. */
static const char *const param_names[] = {
    "added_after",   "limit",         "next",
    "match[id]",     "match[type]",   "match[version]",
    "match[spec_version]",
};
#define N_PARAMS (sizeof param_names / sizeof param_names[0])

/*
 * Percent-decodes in ('+' is a space) into out (cap bytes, may be 0); *len gets the decoded length
 * even when it does not fit, so that a long key is still checked. A bad %xx or a NUL is false.
 */
static bool pct_decode(kz_sv in, char *out, size_t cap, size_t *len)
{
    size_t o = 0;

    for (size_t i = 0; i < in.n; i++) {
        int c = (unsigned char)in.p[i];
        if (c == '%') {
            int hi, lo;
            if (in.n - i < 3)
                return false;
            hi = kz_hexval((unsigned char)in.p[i + 1]);
            lo = kz_hexval((unsigned char)in.p[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = hi * 16 + lo;
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == 0)
            return false;
        if (o < cap)
            out[o] = (char)c;
        o++;
    }
    *len = o;
    return true;
}

/* Storage for the filter's strings: one block, sized from the query so it cannot run out. */
typedef struct {
    char *p;
    size_t n, cap;
} arena;

static char *arena_put(arena *a, const char *s, size_t n)
{
    char *r;

    if (n + 1 > a->cap - a->n)
        return NULL; /* cannot happen: the block is sized for the worst case */
    r = a->p + a->n;
    memcpy(r, s, n);
    r[n] = '\0';
    a->n += n + 1;
    return r;
}

static bool stix_type_ok(kz_sv v)
{
    if (v.n < 3 || v.n > 250)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        int c = (unsigned char)v.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* type--UUID: the last 36 characters are the UUID, after "--". */
static bool stix_id_ok(kz_sv v)
{
    kz_sv t, u;

    if (v.n < 3 + 2 + 36)
        return false;
    t = (kz_sv){v.p, v.n - 38};
    u = (kz_sv){v.p + v.n - 36, 36};
    return v.p[v.n - 38] == '-' && v.p[v.n - 37] == '-' && stix_type_ok(t) &&
           kz_uuid_check(u) >= 0;
}

static bool spec_version_ok(kz_sv v)
{
    bool digit = false;

    if (v.n == 0 || v.n > 16)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] >= '0' && v.p[i] <= '9') {
            digit = true;
        } else if (v.p[i] == '.' && digit && i + 1 < v.n) {
            digit = false;
        } else {
            return false;
        }
    }
    return true;
}

/* Parses one value of match[...] (bit) into the filter. */
static kz_rc match_value(kz_taxii_filter *f, unsigned bit, kz_sv v, arena *a, kz_err *err)
{
    const char *name = param_names[__builtin_ctz(bit)];
    const char **list = NULL;
    size_t *count = NULL;
    char show[72], ts[KZ_TIME_MAX];
    kz_sv keep = v;

    if (v.n == 0)
        return kz_fail(err, KZ_EINVAL, "%s: an empty value in the list (expected %s)", name,
                       bit == KZ_TQ_MATCH_ID           ? "STIX ids"
                       : bit == KZ_TQ_MATCH_TYPE       ? "STIX types"
                       : bit == KZ_TQ_MATCH_VERSION    ? "first, last, all or timestamps"
                                                       : "spec versions such as 2.1");
    switch (bit) {
        case KZ_TQ_MATCH_ID:
            if (!stix_id_ok(v))
                return kz_fail(err, KZ_EINVAL,
                               "%s: \"%s\" is not a STIX id (expected type--UUID, such as "
                               "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f)",
                               name, shown(v, show, sizeof show));
            list = f->ids;
            count = &f->n_ids;
            break;
        case KZ_TQ_MATCH_TYPE:
            if (!stix_type_ok(v))
                return kz_fail(err, KZ_EINVAL,
                               "%s: \"%s\" is not a STIX type (expected 3 to 250 characters of "
                               "a-z, 0-9 and '-')",
                               name, shown(v, show, sizeof show));
            list = f->types;
            count = &f->n_types;
            break;
        case KZ_TQ_MATCH_SPEC_VERSION:
            if (!spec_version_ok(v))
                return kz_fail(err, KZ_EINVAL,
                               "%s: \"%s\" is not a spec version (expected digits and dots, "
                               "such as 2.1)",
                               name, shown(v, show, sizeof show));
            list = f->spec_versions;
            count = &f->n_spec_versions;
            break;
        default: {
            kz_time t;
            kz_err terr;
            if (kz_sv_eq_c(v, "first")) {
                f->ver_flags |= KZ_VER_FIRST;
                return KZ_OK;
            }
            if (kz_sv_eq_c(v, "last")) {
                f->ver_flags |= KZ_VER_LAST;
                return KZ_OK;
            }
            if (kz_sv_eq_c(v, "all")) {
                f->ver_flags |= KZ_VER_ALL;
                return KZ_OK;
            }
            if (kz_time_parse(v, &t, &terr) != KZ_OK)
                return kz_fail(err, KZ_EINVAL,
                               "%s: \"%s\" is neither first, last, all nor an RFC 3339 "
                               "timestamp (expected YYYY-MM-DDTHH:MM:SS[.s]Z)",
                               name, shown(v, show, sizeof show));
            kz_time_format(&t, 9, ts);
            keep = kz_sv_c(ts);
            list = f->versions;
            count = &f->n_versions;
            break;
        }
    }
    if (*count == KZ_TAXII_LIST_MAX)
        return kz_fail(err, KZ_EINVAL, "%s: more than %d values (at most %d in one list)", name,
                       KZ_TAXII_LIST_MAX, KZ_TAXII_LIST_MAX);
    if ((list[*count] = arena_put(a, keep.p, keep.n)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "%s: out of memory", name);
    (*count)++;
    return KZ_OK;
}

static bool cursor_decode(kz_sv v, int64_t *seq);

/* Parses the (decoded) value of the parameter `bit`. */
static kz_rc param_value(kz_taxii_filter *f, unsigned bit, kz_sv v, arena *a, kz_err *err)
{
    char show[72];

    switch (bit) {
        case KZ_TQ_ADDED_AFTER: {
            kz_time t;
            kz_err terr;
            if (kz_time_parse(v, &t, &terr) != KZ_OK)
                return kz_fail(err, KZ_EINVAL,
                               "added_after: \"%s\" is not an RFC 3339 UTC timestamp (expected "
                               "YYYY-MM-DDTHH:MM:SS[.s]Z)",
                               shown(v, show, sizeof show));
            kz_time_format(&t, 3, f->added_after);
            return KZ_OK;
        }
        case KZ_TQ_LIMIT:
            if (v.n == 0 || v.p[0] < '0' || v.p[0] > '9' ||
                kz_parse_i64(v, 1, (int64_t)1 << 31, &f->limit) != KZ_OK)
                return kz_fail(err, KZ_EINVAL,
                               "limit: \"%s\" is not a whole number from 1 to 2147483648",
                               shown(v, show, sizeof show));
            return KZ_OK;
        case KZ_TQ_NEXT:
            if (!cursor_decode(v, &f->next_seq))
                return kz_fail(err, KZ_EINVAL,
                               "next: not a cursor this server made (expected the value of "
                               "\"next\" from a previous page)");
            return KZ_OK;
        default:
            break;
    }
    /* match[...]: a comma-separated list. */
    for (size_t i = 0, start = 0; i <= v.n; i++) {
        if (i == v.n || v.p[i] == ',') {
            kz_rc rc = match_value(f, bit, (kz_sv){v.p + start, i - start}, a, err);
            if (rc != KZ_OK)
                return rc;
            start = i + 1;
        }
    }
    return KZ_OK;
}

kz_rc kz_taxii_filter_parse(kz_sv query, unsigned allowed, kz_taxii_filter *f, kz_err *err)
{
    arena a = {NULL, 0, 0};
    char *val = NULL;
    kz_rc rc = KZ_OK;

    memset(f, 0, sizeof *f);
    if (query.n == 0)
        return KZ_OK;
    if (query.n > SIZE_MAX / 4)
        return kz_fail(err, KZ_ELIMIT, "the query string is too long");
    /*
     * Every value decodes to at most its raw length plus a NUL; a version timestamp grows to the
     * 30-character fixed form but takes at least 21 raw bytes. Twice the query length plus one
     * timestamp therefore always fits; the decoded value itself is staged in `val`.
     */
    a.cap = query.n * 2 + KZ_TIME_MAX;
    if ((a.p = malloc(a.cap)) == NULL || (val = malloc(query.n + 1)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory reading the query string");
        goto out;
    }
    for (size_t i = 0, start = 0; i <= query.n; i++) {
        kz_sv piece, key, value = {"", 0};
        char kbuf[32], show[72];
        size_t klen, vlen, eq;
        unsigned bit = 0;

        if (i < query.n && query.p[i] != '&')
            continue;
        piece = (kz_sv){query.p + start, i - start};
        start = i + 1;
        if (piece.n == 0)
            continue;
        for (eq = 0; eq < piece.n && piece.p[eq] != '='; eq++)
            ;
        key = (kz_sv){piece.p, eq};
        if (eq < piece.n)
            value = (kz_sv){piece.p + eq + 1, piece.n - eq - 1};
        if (!pct_decode(key, kbuf, sizeof kbuf, &klen) ||
            !pct_decode(value, val, query.n, &vlen)) {
            rc = kz_fail(err, KZ_EINVAL,
                         "the query parameter \"%s\" has a bad percent-encoding or a NUL byte "
                         "(expected %%XX with two hex digits)",
                         shown(key, show, sizeof show));
            goto out;
        }
        for (size_t k = 0; k < N_PARAMS; k++) {
            if (klen == strlen(param_names[k]) && klen <= sizeof kbuf &&
                memcmp(kbuf, param_names[k], klen) == 0)
                bit = 1u << k;
        }
        if (bit == 0) {
            if (klen >= 6 && memcmp(kbuf, "match[", 6) == 0) {
                rc = kz_fail(err, KZ_EINVAL,
                             "%s is not a filter this server knows (expected match[id], "
                             "match[type], match[version] or match[spec_version])",
                             shown((kz_sv){kbuf, klen < sizeof kbuf ? klen : sizeof kbuf}, show,
                                   sizeof show));
                goto out;
            }
            continue; /* not TAXII's: ignored */
        }
        if ((allowed & bit) == 0) {
            rc = kz_fail(err, KZ_EINVAL, "parameter %s is not supported on this endpoint",
                         param_names[__builtin_ctz(bit)]);
            goto out;
        }
        if (f->given & bit) {
            rc = kz_fail(err, KZ_EINVAL,
                         "parameter %s is given twice (expected it once%s)",
                         param_names[__builtin_ctz(bit)],
                         bit >= KZ_TQ_MATCH_ID ? ", with a comma-separated list" : "");
            goto out;
        }
        f->given |= bit;
        if ((rc = param_value(f, bit, (kz_sv){val, vlen}, &a, err)) != KZ_OK)
            goto out;
    }
    f->store_ = a.p;
    a.p = NULL;
out:
    free(val);
    free(a.p);
    if (rc != KZ_OK)
        memset(f, 0, sizeof *f);
    return rc;
}

void kz_taxii_filter_free(kz_taxii_filter *f)
{
    if (f == NULL)
        return;
    free(f->store_);
    memset(f, 0, sizeof *f);
}

void kz_taxii_filter_to_query(const kz_taxii_filter *f, kz_query *q)
{
    q->ids = f->ids;
    q->n_ids = f->n_ids;
    q->types = f->types;
    q->n_types = f->n_types;
    q->spec_versions = f->spec_versions;
    q->n_spec_versions = f->n_spec_versions;
    q->ver_flags = f->ver_flags;
    q->versions = f->versions;
    q->n_versions = f->n_versions;
    q->after_seq = f->next_seq;
    q->limit = f->limit;
    q->added_after = (f->given & KZ_TQ_ADDED_AFTER) ? f->added_after : NULL;
}

/* ---- paging cursor ------------------------------------------------------------------------- */

/*
 * A cursor is "k1", the seq as 16 lower-case hex digits and the CRC-32 of those 18 characters as
 * 8 more: 26 URL-safe characters. The CRC catches every single-character typo and any swap of
 * neighbours; it is not a secret and does not need to be, since a forged cursor only pages.
 */
static uint32_t crc32_of(const char *p, size_t n)
{
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= (unsigned char)p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void hex_put(char *out, uint64_t v, int digits)
{
    static const char hx[] = "0123456789abcdef";

    for (int i = digits - 1; i >= 0; i--) {
        out[i] = hx[v & 15];
        v >>= 4;
    }
}

void kz_taxii_cursor_encode(int64_t seq, char out[KZ_TAXII_CURSOR_MAX])
{
    out[0] = 'k';
    out[1] = '1';
    hex_put(out + 2, (uint64_t)seq, 16);
    hex_put(out + 18, crc32_of(out, 18), 8);
    out[26] = '\0';
}

static bool cursor_decode(kz_sv v, int64_t *seq)
{
    uint64_t s = 0, c = 0;

    if (v.n != 26 || v.p[0] != 'k' || v.p[1] != '1')
        return false;
    for (size_t i = 2; i < 26; i++) {
        int d = (unsigned char)v.p[i];
        if (!((d >= '0' && d <= '9') || (d >= 'a' && d <= 'f')))
            return false; /* lower case only: one spelling per cursor */
        d = kz_hexval(d);
        if (i < 18)
            s = s << 4 | (unsigned)d;
        else
            c = c << 4 | (unsigned)d;
    }
    if (c != crc32_of(v.p, 18) || s == 0 || s > (uint64_t)INT64_MAX)
        return false;
    *seq = (int64_t)s;
    return true;
}

/* ---- media types --------------------------------------------------------------------------- */

/*
 * One media type with its parameters, as in Accept and Content-Type: type "/" subtype, then
 * ";" name "=" value, value a token or a quoted string. The views point into the header.
 */
typedef struct {
    kz_sv type, sub;
    bool bad;         /* not well formed */
    bool has_version; /* version parameter given */
    bool version_ok;  /* ... and it is 2.1 */
    bool has_charset;
    bool charset_ok;  /* utf-8 */
    bool other;       /* a parameter other than version, charset and q */
    int q;            /* 0..1000; 1000 when absent */
} media;

/* Unquotes a parameter value in place of a copy (quoted-pair allowed); false when malformed. */
static bool param_unquote(kz_sv v, char *out, size_t cap, size_t *len)
{
    size_t o = 0;

    if (v.n == 0)
        return false;
    if (v.p[0] != '"') {
        if (v.n > cap)
            return false;
        for (size_t i = 0; i < v.n; i++) {
            if (v.p[i] == '"' || is_ows((unsigned char)v.p[i]))
                return false;
            out[i] = v.p[i];
        }
        *len = v.n;
        return true;
    }
    if (v.n < 2 || v.p[v.n - 1] != '"')
        return false;
    for (size_t i = 1; i + 1 < v.n; i++) {
        char c = v.p[i];
        if (c == '\\') {
            if (i + 2 >= v.n)
                return false;
            c = v.p[++i];
        } else if (c == '"') {
            return false;
        }
        if (o == cap)
            return false;
        out[o++] = c;
    }
    *len = o;
    return true;
}

/* Parses a q-value: "0", "1", "0.xyz", "1.000" (up to three decimals) into 0..1000. */
static bool qvalue(kz_sv v, int *q)
{
    int r, scale = 100;

    if (v.n == 0 || v.n > 5 || (v.p[0] != '0' && v.p[0] != '1'))
        return false;
    r = (v.p[0] - '0') * 1000;
    if (v.n == 1)
        goto done;
    if (v.p[1] != '.')
        return false;
    for (size_t i = 2; i < v.n; i++, scale /= 10) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        r += (v.p[i] - '0') * scale;
    }
done:
    if (r > 1000)
        return false;
    *q = r;
    return true;
}

/* Splits off the next element of a list at `sep` outside quoted strings. */
static kz_sv next_item(kz_sv *rest, char sep)
{
    bool quoted = false;
    size_t i = 0;
    kz_sv item;

    for (; i < rest->n; i++) {
        char c = rest->p[i];
        if (quoted && c == '\\' && i + 1 < rest->n)
            i++;
        else if (c == '"')
            quoted = !quoted;
        else if (!quoted && c == sep)
            break;
    }
    item = (kz_sv){rest->p, i};
    if (i < rest->n) {
        rest->p += i + 1;
        rest->n -= i + 1;
    } else {
        rest->p += i;
        rest->n = 0;
    }
    return item;
}

static bool token_ok(kz_sv v)
{
    if (v.n == 0)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        int c = (unsigned char)v.p[i];
        if (c <= 0x20 || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c) != NULL)
            return false;
    }
    return true;
}

/* Parses one media type with parameters; q_allowed: a q parameter is taken (Accept only). */
static void media_parse(kz_sv s, bool q_allowed, media *m)
{
    kz_sv rest, mt;
    size_t slash;

    memset(m, 0, sizeof *m);
    m->q = 1000;
    rest = s;
    mt = trim(next_item(&rest, ';'));
    for (slash = 0; slash < mt.n && mt.p[slash] != '/'; slash++)
        ;
    m->type = (kz_sv){mt.p, slash};
    m->sub = slash < mt.n ? (kz_sv){mt.p + slash + 1, mt.n - slash - 1} : (kz_sv){"", 0};
    if (slash == mt.n || !token_ok(m->type) || !token_ok(m->sub)) {
        m->bad = true;
        return;
    }
    while (rest.n > 0) {
        kz_sv p = trim(next_item(&rest, ';')), name, value;
        char vbuf[16];
        size_t eq, vlen;

        if (p.n == 0)
            continue; /* "a/b;;c=d" and a trailing ';' are tolerated */
        for (eq = 0; eq < p.n && p.p[eq] != '='; eq++)
            ;
        if (eq == p.n) {
            m->bad = true;
            return;
        }
        name = (kz_sv){p.p, eq};
        value = (kz_sv){p.p + eq + 1, p.n - eq - 1};
        if (!token_ok(name)) {
            m->bad = true;
            return;
        }
        if (!param_unquote(value, vbuf, sizeof vbuf, &vlen)) {
            /* A long or malformed value: only fatal for the parameters that are read. */
            if (ieq(name, "version") || ieq(name, "charset") || ieq(name, "q")) {
                m->bad = true;
                return;
            }
            m->other = true;
            continue;
        }
        if (ieq(name, "q") && q_allowed) {
            if (!qvalue((kz_sv){vbuf, vlen}, &m->q)) {
                m->bad = true;
                return;
            }
            /* What follows q are accept-extensions, not media type parameters. */
            return;
        } else if (ieq(name, "version")) {
            if (m->has_version) {
                m->bad = true;
                return;
            }
            m->has_version = true;
            m->version_ok = kz_sv_eq_c((kz_sv){vbuf, vlen}, "2.1");
        } else if (ieq(name, "charset")) {
            if (m->has_charset) {
                m->bad = true;
                return;
            }
            m->has_charset = true;
            m->charset_ok = ieq((kz_sv){vbuf, vlen}, "utf-8");
        } else {
            m->other = true;
        }
    }
}

/* How specifically range m names the media type type/sub (version 2.1): 0 when not at all. */
static int specificity(const media *m, const char *sub)
{
    if (ieq(m->type, "*"))
        return ieq(m->sub, "*") ? 1 : 0;
    if (!ieq(m->type, "application"))
        return 0;
    if (ieq(m->sub, "*"))
        return 2;
    if (!ieq(m->sub, sub))
        return 0;
    if (m->has_version)
        return m->version_ok ? 4 : 0;
    return 3;
}

const char *kz_taxii_accept(kz_sv accept, bool stix_ok)
{
    static const char *const subs[2] = {"taxii+json", "stix+json"};
    int best_spec[2] = {0, 0}, q[2] = {0, 0};
    size_t pos[2] = {0, 0}, idx = 0;
    kz_sv rest = trim(accept);

    if (rest.n == 0)
        return KZ_TAXII_MEDIA;
    /* For each answer we can give, the q of the most specific range naming it (RFC 9110). */
    while (rest.n > 0) {
        kz_sv item = trim(next_item(&rest, ','));
        media m;

        if (item.n == 0)
            continue;
        idx++;
        media_parse(item, true, &m);
        if (m.bad)
            continue;
        for (int k = 0; k < (stix_ok ? 2 : 1); k++) {
            int sp = specificity(&m, subs[k]);
            if (k == 1 && sp < 3)
                sp = 0; /* wildcards answer with TAXII's own type */
            if (sp > best_spec[k]) {
                best_spec[k] = sp;
                q[k] = m.q;
                pos[k] = idx;
            }
        }
    }
    /* The higher q wins; on a tie, the one listed first. q=0 is "not acceptable". */
    if (best_spec[1] != 0 &&
        (best_spec[0] == 0 || q[1] > q[0] || (q[1] == q[0] && pos[1] < pos[0])))
        return q[1] > 0 ? KZ_STIX_MEDIA : NULL;
    if (best_spec[0] != 0)
        return q[0] > 0 ? KZ_TAXII_MEDIA : NULL;
    return NULL;
}

bool kz_taxii_content_type_ok(kz_sv content_type)
{
    media m;

    media_parse(trim(content_type), false, &m);
    if (m.bad || m.other || !ieq(m.type, "application"))
        return false;
    if (!ieq(m.sub, "taxii+json") && !ieq(m.sub, "stix+json"))
        return false;
    if (m.has_version && !m.version_ok)
        return false;
    return !m.has_charset || m.charset_ok;
}

/* ---- Authorization ------------------------------------------------------------------------- */

/* Strict base64 (RFC 4648 section 4, padded, no unused bits set, not empty) into out; false if
 * malformed or longer than cap. */
static bool b64_decode(kz_sv in, unsigned char *out, size_t cap, size_t *len)
{
    return in.n != 0 && kz_b64_decode(in, true, out, cap, len);
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
static bool b64token_ok(kz_sv t)
{
    size_t i = 0;

    while (i < t.n) {
        int c = (unsigned char)t.p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr("-._~+/", c) != NULL) || c == 0)
            break;
        i++;
    }
    if (i == 0)
        return false;
    while (i < t.n && t.p[i] == '=')
        i++;
    return i == t.n;
}

kz_rc kz_taxii_cred_parse(kz_sv authorization, kz_taxii_cred *out, kz_err *err)
{
    /* user, ':', password: the most a Basic credential that fits can decode to. */
    unsigned char dec[KZ_NAME_MAX + sizeof out->secret];
    kz_sv h = trim(authorization), scheme, rest;
    size_t sp, n = 0, colon;
    kz_rc rc = KZ_EINVAL;

    memset(out, 0, sizeof *out);
    if (h.n == 0)
        return KZ_OK;
    for (sp = 0; sp < h.n && !is_ows((unsigned char)h.p[sp]); sp++)
        ;
    scheme = (kz_sv){h.p, sp};
    rest = trim((kz_sv){h.p + sp, h.n - sp});
    if (ieq(scheme, "basic")) {
        if (rest.n > (sizeof dec + 2) / 3 * 4) {
            rc = kz_fail(err, KZ_EINVAL,
                         "Authorization: the Basic credentials are longer than %zu bytes",
                         sizeof dec - 1);
            goto out;
        }
        if (!b64_decode(rest, dec, sizeof dec, &n)) {
            rc = kz_fail(err, KZ_EINVAL,
                         "Authorization: the Basic credentials are not base64 (expected "
                         "base64 of user:password, padded with '=')");
            goto out;
        }
        if (memchr(dec, 0, n) != NULL) {
            rc = kz_fail(err, KZ_EINVAL, "Authorization: the Basic credentials hold a NUL byte");
            goto out;
        }
        for (colon = 0; colon < n && dec[colon] != ':'; colon++)
            ;
        if (colon == n) {
            rc = kz_fail(err, KZ_EINVAL,
                         "Authorization: the Basic credentials have no ':' (expected "
                         "user:password)");
            goto out;
        }
        if (colon == 0 || colon > KZ_NAME_MAX - 1) {
            rc = kz_fail(err, KZ_EINVAL,
                         "Authorization: the user name must be 1 to %d bytes long",
                         KZ_NAME_MAX - 1);
            goto out;
        }
        if (n - colon - 1 > sizeof out->secret - 1) {
            rc = kz_fail(err, KZ_EINVAL, "Authorization: the password is longer than %zu bytes",
                         sizeof out->secret - 1);
            goto out;
        }
        memcpy(out->user, dec, colon);
        out->user[colon] = '\0';
        out->secret_n = n - colon - 1;
        memcpy(out->secret, dec + colon + 1, out->secret_n);
        out->secret[out->secret_n] = '\0';
        out->kind = KZ_CRED_BASIC;
        rc = KZ_OK;
    } else if (ieq(scheme, "bearer")) {
        if (!b64token_ok(rest)) {
            rc = kz_fail(err, KZ_EINVAL,
                         "Authorization: the Bearer token is empty or has characters a token "
                         "cannot hold (expected letters, digits and -._~+/, then '=')");
            goto out;
        }
        if (rest.n > sizeof out->secret - 1) {
            rc = kz_fail(err, KZ_EINVAL, "Authorization: the Bearer token is longer than %zu bytes",
                         sizeof out->secret - 1);
            goto out;
        }
        memcpy(out->secret, rest.p, rest.n);
        out->secret[rest.n] = '\0';
        out->secret_n = rest.n;
        out->kind = KZ_CRED_BEARER;
        rc = KZ_OK;
    } else {
        /* The scheme is not echoed: a client that forgot it sent its secret in its place. */
        rc = kz_fail(err, KZ_EINVAL,
                     "Authorization: the scheme is not Basic or Bearer (expected \"Basic "
                     "base64(user:password)\" or \"Bearer token\")");
    }
out:
    explicit_bzero(dec, sizeof dec);
    if (rc != KZ_OK)
        kz_taxii_cred_wipe(out);
    return rc;
}

void kz_taxii_cred_wipe(kz_taxii_cred *c)
{
    if (c != NULL)
        explicit_bzero(c, sizeof *c);
}

/* ---- envelopes ----------------------------------------------------------------------------- */

#define PATH_MAX_CHARS 200

/* Appends a path step to path (NUL-terminated, PATH_MAX_CHARS + 8 bytes); returns old length. */
static size_t path_push_key(char *path, const char *key)
{
    size_t n = strlen(path), o = n;
    char show[72];

    if (o >= PATH_MAX_CHARS)
        return n;
    shown(kz_sv_c(key), show, sizeof show);
    snprintf(path + o, PATH_MAX_CHARS + 8 - o, ".%s", show);
    if (strlen(path) > PATH_MAX_CHARS)
        memcpy(path + PATH_MAX_CHARS, "...", 4);
    return n;
}

static size_t path_push_index(char *path, size_t i)
{
    size_t n = strlen(path);

    if (n < PATH_MAX_CHARS) {
        snprintf(path + n, PATH_MAX_CHARS + 8 - n, "[%zu]", i);
        if (strlen(path) > PATH_MAX_CHARS)
            memcpy(path + PATH_MAX_CHARS, "...", 4);
    }
    return n;
}

/*
 * True when v nests no deeper than max, v itself at depth `depth` (an object in the envelope is
 * depth 1, as the STIX reader counts). On false, path names the first container too deep. The
 * recursion is bounded by max, and jansson's own parser stops at 2048 levels besides.
 */
static bool depth_ok(json_t *v, size_t depth, size_t max, char *path)
{
    size_t keep;

    if (!json_is_object(v) && !json_is_array(v))
        return true;
    if (depth > max)
        return false;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach(v, k, c) {
            if (!json_is_object(c) && !json_is_array(c))
                continue;
            keep = path_push_key(path, k);
            if (!depth_ok(c, depth + 1, max, path))
                return false;
            path[keep] = '\0';
        }
    } else {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            if (!json_is_object(c) && !json_is_array(c))
                continue;
            keep = path_push_index(path, i);
            if (!depth_ok(c, depth + 1, max, path))
                return false;
            path[keep] = '\0';
        }
    }
    return true;
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
        case JSON_OBJECT: return "an object";
        case JSON_ARRAY: return "an array";
        case JSON_STRING: return "a string";
        case JSON_INTEGER:
        case JSON_REAL: return "a number";
        case JSON_TRUE:
        case JSON_FALSE: return "a boolean";
        case JSON_NULL: return "null";
    }
    return "a value";
}

kz_rc kz_taxii_envelope_parse(kz_sv body, size_t max_objects, const kz_limits *lim,
                              json_t **objects, kz_err *err)
{
    json_t *doc = NULL, *arr;
    json_error_t jerr;
    kz_rc rc = KZ_EINVAL;
    size_t i;
    json_t *o;

    *objects = NULL;
    if ((doc = json_loadb(body.p, body.n, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        if (json_error_code(&jerr) == json_error_out_of_memory)
            rc = kz_fail(err, KZ_ENOMEM, "out of memory reading the envelope");
        else
            rc = kz_fail(err, KZ_EINVAL, "the body is not JSON: line %d, column %d: %s",
                         jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(doc)) {
        rc = kz_fail(err, KZ_EINVAL,
                     "the body is %s, not a JSON object (expected an envelope {\"objects\": "
                     "[...]} or a STIX bundle)",
                     json_kind(doc));
        goto out;
    }
    arr = json_object_get(doc, "objects");
    if (arr == NULL) {
        if ((*objects = json_array()) == NULL) {
            rc = kz_fail(err, KZ_ENOMEM, "out of memory reading the envelope");
            goto out;
        }
        rc = KZ_OK;
        goto out;
    }
    if (!json_is_array(arr)) {
        rc = kz_fail(err, KZ_EINVAL, "objects: expected an array of STIX objects, found %s",
                     json_kind(arr));
        goto out;
    }
    if (json_array_size(arr) > max_objects) {
        rc = kz_fail(err, KZ_ELIMIT, "the envelope holds %zu objects, the limit is %zu",
                     json_array_size(arr), max_objects);
        goto out;
    }
    json_array_foreach(arr, i, o) {
        char path[PATH_MAX_CHARS + 8];
        if (!json_is_object(o)) {
            rc = kz_fail(err, KZ_EINVAL, "objects[%zu]: expected a STIX object, found %s", i,
                         json_kind(o));
            goto out;
        }
        snprintf(path, sizeof path, "objects[%zu]", i);
        if (!depth_ok(o, 1, lim->json_depth, path)) {
            rc = kz_fail(err, KZ_ELIMIT, "%s: nested deeper than the limit of %zu levels", path,
                         lim->json_depth);
            goto out;
        }
    }
    *objects = json_incref(arr);
    rc = KZ_OK;
out:
    json_decref(doc);
    return rc;
}

/* ---- version text -------------------------------------------------------------------------- */

/* True when s is "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" character for character. */
static bool fixed_form(kz_sv s)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

    if (s.n != sizeof shape - 1)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        if (shape[i] == 'd' ? s.p[i] < '0' || s.p[i] > '9' : s.p[i] != shape[i])
            return false;
    }
    return true;
}

void kz_taxii_version_text(kz_sv stored, char out[KZ_TIME_MAX])
{
    size_t n = stored.n < KZ_TIME_MAX - 1 ? stored.n : KZ_TIME_MAX - 1, digits = 9;

    if (!fixed_form(stored)) {
        if (n)
            memcpy(out, stored.p, n);
        out[n] = '\0';
        return;
    }
    if (memcmp(stored.p + 26, "000", 3) == 0)
        digits = memcmp(stored.p + 23, "000", 3) == 0 ? 3 : 6;
    memcpy(out, stored.p, 20 + digits);
    out[20 + digits] = 'Z';
    out[21 + digits] = '\0';
}
