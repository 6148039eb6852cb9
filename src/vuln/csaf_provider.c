/*
 * csaf_provider.c - a CSAF provider's folder as a trusted provider publishes it (CSAF 2.0
 * section 7): provider-metadata.json, its ROLIE feeds and its directory distributions, mirrored
 * to a local folder. Nothing here touches the network: every URL the metadata names is mapped
 * onto the folder that holds provider-metadata.json, by the part of its path after the
 * provider's base URL (the folder of "canonical_url"), and a URL outside that base, or one whose
 * path climbs out with "..", is a problem.
 *
 * Order: each distribution's ROLIE feeds first, their entries newest first (by "updated"), then
 * the distribution's directory, walked for *.json (year folders, at most DIR_DEPTH_MAX deep),
 * names in descending order so that later years and numbers come first; the ROLIE feeds read
 * and files named like feeds ("*feed-tlp-*", "*feed.json") are not advisories: left out. A
 * file is given to the callback once, however many feeds and directories list it.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kizuna/vuln.h"

#define PATH_MAX_BYTES 4096
#define DIR_DEPTH_MAX 4 /* folder/white/2024/x.json is two levels below the directory */

/* The walk's state. */
typedef struct {
    const char *meta_path;
    char folder[PATH_MAX_BYTES]; /* the folder of provider-metadata.json */
    char base[PATH_MAX_BYTES];   /* the provider's base URL, ending in '/' */
    const kz_vuln_sink *problems;
    kz_rc (*fn)(void *ctx, const char *path);
    void *ctx;
    json_t *seen; /* paths already given, as an object used as a set */
    size_t max_entries;
} provider;

/* Reports a problem (where, what) to the problem sink, if any. */
static void problem(const provider *p, const char *where, const char *msg)
{
    if (p->problems != NULL && p->problems->problem != NULL)
        p->problems->problem(p->problems->ctx, where, msg);
}

/* True if the string ends with suffix. */
static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/*
 * Maps a URL of the provider onto the local folder: out = folder + the URL's path after the base.
 * False (with a problem at where) when the URL is not under the base or climbs out of it.
 */
static bool map_url(const provider *p, const char *url, const char *where, char *out, size_t cap)
{
    size_t bn = strlen(p->base);
    const char *rest, *seg;
    char msg[600];

    if (url == NULL || strncmp(url, p->base, bn) != 0) {
        snprintf(msg, sizeof msg, "URL \"%.300s\" is not under the provider's base \"%.200s\"; "
                                  "skipped (never fetched)", url ? url : "(not text)", p->base);
        problem(p, where, msg);
        return false;
    }
    rest = url + bn;
    for (seg = rest; *seg != '\0';) {
        size_t n = strcspn(seg, "/");
        if ((n == 2 && strncmp(seg, "..", 2) == 0) || strcspn(seg, "?#\\") < n) {
            snprintf(msg, sizeof msg, "URL \"%.300s\" leaves the provider's folder or carries a "
                                      "query; skipped", url);
            problem(p, where, msg);
            return false;
        }
        seg += n;
        if (*seg == '/')
            seg++;
    }
    /* folder + "/" + rest, with empty segments (a trailing or doubled '/') dropped. */
    if ((size_t)snprintf(out, cap, "%s", p->folder) >= cap)
        goto too_long;
    for (seg = rest; *seg != '\0';) {
        size_t n = strcspn(seg, "/"), len = strlen(out);
        if (n > 0 && (len + 1 + n >= cap ||
                      (size_t)snprintf(out + len, cap - len, "/%.*s", (int)n, seg) >= cap - len))
            goto too_long;
        seg += n;
        if (*seg == '/')
            seg++;
    }
    return true;
too_long:
    problem(p, where, "mapped path too long; skipped");
    return false;
}

/* Gives path to the callback unless it was given before. */
static kz_rc give(provider *p, const char *path)
{
    if (json_object_get(p->seen, path) != NULL)
        return KZ_OK;
    if (json_object_set_new(p->seen, path, json_true()) != 0)
        return KZ_ENOMEM;
    return p->fn(p->ctx, path);
}

/* True if path names a regular file. */
static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Seconds of an RFC 3339 date (Z or +hh:mm offset) for ordering; INT64_MIN when unreadable. */
static int64_t entry_time(const char *s)
{
    char buf[64];
    size_t n = s != NULL ? strlen(s) : 0;
    int64_t off = 0;
    kz_time t;
    kz_err e;

    if (n < 20 || n >= sizeof buf)
        return INT64_MIN;
    memcpy(buf, s, n + 1);
    if (buf[n - 1] != 'Z' && buf[n - 1] != 'z') {
        char *o = buf + n - 6;
        if ((o[0] != '+' && o[0] != '-') || o[3] != ':' || !isdigit((unsigned char)o[1]) ||
            !isdigit((unsigned char)o[2]) || !isdigit((unsigned char)o[4]) ||
            !isdigit((unsigned char)o[5]))
            return INT64_MIN;
        off = ((o[1] - '0') * 10 + (o[2] - '0')) * 3600 + ((o[4] - '0') * 10 + (o[5] - '0')) * 60;
        if (o[0] == '-')
            off = -off;
        o[0] = 'Z';
        o[1] = '\0';
    } else {
        buf[n - 1] = 'Z';
    }
    if (kz_time_parse(kz_sv_c(buf), &t, &e) != KZ_OK)
        return INT64_MIN;
    return t.sec - off;
}

/* A feed entry and its time, for sorting newest first. */
typedef struct {
    const json_t *e;
    int64_t t;
    size_t i;
} feed_item;

static int newest_first(const void *a, const void *b)
{
    const feed_item *x = a, *y = b;

    if (x->t != y->t)
        return x->t > y->t ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The advisory URL of a ROLIE entry: content.src, else the "self" link, else a .json link. */
static const char *entry_url(const json_t *e)
{
    const char *src = json_string_value(json_object_get(json_object_get(e, "content"), "src"));
    const json_t *links = json_object_get(e, "link"), *l;
    const char *json_href = NULL;
    size_t i;

    if (src != NULL)
        return src;
    json_array_foreach(links, i, l) {
        const char *rel = json_string_value(json_object_get(l, "rel"));
        const char *href = json_string_value(json_object_get(l, "href"));
        if (href == NULL)
            continue;
        if (rel != NULL && strcmp(rel, "self") == 0)
            return href;
        if (json_href == NULL && ends_with(href, ".json"))
            json_href = href;
    }
    return json_href;
}

/* Follows one ROLIE feed file: every entry's advisory, newest first. */
static kz_rc read_feed(provider *p, const char *feed_path, kz_err *err)
{
    json_error_t je;
    json_t *feed = json_load_file(feed_path, 0, &je);
    const json_t *entries, *e;
    feed_item *items = NULL;
    char where[PATH_MAX_BYTES + 64], path[PATH_MAX_BYTES], msg[600];
    size_t i, n = 0;
    kz_rc rc = KZ_OK;

    if (feed == NULL) {
        snprintf(msg, sizeof msg, "feed cannot be read: %s (line %d); skipped", je.text, je.line);
        problem(p, feed_path, msg);
        goto out;
    }
    entries = json_object_get(json_object_get(feed, "feed"), "entry");
    if (!json_is_array(entries)) {
        snprintf(where, sizeof where, "%s: /feed/entry", feed_path);
        problem(p, where, "expected an array of entries; feed skipped");
        goto out;
    }
    if (json_array_size(entries) > p->max_entries) {
        rc = kz_fail(err, KZ_ELIMIT, "%s: /feed/entry: more than %zu entries", feed_path,
                     p->max_entries);
        goto out;
    }
    if ((items = calloc(json_array_size(entries) + 1, sizeof *items)) == NULL) {
        rc = kz_fail(err, KZ_ENOMEM, "%s: out of memory", feed_path);
        goto out;
    }
    json_array_foreach(entries, i, e) {
        items[n].e = e;
        items[n].i = i;
        items[n++].t = entry_time(json_string_value(json_object_get(e, "updated")));
    }
    qsort(items, n, sizeof *items, newest_first);
    for (i = 0; i < n; i++) {
        const char *url = entry_url(items[i].e);
        snprintf(where, sizeof where, "%s: /feed/entry/%zu", feed_path, items[i].i);
        if (url == NULL) {
            problem(p, where, "entry has no content.src or link href; skipped");
            continue;
        }
        if (!map_url(p, url, where, path, sizeof path))
            continue;
        if (!is_file(path)) {
            snprintf(msg, sizeof msg, "advisory file \"%.400s\" is missing; skipped", path);
            problem(p, where, msg);
            continue;
        }
        if ((rc = give(p, path)) != KZ_OK) {
            if (rc == KZ_ENOMEM)
                kz_fail(err, rc, "%s: out of memory", feed_path);
            goto out;
        }
    }
out:
    free(items);
    json_decref(feed);
    return rc;
}

/* Compares two strings for qsort, descending. */
static int name_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Walks a directory distribution: every *.json below dir (not provider-metadata.json). */
static kz_rc walk_dir(provider *p, const char *dir, int depth, kz_err *err)
{
    DIR *d = NULL;
    struct dirent *de;
    char **names = NULL, path[PATH_MAX_BYTES];
    size_t n = 0, cap = 0, i;
    kz_rc rc = KZ_OK;

    if (depth > DIR_DEPTH_MAX)
        goto out;
    if ((d = opendir(dir)) == NULL) {
        problem(p, dir, "directory distribution cannot be opened; skipped");
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (kz_grow(&names, &cap, n, sizeof *names, 64) != KZ_OK ||
            (names[n] = strdup(de->d_name)) == NULL) {
            rc = kz_fail(err, KZ_ENOMEM, "%s: out of memory", dir);
            goto out;
        }
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof *names, name_desc);
    for (i = 0; i < n; i++) {
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path ||
            stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if ((rc = walk_dir(p, path, depth + 1, err)) != KZ_OK)
                goto out;
        } else if (S_ISREG(st.st_mode) && ends_with(names[i], ".json") &&
                   strcmp(names[i], "provider-metadata.json") != 0 &&
                   strstr(names[i], "feed-tlp-") == NULL && !ends_with(names[i], "feed.json")) {
            if ((rc = give(p, path)) != KZ_OK) {
                if (rc == KZ_ENOMEM)
                    kz_fail(err, rc, "%s: out of memory", path);
                goto out;
            }
        }
    }
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (d != NULL)
        closedir(d);
    return rc;
}

/* Reads one entry of /distributions: its ROLIE feeds, then its directory. */
static kz_rc read_distribution(provider *p, const json_t *dist, size_t di, kz_err *err)
{
    const json_t *feeds = json_object_get(json_object_get(dist, "rolie"), "feeds"), *f;
    const char *dir_url = json_string_value(json_object_get(dist, "directory_url"));
    char where[PATH_MAX_BYTES + 96], path[PATH_MAX_BYTES];
    size_t i;
    kz_rc rc = KZ_OK;

    json_array_foreach(feeds, i, f) {
        snprintf(where, sizeof where, "%s: /distributions/%zu/rolie/feeds/%zu/url",
                 p->meta_path, di, i);
        if (!map_url(p, json_string_value(json_object_get(f, "url")), where, path, sizeof path))
            continue;
        if (!is_file(path)) {
            problem(p, where, "feed file is missing; skipped");
            continue;
        }
        /* A feed is not an advisory: keep the directory walk from giving it. */
        if (json_object_set_new(p->seen, path, json_true()) != 0) {
            rc = kz_fail(err, KZ_ENOMEM, "%s: out of memory", path);
            goto out;
        }
        if ((rc = read_feed(p, path, err)) != KZ_OK)
            goto out;
    }
    if (dir_url != NULL) {
        snprintf(where, sizeof where, "%s: /distributions/%zu/directory_url", p->meta_path, di);
        if (map_url(p, dir_url, where, path, sizeof path))
            rc = walk_dir(p, path, 0, err);
    }
out:
    return rc;
}

kz_rc kz_vuln_csaf_provider(const char *metadata_path, const kz_limits *lim,
                            kz_rc (*fn)(void *ctx, const char *path),
                            const kz_vuln_sink *problems, void *ctx, kz_err *err)
{
    kz_limits def = kz_limits_default();
    provider p;
    json_error_t je;
    json_t *meta = NULL;
    const json_t *dists, *d;
    const char *canon, *slash;
    size_t i;
    kz_rc rc = KZ_EUSAGE;

    memset(&p, 0, sizeof p);
    if (metadata_path == NULL || fn == NULL) {
        kz_fail(err, rc, "provider: a metadata path and a callback are needed");
        goto out;
    }
    p.meta_path = metadata_path;
    p.problems = problems;
    p.fn = fn;
    p.ctx = ctx;
    p.max_entries = (lim != NULL ? lim : &def)->objects;
    rc = KZ_EINVAL;
    slash = strrchr(metadata_path, '/');
    if ((size_t)snprintf(p.folder, sizeof p.folder, "%.*s",
                         slash ? (int)(slash - metadata_path) : 1,
                         slash ? metadata_path : ".") >= sizeof p.folder) {
        kz_fail(err, rc, "%s: path too long", metadata_path);
        goto out;
    }
    if (slash == metadata_path)
        snprintf(p.folder, sizeof p.folder, "/");
    if ((meta = json_load_file(metadata_path, 0, &je)) == NULL) {
        rc = kz_fail(err, KZ_EIO, "%s: cannot read: %s (line %d)", metadata_path, je.text,
                     je.line);
        goto out;
    }
    canon = json_string_value(json_object_get(meta, "canonical_url"));
    if (!json_is_object(meta) || canon == NULL || (slash = strrchr(canon, '/')) == NULL ||
        !ends_with(canon, "provider-metadata.json")) {
        kz_fail(err, rc, "%s: /canonical_url: expected the URL of provider-metadata.json; "
                         "not a CSAF provider metadata file", metadata_path);
        goto out;
    }
    snprintf(p.base, sizeof p.base, "%.*s", (int)(slash - canon + 1), canon);
    dists = json_object_get(meta, "distributions");
    if (dists != NULL && !json_is_array(dists)) {
        kz_fail(err, rc, "%s: /distributions: expected an array", metadata_path);
        goto out;
    }
    rc = KZ_ENOMEM;
    if ((p.seen = json_object()) == NULL) {
        kz_fail(err, rc, "%s: out of memory", metadata_path);
        goto out;
    }
    rc = KZ_OK;
    json_array_foreach(dists, i, d) {
        if ((rc = read_distribution(&p, d, i, err)) != KZ_OK)
            goto out;
    }
out:
    json_decref(p.seen);
    json_decref(meta);
    return rc;
}
