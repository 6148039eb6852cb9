/*
 * parse.c - recursive descent over the STIX 2.1 pattern grammar (STIXPattern.g4), building the
 * tree of pattern.h in the pattern's arena.
 *
 *   pattern      := obs(FOLLOWEDBY) EOF
 *   obs(op)      := obs(tighter op) (op obs(tighter op))*      FOLLOWEDBY < OR < AND
 *   obs primary  := ( '[' cmp(OR) ']' | '(' obs(FOLLOWEDBY) ')' ) qualifier*
 *   qualifier    := WITHIN num SECONDS | REPEATS int TIMES | START t'..' STOP t'..'
 *   cmp(op)      := cmp(tighter op) (op cmp(tighter op))*      OR < AND
 *   cmp primary  := '(' cmp(OR) ')' | EXISTS path | path NOT? operator constant-or-set
 *   path         := type ':' (name | 'key') ('.' (name | 'key') | '[' (int | '*') ']')*
 *
 * The descent recurses once per '(' or '[' (each checked against pattern_depth before going
 * deeper), never per operand of a chain, so hostile input cannot exhaust the stack. Every error
 * names its 1-based byte position, what was expected, and what was found instead.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern_int.h"

typedef struct {
    kz_lexer lx;
    kz_tok tok; /* the lookahead */
    kz_pattern *pat;
    const kz_limits *lim;
    size_t depth;
    size_t terms;
    kz_err *err;
} parser;

#define FOUND_MAX 160
#define FOUND_TEXT 40 /* bytes of a token quoted in a message */

/* Describes the lookahead for "found ..." with a hint when a keyword is in the wrong case. */
static void describe(const kz_tok *t, char out[FOUND_MAX])
{
    static const char *const kw[] = {"AND",   "OR",    "NOT",     "FOLLOWEDBY", "LIKE",
                                     "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS", "IN",
                                     "START", "STOP",  "SECONDS", "WITHIN", "REPEATS", "TIMES"};
    char text[FOUND_TEXT + 4], upper[16];
    size_t n = t->text.n < FOUND_TEXT ? t->text.n : FOUND_TEXT, k;

    if (t->kind == KZ_TOK_EOF) {
        snprintf(out, FOUND_MAX, "end of pattern");
        return;
    }
    for (k = 0; k < n; k++) {
        unsigned char c = (unsigned char)t->text.p[k];
        text[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (n < t->text.n) {
        memcpy(text + n, "...", 3);
        n += 3;
    }
    text[n] = '\0';
    if (t->kind == KZ_TOK_IDENT && t->text.n < sizeof upper) {
        for (k = 0; k < t->text.n; k++) {
            char c = t->text.p[k];
            upper[k] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
        }
        upper[k] = '\0';
        for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
            if (strcmp(upper, kw[i]) == 0) {
                snprintf(out, FOUND_MAX, "'%s' (keywords are upper case: '%s')", text, kw[i]);
                return;
            }
        if (strcmp(upper, "TRUE") == 0 || strcmp(upper, "FALSE") == 0) {
            snprintf(out, FOUND_MAX, "'%s' (booleans are lower case: true, false)", text);
            return;
        }
    }
    snprintf(out, FOUND_MAX, "'%s'", text);
}

static kz_rc fail_at(parser *p, kz_rc rc, size_t pos, const char *fmt, ...) KZ_PRINTF(4, 5);
static kz_rc fail_at(parser *p, kz_rc rc, size_t pos, const char *fmt, ...)
{
    char msg[KZ_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kz_fail(p->err, rc, "position %zu: %s", pos, msg);
}

/* "position N: expected <what>, found <lookahead>" at the lookahead. */
static kz_rc expected(parser *p, const char *what)
{
    char found[FOUND_MAX];

    describe(&p->tok, found);
    return fail_at(p, KZ_EINVAL, p->tok.off + 1, "expected %s, found %s", what, found);
}

static size_t pos_of(const parser *p)
{
    return p->tok.off + 1;
}

static kz_rc advance(parser *p)
{
    return kz_pat_lex(&p->lx, &p->tok, p->err);
}

static kz_rc nomem(parser *p)
{
    return kz_fail(p->err, KZ_ENOMEM, "out of memory parsing the pattern");
}

/* Opens one level of '(' or '[' at pos; the caller closes it with p->depth--. */
static kz_rc enter(parser *p, size_t pos)
{
    if (p->depth >= p->lim->pattern_depth)
        return fail_at(p, KZ_ELIMIT, pos,
                       "nesting deeper than %zu levels of parentheses and brackets (limit "
                       "pattern_depth)",
                       p->lim->pattern_depth);
    p->depth++;
    return KZ_OK;
}

static kz_rc count_term(parser *p, size_t pos)
{
    if (p->terms >= p->lim->pattern_terms)
        return fail_at(p, KZ_ELIMIT, pos,
                       "more than %zu comparisons, observations and qualifiers (limit "
                       "pattern_terms)",
                       p->lim->pattern_terms);
    p->terms++;
    return KZ_OK;
}

static void *node(parser *p, size_t n)
{
    return kz_pat_arena_alloc(&p->pat->arena, n);
}

/* ---- constants ---- */

static bool is_literal(kz_tok_kind k)
{
    return k == KZ_TOK_INT || k == KZ_TOK_FLOAT || k == KZ_TOK_STRING || k == KZ_TOK_BOOL ||
           k == KZ_TOK_TIMESTAMP || k == KZ_TOK_HEX || k == KZ_TOK_BINARY;
}

static const char *lit_kind_name(kz_pattern_lit_kind k)
{
    switch (k) {
        case KZ_PAT_LIT_INT: return "an integer";
        case KZ_PAT_LIT_FLOAT: return "a float";
        case KZ_PAT_LIT_STRING: return "a string";
        case KZ_PAT_LIT_BOOL: return "a boolean";
        case KZ_PAT_LIT_TIMESTAMP: return "a timestamp";
        case KZ_PAT_LIT_HEX: return "a hex constant";
        case KZ_PAT_LIT_BINARY: return "a binary constant";
    }
    return "a constant";
}

/* Converts the lookahead (a constant token) into *lit and moves past it. */
static kz_rc literal(parser *p, kz_pattern_lit *lit)
{
    const kz_tok *t = &p->tok;
    size_t pos = pos_of(p);
    kz_rc rc;

    memset(lit, 0, sizeof *lit);
    lit->pos = pos;
    switch (t->kind) {
        case KZ_TOK_INT:
            lit->kind = KZ_PAT_LIT_INT;
            if ((rc = kz_parse_i64(t->text, INT64_MIN, INT64_MAX, &lit->i)) != KZ_OK)
                return fail_at(p, KZ_EINVAL, pos,
                               "integer %.*s does not fit in 64 bits (-9223372036854775808 to "
                               "9223372036854775807)",
                               t->text.n > FOUND_TEXT ? FOUND_TEXT : (int)t->text.n, t->text.p);
            break;
        case KZ_TOK_FLOAT:
            lit->kind = KZ_PAT_LIT_FLOAT;
            lit->text = t->text;
            if (lit->text.p[0] == '+') {
                lit->text.p++;
                lit->text.n--;
            }
            rc = kz_pat_parse_float(t->text, &lit->f);
            if (rc == KZ_ENOMEM)
                return nomem(p);
            if (rc != KZ_OK)
                return fail_at(p, KZ_EINVAL, pos, "float is too large for a double");
            break;
        case KZ_TOK_STRING:
            lit->kind = KZ_PAT_LIT_STRING;
            if (!t->escapes)
                lit->bytes = t->body;
            else if ((rc = kz_pat_decode_string(&p->pat->arena, t->body, t->off + 1, &lit->bytes,
                                                p->err)) != KZ_OK)
                return rc;
            break;
        case KZ_TOK_BOOL:
            lit->kind = KZ_PAT_LIT_BOOL;
            lit->b = kz_sv_eq_c(t->text, "true");
            break;
        case KZ_TOK_TIMESTAMP:
            lit->kind = KZ_PAT_LIT_TIMESTAMP;
            if ((rc = kz_time_parse(t->body, &lit->t, p->err)) != KZ_OK) {
                kz_err_prefix(p->err, "position %zu: timestamp t'...'", pos);
                return rc;
            }
            break;
        case KZ_TOK_HEX:
            lit->kind = KZ_PAT_LIT_HEX;
            if ((rc = kz_pat_decode_hex(&p->pat->arena, t->body, t->off + 2, &lit->bytes,
                                        p->err)) != KZ_OK)
                return rc;
            break;
        case KZ_TOK_BINARY:
            lit->kind = KZ_PAT_LIT_BINARY;
            if ((rc = kz_pat_decode_base64(&p->pat->arena, t->body, t->off + 2, &lit->bytes,
                                           p->err)) != KZ_OK)
                return rc;
            break;
        default:
            return expected(p, "a constant");
    }
    return advance(p);
}

/* ---- object paths ---- */

/* A growable scratch array on the heap, freed by its user; bounded by the text's length. */
typedef struct {
    void *p;
    size_t n, cap, size;
} vec;

static void *vec_push(vec *v)
{
    if (kz_grow(&v->p, &v->cap, v->n, v->size, 8) != KZ_OK)
        return NULL;
    return memset((char *)v->p + v->n++ * v->size, 0, v->size);
}

/* Copies a scratch array into the arena. */
static void *vec_keep(parser *p, const vec *v)
{
    void *dst;

    if (v->n == 0)
        return NULL;
    if ((dst = node(p, v->n * v->size)) != NULL)
        memcpy(dst, v->p, v->n * v->size);
    return dst;
}

/* A key after ':' or '.': a name without '-' or a quoted string. */
static kz_rc path_key(parser *p, const char *after, kz_pattern_step *st)
{
    const kz_tok *t = &p->tok;
    char what[96];
    kz_rc rc;

    st->kind = KZ_PAT_STEP_KEY;
    st->pos = pos_of(p);
    if (t->kind == KZ_TOK_IDENT) {
        st->key = t->text;
    } else if (t->kind == KZ_TOK_STRING) {
        if (!t->escapes)
            st->key = t->body;
        else if ((rc = kz_pat_decode_string(&p->pat->arena, t->body, t->off + 1, &st->key,
                                            p->err)) != KZ_OK)
            return rc;
    } else if (t->kind == KZ_TOK_IDENT_HYPHEN) {
        return fail_at(p, KZ_EINVAL, st->pos,
                       "property name '%.*s' holds '-': write it in quotes, '%.*s'",
                       t->text.n > FOUND_TEXT ? FOUND_TEXT : (int)t->text.n, t->text.p,
                       t->text.n > FOUND_TEXT ? FOUND_TEXT : (int)t->text.n, t->text.p);
    } else if (kz_pat_is_reserved(t->text) && t->text.n > 0) {
        return fail_at(p, KZ_EINVAL, st->pos,
                       "'%.*s' is a keyword: write it in quotes, '%.*s', to use it as a "
                       "property name",
                       (int)t->text.n, t->text.p, (int)t->text.n, t->text.p);
    } else {
        snprintf(what, sizeof what, "a property name after %s", after);
        return expected(p, what);
    }
    return advance(p);
}

static kz_rc path(parser *p, kz_pattern_path *out)
{
    vec steps = {NULL, 0, 0, sizeof(kz_pattern_step)};
    kz_pattern_step *st;
    char found[FOUND_MAX];
    kz_rc rc;

    out->pos = pos_of(p);
    if (p->tok.kind != KZ_TOK_IDENT && p->tok.kind != KZ_TOK_IDENT_HYPHEN) {
        rc = expected(p, "an object type (such as file or network-traffic)");
        goto out;
    }
    out->type = p->tok.text;
    if ((rc = advance(p)) != KZ_OK)
        goto out;
    if (p->tok.kind != KZ_TOK_COLON) {
        describe(&p->tok, found);
        rc = fail_at(p, KZ_EINVAL, pos_of(p),
                     "expected ':' between the object type '%.*s' and its property (type:property), "
                     "found %s",
                     out->type.n > FOUND_TEXT ? FOUND_TEXT : (int)out->type.n, out->type.p, found);
        goto out;
    }
    if ((rc = advance(p)) != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    if ((st = vec_push(&steps)) == NULL)
        goto out_nomem;
    if ((rc = path_key(p, "':'", st)) != KZ_OK)
        goto out;
    while (p->tok.kind == KZ_TOK_DOT || p->tok.kind == KZ_TOK_LBRACK) {
        bool dot = p->tok.kind == KZ_TOK_DOT;
        size_t open = pos_of(p);
        if ((st = vec_push(&steps)) == NULL)
            goto out_nomem;
        if ((rc = advance(p)) != KZ_OK)
            goto out;
        if (dot) {
            if ((rc = path_key(p, "'.'", st)) != KZ_OK)
                goto out;
            continue;
        }
        /* A list index is a bracket: it counts toward the nesting limit, but does not recurse. */
        if ((rc = enter(p, open)) != KZ_OK)
            goto out;
        p->depth--;
        st->pos = open;
        if (p->tok.kind == KZ_TOK_STAR) {
            st->kind = KZ_PAT_STEP_ANY;
        } else if (p->tok.kind == KZ_TOK_INT) {
            st->kind = KZ_PAT_STEP_INDEX;
            if (kz_parse_i64(p->tok.text, 0, INT64_MAX, &st->index) != KZ_OK) {
                rc = fail_at(p, KZ_EINVAL, pos_of(p),
                             "a list index must be a whole number from 0 to 9223372036854775807");
                goto out;
            }
        } else {
            rc = expected(p, "a list index (a number from 0, or * for any element)");
            goto out;
        }
        if ((rc = advance(p)) != KZ_OK)
            goto out;
        if (p->tok.kind != KZ_TOK_RBRACK) {
            char what[96];
            snprintf(what, sizeof what, "']' to close the list index opened at position %zu",
                     open);
            rc = expected(p, what);
            goto out;
        }
        if ((rc = advance(p)) != KZ_OK)
            goto out;
    }
    out->nsteps = steps.n;
    if ((out->steps = vec_keep(p, &steps)) == NULL)
        goto out_nomem;
    rc = KZ_OK;
    goto out;
out_nomem:
    rc = nomem(p);
out:
    free(steps.p);
    return rc;
}

/* ---- comparisons ---- */

static int lit_class(kz_pattern_lit_kind k)
{
    return k == KZ_PAT_LIT_FLOAT ? KZ_PAT_LIT_INT : (int)k; /* numbers compare with numbers */
}

static kz_rc set_literal(parser *p, kz_pattern_cmp *c)
{
    vec items = {NULL, 0, 0, sizeof(kz_pattern_lit)};
    size_t open = pos_of(p);
    char found[FOUND_MAX], what[96];
    kz_pattern_lit *lit;
    kz_rc rc;

    if (p->tok.kind != KZ_TOK_LPAREN) {
        describe(&p->tok, found);
        return fail_at(p, KZ_EINVAL, pos_of(p),
                       "IN needs a set of constants in parentheses, such as IN ('a', 'b'), "
                       "found %s",
                       found);
    }
    if ((rc = enter(p, open)) != KZ_OK)
        return rc;
    p->depth--; /* a set does not recurse */
    if ((rc = advance(p)) != KZ_OK)
        goto out;
    if (p->tok.kind != KZ_TOK_RPAREN) {
        for (;;) {
            if (!is_literal(p->tok.kind)) {
                rc = expected(p, "a constant in the set");
                goto out;
            }
            if ((lit = vec_push(&items)) == NULL) {
                rc = nomem(p);
                goto out;
            }
            if ((rc = literal(p, lit)) != KZ_OK)
                goto out;
            if (items.n > 1 &&
                lit_class(lit->kind) != lit_class(((kz_pattern_lit *)items.p)[0].kind)) {
                rc = fail_at(p, KZ_EINVAL, lit->pos,
                             "the set opened at position %zu mixes %s with %s: its constants "
                             "must all be of one kind",
                             open, lit_kind_name(((kz_pattern_lit *)items.p)[0].kind),
                             lit_kind_name(lit->kind));
                goto out;
            }
            if (p->tok.kind == KZ_TOK_RPAREN)
                break;
            if (p->tok.kind != KZ_TOK_COMMA) {
                snprintf(what, sizeof what, "',' or ')' in the set opened at position %zu", open);
                rc = expected(p, what);
                goto out;
            }
            if ((rc = advance(p)) != KZ_OK)
                goto out;
        }
    }
    c->nset = items.n;
    if (items.n > 0 && (c->set = vec_keep(p, &items)) == NULL) {
        rc = nomem(p);
        goto out;
    }
    rc = advance(p); /* past ')' */
out:
    free(items.p);
    return rc;
}

static kz_rc cmp_value(parser *p, kz_pattern_cmp *c, const char *opname)
{
    char found[FOUND_MAX];
    const char *hint = "";

    switch (c->op) {
        case KZ_PAT_OP_IN:
            return set_literal(p, c);
        case KZ_PAT_OP_LIKE:
        case KZ_PAT_OP_MATCHES:
        case KZ_PAT_OP_ISSUBSET:
        case KZ_PAT_OP_ISSUPERSET:
            if (p->tok.kind != KZ_TOK_STRING) {
                describe(&p->tok, found);
                return fail_at(p, KZ_EINVAL, pos_of(p),
                               "%s needs a string in single quotes, found %s", opname, found);
            }
            return literal(p, &c->value);
        case KZ_PAT_OP_LT:
        case KZ_PAT_OP_LE:
        case KZ_PAT_OP_GT:
        case KZ_PAT_OP_GE:
            if (p->tok.kind == KZ_TOK_BOOL)
                return fail_at(p, KZ_EINVAL, pos_of(p),
                               "'%s' needs an orderable constant (number, string, timestamp, "
                               "hex or binary), not a boolean",
                               opname);
            break;
        default:
            break;
    }
    if (!is_literal(p->tok.kind)) {
        describe(&p->tok, found);
        if (p->tok.kind == KZ_TOK_IDENT || p->tok.kind == KZ_TOK_IDENT_HYPHEN)
            hint = " (strings are written in single quotes)";
        else if (p->tok.kind == KZ_TOK_LPAREN)
            hint = " (a set in parentheses goes with IN)";
        return fail_at(p, KZ_EINVAL, pos_of(p), "expected a constant after '%s', found %s%s",
                       opname, found, hint);
    }
    return literal(p, &c->value);
}

static kz_rc cmp_level(parser *p, int level, kz_pattern_cmp **out);

static kz_rc cmp_primary(parser *p, kz_pattern_cmp **out)
{
    static const struct {
        kz_tok_kind tok;
        kz_pattern_op op;
    } ops[] = {
        {KZ_TOK_EQ, KZ_PAT_OP_EQ},           {KZ_TOK_NE, KZ_PAT_OP_NE},
        {KZ_TOK_LT, KZ_PAT_OP_LT},           {KZ_TOK_LE, KZ_PAT_OP_LE},
        {KZ_TOK_GT, KZ_PAT_OP_GT},           {KZ_TOK_GE, KZ_PAT_OP_GE},
        {KZ_TOK_IN, KZ_PAT_OP_IN},           {KZ_TOK_LIKE, KZ_PAT_OP_LIKE},
        {KZ_TOK_MATCHES, KZ_PAT_OP_MATCHES}, {KZ_TOK_ISSUBSET, KZ_PAT_OP_ISSUBSET},
        {KZ_TOK_ISSUPERSET, KZ_PAT_OP_ISSUPERSET},
    };
    size_t pos = pos_of(p);
    kz_pattern_cmp *c;
    char found[FOUND_MAX], what[96];
    bool have_op = false;
    kz_rc rc;

    switch (p->tok.kind) {
        case KZ_TOK_LPAREN:
            if ((rc = enter(p, pos)) != KZ_OK)
                return rc;
            if ((rc = advance(p)) != KZ_OK || (rc = cmp_level(p, 0, out)) != KZ_OK)
                return rc;
            if (p->tok.kind != KZ_TOK_RPAREN) {
                snprintf(what, sizeof what, "')' to close the '(' opened at position %zu", pos);
                return expected(p, what);
            }
            p->depth--;
            return advance(p);
        case KZ_TOK_EXISTS:
            if ((rc = count_term(p, pos)) != KZ_OK)
                return rc;
            if ((c = node(p, sizeof *c)) == NULL)
                return nomem(p);
            c->kind = KZ_PAT_CMP_TEST;
            c->op = KZ_PAT_OP_EXISTS;
            c->pos = pos;
            if ((rc = advance(p)) != KZ_OK || (rc = path(p, &c->path)) != KZ_OK)
                return rc;
            *out = c;
            return KZ_OK;
        case KZ_TOK_IDENT:
        case KZ_TOK_IDENT_HYPHEN:
            break;
        case KZ_TOK_NOT:
            return fail_at(p, KZ_EINVAL, pos,
                           "NOT goes between the object path and the operator "
                           "(file:name NOT = 'x'), not before the comparison");
        case KZ_TOK_LBRACK:
            return fail_at(p, KZ_EINVAL, pos,
                           "'[' cannot open an observation inside another; group comparisons "
                           "with '(' and ')'");
        default:
            return expected(p, "a comparison (type:property operator constant), EXISTS or '('");
    }
    if ((rc = count_term(p, pos)) != KZ_OK)
        return rc;
    if ((c = node(p, sizeof *c)) == NULL)
        return nomem(p);
    c->kind = KZ_PAT_CMP_TEST;
    c->pos = pos;
    if ((rc = path(p, &c->path)) != KZ_OK)
        return rc;
    if (p->tok.kind == KZ_TOK_NOT) {
        c->negated = true;
        if ((rc = advance(p)) != KZ_OK)
            return rc;
    }
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].tok == p->tok.kind) {
            c->op = ops[i].op;
            have_op = true;
            break;
        }
    if (!have_op) {
        describe(&p->tok, found);
        return fail_at(p, KZ_EINVAL, pos_of(p),
                       "expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, "
                       "ISSUBSET, ISSUPERSET) after the object path%s, found %s",
                       c->negated ? " and NOT" : "", found);
    }
    if ((rc = advance(p)) != KZ_OK)
        return rc;
    if ((rc = cmp_value(p, c, kz_pattern_op_str(c->op))) != KZ_OK)
        return rc;
    *out = c;
    return KZ_OK;
}

/* level 0: OR of level 1; level 1: AND of primaries. */
static kz_rc cmp_level(parser *p, int level, kz_pattern_cmp **out)
{
    kz_tok_kind op = level == 0 ? KZ_TOK_OR : KZ_TOK_AND;
    kz_pattern_cmp *first, *parent, *tail, *kid;
    kz_rc rc;

    if ((rc = level == 1 ? cmp_primary(p, &first) : cmp_level(p, 1, &first)) != KZ_OK)
        return rc;
    if (p->tok.kind != op) {
        *out = first;
        return KZ_OK;
    }
    if ((parent = node(p, sizeof *parent)) == NULL)
        return nomem(p);
    parent->kind = level == 0 ? KZ_PAT_CMP_OR : KZ_PAT_CMP_AND;
    parent->pos = first->pos;
    parent->first = tail = first;
    parent->nkids = 1;
    while (p->tok.kind == op) {
        if ((rc = advance(p)) != KZ_OK)
            return rc;
        if ((rc = level == 1 ? cmp_primary(p, &kid) : cmp_level(p, 1, &kid)) != KZ_OK)
            return rc;
        tail->next = kid;
        tail = kid;
        parent->nkids++;
    }
    *out = parent;
    return KZ_OK;
}

/* ---- observations ---- */

static kz_rc qualifier(parser *p, kz_pattern_qual *q)
{
    char what[128];
    kz_pattern_lit start, stop;
    kz_rc rc;

    q->pos = pos_of(p);
    switch (p->tok.kind) {
        case KZ_TOK_WITHIN:
            q->kind = KZ_PAT_QUAL_WITHIN;
            if ((rc = advance(p)) != KZ_OK)
                return rc;
            if (p->tok.kind != KZ_TOK_INT && p->tok.kind != KZ_TOK_FLOAT)
                return expected(p, "a positive number of seconds after WITHIN");
            if ((rc = literal(p, &q->within)) != KZ_OK)
                return rc;
            if ((q->within.kind == KZ_PAT_LIT_INT && q->within.i <= 0) ||
                (q->within.kind == KZ_PAT_LIT_FLOAT && !(q->within.f > 0)))
                return fail_at(p, KZ_EINVAL, q->within.pos,
                               "WITHIN needs a positive number of seconds (more than 0)");
            if (p->tok.kind != KZ_TOK_SECONDS)
                return expected(p, "'SECONDS' after the number of WITHIN (the only unit)");
            return advance(p);
        case KZ_TOK_REPEATS:
            q->kind = KZ_PAT_QUAL_REPEATS;
            if ((rc = advance(p)) != KZ_OK)
                return rc;
            if (p->tok.kind != KZ_TOK_INT)
                return expected(p, "a whole number of times (1 or more) after REPEATS");
            if (kz_parse_i64(p->tok.text, 1, INT64_MAX, &q->times) != KZ_OK)
                return fail_at(p, KZ_EINVAL, pos_of(p),
                               "REPEATS needs a whole number from 1 to 9223372036854775807");
            if ((rc = advance(p)) != KZ_OK)
                return rc;
            if (p->tok.kind != KZ_TOK_TIMES)
                return expected(p, "'TIMES' after the number of REPEATS");
            return advance(p);
        default:
            q->kind = KZ_PAT_QUAL_STARTSTOP;
            if ((rc = advance(p)) != KZ_OK)
                return rc;
            if (p->tok.kind != KZ_TOK_TIMESTAMP)
                return expected(p, "a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after START");
            if ((rc = literal(p, &start)) != KZ_OK)
                return rc;
            if (p->tok.kind != KZ_TOK_STOP) {
                snprintf(what, sizeof what, "'STOP' after the START at position %zu", q->pos);
                return expected(p, what);
            }
            if ((rc = advance(p)) != KZ_OK)
                return rc;
            if (p->tok.kind != KZ_TOK_TIMESTAMP)
                return expected(p, "a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after STOP");
            if ((rc = literal(p, &stop)) != KZ_OK)
                return rc;
            if (kz_time_cmp(&start.t, &stop.t) >= 0)
                return fail_at(p, KZ_EINVAL, stop.pos,
                               "STOP must be later than START (position %zu)", start.pos);
            q->start = start.t;
            q->stop = stop.t;
            return KZ_OK;
    }
}

static kz_rc obs_level(parser *p, int level, kz_pattern_obs **out);

static kz_rc obs_primary(parser *p, kz_pattern_obs **out)
{
    size_t open = pos_of(p);
    kz_pattern_obs *o = NULL;
    kz_pattern_qual *tail = NULL, *q;
    char what[96];
    unsigned seen = 0;
    bool simple;
    kz_rc rc;

    if (p->tok.kind == KZ_TOK_LBRACK) {
        kz_pattern_cmp *cmp;
        if ((rc = enter(p, open)) != KZ_OK || (rc = count_term(p, open)) != KZ_OK ||
            (rc = advance(p)) != KZ_OK || (rc = cmp_level(p, 0, &cmp)) != KZ_OK)
            return rc;
        if (p->tok.kind != KZ_TOK_RBRACK) {
            snprintf(what, sizeof what, "']' to close the observation opened at position %zu",
                     open);
            return expected(p, what);
        }
        p->depth--;
        if ((o = node(p, sizeof *o)) == NULL)
            return nomem(p);
        o->kind = KZ_PAT_OBS_SIMPLE;
        o->pos = open;
        o->cmp = cmp;
        simple = true;
    } else if (p->tok.kind == KZ_TOK_LPAREN) {
        if ((rc = enter(p, open)) != KZ_OK || (rc = advance(p)) != KZ_OK ||
            (rc = obs_level(p, 0, &o)) != KZ_OK)
            return rc;
        if (p->tok.kind != KZ_TOK_RPAREN) {
            snprintf(what, sizeof what, "')' to close the '(' opened at position %zu", open);
            return expected(p, what);
        }
        p->depth--;
        simple = false;
    } else if (p->tok.kind == KZ_TOK_IDENT || p->tok.kind == KZ_TOK_IDENT_HYPHEN ||
               p->tok.kind == KZ_TOK_EXISTS) {
        return expected(p, "'[' to open an observation (comparisons are written inside "
                           "brackets: [file:name = 'x'])");
    } else {
        return expected(p, "'[' or '(' to start an observation expression");
    }
    if ((rc = advance(p)) != KZ_OK)
        return rc;
    /* Qualifiers on a group append to those the group's expression already has. */
    for (tail = (kz_pattern_qual *)o->quals; tail != NULL && tail->next != NULL;)
        tail = (kz_pattern_qual *)tail->next;
    while (p->tok.kind == KZ_TOK_WITHIN || p->tok.kind == KZ_TOK_REPEATS ||
           p->tok.kind == KZ_TOK_START) {
        size_t qpos = pos_of(p);
        if ((rc = count_term(p, qpos)) != KZ_OK)
            return rc;
        if ((q = node(p, sizeof *q)) == NULL)
            return nomem(p);
        if ((rc = qualifier(p, q)) != KZ_OK)
            return rc;
        /* As in the reference validator: one qualifier of each kind on a bare observation. */
        if (simple && (seen & (1u << q->kind)))
            return fail_at(p, KZ_EINVAL, qpos,
                           "%s is already applied to the observation at position %zu; to apply "
                           "it again, put the qualified observation in parentheses",
                           kz_pattern_qual_str(q->kind), open);
        seen |= 1u << q->kind;
        if (tail == NULL)
            o->quals = q;
        else
            tail->next = q;
        tail = q;
        o->nquals++;
    }
    *out = o;
    return KZ_OK;
}

/* level 0: FOLLOWEDBY of level 1; level 1: OR of level 2; level 2: AND of primaries. */
static kz_rc obs_level(parser *p, int level, kz_pattern_obs **out)
{
    static const kz_tok_kind ops[] = {KZ_TOK_FOLLOWEDBY, KZ_TOK_OR, KZ_TOK_AND};
    static const kz_pattern_obs_kind kinds[] = {KZ_PAT_OBS_FOLLOWEDBY, KZ_PAT_OBS_OR,
                                                KZ_PAT_OBS_AND};
    kz_pattern_obs *first, *parent, *tail, *kid;
    kz_rc rc;

    if ((rc = level == 2 ? obs_primary(p, &first) : obs_level(p, level + 1, &first)) != KZ_OK)
        return rc;
    if (p->tok.kind != ops[level]) {
        *out = first;
        return KZ_OK;
    }
    if ((parent = node(p, sizeof *parent)) == NULL)
        return nomem(p);
    parent->kind = kinds[level];
    parent->pos = first->pos;
    parent->first = tail = first;
    parent->nkids = 1;
    while (p->tok.kind == ops[level]) {
        if ((rc = advance(p)) != KZ_OK)
            return rc;
        if ((rc = level == 2 ? obs_primary(p, &kid) : obs_level(p, level + 1, &kid)) != KZ_OK)
            return rc;
        tail->next = kid;
        tail = kid;
        parent->nkids++;
    }
    *out = parent;
    return KZ_OK;
}

kz_rc kz_pattern_parse(kz_sv text, const kz_limits *lim, kz_pattern **out, kz_err *err)
{
    kz_limits defaults = kz_limits_default();
    kz_pattern *pat = NULL;
    kz_pattern_obs *root = NULL;
    parser p;
    char *copy;
    kz_rc rc;

    *out = NULL;
    if (lim == NULL)
        lim = &defaults;
    if (text.n > lim->pattern_bytes)
        return kz_fail(err, KZ_ELIMIT,
                       "pattern is %zu bytes, more than the limit of %zu (pattern_bytes)", text.n,
                       lim->pattern_bytes);
    if ((pat = calloc(1, sizeof *pat)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory parsing the pattern");
    kz_pat_arena_init(&pat->arena, text.n * 2 + 1024);
    rc = kz_fail(err, KZ_ENOMEM, "out of memory parsing the pattern");
    if ((copy = kz_pat_arena_alloc(&pat->arena, text.n + 1)) == NULL)
        goto out;
    if (text.n)
        memcpy(copy, text.p, text.n);
    pat->text = (kz_sv){copy, text.n};

    memset(&p, 0, sizeof p);
    p.lx.in = pat->text;
    p.pat = pat;
    p.lim = lim;
    p.err = err;
    if ((rc = advance(&p)) != KZ_OK)
        goto out;
    if (p.tok.kind == KZ_TOK_EOF) {
        rc = kz_fail(err, KZ_EINVAL,
                     "position 1: the pattern is empty; expected an observation such as "
                     "[file:name = 'x']");
        goto out;
    }
    if ((rc = obs_level(&p, 0, &root)) != KZ_OK)
        goto out;
    if (p.tok.kind != KZ_TOK_EOF) {
        if (p.tok.kind == KZ_TOK_RPAREN || p.tok.kind == KZ_TOK_RBRACK) {
            rc = fail_at(&p, KZ_EINVAL, pos_of(&p), "'%c' closes nothing: no '%c' is open",
                         p.tok.text.p[0], p.tok.kind == KZ_TOK_RPAREN ? '(' : '[');
        } else {
            rc = expected(&p, "AND, OR, FOLLOWEDBY, a qualifier (WITHIN, REPEATS, START) or the "
                              "end of the pattern");
        }
        goto out;
    }
    pat->root = root;
    pat->terms = p.terms;
    *out = pat;
    pat = NULL; /* ownership moved to the caller */
    rc = KZ_OK;
out:
    kz_pattern_free(pat);
    return rc;
}

void kz_pattern_free(kz_pattern *p)
{
    if (p == NULL)
        return;
    kz_pat_arena_free(&p->arena);
    free(p);
}

const kz_pattern_obs *kz_pattern_root(const kz_pattern *p)
{
    return p->root;
}

size_t kz_pattern_terms(const kz_pattern *p)
{
    return p->terms;
}
