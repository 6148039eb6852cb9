/*
 * record.c - the vulnerability record (vuln.h): the check that a record has its shape, names
 * normalised for matching, and the keys a record is found under.
 *
 * The check is strict on purpose: every importer's tests run every record through it, so a key
 * spelled wrong or a value of the wrong type fails a test instead of silently not matching.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/cpe.h"
#include "kizuna/purl.h"
#include "kizuna/vuln.h"
#include "vuln_int.h"

/* ---- shape ---------------------------------------------------------------------------------- */

/* Fails unless every key of obj is one of the NULL-terminated list. */
static kz_rc only_keys(const json_t *obj, const char *const *keys, const char *where, kz_err *err)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        size_t i;
        (void)v;
        for (i = 0; keys[i] != NULL && strcmp(keys[i], key) != 0; i++)
            ;
        if (keys[i] == NULL)
            return kz_fail(err, KZ_EINVAL, "%s: unexpected key \"%s\"", where, key);
    }
    return KZ_OK;
}

static kz_rc need_string(const json_t *obj, const char *key, bool required, const char *where,
                         kz_err *err)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        return required ? kz_fail(err, KZ_EINVAL, "%s: \"%s\" is missing", where, key) : KZ_OK;
    if (!json_is_string(v))
        return kz_fail(err, KZ_EINVAL, "%s.%s: expected a string", where, key);
    if (required && json_string_length(v) == 0)
        return kz_fail(err, KZ_EINVAL, "%s.%s: must not be empty", where, key);
    return KZ_OK;
}

static kz_rc need_time(const json_t *obj, const char *key, bool required, const char *where,
                       kz_err *err)
{
    const json_t *v = json_object_get(obj, key);
    kz_time t;
    kz_rc rc;

    if ((rc = need_string(obj, key, required, where, err)) != KZ_OK || v == NULL)
        return rc;
    if (kz_time_parse(kz_sv_c(json_string_value(v)), &t, err) != KZ_OK)
        return kz_fail(err, KZ_EINVAL, "%s.%s: \"%.40s\" is not an RFC 3339 UTC timestamp", where,
                       key, json_string_value(v));
    return KZ_OK;
}

static bool one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; s != NULL && list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static kz_rc need_enum(const json_t *obj, const char *key, const char *const *values,
                       bool required, const char *where, kz_err *err)
{
    kz_rc rc;

    if ((rc = need_string(obj, key, required, where, err)) != KZ_OK)
        return rc;
    if (json_object_get(obj, key) != NULL &&
        !one_of(json_string_value(json_object_get(obj, key)), values))
        return kz_fail(err, KZ_EINVAL, "%s.%s: \"%.40s\" is not one of the allowed values", where,
                       key, json_string_value(json_object_get(obj, key)));
    return KZ_OK;
}

/* An array (optional unless required) of strings. */
static kz_rc need_strings(const json_t *obj, const char *key, bool required, const char *where,
                          kz_err *err)
{
    const json_t *a = json_object_get(obj, key), *v;
    size_t i;

    if (a == NULL)
        return required ? kz_fail(err, KZ_EINVAL, "%s: \"%s\" is missing", where, key) : KZ_OK;
    if (!json_is_array(a))
        return kz_fail(err, KZ_EINVAL, "%s.%s: expected an array of strings", where, key);
    json_array_foreach(a, i, v) {
        if (!json_is_string(v))
            return kz_fail(err, KZ_EINVAL, "%s.%s[%zu]: expected a string", where, key, i);
    }
    return KZ_OK;
}

/* An optional array of objects, each checked by fn. */
static kz_rc each_object(const json_t *rec, const char *key,
                         kz_rc (*fn)(const json_t *o, const char *where, kz_err *err),
                         kz_err *err)
{
    const json_t *a = json_object_get(rec, key), *o;
    char where[64];
    size_t i;
    kz_rc rc;

    if (a == NULL)
        return KZ_OK;
    if (!json_is_array(a))
        return kz_fail(err, KZ_EINVAL, "%s: expected an array", key);
    json_array_foreach(a, i, o) {
        snprintf(where, sizeof where, "%s[%zu]", key, i);
        if (!json_is_object(o))
            return kz_fail(err, KZ_EINVAL, "%s: expected an object", where);
        if ((rc = fn(o, where, err)) != KZ_OK)
            return rc;
    }
    return KZ_OK;
}

static kz_rc check_source(const json_t *o, kz_err *err)
{
    static const char *const keys[] = {"kind", "document", "revision", "publisher",
                                       "url",  "file",     NULL};
    static const char *const kinds[] = {"csaf", "cve5", "kev", "osv", "jvn", NULL};
    kz_rc rc;

    if (!json_is_object(o))
        return kz_fail(err, KZ_EINVAL, "source: expected an object");
    if ((rc = only_keys(o, keys, "source", err)) != KZ_OK ||
        (rc = need_enum(o, "kind", kinds, true, "source", err)) != KZ_OK ||
        (rc = need_string(o, "document", true, "source", err)) != KZ_OK ||
        (rc = need_time(o, "revision", true, "source", err)) != KZ_OK ||
        (rc = need_string(o, "publisher", false, "source", err)) != KZ_OK ||
        (rc = need_string(o, "url", false, "source", err)) != KZ_OK)
        return rc;
    return need_string(o, "file", false, "source", err);
}

static kz_rc check_text(const json_t *text, kz_err *err)
{
    static const char *const keys[] = {"title", "description", NULL};
    const char *lang;
    json_t *t;
    char where[32];
    kz_rc rc;

    if (!json_is_object(text))
        return kz_fail(err, KZ_EINVAL, "text: expected an object of languages");
    json_object_foreach((json_t *)text, lang, t) {
        snprintf(where, sizeof where, "text.%.8s", lang);
        if (strcmp(lang, "en") != 0 && strcmp(lang, "ja") != 0)
            return kz_fail(err, KZ_EINVAL, "text: language \"%.20s\" (expected en or ja)", lang);
        if (!json_is_object(t))
            return kz_fail(err, KZ_EINVAL, "%s: expected an object", where);
        if ((rc = only_keys(t, keys, where, err)) != KZ_OK ||
            (rc = need_string(t, "title", false, where, err)) != KZ_OK ||
            (rc = need_string(t, "description", false, where, err)) != KZ_OK)
            return rc;
    }
    return KZ_OK;
}

static kz_rc check_cwe(const json_t *o, const char *where, kz_err *err)
{
    static const char *const keys[] = {"id", "name", NULL};
    const char *id;
    kz_rc rc;

    if ((rc = only_keys(o, keys, where, err)) != KZ_OK ||
        (rc = need_string(o, "id", true, where, err)) != KZ_OK ||
        (rc = need_string(o, "name", false, where, err)) != KZ_OK)
        return rc;
    id = json_string_value(json_object_get(o, "id"));
    if (strncmp(id, "CWE-", 4) != 0 && strncmp(id, "NVD-CWE-", 8) != 0)
        return kz_fail(err, KZ_EINVAL, "%s.id: \"%.40s\" is not a CWE id (CWE-<n>)", where, id);
    return KZ_OK;
}

static kz_rc check_score(const json_t *o, const char *where, kz_err *err)
{
    static const char *const keys[] = {"version", "vector",   "base_score", "published_score",
                                       "severity", "source", "problem",    NULL};
    static const char *const versions[] = {"2.0", "3.0", "3.1", "4.0", NULL};
    const json_t *base = json_object_get(o, "base_score"), *pub;
    kz_rc rc;

    if ((rc = only_keys(o, keys, where, err)) != KZ_OK ||
        (rc = need_enum(o, "version", versions, true, where, err)) != KZ_OK ||
        (rc = need_string(o, "vector", true, where, err)) != KZ_OK ||
        (rc = need_string(o, "severity", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "source", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "problem", false, where, err)) != KZ_OK)
        return rc;
    if (base == NULL || !(json_is_number(base) || json_is_null(base)))
        return kz_fail(err, KZ_EINVAL, "%s.base_score: expected a number or null", where);
    if (json_is_null(base) && json_object_get(o, "problem") == NULL)
        return kz_fail(err, KZ_EINVAL, "%s: base_score is null without a \"problem\"", where);
    pub = json_object_get(o, "published_score");
    if (pub != NULL && !json_is_number(pub))
        return kz_fail(err, KZ_EINVAL, "%s.published_score: expected a number", where);
    return KZ_OK;
}

static kz_rc check_affected(const json_t *o, const char *where, kz_err *err)
{
    static const char *const keys[] = {"vendor", "product", "cpe", "purl", "versions",
                                       "status", "fixed",   "ref", NULL};
    static const char *const statuses[] = {"affected", "not_affected", "fixed",
                                           "under_investigation", NULL};
    kz_rc rc;

    if ((rc = only_keys(o, keys, where, err)) != KZ_OK ||
        (rc = need_string(o, "vendor", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "product", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "cpe", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "purl", false, where, err)) != KZ_OK ||
        (rc = need_strings(o, "versions", true, where, err)) != KZ_OK ||
        (rc = need_enum(o, "status", statuses, true, where, err)) != KZ_OK ||
        (rc = need_string(o, "fixed", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "ref", false, where, err)) != KZ_OK)
        return rc;
    if (json_object_get(o, "product") == NULL && json_object_get(o, "cpe") == NULL &&
        json_object_get(o, "purl") == NULL)
        return kz_fail(err, KZ_EINVAL, "%s: names no product (product, cpe or purl)", where);
    return KZ_OK;
}

static kz_rc check_remediation(const json_t *o, const char *where, kz_err *err)
{
    static const char *const keys[] = {"category", "text", "lang", "url", "fixed", "refs", NULL};
    static const char *const categories[] = {"vendor_fix", "mitigation", "workaround",
                                             "none_available", "no_fix_planned", NULL};
    kz_rc rc;

    if ((rc = only_keys(o, keys, where, err)) != KZ_OK ||
        (rc = need_enum(o, "category", categories, true, where, err)) != KZ_OK ||
        (rc = need_string(o, "text", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "lang", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "url", false, where, err)) != KZ_OK ||
        (rc = need_string(o, "fixed", false, where, err)) != KZ_OK)
        return rc;
    return need_strings(o, "refs", false, where, err);
}

static kz_rc check_reference(const json_t *o, const char *where, kz_err *err)
{
    static const char *const keys[] = {"url", "summary", NULL};
    kz_rc rc;

    if ((rc = only_keys(o, keys, where, err)) != KZ_OK ||
        (rc = need_string(o, "url", true, where, err)) != KZ_OK)
        return rc;
    return need_string(o, "summary", false, where, err);
}

static kz_rc check_exploited(const json_t *o, kz_err *err)
{
    static const char *const keys[] = {"known",     "source",     "date_added",
                                       "due_date",  "ransomware", "required_action", NULL};
    kz_rc rc;

    if (!json_is_object(o))
        return kz_fail(err, KZ_EINVAL, "exploited: expected an object");
    if ((rc = only_keys(o, keys, "exploited", err)) != KZ_OK)
        return rc;
    if (!json_is_boolean(json_object_get(o, "known")))
        return kz_fail(err, KZ_EINVAL, "exploited.known: expected true or false");
    if ((rc = need_string(o, "source", false, "exploited", err)) != KZ_OK ||
        (rc = need_string(o, "date_added", false, "exploited", err)) != KZ_OK ||
        (rc = need_string(o, "due_date", false, "exploited", err)) != KZ_OK ||
        (rc = need_string(o, "ransomware", false, "exploited", err)) != KZ_OK)
        return rc;
    return need_string(o, "required_action", false, "exploited", err);
}

kz_rc kz_vuln_record_check(const json_t *rec, kz_err *err)
{
    static const char *const keys[] = {"id",    "aliases", "source",       "published",
                                       "modified", "text", "cwes",         "scores",
                                       "affected", "remediations",  "references",
                                       "exploited", NULL};
    const json_t *aliases, *v;
    const char *id;
    bool has_id = false;
    size_t i;
    kz_rc rc;

    if (!json_is_object(rec))
        return kz_fail(err, KZ_EINVAL, "a record is a JSON object");
    if ((rc = only_keys(rec, keys, "record", err)) != KZ_OK ||
        (rc = need_string(rec, "id", true, "record", err)) != KZ_OK ||
        (rc = need_strings(rec, "aliases", true, "record", err)) != KZ_OK)
        return rc;
    id = json_string_value(json_object_get(rec, "id"));
    aliases = json_object_get(rec, "aliases");
    json_array_foreach(aliases, i, v) {
        const char *a = json_string_value(v);
        if (a[0] == '\0')
            return kz_fail(err, KZ_EINVAL, "aliases[%zu]: must not be empty", i);
        has_id |= strcmp(a, id) == 0;
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_array_get(aliases, k)), a) == 0)
                return kz_fail(err, KZ_EINVAL, "aliases[%zu]: \"%.60s\" is repeated", i, a);
    }
    if (!has_id)
        return kz_fail(err, KZ_EINVAL, "aliases: must include the id \"%.60s\"", id);
    if ((rc = check_source(json_object_get(rec, "source"), err)) != KZ_OK ||
        (rc = need_time(rec, "published", false, "record", err)) != KZ_OK ||
        (rc = need_time(rec, "modified", false, "record", err)) != KZ_OK)
        return rc;
    if (json_object_get(rec, "text") != NULL &&
        (rc = check_text(json_object_get(rec, "text"), err)) != KZ_OK)
        return rc;
    if ((rc = each_object(rec, "cwes", check_cwe, err)) != KZ_OK ||
        (rc = each_object(rec, "scores", check_score, err)) != KZ_OK ||
        (rc = each_object(rec, "affected", check_affected, err)) != KZ_OK ||
        (rc = each_object(rec, "remediations", check_remediation, err)) != KZ_OK ||
        (rc = each_object(rec, "references", check_reference, err)) != KZ_OK)
        return rc;
    if (json_object_get(rec, "exploited") != NULL &&
        (rc = check_exploited(json_object_get(rec, "exploited"), err)) != KZ_OK)
        return rc;
    return KZ_OK;
}

/* ---- names and keys ------------------------------------------------------------------------- */

size_t kz_vuln_norm_name(const char *name, char *out, size_t cap)
{
    size_t o = 0;

    if (cap == 0)
        return 0;
    for (const char *p = name; p != NULL && *p != '\0' && o + 1 < cap; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
            c == '_' || c == '-')
            continue;
        out[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[o] = '\0';
    return o;
}

#define KEYS_MAX 256 /* distinct keys per record; more are dropped (a record that big is odd) */
#define KEY_BYTES 300

typedef struct {
    char key[KEYS_MAX][KEY_BYTES];
    size_t n;
} key_set;

/* Adds "prefix" + a + (sep + b) unless already there or empty. */
static void add_key(key_set *ks, const char *prefix, const char *a, const char *sep,
                    const char *b)
{
    char k[KEY_BYTES];
    int n;

    if (a == NULL || a[0] == '\0' || (sep != NULL && (b == NULL || b[0] == '\0')))
        return;
    n = snprintf(k, sizeof k, "%s%s%s%s", prefix, a, sep ? sep : "", sep ? b : "");
    if (n < 0 || (size_t)n >= sizeof k)
        return; /* too long to be a useful key */
    for (size_t i = 0; i < ks->n; i++)
        if (strcmp(ks->key[i], k) == 0)
            return;
    if (ks->n < KEYS_MAX)
        memcpy(ks->key[ks->n++], k, (size_t)n + 1);
}

/* True when s is a CVE id (vuln_int.h). */
bool kz_vuln_is_cve(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0, i;

    if (n < 13 || strncmp(s, "CVE-", 4) != 0 || s[8] != '-')
        return false;
    for (i = 4; i < n; i++)
        if (i != 8 && (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

/* The lower-case text of a CPE attribute, "" for ANY/NA: the form CPE keys are indexed in
 * (vuln_int.h; match.c looks keys up with it too). */
void kz_vuln_cpe_lower(const kz_cpe *c, kz_cpe_attr a, char *out, size_t cap)
{
    kz_sv v;
    size_t i;

    out[0] = '\0';
    if (kz_cpe_get(c, a, &v) != KZ_CPE_VALUE)
        return;
    for (i = 0; i < v.n && i + 1 < cap; i++)
        out[i] = (char)(v.p[i] >= 'A' && v.p[i] <= 'Z' ? v.p[i] - 'A' + 'a' : v.p[i]);
    out[i] = '\0';
}

static void affected_keys(key_set *ks, const json_t *aff)
{
    const char *vendor = json_string_value(json_object_get(aff, "vendor"));
    const char *product = json_string_value(json_object_get(aff, "product"));
    const char *cpe = json_string_value(json_object_get(aff, "cpe"));
    const char *purl = json_string_value(json_object_get(aff, "purl"));
    char v[128], p[128];
    kz_err ignored;

    kz_vuln_norm_name(vendor, v, sizeof v);
    kz_vuln_norm_name(product, p, sizeof p);
    add_key(ks, "vp:", v, "|", p);
    add_key(ks, "v:", v, NULL, NULL);
    add_key(ks, "p:", p, NULL, NULL);
    if (cpe != NULL) {
        kz_cpe c;
        if (kz_cpe_parse(kz_sv_c(cpe), &c, &ignored) == KZ_OK) {
            kz_vuln_cpe_lower(&c, KZ_CPE_VENDOR, v, sizeof v);
            kz_vuln_cpe_lower(&c, KZ_CPE_PRODUCT, p, sizeof p);
            add_key(ks, "cpe:", v, ":", p);
        }
    }
    if (purl != NULL) {
        kz_purl u;
        if (kz_purl_parse(kz_sv_c(purl), &u, &ignored) == KZ_OK) {
            char k[KEY_BYTES];
            kz_sv t = kz_purl_type(&u), ns = kz_purl_namespace(&u), name = kz_purl_name(&u);
            int n = snprintf(k, sizeof k, "%.*s/%.*s/%.*s", (int)t.n, t.p, (int)ns.n, ns.p,
                             (int)name.n, name.p);
            if (n > 0 && (size_t)n < sizeof k)
                add_key(ks, "purl:", k, NULL, NULL);
        }
    }
}

kz_rc kz_vuln_record_keys(const json_t *rec, kz_rc (*fn)(void *ctx, const char *key), void *ctx,
                          kz_err *err)
{
    const json_t *aff = json_object_get(rec, "affected"), *a;
    key_set *ks = calloc(1, sizeof *ks);
    size_t i;
    kz_rc rc = KZ_OK;

    if (ks == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory listing a record's keys");
    json_array_foreach(aff, i, a) {
        if (json_is_object(a))
            affected_keys(ks, a);
    }
    for (i = 0; i < ks->n && rc == KZ_OK; i++)
        rc = fn(ctx, ks->key[i]);
    free(ks);
    return rc;
}

bool kz_vuln_rem_applies(const json_t *rem, const json_t *aff)
{
    const json_t *refs = json_object_get(rem, "refs"), *r;
    const char *ref = json_string_value(json_object_get(aff, "ref"));
    size_t i;

    if (json_array_size(refs) == 0)
        return true;
    if (ref == NULL)
        return false;
    json_array_foreach(refs, i, r) {
        if (json_is_string(r) && strcmp(json_string_value(r), ref) == 0)
            return true;
    }
    return false;
}

/* A string member that is there and not empty, else NULL. */
static const char *nonempty(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

const json_t *kz_vuln_remediation(const json_t *view, const json_t *aff, const char *lang)
{
    static const char *const order[] = {"vendor_fix", "mitigation", "workaround",
                                        "no_fix_planned", "none_available"};
    const json_t *rem, *first;
    size_t i;

    for (int k = 0; k < 5; k++) {
        first = NULL;
        json_array_foreach(json_object_get(view, "remediations"), i, rem) {
            const char *cat = nonempty(rem, "category"), *l = nonempty(rem, "lang");
            if (cat == NULL || strcmp(cat, order[k]) != 0 || !kz_vuln_rem_applies(rem, aff) ||
                (nonempty(rem, "text") == NULL && nonempty(rem, "url") == NULL))
                continue;
            if (l != NULL && strcmp(l, lang) == 0)
                return rem;
            if (first == NULL)
                first = rem;
        }
        if (first != NULL)
            return first;
    }
    return NULL;
}
