/*
 * match.c - an inventory against the knowledge base (kz_vuln_match): which components a
 * vulnerability affects or may affect, each with the reason, in priority order.
 *
 * For each component the keys the writer indexed records under (vuln.h, kz_vuln_record_keys) are
 * built from its CPE, purl and names, and looked up with kz_store_vkey; the ids found are the
 * candidates. Both the key lookups and the merged views (kz_vuln_get) are cached for the run, so
 * that an inventory with thousands of copies of the same device costs one store lookup per
 * distinct key and one merge per distinct vulnerability. Then every affected entry of each
 * candidate that names the component is decided with kz_range_parse / kz_range_contains:
 *   - status not_affected / fixed: when its range holds the version, it overrides the rest (the
 *     merged view no longer says which source an entry came from, so the override applies across
 *     the view: a vendor saying "this version is fixed" wins);
 *   - status affected: no version in the inventory, or no versions in the advisory -> POSSIBLY;
 *     otherwise the ranges decide (AFFECTED, NOT_AFFECTED, or POSSIBLY with the parser's reason);
 *     a component CPE with a version is also compared as CPE with an entry CPE with a version;
 *   - status under_investigation -> POSSIBLY.
 * One finding per (component, vulnerability): the strongest, AFFECTED over POSSIBLY.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/cpe.h"
#include "kizuna/purl.h"
#include "kizuna/vuln.h"
#include "vuln_int.h"

#define NAME_BYTES 128 /* normalised names, as record.c cuts them */
#define KEY_BYTES 300  /* a match key, as record.c bounds them */
#define COMP_KEYS_MAX 6

struct kz_findings {
    kz_finding *f;
    size_t n, cap;
};

/* ---- the run's caches ----------------------------------------------------------------------- */

/* An affected entry with its names normalised once per run, not once per component. */
typedef struct {
    const json_t *aff;
    char *vendor, *product; /* normalised; "" when absent */
    const char *status;
    bool has_cpe, has_purl;
} aff_entry;

/* One vulnerability seen in this run. */
typedef struct {
    json_t *view;  /* merged view; NULL when the store has none any more */
    double score;
    bool exploited;
    size_t stamp;  /* 1 + the component that last listed it as a candidate */
    aff_entry *affs;
    size_t n_affs;
} vuln_entry;

/* The vulnerabilities one key finds (indices into run.vulns). */
typedef struct {
    size_t *v;
    size_t n;
} key_entry;

typedef struct {
    kz_store *s;
    kz_err *err;
    kz_strmap vuln_ids; /* id -> index in vulns */
    vuln_entry *vulns;
    size_t n_vulns, cap_vulns;
    kz_strmap key_ids;  /* key -> index in keys */
    key_entry *keys;
    size_t n_keys, cap_keys;
    key_entry *filling; /* the key whose ids kz_store_vkey is giving */
    size_t cap_filling;
} run;

static void affs_free(aff_entry *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].vendor);
        free(a[i].product);
    }
    free(a);
}

/* Normalises the names of every affected entry of e->view into e->affs. */
static kz_rc affs_build(vuln_entry *e)
{
    const json_t *arr = json_object_get(e->view, "affected"), *aff;
    char v[NAME_BYTES], p[NAME_BYTES];
    size_t i;

    if (json_array_size(arr) == 0)
        return KZ_OK;
    if ((e->affs = calloc(json_array_size(arr), sizeof *e->affs)) == NULL)
        return KZ_ENOMEM;
    json_array_foreach(arr, i, aff) {
        aff_entry *a = &e->affs[e->n_affs];
        a->status = json_string_value(json_object_get(aff, "status"));
        if (!json_is_object(aff) || a->status == NULL)
            continue;
        kz_vuln_norm_name(json_string_value(json_object_get(aff, "vendor")), v, sizeof v);
        kz_vuln_norm_name(json_string_value(json_object_get(aff, "product")), p, sizeof p);
        a->aff = aff;
        a->has_cpe = json_is_string(json_object_get(aff, "cpe"));
        a->has_purl = json_is_string(json_object_get(aff, "purl"));
        e->n_affs++; /* counted before the copies so that affs_free frees them on failure */
        if ((a->vendor = strdup(v)) == NULL || (a->product = strdup(p)) == NULL)
            return KZ_ENOMEM;
    }
    return KZ_OK;
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n_vulns; i++) {
        json_decref(r->vulns[i].view);
        affs_free(r->vulns[i].affs, r->vulns[i].n_affs);
    }
    free(r->vulns);
    for (size_t i = 0; i < r->n_keys; i++)
        free(r->keys[i].v);
    free(r->keys);
    kz_strmap_free(&r->vuln_ids);
    kz_strmap_free(&r->key_ids);
}

/* The priority score: the highest base score of the newest CVSS version the view has. */
static double view_score(const json_t *view)
{
    static const char *const order[] = {"2.0", "3.0", "3.1", "4.0"};
    const json_t *sc;
    double best = 0;
    int best_rank = -1;
    size_t i;

    json_array_foreach(json_object_get(view, "scores"), i, sc) {
        const char *ver = json_string_value(json_object_get(sc, "version"));
        const json_t *base = json_object_get(sc, "base_score");
        int rank = -1;
        if (!json_is_number(base) || ver == NULL)
            continue;
        for (int k = 0; k < 4; k++)
            if (strcmp(ver, order[k]) == 0)
                rank = k;
        if (rank > best_rank || (rank == best_rank && json_number_value(base) > best)) {
            best_rank = rank;
            best = json_number_value(base);
        }
    }
    return best;
}

/* The index of vulnerability id in r->vulns, fetching and merging it on first sight. */
static kz_rc vuln_index(run *r, const char *id, size_t *out)
{
    vuln_entry e = {0};
    kz_rc rc;

    if (kz_strmap_get(&r->vuln_ids, id, out))
        return KZ_OK;
    rc = kz_vuln_get(r->s, id, &e.view, r->err);
    if (rc == KZ_ENOTFOUND)
        e.view = NULL; /* removed since the key was read: never a finding */
    else if (rc != KZ_OK)
        return rc;
    if (e.view != NULL) {
        e.score = view_score(e.view);
        e.exploited = json_is_true(json_object_get(json_object_get(e.view, "exploited"), "known"));
        if (affs_build(&e) != KZ_OK)
            goto nomem;
    }
    if (r->n_vulns == r->cap_vulns) {
        size_t cap = r->cap_vulns ? 2 * r->cap_vulns : 256;
        vuln_entry *g = realloc(r->vulns, cap * sizeof *g);
        if (g == NULL)
            goto nomem;
        r->vulns = g;
        r->cap_vulns = cap;
    }
    if (kz_strmap_put(&r->vuln_ids, id, r->n_vulns) != KZ_OK)
        goto nomem;
    r->vulns[r->n_vulns] = e;
    *out = r->n_vulns++;
    return KZ_OK;
nomem:
    json_decref(e.view);
    affs_free(e.affs, e.n_affs);
    return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
}

/* kz_store_vkey's callback: adds one vulnerability to the key being filled. */
static kz_rc on_key_id(void *ctx, const char *id)
{
    run *r = ctx;
    key_entry *k = r->filling;
    size_t v;
    kz_rc rc;

    if ((rc = vuln_index(r, id, &v)) != KZ_OK)
        return rc;
    if (k->n == r->cap_filling) {
        size_t cap = r->cap_filling ? 2 * r->cap_filling : 8;
        size_t *g = realloc(k->v, cap * sizeof *g);
        if (g == NULL)
            return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
        k->v = g;
        r->cap_filling = cap;
    }
    k->v[k->n++] = v;
    return KZ_OK;
}

/* The vulnerabilities found under key (cached). */
static kz_rc key_lookup(run *r, const char *key, const key_entry **out)
{
    size_t i;
    kz_rc rc;

    if (kz_strmap_get(&r->key_ids, key, &i)) {
        *out = &r->keys[i];
        return KZ_OK;
    }
    if (r->n_keys == r->cap_keys) {
        size_t cap = r->cap_keys ? 2 * r->cap_keys : 256;
        key_entry *g = realloc(r->keys, cap * sizeof *g);
        if (g == NULL)
            return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
        r->keys = g;
        r->cap_keys = cap;
    }
    i = r->n_keys++;
    r->keys[i] = (key_entry){NULL, 0};
    r->filling = &r->keys[i];
    r->cap_filling = 0;
    if ((rc = kz_store_vkey(r->s, key, on_key_id, r, r->err)) != KZ_OK)
        return rc;
    if (kz_strmap_put(&r->key_ids, key, i) != KZ_OK)
        return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
    *out = &r->keys[i];
    return KZ_OK;
}

/* ---- one component -------------------------------------------------------------------------- */

/* What matching needs of a component, worked out once. */
typedef struct {
    const kz_component *c;
    char vendor[NAME_BYTES], product[NAME_BYTES];         /* normalised; "" when absent */
    bool has_cpe, has_purl;
    kz_cpe cpe;
    char cpe_vendor[NAME_BYTES], cpe_product[NAME_BYTES]; /* normalised, unquoted */
    kz_purl purl;
    char version[KZ_VERSION_MAX_BYTES + 1];               /* "" when unknown */
    bool cpe_has_version;
} comp_info;

/* Copies a view into out without CPE quoting backslashes. */
static void unquote(kz_sv v, char *out, size_t cap)
{
    size_t o = 0;

    for (size_t i = 0; i < v.n && o + 1 < cap; i++)
        if (v.p[i] != '\\' || (i > 0 && v.p[i - 1] == '\\'))
            out[o++] = v.p[i];
    out[o] = '\0';
}

/* The normalised, unquoted text of a CPE attribute; "" for ANY and NA. */
static void cpe_norm(const kz_cpe *c, kz_cpe_attr a, char *out, size_t cap)
{
    char raw[KZ_CPE_TEXT_MAX];
    kz_sv v;

    out[0] = '\0';
    if (kz_cpe_get(c, a, &v) != KZ_CPE_VALUE)
        return;
    unquote(v, raw, sizeof raw);
    kz_vuln_norm_name(raw, out, cap);
}

static void comp_info_init(comp_info *ci, const kz_component *c)
{
    kz_err ignored;
    kz_sv v;

    memset(ci, 0, offsetof(comp_info, cpe));
    ci->c = c;
    ci->cpe_vendor[0] = ci->cpe_product[0] = ci->version[0] = '\0';
    ci->cpe_has_version = false;
    kz_vuln_norm_name(c->vendor, ci->vendor, sizeof ci->vendor);
    kz_vuln_norm_name(c->product, ci->product, sizeof ci->product);
    if (c->cpe != NULL && kz_cpe_parse(kz_sv_c(c->cpe), &ci->cpe, &ignored) == KZ_OK) {
        ci->has_cpe = true;
        cpe_norm(&ci->cpe, KZ_CPE_VENDOR, ci->cpe_vendor, sizeof ci->cpe_vendor);
        cpe_norm(&ci->cpe, KZ_CPE_PRODUCT, ci->cpe_product, sizeof ci->cpe_product);
        ci->cpe_has_version = kz_cpe_get(&ci->cpe, KZ_CPE_VERSION, &v) == KZ_CPE_VALUE;
    }
    if (c->purl != NULL && kz_purl_parse(kz_sv_c(c->purl), &ci->purl, &ignored) == KZ_OK)
        ci->has_purl = true;
    /* The version: the inventory's, else the CPE's, else the purl's. */
    if (c->version != NULL) {
        snprintf(ci->version, sizeof ci->version, "%s", c->version);
    } else if (ci->cpe_has_version) {
        kz_cpe_get(&ci->cpe, KZ_CPE_VERSION, &v);
        unquote(v, ci->version, sizeof ci->version);
    } else if (ci->has_purl && ci->purl.has_version) {
        v = kz_purl_version(&ci->purl);
        snprintf(ci->version, sizeof ci->version, "%.*s", (int)v.n, v.p);
    }
}

/* The keys to look the component up under, as kz_vuln_record_keys builds them. */
static size_t comp_keys(const comp_info *ci, char keys[COMP_KEYS_MAX][KEY_BYTES])
{
    size_t n = 0;
    int w;

    if (ci->product[0] != '\0') {
        if (ci->vendor[0] != '\0')
            w = snprintf(keys[n], KEY_BYTES, "vp:%s|%s", ci->vendor, ci->product);
        else
            w = snprintf(keys[n], KEY_BYTES, "p:%s", ci->product);
        n += w > 0 && w < KEY_BYTES;
    }
    if (ci->has_cpe) {
        char v[NAME_BYTES], p[NAME_BYTES];
        kz_vuln_cpe_lower(&ci->cpe, KZ_CPE_VENDOR, v, sizeof v);
        kz_vuln_cpe_lower(&ci->cpe, KZ_CPE_PRODUCT, p, sizeof p);
        if (v[0] != '\0' && p[0] != '\0') {
            w = snprintf(keys[n], KEY_BYTES, "cpe:%s:%s", v, p);
            n += w > 0 && w < KEY_BYTES;
        }
        /* Advisories that name the product in words are found through the CPE's names. */
        if (ci->cpe_vendor[0] != '\0' && ci->cpe_product[0] != '\0') {
            w = snprintf(keys[n], KEY_BYTES, "vp:%s|%s", ci->cpe_vendor, ci->cpe_product);
            n += w > 0 && w < KEY_BYTES;
        }
    }
    if (ci->has_purl) {
        kz_sv t = kz_purl_type(&ci->purl), ns = kz_purl_namespace(&ci->purl);
        kz_sv name = kz_purl_name(&ci->purl);
        w = snprintf(keys[n], KEY_BYTES, "purl:%.*s/%.*s/%.*s", (int)t.n, t.p, (int)ns.n, ns.p,
                     (int)name.n, name.p);
        n += w > 0 && w < KEY_BYTES;
    }
    return n;
}

/* True when two normalised names are equal and not empty. */
static bool same(const char *a, const char *b)
{
    return a[0] != '\0' && strcmp(a, b) == 0;
}

/* Whether the affected entry names the component; *aff_cpe gets its CPE when it has one. */
static bool names_component(const comp_info *ci, const aff_entry *a, kz_cpe *aff_cpe,
                            bool *has_aff_cpe)
{
    const char *v = a->vendor, *p = a->product;
    kz_err ignored;

    *has_aff_cpe = false;
    if (same(p, ci->product) && (ci->vendor[0] == '\0' || v[0] == '\0' || same(v, ci->vendor)))
        return true;
    if (ci->has_cpe && same(p, ci->cpe_product) && same(v, ci->cpe_vendor))
        return true;
    if (a->has_cpe &&
        kz_cpe_parse(kz_sv_c(json_string_value(json_object_get(a->aff, "cpe"))), aff_cpe,
                     &ignored) == KZ_OK) {
        char cv[NAME_BYTES], cp[NAME_BYTES];
        *has_aff_cpe = true;
        cpe_norm(aff_cpe, KZ_CPE_VENDOR, cv, sizeof cv);
        cpe_norm(aff_cpe, KZ_CPE_PRODUCT, cp, sizeof cp);
        if (same(cp, ci->cpe_product) && same(cv, ci->cpe_vendor))
            return true;
        if (same(cp, ci->product) && (ci->vendor[0] == '\0' || same(cv, ci->vendor)))
            return true;
    }
    if (a->has_purl && ci->has_purl) {
        kz_purl u;
        if (kz_purl_parse(kz_sv_c(json_string_value(json_object_get(a->aff, "purl"))), &u,
                          &ignored) == KZ_OK &&
            kz_purl_same_package(&u, &ci->purl))
            return true;
    }
    return false;
}

/* The ranges of an entry against the version: AFFECTED when one holds it, else POSSIBLY when
 * one could not be decided (reason says why), else NOT_AFFECTED. */
static kz_match ranges_decide(const json_t *versions, const char *version, char *reason,
                              size_t cap)
{
    kz_match best = KZ_MATCH_NOT_AFFECTED;
    const json_t *t;
    kz_range r;
    size_t i;

    json_array_foreach(versions, i, t) {
        const char *text = json_string_value(t);
        kz_match m = KZ_MATCH_POSSIBLY;
        kz_err err;
        if (text == NULL)
            continue;
        if (kz_range_parse(kz_sv_c(text), &r, &err) != KZ_OK)
            r.kind = KZ_RANGE_UNKNOWN; /* it is already: contains answers POSSIBLY */
        err.msg[0] = '\0';
        if (kz_range_contains(&r, kz_sv_c(version), &m, &err) != KZ_OK)
            m = KZ_MATCH_POSSIBLY;
        if (m == KZ_MATCH_AFFECTED) {
            snprintf(reason, cap, "version %.100s is in \"%.200s\"", version, text);
            return m;
        }
        if (m == KZ_MATCH_POSSIBLY && best != KZ_MATCH_POSSIBLY) {
            best = m;
            snprintf(reason, cap, "\"%.120s\" against version %.60s: %.300s", text, version,
                     err.msg[0] ? err.msg : r.reason);
        }
    }
    return best;
}

/* Decides one affected entry that names the component. */
static kz_match entry_decide(const comp_info *ci, const json_t *aff, const kz_cpe *aff_cpe,
                             bool has_aff_cpe, bool exploited, char *reason, size_t cap)
{
    const json_t *versions = json_object_get(aff, "versions");
    kz_match m;
    kz_sv v;

    if (ci->version[0] == '\0') {
        snprintf(reason, cap, "no version in the inventory");
        return KZ_MATCH_POSSIBLY;
    }
    if (has_aff_cpe && ci->cpe_has_version &&
        kz_cpe_get(aff_cpe, KZ_CPE_VERSION, &v) == KZ_CPE_VALUE) {
        if (kz_cpe_matches(aff_cpe, &ci->cpe)) {
            snprintf(reason, cap, "the CPE %.200s names it",
                     json_string_value(json_object_get(aff, "cpe")));
            return KZ_MATCH_AFFECTED;
        }
        if (json_array_size(versions) == 0)
            return KZ_MATCH_NOT_AFFECTED;
    }
    if (json_array_size(versions) == 0) {
        snprintf(reason, cap, exploited ? "known exploited (CISA KEV) in this product; no "
                                          "versions are named"
                                        : "the advisory names no versions");
        return KZ_MATCH_POSSIBLY;
    }
    m = ranges_decide(versions, ci->version, reason, cap);
    return m;
}

/* ---- findings ------------------------------------------------------------------------------- */

void kz_findings_free(kz_findings *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free((char *)f->f[i].reason);
        json_decref((json_t *)f->f[i].vuln);
    }
    free(f->f);
    free(f);
}

size_t kz_findings_count(const kz_findings *f)
{
    return f ? f->n : 0;
}

const kz_finding *kz_findings_get(const kz_findings *f, size_t i)
{
    return f != NULL && i < f->n ? &f->f[i] : NULL;
}

static kz_rc findings_add(kz_findings *f, const kz_finding *x, const char *reason)
{
    kz_finding *g;
    char *r;

    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        if ((g = realloc(f->f, cap * sizeof *g)) == NULL)
            return KZ_ENOMEM;
        f->f = g;
        f->cap = cap;
    }
    if ((r = strdup(reason)) == NULL)
        return KZ_ENOMEM;
    f->f[f->n] = *x;
    f->f[f->n].reason = r;
    json_incref((json_t *)x->vuln);
    f->n++;
    return KZ_OK;
}

static const char *view_id(const json_t *v)
{
    const char *id = json_string_value(json_object_get(v, "id"));

    return id ? id : "";
}

/* Component, then known exploited first, then score (highest first), then id. */
static int finding_cmp(const void *a, const void *b)
{
    const kz_finding *x = a, *y = b;

    if (x->component != y->component)
        return x->component < y->component ? -1 : 1;
    if (x->exploited != y->exploited)
        return x->exploited ? -1 : 1;
    if (x->priority_score != y->priority_score)
        return x->priority_score > y->priority_score ? -1 : 1;
    return strcmp(view_id(x->vuln), view_id(y->vuln));
}

/* Decides vulnerability e against the component and adds the finding, if any. */
static kz_rc decide(const comp_info *ci, size_t comp, const vuln_entry *e, kz_cpe *scratch,
                    kz_findings *out)
{
    const json_t *best_aff = NULL;
    kz_match best = KZ_MATCH_NOT_AFFECTED;
    char reason[512], best_reason[512] = "";
    bool overridden = false;
    size_t i;

    for (i = 0; i < e->n_affs; i++) {
        const aff_entry *a = &e->affs[i];
        const json_t *aff = a->aff;
        const char *status = a->status;
        bool has_cpe = false;
        kz_match m;
        if (!names_component(ci, a, scratch, &has_cpe))
            continue;
        reason[0] = '\0';
        if (strcmp(status, "not_affected") == 0 || strcmp(status, "fixed") == 0) {
            if (ci->version[0] != '\0' &&
                ranges_decide(json_object_get(aff, "versions"), ci->version, reason,
                              sizeof reason) == KZ_MATCH_AFFECTED)
                overridden = true;
            continue;
        }
        if (strcmp(status, "under_investigation") == 0) {
            m = KZ_MATCH_POSSIBLY;
            snprintf(reason, sizeof reason, "the vendor is still investigating this product");
        } else {
            m = entry_decide(ci, aff, scratch, has_cpe, e->exploited, reason, sizeof reason);
        }
        if (m == KZ_MATCH_AFFECTED || (m == KZ_MATCH_POSSIBLY && best == KZ_MATCH_NOT_AFFECTED)) {
            best = m;
            best_aff = aff;
            memcpy(best_reason, reason, sizeof reason);
        }
    }
    if (overridden || best == KZ_MATCH_NOT_AFFECTED)
        return KZ_OK;
    kz_finding x = {comp, best == KZ_MATCH_AFFECTED ? KZ_FIND_AFFECTED : KZ_FIND_POSSIBLY,
                    NULL, e->view, best_aff, e->score, e->exploited};
    return findings_add(out, &x, best_reason);
}

kz_rc kz_vuln_match(kz_store *s, const kz_inventory *inv, kz_findings **out, kz_err *err)
{
    kz_findings *f = calloc(1, sizeof *f);
    comp_info *ci = malloc(sizeof *ci);
    kz_cpe *scratch = malloc(sizeof *scratch);
    run r = {.s = s, .err = err};
    char keys[COMP_KEYS_MAX][KEY_BYTES];
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    if (f == NULL || ci == NULL || scratch == NULL) {
        kz_fail(err, rc, "out of memory matching");
        goto out;
    }
    for (size_t c = 0; c < kz_inventory_count(inv); c++) {
        size_t nk;
        comp_info_init(ci, kz_inventory_get(inv, c));
        nk = comp_keys(ci, keys);
        for (size_t k = 0; k < nk; k++) {
            const key_entry *ke = NULL;
            if ((rc = key_lookup(&r, keys[k], &ke)) != KZ_OK)
                goto out;
            for (size_t j = 0; j < ke->n; j++) {
                vuln_entry *e = &r.vulns[ke->v[j]];
                if (e->view == NULL || e->stamp == c + 1)
                    continue; /* gone, or already decided for this component */
                e->stamp = c + 1;
                if ((rc = decide(ci, c, e, scratch, f)) != KZ_OK) {
                    kz_fail(err, rc, "out of memory matching");
                    goto out;
                }
            }
        }
    }
    if (f->n > 0) /* qsort wants a valid pointer even for no elements */
        qsort(f->f, f->n, sizeof *f->f, finding_cmp);
    *out = f;
    f = NULL;
    rc = KZ_OK;
out:
    run_free(&r);
    kz_findings_free(f);
    free(ci);
    free(scratch);
    return rc;
}
