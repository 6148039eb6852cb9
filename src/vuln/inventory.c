/*
 * inventory.c - the devices and software a user owns, read from a CycloneDX 1.4-1.6 JSON SBOM,
 * an SPDX 2.3 JSON document or a CSV device list (kz_inventory_parse), as the list of components
 * that match.c compares against the knowledge base.
 *
 * Every input is untrusted: the bytes, the number of components and the nesting of CycloneDX
 * components are capped; a component that cannot be used (no name, a row with the wrong number
 * of fields) is a problem given to the sink with the file and its JSON path or line, and the
 * rest of the inventory still reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kizuna/vuln.h"

#define INV_BYTES_MAX ((size_t)256 << 20)  /* one inventory file */
#define INV_COMPONENTS_MAX ((size_t)1000000) /* components in one inventory */
#define INV_NEST_MAX 32                      /* CycloneDX components within components */
#define INV_FIELD_MAX ((size_t)64 << 10)     /* one CSV field */
#define INV_COLUMNS_MAX 256                  /* CSV columns */

struct kz_inventory {
    kz_inv_format format;
    kz_component *c;
    size_t n, cap;
};

/* ---- the component list --------------------------------------------------------------------- */

/* Frees the strings of one component. */
static void component_clear(kz_component *c)
{
    free((char *)c->ref);
    free((char *)c->name);
    free((char *)c->vendor);
    free((char *)c->product);
    free((char *)c->version);
    free((char *)c->cpe);
    free((char *)c->purl);
    free((char *)c->location);
    memset(c, 0, sizeof *c);
}

void kz_inventory_free(kz_inventory *inv)
{
    if (inv == NULL)
        return;
    for (size_t i = 0; i < inv->n; i++)
        component_clear(&inv->c[i]);
    free(inv->c);
    free(inv);
}

size_t kz_inventory_count(const kz_inventory *inv)
{
    return inv ? inv->n : 0;
}

const kz_component *kz_inventory_get(const kz_inventory *inv, size_t i)
{
    return inv != NULL && i < inv->n ? &inv->c[i] : NULL;
}

kz_inv_format kz_inventory_format(const kz_inventory *inv)
{
    return inv ? inv->format : KZ_INV_UNKNOWN;
}

/* A trimmed copy of s[0, n), or NULL (also for an empty or absent value). *oom is set when the
 * copy failed for want of memory. */
static char *dup_trim(const char *s, size_t n, bool *oom)
{
    char *d;

    if (s == NULL)
        return NULL;
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    if (n == 0)
        return NULL;
    if ((d = malloc(n + 1)) == NULL) {
        *oom = true;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *dup_c(const char *s, bool *oom)
{
    return s ? dup_trim(s, strlen(s), oom) : NULL;
}

/* Appends c (taking over its strings; on failure they are freed). */
static kz_rc push(kz_inventory *inv, kz_component *c, bool oom, kz_err *err)
{
    if (oom)
        goto nomem;
    if (inv->n >= INV_COMPONENTS_MAX) {
        component_clear(c);
        return kz_fail(err, KZ_ELIMIT, "more than %zu components", INV_COMPONENTS_MAX);
    }
    if (kz_grow(&inv->c, &inv->cap, inv->n, sizeof *inv->c, 64) != KZ_OK)
        goto nomem;
    inv->c[inv->n++] = *c;
    memset(c, 0, sizeof *c);
    return KZ_OK;
nomem:
    component_clear(c);
    return kz_fail(err, KZ_ENOMEM, "out of memory reading the inventory");
}

static void problem(const kz_vuln_sink *sink, const char *file, const char *where,
                    const char *msg)
{
    char w[256];

    if (sink == NULL || sink->problem == NULL)
        return;
    snprintf(w, sizeof w, "%s: %s", file, where);
    sink->problem(sink->ctx, w, msg);
}

/* ---- CycloneDX ------------------------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* The vendor of a CycloneDX component: supplier.name, manufacturer.name, publisher, author,
 * the first of authors[].name, in that order. */
static const char *cdx_vendor(const json_t *comp)
{
    const char *v;

    if ((v = jstr(json_object_get(comp, "supplier"), "name")) != NULL ||
        (v = jstr(json_object_get(comp, "manufacturer"), "name")) != NULL ||
        (v = jstr(comp, "publisher")) != NULL || (v = jstr(comp, "author")) != NULL)
        return v;
    return jstr(json_array_get(json_object_get(comp, "authors"), 0), "name");
}

typedef struct {
    kz_inventory *inv;
    const char *file;
    const kz_vuln_sink *problems;
    kz_err *err;
} cdx_ctx;

static kz_rc cdx_components(cdx_ctx *x, const json_t *arr, const char *path, int depth);

/* Reads one component (and those nested in it). path is its JSON path. */
static kz_rc cdx_component(cdx_ctx *x, const json_t *comp, const char *path, int depth)
{
    kz_component c = {0};
    const char *name = jstr(comp, "name"), *group = jstr(comp, "group");
    char sub[256], label[300];
    bool oom = false;
    kz_rc rc;

    if (!json_is_object(comp)) {
        problem(x->problems, x->file, path, "a component is a JSON object; skipped");
        return KZ_OK;
    }
    if (name == NULL) {
        problem(x->problems, x->file, path, "the component has no \"name\"; skipped");
    } else {
        if (group != NULL)
            snprintf(label, sizeof label, "%s/%s", group, name);
        c.ref = dup_c(jstr(comp, "bom-ref") ? jstr(comp, "bom-ref") : path, &oom);
        c.name = dup_c(group ? label : name, &oom);
        c.vendor = dup_c(cdx_vendor(comp), &oom);
        c.product = dup_c(name, &oom);
        c.version = dup_c(jstr(comp, "version"), &oom);
        c.cpe = dup_c(jstr(comp, "cpe"), &oom);
        c.purl = dup_c(jstr(comp, "purl"), &oom);
        if ((rc = push(x->inv, &c, oom, x->err)) != KZ_OK)
            return rc;
    }
    if (json_object_get(comp, "components") == NULL)
        return KZ_OK;
    snprintf(sub, sizeof sub, "%s/components", path);
    return cdx_components(x, json_object_get(comp, "components"), sub, depth + 1);
}

static kz_rc cdx_components(cdx_ctx *x, const json_t *arr, const char *path, int depth)
{
    const json_t *comp;
    char where[256];
    size_t i;
    kz_rc rc;

    if (arr == NULL)
        return KZ_OK;
    if (!json_is_array(arr)) {
        problem(x->problems, x->file, path, "expected an array of components; skipped");
        return KZ_OK;
    }
    if (depth > INV_NEST_MAX)
        return kz_fail(x->err, KZ_ELIMIT, "%s: %s: components nested more than %d deep",
                       x->file, path, INV_NEST_MAX);
    json_array_foreach(arr, i, comp) {
        snprintf(where, sizeof where, "%s/%zu", path, i);
        if ((rc = cdx_component(x, comp, where, depth)) != KZ_OK)
            return rc;
    }
    return KZ_OK;
}

static kz_rc parse_cyclonedx(const json_t *doc, const char *file, const kz_vuln_sink *problems,
                             kz_inventory *inv, kz_err *err)
{
    cdx_ctx x = {inv, file, problems, err};
    const json_t *meta = json_object_get(json_object_get(doc, "metadata"), "component");
    const char *spec = jstr(doc, "specVersion");
    kz_rc rc;

    if (!json_is_string(json_object_get(doc, "bomFormat")) ||
        strcmp(jstr(doc, "bomFormat") ? jstr(doc, "bomFormat") : "", "CycloneDX") != 0)
        return kz_fail(err, KZ_EINVAL, "%s: /bomFormat: expected \"CycloneDX\"", file);
    if (spec != NULL && strncmp(spec, "1.", 2) != 0)
        problem(problems, file, "/specVersion", "not a CycloneDX 1.x version; read as 1.6");
    if (meta != NULL && (rc = cdx_component(&x, meta, "/metadata/component", 0)) != KZ_OK)
        return rc;
    return cdx_components(&x, json_object_get(doc, "components"), "/components", 0);
}

/* ---- SPDX ----------------------------------------------------------------------------------- */

/* "Organization: X" / "Person: X" / "Tool: X" -> X; NOASSERTION -> NULL. */
static const char *spdx_who(const char *s, size_t *n)
{
    static const char *const kinds[] = {"Organization:", "Person:", "Tool:"};

    if (s == NULL || strcmp(s, "NOASSERTION") == 0)
        return NULL;
    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(kinds[i]);
        if (strncmp(s, kinds[i], k) == 0) {
            s += k;
            break;
        }
    }
    *n = strlen(s);
    /* An e-mail in parentheses after the name is not part of it. */
    for (size_t i = 0; i < *n; i++)
        if (s[i] == '(') {
            *n = i;
            break;
        }
    return s;
}

static kz_rc parse_spdx(const json_t *doc, const char *file, const kz_vuln_sink *problems,
                        kz_inventory *inv, kz_err *err)
{
    const json_t *pkgs = json_object_get(doc, "packages"), *p;
    const char *ver = jstr(doc, "spdxVersion");
    char where[64];
    size_t i;
    kz_rc rc;

    if (ver == NULL || strncmp(ver, "SPDX-2.", 7) != 0)
        return kz_fail(err, KZ_EINVAL, "%s: /spdxVersion: expected \"SPDX-2.3\"", file);
    if (pkgs != NULL && !json_is_array(pkgs))
        return kz_fail(err, KZ_EINVAL, "%s: /packages: expected an array", file);
    json_array_foreach(pkgs, i, p) {
        kz_component c = {0};
        const json_t *refs = json_object_get(p, "externalRefs"), *r;
        const char *sup;
        size_t k, n = 0;
        bool oom = false;

        snprintf(where, sizeof where, "/packages/%zu", i);
        if (!json_is_object(p) || jstr(p, "name") == NULL) {
            problem(problems, file, where, "a package needs a \"name\"; skipped");
            continue;
        }
        sup = spdx_who(jstr(p, "supplier"), &n);
        c.ref = dup_c(jstr(p, "SPDXID") ? jstr(p, "SPDXID") : where, &oom);
        c.name = dup_c(jstr(p, "name"), &oom);
        c.product = dup_c(jstr(p, "name"), &oom);
        c.vendor = dup_trim(sup, n, &oom);
        c.version = dup_c(jstr(p, "versionInfo"), &oom);
        if (c.version != NULL && strcmp(c.version, "NOASSERTION") == 0) {
            free((char *)c.version);
            c.version = NULL;
        }
        json_array_foreach(refs, k, r) {
            const char *type = jstr(r, "referenceType"), *loc = jstr(r, "referenceLocator");
            if (type == NULL || loc == NULL)
                continue;
            if ((strcmp(type, "cpe23Type") == 0 || strcmp(type, "cpe22Type") == 0) &&
                c.cpe == NULL)
                c.cpe = dup_c(loc, &oom);
            else if (strcmp(type, "purl") == 0 && c.purl == NULL)
                c.purl = dup_c(loc, &oom);
        }
        if ((rc = push(inv, &c, oom, err)) != KZ_OK)
            return rc;
    }
    return KZ_OK;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

/* One record of fields, reused row after row. */
typedef struct {
    kz_buf field[INV_COLUMNS_MAX];
    size_t n;
    bool too_many;
} csv_row;

typedef struct {
    const char *p;
    size_t n, pos;
    size_t line; /* line of the next byte, from 1 */
} csv_in;

static void csv_row_free(csv_row *r)
{
    for (size_t i = 0; i < INV_COLUMNS_MAX; i++)
        kz_buf_free(&r->field[i]);
}

/*
 * Reads one RFC 4180 record into r: fields separated by ',', ending at CRLF, LF or the end of
 * input; a quoted field may hold commas, line breaks and doubled quotes. Returns KZ_ENOTFOUND at
 * the end of the input, KZ_EINVAL (with the line) for a quote left open or text after a closing
 * quote, KZ_ELIMIT past a field's limit.
 */
static kz_rc csv_next(csv_in *in, csv_row *r, kz_err *err)
{
    size_t start = in->line;
    kz_buf *f;
    kz_rc rc;

    if (in->pos >= in->n)
        return KZ_ENOTFOUND;
    r->n = 0;
    r->too_many = false;
    for (;;) {
        bool quoted = false;

        if (r->n < INV_COLUMNS_MAX) {
            f = &r->field[r->n++];
            kz_buf_reset(f);
            f->max = INV_FIELD_MAX;
        } else {
            r->too_many = true;
            f = &r->field[INV_COLUMNS_MAX - 1];
        }
        if (in->pos < in->n && in->p[in->pos] == '"') {
            quoted = true;
            in->pos++;
        }
        while (in->pos < in->n) {
            char ch = in->p[in->pos];
            if (quoted) {
                if (ch == '"' && in->pos + 1 < in->n && in->p[in->pos + 1] == '"') {
                    in->pos += 2;
                } else if (ch == '"') {
                    in->pos++;
                    quoted = false;
                    if (in->pos < in->n && in->p[in->pos] != ',' && in->p[in->pos] != '\n' &&
                        in->p[in->pos] != '\r')
                        return kz_fail(err, KZ_EINVAL,
                                       "line %zu: text after a closing quote (a quote inside a "
                                       "quoted field is written \"\")",
                                       in->line);
                    continue;
                } else {
                    in->line += ch == '\n';
                    in->pos++;
                }
            } else if (ch == ',' || ch == '\n' || ch == '\r') {
                break;
            } else {
                in->pos++;
            }
            if ((rc = kz_buf_append(f, &ch, 1)) != KZ_OK)
                return kz_fail(err, rc, "line %zu: a field longer than %zu bytes", in->line,
                               INV_FIELD_MAX);
        }
        if (quoted)
            return kz_fail(err, KZ_EINVAL, "line %zu: a quoted field is not closed", start);
        if (in->pos < in->n && in->p[in->pos] == ',') {
            in->pos++;
            continue;
        }
        if (in->pos < in->n && in->p[in->pos] == '\r')
            in->pos++;
        if (in->pos < in->n && in->p[in->pos] == '\n')
            in->pos++;
        in->line++;
        return KZ_OK;
    }
}

/* True when the row is one empty field (an empty line). */
static bool csv_row_empty(const csv_row *r)
{
    return r->n == 1 && r->field[0].n == 0;
}

enum { COL_VENDOR, COL_PRODUCT, COL_VERSION, COL_NAME, COL_LOCATION, COL_CPE, COL_PURL, COL_N };

/* Maps the header's columns; false when a required column is missing. */
static bool csv_header(const csv_row *r, int col[COL_N])
{
    static const char *const names[COL_N] = {"vendor", "product", "version", "name",
                                             "location", "cpe",   "purl"};

    for (int k = 0; k < COL_N; k++)
        col[k] = -1;
    for (size_t i = 0; i < r->n && !r->too_many; i++) {
        const char *s = r->field[i].p ? r->field[i].p : "";
        size_t n = r->field[i].n;
        while (n > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        for (int k = 0; k < COL_N; k++)
            if (col[k] < 0 && strlen(names[k]) == n && strncasecmp(s, names[k], n) == 0)
                col[k] = (int)i;
    }
    return col[COL_VENDOR] >= 0 && col[COL_PRODUCT] >= 0 && col[COL_VERSION] >= 0;
}

static const char *const csv_expected =
    "a header line with at least the columns vendor, product and version";

static char *csv_field(const csv_row *r, int col, bool *oom)
{
    if (col < 0 || (size_t)col >= r->n)
        return NULL;
    return dup_trim(r->field[col].p, r->field[col].n, oom);
}

static kz_rc parse_csv(const char *bytes, size_t n, const char *file,
                       const kz_vuln_sink *problems, kz_inventory *inv, kz_err *err)
{
    csv_row *r = calloc(1, sizeof *r);
    csv_in in = {bytes, n, 0, 1};
    int col[COL_N];
    size_t width = 0;
    char where[64], msg[160];
    kz_rc rc = KZ_ENOMEM;

    if (r == NULL) {
        kz_fail(err, rc, "out of memory reading %s", file);
        goto out;
    }
    if (n >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0)
        in.pos = 3;
    /* The header is the first line that is not empty. */
    do {
        if ((rc = csv_next(&in, r, err)) != KZ_OK) {
            if (rc == KZ_ENOTFOUND)
                rc = kz_fail(err, KZ_EINVAL, "%s: empty: expected %s", file, csv_expected);
            else
                kz_err_prefix(err, "%s", file);
            goto out;
        }
    } while (csv_row_empty(r));
    if (!csv_header(r, col)) {
        rc = kz_fail(err, KZ_EINVAL, "%s: line %zu: not a CycloneDX, SPDX or CSV inventory "
                     "(expected %s)", file, in.line - 1, csv_expected);
        goto out;
    }
    width = r->n;
    for (;;) {
        kz_component c = {0};
        size_t line = in.line;
        bool oom = false;

        if ((rc = csv_next(&in, r, err)) == KZ_ENOTFOUND)
            break;
        if (rc != KZ_OK) {
            /* The rest of the file cannot be split into rows reliably: stop with what is read. */
            problem(problems, file, "", err->msg);
            break;
        }
        if (csv_row_empty(r))
            continue;
        snprintf(where, sizeof where, "line %zu", line);
        if (r->n != width || r->too_many) {
            snprintf(msg, sizeof msg, "%zu fields where the header has %zu; row skipped",
                     r->too_many ? (size_t)INV_COLUMNS_MAX : r->n, width);
            problem(problems, file, where, msg);
            continue;
        }
        c.product = csv_field(r, col[COL_PRODUCT], &oom);
        c.cpe = csv_field(r, col[COL_CPE], &oom);
        c.purl = csv_field(r, col[COL_PURL], &oom);
        if (c.product == NULL && c.cpe == NULL && c.purl == NULL && !oom) {
            problem(problems, file, where, "no product, cpe or purl; row skipped");
            continue;
        }
        c.ref = dup_c(where, &oom);
        c.vendor = csv_field(r, col[COL_VENDOR], &oom);
        c.version = csv_field(r, col[COL_VERSION], &oom);
        c.location = csv_field(r, col[COL_LOCATION], &oom);
        c.name = csv_field(r, col[COL_NAME], &oom);
        if (c.name == NULL)
            c.name = dup_c(c.product ? c.product : c.cpe ? c.cpe : c.purl, &oom);
        if ((rc = push(inv, &c, oom, err)) != KZ_OK) {
            kz_err_prefix(err, "%s: %s", file, where);
            goto out;
        }
    }
    rc = KZ_OK;
out:
    if (r != NULL)
        csv_row_free(r);
    free(r);
    return rc;
}

/* ---- detection and the entry point ---------------------------------------------------------- */

/* True when the first line (after a BOM) names the required CSV columns. */
static bool looks_csv(const char *bytes, size_t n)
{
    csv_row *r = calloc(1, sizeof *r);
    csv_in in = {bytes, n, 0, 1};
    int col[COL_N];
    bool yes = false;
    kz_err ignored;

    if (r == NULL)
        return false;
    if (n >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0)
        in.pos = 3;
    while (csv_next(&in, r, &ignored) == KZ_OK) {
        if (csv_row_empty(r))
            continue;
        yes = csv_header(r, col);
        break;
    }
    csv_row_free(r);
    free(r);
    return yes;
}

kz_rc kz_inventory_parse(const char *bytes, size_t n, const char *file, kz_inv_format f,
                         const kz_limits *lim, const kz_vuln_sink *problems, kz_inventory **out,
                         kz_err *err)
{
    kz_inventory *inv = NULL;
    json_t *doc = NULL;
    json_error_t jerr;
    size_t i = 0;
    kz_rc rc = KZ_ENOMEM;

    (void)lim;
    *out = NULL;
    if (file == NULL)
        file = "inventory";
    if (n > INV_BYTES_MAX) {
        rc = kz_fail(err, KZ_ELIMIT, "%s: %zu bytes, more than the limit of %zu", file, n,
                     INV_BYTES_MAX);
        goto out;
    }
    if ((inv = calloc(1, sizeof *inv)) == NULL) {
        kz_fail(err, rc, "out of memory reading %s", file);
        goto out;
    }
    if (n >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n'))
        i++;
    if (f != KZ_INV_CSV && i < n && bytes[i] == '{') {
        doc = json_loadb(bytes + i, n - i, JSON_REJECT_DUPLICATES, &jerr);
        if (doc == NULL) {
            rc = kz_fail(err, KZ_EINVAL, "%s: line %d column %d: not JSON: %s", file, jerr.line,
                         jerr.column, jerr.text);
            goto out;
        }
        if (f == KZ_INV_UNKNOWN)
            f = json_object_get(doc, "bomFormat") != NULL     ? KZ_INV_CYCLONEDX
                : json_object_get(doc, "spdxVersion") != NULL ? KZ_INV_SPDX
                                                              : KZ_INV_UNKNOWN;
    } else if (f == KZ_INV_UNKNOWN && looks_csv(bytes, n)) {
        f = KZ_INV_CSV;
    }
    inv->format = f;
    switch (f) {
        case KZ_INV_CYCLONEDX:
        case KZ_INV_SPDX:
            if (doc == NULL) {
                rc = kz_fail(err, KZ_EINVAL, "%s: expected a JSON object", file);
                goto out;
            }
            rc = f == KZ_INV_CYCLONEDX ? parse_cyclonedx(doc, file, problems, inv, err)
                                       : parse_spdx(doc, file, problems, inv, err);
            break;
        case KZ_INV_CSV: rc = parse_csv(bytes, n, file, problems, inv, err); break;
        default:
            rc = kz_fail(err, KZ_EINVAL,
                         "%s: not a CycloneDX, SPDX or CSV inventory (expected a CycloneDX JSON "
                         "object with \"bomFormat\", an SPDX JSON object with \"spdxVersion\", "
                         "or a CSV file with a header naming vendor, product and version)",
                         file);
            break;
    }
    if (rc != KZ_OK)
        goto out;
    *out = inv;
    inv = NULL;
out:
    json_decref(doc);
    kz_inventory_free(inv);
    return rc;
}
