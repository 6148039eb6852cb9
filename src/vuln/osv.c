/*
 * osv.c - the importer of OSV JSON (the Open Source Vulnerability schema, ossf.github.io/osv-
 * schema): one entry object, or an array of them.
 *
 * Each entry gives one record. Its id is the CVE among the aliases when there is exactly one,
 * else the OSV id; aliases are the OSV id and its aliases (not "related", which names other
 * vulnerabilities). A withdrawn entry gives no record and a problem.
 *
 * affected[]: the package gives "product" (its name) and "purl" (package.purl, else built from
 * the ecosystem and name for the ecosystems with a purl type). Each introduced..fixed /
 * last_affected / limit interval of a SEMVER or ECOSYSTEM range becomes one range text
 * "vers:<scheme>/>=<introduced>|<<fixed>" (introduced "0": no lower bound; scheme semver for
 * SEMVER ranges and the npm and crates.io ecosystems when the versions are semver, else
 * generic); the last "fixed" event becomes the entry's "fixed". GIT ranges name commits, not
 * versions: they are problems, and the entry then lists the enumerated versions[] instead, each
 * as "vers:<scheme>/<version>". database_specific and ecosystem_specific are ignored.
 */
#include <string.h>

#include "kizuna/purl.h"
#include "kizuna/version.h"
#include "kizuna/vuln.h"
#include "feeds_int.h"

/* Ecosystems and their purl types; "ns" is a fixed namespace (distribution) or NULL. */
static const struct {
    const char *ecosystem, *type, *ns;
    bool semver; /* versions are semver */
} ecosystems[] = {
    {"npm", "npm", NULL, true},          {"PyPI", "pypi", NULL, false},
    {"Maven", "maven", NULL, false},     {"Go", "golang", NULL, false},
    {"crates.io", "cargo", NULL, true},  {"NuGet", "nuget", NULL, false},
    {"RubyGems", "gem", NULL, false},    {"Packagist", "composer", NULL, false},
    {"Hex", "hex", NULL, false},         {"Pub", "pub", NULL, false},
    {"Debian", "deb", "debian", false},  {"Ubuntu", "deb", "ubuntu", false},
    {"Alpine", "apk", "alpine", false},
};

/* The ecosystems[] index of an OSV ecosystem ("Debian:11" is Debian), or -1. */
static int ecosystem_index(const char *eco)
{
    size_t n;

    if (eco == NULL)
        return -1;
    n = strcspn(eco, ":");
    for (size_t i = 0; i < sizeof ecosystems / sizeof ecosystems[0]; i++)
        if (strlen(ecosystems[i].ecosystem) == n && strncmp(eco, ecosystems[i].ecosystem, n) == 0)
            return (int)i;
    return -1;
}

/* Appends s percent-encoded as a purl segment (keep is an extra byte kept as it is, or 0). */
static bool purl_segment(kz_buf *b, const char *s, size_t n, char keep)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '.' || c == '-' || c == '_' || c == '~' || (keep && c == keep);
        if (plain ? kz_buf_append(b, &s[i], 1) != KZ_OK : kz_buf_printf(b, "%%%02X", c) != KZ_OK)
            return false;
    }
    return true;
}

/*
 * Builds the purl of a package from ecosystem and name into b ("" when the ecosystem has no
 * purl type here). Maven "group:artifact", Go and Packagist "a/b/name" and npm "@scope/name"
 * split into namespace and name.
 */
static bool build_purl(kz_buf *b, int eco, const char *name)
{
    const char *cut = NULL;
    bool ok;

    if (eco < 0)
        return true;
    ok = kz_buf_printf(b, "pkg:%s/", ecosystems[eco].type) == KZ_OK;
    if (ecosystems[eco].ns != NULL)
        ok = ok && kz_buf_printf(b, "%s/", ecosystems[eco].ns) == KZ_OK;
    if (strcmp(ecosystems[eco].type, "maven") == 0)
        cut = strchr(name, ':');
    else if (strcmp(ecosystems[eco].type, "golang") == 0 ||
             strcmp(ecosystems[eco].type, "composer") == 0 ||
             strcmp(ecosystems[eco].type, "npm") == 0)
        cut = strrchr(name, '/');
    if (cut != NULL && cut != name) {
        /* Go module paths keep their '/' as namespace segments; others are one segment. */
        ok = ok && purl_segment(b, name, (size_t)(cut - name),
                                strcmp(ecosystems[eco].type, "golang") == 0 ? '/' : 0);
        ok = ok && kz_buf_puts(b, "/") == KZ_OK;
        name = cut + 1;
    }
    return ok && purl_segment(b, name, strlen(name), 0);
}

/* One affected[] element being read. */
typedef struct {
    kz_feed *f;
    json_t *versions;
    const char *fixed; /* the last "fixed" event, borrowed from the document */
    bool semver;       /* the ecosystem's versions are semver */
} pkg;

/* Appends "vers:<scheme>/[>=lo][|]<op><hi>" to p->versions; lo NULL or "0": no lower bound. */
static void add_interval(pkg *p, bool semver, const char *lo, const char *op, const char *hi)
{
    kz_err ignored;
    kz_buf b;
    bool ok;

    if (op != NULL && lo != NULL && strcmp(lo, "0") == 0)
        lo = NULL;
    if (semver && ((lo != NULL && kz_version_check(kz_sv_c(lo), KZ_VERSION_SEMVER, &ignored)) ||
                   (hi != NULL && kz_version_check(kz_sv_c(hi), KZ_VERSION_SEMVER, &ignored))))
        semver = false;
    kz_buf_init(&b, 4 * KZ_RANGE_MAX_BYTES);
    ok = kz_buf_puts(&b, semver ? "vers:semver/" : "vers:generic/") == KZ_OK;
    if (lo == NULL && hi == NULL)
        ok = ok && kz_buf_puts(&b, "*") == KZ_OK;
    if (lo != NULL)
        ok = ok && kz_buf_puts(&b, op == NULL ? "" : ">=") == KZ_OK &&
             kz_feed_vers_append(&b, lo) && (hi == NULL || kz_buf_puts(&b, "|") == KZ_OK);
    if (hi != NULL)
        ok = ok && kz_buf_puts(&b, op) == KZ_OK && kz_feed_vers_append(&b, hi);
    if (!ok)
        p->f->oom = true;
    else
        kz_feed_add_unique(p->f, p->versions, b.p);
    kz_buf_free(&b);
}

/* Reads one ranges[] element; returns true if it gave range texts. */
static bool read_range(pkg *p, const json_t *r, const char *path)
{
    const char *type = kz_feed_str(p->f, r, "type", path);
    const json_t *events = kz_feed_arr(p->f, r, "events", path), *ev;
    char where[KZ_FEED_PATH_MAX];
    const char *lo = NULL;
    bool open = false, semver, gave = false;
    size_t i;

    if (!json_is_object(r)) {
        kz_feed_problem(p->f, path, "expected a range object; ignored");
        return false;
    }
    if (type == NULL || (strcmp(type, "SEMVER") != 0 && strcmp(type, "ECOSYSTEM") != 0)) {
        kz_feed_problem(p->f, path, "%s range: %s", type ? type : "untyped",
                        type && strcmp(type, "GIT") == 0
                            ? "commits are not versions; the listed versions are used instead"
                            : "not SEMVER or ECOSYSTEM; ignored");
        return false;
    }
    semver = strcmp(type, "SEMVER") == 0 || p->semver;
    json_array_foreach(events, i, ev) {
        const char *intro, *fixed, *last, *limit;
        kz_feed_path(where, path, "events");
        kz_feed_path_i(where, where, i);
        intro = kz_feed_str(p->f, ev, "introduced", where);
        fixed = kz_feed_str(p->f, ev, "fixed", where);
        last = kz_feed_str(p->f, ev, "last_affected", where);
        limit = kz_feed_str(p->f, ev, "limit", where);
        if ((intro != NULL) + (fixed != NULL) + (last != NULL) + (limit != NULL) != 1) {
            kz_feed_problem(p->f, where, "an event holds exactly one of introduced, fixed, "
                            "last_affected and limit (as a string); ignored");
            continue;
        }
        if (intro != NULL) {
            if (open)
                add_interval(p, semver, lo, ">=", NULL);
            lo = intro;
            open = true;
            continue;
        }
        if (!open) {
            kz_feed_problem(p->f, where, "an upper bound without \"introduced\" before it; read "
                            "as from the first version");
            lo = NULL;
        }
        if (fixed != NULL)
            p->fixed = fixed;
        add_interval(p, semver, lo, last != NULL ? "<=" : "<",
                     fixed ? fixed : last ? last : limit);
        gave = true;
        open = false;
        lo = NULL;
    }
    if (open) {
        add_interval(p, semver, lo, ">=", NULL);
        gave = true;
    }
    return gave;
}

/* Reads one affected[] element into an affected entry. */
static void read_affected(kz_feed *f, json_t *list, const json_t *a, const char *path)
{
    const json_t *package = kz_feed_obj(f, a, "package", path);
    const json_t *ranges = kz_feed_arr(f, a, "ranges", path), *r;
    const json_t *listed = kz_feed_arr(f, a, "versions", path), *v;
    char where[KZ_FEED_PATH_MAX], p2[KZ_FEED_PATH_MAX];
    const char *eco, *name, *purl;
    pkg p = {f, NULL, NULL, false};
    bool ranged = false;
    json_t *e = NULL;
    kz_buf built;
    kz_purl pu; /* about 2 KiB, on the stack: imports stay thread-safe */
    kz_err why;
    size_t i;
    int ei;

    kz_buf_init(&built, KZ_PURL_MAX_BYTES);
    if (!json_is_object(a)) {
        kz_feed_problem(f, path, "expected an affected object; ignored");
        goto out;
    }
    kz_feed_path(where, path, "package");
    eco = kz_feed_str(f, package, "ecosystem", where);
    name = kz_feed_str(f, package, "name", where);
    purl = kz_feed_str(f, package, "purl", where);
    ei = ecosystem_index(eco);
    p.semver = ei >= 0 && ecosystems[ei].semver;
    if (purl != NULL && kz_purl_parse(kz_sv_c(purl), &pu, &why) != KZ_OK) {
        kz_feed_path(p2, where, "purl");
        kz_feed_problem(f, p2, "not a purl (%s); ignored", why.msg);
        purl = NULL;
    }
    if (purl == NULL && name != NULL && !kz_feed_blank(name)) {
        if (!build_purl(&built, ei, name)) {
            f->oom = true;
            goto out;
        }
        if (built.n > 0 && kz_purl_parse((kz_sv){built.p, built.n}, &pu, &why) == KZ_OK)
            purl = built.p;
        else if (built.n > 0)
            kz_feed_problem(f, where, "the purl built from it, \"%.80s\", does not parse (%s)",
                            built.p, why.msg);
    }
    if (kz_feed_blank(name) && purl == NULL) {
        kz_feed_problem(f, path, "names no package (no name, no purl); ignored");
        goto out;
    }
    if ((p.versions = kz_feed_new_arr(f)) == NULL)
        goto out;
    kz_feed_path(where, path, "ranges");
    json_array_foreach(ranges, i, r) {
        kz_feed_path_i(p2, where, i);
        ranged |= read_range(&p, r, p2);
    }
    if (!ranged) {
        kz_feed_path(where, path, "versions");
        json_array_foreach(listed, i, v) {
            kz_feed_path_i(p2, where, i);
            if (!json_is_string(v) || kz_feed_blank(json_string_value(v)))
                kz_feed_problem(f, p2, "expected a version string; ignored");
            else
                add_interval(&p, p.semver, json_string_value(v), NULL, NULL);
        }
    }
    if ((e = kz_feed_new_obj(f)) == NULL)
        goto out;
    kz_feed_set_str(f, e, "product", name);
    kz_feed_set_str(f, e, "purl", purl);
    kz_feed_set_new(f, e, "versions", p.versions);
    p.versions = NULL;
    kz_feed_set_str(f, e, "status", "affected");
    kz_feed_set_str(f, e, "fixed", p.fixed);
    kz_feed_append_new(f, list, e);
out:
    json_decref(p.versions);
    kz_buf_free(&built);
}

/* Adds the CVSS entries of a severity[] array (other types, such as "Ubuntu", are skipped). */
static void add_severity(kz_feed *f, json_t *scores, const json_t *holder, const char *path,
                         const char *source)
{
    static const struct {
        const char *type, *hint;
    } types[] = {{"CVSS_V2", "2.0"}, {"CVSS_V3", NULL}, {"CVSS_V4", "4.0"}};
    const json_t *sev = kz_feed_arr(f, holder, "severity", path), *s;
    char where[KZ_FEED_PATH_MAX];
    size_t i, k;

    json_array_foreach(sev, i, s) {
        const char *type, *vector;
        snprintf(where, sizeof where, "%s/severity/%zu", path, i);
        type = kz_feed_str(f, s, "type", where);
        for (k = 0; type != NULL && k < sizeof types / sizeof types[0]; k++)
            if (strcmp(type, types[k].type) == 0)
                break;
        if (type == NULL || k == sizeof types / sizeof types[0])
            continue;
        vector = kz_feed_str(f, s, "score", where);
        kz_feed_path(where, where, "score");
        kz_feed_score(f, scores, types[k].hint, vector, NULL, source, where);
    }
}

/* Counts the CVE ids among aliases and returns the first. */
static const char *only_cve(const json_t *aliases, size_t *count)
{
    const char *first = NULL;
    const json_t *a;
    size_t i;

    *count = 0;
    json_array_foreach(aliases, i, a) {
        const char *s = json_string_value(a);
        if (s != NULL && strncmp(s, "CVE-", 4) == 0) {
            if (first == NULL || strcmp(first, s) != 0)
                (*count)++;
            if (first == NULL)
                first = s;
        }
    }
    return first;
}

/* Builds the record of one OSV entry and hands it to the sink. */
static kz_rc read_entry(kz_feed *f, const json_t *e, const char *path, kz_err *err)
{
    const char *osv_id = kz_feed_str(f, e, "id", path);
    const char *modified = kz_feed_str(f, e, "modified", path);
    const char *published = kz_feed_str(f, e, "published", path);
    const json_t *aliases = kz_feed_arr(f, e, "aliases", path), *v;
    const json_t *aff = kz_feed_arr(f, e, "affected", path);
    const json_t *refs = kz_feed_arr(f, e, "references", path);
    char revision[KZ_TIME_MAX], t[KZ_TIME_MAX], where[KZ_FEED_PATH_MAX];
    const char *id, *cve;
    json_t *rec = NULL, *o, *list;
    size_t i, ncve;
    kz_rc rc = KZ_OK;

    if (!json_is_object(e)) {
        kz_feed_problem(f, path, "expected an OSV entry object; ignored");
        goto out;
    }
    if (kz_feed_blank(osv_id)) {
        kz_feed_problem(f, path, "an entry without an id is ignored");
        goto out;
    }
    if (!kz_feed_time(modified, revision)) {
        kz_feed_path(where, path, "modified");
        kz_feed_problem(f, where, "%s: \"modified\" is missing or not a date and time; the "
                        "entry is ignored", osv_id);
        goto out;
    }
    if (json_object_get(e, "withdrawn") != NULL) {
        kz_feed_path(where, path, "withdrawn");
        kz_feed_problem(f, where, "%s is withdrawn; it gives no record", osv_id);
        goto out;
    }
    cve = only_cve(aliases, &ncve);
    id = ncve == 1 ? cve : osv_id;
    rec = kz_feed_new_obj(f);
    kz_feed_set_str(f, rec, "id", id);
    if ((list = kz_feed_new_arr(f)) != NULL) {
        kz_feed_add_unique(f, list, osv_id);
        kz_feed_add_unique(f, list, id);
        kz_feed_path(where, path, "aliases");
        json_array_foreach(aliases, i, v) {
            if (json_is_string(v)) {
                kz_feed_add_unique(f, list, json_string_value(v));
            } else {
                char p2[KZ_FEED_PATH_MAX];
                kz_feed_path_i(p2, where, i);
                kz_feed_problem(f, p2, "expected an id string; ignored");
            }
        }
    }
    kz_feed_set_new(f, rec, "aliases", list);
    if ((o = kz_feed_new_obj(f)) != NULL) {
        kz_feed_set_str(f, o, "kind", "osv");
        kz_feed_set_str(f, o, "document", osv_id);
        kz_feed_set_str(f, o, "revision", revision);
        kz_feed_set_str(f, o, "file", f->file);
    }
    kz_feed_set_new(f, rec, "source", o);
    if (published != NULL) {
        if (kz_feed_time(published, t)) {
            kz_feed_set_str(f, rec, "published", t);
        } else {
            kz_feed_path(where, path, "published");
            kz_feed_problem(f, where, "not a date and time; ignored");
        }
    }
    kz_feed_set_str(f, rec, "modified", revision);
    if ((o = kz_feed_new_obj(f)) != NULL) {
        json_t *tx = kz_feed_new_obj(f);
        kz_feed_set_str(f, tx, "title", kz_feed_str(f, e, "summary", path));
        kz_feed_set_str(f, tx, "description", kz_feed_str(f, e, "details", path));
        if (json_object_size(tx) > 0)
            kz_feed_set_new(f, o, "en", tx);
        else
            json_decref(tx);
    }
    if (json_object_size(o) > 0)
        kz_feed_set_new(f, rec, "text", o);
    else
        json_decref(o);
    list = kz_feed_new_arr(f);
    add_severity(f, list, e, path, NULL);
    kz_feed_path(where, path, "affected");
    json_array_foreach(aff, i, v) {
        char p2[KZ_FEED_PATH_MAX];
        kz_feed_path_i(p2, where, i);
        add_severity(f, list, v, p2, NULL);
    }
    if (json_array_size(list) > 0)
        kz_feed_set_new(f, rec, "scores", list);
    else
        json_decref(list);
    list = kz_feed_new_arr(f);
    json_array_foreach(aff, i, v) {
        char p2[KZ_FEED_PATH_MAX];
        kz_feed_path_i(p2, where, i);
        read_affected(f, list, v, p2);
    }
    if (json_array_size(list) > 0)
        kz_feed_set_new(f, rec, "affected", list);
    else
        json_decref(list);
    list = kz_feed_new_arr(f);
    kz_feed_path(where, path, "references");
    json_array_foreach(refs, i, v) {
        char p2[KZ_FEED_PATH_MAX];
        const char *url;
        kz_feed_path_i(p2, where, i);
        url = kz_feed_str(f, v, "url", p2);
        if (kz_feed_blank(url)) {
            kz_feed_problem(f, p2, "a reference without a url is ignored");
            continue;
        }
        if ((o = kz_feed_new_obj(f)) != NULL) {
            kz_feed_set_str(f, o, "url", url);
            kz_feed_set_str(f, o, "summary", kz_feed_str(f, v, "type", p2));
        }
        kz_feed_append_new(f, list, o);
    }
    if (json_array_size(list) > 0)
        kz_feed_set_new(f, rec, "references", list);
    else
        json_decref(list);
    rc = kz_feed_emit(f, rec, path[0] ? path : "/", err);
    rec = NULL; /* kz_feed_emit took it */
out:
    json_decref(rec);
    return rc;
}

kz_rc kz_vuln_parse_osv(const json_t *doc, const char *file, const kz_vuln_sink *sink,
                        kz_err *err)
{
    const char *name = file ? file : "input";
    kz_feed f = {sink, file, false, 0};
    char path[KZ_FEED_PATH_MAX];
    const json_t *e;
    kz_rc rc = KZ_EINVAL;
    size_t i;

    if (sink == NULL || sink->record == NULL) {
        rc = kz_fail(err, KZ_EUSAGE, "%s: no sink to hand records to", name);
        goto out;
    }
    if (json_is_object(doc)) {
        if (!json_is_string(json_object_get(doc, "id"))) {
            kz_fail(err, rc, "%s: /id: not an OSV entry (expected an object with an id string)",
                    name);
            goto out;
        }
        rc = read_entry(&f, doc, "", err);
        goto out;
    }
    if (!json_is_array(doc)) {
        kz_fail(err, rc, "%s: /: expected an OSV entry object or an array of them", name);
        goto out;
    }
    rc = KZ_OK;
    json_array_foreach(doc, i, e) {
        snprintf(path, sizeof path, "/%zu", i);
        if ((rc = read_entry(&f, e, path, err)) != KZ_OK)
            goto out;
    }
out:
    return rc;
}
