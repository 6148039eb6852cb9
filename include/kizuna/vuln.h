/*
 * vuln.h - the IoT and ICS vulnerability knowledge base: importers of the formats the field
 * publishes, the record they all produce, merging, inventories, matching, the best-practice
 * catalogue, reports and STIX export. CVSS, CPE, purl and version ranges have their own headers.
 *
 * Layout of src/vuln/:
 *   record.c     record helpers: names normalised for matching, match keys, record checks
 *   csaf.c       CSAF 2.0 advisories and VEX; csaf_provider.c: provider-metadata.json + ROLIE
 *   cve5.c       CVE JSON 5.x records          kev.c   the CISA KEV catalogue
 *   osv.c        OSV JSON                      jvn.c   JVN iPedia / MyJVN VULDEF and JVNRSS XML
 *   detect.c     which importer a file needs
 *   merge.c      the records of one vulnerability, from every source, as one view
 *   inventory.c  CycloneDX 1.4-1.6 JSON, SPDX 2.3 JSON, CSV device lists
 *   match.c      inventory x knowledge base -> findings, prioritised
 *   catalogue.c  ETSI EN 303 645 provisions (data/catalogue/en303645.json), linked to CWEs
 *   report.c     findings as text, JSON or a CSAF 2.0 VEX document
 *   export.c     records as STIX 2.1 vulnerability, course-of-action and relationship objects
 *
 * ---- The record ----------------------------------------------------------------------------
 * Every importer turns its input into records: one JSON object (jansson) per vulnerability per
 * source document, in this shape (keys not listed are not allowed; optional keys are omitted,
 * never null, except where a value is said to be null):
 *
 * {
 *   "id": "CVE-2024-1234",        the canonical id: the CVE id when the source names exactly
 *                                 one, else the source's own id (JVNDB-2024-000001, GHSA-...,
 *                                 ICSA-24-011-01 for a CVE-less CSAF vulnerability + "#n")
 *   "aliases": ["CVE-2024-1234", "JVNDB-2024-000001", "ICSA-24-011-01"],
 *                                 every id naming it in this source, "id" included, no repeats
 *   "source": {"kind": "csaf" | "cve5" | "kev" | "osv" | "jvn",
 *              "document": "ICSA-24-011-01",  the document's own id (CSAF tracking.id, CVE id,
 *                                 "kev" for the catalogue, OSV id, JVNDB id / feed entry)
 *              "revision": "2024-03-05T00:00:00.000Z",  RFC 3339 of the document's last
 *                                 update; a later revision of the same document replaces all
 *                                 records of the earlier one (equal: replaced too)
 *              "publisher": "CISA", "url": "https://...", "file": "path as given" (optional)},
 *   "published": "RFC 3339", "modified": "RFC 3339",                         (optional)
 *   "text": {"en": {"title": "...", "description": "..."}, "ja": {...}},     (languages present)
 *   "cwes": [{"id": "CWE-787", "name": "Out-of-bounds Write"}],              ("name" optional)
 *   "scores": [{"version": "2.0" | "3.0" | "3.1" | "4.0", "vector": "CVSS:3.1/...",
 *               "base_score": 9.8 (computed by Kizuna with cvss.h; null when the vector does
 *                                  not parse, and then "problem" says why),
 *               "published_score": 9.8 (as the source wrote it; omitted when it gave none),
 *               "severity": "CRITICAL" (from base_score), "source": "who scored" (optional),
 *               "problem": "..." (optional: vector unreadable, or base_score != published)}],
 *   "affected": [{"vendor": "Siemens", "product": "SIMATIC S7-1500 CPU family",
 *                 "cpe": "cpe:2.3:...", "purl": "pkg:...",                    (optional)
 *                 "versions": ["< V2.9.2", "vers:generic/>=1.0|<1.4"],
 *                                 range texts as kz_range_parse reads them; ["All versions"]
 *                                 when the source says every version, [] when it names none
 *                 "status": "affected" | "not_affected" | "fixed" | "under_investigation",
 *                 "fixed": "V2.9.2",                                             (optional)
 *                 "ref": "CSAFPID-0001"  the source's own product reference   (optional)}],
 *   "remediations": [{"category": "vendor_fix" | "mitigation" | "workaround" |
 *                                 "none_available" | "no_fix_planned",
 *                     "text": "...", "lang": "en", "url": "...", "fixed": "V2.9.2",
 *                     "refs": ["CSAFPID-0001"]   products it applies to (optional)}],
 *   "references": [{"url": "https://...", "summary": "..."}],
 *   "exploited": {"known": true, "source": "CISA KEV", "date_added": "2021-11-03",
 *                 "due_date": "2021-11-17", "ransomware": "Known" | "Unknown",
 *                 "required_action": "..."}                                  (optional)
 * }
 * Strings are UTF-8 as the source wrote them (trimmed). kz_vuln_record_check tells whether a
 * record has this shape; every importer's records pass it (their tests check).
 */
#ifndef KIZUNA_VULN_H
#define KIZUNA_VULN_H

#include <stdio.h>

#include <jansson.h>

#include "kizuna/core.h"
#include "kizuna/store.h"
#include "kizuna/version.h"

/* ---- importers ------------------------------------------------------------------------------ */

typedef enum {
    KZ_VFMT_UNKNOWN = 0,
    KZ_VFMT_CSAF,      /* CSAF 2.0 JSON (csaf_security_advisory, csaf_vex, ...) */
    KZ_VFMT_CVE5,      /* CVE JSON 5.x record */
    KZ_VFMT_KEV,       /* CISA KEV catalogue JSON */
    KZ_VFMT_OSV,       /* OSV JSON (one entry, or an array of entries) */
    KZ_VFMT_JVN,       /* JVN VULDEF XML (getVulnDetailInfo, dataFeed detail) or JVNRSS XML */
    KZ_VFMT_PROVIDER,  /* CSAF provider-metadata.json */
} kz_vfmt;

const char *kz_vfmt_name(kz_vfmt f); /* "csaf", "cve5", "kev", "osv", "jvn", "provider" */

/* Which importer the bytes of a file need, from their content (not the file name). */
kz_vfmt kz_vuln_detect(const char *bytes, size_t n);

/*
 * Where importers hand their results. record: one record (a new reference; the sink takes it
 * over and must json_decref it); a non-OK result stops the import and is returned. problem: one
 * thing in the input that is wrong or was skipped, with where it is (a JSON path such as
 * "/vulnerabilities/3/scores/0/cvss_v3/vectorString" or an XML path) and what was expected; the
 * rest of the input still imports. May be NULL.
 */
typedef struct {
    kz_rc (*record)(void *ctx, json_t *rec);
    void (*problem)(void *ctx, const char *where, const char *msg);
    void *ctx;
} kz_vuln_sink;

/*
 * Imports one file's bytes in format f (KZ_VFMT_UNKNOWN: detect it). file names the input in
 * records ("source.file") and messages. A document that cannot be read at all (not JSON or XML,
 * not the format, past a limit) is KZ_EINVAL / KZ_ELIMIT with file and path, and gives no
 * record. Returns the sink's failure when it fails. Thread-safe.
 */
KZ_NODISCARD kz_rc kz_vuln_parse(kz_vfmt f, const char *bytes, size_t n, const char *file,
                                 const kz_limits *lim, const kz_vuln_sink *sink, kz_err *err);

/* The importers behind kz_vuln_parse, for tests and fuzz targets. */
KZ_NODISCARD kz_rc kz_vuln_parse_csaf(const json_t *doc, const char *file,
                                      const kz_vuln_sink *sink, kz_err *err);
KZ_NODISCARD kz_rc kz_vuln_parse_cve5(const json_t *doc, const char *file,
                                      const kz_vuln_sink *sink, kz_err *err);
KZ_NODISCARD kz_rc kz_vuln_parse_kev(const json_t *doc, const char *file,
                                     const kz_vuln_sink *sink, kz_err *err);
KZ_NODISCARD kz_rc kz_vuln_parse_osv(const json_t *doc, const char *file,
                                     const kz_vuln_sink *sink, kz_err *err);
KZ_NODISCARD kz_rc kz_vuln_parse_jvn(const char *xml, size_t n, const char *file,
                                     const kz_limits *lim, const kz_vuln_sink *sink, kz_err *err);

/*
 * A CSAF provider's folder: reads provider-metadata.json, follows its ROLIE feeds and
 * distributions to files under the same folder (never the network), and calls fn with the path
 * of each advisory, newest feed entry first. Entries whose file is missing are problems.
 */
KZ_NODISCARD kz_rc kz_vuln_csaf_provider(const char *metadata_path, const kz_limits *lim,
                                         kz_rc (*fn)(void *ctx, const char *path),
                                         const kz_vuln_sink *problems, void *ctx, kz_err *err);

/* ---- records -------------------------------------------------------------------------------- */

/* Checks that rec has the record shape above; on failure err names the key and what was
 * expected. */
KZ_NODISCARD kz_rc kz_vuln_record_check(const json_t *rec, kz_err *err);

/*
 * A vendor or product name as matching compares it: case-folded (ASCII), every run of
 * whitespace, '_' and '-' removed, other bytes kept. "Schneider Electric" = "schneider-electric".
 * Returns the length written (always < cap; truncated names still compare by prefix).
 */
size_t kz_vuln_norm_name(const char *name, char *out, size_t cap);

/*
 * The keys under which a record is found for matching, one call of fn per key:
 * "vp:<vendor>|<product>" and "v:<vendor>" and "p:<product>" (normalised names) for each
 * affected entry with those names; "cpe:<vendor>:<product>" from each CPE (as the CPE writes
 * them, lower case); "purl:<type>/<namespace>/<name>" from each purl. Duplicates are given once.
 */
KZ_NODISCARD kz_rc kz_vuln_record_keys(const json_t *rec, kz_rc (*fn)(void *ctx, const char *key),
                                       void *ctx, kz_err *err);

/*
 * Merges the records of one vulnerability (all sources) into one view with the record's shape,
 * except "source" becomes "sources": [source, ...]. Aliases and CWEs are united; texts per
 * language come from the most authoritative source that has them (CVE 5, then CSAF, then JVN,
 * then OSV); scores are kept per distinct vector; affected, remediations and references are
 * concatenated without exact repeats; "exploited" comes from KEV. When several records are
 * merged, product references ("ref" of an entry, "refs" of a remediation) become
 * "DOCUMENT#ref" (the record's source document): every advisory numbers its own products, so a
 * bare CSAFPID-0001 of one would tie its fix to another's product. *out: a new reference.
 */
KZ_NODISCARD kz_rc kz_vuln_merge(json_t *const *recs, size_t n, json_t **out, kz_err *err);

/* ---- inventories ---------------------------------------------------------------------------- */

typedef enum {
    KZ_INV_UNKNOWN = 0, /* detect */
    KZ_INV_CYCLONEDX,
    KZ_INV_SPDX,
    KZ_INV_CSV,
} kz_inv_format;

/* One device or software component. Strings are owned by the inventory (kz_inventory_free). */
typedef struct {
    const char *ref;      /* bom-ref / SPDXID / "line N" */
    const char *name;     /* display name */
    const char *vendor;   /* supplier / manufacturer / vendor column; NULL when unknown */
    const char *product;  /* product name; the component name when no better one */
    const char *version;  /* NULL when unknown */
    const char *cpe;      /* NULL when none */
    const char *purl;     /* NULL when none */
    const char *location; /* CSV "location"; NULL otherwise */
} kz_component;

typedef struct kz_inventory kz_inventory;

/*
 * Reads an inventory (format detected when KZ_INV_UNKNOWN): CycloneDX 1.4-1.6 JSON with nested
 * components, SPDX 2.3 JSON packages with cpe23Type and purl external references, or CSV whose
 * header has at least vendor, product and version (optional name, location, cpe, purl; RFC 4180
 * quoting). Components that cannot be used are problems (file, line or JSON path) and skipped.
 */
KZ_NODISCARD kz_rc kz_inventory_parse(const char *bytes, size_t n, const char *file,
                                      kz_inv_format f, const kz_limits *lim,
                                      const kz_vuln_sink *problems, kz_inventory **out,
                                      kz_err *err);
size_t kz_inventory_count(const kz_inventory *inv);
const kz_component *kz_inventory_get(const kz_inventory *inv, size_t i);
kz_inv_format kz_inventory_format(const kz_inventory *inv);
void kz_inventory_free(kz_inventory *inv);

/* ---- the knowledge base in the store -------------------------------------------------------- */

/*
 * Stores records (from one kz_vuln_parse of one document) in s: within one batch, the document's
 * earlier revision is replaced whole, a later stored revision makes this one skipped (*skipped
 * counts its records), and each record is indexed by its id, aliases and match keys.
 */
typedef struct kz_vuln_writer kz_vuln_writer;
KZ_NODISCARD kz_rc kz_vuln_writer_new(kz_store *s, kz_vuln_writer **out, kz_err *err);
/* Adds one record (a borrowed reference). Records of one document must come together. */
KZ_NODISCARD kz_rc kz_vuln_writer_add(kz_vuln_writer *w, const json_t *rec, kz_err *err);
/* Counts so far: records stored, skipped as older than what is stored, documents replaced. */
void kz_vuln_writer_counts(const kz_vuln_writer *w, int64_t *stored, int64_t *skipped,
                           int64_t *replaced);
void kz_vuln_writer_free(kz_vuln_writer *w);

/* The merged view of the vulnerability that id names (canonical id or alias). KZ_ENOTFOUND with
 * a message when there is none. *out: a new reference. */
KZ_NODISCARD kz_rc kz_vuln_get(kz_store *s, const char *id, json_t **out, kz_err *err);

/* ---- matching ------------------------------------------------------------------------------- */

/* What a match run found. Owned; kz_findings_free. */
typedef struct kz_findings kz_findings;

typedef enum {
    KZ_FIND_AFFECTED = 1,
    KZ_FIND_POSSIBLY = 2, /* range or version not understood, or a name matched only loosely */
} kz_find_kind;

/* One finding: a component that a vulnerability affects or may affect. */
typedef struct {
    size_t component;       /* index in the inventory */
    kz_find_kind kind;
    const char *reason;     /* why POSSIBLY (or how it matched); owned by the findings */
    const json_t *vuln;     /* the merged view, cut to what a report reads: id, aliases, dates,
                               texts, CWEs, scores, exploited, sources, the first reference, and
                               of "affected" and "remediations" only the entries this run's
                               findings matched and the remediations that apply to them; shared
                               by the findings of one vulnerability, owned by the findings */
    const json_t *affected; /* the matching affected entry, inside vuln */
    double priority_score;  /* the highest base score (any version), 0 when none */
    bool exploited;         /* known exploited (KEV) */
} kz_finding;

/*
 * Matches every component of inv against the knowledge base in s: candidates by CPE, purl and
 * normalised vendor/product names (kz_vuln_record_keys), then each affected entry's version
 * ranges with kz_range_contains. Findings are ordered per component by priority: known
 * exploited first, then by score, then by id.
 */
KZ_NODISCARD kz_rc kz_vuln_match(kz_store *s, const kz_inventory *inv, kz_findings **out,
                                 kz_err *err);
/*
 * The same, deciding on `threads` threads (0, as kz_vuln_match does: one per online CPU when
 * there are enough candidates), each reading through its own handle (kz_store_dup). The
 * findings do not depend on the number.
 */
KZ_NODISCARD kz_rc kz_vuln_match_threads(kz_store *s, const kz_inventory *inv, size_t threads,
                                         kz_findings **out, kz_err *err);
size_t kz_findings_count(const kz_findings *f);
const kz_finding *kz_findings_get(const kz_findings *f, size_t i);
void kz_findings_free(kz_findings *f);

/* ---- best practices ------------------------------------------------------------------------- */

/* One provision of ETSI EN 303 645 as the team wrote it down (data/catalogue/en303645.json). */
typedef struct {
    const char *id;        /* provision number, "5.1-1" */
    const char *area;      /* "5.1" */
    const char *area_title_en, *area_title_ja;
    const char *text_en, *text_ja;
} kz_provision;

typedef struct kz_catalogue kz_catalogue;

/* Loads the catalogue file (checked: every provision has both languages and known CWE links). */
KZ_NODISCARD kz_rc kz_catalogue_load(const char *path, kz_catalogue **out, kz_err *err);
/* Provisions that would have prevented a weakness (a CWE id such as "CWE-798"), fn per one. */
void kz_catalogue_for_cwe(const kz_catalogue *c, const char *cwe,
                          void (*fn)(void *ctx, const kz_provision *p), void *ctx);
size_t kz_catalogue_count(const kz_catalogue *c);
const kz_provision *kz_catalogue_get(const kz_catalogue *c, size_t i);
void kz_catalogue_free(kz_catalogue *c);

/* ---- reports and sharing -------------------------------------------------------------------- */

typedef enum { KZ_REPORT_TEXT, KZ_REPORT_JSON, KZ_REPORT_CSAF_VEX } kz_report_format;

/*
 * Writes the findings for inv: per component, its vulnerabilities in priority order with the
 * fixed version or remediation text, the advisory link and the EN 303 645 provisions (cat may be
 * NULL); lang "ja" prefers Japanese text where the source has it. CSAF VEX: a valid CSAF 2.0
 * csaf_vex document whose product tree is the inventory.
 */
KZ_NODISCARD kz_rc kz_vuln_report(const kz_inventory *inv, const kz_findings *f,
                                  const kz_catalogue *cat, kz_report_format fmt,
                                  const char *lang, FILE *out, kz_err *err);

/*
 * Turns the knowledge base into STIX 2.1: one vulnerability object per vulnerability (external
 * references to CVE, JVN and the advisories), one course-of-action per remediation text and a
 * `mitigates` relationship to it, all marked TLP:CLEAR; ids are deterministic (UUIDv5 of the
 * vulnerability id and content), so exporting twice gives the same objects. fn gets each object
 * (a borrowed reference).
 */
KZ_NODISCARD kz_rc kz_vuln_export_stix(kz_store *s, kz_rc (*fn)(void *ctx, const json_t *obj),
                                       void *ctx, kz_err *err);

#endif
