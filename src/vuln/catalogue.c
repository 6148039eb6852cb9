/*
 * catalogue.c - the ETSI EN 303 645 provisions as the team wrote them down
 * (data/catalogue/en303645.json), and the lookup from a weakness (CWE) to the provisions that
 * would have prevented it, which the reports print beside each vulnerability.
 *
 * The file:
 *   {"catalogue": "...", "note": "...",
 *    "areas": [{"area": "5.1", "title_en": "...", "title_ja": "..."}, ...],
 *    "provisions": [{"id": "5.1-1", "area": "5.1", "text_en": "...", "text_ja": "...",
 *                    "cwes": ["CWE-798", ...]}, ...]}
 * Loading checks every provision (id "<area>-<n>" of a listed area, both texts, CWE ids) and
 * refuses duplicates, naming the JSON path. The CWE lookup is a sorted array of (CWE number,
 * provision) pairs searched by bisection.
 */
#include <stdlib.h>
#include <string.h>

#include "kizuna/vuln.h"

#define CAT_PROVISIONS_MAX 10000

typedef struct {
    int64_t cwe;
    size_t prov;
} cwe_link;

struct kz_catalogue {
    json_t *doc; /* owns every string the provisions point at */
    kz_provision *p;
    size_t n;
    cwe_link *links;
    size_t n_links;
};

void kz_catalogue_free(kz_catalogue *c)
{
    if (c == NULL)
        return;
    json_decref(c->doc);
    free(c->p);
    free(c->links);
    free(c);
}

size_t kz_catalogue_count(const kz_catalogue *c)
{
    return c ? c->n : 0;
}

const kz_provision *kz_catalogue_get(const kz_catalogue *c, size_t i)
{
    return c != NULL && i < c->n ? &c->p[i] : NULL;
}

/* Reads "CWE-<n>" into *out; false when s is not one. */
static bool cwe_number(const char *s, int64_t *out)
{
    if (s == NULL || strncmp(s, "CWE-", 4) != 0)
        return false;
    return kz_parse_i64(kz_sv_c(s + 4), 1, 1000000, out) == KZ_OK;
}

static int link_cmp(const void *a, const void *b)
{
    const cwe_link *x = a, *y = b;

    if (x->cwe != y->cwe)
        return x->cwe < y->cwe ? -1 : 1;
    return x->prov < y->prov ? -1 : x->prov > y->prov;
}

/* A non-empty string member, or NULL. */
static const char *need(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Checks one provision and records it; path is "/provisions/<i>". */
static kz_rc load_provision(kz_catalogue *c, const json_t *areas, const json_t *o, size_t i,
                            const char *path, kz_err *err)
{
    static const char *const keys[] = {"id", "text_en", "text_ja", "area"};
    kz_provision *p = &c->p[c->n];
    const json_t *cwes = json_object_get(o, "cwes"), *a = NULL, *v;
    size_t k, alen;

    if (!json_is_object(o))
        return kz_fail(err, KZ_EINVAL, "%s: expected an object", path);
    for (k = 0; k < 4; k++)
        if (need(o, keys[k]) == NULL)
            return kz_fail(err, KZ_EINVAL, "%s/%s: expected a non-empty string", path, keys[k]);
    p->id = need(o, "id");
    p->area = need(o, "area");
    p->text_en = need(o, "text_en");
    p->text_ja = need(o, "text_ja");
    alen = strlen(p->area);
    if (strncmp(p->id, p->area, alen) != 0 || p->id[alen] != '-' || p->id[alen + 1] == '\0')
        return kz_fail(err, KZ_EINVAL, "%s/id: \"%.40s\" is not a provision of area \"%.20s\" "
                       "(expected \"%.20s-<n>\")", path, p->id, p->area, p->area);
    json_array_foreach(areas, k, v) {
        if (need(v, "area") != NULL && strcmp(need(v, "area"), p->area) == 0) {
            a = v;
            break;
        }
    }
    if (a == NULL)
        return kz_fail(err, KZ_EINVAL, "%s/area: \"%.20s\" is not one of /areas", path, p->area);
    p->area_title_en = need(a, "title_en");
    p->area_title_ja = need(a, "title_ja");
    if (p->area_title_en == NULL || p->area_title_ja == NULL)
        return kz_fail(err, KZ_EINVAL, "/areas/%zu: expected title_en and title_ja", k);
    for (k = 0; k < c->n; k++)
        if (strcmp(c->p[k].id, p->id) == 0)
            return kz_fail(err, KZ_EINVAL, "%s/id: \"%.40s\" repeats /provisions/%zu", path,
                           p->id, k);
    if (!json_is_array(cwes))
        return kz_fail(err, KZ_EINVAL, "%s/cwes: expected a list of CWE ids", path);
    json_array_foreach(cwes, k, v) {
        int64_t num;
        if (!cwe_number(json_string_value(v), &num))
            return kz_fail(err, KZ_EINVAL, "%s/cwes/%zu: expected \"CWE-<number>\"", path, k);
        c->links[c->n_links++] = (cwe_link){num, i};
    }
    c->n++;
    return KZ_OK;
}

kz_rc kz_catalogue_load(const char *path, kz_catalogue **out, kz_err *err)
{
    kz_catalogue *c = NULL;
    const json_t *areas, *provs, *o;
    json_error_t jerr;
    size_t i, links = 0;
    char where[48];
    kz_rc rc = KZ_ENOMEM;

    *out = NULL;
    if ((c = calloc(1, sizeof *c)) == NULL) {
        kz_fail(err, rc, "%s: out of memory", path);
        goto out;
    }
    if ((c->doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        rc = kz_fail(err, KZ_EINVAL, "%s: line %d: %s", path, jerr.line, jerr.text);
        goto out;
    }
    areas = json_object_get(c->doc, "areas");
    provs = json_object_get(c->doc, "provisions");
    if (!json_is_array(areas) || !json_is_array(provs) || json_array_size(provs) == 0 ||
        json_array_size(provs) > CAT_PROVISIONS_MAX) {
        rc = kz_fail(err, KZ_EINVAL, "%s: expected an object with \"areas\" and \"provisions\" "
                     "(1 to %d of them)", path, CAT_PROVISIONS_MAX);
        goto out;
    }
    json_array_foreach(provs, i, o)
        links += json_array_size(json_object_get(o, "cwes"));
    c->p = calloc(json_array_size(provs), sizeof *c->p);
    c->links = calloc(links ? links : 1, sizeof *c->links);
    if (c->p == NULL || c->links == NULL) {
        kz_fail(err, rc, "%s: out of memory", path);
        goto out;
    }
    json_array_foreach(provs, i, o) {
        snprintf(where, sizeof where, "/provisions/%zu", i);
        if ((rc = load_provision(c, areas, o, i, where, err)) != KZ_OK) {
            kz_err_prefix(err, "%s", path);
            goto out;
        }
    }
    qsort(c->links, c->n_links, sizeof *c->links, link_cmp);
    *out = c;
    c = NULL;
    rc = KZ_OK;
out:
    kz_catalogue_free(c);
    return rc;
}

void kz_catalogue_for_cwe(const kz_catalogue *c, const char *cwe,
                          void (*fn)(void *ctx, const kz_provision *p), void *ctx)
{
    size_t lo = 0, hi;
    int64_t num;

    if (c == NULL || !cwe_number(cwe, &num))
        return;
    hi = c->n_links;
    while (lo < hi) { /* the first link with cwe >= num */
        size_t mid = lo + (hi - lo) / 2;
        if (c->links[mid].cwe < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t first = lo; lo < c->n_links && c->links[lo].cwe == num; lo++)
        if (lo == first || c->links[lo].prov != c->links[lo - 1].prov) /* a CWE listed twice */
            fn(ctx, &c->p[c->links[lo].prov]);
}
