/*
 * test_vuln_match.c - inventories (CycloneDX, SPDX, CSV), the EN 303 645 catalogue, matching an
 * inventory against a knowledge base filled by hand through kz_vuln_writer (so that these tests
 * do not depend on any importer), and the three report formats. Each store test works in its
 * own folder under /tmp made with mkdtemp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <unistd.h>

#include "kizuna/vuln.h"
#include "kz_test.h"

/* ---- helpers -------------------------------------------------------------------------------- */

/* Problems a parse reported, joined by newlines. */
typedef struct {
    char text[4096];
    int n;
} problems;

static void on_problem(void *ctx, const char *where, const char *msg)
{
    problems *p = ctx;
    size_t len = strlen(p->text);

    snprintf(p->text + len, sizeof p->text - len, "%s: %s\n", where, msg);
    p->n++;
}

static kz_inventory *parse(const char *text, kz_inv_format f, problems *p)
{
    kz_vuln_sink sink = {NULL, on_problem, p};
    kz_limits lim = kz_limits_default();
    kz_inventory *inv = NULL;
    kz_err err;
    kz_rc rc = kz_inventory_parse(text, strlen(text), "inv", f, &lim, &sink, &inv, &err);

    if (rc != KZ_OK)
        fail_msg("inventory_parse: %s", err.msg);
    return inv;
}

static void assert_str(const char *got, const char *want)
{
    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(got ? got : "(null)", want);
}

/* ---- inventories ---------------------------------------------------------------------------- */

static void test_inventory_cyclonedx_nested_components_and_vendor_order(void **state)
{
    static const char doc[] =
        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"metadata\":{\"component\":"
        "{\"name\":\"Gateway\",\"version\":\"2.0\",\"manufacturer\":{\"name\":\"ACME\"},"
        "\"bom-ref\":\"gw\"}},\"components\":["
        "{\"name\":\"fw\",\"version\":\"1.2\",\"supplier\":{\"name\":\"Sup\"},"
        "\"publisher\":\"Pub\","
        "\"cpe\":\"cpe:2.3:o:acme:fw:1.2:*:*:*:*:*:*:*\",\"components\":["
        "{\"name\":\"lodash\",\"group\":\"npm\",\"version\":\"4.17.20\",\"author\":\"Auth\","
        "\"purl\":\"pkg:npm/lodash@4.17.20\",\"components\":[{\"name\":\"deep\"}]}]},"
        "{\"version\":\"9\"},"
        "{\"name\":\"pub\",\"publisher\":\"Pub\"}]}";
    problems p = {0};
    kz_inventory *inv = parse(doc, KZ_INV_UNKNOWN, &p);
    const kz_component *c;

    (void)state;
    assert_int_equal(kz_inventory_format(inv), KZ_INV_CYCLONEDX);
    assert_int_equal(kz_inventory_count(inv), 5);
    c = kz_inventory_get(inv, 0);
    assert_str(c->ref, "gw");
    assert_str(c->vendor, "ACME");
    assert_str(c->version, "2.0");
    c = kz_inventory_get(inv, 1);
    assert_str(c->vendor, "Sup"); /* supplier before publisher */
    assert_str(c->cpe, "cpe:2.3:o:acme:fw:1.2:*:*:*:*:*:*:*");
    c = kz_inventory_get(inv, 2);
    assert_str(c->vendor, "Auth");
    assert_str(c->product, "lodash");
    assert_str(c->name, "npm/lodash");
    assert_str(c->purl, "pkg:npm/lodash@4.17.20");
    assert_str(c->ref, "/components/0/components/0");
    c = kz_inventory_get(inv, 3);
    assert_str(c->product, "deep");
    assert_null(c->vendor);
    assert_null(c->version);
    assert_str(kz_inventory_get(inv, 4)->vendor, "Pub");
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.text, "inv: /components/1: the component has no \"name\""));
    assert_null(kz_inventory_get(inv, 5));
    kz_inventory_free(inv);
}

static void test_inventory_cyclonedx_nesting_is_bounded(void **state)
{
    kz_buf b;
    kz_vuln_sink sink = {NULL, on_problem, NULL};
    kz_limits lim = kz_limits_default();
    kz_inventory *inv = NULL;
    problems p = {0};
    kz_err err;

    (void)state;
    sink.ctx = &p;
    kz_buf_init(&b, 0);
    assert_int_equal(kz_buf_puts(&b, "{\"bomFormat\":\"CycloneDX\",\"components\":["), KZ_OK);
    for (int i = 0; i < 40; i++)
        assert_int_equal(kz_buf_puts(&b, "{\"name\":\"x\",\"components\":["), KZ_OK);
    for (int i = 0; i < 40; i++)
        assert_int_equal(kz_buf_puts(&b, "]}"), KZ_OK);
    assert_int_equal(kz_buf_puts(&b, "]}"), KZ_OK);
    assert_int_equal(kz_inventory_parse(b.p, b.n, "deep.json", KZ_INV_UNKNOWN, &lim, &sink,
                                        &inv, &err),
                     KZ_ELIMIT);
    assert_null(inv);
    assert_non_null(strstr(err.msg, "nested more than"));
    kz_buf_free(&b);
}

static void test_inventory_spdx_supplier_and_external_refs(void **state)
{
    static const char doc[] =
        "{\"spdxVersion\":\"SPDX-2.3\",\"packages\":["
        "{\"SPDXID\":\"SPDXRef-1\",\"name\":\"openssl\",\"versionInfo\":\"3.0.1\","
        "\"supplier\":\"Organization: OpenSSL Project (a@b.org)\",\"externalRefs\":["
        "{\"referenceCategory\":\"SECURITY\",\"referenceType\":\"cpe23Type\","
        "\"referenceLocator\":\"cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*\"},"
        "{\"referenceCategory\":\"PACKAGE-MANAGER\",\"referenceType\":\"purl\","
        "\"referenceLocator\":\"pkg:generic/openssl@3.0.1\"}]},"
        "{\"SPDXID\":\"SPDXRef-2\",\"name\":\"busybox\",\"versionInfo\":\"NOASSERTION\","
        "\"supplier\":\"Person: Jane Doe\"},"
        "{\"SPDXID\":\"SPDXRef-3\"}]}";
    problems p = {0};
    kz_inventory *inv = parse(doc, KZ_INV_UNKNOWN, &p);
    const kz_component *c;

    (void)state;
    assert_int_equal(kz_inventory_format(inv), KZ_INV_SPDX);
    assert_int_equal(kz_inventory_count(inv), 2);
    c = kz_inventory_get(inv, 0);
    assert_str(c->ref, "SPDXRef-1");
    assert_str(c->vendor, "OpenSSL Project");
    assert_str(c->version, "3.0.1");
    assert_str(c->cpe, "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*");
    assert_str(c->purl, "pkg:generic/openssl@3.0.1");
    c = kz_inventory_get(inv, 1);
    assert_str(c->vendor, "Jane Doe");
    assert_null(c->version);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.text, "/packages/2"));
    kz_inventory_free(inv);
}

static void test_inventory_csv_quotes_bom_crlf_and_bad_rows(void **state)
{
    static const char csv[] =
        "\xEF\xBB\xBF Vendor ,PRODUCT,version,Location,name\r\n"
        "Siemens,\"SIMATIC S7-1500, CPU\",V2.9.1,\"Hall \"\"A\"\"\",plc1\r\n"
        "\r\n"
        "Moxa,NPort 5110,,roof,m\r\n"
        "Moxa,NPort,1.0,roof,n,extra\r\n"
        "ACME,\"multi\nline\",1.0,lab,x\n"
        ",,1.0,lab,y\n"
        "Last,Row,2.0,end,z";
    problems p = {0};
    kz_inventory *inv = parse(csv, KZ_INV_UNKNOWN, &p);
    const kz_component *c;

    (void)state;
    assert_int_equal(kz_inventory_format(inv), KZ_INV_CSV);
    assert_int_equal(kz_inventory_count(inv), 4);
    c = kz_inventory_get(inv, 0);
    assert_str(c->vendor, "Siemens");
    assert_str(c->product, "SIMATIC S7-1500, CPU");
    assert_str(c->version, "V2.9.1");
    assert_str(c->location, "Hall \"A\"");
    assert_str(c->name, "plc1");
    assert_str(c->ref, "line 2");
    c = kz_inventory_get(inv, 1);
    assert_null(c->version); /* an empty version is unknown */
    assert_str(c->ref, "line 4");
    assert_str(kz_inventory_get(inv, 2)->product, "multi\nline");
    assert_str(kz_inventory_get(inv, 3)->ref, "line 9");
    assert_int_equal(p.n, 2);
    assert_non_null(strstr(p.text, "inv: line 5: 6 fields where the header has 5"));
    assert_non_null(strstr(p.text, "inv: line 8: no product, cpe or purl"));
    kz_inventory_free(inv);
}

static void test_inventory_refuses_what_it_cannot_read(void **state)
{
    static const char *const bad[] = {"name,version\nx,1\n", "{\"hello\":1}", "", "{not json"};
    kz_limits lim = kz_limits_default();
    kz_inventory *inv = NULL;
    kz_err err;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(kz_inventory_parse(bad[i], strlen(bad[i]), "x", KZ_INV_UNKNOWN, &lim,
                                            NULL, &inv, &err),
                         KZ_EINVAL);
        assert_null(inv);
    }
    assert_int_equal(kz_inventory_parse(bad[0], strlen(bad[0]), "x", KZ_INV_UNKNOWN, &lim, NULL,
                                        &inv, &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "not a CycloneDX, SPDX or CSV inventory"));
    assert_non_null(strstr(err.msg, "vendor, product and version"));
    /* An unclosed quote stops the rows there, as a problem; what came before is kept. */
    assert_int_equal(kz_inventory_parse("vendor,product,version\na,b,1\na,\"b,1\n", 36, "x",
                                        KZ_INV_CSV, &lim, NULL, &inv, &err),
                     KZ_OK);
    assert_int_equal(kz_inventory_count(inv), 1);
    kz_inventory_free(inv);
}

/* ---- catalogue ------------------------------------------------------------------------------ */

typedef struct {
    const char *ids[64];
    size_t n;
} prov_ids;

static void collect(void *ctx, const kz_provision *p)
{
    prov_ids *x = ctx;

    if (x->n < 64)
        x->ids[x->n++] = p->id;
}

static bool has_id(const prov_ids *x, const char *id)
{
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->ids[i], id) == 0)
            return true;
    return false;
}

static kz_catalogue *real_catalogue(void)
{
    const char *src = getenv("KZ_SOURCE_DIR");
    char path[1024];
    kz_catalogue *c = NULL;
    kz_err err;

    /* ctest says where the source is; run by hand, this file's folder does. */
    if (src != NULL)
        snprintf(path, sizeof path, "%s/data/catalogue/en303645.json", src);
    else
        snprintf(path, sizeof path, "%.*s/../../data/catalogue/en303645.json",
                 (int)(strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') - __FILE__ : 1),
                 strrchr(__FILE__, '/') ? __FILE__ : ".");
    if (kz_catalogue_load(path, &c, &err) != KZ_OK)
        fail_msg("catalogue: %s", err.msg);
    return c;
}

static void test_catalogue_loads_every_area_and_finds_provisions_by_cwe(void **state)
{
    kz_catalogue *c = real_catalogue();
    prov_ids x = {0};
    bool area[14] = {0};

    (void)state;
    assert_true(kz_catalogue_count(c) >= 60);
    for (size_t i = 0; i < kz_catalogue_count(c); i++) {
        const kz_provision *p = kz_catalogue_get(c, i);
        int64_t a = 0;
        assert_non_null(p->text_ja);
        assert_non_null(p->area_title_ja);
        if (strncmp(p->area, "5.", 2) == 0 && kz_parse_i64(kz_sv_c(p->area + 2), 1, 13, &a) ==
                                                  KZ_OK)
            area[a] = true;
    }
    for (int a = 1; a <= 13; a++)
        assert_true(area[a]);
    kz_catalogue_for_cwe(c, "CWE-798", collect, &x);
    assert_true(has_id(&x, "5.1-1"));
    assert_true(has_id(&x, "5.4-3"));
    x.n = 0;
    kz_catalogue_for_cwe(c, "CWE-787", collect, &x);
    assert_true(has_id(&x, "5.13-1"));
    x.n = 0;
    kz_catalogue_for_cwe(c, "CWE-999999", collect, &x);
    kz_catalogue_for_cwe(c, "not a cwe", collect, &x);
    kz_catalogue_for_cwe(c, NULL, collect, &x);
    assert_int_equal(x.n, 0);
    assert_null(kz_catalogue_get(c, kz_catalogue_count(c)));
    kz_catalogue_free(c);
}

/* Writes text to a temporary file and loads it as a catalogue; returns the result. */
static kz_rc load_text(const char *text, kz_err *err)
{
    char path[] = "/tmp/kz_cat_XXXXXX";
    kz_catalogue *c = NULL;
    int fd = mkstemp(path);
    kz_rc rc;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    rc = kz_catalogue_load(path, &c, err);
    unlink(path);
    kz_catalogue_free(c);
    return rc;
}

#define AREAS "\"areas\":[{\"area\":\"5.1\",\"title_en\":\"P\",\"title_ja\":\"パ\"}]"
#define PROV(id, cwes) \
    "{\"id\":\"" id "\",\"area\":\"5.1\",\"text_en\":\"e\",\"text_ja\":\"j\",\"cwes\":" cwes "}"

static void test_catalogue_refuses_bad_files_with_the_path(void **state)
{
    kz_err err;

    (void)state;
    assert_int_equal(load_text("{" AREAS ",\"provisions\":[" PROV("5.1-1", "[\"CWE-1\"]") "]}",
                               &err),
                     KZ_OK);
    assert_int_equal(load_text("{" AREAS ",\"provisions\":[" PROV("5.1-1", "[]") ","
                               PROV("5.1-1", "[]") "]}", &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/provisions/1/id"));
    assert_non_null(strstr(err.msg, "repeats"));
    assert_int_equal(load_text("{" AREAS ",\"provisions\":[" PROV("5.1-1", "[\"CWE-x\"]") "]}",
                               &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "/provisions/0/cwes/0"));
    assert_int_equal(load_text("{" AREAS ",\"provisions\":[" PROV("5.2-1", "[]") "]}", &err),
                     KZ_EINVAL);
    assert_int_equal(load_text("{" AREAS ",\"provisions\":[{\"id\":\"5.1-1\",\"area\":\"5.1\","
                               "\"text_en\":\"e\",\"cwes\":[]}]}", &err),
                     KZ_EINVAL);
    assert_non_null(strstr(err.msg, "text_ja"));
    assert_int_equal(load_text("{" AREAS ",\"provisions\":[" PROV("5.1-1", "\"CWE-1\"") "]}",
                               &err),
                     KZ_EINVAL);
    assert_int_equal(load_text("[]", &err), KZ_EINVAL);
    assert_int_equal(load_text("{", &err), KZ_EINVAL);
}

/* ---- matching ------------------------------------------------------------------------------- */

typedef struct {
    char dir[64];
    char path[128];
    kz_store *s;
} fx;

/* A record of one CSAF-like document with one affected entry (built from a JSON text). */
static json_t *rec(const char *id, const char *kind, const char *affected, double score,
                   bool kev)
{
    char doc[64];
    json_error_t jerr;
    json_t *r, *aff = json_loads(affected, 0, &jerr);

    if (aff == NULL)
        fail_msg("affected: %s", jerr.text);
    snprintf(doc, sizeof doc, "DOC-%s", id);
    r = json_pack("{s:s, s:[s], s:{s:s, s:s, s:s, s:s}, s:{s:{s:s, s:s}}, s:[{s:s, s:s}], "
                  "s:o, s:[{s:s, s:s, s:s}]}",
                  "id", id, "aliases", id, "source", "kind", kind, "document", doc, "revision",
                  "2024-01-01T00:00:00Z", "url", "https://example.invalid/advisory", "text",
                  "en", "title", "A title", "description", "What goes wrong.", "cwes", "id",
                  "CWE-798", "name", "Use of Hard-coded Credentials", "affected", aff,
                  "remediations", "category", "vendor_fix", "text", "Update the firmware.",
                  "lang", "en");
    assert_non_null(r);
    if (score > 0)
        assert_int_equal(json_object_set_new(r, "scores",
                                             json_pack("[{s:s, s:s, s:f, s:s}]", "version", "3.1",
                                                       "vector",
                                                       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/"
                                                       "I:H/A:H",
                                                       "base_score", score, "severity",
                                                       "CRITICAL")),
                         0);
    if (kev)
        assert_int_equal(json_object_set_new(r, "exploited",
                                             json_pack("{s:b, s:s, s:s, s:s}", "known", 1,
                                                       "source", "CISA KEV", "date_added",
                                                       "2024-01-02", "due_date", "2024-01-23")),
                         0);
    return r;
}

static int setup(void **state)
{
    static const struct {
        const char *id, *kind, *affected;
        double score;
        bool kev;
    } recs[] = {
        {"CVE-2099-0001", "csaf",
         "[{\"vendor\":\"Siemens\",\"product\":\"SIMATIC S7-1500 CPU family\","
         "\"versions\":[\"< V2.9.2\"],\"status\":\"affected\",\"fixed\":\"V2.9.2\"}]",
         9.8, false},
        {"CVE-2099-0002", "csaf",
         "[{\"vendor\":\"Moxa\",\"product\":\"NPort 5110\",\"versions\":[\"<= 1.16S\"],"
         "\"status\":\"affected\"}]",
         7.5, false},
        {"CVE-2099-0003", "csaf",
         "[{\"vendor\":\"Hitachi Energy\",\"product\":\"RTU500\","
         "\"versions\":[\"All versions < V2.00\"],\"status\":\"affected\"}]",
         6.0, false},
        {"CVE-2099-0004", "csaf",
         "[{\"vendor\":\"ACME\",\"product\":\"Widget\",\"versions\":[\"vers:all/*\"],"
         "\"status\":\"affected\"}]",
         5.0, false},
        {"CVE-2099-0005", "cve5",
         "[{\"cpe\":\"cpe:2.3:h:acme:router_x:*:*:*:*:*:*:*:*\",\"versions\":[\"< 3.0\"],"
         "\"status\":\"affected\"}]",
         8.0, false},
        {"CVE-2099-0006", "osv",
         "[{\"purl\":\"pkg:npm/lodash\",\"versions\":[\"vers:npm/<4.17.21\"],"
         "\"status\":\"affected\"}]",
         7.0, false},
        {"CVE-2099-0007", "csaf",
         "[{\"vendor\":\"ACME\",\"product\":\"Gadget\",\"versions\":[\"< 5.0\"],"
         "\"status\":\"affected\"},{\"vendor\":\"ACME\",\"product\":\"Gadget\","
         "\"versions\":[\"4.2\"],\"status\":\"not_affected\"}]",
         4.0, false},
        {"CVE-2099-0008", "csaf",
         "[{\"vendor\":\"ACME\",\"product\":\"Gizmo\","
         "\"versions\":[\"All versions with Ethernet interface\"],\"status\":\"affected\"}]",
         3.0, false},
        {"CVE-2099-0009", "kev",
         "[{\"vendor\":\"ACME\",\"product\":\"Widget\",\"versions\":[],\"status\":\"affected\"}]",
         0, true},
    };
    fx *f = calloc(1, sizeof *f);
    kz_vuln_writer *w = NULL;
    kz_err err;

    if (f == NULL)
        return -1;
    if (!kz_test_store_open(f->dir, sizeof f->dir, f->path, sizeof f->path, "kb.db", &f->s))
        return -1;
    if (kz_vuln_writer_new(f->s, &w, &err) != KZ_OK || kz_store_begin(f->s, &err) != KZ_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    for (size_t i = 0; i < sizeof recs / sizeof recs[0]; i++) {
        json_t *r = rec(recs[i].id, recs[i].kind, recs[i].affected, recs[i].score, recs[i].kev);
        kz_rc rc = kz_vuln_writer_add(w, r, &err);
        json_decref(r);
        if (rc != KZ_OK) {
            fprintf(stderr, "writer_add %s: %s\n", recs[i].id, err.msg);
            return -1;
        }
    }
    kz_vuln_writer_free(w);
    if (kz_store_commit(f->s, &err) != KZ_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    kz_store_free(f->s);
    kz_test_rmtree(f->dir);
    free(f);
    return 0;
}

static const char inventory_csv[] =
    "vendor,product,version,cpe,purl\n"
    "Siemens,SIMATIC S7-1500 CPU family,V2.9.1,,\n"         /* 0: just inside < V2.9.2 */
    "siemens,\"simatic s7 1500 cpu_family\",V2.9.2,,\n"     /* 1: just outside */
    "MOXA,NPort 5110,1.16S,,\n"                             /* 2: inside <= 1.16S */
    "Moxa,NPort 5110,1.16.1,,\n"                            /* 3: outside */
    "Hitachi Energy,RTU500,V1.99,,\n"                       /* 4: inside All versions < V2.00 */
    "Hitachi Energy,RTU500,V2.00,,\n"                       /* 5: outside */
    "ACME,Widget,1.0,,\n"                                   /* 6: every version, and KEV */
    "ACME,Widget,,,\n"                                      /* 7: no version */
    ",,,cpe:2.3:h:acme:router_x:2.5:*:*:*:*:*:*:*,\n"       /* 8: CPE, version 2.5 */
    ",,,cpe:2.3:h:acme:router_x:3.0:*:*:*:*:*:*:*,\n"       /* 9: CPE, outside */
    ",,,,pkg:npm/lodash@4.17.20\n"                          /* 10: purl, inside */
    ",,,,pkg:npm/lodash@4.17.21\n"                          /* 11: purl, outside */
    "ACME,Gadget,4.2,,\n"                                   /* 12: not_affected overrides */
    "ACME,Gadget,4.1,,\n"                                   /* 13: affected */
    "ACME,Gizmo,1.0,,\n"                                    /* 14: range not understood */
    "Other,Thing,1.0,,\n";                                  /* 15: nothing */

/* The finding for (component, id), or NULL. */
static const kz_finding *find(const kz_findings *f, size_t comp, const char *id)
{
    for (size_t i = 0; i < kz_findings_count(f); i++) {
        const kz_finding *x = kz_findings_get(f, i);
        if (x->component == comp &&
            strcmp(json_string_value(json_object_get(x->vuln, "id")), id) == 0)
            return x;
    }
    return NULL;
}

static void expect(const kz_findings *f, size_t comp, const char *id, int kind)
{
    const kz_finding *x = find(f, comp, id);

    if (kind == 0 && x != NULL)
        fail_msg("component %zu: %s found (%s), expected nothing", comp, id, x->reason);
    if (kind != 0 && x == NULL)
        fail_msg("component %zu: %s not found", comp, id);
    if (kind != 0 && (int)x->kind != kind)
        fail_msg("component %zu: %s is %d (%s), expected %d", comp, id, x->kind, x->reason,
                 kind);
}

static kz_findings *match(fx *f, kz_inventory **inv)
{
    problems p = {0};
    kz_findings *out = NULL;
    kz_err err;

    *inv = parse(inventory_csv, KZ_INV_CSV, &p);
    assert_int_equal(p.n, 0);
    if (kz_vuln_match(f->s, *inv, &out, &err) != KZ_OK)
        fail_msg("match: %s", err.msg);
    return out;
}

static void test_match_range_boundaries_names_cpe_and_purl(void **state)
{
    kz_inventory *inv;
    kz_findings *f = match(*state, &inv);

    expect(f, 0, "CVE-2099-0001", KZ_FIND_AFFECTED);
    expect(f, 1, "CVE-2099-0001", 0); /* found by the normalised name, outside the range */
    expect(f, 2, "CVE-2099-0002", KZ_FIND_AFFECTED);
    expect(f, 3, "CVE-2099-0002", 0);
    expect(f, 4, "CVE-2099-0003", KZ_FIND_AFFECTED);
    expect(f, 5, "CVE-2099-0003", 0);
    expect(f, 6, "CVE-2099-0004", KZ_FIND_AFFECTED);
    expect(f, 8, "CVE-2099-0005", KZ_FIND_AFFECTED);
    expect(f, 9, "CVE-2099-0005", 0);
    expect(f, 10, "CVE-2099-0006", KZ_FIND_AFFECTED);
    expect(f, 11, "CVE-2099-0006", 0);
    expect(f, 15, "CVE-2099-0004", 0);
    assert_string_equal(find(f, 0, "CVE-2099-0001")->reason,
                        "version V2.9.1 is in \"< V2.9.2\"");
    assert_string_equal(json_string_value(json_object_get(find(f, 0, "CVE-2099-0001")->affected,
                                                          "fixed")),
                        "V2.9.2");
    kz_findings_free(f);
    kz_inventory_free(inv);
}

static void test_match_possibly_override_and_priority(void **state)
{
    kz_inventory *inv;
    kz_findings *f = match(*state, &inv);
    const kz_finding *x;
    size_t first6 = SIZE_MAX;

    expect(f, 7, "CVE-2099-0004", KZ_FIND_POSSIBLY);
    assert_string_equal(find(f, 7, "CVE-2099-0004")->reason, "no version in the inventory");
    expect(f, 6, "CVE-2099-0009", KZ_FIND_POSSIBLY); /* KEV names no versions */
    assert_true(find(f, 6, "CVE-2099-0009")->exploited);
    expect(f, 12, "CVE-2099-0007", 0); /* not_affected 4.2 overrides < 5.0 */
    expect(f, 13, "CVE-2099-0007", KZ_FIND_AFFECTED);
    expect(f, 14, "CVE-2099-0008", KZ_FIND_POSSIBLY);
    x = find(f, 14, "CVE-2099-0008");
    assert_non_null(strstr(x->reason, "All versions with Ethernet interface"));
    assert_true(strlen(x->reason) > 60); /* the parser's reason follows */
    /* Order: by component, then known exploited first, then score. */
    for (size_t i = 0; i < kz_findings_count(f); i++) {
        if (i > 0)
            assert_true(kz_findings_get(f, i - 1)->component <= kz_findings_get(f, i)->component);
        if (kz_findings_get(f, i)->component == 6 && first6 == SIZE_MAX)
            first6 = i;
    }
    assert_true(first6 != SIZE_MAX);
    assert_string_equal(json_string_value(json_object_get(kz_findings_get(f, first6)->vuln,
                                                          "id")),
                        "CVE-2099-0009");
    assert_string_equal(json_string_value(json_object_get(kz_findings_get(f, first6 + 1)->vuln,
                                                          "id")),
                        "CVE-2099-0004");
    assert_true(kz_findings_get(f, first6 + 1)->priority_score == 5.0);
    kz_findings_free(f);
    kz_inventory_free(inv);
}

/* Runs a report into memory; returns the text (free it). */
static char *report(const kz_inventory *inv, const kz_findings *f, const kz_catalogue *cat,
                    kz_report_format fmt, const char *lang)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&buf, &n);
    kz_err err;

    assert_non_null(out);
    if (kz_vuln_report(inv, f, cat, fmt, lang, out, &err) != KZ_OK)
        fail_msg("report: %s", err.msg);
    fclose(out);
    return buf;
}

/* A finding as text, to compare two runs: component, id, kind, reason, the entry matched. */
static char *finding_text(const kz_finding *x)
{
    char *aff = json_dumps(x->affected, JSON_COMPACT | JSON_SORT_KEYS), *out = NULL;

    assert_non_null(aff);
    assert_true(asprintf(&out, "%zu %s %d %s %s", x->component,
                         json_string_value(json_object_get(x->vuln, "id")), (int)x->kind,
                         x->reason, aff) > 0);
    free(aff);
    return out;
}

/*
 * 300 vulnerabilities over 40 products, 400 components: the findings are the same on 1 and on 4
 * threads (each with its own store handle), in the same order; each finding's view holds its
 * entry, only entries some finding matched, and at most one reference.
 */
static void test_match_threads_agree_and_views_are_cut(void **state)
{
    fx *fx0 = *state;
    kz_vuln_writer *w = NULL;
    kz_findings *one = NULL, *four = NULL;
    kz_inventory *inv;
    problems p = {0};
    kz_buf csv;
    kz_err err;
    char aff[512], id[32];

    (void)state;
    assert_int_equal(kz_vuln_writer_new(fx0->s, &w, &err), KZ_OK);
    assert_int_equal(kz_store_begin(fx0->s, &err), KZ_OK);
    for (int i = 0; i < 300; i++) {
        json_t *r;
        snprintf(id, sizeof id, "CVE-2098-%04d", i);
        snprintf(aff, sizeof aff,
                 "[{\"vendor\":\"Vendor %d\",\"product\":\"Product %d\",\"versions\":[\"< %d.%d\"],"
                 "\"status\":\"affected\",\"ref\":\"P%d\"},"
                 "{\"vendor\":\"Vendor %d\",\"product\":\"Other %d\",\"versions\":[\"< 9\"],"
                 "\"status\":\"affected\",\"ref\":\"Q%d\"}]",
                 i % 7, i % 40, i % 9 + 1, i % 3, i, i % 7, i, i);
        r = rec(id, "csaf", aff, 1.0 + i % 90 / 10.0, i % 11 == 0);
        assert_int_equal(json_object_set_new(r, "references",
                                             json_pack("[{s:s}, {s:s}]", "url",
                                                       "https://example.invalid/1", "url",
                                                       "https://example.invalid/2")),
                         0);
        assert_int_equal(kz_vuln_writer_add(w, r, &err), KZ_OK);
        json_decref(r);
    }
    kz_vuln_writer_free(w);
    assert_int_equal(kz_store_commit(fx0->s, &err), KZ_OK);

    kz_buf_init(&csv, 0);
    assert_int_equal(kz_buf_puts(&csv, "vendor,product,version\n"), KZ_OK);
    for (int c = 0; c < 400; c++)
        assert_int_equal(kz_buf_printf(&csv, "Vendor %d,Product %d,%d.%d\n", c % 7, c % 40,
                                       c % 10, c % 4),
                         KZ_OK);
    assert_int_equal(kz_buf_append(&csv, "", 1), KZ_OK);
    inv = parse(csv.p, KZ_INV_CSV, &p);
    kz_buf_free(&csv);
    assert_int_equal(p.n, 0);
    assert_int_equal(kz_vuln_match_threads(fx0->s, inv, 1, &one, &err), KZ_OK);
    assert_int_equal(kz_vuln_match_threads(fx0->s, inv, 4, &four, &err), KZ_OK);
    assert_true(kz_findings_count(one) > 100); /* enough to share out */
    assert_int_equal(kz_findings_count(one), kz_findings_count(four));
    for (size_t i = 0; i < kz_findings_count(one); i++) {
        const kz_finding *x = kz_findings_get(four, i);
        const json_t *affs = json_object_get(x->vuln, "affected"), *e;
        char *a = finding_text(kz_findings_get(one, i)), *b = finding_text(x);
        bool holds = false;
        size_t k;
        assert_string_equal(a, b);
        free(a);
        free(b);
        json_array_foreach(affs, k, e) {
            holds |= e == x->affected;
            /* the "Other" entries name no component: never kept */
            assert_null(strstr(json_string_value(json_object_get(e, "product")), "Other"));
        }
        assert_true(holds);
        assert_true(json_array_size(json_object_get(x->vuln, "references")) <= 1);
    }
    kz_findings_free(one);
    kz_findings_free(four);
    kz_inventory_free(inv);
    /* The store keeps the references apart; a view asked for has them all again. */
    {
        json_t *v = NULL;
        assert_int_equal(kz_vuln_get(fx0->s, "CVE-2098-0007", &v, &err), KZ_OK);
        assert_int_equal(json_array_size(json_object_get(v, "references")), 2);
        json_decref(v);
    }
}

/* Two advisories for one CVE both number their product CSAFPID-0001: each product gets its own
 * advisory's fix and link, not the other's. */
static void test_match_merged_advisories_keep_their_own_fixes(void **state)
{
    fx *fx0 = *state;
    kz_vuln_writer *w = NULL;
    kz_findings *f = NULL;
    kz_inventory *inv;
    problems p = {0};
    json_t *doc;
    json_error_t jerr;
    kz_err err;
    char *text;

    assert_int_equal(kz_vuln_writer_new(fx0->s, &w, &err), KZ_OK);
    assert_int_equal(kz_store_begin(fx0->s, &err), KZ_OK);
    for (int i = 0; i < 2; i++) {
        json_t *r = json_pack(
            "{s:s, s:[s], s:{s:s, s:s, s:s, s:s}, s:[{s:s, s:s, s:[s], s:s, s:s}],"
            " s:[{s:s, s:s, s:[s]}]}",
            "id", "CVE-2097-0001", "aliases", "CVE-2097-0001", "source", "kind", "csaf",
            "document", i == 0 ? "ICSA-A" : "ICSA-B", "revision", "2024-01-01T00:00:00Z", "url",
            i == 0 ? "https://example.invalid/a" : "https://example.invalid/b", "affected",
            "vendor", "Initech", "product", i == 0 ? "Stapler" : "Printer", "versions", "< 2.0",
            "status", "affected", "ref", "CSAFPID-0001", "remediations", "category",
            "vendor_fix", "text", i == 0 ? "Update the stapler" : "Update the printer", "refs",
            "CSAFPID-0001");
        assert_non_null(r);
        if (kz_vuln_writer_add(w, r, &err) != KZ_OK)
            fail_msg("writer_add: %s", err.msg);
        json_decref(r);
    }
    kz_vuln_writer_free(w);
    assert_int_equal(kz_store_commit(fx0->s, &err), KZ_OK);
    inv = parse("vendor,product,version\nInitech,Stapler,1.0\nInitech,Printer,1.0\n", KZ_INV_CSV,
                &p);
    assert_int_equal(kz_vuln_match(fx0->s, inv, &f, &err), KZ_OK);
    text = report(inv, f, NULL, KZ_REPORT_JSON, "en");
    doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    for (size_t i = 0; i < 2; i++) {
        json_t *x = json_array_get(json_object_get(doc, "findings"), i);
        size_t c = (size_t)json_integer_value(json_object_get(x, "component"));
        assert_string_equal(json_string_value(json_object_get(json_object_get(x, "remediation"),
                                                              "text")),
                            c == 0 ? "Update the stapler" : "Update the printer");
        assert_string_equal(json_string_value(json_object_get(x, "advisory")),
                            c == 0 ? "https://example.invalid/a" : "https://example.invalid/b");
    }
    assert_int_equal(json_array_size(json_object_get(doc, "findings")), 2);
    json_decref(doc);
    free(text);
    kz_findings_free(f);
    kz_inventory_free(inv);
}

static void test_report_text_json_and_csaf_vex(void **state)
{
    kz_inventory *inv;
    kz_findings *f = match(*state, &inv);
    kz_catalogue *cat = real_catalogue();
    json_error_t jerr;
    json_t *doc, *v;
    char *text;
    size_t i;

    text = report(inv, f, cat, KZ_REPORT_TEXT, "en");
    assert_non_null(strstr(text, "KNOWN EXPLOITED (CISA KEV, due 2024-01-23)"));
    assert_non_null(strstr(text, "fix: update to V2.9.2"));
    assert_non_null(strstr(text, "prevent: EN 303 645 5.1-1"));
    assert_non_null(strstr(text, "summary: 16 components"));
    free(text);
    text = report(inv, f, cat, KZ_REPORT_TEXT, "ja");
    assert_non_null(strstr(text, "A title (en)"));
    free(text);

    text = report(inv, f, cat, KZ_REPORT_JSON, "en");
    doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "components")), 16);
    assert_int_equal(json_array_size(json_object_get(doc, "findings")), kz_findings_count(f));
    v = json_array_get(json_object_get(doc, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(v, "status")), "affected");
    assert_null(json_object_get(v, "provisions")); /* written once, with the vulnerability */
    v = json_object_get(json_object_get(doc, "vulnerabilities"),
                        json_string_value(json_object_get(v, "id")));
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(v, "provisions"), 0), "id")),
                        "5.1-1");
    json_decref(doc);
    free(text);

    text = report(inv, f, cat, KZ_REPORT_CSAF_VEX, "en");
    doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "document"),
                                                          "category")),
                        "csaf_vex");
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "product_tree"),
                                                     "full_product_names")),
                     16);
    json_array_foreach(json_object_get(doc, "vulnerabilities"), i, v) {
        const json_t *ps = json_object_get(v, "product_status");
        assert_non_null(json_object_get(v, "cve"));
        assert_non_null(json_object_get(v, "notes"));
        assert_true(json_object_size(ps) > 0);
        /* Every known_affected product has a remediation (the VEX action statement). */
        if (json_object_get(ps, "known_affected") != NULL)
            assert_true(json_array_size(json_object_get(v, "remediations")) >=
                        json_array_size(json_object_get(ps, "known_affected")));
    }
    json_decref(doc);
    free(text);
    kz_catalogue_free(cat);
    kz_findings_free(f);
    kz_inventory_free(inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inventory_cyclonedx_nested_components_and_vendor_order),
        cmocka_unit_test(test_inventory_cyclonedx_nesting_is_bounded),
        cmocka_unit_test(test_inventory_spdx_supplier_and_external_refs),
        cmocka_unit_test(test_inventory_csv_quotes_bom_crlf_and_bad_rows),
        cmocka_unit_test(test_inventory_refuses_what_it_cannot_read),
        cmocka_unit_test(test_catalogue_loads_every_area_and_finds_provisions_by_cwe),
        cmocka_unit_test(test_catalogue_refuses_bad_files_with_the_path),
        cmocka_unit_test_setup_teardown(test_match_range_boundaries_names_cpe_and_purl, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_match_possibly_override_and_priority, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_report_text_json_and_csaf_vex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_threads_agree_and_views_are_cut, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_match_merged_advisories_keep_their_own_fixes, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
