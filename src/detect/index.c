/*
 * index.c - the indicator index (kizuna/detect.h): every active STIX indicator reduced to atoms,
 * the comparisons of its pattern that can be looked up from one field value, so that a record is
 * matched against a million indicators with a constant number of lookups per field.
 *
 * Atoms. A comparison `type:path op constant` is indexable when it is not negated, its path is
 * made of keys (no [n] or [*]; a reference only as `x_ref.value`, which is then looked up on the
 * value field of any type), and op is one of
 *   =, IN        on string constants: an exact hash table keyed by (type, path, normalised value);
 *                domain-name:value and the keys of a hashes dictionary in ASCII lower case
 *                (the evaluator folds their case too, eval.c), ipv4-addr and ipv6-addr values
 *                that are bare addresses as their binary form;
 *   ISSUBSET     on ipv4-addr:value / ipv6-addr:value (or x_ref.value) with a CIDR: a binary
 *                prefix trie per address family (an address alone is /32 or /128);
 *   LIKE,        per (type, path) group. LIKE is translated to an anchored bytewise expression
 *   MATCHES      (% any bytes, _ one character counted as the evaluator counts it, everything
 *                else literal) in the group's LIKE database; MATCHES goes as written (PCRE
 *                syntax, Vectorscan UTF-8 mode, DOTALL, so a superset of the evaluator's
 *                matches) into its MATCHES database (scanned only over valid UTF-8; for other
 *                values every such atom of the group is a candidate). A constant with a required
 *                literal (a byte string every accepted value contains, index_lit.c) is first
 *                looked for through the group's literal database: a LIKE's literal in the value
 *                lets the LIKE database run on it (otherwise it runs only when some LIKE of the
 *                group has no literal); a MATCHES with a literal is decided by PCRE2 compiled as
 *                the evaluator compiles it (its match limit bounds the time) and is kept out of
 *                the MATCHES database. One scan for literals costs little whatever their number;
 *                one of a thousand full expressions costs a few hundred nanoseconds per value,
 *                and most values hold no literal. Constants, and the values scanned, are put in
 *                Unicode NFC first, as the evaluator compares LIKE and MATCHES.
 * Everything else (NOT, !=, <, >, <=, >=, ISSUPERSET, EXISTS, numbers, booleans, timestamps,
 * hex and binary constants) is not indexable.
 *
 * The cover. For each simple observation expression ([ ... ]) the index chooses atoms so that
 * the expression cannot hold unless one of them hits: a comparison is its own atoms; for an AND
 * the cheapest indexable operand (cost: the number of exact atoms, a CIDR more the shorter its
 * prefix, a LIKE or MATCHES 16); for an OR every operand, or none when one is not indexable.
 * The pattern's atoms are the union over all its simple observation expressions, and every one
 * of them must have a cover (so that every record a multi-observation pattern could bind enters
 * its window); otherwise the indicator is "full only" and is evaluated on every record.
 *
 * Matching. Each field is classified once per (type, path) pointer pair (cached in the scratch),
 * normalised, and looked up: exact table, trie, the group's databases; the exact table and the
 * IPv4 trie are first asked through prefilters that fit in cache (index_int.h), and the fields of
 * a record are all prepared, their prefilter bits prefetched, before the first lookup. Candidates
 * are deduped per record in a small set stamped with the record's generation. An indicator whose
 * pattern is one comparison in one observation expression without qualifiers (other than MATCHES
 * or a reference path) is matched by the hit; any other is evaluated with kz_pattern_eval over
 * the record's observed-data (built once per record, lazily) or, when it needs several
 * observations, over its window: the records that hit it, at most KZ_INDEX_WINDOW, no older than
 * its outermost WITHIN; such a match is reported only when the binding includes the current
 * record. An evaluation error (a type mismatch, the work budget) counts as no match. The index
 * is read-only while matching; all mutable state is in the scratch.
 *
 * Memory: strings in an arena of large chunks, one open-addressing table of 24-byte slots,
 * postings in one array, trie nodes in one array, no allocation per atom. Parsed patterns are
 * kept only for indicators that need an evaluation. After KZ_ENOMEM the index can only be freed.
 */
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>
#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include "kizuna/pattern_eval.h"
#include "index_int.h"

#define FIELD_NONE UINT32_MAX
#define FC_CACHE 64

typedef struct {
    const char *type, *path;
    int32_t group;
    int norm;
    bool is_value, used;
} kz_ix_fc;

/* A field made ready for its lookups (field_prep). */
typedef struct {
    kz_ix_fc c;    /* its class (a copy: the cache may change under it) */
    bool skip;     /* too long to be any atom */
    bool no_exact; /* an IPv4 address in a /16 without exact IPv4 values */
    const char *v; /* its normalised value (n bytes): the value itself, or in the stage's nbuf */
    size_t n;
    uint32_t h;      /* and its hash in the class's group */
    size_t roff, rn; /* the same for the reference group (x_ref.value) */
    uint32_t rh;
} kz_ix_pre;

#define PRE_FIELDS 16

/* The first fields of a record made ready (kz_index_prepare), so that the cache misses of their
 * prefilter bits overlap with the work on another record. */
typedef struct {
    const kz_log_record *rec;
    kz_ix_pre pre[PRE_FIELDS];
    size_t n; /* fields prepared */
    char *nbuf;
    size_t ncap;
} kz_ix_stage;

typedef struct {
    json_t **od;
    kz_time *t;
    size_t n, cap;
} kz_ix_win;

/* An entry of the set of the current record's candidates: it is in the set when gen is the
 * scratch's generation, so a new record starts with an empty set by a counter's increment. */
typedef struct {
    uint32_t ind, gen;
} kz_ix_seen;

#define SEEN_MIN 256 /* entries to begin with (2 KiB); doubled to stay at most half full */

struct kz_index_scratch {
    const kz_index *ix;
    hs_scratch_t *hs;
    kz_ix_seen *seen; /* open addressing, capseen a power of two */
    size_t capseen;
    uint32_t gen;
    kz_index_cand *cand;
    size_t ncand, capcand;
    kz_ix_stage stage[KZ_INDEX_STAGES];
    bool like_hit; /* the literal of a LIKE is in the value being scanned */
    kz_ix_fc fc[FC_CACHE];
    kz_ix_win *win;
    uint32_t cur_field; /* the field being scanned, for the Vectorscan callback */
    bool oom;           /* a candidate could not be recorded in the callback */
    json_t *od;         /* the current record's observed-data, once built */
    kz_buf nfc;         /* a non-ASCII value in NFC, for the LIKE and MATCHES databases */
    kz_sv cur_val;      /* that value, for the literal database's callback */
    bool cur_utf8;      /* whether it is valid UTF-8 */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    kz_time now;
    bool have_now;
};

/* ---- building ---- */

kz_rc kz_index_new(const kz_limits *lim, kz_index **out, kz_err *err)
{
    kz_index *ix = NULL;
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    if ((ix = calloc(1, sizeof *ix)) == NULL)
        goto out;
    ix->lim = lim ? *lim : kz_limits_default();
    ix->ref_group = -1;
    /* Node 0 is the IPv4 root, node 1 the IPv6 root. */
    if ((ix->node = calloc(1024, sizeof *ix->node)) == NULL)
        goto out;
    ix->capnode = 1024;
    ix->nnode = 2;
    *out = ix;
    ix = NULL;
    rc = KZ_OK;
out:
    kz_index_free(ix);
    if (rc != KZ_OK)
        kz_fail(err, rc, "out of memory");
    return rc;
}

static kz_ix_prop prop_json(const json_t *obj, const char *name)
{
    const json_t *v = json_object_get(obj, name);

    if (v == NULL)
        return (kz_ix_prop){P_ABSENT, {"", 0}};
    if (json_is_string(v))
        return (kz_ix_prop){P_STRING, {json_string_value(v), json_string_length(v)}};
    return (kz_ix_prop){json_is_true(v) ? P_TRUE : json_is_false(v) ? P_FALSE : P_OTHER, {"", 0}};
}

static void props_json(const json_t *in, kz_ix_props *p)
{
    p->object = json_is_object(in);
    p->type = prop_json(in, "type");
    p->id = prop_json(in, "id");
    p->name = prop_json(in, "name");
    p->pattern = prop_json(in, "pattern");
    p->pattern_type = prop_json(in, "pattern_type");
    p->valid_from = prop_json(in, "valid_from");
    p->valid_until = prop_json(in, "valid_until");
    p->revoked = prop_json(in, "revoked");
}

/* The members of the tape's object, found in one pass (a name given twice was refused). */
static void props_tape(const kz_jtape *t, kz_ix_props *p)
{
    static const kz_jt_name names[] = {
        KZ_JT_NAME("type"),         KZ_JT_NAME("id"),         KZ_JT_NAME("name"),
        KZ_JT_NAME("pattern"),      KZ_JT_NAME("pattern_type"), KZ_JT_NAME("valid_from"),
        KZ_JT_NAME("valid_until"),  KZ_JT_NAME("revoked"),
    };
    kz_ix_prop *const to[] = {&p->type,         &p->id,         &p->name,
                            &p->pattern,      &p->pattern_type, &p->valid_from,
                            &p->valid_until,  &p->revoked};
    uint32_t v[sizeof names / sizeof names[0]];

    p->object = kz_jt_kind_of(t, 0) == KZ_JT_OBJECT;
    kz_jt_pick(t, 0, names, sizeof names / sizeof names[0], v);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        kz_jt_kind k = kz_jt_kind_of(t, v[i]);
        to[i]->s = kz_jt_str(t, v[i]);
        to[i]->state = k == KZ_JT_NONE     ? P_ABSENT
                       : k == KZ_JT_STRING ? P_STRING
                       : k == KZ_JT_TRUE   ? P_TRUE
                       : k == KZ_JT_FALSE  ? P_FALSE
                                           : P_OTHER;
    }
}

/* Reads the timestamp property `name` into *t; *has false when it is absent. */
static kz_rc time_prop(const kz_ix_prop *v, const char *name, kz_sv id, bool *has, kz_time *t,
                       kz_err *err)
{
    kz_rc rc = KZ_OK;

    *has = v->state != P_ABSENT;
    if (!*has)
        goto out;
    if (v->state != P_STRING) {
        rc = kz_fail(err, KZ_EINVAL, "%.*s: %s: expected a timestamp string", (int)id.n, id.p,
                     name);
        goto out;
    }
    if ((rc = kz_time_parse(v->s, t, err)) != KZ_OK)
        kz_err_prefix(err, "%.*s: %s", (int)id.n, id.p, name);
out:
    return rc;
}

/* Checks the indicator's shape and whether it is active at now (*active). */
static kz_rc check_indicator(const kz_ix_props *p, const kz_time *now, bool *active, kz_err *err)
{
    kz_sv id = p->id.s;
    kz_time t;
    bool has;
    kz_rc rc = KZ_EINVAL;

    *active = false;
    if (!p->object || p->type.state != P_STRING || !kz_sv_eq_c(p->type.s, "indicator")) {
        kz_fail(err, rc, "expected an object of type \"indicator\"");
        goto out;
    }
    if (p->id.state != P_STRING || !kz_sv_starts(id, "indicator--")) {
        kz_fail(err, rc, "indicator: id: expected \"indicator--<uuid>\"");
        goto out;
    }
    if (p->pattern.state != P_STRING) {
        kz_fail(err, rc, "%.*s: pattern: expected a string", (int)id.n, id.p);
        goto out;
    }
    if (p->revoked.state != P_ABSENT && p->revoked.state != P_TRUE &&
        p->revoked.state != P_FALSE) {
        kz_fail(err, rc, "%.*s: revoked: expected true or false", (int)id.n, id.p);
        goto out;
    }
    /* STIX 2.0 indicators have no pattern_type: their patterns are STIX patterns. */
    if (p->pattern_type.state != P_ABSENT && p->pattern_type.state != P_STRING) {
        kz_fail(err, rc, "%.*s: pattern_type: expected a string", (int)id.n, id.p);
        goto out;
    }
    if ((rc = time_prop(&p->valid_from, "valid_from", id, &has, &t, err)) != KZ_OK)
        goto out;
    if (p->revoked.state == P_TRUE ||
        (p->pattern_type.state == P_STRING && !kz_sv_eq_c(p->pattern_type.s, "stix")) ||
        (has && kz_time_cmp(&t, now) > 0))
        goto out; /* not active: skipped */
    if ((rc = time_prop(&p->valid_until, "valid_until", id, &has, &t, err)) != KZ_OK)
        goto out;
    *active = !has || kz_time_cmp(&t, now) > 0;
out:
    return rc;
}

/* Whether id is "indicator--" and a UUID in lower-case hex (8-4-4-4-12), the form every id
 * written by a STIX producer has; u gets its 16 bytes. Any other id is kept as text, so that
 * kz_ix_ind_id gives back exactly the id the indicator had. */
static bool uuid_of(const char *id, size_t n, unsigned char u[16])
{
    const char *h = id + 11;

    if (n != 47 || memcmp(id, "indicator--", 11) != 0)
        return false;
    for (int i = 0, k = 0; i < 36; i++) {
        unsigned v;
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (h[i] != '-')
                return false;
            continue;
        }
        if (h[i] >= '0' && h[i] <= '9')
            v = (unsigned)(h[i] - '0');
        else if (h[i] >= 'a' && h[i] <= 'f')
            v = (unsigned)(h[i] - 'a' + 10);
        else
            return false;
        u[k / 2] = (unsigned char)(k % 2 ? u[k / 2] | v : v << 4);
        k++;
    }
    return true;
}

/*
 * The first half of adding an indicator, which changes no index (any thread may do it): its
 * properties checked, its pattern parsed, its atoms chosen (appended to *atoms, from e->atom0).
 * e->pat is NULL when there is nothing to add (not active); otherwise the caller owns it until
 * entry_put takes it. id and name are p's views.
 */
kz_rc kz_ix_entry_make(const kz_limits *lim, const kz_ix_props *p, const kz_time *now,
                       kz_ix_atoms *atoms, kz_ix_entry *e, kz_err *err)
{
    bool active;
    kz_rc rc;

    memset(e, 0, sizeof *e);
    e->atom0 = atoms->n;
    if ((rc = check_indicator(p, now, &active, err)) != KZ_OK || !active)
        return rc;
    e->id = p->id.s;
    e->name = p->name.state == P_STRING ? p->name.s : (kz_sv){"", 0};
    if ((rc = kz_pattern_parse(p->pattern.s, lim, &e->pat, err)) != KZ_OK) {
        kz_err_prefix(err, "%.*s: pattern", (int)e->id.n, e->id.p);
        e->pat = NULL;
        return rc;
    }
    if (kz_ix_pattern_atoms(e->pat, atoms, &e->indexable) != KZ_OK) {
        kz_pattern_free(e->pat);
        e->pat = NULL;
        atoms->n = e->atom0;
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    }
    e->natoms = atoms->n - e->atom0;
    e->window = kz_ix_pattern_window(e->pat, &e->within);
    e->sure = e->indexable && kz_ix_pattern_sure(e->pat); /* no window either then */
    return KZ_OK;
}

/* The second half: puts entry e (whose atoms are atoms[e->atom0, + e->natoms)) into the index.
 * The index takes e's pattern when it keeps it (e->pat is then NULL); otherwise it stays the
 * caller's to free (kz_index_load frees them on its reading threads, which allocated them). */
kz_rc kz_ix_entry_put(kz_index *ix, kz_ix_entry *e, const kz_ix_atom *atoms, bool *added,
                      kz_err *err)
{
    unsigned char uuid[16];
    kz_pattern *pat = e->pat;
    kz_ix_ind *ind;
    kz_ix_eval ev;
    kz_sv id = e->id, name = e->name;
    bool indexable = e->indexable;
    uint32_t at;
    kz_rc rc;

    *added = false;
    if (ix->built || ix->nind >= UINT32_MAX - 1) {
        rc = kz_fail(err, KZ_EUSAGE, "kz_index_add after kz_index_build, or the index is full");
        goto out;
    }
    if (pat == NULL) { /* not active */
        rc = KZ_OK;
        goto out;
    }
    rc = KZ_ENOMEM;
    if (kz_grow(&ix->ind, &ix->capind, ix->nind, sizeof *ix->ind, 1024) != KZ_OK)
        goto out;
    if (kz_grow(&ix->eval, &ix->capeval, ix->neval, sizeof *ix->eval, 64) != KZ_OK)
        goto out; /* room for this one's, should it need it */
    at = (uint32_t)ix->nind;
    ind = &ix->ind[at];
    memset(ind, 0, sizeof *ind);
    if (uuid_of(id.p, id.n, uuid)) { /* 16 bytes where the text takes 48 */
        ind->id = kz_ix_arena_dup2(ix, (const char *)uuid, sizeof uuid, name.p, name.n);
        ind->flags |= IND_UUID;
    } else {
        ind->id = kz_ix_arena_dup2(ix, id.p, id.n, name.p, name.n);
    }
    if (ind->id == NULL)
        goto out;
    ix->nind++;
    ix->st.indicators++;
    ev = (kz_ix_eval){NULL, e->within, 0};
    if (e->window) {
        ind->flags |= IND_WINDOW;
        ev.win = (uint32_t)ix->nwin++;
    }
    if (!indexable) {
        ind->flags |= IND_FULL;
        ix->st.full_only++;
    }
    for (size_t i = 0; indexable && i < e->natoms; i++)
        if ((rc = kz_ix_atom_add(ix, &atoms[e->atom0 + i], at)) != KZ_OK) {
            kz_fail(err, rc, "%.*s: indexing the pattern failed (%s)", (int)id.n, id.p,
                    kz_rc_str(rc));
            goto out;
        }
    if (e->sure) { /* one comparison in one observation */
        ind->flags |= IND_SURE;
    } else {
        ev.pat = pat;
        e->pat = NULL; /* kept for evaluation */
        ix->eval[ix->neval++] = ev;
        ind->eval = (uint32_t)ix->neval;
    }
    *added = true;
    rc = KZ_OK;
out:
    if (rc == KZ_ENOMEM)
        kz_fail(err, rc, "out of memory");
    return rc;
}

/* Both halves, for one indicator whose properties are p. */
static kz_rc add_props(kz_index *ix, const kz_ix_props *p, const kz_time *now, bool *added,
                       kz_err *err)
{
    kz_ix_entry e;
    kz_rc rc;

    *added = false;
    if (ix->built)
        return kz_fail(err, KZ_EUSAGE, "kz_index_add after kz_index_build");
    ix->atoms.n = 0;
    if ((rc = kz_ix_entry_make(&ix->lim, p, now, &ix->atoms, &e, err)) != KZ_OK)
        return rc;
    rc = kz_ix_entry_put(ix, &e, ix->atoms.v, added, err);
    kz_pattern_free(e.pat); /* when the index did not keep it */
    return rc;
}

kz_rc kz_index_add(kz_index *ix, const json_t *indicator, const kz_time *now, bool *added,
                   kz_err *err)
{
    kz_ix_props p;

    props_json(indicator, &p);
    return add_props(ix, &p, now, added, err);
}

kz_rc kz_ix_read_text(kz_jtape *t, const char *text, size_t n, kz_ix_props *p,
                      kz_index_text_kind *kind, kz_err *err)
{
    kz_rc rc;

    *kind = KZ_IX_NOT_JSON;
    if ((rc = kz_jtape_parse(t, text, n, KZ_JT_REJECT_DUPLICATES, err)) != KZ_OK)
        return rc == KZ_ELIMIT ? KZ_EINVAL : rc;
    props_tape(t, p);
    *kind = p->object && p->type.state == P_STRING && kz_sv_eq_c(p->type.s, "indicator")
                ? KZ_IX_INDICATOR
                : KZ_IX_NOT_INDICATOR;
    return KZ_OK;
}

kz_rc kz_index_add_text(kz_index *ix, const char *text, size_t n, const kz_time *now,
                        kz_index_text_kind *kind, bool *added, kz_err *err)
{
    kz_ix_props p;
    kz_rc rc;

    *kind = KZ_IX_NOT_JSON;
    *added = false;
    if (ix->tape == NULL && (ix->tape = kz_jtape_new(ix->lim.json_depth)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    if ((rc = kz_ix_read_text(ix->tape, text, n, &p, kind, err)) != KZ_OK ||
        *kind != KZ_IX_INDICATOR)
        return rc;
    return add_props(ix, &p, now, added, err);
}

/* Whether PCRE2 (the evaluator's engine) accepts a MATCHES expression. */
static bool pcre_accepts(const char *expr, char *msg, size_t cap)
{
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)expr, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);

    if (re == NULL) {
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, cap);
        return false;
    }
    pcre2_code_free(re);
    return true;
}

/* Compiles the database of group g for one kind of atom (mode 0 LIKE, 1 MATCHES). An expression
 * Vectorscan refuses makes its indicator full only when PCRE2 takes it, else KZ_EINVAL. */
static kz_rc compile_group(kz_index *ix, uint32_t g, int mode, kz_err *err)
{
    char idbuf[KZ_IX_ID_MAX];
    const char **expr = NULL;
    unsigned *flags = NULL, *ids = NULL;
    hs_compile_error_t *cerr = NULL;
    kz_rc rc = KZ_ENOMEM;
    int kind = mode == 0 ? KZ_IX_LIKE : KZ_IX_MATCHES;

    if ((expr = calloc(ix->nrx + 1, sizeof *expr)) == NULL ||
        (flags = calloc(ix->nrx + 1, sizeof *flags)) == NULL ||
        (ids = calloc(ix->nrx + 1, sizeof *ids)) == NULL)
        goto out;
    for (;;) {
        unsigned n = 0;
        kz_ix_rx *bad;
        char msg[256];
        for (size_t i = 0; i < ix->nrx; i++) {
            if (ix->rx[i].group != g || ix->rx[i].kind != kind || ix->rx[i].dropped ||
                ix->rx[i].expr == NULL)
                continue;
            if (kind == KZ_IX_LIKE && ix->rx[i].lit == NULL)
                ix->grp[g].like_always = true;
            expr[n] = ix->rx[i].expr;
            flags[n] = HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY |
                       (mode == 1 ? HS_FLAG_UTF8 : 0);
            ids[n++] = (unsigned)i;
        }
        rc = KZ_OK;
        if (n == 0)
            goto out;
        if (hs_compile_multi(expr, flags, ids, n, HS_MODE_BLOCK, NULL, &ix->grp[g].db[mode],
                             &cerr) == HS_SUCCESS)
            goto out;
        rc = KZ_EINVAL;
        if (cerr == NULL || cerr->expression < 0 || (unsigned)cerr->expression >= n) {
            kz_fail(err, rc, "%s:%s: the expression database did not compile: %s", ix->grp[g].type,
                    ix->grp[g].path, cerr ? cerr->message : "unknown error");
            goto out;
        }
        bad = &ix->rx[ids[cerr->expression]];
        if (kind == KZ_IX_MATCHES && pcre_accepts(bad->expr, msg, sizeof msg)) {
            bad->dropped = true;
            ix->st.regex--;
            if (!(ix->ind[bad->ind].flags & IND_FULL)) {
                ix->ind[bad->ind].flags |= IND_FULL;
                ix->st.full_only++;
            }
            hs_free_compile_error(cerr);
            cerr = NULL;
            continue;
        }
        if (kind == KZ_IX_LIKE)
            snprintf(msg, sizeof msg, "%s", cerr->message);
        kz_fail(err, rc, "%s: %s '%.100s' on %s:%s does not compile: %s",
                kz_ix_ind_id(&ix->ind[bad->ind], idbuf), kind == KZ_IX_LIKE ? "LIKE" : "MATCHES",
                bad->expr, ix->grp[g].type, ix->grp[g].path, msg);
        goto out;
    }
out:
    if (cerr != NULL)
        hs_free_compile_error(cerr);
    free(expr);
    free(flags);
    free(ids);
    return rc;
}

/* Compiles the literal database of group g and the PCRE2 code of its MATCHES atoms that have a
 * literal (as the evaluator compiles them, so that a confirmed hit is the evaluator's match). */
static kz_rc compile_literals(kz_index *ix, uint32_t g, kz_err *err)
{
    char idbuf[KZ_IX_ID_MAX];
    const char **lit = NULL;
    size_t *lens = NULL;
    unsigned *flags = NULL, *ids = NULL, n = 0;
    size_t shortest;
    hs_compile_error_t *cerr = NULL;
    kz_rc rc = KZ_ENOMEM;

    if ((lit = calloc(ix->nrx + 1, sizeof *lit)) == NULL ||
        (lens = calloc(ix->nrx + 1, sizeof *lens)) == NULL ||
        (flags = calloc(ix->nrx + 1, sizeof *flags)) == NULL ||
        (ids = calloc(ix->nrx + 1, sizeof *ids)) == NULL)
        goto out;
    for (size_t i = 0; i < ix->nrx; i++) {
        kz_ix_rx *x = &ix->rx[i];
        if (x->group != g || x->lit == NULL)
            continue;
        if (x->kind == KZ_IX_MATCHES) {
            int code;
            PCRE2_SIZE off;
            x->re = pcre2_compile((PCRE2_SPTR)x->con, x->ncon, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                  &code, &off, NULL);
            if (x->re == NULL) {
                char msg[256];
                pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
                rc = kz_fail(err, KZ_EINVAL, "%s: MATCHES '%.100s' on %s:%s does not compile: %s",
                             kz_ix_ind_id(&ix->ind[x->ind], idbuf), x->con, ix->grp[g].type,
                             ix->grp[g].path, msg);
                goto out;
            }
        }
        lit[n] = x->lit;
        lens[n] = x->nlit;
        flags[n] = HS_FLAG_SINGLEMATCH;
        ids[n++] = (unsigned)i;
    }
    rc = KZ_OK;
    if (n == 0)
        goto out;
    rc = KZ_ENOMEM;
    shortest = lens[0];
    for (unsigned i = 1; i < n; i++)
        shortest = lens[i] < shortest ? lens[i] : shortest;
    if ((ix->grp[g].qf = kz_ix_qf_new(shortest, n)) == NULL)
        goto out;
    for (unsigned i = 0; i < n; i++)
        kz_ix_qf_add(ix->grp[g].qf, lit[i], lens[i]);
    rc = KZ_OK;
    if (hs_compile_lit_multi(lit, flags, ids, lens, n, HS_MODE_BLOCK, NULL, &ix->grp[g].lit,
                             &cerr) != HS_SUCCESS)
        rc = kz_fail(err, KZ_EINVAL, "%s:%s: the literal database did not compile: %s",
                     ix->grp[g].type, ix->grp[g].path, cerr ? cerr->message : "unknown error");
out:
    if (cerr != NULL)
        hs_free_compile_error(cerr);
    free(lit);
    free(lens);
    free(flags);
    free(ids);
    return rc;
}

kz_rc kz_index_build(kz_index *ix, kz_err *err)
{
    kz_rc rc = KZ_OK;

    if (ix->built) {
        rc = kz_fail(err, KZ_EUSAGE, "the index is already built");
        goto out;
    }
    for (uint32_t g = 0; g < ix->ngrp && rc == KZ_OK; g++) {
        for (int mode = 0; mode < 2 && rc == KZ_OK; mode++)
            rc = compile_group(ix, g, mode, err);
        if (rc == KZ_OK)
            rc = compile_literals(ix, g, err);
    }
    if (rc != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    if ((ix->full = calloc(ix->st.full_only + 1, sizeof *ix->full)) == NULL ||
        kz_ix_bloom_build(ix) != KZ_OK)
        goto out;
    for (size_t i = 0; i < ix->nind; i++)
        if (ix->ind[i].flags & IND_FULL)
            ix->full[ix->nfull++] = (uint32_t)i;
    free(ix->atoms.v);
    kz_jtape_free(ix->tape); /* no more kz_index_add_text */
    ix->tape = NULL;
    ix->atoms = (kz_ix_atoms){NULL, 0, 0};
    ix->built = true;
    rc = KZ_OK;
out:
    if (rc == KZ_ENOMEM)
        kz_fail(err, rc, "out of memory");
    return rc;
}

void kz_index_get_stats(const kz_index *ix, kz_index_stats *out)
{
    *out = ix->st;
}

void kz_index_free(kz_index *ix)
{
    if (ix == NULL)
        return;
    for (size_t i = 0; i < ix->neval; i++)
        kz_pattern_free(ix->eval[i].pat);
    free(ix->eval);
    for (size_t i = 0; i < ix->ngrp; i++) {
        hs_free_database(ix->grp[i].db[0]);
        hs_free_database(ix->grp[i].db[1]);
        hs_free_database(ix->grp[i].lit);
        free(ix->grp[i].qf);
    }
    for (size_t i = 0; i < ix->nrx; i++)
        pcre2_code_free(ix->rx[i].re);
    while (ix->arena != NULL) {
        kz_ix_chunk *next = ix->arena->next;
        free(ix->arena);
        ix->arena = next;
    }
    free(ix->ind);
    free(ix->grp);
    free(ix->slots);
    free(ix->post);
    free(ix->node);
    free(ix->rx);
    free(ix->full);
    free(ix->bloom);
    free(ix->v4_16);
    free(ix->v4_24);
    free(ix->atoms.v);
    kz_jtape_free(ix->tape);
    free(ix);
}

/* ---- matching ---- */

kz_rc kz_index_scratch_new(const kz_index *ix, kz_index_scratch **out, kz_err *err)
{
    kz_index_scratch *s = NULL;
    kz_rc rc = KZ_EUSAGE;

    *out = NULL;
    if (!ix->built) {
        kz_fail(err, rc, "kz_index_scratch_new before kz_index_build");
        goto out;
    }
    rc = KZ_ENOMEM;
    if ((s = calloc(1, sizeof *s)) == NULL ||
        (s->seen = calloc(SEEN_MIN, sizeof *s->seen)) == NULL ||
        (s->win = calloc(ix->nwin + 1, sizeof *s->win)) == NULL)
        goto out;
    s->ix = ix;
    s->capseen = SEEN_MIN;
    kz_buf_init(&s->nfc, 0);
    if ((s->md = pcre2_match_data_create(1, NULL)) == NULL ||
        (s->mctx = pcre2_match_context_create(NULL)) == NULL)
        goto out;
    /* The evaluator's limits: a hit it would refuse for its cost is its to refuse. */
    pcre2_set_match_limit(s->mctx, 1000000);
    pcre2_set_depth_limit(s->mctx, 10000);
    for (size_t g = 0; g < ix->ngrp; g++) {
        for (int m = 0; m < 2; m++)
            if (ix->grp[g].db[m] != NULL &&
                hs_alloc_scratch(ix->grp[g].db[m], &s->hs) != HS_SUCCESS)
                goto out;
        if (ix->grp[g].lit != NULL && hs_alloc_scratch(ix->grp[g].lit, &s->hs) != HS_SUCCESS)
            goto out;
    }
    *out = s;
    s = NULL;
    rc = KZ_OK;
out:
    if (rc == KZ_ENOMEM)
        kz_fail(err, rc, "out of memory");
    kz_index_scratch_free(s);
    return rc;
}

void kz_index_scratch_free(kz_index_scratch *s)
{
    if (s == NULL)
        return;
    for (size_t w = 0; s->win != NULL && w < s->ix->nwin; w++) {
        for (size_t i = 0; i < s->win[w].n; i++)
            json_decref(s->win[w].od[i]);
        free(s->win[w].od);
        free(s->win[w].t);
    }
    if (s->hs != NULL)
        hs_free_scratch(s->hs);
    json_decref(s->od);
    free(s->win);
    free(s->seen);
    free(s->cand);
    for (int i = 0; i < KZ_INDEX_STAGES; i++)
        free(s->stage[i].nbuf);
    kz_buf_free(&s->nfc);
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    free(s);
}

/* Puts ind into the set of this record's candidates; false when it was there. */
static bool seen_put(kz_ix_seen *t, size_t cap, uint32_t gen, uint32_t ind)
{
    size_t mask = cap - 1, i = (size_t)((ind * 0x9E3779B97F4A7C15ull) >> 32) & mask;

    for (;; i = (i + 1) & mask) {
        if (t[i].gen != gen) {
            t[i] = (kz_ix_seen){ind, gen};
            return true;
        }
        if (t[i].ind == ind)
            return false;
    }
}

/* Doubles the candidate set, with the record's candidates so far in it. */
static bool seen_grow(kz_index_scratch *s)
{
    size_t cap = s->capseen * 2;
    kz_ix_seen *t;

    if (cap > SIZE_MAX / sizeof *t || (t = calloc(cap, sizeof *t)) == NULL)
        return false;
    for (size_t i = 0; i < s->ncand; i++)
        (void)seen_put(t, cap, s->gen, s->cand[i].ind);
    free(s->seen);
    s->seen = t;
    s->capseen = cap;
    return true;
}

/* Records indicator ind as a candidate of this record (once), hit by field f. */
static bool cand_add(kz_index_scratch *s, uint32_t ind, uint32_t f)
{
    const kz_index *ix = s->ix;

    if (f != FIELD_NONE && (ix->ind[ind].flags & IND_FULL))
        return true;
    if ((s->ncand + 1) * 2 > s->capseen && !seen_grow(s))
        return false;
    if (!seen_put(s->seen, s->capseen, s->gen, ind))
        return true;
    if (kz_grow(&s->cand, &s->capcand, s->ncand, sizeof *s->cand, 64) != KZ_OK)
        return false;
    s->cand[s->ncand++] = (kz_index_cand){ind, f};
    return true;
}

/* Adds every indicator of the posting list starting at head. */
static bool cand_posts(kz_index_scratch *s, uint32_t head, uint32_t f)
{
    for (; head != 0; head = s->ix->post[head - 1].next)
        if (!cand_add(s, s->ix->post[head - 1].ind, f))
            return false;
    return true;
}

/* The class of a field's (type, path): its group, normalisation, whether it is a value. */
static const kz_ix_fc *field_class(kz_index_scratch *s, const kz_field *f)
{
    const kz_index *ix = s->ix;
    const char *type = f->type ? f->type : "", *path = f->path ? f->path : "";
    kz_ix_fc *c = &s->fc[(((uintptr_t)type >> 3) ^ ((uintptr_t)path >> 2) * 7) % FC_CACHE];
    char canon[KZ_IX_PATH_MAX];

    if (c->used && c->type == type && c->path == path)
        return c;
    *c = (kz_ix_fc){type, path, -1, KZ_IX_NORM_NONE, false, true};
    if (!kz_ix_field_path_canon(path, canon))
        return c;
    c->norm = kz_ix_norm_of(type, canon);
    c->is_value = strcmp(canon, "value") == 0;
    for (size_t g = 0; g < ix->ngrp; g++)
        if (strcmp(ix->grp[g].type, type) == 0 && strcmp(ix->grp[g].path, canon) == 0)
            c->group = (int32_t)g;
    return c;
}

/* Looks up the exact atoms of (group, normalised value) whose hash is h. */
static bool exact_hits(kz_index_scratch *s, uint32_t h, uint32_t group, const char *v, size_t n,
                       uint32_t f)
{
    const kz_index *ix = s->ix;
    size_t i;

    if (ix->nused == 0 || !kz_ix_bloom_may(ix, h))
        return true;
    i = kz_ix_slot_find(ix, h, group, v, n);
    return cand_posts(s, ix->slots[i].post, f);
}

/* Walks the trie of an address (1 + 4 or 16 bytes) collecting every prefix that holds it. */
static bool trie_hits(kz_index_scratch *s, const char *bin, uint32_t f)
{
    const kz_index *ix = s->ix;
    int bits = bin[0] == 4 ? 32 : 128;
    uint32_t at = bin[0] == 4 ? 0 : 1;
    const unsigned char *a = (const unsigned char *)bin + 1;

    if (bits == 32 && !kz_ix_v4_may(ix, a))
        return true;
    for (int bit = 0;; bit++) {
        if (!cand_posts(s, ix->node[at].post, f))
            return false;
        if (bit == bits || (at = ix->node[at].kid[(a[bit / 8] >> (7 - bit % 8)) & 1]) == 0)
            break;
    }
    return true;
}

/* Vectorscan's report: the atom `id` hit the field being scanned. */
static int on_regex(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    kz_index_scratch *s = ctx;

    (void)from, (void)to, (void)flags;
    if (!cand_add(s, s->ix->rx[id].ind, s->cur_field)) {
        s->oom = true;
        return 1;
    }
    return 0;
}

/* The literal database's report: the literal of atom `id` is in the value. A LIKE's hit lets
 * the group's LIKE database run on the value; a MATCHES is decided here by PCRE2, except on a
 * value that is not UTF-8 or one PCRE2 gives up on, which is left to the evaluator. */
static int on_literal(unsigned int id, unsigned long long from, unsigned long long to,
                      unsigned int flags, void *ctx)
{
    kz_index_scratch *s = ctx;
    const kz_ix_rx *x = &s->ix->rx[id];
    bool hit;

    (void)from, (void)to, (void)flags;
    if (x->kind == KZ_IX_LIKE) { /* the LIKE database decides, in time linear in the value */
        s->like_hit = true;
        return 0;
    }
    if (!s->cur_utf8) {
        hit = true;
    } else {
        int m = pcre2_match(x->re, (PCRE2_SPTR)(s->cur_val.n ? s->cur_val.p : ""), s->cur_val.n,
                            0, 0, s->md, s->mctx);
        hit = m != PCRE2_ERROR_NOMATCH;
    }
    if (hit && !cand_add(s, x->ind, s->cur_field)) {
        s->oom = true;
        return 1;
    }
    return 0;
}

/* Runs the regex databases of group g over a field value. */
static kz_rc regex_hits(kz_index_scratch *s, uint32_t g, kz_sv v, uint32_t f, kz_err *err)
{
    const kz_ix_group *grp = &s->ix->grp[g];
    kz_rc rc = KZ_OK;
    hs_error_t e;
    bool valid;

    if (grp->lit == NULL && grp->db[0] == NULL && grp->db[1] == NULL)
        return KZ_OK; /* no LIKE or MATCHES on this (type, path) */
    s->cur_field = f;
    /* Both databases hold their constants in NFC (as the evaluator compares); so is the value. */
    rc = kz_utf8_nfc(v, &s->nfc, &v);
    valid = rc == KZ_OK;
    if (rc == KZ_EINVAL)
        rc = KZ_OK;
    else if (rc != KZ_OK)
        return kz_fail(err, rc, "out of memory");
    s->like_hit = false;
    if (grp->lit != NULL && kz_ix_qf_may(grp->qf, v.p, v.n)) {
        s->cur_val = v;
        s->cur_utf8 = valid;
        e = hs_scan(grp->lit, v.n ? v.p : "", (unsigned)v.n, 0, s->hs, on_literal, s);
        if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
            rc = kz_fail(err, KZ_EINVAL, "%s:%s: Vectorscan scan failed (error %d)", grp->type,
                         grp->path, (int)e);
    }
    for (int m = 0; m < 2 && rc == KZ_OK; m++) {
        if (grp->db[m] == NULL || (m == 0 && !grp->like_always && !s->like_hit))
            continue;
        if (m == 1 && !valid) {
            /* Not scannable in UTF-8 mode: every MATCHES of the group is left to the evaluator. */
            for (size_t i = 0; i < s->ix->nrx && !s->oom; i++)
                if (s->ix->rx[i].group == g && s->ix->rx[i].kind == KZ_IX_MATCHES &&
                    s->ix->rx[i].lit == NULL && !s->ix->rx[i].dropped &&
                    !cand_add(s, s->ix->rx[i].ind, f))
                    s->oom = true;
            continue;
        }
        e = hs_scan(grp->db[m], v.n ? v.p : "", (unsigned)v.n, 0, s->hs, on_regex, s);
        if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
            rc = kz_fail(err, KZ_EINVAL, "%s:%s: Vectorscan scan failed (error %d)", grp->type,
                         grp->path, (int)e);
    }
    if (rc == KZ_OK && s->oom)
        rc = kz_fail(err, KZ_ENOMEM, "out of memory");
    return rc;
}

/* Whether v has an ASCII capital letter (eight bytes at a time: a byte is in 'A'..'Z' when
 * adding 0x3f carries it past 0x7f and adding 0x25 does not; bytes >= 0x80 are masked out). */
static bool has_upper(kz_sv v)
{
    const unsigned char *p = (const unsigned char *)v.p;
    size_t i = 0;

    for (; i + 8 <= v.n; i += 8) {
        uint64_t w, hi = 0x8080808080808080ull, lo;
        memcpy(&w, p + i, 8);
        lo = w & ~hi;
        if (((lo + 0x3f3f3f3f3f3f3f3full) & ~(lo + 0x2525252525252525ull) & ~w & hi) != 0)
            return true;
    }
    for (; i < v.n; i++)
        if (p[i] >= 'A' && p[i] <= 'Z')
            return true;
    return false;
}

/* Makes a field ready for its lookups: its class, its value normalised (into nbuf at *used)
 * and hashed, and the prefilter bits it will test asked for ahead, so that the cache misses of
 * the fields of a record overlap instead of coming one after another. */
static void field_prep(kz_index_scratch *s, const kz_field *fd, kz_ix_pre *p, char *nbuf,
                       size_t *used)
{
    const kz_index *ix = s->ix;
    /* Read from the local copy, not back from p: a load of a field of p->c right after the
     * struct's store waits for the store on some processors (store-to-load forwarding). */
    const kz_ix_fc c = *field_class(s, fd);

    p->c = c;
    p->n = p->rn = 0;
    p->no_exact = false;
    p->skip = fd->value.n > UINT32_MAX; /* no atom is that long */
    if (p->skip)
        return;
    if (c.group >= 0 || c.norm == KZ_IX_NORM_IP) {
        if (c.norm == KZ_IX_NORM_NONE || (c.norm == KZ_IX_NORM_LOWER && !has_upper(fd->value))) {
            /* Already in its normal form: looked up where it is (an empty view may have no
             * pointer). */
            p->v = fd->value.n ? fd->value.p : "";
            p->n = fd->value.n;
        } else {
            char *out = nbuf + *used;
            if (fd->has_ipv4 && c.norm == KZ_IX_NORM_IP) { /* parsed by the reader */
                kz_ix_ipv4_key(fd->ipv4, out);
                p->n = 5;
            } else {
                p->n = kz_ix_normalise(c.norm, fd->value, out);
            }
            p->v = out;
            *used += p->n;
        }
        if (c.norm == KZ_IX_NORM_IP && p->n == 5 && p->v[0] == 4) {
            const unsigned char *a = (const unsigned char *)p->v + 1;
            uint32_t s16 = (uint32_t)a[0] << 8 | a[1];
            p->no_exact = !kz_ix_bit(ix->x4_16, s16);
            if (ix->v4_16 != NULL && kz_ix_bit(ix->v4_16, s16)) /* a prefix touches its /16 */
                __builtin_prefetch(ix->v4_24 + ((s16 << 8 | a[2]) >> 6));
        }
        if (c.group >= 0 && !p->no_exact) {
            p->h = kz_ix_hash((uint32_t)c.group, p->v, p->n);
            if (ix->bloom != NULL)
                __builtin_prefetch(ix->bloom + ((kz_ix_bloom_mix(p->h) & ix->bloom_mask) << 3));
        }
    }
    if (c.is_value && ix->ref_group >= 0) {
        p->roff = *used;
        p->rn = kz_ix_normalise(KZ_IX_NORM_REF, fd->value, nbuf + p->roff);
        *used += p->rn;
        p->rh = kz_ix_hash((uint32_t)ix->ref_group, nbuf + p->roff, p->rn);
        if (ix->bloom != NULL)
            __builtin_prefetch(ix->bloom + ((kz_ix_bloom_mix(p->rh) & ix->bloom_mask) << 3));
    }
}

/* Looks up every atom a prepared field can hit: exact table, trie, the reference table, the
 * group's expressions, in that order. */
static kz_rc field_hits(kz_index_scratch *s, const kz_field *fd, const kz_ix_pre *p,
                        const char *nbuf, uint32_t f, kz_err *err)
{
    const kz_index *ix = s->ix;
    const char *v = p->v;
    kz_rc rc = KZ_ENOMEM;

    if (p->skip) {
        rc = KZ_OK;
        goto out;
    }
    if (p->c.group >= 0 || p->c.norm == KZ_IX_NORM_IP) {
        if (p->c.group >= 0 && !p->no_exact &&
            !exact_hits(s, p->h, (uint32_t)p->c.group, v, p->n, f))
            goto out;
        if (p->c.norm == KZ_IX_NORM_IP && (p->n == 5 || p->n == 17) && (v[0] == 4 || v[0] == 6) &&
            ix->st.cidr > 0 && !trie_hits(s, v, f))
            goto out;
    }
    if (p->c.is_value && ix->ref_group >= 0 &&
        !exact_hits(s, p->rh, (uint32_t)ix->ref_group, nbuf + p->roff, p->rn, f))
        goto out;
    rc = KZ_OK;
    if (p->c.group >= 0)
        rc = regex_hits(s, (uint32_t)p->c.group, fd->value, f, err);
out:
    if (rc == KZ_ENOMEM)
        kz_fail(err, rc, "out of memory");
    return rc;
}

/* Prepares the fields [from, to) of a record (at most PRE_FIELDS) in stage st. */
static kz_rc fields_prep(kz_index_scratch *s, kz_ix_stage *st, const kz_log_record *rec,
                         size_t from, size_t to, kz_err *err)
{
    size_t need = 0, used = 0;

    for (size_t i = from; i < to; i++)
        if (rec->fields[i].value.n <= UINT32_MAX)
            need += 2 * (rec->fields[i].value.n + KZ_IX_NORM_EXTRA);
    if (st->ncap < need) {
        char *nb = realloc(st->nbuf, need);
        if (nb == NULL)
            return kz_fail(err, KZ_ENOMEM, "out of memory");
        st->nbuf = nb;
        st->ncap = need;
    }
    for (size_t i = from; i < to; i++)
        field_prep(s, &rec->fields[i], &st->pre[i - from], st->nbuf, &used);
    return KZ_OK;
}

/* Looks up the prepared fields [from, to) of stage st. */
static kz_rc fields_hits(kz_index_scratch *s, const kz_ix_stage *st, const kz_log_record *rec,
                         size_t from, size_t to, kz_err *err)
{
    kz_rc rc = KZ_OK;

    for (size_t i = from; i < to && rc == KZ_OK; i++)
        rc = field_hits(s, &rec->fields[i], &st->pre[i - from], st->nbuf, (uint32_t)i, err);
    return rc;
}

/* The current record's observed-data ([observed-data, SCOs...]), built on first need. */
static kz_rc record_od(kz_index_scratch *s, const kz_log_record *rec, kz_err *err)
{
    if (s->od != NULL)
        return KZ_OK;
    if (!s->have_now) {
        s->now = kz_time_now();
        s->have_now = true;
    }
    return kz_log_record_observed(rec, &s->now, &s->od, err);
}

/* The observed-data object in an [observed-data, SCOs...] array. */
static const json_t *od_object(const json_t *arr)
{
    size_t i;
    const json_t *o;

    json_array_foreach(arr, i, o)
    {
        const json_t *t = json_object_get(o, "type");
        if (json_is_string(t) && strcmp(json_string_value(t), "observed-data") == 0)
            return o;
    }
    return NULL;
}

/* Appends the current record to an indicator's window, dropping what is too old or too many. */
static kz_rc window_push(kz_index_scratch *s, const kz_ix_eval *ev, const kz_time *t)
{
    kz_ix_win *w = &s->win[ev->win];
    size_t drop = 0;

    while (drop < w->n) {
        double age = (double)(t->sec - w->t[drop].sec) + (t->nsec - w->t[drop].nsec) / 1e9;
        if (w->n - drop < KZ_INDEX_WINDOW && (ev->within < 0 || age <= ev->within))
            break;
        json_decref(w->od[drop++]);
    }
    if (drop > 0) {
        memmove(w->od, w->od + drop, (w->n - drop) * sizeof *w->od);
        memmove(w->t, w->t + drop, (w->n - drop) * sizeof *w->t);
        w->n -= drop;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        json_t **nod = realloc(w->od, cap * sizeof *nod);
        kz_time *nt;
        if (nod == NULL)
            return KZ_ENOMEM;
        w->od = nod;
        if ((nt = realloc(w->t, cap * sizeof *nt)) == NULL)
            return KZ_ENOMEM;
        w->t = nt;
        w->cap = cap;
    }
    w->od[w->n] = json_incref(s->od);
    w->t[w->n++] = *t;
    return KZ_OK;
}

/* Evaluates a candidate that needs its whole pattern; *matched when the record completes it. */
static kz_rc cand_eval(kz_index_scratch *s, const kz_log_record *rec, const kz_ix_ind *ind,
                       bool *matched, kz_err *err)
{
    kz_obs_set *set = NULL;
    kz_eval_result res = {false, NULL, 0};
    const json_t *cur;
    kz_err tmp;
    kz_rc rc;
    const kz_ix_eval *ev;

    *matched = false;
    if (ind->eval == 0) /* its kz_index_add failed half-way (out of memory): nothing to run */
        return KZ_OK;
    ev = &s->ix->eval[ind->eval - 1];
    if ((rc = record_od(s, rec, err)) != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    if ((set = kz_obs_set_new()) == NULL)
        goto out;
    if (ind->flags & IND_WINDOW) {
        kz_ix_win *w = &s->win[ev->win];
        if ((rc = window_push(s, ev, rec->has_time ? &rec->time : &s->now)) != KZ_OK)
            goto out;
        for (size_t i = 0; i < w->n; i++)
            if ((rc = kz_obs_set_add_bundle(set, w->od[i], &tmp)) == KZ_ENOMEM)
                goto out;
    } else if ((rc = kz_obs_set_add_bundle(set, s->od, &tmp)) == KZ_ENOMEM) {
        goto out;
    }
    /* An observation the evaluator cannot read, or an evaluation error, is no match. */
    if ((rc = kz_pattern_eval(ev->pat, set, &res, &tmp)) != KZ_OK) {
        rc = rc == KZ_ENOMEM ? KZ_ENOMEM : KZ_OK;
        goto out;
    }
    *matched = res.matched;
    if (res.matched && (ind->flags & IND_WINDOW)) {
        cur = od_object(s->od);
        *matched = false;
        for (size_t i = 0; i < res.nobs; i++)
            if (kz_obs_set_get(set, res.obs[i]) == cur)
                *matched = true;
    }
out:
    if (rc == KZ_ENOMEM)
        kz_fail(err, rc, "out of memory");
    kz_eval_result_free(&res);
    kz_obs_set_free(set);
    return rc;
}

static size_t nfields_of(const kz_log_record *rec)
{
    return rec->nfields < UINT32_MAX ? rec->nfields : UINT32_MAX;
}

kz_rc kz_index_prepare(const kz_index *ix, kz_index_scratch *s, const kz_log_record *rec,
                       int stage, kz_err *err)
{
    kz_ix_stage *st;
    size_t n = nfields_of(rec);
    kz_rc rc;

    if (!ix->built || s->ix != ix || stage < 0 || stage >= KZ_INDEX_STAGES)
        return kz_fail(err, KZ_EUSAGE,
                       "kz_index_prepare needs a built index, a scratch made for it and a stage");
    st = &s->stage[stage];
    st->rec = NULL;
    st->n = n < PRE_FIELDS ? n : PRE_FIELDS;
    if ((rc = fields_prep(s, st, rec, 0, st->n, err)) != KZ_OK)
        return rc;
    st->rec = rec;
    return KZ_OK;
}

kz_rc kz_index_lookup_prepared(const kz_index *ix, kz_index_scratch *s, const kz_log_record *rec,
                               int stage, const kz_index_cand **cands, size_t *ncands,
                               kz_err *err)
{
    kz_ix_stage *st;
    size_t n = nfields_of(rec);
    kz_rc rc = KZ_EUSAGE;

    *cands = NULL;
    *ncands = 0;
    if (!ix->built || s->ix != ix || stage < 0 || stage >= KZ_INDEX_STAGES ||
        s->stage[stage].rec != rec) {
        kz_fail(err, rc, "kz_index_lookup_prepared needs the record kz_index_prepare was given");
        goto out;
    }
    st = &s->stage[stage];
    st->rec = NULL;
    if (++s->gen == 0) {
        memset(s->seen, 0, s->capseen * sizeof *s->seen);
        s->gen = 1;
    }
    s->ncand = 0;
    s->oom = false;
    rc = fields_hits(s, st, rec, 0, st->n, err);
    /* A record with more fields than a stage holds: the rest a chunk at a time. */
    for (size_t i = st->n; i < n && rc == KZ_OK; i += PRE_FIELDS) {
        size_t to = n - i > PRE_FIELDS ? i + PRE_FIELDS : n;
        if ((rc = fields_prep(s, st, rec, i, to, err)) == KZ_OK)
            rc = fields_hits(s, st, rec, i, to, err);
    }
    if (rc != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    for (size_t i = 0; i < ix->nfull; i++)
        if (!cand_add(s, ix->full[i], FIELD_NONE)) {
            kz_fail(err, rc, "out of memory");
            goto out;
        }
    *cands = s->cand;
    *ncands = s->ncand;
    rc = KZ_OK;
out:
    return rc;
}

kz_rc kz_index_lookup(const kz_index *ix, kz_index_scratch *s, const kz_log_record *rec,
                      const kz_index_cand **cands, size_t *ncands, kz_err *err)
{
    kz_rc rc;

    *cands = NULL;
    *ncands = 0;
    if ((rc = kz_index_prepare(ix, s, rec, 0, err)) != KZ_OK)
        return rc;
    return kz_index_lookup_prepared(ix, s, rec, 0, cands, ncands, err);
}

kz_rc kz_index_confirm(const kz_index *ix, kz_index_scratch *s, const kz_log_record *rec,
                       const kz_index_cand *cands, size_t ncands,
                       kz_rc (*fn)(void *ctx, const kz_hit *h), void *ctx, kz_err *err)
{
    char idbuf[KZ_IX_ID_MAX];
    kz_rc rc = KZ_EUSAGE;

    if (!ix->built || s->ix != ix) {
        kz_fail(err, rc, "kz_index_confirm needs a built index and a scratch made for it");
        goto out;
    }
    s->have_now = false;
    rc = KZ_OK;
    for (size_t i = 0; i < ncands && rc == KZ_OK; i++) {
        const kz_ix_ind *ind;
        bool matched = true;
        kz_hit h;
        if (cands[i].ind >= ix->nind ||
            (cands[i].field != FIELD_NONE && cands[i].field >= rec->nfields)) {
            rc = kz_fail(err, KZ_EUSAGE, "kz_index_confirm: a candidate not of this record");
            goto out;
        }
        ind = &ix->ind[cands[i].ind];
        if (!(ind->flags & IND_SURE) && (rc = cand_eval(s, rec, ind, &matched, err)) != KZ_OK)
            goto out;
        if (!matched)
            continue;
        h.indicator_id = kz_ix_ind_id(ind, idbuf);
        h.indicator_name = kz_ix_ind_name(ind);
        h.field = cands[i].field == FIELD_NONE ? NULL : &rec->fields[cands[i].field];
        rc = fn(ctx, &h);
    }
out:
    json_decref(s->od);
    s->od = NULL;
    return rc;
}

kz_rc kz_index_match(const kz_index *ix, kz_index_scratch *s, const kz_log_record *rec,
                     kz_rc (*fn)(void *ctx, const kz_hit *h), void *ctx, kz_err *err)
{
    const kz_index_cand *cands;
    size_t n;
    kz_rc rc;

    if ((rc = kz_index_lookup(ix, s, rec, &cands, &n, err)) != KZ_OK)
        return rc;
    return kz_index_confirm(ix, s, rec, cands, n, fn, ctx, err);
}
