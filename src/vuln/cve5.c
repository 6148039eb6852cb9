/*
 * cve5.c - the importer of CVE JSON 5.x records (CVE Record Format 5.0 to 5.2), and the helpers
 * the three JSON feed importers share (feeds_int.h).
 *
 * One published CVE record gives one vulnerability record (vuln.h) built from the CNA container
 * and every ADP container (notably CISA-ADP, which adds CVSS scores, CWEs and CPE-keyed affected
 * entries to records whose CNA wrote "n/a"). A REJECTED record gives no record and a problem.
 *
 * Affected products: each cna/adp affected[] item gives up to three entries, one per status
 * ("affected", "not_affected" for versions[] marked unaffected, "under_investigation" for
 * versions marked unknown). Its valid CPEs each give a copy of those entries with "cpe" set (the
 * matcher keys on one CPE per entry); a packageURL becomes "purl". vendor or product "n/a" is
 * omitted, and an item that then names no product is skipped with a problem. Versions become
 * range texts that kz_range_parse reads:
 *   version + lessThan / lessThanOrEqual  -> "vers:<scheme>/>=<version>|<<lessThan>"
 *       (scheme "semver" when versionType is semver and both ends are semver, else "generic";
 *        version "0", "*", "n/a", "unspecified" or "-" means no lower bound, lessThan "*" no
 *        upper bound; changes[] split the interval at each "at" and hand each piece to the
 *        entry of its status);
 *   a version alone                        -> the text as written ("1.2.3" means equal; prose
 *       such as "All versions prior to 1.14 Build 20230219" is left to kz_range_parse, which
 *       answers POSSIBLY when it cannot read it); "n/a" and "unspecified" give nothing;
 *   no versions at all                      -> ["All versions"] when defaultStatus is affected
 *       (or unaffected, for a not_affected entry), else [].
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kizuna/cpe.h"
#include "kizuna/cvss.h"
#include "kizuna/purl.h"
#include "kizuna/version.h"
#include "kizuna/vuln.h"
#include "feeds_int.h"

/* ==== helpers shared by the feed importers (feeds_int.h) ================================= */

void kz_feed_problem(kz_feed *f, const char *where, const char *fmt, ...)
{
    char msg[KZ_ERR_MAX];
    va_list ap;

    f->problems++;
    if (f->sink == NULL || f->sink->problem == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f->sink->problem(f->sink->ctx, where, msg);
}

/* Both path builders go through a copy, so that out may be path itself. */
void kz_feed_path(char out[KZ_FEED_PATH_MAX], const char *path, const char *key)
{
    char tmp[KZ_FEED_PATH_MAX];

    snprintf(tmp, sizeof tmp, "%s/%s", path, key);
    memcpy(out, tmp, strlen(tmp) + 1);
}

void kz_feed_path_i(char out[KZ_FEED_PATH_MAX], const char *path, size_t i)
{
    char tmp[KZ_FEED_PATH_MAX];

    snprintf(tmp, sizeof tmp, "%s/%zu", path, i);
    memcpy(out, tmp, strlen(tmp) + 1);
}

/* The member of obj, or NULL (absent, null, or obj not an object). */
static const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v;

    if (!json_is_object(obj))
        return NULL;
    v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

/* Reports that obj[key] has the wrong type. */
static void wrong_type(kz_feed *f, const char *path, const char *key, const char *expected)
{
    char where[KZ_FEED_PATH_MAX];

    kz_feed_path(where, path, key);
    kz_feed_problem(f, where, "expected %s; the value is ignored", expected);
}

const char *kz_feed_str(kz_feed *f, const json_t *obj, const char *key, const char *path)
{
    const json_t *v = member(obj, key);

    if (v == NULL)
        return NULL;
    if (!json_is_string(v)) {
        wrong_type(f, path, key, "a string");
        return NULL;
    }
    return json_string_value(v);
}

const json_t *kz_feed_arr(kz_feed *f, const json_t *obj, const char *key, const char *path)
{
    const json_t *v = member(obj, key);

    if (v == NULL)
        return NULL;
    if (!json_is_array(v)) {
        wrong_type(f, path, key, "an array");
        return NULL;
    }
    return v;
}

const json_t *kz_feed_obj(kz_feed *f, const json_t *obj, const char *key, const char *path)
{
    const json_t *v = member(obj, key);

    if (v == NULL)
        return NULL;
    if (!json_is_object(v)) {
        wrong_type(f, path, key, "an object");
        return NULL;
    }
    return v;
}

/* White space as the feeds use it: ASCII blanks and line ends. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The view of s without leading and trailing white space. */
static kz_sv trimmed(const char *s)
{
    kz_sv v = kz_sv_c(s);

    while (v.n > 0 && is_space(v.p[0]))
        v.p++, v.n--;
    while (v.n > 0 && is_space(v.p[v.n - 1]))
        v.n--;
    return v;
}

bool kz_feed_blank(const char *s)
{
    return trimmed(s).n == 0;
}

/* Reads n digits of s at *i into *out and moves *i past them. */
static bool take_digits(const char *s, size_t *i, int n, int *out)
{
    int v = 0;

    for (int k = 0; k < n; k++) {
        char c = s[*i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
        (*i)++;
    }
    *out = v;
    return true;
}

bool kz_feed_time(const char *s, char out[KZ_TIME_MAX])
{
    int Y, M, D, h = 0, m = 0, sec = 0, oh = 0, om = 0, sign = 0, fd = 0;
    char frac[10] = "000000000", canon[48];
    size_t i = 0;
    kz_time t;
    kz_err ignored;
    bool ok = false;

    out[0] = '\0';
    if (s == NULL || !take_digits(s, &i, 4, &Y) || s[i++] != '-' || !take_digits(s, &i, 2, &M) ||
        s[i++] != '-' || !take_digits(s, &i, 2, &D))
        goto out;
    if (s[i] == 'T' || s[i] == 't' || s[i] == ' ') {
        i++;
        if (!take_digits(s, &i, 2, &h) || s[i++] != ':' || !take_digits(s, &i, 2, &m))
            goto out;
        if (s[i] == ':') {
            i++;
            if (!take_digits(s, &i, 2, &sec))
                goto out;
        }
        if (s[i] == '.' || s[i] == ',') {
            i++;
            if (s[i] < '0' || s[i] > '9')
                goto out;
            for (; s[i] >= '0' && s[i] <= '9'; i++)
                if (fd < 9)
                    frac[fd++] = s[i];
        }
        if (s[i] == 'Z' || s[i] == 'z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            sign = s[i++] == '-' ? -1 : 1;
            if (!take_digits(s, &i, 2, &oh))
                goto out;
            if (s[i] == ':')
                i++;
            if (!take_digits(s, &i, 2, &om) || oh > 23 || om > 59)
                goto out;
        }
    }
    if (s[i] != '\0')
        goto out;
    snprintf(canon, sizeof canon, "%04d-%02d-%02dT%02d:%02d:%02d.%.9sZ", Y, M, D, h, m, sec,
             frac);
    if (kz_time_parse(kz_sv_c(canon), &t, &ignored) != KZ_OK)
        goto out;
    t.sec -= (int64_t)sign * (oh * 3600 + om * 60);
    kz_time_format(&t, 3, out);
    ok = true;
out:
    return ok;
}

json_t *kz_feed_new_obj(kz_feed *f)
{
    json_t *o = f->oom ? NULL : json_object();

    if (o == NULL)
        f->oom = true;
    return o;
}

json_t *kz_feed_new_arr(kz_feed *f)
{
    json_t *a = f->oom ? NULL : json_array();

    if (a == NULL)
        f->oom = true;
    return a;
}

void kz_feed_set_new(kz_feed *f, json_t *o, const char *key, json_t *v)
{
    if (v == NULL || o == NULL || f->oom || json_object_set_new(o, key, v) != 0) {
        if (v != NULL && (o == NULL || f->oom))
            json_decref(v);
        f->oom = true;
    }
}

void kz_feed_append_new(kz_feed *f, json_t *a, json_t *v)
{
    if (v == NULL || a == NULL || f->oom || json_array_append_new(a, v) != 0) {
        if (v != NULL && (a == NULL || f->oom))
            json_decref(v);
        f->oom = true;
    }
}

void kz_feed_set_str(kz_feed *f, json_t *o, const char *key, const char *s)
{
    kz_sv v = trimmed(s);

    if (v.n == 0 || f->oom)
        return;
    kz_feed_set_new(f, o, key, json_stringn(v.p, v.n));
}

void kz_feed_add_unique(kz_feed *f, json_t *a, const char *s)
{
    kz_sv v = trimmed(s);
    json_t *e;
    size_t i;

    if (v.n == 0 || f->oom)
        return;
    json_array_foreach(a, i, e) {
        if (json_string_length(e) == v.n && memcmp(json_string_value(e), v.p, v.n) == 0)
            return;
    }
    kz_feed_append_new(f, a, json_stringn(v.p, v.n));
}

/* The version a vector names by its prefix ("CVSS:3.1/" -> "3.1"), or NULL. */
static const char *version_of_prefix(const char *vector)
{
    static const char *const known[] = {"2.0", "3.0", "3.1", "4.0"};

    if (strncmp(vector, "CVSS:", 5) != 0)
        return NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strncmp(vector + 5, known[i], 3) == 0 && vector[8] == '/')
            return known[i];
    return NULL;
}

void kz_feed_score(kz_feed *f, json_t *scores, const char *hint, const char *vector,
                   const json_t *published, const char *source, const char *path)
{
    char problem[KZ_ERR_MAX] = "", sev[16];
    const char *version, *s;
    json_t *e = NULL;
    kz_err err;
    kz_cvss c;
    size_t k;

    if (vector == NULL || kz_feed_blank(vector)) {
        kz_feed_problem(f, path, "a CVSS score without a vector string is ignored");
        goto out;
    }
    if (published != NULL && !json_is_number(published)) {
        kz_feed_problem(f, path, "the published base score is not a number; ignored");
        published = NULL;
    }
    if ((e = kz_feed_new_obj(f)) == NULL)
        goto out;
    if (kz_cvss_parse(trimmed(vector), &c, &err) != KZ_OK) {
        version = version_of_prefix(vector);
        if (version == NULL)
            version = hint;
        if (version == NULL) {
            kz_feed_problem(f, path, "CVSS vector \"%.80s\" of unknown version: %s", vector,
                            err.msg);
            goto out;
        }
        snprintf(problem, sizeof problem, "the vector does not parse: %s", err.msg);
        kz_feed_set_new(f, e, "base_score", json_null());
    } else {
        double base = kz_cvss_base_score(&c);
        version = kz_cvss_version_str(c.version);
        kz_feed_set_new(f, e, "base_score", json_real(base));
        s = kz_cvss_severity(base, c.version);
        for (k = 0; s[k] != '\0' && k + 1 < sizeof sev; k++)
            sev[k] = (char)toupper((unsigned char)s[k]);
        sev[k] = '\0';
        kz_feed_set_str(f, e, "severity", sev);
        if (published != NULL && fabs(json_number_value(published) - base) > 0.05) {
            double pub = json_number_value(published);
            int n = snprintf(problem, sizeof problem,
                             "published base score %.1f differs from %.1f computed from the "
                             "vector",
                             pub, base);
            if (n > 0 && (size_t)n < sizeof problem) {
                if ((kz_cvss_groups(&c) & KZ_CVSS_TEMPORAL) &&
                    fabs(kz_cvss_temporal_score(&c) - pub) <= 0.05)
                    snprintf(problem + n, sizeof problem - (size_t)n,
                             "; it is the vector's temporal score");
                else if ((kz_cvss_groups(&c) & KZ_CVSS_ENVIRONMENTAL) &&
                         fabs(kz_cvss_environmental_score(&c) - pub) <= 0.05)
                    snprintf(problem + n, sizeof problem - (size_t)n,
                             "; it is the vector's environmental score");
            }
        }
        if (hint != NULL && strcmp(hint, version) != 0 && problem[0] == '\0')
            snprintf(problem, sizeof problem, "filed as CVSS %s but the vector is CVSS %s",
                     hint, version);
    }
    kz_feed_set_str(f, e, "version", version);
    kz_feed_set_str(f, e, "vector", vector);
    if (published != NULL)
        kz_feed_set_new(f, e, "published_score", json_real(json_number_value(published)));
    kz_feed_set_str(f, e, "source", source);
    if (problem[0] != '\0') {
        kz_feed_set_str(f, e, "problem", problem);
        kz_feed_problem(f, path, "%s", problem);
    }
    kz_feed_append_new(f, scores, e);
    e = NULL;
out:
    json_decref(e);
}

bool kz_feed_vers_append(kz_buf *b, const char *version)
{
    kz_sv v = trimmed(version);

    for (size_t i = 0; i < v.n; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c <= ' ' || c >= 0x7f || c == '%' || c == '|' || c == ',') {
            if (kz_buf_printf(b, "%%%02X", c) != KZ_OK)
                return false;
        } else if (kz_buf_append(b, &v.p[i], 1) != KZ_OK) {
            return false;
        }
    }
    return true;
}

kz_rc kz_feed_emit(kz_feed *f, json_t *rec, const char *where, kz_err *err)
{
    kz_rc rc = KZ_OK;
    kz_err why;

    if (f->oom) {
        rc = kz_fail(err, KZ_ENOMEM, "%s: out of memory building the record at %s",
                     f->file ? f->file : "input", where);
        goto out;
    }
    if (kz_vuln_record_check(rec, &why) != KZ_OK) {
        kz_feed_problem(f, where, "the record built from this entry is not valid (%s); dropped",
                        why.msg);
        goto out;
    }
    rc = f->sink->record(f->sink->ctx, rec);
    rec = NULL; /* the sink took it */
    if (rc != KZ_OK) /* the sink has no err of its own to fill */
        kz_fail(err, rc, "%s: the sink refused the record from %s", f->file ? f->file : "input",
                where);
out:
    json_decref(rec);
    return rc;
}

/* ==== CVE JSON 5 ========================================================================= */

/* One CVE record being imported. */
typedef struct {
    kz_feed *f;
    json_t *rec;
    json_t *cwes, *scores, *affected, *remediations, *references;
} cve;

/* True if s is one of the words CVE records use for "no value" ("n/a", ...), any case. */
static bool is_na(const char *s)
{
    static const char *const words[] = {"n/a", "na", "unspecified", "unknown", "-", "none"};
    kz_sv v = trimmed(s);

    if (v.n == 0)
        return true;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == v.n && strncasecmp(v.p, words[i], v.n) == 0)
            return true;
    return false;
}

/* True if a lower bound of s means "from the first version". */
static bool no_lower_bound(const char *s)
{
    kz_sv v = trimmed(s);

    return is_na(s) || kz_sv_eq_c(v, "0") || kz_sv_eq_c(v, "*");
}

/* The first sentence of text (up to and with ". ", or the end; at most 200 bytes, cut on a UTF-8
 * boundary), as a view into text. */
static kz_sv first_sentence(const char *text)
{
    kz_sv v = trimmed(text);
    size_t n;

    for (n = 0; n < v.n; n++)
        if (v.p[n] == '.' && (n + 1 == v.n || is_space(v.p[n + 1]))) {
            n++; /* the full stop belongs to the sentence */
            break;
        }
    if (n > 200) {
        n = 200;
        while (n > 0 && ((unsigned char)v.p[n] & 0xC0) == 0x80)
            n--;
    }
    v.n = n;
    return v;
}

/* The text of cna.descriptions in language lang ("en" takes en, en-US, en-GB, ...), or NULL. */
static const char *description(cve *c, const json_t *cna, const char *lang, const char *path)
{
    const json_t *descs = kz_feed_arr(c->f, cna, "descriptions", path), *d;
    char where[KZ_FEED_PATH_MAX];
    size_t i, ln = strlen(lang);

    json_array_foreach(descs, i, d) {
        const char *l, *v;
        kz_feed_path_i(where, path, i);
        if (!json_is_object(d)) {
            kz_feed_problem(c->f, where, "expected a description object; ignored");
            continue;
        }
        l = kz_feed_str(c->f, d, "lang", where);
        v = kz_feed_str(c->f, d, "value", where);
        if (l != NULL && v != NULL && !kz_feed_blank(v) && strncasecmp(l, lang, ln) == 0 &&
            (l[ln] == '\0' || l[ln] == '-' || l[ln] == '_'))
            return v;
    }
    return NULL;
}

/* Sets record.text from the CNA container's title and descriptions. */
static void add_text(cve *c, const json_t *cna)
{
    const char *title = kz_feed_str(c->f, cna, "title", "/containers/cna");
    const char *en = description(c, cna, "en", "/containers/cna/descriptions");
    const char *ja = description(c, cna, "ja", "/containers/cna/descriptions");
    json_t *text = kz_feed_new_obj(c->f), *t;

    if (text == NULL)
        return;
    if (!kz_feed_blank(title) || en != NULL) {
        if ((t = kz_feed_new_obj(c->f)) != NULL) {
            if (!kz_feed_blank(title)) {
                kz_feed_set_str(c->f, t, "title", title);
            } else {
                kz_sv s = first_sentence(en);
                if (s.n > 0)
                    kz_feed_set_new(c->f, t, "title", json_stringn(s.p, s.n));
            }
            kz_feed_set_str(c->f, t, "description", en);
        }
        kz_feed_set_new(c->f, text, "en", t);
    }
    if (ja != NULL) {
        if ((t = kz_feed_new_obj(c->f)) != NULL)
            kz_feed_set_str(c->f, t, "description", ja);
        kz_feed_set_new(c->f, text, "ja", t);
    }
    if (json_object_size(text) > 0)
        kz_feed_set_new(c->f, c->rec, "text", text);
    else
        json_decref(text);
}

/* Length of the "CWE-<digits>" at the start of s, or 0. */
static size_t cwe_prefix(const char *s)
{
    size_t n = 4;

    if (s == NULL || strncmp(s, "CWE-", 4) != 0)
        return 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n > 4 ? n : 0;
}

/* Adds the CWEs of one container's problemTypes, without repeats. */
static void add_cwes(cve *c, const json_t *box, const char *path)
{
    char where[KZ_FEED_PATH_MAX], p2[KZ_FEED_PATH_MAX], p3[KZ_FEED_PATH_MAX];
    const json_t *pts = kz_feed_arr(c->f, box, "problemTypes", path), *pt, *d;
    size_t i, j, k;

    kz_feed_path(where, path, "problemTypes");
    json_array_foreach(pts, i, pt) {
        const json_t *descs;
        kz_feed_path_i(p2, where, i);
        descs = kz_feed_arr(c->f, pt, "descriptions", p2);
        kz_feed_path(p2, p2, "descriptions");
        json_array_foreach(descs, j, d) {
            const char *id, *text;
            char idbuf[32];
            json_t *e, *old;
            kz_sv name;
            size_t n;
            kz_feed_path_i(p3, p2, j);
            id = kz_feed_str(c->f, d, "cweId", p3);
            text = kz_feed_str(c->f, d, "description", p3);
            if (id == NULL && (n = cwe_prefix(text)) > 0 && n < sizeof idbuf) {
                memcpy(idbuf, text, n); /* "CWE-78 ..." written without cweId */
                idbuf[n] = '\0';
                id = idbuf;
            }
            if (id == NULL)
                continue;
            if ((n = cwe_prefix(id)) == 0 || id[n] != '\0') {
                kz_feed_problem(c->f, p3, "\"%.40s\" is not a CWE id (CWE-<n>); ignored", id);
                continue;
            }
            json_array_foreach(c->cwes, k, old) {
                if (strcmp(json_string_value(json_object_get(old, "id")), id) == 0)
                    break;
            }
            if (k < json_array_size(c->cwes))
                continue;
            if ((e = kz_feed_new_obj(c->f)) == NULL)
                return;
            kz_feed_set_str(c->f, e, "id", id);
            /* The description names the weakness only when it starts with the id ("CWE-78:
             * Improper ..."); otherwise it is an impact ("Execute unauthorized code"). */
            if (text != NULL && strncmp(text, id, strlen(id)) == 0) {
                name = trimmed(text + strlen(id));
                while (name.n > 0 && (name.p[0] == ':' || is_space(name.p[0])))
                    name.p++, name.n--;
                if (name.n > 0)
                    kz_feed_set_new(c->f, e, "name", json_stringn(name.p, name.n));
            }
            kz_feed_append_new(c->f, c->cwes, e);
        }
    }
}

/* Adds the CVSS scores of one container's metrics. */
static void add_scores(cve *c, const json_t *box, const char *path, const char *source)
{
    static const struct {
        const char *key, *version;
    } kinds[] = {{"cvssV4_0", "4.0"}, {"cvssV3_1", "3.1"}, {"cvssV3_0", "3.0"},
                 {"cvssV2_0", "2.0"}};
    char where[KZ_FEED_PATH_MAX], p2[KZ_FEED_PATH_MAX], p3[KZ_FEED_PATH_MAX];
    const json_t *ms = kz_feed_arr(c->f, box, "metrics", path), *m;
    size_t i;

    kz_feed_path(where, path, "metrics");
    json_array_foreach(ms, i, m) {
        kz_feed_path_i(p2, where, i);
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            const json_t *cv = kz_feed_obj(c->f, m, kinds[k].key, p2);
            if (cv == NULL)
                continue;
            kz_feed_path(p3, p2, kinds[k].key);
            kz_feed_score(c->f, c->scores, kinds[k].version,
                          kz_feed_str(c->f, cv, "vectorString", p3), member(cv, "baseScore"),
                          source, p3);
        }
    }
}

/* Adds one container's references, without repeating a URL. */
static void add_references(cve *c, const json_t *box, const char *path)
{
    char where[KZ_FEED_PATH_MAX], p2[KZ_FEED_PATH_MAX];
    const json_t *refs = kz_feed_arr(c->f, box, "references", path), *r, *old;
    size_t i, k;

    kz_feed_path(where, path, "references");
    json_array_foreach(refs, i, r) {
        const char *url, *name;
        json_t *e;
        kz_feed_path_i(p2, where, i);
        url = kz_feed_str(c->f, r, "url", p2);
        name = kz_feed_str(c->f, r, "name", p2);
        if (kz_feed_blank(url)) {
            kz_feed_problem(c->f, p2, "a reference without a url is ignored");
            continue;
        }
        json_array_foreach(c->references, k, old) {
            if (kz_sv_eq(trimmed(url), kz_sv_c(json_string_value(json_object_get(old, "url")))))
                break;
        }
        if (k < json_array_size(c->references))
            continue;
        if ((e = kz_feed_new_obj(c->f)) == NULL)
            return;
        kz_feed_set_str(c->f, e, "url", url);
        if (name != NULL && !kz_sv_eq(trimmed(name), trimmed(url)))
            kz_feed_set_str(c->f, e, "summary", name);
        kz_feed_append_new(c->f, c->references, e);
    }
}

/* True if a solution text says to install a fixed version. */
static bool says_fix(const char *text)
{
    static const char *const words[] = {"update", "upgrade", "patch", "fixed in", "fixed version",
                                        "firmware version"};
    kz_sv v = kz_sv_c(text);

    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t n = strlen(words[w]);
        for (size_t i = 0; i + n <= v.n; i++)
            if (strncasecmp(v.p + i, words[w], n) == 0)
                return true;
    }
    return false;
}

/* Adds cna.solutions and cna.workarounds as remediations. */
static void add_remediations(cve *c, const json_t *cna, const char *key)
{
    char where[KZ_FEED_PATH_MAX], p2[KZ_FEED_PATH_MAX];
    const json_t *list = kz_feed_arr(c->f, cna, key, "/containers/cna"), *s;
    bool workaround = strcmp(key, "workarounds") == 0;
    size_t i;

    kz_feed_path(where, "/containers/cna", key);
    json_array_foreach(list, i, s) {
        const char *text, *lang;
        json_t *e;
        kz_feed_path_i(p2, where, i);
        text = kz_feed_str(c->f, s, "value", p2);
        lang = kz_feed_str(c->f, s, "lang", p2);
        if (kz_feed_blank(text))
            continue;
        if ((e = kz_feed_new_obj(c->f)) == NULL)
            return;
        kz_feed_set_str(c->f, e, "category",
                        workaround ? "workaround" : says_fix(text) ? "vendor_fix" : "mitigation");
        kz_feed_set_str(c->f, e, "text", text);
        kz_feed_set_str(c->f, e, "lang", lang);
        kz_feed_append_new(c->f, c->remediations, e);
    }
}

/* The lists of range texts of one affected[] item, by status. */
enum { ST_AFFECTED, ST_UNAFFECTED, ST_UNKNOWN, ST_N };

typedef struct {
    json_t *versions[ST_N];
    bool named[ST_N]; /* the item named this status for some version */
} statuses;

/* The ST_* of a CVE version status, or -1. */
static int status_of(const char *s)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "affected") == 0)
        return ST_AFFECTED;
    if (strcmp(s, "unaffected") == 0)
        return ST_UNAFFECTED;
    if (strcmp(s, "unknown") == 0)
        return ST_UNKNOWN;
    return -1;
}

/* Appends "vers:<scheme>/[>=lo|]<op><hi>" (lo NULL: no lower bound; hi NULL: no upper bound) to
 * the list of status st. */
static void add_interval(cve *c, statuses *sts, int st, bool semver, const char *lo,
                         const char *op, const char *hi)
{
    kz_err ignored;
    kz_buf b;
    bool ok;

    if (lo != NULL && no_lower_bound(lo))
        lo = NULL;
    if (hi != NULL && kz_sv_eq_c(trimmed(hi), "*"))
        hi = NULL;
    if (semver && ((lo != NULL && kz_version_check(trimmed(lo), KZ_VERSION_SEMVER, &ignored)) ||
                   (hi != NULL && kz_version_check(trimmed(hi), KZ_VERSION_SEMVER, &ignored))))
        semver = false; /* "semver" with versions that are not: compare them generically */
    kz_buf_init(&b, 4 * KZ_RANGE_MAX_BYTES);
    ok = kz_buf_puts(&b, semver ? "vers:semver/" : "vers:generic/") == KZ_OK;
    if (lo == NULL && hi == NULL) {
        ok = ok && kz_buf_puts(&b, "*") == KZ_OK;
    } else {
        if (lo != NULL)
            ok = ok && kz_buf_puts(&b, ">=") == KZ_OK && kz_feed_vers_append(&b, lo) &&
                 (hi == NULL || kz_buf_puts(&b, "|") == KZ_OK);
        if (hi != NULL)
            ok = ok && kz_buf_puts(&b, op) == KZ_OK && kz_feed_vers_append(&b, hi);
    }
    if (!ok)
        c->f->oom = true;
    else
        kz_feed_add_unique(c->f, sts->versions[st], b.p);
    kz_buf_free(&b);
}

/* Reads one versions[] element into the status lists. */
static void read_version(cve *c, statuses *sts, const json_t *v, const char *path)
{
    const char *version = kz_feed_str(c->f, v, "version", path);
    const char *status = kz_feed_str(c->f, v, "status", path);
    const char *type = kz_feed_str(c->f, v, "versionType", path);
    const char *lt = kz_feed_str(c->f, v, "lessThan", path);
    const char *le = kz_feed_str(c->f, v, "lessThanOrEqual", path);
    const json_t *changes = kz_feed_arr(c->f, v, "changes", path), *ch;
    char where[KZ_FEED_PATH_MAX];
    bool semver = type != NULL && strcmp(type, "semver") == 0;
    const char *lo = version;
    int st = status_of(status), cur;
    size_t i;

    if (!json_is_object(v)) {
        kz_feed_problem(c->f, path, "expected a version object; ignored");
        return;
    }
    if (st < 0) {
        kz_feed_problem(c->f, path, "status \"%.40s\" (expected affected, unaffected or "
                        "unknown); the version is ignored", status ? status : "(none)");
        return;
    }
    sts->named[st] = true;
    if (version == NULL) {
        kz_feed_problem(c->f, path, "a version without \"version\" is ignored");
        return;
    }
    if (lt == NULL && le == NULL) {
        if (changes != NULL && json_array_size(changes) > 0)
            kz_feed_problem(c->f, path, "\"changes\" without lessThan or lessThanOrEqual are "
                            "ignored");
        if (!is_na(version))
            kz_feed_add_unique(c->f, sts->versions[st], version);
        return;
    }
    if (lt != NULL && le != NULL)
        kz_feed_problem(c->f, path, "both lessThan and lessThanOrEqual; lessThan is used");
    /* changes[] split [version, end) at each "at"; each piece keeps the status before it. */
    cur = st;
    json_array_foreach(changes, i, ch) {
        const char *at, *cs;
        int nst;
        kz_feed_path(where, path, "changes");
        kz_feed_path_i(where, where, i);
        at = kz_feed_str(c->f, ch, "at", where);
        cs = kz_feed_str(c->f, ch, "status", where);
        if (at == NULL || (nst = status_of(cs)) < 0) {
            kz_feed_problem(c->f, where, "a change needs \"at\" and a status; ignored");
            continue;
        }
        add_interval(c, sts, cur, semver, lo, "<", at);
        sts->named[nst] = true;
        lo = at;
        cur = nst;
    }
    add_interval(c, sts, cur, semver, lo, lt != NULL ? "<" : "<=", lt != NULL ? lt : le);
}

/* Appends one affected entry (vendor, product, cpe, purl, the versions of status st). */
static void add_entry(cve *c, const char *vendor, const char *product, const char *cpe,
                      const char *purl, json_t *versions, const char *status)
{
    json_t *e = kz_feed_new_obj(c->f);

    if (e == NULL)
        return;
    kz_feed_set_str(c->f, e, "vendor", vendor);
    kz_feed_set_str(c->f, e, "product", product);
    kz_feed_set_str(c->f, e, "cpe", cpe);
    kz_feed_set_str(c->f, e, "purl", purl);
    kz_feed_set_new(c->f, e, "versions", json_deep_copy(versions));
    kz_feed_set_str(c->f, e, "status", status);
    kz_feed_append_new(c->f, c->affected, e);
}

/* Reads one affected[] item of a container into affected entries. */
static void read_affected(cve *c, const json_t *a, const char *path)
{
    static const char *const names[ST_N] = {"affected", "not_affected", "under_investigation"};
    const char *vendor = kz_feed_str(c->f, a, "vendor", path);
    const char *product = kz_feed_str(c->f, a, "product", path);
    const char *purl = kz_feed_str(c->f, a, "packageURL", path);
    const char *dflt = kz_feed_str(c->f, a, "defaultStatus", path);
    const json_t *cpes = kz_feed_arr(c->f, a, "cpes", path);
    const json_t *versions = kz_feed_arr(c->f, a, "versions", path), *v;
    char where[KZ_FEED_PATH_MAX], p2[KZ_FEED_PATH_MAX];
    kz_cpe cpe_buf; /* about 2 KiB: on the stack, so that imports stay thread-safe */
    statuses sts = {{NULL}, {false}};
    int dst = status_of(dflt);
    size_t i, ncpe = 0;
    json_t *cpe_ok = NULL;
    kz_err why;

    if (!json_is_object(a)) {
        kz_feed_problem(c->f, path, "expected an affected object; ignored");
        return;
    }
    if (is_na(vendor))
        vendor = NULL;
    if (is_na(product))
        product = NULL;
    if (purl != NULL) {
        kz_purl pu;
        if (kz_purl_parse(trimmed(purl), &pu, &why) != KZ_OK) {
            kz_feed_path(where, path, "packageURL");
            kz_feed_problem(c->f, where, "not a purl (%s); ignored", why.msg);
            purl = NULL;
        }
    }
    if ((cpe_ok = kz_feed_new_arr(c->f)) == NULL)
        return;
    kz_feed_path(where, path, "cpes");
    json_array_foreach(cpes, i, v) {
        kz_feed_path_i(p2, where, i);
        if (!json_is_string(v)) {
            kz_feed_problem(c->f, p2, "expected a CPE string; ignored");
        } else if (kz_cpe_parse(trimmed(json_string_value(v)), &cpe_buf, &why) != KZ_OK) {
            kz_feed_problem(c->f, p2, "not a CPE name (%s); ignored", why.msg);
        } else {
            kz_feed_add_unique(c->f, cpe_ok, json_string_value(v));
        }
    }
    ncpe = json_array_size(cpe_ok);
    if (product == NULL && purl == NULL && ncpe == 0) {
        kz_feed_problem(c->f, path, "names no product (product \"n/a\", no CPE, no purl); "
                        "ignored");
        goto out;
    }
    for (int s = 0; s < ST_N; s++)
        if ((sts.versions[s] = kz_feed_new_arr(c->f)) == NULL)
            goto out;
    kz_feed_path(where, path, "versions");
    json_array_foreach(versions, i, v) {
        kz_feed_path_i(p2, where, i);
        read_version(c, &sts, v, p2);
    }
    /* defaultStatus affected with no affected version listed: every version is. (The
     * defaultStatus "unaffected" of the rest is what matching assumes anyway; writing it as a
     * not_affected "All versions" entry would read as contradicting the affected one.) */
    if (dst == ST_AFFECTED && json_array_size(sts.versions[dst]) == 0)
        kz_feed_add_unique(c->f, sts.versions[dst], "All versions");
    for (int s = 0; s < ST_N; s++) {
        /* An entry per status that has versions; the affected one also when the item named
         * affected versions it could not read ("n/a") or named none at all. */
        bool want = json_array_size(sts.versions[s]) > 0 ||
                    (s == ST_AFFECTED && (sts.named[s] || (dst < 0 && versions == NULL)));
        if (!want)
            continue;
        for (size_t k = 0; k < (ncpe > 0 ? ncpe : 1); k++)
            add_entry(c, vendor, product,
                      ncpe > 0 ? json_string_value(json_array_get(cpe_ok, k)) : NULL, purl,
                      sts.versions[s], names[s]);
    }
out:
    for (int s = 0; s < ST_N; s++)
        json_decref(sts.versions[s]);
    json_decref(cpe_ok);
}

/* Reads one container (cna or adp[i]): affected, CWEs, scores, references. */
static void read_container(cve *c, const json_t *box, const char *path)
{
    char where[KZ_FEED_PATH_MAX], p2[KZ_FEED_PATH_MAX];
    const json_t *pm = kz_feed_obj(c->f, box, "providerMetadata", path);
    const json_t *aff = kz_feed_arr(c->f, box, "affected", path), *a;
    const char *source = NULL;
    size_t i;

    kz_feed_path(where, path, "providerMetadata");
    source = kz_feed_str(c->f, pm, "shortName", where);
    kz_feed_path(where, path, "affected");
    json_array_foreach(aff, i, a) {
        kz_feed_path_i(p2, where, i);
        read_affected(c, a, p2);
    }
    add_cwes(c, box, path);
    add_scores(c, box, path, source);
    add_references(c, box, path);
}

/* Sets a normalised timestamp, or reports the one that does not read. */
static void set_time(cve *c, const char *key, const char *value, const char *path)
{
    char t[KZ_TIME_MAX];

    if (value == NULL)
        return;
    if (!kz_feed_time(value, t)) {
        kz_feed_problem(c->f, path, "\"%.40s\" is not a date and time; ignored", value);
        return;
    }
    kz_feed_set_str(c->f, c->rec, key, t);
}

/* Reads one CVE record whose metadata and CNA container are known to be there. */
static kz_rc read_record(kz_feed *f, const json_t *doc, const json_t *meta, const json_t *cna,
                         const char *id, const char *revision, kz_err *err)
{
    const json_t *adps = kz_feed_arr(f, json_object_get(doc, "containers"), "adp", "/containers");
    char path[KZ_FEED_PATH_MAX];
    cve c = {f, NULL, NULL, NULL, NULL, NULL, NULL};
    json_t *source = NULL, *aliases, *adp;
    size_t i;
    kz_rc rc;

    c.rec = kz_feed_new_obj(f);
    kz_feed_set_str(f, c.rec, "id", id);
    if ((aliases = kz_feed_new_arr(f)) != NULL)
        kz_feed_add_unique(f, aliases, id);
    kz_feed_set_new(f, c.rec, "aliases", aliases);
    if ((source = kz_feed_new_obj(f)) != NULL) {
        kz_feed_set_str(f, source, "kind", "cve5");
        kz_feed_set_str(f, source, "document", id);
        kz_feed_set_str(f, source, "revision", revision);
        kz_feed_set_str(f, source, "publisher", kz_feed_str(f, meta, "assignerShortName",
                                                             "/cveMetadata"));
        kz_feed_set_str(f, source, "file", f->file);
    }
    kz_feed_set_new(f, c.rec, "source", source);
    set_time(&c, "published", kz_feed_str(f, meta, "datePublished", "/cveMetadata"),
             "/cveMetadata/datePublished");
    set_time(&c, "modified", kz_feed_str(f, meta, "dateUpdated", "/cveMetadata"),
             "/cveMetadata/dateUpdated");
    add_text(&c, cna);
    c.cwes = kz_feed_new_arr(f);
    c.scores = kz_feed_new_arr(f);
    c.affected = kz_feed_new_arr(f);
    c.remediations = kz_feed_new_arr(f);
    c.references = kz_feed_new_arr(f);
    if (!f->oom) {
        read_container(&c, cna, "/containers/cna");
        add_remediations(&c, cna, "solutions");
        add_remediations(&c, cna, "workarounds");
        json_array_foreach(adps, i, adp) {
            snprintf(path, sizeof path, "/containers/adp/%zu", i);
            if (!json_is_object(adp))
                kz_feed_problem(f, path, "expected an ADP container object; ignored");
            else
                read_container(&c, adp, path);
        }
    }
    kz_feed_set_new(f, c.rec, "cwes", c.cwes);
    kz_feed_set_new(f, c.rec, "scores", c.scores);
    kz_feed_set_new(f, c.rec, "affected", c.affected);
    kz_feed_set_new(f, c.rec, "remediations", c.remediations);
    kz_feed_set_new(f, c.rec, "references", c.references);
    /* Empty lists are left out, as the record's optional keys are. */
    if (!f->oom) {
        static const char *const lists[] = {"cwes", "scores", "affected", "remediations",
                                            "references"};
        for (i = 0; i < sizeof lists / sizeof lists[0]; i++)
            if (json_array_size(json_object_get(c.rec, lists[i])) == 0)
                json_object_del(c.rec, lists[i]);
    }
    rc = kz_feed_emit(f, c.rec, "/", err);
    return rc;
}

kz_rc kz_vuln_parse_cve5(const json_t *doc, const char *file, const kz_vuln_sink *sink,
                         kz_err *err)
{
    const char *name = file ? file : "input", *id, *state, *dv, *when;
    const json_t *meta, *containers, *cna;
    char revision[KZ_TIME_MAX];
    kz_feed f = {sink, file, false, 0};
    kz_rc rc = KZ_EINVAL;

    if (sink == NULL || sink->record == NULL) {
        rc = kz_fail(err, KZ_EUSAGE, "%s: no sink to hand records to", name);
        goto out;
    }
    if (!json_is_object(doc)) {
        kz_fail(err, rc, "%s: /: a CVE record is a JSON object", name);
        goto out;
    }
    dv = kz_feed_str(&f, doc, "dataVersion", "");
    if (dv == NULL || strncmp(dv, "5.", 2) != 0 || !json_is_object(member(doc, "cveMetadata"))) {
        kz_fail(err, rc, "%s: /dataVersion: not a CVE JSON 5.x record (expected dataVersion "
                "\"5.x\" and a cveMetadata object)", name);
        goto out;
    }
    meta = member(doc, "cveMetadata");
    id = kz_feed_str(&f, meta, "cveId", "/cveMetadata");
    if (id == NULL || strncmp(id, "CVE-", 4) != 0) {
        kz_fail(err, rc, "%s: /cveMetadata/cveId: expected a CVE id string (CVE-YYYY-NNNN)", name);
        goto out;
    }
    state = kz_feed_str(&f, meta, "state", "/cveMetadata");
    if (state != NULL && strcmp(state, "REJECTED") == 0) {
        kz_feed_problem(&f, "/cveMetadata/state", "%s is REJECTED; it gives no record", id);
        rc = KZ_OK;
        goto out;
    }
    if (state != NULL && strcmp(state, "PUBLISHED") != 0)
        kz_feed_problem(&f, "/cveMetadata/state", "state \"%.20s\" read as PUBLISHED", state);
    containers = member(doc, "containers");
    cna = member(containers, "cna");
    if (!json_is_object(cna)) {
        kz_fail(err, rc, "%s: /containers/cna: a published CVE record needs a CNA container "
                "object", name);
        goto out;
    }
    when = kz_feed_str(&f, meta, "dateUpdated", "/cveMetadata");
    if (!kz_feed_time(when, revision)) {
        when = kz_feed_str(&f, meta, "datePublished", "/cveMetadata");
        if (!kz_feed_time(when, revision)) {
            kz_fail(err, rc, "%s: /cveMetadata/dateUpdated: neither dateUpdated nor datePublished "
                    "is a date and time", name);
            goto out;
        }
    }
    rc = read_record(&f, doc, meta, cna, id, revision, err);
out:
    return rc;
}
