/*
 * fuzz_cve5.c - libFuzzer target for the importer of CVE JSON 5 records: any bytes that
 * load as JSON import without crashing, and every record the importer hands on has the
 * record shape (kz_vuln_record_check); a record that does not is a bug, so the target aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "kizuna/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks one record and drops it. */
static kz_rc check_record(void *ctx, json_t *rec)
{
    kz_err err;

    (void)ctx;
    if (kz_vuln_record_check(rec, &err) != KZ_OK)
        abort();
    json_decref(rec);
    return KZ_OK;
}

/* Problems are expected for broken input; each must say where. */
static void note_problem(void *ctx, const char *where, const char *msg)
{
    (void)ctx;
    if (where == NULL || msg == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_vuln_sink sink = {check_record, note_problem, NULL};
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
    kz_err err;
    kz_rc rc;

    if (doc == NULL)
        return 0;
    rc = kz_vuln_parse_cve5(doc, "fuzz.json", &sink, &err);
    /* The sink never fails, so the only failure is input that is not the format at all. */
    if (rc != KZ_OK && rc != KZ_EINVAL && rc != KZ_ELIMIT && rc != KZ_ENOMEM)
        abort();
    json_decref(doc);
    return 0;
}
