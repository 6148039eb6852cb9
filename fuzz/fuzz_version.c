/*
 * fuzz_version.c - libFuzzer target for version ranges and version comparison. The input splits
 * at its first newline into a range and a version: the range is parsed and the version checked
 * against it (any bytes must give an answer, and POSSIBLY always with a reason), and comparing
 * the two halves as versions must be antisymmetric under both schemes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_antisymmetric(kz_sv a, kz_sv b, kz_version_scheme s)
{
    int ab = kz_version_cmp(a, b, s), ba = kz_version_cmp(b, a, s);

    if (ab == KZ_VERSION_INCOMPARABLE || ba == KZ_VERSION_INCOMPARABLE) {
        if (ab != ba)
            abort();
        return;
    }
    if (ab < -1 || ab > 1 || ab != -ba)
        abort();
    if (kz_version_cmp(a, a, s) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kz_range r; /* about 1.3 KiB; kept off the stack */
    const char *p = (const char *)data;
    const char *nl = size > 0 ? memchr(p, '\n', size) : NULL;
    kz_sv range = {p, nl != NULL ? (size_t)(nl - p) : size};
    kz_sv version = {nl != NULL ? nl + 1 : p + size, nl != NULL ? size - range.n - 1 : 0};
    kz_match m;
    kz_err err;
    kz_rc rc;

    err.msg[0] = '\0';
    rc = kz_range_parse(range, &r, &err);
    if (rc != KZ_OK && (r.kind != KZ_RANGE_UNKNOWN || r.reason[0] == '\0'))
        abort();
    if (rc == KZ_OK && (r.kind == KZ_RANGE_UNKNOWN || r.n > KZ_RANGE_MAX_CONSTRAINTS))
        abort();
    err.msg[0] = '\0';
    if (kz_range_contains(&r, version, &m, &err) != KZ_OK)
        abort();
    if (m != KZ_MATCH_AFFECTED && m != KZ_MATCH_NOT_AFFECTED && m != KZ_MATCH_POSSIBLY)
        abort();
    if (m == KZ_MATCH_POSSIBLY && err.msg[0] == '\0')
        abort();
    (void)kz_match_str(m);
    check_antisymmetric(range, version, KZ_VERSION_GENERIC);
    check_antisymmetric(range, version, KZ_VERSION_SEMVER);
    return 0;
}
