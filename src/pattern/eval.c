/*
 * eval.c - the STIX pattern evaluator (kizuna/pattern_eval.h): the observation set built from
 * observed-data, the comparison operators over one observation's objects, and the search that
 * combines simple observation expressions into a binding under the observation operators and
 * qualifiers.
 *
 * Comparisons run once per (simple expression, observation) into sorted match lists. The search
 * is a complete depth-first backtracking over goals (see "the binding search" below): every
 * AND operand, REPEATS copy and FOLLOWEDBY step is a goal, candidates are tried in
 * first_observed order, WITHIN tries each observation's first_observed as the start of its
 * window. An observed-data stands for number_observed observations, so it may be bound that
 * many times. Every step counts against a work budget.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef KZ_HAVE_PCRE2
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#endif

#include "kizuna/pattern_eval.h"
#include "pattern_int.h"

#define KZ_EVAL_MAX_OBS 1000000u   /* observations in one set */
#define KZ_EVAL_MAX_OBJS 100000u   /* objects in one observation */
#define KZ_EVAL_WORK_MAX 20000000u /* steps of one evaluation */
#define KZ_EVAL_MAX_ANY 16         /* [*] steps followed in one path */
#define KZ_EVAL_MAX_DEPTH 20000u   /* recursion of the binding search (two per observation) */

typedef struct {
    kz_time first, last;
    int64_t count;
    size_t seq; /* order added, for stable ties */
    json_t *od;
    json_t *held; /* 2.1: the SCOs of object_refs, held for as long as the observation */
    const char *id;
    const json_t **objs;
    const char **keys; /* the id (2.1) or dictionary key (2.0) of each object */
    size_t nobjs;
} kz_obs;

struct kz_obs_set {
    kz_obs *v;
    size_t n, cap;
    size_t seq;
};

/* ---- the observation set ---- */

kz_obs_set *kz_obs_set_new(void)
{
    return calloc(1, sizeof(kz_obs_set));
}

static void obs_clear(kz_obs *o)
{
    json_decref(o->od);
    json_decref(o->held);
    free(o->objs);
    free(o->keys);
}

void kz_obs_set_free(kz_obs_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++)
        obs_clear(&set->v[i]);
    free(set->v);
    free(set);
}

size_t kz_obs_set_count(const kz_obs_set *set)
{
    return set ? set->n : 0;
}

const json_t *kz_obs_set_get(const kz_obs_set *set, size_t i)
{
    return set && i < set->n ? set->v[i].od : NULL;
}

const char *kz_obs_set_id(const kz_obs_set *set, size_t i)
{
    return set && i < set->n ? set->v[i].id : NULL;
}

static int obs_order(const void *a, const void *b)
{
    const kz_obs *x = a, *y = b;
    int c = kz_time_cmp(&x->first, &y->first);

    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static kz_rc time_prop(const json_t *od, const char *name, kz_time *out, kz_err *err)
{
    const json_t *v = json_object_get(od, name);
    kz_rc rc;

    if (!json_is_string(v))
        return kz_fail(err, KZ_EINVAL, "%s: expected an RFC 3339 timestamp string", name);
    rc = kz_time_parse((kz_sv){json_string_value(v), json_string_length(v)}, out, err);
    if (rc != KZ_OK)
        kz_err_prefix(err, "%s", name);
    return rc;
}

/* Adds one observed-data at the end of the set; the caller restores the order (obs_sort). */
static kz_rc add_one(kz_obs_set *set, const json_t *od, kz_obs_lookup_fn lookup, void *arg,
                     kz_err *err)
{
    kz_obs o;
    const json_t *v, *objects, *refs;
    kz_rc rc = KZ_EINVAL;
    size_t n = 0;

    memset(&o, 0, sizeof o);
    if (set == NULL || !json_is_object(od)) {
        rc = kz_fail(err, KZ_EUSAGE, "observed-data must be a JSON object");
        goto out;
    }
    v = json_object_get(od, "type");
    if (!json_is_string(v) || strcmp(json_string_value(v), "observed-data") != 0) {
        rc = kz_fail(err, KZ_EINVAL, "type: expected \"observed-data\"");
        goto out;
    }
    if ((rc = time_prop(od, "first_observed", &o.first, err)) != KZ_OK ||
        (rc = time_prop(od, "last_observed", &o.last, err)) != KZ_OK)
        goto out;
    if (kz_time_cmp(&o.last, &o.first) < 0) {
        rc = kz_fail(err, KZ_EINVAL, "last_observed: earlier than first_observed");
        goto out;
    }
    v = json_object_get(od, "number_observed");
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 999999999) {
        rc = kz_fail(err, KZ_EINVAL, "number_observed: expected an integer from 1 to 999999999");
        goto out;
    }
    o.count = json_integer_value(v);
    if (set->n >= KZ_EVAL_MAX_OBS) {
        rc = kz_fail(err, KZ_ELIMIT, "more than %u observations", KZ_EVAL_MAX_OBS);
        goto out;
    }
    objects = json_object_get(od, "objects");
    refs = json_object_get(od, "object_refs");
    rc = KZ_EINVAL;
    if (json_is_object(objects)) {
        n = json_object_size(objects);
    } else if (json_is_array(refs)) {
        n = json_array_size(refs);
    } else {
        rc = kz_fail(err, KZ_EINVAL, "expected object_refs (2.1) or objects (2.0)");
        goto out;
    }
    if (n > KZ_EVAL_MAX_OBJS) {
        rc = kz_fail(err, KZ_ELIMIT, "more than %u objects in one observation", KZ_EVAL_MAX_OBJS);
        goto out;
    }
    rc = KZ_ENOMEM;
    if ((o.objs = calloc(n ? n : 1, sizeof *o.objs)) == NULL ||
        (o.keys = calloc(n ? n : 1, sizeof *o.keys)) == NULL)
        goto out;
    if (json_is_object(objects)) {
        const char *key;
        json_t *obj;
        json_object_foreach((json_t *)objects, key, obj)
        {
            if (!json_is_object(obj)) {
                rc = kz_fail(err, KZ_EINVAL, "objects.%s: expected an object", key);
                goto out;
            }
            o.objs[o.nobjs] = obj;
            o.keys[o.nobjs++] = key;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const json_t *r = json_array_get(refs, i), *obj;
            if (!json_is_string(r)) {
                rc = kz_fail(err, KZ_EINVAL, "object_refs[%zu]: expected an id string", i);
                goto out;
            }
            obj = lookup ? lookup(json_string_value(r), arg) : NULL;
            if (!json_is_object(obj)) {
                rc = kz_fail(err, KZ_EINVAL, "object_refs[%zu]: \"%.80s\" was not given", i,
                             json_string_value(r));
                goto out;
            }
            o.objs[o.nobjs] = obj;
            o.keys[o.nobjs++] = json_string_value(r);
        }
    }
    rc = KZ_ENOMEM;
    if (kz_grow(&set->v, &set->cap, set->n, sizeof *set->v, 16) != KZ_OK)
        goto out;
    /* Hold the observed-data, and for 2.1 the SCOs it refers to. */
    o.od = json_incref((json_t *)od);
    if (!json_is_object(objects)) {
        rc = KZ_ENOMEM;
        if ((o.held = json_array()) == NULL)
            goto out;
        for (size_t i = 0; i < o.nobjs; i++)
            if (json_array_append(o.held, (json_t *)o.objs[i]) != 0)
                goto out;
    }
    v = json_object_get(o.od, "id");
    o.id = json_is_string(v) ? json_string_value(v) : NULL;
    o.seq = set->seq++;
    set->v[set->n++] = o;
    memset(&o, 0, sizeof o);
    rc = KZ_OK;
out:
    obs_clear(&o);
    return rc;
}

static void obs_sort(kz_obs_set *set)
{
    if (set->n > 1)
        qsort(set->v, set->n, sizeof *set->v, obs_order);
}

kz_rc kz_obs_set_add_observed_data(kz_obs_set *set, const json_t *od, kz_obs_lookup_fn lookup,
                                   void *arg, kz_err *err)
{
    kz_rc rc = add_one(set, od, lookup, arg, err);

    if (rc == KZ_OK)
        obs_sort(set);
    return rc;
}

static const json_t *bundle_lookup(const char *id, void *arg)
{
    return json_object_get((const json_t *)arg, id);
}

kz_rc kz_obs_set_add_bundle(kz_obs_set *set, const json_t *objects_array, kz_err *err)
{
    json_t *index = NULL;
    size_t seq0, i;
    kz_rc rc = KZ_ENOMEM;

    if (set == NULL || !json_is_array(objects_array))
        return kz_fail(err, KZ_EINVAL, "objects: expected an array");
    seq0 = set->seq;
    if ((index = json_object()) == NULL)
        goto out;
    for (i = 0; i < json_array_size(objects_array); i++) {
        json_t *obj = json_array_get(objects_array, i);
        const json_t *id = json_object_get(obj, "id");
        if (json_is_string(id) && json_object_set(index, json_string_value(id), obj) != 0)
            goto out;
    }
    for (i = 0; i < json_array_size(objects_array); i++) {
        const json_t *obj = json_array_get(objects_array, i);
        const json_t *t = json_object_get(obj, "type");
        if (!json_is_string(t) || strcmp(json_string_value(t), "observed-data") != 0)
            continue;
        if ((rc = add_one(set, obj, bundle_lookup, index, err)) != KZ_OK) {
            kz_err_prefix(err, "objects[%zu]", i);
            goto out;
        }
    }
    obs_sort(set);
    rc = KZ_OK;
out:
    if (rc != KZ_OK && set != NULL) {
        /* Take back what this call added: the observations numbered from seq0 on. */
        size_t w = 0;
        for (size_t r = 0; r < set->n; r++) {
            if (set->v[r].seq >= seq0)
                obs_clear(&set->v[r]);
            else
                set->v[w++] = set->v[r];
        }
        set->n = w;
        set->seq = seq0;
    }
    json_decref(index);
    return rc;
}

void kz_eval_result_free(kz_eval_result *r)
{
    if (r == NULL)
        return;
    free(r->obs);
    r->obs = NULL;
    r->nobs = 0;
    r->matched = false;
}

/* ---- evaluation context ---- */

typedef struct {
    const kz_pattern_obs *node;
    size_t *idx; /* matching observations, ascending set index */
    size_t n;
} kz_match_list;

#ifdef KZ_HAVE_PCRE2
typedef struct {
    const kz_pattern_cmp *cmp;
    pcre2_code *code;
} kz_regex;
#endif

typedef struct kz_goal kz_goal;

typedef struct {
    const kz_obs_set *set;
    kz_err *err;
    size_t work;
    kz_match_list *lists;
    size_t nlists, caplists;
    size_t *used; /* bindings per observation, at most its number_observed */
    size_t *stack;
    kz_goal *goals;
    size_t ngoals, capgoals;
    size_t nstack, capstack;
#ifdef KZ_HAVE_PCRE2
    kz_regex *rx;
    size_t nrx, caprx;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
#endif
    kz_buf nfc_val, nfc_con; /* NFC forms of the value and the constant (LIKE, MATCHES) */
} kz_eval;

static kz_rc spend(kz_eval *e, size_t units)
{
    e->work += units;
    if (e->work > KZ_EVAL_WORK_MAX)
        return kz_fail(e->err, KZ_ELIMIT, "pattern evaluation passed its work budget");
    return KZ_OK;
}

/* ---- values and constants ---- */

static const char *lit_kind_str(kz_pattern_lit_kind k)
{
    switch (k) {
        case KZ_PAT_LIT_INT: return "integer";
        case KZ_PAT_LIT_FLOAT: return "float";
        case KZ_PAT_LIT_STRING: return "string";
        case KZ_PAT_LIT_BOOL: return "boolean";
        case KZ_PAT_LIT_TIMESTAMP: return "timestamp";
        case KZ_PAT_LIT_HEX: return "hex";
        case KZ_PAT_LIT_BINARY: return "binary";
    }
    return "constant";
}

static const char *json_kind_str(const json_t *v)
{
    switch (json_typeof(v)) {
        case JSON_OBJECT: return "an object";
        case JSON_ARRAY: return "a list";
        case JSON_STRING: return "a string";
        case JSON_INTEGER: return "an integer";
        case JSON_REAL: return "a float";
        case JSON_TRUE:
        case JSON_FALSE: return "a boolean";
        case JSON_NULL: return "null";
    }
    return "a value";
}

static kz_rc type_error(kz_eval *e, const json_t *v, const kz_pattern_lit *lit)
{
    return kz_fail(e->err, KZ_EINVAL, "position %zu: cannot compare %s with the %s constant",
                   lit->pos, json_kind_str(v), lit_kind_str(lit->kind));
}

static int bytes_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0; /* an empty constant may have no pointer */

    if (c != 0)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* bytes_cmp with ASCII letters folded to lower case. */
static int bytes_casecmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;

    for (size_t i = 0; i < n; i++) {
        unsigned char x = ascii_lower(a[i]), y = ascii_lower(b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return an < bn ? -1 : an > bn;
}

/* Orders v against lit into *ord (-1, 0, 1; booleans give 0 or 1). Type mismatch: KZ_EINVAL.
 * fold: strings compare ignoring ASCII case (domain names and hash values, see walk). */
static kz_rc value_cmp(kz_eval *e, const json_t *v, const kz_pattern_lit *lit, bool fold, int *ord)
{
    switch (lit->kind) {
        case KZ_PAT_LIT_INT:
        case KZ_PAT_LIT_FLOAT:
            if (json_is_integer(v) && lit->kind == KZ_PAT_LIT_INT) {
                json_int_t a = json_integer_value(v);
                *ord = a < lit->i ? -1 : a > lit->i;
                return KZ_OK;
            }
            if (json_is_number(v)) {
                double a = json_number_value(v);
                double b = lit->kind == KZ_PAT_LIT_INT ? (double)lit->i : lit->f;
                *ord = a < b ? -1 : a > b;
                return KZ_OK;
            }
            break;
        case KZ_PAT_LIT_STRING:
            if (json_is_string(v)) {
                *ord = (fold ? bytes_casecmp : bytes_cmp)(
                    (const unsigned char *)json_string_value(v), json_string_length(v),
                    (const unsigned char *)lit->bytes.p, lit->bytes.n);
                return KZ_OK;
            }
            break;
        case KZ_PAT_LIT_BOOL:
            if (json_is_boolean(v)) {
                *ord = json_is_true(v) != lit->b;
                return KZ_OK;
            }
            break;
        case KZ_PAT_LIT_TIMESTAMP:
            if (json_is_string(v)) {
                kz_time t;
                kz_err tmp;
                if (kz_time_parse((kz_sv){json_string_value(v), json_string_length(v)}, &t, &tmp) !=
                    KZ_OK)
                    return kz_fail(e->err, KZ_EINVAL,
                                   "position %zu: cannot compare a non-timestamp string with a "
                                   "timestamp constant",
                                   lit->pos);
                *ord = kz_time_cmp(&t, &lit->t);
                return KZ_OK;
            }
            break;
        case KZ_PAT_LIT_HEX:
        case KZ_PAT_LIT_BINARY:
            if (json_is_string(v)) {
                size_t n = json_string_length(v), dn = 0;
                unsigned char *buf = malloc(n + 1); /* hex and base64 both decode shorter */
                bool ok;
                if (buf == NULL)
                    return kz_fail(e->err, KZ_ENOMEM, "out of memory");
                if (lit->kind == KZ_PAT_LIT_HEX) {
                    ok = kz_pat_hex_decode(json_string_value(v), n, buf);
                    dn = n / 2;
                } else {
                    ok = kz_pat_b64_decode(json_string_value(v), n, false, buf, &dn);
                }
                if (ok)
                    *ord = bytes_cmp(buf, dn, (const unsigned char *)lit->bytes.p, lit->bytes.n);
                free(buf);
                if (!ok)
                    return kz_fail(e->err, KZ_EINVAL,
                                   "position %zu: the value is not %s, cannot compare it with the "
                                   "%s constant",
                                   lit->pos, lit->kind == KZ_PAT_LIT_HEX ? "hex" : "base64",
                                   lit_kind_str(lit->kind));
                return KZ_OK;
            }
            break;
    }
    return type_error(e, v, lit);
}

/* s in Unicode Normalization Form C (into buf when it is not already), as LIKE and MATCHES
 * compare both their sides (the OASIS reference matcher does the same). Text that is not valid
 * UTF-8 (a constant's escapes can make it) is compared as it is. */
static kz_rc nfc(kz_eval *e, kz_sv s, kz_buf *buf, kz_sv *res)
{
    kz_rc rc = kz_utf8_nfc(s, buf, res);

    if (rc == KZ_EINVAL)
        rc = KZ_OK;
    if (rc != KZ_OK)
        return kz_fail(e->err, rc, "%s",
                       rc == KZ_ENOMEM ? "out of memory" : "a string is too long to normalise");
    return KZ_OK;
}

/* SQL LIKE: % any run of characters, _ one character (UTF-8), everything else literal. The
 * usual greedy match with one backtracking point: linear for most patterns, but up to
 * sn x pn steps when a '%' is followed by a long piece that almost matches everywhere, so the
 * evaluator charges that to its budget first (the detection index uses Vectorscan instead). */
bool kz_pattern_like(const char *s, size_t sn, const char *pat, size_t pn)
{
    size_t si = 0, pi = 0, star_p = 0, star_s = 0;
    bool star = false;

    while (si < sn) {
        if (pi < pn && pat[pi] == '_') {
            si += kz_utf8_char_len((unsigned char)s[si]);
            pi++;
        } else if (pi < pn && pat[pi] == '%') {
            star = true;
            star_p = ++pi;
            star_s = si;
        } else if (pi < pn && pat[pi] == s[si]) {
            pi++;
            si++;
        } else if (star) {
            pi = star_p;
            star_s += kz_utf8_char_len((unsigned char)s[star_s]);
            si = star_s;
        } else {
            return false;
        }
    }
    if (si > sn) /* a '_' consumed a truncated character */
        return false;
    while (pi < pn && pat[pi] == '%')
        pi++;
    return pi == pn;
}

typedef struct {
    int family; /* 4 or 6 */
    unsigned char a[16];
    int len;
} kz_cidr;

static bool cidr_parse(const char *s, size_t n, kz_cidr *out)
{
    char buf[64];
    const char *slash = memchr(s, '/', n);
    size_t an = slash ? (size_t)(slash - s) : n;
    int64_t len;

    if (an == 0 || an >= sizeof buf || memchr(s, '\0', n) != NULL)
        return false;
    memcpy(buf, s, an);
    buf[an] = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->a) == 1)
        out->family = 4;
    else if (inet_pton(AF_INET6, buf, out->a) == 1)
        out->family = 6;
    else
        return false;
    out->len = out->family == 4 ? 32 : 128;
    if (slash) {
        if (kz_parse_i64((kz_sv){slash + 1, n - an - 1}, 0, out->len, &len) != KZ_OK)
            return false;
        out->len = (int)len;
    }
    return true;
}

/* Whether a lies within b. */
static bool cidr_within(const kz_cidr *a, const kz_cidr *b)
{
    if (a->family != b->family || a->len < b->len)
        return false;
    for (int bit = 0; bit < b->len; bit++) {
        int m = 0x80 >> (bit % 8);
        if ((a->a[bit / 8] & m) != (b->a[bit / 8] & m))
            return false;
    }
    return true;
}

#ifdef KZ_HAVE_PCRE2
static kz_rc regex_get(kz_eval *e, const kz_pattern_cmp *c, pcre2_code **out)
{
    int code;
    PCRE2_SIZE off;
    kz_sv expr;
    kz_rc rc;

    for (size_t i = 0; i < e->nrx; i++)
        if (e->rx[i].cmp == c) {
            *out = e->rx[i].code;
            return KZ_OK;
        }
    if (e->nrx == e->caprx) {
        size_t cap = e->caprx ? e->caprx * 2 : 4;
        kz_regex *nv = realloc(e->rx, cap * sizeof *nv);
        if (nv == NULL)
            return kz_fail(e->err, KZ_ENOMEM, "out of memory");
        e->rx = nv;
        e->caprx = cap;
    }
    if ((rc = nfc(e, (kz_sv){c->value.bytes.p, c->value.bytes.n}, &e->nfc_con, &expr)) != KZ_OK)
        return rc;
    *out = pcre2_compile((PCRE2_SPTR)expr.p, expr.n, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code,
                         &off, NULL);
    if (*out == NULL) {
        PCRE2_UCHAR msg[128];
        pcre2_get_error_message(code, msg, sizeof msg);
        return kz_fail(e->err, KZ_EINVAL,
                       "position %zu: invalid regular expression at offset %zu: %s", c->value.pos,
                       (size_t)off, (const char *)msg);
    }
    e->rx[e->nrx].cmp = c;
    e->rx[e->nrx++].code = *out;
    return KZ_OK;
}
#endif

static kz_rc need_string(kz_eval *e, const json_t *v, const kz_pattern_cmp *c)
{
    if (json_is_string(v))
        return KZ_OK;
    return kz_fail(e->err, KZ_EINVAL, "position %zu: %s needs a string value, found %s", c->pos,
                   kz_pattern_op_str(c->op), json_kind_str(v));
}

/* Applies the comparison c (without its negation) to one value v; fold: see value_cmp. */
static kz_rc apply_op(kz_eval *e, const kz_pattern_cmp *c, const json_t *v, bool fold, bool *res)
{
    kz_rc rc;
    int ord = 0;

    *res = false;
    switch (c->op) {
        case KZ_PAT_OP_EQ:
        case KZ_PAT_OP_NE:
        case KZ_PAT_OP_LT:
        case KZ_PAT_OP_LE:
        case KZ_PAT_OP_GT:
        case KZ_PAT_OP_GE:
            if ((rc = value_cmp(e, v, &c->value, fold, &ord)) != KZ_OK)
                return rc;
            *res = c->op == KZ_PAT_OP_EQ   ? ord == 0
                   : c->op == KZ_PAT_OP_NE ? ord != 0
                   : c->op == KZ_PAT_OP_LT ? ord < 0
                   : c->op == KZ_PAT_OP_LE ? ord <= 0
                   : c->op == KZ_PAT_OP_GT ? ord > 0
                                           : ord >= 0;
            return KZ_OK;
        case KZ_PAT_OP_IN:
            for (size_t i = 0; i < c->nset; i++) {
                if ((rc = value_cmp(e, v, &c->set[i], fold, &ord)) != KZ_OK)
                    return rc;
                if (ord == 0) {
                    *res = true;
                    break;
                }
            }
            return KZ_OK;
        case KZ_PAT_OP_LIKE: {
            kz_sv s, pat;
            if ((rc = need_string(e, v, c)) != KZ_OK ||
                (rc = nfc(e, (kz_sv){json_string_value(v), json_string_length(v)}, &e->nfc_val,
                          &s)) != KZ_OK ||
                (rc = nfc(e, (kz_sv){c->value.bytes.p, c->value.bytes.n}, &e->nfc_con, &pat)) !=
                    KZ_OK)
                return rc;
            /* Charged before: a '%' followed by a long piece can cost up to value x pattern
             * steps, so a long value against a long pattern runs out of budget, not time. */
            if ((rc = spend(e, (s.n / 64 + 1) * (pat.n / 16 + 1))) != KZ_OK)
                return rc;
            *res = kz_pattern_like(s.p, s.n, pat.p, pat.n);
            return KZ_OK;
        }
        case KZ_PAT_OP_MATCHES: {
            if ((rc = need_string(e, v, c)) != KZ_OK)
                return rc;
#ifdef KZ_HAVE_PCRE2
            pcre2_code *re;
            kz_sv s;
            int m;
            if ((rc = regex_get(e, c, &re)) != KZ_OK ||
                (rc = nfc(e, (kz_sv){json_string_value(v), json_string_length(v)}, &e->nfc_val,
                          &s)) != KZ_OK)
                return rc;
            m = pcre2_match(re, (PCRE2_SPTR)s.p, s.n, 0, 0, e->md, e->mctx);
            if (m >= 0 || m == PCRE2_ERROR_PARTIAL) {
                *res = true;
                return KZ_OK;
            }
            if (m == PCRE2_ERROR_NOMATCH)
                return KZ_OK;
            return kz_fail(e->err, KZ_ELIMIT,
                           "position %zu: regular expression failed (PCRE2 error %d)", c->pos, m);
#else
            return kz_fail(e->err, KZ_EUSAGE, "position %zu: MATCHES needs PCRE2", c->pos);
#endif
        }
        case KZ_PAT_OP_ISSUBSET:
        case KZ_PAT_OP_ISSUPERSET: {
            kz_cidr val, con;
            if ((rc = need_string(e, v, c)) != KZ_OK)
                return rc;
            if (!cidr_parse(c->value.bytes.p, c->value.bytes.n, &con))
                return kz_fail(e->err, KZ_EINVAL,
                               "position %zu: expected an IPv4 or IPv6 address or CIDR block",
                               c->value.pos);
            if (!cidr_parse(json_string_value(v), json_string_length(v), &val))
                return kz_fail(e->err, KZ_EINVAL,
                               "position %zu: the value \"%.64s\" is not an IP address or CIDR "
                               "block",
                               c->pos, json_string_value(v));
            *res = c->op == KZ_PAT_OP_ISSUBSET ? cidr_within(&val, &con) : cidr_within(&con, &val);
            return KZ_OK;
        }
        case KZ_PAT_OP_EXISTS: *res = true; return KZ_OK;
    }
    return KZ_OK;
}

static bool ends_with(kz_sv s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.n >= n && memcmp(s.p + s.n - n, suffix, n) == 0;
}

static const json_t *obs_lookup(const kz_obs *o, const json_t *ref)
{
    const char *id = json_string_value(ref);

    for (size_t i = 0; i < o->nobjs; i++)
        if (strcmp(o->keys[i], id) == 0)
            return o->objs[i];
    return NULL;
}

/*
 * Whether the value reached by path, whose last key step was taken from object holder, is a
 * domain name (a domain-name's value) or a hash value (a key of a "hashes" dictionary): those
 * compare ignoring ASCII case under =, !=, IN and the order operators. A deliberate choice
 * beyond the specification's code-point comparison: DNS names are case-insensitive (RFC 4343)
 * and a digest is a number, whatever case its hex is written in; feeds publish
 * 'D41D8CD98F00B204E9800998ECF8427E' and logs write d41d8cd9... The index looks such values up
 * in lower case, so a pattern matches the same records whether it is decided by the index alone
 * or evaluated whole. LIKE and MATCHES stay exact (MATCHES can say (?i)).
 */
static bool fold_case(const kz_pattern_path *path, const json_t *holder)
{
    const kz_pattern_step *last = path->nsteps ? &path->steps[path->nsteps - 1] : NULL;
    const json_t *t;

    if (last == NULL || last->kind != KZ_PAT_STEP_KEY)
        return false;
    if (path->nsteps >= 2 && path->steps[path->nsteps - 2].kind == KZ_PAT_STEP_KEY &&
        kz_sv_eq_c(path->steps[path->nsteps - 2].key, "hashes"))
        return true;
    t = holder != NULL ? json_object_get(holder, "type") : NULL;
    return kz_sv_eq_c(last->key, "value") && json_is_string(t) &&
           strcmp(json_string_value(t), "domain-name") == 0;
}

/*
 * Follows c's path from step i of value v, and applies c to every value it reaches; *hit is set
 * when one satisfies it. Recurses only at [*] steps (at most KZ_EVAL_MAX_ANY deep).
 */
static kz_rc walk(kz_eval *e, const kz_obs *o, const kz_pattern_cmp *c, const json_t *v, size_t i,
                  bool refctx, int anys, bool *hit)
{
    const kz_pattern_path *path = &c->path;
    const json_t *holder = NULL; /* the object of the last key step */
    kz_rc rc;
    bool r;

    for (; i < path->nsteps; i++) {
        const kz_pattern_step *s = &path->steps[i];
        if ((rc = spend(e, 1)) != KZ_OK)
            return rc;
        if (refctx && json_is_string(v) && s->kind == KZ_PAT_STEP_KEY) {
            if ((v = obs_lookup(o, v)) == NULL)
                return KZ_OK;
            refctx = false;
        }
        switch (s->kind) {
            case KZ_PAT_STEP_KEY:
                if (!json_is_object(v))
                    return KZ_OK;
                holder = v;
                v = json_object_getn(v, s->key.p, s->key.n);
                refctx = ends_with(s->key, "_ref") || ends_with(s->key, "_refs");
                break;
            case KZ_PAT_STEP_INDEX:
                if (!json_is_array(v) || s->index < 0 || (size_t)s->index >= json_array_size(v))
                    return KZ_OK;
                v = json_array_get(v, (size_t)s->index);
                break;
            case KZ_PAT_STEP_ANY:
                if (!json_is_array(v))
                    return KZ_OK;
                if (anys >= KZ_EVAL_MAX_ANY)
                    return kz_fail(e->err, KZ_ELIMIT,
                                   "position %zu: more than %d [*] steps in one path", s->pos,
                                   KZ_EVAL_MAX_ANY);
                for (size_t k = 0; k < json_array_size(v) && !*hit; k++)
                    if ((rc = walk(e, o, c, json_array_get(v, k), i + 1, refctx, anys + 1, hit)) !=
                        KZ_OK)
                        return rc;
                return KZ_OK;
        }
        if (v == NULL || json_is_null(v))
            return KZ_OK;
    }
    if ((rc = apply_op(e, c, v, fold_case(path, holder), &r)) != KZ_OK)
        return rc;
    if (c->negated)
        r = !r;
    if (r)
        *hit = true;
    return KZ_OK;
}

static bool type_is(const json_t *obj, kz_sv type)
{
    const json_t *t = json_object_get(obj, "type");
    return json_is_string(t) && json_string_length(t) == type.n &&
           memcmp(json_string_value(t), type.p, type.n) == 0;
}

/* Whether every test under c names the same object type; *type gets it. */
static bool single_type(const kz_pattern_cmp *c, kz_sv *type)
{
    if (c->kind == KZ_PAT_CMP_TEST) {
        if (type->p == NULL) {
            *type = c->path.type;
            return true;
        }
        return kz_sv_eq(*type, c->path.type);
    }
    for (const kz_pattern_cmp *k = c->first; k != NULL; k = k->next)
        if (!single_type(k, type))
            return false;
    return true;
}

/* Evaluates c against object obj (when not NULL) or against any object of observation o. */
static kz_rc eval_cmp(kz_eval *e, const kz_obs *o, const kz_pattern_cmp *c, const json_t *obj,
                      bool *res)
{
    kz_rc rc;
    kz_sv type = {NULL, 0};

    *res = false;
    if (obj == NULL && single_type(c, &type)) {
        for (size_t i = 0; i < o->nobjs && !*res; i++) {
            if ((rc = spend(e, 1)) != KZ_OK)
                return rc;
            if (type_is(o->objs[i], type) && (rc = eval_cmp(e, o, c, o->objs[i], res)) != KZ_OK)
                return rc;
        }
        return KZ_OK;
    }
    if (c->kind == KZ_PAT_CMP_TEST)
        return walk(e, o, c, obj, 0, false, 0, res);
    *res = c->kind == KZ_PAT_CMP_AND;
    for (const kz_pattern_cmp *k = c->first; k != NULL; k = k->next) {
        bool r;
        if ((rc = eval_cmp(e, o, k, obj, &r)) != KZ_OK)
            return rc;
        if (c->kind == KZ_PAT_CMP_AND && !r) {
            *res = false;
            break;
        }
        if (c->kind == KZ_PAT_CMP_OR && r) {
            *res = true;
            break;
        }
    }
    return KZ_OK;
}

/* Builds the match list of every simple observation expression, in tree order. */
static kz_rc build_lists(kz_eval *e, const kz_pattern_obs *node)
{
    kz_match_list *l;
    kz_rc rc;

    if (node->kind != KZ_PAT_OBS_SIMPLE) {
        for (const kz_pattern_obs *k = node->first; k != NULL; k = k->next)
            if ((rc = build_lists(e, k)) != KZ_OK)
                return rc;
        return KZ_OK;
    }
    if (e->nlists == e->caplists) {
        size_t cap = e->caplists ? e->caplists * 2 : 8;
        kz_match_list *nv = realloc(e->lists, cap * sizeof *nv);
        if (nv == NULL)
            return kz_fail(e->err, KZ_ENOMEM, "out of memory");
        e->lists = nv;
        e->caplists = cap;
    }
    l = &e->lists[e->nlists++];
    l->node = node;
    l->n = 0;
    if ((l->idx = malloc((e->set->n ? e->set->n : 1) * sizeof *l->idx)) == NULL)
        return kz_fail(e->err, KZ_ENOMEM, "out of memory");
    for (size_t i = 0; i < e->set->n; i++) {
        bool r;
        if ((rc = eval_cmp(e, &e->set->v[i], node->cmp, NULL, &r)) != KZ_OK)
            return rc;
        if (r)
            l->idx[l->n++] = i;
    }
    return KZ_OK;
}

static const kz_match_list *list_of(const kz_eval *e, const kz_pattern_obs *node)
{
    for (size_t i = 0; i < e->nlists; i++)
        if (e->lists[i].node == node)
            return &e->lists[i];
    return NULL;
}

/* ---- the binding search ---- */

/*
 * The search is a depth-first backtracking over a stack of goals, so it is complete: when a
 * binding exists under the semantics in pattern_eval.h it is found (or the work budget runs out
 * first, KZ_ELIMIT). Goals:
 *   NODE  bind `node` with its first nq qualifiers inside window w;
 *   SEQ   the previous operand of a FOLLOWEDBY is bound (from stack position mark): bind `kid`
 *         no earlier than that binding ended;
 *   REP   one copy of a REPEATS is bound (from mark): check that copies are in canonical order
 *         and bind the next one.
 * Three things keep it fast: copies of a REPEATS are bound in canonical order (the smallest
 * observation index of each copy does not decrease), which removes the n! orderings of
 * interchangeable copies; before each branch every simple goal on top of the stack must still
 * have a candidate (forward checking), and the one with the fewest candidates is bound first;
 * and a REPEATS of a simple expression first counts whether enough candidates remain.
 */

/* Admissible observations: first_observed >= lo (if has_lo), last_observed <= hi (if has_hi). */
typedef struct {
    bool has_lo, has_hi;
    kz_time lo, hi;
} kz_window;

typedef enum { KZ_GOAL_NODE, KZ_GOAL_SEQ, KZ_GOAL_REP } kz_goal_kind;

struct kz_goal {
    kz_goal_kind kind;
    const kz_pattern_obs *node; /* NODE, REP: the node; SEQ: the operand to bind next */
    size_t nq;                  /* NODE, REP: qualifiers of node applied */
    kz_window w;
    size_t lo_idx;   /* NODE on a bare simple node: candidates have set index >= lo_idx */
    size_t mark;     /* SEQ, REP: stack position where the previous binding starts */
    int64_t remain;  /* REP: copies still to bind after the one just bound */
    size_t prev_min; /* REP: smallest observation index of the copy before */
};

static kz_rc push(kz_eval *e, size_t i)
{
    if (e->nstack == e->capstack) {
        size_t cap = e->capstack ? e->capstack * 2 : 32;
        size_t *nv = realloc(e->stack, cap * sizeof *nv);
        if (nv == NULL)
            return kz_fail(e->err, KZ_ENOMEM, "out of memory");
        e->stack = nv;
        e->capstack = cap;
    }
    e->stack[e->nstack++] = i;
    e->used[i]++;
    return KZ_OK;
}

static void pop_to(kz_eval *e, size_t n)
{
    while (e->nstack > n)
        e->used[e->stack[--e->nstack]]--;
}

static kz_rc goal_push(kz_eval *e, const kz_goal *g)
{
    if (e->ngoals == e->capgoals) {
        size_t cap = e->capgoals ? e->capgoals * 2 : 32;
        kz_goal *nv = realloc(e->goals, cap * sizeof *nv);
        if (nv == NULL)
            return kz_fail(e->err, KZ_ENOMEM, "out of memory");
        e->goals = nv;
        e->capgoals = cap;
    }
    e->goals[e->ngoals++] = *g;
    return KZ_OK;
}

static kz_goal node_goal(const kz_pattern_obs *node, size_t nq, kz_window w, size_t lo_idx)
{
    kz_goal g;

    memset(&g, 0, sizeof g);
    g.kind = KZ_GOAL_NODE;
    g.node = node;
    g.nq = nq;
    g.w = w;
    g.lo_idx = lo_idx;
    return g;
}

static kz_time time_add(kz_time t, const kz_pattern_lit *secs, bool *inf)
{
    double f = secs->kind == KZ_PAT_LIT_INT ? (double)secs->i : secs->f;
    double whole = floor(f);

    *inf = f > 1e15;
    if (*inf)
        return t;
    t.sec += (int64_t)whole;
    t.nsec += (int32_t)llround((f - whole) * 1e9);
    if (t.nsec >= 1000000000) {
        t.sec++;
        t.nsec -= 1000000000;
    }
    return t;
}

static bool bare_simple(const kz_goal *g)
{
    return g->kind == KZ_GOAL_NODE && g->nq == 0 && g->node->kind == KZ_PAT_OBS_SIMPLE;
}

/* The position in l of the first match with first_observed >= w->lo. */
static size_t list_start(const kz_eval *e, const kz_match_list *l, const kz_window *w)
{
    size_t a = 0, b = l->n;

    if (!w->has_lo)
        return 0;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (kz_time_cmp(&e->set->v[l->idx[m]].first, &w->lo) < 0)
            a = m + 1;
        else
            b = m;
    }
    return a;
}

/* Whether observation i may still be bound to the simple goal g. */
static bool admissible(const kz_eval *e, const kz_goal *g, size_t i)
{
    const kz_obs *o = &e->set->v[i];

    if (i < g->lo_idx || e->used[i] >= (size_t)o->count)
        return false;
    return !g->w.has_hi || kz_time_cmp(&o->last, &g->w.hi) <= 0;
}

/* Counts, up to cap, the bindings still open to the simple goal g (number_observed each). */
static kz_rc cand_count(kz_eval *e, const kz_goal *g, size_t cap, size_t *n)
{
    const kz_match_list *l = list_of(e, g->node);
    kz_rc rc;

    *n = 0;
    if (l == NULL)
        return kz_fail(e->err, KZ_EUSAGE, "internal: no match list");
    for (size_t k = list_start(e, l, &g->w); k < l->n && *n < cap; k++) {
        const kz_obs *o = &e->set->v[l->idx[k]];
        if ((rc = spend(e, 1)) != KZ_OK)
            return rc;
        if (g->w.has_hi && kz_time_cmp(&o->first, &g->w.hi) > 0)
            break;
        if (admissible(e, g, l->idx[k]))
            *n += (size_t)o->count - e->used[l->idx[k]];
    }
    return KZ_OK;
}

static kz_rc solve(kz_eval *e, size_t depth, bool *ok);

/* Pushes g and solves; the goal stack is as it was on return. */
static kz_rc solve_with(kz_eval *e, const kz_goal *g, size_t depth, bool *ok)
{
    size_t ng = e->ngoals;
    kz_rc rc;

    *ok = false;
    if ((rc = goal_push(e, g)) != KZ_OK)
        return rc;
    rc = solve(e, depth + 1, ok);
    e->ngoals = ng;
    return rc;
}

static kz_rc expand_simple(kz_eval *e, const kz_goal *g, size_t depth, bool *ok)
{
    const kz_match_list *l = list_of(e, g->node);
    size_t mark = e->nstack;
    kz_rc rc;

    if (l == NULL)
        return kz_fail(e->err, KZ_EUSAGE, "internal: no match list");
    for (size_t k = list_start(e, l, &g->w); k < l->n; k++) {
        const kz_obs *o = &e->set->v[l->idx[k]];
        if ((rc = spend(e, 1)) != KZ_OK)
            return rc;
        if (g->w.has_hi && kz_time_cmp(&o->first, &g->w.hi) > 0)
            break;
        if (!admissible(e, g, l->idx[k]))
            continue;
        if ((rc = push(e, l->idx[k])) != KZ_OK)
            return rc;
        if ((rc = solve(e, depth + 1, ok)) != KZ_OK || *ok)
            return rc;
        pop_to(e, mark);
    }
    return KZ_OK;
}

/* The smallest observation index bound from stack position mark on. */
static size_t stack_min(const kz_eval *e, size_t mark)
{
    size_t m = SIZE_MAX;

    for (size_t i = mark; i < e->nstack; i++)
        if (e->stack[i] < m)
            m = e->stack[i];
    return m;
}

/* The latest last_observed bound from stack position mark on (mark < nstack). */
static kz_time stack_last(const kz_eval *e, size_t mark)
{
    kz_time t = e->set->v[e->stack[mark]].last;

    for (size_t i = mark + 1; i < e->nstack; i++)
        if (kz_time_cmp(&e->set->v[e->stack[i]].last, &t) > 0)
            t = e->set->v[e->stack[i]].last;
    return t;
}

/* Binds the next copy of a REPEATS (rep->remain copies are still to bind, this one included);
 * min_idx is the smallest observation index of the copy before, 0 for the first. */
static kz_rc next_copy(kz_eval *e, const kz_goal *rep, size_t min_idx, size_t depth, bool *ok)
{
    kz_goal copy = node_goal(rep->node, rep->nq, rep->w, 0);
    kz_goal marker = *rep;
    size_t ng = e->ngoals;
    kz_rc rc;

    *ok = false;
    if (rep->node->kind == KZ_PAT_OBS_SIMPLE && rep->nq == 0) {
        size_t n;
        /* Copies of a simple expression: one observation each, in index order. */
        copy.lo_idx = min_idx;
        if ((rc = cand_count(e, &copy, (size_t)rep->remain, &n)) != KZ_OK)
            return rc;
        if (n < (size_t)rep->remain)
            return KZ_OK;
    }
    marker.remain = rep->remain - 1;
    marker.mark = e->nstack;
    marker.prev_min = min_idx;
    if (marker.remain > 0 && (rc = goal_push(e, &marker)) != KZ_OK)
        return rc;
    rc = solve_with(e, &copy, depth, ok);
    e->ngoals = ng;
    return rc;
}

static kz_rc expand_qual(kz_eval *e, const kz_goal *g, size_t depth, bool *ok)
{
    const kz_pattern_qual *q = g->node->quals;
    kz_goal sub = node_goal(g->node, g->nq - 1, g->w, 0);
    kz_rc rc;

    for (size_t i = 0; i + 1 < g->nq && q != NULL; i++)
        q = q->next;
    if (q == NULL)
        return kz_fail(e->err, KZ_EUSAGE, "internal: missing qualifier");
    switch (q->kind) {
        case KZ_PAT_QUAL_STARTSTOP: {
            kz_time stop = q->stop;
            /* last_observed < stop, as last_observed <= stop - 1ns (times are whole ns). */
            if (stop.nsec > 0) {
                stop.nsec--;
            } else {
                stop.sec--;
                stop.nsec = 999999999;
            }
            if (!sub.w.has_lo || kz_time_cmp(&q->start, &sub.w.lo) > 0)
                sub.w.lo = q->start;
            sub.w.has_lo = true;
            if (!sub.w.has_hi || kz_time_cmp(&stop, &sub.w.hi) < 0)
                sub.w.hi = stop;
            sub.w.has_hi = true;
            return solve_with(e, &sub, depth, ok);
        }
        case KZ_PAT_QUAL_REPEATS: {
            kz_goal rep = sub;
            rep.kind = KZ_GOAL_REP;
            rep.remain = q->times;
            return next_copy(e, &rep, 0, depth, ok);
        }
        case KZ_PAT_QUAL_WITHIN:
            /* Some bound observation starts the window: try each first_observed in turn. */
            for (size_t i = 0; i < e->set->n; i++) {
                const kz_time *t0 = &e->set->v[i].first;
                kz_goal ww = sub;
                kz_time end;
                bool inf;
                if ((rc = spend(e, 1)) != KZ_OK)
                    return rc;
                if (i > 0 && kz_time_cmp(t0, &e->set->v[i - 1].first) == 0)
                    continue;
                if (g->w.has_lo && kz_time_cmp(t0, &g->w.lo) < 0)
                    continue;
                if (g->w.has_hi && kz_time_cmp(t0, &g->w.hi) > 0)
                    break;
                ww.w.lo = *t0;
                ww.w.has_lo = true;
                end = time_add(*t0, &q->within, &inf);
                if (!inf && (!ww.w.has_hi || kz_time_cmp(&end, &ww.w.hi) < 0)) {
                    ww.w.hi = end;
                    ww.w.has_hi = true;
                }
                if ((rc = solve_with(e, &ww, depth, ok)) != KZ_OK || *ok)
                    return rc;
            }
            return KZ_OK;
    }
    return KZ_OK;
}

static kz_rc expand(kz_eval *e, const kz_goal *g, size_t depth, bool *ok)
{
    size_t ng = e->ngoals;
    kz_rc rc = KZ_OK;

    *ok = false;
    if (g->kind == KZ_GOAL_SEQ) {
        /* FOLLOWEDBY: this operand starts no earlier than the previous one ended. */
        kz_goal next = *g, kid = node_goal(g->node, g->node->nquals, g->w, 0);
        kz_time t = stack_last(e, g->mark);
        if (!kid.w.has_lo || kz_time_cmp(&t, &kid.w.lo) > 0)
            kid.w.lo = t;
        kid.w.has_lo = true;
        next.node = g->node->next;
        next.mark = e->nstack;
        if (next.node != NULL && (rc = goal_push(e, &next)) != KZ_OK)
            return rc;
        rc = solve_with(e, &kid, depth, ok);
        e->ngoals = ng;
        return rc;
    }
    if (g->kind == KZ_GOAL_REP) {
        size_t m = stack_min(e, g->mark);
        if (m < g->prev_min) /* not the canonical order of interchangeable copies */
            return KZ_OK;
        if (g->remain <= 0)
            return solve(e, depth + 1, ok);
        return next_copy(e, g, m, depth, ok);
    }
    if (g->nq > 0)
        return expand_qual(e, g, depth, ok);
    switch (g->node->kind) {
        case KZ_PAT_OBS_SIMPLE: return expand_simple(e, g, depth, ok);
        case KZ_PAT_OBS_AND: {
            /* Every operand, on observations of its own: all become goals at once. */
            const kz_pattern_obs *kids[64];
            const kz_pattern_obs **kv = kids;
            size_t n = 0;
            if (g->node->nkids > 64 && (kv = malloc(g->node->nkids * sizeof *kv)) == NULL)
                return kz_fail(e->err, KZ_ENOMEM, "out of memory");
            for (const kz_pattern_obs *k = g->node->first; k != NULL && n < g->node->nkids;
                 k = k->next)
                kv[n++] = k;
            for (size_t i = n; i-- > 0 && rc == KZ_OK;) {
                kz_goal kg = node_goal(kv[i], kv[i]->nquals, g->w, 0);
                rc = goal_push(e, &kg);
            }
            if (kv != kids)
                free(kv);
            if (rc == KZ_OK)
                rc = solve(e, depth + 1, ok);
            e->ngoals = ng;
            return rc;
        }
        case KZ_PAT_OBS_OR:
            for (const kz_pattern_obs *k = g->node->first; k != NULL; k = k->next) {
                kz_goal kg = node_goal(k, k->nquals, g->w, 0);
                if ((rc = solve_with(e, &kg, depth, ok)) != KZ_OK || *ok)
                    return rc;
            }
            return KZ_OK;
        case KZ_PAT_OBS_FOLLOWEDBY: {
            const kz_pattern_obs *k = g->node->first;
            kz_goal seq = *g, kg = node_goal(k, k->nquals, g->w, 0);
            seq.kind = KZ_GOAL_SEQ;
            seq.node = k->next;
            seq.mark = e->nstack;
            if ((rc = goal_push(e, &seq)) != KZ_OK)
                return rc;
            rc = solve_with(e, &kg, depth, ok);
            e->ngoals = ng;
            return rc;
        }
    }
    return KZ_OK;
}

/* Solves the goal stack: binds every goal on it, or leaves everything as it was. */
static kz_rc solve(kz_eval *e, size_t depth, bool *ok)
{
    size_t ng = e->ngoals, nst = e->nstack, pick;
    kz_goal g, tmp;
    kz_rc rc;

    *ok = false;
    if ((rc = spend(e, 1)) != KZ_OK)
        return rc;
    if (ng == 0) {
        *ok = true;
        return KZ_OK;
    }
    if (depth > KZ_EVAL_MAX_DEPTH)
        return kz_fail(e->err, KZ_ELIMIT, "pattern binds more than %u observations",
                       KZ_EVAL_MAX_DEPTH / 2);
    pick = ng - 1;
    if (bare_simple(&e->goals[ng - 1])) {
        /* Forward checking over the simple goals on top; bind the most constrained first. */
        size_t best = SIZE_MAX;
        for (size_t i = ng; i-- > 0 && bare_simple(&e->goals[i]);) {
            size_t n;
            if ((rc = cand_count(e, &e->goals[i], 2, &n)) != KZ_OK)
                return rc;
            if (n == 0)
                return KZ_OK;
            if (n < best) {
                best = n;
                pick = i;
            }
        }
    }
    tmp = e->goals[pick];
    e->goals[pick] = e->goals[ng - 1];
    e->goals[ng - 1] = tmp;
    g = e->goals[--e->ngoals];
    rc = expand(e, &g, depth, ok);
    /* Put the goal stack back as it was (expand left it at ng - 1 goals). */
    e->ngoals = ng;
    e->goals[ng - 1] = e->goals[pick];
    e->goals[pick] = g;
    if (rc != KZ_OK || !*ok)
        pop_to(e, nst);
    return rc;
}

static int size_order(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

kz_rc kz_pattern_eval(const kz_pattern *p, const kz_obs_set *set, kz_eval_result *out, kz_err *err)
{
    kz_eval e;
    kz_window w = {false, false, {0, 0, 0}, {0, 0, 0}};
    kz_goal g;
    const kz_pattern_obs *root;
    size_t n = 0;
    kz_rc rc = KZ_ENOMEM;
    bool ok = false;

    memset(out, 0, sizeof *out);
    memset(&e, 0, sizeof e);
    kz_buf_init(&e.nfc_val, 0);
    kz_buf_init(&e.nfc_con, 0);
    if (p == NULL || set == NULL)
        return kz_fail(err, KZ_EUSAGE, "kz_pattern_eval needs a pattern and a set");
    e.set = set;
    e.err = err;
    root = kz_pattern_root(p);
    if ((e.used = calloc(set->n ? set->n : 1, sizeof *e.used)) == NULL)
        goto out;
#ifdef KZ_HAVE_PCRE2
    if ((e.md = pcre2_match_data_create(1, NULL)) == NULL ||
        (e.mctx = pcre2_match_context_create(NULL)) == NULL)
        goto out;
    pcre2_set_match_limit(e.mctx, 1000000);
    pcre2_set_depth_limit(e.mctx, 10000);
#endif
    if ((rc = build_lists(&e, root)) != KZ_OK)
        goto out;
    g = node_goal(root, root->nquals, w, 0);
    if ((rc = solve_with(&e, &g, 0, &ok)) != KZ_OK)
        goto out;
    if (ok && e.nstack > 0) {
        rc = KZ_ENOMEM;
        if ((out->obs = malloc(e.nstack * sizeof *out->obs)) == NULL)
            goto out;
        memcpy(out->obs, e.stack, e.nstack * sizeof *out->obs);
        qsort(out->obs, e.nstack, sizeof *out->obs, size_order);
        /* An observed-data with number_observed > 1 may be bound more than once: list it once. */
        for (size_t i = 0; i < e.nstack; i++)
            if (n == 0 || out->obs[n - 1] != out->obs[i])
                out->obs[n++] = out->obs[i];
        out->nobs = n;
    }
    out->matched = ok;
    rc = KZ_OK;
out:
    if (rc == KZ_ENOMEM)
        kz_fail(err, KZ_ENOMEM, "out of memory");
    if (rc != KZ_OK)
        kz_eval_result_free(out);
    for (size_t i = 0; i < e.nlists; i++)
        free(e.lists[i].idx);
    free(e.lists);
    free(e.used);
    free(e.stack);
    free(e.goals);
    kz_buf_free(&e.nfc_val);
    kz_buf_free(&e.nfc_con);
#ifdef KZ_HAVE_PCRE2
    for (size_t i = 0; i < e.nrx; i++)
        pcre2_code_free(e.rx[i].code);
    free(e.rx);
    pcre2_match_data_free(e.md);
    pcre2_match_context_free(e.mctx);
#endif
    return rc;
}
