/*
 * fuzz_inventory.c - libFuzzer target for inventories (CycloneDX, SPDX, CSV), where a user's
 * device lists and SBOMs from anywhere enter the matcher. Any input must be detected, parsed or
 * refused with a message, never read past its end, and every component read must have a product,
 * CPE or purl and NUL-terminated strings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kizuna/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore_problem(void *ctx, const char *where, const char *msg)
{
    (void)ctx;
    if (where == NULL || msg == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const kz_inv_format formats[] = {KZ_INV_UNKNOWN, KZ_INV_CSV};
    kz_vuln_sink sink = {NULL, ignore_problem, NULL};
    kz_limits lim = kz_limits_default();
    /* A copy without a terminator, so that reading past the end is caught by ASan. */
    char *copy = malloc(size ? size : 1);

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
        kz_inventory *inv = NULL;
        kz_err err;
        if (kz_inventory_parse(copy, size, "fuzz", formats[k], &lim, &sink, &inv, &err) !=
            KZ_OK) {
            if (inv != NULL || err.msg[0] == '\0')
                abort();
            continue;
        }
        for (size_t i = 0; i < kz_inventory_count(inv); i++) {
            const kz_component *c = kz_inventory_get(inv, i);
            size_t n = strlen(c->ref ? c->ref : "") + strlen(c->name ? c->name : "") +
                       strlen(c->vendor ? c->vendor : "") + strlen(c->version ? c->version : "");
            if (c->product == NULL && c->cpe == NULL && c->purl == NULL)
                abort();
            (void)n;
        }
        kz_inventory_free(inv);
    }
    free(copy);
    return 0;
}
