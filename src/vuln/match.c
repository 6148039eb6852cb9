/*
 * match.c - an inventory against the knowledge base (kz_vuln_match): which components a
 * vulnerability affects or may affect, each with the reason, in priority order.
 *
 * Two phases. 1: for each component the keys the writer indexed records under (vuln.h,
 * kz_vuln_record_keys) are built from its CPE, purl and names and looked up with kz_store_vkey,
 * once per distinct key for the run; what they find are the candidate (component,
 * vulnerability) pairs, grouped by vulnerability. 2: on every core (kz_vuln_match_threads, each
 * thread with its own store handle and read snapshot), each candidate vulnerability's merged
 * view is read once (kz_vuln_get_x, without the references beyond the first), decided against
 * all of its components, and dropped but for what the report reads (cut_view), so that memory
 * holds one full view per thread, not thousands. An inventory with a thousand copies of one
 * device thus costs one lookup per key and one merge per vulnerability.
 *
 * Every affected entry of a candidate that names the component is decided with kz_range_parse /
 * kz_range_contains:
 *   - status not_affected / fixed: when its range holds the version, it overrides the rest (the
 *     merged view no longer says which source an entry came from, so the override applies across
 *     the view: a vendor saying "this version is fixed" wins);
 *   - status affected: no version in the inventory, or no versions in the advisory -> POSSIBLY;
 *     otherwise the ranges decide (AFFECTED, NOT_AFFECTED, or POSSIBLY with the parser's reason);
 *     a component CPE with a version is also compared as CPE with an entry CPE with a version;
 *   - status under_investigation -> POSSIBLY.
 * One finding per (component, vulnerability): the strongest, AFFECTED over POSSIBLY.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kizuna/cpe.h"
#include "kizuna/purl.h"
#include "kizuna/vuln.h"
#include "vuln_int.h"

#define NAME_BYTES 128 /* normalised names, as record.c cuts them */
#define KEY_BYTES 300  /* a match key, as record.c bounds them */
#define COMP_KEYS_MAX 6
#define WORKERS_MAX 8          /* threads deciding vulnerabilities */
#define WORKERS_MIN_VULNS 64   /* fewer candidate vulnerabilities than this: one thread */
#define WORKER_HEAP ((size_t)60 << 20) /* kz_heap_prepare of each further thread */

struct kz_findings {
    kz_finding *f;
    size_t n, cap;
};

/* ---- the run ------------------------------------------------------------------------------- */

/* An affected entry of a view with its names normalised once, not once per component. */
typedef struct {
    const json_t *aff;
    char *vendor, *product; /* normalised; "" when absent */
    const char *status;
    bool has_cpe, has_purl;
} aff_entry;

/* One vulnerability being decided: its merged view and what every decision needs of it. */
typedef struct {
    json_t *view;
    double score;
    bool exploited;
    aff_entry *affs;
    size_t n_affs;
} vuln_entry;

/* The vulnerabilities one key finds (indices into run.ids). */
typedef struct {
    size_t *v;
    size_t n, cap;
} key_entry;

/* A candidate: component comp may be affected by vulnerability vuln. */
typedef struct {
    size_t comp, vuln;
} pair;

typedef struct {
    kz_store *s;
    const kz_inventory *inv;
    kz_err *err;
    /* Phase 1: the candidate vulnerabilities' ids, each once, and the keys looked up. */
    kz_strmap vuln_ids; /* id -> index in ids */
    kz_strlist ids;
    size_t *stamp;      /* per vulnerability: 1 + the component that last listed it */
    size_t cap_stamp;
    kz_strmap key_ids;  /* key -> index in keys */
    key_entry *keys;
    size_t n_keys, cap_keys;
    key_entry *filling; /* the key whose ids kz_store_vkey is giving */
    pair *pairs;
    size_t n_pairs, cap_pairs;
    /* Phase 2: each vulnerability's components, comps[first[v] .. first[v + 1]). */
    size_t *first, *comps;
    atomic_size_t next; /* the next vulnerability a worker takes */
    atomic_bool stop;   /* a worker failed */
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
    for (size_t i = 0; i < r->n_keys; i++)
        free(r->keys[i].v);
    free(r->keys);
    free(r->stamp);
    free(r->pairs);
    free(r->first);
    free(r->comps);
    kz_strlist_free(&r->ids);
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

/* kz_store_vkey's callback: adds one vulnerability (numbered on first sight) to the key being
 * filled. */
static kz_rc on_key_id(void *ctx, const char *id)
{
    run *r = ctx;
    key_entry *k = r->filling;
    size_t v;

    if (!kz_strmap_get(&r->vuln_ids, id, &v)) {
        v = r->ids.n;
        if (kz_grow(&r->stamp, &r->cap_stamp, v, sizeof *r->stamp, 256) != KZ_OK ||
            kz_strlist_add(&r->ids, id) != KZ_OK)
            goto nomem;
        if (kz_strmap_put(&r->vuln_ids, id, v) != KZ_OK) {
            free(r->ids.v[--r->ids.n]);
            goto nomem;
        }
        r->stamp[v] = 0;
    }
    if (kz_grow(&k->v, &k->cap, k->n, sizeof *k->v, 8) != KZ_OK)
        goto nomem;
    k->v[k->n++] = v;
    return KZ_OK;
nomem:
    return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
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
    if (kz_grow(&r->keys, &r->cap_keys, r->n_keys, sizeof *r->keys, 256) != KZ_OK)
        return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
    i = r->n_keys++;
    r->keys[i] = (key_entry){NULL, 0, 0};
    r->filling = &r->keys[i];
    if ((rc = kz_store_vkey(r->s, key, on_key_id, r, r->err)) != KZ_OK)
        return rc;
    if (kz_strmap_put(&r->key_ids, key, i) != KZ_OK)
        return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
    *out = &r->keys[i];
    return KZ_OK;
}

static kz_rc pair_add(run *r, size_t comp, size_t vuln)
{
    if (kz_grow(&r->pairs, &r->cap_pairs, r->n_pairs, sizeof *r->pairs, 1024) != KZ_OK)
        return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
    r->pairs[r->n_pairs++] = (pair){comp, vuln};
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

/* Frees what f holds, leaving the struct itself. */
static void findings_clear(kz_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free((char *)f->f[i].reason);
        json_decref((json_t *)f->f[i].vuln);
    }
    free(f->f);
}

void kz_findings_free(kz_findings *f)
{
    if (f == NULL)
        return;
    findings_clear(f);
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
    char *r;

    if (kz_grow(&f->f, &f->cap, f->n, sizeof *f->f, 64) != KZ_OK || (r = strdup(reason)) == NULL)
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

/* Decides vulnerability e against the component and adds the finding, if any, with no view
 * yet (vuln_decide gives the findings of one vulnerability their cut view together). */
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
                    NULL, NULL, best_aff, e->score, e->exploited};
    return findings_add(out, &x, best_reason);
}

/*
 * Appends remediation rem to rems, its "refs" (the products it is for, often hundreds in a
 * vendor's advisory) cut to those of the entries kept; a remediation for every product is
 * shared as it is. False when out of memory.
 */
static bool cut_remediation(json_t *rems, const json_t *rem, const json_t *affs)
{
    const json_t *refs = json_object_get(rem, "refs"), *v, *aff;
    json_t *c, *kept;
    const char *key;
    size_t i;
    bool ok;

    if (json_array_size(refs) == 0)
        return json_array_append(rems, (json_t *)rem) == 0;
    c = json_object();
    kept = json_array();
    ok = c != NULL && kept != NULL;
    json_object_foreach((json_t *)rem, key, v) {
        if (ok && strcmp(key, "refs") != 0)
            ok = json_object_set(c, key, (json_t *)v) == 0;
    }
    json_array_foreach(affs, i, aff) {
        const json_t *ref = json_object_get(aff, "ref");
        if (ok && json_is_string(ref) && kz_vuln_rem_applies(rem, aff))
            ok = json_array_append(kept, (json_t *)ref) == 0;
    }
    ok = ok && json_object_set(c, "refs", kept) == 0 && json_array_append(rems, c) == 0;
    json_decref(kept);
    json_decref(c);
    return ok;
}

/* Whether a kept entry's merged reference ("DOC#ref", kz_vuln_merge) names document doc. */
static bool names_document(const json_t *affs, const char *doc)
{
    const json_t *a;
    size_t i, n = doc ? strlen(doc) : 0;

    json_array_foreach(affs, i, a) {
        const char *ref = json_string_value(json_object_get(a, "ref"));
        if (n > 0 && ref != NULL && strncmp(ref, doc, n) == 0 && ref[n] == '#')
            return true;
    }
    return false;
}

/*
 * The view cut to what a report reads (vuln.h, kz_finding): the n findings' affected entries
 * instead of every product the advisories name, the remediations a report shows for them, the
 * sources it may link to (the first of each kind, and each kept entry's own document) and the
 * first reference. Values are shared with view, not copied (but for remediations' product
 * lists). NULL when out of memory.
 */
static json_t *cut_view(const json_t *view, const kz_finding *f, size_t n)
{
    static const char *const keep[] = {"id",   "aliases", "published", "modified",
                                       "text", "cwes",    "scores",    "exploited"};
    json_t *cut = json_object(), *affs = json_array(), *rems = json_array(), *refs = json_array();
    json_t *srcs = json_array();
    const json_t **picks = NULL; /* the remediations shown, per entry and language */
    size_t n_picks = 0;
    bool seen[3] = {false, false, false}; /* a CSAF source, another (not KEV), any: with a URL */
    const json_t *v, *first_ref = json_array_get(json_object_get(view, "references"), 0);
    bool ok = cut != NULL && affs != NULL && rems != NULL && refs != NULL && srcs != NULL;
    size_t i, j;

    for (i = 0; ok && i < sizeof keep / sizeof keep[0]; i++)
        if ((v = json_object_get(view, keep[i])) != NULL)
            ok = json_object_set(cut, keep[i], (json_t *)v) == 0;
    for (i = 0; ok && i < n; i++) { /* each entry once: a few entries serve many components */
        for (j = 0; j < json_array_size(affs) && json_array_get(affs, j) != f[i].affected; j++)
            ;
        if (j == json_array_size(affs))
            ok = json_array_append(affs, (json_t *)f[i].affected) == 0;
    }
    /* The remediations a report can show for the kept entries, in either language, in their
     * order (kz_vuln_remediation answers the same on them), and the sources it can link. */
    n_picks = 2 * json_array_size(affs);
    ok = ok && (picks = malloc(n_picks * sizeof *picks)) != NULL;
    for (j = 0; ok && j < json_array_size(affs); j++) {
        picks[2 * j] = kz_vuln_remediation(view, json_array_get(affs, j), "en");
        picks[2 * j + 1] = kz_vuln_remediation(view, json_array_get(affs, j), "ja");
    }
    json_array_foreach(json_object_get(view, "remediations"), i, v) {
        for (j = 0; ok && j < n_picks; j++)
            if (picks[j] == v) {
                ok = cut_remediation(rems, v, affs);
                break;
            }
    }
    json_array_foreach(json_object_get(view, "sources"), i, v) {
        const char *kind = json_string_value(json_object_get(v, "kind"));
        const char *url = json_string_value(json_object_get(v, "url"));
        bool csaf, other, take;
        if (kind == NULL || kind[0] == '\0' || url == NULL || url[0] == '\0')
            continue;
        csaf = strcmp(kind, "csaf") == 0;
        other = !csaf && strcmp(kind, "kev") != 0;
        take = !seen[2] || (csaf && !seen[0]) || (other && !seen[1]) ||
               names_document(affs, json_string_value(json_object_get(v, "document")));
        seen[0] |= csaf;
        seen[1] |= other;
        seen[2] = true;
        if (take)
            ok = ok && json_array_append(srcs, (json_t *)v) == 0;
    }
    if (ok && first_ref != NULL)
        ok = json_array_append(refs, (json_t *)first_ref) == 0;
    ok = ok && json_object_set(cut, "affected", affs) == 0 &&
         json_object_set(cut, "remediations", rems) == 0 &&
         json_object_set(cut, "references", refs) == 0 &&
         json_object_set(cut, "sources", srcs) == 0;
    json_decref(srcs);
    free(picks);
    json_decref(affs);
    json_decref(rems);
    json_decref(refs);
    if (!ok) {
        json_decref(cut);
        return NULL;
    }
    return cut;
}

/* ---- phase 2: the vulnerabilities, on every core -------------------------------------------- */

typedef struct {
    run *r;
    kz_store *s;       /* this worker's store handle */
    kz_findings f;     /* its findings */
    comp_info *ci;
    kz_cpe *scratch;
    kz_err err;
    kz_rc rc;
} worker;

/* Reads vulnerability v's merged view and decides it against each of its candidate components;
 * the view is dropped afterwards, so that memory holds one view per worker plus the cut ones. */
static kz_rc vuln_decide(worker *w, size_t v)
{
    run *r = w->r;
    vuln_entry e = {0};
    size_t k0 = w->f.n;
    json_t *cut;
    kz_rc rc;

    rc = kz_vuln_get_x(w->s, r->ids.v[v], false, &e.view, &w->err);
    if (rc == KZ_ENOTFOUND)
        return KZ_OK; /* removed since its key was read: never a finding */
    if (rc != KZ_OK)
        return rc;
    e.score = view_score(e.view);
    e.exploited = json_is_true(json_object_get(json_object_get(e.view, "exploited"), "known"));
    if ((rc = affs_build(&e)) != KZ_OK)
        goto nomem;
    for (size_t i = r->first[v]; i < r->first[v + 1]; i++) {
        comp_info_init(w->ci, kz_inventory_get(r->inv, r->comps[i]));
        if ((rc = decide(w->ci, r->comps[i], &e, w->scratch, &w->f)) != KZ_OK)
            goto nomem;
    }
    if (w->f.n > k0) {
        if ((cut = cut_view(e.view, &w->f.f[k0], w->f.n - k0)) == NULL) {
            rc = KZ_ENOMEM;
            goto nomem;
        }
        for (size_t i = k0; i < w->f.n; i++)
            w->f.f[i].vuln = json_incref(cut);
        json_decref(cut);
    }
    affs_free(e.affs, e.n_affs);
    json_decref(e.view);
    return KZ_OK;
nomem:
    affs_free(e.affs, e.n_affs);
    json_decref(e.view);
    return kz_fail(&w->err, rc, "out of memory matching");
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    kz_err ignored;
    /* One snapshot for the whole run rather than a lock and a file check per read; the first
     * worker's handle is in phase 1's already. */
    bool snap = w->s != r->s && kz_store_read_begin(w->s, &ignored) == KZ_OK;

    if (w->s != r->s) /* a thread of its own: its own heap (the first's is the caller's) */
        kz_heap_prepare(WORKER_HEAP);
    for (;;) {
        size_t v = atomic_fetch_add(&r->next, 1);
        if (v >= r->ids.n || atomic_load(&r->stop))
            break;
        if ((w->rc = vuln_decide(w, v)) != KZ_OK) {
            atomic_store(&r->stop, true);
            break;
        }
    }
    if (snap)
        kz_store_read_end(w->s);
    return NULL;
}

/* Groups the candidate pairs by vulnerability (components in inventory order): first, comps. */
static kz_rc group_pairs(run *r)
{
    size_t nv = r->ids.n;

    if ((r->first = calloc(nv + 1, sizeof *r->first)) == NULL ||
        (r->comps = malloc((r->n_pairs ? r->n_pairs : 1) * sizeof *r->comps)) == NULL)
        return kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
    for (size_t i = 0; i < r->n_pairs; i++)
        r->first[r->pairs[i].vuln + 1]++;
    for (size_t v = 0; v < nv; v++)
        r->first[v + 1] += r->first[v];
    for (size_t i = 0; i < r->n_pairs; i++) /* stamp: where v's next component goes */
        r->stamp[r->pairs[i].vuln] = 0;
    for (size_t i = 0; i < r->n_pairs; i++) {
        size_t v = r->pairs[i].vuln;
        r->comps[r->first[v] + r->stamp[v]++] = r->pairs[i].comp;
    }
    return KZ_OK;
}

/* Runs the workers: this thread with s, and threads - 1 more (0: as many as there are cores,
 * when there is enough to share; at most WORKERS_MAX in all), each with its own store handle.
 * Their findings are moved into out. */
static kz_rc run_workers(run *r, size_t threads, kz_findings *out)
{
    worker w[WORKERS_MAX] = {{0}};
    pthread_t tid[WORKERS_MAX];
    bool started[WORKERS_MAX] = {false};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = threads;
    kz_rc rc = KZ_OK;

    if (n == 0) /* automatic: every core, when there is enough to share */
        n = r->ids.n < WORKERS_MIN_VULNS || cpus < 2 ? 1 : (size_t)cpus;
    if (n > WORKERS_MAX)
        n = WORKERS_MAX;

    for (size_t i = 0; i < n; i++) {
        w[i].r = r;
        w[i].s = r->s;
        if ((w[i].ci = malloc(sizeof *w[i].ci)) == NULL ||
            (w[i].scratch = malloc(sizeof *w[i].scratch)) == NULL) {
            rc = kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
            atomic_store(&r->stop, true); /* the workers started stop at their next step */
            n = i + 1;
            goto out;
        }
        /* A worker without a handle of its own (or a thread) is simply not started: the
         * others share its part. */
        if (i > 0 && (kz_store_dup(r->s, &w[i].s, &w[i].err) != KZ_OK ||
                      pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0))
            continue;
        started[i] = i > 0;
    }
    worker_main(&w[0]);
out:
    for (size_t i = 0; i < n; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        if (rc == KZ_OK && w[i].rc != KZ_OK) {
            rc = w[i].rc;
            *r->err = w[i].err;
        }
        if (i > 0 && w[i].s != r->s)
            kz_store_free(w[i].s);
        free(w[i].ci);
        free(w[i].scratch);
    }
    for (size_t i = 0; i < n; i++) { /* the findings into one list (freed from there) */
        if (rc == KZ_OK && w[i].f.n > 0 && out->cap - out->n < w[i].f.n) {
            size_t cap = out->n + w[i].f.n;
            kz_finding *g = realloc(out->f, cap * sizeof *g);
            if (g == NULL)
                rc = kz_fail(r->err, KZ_ENOMEM, "out of memory matching");
            else
                out->f = g, out->cap = cap;
        }
        if (rc == KZ_OK) {
            if (w[i].f.n > 0) /* memcpy wants valid pointers even for no bytes */
                memcpy(out->f + out->n, w[i].f.f, w[i].f.n * sizeof *w[i].f.f);
            out->n += w[i].f.n;
            free(w[i].f.f);
        } else {
            findings_clear(&w[i].f);
        }
    }
    return rc;
}

kz_rc kz_vuln_match(kz_store *s, const kz_inventory *inv, kz_findings **out, kz_err *err)
{
    return kz_vuln_match_threads(s, inv, 0, out, err);
}

kz_rc kz_vuln_match_threads(kz_store *s, const kz_inventory *inv, size_t threads,
                            kz_findings **out, kz_err *err)
{
    kz_findings *f = calloc(1, sizeof *f);
    comp_info *ci = malloc(sizeof *ci);
    run r = {.s = s, .inv = inv, .err = err};
    char keys[COMP_KEYS_MAX][KEY_BYTES];
    kz_err ignored;
    bool snap = false;
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    atomic_init(&r.next, 0);
    atomic_init(&r.stop, false);
    if (f == NULL || ci == NULL) {
        kz_fail(err, rc, "out of memory matching");
        goto out;
    }
    /* Phase 1: each component's keys, looked up once per distinct key; the candidate pairs.
     * (A caller's open batch means no snapshot of our own: the reads then simply lock each.) */
    snap = kz_store_read_begin(s, &ignored) == KZ_OK;
    for (size_t c = 0; c < kz_inventory_count(inv); c++) {
        size_t nk;
        comp_info_init(ci, kz_inventory_get(inv, c));
        nk = comp_keys(ci, keys);
        for (size_t k = 0; k < nk; k++) {
            const key_entry *ke = NULL;
            if ((rc = key_lookup(&r, keys[k], &ke)) != KZ_OK)
                goto out;
            for (size_t j = 0; j < ke->n; j++) {
                if (r.stamp[ke->v[j]] == c + 1)
                    continue; /* already a candidate of this component */
                r.stamp[ke->v[j]] = c + 1;
                if ((rc = pair_add(&r, c, ke->v[j])) != KZ_OK)
                    goto out;
            }
        }
    }
    /* Phase 2: each candidate vulnerability read and decided once, on every core. */
    if ((rc = group_pairs(&r)) != KZ_OK || (rc = run_workers(&r, threads, f)) != KZ_OK)
        goto out;
    if (f->n > 0) /* qsort wants a valid pointer even for no elements */
        qsort(f->f, f->n, sizeof *f->f, finding_cmp);
    *out = f;
    f = NULL;
    rc = KZ_OK;
out:
    if (snap)
        kz_store_read_end(s);
    run_free(&r);
    kz_findings_free(f);
    free(ci);
    return rc;
}
