/*
 * fuzz_cpe.c - libFuzzer target for the CPE parser: any bytes either fail cleanly or parse into
 * a WFN whose formatted string parses back to the same WFN, and comparing a name with itself
 * never calls it DISJOINT unless it holds wildcards.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kizuna/cpe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kz_cpe a, b; /* large; kept off the stack */
    kz_sv in = {(const char *)data, size};
    kz_buf out;
    kz_err err;

    if (kz_cpe_parse(in, &a, &err) != KZ_OK)
        return 0;
    kz_buf_init(&out, 0);
    if (kz_cpe_format(&a, &out) != KZ_OK)
        abort();
    /* Quoting can make the formatted string longer than the input, past the parser's limit. */
    if (out.n > KZ_CPE_MAX_BYTES) {
        kz_buf_free(&out);
        return 0;
    }
    if (kz_cpe_parse((kz_sv){out.p, out.n}, &b, &err) != KZ_OK || !kz_cpe_equal(&a, &b))
        abort();
    kz_buf_reset(&out);
    if (kz_cpe_format_wfn(&a, &out) != KZ_OK)
        abort();
    (void)kz_cpe_compare(&a, &b);
    (void)kz_cpe_name_equal(in, (kz_sv){out.p, out.n});
    kz_buf_free(&out);
    return 0;
}
