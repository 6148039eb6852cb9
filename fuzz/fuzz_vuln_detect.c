/*
 * fuzz_vuln_detect.c - libFuzzer target for format detection and the importers behind it, where
 * advisories, catalogues and feeds from anywhere enter the knowledge base. Any input must be
 * detected without reading past its end, and parse or fail cleanly with a message; every record
 * an importer gives must pass kz_vuln_record_check and give its match keys (a failure is an
 * importer bug: abort).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kz_rc ignore_key(void *ctx, const char *key)
{
    (void)ctx, (void)key;
    return KZ_OK;
}

/* Checks one record as the knowledge base would, then drops it. */
static kz_rc check_record(void *ctx, json_t *rec)
{
    kz_err err;

    (void)ctx;
    if (kz_vuln_record_check(rec, &err) != KZ_OK) {
        fprintf(stderr, "an importer gave a record that fails the check: %s\n", err.msg);
        abort();
    }
    if (kz_vuln_record_keys(rec, ignore_key, NULL, &err) != KZ_OK)
        abort();
    json_decref(rec);
    return KZ_OK;
}

static void ignore_problem(void *ctx, const char *where, const char *msg)
{
    (void)ctx;
    if (where == NULL || msg == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_vuln_sink sink = {check_record, ignore_problem, NULL};
    kz_limits lim = kz_limits_default();
    /* A copy of exactly size bytes, so that ASan sees any read past the end. */
    char *copy = malloc(size ? size : 1);
    kz_vfmt f;
    kz_err err;
    kz_rc rc;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    f = kz_vuln_detect(copy, size);
    if (kz_vfmt_name(f) == NULL)
        abort();
    rc = kz_vuln_parse(f, copy, size, "fuzz", &lim, &sink, &err);
    if (rc != KZ_OK && err.msg[0] == '\0') {
        fprintf(stderr, "a failure without a message (%s)\n", kz_rc_str(rc));
        abort();
    }
    free(copy);
    return 0;
}
