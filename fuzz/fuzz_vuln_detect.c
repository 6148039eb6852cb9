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

#include "fuzz_vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Detects the format of the bytes and imports them; a failure must say why. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_vuln_sink sink = {fuzz_vuln_check_record_keys, fuzz_vuln_note_problem, NULL};
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
