/*
 * merge.c - the records of one vulnerability, from every source that has it, as one view
 * (kz_vuln_merge; vuln.h says what the view holds).
 *
 * Inputs are bounded by the store (one vulnerability's records), but a KEV-listed CVE in a
 * popular product can have many records with hundreds of affected entries each, so repeats are
 * found with hash sets of compact JSON texts, never by comparing every pair.
 */
#include <stdlib.h>
#include <string.h>

#include "kizuna/vuln.h"
#include "vuln_int.h"

/* ---- pieces of the view --------------------------------------------------------------------- */

/* How authoritative a source kind's texts are: lower is better. */
static int text_rank(const json_t *rec)
{
    static const char *const order[] = {"cve5", "csaf", "jvn", "osv", "kev"};
    const char *kind = json_string_value(json_object_get(json_object_get(rec, "source"), "kind"));

    for (int i = 0; kind != NULL && i < (int)(sizeof order / sizeof order[0]); i++)
        if (strcmp(kind, order[i]) == 0)
            return i;
    return 99;
}

/* Appends a copy of v to arr (which takes it over). */
static kz_rc push_copy(json_t *arr, const json_t *v)
{
    json_t *c = json_deep_copy(v);

    if (c == NULL || json_array_append_new(arr, c) != 0)
        return KZ_ENOMEM;
    return KZ_OK;
}

/*
 * Writes into *key the text that decides whether element v of an array repeats one seen before
 * (malloc'd; the caller frees it), or NULL when v is to be left out. KZ_ENOMEM on failure.
 */
typedef kz_rc (*repeat_key_fn)(const json_t *v, char **key);

/*
 * Appends a copy of each element of every record's array `member` to out, in order, unless
 * key_of gives it the key of one already there (or no key at all).
 */
static kz_rc unite_by_key(json_t *const *recs, size_t n, const char *member,
                          repeat_key_fn key_of, json_t *out)
{
    kz_strmap seen = {0};
    kz_rc rc = KZ_OK;

    for (size_t r = 0; r < n && rc == KZ_OK; r++) {
        const json_t *arr = json_object_get(recs[r], member), *v;
        size_t i;
        json_array_foreach(arr, i, v) {
            char *key = NULL;
            bool added = false;
            if ((rc = key_of(v, &key)) != KZ_OK)
                break;
            if (key == NULL)
                continue;
            rc = kz_strmap_add(&seen, key, &added);
            free(key);
            if (rc == KZ_OK && added)
                rc = push_copy(out, v);
            if (rc != KZ_OK)
                break;
        }
    }
    kz_strmap_free(&seen);
    return rc;
}

/* The key of an exact repeat: the compact text with keys sorted (equal exactly when JSON-equal). */
static kz_rc json_text_key(const json_t *v, char **key)
{
    *key = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    return *key == NULL ? KZ_ENOMEM : KZ_OK;
}

/* Appends each element of every record's array `key` that is not an exact repeat (same compact
 * text with keys sorted, i.e. JSON-equal) of one already there. */
static kz_rc concat_unique(json_t *const *recs, size_t n, const char *key, json_t *out)
{
    return unite_by_key(recs, n, key, json_text_key, out);
}

/* Aliases of every record, in order, each once. */
static kz_rc unite_aliases(json_t *const *recs, size_t n, json_t *out)
{
    kz_strmap seen = {0};
    kz_rc rc = KZ_OK;

    for (size_t r = 0; r < n && rc == KZ_OK; r++) {
        const json_t *v;
        size_t i;
        json_array_foreach(json_object_get(recs[r], "aliases"), i, v) {
            bool added = false;
            if (!json_is_string(v))
                continue;
            if ((rc = kz_strmap_add(&seen, json_string_value(v), &added)) != KZ_OK)
                break;
            if (added && json_array_append(out, (json_t *)v) != 0) {
                rc = KZ_ENOMEM;
                break;
            }
        }
    }
    kz_strmap_free(&seen);
    return rc;
}

/* CWEs united by id; a name missing from the first one seen is taken from a later one. */
static kz_rc unite_cwes(json_t *const *recs, size_t n, json_t *out)
{
    for (size_t r = 0; r < n; r++) {
        const json_t *v;
        size_t i;
        json_array_foreach(json_object_get(recs[r], "cwes"), i, v) {
            const char *id = json_string_value(json_object_get(v, "id"));
            json_t *have = NULL, *w;
            size_t k;
            if (id == NULL)
                continue;
            json_array_foreach(out, k, w) {
                if (strcmp(json_string_value(json_object_get(w, "id")), id) == 0) {
                    have = w;
                    break;
                }
            }
            if (have == NULL) {
                if (push_copy(out, v) != KZ_OK)
                    return KZ_ENOMEM;
            } else if (json_object_get(have, "name") == NULL &&
                       json_object_get(v, "name") != NULL) {
                if (json_object_set(have, "name", json_object_get(v, "name")) != 0)
                    return KZ_ENOMEM;
            }
        }
    }
    return KZ_OK;
}

/* The key of a score: "<version>\n<vector>"; none (left out) without either. */
static kz_rc score_key(const json_t *v, char **key)
{
    const char *ver = json_string_value(json_object_get(v, "version"));
    const char *vec = json_string_value(json_object_get(v, "vector"));
    size_t len;

    *key = NULL;
    if (ver == NULL || vec == NULL)
        return KZ_OK;
    len = strlen(ver) + strlen(vec) + 2;
    if ((*key = malloc(len)) == NULL)
        return KZ_ENOMEM;
    snprintf(*key, len, "%s\n%s", ver, vec);
    return KZ_OK;
}

/* One score per distinct (version, vector): the first one's, with its source. */
static kz_rc unite_scores(json_t *const *recs, size_t n, json_t *out)
{
    return unite_by_key(recs, n, "scores", score_key, out);
}

/* Per language and per field (title, description): the text of the most authoritative source
 * that has it (the first such record on a tie). */
static kz_rc pick_texts(json_t *const *recs, size_t n, json_t *out)
{
    static const char *const langs[] = {"en", "ja"};
    static const char *const fields[] = {"title", "description"};

    for (size_t l = 0; l < 2; l++) {
        json_t *t = NULL;
        for (size_t f = 0; f < 2; f++) {
            const json_t *best = NULL;
            int best_rank = 1000;
            for (size_t r = 0; r < n; r++) {
                const json_t *v = json_object_get(
                    json_object_get(json_object_get(recs[r], "text"), langs[l]), fields[f]);
                int rank = text_rank(recs[r]);
                if (json_is_string(v) && rank < best_rank) {
                    best = v;
                    best_rank = rank;
                }
            }
            if (best == NULL)
                continue;
            if (t == NULL && ((t = json_object()) == NULL || json_object_set_new(out, langs[l],
                                                                                t) != 0))
                return KZ_ENOMEM;
            if (json_object_set(t, fields[f], (json_t *)best) != 0)
                return KZ_ENOMEM;
        }
    }
    return KZ_OK;
}

/* The earliest (latest when want_max) RFC 3339 value of key among the records, or NULL. */
static const json_t *pick_time(json_t *const *recs, size_t n, const char *key, bool want_max)
{
    const json_t *best = NULL;
    kz_time bt = {0}, t;
    kz_err ignored;

    for (size_t r = 0; r < n; r++) {
        const json_t *v = json_object_get(recs[r], key);
        if (!json_is_string(v) ||
            kz_time_parse(kz_sv_c(json_string_value(v)), &t, &ignored) != KZ_OK)
            continue;
        if (best == NULL || (want_max ? kz_time_cmp(&t, &bt) > 0 : kz_time_cmp(&t, &bt) < 0)) {
            best = v;
            bt = t;
        }
    }
    return best;
}

/* Sets key to a new array filled by fn, unless it stays empty. */
static kz_rc set_array(json_t *view, const char *key, json_t *const *recs, size_t n,
                       kz_rc (*fn)(json_t *const *recs, size_t n, json_t *out))
{
    json_t *arr = json_array();
    kz_rc rc;

    if (arr == NULL)
        return KZ_ENOMEM;
    if ((rc = fn(recs, n, arr)) != KZ_OK || json_array_size(arr) == 0) {
        json_decref(arr);
        return rc;
    }
    return json_object_set_new(view, key, arr) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* "DOC#ref": a product reference made unique across the documents of a view. */
static json_t *qualified(const char *doc, const json_t *ref)
{
    char buf[512];

    if (!json_is_string(ref))
        return json_deep_copy(ref);
    snprintf(buf, sizeof buf, "%.200s#%.300s", doc, json_string_value(ref));
    return json_string(buf);
}

/*
 * Appends each element of every record's array `member` (affected entries or remediations) to
 * out without exact repeats, its product references ("ref" of an entry, "refs" of a remediation)
 * qualified with its source document: each advisory numbers its own products (CSAFPID-0001...),
 * so that once several are merged an unqualified reference could tie one advisory's fix to
 * another's product.
 */
static kz_rc concat_with_refs(json_t *const *recs, size_t n, const char *member, json_t *out)
{
    kz_strmap seen = {0};
    kz_rc rc = KZ_OK;

    for (size_t r = 0; r < n && rc == KZ_OK; r++) {
        const char *doc =
            json_string_value(json_object_get(json_object_get(recs[r], "source"), "document"));
        const json_t *v;
        size_t i;
        json_array_foreach(json_object_get(recs[r], member), i, v) {
            json_t *c = json_deep_copy(v), *refs, *q = NULL;
            char *key = NULL;
            bool added = false;
            size_t k;
            if (c == NULL) {
                rc = KZ_ENOMEM;
                break;
            }
            if (doc != NULL && json_object_get(c, "ref") != NULL) {
                q = qualified(doc, json_object_get(c, "ref"));
                rc = q != NULL && json_object_set_new(c, "ref", q) == 0 ? KZ_OK : KZ_ENOMEM;
            }
            refs = json_object_get(c, "refs");
            for (k = 0; rc == KZ_OK && doc != NULL && k < json_array_size(refs); k++) {
                q = qualified(doc, json_array_get(refs, k));
                rc = q != NULL && json_array_set_new(refs, k, q) == 0 ? KZ_OK : KZ_ENOMEM;
            }
            if (rc == KZ_OK)
                rc = json_text_key(c, &key);
            if (rc == KZ_OK)
                rc = kz_strmap_add(&seen, key, &added);
            free(key);
            if (rc == KZ_OK && added && json_array_append(out, c) != 0)
                rc = KZ_ENOMEM;
            json_decref(c);
            if (rc != KZ_OK)
                break;
        }
    }
    kz_strmap_free(&seen);
    return rc;
}

/* Affected entries of every record, without exact repeats, refs qualified. */
static kz_rc concat_affected(json_t *const *recs, size_t n, json_t *out)
{
    return concat_with_refs(recs, n, "affected", out);
}

/* Remediations of every record, without exact repeats, refs qualified. */
static kz_rc concat_remediations(json_t *const *recs, size_t n, json_t *out)
{
    return concat_with_refs(recs, n, "remediations", out);
}

/* References of every record, without exact repeats. */
static kz_rc concat_references(json_t *const *recs, size_t n, json_t *out)
{
    return concat_unique(recs, n, "references", out);
}

/* Each record's source, in input order. */
static kz_rc list_sources(json_t *const *recs, size_t n, json_t *out)
{
    for (size_t r = 0; r < n; r++) {
        const json_t *src = json_object_get(recs[r], "source");
        if (src != NULL && push_copy(out, src) != KZ_OK)
            return KZ_ENOMEM;
    }
    return KZ_OK;
}

/* Builds the view key by key; see vuln.h and the helpers above for each rule. */
/*
 * One record (most vulnerabilities have one source): the view is the record itself, with
 * "source" as "sources": [source]; no uniting or dropping of repeats to do. A shallow copy: the
 * values are shared with the record (both are read-only once made).
 */
static kz_rc merge_one(json_t *rec, json_t **out, kz_err *err)
{
    json_t *view = json_object(), *v, *sources = NULL;
    const char *key;

    if (view == NULL)
        goto oom;
    json_object_foreach(rec, key, v) {
        if (strcmp(key, "source") == 0) {
            if ((sources = json_array()) == NULL || json_array_append(sources, v) != 0 ||
                json_object_set_new(view, "sources", sources) != 0)
                goto oom;
            sources = NULL;
        } else if (json_object_set(view, key, v) != 0) {
            goto oom;
        }
    }
    *out = view;
    return KZ_OK;
oom:
    json_decref(sources);
    json_decref(view);
    return kz_fail(err, KZ_ENOMEM, "out of memory merging records");
}

kz_rc kz_vuln_merge(json_t *const *recs, size_t n, json_t **out, kz_err *err)
{
    json_t *view = NULL, *aliases = NULL, *text = NULL;
    const json_t *id = NULL, *exploited = NULL, *t;
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    if (n == 0) {
        rc = kz_fail(err, KZ_EUSAGE, "no records to merge");
        goto out;
    }
    if (n == 1 && json_is_object(recs[0]))
        return merge_one(recs[0], out, err);
    for (size_t r = 0; r < n; r++) {
        const json_t *v = json_object_get(recs[r], "id");
        if (id == NULL && json_is_string(v) && strncmp(json_string_value(v), "CVE-", 4) == 0)
            id = v;
        if (exploited == NULL)
            exploited = json_object_get(recs[r], "exploited");
    }
    /* The KEV record's "exploited" wins over any other source's. */
    for (size_t r = 0; r < n; r++) {
        const char *kind =
            json_string_value(json_object_get(json_object_get(recs[r], "source"), "kind"));
        if (kind != NULL && strcmp(kind, "kev") == 0 &&
            json_object_get(recs[r], "exploited") != NULL) {
            exploited = json_object_get(recs[r], "exploited");
            break;
        }
    }
    if (id == NULL)
        id = json_object_get(recs[0], "id");
    if ((view = json_object()) == NULL || (aliases = json_array()) == NULL ||
        (text = json_object()) == NULL)
        goto out;
    if (json_is_string(id) && json_object_set(view, "id", (json_t *)id) != 0)
        goto out;
    if (unite_aliases(recs, n, aliases) != KZ_OK)
        goto out;
    if (json_is_string(id) && json_array_size(aliases) == 0 &&
        json_array_append(aliases, (json_t *)id) != 0)
        goto out;
    if (json_object_set(view, "aliases", aliases) != 0)
        goto out;
    if (set_array(view, "sources", recs, n, list_sources) != KZ_OK)
        goto out;
    if ((t = pick_time(recs, n, "published", false)) != NULL &&
        json_object_set(view, "published", (json_t *)t) != 0)
        goto out;
    if ((t = pick_time(recs, n, "modified", true)) != NULL &&
        json_object_set(view, "modified", (json_t *)t) != 0)
        goto out;
    if (pick_texts(recs, n, text) != KZ_OK)
        goto out;
    if (json_object_size(text) > 0 && json_object_set(view, "text", text) != 0)
        goto out;
    if (set_array(view, "cwes", recs, n, unite_cwes) != KZ_OK ||
        set_array(view, "scores", recs, n, unite_scores) != KZ_OK ||
        set_array(view, "affected", recs, n, concat_affected) != KZ_OK ||
        set_array(view, "remediations", recs, n, concat_remediations) != KZ_OK ||
        set_array(view, "references", recs, n, concat_references) != KZ_OK)
        goto out;
    if (exploited != NULL) {
        json_t *c = json_deep_copy(exploited);
        if (c == NULL || json_object_set_new(view, "exploited", c) != 0)
            goto out;
    }
    *out = view;
    view = NULL;
    rc = KZ_OK;
out:
    if (rc == KZ_ENOMEM)
        (void)kz_fail(err, KZ_ENOMEM, "out of memory merging vulnerability records");
    json_decref(view);
    json_decref(aliases);
    json_decref(text);
    return rc;
}
