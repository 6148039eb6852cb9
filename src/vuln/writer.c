/*
 * writer.c - stores importers' records in the knowledge base (kz_vuln_writer), and reads the
 * records of one vulnerability back as one merged view (kz_vuln_get).
 *
 * Records of one source document come together. The first record of a document asks the store
 * whether that document is new, newer than the stored revision (the stored records are replaced)
 * or older (its records are counted as skipped). Each stored record is checked against the
 * record shape first: an importer must never produce one that fails, so a failure is an error
 * that names the record. The caller owns the batch (kz_store_begin / kz_store_commit).
 */
#include <stdlib.h>
#include <string.h>

#include "kizuna/vuln.h"
#include "vuln_int.h"

#define GET_RECORDS_MAX 100000 /* records merged into one view; the store bounds them anyway */

struct kz_vuln_writer {
    kz_store *s;
    char *kind;     /* the current document; NULL before the first record */
    char *document;
    char *revision;
    bool skip;      /* the current document is older than the stored one */
    int64_t doc;    /* its key in the store */
    /* Exact texts of the current document's records, so that a document handed over twice in a
     * row (the same file named twice) does not store every record twice. */
    kz_strmap seen;
    int64_t stored, skipped, replaced;
    /* Scratch reused across records. */
    const char **aliases;
    size_t aliases_cap;
    kz_strlist keys;
};

/* Makes a writer over s (borrowed: it must outlive the writer). */
kz_rc kz_vuln_writer_new(kz_store *s, kz_vuln_writer **out, kz_err *err)
{
    kz_vuln_writer *w;

    *out = NULL;
    if ((w = calloc(1, sizeof *w)) == NULL)
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    w->s = s;
    *out = w;
    return KZ_OK;
}

/* Frees the writer; NULL is accepted. */
void kz_vuln_writer_free(kz_vuln_writer *w)
{
    if (w == NULL)
        return;
    free(w->kind);
    free(w->document);
    free(w->revision);
    kz_strmap_free(&w->seen);
    free(w->aliases);
    kz_strlist_free(&w->keys);
    free(w);
}

/* The counts so far (zeros for NULL). */
void kz_vuln_writer_counts(const kz_vuln_writer *w, int64_t *stored, int64_t *skipped,
                           int64_t *replaced)
{
    *stored = w ? w->stored : 0;
    *skipped = w ? w->skipped : 0;
    *replaced = w ? w->replaced : 0;
}

/* True when both strings exist and are equal. */
static bool same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Starts document (kind, document, revision) when it is not the current one. */
static kz_rc start_document(kz_vuln_writer *w, const char *kind, const char *document,
                            const char *revision, kz_err *err)
{
    kz_vdoc d = {kind, document, revision};
    bool skip = false, replaced = false;
    int64_t key = 0;
    char *k = NULL, *dd = NULL, *r = NULL;
    kz_rc rc;

    if (same(w->kind, kind) && same(w->document, document) && same(w->revision, revision))
        return KZ_OK;
    if ((rc = kz_store_vdoc(w->s, &d, &skip, &replaced, &key, err)) != KZ_OK)
        return rc;
    if ((k = strdup(kind)) == NULL || (dd = strdup(document)) == NULL ||
        (r = strdup(revision)) == NULL) {
        free(k);
        free(dd);
        free(r);
        return kz_fail(err, KZ_ENOMEM, "out of memory");
    }
    free(w->kind);
    free(w->document);
    free(w->revision);
    w->kind = k;
    w->document = dd;
    w->revision = r;
    w->skip = skip;
    w->doc = key;
    kz_strmap_free(&w->seen);
    if (replaced)
        w->replaced++;
    return KZ_OK;
}

/*
 * The record's stored text: compact JSON with only the first of its references, then, when it
 * has more, a newline and the whole "references" array (kz_store_vrec_put keeps it apart);
 * *split is where the newline is (the length when there is none). NULL when out of memory.
 */
static char *record_text(const json_t *rec, size_t *split)
{
    const json_t *refs = json_object_get(rec, "references");
    json_t *lean;
    char *a, *b, *text;
    size_t na, nb;

    if (json_array_size(refs) <= 1) {
        text = json_dumps(rec, JSON_COMPACT);
        *split = text ? strlen(text) : 0;
        return text;
    }
    if ((lean = json_copy((json_t *)rec)) == NULL ||
        json_object_set_new(lean, "references", json_pack("[O]", json_array_get(refs, 0))) != 0) {
        json_decref(lean);
        return NULL;
    }
    a = json_dumps(lean, JSON_COMPACT);
    b = json_dumps(refs, JSON_COMPACT);
    json_decref(lean);
    text = NULL;
    if (a != NULL && b != NULL) {
        na = strlen(a);
        nb = strlen(b);
        if ((text = malloc(na + nb + 2)) != NULL) {
            memcpy(text, a, na);
            text[na] = '\n'; /* compact JSON never holds one */
            memcpy(text + na + 1, b, nb + 1);
            *split = na;
        }
    }
    free(a);
    free(b);
    return text;
}

/* Checks the record, starts its document when it is a new one, and stores it with its aliases and
 * match keys unless the document is skipped or the record repeats exactly. */
kz_rc kz_vuln_writer_add(kz_vuln_writer *w, const json_t *rec, kz_err *err)
{
    const json_t *src = json_object_get(rec, "source");
    const json_t *aliases = json_object_get(rec, "aliases"), *a;
    const char *id = json_string_value(json_object_get(rec, "id"));
    char *text = NULL;
    bool added = false;
    size_t i, n, split = 0;
    kz_err why;
    kz_rc rc;

    if ((rc = kz_vuln_record_check(rec, &why)) != KZ_OK) {
        rc = kz_fail(err, KZ_EINVAL, "record %.80s: %s", id ? id : "(no id)", why.msg);
        goto out;
    }
    rc = start_document(w, json_string_value(json_object_get(src, "kind")),
                        json_string_value(json_object_get(src, "document")),
                        json_string_value(json_object_get(src, "revision")), err);
    if (rc != KZ_OK)
        goto out;
    if (w->skip) {
        w->skipped++;
        goto out;
    }
    if ((text = record_text(rec, &split)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "record %.80s: out of memory", id);
        goto out;
    }
    if ((rc = kz_strmap_add_owned(&w->seen, text, &added)) != KZ_OK) {
        rc = kz_fail(err, rc, "record %.80s: out of memory", id);
        goto out;
    }
    if (!added)
        goto out; /* the very same record of the same document: stored already */
    n = json_array_size(aliases);
    if (n > w->aliases_cap) {
        const char **p = realloc(w->aliases, n * sizeof *p);
        if (p == NULL) {
            rc = kz_fail(err, KZ_ENOMEM, "record %.80s: out of memory", id);
            goto out;
        }
        w->aliases = p;
        w->aliases_cap = n;
    }
    json_array_foreach(aliases, i, a) w->aliases[i] = json_string_value(a);
    kz_strlist_clear(&w->keys);
    if ((rc = kz_vuln_record_keys(rec, kz_strlist_add, &w->keys, err)) != KZ_OK) {
        if (rc == KZ_ENOMEM)
            rc = kz_fail(err, rc, "record %.80s: out of memory", id);
        goto out;
    }
    {
        size_t len = strlen(text);
        kz_sv json = {text, split}, refs = {text + split, 0};
        if (split < len)
            refs = (kz_sv){text + split + 1, len - split - 1};
        rc = kz_store_vrec_put(w->s, w->doc, id, json, refs, w->aliases, n,
                               (const char *const *)w->keys.v, w->keys.n, err);
    }
    if (rc == KZ_OK)
        w->stored++;
out:
    if (!added)
        free(text); /* else the set owns it */
    return rc;
}

/* ---- reading back --------------------------------------------------------------------------- */

typedef struct {
    const char *id;   /* as asked */
    json_t **recs;
    size_t n, cap;
    bool own;         /* some record's vulnerability id is id itself */
    size_t vulns;     /* distinct vulnerability ids among the records (they come in id order) */
    char last[128];   /* the previous record's vulnerability id (truncated) */
    kz_buf names;     /* the first few of them, for the message when id is ambiguous */
    kz_err *err;
} get_ctx;

/* kz_store_vrecs callback: parses each stored record and notes which vulnerability it is of. */
static kz_rc collect_record(void *ctx, const char *vuln_id, kz_sv text, kz_sv refs)
{
    get_ctx *g = ctx;
    json_t *rec;
    kz_rc rc;

    if (g->n == GET_RECORDS_MAX)
        return kz_fail(g->err, KZ_ELIMIT, "%s: more than %d records", vuln_id, GET_RECORDS_MAX);
    if (kz_grow(&g->recs, &g->cap, g->n, sizeof *g->recs, 8) != KZ_OK)
        return kz_fail(g->err, KZ_ENOMEM, "out of memory");
    if ((rc = kz_vuln_record_load(vuln_id, text, refs, &rec, g->err)) != KZ_OK)
        return rc;
    g->recs[g->n++] = rec;
    g->own |= strcmp(vuln_id, g->id) == 0;
    if (g->vulns == 0 || strncmp(g->last, vuln_id, sizeof g->last - 1) != 0) {
        g->vulns++;
        snprintf(g->last, sizeof g->last, "%s", vuln_id);
        if (g->vulns <= 5 &&
            kz_buf_printf(&g->names, "%s%s", g->vulns > 1 ? ", " : "", vuln_id) != KZ_OK)
            return kz_fail(g->err, KZ_ENOMEM, "out of memory");
    }
    return KZ_OK;
}

kz_rc kz_vuln_record_load(const char *vuln_id, kz_sv json, kz_sv refs, json_t **out,
                          kz_err *err)
{
    json_error_t je;
    json_t *rec, *all;

    *out = NULL;
    if ((rec = json_loadb(json.p, json.n, 0, &je)) == NULL)
        return kz_fail(err, KZ_EDB, "%s: a stored record is not JSON: %s", vuln_id, je.text);
    if (refs.n > 0) {
        if ((all = json_loadb(refs.p, refs.n, 0, &je)) == NULL || !json_is_array(all)) {
            json_decref(all);
            json_decref(rec);
            return kz_fail(err, KZ_EDB, "%s: a stored record's references are not a JSON array",
                           vuln_id);
        }
        if (json_object_set_new(rec, "references", all) != 0) {
            json_decref(rec);
            return kz_fail(err, KZ_ENOMEM, "out of memory");
        }
    }
    *out = rec;
    return KZ_OK;
}

/*
 * The store gives the records of every vulnerability that id names: its own records, and those
 * of records listing it as an alias. When id is a vulnerability's own id, records that list it
 * as an alias are about it too (a JVN entry naming several CVEs) and are merged in. When id is
 * only an alias shared by several vulnerabilities (an advisory id naming many CVEs), there is no
 * one view: KZ_ECONFLICT names some of them.
 */
kz_rc kz_vuln_get_x(kz_store *s, const char *id, bool all_refs, json_t **out, kz_err *err)
{
    get_ctx g = {.id = id, .err = err};
    kz_rc rc;

    *out = NULL;
    kz_buf_init(&g.names, 4096);
    rc = kz_store_vrecs(s, id, all_refs, collect_record, &g, err);
    if (rc == KZ_ENOTFOUND)
        rc = kz_fail(err, KZ_ENOTFOUND, "no vulnerability %s in the knowledge base", id);
    if (rc != KZ_OK)
        goto out;
    if (!g.own && g.vulns > 1) {
        rc = kz_fail(err, KZ_ECONFLICT, "%s names %zu vulnerabilities (%s%s): give one of them",
                     id, g.vulns, g.names.p, g.vulns > 5 ? ", ..." : "");
        goto out;
    }
    rc = kz_vuln_merge(g.recs, g.n, out, err);
out:
    for (size_t i = 0; i < g.n; i++)
        json_decref(g.recs[i]);
    free(g.recs);
    kz_buf_free(&g.names);
    return rc;
}

kz_rc kz_vuln_get(kz_store *s, const char *id, json_t **out, kz_err *err)
{
    return kz_vuln_get_x(s, id, true, out, err);
}
