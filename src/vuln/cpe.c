/*
 * cpe.c - CPE 2.3 names: unbinding the formatted string and the 2.2 URI into a WFN (NIST IR
 * 7695 sections 6.1.3 and 6.2.3), binding a WFN back to a formatted string (6.2.2), and name
 * matching (NIST IR 7696). The vulnerability matcher compares product records with this.
 *
 * A WFN value is kept quoted: letters, digits and '_' as they are, every other character after a
 * backslash, and the wildcards '*' and '?' unquoted. Everything is written into the kz_cpe's own
 * fixed buffer; no function here allocates except through the caller's kz_buf.
 */
#include <string.h>

#include "kizuna/cpe.h"

static const char *const attr_names[KZ_CPE_NATTR] = {
    "part",     "vendor",     "product",   "version",   "update", "edition",
    "language", "sw_edition", "target_sw", "target_hw", "other",
};

const char *kz_cpe_attr_name(kz_cpe_attr a)
{
    return (unsigned)a < KZ_CPE_NATTR ? attr_names[a] : "?";
}

const char *kz_cpe_rel_str(kz_cpe_rel r)
{
    switch (r) {
        case KZ_CPE_DISJOINT: return "DISJOINT";
        case KZ_CPE_SUBSET: return "SUBSET";
        case KZ_CPE_SUPERSET: return "SUPERSET";
        case KZ_CPE_EQUAL: return "EQUAL";
        case KZ_CPE_UNDEFINED: return "UNDEFINED";
    }
    return "?";
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Printable ASCII without the space: the only bytes a CPE value may hold. */
static bool is_graph(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e;
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

/* Appends one byte of WFN text. The buffer is sized so that this cannot fail for input within
 * KZ_CPE_MAX_BYTES; the check stays so that a change elsewhere cannot overrun it. */
static kz_rc put(kz_cpe *c, char ch)
{
    if (c->used >= KZ_CPE_TEXT_MAX)
        return KZ_ELIMIT;
    c->text[c->used++] = ch;
    return KZ_OK;
}

static kz_rc put2(kz_cpe *c, char a, char b)
{
    kz_rc rc;

    if ((rc = put(c, a)) != KZ_OK)
        return rc;
    return put(c, b);
}

/*
 * The shape of a WFN value: an optional prefix ('*', or a run of '?'), a body without unquoted
 * wildcards, an optional suffix. pre and post are -1 for '*', else the number of '?'.
 */
typedef struct {
    int pre, post;
    size_t bs, be; /* the body's bytes */
} wild_shape;

static bool split_wild(const char *v, size_t n, wild_shape *w)
{
    size_t i = 0, j;

    w->pre = w->post = 0;
    if (n > 0 && v[0] == '*') {
        w->pre = -1;
        i = 1;
    } else {
        while (i < n && v[i] == '?') {
            w->pre++;
            i++;
        }
    }
    w->bs = j = i;
    while (j < n && v[j] != '*' && v[j] != '?') {
        if (v[j] == '\\') {
            if (j + 1 >= n)
                return false;
            j++;
        }
        j++;
    }
    w->be = j;
    if (j < n) {
        if (v[j] == '*') {
            w->post = -1;
            j++;
        } else {
            while (j < n && v[j] == '?') {
                w->post++;
                j++;
            }
        }
        if (j != n)
            return false;
    }
    /* Without a body only a run of '?' is a value; a lone '*' is ANY, not a value string. */
    if (w->bs == w->be && (w->pre <= 0 || w->post != 0))
        return false;
    return true;
}

static kz_rc bad_wildcards(kz_err *err, kz_cpe_attr a, size_t pos)
{
    return kz_fail(err, KZ_EINVAL,
                   "CPE attribute %s (at byte %zu): unquoted wildcards must be one '*' or a run "
                   "of '?' at the start and/or end of a value around at least one other "
                   "character; quote a literal one as \\* or \\?",
                   kz_cpe_attr_name(a), pos);
}

static kz_rc part_value(kz_cpe *c, const char *s, size_t n, size_t pos, kz_err *err)
{
    kz_cpe_av *av = &c->av[KZ_CPE_PART];

    if (n != 1 || (s[0] != 'a' && s[0] != 'o' && s[0] != 'h'))
        return kz_fail(err, KZ_EINVAL,
                       "CPE attribute part (at byte %zu): bad part value '%.*s'; expected a "
                       "(application), o (operating system), h (hardware), * (ANY) or - (NA)",
                       pos, (int)(n > 32 ? 32 : n), s);
    av->kind = KZ_CPE_VALUE;
    av->off = c->used;
    av->len = 1;
    return put(c, s[0]);
}

/* True if every byte of s[from, to) is '?'. */
static bool all_question(const char *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (s[i] != '?')
            return false;
    return true;
}

/* Unbinds one formatted-string component (IR 7695 6.2.3, unbind_value_fs and add_quoting). */
static kz_rc fs_value(kz_cpe *c, kz_cpe_attr a, const char *s, size_t n, size_t pos, kz_err *err)
{
    kz_cpe_av *av = &c->av[a];
    const char *name = kz_cpe_attr_name(a);
    wild_shape w;
    kz_rc rc = KZ_OK;

    if (n == 0)
        return kz_fail(err, KZ_EINVAL,
                       "CPE attribute %s (at byte %zu): empty; a formatted string writes ANY as "
                       "'*' and NA as '-'",
                       name, pos);
    if (n == 1 && s[0] == '*') {
        av->kind = KZ_CPE_ANY;
        return KZ_OK;
    }
    if (n == 1 && s[0] == '-') {
        av->kind = KZ_CPE_NA;
        return KZ_OK;
    }
    if (a == KZ_CPE_PART)
        return part_value(c, s, n, pos, err);
    av->kind = KZ_CPE_VALUE;
    av->off = c->used;
    for (size_t i = 0; i < n && rc == KZ_OK; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!is_graph(ch))
            return kz_fail(err, KZ_EINVAL,
                           "CPE attribute %s (at byte %zu): character 0x%02x is not allowed; "
                           "CPE values are printable ASCII without spaces",
                           name, pos + i, ch);
        if (is_alnum(ch) || ch == '_') {
            rc = put(c, (char)ch);
        } else if (ch == '\\') {
            unsigned char q;
            if (i + 1 >= n)
                return kz_fail(err, KZ_EINVAL,
                               "CPE attribute %s (at byte %zu): backslash at the end of the name "
                               "quotes nothing",
                               name, pos + i);
            q = (unsigned char)s[++i];
            if (!is_graph(q))
                return kz_fail(err, KZ_EINVAL,
                               "CPE attribute %s (at byte %zu): character 0x%02x is not allowed; "
                               "CPE values are printable ASCII without spaces",
                               name, pos + i, q);
            if (is_alnum(q))
                return kz_fail(err, KZ_EINVAL,
                               "CPE attribute %s (at byte %zu): backslash before '%c'; only "
                               "punctuation may be quoted",
                               name, pos + i - 1, q);
            /* '_' is never quoted in a WFN, so "\_" and "_" are the same value. */
            rc = q == '_' ? put(c, '_') : put2(c, '\\', (char)q);
        } else if (ch == '*') {
            if (i != 0 && i != n - 1)
                return kz_fail(err, KZ_EINVAL,
                               "CPE attribute %s (at byte %zu): unquoted special character '*' "
                               "inside the value; an asterisk may only begin or end a value "
                               "(write \\* for a literal one)",
                               name, pos + i);
            rc = put(c, '*');
        } else if (ch == '?') {
            if (!all_question(s, 0, i) && !all_question(s, i + 1, n))
                return kz_fail(err, KZ_EINVAL,
                               "CPE attribute %s (at byte %zu): unquoted special character '?' "
                               "inside the value; question marks may only lead or trail a value "
                               "(write \\? for a literal one)",
                               name, pos + i);
            rc = put(c, '?');
        } else {
            /* Unquoted punctuation ('.', '-', '%', '/', ...) is quoted in the WFN. */
            rc = put2(c, '\\', (char)ch);
        }
    }
    if (rc != KZ_OK)
        return kz_fail(err, rc, "CPE name too long to unbind");
    av->len = (uint16_t)(c->used - av->off);
    if (!split_wild(c->text + av->off, av->len, &w))
        return bad_wildcards(err, a, pos);
    return KZ_OK;
}

/* Punctuation that may appear percent-encoded in a CPE URI (IR 7695 6.1.3.3, decode). The
 * encodings of '-', '.' and '_' are accepted as well although a binder never writes them. */
static bool uri_pct_ok(unsigned char ch)
{
    return ch != 0 && strchr("!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~-._", ch) != NULL;
}

/* Unbinds (decodes) one URI component (IR 7695 6.1.3.2, decode). */
static kz_rc uri_value(kz_cpe *c, kz_cpe_attr a, const char *s, size_t n, size_t pos, kz_err *err)
{
    kz_cpe_av *av = &c->av[a];
    const char *name = kz_cpe_attr_name(a);
    wild_shape w;
    kz_rc rc = KZ_OK;

    if (n == 0) {
        av->kind = KZ_CPE_ANY;
        return KZ_OK;
    }
    if (n == 1 && s[0] == '-') {
        av->kind = KZ_CPE_NA;
        return KZ_OK;
    }
    if (a == KZ_CPE_PART)
        return part_value(c, s, n, pos, err);
    av->kind = KZ_CPE_VALUE;
    av->off = c->used;
    for (size_t i = 0; i < n && rc == KZ_OK; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (is_alnum(ch) || ch == '_') {
            rc = put(c, (char)ch);
        } else if (ch == '.' || ch == '-' || ch == '~') {
            rc = put2(c, '\\', (char)ch);
        } else if (ch == '%') {
            int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            unsigned char d;
            if (hi < 0 || lo < 0)
                return kz_fail(err, KZ_EINVAL,
                               "CPE attribute %s (at byte %zu): '%%' must be followed by two hex "
                               "digits",
                               name, pos + i);
            d = (unsigned char)(hi * 16 + lo);
            if (d == 0x01)
                rc = put(c, '?');
            else if (d == 0x02)
                rc = put(c, '*');
            else if (d == '_')
                rc = put(c, '_');
            else if (uri_pct_ok(d))
                rc = put2(c, '\\', (char)d);
            else
                return kz_fail(err, KZ_EINVAL,
                               "CPE attribute %s (at byte %zu): %%%c%c is not a CPE escape; "
                               "only punctuation, %%01 ('?') and %%02 ('*') may be encoded",
                               name, pos + i, s[i + 1], s[i + 2]);
            i += 2;
        } else {
            if (is_graph(ch))
                return kz_fail(err, KZ_EINVAL,
                               "CPE attribute %s (at byte %zu): character '%c' must be "
                               "percent-encoded in a CPE URI",
                               name, pos + i, ch);
            return kz_fail(err, KZ_EINVAL,
                           "CPE attribute %s (at byte %zu): character 0x%02x is not allowed in a "
                           "CPE URI",
                           name, pos + i, ch);
        }
    }
    if (rc != KZ_OK)
        return kz_fail(err, rc, "CPE name too long to unbind");
    av->len = (uint16_t)(c->used - av->off);
    if (av->len == 1 && c->text[av->off] == '*') {
        av->kind = KZ_CPE_ANY; /* "%02" alone */
        c->used = av->off;
        return KZ_OK;
    }
    if (!split_wild(c->text + av->off, av->len, &w))
        return bad_wildcards(err, a, pos);
    return KZ_OK;
}

static kz_rc parse_fs(kz_sv in, kz_cpe *out, kz_err *err)
{
    size_t starts[KZ_CPE_NATTR], ends[KZ_CPE_NATTR];
    size_t i = 8, ncomp = 0, start = 8; /* after "cpe:2.3:" */
    kz_rc rc = KZ_OK;

    for (; i <= in.n; i++) {
        if (i + 1 < in.n && in.p[i] == '\\') {
            i++; /* the next byte is quoted, even a ':' */
            continue;
        }
        if (i == in.n || in.p[i] == ':') {
            if (ncomp < KZ_CPE_NATTR) {
                starts[ncomp] = start;
                ends[ncomp] = i;
            }
            ncomp++;
            start = i + 1;
        }
    }
    if (ncomp != KZ_CPE_NATTR)
        return kz_fail(err, KZ_EINVAL,
                       "CPE formatted string: wrong number of components: %zu after 'cpe:2.3:', "
                       "expected 11 (part:vendor:product:version:update:edition:language:"
                       "sw_edition:target_sw:target_hw:other)",
                       ncomp);
    for (i = 0; i < KZ_CPE_NATTR && rc == KZ_OK; i++)
        rc = fs_value(out, (kz_cpe_attr)i, in.p + starts[i], ends[i] - starts[i], starts[i], err);
    return rc;
}

static kz_rc parse_uri(kz_sv in, kz_cpe *out, kz_err *err)
{
    /* The URI's seven components and the attribute each one unbinds to. */
    static const kz_cpe_attr uri_attr[7] = {KZ_CPE_PART,   KZ_CPE_VENDOR, KZ_CPE_PRODUCT,
                                            KZ_CPE_VERSION, KZ_CPE_UPDATE, KZ_CPE_EDITION,
                                            KZ_CPE_LANGUAGE};
    static const kz_cpe_attr packed[5] = {KZ_CPE_EDITION, KZ_CPE_SW_EDITION, KZ_CPE_TARGET_SW,
                                          KZ_CPE_TARGET_HW, KZ_CPE_OTHER};
    size_t i, start = 5, ncomp = 0; /* after "cpe:/" */
    kz_rc rc = KZ_OK;

    for (i = start; i < in.n; i++)
        if (in.p[i] == ':')
            ncomp++;
    if (ncomp + 1 > 7)
        return kz_fail(err, KZ_EINVAL,
                       "CPE URI: wrong number of components: %zu after 'cpe:/', expected at most "
                       "7 (part:vendor:product:version:update:edition:language)",
                       ncomp + 1);
    ncomp = 0;
    for (i = start; i <= in.n && rc == KZ_OK; i++) {
        const char *s;
        size_t n;
        if (i < in.n && in.p[i] != ':')
            continue;
        s = in.p + start;
        n = i - start;
        if (uri_attr[ncomp] == KZ_CPE_EDITION && n > 0 && s[0] == '~') {
            size_t tildes = 0, ps = 1, k = 0;
            for (size_t j = 0; j < n; j++)
                tildes += s[j] == '~';
            if (tildes != 5)
                return kz_fail(err, KZ_EINVAL,
                               "CPE URI attribute edition (at byte %zu): a packed edition needs 5 "
                               "'~' (~edition~sw_edition~target_sw~target_hw~other), found %zu",
                               start, tildes);
            for (size_t j = 1; j <= n && rc == KZ_OK; j++) {
                if (j < n && s[j] != '~')
                    continue;
                rc = uri_value(out, packed[k++], s + ps, j - ps, start + ps, err);
                ps = j + 1;
            }
        } else {
            rc = uri_value(out, uri_attr[ncomp], s, n, start, err);
        }
        ncomp++;
        start = i + 1;
    }
    return rc;
}

kz_rc kz_cpe_parse(kz_sv in, kz_cpe *out, kz_err *err)
{
    memset(out->av, 0, sizeof out->av); /* every attribute starts as ANY */
    out->used = 0;
    if (in.n > KZ_CPE_MAX_BYTES)
        return kz_fail(err, KZ_ELIMIT, "CPE name is %zu bytes; the limit is %d", in.n,
                       KZ_CPE_MAX_BYTES);
    if (kz_sv_starts(in, "cpe:2.3:"))
        return parse_fs(in, out, err);
    if (kz_sv_starts(in, "cpe:/"))
        return parse_uri(in, out, err);
    return kz_fail(err, KZ_EINVAL,
                   "not a CPE name: expected 'cpe:2.3:' (formatted string) or 'cpe:/' (URI) at "
                   "byte 0");
}

kz_cpe_kind kz_cpe_get(const kz_cpe *c, kz_cpe_attr a, kz_sv *value)
{
    kz_sv v = {"", 0};
    kz_cpe_kind k;

    if ((unsigned)a >= KZ_CPE_NATTR)
        return KZ_CPE_ANY;
    k = (kz_cpe_kind)c->av[a].kind;
    if (k == KZ_CPE_VALUE) {
        v.p = c->text + c->av[a].off;
        v.n = c->av[a].len;
    }
    if (value != NULL)
        *value = v;
    return k;
}

/* Binds one value for the formatted string (IR 7695 6.2.2.2, process_quoted_chars): '.', '-'
 * and '_' lose their backslash. A value that is just "\-" keeps it, or it would read back as
 * NA. */
static kz_rc bind_fs_value(const char *v, size_t n, kz_buf *b)
{
    kz_rc rc = KZ_OK;

    if (n == 2 && v[0] == '\\' && v[1] == '-')
        return kz_buf_append(b, "\\-", 2);
    for (size_t i = 0; i < n && rc == KZ_OK; i++) {
        if (v[i] == '\\' && i + 1 < n && strchr(".-_", v[i + 1]) != NULL) {
            rc = kz_buf_append(b, v + i + 1, 1);
            i++;
        } else {
            rc = kz_buf_append(b, v + i, 1);
        }
    }
    return rc;
}

kz_rc kz_cpe_format(const kz_cpe *c, kz_buf *b)
{
    kz_rc rc = kz_buf_puts(b, "cpe:2.3");

    for (int a = 0; a < KZ_CPE_NATTR && rc == KZ_OK; a++) {
        kz_sv v;
        if ((rc = kz_buf_append(b, ":", 1)) != KZ_OK)
            break;
        switch (kz_cpe_get(c, (kz_cpe_attr)a, &v)) {
            case KZ_CPE_ANY: rc = kz_buf_append(b, "*", 1); break;
            case KZ_CPE_NA: rc = kz_buf_append(b, "-", 1); break;
            case KZ_CPE_VALUE: rc = bind_fs_value(v.p, v.n, b); break;
        }
    }
    return rc;
}

kz_rc kz_cpe_format_wfn(const kz_cpe *c, kz_buf *b)
{
    kz_rc rc = kz_buf_puts(b, "wfn:[");

    for (int a = 0; a < KZ_CPE_NATTR && rc == KZ_OK; a++) {
        kz_sv v;
        switch (kz_cpe_get(c, (kz_cpe_attr)a, &v)) {
            case KZ_CPE_ANY:
                rc = kz_buf_printf(b, "%s%s=ANY", a ? "," : "", attr_names[a]);
                break;
            case KZ_CPE_NA:
                rc = kz_buf_printf(b, "%s%s=NA", a ? "," : "", attr_names[a]);
                break;
            case KZ_CPE_VALUE:
                rc = kz_buf_printf(b, "%s%s=\"%.*s\"", a ? "," : "", attr_names[a], (int)v.n, v.p);
                break;
        }
    }
    return rc == KZ_OK ? kz_buf_append(b, "]", 1) : rc;
}

bool kz_cpe_equal(const kz_cpe *a, const kz_cpe *b)
{
    for (int i = 0; i < KZ_CPE_NATTR; i++) {
        kz_sv va, vb;
        if (kz_cpe_get(a, (kz_cpe_attr)i, &va) != kz_cpe_get(b, (kz_cpe_attr)i, &vb) ||
            !kz_sv_eq(va, vb))
            return false;
    }
    return true;
}

/* Copies the characters a quoted WFN text stands for (backslashes removed) into out, which has
 * room for n bytes; returns how many. */
static size_t unquote(const char *v, size_t n, char *out)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\\' && i + 1 < n)
            i++;
        out[k++] = v[i];
    }
    return k;
}

static bool has_wildcards(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\\')
            i++;
        else if (v[i] == '*' || v[i] == '?')
            return true;
    }
    return false;
}

static bool eq_ci(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return false;
    return true;
}

/*
 * Does the source value, with wildcards, match the target value (IR 7696 6.1.2.3,
 * compare_strings)? A leading '*' lets any number of characters come before the body, a
 * leading run of k '?' up to k of them (the specification's procedure allows fewer than k), no
 * prefix none; the same after the body.
 */
static bool wild_match(const char *src, size_t sn, const char *tgt, size_t tn)
{
    char body[KZ_CPE_TEXT_MAX], t[KZ_CPE_TEXT_MAX];
    wild_shape w;
    size_t bl, tl;

    if (!split_wild(src, sn, &w))
        return false;
    bl = unquote(src + w.bs, w.be - w.bs, body);
    tl = unquote(tgt, tn, t);
    for (size_t i = 0; i + bl <= tl; i++) {
        size_t left;
        if (w.pre >= 0 && i > (size_t)w.pre)
            break;
        if (!eq_ci(t + i, body, bl))
            continue;
        left = tl - i - bl;
        if (w.post < 0 || left <= (size_t)w.post)
            return true;
    }
    return false;
}

static bool plain_equal(const char *a, size_t an, const char *b, size_t bn)
{
    char x[KZ_CPE_TEXT_MAX], y[KZ_CPE_TEXT_MAX];
    size_t xl = unquote(a, an, x), yl = unquote(b, bn, y);

    return xl == yl && eq_ci(x, y, xl);
}

kz_cpe_rel kz_cpe_compare_attr(const kz_cpe *source, const kz_cpe *target, kz_cpe_attr a)
{
    kz_sv s, t;
    kz_cpe_kind sk = kz_cpe_get(source, a, &s), tk = kz_cpe_get(target, a, &t);
    bool twild = tk == KZ_CPE_VALUE && has_wildcards(t.p, t.n);

    if (sk == KZ_CPE_ANY) {
        if (tk == KZ_CPE_ANY)
            return KZ_CPE_EQUAL;
        return twild ? KZ_CPE_UNDEFINED : KZ_CPE_SUPERSET;
    }
    if (sk == KZ_CPE_NA) {
        if (tk == KZ_CPE_ANY)
            return KZ_CPE_SUBSET;
        if (tk == KZ_CPE_NA)
            return KZ_CPE_EQUAL;
        return twild ? KZ_CPE_UNDEFINED : KZ_CPE_DISJOINT;
    }
    if (tk == KZ_CPE_ANY)
        return KZ_CPE_SUBSET;
    if (tk == KZ_CPE_NA)
        return KZ_CPE_DISJOINT;
    if (twild)
        return KZ_CPE_UNDEFINED;
    if (has_wildcards(s.p, s.n))
        return wild_match(s.p, s.n, t.p, t.n) ? KZ_CPE_SUPERSET : KZ_CPE_DISJOINT;
    return plain_equal(s.p, s.n, t.p, t.n) ? KZ_CPE_EQUAL : KZ_CPE_DISJOINT;
}

kz_cpe_rel kz_cpe_compare(const kz_cpe *source, const kz_cpe *target)
{
    int n[KZ_CPE_UNDEFINED + 1] = {0};

    for (int a = 0; a < KZ_CPE_NATTR; a++)
        n[kz_cpe_compare_attr(source, target, (kz_cpe_attr)a)]++;
    if (n[KZ_CPE_DISJOINT] > 0)
        return KZ_CPE_DISJOINT;
    if (n[KZ_CPE_EQUAL] == KZ_CPE_NATTR)
        return KZ_CPE_EQUAL;
    if (n[KZ_CPE_SUBSET] + n[KZ_CPE_EQUAL] == KZ_CPE_NATTR)
        return KZ_CPE_SUBSET;
    if (n[KZ_CPE_SUPERSET] + n[KZ_CPE_EQUAL] == KZ_CPE_NATTR)
        return KZ_CPE_SUPERSET;
    return KZ_CPE_UNDEFINED;
}

bool kz_cpe_matches(const kz_cpe *source, const kz_cpe *target)
{
    kz_cpe_rel r = kz_cpe_compare(source, target);

    return r == KZ_CPE_SUPERSET || r == KZ_CPE_EQUAL;
}

/* Skips what kz_cpe_name_equal ignores (separators and quoting); returns the index of the next
 * significant byte. */
static size_t name_next(kz_sv s, size_t i)
{
    while (i < s.n && strchr(" \t_-\\", s.p[i]) != NULL && s.p[i] != '\0')
        i++;
    return i;
}

bool kz_cpe_name_equal(kz_sv a, kz_sv b)
{
    size_t i = name_next(a, 0), j = name_next(b, 0);
    bool any = false;

    while (i < a.n && j < b.n) {
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[j]))
            return false;
        any = true;
        i = name_next(a, i + 1);
        j = name_next(b, j + 1);
    }
    return any && i >= a.n && j >= b.n;
}
