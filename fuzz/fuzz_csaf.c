/*
 * fuzz_csaf.c - libFuzzer target for the CSAF 2.0 importer: any bytes that are JSON either fail
 * cleanly or import into records that all pass kz_vuln_record_check; problems may be reported
 * with any text but never crash.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Imports the bytes as CSAF; a failure always says why. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_err err = {{0}};
    kz_rc rc;

    if (!fuzz_vuln_parse_json(data, size, kz_vuln_parse_csaf, &rc, &err))
        return 0;
    if (rc != KZ_OK && err.msg[0] == '\0')
        abort(); /* a failure always says why */
    return 0;
}
