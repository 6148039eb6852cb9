/*
 * csaf.c - the CSAF 2.0 importer: one advisory (csaf_security_advisory, csaf_vex, csaf_base,
 * csaf_informational_advisory) becomes one record (vuln.h) per entry of /vulnerabilities.
 *
 * The product tree is read once into a hash table of product ids (branches walked recursively up
 * to BRANCH_DEPTH_MAX, full_product_names, relationships) and one of product groups, so that
 * resolving the thousands of ids a large advisory lists stays linear. What each product becomes:
 *   - branches: the vendor branch names the vendor; product_name (after an optional
 *     product_family, which is put in front unless the name already starts with it) names the
 *     product; product_version gives a bare version and product_version_range the range text as
 *     written, both as kz_range_parse reads them; no version branch gives versions [].
 *     Without a product_name or product_family branch the product's full name is the product.
 *   - full_product_names: the name is the product, no vendor, no versions.
 *   - relationships ("X installed on Y"): the entry is the component X (its vendor, product,
 *     versions, CPE and purl, since X carries the version a device reports), with the vendor of
 *     Y when X has none; "ref" is the relationship's own product id.
 *   - product_identification_helper: cpe and purl are checked with kz_cpe_parse / kz_purl_parse;
 *     an invalid one is a problem and left out.
 * "fixed" on an affected entry is filled conservatively, from two sources only:
 *   1. product_status.fixed / first_fixed naming exactly one exact version (product_version) of
 *      the same vendor and product;
 *   2. vendor_fix remediations whose details say "Update to V2.9.2" ("Upgrade to version 3.1 or
 *      later", ...) with exactly one distinct version, for the products they list; a product
 *      that two such remediations give different versions gets none.
 * Threats (exploit_status included) are not imported: whether a vulnerability is exploited comes
 * from the KEV catalogue. product_status.recommended is not a status of the record and is left out.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/cpe.h"
#include "kizuna/cvss.h"
#include "kizuna/purl.h"
#include "kizuna/vuln.h"
#include "vuln_int.h"

#define BRANCH_DEPTH_MAX 32 /* nesting of /product_tree/branches */
#define REL_DEPTH_MAX 8     /* relationships whose component is itself a relationship */
#define WHERE_MAX 1024      /* a JSON pointer in a problem */
#define SCORE_TOLERANCE 0.05

/* ---- product index -------------------------------------------------------------------------- */

/* One product id and what it resolves to; strings are borrowed from the document. */
typedef struct {
    const char *id; /* NULL: empty slot */
    const char *vendor, *product, *version, *cpe, *purl;
    const char *family;          /* branches: the product_family above the product_name */
    const char *comp, *platform; /* relationships: product_reference, relates_to_... */
    const json_t *members;       /* product groups: product_ids */
    const char *fixed;           /* per-vulnerability fix versions: the version */
    bool exact;                  /* version came from a product_version branch */
    bool conflict;               /* fix versions: two different ones were seen */
} entry;

/* An open-addressing hash table of entries keyed by id (cap a power of two, at most half full).
 */
typedef struct {
    entry *slot;
    size_t cap, n;
} index_t;

/* FNV-1a of a NUL-terminated string. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Frees the table's memory (not the strings, which are borrowed). */
static void index_free(index_t *ix)
{
    free(ix->slot);
    ix->slot = NULL;
    ix->cap = ix->n = 0;
}

/* The entry for id, or NULL. */
static entry *index_get(const index_t *ix, const char *id)
{
    size_t i;

    if (ix->cap == 0 || id == NULL)
        return NULL;
    for (i = hash_str(id) & (ix->cap - 1); ix->slot[i].id != NULL; i = (i + 1) & (ix->cap - 1))
        if (strcmp(ix->slot[i].id, id) == 0)
            return &ix->slot[i];
    return NULL;
}

/* Doubles the table (or makes the first one). */
static kz_rc index_grow(index_t *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : 64, i, k;
    entry *s;

    if (cap > SIZE_MAX / sizeof *s / 2 || (s = calloc(cap, sizeof *s)) == NULL)
        return KZ_ENOMEM;
    for (i = 0; i < ix->cap; i++) {
        if (ix->slot[i].id == NULL)
            continue;
        for (k = hash_str(ix->slot[i].id) & (cap - 1); s[k].id != NULL; k = (k + 1) & (cap - 1))
            ;
        s[k] = ix->slot[i];
    }
    free(ix->slot);
    ix->slot = s;
    ix->cap = cap;
    return KZ_OK;
}

/*
 * Finds or adds the entry for id. *out is the entry; *added tells whether it is new (then only
 * its id is set). KZ_ENOMEM when the table cannot grow.
 */
static kz_rc index_put(index_t *ix, const char *id, entry **out, bool *added)
{
    size_t i;
    kz_rc rc = KZ_OK;

    *out = NULL;
    if ((*out = index_get(ix, id)) != NULL) {
        *added = false;
        goto out;
    }
    if ((ix->n + 1) * 2 > ix->cap && (rc = index_grow(ix)) != KZ_OK)
        goto out;
    for (i = hash_str(id) & (ix->cap - 1); ix->slot[i].id != NULL; i = (i + 1) & (ix->cap - 1))
        ;
    memset(&ix->slot[i], 0, sizeof ix->slot[i]);
    ix->slot[i].id = id;
    ix->n++;
    *out = &ix->slot[i];
    *added = true;
out:
    return rc;
}

/* ---- the import's state ----------------------------------------------------------------------
 */

typedef struct {
    const json_t *doc;
    const char *file;
    const kz_vuln_sink *sink;
    const char *tracking_id, *title, *lang;
    json_t *source;     /* the record's "source", copied into each record */
    json_t *doc_refs;   /* /document/references as record references */
    char published[KZ_TIME_MAX], modified[KZ_TIME_MAX];
    index_t products, groups;
    char where[WHERE_MAX]; /* JSON pointer being read, for problems */
    size_t where_n;
} csaf;

/* Reports a problem at the current path (plus suffix, may be "") to the sink. */
static void problem(csaf *c, const char *suffix, const char *fmt, ...) KZ_PRINTF(3, 4);
static void problem(csaf *c, const char *suffix, const char *fmt, ...)
{
    char where[WHERE_MAX + 128], msg[512];
    va_list ap;

    if (c->sink == NULL || c->sink->problem == NULL)
        return;
    snprintf(where, sizeof where, "%s%s", c->where, suffix);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->sink->problem(c->sink->ctx, where, msg);
}

/* Appends "/<seg>" to the current path and returns the previous length for path_pop. */
static size_t path_push(csaf *c, const char *seg)
{
    size_t old = c->where_n;
    int n = snprintf(c->where + old, sizeof c->where - old, "/%s", seg);

    if (n > 0)
        c->where_n = old + (size_t)n < sizeof c->where ? old + (size_t)n : sizeof c->where - 1;
    return old;
}

/* path_push for an array index. */
static size_t path_push_i(csaf *c, size_t i)
{
    char num[32];

    snprintf(num, sizeof num, "%zu", i);
    return path_push(c, num);
}

static void path_pop(csaf *c, size_t old)
{
    c->where_n = old;
    c->where[old] = '\0';
}

/* ---- JSON helpers ----------------------------------------------------------------------------
 */

/* The string at o[key] if o is an object and the value a string, else NULL. */
static const char *get_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key)); /* both are NULL-safe and type-checked */
}

/* o[key] if it is an array, else NULL. */
static const json_t *get_arr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_array(v) ? v : NULL;
}

/* o[key] if it is an object, else NULL. */
static const json_t *get_obj(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_object(v) ? v : NULL;
}

/* The bounds of s without leading and trailing white space. */
static void trim(const char *s, const char **p, size_t *n)
{
    size_t len = strlen(s);

    while (len > 0 && isspace((unsigned char)*s))
        s++, len--;
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    *p = s;
    *n = len;
}

/* True if s is NULL or only white space. */
static bool blank(const char *s)
{
    const char *p;
    size_t n;

    if (s == NULL)
        return true;
    trim(s, &p, &n);
    return n == 0;
}

/* A new JSON string of s trimmed, or NULL (blank s, or no memory: callers check blank first). */
static json_t *jtrim(const char *s)
{
    const char *p;
    size_t n;

    if (s == NULL)
        return NULL;
    trim(s, &p, &n);
    return n == 0 ? NULL : json_stringn(p, n);
}

/* Sets o[key] to s trimmed, unless s is NULL or blank. */
static kz_rc set_str(json_t *o, const char *key, const char *s)
{
    json_t *v;

    if (blank(s))
        return KZ_OK;
    if ((v = jtrim(s)) == NULL)
        return KZ_ENOMEM;
    return json_object_set_new(o, key, v) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* Appends s trimmed to the array a, unless blank or already there. */
static kz_rc push_unique(json_t *a, const char *s)
{
    const char *p;
    size_t n, i;
    json_t *v;

    if (s == NULL)
        return KZ_OK;
    trim(s, &p, &n);
    if (n == 0)
        return KZ_OK;
    json_array_foreach(a, i, v) {
        if (json_string_length(v) == n && memcmp(json_string_value(v), p, n) == 0)
            return KZ_OK;
    }
    if ((v = json_stringn(p, n)) == NULL)
        return KZ_ENOMEM;
    return json_array_append_new(a, v) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* Appends a new value (which may be NULL after a failed allocation) to an array. */
static kz_rc append_new(json_t *a, json_t *v)
{
    if (v == NULL)
        return KZ_ENOMEM;
    return json_array_append_new(a, v) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* Sets o[key] to a new value (which may be NULL after a failed allocation). */
static kz_rc set_new(json_t *o, const char *key, json_t *v)
{
    if (v == NULL)
        return KZ_ENOMEM;
    return json_object_set_new(o, key, v) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* ---- dates ---------------------------------------------------------------------------------- */

/*
 * Reads a CSAF date-time (RFC 3339 with 'Z' or a "+hh:mm" / "-hh:mm" offset, 't' and 'z'
 * allowed) and writes it in UTC with milliseconds. KZ_EINVAL when it is not such a date.
 */
static kz_rc csaf_time(const char *s, char out[KZ_TIME_MAX])
{
    char buf[64];
    const char *p;
    size_t n;
    int64_t off = 0;
    kz_time t;
    kz_err e;
    kz_rc rc = KZ_EINVAL;

    if (s == NULL)
        goto out;
    trim(s, &p, &n);
    if (n < 20 || n >= sizeof buf - 1)
        goto out;
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (buf[10] == 't')
        buf[10] = 'T';
    if (buf[n - 1] == 'z') {
        buf[n - 1] = 'Z';
    } else if (buf[n - 1] != 'Z') {
        char *o = buf + n - 6;
        if (n < 25 || (o[0] != '+' && o[0] != '-') || o[3] != ':' ||
            !isdigit((unsigned char)o[1]) || !isdigit((unsigned char)o[2]) ||
            !isdigit((unsigned char)o[4]) || !isdigit((unsigned char)o[5]))
            goto out;
        off = ((o[1] - '0') * 10 + (o[2] - '0')) * 3600 + ((o[4] - '0') * 10 + (o[5] - '0')) * 60;
        if (o[1] > '2' || (o[1] == '2' && o[2] > '3') || o[4] > '5')
            goto out;
        if (o[0] == '-')
            off = -off;
        o[0] = 'Z';
        o[1] = '\0';
    }
    if ((rc = kz_time_parse(kz_sv_c(buf), &t, &e)) != KZ_OK)
        goto out;
    t.sec -= off;
    kz_time_format(&t, 3, out);
out:
    return rc;
}

/* ---- product tree --------------------------------------------------------------------------- */

/* What a branch path has said so far. */
typedef struct {
    const char *vendor, *family, *name, *version;
    bool exact;
} branch_ctx;

/* Keeps the CPE and purl of a product_identification_helper that parse; others are problems. */
static void read_helper(csaf *c, const json_t *product, entry *e)
{
    kz_cpe cpe_buf;   /* about 2 KiB each, only at the leaves of the walk: fine on the stack */
    kz_purl purl_buf;
    const json_t *h = get_obj(product, "product_identification_helper");
    const char *cpe = get_str(h, "cpe"), *purl = get_str(h, "purl");
    kz_err e2;
    size_t old;

    old = path_push(c, "product_identification_helper");
    if (cpe != NULL) {
        if (kz_cpe_parse(kz_sv_c(cpe), &cpe_buf, &e2) == KZ_OK)
            e->cpe = cpe;
        else
            problem(c, "/cpe", "invalid CPE \"%.80s\" left out: %s", cpe, e2.msg);
    } else if (json_object_get(h, "cpe") != NULL) {
        problem(c, "/cpe", "expected a string");
    }
    if (purl != NULL) {
        if (kz_purl_parse(kz_sv_c(purl), &purl_buf, &e2) == KZ_OK)
            e->purl = purl;
        else
            problem(c, "/purl", "invalid purl \"%.80s\" left out: %s", purl, e2.msg);
    } else if (json_object_get(h, "purl") != NULL) {
        problem(c, "/purl", "expected a string");
    }
    path_pop(c, old);
}

/* Adds a product (a full_product_name object) to the index; its id must be new. */
static kz_rc add_product(csaf *c, const json_t *product, entry **out)
{
    const char *id = get_str(product, "product_id");
    bool added;
    kz_rc rc = KZ_OK;

    *out = NULL;
    if (!json_is_object(product)) {
        problem(c, "", "expected a full_product_name object");
        goto out;
    }
    if (blank(id)) {
        problem(c, "/product_id", "missing product id; product left out");
        goto out;
    }
    if ((rc = index_put(&c->products, id, out, &added)) != KZ_OK)
        goto out;
    if (!added) {
        problem(c, "/product_id", "product id \"%.80s\" defined twice; the first is kept", id);
        *out = NULL;
        goto out;
    }
    (*out)->product = get_str(product, "name");
    read_helper(c, product, *out);
out:
    return rc;
}

/* Walks one branches array (depth levels down) and adds the products it defines. */
static kz_rc walk_branches(csaf *c, const json_t *branches, branch_ctx bc, int depth)
{
    const json_t *b;
    size_t i, old;
    kz_rc rc = KZ_OK;

    if (depth >= BRANCH_DEPTH_MAX) {
        problem(c, "", "branches nested deeper than %d; the rest is left out", BRANCH_DEPTH_MAX);
        goto out;
    }
    json_array_foreach(branches, i, b) {
        branch_ctx sub = bc;
        const char *cat = get_str(b, "category"), *name = get_str(b, "name");
        const json_t *product = get_obj(b, "product");

        old = path_push_i(c, i);
        if (!json_is_object(b)) {
            problem(c, "", "expected a branch object");
        } else if (cat != NULL && !blank(name)) {
            if (strcmp(cat, "vendor") == 0)
                sub.vendor = name;
            else if (strcmp(cat, "product_family") == 0)
                sub.family = name;
            else if (strcmp(cat, "product_name") == 0)
                sub.name = name;
            else if (strcmp(cat, "product_version") == 0)
                sub.version = name, sub.exact = true;
            else if (strcmp(cat, "product_version_range") == 0)
                sub.version = name, sub.exact = false;
        }
        if (product != NULL) {
            entry *e;
            size_t o2 = path_push(c, "product");
            rc = add_product(c, product, &e);
            path_pop(c, o2);
            if (rc != KZ_OK)
                goto out;
            if (e != NULL) {
                e->vendor = sub.vendor;
                e->version = sub.version;
                e->exact = sub.exact;
                /* The branch names say vendor and product apart; the full name mixes them. */
                if (sub.name != NULL || sub.family != NULL) {
                    e->product = sub.name != NULL ? sub.name : sub.family;
                    e->family = sub.name != NULL ? sub.family : NULL; /* put in front */
                }
            }
        }
        if (get_arr(b, "branches") != NULL) {
            size_t o2 = path_push(c, "branches");
            rc = walk_branches(c, get_arr(b, "branches"), sub, depth + 1);
            path_pop(c, o2);
            if (rc != KZ_OK)
                goto out;
        }
        path_pop(c, old);
    }
out:
    return rc;
}

/* Reads /product_tree into the product and group indexes. */
static kz_rc read_product_tree(csaf *c)
{
    const json_t *pt = get_obj(c->doc, "product_tree"), *a, *v;
    branch_ctx bc = {0};
    size_t i, old, o2;
    entry *e;
    bool added;
    kz_rc rc = KZ_OK;

    if (pt == NULL)
        goto out;
    old = path_push(c, "product_tree");
    if ((a = get_arr(pt, "branches")) != NULL) {
        o2 = path_push(c, "branches");
        rc = walk_branches(c, a, bc, 0);
        path_pop(c, o2);
        if (rc != KZ_OK)
            goto out;
    }
    json_array_foreach(get_arr(pt, "full_product_names"), i, v) {
        o2 = path_push(c, "full_product_names");
        path_push_i(c, i);
        rc = add_product(c, v, &e);
        path_pop(c, o2);
        if (rc != KZ_OK)
            goto out;
    }
    json_array_foreach(get_arr(pt, "relationships"), i, v) {
        const char *comp = get_str(v, "product_reference");
        const char *plat = get_str(v, "relates_to_product_reference");
        o2 = path_push(c, "relationships");
        path_push_i(c, i);
        if (blank(comp) || blank(plat)) {
            problem(c, "", "a relationship needs product_reference and "
                           "relates_to_product_reference; left out");
        } else {
            size_t o3 = path_push(c, "full_product_name");
            rc = add_product(c, get_obj(v, "full_product_name"), &e);
            path_pop(c, o3);
            if (rc != KZ_OK)
                goto out;
            if (e != NULL) {
                e->comp = comp;
                e->platform = plat;
            }
        }
        path_pop(c, o2);
    }
    json_array_foreach(get_arr(pt, "product_groups"), i, v) {
        const char *gid = get_str(v, "group_id");
        o2 = path_push(c, "product_groups");
        path_push_i(c, i);
        if (blank(gid) || get_arr(v, "product_ids") == NULL) {
            problem(c, "", "a product group needs group_id and product_ids; left out");
        } else {
            if ((rc = index_put(&c->groups, gid, &e, &added)) != KZ_OK)
                goto out;
            if (added)
                e->members = get_arr(v, "product_ids");
            else
                problem(c, "/group_id", "group id \"%.80s\" defined twice; the first is kept",
                        gid);
        }
        path_pop(c, o2);
    }
    path_pop(c, old);
out:
    return rc;
}

/* A product as an affected entry needs it. */
typedef struct {
    const char *vendor, *family, *product, *version, *cpe, *purl;
    bool exact;
} resolved;

/*
 * Resolves a product id through the index, following relationships to their component. False
 * when the id is unknown (or a relationship chain is too long or names unknown products).
 */
static bool resolve(const csaf *c, const char *id, resolved *r)
{
    const entry *e = index_get(&c->products, id);
    const char *plat_vendor = NULL;
    int depth = 0;

    memset(r, 0, sizeof *r);
    while (e != NULL && e->platform != NULL && depth++ < REL_DEPTH_MAX) {
        const entry *plat = index_get(&c->products, e->platform);
        if (plat_vendor == NULL && plat != NULL && plat->platform == NULL)
            plat_vendor = plat->vendor;
        e = index_get(&c->products, e->comp);
    }
    if (e == NULL || e->platform != NULL)
        return false;
    r->vendor = e->vendor != NULL ? e->vendor : plat_vendor;
    r->family = e->family;
    r->product = e->product;
    r->version = e->version;
    r->exact = e->exact;
    r->cpe = e->cpe;
    r->purl = e->purl;
    return true;
}

/* True if the text t (trimmed) starts with the text f (trimmed), ignoring case. */
static bool starts_with_text(const char *t, const char *f)
{
    const char *tp, *fp;
    size_t tn, fn;

    trim(t, &tp, &tn);
    trim(f, &fp, &fn);
    return fn <= tn && strncasecmp(tp, fp, fn) == 0;
}

/* Sets "product" of an affected entry: the family in front of the name unless already there. */
static kz_rc set_product(json_t *o, const resolved *r)
{
    const char *fp, *np;
    size_t fn, nn;
    kz_buf b;
    kz_rc rc;

    if (blank(r->family) || blank(r->product) || starts_with_text(r->product, r->family))
        return set_str(o, "product", r->product);
    trim(r->family, &fp, &fn);
    trim(r->product, &np, &nn);
    kz_buf_init(&b, 0);
    if ((rc = kz_buf_append(&b, fp, fn)) == KZ_OK && (rc = kz_buf_puts(&b, " ")) == KZ_OK &&
        (rc = kz_buf_append(&b, np, nn)) == KZ_OK)
        rc = set_new(o, "product", json_stringn(b.p, b.n));
    kz_buf_free(&b);
    return rc;
}

/* True if two optional names are the same (both absent, or equal after trimming). */
static bool same_name(const char *a, const char *b)
{
    const char *ap, *bp;
    size_t an, bn;

    if (a == NULL || b == NULL)
        return a == b;
    trim(a, &ap, &an);
    trim(b, &bp, &bn);
    return an == bn && memcmp(ap, bp, an) == 0;
}

/* ---- remediation text ----------------------------------------------------------------------- */

/* True if the n bytes at p look like a version: a digit early on, version characters only. */
static bool version_token(const char *p, size_t n)
{
    size_t i, digits = 0;

    if (n == 0 || n > 64)
        return false;
    if (!isdigit((unsigned char)p[0]) &&
        !((p[0] == 'V' || p[0] == 'v') && n > 1 && isdigit((unsigned char)p[1])))
        return false;
    for (i = 0; i < n; i++) {
        if (isdigit((unsigned char)p[i]))
            digits++;
        else if (!isalpha((unsigned char)p[i]) && p[i] != '.' && p[i] != '-' && p[i] != '_')
            return false;
    }
    return digits > 0;
}

/*
 * The version a vendor_fix's details name with "Update to V2.9.2" / "Upgrade to version 3.1 or
 * later" and the like: writes it to out and returns true only when every such phrase names the
 * same version.
 */
static bool fix_version(const char *text, char *out, size_t cap)
{
    static const char *const lead[] = {"update to ", "upgrade to ", NULL};
    static const char *const skip[] = {"firmware version ", "software version ", "version ",
                                       "firmware ", "software ", "v ", NULL};
    size_t found = 0, len;
    const char *p;

    out[0] = '\0';
    for (p = text; p != NULL && *p != '\0'; p++) {
        const char *q = NULL, *end;
        for (size_t k = 0; lead[k] != NULL && q == NULL; k++)
            if (strncasecmp(p, lead[k], strlen(lead[k])) == 0)
                q = p + strlen(lead[k]);
        if (q == NULL)
            continue;
        for (size_t k = 0; skip[k] != NULL; k++)
            if (strncasecmp(q, skip[k], strlen(skip[k])) == 0) {
                q += strlen(skip[k]);
                break;
            }
        for (end = q; *end != '\0' && !isspace((unsigned char)*end) && *end != ',' &&
                      *end != ';' && *end != ')' && *end != '(';
             end++)
            ;
        while (end > q && (end[-1] == '.' || end[-1] == '-'))
            end--;
        len = (size_t)(end - q);
        if (!version_token(q, len))
            continue;
        if (found > 0 && (strlen(out) != len || memcmp(out, q, len) != 0))
            return false; /* two different versions: not for us to choose */
        if (len >= cap)
            return false;
        memcpy(out, q, len);
        out[len] = '\0';
        found++;
    }
    return found > 0;
}

/* ---- one vulnerability ---------------------------------------------------------------------- */

/* Joins the texts of notes of one category with blank lines; false when there is none. */
static kz_rc join_notes(const json_t *notes, const char *category, kz_buf *b)
{
    const json_t *n;
    size_t i;
    kz_rc rc = KZ_OK;

    json_array_foreach(notes, i, n) {
        const char *cat = get_str(n, "category"), *text = get_str(n, "text"), *p;
        size_t len;
        if (cat == NULL || strcmp(cat, category) != 0 || blank(text))
            continue;
        trim(text, &p, &len);
        if (b->n > 0 && (rc = kz_buf_puts(b, "\n\n")) != KZ_OK)
            break;
        if ((rc = kz_buf_append(b, p, len)) != KZ_OK)
            break;
    }
    return rc;
}

/* Adds "text": {"<lang>": {title, description}}. */
static kz_rc add_text(csaf *c, const json_t *v, json_t *rec)
{
    const char *title = get_str(v, "title");
    const json_t *notes = get_arr(v, "notes");
    json_t *t = json_object(), *lang = NULL;
    kz_buf b;
    kz_rc rc = KZ_ENOMEM;

    kz_buf_init(&b, 0);
    if (t == NULL)
        goto out;
    if ((rc = set_str(t, "title", blank(title) ? c->title : title)) != KZ_OK ||
        (rc = join_notes(notes, "description", &b)) != KZ_OK)
        goto out;
    if (b.n == 0 && (rc = join_notes(notes, "summary", &b)) != KZ_OK)
        goto out;
    if (b.n > 0 && (rc = set_new(t, "description", json_stringn(b.p, b.n))) != KZ_OK)
        goto out;
    rc = KZ_OK;
    if (json_object_size(t) == 0)
        goto out;
    rc = KZ_ENOMEM;
    if ((lang = json_object()) == NULL || json_object_set(lang, c->lang, t) != 0 ||
        json_object_set(rec, "text", lang) != 0)
        goto out;
    rc = KZ_OK;
out:
    json_decref(lang);
    json_decref(t);
    kz_buf_free(&b);
    return rc;
}

/* Adds "cwes" from the vulnerability's "cwe". */
static kz_rc add_cwes(csaf *c, const json_t *v, json_t *rec)
{
    const json_t *cwe = json_object_get(v, "cwe");
    const char *id = get_str(cwe, "id");
    json_t *a = NULL, *o = NULL;
    kz_rc rc = KZ_OK;

    if (cwe == NULL)
        goto out;
    if (id == NULL || (strncmp(id, "CWE-", 4) != 0 && strncmp(id, "NVD-CWE-", 8) != 0)) {
        problem(c, "/cwe/id", "expected a CWE id (CWE-<n>); left out");
        goto out;
    }
    rc = KZ_ENOMEM;
    if ((a = json_array()) == NULL || (o = json_object()) == NULL)
        goto out;
    if ((rc = set_str(o, "id", id)) != KZ_OK || (rc = set_str(o, "name", get_str(cwe, "name"))))
        goto out;
    rc = KZ_ENOMEM;
    if (json_array_append(a, o) != 0 || json_object_set(rec, "cwes", a) != 0)
        goto out;
    rc = KZ_OK;
out:
    json_decref(o);
    json_decref(a);
    return rc;
}

/* Turns one cvss_v2 / cvss_v3 object into a record score appended to scores. */
static kz_rc add_score(csaf *c, const json_t *cv, bool v3, json_t *scores)
{
    const char *vector = get_str(cv, "vectorString"), *ver = get_str(cv, "version");
    const json_t *pub = json_object_get(cv, "baseScore");
    json_t *o = NULL;
    char msg[KZ_ERR_MAX + 64], sev[16];
    const char *version;
    kz_cvss cvss;
    kz_err e;
    kz_rc rc = KZ_OK;

    if (blank(vector)) {
        problem(c, "/vectorString", "missing vector; score left out");
        goto out;
    }
    rc = KZ_ENOMEM;
    if ((o = json_object()) == NULL || (rc = set_str(o, "vector", vector)) != KZ_OK)
        goto out;
    msg[0] = '\0';
    if (kz_cvss_parse(kz_sv_c(json_string_value(json_object_get(o, "vector"))), &cvss, &e) !=
        KZ_OK) {
        snprintf(msg, sizeof msg, "vector does not parse: %s", e.msg);
        problem(c, "/vectorString", "%s", msg);
        if (ver != NULL && (strcmp(ver, "3.0") == 0 || strcmp(ver, "3.1") == 0) && v3)
            version = ver;
        else
            version = v3 ? "3.1" : "2.0";
        if ((rc = set_new(o, "base_score", json_null())) != KZ_OK)
            goto out;
    } else {
        double base = kz_cvss_base_score(&cvss);
        size_t i;
        version = kz_cvss_version_str(cvss.version);
        if ((cvss.version == KZ_CVSS_V2) == v3) {
            snprintf(msg, sizeof msg, "a CVSS %s vector under %s", version,
                     v3 ? "cvss_v3" : "cvss_v2");
            problem(c, "/vectorString", "%s", msg);
        }
        if ((rc = set_new(o, "base_score", json_real(base))) != KZ_OK)
            goto out;
        snprintf(sev, sizeof sev, "%s", kz_cvss_severity(base, cvss.version));
        for (i = 0; sev[i] != '\0'; i++)
            sev[i] = (char)toupper((unsigned char)sev[i]);
        if ((rc = set_str(o, "severity", sev)) != KZ_OK)
            goto out;
        if (json_is_number(pub) && fabs(json_number_value(pub) - base) > SCORE_TOLERANCE) {
            snprintf(msg, sizeof msg, "published base score %.1f differs from %.1f computed "
                                      "from the vector", json_number_value(pub), base);
            problem(c, "/baseScore", "%s", msg);
        }
    }
    if ((rc = set_str(o, "version", version)) != KZ_OK)
        goto out;
    if (json_is_number(pub) &&
        (rc = set_new(o, "published_score", json_real(json_number_value(pub)))) != KZ_OK)
        goto out;
    if (msg[0] != '\0' && (rc = set_str(o, "problem", msg)) != KZ_OK)
        goto out;
    rc = json_array_append(scores, o) == 0 ? KZ_OK : KZ_ENOMEM;
out:
    json_decref(o);
    return rc;
}

/* Adds "scores" from the vulnerability's scores[].cvss_v3 / cvss_v2. */
static kz_rc add_scores(csaf *c, const json_t *v, json_t *rec)
{
    const json_t *s;
    json_t *a = json_array();
    size_t i, old;
    kz_rc rc = KZ_ENOMEM;

    if (a == NULL)
        goto out;
    rc = KZ_OK;
    json_array_foreach(get_arr(v, "scores"), i, s) {
        old = path_push(c, "scores");
        path_push_i(c, i);
        if (get_obj(s, "cvss_v3") != NULL) {
            size_t o2 = path_push(c, "cvss_v3");
            rc = add_score(c, get_obj(s, "cvss_v3"), true, a);
            path_pop(c, o2);
        }
        if (rc == KZ_OK && get_obj(s, "cvss_v2") != NULL) {
            size_t o2 = path_push(c, "cvss_v2");
            rc = add_score(c, get_obj(s, "cvss_v2"), false, a);
            path_pop(c, o2);
        }
        path_pop(c, old);
        if (rc != KZ_OK)
            goto out;
    }
    if (json_array_size(a) > 0 && json_object_set(rec, "scores", a) != 0)
        rc = KZ_ENOMEM;
out:
    json_decref(a);
    return rc;
}

/* The record's statuses for each product_status list (recommended is not one). */
static const struct {
    const char *list, *status;
} status_map[] = {
    {"known_affected", "affected"},
    {"first_affected", "affected"},
    {"last_affected", "affected"},
    {"known_not_affected", "not_affected"},
    {"fixed", "fixed"},
    {"first_fixed", "fixed"},
    {"under_investigation", "under_investigation"},
};

/*
 * Collects the fix versions that vendor_fix remediations' "Update to V..." texts give, keyed by
 * the product ids (and group members) they list, into fixes; the strings are kept in keep.
 */
static kz_rc collect_fixes(csaf *c, const json_t *v, index_t *fixes, json_t *keep)
{
    const json_t *r, *ids, *pid;
    size_t i, k;
    char ver[72];
    kz_rc rc = KZ_OK;

    json_array_foreach(get_arr(v, "remediations"), i, r) {
        const char *cat = get_str(r, "category");
        json_t *s;
        if (cat == NULL || strcmp(cat, "vendor_fix") != 0 ||
            !fix_version(get_str(r, "details"), ver, sizeof ver))
            continue;
        /* The version string must outlive the loop: keep it in an array the caller frees. */
        if ((rc = append_new(keep, json_string(ver))) != KZ_OK)
            goto out;
        s = json_array_get(keep, json_array_size(keep) - 1);
        ids = get_arr(r, "product_ids");
        json_array_foreach(ids, k, pid) {
            entry *e;
            bool added;
            if (json_string_value(pid) == NULL)
                continue;
            if ((rc = index_put(fixes, json_string_value(pid), &e, &added)) != KZ_OK)
                goto out;
            if (added)
                e->fixed = json_string_value(s);
            else if (strcmp(e->fixed, json_string_value(s)) != 0)
                e->conflict = true;
        }
        json_array_foreach(get_arr(r, "group_ids"), k, pid) {
            const entry *g = index_get(&c->groups, json_string_value(pid));
            const json_t *m;
            size_t j;
            json_array_foreach(g != NULL ? g->members : NULL, j, m) {
                entry *e;
                bool added;
                if (json_string_value(m) == NULL)
                    continue;
                if ((rc = index_put(fixes, json_string_value(m), &e, &added)) != KZ_OK)
                    goto out;
                if (added)
                    e->fixed = json_string_value(s);
                else if (strcmp(e->fixed, json_string_value(s)) != 0)
                    e->conflict = true;
            }
        }
    }
out:
    return rc;
}

/* Appends to b the key of a product's names: vendor, family and product, trimmed. */
static kz_rc name_key(kz_buf *b, const resolved *r)
{
    const char *parts[3] = {r->vendor, r->family, r->product}, *p;
    size_t n;
    kz_rc rc = KZ_OK;

    kz_buf_reset(b);
    for (int i = 0; i < 3 && rc == KZ_OK; i++) {
        trim(parts[i] != NULL ? parts[i] : "", &p, &n);
        if ((rc = kz_buf_append(b, p, n)) == KZ_OK)
            rc = kz_buf_append(b, "\x1f", 1);
    }
    return rc;
}

/*
 * Indexes the exact versions product_status.fixed / first_fixed name, by the names of their
 * product (name_key), in byname; a name given two different versions is marked as a conflict.
 * The keys are kept alive in keep.
 */
static kz_rc collect_status_fixes(csaf *c, const json_t *ps, index_t *byname, json_t *keep)
{
    static const char *const lists[] = {"fixed", "first_fixed", NULL};
    const json_t *pid;
    resolved f;
    kz_buf key;
    entry *e;
    bool added;
    size_t i;
    kz_rc rc = KZ_OK;

    kz_buf_init(&key, 0);
    for (size_t l = 0; lists[l] != NULL; l++) {
        json_array_foreach(get_arr(ps, lists[l]), i, pid) {
            if (!resolve(c, json_string_value(pid), &f) || !f.exact || blank(f.version))
                continue;
            if ((rc = name_key(&key, &f)) != KZ_OK ||
                (rc = append_new(keep, json_stringn(key.p, key.n))) != KZ_OK)
                goto out;
            if ((rc = index_put(byname, json_string_value(json_array_get(
                                            keep, json_array_size(keep) - 1)),
                                &e, &added)) != KZ_OK)
                goto out;
            if (added)
                e->fixed = f.version;
            else if (!same_name(e->fixed, f.version))
                e->conflict = true;
        }
    }
out:
    kz_buf_free(&key);
    return rc;
}

/* Adds "affected" from product_status. */
static kz_rc add_affected(csaf *c, const json_t *v, json_t *rec, const index_t *fixes,
                          const index_t *byname)
{
    const json_t *ps = get_obj(v, "product_status"), *pid;
    json_t *a = json_array(), *o = NULL, *vers;
    size_t i, l, old;
    resolved r;
    kz_buf key;
    kz_rc rc = KZ_ENOMEM;

    kz_buf_init(&key, 0);
    if (a == NULL)
        goto out;
    rc = KZ_OK;
    for (l = 0; ps != NULL && l < sizeof status_map / sizeof status_map[0]; l++) {
        const bool affected = strcmp(status_map[l].status, "affected") == 0;
        json_array_foreach(get_arr(ps, status_map[l].list), i, pid) {
            const char *id = json_string_value(pid);
            const entry *fx;
            old = path_push(c, "product_status");
            path_push(c, status_map[l].list);
            path_push_i(c, i);
            if (!resolve(c, id, &r)) {
                problem(c, "", "unknown product id \"%.80s\"; left out", id ? id : "(not text)");
                path_pop(c, old);
                continue;
            }
            if (blank(r.product) && r.cpe == NULL && r.purl == NULL) {
                problem(c, "", "product \"%.80s\" has no name, CPE or purl; left out", id);
                path_pop(c, old);
                continue;
            }
            path_pop(c, old);
            rc = KZ_ENOMEM;
            if ((o = json_object()) == NULL || (vers = json_array()) == NULL ||
                json_object_set_new(o, "versions", vers) != 0)
                goto out;
            if ((rc = set_str(o, "vendor", r.vendor)) != KZ_OK || (rc = set_product(o, &r)) ||
                (rc = set_str(o, "cpe", r.cpe)) != KZ_OK ||
                (rc = set_str(o, "purl", r.purl)) != KZ_OK ||
                (!blank(r.version) && (rc = append_new(vers, jtrim(r.version))) != KZ_OK) ||
                (rc = set_str(o, "status", status_map[l].status)) != KZ_OK)
                goto out;
            if (affected) {
                const char *fs = NULL;
                if (byname->n > 0 && (rc = name_key(&key, &r)) != KZ_OK)
                    goto out;
                if (byname->n > 0 && (fx = index_get(byname, key.p)) != NULL && !fx->conflict)
                    fs = fx->fixed;
                if (fs == NULL && (fx = index_get(fixes, id)) != NULL && !fx->conflict)
                    fs = fx->fixed;
                if ((rc = set_str(o, "fixed", fs)) != KZ_OK)
                    goto out;
            }
            if ((rc = set_str(o, "ref", id)) != KZ_OK)
                goto out;
            rc = json_array_append_new(a, o) == 0 ? KZ_OK : KZ_ENOMEM;
            o = NULL;
            if (rc != KZ_OK)
                goto out;
        }
    }
    if (json_object_set(rec, "affected", a) != 0)
        rc = KZ_ENOMEM;
out:
    kz_buf_free(&key);
    json_decref(o);
    json_decref(a);
    return rc;
}

/* Appends a product id to refs once (seen indexes the ids already there). */
static kz_rc add_ref(json_t *refs, index_t *seen, const char *id)
{
    entry *e;
    bool added;
    kz_rc rc;

    if ((rc = index_put(seen, id, &e, &added)) != KZ_OK || !added)
        return rc;
    return append_new(refs, json_string(id));
}

/* Builds one remediation object from r into *out (NULL when r is left out as a problem). */
static kz_rc make_remediation(csaf *c, const json_t *r, json_t **out)
{
    static const char *const cats[] = {"vendor_fix", "mitigation", "workaround",
                                       "none_available", "no_fix_planned", NULL};
    const char *cat = get_str(r, "category"), *details = get_str(r, "details");
    const json_t *pid;
    json_t *o = NULL, *refs = NULL;
    index_t seen = {0};
    char ver[72];
    size_t i, k;
    kz_rc rc = KZ_OK;

    *out = NULL;
    for (k = 0; cat != NULL && cats[k] != NULL && strcmp(cats[k], cat) != 0; k++)
        ;
    if (cat == NULL || cats[k] == NULL) {
        problem(c, "/category", "unknown remediation category \"%.40s\"; left out",
                cat ? cat : "(not text)");
        goto out;
    }
    rc = KZ_ENOMEM;
    if ((o = json_object()) == NULL || (refs = json_array()) == NULL)
        goto out;
    if ((rc = set_str(o, "category", cat)) != KZ_OK || (rc = set_str(o, "text", details)) ||
        (rc = set_str(o, "lang", c->lang)) != KZ_OK ||
        (rc = set_str(o, "url", get_str(r, "url"))) != KZ_OK)
        goto out;
    if (strcmp(cat, "vendor_fix") == 0 && fix_version(details, ver, sizeof ver) &&
        (rc = set_str(o, "fixed", ver)) != KZ_OK)
        goto out;
    json_array_foreach(get_arr(r, "product_ids"), i, pid) {
        const char *id = json_string_value(pid);
        if (id == NULL || index_get(&c->products, id) == NULL) {
            char suffix[48];
            snprintf(suffix, sizeof suffix, "/product_ids/%zu", i);
            problem(c, suffix, "unknown product id \"%.80s\"; left out", id ? id : "(not text)");
            continue;
        }
        if ((rc = add_ref(refs, &seen, id)) != KZ_OK)
            goto out;
    }
    json_array_foreach(get_arr(r, "group_ids"), i, pid) {
        const entry *g = index_get(&c->groups, json_string_value(pid));
        const json_t *m;
        if (g == NULL) {
            char suffix[48];
            snprintf(suffix, sizeof suffix, "/group_ids/%zu", i);
            problem(c, suffix, "unknown product group \"%.80s\"; left out",
                    json_string_value(pid) ? json_string_value(pid) : "(not text)");
            continue;
        }
        json_array_foreach(g->members, k, m) {
            const char *id = json_string_value(m);
            if (id != NULL && index_get(&c->products, id) != NULL &&
                (rc = add_ref(refs, &seen, id)) != KZ_OK)
                goto out;
        }
    }
    rc = KZ_ENOMEM;
    if (json_array_size(refs) > 0 && json_object_set(o, "refs", refs) != 0)
        goto out;
    *out = o;
    o = NULL;
    rc = KZ_OK;
out:
    index_free(&seen);
    json_decref(refs);
    json_decref(o);
    return rc;
}

/* Adds "remediations". */
static kz_rc add_remediations(csaf *c, const json_t *v, json_t *rec)
{
    const json_t *r;
    json_t *a = json_array(), *o;
    size_t i, old;
    kz_rc rc = KZ_ENOMEM;

    if (a == NULL)
        goto out;
    rc = KZ_OK;
    json_array_foreach(get_arr(v, "remediations"), i, r) {
        old = path_push(c, "remediations");
        path_push_i(c, i);
        rc = make_remediation(c, r, &o);
        path_pop(c, old);
        if (rc != KZ_OK)
            goto out;
        if (o != NULL && (rc = append_new(a, o)) != KZ_OK)
            goto out;
    }
    if (json_array_size(a) > 0 && json_object_set(rec, "remediations", a) != 0)
        rc = KZ_ENOMEM;
out:
    json_decref(a);
    return rc;
}

/* Appends references[] (url, summary) of a CSAF object to the array out. */
static kz_rc append_refs(const json_t *refs, json_t *out)
{
    const json_t *r;
    json_t *o;
    size_t i;
    kz_rc rc = KZ_OK;

    json_array_foreach(refs, i, r) {
        if (blank(get_str(r, "url")))
            continue;
        if ((o = json_object()) == NULL)
            return KZ_ENOMEM;
        if ((rc = set_str(o, "url", get_str(r, "url"))) != KZ_OK ||
            (rc = set_str(o, "summary", get_str(r, "summary"))) != KZ_OK ||
            (rc = append_new(out, o)) != KZ_OK) {
            json_decref(o);
            return rc;
        }
    }
    return rc;
}

/* Adds "id" and "aliases". */
static kz_rc add_ids(csaf *c, const json_t *v, size_t index, json_t *rec)
{
    const char *cve = get_str(v, "cve");
    const json_t *idv;
    json_t *aliases = json_array();
    char own[512];
    size_t i;
    kz_rc rc = KZ_ENOMEM;

    if (aliases == NULL)
        goto out;
    if (cve != NULL && !kz_vuln_is_cve(cve)) {
        problem(c, "/cve", "\"%.40s\" is not a CVE id; the vulnerability gets the document's id",
                cve);
        cve = NULL;
    }
    snprintf(own, sizeof own, "%s#%zu", c->tracking_id, index);
    if ((rc = push_unique(aliases, cve != NULL ? cve : own)) != KZ_OK ||
        (rc = push_unique(aliases, c->tracking_id)) != KZ_OK)
        goto out;
    json_array_foreach(get_arr(v, "ids"), i, idv) {
        if ((rc = push_unique(aliases, get_str(idv, "text"))) != KZ_OK)
            goto out;
    }
    rc = KZ_ENOMEM;
    if (json_object_set(rec, "id", json_array_get(aliases, 0)) != 0 ||
        json_object_set(rec, "aliases", aliases) != 0)
        goto out;
    rc = KZ_OK;
out:
    json_decref(aliases);
    return rc;
}

/* Builds and hands over the record of /vulnerabilities/index. */
static kz_rc one_vulnerability(csaf *c, const json_t *v, size_t index)
{
    json_t *rec = json_object(), *refs = NULL, *keep = NULL;
    index_t fixes = {0}, byname = {0};
    kz_rc rc = KZ_ENOMEM;

    if (rec == NULL || (refs = json_deep_copy(c->doc_refs)) == NULL ||
        (keep = json_array()) == NULL)
        goto out;
    if ((rc = add_ids(c, v, index, rec)) != KZ_OK ||
        (rc = set_new(rec, "source", json_deep_copy(c->source))) != KZ_OK)
        goto out;
    if (c->published[0] != '\0' && (rc = set_str(rec, "published", c->published)) != KZ_OK)
        goto out;
    if (c->modified[0] != '\0' && (rc = set_str(rec, "modified", c->modified)) != KZ_OK)
        goto out;
    if ((rc = add_text(c, v, rec)) != KZ_OK || (rc = add_cwes(c, v, rec)) != KZ_OK ||
        (rc = add_scores(c, v, rec)) != KZ_OK ||
        (rc = collect_fixes(c, v, &fixes, keep)) != KZ_OK ||
        (rc = collect_status_fixes(c, get_obj(v, "product_status"), &byname, keep)) != KZ_OK ||
        (rc = add_affected(c, v, rec, &fixes, &byname)) != KZ_OK ||
        (rc = add_remediations(c, v, rec)) != KZ_OK ||
        (rc = append_refs(get_arr(v, "references"), refs)) != KZ_OK)
        goto out;
    if (json_array_size(refs) > 0 && json_object_set(rec, "references", refs) != 0) {
        rc = KZ_ENOMEM;
        goto out;
    }
    rc = c->sink->record(c->sink->ctx, rec);
    rec = NULL; /* the sink took it over */

out:
    index_free(&fixes);
    index_free(&byname);
    json_decref(keep);
    json_decref(refs);
    json_decref(rec);
    return rc;
}

/* ---- the document --------------------------------------------------------------------------- */

/* Reads /document: identity, dates, language, source and references. */
static kz_rc read_document(csaf *c, kz_err *err)
{
    const json_t *d = get_obj(c->doc, "document"), *tr, *r;
    const char *cat, *ver, *lang, *cur, *init, *self = NULL;
    char revision[KZ_TIME_MAX];
    size_t i;
    kz_rc rc = KZ_EINVAL;

    if (d == NULL) {
        kz_fail(err, rc, "%s: /document: missing; not a CSAF document", c->file);
        goto out;
    }
    if (blank(cat = get_str(d, "category"))) {
        kz_fail(err, rc, "%s: /document/category: missing; not a CSAF document", c->file);
        goto out;
    }
    if ((ver = get_str(d, "csaf_version")) == NULL || strcmp(ver, "2.0") != 0) {
        kz_fail(err, rc, "%s: /document/csaf_version: expected \"2.0\"", c->file);
        goto out;
    }
    tr = get_obj(d, "tracking");
    if (blank(c->tracking_id = get_str(tr, "id"))) {
        kz_fail(err, rc, "%s: /document/tracking/id: missing", c->file);
        goto out;
    }
    c->title = get_str(d, "title");
    lang = get_str(d, "lang");
    c->lang = lang != NULL && strncasecmp(lang, "ja", 2) == 0 ? "ja" : "en";
    cur = get_str(tr, "current_release_date");
    init = get_str(tr, "initial_release_date");
    if (csaf_time(init, c->published) != KZ_OK) {
        c->published[0] = '\0';
        if (json_object_get(tr, "initial_release_date") != NULL)
            problem(c, "/document/tracking/initial_release_date", "\"%.40s\" is not a date",
                    init ? init : "(not text)");
    }
    if (csaf_time(cur, c->modified) != KZ_OK) {
        c->modified[0] = '\0';
        problem(c, "/document/tracking/current_release_date", "\"%.40s\" is not a date",
                cur ? cur : "(not text)");
    }
    /* A revision is needed to replace earlier versions of the document. */
    snprintf(revision, sizeof revision, "%s", c->modified[0] ? c->modified : c->published);
    if (revision[0] == '\0') {
        kz_fail(err, rc, "%s: /document/tracking/current_release_date: expected an RFC 3339 date",
                c->file);
        goto out;
    }
    json_array_foreach(get_arr(d, "references"), i, r) {
        const char *rc2 = get_str(r, "category");
        if (self == NULL && rc2 != NULL && strcmp(rc2, "self") == 0 && !blank(get_str(r, "url")))
            self = get_str(r, "url");
    }
    rc = KZ_ENOMEM;
    if ((c->source = json_object()) == NULL || (c->doc_refs = json_array()) == NULL)
        goto out;
    if ((rc = set_str(c->source, "kind", "csaf")) != KZ_OK ||
        (rc = set_str(c->source, "document", c->tracking_id)) != KZ_OK ||
        (rc = set_str(c->source, "revision", revision)) != KZ_OK ||
        (rc = set_str(c->source, "publisher", get_str(get_obj(d, "publisher"), "name"))) ||
        (rc = set_str(c->source, "url", self)) != KZ_OK ||
        (rc = set_str(c->source, "file", c->file)) != KZ_OK ||
        (rc = append_refs(get_arr(d, "references"), c->doc_refs)) != KZ_OK)
        goto out;
    rc = KZ_OK;
out:
    if (rc == KZ_ENOMEM)
        kz_fail(err, rc, "%s: out of memory", c->file);
    return rc;
}

kz_rc kz_vuln_parse_csaf(const json_t *doc, const char *file, const kz_vuln_sink *sink,
                         kz_err *err)
{
    csaf c;
    const json_t *vulns, *v;
    size_t i, old;
    kz_rc rc = KZ_EUSAGE;

    memset(&c, 0, sizeof c);
    c.doc = doc;
    c.file = file != NULL ? file : "(input)";
    c.sink = sink;
    if (sink == NULL || sink->record == NULL) {
        kz_fail(err, rc, "%s: no sink to hand records to", c.file);
        goto out;
    }
    rc = KZ_EINVAL;
    if (!json_is_object(doc)) {
        kz_fail(err, rc, "%s: /: expected a JSON object; not a CSAF document", c.file);
        goto out;
    }
    if ((rc = read_document(&c, err)) != KZ_OK)
        goto out;
    if ((rc = read_product_tree(&c)) != KZ_OK) {
        kz_fail(err, rc, "%s: /product_tree: out of memory", c.file);
        goto out;
    }
    vulns = json_object_get(doc, "vulnerabilities");
    if (vulns != NULL && !json_is_array(vulns))
        problem(&c, "/vulnerabilities", "expected an array; no vulnerabilities imported");
    json_array_foreach(get_arr(doc, "vulnerabilities"), i, v) {
        old = path_push(&c, "vulnerabilities");
        path_push_i(&c, i);
        if (!json_is_object(v)) {
            problem(&c, "", "expected a vulnerability object; left out");
            path_pop(&c, old);
            continue;
        }
        rc = one_vulnerability(&c, v, i);
        path_pop(&c, old);
        if (rc != KZ_OK) {
            if (rc == KZ_ENOMEM)
                kz_fail(err, rc, "%s: /vulnerabilities/%zu: out of memory", c.file, i);
            else
                kz_fail(err, rc, "%s: /vulnerabilities/%zu: the record sink failed (%s)", c.file,
                        i, kz_rc_str(rc));
            goto out;
        }
    }
    rc = KZ_OK;
out:
    index_free(&c.products);
    index_free(&c.groups);
    json_decref(c.source);
    json_decref(c.doc_refs);
    return rc;
}
