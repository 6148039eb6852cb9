/*
 * fuzz_jvn.c - libFuzzer target for the JVN VULDEF / JVNRSS importer: any bytes either fail
 * cleanly (KZ_EINVAL, KZ_ELIMIT) or give records that each pass kz_vuln_record_check.
 */
#include <stdint.h>
#include <stdlib.h>

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

/* Problems are expected for broken input; they only must not crash. */
static void ignore_problem(void *ctx, const char *where, const char *msg)
{
    (void)ctx, (void)where, (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_vuln_sink sink = {check_record, ignore_problem, NULL};
    kz_limits lim = kz_limits_default();
    kz_err err;
    kz_rc rc;

    lim.object_bytes = 1u << 18; /* documents up to 1 MiB */
    rc = kz_vuln_parse_jvn((const char *)data, size, "fuzz.xml", &lim, &sink, &err);
    if (rc != KZ_OK && rc != KZ_EINVAL && rc != KZ_ELIMIT)
        abort();
    return 0;
}
