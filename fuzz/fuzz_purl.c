/*
 * fuzz_purl.c - libFuzzer target for the purl parser: any bytes either fail cleanly or parse
 * into components whose canonical form parses back to the same components and formats to the
 * same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/purl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kz_purl a, b;
    kz_sv in = {(const char *)data, size};
    kz_buf one, two;
    kz_err err;

    if (kz_purl_parse(in, &a, &err) != KZ_OK)
        return 0;
    kz_buf_init(&one, 0);
    kz_buf_init(&two, 0);
    if (kz_purl_format(&a, &one) != KZ_OK)
        abort();
    /* Percent-encoding can make the canonical form longer than the input, past the limit. */
    if (one.n > KZ_PURL_MAX_BYTES)
        goto out;
    if (kz_purl_parse((kz_sv){one.p, one.n}, &b, &err) != KZ_OK || !kz_purl_equal(&a, &b) ||
        !kz_purl_same_package(&a, &b))
        abort();
    if (kz_purl_format(&b, &two) != KZ_OK || one.n != two.n || memcmp(one.p, two.p, one.n) != 0)
        abort();
out:
    kz_buf_free(&one);
    kz_buf_free(&two);
    return 0;
}
