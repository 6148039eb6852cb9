/*
 * fuzz_pattern.c - libFuzzer target for the STIX pattern parser, where untrusted indicator
 * patterns enter. Any input must parse or fail cleanly; a pattern that parses must print to a
 * canonical text that parses again and prints the same (a difference is a bug: abort).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_limits lim = kz_limits_default(), relim;
    kz_pattern *p = NULL, *q = NULL;
    kz_buf a, b;
    kz_err err;
    kz_rc rc;

    /* Small limits so that the fuzzer reaches them. */
    lim.pattern_bytes = 4096;
    lim.pattern_depth = 16;
    lim.pattern_terms = 200;
    kz_buf_init(&a, 0);
    kz_buf_init(&b, 0);
    if (kz_pattern_parse((kz_sv){(const char *)data, size}, &lim, &p, &err) != KZ_OK) {
        if (strncmp(err.msg, "position ", 9) != 0 && strncmp(err.msg, "pattern is ", 11) != 0 &&
            strncmp(err.msg, "out of memory", 13) != 0) {
            fprintf(stderr, "error without a position: %s\n", err.msg);
            abort();
        }
        goto out;
    }
    if (kz_pattern_format(p, &a) != KZ_OK)
        abort();
    /* The canonical text adds parentheses: allow for them, and for spaces. */
    relim = lim;
    relim.pattern_bytes = SIZE_MAX;
    relim.pattern_depth = lim.pattern_depth * 8 + 8;
    if ((rc = kz_pattern_parse((kz_sv){a.p, a.n}, &relim, &q, &err)) != KZ_OK) {
        fprintf(stderr, "canonical text does not parse (%s): %s\n%s\n", kz_rc_str(rc), err.msg,
                a.p);
        abort();
    }
    if (kz_pattern_format(q, &b) != KZ_OK)
        abort();
    if (a.n != b.n || memcmp(a.p, b.p, a.n) != 0) {
        fprintf(stderr, "canonical text is not stable:\n%s\n%s\n", a.p, b.p);
        abort();
    }
    if (kz_pattern_terms(p) != kz_pattern_terms(q))
        abort();
out:
    kz_pattern_free(p);
    kz_pattern_free(q);
    kz_buf_free(&a);
    kz_buf_free(&b);
    return 0;
}
