/*
 * detect.c - which importer a file needs, from its content, and the one entry point that reads
 * a file's bytes and hands them to that importer (kz_vuln_parse).
 *
 * JSON formats are told apart by the keys of the top-level object (and of "document" for CSAF),
 * found with a small lexical scan that allocates nothing and never builds a tree: the document
 * is parsed once, by kz_vuln_parse, after the format is known. XML formats are told apart by
 * the root element, found within a bounded prefix of the file.
 */
#include <string.h>

#include "kizuna/vuln.h"

/* A whole advisory or catalogue is read into memory at once; past this it is refused. The
 * per-object limit (kz_limits.object_bytes) is for STIX objects, not for whole documents: the
 * KEV catalogue is a few MiB and CSAF advisories with large product trees reach tens of MiB. */
#define DOC_BYTES_MAX ((size_t)64 << 20)
/* XML: the root element must start within this many bytes (after the declaration, comments,
 * processing instructions and a DOCTYPE). */
#define XML_PREFIX_MAX ((size_t)64 << 10)

/* The short name of a format, as vuln.h lists them. */
const char *kz_vfmt_name(kz_vfmt f)
{
    switch (f) {
        case KZ_VFMT_CSAF: return "csaf";
        case KZ_VFMT_CVE5: return "cve5";
        case KZ_VFMT_KEV: return "kev";
        case KZ_VFMT_OSV: return "osv";
        case KZ_VFMT_JVN: return "jvn";
        case KZ_VFMT_PROVIDER: return "provider";
        case KZ_VFMT_UNKNOWN: break;
    }
    return "unknown";
}

/* ---- a lexical JSON scan ------------------------------------------------------------------- */

typedef struct {
    const char *p;
    size_t n;
    size_t i;
} cursor;

/* Moves past JSON white space. */
static void skip_ws(cursor *c)
{
    while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t' || c->p[c->i] == '\n' ||
                           c->p[c->i] == '\r'))
        c->i++;
}

/* Reads a string at the cursor (which is on '"'); *s is its raw content, escapes as written.
 * False when the input ends first. */
static bool scan_string(cursor *c, kz_sv *s)
{
    size_t start = ++c->i;

    while (c->i < c->n) {
        char ch = c->p[c->i];
        if (ch == '\\') {
            c->i += 2;
            continue;
        }
        if (ch == '"') {
            *s = (kz_sv){c->p + start, c->i - start};
            c->i++;
            return true;
        }
        c->i++;
    }
    return false;
}

/* Skips one value (string, number, literal, or a nested object or array, however deep: only a
 * counter is kept). False when the input ends first. */
static bool skip_value(cursor *c)
{
    size_t depth = 0;
    kz_sv ignored;

    skip_ws(c);
    do {
        if (c->i >= c->n)
            return false;
        switch (c->p[c->i]) {
            case '"':
                if (!scan_string(c, &ignored))
                    return false;
                break;
            case '{':
            case '[': depth++, c->i++; break;
            case '}':
            case ']':
                if (depth == 0)
                    return true; /* the end of the enclosing container: a value was empty */
                depth--, c->i++;
                break;
            case ',':
            case ':':
                if (depth == 0)
                    return true;
                c->i++;
                break;
            default:
                if (depth == 0) {
                    /* A number or literal: up to the next delimiter. */
                    while (c->i < c->n && strchr(",}] \t\r\n", c->p[c->i]) == NULL)
                        c->i++;
                    return true;
                }
                c->i++;
        }
    } while (depth > 0);
    return true;
}

/* The keys that matter for detection. */
enum {
    K_DOCUMENT_CSAF = 1 << 0, /* "document": {"csaf_version": ...} */
    K_CVE_RECORD = 1 << 1,    /* "dataType": "CVE_RECORD" */
    K_CVE_METADATA = 1 << 2,
    K_CATALOG_VERSION = 1 << 3,
    K_VULNERABILITIES = 1 << 4,
    K_SCHEMA_VERSION = 1 << 5,
    K_ID = 1 << 6,
    K_AFFECTED = 1 << 7,
    K_MODIFIED = 1 << 8,
    K_CANONICAL_URL = 1 << 9,
    K_PUBLISHER = 1 << 10,
    K_ROLE = 1 << 11,
};

/* Scans the members of the object at the cursor (on '{'); with `want` non-NULL, only says
 * whether a key of that name is among them. Returns the K_* flags seen (top level). */
static unsigned scan_object(cursor *c, const char *want, bool *found)
{
    static const struct {
        const char *key;
        unsigned flag;
    } keys[] = {
        {"cveMetadata", K_CVE_METADATA},     {"catalogVersion", K_CATALOG_VERSION},
        {"vulnerabilities", K_VULNERABILITIES}, {"schema_version", K_SCHEMA_VERSION},
        {"id", K_ID},                        {"affected", K_AFFECTED},
        {"modified", K_MODIFIED},            {"canonical_url", K_CANONICAL_URL},
        {"publisher", K_PUBLISHER},          {"role", K_ROLE},
    };
    unsigned seen = 0;
    kz_sv key, val;

    c->i++; /* '{' */
    for (;;) {
        skip_ws(c);
        if (c->i >= c->n || c->p[c->i] == '}')
            break;
        if (c->p[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->p[c->i] != '"' || !scan_string(c, &key))
            break;
        skip_ws(c);
        if (c->i >= c->n || c->p[c->i] != ':')
            break;
        c->i++;
        skip_ws(c);
        if (c->i >= c->n)
            break;
        if (want != NULL) {
            if (kz_sv_eq_c(key, want)) {
                *found = true;
                break;
            }
        } else if (kz_sv_eq_c(key, "document") && c->p[c->i] == '{') {
            bool csaf = false;
            size_t at = c->i;
            scan_object(c, "csaf_version", &csaf);
            if (csaf)
                seen |= K_DOCUMENT_CSAF;
            c->i = at; /* skip the whole object below */
        } else if (kz_sv_eq_c(key, "dataType") && c->p[c->i] == '"') {
            size_t at = c->i;
            if (scan_string(c, &val) && kz_sv_eq_c(val, "CVE_RECORD"))
                seen |= K_CVE_RECORD;
            c->i = at;
        } else {
            for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
                if (kz_sv_eq_c(key, keys[k].key))
                    seen |= keys[k].flag;
        }
        if (!skip_value(c))
            break;
    }
    return seen;
}

/* The format that a set of top-level keys (K_*) says. */
static kz_vfmt json_format(unsigned k)
{
    if (k & K_DOCUMENT_CSAF)
        return KZ_VFMT_CSAF;
    if (k & (K_CVE_RECORD | K_CVE_METADATA))
        return KZ_VFMT_CVE5;
    if ((k & K_CATALOG_VERSION) && (k & K_VULNERABILITIES))
        return KZ_VFMT_KEV;
    if ((k & K_SCHEMA_VERSION) && (k & K_ID) && (k & (K_AFFECTED | K_MODIFIED)))
        return KZ_VFMT_OSV;
    if ((k & K_CANONICAL_URL) && (k & K_PUBLISHER) && (k & K_ROLE))
        return KZ_VFMT_PROVIDER;
    return KZ_VFMT_UNKNOWN;
}

/* The format of the JSON value at the cursor (an object, or an array of OSV entries). */
static kz_vfmt detect_json(cursor *c)
{
    bool ignored = false;

    if (c->p[c->i] == '{')
        return json_format(scan_object(c, NULL, &ignored));
    /* An array: OSV entries (the first one decides). */
    c->i++;
    skip_ws(c);
    if (c->i < c->n && c->p[c->i] == '{' && json_format(scan_object(c, NULL, &ignored)) ==
                                                KZ_VFMT_OSV)
        return KZ_VFMT_OSV;
    return KZ_VFMT_UNKNOWN;
}

/* ---- XML ------------------------------------------------------------------------------------ */

/* Moves past the construct that starts at the cursor and ends with `end`; false if it does not
 * end within the prefix. */
static bool skip_past(cursor *c, const char *end)
{
    size_t len = strlen(end);

    for (; c->i + len <= c->n; c->i++) {
        if (memcmp(c->p + c->i, end, len) == 0) {
            c->i += len;
            return true;
        }
    }
    return false;
}

/* True when the namespace URI is one of JVN's vulnerability namespaces (http://jvn.jp/vuldef/,
 * http://jvn.jp/rss/..., over http or https). MyJVN's own result and status documents
 * (jvndb.jvn.jp/myjvn/: product and vendor lists, statistics) hold no vulnerabilities and are
 * left to be skipped as other files. */
static bool jvn_namespace(kz_sv uri)
{
    static const char *const prefixes[] = {"http://jvn.jp/", "https://jvn.jp/"};

    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (kz_sv_starts(uri, prefixes[i]))
            return true;
    return false;
}

/* The value of attribute `name` (e.g. "xmlns" or "xmlns:vuldef") in the start tag tag[0..n). */
static bool xml_attr(kz_sv tag, const char *name, kz_sv *value)
{
    size_t len = strlen(name);

    for (size_t i = 0; i + len + 2 < tag.n; i++) {
        char before = tag.p[i - (i > 0)];
        if ((i == 0 || before == ' ' || before == '\t' || before == '\n' || before == '\r') &&
            memcmp(tag.p + i, name, len) == 0) {
            size_t j = i + len;
            while (j < tag.n && (tag.p[j] == ' ' || tag.p[j] == '\t' || tag.p[j] == '\n' ||
                                 tag.p[j] == '\r'))
                j++;
            if (j >= tag.n || tag.p[j] != '=')
                continue;
            for (j++; j < tag.n && (tag.p[j] == ' ' || tag.p[j] == '\t' || tag.p[j] == '\n' ||
                                    tag.p[j] == '\r');
                 j++)
                ;
            if (j < tag.n && (tag.p[j] == '"' || tag.p[j] == '\'')) {
                const char *q = memchr(tag.p + j + 1, tag.p[j], tag.n - j - 1);
                if (q == NULL)
                    return false;
                *value = (kz_sv){tag.p + j + 1, (size_t)(q - (tag.p + j + 1))};
                return true;
            }
        }
    }
    return false;
}

/* The format of an XML document, from its root element: past the declaration, comments, processing
 * instructions and a DOCTYPE, within the bounded prefix the cursor spans. */
static kz_vfmt detect_xml(cursor *c)
{
    kz_sv name, tag, uri;
    char attr[80];
    size_t start, colon;

    for (;;) {
        skip_ws(c);
        if (c->i + 1 >= c->n || c->p[c->i] != '<')
            return KZ_VFMT_UNKNOWN;
        if (c->p[c->i + 1] == '?') {
            if (!skip_past(c, "?>"))
                return KZ_VFMT_UNKNOWN;
        } else if (c->i + 3 < c->n && memcmp(c->p + c->i, "<!--", 4) == 0) {
            if (!skip_past(c, "-->"))
                return KZ_VFMT_UNKNOWN;
        } else if (c->p[c->i + 1] == '!') {
            /* A DOCTYPE, possibly with an internal subset in brackets. */
            const char *lb = memchr(c->p + c->i, '[', c->n - c->i);
            const char *gt = memchr(c->p + c->i, '>', c->n - c->i);
            if (lb != NULL && gt != NULL && lb < gt && !skip_past(c, "]"))
                return KZ_VFMT_UNKNOWN;
            if (!skip_past(c, ">"))
                return KZ_VFMT_UNKNOWN;
        } else {
            break;
        }
    }
    start = ++c->i;
    while (c->i < c->n && strchr(" \t\r\n/>", c->p[c->i]) == NULL)
        c->i++;
    name = (kz_sv){c->p + start, c->i - start};
    if (name.n == 0 || !skip_past(c, ">"))
        return KZ_VFMT_UNKNOWN;
    tag = (kz_sv){c->p + start + name.n, c->i - start - name.n};
    for (colon = 0; colon < name.n && name.p[colon] != ':'; colon++)
        ;
    if (kz_sv_eq_c(name, "VULDEF-Document") || kz_sv_eq_c(name, "vuldef:VULDEF-Document") ||
        kz_sv_eq_c(name, "rdf:RDF"))
        return KZ_VFMT_JVN;
    if (colon < name.n)
        snprintf(attr, sizeof attr, "xmlns:%.*s", (int)colon, name.p);
    else
        snprintf(attr, sizeof attr, "xmlns");
    if (xml_attr(tag, attr, &uri) && jvn_namespace(uri))
        return KZ_VFMT_JVN;
    return KZ_VFMT_UNKNOWN;
}

/* ---- entry points --------------------------------------------------------------------------- */

/* Skips a UTF-8 byte order mark and white space. */
static size_t content_start(const char *bytes, size_t n)
{
    cursor c = {bytes, n, 0};

    if (n >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0)
        c.i = 3;
    skip_ws(&c);
    return c.i;
}

/* Detects from the first non-blank byte: { or [ is JSON, < is XML; anything else is unknown. */
kz_vfmt kz_vuln_detect(const char *bytes, size_t n)
{
    size_t at;
    cursor c;

    if (bytes == NULL)
        return KZ_VFMT_UNKNOWN;
    at = content_start(bytes, n);
    if (at >= n)
        return KZ_VFMT_UNKNOWN;
    if (bytes[at] == '{' || bytes[at] == '[') {
        c = (cursor){bytes, n, at};
        return detect_json(&c);
    }
    if (bytes[at] == '<') {
        c = (cursor){bytes, n < XML_PREFIX_MAX ? n : XML_PREFIX_MAX, at};
        return detect_xml(&c);
    }
    return KZ_VFMT_UNKNOWN;
}

/* Fails when the JSON text nests arrays and objects deeper than max (strings are skipped). A
 * single pass with a counter; jansson has no run-time depth limit of its own. */
static kz_rc check_depth(const char *p, size_t n, size_t max, const char *file, kz_err *err)
{
    size_t depth = 0, line = 1;
    bool in_string = false;

    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = false;
            continue;
        }
        if (ch == '"') {
            in_string = true;
        } else if (ch == '\n') {
            line++;
        } else if (ch == '{' || ch == '[') {
            if (++depth > max)
                return kz_fail(err, KZ_ELIMIT,
                               "%s: line %zu: nested deeper than the limit of %zu", file, line,
                               max);
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
    }
    return KZ_OK;
}

/* Detects (when asked), checks size and depth, parses JSON once and hands the tree to the format's
 * importer; XML goes to the JVN importer as bytes. */
kz_rc kz_vuln_parse(kz_vfmt f, const char *bytes, size_t n, const char *file,
                    const kz_limits *lim, const kz_vuln_sink *sink, kz_err *err)
{
    kz_limits def = kz_limits_default();
    size_t at, depth;
    json_error_t je;
    json_t *doc = NULL;
    kz_rc rc = KZ_OK;

    if (file == NULL)
        file = "-";
    if (lim == NULL)
        lim = &def;
    if (bytes == NULL)
        n = 0;
    if (f == KZ_VFMT_UNKNOWN)
        f = kz_vuln_detect(bytes, n);
    switch (f) {
        case KZ_VFMT_UNKNOWN:
            rc = kz_fail(err, KZ_EINVAL,
                         "%s: not a format kizuna imports (expected CSAF 2.0, CVE JSON 5, the KEV "
                         "catalogue, OSV JSON or JVN VULDEF/RSS XML)",
                         file);
            goto out;
        case KZ_VFMT_PROVIDER:
            rc = kz_fail(err, KZ_EUSAGE,
                         "%s: a provider folder: give its folder to kizuna vuln import", file);
            goto out;
        case KZ_VFMT_JVN:
            if (n > DOC_BYTES_MAX) {
                rc = kz_fail(err, KZ_ELIMIT, "%s: %zu bytes, more than the limit of %zu", file,
                             n, DOC_BYTES_MAX);
                goto out;
            }
            rc = kz_vuln_parse_jvn(bytes, n, file, lim, sink, err);
            goto out;
        default: break;
    }
    if (n > DOC_BYTES_MAX) {
        rc = kz_fail(err, KZ_ELIMIT, "%s: %zu bytes, more than the limit of %zu", file, n,
                     DOC_BYTES_MAX);
        goto out;
    }
    at = content_start(bytes, n);
    depth = lim->json_depth ? lim->json_depth : def.json_depth;
    if ((rc = check_depth(bytes + at, n - at, depth, file, err)) != KZ_OK)
        goto out;
    if ((doc = json_loadb(bytes + at, n - at, JSON_REJECT_DUPLICATES, &je)) == NULL) {
        rc = kz_fail(err, KZ_EINVAL, "%s: line %d, column %d: %s", file, je.line, je.column,
                     je.text);
        goto out;
    }
    switch (f) {
        case KZ_VFMT_CSAF: rc = kz_vuln_parse_csaf(doc, file, sink, err); break;
        case KZ_VFMT_CVE5: rc = kz_vuln_parse_cve5(doc, file, sink, err); break;
        case KZ_VFMT_KEV: rc = kz_vuln_parse_kev(doc, file, sink, err); break;
        case KZ_VFMT_OSV: rc = kz_vuln_parse_osv(doc, file, sink, err); break;
        default: rc = kz_fail(err, KZ_EUSAGE, "%s: no importer for this format", file); break;
    }
out:
    json_decref(doc);
    return rc;
}
