/*
 * fuzz_stix.c - libFuzzer target for STIX 2.1 object validation: any bytes that parse as a JSON
 * object are validated with the default limits; validation must never crash, whatever the
 * values, kinds and nesting it meets.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kizuna/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *ctx, kz_stix_severity sev, const char *path, const char *msg)
{
    (void)ctx;
    (void)sev;
    (void)path;
    (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_limits lim = kz_limits_default();
    json_error_t e;
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);

    if (obj == NULL)
        return 0;
    if (json_is_object(obj)) {
        char version[KZ_STIX_VERSION_MAX];
        /* A valid object always has a readable version. */
        if (kz_stix_validate(obj, &lim, ignore, NULL) == 0 &&
            kz_stix_version(obj, version) != KZ_OK)
            __builtin_trap();
    }
    json_decref(obj);
    return 0;
}
