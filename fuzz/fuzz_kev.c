/*
 * fuzz_kev.c - libFuzzer target for the importer of the CISA KEV catalogue: any bytes that
 * load as JSON import without crashing, and every record the importer hands on has the
 * record shape (kz_vuln_record_check); a record that does not is a bug, so the target aborts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Imports the bytes; every failure must be one the format allows. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_err err;
    kz_rc rc;

    if (!fuzz_vuln_parse_json(data, size, kz_vuln_parse_kev, &rc, &err))
        return 0;
    /* The sink never fails, so the only failure is input that is not the format at all. */
    if (rc != KZ_OK && rc != KZ_EINVAL && rc != KZ_ELIMIT && rc != KZ_ENOMEM)
        abort();
    return 0;
}
