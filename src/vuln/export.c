/*
 * export.c - the knowledge base as STIX 2.1 (kz_vuln_export_stix): one vulnerability object per
 * vulnerability, one course-of-action per distinct remediation text with a `mitigates`
 * relationship to it, all marked TLP:CLEAR (TLP 2.0), the marking-definition itself first.
 *
 * Every id is a UUIDv5 in the Kizuna vulnerability namespace (KZ_VULN_NS below) of a name made
 * from the vulnerability id (and the remediation text, for courses of action), and timestamps
 * come from the records, never from the clock: exporting the same knowledge base twice gives
 * byte-identical objects, so that a consumer sees re-exports as unchanged versions.
 */
#include <stdlib.h>
#include <string.h>

#include "kizuna/vuln.h"
#include "vuln_int.h"

/*
 * The namespace of Kizuna's vulnerability-export ids. Fixed forever: changing it would give
 * every exported object a new identity. Names in it:
 *   vulnerability--  "vulnerability\n" + vulnerability id
 *   course-of-action "course-of-action\n" + vulnerability id + "\n" + remediation text
 *   relationship--   "mitigates\n" + course-of-action id + "\n" + vulnerability object id
 */
#define KZ_VULN_NS "1b0c6c52-5a3e-4c55-9f0e-6b697a756e61"

/* TLP:CLEAR as the TLP 2.0 STIX extension (oasis-open/cti-stix-common-objects,
 * extension-definition-specifications/tlp-2.0) defines it, byte for byte in content. */
#define TLP_CLEAR_ID "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
#define TLP2_EXT_ID "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/* When no source has a usable timestamp at all (cannot happen with checked records, whose
 * revision is required): a fixed value rather than the clock, to stay deterministic. */
#define FALLBACK_TIME "1970-01-01T00:00:00.000Z"

/* True when id is in the list (lists here are one vulnerability's, so short). */
static bool id_list_has(const kz_strlist *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], id) == 0)
            return true;
    return false;
}

/* "type--" + UUIDv5 of name into out. */
static kz_rc make_id(const char *type, const char *name, char *out, size_t cap)
{
    char uuid[KZ_UUID_STR];
    kz_rc rc;

    if ((rc = kz_uuid5(KZ_VULN_NS, name, strlen(name), uuid)) != KZ_OK)
        return rc;
    snprintf(out, cap, "%s--%s", type, uuid);
    return KZ_OK;
}

/* Builds "a\nb[\nc]" in a new string. */
static char *join(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + (c ? strlen(c) : 0) + 3;
    char *s = malloc(n);

    if (s != NULL)
        snprintf(s, n, "%s\n%s%s%s", a, b, c ? "\n" : "", c ? c : "");
    return s;
}

/* ---- the objects ---------------------------------------------------------------------------- */

/* The TLP:CLEAR marking-definition object (a new reference, NULL when out of memory). */
static json_t *tlp_clear(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "type", "marking-definition",
                     "spec_version", "2.1", "id", TLP_CLEAR_ID, "created",
                     "2022-10-01T00:00:00.000Z", "name", "TLP:CLEAR", "extensions", TLP2_EXT_ID,
                     "extension_type", "property-extension", "tlp_2_0", "clear");
}

/* JVNDB-YYYY-NNNNNN: the year, for the entry's URL; 0 when s is not of that form. */
static int jvndb_year(const char *s)
{
    int y = 0;

    if (strncmp(s, "JVNDB-", 6) != 0 || strlen(s) < 12 || s[10] != '-')
        return 0;
    for (int i = 6; i < 10; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        y = y * 10 + (s[i] - '0');
    }
    for (const char *p = s + 11; *p != '\0'; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return y;
}

/* Appends an external reference (ext_id and url may be NULL). */
static kz_rc add_ref(json_t *refs, const char *source, const char *ext_id, const char *url)
{
    json_t *r = json_object();

    if (r == NULL || json_object_set_new(r, "source_name", json_string(source)) != 0 ||
        (ext_id != NULL && json_object_set_new(r, "external_id", json_string(ext_id)) != 0) ||
        (url != NULL && json_object_set_new(r, "url", json_string(url)) != 0)) {
        json_decref(r);
        return KZ_ENOMEM;
    }
    return json_array_append_new(refs, r) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* CVE and JVNDB aliases, then each CSAF advisory (once per document). */
static kz_rc external_refs(const json_t *view, json_t *refs)
{
    const json_t *v;
    kz_strlist docs = {0};
    kz_rc rc = KZ_OK;
    size_t i;

    json_array_foreach(json_object_get(view, "aliases"), i, v) {
        const char *a = json_string_value(v);
        int year;
        char url[160];
        if (a == NULL)
            continue;
        if (kz_vuln_is_cve(a)) {
            rc = add_ref(refs, "cve", a, NULL);
        } else if ((year = jvndb_year(a)) != 0 && strlen(a) < 64) {
            snprintf(url, sizeof url, "https://jvndb.jvn.jp/en/contents/%d/%s.html", year, a);
            rc = add_ref(refs, "jvndb", a, url);
        }
        if (rc != KZ_OK)
            goto out;
    }
    json_array_foreach(json_object_get(view, "sources"), i, v) {
        const char *kind = json_string_value(json_object_get(v, "kind"));
        const char *doc = json_string_value(json_object_get(v, "document"));
        const char *pub = json_string_value(json_object_get(v, "publisher"));
        const char *url = json_string_value(json_object_get(v, "url"));
        if (kind == NULL || strcmp(kind, "csaf") != 0 || doc == NULL || id_list_has(&docs, doc))
            continue;
        if ((rc = kz_strlist_add(&docs, doc)) != KZ_OK ||
            (rc = add_ref(refs, pub && *pub ? pub : "csaf", doc, url && *url ? url : NULL)) !=
                KZ_OK)
            goto out;
    }
out:
    kz_strlist_free(&docs);
    return rc;
}

/* created and modified: published / modified, else the earliest / latest source revision;
 * millisecond precision as STIX wants; modified never before created. */
static void timestamps(const json_t *view, char created[KZ_TIME_MAX], char modified[KZ_TIME_MAX])
{
    kz_time c = {0}, m = {0}, t;
    bool have_c = false, have_m = false;
    const json_t *v;
    kz_err ignored;
    size_t i;

    if (kz_time_parse(kz_sv_c(json_string_value(json_object_get(view, "published"))), &t,
                      &ignored) == KZ_OK)
        c = t, have_c = true;
    if (kz_time_parse(kz_sv_c(json_string_value(json_object_get(view, "modified"))), &t,
                      &ignored) == KZ_OK)
        m = t, have_m = true;
    json_array_foreach(json_object_get(view, "sources"), i, v) {
        const json_t *r = json_object_get(v, "revision");
        if (!json_is_string(r) ||
            kz_time_parse(kz_sv_c(json_string_value(r)), &t, &ignored) != KZ_OK)
            continue;
        if (!json_object_get(view, "published") && (!have_c || kz_time_cmp(&t, &c) < 0))
            c = t, have_c = true;
        if (!json_object_get(view, "modified") && (!have_m || kz_time_cmp(&t, &m) > 0))
            m = t, have_m = true;
    }
    if (!have_c && !have_m) {
        snprintf(created, KZ_TIME_MAX, "%s", FALLBACK_TIME);
        snprintf(modified, KZ_TIME_MAX, "%s", FALLBACK_TIME);
        return;
    }
    if (!have_c)
        c = m;
    if (!have_m || kz_time_cmp(&m, &c) < 0)
        m = c;
    /* Millisecond precision: truncate both the same way, so the order stays. */
    c.nsec -= c.nsec % 1000000;
    m.nsec -= m.nsec % 1000000;
    kz_time_format(&c, 3, created);
    kz_time_format(&m, 3, modified);
}

/* The common properties every exported object has. */
static json_t *base(const char *type, const char *id, const char *created, const char *modified)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "type", type, "spec_version", "2.1",
                     "id", id, "created", created, "modified", modified, "object_marking_refs",
                     TLP_CLEAR_ID);
}

typedef struct {
    kz_rc (*fn)(void *ctx, const json_t *obj);
    void *ctx;
    kz_err *err;
} emit_ctx;

/* Hands obj to the caller's fn and drops it. */
static kz_rc emit(emit_ctx *e, json_t *obj)
{
    kz_rc rc;

    if (obj == NULL)
        return kz_fail(e->err, KZ_ENOMEM, "out of memory exporting vulnerabilities");
    rc = e->fn(e->ctx, obj);
    json_decref(obj);
    return rc;
}

/* The courses of action of one vulnerability, and their relationships to it. */
static kz_rc export_remediations(emit_ctx *e, const json_t *view, const char *vid,
                                 const char *vuln_obj, const char *created, const char *modified)
{
    char coa_id[96], rel_id[96];
    kz_strlist done = {0};
    const json_t *r;
    kz_rc rc = KZ_OK;
    size_t i;

    json_array_foreach(json_object_get(view, "remediations"), i, r) {
        const char *text = json_string_value(json_object_get(r, "text"));
        const char *cat = json_string_value(json_object_get(r, "category"));
        char *name = NULL, *rel_name = NULL;
        json_t *coa = NULL, *rel = NULL;
        if (text == NULL || *text == '\0')
            continue;
        if ((name = join("course-of-action", vid, text)) == NULL) {
            rc = kz_fail(e->err, KZ_ENOMEM, "out of memory exporting vulnerabilities");
            goto out;
        }
        rc = make_id("course-of-action", name, coa_id, sizeof coa_id);
        free(name);
        if (rc != KZ_OK)
            goto fail;
        if (id_list_has(&done, coa_id))
            continue; /* the same text for other products: one course of action */
        if ((rc = kz_strlist_add(&done, coa_id)) != KZ_OK)
            goto fail;
        if ((rel_name = join("mitigates", coa_id, vuln_obj)) == NULL) {
            rc = KZ_ENOMEM;
            goto fail;
        }
        rc = make_id("relationship", rel_name, rel_id, sizeof rel_id);
        free(rel_name);
        if (rc != KZ_OK)
            goto fail;
        if ((coa = base("course-of-action", coa_id, created, modified)) != NULL) {
            size_t n = strlen(cat ? cat : "remediation") + strlen(vid) + 6;
            char *title = malloc(n);
            if (title == NULL || (snprintf(title, n, "%s for %s", cat ? cat : "remediation", vid),
                                  json_object_set_new(coa, "name", json_string(title))) != 0 ||
                json_object_set_new(coa, "description", json_string(text)) != 0) {
                json_decref(coa);
                coa = NULL;
            }
            free(title);
        }
        if ((rc = emit(e, coa)) != KZ_OK)
            goto out;
        rel = base("relationship", rel_id, created, modified);
        if (rel != NULL &&
            (json_object_set_new(rel, "relationship_type", json_string("mitigates")) != 0 ||
             json_object_set_new(rel, "source_ref", json_string(coa_id)) != 0 ||
             json_object_set_new(rel, "target_ref", json_string(vuln_obj)) != 0)) {
            json_decref(rel);
            rel = NULL;
        }
        if ((rc = emit(e, rel)) != KZ_OK)
            goto out;
    }
    goto out;
fail:
    if (rc == KZ_ENOMEM)
        rc = kz_fail(e->err, KZ_ENOMEM, "out of memory exporting vulnerabilities");
    else
        rc = kz_fail(e->err, rc, "%s: cannot make an id", vid);
out:
    kz_strlist_free(&done);
    return rc;
}

/* ---- one vulnerability ---------------------------------------------------------------------- */

typedef struct {
    const char *vid;
    json_t **recs;
    size_t n, cap;
    kz_err *err;
} recs_ctx;

/* Keeps the records whose own id is the vulnerability id: a record that merely lists it as an
 * alias belongs to its own vulnerability, exported on its own. */
static kz_rc keep_own(void *ctx, const char *vuln_id, kz_sv text, kz_sv refs)
{
    recs_ctx *g = ctx;
    json_t *rec;
    kz_rc rc;

    if (strcmp(vuln_id, g->vid) != 0)
        return KZ_OK;
    if (kz_grow(&g->recs, &g->cap, g->n, sizeof *g->recs, 8) != KZ_OK)
        return kz_fail(g->err, KZ_ENOMEM, "out of memory");
    if ((rc = kz_vuln_record_load(vuln_id, text, refs, &rec, g->err)) != KZ_OK)
        return rc;
    g->recs[g->n++] = rec;
    return KZ_OK;
}

/* Exports one vulnerability: its own records merged, then its courses of action. */
static kz_rc export_one(kz_store *s, emit_ctx *e, const char *vid)
{
    recs_ctx g = {vid, NULL, 0, 0, e->err};
    char created[KZ_TIME_MAX], modified[KZ_TIME_MAX], vuln_obj[96];
    json_t *view = NULL, *obj = NULL, *refs = NULL;
    bool building = false; /* a failure now is out of memory */
    const char *desc;
    char *name = NULL;
    kz_rc rc;

    if ((rc = kz_store_vrecs(s, vid, true, keep_own, &g, e->err)) != KZ_OK)
        goto out;
    if (g.n == 0)
        goto out;
    if ((rc = kz_vuln_merge(g.recs, g.n, &view, e->err)) != KZ_OK)
        goto out;
    rc = KZ_ENOMEM;
    building = true;
    if ((name = join("vulnerability", vid, NULL)) == NULL ||
        make_id("vulnerability", name, vuln_obj, sizeof vuln_obj) != KZ_OK)
        goto out;
    timestamps(view, created, modified);
    if ((obj = base("vulnerability", vuln_obj, created, modified)) == NULL ||
        json_object_set_new(obj, "name", json_string(vid)) != 0)
        goto out;
    desc = json_string_value(json_object_get(
        json_object_get(json_object_get(view, "text"), "en"), "description"));
    if (desc != NULL && *desc != '\0' &&
        json_object_set_new(obj, "description", json_string(desc)) != 0)
        goto out;
    if ((refs = json_array()) == NULL || external_refs(view, refs) != KZ_OK)
        goto out;
    if (json_array_size(refs) > 0 && json_object_set(obj, "external_references", refs) != 0)
        goto out;
    building = false;
    rc = emit(e, obj);
    obj = NULL;
    if (rc == KZ_OK)
        rc = export_remediations(e, view, vid, vuln_obj, created, modified);
out:
    if (building)
        rc = kz_fail(e->err, KZ_ENOMEM, "out of memory exporting %s", vid);
    free(name);
    json_decref(obj);
    json_decref(refs);
    json_decref(view);
    for (size_t i = 0; i < g.n; i++)
        json_decref(g.recs[i]);
    free(g.recs);
    return rc;
}

/* The marking-definition first, then each vulnerability in id order. */
kz_rc kz_vuln_export_stix(kz_store *s, kz_rc (*fn)(void *ctx, const json_t *obj), void *ctx,
                          kz_err *err)
{
    emit_ctx e = {fn, ctx, err};
    kz_strlist ids = {0};
    kz_rc rc;

    /* The ids first, so that fn may write to the store while this walks it. */
    if ((rc = kz_store_vids(s, kz_strlist_add, &ids, err)) != KZ_OK) {
        if (rc == KZ_ENOMEM)
            rc = kz_fail(err, rc, "out of memory listing vulnerabilities");
        goto out;
    }
    if ((rc = emit(&e, tlp_clear())) != KZ_OK)
        goto out;
    for (size_t i = 0; i < ids.n && rc == KZ_OK; i++)
        rc = export_one(s, &e, ids.v[i]);
out:
    kz_strlist_free(&ids);
    return rc;
}
