/*
 * report.c - the findings of a match run for a person or a program (kz_vuln_report): text,
 * JSON, or a CSAF 2.0 VEX document whose product tree is the inventory.
 *
 * Text: per component with findings, its vulnerabilities in priority order (known exploited
 * first, then score), each with the status, score, the KEV due date, the title, why it matched,
 * the fix or the remediation, the advisory link and the EN 303 645 provisions that would have
 * prevented the weakness; then a summary.
 *
 * JSON (one object; keys always in this order; "generated" is the only field that changes from
 * run to run on the same input). What a vulnerability is (title, scores, KEV, CWEs, provisions)
 * is written once under its id, not once per component it affects:
 *   {"generated": "RFC 3339", "lang": "en",
 *    "summary": {"components": 12, "components_with_findings": 3, "affected": 4,
 *                "possibly": 2, "known_exploited": 1},
 *    "components": [{"index": 0, "ref": "...", "name": "...", "vendor": "...", "product": "...",
 *                    "version": "...", "cpe": "...", "purl": "...", "location": "...",
 *                    "findings": 2}],                        (absent strings are omitted)
 *    "vulnerabilities": {"CVE-...": {"aliases": [...], "score": 9.8, "severity": "CRITICAL",
 *                  "vector": "CVSS:3.1/...", "exploited": true, "kev": {"date_added": "...",
 *                  "due_date": "...", "required_action": "..."},  (kev only when exploited)
 *                  "title": "...", "title_lang": "en", "cwes": ["CWE-787"],
 *                  "provisions": [{"id": "5.13-1", "area": "5.13", "area_title": "...",
 *                                  "text": "..."}]}},           (ordered by id)
 *    "findings": [{"component": 0, "id": "CVE-...",
 *                  "status": "affected" | "possibly_affected", "reason": "...",
 *                  "score": 9.8, "exploited": true, "fixed": "V2.9.2",
 *                  "remediation": {"category": "vendor_fix", "text": "...", "url": "..."},
 *                  "advisory": "https://...",
 *                  "affected": {the matching affected entry}}]}   (findings in priority order)
 *
 * CSAF VEX: document (category csaf_vex, CSAF 2.0, publisher Kizuna as "user", tracking with a
 * deterministic id from the inventory), product_tree.full_product_names with one product per
 * component (CSAFPID-0001...), and one vulnerability per distinct vulnerability (sorted by id)
 * with cve or ids, notes, product_status known_affected / under_investigation (POSSIBLY),
 * remediations covering every known_affected product (the CSAF VEX profile's action statement),
 * CVSS v3 scores and the KEV exploitation status as a threat.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/cpe.h"
#include "kizuna/purl.h"
#include "kizuna/vuln.h"
#include "vuln_int.h"

#define PROVISIONS_SHOWN 8 /* per vulnerability in text */
#define REPORT_LINE_MAX ((size_t)64 << 20) /* bytes of one JSON line: a component or finding */

/* ---- what every format needs from a finding ------------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* The score entry behind the priority score: the newest CVSS version, then the highest. */
static const json_t *best_score(const json_t *view)
{
    static const char *const order[] = {"2.0", "3.0", "3.1", "4.0"};
    const json_t *sc, *best = NULL;
    int best_rank = -1;
    size_t i;

    json_array_foreach(json_object_get(view, "scores"), i, sc) {
        const char *ver = str(sc, "version");
        int rank = -1;
        if (!json_is_number(json_object_get(sc, "base_score")) || ver == NULL)
            continue;
        for (int k = 0; k < 4; k++)
            if (strcmp(ver, order[k]) == 0)
                rank = k;
        if (rank > best_rank ||
            (rank == best_rank && json_number_value(json_object_get(sc, "base_score")) >
                                      json_number_value(json_object_get(best, "base_score")))) {
            best_rank = rank;
            best = sc;
        }
    }
    return best;
}

/* The title (or description when field says so) in lang, else in the other language; *used is
 * the language it is in. */
static const char *text_of(const json_t *view, const char *lang, const char *field,
                           const char **used)
{
    const json_t *text = json_object_get(view, "text");
    const char *other = strcmp(lang, "ja") == 0 ? "en" : "ja";
    const char *s = str(json_object_get(text, lang), field);

    *used = lang;
    if (s == NULL && (s = str(json_object_get(text, other), field)) != NULL)
        *used = other;
    return s;
}

/* The advisory to read for an entry: the CSAF advisory it comes from (the source whose document
 * its merged "DOC#ref" names, else for a CSAF product the first CSAF source); otherwise that of
 * the first CVE, OSV or JVN source, else the first reference, else any source's. */
static const char *advisory(const json_t *view, const json_t *aff)
{
    const json_t *src;
    const char *csaf = NULL, *own = NULL, *other = NULL, *any = NULL, *ref = str(aff, "ref");
    const char *hash = ref ? strchr(ref, '#') : NULL;
    size_t i;

    json_array_foreach(json_object_get(view, "sources"), i, src) {
        const char *kind = str(src, "kind"), *url = str(src, "url"), *doc = str(src, "document");
        if (url == NULL || kind == NULL)
            continue;
        if (strcmp(kind, "csaf") == 0 && csaf == NULL)
            csaf = url;
        else if (strcmp(kind, "kev") != 0 && strcmp(kind, "csaf") != 0 && other == NULL)
            other = url;
        if (own == NULL && hash != NULL && doc != NULL && strlen(doc) == (size_t)(hash - ref) &&
            strncmp(doc, ref, (size_t)(hash - ref)) == 0)
            own = url;
        if (any == NULL)
            any = url;
    }
    if (own != NULL)
        return own;
    if (csaf != NULL && ref != NULL)
        return csaf;
    if (other != NULL)
        return other;
    if (str(json_array_get(json_object_get(view, "references"), 0), "url") != NULL)
        return str(json_array_get(json_object_get(view, "references"), 0), "url");
    return csaf ? csaf : any;
}

/* Writes s on one line: line breaks and tabs become spaces, runs of them one space; past max
 * bytes (at a UTF-8 character boundary) it ends with "...". The caller holds out's lock. */
static void put_line(FILE *out, const char *s, size_t max)
{
    bool space = false;

    for (size_t n = 0; s != NULL && *s != '\0'; s++, n++) {
        if (n >= max && ((unsigned char)*s & 0xC0) != 0x80) {
            fputs("...", out);
            return;
        }
        if (*s == '\n' || *s == '\r' || *s == '\t' || *s == ' ') {
            space = true;
            continue;
        }
        if (space)
            putc_unlocked(' ', out); /* report_text holds the stream's lock */
        space = false;
        putc_unlocked(*s, out);
    }
}

/* A title worth showing: the source's, unless it only repeats the id; then the start of the
 * description. *used is its language. */
static const char *title_of(const json_t *view, const char *lang, const char **used)
{
    const char *t = text_of(view, lang, "title", used), *id = str(view, "id");

    if (t != NULL && (id == NULL || strcmp(t, id) != 0))
        return t;
    return text_of(view, lang, "description", used);
}

/* The fixed version named for the entry: its own, else the remediation's. */
static const char *fixed_version(const json_t *aff, const json_t *rem)
{
    const char *f = str(aff, "fixed");

    return f ? f : str(rem, "fixed");
}

/*
 * What a finding shows that depends only on its vulnerability and affected entry (the
 * remediation and the advisory link): worked out once per distinct pair, as an inventory with a
 * thousand copies of one device has a thousand findings that share them.
 */
typedef struct {
    const json_t *rem;
    const char *advisory;
    size_t rep; /* the first finding with the same pair (itself when it is the first) */
} shown;

typedef struct {
    const json_t *vuln, *aff;
    size_t i;
} shown_key;

static int shown_cmp(const void *a, const void *b)
{
    const shown_key *x = a, *y = b;

    if (x->vuln != y->vuln)
        return (uintptr_t)x->vuln < (uintptr_t)y->vuln ? -1 : 1;
    if (x->aff != y->aff)
        return (uintptr_t)x->aff < (uintptr_t)y->aff ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* *out[i] for each finding i (malloc'd; NULL when there are none). KZ_ENOMEM on failure. */
static kz_rc shown_all(const kz_findings *f, const char *lang, shown **out)
{
    size_t n = kz_findings_count(f);
    shown_key *k = malloc((n ? n : 1) * sizeof *k);
    shown *s = malloc((n ? n : 1) * sizeof *s);

    *out = NULL;
    if (k == NULL || s == NULL) {
        free(k);
        free(s);
        return KZ_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const kz_finding *x = kz_findings_get(f, i);
        k[i] = (shown_key){x->vuln, x->affected, i};
    }
    qsort(k, n, sizeof *k, shown_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && k[i].vuln == k[i - 1].vuln && k[i].aff == k[i - 1].aff) {
            s[k[i].i] = s[k[i - 1].i]; /* rep too: sorted by index within the pair */
            continue;
        }
        s[k[i].i].rem = kz_vuln_remediation(k[i].vuln, k[i].aff, lang);
        s[k[i].i].advisory = advisory(k[i].vuln, k[i].aff);
        s[k[i].i].rep = k[i].i;
    }
    free(k);
    *out = s;
    return KZ_OK;
}

/* Distinct provisions for a view's CWEs, in catalogue lookup order. */
typedef struct {
    const kz_provision *p[64];
    size_t n;
} prov_list;

static void add_prov(void *ctx, const kz_provision *p)
{
    prov_list *l = ctx;

    for (size_t i = 0; i < l->n; i++)
        if (l->p[i] == p)
            return;
    if (l->n < sizeof l->p / sizeof l->p[0])
        l->p[l->n++] = p;
}

static void provisions_of(const kz_catalogue *cat, const json_t *view, prov_list *l)
{
    const json_t *cwe;
    size_t i;

    l->n = 0;
    json_array_foreach(json_object_get(view, "cwes"), i, cwe)
        kz_catalogue_for_cwe(cat, str(cwe, "id"), add_prov, l);
}

static const char *kind_str(kz_find_kind k)
{
    return k == KZ_FIND_AFFECTED ? "AFFECTED" : "POSSIBLY";
}

/* ---- text ----------------------------------------------------------------------------------- */

static void text_component(FILE *out, const kz_component *c)
{
    fprintf(out, "%s\n", c->name ? c->name : c->product ? c->product : "?");
    fprintf(out, "  vendor %s, product %s, version %s", c->vendor ? c->vendor : "(unknown)",
            c->product ? c->product : "(unknown)", c->version ? c->version : "(unknown)");
    if (c->location != NULL)
        fprintf(out, ", at %s", c->location);
    fprintf(out, "  [%s]\n", c->ref ? c->ref : "");
}

static void text_finding(FILE *out, const kz_finding *f, const shown *sh,
                         const kz_catalogue *cat, const char *lang)
{
    const json_t *v = f->vuln, *sc = best_score(v), *x = json_object_get(v, "exploited");
    const json_t *rem = sh->rem;
    const char *used = lang, *title = title_of(v, lang, &used), *fix, *link = sh->advisory;
    prov_list pl;

    fprintf(out, "  %s  %s", str(v, "id") ? str(v, "id") : "?", kind_str(f->kind));
    if (sc != NULL)
        fprintf(out, "  %.1f %s", json_number_value(json_object_get(sc, "base_score")),
                str(sc, "severity") ? str(sc, "severity") : "");
    else
        fprintf(out, "  (no score)");
    if (f->exploited) {
        const char *due = str(x, "due_date");
        fprintf(out, "  KNOWN EXPLOITED (CISA KEV%s%s)", due ? ", due " : "", due ? due : "");
    }
    fprintf(out, "\n");
    if (title != NULL) {
        fprintf(out, "    ");
        put_line(out, title, 200);
        if (strcmp(used, lang) != 0)
            fprintf(out, " (%s)", used);
        fprintf(out, "\n");
    }
    if (f->reason != NULL && f->reason[0] != '\0')
        fprintf(out, "    why: %s\n", f->reason);
    if ((fix = fixed_version(f->affected, rem)) != NULL)
        fprintf(out, "    fix: update to %s\n", fix);
    if (rem != NULL && (fix == NULL || str(rem, "text") != NULL)) {
        fprintf(out, "    %s: ", str(rem, "category"));
        put_line(out, str(rem, "text"), 400);
        fprintf(out, "%s%s\n", str(rem, "text") && str(rem, "url") ? " " : "",
                str(rem, "url") ? str(rem, "url") : "");
    }
    if (fix == NULL && rem == NULL)
        fprintf(out, "    fix: none known; see the advisory\n");
    if (f->exploited && str(x, "required_action") != NULL) {
        fprintf(out, "    required action (KEV): ");
        put_line(out, str(x, "required_action"), 400);
        fputc('\n', out);
    }
    if (link != NULL)
        fprintf(out, "    advisory: %s\n", link);
    provisions_of(cat, v, &pl);
    if (pl.n > 0) {
        bool ja = strcmp(lang, "ja") == 0;
        fprintf(out, "    prevent: EN 303 645");
        for (size_t i = 0; i < pl.n && i < PROVISIONS_SHOWN; i++)
            fprintf(out, "%s %s (%s)", i ? "," : "", pl.p[i]->id,
                    ja ? pl.p[i]->area_title_ja : pl.p[i]->area_title_en);
        if (pl.n > PROVISIONS_SHOWN)
            fprintf(out, " (+%zu more)", pl.n - PROVISIONS_SHOWN);
        fprintf(out, "\n");
    }
}

typedef struct {
    size_t components, with_findings, affected, possibly, exploited;
} summary;

static summary summarise(const kz_inventory *inv, const kz_findings *f)
{
    summary s = {kz_inventory_count(inv), 0, 0, 0, 0};

    for (size_t i = 0; i < kz_findings_count(f); i++) {
        const kz_finding *x = kz_findings_get(f, i);
        s.affected += x->kind == KZ_FIND_AFFECTED;
        s.possibly += x->kind == KZ_FIND_POSSIBLY;
        s.exploited += x->exploited;
        s.with_findings += i == 0 || kz_findings_get(f, i - 1)->component != x->component;
    }
    return s;
}

static kz_rc report_text(const kz_inventory *inv, const kz_findings *f, const kz_catalogue *cat,
                         const char *lang, FILE *out, kz_err *err)
{
    summary s = summarise(inv, f);
    shown *sh;

    if (shown_all(f, lang, &sh) != KZ_OK)
        return kz_fail(err, KZ_ENOMEM, "out of memory writing the report");
    flockfile(out); /* once, not once per character (put_line) */
    for (size_t i = 0; i < kz_findings_count(f); i++) {
        const kz_finding *x = kz_findings_get(f, i);
        if (i == 0 || kz_findings_get(f, i - 1)->component != x->component) {
            if (i > 0)
                fprintf(out, "\n");
            text_component(out, kz_inventory_get(inv, x->component));
        }
        text_finding(out, x, &sh[i], cat, lang);
    }
    funlockfile(out);
    free(sh);
    if (kz_findings_count(f) > 0)
        fprintf(out, "\n");
    fprintf(out, "summary: %zu components, %zu with findings: %zu affected, %zu possibly "
            "affected, %zu known exploited\n", s.components, s.with_findings, s.affected,
            s.possibly, s.exploited);
    return ferror(out) ? kz_fail(err, KZ_EIO, "cannot write the report") : KZ_OK;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

/* Sets key to a copy of s when s is not NULL; false when out of memory. */
static bool set_str(json_t *o, const char *key, const char *s)
{
    return s == NULL || json_object_set_new(o, key, json_string(s)) == 0;
}

/*
 * The JSON report is written straight into a buffer, one line per component and per finding, and
 * the buffer to the stream once per line: building a tree of every finding only to serialise it
 * cost more than the match itself on large inventories. Values of the views (aliases, the
 * affected entry) are serialised by jansson into the same buffer.
 */

/* Appends ,"key": and the JSON string s; null when s is NULL and null_ok, nothing when not. */
static kz_rc put_key(kz_buf *b, const char *key)
{
    kz_rc rc = kz_buf_append(b, ",\"", 2);

    if (rc == KZ_OK)
        rc = kz_buf_puts(b, key);
    return rc == KZ_OK ? kz_buf_append(b, "\":", 2) : rc;
}

static kz_rc put_str(kz_buf *b, const char *key, const char *s, bool null_ok)
{
    kz_rc rc = KZ_OK;

    if (s == NULL && !null_ok)
        return KZ_OK;
    if (key[0] != '\0')
        rc = put_key(b, key);
    if (rc == KZ_OK)
        rc = s ? kz_buf_json_str(b, s, strlen(s)) : kz_buf_append(b, "null", 4);
    return rc;
}

/* A number in its shortest form that reads back as the same double. */
static kz_rc put_num(kz_buf *b, const char *key, double d)
{
    char t[32];
    kz_rc rc;

    /* Scores have one decimal: written directly; anything else in its shortest exact form. */
    if (d >= 0 && d < 1000 && (double)(int)(d * 10 + 0.5) / 10 == d) {
        int x = (int)(d * 10 + 0.5);
        snprintf(t, sizeof t, "%d.%d", x / 10, x % 10);
        if (x % 10 == 0) /* as %g writes it: 9 rather than 9.0 */
            t[strlen(t) - 2] = '\0';
    } else {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(t, sizeof t, "%.*g", prec, d);
            if (strtod(t, NULL) == d)
                break;
        }
    }
    rc = put_key(b, key);
    return rc == KZ_OK ? kz_buf_puts(b, t) : rc;
}

static int buf_sink(const char *p, size_t n, void *ctx)
{
    return kz_buf_append(ctx, p, n) == KZ_OK ? 0 : -1;
}

/* Appends ,"key": (unless key is "") and a view's value, compact and in its order. */
static kz_rc put_json(kz_buf *b, const char *key, const json_t *v)
{
    kz_rc rc = key[0] ? put_key(b, key) : KZ_OK;

    if (rc == KZ_OK && json_dump_callback(v, buf_sink, b, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                                               JSON_ENCODE_ANY) != 0)
        rc = KZ_ENOMEM;
    return rc;
}

/* {"category": ..., "text": ..., "url": ...} of a remediation, or of a KEV entry's dates. */
static kz_rc put_triple(kz_buf *b, const char *key, const json_t *o, const char *const k[3])
{
    kz_rc rc = kz_buf_printf(b, ",\"%s\":{", key);

    for (int i = 0; rc == KZ_OK && i < 3; i++) {
        rc = kz_buf_printf(b, "%s\"%s\":", i ? "," : "", k[i]);
        if (rc == KZ_OK)
            rc = put_str(b, "", str(o, k[i]), true);
    }
    return rc == KZ_OK ? kz_buf_puts(b, "}") : rc;
}

static kz_rc json_component(kz_buf *b, const kz_component *c, size_t i, size_t findings)
{
    kz_rc rc = kz_buf_printf(b, "{\"index\":%zu", i);

    if (rc == KZ_OK)
        rc = put_str(b, "ref", c->ref, false);
    if (rc == KZ_OK)
        rc = put_str(b, "name", c->name, false);
    if (rc == KZ_OK)
        rc = put_str(b, "vendor", c->vendor, false);
    if (rc == KZ_OK)
        rc = put_str(b, "product", c->product, false);
    if (rc == KZ_OK)
        rc = put_str(b, "version", c->version, false);
    if (rc == KZ_OK)
        rc = put_str(b, "cpe", c->cpe, false);
    if (rc == KZ_OK)
        rc = put_str(b, "purl", c->purl, false);
    if (rc == KZ_OK)
        rc = put_str(b, "location", c->location, false);
    return rc == KZ_OK ? kz_buf_printf(b, ",\"findings\":%zu}", findings) : rc;
}

/* One vulnerability of the "vulnerabilities" object: what every finding of it shares. */
static kz_rc json_vuln(kz_buf *b, const json_t *v, const kz_catalogue *cat, const char *lang)
{
    static const char *const kev_keys[3] = {"date_added", "due_date", "required_action"};
    const json_t *sc = best_score(v), *cwe, *aliases = json_object_get(v, "aliases");
    const json_t *x = json_object_get(v, "exploited");
    const char *used = lang, *title = title_of(v, lang, &used), *id = str(v, "id");
    bool ja = strcmp(lang, "ja") == 0;
    prov_list pl;
    size_t i, nc = 0;
    kz_rc rc = put_str(b, "", id ? id : "?", true);

    if (rc == KZ_OK)
        rc = kz_buf_puts(b, ":{\"aliases\":");
    if (rc == KZ_OK)
        rc = aliases ? put_json(b, "", aliases) : kz_buf_puts(b, "[]");
    if (rc == KZ_OK)
        rc = sc ? put_num(b, "score", json_number_value(json_object_get(sc, "base_score")))
                : kz_buf_puts(b, ",\"score\":null");
    if (rc == KZ_OK)
        rc = put_str(b, "severity", str(sc, "severity"), false);
    if (rc == KZ_OK)
        rc = put_str(b, "vector", str(sc, "vector"), false);
    if (rc == KZ_OK)
        rc = kz_buf_printf(b, ",\"exploited\":%s",
                           json_is_true(json_object_get(x, "known")) ? "true" : "false");
    if (rc == KZ_OK && json_is_true(json_object_get(x, "known")))
        rc = put_triple(b, "kev", x, kev_keys);
    if (rc == KZ_OK && title != NULL && (rc = put_str(b, "title", title, false)) == KZ_OK)
        rc = put_str(b, "title_lang", used, false);
    if (rc == KZ_OK)
        rc = kz_buf_puts(b, ",\"cwes\":[");
    json_array_foreach(json_object_get(v, "cwes"), i, cwe) {
        if (rc == KZ_OK && str(cwe, "id") != NULL && (rc = kz_buf_puts(b, nc++ ? "," : "")) ==
                                                         KZ_OK)
            rc = put_str(b, "", str(cwe, "id"), true);
    }
    if (rc == KZ_OK)
        rc = kz_buf_puts(b, "],\"provisions\":[");
    provisions_of(cat, v, &pl);
    for (i = 0; rc == KZ_OK && i < pl.n; i++) {
        rc = kz_buf_printf(b, "%s{\"id\":", i ? "," : "");
        if (rc == KZ_OK)
            rc = put_str(b, "", pl.p[i]->id, true);
        if (rc == KZ_OK)
            rc = put_str(b, "area", pl.p[i]->area, true);
        if (rc == KZ_OK)
            rc = put_str(b, "area_title", ja ? pl.p[i]->area_title_ja : pl.p[i]->area_title_en,
                         true);
        if (rc == KZ_OK)
            rc = put_str(b, "text", ja ? pl.p[i]->text_ja : pl.p[i]->text_en, true);
        if (rc == KZ_OK)
            rc = kz_buf_puts(b, "}");
    }
    return rc == KZ_OK ? kz_buf_puts(b, "]}") : rc;
}

/*
 * One finding: the component, the vulnerability's id (its details are in "vulnerabilities"),
 * status, reason, score and KEV flag; then its tail, what depends only on the vulnerability and
 * the entry (fix, remediation, advisory, the entry), which json_tail writes once per pair.
 */
static kz_rc json_finding(kz_buf *b, const kz_finding *f, kz_sv tail)
{
    const json_t *v = f->vuln;
    char num[24];
    int nn = snprintf(num, sizeof num, "%zu", f->component);
    kz_rc rc = kz_buf_append(b, "{\"component\":", 13);

    if (rc == KZ_OK)
        rc = kz_buf_append(b, num, (size_t)nn);
    if (rc == KZ_OK)
        rc = put_str(b, "id", str(v, "id") ? str(v, "id") : "?", false);
    if (rc == KZ_OK)
        rc = put_str(b, "status", f->kind == KZ_FIND_AFFECTED ? "affected" : "possibly_affected",
                     false);
    if (rc == KZ_OK)
        rc = put_str(b, "reason", f->reason, false);
    if (rc == KZ_OK)
        rc = best_score(v) ? put_num(b, "score", f->priority_score)
                           : kz_buf_puts(b, ",\"score\":null");
    if (rc == KZ_OK)
        rc = kz_buf_puts(b, f->exploited ? ",\"exploited\":true" : ",\"exploited\":false");
    return rc == KZ_OK ? kz_buf_append(b, tail.p, tail.n) : rc;
}

static kz_rc json_tail(kz_buf *b, const kz_finding *f, const shown *sh)
{
    static const char *const rem_keys[3] = {"category", "text", "url"};
    kz_rc rc = put_str(b, "fixed", fixed_version(f->affected, sh->rem), false);

    if (rc == KZ_OK && sh->rem != NULL)
        rc = put_triple(b, "remediation", sh->rem, rem_keys);
    if (rc == KZ_OK)
        rc = put_str(b, "advisory", sh->advisory, false);
    if (rc == KZ_OK)
        rc = put_json(b, "affected", f->affected);
    return rc == KZ_OK ? kz_buf_puts(b, "}") : rc;
}

static int view_id_cmp(const void *a, const void *b)
{
    const char *x = str(*(const json_t *const *)a, "id"), *y = str(*(const json_t *const *)b, "id");

    return strcmp(x ? x : "", y ? y : "");
}

static int ptr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const json_t *const *)a, y = (uintptr_t) * (const json_t *const *)b;

    return x < y ? -1 : x > y;
}

/* The findings' distinct views, ordered by id (malloc'd into *out, count in *n). */
static kz_rc distinct_views(const kz_findings *f, const json_t ***out, size_t *n)
{
    size_t cap = kz_findings_count(f), m = 0;
    const json_t **v = malloc((cap ? cap : 1) * sizeof *v);

    if (v == NULL)
        return KZ_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        v[i] = kz_findings_get(f, i)->vuln;
    /* The findings of one vulnerability share its view: one per pointer, then by id. */
    qsort(v, cap, sizeof *v, ptr_cmp);
    for (size_t i = 0; i < cap; i++)
        if (m == 0 || v[m - 1] != v[i])
            v[m++] = v[i];
    qsort(v, m, sizeof *v, view_id_cmp);
    *n = 0;
    for (size_t i = 0; i < m; i++) /* "vulnerabilities" has each id once */
        if (*n == 0 || view_id_cmp(&v[*n - 1], &v[i]) != 0)
            v[(*n)++] = v[i];
    *out = v;
    return KZ_OK;
}

/* Writes b to out and empties it; false when writing failed. */
static bool flush_buf(kz_buf *b, FILE *out)
{
    bool ok = fwrite(b->p, 1, b->n, out) == b->n;

    kz_buf_reset(b);
    return ok;
}

/* The JSON report, streamed: one line per component, per vulnerability and per finding, so
 * that memory stays that of one line whatever the size of the inventory. */
static kz_rc report_json(const kz_inventory *inv, const kz_findings *f, const kz_catalogue *cat,
                         const char *lang, FILE *out, kz_err *err)
{
    summary s = summarise(inv, f);
    char now[KZ_TIME_MAX];
    kz_time t = kz_time_now();
    size_t *counts = calloc(kz_inventory_count(inv) + 1, sizeof *counts), nv = 0;
    const json_t **views = NULL;
    shown *sh = NULL;
    size_t nf = kz_findings_count(f);
    size_t *tail_at = malloc((nf ? nf : 1) * sizeof *tail_at);
    size_t *tail_len = malloc((nf ? nf : 1) * sizeof *tail_len);
    kz_buf b, tails;
    bool ok;
    kz_rc rc = KZ_OK;

    kz_buf_init(&b, REPORT_LINE_MAX);
    kz_buf_init(&tails, 0);
    if (counts == NULL || tail_at == NULL || tail_len == NULL ||
        distinct_views(f, &views, &nv) != KZ_OK || shown_all(f, lang, &sh) != KZ_OK) {
        rc = kz_fail(err, KZ_ENOMEM, "out of memory writing the report");
        goto out;
    }
    kz_time_format(&t, 0, now);
    for (size_t i = 0; i < kz_findings_count(f); i++)
        counts[kz_findings_get(f, i)->component]++;
    ok = fprintf(out,
                 "{\"generated\": \"%s\", \"lang\": \"%s\",\n \"summary\": {\"components\":%zu,"
                 "\"components_with_findings\":%zu,\"affected\":%zu,\"possibly\":%zu,"
                 "\"known_exploited\":%zu},\n \"components\": [",
                 now, lang, s.components, s.with_findings, s.affected, s.possibly,
                 s.exploited) > 0;
    for (size_t i = 0; ok && rc == KZ_OK && i < kz_inventory_count(inv); i++)
        if ((rc = kz_buf_puts(&b, i ? ",\n  " : "\n  ")) == KZ_OK &&
            (rc = json_component(&b, kz_inventory_get(inv, i), i, counts[i])) == KZ_OK)
            ok = flush_buf(&b, out);
    ok = ok && fputs("],\n \"vulnerabilities\": {", out) != EOF;
    for (size_t i = 0; ok && rc == KZ_OK && i < nv; i++)
        if ((rc = kz_buf_puts(&b, i ? ",\n  " : "\n  ")) == KZ_OK &&
            (rc = json_vuln(&b, views[i], cat, lang)) == KZ_OK)
            ok = flush_buf(&b, out);
    ok = ok && fputs("},\n \"findings\": [", out) != EOF;
    for (size_t i = 0; ok && rc == KZ_OK && i < kz_findings_count(f); i++) {
        if (sh[i].rep == i) { /* the pair's first finding: its tail into the pool */
            tail_at[i] = tails.n;
            rc = json_tail(&tails, kz_findings_get(f, i), &sh[i]);
            tail_len[i] = tails.n - tail_at[i];
        } else {
            tail_at[i] = tail_at[sh[i].rep];
            tail_len[i] = tail_len[sh[i].rep];
        }
        if (rc == KZ_OK && (rc = kz_buf_puts(&b, i ? ",\n  " : "\n  ")) == KZ_OK &&
            (rc = json_finding(&b, kz_findings_get(f, i),
                               (kz_sv){tails.p + tail_at[i], tail_len[i]})) == KZ_OK)
            ok = flush_buf(&b, out);
    }
    ok = ok && fputs("]}\n", out) != EOF;
    if (rc != KZ_OK)
        rc = kz_fail(err, rc, "writing the report: %s", rc == KZ_ELIMIT ? "a line is too long"
                                                                          : "out of memory");
    else if (!ok)
        rc = kz_fail(err, KZ_EIO, "cannot write the report");
out:
    kz_buf_free(&b);
    kz_buf_free(&tails);
    free(tail_at);
    free(tail_len);
    free(views);
    free(sh);
    free(counts);
    return rc;
}

/* Writes doc to out (indented, keys in insertion order) and a newline. */
static kz_rc dump(json_t *doc, FILE *out, kz_err *err)
{
    if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', out) == EOF)
        return kz_fail(err, KZ_EIO, "cannot write the report");
    return KZ_OK;
}

/* ---- CSAF VEX ------------------------------------------------------------------------------- */

static uint64_t fnv_add(uint64_t h, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    h ^= 0xff; /* separates fields */
    return h * 1099511628211ull;
}

static void product_id(size_t component, char out[32])
{
    snprintf(out, 32, "CSAFPID-%04zu", component + 1);
}

/* One full_product_name for a component. */
static json_t *vex_product(const kz_component *c, size_t i)
{
    json_t *p = json_object(), *helper = json_object();
    char id[32], name[512];
    kz_err ignored;
    bool ok = p != NULL && helper != NULL;

    product_id(i, id);
    snprintf(name, sizeof name, "%s%s%s%s%s", c->vendor ? c->vendor : "", c->vendor ? " " : "",
             c->product ? c->product : c->name ? c->name : "component", c->version ? " " : "",
             c->version ? c->version : "");
    ok = ok && set_str(p, "name", name) && set_str(p, "product_id", id);
    if (ok && c->cpe != NULL) {
        kz_cpe *cp = malloc(sizeof *cp);
        if (cp != NULL && kz_cpe_parse(kz_sv_c(c->cpe), cp, &ignored) == KZ_OK)
            ok = set_str(helper, "cpe", c->cpe);
        free(cp);
    }
    if (ok && c->purl != NULL) {
        kz_purl *u = malloc(sizeof *u);
        if (u != NULL && kz_purl_parse(kz_sv_c(c->purl), u, &ignored) == KZ_OK)
            ok = set_str(helper, "purl", c->purl);
        free(u);
    }
    if (ok && json_object_size(helper) > 0)
        ok = json_object_set(p, "product_identification_helper", helper) == 0;
    json_decref(helper);
    if (!ok) {
        json_decref(p);
        return NULL;
    }
    return p;
}

/* The vulnerability id of a finding, "" when it has none. */
static const char *vid(const kz_finding *x)
{
    const char *id = str(x->vuln, "id");

    return id ? id : "";
}

/* Finding indices grouped by vulnerability id: sorted so that each vulnerability's findings
 * are adjacent, vulnerabilities in id order. */
static const kz_findings *sort_findings;
static int by_vuln(const void *a, const void *b)
{
    const kz_finding *x = kz_findings_get(sort_findings, *(const size_t *)a);
    const kz_finding *y = kz_findings_get(sort_findings, *(const size_t *)b);
    int c = strcmp(vid(x), vid(y));

    if (c != 0)
        return c;
    return x->component < y->component ? -1 : x->component > y->component;
}

/* Adds product id to the array at o[key] (created on first use). */
static bool add_pid(json_t *o, const char *key, const char *pid)
{
    json_t *a = json_object_get(o, key);

    if (a == NULL) {
        if ((a = json_array()) == NULL || json_object_set_new(o, key, a) != 0)
            return false;
    }
    return json_array_append_new(a, json_string(pid)) == 0;
}

/* One vulnerability of the VEX document from its findings f[idx[0..n)]. */
static json_t *vex_vuln(const kz_findings *f, const size_t *idx, size_t n, const char *lang)
{
    const kz_finding *first = kz_findings_get(f, idx[0]);
    const json_t *v = first->vuln, *sc = best_score(v), *cwe;
    const char *id = str(v, "id"), *used, *desc, *title;
    json_t *o = json_object(), *status = json_object(), *rems = json_array();
    json_t *affected_ids = json_array(), *notes, *r;
    bool ok = o != NULL && status != NULL && rems != NULL && affected_ids != NULL;
    char pid[32];

    if (ok && kz_vuln_is_cve(id))
        ok = set_str(o, "cve", id);
    else if (ok)
        ok = json_object_set_new(o, "ids", json_pack("[{s:s, s:s}]", "system_name",
                                                     "Kizuna knowledge base", "text",
                                                     id ? id : "?")) == 0;
    cwe = json_array_get(json_object_get(v, "cwes"), 0);
    if (ok && str(cwe, "id") != NULL && str(cwe, "name") != NULL &&
        strncmp(str(cwe, "id"), "CWE-", 4) == 0)
        ok = json_object_set_new(o, "cwe", json_pack("{s:s, s:s}", "id", str(cwe, "id"),
                                                     "name", str(cwe, "name"))) == 0;
    desc = text_of(v, lang, "description", &used);
    title = text_of(v, lang, "title", &used);
    notes = json_pack("[{s:s, s:s, s:s}]", "category", "description", "title", "Description",
                      "text", desc ? desc : title ? title : "No description is known.");
    ok = ok && notes != NULL && json_object_set_new(o, "notes", notes) == 0;
    if (ok && title != NULL)
        ok = set_str(o, "title", title);
    for (size_t k = 0; ok && k < n; k++) {
        const kz_finding *x = kz_findings_get(f, idx[k]);
        product_id(x->component, pid);
        if (x->kind == KZ_FIND_AFFECTED)
            ok = add_pid(status, "known_affected", pid) &&
                 json_array_append_new(affected_ids, json_string(pid)) == 0;
        else
            ok = add_pid(status, "under_investigation", pid);
    }
    ok = ok && json_object_set(o, "product_status", status) == 0;
    /* Every known_affected product gets an action statement: its remediation, else "none". */
    for (size_t k = 0; ok && k < n; k++) {
        const kz_finding *x = kz_findings_get(f, idx[k]);
        const json_t *rem = kz_vuln_remediation(v, x->affected, lang);
        const char *fix = fixed_version(x->affected, rem);
        char details[1024];
        if (x->kind != KZ_FIND_AFFECTED)
            continue;
        product_id(x->component, pid);
        if (fix != NULL)
            snprintf(details, sizeof details, "Update to %s or later.%s%.900s", fix,
                     str(rem, "text") ? " " : "", str(rem, "text") ? str(rem, "text") : "");
        else if (rem != NULL && str(rem, "text") != NULL)
            snprintf(details, sizeof details, "%s", str(rem, "text"));
        else
            snprintf(details, sizeof details, "No remediation is known; see the advisory.");
        r = json_pack("{s:s, s:s, s:[s]}", "category",
                      fix ? "vendor_fix" : rem ? str(rem, "category") : "none_available",
                      "details", details, "product_ids", pid);
        if (r != NULL && rem != NULL && str(rem, "url") != NULL)
            set_str(r, "url", str(rem, "url"));
        ok = r != NULL && json_array_append_new(rems, r) == 0;
    }
    if (ok && json_array_size(rems) > 0)
        ok = json_object_set(o, "remediations", rems) == 0;
    if (ok && sc != NULL && json_array_size(affected_ids) > 0 && str(sc, "vector") != NULL &&
        str(sc, "severity") != NULL &&
        (strcmp(str(sc, "version"), "3.0") == 0 || strcmp(str(sc, "version"), "3.1") == 0))
        ok = json_object_set_new(
                 o, "scores",
                 json_pack("[{s:{s:s, s:s, s:O, s:s}, s:O}]", "cvss_v3", "version",
                           str(sc, "version"), "vectorString", str(sc, "vector"), "baseScore",
                           json_object_get(sc, "base_score"), "baseSeverity",
                           str(sc, "severity"), "products", affected_ids)) == 0;
    if (ok && first->exploited) {
        const json_t *x = json_object_get(v, "exploited");
        char details[256];
        json_t *all = json_array();
        snprintf(details, sizeof details, "Known to be exploited (CISA KEV, added %s%s%s).",
                 str(x, "date_added") ? str(x, "date_added") : "?",
                 str(x, "due_date") ? ", due " : "", str(x, "due_date") ? str(x, "due_date") : "");
        for (size_t k = 0; all != NULL && k < n; k++) {
            product_id(kz_findings_get(f, idx[k])->component, pid);
            json_array_append_new(all, json_string(pid));
        }
        ok = all != NULL &&
             json_object_set_new(o, "threats", json_pack("[{s:s, s:s, s:O}]", "category",
                                                         "exploit_status", "details", details,
                                                         "product_ids", all)) == 0;
        json_decref(all);
    }
    json_decref(status);
    json_decref(rems);
    json_decref(affected_ids);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static kz_rc report_vex(const kz_inventory *inv, const kz_findings *f, const char *lang,
                        FILE *out, kz_err *err)
{
    size_t n = kz_findings_count(f), *idx = calloc(n + 1, sizeof *idx);
    json_t *doc = NULL, *products = json_array(), *vulns = json_array();
    bool ok = idx != NULL && products != NULL && vulns != NULL;
    char now[KZ_TIME_MAX], tid[64], title[160];
    kz_time t = kz_time_now();
    uint64_t h = 1469598103934665603ull;
    kz_rc rc = KZ_ENOMEM;

    kz_time_format(&t, 3, now);
    for (size_t i = 0; ok && i < kz_inventory_count(inv); i++) {
        const kz_component *c = kz_inventory_get(inv, i);
        h = fnv_add(fnv_add(fnv_add(fnv_add(h, c->ref), c->vendor), c->product), c->version);
        ok = json_array_append_new(products, vex_product(c, i)) == 0;
    }
    for (size_t i = 0; ok && i < n; i++) {
        idx[i] = i;
        h = fnv_add(h, str(kz_findings_get(f, i)->vuln, "id"));
    }
    sort_findings = f;
    if (ok)
        qsort(idx, n, sizeof *idx, by_vuln);
    for (size_t i = 0; ok && i < n;) {
        size_t j = i + 1;
        while (j < n &&
               strcmp(vid(kz_findings_get(f, idx[j])), vid(kz_findings_get(f, idx[i]))) == 0)
            j++;
        ok = json_array_append_new(vulns, vex_vuln(f, idx + i, j - i, lang)) == 0;
        i = j;
    }
    snprintf(tid, sizeof tid, "KIZUNA-VEX-%016llx", (unsigned long long)h);
    snprintf(title, sizeof title, "Vulnerability status of an inventory of %zu components",
             kz_inventory_count(inv));
    if (ok)
        doc = json_pack(
            "{s:{s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:{s:s, s:s, s:s, s:s, s:s, "
            "s:[{s:s, s:s, s:s}], s:{s:s, s:{s:s, s:s}}}}, s:{s:O}, s:O}",
            "document", "category", "csaf_vex", "csaf_version", "2.0", "lang", lang,
            "publisher", "category", "user", "name", "Kizuna", "namespace",
            "https://kizuna.invalid", "title", title, "tracking", "id", tid, "status", "final",
            "version", "1", "initial_release_date", now, "current_release_date", now,
            "revision_history", "date", now, "number", "1", "summary",
            "Generated by kizuna vuln match.", "generator", "date", now, "engine", "name",
            "Kizuna", "version", KZ_VERSION, "product_tree", "full_product_names", products,
            "vulnerabilities", vulns);
    if (doc == NULL) {
        kz_fail(err, rc, "out of memory writing the VEX document");
        goto out;
    }
    if (json_array_size(vulns) == 0)
        json_object_del(doc, "vulnerabilities"); /* the schema wants at least one if present */
    rc = dump(doc, out, err);
out:
    free(idx);
    json_decref(products);
    json_decref(vulns);
    json_decref(doc);
    return rc;
}

kz_rc kz_vuln_report(const kz_inventory *inv, const kz_findings *f, const kz_catalogue *cat,
                     kz_report_format fmt, const char *lang, FILE *out, kz_err *err)
{
    if (lang == NULL || (strcmp(lang, "en") != 0 && strcmp(lang, "ja") != 0))
        lang = "en";
    switch (fmt) {
        case KZ_REPORT_TEXT: return report_text(inv, f, cat, lang, out, err);
        case KZ_REPORT_JSON: return report_json(inv, f, cat, lang, out, err);
        case KZ_REPORT_CSAF_VEX: return report_vex(inv, f, lang, out, err);
    }
    return kz_fail(err, KZ_EUSAGE, "unknown report format");
}
