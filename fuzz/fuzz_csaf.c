/*
 * fuzz_csaf.c - libFuzzer target for the CSAF 2.0 importer: any bytes that are JSON either fail
 * cleanly or import into records that all pass kz_vuln_record_check; problems may be reported
 * with any text but never crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "kizuna/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks each record's shape and drops it; a record that fails the check is a bug. */
static kz_rc check_record(void *ctx, json_t *rec)
{
    kz_err err;

    (void)ctx;
    if (kz_vuln_record_check(rec, &err) != KZ_OK)
        abort();
    json_decref(rec);
    return KZ_OK;
}

/* Problems are expected from fuzzed input; they only must not crash. */
static void ignore_problem(void *ctx, const char *where, const char *msg)
{
    (void)ctx;
    if (where == NULL || msg == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_vuln_sink sink = {check_record, ignore_problem, NULL};
    json_error_t je;
    json_t *doc;
    kz_err err = {{0}};

    /* The importer sees parsed JSON, as kz_vuln_parse hands it over. */
    doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
    if (doc == NULL)
        return 0;
    if (kz_vuln_parse_csaf(doc, "fuzz.json", &sink, &err) != KZ_OK && err.msg[0] == '\0')
        abort(); /* a failure always says why */
    json_decref(doc);
    return 0;
}
