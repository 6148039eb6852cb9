/*
 * kev.c - the importer of CISA's Known Exploited Vulnerabilities catalogue (the JSON file and
 * its schema at https://www.cisa.gov/known-exploited-vulnerabilities-catalog).
 *
 * Every vulnerabilities[] entry gives one record whose point is "exploited": the matcher treats
 * KEV as a flag on a CVE, so the affected entry names vendor and product with versions [] (the
 * catalogue gives no versions). The catalogue's dateReleased is every record's revision, so a
 * newer catalogue replaces the older one's records. URLs in "notes" become references: the
 * catalogue separates them with " ; ", ";", "," or ", " and sometimes puts prose before them.
 */
#include <string.h>

#include "kizuna/vuln.h"
#include "feeds_int.h"

#define KEV_URL "https://www.cisa.gov/known-exploited-vulnerabilities-catalog"

/* Length of the "http://" or "https://" prefix at s, or 0. */
static size_t url_start(const char *s)
{
    if (strncmp(s, "https://", 8) == 0)
        return 8;
    if (strncmp(s, "http://", 7) == 0)
        return 7;
    return 0;
}

/* Adds every URL in notes to refs: a URL starts at "http://" or "https://" and ends at white
 * space or where ';' or ',' is followed by the next URL; trailing ";,." are not part of it. */
static void add_note_urls(kz_feed *f, json_t *refs, const char *notes)
{
    const char *p = notes;

    while (p != NULL && *p != '\0') {
        size_t n, skip = url_start(p);
        json_t *r;
        if (skip == 0 || (p != notes && p[-1] != ' ' && p[-1] != ';' && p[-1] != ',' &&
                          p[-1] != ':' && p[-1] != '\t' && p[-1] != '\n')) {
            p++;
            continue;
        }
        for (n = skip; p[n] != '\0' && p[n] != ' ' && p[n] != '\t' && p[n] != '\n'; n++)
            if ((p[n] == ';' || p[n] == ',') && url_start(p + n + 1) > 0)
                break;
        while (n > skip && (p[n - 1] == ';' || p[n - 1] == ',' || p[n - 1] == '.'))
            n--;
        if (n > skip) {
            bool seen = false;
            json_t *old;
            size_t i;
            json_array_foreach(refs, i, old) {
                const char *u = json_string_value(json_object_get(old, "url"));
                seen |= strlen(u) == n && memcmp(u, p, n) == 0;
            }
            if (!seen && (r = kz_feed_new_obj(f)) != NULL) {
                kz_feed_set_new(f, r, "url", json_stringn(p, n));
                kz_feed_append_new(f, refs, r);
            }
        }
        p += n;
    }
}

/* Builds the record of one catalogue entry and hands it to the sink. */
static kz_rc read_entry(kz_feed *f, const json_t *e, const char *revision, const char *path,
                        kz_err *err)
{
    const char *id = kz_feed_str(f, e, "cveID", path);
    const char *vendor = kz_feed_str(f, e, "vendorProject", path);
    const char *product = kz_feed_str(f, e, "product", path);
    const char *action = kz_feed_str(f, e, "requiredAction", path);
    const char *notes = kz_feed_str(f, e, "notes", path);
    const json_t *cwes = kz_feed_arr(f, e, "cwes", path), *w;
    char where[KZ_FEED_PATH_MAX], p2[KZ_FEED_PATH_MAX];
    json_t *rec = NULL, *o, *a, *list;
    size_t i;
    kz_rc rc = KZ_OK;

    if (!json_is_object(e)) {
        kz_feed_problem(f, path, "expected a vulnerability object; ignored");
        goto out;
    }
    if (id == NULL || strncmp(id, "CVE-", 4) != 0) {
        kz_feed_problem(f, path, "no cveID (CVE-YYYY-NNNN); the entry is ignored");
        goto out;
    }
    rec = kz_feed_new_obj(f);
    kz_feed_set_str(f, rec, "id", id);
    if ((a = kz_feed_new_arr(f)) != NULL)
        kz_feed_add_unique(f, a, id);
    kz_feed_set_new(f, rec, "aliases", a);
    if ((o = kz_feed_new_obj(f)) != NULL) {
        kz_feed_set_str(f, o, "kind", "kev");
        kz_feed_set_str(f, o, "document", "kev");
        kz_feed_set_str(f, o, "revision", revision);
        kz_feed_set_str(f, o, "publisher", "CISA");
        kz_feed_set_str(f, o, "url", KEV_URL);
        kz_feed_set_str(f, o, "file", f->file);
    }
    kz_feed_set_new(f, rec, "source", o);
    if ((o = kz_feed_new_obj(f)) != NULL) {
        json_t *t = kz_feed_new_obj(f);
        kz_feed_set_str(f, t, "title", kz_feed_str(f, e, "vulnerabilityName", path));
        kz_feed_set_str(f, t, "description", kz_feed_str(f, e, "shortDescription", path));
        kz_feed_set_new(f, o, "en", t);
    }
    kz_feed_set_new(f, rec, "text", o);
    if (!kz_feed_blank(product) || !kz_feed_blank(vendor)) {
        list = kz_feed_new_arr(f);
        if ((o = kz_feed_new_obj(f)) != NULL) {
            kz_feed_set_str(f, o, "vendor", vendor);
            /* A product is what matching needs; the vendor alone stands in when it is blank. */
            kz_feed_set_str(f, o, "product", kz_feed_blank(product) ? vendor : product);
            kz_feed_set_new(f, o, "versions", kz_feed_new_arr(f));
            kz_feed_set_str(f, o, "status", "affected");
        }
        kz_feed_append_new(f, list, o);
        kz_feed_set_new(f, rec, "affected", list);
    } else {
        kz_feed_problem(f, path, "no vendorProject or product: the record names no product");
    }
    if (!kz_feed_blank(action)) {
        list = kz_feed_new_arr(f);
        if ((o = kz_feed_new_obj(f)) != NULL) {
            kz_feed_set_str(f, o, "category", "mitigation");
            kz_feed_set_str(f, o, "text", action);
            kz_feed_set_str(f, o, "lang", "en");
        }
        kz_feed_append_new(f, list, o);
        kz_feed_set_new(f, rec, "remediations", list);
    }
    if ((o = kz_feed_new_obj(f)) != NULL) {
        kz_feed_set_new(f, o, "known", json_true());
        kz_feed_set_str(f, o, "source", "CISA KEV");
        kz_feed_set_str(f, o, "date_added", kz_feed_str(f, e, "dateAdded", path));
        kz_feed_set_str(f, o, "due_date", kz_feed_str(f, e, "dueDate", path));
        kz_feed_set_str(f, o, "ransomware", kz_feed_str(f, e, "knownRansomwareCampaignUse", path));
        kz_feed_set_str(f, o, "required_action", action);
    }
    kz_feed_set_new(f, rec, "exploited", o);
    list = kz_feed_new_arr(f);
    kz_feed_path(where, path, "cwes");
    json_array_foreach(cwes, i, w) {
        const char *s = json_string_value(w);
        kz_feed_path_i(p2, where, i);
        if (s == NULL || strncmp(s, "CWE-", 4) != 0 || strspn(s + 4, "0123456789") == 0 ||
            s[4 + strspn(s + 4, "0123456789")] != '\0') {
            kz_feed_problem(f, p2, "expected a CWE id string (CWE-<n>); ignored");
            continue;
        }
        if ((o = kz_feed_new_obj(f)) != NULL)
            kz_feed_set_str(f, o, "id", s);
        kz_feed_append_new(f, list, o);
    }
    if (json_array_size(list) > 0)
        kz_feed_set_new(f, rec, "cwes", list);
    else
        json_decref(list);
    list = kz_feed_new_arr(f);
    add_note_urls(f, list, notes);
    if (json_array_size(list) > 0)
        kz_feed_set_new(f, rec, "references", list);
    else
        json_decref(list);
    rc = kz_feed_emit(f, rec, path, err);
    rec = NULL; /* kz_feed_emit took it */
out:
    json_decref(rec);
    return rc;
}

kz_rc kz_vuln_parse_kev(const json_t *doc, const char *file, const kz_vuln_sink *sink,
                        kz_err *err)
{
    const char *name = file ? file : "input", *released;
    const json_t *vulns, *count, *e;
    char revision[KZ_TIME_MAX], path[KZ_FEED_PATH_MAX];
    kz_feed f = {sink, file, false, 0};
    kz_rc rc = KZ_EINVAL;
    size_t i;

    if (sink == NULL || sink->record == NULL) {
        rc = kz_fail(err, KZ_EUSAGE, "%s: no sink to hand records to", name);
        goto out;
    }
    if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "vulnerabilities"))) {
        kz_fail(err, rc, "%s: /vulnerabilities: not a KEV catalogue (expected an object with a "
                "vulnerabilities array)", name);
        goto out;
    }
    vulns = json_object_get(doc, "vulnerabilities");
    released = kz_feed_str(&f, doc, "dateReleased", "");
    if (!kz_feed_time(released, revision)) {
        kz_fail(err, rc, "%s: /dateReleased: expected the catalogue's release date and time "
                "(YYYY-MM-DDTHH:mm:ss.sssZ)", name);
        goto out;
    }
    count = json_object_get(doc, "count");
    if (count != NULL && (!json_is_integer(count) ||
                          json_integer_value(count) != (json_int_t)json_array_size(vulns)))
        kz_feed_problem(&f, "/count", "count does not match the %zu entries of vulnerabilities",
                        json_array_size(vulns));
    rc = KZ_OK;
    json_array_foreach(vulns, i, e) {
        snprintf(path, sizeof path, "/vulnerabilities/%zu", i);
        if ((rc = read_entry(&f, e, revision, path, err)) != KZ_OK)
            goto out;
    }
out:
    return rc;
}
