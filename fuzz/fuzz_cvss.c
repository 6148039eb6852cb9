/*
 * fuzz_cvss.c - libFuzzer target for the CVSS vector parser, where vectors from CSAF advisories,
 * CVE records and peers enter. Any input must parse or fail cleanly with a positioned message; a
 * vector that parses must format to a canonical string that parses again, formats the same and
 * gives the very same scores (a difference is a bug: abort).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/cvss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_score(double a, double b, const char *what, const char *text)
{
    if (!(a >= 0.0 && a <= 10.0) || a != b) {
        fprintf(stderr, "%s score differs after formatting (%.17g, %.17g): %s\n", what, a, b, text);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_cvss c, d;
    kz_buf a, b;
    kz_err err;
    kz_rc rc;

    kz_buf_init(&a, 0);
    kz_buf_init(&b, 0);
    if (kz_cvss_parse((kz_sv){(const char *)data, size}, &c, &err) != KZ_OK) {
        if (strncmp(err.msg, "position ", 9) != 0) {
            fprintf(stderr, "error without a position: %s\n", err.msg);
            abort();
        }
        goto out;
    }
    if (kz_cvss_format(&c, &a) != KZ_OK)
        abort();
    if ((rc = kz_cvss_parse((kz_sv){a.p, a.n}, &d, &err)) != KZ_OK) {
        fprintf(stderr, "canonical vector does not parse (%s): %s\n%s\n", kz_rc_str(rc), err.msg,
                a.p);
        abort();
    }
    if (kz_cvss_format(&d, &b) != KZ_OK)
        abort();
    if (a.n != b.n || memcmp(a.p, b.p, a.n) != 0) {
        fprintf(stderr, "canonical vector is not stable:\n%s\n%s\n", a.p, b.p);
        abort();
    }
    check_score(kz_cvss_base_score(&c), kz_cvss_base_score(&d), "base", a.p);
    check_score(kz_cvss_temporal_score(&c), kz_cvss_temporal_score(&d), "temporal", a.p);
    check_score(kz_cvss_environmental_score(&c), kz_cvss_environmental_score(&d), "environmental",
                a.p);
    if (kz_cvss_groups(&c) != kz_cvss_groups(&d) || c.version != d.version)
        abort();
    (void)kz_cvss_severity(kz_cvss_base_score(&c), c.version);
out:
    kz_buf_free(&a);
    kz_buf_free(&b);
    return 0;
}
