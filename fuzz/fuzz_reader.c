/*
 * fuzz_reader.c - the streaming reader on arbitrary bytes: bundle, array or JSON-lines framing,
 * then jansson and minification of each object. Small limits so that the limit paths are hit.
 * Checks that every object's minified text parses to the same value as the object itself.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kizuna/stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kz_limits lim = kz_limits_default();
    kz_reader *r = NULL;
    kz_err err;
    FILE *f;

    if (size == 0 || (f = fmemopen((void *)data, size, "r")) == NULL)
        return 0;
    lim.object_bytes = 4096;
    lim.json_depth = 16;
    lim.objects = 1000;
    if (kz_reader_new(f, "fuzz", &lim, &r, &err) == KZ_OK) {
        for (;;) {
            const char *text;
            size_t len;
            json_t *obj, *again;
            kz_where w;
            kz_rc rc = kz_reader_next(r, &text, &len, &obj, &w, &err);
            if (rc == KZ_OK) {
                again = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
                if (again == NULL || !json_equal(obj, again))
                    abort(); /* minification changed the value */
                json_decref(again);
                json_decref(obj);
                continue;
            }
            if (rc == KZ_ENOTFOUND || !kz_reader_can_continue(r))
                break;
        }
    }
    kz_reader_free(r);
    fclose(f);
    return 0;
}
