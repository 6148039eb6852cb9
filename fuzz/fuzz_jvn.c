/*
 * fuzz_jvn.c - libFuzzer target for the JVN VULDEF / JVNRSS importer: any bytes either fail
 * cleanly (KZ_EINVAL, KZ_ELIMIT) or give records that each pass kz_vuln_record_check.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Imports the bytes as JVN XML; the only failures allowed are invalid input and limits. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_vuln_sink sink = {fuzz_vuln_check_record, fuzz_vuln_note_problem, NULL};
    kz_limits lim = kz_limits_default();
    kz_err err;
    kz_rc rc;

    lim.object_bytes = 1u << 18; /* documents up to 1 MiB */
    rc = kz_vuln_parse_jvn((const char *)data, size, "fuzz.xml", &lim, &sink, &err);
    if (rc != KZ_OK && rc != KZ_EINVAL && rc != KZ_ELIMIT)
        abort();
    return 0;
}
