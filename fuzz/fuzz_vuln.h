/*
 * fuzz_vuln.h - the sink and setup shared by the importer targets (fuzz_csaf.c, fuzz_cve5.c,
 * fuzz_kev.c, fuzz_osv.c, fuzz_jvn.c, fuzz_vuln_detect.c): every record an importer hands on
 * must pass kz_vuln_record_check, else the importer has a bug and the target aborts; problems
 * are expected from fuzzed input and only must say where and what. Header only.
 */
#ifndef KZ_FUZZ_VULN_H
#define KZ_FUZZ_VULN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "kizuna/vuln.h"

/* An importer of parsed JSON, as kz_vuln_parse_cve5 and its siblings. */
typedef kz_rc (*fuzz_vuln_json_parser)(const json_t *doc, const char *file,
                                       const kz_vuln_sink *sink, kz_err *err);

/* Match-key callback that accepts every key. */
static inline kz_rc fuzz_vuln_ignore_key(void *ctx, const char *key)
{
    (void)ctx, (void)key;
    return KZ_OK;
}

/*
 * Checks one record's shape and, when keys is true, that it gives its match keys, as the
 * knowledge base would; then drops it. A record that fails is an importer bug: abort.
 */
static inline void fuzz_vuln_check(json_t *rec, bool keys)
{
    kz_err err;

    if (kz_vuln_record_check(rec, &err) != KZ_OK) {
        fprintf(stderr, "an importer gave a record that fails the check: %s\n", err.msg);
        abort();
    }
    if (keys && kz_vuln_record_keys(rec, fuzz_vuln_ignore_key, NULL, &err) != KZ_OK)
        abort();
    json_decref(rec);
}

/* Sink callback: checks each record's shape and drops it. */
static inline kz_rc fuzz_vuln_check_record(void *ctx, json_t *rec)
{
    (void)ctx;
    fuzz_vuln_check(rec, false);
    return KZ_OK;
}

/* Sink callback: checks each record's shape and match keys, and drops it. */
static inline kz_rc fuzz_vuln_check_record_keys(void *ctx, json_t *rec)
{
    (void)ctx;
    fuzz_vuln_check(rec, true);
    return KZ_OK;
}

/* Sink callback for problems: expected from fuzzed input, but each must say where and what. */
static inline void fuzz_vuln_note_problem(void *ctx, const char *where, const char *msg)
{
    (void)ctx;
    if (where == NULL || msg == NULL)
        abort();
}

/*
 * Loads the bytes as JSON and imports them with parse into the checking sink, as kz_vuln_parse
 * hands a document over. Returns false when the bytes are not JSON (nothing to import); else
 * true, with the importer's result in *rc and, on failure, its reason in err.
 */
static inline bool fuzz_vuln_parse_json(const uint8_t *data, size_t size,
                                        fuzz_vuln_json_parser parse, kz_rc *rc, kz_err *err)
{
    kz_vuln_sink sink = {fuzz_vuln_check_record, fuzz_vuln_note_problem, NULL};
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);

    if (doc == NULL)
        return false;
    *rc = parse(doc, "fuzz.json", &sink, err);
    json_decref(doc);
    return true;
}

#endif
