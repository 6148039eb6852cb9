/*
 * index_atoms.c - the pattern side of the indicator index: which comparisons of a parsed STIX
 * pattern can be looked up (atoms), which of them to choose so that a pattern cannot match
 * without one of its atoms hitting, and the normal forms shared by constants and field values.
 * The rule itself is described at the top of index.c. Also the index's storage: the string arena,
 * the open-addressing exact table, the CIDR trie and the list of LIKE / MATCHES atoms.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "index_int.h"

#define COST_INF SIZE_MAX

/* Whether key ends with suffix. */
static bool key_ends(kz_sv key, const char *suffix)
{
    size_t n = strlen(suffix);
    return key.n >= n && memcmp(key.p + key.n - n, suffix, n) == 0;
}

/* Whether the pattern type names an IP address object. */
static bool type_is_ip(kz_sv type)
{
    return kz_sv_eq_c(type, "ipv4-addr") || kz_sv_eq_c(type, "ipv6-addr");
}

/* Whether a comparison's path reaches a value that a field can carry: all steps keys, and a
 * reference followed only in the form `x_ref.value` (*ref set then). */
static bool path_ok(const kz_pattern_path *path, bool *ref)
{
    *ref = false;
    for (size_t i = 0; i < path->nsteps; i++) {
        const kz_pattern_step *s = &path->steps[i];
        if (s->kind != KZ_PAT_STEP_KEY)
            return false;
        if (i + 1 < path->nsteps && (key_ends(s->key, "_ref") || key_ends(s->key, "_refs"))) {
            if (i == 0 && path->nsteps == 2 && key_ends(s->key, "_ref") &&
                path->steps[1].kind == KZ_PAT_STEP_KEY && kz_sv_eq_c(path->steps[1].key, "value")) {
                *ref = true;
                return true;
            }
            return false;
        }
    }
    return true;
}

/* Classifies one comparison: its atom kind, or false when it is not indexable. */
static bool test_kind(const kz_pattern_cmp *c, int *kind, bool *ref)
{
    const kz_pattern_lit *v = &c->value;
    int family, len;
    unsigned char a[16];

    if (c->kind != KZ_PAT_CMP_TEST || c->negated || !path_ok(&c->path, ref))
        return false;
    switch (c->op) {
        case KZ_PAT_OP_EQ: *kind = KZ_IX_EXACT; return v->kind == KZ_PAT_LIT_STRING;
        case KZ_PAT_OP_IN:
            *kind = KZ_IX_EXACT;
            for (size_t i = 0; i < c->nset; i++)
                if (c->set[i].kind != KZ_PAT_LIT_STRING)
                    return false;
            return true;
        case KZ_PAT_OP_LIKE: *kind = KZ_IX_LIKE; return v->kind == KZ_PAT_LIT_STRING;
        case KZ_PAT_OP_MATCHES:
            /* Vectorscan takes NUL-terminated expressions. */
            *kind = KZ_IX_MATCHES;
            return v->kind == KZ_PAT_LIT_STRING && v->bytes.n > 0 &&
                   memchr(v->bytes.p, '\0', v->bytes.n) == NULL;
        case KZ_PAT_OP_ISSUBSET:
            *kind = KZ_IX_CIDR;
            if (v->kind != KZ_PAT_LIT_STRING || !kz_ix_cidr_parse(v->bytes, &family, a, &len))
                return false;
            return *ref || (type_is_ip(c->path.type) && c->path.nsteps == 1 &&
                            kz_sv_eq_c(c->path.steps[0].key, "value"));
        default: return false;
    }
}

/* What looking up the atoms of one comparison costs, COST_INF when it is not indexable: fewer
 * and more selective atoms are cheaper; a reference atom needs an evaluation. */
static size_t test_cost(const kz_pattern_cmp *c)
{
    int kind, family, len;
    unsigned char a[16];
    bool ref;
    size_t cost = 0;

    if (!test_kind(c, &kind, &ref))
        return COST_INF;
    switch (kind) {
        case KZ_IX_EXACT: cost = c->op == KZ_PAT_OP_IN ? c->nset : 1; break;
        case KZ_IX_CIDR:
            (void)kz_ix_cidr_parse(c->value.bytes, &family, a, &len);
            cost = 2 + (size_t)(family == 4 ? (32 - len) / 2 : (128 - len) / 8);
            break;
        default: cost = 16; break;
    }
    return cost + (ref ? 1 : 0);
}

/* The cost of the cheapest cover of a comparison expression (COST_INF: none). */
static size_t cmp_cost(const kz_pattern_cmp *c)
{
    size_t best = COST_INF, sum = 0;

    if (c->kind == KZ_PAT_CMP_TEST)
        return test_cost(c);
    for (const kz_pattern_cmp *k = c->first; k != NULL; k = k->next) {
        size_t kc = cmp_cost(k);
        if (c->kind == KZ_PAT_CMP_AND) {
            if (kc < best)
                best = kc;
        } else {
            if (kc == COST_INF)
                return COST_INF;
            sum = sum + kc < sum ? COST_INF - 1 : sum + kc;
        }
    }
    return c->kind == KZ_PAT_CMP_AND ? best : sum;
}

/* Appends one atom to out. */
static kz_rc push_atom(kz_ix_atoms *out, int kind, const kz_pattern_cmp *c, kz_sv value, bool ref)
{
    if (kz_grow(&out->v, &out->cap, out->n, sizeof *out->v, 16) != KZ_OK)
        return KZ_ENOMEM;
    out->v[out->n++] = (kz_ix_atom){kind, c, value, ref};
    return KZ_OK;
}

/* Appends the atoms of the cheapest cover of c (whose cost is finite). */
static kz_rc cmp_emit(const kz_pattern_cmp *c, kz_ix_atoms *out)
{
    const kz_pattern_cmp *best = NULL;
    size_t best_cost = COST_INF;
    kz_rc rc = KZ_OK;
    int kind;
    bool ref;

    if (c->kind == KZ_PAT_CMP_TEST) {
        if (!test_kind(c, &kind, &ref))
            goto out;
        if (c->op == KZ_PAT_OP_IN) {
            for (size_t i = 0; i < c->nset && rc == KZ_OK; i++)
                rc = push_atom(out, kind, c, c->set[i].bytes, ref);
        } else {
            rc = push_atom(out, kind, c, c->value.bytes, ref);
        }
        goto out;
    }
    for (const kz_pattern_cmp *k = c->first; k != NULL && rc == KZ_OK; k = k->next) {
        if (c->kind == KZ_PAT_CMP_OR) {
            rc = cmp_emit(k, out);
        } else {
            size_t kc = cmp_cost(k);
            if (kc < best_cost) {
                best_cost = kc;
                best = k;
            }
        }
    }
    if (best != NULL)
        rc = cmp_emit(best, out);
out:
    return rc;
}

/* Appends the covers of every simple observation expression under o. */
static kz_rc obs_emit(const kz_pattern_obs *o, kz_ix_atoms *out, bool *indexable)
{
    kz_rc rc = KZ_OK;

    if (o->kind == KZ_PAT_OBS_SIMPLE) {
        if (cmp_cost(o->cmp) == COST_INF)
            *indexable = false;
        else
            rc = cmp_emit(o->cmp, out);
        goto out;
    }
    for (const kz_pattern_obs *k = o->first; k != NULL && rc == KZ_OK && *indexable; k = k->next)
        rc = obs_emit(k, out, indexable);
out:
    return rc;
}

kz_rc kz_ix_pattern_atoms(const kz_pattern *p, kz_ix_atoms *out, bool *indexable)
{
    *indexable = true;
    return obs_emit(kz_pattern_root(p), out, indexable);
}

bool kz_ix_pattern_sure(const kz_pattern *p)
{
    const kz_pattern_obs *root = kz_pattern_root(p);
    int kind;
    bool ref;

    if (root->kind != KZ_PAT_OBS_SIMPLE || root->nquals != 0 || !test_kind(root->cmp, &kind, &ref))
        return false;
    return !ref && kind != KZ_IX_MATCHES;
}

/* Whether some node under o needs more than one observation. */
static bool obs_multi(const kz_pattern_obs *o)
{
    for (const kz_pattern_qual *q = o->quals; q != NULL; q = q->next)
        if (q->kind == KZ_PAT_QUAL_REPEATS && q->times > 1)
            return true;
    if (o->kind == KZ_PAT_OBS_AND || o->kind == KZ_PAT_OBS_FOLLOWEDBY)
        return true;
    for (const kz_pattern_obs *k = o->first; k != NULL; k = k->next)
        if (obs_multi(k))
            return true;
    return false;
}

bool kz_ix_pattern_window(const kz_pattern *p, double *within)
{
    const kz_pattern_obs *root = kz_pattern_root(p);
    const kz_pattern_qual *last = NULL;

    *within = -1;
    for (const kz_pattern_qual *q = root->quals; q != NULL; q = q->next)
        last = q;
    /* Only the outermost qualifier bounds the time span of a whole binding. */
    if (last != NULL && last->kind == KZ_PAT_QUAL_WITHIN)
        *within = last->within.kind == KZ_PAT_LIT_INT ? (double)last->within.i : last->within.f;
    return obs_multi(root);
}

bool kz_ix_path_canon(const kz_pattern_path *path, char *buf)
{
    size_t n = 0;

    for (size_t i = 0; i < path->nsteps; i++) {
        const kz_pattern_step *s = &path->steps[i];
        if (s->kind != KZ_PAT_STEP_KEY || n + s->key.n + 2 > KZ_IX_PATH_MAX ||
            memchr(s->key.p, '\0', s->key.n) != NULL)
            return false;
        if (i > 0)
            buf[n++] = '.';
        memcpy(buf + n, s->key.p, s->key.n);
        n += s->key.n;
    }
    buf[n] = '\0';
    return true;
}

bool kz_ix_field_path_canon(const char *path, char *buf)
{
    size_t n = 0;

    for (const char *p = path ? path : ""; *p != '\0'; p++) {
        if (*p == '\'')
            continue;
        if (n + 1 >= KZ_IX_PATH_MAX)
            return false;
        buf[n++] = *p;
    }
    buf[n] = '\0';
    return true;
}

int kz_ix_norm_of(const char *type, const char *path)
{
    const char *last = strrchr(path, '.');

    if (strcmp(path, "value") == 0) {
        if (strcmp(type, "ipv4-addr") == 0 || strcmp(type, "ipv6-addr") == 0)
            return KZ_IX_NORM_IP;
        if (strcmp(type, "domain-name") == 0)
            return KZ_IX_NORM_LOWER;
        if (type[0] == '\0')
            return KZ_IX_NORM_REF;
    }
    /* A key of a "hashes" dictionary wherever it is (hashes.MD5,
     * extensions.windows-pebinary-ext.optional_header.hashes.MD5): the evaluator compares domain
     * names and hash values ignoring case (eval.c, fold_case). */
    if (last != NULL && last - path >= 6 && memcmp(last - 6, "hashes", 6) == 0 &&
        (last - path == 6 || last[-7] == '.'))
        return KZ_IX_NORM_LOWER;
    return KZ_IX_NORM_NONE;
}

/* A bare address (no prefix length) as 1 + 4 or 1 + 16 bytes in out; 0 when v is not one. */
static size_t ip_bin(kz_sv v, char *out)
{
    char buf[64];

    if (v.n > 0 && memchr(v.p, ':', v.n) == NULL) {
        uint32_t a;
        if (!kz_parse_ipv4(v.p, v.n, &a))
            return 0;
        kz_ix_ipv4_key(a, out);
        return 5;
    }
    if (v.n == 0 || v.n >= sizeof buf || memchr(v.p, '\0', v.n) != NULL)
        return 0;
    memcpy(buf, v.p, v.n);
    buf[v.n] = '\0';
    if (inet_pton(AF_INET6, buf, out + 1) != 1)
        return 0;
    out[0] = 6;
    return 17;
}

size_t kz_ix_normalise(int norm, kz_sv v, char *out)
{
    size_t n;

    if ((norm == KZ_IX_NORM_IP || norm == KZ_IX_NORM_REF) && (n = ip_bin(v, out)) != 0)
        return n;
    if (v.n > 0)
        memcpy(out, v.p, v.n);
    if (norm == KZ_IX_NORM_LOWER || norm == KZ_IX_NORM_REF)
        for (size_t i = 0; i < v.n; i++)
            if (out[i] >= 'A' && out[i] <= 'Z')
                out[i] = (char)(out[i] - 'A' + 'a');
    return v.n;
}

bool kz_ix_cidr_parse(kz_sv s, int *family, unsigned char a[16], int *len)
{
    const char *slash = s.n ? memchr(s.p, '/', s.n) : NULL;
    size_t an = slash ? (size_t)(slash - s.p) : s.n;
    char bin[KZ_IX_NORM_EXTRA];
    int64_t l;

    if (ip_bin((kz_sv){s.p, an}, bin) == 0)
        return false;
    *family = bin[0];
    memset(a, 0, 16);
    memcpy(a, bin + 1, *family == 4 ? 4 : 16);
    *len = *family == 4 ? 32 : 128;
    if (slash != NULL) {
        if (kz_parse_i64((kz_sv){slash + 1, s.n - an - 1}, 0, *len, &l) != KZ_OK)
            return false;
        *len = (int)l;
    }
    return true;
}

kz_rc kz_ix_like_regex(kz_sv like, kz_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    /* One character as the evaluator's LIKE counts it: the lead byte says how many follow. */
    static const char one_char[] =
        "(?:[\\x00-\\xbf]|[\\xc0-\\xdf].|[\\xe0-\\xef]..|[\\xf0-\\xff]...)";
    kz_rc rc;

    if ((rc = kz_buf_puts(out, "\\A")) != KZ_OK)
        goto out;
    for (size_t i = 0; i < like.n && rc == KZ_OK; i++) {
        unsigned char c = (unsigned char)like.p[i];
        if (c == '%') {
            rc = kz_buf_puts(out, ".*");
        } else if (c == '_') {
            rc = kz_buf_puts(out, one_char);
        } else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            rc = kz_buf_append(out, &like.p[i], 1);
        } else {
            char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            rc = kz_buf_append(out, esc, sizeof esc);
        }
    }
    if (rc == KZ_OK)
        rc = kz_buf_puts(out, "\\z");
out:
    return rc;
}

/* ---- storage: the arena, the exact table, the trie, the regex list ---- */

/* An indicator's id as text (index_int.h): "indicator--" and the UUID kept, 8-4-4-4-12. */
const char *kz_ix_ind_id(const kz_ix_ind *ind, char buf[KZ_IX_ID_MAX])
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)ind->id;
    char *o = buf;

    if (!(ind->flags & IND_UUID))
        return ind->id;
    memcpy(o, "indicator--", 11);
    o += 11;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[u[i] >> 4];
        *o++ = hex[u[i] & 15];
    }
    *o = '\0';
    return buf;
}

const char *kz_ix_ind_name(const kz_ix_ind *ind)
{
    return ind->id + ((ind->flags & IND_UUID) ? 16 : strlen(ind->id)) + 1;
}

/* n bytes of the arena; NULL when out of memory. */
static char *arena_alloc(kz_index *ix, size_t n)
{
    kz_ix_chunk *c = ix->arena;
    char *r;

    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        if ((c = malloc(sizeof *c + cap)) == NULL)
            return NULL;
        c->next = ix->arena;
        c->used = 0;
        c->cap = cap;
        ix->arena = c;
    }
    r = c->mem + c->used;
    c->used += n;
    return r;
}

/* Copies n bytes into the arena, NUL-terminated; NULL when out of memory. */
const char *kz_ix_arena_dup(kz_index *ix, const char *p, size_t n)
{
    char *r = n < SIZE_MAX ? arena_alloc(ix, n + 1) : NULL;

    if (r == NULL)
        return NULL;
    if (n > 0)
        memcpy(r, p, n);
    r[n] = '\0';
    return r;
}

const char *kz_ix_arena_dup2(kz_index *ix, const char *a, size_t an, const char *b, size_t bn)
{
    char *r = an < SIZE_MAX / 2 && bn < SIZE_MAX / 2 ? arena_alloc(ix, an + bn + 2) : NULL;

    if (r == NULL)
        return NULL;
    if (an > 0)
        memcpy(r, a, an);
    r[an] = '\0';
    if (bn > 0)
        memcpy(r + an + 1, b, bn);
    r[an + 1 + bn] = '\0';
    return r;
}

/* A 32-bit hash of (group, bytes). */
uint32_t kz_ix_hash(uint32_t group, const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)group * 0xff51afd7ed558ccdull) ^ n;

    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    if (n > 0) { /* 1-7 bytes: two overlapping loads rather than a copy of n bytes */
        uint64_t w;
        if (n >= 4) {
            uint32_t lo, hi;
            memcpy(&lo, p, 4);
            memcpy(&hi, p + n - 4, 4);
            w = (uint64_t)lo | (uint64_t)hi << 32;
        } else {
            w = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
                (uint64_t)(unsigned char)p[n - 1] << 16;
        }
        h = (h ^ w) * 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (uint32_t)h;
}

/* Pushes indicator ind onto the posting list at *head (unless it is already first there). */
static kz_rc post_push(kz_index *ix, uint32_t *head, uint32_t ind)
{
    if (*head != 0 && ix->post[*head - 1].ind == ind)
        return KZ_OK;
    if (kz_grow(&ix->post, &ix->cappost, ix->npost, sizeof *ix->post, 1024) != KZ_OK)
        return KZ_ENOMEM;
    ix->post[ix->npost] = (kz_ix_post){ind, *head};
    *head = (uint32_t)++ix->npost;
    return KZ_OK;
}

/* The slot of (group, v, n) in the exact table: the one holding it, or the empty one where it
 * belongs. The table must have an empty slot. */
size_t kz_ix_slot_find(const kz_index *ix, uint32_t h, uint32_t group, const char *v, size_t n)
{
    size_t mask = ix->nslots - 1, i = h & mask;

    for (;;) {
        const kz_ix_slot *s = &ix->slots[i];
        if (s->post == 0 ||
            (s->hash == h && s->group == group && s->len == n && memcmp(s->val, v, n) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

/* Doubles the exact table (or makes the first one). */
static kz_rc slots_grow(kz_index *ix)
{
    size_t n = ix->nslots ? ix->nslots * 2 : 1024, old = ix->nslots;
    kz_ix_slot *ov = ix->slots;

    if ((ix->slots = calloc(n, sizeof *ix->slots)) == NULL) {
        ix->slots = ov;
        return KZ_ENOMEM;
    }
    ix->nslots = n;
    for (size_t i = 0; i < old; i++) {
        size_t mask = n - 1, j;
        if (ov[i].post == 0)
            continue;
        for (j = ov[i].hash & mask; ix->slots[j].post != 0; j = (j + 1) & mask)
            ;
        ix->slots[j] = ov[i];
    }
    free(ov);
    return KZ_OK;
}

/* Builds the Bloom filter of the exact table: at least 16 bits per key, a power of two of
 * 512-bit blocks. */
kz_rc kz_ix_bloom_build(kz_index *ix)
{
    size_t blocks = 1;

    free(ix->bloom);
    ix->bloom = NULL;
    if (ix->nused == 0)
        return KZ_OK;
    while (blocks * 512 < ix->nused * 16)
        blocks *= 2;
    if ((ix->bloom = calloc(blocks * 8, sizeof *ix->bloom)) == NULL)
        return KZ_ENOMEM;
    ix->bloom_mask = blocks - 1;
    for (size_t i = 0; i < ix->nslots; i++) {
        uint64_t z;
        uint64_t *b;
        if (ix->slots[i].post == 0)
            continue;
        z = kz_ix_bloom_mix(ix->slots[i].hash);
        b = ix->bloom + ((z & ix->bloom_mask) << 3);
        for (int k = 0; k < 4; k++) {
            unsigned bit = (unsigned)(z >> (28 + 9 * k)) & 511;
            b[bit >> 6] |= 1ull << (bit & 63);
        }
    }
    return KZ_OK;
}

/* Sets bits [from, from + n) of a bitmap. */
static void bits_set(uint64_t *map, uint32_t from, uint32_t n)
{
    for (uint32_t i = from; i < from + n; i++)
        map[i >> 6] |= 1ull << (i & 63);
}

/* Adds the exact atom (group, normalised value) for indicator ind. */
static kz_rc exact_add(kz_index *ix, uint32_t group, const char *v, size_t n, uint32_t ind)
{
    uint32_t h = kz_ix_hash(group, v, n);
    kz_ix_slot *s;
    kz_rc rc = KZ_ENOMEM;

    if (n > UINT32_MAX) {
        rc = KZ_ELIMIT;
        goto out;
    }
    if ((ix->nused + 1) * 4 > ix->nslots * 3 && (rc = slots_grow(ix)) != KZ_OK)
        goto out;
    if (ix->grp[group].norm == KZ_IX_NORM_IP && n == 5 && v[0] == 4)
        bits_set(ix->x4_16, (uint32_t)(unsigned char)v[1] << 8 | (unsigned char)v[2], 1);
    s = &ix->slots[kz_ix_slot_find(ix, h, group, v, n)];
    if (s->post == 0) {
        if ((s->val = kz_ix_arena_dup(ix, v, n)) == NULL)
            goto out;
        s->hash = h;
        s->group = group;
        s->len = (uint32_t)n;
        ix->nused++;
    }
    rc = post_push(ix, &s->post, ind);
out:
    return rc;
}

/* Marks the /16s and /24s an IPv4 prefix covers, in part or whole, in the prefilter bitmaps. */
static kz_rc v4_mark(kz_index *ix, const unsigned char a[16], int len)
{
    uint32_t addr = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    int l16 = len < 16 ? len : 16, l24 = len < 24 ? len : 24;

    if (ix->v4_16 == NULL) {
        if ((ix->v4_16 = calloc(1u << 10, sizeof *ix->v4_16)) == NULL)
            return KZ_ENOMEM;
        if ((ix->v4_24 = calloc(1u << 18, sizeof *ix->v4_24)) == NULL)
            return KZ_ENOMEM;
    }
    /* A prefix of l bits (at most 16 or 24) covers 2^(16-l) or 2^(24-l) consecutive entries. */
    bits_set(ix->v4_16, l16 ? (addr >> 16) & ~((1u << (16 - l16)) - 1) : 0, 1u << (16 - l16));
    bits_set(ix->v4_24, l24 ? (addr >> 8) & ~((1u << (24 - l24)) - 1) : 0, 1u << (24 - l24));
    return KZ_OK;
}

/* Adds a CIDR atom to the trie of its family. */
static kz_rc cidr_add(kz_index *ix, int family, const unsigned char a[16], int len, uint32_t ind)
{
    uint32_t at = family == 4 ? 0 : 1;

    if (family == 4 && v4_mark(ix, a, len) != KZ_OK)
        return KZ_ENOMEM;

    for (int bit = 0; bit < len; bit++) {
        int b = (a[bit / 8] >> (7 - bit % 8)) & 1;
        if (ix->node[at].kid[b] == 0) {
            if (kz_grow(&ix->node, &ix->capnode, ix->nnode, sizeof *ix->node, 1024) != KZ_OK)
                return KZ_ENOMEM;
            memset(&ix->node[ix->nnode], 0, sizeof *ix->node);
            ix->node[at].kid[b] = (uint32_t)ix->nnode++;
        }
        at = ix->node[at].kid[b];
    }
    return post_push(ix, &ix->node[at].post, ind);
}

/* The group of (type, canonical path), made when missing; -1 when out of memory. */
static int32_t group_get(kz_index *ix, const char *type, size_t tn, const char *path)
{
    kz_ix_group *g;

    for (size_t i = 0; i < ix->ngrp; i++)
        if (strlen(ix->grp[i].type) == tn && memcmp(ix->grp[i].type, type, tn) == 0 &&
            strcmp(ix->grp[i].path, path) == 0)
            return (int32_t)i;
    if (kz_grow(&ix->grp, &ix->capgrp, ix->ngrp, sizeof *ix->grp, 16) != KZ_OK)
        return -1;
    g = &ix->grp[ix->ngrp];
    memset(g, 0, sizeof *g);
    if ((g->type = kz_ix_arena_dup(ix, type, tn)) == NULL ||
        (g->path = kz_ix_arena_dup(ix, path, strlen(path))) == NULL)
        return -1;
    g->norm = kz_ix_norm_of(g->type, g->path);
    return (int32_t)ix->ngrp++;
}

/* Puts one atom of indicator ind into its table. */
kz_rc kz_ix_atom_add(kz_index *ix, const kz_ix_atom *a, uint32_t ind)
{
    char path[KZ_IX_PATH_MAX], small[256], *norm = NULL;
    const char *type = a->ref ? "" : NULL;
    size_t tn = 0, nn;
    int32_t g;
    int family, len;
    unsigned char addr[16];
    kz_buf re, nfc;
    kz_sv val, lit = {NULL, 0};
    kz_ix_rx x;
    char *litbuf = NULL;
    kz_rc rc = KZ_ENOMEM;

    kz_buf_init(&re, 0);
    kz_buf_init(&nfc, 0);
    if (a->kind == KZ_IX_CIDR) {
        if (!kz_ix_cidr_parse(a->value, &family, addr, &len)) {
            rc = KZ_EINVAL;
            goto out;
        }
        if ((rc = cidr_add(ix, family, addr, len, ind)) == KZ_OK)
            ix->st.cidr++;
        goto out;
    }
    if (a->ref) {
        memcpy(path, "value", 6);
    } else {
        type = a->cmp->path.type.p;
        tn = a->cmp->path.type.n;
        if (!kz_ix_path_canon(&a->cmp->path, path)) {
            rc = KZ_EINVAL;
            goto out;
        }
    }
    if ((g = group_get(ix, type, tn, path)) < 0)
        goto out;
    if (a->ref)
        ix->ref_group = g;
    if (a->kind == KZ_IX_EXACT) {
        /* Most values are short: normalised on the stack, not in a malloc and free each. */
        char *out = small;
        if (a->value.n + KZ_IX_NORM_EXTRA > sizeof small &&
            (out = norm = malloc(a->value.n + KZ_IX_NORM_EXTRA)) == NULL)
            goto out;
        nn = kz_ix_normalise(ix->grp[g].norm, a->value, out);
        if ((rc = exact_add(ix, (uint32_t)g, out, nn, ind)) == KZ_OK)
            ix->st.exact++;
        goto out;
    }
    /* LIKE and MATCHES compare in Unicode NFC (the evaluator does; values are put in NFC before
     * the scan). A constant that is not valid UTF-8 stays as it is. */
    rc = kz_utf8_nfc(a->value, &nfc, &val);
    if (rc == KZ_EINVAL)
        rc = KZ_OK;
    if (rc != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    if (kz_grow(&ix->rx, &ix->caprx, ix->nrx, sizeof *ix->rx, 64) != KZ_OK ||
        (a->kind == KZ_IX_MATCHES && (litbuf = malloc(val.n + 1)) == NULL))
        goto out;
    x = (kz_ix_rx){.group = (uint32_t)g, .ind = ind, .kind = a->kind, .ncon = val.n};
    if ((x.con = kz_ix_arena_dup(ix, val.p, val.n)) == NULL)
        goto out;
    if (a->kind == KZ_IX_LIKE ? kz_ix_like_literal(val, &lit)
                              : kz_ix_regex_literal(val, litbuf, &lit.n)) {
        if (a->kind == KZ_IX_MATCHES)
            lit.p = litbuf;
        if ((x.lit = kz_ix_arena_dup(ix, lit.p, lit.n)) == NULL)
            goto out;
        x.nlit = lit.n;
        ix->st.regex_literal++;
    }
    /* Every LIKE gets its expression (a literal's hit is decided by the LIKE database, in linear
     * time); a MATCHES only when it has no literal (PCRE2 decides the others). */
    if (a->kind == KZ_IX_LIKE || x.lit == NULL) {
        if ((rc = a->kind == KZ_IX_LIKE ? kz_ix_like_regex(val, &re)
                                        : kz_buf_append(&re, val.p, val.n)) != KZ_OK)
            goto out;
        rc = KZ_ENOMEM;
        if ((x.expr = kz_ix_arena_dup(ix, re.p, re.n)) == NULL)
            goto out;
    }
    ix->rx[ix->nrx++] = x;
    ix->st.regex++;
    rc = KZ_OK;
out:
    free(litbuf);
    free(norm);
    kz_buf_free(&re);
    kz_buf_free(&nfc);
    return rc;
}
