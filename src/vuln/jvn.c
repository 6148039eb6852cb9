/*
 * jvn.c - the importer of Japan's JVN iPedia / MyJVN XML: VULDEF 3.2 documents
 * (getVulnDetailInfo, the JVNDB detail data feed) and JVNRSS 3.2 feeds (the JVNDB RSS feed,
 * getVulnOverviewList). Each Vulinfo or RSS item becomes one record of the shape in vuln.h.
 *
 * XML goes through libxml2 with the network off and entities never expanded: a DOCTYPE that
 * declares entities is refused before parsing, so that entity bombs cannot cost anything.
 * Elements are compared by local name and namespace URI, never by prefix. The other MyJVN
 * documents (vendor and product lists, statistics, alerts) are not vulnerability records and
 * are refused with a message naming what they are.
 *
 * JVN writes dates with a +09:00 offset (sometimes without seconds); records carry them in UTC
 * with milliseconds. Affected versions are written in Japanese ("1.05 およびそれ以前"); the
 * common forms are turned into the English ones kz_range_parse reads ("1.05 and earlier").
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "kizuna/cpe.h"
#include "kizuna/cvss.h"
#include "kizuna/vuln.h"
#include "vuln_int.h"

#define NS_VULDEF "http://jvn.jp/vuldef/"
#define NS_RSS "http://purl.org/rss/1.0/"
#define NS_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define NS_SEC "http://jvn.jp/rss/mod_sec/3.0/"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_DCTERMS "http://purl.org/dc/terms/"
#define NS_STATUS "http://jvndb.jvn.jp/myjvn/Status"

#define PUBLISHER "JVN iPedia (IPA)"
/* A published score may differ from the computed one by rounding in the last digit only. */
#define SCORE_TOLERANCE 0.05
/* How many times the limit on one object a whole XML document may be. */
#define DOC_FACTOR 4
/* Longest path to an element given in problems. */
#define WHERE_MAX 256
/* Deepest element nesting a problem path walks (libxml2 itself stops at 256 without HUGE). */
#define PATH_DEPTH_MAX 32

/* One import: where records and problems go and what names the input. */
typedef struct {
    const char *file;
    const kz_vuln_sink *sink;
    const kz_limits *lim;
    size_t records;
} jvn;

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2's global initialisation, once per process (it is not safe to race). */
static void xml_init(void)
{
    xmlInitParser();
}

/* ---- small helpers -------------------------------------------------------------------------- */

/* True when node is an element with this local name in namespace ns. */
static bool is_el(const xmlNode *node, const char *ns, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           node->ns->href != NULL && strcmp((const char *)node->ns->href, ns) == 0 &&
           strcmp((const char *)node->name, name) == 0;
}

/* The first child element of parent named ns:name after `after` (NULL: from the start). */
static xmlNode *child(const xmlNode *parent, const xmlNode *after, const char *ns,
                      const char *name)
{
    xmlNode *c;

    if (parent == NULL)
        return NULL;
    for (c = after != NULL ? after->next : parent->children; c != NULL; c = c->next)
        if (is_el(c, ns, name))
            return c;
    return NULL;
}

/* The value of attribute name (no namespace) of node, or NULL; xmlFree it. */
static char *attr(const xmlNode *node, const char *name)
{
    return (char *)xmlGetNoNsProp((xmlNode *)node, (const xmlChar *)name);
}

/* True for ASCII whitespace and U+3000 IDEOGRAPHIC SPACE (bytes E3 80 80) at p[0..n). */
static size_t space_len(const char *p, size_t n)
{
    if (n >= 1 && (p[0] == ' ' || p[0] == '\t' || p[0] == '\n' || p[0] == '\r'))
        return 1;
    if (n >= 3 && (unsigned char)p[0] == 0xe3 && (unsigned char)p[1] == 0x80 &&
        (unsigned char)p[2] == 0x80)
        return 3;
    return 0;
}

/* Trims ASCII and ideographic spaces from both ends of *v. */
static kz_sv trim_sv(kz_sv v)
{
    size_t k;

    while (v.n > 0 && (k = space_len(v.p, v.n)) > 0) {
        v.p += k;
        v.n -= k;
    }
    for (;;) {
        if (v.n >= 1 && space_len(v.p + v.n - 1, 1) == 1) {
            v.n--;
        } else if (v.n >= 3 && space_len(v.p + v.n - 3, 3) == 3) {
            v.n -= 3;
        } else {
            break;
        }
    }
    return v;
}

/* True when s ends with the NUL-terminated suffix. */
static bool sv_ends(kz_sv s, const char *suffix)
{
    size_t k = strlen(suffix);

    return s.n >= k && memcmp(s.p + s.n - k, suffix, k) == 0;
}

/* True when s contains the NUL-terminated needle. */
static bool sv_has(kz_sv s, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; k <= s.n && i <= s.n - k; i++)
        if (memcmp(s.p + i, needle, k) == 0)
            return true;
    return false;
}

/*
 * The trimmed text content of node as a new JSON string, or NULL when the element is absent or
 * holds only spaces. *rc becomes KZ_ENOMEM when an allocation failed (else it is left alone).
 */
static json_t *text_of(const xmlNode *node, kz_rc *rc)
{
    xmlChar *s;
    json_t *j = NULL;
    kz_sv v;

    if (node == NULL)
        return NULL;
    if ((s = xmlNodeGetContent(node)) == NULL) {
        *rc = KZ_ENOMEM;
        return NULL;
    }
    v = trim_sv(kz_sv_c((const char *)s));
    if (v.n > 0 && (j = json_stringn(v.p, v.n)) == NULL)
        *rc = KZ_ENOMEM;
    xmlFree(s);
    return j;
}

/* Sets obj[key] to a new reference v (taken over); NULL v means an allocation failed. */
static kz_rc set_new(json_t *obj, const char *key, json_t *v)
{
    return v != NULL && json_object_set_new(obj, key, v) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* Sets obj[key] to the string s. */
static kz_rc set_str(json_t *obj, const char *key, const char *s)
{
    return set_new(obj, key, json_string(s));
}

/* Appends a new reference v (taken over) to the array a. */
static kz_rc append_new(json_t *a, json_t *v)
{
    return v != NULL && json_array_append_new(a, v) == 0 ? KZ_OK : KZ_ENOMEM;
}

/* Appends s to the array of strings a unless it is there already. */
static kz_rc push_unique(json_t *a, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(a, i, v) {
        if (strcmp(json_string_value(v), s) == 0)
            return KZ_OK;
    }
    return append_new(a, json_string(s));
}

/* ---- problems and where they are ------------------------------------------------------------ */

/* Writes "<file>:<line>: /Root/Child[2]/..." for node into where. */
static void node_where(const jvn *j, const xmlNode *node, char *where, size_t cap)
{
    const xmlNode *chain[PATH_DEPTH_MAX];
    size_t depth = 0, len;
    const xmlNode *n;
    int w;

    for (n = node; n != NULL && n->type == XML_ELEMENT_NODE && depth < PATH_DEPTH_MAX;
         n = n->parent)
        chain[depth++] = n;
    if (node == NULL)
        w = snprintf(where, cap, "%s", j->file);
    else
        w = snprintf(where, cap, "%s:%ld: ", j->file, xmlGetLineNo(node));
    len = w > 0 && (size_t)w < cap ? (size_t)w : cap - 1;
    while (depth > 0 && len < cap - 1) {
        const xmlNode *e = chain[--depth], *s;
        size_t index = 1, same = 0;
        for (s = e->parent != NULL ? e->parent->children : NULL; s != NULL; s = s->next) {
            if (s->type != XML_ELEMENT_NODE || strcmp((const char *)s->name,
                                                      (const char *)e->name) != 0)
                continue;
            same++;
            if (s == e)
                index = same;
        }
        for (s = e->next; s != NULL; s = s->next)
            if (s->type == XML_ELEMENT_NODE &&
                strcmp((const char *)s->name, (const char *)e->name) == 0)
                same++;
        if (same > 1)
            w = snprintf(where + len, cap - len, "/%s[%zu]", (const char *)e->name, index);
        else
            w = snprintf(where + len, cap - len, "/%s", (const char *)e->name);
        if (w < 0)
            break;
        len = len + (size_t)w < cap ? len + (size_t)w : cap - 1;
    }
}

/* Reports a problem at node to the sink (if it listens). */
static void problem(const jvn *j, const xmlNode *node, const char *fmt, ...) KZ_PRINTF(3, 4);
static void problem(const jvn *j, const xmlNode *node, const char *fmt, ...)
{
    char where[WHERE_MAX + 64], msg[512];
    va_list ap;

    if (j->sink == NULL || j->sink->problem == NULL)
        return;
    node_where(j, node, where, sizeof where);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    j->sink->problem(j->sink->ctx, where, msg);
}

/* ---- dates ---------------------------------------------------------------------------------- */

/*
 * Reads a JVN date-time: "YYYY-MM-DDTHH:MM[:SS[.fraction]]" then 'Z' or "+hh:mm" / "-hh:mm",
 * or a bare "YYYY-MM-DD" (midnight UTC), and writes it in UTC with milliseconds to out.
 * KZ_EINVAL when it is not such a date.
 */
static kz_rc jvn_time(kz_sv s, char out[KZ_TIME_MAX])
{
    char buf[64];
    size_t n = 0, i = 0;
    int64_t off = 0;
    kz_time t;
    kz_err e;
    kz_rc rc = KZ_EINVAL;

    s = trim_sv(s);
    if (s.n < 10 || s.n > 40)
        goto out;
    memcpy(buf, s.p, 10); /* the date: kz_time_parse checks it */
    n = i = 10;
    if (s.n == 10) {
        memcpy(buf + n, "T00:00:00Z", 11);
        n += 10;
    } else {
        if (s.n < 16 || (s.p[10] != 'T' && s.p[10] != 't'))
            goto out;
        buf[n++] = 'T';
        memcpy(buf + n, s.p + 11, 5); /* HH:MM */
        n += 5;
        i = 16;
        if (i < s.n && s.p[i] == ':') {
            while (i < s.n && (s.p[i] == ':' || s.p[i] == '.' || isdigit((unsigned char)s.p[i])))
                buf[n++] = s.p[i++];
        } else {
            memcpy(buf + n, ":00", 3);
            n += 3;
        }
        if (i == s.n - 1 && (s.p[i] == 'Z' || s.p[i] == 'z')) {
            buf[n++] = 'Z';
        } else if (i == s.n - 6 && (s.p[i] == '+' || s.p[i] == '-') && s.p[i + 3] == ':') {
            const char *o = s.p + i;
            for (int k = 1; k < 6; k++)
                if (k != 3 && !isdigit((unsigned char)o[k]))
                    goto out;
            if (o[1] > '2' || (o[1] == '2' && o[2] > '3') || o[4] > '5')
                goto out;
            off = ((o[1] - '0') * 10 + (o[2] - '0')) * 3600 + ((o[4] - '0') * 10 + (o[5] - '0'))
                  * 60;
            if (o[0] == '-')
                off = -off;
            buf[n++] = 'Z';
        } else {
            goto out;
        }
    }
    buf[n] = '\0';
    if ((rc = kz_time_parse((kz_sv){buf, n}, &t, &e)) != KZ_OK)
        goto out;
    t.sec -= off;
    kz_time_format(&t, 3, out);
out:
    return rc;
}

/* Reads the date in element node (may be NULL) into out; a date that does not read is a
 * problem. Returns true when out was written. */
static bool read_date(const jvn *j, const xmlNode *node, char out[KZ_TIME_MAX])
{
    xmlChar *s;
    bool ok = false;

    if (node == NULL || (s = xmlNodeGetContent(node)) == NULL)
        return false;
    if (trim_sv(kz_sv_c((const char *)s)).n == 0) {
        ok = false;
    } else if (jvn_time(kz_sv_c((const char *)s), out) == KZ_OK) {
        ok = true;
    } else {
        problem(j, node, "\"%.40s\" is not a date-time (YYYY-MM-DDThh:mm[:ss]+hh:mm); left out",
                (const char *)s);
    }
    xmlFree(s);
    return ok;
}

/* ---- versions ------------------------------------------------------------------------------- */

/* Japanese ways of saying where a version range ends, and the English kz_range_parse reads. */
typedef enum { FORM_LE_WORDS, FORM_GE_WORDS, FORM_LT, FORM_LE, FORM_GE, FORM_GT } range_form;

static const struct {
    const char *suffix;
    range_form form;
} suffixes[] = {
    /* Longest first: "およびそれ以前" must win over "以前". */
    {"およびそれ以前のバージョン", FORM_LE_WORDS},
    {"及びそれ以前のバージョン", FORM_LE_WORDS},
    {"およびそれ以前の版", FORM_LE_WORDS},
    {"およびそれ以前", FORM_LE_WORDS},
    {"及びそれ以前", FORM_LE_WORDS},
    {"以前のバージョン", FORM_LE_WORDS},
    {"以前", FORM_LE_WORDS},
    {"およびそれ以降のバージョン", FORM_GE_WORDS},
    {"及びそれ以降のバージョン", FORM_GE_WORDS},
    {"およびそれ以降", FORM_GE_WORDS},
    {"及びそれ以降", FORM_GE_WORDS},
    {"以降のバージョン", FORM_GE_WORDS},
    {"以降", FORM_GE_WORDS},
    {"より前のバージョン", FORM_LT},
    {"より前", FORM_LT},
    {"未満のバージョン", FORM_LT},
    {"未満", FORM_LT},
    {"以下のバージョン", FORM_LE},
    {"以下", FORM_LE},
    {"以上のバージョン", FORM_GE},
    {"以上", FORM_GE},
    {"より後のバージョン", FORM_GT},
    {"より後", FORM_GT},
};

/* Words before a version that only say "version" or "firmware version". */
static const char *const prefixes[] = {"ファームウェアバージョン", "ファームウェア", "バージョン"};

/* Drops a trailing parenthesis, ASCII or full-width, that only names CVE ids: the record covers
 * all of the entry's CVEs, so the range holds for the record as a whole. */
static kz_sv drop_cve_note(kz_sv v)
{
    static const char *const opens[] = {"(", "（"};
    static const char *const closes[] = {")", "）"};

    for (size_t k = 0; k < 2; k++) {
        size_t ol = strlen(opens[k]);
        if (!sv_ends(v, closes[k]))
            continue;
        for (size_t i = v.n; i-- > 0;) {
            if (i + ol <= v.n && memcmp(v.p + i, opens[k], ol) == 0) {
                kz_sv note = {v.p + i, v.n - i};
                if (sv_has(note, "CVE-"))
                    return trim_sv((kz_sv){v.p, i});
                return v;
            }
        }
    }
    return v;
}

/*
 * Writes the range text of one VersionNumber into b: Japanese suffixes become the English forms
 * of version.h ("2.1.0 およびそれ以前" -> "2.1.0 and earlier", "3.0 未満" -> "< 3.0"), the
 * operator attribute ("lt", ...) becomes a comparator, and any other text is kept as written.
 */
static kz_rc version_text(kz_sv v, const char *op, kz_buf *b)
{
    static const struct {
        const char *op, *sym;
    } ops[] = {{"eq", ""}, {"ne", "!= "}, {"lt", "< "}, {"le", "<= "}, {"gt", "> "}, {"ge", ">= "}};
    const char *sym = NULL;
    range_form form = FORM_LE_WORDS;
    bool found = false;
    kz_rc rc;

    v = drop_cve_note(trim_sv(v));
    if (kz_sv_eq_c(v, "すべてのバージョン") || kz_sv_eq_c(v, "全てのバージョン") ||
        kz_sv_eq_c(v, "全バージョン"))
        return kz_buf_puts(b, "All versions");
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0] && !found; i++) {
        if (sv_ends(v, suffixes[i].suffix)) {
            v.n -= strlen(suffixes[i].suffix);
            form = suffixes[i].form;
            found = true;
        }
    }
    v = trim_sv(v);
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        if (kz_sv_starts(v, prefixes[i])) {
            size_t k = strlen(prefixes[i]);
            v = trim_sv((kz_sv){v.p + k, v.n - k});
            break;
        }
    }
    if (!found) {
        for (size_t i = 0; op != NULL && i < sizeof ops / sizeof ops[0]; i++)
            if (strcmp(op, ops[i].op) == 0)
                sym = ops[i].sym;
        if (sym != NULL && (rc = kz_buf_puts(b, sym)) != KZ_OK)
            return rc;
        return kz_buf_append(b, v.p, v.n);
    }
    switch (form) {
        case FORM_LE_WORDS:
        case FORM_GE_WORDS:
            if ((rc = kz_buf_append(b, v.p, v.n)) != KZ_OK)
                return rc;
            return kz_buf_puts(b, form == FORM_LE_WORDS ? " and earlier" : " and later");
        case FORM_LT: sym = "< "; break;
        case FORM_LE: sym = "<= "; break;
        case FORM_GE: sym = ">= "; break;
        case FORM_GT: sym = "> "; break;
    }
    if ((rc = kz_buf_puts(b, sym)) != KZ_OK)
        return rc;
    return kz_buf_append(b, v.p, v.n);
}

/* A RangeBegin / RangeEnd child as "<op> <version>", with dflt when it names no operator. */
static kz_rc range_end_text(const xmlNode *node, const char *dflt, kz_buf *b)
{
    static const char *const ops[][2] = {{"eq", "="}, {"ne", "!="}, {"lt", "<"},
                                         {"le", "<="}, {"gt", ">"}, {"ge", ">="}};
    char *op = attr(node, "operator");
    xmlChar *s = xmlNodeGetContent(node);
    const char *sym = dflt;
    kz_rc rc = KZ_ENOMEM;

    if (s == NULL)
        goto out;
    for (size_t i = 0; op != NULL && i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i][0]) == 0)
            sym = ops[i][1];
    if ((rc = b->n > 0 ? kz_buf_puts(b, " ") : KZ_OK) != KZ_OK ||
        (rc = kz_buf_printf(b, "%s ", sym)) != KZ_OK)
        goto out;
    kz_sv v = trim_sv(kz_sv_c((const char *)s));
    rc = kz_buf_append(b, v.p, v.n);
out:
    xmlFree(op);
    xmlFree(s);
    return rc;
}

/* Appends the range of one VersionNumber element to versions (nothing when it is empty). */
static kz_rc add_version(const xmlNode *vn, json_t *versions)
{
    const xmlNode *begin = child(vn, NULL, NS_VULDEF, "RangeBegin");
    const xmlNode *end = child(vn, NULL, NS_VULDEF, "RangeEnd");
    char *op = attr(vn, "operator");
    xmlChar *s = NULL;
    kz_buf b;
    kz_rc rc = KZ_ENOMEM;

    kz_buf_init(&b, KZ_RANGE_MAX_BYTES * 4);
    if (begin != NULL || end != NULL) {
        if ((begin != NULL && (rc = range_end_text(begin, ">=", &b)) != KZ_OK) ||
            (end != NULL && (rc = range_end_text(end, "<=", &b)) != KZ_OK))
            goto out;
    } else {
        if ((s = xmlNodeGetContent(vn)) == NULL)
            goto out;
        if ((rc = version_text(kz_sv_c((const char *)s), op, &b)) != KZ_OK)
            goto out;
    }
    rc = KZ_OK;
    if (trim_sv((kz_sv){b.p, b.n}).n > 0)
        rc = push_unique(versions, b.p);
out:
    if (rc == KZ_ELIMIT)
        rc = KZ_OK; /* a version text past the limit is not a range anyone can read: left out */
    kz_buf_free(&b);
    xmlFree(op);
    xmlFree(s);
    return rc;
}

/* ---- pieces of a record --------------------------------------------------------------------- */

/*
 * Adds one score: version as the source named it (checked against the vector), the vector, the
 * base score computed from it, the published score and the severity; disagreements go into
 * "problem" and to the sink.
 */
static kz_rc add_score(const jvn *j, const xmlNode *where, const char *version,
                       const char *vector, const char *published, json_t *scores)
{
    json_t *o = NULL;
    char msg[KZ_ERR_MAX + 64], sev[16];
    const char *ver = NULL;
    double pub = 0;
    bool has_pub = false;
    kz_cvss c;
    kz_err e;
    kz_rc rc = KZ_OK;

    if (vector == NULL || trim_sv(kz_sv_c(vector)).n == 0) {
        problem(j, where, "CVSS without a vector; score left out");
        goto out;
    }
    if (published != NULL && trim_sv(kz_sv_c(published)).n > 0) {
        kz_sv p = trim_sv(kz_sv_c(published));
        char num[32];
        char *end = NULL;
        if (p.n < sizeof num) {
            memcpy(num, p.p, p.n);
            num[p.n] = '\0';
            pub = strtod(num, &end);
            has_pub = end == num + p.n && pub >= 0 && pub <= 10;
        }
        if (!has_pub)
            problem(j, where, "published score \"%.20s\" is not a number from 0 to 10; ignored",
                    published);
    }
    rc = KZ_ENOMEM;
    if ((o = json_object()) == NULL)
        goto out;
    kz_sv vec = trim_sv(kz_sv_c(vector));
    if ((rc = set_new(o, "vector", json_stringn(vec.p, vec.n))) != KZ_OK)
        goto out;
    msg[0] = '\0';
    if (kz_cvss_parse(vec, &c, &e) != KZ_OK) {
        snprintf(msg, sizeof msg, "vector does not parse: %s", e.msg);
        problem(j, where, "%s", msg);
        if (version != NULL && (strcmp(version, "2.0") == 0 || strcmp(version, "3.0") == 0 ||
                                strcmp(version, "3.1") == 0 || strcmp(version, "4.0") == 0))
            ver = version;
        else
            ver = kz_sv_starts(vec, "CVSS:3.1") ? "3.1" : kz_sv_starts(vec, "CVSS:4") ? "4.0"
                  : kz_sv_starts(vec, "CVSS:3")  ? "3.0"
                                                 : "2.0";
        if ((rc = set_new(o, "base_score", json_null())) != KZ_OK)
            goto out;
    } else {
        double base = kz_cvss_base_score(&c);
        ver = kz_cvss_version_str(c.version);
        if (version != NULL && strcmp(version, ver) != 0 &&
            !(c.version == KZ_CVSS_V2 && strcmp(version, "2") == 0))
            problem(j, where, "version \"%.10s\" but a CVSS %s vector; the vector's is kept",
                    version, ver);
        if ((rc = set_new(o, "base_score", json_real(base))) != KZ_OK)
            goto out;
        snprintf(sev, sizeof sev, "%s", kz_cvss_severity(base, c.version));
        for (size_t i = 0; sev[i] != '\0'; i++)
            sev[i] = (char)toupper((unsigned char)sev[i]);
        if ((rc = set_str(o, "severity", sev)) != KZ_OK)
            goto out;
        if (has_pub && fabs(pub - base) > SCORE_TOLERANCE) {
            snprintf(msg, sizeof msg, "published base score %.1f differs from %.1f computed "
                                      "from the vector", pub, base);
            problem(j, where, "%s", msg);
        }
    }
    if ((rc = set_str(o, "version", ver)) != KZ_OK ||
        (has_pub && (rc = set_new(o, "published_score", json_real(pub))) != KZ_OK) ||
        (rc = set_str(o, "source", PUBLISHER)) != KZ_OK ||
        (msg[0] != '\0' && (rc = set_str(o, "problem", msg)) != KZ_OK))
        goto out;
    rc = append_new(scores, o);
    o = NULL;
out:
    json_decref(o);
    return rc;
}

/*
 * Reads a CPE name (2.2 URI or 2.3 formatted string) and writes its 2.3 form to *out (a new
 * JSON string), or leaves *out NULL and reports a problem when the name does not parse.
 */
static kz_rc read_cpe(const jvn *j, const xmlNode *where, const char *text, json_t **out)
{
    static kz_cpe zero;
    kz_cpe *cpe = NULL;
    kz_buf b;
    kz_err e;
    kz_sv v = trim_sv(kz_sv_c(text));
    kz_rc rc = KZ_OK;

    *out = NULL;
    kz_buf_init(&b, 0);
    if (v.n == 0)
        goto out;
    rc = KZ_ENOMEM;
    if ((cpe = malloc(sizeof *cpe)) == NULL)
        goto out;
    *cpe = zero;
    rc = KZ_OK;
    if (kz_cpe_parse(v, cpe, &e) != KZ_OK) {
        problem(j, where, "invalid CPE \"%.*s\" left out: %s", v.n > 80 ? 80 : (int)v.n, v.p,
                e.msg);
        goto out;
    }
    if (kz_cpe_get(cpe, KZ_CPE_PART, NULL) != KZ_CPE_VALUE ||
        kz_cpe_get(cpe, KZ_CPE_VENDOR, NULL) != KZ_CPE_VALUE) {
        /* JVN's dictionary has vendor-only names ("cpe:/:vendor"): they name no product. */
        problem(j, where, "CPE \"%.*s\" names no part or vendor; left out",
                v.n > 80 ? 80 : (int)v.n, v.p);
        goto out;
    }
    if ((rc = kz_cpe_format(cpe, &b)) != KZ_OK)
        goto out;
    if ((*out = json_string(b.p)) == NULL)
        rc = KZ_ENOMEM;
out:
    free(cpe);
    kz_buf_free(&b);
    return rc;
}

/* The record status for a VULDEF affectedstatus attribute (absent: "affected"). */
static const char *affected_status(const char *s)
{
    if (s == NULL || strcmp(s, "vulnerable") == 0 || strcmp(s, "vulnerable_investigating") == 0)
        return "affected";
    if (strcmp(s, "notvulnerable") == 0 || strcmp(s, "notvulnerable_investigating") == 0)
        return "not_affected";
    return "under_investigation";
}

/*
 * Appends one affected entry per CPE of an AffectedItem (one without CPE when it has none that
 * is valid), each with the vendor, product and version ranges.
 */
static kz_rc add_affected_item(const jvn *j, const xmlNode *item, json_t *affected)
{
    json_t *vendor = NULL, *product = NULL, *versions = NULL, *entry = NULL, *cpe = NULL;
    char *status = attr(item, "affectedstatus");
    const xmlNode *c;
    size_t added = 0;
    kz_rc rc = KZ_OK;

    vendor = text_of(child(item, NULL, NS_VULDEF, "Name"), &rc);
    product = text_of(child(item, NULL, NS_VULDEF, "ProductName"), &rc);
    if (rc != KZ_OK || (versions = json_array()) == NULL) {
        rc = KZ_ENOMEM;
        goto out;
    }
    for (c = child(item, NULL, NS_VULDEF, "VersionNumber"); c != NULL;
         c = child(item, c, NS_VULDEF, "VersionNumber"))
        if ((rc = add_version(c, versions)) != KZ_OK)
            goto out;
    for (c = child(item, NULL, NS_VULDEF, "Cpe");; c = child(item, c, NS_VULDEF, "Cpe")) {
        xmlChar *s = NULL;
        if (c != NULL) {
            if ((s = xmlNodeGetContent(c)) == NULL) {
                rc = KZ_ENOMEM;
                goto out;
            }
            rc = read_cpe(j, c, (const char *)s, &cpe);
            xmlFree(s);
            if (rc != KZ_OK)
                goto out;
            if (cpe == NULL)
                continue;
        } else if (added > 0) {
            break;
        }
        if (product == NULL && cpe == NULL) {
            problem(j, item, "names no product (ProductName or a valid Cpe); left out");
            break;
        }
        rc = KZ_ENOMEM;
        if ((entry = json_object()) == NULL ||
            (vendor != NULL && (rc = set_new(entry, "vendor", json_incref(vendor))) != KZ_OK) ||
            (product != NULL && (rc = set_new(entry, "product", json_incref(product))) != KZ_OK))
            goto out;
        if (cpe != NULL) {
            rc = set_new(entry, "cpe", cpe);
            cpe = NULL;
            if (rc != KZ_OK)
                goto out;
        }
        if ((rc = set_new(entry, "versions", json_copy(versions))) != KZ_OK ||
            (rc = set_str(entry, "status", affected_status(status))) != KZ_OK ||
            (rc = append_new(affected, entry)) != KZ_OK) {
            entry = NULL;
            goto out;
        }
        entry = NULL;
        added++;
        if (c == NULL)
            break;
    }
    rc = KZ_OK;
out:
    xmlFree(status);
    json_decref(vendor);
    json_decref(product);
    json_decref(versions);
    json_decref(entry);
    json_decref(cpe);
    return rc;
}

/* "vendor_fix" when a solution text names an update, patch or fixed version, "workaround" when
 * it names one, else "mitigation". */
static const char *remediation_category(kz_sv t)
{
    static const char *const fixes[] = {"パッチ", "アップデート", "アップグレード", "修正版",
                                        "最新版", "正式な対策が公開", "update", "Update",
                                        "patch", "Patch", "upgrade", "Upgrade"};
    static const char *const workarounds[] = {"ワークアラウンド", "回避策", "workaround",
                                              "Workaround"};

    for (size_t i = 0; i < sizeof fixes / sizeof fixes[0]; i++)
        if (sv_has(t, fixes[i]))
            return "vendor_fix";
    for (size_t i = 0; i < sizeof workarounds / sizeof workarounds[0]; i++)
        if (sv_has(t, workarounds[i]))
            return "workaround";
    return "mitigation";
}

/* Appends a remediation with text (taken over) in language lang. */
static kz_rc add_remediation(json_t *rems, json_t *text, const char *lang)
{
    json_t *o = json_object();
    kz_rc rc = KZ_ENOMEM;

    if (o == NULL || text == NULL)
        goto out;
    if ((rc = set_str(o, "category", remediation_category(kz_sv_c(json_string_value(text))))) !=
            KZ_OK ||
        (rc = set_new(o, "text", json_incref(text))) != KZ_OK ||
        (rc = set_str(o, "lang", lang)) != KZ_OK)
        goto out;
    rc = append_new(rems, o);
    o = NULL;
out:
    json_decref(o);
    json_decref(text);
    return rc;
}

/* Appends a reference {url, summary} unless its URL is there already. summary may be NULL. */
static kz_rc add_reference(json_t *refs, json_t *url, const char *summary)
{
    json_t *o = NULL, *r;
    size_t i;
    kz_rc rc = KZ_OK;

    if (url == NULL)
        goto out;
    json_array_foreach(refs, i, r) {
        if (json_equal(json_object_get(r, "url"), url))
            goto out;
    }
    rc = KZ_ENOMEM;
    if ((o = json_object()) == NULL || (rc = set_new(o, "url", json_incref(url))) != KZ_OK ||
        (summary != NULL && summary[0] != '\0' && (rc = set_str(o, "summary", summary)) != KZ_OK))
        goto out;
    rc = append_new(refs, o);
    o = NULL;
out:
    json_decref(o);
    return rc;
}

/* Appends {id, name} to cwes unless the id is there already; name may be NULL. */
static kz_rc add_cwe(json_t *cwes, const char *id, kz_sv name)
{
    json_t *o = NULL, *c;
    size_t i;
    kz_rc rc = KZ_OK;

    json_array_foreach(cwes, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
            goto out;
    }
    rc = KZ_ENOMEM;
    if ((o = json_object()) == NULL || (rc = set_str(o, "id", id)) != KZ_OK ||
        (name.n > 0 && (rc = set_new(o, "name", json_stringn(name.p, name.n))) != KZ_OK))
        goto out;
    rc = append_new(cwes, o);
    o = NULL;
out:
    json_decref(o);
    return rc;
}

/* The record's language key for an xml:lang value: "en" for English, else "ja". */
static const char *lang_key(const xmlNode *node)
{
    xmlChar *l = xmlNodeGetLang(node);
    const char *key = l != NULL && (l[0] == 'e' || l[0] == 'E') && (l[1] == 'n' || l[1] == 'N')
                          ? "en"
                          : "ja";

    xmlFree(l);
    return key;
}

/*
 * What every record has in common, gathered while reading one Vulinfo or item, then turned into
 * the record by finish_record.
 */
typedef struct {
    json_t *jvndb;   /* the JVNDB id (string) */
    json_t *cves;    /* distinct CVE ids in order */
    json_t *title, *description;
    json_t *url;     /* the JVNDB page */
    char revision[KZ_TIME_MAX], published[KZ_TIME_MAX];
    const char *lang;
    json_t *cwes, *scores, *affected, *remediations, *references;
} parts;

/* Frees what parts holds. */
static void parts_free(parts *p)
{
    json_decref(p->jvndb);
    json_decref(p->cves);
    json_decref(p->title);
    json_decref(p->description);
    json_decref(p->url);
    json_decref(p->cwes);
    json_decref(p->scores);
    json_decref(p->affected);
    json_decref(p->remediations);
    json_decref(p->references);
}

/* Starts empty parts. */
static kz_rc parts_init(parts *p)
{
    memset(p, 0, sizeof *p);
    p->lang = "ja";
    if ((p->cves = json_array()) == NULL || (p->cwes = json_array()) == NULL ||
        (p->scores = json_array()) == NULL || (p->affected = json_array()) == NULL ||
        (p->remediations = json_array()) == NULL || (p->references = json_array()) == NULL)
        return KZ_ENOMEM;
    return KZ_OK;
}

/* Sets obj[key] to arr when it has elements. */
static kz_rc set_nonempty(json_t *obj, const char *key, json_t *arr)
{
    if (json_array_size(arr) == 0)
        return KZ_OK;
    return set_new(obj, key, json_incref(arr));
}

/* Builds the record from p and hands it to the sink. node says where, for problems. */
static kz_rc finish_record(jvn *j, const xmlNode *node, parts *p)
{
    json_t *rec = NULL, *aliases = NULL, *source = NULL, *text = NULL, *lang = NULL;
    const char *id;
    size_t i;
    json_t *v;
    kz_rc rc = KZ_ENOMEM;

    if (j->records >= j->lim->objects) {
        rc = KZ_ELIMIT;
        goto out;
    }
    if (p->revision[0] == '\0') {
        problem(j, node, "%s has no usable last-update date (DateLastUpdated / "
                "dcterms:modified / dc:date); left out", json_string_value(p->jvndb));
        rc = KZ_OK;
        goto out;
    }
    id = json_array_size(p->cves) == 1 ? json_string_value(json_array_get(p->cves, 0))
                                        : json_string_value(p->jvndb);
    if ((rec = json_object()) == NULL || (aliases = json_array()) == NULL ||
        (source = json_object()) == NULL)
        goto out;
    if ((rc = set_str(rec, "id", id)) != KZ_OK || (rc = push_unique(aliases, id)) != KZ_OK ||
        (rc = push_unique(aliases, json_string_value(p->jvndb))) != KZ_OK)
        goto out;
    json_array_foreach(p->cves, i, v) {
        if ((rc = push_unique(aliases, json_string_value(v))) != KZ_OK)
            goto out;
    }
    if ((rc = set_new(rec, "aliases", json_incref(aliases))) != KZ_OK ||
        (rc = set_str(source, "kind", "jvn")) != KZ_OK ||
        (rc = set_new(source, "document", json_incref(p->jvndb))) != KZ_OK ||
        (rc = set_str(source, "revision", p->revision)) != KZ_OK ||
        (rc = set_str(source, "publisher", PUBLISHER)) != KZ_OK ||
        (p->url != NULL && (rc = set_new(source, "url", json_incref(p->url))) != KZ_OK) ||
        (rc = set_str(source, "file", j->file)) != KZ_OK ||
        (rc = set_new(rec, "source", json_incref(source))) != KZ_OK)
        goto out;
    if ((p->published[0] != '\0' && (rc = set_str(rec, "published", p->published)) != KZ_OK) ||
        (rc = set_str(rec, "modified", p->revision)) != KZ_OK)
        goto out;
    if (p->title != NULL || p->description != NULL) {
        rc = KZ_ENOMEM;
        if ((text = json_object()) == NULL || (lang = json_object()) == NULL ||
            (p->title != NULL && (rc = set_new(lang, "title", json_incref(p->title))) != KZ_OK) ||
            (p->description != NULL &&
             (rc = set_new(lang, "description", json_incref(p->description))) != KZ_OK) ||
            (rc = set_new(text, p->lang, json_incref(lang))) != KZ_OK ||
            (rc = set_new(rec, "text", json_incref(text))) != KZ_OK)
            goto out;
    }
    if ((rc = set_nonempty(rec, "cwes", p->cwes)) != KZ_OK ||
        (rc = set_nonempty(rec, "scores", p->scores)) != KZ_OK ||
        (rc = set_nonempty(rec, "affected", p->affected)) != KZ_OK ||
        (rc = set_nonempty(rec, "remediations", p->remediations)) != KZ_OK ||
        (rc = set_nonempty(rec, "references", p->references)) != KZ_OK)
        goto out;
    j->records++;
    rc = j->sink->record(j->sink->ctx, rec);
    rec = NULL; /* the sink took it over */
out:
    json_decref(rec);
    json_decref(aliases);
    json_decref(source);
    json_decref(text);
    json_decref(lang);
    return rc;
}

/* ---- VULDEF --------------------------------------------------------------------------------- */

/* Reads the Related items: CVE ids, CWEs, references and the JVNDB page. */
static kz_rc vuldef_related(const jvn *j, const xmlNode *related, parts *p)
{
    const xmlNode *it;
    kz_buf sum;
    kz_rc rc = KZ_OK;

    kz_buf_init(&sum, 4096);
    for (it = child(related, NULL, NS_VULDEF, "RelatedItem"); it != NULL;
         it = child(related, it, NS_VULDEF, "RelatedItem")) {
        char *type = attr(it, "type");
        json_t *name = NULL, *vid = NULL, *url = NULL, *title = NULL;
        name = text_of(child(it, NULL, NS_VULDEF, "Name"), &rc);
        vid = text_of(child(it, NULL, NS_VULDEF, "VulinfoID"), &rc);
        url = text_of(child(it, NULL, NS_VULDEF, "URL"), &rc);
        title = text_of(child(it, NULL, NS_VULDEF, "Title"), &rc);
        if (rc != KZ_OK)
            goto next;
        if (type != NULL && strcmp(type, "cwe") == 0) {
            const char *cid = json_string_value(vid);
            if (cid != NULL && strncmp(cid, "CWE-", 4) == 0)
                rc = add_cwe(p->cwes, cid, kz_sv_c(json_string_value(title)));
            else
                problem(j, it, "CWE item without a CWE id (\"%.40s\"); left out",
                        cid != NULL ? cid : "");
            goto next;
        }
        if (type != NULL && strcmp(type, "advisory") == 0 &&
            kz_vuln_is_cve(json_string_value(vid)) &&
            (rc = push_unique(p->cves, json_string_value(vid))) != KZ_OK)
            goto next;
        if (url != NULL && p->url == NULL && json_string_value(p->jvndb) != NULL &&
            strstr(json_string_value(url), "jvndb.jvn.jp/") != NULL &&
            strstr(json_string_value(url), json_string_value(p->jvndb)) != NULL)
            p->url = json_incref(url);
        kz_buf_reset(&sum);
        if (name != NULL && (rc = kz_buf_puts(&sum, json_string_value(name))) != KZ_OK)
            goto next;
        if (vid != NULL &&
            (rc = kz_buf_printf(&sum, "%s%s", sum.n > 0 ? ": " : "", json_string_value(vid))) !=
                KZ_OK)
            goto next;
        rc = add_reference(p->references, url, sum.n > 0 ? sum.p : NULL);
    next:
        if (rc == KZ_ELIMIT)
            rc = add_reference(p->references, url, NULL);
        xmlFree(type);
        json_decref(name);
        json_decref(vid);
        json_decref(url);
        json_decref(title);
        if (rc != KZ_OK)
            break;
    }
    kz_buf_free(&sum);
    return rc;
}

/* Reads the Cvss elements of Impact into scores. */
static kz_rc vuldef_scores(const jvn *j, const xmlNode *impact, parts *p)
{
    const xmlNode *cv;
    kz_rc rc = KZ_OK;

    for (cv = child(impact, NULL, NS_VULDEF, "Cvss"); cv != NULL && rc == KZ_OK;
         cv = child(impact, cv, NS_VULDEF, "Cvss")) {
        char *version = attr(cv, "version");
        xmlNode *vn = child(cv, NULL, NS_VULDEF, "Vector");
        xmlNode *bn = child(cv, NULL, NS_VULDEF, "Base");
        xmlChar *vector = vn != NULL ? xmlNodeGetContent(vn) : NULL;
        xmlChar *base = bn != NULL ? xmlNodeGetContent(bn) : NULL;
        if ((vn != NULL && vector == NULL) || (bn != NULL && base == NULL))
            rc = KZ_ENOMEM;
        else
            rc = add_score(j, vn != NULL ? vn : cv, version, (const char *)vector,
                           (const char *)base, p->scores);
        xmlFree(version);
        xmlFree(vector);
        xmlFree(base);
    }
    return rc;
}

/* Turns one Vulinfo into a record. */
static kz_rc vuldef_vulinfo(jvn *j, const xmlNode *vi)
{
    const xmlNode *data = child(vi, NULL, NS_VULDEF, "VulinfoData"), *n, *c;
    parts p;
    kz_rc rc;

    if ((rc = parts_init(&p)) != KZ_OK)
        goto out;
    p.jvndb = text_of(child(vi, NULL, NS_VULDEF, "VulinfoID"), &rc);
    if (rc != KZ_OK)
        goto out;
    if (p.jvndb == NULL || data == NULL) {
        problem(j, vi, "Vulinfo without %s; left out", p.jvndb == NULL ? "a VulinfoID"
                                                                        : "VulinfoData");
        goto out;
    }
    p.lang = lang_key(vi);
    p.title = text_of(child(data, NULL, NS_VULDEF, "Title"), &rc);
    p.description = text_of(child(child(data, NULL, NS_VULDEF, "VulinfoDescription"), NULL,
                                  NS_VULDEF, "Overview"),
                            &rc);
    if (rc != KZ_OK)
        goto out;
    n = child(data, NULL, NS_VULDEF, "Related");
    if ((rc = vuldef_related(j, n, &p)) != KZ_OK)
        goto out;
    n = child(data, NULL, NS_VULDEF, "Affected");
    for (c = child(n, NULL, NS_VULDEF, "AffectedItem"); c != NULL;
         c = child(n, c, NS_VULDEF, "AffectedItem"))
        if ((rc = add_affected_item(j, c, p.affected)) != KZ_OK)
            goto out;
    if ((rc = vuldef_scores(j, child(data, NULL, NS_VULDEF, "Impact"), &p)) != KZ_OK)
        goto out;
    n = child(data, NULL, NS_VULDEF, "Solution");
    for (c = child(n, NULL, NS_VULDEF, "SolutionItem"); c != NULL;
         c = child(n, c, NS_VULDEF, "SolutionItem")) {
        json_t *t = text_of(child(c, NULL, NS_VULDEF, "Description"), &rc);
        if (rc != KZ_OK)
            goto out;
        if (t != NULL && (rc = add_remediation(p.remediations, t, p.lang)) != KZ_OK)
            goto out;
    }
    if (!read_date(j, child(data, NULL, NS_VULDEF, "DateLastUpdated"), p.revision))
        (void)read_date(j, child(data, NULL, NS_VULDEF, "DateFirstPublished"), p.revision);
    (void)read_date(j, child(data, NULL, NS_VULDEF, "DateFirstPublished"), p.published);
    rc = finish_record(j, vi, &p);
out:
    parts_free(&p);
    return rc;
}

/* ---- JVNRSS --------------------------------------------------------------------------------- */

/* Reads the sec:references of an item: CVE ids, CWEs and references. */
static kz_rc rss_references(const jvn *j, const xmlNode *item, parts *p)
{
    const xmlNode *r;
    kz_buf sum;
    kz_rc rc = KZ_OK;

    (void)j;
    kz_buf_init(&sum, 4096);
    for (r = child(item, NULL, NS_SEC, "references"); r != NULL && rc == KZ_OK;
         r = child(item, r, NS_SEC, "references")) {
        char *source = attr(r, "source"), *id = attr(r, "id"), *title = attr(r, "title");
        json_t *url = text_of(r, &rc);
        if (rc != KZ_OK)
            goto next;
        if (id != NULL && strncmp(id, "CWE-", 4) == 0) {
            kz_sv name = trim_sv(kz_sv_c(title));
            char tail[64];
            snprintf(tail, sizeof tail, "(%s)", id);
            if (sv_ends(name, tail)) /* "名前(CWE-79)" -> "名前" */
                name = trim_sv((kz_sv){name.p, name.n - strlen(tail)});
            rc = add_cwe(p->cwes, id, name);
            goto next;
        }
        if (kz_vuln_is_cve(id) && (rc = push_unique(p->cves, id)) != KZ_OK)
            goto next;
        kz_buf_reset(&sum);
        if (source != NULL && (rc = kz_buf_puts(&sum, source)) != KZ_OK)
            goto next;
        if (id != NULL && (rc = kz_buf_printf(&sum, "%s%s", sum.n > 0 ? ": " : "", id)) != KZ_OK)
            goto next;
        rc = add_reference(p->references, url, sum.n > 0 ? sum.p : NULL);
    next:
        if (rc == KZ_ELIMIT)
            rc = add_reference(p->references, url, NULL);
        xmlFree(source);
        xmlFree(id);
        xmlFree(title);
        json_decref(url);
    }
    kz_buf_free(&sum);
    return rc;
}

/* Reads the sec:cpe entries of an item into affected (versions []). */
static kz_rc rss_affected(const jvn *j, const xmlNode *item, parts *p)
{
    const xmlNode *c;
    kz_rc rc = KZ_OK;

    for (c = child(item, NULL, NS_SEC, "cpe"); c != NULL && rc == KZ_OK;
         c = child(item, c, NS_SEC, "cpe")) {
        char *vendor = attr(c, "vendor"), *product = attr(c, "product");
        xmlChar *s = xmlNodeGetContent(c);
        json_t *cpe = NULL, *o = NULL;
        kz_sv pv = trim_sv(kz_sv_c(product)), vv = trim_sv(kz_sv_c(vendor));
        rc = KZ_ENOMEM;
        if (s == NULL || (rc = read_cpe(j, c, (const char *)s, &cpe)) != KZ_OK)
            goto next;
        if (cpe == NULL && pv.n == 0) {
            problem(j, c, "names no product (product or a valid CPE); left out");
            goto next;
        }
        rc = KZ_ENOMEM;
        if ((o = json_object()) == NULL ||
            (vv.n > 0 && (rc = set_new(o, "vendor", json_stringn(vv.p, vv.n))) != KZ_OK) ||
            (pv.n > 0 && (rc = set_new(o, "product", json_stringn(pv.p, pv.n))) != KZ_OK) ||
            (cpe != NULL && (rc = set_new(o, "cpe", json_incref(cpe))) != KZ_OK) ||
            (rc = set_new(o, "versions", json_array())) != KZ_OK ||
            (rc = set_str(o, "status", "affected")) != KZ_OK)
            goto next;
        rc = append_new(p->affected, o);
        o = NULL;
    next:
        xmlFree(vendor);
        xmlFree(product);
        xmlFree(s);
        json_decref(cpe);
        json_decref(o);
    }
    return rc;
}

/* Reads the sec:cvss entries of an item into scores. */
static kz_rc rss_scores(const jvn *j, const xmlNode *item, parts *p)
{
    const xmlNode *c;
    kz_rc rc = KZ_OK;

    for (c = child(item, NULL, NS_SEC, "cvss"); c != NULL && rc == KZ_OK;
         c = child(item, c, NS_SEC, "cvss")) {
        char *version = attr(c, "version"), *vector = attr(c, "vector"), *score = attr(c, "score");
        rc = add_score(j, c, version, vector, score, p->scores);
        xmlFree(version);
        xmlFree(vector);
        xmlFree(score);
    }
    return rc;
}

/* Turns one RSS item into a record. */
static kz_rc rss_item(jvn *j, const xmlNode *item)
{
    parts p;
    kz_rc rc;

    if ((rc = parts_init(&p)) != KZ_OK)
        goto out;
    p.jvndb = text_of(child(item, NULL, NS_SEC, "identifier"), &rc);
    if (rc != KZ_OK)
        goto out;
    if (p.jvndb == NULL) {
        problem(j, item, "item without sec:identifier; left out");
        goto out;
    }
    p.lang = lang_key(item);
    p.title = text_of(child(item, NULL, NS_RSS, "title"), &rc);
    p.description = text_of(child(item, NULL, NS_RSS, "description"), &rc);
    p.url = text_of(child(item, NULL, NS_RSS, "link"), &rc);
    if (rc != KZ_OK || (rc = rss_references(j, item, &p)) != KZ_OK ||
        (rc = rss_affected(j, item, &p)) != KZ_OK || (rc = rss_scores(j, item, &p)) != KZ_OK)
        goto out;
    if (!read_date(j, child(item, NULL, NS_DCTERMS, "modified"), p.revision))
        (void)read_date(j, child(item, NULL, NS_DC, "date"), p.revision);
    (void)read_date(j, child(item, NULL, NS_DCTERMS, "issued"), p.published);
    rc = finish_record(j, item, &p);
out:
    parts_free(&p);
    return rc;
}

/* ---- the document --------------------------------------------------------------------------- */

/* The kind of JVN document a root element makes, and the children that are its records. */
typedef enum { DOC_OTHER, DOC_VULDEF, DOC_RSS } doc_kind;

/* What kind of JVN document root starts, by local name and namespace. */
static doc_kind kind_of(const xmlNode *root)
{
    if (is_el(root, NS_VULDEF, "VULDEF-Document"))
        return DOC_VULDEF;
    if (is_el(root, NS_RDF, "RDF"))
        return DOC_RSS;
    return DOC_OTHER;
}

/* True when node is one record element of a document of kind k. */
static bool is_record(const xmlNode *node, doc_kind k)
{
    return k == DOC_VULDEF ? is_el(node, NS_VULDEF, "Vulinfo") : is_el(node, NS_RSS, "item");
}

/* The largest line number within node's subtree. */
static long last_line(const xmlNode *node)
{
    long max = xmlGetLineNo(node);

    for (const xmlNode *c = node->children; c != NULL; c = c->next) {
        long l = c->type == XML_ELEMENT_NODE ? last_line(c) : xmlGetLineNo(c);
        if (l > max)
            max = l;
    }
    return max;
}

/*
 * Decides whether a document that is not well-formed from line err_line on can still be read:
 * only when every record ends before that line and the error sits in an element that follows
 * the last record (the JVNDB RSS feed has an unquoted attribute in its trailing status element).
 */
static bool damage_after_records(const xmlNode *root, doc_kind k, long err_line)
{
    const xmlNode *c, *last = NULL, *after = NULL;

    for (c = root->children; c != NULL; c = c->next)
        if (is_record(c, k))
            last = c;
    if (last == NULL || last_line(last) >= err_line)
        return false;
    for (c = last->next; c != NULL && after == NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            after = c;
    return after != NULL && !is_record(after, k) && xmlGetLineNo(after) <= err_line;
}

/* The line of byte offset off in xml (1-based). */
static long line_at(const char *xml, size_t off)
{
    long line = 1;

    for (size_t i = 0; i < off; i++)
        line += xml[i] == '\n';
    return line;
}

/* Finds needle in xml[0..n); returns its offset or n. */
static size_t find(const char *xml, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (xml[i] == needle[0] && memcmp(xml + i, needle, k) == 0)
            return i;
    return n;
}

/* Refuses a DOCTYPE that declares entities before libxml2 sees it. */
static kz_rc check_doctype(const char *xml, size_t n, const char *file, kz_err *err)
{
    size_t d = find(xml, n, "<!DOCTYPE"), e;

    if (d == n)
        return KZ_OK;
    e = find(xml + d, n - d, "<!ENTITY");
    if (e == n - d)
        return KZ_OK;
    return kz_fail(err, KZ_EINVAL, "%s:%ld: a DOCTYPE declaring entities is refused (JVN "
                   "documents have none; entities could expand without bound)",
                   file, line_at(xml, d + e));
}

/* The first error of a parse (libxml2 keeps only the last one, which after a fatal error is
 * often "Extra content at the end of the document", far from the cause). */
typedef struct {
    long line;
    char msg[256];
    bool set;
} first_error;

/* libxml2's structured error callback: keeps the first error of the parse. */
static void keep_first_error(void *data, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = data;
    first_error *fe = ctxt != NULL ? ctxt->_private : NULL;
    size_t k;

    if (fe == NULL || fe->set || e == NULL || e->level < XML_ERR_ERROR)
        return;
    fe->set = true;
    fe->line = e->line;
    snprintf(fe->msg, sizeof fe->msg, "%s", e->message != NULL ? e->message : "not well-formed");
    k = strlen(fe->msg);
    while (k > 0 && (fe->msg[k - 1] == '\n' || fe->msg[k - 1] == ' '))
        fe->msg[--k] = '\0';
}

/* The first error of the last parse with ctxt, or the last one libxml2 kept. */
static void xml_error(xmlParserCtxtPtr ctxt, const first_error *fe, long *line, char *msg,
                      size_t cap)
{
    const xmlError *e = xmlCtxtGetLastError(ctxt);
    size_t k;

    if (fe->set) {
        *line = fe->line;
        snprintf(msg, cap, "%s", fe->msg);
        return;
    }
    *line = e != NULL ? e->line : 0;
    snprintf(msg, cap, "%s", e != NULL && e->message != NULL ? e->message : "not well-formed");
    k = strlen(msg);
    while (k > 0 && (msg[k - 1] == '\n' || msg[k - 1] == ' '))
        msg[--k] = '\0';
}

/* The method attribute of the document's status:Status element, or NULL; xmlFree it. */
static char *status_method(const xmlNode *root)
{
    for (const xmlNode *c = root->children; c != NULL; c = c->next)
        if (is_el(c, NS_STATUS, "Status"))
            return attr(c, "method");
    return NULL;
}

/* Imports the records of a parsed document. */
static kz_rc import_doc(jvn *j, const xmlNode *root, doc_kind k)
{
    kz_rc rc = KZ_OK;

    for (const xmlNode *c = root->children; c != NULL && rc == KZ_OK; c = c->next) {
        if (!is_record(c, k))
            continue;
        rc = k == DOC_VULDEF ? vuldef_vulinfo(j, c) : rss_item(j, c);
    }
    return rc;
}

/*
 * Imports a VULDEF or JVNRSS document (see vuln.h): each record goes to sink->record (which owns
 * it), skipped pieces to sink->problem. KZ_EINVAL with file and line for input that is not such
 * a document, KZ_ELIMIT past the document or record limits, or the sink's failure.
 */
kz_rc kz_vuln_parse_jvn(const char *xml, size_t n, const char *file, const kz_limits *lim,
                        const kz_vuln_sink *sink, kz_err *err)
{
    const int opts = XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                     XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA;
    kz_limits dflt = kz_limits_default();
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    xmlNode *root;
    char *method = NULL, msg[256];
    first_error fe = {0};
    long line = 0;
    doc_kind k;
    jvn j;
    kz_rc rc = KZ_EUSAGE;

    if (file == NULL)
        file = "(input)";
    if (lim == NULL)
        lim = &dflt;
    j = (jvn){.file = file, .sink = sink, .lim = lim};
    if (sink == NULL || sink->record == NULL || (xml == NULL && n > 0)) {
        rc = kz_fail(err, KZ_EUSAGE, "%s: no sink for the records", file);
        goto out;
    }
    if (n > INT_MAX || (lim->object_bytes <= SIZE_MAX / DOC_FACTOR &&
                        n > lim->object_bytes * DOC_FACTOR)) {
        rc = kz_fail(err, KZ_ELIMIT, "%s: %zu bytes is past the limit for one XML document "
                     "(%d times the object limit)", file, n, DOC_FACTOR);
        goto out;
    }
    if ((rc = check_doctype(xml, n, file, err)) != KZ_OK)
        goto out;
    pthread_once(&xml_once, xml_init);
    rc = KZ_ENOMEM;
    if ((ctxt = xmlNewParserCtxt()) == NULL)
        goto out;
    ctxt->_private = &fe;
    ctxt->userData = ctxt;
    ctxt->sax->serror = keep_first_error;
    doc = xmlCtxtReadMemory(ctxt, n > 0 ? xml : "", (int)n, file, NULL, opts);
    if (doc == NULL) {
        /* Not well-formed: a second, recovering parse decides whether the records are intact. */
        xml_error(ctxt, &fe, &line, msg, sizeof msg);
        fe.set = true; /* the recovering parse's errors are not wanted */
        doc = xmlCtxtReadMemory(ctxt, n > 0 ? xml : "", (int)n, file, NULL,
                                opts | XML_PARSE_RECOVER);
        root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
        if (root == NULL || (k = kind_of(root)) == DOC_OTHER ||
            !damage_after_records(root, k, line)) {
            rc = kz_fail(err, KZ_EINVAL, "%s:%ld: not well-formed XML: %s", file, line, msg);
            goto out;
        }
        if (sink->problem != NULL) {
            char where[WHERE_MAX + 64], what[512];
            snprintf(where, sizeof where, "%s:%ld", file, line);
            snprintf(what, sizeof what, "not well-formed XML after the last record (%s); the "
                     "records before it are imported", msg);
            sink->problem(sink->ctx, where, what);
        }
    }
    if (doc->intSubset != NULL &&
        (doc->intSubset->entities != NULL || doc->intSubset->pentities != NULL)) {
        rc = kz_fail(err, KZ_EINVAL, "%s: a DOCTYPE declaring entities is refused", file);
        goto out;
    }
    if ((root = xmlDocGetRootElement(doc)) == NULL) {
        rc = kz_fail(err, KZ_EINVAL, "%s: an XML document without a root element", file);
        goto out;
    }
    if ((k = kind_of(root)) == DOC_OTHER) {
        method = status_method(root);
        rc = kz_fail(err, KZ_EINVAL, "%s:%ld: not a JVN vulnerability document (it is a <%s> "
                     "document%s%s; expected VULDEF <VULDEF-Document> or JVNRSS <rdf:RDF>)",
                     file, xmlGetLineNo(root), (const char *)root->name,
                     method != NULL ? ", MyJVN method " : "", method != NULL ? method : "");
        goto out;
    }
    rc = import_doc(&j, root, k);
    if (rc == KZ_ELIMIT)
        rc = kz_fail(err, KZ_ELIMIT, "%s: more than %zu records", file, lim->objects);
    else if (rc == KZ_ENOMEM)
        rc = kz_fail(err, KZ_ENOMEM, "%s: out of memory", file);
out:
    xmlFree(method);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
