/*
 * vuln_int.h - small helpers the vulnerability modules share: the lower-case text of a CPE
 * attribute as the writer indexes it and the matcher looks it up (record.c), and the test for a
 * CVE id (record.c). Nothing here is part of the library's public face. (The string map and list
 * they use are in core.h.)
 */
#ifndef KZ_VULN_INT_H
#define KZ_VULN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kizuna/core.h"
#include "kizuna/cpe.h"

/*
 * Writes the text of CPE attribute a of c into out (cap bytes, cut to fit, always
 * NUL-terminated), ASCII letters lower-cased, WFN quoting kept: the form record.c indexes CPE
 * keys in. "" for ANY and NA.
 */
void kz_vuln_cpe_lower(const kz_cpe *c, kz_cpe_attr a, char *out, size_t cap);

/*
 * True when s is a CVE id: "CVE-", four digits, '-', four or more digits, nothing else (the
 * form CSAF and STIX want). False for NULL.
 */
bool kz_vuln_is_cve(const char *s);

/*
 * True when remediation rem (of a merged view) applies to affected entry aff: it names the
 * entry's ref, or names no products at all. An entry without a ref (KEV, CVE records) takes only
 * the latter, so that a CSAF vendor's fix for its own product is not shown for another's.
 */
bool kz_vuln_rem_applies(const json_t *rem, const json_t *aff);

/*
 * The remediation a report shows for affected entry aff of a view: of those that apply to it
 * and have a text or a URL, the first vendor_fix, else mitigation, else workaround, else
 * no_fix_planned, else none_available; within the first category that has one, the first in
 * lang, else the first. NULL when there is none. Any subset of the view's remediations that
 * keeps their order and holds this one gives the same answer (kz_vuln_match relies on it).
 */
const json_t *kz_vuln_remediation(const json_t *view, const json_t *aff, const char *lang);

/* A stored record (kz_store_vrecs' json and refs) as one JSON object: refs, when not empty,
 * becomes its "references". A new reference in *out; KZ_EDB when the store holds no JSON. */
KZ_NODISCARD kz_rc kz_vuln_record_load(const char *vuln_id, kz_sv json, kz_sv refs,
                                       json_t **out, kz_err *err);

/* kz_vuln_get, with every reference (all_refs) or only each record's first, which is all that
 * kz_vuln_match needs and reads a quarter less. */
KZ_NODISCARD kz_rc kz_vuln_get_x(kz_store *s, const char *id, bool all_refs, json_t **out,
                                 kz_err *err);

#endif
