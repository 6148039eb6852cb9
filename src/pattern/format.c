/*
 * format.c - prints a parsed pattern in one canonical text form, used to pin the parser's
 * precedence in tests, to compare patterns, and to store them normalised.
 *
 * Every operator chain is in parentheses, and so is every expression with qualifiers, so the
 * text shows how the parser grouped it. Parsing the text gives the same tree back. The printer
 * recurses once per tree level, and the parser bounds the tree's height by pattern_depth.
 */
#include <inttypes.h>
#include <stdio.h>

#include "pattern_int.h"

const char *kz_pattern_op_str(kz_pattern_op op)
{
    switch (op) {
        case KZ_PAT_OP_EQ: return "=";
        case KZ_PAT_OP_NE: return "!=";
        case KZ_PAT_OP_LT: return "<";
        case KZ_PAT_OP_LE: return "<=";
        case KZ_PAT_OP_GT: return ">";
        case KZ_PAT_OP_GE: return ">=";
        case KZ_PAT_OP_IN: return "IN";
        case KZ_PAT_OP_LIKE: return "LIKE";
        case KZ_PAT_OP_MATCHES: return "MATCHES";
        case KZ_PAT_OP_ISSUBSET: return "ISSUBSET";
        case KZ_PAT_OP_ISSUPERSET: return "ISSUPERSET";
        case KZ_PAT_OP_EXISTS: return "EXISTS";
    }
    return "?";
}

const char *kz_pattern_qual_str(kz_pattern_qual_kind kind)
{
    switch (kind) {
        case KZ_PAT_QUAL_WITHIN: return "WITHIN";
        case KZ_PAT_QUAL_REPEATS: return "REPEATS";
        case KZ_PAT_QUAL_STARTSTOP: return "START/STOP";
    }
    return "?";
}

/* A quoted string with ' and \ escaped. */
static kz_rc put_quoted(kz_buf *out, kz_sv s)
{
    kz_rc rc;
    size_t from = 0;

    if ((rc = kz_buf_puts(out, "'")) != KZ_OK)
        return rc;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] != '\'' && s.p[i] != '\\')
            continue;
        if ((rc = kz_buf_append(out, s.p + from, i - from)) != KZ_OK ||
            (rc = kz_buf_append(out, "\\", 1)) != KZ_OK)
            return rc;
        from = i;
    }
    if ((rc = kz_buf_append(out, s.p + from, s.n - from)) != KZ_OK)
        return rc;
    return kz_buf_puts(out, "'");
}

static kz_rc put_time(kz_buf *out, const kz_time *t)
{
    char buf[KZ_TIME_MAX];

    kz_time_format(t, t->frac_digits, buf);
    return kz_buf_printf(out, "t'%s'", buf);
}

static kz_rc put_lit(kz_buf *out, const kz_pattern_lit *l)
{
    static const char hx[] = "0123456789abcdef";
    kz_rc rc;

    switch (l->kind) {
        case KZ_PAT_LIT_INT:
            return kz_buf_printf(out, "%" PRId64, l->i);
        case KZ_PAT_LIT_FLOAT:
            return kz_buf_append(out, l->text.p, l->text.n);
        case KZ_PAT_LIT_STRING:
            return put_quoted(out, l->bytes);
        case KZ_PAT_LIT_BOOL:
            return kz_buf_puts(out, l->b ? "true" : "false");
        case KZ_PAT_LIT_TIMESTAMP:
            return put_time(out, &l->t);
        case KZ_PAT_LIT_HEX:
            if ((rc = kz_buf_puts(out, "h'")) != KZ_OK)
                return rc;
            for (size_t i = 0; i < l->bytes.n; i++) {
                unsigned char c = (unsigned char)l->bytes.p[i];
                char two[2] = {hx[c >> 4], hx[c & 15]};
                if ((rc = kz_buf_append(out, two, 2)) != KZ_OK)
                    return rc;
            }
            return kz_buf_puts(out, "'");
        case KZ_PAT_LIT_BINARY:
            if ((rc = kz_buf_puts(out, "b'")) != KZ_OK ||
                (rc = kz_pat_base64_encode(l->bytes, out)) != KZ_OK)
                return rc;
            return kz_buf_puts(out, "'");
    }
    return KZ_EINVAL;
}

static kz_rc put_key(kz_buf *out, kz_sv key)
{
    if (kz_pat_is_plain_ident(key) && !kz_pat_is_reserved(key))
        return kz_buf_append(out, key.p, key.n);
    return put_quoted(out, key);
}

static kz_rc put_path(kz_buf *out, const kz_pattern_path *path)
{
    kz_rc rc;

    if ((rc = kz_buf_append(out, path->type.p, path->type.n)) != KZ_OK ||
        (rc = kz_buf_puts(out, ":")) != KZ_OK)
        return rc;
    for (size_t i = 0; i < path->nsteps; i++) {
        const kz_pattern_step *st = &path->steps[i];
        switch (st->kind) {
            case KZ_PAT_STEP_KEY:
                if ((i > 0 && (rc = kz_buf_puts(out, ".")) != KZ_OK) ||
                    (rc = put_key(out, st->key)) != KZ_OK)
                    return rc;
                break;
            case KZ_PAT_STEP_INDEX:
                if ((rc = kz_buf_printf(out, "[%" PRId64 "]", st->index)) != KZ_OK)
                    return rc;
                break;
            case KZ_PAT_STEP_ANY:
                if ((rc = kz_buf_puts(out, "[*]")) != KZ_OK)
                    return rc;
                break;
        }
    }
    return KZ_OK;
}

static kz_rc put_cmp(kz_buf *out, const kz_pattern_cmp *c)
{
    kz_rc rc;

    if (c->kind != KZ_PAT_CMP_TEST) {
        const char *sep = c->kind == KZ_PAT_CMP_AND ? " AND " : " OR ";
        if ((rc = kz_buf_puts(out, "(")) != KZ_OK)
            return rc;
        for (const kz_pattern_cmp *k = c->first; k != NULL; k = k->next) {
            if ((k != c->first && (rc = kz_buf_puts(out, sep)) != KZ_OK) ||
                (rc = put_cmp(out, k)) != KZ_OK)
                return rc;
        }
        return kz_buf_puts(out, ")");
    }
    if (c->op == KZ_PAT_OP_EXISTS) {
        if ((rc = kz_buf_puts(out, "EXISTS ")) != KZ_OK)
            return rc;
        return put_path(out, &c->path);
    }
    if ((rc = put_path(out, &c->path)) != KZ_OK ||
        (rc = kz_buf_printf(out, "%s %s ", c->negated ? " NOT" : "", kz_pattern_op_str(c->op))) !=
            KZ_OK)
        return rc;
    if (c->op != KZ_PAT_OP_IN)
        return put_lit(out, &c->value);
    if ((rc = kz_buf_puts(out, "(")) != KZ_OK)
        return rc;
    for (size_t i = 0; i < c->nset; i++)
        if ((i > 0 && (rc = kz_buf_puts(out, ", ")) != KZ_OK) ||
            (rc = put_lit(out, &c->set[i])) != KZ_OK)
            return rc;
    return kz_buf_puts(out, ")");
}

static kz_rc put_qual(kz_buf *out, const kz_pattern_qual *q)
{
    kz_rc rc;

    switch (q->kind) {
        case KZ_PAT_QUAL_WITHIN:
            if ((rc = kz_buf_puts(out, " WITHIN ")) != KZ_OK ||
                (rc = put_lit(out, &q->within)) != KZ_OK)
                return rc;
            return kz_buf_puts(out, " SECONDS");
        case KZ_PAT_QUAL_REPEATS:
            return kz_buf_printf(out, " REPEATS %" PRId64 " TIMES", q->times);
        case KZ_PAT_QUAL_STARTSTOP:
            if ((rc = kz_buf_puts(out, " START ")) != KZ_OK ||
                (rc = put_time(out, &q->start)) != KZ_OK ||
                (rc = kz_buf_puts(out, " STOP ")) != KZ_OK)
                return rc;
            return put_time(out, &q->stop);
    }
    return KZ_EINVAL;
}

static kz_rc put_obs(kz_buf *out, const kz_pattern_obs *o)
{
    const kz_pattern_qual *q, *split = NULL;
    unsigned seen = 0;
    kz_rc rc;

    /*
     * A bare observation takes each kind of qualifier once; where the list repeats a kind, the
     * qualifiers before it are put in their own parentheses, as the writer must have done.
     */
    if (o->kind == KZ_PAT_OBS_SIMPLE)
        for (q = o->quals; q != NULL && split == NULL; q = q->next) {
            if (seen & (1u << q->kind))
                split = q;
            seen |= 1u << q->kind;
        }
    if ((o->quals != NULL && (rc = kz_buf_puts(out, "(")) != KZ_OK) ||
        (split != NULL && (rc = kz_buf_puts(out, "(")) != KZ_OK))
        return rc;
    if (o->kind == KZ_PAT_OBS_SIMPLE) {
        if ((rc = kz_buf_puts(out, "[")) != KZ_OK || (rc = put_cmp(out, o->cmp)) != KZ_OK ||
            (rc = kz_buf_puts(out, "]")) != KZ_OK)
            return rc;
    } else {
        const char *sep = o->kind == KZ_PAT_OBS_AND  ? " AND "
                          : o->kind == KZ_PAT_OBS_OR ? " OR "
                                                     : " FOLLOWEDBY ";
        if ((rc = kz_buf_puts(out, "(")) != KZ_OK)
            return rc;
        for (const kz_pattern_obs *k = o->first; k != NULL; k = k->next)
            if ((k != o->first && (rc = kz_buf_puts(out, sep)) != KZ_OK) ||
                (rc = put_obs(out, k)) != KZ_OK)
                return rc;
        if ((rc = kz_buf_puts(out, ")")) != KZ_OK)
            return rc;
    }
    for (q = o->quals; q != NULL; q = q->next) {
        if (q == split && (rc = kz_buf_puts(out, ")")) != KZ_OK)
            return rc;
        if ((rc = put_qual(out, q)) != KZ_OK)
            return rc;
    }
    if (o->quals != NULL)
        return kz_buf_puts(out, ")");
    return KZ_OK;
}

kz_rc kz_pattern_format(const kz_pattern *p, kz_buf *out)
{
    return put_obs(out, p->root);
}
